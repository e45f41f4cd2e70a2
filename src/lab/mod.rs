//! Lab orders and results (issue 12, item 7): a doctor who may read the patient orders a test;
//! lab staff see open orders and post one result each; the patient and their doctors read them,
//! out-of-range results flagged. Orders and results are sealed and ledgered.

pub mod api;
pub mod model;
pub mod pages;
pub mod service;
pub mod store;
