use super::*;

/// docker-jitsi-meet's web/rootfs/defaults/system-config.js as nginx serves it for a page at the
/// root: SSI has filled `subdir` and `subdomain` with ''.
const SERVED: &str = r#"
// Jitsi Meet configuration.
var config = {};

if (!config.hasOwnProperty('hosts')) config.hosts = {};

config.hosts.domain = 'meet.jitsi';
config.focusUserJid = 'focus@auth.meet.jitsi';

var subdir = '';
var subdomain = "";
if (subdir.startsWith('<!--')) {
    subdir = '';
}
if (subdomain) {
    subdomain = subdomain.substring(0,subdomain.length-1).split('.').join('_').toLowerCase() + '.';
}
config.hosts.muc = 'muc.' + subdomain + 'meet.jitsi';
config.bosh = '/' + subdir + 'http-bind';
config.websocket = 'wss://meet.example.org/' + subdir + 'xmpp-websocket';
"#;

#[test]
fn reads_the_served_docker_jitsi_meet_config() {
    let config = parse(SERVED);
    assert_eq!(config.domain.as_deref(), Some("meet.jitsi"));
    assert_eq!(config.muc.as_deref(), Some("muc.meet.jitsi"));
    assert_eq!(config.bosh.as_deref(), Some("/http-bind"));
    assert_eq!(
        config.websocket.as_deref(),
        Some("wss://meet.example.org/xmpp-websocket")
    );
    assert_eq!(config.focus, None);
    assert_eq!(config.anonymous_domain, None);
    assert_eq!(config.focus_jid().as_deref(), Some("focus.meet.jitsi"));
}

#[test]
fn reads_the_guest_domain_of_token_authentication() {
    // system-config.js with ENABLE_AUTH and ENABLE_GUESTS.
    let with_guests = format!(
        "{SERVED}\nconfig.hosts.anonymousdomain = 'guest.meet.jitsi';\nconfig.hosts.authdomain = 'meet.jitsi';\n"
    );
    let config = parse(&with_guests);
    assert_eq!(config.anonymous_domain.as_deref(), Some("guest.meet.jitsi"));
    assert_eq!(config.domain.as_deref(), Some("meet.jitsi"));
}

#[test]
fn reads_it_when_ssi_did_not_run() {
    let raw = SERVED
        .replace(
            "var subdir = '';",
            r#"var subdir = '<!--# echo var="subdir" default="" -->';"#,
        )
        .replace(
            r#"var subdomain = "";"#,
            r#"var subdomain = "<!--# echo var="subdomain" default="" -->";"#,
        );
    let config = parse(&raw);
    assert_eq!(config.bosh.as_deref(), Some("/http-bind"));
    assert_eq!(config.muc.as_deref(), Some("muc.meet.jitsi"));
}

#[test]
fn reads_localhost_defaults_and_later_overrides() {
    let text = "config.bosh = 'https://localhost:8443/' + 'http-bind';\n\
                config.websocket = \"wss://localhost:8443/xmpp-websocket\"\n\
                config.hosts.focus = 'focus.example.org'; config.hosts.domain = 'a'; config.hosts.domain = 'b';";
    let config = parse(text);
    assert_eq!(config.bosh.as_deref(), Some("https://localhost:8443/http-bind"));
    assert_eq!(config.websocket.as_deref(), Some("wss://localhost:8443/xmpp-websocket"));
    assert_eq!(config.domain.as_deref(), Some("b"));
    assert_eq!(config.focus_jid().as_deref(), Some("focus.example.org"));
}

#[test]
fn skips_what_it_cannot_evaluate() {
    let text = "config.bosh = getBosh() + '/x';\n\
                config.websocket = `wss://${location.host}/xmpp-websocket`;\n\
                config.hosts.muc = unknown + 'x';\n\
                if (config.bosh === 'x') {}\n\
                /* config.hosts.domain = 'commented'; */ // config.hosts.domain = 'also';";
    assert_eq!(parse(text), JitsiConfig::default());
}

#[test]
fn handles_escapes_and_comparisons() {
    let config =
        parse(r#"config.bosh = 'it\'s/http-bind'; if (config.bosh == '/x') { config.hosts.domain = "d\"q"; }"#);
    assert_eq!(config.bosh.as_deref(), Some("it's/http-bind"));
    assert_eq!(config.domain.as_deref(), Some("d\"q"));
}
