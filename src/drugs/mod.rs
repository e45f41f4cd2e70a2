//! The drug knowledge base (issue 12, item 3): generic names with their synonyms and classes,
//! usual adult daily dose ranges, and drug–drug interactions by drug or by class, read from CSV
//! files shipped in `assets/drugs/` (compiled into the binary, so the checks run offline) and from
//! a clinic's own files given with `--drug-data`. Every row names its source.

pub mod base;
pub mod cli;

pub use base::{DrugBase, DrugFileError, FileKind, Interaction, Party, Severity};
