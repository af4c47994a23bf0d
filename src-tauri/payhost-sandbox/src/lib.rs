//! payhost-sandbox: a local stand-in for every other party of a Korean payment —
//! iamport's REST API (`api`, `store`), its `iamport.payment.js` and the PGs' checkout
//! pages (`checkout`, `apps`), the payment apps (`sim_app`, and their web versions)
//! and a merchant server with a shop (`merchant`) — so payhost's whole round trip
//! runs on one machine without a PG contract. One HTTP server on loopback serves
//! all of it; payhost starts it in-process when no merchant URL is configured, and
//! `payhost-sandbox serve` runs it alone.

pub mod api;
pub mod apps;
pub mod checkout;
pub mod merchant;
pub mod pages;
pub mod sim_app;
pub mod store;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use axum::response::Redirect;
use axum::routing::get;
use axum::Router;

pub use api::{router, system_clock, ApiState, Clock};
pub use store::Store;

/// The REST API key and secret the sandbox accepts (the merchant's test credentials).
pub const SANDBOX_IMP_KEY: &str = "sandbox_imp_key";
/// See [`SANDBOX_IMP_KEY`].
pub const SANDBOX_IMP_SECRET: &str = "sandbox_imp_secret";

/// Where the sandbox keeps its state and whom its shop returns to.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// iamport's side: payments, transactions, tokens.
    pub db: PathBuf,
    /// The merchant's side: orders.
    pub merchant_db: PathBuf,
    /// The app scheme the shop passes to `request_pay` (payhost's `app_scheme`).
    pub app_scheme: Option<String>,
}

impl SandboxConfig {
    /// Both databases in `dir` (`sandbox.sqlite3`, `sandbox-merchant.sqlite3`).
    pub fn in_dir(dir: &Path, app_scheme: Option<&str>) -> Self {
        Self {
            db: dir.join("sandbox.sqlite3"),
            merchant_db: dir.join("sandbox-merchant.sqlite3"),
            app_scheme: app_scheme.map(str::to_owned),
        }
    }
}

/// Why the sandbox could not start.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// The iamport database failed.
    #[error("sandbox database: {0}")]
    Store(#[from] store::StoreError),
    /// The merchant database failed.
    #[error("merchant database: {0}")]
    Merchant(#[from] merchant::MerchantError),
    /// Binding or serving failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// The whole sandbox as one router for the server at `addr` (the merchant calls the
/// API there over real HTTP): the API and checkout at `/`, the shop under `/shop`.
///
/// # Errors
/// When a database cannot be opened.
pub fn app(addr: SocketAddr, config: &SandboxConfig) -> Result<Router, SandboxError> {
    let api = ApiState::new(
        Store::open(&config.db)?,
        system_clock(),
        SANDBOX_IMP_KEY,
        SANDBOX_IMP_SECRET,
    );
    let iamport = merchant::IamportClient::new(
        &format!("http://{addr}"),
        SANDBOX_IMP_KEY,
        SANDBOX_IMP_SECRET,
    );
    let shop = merchant::MerchantState::open(&config.merchant_db, iamport)?
        .with_app_scheme(config.app_scheme.as_deref());
    Ok(Router::new()
        .merge(router(api.clone()))
        .merge(checkout::router(api))
        .nest("/shop", merchant::router(shop))
        .route("/", get(|| async { Redirect::to("/shop") })))
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
    let app = app(addr, config)?;
    serve_app(listener, app).await
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
