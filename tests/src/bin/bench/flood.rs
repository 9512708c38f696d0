//! Many readers of the status against one start-meeting instance (Lambda runs one request at a
//! time per instance; reserved concurrency caps the instances): ten open start pages polling as the
//! key holder's page does while a step is about to change, and a flood of the public page and
//! status with the owner's start in the middle of it. Each reports the AWS calls it caused.

use crate::aws_proxy::AwsProxy;
use crate::function::Function;
use crate::report::{ms, verdict};
use crate::scenarios::{block, status_request, url_request, Binaries};
use aws_config::SdkConfig;
use lifecycle_tests::invoke::function_url_payload;
use lifecycle_tests::local_aws::LocalAws;
use lifecycle_tests::stack::Stack;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// The most AWS calls a second one instance may make however many read: one status read a second
/// (lifecycle::recent_status::MAX_AGE) of at most six calls (tests/tests/call_budget.rs).
pub const CALLS_PER_SECOND_BUDGET: f64 = 6.0;
/// Ten pages, each polling every 1.5 s (the page's fastest pace).
const PAGES: usize = 10;
const PAGE_POLL_SECONDS: f64 = 1.5;
const PAGES_SECONDS: usize = 30;

pub struct Readers {
    pub label: String,
    pub requests: usize,
    pub seconds: f64,
    pub aws_calls: usize,
    pub slowest: Duration,
    /// The owner's start in the middle, if there was one: its HTTP status.
    pub owner_start: Option<u64>,
}

impl Readers {
    fn calls_per_second(&self) -> f64 {
        self.aws_calls as f64 / self.seconds
    }
}

pub struct Flood {
    pub pages: Readers,
    pub flood: Readers,
}

/// Ten open pages for 30 s, then `rate` public requests a second for `seconds`.
pub async fn flood(local: &LocalAws, sdk: &SdkConfig, binaries: &Binaries, rate: usize, seconds: usize) -> Flood {
    local.set_timings(0.0, 0.0, 0.0);
    let stack = Stack::create(sdk, "flood").await;
    let proxy = AwsProxy::start(local.port);
    let mut start = binaries.spawn_sized("start-meeting", &stack, &proxy, crate::function::MEMORY_MB, None);
    block(|| start.init());
    let bearer = format!("Bearer {}", stack.secret);
    let pages = drive(
        &start,
        format!("{PAGES} open pages of the key holder, each polling every {PAGE_POLL_SECONDS} s"),
        &[status_request(&bearer)],
        PAGES as f64 / PAGE_POLL_SECONDS,
        PAGES_SECONDS,
        None,
    );
    let public = [
        function_url_payload("GET", "/", &[("accept", "text/html")], ""),
        function_url_payload("GET", "/status", &[("accept", "application/json")], ""),
    ];
    let flood = drive(
        &start,
        format!("a flood of the public page and status, {rate} a second"),
        &public,
        rate as f64,
        seconds,
        Some(&url_request("POST", "/start", &bearer)),
    );
    Flood { pages, flood }
}

/// `rate` requests a second for `seconds`, taking `requests` in turn; `owner` halfway through.
fn drive(
    start: &Function,
    label: String,
    requests: &[Value],
    rate: f64,
    seconds: usize,
    owner: Option<&Value>,
) -> Readers {
    let total = (rate * seconds as f64).round() as usize;
    let interval = Duration::from_secs_f64(1.0 / rate);
    let mut readers = Readers {
        label,
        requests: 0,
        seconds: 0.0,
        aws_calls: 0,
        slowest: Duration::ZERO,
        owner_start: None,
    };
    let began = Instant::now();
    for i in 0..total {
        if let Some(wait) = (began + interval * i as u32).checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        let sample = block(|| start.invoke(&requests[i % requests.len()]));
        readers.aws_calls += sample.aws_calls;
        readers.slowest = readers.slowest.max(sample.handler);
        readers.requests += 1;
        if let (Some(owner), true) = (owner, i == total / 2) {
            // The owner's own calls are not the readers'.
            let answer = block(|| start.invoke(owner)).answer;
            readers.owner_start = answer["statusCode"].as_u64();
        }
    }
    readers.seconds = began.elapsed().as_secs_f64();
    readers
}

impl Flood {
    pub fn table(&self) -> String {
        let mut t = String::from("readers of the status, one start-meeting instance, AWS calls a second\n");
        for readers in [&self.pages, &self.flood] {
            let calls = readers.calls_per_second();
            t.push_str(&format!(
                "  {}: {} requests in {:.0} s, slowest {:.1} ms; AWS calls {} ({calls:.2}/s, budget ≤ {CALLS_PER_SECOND_BUDGET:.0}/s {})\n",
                readers.label,
                readers.requests,
                readers.seconds,
                ms(readers.slowest),
                readers.aws_calls,
                verdict(calls <= CALLS_PER_SECOND_BUDGET),
            ));
            if let Some(status) = readers.owner_start {
                t.push_str(&format!(
                    "    the owner's start in the middle of it: HTTP {status} {}\n",
                    verdict(status == 202)
                ));
            }
        }
        t
    }

    pub fn json(&self) -> Value {
        let one = |r: &Readers| {
            json!({
                "label": r.label, "requests": r.requests, "seconds": r.seconds, "aws_calls": r.aws_calls,
                "aws_calls_per_second": r.calls_per_second(), "slowest_ms": ms(r.slowest), "owner_start_status": r.owner_start,
            })
        };
        json!({ "budget_per_second": CALLS_PER_SECOND_BUDGET, "pages": one(&self.pages), "flood": one(&self.flood) })
    }
}
