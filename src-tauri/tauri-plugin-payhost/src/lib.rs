//! payhost's native side, as a Tauri plugin: what Tauri does not do for a payment
//! host. It opens `intent:` URLs with store fallbacks on Android and learns on iOS
//! whether `open` found an app ([`PayhostLauncher`]), and it receives the return
//! links of our scheme as the exact strings the OS delivered ([`ReturnLinks`]),
//! which Tauri's `url::Url`-based deep-link path cannot carry.
//!
//! The same `open` on every platform, chosen by `cfg(mobile)` here only: on Android
//! and iOS it asks the native plugin (`android/…/PayhostPlugin.kt`,
//! `ios/Sources/PayhostPlugin.swift`); on desktop it uses tauri-plugin-opener. The
//! plugin defines no JS command and no permission. Its configuration is the
//! `plugins.payhost` section of `tauri.conf.json` (validated at init by
//! payhost-core's `settings`; the native side reads `appScheme` from it).

use std::sync::Arc;

use tauri::plugin::{Builder, TauriPlugin};
use tauri::{Manager, Runtime};

mod launcher;
#[cfg(mobile)]
mod mobile;
mod returns;

pub use launcher::{
    LaunchArgs, LaunchError, LaunchResponse, LaunchStatus, Launcher, MobileLauncher, NativeLaunch,
    OpenRequest,
};
pub use returns::{
    decode_native_return, return_channel, NativeReturn, ReturnHandler, ReturnLinks,
    ReturnPayloadError,
};

#[cfg(target_os = "ios")]
tauri::ios_plugin_binding!(init_plugin_payhost);

/// The launcher for the running platform.
pub type PayhostLauncher = Arc<dyn Launcher>;

/// Gives `app.payhost_launcher()` and `app.payhost_returns()`.
pub trait PayhostExt<R: Runtime> {
    /// The platform's launcher.
    fn payhost_launcher(&self) -> PayhostLauncher;
    /// The return links (the cold-start one, then each later one, raw); `None` only
    /// before the plugin's setup ran (a desktop second instance can knock that early).
    fn payhost_returns(&self) -> Option<Arc<ReturnLinks>>;
}

impl<R: Runtime, T: Manager<R>> PayhostExt<R> for T {
    fn payhost_launcher(&self) -> PayhostLauncher {
        Arc::clone(&self.state::<Registered>().launcher)
    }

    fn payhost_returns(&self) -> Option<Arc<ReturnLinks>> {
        self.try_state::<Registered>()
            .map(|registered| Arc::clone(&registered.returns))
    }
}

struct Registered {
    launcher: PayhostLauncher,
    returns: Arc<ReturnLinks>,
}

/// The popup shim for phones (`assets/popup-shim.js`), for every frame of the payment
/// WebView (`initialization_script_for_all_frames`): `window.open`, `target=_blank`
/// links and forms (also `form.submit()`) become navigations of the frame they came
/// from, so the URL goes through the navigation hook like any other. iOS opens no
/// popup at all without a `createWebView` delegate, which wry 0.57.1 implements only
/// on macOS (`src/wkwebview/class/wry_web_view_ui_delegate.rs`); Android loads them in
/// place anyway (`supportMultipleWindows` is false in wry's `RustWebView.kt`).
/// `window.open` returns a window-like stub (`closed: false`, `location.href` setter)
/// rather than `null`, which pages take for a popup blocker. Limit: a card company's
/// popup that reports to `window.opener` cannot work on a phone; iamport's redirect
/// mode (`m_redirect_url`) uses no popup.
pub const MOBILE_WINDOW_OPEN_SCRIPT: &str = include_str!("../assets/popup-shim.js");

/// Initializes the plugin (register it on the app builder).
pub fn init<R: Runtime>() -> TauriPlugin<R, Option<serde_json::Value>> {
    Builder::<R, Option<serde_json::Value>>::new("payhost")
        .setup(|app, api| {
            // A bad section is refused here too, naming the key (the app's build
            // script refuses it first).
            payhost_core::settings::RawSettings::from_plugin_value(api.config().as_ref())?
                .validate()?;
            let returns = Arc::new(ReturnLinks::default());
            #[cfg(mobile)]
            let launcher: PayhostLauncher = Arc::new(mobile::register(app, api, &returns)?);
            #[cfg(desktop)]
            let launcher: PayhostLauncher = {
                let _ = api;
                Arc::new(desktop::OpenerLauncher::new(app.clone()))
            };
            app.manage(Registered { launcher, returns });
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
