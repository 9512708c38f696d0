//! The plain-text table for the terminal; `--json` serializes [`Report`] instead.

use crate::estimate::{number, traffic_gb_per_hour, DesignCost, Estimate, Line, Section, StartOrder, MONTH_HOURS};
use crate::idle::IdleResources;
use crate::prices::PriceTable;
use crate::terraform::Deployment;
use serde::Serialize;
use std::fmt::Write;

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub prices_file: String,
    pub prices: PriceTable,
    pub deployment: Deployment,
    pub idle_resources: IdleResources,
    pub estimate: Estimate,
}

fn usd(value: f64) -> String {
    if value == 0.0 {
        "$0".to_string()
    } else if value.abs() < 0.0001 {
        "<$0.0001".to_string()
    } else if value.abs() < 1.0 {
        format!("${value:.4}")
    } else {
        format!("${value:.2}")
    }
}

/// A table cell: 3m20s, 1h14m50s.
fn clock(seconds: f64) -> String {
    let seconds = seconds.round() as u64;
    let (hours, minutes, seconds) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    match (hours, minutes) {
        (0, 0) => format!("{seconds}s"),
        (0, _) => format!("{minutes}m{seconds:02}s"),
        _ => format!("{hours}h{minutes:02}m{seconds:02}s"),
    }
}

/// Prose: 2 min 30 s.
fn duration(seconds: f64) -> String {
    let seconds = seconds.round() as u64;
    match (seconds / 60, seconds % 60) {
        (0, s) => format!("{s} s"),
        (m, 0) => format!("{m} min"),
        (m, s) => format!("{m} min {s} s"),
    }
}

const ITEM_WIDTH: usize = 38;
const WRAP_WIDTH: usize = 118;

fn heading(out: &mut String, title: &str) {
    let _ = writeln!(
        out,
        "\n{title:<width$} {:>11} {:>11}",
        "this",
        "old",
        width = ITEM_WIDTH + 2
    );
}

fn row(out: &mut String, item: &str, this: &str, old: &str, basis: &str) {
    let line = format!("  {item:<ITEM_WIDTH$} {this:>11} {old:>11}   {basis}");
    let _ = writeln!(out, "{}", line.trim_end());
}

/// A section of both designs side by side, matched by item; the basis is this design's, and the old
/// design's too where it differs.
fn section(out: &mut String, this: &Section, old: &Section) {
    let find = |lines: &[Line], item: &str| lines.iter().find(|l| l.item == item).cloned();
    let mut items: Vec<&str> = this.lines.iter().map(|l| l.item.as_str()).collect();
    items.extend(
        old.lines
            .iter()
            .map(|l| l.item.as_str())
            .filter(|item| !this.lines.iter().any(|l| l.item == *item)),
    );
    for item in items {
        let (mine, theirs) = (find(&this.lines, item), find(&old.lines, item));
        let cell = |line: &Option<Line>| line.as_ref().map_or("-".to_string(), |l| usd(l.usd));
        let basis = mine.as_ref().or(theirs.as_ref()).map_or("", |l| l.basis.as_str());
        row(out, item, &cell(&mine), &cell(&theirs), basis);
        if let (Some(mine), Some(theirs)) = (&mine, &theirs) {
            if mine.basis != theirs.basis {
                row(out, "", "", "", &format!("old: {}", theirs.basis));
            }
        }
    }
    row(out, "total", &usd(this.total_usd), &usd(old.total_usd), "");
}

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let d = &report.deployment;
    let e = &report.estimate;
    let (this, old) = (&e.this_design, &e.old_design);
    let _ = writeln!(
        out,
        "jitsi-on-demand cost: AWS {} list prices as of {} ({}); a month is 30 days",
        report.prices.region, report.prices.as_of, report.prices_file
    );

    out.push('\n');
    paragraph(
        &mut out,
        "",
        "  ",
        &format!("Configuration, from {}", d.sources.join(", ")),
    );
    let addresses = if d.task_public_ip {
        "2 while a meeting runs: the NLB's Elastic IP (one subnet) and the task's public IP (assign_public_ip)"
    } else {
        "1 while a meeting runs: the NLB's Elastic IP (one subnet); the task has no public IP"
    };
    let config = [
        (
            "Jitsi task",
            format!(
                "{} vCPU / {} GB {} on {}",
                number(d.task_vcpu),
                number(d.task_memory_gb),
                d.task_architecture,
                if d.fargate_spot { "FARGATE_SPOT" } else { "FARGATE" }
            ),
        ),
        ("public IPv4", addresses.to_string()),
        (
            "idle check",
            format!(
                "stop-meeting on {}: {} invocations a month; a meeting ends {} min after its last flow",
                d.schedule_expression,
                number(MONTH_HOURS * 60.0 / d.schedule_minutes),
                number(d.idle_minutes)
            ),
        ),
        (
            "Lambda",
            format!(
                "the 3 functions: {} MB {}",
                number(d.lambda_memory_mb),
                d.lambda_architecture
            ),
        ),
        (
            "logs",
            format!(
                "kept {} days; Container Insights {}",
                number(d.log_retention_days),
                if d.container_insights { "on" } else { "off" }
            ),
        ),
        (
            "custom domain",
            if d.custom_domain {
                "yes (hosted zone, TLS on the NLB)"
            } else if d.lets_encrypt {
                "none: Let's Encrypt certificate for each meeting's address"
            } else {
                "none (self-signed certificate)"
            }
            .to_string(),
        ),
    ];
    for (key, value) in config {
        let _ = writeln!(out, "  {key:<16}{value}");
    }
    let _ = writeln!(
        out,
        "Usage: {} meetings a month of {} h with {} participants (--meetings, --hours, --participants)",
        e.usage.meetings,
        number(e.usage.hours_per_meeting),
        e.usage.participants
    );

    heading(&mut out, "IDLE, per month");
    section(&mut out, &this.idle_month, &old.idle_month);
    let idle = &report.idle_resources;
    let free = format!(
        "Free while idle ({} of the {} resource types in terraform/): {}",
        idle.free.len(),
        idle.free.len() + idle.priced.len() + idle.unchecked.len(),
        idle.free.join(", ")
    );
    paragraph(&mut out, "  ", "    ", &free);
    for unchecked in &idle.unchecked {
        let _ = writeln!(
            out,
            "  UNCHECKED: {unchecked} may bill while idle; price it in tools/cost/src/idle.rs"
        );
    }

    heading(&mut out, "RUNNING, per meeting hour");
    section(&mut out, &this.running_hour, &old.running_hour);

    heading(
        &mut out,
        &format!("ONE MEETING ({} h of people)", number(e.usage.hours_per_meeting)),
    );
    timeline_rows(&mut out, this, old, e.estimates.stop_seconds);
    section(&mut out, &this.per_meeting, &old.per_meeting);

    heading(
        &mut out,
        &format!(
            "TYPICAL MONTH ({} meetings × {} h)",
            e.usage.meetings,
            number(e.usage.hours_per_meeting)
        ),
    );
    row(
        &mut out,
        "idle",
        &usd(this.month.idle_usd),
        &usd(old.month.idle_usd),
        "",
    );
    row(
        &mut out,
        "meetings",
        &usd(this.month.meetings_usd - this.month.scheduled_usd),
        &usd(old.month.meetings_usd - old.month.scheduled_usd),
        &format!("{} × one meeting", e.usage.meetings),
    );
    if !this.design.scheduled.is_empty() {
        let windows: Vec<String> = this
            .design
            .scheduled
            .iter()
            .map(|w| format!("{} {} × {} min", w.name, number(w.per_month), number(w.minutes)))
            .collect();
        row(
            &mut out,
            &format!("scheduled meetings ({})", number(this.month.scheduled_meetings)),
            &usd(this.month.scheduled_usd),
            &usd(old.month.scheduled_usd),
            &format!(
                "{}; started {} min early (old: at the window)",
                windows.join(", "),
                number(this.design.scheduled_lead_seconds.unwrap_or(0.0) / 60.0)
            ),
        );
    }
    row(
        &mut out,
        "total",
        &usd(this.month.total_usd),
        &usd(old.month.total_usd),
        "",
    );
    row(
        &mut out,
        "total after the always-free tier",
        &usd(this.month.total_after_free_tier_usd),
        &usd(old.month.total_after_free_tier_usd),
        "Lambda, 5 GB logs, 100 GB out, if unused elsewhere",
    );

    let _ = writeln!(out, "\nSAVING AND BREAK-EVEN");
    for sentence in comparison_sentences(e) {
        paragraph(&mut out, "  ", "  ", &sentence);
    }

    let _ = writeln!(out, "\nASSUMPTIONS");
    for assumption in assumptions(report) {
        paragraph(&mut out, "  - ", "    ", &assumption);
    }
    out
}

/// Text wrapped at word boundaries to WRAP_WIDTH.
fn paragraph(out: &mut String, first_indent: &str, indent: &str, text: &str) {
    let mut line = first_indent.to_string();
    let mut empty = true;
    for word in text.split_whitespace() {
        if !empty && line.chars().count() + 1 + word.chars().count() > WRAP_WIDTH {
            let _ = writeln!(out, "{line}");
            line = indent.to_string();
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    let _ = writeln!(out, "{line}");
}

fn timeline_rows(out: &mut String, this: &DesignCost, old: &DesignCost, stop_seconds: f64) {
    let (t, o) = (&this.timeline, &old.timeline);
    let order = |cost: &DesignCost| match cost.design.start {
        StartOrder::Parallel => "all at once",
        StartOrder::Sequential => "NLB, then task, then registration",
    };
    row(
        out,
        "click to ready",
        &clock(t.click_to_ready_seconds),
        &clock(o.click_to_ready_seconds),
        &format!("this: {}; old: {}", order(this), order(old)),
    );
    row(
        out,
        "task billed",
        &clock(t.task_billed_seconds),
        &clock(o.task_billed_seconds),
        &format!(
            "start + meeting + {} idle timer (old: {}) + {} stop",
            duration(this.design.linger_seconds),
            duration(old.design.linger_seconds),
            duration(stop_seconds)
        ),
    );
    row(
        out,
        "NLB and its address alive",
        &clock(t.nlb_alive_seconds),
        &clock(o.nlb_alive_seconds),
        &format!(
            "{} and {} started NLB hours",
            number(t.nlb_started_hours),
            number(o.nlb_started_hours)
        ),
    );
}

fn comparison_sentences(e: &Estimate) -> Vec<String> {
    let (this, old, c) = (&e.this_design, &e.old_design, &e.comparison);
    let usage = format!(
        "{} meetings of {} h",
        e.usage.meetings,
        number(e.usage.hours_per_meeting)
    );
    let mut sentences = Vec::new();
    // A saving reads "less", a negative one "more".
    let less_or_more = |saving: f64| format!("{} {}", usd(saving.abs()), if saving >= 0.0 { "less" } else { "more" });
    let share = if old.month.total_usd > 0.0 {
        format!(
            " ({:.0} % of {})",
            c.saving_per_month_percent.abs(),
            usd(old.month.total_usd)
        )
    } else {
        String::new()
    };
    sentences.push(format!(
        "At {usage} a month this design costs {} than the old one{share}; {} per meeting.",
        less_or_more(c.saving_per_month_usd),
        less_or_more(c.saving_per_meeting_usd),
    ));
    let traffic = |cost: &DesignCost| {
        f64::from(e.usage.meetings) * (cost.per_meeting.total_usd - cost.per_meeting.without_traffic_usd())
    };
    sentences.push(format!(
        "Traffic (NLCU and data transfer out, {} a month) is the same in both; without it: {} against {}.",
        usd(traffic(this)),
        usd(this.month.total_usd - traffic(this)),
        usd(old.month.total_usd - traffic(old)),
    ));
    sentences.push(match c.cheaper_than_old_from_meetings {
        Some(0) => "Break-even against the old design: none needed, it costs no more while idle.".to_string(),
        Some(meetings) => format!(
            "Break-even against the old design: {} the idle check's {} a month.",
            if meetings == 1 {
                "the first meeting of a month pays back".to_string()
            } else {
                format!("{meetings} meetings a month pay back")
            },
            usd(this.month.idle_usd - old.month.idle_usd)
        ),
        None => format!(
            "The old design is cheaper per meeting by {}: this configuration's task costs more per hour.",
            usd(-c.saving_per_meeting_usd)
        ),
    });
    let always_on = usd(this.always_on_month_usd);
    sentences.push(match c.cheaper_than_always_on_up_to_meetings {
        Some(meetings) => format!(
            "Always on (this task, NLB and addresses for {} h, no idle check): {always_on} a month. On demand stays \
             cheaper up to {meetings} meetings of {} h a month (about {} a day).",
            number(MONTH_HOURS),
            number(e.usage.hours_per_meeting),
            number((f64::from(meetings) / 30.0 * 10.0).floor() / 10.0)
        ),
        None => format!(
            "Always on (this task, NLB and addresses for {} h): {always_on} a month; on demand is cheaper at any \
             number of {} h meetings that fits in a month.",
            number(MONTH_HOURS),
            number(e.usage.hours_per_meeting)
        ),
    });
    sentences
}

fn assumptions(report: &Report) -> Vec<String> {
    let e = &report.estimate;
    let x = &e.estimates;
    let d = &report.deployment;
    let (processed_gb, out_gb) = traffic_gb_per_hour(&e.usage, x);
    let mut list = vec![
        format!(
            "Prices: {} figures of the team's design notes, plus Lambda x86_64, log storage, custom metrics and data \
             transfer out from the AWS price pages (each entry names its source); list prices, no free tier \
             unless stated.",
            report.prices.region
        ),
        "Old design (the team's design notes): 4 vCPU / 8 GB x86_64 on FARGATE; the same per-meeting NLB in one subnet \
         (its own public IP) plus the task's public IP; no Lambdas, schedule or metric reads; an operator runs \
         scale-down.pl the moment people leave (its best case, no idle timer); logs, Container Insights and \
         domain as this configuration."
            .to_string(),
        format!(
            "Timings (the team's design notes): NLB active {} (public apply logs: 2 min 20 s – 2 min 40 s), task start \
             with image pull {}, registration before health checks count {} (AWS support: 3–5 min), health \
             checks {} (interval × healthy threshold, terraform/target_groups.tf), stop {}.",
            duration(x.nlb_active_seconds),
            duration(x.task_start_seconds),
            duration(x.target_registration_seconds),
            duration(d.health_check_seconds),
            duration(x.stop_seconds)
        ),
        "Billing: Fargate per second from launch to stop; the NLB per started hour of its life; each public \
         IPv4 for its life (the Elastic IP from the click until it is released after the NLB)."
            .to_string(),
        if e.usage.participants >= 3 {
            format!(
                "Traffic: each participant sends {} and receives {} Mbit/s through the JVB: {} GB an hour through \
                 the NLB, {} GB an hour out to the internet. Calls of two are peer-to-peer.",
                number(x.upload_mbps),
                number(x.download_mbps),
                number(processed_gb),
                number(out_gb)
            )
        } else {
            "Traffic: a call of two is peer-to-peer; only signalling, too little to price, passes the NLB.".to_string()
        },
        format!(
            "Lambda: every invocation bills {} ms (--invocation-ms) and logs {} B; cold-start init, a few a day, \
             is not counted. The start page polls the status every {} s until ready; {} ECS task events a meeting.",
            number(x.invocation_ms),
            number(x.log_bytes_per_invocation),
            number(x.status_poll_seconds),
            number(x.task_events_per_meeting)
        ),
        format!(
            "Logs: the Jitsi containers write {} MB per task hour; storage is priced uncompressed for the whole \
             retention (an upper bound).",
            number(x.task_log_mb_per_hour)
        ),
    ];
    if d.fargate_spot {
        list.push(format!(
            "Spot: {:.0} % off (AWS: up to); AWS may reclaim the task with a 2-minute notice, which ends the meeting.",
            report.prices.prices.fargate_spot_discount.fraction * 100.0
        ));
    }
    if d.container_insights {
        list.push(format!(
            "Container Insights: {} metrics while the task runs, prorated by the hour; nothing at 0 tasks.",
            number(x.container_insights_metrics)
        ));
    }
    list.push(
        "Not included: taxes, support, Savings Plans, Route 53 queries ($0.40 per million), KMS requests for \
         SecureString reads (within the 20,000 a month free), image pulls (inbound traffic is free)."
            .to_string(),
    );
    list
}
