//! Verifiable certificates (C9) and signed links (S12).
//!
//! A completed course's certificate can be checked by anyone: [`CertificateService::verify`]
//! answers with the certificate's facts and an Ed25519 signature over their canonical
//! form, which anyone can check offline with the server's published public key. The
//! learner's name is shown only with their `certificate_name` consent. An erased
//! learner's certificates no longer exist.
//!
//! The canonical form is the compact JSON object
//! `{"certificate_id","course_id","course_title","issued_at","learner_name","revoked_at"}`
//! with the keys in this order, `issued_at` and `revoked_at` in RFC 3339 with microseconds
//! (`null` when not revoked), `learner_name` `null` when not shown. It is returned as the
//! `signed_payload` string, so a verifier checks the signature over exactly those bytes and
//! then reads them.
//!
//! [`UrlSigner`] makes expiring HMAC-SHA256 links to protected content (a certificate's
//! download).

use std::sync::Arc;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::{DateTime, SecondsFormat, Utc};
use ed25519_dalek::{Signer, SigningKey, Verifier, VerifyingKey};
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::{Entity, Error, Result};
use crate::ids::CertificateId;
use crate::privacy::erasure::is_erased;
use crate::privacy::Purpose;
use crate::services::{Actor, Deps};

/// Why a signing key was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SigningKeyError(String);

/// Derives 32 key bytes for `purpose` from a secret of at least 32 bytes (HKDF-SHA256).
fn derive(secret: &[u8], purpose: &[u8]) -> std::result::Result<[u8; 32], SigningKeyError> {
    if secret.len() < 32 {
        return Err(SigningKeyError("the key must have at least 32 bytes".to_owned()));
    }
    let mut key = [0u8; 32];
    hkdf::Hkdf::<Sha256>::new(Some(b"lms signing keys"), secret)
        .expand(purpose, &mut key)
        .map_err(|_| SigningKeyError("HKDF expansion failed".to_owned()))?;
    Ok(key)
}

/// The Ed25519 key certificates are signed with.
pub struct CertificateSigner {
    key: SigningKey,
    key_id: String,
}

impl std::fmt::Debug for CertificateSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CertificateSigner")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

impl CertificateSigner {
    /// The key derived from `secret` (at least 32 bytes): the same secret always gives the
    /// same key, so the published public key survives restarts and is shared by instances.
    pub fn from_secret(secret: &[u8]) -> std::result::Result<Self, SigningKeyError> {
        let key = SigningKey::from_bytes(&derive(secret, b"certificate ed25519")?);
        let digest = Sha256::digest(key.verifying_key().as_bytes());
        let key_id = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        Ok(Self { key, key_id })
    }

    /// The public key, raw 32 bytes in standard base64.
    pub fn public_key(&self) -> String {
        STANDARD.encode(self.key.verifying_key().as_bytes())
    }

    /// A short id of the public key (hex of the first 8 bytes of its SHA-256).
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The signature of `payload`, in standard base64.
    pub fn sign(&self, payload: &str) -> String {
        STANDARD.encode(self.key.sign(payload.as_bytes()).to_bytes())
    }
}

/// Whether `signature` (base64) is the Ed25519 signature of `payload` by `public_key`
/// (base64): what anyone can check offline.
pub fn verify_signature(public_key: &str, payload: &str, signature: &str) -> bool {
    let key = STANDARD
        .decode(public_key)
        .ok()
        .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
        .and_then(|bytes| VerifyingKey::from_bytes(&bytes).ok());
    let signature = STANDARD
        .decode(signature)
        .ok()
        .and_then(|bytes| ed25519_dalek::Signature::from_slice(&bytes).ok());
    match (key, signature) {
        (Some(key), Some(signature)) => key.verify(payload.as_bytes(), &signature).is_ok(),
        _ => false,
    }
}

/// The signed facts of a certificate, in canonical order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertificateFacts {
    /// The certificate.
    pub certificate_id: CertificateId,
    /// The course completed.
    pub course_id: crate::ids::CourseId,
    /// The course's title when the certificate was issued.
    pub course_title: String,
    /// When the course was completed.
    pub issued_at: String,
    /// The learner's name, when the learner allows showing it.
    pub learner_name: Option<String>,
    /// When a refund revoked it.
    pub revoked_at: Option<String>,
}

/// A certificate as a verifier sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedCertificate {
    /// The facts.
    pub facts: CertificateFacts,
    /// When the course was completed.
    pub issued_at: DateTime<Utc>,
    /// When a refund revoked it.
    pub revoked_at: Option<DateTime<Utc>>,
    /// The canonical form of the facts: what is signed.
    pub signed_payload: String,
    /// The Ed25519 signature of `signed_payload`, base64.
    pub signature: String,
    /// The id of the key that signed it.
    pub key_id: String,
}

fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Public verification of certificates.
#[derive(Debug, Clone)]
pub struct CertificateService {
    deps: Deps,
    signer: Arc<CertificateSigner>,
}

impl CertificateService {
    pub(crate) fn new(deps: Deps, signer: Arc<CertificateSigner>) -> Self {
        Self { deps, signer }
    }

    /// The signing key's public half and id.
    pub fn signer(&self) -> &CertificateSigner {
        &self.signer
    }

    /// The certificate with this id, signed; `CERTIFICATE_NOT_FOUND` for an unknown one,
    /// and for one whose learner was erased.
    pub async fn verify(&self, id: CertificateId) -> Result<VerifiedCertificate> {
        let not_found = || Error::not_found(Entity::Certificate, id);
        let enrollment = self
            .deps
            .stores
            .enrollments
            .find_enrollment_by_certificate(id)
            .await
            .map_err(|e| e.about(Entity::Certificate, id))?
            .ok_or_else(not_found)?;
        let certificate = enrollment.certificate().ok_or_else(not_found)?.clone();
        let learner = self
            .deps
            .stores
            .users
            .get_user(certificate.user_id)
            .await
            .map_err(|e| e.about(Entity::Certificate, id))?
            .filter(|u| !is_erased(&u.email))
            .ok_or_else(not_found)?;
        let consent = crate::privacy::consent_of(&self.deps, learner.id, Purpose::CertificateName).await?;
        let facts = CertificateFacts {
            certificate_id: certificate.id,
            course_id: certificate.course_id,
            course_title: certificate.course_title.clone(),
            issued_at: rfc3339(certificate.issued_at),
            learner_name: consent.then(|| learner.display_name.as_str().to_owned()),
            revoked_at: certificate.revoked_at.map(rfc3339),
        };
        let signed_payload = serde_json::to_string(&facts).map_err(|e| Error::Internal(Box::new(e)))?;
        Ok(VerifiedCertificate {
            signature: self.signer.sign(&signed_payload),
            key_id: self.signer.key_id().to_owned(),
            issued_at: certificate.issued_at,
            revoked_at: certificate.revoked_at,
            facts,
            signed_payload,
        })
    }

    /// The certificate, for its learner (or an admin) only: what a download link serves.
    pub async fn own(&self, actor: &Actor, id: CertificateId) -> Result<VerifiedCertificate> {
        let found = self.verify(id).await?;
        let owner = self
            .deps
            .stores
            .enrollments
            .find_enrollment_by_certificate(id)
            .await
            .map_err(|e| e.about(Entity::Certificate, id))?
            .map(|e| e.user_id());
        match owner {
            Some(owner) if owner == actor.user_id || actor.is_admin() => Ok(found),
            _ => Err(Error::not_found(Entity::Certificate, id)),
        }
    }
}

/// Why a signed link was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// Its time is up.
    #[error("the link has expired")]
    Expired,
    /// The signature does not match the path and expiry.
    #[error("the link's signature is not valid")]
    BadSignature,
}

/// Makes and checks expiring links: `<path>?expires=<unix seconds>&signature=<hex
/// HMAC-SHA256 of "GET <path> <expires>">`. Checked in constant time against each key, so
/// a link made before a key rotation works until it expires.
#[derive(Clone)]
pub struct UrlSigner {
    keys: Arc<Vec<[u8; 32]>>,
}

impl std::fmt::Debug for UrlSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UrlSigner(<redacted>)")
    }
}

impl UrlSigner {
    /// Signs with keys derived from `secrets` (each at least 32 bytes), newest first: the
    /// first signs, every one verifies.
    pub fn new(secrets: &[&[u8]]) -> std::result::Result<Self, SigningKeyError> {
        let keys = secrets
            .iter()
            .map(|secret| derive(secret, b"signed urls"))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        if keys.is_empty() {
            return Err(SigningKeyError("no key given".to_owned()));
        }
        Ok(Self { keys: Arc::new(keys) })
    }

    fn mac(key: &[u8; 32], path: &str, expires: i64) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes keys of any length");
        mac.update(format!("GET {path} {expires}").as_bytes());
        mac
    }

    /// The link to `path` that works until `expires_at`.
    pub fn sign(&self, path: &str, expires_at: DateTime<Utc>) -> String {
        let expires = expires_at.timestamp();
        let signature: String = Self::mac(&self.keys[0], path, expires)
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        format!("{path}?expires={expires}&signature={signature}")
    }

    /// Checks a link's `expires` and `signature` for `path` at `now`.
    pub fn check(
        &self,
        path: &str,
        expires: i64,
        signature: &str,
        now: DateTime<Utc>,
    ) -> std::result::Result<(), LinkError> {
        let bytes = (0..signature.len())
            .step_by(2)
            .map(|i| signature.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
            .collect::<Option<Vec<u8>>>()
            .ok_or(LinkError::BadSignature)?;
        let genuine = self
            .keys
            .iter()
            .any(|key| Self::mac(key, path, expires).verify_slice(&bytes).is_ok());
        if !genuine {
            return Err(LinkError::BadSignature);
        }
        if now.timestamp() >= expires {
            return Err(LinkError::Expired);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    const SECRET: &[u8] = b"a-certificate-secret-of-32-bytes-at-least";

    #[test]
    fn signatures_verify_offline_with_the_public_key_only() {
        let signer = CertificateSigner::from_secret(SECRET).unwrap();
        let again = CertificateSigner::from_secret(SECRET).unwrap();
        assert_eq!(
            signer.public_key(),
            again.public_key(),
            "the key is derived, not random"
        );
        assert_eq!(signer.key_id().len(), 16);
        let signature = signer.sign("{\"a\":1}");
        assert!(verify_signature(&signer.public_key(), "{\"a\":1}", &signature));
        assert!(
            !verify_signature(&signer.public_key(), "{\"a\":2}", &signature),
            "changed facts"
        );
        let other = CertificateSigner::from_secret(b"another-secret-of-thirty-two-bytes-or-more").unwrap();
        assert!(
            !verify_signature(&other.public_key(), "{\"a\":1}", &signature),
            "another key"
        );
        assert!(!verify_signature("not base64", "{}", &signature));
        assert!(CertificateSigner::from_secret(b"short").is_err());
    }

    #[test]
    fn links_expire_and_cannot_be_altered() {
        let signer = UrlSigner::new(&[SECRET]).unwrap();
        let now = Utc::now();
        let link = signer.sign("/certificates/x/download", now + Duration::minutes(5));
        let query = link.split_once('?').unwrap().1;
        let expires: i64 = query
            .split('&')
            .next()
            .unwrap()
            .trim_start_matches("expires=")
            .parse()
            .unwrap();
        let signature = query.split("signature=").nth(1).unwrap();
        assert_eq!(
            signer.check("/certificates/x/download", expires, signature, now),
            Ok(())
        );
        assert_eq!(
            signer.check("/certificates/y/download", expires, signature, now),
            Err(LinkError::BadSignature)
        );
        assert_eq!(
            signer.check("/certificates/x/download", expires + 3600, signature, now),
            Err(LinkError::BadSignature),
            "a later expiry is not signed"
        );
        assert_eq!(
            signer.check(
                "/certificates/x/download",
                expires,
                signature,
                now + Duration::minutes(6)
            ),
            Err(LinkError::Expired)
        );
        assert_eq!(
            signer.check("/certificates/x/download", expires, "zz", now),
            Err(LinkError::BadSignature)
        );
        let rotated = UrlSigner::new(&[b"a-newer-secret-of-thirty-two-bytes-at-least", SECRET]).unwrap();
        assert_eq!(
            rotated.check("/certificates/x/download", expires, signature, now),
            Ok(()),
            "a link made before the rotation works until it expires"
        );
    }
}
