//! HTTP hardening: security headers, CORS only for configured origins, and TLS built in
//! (HSTS, `__Host-` cookies), with a certificate made in the test.

use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{Backend, Options, TempDir, spawn_configured};
use crate::{app, dual};

async fn security_headers_on_every_answer(backend: Backend) {
    let app = app!(backend);
    for path in ["/", "/login", "/api/v1/me", "/healthz", "/no-such-page", "/docs/"] {
        let r = app.http.get(app.url(path)).send().await.unwrap();
        let h = r.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("script-src 'self';") && csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        let style_inline = csp.contains("style-src 'self' 'unsafe-inline'");
        assert_eq!(style_inline, path == "/docs/", "only Swagger UI may use inline styles: {path}: {csp}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["referrer-policy"], "same-origin", "{path}");
        assert!(h["permissions-policy"].to_str().unwrap().contains("camera=()"), "{path}");
        assert_eq!(h["x-frame-options"], "DENY");
        assert!(h.get("strict-transport-security").is_none(), "no HSTS over plain HTTP");
        assert!(h.get("access-control-allow-origin").is_none(), "no CORS unless configured");
    }
    // Oversized form bodies are refused like JSON ones.
    let big = "a".repeat(2 * 1024 * 1024);
    let r = app.http.post(app.url("/login")).form(&[("csrf_token", "x"), ("email", big.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 413);
}
dual!(security_headers_on_every_answer);

async fn cors_only_for_configured_origins(backend: Backend) {
    let Some(app) = spawn_configured(backend, Options::default(), |s| {
        s.cors_origins = vec![axum::http::HeaderValue::from_static("https://portal.example")];
    })
    .await
    else {
        return;
    };
    let preflight = |origin: &'static str| {
        app.http
            .request(reqwest::Method::OPTIONS, app.url("/api/v1/records"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "authorization, content-type")
            .send()
    };
    let r = preflight("https://portal.example").await.unwrap();
    assert_eq!(r.headers()["access-control-allow-origin"], "https://portal.example");
    assert!(r.headers()["access-control-allow-headers"].to_str().unwrap().contains("authorization"));
    let r = preflight("https://evil.example").await.unwrap();
    assert!(r.headers().get("access-control-allow-origin").is_none());
    let r = app.http.get(app.url("/healthz")).header("origin", "https://evil.example").send().await.unwrap();
    assert!(r.headers().get("access-control-allow-origin").is_none());
}
dual!(cors_only_for_configured_origins);

/// One raw HTTP/1.1 exchange over TLS, trusting only `ca`.
async fn https(port: u16, ca: &rustls_pki_types::CertificateDer<'static>, request: String) -> String {
    let mut roots = tokio_rustls::rustls::RootCertStore::empty();
    roots.add(ca.clone()).unwrap();
    let config =
        tokio_rustls::rustls::ClientConfig::builder_with_provider(Arc::new(tokio_rustls::rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let name = rustls_pki_types::ServerName::try_from("localhost").unwrap();
    let mut tls = connector.connect(name, tcp).await.expect("TLS handshake with the test certificate");
    tls.write_all(request.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    let _ = tls.read_to_end(&mut out).await;
    String::from_utf8_lossy(&out).into_owned()
}

async fn tls_login_hsts_and_host_cookies(backend: Backend) {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let dir = TempDir::new();
    let cert_path = dir.0.join("cert.pem");
    let key_path = dir.0.join("key.pem");
    std::fs::write(&cert_path, cert.cert.pem()).unwrap();
    std::fs::write(&key_path, cert.signing_key.serialize_pem()).unwrap();
    let ca = cert.cert.der().clone();
    let Some(app) = spawn_configured(backend, Options::default(), |s| {
        s.tls = Some(careledger::config::TlsFiles { cert: cert_path.clone(), key: key_path.clone() });
    })
    .await
    else {
        return;
    };
    assert!(app.base.starts_with("https://"));
    let port: u16 = app.base.rsplit(':').next().unwrap().parse().unwrap();
    // Plain HTTP to the TLS port gets nowhere.
    assert!(reqwest::get(format!("http://127.0.0.1:{port}/healthz")).await.map(|r| r.status() != 200).unwrap_or(true));
    let r = https(port, &ca, "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".into()).await;
    assert!(r.starts_with("HTTP/1.1 200"), "{r}");
    assert!(r.to_lowercase().contains("strict-transport-security: max-age=63072000"), "{r}");
    // Register and sign in through TLS, on the API and on the login page.
    let body = format!(r#"{{"email":"tls@example.org","password":"{}","role":"patient","full_name":"T L S"}}"#, crate::helpers::PASSWORD);
    let r = https(port, &ca, format!(
        "POST /api/v1/auth/register HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    ))
    .await;
    assert!(r.starts_with("HTTP/1.1 201"), "{r}");
    let login = format!(r#"{{"email":"tls@example.org","password":"{}"}}"#, crate::helpers::PASSWORD);
    let r = https(port, &ca, format!(
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{login}",
        login.len()
    ))
    .await;
    assert!(r.starts_with("HTTP/1.1 200") && r.contains("access_token"), "{r}");
    let page = https(port, &ca, "GET /login HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".into()).await;
    // Every cookie under TLS carries the __Host- prefix, the pre-login CSRF one included.
    let csrf_cookie =
        page.lines().find(|l| l.to_lowercase().starts_with("set-cookie: __host-careledger_csrf=")).expect("__Host- csrf cookie");
    assert!(csrf_cookie.contains("Secure") && csrf_cookie.contains("Path=/"), "{csrf_cookie}");
    assert!(!page.to_lowercase().contains("set-cookie: careledger_"), "no cookie without the prefix: {page}");
    let token = crate::helpers::csrf_from(&page);
    let form = format!("csrf_token={token}&email=tls%40example.org&password={}&totp_code=", crate::helpers::PASSWORD);
    // Login CSRF: a token planted in a cookie without the prefix (a sibling domain or a plain
    // HTTP answer can set one) is not accepted.
    let planted = https(port, &ca, format!(
        "POST /login HTTP/1.1\r\nHost: localhost\r\nCookie: careledger_csrf={token}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{form}",
        form.len()
    ))
    .await;
    assert!(planted.starts_with("HTTP/1.1 403"), "{planted}");
    let r = https(port, &ca, format!(
        "POST /login HTTP/1.1\r\nHost: localhost:{port}\r\nCookie: __Host-careledger_csrf={token}\r\nOrigin: https://localhost:{port}\r\nSec-Fetch-Site: same-origin\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{form}",
        form.len()
    ))
    .await;
    assert!(r.starts_with("HTTP/1.1 303"), "{r}");
    let device = r.lines().find(|l| l.to_lowercase().starts_with("set-cookie: __host-careledger_device=")).expect("__Host- device cookie");
    assert!(device.contains("Secure") && device.contains("HttpOnly") && device.contains("SameSite=Strict"), "{device}");
    let session = r.lines().find(|l| l.to_lowercase().starts_with("set-cookie: __host-careledger_session=")).expect("__Host- cookie");
    assert!(
        session.contains("Secure") && session.contains("HttpOnly") && session.contains("Path=/") && !session.contains("Domain"),
        "{session}"
    );
    let value = session.split_once('=').unwrap().1.split(';').next().unwrap();
    let r = https(
        port,
        &ca,
        format!(
            "GET /patient/dashboard HTTP/1.1\r\nHost: localhost\r\nCookie: __Host-careledger_session={value}\r\nConnection: close\r\n\r\n"
        ),
    )
    .await;
    assert!(r.starts_with("HTTP/1.1 200") && r.contains("T L S"), "{r}");
}
dual!(tls_login_hsts_and_host_cookies);
