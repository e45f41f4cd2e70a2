//! Accounts: registration, staff approval, passwords, sign-in for the API (tokens) and the pages
//! (cookie sessions), two-factor sign-in, lockout, and the role table (`permissions`).

pub mod admin;
pub mod api;
pub mod lockout;
pub mod mfa;
pub mod model;
pub mod pages;
pub mod password;
pub mod permissions;
pub mod privacy;
pub mod reset;
pub mod service;
pub mod sessions;
pub mod store;
pub mod tokens;

pub use model::{Role, Status, User};
