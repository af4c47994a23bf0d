//! The buyer's bank, played by the sandbox, so a virtual account can be paid into on
//! one machine: `GET /sandbox/bank/{imp_uid}` shows the account, the amount and a
//! deposit button ("샌드박스 은행 / Sandbox bank"), and
//! `POST /sandbox/bank/{imp_uid}/deposit` pays the full amount in — `ready` → `paid`
//! with the `paid` webhook queued in the same SQLite transaction (`store::vbank`),
//! as iamport notifies a deposit. Once paid into (or revoked), the page links back to
//! the merchant's return page (`m_redirect_url`) for the same payment, where the
//! merchant verifies through the API as usual.
//!
//! No API token: this is the buyer's bank, not the merchant. It acts only on virtual
//! accounts the checkout issued (an `imp_uid` of another payment is refused), once.
//! Apart from `checkout` because it is no part of iamport or a PG: a real deposit
//! happens at a bank, after the checkout ended.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;

use crate::api::ApiState;
use crate::apps::encode_component;
use crate::pages::{escape, page, won};
use crate::store::{Payment, PaymentStatus, Store, StoreError};

const TITLE: &str = "샌드박스 은행 / Sandbox bank";

/// This bank's page of `imp_uid` (the path, its id percent-encoded as one segment).
fn page_path(imp_uid: &str) -> String {
    format!("/sandbox/bank/{}", encode_component(imp_uid))
}

/// The merchant's return page for `payment`: its `m_redirect_url` with `imp_uid` and
/// `merchant_uid` appended to its own query (the fragment stays last), as the
/// merchant reads them after a checkout; `None` without an http(s) one.
fn landing_url(m_redirect_url: &str, payment: &Payment) -> Option<String> {
    let mut url = url::Url::parse(m_redirect_url)
        .ok()
        .filter(|url| matches!(url.scheme(), "http" | "https"))?;
    url.query_pairs_mut()
        .append_pair("imp_uid", &payment.imp_uid)
        .append_pair("merchant_uid", &payment.merchant_uid);
    Some(url.into())
}

/// The HTTP status of a refused page or deposit.
fn status_of(err: &StoreError) -> StatusCode {
    match err {
        StoreError::NotFound => StatusCode::NOT_FOUND,
        StoreError::Invalid(_) => StatusCode::BAD_REQUEST,
        StoreError::Conflict(_) | StoreError::AlreadyPaid(_) | StoreError::NotAsPrepared(_) => {
            StatusCode::CONFLICT
        }
        StoreError::Database(_) | StoreError::Encode(_) | StoreError::LockPoisoned => {
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}

/// A refusal as a page of the bank.
fn refusal(status: StatusCode, message: &str) -> Response {
    (
        status,
        page(
            TITLE,
            "bank",
            &format!(
                "<p id=\"bank-error\" class=\"verdict\">입금할 수 없습니다 / No deposit possible</p><p id=\"detail\">{}</p>",
                escape(message)
            ),
        ),
    )
        .into_response()
}

/// `f` on the store, or the page that says why not.
fn with_store<T>(
    state: &ApiState,
    f: impl FnOnce(&mut Store) -> Result<T, StoreError>,
) -> Result<T, Box<Response>> {
    crate::store::lock(state.store())
        .and_then(|mut store| f(&mut store))
        .map_err(|err| Box::new(refusal(status_of(&err), &err.to_string())))
}

/// `GET /sandbox/bank/{imp_uid}`: the account, the amount and what can be done.
async fn bank_page(State(state): State<ApiState>, Path(imp_uid): Path<String>) -> Response {
    let found = with_store(&state, |store| {
        let payment = store.get(&imp_uid)?;
        let landing = match store.transaction_of(&imp_uid) {
            Ok(txn) => txn.m_redirect_url,
            Err(StoreError::NotFound) => None,
            Err(err) => return Err(err),
        };
        Ok((payment, landing))
    });
    let (payment, landing) = match found {
        Ok(found) => found,
        Err(page) => return *page,
    };
    let (Some(account), "vbank") = (&payment.vbank_num, payment.pay_method.as_str()) else {
        return refusal(
            StatusCode::BAD_REQUEST,
            "발급된 가상계좌가 아닙니다 / this payment has no virtual account",
        );
    };
    let action = match payment.status {
        PaymentStatus::Ready => format!(
            "<p id=\"account-status\" data-status=\"ready\">입금 대기 중 / waiting for the deposit</p>\
             <form method=\"post\" action=\"{action}\"><button id=\"deposit\" type=\"submit\">{amount} 입금하기 / Deposit {amount}</button></form>",
            action = escape(&format!("{}/deposit", page_path(&payment.imp_uid))),
            amount = won(payment.amount),
        ),
        PaymentStatus::Paid => "<p id=\"account-status\" class=\"verdict\" data-status=\"paid\">입금이 완료되었습니다 / Deposit complete</p>".to_owned(),
        PaymentStatus::Cancelled | PaymentStatus::Failed => "<p id=\"account-status\" class=\"verdict\" data-status=\"revoked\">말소된 계좌입니다 / This account was revoked</p>".to_owned(),
    };
    let back = match (payment.status, landing.and_then(|url| landing_url(&url, &payment))) {
        (PaymentStatus::Ready, _) | (_, None) => String::new(),
        (_, Some(url)) => format!(
            "<p><a id=\"back-to-merchant\" class=\"choice\" href=\"{}\">상점으로 돌아가기 / Back to the merchant</a></p>",
            escape(&url)
        ),
    };
    page(
        TITLE,
        "bank",
        &format!(
            "<p class=\"notice\">실제 은행이 아닙니다 / not a real bank</p>\
             <dl><dt>은행 / Bank</dt><dd id=\"vbank-name\">{bank}</dd>\
             <dt>계좌번호 / Account</dt><dd id=\"vbank-num\">{account}</dd>\
             <dt>입금액 / Amount</dt><dd id=\"amount\">{amount}</dd>\
             <dt>상품 / Item</dt><dd>{name}</dd><dt>주문번호 / Order</dt><dd>{order}</dd></dl>\
             {action}{back}",
            bank = escape(payment.vbank_name.as_deref().unwrap_or_default()),
            account = escape(account),
            amount = won(payment.amount),
            name = escape(&payment.name),
            order = escape(&payment.merchant_uid),
        ),
    )
    .into_response()
}

/// `POST /sandbox/bank/{imp_uid}/deposit`: the full amount into the account, then
/// back to the account's page (which now links to the merchant); refused (a page
/// with 400, 404 or 409) for anything but a `ready` virtual account.
async fn deposit(State(state): State<ApiState>, Path(imp_uid): Path<String>) -> Response {
    let now = (state.clock)();
    match with_store(&state, |store| store.deposit(&imp_uid, now)) {
        Ok(payment) => {
            state.webhooks.wake();
            Redirect::to(&page_path(&payment.imp_uid)).into_response()
        }
        Err(page) => *page,
    }
}

/// The bank's routes.
pub fn router(state: ApiState) -> Router {
    Router::new()
        .route("/sandbox/bank/{imp_uid}", get(bank_page))
        .route("/sandbox/bank/{imp_uid}/deposit", post(deposit))
        .with_state(state)
}
