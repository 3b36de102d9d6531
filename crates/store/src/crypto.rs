//! Encryption at rest for sensitive personal data (ID and phone numbers).
//!
//! One 32-byte master key, from `DANGJIAN_DATA_KEY` (64 hex characters or
//! base64) or from `secret.key` in the data directory (created on first start
//! with mode 0600). Two keys are derived from it: one for AES-256-GCM, one for
//! the HMAC "blind index" that lets the database enforce one person per ID
//! number and find a person by number without ever holding it in clear.
//! Losing the key loses the numbers: back it up with the database.

use std::path::Path;

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

use crate::error::{StoreError, StoreResult};

pub const KEY_ENV: &str = "DANGJIAN_DATA_KEY";
const PREFIX: &str = "v1:";

#[derive(Clone)]
pub struct Crypto {
    cipher: Aes256Gcm,
    index_key: [u8; 32],
}

impl std::fmt::Debug for Crypto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Crypto(..)")
    }
}

fn derive(master: &[u8; 32], label: &str) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(master).expect("any key length");
    mac.update(label.as_bytes());
    mac.finalize().into_bytes().into()
}

fn decode_key(text: &str) -> StoreResult<[u8; 32]> {
    let t = text.trim();
    let bytes = if t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()) {
        hex::decode(t).map_err(|e| StoreError::Internal(e.to_string()))?
    } else {
        B64.decode(t).map_err(|_| StoreError::Internal("the data key is neither 64 hex digits nor base64".into()))?
    };
    bytes.try_into().map_err(|_| StoreError::Internal("the data key must be 32 bytes".into()))
}

impl Crypto {
    pub fn from_master(master: [u8; 32]) -> Crypto {
        let enc = derive(&master, "dangjian/encrypt/v1");
        Crypto {
            cipher: Aes256Gcm::new_from_slice(&enc).expect("32 bytes"),
            index_key: derive(&master, "dangjian/index/v1"),
        }
    }

    /// The key from the environment if set, else `secret.key` in `data_dir`, created if absent.
    pub fn load(data_dir: &Path) -> StoreResult<Crypto> {
        if let Ok(k) = std::env::var(KEY_ENV) {
            return Ok(Crypto::from_master(decode_key(&k)?));
        }
        let path = data_dir.join("secret.key");
        if path.exists() {
            let text =
                std::fs::read_to_string(&path).map_err(|e| StoreError::Internal(format!("{}: {e}", path.display())))?;
            return Ok(Crypto::from_master(decode_key(&text)?));
        }
        let mut key = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut key);
        std::fs::create_dir_all(data_dir).map_err(|e| StoreError::Internal(e.to_string()))?;
        write_private(&path, &hex::encode(key))
            .map_err(|e| StoreError::Internal(format!("{}: {e}", path.display())))?;
        Ok(Crypto::from_master(key))
    }

    pub fn encrypt(&self, plain: &str) -> String {
        let mut nonce = [0u8; 12];
        rand::thread_rng().fill_bytes(&mut nonce);
        let ct = self.cipher.encrypt(Nonce::from_slice(&nonce), plain.as_bytes()).expect("encryption cannot fail");
        let mut out = nonce.to_vec();
        out.extend(ct);
        format!("{PREFIX}{}", B64.encode(out))
    }

    pub fn decrypt(&self, stored: &str) -> StoreResult<String> {
        let bad = || StoreError::Internal("a stored value cannot be decrypted with this data key".into());
        let raw = B64.decode(stored.strip_prefix(PREFIX).ok_or_else(bad)?).map_err(|_| bad())?;
        if raw.len() < 12 {
            return Err(bad());
        }
        let plain = self.cipher.decrypt(Nonce::from_slice(&raw[..12]), &raw[12..]).map_err(|_| bad())?;
        String::from_utf8(plain).map_err(|_| bad())
    }

    /// Deterministic keyed hash for uniqueness and exact lookup.
    pub fn blind_index(&self, plain: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.index_key).expect("any key length");
        mac.update(plain.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_randomized() {
        let c = Crypto::from_master([7; 32]);
        let a = c.encrypt("11010519491231002X");
        let b = c.encrypt("11010519491231002X");
        assert_ne!(a, b, "a fresh nonce each time");
        assert!(!a.contains("1101051949"));
        assert_eq!(c.decrypt(&a).unwrap(), "11010519491231002X");
        assert_eq!(c.blind_index("x"), c.blind_index("x"));
    }

    #[test]
    fn wrong_key_or_tampering_fails() {
        let a = Crypto::from_master([7; 32]).encrypt("13812345678");
        assert!(Crypto::from_master([8; 32]).decrypt(&a).is_err());
        let mut t = a.clone();
        t.pop();
        t.push(if a.ends_with('A') { 'B' } else { 'A' });
        assert!(Crypto::from_master([7; 32]).decrypt(&t).is_err());
    }

    #[test]
    fn key_file_is_created_once() {
        let dir = std::env::temp_dir().join(format!("dj-key-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let c1 = Crypto::load(&dir).unwrap();
        let c2 = Crypto::load(&dir).unwrap();
        assert_eq!(c2.decrypt(&c1.encrypt("a")).unwrap(), "a");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
