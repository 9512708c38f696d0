//! What the webhook receives: one sentence for people, in the body shape the receiving service
//! expects. Slack incoming webhooks read `text` (api.slack.com/messaging/webhooks); Discord's
//! execute-webhook reads `content`, at most 2,000 characters (discord-api-docs, Webhook resource);
//! Microsoft Teams' Workflows webhook ("When a Teams webhook request is received") takes an
//! Adaptive Card message only, since Office 365 connectors and their MessageCard are retired
//! (msteams-docs, "Create incoming webhooks with Workflows"). `json` adds the facts as fields for
//! any other receiver.

use super::outbox::{Event, Kind};
use serde_json::{json, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookFormat {
    Json,
    Slack,
    Discord,
    Teams,
}

impl WebhookFormat {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "json" => Some(Self::Json),
            "slack" => Some(Self::Slack),
            "discord" => Some(Self::Discord),
            "teams" => Some(Self::Teams),
            _ => None,
        }
    }
}

/// The sentence for people.
pub fn text(kind: Kind, event: &Event, meeting_url: Option<&str>) -> String {
    match kind {
        Kind::Ready => format!(
            "The meeting is ready: {} (started by {}, ready {} after the start).",
            meeting_url.unwrap_or("(address unknown)"),
            event.started_by.as_deref().unwrap_or("unknown"),
            clock(event.seconds)
        ),
        Kind::Ended => format!(
            "The meeting has ended ({}). It ran {} and cost about ${:.2}.",
            event.reason.as_deref().unwrap_or("stopped"),
            clock(event.seconds),
            event.cost_usd.unwrap_or(0.0)
        ),
    }
}

pub fn body(format: WebhookFormat, kind: Kind, event: &Event, meeting_url: Option<&str>) -> Value {
    let text = text(kind, event, meeting_url);
    match format {
        WebhookFormat::Slack => json!({ "text": text }),
        WebhookFormat::Discord => json!({ "content": text.chars().take(2000).collect::<String>() }),
        WebhookFormat::Teams => json!({
            "type": "message",
            "attachments": [{
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": null,
                "content": {
                    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                    "type": "AdaptiveCard",
                    "version": "1.2",
                    "body": [{ "type": "TextBlock", "text": text, "wrap": true }]
                }
            }]
        }),
        WebhookFormat::Json => json!({
            "event": kind.as_str(),
            "text": text,
            "meeting_url": meeting_url,
            "started_by": event.started_by,
            "at": event.at,
            "seconds_to_ready": (kind == Kind::Ready).then_some(event.seconds),
            "seconds_long": (kind == Kind::Ended).then_some(event.seconds),
            "reason": event.reason,
            "cost_usd": event.cost_usd,
        }),
    }
}

fn clock(seconds: i64) -> String {
    let seconds = seconds.max(0);
    match seconds {
        s if s >= 3600 => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
        s => format!("{}m{:02}s", s / 60, s % 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn ended() -> Event {
        Event {
            at: Utc.with_ymd_and_hms(2026, 12, 7, 9, 20, 0).unwrap(),
            started_by: Some("the schedule (standup)".into()),
            seconds: 3_125,
            reason: Some("no one left for 10 minutes".into()),
            cost_usd: Some(0.0934),
        }
    }

    #[test]
    fn each_service_gets_its_shape() {
        let e = ended();
        let sentence = "The meeting has ended (no one left for 10 minutes). It ran 52m05s and cost about $0.09.";
        assert_eq!(
            body(WebhookFormat::Slack, Kind::Ended, &e, None),
            json!({ "text": sentence })
        );
        assert_eq!(
            body(WebhookFormat::Discord, Kind::Ended, &e, None),
            json!({ "content": sentence })
        );
        let teams = body(WebhookFormat::Teams, Kind::Ended, &e, None);
        assert_eq!(teams["type"], "message");
        assert_eq!(
            teams["attachments"][0]["contentType"],
            "application/vnd.microsoft.card.adaptive"
        );
        assert_eq!(teams["attachments"][0]["content"]["body"][0]["text"], sentence);
        let plain = body(WebhookFormat::Json, Kind::Ended, &e, None);
        assert_eq!(
            (plain["event"].as_str(), plain["seconds_long"].as_i64()),
            (Some("ended"), Some(3125))
        );
        assert!(plain["seconds_to_ready"].is_null());
    }

    #[test]
    fn ready_names_the_url_how_it_started_and_how_long_it_took() {
        let ready = Event {
            seconds: 201,
            reason: None,
            cost_usd: None,
            ..ended()
        };
        assert_eq!(
            text(Kind::Ready, &ready, Some("https://203.0.113.7/standup")),
            "The meeting is ready: https://203.0.113.7/standup (started by the schedule (standup), ready 3m21s after the start)."
        );
    }
}
