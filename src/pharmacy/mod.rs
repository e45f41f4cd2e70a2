//! The pharmacy (issue 12, item 5): its stock by batch, low-stock and expiry lists, and the
//! dispense that takes stock, marks the prescription dispensed and locks it, in one
//! transaction that exactly one of two concurrent pharmacists wins.

pub mod api;
pub mod model;
pub mod pages;
pub mod service;
pub mod store;
