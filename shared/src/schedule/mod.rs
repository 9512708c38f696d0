//! Scheduled meetings: recurring windows in which a meeting is wanted without a click. Terraform
//! turns each window into an EventBridge Scheduler schedule that invokes `stop-meeting` a lead
//! time before the window opens; the functions evaluate the same windows from their own clock, so
//! an invocation only says "look now": outside a window (a forged or replayed event) nothing starts.
//! Pure functions over plain values.

mod cron;

use crate::model::Time;
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use cron::Cron;
use serde::{Deserialize, Serialize};

/// At most this long (Terraform validates the same): a window keeps a meeting up without anyone
/// in it, so it must stay below the longest meeting allowed.
pub const LONGEST_WINDOW: Duration = Duration::hours(12);

#[derive(Debug, Clone, PartialEq)]
pub struct Window {
    pub name: String,
    recurrence: Recurrence,
    pub length: Duration,
}

#[derive(Debug, Clone, PartialEq)]
enum Recurrence {
    Cron {
        cron: Box<Cron>,
        time_zone: Tz,
    },
    /// `rate(…)` from its first occurrence (the Scheduler's StartDate).
    Rate {
        every: Duration,
        first: Time,
    },
}

/// One occurrence of a window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Occurrence {
    pub window: String,
    /// When the meeting is started so that it is ready at `starts` (the lead before it).
    pub wakes: Time,
    pub starts: Time,
    pub ends: Time,
}

/// The windows of a deployment and the lead with which their meetings start.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Schedule {
    pub windows: Vec<Window>,
    pub lead: Duration,
}

/// A window as Terraform writes it into `SCHEDULED_MEETINGS` (a JSON list).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WindowSetting {
    name: String,
    schedule: String,
    #[serde(default)]
    time_zone: Option<String>,
    minutes: f64,
    /// A rate window's first start, RFC 3339 with its offset.
    #[serde(default)]
    first: Option<String>,
}

impl Schedule {
    /// Reads the windows from their JSON setting; the error names the window and what is wrong.
    pub fn parse(windows_json: &str, lead: Duration) -> Result<Self, String> {
        let (schedule, problems) = Self::parse_each(windows_json, lead)?;
        match problems.into_iter().next() {
            Some(problem) => Err(problem),
            None => Ok(schedule),
        }
    }

    /// As [`Schedule::parse`], keeping the windows that are right and saying what is wrong with the
    /// others: the functions start with those (one bad window must not stop every start and stop).
    pub fn parse_each(windows_json: &str, lead: Duration) -> Result<(Self, Vec<String>), String> {
        let entries: Vec<serde_json::Value> =
            serde_json::from_str(windows_json).map_err(|e| format!("not a list of windows: {e}"))?;
        let mut windows = Vec::new();
        let mut problems = Vec::new();
        for (i, entry) in entries.into_iter().enumerate() {
            let name = entry["name"]
                .as_str()
                .map_or_else(|| format!("#{}", i + 1), str::to_string);
            let window = serde_json::from_value::<WindowSetting>(entry)
                .map_err(|e| e.to_string())
                .and_then(|setting| Window::from_setting(setting, lead));
            match window {
                Ok(window) => windows.push(window),
                Err(why) => problems.push(format!("window {name:?}: {why}")),
            }
        }
        Ok((Self { windows, lead }, problems))
    }

    pub fn is_empty(&self) -> bool {
        self.windows.is_empty()
    }

    /// The occurrence that wants a meeting now (from its wake-up to its end), leaving out those
    /// that woke before the meeting was last stopped by hand. Of overlapping ones, the one that
    /// ends last, so the meeting is kept up until every open window closes.
    pub fn open_at(&self, now: Time, stopped_by_hand: Option<Time>) -> Option<Occurrence> {
        self.windows
            .iter()
            .flat_map(|w| w.starts_between(now - w.length, now + self.lead))
            .map(|(window, starts)| self.occurrence(window, starts))
            .filter(|o| o.wakes <= now && now < o.ends)
            .filter(|o| stopped_by_hand.is_none_or(|stopped| stopped < o.wakes))
            .max_by_key(|o| (o.ends, std::cmp::Reverse(o.starts)))
    }

    /// Every occurrence starting from `from` to `to`, in order (`make cost` counts a month's).
    pub fn occurrences(&self, from: Time, to: Time) -> Vec<Occurrence> {
        let mut all: Vec<Occurrence> = self
            .windows
            .iter()
            .flat_map(|w| w.starts_between(from, to))
            .map(|(window, starts)| self.occurrence(window, starts))
            .collect();
        all.sort_by_key(|o| o.starts);
        all
    }

    /// The next occurrence that has not started yet.
    pub fn next_after(&self, now: Time) -> Option<Occurrence> {
        self.windows
            .iter()
            .filter_map(|w| w.next_start(now).map(|starts| self.occurrence(w, starts)))
            .min_by_key(|o| o.starts)
    }

    fn occurrence(&self, window: &Window, starts: Time) -> Occurrence {
        Occurrence {
            window: window.name.clone(),
            wakes: starts - self.lead,
            starts,
            ends: starts + window.length,
        }
    }
}

/// How far ahead `next_start` looks: a window on 29 February recurs within four years.
const HORIZON_DAYS: i64 = 366 * 4 + 1;

impl Window {
    fn from_setting(s: WindowSetting, lead: Duration) -> Result<Self, String> {
        let length = Duration::milliseconds((s.minutes * 60_000.0) as i64);
        if !(s.minutes > 0.0 && length <= LONGEST_WINDOW) {
            return Err(format!(
                "length {} min: expected more than 0 and at most 720",
                s.minutes
            ));
        }
        let recurrence = if let Some(fields) = inner(&s.schedule, "cron(") {
            let time_zone = s.time_zone.as_deref().unwrap_or("UTC");
            Recurrence::Cron {
                cron: Box::new(Cron::parse(fields)?),
                time_zone: time_zone
                    .parse()
                    .map_err(|_| format!("time zone {time_zone:?}: not an IANA time zone name"))?,
            }
        } else if let Some(rate) = inner(&s.schedule, "rate(") {
            let first = s
                .first
                .as_deref()
                .ok_or("a rate window needs `first` (its first start)")?;
            let every = rate_interval(rate)?;
            // Else each wake-up falls inside the last occurrence and the meeting never ends.
            if every <= length + lead {
                return Err(format!(
                    "rate({rate}) overlaps itself: the interval must exceed the length plus the lead"
                ));
            }
            Recurrence::Rate {
                every,
                first: DateTime::parse_from_rfc3339(first)
                    .map_err(|e| format!("first {first:?}: expected RFC 3339 with an offset ({e})"))?
                    .with_timezone(&Utc),
            }
        } else {
            return Err(format!("schedule {:?}: expected cron(…) or rate(…)", s.schedule));
        };
        Ok(Self {
            name: s.name,
            recurrence,
            length,
        })
    }

    /// Every start of this window from `from` to `to`.
    fn starts_between(&self, from: Time, to: Time) -> impl Iterator<Item = (&Self, Time)> {
        let starts: Vec<Time> = match &self.recurrence {
            Recurrence::Cron { cron, time_zone } => {
                let first_day = from.with_timezone(time_zone).date_naive();
                let days = (to - from).num_days() + 2;
                cron_starts(cron, *time_zone, first_day, days)
                    .into_iter()
                    .filter(|t| (from..=to).contains(t))
                    .collect()
            }
            Recurrence::Rate { every, first } => {
                let k = ((from - *first).num_milliseconds() as f64 / every.num_milliseconds() as f64).ceil();
                let mut t = *first + *every * (k.max(0.0) as i32);
                // Bounded by the caller's span (a window's length and the lead: hours).
                let mut starts = Vec::new();
                while t <= to {
                    starts.push(t);
                    t += *every;
                }
                starts
            }
        };
        starts.into_iter().map(move |t| (self, t))
    }

    fn next_start(&self, now: Time) -> Option<Time> {
        match &self.recurrence {
            Recurrence::Cron { cron, time_zone } => {
                let today = now.with_timezone(time_zone).date_naive();
                (0..HORIZON_DAYS)
                    .filter_map(|d| today.checked_add_signed(Duration::days(d)))
                    .flat_map(|day| cron_starts(cron, *time_zone, day, 1))
                    .find(|t| *t > now)
            }
            Recurrence::Rate { first, .. } if now < *first => Some(*first),
            Recurrence::Rate { every, first } => {
                let k = (now - *first).num_milliseconds() / every.num_milliseconds() + 1;
                Some(*first + *every * i32::try_from(k).ok()?)
            }
        }
    }
}

/// The instants a cron expression fires on `days` local days from `first_day`. A local time that
/// does not exist (clocks moving forward) is skipped and one that occurs twice fires once, as
/// EventBridge Scheduler does (AWS Knowledge Center, "adjust EventBridge Scheduler for daylight
/// saving time").
fn cron_starts(cron: &Cron, time_zone: Tz, first_day: NaiveDate, days: i64) -> Vec<Time> {
    (0..days)
        .filter_map(|d| first_day.checked_add_signed(Duration::days(d)))
        .filter(|day| cron.matches_date(*day))
        .flat_map(|day| {
            cron.times().filter_map(move |(h, m)| {
                let local = day.and_hms_opt(h, m, 0)?;
                time_zone.from_local_datetime(&local).earliest()
            })
        })
        .map(|t| t.with_timezone(&Utc))
        .collect()
}

fn inner<'a>(expression: &'a str, prefix: &str) -> Option<&'a str> {
    expression.trim().strip_prefix(prefix)?.strip_suffix(')')
}

fn rate_interval(rate: &str) -> Result<Duration, String> {
    let (value, unit) = rate
        .split_once(' ')
        .ok_or_else(|| format!("rate({rate}): expected a number and a unit"))?;
    let value: i64 = match value.parse() {
        Ok(v) if v > 0 => v,
        _ => return Err(format!("rate({rate}): expected a positive whole number")),
    };
    match unit {
        "minute" | "minutes" => Ok(Duration::minutes(value)),
        "hour" | "hours" => Ok(Duration::hours(value)),
        "day" | "days" => Ok(Duration::days(value)),
        _ => Err(format!("rate({rate}): the unit is minutes, hours or days")),
    }
}

#[cfg(test)]
mod tests;
