//! The plugin's errors: bad settings (named by their `tauri.conf.json` key), a URL
//! the policy would not load as a page, a window that cannot be built.

use serde::{Serialize, Serializer};

/// What can go wrong in the plugin.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A `plugins.payhost` value or a `Builder` value is wrong (the message names the key).
    #[error(transparent)]
    Settings(#[from] payhost_core::settings::SettingsError),
    /// `open_payment` was given something that is not a page to load (an app link,
    /// a blocked scheme); the URL is redacted.
    #[error("`{url}` is not a payment page to open ({action}) / 결제 페이지가 아닙니다")]
    NotAPage {
        /// The URL, without its query.
        url: String,
        /// What the policy would do with it instead.
        action: String,
    },
    /// Not a URL at all.
    #[error("not a URL / 주소가 아닙니다: {0}")]
    BadUrl(String),
    /// The window could not be built.
    #[error("the payment window cannot be opened / 결제 창을 열 수 없습니다: {0}")]
    Window(tauri::Error),
    /// The app has no data directory for the pending-payment record.
    #[error("no app data directory: {0}")]
    DataDir(tauri::Error),
    /// The QA log file cannot be opened.
    #[error("cannot open the QA log {path}: {source}")]
    QaLog {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// Commands answer the local UI with the message (`invoke` rejects with a string).
impl Serialize for Error {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_string())
    }
}
