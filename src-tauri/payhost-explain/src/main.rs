//! `payhost-explain`: asks payhost's URL policy what it would do with a URL, for QA
//! and developers ("why did the ISP button do nothing?").
//!
//! A thin front over `payhost_core::classify` / `parse_return`: the JSON it prints
//! is `payhost_core::NavigationReport` / `ReturnReport`, the very shape the case
//! tables check. Exit status: 0 whenever decisions were printed (hostile or
//! malformed URLs included: they get `block`/`reject`), 2 for a usage error.
//!
//! One answer per input, in order: per URL argument, or per line of standard input
//! (blank lines included). Input that is not UTF-8 gets an answer too, built here
//! ([`NotUtf8`]): the policy only ever sees text, so that reason is this tool's, not
//! `payhost_core::BlockReason`.

use std::ffi::OsString;
use std::fmt;
use std::io::{self, BufRead, Write};
use std::process::ExitCode;

use clap::{CommandFactory, Parser};
use payhost_core::{
    classify, parse_return, Context, Decision, FallbackKind, NavigationReport, Opens, Platform,
    ReturnAction, ReturnContext, ReturnReport, DEFAULT_APP_SCHEME,
};

/// `payhost-explain`의 인자입니다 (clap). The arguments.
#[derive(Debug, Parser)]
#[command(
    name = "payhost-explain",
    version,
    disable_help_flag = true,
    disable_version_flag = true,
    about = "payhost의 URL 정책이 URL이나 복귀 딥링크를 어떻게 처리할지 알려 줍니다.\n\
             Asks payhost's URL policy what it would do with a URL or a return deep link.",
    after_help = "URL이 없으면 표준 입력에서 한 줄에 하나씩 읽고, 빈 줄을 포함해 줄마다 답합니다. \
                  UTF-8이 아닌 입력은 block(딥링크는 reject)으로 답합니다.\n\
                  Without URLs, reads one URL per line from standard input and answers every line, \
                  blank lines included. Input that is not UTF-8 is answered with block (reject for \
                  deep links).\n\n\
                  종료 코드 / exit status: 0 답을 출력함 / decisions printed (hostile URLs included), \
                  2 사용법 오류 / a usage error"
)]
struct Cli {
    /// 플랫폼: android, ios, desktop / the platform
    #[arg(long, value_name = "P", default_value = "android", value_parser = parse_platform)]
    platform: Platform,
    /// 우리 앱 스킴 (기본값 payhost, 반복 가능) / our app scheme (default payhost; repeatable)
    #[arg(long = "app-scheme", value_name = "S")]
    app_schemes: Vec<String>,
    /// 복귀 링크가 열 수 있는 가맹점 호스트 (반복 가능) / a merchant host return links may open (repeatable)
    #[arg(long = "allow-host", value_name = "H")]
    allow_hosts: Vec<String>,
    /// URL을 복귀 딥링크로 해석 / explain the URLs as return deep links
    #[arg(long)]
    deep_link: bool,
    /// 한 줄에 JSON 하나 / one JSON object per line
    #[arg(long)]
    json: bool,
    /// 물어볼 URL들 / the URLs to explain
    #[arg(value_name = "URL", value_parser = clap::value_parser!(OsString))]
    urls: Vec<OsString>,
    /// 도움말 / print this help
    #[arg(short, long, action = clap::ArgAction::Help)]
    help: Option<bool>,
    /// 버전 / print the version
    #[arg(short = 'V', long, action = clap::ArgAction::Version)]
    version: Option<bool>,
}

/// An option that is not UTF-8 (before any `--`), which clap would report as an
/// unknown argument without saying why.
fn non_utf8_option(args: impl IntoIterator<Item = OsString>) -> Option<OsString> {
    args.into_iter()
        .take_while(|arg| arg.as_encoded_bytes() != b"--")
        .find(|arg| arg.as_encoded_bytes().starts_with(b"-") && arg.to_str().is_none())
}

fn parse_platform(text: &str) -> Result<Platform, String> {
    text.parse()
        .map_err(|err: payhost_core::ConfigError| err.to_string())
}

#[derive(Debug)]
struct Options {
    platform: Platform,
    app_schemes: Vec<String>,
    allow_hosts: Vec<String>,
    deep_link: bool,
    json: bool,
    urls: Vec<Input>,
}

impl From<Cli> for Options {
    fn from(cli: Cli) -> Self {
        let mut app_schemes = cli.app_schemes;
        if app_schemes.is_empty() {
            app_schemes.push(DEFAULT_APP_SCHEME.to_owned());
        }
        Self {
            platform: cli.platform,
            app_schemes,
            allow_hosts: cli.allow_hosts,
            deep_link: cli.deep_link,
            json: cli.json,
            // A URL argument that is not UTF-8 is answered like the same bytes on a
            // line of standard input (`block`, exit 0), not refused as a usage error:
            // the tool was called correctly and asked about a malformed URL, which it
            // answers, and `payhost-explain $(cat urls)` then says what
            // `payhost-explain < urls` says. An option's value that is not UTF-8 is a
            // mistake in the call, which clap refuses (exit 2).
            urls: cli.urls.into_iter().map(Input::from_arg).collect(),
        }
    }
}

/// One thing to explain, as it came: text, or bytes that are not UTF-8.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Input {
    Text(String),
    NotUtf8 {
        /// The bytes with U+FFFD for each undecodable sequence, for the `url` field.
        shown: String,
        /// Where the first undecodable byte is.
        valid_up_to: usize,
    },
}

impl Input {
    fn from_bytes(bytes: Vec<u8>) -> Self {
        match String::from_utf8(bytes) {
            Ok(text) => Self::Text(text),
            Err(err) => Self::NotUtf8 {
                valid_up_to: err.utf8_error().valid_up_to(),
                shown: String::from_utf8_lossy(err.as_bytes()).into_owned(),
            },
        }
    }

    /// An argument's bytes: raw on Unix, WTF-8 on Windows, where an unpaired
    /// surrogate is likewise not UTF-8 (`OsStr::as_encoded_bytes`, std docs).
    fn from_arg(arg: OsString) -> Self {
        Self::from_bytes(arg.into_encoded_bytes())
    }
}

/// Why input that is not UTF-8 is answered `block` / `reject`: whatever payhost is
/// asked about is text (on desktop tauri-runtime-wry hands the navigation hook a
/// parsed `url::Url`, and a deep link arrives as a `String`), so such bytes can never
/// be a navigation or a return link that payhost would follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct NotUtf8 {
    valid_up_to: usize,
}

impl NotUtf8 {
    fn message_ko(self) -> String {
        format!(
            "UTF-8 문자열이 아닙니다 (바이트 위치 {}부터 해석할 수 없음)",
            self.valid_up_to
        )
    }
}

impl fmt::Display for NotUtf8 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "not UTF-8: undecodable bytes from byte offset {}",
            self.valid_up_to
        )
    }
}

/// The `block` / `reject` answer to input that is not UTF-8, in the keys and order
/// of `payhost_core::NavigationReport` / `ReturnReport` for those actions.
#[derive(serde::Serialize)]
struct NotUtf8Report<'a> {
    url: &'a str,
    action: &'static str,
    reason: String,
}

fn main() -> ExitCode {
    if let Some(raw) = non_utf8_option(std::env::args_os().skip(1)) {
        let usage = Cli::command().render_usage();
        let _ = writeln!(
            io::stderr(),
            "payhost-explain: UTF-8이 아닌 옵션입니다 / an option that is not UTF-8: {raw:?}\n\n{usage}"
        );
        return ExitCode::from(2);
    }
    let options = match Cli::try_parse() {
        Ok(cli) => Options::from(cli),
        // `--help` and `--version` (exit 0) as clap prints them; a usage error (exit 2)
        // with the usage line, which clap leaves out of some errors (a bad value).
        Err(err) if !err.use_stderr() => {
            let _ = err.print();
            return ExitCode::SUCCESS;
        }
        Err(err) => {
            let message = err.render().to_string();
            let usage = Cli::command().render_usage().to_string();
            let _ = if message.contains(&usage) {
                write!(io::stderr(), "{message}")
            } else {
                write!(io::stderr(), "{message}\n{usage}\n")
            };
            return ExitCode::from(2);
        }
    };
    let returns = match ReturnContext::new(&options.app_schemes, &options.allow_hosts) {
        Ok(returns) => returns,
        Err(err) => {
            let usage = Cli::command().render_usage();
            let _ = writeln!(io::stderr(), "payhost-explain: {err}\n\n{usage}");
            return ExitCode::from(2);
        }
    };
    let ctx = Context::new(options.platform, returns);
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let mut explain = |input: &Input| -> io::Result<()> {
        let url = match input {
            Input::Text(url) => url.as_str(),
            Input::NotUtf8 { shown, valid_up_to } => {
                let reason = NotUtf8 {
                    valid_up_to: *valid_up_to,
                };
                let line = if options.json {
                    json_line(&NotUtf8Report {
                        url: shown,
                        action: if options.deep_link { "reject" } else { "block" },
                        reason: reason.to_string(),
                    })
                } else if options.deep_link {
                    format!(
                        "거부 / rejected: {} / {reason}: {shown}",
                        reason.message_ko()
                    )
                } else {
                    format!(
                        "차단 / blocked: {} / {reason}: {shown}",
                        reason.message_ko()
                    )
                };
                return writeln!(out, "{line}");
            }
        };
        let line = if options.deep_link {
            let action = parse_return(url, ctx.returns());
            if options.json {
                json_line(&ReturnReport {
                    url,
                    action: &action,
                })
            } else {
                human_return(url, &action)
            }
        } else {
            let decision = classify(url, &ctx);
            if options.json {
                json_line(&NavigationReport {
                    url,
                    decision: &decision,
                })
            } else {
                human_navigation(url, &decision)
            }
        };
        writeln!(out, "{line}")
    };
    let result = if options.urls.is_empty() {
        each_line(&mut io::stdin().lock(), |line| {
            explain(&Input::from_bytes(line.to_vec()))
        })
    } else {
        options.urls.iter().try_for_each(&mut explain)
    };
    match result.and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        // A closed pipe (`| head`) is not our failure.
        Err(err) if err.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(err) => {
            let _ = writeln!(io::stderr(), "payhost-explain: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Calls `f` with every line of `input` as bytes, without its `\n` and trailing
/// `\r`s: an empty line too, and bytes that are not UTF-8 (`BufRead::lines` would
/// stop there with an error).
fn each_line(
    input: &mut impl BufRead,
    mut f: impl FnMut(&[u8]) -> io::Result<()>,
) -> io::Result<()> {
    let mut line = Vec::new();
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line)? == 0 {
            return Ok(());
        }
        let mut text = line.strip_suffix(b"\n").unwrap_or(&line);
        while let Some(rest) = text.strip_suffix(b"\r") {
            text = rest;
        }
        f(text)?;
    }
}

fn json_line(report: &impl serde::Serialize) -> String {
    serde_json::to_string(report).unwrap_or_else(|err| format!("{{\"error\":\"{err}\"}}"))
}

fn human_navigation(url: &str, decision: &Decision) -> String {
    match decision {
        Decision::Load => format!("웹뷰에서 열기 / load in the WebView: {url}"),
        Decision::Launch(launch) => {
            let app = launch.app.map_or_else(
                || "알 수 없는 앱 / unknown app".to_owned(),
                |app| app.display_name(),
            );
            let mut line = format!("앱 실행 / launch {app}: {}", launch.target);
            if let Some(package) = &launch.package {
                line.push_str(&format!(" [package {package}]"));
            }
            if launch.fallbacks.is_empty() {
                line.push_str("; 앱이 없으면 안내 / if missing: tell the buyer");
            }
            for fallback in &launch.fallbacks {
                let how = match (fallback.kind, fallback.opens) {
                    (FallbackKind::Store, _) => "스토어 / store",
                    (FallbackKind::Browser, Opens::InWebView) => "대체 페이지 / fallback page",
                    (FallbackKind::Browser, Opens::Externally) => "대체 스토어 / fallback store",
                };
                line.push_str(&format!("; 없으면 / else {how} {}", fallback.url));
            }
            if let Some(note) = launch.note {
                line.push_str(&format!(" ({note})"));
            }
            line
        }
        Decision::External { target } => format!("외부에서 열기 / open outside: {target}"),
        Decision::Return {
            continue_at: Some(target),
        } => {
            format!("복귀 링크, 이동 / return link, continue at: {target}")
        }
        Decision::Return { continue_at: None } => {
            "복귀 링크, 현재 페이지 유지 / return link, stay on the page".to_owned()
        }
        Decision::Block { reason } => {
            format!("차단 / blocked: {} / {reason}: {url}", reason.message_ko())
        }
    }
}

fn human_return(url: &str, action: &ReturnAction) -> String {
    match action {
        ReturnAction::Navigate(target) => format!("이동 / navigate to: {target}"),
        ReturnAction::Resume => "앱으로 복귀만 / resume, page continues by itself".to_owned(),
        ReturnAction::Reject(reason) => {
            format!("거부 / rejected: {} / {reason}: {url}", reason.message_ko())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Result<Options, clap::Error> {
        Cli::try_parse_from(std::iter::once("payhost-explain").chain(list.iter().copied()))
            .map(Options::from)
    }

    fn text(url: &str) -> Input {
        Input::Text(url.to_owned())
    }

    #[test]
    fn defaults_to_android_and_the_default_scheme() {
        let options = args(&["ispmobile://x"]).unwrap();
        assert_eq!(options.platform, Platform::Android);
        assert_eq!(options.app_schemes, vec![DEFAULT_APP_SCHEME.to_owned()]);
        assert_eq!(options.urls, vec![text("ispmobile://x")]);
    }

    #[test]
    fn usage_errors_are_reported() {
        assert!(args(&["--platform"]).is_err());
        assert!(args(&["--platform", "symbian"]).is_err());
        assert!(args(&["--frobnicate"]).is_err());
        let options = args(&["--platform=ios", "--json", "--", "--not-a-flag"]).unwrap();
        assert_eq!(options.platform, Platform::Ios);
        assert_eq!(options.urls, vec![text("--not-a-flag")]);
    }

    #[test]
    fn every_line_is_read_as_bytes_blank_and_undecodable_ones_included() {
        let mut lines = Vec::new();
        each_line(&mut &b"a\r\n\n\xffb\nlast"[..], |line| {
            lines.push(Input::from_bytes(line.to_vec()));
            Ok(())
        })
        .unwrap();
        assert_eq!(
            lines,
            [
                text("a"),
                text(""),
                Input::NotUtf8 {
                    shown: "\u{fffd}b".to_owned(),
                    valid_up_to: 0
                },
                text("last"),
            ]
        );
    }
}
