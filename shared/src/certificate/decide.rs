//! What to do about the meeting's certificate, and what the status says of it: plain functions
//! of the records and the snapshot.

use super::record::{certificate_name, meeting_id, order_name, Record, Records, PAUSED};
use crate::config::Config;
use crate::model::{Snapshot, TargetHealth, Time};
use crate::status::{StepState, StepStatus};
use chrono::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Order a certificate for the meeting's address (claiming the meeting's order first).
    Order { ip: String, meeting: String },
    /// A valid certificate for the address is stored: wait until the address serves it.
    Verify { ip: String, meeting: String },
    /// This meeting goes without a trusted certificate, for `reason`.
    Decline {
        ip: String,
        meeting: String,
        reason: String,
    },
}

/// Let's Encrypt allows 5 failed validations per identifier and account an hour: after a
/// failure, the same address is not tried again within the hour (rate limits, "Authorization
/// Failures per Identifier per Account").
const RETRY_FAILED_ADDRESS_AFTER: Duration = Duration::hours(1);
/// An order that was claimed this long ago and never finished was cut off: task-state, which
/// runs it, stops at 15 minutes (Lambda's maximum, terraform/lambdas.tf).
const ORDER_ABANDONED_AFTER: Duration = Duration::minutes(16);
/// task-state's run for the RUNNING event claims the order at once: with no record this long
/// after the task started, that run never got to it (a failed step, a lost event).
const NEVER_ORDERED_AFTER: Duration = Duration::minutes(3);

/// The meeting the certificate is for: its load balancer is active, a task of this meeting runs
/// and is registered where the CA's request on port 80 arrives.
struct Meeting<'a> {
    ip: &'a str,
    id: &'a str,
}

fn meeting<'a>(snapshot: &'a Snapshot) -> Option<Meeting<'a>> {
    let lb = snapshot.meeting_load_balancer()?;
    let ip = lb.addresses.first()?.public_ip.as_str();
    let task_ip = snapshot
        .tasks
        .iter()
        .filter(|t| t.is_running() && t.created_at.is_some_and(|c| c >= lb.created_at))
        .find_map(|t| t.private_ip.as_deref())?;
    snapshot
        .http_targets
        .iter()
        .any(|t| t.ip == task_ip && t.health != TargetHealth::Draining)
        .then_some(Meeting {
            ip,
            id: meeting_id(&lb.arn),
        })
}

/// A stored certificate good for a whole meeting from now (the longest meeting plus an hour).
fn usable<'a>(records: &'a Records, ip: &str, config: &Config, now: Time) -> Option<&'a Record> {
    records.get(&certificate_name(ip)).filter(|record| {
        matches!(record, Record::Issued { not_after, .. } if *not_after > now + config.idle.max_length + Duration::hours(1))
    })
}

pub fn next_action(snapshot: &Snapshot, config: &Config, now: Time) -> Option<Action> {
    let records = snapshot.certificates.as_ref()?;
    let meeting = meeting(snapshot)?;
    let (ip, id) = (meeting.ip.to_string(), meeting.id.to_string());
    match records.get(&order_name(meeting.id)) {
        Some(Record::Failed { .. }) => return None,
        Some(Record::Ordering { since, .. }) if *since > now - ORDER_ABANDONED_AFTER => return None,
        Some(Record::Ordering { .. }) => {
            return Some(Action::Decline {
                ip,
                meeting: id,
                reason: "the certificate order was cut off before it finished".into(),
            })
        }
        _ => {}
    }
    if let Some(Record::Issued { served_for, .. }) = usable(records, meeting.ip, config, now) {
        return (served_for.as_deref() != Some(meeting.id)).then_some(Action::Verify { ip, meeting: id });
    }
    if let Some(Record::Paused { until, reason }) = records.get(PAUSED) {
        if *until > now {
            return Some(Action::Decline {
                ip,
                meeting: id,
                reason: format!("{reason} (no new order before {})", until.format("%Y-%m-%d %H:%M UTC")),
            });
        }
    }
    let failed_recently = records.values().any(
        |r| matches!(r, Record::Failed { ip: failed, at, validation_failed: true, .. } if failed == meeting.ip && *at > now - RETRY_FAILED_ADDRESS_AFTER),
    );
    if failed_recently {
        return Some(Action::Decline {
            ip,
            meeting: id,
            reason: "an order for this address failed less than an hour ago (Let's Encrypt's failed-validation limit)"
                .into(),
        });
    }
    Some(Action::Order { ip, meeting: id })
}

/// Records that no longer serve anything: expired certificates, other meetings' orders older
/// than the retry window, a pause that ended.
pub fn forgettable(snapshot: &Snapshot, now: Time) -> Vec<String> {
    let Some(records) = &snapshot.certificates else {
        return Vec::new();
    };
    let current = snapshot
        .meeting_load_balancer()
        .map(|lb| order_name(meeting_id(&lb.arn)));
    records
        .iter()
        .filter(|(name, record)| match record {
            Record::Issued { not_after, .. } => *not_after <= now,
            Record::Paused { until, .. } => *until <= now,
            Record::Ordering { since: at, .. } | Record::Failed { at, .. } => {
                Some(*name) != current.as_ref() && *at <= now - RETRY_FAILED_ADDRESS_AFTER.max(ORDER_ABANDONED_AFTER)
            }
        })
        .map(|(name, _)| name.clone())
        .collect()
}

/// The status step `certificate`: skipped unless the stack gets its certificate from an ACME CA.
pub fn certificate_step(snapshot: &Snapshot, config: &Config, now: Time) -> StepStatus {
    let step = |state, detail: Option<String>| StepStatus {
        name: "certificate",
        state,
        since: None,
        detail,
    };
    if config.acme.is_none() {
        return step(StepState::Skipped, None);
    }
    let (Some(records), Some(meeting)) = (&snapshot.certificates, meeting(snapshot)) else {
        return step(StepState::Waiting, None);
    };
    let fallback = |reason: &str| {
        step(
            StepState::Failed,
            Some(format!(
                "{reason}; the meeting runs with the web server's self-signed certificate (browsers show a warning)"
            )),
        )
    };
    // Only task-state's runs order; if none finishes (cut off, or no task event came), the
    // meeting must not wait for ever.
    let overdue = |since: Time| since <= now - ORDER_ABANDONED_AFTER;
    let certificate = records.get(&certificate_name(meeting.ip));
    if let Some(Record::Issued {
        not_after, served_for, ..
    }) = certificate
    {
        if served_for.as_deref() == Some(meeting.id) {
            let expiry = not_after.format("%Y-%m-%d %H:%M UTC");
            return step(StepState::Done, Some(format!("trusted, valid until {expiry}")));
        }
    }
    let task_started = snapshot
        .tasks
        .iter()
        .filter(|t| t.is_running())
        .filter_map(|t| t.started_at)
        .max();
    match records.get(&order_name(meeting.id)) {
        Some(Record::Failed { reason, .. }) => fallback(reason),
        Some(Record::Ordering { since, .. }) if overdue(*since) => {
            fallback("the certificate order was cut off before it finished")
        }
        Some(Record::Ordering { .. }) => step(
            StepState::InProgress,
            Some("ordering from the certificate authority".into()),
        ),
        _ if certificate.is_some() && !task_started.is_some_and(overdue) => {
            step(StepState::InProgress, Some("installing the certificate".into()))
        }
        _ if certificate.is_some() => fallback("the web server did not serve the certificate in time"),
        _ if task_started.is_some_and(|started| started <= now - NEVER_ORDERED_AFTER) => {
            fallback("no certificate was ordered for this meeting")
        }
        _ => step(
            StepState::InProgress,
            Some("waiting for the address to reach the web server".into()),
        ),
    }
}
