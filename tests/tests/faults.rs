//! The fault suite: every AWS call the functions make fails in turn (throttling, a 5xx, a
//! timeout whose answer comes too late), and a Lambda is cut off after each change it makes. The
//! user retries a failed click once, as the page offers; AWS retries failed events; the schedule
//! ticks. Whatever happened, the world's invariants hold after every invocation and the account
//! converges within two ticks, with nothing left once the meeting is over.

use chrono::Duration;
use lifecycle_tests::local_aws::LocalAws;
use lifecycle_tests::world::{World, ATTEMPT_TIMEOUT, OPERATIONS};
use serde_json::{json, Value};
use std::sync::Arc;

/// A meeting's life with `rule` injected into its start and again into its end: click (retried
/// once by the user), the task's events, a tick while it runs, a manual stop (retried once).
/// Returns how many calls the fault hit.
async fn life_under(w: &World, rule: &Value) -> u64 {
    w.inject(json!([rule]));
    if w.click().await >= 500 {
        w.click().await;
    }
    w.ecs_and_events().await;
    w.advance(Duration::minutes(1)).await;
    w.tick().await;
    let mut hits = w.clear_faults();
    let up = w.settle().await;
    assert_eq!(up.desired_count, 1, "{}: the retried click started the meeting", w.name);

    w.inject(json!([rule]));
    if w.stop().await >= 500 {
        w.stop().await;
    }
    w.ecs_and_events().await;
    w.advance(Duration::minutes(1)).await;
    w.tick().await;
    hits += w.clear_faults();
    let down = w.settle().await;
    assert!(down.is_idle(), "{}: {down:?}", w.name);
    hits
}

/// Runs a life under `kind` for every operation, each with a fresh stack in one local AWS.
async fn every_operation_failing_with(kind: &str, rule_for: impl Fn(&str) -> Value) {
    let aws = Arc::new(LocalAws::start());
    for (i, operation) in OPERATIONS.iter().enumerate() {
        let w = World::impatient(aws.clone(), &format!("{kind}{i}"))
            .await
            .with_domain()
            .await;
        let hits = life_under(&w, &rule_for(operation)).await;
        assert!(
            hits > 0,
            "{operation} was never called: the list of operations is out of date"
        );
        println!("{kind} on {operation}: {}", w.figures());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_call_throttled_beyond_the_sdk_retries() {
    // The SDK makes three attempts: three throttles fail the call itself once.
    every_operation_failing_with(
        "throttle",
        |operation| json!({"operation": operation, "kind": "throttle", "count": 3}),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_call_failing_with_a_5xx_beyond_the_sdk_retries() {
    every_operation_failing_with(
        "5xx",
        |operation| json!({"operation": operation, "kind": "unavailable", "count": 3}),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_call_timing_out_after_it_was_carried_out() {
    // The change is made but its answer comes too late; the SDK retries it, so it is made twice.
    let late = ATTEMPT_TIMEOUT.as_secs_f64() + 0.5;
    every_operation_failing_with(
        "timeout",
        |operation| json!({"operation": operation, "kind": "timeout", "count": 1, "seconds": late}),
    )
    .await;
}

/// The most changes a start or a stop with its clean-up makes (a bound for the loops below).
const MOST_CHANGES: u32 = 12;

/// Runs `invocation` with AWS answering nothing after the functions' `changes`-th change, and
/// kills it as Lambda does at its timeout. Returns whether the cut-off was reached (an invocation
/// that makes fewer changes finishes first).
async fn cut_off_after<F: std::future::Future>(w: &World, changes: u32, invocation: F) -> bool {
    w.inject(json!([{"kind": "cutoff", "after": changes, "seconds": 60}]));
    tokio::pin!(invocation);
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    let cut = loop {
        tokio::select! {
            _ = &mut invocation => break w.cut_off_tripped(),
            _ = tokio::time::sleep(std::time::Duration::from_millis(50)) => {
                if w.cut_off_tripped() {
                    break true; // dropped here: the Lambda dies with the call in flight
                }
                assert!(tokio::time::Instant::now() < deadline, "{}: an invocation hangs with no cut-off", w.name);
            }
        }
    };
    w.clear_faults();
    cut
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_start_cut_off_after_each_change_is_finished_or_cleaned_up() {
    let aws = Arc::new(LocalAws::start());
    let mut changes = 0;
    loop {
        let w = World::new(aws.clone(), &format!("cutstart{changes}"))
            .await
            .with_domain()
            .await;
        if !cut_off_after(&w, changes, w.start_request()).await {
            break; // the whole start fits in `changes` changes: every cut has been tried
        }
        assert!(changes < MOST_CHANGES, "a start that never ends");
        // The user gave up: the schedule alone brings the account to what the desired count says.
        w.settle().await;
        // Or the user clicks again: the meeting comes up.
        assert_eq!(w.click().await, 202);
        let up = w.settle().await;
        assert_eq!(up.desired_count, 1);
        println!("start cut after {changes} changes: {}", w.figures());
        changes += 1;
    }
    assert!(changes >= 4, "a start makes several changes, cut after each: {changes}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_and_its_clean_up_cut_off_after_each_change_still_leave_nothing() {
    let aws = Arc::new(LocalAws::start());
    let mut changes = 0;
    loop {
        let w = World::new(aws.clone(), &format!("cutstop{changes}"))
            .await
            .with_domain()
            .await;
        assert_eq!(w.click().await, 202);
        w.ecs_and_events().await;
        // The manual stop, then the STOPPED event's clean-up, each cut after `changes` changes.
        let stop_cut = cut_off_after(&w, changes, w.stop_request()).await;
        let events = w.ecs().await;
        let mut cleanup_cut = false;
        for event in &events {
            cleanup_cut |= cut_off_after(&w, changes, w.deliver(event)).await;
        }
        if !stop_cut && !cleanup_cut {
            break;
        }
        assert!(changes < MOST_CHANGES, "a stop that never ends");
        if w.h.inventory().await.desired_count == 1 {
            // The stop was cut before it took: the user sees it fail and presses stop again.
            assert_eq!(w.stop().await, 202);
        }
        let idle = w.settle().await;
        assert!(idle.is_idle(), "{idle:?}");
        println!("stop cut after {changes} changes: {}", w.figures());
        changes += 1;
    }
    assert!(changes >= 3, "a stop makes several changes, cut after each: {changes}");
}
