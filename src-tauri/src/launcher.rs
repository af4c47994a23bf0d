//! The only place payhost opens another app or a store link.
//!
//! The shell decides nothing here: it asks [`Launcher::open`] to open exactly the
//! URL payhost-core chose (plus, on Android, the original `intent:` URI), and walks
//! the core's fallbacks when that fails. The desktop implementation uses
//! `tauri-plugin-opener` (the design card named tauri-plugin-shell, whose `open` is
//! deprecated since 2.1; opener is its maintained replacement); the mobile one is
//! the in-repo plugin of the mobile issue, behind this same trait. Calls block (the
//! OS launcher, a mobile plugin round trip), so the shell only ever calls them from a
//! spawned blocking task, never from the navigation hook.

/// What to open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenRequest {
    /// The URL payhost-core chose.
    pub url: String,
    /// The original `intent:` URI, for Android's `Intent.parseUri`.
    pub intent: Option<String>,
}

/// Why an open failed.
#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    /// No app handles the URL (Android `ActivityNotFoundException`, iOS `open` →
    /// false, desktop: no handler registered).
    #[error("no app handles the URL: {0}")]
    NotFound(String),
    /// The platform refused or failed otherwise.
    #[error("the launcher failed: {0}")]
    Failed(String),
}

/// Opens URLs outside the WebView.
pub trait Launcher: Send + Sync + 'static {
    /// Opens `request`, blocking until the platform says whether it worked.
    ///
    /// # Errors
    /// [`LaunchError`] when nothing was opened.
    fn open(&self, request: &OpenRequest) -> Result<(), LaunchError>;
}

/// The desktop launcher: `tauri-plugin-opener`, which runs the OS's URL handler
/// (`xdg-open`/`gio open` on Linux) and reports a handler that fails.
#[derive(Debug)]
pub struct OpenerLauncher<R: tauri::Runtime> {
    app: tauri::AppHandle<R>,
}

impl<R: tauri::Runtime> OpenerLauncher<R> {
    /// A launcher for `app`.
    pub fn new(app: tauri::AppHandle<R>) -> Self {
        Self { app }
    }
}

impl<R: tauri::Runtime> Launcher for OpenerLauncher<R> {
    fn open(&self, request: &OpenRequest) -> Result<(), LaunchError> {
        use tauri_plugin_opener::OpenerExt;
        self.app
            .opener()
            .open_url(&request.url, None::<&str>)
            .map_err(|err| LaunchError::NotFound(err.to_string()))
    }
}
