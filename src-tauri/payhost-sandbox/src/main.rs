//! `payhost-sandbox`: the sandbox as its own process (`serve`), a simulated payment
//! app (`app <URL>`, what the OS starts for a payment scheme) and its registration
//! with the desktop (`install-apps`).

use std::ffi::OsString;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use payhost_sandbox::sim_app::{self, AppOptions};
use payhost_sandbox::SandboxConfig;

const USAGE: &str = "사용법 / usage:
  payhost-sandbox serve [--port N] [--db FILE] [--merchant-db FILE] [--app-scheme SCHEME]
                        [--allow-remote-webhooks]
  payhost-sandbox app [--auto approve|deny|cancel] [--no-return] [--delay SECONDS] URL
  payhost-sandbox install-apps [--data-home DIR] [--auto …] [--no-return] [--delay SECONDS]

종료 코드 / exit status:
  0  완료 / done (app: the outcome was reported)
  1  오류 / an error (app: also in $XDG_DATA_HOME/payhost-sandbox/apps.log)
  2  사용법 오류 / a usage error
  3  app: 이미 처리된 결제 요청, 아무것도 하지 않음 / already handled: the token was used, nothing done";

/// `payhost-sandbox app` on a transaction whose one-time token was already used: not
/// a success (the app did not carry out the payment it was started for), and not
/// `1` either, so a script can tell "nothing to do" from a failure.
const EXIT_ALREADY_HANDLED: u8 = 3;

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
    let args = match utf8_args(std::env::args_os().skip(1)) {
        Ok(args) => args,
        Err(message) => return usage(&message),
    };
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

/// The arguments as text: every argument this tool takes is text (a payment URL the
/// OS passes is ASCII, percent-encoded), so one that is not UTF-8 is a usage error
/// naming it (`std::env::args` would panic on it).
fn utf8_args(args: impl Iterator<Item = OsString>) -> Result<Vec<String>, String> {
    args.enumerate()
        .map(|(index, arg)| {
            arg.into_string().map_err(|raw| {
                let n = index + 1;
                format!("{n}번째 인자가 UTF-8이 아닙니다 / argument {n} is not UTF-8: {raw:?}")
            })
        })
        .collect()
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
    let mut allow_remote_webhooks = false;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        // Webhooks go to loopback only unless this is given: a `notice_url` is the
        // page's to choose, and a sandbox must not connect off the machine for it.
        if arg == "--allow-remote-webhooks" {
            allow_remote_webhooks = true;
            continue;
        }
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
        allow_remote_webhooks,
        ..SandboxConfig::in_dir(Path::new("."), None)
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
            if report.outcome.is_some() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(EXIT_ALREADY_HANDLED)
            }
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
