//! Snapshots as AWS reports them through a meeting's life, shared by the plan and status tests.
#![allow(dead_code)] // each test file uses its own part

use chrono::{Duration, TimeZone, Utc};
use lifecycle::config::Config;
use lifecycle::model::*;
use lifecycle::plan::{plan, wanted_listeners, Intent, Step};
use std::collections::HashMap;

pub const IDLE_DNS: &str = "192.0.2.1";
pub const JVB: &str = "arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/jvb/1";
pub const WEB: &str = "arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/web/2";
pub const LB: &str = "arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/net/jitsi-meeting/aaa";
pub const LB_LATER: &str = "arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/net/jitsi-meeting/bbb";

pub fn config() -> Config {
    let vars: HashMap<String, String> = [
        ("CLUSTER_NAME", "jitsi"),
        ("SERVICE_NAME", "jitsi"),
        ("SUBNET_ID", "subnet-1"),
        ("JVB_TARGET_GROUP_ARN", JVB),
        ("WEB_TARGET_GROUP_ARN", WEB),
        ("LOAD_BALANCER_NAME", "jitsi-meeting"),
        ("ADVERTISE_IPS_PARAMETER", "/jitsi/advertise-ips"),
        ("START_SECRET_HASH_PARAMETER", "/jitsi/start-secret-hash"),
        ("JWT_APP_ID", "jitsi-on-demand-1a2b"),
        ("JWT_SECRET_PARAMETER", "/jitsi/jwt-secret"),
        ("STACK_TAG", "jitsi"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    Config::from_vars(&vars).unwrap()
}

pub fn with_dns(mut config: Config) -> Config {
    config.dns = Some(lifecycle::config::DnsConfig {
        hosted_zone_id: "Z1".into(),
        hostname: "meet.example.org".into(),
        idle_address: IDLE_DNS.into(),
    });
    config
}

pub fn t(minutes: i64) -> Time {
    Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap() + Duration::minutes(minutes)
}

/// An Elastic IP not attached to anything: `eipalloc-N` has the address N.N.N.N (1: 3.3.3.3).
pub fn address(id: &str) -> Address {
    Address {
        allocation_id: id.into(),
        public_ip: ip_of(id),
        associated: false,
        allocated_at: Some(t(0)),
        started_by: None,
    }
}

/// The same address attached to a load balancer's network interface.
pub fn attached(id: &str) -> Address {
    Address {
        associated: true,
        ..address(id)
    }
}

fn ip_of(allocation: &str) -> String {
    match allocation.trim_start_matches("eipalloc-") {
        "1" => "3.3.3.3".into(),
        n => format!("{n}.{n}.{n}.{n}"),
    }
}

/// The load balancer AWS reports, with the Elastic IP it was created with.
pub fn load_balancer(
    arn: &str,
    created: Time,
    allocation: &str,
    state: LoadBalancerState,
    with_listeners: bool,
) -> LoadBalancer {
    let listeners = if with_listeners {
        wanted_listeners(&config())
            .into_iter()
            .enumerate()
            .map(|(i, spec)| Listener {
                arn: format!("{arn}/listener/{i}"),
                spec,
            })
            .collect()
    } else {
        Vec::new()
    };
    LoadBalancer {
        arn: arn.into(),
        dns_name: "jitsi-meeting-1.elb.amazonaws.com".into(),
        state,
        created_at: created,
        addresses: vec![LoadBalancerAddress {
            allocation_id: allocation.into(),
            public_ip: ip_of(allocation),
        }],
        listeners: Some(listeners),
    }
}

pub fn task(id: &str, ip: &str, last: &str, desired: &str, created: Time) -> Task {
    Task {
        arn: format!("arn:aws:ecs:us-east-1:1:task/jitsi/{id}"),
        last_status: last.into(),
        desired_status: desired.into(),
        private_ip: Some(ip.into()),
        created_at: Some(created),
        started_at: (last == "RUNNING").then_some(created + Duration::minutes(1)),
        stopped_reason: (last == "STOPPED").then(|| "Scaling activity initiated by deployment".into()),
    }
}

pub fn target(ip: &str, health: TargetHealth) -> Target {
    Target { ip: ip.into(), health }
}

pub fn advertised(value: &str, at: Time) -> Advertised {
    Advertised {
        value: value.into(),
        modified_at: Some(at),
    }
}

// The phases a meeting goes through, as AWS would report them.

pub fn idle() -> Snapshot {
    Snapshot {
        advertised: advertised("0.0.0.0", t(-100)),
        ..Snapshot::default()
    }
}

pub fn starting() -> Snapshot {
    Snapshot {
        desired_count: 1,
        tasks: vec![task("a", "10.0.0.5", "PENDING", "RUNNING", t(0))],
        load_balancers: vec![load_balancer(
            LB,
            t(0),
            "eipalloc-1",
            LoadBalancerState::Provisioning,
            true,
        )],
        addresses: vec![attached("eipalloc-1")],
        jvb_targets: vec![target("10.0.0.5", TargetHealth::Initial)],
        web_targets: vec![target("10.0.0.5", TargetHealth::Initial)],
        advertised: advertised("3.3.3.3", t(0)),
        ..Snapshot::default()
    }
}

pub fn ready() -> Snapshot {
    Snapshot {
        tasks: vec![task("a", "10.0.0.5", "RUNNING", "RUNNING", t(0))],
        load_balancers: vec![load_balancer(LB, t(0), "eipalloc-1", LoadBalancerState::Active, true)],
        jvb_targets: vec![target("10.0.0.5", TargetHealth::Healthy)],
        web_targets: vec![target("10.0.0.5", TargetHealth::Healthy)],
        ..starting()
    }
}

/// Desired count back to 0; ECS is stopping the task.
pub fn stopping() -> Snapshot {
    Snapshot {
        desired_count: 0,
        tasks: vec![task("a", "10.0.0.5", "DEACTIVATING", "STOPPED", t(0))],
        jvb_targets: vec![target("10.0.0.5", TargetHealth::Draining)],
        web_targets: vec![target("10.0.0.5", TargetHealth::Draining)],
        ..ready()
    }
}

/// The task is gone; the load balancer and address are left to clean up.
pub fn drained() -> Snapshot {
    Snapshot {
        tasks: vec![task("a", "10.0.0.5", "STOPPED", "STOPPED", t(0))],
        jvb_targets: vec![],
        web_targets: vec![],
        ..stopping()
    }
}

/// The load balancer is deleted and AWS has detached the address; it is still allocated.
pub fn leftover_address() -> Snapshot {
    Snapshot {
        load_balancers: vec![],
        addresses: vec![address("eipalloc-1")],
        ..drained()
    }
}

/// People in the meeting until the end of minute 28 (media through the bridge).
pub fn busy() -> Traffic {
    traffic_until(28)
}

pub fn traffic_until(minute: i64) -> Traffic {
    Traffic {
        minutes: vec![TrafficMinute {
            minute: t(minute),
            media_bytes: 1_000_000.0,
            signalling_bytes: 20_000.0,
        }],
    }
}

pub fn steps(snapshot: &Snapshot, intent: Intent, now: Time) -> Vec<Step> {
    plan(snapshot, intent, &config(), now).steps
}

/// The first step of a click's start from nothing.
pub fn click_allocation() -> Step {
    Step::AllocateAddress {
        started_by: STARTED_BY_CLICK.into(),
    }
}
