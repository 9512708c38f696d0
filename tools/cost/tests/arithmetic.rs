//! The arithmetic on a fixed configuration with round prices. Every expected figure is worked out by
//! hand here from the inputs below, not taken from the program's output.

use cost::estimate::{estimate, DesignCost, Estimate, Estimates, Section, Usage};
use cost::prices::PriceTable;
use cost::terraform::{Architecture, Deployment};
use serde_json::json;

fn prices() -> PriceTable {
    let price = |usd: f64| json!({ "usd": usd, "per": "", "source": "test" });
    serde_json::from_value(json!({
        "region": "test-1",
        "as_of": "2026-01-01",
        "source": "round test prices",
        "prices": {
            "nlb_hour": price(0.02),
            "nlcu_hour": price(0.01),
            "public_ipv4_hour": price(0.005),
            "fargate_arm64_vcpu_hour": price(0.04),
            "fargate_arm64_gb_hour": price(0.005),
            "fargate_x86_64_vcpu_hour": price(0.05),
            "fargate_x86_64_gb_hour": price(0.006),
            "fargate_spot_discount": { "fraction": 0.5, "per": "", "source": "test" },
            "lambda_million_requests": price(0.20),
            "lambda_arm64_gb_second": price(0.00001),
            "lambda_x86_64_gb_second": price(0.00002),
            "cloudwatch_thousand_metrics_requested": price(0.01),
            "cloudwatch_logs_ingested_gb": price(0.50),
            "cloudwatch_logs_stored_gb_month": price(0.03),
            "cloudwatch_metric_month": price(0.30),
            "route53_hosted_zone_month": price(0.50),
            "data_transfer_out_gb": price(0.10)
        },
        "free_tier": {
            "source": "test",
            "lambda_requests": 1000000,
            "lambda_gb_seconds": 400000,
            "data_transfer_out_gb": 100,
            "cloudwatch_logs_gb": 5
        }
    }))
    .expect("test price table")
}

/// 1 vCPU / 2 GB ARM64, logs kept 30 days, Container Insights on, a custom domain, 256 MB arm64
/// Lambdas on a 1-minute schedule, a public task IP, health checks 20 s, idle timer 10 min.
fn deployment() -> Deployment {
    Deployment {
        task_vcpu: 1.0,
        task_memory_gb: 2.0,
        task_architecture: Architecture::Arm64,
        fargate_spot: false,
        container_insights: true,
        log_retention_days: 30.0,
        custom_domain: true,
        lets_encrypt: false,
        lambda_memory_mb: 256.0,
        lambda_architecture: Architecture::Arm64,
        schedule_expression: "rate(1 minute)".to_string(),
        schedule_minutes: 1.0,
        task_public_ip: true,
        health_check_seconds: 20.0,
        idle_minutes: 10.0,
        scheduled: Vec::new(),
        schedule_lead_minutes: 7.0,
        resource_types: Default::default(),
        sources: Vec::new(),
    }
}

fn estimates() -> Estimates {
    Estimates {
        nlb_active_seconds: 120.0,
        task_start_seconds: 60.0,
        target_registration_seconds: 180.0,
        stop_seconds: 60.0,
        invocation_ms: 100.0,
        log_bytes_per_invocation: 500.0,
        status_poll_seconds: 2.0,
        task_events_per_meeting: 8.0,
        task_log_mb_per_hour: 10.0,
        container_insights_metrics: 36.0,
        upload_mbps: 1.0,
        download_mbps: 2.0,
        flow_metrics_per_check: 2.0,
    }
}

fn usage(participants: u32) -> Usage {
    Usage {
        meetings: 10,
        hours_per_meeting: 1.0,
        participants,
    }
}

fn run(deployment: &Deployment, participants: u32) -> Estimate {
    estimate(deployment, &usage(participants), &estimates(), &prices())
}

#[track_caller]
fn assert_close(actual: f64, expected: f64) {
    assert!(
        (actual - expected).abs() <= 1e-9 * expected.abs().max(1.0),
        "expected {expected}, got {actual}"
    );
}

#[track_caller]
fn line(section: &Section, item: &str) -> f64 {
    section
        .lines
        .iter()
        .find(|line| line.item == item)
        .unwrap_or_else(|| panic!("no line {item:?} in {section:?}"))
        .usd
}

// Shared by several tests: logs cost $0.50 to ingest plus $0.03 × 30/30 months of storage per GB.
const LOG_GB: f64 = 0.50 + 0.03;
// 4 participants × (1 + 2) Mbit/s = 12 Mbit/s = 5.4 GB an hour through the NLB; 4 × 2 Mbit/s = 3.6 GB out.
const PROCESSED_GB: f64 = 5.4;
const OUT_GB: f64 = 3.6;

#[test]
fn idle_month_prices_the_schedule_its_logs_and_the_hosted_zone() {
    let idle = &run(&deployment(), 4).this_design.idle_month;
    // 30 days × 1,440 checks.
    assert_close(line(idle, "idle check: Lambda requests"), 43_200.0 * 0.20 / 1e6);
    // 43,200 × 0.1 s × 0.25 GB = 1,080 GB-s.
    assert_close(line(idle, "idle check: Lambda duration"), 1_080.0 * 0.00001);
    // 43,200 × 500 B = 0.0216 GB.
    assert_close(line(idle, "idle check: logs"), 0.0216 * LOG_GB);
    assert_close(line(idle, "idle check: GetMetricData"), 0.0);
    assert_close(line(idle, "Route 53 hosted zone"), 0.50);
    assert_close(idle.total_usd, 0.00864 + 0.0108 + 0.011448 + 0.50);

    let old_idle = &run(&deployment(), 4).old_design.idle_month;
    assert!(old_idle.lines.iter().all(|l| !l.item.starts_with("idle check")));
    assert_close(old_idle.total_usd, 0.50);
}

#[test]
fn running_hour_adds_task_nlb_capacity_addresses_metric_reads_and_traffic() {
    let result = run(&deployment(), 4);
    let hour = &result.this_design.running_hour;
    assert_close(line(hour, "Fargate task"), 1.0 * 0.04 + 2.0 * 0.005);
    assert_close(line(hour, "NLB"), 0.02);
    assert_close(line(hour, "NLB capacity (NLCU)"), PROCESSED_GB * 0.01);
    assert_close(line(hour, "public IPv4"), 2.0 * 0.005);
    // 60 checks × 2 metrics = 120 metrics.
    assert_close(line(hour, "idle check: GetMetricData"), 120.0 * 0.01 / 1000.0);
    // 60 × ($0.20 per million + 0.1 s × 0.25 GB × $0.00001 + 500 B of logs).
    assert_close(
        line(hour, "idle check: Lambda and its logs"),
        60.0 * 0.20 / 1e6 + 1.5 * 0.00001 + 0.00003 * LOG_GB,
    );
    assert_close(line(hour, "Container Insights"), 36.0 * 0.30 / 720.0);
    assert_close(line(hour, "Jitsi container logs"), 0.01 * LOG_GB);
    assert_close(line(hour, "data transfer out"), OUT_GB * 0.10);
    assert_close(
        hour.total_usd,
        0.05 + 0.02 + 0.054 + 0.01 + 0.0012 + 0.0000429 + 0.015 + 0.0053 + 0.36,
    );

    // Old design: 4 vCPU / 8 GB x86_64, no control plane.
    let old = &result.old_design.running_hour;
    assert_close(line(old, "Fargate task"), 4.0 * 0.05 + 8.0 * 0.006);
    assert!(old.lines.iter().all(|l| !l.item.starts_with("idle check")));
}

#[test]
fn one_meeting_follows_the_timeline_of_each_start_order() {
    let result = run(&deployment(), 4);
    let this: &DesignCost = &result.this_design;
    // Parallel: max(NLB 120 s, task 60 s, registration 180 s) + health 20 s.
    assert_close(this.timeline.click_to_ready_seconds, 200.0);
    // 200 s + the hour + 10 min idle timer + half a 1-minute period + 60 s stop.
    assert_close(this.timeline.task_billed_seconds, 200.0 + 3600.0 + 630.0 + 60.0);
    assert_close(this.timeline.nlb_alive_seconds, 4490.0);
    assert_close(this.timeline.nlb_started_hours, 2.0);

    let meeting = &this.per_meeting;
    assert_close(line(meeting, "Fargate task"), 4490.0 / 3600.0 * 0.05);
    assert_close(line(meeting, "NLB"), 2.0 * 0.02);
    assert_close(line(meeting, "NLB capacity (NLCU)"), PROCESSED_GB * 0.01);
    // The Elastic IP and the task's IP, both alive 4,490 s.
    assert_close(line(meeting, "public IPv4"), 8980.0 / 3600.0 * 0.005);
    // One check a minute while the NLB exists, 2 metrics each.
    assert_close(
        line(meeting, "idle check: GetMetricData"),
        4490.0 / 60.0 * 2.0 * 0.01 / 1000.0,
    );
    // Page + POST /start + ceil(200 s / 2 s) = 100 polls + 8 events = 110 invocations.
    assert_close(
        line(meeting, "Lambda: start, status polls, events"),
        110.0 * 0.20 / 1e6 + 110.0 * 0.1 * 0.25 * 0.00001 + 110.0 * 500.0 / 1e9 * LOG_GB,
    );
    assert_close(line(meeting, "Container Insights"), 4490.0 / 3600.0 * 0.015);
    assert_close(line(meeting, "Jitsi container logs"), 4490.0 / 3600.0 * 0.01 * LOG_GB);
    assert_close(line(meeting, "data transfer out"), OUT_GB * 0.10);

    // Sequential: 120 + 60 + 180 + 20 = 380 s to ready; the task starts once the NLB is active (120 s)
    // and an operator stops at once: 380 − 120 + 3,600 + 60 s of task, 380 + 3,600 + 60 s of NLB.
    let old = &result.old_design;
    assert_close(old.timeline.click_to_ready_seconds, 380.0);
    assert_close(old.timeline.task_billed_seconds, 3920.0);
    assert_close(old.timeline.nlb_alive_seconds, 4040.0);
    assert_close(line(&old.per_meeting, "Fargate task"), 3920.0 / 3600.0 * 0.248);
    assert_close(
        line(&old.per_meeting, "public IPv4"),
        (4040.0 + 3920.0) / 3600.0 * 0.005,
    );
    assert_close(
        old.per_meeting.total_usd,
        3920.0 / 3600.0 * 0.248
            + 0.04
            + 0.054
            + 7960.0 / 3600.0 * 0.005
            + 3920.0 / 3600.0 * 0.015
            + 3920.0 / 3600.0 * 0.01 * LOG_GB
            + 0.36,
    );
}

#[test]
fn month_free_tier_and_break_even() {
    let result = run(&deployment(), 4);
    let this = &result.this_design;
    let old = &result.old_design;
    let this_meeting = 4490.0 / 3600.0 * 0.05
        + 0.04
        + 0.054
        + 8980.0 / 3600.0 * 0.005
        + 4490.0 / 60.0 * 2.0 * 0.01 / 1000.0
        + (110.0 * 0.20 / 1e6 + 110.0 * 0.1 * 0.25 * 0.00001 + 110.0 * 500.0 / 1e9 * LOG_GB)
        + 4490.0 / 3600.0 * 0.015
        + 4490.0 / 3600.0 * 0.01 * LOG_GB
        + 0.36;
    let this_idle = 0.00864 + 0.0108 + 0.011448 + 0.50;
    assert_close(this.per_meeting.total_usd, this_meeting);
    assert_close(this.month.total_usd, this_idle + 10.0 * this_meeting);

    // Everything the free tier covers is within it: 44,300 requests, 1,107.5 GB-s, 36 GB out and
    // 0.0216 + 10 × (0.000055 + 0.0124722…) GB of logs.
    let logs_gb = 0.0216 + 10.0 * (110.0 * 500.0 / 1e9 + 4490.0 / 3600.0 * 0.01);
    assert_close(
        this.month.free_tier_usd,
        44_300.0 * 0.20 / 1e6 + 1_107.5 * 0.00001 + logs_gb * 0.50 + 36.0 * 0.10,
    );
    assert_close(
        this.month.total_after_free_tier_usd,
        this.month.total_usd - this.month.free_tier_usd,
    );

    // The idle check costs 0.030888 a month more than the old design; each meeting saves more than
    // that, so the first meeting of a month pays it back.
    let comparison = &result.comparison;
    assert_close(
        comparison.saving_per_meeting_usd,
        old.per_meeting.total_usd - this_meeting,
    );
    assert_eq!(comparison.cheaper_than_old_from_meetings, Some(1));
    assert_close(
        comparison.saving_per_month_usd,
        0.50 + 10.0 * old.per_meeting.total_usd - (this_idle + 10.0 * this_meeting),
    );

    // Always on: 720 h × (task 0.05 + NLB 0.02 + 2 addresses 0.01 + insights 0.015 + logs 0.0053).
    assert_close(
        this.always_on_month_usd,
        720.0 * (0.05 + 0.02 + 0.01 + 0.015 + 0.01 * LOG_GB),
    );
    let without_traffic = this_meeting - 0.054 - 0.36;
    assert_eq!(
        comparison.cheaper_than_always_on_up_to_meetings,
        Some(((this.always_on_month_usd - this_idle) / without_traffic).floor() as u32)
    );
}

#[test]
fn spot_x86_lambdas_and_two_person_calls() {
    let mut deployment = deployment();
    deployment.fargate_spot = true;
    deployment.lambda_architecture = Architecture::X86_64;
    deployment.task_public_ip = false;
    let result = run(&deployment, 2);
    let this = &result.this_design;
    // Half off on Spot (the test table's discount).
    assert_close(line(&this.running_hour, "Fargate task"), (0.04 + 2.0 * 0.005) * 0.5);
    // x86_64 Lambda duration: 1,080 GB-s × $0.00002.
    assert_close(line(&this.idle_month, "idle check: Lambda duration"), 1_080.0 * 0.00002);
    // Only the Elastic IP.
    assert_close(line(&this.running_hour, "public IPv4"), 0.005);
    // Two people talk peer-to-peer: no media through the NLB.
    assert_close(line(&this.running_hour, "NLB capacity (NLCU)"), 0.0);
    assert_close(line(&this.per_meeting, "data transfer out"), 0.0);
    // The old design keeps its own size, x86 and the task's public IP.
    assert_close(line(&result.old_design.running_hour, "Fargate task"), 0.248);
    assert_close(line(&result.old_design.running_hour, "public IPv4"), 0.01);
}

#[test]
fn a_lets_encrypt_certificate_costs_the_wait_of_the_run_that_orders_it() {
    let without = run(&deployment(), 4);
    assert!(!without
        .this_design
        .per_meeting
        .lines
        .iter()
        .any(|l| l.item.starts_with("certificate")));
    let no_domain = Deployment {
        custom_domain: false,
        lets_encrypt: true,
        ..deployment()
    };
    let meeting = &run(&no_domain, 4).this_design.per_meeting;
    // task-state waits for registration (180 s) and health checks (20 s), then ~10 s for the CA:
    // 210 s × 0.25 GB × $0.00001 per arm64 GB-second.
    assert_close(
        line(meeting, "certificate: the order's run (Lambda)"),
        210.0 * 0.25 * 0.00001,
    );
    assert_close(line(meeting, "certificate: TCP 80 listener, records"), 0.0);
}

#[test]
fn a_scheduled_meeting_costs_a_meeting_of_its_window_started_the_lead_early() {
    let daily = Deployment {
        scheduled: cost::scheduled::windows(
            r#"[{"name":"daily","schedule":"cron(0 9 * * ? *)","minutes":60}]"#,
            7.0,
            chrono::Utc::now(),
        )
        .unwrap(),
        ..deployment()
    };
    let result = run(&daily, 4);
    let (this, old) = (&result.this_design, &result.old_design);
    // Every day: 365 a year, 30 in a 30-day month.
    assert_close(this.month.scheduled_meetings, 30.0);
    // The window is as long as a clicked meeting (1 h); this design starts it 7 min (420 s) before,
    // 220 s before a click's 200 s to ready: 220 s more of the task ($0.05/h), its two public
    // addresses ($0.01/h), Container Insights ($0.015/h) and container logs (0.01 GB/h × $0.53);
    // the NLB stays in its 2 started hours (4,490 s + 220 s). The idle check's metric reads (2
    // metrics a minute at $0.01 per 1,000) are counted too, although the functions skip
    // them inside a window: at $0.0012 an hour, an upper bound that is not worth a second model.
    let early_per_hour = 0.05 + 2.0 * 0.005 + 36.0 * 0.30 / 720.0 + 0.01 * LOG_GB + 120.0 * 0.01 / 1000.0;
    assert_close(
        this.month.scheduled_usd,
        30.0 * (this.per_meeting.total_usd + 220.0 / 3600.0 * early_per_hour),
    );
    // The old design had no schedule: the same meetings, started at the window.
    assert_close(old.month.scheduled_usd, 30.0 * old.per_meeting.total_usd);
    let clicked = run(&deployment(), 4);
    assert_close(
        this.month.total_usd,
        clicked.this_design.month.total_usd + this.month.scheduled_usd,
    );
}
