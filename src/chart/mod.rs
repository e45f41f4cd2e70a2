//! A patient's chart beyond records: allergies and the problem list (issue 12, item 2), each a
//! doctor-written, ledgered entry sealed under the patient's data key, read under the care-team
//! rule; and the chart page that gathers them with the patient's prescriptions.

pub mod api;
pub mod model;
pub mod pages;
pub mod service;
pub mod store;
