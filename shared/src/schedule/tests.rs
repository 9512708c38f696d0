use super::*;
use chrono::TimeZone;

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> Time {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}

fn schedule(windows: &str) -> Schedule {
    Schedule::parse(windows, Duration::minutes(7)).unwrap()
}

/// Weekdays 09:30 in Berlin for 45 minutes (UTC+1 in December).
fn standup() -> Schedule {
    schedule(r#"[{"name":"standup","schedule":"cron(30 9 ? * MON-FRI *)","time_zone":"Europe/Berlin","minutes":45}]"#)
}

#[test]
fn a_window_is_open_from_its_wake_up_to_its_end() {
    let s = standup();
    // Monday 7 December 2026, 09:30 Berlin = 08:30 UTC.
    let open = s.open_at(utc(2026, 12, 7, 8, 23), None).expect("open at the wake-up");
    assert_eq!(open.starts, utc(2026, 12, 7, 8, 30));
    assert_eq!(open.wakes, utc(2026, 12, 7, 8, 23));
    assert_eq!(open.ends, utc(2026, 12, 7, 9, 15));
    assert_eq!(s.open_at(utc(2026, 12, 7, 9, 14), None), Some(open));
    assert_eq!(s.open_at(utc(2026, 12, 7, 8, 22), None), None, "before the wake-up");
    assert_eq!(s.open_at(utc(2026, 12, 7, 9, 15), None), None, "at the end");
    assert_eq!(s.open_at(utc(2026, 12, 6, 8, 40), None), None, "a Sunday");
}

#[test]
fn the_next_meeting_skips_the_weekend() {
    let s = standup();
    let next = s.next_after(utc(2026, 12, 4, 9, 0)).unwrap(); // Friday, after the start
    assert_eq!(next.starts, utc(2026, 12, 7, 8, 30));
    assert_eq!(next.window, "standup");
}

#[test]
fn daylight_saving_time_moves_the_utc_time_and_skips_missing_local_times() {
    let s = standup();
    // 29 March 2027 (Monday, after the switch to summer time): 09:30 Berlin = 07:30 UTC.
    assert_eq!(
        s.next_after(utc(2027, 3, 27, 0, 0)).unwrap().starts,
        utc(2027, 3, 29, 7, 30)
    );
    // 02:30 does not exist in Berlin on 28 March 2027: that Sunday has no meeting.
    let night = schedule(r#"[{"name":"n","schedule":"cron(30 2 * * ? *)","time_zone":"Europe/Berlin","minutes":10}]"#);
    assert_eq!(
        night.next_after(utc(2027, 3, 27, 2, 0)).unwrap().starts,
        utc(2027, 3, 29, 0, 30)
    );
    // 02:30 occurs twice on 31 October 2027: it fires once, at the first.
    let autumn = night.next_after(utc(2027, 10, 30, 1, 0)).unwrap();
    assert_eq!(autumn.starts, utc(2027, 10, 31, 0, 30));
    assert_eq!(night.next_after(autumn.starts).unwrap().starts, utc(2027, 11, 1, 1, 30));
}

#[test]
fn overlapping_windows_keep_the_one_that_ends_last() {
    let s = schedule(
        r#"[{"name":"a","schedule":"cron(0 9 * * ? *)","minutes":60},
            {"name":"b","schedule":"cron(30 9 * * ? *)","minutes":60}]"#,
    );
    assert_eq!(s.open_at(utc(2026, 12, 7, 9, 10), None).unwrap().window, "a");
    assert_eq!(
        s.open_at(utc(2026, 12, 7, 9, 25), None).unwrap().window,
        "b",
        "b woke at 09:23"
    );
    assert_eq!(
        s.open_at(utc(2026, 12, 7, 10, 20), None).unwrap().ends,
        utc(2026, 12, 7, 10, 30)
    );
    assert_eq!(s.open_at(utc(2026, 12, 7, 10, 30), None), None);
}

#[test]
fn a_manual_stop_holds_back_the_windows_that_woke_before_it_not_the_later_ones() {
    // a: 09:00-12:00; b wakes at 10:23. Stopped by hand at 10:00, inside a only.
    let s = schedule(
        r#"[{"name":"a","schedule":"cron(0 9 * * ? *)","minutes":180},
            {"name":"b","schedule":"cron(30 10 * * ? *)","minutes":30}]"#,
    );
    let stopped = Some(utc(2026, 12, 7, 10, 0));
    assert_eq!(s.open_at(utc(2026, 12, 7, 10, 10), stopped), None);
    let later = s
        .open_at(utc(2026, 12, 7, 10, 23), stopped)
        .expect("b woke after the stop");
    assert_eq!(later.window, "b");
    assert_eq!(
        s.open_at(utc(2026, 12, 7, 10, 23), None).unwrap().window,
        "a",
        "a ends last"
    );
}

#[test]
fn a_bad_window_is_named_and_the_good_ones_kept() {
    let (kept, problems) = Schedule::parse_each(
        r#"[{"name":"good","schedule":"cron(0 9 * * ? *)","minutes":30},
            {"name":"bad","schedule":"cron(0 25 * * ? *)","minutes":30}]"#,
        Duration::minutes(7),
    )
    .unwrap();
    assert_eq!(kept.windows.len(), 1);
    assert_eq!(kept.windows[0].name, "good");
    assert_eq!(problems.len(), 1);
    assert!(problems[0].starts_with("window \"bad\": hours"), "{problems:?}");
}

#[test]
fn a_window_over_midnight_is_open_on_the_next_day() {
    let s = schedule(r#"[{"name":"late","schedule":"cron(30 23 ? * FRI *)","minutes":90}]"#);
    let saturday = utc(2026, 12, 5, 0, 30);
    assert_eq!(s.open_at(saturday, None).unwrap().starts, utc(2026, 12, 4, 23, 30));
}

#[test]
fn rate_windows_count_from_their_first_start() {
    let s =
        schedule(r#"[{"name":"weekly","schedule":"rate(7 days)","first":"2026-12-07T09:30:00+01:00","minutes":30}]"#);
    assert_eq!(
        s.next_after(utc(2026, 1, 1, 0, 0)).unwrap().starts,
        utc(2026, 12, 7, 8, 30)
    );
    assert_eq!(
        s.next_after(utc(2026, 12, 7, 8, 30)).unwrap().starts,
        utc(2026, 12, 14, 8, 30)
    );
    assert!(s.open_at(utc(2026, 12, 14, 8, 25), None).is_some());
    assert!(s.open_at(utc(2026, 12, 14, 9, 0), None).is_none());
    assert!(s.open_at(utc(2026, 11, 30, 8, 40), None).is_none(), "before the first");
}

#[test]
fn bad_windows_are_named_with_the_reason() {
    for (json, says) in [
        (
            r#"[{"name":"x","schedule":"cron(30 9 * * MON *)","minutes":30}]"#,
            "must be ?",
        ),
        (
            r#"[{"name":"x","schedule":"cron(30 9 ? * MON *)","time_zone":"Mars/Olympus","minutes":30}]"#,
            "IANA",
        ),
        (r#"[{"name":"x","schedule":"rate(1 days)","minutes":30}]"#, "first"),
        (
            r#"[{"name":"x","schedule":"rate(2 weeks)","first":"2026-12-07T09:30:00Z","minutes":30}]"#,
            "unit",
        ),
        (
            r#"[{"name":"x","schedule":"at(2026-12-07T09:30:00)","minutes":30}]"#,
            "cron(…) or rate(…)",
        ),
        (
            r#"[{"name":"x","schedule":"cron(30 9 ? * MON *)","minutes":900}]"#,
            "at most 720",
        ),
        (
            r#"[{"name":"x","schedule":"rate(37 minutes)","first":"2026-12-07T09:30:00Z","minutes":30}]"#,
            "overlaps itself",
        ),
        (
            r#"[{"name":"x","schedule":"cron(30 9 ? * MON *)","minutes":"thirty"}]"#,
            "invalid type",
        ),
        (
            r#"[{"name":"x","schedule":"cron(30 9 ? * MON *)","minutes":30,"extra":1}]"#,
            "unknown field",
        ),
    ] {
        let error = Schedule::parse(json, Duration::minutes(7)).unwrap_err();
        assert!(error.contains(says), "{json}: {error}");
    }
}
