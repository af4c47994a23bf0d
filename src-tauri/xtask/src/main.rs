//! `cargo xtask <task>`: payhost's automation in Rust rather than shell scripts
//! (matklad/cargo-xtask), so the same commands work for developers and CI.
//!
//! - `run`: installs the system packages payhost needs when missing, builds it,
//!   registers the sandbox's simulated payment apps and opens payhost (on the
//!   sandbox's shop unless a start URL is configured); with no display it runs under
//!   Xvfb and saves a screenshot;
//! - `test`: formatting, every citation naming a source (`sources`), clippy
//!   `-D warnings`, every test, a build check of the fuzz targets, the official
//!   server clients against a served sandbox (`clients`), and the end-to-end tests
//!   on the real WebView (Xvfb, D-Bus session, tauri-driver); what `.ci/run` calls;
//! - `clients`: that part of `test` alone: iamport-rest-client, portone-server-sdk
//!   (Python) and @portone/server-sdk (npm), unmodified, against `payhost-sandbox
//!   serve`;
//! - `bench`: the app against MiniBrowser, the sandbox under 64 concurrent clients,
//!   and the criterion benchmark, each as a ratio to a reference in the same run;
//! - `fuzz [SECONDS]`: every cargo-fuzz target for SECONDS each (default 600);
//! - `android-init [--force]`: generates `gen/android` with the Tauri CLI and no
//!   Android SDK (see `android_init`);
//! - `mobile-checks`: the part of `test` that checks the Android and iOS builds as far
//!   as this machine can (type checks for both targets, `gen/android` up to date, the
//!   Kotlin and Swift sources parse).
//!
//! One module per task (`run`, `test`, `clients`, `bench`, `fuzz`, `android_init`,
//! `mobile`) and per thing the tasks share (`apt`, `xvfb`, `ios_shim`, `native_syntax`,
//! `guest_js`, `publish`, `sources`), as rust-analyzer's xtask is laid out; this file only
//! dispatches and holds the three helpers every task uses (`root`, `cargo`, `step`).

mod android_init;
mod apt;
mod bench;
mod bench_app;
mod bench_sandbox;
mod clients;
mod fuzz;
mod guest_js;
mod ios_shim;
mod mobile;
mod native_syntax;
mod publish;
mod run;
mod sources;
mod test;
mod xvfb;

use std::env;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

#[derive(Debug)]
pub(crate) enum XtaskError {
    Failed(String),
    Io(String, std::io::Error),
    Usage(String),
}

impl fmt::Display for XtaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Failed(what) => write!(f, "failed: {what}"),
            Self::Io(what, err) => write!(f, "{what}: {err}"),
            Self::Usage(message) => write!(
                f,
                "{message}\nusage: cargo xtask run | test | clients | bench | fuzz [SECONDS] | android-init [--force] | mobile-checks"
            ),
        }
    }
}

pub(crate) type Result<T = ()> = std::result::Result<T, XtaskError>;

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("run") => run::run(),
        Some("test") => test::test(),
        Some("clients") => clients::clients(),
        Some("bench") => bench::bench(),
        Some("fuzz") => fuzz::fuzz(args.get(1).map(String::as_str)),
        Some("android-init") => android_init::android_init(&args[1..]),
        Some("mobile-checks") => mobile::mobile_checks(),
        Some(other) => Err(XtaskError::Usage(format!("unknown task `{other}`"))),
        None => Err(XtaskError::Usage("no task given".to_owned())),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("xtask: {err}");
            ExitCode::FAILURE
        }
    }
}

pub(crate) fn root() -> PathBuf {
    // src-tauri/xtask → repository root.
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

pub(crate) fn cargo() -> Command {
    let mut command = Command::new(env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()));
    command.current_dir(root());
    command
}

pub(crate) fn step(title: &str, mut command: Command) -> Result {
    println!("\n==> {title}");
    let status = command
        .status()
        .map_err(|err| XtaskError::Io(title.to_owned(), err))?;
    if status.success() {
        Ok(())
    } else {
        Err(XtaskError::Failed(title.to_owned()))
    }
}
