//! Webhooks over real HTTP on loopback, with the whole sandbox on SQLite files and a
//! merchant endpoint that records what arrives: only loopback unless allowed, the
//! resend route behind the API token, the cancellation webhook (only when the API
//! cancel asks for it), the deposit into a virtual account at the sandbox's bank,
//! bodies as JSON or as a form (each row in its own format, across a restart),
//! delivery after a restart, and no proxy between the sandbox and the merchant.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use payhost_sandbox::store::{CheckoutUrls, NewPayment, Store, Webhook, WebhookState};
use payhost_sandbox::{Backoff, SandboxConfig, WebhookFormat};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::support::{
    self, client, config, hook, hook_on, raw_hook, raw_hook_on, Envelope, RawBody,
};

/// What iamport POSTs to `notice_url`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
struct Notice {
    imp_uid: String,
    merchant_uid: String,
    status: String,
}

type Received = support::Received<Notice>;

async fn wait_for(received: &Received, count: usize, within: Duration) -> Vec<Notice> {
    wait_for_bodies(received, count, within).await
}

/// What `received` holds once it has `count` bodies, or after `within`.
async fn wait_for_bodies<T: Clone>(
    received: &support::Received<T>,
    count: usize,
    within: Duration,
) -> Vec<T> {
    let deadline = Instant::now() + within;
    loop {
        let now = received.lock().unwrap().clone();
        if now.len() >= count || Instant::now() > deadline {
            return now;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Retries in tens of milliseconds.
fn fast(dir: &Path, max_attempts: u32) -> SandboxConfig {
    SandboxConfig {
        webhook_retry: Backoff {
            first: Duration::from_millis(50),
            cap: Duration::from_millis(200),
            max_attempts,
        },
        ..config(dir)
    }
}

/// The outbox rows of `imp_uid`, read from the database file as a restart would.
fn outbox(dir: &Path, imp_uid: &str) -> Vec<Webhook> {
    Store::open(&dir.join("sandbox.sqlite3"))
        .unwrap()
        .webhooks_of(imp_uid)
        .unwrap()
}

async fn wait_outbox(dir: &Path, imp_uid: &str, done: impl Fn(&[Webhook]) -> bool) -> Vec<Webhook> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let rows = outbox(dir, imp_uid);
        if done(&rows) || Instant::now() > deadline {
            return rows;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

struct Sandbox {
    base: String,
    http: reqwest::Client,
}

impl Sandbox {
    async fn new(config: &SandboxConfig) -> Self {
        Self {
            base: support::start(config).await,
            http: client(),
        }
    }

    /// A mobile card checkout of `merchant_uid` whose webhook goes to `notice_url`.
    async fn open(&self, merchant_uid: &str, notice_url: &str) -> (String, String) {
        self.open_with(merchant_uid, notice_url, "card").await
    }

    /// A mobile checkout of `merchant_uid` by `pay_method`: its token and `imp_uid`.
    async fn open_with(
        &self,
        merchant_uid: &str,
        notice_url: &str,
        pay_method: &str,
    ) -> (String, String) {
        let params = json!({
            "pg": "nice", "pay_method": pay_method, "merchant_uid": merchant_uid, "name": "웹훅 주문",
            "amount": 1000, "m_redirect_url": format!("{}/shop/payments/complete", self.base),
            "notice_url": notice_url, "app_scheme": "myapp"
        });
        let opened = support::request_pay(&self.http, &self.base, "mobile", params).await;
        let token = support::token_of(&opened);
        (token, opened["imp_uid"].as_str().unwrap().to_owned())
    }

    /// The buyer picks ISP and the app approves.
    async fn approve(&self, token: &str) {
        let (_, settled) = support::settle(&self.http, &self.base, token, "approve").await;
        assert_eq!(settled["status"], "paid");
    }

    async fn paid(&self, merchant_uid: &str, notice_url: &str) -> String {
        let (token, imp_uid) = self.open(merchant_uid, notice_url).await;
        self.approve(&token).await;
        imp_uid
    }

    /// A virtual account issued for `merchant_uid` (1,000원): its `imp_uid`.
    async fn vbank(&self, merchant_uid: &str, notice_url: &str) -> String {
        let (token, imp_uid) = self.open_with(merchant_uid, notice_url, "vbank").await;
        support::choose(&self.http, &self.base, &token, "vbank").await;
        imp_uid
    }

    async fn token(&self) -> String {
        support::api_token(&self.http, &self.base).await
    }

    /// `POST /payments/cancel` with `body` (JSON): the envelope.
    async fn cancel(&self, body: Value) -> Envelope<Value> {
        let token = self.token().await;
        self.http
            .post(format!("{}/payments/cancel", self.base))
            .header("Authorization", format!("Bearer {token}"))
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// The sandbox bank's page of `imp_uid`: its status and HTML.
    async fn bank_page(&self, imp_uid: &str) -> (u16, String) {
        let (status, html, _) = support::send_page(
            self.http
                .get(format!("{}/sandbox/bank/{imp_uid}", self.base)),
        )
        .await;
        (status, html)
    }
}

fn notice(imp_uid: &str, merchant_uid: &str, status: &str) -> Notice {
    Notice {
        imp_uid: imp_uid.to_owned(),
        merchant_uid: merchant_uid.to_owned(),
        status: status.to_owned(),
    }
}

// `0.0.0.0` is no loopback address by its name, yet Linux connects it to this host:
// a listener on all interfaces sees whether the sandbox connects off loopback.
async fn remote_hook() -> (String, Received) {
    let listener = tokio::net::TcpListener::bind("0.0.0.0:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    (format!("http://0.0.0.0:{port}/hook"), hook_on(listener))
}

#[tokio::test]
async fn a_notice_url_off_loopback_is_refused_and_never_contacted() {
    let dir = tempfile::tempdir().unwrap();
    let s = Sandbox::new(&config(dir.path())).await;
    let (remote, remote_received) = remote_hook().await;
    let (local, local_received) = hook().await;
    let remote_uid = s.paid("order_remote", &remote).await;
    let local_uid = s.paid("order_local", &local).await;
    let local_notices = wait_for(&local_received, 1, Duration::from_secs(5)).await;
    assert_eq!(local_notices.len(), 1, "the loopback webhook is sent");
    assert_eq!(local_notices[0].imp_uid, local_uid);
    // Refused, logged and recorded: the outbox says why, and nothing was attempted.
    let rows = wait_outbox(dir.path(), &remote_uid, |rows| {
        rows.iter().all(|r| r.state != WebhookState::Pending)
    })
    .await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(
        (rows[0].state, rows[0].attempts),
        (WebhookState::Refused, 0)
    );
    assert!(
        rows[0]
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("loopback") && e.contains("--allow-remote-webhooks")),
        "{rows:?}"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        remote_received.lock().unwrap().clone(),
        Vec::<Notice>::new(),
        "nothing is sent off loopback"
    );
}

#[tokio::test]
async fn the_allow_option_sends_webhooks_off_loopback() {
    let dir = tempfile::tempdir().unwrap();
    let s = Sandbox::new(&SandboxConfig {
        allow_remote_webhooks: true,
        ..config(dir.path())
    })
    .await;
    let (remote, received) = remote_hook().await;
    let imp_uid = s.paid("order_allowed", &remote).await;
    let notices = wait_for(&received, 1, Duration::from_secs(5)).await;
    assert_eq!(
        notices.first().map(|n| n.imp_uid.as_str()),
        Some(imp_uid.as_str())
    );
}

#[tokio::test]
async fn resending_a_webhook_needs_the_api_token() {
    let dir = tempfile::tempdir().unwrap();
    let s = Sandbox::new(&config(dir.path())).await;
    let (url, received) = hook().await;
    let imp_uid = s.paid("order_resend", &url).await;
    assert_eq!(
        wait_for(&received, 1, Duration::from_secs(5)).await.len(),
        1
    );
    let resend = format!("{}/sandbox/payments/{imp_uid}/webhook", s.base);
    let response = s.http.post(&resend).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 401);
    let refused: Envelope<Value> = response.json().await.unwrap();
    assert_eq!((refused.code, refused.response), (-1, None));
    assert!(refused.message.is_some());
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(received.lock().unwrap().len(), 1, "nothing was resent");
    let token = s.token().await;
    let response = s
        .http
        .post(&resend)
        .header("Authorization", format!("Bearer {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let resent: Envelope<Resent> = response.json().await.unwrap();
    assert_eq!(
        (resent.code, resent.response.map(|r| r.merchant_status)),
        (0, Some(200))
    );
    assert_eq!(
        wait_for(&received, 2, Duration::from_secs(5)).await.len(),
        2
    );
}

#[derive(Debug, Deserialize)]
struct Resent {
    merchant_status: u16,
}

#[tokio::test]
async fn an_api_cancel_sends_the_cancelled_webhook_to_notice_url() {
    let dir = tempfile::tempdir().unwrap();
    let s = Sandbox::new(&config(dir.path())).await;
    let (url, received) = hook().await;
    let imp_uid = s.paid("order_cancel_hook", &url).await;
    assert_eq!(
        wait_for(&received, 1, Duration::from_secs(5)).await.len(),
        1
    );
    let cancelled = s
        .cancel(json!({ "imp_uid": imp_uid, "reason": "고객 요청", "enable_webhook": true }))
        .await;
    assert_eq!(cancelled.code, 0, "{:?}", cancelled.message);
    let notices = wait_for(&received, 2, Duration::from_secs(5)).await;
    assert_eq!(
        notices.get(1),
        Some(&Notice {
            imp_uid,
            merchant_uid: "order_cancel_hook".to_owned(),
            status: "cancelled".to_owned(),
        }),
        "{notices:?}"
    );
}

#[tokio::test]
async fn an_api_cancel_queues_no_webhook_unless_enable_webhook_is_true() {
    let dir = tempfile::tempdir().unwrap();
    let s = Sandbox::new(&config(dir.path())).await;
    let (url, received) = hook().await;
    let quiet = s.paid("order_quiet", &url).await;
    let partial = s.paid("order_quiet_partial", &url).await;
    let asked = s.paid("order_asked", &url).await;
    assert_eq!(
        wait_for(&received, 3, Duration::from_secs(5)).await.len(),
        3
    );
    // Left out, or false: the cancel happens, no webhook is queued.
    let cancelled = s.cancel(json!({ "imp_uid": quiet })).await;
    assert_eq!(cancelled.response.unwrap()["status"], "cancelled");
    let cancelled = s
        .cancel(json!({ "imp_uid": partial, "amount": 400, "enable_webhook": false }))
        .await;
    assert_eq!(cancelled.response.unwrap()["cancel_amount"], 400);
    // Asked for, in a form body: queued and sent.
    let token = s.token().await;
    let response = s
        .http
        .post(format!("{}/payments/cancel", s.base))
        .header("Authorization", token)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(format!("imp_uid={asked}&enable_webhook=true"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let notices = wait_for(&received, 4, Duration::from_secs(5)).await;
    assert_eq!(
        notices.get(3),
        Some(&notice(&asked, "order_asked", "cancelled")),
        "{notices:?}"
    );
    for imp_uid in [&quiet, &partial] {
        let rows = outbox(dir.path(), imp_uid);
        assert_eq!(
            rows.iter().map(|r| r.status.as_str()).collect::<Vec<_>>(),
            ["paid"],
            "{imp_uid}: only the approval's webhook"
        );
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(received.lock().unwrap().len(), 4, "nothing else was sent");
}

#[tokio::test]
async fn a_deposit_at_the_bank_pays_the_virtual_account_once_with_its_webhook() {
    let dir = tempfile::tempdir().unwrap();
    let s = Sandbox::new(&config(dir.path())).await;
    let (url, received) = hook().await;
    let imp_uid = s.vbank("order_deposit", &url).await;
    assert_eq!(
        wait_for(&received, 1, Duration::from_secs(5)).await,
        [notice(&imp_uid, "order_deposit", "ready")]
    );
    let store = Store::open(&dir.path().join("sandbox.sqlite3")).unwrap();
    let account = store.get(&imp_uid).unwrap().vbank_num.unwrap();
    // The bank shows the account and the amount, Korean first, and a deposit button.
    let (status, html) = s.bank_page(&imp_uid).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("샌드박스 은행 / Sandbox bank"), "{html}");
    assert!(
        html.contains(&account) && html.contains("1,000원"),
        "{html}"
    );
    assert!(html.contains("id=\"deposit\""), "{html}");
    assert_eq!(
        support::link(&html, "back-to-merchant"),
        None,
        "not paid yet"
    );
    // The buyer deposits, with no API token: paid, and the `paid` webhook.
    let (status, _, location) = support::deposit(&s.http, &s.base, &imp_uid).await;
    assert_eq!(status, 303);
    assert_eq!(location, Some(format!("/sandbox/bank/{imp_uid}")));
    assert_eq!(
        wait_for(&received, 2, Duration::from_secs(5)).await,
        [
            notice(&imp_uid, "order_deposit", "ready"),
            notice(&imp_uid, "order_deposit", "paid")
        ]
    );
    let paid = store.get(&imp_uid).unwrap();
    assert_eq!(paid.status, "paid");
    assert!(
        paid.paid_at >= paid.started_at && paid.paid_at > 0,
        "{paid:?}"
    );
    let rows = outbox(dir.path(), &imp_uid);
    assert_eq!(
        rows.iter().map(|r| r.status.as_str()).collect::<Vec<_>>(),
        ["ready", "paid"]
    );
    // Its page now links back to the merchant's return page for this payment.
    let (_, html) = s.bank_page(&imp_uid).await;
    assert!(html.contains("data-status=\"paid\""), "{html}");
    assert!(!html.contains("id=\"deposit\""), "{html}");
    assert_eq!(
        support::link(&html, "back-to-merchant"),
        Some(format!(
            "{}/shop/payments/complete?imp_uid={imp_uid}&merchant_uid=order_deposit",
            s.base
        ))
    );
    // Once: a second deposit is refused and sends nothing.
    let (status, html, _) = support::deposit(&s.http, &s.base, &imp_uid).await;
    assert_eq!(status, 409, "{html}");
    assert!(html.contains("이미 입금된"), "{html}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(received.lock().unwrap().len(), 2);
    assert_eq!(outbox(dir.path(), &imp_uid).len(), 2);
    // Only virtual accounts: a card payment is refused, an unknown one is not found.
    let card = s.paid("order_deposit_card", &url).await;
    let (status, html, _) = support::deposit(&s.http, &s.base, &card).await;
    assert_eq!(status, 400, "{html}");
    assert_eq!(s.bank_page(&card).await.0, 400);
    assert_eq!(store.get(&card).unwrap().status, "paid");
    assert_eq!(
        support::deposit(&s.http, &s.base, "imp_nosuch").await.0,
        404
    );
    assert_eq!(s.bank_page("imp_nosuch").await.0, 404);
}

#[tokio::test]
async fn a_revoked_virtual_account_takes_no_deposit() {
    let dir = tempfile::tempdir().unwrap();
    let s = Sandbox::new(&config(dir.path())).await;
    let (url, received) = hook().await;
    let imp_uid = s.vbank("order_revoked", &url).await;
    assert_eq!(
        wait_for(&received, 1, Duration::from_secs(5)).await.len(),
        1
    );
    let token = s.token().await;
    let revoked: Envelope<Value> = s
        .http
        .delete(format!("{}/vbanks/{imp_uid}", s.base))
        .header("Authorization", token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(revoked.code, 0, "{:?}", revoked.message);
    let (status, html, _) = support::deposit(&s.http, &s.base, &imp_uid).await;
    assert_eq!(status, 409, "{html}");
    assert!(html.contains("말소된"), "{html}");
    let (_, html) = s.bank_page(&imp_uid).await;
    assert!(html.contains("data-status=\"revoked\""), "{html}");
    assert!(!html.contains("id=\"deposit\""), "{html}");
    let store = Store::open(&dir.path().join("sandbox.sqlite3")).unwrap();
    let payment = store.get(&imp_uid).unwrap();
    assert_eq!((payment.status.as_str(), payment.paid_at), ("cancelled", 0));
    // Neither the revocation nor the refused deposit notifies the merchant.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(received.lock().unwrap().len(), 1);
    assert_eq!(outbox(dir.path(), &imp_uid).len(), 1);
}

#[tokio::test]
async fn form_webhooks_are_form_encoded_and_kept_as_sent() {
    let dir = tempfile::tempdir().unwrap();
    let s = Sandbox::new(&SandboxConfig {
        webhook_format: WebhookFormat::V1Form,
        ..config(dir.path())
    })
    .await;
    let (url, received) = raw_hook().await;
    let imp_uid = s.paid("order form&1", &url).await;
    let bodies = wait_for_bodies(&received, 1, Duration::from_secs(5)).await;
    assert_eq!(
        bodies,
        [RawBody {
            content_type: Some("application/x-www-form-urlencoded".to_owned()),
            text: format!("imp_uid={imp_uid}&merchant_uid=order+form%261&status=paid"),
        }]
    );
    let rows = outbox(dir.path(), &imp_uid);
    assert_eq!(
        (rows[0].format, rows[0].body.as_str()),
        (WebhookFormat::V1Form, bodies[0].text.as_str())
    );
}

#[tokio::test]
async fn a_queued_webhook_keeps_its_format_across_a_restart_in_another() {
    let dir = tempfile::tempdir().unwrap();
    // The merchant is down at approval: its port is known, nothing listens.
    let reserved = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let merchant: SocketAddr = reserved.local_addr().unwrap();
    drop(reserved);
    let url = format!("http://{merchant}/hook");
    let first = killable(&SandboxConfig {
        webhook_format: WebhookFormat::V1Form,
        ..fast(dir.path(), 100)
    })
    .await;
    let imp_uid = first.sandbox.paid("order_form_restart", &url).await;
    wait_outbox(dir.path(), &imp_uid, |rows| {
        rows.iter().any(|r| r.attempts >= 1)
    })
    .await;
    first.sender.abort();
    first.serve.abort();
    let _ = first.sender.await;
    // The merchant comes up and the sandbox restarts writing JSON: the row queued
    // as a form is sent as a form, the new one as JSON.
    let received = raw_hook_on(tokio::net::TcpListener::bind(merchant).await.unwrap());
    let second = killable(&fast(dir.path(), 100)).await;
    let bodies = wait_for_bodies(&received, 1, Duration::from_secs(10)).await;
    assert_eq!(
        bodies,
        [RawBody {
            content_type: Some("application/x-www-form-urlencoded".to_owned()),
            text: format!("imp_uid={imp_uid}&merchant_uid=order_form_restart&status=paid"),
        }]
    );
    let json_uid = second.sandbox.paid("order_json_restart", &url).await;
    let bodies = wait_for_bodies(&received, 2, Duration::from_secs(10)).await;
    let latest = &bodies[1];
    assert_eq!(latest.content_type.as_deref(), Some("application/json"));
    let sent: Notice = serde_json::from_str(&latest.text).unwrap();
    assert_eq!(sent, notice(&json_uid, "order_json_restart", "paid"));
}

/// A sandbox whose server and webhook sender are tasks the test can kill.
struct Killable {
    sandbox: Sandbox,
    serve: tokio::task::JoinHandle<Result<(), payhost_sandbox::SandboxError>>,
    sender: tokio::task::JoinHandle<()>,
}

async fn killable(config: &SandboxConfig) -> Killable {
    let (listener, addr) = support::listen().await;
    let server = payhost_sandbox::build(addr, config).unwrap();
    Killable {
        sandbox: Sandbox {
            base: format!("http://{addr}"),
            http: client(),
        },
        sender: tokio::spawn(server.webhooks.run()),
        serve: tokio::spawn(payhost_sandbox::serve_app(listener, server.router)),
    }
}

#[tokio::test]
async fn a_webhook_pending_at_a_kill_is_delivered_after_the_restart() {
    let dir = tempfile::tempdir().unwrap();
    // The merchant is down at approval: its port is known, nothing listens.
    let reserved = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let merchant: SocketAddr = reserved.local_addr().unwrap();
    drop(reserved);
    let first = killable(&fast(dir.path(), 100)).await;
    let imp_uid = first
        .sandbox
        .paid("order_restart_hook", &format!("http://{merchant}/hook"))
        .await;
    let rows = wait_outbox(dir.path(), &imp_uid, |rows| {
        rows.iter().any(|r| r.attempts >= 1)
    })
    .await;
    assert_eq!(
        rows.first().map(|r| r.state),
        Some(WebhookState::Pending),
        "{rows:?}"
    );
    // Killed between approval and delivery.
    first.sender.abort();
    first.serve.abort();
    let _ = first.sender.await;
    // The merchant comes up: nothing arrives while no sandbox runs.
    let received = hook_on(tokio::net::TcpListener::bind(merchant).await.unwrap());
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        received.lock().unwrap().len(),
        0,
        "the first sandbox is gone"
    );
    // A new sandbox on the same database sends what was pending.
    let _second = killable(&fast(dir.path(), 100)).await;
    let notices = wait_for(&received, 1, Duration::from_secs(10)).await;
    assert_eq!(
        notices,
        [Notice {
            imp_uid: imp_uid.clone(),
            merchant_uid: "order_restart_hook".to_owned(),
            status: "paid".to_owned(),
        }]
    );
    let rows = wait_outbox(dir.path(), &imp_uid, |rows| {
        rows.iter().all(|r| r.state == WebhookState::Delivered)
    })
    .await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].state, WebhookState::Delivered);
    assert!(rows[0].attempts >= 2, "{rows:?}");
}

/// A merchant endpoint that answers 500 `failures` times, then 200.
fn flaky_hook(listener: tokio::net::TcpListener, failures: usize) -> Arc<Mutex<Vec<Instant>>> {
    let calls: Arc<Mutex<Vec<Instant>>> = Arc::default();
    let seen = Arc::clone(&calls);
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move || {
            let seen = Arc::clone(&seen);
            async move {
                let mut seen = seen.lock().unwrap();
                seen.push(Instant::now());
                if seen.len() > failures {
                    axum::http::StatusCode::OK
                } else {
                    axum::http::StatusCode::INTERNAL_SERVER_ERROR
                }
            }
        }),
    );
    support::serve_on(listener, app);
    calls
}

#[tokio::test]
async fn failed_webhooks_are_retried_with_backoff_and_then_given_up() {
    let dir = tempfile::tempdir().unwrap();
    let s = Sandbox::new(&fast(dir.path(), 4)).await;
    // Taken at the third attempt.
    let (listener, addr) = support::listen().await;
    let url = format!("http://{addr}/hook");
    let calls = flaky_hook(listener, 2);
    let imp_uid = s.paid("order_flaky", &url).await;
    let rows = wait_outbox(dir.path(), &imp_uid, |rows| {
        rows.iter().all(|r| r.state == WebhookState::Delivered)
    })
    .await;
    assert_eq!(
        (rows[0].state, rows[0].attempts, rows[0].merchant_status),
        (WebhookState::Delivered, 3, Some(200)),
        "{rows:?}"
    );
    let calls = calls.lock().unwrap().clone();
    assert_eq!(calls.len(), 3);
    // 50 ms, then 100 ms (doubling).
    assert!(
        calls[1] - calls[0] >= Duration::from_millis(50),
        "{calls:?}"
    );
    assert!(
        calls[2] - calls[1] >= Duration::from_millis(100),
        "{calls:?}"
    );
    // Never taken: four attempts, then abandoned.
    let (listener, addr) = support::listen().await;
    let url = format!("http://{addr}/hook");
    let calls = flaky_hook(listener, usize::MAX);
    let imp_uid = s.paid("order_down", &url).await;
    let rows = wait_outbox(dir.path(), &imp_uid, |rows| {
        rows.iter().all(|r| r.state == WebhookState::Abandoned)
    })
    .await;
    assert_eq!(
        (rows[0].state, rows[0].attempts, rows[0].merchant_status),
        (WebhookState::Abandoned, 4, Some(500)),
        "{rows:?}"
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(calls.lock().unwrap().len(), 4, "bounded");
}

/// Counts the connections a fake HTTP proxy accepts (and answers 502).
fn fake_proxy() -> (String, Arc<Mutex<usize>>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let count: Arc<Mutex<usize>> = Arc::default();
    let seen = Arc::clone(&count);
    std::thread::spawn(move || {
        for mut socket in listener.incoming().flatten() {
            *seen.lock().unwrap() += 1;
            use std::io::Write;
            let _ = socket.write_all(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n");
        }
    });
    (url, count)
}

/// `payhost-sandbox serve` as `command(port)` builds it, on a free port: the process
/// and the sandbox once it listens.
async fn spawned(
    command: impl FnOnce(&str) -> std::process::Command,
) -> (std::process::Child, Sandbox) {
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    let child = command(&port.to_string())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let s = Sandbox {
        base: format!("http://127.0.0.1:{port}"),
        http: client(),
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while s
        .http
        .get(format!("{}/iamport.js", s.base))
        .send()
        .await
        .is_err()
    {
        assert!(
            Instant::now() < deadline,
            "payhost-sandbox serve did not listen"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    (child, s)
}

#[tokio::test]
async fn serve_sends_forms_with_webhook_format_form() {
    let dir = tempfile::tempdir().unwrap();
    let (url, received) = raw_hook().await;
    let (mut child, s) = spawned(|port| {
        let mut command = support::sandbox_bin();
        command
            .args(["serve", "--webhook-format", "form", "--port", port, "--db"])
            .arg(dir.path().join("sandbox.sqlite3"));
        command
    })
    .await;
    let imp_uid = s.paid("order_serve_form", &url).await;
    let bodies = wait_for_bodies(&received, 1, Duration::from_secs(5)).await;
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(
        bodies,
        [RawBody {
            content_type: Some("application/x-www-form-urlencoded".to_owned()),
            text: format!("imp_uid={imp_uid}&merchant_uid=order_serve_form&status=paid"),
        }]
    );
    // Any other value is a usage error.
    let refused = support::sandbox_bin()
        .args(["serve", "--webhook-format", "xml"])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("json") && stderr.contains("form"),
        "{stderr}"
    );
}

#[tokio::test]
async fn webhooks_go_straight_to_the_merchant_whatever_the_proxy_variables_say() {
    let dir = tempfile::tempdir().unwrap();
    let (proxy, proxied) = fake_proxy();
    let (url, received) = hook().await;
    let (mut child, s) =
        spawned(|port| support::serve_behind(&proxy, port, &dir.path().join("sandbox.sqlite3")))
            .await;
    let imp_uid = s.paid("order_proxy", &url).await;
    let notices = wait_for(&received, 1, Duration::from_secs(5)).await;
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(
        notices.first().map(|n| n.imp_uid.as_str()),
        Some(imp_uid.as_str())
    );
    assert_eq!(
        *proxied.lock().unwrap(),
        0,
        "nothing went through the proxy"
    );
}

#[tokio::test]
async fn localhost_reaches_the_loopback_addresses_whatever_the_resolver_says() {
    // A merchant on `[::1]` only. The system resolver answers `localhost` from
    // /etc/hosts, NSS or DNS, and may well leave `::1` out (many containers list
    // only `127.0.0.1 localhost`): the sandbox connects to the loopback addresses
    // themselves (RFC 6761 §6.3), never to what a resolver says.
    let Ok(listener) = tokio::net::TcpListener::bind("[::1]:0").await else {
        eprintln!("no IPv6 loopback here: nothing to check");
        return;
    };
    let port = listener.local_addr().unwrap().port();
    let received = hook_on(listener);
    let dir = tempfile::tempdir().unwrap();
    let s = Sandbox::new(&fast(dir.path(), 3)).await;
    let imp_uid = s
        .paid("order_localhost", &format!("http://localhost:{port}/hook"))
        .await;
    let notices = wait_for(&received, 1, Duration::from_secs(3)).await;
    assert_eq!(
        notices.first().map(|n| n.imp_uid.as_str()),
        Some(imp_uid.as_str()),
        "{:?}",
        outbox(dir.path(), &imp_uid)
    );
}

#[test]
fn two_senders_on_one_database_both_claim_without_a_busy_error() {
    // Two sandboxes on one file (a restart while the old process still runs): each
    // claim reads the due rows and then writes their lease, so it must take the
    // write lock first; a deferred transaction that read before the other's commit
    // cannot write at all in WAL mode (SQLITE_BUSY_SNAPSHOT, no busy wait:
    // https://www.sqlite.org/rescode.html#busy_snapshot).
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sandbox.sqlite3");
    let mut store = Store::open(&db).unwrap();
    let urls = CheckoutUrls {
        channel: "mobile",
        notice_url: Some("http://127.0.0.1:9/hook"),
        ..CheckoutUrls::default()
    };
    for i in 0..8 {
        let new = NewPayment {
            merchant_uid: format!("order_claim_{i}"),
            pay_method: "card".to_owned(),
            pg_provider: "nice".to_owned(),
            name: "claim".to_owned(),
            amount: 1000,
            channel: "mobile".to_owned(),
            ..NewPayment::default()
        };
        let (payment, _) = store.checkout(&new, &urls, 1).unwrap();
        store.queue_webhook(&payment.imp_uid, 0, 1).unwrap();
    }
    let senders: Vec<_> = (0..2)
        .map(|_| {
            let db = db.clone();
            std::thread::spawn(move || {
                let mut store = Store::open(&db).unwrap();
                (0..300)
                    .map(|n| store.claim_due_webhooks(n, 0, 4).map(|_| ()))
                    .filter_map(Result::err)
                    .map(|err| err.to_string())
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    for sender in senders {
        let failed = sender.join().unwrap();
        assert!(
            failed.is_empty(),
            "{} of 300 claims failed, the first with {:?}",
            failed.len(),
            failed.first()
        );
    }
}

/// A V2 checkout approved in the ISP app (or `outcome`), its webhooks to `notice_url`.
async fn v2_payment(base: &str, payment_id: &str, notice_url: &str, outcome: &str) {
    let http = client();
    let (status, opened) = support::post_json(
        &http,
        &format!("{base}/v2/checkout"),
        &json!({"kind": "payment", "device": "mobile", "redirect": true, "request": {
            "storeId": "store-sandbox-0000", "channelKey": "channel-key-sandbox-nice",
            "paymentId": payment_id, "orderName": "V2", "totalAmount": 10_000, "currency": "KRW",
            "payMethod": "CARD", "redirectUrl": "https://shop.example/done",
            "noticeUrls": [notice_url]}}),
    )
    .await;
    assert_eq!(status, 200, "{opened}");
    let token = opened["pgUrl"].as_str().unwrap().trim_start_matches("/pg/");
    support::settle(&http, base, token, outcome).await;
}

/// A V2 webhook as an endpoint received it: its headers and body.
#[derive(Debug, Clone)]
struct Signed {
    headers: axum::http::HeaderMap,
    text: String,
}

/// A merchant's endpoint (`POST /hook`) that records V2 webhooks, failing the first
/// `failures` attempts: its URL and what it received.
async fn signed_hook(failures: usize) -> (String, support::Received<Signed>) {
    let received: support::Received<Signed> = Arc::default();
    let seen = Arc::clone(&received);
    let (listener, addr) = support::listen().await;
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: axum::http::HeaderMap, text: String| {
            let seen = Arc::clone(&seen);
            async move {
                let mut seen = seen.lock().unwrap();
                seen.push(Signed { headers, text });
                if seen.len() > failures {
                    axum::http::StatusCode::OK
                } else {
                    axum::http::StatusCode::INTERNAL_SERVER_ERROR
                }
            }
        }),
    );
    support::serve_on(listener, app);
    (format!("http://{addr}/hook"), received)
}

/// A V2 webhook as received: verified with the sandbox store's secret, its JSON.
fn verified_v2(body: &Signed) -> Value {
    standardwebhooks::Webhook::new(payhost_sandbox::SANDBOX_WEBHOOK_SECRET)
        .unwrap()
        .verify(body.text.as_bytes(), &body.headers)
        .unwrap_or_else(|err| panic!("{err}: {body:?}"));
    assert_eq!(body.headers["content-type"], "application/json");
    serde_json::from_str(&body.text).unwrap()
}

#[tokio::test]
async fn v2_webhooks_are_signed_and_name_the_payment_and_what_happened() {
    let dir = tempfile::tempdir().unwrap();
    let base = support::start(&config(dir.path())).await;
    let (url, received) = signed_hook(0).await;
    v2_payment(&base, "pay_hooked", &url, "approve").await;
    let paid = wait_for_bodies(&received, 1, Duration::from_secs(5)).await;
    let paid = verified_v2(&paid[0]);
    assert_eq!(paid["type"], "Transaction.Paid", "{paid}");
    assert_eq!(paid["data"]["paymentId"], "pay_hooked");
    assert_eq!(paid["data"]["storeId"], "store-sandbox-0000");
    assert!(paid["data"]["transactionId"].is_string() && paid["timestamp"].is_string());
    // A partial cancellation, then the rest, each with its cancellation; and one with
    // skipWebhook sends nothing.
    let http = client();
    let cancel = |body: Value| {
        let http = http.clone();
        let base = base.clone();
        async move {
            support::send_json(
                http.post(format!("{base}/v2/payments/pay_hooked/cancel"))
                    .header("Authorization", "PortOne sandbox_api_secret")
                    .json(&body),
            )
            .await
        }
    };
    assert_eq!(
        cancel(json!({"reason": "quiet", "amount": 1_000, "skipWebhook": true}))
            .await
            .0,
        200
    );
    assert_eq!(
        cancel(json!({"reason": "part", "amount": 2_000})).await.0,
        200
    );
    assert_eq!(cancel(json!({"reason": "rest"})).await.0, 200);
    let all = wait_for_bodies(&received, 3, Duration::from_secs(5)).await;
    let kinds: Vec<Value> = all.iter().map(verified_v2).collect();
    assert_eq!(kinds.len(), 3, "{kinds:?}");
    assert_eq!(kinds[1]["type"], "Transaction.PartialCancelled");
    assert_eq!(kinds[2]["type"], "Transaction.Cancelled");
    assert!(kinds[1]["data"]["cancellationId"].is_string());
    assert_ne!(
        kinds[1]["data"]["cancellationId"],
        kinds[2]["data"]["cancellationId"]
    );
    // V2 tells of a failure too (V1 never does).
    let (url, failures) = signed_hook(0).await;
    v2_payment(&base, "pay_declined_hooked", &url, "deny").await;
    let failed = wait_for_bodies(&failures, 1, Duration::from_secs(5)).await;
    assert_eq!(verified_v2(&failed[0])["type"], "Transaction.Failed");
}

#[tokio::test]
async fn a_retried_v2_webhook_keeps_its_id_and_body_and_is_signed_again() {
    let dir = tempfile::tempdir().unwrap();
    let base = support::start(&fast(dir.path(), 4)).await;
    // The merchant fails the first attempt.
    let (url, attempts) = signed_hook(1).await;
    v2_payment(&base, "pay_retried", &url, "approve").await;
    let both = wait_for_bodies(&attempts, 2, Duration::from_secs(5)).await;
    assert_eq!(both.len(), 2);
    assert_eq!(both[0].text, both[1].text, "the same body");
    assert_eq!(both[0].headers["webhook-id"], both[1].headers["webhook-id"]);
    for attempt in &both {
        verified_v2(attempt);
    }
}
