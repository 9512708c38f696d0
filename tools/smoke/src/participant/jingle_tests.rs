use super::super::xml::parse;
use super::*;

fn offer(candidates: &str) -> Element {
    parse(&format!(
        "<jingle xmlns='urn:xmpp:jingle:1' action='session-initiate' sid='s1'>\
         <content name='audio'><description xmlns='urn:xmpp:jingle:apps:rtp:1' media='audio'/>\
         <transport xmlns='{ICE_UDP}' ufrag='u' pwd='p'><fingerprint hash='sha-256'>AB:CD</fingerprint>{candidates}</transport></content>\
         <content name='video'><transport xmlns='{ICE_UDP}' ufrag='u' pwd='p'>{candidates}</transport></content>\
         <content name='other'><transport xmlns='urn:xmpp:jingle:transports:raw-udp:1'>\
         <candidate ip='192.0.2.99' port='1' protocol='udp'/></transport></content></jingle>"
    ))
    .unwrap()
}

const HOST: &str = "<candidate component='1' foundation='1' generation='0' id='c1' ip='10.0.1.23' network='0' port='10000' priority='2130706431' protocol='udp' type='host'/>";
const SRFLX: &str = "<candidate component='1' foundation='2' generation='0' id='c2' ip='203.0.113.10' network='0' port='10000' priority='1694498815' protocol='udp' rel-addr='10.0.1.23' rel-port='10000' type='srflx'/>";

fn expected() -> IpAddr {
    "203.0.113.10".parse().unwrap()
}

#[test]
fn reads_the_ice_udp_candidates_once_across_bundled_contents() {
    let found = candidates(&offer(&format!("{HOST}{SRFLX}")));
    assert_eq!(
        found.iter().map(|c| c.to_string()).collect::<Vec<_>>(),
        ["10.0.1.23:10000/udp (host)", "203.0.113.10:10000/udp (srflx)"]
    );
}

#[test]
fn the_meetings_address_on_udp_10000_with_private_others_passes() {
    let found = candidates(&offer(&format!("{HOST}{SRFLX}")));
    assert_eq!(
        check(&found, expected()).unwrap(),
        "the bridge offers 203.0.113.10:10000/udp and no other public address (2 candidates)"
    );
}

#[test]
fn a_wrong_address_fails_naming_what_was_offered() {
    let wrong = SRFLX.replace("203.0.113.10", "198.51.100.23");
    let problem = check(&candidates(&offer(&format!("{HOST}{wrong}"))), expected()).unwrap_err();
    assert_eq!(
        problem.detail,
        "the bridge offers 10.0.1.23:10000/udp (host), 198.51.100.23:10000/udp (srflx); \
         expected the meeting's address 203.0.113.10 on UDP 10000"
    );
    assert_eq!(problem.hint, ADVERTISE_HINT);
}

#[test]
fn the_right_address_on_another_port_or_tcp_fails() {
    let other_port = SRFLX.replace("port='10000'", "port='4443'");
    assert!(check(&candidates(&offer(&other_port)), expected()).is_err());
    let tcp = SRFLX.replace("protocol='udp'", "protocol='tcp'");
    assert!(check(&candidates(&offer(&tcp)), expected()).is_err());
}

#[test]
fn another_public_address_fails_with_the_stun_hint() {
    let stun = SRFLX
        .replace("203.0.113.10", "54.12.34.56")
        .replace("id='c2'", "id='c3'");
    let problem = check(&candidates(&offer(&format!("{HOST}{SRFLX}{stun}"))), expected()).unwrap_err();
    assert_eq!(
        problem.detail,
        "the bridge also offers 54.12.34.56:10000/udp (srflx): a public address other than the meeting's 203.0.113.10"
    );
    assert_eq!(problem.hint, STUN_HINT);
}

#[test]
fn no_candidate_at_all_fails() {
    assert_eq!(check(&candidates(&offer("")), expected()).unwrap_err().hint, EMPTY_HINT);
}

#[test]
fn private_shared_and_link_local_addresses_are_not_public() {
    for private in [
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "100.64.0.1",
        "169.254.1.1",
        "127.0.0.1",
        "fd00::1",
        "fe80::1",
        "::1",
    ] {
        assert!(!is_public(private.parse().unwrap()), "{private}");
    }
    for public in ["54.12.34.56", "203.0.113.10", "100.128.0.1", "2600:1f18::1"] {
        assert!(is_public(public.parse().unwrap()), "{public}");
    }
}
