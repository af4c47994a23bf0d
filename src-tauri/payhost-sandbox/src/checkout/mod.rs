//! The buyer-facing half of iamport and its PGs: the `iamport.payment.js` stand-in
//! (`/iamport.js`) and its `/checkout` call, the PG checkout pages (`/pg/{token}…`)
//! that hand off to payment apps with what real PGs emit for the user agent, the
//! API the simulated apps report to (`/sandbox/txn/{token}…`) and the apps' web
//! versions (`/apps/{token}`). Approvals owe the merchant a webhook: the store
//! writes it to the outbox with the approval, `webhooks` sends it
//! (<https://developers.portone.io/docs/en/auth/guide/4> for the callback and the
//! redirect query).
//!
//! One file per job: `request` reads and validates what `request_pay` asks for,
//! `certification` what `IMP.certification` asks for (its route
//! `/checkout/certification`), `subject` what a transaction settles (a payment or
//! an identity verification) and what the shared pages need of it, `pg` is the PG's
//! pages, `identity_page` the identity provider's page of a verification, `ending`
//! how a decided checkout returns to the merchant (per API version and kind),
//! `apps_api` what the payment and PASS apps call; this file holds the router, the
//! two routes of iamport's script (`/iamport.js`, `/checkout`) and the small helpers
//! they share. The pages' scripts are files in `assets/` (`pages`).

mod apps_api;
mod certification;
mod ending;
mod identity_page;
mod pg;
mod request;
mod subject;

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Serialize;

pub use crate::store::TxnStatus;
pub(crate) use apps_api::{OutcomeBody, PersonInfo, Reported, TxnError, TxnInfo};
pub use certification::{validate_certification, CertificationCheckout, CertificationParams};
pub(crate) use ending::with_query;
pub use ending::{certification_redirect_target, CertificationRsp};
pub use pg::{redirect_target, CallbackRsp};
pub(crate) use request::{app_scheme, http_url};
pub use request::{validate, CheckoutRequest, NewCheckout, PayParams, PAY_METHODS};

use crate::api::{ApiError, ApiState};
use crate::apps::Device;
use crate::pages::{escape, javascript, page};
use crate::store::{CheckoutUrls, Subject, Transaction};

/// The request's `Host` (the sandbox as the buyer's browser reached it).
fn host_of(headers: &HeaderMap) -> String {
    headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("127.0.0.1")
        .to_owned()
}

/// The PG result page of `token` on this sandbox, as links and return URLs carry it.
fn result_url(headers: &HeaderMap, token: &str) -> String {
    format!("http://{}/pg/{token}/result", host_of(headers))
}

/// The buyer's device, from the user agent (what the PG's hand-off depends on).
fn device_of(headers: &HeaderMap) -> Device {
    Device::from_user_agent(
        headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default(),
    )
}

async fn iamport_js() -> Response {
    javascript(include_str!("../../assets/iamport.js"))
}

/// What `/checkout` (and `/checkout/certification`) answers the stand-in: the PG
/// page to open, or iamport's refusal.
#[derive(Debug, Serialize)]
#[serde(untagged)]
enum CheckoutAnswer {
    Opened {
        imp_uid: String,
        merchant_uid: String,
        pg_url: String,
    },
    Refused {
        error_code: &'static str,
        error_msg: String,
    },
}

fn refused(error_msg: String) -> Json<CheckoutAnswer> {
    Json(CheckoutAnswer::Refused {
        error_code: "F400",
        error_msg,
    })
}

async fn checkout(
    State(state): State<ApiState>,
    Json(body): Json<CheckoutRequest>,
) -> Json<CheckoutAnswer> {
    let channel = if body.channel.as_deref() == Some("pc") {
        "pc"
    } else {
        "mobile"
    };
    let checked = match validate(body.imp_code.as_deref(), channel, &body.params) {
        Ok(checked) => checked,
        Err(message) => return refused(message),
    };
    let now = (state.clock)();
    let urls = CheckoutUrls {
        channel,
        m_redirect_url: checked.m_redirect_url.as_deref(),
        notice_url: checked.notice_url.as_deref(),
        app_scheme: checked.app_scheme.as_deref(),
    };
    // The payment and its transaction in one SQLite transaction: a sandbox killed
    // here leaves neither, never a `ready` payment nothing can settle.
    match state.with_store(|store| store.checkout(&checked.payment, &urls, now)) {
        Ok((payment, txn)) => Json(CheckoutAnswer::Opened {
            imp_uid: payment.imp_uid,
            merchant_uid: payment.merchant_uid,
            pg_url: format!("/pg/{}", txn.token),
        }),
        Err(err) => refused(api_message(&err)),
    }
}

/// The message of an API error, as the pages and the apps' API show it.
fn api_message(err: &ApiError) -> String {
    match err {
        ApiError::Unauthorized(m)
        | ApiError::NotFound(m)
        | ApiError::Rejected(m)
        | ApiError::BadRequest(m)
        | ApiError::Internal(m)
        | ApiError::Upstream(m) => m.clone(),
    }
}

/// The transaction `token` and what it settles (a payment, a billing key's issue,
/// an identity verification), or the error page to answer with.
fn load(state: &ApiState, token: &str) -> Result<(Transaction, Subject), Box<Response>> {
    state
        .with_store(|store| {
            let txn = store.transaction(token)?;
            let subject = store.subject(&txn)?;
            Ok((txn, subject))
        })
        .map_err(|err| {
            let status = if matches!(err, ApiError::NotFound(_)) {
                StatusCode::NOT_FOUND
            } else {
                StatusCode::INTERNAL_SERVER_ERROR
            };
            (
                status,
                page(
                    "거래를 찾을 수 없습니다 / Unknown transaction",
                    "error",
                    &format!("<p>{}</p>", escape(&api_message(&err))),
                ),
            )
                .into_response()
                .into()
        })
}

/// The checkout's routes.
pub fn router(state: ApiState) -> Router {
    Router::new()
        .route("/iamport.js", get(iamport_js))
        .route("/checkout", post(checkout))
        .route("/checkout/certification", post(certification::checkout))
        .route("/pg/{token}", get(pg::pg_page))
        .route("/pg/{token}/pay/{key}", get(pg::pg_pay))
        .route("/pg/{token}/status", get(pg::pg_status))
        .route("/pg/{token}/result", get(pg::pg_result))
        .route("/sandbox/txn/{token}", get(apps_api::txn_info))
        .route("/sandbox/txn/{token}/outcome", post(apps_api::txn_outcome))
        .route("/apps/{token}", get(apps_api::web_app))
        .with_state(state)
}
