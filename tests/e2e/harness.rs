//! Starts payhost the way a user's OS does, under WebDriver: a fresh XDG home per
//! test (WebKit caches pages there: `wry@0.57.1:src/webkitgtk/web_context.rs`), a fake
//! payment app registered as the OS handler of the test schemes (so the real launcher path —
//! tauri-plugin-opener → xdg-open → .desktop handler — is what runs), tauri-driver in
//! front of WebKitWebDriver, and helpers to wait, read and take screenshots.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::wd::WindowHandle;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use crate::server::Server;

/// Schemes the fake payment app answers to.
const FAKE_APP_SCHEMES: [&str; 3] = ["ispmobile", "kakaotalk", "shinhan-sr-ansimclick"];

pub const APP_SCHEME: &str = "myapp";

pub struct Harness {
    pub home: tempfile::TempDir,
    /// The app under test: payhost, or the example merchant app.
    pub app: PathBuf,
    pub server: Server,
    driver: Option<Child>,
    driver_port: u16,
    pub extra_env: Vec<(String, String)>,
    /// `None`: payhost runs its in-process sandbox (no start URL configured).
    pub start_url: Option<String>,
    /// The sandbox's loopback port (in-process or standalone).
    pub sandbox_port: u16,
    /// A standalone `payhost-sandbox serve`, when the test runs one.
    standalone: Option<Child>,
}

/// The sandbox binary, built beside payhost (`cargo xtask test` builds it).
pub fn sandbox_binary() -> PathBuf {
    app_binary().with_file_name("payhost-sandbox")
}

/// A loopback port held bound but not listening: connections to it are refused
/// for as long as this lives, and no other socket can bind it.
pub struct RefusingPort {
    pub port: u16,
    _socket: socket2::Socket,
}

pub fn refusing_port() -> RefusingPort {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)
        .expect("a TCP socket");
    let loopback = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    socket.bind(&loopback.into()).expect("a loopback port");
    let port = socket
        .local_addr()
        .ok()
        .and_then(|address| address.as_socket())
        .map(|address| address.port())
        .expect("the bound port");
    RefusingPort {
        port,
        _socket: socket,
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

pub fn app_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_payhost"))
}

impl Harness {
    fn base(home: tempfile::TempDir) -> Self {
        let server = Server::start();
        let start_url = Some(server.url("/index.html?merchant_uid=order_e2e_1"));
        Self {
            home,
            app: app_binary(),
            server,
            driver: None,
            driver_port: free_port(),
            extra_env: Vec::new(),
            start_url,
            sandbox_port: free_port(),
            standalone: None,
        }
    }

    fn fresh_home() -> tempfile::TempDir {
        kill_leftover_apps();
        let home = tempfile::tempdir().expect("temp dir");
        for dir in ["data/applications", "config", "cache"] {
            std::fs::create_dir_all(home.path().join(dir)).unwrap();
        }
        home
    }

    /// payhost with no start URL (so on its in-process sandbox), and the simulated
    /// payment apps registered by `payhost-sandbox install-apps APP_OPTIONS` in this
    /// test's XDG data home: the OS path (xdg-open → .desktop) runs for every hand-off.
    pub fn sandbox(app_options: &[&str]) -> Self {
        let mut h = Self::base(Self::fresh_home());
        h.start_url = None;
        h.install_apps(app_options);
        h
    }

    /// payhost on a standalone `payhost-sandbox serve` (a PG that outlives payhost,
    /// as a real one does), with the simulated apps registered.
    pub fn standalone_sandbox(app_options: &[&str]) -> Self {
        Self::standalone_sandbox_for(APP_SCHEME, app_options)
    }

    /// [`Harness::standalone_sandbox`] whose PG returns to `app_scheme`.
    pub fn standalone_sandbox_for(app_scheme: &str, app_options: &[&str]) -> Self {
        let mut h = Self::base(Self::fresh_home());
        let db = h.home.path().join("standalone.sqlite3");
        let child = Command::new(sandbox_binary())
            .args([
                "serve",
                "--port",
                &h.sandbox_port.to_string(),
                "--app-scheme",
                app_scheme,
                "--db",
            ])
            .arg(&db)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("payhost-sandbox serve");
        h.standalone = Some(child);
        block_until("the standalone sandbox to listen", PROCESS_STEP, || {
            TcpStream::connect(("127.0.0.1", h.sandbox_port)).ok()
        });
        h.start_url = Some(format!("http://127.0.0.1:{}/shop", h.sandbox_port));
        h.install_apps(app_options);
        h
    }

    fn install_apps(&self, app_options: &[&str]) {
        let output = Command::new(sandbox_binary())
            .arg("install-apps")
            .args(app_options)
            .arg("--data-home")
            .arg(self.home.path().join("data"))
            .env("XDG_CONFIG_HOME", self.home.path().join("config"))
            .env("XDG_DATA_HOME", self.home.path().join("data"))
            .output()
            .expect("payhost-sandbox install-apps runs");
        assert!(
            output.status.success(),
            "install-apps: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// The sandbox's (iamport's) database.
    pub fn sandbox_db(&self) -> PathBuf {
        if self.standalone.is_some() {
            self.home.path().join("standalone.sqlite3")
        } else {
            self.home.path().join("data/kr.payhost.app/sandbox.sqlite3")
        }
    }

    /// The sandbox merchant's database.
    pub fn merchant_db(&self) -> PathBuf {
        if self.standalone.is_some() {
            self.home.path().join("standalone.merchant.sqlite3")
        } else {
            self.home
                .path()
                .join("data/kr.payhost.app/sandbox-merchant.sqlite3")
        }
    }

    /// What the simulated apps logged (`$XDG_DATA_HOME/payhost-sandbox/apps.log`).
    pub fn apps_log(&self) -> String {
        std::fs::read_to_string(self.home.path().join("data/payhost-sandbox/apps.log"))
            .unwrap_or_default()
    }

    /// The QA flow log of every payhost process of this test (`PAYHOST_QA_LOG`).
    pub fn qa_log(&self) -> String {
        std::fs::read_to_string(self.home.path().join("qa.jsonl")).unwrap_or_default()
    }

    pub fn new() -> Self {
        let home = Self::fresh_home();
        let log = home.path().join("launched.txt");
        let script = home.path().join("fake-payment-app");
        std::fs::write(
            &script,
            format!("#!/bin/sh\nprintf '%s\\n' \"$1\" >> '{}'\n", log.display()),
        )
        .unwrap();
        make_executable(&script);
        let mime: Vec<String> = FAKE_APP_SCHEMES
            .iter()
            .map(|s| format!("x-scheme-handler/{s}"))
            .collect();
        std::fs::write(
            home.path().join("data/applications/payhost-e2e-fake-app.desktop"),
            format!(
                "[Desktop Entry]\nType=Application\nName=payhost e2e fake payment app\nExec={} %u\nNoDisplay=true\nMimeType={};\n",
                script.display(),
                mime.join(";")
            ),
        )
        .unwrap();
        let defaults: String = mime
            .iter()
            .map(|m| format!("{m}=payhost-e2e-fake-app.desktop\n"))
            .collect();
        std::fs::write(
            home.path().join("config/mimeapps.list"),
            format!("[Default Applications]\n{defaults}"),
        )
        .unwrap();
        Self::base(home)
    }

    /// The environment payhost runs with.
    pub fn app_env(&self) -> Vec<(String, String)> {
        let home = self.home.path();
        let mut env = vec![
            (
                "XDG_DATA_HOME".to_owned(),
                home.join("data").display().to_string(),
            ),
            (
                "XDG_CONFIG_HOME".to_owned(),
                home.join("config").display().to_string(),
            ),
            (
                "XDG_CACHE_HOME".to_owned(),
                home.join("cache").display().to_string(),
            ),
            ("NO_AT_BRIDGE".to_owned(), "1".to_owned()),
            ("PAYHOST_APP_SCHEME".to_owned(), APP_SCHEME.to_owned()),
            (
                "PAYHOST_START_URL".to_owned(),
                self.start_url.clone().unwrap_or_default(),
            ),
            (
                "PAYHOST_RETURN_HOSTS".to_owned(),
                // The in-process sandbox trusts its own origin (nothing to configure);
                // a standalone one is configured like any merchant host.
                if self.standalone.is_some() {
                    format!(
                        "127.0.0.1:{},127.0.0.1:{}",
                        self.server.port, self.sandbox_port
                    )
                } else {
                    format!("127.0.0.1:{}", self.server.port)
                },
            ),
            (
                "PAYHOST_SANDBOX_PORT".to_owned(),
                self.sandbox_port.to_string(),
            ),
            (
                "PAYHOST_QA_LOG".to_owned(),
                home.join("qa.jsonl").display().to_string(),
            ),
        ];
        env.extend(self.extra_env.iter().cloned());
        env
    }

    /// The pending-payment record's path (Tauri's app data dir for our identifier).
    pub fn pending_file(&self) -> PathBuf {
        self.home
            .path()
            .join("data/kr.payhost.app/pending-payment.json")
    }

    fn start_driver(&mut self) {
        if let Some(mut old) = self.driver.take() {
            let _ = old.kill();
            let _ = old.wait();
        }
        let native_port = free_port();
        let mut command = Command::new(tauri_driver());
        command
            .args([
                "--port",
                &self.driver_port.to_string(),
                "--native-port",
                &native_port.to_string(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for (key, value) in self.app_env() {
            command.env(key, value);
        }
        self.driver = Some(
            command
                .spawn()
                .expect("tauri-driver runs (cargo install tauri-driver --locked)"),
        );
        block_until("tauri-driver to listen", PROCESS_STEP, || {
            TcpStream::connect(("127.0.0.1", self.driver_port)).ok()
        });
    }

    /// A WebDriver session on a freshly started payhost with `args`.
    pub async fn session(&mut self, args: &[&str]) -> Client {
        kill_leftover_apps();
        self.start_driver();
        let mut caps = serde_json::Map::new();
        caps.insert(
            "tauri:options".to_owned(),
            json!({ "application": &self.app, "args": args }),
        );
        ClientBuilder::native()
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{}", self.driver_port))
            .await
            .expect("a WebDriver session on payhost")
    }

    /// Runs a second payhost process (as the OS does for a deep link) and waits for it.
    pub fn second_instance(&self, link: &str) -> std::process::ExitStatus {
        let mut command = Command::new(&self.app);
        command
            .arg(link)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for (key, value) in self.app_env() {
            command.env(key, value);
        }
        let mut child = command.spawn().expect("second payhost process");
        block_until("the second instance to exit", PROCESS_STEP, || {
            child.try_wait().unwrap()
        })
    }

    /// URLs the fake payment app was started with.
    pub fn launched(&self) -> Vec<String> {
        std::fs::read_to_string(self.home.path().join("launched.txt"))
            .map(|text| text.lines().map(str::to_owned).collect())
            .unwrap_or_default()
    }

    pub async fn wait_launched(&self, url: &str) {
        wait_until(&format!("the fake app to receive {url}"), || {
            let launched = self.launched();
            async move { launched.iter().any(|u| u == url) }
        })
        .await;
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        if let Some(mut driver) = self.driver.take() {
            let _ = driver.kill();
            let _ = driver.wait();
        }
        if let Some(mut sandbox) = self.standalone.take() {
            let _ = sandbox.kill();
            let _ = sandbox.wait();
        }
        kill_leftover_apps();
    }
}

fn tauri_driver() -> PathBuf {
    if let Ok(path) = std::env::var("TAURI_DRIVER") {
        return PathBuf::from(path);
    }
    let cargo_bin = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .map(|home| home.join("bin/tauri-driver"));
    match cargo_bin {
        Some(path) if path.exists() => path,
        _ => PathBuf::from("tauri-driver"),
    }
}

fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let mut permissions = std::fs::metadata(path).unwrap().permissions();
    permissions.set_mode(0o755);
    std::fs::set_permissions(path, permissions).unwrap();
}

/// The example merchant app, built beside payhost (`cargo xtask test` builds it).
pub fn example_binary() -> PathBuf {
    app_binary().with_file_name("merchant-app")
}

/// PIDs of running payhost (or example app) processes started from this build.
pub fn app_pids() -> Vec<u32> {
    let binaries = [app_binary(), example_binary()];
    let mut pids = Vec::new();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
                continue;
            };
            if std::fs::read_link(entry.path().join("exe")).is_ok_and(|exe| binaries.contains(&exe))
            {
                pids.push(pid);
            }
        }
    }
    pids
}

pub fn kill_leftover_apps() {
    for pid in app_pids() {
        let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
    }
}

/// How long a step of a flow may take before the test fails.
pub const STEP: Duration = Duration::from_secs(15);
/// The same for a step that starts a process (a driver, a sandbox, a payhost the OS
/// starts for a return link).
pub const PROCESS_STEP: Duration = Duration::from_secs(20);

/// The one poller of the async tests: `check` every 100 ms until it gives `Some`, for
/// up to `within`; on time-out a panic naming `what`, with what `explain` says then
/// (the page's URL, the apps' log…).
pub async fn wait_for<T, F, Fut>(
    what: &str,
    within: Duration,
    mut check: F,
    explain: impl Fn() -> String,
) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + within;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}{}",
            explain()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The same for the harness's synchronous steps (a process to listen or to exit).
pub fn block_until<T>(what: &str, within: Duration, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + within;
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// [`wait_for`] a condition, for up to [`STEP`].
pub async fn wait_until<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    wait_for(
        what,
        STEP,
        || {
            let done = check();
            async move { done.await.then_some(()) }
        },
        String::new,
    )
    .await;
}

/// Waits until the page's URL satisfies `pred`; returns it.
pub async fn wait_url(client: &Client, what: &str, pred: impl Fn(&str) -> bool) -> String {
    let last = std::sync::Mutex::new(String::new());
    wait_for(
        what,
        STEP,
        || async {
            let url = client.current_url().await.ok()?.to_string();
            last.lock().unwrap().clone_from(&url);
            pred(&url).then_some(url)
        },
        || format!("; at {}", last.lock().unwrap()),
    )
    .await
}

/// The text of the first element matching `css`, once there is one.
pub async fn text_of(client: &Client, css: &str) -> String {
    // The page's URL when the element was last missing, for the failure message.
    let last = std::sync::Mutex::new(String::new());
    wait_for(
        &format!("`{css}`"),
        STEP,
        || async {
            match client.find(Locator::Css(css)).await {
                Ok(element) => element.text().await.ok(),
                Err(_) => {
                    if let Ok(url) = client.current_url().await {
                        last.lock().unwrap().clone_from(&url.to_string());
                    }
                    None
                }
            }
        },
        || format!("; at {}", last.lock().unwrap()),
    )
    .await
}

/// The window beside `main` (the QA panel, a payment window), once there is one.
pub async fn other_window(client: &Client, main: &WindowHandle) -> WindowHandle {
    wait_for(
        "a second window",
        STEP,
        || async {
            let windows = client.windows().await.ok()?;
            windows.into_iter().find(|window| window != main)
        },
        String::new,
    )
    .await
}

/// The QA panel's flow once it mentions `until`; switches to the panel (the window
/// beside `main`).
pub async fn qa_panel_flow(client: &Client, main: &WindowHandle, until: &str) -> String {
    let panel = other_window(client, main).await;
    client.switch_to_window(panel).await.unwrap();
    wait_for(
        &format!("the QA panel to list `{until}`"),
        STEP,
        || async {
            let flow = client
                .find(Locator::Css("#flow"))
                .await
                .ok()?
                .text()
                .await
                .ok()?;
            flow.contains(until).then_some(flow)
        },
        String::new,
    )
    .await
}

pub async fn click(client: &Client, css: &str) {
    let element = client
        .wait()
        .at_most(Duration::from_secs(15))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|err| panic!("`{css}` not found: {err}"));
    element
        .click()
        .await
        .unwrap_or_else(|err| panic!("click `{css}`: {err}"));
}

/// Waits until the page has loaded and painted: its `load` event, then two animation
/// frames (the second runs after the first frame with the content was drawn). A shot
/// taken right after an element exists can be blank: WebKitGTK paints later.
async fn painted(client: &Client) {
    const SCRIPT: &str = "const done = arguments[arguments.length - 1];\n\
        const frames = () => requestAnimationFrame(() => requestAnimationFrame(() => done(true)));\n\
        if (document.readyState === 'complete') frames(); else addEventListener('load', frames, { once: true });";
    let _ = tokio::time::timeout(STEP, client.execute_async(SCRIPT, Vec::new())).await;
}

/// Saves a screenshot under target/e2e-shots/ for review, once the page is painted.
pub async fn shot(client: &Client, name: &str) {
    painted(client).await;
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/e2e-shots");
    let _ = std::fs::create_dir_all(&dir);
    if let Ok(png) = client.screenshot().await {
        let _ = std::fs::write(dir.join(format!("{name}.png")), png);
    }
}
