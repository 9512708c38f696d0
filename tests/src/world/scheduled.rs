//! A world with scheduled meetings and a webhook, as terraform/schedules.tf and notify.tf set
//! them: windows in the functions' settings, the Scheduler's invocation of `stop-meeting`, and a
//! loopback receiver behind the webhook URL's SecureString.

use super::World;
use crate::webhook::Receiver;
use aws_sdk_ssm::types::ParameterType;
use chrono::{Duration, Timelike};
use lifecycle::config::STARTED_BY_TAG_KEY;
use lifecycle::notify::{WebhookConfig, WebhookFormat};
use lifecycle::schedule::Schedule;
use lifecycle::Time;
use pricing::meeting::TaskSize;
use serde_json::{json, Value};

/// The windows' lead in these scenarios (the deployment's default).
pub const LEAD_MINUTES: i64 = 7;

/// A daily window starting at `starts` (UTC, whole minutes) for `minutes`, as a settings entry.
pub fn daily_window(name: &str, starts: Time, minutes: i64) -> Value {
    json!({
        "name": name,
        "schedule": format!("cron({} {} * * ? *)", starts.minute(), starts.hour()),
        "time_zone": "UTC",
        "minutes": minutes,
    })
}

impl World {
    pub fn with_windows(mut self, windows: &[Value]) -> Self {
        let json = serde_json::to_string(windows).unwrap();
        self.h.app.config.schedule = Schedule::parse(&json, Duration::minutes(LEAD_MINUTES)).expect("valid windows");
        self.h.app.config.manual_stop_parameter = Some(format!("/{}/schedule/manual-stop", self.name));
        self
    }

    /// The webhook's URL in its SecureString, the outbox's path, and the task's size for the cost.
    pub async fn with_webhook(mut self, receiver: &Receiver) -> Self {
        let url_parameter = format!("/{}/webhook-url", self.name);
        aws_sdk_ssm::Client::new(&self.h.sdk)
            .put_parameter()
            .name(&url_parameter)
            .value(receiver.url())
            .r#type(ParameterType::SecureString)
            .send()
            .await
            .unwrap();
        self.h.app.config.webhook = Some(WebhookConfig {
            url_parameter,
            format: WebhookFormat::Json,
            records_path: format!("/{}/notifications", self.name),
            task_size: Some(TaskSize {
                vcpu: 2.0,
                memory_gb: 4.0,
                arm64: true,
                spot: false,
            }),
        });
        self
    }

    /// EventBridge Scheduler invokes `stop-meeting` with the window's input (retried as Lambda
    /// retries an asynchronous invocation).
    pub async fn scheduled_invocation(&self, window: &str) -> Option<Value> {
        let input = json!({ "scheduled_meeting": window });
        self.invoke_async(|| stop_meeting::handle(&self.h.app, &self.h.gate, input.clone(), self.now()))
            .await
    }

    /// The started-by tags of the stack's Elastic IPs, read directly.
    pub async fn started_by(&self) -> Vec<String> {
        crate::inventory::stack_addresses(&self.h.sdk, self.h.config())
            .await
            .iter()
            .flat_map(|a| a.tags())
            .filter(|t| t.key() == Some(STARTED_BY_TAG_KEY))
            .filter_map(|t| t.value().map(str::to_string))
            .collect()
    }

    /// The start of the next whole minute `minutes` from now.
    pub fn minutes_ahead(&self, minutes: i64) -> Time {
        let now = self.now();
        now - Duration::seconds(now.second().into()) - Duration::nanoseconds(now.nanosecond().into())
            + Duration::minutes(minutes + 1)
    }
}
