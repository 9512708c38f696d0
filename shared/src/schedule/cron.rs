//! EventBridge Scheduler's cron expressions, `cron(minutes hours day-of-month month day-of-week
//! year)`, read as AWS reads them ("Schedule types in EventBridge Scheduler", Amazon EventBridge
//! Scheduler User Guide): day-of-week 1-7 is SUN-SAT, names JAN-DEC and SUN-SAT, `, - * /` in
//! every field, `?` and `L` in the two day fields, `W` in day-of-month, `#` in day-of-week, and one
//! of the two day fields must be `?`. The functions evaluate the same expression that Terraform
//! gives the Scheduler, so a schedule's invocation and the functions agree on when a window is open.

use chrono::{Datelike, NaiveDate, Weekday};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cron {
    minutes: Vec<u32>,
    hours: Vec<u32>,
    days: Days,
    months: Vec<bool>,
    years: Vec<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Days {
    OfMonth(Vec<bool>),
    LastOfMonth,
    LastWeekdayOfMonth,
    NearestWeekday(u32),
    OfWeek(Vec<bool>),
    /// `5L`: the last Thursday of the month (1 = Sunday).
    LastOfWeek(u32),
    /// `2#1`: the first Monday of the month.
    NthOfWeek(u32, u32),
}

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const WEEKDAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
const FIRST_YEAR: u32 = 1970;
const LAST_YEAR: u32 = 2199;

impl Cron {
    /// Parses the six fields inside `cron(…)`.
    pub fn parse(fields: &str) -> Result<Self, String> {
        let fields: Vec<&str> = fields.split_whitespace().collect();
        let [minutes, hours, day_of_month, month, day_of_week, year] = fields[..] else {
            return Err(format!(
                "expected six fields (minutes hours day-of-month month day-of-week year), found {}",
                fields.len()
            ));
        };
        let days = match (day_of_month, day_of_week) {
            ("?", "?") => return Err("only one of day-of-month and day-of-week may be ?".into()),
            ("?", dow) => week_days(dow)?,
            (dom, "?") => month_days(dom)?,
            _ => return Err("one of day-of-month and day-of-week must be ? (AWS rejects both)".into()),
        };
        let listed = |values: Vec<bool>| {
            values
                .iter()
                .enumerate()
                .filter(|(_, on)| **on)
                .map(|(v, _)| v as u32)
                .collect()
        };
        Ok(Self {
            minutes: listed(field(minutes, "minutes", 0, 59, &[])?),
            hours: listed(field(hours, "hours", 0, 23, &[])?),
            days,
            months: field(month, "month", 1, 12, &MONTHS)?,
            years: field(year, "year", FIRST_YEAR, LAST_YEAR, &[])?,
        })
    }

    /// Whether the expression fires on this local date.
    pub fn matches_date(&self, date: NaiveDate) -> bool {
        let year_ok = self.years.get(date.year() as usize).copied().unwrap_or(false);
        year_ok && self.months[date.month() as usize] && self.matches_day(date)
    }

    /// The local times of day it fires at, in order.
    pub fn times(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        self.hours
            .iter()
            .flat_map(move |h| self.minutes.iter().map(move |m| (*h, *m)))
    }

    fn matches_day(&self, date: NaiveDate) -> bool {
        let last = last_day(date);
        let day = date.day();
        let weekday = aws_weekday(date.weekday());
        match &self.days {
            Days::OfMonth(days) => days[day as usize],
            Days::LastOfMonth => day == last,
            Days::LastWeekdayOfMonth => {
                let fallback = match date.with_day(last).map(|d| d.weekday()) {
                    Some(Weekday::Sat) => last - 1,
                    Some(Weekday::Sun) => last - 2,
                    _ => last,
                };
                day == fallback
            }
            Days::NearestWeekday(n) => day == nearest_weekday(date, (*n).min(last)),
            Days::OfWeek(days) => days[weekday as usize],
            Days::LastOfWeek(d) => weekday == *d && day + 7 > last,
            Days::NthOfWeek(d, n) => weekday == *d && (day - 1) / 7 + 1 == *n,
        }
    }
}

fn month_days(text: &str) -> Result<Days, String> {
    Ok(match text {
        "L" => Days::LastOfMonth,
        "LW" => Days::LastWeekdayOfMonth,
        w if w.ends_with('W') => match w[..w.len() - 1].parse::<u32>() {
            Ok(n @ 1..=31) => Days::NearestWeekday(n),
            _ => return Err(format!("day-of-month {w:?}: W follows a day 1-31")),
        },
        _ => Days::OfMonth(field(text, "day-of-month", 1, 31, &[])?),
    })
}

fn week_days(text: &str) -> Result<Days, String> {
    let weekday = |t: &str| value(t, "day-of-week", 1, 7, &WEEKDAYS);
    if let Some((day, nth)) = text.split_once('#') {
        return match nth.parse::<u32>() {
            Ok(n @ 1..=5) => Ok(Days::NthOfWeek(weekday(day)?, n)),
            _ => Err(format!("day-of-week {text:?}: # is followed by 1-5")),
        };
    }
    if let Some(day) = text.strip_suffix('L').filter(|d| !d.is_empty()) {
        return Ok(Days::LastOfWeek(weekday(day)?));
    }
    // `L` alone is the week's last day, Saturday, every week (AWS: "L" in day-of-week is "7" or "SAT").
    if text == "L" {
        return Ok(Days::OfWeek(field("SAT", "day-of-week", 1, 7, &WEEKDAYS)?));
    }
    Ok(Days::OfWeek(field(text, "day-of-week", 1, 7, &WEEKDAYS)?))
}

/// A field of comma-separated terms (`*`, `v`, `a-b`, each optionally `/step`), as a table of
/// which values from 0 to `max` it includes.
fn field(text: &str, name: &str, min: u32, max: u32, names: &[&str]) -> Result<Vec<bool>, String> {
    let mut on = vec![false; max as usize + 1];
    for term in text.split(',') {
        let (range, step) = match term.split_once('/') {
            Some((range, step)) => match step.parse::<u32>() {
                Ok(s) if s > 0 => (range, s),
                _ => return Err(format!("{name} {term:?}: the step must be a positive number")),
            },
            None => (term, 1),
        };
        let (from, to) = match range {
            "*" => (min, max),
            r => match r.split_once('-') {
                Some((a, b)) => (value(a, name, min, max, names)?, value(b, name, min, max, names)?),
                // `5/15`: from 5 to the end of the range, every 15.
                None if step > 1 => (value(r, name, min, max, names)?, max),
                None => {
                    let v = value(r, name, min, max, names)?;
                    (v, v)
                }
            },
        };
        if from > to {
            return Err(format!("{name} {term:?}: the range runs backwards"));
        }
        for v in (from..=to).step_by(step as usize) {
            on[v as usize] = true;
        }
    }
    Ok(on)
}

fn value(text: &str, name: &str, min: u32, max: u32, names: &[&str]) -> Result<u32, String> {
    let named = names
        .iter()
        .position(|n| n.eq_ignore_ascii_case(text))
        .map(|i| i as u32 + min);
    match named.or_else(|| text.parse().ok()) {
        Some(v) if (min..=max).contains(&v) => Ok(v),
        _ => Err(format!("{name} {text:?}: expected {min}-{max}")),
    }
}

/// AWS's day-of-week numbers: 1 = Sunday … 7 = Saturday.
fn aws_weekday(day: Weekday) -> u32 {
    day.num_days_from_sunday() + 1
}

fn last_day(date: NaiveDate) -> u32 {
    (28..=31).rev().find(|d| date.with_day(*d).is_some()).unwrap_or(28)
}

/// The weekday nearest to day `n` of the month, never crossing into another month.
fn nearest_weekday(date: NaiveDate, n: u32) -> u32 {
    let last = last_day(date);
    match date.with_day(n).map(|d| d.weekday()) {
        Some(Weekday::Sat) if n == 1 => 3,
        Some(Weekday::Sat) => n - 1,
        Some(Weekday::Sun) if n == last => n - 2,
        Some(Weekday::Sun) => n + 1,
        _ => n,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn days_in(cron: &str, y: i32, m: u32) -> Vec<u32> {
        let cron = Cron::parse(cron).unwrap();
        (1..=31)
            .filter_map(|d| NaiveDate::from_ymd_opt(y, m, d))
            .filter(|d| cron.matches_date(*d))
            .map(|d| d.day())
            .collect()
    }

    #[test]
    fn weekdays_at_half_past_nine() {
        let cron = Cron::parse("30 9 ? * MON-FRI *").unwrap();
        assert_eq!(cron.times().collect::<Vec<_>>(), [(9, 30)]);
        // December 2026: the 1st is a Tuesday.
        assert_eq!(days_in("30 9 ? * MON-FRI *", 2026, 12)[..5], [1, 2, 3, 4, 7]);
        assert!(!cron.matches_date(date(2026, 12, 6)), "a Sunday");
    }

    #[test]
    fn numbers_count_the_week_from_sunday() {
        // AWS: 1 = SUN; 2-6 is Monday to Friday, like MON-FRI.
        assert_eq!(
            days_in("0 8 ? * 2-6 *", 2026, 12),
            days_in("0 8 ? * MON-FRI *", 2026, 12)
        );
        assert_eq!(days_in("0 8 ? * 1 *", 2026, 12), [6, 13, 20, 27]);
    }

    #[test]
    fn lists_ranges_and_steps() {
        let cron = Cron::parse("0/20 9,14 1-3 JAN,JUN ? 2027").unwrap();
        assert_eq!(
            cron.times().collect::<Vec<_>>(),
            [(9, 0), (9, 20), (9, 40), (14, 0), (14, 20), (14, 40)]
        );
        assert!(cron.matches_date(date(2027, 6, 2)));
        assert!(!cron.matches_date(date(2027, 6, 4)));
        assert!(!cron.matches_date(date(2027, 7, 2)));
        assert!(!cron.matches_date(date(2026, 6, 2)), "another year");
    }

    #[test]
    fn last_nth_and_nearest_weekday() {
        assert_eq!(days_in("0 9 L * ? *", 2027, 2), [28]);
        assert_eq!(days_in("0 9 LW * ? *", 2027, 1), [29], "the 31st is a Sunday");
        assert_eq!(days_in("0 9 ? * 6L *", 2026, 12), [25], "last Friday");
        assert_eq!(
            days_in("0 9 ? * L *", 2026, 12),
            [5, 12, 19, 26],
            "L alone: every Saturday"
        );
        assert_eq!(days_in("0 9 ? * 2#1 *", 2026, 12), [7], "first Monday");
        // 1 Aug 2026 is a Saturday: the nearest weekday in the month is Monday the 3rd.
        assert_eq!(days_in("0 9 1W * ? *", 2026, 8), [3]);
        assert_eq!(days_in("0 9 15W * ? *", 2026, 11), [16], "the 15th is a Sunday");
    }

    #[test]
    fn rejects_what_aws_rejects() {
        for bad in [
            "30 9 * * MON-FRI *",
            "30 9 ? * ? *",
            "30 9 ? * MON-FRI",
            "60 9 ? * MON *",
            "30 9 ? * MON-XYZ *",
            "30 9 ? * 0 *",
            "30 9 ? * 2#6 *",
            "30 9/0 ? * MON *",
            "30 17-9 ? * MON *",
        ] {
            assert!(Cron::parse(bad).is_err(), "{bad}");
        }
    }
}
