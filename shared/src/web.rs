//! The HTTP side of `start-meeting` and `stop-meeting`, as plain functions from a request to a
//! response. The Lambda adapters only convert their event types to and from `http`.

use crate::cloud::CloudError;
use crate::page;
use crate::plan::Intent;
use crate::recent_status::recent_status;
use crate::room;
use crate::secret::{Gate, Verdict};
use crate::status::Status;
use crate::token::{self, TokenIssuer};
use crate::{App, Time};
use http::{header, HeaderValue, Method, Request, Response, StatusCode};
use serde::Serialize;
use tracing::{info, warn};

pub type HttpResponse = Response<String>;

/// `GET /` the start page, `GET /status` the status document, `POST /start` starts. Only the key
/// holder learns where the meeting is: without the key, the status tells the phase and the steps.
pub async fn start_meeting(
    app: &App,
    gate: &Gate,
    tokens: &TokenIssuer,
    request: Request<String>,
    now: Time,
) -> HttpResponse {
    let response = match (request.method(), route(&request)) {
        (&Method::GET | &Method::HEAD, "/") => match recent_status(app, now).await {
            Ok(status) => html(page::render(&status.public(), None)),
            Err(error) => aws_failure(error),
        },
        (&Method::GET | &Method::HEAD, "/status") => match holds_key(gate, &request, now) {
            Err(refusal) => refusal,
            Ok(key_holder) => match recent_status(app, now).await {
                Ok(status) if key_holder => json(StatusCode::OK, &status),
                Ok(status) => json(StatusCode::OK, &status.public()),
                Err(error) => aws_failure(error),
            },
        },
        (&Method::POST, "/start") => start(app, gate, tokens, &request, now).await,
        (_, "/" | "/status") => method_not_allowed("GET, HEAD"),
        (_, "/start") => method_not_allowed("POST"),
        _ => error(StatusCode::NOT_FOUND, "no such page: try GET / or GET /status"),
    };
    finish(&request, response)
}

/// `POST /stop` (or `POST /`) ends the meeting now.
pub async fn stop_meeting(app: &App, gate: &Gate, request: Request<String>, now: Time) -> HttpResponse {
    let response = match (request.method(), route(&request)) {
        (&Method::POST, "/" | "/stop") => match admit(gate, &request, Intent::Stop, now) {
            Err(refusal) => refusal,
            Ok(()) => match app.stop_by_hand(now).await {
                Ok(outcome) if is_form_post(&request) => {
                    info!(phase = ?outcome.status.phase, steps = outcome.applied.len(), "stopped");
                    see_other("./")
                }
                Ok(outcome) => {
                    info!(phase = ?outcome.status.phase, steps = outcome.applied.len(), "stopped");
                    json(StatusCode::ACCEPTED, &outcome.status)
                }
                Err(error) => aws_failure(error),
            },
        },
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

/// What the key holder gets from a start: the status with the meeting's address, and a moderator
/// token for the requested room (a room opens only with one).
#[derive(Serialize)]
struct Started<'a> {
    #[serde(flatten)]
    status: &'a Status,
    join: Option<Join>,
}

#[derive(Serialize)]
pub struct Join {
    pub room: String,
    pub token: String,
    pub expires_at: Time,
}

async fn start(app: &App, gate: &Gate, tokens: &TokenIssuer, request: &Request<String>, now: Time) -> HttpResponse {
    if let Err(refusal) = admit(gate, request, Intent::Start, now) {
        return refusal;
    }
    let room = match field_of(request, "room") {
        Ok(None) => None,
        Ok(Some(room)) => match room::room_name(&room) {
            Ok(room) => Some(room),
            Err(invalid) => return error(StatusCode::BAD_REQUEST, &invalid.to_string()),
        },
        Err(message) => return error(StatusCode::BAD_REQUEST, message),
    };
    let outcome = match app.reconcile(Intent::Start, now).await {
        Ok(outcome) => outcome,
        Err(error) => return aws_failure(error),
    };
    info!(phase = ?outcome.status.phase, steps = outcome.applied.len(), "started");
    let join = room.map(|room| {
        let expires_at = token::expiry(now, outcome.status.started_at, app.config.idle.max_length);
        let token = tokens.moderator_token(&room, now, expires_at);
        Join {
            room,
            token,
            expires_at,
        }
    });
    if is_form_post(request) {
        // A browser without JavaScript: the page as the key holder sees it, with the join link.
        return html(page::render(&outcome.status, join.as_ref()));
    }
    json(
        StatusCode::ACCEPTED,
        &Started {
            status: &outcome.status,
            join,
        },
    )
}

/// Whether the request carries the right key; no key is fine (a public read), a wrong one is not.
fn holds_key(gate: &Gate, request: &Request<String>, now: Time) -> Result<bool, HttpResponse> {
    if !request.headers().contains_key(header::AUTHORIZATION) {
        return Ok(false);
    }
    admit(gate, request, Intent::Tick, now).map(|()| true)
}

/// Lets the key holder through; anyone else gets the answer that says why not.
fn admit(gate: &Gate, request: &Request<String>, intent: Intent, now: Time) -> Result<(), HttpResponse> {
    let secret = field_of(request, "secret").map_err(|message| error(StatusCode::BAD_REQUEST, message))?;
    match gate.check(secret.as_deref(), now) {
        Verdict::Allowed => Ok(()),
        Verdict::Missing => {
            let mut response = error(
                StatusCode::UNAUTHORIZED,
                "the secret is missing: send it as a Bearer token or a `secret` field",
            );
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            Err(response)
        }
        Verdict::Wrong => {
            warn!(?intent, "wrong secret");
            Err(error(StatusCode::FORBIDDEN, "the secret is not right"))
        }
        Verdict::TooManyFailures => {
            let mut response = error(
                StatusCode::TOO_MANY_REQUESTS,
                "too many wrong secrets; try again in a minute",
            );
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
            Err(response)
        }
    }
}

fn see_other(location: &'static str) -> HttpResponse {
    let mut response = Response::new(String::new());
    *response.status_mut() = StatusCode::SEE_OTHER;
    response
        .headers_mut()
        .insert(header::LOCATION, HeaderValue::from_static(location));
    response
}

/// A field of the request: the secret from `Authorization: Bearer`, or any field from a JSON body
/// (`{"secret": …, "room": …}`) or a form.
fn field_of(request: &Request<String>, name: &str) -> Result<Option<String>, &'static str> {
    let header = request.headers().get(header::AUTHORIZATION);
    if let (Some(value), "secret") = (header, name) {
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
        return Ok(form_field(body, name));
    }
    if content_type.is_empty() || content_type.starts_with("application/json") {
        let value: serde_json::Value = serde_json::from_str(body).map_err(|_| "the body is not valid JSON")?;
        let object = value.as_object().ok_or("the body must be a JSON object")?;
        return match object.get(name) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(serde_json::Value::String(value)) => Ok(Some(value.clone())),
            Some(_) => Err("the secret and the room must be strings"),
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

    fn secret(request: &Request<String>) -> Result<Option<String>, &'static str> {
        field_of(request, "secret")
    }

    #[test]
    fn reads_the_room_from_the_body_even_with_a_bearer_secret() {
        let request = Request::post("/start")
            .header(header::AUTHORIZATION, "Bearer abc")
            .header(header::CONTENT_TYPE, "application/json")
            .body(r#"{"room":"Team-Sync"}"#.to_string())
            .unwrap();
        assert_eq!(field_of(&request, "room"), Ok(Some("Team-Sync".into())));
        assert_eq!(
            field_of(&post("application/x-www-form-urlencoded", "room=a&secret=b"), "room"),
            Ok(Some("a".into()))
        );
    }

    #[test]
    fn reads_the_secret_from_each_accepted_place() {
        let bearer = Request::post("/start")
            .header(header::AUTHORIZATION, "Bearer abc")
            .body(String::new())
            .unwrap();
        assert_eq!(secret(&bearer), Ok(Some("abc".into())));
        assert_eq!(
            secret(&post("application/json", r#"{"secret":"abc"}"#)),
            Ok(Some("abc".into()))
        );
        assert_eq!(
            secret(&post("application/x-www-form-urlencoded", "room=x&secret=a%2Bb+c")),
            Ok(Some("a+b c".into()))
        );
        assert_eq!(secret(&post("application/json", "")), Ok(None));
        assert_eq!(secret(&post("application/json", "{}")), Ok(None));
    }

    #[test]
    fn rejects_malformed_bodies_with_a_reason() {
        assert!(secret(&post("application/json", "{nope")).is_err());
        assert!(secret(&post("application/json", "[1]")).is_err());
        assert!(secret(&post("application/json", r#"{"secret":5}"#)).is_err());
        assert!(secret(&post("text/plain", "abc")).is_err());
        let basic = Request::post("/start")
            .header(header::AUTHORIZATION, "Basic abc")
            .body(String::new())
            .unwrap();
        assert!(secret(&basic).is_err());
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
