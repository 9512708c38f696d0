//! The next thing to check when a participant's XMPP step fails, by what failed.

use super::bosh::BoshError;
use super::guest::GuestError;

pub const FOCUS_HINT: &str = "jicofo is not connected to prosody or not answering: check the jicofo container's log \
(XMPP_SERVER, JICOFO_AUTH_PASSWORD)";
pub const CONFERENCE_HINT: &str =
    "jicofo starts a conference at 2 participants and needs a bridge: check that the jvb \
container joined the brewery (JVB_BREWERY_MUC on jicofo and jvb) in the jicofo and jvb logs";
pub const ROOM_HINT: &str = "prosody's token_verification admits a token holder only into the room its token names: \
the start's join.room must be the room joined";
pub const TOKEN_HINT: &str = "prosody rejected the moderator token: JWT_APP_ID, JWT_ACCEPTED_ISSUERS and \
JWT_ACCEPTED_AUDIENCES on prosody must be the deployment's app id (JWT_APP_ID of the functions), JWT_APP_SECRET the \
value of the JWT_SECRET_PARAMETER parameter, and the clocks agree";

pub fn bosh_hint(error: &GuestError) -> &'static str {
    match error {
        GuestError::Bosh(BoshError::Http { status: 502..=504, .. }) => {
            "nginx answers but prosody does not: the prosody container is down or not on 127.0.0.1:5280 \
             (XMPP_BOSH_URL_BASE on the web container); check its log"
        }
        GuestError::Bosh(BoshError::Http { .. }) => {
            "nginx does not pass /http-bind to prosody: XMPP_BOSH_URL_BASE on the web container"
        }
        GuestError::Bosh(BoshError::Terminated { condition }) if condition == "host-unknown" => {
            "prosody does not serve the XMPP domain config.js names: XMPP_DOMAIN must match on web and prosody"
        }
        GuestError::Bosh(BoshError::Terminated { .. }) => "prosody ended the session: its log says why",
        GuestError::Bosh(BoshError::NotBosh(_)) => "something other than prosody answers /http-bind",
        GuestError::Bosh(BoshError::Transport(_)) => {
            "the connection to the meeting failed: retry, then check the load balancer"
        }
        GuestError::Refused(_) => {
            "prosody refused an anonymous login: ENABLE_GUESTS (with ENABLE_AUTH) on web and prosody"
        }
        GuestError::Timeout(_) => "prosody did not answer in time: check its log and the task's CPU",
        GuestError::Interrupted => "",
    }
}
