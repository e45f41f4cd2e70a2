//! Patient identity (issue 12, item 1): each patient's profile (a generated medical record
//! number, date of birth, sex, sealed contact details), the front desk's registration of a
//! patient with a one-time link to set their password, and the staff's search by name, date of
//! birth or MRN, which shows demographics only (the chart still follows the care-team rule).

pub mod api;
pub mod model;
pub mod pages;
pub mod service;
pub mod store;
