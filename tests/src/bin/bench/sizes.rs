//! The functions' memory size by measurement. Lambda gives CPU in proportion to memory (one vCPU
//! at 1,769 MB, Lambda guide "Configuring function memory"), so each size runs the release
//! functions under a CFS quota of that share (cgroup v1 `cpu` controller: quota/period), with every
//! AWS call answered [`AWS_ROUND_TRIP`] later, and reports cold start, a click's and a status
//! poll's handler time, and what a million of them cost.

use crate::aws_proxy::AwsProxy;
use crate::function::Sample;
use crate::report::{ms, percentile, verdict};
use crate::scenarios::{block, expect_status, status_request, url_request, wait_out_recent_status, Binaries};
use aws_config::SdkConfig;
use lifecycle_tests::invoke::scheduled_event;
use lifecycle_tests::local_aws::LocalAws;
use lifecycle_tests::scheduler::Scheduler;
use lifecycle_tests::stack::Stack;
use serde_json::{json, Value};
use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub const SIZES_MB: [u32; 3] = [128, 256, 512];
/// Memory at which Lambda gives one full vCPU.
const FULL_VCPU_MB: f64 = 1769.0;
/// Added to every AWS call: a same-region HTTPS API call over a warm connection takes tens of
/// milliseconds (ELB, EC2 and ECS describes; the design notes' 20–100 ms per round trip), the local
/// AWS a few. 30 ms is the low middle of that range: it favours no size.
pub const AWS_ROUND_TRIP: Duration = Duration::from_millis(30);
/// Lambda arm64 prices (design notes §3; pricing/prices-us-east-1.json).
const PRICE_PER_GB_SECOND: f64 = 0.0000133334;
const PRICE_PER_MILLION_REQUESTS: f64 = 0.20;
/// A size is as good as the fastest if its click and status are within this of the fastest's.
pub const WITHIN: Duration = Duration::from_millis(100);

/// A cgroup whose processes get `memory_mb / 1769` of one CPU, as Lambda gives them.
pub struct CpuShare {
    dir: PathBuf,
}

impl CpuShare {
    pub fn new(memory_mb: u32) -> Result<Self, String> {
        let dir = PathBuf::from(format!("/sys/fs/cgroup/cpu/jitsi-on-demand-bench-{memory_mb}"));
        let period = 100_000u64;
        let quota = (period as f64 * memory_mb as f64 / FULL_VCPU_MB).round() as u64;
        let write = |file: &str, value: u64| {
            std::fs::write(dir.join(file), value.to_string()).map_err(|e| format!("{}/{file}: {e}", dir.display()))
        };
        if !dir.exists() {
            std::fs::create_dir(&dir).map_err(|e| {
                format!(
                    "{}: {e} (needs the cgroup v1 cpu controller, writable: root on this machine)",
                    dir.display()
                )
            })?;
        }
        write("cpu.cfs_period_us", period)?;
        write("cpu.cfs_quota_us", quota)?;
        Ok(Self { dir })
    }

    /// A launcher that joins the cgroup, then becomes `binary` (same pid, so the bench's CPU and
    /// memory readings still see the function).
    pub fn wrap(&self, binary: &Path) -> PathBuf {
        // One launcher per cgroup and function (the binary's folder is the function's name).
        let group = self.dir.file_name().expect("the cgroup's name").to_string_lossy();
        let function = binary
            .parent()
            .and_then(|dir| dir.file_name())
            .expect("<function>/bootstrap")
            .to_string_lossy();
        let launcher = std::env::temp_dir().join(format!("{group}-{function}.sh"));
        let script = format!(
            "#!/bin/sh\necho $$ > {}/cgroup.procs || exit 97\nexec {}\n",
            self.dir.display(),
            binary.display()
        );
        std::fs::write(&launcher, script).expect("writing the cgroup launcher");
        let mut permissions = std::fs::metadata(&launcher).expect("the launcher").permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
        std::fs::set_permissions(&launcher, permissions).expect("making the launcher executable");
        launcher
    }
}

/// One size's figures.
pub struct SizeRun {
    pub memory_mb: u32,
    pub cold: Vec<Duration>,
    pub click: Vec<Duration>,
    pub status: Vec<Duration>,
}

impl SizeRun {
    /// What a million invocations of this duration cost at this size (billed per started ms).
    pub fn cost_per_million(&self, duration: Duration) -> f64 {
        let billed_seconds = (duration.as_secs_f64() * 1000.0).ceil() / 1000.0;
        PRICE_PER_MILLION_REQUESTS + 1e6 * billed_seconds * self.memory_mb as f64 / 1024.0 * PRICE_PER_GB_SECOND
    }
}

/// Each size in turn: `cold_runs` cold starts of start-meeting, then `cycles` meetings (status
/// poll, click, ECS, stop) through the three functions, all under the size's CPU share.
pub async fn by_size(
    local: &LocalAws,
    sdk: &SdkConfig,
    binaries: &Binaries,
    cold_runs: usize,
    cycles: usize,
) -> Result<Vec<SizeRun>, String> {
    local.set_timings(0.0, 0.0, 0.0);
    let mut runs = Vec::new();
    for memory_mb in SIZES_MB {
        let share = CpuShare::new(memory_mb)?;
        let stack = Stack::create(sdk, &format!("size{memory_mb}")).await;
        let scheduler = Scheduler::new(sdk, &stack.config);
        let proxy = AwsProxy::with_round_trip(local.port, AWS_ROUND_TRIP);
        let spawn = |name| binaries.spawn_sized(name, &stack, &proxy, memory_mb, Some(&share));
        let mut run = SizeRun {
            memory_mb,
            cold: Vec::new(),
            click: Vec::new(),
            status: Vec::new(),
        };
        for _ in 0..cold_runs {
            let mut function = spawn("start-meeting");
            run.cold.push(block(|| function.init()).duration);
        }
        let bearer = format!("Bearer {}", stack.secret);
        let [mut start, mut task_state, mut stop] = ["start-meeting", "task-state", "stop-meeting"].map(spawn);
        for function in [&mut start, &mut task_state, &mut stop] {
            block(|| function.init());
        }
        for _ in 0..cycles {
            wait_out_recent_status();
            run.status
                .push(block(|| start.invoke(&status_request(&bearer))).handler);
            let started: Sample = block(|| start.invoke(&url_request("POST", "/start", &bearer)));
            expect_status(&started, 202, "start");
            run.click.push(started.handler);
            for event in scheduler.step().await {
                block(|| task_state.invoke(&event));
            }
            wait_out_recent_status();
            run.status
                .push(block(|| start.invoke(&status_request(&bearer))).handler);
            expect_status(
                &block(|| stop.invoke(&url_request("POST", "/stop", &bearer))),
                202,
                "stop",
            );
            for event in scheduler.step().await {
                block(|| task_state.invoke(&event));
            }
            block(|| stop.invoke(&scheduled_event()));
        }
        runs.push(run);
    }
    Ok(runs)
}

/// The cheapest size whose click and status are within [`WITHIN`] of the fastest size's (p50).
pub fn chosen(runs: &[SizeRun], p50: impl Fn(&[Duration]) -> Duration) -> Option<u32> {
    let fastest = |pick: fn(&SizeRun) -> &[Duration]| runs.iter().map(|r| p50(pick(r))).min();
    let (fastest_click, fastest_status) = (fastest(|r| &r.click)?, fastest(|r| &r.status)?);
    runs.iter()
        .filter(|r| p50(&r.click) <= fastest_click + WITHIN && p50(&r.status) <= fastest_status + WITHIN)
        .min_by(|a, b| {
            let cost = |r: &SizeRun| r.cost_per_million(p50(&r.click)) + r.cost_per_million(p50(&r.status));
            cost(a).total_cmp(&cost(b))
        })
        .map(|r| r.memory_mb)
}

fn p(values: &[Duration], percent: f64) -> f64 {
    percentile(&values.iter().map(|d| ms(*d)).collect::<Vec<_>>(), percent)
}

fn p50(values: &[Duration]) -> Duration {
    Duration::from_secs_f64(p(values, 50.0) / 1000.0)
}

pub fn table(runs: &[SizeRun]) -> String {
    let mut t = String::new();
    let _ = writeln!(
        t,
        "memory sizes under Lambda's CPU share (CFS quota size/1769 of a CPU), AWS calls +{} ms each, ms",
        AWS_ROUND_TRIP.as_millis()
    );
    let _ = writeln!(
        t,
        "  size     CPU   cold start p50   click p50/p99     status p50/p99   $ per million clicks / polls (arm64)"
    );
    for run in runs {
        let _ = writeln!(
            t,
            "  {:>4} MB {:>5.1} %{:>12.1}{:>12.0}/{:<7.0}{:>11.0}/{:<7.0}   {:.2} / {:.2}",
            run.memory_mb,
            100.0 * run.memory_mb as f64 / FULL_VCPU_MB,
            p(&run.cold, 50.0),
            p(&run.click, 50.0),
            p(&run.click, 99.0),
            p(&run.status, 50.0),
            p(&run.status, 99.0),
            run.cost_per_million(p50(&run.click)),
            run.cost_per_million(p50(&run.status)),
        );
    }
    match chosen(runs, p50) {
        Some(mb) => {
            let _ = writeln!(
                t,
                "  the cheapest size within {} ms of the fastest for both click and status: {mb} MB (terraform lambda_memory_mb: {})",
                WITHIN.as_millis(),
                verdict(mb == crate::function::MEMORY_MB)
            );
        }
        None => {
            let _ = writeln!(t, "  no size measured");
        }
    }
    t
}

pub fn json(runs: &[SizeRun]) -> Value {
    let sizes: Vec<Value> = runs
        .iter()
        .map(|run| {
            json!({
                "memory_mb": run.memory_mb,
                "cold_start_ms_p50": p(&run.cold, 50.0),
                "click_ms": { "p50": p(&run.click, 50.0), "p99": p(&run.click, 99.0) },
                "status_ms": { "p50": p(&run.status, 50.0), "p99": p(&run.status, 99.0) },
                "usd_per_million": { "click": run.cost_per_million(p50(&run.click)), "status": run.cost_per_million(p50(&run.status)) },
            })
        })
        .collect();
    json!({ "aws_round_trip_ms": AWS_ROUND_TRIP.as_millis() as u64, "sizes": sizes, "chosen_mb": chosen(runs, p50) })
}
