//! Privacy: a user's data export, erasure requests, consents, and the audit log for admins.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use lms_core::ids::UserId;
use lms_core::ports::RangeCursor;
use lms_core::privacy::{AuditEntry, AuditQuery, ConsentChange, ConsentState, ErasureChannel, ErasureRequest, Purpose};
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi, ResponseContent};
use serde::Serialize;
use uuid::Uuid;

use super::payments::ReportFormat;
use super::time_bound::TimeBound;
use super::types::Text;
use super::{ApiResult, ApiTags, BearerAuth, State};
use crate::csv_payload::{to_csv, Csv};
use crate::export_zip::{export_zip, ZipFile};

/// Privacy and the audit log.
#[derive(Debug)]
pub struct PrivacyApi;

/// A consent purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum ConsentPurpose {
    /// Learning analytics about the user.
    Analytics,
    /// Marketing messages.
    Marketing,
    /// Non-essential cookies.
    Cookies,
    /// Showing my name to whoever verifies my certificates.
    CertificateName,
}

impl From<ConsentPurpose> for Purpose {
    fn from(p: ConsentPurpose) -> Self {
        match p {
            ConsentPurpose::Analytics => Purpose::Analytics,
            ConsentPurpose::Marketing => Purpose::Marketing,
            ConsentPurpose::Cookies => Purpose::Cookies,
            ConsentPurpose::CertificateName => Purpose::CertificateName,
        }
    }
}

impl From<Purpose> for ConsentPurpose {
    fn from(p: Purpose) -> Self {
        match p {
            Purpose::Analytics => ConsentPurpose::Analytics,
            Purpose::Marketing => ConsentPurpose::Marketing,
            Purpose::Cookies => ConsentPurpose::Cookies,
            Purpose::CertificateName => ConsentPurpose::CertificateName,
        }
    }
}

/// Giving or withdrawing a consent.
#[derive(Debug, Object)]
pub struct ConsentRequest {
    /// `true` to give consent, `false` to withdraw it.
    pub granted: bool,
    /// The version of the policy the user was shown (`2026-01`).
    #[oai(validator(pattern = r"^[A-Za-z0-9._-]{1,64}$"))]
    pub policy_version: Text,
}

/// One answer in a consent's history.
#[derive(Debug, Object)]
pub struct ConsentChangeResponse {
    /// Given or withdrawn.
    pub granted: bool,
    /// The policy version answered.
    pub policy_version: String,
    /// When.
    pub at: DateTime<Utc>,
}

impl From<ConsentChange> for ConsentChangeResponse {
    fn from(c: ConsentChange) -> Self {
        Self {
            granted: c.granted,
            policy_version: c.policy_version,
            at: c.at,
        }
    }
}

/// A consent for one purpose.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ConsentResponse {
    /// The purpose.
    pub purpose: ConsentPurpose,
    /// Whether consent is given now (never answered: not given).
    pub granted: bool,
    /// The policy version of the current answer.
    pub policy_version: Option<String>,
    /// When the current answer was given.
    pub changed_at: Option<DateTime<Utc>>,
    /// Every answer, oldest first.
    pub history: Vec<ConsentChangeResponse>,
}

impl From<ConsentState> for ConsentResponse {
    fn from(c: ConsentState) -> Self {
        Self {
            purpose: c.purpose.into(),
            granted: c.granted,
            policy_version: c.policy_version,
            changed_at: c.changed_at,
            history: c.history.into_iter().map(Into::into).collect(),
        }
    }
}

/// Every purpose's consent.
#[derive(Debug, Object)]
pub struct ConsentsResponse {
    /// One per purpose: analytics, marketing, cookies, certificate_name.
    pub consents: Vec<ConsentResponse>,
}

/// The confirmation of a user's own erasure request.
#[derive(Debug, Object)]
pub struct ErasureConfirmation {
    /// The account's password.
    #[oai(validator(max_length = 1024))]
    pub password: Text,
}

/// Where an erasure request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum ErasureStatusView {
    /// Waiting for its cool-off window to end; can be cancelled.
    Requested,
    /// Being carried out.
    InProgress,
    /// Done.
    Completed,
    /// Cancelled.
    Cancelled,
}

/// An erasure request.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ErasureResponse {
    /// Identifier.
    pub id: Uuid,
    /// Where it stands.
    pub status: ErasureStatusView,
    /// The user to erase.
    pub user_id: Uuid,
    /// `self_service` or `admin`.
    pub channel: String,
    /// When it was asked for.
    pub requested_at: DateTime<Utc>,
    /// When it starts (the end of the cool-off window).
    pub not_before: DateTime<Utc>,
    /// The steps done so far.
    pub steps_done: Vec<String>,
    /// When it completed or was cancelled.
    pub closed_at: Option<DateTime<Utc>>,
}

impl From<ErasureRequest> for ErasureResponse {
    fn from(r: ErasureRequest) -> Self {
        use lms_core::privacy::ErasureStatus as S;
        Self {
            id: r.id,
            status: match r.status {
                S::Requested => ErasureStatusView::Requested,
                S::InProgress => ErasureStatusView::InProgress,
                S::Completed => ErasureStatusView::Completed,
                S::Cancelled => ErasureStatusView::Cancelled,
            },
            user_id: r.user_id.as_uuid(),
            channel: match r.channel {
                ErasureChannel::SelfService => "self_service",
                ErasureChannel::Admin => "admin",
            }
            .to_owned(),
            requested_at: r.requested_at,
            not_before: r.not_before,
            steps_done: r
                .steps_done
                .iter()
                .map(|s| {
                    serde_json::to_value(s)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default()
                })
                .collect(),
            closed_at: r.closed_at,
        }
    }
}

/// An audit entry.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct AuditEntryResponse {
    /// Identifier.
    pub id: Uuid,
    /// Position in the chain, from 1.
    pub seq: i64,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// Who did it.
    pub actor_id: Option<Uuid>,
    /// The account it concerns.
    pub subject_id: Option<Uuid>,
    /// What happened (`auth.login`, `admin.request`, `privacy.erasure_completed` …).
    pub action: String,
    /// Context (no personal data).
    pub details: BTreeMap<String, String>,
    /// The previous entry's hash.
    pub prev_hash: String,
    /// SHA-256 of this entry's chained content.
    pub hash: String,
}

impl From<AuditEntry> for AuditEntryResponse {
    fn from(e: AuditEntry) -> Self {
        Self {
            id: e.id,
            seq: e.seq,
            at: e.at,
            actor_id: e.actor.map(|a| a.as_uuid()),
            subject_id: e.subject.map(|s| s.as_uuid()),
            action: e.action,
            details: e.details,
            prev_hash: e.prev_hash,
            hash: e.hash,
        }
    }
}

/// A page of audit entries, oldest first.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct AuditPageResponse {
    /// The entries.
    pub items: Vec<AuditEntryResponse>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// An audit entry as a CSV line.
#[derive(Debug, Default, Serialize)]
struct AuditCsvRow {
    seq: i64,
    at: String,
    actor_id: String,
    subject_id: String,
    action: String,
    details: String,
    prev_hash: String,
    hash: String,
}

impl From<&AuditEntry> for AuditCsvRow {
    fn from(e: &AuditEntry) -> Self {
        Self {
            seq: e.seq,
            at: e.at.to_rfc3339(),
            actor_id: e.actor.map(|a| a.to_string()).unwrap_or_default(),
            subject_id: e.subject.map(|s| s.to_string()).unwrap_or_default(),
            action: e.action.clone(),
            details: serde_json::to_string(&e.details).unwrap_or_default(),
            prev_hash: e.prev_hash.clone(),
            hash: e.hash.clone(),
        }
    }
}

/// The opaque cursor of an audit page: the position after which it resumes.
fn encode_cursor(cursor: &RangeCursor) -> String {
    format!("{}.{}", cursor.value, cursor.id.simple())
}

/// Reads a cursor of the form [`encode_cursor`] writes (the parameter's pattern checked
/// its shape).
fn decode_cursor(raw: &str) -> Option<RangeCursor> {
    let (value, id) = raw.split_once('.')?;
    Some(RangeCursor {
        value: value.to_owned(),
        id: Uuid::parse_str(id).ok()?,
    })
}

#[derive(ApiResponse)]
enum ExportResponse {
    /// A zip holding `data.json` and a CSV per kind of data.
    #[oai(status = 200)]
    Ok(ZipFile, #[oai(header = "Content-Disposition")] String),
}

#[derive(ApiResponse)]
enum ErasureAccepted {
    /// Accepted: the erasure runs once its cool-off window ends (at once by default).
    /// Poll `GET /api/v1/me/erasure/{id}`.
    #[oai(status = 202)]
    Accepted(Json<ErasureResponse>),
}

/// A page of the audit log as JSON or CSV.
#[derive(ResponseContent)]
enum AuditBody {
    /// `format=json` (default).
    Json(Json<AuditPageResponse>),
    /// `format=csv`: one line per entry, with a header.
    Csv(Csv),
}

#[derive(ApiResponse)]
enum AuditResponse {
    /// The entries, oldest first.
    #[oai(status = 200)]
    Ok(AuditBody),
}

async fn export(state: &State, auth: &BearerAuth, user_id: Uuid) -> ApiResult<ExportResponse> {
    let export = state.privacy.export(&auth.0, UserId::from(user_id)).await?;
    let name = format!("attachment; filename=\"lms-export-{}.zip\"", user_id.simple());
    Ok(ExportResponse::Ok(export_zip(&export)?, name))
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Privacy")]
impl PrivacyApi {
    /// Everything stored about me (GDPR art. 15 and 20): a zip with `data.json` and a CSV
    /// per kind of data (profile, enrollments with progress and quiz attempts, orders,
    /// subscriptions, consents, audit entries …).
    #[oai(path = "/me/export", method = "get", operation_id = "exportMyData")]
    async fn export_mine(&self, state: Data<&State>, auth: BearerAuth) -> ApiResult<ExportResponse> {
        let me = auth.0.user_id.as_uuid();
        export(&state, &auth, me).await
    }

    /// Everything stored about a user, as `GET /me/export` gives it (admins only).
    #[oai(path = "/admin/users/:id/export", method = "get", operation_id = "exportUserData")]
    async fn export_user(&self, state: Data<&State>, auth: BearerAuth, id: Path<Uuid>) -> ApiResult<ExportResponse> {
        export(&state, &auth, id.0).await
    }

    /// Ask for the erasure of my account and data (GDPR art. 17), confirmed with my
    /// password. Sessions end when it runs; payment records are kept without personal
    /// data, as the law requires. An open request is returned rather than doubled.
    #[oai(path = "/me/erasure", method = "post", operation_id = "requestMyErasure")]
    async fn request_mine(
        &self,
        state: Data<&State>,
        auth: BearerAuth,
        body: Json<ErasureConfirmation>,
    ) -> ApiResult<ErasureAccepted> {
        let request = state
            .privacy
            .request_erasure(&auth.0, auth.0.user_id, Some(&body.password))
            .await?;
        Ok(ErasureAccepted::Accepted(Json(request.into())))
    }

    /// An erasure request: my own, or any for admins. It stays readable after
    /// completion (by an admin: the erased account can no longer log in).
    #[oai(path = "/me/erasure/:id", method = "get", operation_id = "getErasure")]
    async fn get_erasure(
        &self,
        state: Data<&State>,
        auth: BearerAuth,
        id: Path<Uuid>,
    ) -> ApiResult<Json<ErasureResponse>> {
        Ok(Json(state.privacy.erasure(&auth.0, id.0).await?.into()))
    }

    /// Cancel an erasure request during its cool-off window.
    #[oai(path = "/me/erasure/:id/cancel", method = "post", operation_id = "cancelErasure")]
    async fn cancel_erasure(
        &self,
        state: Data<&State>,
        auth: BearerAuth,
        id: Path<Uuid>,
    ) -> ApiResult<Json<ErasureResponse>> {
        Ok(Json(state.privacy.cancel_erasure(&auth.0, id.0).await?.into()))
    }

    /// Enter an erasure request received by other means (mail, letter) for a user
    /// (admins only).
    #[oai(
        path = "/admin/users/:id/erasure",
        method = "post",
        operation_id = "requestUserErasure"
    )]
    async fn request_for_user(
        &self,
        state: Data<&State>,
        auth: BearerAuth,
        id: Path<Uuid>,
    ) -> ApiResult<ErasureAccepted> {
        let request = state.privacy.request_erasure(&auth.0, UserId::from(id.0), None).await?;
        Ok(ErasureAccepted::Accepted(Json(request.into())))
    }

    /// My consent for each purpose (analytics, marketing, cookies), with its history.
    #[oai(path = "/me/consents", method = "get", operation_id = "getMyConsents")]
    async fn consents(&self, state: Data<&State>, auth: BearerAuth) -> ApiResult<Json<ConsentsResponse>> {
        let consents = state.privacy.consents(&auth.0, auth.0.user_id).await?;
        Ok(Json(ConsentsResponse {
            consents: consents.into_iter().map(Into::into).collect(),
        }))
    }

    /// Give (`granted: true`) or withdraw (`false`) my consent for a purpose, under the
    /// policy version I was shown.
    #[oai(path = "/me/consents/:purpose", method = "put", operation_id = "setMyConsent")]
    async fn set_consent(
        &self,
        state: Data<&State>,
        auth: BearerAuth,
        purpose: Path<ConsentPurpose>,
        body: Json<ConsentRequest>,
    ) -> ApiResult<Json<ConsentResponse>> {
        let consent = state
            .privacy
            .set_consent(
                &auth.0,
                auth.0.user_id,
                purpose.0.into(),
                body.granted,
                &body.policy_version,
            )
            .await?;
        Ok(Json(consent.into()))
    }

    /// The audit log, oldest first (admins only): authentication events, admin actions
    /// and privacy requests, filtered by actor, action and time; as JSON or CSV.
    #[oai(path = "/admin/audit", method = "get", operation_id = "listAuditEntries")]
    #[allow(clippy::too_many_arguments)]
    async fn audit(
        &self,
        state: Data<&State>,
        auth: BearerAuth,
        /// Only entries by this user.
        actor: Query<Option<Uuid>>,
        /// Only entries about this user.
        subject: Query<Option<Uuid>>,
        /// Only this action (`auth.login`, `auth.login_failed`, `admin.request` …).
        #[oai(validator(max_length = 64))]
        action: Query<Option<String>>,
        /// Only entries at or after this time.
        from: Query<Option<TimeBound>>,
        /// Only entries before this time.
        to: Query<Option<TimeBound>>,
        /// Page size, 1–1000 (default 100).
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        limit: Query<Option<u32>>,
        /// The previous page's `next_cursor`.
        #[oai(validator(pattern = r"^[0-9a-f]{16}\.[0-9a-f]{32}$"))]
        cursor: Query<Option<String>>,
        /// `json` (default) or `csv`.
        format: Query<Option<ReportFormat>>,
    ) -> ApiResult<AuditResponse> {
        let query = AuditQuery {
            actor: actor.0.map(UserId::from),
            subject: subject.0.map(UserId::from),
            action: action.0,
            from: from.0.map(|t| t.0),
            to: to.0.map(|t| t.0),
            limit: limit.0.unwrap_or(100),
            after: cursor.0.as_deref().and_then(decode_cursor),
        };
        let page = state.privacy.audit_entries(&auth.0, &query).await?;
        Ok(match format.0.unwrap_or_default() {
            ReportFormat::Json => AuditResponse::Ok(AuditBody::Json(Json(AuditPageResponse {
                next_cursor: page.next.as_ref().map(encode_cursor),
                items: page.entries.into_iter().map(Into::into).collect(),
            }))),
            ReportFormat::Csv => {
                let rows: Vec<AuditCsvRow> = page.entries.iter().map(Into::into).collect();
                AuditResponse::Ok(AuditBody::Csv(to_csv(&rows)?))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip() {
        let cursor = RangeCursor {
            value: "8006401c3a1b2c3d".to_owned(),
            id: Uuid::now_v7(),
        };
        assert_eq!(decode_cursor(&encode_cursor(&cursor)), Some(cursor));
    }
}
