//! Jitsi moderator tokens: what lets the key holder open rooms on the meeting's server.
//!
//! docker-jitsi-meet's JWT mode (`AUTH_TYPE=jwt`, stable-11031) runs prosody's
//! `token_verification` (jitsi-meet resources/prosody-plugins/token/util.lib.lua): an HS256
//! signature with `JWT_APP_SECRET`, `iss` in `JWT_ACCEPTED_ISSUERS`, `aud` in
//! `JWT_ACCEPTED_AUDIENCES`, a `room` claim equal to the room joined (or `*`), and `exp`/`nbf`
//! when present. Jicofo then makes every authenticated user an owner (moderator); people without a
//! token join as guests (`ENABLE_GUESTS`) and only into a room a moderator has opened.
//!
//! Tokens are bound to this deployment (issuer and audience are its own app id, the key is
//! generated at deploy), to one room, and expire within hours, never after the meeting's cap.

use crate::model::Time;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::Duration;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::json;
use sha2::Sha256;

/// How long a token may be used at most.
pub const TOKEN_LIFETIME: Duration = Duration::hours(4);
/// Accepted from this long before it was minted: the servers' clocks may differ a little.
const CLOCK_SKEW: Duration = Duration::minutes(1);
/// The XMPP domain of the containers (`XMPP_DOMAIN`); prosody ignores `sub` unless told to check it.
const XMPP_DOMAIN: &str = "meet.jitsi";

/// Mints moderator tokens with the deployment's signing key.
pub struct TokenIssuer {
    app_id: String,
    key: Vec<u8>,
}

impl std::fmt::Debug for TokenIssuer {
    // The key never appears in a log line, even through a debug print.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenIssuer")
            .field("app_id", &self.app_id)
            .finish_non_exhaustive()
    }
}

impl TokenIssuer {
    pub fn new(app_id: &str, key: &[u8]) -> Self {
        Self {
            app_id: app_id.to_string(),
            key: key.to_vec(),
        }
    }

    /// A token that makes its holder a moderator of `room` from now until `expires_at`.
    pub fn moderator_token(&self, room: &str, now: Time, expires_at: Time) -> String {
        let header = json!({ "alg": "HS256", "typ": "JWT" });
        let claims = json!({
            "iss": self.app_id,
            "aud": self.app_id,
            "sub": XMPP_DOMAIN,
            "room": room,
            "iat": now.timestamp(),
            "nbf": (now - CLOCK_SKEW).timestamp(),
            "exp": expires_at.timestamp(),
            "context": { "user": { "name": "Host", "moderator": true } },
        });
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let signature = URL_SAFE_NO_PAD.encode(self.sign(signing_input.as_bytes()));
        format!("{signing_input}.{signature}")
    }

    fn sign(&self, input: &[u8]) -> Vec<u8> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes a key of any length");
        mac.update(input);
        mac.finalize().into_bytes().to_vec()
    }
}

/// When a token minted now expires: after [`TOKEN_LIFETIME`], or at the meeting's cap if sooner.
pub fn expiry(now: Time, meeting_started: Option<Time>, max_meeting: Duration) -> Time {
    let lifetime_end = now + TOKEN_LIFETIME;
    match meeting_started {
        Some(started) => lifetime_end.min(started + max_meeting),
        None => lifetime_end.min(now + max_meeting),
    }
}

#[cfg(test)]
mod tests;
