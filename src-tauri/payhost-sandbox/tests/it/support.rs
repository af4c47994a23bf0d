//! What two or more of the test files need, written once: servers on loopback (the
//! whole sandbox, iamport alone, any router), the client, the requests a buyer's
//! browser, a payment app, a bank and a merchant server make, webhook recorders (of
//! JSON bodies, or of raw ones with their content type), the proxy plumbing, and
//! where proptest keeps a file's failure seeds.

use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use payhost_sandbox::{
    bank, checkout, router, ApiState, SandboxConfig, SANDBOX_IMP_KEY, SANDBOX_IMP_SECRET,
};
use proptest::test_runner::{FailurePersistence, FileFailurePersistence};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::net::TcpListener;

/// A listener on a free loopback port, and its address.
pub(crate) async fn listen() -> (TcpListener, SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    (listener, addr)
}

/// Serves `app` on `listener` in a background task.
pub(crate) fn serve_on(listener: TcpListener, app: axum::Router) {
    tokio::spawn(async move { axum::serve(listener, app).await });
}

/// Serves `app` on a free loopback port: its base URL (`http://127.0.0.1:PORT`).
pub(crate) async fn serve(app: axum::Router) -> String {
    let (listener, addr) = listen().await;
    serve_on(listener, app);
    format!("http://{addr}")
}

/// iamport over `state`: the REST API, the checkout (`/checkout`, the PG pages) and
/// the bank that pays virtual accounts (`/sandbox/bank/…`).
pub(crate) async fn serve_iamport(state: ApiState) -> String {
    serve(
        router(state.clone())
            .merge(checkout::router(state.clone()))
            .merge(bank::router(state)),
    )
    .await
}

/// The whole sandbox's configuration, on SQLite files in `dir`, for the `myapp` scheme.
pub(crate) fn config(dir: &Path) -> SandboxConfig {
    SandboxConfig::in_dir(dir, Some("myapp"))
}

/// The whole sandbox (`payhost_sandbox::app`) on a free loopback port: its base URL.
pub(crate) async fn start(config: &SandboxConfig) -> String {
    let (listener, addr) = listen().await;
    let app = payhost_sandbox::app(addr, config).unwrap();
    tokio::spawn(payhost_sandbox::serve_app(listener, app));
    format!("http://{addr}")
}

/// A client that follows no redirect and ignores proxy variables.
pub(crate) fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .unwrap()
}

/// Sends `request`: the status and the JSON answer (its text as a string if not JSON).
pub(crate) async fn send_json(request: reqwest::RequestBuilder) -> (u16, Value) {
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// POSTs `body` as JSON to `url`: the status and the JSON answer.
pub(crate) async fn post_json(http: &reqwest::Client, url: &str, body: &Value) -> (u16, Value) {
    send_json(http.post(url).json(body)).await
}

/// Sends `request`: the status, the text and the `Location` header.
pub(crate) async fn send_page(request: reqwest::RequestBuilder) -> (u16, String, Option<String>) {
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned());
    (status, response.text().await.unwrap(), location)
}

/// `IMP.request_pay` on `channel` (`mobile`, `pc`): iamport's answer, a PG page or a refusal.
pub(crate) async fn request_pay(
    http: &reqwest::Client,
    base: &str,
    channel: &str,
    params: Value,
) -> Value {
    post_json(
        http,
        &format!("{base}/checkout"),
        &json!({ "imp_code": "imp_sandbox", "channel": channel, "params": params }),
    )
    .await
    .1
}

/// The one-time transaction token of an opened checkout (its `pg_url`, `/pg/{token}`).
pub(crate) fn try_token_of(answer: &Value) -> Option<String> {
    Some(
        answer["pg_url"]
            .as_str()?
            .trim_start_matches("/pg/")
            .to_owned(),
    )
}

/// [`try_token_of`] a checkout that must have opened (else a panic with the answer).
pub(crate) fn token_of(answer: &Value) -> String {
    try_token_of(answer).unwrap_or_else(|| panic!("{answer}"))
}

/// The buyer's choice `key` (`isp`, `declined`, `vbank`, …) on the PG page: the status.
pub(crate) async fn choose(http: &reqwest::Client, base: &str, token: &str, key: &str) -> u16 {
    http.get(format!("{base}/pg/{token}/pay/{key}"))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// What a payment app reports for `token` (`approve`, `deny`, `cancel`): status and answer.
pub(crate) async fn outcome(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    outcome: &str,
) -> (u16, Value) {
    post_json(
        http,
        &format!("{base}/sandbox/txn/{token}/outcome"),
        &json!({ "outcome": outcome }),
    )
    .await
}

/// The buyer picks ISP on the PG page and the ISP app reports `answer`: [`outcome`]'s.
pub(crate) async fn settle(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    answer: &str,
) -> (u16, Value) {
    choose(http, base, token, "isp").await;
    outcome(http, base, token, answer).await
}

/// The buyer pays into the virtual account of `imp_uid` at the sandbox's bank (the
/// page's form): the status, the page and the `Location` header.
pub(crate) async fn deposit(
    http: &reqwest::Client,
    base: &str,
    imp_uid: &str,
) -> (u16, String, Option<String>) {
    send_page(http.post(format!("{base}/sandbox/bank/{imp_uid}/deposit"))).await
}

/// The `href` of the link `id` in `html` (HTML-unescaped), if there is one.
pub(crate) fn link(html: &str, id: &str) -> Option<String> {
    let tag = html.split(&format!("id=\"{id}\"")).nth(1)?;
    let href = tag.split("href=\"").nth(1)?.split('"').next()?;
    Some(
        href.replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&"),
    )
}

/// `IMP.certification` on `channel` (`mobile`: a redirect, `pc`): iamport's answer,
/// an identity page (`pg_url`) or a refusal (`error_msg`).
pub(crate) async fn certify(
    http: &reqwest::Client,
    base: &str,
    channel: &str,
    params: Value,
) -> Value {
    post_json(
        http,
        &format!("{base}/checkout/certification"),
        &json!({ "imp_code": "imp_sandbox", "channel": channel,
                 "origin": format!("{base}/shop"), "params": params }),
    )
    .await
    .1
}

/// `PortOne.requestIdentityVerification` as `portone-v2.js` posts it (a redirect when
/// `redirect`): the status and the answer.
pub(crate) async fn request_identity_verification(
    http: &reqwest::Client,
    base: &str,
    redirect: bool,
    request: Value,
) -> (u16, Value) {
    post_json(
        http,
        &format!("{base}/v2/checkout"),
        &json!({ "kind": "identityVerification", "device": if redirect { "mobile" } else { "pc" },
                 "redirect": redirect, "request": request }),
    )
    .await
}

/// The one-time token of an opened V2 checkout (its `pgUrl`).
pub(crate) fn v2_token_of(answer: &Value) -> String {
    answer["pgUrl"]
        .as_str()
        .unwrap_or_else(|| panic!("{answer}"))
        .trim_start_matches("/pg/")
        .to_owned()
}

/// An API access token from `/users/getToken` with the sandbox's keys.
pub(crate) async fn api_token(http: &reqwest::Client, base: &str) -> String {
    let (status, body) = post_json(
        http,
        &format!("{base}/users/getToken"),
        &json!({"imp_key": SANDBOX_IMP_KEY, "imp_secret": SANDBOX_IMP_SECRET}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body["response"]["access_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The V1 API's envelope around every answer.
#[derive(Debug, Deserialize)]
pub(crate) struct Envelope<T = Value> {
    pub(crate) code: i64,
    pub(crate) message: Option<String>,
    pub(crate) response: Option<T>,
}

/// The bodies a recording endpoint received, in order.
pub(crate) type Received<T> = Arc<Mutex<Vec<T>>>;

/// A merchant's webhook endpoint (`POST /hook`) on `listener` that records every body.
pub(crate) fn hook_on<T: DeserializeOwned + Send + 'static>(listener: TcpListener) -> Received<T> {
    let received: Received<T> = Arc::default();
    let sink = Arc::clone(&received);
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |axum::Json(body): axum::Json<T>| {
            let sink = Arc::clone(&sink);
            async move {
                sink.lock().unwrap().push(body);
                "ok"
            }
        }),
    );
    serve_on(listener, app);
    received
}

/// [`hook_on`] a free loopback port: its URL (`http://127.0.0.1:PORT/hook`) and bodies.
pub(crate) async fn hook<T: DeserializeOwned + Send + 'static>() -> (String, Received<T>) {
    let (listener, addr) = listen().await;
    (format!("http://{addr}/hook"), hook_on(listener))
}

/// A body as a merchant's endpoint received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawBody {
    /// Its `Content-Type`.
    pub(crate) content_type: Option<String>,
    /// Its text.
    pub(crate) text: String,
}

/// A merchant's webhook endpoint (`POST /hook`) on `listener` that records every body
/// as it came, with its content type.
pub(crate) fn raw_hook_on(listener: TcpListener) -> Received<RawBody> {
    let received: Received<RawBody> = Arc::default();
    let sink = Arc::clone(&received);
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: axum::http::HeaderMap, text: String| {
            let sink = Arc::clone(&sink);
            async move {
                let content_type = headers
                    .get(axum::http::header::CONTENT_TYPE)
                    .map(|v| v.to_str().unwrap().to_owned());
                sink.lock().unwrap().push(RawBody { content_type, text });
                "ok"
            }
        }),
    );
    serve_on(listener, app);
    received
}

/// [`raw_hook_on`] a free loopback port: its URL and bodies.
pub(crate) async fn raw_hook() -> (String, Received<RawBody>) {
    let (listener, addr) = listen().await;
    (format!("http://{addr}/hook"), raw_hook_on(listener))
}

/// A proxy that answers nothing and counts who tried it: its URL and the count.
pub(crate) async fn counting_proxy() -> (String, Arc<AtomicUsize>) {
    let (listener, addr) = listen().await;
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&seen);
    tokio::spawn(async move {
        // Counted, then closed unanswered.
        while let Ok((socket, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            drop(socket);
        }
    });
    (format!("http://{addr}"), seen)
}

/// The proxy variables a test points at a proxy: plain HTTP's and the catch-all's.
pub(crate) const PROXY_VARIABLES: [&str; 4] =
    ["http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"];

/// This package's `payhost-sandbox` binary.
pub(crate) fn sandbox_bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_payhost-sandbox"))
}

/// `payhost-sandbox serve --port PORT --db DB`, every [`PROXY_VARIABLES`] on `proxy`.
pub(crate) fn serve_behind(proxy: &str, port: &str, db: &Path) -> Command {
    let mut command = sandbox_bin();
    command
        .args(["serve", "--port", port, "--db"])
        .arg(db)
        .env_remove("NO_PROXY")
        .env_remove("no_proxy");
    for key in PROXY_VARIABLES {
        command.env(key, proxy);
    }
    command
}

/// Failure seeds in `<file stem>.proptest-regressions` beside the test's source file.
pub(crate) fn regressions_beside_source() -> Option<Box<dyn FailurePersistence>> {
    // proptest's default (`SourceParallel`) climbs to the nearest `main.rs` and would
    // read `tests/proptest-regressions/<file>.txt`, next to `it/`, instead.
    Some(Box::new(FileFailurePersistence::WithSource(
        "proptest-regressions",
    )))
}
