//! Certificates: public verification with an Ed25519 signature anyone can check offline,
//! the public key, and expiring signed download links.

use chrono::{DateTime, Duration, Utc};
use lms_core::certificates::{LinkError, VerifiedCertificate};
use lms_core::ids::CertificateId;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

use super::{ApiResult, ApiTags, BearerAuth, State};
use crate::error::ApiError;

/// How long a download link works.
const LINK_LIFETIME: Duration = Duration::minutes(15);

/// Certificates.
#[derive(Debug)]
pub struct CertificatesApi;

/// The key certificates are signed with.
#[derive(Debug, Object)]
pub struct PublicKeyResponse {
    /// Always `Ed25519`.
    pub algorithm: String,
    /// The key's id (hex of the first 8 bytes of its SHA-256), named by each signature.
    pub key_id: String,
    /// The raw 32-byte public key, base64.
    pub public_key: String,
}

/// A certificate as anyone may verify it.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct CertificateResponse {
    /// The certificate.
    pub certificate_id: Uuid,
    /// The course completed.
    pub course_id: Uuid,
    /// The course's title when the certificate was issued.
    pub course_title: String,
    /// When the course was completed.
    pub issued_at: DateTime<Utc>,
    /// The learner's name, shown only when the learner allows it (consent
    /// `certificate_name`).
    pub learner_name: Option<String>,
    /// When a refund revoked it; a revoked certificate is no longer valid.
    pub revoked_at: Option<DateTime<Utc>>,
    /// Whether it stands (not revoked).
    pub valid: bool,
    /// The canonical form of the facts above, exactly as signed: compact JSON with the keys
    /// `certificate_id, course_id, course_title, issued_at, learner_name, revoked_at`.
    pub signed_payload: String,
    /// The Ed25519 signature of `signed_payload`'s UTF-8 bytes, base64.
    pub signature: String,
    /// The id of the signing key (`GET /api/v1/certificates/public-key`).
    pub key_id: String,
}

impl From<VerifiedCertificate> for CertificateResponse {
    fn from(c: VerifiedCertificate) -> Self {
        Self {
            certificate_id: c.facts.certificate_id.as_uuid(),
            course_id: c.facts.course_id.as_uuid(),
            course_title: c.facts.course_title,
            issued_at: c.issued_at,
            learner_name: c.facts.learner_name,
            revoked_at: c.revoked_at,
            valid: c.revoked_at.is_none(),
            signed_payload: c.signed_payload,
            signature: c.signature,
            key_id: c.key_id,
        }
    }
}

/// A link that downloads a certificate without credentials until it expires.
#[derive(Debug, Object)]
pub struct DownloadLinkResponse {
    /// The link, relative to the server (`/certificates/{id}/download?expires=…&signature=…`).
    pub url: String,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

#[derive(ApiResponse)]
enum LinkCreated {
    /// The link, valid for 15 minutes.
    #[oai(status = 201)]
    Created(Json<DownloadLinkResponse>),
}

#[derive(ApiResponse)]
enum Download {
    /// The signed certificate, as a file.
    #[oai(status = 200)]
    Ok(Json<CertificateResponse>, #[oai(header = "Content-Disposition")] String),
}

/// The path a download link signs.
fn download_path(id: Uuid) -> String {
    format!("/certificates/{id}/download")
}

#[OpenApi(tag = "ApiTags::Certificates")]
impl CertificatesApi {
    /// The public key certificates are signed with: check a certificate's `signature` over
    /// its `signed_payload` with it, offline.
    #[oai(
        path = "/api/v1/certificates/public-key",
        method = "get",
        operation_id = "getCertificatePublicKey"
    )]
    async fn public_key(&self, state: Data<&State>) -> Json<PublicKeyResponse> {
        let signer = state.certificates.signer();
        Json(PublicKeyResponse {
            algorithm: "Ed25519".to_owned(),
            key_id: signer.key_id().to_owned(),
            public_key: signer.public_key(),
        })
    }

    /// Verify a certificate (public): the course, the completion date, the learner's name
    /// if they allow it, and the signature. An erased learner's certificates are not found.
    #[oai(path = "/api/v1/certificates/:id", method = "get", operation_id = "getCertificate")]
    async fn get(&self, state: Data<&State>, id: Path<Uuid>) -> ApiResult<Json<CertificateResponse>> {
        let found = state.certificates.verify(CertificateId::from(id.0)).await?;
        Ok(Json(found.into()))
    }

    /// A link that downloads one of my certificates without credentials, for 15 minutes
    /// (to hand to an employer or open in another browser).
    #[oai(
        path = "/api/v1/me/certificates/:id/download-link",
        method = "post",
        operation_id = "createCertificateDownloadLink"
    )]
    async fn link(&self, state: Data<&State>, auth: BearerAuth, id: Path<Uuid>) -> ApiResult<LinkCreated> {
        state.certificates.own(&auth.0, CertificateId::from(id.0)).await?;
        let expires_at = Utc::now() + LINK_LIFETIME;
        Ok(LinkCreated::Created(Json(DownloadLinkResponse {
            url: state.links.sign(&download_path(id.0), expires_at),
            expires_at,
        })))
    }

    /// Download a certificate through a signed link; 403 once it expired or when it was
    /// altered.
    #[oai(
        path = "/certificates/:id/download",
        method = "get",
        operation_id = "downloadCertificate"
    )]
    async fn download(
        &self,
        state: Data<&State>,
        id: Path<Uuid>,
        /// When the link expires (Unix seconds), as signed.
        expires: Query<i64>,
        /// The link's signature.
        #[oai(validator(pattern = r"^[0-9a-f]{64}$"))]
        signature: Query<String>,
    ) -> ApiResult<Download> {
        state
            .links
            .check(&download_path(id.0), expires.0, &signature.0, Utc::now())
            .map_err(|e| {
                let reason = match e {
                    LinkError::Expired => "the link has expired; ask for a new one",
                    LinkError::BadSignature => "the link is not valid",
                };
                ApiError::from(lms_core::Error::Forbidden(reason.to_owned()))
            })?;
        let found = state.certificates.verify(CertificateId::from(id.0)).await?;
        let name = format!("attachment; filename=\"certificate-{}.json\"", id.0.simple());
        Ok(Download::Ok(Json(found.into()), name))
    }
}
