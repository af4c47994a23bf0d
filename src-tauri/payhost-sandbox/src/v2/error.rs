//! V2's errors: `{ type, message }` with the HTTP status V2's OpenAPI gives each type
//! (`x-portone-status-code` in `portone-io/developers.portone.io:src/schema/v2.openapi.json`).
//! The official clients pick their exception from `type` alone
//! (`portone-server-sdk@0.21.0`: `PaymentNotFoundError`, `UnauthorizedError`, …;
//! `@portone/server-sdk@0.19.0`: `error.data.type`), so the literal must be exact.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

use crate::store::StoreError;

/// A V2 error type and what it says.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind:?}: {message}")]
pub struct V2Error {
    /// The type.
    pub kind: V2ErrorKind,
    /// What went wrong, Korean first.
    pub message: String,
}

/// The V2 error types the sandbox answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum V2ErrorKind {
    /// 400.
    InvalidRequest,
    /// 401.
    Unauthorized,
    /// 403: another store.
    Forbidden,
    /// 404.
    PaymentNotFound,
    /// 409: a pre-registration or payment of an already paid `paymentId`.
    AlreadyPaid,
    /// 409.
    PaymentNotPaid,
    /// 409.
    PaymentAlreadyCancelled,
    /// 409.
    CancelAmountExceedsCancellableAmount,
    /// 409: `currentCancellableAmount` is not what can be cancelled.
    CancellableAmountConsistencyBroken,
    /// 404.
    BillingKeyNotFound,
    /// 409.
    BillingKeyAlreadyDeleted,
    /// 404: a key whose issue was never completed (`DELETE /billing-keys/{billingKey}`).
    BillingKeyNotIssued,
    /// 404.
    ChannelNotFound,
    /// 404.
    IdentityVerificationNotFound,
    /// 502: the PG refused (a declined card).
    PgProvider,
    /// 500: the sandbox itself failed (its database); no V2 type names this, so the
    /// clients raise their "unknown error".
    InternalServerError,
}

impl V2ErrorKind {
    fn status(self) -> StatusCode {
        match self {
            Self::InvalidRequest => StatusCode::BAD_REQUEST,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::PaymentNotFound
            | Self::BillingKeyNotFound
            | Self::BillingKeyNotIssued
            | Self::ChannelNotFound
            | Self::IdentityVerificationNotFound => StatusCode::NOT_FOUND,
            Self::AlreadyPaid
            | Self::PaymentNotPaid
            | Self::PaymentAlreadyCancelled
            | Self::CancelAmountExceedsCancellableAmount
            | Self::CancellableAmountConsistencyBroken
            | Self::BillingKeyAlreadyDeleted => StatusCode::CONFLICT,
            Self::PgProvider => StatusCode::BAD_GATEWAY,
            Self::InternalServerError => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl V2Error {
    /// An error of `kind` saying `message`.
    pub fn new(kind: V2ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    /// `INVALID_REQUEST`.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(V2ErrorKind::InvalidRequest, message)
    }
}

/// The body: `{ "type": …, "message": … }` (`PgProviderError` also requires
/// `pgCode` and `pgMessage`).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Body<'a> {
    #[serde(rename = "type")]
    kind: V2ErrorKind,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pg_code: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pg_message: Option<&'a str>,
}

impl IntoResponse for V2Error {
    fn into_response(self) -> Response {
        let pg = self.kind == V2ErrorKind::PgProvider;
        let body = Body {
            kind: self.kind,
            message: &self.message,
            pg_code: pg.then_some("SANDBOX"),
            pg_message: pg.then_some(self.message.as_str()),
        };
        (self.kind.status(), Json(body)).into_response()
    }
}

impl From<StoreError> for V2Error {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => Self::new(
                V2ErrorKind::PaymentNotFound,
                "결제 건이 존재하지 않습니다 / no such payment",
            ),
            StoreError::Invalid(message) | StoreError::NotAsPrepared(message) => {
                Self::invalid(message)
            }
            StoreError::AlreadyPaid(message) => Self::new(V2ErrorKind::AlreadyPaid, message),
            StoreError::Conflict(message) => Self::invalid(message),
            StoreError::Database(err) => {
                tracing::error!("V2 API: {err}");
                Self::new(V2ErrorKind::InternalServerError, format!("database: {err}"))
            }
            StoreError::Encode(err) => Self::new(
                V2ErrorKind::InternalServerError,
                format!("webhook body: {err}"),
            ),
            StoreError::LockPoisoned => {
                Self::new(V2ErrorKind::InternalServerError, err.to_string())
            }
        }
    }
}
