//! tauri-plugin-payhost: the whole Korean payment hand-off for a Tauri 2 app.
//!
//! A PG's payment page hands the buyer to card and bank apps (`ispmobile://…`,
//! `kb-acp://…`, Android `intent://…#Intent;…;end`) and the payment app sends the
//! buyer back through the app's own scheme (`myapp://://https://…`). A plain WebView
//! shows `ERR_UNKNOWN_URL_SCHEME` and the payment dies. This plugin carries it
//! through:
//! - every navigation of a payment webview is classified by payhost-core (load,
//!   launch the app, store fallback, external store page, our return link, block)
//!   and acted on: the launcher (Android intents with their fallbacks, iOS `open`
//!   with its answer, the OS handler on desktop), a notice over the page for a block;
//! - return links reach the plugin as the exact strings the OS delivered (the native
//!   side on phones, [`Payhost::deliver_link`] for a desktop second instance), and the
//!   buyer continues at the URL the link carries, only inside the allowlist;
//! - before each hand-off a pending-payment record is written, so that after the OS
//!   killed the app the buyer is offered to continue;
//! - the app's own local UI gets typed results (`payhost://result`, [`PaymentResult`])
//!   and can open payment windows (`open_payment`); the guest bindings are the npm
//!   package `tauri-plugin-payhost-api` (`guest-js/`).
//!
//! The plugin decides nothing about a URL itself: every decision is a pure function of
//! payhost-core. Success is never decided here either: the merchant's server checks
//! the payment through the payment API.
//!
//! # Use
//! The three steps of an app (the README's "Add payhost to your Tauri app"): the
//! crates, the plugins registered as below, and `plugins.payhost` in
//! `tauri.conf.json` (`appScheme`, `returnHosts`, `startUrl`, `resumeUrl`, `windows`)
//! with the scheme in `plugins.deep-link` and `payhost:default` in the capability of
//! the app's local window. The payment windows get no capability.
//! ```no_run
//! use tauri_plugin_payhost::{PayhostExt, WindowOptions};
//!
//! /// `context` is `tauri::generate_context!()` in the app.
//! fn run(context: tauri::Context<tauri::Wry>) -> tauri::Result<()> {
//!     let mut builder = tauri::Builder::default();
//!     // Desktop: a return link starts a second process, which hands it over.
//!     #[cfg(desktop)]
//!     {
//!         builder = builder.plugin(tauri_plugin_single_instance::init(
//!             tauri_plugin_payhost::on_second_instance,
//!         ));
//!     }
//!     builder
//!         .plugin(tauri_plugin_deep_link::init())
//!         .plugin(tauri_plugin_opener::init())
//!         .plugin(
//!             tauri_plugin_payhost::Builder::new()
//!                 .on_result(|_app, result| println!("payment: {:?}", result.kind))
//!                 .build(),
//!         )
//!         .setup(|app| {
//!             // Or let the local UI open one: `openPayment(url)` in guest-js.
//!             app.payhost().open_start_window(&WindowOptions::new("pay"))?;
//!             Ok(())
//!         })
//!         .run(context)
//! }
//! ```

mod builder;
mod commands;
#[cfg(desktop)]
mod desktop;
mod error;
pub mod flow;
mod host;
mod launcher;
#[cfg(target_os = "linux")]
mod load_errors;
#[cfg(mobile)]
mod mobile;
pub mod pages;
pub mod pending;
mod result;
mod returns;
pub mod shell;
mod webview;
mod window;

use std::sync::Arc;

use tauri::{Manager, Runtime, State};

pub use builder::{Builder, OnResult};
pub use commands::OpenedWindow;
pub use error::Error;
pub use host::Payhost;
pub use launcher::{
    LaunchArgs, LaunchError, LaunchResponse, LaunchStatus, Launcher, MobileLauncher, NativeLaunch,
    OpenRequest,
};
pub use result::{PaymentResult, ResultKind, ResultSink, RESULT_EVENT};
#[cfg(desktop)]
pub use returns::on_second_instance;
pub use returns::{
    decode_native_return, return_channel, NativeReturn, ReturnHandler, ReturnLinks,
    ReturnPayloadError,
};
pub use window::WindowOptions;

#[cfg(target_os = "ios")]
tauri::ios_plugin_binding!(init_plugin_payhost);

/// The launcher for the running platform.
pub type PayhostLauncher = Arc<dyn Launcher>;

/// Gives `app.payhost()`.
pub trait PayhostExt<R: Runtime> {
    /// The plugin's state. Panics when the plugin is not registered (as
    /// `State` does for any unmanaged type); see [`PayhostExt::try_payhost`].
    fn payhost(&self) -> State<'_, Payhost<R>>;
    /// The plugin's state, `None` before its setup ran (a desktop second instance
    /// can knock that early) or when it is not registered.
    fn try_payhost(&self) -> Option<State<'_, Payhost<R>>>;
}

impl<R: Runtime, T: Manager<R>> PayhostExt<R> for T {
    fn payhost(&self) -> State<'_, Payhost<R>> {
        self.state::<Payhost<R>>()
    }

    fn try_payhost(&self) -> Option<State<'_, Payhost<R>>> {
        self.try_state::<Payhost<R>>()
    }
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

/// The plugin with everything from `tauri.conf.json` (see [`Builder`] for code).
pub fn init<R: Runtime>() -> tauri::plugin::TauriPlugin<R, Option<serde_json::Value>> {
    Builder::new().build()
}
