//! Two-factor sign-in with TOTP (RFC 6238: 30-second steps, 6 digits, HMAC-SHA-1 so every
//! authenticator app works) and single-use recovery codes.

use chrono::{DateTime, Utc};
use rand::Rng;
use serde::Serialize;
use sqlx::Row;
use subtle::ConstantTimeEq;
use totp_rs::{Algorithm, Builder, Secret as TotpSecret, Totp};
use utoipa::ToSchema;

use crate::accounts::lockout;
use crate::accounts::model::User;
use crate::accounts::sessions::store as session_store;
use crate::accounts::tokens::token_hash;
use crate::config::Secret;
use crate::context::Ctx;
use crate::crypt::FieldKey;
use crate::db::Db;
use crate::error::{Error, FieldError};
use crate::ids::{SessionId, UserId};

/// RFC 6238 section 5.2 recommends a 30-second step.
pub const STEP_SECS: i64 = 30;
/// Codes one step early or late are accepted (clock drift, RFC 6238 section 5.2).
const SKEW_STEPS: i64 = 1;
/// RFC 4226 section 4 asks for at least 128 bits of shared secret; 160 is the usual choice.
const SECRET_BYTES: usize = 20;
/// How many recovery codes enrolment hands out.
pub const RECOVERY_CODES: usize = 10;
const ISSUER: &str = "careledger";

fn totp(secret_b32: &str, account: &str) -> Result<Totp, Error> {
    let secret =
        TotpSecret::try_from_base32(secret_b32).map_err(|e| Error::Internal(anyhow::anyhow!("stored TOTP secret is not base32: {e:?}")))?;
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_skew(0)
        .with_step_duration(STEP_SECS as u64)
        .with_secret(secret)
        .with_account_name(account)
        .with_issuer(Some(ISSUER))
        .build()
        .map_err(|e| Error::Internal(anyhow::anyhow!("TOTP setup failed: {e}")))
}

fn encode_secret(bytes: Vec<u8>) -> String {
    TotpSecret::from(bytes).to_base32()
}

/// The time step a code matches, if any (current step, or one either side).
fn matching_step(secret_b32: &str, account: &str, code: &str, now: DateTime<Utc>) -> Result<Option<i64>, Error> {
    let t = totp(secret_b32, account)?;
    let current = now.timestamp().div_euclid(STEP_SECS);
    let code = code.trim();
    for step in (current - SKEW_STEPS)..=(current + SKEW_STEPS) {
        let expected = t.generate((step * STEP_SECS).max(0) as u64).to_string();
        if bool::from(expected.as_bytes().ct_eq(code.as_bytes())) {
            return Ok(Some(step));
        }
    }
    Ok(None)
}

/// The code an authenticator shows at `now` (tests and tools use it; the server never needs to).
pub fn code_at(secret_b32: &str, now: DateTime<Utc>) -> Result<String, Error> {
    Ok(totp(secret_b32, "x")?.generate(now.timestamp().max(0) as u64).to_string())
}

/// What enrolment hands the person to put into their authenticator app.
#[derive(Debug, Serialize, ToSchema)]
pub struct Enrolment {
    /// Base32 secret, for typing in by hand.
    pub secret: String,
    /// `otpauth://totp/…` URI (the QR code's content).
    pub otpauth_uri: String,
    /// The URI as an SVG QR code.
    pub qr_svg: String,
}

/// What a user's secret is bound to when encrypted: a value copied to another row does not open.
fn context(user: UserId) -> String {
    format!("totp:{user}")
}

/// A stored secret in clear: encrypted ones are opened with the key file's key; a clear one
/// (written by a release from before encryption, during a rolling upgrade) is read as it is.
pub fn reveal(key: &FieldKey, user: UserId, stored: &str) -> Result<Secret<String>, Error> {
    if FieldKey::is_sealed(stored) { key.open(stored, &context(user)) } else { Ok(Secret::new(stored.to_string())) }
}

/// Encrypts every TOTP secret still stored in clear by an earlier release (at start); returns
/// how many. Safe to run from several copies at once: a row is changed only while still clear.
pub async fn encrypt_clear_secrets(db: &Db, key: &FieldKey) -> Result<u64, Error> {
    let rows = sqlx::query("SELECT id, totp_secret FROM users WHERE totp_secret IS NOT NULL AND totp_secret NOT LIKE 'v1:%'")
        .fetch_all(&db.pool)
        .await?;
    let mut done = 0;
    for row in &rows {
        let (id, clear): (String, String) = (row.try_get("id")?, row.try_get("totp_secret")?);
        let user: UserId = id.parse().map_err(|_| Error::Internal(anyhow::anyhow!("corrupt user id")))?;
        let sealed = key.seal(&clear, &context(user))?;
        done += sqlx::query("UPDATE users SET totp_secret = $1 WHERE id = $2 AND totp_secret = $3")
            .bind(sealed)
            .bind(&id)
            .bind(&clear)
            .execute(&db.pool)
            .await?
            .rows_affected();
    }
    Ok(done)
}

/// Starts (or restarts) enrolment in this session: a new pending secret, stored encrypted, that
/// only this session may see and confirm (starting again elsewhere replaces it). Refused when
/// MFA is already on.
pub async fn begin(ctx: &Ctx, user: &User, session: SessionId) -> Result<Enrolment, Error> {
    let db = &ctx.db;
    if user.mfa_enabled {
        return Err(Error::Conflict("mfa_already_enabled", "Two-factor sign-in is already on; turn it off first."));
    }
    let mut raw = [0u8; SECRET_BYTES];
    rand::rng().fill_bytes(&mut raw);
    let secret = encode_secret(raw.to_vec());
    sqlx::query(
        "UPDATE users SET totp_secret = $1, totp_enabled = 0, totp_last_step = NULL, totp_pending_session = $2 \
         WHERE id = $3 AND totp_enabled = 0",
    )
    .bind(ctx.totp_key.seal(&secret, &context(user.id))?)
    .bind(session.to_string())
    .bind(user.id.to_string())
    .execute(&db.pool)
    .await?;
    tracing::info!(user_id = %user.id, "mfa enrolment started");
    enrolment_for(secret, user)
}

/// The enrolment this session has in progress (a secret saved but not confirmed), to show
/// again. Another session's pending secret is never shown.
pub async fn pending(ctx: &Ctx, user: &User, session: SessionId) -> Result<Option<Enrolment>, Error> {
    match secret_of(ctx, user.id).await? {
        Stored { secret: Some(secret), enabled: false, pending_session: Some(s) } if s == session.to_string() => {
            enrolment_for(secret.expose().clone(), user).map(Some)
        }
        _ => Ok(None),
    }
}

fn enrolment_for(secret: String, user: &User) -> Result<Enrolment, Error> {
    let otpauth_uri = totp(&secret, user.email.as_str())?.to_url().map_err(|e| Error::Internal(anyhow::anyhow!("otpauth URI: {e}")))?;
    let qr_svg = qrcode::QrCode::new(otpauth_uri.as_bytes())
        .map_err(|e| Error::Internal(anyhow::anyhow!("QR code: {e}")))?
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .build();
    Ok(Enrolment { secret, otpauth_uri, qr_svg })
}

/// An account's TOTP ctx.
struct Stored {
    secret: Option<Secret<String>>,
    enabled: bool,
    /// The session that began the enrolment in progress.
    pending_session: Option<String>,
}

async fn secret_of(ctx: &Ctx, user: UserId) -> Result<Stored, Error> {
    let row = sqlx::query("SELECT totp_secret, totp_enabled, totp_pending_session FROM users WHERE id = $1")
        .bind(user.to_string())
        .fetch_optional(&ctx.db.pool)
        .await?
        .ok_or(Error::NotFound("user_not_found"))?;
    let stored: Option<String> = row.try_get("totp_secret")?;
    Ok(Stored {
        secret: stored.map(|s| reveal(&ctx.totp_key, user, &s)).transpose()?,
        enabled: row.try_get::<i64, _>("totp_enabled")? != 0,
        pending_session: row.try_get("totp_pending_session")?,
    })
}

/// A wrong code through a live session: it counts toward the account's lock, as sign-ins do,
/// and the session whose wrong code locks the account ends (see `lockout`).
async fn wrong_code(ctx: &Ctx, user: &User, session: SessionId) -> Result<Error, Error> {
    let wrong = Error::Validation(vec![FieldError::new("code", "the code is not the one your app shows now")]);
    lockout::live_failure(ctx, user, session, wrong).await
}

/// After the account's second factor was turned on (`mfa`) or off from `session`: that session
/// has (or no longer has) passed it, and every other session of the account ends, since none of
/// them passed the factor the account has now. Returns how many ended.
async fn reseat_sessions(
    conn: &mut sqlx::AnyConnection,
    user: &User,
    session: SessionId,
    mfa: bool,
    now: DateTime<Utc>,
) -> Result<u64, Error> {
    session_store::set_session_mfa(&mut *conn, session, mfa).await?;
    session_store::revoke_other_sessions(&mut *conn, user.id, Some(session), &crate::clock::format(now)).await
}

/// Tells the account's owner by email (when SMTP is configured) that two-factor sign-in changed:
/// if it was not them, someone has their password.
fn tell_owner(ctx: &Ctx, user: &User, what: &str) {
    if let Some(mailer) = &ctx.mailer {
        let body = format!(
            "Hello {},\n\nTwo-factor sign-in was {what} for your careledger account at {}.\n\n\
             If this was not you, someone knows your password: tell your clinic's administrator at once.\n",
            user.full_name,
            crate::clock::human(&crate::clock::format(ctx.clock.now()), ctx.settings.time_zone)
        );
        mailer.send_later(user.id, &user.email, &format!("Two-factor sign-in was {what}"), body);
    }
}

/// Accepts a TOTP code once: the matched step must be later than the last one used, which
/// is recorded atomically (so a code cannot be replayed within its window, even at another copy).
async fn accept_totp(db: &Db, user: &User, secret: &str, code: &str, now: DateTime<Utc>) -> Result<bool, Error> {
    let Some(step) = matching_step(secret, user.email.as_str(), code, now)? else { return Ok(false) };
    let done = sqlx::query("UPDATE users SET totp_last_step = $1 WHERE id = $2 AND (totp_last_step IS NULL OR totp_last_step < $1)")
        .bind(step)
        .bind(user.id.to_string())
        .execute(&db.pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Confirms enrolment with a current code: MFA is on, and ten recovery codes are returned
/// (only their hashes are kept). The session that confirmed has just proved the code, so it is
/// upgraded; every other session of the account ends, since none of them passed the second
/// factor (issue 9: a password-only session must never inherit the account's new assurance).
pub async fn confirm(ctx: &Ctx, user: &User, session: SessionId, code: &str) -> Result<Vec<String>, Error> {
    let (db, now) = (&ctx.db, ctx.clock.now());
    let stored = secret_of(ctx, user.id).await?;
    if stored.enabled {
        return Err(Error::Conflict("mfa_already_enabled", "Two-factor sign-in is already on."));
    }
    // Only the session that began this enrolment may confirm it.
    let secret = match (stored.secret, stored.pending_session) {
        (Some(secret), Some(s)) if s == session.to_string() => secret,
        _ => return Err(Error::Conflict("mfa_not_started", "Start enrolment in this session first: POST /api/v1/me/mfa/totp.")),
    };
    if !accept_totp(db, user, secret.expose(), code, now).await? {
        return Err(wrong_code(ctx, user, session).await?);
    }
    lockout::live_success(db, user, session).await?;
    let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| new_recovery_code()).collect();
    let mut tx = db.pool.begin().await?;
    let turned_on = sqlx::query(
        "UPDATE users SET totp_enabled = 1, totp_pending_session = NULL WHERE id = $1 AND totp_enabled = 0 AND totp_pending_session = $2",
    )
    .bind(user.id.to_string())
    .bind(session.to_string())
    .execute(&mut *tx)
    .await?;
    if turned_on.rows_affected() != 1 {
        // Another session confirmed first.
        return Err(Error::Conflict("mfa_already_enabled", "Two-factor sign-in is already on."));
    }
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind(user.id.to_string()).execute(&mut *tx).await?;
    for code in &codes {
        sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)")
            .bind(user.id.to_string())
            .bind(token_hash(&normalise(code)))
            .execute(&mut *tx)
            .await?;
    }
    let revoked = reseat_sessions(&mut tx, user, session, true, now).await?;
    tx.commit().await?;
    tracing::info!(user_id = %user.id, session_id = %session, revoked, "mfa enabled; other sessions revoked");
    tell_owner(ctx, user, "turned on");
    Ok(codes)
}

/// Turns MFA off after checking a current code (or an unused recovery code, for someone who
/// lost the app). Every other session ends, and this one keeps no second-factor assurance: a
/// doctor or admin is held at enrolment again until they enrol anew.
pub async fn disable(ctx: &Ctx, user: &User, session: SessionId, code: &str) -> Result<(), Error> {
    let (db, now) = (&ctx.db, ctx.clock.now());
    let stored = secret_of(ctx, user.id).await?;
    let secret = match (stored.secret, stored.enabled) {
        (Some(s), true) => s,
        _ => return Err(Error::Conflict("mfa_not_enabled", "Two-factor sign-in is not on.")),
    };
    if !check_login_code(db, user, secret.expose(), code, now).await? {
        return Err(wrong_code(ctx, user, session).await?);
    }
    lockout::live_success(db, user, session).await?;
    let mut tx = db.pool.begin().await?;
    sqlx::query("UPDATE users SET totp_enabled = 0, totp_secret = NULL, totp_pending_session = NULL WHERE id = $1")
        .bind(user.id.to_string())
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind(user.id.to_string()).execute(&mut *tx).await?;
    let revoked = reseat_sessions(&mut tx, user, session, false, now).await?;
    tx.commit().await?;
    tracing::info!(user_id = %user.id, session_id = %session, revoked, "mfa disabled; other sessions revoked");
    tell_owner(ctx, user, "turned off");
    Ok(())
}

/// Checks the second factor at sign-in: a TOTP code (once), or a recovery code (once).
pub async fn check_login_code(db: &Db, user: &User, secret: &str, code: &str, now: DateTime<Utc>) -> Result<bool, Error> {
    let trimmed = code.trim();
    if trimmed.len() == 6 && trimmed.bytes().all(|b| b.is_ascii_digit()) {
        return accept_totp(db, user, secret, trimmed, now).await;
    }
    let used = sqlx::query("UPDATE recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL")
        .bind(crate::clock::format(now))
        .bind(user.id.to_string())
        .bind(token_hash(&normalise(trimmed)))
        .execute(&db.pool)
        .await?;
    Ok(used.rows_affected() == 1)
}

/// `xxxxx-xxxxx`, from an alphabet without look-alike characters; 50 bits each.
fn new_recovery_code() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::rng();
    let mut pick = || {
        let i = (rng.next_u32() as usize) % ALPHABET.len();
        ALPHABET[i] as char
    };
    let a: String = (0..5).map(|_| pick()).collect();
    let b: String = (0..5).map(|_| pick()).collect();
    format!("{a}-{b}")
}

fn normalise(code: &str) -> String {
    code.trim().to_ascii_lowercase().replace([' ', '-'], "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_their_step_and_neighbours_only() -> Result<(), Error> {
        let secret = encode_secret(vec![42u8; SECRET_BYTES]);
        // At the start of a step, so that +31 s is exactly the next step (not two later).
        let t = Utc::now().timestamp();
        let now = DateTime::from_timestamp(t - t.rem_euclid(STEP_SECS) + 1, 0).unwrap_or_default();
        let code = code_at(&secret, now)?;
        assert!(matching_step(&secret, "a", &code, now)?.is_some());
        assert!(matching_step(&secret, "a", &code, now + chrono::Duration::seconds(31))?.is_some());
        assert!(matching_step(&secret, "a", &code, now + chrono::Duration::seconds(95))?.is_none());
        assert!(matching_step(&secret, "a", "000000x", now)?.is_none());
        Ok(())
    }

    #[test]
    fn rfc6238_test_vector() -> Result<(), Error> {
        // RFC 6238 appendix B, SHA-1, T = 59 s: 94287082 (8 digits); the 6-digit code is its tail.
        let secret = encode_secret(b"12345678901234567890".to_vec());
        let t = chrono::DateTime::from_timestamp(59, 0).unwrap_or_default();
        assert_eq!(code_at(&secret, t)?, "287082");
        Ok(())
    }
}
