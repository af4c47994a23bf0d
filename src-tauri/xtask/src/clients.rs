//! `cargo xtask clients`, also a step of `cargo xtask test`: the official server clients
//! a merchant's own code already uses, unmodified, against a real `payhost-sandbox
//! serve`, with only their base URL and keys changed.
//!
//! The suites are in `src-tauri/payhost-sandbox/clients/`: `test_clients.py` tests
//! iamport-rest-client 0.9.0 and portone-server-sdk 0.21.0 (`requirements.txt`), and
//! `clients.test.mjs` tests @portone/server-sdk 0.19.0 (`package-lock.json`). Each suite
//! makes the payments it reads through plain HTTP against the sandbox, so all it needs is
//! the sandbox's URL (`PAYHOST_SANDBOX_URL`). This task installs the clients (a venv
//! under `target/clients-venv`, then `npm ci`). It builds the sandbox and starts it on a
//! free loopback port, with a fresh database in `target/clients-run/` and its log
//! beside it, and waits until it listens. Then it runs the Python suite and the npm
//! suite, and stops the sandbox whether they passed or not.

use std::ffi::OsStr;
use std::fs::{self, File};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::guest_js::NPM;
use crate::test::build_sandbox;
use crate::{apt, root, step, Result, XtaskError};

/// The suites, relative to the repository root.
const CLIENTS_DIR: &str = "src-tauri/payhost-sandbox/clients";

/// The Python clients' virtual environment, relative to the repository root.
const VENV: &str = "target/clients-venv";

/// The sandbox's database and log, relative to the repository root (made anew each run).
const RUN_DIR: &str = "target/clients-run";

/// How long the sandbox may take to listen.
const START_LIMIT: Duration = Duration::from_secs(30);

/// Seconds a suite may run (through coreutils' `timeout`): a client waiting forever on
/// an answer fails here, naming the suite, instead of running into CI's limit.
const SUITE_LIMIT_SECS: &str = "600";

pub(crate) fn clients() -> Result {
    let root = root();
    let dir = root.join(CLIENTS_DIR);
    build_sandbox()?;
    let python = apt::python_venv(VENV)?;
    let mut pip = Command::new(&python);
    pip.current_dir(&dir)
        .args(["-m", "pip", "install", "-q", "-r", "requirements.txt"]);
    step(
        "clients: pip install -r requirements.txt (iamport-rest-client, portone-server-sdk)",
        pip,
    )?;
    apt::ensure_npm()?;
    let node_flags = node_flags()?;
    let mut npm = Command::new(NPM);
    npm.current_dir(&dir)
        .args(["ci", "--no-audit", "--no-fund"]);
    step("clients: npm ci (@portone/server-sdk)", npm)?;

    let sandbox = Sandbox::start(
        &root.join("target/debug/payhost-sandbox"),
        &root.join(RUN_DIR),
    )?;
    let mut python_suite = suite(&dir, &sandbox.url, &python);
    python_suite
        .args(["-m", "unittest", "-v", "test_clients"])
        .env("PYTHONDONTWRITEBYTECODE", "1");
    step(
        "clients: the Python suite (iamport-rest-client 0.9.0, portone-server-sdk 0.21.0)",
        python_suite,
    )?;
    let mut node_suite = suite(&dir, &sandbox.url, "node");
    node_suite
        .args(node_flags)
        .args(["--test", "clients.test.mjs"]);
    step(
        "clients: the npm suite (@portone/server-sdk 0.19.0)",
        node_suite,
    )
}

/// `program` in the suites' directory, given the sandbox's URL, under the time limit.
fn suite(dir: &Path, url: &str, program: impl AsRef<OsStr>) -> Command {
    let mut command = Command::new("timeout");
    command
        .current_dir(dir)
        .arg(SUITE_LIMIT_SECS)
        .arg(program)
        .env("PAYHOST_SANDBOX_URL", url)
        // requests and httpx honour proxy variables; the sandbox is on loopback.
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env("no_proxy", "127.0.0.1,localhost");
    command
}

/// `node`'s flags for the npm suite. `Webhook.verify` uses the WebCrypto global
/// `crypto` (`@portone/server-sdk@0.19.0:dist/webhook.mjs`), which Node.js 18 (Debian
/// 12's) has only behind `--experimental-global-webcrypto`; from 19 on it is always there.
fn node_flags() -> Result<Vec<&'static str>> {
    let output = Command::new("node")
        .arg("--version")
        .output()
        .map_err(|err| XtaskError::Io("node --version".to_owned(), err))?;
    let version = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    let major: u32 = version
        .trim_start_matches('v')
        .split('.')
        .next()
        .and_then(|major| major.parse().ok())
        .ok_or_else(|| XtaskError::Failed(format!("node --version said `{version}`")))?;
    match major {
        0..=17 => Err(XtaskError::Failed(format!(
            "the npm client suite needs Node.js 18 or later (fetch, WebCrypto); this is {version}"
        ))),
        18 => Ok(vec!["--experimental-global-webcrypto"]),
        _ => Ok(Vec::new()),
    }
}

/// A `payhost-sandbox serve` this task started; dropping it stops it.
struct Sandbox {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    url: String,
}

impl Sandbox {
    /// Starts `binary` on a free loopback port with its database and log in `dir` (made
    /// anew), and waits until it listens.
    fn start(binary: &Path, dir: &Path) -> Result<Self> {
        let io = |what: &str, err| XtaskError::Io(format!("{what} {}", dir.display()), err);
        if dir.exists() {
            fs::remove_dir_all(dir).map_err(|err| io("removing", err))?;
        }
        fs::create_dir_all(dir).map_err(|err| io("creating", err))?;
        let log = File::create(dir.join("sandbox.log")).map_err(|err| io("a log in", err))?;
        let port = free_port()?;
        println!("\n==> clients: payhost-sandbox serve --port {port} (log: {RUN_DIR}/sandbox.log)");
        let child = Command::new(binary)
            .args(["serve", "--port", &port.to_string(), "--db"])
            .arg(dir.join("s.sqlite3"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(|err| io("a log in", err))?)
            .stderr(log)
            .spawn()
            .map_err(|err| XtaskError::Io(binary.display().to_string(), err))?;
        let mut sandbox = Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        sandbox.wait_until_listening(port)?;
        Ok(sandbox)
    }

    fn wait_until_listening(&mut self, port: u16) -> Result {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let deadline = Instant::now() + START_LIMIT;
        loop {
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                println!("listening at {}", self.url);
                return Ok(());
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(XtaskError::Failed(format!(
                    "clients: payhost-sandbox serve exited ({status}) before it listened; see {RUN_DIR}/sandbox.log"
                )));
            }
            if Instant::now() > deadline {
                return Err(XtaskError::Failed(format!(
                    "clients: payhost-sandbox serve did not listen within {} s; see {RUN_DIR}/sandbox.log",
                    START_LIMIT.as_secs()
                )));
            }
            thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        // This process's own child, by its id; its database is thrown away, so there is
        // nothing to shut down cleanly.
        let _ = self.child.kill();
        let _ = self.child.wait();
        println!("clients: payhost-sandbox at {} stopped", self.url);
    }
}

/// A loopback port nothing listens on: bound and released, for the sandbox to bind a
/// moment later.
fn free_port() -> Result<u16> {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .map_err(|err| XtaskError::Io("a free loopback port".to_owned(), err))
}
