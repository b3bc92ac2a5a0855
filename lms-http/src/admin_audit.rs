//! Admin actions in the audit log (S10): every state-changing API request made with an
//! admin's token is recorded with its method, route template and status, never its body
//! or the ids in its path (the template names them `{id}`), so the entry holds no
//! personal data.

use poem::http::{Method, StatusCode};

use lms_core::ids::UserId;
use lms_core::privacy::audit::action;
use lms_core::privacy::AuditRecord;

use crate::api::AppState;

/// Whether a request with `method` changes state.
fn changes_state(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Records the request of `admin` when it was a state-changing call of a known route.
/// A failure to record is logged, not returned: the request has already been carried out.
pub async fn record(state: &AppState, admin: UserId, method: &Method, route: &str, status: StatusCode) {
    if !changes_state(method) || !route.starts_with("/api/") {
        return;
    }
    let record = AuditRecord::new(action::ADMIN_REQUEST)
        .actor(admin)
        .detail("method", method.as_str())
        .detail("route", route)
        .detail("status", status.as_u16());
    if let Err(error) = state.privacy.record(record).await {
        tracing::error!(%error, route, "an admin request could not be audited");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_state_changes_are_audited() {
        assert!(changes_state(&Method::POST));
        assert!(changes_state(&Method::PATCH));
        assert!(changes_state(&Method::DELETE));
        assert!(!changes_state(&Method::GET));
        assert!(!changes_state(&Method::HEAD));
    }
}
