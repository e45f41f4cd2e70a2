//! careledger's load benchmark: `setup` signs in the people a run needs (once per server), `run`
//! drives one goose scenario at a running server and writes its figures as JSON. `bench/run`
//! starts the servers, loads the data and calls both; see BENCHMARKS.md.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::OnceLock;

use anyhow::{Context, anyhow, bail};
use clap::{Parser, Subcommand, ValueEnum};
use goose::config::GooseConfiguration;
use goose::prelude::*;
use serde_json::{Value, json};

const DEMO_PASSWORD: &str = "harbor-violet-lantern-42";
const ADMIN: &str = "admin@demo.careledger.test";
const DOCTOR: &str = "dr.okafor@demo.careledger.test";

#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Sign in the patients, a doctor and a page session; write them to a fixture file.
    Setup {
        #[arg(long)]
        host: String,
        #[arg(long)]
        out: PathBuf,
    },
    /// Run one scenario for a fixed time and write its figures.
    Run {
        #[arg(long)]
        host: String,
        #[arg(long)]
        fixture: PathBuf,
        #[arg(long, value_enum)]
        scenario: Which,
        #[arg(long, default_value_t = 1000)]
        users: usize,
        /// Seconds of measured load (after all users have started).
        #[arg(long, default_value_t = 30)]
        run_time: usize,
        #[arg(long)]
        out: PathBuf,
    },
}

/// The five scenarios of issue 5.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum Which {
    /// (a) `GET /api/v1/records/{id}` and the patient's history list, alternating.
    Reads,
    /// (b) 90% of (a)'s reads, 10% record creates by a doctor.
    Mixed,
    /// (c) `POST /api/v1/auth/login`: bounded by Argon2id.
    Logins,
    /// (d) the first history page of a patient with 1,000 records, API and page, alternating.
    BigHistory,
    /// (e) `GET /healthz`: the floor.
    Healthz,
}

/// Who the scenarios act as; written by `setup`, read by `run`.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
struct Fixture {
    patients: Vec<Patient>,
    doctor_token: String,
    big: Patient,
    /// `name=value` of the big patient's page session cookie.
    big_cookie: String,
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
struct Patient {
    id: String,
    email: String,
    token: String,
    records: Vec<String>,
}

// Goose transactions are plain `fn`s, so the fixture they share is set once before the attack.
static FIXTURE: OnceLock<Fixture> = OnceLock::new();

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Setup { host, out } => {
            let fixture = setup(host.trim_end_matches('/')).await?;
            std::fs::write(&out, serde_json::to_vec_pretty(&fixture)?)?;
            eprintln!(
                "fixture: {} patients, big history patient with {} first-page records",
                fixture.patients.len(),
                fixture.big.records.len()
            );
            Ok(())
        }
        Command::Run { host, fixture, scenario, users, run_time, out } => {
            let fixture: Fixture = serde_json::from_slice(&std::fs::read(&fixture).context("fixture")?)?;
            FIXTURE.set(fixture).map_err(|_| anyhow!("fixture set twice"))?;
            let summary = attack(&host, scenario, users, run_time).await?;
            std::fs::write(&out, serde_json::to_vec_pretty(&summary)?)?;
            println!("{}", serde_json::to_string(&summary)?);
            Ok(())
        }
    }
}

// ---------------------------------------------------------------- setup

/// The JSON body of a 2xx answer, or an error carrying the status and body.
async fn call(req: reqwest::RequestBuilder) -> anyhow::Result<Value> {
    let resp = req.send().await?;
    let status = resp.status();
    let body: Value = resp.json().await.unwrap_or(Value::Null);
    if !status.is_success() {
        bail!("{status}: {body}");
    }
    Ok(body)
}

/// A staff member signs in and enrols in TOTP (doctors and admins must), returning the token.
async fn staff_token(c: &reqwest::Client, host: &str, email: &str) -> anyhow::Result<String> {
    let login = call(c.post(format!("{host}/api/v1/auth/login")).json(&json!({"email": email, "password": DEMO_PASSWORD}))).await?;
    let token = login["access_token"].as_str().context("no token")?.to_string();
    let begin = call(c.post(format!("{host}/api/v1/me/mfa/totp")).bearer_auth(&token).json(&json!({}))).await?;
    let secret = begin["secret"].as_str().context("no secret")?;
    let secret = totp_rs::Secret::try_from_base32(secret).map_err(|e| anyhow!("secret: {e:?}"))?;
    let totp = totp_rs::Builder::new()
        .with_algorithm(totp_rs::Algorithm::SHA1)
        .with_digits(6)
        .with_step_duration(30)
        .with_secret(secret)
        .build()
        .map_err(|e| anyhow!("totp: {e}"))?;
    let code = totp.generate_current().to_string();
    call(c.post(format!("{host}/api/v1/me/mfa/totp/confirm")).bearer_auth(&token).json(&json!({"code": code}))).await?;
    Ok(token)
}

async fn patient(c: &reqwest::Client, host: &str, id: &str, email: &str) -> anyhow::Result<(Patient, bool)> {
    let login = call(c.post(format!("{host}/api/v1/auth/login")).json(&json!({"email": email, "password": DEMO_PASSWORD}))).await?;
    let token = login["access_token"].as_str().context("no token")?.to_string();
    let page = call(c.get(format!("{host}/api/v1/patients/{id}/history")).bearer_auth(&token)).await?;
    let records = page["items"].as_array().context("no items")?.iter().filter_map(|r| r["id"].as_str().map(str::to_string)).collect();
    let more = !page["next_cursor"].is_null();
    Ok((Patient { id: id.to_string(), email: email.to_string(), token, records }, more))
}

async fn setup(host: &str) -> anyhow::Result<Fixture> {
    let c = reqwest::Client::new();
    let admin = staff_token(&c, host, ADMIN).await?;
    let doctor_token = staff_token(&c, host, DOCTOR).await?;
    // Every generated patient, through the admin API's cursor.
    let mut people = Vec::new();
    let mut cursor = String::new();
    loop {
        let url = format!("{host}/api/v1/admin/users?role=patient&q=generated.careledger.test&limit=100&cursor={cursor}");
        let page = call(c.get(url).bearer_auth(&admin)).await?;
        for u in page["items"].as_array().context("no items")? {
            people.push((u["id"].as_str().unwrap_or_default().to_string(), u["email"].as_str().unwrap_or_default().to_string()));
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = next.to_string(),
            None => break,
        }
    }
    let mut patients = Vec::new();
    let mut big = None;
    for (id, email) in &people {
        let (p, more) = patient(&c, host, id, email).await?;
        if more && big.is_none() {
            big = Some(p);
        } else if !p.records.is_empty() && patients.len() < 100 {
            patients.push(p);
        }
    }
    let big = big.context("no patient with a long history: run `careledger demo --patients 1 --records-per-patient 1000` first")?;
    if patients.is_empty() {
        bail!("no generated patients with records");
    }
    // A page session for the big patient: the login form's CSRF cookie and field, then the form.
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let pc = reqwest::Client::builder().cookie_provider(jar.clone()).redirect(reqwest::redirect::Policy::none()).build()?;
    let form = pc.get(format!("{host}/login")).send().await?.text().await?;
    let csrf = form.split("name=\"csrf_token\" value=\"").nth(1).and_then(|s| s.split('"').next()).context("no csrf field on /login")?;
    let resp = pc
        .post(format!("{host}/login"))
        .form(&[("csrf_token", csrf), ("email", &big.email), ("password", DEMO_PASSWORD), ("totp_code", "")])
        .send()
        .await?;
    let big_cookie = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("careledger_session="))
        .and_then(|v| v.split(';').next())
        .context("page login gave no session cookie")?
        .to_string();
    Ok(Fixture { patients, doctor_token, big, big_cookie })
}

// ---------------------------------------------------------------- scenarios

/// The fixture `main` set before the attack; goose transactions can only fail with its own
/// error type, so the (impossible) unset case borrows its nearest variant.
fn fixture() -> Result<&'static Fixture, Box<TransactionError>> {
    FIXTURE.get().ok_or_else(|| Box::new(TransactionError::InvalidMethod { method: reqwest::Method::OPTIONS }))
}

/// Which patient and record a user reads next.
struct Pick {
    n: usize,
}

fn pick(user: &mut GooseUser) -> Result<(&'static Patient, &'static str), Box<TransactionError>> {
    let f = fixture()?;
    let me = user.weighted_users_index;
    let n = match user.get_session_data_mut::<Pick>() {
        Some(p) => {
            p.n += 1;
            p.n
        }
        None => {
            user.set_session_data(Pick { n: 0 });
            0
        }
    };
    let p = &f.patients[me % f.patients.len()];
    Ok((p, p.records[n % p.records.len()].as_str()))
}

async fn get_with(user: &mut GooseUser, name: &str, path: &str, header: (&str, &str)) -> TransactionResult {
    let rb = user.get_request_builder(&GooseMethod::Get, path)?.header(header.0, header.1);
    let req = GooseRequest::builder().set_request_builder(rb).name(name).build();
    let mut goose = user.request(req).await?;
    if let Ok(r) = goose.response.as_ref()
        && !r.status().is_success()
    {
        return user.set_failure(name, &mut goose.request, None, None);
    }
    Ok(())
}

async fn read_record(user: &mut GooseUser) -> TransactionResult {
    let (p, record) = pick(user)?;
    get_with(user, "/api/v1/records/{id}", &format!("/api/v1/records/{record}"), ("authorization", &format!("Bearer {}", p.token))).await
}

async fn read_history(user: &mut GooseUser) -> TransactionResult {
    let (p, _) = pick(user)?;
    get_with(
        user,
        "/api/v1/patients/{id}/history",
        &format!("/api/v1/patients/{}/history", p.id),
        ("authorization", &format!("Bearer {}", p.token)),
    )
    .await
}

async fn create_record(user: &mut GooseUser) -> TransactionResult {
    let f = fixture()?;
    let (p, _) = pick(user)?;
    let body = json!({
        "patient_id": p.id,
        "record_type": "visit",
        "title": "Blood pressure review",
        "notes": "Home readings average 134/86 over two weeks. Continue amlodipine 5 mg; recheck in 3 months.",
    });
    let rb = user.get_request_builder(&GooseMethod::Post, "/api/v1/records")?.bearer_auth(&f.doctor_token).json(&body);
    let req = GooseRequest::builder().set_request_builder(rb).name("/api/v1/records").expect_status_code(201).build();
    user.request(req).await?;
    Ok(())
}

async fn login(user: &mut GooseUser) -> TransactionResult {
    let f = fixture()?;
    let p = &f.patients[user.weighted_users_index % f.patients.len()];
    let rb =
        user.get_request_builder(&GooseMethod::Post, "/api/v1/auth/login")?.json(&json!({"email": p.email, "password": DEMO_PASSWORD}));
    let req = GooseRequest::builder().set_request_builder(rb).name("/api/v1/auth/login").build();
    user.request(req).await?;
    Ok(())
}

async fn big_api(user: &mut GooseUser) -> TransactionResult {
    let f = fixture()?;
    get_with(
        user,
        "/api/v1/patients/{id}/history (1,000 records)",
        &format!("/api/v1/patients/{}/history", f.big.id),
        ("authorization", &format!("Bearer {}", f.big.token)),
    )
    .await
}

async fn big_page(user: &mut GooseUser) -> TransactionResult {
    let f = fixture()?;
    get_with(user, "/history page (1,000 records)", "/history", ("cookie", &f.big_cookie)).await
}

async fn healthz(user: &mut GooseUser) -> TransactionResult {
    get_with(user, "/healthz", "/healthz", ("accept", "application/json")).await
}

fn scenario(which: Which) -> Result<goose::goose::Scenario, GooseError> {
    Ok(match which {
        Which::Reads => scenario!("reads").register_transaction(transaction!(read_record)).register_transaction(transaction!(read_history)),
        Which::Mixed => scenario!("mixed")
            .register_transaction(transaction!(read_record).set_weight(5)?)
            .register_transaction(transaction!(read_history).set_weight(4)?)
            .register_transaction(transaction!(create_record).set_weight(1)?),
        Which::Logins => scenario!("logins").register_transaction(transaction!(login)),
        Which::BigHistory => {
            scenario!("big_history").register_transaction(transaction!(big_api)).register_transaction(transaction!(big_page))
        }
        Which::Healthz => scenario!("healthz").register_transaction(transaction!(healthz)),
    })
}

// ---------------------------------------------------------------- figures

/// Requests per second, percentiles and errors of one run, over all its requests and per name.
async fn attack(host: &str, which: Which, users: usize, run_time: usize) -> anyhow::Result<Value> {
    let mut config = GooseConfiguration::default();
    config.quiet = 1;
    let metrics = GooseAttack::initialize_with_config(config)?
        .register_scenario(scenario(which)?)
        .set_default(GooseDefault::Host, host)?
        .set_default(GooseDefault::Users, users)?
        .set_default(GooseDefault::HatchRate, "500")?
        .set_default(GooseDefault::RunTime, run_time)?
        .set_default(GooseDefault::NoPrintMetrics, true)?
        .execute()
        .await?;
    let seconds = metrics.duration.max(1) as f64;
    let mut all: BTreeMap<usize, usize> = BTreeMap::new();
    let (mut ok, mut failed) = (0usize, 0usize);
    let mut per_name = serde_json::Map::new();
    for (name, agg) in &metrics.requests {
        for (ms, n) in &agg.raw_data.times {
            *all.entry(*ms).or_default() += n;
        }
        ok += agg.success_count;
        failed += agg.fail_count;
        per_name.insert(
            name.clone(),
            json!({
                "requests": agg.raw_data.counter,
                "rps": agg.raw_data.counter as f64 / seconds,
                "p50_ms": percentile(&agg.raw_data.times, 0.50),
                "p95_ms": percentile(&agg.raw_data.times, 0.95),
                "p99_ms": percentile(&agg.raw_data.times, 0.99),
                "errors": agg.fail_count,
                "status": agg.status_code_counts,
            }),
        );
    }
    Ok(json!({
        "scenario": format!("{which:?}"),
        "users": users,
        "seconds": seconds,
        "requests": ok + failed,
        "rps": (ok + failed) as f64 / seconds,
        "p50_ms": percentile(&all, 0.50),
        "p95_ms": percentile(&all, 0.95),
        "p99_ms": percentile(&all, 0.99),
        "max_ms": all.keys().next_back().copied().unwrap_or(0),
        "errors": failed,
        "by_request": per_name,
    }))
}

/// The smallest recorded time (goose keeps milliseconds) with at least `q` of requests at or under it.
fn percentile(times: &BTreeMap<usize, usize>, q: f64) -> usize {
    let total: usize = times.values().sum();
    let want = (total as f64 * q).ceil() as usize;
    let mut seen = 0;
    for (ms, n) in times {
        seen += n;
        if seen >= want.max(1) {
            return *ms;
        }
    }
    0
}
