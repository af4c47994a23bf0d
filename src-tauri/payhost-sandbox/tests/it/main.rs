//! The one integration-test binary of payhost-sandbox: one binary, one module per
//! concern (https://matklad.github.io/2021/02/27/delete-cargo-integration-tests.html).
//! One link step instead of six (the sandbox, axum, reqwest and SQLite are linked
//! once), and one place, `support`, for the plumbing the files share.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

/// Loopback servers, the client, the requests, recorders and proxies the files share.
mod support;

/// A property over the store: paid and cancelled amounts stay consistent.
mod amounts;
/// The iamport V1 API over real HTTP, with payments made through the checkout.
mod api;
/// Billing keys through V1: cards, payments without the buyer, schedules and the scheduler.
mod billing;
/// Billing keys through V2: the REST API and the browser's `requestIssueBillingKey`.
mod billing_v2;
/// Identity verification (V1 `IMP.certification`, V2 `requestIdentityVerification`):
/// the identity page, the PASS apps and their binary, the V1 and V2 APIs.
mod certification;
/// The checkout side with the whole sandbox: PG pages, tokens, redirects, the app binary.
mod checkout;
/// The merchant server against the API and the checkout, and its property.
mod merchant;
/// The merchant's identity verification: its section, its landings, its table.
mod merchant_certification;
/// The merchant selling through V2: verification and signed webhooks.
mod merchant_v2;
/// The simulated payment app binary against a sandbox.
mod sim_app;
/// The shop's subscription: a card registered with 0원, charged monthly and verified.
mod subscription;
/// PortOne V2: the browser checkout and the REST API.
mod v2;
/// Webhooks: the outbox, retries, restarts, loopback only, no proxy.
mod webhooks;
