//! payhost's native launcher, as a Tauri plugin: the one thing Tauri does not do for
//! a payment host is open `intent:` URLs with store fallbacks on Android and learn on
//! iOS whether `open` found an app (tauri2.md §3).
//!
//! One struct, [`PayhostLauncher`], with the same `open` on every platform, chosen by
//! `cfg(mobile)` here only: on Android and iOS it asks the native plugin
//! (`android/…/PayhostPlugin.kt`, `ios/Sources/PayhostPlugin.swift`); on desktop it
//! uses tauri-plugin-opener. The plugin defines no JS command and no permission.

use std::sync::Arc;

use tauri::plugin::{Builder, TauriPlugin};
use tauri::{Manager, Runtime};

mod launcher;
#[cfg(mobile)]
mod mobile;

pub use launcher::{
    LaunchArgs, LaunchError, LaunchResponse, LaunchStatus, Launcher, MobileLauncher, NativeLaunch,
    OpenRequest,
};

#[cfg(target_os = "ios")]
tauri::ios_plugin_binding!(init_plugin_payhost);

/// The launcher for the running platform.
pub type PayhostLauncher = Arc<dyn Launcher>;

/// Gives `app.payhost_launcher()`.
pub trait PayhostExt<R: Runtime> {
    /// The platform's launcher.
    fn payhost_launcher(&self) -> PayhostLauncher;
}

impl<R: Runtime, T: Manager<R>> PayhostExt<R> for T {
    fn payhost_launcher(&self) -> PayhostLauncher {
        Arc::clone(&self.state::<Registered>().0)
    }
}

struct Registered(PayhostLauncher);

/// A script for every document on mobile: `window.open(url)` becomes a same-window
/// navigation. Android's WebView would load it in the same view anyway
/// (`supportMultipleWindows` is false in wry) and iOS opens nothing at all without a
/// `createWebView` delegate (tauri2.md §2); either way the URL then goes through the
/// navigation hook. Limits: the page gets `null` back instead of a window, so
/// `window.opener`/`postMessage` flows (a card company's popup that reports to its
/// opener) cannot work on mobile; iamport's redirect mode (`m_redirect_url`) uses no
/// popup.
pub const MOBILE_WINDOW_OPEN_SCRIPT: &str = r#"(function () {
  if (window.__payhostWindowOpen) return;
  window.__payhostWindowOpen = true;
  window.open = function (url) {
    if (url) { window.location.href = new URL(url, window.location.href).href; }
    return null;
  };
})();"#;

/// Initializes the plugin (register it on the app builder).
pub fn init<R: Runtime>() -> TauriPlugin<R> {
    Builder::new("payhost")
        .setup(|app, api| {
            #[cfg(mobile)]
            let launcher: PayhostLauncher = Arc::new(mobile::register(app, api)?);
            #[cfg(desktop)]
            let launcher: PayhostLauncher = {
                let _ = api;
                Arc::new(desktop::OpenerLauncher::new(app.clone()))
            };
            app.manage(Registered(launcher));
            Ok(())
        })
        .build()
}

#[cfg(desktop)]
mod desktop {
    //! The desktop launcher: tauri-plugin-opener, which runs the OS's URL handler
    //! (`xdg-open`/`gio open` on Linux) and reports a handler that fails (the design
    //! card named tauri-plugin-shell, whose `open` is deprecated since 2.1).

    use tauri::{AppHandle, Runtime};
    use tauri_plugin_opener::OpenerExt;

    use crate::launcher::{LaunchError, Launcher, OpenRequest};

    pub(crate) struct OpenerLauncher<R: Runtime> {
        app: AppHandle<R>,
    }

    impl<R: Runtime> OpenerLauncher<R> {
        pub(crate) fn new(app: AppHandle<R>) -> Self {
            Self { app }
        }
    }

    impl<R: Runtime> Launcher for OpenerLauncher<R> {
        fn open(&self, request: &OpenRequest) -> Result<(), LaunchError> {
            self.app
                .opener()
                .open_url(&request.url, None::<&str>)
                .map_err(|err| LaunchError::NotFound(err.to_string()))
        }
    }
}
