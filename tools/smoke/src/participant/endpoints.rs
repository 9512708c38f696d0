//! Whether `config.js` sends a browser to the meeting's own host. A BOSH or WebSocket URL on
//! `localhost` (docker-jitsi-meet's fallback without PUBLIC_URL, design notes §6) or on another
//! host makes every participant's browser connect somewhere else: the page loads, the call never
//! starts.

use super::config_js::JitsiConfig;
use crate::url::Url;
use std::net::IpAddr;

#[derive(Debug, Clone, PartialEq)]
pub struct Endpoints {
    pub bosh: Url,
    pub websocket: Option<Url>,
    pub domain: String,
    /// Token authentication with guests: token holders log in on `domain`, everyone else here.
    pub guest_domain: Option<String>,
    pub muc: String,
    pub focus: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EndpointProblem {
    pub detail: String,
    pub hint: &'static str,
}

const BOSH_HINT: &str = "the web container needs BOSH_RELATIVE=true (terraform/modules/jitsi-service/containers.tf) \
or PUBLIC_URL set to the meeting's URL; then stop and start the meeting";
const WEBSOCKET_HINT: &str = "set PUBLIC_URL to the meeting's URL (custom domain), or ENABLE_XMPP_WEBSOCKET=0 on the \
web and prosody containers (trial mode: the meeting's host is not known in advance)";
const HOSTS_HINT: &str =
    "config.js is not docker-jitsi-meet's: check XMPP_DOMAIN and XMPP_MUC_DOMAIN on the web container";

pub fn endpoints(config: &JitsiConfig, meeting: &Url) -> Result<Endpoints, EndpointProblem> {
    let missing = |what: &str, hint| EndpointProblem {
        detail: format!("config.js sets no {what}"),
        hint,
    };
    let bosh_value = config
        .bosh
        .as_deref()
        .ok_or_else(|| missing("config.bosh", BOSH_HINT))?;
    let bosh = same_host("config.bosh", bosh_value, meeting).map_err(|detail| EndpointProblem {
        detail,
        hint: BOSH_HINT,
    })?;
    let websocket = match config.websocket.as_deref() {
        None => None,
        Some(value) => {
            let as_http = value.replacen("wss://", "https://", 1).replacen("ws://", "http://", 1);
            let url = same_host("config.websocket", &as_http, meeting).map_err(|detail| EndpointProblem {
                detail: detail.replace(&as_http, value),
                hint: WEBSOCKET_HINT,
            })?;
            Some(url)
        }
    };
    let domain = config
        .domain
        .clone()
        .ok_or_else(|| missing("config.hosts.domain", HOSTS_HINT))?;
    let muc = config
        .muc
        .clone()
        .ok_or_else(|| missing("config.hosts.muc", HOSTS_HINT))?;
    let focus = config.focus_jid().unwrap_or_else(|| format!("focus.{domain}"));
    Ok(Endpoints {
        bosh,
        websocket,
        domain,
        guest_domain: config.anonymous_domain.clone(),
        muc,
        focus,
    })
}

/// The URL a browser on the meeting page would use, if it is on the meeting's own host.
fn same_host(name: &str, value: &str, meeting: &Url) -> Result<Url, String> {
    let url = meeting.join(value).map_err(|e| format!("{name} is {value}: {e}"))?;
    // A loopback host is docker-jitsi-meet's default (localhost:8443), unless the meeting itself is
    // on it (the local stack's Elastic IPs are loopback addresses).
    if url.host != meeting.host && is_loopback(&url.host) {
        return Err(format!(
            "{name} is {value}: localhost, not the meeting's host {}",
            meeting.host
        ));
    }
    if url.host != meeting.host || url.port != meeting.port {
        return Err(format!(
            "{name} is {value}: on {}, not the meeting's host {}",
            url.authority(),
            meeting.authority()
        ));
    }
    if meeting.https && !url.https {
        return Err(format!(
            "{name} is {value}: plain http from an https page (browsers block it)"
        ));
    }
    Ok(url)
}

fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host.ends_with(".localhost")
        || host
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback() || ip.is_unspecified())
}

/// One line for the passing check.
pub fn describe(endpoints: &Endpoints) -> String {
    let websocket = match &endpoints.websocket {
        Some(url) => format!("WebSocket {}", url.path),
        None => "no WebSocket".into(),
    };
    let guests = match &endpoints.guest_domain {
        Some(guests) => format!(", guests on {guests}"),
        None => String::new(),
    };
    format!(
        "BOSH {} and {websocket} on the meeting's host; XMPP domain {}{guests}, MUC {}",
        endpoints.bosh.path, endpoints.domain, endpoints.muc
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meeting() -> Url {
        Url::parse("https://jod-meeting-1.elb.us-east-1.amazonaws.com/").unwrap()
    }

    fn config(bosh: &str, websocket: Option<&str>) -> JitsiConfig {
        JitsiConfig {
            domain: Some("meet.jitsi".into()),
            anonymous_domain: None,
            muc: Some("muc.meet.jitsi".into()),
            focus: None,
            bosh: Some(bosh.into()),
            websocket: websocket.map(str::to_string),
        }
    }

    #[test]
    fn relative_bosh_and_own_host_websocket_pass() {
        let found = endpoints(&config("/http-bind", None), &meeting()).unwrap();
        assert_eq!(
            found.bosh.to_string(),
            "https://jod-meeting-1.elb.us-east-1.amazonaws.com/http-bind"
        );
        assert_eq!(
            (found.domain.as_str(), found.focus.as_str()),
            ("meet.jitsi", "focus.meet.jitsi")
        );
        assert_eq!(
            describe(&found),
            "BOSH /http-bind and no WebSocket on the meeting's host; XMPP domain meet.jitsi, MUC muc.meet.jitsi"
        );
        let custom = Url::parse("https://meet.example.org/").unwrap();
        let found = endpoints(
            &config("/http-bind", Some("wss://meet.example.org/xmpp-websocket")),
            &custom,
        )
        .unwrap();
        assert_eq!(found.websocket.unwrap().path, "/xmpp-websocket");
    }

    #[test]
    fn a_meeting_at_a_loopback_address_may_use_its_own_host() {
        // The local stack's Elastic IPs are loopback addresses; localhost elsewhere still fails.
        let at_address = Url::parse("https://127.66.66.103/").unwrap();
        let found = endpoints(&config("/http-bind", None), &at_address).unwrap();
        assert_eq!(found.bosh.host, "127.66.66.103");
        assert!(endpoints(&config("https://localhost:8443/http-bind", None), &at_address).is_err());
    }

    #[test]
    fn localhost_fails_with_the_value_and_the_hint() {
        let problem = endpoints(&config("https://localhost:8443/http-bind", None), &meeting()).unwrap_err();
        assert_eq!(
            problem.detail,
            "config.bosh is https://localhost:8443/http-bind: localhost, not the meeting's host \
             jod-meeting-1.elb.us-east-1.amazonaws.com"
        );
        assert_eq!(problem.hint, BOSH_HINT);
        let problem = endpoints(
            &config("/http-bind", Some("wss://localhost:8443/xmpp-websocket")),
            &meeting(),
        )
        .unwrap_err();
        assert_eq!(
            problem.detail,
            "config.websocket is wss://localhost:8443/xmpp-websocket: localhost, not the meeting's host \
             jod-meeting-1.elb.us-east-1.amazonaws.com"
        );
        assert_eq!(problem.hint, WEBSOCKET_HINT);
        assert!(endpoints(&config("https://127.0.0.1/http-bind", None), &meeting()).is_err());
    }

    #[test]
    fn another_host_or_plain_http_fails() {
        let other = endpoints(&config("//meet.example.org/http-bind", None), &meeting()).unwrap_err();
        assert!(other
            .detail
            .ends_with("on meet.example.org, not the meeting's host jod-meeting-1.elb.us-east-1.amazonaws.com"));
        let insecure = config("http://jod-meeting-1.elb.us-east-1.amazonaws.com:443/http-bind", None);
        assert!(endpoints(&insecure, &meeting())
            .unwrap_err()
            .detail
            .contains("plain http"));
    }

    #[test]
    fn missing_settings_are_named() {
        let mut none = config("/http-bind", None);
        none.bosh = None;
        assert_eq!(
            endpoints(&none, &meeting()).unwrap_err().detail,
            "config.js sets no config.bosh"
        );
        let mut no_muc = config("/http-bind", None);
        no_muc.muc = None;
        assert_eq!(
            endpoints(&no_muc, &meeting()).unwrap_err().detail,
            "config.js sets no config.hosts.muc"
        );
    }
}
