//! The decision: from a [`Snapshot`] of what exists to the steps that move it toward what should.
//! Pure functions over plain values; `reconcile` runs them in a loop with `cloud::Aws`.

use crate::config::{Config, JVB_PORT, WEB_PORT};
use crate::idle::{decide_idle, last_in_use};
use crate::model::{ListenerSpec, LoadBalancer, Snapshot, Time};
use serde::Serialize;

/// Why the reconcile runs. Only `Start` and `Stop` change what is wanted; a `Tick` may end an
/// idle meeting; every trigger converges everything else from what AWS reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Intent {
    Start,
    Stop,
    /// An ECS task changed state.
    TaskChanged,
    /// The schedule: check idleness and clean up.
    Tick,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    AllocateAddress {
        /// The allocation's started-by tag: what the notification says started the meeting.
        started_by: String,
    },
    ReleaseAddress {
        allocation_id: String,
    },
    CreateLoadBalancer {
        allocation_id: String,
    },
    DeleteLoadBalancer {
        arn: String,
    },
    CreateListener {
        load_balancer_arn: String,
        spec: ListenerSpec,
    },
    DeleteListener {
        arn: String,
    },
    RegisterTargets {
        target_group_arn: String,
        ips: Vec<String>,
    },
    DeregisterTargets {
        target_group_arn: String,
        ips: Vec<String>,
    },
    WriteAdvertisedIps {
        value: String,
    },
    /// Points the meeting hostname at `ip`: the meeting's address, or the idle placeholder. The
    /// record is never deleted (a deleted name is cached as NXDOMAIN for the zone's negative TTL).
    UpsertDnsRecord {
        ip: String,
    },
    SetDesiredCount(i32),
    /// The task started before the advertised IPs changed, so it advertises stale ones.
    StopTask {
        arn: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// Nobody joined within the no-show timeout.
    NoShow,
    /// No flows for the idle timeout after people were there.
    Idle,
    MaxLength,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Plan {
    pub steps: Vec<Step>,
    /// Set when a tick decided to end the meeting.
    pub stop_reason: Option<StopReason>,
}

pub fn plan(snapshot: &Snapshot, intent: Intent, config: &Config, now: Time) -> Plan {
    // A tick is also the schedule's invocation: inside a window it wants the meeting, and the
    // idle and no-show rules wait for the window's end.
    let window = match intent {
        Intent::Tick => open_window(snapshot, config, now),
        _ => None,
    };
    let stop_reason = match intent {
        Intent::Tick if snapshot.desired_count > 0 && window.is_none() => idle_verdict(snapshot, &config.idle, now),
        _ => None,
    };
    let wanted = match intent {
        Intent::Start => true,
        Intent::Stop => false,
        Intent::TaskChanged => snapshot.desired_count > 0,
        Intent::Tick => window.is_some() || (snapshot.desired_count > 0 && stop_reason.is_none()),
    };

    let mut steps = converge_targets(snapshot, config);
    if wanted {
        let started_by = match &window {
            Some(open) => crate::model::started_by_schedule(&open.window),
            None => crate::model::STARTED_BY_CLICK.to_string(),
        };
        steps.extend(bring_up(snapshot, config, started_by));
    } else {
        steps.extend(wind_down(snapshot, config));
    }
    Plan { steps, stop_reason }
}

/// Live tasks' IPs registered on both target groups, and nothing else.
fn converge_targets(snapshot: &Snapshot, config: &Config) -> Vec<Step> {
    let live = snapshot.live_task_ips();
    let mut steps = Vec::new();
    for (target_group_arn, targets) in config.target_groups(snapshot) {
        let registered: Vec<&str> = targets.iter().map(|t| t.ip.as_str()).collect();
        let missing: Vec<String> = live
            .iter()
            .filter(|ip| !registered.contains(ip))
            .map(|ip| ip.to_string())
            .collect();
        let stale: Vec<String> = targets
            .iter()
            .filter(|t| !live.contains(&t.ip.as_str()) && t.health != crate::model::TargetHealth::Draining)
            .map(|t| t.ip.clone())
            .collect();
        if !missing.is_empty() {
            steps.push(Step::RegisterTargets {
                target_group_arn: target_group_arn.clone(),
                ips: missing,
            });
        }
        if !stale.is_empty() {
            steps.push(Step::DeregisterTargets {
                target_group_arn: target_group_arn.clone(),
                ips: stale,
            });
        }
    }
    steps
}

fn bring_up(snapshot: &Snapshot, config: &Config, started_by: String) -> Vec<Step> {
    let mut steps = Vec::new();
    let meeting_lb = snapshot.meeting_load_balancer();
    for duplicate in &snapshot.load_balancers {
        if Some(&duplicate.arn) != meeting_lb.map(|lb| &lb.arn) {
            steps.push(Step::DeleteLoadBalancer {
                arn: duplicate.arn.clone(),
            });
        }
    }

    let address = match (snapshot.meeting_address(), meeting_lb) {
        (Some(address), _) => address,
        // Everything else hangs on the address; the next round carries on with it.
        (None, None) => {
            steps.push(Step::AllocateAddress { started_by });
            return steps;
        }
        // AWS reports a load balancer's addresses from its creation; never allocate beside one.
        (None, Some(_)) => return steps,
    };
    for spare in &snapshot.addresses {
        if spare.allocation_id != address.allocation_id && releasable(snapshot, spare) {
            steps.push(Step::ReleaseAddress {
                allocation_id: spare.allocation_id.clone(),
            });
        }
    }

    // The load balancer fixes the meeting's address (it reports the one it holds); only then are
    // the advertised IPs written and the task asked for, so a task never reads another address.
    let Some(lb) = meeting_lb else {
        steps.push(Step::CreateLoadBalancer {
            allocation_id: address.allocation_id.clone(),
        });
        return steps;
    };

    // The task reads the advertised IPs once, at launch: write them before asking for it.
    let advertised_is_current = snapshot.advertised.value == address.public_ip;
    if !advertised_is_current {
        steps.push(Step::WriteAdvertisedIps {
            value: address.public_ip.clone(),
        });
    }
    if snapshot.desired_count == 0 {
        steps.push(Step::SetDesiredCount(1));
    } else if advertised_is_current {
        steps.extend(recycle_stale_tasks(snapshot, lb));
    }

    if let Some(listeners) = &lb.listeners {
        let wanted = wanted_listeners(config);
        for listener in listeners {
            if !wanted.contains(&listener.spec) {
                steps.push(Step::DeleteListener {
                    arn: listener.arn.clone(),
                });
            }
        }
        for spec in wanted {
            if !listeners.iter().any(|l| l.spec == spec) {
                steps.push(Step::CreateListener {
                    load_balancer_arn: lb.arn.clone(),
                    spec,
                });
            }
        }
    }

    if config.dns.is_some() && !dns_points_at(snapshot, &address.public_ip) {
        steps.push(Step::UpsertDnsRecord {
            ip: address.public_ip.clone(),
        });
    }
    steps
}

/// Tasks launched before the advertised IPs last changed, or before the meeting's load balancer
/// existed, may carry another address (only a race makes one); ECS replaces a stopped task with
/// one that reads the current value.
fn recycle_stale_tasks(snapshot: &Snapshot, lb: &LoadBalancer) -> Vec<Step> {
    let changed_at = snapshot
        .advertised
        .modified_at
        .map_or(lb.created_at, |at| at.max(lb.created_at));
    snapshot
        .tasks
        .iter()
        .filter(|t| t.is_live() && t.created_at.is_some_and(|created| created < changed_at))
        .map(|t| Step::StopTask { arn: t.arn.clone() })
        .collect()
}

fn wind_down(snapshot: &Snapshot, config: &Config) -> Vec<Step> {
    let mut steps = Vec::new();
    if snapshot.desired_count != 0 {
        steps.push(Step::SetDesiredCount(0));
    }
    // A task on its way down still serves the last seconds of the meeting; wait for it.
    if snapshot.any_task_present() {
        return steps;
    }
    for lb in &snapshot.load_balancers {
        steps.push(Step::DeleteLoadBalancer { arn: lb.arn.clone() });
    }
    if let Some(dns) = &config.dns {
        if !dns_points_at(snapshot, &dns.idle_address) {
            steps.push(Step::UpsertDnsRecord {
                ip: dns.idle_address.clone(),
            });
        }
    }
    for address in snapshot.addresses.iter().filter(|a| releasable(snapshot, a)) {
        steps.push(Step::ReleaseAddress {
            allocation_id: address.allocation_id.clone(),
        });
    }
    steps
}

/// An address may go once nothing holds it: no load balancer reports it, AWS has detached it
/// (that lags the load balancer's deletion), and the meeting hostname no longer points at it.
fn releasable(snapshot: &Snapshot, address: &crate::model::Address) -> bool {
    !address.associated
        && !snapshot.held_by_load_balancer(&address.allocation_id)
        && !snapshot
            .dns_record
            .as_ref()
            .is_some_and(|r| r.values.contains(&address.public_ip))
}

fn dns_points_at(snapshot: &Snapshot, ip: &str) -> bool {
    snapshot.dns_record.as_ref().is_some_and(|r| r.values == [ip])
}

pub fn wanted_listeners(config: &Config) -> Vec<ListenerSpec> {
    let web_protocol = if config.certificate_arn.is_some() { "TLS" } else { "TCP" };
    let mut listeners = vec![
        ListenerSpec {
            protocol: "UDP".into(),
            port: JVB_PORT,
            target_group_arn: config.jvb_target_group_arn.clone(),
            certificate_arn: None,
        },
        ListenerSpec {
            protocol: web_protocol.into(),
            port: WEB_PORT,
            target_group_arn: config.web_target_group_arn.clone(),
            certificate_arn: config.certificate_arn.clone(),
        },
    ];
    if let Some(acme) = &config.acme {
        listeners.push(ListenerSpec {
            protocol: "TCP".into(),
            port: crate::config::HTTP_PORT.into(),
            target_group_arn: acme.http_target_group_arn.clone(),
            certificate_arn: None,
        });
    }
    listeners
}

/// The scheduled window that wants a meeting now: open, and the meeting not stopped by hand since
/// it woke (a manual stop inside a window is respected until the next one).
pub fn open_window(snapshot: &Snapshot, config: &Config, now: Time) -> Option<crate::schedule::Occurrence> {
    config.schedule.open_at(now, snapshot.manual_stop_at)
}

/// Whether a wanted meeting should end now (see `idle`: media and sustained signalling count as
/// use, so a peer-to-peer 1:1 call keeps the meeting alive and a scanner does not).
fn idle_verdict(snapshot: &Snapshot, policy: &crate::config::IdlePolicy, now: Time) -> Option<StopReason> {
    let started = snapshot.meeting_started_at()?;
    let traffic = snapshot.traffic.as_ref()?;
    decide_idle(started, last_in_use(traffic), policy, now)
}
