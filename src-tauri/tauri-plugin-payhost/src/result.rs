//! The typed outcome of a payment flow, for the app's own local UI.
//!
//! payhost decides nothing about success (the merchant's server checks `status ==
//! paid` and the amount through the payment API): a result says only where the flow
//! went, so the app can react (close the payment window, show its order page). Four
//! kinds, each reached at one place of [`crate::shell::Shell`]:
//! - `returned`: the payment webview reached the merchant's return page (a page on a
//!   `returnHosts` host carrying `imp_uid` or `merchant_uid`), whether straight from
//!   the PG page or after a return link from the payment app;
//! - `resumed`: after a restart the buyer accepted the offer to continue a pending
//!   payment (the resume page, usually the merchant's, is not also `returned`);
//! - `launch-failed`: no payment app, no store and no fallback page could be opened;
//! - `rejected`: a return link of our scheme that payhost does not trust (its target
//!   is outside the allowlist, or it is malformed) was ignored.
//!
//! A handled return link is not a result of its own: it continues the flow, which ends
//! at the merchant's return page (`returned`).

use serde::{Deserialize, Serialize};

/// The event name the plugin emits a [`PaymentResult`] under (guest-js `onResult`).
pub const RESULT_EVENT: &str = "payhost://result";

/// Where a payment flow went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ResultKind {
    /// The merchant's return page was reached.
    Returned,
    /// A pending payment was resumed after a restart.
    Resumed,
    /// Nothing could be opened for a payment app's link.
    LaunchFailed,
    /// An untrusted return link was ignored.
    Rejected,
}

/// The payload of [`RESULT_EVENT`] and of the Rust `on_result` callback.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentResult {
    /// Where the flow went.
    pub kind: ResultKind,
    /// The page reached (`returned`, `resumed`) or the link concerned
    /// (`launch-failed`: the app link; `rejected`: the return link).
    pub url: Option<String>,
    /// The merchant's order id, when the flow has seen one.
    pub merchant_uid: Option<String>,
    /// iamport's payment id, when the flow has seen one.
    pub imp_uid: Option<String>,
    /// The label of the payment webview concerned.
    pub window: String,
}

/// Where results go (the plugin emits them as [`RESULT_EVENT`] and calls the
/// `on_result` callback; the tests record them).
pub type ResultSink = std::sync::Arc<dyn Fn(PaymentResult) + Send + Sync>;
