//! `stop-meeting`: the schedule's tick (end an idle meeting, clean up what is left) and the
//! manual `POST /stop` through its Function URL. One function, two event shapes.

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
    if serde_json::from_value::<EventBridgeEvent>(payload.clone()).is_ok() {
        let outcome = app.reconcile(Intent::Tick, now).await?;
        info!(phase = ?outcome.status.phase, stop_reason = ?outcome.stop_reason, applied = outcome.applied.len(), "tick");
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
