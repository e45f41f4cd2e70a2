//! `careledger drugs check FILE…`: validates knowledge-base files before a clinic puts them in
//! its `--drug-data` folder.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};

use crate::drugs::base::{self, DrugBase, FileKind};

/// `careledger drugs …`.
#[derive(Debug, Subcommand)]
pub enum DrugsCommand {
    /// Check knowledge-base files (drugs or interactions CSV) together against the shipped base,
    /// as `serve --drug-data` loads them; prints every error with its file and line, exits 1 if
    /// there is any.
    Check(CheckArgs),
}

/// `careledger drugs check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The files.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

/// Runs `careledger drugs check`.
pub fn check(args: &CheckArgs) -> ExitCode {
    let result = base::check_files(&args.files);
    match &result {
        Ok(summary) => {
            for (path, (kind, rows)) in args.files.iter().zip(summary) {
                let kind = match kind {
                    FileKind::Drugs => "drugs",
                    FileKind::Interactions => "interactions",
                };
                println!("{}: ok ({kind}, {rows} rows)", path.display());
            }
        }
        Err(errors) => {
            for e in errors {
                println!("{e}");
            }
        }
    }
    if let Ok(shipped) = DrugBase::builtin() {
        let (drugs, classes, interactions) = shipped.counts();
        println!("shipped knowledge base: {drugs} drugs, {classes} classes, {interactions} interactions");
    }
    if result.is_ok() { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}
