//! Password hashing (argon2id with OWASP's parameters: 19 MiB, 2 passes,
//! 1 lane) and the common-password list. Hashing runs on the blocking pool,
//! a few at a time: each takes 19 MiB, so a burst of logins must queue
//! rather than take a gigabyte (or be a way to exhaust the server's memory).

use std::collections::HashSet;
use std::sync::LazyLock;

use anyhow::anyhow;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};
use argon2::{Algorithm, Argon2, Params, Version};

fn argon2() -> Argon2<'static> {
    // OWASP Password Storage Cheat Sheet: m=19456 KiB, t=2, p=1.
    let params = Params::new(19_456, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// How many hashes may run at once: one per core (they are CPU-bound, so
/// more would not finish sooner), at least two.
static HASHING: LazyLock<tokio::sync::Semaphore> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
    tokio::sync::Semaphore::new(cores.max(2))
});

/// Runs `f` on the blocking pool once a hashing permit is free.
async fn hashing<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> anyhow::Result<T> {
    let _permit = HASHING.acquire().await?;
    Ok(tokio::task::spawn_blocking(f).await?)
}

/// Hashes on the blocking pool; returns a PHC string.
pub async fn hash(password: String) -> anyhow::Result<String> {
    hashing(move || hash_now(&password)).await?
}

pub fn hash_now(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow!("password hashing failed: {e}"))
}

/// Verifies on the blocking pool. With `phc = None` (no such account) a
/// dummy hash is verified instead, so the answer takes as long either way.
pub async fn verify(password: String, phc: Option<String>) -> bool {
    hashing(move || {
        let phc = phc.as_deref().unwrap_or(&DUMMY);
        let ok =
            PasswordHash::new(phc).is_ok_and(|h| argon2().verify_password(password.as_bytes(), &h).is_ok());
        ok && phc != DUMMY.as_str()
    })
    .await
    .unwrap_or(false)
}

static DUMMY: LazyLock<String> = LazyLock::new(|| hash_now("dummy password for timing").unwrap_or_default());

static COMMON: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("common_passwords.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
});

/// `true` if the password (case-insensitively) is in the common list.
pub fn is_common(password: &str) -> bool {
    COMMON.contains(password.to_lowercase().as_str())
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn hash_and_verify() {
        let h = super::hash("correct horse battery".into()).await.expect("hash");
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(super::verify("correct horse battery".into(), Some(h.clone())).await);
        assert!(!super::verify("wrong".into(), Some(h)).await);
        assert!(!super::verify("dummy password for timing".into(), None).await);
    }

    #[test]
    fn common_passwords() {
        for p in [
            "12345678",
            "password",
            "Password1",
            "woaini1314",
            "qwertyuiop",
            "a123456789",
        ] {
            assert!(super::is_common(p), "{p}");
        }
        assert!(!super::is_common("眉县-猕猴桃-2024"));
    }
}
