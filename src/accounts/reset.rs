//! Password reset: by email (a single-use link for 30 minutes, asked for on the sign-in page),
//! or by a link an administrator makes for a clinic without email. The link is the desk's
//! one-time password link (`patients::store`): only its SHA-256 is stored, it works once, and
//! setting the password with it signs the account out everywhere.

use chrono::Duration;

use crate::accounts::model::{Status, User};
use crate::accounts::permissions::Actor;
use crate::accounts::store as accounts_store;
use crate::accounts::tokens;
use crate::audit::note::AuditNote;
use crate::client::ClientInfo;
use crate::clock;
use crate::context::Ctx;
use crate::error::Error;
use crate::ids::{Email, UserId};
use crate::patients::store as links;
use crate::ratelimit;

/// How long an emailed reset link works.
pub const RESET_MINUTES: i64 = 30;
/// How long an administrator's reset link works (handed over in person or by phone).
pub const ADMIN_LINK_HOURS: i64 = 24;

/// Whether an account may have its password reset: it exists as a person (not erased) and is not
/// turned off.
fn resettable(u: &User) -> bool {
    !u.erased && matches!(u.status, Status::Active | Status::PendingApproval)
}

/// `POST /api/v1/auth/password-reset`, the "forgot your password" form: emails a single-use link
/// when an account has this email. The caller learns nothing either way (the same answer, and
/// the mail goes out after the answer); each request counts toward the IP's sign-in limit.
#[tracing::instrument(skip_all)]
pub async fn request(ctx: &Ctx, email: &str, client: &ClientInfo, note: &AuditNote) -> Result<(), Error> {
    let now = ctx.clock.now();
    ratelimit::check_auth_ip(&ctx.db, &ctx.settings.limits, client.ip, now).await?;
    let found = match Email::lookup(email) {
        Some(e) => accounts_store::find_by_email(&ctx.db, &e).await?,
        None => None,
    };
    let Some(user) = found.filter(resettable) else {
        note.outcome("not_found");
        return Ok(());
    };
    let patient = (user.role == crate::accounts::Role::Patient).then_some(user.id);
    note.actor(user.id, user.role.as_str());
    note.touched(patient, "user", Some(user.id));
    let Some(mailer) = &ctx.mailer else {
        // No email here: an administrator makes the link instead (the page says so to everyone).
        note.outcome("failure");
        return Ok(());
    };
    let token = tokens::random_token();
    let expires = clock::format(now + Duration::minutes(RESET_MINUTES));
    let mut conn = ctx.db.pool.acquire().await?;
    links::insert_token(&mut conn, &tokens::token_hash(&token), &user.id.to_string(), &clock::format(now), &expires).await?;
    let link = ctx.settings.public_link(&format!("/set-password?token={token}"));
    let body = format!(
        "Hello {},\n\nSomeone (we hope you) asked to reset the password of your careledger account. Choose a new one here; the link works once, for {RESET_MINUTES} minutes:\n\n{link}\n\n\
         Setting a new password signs your account out on every device. If you did not ask for this, ignore this email: your password stays as it is.\n",
        user.full_name
    );
    mailer.send_later(user.id, &user.email, "Reset your careledger password", body);
    tracing::info!(user_id = %user.id, "password reset link emailed");
    Ok(())
}

/// A reset link an administrator made: the path to hand over and until when it works.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ResetLink {
    /// `/set-password?token=…`: open it at the clinic's careledger address.
    pub path: String,
    /// Until when it works (RFC 3339, UTC).
    pub expires_at: String,
    /// Whether it was emailed to the account's owner too.
    pub emailed: bool,
}

/// `POST /api/v1/admin/users/{id}/reset-link`: an administrator's single-use link for someone
/// who cannot receive email (an unknown, erased or turned-off account: 404). The owner is
/// emailed that it was made when the clinic has email. Two-factor sign-in, where it is on,
/// still asks for the code after the reset.
#[tracing::instrument(skip_all, fields(user_id = %id))]
pub async fn admin_link(ctx: &Ctx, actor: &Actor, id: UserId) -> Result<ResetLink, Error> {
    let user = accounts_store::find_by_id(&ctx.db, id).await?.filter(resettable).ok_or(Error::NotFound("user_not_found"))?;
    let now = ctx.clock.now();
    let token = tokens::random_token();
    let expires = clock::format(now + Duration::hours(ADMIN_LINK_HOURS));
    let mut conn = ctx.db.pool.acquire().await?;
    links::insert_token(&mut conn, &tokens::token_hash(&token), &user.id.to_string(), &clock::format(now), &expires).await?;
    let patient = (user.role == crate::accounts::Role::Patient).then_some(user.id);
    actor.audit().touched(patient, "user", Some(user.id));
    let emailed = match &ctx.mailer {
        Some(mailer) => {
            let body = format!(
                "Hello {},\n\nAn administrator of your clinic made a link to reset your careledger password (you may have asked them to). \
                 If you did not ask for it, tell your clinic at once.\n",
                user.full_name
            );
            mailer.send_later(user.id, &user.email, "A password reset link was made for your careledger account", body);
            true
        }
        None => false,
    };
    tracing::info!(admin_id = %actor.id(), "password reset link made by an administrator");
    Ok(ResetLink { path: format!("/set-password?token={token}"), expires_at: expires, emailed })
}
