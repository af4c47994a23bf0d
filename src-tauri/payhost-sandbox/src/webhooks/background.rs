//! What the API state's background tasks (the webhook sender, the scheduler of
//! charges) share, written once for both: how the state wakes one after a commit that
//! may have given it work, how the task waits for that or for a time, and how it runs
//! on a thread of its own. The task's side is handed out once; the task learns that
//! the API state is gone when its waiting ends so.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::mpsc;

/// The API state's side: wakes the task, and hands out the task's side once.
#[derive(Debug, Clone)]
pub(crate) struct Wake {
    sender: mpsc::Sender<()>,
    waiting: Arc<Mutex<Option<mpsc::Receiver<()>>>>,
}

impl Wake {
    pub(crate) fn new() -> Self {
        // One wake-up pending is enough: the task looks at everything when it wakes.
        let (sender, waiting) = mpsc::channel(1);
        Self {
            sender,
            waiting: Arc::new(Mutex::new(Some(waiting))),
        }
    }

    /// Tells the task that there may be work sooner than it thought.
    pub(crate) fn wake(&self) {
        // Full: a wake-up is already pending, which is enough.
        let _ = self.sender.try_send(());
    }

    /// The task's side, once (`None` when it was taken).
    pub(crate) fn waiting(&self) -> Option<Waiting> {
        self.waiting.lock().ok()?.take().map(Waiting)
    }
}

/// The task's side: waits for a wake-up or a time.
#[derive(Debug)]
pub(crate) struct Waiting(mpsc::Receiver<()>);

impl Waiting {
    /// Waits `wait` (forever when `None`) or until the API state wakes the task;
    /// false when the API state is gone (the task should end).
    pub(crate) async fn until(&mut self, wait: Option<Duration>) -> bool {
        let sleep = async {
            match wait {
                Some(wait) => tokio::time::sleep(wait).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            woken = self.0.recv() => woken.is_some(),
            () = sleep => true,
        }
    }
}

/// Runs `task` on a thread named `name`, on a runtime of its own (for callers that
/// serve the router on a runtime the sandbox does not own).
///
/// # Errors
/// When the thread or its runtime cannot be started.
pub(crate) fn spawn_thread(
    name: &str,
    task: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    std::thread::Builder::new()
        .name(name.to_owned())
        .spawn(move || runtime.block_on(task))?;
    Ok(())
}
