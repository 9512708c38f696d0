//! Step 4 in the whole run: the stop (always after a Ctrl-C, else unless --keep), or the note that
//! says how to stop the meeting left running.

use crate::cli::Options;
use crate::follow::Timeline;
use crate::life::Life;
use crate::preflight::Ready;
use crate::report::Timing;
use crate::teardown;
use crate::Log;
use chrono::Utc;

/// Stops the meeting and waits until nothing is left; the summary's note, if any.
pub async fn stop_stage(
    ready: &Ready,
    options: &Options,
    timeline: &Timeline,
    interrupted: bool,
    life: &mut Life,
    timings: &mut Vec<Timing>,
    log: &mut Log,
) -> Option<String> {
    let why = if interrupted {
        "  (interrupted: stopping the meeting this run started; Ctrl-C again to leave it)"
    } else {
        ""
    };
    println!("\nSTOP{why}");
    timings.push(Timing {
        label: "stop requested".into(),
        since_click: timeline.clicked.elapsed(),
    });
    let (config, region) = (&ready.stack.config, &ready.stack.region);
    let checks = teardown::stop_and_wait(
        &ready.control,
        &ready.aws,
        config,
        region,
        life,
        timeline.clicked,
        options.stop_deadline,
        options.poll,
    )
    .await;
    if checks.iter().any(|c| c.name == "nothing left" && !c.failed()) {
        timings.push(Timing {
            label: "nothing left".into(),
            since_click: timeline.clicked.elapsed(),
        });
    }
    for check in checks {
        log.record(check);
    }
    interrupted.then(|| "Interrupted: the meeting this run started was stopped.".to_string())
}

/// --keep: the cost so far, and how the meeting ends.
pub async fn keep_note(ready: &Ready, life: &mut Life) -> Option<String> {
    let config = &ready.stack.config;
    if let Ok(inventory) = ready.aws.inventory(config).await {
        life.note(&inventory, Utc::now());
    }
    let minutes = |d: chrono::Duration| format!("{} min", (d.num_seconds() as f64 / 6.0).round() / 10.0);
    Some(format!(
        "The meeting is still running (--keep). The idle check ends it {} after the start if nobody joins, {} after \
         the last person leaves; stop it now with:\n  curl -fsS -X POST -H \"Authorization: Bearer $JITSI_START_SECRET\" {}",
        minutes(config.idle.no_show),
        minutes(config.idle.idle),
        ready.stack.stop_url.route("stop")
    ))
}
