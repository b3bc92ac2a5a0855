//! Passwords: the strength policy and argon2id hashing. A plain password never leaves
//! this module except into the hasher, and never appears in `Debug` output.

use std::fmt;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand_core::OsRng;

use crate::error::{BoxError, Error, Result};

/// A password that satisfies the policy: 8 to 128 characters with a lower-case letter,
/// an upper-case letter and a digit.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    /// Shortest accepted password.
    pub const MIN_CHARS: usize = 8;
    /// Longest accepted password (bounds hashing work).
    pub const MAX_CHARS: usize = 128;

    /// Checks the policy, reporting every unmet rule.
    pub fn parse(raw: &str) -> Result<Self> {
        let chars = raw.chars().count();
        let mut unmet = Vec::new();
        if chars < Self::MIN_CHARS {
            unmet.push(format!("at least {} characters", Self::MIN_CHARS));
        }
        if chars > Self::MAX_CHARS {
            unmet.push(format!("at most {} characters", Self::MAX_CHARS));
        }
        if !raw.chars().any(char::is_lowercase) {
            unmet.push("a lower-case letter".to_owned());
        }
        if !raw.chars().any(char::is_uppercase) {
            unmet.push("an upper-case letter".to_owned());
        }
        if !raw.chars().any(|c| c.is_ascii_digit()) {
            unmet.push("a digit".to_owned());
        }
        if unmet.is_empty() {
            Ok(Self(raw.to_owned()))
        } else {
            Err(Error::invalid(
                "",
                "weak_password",
                format!("password needs {}", unmet.join(", ")),
            ))
        }
    }

    /// Hashes with argon2id and a random salt; returns the PHC string. CPU-heavy: call it
    /// off the async executor (see `hash_blocking`).
    pub fn hash(&self) -> Result<String> {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(self.0.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| Error::Internal(BoxError::from(e.to_string())))
    }

    /// Hashes on a blocking thread.
    pub async fn hash_blocking(self) -> Result<String> {
        tokio::task::spawn_blocking(move || self.hash())
            .await
            .map_err(|e| Error::Internal(Box::new(e)))?
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// A PHC hash of an unguessable password, verified when an account has no password, so
/// that unknown accounts take as long to reject as wrong passwords.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(b"decoy password that nobody can present", &salt)
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}

/// Checks `candidate` against a PHC hash (or against a decoy when `hash` is `None`) on a
/// blocking thread. Malformed hashes never verify.
pub async fn verify_blocking(candidate: &str, hash: Option<String>) -> bool {
    let candidate = candidate.to_owned();
    let exists = hash.is_some();
    tokio::task::spawn_blocking(move || {
        let hash = hash.unwrap_or_else(|| decoy_hash().to_owned());
        let verified = PasswordHash::new(&hash)
            .map(|parsed| Argon2::default().verify_password(candidate.as_bytes(), &parsed).is_ok())
            .unwrap_or(false);
        verified && exists
    })
    .await
    .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_lists_every_unmet_rule() {
        assert!(Password::parse("Sup3rSecret").is_ok());
        match Password::parse("short") {
            Err(Error::Validation(fields)) => {
                let message = &fields[0].message;
                assert!(
                    message.contains("8 characters") && message.contains("upper-case") && message.contains("digit")
                );
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(Password::parse(&format!("Aa1{}", "x".repeat(126))).is_err());
        assert_eq!(
            format!("{:?}", Password::parse("Sup3rSecret").unwrap()),
            "Password(<redacted>)"
        );
    }

    #[tokio::test]
    async fn hashes_are_argon2id_and_verify() {
        let hash = Password::parse("Sup3rSecret").unwrap().hash_blocking().await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_blocking("Sup3rSecret", Some(hash.clone())).await);
        assert!(!verify_blocking("Sup3rSecreT", Some(hash)).await);
        assert!(!verify_blocking("anything", None).await);
        assert!(!verify_blocking("x", Some("not a hash".into())).await);
    }
}
