//! payhost, the app: tauri-plugin-payhost's reference host. It hosts a merchant's
//! payment page (or, with none configured, the sandbox's shop) and carries the
//! payment through the hand-off to card and bank apps and back.
//!
//! This file only wires things together: the configuration (`config`), the plugins
//! (single-instance first, then deep-link, opener and payhost), the in-process
//! sandbox on desktop, the payment window and the QA panel. Everything about a
//! payment is the plugin's; every URL decision is payhost-core's.

pub mod config;

use std::path::PathBuf;
use std::process::ExitCode;

use tauri::{Manager, Runtime, WebviewUrl, WebviewWindowBuilder};
use tauri_plugin_payhost::flow::Step;
use tauri_plugin_payhost::{PayhostExt, WindowOptions};

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
    /// Arguments that are not options (a deep link on a cold start), for the plugin.
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

/// Where the app starts, when no `start_url` is configured.
#[derive(Debug, Default)]
struct StartPage {
    /// The notice the start page shows instead (the sandbox cannot start, or this
    /// build has none).
    notice: Option<String>,
    /// What the QA flow says about it.
    note: Option<String>,
}

impl StartPage {
    fn notice(message: String) -> Self {
        Self {
            note: Some(message.clone()),
            notice: Some(message),
        }
    }
}

/// With no `start_url` configured, starts the in-process sandbox on desktop: binds
/// `127.0.0.1:sandbox_port` and serves its shop there (its databases in the app data
/// dir, so a payment survives a killed payhost). Returns the configuration (on the
/// sandbox: its origin added to the return allowlist) and what the start page says.
fn start_sandbox_unless_configured(
    config: config::Config,
    data_dir: Option<&std::path::Path>,
) -> (config::Config, StartPage) {
    if config.start_url.is_some() {
        return (config, StartPage::default());
    }
    #[cfg(all(desktop, feature = "sandbox"))]
    {
        let Some(data_dir) = data_dir else {
            let message = "샌드박스를 시작할 수 없습니다: 데이터 디렉터리가 없습니다 / the sandbox cannot start: no data directory";
            return (config, StartPage::notice(message.to_owned()));
        };
        match start_sandbox(&config, data_dir) {
            Ok(on_sandbox) => {
                let note = format!(
                    "sandbox on {} (no start_url configured)",
                    on_sandbox.sandbox_origin()
                );
                let start = StartPage {
                    notice: None,
                    note: Some(note),
                };
                (on_sandbox, start)
            }
            Err(message) => {
                tracing::error!("{message}");
                (config, StartPage::notice(message))
            }
        }
    }
    #[cfg(not(all(desktop, feature = "sandbox")))]
    {
        let _ = data_dir;
        let start = if cfg!(desktop) {
            StartPage::notice(
                "시작 페이지가 설정되지 않았습니다 (이 빌드에는 샌드박스가 없습니다): tauri.conf.json 의 plugins.payhost.startUrl, payhost.toml 의 start_url 또는 PAYHOST_START_URL 을 설정하세요 / \
                 No start page, and this build has no sandbox: set plugins.payhost.startUrl in tauri.conf.json, start_url in payhost.toml or PAYHOST_START_URL"
                    .to_owned(),
            )
        } else {
            StartPage::default()
        };
        (config, start)
    }
}

/// Binds the sandbox's fixed loopback port and serves it on Tauri's async runtime
/// (which exists before the app does); binding and opening the databases happen
/// here, so a failure becomes the start page's notice, not a hang.
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
    // The app's config and data dirs as Tauri's path resolver computes them on
    // desktop (`dirs::config_dir()/<identifier>`, `dirs::data_dir()/<identifier>`),
    // known before the app exists so that a bad configuration stops payhost before
    // any window opens and the sandbox is up before the first page loads.
    let identifier = &context.config().identifier;
    let (config_dir, data_dir) = if cfg!(desktop) {
        (
            dirs::config_dir().map(|dir| dir.join(identifier)),
            dirs::data_dir().map(|dir| dir.join(identifier)),
        )
    } else {
        (None, None)
    };
    let config = match config::load(&config::Sources::from_process(embedded, config_dir)) {
        Ok(config) => config,
        Err(err) => {
            eprintln!("payhost: configuration error / 설정 오류: {err}");
            return ExitCode::from(2);
        }
    };
    let (config, start) = start_sandbox_unless_configured(config, data_dir.as_deref());
    match build(tauri::Builder::default(), options, config, start).build(context) {
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

/// The payhost plugin as this app configures it: its resolved configuration (the
/// embedded section, `payhost.toml` and `PAYHOST_*` on desktop, the sandbox's shop),
/// the QA log, the cold-start link from the command line.
fn payhost_plugin<R: Runtime>(
    options: &CliOptions,
    config: &config::Config,
    start_notice: Option<&str>,
) -> tauri::plugin::TauriPlugin<R, Option<serde_json::Value>> {
    let mut payhost = tauri_plugin_payhost::Builder::new()
        .app_scheme(config.app_scheme.clone())
        .return_hosts(config.return_hosts.clone())
        .qa_log(options.qa_log.clone())
        .launch_args(options.links.clone())
        .popup_shim_on_desktop(options.mobile_popup_shim);
    if let Some(url) = &config.start_url {
        payhost = payhost.start_url(url.to_string());
    }
    if let Some(template) = &config.resume_url {
        payhost = payhost.resume_url(template.clone());
    }
    if let Some(notice) = start_notice {
        payhost = payhost.start_notice(notice);
    }
    payhost.build()
}

fn build<R: Runtime>(
    builder: tauri::Builder<R>,
    options: CliOptions,
    config: config::Config,
    start: StartPage,
) -> tauri::Builder<R> {
    let mut builder = builder;
    #[cfg(desktop)]
    {
        // Registered first (tauri-plugin-single-instance README): a second `payhost
        // myapp://…` process hands its argv to this one and exits.
        // The raw argv, never through `url::Url` (which refuses `myapp://://…`).
        builder = builder.plugin(tauri_plugin_single_instance::init(move |app, argv, cwd| {
            tauri_plugin_payhost::on_second_instance(app, argv, cwd);
            if let Some(window) = app.get_webview_window(MAIN_WINDOW) {
                let _ = window.set_focus();
            }
        }));
    }
    builder = builder
        .plugin(tauri_plugin_deep_link::init())
        .plugin(tauri_plugin_opener::init())
        .plugin(payhost_plugin(&options, &config, start.notice.as_deref()));
    builder.setup(move |app| {
        if let Err(message) = setup(app, &options, &config, start.note.as_deref()) {
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
    start_note: Option<&str>,
) -> Result<(), String> {
    #[cfg(desktop)]
    {
        use tauri_plugin_deep_link::DeepLinkExt;
        // Dev builds and unpackaged runs receive links only once registered
        // (`tauri-plugin-deep-link@2.6.3:src/lib.rs` `register_all`: Linux and Windows);
        // the runtime scheme may differ from tauri.conf.json's. The links themselves
        // reach payhost through the single-instance argv and the plugin's own
        // cold-start arguments, raw (its `on_open_url` reads `url::Url`, which
        // cannot hold `myapp://://…`).
        if let Err(err) = app.deep_link().register_all() {
            tracing::warn!("deep-link registration failed: {err}");
        }
        if let Err(err) = app.deep_link().register(&config.app_scheme) {
            tracing::warn!("registering `{}` failed: {err}", config.app_scheme);
        }
    }
    let payhost = app.payhost();
    if let Some(note) = start_note {
        payhost.record(Step::Start, note);
    }
    payhost.record(
        Step::Start,
        format!(
            "payhost {} on {}, scheme `{}`, config {}, start {}",
            env!("CARGO_PKG_VERSION"),
            payhost.context().platform(),
            config.app_scheme,
            config.source.as_ref().map_or_else(
                || "tauri.conf.json (embedded)".to_owned(),
                |p| p.display().to_string()
            ),
            config.start_url.as_ref().map_or_else(
                || "a notice (no start_url)".to_owned(),
                |url| payhost_core::redact_url(url.as_str())
            )
        ),
    );
    payhost
        .open_start_window(&WindowOptions::new(MAIN_WINDOW))
        .map_err(|err| err.to_string())?;

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
