//! Stock and dispensing as submitted, stored and shown.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A batch of a drug on the shelf.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Batch {
    /// UUIDv7.
    pub id: String,
    /// The drug (the knowledge base's generic name when it knows it).
    pub drug: String,
    /// The manufacturer's batch (lot) number.
    pub batch: String,
    /// Units on the shelf.
    pub quantity: i64,
    /// Usable through this day (YYYY-MM-DD).
    pub expiry: String,
    /// At or below this quantity the batch is listed as low.
    pub reorder_level: i64,
    /// Whether the quantity is at or below the reorder level.
    pub low: bool,
    /// Whether it is past its expiry day.
    pub expired: bool,
    /// When it was added.
    pub created_at: String,
    /// When it last changed.
    pub updated_at: String,
}

/// A batch received.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct NewBatch {
    /// 1–100 characters.
    pub drug: String,
    /// 1–50 characters.
    pub batch: String,
    /// 0–1,000,000.
    pub quantity: i64,
    /// YYYY-MM-DD.
    pub expiry: String,
    /// 0–1,000,000 (default 0).
    pub reorder_level: Option<i64>,
}

/// A change to a batch (a count, a corrected expiry, a new reorder level).
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct BatchChange {
    /// 0–1,000,000.
    pub quantity: Option<i64>,
    /// YYYY-MM-DD.
    pub expiry: Option<String>,
    /// 0–1,000,000.
    pub reorder_level: Option<i64>,
}

/// Filters of `GET /api/v1/inventory`.
#[derive(Debug, Default, Clone, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InventoryFilter {
    /// Only this drug (by name or synonym).
    pub drug: Option<String>,
    /// `true`: only batches at or below their reorder level.
    pub low_stock: Option<String>,
    /// Only batches expiring within this many days from today (0–3650; past ones included).
    pub expiring_within_days: Option<String>,
}

/// One batch taken for a dispense.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct DispenseItem {
    /// The batch.
    pub inventory_id: String,
    /// Units taken, 1–100,000.
    pub quantity: i64,
}

/// `POST /api/v1/prescriptions/{id}/dispense`.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct NewDispense {
    /// 1–20 batches, each of a drug on the prescription.
    pub items: Vec<DispenseItem>,
}

/// A batch as dispensed.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Dispensed {
    /// The batch.
    pub inventory_id: String,
    /// Its drug.
    pub drug: String,
    /// Its batch number.
    pub batch: String,
    /// Units taken.
    pub quantity: i64,
}

/// What a dispense did.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Dispensation {
    /// UUIDv7.
    pub id: String,
    /// The prescription, now dispensed and locked.
    pub prescription_id: String,
    /// The pharmacist.
    pub pharmacist_id: String,
    /// When.
    pub created_at: String,
    /// The batches taken.
    pub items: Vec<Dispensed>,
    /// Its ledger entry.
    pub entry_index: i64,
}
