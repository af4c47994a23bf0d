//! What the payment apps talk to: the API the simulated apps (`sim_app`) call to read
//! their transaction and report the buyer's decision (`/sandbox/txn/{token}…`, typed
//! by the structs here, which `sim_app` reads and writes too), and the apps' web
//! version (`/apps/{token}`) that does the same from a page. Apart from the PG pages:
//! this is the app's side of the hand-off, not the browser's. A PASS app is one of
//! these apps: its transaction's subject is a verification, and it also reads the
//! person it is asked to verify.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};

use super::pg::settle;
use super::{api_message, load, result_url};
use crate::api::{ApiError, ApiState};
use crate::apps;
use crate::pages::{page, Script};
use crate::store::{Outcome, TransactionKind};
use crate::store::{Subject, TxnStatus};

/// What a simulated app reads about its transaction (`GET /sandbox/txn/{token}`;
/// `sim_app` reads it with this type too).
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct TxnInfo {
    pub(crate) token: String,
    /// What it settles (a payment when absent: an older sandbox's answer).
    #[serde(default)]
    pub(crate) kind: TransactionKind,
    pub(crate) imp_uid: String,
    pub(crate) merchant_uid: String,
    pub(crate) name: String,
    pub(crate) amount: i64,
    pub(crate) status: TxnStatus,
    pub(crate) used: bool,
    pub(crate) channel: String,
    pub(crate) app: Option<String>,
    pub(crate) app_label: Option<String>,
    pub(crate) app_scheme: Option<String>,
    pub(crate) result_url: String,
    /// A verification: the person the PASS app is asked to verify.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) person: Option<PersonInfo>,
}

/// The person a PASS app shows the buyer before they approve.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct PersonInfo {
    pub(crate) name: String,
    /// `YYYY-MM-DD`.
    pub(crate) birth_date: String,
    /// `male` or `female`.
    pub(crate) gender: String,
    /// Digits only.
    pub(crate) phone: String,
    /// `SKT`, `KT`, `LGU`.
    pub(crate) carrier: Option<String>,
}

fn person_info(subject: &Subject) -> Option<PersonInfo> {
    let Subject::Certification(certification) = subject else {
        return None;
    };
    let person = certification.person.as_ref()?;
    Some(PersonInfo {
        name: person.name.clone(),
        birth_date: person.birth_date.to_string(),
        gender: person.gender.v1().to_owned(),
        phone: person.phone.clone(),
        carrier: certification.carrier.map(|c| c.as_str().to_owned()),
    })
}

/// A refusal of the simulated apps' API.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct TxnError {
    pub(crate) error: String,
}

fn txn_error(status: StatusCode, error: impl Into<String>) -> Response {
    (
        status,
        Json(TxnError {
            error: error.into(),
        }),
    )
        .into_response()
}

/// `GET /sandbox/txn/{token}`: the transaction as its app sees it.
pub(super) async fn txn_info(
    State(state): State<ApiState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Response {
    match load(&state, &token) {
        Ok((txn, subject)) => {
            let app_label = txn
                .app
                .as_deref()
                .and_then(apps::by_key)
                .map(|a| a.label.to_owned());
            Json(TxnInfo {
                result_url: result_url(&headers, &txn.token),
                app_scheme: if txn.channel == "pc" {
                    None
                } else {
                    txn.app_scheme
                },
                used: txn.used_at != 0,
                token: txn.token,
                kind: txn.kind,
                imp_uid: subject.id().to_owned(),
                merchant_uid: subject.reference().to_owned(),
                name: subject.name().to_owned(),
                amount: subject.amount(),
                status: subject.status(),
                channel: txn.channel,
                app: txn.app,
                app_label,
                person: person_info(&subject),
            })
            .into_response()
        }
        Err(_) => txn_error(
            StatusCode::NOT_FOUND,
            "이 거래를 찾을 수 없습니다 (unknown transaction)",
        ),
    }
}

/// What a simulated app reports (`POST /sandbox/txn/{token}/outcome`).
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct OutcomeBody {
    pub(crate) outcome: String,
}

/// What the app's report is answered with: its subject's status and its way back.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Reported {
    pub(crate) status: TxnStatus,
    pub(crate) return_link: Option<String>,
}

/// `POST /sandbox/txn/{token}/outcome`: the buyer's decision in the app, once per
/// token; answered with the way back to the merchant's app on mobile.
pub(super) async fn txn_outcome(
    State(state): State<ApiState>,
    headers: HeaderMap,
    Path(token): Path<String>,
    Json(body): Json<OutcomeBody>,
) -> Response {
    let Some(outcome) = Outcome::parse(&body.outcome).filter(|o| *o != Outcome::Vbank) else {
        return txn_error(
            StatusCode::BAD_REQUEST,
            "outcome must be approve, deny or cancel",
        );
    };
    match settle(&state, &token, outcome) {
        Ok((txn, subject)) => {
            let return_link = match (txn.app.as_deref().and_then(apps::by_key), &txn.app_scheme) {
                (Some(app), Some(scheme)) if txn.channel == "mobile" => Some(app.return_link(
                    scheme,
                    &result_url(&headers, &txn.token),
                    outcome == Outcome::Approve,
                )),
                _ => None,
            };
            Json(Reported {
                status: subject.status(),
                return_link,
            })
            .into_response()
        }
        Err(err) => {
            let status = match err {
                ApiError::NotFound(_) => StatusCode::NOT_FOUND,
                ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
                _ => StatusCode::CONFLICT,
            };
            txn_error(status, api_message(&err))
        }
    }
}

/// What the web app's script (`assets/web-app.js`) reads from its data block.
#[derive(Serialize)]
struct WebAppData<'a> {
    /// The transaction its buttons report on.
    token: &'a str,
}

/// The web version of a payment app: what the app would ask, as a page, for manual
/// QA on a phone pointed at the sandbox.
pub(super) async fn web_app(State(state): State<ApiState>, Path(token): Path<String>) -> Response {
    let (txn, subject) = match load(&state, &token) {
        Ok(found) => found,
        Err(response) => return *response,
    };
    let app = txn.app.as_deref().and_then(apps::by_key);
    let label = app.map_or("결제 앱 / payment app", |a| a.label);
    if txn.used_at != 0 {
        return page(
            label,
            "app-used",
            "<p id=\"status\">이미 처리된 결제 요청입니다 / this request was already handled.</p>",
        )
        .into_response();
    }
    page(
        label,
        "web-app",
        &format!(
            "<p class=\"notice\">샌드박스 결제 앱 (웹) / sandbox payment app (web)</p>{summary}\
             <p><button id=\"approve\" data-outcome=\"approve\">승인 / Approve</button>\
             <button id=\"deny\" class=\"secondary\" data-outcome=\"deny\">거절 / Deny</button>\
             <button id=\"cancel\" class=\"secondary\" data-outcome=\"cancel\">취소 / Cancel</button></p>\
             <p id=\"status\"></p>\
             {script}",
            summary = subject.summary(),
            script = Script::WebApp.with_data(&WebAppData { token: &txn.token }),
        ),
    )
    .into_response()
}
