//! Time in one place: UTC, formatted as fixed-width RFC 3339 so stored times sort as text, and
//! an injectable clock so tests of expiry, lockout and TOTP move time instead of sleeping.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, SecondsFormat, Utc};

/// The application's clock, the only source of "now": the system time plus an offset that only
/// tests change. Services read it from their context.
#[derive(Clone, Debug, Default)]
pub struct Clock {
    offset_ms: Arc<AtomicI64>,
}

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Self::default()
    }

    /// Now, as the application sees it.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + chrono::Duration::milliseconds(self.offset_ms.load(Ordering::Relaxed))
    }

    /// Moves this clock (and every copy of it) forward; for tests.
    pub fn advance(&self, by: chrono::Duration) {
        self.offset_ms.fetch_add(by.num_milliseconds(), Ordering::Relaxed);
    }
}

/// Fixed-width RFC 3339 (microseconds, `Z`), so text order equals time order.
pub fn format(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// A stored time for people: `2026-11-26 08:55 UTC`.
pub fn human(stored: &str) -> String {
    parse(stored).map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string()).unwrap_or_else(|| stored.to_string())
}

/// Parses an RFC 3339 time from the database or a query string.
pub fn parse(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s).ok().map(|t| t.with_timezone(&Utc))
}

/// A calendar day written exactly `YYYY-MM-DD` (ISO 8601), in years 1900–2200: the one form
/// days are stored in, so that their text order is their time order (`2026-2-1` or `+99999-01-01`
/// would not sort as days do).
pub fn parse_day(s: &str) -> Option<chrono::NaiveDate> {
    let s = s.trim();
    let day = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
    (s.len() == 10 && (1900..=2200).contains(&chrono::Datelike::year(&day))).then_some(day)
}

#[cfg(test)]
mod tests {
    #[test]
    fn days_are_read_in_one_form_only() {
        assert!(super::parse_day("2026-02-01").is_some());
        for bad in ["2026-2-1", "+99999-01-01", "0000-01-01", "2026-02-30", "01/02/2026", ""] {
            assert!(super::parse_day(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn formatted_times_sort_as_text() {
        let a = super::parse("2026-01-02T03:04:05Z").unwrap_or_default();
        let b = a + chrono::Duration::microseconds(1);
        assert!(super::format(a) < super::format(b));
        assert_eq!(super::format(a).len(), super::format(b).len());
    }
}
