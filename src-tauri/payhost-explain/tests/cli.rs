//! Drives the real `payhost-explain` binary the way QA does: arguments, standard
//! input, `--json`, exit codes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn run(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_payhost-explain"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).unwrap();
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
    assert_eq!(actions, ["load", "external", "block", "launch"]);
    assert_eq!(keys(&lines[0]), ["action", "url"]);
    assert_eq!(lines[1]["target"], "https://itunes.apple.com/app/id1");
    assert!(lines[2]["reason"].as_str().unwrap().contains("script"));
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
            String::from_utf8(output.stderr).unwrap().contains("usage"),
            "{args:?}"
        );
    }
    assert_eq!(run(&["--help"], None).status.code(), Some(0));
}
