//! The `careledger` command line: parses arguments and hands over to the library.

use clap::Parser;

fn main() -> std::process::ExitCode {
    careledger::cli::run(careledger::cli::Cli::parse())
}
