use super::*;
use chrono::{TimeZone, Utc};

fn t(seconds: i64) -> Time {
    Utc.with_ymd_and_hms(2026, 12, 7, 9, 0, 0).unwrap() + chrono::Duration::seconds(seconds)
}

fn event(at: Time) -> String {
    to_json(&Event {
        at,
        started_by: Some("a click on the start page".into()),
        seconds: 200,
        reason: None,
        cost_usd: None,
    })
}

fn attempt(state: AttemptState, at: Time) -> String {
    to_json(&Attempt {
        state,
        at,
        detail: None,
    })
}

fn outbox(records: &[(&str, String)]) -> Outbox {
    Outbox::from_records(records.iter().map(|(n, v)| (*n, v.as_str())))
}

fn due(outbox: &Outbox, current: Option<&str>, now: Time) -> Vec<String> {
    outbox
        .due(current, now)
        .into_iter()
        .map(|(key, n)| key.attempt_name(n))
        .collect()
}

#[test]
fn a_new_event_is_due_as_attempt_one_and_a_sent_one_never_again() {
    let fresh = outbox(&[("lb1.ready", event(t(0)))]);
    assert_eq!(due(&fresh, Some("lb1"), t(1)), ["lb1.ready.1"]);
    let sent = outbox(&[
        ("lb1.ready", event(t(0))),
        ("lb1.ready.1", attempt(AttemptState::Failed, t(1))),
        ("lb1.ready.2", attempt(AttemptState::Sent, t(60))),
    ]);
    assert!(due(&sent, Some("lb1"), t(120)).is_empty());
}

#[test]
fn an_attempt_in_flight_is_left_alone_until_it_must_have_been_cut_off() {
    let sending = outbox(&[
        ("lb1.ended", event(t(0))),
        ("lb1.ended.1", attempt(AttemptState::Sending, t(0))),
    ]);
    assert!(due(&sending, None, t(30)).is_empty());
    assert_eq!(due(&sending, None, t(IN_FLIGHT.num_seconds())), ["lb1.ended.2"]);
}

#[test]
fn failures_are_retried_a_bounded_number_of_times() {
    let mut records = vec![("lb1.ended", event(t(0)))];
    let names: Vec<String> = (1..=MAX_ATTEMPTS).map(|n| format!("lb1.ended.{n}")).collect();
    for (n, name) in names.iter().enumerate() {
        assert_eq!(
            due(&outbox(&records), None, t(600)),
            [name.clone()],
            "after {n} failures"
        );
        records.push((name.as_str(), attempt(AttemptState::Failed, t(60 * n as i64))));
    }
    assert!(
        due(&outbox(&records), None, t(600)).is_empty(),
        "gave up after {MAX_ATTEMPTS}"
    );
}

#[test]
fn ready_is_news_only_while_that_meeting_runs() {
    let records = outbox(&[("lb1.ready", event(t(0))), ("lb1.ended", event(t(600)))]);
    assert_eq!(due(&records, Some("lb1"), t(601)), ["lb1.ready.1", "lb1.ended.1"]);
    assert_eq!(due(&records, None, t(601)), ["lb1.ended.1"]);
    assert_eq!(due(&records, Some("lb2"), t(601)), ["lb1.ended.1"]);
}

#[test]
fn records_of_a_meeting_quiet_for_two_days_are_forgotten_and_the_current_ones_kept() {
    let records = outbox(&[
        ("lb1.ready", event(t(0))),
        ("lb1.ready.1", attempt(AttemptState::Sent, t(1))),
        ("lb2.ready", event(t(0))),
        ("not-ours", "x".into()),
    ]);
    let later = t(KEEP.num_seconds() + 1);
    assert_eq!(records.forgettable(Some("lb2"), later), ["lb1.ready", "lb1.ready.1"]);
    assert!(records.forgettable(None, t(60)).is_empty());
}

#[test]
fn the_settings_name_what_is_wrong() {
    let vars = |pairs: &[(&str, &str)]| {
        let map: std::collections::HashMap<String, String> =
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |name: &str| map.get(name).cloned()
    };
    assert_eq!(WebhookConfig::from_vars(&vars(&[])), Ok(None));
    let missing = WebhookConfig::from_vars(&vars(&[("WEBHOOK_URL_PARAMETER", "/j/webhook")]));
    assert_eq!(missing, Err(ConfigError::Missing("NOTIFICATIONS_PARAMETER_PATH")));
    let format = WebhookConfig::from_vars(&vars(&[
        ("WEBHOOK_URL_PARAMETER", "/j/webhook"),
        ("NOTIFICATIONS_PARAMETER_PATH", "/j/notifications"),
        ("WEBHOOK_FORMAT", "mattermost"),
    ]));
    assert!(matches!(
        format,
        Err(ConfigError::Invalid {
            name: "WEBHOOK_FORMAT",
            ..
        })
    ));
    let sized = WebhookConfig::from_vars(&vars(&[
        ("WEBHOOK_URL_PARAMETER", "/j/webhook"),
        ("NOTIFICATIONS_PARAMETER_PATH", "/j/notifications"),
        ("WEBHOOK_FORMAT", "slack"),
        ("TASK_CPU", "2048"),
        ("TASK_MEMORY", "4096"),
        ("TASK_ARCHITECTURE", "ARM64"),
    ]))
    .unwrap()
    .unwrap();
    assert_eq!(sized.format, WebhookFormat::Slack);
    let size = sized.task_size.unwrap();
    assert_eq!(
        (size.vcpu, size.memory_gb, size.arm64, size.spot),
        (2.0, 4.0, true, false)
    );
}

#[test]
fn how_a_meeting_started_in_words() {
    assert_eq!(how_started(Some("click")), "a click on the start page");
    assert_eq!(how_started(Some("schedule:standup")), "the schedule (standup)");
    assert_eq!(how_started(None), "unknown");
}
