//! Clinical records: doctors write them, patients read their own, nobody edits them.

pub mod api;
pub mod chart;
pub mod files;
pub mod model;
pub mod pages;
pub mod sealing;
pub mod service;
pub mod store;
pub mod view;

pub use model::{NewRecord, Record, RecordFilter, RecordType};
