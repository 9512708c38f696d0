//! A run plans on from AWS's answers to its own changes (`carry`), and reads only what its
//! trigger can need (`cloud::Reads`): both on plain values.

mod common;

use common::*;
use lifecycle::carry::{Answer, Reread};
use lifecycle::cloud::Reads;
use lifecycle::model::*;
use lifecycle::plan::{plan, Intent, Step};

/// What AWS would answer to each step of a start from nothing.
fn answer(step: &Step) -> Answer {
    match step {
        Step::AllocateAddress { .. } => Answer::Allocated {
            allocation_id: "eipalloc-1".into(),
            public_ip: "3.3.3.3".into(),
        },
        Step::CreateLoadBalancer { allocation_id } => Answer::LoadBalancer(LoadBalancer {
            listeners: None,
            ..load_balancer(LB, t(0), allocation_id, LoadBalancerState::Provisioning, false)
        }),
        Step::CreateListener { spec, .. } => Answer::Listener(Listener {
            arn: format!("{LB}/listener/{}", spec.port),
            spec: spec.clone(),
        }),
        _ => Answer::Done,
    }
}

#[test]
fn a_start_from_nothing_completes_on_its_own_answers_in_three_rounds() {
    let config = config();
    let mut snapshot = idle();
    let mut rounds = Vec::new();
    loop {
        let steps = plan(&snapshot, Intent::Start, &config, t(0)).steps;
        if steps.is_empty() {
            break;
        }
        assert!(rounds.len() < 5, "no end in sight: {rounds:?}");
        for step in &steps {
            match snapshot.record(&config, step, answer(step), t(0)) {
                // DescribeAddresses right after the allocation; EC2's reads are eventually
                // consistent, so it may not list the new address yet.
                Reread::Addresses => snapshot.merge_addresses(Vec::new()),
                reread => assert_eq!(reread, Reread::Nothing, "{step:?}"),
            }
        }
        rounds.push(steps);
    }
    assert_eq!(rounds[0], vec![click_allocation()]);
    assert_eq!(
        rounds[1],
        vec![Step::CreateLoadBalancer {
            allocation_id: "eipalloc-1".into()
        }]
    );
    assert_eq!(
        rounds[2][..2],
        [
            Step::WriteAdvertisedIps {
                value: "3.3.3.3".into()
            },
            Step::SetDesiredCount(1)
        ]
    );
    assert_eq!(rounds.len(), 3, "{rounds:?}");
    assert_eq!(snapshot.meeting_address().unwrap().public_ip, "3.3.3.3");
}

#[test]
fn a_balancer_answered_without_its_address_holds_the_one_asked_for() {
    let config = config();
    let mut snapshot = Snapshot {
        addresses: vec![address("eipalloc-1")],
        ..idle()
    };
    let step = Step::CreateLoadBalancer {
        allocation_id: "eipalloc-1".into(),
    };
    let mut bare = load_balancer(LB, t(0), "eipalloc-1", LoadBalancerState::Provisioning, false);
    bare.addresses.clear();
    assert_eq!(
        snapshot.record(&config, &step, Answer::LoadBalancer(bare.clone()), t(0)),
        Reread::Nothing
    );
    assert_eq!(snapshot.meeting_address().unwrap().allocation_id, "eipalloc-1");
    assert!(snapshot.addresses[0].associated, "held now, so never released");

    // Asked for an address this run does not know: it must read again, not guess.
    let mut unknown = idle();
    assert_eq!(
        unknown.record(&config, &step, Answer::LoadBalancer(bare), t(0)),
        Reread::Everything
    );
}

#[test]
fn a_create_answered_without_what_it_created_makes_the_run_read_again() {
    let config = config();
    for step in [
        click_allocation(),
        Step::CreateLoadBalancer {
            allocation_id: "eipalloc-1".into(),
        },
        Step::CreateListener {
            load_balancer_arn: LB.into(),
            spec: lifecycle::plan::wanted_listeners(&config)[0].clone(),
        },
    ] {
        let mut snapshot = idle();
        assert_eq!(
            snapshot.record(&config, &step, Answer::Done, t(0)),
            Reread::Everything,
            "{step:?}"
        );
    }
}

#[test]
fn deregistered_targets_drain_and_are_not_deregistered_again() {
    let config = config();
    let mut snapshot = stopping();
    let steps = plan(&snapshot, Intent::Tick, &config, t(5)).steps;
    for step in &steps {
        assert_eq!(snapshot.record(&config, step, Answer::Done, t(5)), Reread::Nothing);
    }
    let again = plan(&snapshot, Intent::Tick, &config, t(5)).steps;
    assert!(
        !again.iter().any(|s| matches!(s, Step::DeregisterTargets { .. })),
        "{again:?}"
    );
}

#[test]
fn each_trigger_reads_only_what_it_can_need() {
    // Addresses: always for a tick (the meeting's start, a cut-off start's spare); otherwise only
    // while no load balancer holds the meeting's address.
    assert!(Reads::Reconcile(Intent::Tick).addresses(true));
    assert!(Reads::Everything.addresses(true));
    for reads in [
        Reads::Status,
        Reads::Reconcile(Intent::Start),
        Reads::Reconcile(Intent::TaskChanged),
        Reads::Reconcile(Intent::Stop),
    ] {
        assert!(!reads.addresses(true), "{reads:?}");
        assert!(reads.addresses(false), "{reads:?}");
    }

    // Listeners: never for the status; for the plan unless both groups' targets are in use.
    let in_use = [target("10.0.0.5", TargetHealth::Initial)];
    let unused = [target("10.0.0.5", TargetHealth::Unused)];
    let reconcile = Reads::Reconcile(Intent::TaskChanged);
    assert!(!Reads::Status.listeners(&[&[], &[]]));
    assert!(Reads::Everything.listeners(&[&in_use, &in_use]));
    assert!(!reconcile.listeners(&[&in_use, &in_use]));
    assert!(
        reconcile.listeners(&[&in_use, &unused]),
        "a group no listener forwards to"
    );
    assert!(reconcile.listeners(&[&in_use, &[]]), "no target yet proves nothing");
}

#[test]
fn the_addresses_read_after_an_allocation_add_to_what_the_run_knows() {
    let config = config();
    let mut snapshot = idle();
    let step = click_allocation();
    assert_eq!(snapshot.record(&config, &step, answer(&step), t(0)), Reread::Addresses);
    // A concurrent start's allocation is listed; this run's own is not listed yet.
    snapshot.merge_addresses(vec![address("eipalloc-0")]);
    let mut known: Vec<_> = snapshot.addresses.iter().map(|a| a.allocation_id.as_str()).collect();
    known.sort();
    assert_eq!(known, ["eipalloc-0", "eipalloc-1"]);
    // Both starts agree on the lowest and release the other; neither allocates again.
    let steps = plan(&snapshot, Intent::Start, &config, t(0)).steps;
    assert!(
        !steps.iter().any(|s| matches!(s, Step::AllocateAddress { .. })),
        "{steps:?}"
    );
    assert!(steps.contains(&Step::ReleaseAddress {
        allocation_id: "eipalloc-1".into()
    }));
}
