//! Scheduled meetings through the real handlers: EventBridge Scheduler's invocation and the
//! ticks against the local AWS, with the scenario's clock. A window starts its meeting ahead of
//! time and keeps it up while empty; a manual stop inside it is respected; overlapping windows
//! keep the meeting to the last one's end; an invocation outside every window starts nothing.

use chrono::Duration;
use lifecycle_tests::local_aws::LocalAws;
use lifecycle_tests::world::{daily_window, World, LEAD_MINUTES};
use std::sync::Arc;

async fn world(name: &str) -> World {
    World::new(Arc::new(LocalAws::start()), name).await
}

async fn desired(w: &World) -> i32 {
    w.h.inventory().await.desired_count
}

/// Ticks once a minute until `until`, checking after each that the meeting is still wanted.
async fn ticks_keep_it_up(w: &World, until: lifecycle::Time) {
    while w.now() + Duration::minutes(1) < until {
        w.advance(Duration::minutes(1)).await;
        let answer = w.tick().await.expect("the tick runs");
        assert!(answer["stop_reason"].is_null(), "{} at {}: {answer}", w.name, w.now());
        w.ecs_and_events().await;
        assert_eq!(desired(&w).await, 1, "{} at {}", w.name, w.now());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_window_starts_its_meeting_ahead_and_keeps_it_up_empty_until_its_end() {
    let w = world("schedahead").await;
    let starts = w.minutes_ahead(10);
    let w = w.with_windows(&[daily_window("standup", starts, 30)]);
    let status = w.status().await;
    assert_eq!(status["next_scheduled"]["window"], "standup", "{status}");
    let shown: lifecycle::Time = serde_json::from_value(status["next_scheduled"]["starts"].clone()).unwrap();
    assert_eq!(shown, starts);

    // Too early: the invocation is only a cue, and the functions' clock says no.
    w.scheduled_invocation("standup").await;
    assert!(w.h.inventory().await.is_idle());

    w.advance(starts - Duration::minutes(LEAD_MINUTES) - w.now()).await;
    let answer = w.scheduled_invocation("standup").await.unwrap();
    assert_eq!(answer["phase"], "starting", "{answer}");
    w.settle().await;
    assert_eq!(w.status().await["phase"], "ready");
    assert!(w.now() < starts, "ready at {} for a window at {starts}", w.now());
    assert_eq!(w.started_by().await, ["schedule:standup"]);

    // Nobody comes: the window keeps the meeting up to its end, the no-show rule ends it then.
    let ends = starts + Duration::minutes(30);
    ticks_keep_it_up(&w, ends).await;
    w.advance(ends - w.now()).await;
    let answer = w.tick().await.unwrap();
    assert_eq!(answer["stop_reason"], "no_show", "{answer}");
    assert!(w.settle().await.is_idle());
    w.report();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manual_stop_inside_a_window_is_respected_until_the_next_one() {
    let w = world("schedstop").await;
    let starts = w.minutes_ahead(2);
    let w = w.with_windows(&[daily_window("standup", starts, 30)]);
    w.scheduled_invocation("standup").await;
    w.settle().await;
    assert_eq!(w.status().await["phase"], "ready");

    w.stop_and_settle().await;
    for _ in 0..5 {
        w.advance(Duration::minutes(1)).await;
        w.tick().await;
        w.scheduled_invocation("standup").await; // a replay
        w.ecs_and_events().await;
        assert!(w.h.inventory().await.is_idle(), "restarted at {}", w.now());
    }

    // The next day's window starts again.
    let tomorrow = starts + Duration::days(1) - Duration::minutes(LEAD_MINUTES);
    w.advance(tomorrow - w.now()).await;
    w.scheduled_invocation("standup").await;
    assert_eq!(desired(&w).await, 1);
    w.stop_and_settle().await;
    w.report();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overlapping_windows_keep_the_meeting_until_the_last_one_ends() {
    let w = world("schedoverlap").await;
    let first = w.minutes_ahead(10);
    let second = first + Duration::minutes(20);
    let w = w.with_windows(&[daily_window("first", first, 30), daily_window("second", second, 30)]);
    w.advance(first - Duration::minutes(LEAD_MINUTES) - w.now()).await;
    w.scheduled_invocation("first").await;
    w.settle().await;
    let meeting = w.h.inventory().await;

    let ends = second + Duration::minutes(30);
    ticks_keep_it_up(&w, ends).await;
    // The second window's own invocation finds the meeting up: one meeting throughout.
    assert_eq!(w.h.inventory().await.load_balancers, meeting.load_balancers);
    w.advance(ends - w.now()).await;
    assert_eq!(w.tick().await.unwrap()["stop_reason"], "no_show");
    assert!(w.settle().await.is_idle());
    w.report();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_or_replayed_invocation_outside_every_window_starts_nothing() {
    let w = world("schedforged").await;
    let starts = w.minutes_ahead(120);
    let w = w.with_windows(&[daily_window("standup", starts, 30)]);
    for name in ["standup", "no-such-window", ""] {
        let answer = w.scheduled_invocation(name).await.unwrap();
        assert_eq!(answer["phase"], "idle", "{name}: {answer}");
    }
    // Replayed after the window's end.
    w.advance(starts + Duration::minutes(31) - w.now()).await;
    w.scheduled_invocation("standup").await;
    w.tick().await;
    let inventory = w.h.inventory().await;
    assert!(inventory.is_idle(), "{inventory:?}");
    assert!(inventory.addresses.is_empty());
    w.report();
}
