//! The POST itself: HTTPS with the public roots (http only to a loopback receiver, for tests and
//! `make demo`), bounded in time. Errors never name the URL: a webhook URL is its own secret.

use crate::certificate::served::{client_config, trust_roots};
use bytes::Bytes;
use http_body_util::Full;
use std::net::IpAddr;
use std::time::Duration;

/// Sends `body` as JSON; Ok with the HTTP status when the receiver answered.
pub async fn post(url: &str, body: String, timeout: Duration) -> Result<u16, String> {
    let uri: http::Uri = url.parse().map_err(|_| "the webhook URL is not a URL".to_string())?;
    let loopback = uri
        .host()
        .map(|h| h.trim_start_matches('[').trim_end_matches(']'))
        .is_some_and(|h| h == "localhost" || h.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback()));
    match uri.scheme_str() {
        Some("https") => {}
        Some("http") if loopback => {}
        _ => return Err("the webhook URL must be https://".into()),
    }
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(client_config(trust_roots(None)?))
        .https_or_http()
        .enable_http1()
        .build();
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build::<_, Full<Bytes>>(connector);
    let request = http::Request::post(uri)
        .header(http::header::CONTENT_TYPE, "application/json")
        .header(http::header::USER_AGENT, "jitsi-on-demand")
        .body(Full::new(Bytes::from(body)))
        .map_err(|_| "the webhook URL is not usable in a request".to_string())?;
    match tokio::time::timeout(timeout, client.request(request)).await {
        Ok(Ok(response)) => Ok(response.status().as_u16()),
        // hyper's own message ("client error (Connect)"), not its sources, which may name the host.
        Ok(Err(error)) => Err(format!("cannot reach the webhook: {error}")),
        Err(_) => Err(format!("no answer from the webhook within {} s", timeout.as_secs())),
    }
}
