//! `PortOne.requestIssueBillingKey` in the browser: its argument, its validation as
//! V2 does it before any window opens, and the checkout it opens — a billing key
//! waiting to be issued and a transaction (`TransactionKind::BillingKey`) on the same
//! PG pages, hand-offs and simulated apps as a payment. The buyer approves in a card
//! app; the checkout then ends at `redirectUrl?billingKey=…&transactionType=
//! ISSUE_BILLING_KEY` or resolves the Promise (`v2::result`).
//!
//! Parameters (`@portone/browser-sdk@0.1.11:dist/v2/request/IssueBillingKeyRequestBase.d.ts`):
//! `storeId` is required; the sandbox also needs `channelKey` (a channel that issues
//! billing keys) and `billingKeyMethod: "CARD"` (PortOne's guide calls it with both,
//! `portone-io/developers.portone.io:src/routes/(root)/opi/ko/integration/start/v2/billing/issue.mdx`);
//! `redirectUrl` is needed for a redirect, as for a payment. What it shares with the
//! other calls is `browser_request`.

use serde::Deserialize;
use serde_json::Value;

use super::browser::{self, Opened};
use super::browser_request::{channel, required, serving, store_id, BrowserError, WayBack};
use super::channels::Offer;
use crate::api::ApiState;
use crate::custom_data;
use crate::store::{ApiVersion, KeyCustomer, NewBillingKey};

/// `requestIssueBillingKey`'s argument, every field optional here so that a missing
/// one is named in the refusal rather than failing to parse.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IssueBillingKeyRequest {
    /// The store.
    pub store_id: Option<String>,
    /// The channel (the PG).
    pub channel_key: Option<String>,
    /// `CARD` (also `BILLING_KEY_METHOD_CARD`).
    pub billing_key_method: Option<String>,
    /// The merchant's id of the issue.
    pub issue_id: Option<String>,
    /// What the buyer is shown.
    pub issue_name: Option<String>,
    /// The buyer.
    pub customer: Option<IssueCustomer>,
    /// Where a redirect ends.
    pub redirect_url: Option<String>,
    /// Redirect on a PC too.
    pub force_redirect: Option<bool>,
    /// The merchant's webhook for this key.
    pub notice_urls: Option<Vec<String>>,
    /// The merchant app's scheme, for the payment apps' way back.
    pub app_scheme: Option<String>,
    /// Anything (an object in the browser; the API returns it as text).
    pub custom_data: Option<Value>,
}

/// `customer` of an issue (`@portone/browser-sdk@0.1.11:dist/v2/entity/Customer.d.ts`;
/// each call reads its own, as `payment_request::CustomerRequest` says).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IssueCustomer {
    /// The merchant's id of the customer.
    pub customer_id: Option<String>,
    /// Name.
    pub full_name: Option<String>,
    /// Phone.
    pub phone_number: Option<String>,
    /// E-mail.
    pub email: Option<String>,
}

/// A validated `requestIssueBillingKey`.
#[derive(Debug, Clone)]
pub struct IssueCheckout {
    /// The key to issue.
    pub key: NewBillingKey,
    /// Where the checkout gets back to the merchant.
    pub way_back: WayBack,
}

/// Validates a `requestIssueBillingKey` as V2 does before any window opens;
/// `redirect` is whether the checkout ends in a redirect.
///
/// # Errors
/// The [`BrowserError`] the Promise rejects with.
pub fn validate_issue(
    request: &IssueBillingKeyRequest,
    redirect: bool,
) -> Result<IssueCheckout, BrowserError> {
    let store_id = store_id(request.store_id.as_deref())?;
    let channel = channel(request.channel_key.as_deref())?;
    let method = required("billingKeyMethod", request.billing_key_method.as_deref())?;
    if method.strip_prefix("BILLING_KEY_METHOD_").unwrap_or(method) != "CARD" {
        return Err(BrowserError::bad_request(format!(
            "샌드박스는 카드 빌링키만 발급합니다 / billingKeyMethod must be CARD, not `{method}`"
        )));
    }
    let channel = serving(channel, Offer::BillingKey)?;
    let way_back = WayBack::check(
        redirect,
        request.redirect_url.as_deref(),
        request.notice_urls.as_deref(),
        request.app_scheme.as_deref(),
    )?;
    let customer = request.customer.clone().unwrap_or_default();
    Ok(IssueCheckout {
        key: NewBillingKey {
            version: ApiVersion::V2,
            store_id: Some(store_id.to_owned()),
            channel_key: Some(channel.key.to_owned()),
            pg_provider: channel.v1_pg.to_owned(),
            customer: KeyCustomer {
                id: customer.customer_id,
                name: customer.full_name,
                tel: customer.phone_number,
                email: customer.email,
                ..KeyCustomer::default()
            },
            issue_id: request.issue_id.clone(),
            issue_name: request.issue_name.clone(),
            custom_data: custom_data::as_stored(request.custom_data.as_ref()),
            ..NewBillingKey::default()
        },
        way_back,
    })
}

/// Opens the checkout of a `requestIssueBillingKey`: a key waiting for the buyer and
/// its transaction, in one SQLite transaction. The answer names nothing but the page:
/// the key reaches the merchant with the checkout's end (`v2::result`).
///
/// # Errors
/// The [`BrowserError`] the Promise rejects with.
pub(crate) fn open(
    state: &ApiState,
    request: &IssueBillingKeyRequest,
    redirect: bool,
) -> Result<Opened<()>, BrowserError> {
    let checked = validate_issue(request, redirect)?;
    browser::open(
        state,
        |store, now| store.open_billing_key_issue(&checked.key, &checked.way_back.urls(), now),
        |_key| (),
    )
}
