//! Appointments (issue 12, item 6): booked by the front desk, by a patient for themselves or by
//! a doctor for themselves; never two at once for a doctor, a patient or a room (the database
//! refuses the second holder of a 5-minute slot, at any copy); cancelled, rescheduled, and moved
//! through the front desk's queue (checked in, with the doctor, done). A booking puts the doctor
//! on the patient's care team.

pub mod api;
pub mod model;
pub mod pages;
pub mod service;
pub mod store;
