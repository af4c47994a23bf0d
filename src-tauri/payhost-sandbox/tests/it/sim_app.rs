//! The simulated payment app binary (`payhost-sandbox app`) against a sandbox on
//! loopback: what its environment and its arguments can make it do, and the exit
//! status a used token gives.

use std::ffi::OsString;
use std::process::Output;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use serde_json::json;

use crate::support::{self, sandbox_bin};

struct Sandbox {
    /// `127.0.0.1:PORT`.
    host: String,
    _dir: tempfile::TempDir,
}

async fn sandbox() -> Sandbox {
    let dir = tempfile::tempdir().unwrap();
    let base = support::start(&support::config(dir.path())).await;
    Sandbox {
        host: base.trim_start_matches("http://").to_owned(),
        _dir: dir,
    }
}

impl Sandbox {
    /// A mobile checkout's hand-off as the ISP app receives it (the raw scheme with
    /// the sandbox's parameters, `apps::sandbox_params_of`).
    async fn hand_off(&self, merchant_uid: &str) -> String {
        let base = format!("http://{}", self.host);
        let answer = support::request_pay(
            &support::client(),
            &base,
            "mobile",
            json!({
                "pg": "nice", "pay_method": "card", "merchant_uid": merchant_uid,
                "name": "테스트 주문", "amount": 1000,
                "m_redirect_url": format!("{base}/shop/payments/complete"),
                "app_scheme": "myapp"
            }),
        )
        .await;
        let token = support::token_of(&answer);
        format!(
            "ispmobile://?sandbox_txn={token}&sandbox={}",
            self.host.replace(':', "%3A")
        )
    }
}

/// Runs `payhost-sandbox app ARGS` off the runtime, with its log in a temporary
/// data home and no proxy variables unless `env` sets them.
async fn app(args: Vec<OsString>, env: Vec<(&'static str, String)>) -> Output {
    let data = tempfile::tempdir().unwrap();
    tokio::task::spawn_blocking(move || {
        let mut command = sandbox_bin();
        command
            .arg("app")
            .args(&args)
            .env("XDG_DATA_HOME", data.path());
        for key in [
            "http_proxy",
            "HTTP_PROXY",
            "https_proxy",
            "HTTPS_PROXY",
            "all_proxy",
            "ALL_PROXY",
            "no_proxy",
            "NO_PROXY",
        ] {
            command.env_remove(key);
        }
        command.envs(env);
        command.output().unwrap()
    })
    .await
    .unwrap()
}

fn args(list: &[&str]) -> Vec<OsString> {
    list.iter().map(OsString::from).collect()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[tokio::test]
async fn the_simulated_app_talks_to_the_sandbox_directly_whatever_the_proxy_variables_say() {
    let s = sandbox().await;
    let url = s.hand_off("sim-proxy-1").await;
    // A "proxy" that counts who connects to it and answers nothing.
    let (proxy_url, connections) = support::counting_proxy().await;
    let env = support::PROXY_VARIABLES
        .into_iter()
        .map(|key| (key, proxy_url.clone()))
        .collect();
    let output = app(args(&["--auto", "approve", "--no-return", &url]), env).await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        "approved → paid"
    );
    assert_eq!(connections.load(Ordering::SeqCst), 0, "the proxy was used");
}

#[tokio::test]
async fn a_used_token_exits_with_its_own_status() {
    let s = sandbox().await;
    let url = s.hand_off("sim-used-1").await;
    let first = app(args(&["--auto", "approve", "--no-return", &url]), vec![]).await;
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let again = app(args(&["--auto", "deny", "--no-return", &url]), vec![]).await;
    assert_eq!(again.status.code(), Some(3), "{}", stderr(&again));
    assert_eq!(
        String::from_utf8_lossy(&again.stdout).trim(),
        "already handled → paid"
    );
    assert!(
        stderr(&again).contains("already handled"),
        "{}",
        stderr(&again)
    );
    // The code is documented.
    let help = sandbox_bin().arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(
        help.lines()
            .any(|l| l.trim_start().starts_with("3 ") && l.contains("already handled")),
        "{help}"
    );
}

#[cfg(unix)]
#[tokio::test]
async fn an_argument_that_is_not_utf8_is_refused_without_a_panic() {
    use std::os::unix::ffi::OsStringExt;
    let not_utf8 = |bytes: &[u8]| OsString::from_vec(bytes.to_vec());
    for list in [
        vec![not_utf8(b"\xff")],
        vec![
            OsString::from("--auto"),
            OsString::from("approve"),
            not_utf8(b"ispmobile://?sandbox_txn=\xff&sandbox=127.0.0.1%3A9"),
        ],
    ] {
        let output = app(list.clone(), vec![]).await;
        assert_eq!(
            output.status.code(),
            Some(2),
            "{list:?}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).contains("not UTF-8")
                && stderr(&output).to_lowercase().contains("usage"),
            "{list:?}: {}",
            stderr(&output)
        );
    }
}

#[tokio::test]
async fn a_token_that_is_not_the_sandboxs_own_is_refused_before_any_request() {
    // A loopback server that answers every request as the sandbox's transaction
    // routes would and records what it was asked.
    let seen: Arc<std::sync::Mutex<Vec<String>>> = Arc::default();
    let (listener, addr) = support::listen().await;
    let host = addr.to_string();
    let stub = axum::Router::new().fallback({
        let seen = Arc::clone(&seen);
        move |method: axum::http::Method, uri: axum::http::Uri| {
            let seen = Arc::clone(&seen);
            async move {
                seen.lock().unwrap().push(format!("{method} {uri}"));
                axum::Json(json!({
                    "token": "txn_x", "imp_uid": "imp_x", "merchant_uid": "o", "name": "x",
                    "amount": 1000, "status": "paid", "used": false, "channel": "mobile",
                    "app": null, "app_label": null, "app_scheme": null, "result_url": "",
                    "return_link": null
                }))
            }
        }
    });
    support::serve_on(listener, stub);
    let sandbox = host.replace(':', "%3A");
    for token in [
        "txn_x%2F..%2Fsandbox",
        "txn_x%2F..%2F..%2F..%2Fshop%2Fpayments%2Fwebhook%23",
        "txn_0123456789abcdef01234567%3Fx%3D",
        "..",
        "imp_0123456789abcdef01234567",
    ] {
        let url = format!("ispmobile://?sandbox_txn={token}&sandbox={sandbox}");
        let output = app(args(&["--auto", "approve", "--no-return", &url]), vec![]).await;
        assert_eq!(
            output.status.code(),
            Some(1),
            "{token}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).contains("transaction token"),
            "{token}: {}",
            stderr(&output)
        );
        assert_eq!(
            seen.lock().unwrap().clone(),
            Vec::<String>::new(),
            "{token}: the app sent requests"
        );
    }
}
