//! The load benchmark's webhook receiver: answers `204 No Content` to every `POST` and
//! counts what arrived, so the completion scenario can check that each completion's event
//! was delivered exactly once. It verifies nothing else (signatures are tested elsewhere).
//!
//! `GET /summary` answers the counts as JSON; on SIGTERM or Ctrl-C they are written to the
//! output file too:
//! `{"received":N,"distinct":M,"duplicates":D,"distinct_lessons":L,"unreadable":U,"by_type":{…}}`
//! — requests, distinct `webhook-id` headers, requests repeating an id already seen,
//! distinct (learner, lesson) pairs of the `lesson.completed` events (two events of one
//! completion would have distinct ids but the same pair), requests without a `webhook-id`
//! or a JSON body with a `type`, and requests per event type.

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use poem::http::{Method, StatusCode};
use poem::listener::TcpListener;
use poem::{Body, Request, Response, Server};
use serde_json::Value;

/// What the receiver has counted.
#[derive(Debug, Default)]
pub struct Tally {
    received: u64,
    duplicates: u64,
    unreadable: u64,
    ids: HashSet<String>,
    lessons: HashSet<(String, String)>,
    by_type: BTreeMap<String, u64>,
}

impl Tally {
    /// Counts one delivery: its `webhook-id` header and body.
    pub fn record(&mut self, webhook_id: Option<&str>, body: &[u8]) {
        self.received += 1;
        match webhook_id {
            Some(id) => {
                if !self.ids.insert(id.to_owned()) {
                    self.duplicates += 1;
                }
            }
            None => self.unreadable += 1,
        }
        let Ok(event) = serde_json::from_slice::<Value>(body) else {
            self.unreadable += 1;
            return;
        };
        let Some(kind) = event.get("type").and_then(Value::as_str) else {
            self.unreadable += 1;
            return;
        };
        *self.by_type.entry(kind.to_owned()).or_default() += 1;
        if kind == "lesson.completed" {
            let field = |name: &str| event["data"][name].as_str().unwrap_or_default().to_owned();
            self.lessons.insert((field("user_id"), field("lesson_id")));
        }
    }

    /// The counts as one JSON object.
    pub fn summary(&self) -> String {
        serde_json::json!({
            "received": self.received,
            "distinct": self.ids.len(),
            "duplicates": self.duplicates,
            "distinct_lessons": self.lessons.len(),
            "unreadable": self.unreadable,
            "by_type": self.by_type,
        })
        .to_string()
    }
}

type Shared = Arc<Mutex<Tally>>;

fn lock(tally: &Shared) -> std::sync::MutexGuard<'_, Tally> {
    tally.lock().unwrap_or_else(PoisonError::into_inner)
}

async fn handle(tally: Shared, request: Request) -> Response {
    if request.method() == Method::GET && request.uri().path() == "/summary" {
        let summary = lock(&tally).summary();
        return Response::builder().content_type("application/json").body(summary);
    }
    if request.method() != Method::POST {
        return StatusCode::METHOD_NOT_ALLOWED.into();
    }
    let id = request
        .headers()
        .get("webhook-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let (_, body) = request.into_parts();
    let body = match Body::into_bytes(body).await {
        Ok(bytes) => bytes,
        Err(_) => return StatusCode::BAD_REQUEST.into(),
    };
    lock(&tally).record(id.as_deref(), &body);
    StatusCode::NO_CONTENT.into()
}

/// Serves on `bind` until SIGTERM or Ctrl-C, then writes the summary to `out`.
pub async fn serve(bind: String, out: PathBuf) -> Result<(), String> {
    let tally: Shared = Arc::default();
    let app = {
        let tally = tally.clone();
        poem::endpoint::make(move |request: Request| handle(tally.clone(), request))
    };
    let shutdown = async {
        let terminate = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut signal) => {
                    signal.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {},
            () = terminate => {},
        }
    };
    Server::new(TcpListener::bind(bind.as_str()))
        .run_with_graceful_shutdown(app, shutdown, Some(std::time::Duration::from_secs(5)))
        .await
        .map_err(|e| format!("serve {bind}: {e}"))?;
    let summary = lock(&tally).summary();
    std::fs::write(&out, format!("{summary}\n")).map_err(|e| format!("write {}: {e}", out.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(kind: &str, user: &str, lesson: &str) -> Vec<u8> {
        format!(r#"{{"id":"x","type":"{kind}","data":{{"user_id":"{user}","lesson_id":"{lesson}"}}}}"#).into_bytes()
    }

    #[test]
    fn duplicates_and_repeated_completions_are_counted() {
        let mut tally = Tally::default();
        tally.record(Some("e1"), &body("lesson.completed", "u1", "l1"));
        tally.record(Some("e2"), &body("lesson.completed", "u1", "l2"));
        tally.record(Some("e1"), &body("lesson.completed", "u1", "l1"));
        tally.record(Some("e3"), &body("lesson.completed", "u1", "l2"));
        tally.record(Some("e4"), &body("course.completed", "u1", ""));
        tally.record(None, b"not json");
        let summary: Value = serde_json::from_str(&tally.summary()).unwrap();
        assert_eq!(
            summary,
            serde_json::json!({
                "received": 6,
                "distinct": 4,
                "duplicates": 1,
                "distinct_lessons": 2,
                "unreadable": 2,
                "by_type": {"lesson.completed": 4, "course.completed": 1},
            })
        );
    }
}
