//! The whole smoke test, in order: preflight, start and follow, the participant's view, stop and
//! wait until nothing is left, summary. A Ctrl-C once the meeting is started stops it first.

mod meeting;
mod stop;
mod summary;
mod webhook;

use crate::cli::{MeetingOptions, Options};
use crate::diagnose;
use crate::follow::{self, Ended, Timeline};
use crate::interrupt::Interrupt;
use crate::life::Life;
use crate::participant::{self, Probe};
use crate::preflight::{self, Ready, Refusal};
use crate::report::{self, duration, Check, Stage, Timing};
use crate::Log;
use meeting::{participant_stage, Meeting};
use summary::{cost_of, not_done, print_summary};

pub const PASSED: u8 = 0;
pub const FAILED: u8 = 1;
pub const DECLINED: u8 = 2;
pub const INTERRUPTED: u8 = 130;

pub async fn smoke(options: Options, interrupt: Interrupt) -> u8 {
    let mut log = Log::default();
    println!("PREFLIGHT");
    let ready = match preflight::run(&options, &mut log, &interrupt).await {
        Ok(ready) => ready,
        Err(refusal) => {
            print_summary("(preflight)", &log, &[], None, None);
            return match refusal {
                Refusal::Failed => FAILED,
                Refusal::Declined => DECLINED,
                Refusal::Interrupted => INTERRUPTED,
            };
        }
    };
    let title = format!("{} in {}", ready.stack.config.stack_tag, ready.stack.region);
    if interrupt.is_set() {
        let note = Some("Interrupted before the start: nothing was touched.".to_string());
        print_summary(&title, &log, &[], None, note);
        return INTERRUPTED;
    }

    println!("\nSTART  (times from the click)");
    let mut timeline = Timeline::new();
    let mut life = Life::new(timeline.clicked_at, ready.service.assign_public_ip);
    let room = options
        .room
        .clone()
        .unwrap_or_else(|| format!("smoke-{}", participant::random_hex(8)));
    let Some(token) = click(&ready, &room, &mut timeline, &mut log).await else {
        print_summary(&title, &log, &[], None, None);
        return FAILED;
    };
    // From here on the meeting is this run's: a Ctrl-C stops it before exiting.
    let (c, aws) = (&ready.stack.config, &ready.aws);
    let ended = tokio::select! {
        ended = follow::until_ready(&ready.control, aws, c, &mut timeline, options.deadline, options.poll, &interrupt) => ended,
        _ = interrupt.wait() => Ended::Interrupted,
    };
    match ended {
        Ended::Ready(status) => {
            let took = timeline.clicked.elapsed();
            log.record(Check::pass(Stage::Start, "ready", format!("in {}", duration(took))));
            println!(
                "\nPARTICIPANT  {}",
                status.meeting_url.as_deref().unwrap_or("(no meeting URL)")
            );
            let meeting = Meeting {
                status: &status,
                room: &room,
                token: token.as_deref(),
            };
            participant_stage(&ready, &meeting, &options, &mut life, &mut log, &interrupt).await;
            timeline.timings.push(Timing {
                label: "participant checks done".into(),
                since_click: timeline.clicked.elapsed(),
            });
        }
        Ended::Failed { reason, .. } => {
            log.record(Check::fail(Stage::Start, "ready", reason, "AWS's findings below"));
            for finding in diagnose::explain(aws, c, timeline.clicked_at, false).await {
                log.record(finding);
            }
        }
        Ended::Deadline(last) => {
            let pending = last
                .as_ref()
                .map(not_done)
                .unwrap_or_else(|| "no status was read".into());
            let detail = format!("not ready after {}: {pending}", duration(options.deadline));
            log.record(Check::fail(Stage::Start, "ready", detail, "AWS's findings below"));
            for finding in diagnose::explain(aws, c, timeline.clicked_at, true).await {
                log.record(finding);
            }
        }
        Ended::Interrupted => {}
    }

    let interrupted = interrupt.is_set();
    let mut timings = timeline.timings.clone();
    let note = if interrupted || !options.keep {
        stop::stop_stage(
            &ready,
            &options,
            &timeline,
            interrupted,
            &mut life,
            &mut timings,
            &mut log,
        )
        .await
    } else {
        stop::keep_note(&ready, &mut life).await
    };
    let cost = cost_of(&options, &ready, &life);
    print_summary(&title, &log, &timings, cost.as_ref(), note);
    if interrupted {
        INTERRUPTED
    } else if report::verdict(&log.checks).passed {
        PASSED
    } else {
        FAILED
    }
}

/// POST start, asking for a moderator token for `room`: `Some(token)` (the token itself optional:
/// a stack without token authentication gives none), or None if the start was refused.
async fn click(ready: &Ready, room: &str, timeline: &mut Timeline, log: &mut Log) -> Option<Option<String>> {
    match ready.control.start(room).await {
        Ok(started) => {
            let token = started.join.map(|join| join.token);
            let with_token = if token.is_some() {
                format!(", a moderator token for room {room}")
            } else {
                String::new()
            };
            let detail = format!("POST start accepted (phase {}{with_token})", started.status.phase);
            log.record(Check::pass(Stage::Start, "click", detail));
            for line in timeline.observe(&started.status, timeline.clicked.elapsed()) {
                println!("{line}");
            }
            Some(token)
        }
        Err(error) => {
            let hint = match error.status {
                Some(401 | 403) => {
                    "the secret is not this stack's: .local/start-secret is written by the first `make deploy`; \
                     JITSI_START_SECRET overrides it"
                }
                Some(429) => "too many wrong secrets: wait a minute",
                _ => "start-meeting's log in CloudWatch (/aws/lambda/<stack>-start-meeting)",
            };
            log.record(Check::fail(Stage::Start, "click", error.message, hint));
            None
        }
    }
}

/// `smoke check-meeting URL`: only the participant's checks, against a meeting already running.
pub async fn check_meeting(options: MeetingOptions, interrupt: Interrupt) -> u8 {
    let mut probe = Probe::new(options.url.clone());
    probe.public_ip = options.public_ip;
    probe.connect_to = options.connect_to;
    probe.require_trusted_certificate = options.require_trusted;
    probe.timeout = options.xmpp_timeout;
    probe.token = options.token;
    if let Some(room) = options.room {
        probe.room = room;
    }
    println!("PARTICIPANT  {}", options.url);
    let flag = interrupt.flag();
    let checks = tokio::task::spawn_blocking(move || {
        participant::check_meeting(&probe, flag, &mut |c| println!("{}", c.line()))
    })
    .await
    .unwrap_or_default();
    let log = Log { checks };
    print_summary(&options.url.to_string(), &log, &[], None, None);
    if interrupt.is_set() {
        INTERRUPTED
    } else if report::verdict(&log.checks).passed {
        PASSED
    } else {
        FAILED
    }
}
