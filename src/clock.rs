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

/// A stored time for people in the clinic's zone: `26 Nov 2026, 08:55` (see [`Zone::when`]).
pub fn human(stored: &str, zone: Zone) -> String {
    zone.when(stored)
}

/// A time zone for showing times to people: an IANA name such as `Europe/Madrid` (the tz
/// database, through chrono-tz). Times are stored in UTC whatever the zone; only what people read
/// changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Zone(chrono_tz::Tz);

impl Default for Zone {
    fn default() -> Self {
        Self::UTC
    }
}

impl std::str::FromStr for Zone {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Self::parse(s).ok_or_else(|| format!("{s:?} is not a time zone of the tz database (for example Europe/Madrid or America/Chicago)"))
    }
}

impl std::fmt::Display for Zone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl Zone {
    /// Coordinated Universal Time.
    pub const UTC: Zone = Zone(chrono_tz::UTC);

    /// The zone of this IANA name, spelled exactly as the tz database does.
    pub fn parse(name: &str) -> Option<Self> {
        name.trim().parse::<chrono_tz::Tz>().ok().map(Self)
    }

    /// The machine's own zone (`/etc/localtime`, `TZ`), or UTC when it cannot be told.
    pub fn system() -> Self {
        iana_time_zone::get_timezone().ok().and_then(|n| Self::parse(&n)).unwrap_or(Self::UTC)
    }

    /// Its IANA name.
    pub fn name(&self) -> &'static str {
        self.0.name()
    }

    /// The zones a person chooses from: UTC and the tz database's places by region (not its
    /// old country and offset aliases such as `US/Eastern` or `EST5EDT`, which still parse).
    pub fn names() -> impl Iterator<Item = &'static str> {
        const REGIONS: [&str; 10] =
            ["Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific"];
        std::iter::once("UTC").chain(
            chrono_tz::TZ_VARIANTS
                .iter()
                .map(|z| z.name())
                .filter(|n| n.split_once('/').is_some_and(|(region, _)| REGIONS.contains(&region))),
        )
    }

    /// A stored time as people read it here: `27 Nov 2026, 21:44`; the stored text unchanged
    /// when it is not a time.
    pub fn when(&self, stored: &str) -> String {
        parse(stored).map(|t| t.with_timezone(&self.0).format("%-d %b %Y, %H:%M").to_string()).unwrap_or_else(|| stored.to_string())
    }

    /// A stored time as the clock here reads it; none when it is not a time.
    pub fn local(&self, stored: &str) -> Option<DateTime<chrono_tz::Tz>> {
        parse(stored).map(|t| t.with_timezone(&self.0))
    }

    /// The day of a stored time here: `27 Nov 2026`.
    pub fn day(&self, stored: &str) -> String {
        parse(stored).map(|t| t.with_timezone(&self.0).format("%-d %b %Y").to_string()).unwrap_or_else(|| stored.to_string())
    }

    /// The clock time of a stored time here: `21:44`.
    pub fn time(&self, stored: &str) -> String {
        parse(stored).map(|t| t.with_timezone(&self.0).format("%H:%M").to_string()).unwrap_or_else(|| stored.to_string())
    }

    /// The calendar day it is here at `t`.
    pub fn today(&self, t: DateTime<Utc>) -> chrono::NaiveDate {
        t.with_timezone(&self.0).date_naive()
    }

    /// The instant a day and clock time here name; for a time the clocks skip (the hour a
    /// summer-time change leaves out) none, for one they pass twice the earlier.
    pub fn instant(&self, day: chrono::NaiveDate, time: chrono::NaiveTime) -> Option<DateTime<Utc>> {
        use chrono::TimeZone;
        self.0.from_local_datetime(&day.and_time(time)).earliest().map(|t| t.with_timezone(&Utc))
    }
}

/// How long ago (or how far ahead) `stored` is from `now`, in words: "just now", "3 minutes
/// ago", "in 2 hours", "5 days ago"; `None` beyond a week, where the date says more.
pub fn relative(stored: &str, now: DateTime<Utc>) -> Option<String> {
    let t = parse(stored)?;
    let secs = (now - t).num_seconds();
    let (n, past) = (secs.unsigned_abs(), secs >= 0);
    let (count, unit) = match n {
        0..60 => return Some("just now".into()),
        60..3600 => (n / 60, "minute"),
        3600..86_400 => (n / 3600, "hour"),
        86_400..604_800 => (n / 86_400, "day"),
        _ => return None,
    };
    let unit = if count == 1 { unit.to_string() } else { format!("{unit}s") };
    Some(if past { format!("{count} {unit} ago") } else { format!("in {count} {unit}") })
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
    fn times_are_shown_in_the_readers_zone() {
        let madrid = super::Zone::parse("Europe/Madrid").unwrap_or_default();
        assert_eq!(madrid.when("2026-11-27T21:44:05.123456Z"), "27 Nov 2026, 22:44");
        assert_eq!(madrid.when("2026-07-01T00:30:00Z"), "1 Jul 2026, 02:30", "summer time");
        assert_eq!(super::Zone::UTC.when("2026-11-27T21:44:05Z"), "27 Nov 2026, 21:44");
        assert_eq!(madrid.when("not a time"), "not a time");
        assert!(super::Zone::parse("Mars/Olympus").is_none());
        // 02:30 on the last Sunday of March does not exist in Madrid.
        let day = super::parse_day("2026-03-29").unwrap_or_default();
        assert!(madrid.instant(day, chrono::NaiveTime::from_hms_opt(2, 30, 0).unwrap_or_default()).is_none());
        let nine = madrid.instant(day, chrono::NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default());
        assert_eq!(nine.map(super::format).as_deref(), Some("2026-03-29T07:00:00.000000Z"));
    }

    #[test]
    fn relative_times_read_as_words() {
        let now = super::parse("2026-11-27T12:00:00Z").unwrap_or_default();
        let r = |s: &str| super::relative(s, now);
        assert_eq!(r("2026-11-27T11:59:30Z").as_deref(), Some("just now"));
        assert_eq!(r("2026-11-27T11:57:00Z").as_deref(), Some("3 minutes ago"));
        assert_eq!(r("2026-11-27T11:00:00Z").as_deref(), Some("1 hour ago"));
        assert_eq!(r("2026-11-27T14:00:00Z").as_deref(), Some("in 2 hours"));
        assert_eq!(r("2026-11-25T12:00:00Z").as_deref(), Some("2 days ago"));
        assert_eq!(r("2026-11-01T12:00:00Z"), None);
    }

    #[test]
    fn formatted_times_sort_as_text() {
        let a = super::parse("2026-01-02T03:04:05Z").unwrap_or_default();
        let b = a + chrono::Duration::microseconds(1);
        assert!(super::format(a) < super::format(b));
        assert_eq!(super::format(a).len(), super::format(b).len());
    }
}
