//! payhost-sandbox: a local stand-in for every other party of a Korean payment —
//! iamport's REST API (`api`, `store`), its `iamport.payment.js` and the PGs' checkout
//! pages (`checkout`, `apps`), the payment apps (`sim_app`, and their web versions;
//! the carriers' PASS apps of an identity verification among them, with the person
//! they verify in `person`) and a merchant server with a shop (`merchant`) — so
//! payhost's whole round trip runs on one machine without a PG contract, and the
//! buyer's bank that pays a virtual account (`bank`). Billing keys (정기결제) are
//! `billing` (cards, the scheduler) with V1's API over them in `subscribe`. One HTTP
//! server on loopback serves all of it (every page built by `pages`, which also
//! serves the pages' scripts from `assets/`; the order id's one normalisation in
//! `ids`), with two tasks beside it: one delivers webhooks (`webhooks`), one fires
//! scheduled charges (`billing::scheduler`); payhost starts it in-process when no
//! merchant URL is configured, and `payhost-sandbox serve` runs it alone.

pub mod api;
pub mod apps;
pub mod bank;
pub mod billing;
pub mod checkout;
pub mod custom_data;
pub mod ids;
pub mod merchant;
pub mod pages;
pub mod person;
pub mod sim_app;
pub mod store;
pub mod subscribe;
pub mod v2;
pub mod webhooks;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use axum::response::Redirect;
use axum::routing::get;
use axum::Router;

pub use api::{router, system_clock, ApiState, Clock};
pub use billing::scheduler::Scheduler;
pub use store::Store;
pub use webhooks::{Backoff, WebhookFormat, WebhookPolicy, WebhookSender};

/// The REST API key and secret the sandbox accepts (the merchant's test credentials).
pub const SANDBOX_IMP_KEY: &str = "sandbox_imp_key";
/// See [`SANDBOX_IMP_KEY`].
pub const SANDBOX_IMP_SECRET: &str = "sandbox_imp_secret";
/// The V2 API secret the sandbox accepts (`Authorization: PortOne sandbox_api_secret`).
pub const SANDBOX_API_SECRET: &str = "sandbox_api_secret";
/// The sandbox's one V2 store (`storeId`).
pub const SANDBOX_STORE_ID: &str = "store-sandbox-0000";
/// The V2 webhook secret of the sandbox store: Standard Webhooks' `whsec_` and the
/// base64 of the 32-byte HMAC key (the key is "payhost-sandbox-webhook-secret!!").
pub const SANDBOX_WEBHOOK_SECRET: &str = "whsec_cGF5aG9zdC1zYW5kYm94LXdlYmhvb2stc2VjcmV0ISE=";

/// Where the sandbox keeps its state, whom its shop returns to and where its
/// webhooks may go.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// iamport's side: payments, transactions, tokens, the webhook outbox.
    pub db: PathBuf,
    /// The merchant's side: orders.
    pub merchant_db: PathBuf,
    /// The app scheme the shop passes to `request_pay` (payhost's `app_scheme`).
    pub app_scheme: Option<String>,
    /// Send webhooks to a `notice_url` off loopback too (`serve
    /// --allow-remote-webhooks`); otherwise they are refused and recorded.
    pub allow_remote_webhooks: bool,
    /// How failed webhooks are retried.
    pub webhook_retry: Backoff,
    /// How V1 webhooks are written (JSON, or a form: `serve --webhook-format`), a
    /// choice iamport leaves to each merchant's console.
    pub webhook_format: WebhookFormat,
}

impl SandboxConfig {
    /// Both databases in `dir` (`sandbox.sqlite3`, `sandbox-merchant.sqlite3`),
    /// webhooks in JSON to loopback only, the default retries.
    pub fn in_dir(dir: &Path, app_scheme: Option<&str>) -> Self {
        Self {
            db: dir.join("sandbox.sqlite3"),
            merchant_db: dir.join("sandbox-merchant.sqlite3"),
            app_scheme: app_scheme.map(str::to_owned),
            allow_remote_webhooks: false,
            webhook_retry: Backoff::default(),
            webhook_format: WebhookFormat::default(),
        }
    }

    fn webhook_policy(&self) -> WebhookPolicy {
        WebhookPolicy {
            allow_remote: self.allow_remote_webhooks,
            retry: self.webhook_retry,
        }
    }
}

/// Why the sandbox could not start.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// The iamport database failed.
    #[error("sandbox database {}: {source}", path.display())]
    Store {
        /// The file.
        path: PathBuf,
        /// What SQLite said.
        source: store::StoreError,
    },
    /// The merchant database failed.
    #[error("merchant database {}: {source}", path.display())]
    Merchant {
        /// The file.
        path: PathBuf,
        /// What SQLite said.
        source: merchant::MerchantError,
    },
    /// Binding or serving failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// The sandbox's parts: the router to serve, and the webhook sender and the
/// scheduler that must run beside it (see [`app`] for all started together).
#[derive(Debug)]
pub struct SandboxServer {
    /// The API, the checkout, the bank and the pages' scripts at `/`, the shop under `/shop`.
    pub router: Router,
    /// Delivers the outbox; ends when the router is dropped.
    pub webhooks: WebhookSender,
    /// Fires scheduled charges; ends when the router is dropped.
    pub scheduler: Scheduler,
}

/// The whole sandbox for the server at `addr` (the merchant calls the API there over
/// real HTTP), its webhook sender not started yet.
///
/// # Errors
/// When a database cannot be opened (the error names the file).
pub fn build(addr: SocketAddr, config: &SandboxConfig) -> Result<SandboxServer, SandboxError> {
    let store = Store::open(&config.db)
        .map_err(|source| SandboxError::Store {
            path: config.db.clone(),
            source,
        })?
        .with_webhook_format(config.webhook_format);
    let api = ApiState::new(store, system_clock(), SANDBOX_IMP_KEY, SANDBOX_IMP_SECRET)
        .with_webhook_policy(config.webhook_policy())
        .with_host_app_scheme(config.app_scheme.as_deref());
    let iamport = merchant::IamportClient::new(
        &format!("http://{addr}"),
        SANDBOX_IMP_KEY,
        SANDBOX_IMP_SECRET,
    );
    let shop = merchant::MerchantState::open(&config.merchant_db, iamport)
        .map_err(|source| SandboxError::Merchant {
            path: config.merchant_db.clone(),
            source,
        })?
        .with_app_scheme(config.app_scheme.as_deref())
        .with_portone(
            merchant::PortOneClient::new(&format!("http://{addr}/v2"), SANDBOX_API_SECRET),
            SANDBOX_WEBHOOK_SECRET,
        );
    let webhooks = api.webhook_sender().ok_or_else(|| {
        SandboxError::Io(std::io::Error::other(
            "the webhook sender was already taken",
        ))
    })?;
    let scheduler = api.scheduler().ok_or_else(|| {
        SandboxError::Io(std::io::Error::other("the scheduler was already taken"))
    })?;
    let router = Router::new()
        .merge(router(api.clone()))
        .merge(v2::router(api.clone()))
        .merge(subscribe::router(api.clone()))
        .merge(checkout::router(api.clone()))
        .merge(bank::router(api.clone()))
        .merge(pages::router())
        .merge(webhooks::router(api))
        .nest("/shop", merchant::router(shop))
        .route("/", get(|| async { Redirect::to("/shop") }));
    Ok(SandboxServer {
        router,
        webhooks,
        scheduler,
    })
}

/// The whole sandbox as one router for the server at `addr`, its webhook sender and
/// its scheduler each running on a thread of its own until the router is dropped (so
/// any caller can serve the router, on any runtime; pending webhooks of an earlier
/// run go out now, and charges that came due meanwhile fire now).
///
/// # Errors
/// When a database cannot be opened (the error names the file), or the sender's
/// thread cannot start.
pub fn app(addr: SocketAddr, config: &SandboxConfig) -> Result<Router, SandboxError> {
    let sandbox = build(addr, config)?;
    sandbox.webhooks.spawn_thread()?;
    sandbox.scheduler.spawn_thread()?;
    Ok(sandbox.router)
}

/// Serves the sandbox on an already bound listener until the process ends.
///
/// # Errors
/// [`SandboxError`].
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    config: &SandboxConfig,
) -> Result<(), SandboxError> {
    let addr = listener.local_addr()?;
    let sandbox = build(addr, config)?;
    tokio::spawn(sandbox.webhooks.run());
    tokio::spawn(sandbox.scheduler.run());
    serve_app(listener, sandbox.router).await
}

/// Serves a router made by [`app`] on `listener` (payhost opens the databases
/// first, so a broken database is reported before the window loads the shop).
///
/// # Errors
/// [`SandboxError::Io`].
pub async fn serve_app(listener: tokio::net::TcpListener, app: Router) -> Result<(), SandboxError> {
    let addr = listener.local_addr()?;
    tracing::info!("payhost-sandbox on http://{addr} (shop: http://{addr}/shop)");
    axum::serve(listener, app).await?;
    Ok(())
}

/// Binds `addr` and serves the sandbox.
///
/// # Errors
/// [`SandboxError`].
pub async fn serve(addr: SocketAddr, config: &SandboxConfig) -> Result<(), SandboxError> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    serve_on(listener, config).await
}
