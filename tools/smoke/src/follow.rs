//! Step 2: after the click, the status document until the meeting is ready, a step fails, a task
//! of this start stops, or the deadline passes. Each change of a step is printed with its time
//! since the click, as the start page shows it.

use crate::aws::{Aws, TaskFacts};
use crate::control::{Control, Status};
use crate::interrupt::Interrupt;
use crate::report::{duration, Timing};
use chrono::{DateTime, Utc};
use lifecycle::config::Config;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Consecutive status reads that fail before the run gives up on the Function URL.
const STATUS_FAILURES_TOLERATED: u32 = 5;
/// Polls in a row that must show the meeting idle or stopping again before that counts (a read
/// right after the click may still see the state before it).
const BACKSLIDES_TOLERATED: u32 = 3;

pub enum Ended {
    Ready(Status),
    Failed { status: Option<Status>, reason: String },
    Deadline(Option<Status>),
    Interrupted,
}

/// What has been seen since the click, to print changes only and to time each step.
pub struct Timeline {
    pub clicked: Instant,
    pub clicked_at: DateTime<Utc>,
    steps: HashMap<String, String>,
    phase: String,
    backslides: u32,
    pub timings: Vec<Timing>,
}

impl Timeline {
    pub fn new() -> Self {
        Self {
            clicked: Instant::now(),
            clicked_at: Utc::now(),
            steps: HashMap::new(),
            phase: String::new(),
            backslides: 0,
            timings: Vec::new(),
        }
    }

    /// The lines to print for what changed, `elapsed` after the click; notes when steps finish.
    pub fn observe(&mut self, status: &Status, elapsed: Duration) -> Vec<String> {
        let at = format!("+{}", duration(elapsed));
        let mut lines = Vec::new();
        if status.phase != self.phase {
            let url = status
                .meeting_url
                .as_deref()
                .map(|u| format!("  {u}"))
                .unwrap_or_default();
            lines.push(format!("  {at:>8}  == {} =={url}", status.phase.to_uppercase()));
            if status.phase == "ready" {
                self.timings.push(Timing {
                    label: "ready (click to ready)".into(),
                    since_click: elapsed,
                });
            }
            self.phase = status.phase.clone();
        }
        for step in &status.steps {
            let shown = match &step.detail {
                Some(detail) => format!("{} ({detail})", step.state.replace('_', " ")),
                None => step.state.replace('_', " "),
            };
            if self.steps.get(&step.name) == Some(&shown) {
                continue;
            }
            let name = step.name.replace('_', " ");
            lines.push(format!("  {at:>8}     {name:<14} {shown}"));
            let finished = matches!(step.state.as_str(), "done" | "skipped");
            if finished && !self.timings.iter().any(|t| t.label.starts_with(&format!("{name} "))) {
                self.timings.push(Timing {
                    label: format!("{name} {}", step.state),
                    since_click: elapsed,
                });
            }
            self.steps.insert(step.name.clone(), shown);
        }
        lines
    }

    /// Why the start cannot succeed, judging from the document alone.
    pub fn problem(&mut self, status: &Status) -> Option<String> {
        if let Some(step) = status.steps.iter().find(|s| s.state == "failed") {
            let detail = step.detail.as_deref().map(|d| format!(" ({d})")).unwrap_or_default();
            return Some(format!("step {} failed{detail}", step.name.replace('_', " ")));
        }
        if matches!(status.phase.as_str(), "idle" | "stopping") {
            self.backslides += 1;
            if self.backslides >= BACKSLIDES_TOLERATED {
                return Some(format!(
                    "the meeting went {} during the start: someone stopped it, or the idle check did",
                    status.phase
                ));
            }
        } else {
            self.backslides = 0;
        }
        None
    }
}

impl Default for Timeline {
    fn default() -> Self {
        Self::new()
    }
}

/// Tasks ECS created this long before the click still count as this start's: clocks differ.
pub const CLOCK_SLACK: chrono::Duration = chrono::Duration::seconds(10);

/// Whether ECS created this task for this start (ECS keeps an earlier meeting's stopped tasks for
/// about an hour).
pub fn of_this_start(task: &TaskFacts, clicked_at: DateTime<Utc>) -> bool {
    task.created.is_some_and(|created| created >= clicked_at - CLOCK_SLACK)
}

/// A task of this start that stopped on its own: not scaled in by a stop (the same exception the
/// status document makes, shared/src/status.rs `error_message`).
pub fn stopped_since(tasks: &[TaskFacts], clicked_at: DateTime<Utc>) -> Option<&TaskFacts> {
    tasks
        .iter()
        .filter(|t| t.last_status == "STOPPED" && of_this_start(t, clicked_at))
        .filter(|t| {
            !t.stopped_reason
                .as_deref()
                .is_some_and(|r| r.contains("Scaling activity"))
        })
        .max_by_key(|t| t.created)
}

pub async fn until_ready(
    control: &Control,
    aws: &Aws,
    config: &Config,
    timeline: &mut Timeline,
    deadline: Duration,
    poll: Duration,
    interrupt: &Interrupt,
) -> Ended {
    let mut last: Option<Status> = None;
    let mut failures = 0;
    let mut errors_seen: Vec<String> = Vec::new();
    loop {
        if interrupt.is_set() {
            return Ended::Interrupted;
        }
        if timeline.clicked.elapsed() > deadline {
            return Ended::Deadline(last);
        }
        match control.status().await {
            Ok(status) => {
                failures = 0;
                for line in timeline.observe(&status, timeline.clicked.elapsed()) {
                    println!("{line}");
                }
                if status.phase == "ready" {
                    return Ended::Ready(status);
                }
                if let Some(reason) = timeline.problem(&status) {
                    return Ended::Failed {
                        status: Some(status),
                        reason,
                    };
                }
                if let Some(error) = status.error.clone().filter(|e| !errors_seen.contains(e)) {
                    println!(
                        "  {:>8}     error          {error}",
                        format!("+{}", duration(timeline.clicked.elapsed()))
                    );
                    errors_seen.push(error.clone());
                    if let Ok(tasks) = aws.tasks(config).await {
                        if let Some(task) = stopped_since(&tasks, timeline.clicked_at) {
                            let reason = task.stopped_reason.clone().unwrap_or(error);
                            return Ended::Failed {
                                status: Some(status),
                                reason: format!("the task of this start stopped: {reason}"),
                            };
                        }
                    }
                }
                last = Some(status);
            }
            Err(error) => {
                failures += 1;
                println!("  status read failed: {}", error.message);
                if failures >= STATUS_FAILURES_TOLERATED {
                    return Ended::Failed {
                        status: last,
                        reason: format!(
                            "the status could not be read {failures} times in a row: {}",
                            error.message
                        ),
                    };
                }
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(poll) => {}
            _ = interrupt.wait() => {}
        }
    }
}

#[cfg(test)]
#[path = "follow_tests.rs"]
mod tests;
