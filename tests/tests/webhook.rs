//! The ready and end notifications through the real handlers, to a receiver on loopback: once per
//! meeting and event under concurrent triggers and duplicate events, retried after a failure, and
//! never holding a start back.

use chrono::Duration;
use lifecycle_tests::local_aws::LocalAws;
use lifecycle_tests::webhook::{Answer, Receiver};
use lifecycle_tests::world::World;
use std::sync::Arc;

async fn world(name: &str, receiver: &Receiver) -> World {
    World::new(Arc::new(LocalAws::start()), name)
        .await
        .with_webhook(receiver)
        .await
}

/// Four triggers at once, as a tick, a duplicate tick and task events may come.
async fn four_at_once(w: &World, event: &serde_json::Value) {
    tokio::join!(w.tick(), w.tick(), w.tick(), w.deliver(event));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn each_event_is_sent_once_under_concurrent_triggers_and_duplicate_events() {
    let receiver = Receiver::start();
    let w = world("hookonce", &receiver).await;
    assert_eq!(w.click().await, 202);
    let events = w.ecs().await;
    for event in &events {
        w.deliver(event).await;
        w.deliver(event).await; // EventBridge delivers at least once
    }
    let status = w.status().await;
    assert_eq!(status["phase"], "ready");
    let last = events.last().expect("the task's events").clone();
    for _ in 0..3 {
        four_at_once(&w, &last).await;
    }

    let ready = receiver.events("ready");
    assert_eq!(ready.len(), 1, "{ready:?}");
    assert_eq!(ready[0]["meeting_url"], status["meeting_url"]);
    assert_eq!(ready[0]["started_by"], "a click on the start page");
    assert!(
        ready[0]["seconds_to_ready"].as_i64().is_some_and(|s| s >= 0),
        "{}",
        ready[0]
    );
    assert!(ready[0]["text"]
        .as_str()
        .unwrap()
        .starts_with("The meeting is ready: https://"));

    w.advance(Duration::minutes(20)).await;
    assert_eq!(w.stop().await, 202);
    for _ in 0..3 {
        four_at_once(&w, &last).await;
    }
    w.settle().await;
    let ended = receiver.events("ended");
    assert_eq!(ended.len(), 1, "{ended:?}");
    assert_eq!(ended[0]["reason"], "stopped by hand");
    let seconds = ended[0]["seconds_long"].as_i64().unwrap();
    assert!((19 * 60..25 * 60).contains(&seconds), "{seconds} s");
    // 2 vCPU / 4 GB arm64 for ~21 min ($0.079/h), one NLB hour ($0.0225), two IPv4 addresses.
    let cost = ended[0]["cost_usd"].as_f64().unwrap();
    assert!((0.045..0.06).contains(&cost), "{cost}");
    assert_eq!(receiver.received().len(), 2, "nothing else was sent");
    w.report();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_webhook_is_retried_on_the_next_triggers_until_it_answers() {
    let receiver = Receiver::start();
    let w = world("hookretry", &receiver).await;
    receiver.answer_next(&[Answer::Status(503), Answer::Status(500)]);
    w.ready_meeting().await;
    for _ in 0..4 {
        w.advance(Duration::minutes(1)).await;
        w.tick().await;
    }
    let ready = receiver.events("ready");
    assert_eq!(
        ready.len(),
        3,
        "two failures, then one success and nothing more: {ready:?}"
    );
    assert!(
        ready.windows(2).all(|pair| pair[0] == pair[1]),
        "the same message each time"
    );
    w.stop_and_settle().await;
    assert_eq!(receiver.events("ended").len(), 1);
    w.report();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_that_never_answers_holds_no_start_back_and_is_tried_again() {
    let receiver = Receiver::start();
    let w = world("hookhang", &receiver).await;
    receiver.answer_next(&[Answer::Hang(std::time::Duration::from_secs(30)); 3]);
    // The click answers and the meeting comes up while the receiver hangs.
    w.ready_meeting().await;
    // Each tick tries, gives up on the hung POST within its budget and succeeds; the next one
    // tries again, until the receiver answers; then nothing more is sent.
    for _ in 0..5 {
        w.advance(Duration::minutes(1)).await;
        let answer = w.tick().await.expect("the tick did not fail");
        assert_eq!(answer["phase"], "ready");
    }
    assert_eq!(
        receiver.events("ready").len(),
        4,
        "three hung attempts, then one answered"
    );
    w.stop_and_settle().await;
    w.report();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_whose_later_steps_fail_still_tells_the_end() {
    let receiver = Receiver::start();
    let w = world("hookendfault", &receiver).await;
    w.ready_meeting().await;
    // The task is gone, so the stop goes on to delete the load balancer, which keeps failing:
    // the stop's run fails after it lowered the desired count.
    w.crash().await.expect("a running task");
    w.inject(serde_json::json!([{ "operation": "DeleteLoadBalancer", "kind": "unavailable", "count": 50 }]));
    assert!(w.stop_request().await >= 500, "the stop's run fails");
    w.clear_faults();
    w.settle().await;
    let ended = receiver.events("ended");
    assert_eq!(ended.len(), 1, "{ended:?}");
    assert_eq!(ended[0]["reason"], "stopped by hand");
    w.report();
}
