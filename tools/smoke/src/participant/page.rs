//! The first thing a participant's browser does: fetch the meeting page over HTTPS (is the
//! certificate trusted?), then `config.js`, which says where XMPP is.

use super::config_js;
use super::endpoints::{self, Endpoints};
use crate::http::{Client, HttpError, Response};
use crate::report::{Check, Stage};
use crate::tls;
use crate::url::Url;
use std::time::{Duration, Instant};

const STAGE: Stage = Stage::Participant;

/// The page, fetched as a browser would; the certificate check (an https page whose TLS
/// handshake got that far); and the client to use from then on (one that accepts the certificate
/// once it has been reported as not trusted).
pub fn fetch_page(
    client: &Client,
    meeting: &Url,
    require_trusted: bool,
    patience: Duration,
) -> (Option<Check>, Client, Result<Response, HttpError>) {
    match get_when_reachable(client, meeting, patience) {
        Ok(page) => {
            let trusted = meeting.https.then(|| {
                Check::pass(
                    STAGE,
                    "certificate",
                    format!("trusted: chains to a public root and names {}", meeting.host),
                )
            });
            (trusted, client.clone(), Ok(page))
        }
        Err(HttpError::Tls(rustls::Error::InvalidCertificate(error))) => {
            let detail = format!("not trusted: {}", tls::certificate_problem(&error));
            let check = if require_trusted {
                Check::fail(
                    STAGE,
                    "certificate",
                    detail,
                    "browsers will refuse the meeting: check the ACM certificate on the TLS 443 listener and that \
                     the meeting hostname resolves to the load balancer",
                )
            } else {
                Check::warn(
                    STAGE,
                    "certificate",
                    detail,
                    "trial mode serves the web container's self-signed certificate: participants must click through \
                     a warning; set hosted_zone_id and meeting_hostname for a trusted one",
                )
            };
            let lenient = client.with_tls(tls::accept_any());
            let page = get_when_reachable(&lenient, meeting, patience);
            (Some(check), lenient, page)
        }
        Err(error) => (None, client.clone(), Err(error)),
    }
}

/// A load balancer that has just become active may refuse or drop the first connections for a
/// few seconds (and a new name may not resolve yet): connection-level failures are retried for
/// `patience`; an answer, a TLS verdict or an HTTP error is final.
fn get_when_reachable(client: &Client, url: &Url, patience: Duration) -> Result<Response, HttpError> {
    let until = Instant::now() + patience;
    loop {
        match client.get(url) {
            Err(HttpError::Connect { .. } | HttpError::TimedOut | HttpError::Io(_)) if Instant::now() < until => {
                std::thread::sleep(Duration::from_secs(2));
            }
            answer => return answer,
        }
    }
}

/// HTTP 200 and Jitsi Meet's index: it names jitsi and loads (or, with nginx's SSI, inlines) the
/// config (jitsi-meet index.html: `<script><!--#include virtual="/config.js" --></script>`).
pub fn page_check(meeting: &Url, page: &Result<Response, HttpError>) -> Check {
    let hint_unreachable = "nothing answers on 443: see the load balancer and targets (the start's steps and \
                            `aws elbv2 describe-target-health`)";
    match page {
        Err(error) => Check::fail(STAGE, "page", format!("GET {meeting}: {error}"), hint_unreachable),
        Ok(response) if response.status != 200 => Check::fail(
            STAGE,
            "page",
            format!("GET {meeting} answered HTTP {}", response.status),
            "nginx answers, but not with the meeting page: check the web container's log",
        ),
        Ok(response) => {
            let text = response.text().to_ascii_lowercase();
            let looks_like_jitsi =
                text.contains("jitsi") && (text.contains("config.js") || text.contains("var config"));
            if looks_like_jitsi {
                Check::pass(
                    STAGE,
                    "page",
                    format!(
                        "HTTP 200, Jitsi Meet's page ({:.1} kB)",
                        response.body.len() as f64 / 1000.0
                    ),
                )
            } else {
                Check::fail(
                    STAGE,
                    "page",
                    format!("GET {meeting} answered HTTP 200, but not with Jitsi Meet's page"),
                    "something else serves 443: check the web target group's port and the listener",
                )
            }
        }
    }
}

/// `config.js`, read and checked: the endpoints it sends browsers to.
pub fn config_check(client: &Client, meeting: &Url) -> (Check, Option<Endpoints>) {
    let url = match meeting.join("/config.js") {
        Ok(url) => url,
        Err(error) => return (Check::fail(STAGE, "config.js", error, ""), None),
    };
    let response = match client.get(&url) {
        Ok(response) if response.status == 200 => response,
        Ok(response) => {
            let detail = format!("GET {url} answered HTTP {}", response.status);
            return (
                Check::fail(STAGE, "config.js", detail, "check the web container's log"),
                None,
            );
        }
        Err(error) => {
            let detail = format!("GET {url}: {error}");
            return (
                Check::fail(
                    STAGE,
                    "config.js",
                    detail,
                    "the page loaded but config.js did not: retry",
                ),
                None,
            );
        }
    };
    let config = config_js::parse(&response.text());
    match endpoints::endpoints(&config, meeting) {
        Ok(found) => (
            Check::pass(STAGE, "config.js", endpoints::describe(&found)),
            Some(found),
        ),
        Err(problem) => (Check::fail(STAGE, "config.js", problem.detail, problem.hint), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Outcome;

    fn response(status: u16, body: &str) -> Result<Response, HttpError> {
        Ok(Response {
            status,
            headers: vec![],
            body: body.as_bytes().to_vec(),
        })
    }

    #[test]
    fn jitsis_page_passes_with_inlined_or_linked_config() {
        let meeting = Url::parse("https://m.example.org/").unwrap();
        let inlined = "<html><head><title>Jitsi Meet</title><script>var config = {};</script></head></html>";
        assert_eq!(page_check(&meeting, &response(200, inlined)).outcome, Outcome::Pass);
        let linked = "<html><script src=\"config.js?v=5\"></script><a href='https://jitsi.org'>jitsi</a></html>";
        assert_eq!(page_check(&meeting, &response(200, linked)).outcome, Outcome::Pass);
    }

    #[test]
    fn other_pages_and_errors_fail_with_what_was_answered() {
        let meeting = Url::parse("https://m.example.org/").unwrap();
        let nginx = page_check(&meeting, &response(200, "<h1>Welcome to nginx!</h1>"));
        assert_eq!(
            nginx.detail,
            "GET https://m.example.org/ answered HTTP 200, but not with Jitsi Meet's page"
        );
        let bad = page_check(&meeting, &response(503, "x"));
        assert_eq!(bad.detail, "GET https://m.example.org/ answered HTTP 503");
        let refused = page_check(&meeting, &Err(HttpError::TimedOut));
        assert_eq!(refused.detail, "GET https://m.example.org/: no answer in time");
        assert!(refused.failed());
    }
}
