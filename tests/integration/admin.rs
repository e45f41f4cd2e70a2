//! User administration through the API and the pages, with the audit log of every change.

use serde_json::json;

use crate::helpers::{Backend, PASSWORD, csrf_from, sign_in};
use crate::{app, dual};

async fn list_search_and_filter(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    app.register("ana.lopez@example.org", "patient", "Ana López").await;
    app.register("bo@example.org", "doctor", "Bo Berg").await;
    app.register("cy@example.org", "lab", "Cy Chen").await;
    let get = |q: &str| {
        let app = &app;
        let t = admin.access.clone();
        let q = q.to_string();
        async move { app.get(&format!("/api/v1/admin/users?{q}"), Some(&t)).await }
    };
    let emails = |r: &crate::helpers::Reply| -> Vec<String> {
        r.body["items"].as_array().unwrap().iter().map(|u| u["email"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(emails(&get("role=doctor").await), vec!["bo@example.org"]);
    assert_eq!(emails(&get("status=pending_approval").await), vec!["bo@example.org", "cy@example.org"]);
    assert_eq!(emails(&get("q=L%C3%B3pez").await), vec!["ana.lopez@example.org"]);
    assert_eq!(emails(&get("q=CHEN").await), vec!["cy@example.org"]);
    assert_eq!(emails(&get("q=%25").await).len(), 0, "wildcards are literal");
    let first = get("limit=2").await;
    assert_eq!(emails(&first), vec!["admin@clinic.test", "ana.lopez@example.org"]);
    let next = get(&format!("limit=2&cursor={}", first.body["next_cursor"].as_str().unwrap())).await;
    assert_eq!(emails(&next), vec!["bo@example.org", "cy@example.org"]);
    for bad in ["role=king", "status=asleep", "limit=0", "cursor=x"] {
        get(bad).await.assert_problem(422, "validation_failed");
    }
}
dual!(list_search_and_filter);

async fn lifecycle_with_audit(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let post = |path: String, body: serde_json::Value| {
        let app = &app;
        let t = admin.access.clone();
        async move { app.post(&path, Some(&t), &body).await }
    };
    let pending = app.register("cy@example.org", "lab", "Cy Chen").await;
    let pid = pending["id"].as_str().unwrap();
    // Reject: the account cannot sign in, and cannot then be approved.
    let r = post(format!("/api/v1/admin/users/{pid}/reject"), json!({})).await;
    assert_eq!(r.body["status"], "rejected", "{}", r.text);
    app.post("/api/v1/auth/login", None, &json!({"email": "cy@example.org", "password": PASSWORD}))
        .await
        .assert_problem(403, "account_disabled");
    post(format!("/api/v1/admin/users/{pid}/approve"), json!({})).await.assert_problem(409, "invalid_transition");
    // Deactivate an active doctor: their sessions end at once and sign-in is refused.
    let doc = app.doctor("doc@example.org", &admin).await;
    let r = post(format!("/api/v1/admin/users/{}/deactivate", doc.id), json!({})).await;
    assert_eq!(r.body["status"], "deactivated");
    app.get("/api/v1/me", Some(&doc.access)).await.assert_problem(401, "invalid_token");
    let code = app.next_code("doc@example.org");
    app.post("/api/v1/auth/login", None, &json!({"email": "doc@example.org", "password": PASSWORD, "totp_code": code}))
        .await
        .assert_problem(403, "account_disabled");
    post(format!("/api/v1/admin/users/{}/deactivate", doc.id), json!({})).await.assert_problem(409, "invalid_transition");
    assert_eq!(post(format!("/api/v1/admin/users/{}/reactivate", doc.id), json!({})).await.body["status"], "active");
    let doc = app.login("doc@example.org").await;
    // Role changes stay within staff roles.
    let r = post(format!("/api/v1/admin/users/{}/role", doc.id), json!({"role": "pharmacist"})).await;
    assert_eq!(r.body["role"], "pharmacist", "{}", r.text);
    post(format!("/api/v1/admin/users/{}/role", doc.id), json!({"role": "admin"})).await.assert_problem(422, "validation_failed");
    let patient = app.patient("p@example.org").await;
    post(format!("/api/v1/admin/users/{}/role", patient.id), json!({"role": "doctor"})).await.assert_problem(409, "invalid_transition");
    // An admin cannot lock themselves out.
    post(format!("/api/v1/admin/users/{}/deactivate", admin.id), json!({})).await.assert_problem(409, "cannot_change_self");
    // Every change is in the audit log, newest first, with who and when.
    let log = app.get("/api/v1/admin/audit", Some(&admin.access)).await;
    assert_eq!(log.status, 200, "{}", log.text);
    let actions: Vec<(String, String)> = log.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["action"].as_str().unwrap().to_string(), e["target_email"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(
        actions,
        vec![
            ("role_change".into(), "doc@example.org".into()),
            ("reactivate".into(), "doc@example.org".into()),
            ("deactivate".into(), "doc@example.org".into()),
            ("approve".into(), "doc@example.org".into()),
            ("reject".into(), "cy@example.org".into()),
        ]
    );
    let first = &log.body["items"][0];
    assert_eq!(first["actor_email"], "admin@clinic.test");
    assert_eq!(first["detail"], "doctor -> pharmacist");
    assert!(chrono::DateTime::parse_from_rfc3339(first["at"].as_str().unwrap()).is_ok());
    app.get("/api/v1/admin/audit", Some(&patient.access)).await.assert_problem(403, "forbidden");
}
dual!(lifecycle_with_audit);

async fn admin_pages(backend: Backend) {
    let app = app!(backend);
    app.admin().await;
    let pending = app.register("bo@example.org", "doctor", "Bo Berg").await;
    let b = sign_in(&app, "admin@clinic.test").await;
    let r = b.get(app.url("/admin/users?status=pending_approval")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    let id = pending["id"].as_str().unwrap();
    assert!(html.contains("Bo Berg") && html.contains(&format!("/admin/users/{id}/approve")), "{html}");
    let csrf = csrf_from(&html);
    let r = b.post(app.url(&format!("/admin/users/{id}/approve"))).form(&[("csrf_token", "forged")]).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let r = b.post(app.url(&format!("/admin/users/{id}/approve"))).form(&[("csrf_token", csrf.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let r =
        b.post(app.url(&format!("/admin/users/{id}/role"))).form(&[("csrf_token", csrf.as_str()), ("role", "lab")]).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let r = b.post(app.url(&format!("/admin/users/{id}/explode"))).form(&[("csrf_token", csrf.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let html = b.get(app.url("/admin/audit")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("user.approve") && html.contains("user.role_change") && html.contains(id), "{html}");
    let html = b.get(app.url("/admin/users?role=lab")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Bo Berg"));
    let r = b.get(app.url("/admin/users?status=asleep")).send().await.unwrap();
    assert_eq!(r.status(), 422);
    // Patients are refused the admin pages.
    app.patient("p@example.org").await;
    let p = sign_in(&app, "p@example.org").await;
    assert_eq!(p.get(app.url("/admin/users")).send().await.unwrap().status(), 403);
    assert_eq!(p.get(app.url("/admin/audit")).send().await.unwrap().status(), 403);
}
dual!(admin_pages);
