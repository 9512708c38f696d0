//! Step 3 of the smoke test (the meeting as a participant meets it) against the loopback
//! stand-in of a Jitsi deployment: the passing deployment, with and without token authentication,
//! and each variant that breaks one check, asserting the exact message the user would read.

mod standin;

use smoke::participant::{check_meeting, Probe};
use smoke::report::{Check, Outcome};
use smoke::url::Url;
use standin::*;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

fn probe(standin: &StandIn) -> Probe {
    let mut probe = Probe::new(Url::parse(&format!("https://{MEETING_HOST}/")).unwrap());
    probe.public_ip = Some(PUBLIC_IP.parse().unwrap());
    probe.connect_to = vec![standin.connect_to().parse().unwrap()];
    probe.room = "smoke-room".into();
    probe.timeout = Duration::from_secs(15);
    probe
}

fn run(probe: &Probe) -> Vec<Check> {
    check_meeting(probe, Arc::new(AtomicBool::new(false)), &mut |_| {})
}

/// (name, outcome) of every check, in order.
fn outcomes(checks: &[Check]) -> Vec<(&str, Outcome)> {
    checks.iter().map(|c| (c.name.as_str(), c.outcome)).collect()
}

fn detail<'a>(checks: &'a [Check], name: &str) -> &'a str {
    &checks
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no check {name}: {checks:#?}"))
        .detail
}

const JWT: [&str; 4] = ["--jwt-app-id", JWT_APP_ID, "--jwt-secret", JWT_SECRET];

#[test]
fn a_working_deployment_passes_with_the_self_signed_certificate_as_a_warning() {
    let standin = StandIn::start(&["--public-ip", PUBLIC_IP]);
    let checks = run(&probe(&standin));
    use Outcome::*;
    assert_eq!(
        outcomes(&checks),
        [
            ("certificate", Warn),
            ("page", Pass),
            ("config.js", Pass),
            ("bosh", Pass),
            ("focus", Pass),
            ("conference", Pass),
            ("ice candidates", Pass)
        ],
        "{checks:#?}"
    );
    assert_eq!(
        detail(&checks, "certificate"),
        "not trusted: issued by an authority browsers do not know (self-signed?)"
    );
    assert_eq!(
        detail(&checks, "ice candidates"),
        "the bridge offers 203.0.113.10:10000/udp and no other public address (2 candidates)"
    );
}

#[test]
fn with_token_authentication_only_the_host_opens_the_room_and_the_guest_follows() {
    let standin = StandIn::start(&[&["--public-ip", PUBLIC_IP][..], &JWT].concat());
    let mut probe = probe(&standin);
    probe.token = Some(token_for("smoke-room"));
    let checks = run(&probe);
    use Outcome::*;
    assert_eq!(
        outcomes(&checks),
        [
            ("certificate", Warn),
            ("page", Pass),
            ("config.js", Pass),
            ("bosh", Pass),
            ("host only", Pass),
            ("moderator", Pass),
            ("focus", Pass),
            ("conference", Pass),
            ("ice candidates", Pass)
        ],
        "{checks:#?}"
    );
    assert_eq!(
        detail(&checks, "host only"),
        "jicofo keeps a guest out of smoke-room@muc.meet.jitsi until a host opens it (not-authorized)"
    );
    assert!(detail(&checks, "bosh").starts_with("anonymous XMPP session on guest.meet.jitsi over /http-bind"));
}

#[test]
fn a_token_for_another_room_keeps_the_host_out() {
    let standin = StandIn::start(&[&["--public-ip", PUBLIC_IP][..], &JWT].concat());
    let mut probe = probe(&standin);
    probe.token = Some(token_for("another-room"));
    let checks = run(&probe);
    assert_eq!(
        detail(&checks, "conference"),
        "participant 1: the room refused the guest (not-allowed)"
    );
    assert_eq!(detail(&checks, "ice candidates"), "not run: conference failed");
}

#[test]
fn a_forged_token_is_refused_at_login() {
    let standin = StandIn::start(&[&["--public-ip", PUBLIC_IP][..], &JWT].concat());
    let mut probe = probe(&standin);
    let token = token_for("smoke-room");
    probe.token = Some(format!("{}x", &token[..token.len() - 1]));
    let checks = run(&probe);
    assert_eq!(
        detail(&checks, "moderator"),
        "the host's login on meet.jitsi: SASL ANONYMOUS failed (not-allowed)"
    );
}

#[test]
fn a_guest_who_can_open_rooms_fails_host_only() {
    let standin = StandIn::start(&[&["--public-ip", PUBLIC_IP, "--variant", "guest-opens-room"][..], &JWT].concat());
    let mut probe = probe(&standin);
    probe.token = Some(token_for("smoke-room"));
    let checks = run(&probe);
    assert_eq!(
        detail(&checks, "host only"),
        "a guest without a token opened smoke-room@muc.meet.jitsi"
    );
    assert_eq!(detail(&checks, "moderator"), "not run: host only failed");
}

#[test]
fn localhost_in_config_js_fails_and_skips_the_rest() {
    let standin = StandIn::start(&["--public-ip", PUBLIC_IP, "--variant", "localhost-config"]);
    let checks = run(&probe(&standin));
    assert_eq!(
        detail(&checks, "config.js"),
        "config.bosh is https://localhost:8443/http-bind: localhost, not the meeting's host \
         jod-meeting-1.elb.us-east-1.amazonaws.com"
    );
    for later in ["bosh", "focus", "conference", "ice candidates"] {
        assert_eq!(detail(&checks, later), "not run: config.js failed");
    }
}

#[test]
fn bosh_answering_502_fails_naming_the_error_page() {
    let standin = StandIn::start(&["--public-ip", PUBLIC_IP, "--variant", "bosh-502"]);
    let checks = run(&probe(&standin));
    assert_eq!(detail(&checks, "bosh"), "POST /http-bind: HTTP 502 (502 Bad Gateway)");
    let bosh = checks.iter().find(|c| c.name == "bosh").unwrap();
    assert!(bosh
        .hint
        .as_deref()
        .unwrap()
        .starts_with("nginx answers but prosody does not"));
}

#[test]
fn a_refused_bosh_session_fails_with_its_condition() {
    let standin = StandIn::start(&["--public-ip", PUBLIC_IP, "--variant", "bosh-terminate"]);
    let checks = run(&probe(&standin));
    assert_eq!(
        detail(&checks, "bosh"),
        "POST /http-bind: the server ended the session (condition 'remote-connection-failed')"
    );
}

#[test]
fn a_candidate_with_the_wrong_address_fails_naming_what_was_offered() {
    let standin = StandIn::start(&["--public-ip", PUBLIC_IP, "--variant", "wrong-candidate-ip"]);
    let checks = run(&probe(&standin));
    assert_eq!(
        detail(&checks, "ice candidates"),
        "the bridge offers 10.0.1.23:10000/udp (host), 198.51.100.23:10000/udp (srflx); \
         expected the meeting's address 203.0.113.10 on UDP 10000"
    );
    assert_eq!(checks.iter().filter(|c| c.failed()).count(), 1);
}

#[test]
fn with_a_custom_domain_an_untrusted_certificate_fails() {
    let standin = StandIn::start(&["--public-ip", PUBLIC_IP]);
    let mut probe = probe(&standin);
    probe.require_trusted_certificate = true;
    let checks = run(&probe);
    let certificate = checks.iter().find(|c| c.name == "certificate").unwrap();
    assert_eq!(certificate.outcome, Outcome::Fail);
    // The other checks still run, past the certificate.
    assert_eq!(checks.iter().filter(|c| c.outcome == Outcome::Pass).count(), 6);
}

#[test]
fn nothing_listening_fails_the_page() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let mut probe = Probe::new(Url::parse(&format!("https://{MEETING_HOST}/")).unwrap());
    probe.connect_to = vec![format!("{MEETING_HOST}:443:127.0.0.1:{port}").parse().unwrap()];
    // Connection failures are retried this long (a load balancer just active may refuse at first).
    probe.timeout = Duration::from_secs(3);
    let began = std::time::Instant::now();
    let checks = run(&probe);
    assert!(
        began.elapsed() >= Duration::from_secs(3),
        "retried for the whole patience"
    );
    let page = detail(&checks, "page");
    assert!(
        page.starts_with(&format!(
            "GET https://{MEETING_HOST}/: cannot connect to 127.0.0.1:{port}: "
        )),
        "{page}"
    );
    assert_eq!(detail(&checks, "ice candidates"), "not run: page failed");
}
