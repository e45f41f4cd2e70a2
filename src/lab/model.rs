//! Lab orders and results as submitted, stored and shown.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A lab order, with its result once posted.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct LabOrder {
    /// UUIDv7.
    pub id: String,
    /// The patient.
    pub patient_id: String,
    /// Their name.
    pub patient_name: String,
    /// The ordering doctor.
    pub doctor_id: String,
    /// Their name.
    pub doctor_name: String,
    /// When it was ordered.
    pub created_at: String,
    /// The test's code (LOINC or the lab's own).
    pub test_code: String,
    /// The test's name.
    pub test_name: String,
    /// Notes for the lab.
    pub notes: Option<String>,
    /// `open` or `resulted`.
    pub status: String,
    /// The result, once posted.
    pub result: Option<LabResult>,
    /// The order's ledger entry.
    pub entry_index: i64,
}

/// A result.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct LabResult {
    /// What was measured, as reported (`5.4`, `positive`).
    pub value: String,
    /// Its unit (`mmol/L`).
    pub unit: String,
    /// The reference range as reported (`3.5-5.1`, `<5.7`, `negative`).
    pub reference_range: Option<String>,
    /// `low`, `high`, `abnormal` or `normal`: as the lab sent it, or worked out from a numeric
    /// value and range.
    pub flag: Option<String>,
    /// Whether the result is out of range (any flag but `normal`).
    pub out_of_range: bool,
    /// Who posted it.
    pub author_id: String,
    /// When.
    pub created_at: String,
}

/// What a doctor submits to order a test.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct NewLabOrder {
    /// The patient's id.
    pub patient_id: String,
    /// 1–40 characters.
    pub test_code: String,
    /// 1–200 characters.
    pub test_name: String,
    /// Up to 500 characters.
    pub notes: Option<String>,
}

/// What lab staff submit as the result.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct NewLabResult {
    /// 1–100 characters.
    pub value: String,
    /// Up to 40 characters.
    pub unit: String,
    /// Up to 60 characters: `low-high`, `<x`, `>x` or words.
    pub reference_range: Option<String>,
    /// `low`, `high`, `abnormal` or `normal`; worked out from a numeric value and range when
    /// left out.
    pub flag: Option<String>,
}

/// Filters of `GET /api/v1/lab-orders`.
#[derive(Debug, Default, Clone, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LabFilter {
    /// Only this patient's.
    pub patient_id: Option<String>,
    /// `open` or `resulted`.
    pub status: Option<String>,
}

/// The sealed part of an order.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct OrderBody {
    /// Code.
    pub test_code: String,
    /// Name.
    pub test_name: String,
    /// Notes.
    pub notes: Option<String>,
}

/// The sealed part of a result.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ResultBody {
    /// Value.
    pub value: String,
    /// Unit.
    pub unit: String,
    /// Reference range.
    pub reference_range: Option<String>,
    /// Flag.
    pub flag: Option<String>,
}
