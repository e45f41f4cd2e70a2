//! Prescriptions (issue 12, item 4): a doctor on the care team prescribes; every item is checked
//! offline against the drug knowledge base (interactions with the other items and the patient's
//! active prescriptions, allergies by substance and class, the dose range); the author may change
//! it for an hour while nothing is dispensed (each change a version); every version is ledgered
//! and signed with the server's Ed25519 key, and a pharmacist verifies a printed one by its QR
//! code's token.

pub mod api;
pub mod model;
pub mod pages;
pub mod safety;
pub mod service;
pub mod store;
