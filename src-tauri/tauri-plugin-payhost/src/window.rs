//! Payment windows: a webview window whose every navigation goes through the glue
//! ([`Shell::on_navigation`]), whose popups become related child windows on desktop
//! and navigations of their own frame on phones, and which shows payhost's own page
//! when a load fails (Linux).
//!
//! The navigation hook is the window builder's own, so it runs from the very first
//! load (tauri's plugin-level hook skips a webview the manager has not registered
//! yet, tauri 2.12.5 `src/manager/webview.rs` `prepare_pending_webview`); the
//! plugin-level hook in `builder.rs` leaves the windows built here alone.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use tauri::{AppHandle, Manager, Runtime, WebviewUrl, WebviewWindow, WebviewWindowBuilder};

use crate::flow::FlowLog;
use crate::shell::{PaymentWebview, Shell};
use crate::webview::TauriWebview;

/// How a payment window looks.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowOptions {
    /// The window's label (unique in the app).
    pub label: String,
    /// The title bar's text.
    pub title: String,
    /// Logical width and height.
    pub size: (f64, f64),
    /// Logical position of the top-left corner, when it matters.
    pub position: Option<(f64, f64)>,
}

impl WindowOptions {
    /// A phone-sized window titled `payhost` under `label`.
    pub fn new(label: impl Into<String>) -> Self {
        Self {
            label: label.into(),
            title: "payhost".to_owned(),
            size: (480.0, 820.0),
            position: None,
        }
    }
}

/// Builds payment windows; shared by the first window, the app's `open_payment`
/// and the popups they open.
pub(crate) struct WindowFactory<R: Runtime> {
    pub(crate) app: AppHandle<R>,
    pub(crate) shell: Arc<Shell>,
    pub(crate) flow: Arc<FlowLog>,
    /// The phones' popup shim in a desktop build too (e2e only).
    pub(crate) popup_shim: bool,
    /// Every label this factory built (the plugin-level hook skips them).
    pub(crate) built: Arc<Mutex<Vec<String>>>,
    #[cfg_attr(mobile, allow(dead_code))]
    popups: AtomicU32,
}

impl<R: Runtime> WindowFactory<R> {
    pub(crate) fn new(
        app: AppHandle<R>,
        shell: Arc<Shell>,
        flow: Arc<FlowLog>,
        popup_shim: bool,
    ) -> Arc<Self> {
        Arc::new(Self {
            app,
            shell,
            flow,
            popup_shim,
            built: Arc::new(Mutex::new(Vec::new())),
            popups: AtomicU32::new(0),
        })
    }

    /// True when this factory built the webview `label`.
    pub(crate) fn built(&self, label: &str) -> bool {
        self.built
            .lock()
            .is_ok_and(|built| built.iter().any(|known| known == label))
    }

    fn remember(&self, label: &str) {
        if let Ok(mut built) = self.built.lock() {
            built.push(label.to_owned());
        }
    }

    /// A builder for `label` with the glue's hooks; `initial` is the first URL.
    fn builder(
        self: &Arc<Self>,
        label: &str,
        initial: url::Url,
    ) -> WebviewWindowBuilder<'_, R, AppHandle<R>> {
        let nav_shell = Arc::clone(&self.shell);
        let nav_label = label.to_owned();
        let builder = WebviewWindowBuilder::new(&self.app, label, WebviewUrl::External(initial))
            .on_navigation(move |url| nav_shell.on_navigation(&nav_label, url.as_str()));
        // Every frame: a card company's iframe opens its popup as often as the PG
        // page does, and `initialization_script` reaches the main frame only
        // (tauri 2.12.5 `WebviewWindowBuilder::initialization_script_for_all_frames`).
        let builder = if cfg!(mobile) || self.popup_shim {
            builder.initialization_script_for_all_frames(crate::MOBILE_WINDOW_OPEN_SCRIPT)
        } else {
            builder
        };
        #[cfg(desktop)]
        let builder = {
            let factory = Arc::clone(self);
            let opener = label.to_owned();
            builder.on_new_window(move |url, features| {
                if !factory.shell.on_new_window(&opener, url.as_str()) {
                    return tauri::webview::NewWindowResponse::Deny;
                }
                factory.open_popup(features)
            })
        };
        builder
    }

    /// Opens the payment window `options` on `first`.
    pub(crate) fn open(
        self: &Arc<Self>,
        options: &WindowOptions,
        first: url::Url,
    ) -> tauri::Result<WebviewWindow<R>> {
        // On Linux the window starts blank and loads the first page once the
        // load-failed handlers are connected (`load_errors`).
        #[cfg(target_os = "linux")]
        let (initial, first_after_attach) = (blank()?, first);
        #[cfg(not(target_os = "linux"))]
        let initial = first;
        let mut builder = self
            .builder(&options.label, initial)
            .title(&options.title)
            .inner_size(options.size.0, options.size.1);
        if let Some((x, y)) = options.position {
            builder = builder.position(x, y);
        }
        self.remember(&options.label);
        let window = builder.build()?;
        self.attach(&window);
        #[cfg(target_os = "linux")]
        crate::load_errors::attach(
            window.as_ref(),
            &self.shell,
            &self.flow,
            first_after_attach.to_string(),
        );
        Ok(window)
    }

    fn attach(&self, window: &WebviewWindow<R>) {
        let label = window.label().to_owned();
        let webview: &tauri::Webview<R> = window.as_ref();
        self.shell.attach(
            &label,
            Arc::new(TauriWebview {
                webview: webview.clone(),
            }) as Arc<dyn PaymentWebview>,
        );
        let shell = Arc::clone(&self.shell);
        window.on_window_event(move |event| {
            if matches!(event, tauri::WindowEvent::Destroyed) {
                shell.detach(&label);
            }
        });
    }

    /// A `window.open` / `target=_blank` page as a related child window, so that
    /// `window.opener` and `window.close()` work (tauri 2.12.5 `src/webview/mod.rs`
    /// `NewWindowResponse::Create`: the new webview must be related to its opener).
    #[cfg(desktop)]
    fn open_popup(
        self: &Arc<Self>,
        features: tauri::webview::NewWindowFeatures,
    ) -> tauri::webview::NewWindowResponse<R> {
        let label = format!(
            "payhost-popup-{}",
            self.popups.fetch_add(1, Ordering::Relaxed)
        );
        let Ok(initial) = blank() else {
            return tauri::webview::NewWindowResponse::Deny;
        };
        self.remember(&label);
        let built = self
            .builder(&label, initial)
            .window_features(features)
            .title("payhost")
            .build();
        match built {
            Ok(window) => {
                self.attach(&window);
                tauri::webview::NewWindowResponse::Create { window }
            }
            Err(err) => {
                tracing::warn!("popup window failed: {err}");
                tauri::webview::NewWindowResponse::Deny
            }
        }
    }
}

fn blank() -> tauri::Result<url::Url> {
    url::Url::parse("about:blank").map_err(tauri::Error::InvalidUrl)
}

/// A fresh label for a payment window the app's UI opens.
pub(crate) fn next_payment_label<R: Runtime>(app: &AppHandle<R>) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    loop {
        let label = format!("payhost-payment-{}", NEXT.fetch_add(1, Ordering::Relaxed));
        if app.get_webview_window(&label).is_none() {
            return label;
        }
    }
}
