//! [`Builder`]: the plugin's configuration in code, for what the app decides at run
//! time (a scheme registered at run time, the sandbox's hosts, a result callback),
//! on top of the `plugins.payhost` section of `tauri.conf.json`; and the plugin's
//! setup, which validates both together (naming the key at fault) and wires the
//! glue: launcher, return links, pending record, QA flow, result events.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use payhost_core::settings::RawSettings;
use payhost_core::{Context, Platform};
use tauri::plugin::{Builder as PluginBuilder, TauriPlugin};
use tauri::{AppHandle, Emitter, Manager, Runtime, Webview};

use crate::flow::FlowLog;
use crate::host::Payhost;
use crate::pending::PendingStore;
use crate::result::{PaymentResult, ResultSink, RESULT_EVENT};
use crate::returns::ReturnLinks;
use crate::shell::{PaymentWebview, Shell, ShellSettings, Spawn};
use crate::webview::TauriWebview;
use crate::window::WindowFactory;
use crate::{pages, Error, PayhostLauncher};

/// What the app is told of each result, besides the `payhost://result` event.
pub type OnResult<R> = Arc<dyn Fn(&AppHandle<R>, &PaymentResult) + Send + Sync>;

/// The start notice when no start page is configured.
const NO_START_URL: &str = "시작 페이지가 설정되지 않았습니다. tauri.conf.json 의 plugins.payhost.startUrl 에 가맹점 결제 페이지 주소를 넣고 다시 빌드하세요 / \
     No start page: set plugins.payhost.startUrl in tauri.conf.json to the merchant's payment page and build again";

/// Builds the payhost plugin. Every value set here replaces the same key of
/// `plugins.payhost` in `tauri.conf.json`; unset ones keep it.
pub struct Builder<R: Runtime> {
    raw: RawSettings,
    on_result: Option<OnResult<R>>,
    qa_log: Option<PathBuf>,
    launch_args: Option<Vec<String>>,
    start_notice: Option<String>,
    popup_shim: bool,
}

impl<R: Runtime> Default for Builder<R> {
    fn default() -> Self {
        Self {
            raw: RawSettings::default(),
            on_result: None,
            qa_log: None,
            launch_args: None,
            start_notice: None,
            popup_shim: false,
        }
    }
}

impl<R: Runtime> std::fmt::Debug for Builder<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Builder")
            .field("settings", &self.raw)
            .finish_non_exhaustive()
    }
}

impl<R: Runtime> Builder<R> {
    /// A builder that takes everything from `tauri.conf.json`.
    pub fn new() -> Self {
        Self::default()
    }

    /// The app's own scheme, which payment apps send the buyer back to
    /// (`appScheme`; on a phone it must also be in `plugins.deep-link.mobile`).
    #[must_use]
    pub fn app_scheme(mut self, scheme: impl Into<String>) -> Self {
        self.raw.app_scheme = Some(scheme.into());
        self
    }

    /// The merchant's hosts a return link may lead to (`returnHosts`).
    #[must_use]
    pub fn return_hosts<I: IntoIterator<Item = S>, S: Into<String>>(mut self, hosts: I) -> Self {
        self.raw.return_hosts = hosts.into_iter().map(Into::into).collect();
        self
    }

    /// The page the first payment window opens (`startUrl`).
    #[must_use]
    pub fn start_url(mut self, url: impl Into<String>) -> Self {
        self.raw.start_url = Some(url.into());
        self
    }

    /// Where an interrupted payment resumes, with `{merchant_uid}` / `{imp_uid}`
    /// (`resumeUrl`).
    #[must_use]
    pub fn resume_url(mut self, template: impl Into<String>) -> Self {
        self.raw.resume_url = Some(template.into());
        self
    }

    /// The labels of the payment webviews (`windows`); by default every webview
    /// showing anything but the app's own content.
    #[must_use]
    pub fn windows<I: IntoIterator<Item = S>, S: Into<String>>(mut self, labels: I) -> Self {
        self.raw.windows = Some(labels.into_iter().map(Into::into).collect());
        self
    }

    /// Called with every result (as the `payhost://result` event carries it), on
    /// the thread that reached it: do not block, spawn.
    #[must_use]
    pub fn on_result<F: Fn(&AppHandle<R>, &PaymentResult) + Send + Sync + 'static>(
        mut self,
        callback: F,
    ) -> Self {
        self.on_result = Some(Arc::new(callback));
        self
    }

    /// Also writes the QA flow to `file` as JSON lines.
    #[must_use]
    pub fn qa_log(mut self, file: Option<PathBuf>) -> Self {
        self.qa_log = file;
        self
    }

    /// The arguments that may hold a cold-start return link (default on desktop: the
    /// process's arguments that are not options; a phone's comes from the OS).
    #[must_use]
    pub fn launch_args(mut self, args: Vec<String>) -> Self {
        self.launch_args = Some(args);
        self
    }

    /// The text of the page shown when there is no start URL.
    #[must_use]
    pub fn start_notice(mut self, text: impl Into<String>) -> Self {
        self.start_notice = Some(text.into());
        self
    }

    /// The phones' popup shim in a desktop build, so a desktop WebView can test it.
    #[doc(hidden)]
    #[must_use]
    pub fn popup_shim_on_desktop(mut self, on: bool) -> Self {
        self.popup_shim = on;
        self
    }

    /// The plugin.
    pub fn build(self) -> TauriPlugin<R, Option<serde_json::Value>> {
        PluginBuilder::<R, Option<serde_json::Value>>::new("payhost")
            .invoke_handler(tauri::generate_handler![
                crate::commands::open_payment,
                crate::commands::flow_log
            ])
            .setup(move |app, api| {
                let payhost = self.setup(app, api)?;
                app.manage(payhost);
                Ok(())
            })
            .on_navigation(|webview, url| on_any_navigation(webview, url.as_str()))
            .build()
    }

    fn setup(
        self,
        app: &AppHandle<R>,
        api: tauri::plugin::PluginApi<R, Option<serde_json::Value>>,
    ) -> Result<Payhost<R>, Box<dyn std::error::Error>> {
        let settings = self.settings(api.config().as_ref())?.validate()?;
        // A phone receives only the schemes compiled into its manifest; the scheme set
        // in code is checked here, where it is known (the build script checks the one
        // in tauri.conf.json).
        if cfg!(mobile) {
            payhost_core::settings::check_mobile_scheme(
                &settings.app_scheme,
                app.config().plugins.0.get("deep-link"),
            )?;
        }
        let data_dir = app.path().app_data_dir().map_err(Error::DataDir)?;
        let flow =
            Arc::new(
                FlowLog::new(self.qa_log.as_deref()).map_err(|source| Error::QaLog {
                    path: self.qa_log.clone().unwrap_or_default(),
                    source,
                })?,
            );
        let returns = Arc::new(ReturnLinks::default());
        #[cfg(mobile)]
        let launcher: PayhostLauncher = Arc::new(crate::mobile::register(app, api, &returns)?);
        #[cfg(desktop)]
        let launcher: PayhostLauncher = {
            let _ = api;
            Arc::new(crate::desktop::OpenerLauncher::new(app.clone()))
        };
        let start_url = settings.start_url.as_ref().map_or_else(
            || {
                let notice = self.start_notice.as_deref().unwrap_or(NO_START_URL);
                pages::data_url(&pages::no_start_page(notice))
            },
            ToString::to_string,
        );
        let spawn: Spawn = Arc::new(|job| {
            tauri::async_runtime::spawn_blocking(job);
        });
        let shell = Shell::new(
            ShellSettings {
                ctx: Context::new(platform(), settings.returns.clone()),
                start_url,
                resume_url: settings.resume_url.clone(),
            },
            launcher,
            PendingStore::new(&data_dir),
            Arc::clone(&flow),
            spawn,
            result_sink(app, self.on_result.clone()),
        );
        let windows = WindowFactory::new(
            app.clone(),
            Arc::clone(&shell),
            Arc::clone(&flow),
            self.popup_shim,
        );
        let launch_args = self.launch_args.unwrap_or_else(|| {
            if cfg!(desktop) {
                std::env::args()
                    .skip(1)
                    .filter(|arg| !arg.starts_with("--"))
                    .collect()
            } else {
                Vec::new()
            }
        });
        Ok(Payhost {
            app: app.clone(),
            shell,
            flow,
            returns,
            windows,
            payment_labels: settings.windows,
            dev_url: dev_url(app),
            launch_args,
            first_page_taken: AtomicBool::new(false),
            returns_connected: AtomicBool::new(false),
        })
    }

    /// `tauri.conf.json`'s section with this builder's values on top.
    fn settings(&self, conf: Option<&serde_json::Value>) -> Result<RawSettings, Error> {
        let mut raw = RawSettings::from_plugin_value(conf)?;
        let mine = &self.raw;
        if mine.start_url.is_some() {
            raw.start_url.clone_from(&mine.start_url);
        }
        if mine.app_scheme.is_some() {
            raw.app_scheme.clone_from(&mine.app_scheme);
        }
        if !mine.return_hosts.is_empty() {
            raw.return_hosts.clone_from(&mine.return_hosts);
        }
        if mine.resume_url.is_some() {
            raw.resume_url.clone_from(&mine.resume_url);
        }
        if mine.windows.is_some() {
            raw.windows.clone_from(&mine.windows);
        }
        Ok(raw)
    }
}

fn platform() -> Platform {
    if cfg!(target_os = "android") {
        Platform::Android
    } else if cfg!(target_os = "ios") {
        Platform::Ios
    } else {
        Platform::Desktop
    }
}

/// The dev server's URL in a dev build (its pages are the app's own content).
fn dev_url<R: Runtime>(app: &AppHandle<R>) -> Option<String> {
    if tauri::is_dev() {
        app.config().build.dev_url.as_ref().map(ToString::to_string)
    } else {
        None
    }
}

/// Results go to the app's callback and, as `payhost://result`, to the listeners of
/// the app's local UI. Tauri evaluates an event only in the webviews that registered
/// a listener for it (tauri 2.12.5 `src/event/listener.rs` `emit_js_filter`), and
/// registering one needs `core:event:allow-listen`, a capability a payment webview
/// never has: the remote pages are not sent the result.
fn result_sink<R: Runtime>(app: &AppHandle<R>, on_result: Option<OnResult<R>>) -> ResultSink {
    let app = app.clone();
    Arc::new(move |result: PaymentResult| {
        if let Some(callback) = &on_result {
            callback(&app, &result);
        }
        if let Err(err) = app.emit(RESULT_EVENT, &result) {
            tracing::warn!("the result event could not be sent: {err}");
        }
    })
}

/// The plugin-level navigation hook, for every webview of the app: the windows the
/// plugin built have their own hook; the app's own content loads; every other
/// navigation of a payment webview goes to the glue.
fn on_any_navigation<R: Runtime>(webview: &Webview<R>, url: &str) -> bool {
    let Some(payhost) = webview.try_state::<Payhost<R>>() else {
        return true;
    };
    let label = webview.label();
    if !payhost.is_payment_navigation(label, url) {
        return true;
    }
    if !payhost.shell.is_attached(label) {
        payhost.shell.attach(
            label,
            Arc::new(TauriWebview {
                webview: webview.clone(),
            }) as Arc<dyn PaymentWebview>,
        );
    }
    payhost.shell.on_navigation(label, url)
}
