//! iamport V1's billing-key API (`/subscribe/…`, "비인증 결제" and "정기결제",
//! `portone-io/developers.portone.io:src/schema/v1.openapi.json`), as a merchant's
//! server calls it with its API token: a customer's card registered from its numbers
//! (`customers`), payments made without the buyer (`payments`: `again` with the
//! registered card, `onetime` with card numbers) and charges scheduled for later
//! (`schedules`, fired by `billing::scheduler`). A thin protocol layer over the store
//! (`store::billing`, `store::schedules`) and the card company (`billing::card`); the
//! JSON it reads and answers is `model`.
//!
//! Answers keep iamport's envelope. A refusal the card company or iamport reports in
//! the envelope is HTTP 200 with a `code` other than 0, as the official Python client
//! sees it (`iamport-rest-client@0.9.0:iamport/client.py` raises `ResponseError`): a
//! card that fails verification is `-1` "카드정보 인증에 실패하였습니다.", an unknown
//! customer `-1` for `again` and `1` "등록되지 않은 구매자입니다." for `schedule`
//! (`iamport/iamport-rest-client-python:tests/test_pay_again.py`,
//! `tests/test_pay_schedule.py`); an unknown customer or schedule looked up by its id
//! is 404.

mod customers;
mod model;
mod payments;
mod schedules;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

use crate::api::{refusal, ApiError, ApiState};
use crate::billing::card::CardRefusal;
use crate::store::StoreError;

/// A refusal of the billing-key API.
#[derive(Debug)]
pub(crate) enum SubscribeError {
    /// One of the API's own (401, 404, a business refusal with code 1, …).
    Api(ApiError),
    /// HTTP 200 with `code` (not 0) and `message`: what iamport answers for a card
    /// the card company refused or a customer it does not know.
    Refused {
        /// The envelope's code.
        code: i64,
        /// Why, Korean first.
        message: String,
    },
}

impl From<ApiError> for SubscribeError {
    fn from(err: ApiError) -> Self {
        Self::Api(err)
    }
}

impl From<StoreError> for SubscribeError {
    fn from(err: StoreError) -> Self {
        Self::Api(ApiError::from(err))
    }
}

impl From<CardRefusal> for SubscribeError {
    fn from(refusal: CardRefusal) -> Self {
        Self::Refused {
            code: -1,
            message: refusal.to_string(),
        }
    }
}

impl IntoResponse for SubscribeError {
    fn into_response(self) -> Response {
        match self {
            Self::Api(err) => err.into_response(),
            Self::Refused { code, message } => refusal(StatusCode::OK, code, &message),
        }
    }
}

/// "등록되지 않은 구매자입니다." with `code`, for a customer without a key.
fn unknown_customer(code: i64, customer_uid: &str) -> SubscribeError {
    SubscribeError::Refused {
        code,
        message: format!(
            "등록되지 않은 구매자입니다. / no billing key for customer_uid `{customer_uid}`"
        ),
    }
}

/// A required field, or iamport's refusal naming it ("Essential parameter is
/// missing!", `iamport/iamport-rest-client-python:tests/test_billing_key.py`).
fn required<T>(field: &str, value: Option<T>) -> Result<T, SubscribeError> {
    value.ok_or_else(|| {
        rejected(format!(
            "필수 파라메터가 누락되었습니다: {field} / Essential parameter is missing!: {field}"
        ))
    })
}

/// A refusal of the request itself, in the envelope (HTTP 200, code 1).
fn rejected(message: String) -> SubscribeError {
    SubscribeError::Api(ApiError::Rejected(message))
}

/// The PG of a V1 `pg` (`nice`, `nice.MID`: the part before the dot); NICE when it
/// names none.
fn pg_provider(pg: Option<&str>) -> String {
    pg.and_then(|pg| pg.split('.').next())
        .map(str::trim)
        .filter(|pg| !pg.is_empty())
        .unwrap_or("nice")
        .to_owned()
}

/// The billing-key routes.
pub fn router(state: ApiState) -> Router {
    Router::new()
        .route("/subscribe/customers", get(customers::get_many))
        .route(
            "/subscribe/customers/{customer_uid}",
            get(customers::get_one)
                .post(customers::register)
                .delete(customers::delete),
        )
        .route("/subscribe/payments/again", post(payments::again))
        .route("/subscribe/payments/onetime", post(payments::onetime))
        .route(
            "/subscribe/payments/schedule",
            get(schedules::between).post(schedules::schedule),
        )
        .route(
            "/subscribe/payments/schedule/{merchant_uid}",
            get(schedules::get_one),
        )
        .route(
            "/subscribe/payments/unschedule",
            post(schedules::unschedule),
        )
        .route("/sandbox/schedules/run", post(schedules::run_due))
        .with_state(state)
}
