//! Request ids: an incoming `X-Request-Id` is kept when well formed, otherwise one is
//! generated; the id is in scope for the whole request so errors and logs can carry it.

use std::future::Future;

tokio::task_local! {
    static REQUEST_ID: String;
}

/// The header carrying the id in both directions.
pub const HEADER: &str = "x-request-id";

/// Longest accepted incoming id.
const MAX_LEN: usize = 128;

/// The incoming id if it is well formed (1–128 characters of `A–Z a–z 0–9 - _ . :`),
/// else a fresh UUID.
pub fn accept_or_generate(incoming: Option<&str>) -> String {
    match incoming {
        Some(id)
            if !id.is_empty()
                && id.len() <= MAX_LEN
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':')) =>
        {
            id.to_owned()
        }
        _ => uuid::Uuid::now_v7().to_string(),
    }
}

/// Runs `fut` with `id` as the current request id.
pub async fn scope<F: Future>(id: String, fut: F) -> F::Output {
    REQUEST_ID.scope(id, fut).await
}

/// The id of the request being handled (empty outside a request).
pub fn current_request_id() -> String {
    REQUEST_ID.try_with(Clone::clone).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_formed_ids_are_kept_and_others_replaced() {
        assert_eq!(accept_or_generate(Some("abc-123.x_y:z")), "abc-123.x_y:z");
        for bad in ["", "has space", "<script>", &"x".repeat(129)] {
            let id = accept_or_generate(Some(bad));
            assert_ne!(id, bad);
            assert!(uuid::Uuid::parse_str(&id).is_ok());
        }
        assert!(uuid::Uuid::parse_str(&accept_or_generate(None)).is_ok());
    }

    #[tokio::test]
    async fn the_id_is_visible_inside_its_scope_only() {
        assert_eq!(current_request_id(), "");
        let seen = scope("req-1".into(), async { current_request_id() }).await;
        assert_eq!(seen, "req-1");
    }
}
