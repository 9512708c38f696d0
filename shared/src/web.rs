//! The HTTP side of `start-meeting` and `stop-meeting`, as plain functions from a request to a
//! response. The Lambda adapters only convert their event types to and from `http`.

use crate::cloud::CloudError;
use crate::page;
use crate::plan::Intent;
use crate::reconcile::{current_status, reconcile};
use crate::secret::{Gate, Verdict};
use crate::{App, Time};
use http::{header, HeaderValue, Method, Request, Response, StatusCode};
use serde::Serialize;
use tracing::{info, warn};

pub type HttpResponse = Response<String>;

/// `GET /` the start page, `GET /status` the status document, `POST /start` starts.
pub async fn start_meeting(app: &App, gate: &Gate, request: Request<String>, now: Time) -> HttpResponse {
    let response = match (request.method(), route(&request)) {
        (&Method::GET | &Method::HEAD, "/") => match current_status(&app.aws, &app.config, now).await {
            Ok(status) => html(page::render(&status)),
            Err(error) => aws_failure(error),
        },
        (&Method::GET | &Method::HEAD, "/status") => match current_status(&app.aws, &app.config, now).await {
            Ok(status) => json(StatusCode::OK, &status),
            Err(error) => aws_failure(error),
        },
        (&Method::POST, "/start") => act(app, gate, &request, Intent::Start, now).await,
        (_, "/" | "/status") => method_not_allowed("GET, HEAD"),
        (_, "/start") => method_not_allowed("POST"),
        _ => error(StatusCode::NOT_FOUND, "no such page: try GET / or GET /status"),
    };
    finish(&request, response)
}

/// `POST /stop` (or `POST /`) ends the meeting now.
pub async fn stop_meeting(app: &App, gate: &Gate, request: Request<String>, now: Time) -> HttpResponse {
    let response = match (request.method(), route(&request)) {
        (&Method::POST, "/" | "/stop") => act(app, gate, &request, Intent::Stop, now).await,
        (_, "/" | "/stop") => method_not_allowed("POST"),
        _ => error(StatusCode::NOT_FOUND, "no such page: POST /stop ends the meeting"),
    };
    finish(&request, response)
}

/// The path without a trailing slash (but `/` stays `/`).
fn route(request: &Request<String>) -> &str {
    let path = request.uri().path();
    match path.trim_end_matches('/') {
        "" => "/",
        trimmed => trimmed,
    }
}

async fn act(app: &App, gate: &Gate, request: &Request<String>, intent: Intent, now: Time) -> HttpResponse {
    let secret = match secret_of(request) {
        Ok(secret) => secret,
        Err(message) => return error(StatusCode::BAD_REQUEST, message),
    };
    match gate.check(secret.as_deref(), now) {
        Verdict::Allowed => {}
        Verdict::Missing => {
            let mut response = error(
                StatusCode::UNAUTHORIZED,
                "the secret is missing: send it as a Bearer token or a `secret` field",
            );
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            return response;
        }
        Verdict::Wrong => {
            warn!(?intent, "wrong secret");
            return error(StatusCode::FORBIDDEN, "the secret is not right");
        }
        Verdict::TooManyFailures => {
            let mut response = error(
                StatusCode::TOO_MANY_REQUESTS,
                "too many wrong secrets; try again in a minute",
            );
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
            return response;
        }
    }
    match reconcile(&app.aws, &app.config, intent, now).await {
        Ok(outcome) => {
            info!(?intent, phase = ?outcome.status.phase, steps = outcome.applied.len(), "done");
            if is_form_post(request) {
                // A browser without JavaScript: back to the page, which shows the progress.
                let mut response = Response::new(String::new());
                *response.status_mut() = StatusCode::SEE_OTHER;
                response
                    .headers_mut()
                    .insert(header::LOCATION, HeaderValue::from_static("./"));
                response
            } else {
                json(StatusCode::ACCEPTED, &outcome.status)
            }
        }
        Err(error) => aws_failure(error),
    }
}

/// The secret from `Authorization: Bearer`, a JSON body `{"secret": ...}` or a form field.
fn secret_of(request: &Request<String>) -> Result<Option<String>, &'static str> {
    if let Some(value) = request.headers().get(header::AUTHORIZATION) {
        let value = value.to_str().map_err(|_| "the Authorization header is not text")?;
        return match value.split_once(' ') {
            Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => Ok(Some(token.to_string())),
            _ => Err("the Authorization header must be `Bearer <secret>`"),
        };
    }
    let body = request.body().trim();
    if body.is_empty() {
        return Ok(None);
    }
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    if content_type.starts_with("application/x-www-form-urlencoded") {
        return Ok(form_field(body, "secret"));
    }
    if content_type.is_empty() || content_type.starts_with("application/json") {
        let value: serde_json::Value = serde_json::from_str(body).map_err(|_| "the body is not valid JSON")?;
        let object = value.as_object().ok_or("the body must be a JSON object")?;
        return match object.get("secret") {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(serde_json::Value::String(secret)) => Ok(Some(secret.clone())),
            Some(_) => Err("`secret` must be a string"),
        };
    }
    Err("send JSON or a form (application/x-www-form-urlencoded)")
}

fn form_field(body: &str, name: &str) -> Option<String> {
    body.split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| percent_decode(value))
}

fn percent_decode(value: &str) -> String {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = match (
            bytes[i],
            bytes.get(i + 1).copied().and_then(hex),
            bytes.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(high), Some(low)) => Some(high << 4 | low),
            _ => None,
        };
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn is_form_post(request: &Request<String>) -> bool {
    let header_has = |name: header::HeaderName, needle: &str| {
        request
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains(needle))
    };
    header_has(header::CONTENT_TYPE, "application/x-www-form-urlencoded") && header_has(header::ACCEPT, "text/html")
}

fn aws_failure(error: CloudError) -> HttpResponse {
    warn!(%error, "AWS call failed");
    error_response(StatusCode::BAD_GATEWAY, error.to_string())
}

fn method_not_allowed(allow: &'static str) -> HttpResponse {
    let mut response = error(StatusCode::METHOD_NOT_ALLOWED, "method not allowed here");
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static(allow));
    response
}

fn error(status: StatusCode, message: &str) -> HttpResponse {
    error_response(status, message.to_string())
}

fn error_response(status: StatusCode, message: String) -> HttpResponse {
    #[derive(Serialize)]
    struct ErrorBody {
        error: String,
    }
    json(status, &ErrorBody { error: message })
}

fn json(status: StatusCode, body: &impl Serialize) -> HttpResponse {
    let text = serde_json::to_string(body).unwrap_or_else(|_| r#"{"error":"could not encode the answer"}"#.into());
    let mut response = Response::new(text);
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

fn html(body: String) -> HttpResponse {
    let mut response = Response::new(body);
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    if let Ok(policy) = HeaderValue::from_str(page::content_security_policy()) {
        headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

/// Headers every answer carries; HEAD drops the body.
fn finish(request: &Request<String>, mut response: HttpResponse) -> HttpResponse {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if request.method() == Method::HEAD {
        response.body_mut().clear();
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(content_type: &str, body: &str) -> Request<String> {
        Request::post("/start")
            .header(header::CONTENT_TYPE, content_type)
            .body(body.to_string())
            .unwrap()
    }

    #[test]
    fn reads_the_secret_from_each_accepted_place() {
        let bearer = Request::post("/start")
            .header(header::AUTHORIZATION, "Bearer abc")
            .body(String::new())
            .unwrap();
        assert_eq!(secret_of(&bearer), Ok(Some("abc".into())));
        assert_eq!(
            secret_of(&post("application/json", r#"{"secret":"abc"}"#)),
            Ok(Some("abc".into()))
        );
        assert_eq!(
            secret_of(&post("application/x-www-form-urlencoded", "room=x&secret=a%2Bb+c")),
            Ok(Some("a+b c".into()))
        );
        assert_eq!(secret_of(&post("application/json", "")), Ok(None));
        assert_eq!(secret_of(&post("application/json", "{}")), Ok(None));
    }

    #[test]
    fn rejects_malformed_bodies_with_a_reason() {
        assert!(secret_of(&post("application/json", "{nope")).is_err());
        assert!(secret_of(&post("application/json", "[1]")).is_err());
        assert!(secret_of(&post("application/json", r#"{"secret":5}"#)).is_err());
        assert!(secret_of(&post("text/plain", "abc")).is_err());
        let basic = Request::post("/start")
            .header(header::AUTHORIZATION, "Basic abc")
            .body(String::new())
            .unwrap();
        assert!(secret_of(&basic).is_err());
    }

    #[test]
    fn percent_decoding_survives_truncated_escapes() {
        assert_eq!(percent_decode("a%"), "a%");
        assert_eq!(percent_decode("a%2"), "a%2");
        assert_eq!(percent_decode("%e2%82%ac"), "€");
        assert_eq!(percent_decode("%zz"), "%zz");
        assert_eq!(percent_decode("%€"), "%€");
    }

    #[test]
    fn routes_ignore_a_trailing_slash() {
        let request = Request::get("/status/").body(String::new()).unwrap();
        assert_eq!(route(&request), "/status");
        let root = Request::get("/").body(String::new()).unwrap();
        assert_eq!(route(&root), "/");
    }
}
