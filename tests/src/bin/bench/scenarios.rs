//! What `make bench` measures: cold starts, handler latency through a meeting's whole cycle, and
//! the time to a ready meeting against the old scripts' sequential order.

use crate::aws_proxy::AwsProxy;
use crate::function::{Function, Sample, MEMORY_MB};
use crate::sizes::CpuShare;
use aws_config::SdkConfig;
use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, LoadBalancerSchemeEnum, LoadBalancerStateEnum, LoadBalancerTypeEnum, ProtocolEnum,
    TargetDescription, TargetHealthStateEnum,
};
use lifecycle::config::Config;
use lifecycle_tests::inventory::Inventory;
use lifecycle_tests::invoke::{function_url_payload, scheduled_event};
use lifecycle_tests::local_aws::LocalAws;
use lifecycle_tests::scheduler::Scheduler;
use lifecycle_tests::stack::Stack;
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub const FUNCTIONS: [&str; 3] = ["start-meeting", "task-state", "stop-meeting"];

/// How often the stand-ins for ECS and for the start page look again. The same for both orders.
const POLL: Duration = Duration::from_millis(100);
/// Long enough for the old order at full scale (90 + 60 + 30 s and the polls).
const READY_DEADLINE: Duration = Duration::from_secs(300);

/// AWS's own delays at full scale, in seconds (design notes §3).
pub const LOAD_BALANCER_SECONDS: f64 = 90.0;
pub const TASK_SECONDS: f64 = 60.0;
pub const HEALTH_SECONDS: f64 = 30.0;

/// Where the release binaries are and where the functions' logs go.
pub struct Binaries {
    pub dir: PathBuf,
    pub logs: PathBuf,
}

impl Binaries {
    fn spawn<'a>(&self, name: &'static str, stack: &Stack, proxy: &'a AwsProxy) -> Function<'a> {
        self.spawn_sized(name, stack, proxy, MEMORY_MB, None)
    }

    /// The function at `memory_mb`, under `cpu` (Lambda's CPU share of that size) if given.
    pub fn spawn_sized<'a>(
        &self,
        name: &'static str,
        stack: &Stack,
        proxy: &'a AwsProxy,
        memory_mb: u32,
        cpu: Option<&CpuShare>,
    ) -> Function<'a> {
        let binary = self.dir.join(name).join("bootstrap");
        let binary = cpu.map_or(binary.clone(), |share| share.wrap(&binary));
        Function::spawn(
            &binary,
            name,
            &stack.vars,
            proxy,
            &self.logs.join(format!("{name}.log")),
            memory_mb,
        )
    }
}

pub fn block<T>(f: impl FnOnce() -> T) -> T {
    tokio::task::block_in_place(f)
}

// --- cold start ---------------------------------------------------------------------------------

pub struct ColdStarts {
    /// Per function: (init, AWS time during init) of each run.
    pub runs: HashMap<&'static str, Vec<(Duration, Duration)>>,
}

/// Starts each function `runs` times, interleaved, up to its first request to the runtime API.
pub async fn cold_starts(local: &LocalAws, sdk: &SdkConfig, binaries: &Binaries, runs: usize) -> ColdStarts {
    let stack = Stack::create(sdk, "cold").await;
    let proxy = AwsProxy::start(local.port);
    let mut result = ColdStarts { runs: HashMap::new() };
    for _ in 0..runs {
        for name in FUNCTIONS {
            let mut function = binaries.spawn(name, &stack, &proxy);
            let init = block(|| function.init());
            result.runs.entry(name).or_default().push((init.duration, init.aws));
        }
    }
    result
}

// --- handler latency ----------------------------------------------------------------------------

/// The kinds of invocation measured, in the order of a meeting's cycle.
pub const EVENTS: [(&str, &str); 7] = [
    ("start-meeting", "start (POST /start)"),
    ("start-meeting", "status (GET /status)"),
    ("task-state", "RUNNING event"),
    ("stop-meeting", "tick, meeting on"),
    ("stop-meeting", "stop (POST /stop)"),
    ("task-state", "STOPPED event"),
    ("stop-meeting", "tick, idle"),
];

pub struct Latency {
    pub samples: HashMap<&'static str, Vec<Sample>>,
    pub peak_rss: HashMap<&'static str, u64>,
    pub cycles: usize,
}

/// `cycles` whole meetings through the three long-lived function processes, no AWS delays:
/// idle → start → RUNNING → ready → tick → stop → STOPPED → idle tick, checked idle after each.
pub async fn handler_latency(local: &LocalAws, sdk: &SdkConfig, binaries: &Binaries, cycles: usize) -> Latency {
    local.set_timings(0.0, 0.0, 0.0);
    let stack = Stack::create(sdk, "latency").await;
    let scheduler = Scheduler::new(sdk, &stack.config);
    let proxies = FUNCTIONS.map(|_| AwsProxy::start(local.port));
    let mut start = binaries.spawn("start-meeting", &stack, &proxies[0]);
    let mut task_state = binaries.spawn("task-state", &stack, &proxies[1]);
    let mut stop = binaries.spawn("stop-meeting", &stack, &proxies[2]);
    for function in [&mut start, &mut task_state, &mut stop] {
        block(|| function.init());
    }
    let bearer = format!("Bearer {}", stack.secret);
    let mut samples: HashMap<&'static str, Vec<Sample>> = HashMap::new();
    let mut record = |event: &'static str, sample: Sample| samples.entry(event).or_default().push(sample);
    let [start_event, status_event, running_event, busy_tick, stop_event, stopped_event, idle_tick] =
        EVENTS.map(|e| e.1);

    for cycle in 0..cycles {
        wait_out_recent_status();
        record(status_event, block(|| start.invoke(&status_request(&bearer))));
        let started = block(|| start.invoke(&url_request("POST", "/start", &bearer)));
        expect_status(&started, 202, "start");
        record(start_event, started);
        record(status_event, block(|| start.invoke(&status_request(&bearer))));

        for event in scheduler.step().await {
            let sample = block(|| task_state.invoke(&event));
            if event["detail"]["lastStatus"] == "RUNNING" {
                record(running_event, sample);
            }
        }
        wait_out_recent_status();
        let ready = block(|| start.invoke(&status_request(&bearer)));
        let phase = phase_of(&ready);
        assert_eq!(phase, "ready", "cycle {cycle}: the meeting is not ready after RUNNING");
        record(status_event, ready);
        record(busy_tick, block(|| stop.invoke(&scheduled_event())));

        let stopped = block(|| stop.invoke(&url_request("POST", "/stop", &bearer)));
        expect_status(&stopped, 202, "stop");
        record(stop_event, stopped);
        for event in scheduler.step().await {
            let sample = block(|| task_state.invoke(&event));
            if event["detail"]["lastStatus"] == "STOPPED" {
                record(stopped_event, sample);
            }
        }
        record(idle_tick, block(|| stop.invoke(&scheduled_event())));
        let left = Inventory::read(sdk, &stack.config).await;
        assert!(left.is_idle(), "cycle {cycle}: not idle at the end: {left:?}");
    }
    let peak_rss = [&start, &task_state, &stop]
        .map(|f| (f.name, f.peak_rss()))
        .into_iter()
        .collect();
    Latency {
        samples,
        peak_rss,
        cycles,
    }
}

pub fn url_request(method: &str, path: &str, authorization: &str) -> Value {
    function_url_payload(method, path, &[("authorization", authorization)], "")
}

/// start-meeting serves a status read for a second (lifecycle::recent_status); a status measured
/// as a read of AWS, or one that must see another function's change, comes after it.
pub fn wait_out_recent_status() {
    std::thread::sleep(lifecycle::recent_status::MAX_AGE + Duration::from_millis(100));
}

/// The status as the page polls it for the key holder (always read from AWS; a read without the
/// key may be a second old, see `flood`).
pub fn status_request(authorization: &str) -> Value {
    function_url_payload(
        "GET",
        "/status",
        &[("accept", "application/json"), ("authorization", authorization)],
        "",
    )
}

pub fn expect_status(sample: &Sample, status: u64, what: &str) {
    let got = sample.answer["statusCode"].as_u64();
    assert_eq!(got, Some(status), "{what} answered {}", sample.answer);
}

pub fn phase_of(sample: &Sample) -> String {
    let body: Value = sample.answer["body"]
        .as_str()
        .and_then(|b| serde_json::from_str(b).ok())
        .unwrap_or_default();
    body["phase"].as_str().unwrap_or_default().to_string()
}

// --- time to ready ------------------------------------------------------------------------------

/// Seconds since the click (or the first command) of each milestone of one start.
#[derive(Debug, Clone, Default)]
pub struct ReadyRun {
    pub ready: f64,
    pub running_event: f64,
    pub registered: f64,
}

/// This project's start: a click on a cold `start-meeting`, ECS's events to a cold `task-state`,
/// and the start page's status polls until the meeting is ready.
pub async fn our_start(local: &LocalAws, sdk: &SdkConfig, binaries: &Binaries, name: &str) -> ReadyRun {
    let stack = Stack::create(sdk, name).await;
    let scheduler = Scheduler::new(sdk, &stack.config);
    let proxy = AwsProxy::start(local.port);
    let elb = aws_sdk_elasticloadbalancingv2::Client::new(sdk);
    let bearer = format!("Bearer {}", stack.secret);

    let clicked = Instant::now();
    let since = || clicked.elapsed().as_secs_f64();
    let start = binaries.spawn("start-meeting", &stack, &proxy);
    let task_state = binaries.spawn("task-state", &stack, &proxy);
    expect_status(
        &block(|| start.invoke(&url_request("POST", "/start", &bearer))),
        202,
        "start",
    );
    let mut run = ReadyRun::default();
    let (mut running_seen, mut registered_seen) = (false, false);
    loop {
        for event in scheduler.step().await {
            if event["detail"]["lastStatus"] == "RUNNING" && !running_seen {
                running_seen = true;
                run.running_event = since();
            }
            block(|| task_state.invoke(&event));
            if !registered_seen && registered(&elb, &stack.config).await {
                registered_seen = true;
                run.registered = since();
            }
        }
        if phase_of(&block(|| start.invoke(&status_request(&bearer)))) == "ready" {
            run.ready = since();
            return run;
        }
        assert!(
            clicked.elapsed() < READY_DEADLINE,
            "{name}: not ready within {READY_DEADLINE:?}"
        );
        tokio::time::sleep(POLL).await;
    }
}

/// The old scripts' order with direct SDK calls: create the NLB and wait until it is active, then
/// desired count 1 and wait for RUNNING, then register the task and wait until it is healthy.
pub async fn old_start(sdk: &SdkConfig, name: &str) -> ReadyRun {
    let stack = Stack::create(sdk, name).await;
    let config = &stack.config;
    let scheduler = Scheduler::new(sdk, config);
    let elb = aws_sdk_elasticloadbalancingv2::Client::new(sdk);
    let ecs = aws_sdk_ecs::Client::new(sdk);
    let began = Instant::now();
    let since = || began.elapsed().as_secs_f64();
    let mut run = ReadyRun::default();

    let created = elb
        .create_load_balancer()
        .name(&config.load_balancer_name)
        .r#type(LoadBalancerTypeEnum::Network)
        .scheme(LoadBalancerSchemeEnum::InternetFacing)
        .subnets(&config.subnet_id)
        .send()
        .await
        .expect("CreateLoadBalancer");
    let lb_arn = created.load_balancers()[0]
        .load_balancer_arn()
        .unwrap_or_default()
        .to_string();
    for (protocol, port, target_group) in [
        (ProtocolEnum::Udp, 10000, &config.jvb_target_group_arn),
        (ProtocolEnum::Tcp, 443, &config.web_target_group_arn),
    ] {
        let forward = Action::builder()
            .r#type(ActionTypeEnum::Forward)
            .target_group_arn(target_group)
            .build();
        elb.create_listener()
            .load_balancer_arn(&lb_arn)
            .protocol(protocol)
            .port(port)
            .default_actions(forward)
            .send()
            .await
            .expect("CreateListener");
    }
    loop {
        let described = elb
            .describe_load_balancers()
            .load_balancer_arns(&lb_arn)
            .send()
            .await
            .expect("DescribeLoadBalancers");
        let state = described.load_balancers()[0].state().and_then(|s| s.code());
        if state == Some(&LoadBalancerStateEnum::Active) {
            break;
        }
        poll(began, name).await;
    }

    ecs.update_service()
        .cluster(&config.cluster)
        .service(&config.service)
        .desired_count(1)
        .send()
        .await
        .expect("UpdateService");
    let task_ip = loop {
        let running = scheduler
            .step()
            .await
            .into_iter()
            .find(|event| event["detail"]["lastStatus"] == "RUNNING");
        if let Some(event) = running {
            run.running_event = since();
            break private_ip(&event).expect("a RUNNING task has an IP");
        }
        poll(began, name).await;
    };

    for target_group in [&config.jvb_target_group_arn, &config.web_target_group_arn] {
        elb.register_targets()
            .target_group_arn(target_group)
            .targets(TargetDescription::builder().id(&task_ip).build())
            .send()
            .await
            .expect("RegisterTargets");
    }
    run.registered = since();
    while !healthy(&elb, config).await {
        poll(began, name).await;
    }
    run.ready = since();
    run
}

async fn poll(began: Instant, name: &str) {
    assert!(
        began.elapsed() < READY_DEADLINE,
        "{name}: not ready within {READY_DEADLINE:?}"
    );
    tokio::time::sleep(POLL).await;
}

fn private_ip(event: &Value) -> Option<String> {
    event["detail"]["attachments"]
        .as_array()?
        .iter()
        .flat_map(|a| a["details"].as_array().into_iter().flatten())
        .find(|d| d["name"] == "privateIPv4Address")
        .and_then(|d| d["value"].as_str())
        .map(str::to_string)
}

async fn target_states(
    elb: &aws_sdk_elasticloadbalancingv2::Client,
    config: &Config,
) -> Vec<Vec<TargetHealthStateEnum>> {
    let mut groups = Vec::new();
    for target_group in [&config.jvb_target_group_arn, &config.web_target_group_arn] {
        let described = elb
            .describe_target_health()
            .target_group_arn(target_group)
            .send()
            .await
            .expect("DescribeTargetHealth");
        groups.push(
            described
                .target_health_descriptions()
                .iter()
                .filter_map(|d| d.target_health().and_then(|h| h.state()).cloned())
                .collect(),
        );
    }
    groups
}

/// The task is registered on both target groups.
async fn registered(elb: &aws_sdk_elasticloadbalancingv2::Client, config: &Config) -> bool {
    target_states(elb, config).await.iter().all(|group| !group.is_empty())
}

async fn healthy(elb: &aws_sdk_elasticloadbalancingv2::Client, config: &Config) -> bool {
    target_states(elb, config)
        .await
        .iter()
        .all(|group| !group.is_empty() && group.iter().all(|s| *s == TargetHealthStateEnum::Healthy))
}

/// The release binaries, extracted from the zips by scripts/bench.sh.
pub fn binaries_in(dir: &Path, logs: &Path) -> Binaries {
    for name in FUNCTIONS {
        let binary = dir.join(name).join("bootstrap");
        assert!(binary.is_file(), "{} is missing; run `make bench`", binary.display());
    }
    Binaries {
        dir: dir.to_path_buf(),
        logs: logs.to_path_buf(),
    }
}
