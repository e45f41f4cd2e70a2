//! Argon2id password hashing (RFC 9106), always off the async runtime and bounded to one job
//! per core.

use std::sync::Arc;

use anyhow::anyhow;
use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use tokio::sync::Semaphore;

use crate::config::Secret;
use crate::error::Error;

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
