//! The start/stop secret: only its SHA-256 is kept (in SSM); a candidate is hashed and compared
//! in constant time. The secret is 256 random bits, so guessing is hopeless; wrong attempts are
//! still counted per instance so that a flood gets "too many" answers and one log line a minute
//! instead of one each. The right secret is never refused. Neither the secret nor a candidate is
//! ever logged.

use crate::model::Time;
use chrono::Duration;
use sha2::{Digest, Sha256};
use std::sync::Mutex;
use subtle::ConstantTimeEq;

/// Wrong attempts answered (and logged) one by one per window; past that, "too many".
const FAILURES_PER_WINDOW: u32 = 10;
const WINDOW: Duration = Duration::minutes(1);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    Missing,
    Wrong,
    TooManyFailures,
}

#[derive(Debug)]
pub struct Gate {
    hash: [u8; 32],
    failures: Mutex<FailureWindow>,
}

#[derive(Debug, Default)]
struct FailureWindow {
    started: Option<Time>,
    count: u32,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("the start secret hash parameter must hold 64 hex digits (a SHA-256)")]
pub struct InvalidHash;

impl Gate {
    pub fn from_hex(hash: &str) -> Result<Self, InvalidHash> {
        let bytes = hex::decode(hash.trim()).map_err(|_| InvalidHash)?;
        let hash = bytes.try_into().map_err(|_| InvalidHash)?;
        Ok(Self {
            hash,
            failures: Mutex::default(),
        })
    }

    pub fn check(&self, candidate: Option<&str>, now: Time) -> Verdict {
        let mut failures = self.failures.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if failures.started.is_none_or(|started| now - started >= WINDOW) {
            *failures = FailureWindow {
                started: Some(now),
                count: 0,
            };
        }
        match candidate.map(str::trim).filter(|c| !c.is_empty()) {
            None => Verdict::Missing,
            Some(candidate) if bool::from(hash(candidate).ct_eq(&self.hash)) => Verdict::Allowed,
            Some(_) => {
                failures.count += 1;
                match failures.count {
                    n if n < FAILURES_PER_WINDOW => Verdict::Wrong,
                    FAILURES_PER_WINDOW => {
                        tracing::warn!(
                            failures = FAILURES_PER_WINDOW,
                            "many wrong secrets this minute; answering 429"
                        );
                        Verdict::TooManyFailures
                    }
                    _ => Verdict::TooManyFailures,
                }
            }
        }
    }
}

pub fn hash(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

pub fn hash_hex(secret: &str) -> String {
    hex::encode(hash(secret))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn at(seconds: i64) -> Time {
        Utc.timestamp_opt(1_800_000_000 + seconds, 0).unwrap()
    }

    #[test]
    fn accepts_only_the_secret_whose_hash_is_kept() {
        let gate = Gate::from_hex(&hash_hex("correct horse")).unwrap();
        assert_eq!(gate.check(Some("correct horse"), at(0)), Verdict::Allowed);
        assert_eq!(gate.check(Some(" correct horse\n"), at(0)), Verdict::Allowed);
        assert_eq!(gate.check(Some("correct horsE"), at(0)), Verdict::Wrong);
        assert_eq!(gate.check(Some(""), at(0)), Verdict::Missing);
        assert_eq!(gate.check(None, at(0)), Verdict::Missing);
    }

    #[test]
    fn answers_too_many_to_a_flood_of_guesses_but_never_to_the_secret() {
        let gate = Gate::from_hex(&hash_hex("s3cret")).unwrap();
        for _ in 1..FAILURES_PER_WINDOW {
            assert_eq!(gate.check(Some("guess"), at(1)), Verdict::Wrong);
        }
        assert_eq!(gate.check(Some("guess"), at(2)), Verdict::TooManyFailures);
        assert_eq!(gate.check(Some("s3cret"), at(2)), Verdict::Allowed);
        assert_eq!(gate.check(Some("guess"), at(3)), Verdict::TooManyFailures);
        assert_eq!(gate.check(Some("guess"), at(62)), Verdict::Wrong);
    }

    #[test]
    fn rejects_a_malformed_hash() {
        assert_eq!(Gate::from_hex("abc").unwrap_err(), InvalidHash);
        assert_eq!(Gate::from_hex(&"zz".repeat(32)).unwrap_err(), InvalidHash);
        assert!(Gate::from_hex(&"ab".repeat(32)).is_ok());
    }
}
