//! PortOne V2 (`PortOne.requestPayment`, `requestIssueBillingKey` and
//! `requestIdentityVerification` in the browser, `https://api.portone.io` for the
//! merchant's server): a thin protocol layer over the same store, checkout, PG pages
//! and simulated apps as V1. A V2 payment is a row of the same `payments` table
//! (`version = 'V2'`, its `paymentId` the `merchant_uid`, its `transactionId` the
//! `imp_uid`); a V2 billing key one of the same `billing_keys` as V1's `customer_uid`;
//! a V2 identity verification an attempt of the same table and identity page as V1's
//! `IMP.certification`. So everything behind the protocol is shared.
//!
//! The browser half: `browser` (the SDK stand-in and `/v2/checkout`), each call's
//! request in `payment_request`, `issue` and `identity_request`, what they share in
//! `browser_request`, how a checkout ends in `result`. The REST half: `rest`
//! (payments), `billing` (billing keys), `identity` (verifications), their JSON in
//! `model` and `billing_model`, their errors in `error`, who may call them in `auth`;
//! the store's channels in `channels`; webhooks in `webhook`.
//!
//! Where the API is served: under `/v2` on the sandbox's one port (a server client
//! that keeps a base path, `portone-server-sdk` for Python, takes
//! `http://127.0.0.1:PORT/v2`), and at the root for requests that carry V2
//! credentials, because `@portone/server-sdk` (npm) resolves every path against its
//! `baseUrl` as an origin (`new URL("/payments/…", baseUrl)`,
//! `@portone/server-sdk@0.19.0:dist/generated/payment/client.mjs`), dropping any base
//! path. The paths only V2 has are V2's at the root whatever the header; the one both
//! versions have (`GET /payments/{id}`) goes by the `Authorization` scheme
//! ([`auth::is_v2_request`]).

pub mod auth;
pub mod billing;
mod billing_model;
pub mod browser;
pub mod browser_request;
pub mod channels;
pub mod error;
pub mod identity;
pub mod identity_request;
pub mod issue;
pub mod model;
pub mod payment_request;
pub mod rest;
pub mod result;
pub mod webhook;

use axum::routing::{get, post};
use axum::Router;

use crate::api::ApiState;
use crate::store::{Store, StoreError};
use error::V2Error;

/// Runs `f` on the locked store, its errors as V2's.
pub(crate) fn with_store<T>(
    state: &ApiState,
    f: impl FnOnce(&mut Store) -> Result<T, StoreError>,
) -> Result<T, V2Error> {
    with_store_or(state, f, |_| None)
}

/// Runs `f` on the locked store; a refusal that `special` answers becomes its error,
/// any other V2's usual one.
pub(crate) fn with_store_or<T>(
    state: &ApiState,
    f: impl FnOnce(&mut Store) -> Result<T, StoreError>,
    special: impl FnOnce(&StoreError) -> Option<V2Error>,
) -> Result<T, V2Error> {
    let mut store = crate::store::lock(state.store())?;
    f(&mut store).map_err(|err| special(&err).unwrap_or_else(|| V2Error::from(err)))
}

/// Reads what `f` finds in the store, `not_found` when the store has none.
pub(crate) fn find<T>(
    state: &ApiState,
    f: impl FnOnce(&mut Store) -> Result<T, StoreError>,
    not_found: impl FnOnce() -> V2Error,
) -> Result<T, V2Error> {
    with_store_or(state, f, |err| {
        matches!(err, StoreError::NotFound).then(not_found)
    })
}

/// A V2 currency the sandbox takes: `KRW` (also spelled `CURRENCY_KRW`, as the browser
/// SDK's enums allow).
///
/// # Errors
/// `INVALID_REQUEST` for any other.
pub(crate) fn currency(text: Option<&str>) -> Result<&'static str, V2Error> {
    match text.map(|c| c.strip_prefix("CURRENCY_").unwrap_or(c)) {
        None | Some("KRW") => Ok("KRW"),
        Some(other) => Err(V2Error::invalid(format!(
            "샌드박스는 KRW만 지원합니다 / the sandbox takes KRW only, not `{other}`"
        ))),
    }
}

/// The V2 routes only V2 has, relative to the API's base.
fn routes() -> Router<ApiState> {
    Router::new()
        .route("/login/api-secret", post(auth::login))
        .route(
            "/payments/{payment_id}/pre-register",
            post(rest::pre_register),
        )
        .route("/payments/{payment_id}/cancel", post(rest::cancel))
        .route(
            "/identity-verifications/{identity_verification_id}",
            get(identity::get_identity_verification),
        )
        .merge(billing::routes())
}

/// V2's REST API: everything under `/v2`, and at the root the routes only V2 has
/// (the shared `GET /payments/{id}` is dispatched by `api::router`).
pub fn router(state: ApiState) -> Router {
    let under_v2 = routes()
        .route("/payments/{payment_id}", get(rest::get_payment))
        .route("/browser-sdk.js", get(browser::script))
        .route("/checkout", post(browser::checkout));
    Router::new()
        .nest("/v2", under_v2)
        .merge(routes())
        .with_state(state)
}
