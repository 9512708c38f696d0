//! XMPP over BOSH as a browser speaks it to `/http-bind` (XEP-0124 and XEP-0206): a session
//! request names the XMPP domain, every later request carries the session id and the next request
//! id, and each answer is a `<body>` wrapping the stanzas the server had for us. One request at a
//! time: a request with nothing to send waits at the server up to `wait` seconds for stanzas.

use super::xml::{self, escape, Element};
use crate::http::{Client, HttpError};
use crate::url::Url;
use std::fmt;

const HTTPBIND: &str = "http://jabber.org/protocol/httpbind";
const XBOSH: &str = "urn:xmpp:xbosh";

#[derive(Debug, Clone, PartialEq)]
pub enum BoshError {
    /// nginx or prosody answered with an HTTP error (502 when prosody is down behind nginx).
    Http {
        status: u16,
        body: String,
    },
    /// The connection manager ended the session (XEP-0124 §17: a `terminate` body).
    Terminated {
        condition: String,
    },
    /// The answer was not a BOSH body.
    NotBosh(String),
    Transport(HttpError),
}

impl fmt::Display for BoshError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BoshError::Http { status, body } => match page_title(body) {
                Some(title) => write!(f, "HTTP {status} ({title})"),
                None => write!(f, "HTTP {status}"),
            },
            BoshError::Terminated { condition } => write!(f, "the server ended the session (condition '{condition}')"),
            BoshError::NotBosh(why) => write!(f, "not a BOSH answer: {why}"),
            BoshError::Transport(error) => write!(f, "{error}"),
        }
    }
}

/// An error page's `<title>` (nginx: "502 Bad Gateway"), to say which error page it was.
fn page_title(body: &str) -> Option<String> {
    let lower = body.to_ascii_lowercase();
    let start = lower.find("<title>")? + "<title>".len();
    let end = start + lower[start..].find("</title>")?;
    Some(body[start..end].trim().to_string()).filter(|t| !t.is_empty())
}

pub struct Bosh {
    client: Client,
    url: Url,
    domain: String,
    sid: String,
    rid: u64,
}

impl Bosh {
    /// Opens a session; the answer's body usually carries the stream features already.
    pub fn create(
        client: Client,
        url: Url,
        domain: &str,
        wait_seconds: u32,
        first_rid: u64,
    ) -> Result<(Bosh, Element), BoshError> {
        let mut bosh = Bosh {
            client,
            url,
            domain: domain.to_string(),
            sid: String::new(),
            rid: first_rid,
        };
        let answer = bosh.post(&session_request(first_rid, domain, wait_seconds))?;
        bosh.sid = answer
            .attr("sid")
            .ok_or_else(|| BoshError::NotBosh(format!("the session answer has no sid: {}", answer.to_xml())))?
            .to_string();
        Ok((bosh, answer))
    }

    /// Sends these stanzas (or none: a poll) and returns the body of the answer.
    pub fn send(&mut self, stanzas: &[String]) -> Result<Element, BoshError> {
        self.rid += 1;
        let request = wrap(self.rid, &self.sid, stanzas);
        self.post(&request)
    }

    /// XEP-0206 §5: after SASL succeeds the stream restarts; the answer carries the new features.
    pub fn restart(&mut self) -> Result<Element, BoshError> {
        self.rid += 1;
        let request = restart_request(self.rid, &self.sid, &self.domain);
        self.post(&request)
    }

    /// Ends the session, sending these last stanzas (best effort: the checks are done by then).
    pub fn terminate(&mut self, stanzas: &[String]) {
        self.rid += 1;
        let request = format!(
            "<body rid='{}' sid='{}' type='terminate' xmlns='{HTTPBIND}'>{}</body>",
            self.rid,
            escape(&self.sid),
            stanzas.concat()
        );
        let _ = self.post(&request);
    }

    fn post(&self, body: &str) -> Result<Element, BoshError> {
        let headers = [("Content-Type", "text/xml; charset=utf-8")];
        let response = self
            .client
            .send("POST", &self.url, &headers, body.as_bytes())
            .map_err(BoshError::Transport)?;
        if response.status != 200 {
            return Err(BoshError::Http {
                status: response.status,
                body: response.text(),
            });
        }
        read_body(&response.text())
    }
}

/// XEP-0206 §4: the session creation request, asking for XMPP 1.0 (SASL, then a stream restart).
pub fn session_request(rid: u64, domain: &str, wait_seconds: u32) -> String {
    format!(
        "<body content='text/xml; charset=utf-8' hold='1' rid='{rid}' to='{}' ver='1.6' wait='{wait_seconds}' \
         xml:lang='en' xmpp:version='1.0' xmlns='{HTTPBIND}' xmlns:xmpp='{XBOSH}'/>",
        escape(domain)
    )
}

pub fn restart_request(rid: u64, sid: &str, domain: &str) -> String {
    format!(
        "<body rid='{rid}' sid='{}' to='{}' xml:lang='en' xmpp:restart='true' xmlns='{HTTPBIND}' xmlns:xmpp='{XBOSH}'/>",
        escape(sid),
        escape(domain)
    )
}

pub fn wrap(rid: u64, sid: &str, stanzas: &[String]) -> String {
    if stanzas.is_empty() {
        format!("<body rid='{rid}' sid='{}' xmlns='{HTTPBIND}'/>", escape(sid))
    } else {
        format!(
            "<body rid='{rid}' sid='{}' xmlns='{HTTPBIND}'>{}</body>",
            escape(sid),
            stanzas.concat()
        )
    }
}

/// The answer's `<body>`, or why it is not one (a terminate body is an error).
pub fn read_body(text: &str) -> Result<Element, BoshError> {
    let body = xml::parse(text).map_err(BoshError::NotBosh)?;
    if body.name != "body" {
        return Err(BoshError::NotBosh(format!("the root element is <{}>", body.name)));
    }
    if body.attr("type") == Some("terminate") {
        return Err(BoshError::Terminated {
            condition: body.attr("condition").unwrap_or("none").to_string(),
        });
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_follow_xep_0206() {
        assert_eq!(
            session_request(7, "meet.jitsi", 10),
            "<body content='text/xml; charset=utf-8' hold='1' rid='7' to='meet.jitsi' ver='1.6' wait='10' \
             xml:lang='en' xmpp:version='1.0' xmlns='http://jabber.org/protocol/httpbind' xmlns:xmpp='urn:xmpp:xbosh'/>"
        );
        assert_eq!(
            restart_request(9, "s1", "meet.jitsi"),
            "<body rid='9' sid='s1' to='meet.jitsi' xml:lang='en' xmpp:restart='true' \
             xmlns='http://jabber.org/protocol/httpbind' xmlns:xmpp='urn:xmpp:xbosh'/>"
        );
        assert_eq!(
            wrap(8, "s1", &[]),
            "<body rid='8' sid='s1' xmlns='http://jabber.org/protocol/httpbind'/>"
        );
        assert_eq!(
            wrap(8, "s1", &["<presence/>".into(), "<iq/>".into()]),
            "<body rid='8' sid='s1' xmlns='http://jabber.org/protocol/httpbind'><presence/><iq/></body>"
        );
    }

    #[test]
    fn reads_bodies_and_terminations() {
        let body =
            read_body("<body xmlns='http://jabber.org/protocol/httpbind' sid='x'><iq type='result' id='1'/></body>")
                .unwrap();
        assert_eq!(body.children[0].attr("id"), Some("1"));
        assert_eq!(
            read_body("<body type='terminate' condition='host-unknown' xmlns='http://jabber.org/protocol/httpbind'/>"),
            Err(BoshError::Terminated {
                condition: "host-unknown".into()
            })
        );
        assert!(matches!(
            read_body("<html><body>502 Bad Gateway</body></html>"),
            Err(BoshError::NotBosh(_))
        ));
        assert!(matches!(read_body("not xml"), Err(BoshError::NotBosh(_))));
    }

    #[test]
    fn errors_read_as_one_line() {
        let http = BoshError::Http {
            status: 502,
            body: "<html>\n<head><title>502 Bad Gateway</title></head>\n</html>".into(),
        };
        assert_eq!(http.to_string(), "HTTP 502 (502 Bad Gateway)");
        let bare = BoshError::Http {
            status: 404,
            body: "not here".into(),
        };
        assert_eq!(bare.to_string(), "HTTP 404");
        let ended = BoshError::Terminated {
            condition: "remote-connection-failed".into(),
        };
        assert_eq!(
            ended.to_string(),
            "the server ended the session (condition 'remote-connection-failed')"
        );
    }
}
