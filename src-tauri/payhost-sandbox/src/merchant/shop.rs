//! The merchant's pages and routes: the shop page (whose checkout calls
//! `IMP.request_pay`; its script is `assets/shop.js`), creating and reading orders,
//! the return page `m_redirect_url` lands on (`/payments/complete`; a virtual account
//! links to the sandbox's bank to pay into it) and the webhook (`notice_url`, JSON
//! or a form). HTTP in, HTTP out: what they decide comes from `verdict`, what they
//! store from `orders`.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path as UrlPath, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};

use super::orders::{OrderStatus, PricedOrder, ITEMS};
use super::{IamportClient, MerchantError, MerchantState};
use crate::api::decode_json_or_form;
use crate::ids::normalize_merchant_uid;
use crate::pages::{escape, page, won, Script};

/// What the shop page posts: an item and a quantity, nothing that prices it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NewOrder {
    /// Given by API clients and tests; generated otherwise.
    merchant_uid: Option<String>,
    /// A key of [`ITEMS`].
    item: String,
    #[serde(default = "one")]
    quantity: i64,
}

fn one() -> i64 {
    1
}

#[derive(Debug, Serialize)]
struct CreatedOrder<'a> {
    merchant_uid: &'a str,
    name: &'a str,
    amount: i64,
    item: &'a str,
    quantity: i64,
}

#[derive(Debug, Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
}

fn error_response(status: StatusCode, message: &str) -> Response {
    (status, Json(ErrorBody { error: message })).into_response()
}

fn bad_request(message: &str) -> Response {
    error_response(StatusCode::BAD_REQUEST, message)
}

pub(super) async fn create_order(
    State(state): State<MerchantState>,
    body: Result<Json<NewOrder>, JsonRejection>,
) -> Response {
    let body = match body {
        Ok(Json(body)) => body,
        Err(rejection) => {
            return bad_request(&format!(
                "{} (an order is an item and a quantity / 상품과 수량만 받습니다)",
                rejection.body_text()
            ))
        }
    };
    let order = match PricedOrder::priced(body.merchant_uid.as_deref(), &body.item, body.quantity) {
        Ok(order) => order,
        Err(message) => return bad_request(message),
    };
    match state.create_order(&order) {
        Ok(()) => Json(CreatedOrder {
            merchant_uid: &order.merchant_uid,
            name: &order.name,
            amount: order.amount,
            item: order.item,
            quantity: order.quantity,
        })
        .into_response(),
        Err(MerchantError::Database(rusqlite::Error::SqliteFailure(err, _)))
            if err.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            error_response(
                StatusCode::CONFLICT,
                &format!(
                    "order `{}` exists / 이미 있는 주문번호입니다",
                    order.merchant_uid
                ),
            )
        }
        Err(err) => error_response(err.status_code(), &err.to_string()),
    }
}

/// What the shop's script (`assets/shop.js`) reads from its data block.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ShopData<'a> {
    /// The app the payment apps return to (`request_pay`'s `app_scheme`), if any.
    app_scheme: Option<&'a str>,
    /// The V2 store (`PortOne.requestPayment`'s `storeId`).
    store_id: &'static str,
    /// For each choice of `#method`, what V2's `requestPayment` names.
    v2_methods: Vec<V2Method>,
}

/// A payment method of the shop as a V2 request names it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct V2Method {
    /// The `#method` option (`pg:pay_method` of V1).
    choice: &'static str,
    /// The channel of the same PG (`crate::v2::channels`).
    channel_key: &'static str,
    /// `CARD`, `TRANSFER`, `VIRTUAL_ACCOUNT`, `EASY_PAY`.
    pay_method: &'static str,
    /// With `EASY_PAY`.
    #[serde(skip_serializing_if = "Option::is_none")]
    easy_pay_provider: Option<&'static str>,
}

/// The shop's payment methods: the V1 `pg:pay_method` of each `#method` option and
/// its V2 request (the same PG through the channel of the sandbox store).
const METHODS: [(&str, &str, &str, &str, Option<&str>); 6] = [
    (
        "nice:card",
        "신용카드 (ISP·앱카드, NICE) / Card",
        "channel-key-sandbox-nice",
        "CARD",
        None,
    ),
    (
        "html5_inicis:card",
        "신용카드 (KG이니시스) / Card via Inicis",
        "channel-key-sandbox-inicis",
        "CARD",
        None,
    ),
    (
        "nice:trans",
        "계좌이체 (뱅크페이) / Bank transfer",
        "channel-key-sandbox-nice",
        "TRANSFER",
        None,
    ),
    (
        "html5_inicis:vbank",
        "가상계좌 / Virtual account",
        "channel-key-sandbox-inicis",
        "VIRTUAL_ACCOUNT",
        None,
    ),
    (
        "kakaopay:kakaopay",
        "카카오페이 / KakaoPay",
        "channel-key-sandbox-kakaopay",
        "EASY_PAY",
        Some("KAKAOPAY"),
    ),
    (
        "tosspay:tosspay",
        "토스페이 / Toss",
        "channel-key-sandbox-tosspay",
        "EASY_PAY",
        Some("TOSSPAY"),
    ),
];

/// `GET /shop`: the shop page.
pub(super) async fn shop(State(state): State<MerchantState>) -> Html<String> {
    let mut items = String::new();
    for (i, (key, name, price)) in ITEMS.iter().enumerate() {
        items.push_str(&format!(
            "<label class=\"check\"><input type=\"radio\" name=\"item\" id=\"item-{key}\" value=\"{key}\"{}> {} · {}</label>",
            if i == 0 { " checked" } else { "" },
            escape(name),
            won(*price)
        ));
    }
    page(
        "payhost 샌드박스 상점 / Sandbox shop",
        "shop",
        &format!(
            "<p class=\"notice\">실제 결제가 아닙니다 / nothing here is a real payment</p>\
             {items}\
             <label for=\"quantity\">수량 / Quantity</label><input id=\"quantity\" type=\"number\" min=\"1\" max=\"99\" value=\"1\">\
             <label for=\"buyer-name\">구매자 / Buyer</label><input id=\"buyer-name\" value=\"홍길동\">\
             <label for=\"buyer-tel\">전화 / Phone</label><input id=\"buyer-tel\" value=\"010-1234-5678\">\
             <label for=\"buyer-email\">이메일 / E-mail</label><input id=\"buyer-email\" value=\"buyer@example.com\">\
             <label for=\"method\">결제 수단 / Payment method</label>\
             <select id=\"method\">{methods}</select>\
             <label for=\"sdk\">결제 모듈 / Payment SDK</label>\
             <select id=\"sdk\">\
               <option value=\"v1\">V1 · IMP.request_pay (아임포트 / iamport)</option>\
               <option value=\"v2\">V2 · PortOne.requestPayment (포트원 / PortOne)</option>\
             </select>\
             <label class=\"check\"><input type=\"checkbox\" id=\"tamper\"> 결제 금액 위변조 (1,000원 깎기, 테스트) / Tamper with the amount</label>\
             <label class=\"check\"><input type=\"checkbox\" id=\"pc-mode\"> PC 결제창·콜백 방식 / PC layer and callback</label>\
             <button id=\"pay\">결제하기 / Pay</button><p id=\"shop-error\"></p>\
             <script src=\"/iamport.js\"></script>\
             <script src=\"/v2/browser-sdk.js\"></script>\
             {script}{subscription}{identity}",
            methods = METHODS
                .iter()
                .map(|(choice, label, ..)| format!(
                    "<option value=\"{}\">{}</option>",
                    escape(choice),
                    escape(label)
                ))
                .collect::<String>(),
            subscription = super::subscription::section(&state),
            identity = super::identity_pages::section(&state),
            script = Script::Shop.with_data(&ShopData {
                app_scheme: state.app_scheme.as_deref(),
                store_id: crate::SANDBOX_STORE_ID,
                v2_methods: METHODS
                    .iter()
                    .map(|&(choice, _, channel_key, pay_method, easy_pay_provider)| V2Method {
                        choice,
                        channel_key,
                        pay_method,
                        easy_pay_provider,
                    })
                    .collect(),
            }),
        ),
    )
}

pub(super) async fn get_order(
    State(state): State<MerchantState>,
    UrlPath(merchant_uid): UrlPath<String>,
) -> Response {
    let Some(merchant_uid) = normalize_merchant_uid(&merchant_uid) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match state.order(merchant_uid) {
        Ok(Some(order)) => Json(order).into_response(),
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(err) => error_response(err.status_code(), &err.to_string()),
    }
}

#[derive(Deserialize)]
pub(super) struct ReturnQuery {
    imp_uid: Option<String>,
    merchant_uid: Option<String>,
    error_msg: Option<String>,
}

pub(super) async fn complete(
    State(state): State<MerchantState>,
    Query(query): Query<ReturnQuery>,
) -> Html<String> {
    let no_payment = !query.imp_uid.as_deref().is_some_and(|u| !u.is_empty());
    let landing = match (no_payment, query.error_msg.as_deref()) {
        // Refused before a payment existed (iamport sends `imp_uid=` empty): a failure
        // the query may report, since it grants nothing.
        (true, Some(message)) if !message.is_empty() => Landing::refused(message),
        _ => Landing::of(
            state
                .verify(query.imp_uid.as_deref(), query.merchant_uid.as_deref())
                .await,
        ),
    };
    landing.page(IAMPORT_API, Some(&state.iamport))
}

/// What V2's `redirectUrl` receives: `paymentId`, and `code` / `message` on failure.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct V2ReturnQuery {
    payment_id: Option<String>,
    code: Option<String>,
    message: Option<String>,
}

/// `GET /shop/v2/payments/complete`: V2's `redirectUrl` (and where a PC Promise sends
/// the buyer), verified through the V2 API.
pub(super) async fn complete_v2(
    State(state): State<MerchantState>,
    Query(query): Query<V2ReturnQuery>,
) -> Html<String> {
    let Some(payment_id) = query
        .payment_id
        .as_deref()
        .filter(|id| !id.trim().is_empty())
    else {
        return Landing::of(Err(MerchantError::NothingNamed)).page(PORTONE_V2_API, None);
    };
    let landing = match state.verify_v2(payment_id).await {
        // The checkout was refused before any payment existed: a failure the query
        // may report, since it grants nothing.
        Err(MerchantError::NotFound(_)) if query.code.is_some() => Landing::refused(
            query
                .message
                .as_deref()
                .or(query.code.as_deref())
                .unwrap_or_default(),
        ),
        verified => Landing::of(verified),
    };
    landing.page(PORTONE_V2_API, None)
}

/// What a return page shows: the merchant's verdict on the order, or why there is none.
struct Landing {
    status: &'static str,
    title: &'static str,
    detail: String,
    order: Option<super::Order>,
}

impl Landing {
    /// A checkout refused before any payment existed.
    fn refused(message: &str) -> Self {
        Self {
            status: OrderStatus::Failed.as_str(),
            title: "결제되지 않았습니다 / Payment failed",
            detail: message.to_owned(),
            order: None,
        }
    }

    /// The outcome of a verification.
    fn of(verified: Result<super::Order, MerchantError>) -> Self {
        match verified {
            Ok(order) => Self {
                status: order.status.as_str(),
                title: match order.status {
                    OrderStatus::Paid => "결제가 완료되었습니다 / Payment complete",
                    OrderStatus::VbankIssued => {
                        "가상계좌가 발급되었습니다 / Virtual account issued"
                    }
                    OrderStatus::Forged => {
                        "결제 금액이 주문과 달라 취소했습니다 / Forged amount, payment cancelled"
                    }
                    OrderStatus::Cancelled => "결제가 취소되었습니다 / Payment cancelled",
                    OrderStatus::Pending => "결제가 끝나지 않았습니다 / Payment not completed",
                    OrderStatus::Failed => "결제되지 않았습니다 / Payment failed",
                },
                detail: order.detail.clone().unwrap_or_default(),
                order: Some(order),
            },
            Err(err) => Self {
                status: "error",
                title: "결제를 확인하지 못했습니다 / Could not verify the payment",
                detail: err.to_string(),
                order: None,
            },
        }
    }

    /// The page, saying which API verified it (its Korean and English names); with
    /// `bank`, a virtual account's order links to the sandbox's bank to pay into it
    /// (which links back here once paid, and this page then verifies again).
    fn page(self, (api_ko, api_en): (&str, &str), bank: Option<&IamportClient>) -> Html<String> {
        let deposit = self
            .order
            .as_ref()
            .filter(|order| order.status == OrderStatus::VbankIssued)
            .and_then(|order| order.imp_uid.as_deref())
            .zip(bank)
            .and_then(|(imp_uid, bank)| bank.bank_page(imp_uid).ok())
            .map_or_else(String::new, |url| {
                format!(
                    "<p><a id=\"deposit-link\" class=\"choice\" href=\"{}\">은행 앱에서 입금하기 (샌드박스) / Deposit from a bank (sandbox)</a></p>",
                    escape(url.as_str())
                )
            });
        let order_lines = self.order.map_or_else(String::new, |order| {
            format!(
                "<dl><dt>상품 / Item</dt><dd id=\"order-name\">{}</dd><dt>주문 금액 / Order amount</dt><dd id=\"order-amount\">{}</dd>\
                 <dt>주문번호 / Order</dt><dd id=\"merchant-uid\">{}</dd></dl>",
                escape(&order.name),
                won(order.amount),
                escape(&order.merchant_uid)
            )
        });
        page(
            self.title,
            "merchant-result",
            &format!(
                "<p id=\"result\" class=\"tag\" data-status=\"{status}\">상태 / status: {status}</p><p id=\"detail\" class=\"verdict\">{}</p>{order_lines}{deposit}\
                 <p class=\"tag\">가맹점 서버가 {api_ko}로 확인한 결과 / verified by the merchant server through {api_en}</p>\
                 <p><a id=\"back-to-shop\" class=\"secondary\" href=\"/shop\">상점으로 / Back to the shop</a></p>",
                escape(&self.detail),
                status = escape(self.status),
                api_ko = escape(api_ko),
                api_en = escape(api_en),
            ),
        )
    }
}

/// How a landing names the API its verdict came from (Korean, English).
pub(super) const IAMPORT_API: (&str, &str) = ("아임포트 API", "the iamport API");
/// How a landing names PortOne V2's API (Korean, English).
pub(super) const PORTONE_V2_API: (&str, &str) = ("포트원 V2 API", "the PortOne V2 API");

/// What iamport posts to `notice_url`: `{imp_uid, merchant_uid, status}`
/// (https://developers.portone.io/docs/ko/result/webhook), as JSON or as a form
/// (the console's choice). Its `status` is not read: the payment is queried every
/// time (duplicates and forgeries happen).
#[derive(Deserialize)]
pub(super) struct Webhook {
    imp_uid: Option<String>,
    merchant_uid: Option<String>,
}

#[derive(Serialize)]
struct WebhookAnswer {
    status: OrderStatus,
}

pub(super) async fn webhook(State(state): State<MerchantState>, request: Request) -> Response {
    let body: Webhook = match decode_json_or_form(request).await {
        Ok(body) => body,
        Err(message) => return bad_request(&message),
    };
    match state
        .verify(body.imp_uid.as_deref(), body.merchant_uid.as_deref())
        .await
    {
        Ok(order) => Json(WebhookAnswer {
            status: order.status,
        })
        .into_response(),
        Err(err) => error_response(err.status_code(), &err.to_string()),
    }
}

/// What the V2 webhook receiver answers: the order's status, or that the webhook was
/// a replay (not processed again) or names no payment.
#[derive(Serialize)]
#[serde(rename_all = "snake_case")]
enum WebhookV2Answer {
    Status(OrderStatus),
    Replayed,
    Ignored,
}

/// `POST /shop/v2/payments/webhook`: a signed V2 webhook (`v2_webhook`); a
/// `Transaction.*` one makes the merchant verify its payment through the API.
pub(super) async fn webhook_v2(
    State(state): State<MerchantState>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let webhook = match state.receive_v2_webhook(&headers, &body) {
        Ok(Ok(super::v2_webhook::Received::New(webhook))) => webhook,
        Ok(Ok(super::v2_webhook::Received::Replayed)) => {
            return Json(WebhookV2Answer::Replayed).into_response()
        }
        Ok(Err(refusal)) => return error_response(refusal.status_code(), &refusal.to_string()),
        Err(err) => return error_response(err.status_code(), &err.to_string()),
    };
    let payment_id = webhook
        .data
        .payment_id
        .filter(|_| webhook.kind.starts_with("Transaction."));
    let Some(payment_id) = payment_id else {
        // Types it does not know are ignored, as PortOne asks of receivers.
        return Json(WebhookV2Answer::Ignored).into_response();
    };
    match state.verify_v2(&payment_id).await {
        Ok(order) => Json(WebhookV2Answer::Status(order.status)).into_response(),
        Err(err) => error_response(err.status_code(), &err.to_string()),
    }
}
