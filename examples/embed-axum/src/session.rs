//! The application's own sessions: an opaque random token per login, kept in an
//! in-process map and sent back as `Authorization: Bearer <token>`.
//!
//! The core checks the password and opens a session of its own (a refresh-token family);
//! the application keeps that session's refresh token only to end it on logout. Sessions
//! live in this process: a restart logs everyone out, and several processes would need a
//! shared map (or a signed cookie) instead.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use lms_core::services::Session as CoreSession;
use lms_core::Actor;
use rand_core::{OsRng, RngCore};

use crate::error::AppError;
use crate::AppState;

/// How long a session lasts after login.
pub const SESSION_TTL: Duration = Duration::from_secs(12 * 3600);

/// One session this application issued.
#[derive(Debug, Clone)]
struct Entry {
    actor: Actor,
    core_refresh_token: String,
    expires_at: Instant,
}

/// The live sessions, by token. Cloning is cheap and shares the map.
#[derive(Debug, Clone, Default)]
pub struct Sessions {
    by_token: Arc<Mutex<HashMap<String, Entry>>>,
}

impl Sessions {
    /// Issues a token for the session the core opened at login.
    pub fn issue(&self, session: &CoreSession) -> Result<String, AppError> {
        let mut bytes = [0u8; 32];
        OsRng
            .try_fill_bytes(&mut bytes)
            .map_err(|e| AppError::Core(lms_core::Error::Internal(e.to_string().into())))?;
        let token = URL_SAFE_NO_PAD.encode(bytes);
        let entry = Entry {
            actor: Actor::of(&session.user),
            core_refresh_token: session.refresh_token.clone(),
            expires_at: Instant::now() + SESSION_TTL,
        };
        self.map().insert(token.clone(), entry);
        Ok(token)
    }

    /// The actor a token stands for, while its session lasts.
    fn actor(&self, token: &str) -> Option<Actor> {
        let mut map = self.map();
        match map.get(token) {
            Some(entry) if entry.expires_at > Instant::now() => Some(entry.actor),
            Some(_) => {
                map.remove(token);
                None
            }
            None => None,
        }
    }

    /// Ends a session; returns the core's refresh token to end the core's session too.
    fn end(&self, token: &str) -> Option<String> {
        self.map().remove(token).map(|entry| entry.core_refresh_token)
    }

    fn map(&self) -> MutexGuard<'_, HashMap<String, Entry>> {
        // A panic while the lock was held cannot leave the map half-changed.
        self.by_token.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The bearer token of a request, if it sent one.
fn bearer(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get(AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// The logged-in caller, as the core's [`Actor`]. A handler that takes it answers 401
/// to requests without a live session.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    /// Who is asking, with the rights the account has now.
    pub actor: Actor,
    /// The session's token.
    pub token: String,
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = bearer(parts).ok_or(AppError::NoSession)?;
        let claimed = state.sessions.actor(token).ok_or(AppError::NoSession)?;
        // The role recorded at login is confirmed against the account for instructors
        // and admins, so a demotion counts at once; students cost no read.
        let actor = state.lms.users.current_actor(claimed).await?;
        Ok(Self {
            actor,
            token: token.to_owned(),
        })
    }
}

impl CurrentUser {
    /// Ends this session, and the core's session it was opened with.
    pub async fn log_out(self, state: &AppState) -> Result<(), AppError> {
        if let Some(refresh_token) = state.sessions.end(&self.token) {
            state.lms.auth.logout(&refresh_token).await?;
        }
        Ok(())
    }
}
