//! The pages in a real browser (issue 13, item 6): `tests/browser/walk.mjs` drives Debian's
//! chromium with playwright-core against a server started here, on each database: register,
//! sign-in with two-factor and the return-to path, a doctor writes, amends and attaches, the
//! patient reads, downloads the proof and prints, error pages signed in, both themes at both
//! widths, password reset through a mail sink; axe-core on every page (no serious or critical
//! violation). Screenshots and PDFs stay in `target/browser-walk/<database>/` for CI to keep.
//!
//! Skipped when node, chromium or the walk's npm packages are missing, unless
//! `CARELEDGER_REQUIRE_BROWSER=1` (set by `.ci/run`, which installs them).

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::dual;
use crate::helpers::{Backend, PASSWORD};

fn walk_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser")
}

fn chromium() -> Option<PathBuf> {
    let configured = std::env::var_os("CARELEDGER_CHROMIUM").map(PathBuf::from);
    configured.into_iter().chain([PathBuf::from("/usr/bin/chromium"), PathBuf::from("/usr/bin/chromium-browser")]).find(|p| p.exists())
}

/// What is missing for the walk, if anything.
fn missing() -> Option<String> {
    if std::process::Command::new("node").arg("--version").output().map(|o| !o.status.success()).unwrap_or(true) {
        return Some("node".into());
    }
    if chromium().is_none() {
        return Some("chromium (/usr/bin/chromium)".into());
    }
    for package in ["playwright-core", "axe-core"] {
        if !walk_dir().join("node_modules").join(package).exists() {
            return Some(format!("{package} (npm ci --prefix tests/browser)"));
        }
    }
    None
}

async fn a_real_browser_walks_the_pages(backend: Backend) {
    if let Some(what) = missing() {
        assert!(std::env::var("CARELEDGER_REQUIRE_BROWSER").as_deref() != Ok("1"), "the browser walk needs {what}");
        eprintln!("browser walk skipped: {what} is missing");
        return;
    }
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/browser-walk").join(match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    });
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).unwrap();
    // Every email's links go into a file the walk reads (the mail sink of the reset step).
    let mailbox = out.join("mailbox.txt");
    let Some((app, mut inbox)) = crate::helpers::spawn_with_mail(backend, |s| {
        // The walk's links are this server's, not the public address the sink's helper sets.
        s.public_url = None;
        s.time_zone = careledger::clock::Zone::parse("Europe/Madrid").unwrap();
        s.clinic_name = "Walk Clinic".into();
    })
    .await
    else {
        return;
    };
    let base = app.base.clone();
    let sink = mailbox.clone();
    tokio::spawn(async move {
        while let Some(mail) = inbox.recv().await {
            // Quoted-printable (RFC 2045): soft line breaks and "=3D" for "=".
            let text = mail.replace("=\n", "").replace("=3D", "=");
            for link in text.split_whitespace().filter(|w| w.contains("/set-password?token=")) {
                let path = &link[link.find("/set-password").unwrap_or(0)..];
                let mut f = std::fs::OpenOptions::new().create(true).append(true).open(&sink).unwrap();
                writeln!(f, "{base}{path}").unwrap();
            }
        }
    });
    let admin = app.admin().await;
    app.doctor("doc@walk.test", &admin).await;
    let code = app.next_code("doc@walk.test").unwrap();
    let run = tokio::process::Command::new("node")
        .arg(walk_dir().join("walk.mjs"))
        .env("BASE", &app.base)
        .env("OUT", &out)
        .env("PASSWORD", PASSWORD)
        .env("DOCTOR_EMAIL", "doc@walk.test")
        .env("DOCTOR_CODE", &code)
        .env("MAILBOX", &mailbox)
        .env("CHROMIUM", chromium().unwrap())
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "the browser walk failed ({}):\n{stdout}\n{stderr}", out.display());
    assert!(stdout.contains("walk ok"), "{stdout}");
    // What the walk saw is kept: a screenshot per page, theme and width, and the printed PDFs.
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join("walk.json")).unwrap()).unwrap();
    assert!(report["pages_checked_with_axe"].as_array().unwrap().len() >= 20, "{report}");
    for pdf in ["record.pdf", "my-records.pdf"] {
        assert!(std::fs::read(out.join(pdf)).unwrap().starts_with(b"%PDF"), "{pdf}");
    }
}
dual!(a_real_browser_walks_the_pages);
