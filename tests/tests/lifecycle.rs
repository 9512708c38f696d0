//! The whole lifecycle through each function's handler, the real SDK and the local AWS: start, task
//! RUNNING, ready, idle tick, stop, cleanup; and the manual stop. What exists is checked in the local AWS
//! after every step.

use chrono::{Duration, DurationRound, Utc};
use lifecycle::cloud::Reads;
use lifecycle::status::Phase;
use lifecycle_tests::harness::Harness;
use lifecycle_tests::invoke::{function_url_payload, http_request, scheduled_event};
use lifecycle_tests::scheduler::{task_ip, MinuteTraffic};
use serde_json::Value;

/// A minute of people in a meeting through the bridge.
const TALKING: MinuteTraffic = MinuteTraffic {
    media_bytes: 1_500_000.0,
    media_flows: 3.0,
    web_bytes: 20_000.0,
    web_flows: 3.0,
};

fn body_json(response: &http::Response<String>) -> Value {
    serde_json::from_str(response.body()).unwrap_or_else(|e| panic!("not JSON ({e}): {}", response.body()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_meeting_goes_from_idle_to_ready_and_back_to_idle() {
    let h = Harness::new("life").await;
    let (config, app, gate, tokens, scheduler) = (h.config(), &h.app, &h.gate, &h.tokens, &h.scheduler);
    let bearer = h.bearer();
    let t0 = Utc::now();

    // A GET of the page (a link preview, a crawler) shows it and starts nothing.
    let page = start_meeting::handle(&app, &gate, &tokens, http_request("GET", "/", &[], ""), t0).await;
    assert_eq!(page.status(), 200);
    assert!(page.body().contains("Start the meeting"));
    assert!(h.inventory().await.is_idle());

    // Without the secret, or with a wrong one, nothing starts.
    let missing = start_meeting::handle(&app, &gate, &tokens, http_request("POST", "/start", &[], ""), t0).await;
    assert_eq!(missing.status(), 401);
    let wrong = start_meeting::handle(
        &app,
        &gate,
        &tokens,
        http_request("POST", "/start", &[("authorization", "Bearer nope")], ""),
        t0,
    )
    .await;
    assert_eq!(wrong.status(), 403);
    assert!(body_json(&wrong)["error"].is_string());
    assert!(h.inventory().await.is_idle());

    // The click: address, load balancer with listeners, advertised IPs, desired count 1.
    let started = start_meeting::handle(
        &app,
        &gate,
        &tokens,
        http_request("POST", "/start", &[("authorization", &bearer)], ""),
        t0,
    )
    .await;
    assert_eq!(started.status(), 202, "{}", started.body());
    assert_eq!(body_json(&started)["phase"], "starting");
    let after_start = h.inventory().await;
    assert_eq!(after_start.desired_count, 1);
    assert_eq!(after_start.addresses.len(), 1);
    assert_eq!(after_start.load_balancers.len(), 1);
    assert_eq!(
        after_start.advertised, after_start.addresses[0],
        "the JVB advertises the meeting's Elastic IP"
    );
    assert_eq!(
        after_start.listeners,
        vec![
            ("TCP".to_string(), 443, config.web_target_group_arn.clone()),
            ("UDP".to_string(), 10000, config.jvb_target_group_arn.clone()),
        ]
    );

    // A second click changes nothing and tells the same.
    let again = start_meeting::handle(
        &app,
        &gate,
        &tokens,
        http_request("POST", "/start", &[("authorization", &bearer)], ""),
        t0,
    )
    .await;
    assert_eq!(again.status(), 202);
    assert_eq!(h.inventory().await, after_start);

    // With a room, the key holder gets a moderator token for it (and never in the status).
    let with_room = start_meeting::handle(
        app,
        gate,
        tokens,
        http_request(
            "POST",
            "/start",
            &[("authorization", &bearer), ("content-type", "application/json")],
            r#"{"room":"Team-Sync"}"#,
        ),
        t0,
    )
    .await;
    let join = &body_json(&with_room)["join"];
    assert_eq!(join["room"], "team-sync", "{join}");
    assert_eq!(join["token"].as_str().unwrap().split('.').count(), 3, "{join}");
    let bad_room = start_meeting::handle(
        app,
        gate,
        tokens,
        http_request(
            "POST",
            "/start",
            &[("authorization", &bearer), ("content-type", "application/json")],
            r#"{"room":"../etc"}"#,
        ),
        t0,
    )
    .await;
    assert_eq!(bad_room.status(), 400);

    // ECS launches the task; its event registers the IP on both target groups.
    let events = scheduler.step().await;
    assert_eq!(events.len(), 1);
    let task_ip = task_ip(&events[0])
        .expect("the event carries the task's IP")
        .to_string();
    for event in events {
        task_state::handle(&app, event, t0 + Duration::seconds(60))
            .await
            .unwrap();
    }
    let running = h.inventory().await;
    assert_eq!(running.jvb_targets, vec![task_ip.clone()]);
    assert_eq!(running.web_targets, vec![task_ip.clone()]);

    // Anyone may see how far it got; only the key holder learns where the meeting is.
    let status_as = |headers: &'static [(&'static str, &'static str)]| {
        start_meeting::handle(
            app,
            gate,
            tokens,
            http_request("GET", "/status", headers, ""),
            t0 + Duration::seconds(90),
        )
    };
    let public = body_json(&status_as(&[]).await);
    assert_eq!(public["phase"], "ready", "{public}");
    assert!(
        public.get("meeting_url").is_none(),
        "no meeting URL, not even null: {public}"
    );
    assert!(
        public["steps"][0].get("detail").is_none(),
        "the address is not shown: {public}"
    );
    assert_eq!(status_as(&[("authorization", "Bearer nope")]).await.status(), 403);
    let status = body_json(
        &start_meeting::handle(
            app,
            gate,
            tokens,
            http_request("GET", "/status", &[("authorization", &bearer)], ""),
            t0 + Duration::seconds(90),
        )
        .await,
    );
    assert!(
        status["meeting_url"].as_str().unwrap().starts_with("https://"),
        "{status}"
    );

    // People meet for five minutes, then leave; ten idle minutes later the tick ends it.
    for minute in 1..=5 {
        scheduler
            .put_traffic(
                &running.load_balancers[0],
                t0 + Duration::minutes(minute),
                false,
                TALKING,
            )
            .await;
    }
    let busy_tick = stop_meeting::handle(&app, &gate, scheduled_event(), t0 + Duration::minutes(12))
        .await
        .unwrap();
    assert_eq!(busy_tick["phase"], "ready", "{busy_tick}");
    assert_eq!(h.inventory().await.desired_count, 1);

    let idle_tick = stop_meeting::handle(&app, &gate, scheduled_event(), t0 + Duration::minutes(16))
        .await
        .unwrap();
    assert_eq!(idle_tick["stop_reason"], "idle", "{idle_tick}");
    let stopping = h.inventory().await;
    assert_eq!(stopping.desired_count, 0);
    assert_eq!(stopping.load_balancers.len(), 1, "kept until the task is gone");

    // ECS stops the task; its STOPPED event cleans up everything.
    h.run_ecs(t0 + Duration::minutes(17)).await;
    let idle = h.inventory().await;
    assert!(idle.is_idle(), "{idle:?}");
    let status = app.aws.observe(config, Reads::Everything, Utc::now()).await.unwrap();
    assert_eq!(
        lifecycle::status::status(&status, config, Utc::now()).phase,
        Phase::Idle
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manual_stop_ends_the_meeting_and_the_next_tick_cleans_up() {
    let h = Harness::new("manual").await;
    let (app, gate, tokens, scheduler) = (&h.app, &h.gate, &h.tokens, &h.scheduler);
    let now = Utc::now();

    let body = format!(r#"{{"secret": "{}"}}"#, h.stack.secret);
    let started = start_meeting::handle(
        &app,
        &gate,
        &tokens,
        http_request("POST", "/start", &[("content-type", "application/json")], &body),
        now,
    )
    .await;
    assert_eq!(started.status(), 202, "{}", started.body());
    h.run_ecs(now).await;
    assert_eq!(h.inventory().await.jvb_targets.len(), 1);

    // The stop URL refuses a GET and a wrong secret, then stops with the right one.
    let get = stop_meeting::handle(&app, &gate, function_url_payload("GET", "/stop", &[], ""), now)
        .await
        .unwrap();
    assert_eq!(get["statusCode"], 405);
    let wrong = stop_meeting::handle(
        &app,
        &gate,
        function_url_payload("POST", "/stop", &[("authorization", "Bearer x")], ""),
        now,
    )
    .await
    .unwrap();
    assert_eq!(wrong["statusCode"], 403);
    assert_eq!(h.inventory().await.desired_count, 1);
    let bearer = h.bearer();
    let stopped = stop_meeting::handle(
        &app,
        &gate,
        function_url_payload("POST", "/stop", &[("authorization", &bearer)], ""),
        now,
    )
    .await
    .unwrap();
    assert_eq!(stopped["statusCode"], 202, "{stopped}");
    let body: Value = serde_json::from_str(stopped["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["phase"], "stopping");
    assert_eq!(h.inventory().await.desired_count, 0);

    // ECS stops the task but its event is lost; the schedule's tick cleans up all the same.
    scheduler.step().await;
    let tick = stop_meeting::handle(&app, &gate, scheduled_event(), now + Duration::minutes(1))
        .await
        .unwrap();
    assert_eq!(tick["phase"], "idle", "{tick}");
    assert!(h.inventory().await.is_idle());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn people_who_came_in_the_first_minute_count_as_having_joined() {
    let h = Harness::new("firstminute").await;
    let (config, app, gate, tokens, scheduler) = (h.config(), &h.app, &h.gate, &h.tokens, &h.scheduler);
    let bearer = h.bearer();
    let now = Utc::now();
    let started = start_meeting::handle(
        &app,
        &gate,
        &tokens,
        http_request("POST", "/start", &[("authorization", &bearer)], ""),
        now,
    )
    .await;
    assert_eq!(started.status(), 202);
    h.run_ecs(now).await;

    // CloudWatch stamps a datapoint with the start of its minute, which is before the balancer existed.
    let snapshot = app.aws.observe(config, Reads::Everything, now).await.unwrap();
    let lb = snapshot.meeting_load_balancer().unwrap();
    let creation_minute = lb.created_at.duration_trunc(Duration::minutes(1)).unwrap();
    scheduler.put_traffic(&lb.arn, creation_minute, false, TALKING).await;

    let tick = stop_meeting::handle(&app, &gate, scheduled_event(), lb.created_at + Duration::minutes(16))
        .await
        .unwrap();
    assert_eq!(
        tick["stop_reason"], "idle",
        "someone was there, so this is idleness, not a no-show: {tick}"
    );
}
