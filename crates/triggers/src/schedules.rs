//! EventBridge schedules: a tick that fires every due scheduled rule
//! (`EventsService::fire_due_schedules` writes the `Scheduled Event`
//! deliveries and sets the next firing, in one transaction). Next firings
//! are stored, so schedules survive a restart; one missed while laminar was
//! down fires once at start (AWS does not back-fill).

use crate::Triggers;
use laminar_lambda_core::blocking::off_worker;
use std::sync::Weak;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How often due schedules are looked for (fine enough for scaled-down
/// `rate(…)` periods in tests).
const TICK: Duration = Duration::from_millis(200);

pub(crate) fn start(room: Weak<Triggers>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            tick.tick().await;
            let Some(room) = room.upgrade() else {
                return;
            };
            let events = room.events.clone();
            drop(room);
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_millis() as i64)
                .unwrap_or(0);
            let fired = off_worker(move || {
                events
                    .fire_due_schedules(now)
                    .map_err(|e| laminar_model::ApiError::service(e.to_string()))
            })
            .await;
            match fired {
                Ok(0) => {}
                Ok(n) => tracing::debug!(rules = n, "EventBridge schedules fired"),
                Err(e) => tracing::warn!(error = %e, "EventBridge schedules could not be fired"),
            }
        }
    });
}
