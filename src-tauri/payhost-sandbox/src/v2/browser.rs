//! The browser half of V2: `/v2/browser-sdk.js`, a stand-in for
//! `https://cdn.portone.io/v2/browser-sdk.js` (`window.PortOne`; the npm
//! `@portone/browser-sdk` loader uses a `window.PortOne` that already exists:
//! `@portone/browser-sdk@0.1.11:dist/v2.js` `loadScript`), and `/v2/checkout`, where
//! that script posts each of its calls: `requestPayment` (`payment_request`),
//! `requestIssueBillingKey` (`issue`) and `requestIdentityVerification`
//! (`identity_request`). Each is validated as V2 does and opens the same PG pages (or
//! identity page) V1's checkout opens; a refused one never opens a window: the
//! Promise rejects with `{ code, message }` (`browser_request::BrowserError`).

use axum::extract::rejection::JsonRejection;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};

use super::browser_request::BrowserError;
use super::identity_request::{self, IdentityVerificationRequest};
use super::issue::{self, IssueBillingKeyRequest};
use super::payment_request::{self, PaymentRequest};
use crate::api::ApiState;
use crate::store::{Store, StoreError, Transaction};

/// What `portone-v2.js` posts to `/v2/checkout`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BrowserCheckout {
    /// The buyer's device as the script sees it: `mobile` or `pc`.
    pub device: String,
    /// Whether the script ends the checkout in a redirect (a phone, or
    /// `forceRedirect`).
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
    /// `PortOne.requestIdentityVerification`.
    IdentityVerification(IdentityVerificationRequest),
    /// `PortOne.requestIssueBillingKey`.
    IssueBillingKey(IssueBillingKeyRequest),
}

impl BrowserCheckout {
    /// Whether the checkout ends in a redirect: as the script says (a phone, or
    /// `forceRedirect`), or with the request's own `forceRedirect`.
    fn redirect(&self) -> bool {
        let force_redirect = match &self.request {
            BrowserRequest::Payment(request) => request.force_redirect,
            BrowserRequest::IdentityVerification(request) => request.force_redirect,
            BrowserRequest::IssueBillingKey(request) => request.force_redirect,
        };
        self.redirect || force_redirect == Some(true)
    }

    /// Whether the buyer is on a phone.
    fn mobile(&self) -> bool {
        self.device == "mobile"
    }
}

/// What `/v2/checkout` answers an opened checkout: the PG (or identity) page to open,
/// and the ids of what it opened.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Opened<Ids> {
    pg_url: String,
    #[serde(flatten)]
    ids: Ids,
}

/// Opens a checkout: `make` makes its subject and transaction on the locked store at
/// the clock's time (in one SQLite transaction, the store's), `ids` names the subject
/// in the answer.
///
/// # Errors
/// The store's refusal as the browser's.
pub(crate) fn open<T, Ids>(
    state: &ApiState,
    make: impl FnOnce(&mut Store, i64) -> Result<(T, Transaction), StoreError>,
    ids: impl FnOnce(T) -> Ids,
) -> Result<Opened<Ids>, BrowserError> {
    let now = (state.clock)();
    let mut store = crate::store::lock(state.store())?;
    let (subject, txn) = make(&mut store, now)?;
    Ok(Opened {
        pg_url: format!("/pg/{}", txn.token),
        ids: ids(subject),
    })
}

/// `POST /v2/checkout`.
pub(crate) async fn checkout(
    State(state): State<ApiState>,
    body: Result<Json<BrowserCheckout>, JsonRejection>,
) -> Result<Response, BrowserError> {
    let Json(body) = body.map_err(|rejection| {
        BrowserError::bad_request(format!(
            "결제요청 파라메터를 읽을 수 없습니다 / cannot read the request: {}",
            rejection.body_text()
        ))
    })?;
    let redirect = body.redirect();
    Ok(match &body.request {
        BrowserRequest::Payment(request) => Json(payment_request::open(
            &state,
            request,
            body.mobile(),
            redirect,
        )?)
        .into_response(),
        BrowserRequest::IssueBillingKey(request) => {
            Json(issue::open(&state, request, redirect)?).into_response()
        }
        BrowserRequest::IdentityVerification(request) => {
            Json(identity_request::open(&state, request, redirect)?).into_response()
        }
    })
}

/// `GET /v2/browser-sdk.js`.
pub(crate) async fn script() -> Response {
    crate::pages::javascript(include_str!("../../assets/portone-v2.js"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_issue_is_answered_with_its_page_alone() {
        let opened = Opened {
            pg_url: "/pg/token".to_owned(),
            ids: (),
        };
        assert_eq!(
            serde_json::to_value(opened).unwrap(),
            serde_json::json!({"pgUrl": "/pg/token"})
        );
    }
}
