//! Account rules: who may register as what, signing in, tokens, sessions, staff approval.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::accounts::lockout::store as lockout_store;
use crate::accounts::model::{Role, Status, User};
use crate::accounts::sessions::store as session_store;
use crate::accounts::{lockout, mfa, password, store, tokens};
use crate::audit::note::AuditNote;
use crate::client::ClientInfo;
use crate::clock;
use crate::clock::Clock;
use crate::config::{Secret, StaffApproval};
use crate::context::Ctx;
use crate::db::Db;
use crate::error::{Error, Validator};
use crate::ids::{Email, SessionId, UserId};
use crate::ratelimit;

/// Longest accepted full name.
pub const MAX_NAME_LEN: usize = 200;
/// A page session lasts at most this long (idle expiry comes with the access-control issue).
pub const WEB_SESSION_HOURS: i64 = 24;

/// What a person submits to register.
#[derive(Debug, Deserialize, ToSchema)]
pub struct Registration {
    /// Email address (compared case-insensitively).
    pub email: String,
    /// At least 10 characters, and not easy to guess.
    #[schema(value_type = String, format = Password)]
    pub password: String,
    /// `patient`, `doctor`, `pharmacist`, `lab` or `receptionist`.
    pub role: String,
    /// Name shown to others.
    pub full_name: String,
}

/// A validated registration.
#[derive(Debug)]
pub struct ValidRegistration {
    /// The parsed email.
    pub email: Email,
    /// A role that may register.
    pub role: Role,
    /// The trimmed name.
    pub full_name: String,
}

/// Checks a registration without touching the database (public for the fuzz targets).
pub fn validate_registration(r: &Registration) -> Result<ValidRegistration, Error> {
    let mut v = Validator::default();
    let email = Email::parse(&r.email).map_err(|m| v.add("email", m)).ok();
    let role = match Role::parse(r.role.trim()) {
        Some(Role::Admin) => {
            v.add("role", "admin accounts are made from the command line, not by registration");
            None
        }
        Some(role) => Some(role),
        None => {
            v.add("role", "role must be one of patient, doctor, pharmacist, lab, receptionist");
            None
        }
    };
    let full_name = r.full_name.trim().to_string();
    if full_name.is_empty() {
        v.add("full_name", "full name is required");
    } else if full_name.chars().count() > MAX_NAME_LEN {
        v.add("full_name", format!("full name must be at most {MAX_NAME_LEN} characters"));
    }
    if let Some(reason) = password::weakness(&r.password, &[&r.email, &full_name]) {
        v.add("password", reason);
    }
    v.finish()?;
    match (email, role) {
        (Some(email), Some(role)) => Ok(ValidRegistration { email, role, full_name }),
        _ => Err(Error::Validation(vec![])),
    }
}

/// Registers a patient (active at once) or staff member (pending approval unless the server
/// runs with `--staff-approval off`).
#[tracing::instrument(skip_all)]
pub async fn register(ctx: &Ctx, r: Registration, client: &ClientInfo, note: &AuditNote) -> Result<User, Error> {
    ratelimit::check_auth_ip(&ctx.db, &ctx.settings.limits, client.ip, ctx.clock.now()).await?;
    let valid = validate_registration(&r)?;
    let (db, policy) = (&ctx.db, ctx.settings.staff_approval);
    let status = if valid.role.is_staff() && policy == StaffApproval::On { Status::PendingApproval } else { Status::Active };
    let privacy = Some(crate::accounts::privacy::NOTICE_VERSION);
    let user =
        create_user(db, &ctx.passwords, valid.email, valid.role, valid.full_name, status, r.password, ctx.clock.now(), privacy).await?;
    if user.role == Role::Patient {
        crate::patients::service::profile_for_new(db, &user).await?;
    }
    // The new account and the privacy notice it accepted (consent to processing), in the trail.
    note.actor(user.id, user.role.as_str());
    note.touched((user.role == Role::Patient).then_some(user.id), "user", Some(user.id));
    note.detail(format!("privacy notice {}", crate::accounts::privacy::NOTICE_VERSION));
    Ok(user)
}

/// Makes an active admin (the command line's `careledger admin create`).
pub async fn create_admin(db: &Db, clock: &Clock, email: &str, password: String, full_name: &str) -> Result<User, Error> {
    let mut v = Validator::default();
    let email = Email::parse(email).map_err(|m| v.add("email", m)).ok();
    if let Some(reason) = password::weakness(&password, &[full_name]) {
        v.add("password", reason);
    }
    v.finish()?;
    let email = email.ok_or(Error::Validation(vec![]))?;
    let now = clock.now();
    create_user(db, &password::Hasher::default(), email, Role::Admin, full_name.trim().to_string(), Status::Active, password, now, None)
        .await
}

#[allow(clippy::too_many_arguments)]
async fn create_user(
    db: &Db,
    hasher: &password::Hasher,
    email: Email,
    role: Role,
    full_name: String,
    status: Status,
    password: String,
    now: chrono::DateTime<chrono::Utc>,
    privacy_notice: Option<&str>,
) -> Result<User, Error> {
    // Cheap check first, so a duplicate costs no password hash; the unique index still decides.
    match store::email_like(db, &email).await? {
        Some(existing) if existing == email.as_str() => return Err(Error::EmailTaken),
        Some(_) => return Err(store::look_alike()),
        None => {}
    }
    let hash = hasher.hash(Secret::new(password)).await?;
    let user = User {
        id: UserId::new(),
        email,
        role,
        full_name,
        status,
        created_at: clock::format(now),
        mfa_enabled: false,
        locked_until: None,
        erased: false,
        time_zone: None,
        theme: None,
        language: None,
    };
    let mut conn = db.pool.acquire().await?;
    store::insert_user(&mut conn, &user, &hash, privacy_notice).await?;
    tracing::info!(user_id = %user.id, role = role.as_str(), status = status.as_str(), "user registered");
    Ok(user)
}

/// What a person signs in with.
#[derive(Debug)]
pub struct Credentials {
    /// Email.
    pub email: String,
    /// Password.
    pub password: String,
    /// TOTP or recovery code, when the account uses MFA.
    pub totp_code: Option<String>,
    /// The token of a device that signed in to this account before (cookie or API field).
    pub device_token: Option<String>,
    /// The pages' second step: a ticket saying this password was right a moment ago (see
    /// [`sign_in_ticket`]) and the value the ticket is bound to (the browser's form token), in
    /// place of the password.
    pub ticket: Option<(String, String)>,
}

/// What a person may choose for themselves (`PUT /api/v1/me/preferences`, the security page).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Preferences {
    /// The time zone to read times in: an IANA name such as `Europe/Madrid`; `null` for the
    /// clinic's.
    pub time_zone: Option<String>,
    /// `light` or `dark`; `null` to follow the device's setting.
    pub theme: Option<String>,
    /// The language of pages: `en` or `es`; `null` (or absent) to follow the browser's
    /// `Accept-Language`.
    #[serde(default)]
    pub language: Option<String>,
}

/// Saves a person's preferences, checked (an unknown zone is refused, naming the field).
pub async fn set_preferences(ctx: &Ctx, user: &User, prefs: Preferences) -> Result<User, Error> {
    let zone = match prefs.time_zone.as_deref().map(str::trim).filter(|z| !z.is_empty()) {
        Some(name) => match crate::clock::Zone::parse(name) {
            Some(z) => Some(z.name().to_string()),
            None => {
                return Err(Error::Validation(vec![crate::error::FieldError::new(
                    "time_zone",
                    "Choose a time zone from the list (for example Europe/Madrid or America/Chicago).",
                )]));
            }
        },
        None => None,
    };
    let theme = match prefs.theme.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        Some(t @ ("light" | "dark")) => Some(t.to_string()),
        Some(_) => {
            return Err(Error::Validation(vec![crate::error::FieldError::new(
                "theme",
                "Choose light, dark, or none to follow the device.",
            )]));
        }
        None => None,
    };
    let language = match prefs.language.as_deref().map(str::trim).filter(|l| !l.is_empty()) {
        Some(tag) => match crate::i18n::Lang::parse(tag) {
            Some(lang) => Some(lang.code().to_string()),
            None => {
                return Err(Error::Validation(vec![crate::error::FieldError::new(
                    "language",
                    "Choose English (en), Spanish (es), or none to follow the browser.",
                )]));
            }
        },
        None => None,
    };
    store::set_preferences(&ctx.db, user.id, zone.as_deref(), theme.as_deref(), language.as_deref()).await?;
    let mut user = user.clone();
    user.time_zone = zone;
    user.theme = theme;
    user.language = language;
    Ok(user)
}

/// How long the second step may wait for its code.
pub const TICKET_MINUTES: i64 = 5;

/// What a sign-in ticket says: whose password was right, until when, which password and which
/// second-factor state (a changed password, or a code used since, voids it: a ticket signs in
/// once) and which browser (the hash of its form token) may use it.
#[derive(serde::Serialize, serde::Deserialize)]
struct Ticket {
    email: String,
    exp: i64,
    pw: String,
    bind: String,
}

fn fingerprint(s: &str) -> String {
    use sha2::Digest;
    hex::encode(&sha2::Sha256::digest(s.as_bytes())[..16])
}

/// What a ticket pins of the account: its password hash and the last code step it used.
fn account_state(password_hash: &str, last_step: Option<i64>) -> String {
    fingerprint(&format!("{password_hash}|{}", last_step.map(|s| s.to_string()).unwrap_or_default()))
}

/// After [`sign_in`] answered `MfaRequired` (the password was right): a ticket the sign-in
/// page's second step carries instead of the password, for [`TICKET_MINUTES`], usable only with
/// `bind` (the browser's form token) and only while the password stays the same.
pub async fn sign_in_ticket(ctx: &Ctx, email: &str, bind: &str) -> Result<String, Error> {
    let found = match Email::lookup(email) {
        Some(e) => lockout_store::find_login(&ctx.db, &e).await?,
        None => None,
    };
    let found = found.ok_or(Error::InvalidCredentials)?;
    let ticket = Ticket {
        email: found.user.email.as_str().to_string(),
        exp: (ctx.clock.now() + chrono::Duration::minutes(TICKET_MINUTES)).timestamp(),
        pw: account_state(&found.password_hash, found.totp_last_step),
        bind: fingerprint(bind),
    };
    ctx.tokens.sign_ticket(&serde_json::to_vec(&ticket).map_err(|e| Error::Internal(e.into()))?)
}

/// The email a ticket was made for (to show on the second step), when it is this server's.
pub fn ticket_email(ctx: &Ctx, ticket: &str) -> Option<String> {
    let t: Ticket = serde_json::from_slice(&ctx.tokens.open_ticket(ticket)?).ok()?;
    Some(t.email)
}

/// Whether `ticket` vouches for `password_hash` of `email`, now, from the browser of `bind`.
fn ticket_vouches(ctx: &Ctx, ticket: &str, bind: &str, found: &lockout_store::LoginRow, now: i64) -> bool {
    let Some(t) = ctx.tokens.open_ticket(ticket).and_then(|p| serde_json::from_slice::<Ticket>(&p).ok()) else { return false };
    let same = |a: &str, b: &str| bool::from(subtle::ConstantTimeEq::ct_eq(a.as_bytes(), b.as_bytes()));
    t.exp > now
        && t.email == found.user.email.as_str()
        && same(&t.pw, &account_state(&found.password_hash, found.totp_last_step))
        && same(&t.bind, &fingerprint(bind))
}

/// A successful sign-in.
#[derive(Debug)]
pub struct SignedIn {
    /// Who.
    pub user: User,
    /// Something to tell them (the account was locked since their last sign-in).
    pub notice: Option<String>,
    /// Whether this sign-in passed the second factor (the new session's assurance).
    pub mfa: bool,
    /// The device's token, to keep (new when the device was not known yet).
    pub device_token: String,
}

/// Signs in: sign-in limits per IP, the lock (the account's for an unknown device, the device's
/// own for a known one: see `lockout`), password, account ctx, second factor. An unknown
/// email, a wrong password and a locked account look the same to a stranger: the same 401
/// `invalid_credentials` after the same password-hash work.
#[tracing::instrument(skip_all)]
pub async fn sign_in(ctx: &Ctx, creds: Credentials, client: &ClientInfo, note: &AuditNote) -> Result<SignedIn, Error> {
    let now = ctx.clock.now();
    let now_s = clock::format(now);
    let limits = &ctx.settings.limits;
    ratelimit::check_auth_ip(&ctx.db, limits, client.ip, now).await?;
    // Found by the canonical form only (no look-alike refusals), so an account made before
    // those checks can still sign in.
    let found = match Email::lookup(&creds.email) {
        Some(email) => lockout_store::find_login(&ctx.db, &email).await?,
        None => None,
    };
    // The audit trail names the account tried (when there is one) and how the attempt ended.
    if let Some(f) = &found {
        note.actor(f.user.id, f.user.role.as_str());
        // A patient's account is the patient's data: failed attempts are filed under them.
        let patient = (f.user.role == Role::Patient).then_some(f.user.id);
        note.touched(patient, "user", Some(f.user.id));
    }
    let token = creds.device_token.as_deref().map(str::trim).filter(|t| !t.is_empty());
    let device = match (&found, token) {
        (Some(f), Some(t)) => lockout::find_device(&ctx.db, f.user.id, t).await?,
        _ => None,
    };
    // The per-IP limit on failures holds back password spraying; a device that signed in to
    // this account before (its token is 256 random bits) is not held by others' failures from
    // the same address (a clinic behind one router).
    if device.is_none() {
        ratelimit::check_failed_ip(&ctx.db, limits, client.ip, now).await?;
    }
    let locked = match (&found, &device) {
        (Some(_), Some(d)) => lockout::in_force(d.locked_until.as_deref(), &now_s),
        (Some(f), None) => lockout::in_force(f.locked_until.as_deref(), &now_s),
        (None, _) => false,
    };
    // The same hashing work whether the account is unknown, locked or real.
    // An account whose password was never set (a patient registered at the desk, until they
    // follow their link) has no hash: `!` marks it, and no password opens it.
    let usable = found.as_ref().is_some_and(|f| !f.password_hash.starts_with('!'));
    let hash = match &found {
        Some(f) if !locked && usable => f.password_hash.clone(),
        _ => ctx.dummy_hash.to_string(),
    };
    let password_ok = match (&creds.ticket, &found) {
        // The second step: the password was checked a moment ago; the ticket says so.
        (Some((ticket, bind)), Some(f)) => usable && ticket_vouches(ctx, ticket, bind, f, now.timestamp()),
        (Some(_), None) => false,
        (None, _) => ctx.passwords.verify(Secret::new(creds.password), hash).await? && usable,
    };
    let Some(found) = found else {
        return Err(failed(ctx, None, None, client, now, note).await?);
    };
    if locked {
        // Counted toward the IP's failures like any wrong password (else the IP limit would
        // tell a locked account from an unknown email). A known device locked by its own
        // failures may be told so; anyone else sees what a wrong password shows.
        let answer = failed(ctx, None, None, client, now, note).await?;
        note.outcome("locked");
        return Err(match device.and_then(|d| d.locked_until) {
            Some(until) => Error::AccountLocked(until),
            None => answer,
        });
    }
    if !password_ok {
        return Err(failed(ctx, Some(&found.user), device.as_ref(), client, now, note).await?);
    }
    let user = found.user;
    if matches!(user.status, Status::Rejected | Status::Deactivated) {
        return Err(Error::AccountDisabled);
    }
    if user.mfa_enabled {
        let code = creds.totp_code.as_deref().map(str::trim).filter(|c| !c.is_empty());
        let Some(code) = code else {
            note.outcome("mfa_required");
            return Err(Error::MfaRequired);
        };
        let secret = match &found.totp_secret {
            Some(stored) => mfa::reveal(&ctx.totp_key, user.id, stored)?,
            None => Secret::new(String::new()),
        };
        if !mfa::check_login_code(&ctx.db, &user, secret.expose(), code, now).await? {
            // A wrong second factor counts as a failed sign-in.
            return Err(failed(ctx, Some(&user), device.as_ref(), client, now, note).await?.or_mfa());
        }
    }
    if device.is_none() {
        lockout_store::record_success(&ctx.db, user.id).await?;
    } else if found.lock_notice.is_some() {
        // Told now; a known device's success leaves the account's own count alone (failures
        // from elsewhere may still be going on).
        lockout_store::clear_lock_notice(&ctx.db, user.id).await?;
    }
    let device_token = lockout::remember(&ctx.db, user.id, device.as_ref().zip(token), &now_s).await?;
    let mfa = user.mfa_enabled;
    Ok(SignedIn { user, notice: found.lock_notice, mfa, device_token })
}

/// Counts a failed sign-in (for the IP, and for the known device or else the account) and
/// says how to answer it.
async fn failed(
    ctx: &Ctx,
    user: Option<&User>,
    device: Option<&lockout::KnownDevice>,
    client: &ClientInfo,
    now: DateTime<Utc>,
    note: &AuditNote,
) -> Result<Error, Error> {
    note.outcome("failure");
    if ctx.settings.limits.enabled {
        ratelimit::hit(&ctx.db, &ratelimit::failed_bucket(client.ip), now).await?;
    }
    let Some(user) = user else { return Ok(Error::InvalidCredentials) };
    match device {
        Some(d) => Ok(match lockout::device_failure(&ctx.db, d, now).await? {
            Some(until) => {
                tracing::warn!(user_id = %user.id, "a known device locked after failed sign-ins");
                note.outcome("locked");
                Error::AccountLocked(until)
            }
            None => Error::InvalidCredentials,
        }),
        None => {
            // Locked or not, a stranger is told only that the credentials are wrong; the
            // audit trail says it locked the account.
            if lockout::account_failure(ctx, user, now).await? {
                note.outcome("locked");
            }
            Ok(Error::InvalidCredentials)
        }
    }
}

impl Error {
    /// A plain wrong-credentials answer becomes "wrong code" when it was the second factor.
    fn or_mfa(self) -> Error {
        match self {
            Error::InvalidCredentials => Error::InvalidMfaCode,
            other => other,
        }
    }
}

/// The API's answer to a successful login or refresh.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenPair {
    /// JWT for `Authorization: Bearer …`, valid 15 minutes.
    pub access_token: String,
    /// Opaque, single use: spend it at `/api/v1/auth/refresh` for a new pair.
    pub refresh_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// Something the user must be told (e.g. the account was locked since the last sign-in).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notice: Option<String>,
    /// This device's token: send it as `device_token` with later sign-ins, so that a lock
    /// caused by someone else's failed attempts does not keep this device out. Only at sign-in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_token: Option<String>,
}

/// Signs in to the API: a new session with an access token and a refresh token.
pub async fn login_api(ctx: &Ctx, creds: Credentials, client: &ClientInfo, note: &AuditNote) -> Result<TokenPair, Error> {
    let SignedIn { user, notice, mfa, device_token } = sign_in(ctx, creds, client, note).await?;
    // Only after the password matched, so a pending status reveals nothing to a stranger.
    if user.status == Status::PendingApproval {
        return Err(Error::AccountPendingApproval);
    }
    let now = ctx.clock.now();
    let now_s = clock::format(now);
    let sid = SessionId::new();
    let refresh = tokens::random_token();
    let refresh_expiry = clock::format(now + Duration::seconds(tokens::REFRESH_TTL_SECS));
    let mut tx = ctx.db.pool.begin().await?;
    session_store::insert_session(
        &mut tx,
        &session_store::NewSession {
            id: sid,
            user_id: user.id,
            kind: "api",
            token_hash: None,
            csrf_token: None,
            now: &now_s,
            expires_at: &refresh_expiry,
            client,
            mfa,
        },
    )
    .await?;
    session_store::insert_refresh(&mut tx, &tokens::token_hash(&refresh), sid, &now_s, &refresh_expiry).await?;
    tx.commit().await?;
    tracing::info!(user_id = %user.id, session_id = %sid, "api login");
    let access_token = ctx.tokens.issue(user.id, user.role.as_str(), sid, now.timestamp())?;
    Ok(TokenPair {
        access_token,
        refresh_token: refresh,
        token_type: "Bearer",
        expires_in: tokens::ACCESS_TTL_SECS,
        notice,
        device_token: Some(device_token),
    })
}

/// Spends a refresh token for a new pair. An unknown or expired token is 401
/// `invalid_refresh_token`; one already spent is a sign of theft (RFC 9700 section 4.14.2):
/// its whole session (every token of the family) is revoked and it answers
/// `refresh_token_reused`.
pub async fn refresh(ctx: &Ctx, refresh_token: &str, client: &ClientInfo) -> Result<TokenPair, Error> {
    let now = ctx.clock.now();
    ratelimit::check_auth_ip(&ctx.db, &ctx.settings.limits, client.ip, now).await?;
    let now_s = clock::format(now);
    let hash = tokens::token_hash(refresh_token);
    let mut tx = ctx.db.pool.begin().await?;
    let Some(sid) = session_store::spend_refresh(&mut tx, &hash, &now_s).await? else {
        drop(tx);
        if let Some(sid) = session_store::refresh_token_session(&ctx.db, &hash).await? {
            let spent: Option<String> =
                sqlx::query_scalar("SELECT spent_at FROM refresh_tokens WHERE token_hash = $1").bind(&hash).fetch_one(&ctx.db.pool).await?;
            if spent.is_some() {
                session_store::revoke_session(&ctx.db, sid, &now_s).await?;
                tracing::warn!(session_id = %sid, "spent refresh token presented: session revoked");
                return Err(Error::RefreshTokenReused);
            }
        }
        return Err(Error::InvalidRefreshToken);
    };
    let user = session_store::api_session_user(&mut *tx, sid, &now_s).await?.ok_or(Error::InvalidRefreshToken)?.user;
    if user.status != Status::Active {
        return Err(Error::InvalidRefreshToken);
    }
    let next = tokens::random_token();
    let expiry = clock::format(now + Duration::seconds(tokens::REFRESH_TTL_SECS));
    session_store::insert_refresh(&mut tx, &tokens::token_hash(&next), sid, &now_s, &expiry).await?;
    tx.commit().await?;
    let access_token = ctx.tokens.issue(user.id, user.role.as_str(), sid, now.timestamp())?;
    Ok(TokenPair {
        access_token,
        refresh_token: next,
        token_type: "Bearer",
        expires_in: tokens::ACCESS_TTL_SECS,
        notice: None,
        device_token: None,
    })
}

/// Ends a session: its access tokens and refresh tokens stop working at once.
pub async fn logout(ctx: &Ctx, sid: SessionId) -> Result<(), Error> {
    session_store::revoke_session(&ctx.db, sid, &clock::format(ctx.clock.now())).await?;
    tracing::info!(session_id = %sid, "logout");
    Ok(())
}

/// A new page session: the cookie value to set (only its hash is stored). `mfa` says whether
/// the sign-in passed the second factor.
pub async fn start_web_session(ctx: &Ctx, user: &User, mfa: bool, client: &ClientInfo) -> Result<String, Error> {
    let db = &ctx.db;
    let now = ctx.clock.now();
    let cookie = tokens::random_token();
    let mut conn = db.pool.acquire().await?;
    session_store::insert_session(
        &mut conn,
        &session_store::NewSession {
            id: SessionId::new(),
            user_id: user.id,
            kind: "web",
            token_hash: Some(tokens::token_hash(&cookie)),
            csrf_token: Some(tokens::random_token()),
            now: &clock::format(now),
            expires_at: &clock::format(now + Duration::hours(WEB_SESSION_HOURS)),
            client,
            mfa,
        },
    )
    .await?;
    tracing::info!(user_id = %user.id, "web login");
    Ok(cookie)
}
