use super::Schedule;
use chrono::{DateTime, NaiveDateTime};

fn ms(text: &str) -> i64 {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M")
        .expect("a time")
        .and_utc()
        .timestamp_millis()
}

fn text(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms)
        .expect("a time")
        .format("%Y-%m-%d %H:%M %a")
        .to_string()
}

/// The next `count` firings after `from`.
fn firings(expression: &str, from: &str, count: usize) -> Vec<String> {
    let schedule = Schedule::parse(expression).expect(expression);
    let mut at = ms(from);
    (0..count)
        .map(|_| {
            at = schedule.next_after(at, 1.0).expect("a next firing");
            text(at)
        })
        .collect()
}

#[test]
fn aws_documented_cron_examples() {
    // 2026-12-01 is a Tuesday.
    let table: &[(&str, &[&str])] = &[
        (
            "cron(0 10 * * ? *)",
            &["2026-12-01 10:00 Tue", "2026-12-02 10:00 Wed"],
        ),
        (
            "cron(15 12 * * ? *)",
            &["2026-12-01 12:15 Tue", "2026-12-02 12:15 Wed"],
        ),
        (
            "cron(0 18 ? * MON-FRI *)",
            &["2026-12-01 18:00 Tue", "2026-12-02 18:00 Wed"],
        ),
        (
            "cron(0 8 1 * ? *)",
            &["2027-01-01 08:00 Fri", "2027-02-01 08:00 Mon"],
        ),
        (
            "cron(0/15 * * * ? *)",
            &["2026-12-01 09:45 Tue", "2026-12-01 10:00 Tue"],
        ),
        (
            "cron(0/10 * ? * MON-FRI *)",
            &["2026-12-01 09:40 Tue", "2026-12-01 09:50 Tue"],
        ),
        (
            "cron(0/5 8-17 ? * MON-FRI *)",
            &["2026-12-01 09:35 Tue", "2026-12-01 09:40 Tue"],
        ),
        (
            "cron(0 9 ? * 2#1 *)",
            &["2026-12-07 09:00 Mon", "2027-01-04 09:00 Mon"],
        ),
        (
            "cron(0 12 L * ? *)",
            &["2026-12-31 12:00 Thu", "2027-01-31 12:00 Sun"],
        ),
        (
            "cron(0 12 LW * ? *)",
            &["2026-12-31 12:00 Thu", "2027-01-29 12:00 Fri"],
        ),
        (
            "cron(0 12 15W * ? *)",
            &["2026-12-15 12:00 Tue", "2027-01-15 12:00 Fri"],
        ),
        (
            "cron(0 12 ? * 6L *)",
            &["2026-12-25 12:00 Fri", "2027-01-29 12:00 Fri"],
        ),
        (
            "cron(30 0 1 JAN,JUL ? 2027-2028)",
            &["2027-01-01 00:30 Fri", "2027-07-01 00:30 Thu"],
        ),
        (
            "cron(0 0 ? * SUN,SAT *)",
            &["2026-12-05 00:00 Sat", "2026-12-06 00:00 Sun"],
        ),
    ];
    for (expression, expected) in table {
        let got = firings(expression, "2026-12-01 09:33", expected.len());
        assert_eq!(&got, expected, "{expression}");
    }
    // The nearest weekday to a Saturday the 1st is Monday the 3rd.
    assert_eq!(
        firings("cron(0 6 1W * ? *)", "2027-04-15 00:00", 1),
        ["2027-05-03 06:00 Mon"]
    );
}

#[test]
fn rates_are_periods() {
    let every = |e: &str| match Schedule::parse(e) {
        Some(Schedule::Rate { every_ms }) => every_ms,
        other => panic!("{e}: {other:?}"),
    };
    assert_eq!(every("rate(1 minute)"), 60_000);
    assert_eq!(every("rate(5 minutes)"), 300_000);
    assert_eq!(every("rate(1 hour)"), 3_600_000);
    assert_eq!(every("rate(12 hours)"), 43_200_000);
    assert_eq!(every("rate(1 day)"), 86_400_000);
    assert_eq!(every("rate(7 days)"), 604_800_000);
    let scaled = Schedule::parse("rate(1 minute)").expect("rate");
    assert_eq!(scaled.next_after(1_000, 60.0), Some(2_000));
}

#[test]
fn what_aws_refuses() {
    for bad in [
        "rate(1 minutes)",
        "rate(5 minute)",
        "rate(0 minutes)",
        "rate(-1 minutes)",
        "rate(1 second)",
        "rate(1.5 hours)",
        "rate(minutes)",
        "cron(0 10 * * * *)",
        "cron(0 10 ? * ? *)",
        "cron(0 10 * *)",
        "cron(60 * * * ? *)",
        "cron(0 24 * * ? *)",
        "cron(0 0 32 * ? *)",
        "cron(0 0 ? 13 * *)",
        "cron(0 0 ? * 8 *)",
        "cron(0 0 ? * 2#6 *)",
        "cron(0 0 * * ? 1969)",
        "cron(0 0 5-1 * ? *)",
        "cron(0/0 * * * ? *)",
        "every 5 minutes",
        "",
    ] {
        assert!(Schedule::parse(bad).is_none(), "{bad}");
    }
}
