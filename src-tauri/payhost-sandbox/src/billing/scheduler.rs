//! Fires scheduled charges (V1 `POST /subscribe/payments/schedule`) when their time
//! comes, as iamport does at `schedule_at`: a task beside the webhook sender that
//! reads the time from the API state's clock (tests move an injected clock; while a
//! charge is scheduled the task looks again every [`TICK`], so a moved clock is seen)
//! and fires what is due, each charge one SQLite transaction with its webhook (`store::schedules`).
//! Started on a database whose schedules came due while no sandbox ran, it fires
//! them at once. It ends when the API state it belongs to is dropped.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::api::Clock;
use crate::store::{Schedule, Store, StoreError};
use crate::webhooks::background::{spawn_thread, Waiting, Wake};
use crate::webhooks::Outbox;

/// The longest the scheduler sleeps before it reads the clock again.
pub const TICK: Duration = Duration::from_millis(500);
/// Charges fired in one pass (more wait for the next, at once).
const BATCH: usize = 16;

/// The API state's side of the scheduler: wakes it after a schedule is written.
#[derive(Debug, Clone)]
pub(crate) struct Schedules {
    wake: Wake,
}

impl Schedules {
    pub(crate) fn new() -> Self {
        Self { wake: Wake::new() }
    }

    /// Tells the scheduler that a charge may be due sooner than it thought.
    pub(crate) fn wake(&self) {
        self.wake.wake();
    }

    /// The scheduler over `store`, once (`None` when it was taken).
    pub(crate) fn scheduler(
        &self,
        store: Arc<Mutex<Store>>,
        clock: Clock,
        webhooks: Outbox,
    ) -> Option<Scheduler> {
        Some(Scheduler {
            store,
            clock,
            waiting: self.wake.waiting()?,
            webhooks,
        })
    }
}

/// Fires the charges due at `now` on `store`, and wakes the webhook sender for the
/// webhooks they queued.
///
/// # Errors
/// When the store fails (or its lock is poisoned).
pub(crate) fn fire_due(
    store: &Mutex<Store>,
    webhooks: &Outbox,
    now: i64,
) -> Result<Vec<Schedule>, StoreError> {
    let mut fired = Vec::new();
    loop {
        let batch = {
            let mut store = crate::store::lock(store)?;
            store.fire_due_schedules(now, BATCH)?
        };
        let more = batch.len() == BATCH;
        fired.extend(batch);
        if !more {
            break;
        }
    }
    if !fired.is_empty() {
        webhooks.wake();
    }
    Ok(fired)
}

/// The task that fires scheduled charges.
pub struct Scheduler {
    store: Arc<Mutex<Store>>,
    clock: Clock,
    waiting: Waiting,
    webhooks: Outbox,
}

impl std::fmt::Debug for Scheduler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scheduler").finish_non_exhaustive()
    }
}

impl Scheduler {
    /// Runs until the sandbox's API state is gone.
    pub async fn run(mut self) {
        loop {
            let now = (self.clock)();
            match fire_due(&self.store, &self.webhooks, now) {
                Ok(fired) => {
                    for schedule in &fired {
                        tracing::info!(
                            "scheduled charge {} fired: {}",
                            schedule.charge.merchant_uid,
                            schedule
                                .payment_status
                                .map_or("no payment", |status| status.as_str())
                        );
                    }
                }
                Err(err) => tracing::error!("scheduled charges: {err}"),
            }
            let pending = self
                .store
                .lock()
                .ok()
                .and_then(|store| store.next_schedule_due().ok())
                .map_or(true, |next| next.is_some());
            // With a charge still scheduled, the clock is read again after a tick (it
            // may be moved, or jump); with none, only a new schedule wakes the task.
            if !self.waiting.until(pending.then_some(TICK)).await {
                return;
            }
        }
    }

    /// Runs the scheduler on a thread of its own (for callers that serve the router
    /// on a runtime the sandbox does not own).
    ///
    /// # Errors
    /// When the thread or its runtime cannot be started.
    pub fn spawn_thread(self) -> std::io::Result<()> {
        spawn_thread("payhost-sandbox-schedules", self.run())
    }
}
