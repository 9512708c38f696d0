//! Word to the team: one POST to a webhook when a meeting is ready and one when it ends.
//! Sent once per meeting and event although the reconcile runs many times and at once: every
//! event and every attempt to send it is claimed in SSM before anything is sent (`outbox`).
//! The runs that answer people (a click, a stop) only record an end; the tick and the task events
//! send, within a budget of seconds, and a failure never fails their run: it is logged and the
//! next trigger tries again, a bounded number of times.

mod message;
mod outbox;
mod post;

pub use message::{body, WebhookFormat};
pub use outbox::{Attempt, AttemptState, Event, Key, Kind, Outbox, IN_FLIGHT, KEEP, MAX_ATTEMPTS};

use crate::cloud::{Aws, CloudError};
use crate::config::{Config, ConfigError};
use crate::model::{Snapshot, Time, STARTED_BY_CLICK};
use crate::plan::{Intent, StopReason};
use crate::status::{Phase, Status};
use pricing::meeting::{Lifetimes, TaskSize};
use pricing::table::PriceTable;
use std::time::Duration;
use tracing::{info, warn};

/// One POST waits this long for an answer.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(3);
/// A run's sends and their records, within this.
pub const BUDGET: Duration = Duration::from_secs(8);
/// The end's record (one SSM call), within this: a stopping run spends at most this plus
/// [`BUDGET`] on notifications.
pub const END_RECORD_TIMEOUT: Duration = Duration::from_secs(4);

#[derive(Debug, Clone, PartialEq)]
pub struct WebhookConfig {
    /// The SecureString holding the URL (read only to send; never logged).
    pub url_parameter: String,
    pub format: WebhookFormat,
    /// The SSM path of the outbox records.
    pub records_path: String,
    /// The Jitsi task's size, to price a meeting; unknown sizes price the rest.
    pub task_size: Option<TaskSize>,
}

impl WebhookConfig {
    pub fn from_vars(optional: &impl Fn(&str) -> Option<String>) -> Result<Option<Self>, ConfigError> {
        let Some(url_parameter) = optional("WEBHOOK_URL_PARAMETER") else {
            return Ok(None);
        };
        let format = optional("WEBHOOK_FORMAT").unwrap_or_else(|| "json".into());
        let format = WebhookFormat::parse(&format).ok_or(ConfigError::Invalid {
            name: "WEBHOOK_FORMAT",
            value: format,
            why: "expected json, slack, discord or teams",
        })?;
        let records_path =
            optional("NOTIFICATIONS_PARAMETER_PATH").ok_or(ConfigError::Missing("NOTIFICATIONS_PARAMETER_PATH"))?;
        let number = |name: &'static str| match optional(name) {
            None => Ok(None),
            Some(value) => match value.parse::<f64>() {
                Ok(n) if n > 0.0 => Ok(Some(n)),
                _ => Err(ConfigError::Invalid {
                    name,
                    value,
                    why: "expected a positive number",
                }),
            },
        };
        // Fargate's units: 1,024 CPU units a vCPU, memory in MiB.
        let task_size = match (number("TASK_CPU")?, number("TASK_MEMORY")?) {
            (Some(cpu), Some(memory)) => Some(TaskSize {
                vcpu: cpu / 1024.0,
                memory_gb: memory / 1024.0,
                arm64: optional("TASK_ARCHITECTURE").is_some_and(|a| a.eq_ignore_ascii_case("ARM64")),
                spot: optional("FARGATE_SPOT").is_some_and(|s| s == "true"),
            }),
            _ => None,
        };
        Ok(Some(Self {
            url_parameter,
            format,
            records_path,
            task_size,
        }))
    }
}

/// Records the end of the meeting in `snapshot`, right after this run lowered the desired count
/// (the only run that knows why): one claim, no other call first, so that little can come between
/// the stop and its record. Never fails the run.
pub async fn record_end(aws: &Aws, config: &Config, snapshot: &Snapshot, why: End, now: Time) {
    let (Some(webhook), Some(meeting)) = (&config.webhook, meeting_id(snapshot)) else {
        return;
    };
    let event = ended(webhook, snapshot, why, now);
    let key = Key {
        meeting: &meeting,
        kind: Kind::Ended,
    };
    let (name, value) = (key.event_name(), to_json(&event));
    match tokio::time::timeout(END_RECORD_TIMEOUT, aws.claim_notification(webhook, &name, &value)).await {
        Ok(Ok(_)) => {}
        Ok(Err(error)) => warn!(%error, "the meeting's end was not recorded: no end message"),
        Err(_) => warn!("the meeting's end was not recorded in time: no end message"),
    }
}

/// Why a meeting ended: the idle rules' reason, or a stop by hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    Rule(StopReason),
    ByHand,
}

/// Records the ready meeting and sends what is due; never fails the run and never takes longer
/// than [`BUDGET`]. Only the tick and task events send: those who clicked wait for the answer.
pub async fn settle(aws: &Aws, config: &Config, snapshot: &Snapshot, status: &Status, intent: Intent, now: Time) {
    let Some(webhook) = &config.webhook else {
        return;
    };
    if !matches!(intent, Intent::Tick | Intent::TaskChanged) {
        return;
    }
    match tokio::time::timeout(BUDGET, notify(aws, config, webhook, snapshot, status, now)).await {
        Ok(Ok(())) => {}
        Ok(Err(error)) => warn!(%error, "notifications: an AWS call failed; the next trigger goes on"),
        Err(_) => warn!(
            budget_s = BUDGET.as_secs(),
            "notifications cut off; the next trigger goes on"
        ),
    }
}

async fn notify(
    aws: &Aws,
    config: &Config,
    webhook: &WebhookConfig,
    snapshot: &Snapshot,
    status: &Status,
    now: Time,
) -> Result<(), CloudError> {
    let meeting = meeting_id(snapshot);
    let mut outbox = aws.notification_records(webhook).await?;
    let ready_meeting = meeting.as_deref().filter(|_| status.phase == Phase::Ready);
    if let Some(meeting) = ready_meeting.filter(|m| !outbox.has(m, Kind::Ready)) {
        let event = ready(aws, config, snapshot, now).await?;
        let key = Key {
            meeting,
            kind: Kind::Ready,
        };
        // Won: this run sends it; lost: the run that recorded it does.
        if aws
            .claim_notification(webhook, &key.event_name(), &to_json(&event))
            .await?
        {
            outbox.add_event(key, event);
        }
    }
    let due = outbox.due(ready_meeting, now);
    // Read before any attempt is claimed: a failed read costs no attempt.
    let url = match due.is_empty() {
        true => String::new(),
        false => aws.webhook_url(webhook).await?,
    };
    for (key, attempt) in due {
        let Some(event) = outbox.event(key) else { continue };
        let sending = Attempt {
            state: AttemptState::Sending,
            at: now,
            detail: None,
        };
        if !aws
            .claim_notification(webhook, &key.attempt_name(attempt), &to_json(&sending))
            .await?
        {
            continue; // another run has this attempt
        }
        let payload = body(webhook.format, key.kind, event, status.meeting_url.as_deref());
        let result = post::post(&url, payload.to_string(), SEND_TIMEOUT).await;
        let (state, detail) = match result {
            Ok(code) if (200..300).contains(&code) => (AttemptState::Sent, None),
            Ok(code) => (AttemptState::Failed, Some(format!("HTTP {code}"))),
            Err(why) => (AttemptState::Failed, Some(why)),
        };
        info!(meeting = key.meeting, event = key.kind.as_str(), attempt, ?state, detail = ?detail, "webhook");
        let outcome = Attempt { state, at: now, detail };
        aws.put_notification(webhook, &key.attempt_name(attempt), &to_json(&outcome))
            .await?;
    }
    for name in outbox.forgettable(meeting.as_deref(), now) {
        aws.delete_notification(webhook, &name).await?;
    }
    Ok(())
}

/// The meeting's identity for its records: its load balancer's id (unique per meeting), else
/// its address's allocation.
fn meeting_id(snapshot: &Snapshot) -> Option<String> {
    if let Some(lb) = snapshot.meeting_load_balancer() {
        return lb.arn.rsplit('/').next().map(str::to_string);
    }
    snapshot.meeting_address().map(|a| a.allocation_id)
}

/// The meeting's started-by tag in words. Task events' and stops' runs read no addresses while
/// the load balancer holds one: the tag is read then.
async fn started_by(aws: &Aws, config: &Config, snapshot: &Snapshot) -> Result<String, CloudError> {
    let mut tag = snapshot.meeting_address().and_then(|a| a.started_by);
    if tag.is_none() {
        let mut with_addresses = snapshot.clone();
        with_addresses.merge_addresses(aws.addresses(config).await?);
        tag = with_addresses.meeting_address().and_then(|a| a.started_by);
    }
    Ok(how_started(tag.as_deref()))
}

async fn ready(aws: &Aws, config: &Config, snapshot: &Snapshot, now: Time) -> Result<Event, CloudError> {
    Ok(Event {
        at: now,
        started_by: Some(started_by(aws, config, snapshot).await?),
        seconds: seconds_since_start(snapshot, now),
        reason: None,
        cost_usd: None,
    })
}

fn ended(webhook: &WebhookConfig, snapshot: &Snapshot, why: End, now: Time) -> Event {
    let seconds = seconds_since_start(snapshot, now);
    let life = Some(std::time::Duration::from_secs(seconds.max(0) as u64));
    // The task, the load balancer and the address live about as long as the meeting; the task's
    // own public IPv4 (assignPublicIp) too.
    let lifetimes = Lifetimes {
        task: life,
        load_balancer: life,
        elastic_ip: life,
        task_public_ip: true,
    };
    let cost = pricing::meeting::estimate(
        &PriceTable::built_in(),
        pricing::table::BUILT_IN_NAME,
        webhook.task_size.as_ref(),
        &lifetimes,
    );
    let reason = match why {
        End::Rule(StopReason::NoShow) => "nobody joined",
        End::Rule(StopReason::Idle) => "everyone had left",
        End::Rule(StopReason::MaxLength) => "it reached the longest meeting allowed",
        End::ByHand => "stopped by hand",
    };
    Event {
        at: now,
        // Only if this run read it: the end is recorded before anything else is asked.
        started_by: snapshot
            .meeting_address()
            .and_then(|a| a.started_by)
            .map(|tag| how_started(Some(&tag))),
        seconds,
        reason: Some(reason.into()),
        cost_usd: Some(cost.total_usd),
    }
}

fn seconds_since_start(snapshot: &Snapshot, now: Time) -> i64 {
    snapshot
        .meeting_started_at()
        .map_or(0, |started| (now - started).num_seconds())
}

/// The allocation's started-by tag in words.
fn how_started(tag: Option<&str>) -> String {
    match tag {
        Some(STARTED_BY_CLICK) => "a click on the start page".into(),
        Some(other) => match other.strip_prefix("schedule:") {
            Some(window) => format!("the schedule ({window})"),
            None => other.into(),
        },
        None => "unknown".into(),
    }
}

fn to_json(value: &impl serde::Serialize) -> String {
    serde_json::to_string(value).expect("records serialize")
}

#[cfg(test)]
mod tests;
