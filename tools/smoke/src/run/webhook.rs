//! With a webhook configured: did its receiver accept the meeting's ready message? Only a real
//! Slack, Discord or Teams can say. The functions send it from the tick within a minute of ready
//! and record each attempt's outcome in their outbox (shared/src/notify), which this reads.

use crate::aws::Aws;
use crate::interrupt::Interrupt;
use crate::report::{Check, Stage};
use lifecycle::notify::{Attempt, AttemptState, Key, Kind, WebhookConfig};
use std::time::{Duration, Instant};

/// A tick a minute, the POST's 3 s, and room for a retry.
const WAIT: Duration = Duration::from_secs(150);
const POLL: Duration = Duration::from_secs(5);
const HINT: &str = "webhook_url and webhook_format (terraform), the receiving channel's settings, and the \
                    notifications lines of stop-meeting's log";

/// The check from the attempts so far; None while the message may still come.
pub fn verdict(attempts: &[&Attempt]) -> Option<Check> {
    let name = "webhook";
    if let Some(n) = attempts.iter().position(|a| a.state == AttemptState::Sent) {
        let detail = format!("the receiver accepted the ready message (attempt {})", n + 1);
        return Some(Check::pass(Stage::Participant, name, detail));
    }
    attempts
        .iter()
        .rev()
        .find(|a| a.state == AttemptState::Failed)
        .map(|failed| {
            let why = failed.detail.as_deref().unwrap_or("no reason recorded");
            Check::fail(
                Stage::Participant,
                name,
                format!("the receiver refused the ready message: {why}"),
                HINT,
            )
        })
}

/// Waits for the ready message's outcome of the meeting on `load_balancer_arn`.
pub async fn check(aws: &Aws, webhook: &WebhookConfig, load_balancer_arn: &str, interrupt: &Interrupt) -> Check {
    let meeting = load_balancer_arn.rsplit('/').next().unwrap_or_default();
    let key = Key {
        meeting,
        kind: Kind::Ready,
    };
    let began = Instant::now();
    while began.elapsed() < WAIT {
        match aws.notification_outbox(&webhook.records_path).await {
            Ok(outbox) => {
                if let Some(check) = verdict(&outbox.attempts(key)) {
                    return check;
                }
            }
            Err(error) => {
                return Check::fail(
                    Stage::Participant,
                    "webhook",
                    error,
                    "the credentials need ssm:GetParametersByPath",
                )
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(POLL) => {}
            _ = interrupt.wait() => break,
        }
    }
    Check::fail(
        Stage::Participant,
        "webhook",
        format!("no ready message was sent within {} s of ready", WAIT.as_secs()),
        HINT,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn attempt(state: AttemptState, detail: Option<&str>) -> Attempt {
        Attempt {
            state,
            at: Utc::now(),
            detail: detail.map(str::to_string),
        }
    }

    #[test]
    fn sent_passes_a_refusal_fails_with_its_reason_and_nothing_yet_waits() {
        assert!(verdict(&[]).is_none());
        assert!(verdict(&[&attempt(AttemptState::Sending, None)]).is_none());
        let refused = verdict(&[&attempt(AttemptState::Failed, Some("HTTP 404"))]).unwrap();
        assert!(refused.failed());
        assert!(refused.line().contains("HTTP 404"), "{}", refused.line());
        let sent = verdict(&[
            &attempt(AttemptState::Failed, Some("HTTP 503")),
            &attempt(AttemptState::Sent, None),
        ])
        .unwrap();
        assert!(!sent.failed());
        assert!(sent.line().contains("attempt 2"), "{}", sent.line());
    }
}
