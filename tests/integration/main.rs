//! careledger's integration tests: one binary, real HTTP, a real server on a random port, a
//! fresh real database per test, each test on SQLite and on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod hardening;
mod health;
mod helpers;
mod lab;
mod languages;
mod layout;
mod ledger;
mod ledger_tree;
mod living;
mod lookalikes;

mod accounts;
mod admin;
mod appointments;
mod assurance;
mod at_rest;
mod audit;
mod backup;
mod browser;
mod care_team;
mod chart;
mod clientgen;
mod cluster;
mod dashboards;
mod drugs;
mod emergency;
mod encryption;
mod erasure;
mod export;
mod fhir;
mod flood;
mod matrix;
mod nul;
mod ops;
mod pages;
mod patients;
mod pharmacy;
mod prescriptions;
mod records;
mod review;
mod rfc9162;
mod schema;
mod security;
mod sessions;
mod shares;
mod upgrade;
