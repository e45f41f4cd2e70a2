//! `careledger admin create`: the only way to make an admin (never self-registration).

use std::io::Read;

use anyhow::Context;
use clap::{Args, Subcommand};

use crate::cli::args::DataArgs;

/// `careledger admin …`.
#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create an active admin account.
    Create(AdminCreateArgs),
}

/// `careledger admin create`.
#[derive(Debug, Args)]
pub struct AdminCreateArgs {
    /// The admin's email.
    #[arg(long)]
    pub email: String,
    /// Read the password from standard input (the only way: never on the command line).
    #[arg(long, required = true)]
    pub password_stdin: bool,
    /// The admin's display name.
    #[arg(long, default_value = "Administrator")]
    pub full_name: String,
    #[command(flatten)]
    pub data: DataArgs,
}

/// Creates an active admin with a password read from standard input.
pub async fn create(args: AdminCreateArgs) -> anyhow::Result<()> {
    let mut password = String::new();
    std::io::stdin().read_to_string(&mut password).context("cannot read the password from stdin")?;
    let password = password.trim_end_matches(['\r', '\n']).to_string();
    let settings = args.data.settings();
    crate::datadir::prepare(&settings.data_dir)?;
    let db = crate::db::Db::connect(settings.database_url.expose(), 2).await?;
    match crate::accounts::service::create_admin(&db, &crate::clock::Clock::system(), &args.email, password, &args.full_name).await {
        Ok(user) => {
            println!("admin created: {} ({})", user.email, user.id);
            Ok(())
        }
        Err(crate::Error::EmailTaken) => anyhow::bail!("an account with this email already exists"),
        Err(crate::Error::Validation(errors)) => {
            let reasons: Vec<String> = errors.into_iter().map(|e| format!("{}: {}", e.field, e.message)).collect();
            anyhow::bail!("{}", reasons.join("; "))
        }
        Err(e) => Err(anyhow::anyhow!(e)),
    }
}
