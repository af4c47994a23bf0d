//! `PortOne.requestPayment` in the browser: its argument, its validation as V2 does it
//! before any window opens, and the checkout it opens — a V2 payment and its
//! transaction on the same PG pages, hand-offs and simulated apps as V1's
//! `request_pay`. The checkout ends at `redirectUrl?paymentId=…&transactionType=
//! PAYMENT&txId=…` or resolves the Promise (`v2::result`).
//!
//! Parameters (`@portone/browser-sdk@0.1.11:dist/v2/request/PaymentRequestBase.d.ts`):
//! `storeId`, `paymentId`, `orderName`, `totalAmount`, `currency` and `payMethod` are
//! required; the sandbox also needs `channelKey` (it has no channel groups), which
//! names the PG; `redirectUrl` is needed for a redirect (a phone, or
//! `forceRedirect`). Refusals of the store read as the SDK's `PaymentAlreadyPaid` and
//! `AmountNotEqualToPredefined` (`TxServicePayErrorCode`).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::browser::{self, Opened};
use super::browser_request::{channel, required, serving, store_id, BrowserError, WayBack};
use super::channels::Offer;
use crate::api::ApiState;
use crate::custom_data;
use crate::store::{ApiVersion, NewPayment};

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
    /// The merchant's webhook for this payment (at PortOne the console's when absent;
    /// the sandbox has no console, so none).
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

/// `customer` of a payment request. Each call reads its own `customer`: a field one
/// call ignores is not refused there for its type (as it would be in a struct shared
/// by the three calls).
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

/// A validated `requestPayment`.
#[derive(Debug, Clone)]
pub struct PaymentCheckout {
    /// The payment to create.
    pub payment: NewPayment,
    /// Where the checkout gets back to the merchant.
    pub way_back: WayBack,
}

/// An amount of the request: absent, or a whole number of won.
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

/// `payMethod` (and `easyPay.easyPayProvider`) as what a channel must offer and the
/// V1 `pay_method` the payment row keeps.
fn pay_method(
    pay_method: &str,
    easy_pay: Option<&EasyPayRequest>,
) -> Result<(Offer, &'static str), BrowserError> {
    let provider = easy_pay
        .and_then(|easy| easy.easy_pay_provider.as_deref())
        .map(|p| p.strip_prefix("EASY_PAY_PROVIDER_").unwrap_or(p));
    match (pay_method, provider) {
        ("CARD", _) => Ok((Offer::Card, "card")),
        ("TRANSFER", _) => Ok((Offer::Transfer, "trans")),
        ("VIRTUAL_ACCOUNT", _) => Ok((Offer::VirtualAccount, "vbank")),
        ("EASY_PAY", Some("KAKAOPAY")) => Ok((Offer::EasyPay("KAKAOPAY"), "kakaopay")),
        ("EASY_PAY", Some("TOSSPAY")) => Ok((Offer::EasyPay("TOSSPAY"), "tosspay")),
        ("EASY_PAY", other) => Err(BrowserError::bad_request(format!(
            "샌드박스의 간편결제는 KAKAOPAY, TOSSPAY입니다 / easyPay.easyPayProvider must be KAKAOPAY or TOSSPAY, not {}",
            other.unwrap_or("(none)")
        ))),
        (other, _) => Err(BrowserError::bad_request(format!(
            "지원하지 않는 결제수단입니다 / payMethod `{other}` is not one of CARD, TRANSFER, VIRTUAL_ACCOUNT, EASY_PAY"
        ))),
    }
}

/// Validates a `requestPayment` as V2 does before any window opens; `mobile` is
/// whether the buyer is on a phone (the payment's `channel` says so even without a
/// redirect), `redirect` whether the checkout ends in a redirect.
///
/// # Errors
/// The [`BrowserError`] the Promise rejects with.
pub fn validate_payment(
    request: &PaymentRequest,
    mobile: bool,
    redirect: bool,
) -> Result<PaymentCheckout, BrowserError> {
    let store_id = store_id(request.store_id.as_deref())?;
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
    let channel = channel(request.channel_key.as_deref())?;
    let (offer, v1_method) = pay_method(
        required("payMethod", request.pay_method.as_deref())?,
        request.easy_pay.as_ref(),
    )?;
    let channel = serving(channel, offer)?;
    let way_back = WayBack::check(
        redirect,
        request.redirect_url.as_deref(),
        request.notice_urls.as_deref(),
        request.app_scheme.as_deref(),
    )?;
    let customer = request.customer.clone().unwrap_or_default();
    Ok(PaymentCheckout {
        payment: NewPayment {
            merchant_uid: payment_id.to_owned(),
            pay_method: v1_method.to_owned(),
            pg_provider: channel.v1_pg.to_owned(),
            name: order_name.to_owned(),
            amount: total,
            buyer_name: customer.full_name,
            custom_data: custom_data::as_stored(request.custom_data.as_ref()),
            channel: if redirect || mobile { "mobile" } else { "pc" }.to_owned(),
            version: ApiVersion::V2,
            store_id: Some(store_id.to_owned()),
            channel_key: Some(channel.key.to_owned()),
            tax_free,
            buyer_email: customer.email,
            buyer_tel: customer.phone_number,
            ..NewPayment::default()
        },
        way_back,
    })
}

/// The ids `/v2/checkout` answers a payment with beside its `pgUrl`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PaymentIds {
    payment_id: String,
    tx_id: String,
}

/// Opens the checkout of a `requestPayment`: the payment and its transaction in one
/// SQLite transaction, as V1's checkout.
///
/// # Errors
/// The [`BrowserError`] the Promise rejects with.
pub(crate) fn open(
    state: &ApiState,
    request: &PaymentRequest,
    mobile: bool,
    redirect: bool,
) -> Result<Opened<PaymentIds>, BrowserError> {
    let checked = validate_payment(request, mobile, redirect)?;
    browser::open(
        state,
        |store, now| store.checkout(&checked.payment, &checked.way_back.urls(), now),
        |payment| PaymentIds {
            payment_id: payment.merchant_uid,
            tx_id: payment.imp_uid,
        },
    )
}
