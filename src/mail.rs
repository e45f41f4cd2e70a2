//! Account emails over SMTP (lettre). Only account notices, never clinical content.

use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::SmtpSettings;
use crate::ids::{Email, UserId};

/// A configured mailer, or none.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Mailer")
    }
}

impl Mailer {
    /// A mailer for the settings (the URL and From address are checked now, at start).
    pub fn new(settings: &SmtpSettings) -> anyhow::Result<Self> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(settings.url.expose())
            .map_err(|e| anyhow::anyhow!("invalid SMTP URL: {e}"))?
            .build();
        let from = settings.from.parse().map_err(|e| anyhow::anyhow!("invalid --smtp-from address: {e}"))?;
        Ok(Self { transport, from })
    }

    /// Sends in the background: a slow or broken relay never delays or fails a request.
    pub fn send_later(&self, user: UserId, to: &Email, subject: &str, body: String) {
        let mailer = self.clone();
        let to = to.for_smtp();
        let subject = subject.to_string();
        tokio::spawn(async move {
            let message = to
                .parse::<Mailbox>()
                .map_err(|e| e.to_string())
                .and_then(|to| Message::builder().from(mailer.from.clone()).to(to).subject(subject).body(body).map_err(|e| e.to_string()));
            let result = match message {
                Ok(m) => mailer.transport.send(m).await.map(|_| ()).map_err(|e| e.to_string()),
                Err(e) => Err(e),
            };
            match result {
                Ok(()) => tracing::info!(user_id = %user, "account email sent"),
                Err(e) => tracing::warn!(user_id = %user, error = %e, "account email not sent"),
            }
        });
    }
}
