//! The commands of the app's own local UI (guest-js `tauri-plugin-payhost-api`):
//! open a payment window, read the QA flow. Granted by a capability of the app's
//! local windows only (`permissions/default.toml` holds `allow-open-payment`); a
//! payment window shows remote pages and gets no capability at all.

use serde::Serialize;
use tauri::{command, AppHandle, Runtime};

use crate::flow::FlowEvent;
use crate::{Error, PayhostExt};

/// The window `open_payment` opened.
#[derive(Debug, Clone, Serialize)]
pub struct OpenedWindow {
    /// Its label (results name it in `window`).
    pub label: String,
}

/// Opens `url` in a new payment window. Async, so it runs off the main thread: a
/// synchronous command that builds a window deadlocks on Windows (tauri 2.12.5
/// `WebviewWindowBuilder::new` docs, "Known issues").
#[command]
pub(crate) async fn open_payment<R: Runtime>(
    app: AppHandle<R>,
    url: String,
    title: Option<String>,
) -> Result<OpenedWindow, Error> {
    let window = app.payhost().open_payment(&url, title.as_deref())?;
    Ok(OpenedWindow {
        label: window.label().to_owned(),
    })
}

/// The QA flow so far.
#[command]
pub(crate) fn flow_log<R: Runtime>(app: AppHandle<R>) -> Vec<FlowEvent> {
    app.payhost().flow_events()
}
