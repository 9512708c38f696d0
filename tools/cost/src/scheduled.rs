//! Scheduled meetings in the typical month: how many each window makes in 30 days (counted over
//! the coming year, as the functions evaluate the window: shared/src/schedule), and what one costs:
//! started the lead before the window, up through its end, then the idle timer as any meeting.
//! Overlapping windows are counted as separate meetings (an upper bound).

use chrono::Duration;
use lifecycle::schedule::Schedule;
use lifecycle::Time;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScheduledWindow {
    pub name: String,
    pub minutes: f64,
    /// Occurrences in a 30-day month, on average over a year.
    pub per_month: f64,
}

/// The windows of the `scheduled_meetings` variable (its JSON) with their monthly counts over the
/// 365 days from `from`.
pub fn windows(setting_json: &str, lead_minutes: f64, from: Time) -> Result<Vec<ScheduledWindow>, String> {
    let lead = Duration::seconds((lead_minutes * 60.0) as i64);
    let schedule = Schedule::parse(setting_json, lead).map_err(|e| format!("scheduled_meetings: {e}"))?;
    let to = from + Duration::days(365);
    let year = schedule.occurrences(from, to);
    Ok(schedule
        .windows
        .iter()
        .map(|w| ScheduledWindow {
            name: w.name.clone(),
            minutes: w.length.num_seconds() as f64 / 60.0,
            per_month: year.iter().filter(|o| o.window == w.name && o.starts < to).count() as f64 * 30.0 / 365.0,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    #[test]
    fn weekdays_make_about_21_a_month_and_a_weekly_rate_about_4() {
        let windows = windows(
            r#"[{"name":"standup","schedule":"cron(30 9 ? * MON-FRI *)","time_zone":"Europe/Berlin","minutes":45},
                {"name":"weekly","schedule":"rate(7 days)","first":"2026-12-07T09:30:00+01:00","minutes":30}]"#,
            7.0,
            Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap(),
        )
        .unwrap();
        // 2027 has 261 weekdays: 261 × 30 / 365.
        assert!(
            (windows[0].per_month - 261.0 * 30.0 / 365.0).abs() < 1e-9,
            "{:?}",
            windows[0]
        );
        assert_eq!(windows[0].minutes, 45.0);
        // Every seventh day from Monday 7 December 2026: the 52 Mondays of 2027.
        assert!(
            (windows[1].per_month - 52.0 * 30.0 / 365.0).abs() < 1e-9,
            "{:?}",
            windows[1]
        );
    }
}
