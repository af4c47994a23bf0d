//! Webhooks to the merchant's `notice_url`, as iamport sends them
//! (<https://docs.iamport.kr/en-US/tech/webhook>: a POST of `imp_uid`,
//! `merchant_uid` and `status`, as JSON or as a form: `format`) and, for a V2
//! payment, as PortOne V2 sends them (signed at each attempt, `v2::webhook`),
//! delivered from the outbox the store writes in the same transaction as the change
//! that causes them.
//! This module exists so that no webhook is lost at a kill and none leaves the
//! machine by accident:
//!
//! - each row is sent as it was rendered when queued (its own format and body), so
//!   a retry, a resend after a restart or a sandbox restarted with another
//!   `--webhook-format` sends the same bytes;
//! - [`WebhookSender`] runs beside the server, delivers pending rows, retries
//!   failures with a bounded backoff ([`Backoff`]) and, started on the same
//!   database after a restart, sends what the last process left pending;
//! - [`WebhookPolicy`] sends only to loopback unless the sandbox was started with
//!   `allow_remote` (`serve --allow-remote-webhooks`); a refused address is logged
//!   and recorded in the outbox, never contacted;
//! - `POST /sandbox/payments/{imp_uid}/webhook` resends now, behind the API token.

use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::post;
use axum::{Json, Router};
use serde::Serialize;

use crate::api::{authorize, ok, ApiError, ApiPath, ApiState};
use crate::apps::LOCALHOST;
use crate::store::{Delivery, Store, StoreError, Webhook};

pub(crate) mod background;
pub mod format;

use background::{spawn_thread, Waiting, Wake};
pub use format::{WebhookBody, WebhookFormat};

/// Why the outbox could not do its work: logged, and for a delivery attempt recorded
/// in the webhook's row (`last_error`).
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    /// The HTTP client could not be built (then every attempt fails with this).
    #[error("the webhook client cannot be built: {0}")]
    Client(Arc<reqwest::Error>),
    /// The merchant answered, but not with a 2xx status.
    #[error("the merchant answered {0}")]
    Answered(reqwest::StatusCode),
    /// The request failed (connection, timeout, …).
    #[error(transparent)]
    Send(#[from] reqwest::Error),
    /// A thread panicked while holding the store.
    #[error("the store lock is poisoned")]
    Poisoned,
    /// The outbox's database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// How failed webhooks are retried: `first`, then doubling up to `cap`, for at most
/// `max_attempts` attempts in all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The wait after the first failure.
    pub first: Duration,
    /// The longest wait.
    pub cap: Duration,
    /// Attempts in all, the first included.
    pub max_attempts: u32,
}

impl Default for Backoff {
    /// 1 s, 2 s, 4 s … up to a minute, six attempts: iamport sends a webhook once and,
    /// when a merchant asks for it, up to five more times
    /// (<https://faq.iamport.kr/647eae49-9ba5-4d26-bd45-35702ed92c16>); a sandbox on
    /// one machine retries sooner.
    fn default() -> Self {
        Self {
            first: Duration::from_secs(1),
            cap: Duration::from_secs(60),
            max_attempts: 6,
        }
    }
}

impl Backoff {
    /// The wait after `failed` failed attempts (1 = after the first).
    pub fn delay(&self, failed: u32) -> Duration {
        let doublings = failed.saturating_sub(1).min(31);
        self.first
            .checked_mul(1 << doublings)
            .map_or(self.cap, |delay| delay.min(self.cap))
    }
}

/// Where webhooks may go and how they are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WebhookPolicy {
    /// Send to any address, not only loopback.
    pub allow_remote: bool,
    /// Retries.
    pub retry: Backoff,
}

impl WebhookPolicy {
    /// Why `url` may not be sent to, or `None` when it may.
    pub fn refusal(&self, url: &str) -> Option<String> {
        if self.allow_remote || is_loopback_url(url) {
            return None;
        }
        Some(format!(
            "notice_url 이 이 컴퓨터(loopback)가 아닙니다: 보내지 않았습니다 / notice_url {} is not on loopback, not sent \
             (start the sandbox with --allow-remote-webhooks to allow it)",
            payhost_core::redact_url(url)
        ))
    }
}

/// True for an http(s) URL whose host is a loopback address or `localhost`.
pub fn is_loopback_url(url: &str) -> bool {
    let Ok(url) = url::Url::parse(url) else {
        return false;
    };
    if !matches!(url.scheme(), "http" | "https") {
        return false;
    }
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => {
            ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
        // RFC 6761 §6.3: `localhost` names the loopback interface.
        Some(url::Host::Domain(name)) => {
            name.eq_ignore_ascii_case("localhost")
                || name.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
        }
        None => false,
    }
}

/// How long a claimed webhook is left to its sender: longer than one attempt
/// (connect 10 s + request 30 s), so it is retried only when the sender died.
const LEASE: Duration = Duration::from_secs(45);
/// Webhooks a sender takes at once.
const BATCH: usize = 16;

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

/// The client webhooks go out with: no proxy (reqwest otherwise honours
/// `HTTP_PROXY`/`ALL_PROXY`, reqwest docs "Proxies", and a proxy would see every
/// notice meant for a merchant on this machine), no redirects (a loopback answer
/// cannot send the sandbox elsewhere), connect 10 s, request 30 s. `localhost` is
/// pinned to the loopback addresses ([`LOCALHOST`]): [`WebhookPolicy`] lets it
/// through by its name, so the address connected to must be the one the name
/// stands for, not whatever the system resolver answers for it.
fn client() -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .no_proxy()
        .resolve_to_addrs("localhost", &LOCALHOST)
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(30))
        .build()
}

/// The webhook client, or why there is none (shared by every attempt).
type Http = Result<reqwest::Client, Arc<reqwest::Error>>;

/// The outbox's side of the API state: wakes the sender after a commit and sends a
/// resend at once.
#[derive(Debug, Clone)]
pub(crate) struct Outbox {
    wake: Wake,
    pub(crate) policy: WebhookPolicy,
    http: Http,
}

impl Outbox {
    pub(crate) fn new() -> Self {
        let http = client().map_err(Arc::new);
        if let Err(err) = &http {
            tracing::error!("{}", WebhookError::Client(Arc::clone(err)));
        }
        Self {
            wake: Wake::new(),
            policy: WebhookPolicy::default(),
            http,
        }
    }

    /// Tells the sender that rows may be due (after a commit that wrote some).
    pub(crate) fn wake(&self) {
        self.wake.wake();
    }

    /// The sender over `store`, once (`None` when it was taken).
    pub(crate) fn sender(&self, store: Arc<Mutex<Store>>) -> Option<WebhookSender> {
        Some(WebhookSender {
            store,
            waiting: self.wake.waiting()?,
            policy: self.policy,
            http: self.http.clone(),
        })
    }
}

/// Delivers the outbox: what is due now, then again when the next retry is due or a
/// commit wakes it. It ends when the API state it belongs to is dropped.
#[derive(Debug)]
pub struct WebhookSender {
    store: Arc<Mutex<Store>>,
    waiting: Waiting,
    policy: WebhookPolicy,
    http: Http,
}

fn with_store<T>(
    store: &Mutex<Store>,
    f: impl FnOnce(&mut Store) -> Result<T, StoreError>,
) -> Result<T, WebhookError> {
    let mut store = store.lock().map_err(|_| WebhookError::Poisoned)?;
    Ok(f(&mut store)?)
}

impl WebhookSender {
    /// Runs until the sandbox's API state is gone.
    pub async fn run(mut self) {
        loop {
            let claimed = with_store(&self.store, |store| {
                store.claim_due_webhooks(now_ms(), millis(LEASE), BATCH)
            });
            let due = match claimed {
                Ok(due) => due,
                Err(err) => {
                    // A database that fails now may work in a moment; never spin.
                    tracing::error!("webhook outbox: {err}");
                    if !self.waiting.until(Some(Duration::from_secs(1))).await {
                        return;
                    }
                    continue;
                }
            };
            if !due.is_empty() {
                let mut attempts = tokio::task::JoinSet::new();
                for webhook in due {
                    let (store, http, policy) =
                        (Arc::clone(&self.store), self.http.clone(), self.policy);
                    attempts.spawn(async move { deliver(&store, &http, &policy, &webhook).await });
                }
                while attempts.join_next().await.is_some() {}
                continue;
            }
            let next =
                with_store(&self.store, |store| store.next_webhook_due()).unwrap_or_else(|err| {
                    tracing::error!("webhook outbox: {err}");
                    None
                });
            let wait =
                next.map(|at| Duration::from_millis(u64::try_from(at - now_ms()).unwrap_or(0)));
            if !self.waiting.until(wait).await {
                return;
            }
        }
    }

    /// Runs the sender on a thread of its own (for callers that serve the router
    /// on a runtime the sandbox does not own).
    ///
    /// # Errors
    /// When the thread or its runtime cannot be started.
    pub fn spawn_thread(self) -> std::io::Result<()> {
        spawn_thread("payhost-sandbox-webhooks", self.run())
    }
}

/// One attempt to deliver `webhook`, recorded in the outbox.
pub(crate) async fn deliver(
    store: &Mutex<Store>,
    http: &Http,
    policy: &WebhookPolicy,
    webhook: &Webhook,
) -> Delivery {
    let url = payhost_core::redact_url(&webhook.url);
    let delivery = if let Some(reason) = policy.refusal(&webhook.url) {
        tracing::warn!("webhook {} of {}: {reason}", url, webhook.imp_uid);
        Delivery::Refused { reason }
    } else {
        let request = |http: &reqwest::Client| {
            let mut request = http
                .post(&webhook.url)
                .header(reqwest::header::CONTENT_TYPE, webhook.format.content_type())
                .body(webhook.body.clone());
            // A V2 webhook is signed at each attempt, with the time of the attempt.
            if let (WebhookFormat::V2, Some(id)) = (webhook.format, &webhook.webhook_id) {
                match crate::v2::webhook::signed_headers(
                    crate::SANDBOX_WEBHOOK_SECRET,
                    id,
                    now_ms() / 1000,
                    &webhook.body,
                ) {
                    Ok(headers) => {
                        for (name, value) in headers {
                            request = request.header(name, value);
                        }
                    }
                    Err(err) => tracing::error!("V2 webhook {id} cannot be signed: {err}"),
                }
            }
            request
        };
        let attempt = match http {
            Ok(http) => match request(http).send().await {
                Ok(response) if response.status().is_success() => Ok(response.status().as_u16()),
                Ok(response) => Err((
                    WebhookError::Answered(response.status()),
                    Some(response.status().as_u16()),
                )),
                Err(err) => Err((WebhookError::Send(err), None)),
            },
            Err(err) => Err((WebhookError::Client(Arc::clone(err)), None)),
        };
        let attempts = u32::try_from(webhook.attempts.saturating_add(1)).unwrap_or(u32::MAX);
        match attempt {
            Ok(merchant_status) => {
                tracing::info!("webhook {url} ({}) → {merchant_status}", webhook.status);
                Delivery::Delivered { merchant_status }
            }
            Err((error, merchant_status)) => {
                // Recorded as text in the outbox row.
                let error = error.to_string();
                if attempts >= policy.retry.max_attempts {
                    tracing::warn!("webhook {url}: attempt {attempts} failed, giving up: {error}");
                    Delivery::GaveUp {
                        error,
                        merchant_status,
                    }
                } else {
                    let delay = policy.retry.delay(attempts);
                    tracing::info!(
                        "webhook {url}: attempt {attempts} failed, again in {delay:?}: {error}"
                    );
                    Delivery::Retry {
                        error,
                        merchant_status,
                        at_ms: now_ms().saturating_add(millis(delay)),
                    }
                }
            }
        }
    };
    if let Err(err) = with_store(store, |store| store.record_delivery(webhook.id, &delivery)) {
        tracing::error!("webhook outbox: {err}");
    }
    delivery
}

#[derive(Serialize)]
struct Resent {
    merchant_status: u16,
}

/// `POST /sandbox/payments/{imp_uid}/webhook`: sends the payment's webhook again,
/// now (duplicates happen in real life; QA sends them on purpose), with the API
/// token like the V1 API. Answers with the merchant's status; a failed attempt is
/// retried from the outbox like any other.
async fn resend(
    State(state): State<ApiState>,
    headers: HeaderMap,
    ApiPath(imp_uid): ApiPath<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    authorize(&state, &headers)?;
    let now = (state.clock)();
    // Claimed for this request, so the sender leaves it alone while it is tried here.
    let webhook = state.with_store(|store| {
        store.queue_webhook(&imp_uid, now_ms().saturating_add(millis(LEASE)), now)
    })?;
    let outbox = &state.webhooks;
    match deliver(state.store(), &outbox.http, &outbox.policy, &webhook).await {
        Delivery::Delivered { merchant_status } => ok(Resent { merchant_status }),
        Delivery::Refused { reason } => Err(ApiError::Rejected(reason)),
        Delivery::Retry { error, .. } | Delivery::GaveUp { error, .. } => {
            outbox.wake();
            Err(ApiError::Upstream(error))
        }
    }
}

/// The resend route.
pub fn router(state: ApiState) -> Router {
    Router::new()
        .route("/sandbox/payments/{imp_uid}/webhook", post(resend))
        .with_state(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let backoff = Backoff::default();
        let delays: Vec<u64> = (1..=8).map(|n| backoff.delay(n).as_secs()).collect();
        assert_eq!(delays, [1, 2, 4, 8, 16, 32, 60, 60]);
        assert_eq!(backoff.delay(u32::MAX), Duration::from_secs(60));
    }

    #[test]
    fn only_loopback_unless_allowed() {
        for url in [
            "http://127.0.0.1:8080/hook",
            "http://127.8.9.10/hook",
            "http://localhost:1/hook",
            "http://LOCALHOST/hook",
            "http://[::1]:80/hook",
            "http://[::ffff:127.0.0.1]/hook",
            "https://127.0.0.1/hook",
        ] {
            assert!(is_loopback_url(url), "{url}");
        }
        for url in [
            "http://10.0.0.1:8080/hook",
            "http://0.0.0.0:8080/hook",
            "http://192.168.0.1/hook",
            "http://example.com/hook",
            "http://localhost.evil.example/hook",
            "http://127.0.0.1.evil.example/hook",
            "http://[::]/hook",
            "ftp://127.0.0.1/hook",
            "not a url",
        ] {
            assert!(!is_loopback_url(url), "{url}");
            assert!(WebhookPolicy::default().refusal(url).is_some(), "{url}");
        }
        let open = WebhookPolicy {
            allow_remote: true,
            ..WebhookPolicy::default()
        };
        assert_eq!(open.refusal("http://10.0.0.1:8080/hook"), None);
    }
}
