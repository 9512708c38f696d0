use super::*;
use crate::control::Step;

fn step(name: &str, state: &str, detail: Option<&str>) -> Step {
    Step {
        name: name.into(),
        state: state.into(),
        since: None,
        detail: detail.map(str::to_string),
    }
}

fn status(phase: &str, steps: Vec<Step>) -> Status {
    Status {
        phase: phase.into(),
        summary: None,
        steps,
        meeting_url: (phase == "ready").then(|| "https://m.elb.amazonaws.com/".into()),
        error: None,
        started_at: None,
        observed_at: None,
    }
}

#[test]
fn prints_only_changes_with_the_time_since_the_click() {
    let mut timeline = Timeline::new();
    let first = status(
        "starting",
        vec![
            step("address", "done", Some("203.0.113.10")),
            step("load_balancer", "in_progress", Some("provisioning")),
        ],
    );
    assert_eq!(
        timeline.observe(&first, Duration::from_millis(1_200)),
        [
            "     +1.2s  == STARTING ==",
            "     +1.2s     address        done (203.0.113.10)",
            "     +1.2s     load balancer  in progress (provisioning)"
        ]
    );
    assert!(
        timeline.observe(&first, Duration::from_secs(3)).is_empty(),
        "nothing changed"
    );
    let ready = status(
        "ready",
        vec![
            step("address", "done", Some("203.0.113.10")),
            step("load_balancer", "done", Some("active")),
        ],
    );
    assert_eq!(
        timeline.observe(&ready, Duration::from_secs(95)),
        [
            "    +1m35s  == READY ==  https://m.elb.amazonaws.com/",
            "    +1m35s     load balancer  done (active)"
        ]
    );
    let labels: Vec<(&str, u64)> = timeline
        .timings
        .iter()
        .map(|t| (t.label.as_str(), t.since_click.as_secs()))
        .collect();
    assert_eq!(
        labels,
        [
            ("address done", 1),
            ("ready (click to ready)", 95),
            ("load balancer done", 95)
        ]
    );
}

#[test]
fn a_failed_step_is_a_problem_at_once() {
    let mut timeline = Timeline::new();
    let failed = status("starting", vec![step("load_balancer", "failed", Some("failed"))]);
    assert_eq!(
        timeline.problem(&failed).as_deref(),
        Some("step load balancer failed (failed)")
    );
}

#[test]
fn going_back_to_idle_counts_only_when_it_lasts() {
    let mut timeline = Timeline::new();
    let idle = status("idle", vec![]);
    assert_eq!(timeline.problem(&idle), None);
    assert_eq!(timeline.problem(&idle), None);
    assert_eq!(
        timeline.problem(&idle).as_deref(),
        Some("the meeting went idle during the start: someone stopped it, or the idle check did")
    );
    let mut flapping = Timeline::new();
    for _ in 0..5 {
        assert_eq!(flapping.problem(&idle), None);
        assert_eq!(flapping.problem(&status("starting", vec![])), None);
    }
}

fn task(status: &str, created: &str) -> TaskFacts {
    TaskFacts {
        arn: format!("arn:task/{created}"),
        last_status: status.into(),
        desired_status: "STOPPED".into(),
        private_ip: None,
        created: Some(created.parse().unwrap()),
        pull_started: None,
        stopped: None,
        stopped_reason: Some("CannotPullContainerError: toomanyrequests".into()),
        container_reasons: vec![],
    }
}

#[test]
fn only_tasks_of_this_start_count_as_stopped() {
    let clicked: DateTime<Utc> = "2026-11-25T10:00:00Z".parse().unwrap();
    let earlier = task("STOPPED", "2026-11-25T09:20:00Z");
    assert_eq!(stopped_since(std::slice::from_ref(&earlier), clicked), None);
    let this = task("STOPPED", "2026-11-25T10:00:05Z");
    let running = task("RUNNING", "2026-11-25T10:01:00Z");
    assert_eq!(stopped_since(&[earlier, this.clone(), running], clicked), Some(&this));
    // A meeting stopped half a minute before the click: its task is not this start's.
    let just_before = task("STOPPED", "2026-11-25T09:59:30Z");
    assert_eq!(stopped_since(&[just_before], clicked), None);
}

#[test]
fn a_task_scaled_in_by_a_stop_is_not_a_failure() {
    let clicked: DateTime<Utc> = "2026-11-25T10:00:00Z".parse().unwrap();
    let mut scaled_in = task("STOPPED", "2026-11-25T10:00:05Z");
    scaled_in.stopped_reason = Some("Scaling activity initiated by (deployment ecs-svc/123)".into());
    assert_eq!(stopped_since(&[scaled_in], clicked), None);
}
