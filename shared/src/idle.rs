//! The idle policy: when a wanted meeting should end for lack of use, decided from the meeting
//! load balancer's per-minute traffic. Pure functions over plain values.
//!
//! A meeting's public address is found by internet scanners within minutes, and NLB flow counts
//! include a scanner's half-open connection (`ActiveFlowCount_TCP`/`_TLS` count SYN_SENT flows:
//! AWS, "CloudWatch metrics for your Network Load Balancer"). So activity is judged from bytes:
//!
//! * media: a minute with at least [`MEDIA_BYTES_PER_MINUTE`] through the UDP listener. One
//!   participant sending audio alone (Opus, about 40 kbit/s with RTP/UDP/IP overhead) moves about
//!   300 KB a minute; a UDP probe moves tens to hundreds of bytes.
//! * signalling: [`SIGNALLING_SUSTAINED_MINUTES`] minutes in a row with at least
//!   [`SIGNALLING_BYTES_PER_MINUTE`] through the web listener. Every connected Jitsi client pings
//!   its XMPP server every 10 s (lib-jitsi-meet, modules/xmpp/PingConnectionPlugin.js:
//!   `PING_INTERVAL = 10000`), six round trips a minute of a few hundred bytes each with TLS and
//!   TCP/IP overhead, so a two-person call (peer-to-peer: no media through the bridge) always
//!   exceeds it. A port scan (a SYN, or a connect and close) stays far below it; a certificate grab
//!   or a page fetch may exceed it in one minute, but does not recur minute after minute.

use crate::config::IdlePolicy;
use crate::model::{Time, Traffic, TrafficMinute};
use crate::plan::StopReason;
use chrono::Duration;

pub const MEDIA_BYTES_PER_MINUTE: f64 = 64.0 * 1024.0;
pub const SIGNALLING_BYTES_PER_MINUTE: f64 = 2.0 * 1024.0;
pub const SIGNALLING_SUSTAINED_MINUTES: i64 = 3;

/// The end of the last minute in which someone was in the meeting, if anyone ever was.
pub fn last_in_use(traffic: &Traffic) -> Option<Time> {
    let signalling_at = |minute: Time| {
        traffic
            .minutes
            .iter()
            .find(|m| m.minute == minute)
            .is_some_and(|m| m.signalling_bytes >= SIGNALLING_BYTES_PER_MINUTE)
    };
    let sustained_signalling = |m: &TrafficMinute| {
        (0..SIGNALLING_SUSTAINED_MINUTES).all(|back| signalling_at(m.minute - Duration::minutes(back)))
    };
    traffic
        .minutes
        .iter()
        .filter(|m| m.media_bytes >= MEDIA_BYTES_PER_MINUTE || sustained_signalling(m))
        .map(|m| m.minute + Duration::minutes(1))
        .max()
}

/// Whether a meeting that began at `started` should end now, given when it was last in use.
pub fn decide_idle(started: Time, last_in_use: Option<Time>, policy: &IdlePolicy, now: Time) -> Option<StopReason> {
    let age = now - started;
    if age >= policy.max_length {
        return Some(StopReason::MaxLength);
    }
    if age < policy.grace {
        return None;
    }
    match last_in_use {
        None if age >= policy.no_show => Some(StopReason::NoShow),
        Some(last) if now - last >= policy.idle => Some(StopReason::Idle),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn minute(m: i64, media: f64, signalling: f64) -> TrafficMinute {
        TrafficMinute {
            minute: Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap() + Duration::minutes(m),
            media_bytes: media,
            signalling_bytes: signalling,
        }
    }

    fn end_of(m: i64) -> Option<Time> {
        Some(minute(m, 0.0, 0.0).minute + Duration::minutes(1))
    }

    #[test]
    fn media_above_the_threshold_is_use() {
        let traffic = Traffic {
            minutes: vec![minute(3, 400_000.0, 5_000.0), minute(4, 300.0, 0.0)],
        };
        assert_eq!(last_in_use(&traffic), end_of(3));
    }

    #[test]
    fn sustained_signalling_is_use_and_one_burst_is_not() {
        let call = Traffic {
            minutes: (0..5).map(|m| minute(m, 0.0, 3_000.0)).collect(),
        };
        assert_eq!(last_in_use(&call), end_of(4));
        let scans = Traffic {
            minutes: vec![
                minute(0, 0.0, 40_000.0),
                minute(1, 0.0, 300.0),
                minute(2, 0.0, 60_000.0),
                minute(7, 0.0, 3_000.0),
                minute(8, 0.0, 3_000.0),
            ],
        };
        assert_eq!(last_in_use(&scans), None);
    }

    #[test]
    fn a_gap_breaks_the_streak() {
        let traffic = Traffic {
            minutes: vec![
                minute(0, 0.0, 3_000.0),
                minute(1, 0.0, 3_000.0),
                minute(3, 0.0, 3_000.0),
            ],
        };
        assert_eq!(last_in_use(&traffic), None);
    }
}
