//! The merchant's server: the shop page (`/`, whose checkout calls `IMP.request_pay`),
//! orders of a shop item and a quantity priced here (never by the browser), the return
//! page `m_redirect_url` lands on (`/payments/complete`) and the webhook (`notice_url`).
//!
//! It decides only from the iamport API's answer and the order's own amount, as
//! iamport's verification guide asks (https://portone.gitbook.io/docs/auth/guide/5/post):
//! a token, then the payment over HTTP (`GET /payments/{imp_uid}`, or
//! `GET /payments/find/{merchant_uid}` when a cold start lost `imp_uid`); what the
//! browser or a webhook claims is never read. `paid` with the order's amount pays the
//! order; a paid amount that differs is cancelled through the API and shown as forged
//! (a verdict whose save failed after that cancel is made again from the API's
//! `cancel_history`); `ready` is no verdict (a virtual account is shown only when it is
//! for the order's amount and the API knows no paid payment of the order); a paid order
//! changes only through its own payment (cancelled through the API → `cancelled`), and
//! no order is `failed`, `cancelled` or `vbank_issued` while the API knows a paid
//! payment of it. Ids reach the API as single path segments (`Url::path_segments_mut`).
//!
//! The same rules decide a PortOne V2 payment (`GET /payments/{paymentId}` of the V2
//! API, whose answer reads as a V1 payment: `portone`).
//!
//! Identity verification (본인인증) is decided the same way, from the API only: V1's
//! `GET /certifications/{imp_uid}` (`certified`) or V2's
//! `GET /identity-verifications/{id}` (`VERIFIED`); a verified person is kept with a
//! hash of their CI, never the CI.
//!
//! One file per job: `iamport` and `portone` are the API clients and the JSON they
//! read, `payments_api` the one interface the verdict asks through, `orders` the
//! orders table, `verdict` the decision above, `shop` the pages and routes,
//! `v2_webhook` the V2 webhook's signature check; `certifications` the verified
//! identities' table, `identity` the decision on a verification, `identity_pages` its
//! shop section and landing pages; the subscription (정기구독, a card registered
//! with a 0원 `request_pay` and charged monthly without the buyer) is `subscription`
//! (its pages), `registration` (its decisions), `cards` (its tables) and
//! `subscribe_api` (its API calls); this file holds the state, the errors and the
//! router.

mod cards;
mod certifications;
mod iamport;
mod identity;
mod identity_pages;
mod orders;
mod payments_api;
mod portone;
mod registration;
mod shop;
mod subscribe_api;
mod subscription;
mod v2_webhook;
mod verdict;

use std::path::Path;
use std::sync::{Arc, Mutex};

use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use rusqlite::Connection;

pub use certifications::{ci_hash, VerifiedIdentity};
pub use iamport::IamportClient;
pub use identity::IdentityVerdict;
pub use orders::{Order, OrderStatus, ITEMS};
pub use portone::PortOneClient;

/// Why verification (or an order) could not be done.
#[derive(Debug, thiserror::Error)]
pub enum MerchantError {
    /// The merchant's database failed.
    #[error("database: {0}")]
    Database(#[from] rusqlite::Error),
    /// A thread panicked while holding the database.
    #[error("the merchant database lock is poisoned")]
    Poisoned,
    /// The API client could not be built (its base URL, or the HTTP client).
    #[error("the iamport API client cannot be used: {0}")]
    Setup(String),
    /// The iamport API could not be reached.
    #[error("iamport API unreachable: {0}")]
    Http(#[from] reqwest::Error),
    /// The iamport API answered something that is not its envelope.
    #[error("iamport API answered something unreadable: {0}")]
    Decode(#[from] serde_json::Error),
    /// The iamport API answered an error in its envelope.
    #[error("iamport API: {message} (code {code})")]
    Api {
        /// The envelope's `code` (non-zero).
        code: i64,
        /// The envelope's `message`.
        message: String,
    },
    /// The iamport API knows no such payment.
    #[error("iamport API: no such payment ({0})")]
    NotFound(String),
    /// The API knows no such identity verification.
    #[error("API: no such identity verification ({0})")]
    NoVerification(String),
    /// The PortOne V2 API answered an error (`{ type, message }`).
    #[error("PortOne API: {message} ({kind})")]
    PortOne {
        /// The error's `type`.
        kind: String,
        /// Its `message`.
        message: String,
    },
    /// An id that cannot be one path segment (empty, `.` or `..`).
    #[error("`{0}` cannot name a payment or an order")]
    BadId(String),
    /// The request named neither a payment nor an order.
    #[error("no imp_uid or merchant_uid")]
    NothingNamed,
    /// The payment belongs to an order this shop does not have.
    #[error("unknown order `{0}`")]
    UnknownOrder(String),
    /// The order kept changing under concurrent verifications.
    #[error("the order `{0}` kept changing while it was verified")]
    Contended(String),
}

impl MerchantError {
    /// The HTTP status the merchant's routes answer with.
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadId(_) | Self::NothingNamed => StatusCode::BAD_REQUEST,
            Self::NotFound(_) | Self::NoVerification(_) | Self::UnknownOrder(_) => {
                StatusCode::NOT_FOUND
            }
            Self::Contended(_) => StatusCode::CONFLICT,
            Self::Database(_) | Self::Poisoned | Self::Setup(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
            Self::Http(_) | Self::Decode(_) | Self::Api { .. } | Self::PortOne { .. } => {
                StatusCode::BAD_GATEWAY
            }
        }
    }
}

/// The merchant server's state.
#[derive(Clone)]
pub struct MerchantState {
    db: Arc<Mutex<Connection>>,
    iamport: IamportClient,
    /// PortOne V2's client, when the shop also sells and verifies identities
    /// through V2 (`with_portone`).
    portone: Option<PortOneClient>,
    /// The store's V2 webhook secret (`whsec_…`), to verify V2 webhooks.
    webhook_secret: Option<String>,
    app_scheme: Option<String>,
}

impl std::fmt::Debug for MerchantState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MerchantState")
            .field("iamport", &self.iamport)
            .finish_non_exhaustive()
    }
}

impl MerchantState {
    /// Opens the merchant's database at `path`.
    ///
    /// # Errors
    /// When SQLite fails.
    pub fn open(path: &Path, iamport: IamportClient) -> Result<Self, MerchantError> {
        let conn = orders::open(path)?;
        certifications::create(&conn)?;
        cards::create_tables(&conn)?;
        Ok(Self {
            db: Arc::new(Mutex::new(conn)),
            iamport,
            portone: None,
            webhook_secret: None,
            app_scheme: None,
        })
    }

    /// Also sells through PortOne V2, verifying payments with `portone` and V2
    /// webhooks with the store's `webhook_secret` (`whsec_…`).
    #[must_use]
    pub fn with_portone(mut self, portone: PortOneClient, webhook_secret: &str) -> Self {
        self.portone = Some(portone);
        self.webhook_secret = Some(webhook_secret.to_owned());
        self
    }

    /// The app scheme the shop passes to `request_pay` (`app_scheme`), so payment
    /// apps return to the app hosting the shop.
    #[must_use]
    pub fn with_app_scheme(mut self, app_scheme: Option<&str>) -> Self {
        self.app_scheme = app_scheme.map(str::to_owned);
        self
    }

    /// `f` on the orders database, under its lock.
    fn with_db<T>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T, MerchantError> {
        let conn = self.db.lock().map_err(|_| MerchantError::Poisoned)?;
        Ok(f(&conn)?)
    }
}

/// The merchant's routes.
pub fn router(state: MerchantState) -> Router {
    Router::new()
        .route("/", get(shop::shop))
        .route("/orders", post(shop::create_order))
        .route("/orders/{merchant_uid}", get(shop::get_order))
        .route("/payments/complete", get(shop::complete))
        .route("/payments/webhook", post(shop::webhook))
        .route("/v2/payments/complete", get(shop::complete_v2))
        .route("/v2/payments/webhook", post(shop::webhook_v2))
        .route(
            "/certifications/complete",
            get(identity_pages::certification_complete),
        )
        .route(
            "/identity-verifications/complete",
            get(identity_pages::identity_verification_complete),
        )
        .route("/subscriptions", post(subscription::start))
        .route("/subscriptions/complete", get(subscription::complete))
        .route("/subscriptions/{customer_uid}", get(subscription::show))
        .route(
            "/subscriptions/{customer_uid}/next",
            post(subscription::next),
        )
        .with_state(state)
}
