//! `plan` on plain snapshots: every phase under every trigger, and the races the reconcile
//! must survive.

mod common;

use chrono::Duration;
use common::*;
use lifecycle::model::*;
use lifecycle::plan::{plan, wanted_listeners, Intent, Step, StopReason};

// Every phase under every trigger.

#[test]
fn idle_start_allocates_the_address_first_and_nothing_else() {
    assert_eq!(steps(&idle(), Intent::Start, t(0)), vec![click_allocation()]);
}

#[test]
fn idle_stays_idle_under_every_other_trigger() {
    for intent in [Intent::Stop, Intent::TaskChanged, Intent::Tick] {
        assert_eq!(steps(&idle(), intent, t(0)), vec![], "{intent:?}");
    }
}

#[test]
fn start_with_an_address_creates_the_balancer_before_anything_reads_the_address() {
    let snapshot = Snapshot {
        addresses: vec![address("eipalloc-1")],
        ..idle()
    };
    assert_eq!(
        steps(&snapshot, Intent::Start, t(0)),
        vec![Step::CreateLoadBalancer {
            allocation_id: "eipalloc-1".into()
        }]
    );
}

#[test]
fn once_the_balancer_holds_the_address_the_ips_are_written_before_the_count_is_raised() {
    let mut snapshot = starting();
    snapshot.desired_count = 0;
    snapshot.tasks.clear();
    snapshot.jvb_targets.clear();
    snapshot.web_targets.clear();
    snapshot.advertised = advertised("0.0.0.0", t(-100));
    snapshot.load_balancers[0].listeners = Some(Vec::new());
    let planned = steps(&snapshot, Intent::Start, t(0));
    assert_eq!(
        planned[..2],
        [
            Step::WriteAdvertisedIps {
                value: "3.3.3.3".into()
            },
            Step::SetDesiredCount(1),
        ]
    );
    assert_eq!(
        planned[2..]
            .iter()
            .filter(|s| matches!(s, Step::CreateListener { .. }))
            .count(),
        2
    );
}

#[test]
fn start_adds_the_listeners_once_the_balancer_exists() {
    let mut snapshot = starting();
    snapshot.load_balancers[0].listeners = Some(Vec::new());
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
            traffic: Some(busy()),
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
        vec![Step::CreateLoadBalancer {
            allocation_id: "eipalloc-1".into()
        }]
    );
}

#[test]
fn start_while_the_old_address_is_still_attached_allocates_a_new_one() {
    let mut snapshot = leftover_address();
    snapshot.addresses[0].associated = true;
    assert_eq!(steps(&snapshot, Intent::Start, t(8)), vec![click_allocation()]);
}

// Races.

#[test]
fn two_concurrent_starts_agree_on_the_lowest_address_and_release_the_other() {
    let snapshot = Snapshot {
        addresses: vec![address("eipalloc-9"), address("eipalloc-1")],
        ..idle()
    };
    let planned = steps(&snapshot, Intent::Start, t(0));
    assert!(planned.contains(&Step::ReleaseAddress {
        allocation_id: "eipalloc-9".into()
    }));
    assert!(planned.contains(&Step::CreateLoadBalancer {
        allocation_id: "eipalloc-1".into()
    }));
    assert!(
        !planned.iter().any(|s| matches!(s, Step::WriteAdvertisedIps { .. })),
        "nothing reads the address before a load balancer holds it: {planned:?}"
    );
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
    snapshot.addresses.push(attached("eipalloc-9"));
    // Its address goes once AWS reports it detached (a later round), never while it is held.
    assert_eq!(
        steps(&snapshot, Intent::TaskChanged, t(1)),
        vec![Step::DeleteLoadBalancer { arn: LB_LATER.into() }]
    );
    snapshot.load_balancers.pop();
    snapshot.addresses[1].associated = false;
    assert_eq!(
        steps(&snapshot, Intent::TaskChanged, t(1)),
        vec![Step::ReleaseAddress {
            allocation_id: "eipalloc-9".into()
        }]
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
        .any(|s| matches!(s, Step::CreateLoadBalancer { .. } | Step::AllocateAddress { .. })));
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
fn a_task_launched_before_the_meeting_balancer_is_recycled_even_if_the_ips_match() {
    // A stop deleted the balancer while a concurrent start raised the count; the next start reused
    // the same free address, so the advertised value did not change, yet the task predates it.
    let mut snapshot = ready();
    snapshot.tasks[0].created_at = Some(t(0) - Duration::seconds(30));
    snapshot.advertised = advertised("3.3.3.3", t(-100));
    assert_eq!(
        steps(&snapshot, Intent::TaskChanged, t(1)),
        vec![Step::StopTask {
            arn: snapshot.tasks[0].arn.clone()
        }]
    );
}

#[test]
fn listeners_not_read_are_left_alone() {
    // The targets proved them (both groups in use): nothing to repair, nothing to delete.
    let mut snapshot = ready();
    snapshot.load_balancers[0].listeners = None;
    assert_eq!(steps(&snapshot, Intent::Tick, t(2)), vec![]);
}

#[test]
fn wrong_listeners_are_replaced() {
    let mut snapshot = ready();
    snapshot.load_balancers[0].listeners.as_mut().unwrap()[1].spec.port = 80;
    let planned = steps(&snapshot, Intent::TaskChanged, t(2));
    assert_eq!(planned.len(), 2);
    assert_eq!(
        planned[0],
        Step::DeleteListener {
            arn: snapshot.load_balancers[0].listeners.as_ref().unwrap()[1].arn.clone()
        }
    );
    assert!(matches!(&planned[1], Step::CreateListener { spec, .. } if spec.port == 443));
}

#[test]
fn the_meeting_address_is_the_one_the_load_balancer_reports() {
    // A concurrent start created the load balancer with eipalloc-9 while this run saw eipalloc-1
    // as the lowest free address: the balancer's own address wins and the other one goes.
    let mut snapshot = starting();
    snapshot.load_balancers[0] = load_balancer(LB, t(0), "eipalloc-9", LoadBalancerState::Provisioning, true);
    snapshot.addresses = vec![address("eipalloc-1"), attached("eipalloc-9")];
    snapshot.advertised = advertised("9.9.9.9", t(0));
    assert_eq!(
        steps(&snapshot, Intent::Start, t(1)),
        vec![Step::ReleaseAddress {
            allocation_id: "eipalloc-1".into()
        }]
    );
    // Even when its address is missing from the stack's tagged addresses, nothing is allocated.
    snapshot.addresses.clear();
    assert_eq!(steps(&snapshot, Intent::Start, t(1)), vec![]);
    assert_eq!(snapshot.meeting_address().unwrap().public_ip, "9.9.9.9");
}

#[test]
fn nothing_is_allocated_beside_a_load_balancer() {
    let mut snapshot = starting();
    snapshot.load_balancers[0].addresses.clear();
    snapshot.addresses.clear();
    for intent in [Intent::Start, Intent::TaskChanged, Intent::Tick] {
        assert!(
            !steps(&snapshot, intent, t(1))
                .iter()
                .any(|s| matches!(s, Step::AllocateAddress { .. })),
            "{intent:?}"
        );
    }
}

#[test]
fn dns_record_follows_the_address_and_goes_back_to_the_idle_placeholder() {
    let config = with_dns(config());
    let planned = plan(&ready(), Intent::TaskChanged, &config, t(2)).steps;
    assert_eq!(planned, vec![Step::UpsertDnsRecord { ip: "3.3.3.3".into() }]);
    let record = |ip: &str| DnsRecord {
        values: vec![ip.into()],
        ttl: 60,
    };
    let up = Snapshot {
        dns_record: Some(record("3.3.3.3")),
        ..ready()
    };
    assert_eq!(plan(&up, Intent::TaskChanged, &config, t(2)).steps, vec![]);
    // The record is never deleted, and the address is released only once nothing points at it.
    let down = Snapshot {
        dns_record: Some(record("3.3.3.3")),
        ..leftover_address()
    };
    assert_eq!(
        plan(&down, Intent::Tick, &config, t(9)).steps,
        vec![Step::UpsertDnsRecord { ip: IDLE_DNS.into() }]
    );
    let moved = Snapshot {
        dns_record: Some(record(IDLE_DNS)),
        ..leftover_address()
    };
    assert_eq!(
        plan(&moved, Intent::Tick, &config, t(9)).steps,
        vec![Step::ReleaseAddress {
            allocation_id: "eipalloc-1".into()
        }]
    );
}

#[test]
fn a_tick_ends_an_idle_meeting_with_its_reason() {
    let snapshot = Snapshot {
        traffic: Some(traffic_until(11)),
        ..ready()
    };
    let planned = plan(&snapshot, Intent::Tick, &config(), t(23));
    assert_eq!(planned.stop_reason, Some(StopReason::Idle));
    assert_eq!(planned.steps, vec![Step::SetDesiredCount(0)]);
}

#[test]
fn without_traffic_data_a_tick_never_stops_a_meeting() {
    assert_eq!(plan(&ready(), Intent::Tick, &config(), t(60)).stop_reason, None);
}
