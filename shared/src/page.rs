//! The start page: one self-contained document rendered from a [`Status`], so that it shows the
//! truth without JavaScript too; its script then keeps it current by polling `/status`.

use crate::status::{Phase, Status};
use crate::web::Join;
use base64::Engine;
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

const TEMPLATE: &str = include_str!("page/page.html");
const STYLE: &str = include_str!("page/page.css");
const SCRIPT: &str = include_str!("page/page.js");

/// Inline style and script are allowed by their hashes; nothing else loads from anywhere.
static POLICY: LazyLock<String> = LazyLock::new(|| {
    let digest = |text: &str| base64::engine::general_purpose::STANDARD.encode(Sha256::digest(text.as_bytes()));
    format!(
        "default-src 'none'; script-src 'sha256-{}'; style-src 'sha256-{}'; connect-src 'self'; \
         form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
        digest(SCRIPT),
        digest(STYLE)
    )
});

pub fn content_security_policy() -> &'static str {
    &POLICY
}

fn label(step: &str) -> &'static str {
    match step {
        "address" => "Public address",
        "load_balancer" => "Load balancer",
        "task" => "Video bridge",
        "registration" => "Routing to the bridge",
        "health" => "Health checks",
        "certificate" => "Trusted certificate",
        "dns" => "Meeting hostname",
        _ => "Step",
    }
}

/// The page for a status; `join` (the key holder's moderator token, after a start without
/// JavaScript) turns the join button into the moderator's link and shows the guests' link.
pub fn render(status: &Status, join: Option<&Join>) -> String {
    let room_url = |room: &str| status.meeting_url.as_ref().map(|url| format!("{url}{room}"));
    let (join_url, guest_url) = match join.and_then(|j| Some((room_url(&j.room)?, &j.token))) {
        Some((guest, token)) => (format!("{guest}?jwt={token}"), guest),
        None => ("#".to_string(), String::new()),
    };
    let steps: String = status
        .steps
        .iter()
        .map(|step| {
            let state = step.state.as_str();
            format!(
                r#"<li data-step="{name}" data-state="{state}"><span class="icon" aria-hidden="true"></span><span class="name">{label}</span><span class="state">{state_text}</span><span class="detail">{detail}</span></li>"#,
                name = step.name,
                label = label(step.name),
                state_text = state.replace('_', " "),
                detail = escape(step.detail.as_deref().unwrap_or_default()),
            )
        })
        .collect();
    let hidden = |visible: bool| if visible { "" } else { "hidden" };
    let certificate_failed = status
        .step("certificate")
        .filter(|s| s.state == crate::status::StepState::Failed);
    let status_json = serde_json::to_string(status)
        .unwrap_or_else(|_| "{}".into())
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026");
    TEMPLATE
        .replace("{{TITLE}}", "Start a meeting")
        // Without JavaScript the page reloads itself (as a GET of the start page) while it moves.
        .replace(
            "{{REFRESH}}",
            if matches!(status.phase, Phase::Starting | Phase::Stopping) {
                r#"<noscript><meta http-equiv="refresh" content="10; url=./"></noscript>"#
            } else {
                ""
            },
        )
        .replace("{{STYLE}}", STYLE)
        .replace("{{SCRIPT}}", SCRIPT)
        .replace("{{PHASE}}", status.phase.as_str())
        .replace("{{PHASE_TEXT}}", status.phase.summary())
        .replace(
            "{{START_HIDDEN}}",
            hidden(matches!(status.phase, Phase::Idle | Phase::Stopping)),
        )
        .replace("{{PROGRESS_HIDDEN}}", hidden(status.phase == Phase::Starting))
        .replace("{{READY_HIDDEN}}", hidden(status.phase == Phase::Ready))
        .replace("{{ERROR_HIDDEN}}", hidden(status.error.is_some()))
        .replace("{{ERROR}}", &escape(status.error.as_deref().unwrap_or_default()))
        .replace(
            "{{ROOM}}",
            &escape(&join.map_or_else(crate::room::propose, |j| j.room.clone())),
        )
        .replace("{{JOIN_URL}}", &escape(&join_url))
        .replace("{{GUEST_URL}}", &escape(&guest_url))
        .replace("{{GUEST_HIDDEN}}", hidden(!guest_url.is_empty()))
        .replace("{{CERTIFICATE_WARNING_HIDDEN}}", hidden(certificate_failed.is_some()))
        .replace(
            "{{CERTIFICATE_REASON}}",
            &escape(
                &certificate_failed
                    .and_then(|s| s.detail.as_deref())
                    .map(|detail| format!("Why: {detail}."))
                    .unwrap_or_default(),
            ),
        )
        .replace("{{NEXT_HIDDEN}}", hidden(status.next_scheduled.is_some()))
        .replace("{{NEXT_TEXT}}", &escape(&next_scheduled_text(status)))
        .replace("{{STEPS}}", &steps)
        .replace("{{STATUS_JSON}}", &status_json)
}

/// The next scheduled meeting in UTC (the page's script rewrites it in the reader's time zone).
fn next_scheduled_text(status: &crate::status::Status) -> String {
    let Some(next) = &status.next_scheduled else {
        return String::new();
    };
    format!(
        "Next scheduled meeting: {}, {} for {} min. It starts by itself at {}.",
        next.window,
        next.starts.format("%a %-d %b %H:%M UTC"),
        (next.ends - next.starts).num_minutes(),
        next.wakes.format("%H:%M UTC"),
    )
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}
