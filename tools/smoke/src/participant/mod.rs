//! Step 3 of `make smoke`: the meeting as a participant meets it, from outside. The page over
//! HTTPS (and whether a browser trusts its certificate), `config.js` (where XMPP is), an anonymous
//! XMPP session over BOSH (prosody alive behind nginx), jicofo's answer, and two guests in a room
//! who each get jicofo's Jingle offer with the bridge's ICE candidates. Nothing here calls AWS, so
//! the same code runs against a deployment and against the loopback stand-in
//! (tests/jitsi_standin/); `--connect-to` is the only difference.

pub mod bosh;
pub mod conference;
pub mod config_js;
pub mod endpoints;
pub mod guest;
mod hints;
pub mod jingle;
pub mod page;
pub mod stanza;
pub mod xml;

use crate::http::Client;
use crate::report::{Check, Stage};
use crate::tls;
use crate::url::{ConnectTo, Url};
use std::hash::{BuildHasher, RandomState};
use std::net::IpAddr;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

/// The checks of this step, in order: a failure skips those after it.
pub const CHECKS: &[&str] = &[
    "certificate",
    "page",
    "config.js",
    "bosh",
    "focus",
    "conference",
    "ice candidates",
];
/// The same with token authentication: a guest is kept out, the host's token logs in.
pub const CHECKS_WITH_HOST: &[&str] = &[
    "certificate",
    "page",
    "config.js",
    "bosh",
    "host only",
    "moderator",
    "focus",
    "conference",
    "ice candidates",
];

/// Called with each check as it completes.
pub type Record<'a> = &'a mut dyn FnMut(Check);

#[derive(Debug, Clone)]
pub struct Probe {
    pub meeting_url: Url,
    /// The meeting's public address (the load balancer's Elastic IP), which the bridge must offer.
    pub public_ip: Option<IpAddr>,
    /// Where the meeting's connections go instead (tests: a stand-in on loopback).
    pub connect_to: Vec<ConnectTo>,
    /// With a custom domain the certificate must be trusted; a trial stack's self-signed one is a
    /// warning.
    pub require_trusted_certificate: bool,
    /// The room's local part.
    pub room: String,
    /// The moderator token for the room, when the deployment has token authentication.
    pub token: Option<String>,
    /// For each HTTP exchange and XMPP step, and for jicofo's offer.
    pub timeout: Duration,
}

impl Probe {
    pub fn new(meeting_url: Url) -> Self {
        Self {
            meeting_url,
            public_ip: None,
            connect_to: Vec::new(),
            require_trusted_certificate: false,
            room: format!("smoke-{}", random_hex(8)),
            token: None,
            timeout: Duration::from_secs(30),
        }
    }
}

/// Runs the checks in order; each is handed to `on_check` as it completes, and all are returned.
pub fn check_meeting(probe: &Probe, stop: Arc<AtomicBool>, on_check: &mut dyn FnMut(&Check)) -> Vec<Check> {
    let mut checks: Vec<Check> = Vec::new();
    let mut record = |check: Check| {
        on_check(&check);
        checks.push(check);
    };
    run(probe, stop, &mut record);
    // Whatever did not run because an earlier check failed is listed as skipped.
    if let Some(failed) = checks.iter().find(|c| c.failed()).map(|c| c.name.clone()) {
        let names = if checks.iter().any(|c| c.name == "host only") {
            CHECKS_WITH_HOST
        } else {
            CHECKS
        };
        for &name in names {
            if !checks.iter().any(|c| c.name == name) {
                let skipped = Check::skip(Stage::Participant, name, format!("not run: {failed} failed"));
                on_check(&skipped);
                checks.push(skipped);
            }
        }
    }
    checks
}

fn run(probe: &Probe, stop: Arc<AtomicBool>, record: Record) {
    let meeting = &probe.meeting_url;
    // The HTTP timeout must outlast a BOSH request the server holds for `wait` seconds.
    let timeout = probe
        .timeout
        .max(Duration::from_secs(u64::from(guest::WAIT_SECONDS) + 10));
    let client = Client::new(tls::verified(), probe.connect_to.clone(), timeout);
    let (certificate, client, response) =
        page::fetch_page(&client, meeting, probe.require_trusted_certificate, probe.timeout);
    if let Some(certificate) = certificate {
        record(certificate);
    }
    let page = page::page_check(meeting, &response);
    let page_failed = page.failed();
    record(page);
    if page_failed {
        return;
    }
    let (config, endpoints) = page::config_check(&client, meeting);
    record(config);
    let Some(endpoints) = endpoints else { return };
    let plan = conference::Conference {
        client: &client,
        endpoints: &endpoints,
        room: &probe.room,
        token: probe.token.as_deref(),
        public_ip: probe.public_ip,
        timeout: probe.timeout,
        stop,
    };
    conference::run(&plan, record);
}

/// Lowercase hex from the standard library's randomly keyed hasher: room names, machine ids.
pub fn random_hex(len: usize) -> String {
    let mut out = String::new();
    let mut counter = 0u64;
    while out.len() < len {
        counter += 1;
        out.push_str(&format!("{:016x}", RandomState::new().hash_one(counter)));
    }
    out.truncate(len);
    out
}

/// A first BOSH request id: random, and far below 2^53 so that it never overflows (XEP-0124 §14).
pub fn random_rid() -> u64 {
    1_000_000 + RandomState::new().hash_one("rid") % 1_000_000_000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_names_are_hex_of_the_length_asked() {
        let a = random_hex(8);
        assert_eq!(a.len(), 8);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_eq!(random_hex(40).len(), 40);
        assert_ne!(random_hex(16), random_hex(16));
        assert!((1_000_000..1_001_000_000).contains(&random_rid()));
    }
}
