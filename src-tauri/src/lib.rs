//! payhost, the app: a Tauri 2 shell that hosts a merchant's payment page and carries
//! the payment through the hand-off to card and bank apps and back.
//!
//! This file only wires things together: configuration, plugins (single-instance
//! first, then deep-link, opener and payhost's own launcher plugin), the payment
//! window with its hooks, the QA panel.
//! Every URL decision is payhost-core's; acting on it is [`shell::Shell`]'s.

pub mod config;
pub mod flow;
pub mod pages;
pub mod pending;
pub mod shell;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use payhost_core::{Context, Platform};
use tauri::{Manager, Runtime, WebviewUrl, WebviewWindow, WebviewWindowBuilder};
use tauri_plugin_payhost::PayhostExt;

use crate::flow::{FlowEvent, FlowLog, Step};
use crate::pending::PendingStore;
use crate::shell::{MainWebview, Shell, ShellSettings};

/// The payment window's label.
pub const MAIN_WINDOW: &str = "main";
/// The QA panel's label; the only window with a capability (capabilities/qa.json).
pub const QA_WINDOW: &str = "qa";

/// Command-line options (besides a deep link, which the OS passes as an argument).
#[derive(Debug, Default, Clone)]
pub struct CliOptions {
    /// `--qa`: open the QA panel at start.
    pub qa_panel: bool,
    /// `--qa-log FILE`: write the flow as JSON lines.
    pub qa_log: Option<PathBuf>,
    /// Arguments that look like URLs (a deep link on a cold start).
    pub links: Vec<String>,
    /// `--mobile-popup-shim` (e2e builds only): the payment window gets the phone
    /// builds' popup script, so the real WebKitGTK WebView can test it.
    pub mobile_popup_shim: bool,
}

impl CliOptions {
    /// Parses `args` (without the program name).
    pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Self, String> {
        let mut options = Self::default();
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--qa" => options.qa_panel = true,
                "--qa-log" => {
                    let file = args
                        .next()
                        .ok_or("--qa-log needs a file / --qa-log 다음에 파일 경로가 필요합니다")?;
                    options.qa_log = Some(PathBuf::from(file));
                }
                #[cfg(feature = "e2e")]
                "--mobile-popup-shim" => options.mobile_popup_shim = true,
                _ if arg.starts_with("--") => {
                    return Err(format!("unknown option `{arg}` / 알 수 없는 옵션"));
                }
                _ => options.links.push(arg),
            }
        }
        Ok(options)
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

/// The first page when no merchant URL is configured: on desktop the sandbox's shop,
/// served in-process on `127.0.0.1:sandbox_port` (its databases in the app data
/// dir, so a payment survives a killed payhost); elsewhere, or when the sandbox
/// cannot start, a page saying what to configure. Returns the configuration the
/// shell runs with (the sandbox's origin added to the return allowlist).
fn start_page(
    config: &config::Config,
    data_dir: &std::path::Path,
    flow: &FlowLog,
) -> (config::Config, String) {
    if let Some(url) = &config.start_url {
        return (config.clone(), url.to_string());
    }
    #[cfg(all(desktop, feature = "sandbox"))]
    let page = match start_sandbox(config, data_dir) {
        Ok(on_sandbox) => {
            flow.record(
                Step::Start,
                format!(
                    "sandbox on {} (no start_url configured)",
                    on_sandbox.sandbox_origin()
                ),
            );
            let start = on_sandbox
                .start_url
                .as_ref()
                .map_or_else(String::new, ToString::to_string);
            (on_sandbox, start)
        }
        Err(message) => {
            tracing::error!("{message}");
            flow.record(Step::Start, message.clone());
            (
                config.clone(),
                pages::data_url(&pages::no_start_page(&message)),
            )
        }
    };
    #[cfg(not(all(desktop, feature = "sandbox")))]
    let page = {
        let _ = data_dir;
        let message = if cfg!(mobile) {
            "시작 페이지가 설정되지 않았습니다. tauri.conf.json 의 plugins.payhost.startUrl 에 가맹점 결제 페이지 주소를 넣고 다시 빌드하세요 / \
             No start page: set plugins.payhost.startUrl in tauri.conf.json to the merchant's payment page and build again"
        } else {
            "시작 페이지가 설정되지 않았습니다 (이 빌드에는 샌드박스가 없습니다): tauri.conf.json 의 plugins.payhost.startUrl, payhost.toml 의 start_url 또는 PAYHOST_START_URL 을 설정하세요 / \
             No start page, and this build has no sandbox: set plugins.payhost.startUrl in tauri.conf.json, start_url in payhost.toml or PAYHOST_START_URL"
        };
        tracing::error!("{message}");
        flow.record(Step::Start, message);
        (
            config.clone(),
            pages::data_url(&pages::no_start_page(message)),
        )
    };
    page
}

/// Binds the sandbox's fixed loopback port and serves it on Tauri's runtime; binding
/// and opening the databases happen here, so a failure becomes a page, not a hang.
#[cfg(all(desktop, feature = "sandbox"))]
fn start_sandbox(
    config: &config::Config,
    data_dir: &std::path::Path,
) -> Result<config::Config, String> {
    let on_sandbox = config.clone().on_sandbox().map_err(|err| err.to_string())?;
    let addr = std::net::SocketAddr::from((std::net::Ipv4Addr::LOCALHOST, config.sandbox_port));
    let cannot = |err: &dyn std::fmt::Display| {
        format!("샌드박스를 시작할 수 없습니다 / the sandbox cannot start on {addr}: {err}")
    };
    std::fs::create_dir_all(data_dir).map_err(|err| cannot(&err))?;
    let listener = std::net::TcpListener::bind(addr).map_err(|err| cannot(&err))?;
    listener.set_nonblocking(true).map_err(|err| cannot(&err))?;
    let sandbox_config =
        payhost_sandbox::SandboxConfig::in_dir(data_dir, Some(config.app_scheme.as_str()));
    let router = payhost_sandbox::app(addr, &sandbox_config).map_err(|err| cannot(&err))?;
    tauri::async_runtime::spawn(async move {
        let served = match tokio::net::TcpListener::from_std(listener) {
            Ok(listener) => payhost_sandbox::serve_app(listener, router).await,
            Err(err) => Err(err.into()),
        };
        if let Err(err) = served {
            tracing::error!("the sandbox stopped: {err}");
        }
    });
    Ok(on_sandbox)
}

/// The real WebView behind [`MainWebview`].
struct TauriWebview<R: Runtime> {
    window: WebviewWindow<R>,
}

impl<R: Runtime> MainWebview for TauriWebview<R> {
    fn navigate(&self, url: &str) {
        match url::Url::parse(url) {
            Ok(url) => {
                if let Err(err) = self.window.navigate(url) {
                    tracing::warn!("navigate failed: {err}");
                }
            }
            Err(err) => tracing::warn!("not navigating to an unparsable URL: {err}"),
        }
    }

    fn current_url(&self) -> Option<String> {
        self.window.url().ok().map(String::from)
    }

    fn show_toast(&self, message: &str) {
        let text = serde_json::to_string(message).unwrap_or_else(|_| "\"\"".to_owned());
        let script = format!(
            "(function(){{var o=document.getElementById('payhost-toast');if(o)o.remove();\
             var d=document.createElement('div');d.id='payhost-toast';d.setAttribute('role','alert');d.textContent={text};\
             d.style.cssText='position:fixed;left:12px;right:12px;bottom:16px;z-index:2147483647;padding:12px 16px;\
             border-radius:8px;background:#1b1f24;color:#fff;font:14px system-ui,sans-serif';\
             (document.body||document.documentElement).appendChild(d);setTimeout(function(){{d.remove()}},6000);}})()"
        );
        if let Err(err) = self.window.eval(&script) {
            tracing::warn!("toast failed: {err}");
        }
    }
}

/// The QA panel's only command: the flow so far.
#[tauri::command]
fn qa_flow(flow: tauri::State<'_, Arc<FlowLog>>) -> Vec<FlowEvent> {
    flow.events()
}

/// Registers the app's commands (shared with the tests, which check the ACL).
pub fn with_commands<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder.invoke_handler(tauri::generate_handler![qa_flow])
}

/// Opens (or focuses) the QA panel.
pub fn open_qa_panel<R: Runtime, M: Manager<R>>(manager: &M) -> tauri::Result<()> {
    if let Some(window) = manager.get_webview_window(QA_WINDOW) {
        return window.set_focus();
    }
    WebviewWindowBuilder::new(manager, QA_WINDOW, WebviewUrl::App("qa.html".into()))
        .title("payhost QA · 결제 흐름 / payment flow")
        .inner_size(640.0, 720.0)
        // Beside the 480-px payment window, so neither hides the other where no
        // window manager places them (Xvfb, screenshots).
        .position(500.0, 0.0)
        .build()
        .map(|_| ())
}

/// The Android/iOS entry point (the mobile runtime calls it; there is no `main`).
#[cfg(mobile)]
#[allow(unsafe_code)] // the macro's `#[no_mangle]` export, see Cargo.toml [lints]
#[tauri::mobile_entry_point]
pub fn mobile_main() {
    let _ = run();
}

/// Runs payhost. Configuration and argument errors exit with status 2 before any
/// window opens.
pub fn run() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let options = match CliOptions::parse(std::env::args().skip(1)) {
        // `PAYHOST_QA_LOG` for processes the OS starts (a cold start from a deep link
        // carries no `--qa-log`).
        Ok(mut options) => {
            if options.qa_log.is_none() {
                options.qa_log = std::env::var_os("PAYHOST_QA_LOG")
                    .filter(|v| !v.is_empty())
                    .map(PathBuf::from);
            }
            options
        }
        Err(message) => {
            eprintln!("payhost: {message}\nusage: payhost [--qa] [--qa-log FILE] [DEEP-LINK]");
            return ExitCode::from(2);
        }
    };
    let context = tauri::generate_context!();
    let embedded = match embedded_settings(context.config()) {
        Ok(embedded) => embedded,
        Err(err) => {
            eprintln!("payhost: configuration error / 설정 오류: tauri.conf.json: {err}");
            return ExitCode::from(2);
        }
    };
    // The app config dir as Tauri's path resolver computes it on desktop
    // (`dirs::config_dir()/<identifier>`), known before the app exists so that a bad
    // configuration stops payhost before any window opens.
    let config_dir = if cfg!(desktop) {
        dirs::config_dir().map(|dir| dir.join(&context.config().identifier))
    } else {
        None
    };
    let config = match config::load(&config::Sources::from_process(embedded, config_dir)) {
        Ok(config) => config,
        Err(err) => {
            eprintln!("payhost: configuration error / 설정 오류: {err}");
            return ExitCode::from(2);
        }
    };
    let flow = match FlowLog::new(options.qa_log.as_deref()) {
        Ok(flow) => Arc::new(flow),
        Err(err) => {
            eprintln!("payhost: cannot open the QA log: {err}");
            return ExitCode::from(2);
        }
    };
    match build(tauri::Builder::default(), options, config, flow).build(context) {
        Ok(app) => {
            app.run(|_, _| {});
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("payhost: {err}");
            ExitCode::from(1)
        }
    }
}

/// The `plugins.payhost` section of the configuration compiled into the app (the
/// build script has checked it; `generate_context!` embeds it on every target).
///
/// # Errors
/// When the section is not the expected shape.
pub fn embedded_settings(
    config: &tauri::Config,
) -> Result<payhost_core::settings::RawSettings, payhost_core::settings::SettingsError> {
    payhost_core::settings::RawSettings::from_plugin_value(config.plugins.0.get("payhost"))
}

fn build<R: Runtime>(
    builder: tauri::Builder<R>,
    options: CliOptions,
    config: config::Config,
    flow: Arc<FlowLog>,
) -> tauri::Builder<R> {
    let mut builder = builder;
    #[cfg(desktop)]
    {
        // Registered first (tauri-plugin-single-instance README): a second `payhost
        // myapp://…` process hands its argv to this one and exits.
        // The raw argv, never through `url::Url` (which refuses `myapp://://…`),
        // into the same queue the phones' native side feeds.
        builder = builder.plugin(tauri_plugin_single_instance::init(
            move |app, argv, _cwd| {
                let links = argv.iter().skip(1).filter(|a| !a.starts_with("--"));
                match app.payhost_returns() {
                    Some(returns) => links.for_each(|link| returns.deliver(link)),
                    None => tracing::warn!("a return link came before payhost's plugin was ready"),
                }
                if let Some(window) = app.get_webview_window(MAIN_WINDOW) {
                    let _ = window.set_focus();
                }
            },
        ));
    }
    builder = builder
        .plugin(tauri_plugin_deep_link::init())
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_payhost::init());
    with_commands(builder)
        .manage(Arc::clone(&flow))
        .setup(move |app| {
            if let Err(message) = setup(app, &options, &config, &flow) {
                // Setup errors would otherwise surface as a panic inside the event loop.
                eprintln!("payhost: {message}");
                std::process::exit(1);
            }
            Ok(())
        })
}

fn setup<R: Runtime>(
    app: &mut tauri::App<R>,
    options: &CliOptions,
    config: &config::Config,
    flow: &Arc<FlowLog>,
) -> Result<(), String> {
    let data_dir = app
        .path()
        .app_data_dir()
        .map_err(|err| format!("no app data directory: {err}"))?;
    let (config, start_url) = start_page(config, &data_dir, flow);
    let config = &config;
    let settings = ShellSettings {
        ctx: Context::new(platform(), config.returns.clone()),
        start_url,
        resume_url: config.resume_url.clone(),
    };
    let spawn: shell::Spawn = Arc::new(|job| {
        tauri::async_runtime::spawn_blocking(job);
    });
    let shell = Shell::new(
        settings,
        app.payhost_launcher(),
        PendingStore::new(&data_dir),
        Arc::clone(flow),
        spawn,
    );

    #[cfg(desktop)]
    {
        use tauri_plugin_deep_link::DeepLinkExt;
        // Dev builds and unpackaged runs receive links only once registered
        // (`tauri-plugin-deep-link@2.6.3:src/lib.rs` `register_all`: Linux and Windows);
        // the runtime scheme may differ from tauri.conf.json's.
        if let Err(err) = app.deep_link().register_all() {
            tracing::warn!("deep-link registration failed: {err}");
        }
        if let Err(err) = app.deep_link().register(&config.app_scheme) {
            tracing::warn!("registering `{}` failed: {err}", config.app_scheme);
        }
    }
    // Desktop: tauri-plugin-deep-link also reports the links it could parse (a
    // duplicate of the argv, which the shell ignores). Not on phones: there its
    // event cannot carry `myapp://://…` (`on_open_url` reads `Vec<url::Url>`), and
    // payhost's own native plugin delivers every link of our scheme raw instead.
    #[cfg(desktop)]
    {
        use tauri_plugin_deep_link::DeepLinkExt;
        let on_link = Arc::clone(&shell);
        app.deep_link().on_open_url(move |event| {
            for url in event.urls() {
                on_link.on_deep_link(url.as_str());
            }
        });
    }

    flow.record(
        Step::Start,
        format!(
            "payhost {} on {}, scheme `{}`, config {}",
            env!("CARGO_PKG_VERSION"),
            platform(),
            config.app_scheme,
            config.source.as_ref().map_or_else(
                || "tauri.conf.json (embedded)".to_owned(),
                |p| p.display().to_string()
            )
        ),
    );
    // The cold-start link: the desktop argv, or on a phone the launch intent's /
    // launch URL's raw string from payhost's native plugin (tauri-plugin-deep-link's
    // `get_current()` is a `url::Url` and, on Android, still empty during setup).
    let returns = app
        .payhost_returns()
        .ok_or("tauri-plugin-payhost is not registered")?;
    let mut launch_links = options.links.clone();
    launch_links.extend(returns.take_launch_link());
    let first = shell.first_page(&launch_links);
    // Later links, and any that arrived while the shell did not exist yet.
    let on_link = Arc::clone(&shell);
    returns.set_handler(Arc::new(move |link| on_link.on_deep_link(link)));
    let first = url::Url::parse(&first).map_err(|err| format!("first page: {err}"))?;
    // On Linux the window starts blank and loads the first page only once the
    // load-failed handlers are connected (`with_webview` runs later on the main
    // thread; a refused connection fails faster than that).
    #[cfg(target_os = "linux")]
    let (initial, first_after_attach) = (
        url::Url::parse("about:blank").map_err(|err| err.to_string())?,
        first,
    );
    #[cfg(not(target_os = "linux"))]
    let initial = first;

    let nav_shell = Arc::clone(&shell);
    let builder = WebviewWindowBuilder::new(app, MAIN_WINDOW, WebviewUrl::External(initial))
        .title("payhost")
        .inner_size(480.0, 820.0)
        .on_navigation(move |url| nav_shell.on_navigation(url.as_str()));
    // Every frame: a card company's iframe opens its popup as often as the PG page
    // does, and `initialization_script` reaches the main frame only
    // (tauri 2.12.5 `WebviewWindowBuilder::initialization_script_for_all_frames`).
    #[cfg(mobile)]
    let builder = builder
        .initialization_script_for_all_frames(tauri_plugin_payhost::MOBILE_WINDOW_OPEN_SCRIPT);
    #[cfg(feature = "e2e")]
    let builder = if options.mobile_popup_shim {
        builder
            .initialization_script_for_all_frames(tauri_plugin_payhost::MOBILE_WINDOW_OPEN_SCRIPT)
    } else {
        builder
    };
    #[cfg(desktop)]
    let builder = {
        let popup_shell = Arc::clone(&shell);
        let handle = app.handle().clone();
        builder.on_new_window(move |url, features| {
            if !popup_shell.on_new_window(url.as_str()) {
                return tauri::webview::NewWindowResponse::Deny;
            }
            open_popup(&handle, &popup_shell, features)
        })
    };
    let window = builder
        .build()
        .map_err(|err| format!("cannot open the payment window: {err}"))?;
    #[cfg(target_os = "linux")]
    error_pages::attach(&window, &shell, flow, first_after_attach.to_string());
    shell.attach(Arc::new(TauriWebview { window }));

    #[cfg(desktop)]
    {
        use tauri::menu::{Menu, MenuItem, Submenu};
        let qa_item = MenuItem::with_id(
            app,
            "qa",
            "결제 흐름 / QA panel",
            true,
            Some("CmdOrCtrl+Shift+Q"),
        )
        .map_err(|err| err.to_string())?;
        let menu = Submenu::with_items(app, "QA", true, &[&qa_item])
            .and_then(|submenu| Menu::with_items(app, &[&submenu]))
            .map_err(|err| err.to_string())?;
        app.set_menu(menu).map_err(|err| err.to_string())?;
        app.on_menu_event(|app, event| {
            if event.id() == "qa" {
                if let Err(err) = open_qa_panel(app) {
                    tracing::warn!("QA panel: {err}");
                }
            }
        });
    }
    if options.qa_panel {
        open_qa_panel(app).map_err(|err| format!("QA panel: {err}"))?;
    }
    Ok(())
}

/// A `window.open` / `target=_blank` page as a related child window, so that
/// `window.opener` and `window.close()` work (`tauri@2.12.5:src/webview/mod.rs`
/// `NewWindowResponse::Create`: the new webview must be related to its opener).
#[cfg(desktop)]
fn open_popup<R: Runtime>(
    app: &tauri::AppHandle<R>,
    shell: &Arc<Shell>,
    features: tauri::webview::NewWindowFeatures,
) -> tauri::webview::NewWindowResponse<R> {
    use std::sync::atomic::{AtomicU32, Ordering};
    static POPUPS: AtomicU32 = AtomicU32::new(0);
    let label = format!("popup-{}", POPUPS.fetch_add(1, Ordering::Relaxed));
    let nav_shell = Arc::clone(shell);
    let Ok(blank) = url::Url::parse("about:blank") else {
        return tauri::webview::NewWindowResponse::Deny;
    };
    let built = WebviewWindowBuilder::new(app, label, WebviewUrl::External(blank))
        .window_features(features)
        .title("payhost")
        .on_navigation(move |url| nav_shell.on_navigation(url.as_str()))
        .build();
    match built {
        Ok(window) => tauri::webview::NewWindowResponse::Create { window },
        Err(err) => {
            tracing::warn!("popup window failed: {err}");
            tauri::webview::NewWindowResponse::Deny
        }
    }
}

/// WebKitGTK reports failed loads (offline, DNS, TLS) only through its own signals;
/// payhost replaces WebKit's page with its own, naming the host, with a retry.
#[cfg(target_os = "linux")]
mod error_pages {
    use std::sync::Arc;

    use tauri::{Runtime, WebviewWindow};
    use webkit2gtk::{LoadEvent, NetworkError, PolicyError, WebViewExt};

    use crate::flow::{FlowLog, Step};
    use crate::shell::Shell;

    pub(crate) fn attach<R: Runtime>(
        window: &WebviewWindow<R>,
        shell: &Arc<Shell>,
        flow: &Arc<FlowLog>,
        first: String,
    ) {
        let failed = Arc::clone(shell);
        let tls = Arc::clone(shell);
        let loads = Arc::clone(flow);
        let result = window.with_webview(move |platform| {
            let webview = platform.inner();
            // Each page's title in the QA flow once it has loaded (QA sees where the
            // buyer ended, e.g. the merchant's verified result, also after a cold
            // start with no WebDriver attached). WebKit may deliver the title after
            // `load-changed: finished`, so both signals report, once per page and
            // title; an untitled page shows only as its navigation (GTK main thread
            // only: `Rc` suffices).
            let last = std::rc::Rc::new(std::cell::RefCell::new(String::new()));
            let record_page = move |webview: &webkit2gtk::WebView| {
                let uri = webview.uri().map(|u| u.to_string()).unwrap_or_default();
                let title = webview.title().map(|t| t.to_string()).unwrap_or_default();
                if title.is_empty() || uri == "about:blank" || uri.starts_with("data:") {
                    return;
                }
                let key = format!("{uri}\n{title}");
                if *last.borrow() == key {
                    return;
                }
                *last.borrow_mut() = key;
                loads.record(
                    Step::PageLoad,
                    format!("{} “{title}”", payhost_core::redact_url(&uri)),
                );
            };
            let on_title = record_page.clone();
            webview.connect_load_changed(move |webview, event| {
                if event == LoadEvent::Finished {
                    record_page(webview);
                }
            });
            webview.connect_title_notify(move |webview| {
                if !webview.is_loading() {
                    on_title(webview);
                }
            });
            webview.connect_load_failed(move |webview, _event, uri, error| {
                tracing::debug!(
                    "load-failed {} {:?} {}",
                    payhost_core::redact_url(uri),
                    error.domain(),
                    error.message()
                );
                // A navigation payhost cancelled (an app hand-off) is not a failure:
                // WebKit reports it as cancelled or as a policy change (the "102" error
                // TOSS's iOS SDK ignores, tosspayments/payment-sdk-ios commit f27513a).
                if error.matches(NetworkError::Cancelled) || error.kind::<PolicyError>().is_some() {
                    return false;
                }
                let html = failed.load_failed_page(uri, error.message());
                webview.load_alternate_html(&html, uri, None);
                true
            });
            webview.connect_load_failed_with_tls_errors(
                move |webview, uri, _certificate, flags| {
                    let html =
                        tls.load_failed_page(uri, &format!("TLS certificate error ({flags:?})"));
                    webview.load_alternate_html(&html, uri, None);
                    true
                },
            );
            // Goes through the navigation hook like any load.
            webview.load_uri(&first);
        });
        if let Err(err) = result {
            tracing::warn!("error pages unavailable: {err}");
        }
    }
}
