//! What the stack remembers about certificates, one SSM SecureString per name under the
//! configured path: plain values here, read and written by `cloud::certificates`.
//!
//! * `cert-<ip>`: a certificate issued for the address, kept until it expires so that a later
//!   meeting on the same address (AWS hands Elastic IPs out again) reuses it instead of ordering
//!   another (Let's Encrypt allows 5 duplicate certificates a week).
//! * `order-<load balancer id>`: one meeting's order, claimed with `PutParameter` without
//!   overwrite so that concurrent runs order once; while pending it holds the http-01 challenges
//!   the web container answers, and after a failure the reason the status shows.
//! * `paused`: the CA said "rate limited": no order before `until`.
//!
//! The web container reads the same records (terraform/modules/jitsi-service/files/meeting-certificate.sh).

use crate::model::Time;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Record {
    Ordering {
        ip: String,
        since: Time,
        /// http-01 token → key authorization, once the CA gave the challenge.
        #[serde(default)]
        challenges: BTreeMap<String, String>,
    },
    Failed {
        ip: String,
        at: Time,
        reason: String,
        /// The CA was asked to validate and said no: counts against the address's hourly limit.
        /// A meeting that went without for another reason (a pause, a recent failure) does not.
        #[serde(default)]
        validation_failed: bool,
    },
    Issued {
        ip: String,
        not_after: Time,
        chain_pem: String,
        key_pem: String,
        /// The meeting (load balancer id) whose address was seen serving it, by a TLS handshake
        /// that validated the chain; a reused certificate is checked again for each meeting.
        #[serde(default)]
        served_for: Option<String>,
    },
    Paused {
        until: Time,
        reason: String,
    },
}

/// The private key never reaches a log line.
impl fmt::Debug for Record {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Record::Ordering { ip, since, challenges } => f
                .debug_struct("Ordering")
                .field("ip", ip)
                .field("since", since)
                .field("challenges", &challenges.len())
                .finish(),
            Record::Failed { ip, at, reason, .. } => f
                .debug_struct("Failed")
                .field("ip", ip)
                .field("at", at)
                .field("reason", reason)
                .finish(),
            Record::Issued {
                ip,
                not_after,
                served_for,
                ..
            } => f
                .debug_struct("Issued")
                .field("ip", ip)
                .field("not_after", not_after)
                .field("served_for", served_for)
                .finish_non_exhaustive(),
            Record::Paused { until, reason } => f
                .debug_struct("Paused")
                .field("until", until)
                .field("reason", reason)
                .finish(),
        }
    }
}

/// Every record under the path, by name (the part after the path).
pub type Records = BTreeMap<String, Record>;

pub const PAUSED: &str = "paused";

pub fn certificate_name(ip: &str) -> String {
    format!("cert-{ip}")
}

pub fn order_name(meeting: &str) -> String {
    format!("order-{meeting}")
}

/// A meeting's identity in record names: its load balancer's id, the last part of the ARN
/// (`arn:…:loadbalancer/net/<name>/<id>`), unique per creation.
pub fn meeting_id(load_balancer_arn: &str) -> &str {
    load_balancer_arn.rsplit('/').next().unwrap_or(load_balancer_arn)
}

impl Record {
    pub fn failed(ip: &str, at: Time, reason: String, validation_failed: bool) -> Record {
        Record::Failed {
            ip: ip.to_string(),
            at,
            reason,
            validation_failed,
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("records serialize")
    }

    pub fn from_json(value: &str) -> Option<Record> {
        serde_json::from_str(value).ok()
    }
}
