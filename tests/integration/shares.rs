//! Share links (issue 11, item 5): a patient makes a link to chosen records or to their whole
//! history; anyone holding it reads them without signing in until it expires or is revoked;
//! the token is stored only hashed; every view is audited. Every refusal is checked from the
//! side of the person refused.

use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::{Backend, Reply, TestApp, csrf_from, sign_in};
use crate::{app, dual};

/// The token in a link's URL.
fn token_of(url: &str) -> String {
    url.rsplit_once("/share/").map(|(_, t)| t.to_string()).expect("a share URL")
}

/// Opens a link as a stranger: no cookies, no token.
async fn open(app: &TestApp, token: &str) -> Reply {
    app.get(&format!("/share/{token}"), None).await
}

fn assert_private(r: &Reply) {
    let h = |name: &str| r.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    assert_eq!(h("cache-control"), "no-store", "{:?}", r.headers);
    assert_eq!(h("referrer-policy"), "no-referrer", "{:?}", r.headers);
    assert!(h("x-robots-tag").contains("noindex"), "{:?}", r.headers);
}

/// The audit rows of `action`, newest first, as an admin searches them.
async fn audit_rows(app: &TestApp, admin: &str, query: &str) -> Vec<Value> {
    let r = app.get(&format!("/api/v1/audit?{query}"), Some(admin)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["items"].as_array().unwrap().clone()
}

/// Every file under `dir`, recursively.
fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

async fn a_link_shows_the_chosen_records_to_anyone_holding_it_and_every_view_is_audited(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let doctor = app.doctor("doc@example.org", &admin).await;
    let patient = app.patient("pat@example.org").await;
    let shared = app.record(&doctor, &patient.id, "Allergy: penicillin", "diagnosis").await["id"].as_str().unwrap().to_string();
    let kept = app.record(&doctor, &patient.id, "Psychiatric assessment", "note").await["id"].as_str().unwrap().to_string();
    let part = reqwest::multipart::Part::bytes(b"rash photo notes".to_vec()).file_name("rash.txt");
    let up = app
        .http
        .post(app.url(&format!("/api/v1/records/{shared}/files")))
        .bearer_auth(&doctor.access)
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    assert_eq!(up.status(), 201);

    // Made: a repeated id counts once; the default expiry is a day.
    let before = app.clock.now();
    let r = app.post("/api/v1/shares", Some(&patient.access), &json!({"record_ids": [shared, shared.to_uppercase()]})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["scope"], "records");
    assert_eq!(r.body["record_ids"], json!([shared]));
    let url = r.body["url"].as_str().unwrap().to_string();
    assert!(url.starts_with(&format!("{}/share/", app.base)), "absolute, on this server: {url}");
    let token = token_of(&url);
    assert_eq!(token.len(), 43, "32 random bytes, base64url: {token}");
    assert!(token.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'), "{token}");
    assert!(r.body["qr_svg"].as_str().unwrap().contains("<svg"));
    let expires = careledger::clock::parse(r.body["expires_at"].as_str().unwrap()).unwrap();
    assert!((expires - before - chrono::Duration::minutes(1440)).num_seconds().abs() < 5, "a day: {expires}");
    let share_id = r.body["id"].as_str().unwrap().to_string();

    // A stranger opens it: the chosen record, read-only, and nothing else.
    let page = open(&app, &token).await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert_private(&page);
    assert!(page.text.contains("Records of Pat Ient"), "{}", page.text);
    assert!(page.text.contains("Allergy: penicillin") && page.text.contains("Notes for Allergy: penicillin"), "{}", page.text);
    assert!(page.text.contains("Dana Doctor") && page.text.contains("rash.txt"), "{}", page.text);
    assert!(!page.text.contains("Psychiatric assessment") && !page.text.contains(&kept), "a record not chosen is absent");
    assert!(!page.text.contains("<form"), "read-only: no forms");
    assert_eq!(open(&app, &token).await.status, 200);

    // The token is nowhere in the database: only its SHA-256.
    let hash = hex::encode(Sha256::digest(token.as_bytes()));
    let stored: String = sqlx::query_scalar("SELECT token_sha256 FROM share_links WHERE id = $1")
        .bind(&share_id)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(stored, hash);
    let clear: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM share_links WHERE token_sha256 = $1 OR id = $1 OR patient_id = $1 OR scope = $1 OR expires_at = $1",
    )
    .bind(&token)
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    assert_eq!(clear, 0);
    app.state.audit.flush().await.unwrap();
    let in_trail: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE resource_id LIKE '%' || $1 || '%' OR detail LIKE '%' || $1 || '%' \
         OR user_agent LIKE '%' || $1 || '%'",
    )
    .bind(&token)
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    assert_eq!(in_trail, 0, "the token is not in the audit trail");
    // Nor in any file careledger writes (the SQLite database and its WAL, the audit journal).
    let files = files_under(&app.data_dir.0);
    assert!(!files.is_empty());
    if backend == Backend::Sqlite {
        assert!(files.iter().any(|f| f.ends_with("careledger.db")), "{files:?}");
    }
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        assert!(!bytes.windows(token.len()).any(|w| w == token.as_bytes()), "the token is written in {}", f.display());
    }
    // The hash is what the database holds, so the check above can find what it looks for.
    if backend == Backend::Sqlite {
        let db = std::fs::read(files.iter().find(|f| f.ends_with("careledger.db")).unwrap()).unwrap();
        let wal = std::fs::read(app.data_dir.0.join("careledger.db-wal")).unwrap_or_default();
        let found = |b: &[u8]| b.windows(hash.len()).any(|w| w == hash.as_bytes());
        assert!(found(&db) || found(&wal), "the hash is in the database file");
    }

    // Each view is an audit row under the patient, with no actor.
    let rows = audit_rows(&app, &admin.access, &format!("action=share.view&patient_id={}", patient.id)).await;
    assert_eq!(rows.len(), 2, "{rows:?}");
    for row in &rows {
        assert_eq!(row["outcome"], "success", "{row}");
        assert_eq!(row["resource_type"], "share");
        assert_eq!(row["resource_id"], share_id.as_str());
        assert!(row["actor_id"].is_null() && row["actor_role"].is_null(), "{row}");
    }
    let made = audit_rows(&app, &admin.access, &format!("action=share.create&patient_id={}", patient.id)).await;
    assert_eq!(made.len(), 1, "{made:?}");
    assert_eq!(made[0]["resource_id"], share_id.as_str());
    assert_eq!(made[0]["actor_id"], patient.id.as_str());
    // The patient sees the views in their access log, in words.
    let log = app.get("/api/v1/me/access-log", Some(&patient.access)).await;
    let views: Vec<&Value> = log.body["items"].as_array().unwrap().iter().filter(|i| i["action"] == "share.view").collect();
    assert_eq!(views.len(), 2, "{}", log.text);
    assert_eq!(views[0]["who"], "Someone with your share link");
    let b = sign_in(&app, "pat@example.org").await;
    let html = b.get(app.url("/me/access-log")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Someone with your share link") && html.contains("Opened a link you shared"), "{html}");

    // The patient's list: the link with its views, never its token.
    let list = app.get("/api/v1/shares", Some(&patient.access)).await;
    assert_eq!(list.status, 200, "{}", list.text);
    let items = list.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], share_id.as_str());
    assert_eq!(items[0]["status"], "active");
    assert_eq!(items[0]["views"], 2);
    assert_eq!(items[0]["record_ids"], json!([shared]));
    assert!(!list.text.contains(&token) && items[0].get("url").is_none());
}
dual!(a_link_shows_the_chosen_records_to_anyone_holding_it_and_every_view_is_audited);

async fn only_patients_make_links_and_only_to_their_own_records(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let doctor = app.doctor("doc@example.org", &admin).await;
    let pharmacist = app.staff("ph@example.org", "pharmacist", "Phil Pharm", &admin).await;
    let patient = app.patient("pat@example.org").await;
    let other = app.patient("other@example.org").await;
    let mine = app.record(&doctor, &patient.id, "Mine", "visit").await["id"].as_str().unwrap().to_string();
    let theirs = app.record(&doctor, &other.id, "Theirs", "visit").await["id"].as_str().unwrap().to_string();

    // Other roles are refused by the route table, and nobody signed out gets in.
    for who in [&doctor, &admin, &pharmacist] {
        app.post("/api/v1/shares", Some(&who.access), &json!({"all": true})).await.assert_problem(403, "forbidden");
        app.get("/api/v1/shares", Some(&who.access)).await.assert_problem(403, "forbidden");
        app.delete(&format!("/api/v1/shares/{}", uuid::Uuid::now_v7()), Some(&who.access)).await.assert_problem(403, "forbidden");
    }
    app.post("/api/v1/shares", None, &json!({"all": true})).await.assert_problem(401, "unauthenticated");

    // Another patient's record and a record that does not exist get the same answer.
    let refused = |r: &Reply| {
        r.assert_problem(422, "validation_failed");
        assert_eq!(r.error_fields(), vec!["record_ids".to_string()], "{}", r.text);
        r.body["errors"].clone()
    };
    let foreign = refused(&app.post("/api/v1/shares", Some(&patient.access), &json!({"record_ids": [mine, theirs]})).await);
    let unknown = refused(&app.post("/api/v1/shares", Some(&patient.access), &json!({"record_ids": [mine, uuid::Uuid::now_v7()]})).await);
    assert_eq!(foreign, unknown, "nothing tells another patient's record from none");
    assert!(foreign.to_string().contains("record_ids[1]") && !foreign.to_string().contains("Theirs"), "{foreign}");
    refused(&app.post("/api/v1/shares", Some(&patient.access), &json!({"record_ids": ["not-an-id"]})).await);
    // The other patient's own link to it works, so the refusal above was about whose it is.
    assert_eq!(app.post("/api/v1/shares", Some(&other.access), &json!({"record_ids": [theirs]})).await.status, 201);

    // Exactly one of record_ids and all; a list with something in it; an expiry in range.
    for body in [
        json!({}),
        json!({"record_ids": []}),
        json!({"all": false}),
        json!({"all": true, "record_ids": [mine]}),
        json!({"all": true, "record_ids": []}),
    ] {
        refused(&app.post("/api/v1/shares", Some(&patient.access), &body).await);
    }
    for minutes in [0, -5, 10081, i64::MAX] {
        let r = app.post("/api/v1/shares", Some(&patient.access), &json!({"all": true, "expires_in_minutes": minutes})).await;
        r.assert_problem(422, "validation_failed");
        assert_eq!(r.error_fields(), vec!["expires_in_minutes".to_string()], "{minutes}: {}", r.text);
    }
    let r = app.post("/api/v1/shares", Some(&patient.access), &json!({"all": "yes"})).await;
    r.assert_problem(422, "validation_failed");
    // Nothing was made by any refusal.
    let list = app.get("/api/v1/shares", Some(&patient.access)).await;
    assert_eq!(list.body["items"], json!([]), "{}", list.text);
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM share_links WHERE patient_id = $1")
        .bind(&patient.id)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(count, 0);

    // Seven days is the longest, and allowed.
    let r = app.post("/api/v1/shares", Some(&patient.access), &json!({"record_ids": [mine], "expires_in_minutes": 10080})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.body["id"].as_str().unwrap().to_string();

    // Another patient cannot see, revoke or learn of this link.
    let theirs_list = app.get("/api/v1/shares", Some(&other.access)).await;
    assert!(!theirs_list.text.contains(&id), "{}", theirs_list.text);
    app.delete(&format!("/api/v1/shares/{id}"), Some(&other.access)).await.assert_problem(404, "share_not_found");
    let nobody = format!("/api/v1/shares/{}", uuid::Uuid::now_v7());
    app.delete(&nobody, Some(&patient.access)).await.assert_problem(404, "share_not_found");
    app.delete("/api/v1/shares/garbage", Some(&patient.access)).await.assert_problem(404, "share_not_found");
    let list = app.get("/api/v1/shares", Some(&patient.access)).await;
    assert_eq!(list.body["items"][0]["status"], "active", "the other patient's attempt changed nothing");
    // The attempt is in the trail under the link's patient, refused.
    let rows = audit_rows(&app, &admin.access, &format!("action=share.revoke&resource_id={id}")).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["patient_id"], patient.id.as_str());
    assert_eq!(rows[0]["actor_id"], other.id.as_str());
    assert_eq!(rows[0]["outcome"], "not_found");
}
dual!(only_patients_make_links_and_only_to_their_own_records);

async fn expired_revoked_and_unknown_links_all_answer_the_same_404(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let doctor = app.doctor("doc@example.org", &admin).await;
    let patient = app.patient("pat@example.org").await;
    let record = app.record(&doctor, &patient.id, "Fracture, left wrist", "imaging").await["id"].as_str().unwrap().to_string();
    let make = |minutes: i64| {
        let body = json!({"record_ids": [record], "expires_in_minutes": minutes});
        let access = patient.access.clone();
        let app = &app;
        async move {
            let r = app.post("/api/v1/shares", Some(&access), &body).await;
            assert_eq!(r.status, 201, "{}", r.text);
            (r.body["id"].as_str().unwrap().to_string(), token_of(r.body["url"].as_str().unwrap()))
        }
    };
    let (short_id, short) = make(60).await;
    let (revoked_id, revoked) = make(1440).await;
    let (_, lasting) = make(10080).await;
    for t in [&short, &revoked, &lasting] {
        assert_eq!(open(&app, t).await.status, 200);
    }

    // Revoked: at once; revoking again changes nothing and still succeeds.
    for _ in 0..2 {
        let r = app.delete(&format!("/api/v1/shares/{revoked_id}"), Some(&patient.access)).await;
        assert_eq!(r.status, 204, "{}", r.text);
    }
    let gone_revoked = open(&app, &revoked).await;
    assert_eq!(gone_revoked.status, 404);

    // Expired: an hour and a minute later, with no one doing anything.
    app.clock.advance(chrono::Duration::minutes(61));
    let gone_expired = open(&app, &short).await;
    assert_eq!(gone_expired.status, 404);
    assert_eq!(open(&app, &lasting).await.status, 200, "a link with time left still works");

    // Unknown: a random token, and the real one with a character changed.
    use base64::Engine;
    let random = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(uuid::Uuid::now_v7().as_bytes()));
    assert_eq!(random.len(), lasting.len());
    let gone_random = open(&app, &random).await;
    let mut near = lasting.clone().into_bytes();
    near[0] = if near[0] == b'A' { b'B' } else { b'A' };
    let gone_near = open(&app, &String::from_utf8(near).unwrap()).await;
    // The same page for all of them: a guesser learns nothing.
    for gone in [&gone_revoked, &gone_expired, &gone_random, &gone_near] {
        assert_eq!(gone.status, 404);
        assert_private(gone);
        assert_eq!(gone.text, gone_revoked.text);
        assert!(!gone.text.contains("Fracture") && !gone.text.contains("Pat Ient"), "{}", gone.text);
    }
    assert!(gone_revoked.text.contains("does not open anything"), "{}", gone_revoked.text);

    // The patient's list says which is which.
    let patient = app.login("pat@example.org").await;
    let admin = app.login("admin@clinic.test").await;
    let list = app.get("/api/v1/shares", Some(&patient.access)).await;
    let status_of = |id: &str| list.body["items"].as_array().unwrap().iter().find(|i| i["id"] == id).unwrap().clone();
    assert_eq!(status_of(&short_id)["status"], "expired");
    assert_eq!(status_of(&short_id)["views"], 1, "refused views are not counted");
    assert_eq!(status_of(&revoked_id)["status"], "revoked");
    assert!(status_of(&revoked_id)["revoked_at"].is_string());

    // The trail says which, too: refused views under the patient, an unknown token under no one.
    let rows = audit_rows(&app, &admin.access, "action=share.view").await;
    let refused: Vec<&Value> = rows.iter().filter(|r| r["outcome"] != "success").collect();
    assert_eq!(refused.len(), 4, "{rows:?}");
    let detail_of = |id: &str| refused.iter().find(|r| r["resource_id"] == id).map(|r| r["detail"].clone());
    assert_eq!(detail_of(&revoked_id), Some(json!("link revoked")));
    assert_eq!(detail_of(&short_id), Some(json!("link expired")));
    for r in refused.iter().filter(|r| r["resource_id"] == revoked_id.as_str() || r["resource_id"] == short_id.as_str()) {
        assert_eq!(r["outcome"], "denied");
        assert_eq!(r["patient_id"], patient.id.as_str());
    }
    let unknown: Vec<&&Value> = refused.iter().filter(|r| r["resource_id"].is_null()).collect();
    assert_eq!(unknown.len(), 2, "{refused:?}");
    for r in unknown {
        assert_eq!(r["outcome"], "not_found");
        assert!(r["patient_id"].is_null());
        assert_eq!(r["detail"], "no link has this token");
    }
    // The patient sees the refused attempts on their links in their access log.
    let log = app.get("/api/v1/me/access-log", Some(&patient.access)).await;
    let attempts = log.body["items"].as_array().unwrap().iter().filter(|i| i["action"] == "share.view" && i["outcome"] == "denied").count();
    assert_eq!(attempts, 2, "{}", log.text);
}
dual!(expired_revoked_and_unknown_links_all_answer_the_same_404);

async fn a_whole_history_link_shows_what_is_written_later_and_nothing_once_the_patient_is_inactive(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let doctor = app.doctor("doc@example.org", &admin).await;
    let patient = app.patient("pat@example.org").await;
    let other = app.patient("other@example.org").await;
    app.record(&doctor, &patient.id, "Blood pressure review", "visit").await;
    app.record(&doctor, &other.id, "Someone else's visit", "visit").await;
    let r = app.post("/api/v1/shares", Some(&patient.access), &json!({"all": true, "expires_in_minutes": 120})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["scope"], "all");
    assert_eq!(r.body["record_ids"], json!([]));
    let token = token_of(r.body["url"].as_str().unwrap());
    let page = open(&app, &token).await;
    assert!(page.text.contains("Blood pressure review") && !page.text.contains("Someone else"), "{}", page.text);
    assert!(!page.text.contains("Follow-up: stable"));

    // A record written after the link was made shows too, as does an amendment.
    let later = app.record(&doctor, &patient.id, "Follow-up: stable", "visit").await["id"].as_str().unwrap().to_string();
    let r = app
        .post(
            &format!("/api/v1/records/{later}/amendments"),
            Some(&doctor.access),
            &json!({"notes": "Amended: blood pressure 128/82", "reason": "typo in the reading"}),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.text);
    let page = open(&app, &token).await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("Follow-up: stable") && page.text.contains("Blood pressure review"), "{}", page.text);
    assert!(page.text.contains("Amended: blood pressure 128/82"), "the latest version: {}", page.text);
    assert!(page.text.find("Follow-up: stable").unwrap() < page.text.find("Blood pressure review").unwrap(), "newest first");

    // A deactivated patient's link shows nothing, the same 404; back on, it works again.
    let r = app.post(&format!("/api/v1/admin/users/{}/deactivate", patient.id), Some(&admin.access), &json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let gone = open(&app, &token).await;
    assert_eq!(gone.status, 404);
    assert!(!gone.text.contains("Blood pressure"));
    let rows = audit_rows(&app, &admin.access, &format!("action=share.view&patient_id={}&outcome=denied", patient.id)).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["detail"], "the patient's account is not active");
    let r = app.post(&format!("/api/v1/admin/users/{}/reactivate", patient.id), Some(&admin.access), &json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(open(&app, &token).await.status, 200);
}
dual!(a_whole_history_link_shows_what_is_written_later_and_nothing_once_the_patient_is_inactive);

async fn the_patient_makes_a_link_on_the_page_sees_it_once_and_revokes_it(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let doctor = app.doctor("doc@example.org", &admin).await;
    let patient = app.patient("pat@example.org").await;
    let shared = app.record(&doctor, &patient.id, "Asthma plan", "note").await["id"].as_str().unwrap().to_string();
    app.record(&doctor, &patient.id, "Dermatology visit", "visit").await;

    let b = sign_in(&app, "pat@example.org").await;
    let html = b.get(app.url("/patient/dashboard")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("href=\"/me/shares\""), "the dashboard links to it");
    let html = b.get(app.url("/me/shares")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Make a link") && html.contains(&format!("name=\"record:{shared}\"")), "{html}");
    assert!(html.contains("records written after today are included"), "the form says what a whole-history link shows");
    assert!(html.contains("You have not shared any records."));
    let csrf = csrf_from(&html);

    // Nothing ticked: the form again, saying why; nothing made.
    let r =
        b.post(app.url("/me/shares")).form(&[("csrf_token", csrf.as_str()), ("scope", "records"), ("minutes", "60")]).send().await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Tick at least one record"));
    // A forged form is refused.
    let tick = format!("record:{shared}");
    let r =
        b.post(app.url("/me/shares")).form(&[("csrf_token", "forged"), ("scope", "records"), (tick.as_str(), "on")]).send().await.unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(app.get("/api/v1/shares", Some(&patient.access)).await.body["items"], json!([]));

    // Made: shown once, with its QR code.
    let r = b
        .post(app.url("/me/shares"))
        .form(&[("csrf_token", csrf.as_str()), ("scope", "records"), (tick.as_str(), "on"), ("minutes", "60")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("Your new link") && html.contains("<svg"), "{html}");
    let marker = "id=\"share-url\" class=\"share-url\" readonly value=\"";
    let start = html.find(marker).expect("the link") + marker.len();
    let url = &html[start..start + html[start..].find('"').unwrap()];
    assert!(url.starts_with(&format!("{}/share/", app.base)), "{url}");
    let token = token_of(url);
    let page = open(&app, &token).await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("Asthma plan") && !page.text.contains("Dermatology"), "{}", page.text);
    // An hour, as chosen.
    let list = app.get("/api/v1/shares", Some(&patient.access)).await;
    let item = &list.body["items"][0];
    let (made, ends) = (
        careledger::clock::parse(item["created_at"].as_str().unwrap()).unwrap(),
        careledger::clock::parse(item["expires_at"].as_str().unwrap()).unwrap(),
    );
    assert_eq!((ends - made).num_minutes(), 60);
    let id = item["id"].as_str().unwrap().to_string();

    // Listed afterwards without the token; revoked from the list.
    let html = b.get(app.url("/me/shares")).send().await.unwrap().text().await.unwrap();
    assert!(!html.contains(&token) && !html.contains("Your new link"), "shown once only");
    assert!(html.contains(&format!("/me/shares/{id}/revoke")) && html.contains("1 record"), "{html}");
    let r = b.post(app.url(&format!("/me/shares/{id}/revoke"))).form(&[("csrf_token", csrf.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/me/shares?done=revoked");
    let html = b.get(app.url("/me/shares?done=revoked")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("The link is revoked") && html.contains("revoked"), "{html}");
    assert!(!html.contains(&format!("/me/shares/{id}/revoke")), "no revoke button on a revoked link");
    assert_eq!(open(&app, &token).await.status, 404);

    // The whole history, from the form.
    let r =
        b.post(app.url("/me/shares")).form(&[("csrf_token", csrf.as_str()), ("scope", "all"), ("minutes", "10080")]).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("shows your whole history"), "{html}");

    // Other roles are refused the page.
    let d = sign_in(&app, "doc@example.org").await;
    assert_eq!(d.get(app.url("/me/shares")).send().await.unwrap().status(), StatusCode::FORBIDDEN);
}
dual!(the_patient_makes_a_link_on_the_page_sees_it_once_and_revokes_it);
