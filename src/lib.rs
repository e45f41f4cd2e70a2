//! careledger: a medical-records server with a provable ledger of care.
//!
//! The binary (`src/main.rs`) only parses the command line; everything lives here so that the
//! integration tests start the very same application on a random port.

pub mod accounts;
pub mod app;
pub mod appointments;
pub mod audit;
pub mod backup;
pub mod care_team;
pub mod chart;
pub mod cli;
pub mod client;
pub mod clock;
pub mod config;
pub mod context;
pub mod crypt;
pub mod datadir;
pub mod db;
pub mod drugs;
pub mod erasure;
pub mod error;
pub mod export;
pub mod fhir;
pub mod files;
pub mod hasher;
pub mod health;
pub mod http;
pub mod i18n;
pub mod ids;
pub mod keys;
pub mod lab;
pub mod leases;
pub mod ledger;
pub mod mail;
pub mod openapi;
pub mod pagination;
pub mod patients;
pub mod pharmacy;
pub mod prescriptions;
pub mod ratelimit;
pub mod records;
pub mod router;
pub mod shares;
pub mod vault;

pub use app::{Application, build_app};
pub use error::Error;
pub use http::state::AppState;
