//! The buyer-facing half of iamport and its PGs: the `iamport.payment.js` stand-in
//! (`/iamport.js`) and its `/checkout` call, the PG checkout pages (`/pg/{token}…`)
//! that hand off to payment apps with what real PGs emit for the user agent, the
//! API the simulated apps report to (`/sandbox/txn/{token}…`) and the apps' web
//! versions (`/apps/{token}`). Approvals owe the merchant a webhook: the store
//! writes it to the outbox with the approval, `webhooks` sends it
//! (<https://developers.portone.io/docs/en/auth/guide/4> for the callback and the
//! redirect query).

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::api::{ApiError, ApiState};
use crate::apps::{self, Device, SandboxApp};
use crate::pages::{escape, page, script_json, won};
use crate::store::{CheckoutUrls, NewPayment, Outcome, Payment, Transaction};

/// The `pay_method`s the sandbox's PGs offer.
pub const PAY_METHODS: [&str; 5] = ["card", "trans", "vbank", "kakaopay", "tosspay"];

/// The parameters of `IMP.request_pay` the sandbox reads (those of iamport's V1
/// JavaScript SDK, "iamport V1 JS SDK" in `docs/sources.md`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PayParams {
    /// `html5_inicis`, `nice`, `kcp`, `kakaopay`, `tosspay`, …
    pub pg: Option<String>,
    /// `card`, `trans`, `vbank`, `kakaopay`, `tosspay`.
    pub pay_method: Option<String>,
    /// The merchant's order id.
    pub merchant_uid: Option<String>,
    /// Order name.
    pub name: Option<String>,
    /// Amount; a number (iamport refuses strings that are not numbers).
    pub amount: Option<Value>,
    /// Tax-free part of the amount.
    pub tax_free: Option<Value>,
    /// `KRW` only.
    pub currency: Option<String>,
    /// Buyer's name.
    pub buyer_name: Option<String>,
    /// Buyer's phone.
    pub buyer_tel: Option<String>,
    /// Buyer's e-mail.
    pub buyer_email: Option<String>,
    /// Anything; stored as JSON text.
    pub custom_data: Option<Value>,
    /// The merchant's webhook for this payment.
    pub notice_url: Option<String>,
    /// Where mobile checkouts end.
    pub m_redirect_url: Option<String>,
    /// The merchant app's scheme, for the payment apps' way back.
    pub app_scheme: Option<String>,
    /// Digital goods (accepted, no effect in the sandbox).
    pub digital: Option<bool>,
    /// Virtual account due date `YYYYMMDDhhmm` (accepted as given).
    pub vbank_due: Option<String>,
}

/// What the stand-in posts to `/checkout`.
#[derive(Debug, Deserialize)]
pub struct CheckoutRequest {
    /// The `IMP.init` code.
    pub imp_code: Option<String>,
    /// `mobile` or `pc`, as the stand-in decided.
    pub channel: Option<String>,
    /// The `request_pay` parameters.
    pub params: PayParams,
}

/// A request the sandbox refuses before a payment window opens, with iamport's
/// wording where it has one.
fn refuse(message: impl Into<String>) -> Result<NewCheckout, String> {
    Err(message.into())
}

/// A validated checkout.
#[derive(Debug, Clone)]
pub struct NewCheckout {
    /// The payment to create.
    pub payment: NewPayment,
    /// Where a mobile checkout ends.
    pub m_redirect_url: Option<String>,
    /// The webhook.
    pub notice_url: Option<String>,
    /// The app scheme.
    pub app_scheme: Option<String>,
}

fn http_url(field: &str, text: &str) -> Result<String, String> {
    match url::Url::parse(text.trim()) {
        Ok(url) if matches!(url.scheme(), "http" | "https") => Ok(url.to_string()),
        _ => Err(format!(
            "{field} 가 올바른 http(s) URL 이 아닙니다 ({field} must be an absolute http(s) URL)"
        )),
    }
}

/// Validates `request_pay` parameters as iamport does before any PG page opens.
///
/// # Errors
/// The message the buyer's callback (or `m_redirect_url`) receives.
pub fn validate(
    imp_code: Option<&str>,
    channel: &str,
    params: &PayParams,
) -> Result<NewCheckout, String> {
    if !imp_code.is_some_and(|code| !code.trim().is_empty()) {
        return refuse("IMP.init 을 먼저 호출하세요 (call IMP.init with the merchant code first)");
    }
    let amount = match &params.amount {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.trim().parse::<i64>().ok(),
        _ => None,
    };
    let Some(amount) = amount.filter(|a| *a > 0) else {
        return refuse(
            "결제금액이 올바르지 않습니다 (amount is required and must be a positive integer)",
        );
    };
    if let Some(tax_free) = params.tax_free.as_ref().filter(|v| !v.is_null()) {
        if !tax_free.as_i64().is_some_and(|t| (0..=amount).contains(&t)) {
            return refuse("면세금액이 결제금액을 넘습니다 (tax_free must be within the amount)");
        }
    }
    let merchant_uid = params
        .merchant_uid
        .as_deref()
        .and_then(crate::ids::normalize_merchant_uid)
        .unwrap_or_default();
    if merchant_uid.is_empty() {
        return refuse("merchant_uid 가 필요합니다 (merchant_uid is required)");
    }
    let pay_method = params.pay_method.as_deref().unwrap_or("card");
    if !PAY_METHODS.contains(&pay_method) {
        return refuse(format!(
            "지원하지 않는 결제수단입니다: {pay_method} (pay_method must be one of {})",
            PAY_METHODS.join(", ")
        ));
    }
    if params.currency.as_deref().is_some_and(|c| c != "KRW") {
        return refuse("샌드박스는 KRW 만 지원합니다 (currency must be KRW)");
    }
    let m_redirect_url = match params
        .m_redirect_url
        .as_deref()
        .filter(|u| !u.trim().is_empty())
    {
        Some(url) => Some(http_url("m_redirect_url", url)?),
        None if channel == "mobile" => return refuse(
            "모바일 결제에는 m_redirect_url 이 필요합니다 (mobile checkouts need m_redirect_url)",
        ),
        None => None,
    };
    let notice_url = match params
        .notice_url
        .as_deref()
        .filter(|u| !u.trim().is_empty())
    {
        Some(url) => Some(http_url("notice_url", url)?),
        None => None,
    };
    let app_scheme = params
        .app_scheme
        .as_deref()
        .map(|s| s.trim().trim_end_matches("://").to_ascii_lowercase())
        .filter(|s| !s.is_empty());
    if let Some(scheme) = &app_scheme {
        let valid = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
        if !valid {
            return refuse("app_scheme 이 올바르지 않습니다 (app_scheme is not a URL scheme)");
        }
    }
    let pg = params
        .pg
        .clone()
        .unwrap_or_else(|| "html5_inicis".to_owned());
    let pg = pg.split('.').next().unwrap_or("html5_inicis").to_owned();
    Ok(NewCheckout {
        payment: NewPayment {
            merchant_uid: merchant_uid.to_owned(),
            pay_method: pay_method.to_owned(),
            pg_provider: pg,
            name: params.name.clone().unwrap_or_default(),
            amount,
            buyer_name: params.buyer_name.clone(),
            custom_data: params.custom_data.as_ref().map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            }),
            channel: channel.to_owned(),
        },
        m_redirect_url,
        notice_url,
        app_scheme,
    })
}

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

fn device_of(headers: &HeaderMap) -> Device {
    Device::from_user_agent(
        headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default(),
    )
}

async fn iamport_js() -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/javascript; charset=utf-8",
        )],
        include_str!("../assets/iamport.js"),
    )
        .into_response()
}

/// What `/checkout` answers the stand-in: the PG page to open, or iamport's refusal.
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

fn load(state: &ApiState, token: &str) -> Result<(Transaction, Payment), Box<Response>> {
    state
        .with_store(|store| {
            let txn = store.transaction(token)?;
            let payment = store.get(&txn.imp_uid)?;
            Ok((txn, payment))
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

fn summary(payment: &Payment) -> String {
    format!(
        "<dl><dt>상품 / Item</dt><dd id=\"order-name\">{}</dd><dt>금액 / Amount</dt><dd id=\"order-amount\">{}</dd>\
         <dt>주문번호 / Order</dt><dd>{}</dd></dl>",
        escape(&payment.name),
        won(payment.amount),
        escape(&payment.merchant_uid)
    )
}

async fn pg_page(State(state): State<ApiState>, Path(token): Path<String>) -> Response {
    let (txn, payment) = match load(&state, &token) {
        Ok(found) => found,
        Err(response) => return *response,
    };
    if payment.status != "ready" || txn.used_at != 0 {
        return Redirect::to(&format!("/pg/{token}/result")).into_response();
    }
    let token = escape(&txn.token);
    let mut choices = String::new();
    for app in apps::for_pay_method(&payment.pay_method) {
        choices.push_str(&format!(
            "<li><a class=\"choice\" id=\"app-{key}\" href=\"/pg/{token}/pay/{key}\">{label}</a></li>",
            key = escape(app.key),
            label = escape(app.label)
        ));
    }
    match payment.pay_method.as_str() {
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
            summary(&payment),
            escape(&payment.pg_provider)
        ),
    )
    .into_response()
}

fn settle(
    state: &ApiState,
    token: &str,
    outcome: Outcome,
) -> Result<(Transaction, Payment), ApiError> {
    let now = (state.clock)();
    // The store writes an approval's webhook to the outbox with the approval itself.
    let settled = state.with_store(|store| store.settle_transaction(token, outcome, None, now))?;
    state.webhooks.wake();
    Ok(settled)
}

async fn pg_pay(
    State(state): State<ApiState>,
    headers: HeaderMap,
    Path((token, key)): Path<(String, String)>,
) -> Response {
    let (_, payment) = match load(&state, &token) {
        Ok(found) => found,
        Err(response) => return *response,
    };
    let direct = match key.as_str() {
        "declined" => Some(Outcome::Deny),
        "vbank" if payment.pay_method == "vbank" => Some(Outcome::Vbank),
        "cancel" => Some(Outcome::Cancel),
        _ => None,
    };
    if let Some(outcome) = direct {
        if let Err(err) = settle(&state, &token, outcome) {
            tracing::info!("PG outcome refused: {}", api_message(&err));
        }
        return Redirect::to(&format!("/pg/{token}/result")).into_response();
    }
    let Some(app) = apps::by_key(&key).filter(|app| app.pay_method == payment.pay_method) else {
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
    hand_off_page(app, &txn, &payment, &hand_off).into_response()
}

fn hand_off_page(
    app: &SandboxApp,
    txn: &Transaction,
    payment: &Payment,
    hand_off: &str,
) -> Html<String> {
    let token = &txn.token;
    // PC checkouts and app cards poll (the app's return is a bare `app://`, or none
    // on PC); ISP and BankPay come back through their result URL, so their page waits.
    let polls = app.page_polls() || txn.channel == "pc";
    page(
        "앱에서 결제를 계속하세요 / Continue in the app",
        "hand-off",
        &format!(
            "{summary}<p id=\"app-label\">{label}</p>\
             <p id=\"status\" data-status=\"ready\">앱의 승인을 기다리는 중 / waiting for the app…</p>\
             <p><a id=\"open-app\" class=\"choice\" href=\"{href}\">앱 열기 / Open the app</a></p>\
             <p><a id=\"finished\" class=\"choice\" href=\"/pg/{token}/result\">앱에서 결제를 마쳤어요 / I finished in the app</a></p>\
             <p><a id=\"web-app\" class=\"secondary\" href=\"/apps/{token}\">앱이 없나요? 웹에서 진행 / No app? Continue on the web</a></p>\
             <p><a id=\"pg-cancel\" class=\"secondary\" href=\"/pg/{token}/pay/cancel\">결제 취소 / Cancel</a></p>\
             <script>\
             var handOff = {hand_off_js};\
             var pg = '/pg/' + encodeURIComponent({token_js});\
             setTimeout(function () {{ location.href = handOff; }}, 50);\
             if ({polls}) {{\
               setInterval(function () {{\
                 fetch(pg + '/status').then(function (r) {{ return r.json(); }}).then(function (s) {{\
                   if (s.settled) {{ location.href = pg + '/result'; }}\
                 }}).catch(function () {{}});\
               }}, 700);\
             }}\
             </script>",
            summary = summary(payment),
            label = escape(app.label),
            href = escape(hand_off),
            token = escape(token),
            hand_off_js = script_json(hand_off),
            token_js = script_json(token),
        ),
    )
}

/// What the hand-off page polls.
#[derive(Serialize)]
struct PgStatus {
    status: String,
    settled: bool,
}

fn settled(payment: &Payment) -> bool {
    payment.status != "ready" || payment.vbank_num.is_some()
}

async fn pg_status(State(state): State<ApiState>, Path(token): Path<String>) -> Response {
    match load(&state, &token) {
        Ok((_, payment)) => Json(PgStatus {
            settled: settled(&payment),
            status: payment.status,
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
    pub status: String,
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

fn rsp(payment: &Payment) -> CallbackRsp {
    let success = payment.status == "paid" || payment.vbank_num.is_some();
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
        paid_amount: if payment.status == "paid" {
            payment.amount
        } else {
            0
        },
        status: payment.status.clone(),
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
    let mut url = url::Url::parse(m_redirect_url).ok()?;
    {
        let mut query = url.query_pairs_mut();
        query.append_pair("imp_uid", &rsp.imp_uid);
        query.append_pair("merchant_uid", &rsp.merchant_uid);
        query.append_pair("imp_success", if rsp.success { "true" } else { "false" });
        if !rsp.success {
            query.append_pair("error_code", rsp.error_code.as_deref().unwrap_or_default());
            query.append_pair("error_msg", rsp.error_msg.as_deref().unwrap_or_default());
        }
    }
    Some(url.to_string())
}

async fn pg_result(State(state): State<ApiState>, Path(token): Path<String>) -> Response {
    let (txn, payment) = match load(&state, &token) {
        Ok(found) => found,
        Err(response) => return *response,
    };
    let token = escape(&txn.token);
    if !settled(&payment) {
        return page(
            "아직 승인되지 않았습니다 / Not approved yet",
            "pending",
            &format!(
                "{}<p id=\"status\" data-status=\"ready\">결제 앱에서 승인을 마치지 않았습니다 / the payment app has not approved it.</p>\
                 <p><a id=\"check-again\" class=\"choice\" href=\"/pg/{token}/result\">다시 확인 / Check again</a></p>\
                 <p><a id=\"open-app\" class=\"secondary\" href=\"/pg/{token}\">결제 수단 다시 고르기 / Choose again</a></p>\
                 <p><a id=\"pg-cancel\" class=\"secondary\" href=\"/pg/{token}/pay/cancel\">결제 취소 / Cancel</a></p>",
                summary(&payment)
            ),
        )
        .into_response();
    }
    let rsp = rsp(&payment);
    if txn.channel == "pc" {
        // The callback's `rsp` holds the merchant's and the buyer's text (the order
        // name…): JSON escaped for the script, so no value can end it.
        return page(
            "결제 결과 / Payment result",
            "pc-result",
            &format!(
                "{summary}<p id=\"status\" data-status=\"{status}\">결제창을 닫는 중 / closing…</p>\
                 <script>var payer = window.opener || (window.parent !== window ? window.parent : null);\
                 if (payer) {{ payer.postMessage({{ iamport_sandbox: {message} }}, '*'); }}\
                 if (window.opener) {{ window.close(); }}</script>",
                summary = summary(&payment),
                status = escape(&payment.status),
                message = script_json(&rsp),
            ),
        )
        .into_response();
    }
    match txn.m_redirect_url.as_deref().and_then(|url| redirect_target(url, &rsp)) {
        Some(target) => Redirect::to(&target).into_response(),
        None => page(
            "결제 결과 / Payment result",
            "error",
            "<p>m_redirect_url 이 없어 가맹점으로 돌아갈 수 없습니다 / no m_redirect_url to return to.</p>",
        )
        .into_response(),
    }
}

/// What a simulated app reads about its transaction (`GET /sandbox/txn/{token}`;
/// `sim_app` reads it with this type too).
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct TxnInfo {
    pub(crate) token: String,
    pub(crate) imp_uid: String,
    pub(crate) merchant_uid: String,
    pub(crate) name: String,
    pub(crate) amount: i64,
    pub(crate) status: String,
    pub(crate) used: bool,
    pub(crate) channel: String,
    pub(crate) app: Option<String>,
    pub(crate) app_label: Option<String>,
    pub(crate) app_scheme: Option<String>,
    pub(crate) result_url: String,
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

async fn txn_info(
    State(state): State<ApiState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Response {
    match load(&state, &token) {
        Ok((txn, payment)) => {
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
                imp_uid: payment.imp_uid,
                merchant_uid: payment.merchant_uid,
                name: payment.name,
                amount: payment.amount,
                status: payment.status,
                channel: txn.channel,
                app: txn.app,
                app_label,
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

/// What the app's report is answered with: the payment's status and its way back.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Reported {
    pub(crate) status: String,
    pub(crate) return_link: Option<String>,
}

async fn txn_outcome(
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
        Ok((txn, payment)) => {
            let return_link = match (txn.app.as_deref().and_then(apps::by_key), &txn.app_scheme) {
                (Some(app), Some(scheme)) if txn.channel == "mobile" => Some(app.return_link(
                    scheme,
                    &result_url(&headers, &txn.token),
                    outcome == Outcome::Approve,
                )),
                _ => None,
            };
            Json(Reported {
                status: payment.status,
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

/// The web version of a payment app: what the app would ask, as a page, for manual
/// QA on a phone pointed at the sandbox.
async fn web_app(State(state): State<ApiState>, Path(token): Path<String>) -> Response {
    let (txn, payment) = match load(&state, &token) {
        Ok(found) => found,
        Err(response) => return *response,
    };
    let app = txn.app.as_deref().and_then(apps::by_key);
    let label = app.map_or("결제 앱 / payment app", |a| a.label);
    let token_js = script_json(&txn.token);
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
             <script>\
             var token = encodeURIComponent({token_js});\
             document.querySelectorAll('button[data-outcome]').forEach(function (b) {{ b.onclick = function () {{\
               fetch('/sandbox/txn/' + token + '/outcome', {{ method: 'POST', headers: {{ 'Content-Type': 'application/json' }},\
                 body: JSON.stringify({{ outcome: b.dataset.outcome }}) }})\
               .then(function (r) {{ return r.json(); }}).then(function (r) {{\
                 document.getElementById('status').textContent = r.error || r.status;\
                 location.href = r.return_link || '/pg/' + token + '/result';\
               }});\
             }}; }});\
             </script>",
            summary = summary(&payment)
        ),
    )
    .into_response()
}

/// The checkout's routes.
pub fn router(state: ApiState) -> Router {
    Router::new()
        .route("/iamport.js", get(iamport_js))
        .route("/checkout", post(checkout))
        .route("/pg/{token}", get(pg_page))
        .route("/pg/{token}/pay/{key}", get(pg_pay))
        .route("/pg/{token}/status", get(pg_status))
        .route("/pg/{token}/result", get(pg_result))
        .route("/sandbox/txn/{token}", get(txn_info))
        .route("/sandbox/txn/{token}/outcome", post(txn_outcome))
        .route("/apps/{token}", get(web_app))
        .with_state(state)
}
