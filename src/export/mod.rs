//! The patient's export (issue 11, item 7): everything careledger holds about a patient as one
//! FHIR R4 Bundle of type `collection`, downloaded from the API or the patient's dashboard.

pub mod api;
pub mod bundle;
pub mod model;
pub mod pages;
pub mod service;
