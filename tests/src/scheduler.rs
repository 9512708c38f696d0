//! What AWS does on its own that moto does not: the ECS service scheduler turning the desired
//! count into tasks, EventBridge's "ECS Task State Change" events, and NLB flow metrics.

use aws_config::SdkConfig;
use aws_sdk_cloudwatch::types::{Dimension, MetricDatum, StandardUnit};
use aws_sdk_ecs::types::{DesiredStatus, LaunchType, Task};
use chrono::{DateTime, Utc};
use lifecycle::config::Config;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Mutex;

pub struct Scheduler {
    ecs: aws_sdk_ecs::Client,
    cloudwatch: aws_sdk_cloudwatch::Client,
    cluster: String,
    service: String,
    /// The last status EventBridge reported per task, so that each change is reported once.
    reported: Mutex<HashMap<String, String>>,
}

impl Scheduler {
    pub fn new(sdk: &SdkConfig, config: &Config) -> Self {
        Self {
            ecs: aws_sdk_ecs::Client::new(sdk),
            cloudwatch: aws_sdk_cloudwatch::Client::new(sdk),
            cluster: config.cluster.clone(),
            service: config.service.clone(),
            reported: Mutex::default(),
        }
    }

    /// One pass of the service scheduler: launch or stop tasks toward the desired count.
    /// Returns the events EventBridge would deliver for every task whose status changed.
    pub async fn step(&self) -> Vec<Value> {
        let services = self
            .ecs
            .describe_services()
            .cluster(&self.cluster)
            .services(&self.service)
            .send()
            .await
            .unwrap();
        let service = &services.services()[0];
        let desired = service.desired_count() as usize;
        let live = self.tasks(DesiredStatus::Running).await;
        if live.len() < desired {
            self.ecs
                .run_task()
                .cluster(&self.cluster)
                .task_definition(service.task_definition().unwrap())
                .group(format!("service:{}", self.service))
                .started_by(format!("ecs-svc/{}", self.service))
                .launch_type(LaunchType::Fargate)
                .count((desired - live.len()) as i32)
                .set_network_configuration(service.network_configuration().cloned())
                .send()
                .await
                .unwrap();
        }
        for extra in live.iter().skip(desired) {
            self.stop_task(
                extra.task_arn().unwrap(),
                "Scaling activity initiated by (deployment ecs-svc)",
            )
            .await;
        }
        let mut tasks = self.tasks(DesiredStatus::Running).await;
        tasks.extend(self.tasks(DesiredStatus::Stopped).await);
        tasks.iter().filter_map(|task| self.report(task)).collect()
    }

    /// Stops a task as ECS does when it crashes or scales in; returns its STOPPED event.
    pub async fn stop(&self, task_arn: &str, reason: &str) -> Value {
        let task = self.stop_task(task_arn, reason).await;
        self.report(&task).unwrap_or_else(|| task_state_event(&task))
    }

    async fn stop_task(&self, task_arn: &str, reason: &str) -> Task {
        let out = self
            .ecs
            .stop_task()
            .cluster(&self.cluster)
            .task(task_arn)
            .reason(reason)
            .send()
            .await
            .unwrap();
        out.task().unwrap().clone()
    }

    /// The event for a task whose status changed since the last report; stopped tasks that were
    /// never reported running belong to an earlier run and stay silent.
    fn report(&self, task: &Task) -> Option<Value> {
        let arn = task.task_arn()?.to_string();
        let status = task.last_status()?.to_string();
        let mut reported = self.reported.lock().unwrap();
        let previous = reported.get(&arn);
        if previous == Some(&status) || (previous.is_none() && status == "STOPPED") {
            return None;
        }
        reported.insert(arn, status);
        Some(task_state_event(task))
    }

    /// The service's tasks that ECS reports with this desired status (live ones only for RUNNING).
    pub async fn tasks(&self, desired: DesiredStatus) -> Vec<Task> {
        let arns = self
            .ecs
            .list_tasks()
            .cluster(&self.cluster)
            .service_name(&self.service)
            .desired_status(desired.clone())
            .send()
            .await
            .unwrap()
            .task_arns()
            .to_vec();
        if arns.is_empty() {
            return Vec::new();
        }
        let described = self
            .ecs
            .describe_tasks()
            .cluster(&self.cluster)
            .set_tasks(Some(arns))
            .send()
            .await
            .unwrap();
        let group = format!("service:{}", self.service);
        described
            .tasks()
            .iter()
            .filter(|t| t.group() == Some(group.as_str()))
            .filter(|t| desired == DesiredStatus::Stopped || t.last_status() != Some("STOPPED"))
            .cloned()
            .collect()
    }

    /// Client traffic through the load balancer during the minute starting at `minute`, as its
    /// CloudWatch metrics show it (AWS publishes these only for minutes where they are not zero).
    /// `tls`: the web listener terminates TLS (a custom domain), so its metrics end in `_TLS`.
    pub async fn put_traffic(&self, load_balancer_arn: &str, minute: DateTime<Utc>, tls: bool, traffic: MinuteTraffic) {
        // The metric dimension is the ARN's `net/<name>/<id>` suffix.
        let load_balancer_dimension = load_balancer_arn
            .split_once(":loadbalancer/")
            .map_or(load_balancer_arn, |(_, dimension)| dimension);
        let datum = |metric: String, value: f64, unit: StandardUnit| {
            MetricDatum::builder()
                .metric_name(metric)
                .dimensions(
                    Dimension::builder()
                        .name("LoadBalancer")
                        .value(load_balancer_dimension)
                        .build(),
                )
                .timestamp(aws_smithy_types::DateTime::from_secs(minute.timestamp()))
                .value(value)
                .unit(unit)
                .build()
        };
        let web = if tls { "TLS" } else { "TCP" };
        let data: Vec<MetricDatum> = [
            (
                "ProcessedBytes_UDP".to_string(),
                traffic.media_bytes,
                StandardUnit::Bytes,
            ),
            (
                "ActiveFlowCount_UDP".to_string(),
                traffic.media_flows,
                StandardUnit::Count,
            ),
            (format!("ProcessedBytes_{web}"), traffic.web_bytes, StandardUnit::Bytes),
            (format!("ActiveFlowCount_{web}"), traffic.web_flows, StandardUnit::Count),
        ]
        .into_iter()
        .filter(|(_, value, _)| *value > 0.0)
        .map(|(metric, value, unit)| datum(metric, value, unit))
        .collect();
        if data.is_empty() {
            return;
        }
        self.cloudwatch
            .put_metric_data()
            .namespace("AWS/NetworkELB")
            .set_metric_data(Some(data))
            .send()
            .await
            .unwrap();
    }
}

/// One minute of client traffic through the meeting's load balancer.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct MinuteTraffic {
    pub media_bytes: f64,
    pub media_flows: f64,
    pub web_bytes: f64,
    pub web_flows: f64,
}

impl MinuteTraffic {
    /// An internet scanner's probe of 443: one short TCP flow of a few hundred bytes.
    pub const PORT_SCAN: Self = Self {
        media_bytes: 0.0,
        media_flows: 0.0,
        web_bytes: 300.0,
        web_flows: 1.0,
    };
    /// A crawler that fetches the page once: one flow, tens of kilobytes, in one minute.
    pub const PAGE_FETCH: Self = Self {
        media_bytes: 0.0,
        media_flows: 0.0,
        web_bytes: 40_000.0,
        web_flows: 1.0,
    };
}

/// The event EventBridge delivers for a task, in its exact shape (the ENI attachment's type is
/// `eni` in events, `ElasticNetworkInterface` in DescribeTasks).
pub fn task_state_event(task: &Task) -> Value {
    let arn = task.task_arn().unwrap_or_default();
    let (region, account) = {
        let parts: Vec<&str> = arn.split(':').collect();
        (
            parts.get(3).copied().unwrap_or("us-east-1"),
            parts.get(4).copied().unwrap_or("123456789012"),
        )
    };
    let attachments: Vec<Value> = task
        .attachments()
        .iter()
        .map(|a| {
            json!({
                "id": a.id(),
                "type": "eni",
                "status": a.status(),
                "details": a.details().iter().map(|d| json!({"name": d.name(), "value": d.value()})).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "version": "0",
        "id": format!("{:x}", rand_id()),
        "detail-type": "ECS Task State Change",
        "source": "aws.ecs",
        "account": account,
        "time": Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "region": region,
        "resources": [arn],
        "detail": {
            "attachments": attachments,
            "clusterArn": task.cluster_arn(),
            "taskArn": arn,
            "taskDefinitionArn": task.task_definition_arn(),
            "group": task.group(),
            "startedBy": task.started_by(),
            "launchType": "FARGATE",
            "lastStatus": task.last_status(),
            "desiredStatus": task.desired_status(),
            "stoppedReason": task.stopped_reason(),
            "version": task.version(),
            "updatedAt": Utc::now().to_rfc3339(),
        }
    })
}

fn rand_id() -> u128 {
    use std::hash::{BuildHasher, RandomState};
    let state = RandomState::new();
    (u128::from(state.hash_one(1u8)) << 64) | u128::from(state.hash_one(2u8))
}

/// The task's private IP as an event carries it (once its ENI is attached).
pub fn task_ip(event: &Value) -> Option<&str> {
    event["detail"]["attachments"]
        .as_array()?
        .iter()
        .flat_map(|a| a["details"].as_array().into_iter().flatten())
        .find(|d| d["name"] == "privateIPv4Address")?["value"]
        .as_str()
}
