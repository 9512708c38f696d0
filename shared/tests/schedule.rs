//! Scheduled windows in the plan: a tick inside a window wants the meeting and suspends the idle
//! rules; after it they apply as usual; a manual stop after the window woke is respected.

mod common;

use chrono::Duration;
use common::*;
use lifecycle::config::Config;
use lifecycle::model::*;
use lifecycle::plan::{plan, Intent, Step, StopReason};
use lifecycle::schedule::Schedule;

/// Every day 12:30 UTC for 45 minutes (t(30) to t(75)); it wakes 7 minutes before, at t(23).
fn scheduled() -> Config {
    let mut config = config();
    config.schedule = Schedule::parse(
        r#"[{"name":"standup","schedule":"cron(30 12 * * ? *)","minutes":45}]"#,
        Duration::minutes(7),
    )
    .unwrap();
    config.manual_stop_parameter = Some("/jitsi/schedule/manual-stop".into());
    config
}

fn planned(snapshot: &Snapshot, intent: Intent, minute: i64) -> (Vec<Step>, Option<StopReason>) {
    let plan = plan(snapshot, intent, &scheduled(), t(minute));
    (plan.steps, plan.stop_reason)
}

/// Ready since t(0), nobody ever came (no traffic at all).
fn empty_meeting() -> Snapshot {
    Snapshot {
        traffic: Some(Traffic::default()),
        ..ready()
    }
}

#[test]
fn a_tick_from_the_wake_up_starts_the_meeting_for_the_window() {
    let (steps, _) = planned(&idle(), Intent::Tick, 23);
    assert_eq!(
        steps,
        vec![Step::AllocateAddress {
            started_by: "schedule:standup".into()
        }]
    );
    assert!(planned(&idle(), Intent::Tick, 22).0.is_empty(), "before the wake-up");
    assert!(planned(&idle(), Intent::Tick, 75).0.is_empty(), "at the window's end");
}

#[test]
fn only_ticks_start_for_a_window() {
    // A task event is no cue to start: the schedule's invocation and the ticks are.
    assert!(planned(&idle(), Intent::TaskChanged, 40).0.is_empty());
}

#[test]
fn inside_the_window_an_empty_meeting_stays_up_and_after_it_the_rules_apply() {
    // Without a window, nobody in 40 minutes is a no-show (15 min) ...
    let unscheduled = plan(&empty_meeting(), Intent::Tick, &config(), t(40));
    assert_eq!(unscheduled.stop_reason, Some(StopReason::NoShow));
    // ... inside it, nothing ends it, not even after the window's length in no-shows ...
    for minute in [23, 40, 74] {
        assert_eq!(
            planned(&empty_meeting(), Intent::Tick, minute),
            (vec![], None),
            "t({minute})"
        );
    }
    // ... and at its end the no-show rule ends it.
    let (steps, reason) = planned(&empty_meeting(), Intent::Tick, 75);
    assert_eq!(reason, Some(StopReason::NoShow));
    assert_eq!(steps, vec![Step::SetDesiredCount(0)]);
}

#[test]
fn a_manual_stop_after_the_wake_up_is_respected_until_the_next_window() {
    let stopped = Snapshot {
        manual_stop_at: Some(t(40)),
        ..idle()
    };
    assert!(planned(&stopped, Intent::Tick, 41).0.is_empty());
    // A stop before the window woke (yesterday's, or before 12:23) does not hold it back.
    let earlier = Snapshot {
        manual_stop_at: Some(t(10)),
        ..idle()
    };
    assert_eq!(planned(&earlier, Intent::Tick, 41).0.len(), 1);
    // The next day's window starts again.
    assert_eq!(planned(&stopped, Intent::Tick, 24 * 60 + 23).0.len(), 1);
}

#[test]
fn a_meeting_restarted_by_hand_inside_a_stopped_window_follows_the_idle_rules() {
    let restarted = Snapshot {
        manual_stop_at: Some(t(30)),
        ..empty_meeting()
    };
    assert_eq!(planned(&restarted, Intent::Tick, 40).1, Some(StopReason::NoShow));
}

#[test]
fn the_status_and_the_page_show_the_next_scheduled_meeting() {
    let status = lifecycle::status::status(&idle(), &scheduled(), t(40));
    let next = status.next_scheduled.clone().expect("a next meeting");
    // t(40) is inside today's window: the next one is tomorrow's.
    assert_eq!(
        (next.window.as_str(), next.starts, next.wakes),
        ("standup", t(24 * 60 + 30), t(24 * 60 + 23))
    );
    assert_eq!(
        status.public().next_scheduled,
        status.next_scheduled,
        "times are public"
    );
    let page = lifecycle::page::render(&status, None);
    assert!(
        page.contains(
            "Next scheduled meeting: standup, Tue 24 Nov 12:30 UTC for 45 min. It starts by itself at 12:23 UTC."
        ),
        "{page}"
    );
    let unscheduled = lifecycle::status::status(&idle(), &config(), t(40));
    assert_eq!(unscheduled.next_scheduled, None);
    assert!(lifecycle::page::render(&unscheduled, None).contains(r#"<p id="next-scheduled" class="hint" hidden>"#));
}
