//! Drives the real `payhost-explain` binary the way QA does: arguments, standard
//! input, `--json`, exit codes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::ffi::OsStr;
use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn run(args: &[&str], stdin: Option<&str>) -> Output {
    run_bytes(args, stdin.map(str::as_bytes))
}

fn run_bytes(args: &[impl AsRef<OsStr>], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_payhost-explain"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(bytes) = stdin {
        input.write_all(bytes).unwrap();
    }
    drop(input);
    child.wait_with_output().unwrap()
}

fn json_lines(output: &Output) -> Vec<Value> {
    String::from_utf8(output.stdout.clone())
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

fn keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

#[test]
fn json_launch_has_exactly_the_documented_keys() {
    let output = run(
        &[
            "--json",
            "intent://TID=1#Intent;scheme=ispmobile;package=kvp.jjy.MispAndroid320;end",
        ],
        None,
    );
    assert!(output.status.success());
    let lines = json_lines(&output);
    assert_eq!(lines.len(), 1);
    let line = &lines[0];
    assert_eq!(
        keys(line),
        [
            "action",
            "app",
            "fallbacks",
            "intent",
            "package",
            "target",
            "url"
        ]
    );
    assert_eq!(line["action"], "launch");
    assert_eq!(line["target"], "ispmobile://TID=1");
    assert_eq!(line["fallbacks"][0]["kind"], "store");
    assert_eq!(
        line["fallbacks"][0]["url"],
        "market://details?id=kvp.jjy.MispAndroid320"
    );
    assert_eq!(keys(&line["fallbacks"][0]), ["kind", "url"]);
}

#[test]
fn urls_come_from_standard_input_when_no_argument_is_given() {
    let output = run(
        &["--json", "--platform", "ios"],
        Some("https://shop.example/\n\nitmss://itunes.apple.com/app/id1\r\njavascript:alert(1)\nmyapp://\n"),
    );
    assert!(output.status.success());
    let lines = json_lines(&output);
    let actions: Vec<&str> = lines
        .iter()
        .map(|l| l["action"].as_str().unwrap())
        .collect();
    // `myapp` is not our scheme here (default: payhost), so it is someone else's app.
    // The blank line gets its own answer: one output line per input line.
    assert_eq!(actions, ["load", "block", "external", "block", "launch"]);
    assert_eq!(keys(&lines[0]), ["action", "url"]);
    assert_eq!(lines[1]["url"], "");
    assert_eq!(lines[2]["target"], "https://itunes.apple.com/app/id1");
    assert!(lines[3]["reason"].as_str().unwrap().contains("script"));
}

#[test]
fn deep_link_mode_reports_navigate_resume_and_reject() {
    let output = run(
        &[
            "--deep-link",
            "--json",
            "--app-scheme",
            "myapp://",
            "--allow-host",
            "shop.example",
            "myapp://://https://shop.example/done?imp_uid=1",
            "myapp://",
            "myapp://://https://evil.example/",
        ],
        None,
    );
    assert!(output.status.success());
    let lines = json_lines(&output);
    assert_eq!(lines[0]["action"], "navigate");
    assert_eq!(lines[0]["target"], "https://shop.example/done?imp_uid=1");
    assert_eq!(keys(&lines[0]), ["action", "target", "url"]);
    assert_eq!(lines[1]["action"], "resume");
    assert_eq!(keys(&lines[1]), ["action", "url"]);
    assert_eq!(lines[2]["action"], "reject");
    assert_eq!(keys(&lines[2]), ["action", "reason", "url"]);
}

#[test]
fn hostile_and_malformed_input_still_exits_zero() {
    let output = run(
        &[
            "",
            "::::",
            "intent:#Intent;component=a/.b;end",
            "\u{1}\u{7f}",
        ],
        None,
    );
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    assert_eq!(text.lines().count(), 4);
    assert!(text.contains("차단 / blocked"));
}

#[test]
fn human_output_speaks_korean_then_english() {
    let output = run(&["ispmobile://TID=1"], None);
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.starts_with("앱 실행 / launch ISP/페이북"), "{text}");
    assert!(text.contains("market://details?id=kvp.jjy.MispAndroid320"));
}

#[test]
fn usage_errors_exit_two() {
    for args in [
        &["--platform", "symbian", "x:"][..],
        &["--app-scheme", "https", "x:"][..],
        &["--app-scheme", "ispmobile", "x:"][..],
        &["--allow-host", "co.kr", "x:"][..],
        &["--nope"][..],
        &["--platform"][..],
    ] {
        let output = run(args, None);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8(output.stderr)
                .unwrap()
                .to_lowercase()
                .contains("usage"),
            "{args:?}"
        );
    }
    assert_eq!(run(&["--help"], None).status.code(), Some(0));
    // `-h` too, and the help speaks Korean then English.
    let help = run(&["-h"], None);
    assert_eq!(help.status.code(), Some(0));
    let help = String::from_utf8(help.stdout).unwrap();
    assert!(
        help.contains("복귀 딥링크") && help.contains("return deep link"),
        "{help}"
    );
}

/// Bytes that are not UTF-8, as a shell passes `$'\xff'`.
#[cfg(unix)]
fn not_utf8(bytes: &[u8]) -> std::ffi::OsString {
    use std::os::unix::ffi::OsStrExt;
    OsStr::from_bytes(bytes).to_owned()
}

#[test]
fn an_undecodable_input_line_is_blocked_and_the_next_lines_are_still_answered() {
    let output = run_bytes(
        &["--json"],
        Some(b"http://a\n\xff\n\nhttp://b\n\xe2\x82\r\n"),
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines = json_lines(&output);
    let actions: Vec<&str> = lines
        .iter()
        .map(|l| l["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["load", "block", "block", "load", "block"]);
    assert_eq!(lines[0]["url"], "http://a");
    assert_eq!(keys(&lines[1]), ["action", "reason", "url"]);
    assert!(
        lines[1]["reason"].as_str().unwrap().contains("not UTF-8"),
        "{}",
        lines[1]
    );
    assert_eq!(lines[1]["url"], "\u{fffd}");
    assert!(!lines[2]["reason"].as_str().unwrap().contains("UTF-8"));
    assert_eq!(lines[3]["url"], "http://b");
    assert!(lines[4]["reason"].as_str().unwrap().contains("not UTF-8"));

    // The same in the human form and for deep links (`reject`).
    let output = run_bytes(&["--deep-link"], Some(b"\xff\npayhost://\n"));
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines[0].starts_with("거부 / rejected: ") && lines[0].contains("not UTF-8"),
        "{text}"
    );
    assert!(lines[1].starts_with("앱으로 복귀만 / resume"), "{text}");
    let output = run_bytes(&["--deep-link", "--json"], Some(b"\xff\n"));
    let lines = json_lines(&output);
    assert_eq!(lines[0]["action"], "reject");
    assert_eq!(keys(&lines[0]), ["action", "reason", "url"]);
}

#[cfg(unix)]
#[test]
fn a_non_utf8_argument_is_answered_like_any_malformed_url_not_a_panic() {
    let output = run_bytes(
        &[
            not_utf8(b"--json"),
            not_utf8(b"http://a"),
            not_utf8(b"\xff"),
            not_utf8(b"ispmobile://\xc3"),
        ],
        None,
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines = json_lines(&output);
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["action"], "load");
    for line in &lines[1..] {
        assert_eq!(line["action"], "block", "{line}");
        assert!(
            line["reason"].as_str().unwrap().contains("not UTF-8"),
            "{line}"
        );
    }
    assert_eq!(lines[2]["url"], "ispmobile://\u{fffd}");
    let output = run_bytes(&[not_utf8(b"--deep-link"), not_utf8(b"\xff")], None);
    assert_eq!(output.status.code(), Some(0));
    assert!(String::from_utf8(output.stdout)
        .unwrap()
        .starts_with("거부 / rejected: "));

    // Not a URL but an option or its value: a usage error, never a panic.
    for args in [
        [not_utf8(b"--allow-host"), not_utf8(b"\xff")],
        [not_utf8(b"--platform=\xff"), not_utf8(b"x:")],
        [not_utf8(b"--\xff"), not_utf8(b"x:")],
    ] {
        let output = run_bytes(&args, None);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(
            stderr.contains("UTF-8") && stderr.to_lowercase().contains("usage"),
            "{args:?}: {stderr}"
        );
    }
}
