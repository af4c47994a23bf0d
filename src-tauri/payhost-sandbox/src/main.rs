//! `payhost-sandbox`: the sandbox as its own process (`serve`), a simulated payment
//! app (`app <URL>`, what the OS starts for a payment scheme) and its registration
//! with the desktop (`install-apps`).

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;

use payhost_sandbox::sim_app::{self, AppOptions};
use payhost_sandbox::SandboxConfig;

const USAGE: &str = "usage:
  payhost-sandbox serve [--port N] [--db FILE] [--merchant-db FILE] [--app-scheme SCHEME]
  payhost-sandbox app [--auto approve|deny|cancel] [--no-return] [--delay SECONDS] URL
  payhost-sandbox install-apps [--data-home DIR] [--auto …] [--no-return] [--delay SECONDS]";

fn usage(message: &str) -> ExitCode {
    eprintln!("payhost-sandbox: {message}\n{USAGE}");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("serve") => serve(&args[1..]),
        Some("app") => app(&args[1..]),
        Some("install-apps") => install_apps(&args[1..]),
        Some("--help" | "-h") => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        _ => usage("expected a subcommand"),
    }
}

fn runtime() -> Option<tokio::runtime::Runtime> {
    match tokio::runtime::Runtime::new() {
        Ok(runtime) => Some(runtime),
        Err(err) => {
            eprintln!("payhost-sandbox: {err}");
            None
        }
    }
}

fn serve(args: &[String]) -> ExitCode {
    let mut port: u16 = 0;
    let mut db = PathBuf::from("payhost-sandbox.sqlite3");
    let mut merchant_db = None;
    let mut app_scheme = Some("payhost".to_owned());
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--port", Some(value)) => match value.parse() {
                Ok(value) => port = value,
                Err(_) => return usage(&format!("`{value}` is not a port")),
            },
            ("--db", Some(value)) => db = PathBuf::from(value),
            ("--merchant-db", Some(value)) => merchant_db = Some(PathBuf::from(value)),
            ("--app-scheme", Some(value)) => {
                app_scheme = Some(value.clone()).filter(|v| !v.is_empty());
            }
            _ => return usage(&format!("unexpected `{arg}`")),
        }
    }
    let merchant_db = merchant_db.unwrap_or_else(|| db.with_extension("merchant.sqlite3"));
    let config = SandboxConfig {
        db,
        merchant_db,
        app_scheme,
    };
    let Some(runtime) = runtime() else {
        return ExitCode::FAILURE;
    };
    // Loopback only: the sandbox is for one machine (a phone reaches it through
    // `adb reverse tcp:N tcp:N`, docs/qa-mobile.md).
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    match runtime.block_on(payhost_sandbox::serve(addr, &config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("payhost-sandbox: {err}");
            ExitCode::FAILURE
        }
    }
}

fn app(args: &[String]) -> ExitCode {
    let (options, rest) = match AppOptions::parse(args) {
        Ok(parsed) => parsed,
        Err(message) => return usage(&message),
    };
    let [url] = rest.as_slice() else {
        return usage("app needs exactly one URL");
    };
    let Some(runtime) = runtime() else {
        return ExitCode::FAILURE;
    };
    match runtime.block_on(sim_app::run(url, &options)) {
        Ok(report) => {
            println!(
                "{} → {}{}",
                report.outcome.map_or("already handled", |o| match o {
                    payhost_sandbox::store::Outcome::Approve
                    | payhost_sandbox::store::Outcome::Vbank => "approved",
                    payhost_sandbox::store::Outcome::Deny => "denied",
                    payhost_sandbox::store::Outcome::Cancel => "cancelled",
                }),
                report.status,
                report
                    .returned_to
                    .map(|l| format!(", returned via {}", payhost_core::redact_url(&l)))
                    .unwrap_or_default()
            );
            ExitCode::SUCCESS
        }
        Err(err) => {
            sim_app::log(&format!("error: {err}"));
            ExitCode::FAILURE
        }
    }
}

fn install_apps(args: &[String]) -> ExitCode {
    let (options, rest) = match AppOptions::parse(args) {
        Ok(parsed) => parsed,
        Err(message) => return usage(&message),
    };
    let data_home = match rest.as_slice() {
        [] => None,
        [flag, dir] if flag == "--data-home" => Some(PathBuf::from(dir)),
        _ => return usage("install-apps takes --data-home DIR and the app options"),
    };
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(err) => {
            eprintln!("payhost-sandbox: cannot find my own executable: {err}");
            return ExitCode::FAILURE;
        }
    };
    match sim_app::install(&exe, data_home.as_deref(), &options) {
        Ok(installed) => {
            println!(
                "registered {} for {} payment schemes / 결제 앱 스킴 {}개 등록",
                installed.desktop_file.display(),
                installed.schemes,
                installed.schemes
            );
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("payhost-sandbox install-apps: {err}");
            ExitCode::FAILURE
        }
    }
}
