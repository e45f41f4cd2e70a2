//! Password policy and Argon2id hashing, always off the async runtime.

use std::sync::Arc;

use anyhow::anyhow;
use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use tokio::sync::Semaphore;

use crate::config::Secret;
use crate::error::Error;

/// NIST SP 800-63B section 3.1.1.2 asks for at least 8; the issue asks for 10.
pub const MIN_LEN: usize = 10;
/// An upper bound so a huge "password" cannot make hashing a denial of service.
pub const MAX_LEN: usize = 256;

/// Why a password is refused, or `None` when it is acceptable.
///
/// Strength is judged by zxcvbn (score 3 or more of 4), with the user's email and name as
/// context so "ana.lopez2026" is refused for Ana López.
pub fn weakness(password: &str, context: &[&str]) -> Option<String> {
    let chars = password.chars().count();
    if chars < MIN_LEN {
        return Some(format!("password must be at least {MIN_LEN} characters"));
    }
    if chars > MAX_LEN {
        return Some(format!("password must be at most {MAX_LEN} characters"));
    }
    let entropy = zxcvbn::zxcvbn(password, context);
    if (entropy.score() as u8) < 3 {
        let hint = entropy.feedback().and_then(|f| f.warning().map(|w| w.to_string())).unwrap_or_else(|| "it is easy to guess".into());
        return Some(format!("password is too weak: {hint}. Add more words or characters."));
    }
    None
}

/// Argon2id work, at most one job per core at a time. Each job holds 19 MiB; unbounded, 1,000
/// simultaneous logins in the load benchmark grew the server past 24 GB until the kernel
/// killed it. Waiting jobs cost almost nothing, so logins queue instead.
#[derive(Clone, Debug)]
pub struct Hasher {
    permits: Arc<Semaphore>,
}

impl Default for Hasher {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self { permits: Arc::new(Semaphore::new(cores)) }
    }
}

impl Hasher {
    async fn run<T: Send + 'static>(&self, job: impl FnOnce() -> Result<T, Error> + Send + 'static) -> Result<T, Error> {
        let _permit = self.permits.acquire().await.map_err(|e| Error::Internal(e.into()))?;
        tokio::task::spawn_blocking(job).await.map_err(|e| Error::Internal(e.into()))?
    }

    /// Hashes with Argon2id at the OWASP minimum (19 MiB, 2 passes, 1 lane: argon2's defaults).
    pub async fn hash(&self, password: Secret<String>) -> Result<String, Error> {
        self.run(move || {
            Argon2::default()
                .hash_password(password.expose().as_bytes())
                .map(|h| h.to_string())
                .map_err(|e| Error::Internal(anyhow!("argon2 hash failed: {e}")))
        })
        .await
    }

    /// Checks a password against a stored PHC string.
    pub async fn verify(&self, password: Secret<String>, phc: String) -> Result<bool, Error> {
        self.run(move || {
            let parsed = PasswordHash::new(&phc).map_err(|e| Error::Internal(anyhow!("bad stored hash: {e}")))?;
            Ok(Argon2::default().verify_password(password.expose().as_bytes(), &parsed).is_ok())
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weak_and_short_passwords_are_refused_with_a_reason() {
        assert!(weakness("short", &[]).is_some_and(|r| r.contains("at least 10")));
        assert!(weakness("password123", &[]).is_some_and(|r| r.contains("too weak")));
        assert!(weakness("ana.lopez@clinic.example", &["ana.lopez@clinic.example"]).is_some());
        assert_eq!(weakness("correct horse battery staple", &[]), None);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn hashing_jobs_never_exceed_the_permits() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let hasher = Hasher { permits: Arc::new(Semaphore::new(2)) };
        let (running, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let jobs: Vec<_> = (0..12)
            .map(|_| {
                let (hasher, running, most) = (hasher.clone(), running.clone(), most.clone());
                tokio::spawn(async move {
                    hasher
                        .run(move || {
                            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                            most.fetch_max(now, Ordering::SeqCst);
                            std::thread::sleep(std::time::Duration::from_millis(20));
                            running.fetch_sub(1, Ordering::SeqCst);
                            Ok(())
                        })
                        .await
                })
            })
            .collect();
        for job in jobs {
            assert!(job.await.is_ok_and(|r| r.is_ok()));
        }
        assert_eq!(most.load(Ordering::SeqCst), 2, "two permits: at most two jobs at once, and both used");
    }

    #[tokio::test]
    async fn hash_then_verify() -> Result<(), Error> {
        let hasher = Hasher::default();
        let phc = hasher.hash(Secret::new("violet-orbit-canyon-42".into())).await?;
        assert!(phc.starts_with("$argon2id$"));
        assert!(hasher.verify(Secret::new("violet-orbit-canyon-42".into()), phc.clone()).await?);
        assert!(!hasher.verify(Secret::new("violet-orbit-canyon-43".into()), phc).await?);
        Ok(())
    }
}
