//! The idle policy's timers and the status document, on plain snapshots.

mod common;

use common::*;
use lifecycle::config::IdlePolicy;
use lifecycle::idle::decide_idle;
use lifecycle::model::*;
use lifecycle::plan::StopReason;
use lifecycle::status::{status, Phase, StepState};

#[test]
fn idle_policy_honours_grace_no_show_idle_and_the_cap() {
    let policy = IdlePolicy::default();
    let nobody = None;
    let active_at = |m| Some(t(m));
    // Nobody has come yet: grace first, then the no-show timeout.
    assert_eq!(decide_idle(t(0), nobody, &policy, t(9)), None);
    assert_eq!(decide_idle(t(0), nobody, &policy, t(14)), None);
    assert_eq!(decide_idle(t(0), nobody, &policy, t(15)), Some(StopReason::NoShow));
    // Someone was there: idle counts from the last flow, never inside the grace period.
    assert_eq!(decide_idle(t(0), active_at(1), &policy, t(9)), None);
    assert_eq!(decide_idle(t(0), active_at(1), &policy, t(11)), Some(StopReason::Idle));
    assert_eq!(decide_idle(t(0), active_at(30), &policy, t(39)), None);
    assert_eq!(decide_idle(t(0), active_at(30), &policy, t(40)), Some(StopReason::Idle));
    // A long meeting in full swing still ends at the cap.
    assert_eq!(
        decide_idle(t(0), active_at(479), &policy, t(480)),
        Some(StopReason::MaxLength)
    );
}

#[test]
fn status_tells_each_phase() {
    let config = config();
    assert_eq!(status(&idle(), &config, t(0)).phase, Phase::Idle);
    assert_eq!(status(&starting(), &config, t(1)).phase, Phase::Starting);
    assert_eq!(status(&ready(), &config, t(3)).phase, Phase::Ready);
    assert_eq!(status(&stopping(), &config, t(6)).phase, Phase::Stopping);
    assert_eq!(status(&leftover_address(), &config, t(8)).phase, Phase::Stopping);
}

#[test]
fn status_shows_the_steps_and_the_meeting_url_only_when_ready() {
    let config = config();
    let starting = status(&starting(), &config, t(1));
    assert_eq!(starting.meeting_url, None);
    assert_eq!(starting.step("address").unwrap().state, StepState::Done);
    assert_eq!(starting.step("load_balancer").unwrap().state, StepState::InProgress);
    assert_eq!(starting.step("task").unwrap().detail.as_deref(), Some("PENDING"));
    assert_eq!(starting.step("dns").unwrap().state, StepState::Skipped);
    assert_eq!(starting.started_at, Some(t(0)));

    let ready = status(&ready(), &config, t(3));
    assert_eq!(
        ready.meeting_url.as_deref(),
        Some("https://jitsi-meeting-1.elb.amazonaws.com/")
    );
    assert!(ready
        .steps
        .iter()
        .all(|s| matches!(s.state, StepState::Done | StepState::Skipped)));
    assert_eq!(ready.error, None);
}

#[test]
fn status_is_not_ready_while_the_advertised_ips_are_stale() {
    let mut snapshot = ready();
    snapshot.advertised.value = "1.1.1.1".into();
    assert_eq!(status(&snapshot, &config(), t(3)).phase, Phase::Starting);
}

#[test]
fn status_reports_a_task_that_crashed_while_starting() {
    let mut snapshot = starting();
    snapshot.tasks = vec![Task {
        stopped_reason: Some("CannotPullContainerError: pull access denied".into()),
        ..task("a", "10.0.0.5", "STOPPED", "STOPPED", t(0))
    }];
    let error = status(&snapshot, &config(), t(2)).error.unwrap();
    assert!(error.contains("CannotPullContainerError"), "{error}");
}

#[test]
fn with_a_domain_the_idle_placeholder_counts_as_nothing_left() {
    let config = with_dns(config());
    let placeholder = Snapshot {
        dns_record: Some(DnsRecord {
            values: vec![IDLE_DNS.into()],
            ttl: 60,
        }),
        ..idle()
    };
    assert_eq!(status(&placeholder, &config, t(0)).phase, Phase::Idle);
    let still_pointing = Snapshot {
        dns_record: Some(DnsRecord {
            values: vec!["3.3.3.3".into()],
            ttl: 60,
        }),
        ..idle()
    };
    assert_eq!(status(&still_pointing, &config, t(0)).phase, Phase::Stopping);
}
