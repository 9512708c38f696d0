//! The loop every trigger runs: observe, plan, apply, until nothing is left to do.
//! Each round starts from what AWS reports, so a duplicate trigger, a concurrent run or a run
//! cut off half-way leaves nothing that the next round (or the next trigger) will not finish.

use crate::cloud::{Aws, CloudError};
use crate::config::Config;
use crate::model::Time;
use crate::plan::{plan, Intent, Step, StopReason};
use crate::status::{status, Status};
use tracing::{info, warn};

/// Enough rounds for a start from nothing (address, then load balancer, then listeners) and
/// one more to confirm; anything still open is left to the next trigger.
const MAX_ROUNDS: usize = 5;

#[derive(Debug, Clone)]
pub struct Outcome {
    pub status: Status,
    pub applied: Vec<Step>,
    pub stop_reason: Option<StopReason>,
}

pub async fn reconcile(aws: &Aws, config: &Config, intent: Intent, now: Time) -> Result<Outcome, CloudError> {
    let mut applied = Vec::new();
    let mut stop_reason = None;
    let mut last_error = None;
    for round in 0..MAX_ROUNDS {
        // Flows are read once: the idle decision is made in the first round or not at all.
        let snapshot = aws.observe(config, intent == Intent::Tick && round == 0, now).await?;
        let plan = plan(&snapshot, intent, config, now);
        if plan.steps.is_empty() {
            return Ok(Outcome {
                status: status(&snapshot, config, now),
                applied,
                stop_reason,
            });
        }
        if let Some(reason) = plan.stop_reason {
            info!(?reason, "ending the meeting");
            stop_reason = Some(reason);
        }
        for step in plan.steps {
            match aws.apply(config, &step, now).await {
                Ok(()) => {
                    info!(?intent, ?step, "applied");
                    applied.push(step);
                }
                Err(error) => {
                    // Often a race with a concurrent run; the next round sees the result of it.
                    warn!(?intent, ?step, %error, "step failed; observing again");
                    last_error = Some(error);
                    break;
                }
            }
        }
    }
    let snapshot = aws.observe(config, false, now).await?;
    match (last_error, plan(&snapshot, intent, config, now).steps.is_empty()) {
        (Some(error), false) => Err(error),
        _ => Ok(Outcome {
            status: status(&snapshot, config, now),
            applied,
            stop_reason,
        }),
    }
}

/// The status alone, for reads that must never change anything.
pub async fn current_status(aws: &Aws, config: &Config, now: Time) -> Result<Status, CloudError> {
    let snapshot = aws.observe(config, false, now).await?;
    Ok(status(&snapshot, config, now))
}
