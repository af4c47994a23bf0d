//! `payhost-explain`: asks payhost's URL policy what it would do with a URL, for QA
//! and developers ("why did the ISP button do nothing?").
//!
//! A thin front over `payhost_core::classify` / `parse_return`: the JSON it prints
//! is `payhost_core::NavigationReport` / `ReturnReport`, the very shape the case
//! tables check. Exit status: 0 whenever decisions were printed (hostile or
//! malformed URLs included: they get `block`/`reject`), 2 for a usage error.

use std::io::{self, BufRead, Write};
use std::process::ExitCode;

use payhost_core::{
    classify, parse_return, Context, Decision, FallbackKind, NavigationReport, Opens, Platform,
    ReturnAction, ReturnContext, ReturnReport, DEFAULT_APP_SCHEME,
};

const USAGE: &str = "\
사용법 / usage:
  payhost-explain [--platform android|ios|desktop] [--app-scheme S]... [--allow-host H]... [--json] URL...
  payhost-explain --deep-link [--app-scheme S]... [--allow-host H]... [--json] URL...

URL이 없으면 표준 입력에서 한 줄에 하나씩 읽습니다.
Without URLs, reads one URL per line from standard input.

  --platform P     android (기본값/default), ios, desktop
  --app-scheme S   우리 앱 스킴 / our app scheme (기본값/default: payhost); repeatable
  --allow-host H   복귀 링크 허용 호스트 / a merchant host return links may open; repeatable
  --deep-link      URL을 복귀 딥링크로 해석 / explain URLs as return deep links
  --json           한 줄에 JSON 하나 / one JSON object per line
";

#[derive(Debug)]
struct Options {
    platform: Platform,
    app_schemes: Vec<String>,
    allow_hosts: Vec<String>,
    deep_link: bool,
    json: bool,
    urls: Vec<String>,
}

fn parse_args(args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut options = Options {
        platform: Platform::Android,
        app_schemes: Vec::new(),
        allow_hosts: Vec::new(),
        deep_link: false,
        json: false,
        urls: Vec::new(),
    };
    let mut args = args.peekable();
    let mut only_urls = false;
    while let Some(arg) = args.next() {
        if only_urls || !arg.starts_with("--") {
            options.urls.push(arg);
            continue;
        }
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) => (flag.to_owned(), Some(value.to_owned())),
            None => (arg.clone(), None),
        };
        let mut value = |name: &str| {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{name}에 값이 없습니다 / {name} needs a value"))
        };
        match flag.as_str() {
            "--" => only_urls = true,
            "--platform" => {
                let text = value("--platform")?;
                options.platform = text.parse().map_err(|err| format!("{err}"))?;
            }
            "--app-scheme" => options.app_schemes.push(value("--app-scheme")?),
            "--allow-host" => options.allow_hosts.push(value("--allow-host")?),
            "--deep-link" => options.deep_link = true,
            "--json" => options.json = true,
            "--help" | "-h" => return Err(String::new()),
            _ => return Err(format!("알 수 없는 옵션 / unknown option `{flag}`")),
        }
    }
    if options.app_schemes.is_empty() {
        options.app_schemes.push(DEFAULT_APP_SCHEME.to_owned());
    }
    Ok(options)
}

fn main() -> ExitCode {
    let options = match parse_args(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(message) => {
            let help_requested = message.is_empty();
            let mut stderr = io::stderr();
            if !help_requested {
                let _ = writeln!(stderr, "payhost-explain: {message}");
            }
            let _ = write!(stderr, "{USAGE}");
            return if help_requested {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            };
        }
    };
    let returns = match ReturnContext::new(&options.app_schemes, &options.allow_hosts) {
        Ok(returns) => returns,
        Err(err) => {
            let _ = writeln!(io::stderr(), "payhost-explain: {err}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let ctx = Context::new(options.platform, returns);
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let mut explain = |url: &str| -> io::Result<()> {
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
        io::stdin().lock().lines().try_for_each(|line| {
            let line = line?;
            let url = line.trim_end_matches('\r');
            if url.trim().is_empty() {
                Ok(())
            } else {
                explain(url)
            }
        })
    } else {
        options.urls.iter().try_for_each(|url| explain(url))
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

    fn args(list: &[&str]) -> Result<Options, String> {
        parse_args(list.iter().map(|s| (*s).to_owned()))
    }

    #[test]
    fn defaults_to_android_and_the_default_scheme() {
        let options = args(&["ispmobile://x"]).unwrap();
        assert_eq!(options.platform, Platform::Android);
        assert_eq!(options.app_schemes, vec![DEFAULT_APP_SCHEME.to_owned()]);
        assert_eq!(options.urls, vec!["ispmobile://x".to_owned()]);
    }

    #[test]
    fn usage_errors_are_reported() {
        assert!(args(&["--platform"]).is_err());
        assert!(args(&["--platform", "symbian"]).is_err());
        assert!(args(&["--frobnicate"]).is_err());
        let options = args(&["--platform=ios", "--json", "--", "--not-a-flag"]).unwrap();
        assert_eq!(options.platform, Platform::Ios);
        assert_eq!(options.urls, vec!["--not-a-flag".to_owned()]);
    }
}
