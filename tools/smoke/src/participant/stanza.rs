//! The XMPP stanzas a Jitsi Meet guest sends, as lib-jitsi-meet builds them, and the answers a
//! client owes the server (RFC 6120 §8.2.3: every IQ get or set gets a result or an error).

use super::xml::{escape, Element};

pub const SASL: &str = "urn:ietf:params:xml:ns:xmpp-sasl";
pub const BIND: &str = "urn:ietf:params:xml:ns:xmpp-bind";
pub const SESSION: &str = "urn:ietf:params:xml:ns:xmpp-session";
pub const FOCUS: &str = "http://jitsi.org/protocol/focus";
pub const MUC: &str = "http://jabber.org/protocol/muc";
pub const NICK: &str = "http://jabber.org/protocol/nick";
pub const JINGLE: &str = "urn:xmpp:jingle:1";
pub const DISCO_INFO: &str = "http://jabber.org/protocol/disco#info";
pub const PING: &str = "urn:xmpp:ping";

/// What the guest tells jicofo it supports when asked (disco#info): enough for jicofo to offer
/// audio and video over ICE-UDP with DTLS in one BUNDLE, as lib-jitsi-meet's
/// `XMPP.initFeaturesList()` advertises them (gst-meet, a non-browser Jitsi client, sends the same).
pub const FEATURES: &[&str] = &[
    DISCO_INFO,
    JINGLE,
    "urn:xmpp:jingle:apps:rtp:1",
    "urn:xmpp:jingle:apps:rtp:audio",
    "urn:xmpp:jingle:apps:rtp:video",
    "urn:xmpp:jingle:transports:ice-udp:1",
    "urn:xmpp:jingle:apps:dtls:0",
    "urn:ietf:rfc:5888",
    "urn:ietf:rfc:5761",
    "urn:ietf:rfc:4588",
];

pub fn auth_anonymous() -> String {
    format!("<auth mechanism='ANONYMOUS' xmlns='{SASL}'/>")
}

pub fn bind(id: &str) -> String {
    format!(
        "<iq id='{}' type='set' xmlns='jabber:client'><bind xmlns='{BIND}'/></iq>",
        escape(id)
    )
}

pub fn session(id: &str) -> String {
    format!(
        "<iq id='{}' type='set' xmlns='jabber:client'><session xmlns='{SESSION}'/></iq>",
        escape(id)
    )
}

/// lib-jitsi-meet modules/xmpp/moderator.ts `_createConferenceIq`: asks jicofo to run a conference
/// in this room; the answer's `ready='true'` says the room may be joined.
pub fn conference_request(id: &str, focus: &str, room: &str, machine_uid: &str) -> String {
    format!(
        "<iq id='{}' to='{}' type='set' xmlns='jabber:client'>\
         <conference machine-uid='{}' room='{}' xmlns='{FOCUS}'>\
         <property name='rtcstatsEnabled' value='false'/><property name='visitors-version' value='1'/>\
         </conference></iq>",
        escape(id),
        escape(focus),
        escape(machine_uid),
        escape(room)
    )
}

/// XEP-0045 §7.2: entering the room as `<room>/<nick>`, muted like a guest without a camera.
pub fn join_room(occupant: &str, nick: &str) -> String {
    format!(
        "<presence to='{}' xmlns='jabber:client'><x xmlns='{MUC}'/><nick xmlns='{NICK}'>{}</nick>\
         <audiomuted>true</audiomuted><videomuted>true</videomuted></presence>",
        escape(occupant),
        escape(nick)
    )
}

pub fn leave_room(occupant: &str) -> String {
    format!(
        "<presence to='{}' type='unavailable' xmlns='jabber:client'/>",
        escape(occupant)
    )
}

/// The answer owed to an incoming stanza, if any: disco#info gets the features, a ping and a
/// Jingle request get an empty result (the Jingle ack, XEP-0166 §6.2), any other get or set an
/// error, so that the sender never waits for a timeout.
pub fn reply_to(stanza: &Element) -> Option<String> {
    if stanza.name != "iq" || !matches!(stanza.attr("type"), Some("get" | "set")) {
        return None;
    }
    let id = escape(stanza.attr("id").unwrap_or_default());
    let to = stanza
        .attr("from")
        .map(|from| format!(" to='{}'", escape(from)))
        .unwrap_or_default();
    let payload = stanza.children.first();
    let is = |name: &str, ns: &str| payload.is_some_and(|p| p.name == name && p.xmlns() == Some(ns));
    if stanza.attr("type") == Some("get") && is("query", DISCO_INFO) {
        let node = payload
            .and_then(|p| p.attr("node"))
            .map(|n| format!(" node='{}'", escape(n)))
            .unwrap_or_default();
        let features: String = FEATURES.iter().map(|f| format!("<feature var='{f}'/>")).collect();
        return Some(format!(
            "<iq id='{id}'{to} type='result' xmlns='jabber:client'><query xmlns='{DISCO_INFO}'{node}>\
             <identity category='client' name='jitsi-on-demand smoke' type='web'/>{features}</query></iq>"
        ));
    }
    if is("ping", PING) || is("jingle", JINGLE) {
        return Some(format!("<iq id='{id}'{to} type='result' xmlns='jabber:client'/>"));
    }
    Some(format!(
        "<iq id='{id}'{to} type='error' xmlns='jabber:client'><error type='cancel'>\
         <service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>"
    ))
}

/// The defined condition of an error stanza (`item-not-found`, …), for messages.
pub fn error_condition(stanza: &Element) -> String {
    stanza
        .child("error")
        .and_then(|e| e.children.iter().find(|c| c.name != "text"))
        .map(|c| c.name.clone())
        .unwrap_or_else(|| "unspecified".into())
}

#[cfg(test)]
mod tests {
    use super::super::xml::parse;
    use super::*;

    #[test]
    fn the_conference_request_is_lib_jitsi_meets() {
        let iq = parse(&conference_request(
            "c1",
            "focus.meet.jitsi",
            "smoke-ab@muc.meet.jitsi",
            "u1",
        ))
        .unwrap();
        assert_eq!(
            (iq.attr("to"), iq.attr("type")),
            (Some("focus.meet.jitsi"), Some("set"))
        );
        let conference = iq.child("conference").unwrap();
        assert_eq!(conference.xmlns(), Some(FOCUS));
        assert_eq!(conference.attr("room"), Some("smoke-ab@muc.meet.jitsi"));
        assert_eq!(conference.attr("machine-uid"), Some("u1"));
        assert_eq!(conference.find_all("property").len(), 2);
    }

    #[test]
    fn joining_names_the_occupant_and_the_muc_namespace() {
        let presence = parse(&join_room("smoke-ab@muc.meet.jitsi/guest-1", "guest <1>")).unwrap();
        assert_eq!(presence.attr("to"), Some("smoke-ab@muc.meet.jitsi/guest-1"));
        assert_eq!(presence.child("x").unwrap().xmlns(), Some(MUC));
        assert_eq!(presence.child("nick").unwrap().text, "guest <1>");
        assert_eq!(parse(&leave_room("r@m/n")).unwrap().attr("type"), Some("unavailable"));
    }

    #[test]
    fn answers_disco_ping_and_jingle_and_refuses_the_rest() {
        let disco = parse(&format!(
            "<iq from='r@muc/focus' id='d1' type='get'><query xmlns='{DISCO_INFO}' node='n#v'/></iq>"
        ))
        .unwrap();
        let answer = parse(&reply_to(&disco).unwrap()).unwrap();
        assert_eq!(
            (answer.attr("type"), answer.attr("to"), answer.attr("id")),
            (Some("result"), Some("r@muc/focus"), Some("d1"))
        );
        let query = answer.child("query").unwrap();
        assert_eq!(query.attr("node"), Some("n#v"));
        let features: Vec<&str> = query.find_all("feature").iter().filter_map(|f| f.attr("var")).collect();
        assert!(features.contains(&"urn:xmpp:jingle:transports:ice-udp:1"));

        let jingle = parse(&format!(
            "<iq from='f' id='j1' type='set'><jingle xmlns='{JINGLE}' action='session-initiate'/></iq>"
        ))
        .unwrap();
        assert_eq!(
            reply_to(&jingle).unwrap(),
            "<iq id='j1' to='f' type='result' xmlns='jabber:client'/>"
        );
        let ping = parse(&format!("<iq id='p' type='get'><ping xmlns='{PING}'/></iq>")).unwrap();
        assert_eq!(
            reply_to(&ping).unwrap(),
            "<iq id='p' type='result' xmlns='jabber:client'/>"
        );
        let other = parse("<iq from='x' id='o' type='set'><unknown xmlns='urn:x'/></iq>").unwrap();
        assert!(reply_to(&other).unwrap().contains("service-unavailable"));

        assert_eq!(reply_to(&parse("<iq id='r' type='result'/>").unwrap()), None);
        assert_eq!(reply_to(&parse("<presence from='r@m/n'/>").unwrap()), None);
    }

    #[test]
    fn reads_error_conditions() {
        let error = parse(
            "<iq type='error'><error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>\
             <text>no</text></error></iq>",
        )
        .unwrap();
        assert_eq!(error_condition(&error), "item-not-found");
        assert_eq!(error_condition(&parse("<iq type='error'/>").unwrap()), "unspecified");
    }
}
