//! The idle policy's timers and the status document, on plain snapshots.

mod common;

use chrono::Duration;
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
fn status_is_not_ready_while_the_task_predates_the_meeting_balancer() {
    // A start asks for the task only once the balancer holds the address, so an older task can
    // only come from a race and may advertise another address (the status does not read them).
    let mut snapshot = ready();
    snapshot.tasks[0].created_at = Some(t(0) - Duration::seconds(30));
    let shown = status(&snapshot, &config(), t(3));
    assert_eq!(shown.phase, Phase::Starting);
    assert_eq!(shown.step("task").unwrap().state, StepState::InProgress);
    assert_eq!(shown.meeting_url, None);
}

#[test]
fn status_needs_neither_listeners_nor_the_advertised_ips_nor_the_addresses_once_a_balancer_exists() {
    // What a status read leaves out (cloud::Reads::Status) changes nothing it shows.
    for full in [starting(), ready(), stopping()] {
        let mut partial = full.clone();
        partial.advertised = Default::default();
        partial.addresses.clear();
        for lb in &mut partial.load_balancers {
            lb.listeners = None;
        }
        // Only the address step's time comes from the allocation's tag.
        let shown = |snapshot: &Snapshot| {
            let status = status(snapshot, &config(), t(3));
            let steps: Vec<_> = status
                .steps
                .iter()
                .map(|s| (s.name, s.state, s.detail.clone()))
                .collect();
            (status.phase, steps, status.meeting_url)
        };
        assert_eq!(shown(&full), shown(&partial));
    }
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

#[test]
fn draining_targets_are_nothing_left_but_registered_ones_are() {
    let draining = Snapshot {
        jvb_targets: vec![target("10.0.0.5", TargetHealth::Draining)],
        web_targets: vec![target("10.0.0.5", TargetHealth::Draining)],
        ..idle()
    };
    assert_eq!(status(&draining, &config(), t(9)).phase, Phase::Idle);
    let registered = Snapshot {
        jvb_targets: vec![target("10.0.0.5", TargetHealth::Unused)],
        ..idle()
    };
    assert_eq!(status(&registered, &config(), t(9)).phase, Phase::Stopping);
}

#[test]
fn a_task_that_stopped_in_an_earlier_meeting_is_not_this_meetings_error() {
    let mut snapshot = starting();
    snapshot.tasks = vec![Task {
        stopped_reason: Some("CannotPullContainerError: toomanyrequests".into()),
        ..task("old", "10.0.0.4", "STOPPED", "STOPPED", t(0) - Duration::minutes(30))
    }];
    assert_eq!(status(&snapshot, &config(), t(2)).error, None);
}
