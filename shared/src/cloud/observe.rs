//! Reads: one [`Snapshot`] of what a trigger decides from, and no more. Every call costs a round
//! trip and a share of the account's API rate (ELB throttles its Describe calls per account and
//! region), so each trigger skips the reads it cannot need; [`Reads`] holds the rules.

use super::{Aws, CloudError};
use crate::config::Config;
use crate::model::*;
use crate::plan::Intent;
use aws_sdk_ecs::types::DesiredStatus;
use std::future::Future;

/// What one observation reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reads {
    /// What the status document shows: the service, its tasks, the load balancer; the targets
    /// once a task runs, the addresses while no load balancer holds one, the stopped tasks while a
    /// wanted meeting has no running task (their reason says why a launch failed). Never the
    /// advertised IPs, listeners or traffic, which the status does not show.
    Status,
    /// What the plan needs for this trigger.
    Reconcile(Intent),
    /// Everything the plan can use: after a step failed, what this run knew may be wrong.
    Everything,
}

impl Reads {
    /// The addresses matter to a tick (the meeting's start is the allocation's tag; a cut-off
    /// start's spare is released) and whenever no load balancer holds the meeting's address.
    pub fn addresses(self, load_balancer_exists: bool) -> bool {
        matches!(self, Reads::Everything | Reads::Reconcile(Intent::Tick)) || !load_balancer_exists
    }

    /// Listeners are repaired only when the targets do not already prove them.
    pub fn listeners(self, groups: &[&[Target]]) -> bool {
        match self {
            Reads::Status => false,
            Reads::Everything => true,
            Reads::Reconcile(_) => !groups.iter().all(|targets| forwarded_to(targets)),
        }
    }

    /// The certificate records matter where they can move on (a task event) and to a status
    /// once a task runs; with a webhook also to a tick while a task runs, since the meeting is
    /// ready (and the team told) only once its certificate step is settled.
    fn certificates(self, config: &Config, task_running: bool) -> bool {
        match self {
            Reads::Status => task_running,
            Reads::Everything | Reads::Reconcile(Intent::TaskChanged) => true,
            Reads::Reconcile(Intent::Tick) => task_running && config.webhook.is_some(),
            Reads::Reconcile(_) => false,
        }
    }

    /// The plan reads the targets in every trigger; the status only once a task runs (their
    /// health), and until then why the last task stopped, if one did.
    fn targets_at_once(self) -> bool {
        self != Reads::Status
    }

    fn advertised(self) -> bool {
        self != Reads::Status
    }

    /// The last manual stop matters to a tick while a window is open (the window's decision).
    fn manual_stop(self, config: &Config, now: Time) -> bool {
        matches!(self, Reads::Everything | Reads::Reconcile(Intent::Tick))
            && config.schedule.open_at(now, None).is_some()
    }

    /// CloudWatch bills per metric read: only the tick decides about idleness.
    fn traffic(self) -> bool {
        self == Reads::Reconcile(Intent::Tick)
    }
}

/// A target group whose targets ELB reports in use has a listener forwarding to it: a group no
/// listener uses reports every target `unused` (`Target.NotInUse`, ELB API reference,
/// TargetHealth), and these groups serve only the meeting's load balancer (the local AWS reports
/// `unused` the same way, tests/local_aws/target_health.py).
fn forwarded_to(targets: &[Target]) -> bool {
    !targets.is_empty() && targets.iter().all(|t| t.health != TargetHealth::Unused)
}

/// Runs `read` only when `wanted`.
async fn read_if<T: Default>(wanted: bool, read: impl Future<Output = Result<T, CloudError>>) -> Result<T, CloudError> {
    if wanted {
        read.await
    } else {
        Ok(T::default())
    }
}

impl Aws {
    /// Reads what `reads` asks for, the independent calls at once: first what needs nothing else,
    /// then what depends on it (a load balancer's listeners, the tasks' details).
    pub async fn observe(&self, config: &Config, reads: Reads, now: Time) -> Result<Snapshot, CloudError> {
        // SDK futures are large; boxed, several at once stay off the stack.
        let (
            desired_count,
            running,
            load_balancers,
            (jvb_targets, web_targets, http_targets),
            advertised,
            dns_record,
            manual_stop_at,
        ) = tokio::try_join!(
            Box::pin(self.desired_count(config)),
            Box::pin(self.task_arns(config, DesiredStatus::Running)),
            Box::pin(self.load_balancers(config)),
            Box::pin(read_if(reads.targets_at_once(), self.all_targets(config))),
            Box::pin(read_if(reads.advertised(), self.advertised(config))),
            Box::pin(self.dns_record(config)),
            Box::pin(read_if(reads.manual_stop(config, now), self.manual_stop_at(config))),
        )?;
        let mut snapshot = Snapshot {
            desired_count,
            load_balancers,
            jvb_targets,
            web_targets,
            http_targets,
            advertised,
            dns_record,
            manual_stop_at,
            ..Snapshot::default()
        };
        // Inside a window the idle rules wait: no traffic to judge.
        let window_open = crate::plan::open_window(&snapshot, config, now).is_some();
        let meeting_lb = snapshot.meeting_load_balancer().cloned();
        let listeners_wanted = meeting_lb.is_some()
            && reads.listeners(
                &config
                    .target_groups(&snapshot)
                    .iter()
                    .map(|(_, targets)| *targets)
                    .collect::<Vec<_>>(),
            );
        let (tasks, listeners, addresses, traffic) = tokio::try_join!(
            Box::pin(self.describe_tasks(config, running)),
            Box::pin(read_if(listeners_wanted, async {
                Ok(match &meeting_lb {
                    Some(lb) => Some(self.listeners(&lb.arn).await?),
                    None => None,
                })
            })),
            Box::pin(read_if(reads.addresses(meeting_lb.is_some()), self.addresses(config))),
            Box::pin(read_if(reads.traffic() && !window_open, async {
                Ok(match &meeting_lb {
                    Some(lb) => Some(self.traffic(config, lb, now).await?),
                    None => None,
                })
            })),
        )?;
        snapshot.tasks = tasks;
        snapshot.addresses = addresses;
        snapshot.traffic = traffic;
        let running = snapshot.tasks.iter().any(Task::is_running);
        if let Some(acme) = config.acme.as_ref().filter(|_| reads.certificates(config, running)) {
            // The certificate never holds the meeting back: without its records the status shows
            // it waiting, and a run decides nothing about it.
            match Box::pin(self.certificate_records(acme)).await {
                Ok(records) => snapshot.certificates = Some(records),
                Err(error) => tracing::warn!(%error, "certificate records not read"),
            }
        }
        if reads == Reads::Status {
            // Targets matter once a task runs (health); before, why the last one stopped does.
            if running {
                (snapshot.jvb_targets, snapshot.web_targets, snapshot.http_targets) =
                    Box::pin(self.all_targets(config)).await?;
            } else if desired_count > 0 {
                let stopped = Box::pin(self.task_arns(config, DesiredStatus::Stopped)).await?;
                snapshot
                    .tasks
                    .extend(Box::pin(self.describe_tasks(config, stopped)).await?);
            }
        }
        if let (Some(lb), Some(listeners)) = (&meeting_lb, listeners) {
            if let Some(read) = snapshot.load_balancers.iter_mut().find(|l| l.arn == lb.arn) {
                read.listeners = Some(listeners);
            }
        }
        Ok(snapshot)
    }

    async fn all_targets(&self, config: &Config) -> Result<(Vec<Target>, Vec<Target>, Vec<Target>), CloudError> {
        let http = config.acme.as_ref().map(|acme| &acme.http_target_group_arn);
        tokio::try_join!(
            Box::pin(self.targets(&config.jvb_target_group_arn)),
            Box::pin(self.targets(&config.web_target_group_arn)),
            Box::pin(read_if(http.is_some(), async {
                match http {
                    Some(arn) => self.targets(arn).await,
                    None => Ok(Vec::new()),
                }
            })),
        )
    }
}
