//! The V2 REST API's payment routes (`https://api.portone.io`, here under `/v2` and,
//! for V2 credentials, at the root: see `v2::mod`): a payment by its `paymentId`
//! (the status union), its pre-registration and its cancellation
//! (<https://developers.portone.io/api/rest-v2/payment>). Their JSON is `v2::model`.

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::Json;
use serde::Deserialize;

use crate::api::{ApiPath, ApiState};
use crate::store::PaymentStatus;
use crate::v2::auth::{authorize, check_store, V2Body};
use crate::v2::error::{V2Error, V2ErrorKind};
use crate::v2::model::{
    CancelBody, CancelPaymentResponse, Payment, PreRegisterBody, PreRegisterPaymentResponse,
};

/// The query of V2's GET routes.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StoreQuery {
    pub(crate) store_id: Option<String>,
}

fn not_found(payment_id: &str) -> V2Error {
    V2Error::new(
        V2ErrorKind::PaymentNotFound,
        format!("결제 건이 존재하지 않습니다 / no payment `{payment_id}`"),
    )
}

/// `GET /payments/{paymentId}`.
pub(crate) async fn get_payment(
    State(state): State<ApiState>,
    headers: HeaderMap,
    ApiPath(payment_id): ApiPath<String>,
    Query(query): Query<StoreQuery>,
) -> Result<Json<Payment>, V2Error> {
    authorize(&state, &headers)?;
    check_store(query.store_id.as_deref())?;
    let payment = super::find(
        &state,
        |store| store.v2_payment(&payment_id),
        || not_found(&payment_id),
    )?;
    Ok(Json(Payment::from_store(&payment)))
}

/// `POST /payments/{paymentId}/pre-register`.
pub(crate) async fn pre_register(
    State(state): State<ApiState>,
    headers: HeaderMap,
    ApiPath(payment_id): ApiPath<String>,
    V2Body(body): V2Body<PreRegisterBody>,
) -> Result<Json<PreRegisterPaymentResponse>, V2Error> {
    authorize(&state, &headers)?;
    check_store(body.store_id.as_deref())?;
    let currency = super::currency(body.currency.as_deref())?;
    // Every field is optional in V2; without an amount there is nothing to fix.
    if let Some(total_amount) = body.total_amount {
        super::with_store(&state, |store| {
            store.pre_register(&payment_id, total_amount, body.tax_free_amount, currency)
        })?;
    }
    Ok(Json(PreRegisterPaymentResponse::default()))
}

/// `POST /payments/{paymentId}/cancel`: all that is left, or `amount` of it.
pub(crate) async fn cancel(
    State(state): State<ApiState>,
    headers: HeaderMap,
    ApiPath(payment_id): ApiPath<String>,
    V2Body(body): V2Body<CancelBody>,
) -> Result<Json<CancelPaymentResponse>, V2Error> {
    authorize(&state, &headers)?;
    check_store(body.store_id.as_deref())?;
    let Some(reason) = body.reason.filter(|r| !r.trim().is_empty()) else {
        return Err(V2Error::invalid("reason이 필요합니다 / reason is required"));
    };
    let now = (state.clock)();
    // Any failure to read it reads as its absence.
    let payment = super::with_store(&state, |store| store.v2_payment(&payment_id))
        .map_err(|_| not_found(&payment_id))?;
    match payment.status {
        PaymentStatus::Paid => {}
        PaymentStatus::Cancelled => {
            return Err(V2Error::new(
                V2ErrorKind::PaymentAlreadyCancelled,
                "이미 취소된 결제입니다 / already cancelled",
            ))
        }
        PaymentStatus::Ready | PaymentStatus::Failed => {
            return Err(V2Error::new(
                V2ErrorKind::PaymentNotPaid,
                "결제되지 않은 건입니다 / the payment is not paid",
            ))
        }
    }
    let left = payment.amount - payment.cancel_amount;
    if body
        .current_cancellable_amount
        .is_some_and(|expected| expected != left)
    {
        return Err(V2Error::new(
            V2ErrorKind::CancellableAmountConsistencyBroken,
            format!("취소 가능 금액은 {left}원입니다 / the cancellable amount is {left}"),
        ));
    }
    let amount = body.amount.unwrap_or(left);
    if amount <= 0 {
        return Err(V2Error::invalid("amount must be positive"));
    }
    if amount > left {
        return Err(V2Error::new(
            V2ErrorKind::CancelAmountExceedsCancellableAmount,
            format!("취소 가능 금액 {left}원을 넘습니다 / more than the {left} left"),
        ));
    }
    let after = super::with_store(&state, |store| {
        store.cancel(
            &payment.imp_uid,
            Some(amount),
            &reason,
            now,
            !body.skip_webhook,
        )
    })?;
    state.webhooks.wake();
    let not_recorded = || {
        V2Error::new(
            V2ErrorKind::InternalServerError,
            "the cancellation was not recorded",
        )
    };
    let (Payment::PartialCancelled { cancelled, .. } | Payment::Cancelled { cancelled, .. }) =
        Payment::from_store(&after)
    else {
        return Err(not_recorded());
    };
    let cancellation = cancelled
        .cancellations
        .into_iter()
        .last()
        .ok_or_else(not_recorded)?;
    Ok(Json(CancelPaymentResponse { cancellation }))
}
