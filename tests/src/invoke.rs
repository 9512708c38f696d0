//! Events in the shapes AWS delivers them to each function.

use serde_json::{json, Value};

/// A Function URL request for `start-meeting` (lambda_http's request type).
pub fn http_request(method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> lambda_http::Request {
    let mut builder = http::Request::builder().method(method).uri(path);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder
        .body(lambda_http::Body::from(body.to_string()))
        .expect("a valid request")
}

/// The same request as the JSON payload a Function URL delivers (payload format 2.0), for
/// `stop-meeting`, which takes the raw payload.
pub fn function_url_payload(method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Value {
    let headers: Vec<(String, String)> = headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    crate::lambda::function_url::event(method, path, "", &headers, body.as_bytes())
}

/// The EventBridge schedule's event for `stop-meeting`.
pub fn scheduled_event() -> Value {
    json!({
        "version": "0",
        "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": "2026-11-23T12:00:00Z",
        "region": "us-east-1",
        "resources": ["arn:aws:events:us-east-1:123456789012:rule/jitsi-stop-meeting-tick"],
        "detail": {}
    })
}
