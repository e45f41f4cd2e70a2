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
/// turned off (the same rule as `patients::service::set_password`, which spends the link).
pub fn resettable(u: &User) -> bool {
    !u.erased && matches!(u.status, Status::Active | Status::PendingApproval)
}

/// At most one emailed link per account this often: a flood of requests sends one mail.
pub const RESET_EVERY_MINUTES: i64 = 2;

/// `POST /api/v1/auth/password-reset`, the "forgot your password" form: emails a single-use link
/// when an account has this email. The caller learns nothing either way: the same answer, the
/// same work before it (one lookup), and the link is made and mailed after the answer. Each
/// request counts toward the IP's sign-in limit; an account gets at most one link per
/// [`RESET_EVERY_MINUTES`], and a new link ends the earlier ones.
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
    if ctx.mailer.is_none() {
        // No email here: an administrator makes the link instead (the page says so to everyone).
        note.outcome("failure");
        return Ok(());
    }
    let ctx = ctx.clone();
    tokio::spawn(async move {
        if let Err(e) = email_link(&ctx, &user).await {
            tracing::warn!(user_id = %user.id, error = ?e, "password reset link not made");
        }
    });
    Ok(())
}

/// Makes the link (ending earlier ones) and mails it, unless one went out in the last
/// [`RESET_EVERY_MINUTES`].
async fn email_link(ctx: &Ctx, user: &User) -> Result<(), Error> {
    let Some(mailer) = &ctx.mailer else { return Ok(()) };
    let now = ctx.clock.now();
    let now_s = clock::format(now);
    let token = tokens::random_token();
    let expires = clock::format(now + Duration::minutes(RESET_MINUTES));
    let mut tx = ctx.db.pool.begin().await?;
    let recent = clock::format(now - Duration::minutes(RESET_EVERY_MINUTES));
    if links::newest_link(&mut tx, &user.id.to_string()).await?.is_some_and(|at| at > recent) {
        tracing::info!(user_id = %user.id, "password reset asked again within minutes; no new link");
        return Ok(());
    }
    links::void_links(&mut tx, &user.id.to_string(), &now_s).await?;
    links::insert_token(&mut tx, &tokens::token_hash(&token), &user.id.to_string(), &now_s, &expires).await?;
    tx.commit().await?;
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
/// who cannot receive email (an unknown, erased or turned-off account: 404). Not for an
/// administrator's account, their own included (403): an administrator resets theirs by email
/// or with `careledger admin`, so no administrator can take over another. The owner is emailed
/// that it was made when the clinic has email, and two-factor sign-in, where it is on, still
/// asks for the code after the reset. A new link ends the account's earlier ones.
#[tracing::instrument(skip_all, fields(user_id = %id))]
pub async fn admin_link(ctx: &Ctx, actor: &Actor, id: UserId) -> Result<ResetLink, Error> {
    let user = accounts_store::find_by_id(&ctx.db, id).await?.filter(resettable).ok_or(Error::NotFound("user_not_found"))?;
    if user.role == crate::accounts::Role::Admin {
        return Err(Error::Forbidden("an administrator's password is reset by email or at the command line, not by another administrator"));
    }
    let now = ctx.clock.now();
    let now_s = clock::format(now);
    let token = tokens::random_token();
    let expires = clock::format(now + Duration::hours(ADMIN_LINK_HOURS));
    let mut tx = ctx.db.pool.begin().await?;
    links::void_links(&mut tx, &user.id.to_string(), &now_s).await?;
    links::insert_token(&mut tx, &tokens::token_hash(&token), &user.id.to_string(), &now_s, &expires).await?;
    tx.commit().await?;
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
