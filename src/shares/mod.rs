//! Share links (issue 11, item 5): a patient gives a link to chosen records or to their whole
//! history; whoever holds it reads them without signing in until it expires or is revoked.

pub mod api;
pub mod model;
pub mod pages;
pub mod service;
pub mod store;
