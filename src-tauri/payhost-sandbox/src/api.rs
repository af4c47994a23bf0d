//! The iamport V1 REST API, as the merchant's server sees it
//! (<https://developers.portone.io/api/rest-v1>): `POST /users/getToken`,
//! `GET /payments/{imp_uid}`, `GET /payments/find/{merchant_uid}`,
//! `POST|PUT /payments/prepare`, `GET /payments/prepare/{merchant_uid}`,
//! `POST /payments/cancel`, the lookups of several payments (`lookup`:
//! `GET /payments?imp_uid[]=…`, `GET /payments/status/{status}`), the revocation
//! of a virtual account (`vbanks`: `DELETE /vbanks/{imp_uid}`) and identity
//! verifications (`certifications`: `GET`/`DELETE /certifications/{imp_uid}`), every
//! answer in the `{code, message, response}` envelope (`Envelope`). Payments are
//! created and settled only through the checkout (`checkout`), as the buyer's
//! browser and payment app do, and a virtual account is paid into only at the
//! sandbox's bank (`bank`).

mod certifications;
mod lookup;
mod vbanks;

use std::sync::{Arc, Mutex};

use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Form, Json, Router};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::billing::scheduler::{Scheduler, Schedules};
use crate::ids::normalize_merchant_uid;
use crate::store::{random_id, PaymentStatus, Store, StoreError};
use crate::webhooks::{Outbox, WebhookPolicy, WebhookSender};

/// An access token lives 30 minutes (iamport: "valid 30 minutes").
pub const TOKEN_LIFETIME_SECS: i64 = 30 * 60;

/// Unix seconds; injectable so tests can move time.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// The system clock.
pub fn system_clock() -> Clock {
    Arc::new(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
    })
}

/// Shared state of the API.
#[derive(Clone)]
pub struct ApiState {
    store: Arc<Mutex<Store>>,
    pub(crate) clock: Clock,
    /// Webhooks to the merchant's `notice_url`.
    pub(crate) webhooks: Outbox,
    /// Scheduled charges, fired by their own task.
    pub(crate) schedules: Schedules,
    imp_key: String,
    imp_secret: String,
    /// The scheme of the app the checkout pages run in, when the sandbox knows it.
    pub(crate) host_app_scheme: Option<String>,
}

impl std::fmt::Debug for ApiState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiState")
            .field("imp_key", &self.imp_key)
            .finish_non_exhaustive()
    }
}

impl ApiState {
    /// State over `store` with the merchant's REST API key and secret.
    pub fn new(store: Store, clock: Clock, imp_key: &str, imp_secret: &str) -> Self {
        Self {
            store: Arc::new(Mutex::new(store)),
            clock,
            webhooks: Outbox::new(),
            schedules: Schedules::new(),
            imp_key: imp_key.to_owned(),
            imp_secret: imp_secret.to_owned(),
            host_app_scheme: None,
        }
    }

    /// The scheme of the app the checkout pages run in (payhost's `app_scheme`). A
    /// PASS app opens no link back (Android shows the app that started it again,
    /// iOS leaves it to the buyer; `apps::ReturnStyle::Bare`); the simulated one
    /// brings this app to the front instead, for a verification whose request names
    /// no `app_scheme`.
    #[must_use]
    pub fn with_host_app_scheme(mut self, scheme: Option<&str>) -> Self {
        self.host_app_scheme = scheme.map(str::to_owned);
        self
    }

    /// Where webhooks may go and how they are retried (before [`Self::webhook_sender`]).
    #[must_use]
    pub fn with_webhook_policy(mut self, policy: WebhookPolicy) -> Self {
        self.webhooks.policy = policy;
        self
    }

    /// The task that delivers this state's webhooks; `None` once taken. Without it
    /// webhooks wait in the outbox (a later sandbox on the database sends them).
    pub fn webhook_sender(&self) -> Option<WebhookSender> {
        self.webhooks.sender(Arc::clone(&self.store))
    }

    /// The task that fires this state's scheduled charges; `None` once taken.
    /// Without it charges wait in the store (a later sandbox on the database fires
    /// the ones that came due, at once).
    pub fn scheduler(&self) -> Option<Scheduler> {
        self.schedules.scheduler(
            Arc::clone(&self.store),
            Arc::clone(&self.clock),
            self.webhooks.clone(),
        )
    }

    pub(crate) fn store(&self) -> &Mutex<Store> {
        &self.store
    }

    pub(crate) fn with_store<T>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, StoreError>,
    ) -> Result<T, ApiError> {
        crate::store::lock(&self.store)
            .and_then(|mut store| f(&mut store))
            .map_err(ApiError::from)
    }
}

/// An API failure and its HTTP shape.
#[derive(Debug)]
pub enum ApiError {
    /// 401, code -1.
    Unauthorized(String),
    /// 404, code 1.
    NotFound(String),
    /// 200, code 1: iamport reports business errors in the envelope.
    Rejected(String),
    /// 400, code -1: the request could not be read.
    BadRequest(String),
    /// 500, code -1.
    Internal(String),
    /// 502, code -1: the merchant's server did not take a webhook.
    Upstream(String),
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => Self::NotFound(err.to_string()),
            StoreError::Conflict(message)
            | StoreError::Invalid(message)
            | StoreError::AlreadyPaid(message)
            | StoreError::NotAsPrepared(message) => Self::Rejected(message),
            StoreError::Database(err) => Self::Internal(err.to_string()),
            StoreError::Encode(err) => Self::Internal(err.to_string()),
            StoreError::LockPoisoned => Self::Internal(err.to_string()),
        }
    }
}

/// iamport's envelope of every answer (<https://developers.portone.io/api/rest-v1>).
#[derive(Debug, Serialize)]
struct Envelope<'a, T> {
    /// 0 for a success; 1 (or -1, or a card company's) for a refusal.
    code: i64,
    /// Why, for a refusal or a partial success; `null` otherwise.
    message: Option<&'a str>,
    /// The answer; `null` for a refusal.
    response: T,
}

/// `response` in the envelope with `code` and `message`.
pub(crate) fn envelope(
    code: i64,
    message: Option<&str>,
    response: impl Serialize,
) -> Result<Json<Value>, ApiError> {
    serde_json::to_value(Envelope {
        code,
        message,
        response,
    })
    .map(Json)
    .map_err(|err| ApiError::Internal(err.to_string()))
}

/// A success: `response` in the envelope with code 0.
pub(crate) fn ok(response: impl Serialize) -> Result<Json<Value>, ApiError> {
    envelope(0, None, response)
}

/// A refusal: HTTP `status`, and `code` and `message` in the envelope with a `null`
/// response.
pub(crate) fn refusal(status: StatusCode, code: i64, message: &str) -> Response {
    let body = Envelope {
        code,
        message: Some(message),
        response: (),
    };
    (status, Json(body)).into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, message) = match &self {
            Self::Unauthorized(m) => (StatusCode::UNAUTHORIZED, -1, m),
            Self::NotFound(m) => (StatusCode::NOT_FOUND, 1, m),
            Self::Rejected(m) => (StatusCode::OK, 1, m),
            Self::BadRequest(m) => (StatusCode::BAD_REQUEST, -1, m),
            Self::Internal(m) => (StatusCode::INTERNAL_SERVER_ERROR, -1, m),
            Self::Upstream(m) => (StatusCode::BAD_GATEWAY, -1, m),
        };
        refusal(status, code, message)
    }
}

/// A path parameter whose rejection (invalid UTF-8 after percent-decoding, `%FF`)
/// is answered in the envelope like every other API error, not as axum's plain text.
pub(crate) struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(value)| Self(value))
            .map_err(|err| ApiError::BadRequest(err.body_text()))
    }
}

/// A query string whose rejection (a number that is not one, `page=x`) is answered in
/// the envelope, as [`ApiPath`] does for paths.
pub(crate) struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(value)| Self(value))
            .map_err(|err| ApiError::BadRequest(err.body_text()))
    }
}

/// Reads a body sent as JSON (`Content-Type: application/json`) or otherwise as a
/// form (iamport accepts both, and sends its webhooks in either); why it could not.
pub(crate) async fn decode_json_or_form<T: serde::de::DeserializeOwned + Send + 'static>(
    request: Request,
) -> Result<T, String> {
    let is_json = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        Json::<T>::from_request(request, &())
            .await
            .map(|Json(body)| body)
            .map_err(|err| err.body_text())
    } else {
        Form::<T>::from_request(request, &())
            .await
            .map(|Form(body)| body)
            .map_err(|err| err.body_text())
    }
}

/// [`decode_json_or_form`], refused in the envelope.
pub(crate) async fn json_or_form<T: serde::de::DeserializeOwned + Send + 'static>(
    request: Request,
) -> Result<T, ApiError> {
    decode_json_or_form(request)
        .await
        .map_err(ApiError::BadRequest)
}

/// The access token of an `Authorization` header: `Bearer TOKEN` with the scheme in
/// any case (<https://docs.iamport.kr/en-US/tech/access-token>; RFC 9110 §11.1: an
/// auth scheme is case-insensitive), or the bare token, which iamport accepts too
/// (its own verification example sends `headers: { "Authorization": access_token }`,
/// <https://developers.portone.io/docs/en/auth/guide/5>).
pub(crate) fn access_token(header: &str) -> Option<&str> {
    let header = header.trim();
    let token = match header.split_once(|c: char| c.is_ascii_whitespace()) {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim(),
        _ if header.eq_ignore_ascii_case("bearer") => "",
        _ => header,
    };
    Some(token).filter(|t| !t.is_empty())
}

/// Checks the request's API token, as every V1 route but `getToken` does.
pub(crate) fn authorize(state: &ApiState, headers: &HeaderMap) -> Result<(), ApiError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(access_token)
        .ok_or_else(|| ApiError::Unauthorized("Unauthorized: no access token".to_owned()))?;
    let now = (state.clock)();
    if state.with_store(|store| store.token_valid(token, now))? {
        Ok(())
    } else {
        Err(ApiError::Unauthorized(
            "Unauthorized: the access token is invalid or expired".to_owned(),
        ))
    }
}

#[derive(Deserialize)]
struct TokenRequest {
    imp_key: Option<String>,
    imp_secret: Option<String>,
}

/// `POST /users/getToken`'s `response`.
#[derive(Serialize)]
struct Token {
    access_token: String,
    /// The API's time, Unix seconds.
    now: i64,
    /// Unix seconds.
    expired_at: i64,
}

async fn get_token(
    State(state): State<ApiState>,
    request: Request,
) -> Result<Json<Value>, ApiError> {
    let body: TokenRequest = json_or_form(request).await?;
    if body.imp_key.as_deref() != Some(state.imp_key.as_str())
        || body.imp_secret.as_deref() != Some(state.imp_secret.as_str())
    {
        return Err(ApiError::Unauthorized(
            "imp_key, imp_secret 파라메터가 누락되었거나 일치하지 않습니다".to_owned(),
        ));
    }
    let now = (state.clock)();
    let token = random_id("");
    let expired_at = now + TOKEN_LIFETIME_SECS;
    state.with_store(|store| store.add_token(&token, expired_at))?;
    ok(Token {
        access_token: token,
        now,
        expired_at,
    })
}

/// `GET /payments/{id}`: V1's `imp_uid`, or V2's `paymentId` for a request with V2
/// credentials (the one path both APIs have at the root: `crate::v2`).
async fn get_payment(
    State(state): State<ApiState>,
    headers: HeaderMap,
    path: ApiPath<String>,
    query: axum::extract::Query<crate::v2::rest::StoreQuery>,
) -> Response {
    if crate::v2::auth::is_v2_request(&headers) {
        return crate::v2::rest::get_payment(State(state), headers, path, query)
            .await
            .into_response();
    }
    let ApiPath(imp_uid) = path;
    let answer = authorize(&state, &headers)
        .and_then(|()| ok(state.with_store(|store| store.get(&imp_uid))?));
    answer.into_response()
}

async fn find_payment(
    State(state): State<ApiState>,
    headers: HeaderMap,
    ApiPath(merchant_uid): ApiPath<String>,
) -> Result<Json<Value>, ApiError> {
    authorize(&state, &headers)?;
    ok(state.with_store(|store| store.find(&merchant_uid, None))?)
}

async fn find_payment_with_status(
    State(state): State<ApiState>,
    headers: HeaderMap,
    ApiPath((merchant_uid, status)): ApiPath<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    authorize(&state, &headers)?;
    ok(state.with_store(|store| {
        // A status iamport does not have names no payment (as the lookup by it would).
        let status = PaymentStatus::parse(&status).ok_or(StoreError::NotFound)?;
        store.find(&merchant_uid, Some(status))
    })?)
}

#[derive(Deserialize)]
struct PrepareRequest {
    merchant_uid: String,
    amount: i64,
}

/// `POST /payments/prepare`'s `response`: the order as registered.
#[derive(Serialize)]
struct Prepared {
    merchant_uid: String,
    amount: i64,
}

async fn prepare(
    State(state): State<ApiState>,
    headers: HeaderMap,
    request: Request,
) -> Result<Json<Value>, ApiError> {
    authorize(&state, &headers)?;
    let body: PrepareRequest = json_or_form(request).await?;
    let merchant_uid = state.with_store(|store| store.prepare(&body.merchant_uid, body.amount))?;
    ok(Prepared {
        merchant_uid,
        amount: body.amount,
    })
}

/// The 404 of the prepare routes: the order was never prepared.
fn never_prepared(merchant_uid: &str) -> ApiError {
    ApiError::NotFound(format!(
        "사전등록된 결제정보가 없습니다 (merchant_uid `{merchant_uid}` was never prepared)"
    ))
}

/// `PUT /payments/prepare`: another amount for an order already prepared.
async fn update_prepared(
    State(state): State<ApiState>,
    headers: HeaderMap,
    request: Request,
) -> Result<Json<Value>, ApiError> {
    authorize(&state, &headers)?;
    let body: PrepareRequest = json_or_form(request).await?;
    let merchant_uid = state
        .with_store(|store| store.update_prepared(&body.merchant_uid, body.amount))
        .map_err(|err| match err {
            ApiError::NotFound(_) => never_prepared(&body.merchant_uid),
            other => other,
        })?;
    ok(Prepared {
        merchant_uid,
        amount: body.amount,
    })
}

/// `GET /payments/prepare/{merchant_uid}`: the amount prepared for an order
/// (iamport-rest-client's `prepare_validate` compares its `amount`,
/// `iamport-rest-client@0.9.0:iamport/client.py`).
async fn get_prepared(
    State(state): State<ApiState>,
    headers: HeaderMap,
    ApiPath(merchant_uid): ApiPath<String>,
) -> Result<Json<Value>, ApiError> {
    authorize(&state, &headers)?;
    let amount = state.with_store(|store| store.prepared_amount(&merchant_uid))?;
    match (normalize_merchant_uid(&merchant_uid), amount) {
        (Some(id), Some(amount)) => ok(Prepared {
            merchant_uid: id.to_owned(),
            amount,
        }),
        _ => Err(never_prepared(&merchant_uid)),
    }
}

#[derive(Deserialize)]
struct CancelRequest {
    imp_uid: Option<String>,
    merchant_uid: Option<String>,
    amount: Option<i64>,
    reason: Option<String>,
    /// Send the cancellation's webhook (default false).
    #[serde(default)]
    enable_webhook: bool,
}

async fn cancel(
    State(state): State<ApiState>,
    headers: HeaderMap,
    request: Request,
) -> Result<Json<Value>, ApiError> {
    authorize(&state, &headers)?;
    let body: CancelRequest = json_or_form(request).await?;
    let now = (state.clock)();
    let reason = body
        .reason
        .unwrap_or_else(|| "가맹점 요청 / merchant request".to_owned());
    let payment = state.with_store(|store| {
        let imp_uid = match (&body.imp_uid, &body.merchant_uid) {
            (Some(imp_uid), _) => imp_uid.clone(),
            (None, Some(merchant_uid)) => {
                store.find(merchant_uid, Some(PaymentStatus::Paid))?.imp_uid
            }
            (None, None) => {
                return Err(StoreError::Invalid(
                    "imp_uid or merchant_uid is required".to_owned(),
                ))
            }
        };
        store.cancel(&imp_uid, body.amount, &reason, now, body.enable_webhook)
    });
    // No such payment is a refusal in the envelope, not a 404: iamport answers 200
    // with `code: 1` (`iamport/iamport-rest-client-python:tests/test_cancel.py`, run
    // against the real API), which iamport-rest-client raises as a `ResponseError`.
    let payment = payment.map_err(|err| match err {
        ApiError::NotFound(_) => ApiError::Rejected(
            "취소할 결제건이 존재하지 않습니다. (no such payment to cancel)".to_owned(),
        ),
        other => other,
    })?;
    state.webhooks.wake();
    ok(payment)
}

/// The API's routes.
pub fn router(state: ApiState) -> Router {
    Router::new()
        .route("/users/getToken", post(get_token))
        .route("/payments/prepare", post(prepare).put(update_prepared))
        .route("/payments/prepare/{merchant_uid}", get(get_prepared))
        .route("/payments/cancel", post(cancel))
        .route("/payments", get(lookup::payments_by_ids))
        .route("/payments/status/{status}", get(lookup::payments_by_status))
        .route("/vbanks/{imp_uid}", delete(vbanks::revoke))
        .route("/payments/find/{merchant_uid}", get(find_payment))
        .route(
            "/payments/find/{merchant_uid}/{status}",
            get(find_payment_with_status),
        )
        .route("/payments/{imp_uid}", get(get_payment))
        .merge(certifications::routes())
        .with_state(state)
}

#[cfg(test)]
mod tests {
    use super::access_token;

    #[test]
    fn the_token_with_or_without_bearer() {
        for (header, token) in [
            ("Bearer abc", Some("abc")),
            ("bearer abc", Some("abc")),
            ("BEARER  abc ", Some("abc")),
            ("Bearer\tabc", Some("abc")),
            ("abc", Some("abc")),
            (" abc ", Some("abc")),
            ("Bearer", None),
            ("bearer ", None),
            ("", None),
            ("Basic abc", Some("Basic abc")),
        ] {
            assert_eq!(access_token(header), token, "`{header}`");
        }
    }
}
