//! Runs the case tables. Each case is data; `check_navigation` / `check_deep_link`
//! compare the JSON report (the `payhost-explain --json` shape) with the case's
//! `expect`, so a case reads exactly like what QA sees.

use payhost_core::{
    classify, parse_return, Context, NavigationReport, Platform, ReturnContext, ReturnReport,
};
use serde::Deserialize;
use serde_json::Value;

const DEFAULT_APP_SCHEMES: &[&str] = &["myapp"];
const DEFAULT_ALLOW_HOSTS: &[&str] = &["shop.example", "127.0.0.1:8080"];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NavigationFile {
    case: Vec<NavigationCase>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NavigationCase {
    name: String,
    url: String,
    platform: Option<String>,
    platforms: Option<Vec<String>>,
    app_schemes: Option<Vec<String>>,
    expect: NavigationExpect,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NavigationExpect {
    action: String,
    target: Option<String>,
    /// `"=url"` means "the case's URL, with the `intent:` prefix lower-cased".
    intent: Option<String>,
    package: Option<String>,
    /// Substring of the app's display name.
    app: Option<String>,
    /// `"store URL"` / `"browser URL"`, in order; required for launches.
    fallbacks: Option<Vec<String>>,
    #[serde(rename = "continue")]
    continue_at: Option<String>,
    /// Substring of the reason.
    reason: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DeepLinkFile {
    case: Vec<DeepLinkCase>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DeepLinkCase {
    name: String,
    url: String,
    app_schemes: Option<Vec<String>>,
    allow_hosts: Option<Vec<String>>,
    expect: DeepLinkExpect,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DeepLinkExpect {
    action: String,
    target: Option<String>,
    reason: Option<String>,
}

fn return_context(
    app_schemes: Option<&Vec<String>>,
    allow_hosts: Option<&Vec<String>>,
) -> ReturnContext {
    let schemes: Vec<String> = app_schemes.cloned().unwrap_or_else(|| {
        DEFAULT_APP_SCHEMES
            .iter()
            .map(|s| (*s).to_owned())
            .collect()
    });
    let hosts: Vec<String> = allow_hosts.cloned().unwrap_or_else(|| {
        DEFAULT_ALLOW_HOSTS
            .iter()
            .map(|s| (*s).to_owned())
            .collect()
    });
    ReturnContext::new(&schemes, &hosts).expect("case context is valid")
}

/// Compares an optional string key: expected present → equal; expected absent →
/// absent from the report.
fn exact(problems: &mut Vec<String>, report: &Value, key: &str, expected: Option<&str>) {
    let got = report.get(key).and_then(Value::as_str);
    if got != expected {
        problems.push(format!("`{key}`: expected {expected:?}, got {got:?}"));
    }
}

fn contains(problems: &mut Vec<String>, report: &Value, key: &str, expected: Option<&str>) {
    if let Some(expected) = expected {
        let got = report.get(key).and_then(Value::as_str).unwrap_or_default();
        if !got.contains(expected) {
            problems.push(format!(
                "`{key}`: expected it to contain {expected:?}, got {got:?}"
            ));
        }
    }
}

fn check_navigation(case: &NavigationCase, platform: Platform) -> Vec<String> {
    let ctx = Context::new(platform, return_context(case.app_schemes.as_ref(), None));
    let decision = classify(&case.url, &ctx);
    let report = serde_json::to_value(NavigationReport {
        url: &case.url,
        decision: &decision,
    })
    .expect("report serialises");
    let expect = &case.expect;
    let mut problems = Vec::new();
    exact(&mut problems, &report, "action", Some(&expect.action));
    exact(&mut problems, &report, "target", expect.target.as_deref());
    let intent = match expect.intent.as_deref() {
        Some("=url") => {
            let url = case.url.trim();
            Some(format!("intent:{}", &url["intent:".len()..]))
        }
        other => other.map(str::to_owned),
    };
    exact(&mut problems, &report, "intent", intent.as_deref());
    exact(&mut problems, &report, "package", expect.package.as_deref());
    exact(
        &mut problems,
        &report,
        "continue",
        expect.continue_at.as_deref(),
    );
    contains(&mut problems, &report, "app", expect.app.as_deref());
    contains(&mut problems, &report, "reason", expect.reason.as_deref());
    let got_fallbacks: Option<Vec<String>> = report.get("fallbacks").map(|list| {
        list.as_array()
            .into_iter()
            .flatten()
            .map(|f| {
                format!(
                    "{} {}",
                    f["kind"].as_str().unwrap_or("?"),
                    f["url"].as_str().unwrap_or("?")
                )
            })
            .collect()
    });
    if expect.action == "launch" && expect.fallbacks.is_none() {
        problems.push("a launch case must list its `fallbacks` (possibly [])".to_owned());
    }
    if got_fallbacks != expect.fallbacks {
        problems.push(format!(
            "`fallbacks`: expected {:?}, got {got_fallbacks:?}",
            expect.fallbacks
        ));
    }
    if !problems.is_empty() {
        problems.insert(0, format!("report: {report}"));
    }
    problems
}

#[test]
fn navigation_cases() {
    let text = include_str!("../data/navigation.toml");
    let file: NavigationFile = toml::from_str(text).expect("navigation.toml parses");
    let mut failures = Vec::new();
    let mut checks = 0;
    for case in &file.case {
        let platforms = match (&case.platforms, &case.platform) {
            (Some(list), None) => list.clone(),
            (None, Some(one)) => vec![one.clone()],
            (None, None) => vec!["android".to_owned()],
            (Some(_), Some(_)) => {
                panic!("case `{}`: give platform or platforms, not both", case.name)
            }
        };
        for platform in platforms {
            checks += 1;
            let parsed: Platform = platform.parse().expect("known platform");
            let problems = check_navigation(case, parsed);
            if !problems.is_empty() {
                failures.push(format!(
                    "✗ {} [{platform}]\n  url: {}\n  {}",
                    case.name,
                    case.url,
                    problems.join("\n  ")
                ));
            }
        }
    }
    assert!(
        file.case.len() >= 150,
        "at least 150 navigation cases, have {}",
        file.case.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {checks} navigation checks failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn deep_link_cases() {
    let text = include_str!("../data/deeplinks.toml");
    let file: DeepLinkFile = toml::from_str(text).expect("deeplinks.toml parses");
    let mut failures = Vec::new();
    for case in &file.case {
        let ctx = return_context(case.app_schemes.as_ref(), case.allow_hosts.as_ref());
        let action = parse_return(&case.url, &ctx);
        let report = serde_json::to_value(ReturnReport {
            url: &case.url,
            action: &action,
        })
        .expect("report serialises");
        let mut problems = Vec::new();
        exact(&mut problems, &report, "action", Some(&case.expect.action));
        exact(
            &mut problems,
            &report,
            "target",
            case.expect.target.as_deref(),
        );
        contains(
            &mut problems,
            &report,
            "reason",
            case.expect.reason.as_deref(),
        );
        if !problems.is_empty() {
            failures.push(format!(
                "✗ {}\n  url: {}\n  report: {report}\n  {}",
                case.name,
                case.url,
                problems.join("\n  ")
            ));
        }
    }
    assert!(
        file.case.len() >= 40,
        "at least 40 deep-link cases, have {}",
        file.case.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {} deep-link cases failed:\n{}",
        failures.len(),
        file.case.len(),
        failures.join("\n")
    );
}
