//! Pages in English and Spanish (issue 13, item 4): the browser's `Accept-Language` for
//! visitors and people who did not choose, a saved choice (page and API) that wins over it, and
//! every kind of text in the chosen language: the header, headings, dates, codes, flash messages,
//! form errors and error pages.

use serde_json::json;

use crate::helpers::{Backend, TestApp, csrf_from, sign_in};
use crate::{app, dual};

async fn get(app: &TestApp, b: &reqwest::Client, path: &str, lang: Option<&str>) -> (u16, String) {
    let mut req = b.get(app.url(path));
    if let Some(lang) = lang {
        req = req.header("accept-language", lang);
    }
    let r = req.send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn visitors_read_their_browsers_language(backend: Backend) {
    let app = app!(backend);
    let b = crate::helpers::browser();
    let (_, html) = get(&app, &b, "/login", Some("es-ES,es;q=0.9,en;q=0.8")).await;
    assert!(html.contains("<html lang=\"es\""), "{html}");
    assert!(html.contains("Iniciar sesión") && html.contains("Registrarse"), "{html}");
    assert!(!html.contains(">Sign in<"), "{html}");
    // English when the browser asks for it, for a language careledger does not speak, or for none.
    for lang in [Some("en-GB"), Some("de-DE,fr;q=0.8"), None, Some("es;q=0, en")] {
        let (_, html) = get(&app, &b, "/login", lang).await;
        assert!(html.contains("<html lang=\"en\"") && html.contains("Sign in"), "{lang:?}: {html}");
    }
    // The error page of a visitor, in Spanish.
    let (status, html) = get(&app, &b, "/no/such/page", Some("es")).await;
    assert_eq!(status, 404);
    assert!(html.contains("Página no encontrada") && html.contains("Volver al inicio"), "{html}");
    assert!(html.contains("Aquí no hay ninguna página.") && !html.contains("There is no page here"), "{html}");
    // A form error made with `format!` (a weak password), translated by its pattern.
    let html = b.get(app.url("/register")).header("accept-language", "es").send().await.unwrap().text().await.unwrap();
    let csrf = crate::helpers::csrf_from(&html);
    let r = b
        .post(app.url("/register"))
        .header("accept-language", "es")
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("full_name", "Rosa Díaz"),
            ("email", "rosa@example.org"),
            ("password", "password123"),
            ("role", "patient"),
        ])
        .send()
        .await
        .unwrap();
    let html = r.text().await.unwrap();
    assert!(html.contains("la contraseña es demasiado débil:") && !html.contains("too weak"), "{html}");
}
dual!(visitors_read_their_browsers_language);

async fn a_saved_language_wins_over_the_browser(backend: Backend) {
    let app = app!(backend);
    let pat = app.patient("pat@example.org").await;
    let b = sign_in(&app, "pat@example.org").await;

    // No choice: the browser's language, on pages and in the header.
    let (_, html) = get(&app, &b, "/patient/dashboard", Some("es")).await;
    assert!(html.contains("<html lang=\"es\"") && html.contains("Cerrar sesión") && html.contains("Mis registros"), "{html}");

    // The API refuses a language careledger does not speak, naming the field; saves one it does.
    let r = app.put("/api/v1/me/preferences", Some(&pat.access), &json!({"time_zone": null, "theme": null, "language": "fr"})).await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.error_fields(), vec!["language".to_string()]);
    let r = app.put("/api/v1/me/preferences", Some(&pat.access), &json!({"time_zone": null, "theme": null, "language": "es-MX"})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["language"], "es");
    let me = app.get("/api/v1/me", Some(&pat.access)).await;
    assert_eq!(me.body["language"], "es");

    // Saved: Spanish even when the browser asks for English; error pages too.
    let (_, html) = get(&app, &b, "/me/security", Some("en-US")).await;
    assert!(html.contains("<html lang=\"es\"") && html.contains("Cerrar sesión"), "{html}");
    let (status, html) = get(&app, &b, "/records/01900000-0000-7000-8000-000000000000", Some("en-US")).await;
    assert_eq!(status, 404);
    assert!(html.contains("Página no encontrada") && html.contains("Aquí no hay nada que usted pueda ver."), "{html}");

    // The account page's form: back to English, with the flash message in English.
    let csrf = csrf_from(&html);
    let r = b.post(app.url("/me/language")).form(&[("csrf_token", csrf.as_str()), ("language", "en")]).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let to = r.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    let (_, html) = get(&app, &b, &to, Some("es")).await;
    assert!(html.contains("<html lang=\"en\"") && html.contains("Language saved."), "{html}");
    // Then to Spanish: the flash says so in Spanish.
    let r = b.post(app.url("/me/language")).form(&[("csrf_token", csrf.as_str()), ("language", "es")]).send().await.unwrap();
    let to = r.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    let (_, html) = get(&app, &b, &to, None).await;
    assert!(html.contains("Idioma guardado."), "{html}");
    // An unknown choice from the form is refused, and nothing changes.
    let r = b.post(app.url("/me/language")).form(&[("csrf_token", csrf.as_str()), ("language", "xx")]).send().await.unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(app.get("/api/v1/me", Some(&pat.access)).await.body["language"], "es");
    // Empty: follow the browser again.
    let r = b.post(app.url("/me/language")).form(&[("csrf_token", csrf.as_str()), ("language", "")]).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert!(app.get("/api/v1/me", Some(&pat.access)).await.body.get("language").is_none());
    let (_, html) = get(&app, &b, "/me/security", Some("en")).await;
    assert!(html.contains("<html lang=\"en\""), "{html}");
}
dual!(a_saved_language_wins_over_the_browser);

async fn dates_codes_and_form_errors_read_in_spanish(backend: Backend) {
    let app = app!(backend);
    app.admin().await;
    app.register("new.doc@example.org", "doctor", "Nina New").await;
    let b = sign_in(&app, "admin@clinic.test").await;
    let (_, html) = get(&app, &b, "/admin/users?status=pending_approval", Some("es")).await;
    assert!(html.contains("Pendiente de aprobación") && !html.contains("Waiting for approval"), "{html}");
    // Times on the audit trail: a month in Spanish ("nov", "dic"...), how long ago in Spanish,
    // and the actions in words.
    let (_, html) = get(&app, &b, "/admin/audit", Some("es")).await;
    let months = ["ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic"];
    assert!(months.iter().any(|m| html.contains(&format!(" {m} 20"))), "{html}");
    assert!(html.contains("Inició sesión") && !html.contains("Signed in"), "{html}");
    assert!(html.contains("(ahora mismo)") && !html.contains("just now"), "{html}");

    // A form error from domain code, in Spanish (the history's dates the wrong way round).
    app.patient("pat@example.org").await;
    let b = sign_in(&app, "pat@example.org").await;
    let (status, html) = get(&app, &b, "/history?from=2026-12-01&to=2026-11-01", Some("es")).await;
    assert_eq!(status, 422);
    assert!(html.contains("«hasta» no debe ser anterior a «desde»"), "{html}");
    assert!(!html.contains("to must not be before from"), "{html}");
    // A flash message, in Spanish: signing out.
    let csrf = csrf_from(&html);
    let r = b.post(app.url("/logout")).header("accept-language", "es").form(&[("csrf_token", csrf.as_str())]).send().await.unwrap();
    let to = r.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    let (_, html) = get(&app, &b, &to, Some("es")).await;
    assert!(html.contains("Ha cerrado la sesión."), "{to}: {html}");
}
dual!(dates_codes_and_form_errors_read_in_spanish);
