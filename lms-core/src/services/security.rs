//! Security alerts (S11): signals of an attack in progress, recorded as `security.alert`
//! events so that the relay delivers them to every subscriber (webhooks, mail, NATS) like
//! any other event.

use tracing::warn;

use super::Deps;
use crate::domain::events::{EventPayload, SecuritySignal};
use crate::error::{Entity, Result};
use crate::ids::UserId;
use crate::ports::UnitOfWork;

/// Raises security alerts.
#[derive(Debug, Clone)]
pub struct SecurityAlerts {
    deps: Deps,
}

impl SecurityAlerts {
    pub(crate) fn new(deps: Deps) -> Self {
        Self { deps }
    }

    /// Records a `security.alert` event: `signal` was seen `count` times for the account
    /// and/or client address. Callers raise it once per occurrence that crosses their
    /// threshold (not on every attempt past it), so receivers are not flooded.
    pub async fn raise(
        &self,
        signal: SecuritySignal,
        user_id: Option<UserId>,
        client_address: Option<String>,
        count: u32,
    ) -> Result<()> {
        warn!(target: "lms::security", ?signal, user_id = ?user_id, count, "security alert");
        let events = self.deps.events([EventPayload::SecurityAlert {
            signal,
            user_id,
            client_address,
            count,
        }]);
        self.deps
            .records
            .write(&UnitOfWork::with_events(events))
            .await
            .map_err(|e| e.about(Entity::Event, "security.alert"))
    }
}
