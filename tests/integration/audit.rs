//! The audit trail (issue 11, item 2): every access to patient data, sign-in and change of
//! access is recorded with who, what, whose, how it ended and from where; patients see who
//! looked; admins filter, sort, page and export; an edited or deleted row is detected by
//! `ledger verify`; retention clears old rows but keeps their hashes.

use serde_json::{Value, json};

use crate::helpers::{Backend, PASSWORD, Session, TestApp, sign_in};
use crate::{app, dual};

struct Clinic {
    admin: Session,
    house: Session,
    visiting: Session,
    patient: Session,
    record: String,
}

async fn clinic(app: &TestApp) -> Clinic {
    let admin = app.admin().await;
    let house = app.staff("house@example.org", "doctor", "Gregory House", &admin).await;
    let visiting = app.staff("visiting@example.org", "doctor", "Lisa Cuddy", &admin).await;
    let patient = app.patient("pat@example.org").await;
    let record = app.record(&house, &patient.id, "Lupus workup", "diagnosis").await["id"].as_str().unwrap().to_string();
    Clinic { admin, house, visiting, patient, record }
}

/// A GET with a chosen request id and client name.
async fn get_as(app: &TestApp, path: &str, token: &str, request_id: &str, agent: &str) -> u16 {
    app.http
        .get(app.url(path))
        .bearer_auth(token)
        .header("x-request-id", request_id)
        .header("user-agent", agent)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn trail(app: &TestApp, admin: &Session, query: &str) -> Vec<Value> {
    let r = app.get(&format!("/api/v1/audit?{query}"), Some(&admin.access)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["items"].as_array().unwrap().clone()
}

async fn verify(app: &TestApp) -> Vec<String> {
    careledger::app::verify_ledger(&app.state.db, &app.state.vault, Some(&app.state.ledger.verifying), None, &|_, _| {})
        .await
        .unwrap()
        .problems
}

async fn every_access_is_in_the_trail_and_the_patient_sees_who(backend: Backend) {
    let app = app!(backend);
    let c = clinic(&app).await;
    let rid = &c.record;
    assert_eq!(get_as(&app, &format!("/api/v1/records/{rid}"), &c.house.access, "aud-read-1", "CareTest/1.0").await, 200);
    let rows = trail(&app, &c.admin, "request_id=aud-read-1").await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    let row = &rows[0];
    assert_eq!(row["actor_id"], c.house.id.as_str());
    assert_eq!(row["actor_name"], "Gregory House");
    assert_eq!(row["actor_role"], "doctor");
    assert_eq!(row["action"], "record.read");
    assert_eq!(row["patient_id"], c.patient.id.as_str());
    assert_eq!(row["resource_type"], "record");
    assert_eq!(row["resource_id"], rid.as_str());
    assert_eq!(row["outcome"], "success");
    assert_eq!(row["ip"], "127.0.0.1");
    assert_eq!(row["user_agent"], "CareTest/1.0");
    assert!(careledger::clock::parse(row["at"].as_str().unwrap()).is_some());

    // A doctor outside the care team is refused, and the attempt is on the patient's record.
    let history = format!("/api/v1/patients/{}/history", c.patient.id);
    assert_eq!(get_as(&app, &history, &c.visiting.access, "aud-outsider", "Other/2").await, 404);
    let rows = trail(&app, &c.admin, &format!("patient_id={}&action=history.read", c.patient.id)).await;
    assert!(rows.iter().any(|r| r["actor_id"] == c.visiting.id.as_str() && r["outcome"] == "not_found"), "{rows:?}");

    // A client name in Latin-1 is kept (as replacement characters), not blanked.
    let r = app
        .http
        .get(app.url(&format!("/api/v1/records/{rid}")))
        .bearer_auth(&c.house.access)
        .header("x-request-id", "aud-latin1")
        .header("user-agent", reqwest::header::HeaderValue::from_bytes(b"Caf\xe9Browser/1").unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let rows = trail(&app, &c.admin, "request_id=aud-latin1").await;
    assert_eq!(rows[0]["user_agent"], "Caf\u{fffd}Browser/1", "{rows:?}");

    // A path may spell the patient's id in capitals: the trail writes it as careledger does.
    let upper = format!("/api/v1/patients/{}/history", c.patient.id.to_uppercase());
    assert_eq!(get_as(&app, &upper, &c.visiting.access, "aud-upper", "x").await, 404);
    let rows = trail(&app, &c.admin, "request_id=aud-upper").await;
    assert_eq!(rows[0]["patient_id"], c.patient.id.as_str(), "{rows:?}");
    // Another patient's refused read is filed under the patient whose record it is, and that
    // patient's log does not name them.
    let other = app.patient("other@example.org").await;
    assert_eq!(get_as(&app, &format!("/api/v1/records/{rid}"), &other.access, "aud-other", "x").await, 404);
    let rows = trail(&app, &c.admin, "request_id=aud-other").await;
    assert_eq!((rows[0]["patient_id"].as_str(), rows[0]["outcome"].as_str()), (Some(c.patient.id.as_str()), Some("not_found")), "{rows:?}");
    let log = app.get("/api/v1/me/access-log", Some(&c.patient.access)).await;
    assert!(log.body["items"].as_array().unwrap().iter().any(|i| i["who"] == "Another patient"), "{}", log.text);

    // Lists, file downloads, proofs: each names the patient.
    assert_eq!(get_as(&app, "/api/v1/records", &c.house.access, "aud-list", "x").await, 200);
    let rows = trail(&app, &c.admin, "request_id=aud-list").await;
    assert_eq!(rows[0]["action"], "record.search");
    assert_eq!(rows[0]["patient_id"], c.patient.id.as_str());
    let up = app.attach(&c.house.access, rid, "labs.txt", b"ANA 1:640".to_vec()).await;
    let sha = up.body["sha256"].as_str().unwrap().to_string();
    assert_eq!(get_as(&app, &format!("/api/v1/records/{rid}/files/{sha}"), &c.house.access, "aud-file", "x").await, 200);
    let rows = trail(&app, &c.admin, "request_id=aud-file").await;
    assert_eq!((rows[0]["action"].as_str(), rows[0]["patient_id"].as_str()), (Some("file.download"), Some(c.patient.id.as_str())));

    // The patient's own reads are not in their access log; others' are, by name and role, and
    // never with an address or a client.
    assert_eq!(get_as(&app, &format!("/api/v1/records/{rid}"), &c.patient.access, "aud-self", "x").await, 200);
    let log = app.get("/api/v1/me/access-log", Some(&c.patient.access)).await;
    assert_eq!(log.status, 200, "{}", log.text);
    let items = log.body["items"].as_array().unwrap();
    assert!(items.iter().any(|i| i["who"] == "Gregory House" && i["role"] == "doctor" && i["action"] == "record.read"), "{items:?}");
    assert!(items.iter().any(|i| i["who"] == "Lisa Cuddy" && i["outcome"] == "not_found"), "{items:?}");
    assert!(!log.text.contains("127.0.0.1") && !log.text.contains("CareTest"), "{}", log.text);
    assert!(items.iter().all(|i| i["who"] != "Pat Ient" && i.get("ip").is_none()), "{items:?}");
    // Paged like every list.
    let first = app.get("/api/v1/me/access-log?limit=1", Some(&c.patient.access)).await;
    let cursor = first.body["next_cursor"].as_str().unwrap();
    let second = app.get(&format!("/api/v1/me/access-log?limit=1&cursor={cursor}"), Some(&c.patient.access)).await;
    assert_eq!(second.status, 200);
    assert_ne!(first.body["items"][0], second.body["items"][0]);
    app.get("/api/v1/me/access-log?cursor=forged", Some(&c.patient.access)).await.assert_problem(422, "validation_failed");

    // Refused from the other side: no one else reads a patient's access log, and only admins
    // read the trail.
    app.get("/api/v1/me/access-log", Some(&c.house.access)).await.assert_problem(403, "forbidden");
    app.get("/api/v1/me/access-log", Some(&c.admin.access)).await.assert_problem(403, "forbidden");
    app.get("/api/v1/me/access-log", None).await.assert_problem(401, "unauthenticated");
    for who in [&c.house, &c.patient] {
        app.get("/api/v1/audit", Some(&who.access)).await.assert_problem(403, "forbidden");
        app.get("/api/v1/audit/export", Some(&who.access)).await.assert_problem(403, "forbidden");
    }
    // ... and their refused attempts are in it too.
    let rows = trail(&app, &c.admin, &format!("actor_id={}&action=audit.search", c.patient.id)).await;
    assert!(rows.iter().all(|r| r["outcome"] == "denied") && !rows.is_empty(), "{rows:?}");

    // Pages: the patient's "who looked at my records", the admin's trail.
    let b = sign_in(&app, "pat@example.org").await;
    let html = b.get(app.url("/me/access-log")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Gregory House") && html.contains("Opened one of your records"), "{html}");
    assert!(!html.contains("127.0.0.1"));
    let html = b.get(app.url("/patient/dashboard")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("/me/access-log"), "the dashboard links the access log");
    let d = sign_in(&app, "house@example.org").await;
    assert_eq!(d.get(app.url("/me/access-log")).send().await.unwrap().status(), 403);
    assert_eq!(d.get(app.url("/admin/audit")).send().await.unwrap().status(), 403);
    let a = sign_in(&app, "admin@clinic.test").await;
    let html = a.get(app.url(&format!("/admin/audit?action=record.read&patient_id={}", c.patient.id))).send().await.unwrap();
    assert_eq!(html.status(), 200);
    let html = html.text().await.unwrap();
    // Rows carry their action's code in the cell's title, and say it in words.
    assert!(html.contains("title=\"record.read\"") && html.contains("Gregory House") && !html.contains("title=\"history.read\""), "{html}");
    assert!(html.contains("<option value=\"record.read\" selected>Opened a record</option>"), "the filter in force is shown: {html}");
    let r = a.get(app.url("/admin/audit?sort=nonsense")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("sort by one of"));
    let csv = a.get(app.url("/admin/audit/export?action=record.read")).send().await.unwrap();
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(csv.text().await.unwrap().contains("record.read"));
}
dual!(every_access_is_in_the_trail_and_the_patient_sees_who);

async fn sign_ins_sign_outs_and_lockouts_are_audited(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let patient = app.patient("pat@example.org").await;
    let wrong = json!({"email": "pat@example.org", "password": "not the password at all"});
    for _ in 0..careledger::accounts::lockout::LOCK_AFTER {
        assert_eq!(app.post("/api/v1/auth/login", None, &wrong).await.status, 401);
    }
    let r = app.post("/api/v1/auth/login", None, &json!({"email": "nobody@example.org", "password": PASSWORD})).await;
    assert_eq!(r.status, 401);
    let rows = trail(&app, &admin, &format!("action=auth.sign_in&actor_id={}&sort=seq", patient.id)).await;
    let outcomes: Vec<&str> = rows.iter().map(|r| r["outcome"].as_str().unwrap()).collect();
    // The registration sign-in, the failures, the one that locked the account.
    assert_eq!(outcomes.first(), Some(&"success"), "{outcomes:?}");
    assert_eq!(outcomes.iter().filter(|o| **o == "failure").count() as i64, careledger::accounts::lockout::LOCK_AFTER - 1, "{outcomes:?}");
    assert_eq!(outcomes.last(), Some(&"locked"), "{outcomes:?}");
    assert!(rows.iter().all(|r| r["patient_id"] == patient.id.as_str() && r["actor_role"] == "patient"));
    // An unknown email has no actor, only its address.
    let rows = trail(&app, &admin, "action=auth.sign_in&outcome=failure").await;
    assert!(rows.iter().any(|r| r["actor_id"].is_null() && r["ip"] == "127.0.0.1"), "{rows:?}");
    // Registration: the new account, and the privacy notice it accepted.
    let rows = trail(&app, &admin, &format!("action=account.register&resource_id={}", patient.id)).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!((rows[0]["patient_id"].as_str(), rows[0]["outcome"].as_str()), (Some(patient.id.as_str()), Some("success")));
    assert!(rows[0]["detail"].as_str().unwrap().starts_with("privacy notice "), "{rows:?}");
    // Sign-out.
    let s = app.login("admin@clinic.test").await;
    assert_eq!(app.post("/api/v1/auth/logout", Some(&s.access), &json!({})).await.status, 204);
    let rows = trail(&app, &admin, &format!("action=auth.sign_out&actor_id={}", admin.id)).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    // A privilege change, with the precise action even through the page's one route.
    let doctor = app.register("doc@example.org", "doctor", "Dana Doc").await;
    let id = doctor["id"].as_str().unwrap();
    let b = sign_in(&app, "admin@clinic.test").await;
    let html = b.get(app.url("/admin/users")).send().await.unwrap().text().await.unwrap();
    let csrf = crate::helpers::csrf_from(&html);
    let r = b.post(app.url(&format!("/admin/users/{id}/approve"))).form(&[("csrf_token", csrf.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let rows = trail(&app, &admin, &format!("resource_id={id}&action=user.approve")).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["actor_id"], admin.id.as_str());
}
dual!(sign_ins_sign_outs_and_lockouts_are_audited);

async fn admins_filter_sort_page_and_export(backend: Backend) {
    let app = app!(backend);
    let c = clinic(&app).await;
    for (i, agent) in ["=HYPERLINK(\"http://evil\")", "Browser/1", "+cmd", "Zed/9"].iter().enumerate() {
        get_as(&app, &format!("/api/v1/records/{}", c.record), &c.house.access, &format!("sort-{i}"), agent).await;
    }
    // Sorted by any field, both ways, paged without overlap or gaps.
    let all = trail(&app, &c.admin, "limit=200&sort=seq").await;
    assert!(all.len() > 10);
    for sort in ["action", "-action", "user_agent", "-actor_role", "outcome", "at", "-seq", "ip", "resource_id"] {
        let mut seen = Vec::new();
        let mut cursor = String::new();
        loop {
            let r = app.get(&format!("/api/v1/audit?sort={sort}&limit=3{cursor}"), Some(&c.admin.access)).await;
            assert_eq!(r.status, 200, "{sort}: {}", r.text);
            seen.extend(r.body["items"].as_array().unwrap().iter().cloned());
            match r.body["next_cursor"].as_str() {
                Some(next) => cursor = format!("&cursor={next}"),
                None => break,
            }
        }
        let field = sort.trim_start_matches('-');
        let key = |v: &Value| match &v[field] {
            Value::Number(n) => format!("{:020}", n.as_i64().unwrap()),
            Value::String(s) => s.clone(),
            _ => String::new(),
        };
        let keys: Vec<String> = seen.iter().map(key).collect();
        let mut sorted = keys.clone();
        sorted.sort();
        if sort.starts_with('-') {
            sorted.reverse();
        }
        assert_eq!(keys, sorted, "sorted by {sort}");
        // Rows keep coming while we page (our own reads are audited), so compare what existed.
        let mut seqs: Vec<i64> =
            seen.iter().map(|r| r["seq"].as_i64().unwrap()).filter(|s| *s <= all.last().unwrap()["seq"].as_i64().unwrap()).collect();
        seqs.sort();
        let expected: Vec<i64> = all.iter().map(|r| r["seq"].as_i64().unwrap()).collect();
        assert_eq!(seqs, expected, "every row once, sorted by {sort}");
    }
    // Filters combine; dates filter by day.
    let rows = trail(&app, &c.admin, &format!("actor_role=doctor&action=record.read&patient_id={}", c.patient.id)).await;
    assert_eq!(rows.len(), 4, "{rows:?}");
    let today = &careledger::clock::format(app.clock.now())[..10];
    assert_eq!(trail(&app, &c.admin, &format!("action=record.read&from={today}&to={today}")).await.len(), 4);
    assert_eq!(trail(&app, &c.admin, "action=record.read&to=2000-01-01").await.len(), 0);
    // Bad filters are 422 naming the field; a cursor from another sort is refused.
    for (q, field) in [("sort=password", "sort"), ("from=yesterday", "from"), ("from=2026-02-02&to=2026-01-01", "to"), ("limit=0", "limit")]
    {
        let r = app.get(&format!("/api/v1/audit?{q}"), Some(&c.admin.access)).await;
        r.assert_problem(422, "validation_failed");
        assert_eq!(r.error_fields(), vec![field.to_string()], "{q}");
    }
    let r = app.get("/api/v1/audit?sort=action&limit=1", Some(&c.admin.access)).await;
    let cursor = r.body["next_cursor"].as_str().unwrap();
    app.get(&format!("/api/v1/audit?sort=ip&cursor={cursor}"), Some(&c.admin.access)).await.assert_problem(422, "validation_failed");
    // CSV: the same rows, formulas defused (OWASP CSV injection).
    let r = app.http.get(app.url("/api/v1/audit/export?action=record.read&sort=seq")).bearer_auth(&c.admin.access).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(r.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
    let text = r.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(&header[..6], &["seq", "at", "actor_id", "actor_name", "actor_role", "action"]);
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 4);
    let agents: Vec<&str> = records.iter().map(|r| &r[12]).collect();
    assert_eq!(agents, vec!["'=HYPERLINK(\"http://evil\")", "Browser/1", "'+cmd", "Zed/9"]);
    assert!(records.iter().all(|r| &r[5] == "record.read" && &r[7] == "Pat Ient"));
}
dual!(admins_filter_sort_page_and_export);

async fn an_edited_inserted_or_deleted_audit_row_is_detected(backend: Backend) {
    let app = app!(backend);
    let c = clinic(&app).await;
    for i in 0..5 {
        get_as(&app, &format!("/api/v1/records/{}", c.record), &c.house.access, &format!("t-{i}"), "x").await;
    }
    app.state.audit.flush().await.unwrap();
    careledger::audit::checkpoint(&app.state).await.unwrap();
    assert_eq!(verify(&app).await, Vec::<String>::new());
    let db = &app.state.db.pool;
    let seq: i64 = sqlx::query_scalar("SELECT seq FROM audit_log WHERE request_id = 't-2'").fetch_one(db).await.unwrap();

    // Edited: a doctor's read made to look like someone else's.
    sqlx::query("UPDATE audit_log SET actor_id = $1 WHERE seq = $2").bind(&c.visiting.id).bind(seq).execute(db).await.unwrap();
    let problems = verify(&app).await;
    assert!(problems.iter().any(|p| p.contains(&format!("audit row {seq}: its fields no longer match their hash"))), "{problems:?}");
    // Edited with its hash recomputed: the checkpoint in the ledger still tells.
    let row: (String, Option<String>, String) =
        sqlx::query_as("SELECT at, user_agent, id FROM audit_log WHERE seq = $1").bind(seq).fetch_one(db).await.unwrap();
    let forged = careledger::audit::trail::NewAccess {
        id: row.2.clone(),
        at: row.0.clone(),
        actor_id: Some(c.visiting.id.clone()),
        actor_role: Some("doctor".into()),
        action: "record.read".into(),
        patient_id: Some(c.patient.id.clone()),
        resource_type: Some("record".into()),
        resource_id: Some(c.record.clone()),
        outcome: "success".into(),
        ip: Some("127.0.0.1".into()),
        user_agent: row.1.clone(),
        request_id: Some("t-2".into()),
        detail: None,
    };
    let leaf = hex::encode(forged.leaf(seq).unwrap());
    sqlx::query("UPDATE audit_log SET fields_sha256 = $1, leaf_hash = $2 WHERE seq = $3")
        .bind(forged.fields_sha256().unwrap())
        .bind(&leaf)
        .bind(seq)
        .execute(db)
        .await
        .unwrap();
    let problems = verify(&app).await;
    assert!(!problems.iter().any(|p| p.contains(&format!("audit row {seq}"))), "the forged row hashes to itself: {problems:?}");
    assert!(problems.iter().any(|p| p.contains("no longer hash to it")), "{problems:?}");
    // Put back as it was: clean again.
    let original = careledger::audit::trail::NewAccess { actor_id: Some(c.house.id.clone()), ..forged.clone() };
    sqlx::query("UPDATE audit_log SET actor_id = $1, fields_sha256 = $2, leaf_hash = $3 WHERE seq = $4")
        .bind(&c.house.id)
        .bind(original.fields_sha256().unwrap())
        .bind(hex::encode(original.leaf(seq).unwrap()))
        .bind(seq)
        .execute(db)
        .await
        .unwrap();
    assert_eq!(verify(&app).await, Vec::<String>::new());

    // Backdated (to make retention clear it), and a recent row cleared as if past retention:
    // the time is in the leaf, and no row is cleared within a year.
    let at: String = sqlx::query_scalar("SELECT at FROM audit_log WHERE seq = $1").bind(seq).fetch_one(db).await.unwrap();
    sqlx::query("UPDATE audit_log SET at = '2015-01-01T00:00:00.000000Z' WHERE seq = $1").bind(seq).execute(db).await.unwrap();
    let problems = verify(&app).await;
    assert!(problems.iter().any(|p| p.contains(&format!("audit row {seq}: its time, place or hash was changed"))), "{problems:?}");
    sqlx::query("UPDATE audit_log SET at = $1 WHERE seq = $2").bind(&at).bind(seq).execute(db).await.unwrap();
    assert_eq!(verify(&app).await, Vec::<String>::new());
    sqlx::query("UPDATE audit_log SET purged_at = $1, actor_id = NULL WHERE seq = $2").bind(&at).bind(seq).execute(db).await.unwrap();
    let problems = verify(&app).await;
    assert!(problems.iter().any(|p| p.contains(&format!("audit row {seq}: cleared as past retention"))), "{problems:?}");
    // ... and the API shows nothing of a row marked purged.
    let rows = trail(&app, &c.admin, "sort=seq&limit=200").await;
    let shown = rows.iter().find(|r| r["seq"] == seq).unwrap();
    assert!(shown["purged"] == true && shown["request_id"].is_null() && shown["ip"].is_null(), "{shown}");
    sqlx::query("UPDATE audit_log SET purged_at = NULL, actor_id = $1 WHERE seq = $2")
        .bind(&c.house.id)
        .bind(seq)
        .execute(db)
        .await
        .unwrap();
    assert_eq!(verify(&app).await, Vec::<String>::new());

    // Inserted beyond the head.
    sqlx::query(
        "INSERT INTO audit_log (seq, id, at, action, outcome, fields_sha256, leaf_hash) VALUES (100000, 'forged', 'x', 'a', 'b', 'c', 'd')",
    )
    .execute(db)
    .await
    .unwrap();
    let problems = verify(&app).await;
    assert!(problems.iter().any(|p| p.contains("audit row 100000: beyond the trail's head")), "{problems:?}");
    sqlx::query("DELETE FROM audit_log WHERE seq = 100000").execute(db).await.unwrap();

    // Deleted: named once, and the rows after it are not.
    sqlx::query("DELETE FROM audit_log WHERE seq = $1").bind(seq).execute(db).await.unwrap();
    let problems = verify(&app).await;
    assert!(problems.iter().any(|p| p.contains(&format!("audit row {seq}: missing"))), "{problems:?}");
    assert!(!problems.iter().any(|p| p.contains(&format!("audit row {}: missing", seq + 1))), "{problems:?}");

    // The command line says so too, and fails.
    let out = app.careledger(&["ledger", "verify"]).output().await.unwrap();
    assert!(!out.status.success());
    let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(said.contains(&format!("audit row {seq}: missing")), "{said}");
}
dual!(an_edited_inserted_or_deleted_audit_row_is_detected);

async fn retention_clears_old_rows_and_the_trail_still_verifies(backend: Backend) {
    let app = app!(backend);
    let c = clinic(&app).await;
    get_as(&app, &format!("/api/v1/records/{}", c.record), &c.house.access, "old-read", "x").await;
    app.state.audit.flush().await.unwrap();
    careledger::audit::checkpoint(&app.state).await.unwrap();
    let before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log").fetch_one(&app.state.db.pool).await.unwrap();
    // Nothing is old enough yet.
    assert_eq!(careledger::audit::purge_expired(&app.state).await.unwrap(), 0);
    // Seven years and a week later.
    app.clock.advance(chrono::Duration::days(7 * 365 + 9));
    let s = app.login("admin@clinic.test").await;
    get_as(&app, "/api/v1/audit", &s.access, "new-read", "x").await;
    let purged = careledger::audit::purge_expired(&app.state).await.unwrap();
    assert_eq!(purged as i64, before, "every row from before the jump");
    let rows = trail(&app, &s, "limit=200&sort=seq").await;
    let old: Vec<&Value> = rows.iter().filter(|r| r["purged"] == true).collect();
    assert_eq!(old.len() as i64, before);
    assert!(old.iter().all(|r| r["actor_id"].is_null() && r["patient_id"].is_null() && r["ip"].is_null()), "{old:?}");
    assert!(rows.iter().any(|r| r["request_id"] == "new-read" && r["purged"] == false));
    assert!(trail(&app, &s, "request_id=old-read").await.is_empty());
    app.state.audit.flush().await.unwrap();
    careledger::audit::checkpoint(&app.state).await.unwrap();
    assert_eq!(verify(&app).await, Vec::<String>::new(), "purged rows keep their hashes");
}
dual!(retention_clears_old_rows_and_the_trail_still_verifies);

async fn the_sealer_writes_the_trail_s_heads_into_the_ledger(backend: Backend) {
    let Some(app) = crate::helpers::spawn_configured(backend, crate::helpers::Options::default(), |s| s.audit_checkpoint_ms = 50).await
    else {
        return;
    };
    let c = clinic(&app).await;
    get_as(&app, &format!("/api/v1/records/{}", c.record), &c.house.access, "sealed-read", "x").await;
    app.state.audit.flush().await.unwrap();
    let db = &app.state.db.pool;
    let size: i64 = sqlx::query_scalar("SELECT size FROM audit_chain WHERE id = 1").fetch_one(db).await.unwrap();
    let mut index = None;
    for _ in 0..200 {
        let row: Option<(i64, i64)> =
            sqlx::query_as("SELECT size, entry_index FROM audit_checkpoints ORDER BY size DESC LIMIT 1").fetch_optional(db).await.unwrap();
        if let Some((covered, entry)) = row.filter(|(covered, _)| *covered >= size) {
            assert!(covered >= size);
            index = Some(entry);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    let index = index.expect("a checkpoint covering the trail within 5 s");
    let e = app.get(&format!("/api/v1/ledger/entries/{index}"), Some(&c.admin.access)).await;
    assert_eq!(e.status, 200, "{}", e.text);
    assert!(e.text.contains("audit_checkpoint"), "{}", e.text);
    assert_eq!(verify(&app).await, Vec::<String>::new());
}
dual!(the_sealer_writes_the_trail_s_heads_into_the_ledger);

async fn two_copies_append_to_one_trail_without_gaps(backend: Backend) {
    // Each copy's writer remembers the head it last wrote; the other copy's appends in between
    // must send it back to the stored head, never fork or overwrite the log.
    let app = app!(backend);
    let c = clinic(&app).await;
    let other = crate::helpers::spawn_beside(&app, app.state.settings.database_url.expose().to_string()).await;
    app.state.audit.flush().await.unwrap();
    other.state.audit.flush().await.unwrap();
    let before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log").fetch_one(&app.state.db.pool).await.unwrap();
    let mut tasks = Vec::new();
    for (i, base) in [app.base.clone(), other.base.clone(), app.base.clone(), other.base.clone()].into_iter().enumerate() {
        let (http, token, record) = (app.http.clone(), c.house.access.clone(), c.record.clone());
        tasks.push(tokio::spawn(async move {
            for n in 0..40 {
                let r = http
                    .get(format!("{base}/api/v1/records/{record}"))
                    .bearer_auth(&token)
                    .header("x-request-id", format!("copy-{i}-{n}"))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 200);
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    app.state.audit.flush().await.unwrap();
    other.state.audit.flush().await.unwrap();
    let after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log").fetch_one(&app.state.db.pool).await.unwrap();
    assert_eq!(after - before, 160, "one row per read, none lost or doubled");
    let (size, max): (i64, i64) =
        sqlx::query_as("SELECT (SELECT size FROM audit_chain WHERE id = 1), (SELECT MAX(seq) + 1 FROM audit_log)")
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    assert_eq!(size, max);
    assert_eq!(size, after, "gap-free");
    careledger::audit::checkpoint(&other.state).await.unwrap();
    assert_eq!(verify(&app).await, Vec::<String>::new());
}
dual!(two_copies_append_to_one_trail_without_gaps);

async fn journals_left_by_stopped_copies_are_moved_and_forged_lines_refused(backend: Backend) {
    use hmac::{Hmac, KeyInit, Mac};
    let app = app!(backend);
    let c = clinic(&app).await;
    let dir = app.data_dir.0.join("audit-journal");
    let key = hex::decode(std::fs::read_to_string(app.data_dir.0.join("keys").join("audit-journal.key")).unwrap().trim()).unwrap();
    let line = |id: &str, request: &str, signed: bool| {
        let row = json!({"id": id, "at": careledger::clock::format(app.clock.now()), "actor_id": c.house.id, "actor_role": "doctor",
            "action": "record.read", "patient_id": c.patient.id, "resource_type": "record", "resource_id": c.record, "outcome": "success",
            "ip": "127.0.0.1", "user_agent": null, "request_id": request, "detail": null})
        .to_string();
        let tag = if signed {
            let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&key).unwrap();
            mac.update(row.as_bytes());
            hex::encode(mac.finalize().into_bytes())
        } else {
            "00".repeat(32)
        };
        format!("{row}\t{tag}\n")
    };
    // A copy that died (nobody holds its journal): its signed rows reach the trail at the live
    // copy within seconds, with no restart.
    let dead = dir.join(format!("{}.jsonl", uuid::Uuid::now_v7()));
    std::fs::write(&dead, line(&uuid::Uuid::now_v7().to_string(), "from-a-dead-copy", true)).unwrap();
    // A journal with a line written by someone else: refused, kept aside, an alert raised.
    let forged = dir.join(format!("{}.jsonl", uuid::Uuid::now_v7()));
    std::fs::write(&forged, format!("{}{}", line(&uuid::Uuid::now_v7().to_string(), "forged-line", false), "{\"half\":")).unwrap();
    let mut moved = false;
    for _ in 0..80 {
        if !dead.exists() && !forged.exists() {
            moved = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(moved, "journals left by stopped copies are moved within seconds");
    assert_eq!(trail(&app, &c.admin, "request_id=from-a-dead-copy").await.len(), 1);
    assert!(trail(&app, &c.admin, "request_id=forged-line").await.is_empty());
    assert!(forged.with_extension("refused").exists());
    let alerts = app.get("/api/v1/admin/integrity-alerts", Some(&c.admin.access)).await;
    assert!(alerts.text.contains("audit_journal"), "{}", alerts.text);
    app.state.audit.flush().await.unwrap();
    careledger::audit::checkpoint(&app.state).await.unwrap();
    assert_eq!(verify(&app).await, Vec::<String>::new());
}
dual!(journals_left_by_stopped_copies_are_moved_and_forged_lines_refused);

async fn an_overlong_id_from_a_caller_cannot_stop_the_trail(backend: Backend) {
    // A service notes the id a caller sent (a share's, here); PostgreSQL's index refuses keys
    // over 2,704 bytes, and a row it refuses would stop the mover for every row after it.
    let app = app!(backend);
    let admin = app.admin().await;
    let patient = app.patient("long@example.org").await;
    let long = "A".repeat(8000);
    app.delete(&format!("/api/v1/shares/{long}"), Some(&patient.access)).await.assert_problem(404, "share_not_found");
    // A row journalled before the cut existed is cut when it is moved in.
    let earlier = careledger::audit::trail::NewAccess {
        id: uuid::Uuid::now_v7().to_string(),
        at: "2026-11-27T00:00:00.000000Z".into(),
        action: "share.revoke".into(),
        outcome: "not_found".into(),
        resource_type: Some("share".into()),
        resource_id: Some("é".repeat(5000)),
        detail: Some("x".repeat(9000)),
        ..Default::default()
    };
    app.state.audit.write(vec![earlier]).await.unwrap();
    app.state.audit.flush().await.unwrap();
    let rows = trail(&app, &admin, "action=share.revoke").await;
    assert_eq!(rows.len(), 2, "{rows:?}");
    let ids: Vec<&str> = rows.iter().map(|r| r["resource_id"].as_str().unwrap()).collect();
    assert!(ids.contains(&"A".repeat(100).as_str()), "{ids:?}");
    assert!(ids.contains(&"é".repeat(100).as_str()), "{ids:?}");
    assert!(rows.iter().any(|r| r["detail"].as_str().is_some_and(|d| d.chars().count() == 500)), "{rows:?}");
    // The trail goes on: a later read is a row, and the whole still verifies.
    app.delete("/api/v1/shares/00000000-0000-0000-0000-000000000000", Some(&patient.access)).await.assert_problem(404, "share_not_found");
    assert_eq!(trail(&app, &admin, "action=share.revoke").await.len(), 3);
    careledger::audit::checkpoint(&app.state.ctx).await.unwrap();
    app.sealed_head().await;
    assert!(verify(&app).await.is_empty());
}
dual!(an_overlong_id_from_a_caller_cannot_stop_the_trail);
