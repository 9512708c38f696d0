//! The certificate decisions on plain values: when to order, reuse, give up, forget; what the
//! status says. (The issuance itself runs against Pebble: tests/tests/certificate.rs.)

mod common;

use chrono::Duration;
use common::*;
use lifecycle::certificate::record::{certificate_name, order_name};
use lifecycle::certificate::{certificate_step, forgettable, next_action, Action, Record, Records};
use lifecycle::config::{AcmeConfig, Config};
use lifecycle::model::{Listener, ListenerSpec, Snapshot, TargetHealth};
use lifecycle::status::{status, StepState};

const HTTP: &str = "arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/http/3";
const IP: &str = "3.3.3.3";
const MEETING: &str = "aaa"; // the id at the end of LB

fn acme_config() -> Config {
    let mut config = config();
    config.acme = Some(AcmeConfig {
        directory_url: "https://acme-v02.api.letsencrypt.org/directory".into(),
        records_path: "/jitsi/certificates".into(),
        account_parameter: "/jitsi/acme/account".into(),
        extra_roots_parameter: None,
        http_target_group_arn: HTTP.into(),
    });
    config
}

/// A ready meeting whose task is registered on the port 80 group, with these records.
fn meeting(records: Records) -> Snapshot {
    let mut snapshot = Snapshot {
        http_targets: vec![target("10.0.0.5", TargetHealth::Healthy)],
        certificates: Some(records),
        ..ready()
    };
    let listeners = snapshot.load_balancers[0].listeners.as_mut().unwrap();
    listeners.push(Listener {
        arn: "listener/http".into(),
        spec: ListenerSpec {
            protocol: "TCP".into(),
            port: 80,
            target_group_arn: HTTP.into(),
            certificate_arn: None,
        },
    });
    snapshot
}

fn issued(not_after: lifecycle::Time, served_for: Option<&str>) -> Record {
    Record::Issued {
        ip: IP.into(),
        not_after,
        chain_pem: "chain".into(),
        key_pem: "secret key".into(),
        served_for: served_for.map(str::to_string),
    }
}

fn records(entries: Vec<(String, Record)>) -> Records {
    entries.into_iter().collect()
}

#[test]
fn a_meeting_with_nothing_stored_orders_once_its_task_is_registered_for_port_80() {
    let config = acme_config();
    let order = Some(Action::Order {
        ip: IP.into(),
        meeting: MEETING.into(),
    });
    assert_eq!(next_action(&meeting(Records::new()), &config, t(5)), order);
    let unregistered = Snapshot {
        http_targets: vec![],
        ..meeting(Records::new())
    };
    assert_eq!(
        next_action(&unregistered, &config, t(5)),
        None,
        "the CA's request would not arrive"
    );
    assert_eq!(next_action(&starting(), &config, t(5)), None);
}

#[test]
fn a_stored_certificate_good_for_a_whole_meeting_is_checked_not_ordered_again() {
    let config = acme_config();
    let long_enough = t(5) + config.idle.max_length + Duration::hours(2);
    let stored = meeting(records(vec![(
        certificate_name(IP),
        issued(long_enough, Some("older")),
    )]));
    assert_eq!(
        next_action(&stored, &config, t(5)),
        Some(Action::Verify {
            ip: IP.into(),
            meeting: MEETING.into()
        })
    );
    let served = meeting(records(vec![(
        certificate_name(IP),
        issued(long_enough, Some(MEETING)),
    )]));
    assert_eq!(next_action(&served, &config, t(5)), None);
    let step = certificate_step(&served, &config, t(5));
    assert_eq!(step.state, StepState::Done);
    assert!(step.detail.unwrap().starts_with("trusted, valid until "));

    let expiring = meeting(records(vec![(
        certificate_name(IP),
        issued(t(5) + Duration::hours(2), Some(MEETING)),
    )]));
    assert!(matches!(
        next_action(&expiring, &config, t(5)),
        Some(Action::Order { .. })
    ));
}

#[test]
fn a_failed_order_falls_back_once_with_its_reason_and_is_not_retried_in_the_meeting() {
    let config = acme_config();
    let failed = Record::Failed {
        ip: IP.into(),
        at: t(4),
        reason: "the certificate authority refused the order: connection refused".into(),
        validation_failed: true,
    };
    let snapshot = meeting(records(vec![(order_name(MEETING), failed.clone())]));
    assert_eq!(next_action(&snapshot, &config, t(5)), None);
    let step = certificate_step(&snapshot, &config, t(10));
    assert_eq!(step.state, StepState::Failed);
    assert!(step.detail.as_deref().unwrap().contains("refused the order"));
    assert!(step.detail.as_deref().unwrap().contains("self-signed"));
    let document = status(&snapshot, &config, t(5));
    let public = document.public();
    assert_eq!(public.step("certificate").unwrap().state, StepState::Failed);
    assert_eq!(
        public.step("certificate").unwrap().detail,
        None,
        "a reason may name the address"
    );
    assert_eq!(
        document.phase.as_str(),
        "ready",
        "the meeting goes on with the self-signed certificate: {document:?}"
    );
    assert_eq!(document.meeting_url.as_deref(), Some("https://3.3.3.3/"));

    // The next meeting on the same address within the hour does not ask again.
    let next_meeting = meeting(records(vec![(order_name("other"), failed)]));
    assert!(matches!(
        next_action(&next_meeting, &config, t(30)),
        Some(Action::Decline { reason, .. }) if reason.contains("less than an hour ago")
    ));
    assert!(matches!(
        next_action(&next_meeting, &config, t(65)),
        Some(Action::Order { .. })
    ));
}

#[test]
fn a_rate_limit_pause_declines_until_it_ends() {
    let config = acme_config();
    let paused = Record::Paused {
        until: t(180),
        reason: "the certificate authority's rate limit was hit: too many new orders".into(),
    };
    let snapshot = meeting(records(vec![("paused".into(), paused)]));
    assert!(matches!(
        next_action(&snapshot, &config, t(5)),
        Some(Action::Decline { reason, .. }) if reason.contains("rate limit") && reason.contains("no new order before")
    ));
    assert!(matches!(
        next_action(&snapshot, &config, t(181)),
        Some(Action::Order { .. })
    ));
    assert_eq!(forgettable(&snapshot, t(181)), vec!["paused".to_string()]);
}

#[test]
fn an_order_cut_off_half_way_is_given_up_and_the_meeting_does_not_wait_for_it() {
    let config = acme_config();
    let ordering = Record::Ordering {
        ip: IP.into(),
        since: t(5),
        challenges: Default::default(),
    };
    let snapshot = meeting(records(vec![(order_name(MEETING), ordering)]));
    assert_eq!(next_action(&snapshot, &config, t(10)), None, "another run is on it");
    assert_eq!(certificate_step(&snapshot, &config, t(10)).state, StepState::InProgress);
    assert_eq!(status(&snapshot, &config, t(10)).phase.as_str(), "starting");
    assert!(matches!(
        next_action(&snapshot, &config, t(21)),
        Some(Action::Decline { .. })
    ));
    // Even if no task event comes to record it, the status stops waiting.
    let late = certificate_step(&snapshot, &config, t(21));
    assert_eq!(late.state, StepState::Failed);
    assert!(late.detail.unwrap().contains("cut off"));
    assert_eq!(status(&snapshot, &config, t(21)).phase.as_str(), "ready");
    let never_ordered = meeting(Records::new());
    // The task started at t(1): its event's run claims the order at once, or never will.
    assert_eq!(
        certificate_step(&never_ordered, &config, t(3)).state,
        StepState::InProgress
    );
    let never = certificate_step(&never_ordered, &config, t(5));
    assert_eq!(never.state, StepState::Failed, "three minutes after the task started");
    assert!(never.detail.unwrap().contains("no certificate was ordered"));
}

#[test]
fn expired_certificates_and_old_orders_of_other_meetings_are_forgotten() {
    let old = Record::Failed {
        ip: "4.4.4.4".into(),
        at: t(0),
        reason: "x".into(),
        validation_failed: true,
    };
    let snapshot = meeting(records(vec![
        (certificate_name("5.5.5.5"), issued(t(60), None)),
        (certificate_name(IP), issued(t(10_000), Some(MEETING))),
        (order_name("older"), old.clone()),
        (order_name(MEETING), old),
    ]));
    assert_eq!(
        forgettable(&snapshot, t(90)),
        vec![certificate_name("5.5.5.5"), order_name("older")]
    );
}

#[test]
fn without_an_acme_ca_the_step_is_skipped_and_the_key_never_reaches_a_log() {
    assert_eq!(certificate_step(&ready(), &config(), t(5)).state, StepState::Skipped);
    let debug = format!("{:?}", issued(t(60), None));
    assert!(!debug.contains("secret key") && !debug.contains("chain"), "{debug}");
}
