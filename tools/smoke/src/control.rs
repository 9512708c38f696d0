//! The two Function URLs, called as the start page calls them, always with
//! `Authorization: Bearer <secret>`: `GET <start>status` (the key holder's document, which names
//! the meeting's URL and address), `POST <start>start` with the room to open (the answer carries
//! a moderator token for it, with token authentication) and `POST <stop>stop`.

use crate::http::Client;
use crate::settings::Stack;
use crate::tls;
use crate::url::Url;
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use std::fmt;
use std::time::Duration;

/// The status document (shared/src/status.rs), read leniently: an unknown phase or step state
/// is shown as it is.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Status {
    pub phase: String,
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default)]
    pub steps: Vec<Step>,
    #[serde(default)]
    pub meeting_url: Option<String>,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub started_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub observed_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Step {
    pub name: String,
    /// waiting, in_progress, done, failed, skipped.
    pub state: String,
    #[serde(default)]
    pub since: Option<DateTime<Utc>>,
    #[serde(default)]
    pub detail: Option<String>,
}

/// The start's answer: the status, and for a requested room the moderator token that opens it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Started {
    #[serde(flatten)]
    pub status: Status,
    #[serde(default)]
    pub join: Option<Join>,
}

#[derive(Clone, PartialEq, Deserialize)]
pub struct Join {
    pub room: String,
    pub token: String,
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
}

impl fmt::Debug for Join {
    // The token opens the room: it never appears in output.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Join")
            .field("room", &self.room)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

impl Status {
    pub fn step(&self, name: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.name == name)
    }
}

/// A call that did not give a status: the HTTP status when there was one, and the function's
/// own `error` message.
#[derive(Debug, Clone, PartialEq)]
pub struct ControlError {
    pub status: Option<u16>,
    pub message: String,
}

pub struct Control {
    client: Client,
    start: Url,
    status: Url,
    stop: Url,
    secret: String,
}

impl Control {
    pub fn new(stack: &Stack, secret: String) -> Self {
        Self {
            // Function URLs have public certificates; the local stack is plain http. Lambda's own
            // timeout is 30 s.
            client: Client::new(tls::verified(), Vec::new(), Duration::from_secs(40)),
            start: stack.start_url.route("start"),
            status: stack.start_url.route("status"),
            stop: stack.stop_url.route("stop"),
            secret,
        }
    }

    pub async fn status(&self) -> Result<Status, ControlError> {
        self.call("GET", self.status.clone(), None).await
    }

    /// Starts the meeting and asks for a moderator token for `room`.
    pub async fn start(&self, room: &str) -> Result<Started, ControlError> {
        let body = serde_json::json!({ "room": room }).to_string();
        self.call("POST", self.start.clone(), Some(body)).await
    }

    pub async fn stop(&self) -> Result<Status, ControlError> {
        self.call("POST", self.stop.clone(), Some(String::new())).await
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: &'static str,
        url: Url,
        body: Option<String>,
    ) -> Result<T, ControlError> {
        let client = self.client.clone();
        let bearer = format!("Bearer {}", self.secret);
        let shown = url.to_string();
        let failed = |e: &dyn fmt::Display| ControlError {
            status: None,
            message: format!("{method} {shown}: {e}"),
        };
        let answer = tokio::task::spawn_blocking(move || {
            let mut headers = vec![("Accept", "application/json"), ("Authorization", bearer.as_str())];
            let body = body.unwrap_or_default();
            if !body.is_empty() {
                headers.push(("Content-Type", "application/json"));
            }
            client.send(method, &url, &headers, body.as_bytes())
        })
        .await
        .map_err(|e| failed(&e))?
        .map_err(|e| failed(&e))?;
        read_answer(method, &shown, answer.status, &answer.text())
    }
}

/// A 2xx with a status document, or the function's error.
pub fn read_answer<T: DeserializeOwned>(method: &str, url: &str, status: u16, body: &str) -> Result<T, ControlError> {
    if (200..300).contains(&status) {
        return serde_json::from_str(body).map_err(|e| ControlError {
            status: Some(status),
            message: format!("{method} {url}: not a status document ({e})"),
        });
    }
    let reason = serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v["error"].as_str().map(str::to_string))
        .unwrap_or_else(|| body.chars().take(120).collect());
    Err(ControlError {
        status: Some(status),
        message: format!("{method} {url} answered {status}: {reason}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const READY: &str = r#"{"phase":"ready","summary":"Your meeting is ready.","started_at":"2026-11-25T10:00:00Z",
        "observed_at":"2026-11-25T10:01:40Z","meeting_url":"https://m.elb.amazonaws.com/","error":null,
        "steps":[{"name":"address","state":"done","since":"2026-11-25T10:00:01Z","detail":"203.0.113.10"},
                 {"name":"dns","state":"skipped"}]}"#;

    #[test]
    fn reads_the_status_document() {
        let status: Status = read_answer("GET", "u", 200, READY).unwrap();
        assert_eq!(status.phase, "ready");
        assert_eq!(status.meeting_url.as_deref(), Some("https://m.elb.amazonaws.com/"));
        assert_eq!(status.step("address").unwrap().detail.as_deref(), Some("203.0.113.10"));
        assert_eq!(status.step("dns").unwrap().since, None);
        assert_eq!(status.started_at.unwrap().to_rfc3339(), "2026-11-25T10:00:00+00:00");
    }

    #[test]
    fn errors_carry_the_functions_message() {
        let wrong = read_answer::<Status>("POST", "https://x/start", 403, r#"{"error":"the secret is not right"}"#)
            .unwrap_err();
        assert_eq!(wrong.status, Some(403));
        assert_eq!(
            wrong.message,
            "POST https://x/start answered 403: the secret is not right"
        );
        let gateway = read_answer::<Status>("GET", "u", 502, "Bad Gateway").unwrap_err();
        assert_eq!(gateway.message, "GET u answered 502: Bad Gateway");
        assert!(read_answer::<Status>("GET", "u", 200, "<html>")
            .unwrap_err()
            .message
            .contains("not a status document"));
    }

    #[test]
    fn the_start_answer_carries_the_token_for_the_room_but_never_shows_it() {
        let answer = r#"{"phase":"starting","steps":[],"join":{"room":"smoke-1","token":"eyJ.secret.sig","expires_at":"2026-11-25T14:00:00Z"}}"#;
        let started: Started = read_answer("POST", "u", 202, answer).unwrap();
        assert_eq!(started.status.phase, "starting");
        let join = started.join.unwrap();
        assert_eq!((join.room.as_str(), join.token.as_str()), ("smoke-1", "eyJ.secret.sig"));
        assert!(!format!("{join:?}").contains("secret"));
        let without: Started = read_answer("POST", "u", 202, r#"{"phase":"starting"}"#).unwrap();
        assert!(without.join.is_none());
    }
}
