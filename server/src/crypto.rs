//! Protection of personal data at rest (PIPL: 身份证号 is sensitive personal
//! information).
//!
//! One 256-bit master key from configuration is split with HKDF-SHA256 into
//! an encryption key (AES-256-GCM, random 96-bit nonce per value) and an
//! index key (HMAC-SHA256 "blind index", so a phone number can be found and
//! kept unique without storing it in the clear). Ciphertexts carry a version
//! prefix so the key can be rotated later.

use std::path::Path;

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use anyhow::{Context, anyhow, bail};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

const PREFIX: &str = "v1:";

/// Encrypts, decrypts and indexes personal data.
#[derive(Clone)]
pub struct PiiCipher {
    aead: Aes256Gcm,
    index_key: [u8; 32],
}

impl std::fmt::Debug for PiiCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PiiCipher(..)")
    }
}

impl PiiCipher {
    /// From a 32-byte master key.
    pub fn new(master: &[u8; 32]) -> Self {
        let hk = Hkdf::<Sha256>::new(Some(b"onething-pii"), master);
        let mut enc = [0u8; 32];
        let mut index_key = [0u8; 32];
        // 32-byte outputs are always within HKDF-SHA256's limit.
        let _ = hk.expand(b"aes-256-gcm v1", &mut enc);
        let _ = hk.expand(b"blind-index v1", &mut index_key);
        Self {
            aead: Aes256Gcm::new(&enc.into()),
            index_key,
        }
    }

    /// From the base64 text of `ONETHING_PII_KEY`.
    pub fn from_base64(text: &str) -> anyhow::Result<Self> {
        let bytes = STANDARD
            .decode(text.trim())
            .or_else(|_| URL_SAFE_NO_PAD.decode(text.trim()))
            .context("the PII key is not base64")?;
        let key: [u8; 32] = bytes
            .try_into()
            .map_err(|_| anyhow!("the PII key must be 32 bytes (44 characters of base64)"))?;
        Ok(Self::new(&key))
    }

    /// Reads the key file, creating it with a fresh random key (mode 0600)
    /// if it does not exist. Demo mode only.
    pub fn load_or_create(path: &Path) -> anyhow::Result<Self> {
        if let Ok(text) = std::fs::read_to_string(path) {
            return Self::from_base64(&text).with_context(|| format!("in {}", path.display()));
        }
        let mut key = [0u8; 32];
        rand::rng().fill_bytes(&mut key);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        }
        write_private(path, &STANDARD.encode(key))
            .with_context(|| format!("cannot write {}", path.display()))?;
        tracing::warn!(path = %path.display(), "generated a new PII key (demo mode)");
        Ok(Self::new(&key))
    }

    /// `v1:` + base64(nonce ‖ ciphertext ‖ tag).
    pub fn encrypt(&self, plaintext: &str) -> String {
        let mut nonce = [0u8; 12];
        rand::rng().fill_bytes(&mut nonce);
        // AES-GCM encryption of an in-memory buffer cannot fail.
        let ct = self
            .aead
            .encrypt(&Nonce::from(nonce), plaintext.as_bytes())
            .unwrap_or_default();
        let mut out = Vec::with_capacity(12 + ct.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        format!("{PREFIX}{}", STANDARD.encode(out))
    }

    pub fn decrypt(&self, stored: &str) -> anyhow::Result<String> {
        let Some(b64) = stored.strip_prefix(PREFIX) else {
            bail!("unknown ciphertext version");
        };
        let bytes = STANDARD.decode(b64).context("ciphertext is not base64")?;
        if bytes.len() < 12 + 16 {
            bail!("ciphertext too short");
        }
        let (nonce, ct) = bytes.split_at(12);
        let nonce: [u8; 12] = nonce.try_into().context("nonce")?;
        let pt = self
            .aead
            .decrypt(&Nonce::from(nonce), ct)
            .map_err(|_| anyhow!("ciphertext does not authenticate (wrong key or tampered)"))?;
        String::from_utf8(pt).context("plaintext is not UTF-8")
    }

    /// A keyed hash of `value` for lookups; `kind` separates domains so the
    /// same digits as a phone and as part of an ID never collide.
    pub fn blind_index(&self, kind: &str, value: &str) -> String {
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.index_key).expect("HMAC takes keys of any length");
        mac.update(kind.as_bytes());
        mac.update(&[0]);
        mac.update(value.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(text.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_random_nonce_and_tamper_detection() {
        let c = PiiCipher::new(&[7u8; 32]);
        let a = c.encrypt("610326199001011234");
        let b = c.encrypt("610326199001011234");
        assert_ne!(a, b, "random nonce");
        assert!(!a.contains("610326"));
        assert_eq!(c.decrypt(&a).expect("decrypts"), "610326199001011234");
        let mut tampered = a.clone().into_bytes();
        let last = tampered.len() - 3;
        tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
        assert!(c.decrypt(&String::from_utf8(tampered).expect("ascii")).is_err());
        assert!(PiiCipher::new(&[8u8; 32]).decrypt(&a).is_err(), "other key");
    }

    #[test]
    fn blind_index_is_keyed_and_domain_separated() {
        let c = PiiCipher::new(&[7u8; 32]);
        assert_eq!(
            c.blind_index("phone", "13800138000"),
            c.blind_index("phone", "13800138000")
        );
        assert_ne!(
            c.blind_index("phone", "13800138000"),
            c.blind_index("id", "13800138000")
        );
        assert_ne!(
            c.blind_index("phone", "13800138000"),
            PiiCipher::new(&[8u8; 32]).blind_index("phone", "13800138000")
        );
    }

    #[test]
    fn key_parsing_and_file() {
        assert!(PiiCipher::from_base64("short").is_err());
        assert!(PiiCipher::from_base64(&STANDARD.encode([1u8; 32])).is_ok());
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("k/pii.key");
        let a = PiiCipher::load_or_create(&path).expect("create");
        let b = PiiCipher::load_or_create(&path).expect("load");
        assert_eq!(a.blind_index("x", "y"), b.blind_index("x", "y"));
    }
}
