//! Hostile input: arbitrary requests to both Function URLs and arbitrary events to both
//! EventBridge targets never panic, never answer a 5xx, always explain themselves in JSON, and
//! never start or stop anything; the start secret never shows in a log line, a status document or
//! an answer.

mod common;

use chrono::Utc;
use lifecycle_tests::harness::Harness;
use lifecycle_tests::invoke::{function_url_payload, http_request, scheduled_event};
use proptest::prelude::*;
use proptest::test_runner::TestRunner;
use serde_json::{json, Value};
use std::io::Write;
use std::sync::{Arc, Mutex};

use common::{proptest_config, runtime};

/// Arbitrary JSON, nested a few levels.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        ".{0,40}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
            prop::collection::btree_map("[a-zA-Z_-]{0,16}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A real event with one field replaced by arbitrary JSON, or the whole thing arbitrary.
fn mangled(real: Value) -> impl Strategy<Value = Value> {
    let fields = [
        "detail",
        "detail-type",
        "source",
        "time",
        "version",
        "resources",
        "id",
        "region",
    ];
    prop_oneof![
        any_json(),
        (prop::sample::select(fields.to_vec()), any_json()).prop_map(move |(field, value)| {
            let mut event = real.clone();
            event[field] = value;
            event
        }),
    ]
}

#[derive(Debug, Clone)]
struct Request {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: String,
}

fn any_request() -> impl Strategy<Value = Request> {
    let method = prop_oneof![
        prop::sample::select(vec![
            "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE"
        ])
        .prop_map(String::from),
        "[A-Z]{1,10}",
    ];
    let path = prop_oneof![
        prop::sample::select(vec![
            "/",
            "/start",
            "/status",
            "/stop",
            "/start/",
            "//",
            "/start?x=1",
            "/%2e%2e/"
        ])
        .prop_map(String::from),
        "/[a-zA-Z0-9/%._~?=&-]{0,40}",
    ];
    let header_name = prop_oneof![
        prop::sample::select(vec![
            "authorization",
            "content-type",
            "accept",
            "cookie",
            "x-forwarded-for"
        ])
        .prop_map(String::from),
        "[a-z][a-z0-9-]{0,20}",
    ];
    let header_value = prop_oneof![
        Just("Bearer ".to_string()),
        "Bearer [ -~]{0,60}",
        prop::sample::select(vec![
            "application/json",
            "application/x-www-form-urlencoded",
            "text/html"
        ])
        .prop_map(String::from),
        "[ -~]{0,60}",
    ];
    let body = prop_oneof![
        Just(String::new()),
        any_json().prop_map(|v| v.to_string()),
        "secret=[ -~]{0,40}",
        ".{0,200}",
    ];
    (
        method,
        path,
        prop::collection::vec((header_name, header_value), 0..5),
        body,
    )
        .prop_map(|(method, path, headers, body)| Request {
            method,
            path,
            headers,
            body,
        })
}

/// Bad input gets a 4xx with `{"error": …}` (a HEAD gets its headers only).
fn assert_well_answered(status: u16, content_type: &str, body: &str, request: &Request) {
    assert!(status < 500, "{status} for {request:?}: {body}");
    if status >= 400 && request.method != "HEAD" {
        let error: Value = serde_json::from_str(body)
            .unwrap_or_else(|_| panic!("{status} without a JSON body for {request:?}: {body}"));
        assert!(
            error["error"].is_string(),
            "{status} without an error message for {request:?}: {body}"
        );
        assert!(
            content_type.starts_with("application/json"),
            "{content_type} for {request:?}"
        );
    }
}

#[test]
fn arbitrary_requests_to_both_function_urls_get_a_clear_answer_and_change_nothing() {
    let runtime = runtime();
    let h = runtime.block_on(Harness::new("fuzzhttp"));
    let mut runner = TestRunner::new(proptest_config(96));
    runner
        .run(&any_request(), |request| {
            runtime.block_on(async {
                let headers: Vec<(&str, &str)> =
                    request.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                let now = Utc::now();
                // start-meeting: lambda_http has parsed the request already; one that does not parse
                // (a bad method, URI or header) never reaches the function.
                let mut builder = http::Request::builder()
                    .method(request.method.as_str())
                    .uri(&request.path);
                for (name, value) in &headers {
                    builder = builder.header(*name, *value);
                }
                if let Ok(parsed) = builder.body(lambda_http::Body::from(request.body.clone())) {
                    let response = start_meeting::handle(&h.app, &h.gate, &h.tokens, parsed, now).await;
                    let content_type = response
                        .headers()
                        .get("content-type")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_string();
                    assert_well_answered(response.status().as_u16(), &content_type, response.body(), &request);
                }
                // stop-meeting takes the raw Function URL payload.
                let payload = function_url_payload(&request.method, &request.path, &headers, &request.body);
                let answer = stop_meeting::handle(&h.app, &h.gate, payload, now)
                    .await
                    .expect("an HTTP request never fails the function");
                let content_type = answer["headers"]["content-type"].as_str().unwrap_or_default();
                let status = answer["statusCode"].as_u64().expect("an HTTP answer") as u16;
                assert_well_answered(
                    status,
                    content_type,
                    answer["body"].as_str().unwrap_or_default(),
                    &request,
                );
            });
            Ok(())
        })
        .unwrap();
    let inventory = runtime.block_on(h.inventory());
    assert!(
        inventory.is_idle(),
        "a guessed request started something: {inventory:?}"
    );
}

#[test]
fn arbitrary_events_never_fail_a_function_nor_change_anything() {
    let runtime = runtime();
    let h = runtime.block_on(Harness::new("fuzzevents"));
    // A real task event of this stack, to mangle.
    let real_task_event = runtime.block_on(async {
        let mut event = lifecycle_tests::scheduler::task_state_event(&aws_sdk_ecs::types::Task::builder().build());
        event["detail"]["clusterArn"] = json!(format!(
            "arn:aws:ecs:us-east-1:123456789012:cluster/{}",
            h.config().cluster
        ));
        event["detail"]["group"] = json!(h.config().task_group());
        event
    });
    let events = prop_oneof![mangled(real_task_event), mangled(scheduled_event())];
    let mut runner = TestRunner::new(proptest_config(128));
    runner
        .run(&events, |event| {
            runtime.block_on(async {
                let now = Utc::now();
                task_state::handle(&h.app, event.clone(), now)
                    .await
                    .unwrap_or_else(|e| panic!("task-state failed on {event}: {e}"));
                let answer = stop_meeting::handle(&h.app, &h.gate, event.clone(), now)
                    .await
                    .unwrap_or_else(|e| panic!("stop-meeting failed on {event}: {e}"));
                if let Some(status) = answer["statusCode"].as_u64() {
                    assert_eq!(status, 400, "{event} → {answer}");
                }
            });
            Ok(())
        })
        .unwrap();
    let inventory = runtime.block_on(h.inventory());
    assert!(inventory.is_idle(), "an event started something: {inventory:?}");
}

/// Collects what the functions log, in their own format.
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl Write for Logs {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Logs {
    type Writer = Logs;

    fn make_writer(&'a self) -> Logs {
        self.clone()
    }
}

#[tokio::test]
async fn the_secret_and_tokens_never_show_in_a_log_line_a_status_or_an_answer() {
    let logs = Logs::default();
    let filter =
        tracing_subscriber::EnvFilter::new("trace,aws=info,aws_smithy_runtime=info,hyper=info,h2=info,rustls=info");
    let _logging = tracing::subscriber::set_default(lifecycle::telemetry::subscriber(filter, logs.clone()));
    let h = Harness::new("secretlogs").await;
    let secret = h.stack.secret.clone();
    // The secret with its last character changed: a guess must not leak either.
    let near_miss = format!(
        "{}{}",
        &secret[..secret.len() - 1],
        if secret.ends_with('x') { 'y' } else { 'x' }
    );
    let now = Utc::now();
    let mut answers = Vec::new();

    let json_body = json!({ "secret": secret }).to_string();
    let form_body = format!("secret={secret}");
    let bearer = h.bearer();
    let wrong = format!("Bearer {near_miss}");
    let start_requests = [
        http_request("POST", "/start", &[("authorization", &wrong)], ""),
        http_request("POST", "/start", &[("authorization", &bearer)], ""),
        http_request("POST", "/start", &[("content-type", "application/json")], &json_body),
        http_request(
            "POST",
            "/start",
            &[("content-type", "application/x-www-form-urlencoded")],
            &form_body,
        ),
        http_request("GET", "/status", &[], ""),
        http_request("GET", "/", &[], ""),
    ];
    for request in start_requests {
        answers.push(
            start_meeting::handle(&h.app, &h.gate, &h.tokens, request, now)
                .await
                .into_body(),
        );
    }
    // A start with a room answers the key holder a moderator token: it goes there and nowhere else.
    let with_room = http_request(
        "POST",
        "/start",
        &[("authorization", &bearer), ("content-type", "application/json")],
        r#"{"room":"quiet-room"}"#,
    );
    let started = start_meeting::handle(&h.app, &h.gate, &h.tokens, with_room, now).await;
    let started: Value = serde_json::from_str(started.body()).unwrap();
    let token = started["join"]["token"]
        .as_str()
        .expect("a token for the room")
        .to_string();
    let signature = token.rsplit('.').next().unwrap().to_string();
    for request in [
        http_request("GET", "/status", &[("authorization", &bearer)], ""),
        http_request("GET", "/status", &[], ""),
    ] {
        answers.push(
            start_meeting::handle(&h.app, &h.gate, &h.tokens, request, now)
                .await
                .into_body(),
        );
    }
    for event in h.run_ecs(now).await {
        answers.push(task_state::handle(&h.app, event, now).await.unwrap().to_string());
    }
    answers.push(
        stop_meeting::handle(&h.app, &h.gate, scheduled_event(), now)
            .await
            .unwrap()
            .to_string(),
    );
    for header in [wrong.as_str(), bearer.as_str()] {
        let payload = function_url_payload("POST", "/stop", &[("authorization", header)], "");
        answers.push(
            stop_meeting::handle(&h.app, &h.gate, payload, now)
                .await
                .unwrap()
                .to_string(),
        );
    }

    let logged = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(
        logged.lines().count() >= 8,
        "the functions logged what they did: {logged}"
    );
    for line in logged.lines() {
        serde_json::from_str::<Value>(line).unwrap_or_else(|e| panic!("a log line that is not JSON ({e}): {line}"));
    }
    assert!(logged.contains("wrong secret"), "the wrong secret is logged as such");
    for text in answers.iter().chain([&logged]) {
        assert!(!text.contains(&secret), "the secret leaked: {text}");
        assert!(!text.contains(&near_miss), "a guess leaked: {text}");
        assert!(!text.contains(&signature), "a token leaked: {text}");
    }
    assert_eq!(
        h.inventory().await.desired_count,
        0,
        "the right secret started, then stopped, the meeting"
    );
}
