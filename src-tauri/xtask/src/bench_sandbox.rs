//! The sandbox under load (`cargo xtask bench`): 64 concurrent keep-alive clients on
//! loopback against the release `payhost-sandbox serve`, each target for a fixed
//! time (a payment by id through V1 and through V2, and the merchant's verifying
//! landing), reporting requests per second and latency percentiles. Every figure is also
//! given as a ratio to a reference target in the same run and server: the static
//! `GET /iamport.js`, which exercises the same HTTP stack with no database and no
//! upstream call.

use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::{Result, XtaskError};

/// Concurrent clients: the load the sandbox is required to serve.
const CLIENTS: usize = 64;
/// Warm-up before each measured window.
const WARM_UP: Duration = Duration::from_secs(1);
/// Each target's measured window: the benchmark is bounded in time.
const WINDOW: Duration = Duration::from_secs(5);

struct Measured {
    name: &'static str,
    requests: usize,
    errors: usize,
    elapsed: Duration,
    p50_us: u64,
    p99_us: u64,
}

impl Measured {
    #[allow(clippy::cast_precision_loss)]
    fn rps(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }
}

fn failed(what: impl Into<String>) -> XtaskError {
    XtaskError::Failed(what.into())
}

/// Runs the load benchmark against `target/release/payhost-sandbox`.
pub(crate) fn bench_sandbox(root: &Path) -> Result {
    let binary = root.join("target/release/payhost-sandbox");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|err| XtaskError::Io("a free port".to_owned(), err))?;
    let dir = std::env::temp_dir().join(format!("payhost-bench-sandbox-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|err| XtaskError::Io(dir.display().to_string(), err))?;
    let mut server = Command::new(&binary)
        .args(["serve", "--port", &port.to_string(), "--db"])
        .arg(dir.join("bench.sqlite3"))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|err| XtaskError::Io(binary.display().to_string(), err))?;
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            let _ = server.kill();
            return Err(failed("payhost-sandbox serve did not listen"));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|err| XtaskError::Io("tokio runtime".to_owned(), err))?;
    let result = runtime.block_on(measure_all(&format!("http://127.0.0.1:{port}")));
    let _ = server.kill();
    let _ = server.wait();
    let _ = std::fs::remove_dir_all(&dir);
    let measured = result?;
    let reference = measured.first().ok_or_else(|| failed("no reference"))?;
    println!(
        "\n==> sandbox under load: {CLIENTS} concurrent keep-alive clients, {} s per target (after {} s warm-up), release build, loopback",
        WINDOW.as_secs(),
        WARM_UP.as_secs()
    );
    println!(
        "{:<58} {:>9} {:>9} {:>9} {:>7} {:>12} {:>12}",
        "target", "req/s", "p50 ms", "p99 ms", "errors", "rps ratio", "p99 ratio"
    );
    for m in &measured {
        #[allow(clippy::cast_precision_loss)]
        let p99_ratio = m.p99_us as f64 / reference.p99_us.max(1) as f64;
        #[allow(clippy::cast_precision_loss)]
        let (p50_ms, p99_ms) = (m.p50_us as f64 / 1000.0, m.p99_us as f64 / 1000.0);
        println!(
            "{:<58} {:>9.0} {:>9.2} {:>9.2} {:>7} {:>11.3}x {:>11.2}x",
            m.name,
            m.rps(),
            p50_ms,
            p99_ms,
            m.errors,
            m.rps() / reference.rps(),
            p99_ratio
        );
    }
    if measured.iter().any(|m| m.errors > 0) {
        return Err(failed("some requests failed under load"));
    }
    Ok(())
}

async fn json_post(http: &reqwest::Client, url: String, body: Value) -> Result<Value> {
    http.post(url)
        .json(&body)
        .send()
        .await
        .map_err(|err| failed(err.to_string()))?
        .json()
        .await
        .map_err(|err| failed(err.to_string()))
}

async fn measure_all(base: &str) -> Result<Vec<Measured>> {
    // The sandbox is on loopback: never through a proxy the environment names
    // (`HTTP_PROXY`/`ALL_PROXY`, which reqwest honours by default:
    // https://docs.rs/reqwest/0.12/reqwest/#proxies), which would measure the proxy.
    let http = reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(CLIENTS)
        .build()
        .map_err(|err| failed(err.to_string()))?;
    // One paid payment, made the way the shop makes it.
    let order = json_post(
        &http,
        format!("{base}/shop/orders"),
        json!({ "item": "coffee" }),
    )
    .await?;
    let merchant_uid = order["merchant_uid"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let checkout = json_post(
        &http,
        format!("{base}/checkout"),
        json!({ "imp_code": "imp_bench", "channel": "mobile", "params": {
            "pg": "nice", "pay_method": "card", "merchant_uid": merchant_uid, "name": "bench",
            "amount": order["amount"], "m_redirect_url": format!("{base}/shop/payments/complete"),
            "app_scheme": "payhost" } }),
    )
    .await?;
    let imp_uid = checkout["imp_uid"].as_str().unwrap_or_default().to_owned();
    let token = checkout["pg_url"]
        .as_str()
        .unwrap_or_default()
        .trim_start_matches("/pg/")
        .to_owned();
    http.get(format!("{base}/pg/{token}/pay/isp"))
        .send()
        .await
        .map_err(|err| failed(err.to_string()))?;
    let approved = json_post(
        &http,
        format!("{base}/sandbox/txn/{token}/outcome"),
        json!({ "outcome": "approve" }),
    )
    .await?;
    if approved["status"] != "paid" {
        return Err(failed(format!(
            "the seed payment was not approved: {approved}"
        )));
    }
    // And one V2 payment the same way (`PortOne.requestPayment`).
    let v2_order = json_post(
        &http,
        format!("{base}/shop/orders"),
        json!({ "item": "coffee" }),
    )
    .await?;
    let payment_id = v2_order["merchant_uid"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let v2_checkout = json_post(
        &http,
        format!("{base}/v2/checkout"),
        json!({ "kind": "payment", "device": "mobile", "redirect": true, "request": {
            "storeId": "store-sandbox-0000", "channelKey": "channel-key-sandbox-nice",
            "paymentId": payment_id, "orderName": "bench", "totalAmount": v2_order["amount"],
            "currency": "KRW", "payMethod": "CARD",
            "redirectUrl": format!("{base}/shop/v2/payments/complete") } }),
    )
    .await?;
    let v2_token = v2_checkout["pgUrl"]
        .as_str()
        .unwrap_or_default()
        .trim_start_matches("/pg/")
        .to_owned();
    http.get(format!("{base}/pg/{v2_token}/pay/isp"))
        .send()
        .await
        .map_err(|err| failed(err.to_string()))?;
    let v2_approved = json_post(
        &http,
        format!("{base}/sandbox/txn/{v2_token}/outcome"),
        json!({ "outcome": "approve" }),
    )
    .await?;
    if v2_approved["status"] != "paid" {
        return Err(failed(format!(
            "the seed V2 payment was not approved: {v2_approved}"
        )));
    }
    let access = json_post(
        &http,
        format!("{base}/users/getToken"),
        json!({ "imp_key": "sandbox_imp_key", "imp_secret": "sandbox_imp_secret" }),
    )
    .await?;
    let access_token = access["response"]["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let targets: [(&'static str, String, Option<String>); 4] = [
        (
            "reference: GET /iamport.js (static, same server)",
            format!("{base}/iamport.js"),
            None,
        ),
        (
            "V1 GET /payments/{imp_uid} (token check + SQLite read)",
            format!("{base}/payments/{imp_uid}"),
            Some(access_token),
        ),
        (
            "V2 GET /v2/payments/{paymentId} (secret + SQLite read)",
            format!("{base}/v2/payments/{payment_id}"),
            Some(format!("PortOne {}", "sandbox_api_secret")),
        ),
        (
            "merchant landing /shop/payments/complete (verifies)",
            format!("{base}/shop/payments/complete?imp_uid={imp_uid}&merchant_uid={merchant_uid}"),
            None,
        ),
    ];
    let mut measured = Vec::new();
    for (name, url, auth) in targets {
        // Warm-up, then the measured window.
        let _ = load(&http, &url, auth.as_deref(), WARM_UP).await;
        let (latencies, errors, elapsed) = load(&http, &url, auth.as_deref(), WINDOW).await;
        let mut sorted = latencies;
        sorted.sort_unstable();
        let pick = |q: f64| {
            #[allow(
                clippy::cast_precision_loss,
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss
            )]
            let index = ((sorted.len().saturating_sub(1)) as f64 * q).round() as usize;
            sorted.get(index).copied().unwrap_or(0)
        };
        measured.push(Measured {
            name,
            requests: sorted.len(),
            errors,
            elapsed,
            p50_us: pick(0.50),
            p99_us: pick(0.99),
        });
    }
    Ok(measured)
}

/// `CLIENTS` tasks, each sending requests back to back until `window` ends.
async fn load(
    http: &reqwest::Client,
    url: &str,
    auth: Option<&str>,
    window: Duration,
) -> (Vec<u64>, usize, Duration) {
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..CLIENTS {
        let http = http.clone();
        let url = url.to_owned();
        let auth = auth.map(str::to_owned);
        let stop = Arc::clone(&stop);
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0usize;
            while !stop.load(Ordering::Relaxed) {
                let sent = Instant::now();
                let mut request = http.get(&url);
                if let Some(token) = &auth {
                    request = request.header("Authorization", token);
                }
                let ok = match request.send().await {
                    Ok(response) => {
                        let status = response.status().is_success();
                        response.bytes().await.is_ok() && status
                    }
                    Err(_) => false,
                };
                if ok {
                    latencies.push(u64::try_from(sent.elapsed().as_micros()).unwrap_or(u64::MAX));
                } else {
                    errors += 1;
                }
            }
            (latencies, errors)
        }));
    }
    tokio::time::sleep(window).await;
    stop.store(true, Ordering::Relaxed);
    let mut all = Vec::new();
    let mut errors = 0;
    for task in tasks {
        if let Ok((latencies, task_errors)) = task.await {
            all.extend(latencies);
            errors += task_errors;
        }
    }
    (all, errors, started.elapsed())
}
