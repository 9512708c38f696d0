//! The race suite: starts and stops that cross, events that come twice, late, out of order or
//! for someone else, a task that dies, and the idle timer's decisions. Each scenario drives the
//! real handlers against the local AWS with the scenario's own clock; the world checks the
//! invariants after every invocation and prints what it checked (`cargo test -- --show-output`).

use chrono::Duration;
use lifecycle::config::IdlePolicy;
use lifecycle::Time;
use lifecycle_tests::local_aws::LocalAws;
use lifecycle_tests::scheduler::task_ip;
use lifecycle_tests::world::{People, World};
use serde_json::{json, Value};
use std::sync::Arc;

const TALKING: People = People {
    media_flows: 4.0,
    signalling_flows: 2.0,
};

async fn world(name: &str) -> World {
    World::new(Arc::new(LocalAws::start()), name).await
}

/// Click, ECS launches the task, its event registers it: the meeting is ready.
async fn ready_meeting(w: &World) -> Value {
    assert_eq!(w.click().await, 202);
    w.ecs_and_events().await;
    let status = w.status().await;
    assert_eq!(status["phase"], "ready", "{status}");
    status
}

/// Ends the meeting by hand and checks that nothing is left.
async fn stop_and_settle(w: &World) {
    assert_eq!(w.stop().await, 202);
    let idle = w.settle().await;
    assert!(idle.is_idle(), "{idle:?}");
}

fn private_ip(event: &Value) -> String {
    task_ip(event).expect("the event carries the task's IP").to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_starts_at_once_make_one_meeting() {
    let w = world("twostarts").await;
    let (a, b) = tokio::join!(w.start_request(), w.start_request());
    assert_eq!((w.after_http(a).await, w.after_http(b).await), (202, 202));
    w.ecs_and_events().await;
    assert_eq!(w.status().await["phase"], "ready");
    let inventory = w.settle().await;
    assert_eq!(inventory.load_balancers.len(), 1);
    stop_and_settle(&w).await;
    w.report();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_start_during_a_stop_keeps_the_load_balancer_if_it_is_still_there() {
    let w = world("startinstop").await;
    ready_meeting(&w).await;
    let before = w.h.inventory().await;

    assert_eq!(w.stop().await, 202);
    let stopped = w.ecs().await; // ECS stops the task; its event is still on its way
    assert_eq!(stopped.len(), 1);
    assert_eq!(w.click().await, 202);
    for event in &stopped {
        w.deliver(event).await;
    }
    w.ecs_and_events().await;
    let after = w.settle().await;
    assert_eq!(
        after.load_balancers, before.load_balancers,
        "the same load balancer serves on"
    );
    assert_eq!(after.addresses, before.addresses);
    assert_ne!(
        after.jvb_targets, before.jvb_targets,
        "the new task is registered, the old one gone"
    );

    stop_and_settle(&w).await;
    w.report();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_start_after_the_load_balancer_is_deleted_makes_a_new_meeting() {
    let w = world("startafterstop").await;
    ready_meeting(&w).await;
    assert_eq!(w.stop().await, 202);
    w.ecs_and_events().await;
    assert!(w.h.inventory().await.is_idle());
    ready_meeting(&w).await;
    w.settle().await;
    stop_and_settle(&w).await;
    w.report();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_during_a_start_wins_or_loses_but_leaves_a_consistent_account() {
    let w = world("stopinstart").await;
    // Before ECS has launched anything.
    assert_eq!(w.click().await, 202);
    assert_eq!(w.stop().await, 202);
    let idle = w.settle().await;
    assert!(idle.is_idle(), "{idle:?}");

    // At the same moment: either order is a valid outcome, as long as AWS matches it.
    let (start, stop) = tokio::join!(w.start_request(), w.stop_request());
    assert_eq!((w.after_http(start).await, w.after_http(stop).await), (202, 202));
    w.settle().await;
    stop_and_settle(&w).await;
    w.report();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manual_stop_while_the_idle_timer_runs() {
    let w = world("stopidle").await;
    ready_meeting(&w).await;
    w.people_join(TALKING).await;
    w.advance(Duration::minutes(12)).await;
    w.people_leave();
    w.advance(Duration::minutes(5)).await;
    let tick = w.tick().await.expect("the tick runs");
    assert!(tick["stop_reason"].is_null(), "five idle minutes are not ten: {tick}");
    stop_and_settle(&w).await;
    w.report();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn task_events_duplicated_out_of_order_late_foreign_or_malformed_change_nothing_wrong() {
    let w = world("events").await;
    assert_eq!(w.click().await, 202);

    // Task A starts and dies at once; EventBridge delivers its STOPPED before its RUNNING.
    let running_a = w.ecs().await;
    assert_eq!(running_a.len(), 1);
    let stopped_a = w.crash().await.expect("task A is running");
    w.deliver(&stopped_a).await;
    w.deliver(&running_a[0]).await;
    let inventory = w.h.inventory().await;
    assert!(
        inventory.jvb_targets.is_empty(),
        "a dead task is never registered: {inventory:?}"
    );

    // ECS replaces it with B; every event comes twice.
    let running_b = w.ecs().await;
    assert_eq!(running_b.len(), 1);
    for event in running_b.iter().chain(&running_b) {
        w.deliver(event).await;
    }
    let ip_b = private_ip(&running_b[0]);
    let ready = w.h.inventory().await;
    assert_eq!(ready.jvb_targets, vec![ip_b.clone()]);
    assert_eq!(ready.web_targets, vec![ip_b]);

    // A's events again, long after it was replaced; then events that are not ours or not events.
    let mut other_cluster = running_b[0].clone();
    other_cluster["detail"]["clusterArn"] = json!("arn:aws:ecs:us-east-1:123456789012:cluster/someone-else");
    let mut other_service = running_b[0].clone();
    other_service["detail"]["group"] = json!("service:someone-else");
    let mut not_ecs = running_b[0].clone();
    not_ecs["source"] = json!("aws.ec2");
    let noise = [
        running_a[0].clone(),
        stopped_a,
        other_cluster,
        other_service,
        not_ecs,
        json!({"detail-type": "ECS Task State Change", "source": "aws.ecs", "detail": "garbage"}),
        json!({}),
        json!(42),
        json!(null),
    ];
    for event in &noise {
        let answer = w.deliver(event).await.expect("task-state never fails on an event");
        assert_eq!(w.h.inventory().await, ready, "{event} changed something: {answer}");
    }
    w.settle().await;
    stop_and_settle(&w).await;
    w.report();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crashed_task_is_replaced_and_the_meeting_keeps_its_address() {
    let w = world("crash").await;
    let before = ready_meeting(&w).await;
    let old = w.h.inventory().await;

    let stopped = w.crash().await.expect("the task is running");
    w.deliver(&stopped).await;
    let gap = w.h.inventory().await;
    assert!(gap.jvb_targets.is_empty(), "the dead task is deregistered: {gap:?}");
    assert_eq!(
        gap.load_balancers, old.load_balancers,
        "the meeting's load balancer stays"
    );

    w.ecs_and_events().await;
    let after = w.status().await;
    assert_eq!(after["phase"], "ready", "{after}");
    assert_eq!(after["meeting_url"], before["meeting_url"]);
    let new = w.h.inventory().await;
    assert_eq!(new.addresses, old.addresses);
    assert_eq!(new.advertised, old.advertised);
    assert_eq!(new.jvb_targets.len(), 1);
    assert_ne!(new.jvb_targets, old.jvb_targets);
    stop_and_settle(&w).await;
    w.report();
}

/// Ticks once a minute for `minutes`; returns when the tick that ended the meeting ran and why,
/// if one did.
async fn tick_every_minute(w: &World, minutes: i64) -> Option<(Time, String)> {
    for _ in 0..minutes {
        w.advance(Duration::minutes(1)).await;
        let tick = w.tick().await.expect("the tick runs");
        if let Some(reason) = tick["stop_reason"].as_str() {
            return Some((w.now(), reason.to_string()));
        }
    }
    None
}

/// The meeting ended at the first tick `timeout` or more after `since`, not a tick earlier.
fn assert_ended_on_time(ended: Option<(Time, String)>, since: Time, timeout: Duration, why: &str) {
    let (at, reason) = ended.unwrap_or_else(|| panic!("the meeting was not ended ({why})"));
    assert_eq!(reason, why);
    assert!(at - since >= timeout, "ended {} early", timeout - (at - since));
    assert!(
        at - Duration::minutes(1) - since < timeout,
        "ended at {at}, a tick later than {since} + {timeout}"
    );
}

fn started_at(status: &Value) -> Time {
    status["started_at"]
        .as_str()
        .expect("a started meeting has a start")
        .parse()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_one_to_one_call_without_media_through_the_bridge_is_never_ended() {
    let w = world("onetoone").await;
    ready_meeting(&w).await;
    // Two people peer-to-peer: no media on the bridge, only their signalling connections.
    w.people_join(People {
        media_flows: 0.0,
        signalling_flows: 2.0,
    })
    .await;
    assert_eq!(tick_every_minute(&w, 40).await, None);
    w.people_leave();
    let idle = w.h.config().idle.idle;
    let last_flows = w.last_flows_end().expect("they made flows");
    assert_ended_on_time(tick_every_minute(&w, 15).await, last_flows, idle, "idle");
    w.report();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_person_waiting_for_the_others_is_not_ended_early() {
    let w = world("oneperson").await;
    ready_meeting(&w).await;
    w.people_join(People {
        media_flows: 0.0,
        signalling_flows: 1.0,
    })
    .await;
    assert_eq!(tick_every_minute(&w, 30).await, None);
    w.people_leave();
    stop_and_settle(&w).await;
    w.report();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_meeting_nobody_joins_ends_at_the_no_show_timeout_and_not_before() {
    let w = world("noshow").await;
    let started = started_at(&ready_meeting(&w).await);
    let no_show = w.h.config().idle.no_show;
    let ended = tick_every_minute(&w, no_show.num_minutes() + 2).await;
    assert_ended_on_time(ended, started, no_show, "no_show");
    let idle = w.settle().await;
    assert!(idle.is_idle(), "{idle:?}");
    w.report();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_meeting_past_its_cap_is_ended_even_with_people_in_it() {
    let mut w = world("cap").await;
    let cap = Duration::minutes(30);
    w.set_idle_policy(IdlePolicy {
        max_length: cap,
        ..IdlePolicy::default()
    });
    let started = started_at(&ready_meeting(&w).await);
    w.people_join(TALKING).await;
    assert_ended_on_time(tick_every_minute(&w, 35).await, started, cap, "max_length");
    w.people_leave();
    let idle = w.settle().await;
    assert!(idle.is_idle(), "{idle:?}");
    w.report();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn minutes_without_datapoints_count_as_no_flows() {
    let w = world("gaps").await;
    ready_meeting(&w).await;
    w.people_join(TALKING).await;
    w.advance(Duration::minutes(12)).await;
    // CloudWatch has no datapoint for an NLB minute without flows: a short gap is not the end…
    w.people_leave();
    assert_eq!(tick_every_minute(&w, 6).await, None);
    w.people_join(TALKING).await;
    assert_eq!(tick_every_minute(&w, 5).await, None);
    // …a gap as long as the idle timeout is.
    w.people_leave();
    let idle = w.h.config().idle.idle;
    let last_flows = w.last_flows_end().expect("they made flows");
    assert_ended_on_time(tick_every_minute(&w, 12).await, last_flows, idle, "idle");
    let idle = w.settle().await;
    assert!(idle.is_idle(), "{idle:?}");
    w.report();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_custom_domain_the_record_follows_the_meeting_and_goes_with_it() {
    let w = world("domain").await.with_domain().await;
    let status = ready_meeting(&w).await;
    let up = w.settle().await;
    assert_eq!(
        up.dns_record, up.addresses,
        "the hostname points at the meeting's address"
    );
    let hostname = &w.h.config().dns.as_ref().unwrap().hostname;
    assert_eq!(status["meeting_url"], format!("https://{hostname}/"), "{status}");
    stop_and_settle(&w).await; // settle checks the record is gone with everything else
    w.report();
}
