//! The status anyone may see, read from AWS at most once per [`MAX_AGE`] by each function
//! instance. The start page and `GET /status` are public, so a flood of them must not turn into a
//! flood of AWS calls: that would throttle the account's API and fail the owner's own start. The
//! key holder's reads are always fresh and never served from here.

use crate::cloud::CloudError;
use crate::reconcile::current_status;
use crate::status::Status;
use crate::{App, Time};
use chrono::Duration;
use std::sync::Mutex;

/// How old a public status may be. The page polls every few seconds; a second is not noticed.
pub const MAX_AGE: Duration = Duration::seconds(1);

/// The last public read of this instance.
#[derive(Debug, Default)]
pub struct PublicStatus {
    last: Mutex<Option<Status>>,
}

impl PublicStatus {
    /// The last read if it is younger than [`MAX_AGE`] at `now`.
    pub fn recent(&self, now: Time) -> Option<Status> {
        let last = self.last.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        last.as_ref()
            .filter(|status| now >= status.observed_at && now - status.observed_at < MAX_AGE)
            .cloned()
    }

    fn keep(&self, status: &Status) {
        *self.last.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(status.public());
    }
}

/// The status without where the meeting is, from the last second's read or from AWS.
pub async fn public_status(app: &App, now: Time) -> Result<Status, CloudError> {
    if let Some(status) = app.public_status.recent(now) {
        return Ok(status);
    }
    let status = current_status(&app.aws, &app.config, now).await?.public();
    app.public_status.keep(&status);
    Ok(status)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::Phase;
    use chrono::{TimeZone, Utc};

    fn read_at(seconds: f64, phase: Phase) -> Status {
        let at =
            Utc.with_ymd_and_hms(2026, 12, 5, 12, 0, 0).unwrap() + Duration::milliseconds((seconds * 1000.0) as i64);
        Status {
            phase,
            summary: phase.summary(),
            started_at: None,
            observed_at: at,
            steps: Vec::new(),
            meeting_url: Some("https://meeting.example/".into()),
            error: None,
        }
    }

    #[test]
    fn a_read_serves_for_a_second_and_never_says_where_the_meeting_is() {
        let cache = PublicStatus::default();
        let t = |seconds: f64| read_at(seconds, Phase::Ready).observed_at;
        assert_eq!(cache.recent(t(0.0)), None, "nothing read yet");
        cache.keep(&read_at(0.0, Phase::Ready));
        let served = cache.recent(t(0.9)).expect("within the second");
        assert_eq!((served.phase, served.meeting_url), (Phase::Ready, None));
        assert_eq!(cache.recent(t(1.0)), None, "a second old: read again");
        assert_eq!(cache.recent(t(-0.1)), None, "a clock that went back reads again");
    }
}
