//! V2's billing-key REST routes (<https://developers.portone.io/api/rest-v2/billingKey>;
//! under `/v2` and, being V2's alone, at the root: see `v2::mod`): a key issued from
//! card numbers (`POST /billing-keys`), read (`GET /billing-keys/{billingKey}`, the
//! `ISSUED` / `DELETED` union), deleted (`DELETE /billing-keys/{billingKey}`), and
//! charged (`POST /payments/{paymentId}/billing-key`: a V2 payment row, readable by
//! `GET /payments/{paymentId}`). A thin layer over the store's billing keys and the
//! sandbox's card company (`billing::card`); its JSON is `billing_model`, its errors
//! V2's types (`v2::error`). A charge's V2 webhook goes to its `noticeUrls` (none with
//! `skipWebhook`); issuing and deleting a key send none.

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::{Json, Router};

use super::auth::{authorize, check_store, V2Body};
use super::billing_model::{
    BillingKeyInfo, BillingKeyInfoSummary, BillingKeyPaymentSummary, DeleteBillingKeyResponse,
    DeleteQuery, IssueBillingKeyBody, IssueBillingKeyResponse, PayWithBillingKeyBody,
    PayWithBillingKeyResponse,
};
use super::browser_request::notice_url;
use super::channels::{self, Channel, ChannelRefusal, Offer};
use super::error::{V2Error, V2ErrorKind};
use super::model::rfc3339;
use super::rest::StoreQuery;
use crate::api::{ApiPath, ApiState};
use crate::billing::card::{self, CardInput};
use crate::custom_data;
use crate::store::{
    ApiVersion, BillingKey, BillingKeyStatus, NewBillingKey, NewPayment, PaymentStatus, StoreError,
};

/// The routes, relative to the API's base.
pub(crate) fn routes() -> Router<ApiState> {
    Router::new()
        .route("/billing-keys", post(issue))
        .route(
            "/billing-keys/{billing_key}",
            get(get_billing_key).delete(delete_billing_key),
        )
        .route("/payments/{payment_id}/billing-key", post(pay))
}

fn not_found(billing_key: &str) -> V2Error {
    V2Error::new(
        V2ErrorKind::BillingKeyNotFound,
        format!("빌링키가 존재하지 않습니다 / no billing key `{billing_key}`"),
    )
}

fn already_deleted(billing_key: &str) -> V2Error {
    V2Error::new(
        V2ErrorKind::BillingKeyAlreadyDeleted,
        format!("이미 삭제된 빌링키입니다 / `{billing_key}` was deleted"),
    )
}

/// The channel a request names, or the first of the store's that issues keys.
fn channel_of(channel_key: Option<&str>) -> Result<&'static Channel, V2Error> {
    match channel_key.map(str::trim).filter(|key| !key.is_empty()) {
        Some(key) => channels::offering(key, Offer::BillingKey).map_err(|refusal| match refusal {
            ChannelRefusal::NotFound(_) => {
                V2Error::new(V2ErrorKind::ChannelNotFound, refusal.to_string())
            }
            ChannelRefusal::DoesNotOffer { .. } => V2Error::invalid(refusal.to_string()),
        }),
        None => channels::CHANNELS
            .iter()
            .find(|channel| channel.offers(Offer::BillingKey))
            .ok_or_else(|| V2Error::invalid("빌링키 채널이 없습니다 / no billing-key channel")),
    }
}

/// A refusal of the store's billing-key changes: a key no longer issued (deleted by
/// another request between this one's read and its write) is `already_deleted`.
fn deleted_meanwhile(billing_key: &str) -> impl FnOnce(&StoreError) -> Option<V2Error> + '_ {
    move |err| matches!(err, StoreError::Conflict(_)).then(|| already_deleted(billing_key))
}

/// The V2 key `billing_key`, whatever its status.
fn v2_key(state: &ApiState, billing_key: &str) -> Result<BillingKey, V2Error> {
    let key = super::find(
        state,
        |store| store.billing_key(billing_key),
        || not_found(billing_key),
    )?;
    if key.version == ApiVersion::V2 {
        Ok(key)
    } else {
        Err(not_found(billing_key))
    }
}

/// `POST /billing-keys`: a key issued from card numbers, which the card company
/// verifies (a card it refuses is `PG_PROVIDER`).
pub(crate) async fn issue(
    State(state): State<ApiState>,
    headers: HeaderMap,
    V2Body(body): V2Body<IssueBillingKeyBody>,
) -> Result<Json<IssueBillingKeyResponse>, V2Error> {
    authorize(&state, &headers)?;
    check_store(body.store_id.as_deref())?;
    let credential = body
        .method
        .and_then(|method| method.card)
        .and_then(|card| card.credential)
        .ok_or_else(|| {
            V2Error::invalid(
                "method.card.credential이 필요합니다 / method.card.credential is required",
            )
        })?;
    let channel = channel_of(body.channel_key.as_deref())?;
    let (Some(number), Some(year), Some(month)) = (
        credential.number,
        credential.expiry_year,
        credential.expiry_month,
    ) else {
        return Err(V2Error::invalid(
            "카드번호와 유효기간이 필요합니다 / number, expiryYear and expiryMonth are required",
        ));
    };
    let now = (state.clock)();
    let masked = card::verify(
        &CardInput {
            number: &number,
            expiry_year: &year,
            expiry_month: &month,
            birth: credential.birth_or_business_registration_number.as_deref(),
            pwd_2digit: credential.password_two_digits.as_deref(),
        },
        now,
    )
    .map_err(|refusal| V2Error::new(V2ErrorKind::PgProvider, refusal.to_string()))?;
    let new = NewBillingKey {
        version: ApiVersion::V2,
        store_id: Some(crate::SANDBOX_STORE_ID.to_owned()),
        channel_key: Some(channel.key.to_owned()),
        pg_provider: channel.v1_pg.to_owned(),
        customer: body.customer.unwrap_or_default().into_key_customer(),
        custom_data: custom_data::as_stored(body.custom_data.as_ref()),
        ..NewBillingKey::default()
    };
    let key = super::with_store(&state, |store| store.issue_billing_key(&new, &masked, now))?;
    Ok(Json(IssueBillingKeyResponse {
        billing_key_info: BillingKeyInfoSummary {
            billing_key: key.billing_key,
            channels: vec![channel.selected()],
            issued_at: rfc3339(key.issued_at),
        },
    }))
}

/// `GET /billing-keys/{billingKey}`: an issued or deleted key.
pub(crate) async fn get_billing_key(
    State(state): State<ApiState>,
    headers: HeaderMap,
    ApiPath(billing_key): ApiPath<String>,
    Query(query): Query<StoreQuery>,
) -> Result<Json<BillingKeyInfo>, V2Error> {
    authorize(&state, &headers)?;
    check_store(query.store_id.as_deref())?;
    let key = v2_key(&state, &billing_key)?;
    BillingKeyInfo::of(key)
        .map(Json)
        .ok_or_else(|| not_found(&billing_key))
}

/// `DELETE /billing-keys/{billingKey}` (query `storeId`, `reason`, …).
pub(crate) async fn delete_billing_key(
    State(state): State<ApiState>,
    headers: HeaderMap,
    ApiPath(billing_key): ApiPath<String>,
    Query(query): Query<DeleteQuery>,
) -> Result<Json<DeleteBillingKeyResponse>, V2Error> {
    authorize(&state, &headers)?;
    check_store(query.store_id.as_deref())?;
    let key = v2_key(&state, &billing_key)?;
    match key.status {
        BillingKeyStatus::Issued => {}
        BillingKeyStatus::Deleted => return Err(already_deleted(&billing_key)),
        BillingKeyStatus::Ready | BillingKeyStatus::Failed => {
            return Err(V2Error::new(
                V2ErrorKind::BillingKeyNotIssued,
                format!("발급되지 않은 빌링키입니다 / `{billing_key}` was never issued"),
            ))
        }
    }
    let now = (state.clock)();
    let deleted = super::with_store_or(
        &state,
        |store| store.delete_billing_key(&billing_key, query.reason.as_deref(), now),
        deleted_meanwhile(&billing_key),
    )?;
    Ok(Json(DeleteBillingKeyResponse {
        deleted_at: rfc3339(deleted.deleted_at),
    }))
}

/// `POST /payments/{paymentId}/billing-key`: the key charged now. The card
/// company's decline is `PG_PROVIDER`, its payment `FAILED`.
pub(crate) async fn pay(
    State(state): State<ApiState>,
    headers: HeaderMap,
    ApiPath(payment_id): ApiPath<String>,
    V2Body(body): V2Body<PayWithBillingKeyBody>,
) -> Result<Json<PayWithBillingKeyResponse>, V2Error> {
    authorize(&state, &headers)?;
    check_store(body.store_id.as_deref())?;
    let billing_key = body
        .billing_key
        .filter(|key| !key.trim().is_empty())
        .ok_or_else(|| V2Error::invalid("billingKey가 필요합니다 / billingKey is required"))?;
    let order_name = body
        .order_name
        .filter(|name| !name.trim().is_empty())
        .ok_or_else(|| V2Error::invalid("orderName이 필요합니다 / orderName is required"))?;
    let amount = body.amount.unwrap_or_default();
    let total = amount.total.filter(|total| *total > 0).ok_or_else(|| {
        V2Error::invalid("amount.total은 양의 정수입니다 / amount.total must be positive")
    })?;
    let tax_free = amount.tax_free.unwrap_or(0);
    if !(0..=total).contains(&tax_free) {
        return Err(V2Error::invalid(
            "amount.taxFree가 amount.total을 넘습니다 / amount.taxFree exceeds amount.total",
        ));
    }
    let Some(currency) = body.currency.as_deref() else {
        return Err(V2Error::invalid(
            "currency가 필요합니다 / currency is required",
        ));
    };
    super::currency(Some(currency))?;
    let notice_url = if body.skip_webhook == Some(true) {
        None
    } else {
        notice_url(body.notice_urls.as_deref()).map_err(V2Error::invalid)?
    };
    if body.channel_key.is_some() {
        channel_of(body.channel_key.as_deref())?;
    }
    let key = v2_key(&state, &billing_key)?;
    match key.status {
        BillingKeyStatus::Issued => {}
        BillingKeyStatus::Deleted => return Err(already_deleted(&billing_key)),
        BillingKeyStatus::Ready | BillingKeyStatus::Failed => return Err(not_found(&billing_key)),
    }
    let customer = body.customer.unwrap_or_default().into_key_customer();
    let new = NewPayment {
        merchant_uid: payment_id,
        name: order_name,
        amount: total,
        tax_free,
        buyer_name: customer.name,
        buyer_email: customer.email,
        buyer_tel: customer.tel,
        custom_data: custom_data::as_stored(body.custom_data.as_ref()),
        channel: "api".to_owned(),
        version: ApiVersion::V2,
        store_id: key.store_id.clone(),
        channel_key: key.channel_key.clone(),
        notice_url,
        ..NewPayment::default()
    };
    let now = (state.clock)();
    let payment = super::with_store_or(
        &state,
        |store| store.charge_billing_key(&billing_key, new, now),
        deleted_meanwhile(&billing_key),
    )?;
    // Its webhook, if it asked for one, is in the outbox.
    state.webhooks.wake();
    if payment.status != PaymentStatus::Paid {
        return Err(V2Error::new(
            V2ErrorKind::PgProvider,
            payment
                .fail_reason
                .unwrap_or_else(|| "카드사 승인 거절 / declined".to_owned()),
        ));
    }
    Ok(Json(PayWithBillingKeyResponse {
        payment: BillingKeyPaymentSummary {
            pg_tx_id: format!("pgtx_{}", payment.imp_uid),
            paid_at: rfc3339(payment.paid_at),
        },
    }))
}
