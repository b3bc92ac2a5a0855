//! Passwords: the strength policy and argon2id hashing. A plain password never leaves
//! this module except into the hasher, and never appears in `Debug` output.

use std::fmt;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand_core::OsRng;
use zxcvbn::Score;

use crate::error::{BoxError, Error, Result};

/// A password that satisfies the policy of NIST SP 800-63B: 8 to 128 characters, no
/// composition rules (any characters, no required digit or capital), and not common or
/// guessable: zxcvbn must estimate its first [`Password::ESTIMATED_CHARS`] characters at a
/// score of at least 3 (about 10^8 guesses or more), also counting the user's own email
/// and name as easy guesses.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    /// Shortest accepted password.
    pub const MIN_CHARS: usize = 8;
    /// Longest accepted password (bounds hashing and strength-estimation work). Longer
    /// passwords are refused, never truncated.
    pub const MAX_CHARS: usize = 128;
    /// Lowest accepted zxcvbn score (0 to 4).
    const MIN_SCORE: Score = Score::Three;
    /// Characters the guessability estimate looks at: a password must be unguessable
    /// within them, and what follows only adds strength. zxcvbn's matching of dictionary
    /// words with leet-speak substitutions grows with the square of the length times the
    /// substitutions that the digits and symbols present allow (about a thousand at most):
    /// on 100 such characters (zxcvbn's own cap) it takes over a second of CPU, on 32
    /// about a tenth of one.
    pub const ESTIMATED_CHARS: usize = 32;

    /// Checks the policy for a password whose user is not known (see [`Password::parse_for`]).
    pub fn parse(raw: &str) -> Result<Self> {
        Self::parse_for(raw, &[])
    }

    /// Checks the policy for a password of the user described by `user_inputs` (their
    /// email, display name, …): a password built from them is easy to guess for anyone
    /// who knows the user. Each input counts whole and by its words, and an email also by
    /// its local part. A refusal says why with zxcvbn's feedback, never with the password.
    pub fn parse_for(raw: &str, user_inputs: &[&str]) -> Result<Self> {
        let weak = |message: String| Error::invalid("", "weak_password", message);
        let chars = raw.chars().count();
        if chars < Self::MIN_CHARS {
            return Err(weak(format!(
                "password must be at least {} characters",
                Self::MIN_CHARS
            )));
        }
        if chars > Self::MAX_CHARS {
            return Err(weak(format!("password must be at most {} characters", Self::MAX_CHARS)));
        }
        let inputs = guessable_inputs(user_inputs);
        let inputs: Vec<&str> = inputs.iter().map(String::as_str).collect();
        let estimated = match raw.char_indices().nth(Self::ESTIMATED_CHARS) {
            Some((end, _)) => &raw[..end],
            None => raw,
        };
        let estimate = zxcvbn::zxcvbn(estimated, &inputs);
        if estimate.score() >= Self::MIN_SCORE {
            return Ok(Self(raw.to_owned()));
        }
        let mut message = String::from("password is too easy to guess");
        if let Some(feedback) = estimate.feedback() {
            let advice: Vec<String> = feedback
                .warning()
                .map(|w| w.to_string())
                .into_iter()
                .chain(feedback.suggestions().iter().map(ToString::to_string))
                .collect();
            if !advice.is_empty() {
                message = format!("{message}: {}", advice.join(" "));
            }
        }
        Err(weak(message))
    }

    /// [`Password::parse_for`] on a blocking thread, for async callers: the estimate takes
    /// up to about a tenth of a second of CPU (see [`Password::ESTIMATED_CHARS`]).
    pub async fn parse_for_blocking(raw: &str, user_inputs: &[&str]) -> Result<Self> {
        let raw = raw.to_owned();
        let user_inputs: Vec<String> = user_inputs.iter().map(|i| (*i).to_owned()).collect();
        tokio::task::spawn_blocking(move || {
            let user_inputs: Vec<&str> = user_inputs.iter().map(String::as_str).collect();
            Self::parse_for(&raw, &user_inputs)
        })
        .await
        .map_err(|e| Error::Internal(Box::new(e)))?
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

/// The strings an attacker who knows the user would try, from what is known of them: each
/// input whole, the local part of an email, and every word of three or more characters.
fn guessable_inputs(user_inputs: &[&str]) -> Vec<String> {
    let mut inputs = Vec::new();
    for input in user_inputs.iter().map(|i| i.trim()).filter(|i| !i.is_empty()) {
        inputs.push(input.to_owned());
        if let Some((local, _)) = input.split_once('@') {
            inputs.push(local.to_owned());
        }
        inputs.extend(
            input
                .split(|c: char| !c.is_alphanumeric())
                .filter(|word| word.chars().count() >= 3)
                .map(str::to_owned),
        );
    }
    inputs
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

    /// A password the policy accepts.
    const STRONG: &str = "correct-horse-battery-staple-42";

    /// The message of a `weak_password` refusal.
    fn weak(result: Result<Password>) -> String {
        match result {
            Err(Error::Validation(fields)) => {
                assert_eq!(fields[0].code, "weak_password");
                fields[0].message.clone()
            }
            other => panic!("expected weak_password, got {other:?}"),
        }
    }

    #[test]
    fn length_is_bounded_and_never_truncated() {
        assert!(weak(Password::parse("short")).contains("at least 8 characters"));
        let long = "correct-horse-battery-staple-".repeat(5);
        assert!(Password::parse(&long[..128]).is_ok());
        assert!(weak(Password::parse(&long[..129])).contains("at most 128 characters"));
        assert_eq!(
            format!("{:?}", Password::parse(STRONG).unwrap()),
            "Password(<redacted>)"
        );
    }

    #[test]
    fn guessable_passwords_are_refused_without_composition_rules() {
        for guessable in ["Password1", "Example1", "password123", "Sup3rSecret", "qwertyuiop"] {
            let message = weak(Password::parse(guessable));
            assert!(message.starts_with("password is too easy to guess"), "{message}");
            assert!(!message.contains(guessable), "{message}");
        }
        // Neither digits nor capitals are required of an unguessable password.
        assert!(Password::parse(STRONG).is_ok());
        assert!(Password::parse("lantern orbit meadow quartz").is_ok());
        assert!(Password::parse("знание сила весна").is_ok());
    }

    #[test]
    fn what_is_known_of_the_user_counts_as_guessable() {
        let raw = "wilhelmina.krzyzanowska2024";
        let user = ["wilhelmina.krzyzanowska@example.com", "Wilhelmina K"];
        assert!(Password::parse(raw).is_ok());
        assert!(weak(Password::parse_for(raw, &user)).starts_with("password is too easy to guess"));
        assert!(Password::parse_for(STRONG, &user).is_ok());
        assert_eq!(
            guessable_inputs(&[" ada.lovelace@example.com ", "Ada L", ""]),
            [
                "ada.lovelace@example.com",
                "ada.lovelace",
                "ada",
                "lovelace",
                "example",
                "com",
                "Ada L",
                "Ada",
            ]
        );
    }

    #[tokio::test]
    async fn hashes_are_argon2id_and_verify() {
        let hash = Password::parse(STRONG).unwrap().hash_blocking().await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_blocking(STRONG, Some(hash.clone())).await);
        assert!(!verify_blocking(&STRONG.to_uppercase(), Some(hash)).await);
        assert!(!verify_blocking("anything", None).await);
        assert!(!verify_blocking("x", Some("not a hash".into())).await);
    }
}
