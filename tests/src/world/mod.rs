//! A world for the race and fault suite: one stack in a local AWS (which other worlds may share),
//! the three real handlers, the ECS stand-in, simulated people, and a clock only the scenario moves.
//! After every invocation the invariants are checked against an independent read of the account,
//! and each check is counted, so that a scenario reports what it proved as figures.

mod checks;
mod figures;
mod lets_encrypt;
mod people;
mod scheduled;

pub use figures::Figures;
pub use people::People;
pub use scheduled::{daily_window, LEAD_MINUTES};

use crate::harness::Harness;
use crate::invoke::{function_url_payload, http_request, scheduled_event};
use crate::local_aws::LocalAws;
use crate::scheduler::MinuteTraffic;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_ecs::config::{Credentials, SharedCredentialsProvider};
use aws_sdk_route53::types::{Change, ChangeAction, ChangeBatch, ResourceRecord, ResourceRecordSet, RrType};
use chrono::{Duration, DurationRound, Utc};
use lifecycle::config::{DnsConfig, IdlePolicy};
use lifecycle::Time;
use serde_json::Value;
use std::sync::{Arc, Mutex};

/// Every operation the functions call in a meeting's life, with a custom domain
/// (shared/src/cloud.rs). `StopTask` and `DeleteListener` only repair drift (a task with stale
/// advertised IPs, a wrong listener): the plan's unit tests cover them.
pub const OPERATIONS: &[&str] = &[
    "DescribeServices",
    "ListTasks",
    "DescribeTasks",
    "DescribeLoadBalancers",
    "DescribeListeners",
    "DescribeTags",
    "DescribeAddresses",
    "DescribeTargetHealth",
    "GetParameter",
    "GetMetricData",
    "ListResourceRecordSets",
    "AllocateAddress",
    "PutParameter",
    "UpdateService",
    "CreateLoadBalancer",
    "CreateListener",
    "RegisterTargets",
    "DeregisterTargets",
    "DeleteLoadBalancer",
    "ReleaseAddress",
    "ChangeResourceRecordSets",
];

/// Where Terraform points the meeting hostname while no meeting runs (terraform: a reserved
/// TEST-NET-1 address).
pub const IDLE_DNS_ADDRESS: &str = "192.0.2.1";

/// The suite's promise: whatever happened before, this many schedule ticks bring AWS to the
/// desired count (a meeting fully up, or nothing left at all).
pub const TICKS_TO_CONVERGE: u32 = 2;
/// The functions' SDK gives up on an attempt after this long here (5 s in production); a
/// timeout fault answers later than this.
pub const ATTEMPT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(1);
/// Lambda tries an asynchronous invocation (EventBridge's events and schedule) this many times.
const ASYNC_ATTEMPTS: u32 = 3;

pub struct World {
    pub name: String,
    pub h: Harness,
    /// The access key the functions sign with.
    caller: String,
    clock: Mutex<Time>,
    people: Mutex<Option<People>>,
    /// When people were last in the meeting.
    last_in_use: Mutex<Option<Time>>,
    /// The end of the last minute with flows on the load balancer.
    last_flows_end: Mutex<Option<Time>>,
    figures: Mutex<Figures>,
    /// How much of the local AWS's call log `calls_made` has handed out.
    calls_seen: Mutex<usize>,
}

impl World {
    /// A fresh stack named `name` (≤ 24 characters) in `aws`. The functions get the production
    /// SDK settings, with the retries' back-off shortened (the scenario's clock is fast).
    pub async fn new(aws: Arc<LocalAws>, name: &str) -> Self {
        Self::with_attempt_timeout(aws, name, None).await
    }

    /// As [`World::new`], with the SDK giving up on an attempt after [`ATTEMPT_TIMEOUT`] (5 s in
    /// production), so that timeout faults take seconds, not minutes.
    pub async fn impatient(aws: Arc<LocalAws>, name: &str) -> Self {
        Self::with_attempt_timeout(aws, name, Some(ATTEMPT_TIMEOUT)).await
    }

    async fn with_attempt_timeout(aws: Arc<LocalAws>, name: &str, attempt: Option<std::time::Duration>) -> Self {
        // Faults are aimed at this world's functions by the key they sign with.
        let caller = format!("functions-{name}");
        let production = aws.sdk_config().await;
        let mut timeouts = production
            .timeout_config()
            .cloned()
            .unwrap_or_else(TimeoutConfig::disabled)
            .to_builder();
        if let Some(attempt) = attempt {
            timeouts = timeouts.operation_attempt_timeout(attempt);
        }
        let sdk = production
            .to_builder()
            .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
                &caller, "test", None, None, "local",
            )))
            .retry_config(RetryConfig::standard().with_initial_backoff(std::time::Duration::from_millis(20)))
            .timeout_config(timeouts.build())
            .build();
        aws.set_faults(&serde_json::json!([]));
        Self {
            name: name.to_string(),
            h: Harness::on(aws, sdk, name).await,
            caller,
            clock: Mutex::new(Utc::now()),
            people: Mutex::new(None),
            last_in_use: Mutex::new(None),
            last_flows_end: Mutex::new(None),
            figures: Mutex::default(),
            calls_seen: Mutex::default(),
        }
    }

    /// A custom domain: a hosted zone in the local AWS, and the functions told to keep the
    /// meeting hostname's A record.
    pub async fn with_domain(mut self) -> Self {
        let zone = aws_sdk_route53::Client::new(&self.h.sdk)
            .create_hosted_zone()
            .name("meet.example.org")
            .caller_reference(&self.name)
            .send()
            .await
            .unwrap();
        let zone_id = zone
            .hosted_zone()
            .unwrap()
            .id()
            .trim_start_matches("/hostedzone/")
            .to_string();
        let dns = DnsConfig {
            hosted_zone_id: zone_id,
            hostname: format!("{}.meet.example.org", self.name),
            idle_address: IDLE_DNS_ADDRESS.into(),
        };
        // Terraform creates the record, pointing at the placeholder, before any meeting.
        let placeholder = ResourceRecordSet::builder()
            .name(&dns.hostname)
            .r#type(RrType::A)
            .ttl(60)
            .resource_records(ResourceRecord::builder().value(IDLE_DNS_ADDRESS).build().unwrap())
            .build()
            .unwrap();
        aws_sdk_route53::Client::new(&self.h.sdk)
            .change_resource_record_sets()
            .hosted_zone_id(&dns.hosted_zone_id)
            .change_batch(
                ChangeBatch::builder()
                    .changes(
                        Change::builder()
                            .action(ChangeAction::Create)
                            .resource_record_set(placeholder)
                            .build()
                            .unwrap(),
                    )
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
        self.h.app.config.dns = Some(dns);
        self
    }

    /// Other idle timers for this world's functions (for a cap that a test can reach).
    pub fn set_idle_policy(&mut self, policy: IdlePolicy) {
        self.h.app.config.idle = policy;
    }

    pub fn now(&self) -> Time {
        *self.clock.lock().unwrap()
    }

    pub fn figures(&self) -> Figures {
        self.figures.lock().unwrap().clone()
    }

    /// Prints the figures (shown by `cargo test -- --show-output`) and returns them.
    pub fn report(&self) -> Figures {
        let figures = self.figures();
        println!("scenario {}: {figures}", self.name);
        figures
    }

    /// Moves the clock; people in the meeting produce flows for every minute that passes.
    pub async fn advance(&self, by: Duration) {
        let from = self.now();
        let to = from + by;
        let people = *self.people.lock().unwrap();
        if let Some(people) = people {
            match self.load_balancer_arn().await {
                Some(arn) => {
                    let mut minute = from.duration_trunc(Duration::minutes(1)).unwrap();
                    while minute < to {
                        self.put_traffic(&arn, minute, people.traffic).await;
                        minute += Duration::minutes(1);
                        *self.last_flows_end.lock().unwrap() = Some(minute);
                    }
                    *self.last_in_use.lock().unwrap() = Some(to);
                }
                // The meeting's load balancer is gone, and everyone with it.
                None => self.people_leave(),
            }
        }
        *self.clock.lock().unwrap() = to;
    }

    /// An internet scanner reaches the meeting's address during the current minute (nothing
    /// when no load balancer exists). It is no one in the meeting: `in_use` does not change.
    pub async fn scanned(&self, traffic: MinuteTraffic) {
        if let Some(arn) = self.load_balancer_arn().await {
            let minute = self.now().duration_trunc(Duration::minutes(1)).unwrap();
            self.put_traffic(&arn, minute, traffic).await;
        }
    }

    async fn put_traffic(&self, arn: &str, minute: Time, traffic: MinuteTraffic) {
        let tls = self.h.config().certificate_arn.is_some();
        self.h.scheduler.put_traffic(arn, minute, tls, traffic).await;
    }

    /// People join the meeting (only a meeting with a load balancer can have them).
    pub async fn people_join(&self, people: People) {
        assert!(
            self.load_balancer_arn().await.is_some(),
            "people can only join a meeting that has a load balancer"
        );
        *self.people.lock().unwrap() = Some(people);
        *self.last_in_use.lock().unwrap() = Some(self.now());
    }

    /// The end of the last minute in which the load balancer had flows.
    pub fn last_flows_end(&self) -> Option<Time> {
        *self.last_flows_end.lock().unwrap()
    }

    pub fn people_leave(&self) {
        *self.people.lock().unwrap() = None;
    }

    /// In use: people are there now, or left less than the idle timeout ago.
    fn in_use(&self) -> bool {
        let idle = self.h.config().idle.idle;
        self.people.lock().unwrap().is_some()
            || self
                .last_in_use
                .lock()
                .unwrap()
                .is_some_and(|last| self.now() - last < idle)
    }

    /// The meeting's load balancer, read directly.
    async fn load_balancer_arn(&self) -> Option<String> {
        let out = aws_sdk_elasticloadbalancingv2::Client::new(&self.h.sdk)
            .describe_load_balancers()
            .names(&self.h.config().load_balancer_name)
            .send()
            .await
            .ok()?;
        out.load_balancers().first()?.load_balancer_arn().map(str::to_string)
    }

    /// Click, ECS launches the task, its event registers it: the meeting is ready. Returns the
    /// status document.
    pub async fn ready_meeting(&self) -> Value {
        assert_eq!(self.click().await, 202);
        self.ecs_and_events().await;
        let status = self.status().await;
        assert_eq!(status["phase"], "ready", "{status}");
        status
    }

    /// Ends the meeting by hand and checks that nothing is left.
    pub async fn stop_and_settle(&self) {
        assert_eq!(self.stop().await, 202);
        let idle = self.settle().await;
        assert!(idle.is_idle(), "{idle:?}");
    }

    /// The start button (POST /start with the secret); returns the HTTP status.
    pub async fn click(&self) -> u16 {
        let status = self.start_request().await;
        self.after_http(status).await
    }

    /// The manual stop (POST /stop on stop-meeting's Function URL); returns the HTTP status.
    pub async fn stop(&self) -> u16 {
        let status = self.stop_request().await;
        self.after_http(status).await
    }

    /// The start request alone, for runs at the same time as others: count and check once all
    /// of them have ended ([`World::after_http`]).
    pub async fn start_request(&self) -> u16 {
        let bearer = self.h.bearer();
        let request = http_request("POST", "/start", &[("authorization", &bearer)], "");
        let response = start_meeting::handle(&self.h.app, &self.h.gate, &self.h.tokens, request, self.now()).await;
        response.status().as_u16()
    }

    /// The stop request alone (see [`World::start_request`]).
    pub async fn stop_request(&self) -> u16 {
        let bearer = self.h.bearer();
        let payload = function_url_payload("POST", "/stop", &[("authorization", &bearer)], "");
        let answer = stop_meeting::handle(&self.h.app, &self.h.gate, payload, self.now()).await;
        answer.map_or(500, |a| a["statusCode"].as_u64().unwrap_or(500) as u16)
    }

    /// `GET /status`, as the page polls it for the key holder.
    pub async fn status(&self) -> Value {
        let bearer = self.h.bearer();
        let request = http_request("GET", "/status", &[("authorization", &bearer)], "");
        let response = start_meeting::handle(&self.h.app, &self.h.gate, &self.h.tokens, request, self.now()).await;
        serde_json::from_str(response.body()).expect("the status is JSON")
    }

    /// Counts an HTTP invocation and checks the invariants after it, unless it failed.
    pub async fn after_http(&self, status: u16) -> u16 {
        self.count(|f| f.invocations += 1);
        if status >= 500 {
            self.count(|f| f.failed_invocations += 1);
        } else {
            self.check().await;
        }
        status
    }

    /// The schedule fires `stop-meeting` (retried as Lambda retries an asynchronous invocation).
    /// Panics if it ends a meeting that people are using before its cap.
    pub async fn tick(&self) -> Option<Value> {
        let in_use = self.in_use();
        let answer = self
            .invoke_async(|| stop_meeting::handle(&self.h.app, &self.h.gate, scheduled_event(), self.now()))
            .await?;
        if in_use {
            self.count(|f| f.ticks_in_use += 1);
            let reason = &answer["stop_reason"];
            assert!(
                reason.is_null() || reason == "max_length",
                "{}: a tick ended a meeting in use ({reason}) at {}",
                self.name,
                self.now()
            );
        }
        Some(answer)
    }

    /// Delivers an ECS event to `task-state` (retried as Lambda retries an asynchronous invocation).
    pub async fn deliver(&self, event: &Value) -> Option<Value> {
        self.invoke_async(|| task_state::handle(&self.h.app, event.clone(), self.now()))
            .await
    }

    /// One pass of the ECS scheduler; returns the events EventBridge would deliver, undelivered.
    pub async fn ecs(&self) -> Vec<Value> {
        self.h.scheduler.step().await
    }

    /// One pass of the ECS scheduler with its events delivered in order.
    pub async fn ecs_and_events(&self) {
        for event in self.ecs().await {
            self.deliver(&event).await;
        }
    }

    /// The meeting's task dies (an essential container exits); returns its STOPPED event, undelivered.
    pub async fn crash(&self) -> Option<Value> {
        let task = self.running_task_arn().await?;
        Some(self.h.scheduler.stop(&task, "Essential container in task exited").await)
    }

    async fn running_task_arn(&self) -> Option<String> {
        let live = self.h.scheduler.tasks(aws_sdk_ecs::types::DesiredStatus::Running).await;
        live.iter()
            .find(|t| t.last_status() == Some("RUNNING"))
            .and_then(|t| t.task_arn().map(str::to_string))
    }

    async fn invoke_async<F, Fut>(&self, invoke: F) -> Option<Value>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<Value, lifecycle::cloud::CloudError>>,
    {
        for _ in 0..ASYNC_ATTEMPTS {
            self.count(|f| f.invocations += 1);
            match invoke().await {
                Ok(answer) => {
                    self.check().await;
                    return Some(answer);
                }
                Err(_) => self.count(|f| f.failed_invocations += 1),
            }
        }
        None
    }

    fn count(&self, update: impl FnOnce(&mut Figures)) {
        update(&mut self.figures.lock().unwrap());
    }
}
