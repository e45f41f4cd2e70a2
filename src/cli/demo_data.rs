//! The demo clinic behind `serve --demo`: an admin, two doctors, a pharmacist, a lab technician,
//! a receptionist, five patients and thirty records with realistic text, their allergies,
//! problems and prescriptions (one with an acknowledged interaction). Loaded once (a marker row
//! decides), so repeating is safe.

use chrono::Duration;

use crate::accounts::model::{Role, Status, User};
use crate::accounts::{password, store as accounts_store};
use crate::clock::{self, Clock};
use crate::config::Secret;
use crate::db::Db;
use crate::error::Error;
use crate::ids::{Email, RecordId, UserId};
use crate::records::RecordType;
use crate::records::store::RecordRow;

/// The shared password of every demo account. Demo data is for trying careledger, never for
/// real patients; the server says so when it prints the logins.
pub const DEMO_PASSWORD: &str = "harbor-violet-lantern-42";

/// What `--demo` prints.
#[derive(Debug)]
pub struct DemoLogins {
    /// The password for all demo accounts.
    pub password: &'static str,
    /// `(role, email)` pairs.
    pub accounts: Vec<(&'static str, &'static str)>,
}

/// What loading the demo clinic needs: where it goes and what signs and checks its writes.
#[derive(Clone, Copy)]
pub struct Clinic<'a> {
    /// The database.
    pub db: &'a Db,
    /// The patients' data keys.
    pub vault: &'a crate::vault::Vault,
    /// The clock.
    pub clock: &'a Clock,
    /// The server's signing key (prescriptions are signed).
    pub signer: &'a crate::keys::LedgerKeys,
    /// The drug knowledge base (prescriptions are checked).
    pub drugs: &'a crate::drugs::DrugBase,
}

const PEOPLE: [(&str, &str, Role); 11] = [
    ("admin@demo.careledger.test", "Morgan Reyes", Role::Admin),
    ("dr.okafor@demo.careledger.test", "Amara Okafor", Role::Doctor),
    ("dr.lindqvist@demo.careledger.test", "Erik Lindqvist", Role::Doctor),
    ("maria.santos@demo.careledger.test", "Maria Santos", Role::Patient),
    ("james.whitfield@demo.careledger.test", "James Whitfield", Role::Patient),
    ("priya.raman@demo.careledger.test", "Priya Raman", Role::Patient),
    ("tom.becker@demo.careledger.test", "Tom Becker", Role::Patient),
    ("lena.novak@demo.careledger.test", "Lena Novak", Role::Patient),
    ("pharmacy@demo.careledger.test", "Samir Haddad", Role::Pharmacist),
    ("lab@demo.careledger.test", "Grace Mbeki", Role::Lab),
    ("desk@demo.careledger.test", "Noor Jansen", Role::Receptionist),
];

/// The demo patients' dates of birth and sexes, in `PEOPLE` order.
const DEMOGRAPHICS: [(&str, &str); 5] =
    [("1968-03-14", "female"), ("1955-11-02", "male"), ("1990-07-21", "female"), ("1979-01-30", "male"), ("1984-09-09", "female")];

/// Allergies: (patient, doctor, substance, reaction, severity), by index in `PEOPLE`.
const ALLERGIES: [(usize, usize, &str, &str, &str); 3] = [
    (3, 1, "Penicillin", "Hives and facial swelling", "severe"),
    (5, 2, "NSAIDs", "Wheeze within an hour", "moderate"),
    (6, 1, "Latex", "Contact dermatitis", "mild"),
];

/// Problems: (patient, doctor, description, ICD-10 code, onset).
const PROBLEMS: [(usize, usize, &str, &str, &str); 4] = [
    (3, 1, "Essential hypertension", "I10", "2021-04-12"),
    (4, 1, "Type 2 diabetes mellitus", "E11.9", "2020-09-01"),
    (5, 2, "Asthma", "J45.909", "2012-01-01"),
    (7, 2, "Subclinical hypothyroidism", "E02", "2026-08-01"),
];

/// Prescriptions: (patient, doctor, days ago, drug, mg per intake, times a day, days,
/// instructions, override reason). Maria's ibuprofen meets her lisinopril (an ACE inhibitor and
/// an NSAID): the interaction is acknowledged with a reason.
/// A lab order: (patient, doctor, days ago, code, name, result as (value, unit, range)).
type DemoLabOrder = (usize, usize, i64, &'static str, &'static str, Option<(&'static str, &'static str, &'static str)>);
type DemoPrescription = (usize, usize, i64, &'static str, f64, i64, i64, &'static str, Option<&'static str>);
const PRESCRIPTIONS: [DemoPrescription; 4] = [
    (3, 1, 30, "lisinopril", 10.0, 1, 90, "Every morning", None),
    (3, 1, 2, "ibuprofen", 400.0, 3, 5, "With food", Some("Five days for a sprained ankle; blood pressure and kidney function checked")),
    (4, 1, 20, "metformin", 500.0, 2, 90, "With breakfast and dinner", None),
    (5, 2, 10, "salbutamol", 0.2, 4, 30, "Two puffs when short of breath", None),
];

/// (patient index 3..8, doctor index 1..3, days ago, type, title, notes)
const RECORDS: [(usize, usize, i64, RecordType, &str, &str); 30] = [
    (
        3,
        1,
        210,
        RecordType::Visit,
        "Annual physical examination",
        "BP 128/82, HR 72, BMI 26.1. No acute complaints. Advised 150 min/week moderate exercise. Lipid panel and HbA1c ordered.",
    ),
    (
        3,
        1,
        203,
        RecordType::LabResult,
        "Lipid panel and HbA1c",
        "Total cholesterol 212 mg/dL, LDL 138, HDL 48, triglycerides 130. HbA1c 5.9% (prediabetes range). Discussed diet; recheck in 6 months.",
    ),
    (
        3,
        1,
        120,
        RecordType::Diagnosis,
        "Prediabetes",
        "HbA1c 5.9% on two occasions. Lifestyle modification plan agreed; referral to dietitian. No pharmacotherapy at this stage.",
    ),
    (
        3,
        2,
        60,
        RecordType::Visit,
        "Lower back pain after lifting",
        "Acute mechanical low back pain, 3 days. No red flags (no saddle anaesthesia, no weakness). Advised staying active, ibuprofen 400 mg as needed, review in 2 weeks if not improving.",
    ),
    (
        3,
        1,
        12,
        RecordType::LabResult,
        "Repeat HbA1c",
        "HbA1c 5.6%. Improvement after dietary changes and weight loss of 3 kg. Continue plan; annual recheck.",
    ),
    (
        3,
        1,
        12,
        RecordType::Note,
        "Dietitian feedback received",
        "Patient attended two sessions; food diary shows reduced refined carbohydrates. Motivated to continue.",
    ),
    (
        4,
        2,
        300,
        RecordType::Visit,
        "Shortness of breath on exertion",
        "Progressive dyspnoea over 2 months, 30 pack-year smoking history. Bilateral expiratory wheeze. Spirometry and chest X-ray requested.",
    ),
    (
        4,
        2,
        290,
        RecordType::Imaging,
        "Chest X-ray PA",
        "Hyperinflated lungs with flattened diaphragms. No focal consolidation, no effusion, no mass. Consistent with COPD.",
    ),
    (
        4,
        2,
        288,
        RecordType::Procedure,
        "Spirometry",
        "Post-bronchodilator FEV1/FVC 0.62, FEV1 71% predicted: GOLD stage 2 airflow limitation.",
    ),
    (
        4,
        2,
        280,
        RecordType::Diagnosis,
        "COPD, GOLD 2",
        "Diagnosis confirmed by spirometry. Started LAMA inhaler; inhaler technique checked. Smoking cessation support offered and accepted.",
    ),
    (
        4,
        2,
        150,
        RecordType::Visit,
        "COPD review",
        "Fewer symptoms on LAMA. Smoking reduced to 5/day. Influenza and pneumococcal vaccination given.",
    ),
    (
        4,
        1,
        45,
        RecordType::Visit,
        "Acute exacerbation of COPD",
        "Increased sputum purulence and breathlessness for 4 days. SpO2 93% on air. Prednisolone 30 mg for 5 days and amoxicillin. Safety-netting advice given.",
    ),
    (
        4,
        2,
        20,
        RecordType::Note,
        "Smoking cessation milestone",
        "Patient reports 6 weeks smoke-free using nicotine replacement. Congratulated; continue support.",
    ),
    (
        5,
        1,
        240,
        RecordType::Visit,
        "Antenatal booking visit",
        "G1P0, 9 weeks by dates. Folic acid started. Booking bloods and dating scan arranged. BP 112/70.",
    ),
    (
        5,
        1,
        225,
        RecordType::Imaging,
        "Dating ultrasound",
        "Single live intrauterine pregnancy, CRL consistent with 11+2 weeks. Nuchal translucency 1.4 mm.",
    ),
    (
        5,
        1,
        180,
        RecordType::LabResult,
        "Booking bloods",
        "Hb 12.4 g/dL, blood group O positive, antibody screen negative. Rubella immune. HIV, hepatitis B and syphilis negative.",
    ),
    (
        5,
        1,
        100,
        RecordType::LabResult,
        "Glucose tolerance test",
        "Fasting 4.8 mmol/L, 2-hour 6.9 mmol/L. Within normal limits; no gestational diabetes.",
    ),
    (
        5,
        1,
        30,
        RecordType::Visit,
        "Postnatal check",
        "Six weeks after uncomplicated vaginal delivery. Mood good (EPDS 4). Breastfeeding well. Contraception discussed.",
    ),
    (
        6,
        2,
        330,
        RecordType::Visit,
        "Knee pain after football",
        "Twisting injury to right knee. Effusion, positive McMurray test. Suspected medial meniscal tear; MRI requested.",
    ),
    (
        6,
        2,
        320,
        RecordType::Imaging,
        "MRI right knee",
        "Complex tear of the posterior horn of the medial meniscus. ACL and PCL intact. Small joint effusion.",
    ),
    (
        6,
        2,
        280,
        RecordType::Procedure,
        "Arthroscopic partial meniscectomy",
        "Uncomplicated day-case arthroscopy. Torn segment trimmed. Weight bearing as tolerated; physiotherapy referral.",
    ),
    (
        6,
        2,
        250,
        RecordType::Visit,
        "Post-operative review",
        "Wounds healed. Range of motion 0-120 degrees. Quadriceps strengthening continues with physiotherapy.",
    ),
    (
        6,
        1,
        90,
        RecordType::Diagnosis,
        "Essential hypertension",
        "Home readings average 148/94 over 2 weeks. No end-organ damage on ECG and urinalysis. Started amlodipine 5 mg.",
    ),
    (
        6,
        1,
        40,
        RecordType::Visit,
        "Hypertension follow-up",
        "Home average now 132/84 on amlodipine. Mild ankle swelling, tolerable. Continue; recheck renal function in 3 months.",
    ),
    (
        7,
        1,
        200,
        RecordType::Visit,
        "Recurrent headaches",
        "Episodic bilateral pressing headaches, 3-4 per month, no aura, normal neurological examination. Likely tension-type headache; headache diary started.",
    ),
    (
        7,
        1,
        170,
        RecordType::Note,
        "Headache diary review",
        "Diary shows association with poor sleep and screen time. Sleep hygiene advice; simple analgesia limited to 2 days per week.",
    ),
    (
        7,
        2,
        95,
        RecordType::LabResult,
        "Thyroid function tests",
        "TSH 6.8 mU/L (raised), free T4 11 pmol/L (low-normal). Repeat in 6 weeks with thyroid peroxidase antibodies.",
    ),
    (
        7,
        2,
        50,
        RecordType::Diagnosis,
        "Subclinical hypothyroidism",
        "TSH persistently raised at 7.1 mU/L, TPO antibodies positive. Started levothyroxine 25 micrograms; recheck TSH in 8 weeks.",
    ),
    (
        7,
        2,
        5,
        RecordType::LabResult,
        "TSH on treatment",
        "TSH 3.2 mU/L on levothyroxine 25 micrograms. Fatigue improved. Continue current dose.",
    ),
    (
        7,
        1,
        2,
        RecordType::Visit,
        "Seasonal allergic rhinitis",
        "Sneezing, itchy eyes and nasal congestion each spring. Intranasal corticosteroid and non-sedating antihistamine advised.",
    ),
];

/// Loads the demo clinic unless it is already there; returns the logins either way.
pub async fn load(clinic: Clinic<'_>) -> Result<DemoLogins, Error> {
    let Clinic { db, vault, clock, .. } = clinic;
    let logins = DemoLogins { password: DEMO_PASSWORD, accounts: PEOPLE.iter().map(|p| (p.2.as_str(), p.0)).collect() };
    let mut tx = db.pool.begin().await?;
    // The marker row is the lock: of two copies starting with --demo at once, one inserts it
    // (and loads the clinic in the same transaction); the other finds it and does nothing.
    let claimed = sqlx::query("INSERT INTO app_meta (key, value) VALUES ('demo_loaded', $1) ON CONFLICT (key) DO NOTHING")
        .bind(clock::format(clock.now()))
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if claimed == 0 {
        tracing::info!("demo clinic already loaded");
        return Ok(logins);
    }
    let now = clock.now();
    // One hash for the one shared demo password (as `generate` does), not one per account
    // inside this start-up transaction.
    let hash = password::Hasher::default().hash(Secret::new(DEMO_PASSWORD.to_string())).await?;
    let mut ids: Vec<UserId> = Vec::with_capacity(PEOPLE.len());
    for (i, (email, name, role)) in PEOPLE.iter().enumerate() {
        let email = Email::parse(email).map_err(|m| Error::Internal(anyhow::anyhow!("demo email: {m}")))?;
        if let Some(existing) = accounts_store::find_by_email(db, &email).await? {
            ids.push(existing.id);
            continue;
        }
        let user = User {
            id: UserId::new(),
            email,
            role: *role,
            full_name: (*name).to_string(),
            status: Status::Active,
            created_at: clock::format(now - Duration::days(400) + Duration::minutes(i as i64)),
            mfa_enabled: false,
            locked_until: None,
            erased: false,
            time_zone: None,
            theme: None,
            language: None,
        };
        accounts_store::insert_user(&mut tx, &user, &hash, None).await?;
        if *role == Role::Patient {
            // Demographics for the demo patients: a date of birth and sex each.
            let (birth, sex) = DEMOGRAPHICS[(i - 3) % DEMOGRAPHICS.len()];
            let profile = crate::patients::store::NewProfile {
                patient_id: &user.id.to_string(),
                name_search: &crate::patients::model::fold(&user.full_name),
                date_of_birth: Some(birth),
                sex: Some(sex),
                contact: None,
                registered_by: None,
                created_at: &user.created_at,
            };
            crate::patients::store::ensure(&mut tx, &profile).await?;
        }
        ids.push(user.id);
    }
    for (n, (patient, doctor, days_ago, record_type, title, notes)) in RECORDS.iter().enumerate() {
        let at = now - Duration::days(*days_ago) + Duration::minutes(n as i64);
        let key = vault.key_for(&mut tx, ids[*patient], &clock::format(at)).await?;
        crate::records::service::write_new(
            &mut tx,
            crate::config::ClinicianAccess::CareTeam,
            vault,
            &key,
            &RecordRow {
                id: RecordId::new(),
                patient_id: ids[*patient],
                doctor_id: ids[*doctor],
                title,
                notes,
                record_type: *record_type,
                created_at: &clock::format(at),
            },
        )
        .await?;
    }
    chart(clinic, &mut tx, &ids).await?;
    tx.commit().await?;
    tracing::info!(users = PEOPLE.len(), records = RECORDS.len(), "demo clinic loaded");
    Ok(logins)
}

/// The demo patients' allergies, problems and prescriptions, each checked and written as the
/// services write them (sealed, ledgered; prescriptions signed), in the loader's transaction.
async fn chart(clinic: Clinic<'_>, tx: &mut sqlx::Transaction<'_, sqlx::Any>, ids: &[UserId]) -> Result<(), Error> {
    use crate::chart::model::{AllergyBody, ProblemBody};
    use crate::chart::service::{new_entry, write_in};
    use crate::chart::store::List;
    use crate::ledger::entry::EntryKind;
    use crate::prescriptions::{model, safety, service as rx};
    let now = clinic.clock.now();
    for (n, (patient, doctor, substance, reaction, severity)) in ALLERGIES.iter().enumerate() {
        let at = clock::format(now - Duration::days(300) + Duration::minutes(n as i64));
        let key = clinic.vault.key_for(tx, ids[*patient], &at).await?;
        let body = AllergyBody { substance: (*substance).into(), reaction: Some((*reaction).into()), severity: Some((*severity).into()) };
        let entry = new_entry(List::Allergies, EntryKind::AllergyRecorded, ids[*patient], ids[*doctor], &at, &to_json(&body)?);
        write_in(tx, &key, List::Allergies, entry).await?;
    }
    for (n, (patient, doctor, description, code, onset)) in PROBLEMS.iter().enumerate() {
        let at = clock::format(now - Duration::days(200) + Duration::minutes(n as i64));
        let key = clinic.vault.key_for(tx, ids[*patient], &at).await?;
        let body = ProblemBody {
            description: (*description).into(),
            code: Some((*code).into()),
            onset: Some((*onset).into()),
            status: "active".into(),
        };
        let entry = new_entry(List::Problems, EntryKind::ProblemRecorded, ids[*patient], ids[*doctor], &at, &to_json(&body)?);
        write_in(tx, &key, List::Problems, entry).await?;
    }
    for (n, (patient, doctor, days_ago, drug, dose_mg, per_day, days, instructions, reason)) in PRESCRIPTIONS.iter().enumerate() {
        let at = clock::format(now - Duration::days(*days_ago) + Duration::minutes(n as i64));
        let items = vec![model::Item {
            drug: (*drug).into(),
            generic: clinic.drugs.find(drug).map(|d| d.name.clone()),
            dose_mg: *dose_mg,
            frequency_per_day: *per_day,
            duration_days: *days,
            instructions: Some((*instructions).into()),
        }];
        // What the patient already takes and is allergic to, as the service checks them.
        let active: Vec<String> = PRESCRIPTIONS[..n].iter().filter(|p| p.0 == *patient).map(|p| p.3.to_string()).collect();
        let allergies: Vec<String> = ALLERGIES.iter().filter(|a| a.0 == *patient).map(|a| a.2.to_string()).collect();
        let warnings = safety::check(clinic.drugs, &items, &active, &allergies);
        if safety::blocking(&warnings) != reason.is_some() {
            return Err(Error::Internal(anyhow::anyhow!("demo prescription {n} ({drug}): its warnings and its override do not agree")));
        }
        let body = model::Body { items, warnings, override_reason: reason.map(str::to_string) };
        let key = clinic.vault.key_for(tx, ids[*patient], &at).await?;
        let id = uuid::Uuid::now_v7().to_string();
        let entry = rx::version_entry(&id, &ids[*patient].to_string(), &ids[*doctor].to_string(), 1, &at, rx::plain(&body)?, false);
        rx::issue_in(tx, clinic.signer, &key, &entry).await?;
    }
    // Lab orders: one resulted out of range, two waiting for the lab.
    let orders: [DemoLabOrder; 3] = [
        (4, 1, 12, "4548-4", "Haemoglobin A1c", Some(("7.8", "%", "4.0-5.6"))),
        (7, 2, 3, "3016-3", "Thyroid stimulating hormone (TSH)", None),
        (3, 1, 1, "57698-3", "Lipid panel", None),
    ];
    for (patient, doctor, days_ago, code, name, result) in orders {
        let at = clock::format(now - Duration::days(days_ago));
        let key = clinic.vault.key_for(tx, ids[patient], &at).await?;
        let id = uuid::Uuid::now_v7().to_string();
        let body = crate::lab::model::OrderBody { test_code: code.into(), test_name: name.into(), notes: None };
        crate::lab::service::order_in(tx, &key, &id, ids[patient], ids[doctor], &at, &body).await?;
        if let Some((value, unit, range)) = result {
            let flag = crate::lab::service::flag_for(value, range).map(str::to_string);
            let body = crate::lab::model::ResultBody { value: value.into(), unit: unit.into(), reference_range: Some(range.into()), flag };
            let later = clock::format(now - Duration::days(days_ago) + Duration::hours(20));
            crate::lab::service::result_in(tx, &key, &id, ids[patient], ids[9], &later, &body).await?;
        }
    }
    // Today's appointments (UTC), at every step of the front desk's queue, and one tomorrow.
    let today = now.date_naive();
    let visits: [(usize, usize, i64, u32, u32, &str, &str); 6] = [
        (3, 1, 0, 9, 0, "done", "Blood pressure review"),
        (4, 1, 0, 9, 30, "with_doctor", "Diabetes check"),
        (5, 2, 0, 10, 0, "checked_in", "Asthma review"),
        (6, 1, 0, 14, 0, "booked", "Latex allergy follow-up"),
        (7, 2, 0, 15, 30, "booked", "Thyroid results"),
        (3, 1, 1, 11, 0, "booked", "Ankle check"),
    ];
    for (patient, doctor, days, hh, mm, status, reason) in visits {
        let Some(start) = (today + Duration::days(days)).and_hms_opt(hh, mm, 0).map(|t| t.and_utc()) else { continue };
        let id = uuid::Uuid::now_v7().to_string();
        let key = clinic.vault.key_for(tx, ids[patient], &clock::format(now)).await?;
        let a = crate::appointments::store::StoredAppointment {
            id: id.clone(),
            doctor_id: ids[doctor].to_string(),
            patient_id: ids[patient].to_string(),
            starts_at: clock::format(start),
            ends_at: clock::format(start + Duration::minutes(20)),
            room: Some(format!("Room {}", doctor)),
            reason: Some(key.seal(reason, &crate::appointments::service::reason_place(&id))?),
            status: status.into(),
            booked_by: ids[10].to_string(),
            created_at: clock::format(now),
            ..Default::default()
        };
        crate::appointments::store::insert(tx, &a).await?;
        let at = clock::format(now);
        crate::appointments::service::record_event(tx, &key, crate::ledger::entry::EntryKind::AppointmentBooked, &a, ids[10], &at).await?;
        let slots = crate::appointments::service::slots(start, start + Duration::minutes(20));
        crate::appointments::store::hold(tx, &id, &crate::appointments::service::resources(&a), slots).await?;
    }
    // The pharmacy's shelf: one batch low, one expiring within the month.
    let stock: [(&str, &str, i64, i64, i64); 6] = [
        ("lisinopril", "LS-2291", 280, 400, 50),
        ("ibuprofen", "IB-0412", 12, 200, 20),
        ("metformin", "MF-7730", 540, 500, 100),
        ("salbutamol", "SB-1108", 18, 25, 5),
        ("amoxicillin", "AX-5501", 90, 300, 30),
        ("paracetamol", "PC-9012", 400, 18, 50),
    ];
    for (drug, batch, quantity, days_left, reorder) in stock {
        let at = clock::format(now);
        let b = crate::pharmacy::store::StoredBatch {
            id: uuid::Uuid::now_v7().to_string(),
            drug: drug.into(),
            batch: batch.into(),
            quantity,
            expiry: (now + Duration::days(days_left)).format("%Y-%m-%d").to_string(),
            reorder_level: reorder,
            created_at: at.clone(),
            updated_at: at,
        };
        crate::pharmacy::store::insert(&mut **tx, &b).await?;
    }
    Ok(())
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<String, Error> {
    serde_json::to_string(v).map_err(|e| Error::Internal(e.into()))
}

const FIRST: [&str; 16] =
    ["Aisha", "Ben", "Carmen", "Dmitri", "Elif", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kemi", "Luca", "Mei", "Nils", "Olga", "Pedro"];
const LAST: [&str; 16] = [
    "Adeyemi",
    "Berg",
    "Costa",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Garcia",
    "Haddad",
    "Ivanova",
    "Jensen",
    "Kowalski",
    "Lindqvist",
    "Moreau",
    "Nakamura",
    "Okafor",
    "Petrov",
];

/// What `careledger demo` made.
#[derive(Debug)]
pub struct Generated {
    /// Patients created.
    pub patients: u64,
    /// Records created (each with its ledger entry).
    pub records: u64,
}

/// Adds `patients` generated patients with `per_patient` records each, written by the demo
/// doctors with realistic text, in transactions of a few hundred records (every record with its
/// ledger entry, exactly as the API writes them). Generated patients share the demo password,
/// hashed once: this is demo and benchmark data. `progress(done, total)` follows the records.
pub async fn generate(
    clinic: Clinic<'_>,
    patients: u64,
    per_patient: u64,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<Generated, Error> {
    load(clinic).await?;
    let Clinic { db, vault, clock, .. } = clinic;
    let doctors: Vec<UserId> = {
        let mut ids = Vec::new();
        for (email, _, _) in PEOPLE.iter().filter(|p| p.2 == Role::Doctor) {
            let email = Email::parse(email).map_err(|m| Error::Internal(anyhow::anyhow!("demo email: {m}")))?;
            let user = accounts_store::find_by_email(db, &email).await?.ok_or(Error::NotFound("user_not_found"))?;
            ids.push(user.id);
        }
        if ids.is_empty() {
            return Err(Error::NotFound("user_not_found"));
        }
        ids
    };
    let hash = password::Hasher::default().hash(Secret::new(DEMO_PASSWORD.to_string())).await?;
    let run = &uuid::Uuid::now_v7().simple().to_string()[24..];
    let now = clock.now();
    let total = patients * per_patient;
    let mut done = 0u64;
    let batch = 250u64;
    let mut tx = db.pool.begin().await?;
    let mut in_tx = 0u64;
    for p in 0..patients {
        let first = FIRST[(p as usize) % FIRST.len()];
        let last = LAST[(p as usize / FIRST.len()) % LAST.len()];
        let email = Email::parse(&format!("{}.{}.{p}.{run}@generated.careledger.test", first.to_lowercase(), last.to_lowercase()))
            .map_err(|m| Error::Internal(anyhow::anyhow!("generated email: {m}")))?;
        let user = User {
            id: UserId::new(),
            email,
            role: Role::Patient,
            full_name: format!("{first} {last}"),
            status: Status::Active,
            created_at: clock::format(now - Duration::days(800)),
            mfa_enabled: false,
            locked_until: None,
            erased: false,
            time_zone: None,
            theme: None,
            language: None,
        };
        accounts_store::insert_user(&mut tx, &user, &hash, None).await?;
        let profile = crate::patients::store::NewProfile {
            patient_id: &user.id.to_string(),
            name_search: &crate::patients::model::fold(&user.full_name),
            date_of_birth: None,
            sex: None,
            contact: None,
            registered_by: None,
            created_at: &user.created_at,
        };
        crate::patients::store::ensure(&mut tx, &profile).await?;
        // One data key per patient, made with the account.
        let key = vault.key_for(&mut tx, user.id, &user.created_at).await?;
        for r in 0..per_patient {
            let (_, _, _, record_type, title, notes) = RECORDS[((p + r) as usize) % RECORDS.len()];
            let doctor = doctors[((p + r) as usize) % doctors.len()];
            // Spread over two years, oldest first.
            let at = now - Duration::minutes(((per_patient - r) as i64) * 60 * 24 * 730 / (per_patient as i64 + 1));
            crate::records::service::write_new(
                &mut tx,
                crate::config::ClinicianAccess::CareTeam,
                vault,
                &key,
                &RecordRow {
                    id: RecordId::new(),
                    patient_id: user.id,
                    doctor_id: doctor,
                    title,
                    notes,
                    record_type,
                    created_at: &clock::format(at),
                },
            )
            .await?;
            done += 1;
            in_tx += 1;
            if in_tx >= batch {
                tx.commit().await?;
                tx = db.pool.begin().await?;
                in_tx = 0;
                progress(done, total);
            }
        }
    }
    tx.commit().await?;
    progress(done, total);
    Ok(Generated { patients, records: done })
}
