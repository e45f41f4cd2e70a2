//! Patient identity rules: the front desk registers a patient (an account with no password yet,
//! a profile with a fresh MRN, and a one-time link to set the password: 72 hours); staff search
//! patients and see demographics only; the chart shows them under the care-team rule.

use chrono::Duration;

use crate::accounts::model::{Role, Status, User};
use crate::accounts::permissions::{Actor, Permission};
use crate::accounts::store as accounts_store;
use crate::chart::service::{optional_text, readable_patient};
use crate::clock;
use crate::context::Ctx;
use crate::db::Db;
use crate::error::{Error, Validator};
use crate::ids::{Email, UserId};
use crate::patients::model::{Contact, Demographics, NewPatient, PatientSummary, Registered, SetPassword, fold};
use crate::patients::store::{self, Match, NewProfile};

/// How long a link to set a password works.
pub const SETUP_HOURS: i64 = 72;
/// Sexes a profile records (FHIR AdministrativeGender).
pub const SEXES: [&str; 4] = ["female", "male", "other", "unknown"];

/// Gives every patient made before profiles existed a profile (at start; idempotent, and two
/// copies starting at once do no harm).
pub async fn backfill(db: &Db) -> Result<usize, Error> {
    let missing = store::without_profile(db).await?;
    let mut conn = db.pool.acquire().await?;
    for (id, name, created_at) in &missing {
        let p = NewProfile {
            patient_id: id,
            name_search: &fold(name),
            date_of_birth: None,
            sex: None,
            contact: None,
            registered_by: None,
            created_at,
        };
        store::ensure(&mut conn, &p).await?;
    }
    Ok(missing.len())
}

/// A profile for a patient who registered themselves (no demographics yet).
pub async fn profile_for_new(db: &Db, user: &User) -> Result<(), Error> {
    let p = NewProfile {
        patient_id: &user.id.to_string(),
        name_search: &fold(&user.full_name),
        date_of_birth: None,
        sex: None,
        contact: None,
        registered_by: None,
        created_at: &user.created_at,
    };
    store::ensure(&mut *db.pool.acquire().await?, &p).await.map(|_| ())
}

/// `POST /api/v1/patients`: the front desk registers a patient.
#[tracing::instrument(skip_all, fields(user_id = %actor.id()))]
pub async fn register(ctx: &Ctx, actor: &Actor, input: NewPatient) -> Result<Registered, Error> {
    actor.require(Permission::PatientsRegister)?;
    let mut v = Validator::default();
    let full_name = input.full_name.trim().to_string();
    if !fold(&full_name).chars().any(char::is_alphanumeric) || full_name.chars().count() > 200 {
        v.add("full_name", "full_name must be 1 to 200 characters, with at least one letter");
    }
    let email = Email::parse(&input.email).map_err(|m| v.add("email", m)).ok();
    let birth = match clock::parse_day(&input.date_of_birth) {
        Some(d) if d <= ctx.clock.now().date_naive() => Some(d.format("%Y-%m-%d").to_string()),
        Some(_) => {
            v.add("date_of_birth", "date_of_birth cannot be in the future");
            None
        }
        None => {
            v.add("date_of_birth", "date_of_birth must be a date, YYYY-MM-DD");
            None
        }
    };
    let sex = input.sex.trim().to_lowercase();
    if !SEXES.contains(&sex.as_str()) {
        v.add("sex", "sex must be female, male, other or unknown");
    }
    let contact = Contact {
        phone: optional_text(&mut v, "phone", input.phone.as_deref(), 40),
        address: optional_text(&mut v, "address", input.address.as_deref(), 500),
    };
    v.finish()?;
    let email = email.ok_or(Error::Validation(Vec::new()))?;
    match accounts_store::email_like(&ctx.db, &email).await? {
        Some(existing) if existing == email.as_str() => return Err(Error::EmailTaken),
        Some(_) => return Err(accounts_store::look_alike()),
        None => {}
    }
    let now = ctx.clock.now();
    let user = User {
        id: UserId::new(),
        email: email.clone(),
        role: Role::Patient,
        full_name,
        status: Status::Active,
        created_at: clock::format(now),
        mfa_enabled: false,
        locked_until: None,
        erased: false,
        time_zone: None,
        theme: None,
        language: None,
    };
    let token = crate::accounts::tokens::random_token();
    let expires = clock::format(now + Duration::hours(SETUP_HOURS));
    let mut tx = ctx.db.pool.begin().await?;
    // No password until the patient sets one (`!` marks an account no password opens).
    accounts_store::insert_user(&mut tx, &user, "!unset", Some(crate::accounts::privacy::NOTICE_VERSION)).await?;
    let key = ctx.vault.key_for(&mut tx, user.id, &user.created_at).await?;
    let sealed = key.seal(&serde_json::to_string(&contact).map_err(|e| Error::Internal(e.into()))?, &contact_place(user.id))?;
    let profile = NewProfile {
        patient_id: &user.id.to_string(),
        name_search: &fold(&user.full_name),
        date_of_birth: birth.as_deref(),
        sex: Some(&sex),
        contact: Some(&sealed),
        registered_by: Some(&actor.id().to_string()),
        created_at: &user.created_at,
    };
    let mrn = store::ensure(&mut tx, &profile).await?;
    store::insert_token(&mut tx, &crate::accounts::tokens::token_hash(&token), &user.id.to_string(), &user.created_at, &expires).await?;
    tx.commit().await?;
    actor.audit().touched(Some(user.id), "patient", Some(user.id));
    let setup_path = format!("/set-password?token={token}");
    let emailed = match &ctx.mailer {
        Some(mailer) => {
            let site = ctx.settings.public_url.as_ref().map(|u| u.origin().ascii_serialization()).unwrap_or_default();
            let body = format!(
                "Hello {},\n\nYour clinic registered you in careledger. Set your password here (the link works once, for {SETUP_HOURS} hours):\n\n{site}{setup_path}\n",
                user.full_name
            );
            mailer.send_later(user.id, &email, "Set your careledger password", body);
            true
        }
        None => false,
    };
    tracing::info!(patient_id = %user.id, "patient registered at the desk");
    Ok(Registered {
        patient: PatientSummary { id: user.id.to_string(), full_name: user.full_name, mrn, date_of_birth: birth, sex: Some(sex) },
        setup_path,
        setup_expires_at: expires,
        emailed,
    })
}

fn contact_place(patient: UserId) -> String {
    format!("patient_contact:{patient}")
}

/// Whether a one-time link still works (its page says so before anything is typed).
pub async fn link_is_open(ctx: &Ctx, token: &str) -> Result<bool, Error> {
    let now = clock::format(ctx.clock.now());
    let found: Option<String> =
        sqlx::query_scalar("SELECT user_id FROM password_setup_tokens WHERE token_sha256 = $1 AND used_at IS NULL AND expires_at > $2")
            .bind(crate::accounts::tokens::token_hash(token.trim()))
            .bind(&now)
            .fetch_optional(&ctx.db.pool)
            .await?;
    Ok(found.is_some())
}

/// `POST /api/v1/auth/set-password`: a one-time link sets the password (the same strength
/// rules as registration); the link, and every other open link of the account, then works no
/// more, and the account is signed out everywhere. The audit row names the account.
pub async fn set_password(ctx: &Ctx, input: SetPassword, note: &crate::audit::note::AuditNote) -> Result<(), Error> {
    let now = clock::format(ctx.clock.now());
    let token_hash = crate::accounts::tokens::token_hash(input.token.trim());
    // Checked before it is spent, so a weak password does not use the link up.
    let user: Option<String> =
        sqlx::query_scalar("SELECT user_id FROM password_setup_tokens WHERE token_sha256 = $1 AND used_at IS NULL AND expires_at > $2")
            .bind(&token_hash)
            .bind(&now)
            .fetch_optional(&ctx.db.pool)
            .await?;
    let Some(user) = user.and_then(|u| u.parse::<UserId>().ok()) else {
        return Err(Error::NotFound("link_not_found"));
    };
    let found = accounts_store::find_by_id(&ctx.db, user)
        .await?
        .filter(crate::accounts::reset::resettable)
        .ok_or(Error::NotFound("link_not_found"))?;
    note.actor(found.id, found.role.as_str());
    note.touched((found.role == Role::Patient).then_some(found.id), "user", Some(found.id));
    // A first password (the desk's link) is no news to the owner; a changed one is.
    let had_password = !accounts_store::password_hash(&ctx.db, user).await?.starts_with('!');
    if let Some(reason) = crate::accounts::password::weakness(&input.password, &[&found.full_name, found.email.as_str()]) {
        let mut v = Validator::default();
        v.add("password", reason);
        v.finish()?;
    }
    let hash = ctx.passwords.hash(crate::config::Secret::new(input.password)).await?;
    let mut tx = ctx.db.pool.begin().await?;
    match store::spend_token(&mut tx, &token_hash, &now).await? {
        Some(u) if u == user.to_string() => store::set_hash(&mut tx, &u, &hash).await?,
        _ => return Err(Error::NotFound("link_not_found")),
    }
    // A new password (a first one, or a reset) signs the account out everywhere: whoever had
    // the old one is out.
    let revoked = crate::accounts::sessions::store::revoke_other_sessions(&mut *tx, user, None, &now).await?;
    store::void_links(&mut tx, &user.to_string(), &now).await?;
    // Whoever holds the link holds the mailbox or was given it by an administrator: a pause
    // after wrong passwords ends with the new one.
    crate::accounts::lockout::store::unlock(&mut tx, user).await?;
    tx.commit().await?;
    if had_password && let Some(mailer) = &ctx.mailer {
        let body = format!(
            "Hello {},\n\nThe password of your careledger account was changed with a one-time link, and every device was signed out.\n\n\
             If this was not you, tell your clinic's administrator at once.\n",
            found.full_name
        );
        mailer.send_later(user, &found.email, "Your careledger password was changed", body);
    }
    tracing::info!(user_id = %user, revoked, "password set by one-time link");
    Ok(())
}

/// `GET /api/v1/patients?q=`: staff find patients by part of a name (any case, with or without
/// accents), a date of birth or an MRN, and see who they are, never their records.
pub async fn search(ctx: &Ctx, actor: &Actor, q: Option<&str>) -> Result<Vec<PatientSummary>, Error> {
    actor.require(Permission::PatientsSearch)?;
    let q = q.map(str::trim).unwrap_or_default();
    let mut v = Validator::default();
    if fold(q).chars().filter(|c| c.is_alphanumeric()).count() < 2 || q.chars().count() > 100 {
        v.add("q", "q must be 2 to 100 characters: part of a name, a date of birth (YYYY-MM-DD) or an MRN");
    }
    v.finish()?;
    let day = clock::parse_day(q).map(|d| d.format("%Y-%m-%d").to_string());
    let upper = q.to_uppercase();
    let name = fold(q);
    let m = match &day {
        Some(d) => Match::Birth(d),
        None if upper.starts_with("MRN") && upper[3..].chars().all(|c| c.is_ascii_digit()) => Match::Mrn(&upper),
        None => Match::Name(&name),
    };
    let found = store::search(&ctx.db, m).await?;
    actor.audit().detail(format!("{} patient(s) found", found.len()));
    Ok(found)
}

/// A patient's demographics, for their chart (the care-team rule, as the chart).
pub async fn demographics(ctx: &Ctx, actor: &Actor, patient: UserId) -> Result<Demographics, Error> {
    readable_patient(ctx, actor, patient).await?;
    let Some((mrn, date_of_birth, sex, contact)) = store::profile(&ctx.db, &patient.to_string()).await? else {
        return Ok(Demographics::default());
    };
    let contact: Contact = match (contact, ctx.vault.existing(&ctx.db.pool, patient).await?) {
        (Some(sealed), Some(key)) => {
            serde_json::from_str(key.open(&sealed, &contact_place(patient))?.expose()).map_err(|e| Error::Internal(e.into()))?
        }
        _ => Contact::default(),
    };
    Ok(Demographics { mrn, date_of_birth, sex, phone: contact.phone, address: contact.address })
}
