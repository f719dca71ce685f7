//! The date the command line evaluates policies at: `--as-of DATE`, or today in UTC. The
//! clock is read here, in the command line, and nowhere in the library.

use crate::date::Date;
use std::cell::Cell;

thread_local! {
    /// The date `--as-of` gave, for the commands run on this thread.
    static AS_OF: Cell<Option<Date>> = const { Cell::new(None) };
}

/// Runs `command` with policies evaluated at `date` (what `--as-of DATE` does); the date
/// before is restored afterwards.
///
/// # Examples
///
/// ```
/// use regionfence::{cli, Date};
/// let date: Date = "2026-06-30".parse().unwrap();
/// assert_eq!(cli::with_as_of(date, cli::as_of), date);
/// ```
pub fn with_as_of<R>(date: Date, command: impl FnOnce() -> R) -> R {
    struct Restore(Option<Date>);
    impl Drop for Restore {
        fn drop(&mut self) {
            AS_OF.with(|d| d.set(self.0));
        }
    }
    let _restore = Restore(AS_OF.with(|d| d.replace(Some(date))));
    command()
}

/// The date the commands evaluate policies at: the one [`with_as_of`] set, else today in
/// UTC.
pub fn as_of() -> Date {
    AS_OF.with(Cell::get).unwrap_or_else(today_utc)
}

/// Today's date in UTC, from the system clock (1970-01-01 if the clock is before it).
pub fn today_utc() -> Date {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    date_of_unix_seconds(seconds)
}

/// The UTC date of a Unix time in seconds (9999-12-31 past it).
pub(crate) fn date_of_unix_seconds(seconds: u64) -> Date {
    let days = i64::try_from(seconds / 86_400).unwrap_or(i64::MAX);
    Date::from_days_since_epoch(days).unwrap_or(Date::LATEST)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_seconds_to_dates() {
        let d = |s: &str| s.parse::<Date>().unwrap();
        assert_eq!(date_of_unix_seconds(0), d("1970-01-01"));
        assert_eq!(date_of_unix_seconds(86_399), d("1970-01-01"));
        assert_eq!(date_of_unix_seconds(86_400), d("1970-01-02"));
        // 2000-02-29T12:00:00Z, a leap day of a century year divisible by 400.
        assert_eq!(date_of_unix_seconds(951_825_600), d("2000-02-29"));
        // 2026-11-30T23:59:59Z.
        assert_eq!(date_of_unix_seconds(1_796_083_199), d("2026-11-30"));
        assert_eq!(date_of_unix_seconds(u64::MAX), d("9999-12-31"));
    }

    #[test]
    fn the_scope_sets_and_restores() {
        let a = "2020-01-01".parse().unwrap();
        let b = "2030-01-01".parse().unwrap();
        with_as_of(a, || {
            assert_eq!(as_of(), a);
            with_as_of(b, || assert_eq!(as_of(), b));
            assert_eq!(as_of(), a);
        });
        assert_eq!(as_of(), today_utc());
    }
}
