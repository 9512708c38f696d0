//! The summary's parts: what is still pending, the meeting's cost, the printed summary.

use crate::cli::Options;
use crate::control::Status;
use crate::life::Life;
use crate::meeting_cost::{self, CostBreakdown};
use crate::preflight::Ready;
use crate::report::{self, Summary, Timing};
use crate::Log;
use chrono::Utc;
use cost::prices::PriceTable;
use std::path::Path;

const DEFAULT_PRICES: &str = "pricing/prices-us-east-1.json";

/// The steps of the last status that are not done, as the page shows them.
pub fn not_done(status: &Status) -> String {
    let pending: Vec<String> = status
        .steps
        .iter()
        .filter(|s| !matches!(s.state.as_str(), "done" | "skipped"))
        .map(|s| {
            let detail = s.detail.as_deref().map(|d| format!(" ({d})")).unwrap_or_default();
            format!("{} {}{detail}", s.name.replace('_', " "), s.state.replace('_', " "))
        })
        .collect();
    if pending.is_empty() {
        format!("phase {}", status.phase)
    } else {
        pending.join(", ")
    }
}

pub fn cost_of(options: &Options, ready: &Ready, life: &Life) -> Option<CostBreakdown> {
    let (table, name) = match &options.prices {
        Some(path) => (PriceTable::read(path), path.display().to_string()),
        None if Path::new(DEFAULT_PRICES).exists() => {
            (PriceTable::read(Path::new(DEFAULT_PRICES)), DEFAULT_PRICES.to_string())
        }
        None => (
            Ok(PriceTable::built_in()),
            format!("{} (built in)", cost::prices::BUILT_IN_NAME),
        ),
    };
    match table {
        Ok(table) => Some(meeting_cost::estimate(
            &table,
            &name,
            ready.task_size.as_ref(),
            &life.lifetimes(Utc::now()),
        )),
        Err(error) => {
            eprintln!("smoke: no cost: {error}");
            None
        }
    }
}

pub fn print_summary(title: &str, log: &Log, timings: &[Timing], cost: Option<&CostBreakdown>, note: Option<String>) {
    // The only notes are --keep's and an interruption's.
    let interrupted = note.as_deref().is_some_and(|n| n.starts_with("Interrupted"));
    print!(
        "{}",
        report::render(&Summary {
            title: title.to_string(),
            checks: &log.checks,
            timings,
            cost,
            note,
            interrupted,
        })
    );
}
