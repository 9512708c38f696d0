//! "ECS Task State Change" events from EventBridge. `aws_lambda_events` has no type for them, so
//! this is the `detail` we read. Events only say *that* something changed: the reconcile reads
//! the task's current state from ECS, so duplicates, late and out-of-order events are harmless.

use crate::config::Config;
use aws_lambda_events::eventbridge::EventBridgeEvent;
use serde::{Deserialize, Serialize};

pub const DETAIL_TYPE: &str = "ECS Task State Change";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct TaskStateChange {
    pub cluster_arn: String,
    pub task_arn: String,
    #[serde(default)]
    pub group: Option<String>,
    pub last_status: String,
    pub desired_status: String,
    #[serde(default)]
    pub version: Option<i64>,
}

/// What to do with an incoming event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Triage {
    /// A task of our service changed: reconcile.
    Ours(TaskStateChange),
    /// Well-formed but not for us, or not parseable: log it and return success (a failure would
    /// make Lambda retry it for nothing).
    Ignored(String),
}

pub fn triage(payload: serde_json::Value, config: &Config) -> Triage {
    let event: EventBridgeEvent<TaskStateChange> = match serde_json::from_value(payload) {
        Ok(event) => event,
        Err(error) => return Triage::Ignored(format!("not an ECS task state change: {error}")),
    };
    if event.detail_type != DETAIL_TYPE || event.source != "aws.ecs" {
        return Triage::Ignored(format!("unexpected event {} from {}", event.detail_type, event.source));
    }
    let task = event.detail;
    let cluster_name = task.cluster_arn.rsplit('/').next().unwrap_or_default();
    if cluster_name != config.cluster && task.cluster_arn != config.cluster {
        return Triage::Ignored(format!("task of another cluster ({})", task.cluster_arn));
    }
    if task.group.as_deref() != Some(config.task_group().as_str()) {
        return Triage::Ignored(format!("task of another group ({:?})", task.group));
    }
    Triage::Ours(task)
}
