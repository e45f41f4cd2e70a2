//! Sessions and passwords: the devices list, signing out a device, password change, idle and
//! absolute expiry of page sessions.

use serde_json::json;

use crate::helpers::{Backend, PASSWORD, csrf_from, sign_in};
use crate::{app, dual};

async fn devices_list_and_revoke(backend: Backend) {
    let app = app!(backend);
    let s = app.patient("p@example.org").await;
    let other_user = app.patient("q@example.org").await;
    let phone = app
        .http
        .post(app.url("/api/v1/auth/login"))
        .header(
            "user-agent",
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1",
        )
        .json(&json!({"email": "p@example.org", "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    let phone_token = phone["access_token"].as_str().unwrap().to_string();
    let r = app.get("/api/v1/me/sessions", Some(&s.access)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let list = r.body.as_array().unwrap().clone();
    assert_eq!(list.len(), 2);
    assert_eq!(list.iter().filter(|x| x["current"] == true).count(), 1);
    let phone_row = list.iter().find(|x| x["current"] == false).unwrap();
    assert_eq!(phone_row["device"], "Safari on iPhone");
    assert_eq!(phone_row["ip"], "127.0.0.1");
    let phone_sid = phone_row["id"].as_str().unwrap();
    // Nobody else can sign out my device; unknown ids are 404.
    let r = app.http.delete(app.url(&format!("/api/v1/me/sessions/{phone_sid}"))).bearer_auth(&other_user.access).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(app.get("/api/v1/me", Some(&phone_token)).await.status, 200);
    let r = app.http.delete(app.url("/api/v1/me/sessions/nope")).bearer_auth(&s.access).send().await.unwrap();
    assert_eq!(r.status(), 404);
    let r = app.http.delete(app.url(&format!("/api/v1/me/sessions/{phone_sid}"))).bearer_auth(&s.access).send().await.unwrap();
    assert_eq!(r.status(), 204);
    app.get("/api/v1/me", Some(&phone_token)).await.assert_problem(401, "invalid_token");
    app.post("/api/v1/auth/refresh", None, &json!({"refresh_token": phone["refresh_token"]}))
        .await
        .assert_problem(401, "invalid_refresh_token");
    assert_eq!(app.get("/api/v1/me/sessions", Some(&s.access)).await.body.as_array().unwrap().len(), 1);
}
dual!(devices_list_and_revoke);

async fn password_change_signs_out_everything_else(backend: Backend) {
    let app = app!(backend);
    let s = app.patient("p@example.org").await;
    let other = app.login("p@example.org").await;
    let browser = sign_in(&app, "p@example.org").await;
    let change = |current: &str, new: &str| json!({"current_password": current, "new_password": new});
    let r = app.post("/api/v1/me/password", Some(&s.access), &change("wrong-password-1", "violet-harbor-quartz-77")).await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.error_fields(), vec!["current_password"]);
    let r = app.post("/api/v1/me/password", Some(&s.access), &change(PASSWORD, "password123")).await;
    assert_eq!(r.error_fields(), vec!["new_password"]);
    let r = app.post("/api/v1/me/password", Some(&s.access), &change(PASSWORD, "violet-harbor-quartz-77")).await;
    assert_eq!(r.status, 204, "{}", r.text);
    // This session goes on; every other one (API and page) is over.
    assert_eq!(app.get("/api/v1/me", Some(&s.access)).await.status, 200);
    app.get("/api/v1/me", Some(&other.access)).await.assert_problem(401, "invalid_token");
    app.post("/api/v1/auth/refresh", None, &json!({"refresh_token": other.refresh})).await.assert_problem(401, "invalid_refresh_token");
    let r = browser.get(app.url("/patient/dashboard")).send().await.unwrap();
    assert_eq!(crate::helpers::redirect_path(&r), "/login");
    app.post("/api/v1/auth/login", None, &json!({"email": "p@example.org", "password": PASSWORD}))
        .await
        .assert_problem(401, "invalid_credentials");
    let r = app.post("/api/v1/auth/login", None, &json!({"email": "p@example.org", "password": "violet-harbor-quartz-77"})).await;
    assert_eq!(r.status, 200);
}
dual!(password_change_signs_out_everything_else);

async fn page_sessions_expire_when_idle_and_after_a_day(backend: Backend) {
    let app = app!(backend);
    app.patient("p@example.org").await;
    let b = sign_in(&app, "p@example.org").await;
    app.clock.advance(chrono::Duration::minutes(29));
    assert_eq!(b.get(app.url("/patient/dashboard")).send().await.unwrap().status(), 200);
    app.clock.advance(chrono::Duration::minutes(31));
    let r = b.get(app.url("/patient/dashboard")).send().await.unwrap();
    assert_eq!(crate::helpers::redirect_path(&r), "/login", "30 minutes idle signs out");
    // Active all day long: still signed out after 24 hours.
    let b = sign_in(&app, "p@example.org").await;
    let mut minutes = 0;
    loop {
        app.clock.advance(chrono::Duration::minutes(20));
        minutes += 20;
        let r = b.get(app.url("/patient/dashboard")).send().await.unwrap();
        if minutes < 24 * 60 {
            assert_eq!(r.status(), 200, "at {minutes} minutes");
        } else {
            assert_eq!(crate::helpers::redirect_path(&r), "/login", "at {minutes} minutes");
            break;
        }
    }
}
dual!(page_sessions_expire_when_idle_and_after_a_day);

async fn security_page(backend: Backend) {
    let app = app!(backend);
    app.patient("p@example.org").await;
    let b = sign_in(&app, "p@example.org").await;
    let other = sign_in(&app, "p@example.org").await;
    let html = b.get(app.url("/me/security")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("This device") && html.contains("/revoke"), "{html}");
    // Sign out the other browser from this one.
    let action_start = html.find("action=\"/me/sessions/").unwrap() + "action=\"".len();
    let action = html[action_start..].split('"').next().unwrap().to_string();
    let csrf = csrf_from(&html);
    // The API's session (from the helper's login) and the other browser are listed; sign out
    // every listed one that is not this device.
    let r = b.post(app.url(&action)).form(&[("csrf_token", csrf.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let html = b.get(app.url("/me/security")).send().await.unwrap().text().await.unwrap();
    if let Some(start) = html.find("action=\"/me/sessions/") {
        let action = html[start + "action=\"".len()..].split('"').next().unwrap().to_string();
        b.post(app.url(&action)).form(&[("csrf_token", csrf.as_str())]).send().await.unwrap();
    }
    let r = other.get(app.url("/patient/dashboard")).send().await.unwrap();
    assert_eq!(crate::helpers::redirect_path(&r), "/login");
    // Errors beside the field.
    let r = b
        .post(app.url("/me/password"))
        .form(&[("csrf_token", csrf.as_str()), ("current_password", "nope"), ("new_password", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"current_password-error\""), "{html}");
    let r = b
        .post(app.url("/me/password"))
        .form(&[("csrf_token", "forged"), ("current_password", PASSWORD), ("new_password", "violet-harbor-quartz-77")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}
dual!(security_page);
