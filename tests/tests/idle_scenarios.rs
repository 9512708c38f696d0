//! The idle timer's decisions against the local AWS, through the real handlers: who counts as
//! being in the meeting (media, or a signalling connection held minute after minute), who does
//! not (internet scanners), and when an unused meeting ends.

use chrono::Duration;
use lifecycle::config::IdlePolicy;
use lifecycle::Time;
use lifecycle_tests::local_aws::LocalAws;
use lifecycle_tests::scheduler::MinuteTraffic;
use lifecycle_tests::world::{People, World};
use std::sync::Arc;

async fn world(name: &str) -> World {
    World::new(Arc::new(LocalAws::start()), name).await
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

/// A ready meeting, and when it started: the click, by the scenario's clock (which the click
/// records on the meeting's address; the status shows the load balancer's creation, a moment later
/// on AWS's clock, which here is not the scenario's).
async fn ready_meeting(w: &World) -> Time {
    let clicked = w.now();
    w.ready_meeting().await;
    clicked
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_one_to_one_call_without_media_through_the_bridge_is_never_ended() {
    let w = world("onetoone").await;
    w.ready_meeting().await;
    // Two people peer-to-peer: no media on the bridge, only their signalling connections.
    w.people_join(People::ONE_TO_ONE).await;
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
    w.ready_meeting().await;
    w.people_join(People::WAITING).await;
    assert_eq!(tick_every_minute(&w, 30).await, None);
    w.people_leave();
    w.stop_and_settle().await;
    w.report();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_meeting_nobody_joins_ends_at_the_no_show_timeout_and_not_before() {
    let w = world("noshow").await;
    let started = ready_meeting(&w).await;
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
    let started = ready_meeting(&w).await;
    w.people_join(People::TALKING).await;
    assert_ended_on_time(tick_every_minute(&w, 35).await, started, cap, "max_length");
    w.people_leave();
    let idle = w.settle().await;
    assert!(idle.is_idle(), "{idle:?}");
    w.report();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn minutes_without_datapoints_count_as_no_flows() {
    let w = world("gaps").await;
    w.ready_meeting().await;
    w.people_join(People::TALKING).await;
    w.advance(Duration::minutes(12)).await;
    // CloudWatch has no datapoint for an NLB minute without flows: a short gap is not the end…
    w.people_leave();
    assert_eq!(tick_every_minute(&w, 6).await, None);
    w.people_join(People::TALKING).await;
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
async fn scanners_do_not_keep_a_meeting_nobody_joined_alive() {
    // A public address is probed within minutes: short TCP flows every minute, and now and then a
    // crawler that fetches the page. None of it is a person in the meeting.
    let w = world("scannednoshow").await;
    let started = ready_meeting(&w).await;
    let no_show = w.h.config().idle.no_show;
    let mut ended = None;
    for minute in 0..no_show.num_minutes() + 2 {
        w.advance(Duration::minutes(1)).await;
        let probe = if minute % 5 == 0 {
            MinuteTraffic::PAGE_FETCH
        } else {
            MinuteTraffic::PORT_SCAN
        };
        w.scanned(probe).await;
        let tick = w.tick().await.expect("the tick runs");
        if let Some(reason) = tick["stop_reason"].as_str() {
            ended = Some((w.now(), reason.to_string()));
            break;
        }
    }
    assert_ended_on_time(ended, started, no_show, "no_show");
    let idle = w.settle().await;
    assert!(idle.is_idle(), "{idle:?}");
    w.report();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scanners_after_everyone_left_do_not_delay_the_idle_stop() {
    let w = world("scannedidle").await;
    w.ready_meeting().await;
    w.people_join(People::TALKING).await;
    w.advance(Duration::minutes(12)).await;
    w.people_leave();
    let last_flows = w.last_flows_end().expect("they made flows");
    let idle = w.h.config().idle.idle;
    let mut ended = None;
    for _ in 0..idle.num_minutes() + 2 {
        w.advance(Duration::minutes(1)).await;
        w.scanned(MinuteTraffic::PORT_SCAN).await;
        let tick = w.tick().await.expect("the tick runs");
        if let Some(reason) = tick["stop_reason"].as_str() {
            ended = Some((w.now(), reason.to_string()));
            break;
        }
    }
    assert_ended_on_time(ended, last_flows, idle, "idle");
    w.report();
}
