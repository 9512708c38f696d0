//! `stop-meeting`: the schedule's tick (end an idle meeting, start a scheduled one, clean up what
//! is left), the scheduled meetings' invocations, and the manual `POST /stop` through its Function
//! URL.

use aws_lambda_events::eventbridge::EventBridgeEvent;
use aws_lambda_events::lambda_function_urls::{LambdaFunctionUrlRequest, LambdaFunctionUrlResponse};
use base64::Engine;
use lifecycle::cloud::CloudError;
use lifecycle::plan::Intent;
use lifecycle::secret::Gate;
use lifecycle::{App, Time};
use serde_json::{json, Value};
use tracing::info;

pub async fn handle(app: &App, gate: &Gate, payload: Value, now: Time) -> Result<Value, CloudError> {
    // EventBridge Scheduler's invocation of a scheduled meeting (its `input`, set by Terraform)
    // is a tick at the right moment: it carries nothing to trust, and the tick starts a meeting
    // only inside a window by the functions' own clock and settings.
    let window = payload
        .get("scheduled_meeting")
        .and_then(Value::as_str)
        .map(str::to_string);
    if window.is_some() || serde_json::from_value::<EventBridgeEvent>(payload.clone()).is_ok() {
        let outcome = app.reconcile(Intent::Tick, now).await?;
        info!(?window, phase = ?outcome.status.phase, stop_reason = ?outcome.stop_reason, applied = outcome.applied.len(), "tick");
        return Ok(json!({ "phase": outcome.status.phase, "stop_reason": outcome.stop_reason }));
    }
    let response = match serde_json::from_value::<LambdaFunctionUrlRequest>(payload) {
        Ok(request) => match to_http(request) {
            Some(request) => lifecycle::web::stop_meeting(app, gate, request, now).await,
            None => bad_request(),
        },
        Err(error) => {
            info!(%error, "neither a schedule event nor an HTTP request; ignored");
            bad_request()
        }
    };
    Ok(serde_json::to_value(from_http(response)).unwrap_or_default())
}

fn to_http(event: LambdaFunctionUrlRequest) -> Option<http::Request<String>> {
    let body = event.body.unwrap_or_default();
    let body = if event.is_base64_encoded {
        let bytes = base64::engine::general_purpose::STANDARD.decode(body).ok()?;
        String::from_utf8_lossy(&bytes).into_owned()
    } else {
        body
    };
    let path = event.raw_path.unwrap_or_else(|| "/".into());
    let uri = match event.raw_query_string.filter(|q| !q.is_empty()) {
        Some(query) => format!("{path}?{query}"),
        None => path,
    };
    let mut request = http::Request::builder()
        .method(event.request_context.http.method.as_deref().unwrap_or("GET"))
        .uri(uri)
        .body(body)
        .ok()?;
    *request.headers_mut() = event.headers;
    Some(request)
}

fn from_http(response: http::Response<String>) -> LambdaFunctionUrlResponse {
    let mut out = LambdaFunctionUrlResponse::default();
    out.status_code = i64::from(response.status().as_u16());
    out.headers = response.headers().clone();
    out.body = Some(response.into_body());
    out
}

fn bad_request() -> http::Response<String> {
    let mut response = http::Response::new(r#"{"error":"not a request this function understands"}"#.to_string());
    *response.status_mut() = http::StatusCode::BAD_REQUEST;
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    response
}
