//! `task-state`: "ECS Task State Change" events from EventBridge. An event only says that a task
//! of the service changed; the reconcile reads the current state and registers or deregisters.

use lifecycle::cloud::CloudError;
use lifecycle::events::{triage, Triage};
use lifecycle::plan::Intent;
use lifecycle::{App, Time};
use serde_json::{json, Value};
use tracing::info;

/// Takes the raw payload so that a malformed event is logged and dropped, not retried.
pub async fn handle(app: &App, payload: Value, now: Time) -> Result<Value, CloudError> {
    match triage(payload, &app.config) {
        Triage::Ignored(reason) => {
            info!(%reason, "event ignored");
            Ok(json!({ "ignored": reason }))
        }
        Triage::Ours(task) => {
            info!(task = %task.task_arn, last_status = %task.last_status, desired_status = %task.desired_status, "task changed");
            let outcome = app.reconcile(Intent::TaskChanged, now).await?;
            Ok(json!({ "phase": outcome.status.phase, "applied": outcome.applied.len() }))
        }
    }
}
