//! The `careledger` command line: parses arguments and hands over to the library.

use clap::Parser;

// mimalloc instead of glibc's malloc: under load, glibc's arena locking and consolidation took
// about a fifth of the request threads' time in the profile (BENCHMARKS.md). The allocator is
// process-wide by nature, hence a static here in the binary and nowhere in the library.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    careledger::cli::run(careledger::cli::Cli::parse())
}
