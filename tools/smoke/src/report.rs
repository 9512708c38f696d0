//! What the run found: each check as it completes, and the summary at the end (checks, timings
//! from the click, the meeting's cost, the verdict).

use crate::meeting_cost::CostBreakdown;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Pass,
    /// Works, but not as it should for real use (a trial stack's self-signed certificate).
    Warn,
    Fail,
    /// Not run, because something it depends on failed.
    Skip,
}

impl Outcome {
    fn label(self) -> &'static str {
        match self {
            Outcome::Pass => "ok",
            Outcome::Warn => "warn",
            Outcome::Fail => "FAIL",
            Outcome::Skip => "skip",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Preflight,
    Start,
    Participant,
    Stop,
}

impl Stage {
    fn label(self) -> &'static str {
        match self {
            Stage::Preflight => "preflight",
            Stage::Start => "start",
            Stage::Participant => "participant",
            Stage::Stop => "stop",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    pub stage: Stage,
    pub name: String,
    pub outcome: Outcome,
    pub detail: String,
    /// The next thing to check, for a failure or a warning.
    pub hint: Option<String>,
}

impl Check {
    pub fn new(stage: Stage, name: &str, outcome: Outcome, detail: impl Into<String>) -> Self {
        Self {
            stage,
            name: name.to_string(),
            outcome,
            detail: detail.into(),
            hint: None,
        }
    }

    pub fn pass(stage: Stage, name: &str, detail: impl Into<String>) -> Self {
        Self::new(stage, name, Outcome::Pass, detail)
    }

    pub fn fail(stage: Stage, name: &str, detail: impl Into<String>, hint: impl Into<String>) -> Self {
        Self::new(stage, name, Outcome::Fail, detail).with_hint(hint)
    }

    pub fn warn(stage: Stage, name: &str, detail: impl Into<String>, hint: impl Into<String>) -> Self {
        Self::new(stage, name, Outcome::Warn, detail).with_hint(hint)
    }

    pub fn skip(stage: Stage, name: &str, detail: impl Into<String>) -> Self {
        Self::new(stage, name, Outcome::Skip, detail)
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        let hint = hint.into();
        self.hint = (!hint.is_empty()).then_some(hint);
        self
    }

    pub fn failed(&self) -> bool {
        self.outcome == Outcome::Fail
    }

    /// The line printed when the check completes, and its hint below it.
    pub fn line(&self) -> String {
        let mut line = format!("  {:<4}  {:<18} {}", self.outcome.label(), self.name, self.detail);
        if let Some(hint) = &self.hint {
            line.push_str(&format!("\n        → {hint}"));
        }
        line
    }
}

/// A moment of the meeting's life, measured from the click on start.
#[derive(Debug, Clone, PartialEq)]
pub struct Timing {
    pub label: String,
    pub since_click: Duration,
}

pub struct Summary<'a> {
    pub title: String,
    pub checks: &'a [Check],
    pub timings: &'a [Timing],
    pub cost: Option<&'a CostBreakdown>,
    /// A last word: the meeting left running (`--keep`), an interruption.
    pub note: Option<String>,
    /// Ctrl-C ended the run: no verdict on what did not run.
    pub interrupted: bool,
}

#[derive(Debug, PartialEq)]
pub struct Verdict {
    pub passed: bool,
    pub failed: Vec<String>,
    pub warnings: usize,
}

pub fn verdict(checks: &[Check]) -> Verdict {
    Verdict {
        passed: !checks.is_empty() && !checks.iter().any(Check::failed),
        failed: checks.iter().filter(|c| c.failed()).map(|c| c.name.clone()).collect(),
        warnings: checks.iter().filter(|c| c.outcome == Outcome::Warn).count(),
    }
}

pub fn render(summary: &Summary) -> String {
    let mut out = format!("\nSUMMARY  {}\n", summary.title);
    out.push_str(&format!(
        "  {:<12} {:<18} {:<6} {}\n",
        "stage", "check", "result", "detail"
    ));
    for check in summary.checks {
        out.push_str(&format!(
            "  {:<12} {:<18} {:<6} {}\n",
            check.stage.label(),
            check.name,
            check.outcome.label(),
            first_line(&check.detail, 80)
        ));
    }
    if !summary.timings.is_empty() {
        out.push_str("\nTIMINGS (from the click on start)\n");
        for timing in summary.timings {
            out.push_str(&format!("  {:<36} {:>9}\n", timing.label, duration(timing.since_click)));
        }
    }
    if let Some(cost) = summary.cost {
        out.push_str(&format!("\nCOST OF THIS MEETING  {}\n", cost.basis));
        if cost.lines.is_empty() {
            out.push_str("  nothing billable came up (no task, load balancer or Elastic IP was seen)\n");
        }
        for line in &cost.lines {
            out.push_str(&format!(
                "  {:<14} {:<52} {:>9}\n",
                line.item,
                line.detail,
                usd(line.usd)
            ));
        }
        out.push_str(&format!("  {:<14} {:<52} {:>9}\n", "total", "", usd(cost.total_usd)));
    }
    if let Some(note) = &summary.note {
        out.push_str(&format!("\n{note}\n"));
    }
    let verdict = verdict(summary.checks);
    let warnings = match verdict.warnings {
        0 => String::new(),
        1 => ", 1 warning".to_string(),
        n => format!(", {n} warnings"),
    };
    if summary.interrupted && verdict.failed.is_empty() {
        out.push_str(&format!(
            "\nINTERRUPTED after {} checks{warnings}, none failed\n",
            summary.checks.len()
        ));
    } else if verdict.passed && !summary.interrupted {
        out.push_str(&format!("\nPASSED: {} checks{warnings}\n", summary.checks.len()));
    } else {
        out.push_str(&format!(
            "\nFAILED: {} of {} checks ({}){warnings}\n",
            verdict.failed.len(),
            summary.checks.len(),
            verdict.failed.join(", ")
        ));
    }
    out
}

fn first_line(text: &str, width: usize) -> String {
    let line = text.lines().next().unwrap_or_default();
    if line.chars().count() <= width {
        line.to_string()
    } else {
        format!("{}…", line.chars().take(width - 1).collect::<String>())
    }
}

/// `4.2s`, `3m05s`, `1h02m`.
pub fn duration(d: Duration) -> String {
    let seconds = d.as_secs_f64();
    if seconds < 60.0 {
        format!("{seconds:.1}s")
    } else if seconds < 3600.0 {
        let whole = seconds as u64;
        format!("{}m{:02}s", whole / 60, whole % 60)
    } else {
        let whole = seconds as u64;
        format!("{}h{:02}m", whole / 3600, (whole % 3600) / 60)
    }
}

/// Dollars with four decimals: a meeting costs cents.
pub fn usd(amount: f64) -> String {
    format!("${amount:.4}")
}

#[cfg(test)]
#[path = "report_tests.rs"]
mod tests;
