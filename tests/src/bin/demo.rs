//! `make demo`'s driver. The functions run under `local-lambda` against the local AWS; this
//! plays the parts AWS plays by itself: the ECS scheduler, EventBridge (task events, the schedule),
//! the NLB's flow metrics while simulated people meet. It prints the lifecycle as a timeline.
//!
//! With a scheduled window in the functions' settings it also plays EventBridge Scheduler (the
//! window's invocation at its wake-up), and with DEMO_WEBHOOK_PORT it is the webhook's receiver
//! and shows what arrives.
//!
//! Settings (from scripts/demo.sh): LOCAL_AWS_PORT, LAMBDA_PORT, START_SECRET, DEMO_SPEED (AWS's
//! delays divided by this; 0 = none), DEMO_CI=1 (click by itself, exit once idle again; with a
//! window, first let the window start a meeting and check it stays up to the window's end),
//! DEMO_BROWSER=1 (the browser test clicks; exit once idle again), and the functions' own
//! environment (to find the stack).

use chrono::{DurationRound, Utc};
use lifecycle::config::Config;
use lifecycle_tests::http_client::call;
use lifecycle_tests::inventory::Inventory;
use lifecycle_tests::invoke::scheduled_event;
use lifecycle_tests::local_aws::{sdk_config_for, LocalAws};
use lifecycle_tests::scheduler::{MinuteTraffic, Scheduler};
use lifecycle_tests::webhook::Receiver;
use serde_json::Value;
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// AWS's own delays at DEMO_SPEED=1, in seconds (design notes: NLB ≈ 90 s, task ≈ 60 s).
const LOAD_BALANCER_SECONDS: f64 = 90.0;
const TASK_SECONDS: f64 = 60.0;
const HEALTH_SECONDS: f64 = 30.0;
/// How long the simulated people stay once the meeting is ready.
const MEETING_SECONDS: u64 = 20;
const CI_DEADLINE: Duration = Duration::from_secs(600);
/// A minute of a few people on the video bridge, as the NLB's metrics show it.
const PEOPLE: MinuteTraffic = MinuteTraffic {
    media_bytes: 1_500_000.0,
    media_flows: 3.0,
    web_bytes: 20_000.0,
    web_flows: 3.0,
};

/// Who clicks start. Unless a person does, the driver exits once the meeting went ready and back
/// to idle with nothing left.
#[derive(PartialEq)]
enum Clicker {
    Person,
    Driver,
    BrowserTest,
}

struct Lambdas {
    port: u16,
}

impl Lambdas {
    fn invoke(&self, function: &str, event: &Value) -> Result<Value, String> {
        let path = format!("/2015-03-31/functions/{function}/invocations");
        self.json(
            &path,
            "POST",
            &[("Content-Type", "application/json")],
            &event.to_string(),
        )
    }

    /// The status as the key holder sees it (with the meeting's URL).
    fn status(&self, secret: &str) -> Result<Value, String> {
        let bearer = format!("Bearer {secret}");
        self.json(
            "/lambda-url/start-meeting/status",
            "GET",
            &[("Accept", "application/json"), ("Authorization", &bearer)],
            "",
        )
    }

    fn start(&self, secret: &str) -> Result<Value, String> {
        let bearer = format!("Bearer {secret}");
        self.json(
            "/lambda-url/start-meeting/start",
            "POST",
            &[("Authorization", &bearer)],
            "",
        )
    }

    fn json(&self, path: &str, method: &str, headers: &[(&str, &str)], body: &str) -> Result<Value, String> {
        let answer = tokio::task::block_in_place(|| call(self.port, method, path, headers, body))
            .map_err(|e| format!("{method} {path}: {e}"))?;
        let value: Value = serde_json::from_str(&answer.body).map_err(|e| format!("{path}: {e}: {}", answer.body))?;
        match answer.status {
            200..=299 => Ok(value),
            status => Err(format!("{path} answered {status}: {}", value["error"])),
        }
    }
}

/// Prints what changed since the last status, with the time since the demo began.
struct Timeline {
    began: Instant,
    phase: String,
    steps: Vec<(String, String)>,
}

impl Timeline {
    fn line(&self, what: &str) {
        println!("  {:>7.1}s  {what}", self.began.elapsed().as_secs_f64());
    }

    fn show(&mut self, status: &Value) {
        let phase = status["phase"].as_str().unwrap_or("?").to_string();
        if phase != self.phase {
            let url = status["meeting_url"]
                .as_str()
                .map(|u| format!("  {u}"))
                .unwrap_or_default();
            self.line(&format!(
                "== {} ==  {}{url}",
                phase.to_uppercase(),
                status["summary"].as_str().unwrap_or("")
            ));
            self.phase = phase;
        }
        let steps: Vec<(String, String)> = status["steps"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|s| {
                let detail = s["detail"].as_str().map(|d| format!(" ({d})")).unwrap_or_default();
                (
                    s["name"].as_str().unwrap_or("?").to_string(),
                    format!("{}{detail}", s["state"].as_str().unwrap_or("?")),
                )
            })
            .collect();
        for (name, state) in &steps {
            if !self.steps.iter().any(|(n, s)| n == name && s == state) {
                self.line(&format!(
                    "   {:<13} {}",
                    name.replace('_', " "),
                    state.replace('_', " ")
                ));
            }
        }
        self.steps = steps;
        if let Some(error) = status["error"].as_str() {
            self.line(&format!("   error: {error}"));
        }
    }
}

fn setting(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set; run the demo with `make demo`"))
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> ExitCode {
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("demo: {error}");
            return ExitCode::FAILURE;
        }
    };
    let speed: f64 = std::env::var("DEMO_SPEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(6.0);
    let flag = |name: &str| std::env::var(name).is_ok_and(|v| v == "1");
    let clicker = if flag("DEMO_CI") {
        Clicker::Driver
    } else if flag("DEMO_BROWSER") {
        Clicker::BrowserTest
    } else {
        Clicker::Person
    };
    let secret = setting("START_SECRET");
    let lambdas = Lambdas {
        port: setting("LAMBDA_PORT").parse().expect("LAMBDA_PORT is a port"),
    };
    let local = LocalAws::attach(setting("LOCAL_AWS_PORT").parse().expect("LOCAL_AWS_PORT is a port"));
    let scale = |seconds: f64| if speed > 0.0 { seconds / speed } else { 0.0 };
    local.set_timings(scale(LOAD_BALANCER_SECONDS), scale(TASK_SECONDS), scale(HEALTH_SECONDS));
    let sdk = sdk_config_for(&local.endpoint()).await;
    let scheduler = Scheduler::new(&sdk, &config);
    // The schedule fires every minute on AWS; here every minute divided by the speed.
    let tick_every = Duration::from_secs_f64(if speed > 0.0 { 60.0 / speed } else { 5.0 });

    let start_page = format!("http://127.0.0.1:{}/lambda-url/start-meeting/", lambdas.port);
    println!();
    println!("  Start page:  {start_page}#key={secret}");
    println!("  Secret:      {secret}");
    println!("  Stop:        curl -X POST -H 'Authorization: Bearer {secret}' http://127.0.0.1:{}/lambda-url/stop-meeting/stop", lambdas.port);
    println!(
        "  AWS delays:  load balancer {:.0} s, task {:.0} s, health checks {:.0} s (DEMO_SPEED={speed})",
        scale(LOAD_BALANCER_SECONDS),
        scale(TASK_SECONDS),
        scale(HEALTH_SECONDS)
    );
    println!("  Simulated people stay {MEETING_SECONDS} s, then the idle timer ends the meeting.");
    let mut window = config.schedule.next_after(Utc::now());
    if let Some(w) = &window {
        println!(
            "  Scheduled:   window {} at {} UTC for {} min; it starts by itself at {} UTC",
            w.window,
            w.starts.format("%H:%M"),
            (w.ends - w.starts).num_minutes(),
            w.wakes.format("%H:%M")
        );
    }
    let receiver = std::env::var("DEMO_WEBHOOK_PORT")
        .ok()
        .and_then(|port| port.parse().ok())
        .map(Receiver::on_port);
    if let Some(receiver) = &receiver {
        println!("  Webhook:     {} (this driver receives and shows it)", receiver.url());
    }
    match clicker {
        Clicker::Person => println!("  Open the start page and click start. Ctrl-C destroys everything."),
        Clicker::BrowserTest => println!("  The browser test opens the start page and clicks start."),
        Clicker::Driver => {}
    }
    println!();

    let mut timeline = Timeline {
        began: Instant::now(),
        phase: String::new(),
        steps: Vec::new(),
    };
    let mut last_tick = Instant::now();
    let mut window_ends: Option<chrono::DateTime<Utc>> = None;
    let mut ready_since: Option<Instant> = None;
    let mut was_ready = false;
    let mut scanned_minute = None;
    let mut hooks_shown = 0;
    // With a window, the driver's own run lets the window start the first meeting; it clicks after.
    let scheduled_cycle = clicker == Clicker::Driver && window.is_some();
    let mut clicks_left = u32::from(scheduled_cycle);
    let cycles = 1 + clicks_left as usize;
    if clicker == Clicker::Driver && !scheduled_cycle {
        if let Err(error) = lambdas.start(&secret) {
            eprintln!("demo: the start failed: {error}");
            return ExitCode::FAILURE;
        }
        timeline.line("clicked start");
    }
    loop {
        // EventBridge Scheduler: the window's invocation at its wake-up, with only its name.
        if let Some(w) = window.as_ref().filter(|w| Utc::now() >= w.wakes) {
            timeline.line(&format!("   Scheduler     wakes stop-meeting for window {}", w.window));
            let input = serde_json::json!({ "scheduled_meeting": w.window });
            if let Err(error) = lambdas.invoke("stop-meeting", &input) {
                timeline.line(&format!("   scheduled invocation failed: {error}"));
            }
            if clicks_left > 0 {
                window_ends = Some(w.ends);
            }
            window = None;
        }
        for event in scheduler.step().await {
            let detail = &event["detail"];
            timeline.line(&format!(
                "   ECS event     task {}",
                detail["lastStatus"].as_str().unwrap_or("?")
            ));
            if let Err(error) = lambdas.invoke("task-state", &event) {
                timeline.line(&format!("   task-state failed: {error}"));
            }
        }
        if last_tick.elapsed() >= tick_every {
            last_tick = Instant::now();
            match lambdas.invoke("stop-meeting", &scheduled_event()) {
                Ok(answer) if !answer["stop_reason"].is_null() => timeline.line(&format!(
                    "   tick          ending the meeting: {}",
                    answer["stop_reason"]
                )),
                Ok(_) => {}
                Err(error) => timeline.line(&format!("   tick failed: {error}")),
            }
        }
        let status = match lambdas.status(&secret) {
            Ok(status) => status,
            Err(error) => {
                timeline.line(&format!("   status failed: {error}"));
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        timeline.show(&status);
        if let Some(receiver) = &receiver {
            for body in receiver.received().iter().skip(hooks_shown) {
                timeline.line(&format!("   webhook       {}", body["text"].as_str().unwrap_or("?")));
                hooks_shown += 1;
            }
        }
        if was_ready && status["phase"] != "ready" && window_ends.is_some_and(|ends| Utc::now() < ends) {
            eprintln!("demo: the window's meeting ended before the window did");
            return ExitCode::FAILURE;
        }
        let ready = status["phase"] == "ready";
        if ready && ready_since.is_none() {
            ready_since = Some(Instant::now());
            was_ready = true;
            timeline.line(&format!(
                "   people join   for {MEETING_SECONDS} s (media and signalling flows on the NLB)"
            ));
        }
        if !ready {
            ready_since = None;
        }
        match ready_since.map(|since| since.elapsed() < Duration::from_secs(MEETING_SECONDS)) {
            Some(true) => put_traffic(&sdk, &config, &scheduler, PEOPLE).await,
            // Once people have left, a scanner probes the address once a minute: not a person.
            Some(false) => {
                let minute = Utc::now().duration_trunc(chrono::Duration::minutes(1)).ok();
                if minute != scanned_minute {
                    if scanned_minute.is_none() {
                        timeline.line("   scanner       probes 443 every minute (300 B): not counted as use");
                    }
                    scanned_minute = minute;
                    put_traffic(&sdk, &config, &scheduler, MinuteTraffic::PORT_SCAN).await;
                }
            }
            None => {}
        }
        if clicker != Clicker::Person && was_ready && status["phase"] == "idle" {
            let inventory = Inventory::read(&sdk, &config).await;
            if inventory.is_idle() {
                timeline.line(
                    "nothing is left in the local AWS: no load balancer, no Elastic IP, no target, desired count 0",
                );
                if clicks_left > 0 {
                    clicks_left -= 1;
                    (was_ready, window_ends) = (false, None);
                    if let Err(error) = lambdas.start(&secret) {
                        eprintln!("demo: the start failed: {error}");
                        return ExitCode::FAILURE;
                    }
                    timeline.line("clicked start");
                    continue;
                }
                if clicker == Clicker::Driver {
                    if let Err(problem) = check_webhook(receiver.as_ref(), cycles, scheduled_cycle) {
                        eprintln!("demo: {problem}");
                        return ExitCode::FAILURE;
                    }
                }
                return ExitCode::SUCCESS;
            }
        }
        if clicker != Clicker::Person && timeline.began.elapsed() > CI_DEADLINE {
            eprintln!("demo: no full cycle within {} s", CI_DEADLINE.as_secs());
            return ExitCode::FAILURE;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Each meeting's ready and end reached the webhook once; the first was the window's.
fn check_webhook(receiver: Option<&Receiver>, cycles: usize, scheduled_first: bool) -> Result<(), String> {
    let Some(receiver) = receiver else { return Ok(()) };
    let received = receiver.received();
    let of = |event: &str| received.iter().filter(|b| b["event"] == event).collect::<Vec<_>>();
    let (ready, ended) = (of("ready"), of("ended"));
    if ready.len() != cycles || ended.len() != cycles {
        return Err(format!(
            "the webhook got {} ready and {} ended messages for {cycles} meetings",
            ready.len(),
            ended.len()
        ));
    }
    if scheduled_first
        && !ready[0]["started_by"]
            .as_str()
            .is_some_and(|s| s.starts_with("the schedule"))
    {
        return Err(format!(
            "the first meeting was not started by the schedule: {}",
            ready[0]
        ));
    }
    Ok(())
}

/// The NLB's CloudWatch traffic for the current minute, as people in a call (or a scanner)
/// produce it.
async fn put_traffic(sdk: &aws_config::SdkConfig, config: &Config, scheduler: &Scheduler, traffic: MinuteTraffic) {
    let inventory = Inventory::read(sdk, config).await;
    let Some(load_balancer) = inventory.load_balancers.first() else {
        return;
    };
    let minute = Utc::now()
        .duration_trunc(chrono::Duration::minutes(1))
        .unwrap_or_else(|_| Utc::now());
    let tls = config.certificate_arn.is_some();
    scheduler.put_traffic(load_balancer, minute, tls, traffic).await;
}
