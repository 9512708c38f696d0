//! The status, read from AWS at most once per [`MAX_AGE`] by each function instance. The start
//! page and `GET /status` are public and the page polls while people wait, so many open pages or a
//! flood of requests must not turn into a flood of AWS calls: that would throttle the account's
//! API and fail the owner's own start. A reconcile run by the same instance makes the next read
//! fresh (it changed what the status shows).

use crate::cloud::CloudError;
use crate::reconcile::current_status;
use crate::status::Status;
use crate::{App, Time};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How old a status may be. The page polls every few seconds; a second is not noticed.
pub const MAX_AGE: Duration = Duration::from_secs(1);

/// The last status this instance read, and when (by this machine's monotonic clock: the bound is
/// on requests in real time, whatever time the handler is told it is).
#[derive(Debug, Default)]
pub struct RecentStatus {
    last: Mutex<Option<(Instant, Status)>>,
}

impl RecentStatus {
    /// The last read if it is younger than [`MAX_AGE`] at `at`.
    pub fn recent(&self, at: Instant) -> Option<Status> {
        self.lock()
            .as_ref()
            .filter(|(read, _)| at.checked_duration_since(*read).is_some_and(|age| age < MAX_AGE))
            .map(|(_, status)| status.clone())
    }

    fn keep(&self, read: Instant, status: &Status) {
        *self.lock() = Some((read, status.clone()));
    }

    /// What this instance just changed makes its last read stale.
    pub fn forget(&self) {
        *self.lock() = None;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<(Instant, Status)>> {
        self.last.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The whole status (the caller decides who may see where the meeting is), from the last
/// second's read or from AWS.
pub async fn recent_status(app: &App, now: Time) -> Result<Status, CloudError> {
    if let Some(status) = app.recent_status.recent(Instant::now()) {
        return Ok(status);
    }
    let read = Instant::now();
    let status = current_status(&app.aws, &app.config, now).await?;
    app.recent_status.keep(read, &status);
    Ok(status)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::Phase;
    use chrono::{TimeZone, Utc};

    fn ready() -> Status {
        Status {
            phase: Phase::Ready,
            summary: Phase::Ready.summary(),
            started_at: None,
            observed_at: Utc.with_ymd_and_hms(2026, 12, 5, 12, 0, 0).unwrap(),
            steps: Vec::new(),
            meeting_url: Some("https://meeting.example/".into()),
            error: None,
            next_scheduled: None,
        }
    }

    #[test]
    fn a_read_serves_for_a_second_unless_this_instance_changed_something() {
        let memo = RecentStatus::default();
        let read = Instant::now();
        let at = |ms: u64| read + Duration::from_millis(ms);
        assert_eq!(memo.recent(read), None, "nothing read yet");
        memo.keep(read, &ready());
        assert_eq!(memo.recent(at(900)), Some(ready()), "within the second");
        assert_eq!(memo.recent(at(1000)), None, "a second old: read again");
        memo.forget();
        assert_eq!(memo.recent(at(500)), None, "after a change of this instance's own");
    }
}
