//! The loop every trigger runs: observe, plan, apply, until nothing is left to do.
//! A run reads the account once, then plans on from AWS's answers to its own changes
//! (`carry`); as soon as a change fails it reads everything again, since the failure is often a
//! concurrent run's doing. The next trigger starts from what AWS reports, so a duplicate trigger,
//! a concurrent run or a run cut off half-way leaves nothing that will not be finished.

use crate::carry::Reread;
use crate::cloud::{Aws, CloudError, Reads};
use crate::config::Config;
use crate::model::{Snapshot, Time};
use crate::notify::End;
use crate::plan::{plan, Intent, Step, StopReason};
use crate::status::{status, Status};
use tracing::{info, warn};

/// Enough rounds for a start from nothing (address, load balancer, then the task and listeners)
/// and one more to recover from a failed change; anything still open is left to the next trigger.
const MAX_ROUNDS: usize = 5;

#[derive(Debug, Clone)]
pub struct Outcome {
    pub status: Status,
    pub applied: Vec<Step>,
    pub stop_reason: Option<StopReason>,
}

pub async fn reconcile(aws: &Aws, config: &Config, intent: Intent, now: Time) -> Result<Outcome, CloudError> {
    let mut snapshot = aws.observe(config, Reads::Reconcile(intent), now).await?;
    let mut applied = Vec::new();
    let mut stop_reason = None;
    let mut last_error = None;
    for _ in 0..MAX_ROUNDS {
        let plan = plan(&snapshot, intent, config, now);
        if plan.steps.is_empty() {
            // Only task-state's runs: an order may wait minutes for the address to route, and
            // the public functions' few reserved instances must stay free for clicks and ticks.
            if intent == Intent::TaskChanged {
                crate::certificate::settle(aws, config, &mut snapshot, now).await;
            }
            return Ok(finish(aws, config, &snapshot, intent, now, applied, stop_reason).await);
        }
        if let Some(reason) = plan.stop_reason {
            info!(?reason, "ending the meeting");
            stop_reason = Some(reason);
        }
        let mut reread = Reread::Nothing;
        for step in plan.steps {
            match aws.apply(config, &step, now).await {
                Ok(answer) => {
                    info!(?intent, ?step, "applied");
                    if step == Step::SetDesiredCount(0) {
                        let why = stop_reason.map_or(End::ByHand, End::Rule);
                        // Boxed: the functions' async mains stay within rustc's layout depth.
                        Box::pin(crate::notify::record_end(aws, config, &snapshot, why, now)).await;
                    }
                    reread = reread.max(snapshot.record(config, &step, answer, now));
                    applied.push(step);
                    if reread == Reread::Everything {
                        break;
                    }
                }
                Err(error) => {
                    warn!(?intent, ?step, %error, "step failed; reading everything again");
                    last_error = Some(error);
                    reread = Reread::Everything;
                    break;
                }
            }
        }
        match reread {
            Reread::Nothing => {}
            Reread::Addresses => snapshot.merge_addresses(aws.addresses(config).await?),
            Reread::Everything => snapshot = aws.observe(config, Reads::Everything, now).await?,
        }
    }
    let planned = plan(&snapshot, intent, config, now);
    match last_error {
        Some(error) if !planned.steps.is_empty() => Err(error),
        _ => Ok(finish(aws, config, &snapshot, intent, now, applied, stop_reason).await),
    }
}

/// The outcome, once what this run saw is passed on to the team (`notify`: bounded, never fails).
async fn finish(
    aws: &Aws,
    config: &Config,
    snapshot: &Snapshot,
    intent: Intent,
    now: Time,
    applied: Vec<Step>,
    stop_reason: Option<StopReason>,
) -> Outcome {
    let status = status(snapshot, config, now);
    Box::pin(crate::notify::settle(aws, config, snapshot, &status, intent, now)).await;
    Outcome {
        status,
        applied,
        stop_reason,
    }
}

/// The status alone, for reads that must never change anything.
pub async fn current_status(aws: &Aws, config: &Config, now: Time) -> Result<Status, CloudError> {
    let snapshot = aws.observe(config, Reads::Status, now).await?;
    Ok(status(&snapshot, config, now))
}
