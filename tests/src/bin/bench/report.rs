//! The bench's figures as a table (with the project's targets beside them) and as JSON.

use crate::flood::Flood;
use crate::function::Sample;
use crate::scenarios::{ColdStarts, Latency, ReadyRun, EVENTS, FUNCTIONS};
use crate::sizes::SizeRun;
use serde_json::{json, Value};
use std::fmt::Write;
use std::time::Duration;

/// The targets the project holds itself to (issue 6).
const INIT_TARGET_MS: f64 = 30.0;
const OWN_P50_TARGET_MS: f64 = 5.0;
const ZIP_TARGET_BYTES: u64 = 4_000_000;
const MEMORY_TARGET_BYTES: u64 = 128 * 1024 * 1024;
/// Click-to-ready may exceed the slower of load balancer and task by this much.
const READY_SLACK_SECONDS: f64 = 1.0;
/// The most AWS calls each kind of invocation may make (tests/tests/call_budget.rs checks them in
/// `make test`; here they are shown beside what the release build made).
const CALL_BUDGETS: [(&str, usize); 6] = [
    ("start (POST /start)", 15),
    ("status (GET /status)", 6),
    ("RUNNING event", 10),
    ("tick, meeting on", 9),
    ("STOPPED event", 12),
    ("tick, idle", 9),
];

pub struct Report<'a> {
    pub profile: &'a str,
    pub toolchain: String,
    pub zip_sizes: [u64; 3],
    pub binary_sizes: [u64; 3],
    pub cold: &'a ColdStarts,
    pub latency: &'a Latency,
    pub speed: f64,
    /// Load balancer, task and health delays as injected, in seconds.
    pub delays: [f64; 3],
    pub ours: &'a [ReadyRun],
    pub old: &'a [ReadyRun],
    /// Time to ready with AWS's delays undivided.
    pub ours_full: &'a [ReadyRun],
    pub old_full: &'a [ReadyRun],
    pub by_size: &'a Result<Vec<SizeRun>, String>,
    pub flood: &'a Flood,
    pub seconds: f64,
}

/// Percentiles of one kind of invocation, in milliseconds.
struct Row {
    function: &'static str,
    event: &'static str,
    count: usize,
    handler: [f64; 2],
    aws: [f64; 2],
    own: [f64; 2],
    cpu: f64,
    calls: f64,
    aws_share: f64,
}

impl Report<'_> {
    pub fn table(&self) -> String {
        let mut t = String::new();
        let _ = writeln!(t);
        let _ = writeln!(
            t,
            "make bench: profile {}, x86_64 zips from cargo lambda; {}",
            self.profile,
            machine_line()
        );
        let _ = writeln!(t, "{}", self.toolchain);
        let _ = writeln!(t);
        let _ = writeln!(
            t,
            "{:<34}{:>15}{:>15}{:>15}   target",
            "per function", FUNCTIONS[0], FUNCTIONS[1], FUNCTIONS[2]
        );
        let zip = self.zip_sizes.map(|b| format!("{:.2} MB", b as f64 / 1e6));
        let zip_ok = self.zip_sizes.iter().all(|&b| b <= ZIP_TARGET_BYTES);
        line3(&mut t, "zip", &zip, &format!("≤ 4 MB {}", verdict(zip_ok)));
        let binary = self.binary_sizes.map(|b| format!("{:.2} MB", b as f64 / 1e6));
        line3(&mut t, "bootstrap (unzipped)", &binary, "");
        let rss = FUNCTIONS.map(|f| self.latency.peak_rss[f]);
        let rss_text = rss.map(|b| format!("{:.1} MiB", b as f64 / 1048576.0));
        let rss_ok = rss.iter().all(|&b| b > 0 && b <= MEMORY_TARGET_BYTES);
        line3(
            &mut t,
            "peak RSS (VmHWM), whole run",
            &rss_text,
            &format!("fits 128 MB {}", verdict(rss_ok)),
        );
        let init = FUNCTIONS.map(|f| self.init_ms(f));
        let init_ok = init.iter().all(|i| i[0] <= INIT_TARGET_MS);
        let runs = self.cold.runs[FUNCTIONS[0]].len();
        line3(
            &mut t,
            &format!("cold start, median of {runs}"),
            &init.map(|i| format!("{:.1} ms", i[0])),
            &format!("≤ 30 ms {}", verdict(init_ok)),
        );
        line3(
            &mut t,
            "  of which AWS calls",
            &init.map(|i| format!("{:.1} ms", i[1])),
            "",
        );
        line3(
            &mut t,
            "  fastest / slowest",
            &init.map(|i| format!("{:.1}/{:.1}", i[2], i[3])),
            "",
        );

        let _ = writeln!(t);
        let _ = writeln!(
            t,
            "handler latency, ms ({} meeting cycles)   n   handler p50/p99   AWS p50   own p50/p99  CPU p50  AWS share  own p50 ≤ 5 ms   AWS calls p50 (budget)",
            self.latency.cycles
        );
        for row in self.rows() {
            let budget = CALL_BUDGETS.iter().find(|(event, _)| *event == row.event).map(|b| b.1);
            let calls = match budget {
                Some(budget) => format!(
                    "{:>2.0} (≤ {budget:>2}) {}",
                    row.calls,
                    verdict(row.calls <= budget as f64)
                ),
                None => format!("{:>2.0}", row.calls),
            };
            let _ = writeln!(
                t,
                "  {:<14}{:<24}{:>4}{:>10.1}/{:<7.1}{:>8.1}{:>13.2}/{:<6.2}{:>8.2}{:>8.0} %   {:<16}{calls}",
                row.function,
                row.event,
                row.count,
                row.handler[0],
                row.handler[1],
                row.aws[0],
                row.own[0],
                row.own[1],
                row.cpu,
                row.aws_share * 100.0,
                verdict(row.own[0] <= OWN_P50_TARGET_MS)
            );
        }

        let ready = self.ready();
        let _ = writeln!(t);
        let _ = writeln!(
            t,
            "time to ready, AWS delays / {} (NLB {:.1} s, task {:.1} s, health checks {:.1} s), median of {} runs",
            self.speed,
            self.delays[0],
            self.delays[1],
            self.delays[2],
            self.ours.len()
        );
        let _ = writeln!(
            t,
            "  this project: click → ready                {:>6.2} s   target ≤ {:.2} s (max(NLB, task) + 1 s) {}",
            ready.ours,
            ready.limit,
            verdict(ready.ours <= ready.limit)
        );
        let _ = writeln!(t, "  old order: NLB, then task, then targets    {:>6.2} s", ready.old);
        let _ = writeln!(
            t,
            "  old / this project                         {:>6.2}×",
            ready.old / ready.ours
        );
        let _ = writeln!(
            t,
            "  task RUNNING event → target registered     {:>+6.2} s (this project: {}), old order {:+.2} s",
            ready.ours_registration,
            if ready.ours_registration < 0.0 {
                "registered at an earlier event that carried the task's IP"
            } else {
                "registered by the RUNNING event's own invocation"
            },
            ready.old_registration
        );
        if !self.ours_full.is_empty() {
            let ours = median(self.ours_full, |r| r.ready);
            let old = median(self.old_full, |r| r.ready);
            let _ = writeln!(
                t,
                "  at full scale (NLB 90 s, task 60 s, health 30 s), median of {}: this project {ours:.1} s, old order {old:.1} s, {:.2}×",
                self.ours_full.len(),
                old / ours
            );
        }
        let _ = writeln!(t);
        match self.by_size {
            Ok(runs) => t.push_str(&crate::sizes::table(runs)),
            Err(why) => {
                let _ = writeln!(t, "memory sizes: not measured: {why}");
            }
        }
        let _ = writeln!(t);
        t.push_str(&self.flood.table());
        let _ = writeln!(t);
        let _ = writeln!(t, "bench took {:.0} s", self.seconds);
        t
    }

    pub fn json(&self) -> Value {
        let functions: serde_json::Map<String, Value> = FUNCTIONS
            .iter()
            .enumerate()
            .map(|(i, &f)| {
                let runs: Vec<Value> = self.cold.runs[f]
                    .iter()
                    .map(|(init, aws)| json!({ "init_ms": ms(*init), "aws_ms": ms(*aws) }))
                    .collect();
                let init = self.init_ms(f);
                let value = json!({
                    "zip_bytes": self.zip_sizes[i],
                    "bootstrap_bytes": self.binary_sizes[i],
                    "peak_rss_bytes": self.latency.peak_rss[f],
                    "cold_start": { "median_ms": init[0], "aws_median_ms": init[1], "min_ms": init[2], "max_ms": init[3], "runs": runs },
                });
                (f.to_string(), value)
            })
            .collect();
        let handlers: Vec<Value> = self
            .rows()
            .iter()
            .map(|r| {
                json!({
                    "function": r.function, "event": r.event, "count": r.count,
                    "handler_ms": { "p50": r.handler[0], "p99": r.handler[1] },
                    "aws_ms": { "p50": r.aws[0], "p99": r.aws[1] },
                    "own_ms": { "p50": r.own[0], "p99": r.own[1] },
                    "cpu_ms_p50": r.cpu,
                    "aws_calls_p50": r.calls, "aws_share": r.aws_share,
                })
            })
            .collect();
        let ready = self.ready();
        let run = |r: &ReadyRun| json!({ "ready_s": r.ready, "running_event_s": r.running_event, "registered_s": r.registered });
        json!({
            "profile": self.profile,
            "at": chrono::Utc::now().to_rfc3339(),
            "machine": machine_line(),
            "toolchain": self.toolchain,
            "functions": functions,
            "handlers": handlers,
            "time_to_ready": {
                "speed": self.speed,
                "delays_s": { "load_balancer": self.delays[0], "task": self.delays[1], "health": self.delays[2] },
                "ours_median_s": ready.ours, "old_median_s": ready.old, "ratio": ready.old / ready.ours,
                "target_s": ready.limit,
                "running_event_to_registered_s": { "ours": ready.ours_registration, "old": ready.old_registration },
                "ours": self.ours.iter().map(run).collect::<Vec<_>>(),
                "old": self.old.iter().map(run).collect::<Vec<_>>(),
            },
            "targets": {
                "init_ms": INIT_TARGET_MS, "own_p50_ms": OWN_P50_TARGET_MS, "zip_bytes": ZIP_TARGET_BYTES,
                "memory_bytes": MEMORY_TARGET_BYTES, "ready_slack_s": READY_SLACK_SECONDS,
            },
            "time_to_ready_full_scale": {
                "ours": self.ours_full.iter().map(run).collect::<Vec<_>>(),
                "old": self.old_full.iter().map(run).collect::<Vec<_>>(),
            },
            "memory_sizes": match self.by_size {
                Ok(runs) => crate::sizes::json(runs),
                Err(why) => json!({ "not_measured": why }),
            },
            "flood": self.flood.json(),
            "call_budgets": CALL_BUDGETS.iter().map(|(event, budget)| json!({ "event": event, "budget": budget })).collect::<Vec<_>>(),
            "bench_seconds": self.seconds,
        })
    }

    /// Median, median AWS part, fastest and slowest init of one function, in ms.
    fn init_ms(&self, function: &str) -> [f64; 4] {
        let runs = &self.cold.runs[function];
        let init: Vec<f64> = runs.iter().map(|(d, _)| ms(*d)).collect();
        let aws: Vec<f64> = runs.iter().map(|(_, a)| ms(*a)).collect();
        let fastest = init.iter().copied().fold(f64::INFINITY, f64::min);
        let slowest = init.iter().copied().fold(0.0, f64::max);
        [percentile(&init, 50.0), percentile(&aws, 50.0), fastest, slowest]
    }

    fn rows(&self) -> Vec<Row> {
        EVENTS
            .iter()
            .filter_map(|&(function, event)| {
                let samples = self.latency.samples.get(event)?;
                let of = |part: fn(&Sample) -> Duration| -> [f64; 2] {
                    let values: Vec<f64> = samples.iter().map(|s| ms(part(s))).collect();
                    [percentile(&values, 50.0), percentile(&values, 99.0)]
                };
                let calls: Vec<f64> = samples.iter().map(|s| s.aws_calls as f64).collect();
                let total = |part: fn(&Sample) -> Duration| samples.iter().map(part).sum::<Duration>().as_secs_f64();
                Some(Row {
                    function,
                    event,
                    count: samples.len(),
                    handler: of(|s| s.handler),
                    aws: of(|s| s.aws),
                    own: of(Sample::own),
                    cpu: of(|s| s.cpu)[0],
                    calls: percentile(&calls, 50.0),
                    aws_share: total(|s| s.aws) / total(|s| s.handler).max(f64::EPSILON),
                })
            })
            .collect()
    }

    fn ready(&self) -> ReadySummary {
        let median_of =
            |runs: &[ReadyRun], f: fn(&ReadyRun) -> f64| percentile(&runs.iter().map(f).collect::<Vec<_>>(), 50.0);
        ReadySummary {
            ours: median_of(self.ours, |r| r.ready),
            old: median_of(self.old, |r| r.ready),
            limit: self.delays[0].max(self.delays[1]) + READY_SLACK_SECONDS,
            ours_registration: median_of(self.ours, |r| r.registered - r.running_event),
            old_registration: median_of(self.old, |r| r.registered - r.running_event),
        }
    }
}

struct ReadySummary {
    ours: f64,
    old: f64,
    limit: f64,
    ours_registration: f64,
    old_registration: f64,
}

fn line3(t: &mut String, label: &str, values: &[String; 3], target: &str) {
    let line = format!(
        "{label:<34}{:>15}{:>15}{:>15}   {target}",
        values[0], values[1], values[2]
    );
    let _ = writeln!(t, "{}", line.trim_end());
}

pub fn verdict(met: bool) -> &'static str {
    if met {
        "ok"
    } else {
        "MISSED"
    }
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn median(runs: &[ReadyRun], f: fn(&ReadyRun) -> f64) -> f64 {
    percentile(&runs.iter().map(f).collect::<Vec<_>>(), 50.0)
}

/// Nearest-rank percentile; 0 for no values.
pub fn percentile(values: &[f64], p: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted[rank.min(sorted.len()) - 1]
}

/// CPU model, CPU count, memory and kernel of this machine.
fn machine_line() -> String {
    let read = |path: &str| std::fs::read_to_string(path).unwrap_or_default();
    let cpuinfo = read("/proc/cpuinfo");
    let cpu = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|v| v.trim_start_matches([' ', '\t', ':']).to_string())
        .unwrap_or_else(|| "unknown CPU".into());
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let memory_gib = read("/proc/meminfo")
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1048576.0);
    let kernel = read("/proc/sys/kernel/osrelease");
    format!("{cpu}, {cpus} CPUs, {memory_gib:.0} GiB, Linux {}", kernel.trim())
}
