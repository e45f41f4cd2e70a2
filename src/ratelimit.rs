//! Rate limits. Limits that matter for security across copies (sign-in attempts per IP) are
//! fixed-window counters in the database; the general per-user limit is kept per copy in
//! memory (GCRA via `governor`), as the README says.

use std::net::IpAddr;
use std::num::NonZeroU32;

use chrono::{DateTime, Utc};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::db::Db;
use crate::error::Error;
use crate::ids::UserId;

/// Length of the sign-in windows: 15 minutes.
pub const WINDOW_SECS: i64 = 15 * 60;

/// Configured limits. `enabled: false` (`--rate-limits off`) turns off the IP and per-user
/// limits for benchmarks; account lockout stays on.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Whether IP and per-user limits apply.
    pub enabled: bool,
    /// Unauthenticated `/api/v1/auth/*` (and sign-in pages) requests per IP per window.
    pub auth_per_ip: u32,
    /// Failed logins per IP per window, across all accounts.
    pub failed_logins_per_ip: u32,
    /// Signed-in requests per user per minute (per copy).
    pub per_user_per_minute: u32,
    /// Requests per IP per minute from callers who are not signed in, to every public route
    /// but the health checks and metrics (shared by every copy).
    pub public_per_ip: u32,
}

/// Default `--auth-rate-limit`: sign-in requests per IP per 15 minutes.
pub const DEFAULT_AUTH_PER_IP: u32 = 100;
/// Default `--failed-login-limit`: failed sign-ins per IP per 15 minutes.
pub const DEFAULT_FAILED_LOGINS_PER_IP: u32 = 20;
/// Default `--user-rate-limit`: requests per signed-in user per minute.
pub const DEFAULT_PER_USER_PER_MINUTE: u32 = 600;
/// Default `--public-rate-limit`: anonymous requests per IP per minute.
pub const DEFAULT_PUBLIC_PER_IP: u32 = 300;

impl Default for Limits {
    fn default() -> Self {
        Self {
            enabled: true,
            auth_per_ip: DEFAULT_AUTH_PER_IP,
            failed_logins_per_ip: DEFAULT_FAILED_LOGINS_PER_IP,
            per_user_per_minute: DEFAULT_PER_USER_PER_MINUTE,
            public_per_ip: DEFAULT_PUBLIC_PER_IP,
        }
    }
}

/// Length of the public (anonymous) windows: one minute.
pub const PUBLIC_WINDOW_SECS: i64 = 60;

fn window_of(now: DateTime<Utc>, secs: i64) -> (i64, u64) {
    let t = now.timestamp();
    let start = t - t.rem_euclid(secs);
    (start, (start + secs - t).max(1) as u64)
}

fn window(now: DateTime<Utc>) -> (i64, u64) {
    window_of(now, WINDOW_SECS)
}

/// Counts one event in `bucket`'s current window; returns the new count and the seconds until
/// the window ends. One atomic upsert, the same on SQLite and PostgreSQL.
pub async fn hit(db: &Db, bucket: &str, now: DateTime<Utc>) -> Result<(i64, u64), Error> {
    hit_in(db, bucket, window(now)).await
}

async fn hit_in(db: &Db, bucket: &str, (start, retry): (i64, u64)) -> Result<(i64, u64), Error> {
    let count: i64 = sqlx::query_scalar(
        "INSERT INTO rate_counters (bucket, window_start, count) VALUES ($1, $2, 1) \
         ON CONFLICT (bucket, window_start) DO UPDATE SET count = rate_counters.count + 1 \
         RETURNING count",
    )
    .bind(bucket)
    .bind(start)
    .fetch_one(&db.pool)
    .await?;
    Ok((count, retry))
}

/// The count in `bucket`'s current window, without adding to it.
pub async fn peek(db: &Db, bucket: &str, now: DateTime<Utc>) -> Result<(i64, u64), Error> {
    let (start, retry) = window(now);
    let count: Option<i64> = sqlx::query_scalar("SELECT count FROM rate_counters WHERE bucket = $1 AND window_start = $2")
        .bind(bucket)
        .bind(start)
        .fetch_optional(&db.pool)
        .await?;
    Ok((count.unwrap_or(0), retry))
}

/// The per-IP limit for callers who are not signed in. Counted in the database, so every copy
/// shares it like the sign-in limits; once an IP is over, this copy remembers it until the
/// window ends and refuses it without touching the database, so a flood costs at most
/// `public_per_ip` writes per IP per minute.
#[derive(Default)]
pub struct PublicLimiter {
    over: std::sync::Mutex<std::collections::HashMap<IpAddr, i64>>,
}

impl std::fmt::Debug for PublicLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PublicLimiter")
    }
}

impl PublicLimiter {
    /// Counts an anonymous request from `ip`: 429 past the limit.
    pub async fn check(&self, db: &Db, limits: &Limits, ip: IpAddr, now: DateTime<Utc>) -> Result<(), Error> {
        if !limits.enabled {
            return Ok(());
        }
        let (start, retry) = window_of(now, PUBLIC_WINDOW_SECS);
        let end = start + PUBLIC_WINDOW_SECS;
        if let Ok(over) = self.over.lock() {
            if over.get(&ip).is_some_and(|until| *until > now.timestamp()) {
                return Err(Error::RateLimited(retry));
            }
        }
        let (count, retry) = hit_in(db, &format!("anon:{ip}"), (start, retry)).await?;
        if count > i64::from(limits.public_per_ip) {
            if let Ok(mut over) = self.over.lock() {
                over.insert(ip, end);
            }
            return Err(Error::RateLimited(retry));
        }
        Ok(())
    }

    /// Forgets IPs whose window is over (bounded memory).
    pub fn retain_recent(&self, now: DateTime<Utc>) {
        if let Ok(mut over) = self.over.lock() {
            over.retain(|_, until| *until > now.timestamp());
        }
    }
}

/// Deletes windows that ended more than a window ago.
pub async fn prune(db: &Db, now: DateTime<Utc>) -> Result<(), Error> {
    sqlx::query("DELETE FROM rate_counters WHERE window_start < $1").bind(now.timestamp() - 2 * WINDOW_SECS).execute(&db.pool).await?;
    Ok(())
}

/// Counts an unauthenticated sign-in request (`/api/v1/auth/*`, the sign-in and registration
/// forms) from `ip`: 429 past the configured number per window.
pub async fn check_auth_ip(db: &Db, limits: &Limits, ip: IpAddr, now: DateTime<Utc>) -> Result<(), Error> {
    if !limits.enabled {
        return Ok(());
    }
    let (count, retry) = hit(db, &auth_bucket(ip), now).await?;
    if count > i64::from(limits.auth_per_ip) { Err(Error::RateLimited(retry)) } else { Ok(()) }
}

/// Refuses sign-in from an IP that has failed too often this window (across all accounts).
pub async fn check_failed_ip(db: &Db, limits: &Limits, ip: IpAddr, now: DateTime<Utc>) -> Result<(), Error> {
    if !limits.enabled {
        return Ok(());
    }
    let (count, retry) = peek(db, &failed_bucket(ip), now).await?;
    if count >= i64::from(limits.failed_logins_per_ip) { Err(Error::RateLimited(retry)) } else { Ok(()) }
}

/// Bucket names.
pub fn auth_bucket(ip: IpAddr) -> String {
    format!("auth:{ip}")
}

/// Bucket of failed logins from one IP.
pub fn failed_bucket(ip: IpAddr) -> String {
    format!("fail:{ip}")
}

/// The per-user, per-copy limiter.
pub struct UserLimiter(Option<DefaultKeyedRateLimiter<UserId>>);

impl std::fmt::Debug for UserLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UserLimiter")
    }
}

impl UserLimiter {
    /// A limiter for the configured limits.
    pub fn new(limits: &Limits) -> Self {
        let per_minute = NonZeroU32::new(limits.per_user_per_minute).filter(|_| limits.enabled);
        Self(per_minute.map(|n| RateLimiter::keyed(Quota::per_minute(n))))
    }

    /// `Err(RateLimited)` when the user is over their limit.
    pub fn check(&self, user: UserId) -> Result<(), Error> {
        let Some(limiter) = &self.0 else { return Ok(()) };
        limiter.check_key(&user).map_err(|not_until| {
            use governor::clock::Clock;
            let wait = not_until.wait_time_from(governor::clock::DefaultClock::default().now());
            Error::RateLimited(wait.as_secs().max(1))
        })
    }

    /// Forgets users who have been quiet (bounded memory).
    pub fn retain_recent(&self) {
        if let Some(l) = &self.0 {
            l.retain_recent();
        }
    }
}
