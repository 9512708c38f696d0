//! `make bench`: the release functions measured on this machine against the local AWS. Prints a
//! table with the project's targets next to each figure and saves it as JSON; it reports, it does
//! not fail on a missed target.
//!
//! Settings (scripts/bench.sh sets them): BENCH_PROFILE (label of the build), BENCH_ZIPS
//! (cargo-lambda's output: <fn>/bootstrap.zip), BENCH_BINARIES (the same, unzipped: <fn>/bootstrap),
//! BENCH_OUT (where the JSON and the functions' logs go), BENCH_TOOLCHAIN (for the record);
//! optional BENCH_COLD_RUNS (10), BENCH_CYCLES (40), BENCH_SPEED (30), BENCH_READY_RUNS (3),
//! BENCH_FULL_SCALE_RUNS (1: time to ready with AWS's delays undivided, about 5 min a run),
//! BENCH_SIZE_CYCLES (15), BENCH_FLOOD_RATE (100 a second), BENCH_FLOOD_SECONDS (60).

mod aws_proxy;
mod flood;
mod function;
mod report;
mod scenarios;
mod sizes;

use lifecycle_tests::local_aws::LocalAws;
use report::Report;
use scenarios::{binaries_in, FUNCTIONS, HEALTH_SECONDS, LOAD_BALANCER_SECONDS, TASK_SECONDS};
use std::path::PathBuf;
use std::time::Instant;

fn setting(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set; run the benchmark with `make bench`"))
}

fn number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .map(|v| v.parse().unwrap_or_else(|_| panic!("{name}={v} is not a number")))
        .unwrap_or(default)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let profile = setting("BENCH_PROFILE");
    let zips = PathBuf::from(setting("BENCH_ZIPS"));
    let out = PathBuf::from(setting("BENCH_OUT"));
    // The functions' logs of this run only (they append, one file per function).
    let logs = out.join("logs");
    let _ = std::fs::remove_dir_all(&logs);
    std::fs::create_dir_all(&logs).expect("the output folder");
    let binaries = binaries_in(&PathBuf::from(setting("BENCH_BINARIES")), &logs);
    let cold_runs = number("BENCH_COLD_RUNS", 10);
    let cycles = number("BENCH_CYCLES", 40);
    let speed = number("BENCH_SPEED", 30) as f64;
    let ready_runs = number("BENCH_READY_RUNS", 3);
    let began = Instant::now();

    let local = LocalAws::start();
    let sdk = local.sdk_config().await;

    eprintln!("bench: cold starts ({cold_runs} per function)");
    let cold = scenarios::cold_starts(&local, &sdk, &binaries, cold_runs).await;
    eprintln!("bench: handler latency ({cycles} meeting cycles)");
    let latency = scenarios::handler_latency(&local, &sdk, &binaries, cycles).await;

    let size_cycles = number("BENCH_SIZE_CYCLES", 15);
    eprintln!(
        "bench: memory sizes {:?} MB under Lambda's CPU share ({size_cycles} cycles each)",
        sizes::SIZES_MB
    );
    let by_size = sizes::by_size(&local, &sdk, &binaries, cold_runs, size_cycles).await;
    let (flood_rate, flood_seconds) = (number("BENCH_FLOOD_RATE", 100), number("BENCH_FLOOD_SECONDS", 60));
    eprintln!("bench: flood of the public page and status ({flood_rate}/s for {flood_seconds} s)");
    let flood = flood::flood(&local, &sdk, &binaries, flood_rate, flood_seconds).await;

    let delays = [LOAD_BALANCER_SECONDS, TASK_SECONDS, HEALTH_SECONDS].map(|s| s / speed);
    eprintln!(
        "bench: time to ready ({ready_runs} runs each; AWS delays / {speed}: NLB {:.1} s, task {:.1} s, health {:.1} s)",
        delays[0], delays[1], delays[2]
    );
    local.set_timings(delays[0], delays[1], delays[2]);
    let (mut ours, mut old) = (Vec::new(), Vec::new());
    for run in 0..ready_runs {
        ours.push(scenarios::our_start(&local, &sdk, &binaries, &format!("ready{run}")).await);
        old.push(scenarios::old_start(&sdk, &format!("old{run}")).await);
    }

    let full_scale_runs = number("BENCH_FULL_SCALE_RUNS", 1);
    eprintln!("bench: time to ready at full scale ({full_scale_runs} runs each; NLB {LOAD_BALANCER_SECONDS} s, task {TASK_SECONDS} s, health {HEALTH_SECONDS} s)");
    local.set_timings(LOAD_BALANCER_SECONDS, TASK_SECONDS, HEALTH_SECONDS);
    let (mut ours_full, mut old_full) = (Vec::new(), Vec::new());
    for run in 0..full_scale_runs {
        ours_full.push(scenarios::our_start(&local, &sdk, &binaries, &format!("full{run}")).await);
        old_full.push(scenarios::old_start(&sdk, &format!("oldfull{run}")).await);
    }

    let zip_sizes = FUNCTIONS.map(|name| file_size(&zips.join(name).join("bootstrap.zip")));
    let binary_sizes = FUNCTIONS.map(|name| file_size(&binaries.dir.join(name).join("bootstrap")));
    let report = Report {
        profile: &profile,
        toolchain: std::env::var("BENCH_TOOLCHAIN").unwrap_or_default(),
        zip_sizes,
        binary_sizes,
        cold: &cold,
        latency: &latency,
        speed,
        delays,
        ours: &ours,
        old: &old,
        ours_full: &ours_full,
        old_full: &old_full,
        by_size: &by_size,
        flood: &flood,
        seconds: began.elapsed().as_secs_f64(),
    };
    print!("{}", report.table());
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    let json_path = out.join(format!("bench-{profile}-{stamp}.json"));
    let json = serde_json::to_string_pretty(&report.json()).expect("the report as JSON");
    std::fs::write(&json_path, json).expect("writing the JSON report");
    println!("saved {}", json_path.display());
}

fn file_size(path: &std::path::Path) -> u64 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .len()
}
