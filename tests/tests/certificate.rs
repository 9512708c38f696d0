//! No-domain meetings get a trusted certificate for their own address: the functions order it
//! from Pebble (Let's Encrypt's test server) on loopback, the web container's script answers the
//! http-01 challenge and installs it, and the status calls it done only once a TLS handshake to
//! the address validates it. Needs ports 80 and 443 on loopback addresses (root in CI).

use lifecycle::certificate::record::certificate_name;
use lifecycle::certificate::served;
use lifecycle::certificate::Record;
use lifecycle_tests::local_aws::LocalAws;
use lifecycle_tests::pebble::{Pebble, WebContainer};
use lifecycle_tests::webhook::Receiver;
use lifecycle_tests::world::World;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

fn step<'a>(status: &'a Value, name: &str) -> &'a Value {
    status["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no step {name} in {status}"))
}

async fn records(w: &World) -> lifecycle::certificate::Records {
    w.h.app
        .aws
        .certificate_records(w.h.config().acme.as_ref().unwrap())
        .await
        .unwrap()
}

/// Click, the web container comes up on the meeting's address, ECS runs the task and its events
/// run the reconcile (which orders or checks the certificate). Returns the status and the address.
async fn meeting(w: &World) -> (Value, WebContainer) {
    assert_eq!(w.click().await, 202);
    let acme = w.h.config().acme.clone().unwrap();
    let web = WebContainer::start(
        &w.h.aws.endpoint(),
        &acme.records_path,
        &w.h.config().advertise_ips_parameter,
    );
    w.ecs_and_events().await;
    w.tick().await;
    (w.status().await, web)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_meeting_without_a_domain_is_served_a_trusted_certificate_and_the_next_one_on_its_address_reuses_it() {
    let pebble = Pebble::start();
    let receiver = Receiver::start();
    let w = World::new(Arc::new(LocalAws::start()), "letsencrypt")
        .await
        .with_lets_encrypt(&pebble)
        .await
        .with_webhook(&receiver)
        .await;

    let (status, web) = meeting(&w).await;
    assert_eq!(status["phase"], "ready", "{status}\npebble: {}", pebble.log());
    // Ready only with its certificate settled; the tick tells the team then (it reads the records).
    let ready = receiver.events("ready");
    assert_eq!(ready.len(), 1, "{ready:?}");
    assert_eq!(ready[0]["meeting_url"], status["meeting_url"]);
    let certificate = step(&status, "certificate");
    assert_eq!(
        certificate["state"],
        "done",
        "{status}\nweb: {}\npebble: {}",
        web.log(),
        pebble.log()
    );
    assert!(certificate["detail"]
        .as_str()
        .unwrap()
        .starts_with("trusted, valid until "));
    assert_eq!(status["meeting_url"], format!("https://{}/", web.address));

    // What a browser sees, checked here independently of the functions.
    let roots = served::trust_roots(Some(&pebble.trusted_roots_pem)).unwrap();
    let address = web.address.parse().unwrap();
    let not_after = served::check(address, 443, roots.clone(), Duration::from_secs(5))
        .await
        .expect("the address serves a certificate that validates for it");
    let Some(Record::Issued { not_after: stored, .. }) =
        records(&w).await.get(&certificate_name(&web.address)).cloned()
    else {
        panic!("no certificate record for {}", web.address)
    };
    assert_eq!(not_after, stored);
    assert!(pebble.log().contains("/finalize-order/"), "pebble issued it");

    w.stop_and_settle().await;
    drop(web);

    // AWS hands the same address out again: the stored certificate is served, not ordered anew.
    let orders_before = pebble.log().matches("/finalize-order/").count();
    w.h.aws.set_next_addresses(&[&address.to_string()]);
    let (status, web) = meeting(&w).await;
    assert_eq!(web.address, address.to_string());
    assert_eq!(step(&status, "certificate")["state"], "done", "{status}");
    assert_eq!(
        served::check(address, 443, roots, Duration::from_secs(5)).await,
        Ok(not_after)
    );
    assert_eq!(
        pebble.log().matches("/finalize-order/").count(),
        orders_before,
        "no second order"
    );
    w.stop_and_settle().await;
}

/// A meeting whose CA answers its new order with `fault`: the meeting is still ready, on the
/// self-signed certificate, with the reason in the status.
async fn falls_back(pebble: &Pebble, fault: &str, reason: &str) -> lifecycle::certificate::Records {
    let ca = pebble.faulty(fault);
    let mut w = World::new(Arc::new(LocalAws::start()), &format!("acme-{fault}"))
        .await
        .with_lets_encrypt(pebble)
        .await;
    w.h.app.config.acme.as_mut().unwrap().directory_url = ca.directory_url.clone();
    assert_eq!(w.click().await, 202);
    w.ecs_and_events().await;
    let status = w.status().await;
    assert_eq!(status["phase"], "ready", "{fault}: {status}");
    let certificate = step(&status, "certificate");
    assert_eq!(certificate["state"], "failed", "{fault}: {status}");
    let detail = certificate["detail"].as_str().unwrap();
    assert!(
        detail.contains(reason) && detail.contains("self-signed"),
        "{fault}: {detail}"
    );
    let records = records(&w).await;
    w.stop_and_settle().await;
    records
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_refused_order_a_rate_limit_and_a_ca_that_hangs_each_fall_back_with_the_reason() {
    let pebble = Pebble::start();
    let (refused, limited, _) = tokio::join!(
        falls_back(
            &pebble,
            "refuse",
            "refused the order: Error creating new order :: Cannot issue for this identifier"
        ),
        falls_back(&pebble, "rate-limit", "rate limit was hit: too many new orders"),
        // The functions give the CA 30 s to open an order.
        falls_back(&pebble, "stall", "did not answer within 30s"),
    );
    assert!(!refused.contains_key("paused"), "a refusal pauses nothing");
    let Some(Record::Paused { until, reason }) = limited.get("paused") else {
        panic!("a rate limit pauses further orders: {limited:?}")
    };
    assert!(
        *until > chrono::Utc::now() + chrono::Duration::minutes(170),
        "until the CA's retry-after: {until}"
    );
    assert!(reason.contains("retry after"));
}
