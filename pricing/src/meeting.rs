//! What this meeting cost, from how long each billed piece lived and the dated price table that
//! `make cost` uses (pricing/prices-us-east-1.json, read through `table`).

use crate::table::PriceTable;
use std::time::Duration;

/// The Jitsi task as its task definition and service say.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskSize {
    pub vcpu: f64,
    pub memory_gb: f64,
    pub arm64: bool,
    /// FARGATE_SPOT capacity: the table's Spot discount applies.
    pub spot: bool,
}

/// How long each billed piece existed (until now for what still exists).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Lifetimes {
    pub task: Option<Duration>,
    pub load_balancer: Option<Duration>,
    pub elastic_ip: Option<Duration>,
    /// The task's own public IPv4 (the service's `assignPublicIp`), billed for the task's life.
    pub task_public_ip: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CostLine {
    pub item: String,
    pub detail: String,
    pub usd: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CostBreakdown {
    /// Which prices, from where.
    pub basis: String,
    pub lines: Vec<CostLine>,
    pub total_usd: f64,
}

pub fn estimate(prices: &PriceTable, table_name: &str, size: Option<&TaskSize>, life: &Lifetimes) -> CostBreakdown {
    let p = &prices.prices;
    let mut lines = Vec::new();
    match (size, life.task) {
        (Some(size), Some(task)) => {
            // Fargate bills per second from the image pull to the task's end, at least a minute.
            let billed = task.as_secs_f64().ceil().max(60.0);
            let (vcpu_hour, gb_hour, arch) = if size.arm64 {
                (p.fargate_arm64_vcpu_hour.usd, p.fargate_arm64_gb_hour.usd, "arm64")
            } else {
                (p.fargate_x86_64_vcpu_hour.usd, p.fargate_x86_64_gb_hour.usd, "x86_64")
            };
            let discount = if size.spot {
                p.fargate_spot_discount.fraction
            } else {
                0.0
            };
            let hourly = (size.vcpu * vcpu_hour + size.memory_gb * gb_hour) * (1.0 - discount);
            let spot = if size.spot { ", Spot" } else { "" };
            lines.push(CostLine {
                item: "Fargate task".into(),
                detail: format!(
                    "{} vCPU / {} GB {arch}{spot}, {} billed",
                    number(size.vcpu),
                    number(size.memory_gb),
                    clock(billed)
                ),
                usd: hourly * billed / 3600.0,
            });
        }
        (None, Some(task)) => lines.push(CostLine {
            item: "Fargate task".into(),
            detail: format!("{} (task size unknown: not priced)", clock(task.as_secs_f64())),
            usd: 0.0,
        }),
        _ => {}
    }
    if let Some(lb) = life.load_balancer {
        // An NLB bills each started hour in full.
        let hours = (lb.as_secs_f64() / 3600.0).ceil().max(1.0);
        lines.push(CostLine {
            item: "NLB".into(),
            detail: format!(
                "{} started hour{} ({} alive; NLCU for a few kB: nil)",
                hours,
                if hours == 1.0 { "" } else { "s" },
                clock(lb.as_secs_f64())
            ),
            usd: hours * p.nlb_hour.usd,
        });
    }
    let eip = life.elastic_ip.map_or(0.0, |d| d.as_secs_f64());
    let task_ip = if life.task_public_ip {
        life.task.map_or(0.0, |d| d.as_secs_f64())
    } else {
        0.0
    };
    if eip + task_ip > 0.0 {
        let addresses = if task_ip > 0.0 && eip > 0.0 {
            "Elastic IP and the task's IP"
        } else if eip > 0.0 {
            "Elastic IP"
        } else {
            "the task's IP"
        };
        lines.push(CostLine {
            item: "public IPv4".into(),
            detail: format!("{addresses}, {:.1} address-min", (eip + task_ip) / 60.0),
            usd: (eip + task_ip) / 3600.0 * p.public_ipv4_hour.usd,
        });
    }
    CostBreakdown {
        basis: format!("({} list prices as of {}, {table_name})", prices.region, prices.as_of),
        // A fold from +0.0: an empty f64 sum is -0.0.
        total_usd: lines.iter().fold(0.0, |total, line| total + line.usd),
        lines,
    }
}

fn number(value: f64) -> String {
    if value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        format!("{value}")
    }
}

fn clock(seconds: f64) -> String {
    let whole = seconds.round() as u64;
    if whole >= 3600 {
        format!("{}h{:02}m{:02}s", whole / 3600, (whole % 3600) / 60, whole % 60)
    } else {
        format!("{}m{:02}s", whole / 60, whole % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> PriceTable {
        PriceTable::built_in()
    }

    fn arm64() -> TaskSize {
        TaskSize {
            vcpu: 2.0,
            memory_gb: 4.0,
            arm64: true,
            spot: false,
        }
    }

    #[test]
    fn prices_a_short_meeting_by_hand() {
        let life = Lifetimes {
            task: Some(Duration::from_secs(200)),
            load_balancer: Some(Duration::from_secs(200)),
            elastic_ip: Some(Duration::from_secs(230)),
            task_public_ip: true,
        };
        let cost = estimate(&table(), "prices.json", Some(&arm64()), &life);
        // 2 × 0.03238 + 4 × 0.00356 = 0.07900 $/h for 200 s.
        assert!((cost.lines[0].usd - 0.079 * 200.0 / 3600.0).abs() < 1e-9);
        assert_eq!(cost.lines[0].detail, "2 vCPU / 4 GB arm64, 3m20s billed");
        // One started NLB hour.
        assert_eq!(cost.lines[1].usd, 0.0225);
        assert_eq!(
            cost.lines[1].detail,
            "1 started hour (3m20s alive; NLCU for a few kB: nil)"
        );
        // 230 s + 200 s of public IPv4 at 0.005 $/h.
        assert!((cost.lines[2].usd - 430.0 / 3600.0 * 0.005).abs() < 1e-12);
        assert_eq!(cost.lines[2].detail, "Elastic IP and the task's IP, 7.2 address-min");
        assert!((cost.total_usd - 0.0274861).abs() < 1e-6);
        assert_eq!(cost.basis, "(us-east-1 list prices as of 2026-11-23, prices.json)");
    }

    #[test]
    fn a_task_bills_at_least_a_minute_and_spot_takes_the_discount() {
        let spot = TaskSize {
            spot: true,
            arm64: false,
            ..arm64()
        };
        let life = Lifetimes {
            task: Some(Duration::from_secs(20)),
            ..Default::default()
        };
        let cost = estimate(&table(), "t", Some(&spot), &life);
        // x86: 2 × 0.04048 + 4 × 0.004445 = 0.09874 $/h, 70 % off, for 60 s.
        assert!((cost.lines[0].usd - 0.09874 * 0.3 / 60.0).abs() < 1e-9);
        assert!(cost.lines[0].detail.contains("x86_64, Spot, 1m00s billed"));
        assert_eq!(cost.lines.len(), 1);
    }

    #[test]
    fn an_nlb_past_the_hour_bills_two_and_unknown_sizes_are_not_priced() {
        let life = Lifetimes {
            task: Some(Duration::from_secs(3700)),
            load_balancer: Some(Duration::from_secs(3601)),
            ..Default::default()
        };
        let cost = estimate(&table(), "t", None, &life);
        assert_eq!(cost.lines[0].usd, 0.0);
        assert!(cost.lines[0].detail.contains("task size unknown"));
        assert_eq!(cost.lines[1].usd, 0.045);
        assert!(cost.lines[1].detail.starts_with("2 started hours (1h00m01s alive"));
        assert_eq!(cost.total_usd, 0.045);
    }

    #[test]
    fn nothing_alive_costs_nothing() {
        let cost = estimate(&table(), "t", Some(&arm64()), &Lifetimes::default());
        assert!(cost.lines.is_empty());
        assert_eq!(cost.total_usd, 0.0);
    }
}
