//! Payments made by the merchant's server without the buyer: `again` charges a
//! customer's registered card, `onetime` charges card numbers (키인결제; with
//! `customer_uid` the card is also registered). The card company decides each
//! charge (`billing::card::decline`): the answer is the payment, `paid` or `failed`
//! (iamport's guide checks `status` after a `code` of 0: "카드사 통신에 성공(실제 승인
//! 성공 여부는 추가 판단이 필요합니다.)", `portone-io/developers.portone.io:
//! src/routes/(root)/opi/ko/integration/start/v1/non-auth.mdx` and its V1 guide).

use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::Json;
use serde_json::Value;

use super::model::{text, AgainBody, OnetimeBody};
use super::{pg_provider, rejected, required, unknown_customer, SubscribeError};
use crate::api::{authorize, json_or_form, ok, ApiError, ApiState};
use crate::billing::card::{self, CardInput};
use crate::checkout::http_url;
use crate::custom_data;
use crate::store::{ApiVersion, CustomerUidUsage, KeyCustomer, NewBillingKey, NewPayment};

/// `KRW` only, as the checkout.
fn krw(currency: Option<&str>) -> Result<(), SubscribeError> {
    match currency.map(str::trim) {
        None | Some("" | "KRW") => Ok(()),
        Some(_) => Err(rejected(
            "샌드박스는 KRW 만 지원합니다 / currency must be KRW".to_owned(),
        )),
    }
}

/// A `notice_url`, checked as the checkout checks it.
fn notice_url(url: Option<&str>) -> Result<Option<String>, SubscribeError> {
    url.map(str::trim)
        .filter(|url| !url.is_empty())
        .map(|url| http_url("notice_url", url))
        .transpose()
        .map_err(rejected)
}

/// `POST /subscribe/payments/again`: `customer_uid`, `merchant_uid`, `amount` and
/// `name` required (`portone-io/developers.portone.io:src/schema/v1.openapi.json`).
/// An unknown customer is refused before a missing `name`: iamport-rest-client asks
/// only for the first three, and its own test sends no `name` for an unknown customer
/// and expects `-1` (`iamport/iamport-rest-client-python:tests/test_pay_again.py`).
pub(super) async fn again(
    State(state): State<ApiState>,
    headers: HeaderMap,
    request: Request,
) -> Result<Json<Value>, SubscribeError> {
    authorize(&state, &headers)?;
    let body: AgainBody = json_or_form(request).await?;
    let customer_uid = required("customer_uid", body.customer_uid)?;
    let merchant_uid = required("merchant_uid", body.merchant_uid)?;
    let amount = required("amount", body.amount)?;
    if body.name.is_none() {
        match state.with_store(|store| store.customer(&customer_uid)) {
            Err(ApiError::NotFound(_)) => return Err(unknown_customer(-1, &customer_uid)),
            Err(err) => return Err(err.into()),
            Ok(_) => {}
        }
    }
    let name = required("name", body.name)?;
    krw(body.currency.as_deref())?;
    let new = NewPayment {
        merchant_uid,
        name,
        amount,
        tax_free: body.tax_free.unwrap_or(0),
        buyer_name: body.buyer_name,
        buyer_email: body.buyer_email,
        buyer_tel: body.buyer_tel,
        custom_data: custom_data::as_stored(body.custom_data.as_ref()),
        channel: "api".to_owned(),
        version: ApiVersion::V1,
        customer_uid_usage: Some(CustomerUidUsage::Payment),
        notice_url: notice_url(body.notice_url.as_deref())?,
        ..NewPayment::default()
    };
    let now = (state.clock)();
    let charged = state.with_store(|store| store.charge_customer(&customer_uid, new, now));
    state.webhooks.wake();
    match charged {
        Ok(payment) => Ok(ok(payment)?),
        Err(ApiError::NotFound(_)) => Err(unknown_customer(-1, &customer_uid)),
        Err(err) => Err(err.into()),
    }
}

/// `POST /subscribe/payments/onetime`: `merchant_uid`, `amount`, `card_number` and
/// `expiry` required.
pub(super) async fn onetime(
    State(state): State<ApiState>,
    headers: HeaderMap,
    request: Request,
) -> Result<Json<Value>, SubscribeError> {
    authorize(&state, &headers)?;
    let body: OnetimeBody = json_or_form(request).await?;
    let merchant_uid = required("merchant_uid", body.merchant_uid)?;
    let amount = required("amount", body.amount)?;
    let number = required("card_number", body.card_number)?;
    let expiry = required("expiry", body.expiry)?;
    krw(body.currency.as_deref())?;
    let birth = text(body.birth);
    let pwd_2digit = text(body.pwd_2digit);
    let now = (state.clock)();
    let input = CardInput::v1(&number, &expiry, birth.as_deref(), pwd_2digit.as_deref())?;
    let masked = card::verify(&input, now)?;
    let pg_provider = pg_provider(body.pg.as_deref());
    let customer_uid = body
        .customer_uid
        .map(|uid| uid.trim().to_owned())
        .filter(|uid| !uid.is_empty());
    let postcode = text(body.buyer_postcode);
    let save = customer_uid.as_ref().map(|uid| NewBillingKey {
        version: ApiVersion::V1,
        customer_uid: Some(uid.clone()),
        pg_provider: pg_provider.clone(),
        customer: KeyCustomer {
            name: body.buyer_name.clone(),
            tel: body.buyer_tel.clone(),
            email: body.buyer_email.clone(),
            addr: body.buyer_addr.clone(),
            postcode,
            ..KeyCustomer::default()
        },
        ..NewBillingKey::default()
    });
    let new = NewPayment {
        merchant_uid,
        pg_provider,
        name: body.name.unwrap_or_default(),
        amount,
        tax_free: body.tax_free.unwrap_or(0),
        buyer_name: body.buyer_name,
        buyer_email: body.buyer_email,
        buyer_tel: body.buyer_tel,
        custom_data: custom_data::as_stored(body.custom_data.as_ref()),
        channel: "api".to_owned(),
        version: ApiVersion::V1,
        customer_uid_usage: customer_uid.is_some().then_some(CustomerUidUsage::Payment),
        notice_url: notice_url(body.notice_url.as_deref())?,
        ..NewPayment::default()
    };
    let charged = state.with_store(|store| store.charge_card(new, &masked, save.as_ref(), now))?;
    state.webhooks.wake();
    Ok(ok(charged)?)
}
