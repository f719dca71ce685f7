//! Calendar dates: the day an exemption expires and the day a policy is evaluated at.
//!
//! A [`Date`] is a day of the proleptic Gregorian calendar from year 1 to 9999, written
//! `YYYY-MM-DD` and nothing else. The library never reads a clock: a date is always given
//! (see [`crate::CompileOptions`]); [`Date::from_days_since_epoch`] turns a count of days
//! since 1970-01-01 (what a clock gives, divided by 86,400 seconds) into a date for callers
//! that do.

use std::fmt;
use std::str::FromStr;

/// A calendar day, `YYYY-MM-DD`. Dates compare in calendar order.
///
/// # Examples
///
/// ```
/// use regionfence::Date;
/// let d: Date = "2026-02-28".parse().unwrap();
/// assert_eq!((d.year(), d.month(), d.day()), (2026, 2, 28));
/// assert_eq!(d.to_string(), "2026-02-28");
/// assert!(d < "2026-03-01".parse().unwrap());
/// assert!("2026-02-29".parse::<Date>().is_err()); // not a leap year
/// assert!("2028-02-29".parse::<Date>().is_ok());
/// assert!("2026-2-28".parse::<Date>().is_err()); // two digits for the month
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Date {
    // INVARIANT: field order is year, month, day, so the derived order is calendar order;
    // every value is a real day (checked by `Date::new`, the only constructor).
    year: u16,
    month: u8,
    day: u8,
}

/// Why a text is not a date.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{}` is not a date: {why}; write `YYYY-MM-DD`, such as `2026-06-30`",
    crate::text::excerpt(text)
)]
pub struct DateError {
    /// The text given.
    pub text: String,
    /// What is wrong with it.
    pub why: &'static str,
}

/// Whether `year` is a leap year of the Gregorian calendar.
fn is_leap(year: u16) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

/// How many days `month` of `year` has.
fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

impl Date {
    /// 0001-01-01, the earliest date.
    pub const EARLIEST: Date = Date {
        year: 1,
        month: 1,
        day: 1,
    };

    /// 9999-12-31, the latest date.
    pub const LATEST: Date = Date {
        year: 9999,
        month: 12,
        day: 31,
    };

    /// The date, when it is a real day of years 1 to 9999.
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::Date;
    /// assert!(Date::new(2024, 2, 29).is_some());
    /// assert!(Date::new(1900, 2, 29).is_none());
    /// assert!(Date::new(2026, 4, 31).is_none());
    /// assert!(Date::new(0, 1, 1).is_none());
    /// ```
    pub fn new(year: u16, month: u8, day: u8) -> Option<Date> {
        ((1..=9999).contains(&year) && day >= 1 && day <= days_in_month(year, month)).then_some(Date {
            year,
            month,
            day,
        })
    }

    /// The year.
    pub fn year(self) -> u16 {
        self.year
    }

    /// The month, 1 to 12.
    pub fn month(self) -> u8 {
        self.month
    }

    /// The day of the month, from 1.
    pub fn day(self) -> u8 {
        self.day
    }

    /// The date `days` days after 1970-01-01 (before it when negative); `None` outside
    /// years 1 to 9999.
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::Date;
    /// assert_eq!(Date::from_days_since_epoch(0).unwrap().to_string(), "1970-01-01");
    /// assert_eq!(Date::from_days_since_epoch(19_723).unwrap().to_string(), "2024-01-01");
    /// assert_eq!(Date::from_days_since_epoch(-1).unwrap().to_string(), "1969-12-31");
    /// ```
    pub fn from_days_since_epoch(days: i64) -> Option<Date> {
        // Civil from days, counting in 400-year eras that start on 0000-03-01 (so a leap
        // day is the last day of its year): each era has 146,097 days.
        let z = days.checked_add(719_468)?;
        let era = z.div_euclid(146_097);
        let day_of_era = z.rem_euclid(146_097);
        let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        let shifted_month = (5 * day_of_year + 2) / 153;
        let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
        let month = if shifted_month < 10 {
            shifted_month + 3
        } else {
            shifted_month - 9
        };
        let year = year_of_era
            .checked_add(era.checked_mul(400)?)?
            .checked_add(i64::from(month <= 2))?;
        Date::new(
            u16::try_from(year).ok()?,
            u8::try_from(month).ok()?,
            u8::try_from(day).ok()?,
        )
    }

    /// The number of days from 1970-01-01 to this date (negative before it).
    ///
    /// # Examples
    ///
    /// ```
    /// use regionfence::Date;
    /// let d: Date = "2024-01-01".parse().unwrap();
    /// assert_eq!(d.days_since_epoch(), 19_723);
    /// assert_eq!(Date::from_days_since_epoch(d.days_since_epoch()), Some(d));
    /// ```
    pub fn days_since_epoch(self) -> i64 {
        let month = i64::from(self.month);
        let year = i64::from(self.year) - i64::from(month <= 2);
        let era = year.div_euclid(400);
        let year_of_era = year.rem_euclid(400);
        let shifted_month = if month > 2 { month - 3 } else { month + 9 };
        let day_of_year = (153 * shifted_month + 2) / 5 + i64::from(self.day) - 1;
        let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
        era * 146_097 + day_of_era - 719_468
    }
}

impl FromStr for Date {
    type Err = DateError;

    /// Reads exactly `YYYY-MM-DD`: four, two and two ASCII digits, a real day.
    fn from_str(text: &str) -> Result<Date, DateError> {
        let refuse = |why| DateError {
            text: text.to_string(),
            why,
        };
        let bytes = text.as_bytes();
        if bytes.len() != 10 || bytes.get(4) != Some(&b'-') || bytes.get(7) != Some(&b'-') {
            return Err(refuse("it is not of the form `YYYY-MM-DD`"));
        }
        let number = |range: std::ops::Range<usize>| -> Option<u16> {
            let part = text.get(range)?;
            part.bytes()
                .all(|b| b.is_ascii_digit())
                .then(|| part.parse().ok())
                .flatten()
        };
        let (Some(year), Some(month), Some(day)) = (number(0..4), number(5..7), number(8..10)) else {
            return Err(refuse("it is not of the form `YYYY-MM-DD`"));
        };
        if !(1..=12).contains(&month) {
            return Err(refuse("there is no such month"));
        }
        let month = u8::try_from(month).map_err(|_| refuse("there is no such month"))?;
        let day = u8::try_from(day).map_err(|_| refuse("there is no such day in that month"))?;
        Date::new(year, month, day).ok_or_else(|| {
            if year == 0 {
                refuse("years start at 0001")
            } else {
                refuse("there is no such day in that month")
            }
        })
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl serde::Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Date {
    /// Reads a `YYYY-MM-DD` string; anything else is refused with what is wrong.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Date;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a date written `YYYY-MM-DD`")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Date, E> {
                v.parse().map_err(|e: DateError| E::custom(e))
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_format() {
        for good in [
            "0001-01-01",
            "9999-12-31",
            "2024-02-29",
            "2000-02-29",
            "2026-06-30",
        ] {
            let d: Date = good.parse().unwrap();
            assert_eq!(d.to_string(), good);
        }
        for bad in [
            "",
            "2026-06-31",
            "2026-13-01",
            "2026-00-10",
            "2026-01-00",
            "0000-01-01",
            "1900-02-29",
            "2026-6-30",
            "26-06-30",
            "2026/06/30",
            "2026-06-30 ",
            " 2026-06-30",
            "2026-06-3x",
            "+026-06-30",
            "2026-06-30T00:00",
            "２０２６-06-30",
            "2026--6-30",
            "2026-06x30",
            "2026x06-30",
        ] {
            assert!(bad.parse::<Date>().is_err(), "{bad:?}");
        }
        // Each refusal says why.
        for (bad, why) in [
            ("0000-01-01", "years start at 0001"),
            ("0000-02-30", "years start at 0001"),
            ("2026-06-31", "there is no such day in that month"),
            ("1900-02-29", "there is no such day in that month"),
            ("2026-01-00", "there is no such day in that month"),
            ("2026-13-01", "there is no such month"),
            ("2026-6-30", "it is not of the form `YYYY-MM-DD`"),
        ] {
            let e = bad.parse::<Date>().unwrap_err().to_string();
            assert!(e.contains(&format!("is not a date: {why};")), "{bad}: {e}");
        }
    }

    #[test]
    fn days_round_trip_over_every_day_of_four_centuries() {
        let first = Date::new(1800, 1, 1).unwrap().days_since_epoch();
        let mut previous: Option<Date> = None;
        for days in first..first + 146_097 {
            let d = Date::from_days_since_epoch(days).unwrap();
            assert_eq!(d.days_since_epoch(), days);
            if let Some(p) = previous {
                assert!(p < d);
                // The next day after `p`, counted by hand.
                let next = Date::new(p.year, p.month, p.day + 1)
                    .or_else(|| Date::new(p.year, p.month + 1, 1))
                    .or_else(|| Date::new(p.year + 1, 1, 1))
                    .unwrap();
                assert_eq!(d, next);
            }
            previous = Some(d);
        }
    }

    #[test]
    fn fields_read_back() {
        for (y, m, d) in [(2026, 2, 28), (1, 12, 31), (9999, 1, 9), (2024, 10, 4)] {
            let date = Date::new(y, m, d).unwrap();
            assert_eq!((date.year(), date.month(), date.day()), (y, m, d));
        }
    }

    #[test]
    fn known_days_and_bounds() {
        assert_eq!(Date::from_days_since_epoch(0), Date::new(1970, 1, 1));
        assert_eq!(Date::from_days_since_epoch(11_016), Date::new(2000, 2, 29));
        assert_eq!(Date::from_days_since_epoch(20_000), Date::new(2024, 10, 4));
        let last = Date::new(9999, 12, 31).unwrap().days_since_epoch();
        let first = Date::new(1, 1, 1).unwrap().days_since_epoch();
        assert!(Date::from_days_since_epoch(last + 1).is_none());
        assert!(Date::from_days_since_epoch(first - 1).is_none());
        assert!(Date::from_days_since_epoch(i64::MAX).is_none());
        assert!(Date::from_days_since_epoch(i64::MIN).is_none());
    }

    #[test]
    fn a_date_is_read_from_a_string_only() {
        let d: Date = serde_json::from_str("\"2026-06-30\"").unwrap();
        assert_eq!(d.to_string(), "2026-06-30");
        assert_eq!(serde_json::to_string(&d).unwrap(), "\"2026-06-30\"");
        let err = serde_json::from_str::<Date>("20260630").unwrap_err().to_string();
        assert!(err.contains("expected a date written `YYYY-MM-DD`"), "{err}");
        let err = serde_json::from_str::<Date>("\"2026-6-30\"")
            .unwrap_err()
            .to_string();
        assert!(err.contains("YYYY-MM-DD"), "{err}");
    }
}
