//! Pages people can live in (issue 13): the signed-in header on every page (error pages too),
//! sign-in that returns to the page asked for with a second step for the code, the warning before
//! the lock, password reset by email and by an administrator's link, times in the reader's zone,
//! codes as words, flash messages, the look (theme, manifest), the history's limit and dates.

use serde_json::json;

use crate::helpers::{Backend, Options, PASSWORD, TestApp, browser, csrf_from, sign_in, spawn_configured};
use crate::{app, dual};

async fn page(app: &TestApp, b: &reqwest::Client, path: &str) -> (u16, String) {
    let r = b.get(app.url(path)).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

fn location(r: &reqwest::Response) -> String {
    r.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string()
}

/// What a person reads: the page without its tags and attributes (values, links).
fn visible(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// A hidden field's value.
fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).unwrap_or_else(|| panic!("no {name} field in {html}")) + marker.len();
    let end = html[start..].find('"').unwrap() + start;
    html[start..end].replace("&#43;", "+").replace("&#x2B;", "+")
}

async fn error_pages_show_who_is_signed_in(backend: Backend) {
    let app = app!(backend);
    app.patient("pat@example.org").await;
    let b = sign_in(&app, "pat@example.org").await;
    // Not found, and refused: the same header as every page, with the role's pages and sign-out.
    for path in ["/records/01900000-0000-7000-8000-000000000000", "/no/such/page", "/admin/users"] {
        let (status, html) = page(&app, &b, path).await;
        assert!(status == 404 || status == 403, "{path}: {status}");
        assert!(html.contains("Pat Ient") && html.contains("action=\"/logout\""), "{path}: {html}");
        assert!(html.contains("href=\"/patient/dashboard\"") && !html.contains("href=\"/register\""), "{path}: {html}");
        let text = visible(&html);
        assert!(text.contains("Page not found") || text.contains("You cannot open this page"), "{path}: {text}");
    }
    // Signing out from the header of an error page works, and says so.
    let (_, html) = page(&app, &b, "/no/such/page").await;
    let csrf = csrf_from(&html);
    let r = b.post(app.url("/logout")).form(&[("csrf_token", csrf.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/?done=signed_out");
    let (_, html) = page(&app, &b, "/?done=signed_out").await;
    assert!(visible(&html).contains("You are signed out.") && html.contains("href=\"/login\""), "{html}");
    // A visitor's error page offers sign-in instead.
    let (status, html) = page(&app, &browser(), "/no/such/page").await;
    assert_eq!(status, 404);
    assert!(html.contains("href=\"/login\"") && !html.contains("action=\"/logout\""), "{html}");
}
dual!(error_pages_show_who_is_signed_in);

async fn sign_in_returns_to_the_page_asked_for(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let doc = app.doctor("doc@example.org", &admin).await;
    let pat = app.patient("pat@example.org").await;
    let record = app.record(&doc, &pat.id, "Follow-up", "visit").await;
    let path = format!("/records/{}", record["id"].as_str().unwrap());

    let b = browser();
    let r = b.get(app.url(&path)).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let login = location(&r);
    assert_eq!(login, format!("/login?next={}", path.replace('/', "%2F")));
    let (_, html) = page(&app, &b, &login).await;
    assert!(visible(&html).contains("Please sign in to see that page"), "{html}");
    assert_eq!(hidden(&html, "next"), path);
    // The password first; the account has two-factor sign-in, so a second step asks for the
    // code alone (no password again).
    let csrf = csrf_from(&html);
    let r = b
        .post(app.url("/login"))
        .form(&[("csrf_token", csrf.as_str()), ("email", "doc@example.org"), ("password", PASSWORD), ("next", path.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let step = r.text().await.unwrap();
    assert!(step.contains("action=\"/login/code\"") && !step.contains("name=\"password\""), "{step}");
    let ticket = hidden(&step, "ticket");
    assert_eq!(hidden(&step, "next"), path);
    // A wrong code asks again.
    let r = b
        .post(app.url("/login/code"))
        .form(&[("csrf_token", csrf.as_str()), ("ticket", ticket.as_str()), ("totp_code", "000000"), ("next", path.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(visible(&r.text().await.unwrap()).contains("That code is not right"));
    // The ticket is this browser's: another browser with it (and its own form token) is sent
    // back to the password, as is an altered ticket.
    let other = browser();
    let (_, other_html) = page(&app, &other, "/login").await;
    let other_csrf = csrf_from(&other_html);
    let code = app.next_code("doc@example.org").unwrap();
    let mut altered = ticket.clone();
    altered.insert(3, 'A');
    for (client, token, t) in [(&other, other_csrf.as_str(), ticket.as_str()), (&b, csrf.as_str(), altered.as_str())] {
        let r = client
            .post(app.url("/login/code"))
            .form(&[("csrf_token", token), ("ticket", t), ("totp_code", code.as_str()), ("next", path.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
        let html = r.text().await.unwrap();
        assert!(html.contains("name=\"password\"") && visible(&html).contains("enter your password again"), "{html}");
    }
    let code = app.next_code("doc@example.org").unwrap();
    let r = b
        .post(app.url("/login/code"))
        .form(&[("csrf_token", csrf.as_str()), ("ticket", ticket.as_str()), ("totp_code", code.as_str()), ("next", path.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), path, "back to the record");
    // The ticket signs in once: with the same browser's token and a fresh code, it is refused.
    let code = app.next_code("doc@example.org").unwrap();
    let again = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let cookie = format!("careledger_csrf={csrf}");
    let r = again
        .post(app.url("/login/code"))
        .header("cookie", cookie)
        .form(&[("csrf_token", csrf.as_str()), ("ticket", ticket.as_str()), ("totp_code", code.as_str()), ("next", path.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "a used ticket");
    let (status, html) = page(&app, &b, &path).await;
    assert_eq!(status, 200);
    assert!(html.contains("Follow-up"));

    // Only this site's pages: anything else lands on the dashboard.
    for next in ["//evil.example/x", "https://evil.example/", "/\\evil.example", "/login", "javascript:alert(1)"] {
        let b = browser();
        let (_, html) = page(&app, &b, &format!("/login?next={}", next.replace('/', "%2F").replace(':', "%3A"))).await;
        assert_eq!(hidden(&html, "next"), "", "{next} is not offered");
        let csrf = csrf_from(&html);
        let r = b
            .post(app.url("/login"))
            .form(&[("csrf_token", csrf.as_str()), ("email", "pat@example.org"), ("password", PASSWORD), ("next", next)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        assert_eq!(location(&r), "/patient/dashboard", "{next}");
    }
}
dual!(sign_in_returns_to_the_page_asked_for);

async fn the_last_attempts_before_the_lock_are_warned_the_same_for_any_email(backend: Backend) {
    let app = app!(backend);
    app.patient("pat@example.org").await;
    let mut seen = Vec::new();
    for email in ["pat@example.org", "nobody@example.org"] {
        let b = browser();
        let (_, html) = page(&app, &b, "/login").await;
        let csrf = csrf_from(&html);
        let (mut attempts, mut tried) = ("0".to_string(), String::new());
        let mut texts = Vec::new();
        for _ in 0..4 {
            let r = b
                .post(app.url("/login"))
                .form(&[
                    ("csrf_token", csrf.as_str()),
                    ("email", email),
                    ("password", "not-the-password-1"),
                    ("attempts", attempts.as_str()),
                    ("tried", tried.as_str()),
                ])
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 401);
            let html = r.text().await.unwrap();
            attempts = hidden(&html, "attempts");
            tried = hidden(&html, "tried");
            texts.push(visible(&html).replace(email, "EMAIL"));
        }
        assert!(!texts[1].contains("more wrong"), "no warning yet: {}", texts[1]);
        assert!(texts[2].contains("2 more wrong attempts in a row"), "{}", texts[2]);
        assert!(texts[3].contains("1 more wrong attempt in a row"), "{}", texts[3]);
        seen.push(texts);
    }
    assert_eq!(seen[0], seen[1], "a real account and an unknown email read the same");
}
dual!(the_last_attempts_before_the_lock_are_warned_the_same_for_any_email);

async fn password_reset_by_email(backend: Backend) {
    let Some((app, mut inbox)) = crate::helpers::spawn_with_mail(backend, |_| {}).await else { return };
    let pat = app.patient("pat@example.org").await;
    let signed_in = sign_in(&app, "pat@example.org").await;

    let ask = |email: &'static str| {
        let app = &app;
        async move {
            let b = browser();
            let (_, html) = page(app, &b, "/forgot-password").await;
            let csrf = csrf_from(&html);
            let r = b.post(app.url("/forgot-password")).form(&[("csrf_token", csrf.as_str()), ("email", email)]).send().await.unwrap();
            assert_eq!(r.status(), 200);
            visible(&r.text().await.unwrap()).replace(email, "EMAIL")
        }
    };
    let unknown = ask("nobody@example.org").await;
    let known = ask("pat@example.org").await;
    assert_eq!(known, unknown, "the same answer whether or not the email has an account");
    assert!(known.contains("works once, for 30 minutes"), "{known}");
    let r = app.post("/api/v1/auth/password-reset", None, &json!({"email": "nobody@example.org"})).await;
    assert_eq!(r.status, 202);

    let mail = tokio::time::timeout(std::time::Duration::from_secs(10), inbox.recv()).await.expect("an email").unwrap().replace("=\n", "");
    assert!(mail.contains("To: ") && mail.contains("pat@example.org"), "{mail}");
    let start = mail.find("https://records.clinic.test/set-password?token=").unwrap_or_else(|| panic!("a link in {mail}"));
    let link: String = mail[start..].split_whitespace().next().unwrap().replace("token=3D", "token=");
    let token = link.split("token=").nth(1).unwrap().to_string();
    assert!(tokio::time::timeout(std::time::Duration::from_millis(500), inbox.recv()).await.is_err(), "no mail for the unknown email");
    // Stored hashed only.
    let stored: Vec<String> =
        sqlx::query_scalar("SELECT token_sha256 FROM password_setup_tokens").fetch_all(&app.state.db.pool).await.unwrap();
    assert!(!stored.is_empty() && stored.iter().all(|s| *s != token && s.len() == 64), "{stored:?}");

    let b = browser();
    let (status, html) = page(&app, &b, &format!("/set-password?token={token}")).await;
    assert_eq!(status, 200);
    assert!(!visible(&html).contains("does not work"), "{html}");
    let csrf = csrf_from(&html);
    let new_password = "a-brand-new-passphrase-77";
    let r = b
        .post(app.url("/set-password"))
        .form(&[("csrf_token", csrf.as_str()), ("token", token.as_str()), ("password", new_password)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/login?why=password_set");
    // Every session is over: the API token and the page session.
    assert_eq!(app.get("/api/v1/me", Some(&pat.access)).await.status, 401);
    let r = signed_in.get(app.url("/patient/dashboard")).send().await.unwrap();
    assert_eq!(r.status(), 303, "signed out");
    // The new password works, the old one not; the link works once.
    let r = app.post("/api/v1/auth/login", None, &json!({"email": "pat@example.org", "password": new_password})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    app.post("/api/v1/auth/login", None, &json!({"email": "pat@example.org", "password": PASSWORD}))
        .await
        .assert_problem(401, "invalid_credentials");
    let r = app.post("/api/v1/auth/set-password", None, &json!({"token": token, "password": "yet-another-passphrase-88"})).await;
    r.assert_problem(404, "link_not_found");

    // The owner is told (their sessions were signed out).
    let told = tokio::time::timeout(std::time::Duration::from_secs(10), inbox.recv()).await.expect("an email").unwrap().replace("=\n", "");
    assert!(told.contains("password was changed") || told.contains("Your careledger password was changed"), "{told}");
    // The audit row of the reset names the account.
    app.state.audit.flush().await.unwrap();
    let named: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'account.set_password' AND resource_id = $1 AND outcome = 'success'",
    )
    .bind(&pat.id)
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    assert_eq!(named, 1, "the set-password row names whose password it was");
    // A link is good for 30 minutes; asking again within two minutes sends nothing more (and
    // a newer link ends the older one).
    app.clock.advance(chrono::Duration::minutes(3));
    app.post("/api/v1/auth/password-reset", None, &json!({"email": "pat@example.org"})).await;
    let mail = tokio::time::timeout(std::time::Duration::from_secs(10), inbox.recv()).await.expect("an email").unwrap().replace("=\n", "");
    let start = mail.find("set-password?token=").expect("a link");
    let token = mail[start..].split_whitespace().next().unwrap().split("token=").nth(1).unwrap().trim_start_matches("3D").to_string();
    for _ in 0..3 {
        assert_eq!(app.post("/api/v1/auth/password-reset", None, &json!({"email": "pat@example.org"})).await.status, 202);
    }
    assert!(tokio::time::timeout(std::time::Duration::from_millis(700), inbox.recv()).await.is_err(), "one mail per two minutes");
    app.clock.advance(chrono::Duration::minutes(31));
    let r = app.post("/api/v1/auth/set-password", None, &json!({"token": token, "password": "yet-another-passphrase-88"})).await;
    r.assert_problem(404, "link_not_found");

    // A link made before the owner changed their password the usual way works no more, and a
    // newer link ends an older one.
    app.post("/api/v1/auth/password-reset", None, &json!({"email": "pat@example.org"})).await;
    let mail = tokio::time::timeout(std::time::Duration::from_secs(10), inbox.recv()).await.expect("an email").unwrap().replace("=\n", "");
    let start = mail.find("set-password?token=").expect("a link");
    let older = mail[start..].split_whitespace().next().unwrap().split("token=").nth(1).unwrap().trim_start_matches("3D").to_string();
    let s = app.login_with("pat@example.org", new_password).await;
    let r = app
        .post("/api/v1/me/password", Some(&s), &json!({"current_password": new_password, "new_password": "the-owners-own-choice-99"}))
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    let r = app.post("/api/v1/auth/set-password", None, &json!({"token": older, "password": "an-attackers-choice-9911"})).await;
    r.assert_problem(404, "link_not_found");
}
dual!(password_reset_by_email);

async fn an_administrator_makes_a_reset_link_for_a_clinic_without_email(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let doc = app.doctor("doc@example.org", &admin).await;
    let pat = app.patient("pat@example.org").await;
    // Without SMTP, the page says who to ask (the same for every email).
    let b = browser();
    let (_, html) = page(&app, &b, "/forgot-password").await;
    assert!(visible(&html).contains("does not send email"), "{html}");

    // Refused side: a doctor and a patient cannot make one; an unknown id is 404.
    let path = format!("/api/v1/admin/users/{}/reset-link", pat.id);
    app.post(&path, Some(&doc.access), &json!({})).await.assert_problem(403, "forbidden");
    app.post(&path, Some(&pat.access), &json!({})).await.assert_problem(403, "forbidden");
    app.post("/api/v1/admin/users/01900000-0000-7000-8000-000000000000/reset-link", Some(&admin.access), &json!({}))
        .await
        .assert_problem(404, "user_not_found");
    // Not for an administrator's account, their own included: no administrator takes over another.
    app.post(&format!("/api/v1/admin/users/{}/reset-link", admin.id), Some(&admin.access), &json!({}))
        .await
        .assert_problem(403, "forbidden");
    let r = app.post(&path, Some(&admin.access), &json!({})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    // A second link ends the first.
    let first = r.body["path"].as_str().unwrap().split("token=").nth(1).unwrap().to_string();
    let r = app.post(&path, Some(&admin.access), &json!({})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    app.post("/api/v1/auth/set-password", None, &json!({"token": first, "password": "a-brand-new-passphrase-77"}))
        .await
        .assert_problem(404, "link_not_found");
    let link = r.body["path"].as_str().unwrap().to_string();
    assert!(link.starts_with("/set-password?token=") && r.body["emailed"] == json!(false), "{}", r.text);
    let token = link.split("token=").nth(1).unwrap();
    let r = app.post("/api/v1/auth/set-password", None, &json!({"token": token, "password": "a-brand-new-passphrase-77"})).await;
    assert_eq!(r.status, 204, "{}", r.text);
    assert_eq!(app.get("/api/v1/me", Some(&pat.access)).await.status, 401, "signed out everywhere");
    // The page: a button on the users list, the link shown once.
    let admin_page = sign_in(&app, "admin@clinic.test").await;
    let (_, html) = page(&app, &admin_page, "/admin/users").await;
    assert!(html.contains(&format!("action=\"/admin/users/{}/reset-link\"", doc.id)), "{html}");
    let csrf = csrf_from(&html);
    let r = admin_page
        .post(app.url(&format!("/admin/users/{}/reset-link", doc.id)))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("/set-password?token=") && visible(&html).contains("Password reset link for Dana Doctor"), "{html}");
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'account.reset_link' AND outcome = 'success'")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap_or_default();
    app.state.audit.flush().await.unwrap();
    let rows_after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'account.reset_link' AND outcome = 'success'")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert!(rows_after >= 2 && rows_after >= rows, "each link made is in the audit trail: {rows_after}");
}
dual!(an_administrator_makes_a_reset_link_for_a_clinic_without_email);

async fn times_are_shown_in_the_readers_zone(backend: Backend) {
    let Some(app) = spawn_configured(backend, Options::default(), |s| {
        s.time_zone = careledger::clock::Zone::parse("Europe/Madrid").unwrap();
    })
    .await
    else {
        return;
    };
    let pat = app.patient("pat@example.org").await;
    let b = sign_in(&app, "pat@example.org").await;
    let (_, html) = page(&app, &b, "/me/security").await;
    assert!(html.contains("times in Europe/Madrid"), "the clinic's zone: {html}");
    // Times read as the zone has them, with how long ago for recent ones; never raw RFC 3339.
    let created: String =
        sqlx::query_scalar("SELECT created_at FROM sessions ORDER BY created_at DESC LIMIT 1").fetch_one(&app.state.db.pool).await.unwrap();
    let shown = careledger::clock::Zone::parse("Europe/Madrid").unwrap().when(&created);
    let text = visible(&html);
    assert!(text.contains(&shown) && text.contains("ago"), "{shown} in {text}");
    assert!(!text.contains(&created[..19]), "no raw time: {text}");

    // The person chooses their own zone (API and page); an unknown one is refused by name.
    let r = app.put("/api/v1/me/preferences", Some(&pat.access), &json!({"time_zone": "Mars/Olympus", "theme": null})).await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.error_fields(), vec!["time_zone".to_string()]);
    let r = app.put("/api/v1/me/preferences", Some(&pat.access), &json!({"time_zone": "America/Chicago", "theme": "dark"})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["time_zone"], "America/Chicago");
    let (_, html) = page(&app, &b, "/me/security").await;
    assert!(html.contains("times in America/Chicago") && html.contains("data-theme=\"dark\""), "{html}");
    let csrf = csrf_from(&html);
    let r = b.post(app.url("/me/time-zone")).form(&[("csrf_token", csrf.as_str()), ("time_zone", "")]).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let (_, html) = page(&app, &b, &location(&r)).await;
    assert!(html.contains("times in Europe/Madrid") && visible(&html).contains("Times are now shown in the zone you chose"), "{html}");
    let r = b.post(app.url("/me/theme")).form(&[("csrf_token", csrf.as_str()), ("theme", "purple")]).send().await.unwrap();
    assert_eq!(r.status(), 422);
}
dual!(times_are_shown_in_the_readers_zone);

async fn codes_read_as_words_and_actions_say_what_happened(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    app.register("new.doc@example.org", "doctor", "Nina New").await;
    let b = sign_in(&app, "admin@clinic.test").await;
    let (_, html) = page(&app, &b, "/admin/users?status=pending_approval").await;
    let text = visible(&html);
    assert!(text.contains("Waiting for approval") && !text.contains("pending_approval"), "{text}");
    let csrf = csrf_from(&html);
    let id = app.get("/api/v1/admin/users?status=pending_approval", Some(&admin.access)).await.body["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = b.post(app.url(&format!("/admin/users/{id}/approve"))).form(&[("csrf_token", csrf.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let (_, html) = page(&app, &b, &location(&r)).await;
    let text = visible(&html);
    assert!(text.contains("Nina New: approved; the account can work now.") && !text.contains("Done: approve"), "{text}");
    assert!(html.contains("class=\"success\""), "good news is not shown as a warning");
    // The audit page shows actions and outcomes as words (the codes stay in the API).
    let (_, html) = page(&app, &b, "/admin/audit").await;
    let text = visible(&html);
    assert!(text.contains("Approved an account") && !text.contains("user.approve"), "{text}");
    // A new doctor is told the account waits for approval when sent to set up two-factor.
    let nina = browser();
    let (_, html) = page(&app, &nina, "/register").await;
    let csrf = csrf_from(&html);
    let r = nina
        .post(app.url("/register"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("email", "second.doc@example.org"),
            ("password", PASSWORD),
            ("full_name", "Sam Second"),
            ("role", "doctor"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let r = nina.get(app.url(&location(&r))).send().await.unwrap();
    let html = if r.status() == 303 { page(&app, &nina, &location(&r)).await.1 } else { r.text().await.unwrap() };
    assert!(visible(&html).contains("waiting for an administrator's approval"), "{html}");
}
dual!(codes_read_as_words_and_actions_say_what_happened);

async fn history_keeps_its_limit_and_refuses_dates_the_wrong_way_round(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let doc = app.doctor("doc@example.org", &admin).await;
    let pat = app.patient("pat@example.org").await;
    for title in ["One", "Two", "Three"] {
        app.record(&doc, &pat.id, title, "visit").await;
    }
    let b = sign_in(&app, "pat@example.org").await;
    let (status, html) = page(&app, &b, "/history?limit=1").await;
    assert_eq!(status, 200);
    assert_eq!(html.matches("href=\"/records/").count(), 1, "{html}");
    assert!(html.contains("limit=1"), "the next page keeps the limit: {html}");
    let (status, html) = page(&app, &b, "/history?from=2026-12-01&to=2026-11-01").await;
    assert_eq!(status, 422);
    assert!(visible(&html).contains("to must not be before from"), "{html}");
    app.get("/api/v1/records?from=2026-12-01&to=2026-11-01", Some(&pat.access)).await.assert_problem(422, "validation_failed");
}
dual!(history_keeps_its_limit_and_refuses_dates_the_wrong_way_round);

async fn the_app_can_be_installed_and_its_icons_load(backend: Backend) {
    let app = app!(backend);
    let b = browser();
    let r = b.get(app.url("/manifest.webmanifest")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/manifest+json");
    let manifest: serde_json::Value = r.json().await.unwrap();
    assert_eq!(manifest["start_url"], "/");
    for icon in manifest["icons"].as_array().unwrap() {
        let r = b.get(app.url(icon["src"].as_str().unwrap())).send().await.unwrap();
        assert_eq!(r.status(), 200, "{icon}");
        let bytes = r.bytes().await.unwrap();
        assert!(bytes.starts_with(b"\x89PNG") || bytes.starts_with(b"<svg"), "{icon}");
    }
    let (_, html) = page(&app, &b, "/").await;
    assert!(html.contains("rel=\"manifest\"") && html.contains("name=\"color-scheme\""), "{html}");
    let css = b.get(app.url("/static/style.css")).send().await.unwrap().text().await.unwrap();
    assert!(css.contains("prefers-color-scheme: dark") && css.contains("@media print"), "dark mode and print styles");
}
dual!(the_app_can_be_installed_and_its_icons_load);

async fn a_patient_prints_their_records_with_each_records_code(backend: Backend) {
    let app = app!(backend);
    let admin = app.admin().await;
    let doc = app.doctor("doc@example.org", &admin).await;
    let pat = app.patient("pat@example.org").await;
    let other = app.patient("other@example.org").await;
    let record = app.record(&doc, &pat.id, "Blood pressure review", "visit").await;
    app.record(&doc, &other.id, "Someone else's visit", "visit").await;
    let b = sign_in(&app, "pat@example.org").await;
    let (status, html) = page(&app, &b, "/me/records/print").await;
    assert_eq!(status, 200);
    let text = visible(&html);
    assert!(text.contains("Blood pressure review") && !text.contains("Someone else"), "{text}");
    // The code is the one the record's own page prints: the start of its ledger leaf hash.
    let (_, record_page) = page(&app, &b, &format!("/records/{}", record["id"].as_str().unwrap())).await;
    // (the last mention: the printed footer's).
    let code = visible(&record_page).rsplit("verification code ").next().unwrap().split_whitespace().next().unwrap().to_string();
    assert_eq!(code.len(), 14, "{code}");
    assert!(text.contains(&code), "the printed records carry {code}");
    // Staff have no such page.
    let d = sign_in(&app, "doc@example.org").await;
    assert_eq!(page(&app, &d, "/me/records/print").await.0, 403);
}
dual!(a_patient_prints_their_records_with_each_records_code);
