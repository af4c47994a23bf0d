//! The PG's pages, what a buyer sees between `request_pay` and the merchant: the
//! checkout page of a transaction (`/pg/{token}`: pick a card, bank or app), the
//! hand-off to the picked app with what real PGs emit for the user agent
//! (`/pg/{token}/pay/{key}`), the status the hand-off page polls, and the result that
//! ends the checkout — a redirect to `m_redirect_url` on mobile, the callback's `rsp`
//! posted to the merchant's page on PC
//! (<https://developers.portone.io/docs/en/auth/guide/4> for the callback and the
//! redirect query). One file, so another PG flow (another protocol layer) can sit
//! beside it without touching the apps' API. A verification's transaction gets the
//! identity provider's page instead of the checkout page (`identity_page`); the
//! hand-off, the status, the settling and the result are these, for either subject.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Json;
use serde::Serialize;

use super::ending::{self, Ending, PcMessage};
use super::identity_page::{self, PersonForm};
use super::{api_message, device_of, host_of, load, result_url};
use crate::api::{ApiError, ApiState};
use crate::apps::{self, SandboxApp};
use crate::pages::{escape, page, Script};
use crate::store::{Outcome, Payment, PaymentStatus, Subject, Transaction, TxnStatus};

/// `GET /pg/{token}`: the PG's checkout page (a verification's: the identity
/// provider's page), or its result once the transaction is used or its subject no
/// longer `ready`.
pub(super) async fn pg_page(State(state): State<ApiState>, Path(token): Path<String>) -> Response {
    let (txn, subject) = match load(&state, &token) {
        Ok(found) => found,
        Err(response) => return *response,
    };
    if !subject.is_open() || txn.used_at != 0 {
        return Redirect::to(&format!("/pg/{token}/result")).into_response();
    }
    match &subject {
        Subject::Certification(certification) => {
            identity_page::page(&txn, certification, None).into_response()
        }
        Subject::Payment(_) | Subject::BillingKey(_) => checkout_page(&txn, &subject),
    }
}

/// The checkout page of a payment or a card registration: the apps of its
/// `pay_method`, the PG's own choices.
fn checkout_page(txn: &Transaction, subject: &Subject) -> Response {
    let token = escape(&txn.token);
    let mut choices = String::new();
    for app in apps::for_pay_method(subject.pay_method()) {
        choices.push_str(&format!(
            "<li><a class=\"choice\" id=\"app-{key}\" href=\"/pg/{token}/pay/{key}\">{label}</a></li>",
            key = escape(app.key),
            label = escape(app.label)
        ));
    }
    match subject.pay_method() {
        "card" => choices.push_str(&format!(
            "<li><a class=\"choice\" id=\"app-declined\" href=\"/pg/{token}/pay/declined\">한도초과 카드 (승인 거절) / A card that is declined</a></li>"
        )),
        "vbank" => choices.push_str(&format!(
            "<li><a class=\"choice\" id=\"app-vbank\" href=\"/pg/{token}/pay/vbank\">가상계좌 발급받기 / Get a virtual account</a></li>"
        )),
        _ => {}
    }
    page(
        "샌드박스 PG 결제창 / Sandbox PG checkout",
        "pg",
        &format!(
            "{}<p>결제 수단을 고르세요 / Choose how to pay ({})</p><ul class=\"choices\">{choices}</ul>\
             <p><a id=\"pg-cancel\" class=\"secondary\" href=\"/pg/{token}/pay/cancel\">결제 취소 / Cancel</a></p>",
            subject.summary(),
            escape(subject.pg_provider())
        ),
    )
    .into_response()
}

/// Settles the transaction `token` with `outcome`, once (the PG page's own choices,
/// and the simulated apps' reports), as its kind is settled: a payment's status, a
/// billing key issued or refused, or a verification decided.
pub(super) fn settle(
    state: &ApiState,
    token: &str,
    outcome: Outcome,
) -> Result<(Transaction, Subject), ApiError> {
    let now = (state.clock)();
    // The store writes an approval's webhook to the outbox with the approval itself.
    let settled = state.with_store(|store| store.settle_transaction(token, outcome, None, now))?;
    state.webhooks.wake();
    Ok(settled)
}

/// `GET /pg/{token}/pay/{key}`: the buyer's choice on the PG page. A declined card, a
/// virtual account or a cancel settle here; an app gets the hand-off page. (A
/// verification's choice carries the identity page's form: `identity_page::choose`.)
pub(super) async fn pg_pay(
    State(state): State<ApiState>,
    headers: HeaderMap,
    Path((token, key)): Path<(String, String)>,
    Query(form): Query<PersonForm>,
) -> Response {
    let (txn, subject) = match load(&state, &token) {
        Ok(found) => found,
        Err(response) => return *response,
    };
    if let Subject::Certification(certification) = &subject {
        return identity_page::choose(&state, &headers, &txn, certification, &key, &form);
    }
    let direct = match key.as_str() {
        "declined" => Some(Outcome::Deny),
        "vbank" if subject.pay_method() == "vbank" => Some(Outcome::Vbank),
        "cancel" => Some(Outcome::Cancel),
        _ => None,
    };
    if let Some(outcome) = direct {
        if let Err(err) = settle(&state, &token, outcome) {
            tracing::info!("PG outcome refused: {}", api_message(&err));
        }
        return Redirect::to(&format!("/pg/{token}/result")).into_response();
    }
    let Some(app) = apps::by_key(&key).filter(|app| app.pay_method == subject.pay_method()) else {
        return (
            StatusCode::NOT_FOUND,
            page(
                "없는 결제 수단 / Unknown method",
                "error",
                "<p>이 결제 수단은 없습니다 / no such method</p>",
            ),
        )
            .into_response();
    };
    let Ok(txn) = state.with_store(|store| store.choose_app(&token, app.key)) else {
        return Redirect::to(&format!("/pg/{token}/result")).into_response();
    };
    let hand_off = app.hand_off(
        device_of(&headers),
        &token,
        &host_of(&headers),
        &result_url(&headers, &token),
    );
    hand_off_page(app, &txn, &subject, &hand_off).into_response()
}

/// What the hand-off page's script (`assets/hand-off.js`) reads from its data block.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct HandOffData<'a> {
    /// Where the page sends the browser: the app's hand-off URL.
    hand_off: &'a str,
    /// The transaction, for its status and result URLs.
    token: &'a str,
    /// Whether the page polls the status.
    polls: bool,
}

/// The page a PG shows once the buyer picked `app`: into the app with `hand_off`,
/// then waiting (or polling) for its decision on `subject`.
pub(super) fn hand_off_page(
    app: &SandboxApp,
    txn: &Transaction,
    subject: &Subject,
    hand_off: &str,
) -> Html<String> {
    let token = &txn.token;
    // PC checkouts, app cards and PASS poll (the app's return is a bare `app://`, or
    // none); ISP and BankPay come back through their result URL, so their page waits.
    let polls = app.page_polls() || txn.channel == "pc";
    let (title, finished, cancel) = match subject {
        Subject::Payment(_) | Subject::BillingKey(_) => (
            "앱에서 결제를 계속하세요 / Continue in the app",
            "앱에서 결제를 마쳤어요 / I finished in the app",
            "결제 취소 / Cancel",
        ),
        Subject::Certification(_) => (
            "PASS 앱에서 본인인증을 계속하세요 / Continue in the PASS app",
            "PASS 앱에서 인증을 마쳤어요 / I finished in the app",
            "본인인증 취소 / Cancel",
        ),
    };
    page(
        title,
        "hand-off",
        &format!(
            "{summary}<p id=\"app-label\">{label}</p>\
             <p id=\"status\" data-status=\"ready\">앱의 승인을 기다리는 중 / waiting for the app…</p>\
             <p><a id=\"open-app\" class=\"choice\" href=\"{href}\">앱 열기 / Open the app</a></p>\
             <p><a id=\"finished\" class=\"choice\" href=\"/pg/{token}/result\">{finished}</a></p>\
             <p><a id=\"web-app\" class=\"secondary\" href=\"/apps/{token}\">앱이 없나요? 웹에서 진행 / No app? Continue on the web</a></p>\
             <p><a id=\"pg-cancel\" class=\"secondary\" href=\"/pg/{token}/pay/cancel\">{cancel}</a></p>\
             {script}",
            summary = subject.summary(),
            label = escape(app.label),
            href = escape(hand_off),
            token = escape(token),
            script = Script::HandOff.with_data(&HandOffData {
                hand_off,
                token,
                polls,
            }),
        ),
    )
}

/// What the hand-off page polls.
#[derive(Serialize)]
struct PgStatus {
    status: TxnStatus,
    settled: bool,
}

/// `GET /pg/{token}/status`: what the hand-off page polls.
pub(super) async fn pg_status(
    State(state): State<ApiState>,
    Path(token): Path<String>,
) -> Response {
    match load(&state, &token) {
        Ok((_, subject)) => Json(PgStatus {
            settled: subject.settled(),
            status: subject.status(),
        })
        .into_response(),
        Err(response) => *response,
    }
}

/// The iamport response the PC callback and the mobile redirect carry
/// (<https://developers.portone.io/docs/en/auth/guide/4>).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CallbackRsp {
    /// `paid`, or a virtual account issued.
    pub success: bool,
    /// The payment.
    pub imp_uid: String,
    /// Its order.
    pub merchant_uid: String,
    /// `card`, `vbank`, …
    pub pay_method: String,
    /// The PG.
    pub pg_provider: String,
    /// Order name.
    pub name: String,
    /// The amount paid (0 unless `paid`).
    pub paid_amount: i64,
    /// The payment's status.
    pub status: PaymentStatus,
    /// Card approval number.
    pub apply_num: Option<String>,
    /// Buyer's name.
    pub buyer_name: Option<String>,
    /// Virtual account number.
    pub vbank_num: Option<String>,
    /// Virtual account bank.
    pub vbank_name: Option<String>,
    /// Virtual account due date, Unix seconds.
    pub vbank_date: i64,
    /// `F0005` on failure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// Why it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_msg: Option<String>,
}

pub(super) fn rsp(payment: &Payment) -> CallbackRsp {
    let success = payment.status == PaymentStatus::Paid || payment.vbank_num.is_some();
    let failure = |reason: &Option<String>| {
        reason
            .clone()
            .unwrap_or_else(|| "결제가 중단되었습니다 / payment stopped".to_owned())
    };
    CallbackRsp {
        success,
        imp_uid: payment.imp_uid.clone(),
        merchant_uid: payment.merchant_uid.clone(),
        pay_method: payment.pay_method.clone(),
        pg_provider: payment.pg_provider.clone(),
        name: payment.name.clone(),
        paid_amount: if payment.status == PaymentStatus::Paid {
            payment.amount
        } else {
            0
        },
        status: payment.status,
        apply_num: payment.apply_num.clone(),
        buyer_name: payment.buyer_name.clone(),
        vbank_num: payment.vbank_num.clone(),
        vbank_name: payment.vbank_name.clone(),
        vbank_date: payment.vbank_date,
        error_code: (!success).then(|| "F0005".to_owned()),
        error_msg: (!success).then(|| failure(&payment.fail_reason)),
    }
}

/// `m_redirect_url` with `imp_uid`, `merchant_uid`, `imp_success` and, on failure,
/// `error_code` / `error_msg` appended to its own query (its fragment stays last,
/// <https://developers.portone.io/docs/en/auth/guide/4>).
pub fn redirect_target(m_redirect_url: &str, rsp: &CallbackRsp) -> Option<String> {
    let success = if rsp.success { "true" } else { "false" };
    let mut pairs = vec![
        ("imp_uid", rsp.imp_uid.as_str()),
        ("merchant_uid", rsp.merchant_uid.as_str()),
        ("imp_success", success),
    ];
    if !rsp.success {
        pairs.push(("error_code", rsp.error_code.as_deref().unwrap_or_default()));
        pairs.push(("error_msg", rsp.error_msg.as_deref().unwrap_or_default()));
    }
    ending::with_query(m_redirect_url, pairs)
}

/// What the PC result page's script (`assets/pc-result.js`) reads from its data block.
#[derive(Serialize)]
struct PcResultData<'a> {
    /// What it posts to the merchant's page, whole.
    message: &'a PcMessage,
}

/// `GET /pg/{token}/result`: the end of the checkout once the buyer decided (the
/// mobile redirect or the PC callback), or a page that waits for the decision.
pub(super) async fn pg_result(
    State(state): State<ApiState>,
    Path(token): Path<String>,
) -> Response {
    let (txn, subject) = match load(&state, &token) {
        Ok(found) => found,
        Err(response) => return *response,
    };
    let token = escape(&txn.token);
    if !subject.settled() {
        return page(
            "아직 승인되지 않았습니다 / Not approved yet",
            "pending",
            &format!(
                "{}<p id=\"status\" data-status=\"ready\">{}</p>\
                 <p><a id=\"check-again\" class=\"choice\" href=\"/pg/{token}/result\">다시 확인 / Check again</a></p>\
                 <p><a id=\"open-app\" class=\"secondary\" href=\"/pg/{token}\">다시 고르기 / Choose again</a></p>\
                 <p><a id=\"pg-cancel\" class=\"secondary\" href=\"/pg/{token}/pay/cancel\">취소 / Cancel</a></p>",
                subject.summary(),
                subject.waiting()
            ),
        )
        .into_response();
    }
    match ending::of(&txn, &subject) {
        // The posted message holds the merchant's and the buyer's text (the order
        // name…): escaped JSON in the page's data block, so no value can end it.
        Ending::Post(message) => page(
            subject.result_title(),
            "pc-result",
            &format!(
                "{summary}<p id=\"status\" data-status=\"{status}\">결제창을 닫는 중 / closing…</p>{script}",
                summary = subject.summary(),
                status = escape(subject.status().as_str()),
                script = Script::PcResult.with_data(&PcResultData { message: &message }),
            ),
        )
        .into_response(),
        Ending::Redirect(target) => Redirect::to(&target).into_response(),
        Ending::NoReturnUrl => page(
            subject.result_title(),
            "error",
            "<p>돌아갈 가맹점 주소(m_redirect_url / redirectUrl)가 없습니다 / no return URL to go back to.</p>",
        )
        .into_response(),
    }
}
