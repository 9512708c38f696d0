//! Tokens checked the way prosody's `token_verification` checks them (jitsi-meet
//! resources/prosody-plugins/token/util.lib.lua, as configured by docker-jitsi-meet stable-11031's
//! prosody/rootfs/defaults/conf.d/jitsi-meet.cfg.lua: `app_id`, `app_secret`,
//! `asap_accepted_issuers`, `asap_accepted_audiences`, `allow_empty_token = false`).

use super::*;
use chrono::{TimeZone, Utc};
use serde_json::Value;

const APP_ID: &str = "jitsi-on-demand-test-3f9a";
const KEY: &[u8] = b"a deploy-time secret of 256 bits, hex in SSM";

/// What prosody would decide for someone joining `room` at `now` with `token`.
fn prosody_accepts(token: &str, key: &[u8], accepted: &str, room: &str, now: Time) -> Result<(), String> {
    let parts: Vec<&str> = token.split('.').collect();
    let [header, claims, signature] = parts.as_slice() else {
        return Err("not a JWT".into());
    };
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).map_err(|e| e.to_string())?)
        .map_err(|e| e.to_string())?;
    if header["alg"] != "HS256" {
        return Err(format!("alg {}", header["alg"]));
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
    mac.update(format!("{}.{}", parts[0], parts[1]).as_bytes());
    let signature = URL_SAFE_NO_PAD.decode(signature).map_err(|e| e.to_string())?;
    mac.verify_slice(&signature)
        .map_err(|_| "invalid signature".to_string())?;
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(claims).map_err(|e| e.to_string())?)
        .map_err(|e| e.to_string())?;
    if claims["iss"] != accepted {
        return Err(format!("issuer {} not accepted", claims["iss"]));
    }
    if claims["aud"] != accepted {
        return Err(format!("audience {} not accepted", claims["aud"]));
    }
    if claims["room"] != room && claims["room"] != "*" {
        return Err(format!("room {} is not {room}", claims["room"]));
    }
    let at = now.timestamp();
    if claims["exp"].as_i64().is_some_and(|exp| at >= exp) {
        return Err("Not acceptable by exp".into());
    }
    if claims["nbf"].as_i64().is_some_and(|nbf| at < nbf) {
        return Err("Not acceptable by nbf".into());
    }
    Ok(())
}

fn t(minutes: i64) -> Time {
    Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap() + Duration::minutes(minutes)
}

fn token(room: &str) -> String {
    TokenIssuer::new(APP_ID, KEY).moderator_token(room, t(0), t(240))
}

#[test]
fn prosody_accepts_a_fresh_token_for_its_room() {
    assert_eq!(
        prosody_accepts(&token("dakemo-lifuta"), KEY, APP_ID, "dakemo-lifuta", t(1)),
        Ok(())
    );
    // Minted a moment "before" on a server whose clock runs slightly behind.
    assert_eq!(
        prosody_accepts(
            &token("dakemo-lifuta"),
            KEY,
            APP_ID,
            "dakemo-lifuta",
            t(0) - Duration::seconds(30)
        ),
        Ok(())
    );
}

#[test]
fn prosody_refuses_expired_foreign_tampered_and_other_room_tokens() {
    let room = "dakemo-lifuta";
    let good = token(room);
    assert_eq!(
        prosody_accepts(&good, KEY, APP_ID, room, t(240)),
        Err("Not acceptable by exp".into())
    );
    assert!(prosody_accepts(&good, KEY, "jitsi-on-demand-other", room, t(1))
        .unwrap_err()
        .contains("issuer"));
    assert!(prosody_accepts(&good, b"another deployment's key", APP_ID, room, t(1))
        .unwrap_err()
        .contains("signature"));
    assert!(prosody_accepts(&good, KEY, APP_ID, "another-room", t(1))
        .unwrap_err()
        .contains("room"));
    assert_eq!(
        prosody_accepts(&good, KEY, APP_ID, room, t(-5)),
        Err("Not acceptable by nbf".into())
    );

    // The same claims with another room, or a later expiry, no longer match the signature.
    let parts: Vec<&str> = good.split('.').collect();
    let mut claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    claims["exp"] = json!(t(10_000).timestamp());
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        parts[2]
    );
    assert_eq!(
        prosody_accepts(&tampered, KEY, APP_ID, room, t(300)),
        Err("invalid signature".into())
    );
}

#[test]
fn claims_carry_the_deployment_and_a_moderator() {
    let good = token("room-1");
    let claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(good.split('.').nth(1).unwrap()).unwrap()).unwrap();
    assert_eq!(claims["iss"], APP_ID);
    assert_eq!(claims["aud"], APP_ID);
    assert_eq!(claims["sub"], "meet.jitsi");
    assert_eq!(claims["exp"], t(240).timestamp());
    assert_eq!(claims["context"]["user"]["moderator"], true);
}

#[test]
fn tokens_end_at_their_lifetime_or_the_meeting_cap_whichever_is_first() {
    let cap = Duration::hours(8);
    assert_eq!(expiry(t(0), Some(t(0)), cap), t(0) + TOKEN_LIFETIME);
    assert_eq!(expiry(t(400), Some(t(0)), cap), t(480));
    assert_eq!(expiry(t(0), None, Duration::hours(1)), t(60));
}

#[test]
fn the_key_never_shows_in_a_debug_print() {
    let printed = format!("{:?}", TokenIssuer::new(APP_ID, KEY));
    assert!(!printed.contains("deploy-time"), "{printed}");
}
