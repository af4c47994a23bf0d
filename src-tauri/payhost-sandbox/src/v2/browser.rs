//! The browser half of V2: `/v2/browser-sdk.js`, a stand-in for
//! `https://cdn.portone.io/v2/browser-sdk.js` (`window.PortOne`; the npm
//! `@portone/browser-sdk` loader uses a `window.PortOne` that already exists:
//! `@portone/browser-sdk@0.1.11:dist/v2.js` `loadScript`), and `/v2/checkout`, which
//! validates a request as V2 does and opens the same PG pages V1's checkout opens.
//!
//! Parameters (`@portone/browser-sdk@0.1.11:dist/v2/request/PaymentRequestBase.d.ts`):
//! `storeId`, `paymentId`, `orderName`, `totalAmount`, `currency` and `payMethod` are
//! required; `channelKey` names the PG; `redirectUrl` is needed for a redirect
//! (a phone, or `forceRedirect`). A request refused here never opens a window: the
//! Promise rejects with `{ code, message }`, `code` one of the browser SDK's
//! (`BadRequest`, `StoreNotFound`, `ChannelNotFound`, `PaymentAlreadyPaid`,
//! `AmountNotEqualToPredefined`: `dist/v2/exception/*.d.ts`). `requestIssueBillingKey`
//! and `requestIdentityVerification` post to the same `/v2/checkout`; their requests
//! and checkouts are `v2::issue` and `v2::identity_request`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::api::ApiState;
use crate::checkout::{app_scheme, http_url};
use crate::store::{ApiVersion, CheckoutUrls, NewPayment, StoreError};
use crate::v2::channels::{self, Offer};

/// What `portone-v2.js` posts to `/v2/checkout`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BrowserCheckout {
    /// The buyer's device as the script sees it: `mobile` or `pc`.
    pub device: String,
    /// Whether the checkout ends in a redirect (a phone, or `forceRedirect`).
    pub redirect: bool,
    /// What was asked for.
    #[serde(flatten)]
    pub request: BrowserRequest,
}

/// The SDK function called, with its argument.
#[derive(Debug, Deserialize)]
#[serde(tag = "kind", content = "request", rename_all = "camelCase")]
pub enum BrowserRequest {
    /// `PortOne.requestPayment`.
    Payment(PaymentRequest),
    /// `PortOne.requestIdentityVerification` (`v2::identity_request`).
    IdentityVerification(super::identity_request::IdentityVerificationRequest),
    /// `PortOne.requestIssueBillingKey` (`super::issue`).
    IssueBillingKey(super::issue::IssueBillingKeyRequest),
}

/// `requestPayment`'s argument, every field optional here so that a missing one is
/// named in the refusal rather than failing to parse.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentRequest {
    /// The store.
    pub store_id: Option<String>,
    /// The channel (the PG).
    pub channel_key: Option<String>,
    /// The merchant's id of the payment.
    pub payment_id: Option<String>,
    /// The order's name.
    pub order_name: Option<String>,
    /// The amount: a number.
    pub total_amount: Option<Value>,
    /// Its tax-free part.
    pub tax_free_amount: Option<Value>,
    /// `KRW` (or `CURRENCY_KRW`).
    pub currency: Option<String>,
    /// `CARD`, `TRANSFER`, `VIRTUAL_ACCOUNT`, `EASY_PAY`.
    pub pay_method: Option<String>,
    /// With `EASY_PAY`: which one.
    pub easy_pay: Option<EasyPayRequest>,
    /// The buyer.
    pub customer: Option<CustomerRequest>,
    /// Where a redirect ends.
    pub redirect_url: Option<String>,
    /// Redirect on a PC too.
    pub force_redirect: Option<bool>,
    /// The merchant's webhooks for this payment (the console's when absent).
    pub notice_urls: Option<Vec<String>>,
    /// The merchant app's scheme, for the payment apps' way back.
    pub app_scheme: Option<String>,
    /// Anything (an object in the browser; the API returns it as text).
    pub custom_data: Option<Value>,
}

/// `easyPay` of a request.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EasyPayRequest {
    /// `KAKAOPAY`, `TOSSPAY`, … (also `EASY_PAY_PROVIDER_KAKAOPAY`).
    pub easy_pay_provider: Option<String>,
}

/// `customer` of a request.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerRequest {
    /// Name.
    pub full_name: Option<String>,
    /// Phone.
    pub phone_number: Option<String>,
    /// E-mail.
    pub email: Option<String>,
}

/// A refusal before any window opens, in the browser SDK's terms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BrowserError {
    /// The browser SDK's error code.
    pub code: &'static str,
    /// Why, Korean first.
    pub message: String,
}

impl BrowserError {
    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self {
            code: "BadRequest",
            message: message.into(),
        }
    }
}

/// A validated `requestPayment`.
#[derive(Debug, Clone)]
pub struct PaymentCheckout {
    /// The payment to create.
    pub payment: NewPayment,
    /// Where a redirect ends.
    pub redirect_url: Option<String>,
    /// The webhook.
    pub notice_url: Option<String>,
    /// The merchant app's scheme.
    pub app_scheme: Option<String>,
}

pub(crate) fn required<'a>(field: &str, value: Option<&'a str>) -> Result<&'a str, BrowserError> {
    value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| {
            BrowserError::bad_request(format!("{field}이(가) 필요합니다 / {field} is required"))
        })
}

fn amount(field: &str, value: Option<&Value>) -> Result<Option<i64>, BrowserError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n.as_i64().filter(|a| *a >= 0).map(Some).ok_or_else(|| {
            BrowserError::bad_request(format!(
                "{field}은(는) 0 이상의 정수입니다 / {field} must be a whole number"
            ))
        }),
        Some(_) => Err(BrowserError::bad_request(format!(
            "{field}은(는) 숫자여야 합니다 / {field} must be a number"
        ))),
    }
}

/// Validates a `requestPayment` as V2 does before any window opens.
///
/// # Errors
/// The [`BrowserError`] the Promise rejects with.
pub fn validate_payment(
    request: &PaymentRequest,
    device: &str,
    redirect: bool,
) -> Result<PaymentCheckout, BrowserError> {
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
    let payment_id = required("paymentId", request.payment_id.as_deref())?;
    let payment_id = crate::ids::normalize_merchant_uid(payment_id)
        .ok_or_else(|| BrowserError::bad_request("paymentId is empty"))?;
    let order_name = required("orderName", request.order_name.as_deref())?;
    let total = amount("totalAmount", request.total_amount.as_ref())?
        .filter(|a| *a > 0)
        .ok_or_else(|| {
            BrowserError::bad_request(
                "totalAmount는 양의 정수여야 합니다 / totalAmount must be a positive whole number",
            )
        })?;
    let tax_free = amount("taxFreeAmount", request.tax_free_amount.as_ref())?.unwrap_or(0);
    if tax_free > total {
        return Err(BrowserError::bad_request(
            "taxFreeAmount가 totalAmount를 넘습니다 / taxFreeAmount exceeds totalAmount",
        ));
    }
    super::currency(Some(required("currency", request.currency.as_deref())?))
        .map_err(|err| BrowserError::bad_request(err.message))?;
    let channel_key = required("channelKey", request.channel_key.as_deref())?;
    let channel = channels::by_key(channel_key).ok_or_else(|| BrowserError {
        code: "ChannelNotFound",
        message: format!("채널을 찾을 수 없습니다 / no channel `{channel_key}`"),
    })?;
    let pay_method = required("payMethod", request.pay_method.as_deref())?;
    let provider = request
        .easy_pay
        .as_ref()
        .and_then(|easy| easy.easy_pay_provider.as_deref())
        .map(|p| p.strip_prefix("EASY_PAY_PROVIDER_").unwrap_or(p));
    let (offer, v1_method) = match (pay_method, provider) {
        ("CARD", _) => (Offer::Card, "card"),
        ("TRANSFER", _) => (Offer::Transfer, "trans"),
        ("VIRTUAL_ACCOUNT", _) => (Offer::VirtualAccount, "vbank"),
        ("EASY_PAY", Some("KAKAOPAY")) => (Offer::EasyPay("KAKAOPAY"), "kakaopay"),
        ("EASY_PAY", Some("TOSSPAY")) => (Offer::EasyPay("TOSSPAY"), "tosspay"),
        ("EASY_PAY", other) => {
            return Err(BrowserError::bad_request(format!(
                "샌드박스의 간편결제는 KAKAOPAY, TOSSPAY입니다 / easyPay.easyPayProvider must be KAKAOPAY or TOSSPAY, not {}",
                other.unwrap_or("(none)")
            )))
        }
        (other, _) => {
            return Err(BrowserError::bad_request(format!(
                "지원하지 않는 결제수단입니다 / payMethod `{other}` is not one of CARD, TRANSFER, VIRTUAL_ACCOUNT, EASY_PAY"
            )))
        }
    };
    if !channel.offers(offer) {
        return Err(BrowserError::bad_request(format!(
            "채널 {}은(는) {pay_method}를 제공하지 않습니다 / the channel does not offer {pay_method}",
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
    Ok(PaymentCheckout {
        payment: NewPayment {
            merchant_uid: payment_id.to_owned(),
            pay_method: v1_method.to_owned(),
            pg_provider: channel.v1_pg.to_owned(),
            name: order_name.to_owned(),
            amount: total,
            buyer_name: customer.full_name,
            custom_data: request.custom_data.as_ref().map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            }),
            channel: if redirect || device == "mobile" {
                "mobile"
            } else {
                "pc"
            }
            .to_owned(),
            version: ApiVersion::V2,
            store_id: Some(store_id.to_owned()),
            channel_key: Some(channel.key.to_owned()),
            tax_free,
            buyer_email: customer.email,
            buyer_tel: customer.phone_number,
            ..NewPayment::default()
        },
        redirect_url,
        notice_url,
        app_scheme,
    })
}

/// What `/v2/checkout` answers: the PG page to open.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Opened {
    pg_url: String,
    payment_id: String,
    tx_id: String,
}

pub(crate) fn refuse(error: BrowserError) -> Response {
    (StatusCode::BAD_REQUEST, Json(error)).into_response()
}

/// `POST /v2/checkout`.
pub(crate) async fn checkout(
    State(state): State<ApiState>,
    body: Result<Json<BrowserCheckout>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let body = match body {
        Ok(Json(body)) => body,
        Err(rejection) => {
            return refuse(BrowserError::bad_request(format!(
                "결제요청 파라메터를 읽을 수 없습니다 / cannot read the request: {}",
                rejection.body_text()
            )))
        }
    };
    match &body.request {
        BrowserRequest::Payment(request) => {
            let redirect = body.redirect || request.force_redirect == Some(true);
            open_payment(&state, request, &body.device, redirect)
        }
        BrowserRequest::IssueBillingKey(request) => {
            let redirect = body.redirect || request.force_redirect == Some(true);
            super::issue::open(&state, request, redirect)
        }
        BrowserRequest::IdentityVerification(request) => {
            super::identity_request::open(&state, body.redirect, request)
        }
    }
}

/// Opens the checkout of a `requestPayment`: the payment and its PG page.
fn open_payment(
    state: &ApiState,
    request: &PaymentRequest,
    device: &str,
    redirect: bool,
) -> Response {
    let checked = match validate_payment(request, device, redirect) {
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
    // The payment and its transaction in one SQLite transaction, as V1's checkout.
    let opened = match state.store().lock() {
        Ok(mut store) => store
            .checkout(&checked.payment, &urls, now)
            .map_err(|err| store_refusal(&err)),
        Err(_) => Err(BrowserError::bad_request("the store lock is poisoned")),
    };
    match opened {
        Ok((payment, txn)) => Json(Opened {
            pg_url: format!("/pg/{}", txn.token),
            payment_id: payment.merchant_uid,
            tx_id: payment.imp_uid,
        })
        .into_response(),
        Err(error) => refuse(error),
    }
}

/// `GET /v2/browser-sdk.js`.
pub(crate) async fn script() -> Response {
    crate::pages::javascript(include_str!("../../assets/portone-v2.js"))
}

/// How a refusal from the store reads in the browser.
fn store_refusal(err: &StoreError) -> BrowserError {
    match err {
        StoreError::AlreadyPaid(message) => BrowserError {
            code: "PaymentAlreadyPaid",
            message: message.clone(),
        },
        StoreError::NotAsPrepared(message) => BrowserError {
            code: "AmountNotEqualToPredefined",
            message: message.clone(),
        },
        other => BrowserError::bad_request(other.to_string()),
    }
}
