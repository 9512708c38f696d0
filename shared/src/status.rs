//! The status document that `GET /status` returns and the start page shows, derived from a
//! [`Snapshot`] alone.

use crate::config::Config;
use crate::model::{LoadBalancerState, Snapshot, Target, TargetHealth, Task, Time};
use crate::plan::wanted_listeners;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Idle,
    Starting,
    Ready,
    Stopping,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Idle => "idle",
            Phase::Starting => "starting",
            Phase::Ready => "ready",
            Phase::Stopping => "stopping",
        }
    }

    /// One sentence for people, shown by the page.
    pub fn summary(self) -> &'static str {
        match self {
            Phase::Idle => "No meeting is running.",
            Phase::Starting => "Starting your meeting…",
            Phase::Ready => "Your meeting is ready.",
            Phase::Stopping => "The last meeting is shutting down. You can start a new one.",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepState {
    Waiting,
    InProgress,
    Done,
    Failed,
    Skipped,
}

impl StepState {
    pub fn as_str(self) -> &'static str {
        match self {
            StepState::Waiting => "waiting",
            StepState::InProgress => "in_progress",
            StepState::Done => "done",
            StepState::Failed => "failed",
            StepState::Skipped => "skipped",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepStatus {
    pub name: &'static str,
    pub state: StepState,
    /// When the step began or finished, where AWS reports it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<Time>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Status {
    pub phase: Phase,
    pub summary: &'static str,
    pub started_at: Option<Time>,
    pub observed_at: Time,
    pub steps: Vec<StepStatus>,
    /// Absent (not null) until the meeting is ready, and always for a request without the key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meeting_url: Option<String>,
    pub error: Option<String>,
    /// The next scheduled meeting that has not begun, with windows configured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_scheduled: Option<crate::schedule::Occurrence>,
}

impl Status {
    pub fn step(&self, name: &str) -> Option<&StepStatus> {
        self.steps.iter().find(|s| s.name == name)
    }

    /// What anyone may see: the phase and the steps, never where the meeting is (its URL, its
    /// public address, its hostname). The key holder gets the whole document.
    pub fn public(&self) -> Status {
        let mut public = self.clone();
        public.meeting_url = None;
        for step in &mut public.steps {
            // A certificate's reason may name the address ("cannot connect to <ip>:443").
            if matches!(step.name, "address" | "dns" | "certificate") {
                step.detail = None;
            }
        }
        public
    }
}

pub fn status(snapshot: &Snapshot, config: &Config, now: Time) -> Status {
    let address = snapshot.meeting_address();
    let address = address.as_ref();
    let lb = snapshot.meeting_load_balancer();
    let running = snapshot
        .tasks
        .iter()
        .filter(|t| t.is_running())
        .max_by_key(|t| t.started_at);
    let live = snapshot
        .tasks
        .iter()
        .filter(|t| t.is_live())
        .max_by_key(|t| t.created_at);
    let live_ips = snapshot.live_task_ips();

    let address_step = match address {
        Some(a) => step("address", StepState::Done, a.allocated_at, Some(a.public_ip.clone())),
        None => step("address", StepState::Waiting, None, None),
    };

    let load_balancer_step = match lb {
        None => step("load_balancer", StepState::Waiting, None, None),
        Some(lb) => {
            // A status read leaves the listeners out: healthy targets prove them.
            let listeners_ready = lb.listeners.as_ref().is_none_or(|listeners| {
                wanted_listeners(config)
                    .iter()
                    .all(|spec| listeners.iter().any(|l| &l.spec == spec))
            });
            let state = match lb.state {
                LoadBalancerState::Failed => StepState::Failed,
                LoadBalancerState::Active if listeners_ready => StepState::Done,
                _ => StepState::InProgress,
            };
            let detail = match lb.state {
                LoadBalancerState::Provisioning => "provisioning",
                LoadBalancerState::Active if listeners_ready => "active",
                LoadBalancerState::Active => "adding listeners",
                LoadBalancerState::Failed => "failed",
            };
            step("load_balancer", state, Some(lb.created_at), Some(detail.into()))
        }
    };

    // A start asks for the task only once the load balancer holds the meeting's address; a task
    // launched before it can only come from a race and may advertise another address (the
    // reconcile replaces it).
    let stale = |t: &&Task| lb.is_some_and(|lb| t.created_at.is_some_and(|created| created < lb.created_at));
    let task_step = match (running, live) {
        (Some(t), _) if stale(&t) => step(
            "task",
            StepState::InProgress,
            t.created_at,
            Some("replacing a task that started before this meeting's address".into()),
        ),
        (Some(t), _) => step("task", StepState::Done, t.started_at, Some("RUNNING".into())),
        (None, Some(t)) => step("task", StepState::InProgress, t.created_at, Some(t.last_status.clone())),
        (None, None) => step("task", StepState::Waiting, None, None),
    };

    let registered = |targets: &[Target], ip: &str| targets.iter().any(|t| t.ip == ip);
    let registration_step = if live_ips.is_empty() {
        step("registration", StepState::Waiting, None, None)
    } else if live_ips.iter().all(|ip| {
        config
            .target_groups(snapshot)
            .iter()
            .all(|(_, targets)| registered(targets, ip))
    }) {
        step("registration", StepState::Done, None, Some(live_ips.join(", ")))
    } else {
        step("registration", StepState::InProgress, None, None)
    };

    let health_of = |targets: &[Target], ip: &str| targets.iter().find(|t| t.ip == ip).map(|t| t.health.clone());
    let health_step = match running.and_then(|t| t.private_ip.as_deref()) {
        None => step("health", StepState::Waiting, None, None),
        Some(ip) => match (
            health_of(&snapshot.jvb_targets, ip),
            health_of(&snapshot.web_targets, ip),
        ) {
            (Some(TargetHealth::Healthy), Some(TargetHealth::Healthy)) => {
                step("health", StepState::Done, None, Some("healthy".into()))
            }
            (jvb, web) => {
                let describe = |h: Option<TargetHealth>| match h {
                    None => "not registered".to_string(),
                    Some(TargetHealth::Unhealthy(reason)) => format!("unhealthy ({reason})"),
                    Some(h) => format!("{h:?}").to_lowercase(),
                };
                let detail = format!("video bridge {}, web {}", describe(jvb), describe(web));
                step("health", StepState::InProgress, None, Some(detail))
            }
        },
    };

    let dns_step = match (&config.dns, address) {
        (None, _) => step("dns", StepState::Skipped, None, None),
        (Some(dns), Some(a))
            if snapshot
                .dns_record
                .as_ref()
                .is_some_and(|r| r.values == [a.public_ip.clone()]) =>
        {
            step("dns", StepState::Done, None, Some(dns.hostname.clone()))
        }
        (Some(dns), _) => step("dns", StepState::Waiting, None, Some(dns.hostname.clone())),
    };

    let steps = vec![
        address_step,
        load_balancer_step,
        task_step,
        registration_step,
        health_step,
        crate::certificate::certificate_step(snapshot, config, now),
        dns_step,
    ];
    // A failed certificate does not hold the meeting back: it runs with the self-signed one.
    let all_done = steps.iter().all(|s| {
        matches!(s.state, StepState::Done | StepState::Skipped)
            || (s.name == "certificate" && s.state == StepState::Failed)
    });

    let phase = if snapshot.desired_count > 0 {
        if all_done {
            Phase::Ready
        } else {
            Phase::Starting
        }
    } else if nothing_left(snapshot, config) {
        Phase::Idle
    } else {
        Phase::Stopping
    };

    let meeting_url = match (phase, &config.dns, lb) {
        (Phase::Ready, Some(dns), _) => Some(format!("https://{}/", dns.hostname)),
        // Without a domain the meeting is at its own address, which the certificate names.
        (Phase::Ready, None, Some(_)) if config.acme.is_some() => address.map(|a| format!("https://{}/", a.public_ip)),
        (Phase::Ready, None, Some(lb)) => Some(format!("https://{}/", lb.dns_name.to_ascii_lowercase())),
        _ => None,
    };

    Status {
        phase,
        summary: phase.summary(),
        started_at: if phase == Phase::Idle {
            None
        } else {
            snapshot.meeting_started_at()
        },
        observed_at: now,
        error: error_message(snapshot, &steps, phase),
        steps,
        meeting_url,
        next_scheduled: config.schedule.next_after(now),
    }
}

fn step(name: &'static str, state: StepState, since: Option<Time>, detail: Option<String>) -> StepStatus {
    StepStatus {
        name,
        state,
        since,
        detail,
    }
}

/// Nothing of the meeting is left that could bill or serve (the hostname, with a custom domain,
/// points at the idle placeholder: it is never deleted).
pub fn nothing_left(snapshot: &Snapshot, config: &Config) -> bool {
    let dns_idle = match (&config.dns, &snapshot.dns_record) {
        (_, None) => true,
        (Some(dns), Some(record)) => record.values == [dns.idle_address.clone()],
        (None, Some(_)) => false,
    };
    // A deregistered target drains for the group's deregistration delay: it serves and bills nothing.
    let gone = |targets: &[Target]| targets.iter().all(|t| t.health == TargetHealth::Draining);
    !snapshot.any_task_present()
        && snapshot.load_balancers.is_empty()
        && snapshot.addresses.is_empty()
        && dns_idle
        && gone(&snapshot.jvb_targets)
        && gone(&snapshot.web_targets)
        && gone(&snapshot.http_targets)
}

/// What went wrong, told from what AWS reports: a failed load balancer, or a task that stopped
/// on its own while the meeting is wanted (ECS then starts another).
fn error_message(snapshot: &Snapshot, steps: &[StepStatus], phase: Phase) -> Option<String> {
    if steps
        .iter()
        .any(|s| s.name == "load_balancer" && s.state == StepState::Failed)
    {
        return Some("The load balancer failed to provision.".into());
    }
    if phase != Phase::Starting || snapshot.tasks.iter().any(|t| t.is_running()) {
        return None;
    }
    // ECS keeps stopped tasks for about an hour: only this meeting's (launched once its load
    // balancer existed) say anything about it.
    let this_meeting = |created: Option<Time>| match snapshot.meeting_load_balancer() {
        Some(lb) => created.is_some_and(|created| created >= lb.created_at),
        None => true,
    };
    snapshot
        .tasks
        .iter()
        .filter(|t| t.last_status == "STOPPED" && t.desired_status == "STOPPED" && this_meeting(t.created_at))
        .filter_map(|t| t.stopped_reason.as_deref())
        .find(|reason| !reason.contains("Scaling activity"))
        .map(|reason| format!("The video bridge task stopped: {reason}. ECS is starting another."))
}
