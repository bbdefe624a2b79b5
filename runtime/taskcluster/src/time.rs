//! Relative times as Taskcluster writes them: `from_now("2 days 3 hours")`, `"-1 hour"`.
//!
//! The grammar is the JavaScript client's (`clients/client/src/parsetime.js`): an optional sign,
//! then, in this order and each optional, a number and a unit for years (`y`, `yr`, `year`,
//! `years`), months (`mo`, `month`, `months`), weeks (`w`, `wk`, `week`, `weeks`), days (`d`,
//! `day`, `days`), hours (`h`, `hr`, `hour`, `hours`), minutes (`m`, `min`, `minute`, `minutes`)
//! and seconds (`s`, `sec`, `second`, `seconds`); spaces anywhere between, any case. A year is
//! 365 days and a month 30 days, as in every Taskcluster client, so the result does not depend
//! on the calendar.

use std::fmt;

use chrono::{DateTime, SubsecRound, TimeDelta, Utc};

/// Units in the order the grammar allows them, with their spellings and length in seconds.
const UNITS: [(&[&str], i64); 7] = [
    (&["y", "yr", "year", "years"], 365 * 86_400),
    (&["mo", "month", "months"], 30 * 86_400),
    (&["w", "wk", "week", "weeks"], 7 * 86_400),
    (&["d", "day", "days"], 86_400),
    (&["h", "hr", "hour", "hours"], 3_600),
    (&["m", "min", "minute", "minutes"], 60),
    (&["s", "sec", "second", "seconds"], 1),
];

/// `offset` is not a time offset in Taskcluster's grammar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OffsetError {
    offset: String,
    reason: &'static str,
}

impl fmt::Display for OffsetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?} is not a time offset like \"2 days 3 hours\" or \"-1 hour\": {}",
            self.offset, self.reason
        )
    }
}

impl std::error::Error for OffsetError {}

/// So that `from_now(..)?` works in a function returning the crate's [`Result`](crate::Result).
impl From<OffsetError> for crate::Error {
    fn from(e: OffsetError) -> crate::Error {
        crate::Error::new(crate::ErrorKind::InvalidInput, e.to_string())
    }
}

/// The span `offset` describes: `parse_offset("1 day 2h")` is 26 hours, `"-30 min"` negative.
pub fn parse_offset(offset: &str) -> Result<TimeDelta, OffsetError> {
    let fail = |reason| OffsetError {
        offset: offset.to_owned(),
        reason,
    };
    let mut rest = offset.trim_start();
    let sign = match rest.as_bytes().first() {
        Some(b'-') => -1,
        Some(b'+') => 1,
        _ => 0,
    };
    if sign != 0 {
        rest = rest[1..].trim_start();
    }
    let mut next_unit = 0;
    let mut seconds: i64 = 0;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(fail("expected a number"));
        }
        let number: i64 = rest[..digits]
            .parse()
            .map_err(|_| fail("a number is too large"))?;
        rest = rest[digits..].trim_start();
        let letters = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
        let word = rest[..letters].to_ascii_lowercase();
        rest = rest[letters..].trim_start();
        let Some(found) = UNITS
            .iter()
            .position(|(names, _)| names.contains(&word.as_str()))
        else {
            return Err(fail(
                "expected a unit: y, mo, w, d, h, m or s (or their long forms)",
            ));
        };
        if found < next_unit {
            return Err(fail(
                "units must come in the order years, months, weeks, days, hours, minutes, seconds, each once",
            ));
        }
        next_unit = found + 1;
        seconds = number
            .checked_mul(UNITS[found].1)
            .and_then(|s| s.checked_add(seconds))
            .ok_or_else(|| fail("the offset is too large"))?;
    }
    let seconds = if sign < 0 { -seconds } else { seconds };
    TimeDelta::try_seconds(seconds).ok_or_else(|| fail("the offset is too large"))
}

/// Now plus `offset`, e.g. a task's deadline: `from_now("1 day")`; in whole milliseconds, as
/// [`now`] is.
pub fn from_now(offset: &str) -> Result<DateTime<Utc>, OffsetError> {
    offset_from(now(), offset)
}

/// The time now in whole milliseconds, as Taskcluster writes times: a value built from it is the
/// value read back.
pub fn now() -> DateTime<Utc> {
    whole_millis(Utc::now())
}

/// `t` without what the wire does not keep: Taskcluster writes times in whole milliseconds
/// (`2024-05-01T12:00:00.123Z`), so a value with microseconds would not equal itself read back.
/// The generated constructors and setters pass every date-time through this.
pub fn whole_millis(t: DateTime<Utc>) -> DateTime<Utc> {
    t.trunc_subsecs(3)
}

/// `reference` plus `offset`, in whole milliseconds.
pub fn offset_from(reference: DateTime<Utc>, offset: &str) -> Result<DateTime<Utc>, OffsetError> {
    let span = parse_offset(offset)?;
    reference
        .checked_add_signed(span)
        .map(whole_millis)
        .ok_or(OffsetError {
            offset: offset.to_owned(),
            reason: "the time it gives is out of range",
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn now_and_from_now_keep_whole_milliseconds() {
        for t in [
            now(),
            from_now("1 hour").unwrap(),
            from_now("-2 days").unwrap(),
        ] {
            assert_eq!(t.timestamp_subsec_nanos() % 1_000_000, 0, "{t:?}");
        }
    }

    #[test]
    fn a_bad_offset_is_the_crates_invalid_input() {
        let error: crate::Error = from_now("soon").unwrap_err().into();
        assert_eq!(error.kind(), crate::ErrorKind::InvalidInput);
        assert!(
            error.to_string().contains("\"soon\" is not a time offset"),
            "{error}"
        );
    }

    fn span(text: &str) -> i64 {
        parse_offset(text).unwrap().num_seconds()
    }

    /// The shared examples of Taskcluster's JS and Python clients (`utils_test.js`,
    /// `test_utils.py`), all from the same reference time.
    #[test]
    fn shared_client_vectors() {
        let from: DateTime<Utc> = "2017-01-19T16:27:20.974Z".parse().unwrap();
        for (expr, result) in [
            ("1 hour", "2017-01-19T17:27:20.974Z"),
            ("3h", "2017-01-19T19:27:20.974Z"),
            ("1 hours", "2017-01-19T17:27:20.974Z"),
            ("-1 hour", "2017-01-19T15:27:20.974Z"),
            ("1 m", "2017-01-19T16:28:20.974Z"),
            ("1m", "2017-01-19T16:28:20.974Z"),
            ("12 min", "2017-01-19T16:39:20.974Z"),
            ("12min", "2017-01-19T16:39:20.974Z"),
            ("11m", "2017-01-19T16:38:20.974Z"),
            ("11 m", "2017-01-19T16:38:20.974Z"),
            ("1 day", "2017-01-20T16:27:20.974Z"),
            ("2 days", "2017-01-21T16:27:20.974Z"),
            ("1 second", "2017-01-19T16:27:21.974Z"),
            ("1 week", "2017-01-26T16:27:20.974Z"),
            ("1 month", "2017-02-18T16:27:20.974Z"),
            ("30 mo", "2019-07-08T16:27:20.974Z"),
            ("-30 mo", "2014-08-03T16:27:20.974Z"),
            ("1 year", "2018-01-19T16:27:20.974Z"),
        ] {
            let got = offset_from(from, expr).unwrap();
            assert_eq!(crate::wire::format_timestamp(&got), result, "{expr}");
        }
    }

    /// The JS client's `parseTime` cases: every spelling, spacing, sign and combination.
    #[test]
    fn js_parse_time_vectors() {
        let year = 365 * 86_400;
        for text in [
            "1y",
            "1 yr",
            "1 year",
            "1 years",
            "1year",
            "1    yr",
            "  1    year   ",
            "  1 years   ",
        ] {
            assert_eq!(span(text), year, "{text}");
            assert_eq!(span(&format!("- {}", text.trim())), -year, "- {text}");
            assert_eq!(span(&format!("  + {}", text.trim())), year, "+ {text}");
        }
        for (texts, seconds) in [
            (
                &[
                    "1mo",
                    "1 mo",
                    "1 month",
                    "1 months",
                    "1month",
                    "  1 months   ",
                ][..],
                30 * 86_400,
            ),
            (
                &["1w", "1 wk", "1 week", "1 weeks", "1week", "1    wk"][..],
                7 * 86_400,
            ),
            (
                &["3d", "3 d", "3 day", "3 days", "3day", "  3    day   "][..],
                3 * 86_400,
            ),
            (
                &[
                    "45h",
                    "45 h",
                    "45 hour",
                    "45 hours",
                    "45hours",
                    "  45    hour   ",
                ][..],
                45 * 3_600,
            ),
            (
                &["45min", "45 minute", "45minutes", "45m", "  45    min   "][..],
                45 * 60,
            ),
            (
                &["45 s", "45 sec", "45 second", "45seconds", "  45    sec   "][..],
                45,
            ),
        ] {
            for text in texts {
                assert_eq!(span(text), seconds, "{text}");
            }
        }
        let all = year + 2 * 30 * 86_400 + 3 * 7 * 86_400 + 4 * 86_400 + 5 * 3_600 + 6 * 60 + 7;
        assert_eq!(span("1yr2mo3w4d5h6min7s"), all);
        assert_eq!(span("-1yr2mo3w4d5h6min7s"), -all);
        assert_eq!(span("2d0h"), 2 * 86_400);
        assert_eq!(span("2 YEARS 55mo"), 2 * year + 55 * 30 * 86_400);
        assert_eq!(span(""), 0);
    }

    #[test]
    fn bad_offsets_say_why() {
        for (text, why) in [
            ("2 dayz", "expected a unit"),
            ("days", "expected a number"),
            ("1 hour 1 day", "in the order"),
            ("1 day 1 day", "in the order"),
            ("1.5 days", "expected a unit"),
            ("99999999999999999999 s", "too large"),
            ("-", ""),
        ] {
            match parse_offset(text) {
                Err(e) => assert!(e.to_string().contains(why), "{text}: {e}"),
                Ok(v) if text == "-" => assert_eq!(v.num_seconds(), 0),
                Ok(v) => panic!("{text} parsed as {v}"),
            }
        }
        let err = from_now("soon").unwrap_err();
        assert_eq!(
            err.to_string(),
            "\"soon\" is not a time offset like \"2 days 3 hours\" or \"-1 hour\": expected a number"
        );
    }
}
