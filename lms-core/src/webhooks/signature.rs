//! Signing secrets and signatures as the Standard Webhooks specification defines them: a
//! secret is `whsec_` and the base64 of the key; a signature is `v1,` and the base64 of
//! HMAC-SHA256 over `{id}.{timestamp}.{body}`; several signatures (during a secret
//! rotation) are separated by spaces in one `webhook-signature` header.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::error::{Error, Result};

/// The prefix of a signing secret.
const PREFIX: &str = "whsec_";

/// A webhook signing secret (`whsec_…`). Its `Debug` form hides it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct WebhookSecret(String);

impl std::fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookSecret(…)")
    }
}

impl WebhookSecret {
    /// A new secret: 32 random bytes.
    pub fn generate() -> Self {
        let mut key = [0u8; 32];
        OsRng.fill_bytes(&mut key);
        Self(format!("{PREFIX}{}", STANDARD.encode(key)))
    }

    /// A secret from its text form.
    pub fn parse(text: &str) -> Result<Self> {
        let secret = Self(text.to_owned());
        secret.key()?;
        Ok(secret)
    }

    /// The text form, to show an admin once.
    pub fn expose(&self) -> &str {
        &self.0
    }

    fn key(&self) -> Result<Vec<u8>> {
        let encoded = self
            .0
            .strip_prefix(PREFIX)
            .ok_or_else(|| Error::invalid("secret", "format", "a webhook secret starts with whsec_"))?;
        STANDARD
            .decode(encoded)
            .ok()
            .filter(|key| !key.is_empty())
            .ok_or_else(|| Error::invalid("secret", "format", "a webhook secret is whsec_ and base64"))
    }

    /// `v1,` and the signature of a message with this secret.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> Result<String> {
        let key = self.key()?;
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&key).map_err(|e| Error::invalid("secret", "format", e.to_string()))?;
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        Ok(format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes())))
    }
}

/// The `webhook-signature` header of a message: one signature per secret, separated by
/// spaces.
pub fn signature_header(secrets: &[&WebhookSecret], id: &str, timestamp: i64, body: &[u8]) -> Result<String> {
    let signatures = secrets
        .iter()
        .map(|secret| secret.sign(id, timestamp, body))
        .collect::<Result<Vec<_>>>()?;
    Ok(signatures.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of the Standard Webhooks specification.
    #[test]
    fn signs_the_specification_example() {
        let secret = WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let signature = secret
            .sign(
                "msg_p5jXN8AQM9LWM0D4loKWxJek",
                1_614_265_330,
                br#"{"test": 2432232314}"#,
            )
            .unwrap();
        assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn every_secret_signs_during_a_rotation() {
        let (old, new) = (WebhookSecret::generate(), WebhookSecret::generate());
        let header = signature_header(&[&new, &old], "msg_1", 1, b"{}").unwrap();
        let parts: Vec<&str> = header.split(' ').collect();
        assert_eq!(
            parts,
            [
                new.sign("msg_1", 1, b"{}").unwrap(),
                old.sign("msg_1", 1, b"{}").unwrap()
            ]
        );
        assert_ne!(parts[0], parts[1]);
    }

    #[test]
    fn malformed_secrets_are_refused_and_hidden() {
        assert!(WebhookSecret::parse("secret").is_err());
        assert!(WebhookSecret::parse("whsec_").is_err());
        assert!(WebhookSecret::parse("whsec_!!!").is_err());
        let secret = WebhookSecret::generate();
        assert!(secret.expose().starts_with("whsec_"));
        assert!(!format!("{secret:?}").contains("whsec_"));
    }
}
