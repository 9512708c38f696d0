//! What each trigger costs in AWS calls, counted by the local AWS's own log (not timed): every
//! call is a round trip and a share of the account's API rate (ELB throttles its Describe calls per
//! account and region), and the start page polls the status while people wait.
//! A meeting's whole life in trial mode, with ECS's events in the order AWS sends them.

use lifecycle_tests::local_aws::LocalAws;
use lifecycle_tests::world::World;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The most calls each trigger may make (issue: "A third of the AWS calls").
const BUDGET: &[(&str, usize)] = &[
    ("status while idle", 6),
    ("click", 15),
    ("status while starting", 6),
    ("task event, first with the IP", 10),
    ("RUNNING event", 10),
    ("status while ready", 6),
    ("status again within the second", 0),
    ("tick, meeting on", 9),
    ("STOPPED event", 12),
    ("tick, idle", 9),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_trigger_stays_within_its_call_budget() {
    let w = World::new(Arc::new(LocalAws::start()), "callbudget").await;
    w.h.aws.set_timings(0.5, 1.0, 0.5);
    let mut counted: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    w.calls_made();

    w.status().await;
    counted.insert("status while idle", w.calls_made());
    assert_eq!(w.click().await, 202);
    counted.insert("click", w.calls_made());
    w.status().await;
    counted.insert("status while starting", w.calls_made());

    // ECS reports the task as it goes; the first event with its IP registers it.
    let mut running_seen = false;
    for _ in 0..200 {
        for event in w.ecs().await {
            let status = event["detail"]["lastStatus"].as_str().unwrap_or_default().to_string();
            let first_with_ip = lifecycle_tests::scheduler::task_ip(&event).is_some()
                && !counted.contains_key("task event, first with the IP");
            w.deliver(&event).await;
            let calls = w.calls_made();
            if first_with_ip {
                counted.insert("task event, first with the IP", calls.clone());
            }
            if status == "RUNNING" {
                counted.insert("RUNNING event", calls);
                running_seen = true;
            }
        }
        if running_seen && w.status().await["phase"] == "ready" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // start-meeting serves a status read for a second (shared/src/recent_status.rs): after it, a
    // poll reads AWS again; within it, another costs nothing.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    w.calls_made();
    assert_eq!(w.status().await["phase"], "ready");
    counted.insert("status while ready", w.calls_made());
    w.status().await;
    counted.insert("status again within the second", w.calls_made());
    w.advance(chrono::Duration::minutes(1)).await;
    w.tick().await;
    counted.insert("tick, meeting on", w.calls_made());

    assert_eq!(w.stop().await, 202);
    w.calls_made();
    for event in w.ecs().await {
        let stopped = event["detail"]["lastStatus"] == "STOPPED";
        w.deliver(&event).await;
        if stopped {
            counted.insert("STOPPED event", w.calls_made());
        }
    }
    w.advance(chrono::Duration::minutes(1)).await;
    w.tick().await;
    counted.insert("tick, idle", w.calls_made());
    assert!(w.h.inventory().await.is_idle());

    println!("calls per trigger (budget):");
    let mut over = Vec::new();
    for (trigger, budget) in BUDGET {
        let calls = counted
            .get(trigger)
            .unwrap_or_else(|| panic!("{trigger} never happened: {counted:?}"));
        println!("  {trigger:<30} {:>2} ({budget:>2})  {}", calls.len(), calls.join(" "));
        if calls.len() > *budget {
            over.push(format!("{trigger}: {} > {budget}: {calls:?}", calls.len()));
        }
    }
    assert!(over.is_empty(), "over budget:\n{}", over.join("\n"));
}
