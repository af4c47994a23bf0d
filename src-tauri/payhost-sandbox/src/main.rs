//! `payhost-sandbox`: the sandbox as its own process (`serve`), a simulated payment
//! app (`app <URL>`, what the OS starts for a payment scheme) and its registration
//! with the desktop (`install-apps`). The command line is clap's, with help in
//! Korean then English.

use std::ffi::OsString;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use payhost_sandbox::sim_app::{self, AppOptions};
use payhost_sandbox::store::Outcome;
use payhost_sandbox::{SandboxConfig, WebhookFormat};

/// `payhost-sandbox app` on a transaction whose one-time token was already used: not
/// a success (the app did not carry out the payment it was started for), and not
/// `1` either, so a script can tell "nothing to do" from a failure.
const EXIT_ALREADY_HANDLED: u8 = 3;

const EXIT_STATUS: &str = "종료 코드 / exit status:
  0  완료 / done (app: the outcome was reported)
  1  오류 / an error (app: also in $XDG_DATA_HOME/payhost-sandbox/apps.log)
  2  사용법 오류 / a usage error
  3  app: 이미 처리된 결제 요청, 아무것도 하지 않음 / already handled: the token was used, nothing done";

/// The command line.
#[derive(Debug, Parser)]
#[command(
    name = "payhost-sandbox",
    version,
    about = "iamport와 PG, 결제 앱, 가맹점을 한 컴퓨터에서 흉내 내는 샌드박스입니다.\n\
             A local stand-in for iamport, its PGs, the payment apps and a merchant.",
    after_help = EXIT_STATUS,
    disable_help_flag = true,
    disable_version_flag = true,
    disable_help_subcommand = true
)]
struct Cli {
    #[command(subcommand)]
    task: Task,
    /// 도움말 / print this help
    #[arg(short, long, global = true, action = clap::ArgAction::Help)]
    help: Option<bool>,
    /// 버전 / print the version
    #[arg(short = 'V', long, action = clap::ArgAction::Version)]
    version: Option<bool>,
}

#[derive(Debug, Subcommand)]
enum Task {
    /// 샌드박스 서버를 루프백에서 실행 / serve the sandbox on loopback
    Serve {
        /// 포트, 0이면 아무 포트 / the port (0: any free one)
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// iamport 쪽 SQLite 파일 / the iamport side's SQLite file
        #[arg(long, value_name = "FILE", default_value = "payhost-sandbox.sqlite3")]
        db: PathBuf,
        /// 가맹점의 SQLite 파일 (기본값: DB 옆) / the merchant's SQLite file (default: beside --db)
        #[arg(long, value_name = "FILE")]
        merchant_db: Option<PathBuf>,
        /// PG가 결제 앱에 넘기는 복귀 스킴, 빈 값이면 없음 / the scheme the PG hands the apps for the way back ("" for none)
        #[arg(long, value_name = "SCHEME", default_value = "payhost")]
        app_scheme: String,
        /// 웹훅을 루프백 밖으로도 보냄 / also send webhooks off this machine
        #[arg(long)]
        allow_remote_webhooks: bool,
        /// 웹훅 본문 형식 (iamport 콘솔 설정처럼) / the webhooks' body, as iamport's console sets it
        #[arg(long, value_enum, value_name = "FORMAT", default_value_t = WebhookFormatArg::Json)]
        webhook_format: WebhookFormatArg,
    },
    /// 모의 결제 앱 (OS가 결제 스킴으로 실행) / a simulated payment app, as the OS starts it for a payment scheme
    App {
        #[command(flatten)]
        options: AppOptions,
        /// PG 페이지가 넘긴 주소 / the URL the PG page handed over
        url: String,
    },
    /// 모의 결제 앱을 모든 결제 스킴의 처리기로 등록 / register the simulated app for every payment scheme
    InstallApps {
        /// `XDG_DATA_HOME` 대신 쓸 디렉터리 / the data home to register in
        #[arg(long, value_name = "DIR")]
        data_home: Option<PathBuf>,
        #[command(flatten)]
        options: AppOptions,
    },
}

/// `--webhook-format`: how the V1 webhooks' bodies are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum WebhookFormatArg {
    /// application/json
    Json,
    /// application/x-www-form-urlencoded
    Form,
}

impl From<WebhookFormatArg> for WebhookFormat {
    fn from(arg: WebhookFormatArg) -> Self {
        match arg {
            WebhookFormatArg::Json => Self::V1Json,
            WebhookFormatArg::Form => Self::V1Form,
        }
    }
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let args: Vec<OsString> = std::env::args_os().collect();
    if let Some(message) = not_utf8(&args) {
        return usage(&message);
    }
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        // `--help` and `--version` as clap prints them (exit 0).
        Err(err) if !err.use_stderr() => {
            let _ = err.print();
            return ExitCode::SUCCESS;
        }
        Err(err) => return usage(err.render().to_string().trim_end()),
    };
    match cli.task {
        Task::Serve {
            port,
            db,
            merchant_db,
            app_scheme,
            allow_remote_webhooks,
            webhook_format,
        } => {
            let merchant_db = merchant_db.unwrap_or_else(|| db.with_extension("merchant.sqlite3"));
            serve(
                port,
                SandboxConfig {
                    db,
                    merchant_db,
                    app_scheme: Some(app_scheme).filter(|scheme| !scheme.is_empty()),
                    // Webhooks go to loopback only unless this is given: a
                    // `notice_url` is the page's to choose, and a sandbox must not
                    // connect off the machine for it.
                    allow_remote_webhooks,
                    webhook_format: webhook_format.into(),
                    ..SandboxConfig::in_dir(Path::new("."), None)
                },
            )
        }
        Task::App { options, url } => app(&url, &options),
        Task::InstallApps { data_home, options } => install_apps(data_home.as_deref(), &options),
    }
}

/// A usage error: the message, the usage line (clap's own errors may hold it
/// already), exit 2.
fn usage(message: &str) -> ExitCode {
    let usage = Cli::command().render_usage().to_string();
    if message.contains(&usage) {
        eprintln!("payhost-sandbox: {message}");
    } else {
        eprintln!("payhost-sandbox: {message}\n\n{usage}");
    }
    ExitCode::from(2)
}

/// Every argument this tool takes is text (a payment URL the OS passes is ASCII,
/// percent-encoded), so one that is not UTF-8 is a usage error naming it.
fn not_utf8(args: &[OsString]) -> Option<String> {
    args.iter().enumerate().skip(1).find_map(|(n, arg)| {
        arg.to_str().is_none().then(|| {
            format!("{n}번째 인자가 UTF-8이 아닙니다 / argument {n} is not UTF-8: {arg:?}")
        })
    })
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

fn serve(port: u16, config: SandboxConfig) -> ExitCode {
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

fn app(url: &str, options: &AppOptions) -> ExitCode {
    let Some(runtime) = runtime() else {
        return ExitCode::FAILURE;
    };
    match runtime.block_on(sim_app::run(url, options)) {
        Ok(report) => {
            println!(
                "{} → {}{}",
                report.outcome.map_or("already handled", |o| match o {
                    Outcome::Approve | Outcome::Vbank => "approved",
                    Outcome::Deny => "denied",
                    Outcome::Cancel => "cancelled",
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

fn install_apps(data_home: Option<&Path>, options: &AppOptions) -> ExitCode {
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(err) => {
            eprintln!("payhost-sandbox: cannot find my own executable: {err}");
            return ExitCode::FAILURE;
        }
    };
    match sim_app::install(&exe, data_home, options) {
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
