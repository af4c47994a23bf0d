//! The simulated payment apps: `payhost-sandbox app <URL>` is what the OS starts for
//! a payment scheme (after `payhost-sandbox install-apps`). It shows the buyer what
//! the real app would ask (a zenity dialog on a desktop, else a terminal prompt), or
//! decides alone (`--auto`), tells the sandbox the outcome over HTTP, then sends the
//! buyer back through the merchant app's deep link the way the real app does
//! (`xdg-open`), unless `--no-return` (the buyer switched tasks instead). A PASS app
//! asks the same for an identity verification, showing the person it verifies; its
//! way back is the bare `app://` that models Android's (`apps::ReturnStyle::Bare`),
//! and `--no-return` is iOS's, where PASS never comes back.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use url::Url;

use crate::apps;
use crate::checkout::{OutcomeBody, PersonInfo, Reported, TxnError, TxnInfo, TxnStatus};
use crate::store::{self, Outcome, TransactionKind};

/// How the app behaves: the options of `payhost-sandbox app` and `install-apps`
/// (clap), and the arguments written into the `.desktop` Exec line.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct AppOptions {
    /// 묻지 않고 정함: approve, deny, cancel / decide without asking
    #[arg(long, value_name = "OUTCOME", value_parser = parse_auto)]
    pub auto: Option<Outcome>,
    /// 가맹점 앱으로 돌아가지 않음 / do not send the buyer back
    #[arg(long)]
    pub no_return: bool,
    /// 정하기 전 기다림, 0–600초 / seconds the buyer "takes" in the app before deciding
    #[arg(long, value_name = "SECONDS", value_parser = parse_delay, default_value = "0")]
    pub delay: Duration,
}

/// `--auto`: what a buyer can decide in a payment app (a virtual account is the PG
/// page's choice, not the app's).
fn parse_auto(value: &str) -> Result<Outcome, String> {
    match Outcome::parse(value) {
        Some(Outcome::Vbank) | None => Err(format!("`{value}`: use approve, deny or cancel")),
        Some(outcome) => Ok(outcome),
    }
}

/// `--delay`: seconds, 0 to 600.
fn parse_delay(value: &str) -> Result<Duration, String> {
    value
        .parse()
        .ok()
        .filter(|s: &f64| s.is_finite() && (0.0..=600.0).contains(s))
        .map(Duration::from_secs_f64)
        .ok_or_else(|| format!("`{value}`: 0 to 600 seconds"))
}

impl AppOptions {
    /// The options as command-line arguments (for the `.desktop` Exec line).
    pub fn to_args(&self) -> Vec<String> {
        let mut args = Vec::new();
        if let Some(outcome) = self.auto {
            args.push("--auto".to_owned());
            args.push(outcome.as_str().to_owned());
        }
        if self.no_return {
            args.push("--no-return".to_owned());
        }
        if !self.delay.is_zero() {
            args.push("--delay".to_owned());
            args.push(format!("{}", self.delay.as_secs_f64()));
        }
        args
    }
}

/// Why the app could not finish.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The URL carries no sandbox transaction.
    #[error(
        "이 결제 요청은 payhost 샌드박스의 것이 아닙니다 / not a sandbox payment request: {0}"
    )]
    NotSandbox(String),
    /// The URL's transaction token is not one the sandbox makes.
    #[error("샌드박스의 거래 토큰이 아닙니다 / not a sandbox transaction token: {0:?}; refused")]
    BadToken(String),
    /// The URL names a sandbox that is not on this machine.
    #[error(
        "샌드박스 주소가 이 컴퓨터가 아닙니다 / the sandbox `{0}` is not on loopback; refused"
    )]
    UntrustedSandbox(String),
    /// The sandbox could not be reached or answered an error.
    #[error("샌드박스 오류 / sandbox error: {0}")]
    Sandbox(String),
    /// The buyer gave no answer.
    #[error("응답이 없어 결제를 진행하지 않았습니다 / no answer, nothing was paid")]
    NoAnswer,
    /// The deep link back could not be opened.
    #[error("가맹점 앱으로 돌아가지 못했습니다 / could not open the way back: {0}")]
    Return(String),
}

impl From<reqwest::Error> for AppError {
    fn from(err: reqwest::Error) -> Self {
        Self::Sandbox(err.without_url().to_string())
    }
}

/// What the app did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppReport {
    /// The decision, or `None` when the token was already used.
    pub outcome: Option<Outcome>,
    /// Where the payment (or verification) stands afterwards.
    pub status: TxnStatus,
    /// The deep link opened, if any.
    pub returned_to: Option<String>,
}

/// Where the apps append one line per step (the OS starts them without a terminal):
/// `$XDG_DATA_HOME/payhost-sandbox/apps.log`.
pub fn log_file() -> Option<PathBuf> {
    default_data_home().map(|dir| dir.join("payhost-sandbox/apps.log"))
}

fn default_data_home() -> Option<PathBuf> {
    std::env::var_os("XDG_DATA_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
}

/// Writes `line` to stderr and appends it to [`log_file`].
pub fn log(line: &str) {
    eprintln!("payhost-sandbox app: {line}");
    if let Some(file) = log_file() {
        if let Some(dir) = file.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        if let Ok(mut out) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&file)
        {
            let _ = writeln!(out, "{line}");
        }
    }
}

/// Runs the app for `url`.
///
/// # Errors
/// [`AppError`]; the payment is left as it was unless the outcome was reported.
pub async fn run(url: &str, options: &AppOptions) -> Result<AppReport, AppError> {
    let scheme = url.split(':').next().unwrap_or_default().to_owned();
    let (token, host) =
        apps::sandbox_params_of(url).ok_or_else(|| AppError::NotSandbox(scheme.clone()))?;
    if !apps::is_loopback_host(&host) {
        return Err(AppError::UntrustedSandbox(host));
    }
    // The token was percent-decoded from a URL anyone can make: only the sandbox's own
    // shape, so it is one path segment (a `/`, `..`, `?` or `#` in it cannot aim the
    // report at another route), and added as one by the URL builder.
    if !store::is_transaction_token(&token) {
        return Err(AppError::BadToken(token));
    }
    let base = Url::parse(&format!("http://{host}/"))
        .map_err(|_| AppError::UntrustedSandbox(host.clone()))?;
    let info_url = txn_url(&base, &token, &[])?;
    let outcome_url = txn_url(&base, &token, &["outcome"])?;
    // `no_proxy()`: reqwest otherwise sends requests through `HTTP_PROXY` /
    // `ALL_PROXY` (reqwest docs, `ClientBuilder::no_proxy` and "Proxies"), and the
    // sandbox checked above is on this machine: a proxy would see the one-time token
    // and could answer for the sandbox. `localhost` passed the check by its name, so
    // it is connected to the loopback addresses, never to what a resolver says
    // (`apps::LOCALHOST`).
    let http = reqwest::Client::builder()
        .no_proxy()
        .resolve_to_addrs("localhost", &apps::LOCALHOST)
        .timeout(Duration::from_secs(15))
        .build()?;
    let response = http.get(info_url).send().await?;
    if !response.status().is_success() {
        return Err(AppError::Sandbox(format!(
            "unknown transaction ({})",
            response.status()
        )));
    }
    let info: TxnInfo = response.json().await?;
    let label = info
        .app_label
        .clone()
        .or_else(|| apps::by_scheme(&scheme).map(|a| a.label.to_owned()))
        .unwrap_or_else(|| "결제 앱 / payment app".to_owned());
    log(&format!(
        "open {scheme} {label} order {}",
        info.merchant_uid
    ));
    if info.used {
        log("already handled; nothing to do");
        return Ok(AppReport {
            outcome: None,
            status: info.status,
            returned_to: None,
        });
    }
    let outcome = match options.auto {
        Some(outcome) => {
            tokio::time::sleep(options.delay).await;
            outcome
        }
        None => {
            let question = question(&label, &info);
            tokio::task::spawn_blocking(move || ask(&question))
                .await
                .map_err(|err| AppError::Sandbox(err.to_string()))?
                .ok_or(AppError::NoAnswer)?
        }
    };
    let outcome_name = outcome.as_str();
    let response = http
        .post(outcome_url)
        .json(&OutcomeBody {
            outcome: outcome_name.to_owned(),
        })
        .send()
        .await?;
    let status = response.status();
    if !status.is_success() {
        let refused = response
            .json::<TxnError>()
            .await
            .map_or_else(|_| format!("refused ({status})"), |refused| refused.error);
        return Err(AppError::Sandbox(refused));
    }
    let answer: Reported = response.json().await?;
    let status = answer.status;
    log(&format!("{outcome_name} → {status}"));
    let returned_to = match answer.return_link {
        Some(link) if !options.no_return => {
            open_link(&link)?;
            log(&format!("returned via {}", payhost_core::redact_url(&link)));
            Some(link)
        }
        Some(_) => {
            log("not returning (--no-return)");
            None
        }
        None => None,
    };
    Ok(AppReport {
        outcome: Some(outcome),
        status,
        returned_to,
    })
}

/// What the app asks the buyer: to approve the payment, or (a PASS app) to confirm
/// that the person is them.
fn question(label: &str, info: &TxnInfo) -> String {
    match (info.kind, &info.person) {
        (TransactionKind::Certification, Some(person)) => {
            let PersonInfo {
                name,
                birth_date,
                gender,
                phone,
                carrier,
            } = person;
            format!(
                "[{label}]\n{name} ({birth_date}, {gender})\n{phone} {}\n본인인증을 승인할까요? / Is this you? Approve the verification?",
                carrier.as_deref().unwrap_or_default()
            )
        }
        (TransactionKind::Certification, None) => {
            format!("[{label}]\n본인인증을 승인할까요? / Approve the verification?")
        }
        _ => format!(
            "[{label}]\n{}\n{} 결제를 승인할까요? / Approve this payment?",
            info.name,
            crate::pages::won(info.amount)
        ),
    }
}

/// `base` + `/sandbox/txn/{token}` + `more`, each a path segment of its own
/// (`Url::path_segments_mut` percent-encodes what a segment may not hold).
fn txn_url(base: &Url, token: &str, more: &[&str]) -> Result<Url, AppError> {
    let mut url = base.clone();
    url.path_segments_mut()
        .map_err(|()| AppError::UntrustedSandbox(base.to_string()))?
        .clear()
        .extend(["sandbox", "txn", token])
        .extend(more);
    Ok(url)
}

/// Asks the buyer: a zenity dialog when there is a display and zenity, otherwise a
/// prompt on the terminal. `None` when nobody answered.
fn ask(question: &str) -> Option<Outcome> {
    let has_display = std::env::var_os("DISPLAY").is_some_and(|d| !d.is_empty())
        || std::env::var_os("WAYLAND_DISPLAY").is_some_and(|d| !d.is_empty());
    if has_display {
        let dialog = Command::new("zenity")
            .args([
                "--list",
                "--radiolist",
                "--title=payhost 샌드박스 결제 앱 / sandbox payment app",
                "--width=440",
                "--height=320",
                &format!("--text={question}"),
                "--column=",
                "--column=outcome",
                "--column=선택 / choice",
                "--hide-column=2",
                "--print-column=2",
                "TRUE",
                "approve",
                "승인 / Approve",
                "FALSE",
                "deny",
                "거절 / Deny",
                "FALSE",
                "cancel",
                "취소 / Cancel",
            ])
            .output();
        match dialog {
            Ok(output) if output.status.success() => {
                return Outcome::parse(String::from_utf8_lossy(&output.stdout).trim());
            }
            // Closed the dialog: the buyer cancelled in the app.
            Ok(_) => return Some(Outcome::Cancel),
            Err(_) => {} // no zenity: ask on the terminal
        }
    }
    eprintln!("{question}\n  1) 승인 / approve   2) 거절 / deny   3) 취소 / cancel");
    eprint!("> ");
    let mut line = String::new();
    match std::io::stdin().lock().read_line(&mut line) {
        Ok(0) | Err(_) => None,
        Ok(_) => match line.trim() {
            "1" | "approve" | "y" | "승인" => Some(Outcome::Approve),
            "2" | "deny" | "거절" => Some(Outcome::Deny),
            _ => Some(Outcome::Cancel),
        },
    }
}

/// Opens the way back through the OS, as a payment app does: `xdg-open`, then
/// `gio open` (the order the `open` crate behind tauri-plugin-opener uses). Debian
/// 12's xdg-open cannot run a handler whose Exec path is quoted, which is how Tauri's
/// deep-link `register` writes payhost's own handler; gio can.
fn open_link(link: &str) -> Result<(), AppError> {
    let openers: &[(&str, &[&str])] = if cfg!(target_os = "macos") {
        &[("open", &[])]
    } else {
        &[("xdg-open", &[]), ("gio", &["open"])]
    };
    let mut failures = Vec::new();
    for (program, args) in openers {
        match Command::new(program).args(*args).arg(link).status() {
            Ok(status) if status.success() => return Ok(()),
            Ok(status) => failures.push(format!("{program}: {status}")),
            Err(err) => failures.push(format!("{program}: {err}")),
        }
    }
    Err(AppError::Return(failures.join("; ")))
}

/// The `.desktop` file's name.
pub const DESKTOP_FILE: &str = "payhost-sandbox-app.desktop";

/// What `install-apps` did.
#[derive(Debug, Clone)]
pub struct Installed {
    /// The `.desktop` file written.
    pub desktop_file: PathBuf,
    /// How many schemes now open the simulated app.
    pub schemes: usize,
}

/// Why `install-apps` failed.
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    /// No data directory to write into.
    #[error("XDG_DATA_HOME and HOME are both unset; pass --data-home DIR")]
    NoDataHome,
    /// Writing the `.desktop` file failed.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// `xdg-mime` is missing or failed.
    #[error("xdg-mime default failed: {0} (Debian: apt-get install xdg-utils)")]
    XdgMime(String),
}

/// Every scheme the simulated app answers to: payhost-core's whole table (so any
/// hand-off a PG could emit reaches it) plus the sandbox's own apps.
pub fn handled_schemes() -> Vec<String> {
    let mut schemes: Vec<String> = payhost_core::schemes::table()
        .apps()
        .iter()
        .flat_map(|app| app.schemes.iter().cloned())
        .chain(apps::APPS.iter().map(|app| app.scheme.to_owned()))
        .map(|s| s.to_ascii_lowercase())
        .collect();
    schemes.sort();
    schemes.dedup();
    schemes
}

fn desktop_quote(text: &str) -> String {
    // Bare when nothing needs quoting: Debian 12's xdg-open (xdg-utils 1.1.3, generic
    // desktop) takes the Exec key's first word literally, quotes included, and fails
    // with "Permission denied" on `"/path/app" %u` (its `search_desktop_file`).
    if !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+,:=@".contains(c))
    {
        return text.to_owned();
    }
    // Desktop Entry Specification, "The Exec key": quote, escaping `"`, `` ` ``, `$`, `\`.
    let mut quoted = String::from("\"");
    for c in text.chars() {
        if matches!(c, '"' | '`' | '$' | '\\') {
            quoted.push('\\');
        }
        quoted.push(c);
    }
    quoted.push('"');
    quoted
}

/// Registers `exe app <options> %u` as the handler of [`handled_schemes`] in
/// `data_home` (default `$XDG_DATA_HOME`, then `~/.local/share`), through
/// `xdg-mime default`, so the OS path (xdg-open → `.desktop`) is what runs.
///
/// # Errors
/// [`InstallError`].
pub fn install(
    exe: &Path,
    data_home: Option<&Path>,
    options: &AppOptions,
) -> Result<Installed, InstallError> {
    let data_home = data_home
        .map(Path::to_path_buf)
        .or_else(default_data_home)
        .ok_or(InstallError::NoDataHome)?;
    let applications = data_home.join("applications");
    let desktop_file = applications.join(DESKTOP_FILE);
    let schemes = handled_schemes();
    let mime: Vec<String> = schemes
        .iter()
        .map(|s| format!("x-scheme-handler/{s}"))
        .collect();
    let mut exec = vec![desktop_quote(&exe.display().to_string()), "app".to_owned()];
    exec.extend(options.to_args().iter().map(|a| desktop_quote(a)));
    exec.push("%u".to_owned());
    let entry = format!(
        "[Desktop Entry]\nType=Application\nName=payhost 샌드박스 결제 앱 / payhost sandbox payment app\n\
         Comment=Simulated ISP, app-card, BankPay, KakaoPay, Toss and PASS apps for payhost QA\n\
         Exec={}\nTerminal=false\nNoDisplay=true\nMimeType={};\n",
        exec.join(" "),
        mime.join(";")
    );
    std::fs::create_dir_all(&applications)
        .and_then(|()| std::fs::write(&desktop_file, entry))
        .map_err(|source| InstallError::Write {
            path: desktop_file.clone(),
            source,
        })?;
    let output = Command::new("xdg-mime")
        .arg("default")
        .arg(DESKTOP_FILE)
        .args(&mime)
        .env("XDG_DATA_HOME", &data_home)
        .output()
        .map_err(|err| InstallError::XdgMime(err.to_string()))?;
    if !output.status.success() {
        return Err(InstallError::XdgMime(
            String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        ));
    }
    // Best effort: some openers read mimeinfo.cache rather than the .desktop files.
    let _ = Command::new("update-desktop-database")
        .arg(&applications)
        .output();
    Ok(Installed {
        desktop_file,
        schemes: schemes.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The app's command line as the OS runs it from the Exec line.
    #[derive(Debug, clap::Parser)]
    struct ExecLine {
        #[command(flatten)]
        options: AppOptions,
        url: Option<String>,
    }

    fn exec_line(args: &[&str]) -> Result<ExecLine, clap::Error> {
        use clap::Parser;
        ExecLine::try_parse_from(std::iter::once("app").chain(args.iter().copied()))
    }

    #[test]
    fn options_round_trip_through_the_exec_line() {
        let line = exec_line(&[
            "--auto",
            "cancel",
            "--no-return",
            "--delay",
            "2.5",
            "ispmobile://x",
        ])
        .unwrap();
        let options = line.options;
        assert_eq!(options.auto, Some(Outcome::Cancel));
        assert!(options.no_return);
        assert_eq!(options.delay, Duration::from_millis(2500));
        assert_eq!(line.url.as_deref(), Some("ispmobile://x"));
        let written = options.to_args();
        let written: Vec<&str> = written.iter().map(String::as_str).collect();
        let again = exec_line(&written).unwrap();
        assert_eq!(again.options.auto, options.auto);
        assert_eq!(again.options.delay, options.delay);
        assert!(again.url.is_none());
        for bad in [
            &["--auto", "vbank"][..],
            &["--auto"],
            &["--delay", "-1"],
            &["--delay", "NaN"],
        ] {
            assert!(exec_line(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_app_answers_to_every_table_scheme() {
        let schemes = handled_schemes();
        for app in apps::APPS {
            assert!(schemes.contains(&app.scheme.to_owned()), "{}", app.key);
        }
        assert!(schemes.len() >= 100, "{}", schemes.len());
    }

    #[test]
    fn exec_arguments_are_quoted() {
        assert_eq!(desktop_quote("/a b/$x\"y"), "\"/a b/\\$x\\\"y\"");
        assert_eq!(
            desktop_quote("/work/target/debug/payhost-sandbox"),
            "/work/target/debug/payhost-sandbox"
        );
        assert_eq!(desktop_quote("--auto"), "--auto");
    }
}
