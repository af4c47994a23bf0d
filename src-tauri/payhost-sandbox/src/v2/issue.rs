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
//! `redirectUrl` is needed for a redirect, as for a payment.

use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::browser::{refuse, required, BrowserError};
use super::channels::{self, Offer};
use crate::api::ApiState;
use crate::checkout::{app_scheme, http_url};
use crate::store::{ApiVersion, CheckoutUrls, KeyCustomer, NewBillingKey};

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
    /// The merchant's webhooks for this key.
    pub notice_urls: Option<Vec<String>>,
    /// The merchant app's scheme, for the payment apps' way back.
    pub app_scheme: Option<String>,
    /// Anything (an object in the browser; the API returns it as text).
    pub custom_data: Option<Value>,
}

/// `customer` of an issue (`@portone/browser-sdk@0.1.11:dist/v2/entity/Customer.d.ts`).
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
    /// Where a redirect ends.
    pub redirect_url: Option<String>,
    /// The webhook.
    pub notice_url: Option<String>,
    /// The merchant app's scheme.
    pub app_scheme: Option<String>,
}

/// Validates a `requestIssueBillingKey` as V2 does before any window opens.
///
/// # Errors
/// The [`BrowserError`] the Promise rejects with.
pub fn validate_issue(
    request: &IssueBillingKeyRequest,
    redirect: bool,
) -> Result<IssueCheckout, BrowserError> {
    let store_id = required("storeId", request.store_id.as_deref())?;
    if store_id != crate::SANDBOX_STORE_ID {
        return Err(BrowserError {
            code: "StoreNotFound",
            message: format!(
                "상점을 찾을 수 없습니다 / no store `{store_id}` (the sandbox's is {})",
                crate::SANDBOX_STORE_ID
            ),
        });
    }
    let channel_key = required("channelKey", request.channel_key.as_deref())?;
    let channel = channels::by_key(channel_key).ok_or_else(|| BrowserError {
        code: "ChannelNotFound",
        message: format!("채널을 찾을 수 없습니다 / no channel `{channel_key}`"),
    })?;
    let method = required("billingKeyMethod", request.billing_key_method.as_deref())?;
    if method.strip_prefix("BILLING_KEY_METHOD_").unwrap_or(method) != "CARD" {
        return Err(BrowserError::bad_request(format!(
            "샌드박스는 카드 빌링키만 발급합니다 / billingKeyMethod must be CARD, not `{method}`"
        )));
    }
    if !channel.offers(Offer::BillingKey) {
        return Err(BrowserError::bad_request(format!(
            "채널 {}은(는) 빌링키를 발급하지 않습니다 / the channel issues no billing keys",
            channel.key
        )));
    }
    let redirect_url = match request.redirect_url.as_deref().filter(|u| !u.trim().is_empty()) {
        Some(url) => Some(http_url("redirectUrl", url).map_err(BrowserError::bad_request)?),
        None if redirect => {
            return Err(BrowserError::bad_request(
                "모바일(또는 forceRedirect)에는 redirectUrl이 필요합니다 / a redirect needs redirectUrl",
            ))
        }
        None => None,
    };
    let notice_url =
        match request.notice_urls.as_deref().unwrap_or_default() {
            [] => None,
            [url] => Some(http_url("noticeUrls", url).map_err(BrowserError::bad_request)?),
            _ => return Err(BrowserError::bad_request(
                "샌드박스는 noticeUrls를 하나만 받습니다 / the sandbox takes one noticeUrls entry",
            )),
        };
    let app_scheme = app_scheme("appScheme", request.app_scheme.as_deref())
        .map_err(BrowserError::bad_request)?;
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
            custom_data: request.custom_data.as_ref().map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            }),
            ..NewBillingKey::default()
        },
        redirect_url,
        notice_url,
        app_scheme,
    })
}

/// What `/v2/checkout` answers an issue: the PG page to open.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Opened {
    pg_url: String,
}

/// Opens the checkout of a `requestIssueBillingKey`: a key waiting for the buyer and
/// its transaction, in one SQLite transaction.
pub(crate) fn open(state: &ApiState, request: &IssueBillingKeyRequest, redirect: bool) -> Response {
    let checked = match validate_issue(request, redirect) {
        Ok(checked) => checked,
        Err(error) => return refuse(error),
    };
    let urls = CheckoutUrls {
        channel: if redirect { "mobile" } else { "pc" },
        m_redirect_url: checked.redirect_url.as_deref(),
        notice_url: checked.notice_url.as_deref(),
        app_scheme: checked.app_scheme.as_deref(),
    };
    let now = (state.clock)();
    let opened = match state.store().lock() {
        Ok(mut store) => store
            .open_billing_key_issue(&checked.key, &urls, now)
            .map_err(|err| BrowserError::bad_request(err.to_string())),
        Err(_) => Err(BrowserError::bad_request("the store lock is poisoned")),
    };
    match opened {
        Ok((_, txn)) => Json(Opened {
            pg_url: format!("/pg/{}", txn.token),
        })
        .into_response(),
        Err(error) => refuse(error),
    }
}
