//! `plan`, `decide_idle` and `status` on plain snapshots: every phase under every trigger, and
//! the races the reconcile must survive.

use chrono::{Duration, TimeZone, Utc};
use lifecycle::config::{Config, IdlePolicy};
use lifecycle::model::*;
use lifecycle::plan::{decide_idle, plan, wanted_listeners, Intent, Step, StopReason};
use lifecycle::status::{status, Phase, StepState};
use std::collections::HashMap;

const JVB: &str = "arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/jvb/1";
const WEB: &str = "arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/web/2";
const LB: &str = "arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/net/jitsi-meeting/aaa";
const LB_LATER: &str = "arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/net/jitsi-meeting/bbb";

fn config() -> Config {
    let vars: HashMap<String, String> = [
        ("CLUSTER_NAME", "jitsi"),
        ("SERVICE_NAME", "jitsi"),
        ("SUBNET_ID", "subnet-1"),
        ("JVB_TARGET_GROUP_ARN", JVB),
        ("WEB_TARGET_GROUP_ARN", WEB),
        ("LOAD_BALANCER_NAME", "jitsi-meeting"),
        ("ADVERTISE_IPS_PARAMETER", "/jitsi/advertise-ips"),
        ("START_SECRET_HASH_PARAMETER", "/jitsi/start-secret-hash"),
        ("STACK_TAG", "jitsi"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    Config::from_vars(&vars).unwrap()
}

fn with_dns(mut config: Config) -> Config {
    config.dns = Some(lifecycle::config::DnsConfig {
        hosted_zone_id: "Z1".into(),
        hostname: "meet.example.org".into(),
    });
    config
}

fn t(minutes: i64) -> Time {
    Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap() + Duration::minutes(minutes)
}

fn address(id: &str, ip: &str) -> Address {
    Address {
        allocation_id: id.into(),
        public_ip: ip.into(),
        associated: false,
        allocated_at: Some(t(0)),
    }
}

fn load_balancer(
    arn: &str,
    created: Time,
    allocation: &str,
    state: LoadBalancerState,
    with_listeners: bool,
) -> LoadBalancer {
    let listeners = if with_listeners {
        wanted_listeners(&config())
            .into_iter()
            .enumerate()
            .map(|(i, spec)| Listener {
                arn: format!("{arn}/listener/{i}"),
                spec,
            })
            .collect()
    } else {
        Vec::new()
    };
    LoadBalancer {
        arn: arn.into(),
        dns_name: "jitsi-meeting-1.elb.amazonaws.com".into(),
        state,
        created_at: created,
        allocation_id: Some(allocation.into()),
        listeners,
    }
}

fn task(id: &str, ip: &str, last: &str, desired: &str, created: Time) -> Task {
    Task {
        arn: format!("arn:aws:ecs:us-east-1:1:task/jitsi/{id}"),
        last_status: last.into(),
        desired_status: desired.into(),
        private_ip: Some(ip.into()),
        created_at: Some(created),
        started_at: (last == "RUNNING").then_some(created + Duration::minutes(1)),
        stopped_reason: (last == "STOPPED").then(|| "Scaling activity initiated by deployment".into()),
    }
}

fn target(ip: &str, health: TargetHealth) -> Target {
    Target { ip: ip.into(), health }
}

fn advertised(value: &str, at: Time) -> Advertised {
    Advertised {
        value: value.into(),
        modified_at: Some(at),
    }
}

// The phases a meeting goes through, as AWS would report them.

fn idle() -> Snapshot {
    Snapshot {
        advertised: advertised("0.0.0.0", t(-100)),
        ..Snapshot::default()
    }
}

fn starting() -> Snapshot {
    Snapshot {
        desired_count: 1,
        tasks: vec![task("a", "10.0.0.5", "PENDING", "RUNNING", t(0))],
        load_balancers: vec![load_balancer(
            LB,
            t(0),
            "eipalloc-1",
            LoadBalancerState::Provisioning,
            true,
        )],
        addresses: vec![address("eipalloc-1", "3.3.3.3")],
        jvb_targets: vec![target("10.0.0.5", TargetHealth::Initial)],
        web_targets: vec![target("10.0.0.5", TargetHealth::Initial)],
        advertised: advertised("3.3.3.3", t(0)),
        ..Snapshot::default()
    }
}

fn ready() -> Snapshot {
    Snapshot {
        tasks: vec![task("a", "10.0.0.5", "RUNNING", "RUNNING", t(0))],
        load_balancers: vec![load_balancer(LB, t(0), "eipalloc-1", LoadBalancerState::Active, true)],
        jvb_targets: vec![target("10.0.0.5", TargetHealth::Healthy)],
        web_targets: vec![target("10.0.0.5", TargetHealth::Healthy)],
        ..starting()
    }
}

/// Desired count back to 0; ECS is stopping the task.
fn stopping() -> Snapshot {
    Snapshot {
        desired_count: 0,
        tasks: vec![task("a", "10.0.0.5", "DEACTIVATING", "STOPPED", t(0))],
        jvb_targets: vec![target("10.0.0.5", TargetHealth::Draining)],
        web_targets: vec![target("10.0.0.5", TargetHealth::Draining)],
        ..ready()
    }
}

/// The task is gone; the load balancer and address are left to clean up.
fn drained() -> Snapshot {
    Snapshot {
        tasks: vec![task("a", "10.0.0.5", "STOPPED", "STOPPED", t(0))],
        jvb_targets: vec![],
        web_targets: vec![],
        ..stopping()
    }
}

/// The load balancer is deleted; the address is free and still allocated.
fn leftover_address() -> Snapshot {
    Snapshot {
        load_balancers: vec![],
        ..drained()
    }
}

fn busy() -> Activity {
    Activity {
        last_active: Some(t(29)),
    }
}

fn steps(snapshot: &Snapshot, intent: Intent, now: Time) -> Vec<Step> {
    plan(snapshot, intent, &config(), now).steps
}

// Every phase under every trigger.

#[test]
fn idle_start_allocates_the_address_first_and_nothing_else() {
    assert_eq!(steps(&idle(), Intent::Start, t(0)), vec![Step::AllocateAddress]);
}

#[test]
fn idle_stays_idle_under_every_other_trigger() {
    for intent in [Intent::Stop, Intent::TaskChanged, Intent::Tick] {
        assert_eq!(steps(&idle(), intent, t(0)), vec![], "{intent:?}");
    }
}

#[test]
fn start_with_an_address_writes_the_ips_before_raising_the_count_and_creates_the_balancer() {
    let snapshot = Snapshot {
        addresses: vec![address("eipalloc-1", "3.3.3.3")],
        ..idle()
    };
    assert_eq!(
        steps(&snapshot, Intent::Start, t(0)),
        vec![
            Step::WriteAdvertisedIps {
                value: "3.3.3.3".into()
            },
            Step::SetDesiredCount(1),
            Step::CreateLoadBalancer {
                allocation_id: "eipalloc-1".into()
            },
        ]
    );
}

#[test]
fn start_adds_the_listeners_once_the_balancer_exists() {
    let mut snapshot = starting();
    snapshot.load_balancers[0].listeners.clear();
    let planned = steps(&snapshot, Intent::Start, t(1));
    assert_eq!(
        planned,
        wanted_listeners(&config())
            .into_iter()
            .map(|spec| Step::CreateListener {
                load_balancer_arn: LB.into(),
                spec
            })
            .collect::<Vec<_>>()
    );
}

#[test]
fn starting_and_ready_need_nothing_under_start_task_change_or_a_busy_tick() {
    for snapshot in [starting(), ready()] {
        for intent in [Intent::Start, Intent::TaskChanged] {
            assert_eq!(steps(&snapshot, intent, t(1)), vec![], "{intent:?}");
        }
        let ticked = Snapshot {
            activity: Some(busy()),
            ..snapshot.clone()
        };
        assert_eq!(plan(&ticked, Intent::Tick, &config(), t(30)), Default::default());
    }
}

#[test]
fn stop_while_starting_or_ready_lowers_the_count_and_keeps_the_rest_until_the_task_is_gone() {
    for snapshot in [starting(), ready()] {
        assert_eq!(steps(&snapshot, Intent::Stop, t(5)), vec![Step::SetDesiredCount(0)]);
    }
}

#[test]
fn stopping_waits_for_the_task_and_deregisters_nothing_that_is_draining() {
    for intent in [Intent::Stop, Intent::TaskChanged, Intent::Tick] {
        assert_eq!(steps(&stopping(), intent, t(6)), vec![], "{intent:?}");
    }
}

#[test]
fn drained_deletes_the_balancer_then_releases_the_address() {
    for intent in [Intent::Stop, Intent::TaskChanged, Intent::Tick] {
        assert_eq!(
            steps(&drained(), intent, t(7)),
            vec![Step::DeleteLoadBalancer { arn: LB.into() }],
            "{intent:?}"
        );
        assert_eq!(
            steps(&leftover_address(), intent, t(7)),
            vec![Step::ReleaseAddress {
                allocation_id: "eipalloc-1".into()
            }],
            "{intent:?}"
        );
    }
}

#[test]
fn an_address_still_attached_to_a_deleted_balancer_is_released_later() {
    let mut snapshot = leftover_address();
    snapshot.addresses[0].associated = true;
    assert_eq!(steps(&snapshot, Intent::Tick, t(8)), vec![]);
}

#[test]
fn start_during_a_stop_keeps_the_balancer_and_raises_the_count_again() {
    assert_eq!(steps(&stopping(), Intent::Start, t(6)), vec![Step::SetDesiredCount(1)]);
    assert_eq!(steps(&drained(), Intent::Start, t(7)), vec![Step::SetDesiredCount(1)]);
}

#[test]
fn start_after_the_balancer_is_gone_reuses_the_free_address() {
    assert_eq!(
        steps(&leftover_address(), Intent::Start, t(8)),
        vec![
            Step::SetDesiredCount(1),
            Step::CreateLoadBalancer {
                allocation_id: "eipalloc-1".into()
            }
        ]
    );
}

#[test]
fn start_while_the_old_address_is_still_attached_allocates_a_new_one() {
    let mut snapshot = leftover_address();
    snapshot.addresses[0].associated = true;
    assert_eq!(steps(&snapshot, Intent::Start, t(8)), vec![Step::AllocateAddress]);
}

// Races.

#[test]
fn two_concurrent_starts_agree_on_the_lowest_address_and_release_the_other() {
    let snapshot = Snapshot {
        addresses: vec![address("eipalloc-9", "9.9.9.9"), address("eipalloc-1", "3.3.3.3")],
        ..idle()
    };
    let planned = steps(&snapshot, Intent::Start, t(0));
    assert!(planned.contains(&Step::ReleaseAddress {
        allocation_id: "eipalloc-9".into()
    }));
    assert!(planned.contains(&Step::CreateLoadBalancer {
        allocation_id: "eipalloc-1".into()
    }));
    assert!(planned.contains(&Step::WriteAdvertisedIps {
        value: "3.3.3.3".into()
    }));
}

#[test]
fn a_duplicate_balancer_from_a_concurrent_start_is_deleted_and_its_address_released() {
    let mut snapshot = ready();
    snapshot.load_balancers.push(load_balancer(
        LB_LATER,
        t(0) + Duration::seconds(1),
        "eipalloc-9",
        LoadBalancerState::Provisioning,
        false,
    ));
    snapshot.addresses.push(address("eipalloc-9", "9.9.9.9"));
    assert_eq!(
        steps(&snapshot, Intent::TaskChanged, t(1)),
        vec![
            Step::DeleteLoadBalancer { arn: LB_LATER.into() },
            Step::ReleaseAddress {
                allocation_id: "eipalloc-9".into()
            },
        ]
    );
}

#[test]
fn a_stopped_task_never_stays_registered_whatever_the_event_order() {
    // STOPPED seen before RUNNING: the task is already stopped when the RUNNING event arrives.
    let mut snapshot = ready();
    snapshot.tasks = vec![task("a", "10.0.0.5", "STOPPED", "STOPPED", t(0))];
    snapshot.desired_count = 1;
    let planned = steps(&snapshot, Intent::TaskChanged, t(2));
    for tg in [JVB, WEB] {
        assert!(planned.contains(&Step::DeregisterTargets {
            target_group_arn: tg.into(),
            ips: vec!["10.0.0.5".into()]
        }));
    }
    assert!(!planned.iter().any(|s| matches!(s, Step::RegisterTargets { .. })));
}

#[test]
fn a_replaced_task_swaps_its_targets_and_keeps_the_meeting_address() {
    let mut snapshot = ready();
    snapshot.tasks = vec![
        task("a", "10.0.0.5", "STOPPED", "STOPPED", t(0)),
        task("b", "10.0.0.9", "PROVISIONING", "RUNNING", t(3)),
    ];
    let planned = steps(&snapshot, Intent::TaskChanged, t(3));
    for tg in [JVB, WEB] {
        assert!(planned.contains(&Step::RegisterTargets {
            target_group_arn: tg.into(),
            ips: vec!["10.0.0.9".into()]
        }));
        assert!(planned.contains(&Step::DeregisterTargets {
            target_group_arn: tg.into(),
            ips: vec!["10.0.0.5".into()]
        }));
    }
    assert!(!planned
        .iter()
        .any(|s| matches!(s, Step::CreateLoadBalancer { .. } | Step::AllocateAddress)));
}

#[test]
fn a_task_is_registered_as_soon_as_its_ip_is_known() {
    let mut snapshot = starting();
    snapshot.jvb_targets.clear();
    snapshot.web_targets.clear();
    snapshot.tasks = vec![task("a", "10.0.0.5", "PROVISIONING", "RUNNING", t(0))];
    assert_eq!(
        steps(&snapshot, Intent::TaskChanged, t(0)),
        vec![
            Step::RegisterTargets {
                target_group_arn: JVB.into(),
                ips: vec!["10.0.0.5".into()]
            },
            Step::RegisterTargets {
                target_group_arn: WEB.into(),
                ips: vec!["10.0.0.5".into()]
            },
        ]
    );
}

#[test]
fn a_task_launched_before_the_advertised_ips_changed_is_recycled() {
    let mut snapshot = ready();
    snapshot.advertised = advertised("3.3.3.3", t(10));
    assert_eq!(
        steps(&snapshot, Intent::TaskChanged, t(11)),
        vec![Step::StopTask {
            arn: snapshot.tasks[0].arn.clone()
        }]
    );
    // Stale IPs are rewritten first; the recycle follows once the new value is in place.
    snapshot.advertised = advertised("1.1.1.1", t(-5));
    assert_eq!(
        steps(&snapshot, Intent::TaskChanged, t(11)),
        vec![Step::WriteAdvertisedIps {
            value: "3.3.3.3".into()
        }]
    );
}

#[test]
fn wrong_listeners_are_replaced() {
    let mut snapshot = ready();
    snapshot.load_balancers[0].listeners[1].spec.port = 80;
    let planned = steps(&snapshot, Intent::TaskChanged, t(2));
    assert_eq!(planned.len(), 2);
    assert_eq!(
        planned[0],
        Step::DeleteListener {
            arn: snapshot.load_balancers[0].listeners[1].arn.clone()
        }
    );
    assert!(matches!(&planned[1], Step::CreateListener { spec, .. } if spec.port == 443));
}

#[test]
fn dns_record_follows_the_address_and_goes_at_the_end() {
    let config = with_dns(config());
    let planned = plan(&ready(), Intent::TaskChanged, &config, t(2)).steps;
    assert_eq!(planned, vec![Step::UpsertDnsRecord { ip: "3.3.3.3".into() }]);
    let record = DnsRecord {
        values: vec!["3.3.3.3".into()],
        ttl: 60,
    };
    let up = Snapshot {
        dns_record: Some(record.clone()),
        ..ready()
    };
    assert_eq!(plan(&up, Intent::TaskChanged, &config, t(2)).steps, vec![]);
    let down = Snapshot {
        dns_record: Some(record.clone()),
        load_balancers: vec![],
        ..leftover_address()
    };
    assert_eq!(
        plan(&down, Intent::Tick, &config, t(9)).steps,
        vec![
            Step::DeleteDnsRecord { record },
            Step::ReleaseAddress {
                allocation_id: "eipalloc-1".into()
            }
        ]
    );
}

// Idleness.

#[test]
fn a_tick_ends_an_idle_meeting_with_its_reason() {
    let snapshot = Snapshot {
        activity: Some(Activity {
            last_active: Some(t(12)),
        }),
        ..ready()
    };
    let planned = plan(&snapshot, Intent::Tick, &config(), t(23));
    assert_eq!(planned.stop_reason, Some(StopReason::Idle));
    assert_eq!(planned.steps, vec![Step::SetDesiredCount(0)]);
}

#[test]
fn without_flow_data_a_tick_never_stops_a_meeting() {
    assert_eq!(plan(&ready(), Intent::Tick, &config(), t(60)).stop_reason, None);
}

#[test]
fn idle_policy_honours_grace_no_show_idle_and_the_cap() {
    let policy = IdlePolicy::default();
    let nobody = Activity { last_active: None };
    let active_at = |m| Activity {
        last_active: Some(t(m)),
    };
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

// Status.

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
