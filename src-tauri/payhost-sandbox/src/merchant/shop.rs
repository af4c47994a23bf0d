//! The merchant's pages and routes: the shop page (whose checkout calls
//! `IMP.request_pay`; its script is `assets/shop.js`), creating and reading orders,
//! the return page `m_redirect_url` lands on (`/payments/complete`) and the webhook
//! (`notice_url`). HTTP in, HTTP out: what they decide comes from `verdict`, what
//! they store from `orders`.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};

use super::orders::{OrderStatus, PricedOrder, ITEMS};
use super::{MerchantError, MerchantState};
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
}

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
             <select id=\"method\">\
               <option value=\"nice:card\">신용카드 (ISP·앱카드, NICE) / Card</option>\
               <option value=\"html5_inicis:card\">신용카드 (KG이니시스) / Card via Inicis</option>\
               <option value=\"nice:trans\">계좌이체 (뱅크페이) / Bank transfer</option>\
               <option value=\"html5_inicis:vbank\">가상계좌 / Virtual account</option>\
               <option value=\"kakaopay:kakaopay\">카카오페이 / KakaoPay</option>\
               <option value=\"tosspay:tosspay\">토스페이 / Toss</option>\
             </select>\
             <label class=\"check\"><input type=\"checkbox\" id=\"tamper\"> 결제 금액 위변조 (1,000원 깎기, 테스트) / Tamper with the amount</label>\
             <label class=\"check\"><input type=\"checkbox\" id=\"pc-mode\"> PC 결제창·콜백 방식 / PC layer and callback</label>\
             <button id=\"pay\">결제하기 / Pay</button><p id=\"shop-error\"></p>\
             <script src=\"/iamport.js\"></script>\
             {script}{subscription}",
            subscription = super::subscription::section(&state),
            script = Script::Shop.with_data(&ShopData {
                app_scheme: state.app_scheme.as_deref(),
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
    let (status, title, detail, order) = match (no_payment, query.error_msg.as_deref()) {
        // Refused before a payment existed (iamport sends `imp_uid=` empty): a failure
        // the query may report, since it grants nothing.
        (true, Some(message)) if !message.is_empty() => (
            OrderStatus::Failed.as_str(),
            "결제되지 않았습니다 / Payment failed",
            message.to_owned(),
            None,
        ),
        _ => {
            match state
                .verify(query.imp_uid.as_deref(), query.merchant_uid.as_deref())
                .await
            {
                Ok(order) => {
                    let title = match order.status {
                    OrderStatus::Paid => "결제가 완료되었습니다 / Payment complete",
                    OrderStatus::VbankIssued => "가상계좌가 발급되었습니다 / Virtual account issued",
                    OrderStatus::Forged => {
                        "결제 금액이 주문과 달라 취소했습니다 / Forged amount, payment cancelled"
                    }
                    OrderStatus::Cancelled => "결제가 취소되었습니다 / Payment cancelled",
                    OrderStatus::Pending => "결제가 끝나지 않았습니다 / Payment not completed",
                    OrderStatus::Failed => "결제되지 않았습니다 / Payment failed",
                };
                    (
                        order.status.as_str(),
                        title,
                        order.detail.clone().unwrap_or_default(),
                        Some(order),
                    )
                }
                Err(err) => (
                    "error",
                    "결제를 확인하지 못했습니다 / Could not verify the payment",
                    err.to_string(),
                    None,
                ),
            }
        }
    };
    let order_lines = order.map_or_else(String::new, |order| {
        format!(
            "<dl><dt>상품 / Item</dt><dd id=\"order-name\">{}</dd><dt>주문 금액 / Order amount</dt><dd id=\"order-amount\">{}</dd>\
             <dt>주문번호 / Order</dt><dd id=\"merchant-uid\">{}</dd></dl>",
            escape(&order.name),
            won(order.amount),
            escape(&order.merchant_uid)
        )
    });
    page(
        title,
        "merchant-result",
        &format!(
            "<p id=\"result\" class=\"tag\" data-status=\"{status}\">상태 / status: {status}</p><p id=\"detail\" class=\"verdict\">{}</p>{order_lines}\
             <p class=\"tag\">가맹점 서버가 아임포트 API 로 확인한 결과 / verified by the merchant server through the iamport API</p>\
             <p><a id=\"back-to-shop\" class=\"secondary\" href=\"/shop\">상점으로 / Back to the shop</a></p>",
            escape(&detail),
            status = escape(status),
        ),
    )
}

/// What iamport posts to `notice_url`: `{imp_uid, merchant_uid, status}`
/// (https://developers.portone.io/docs/ko/result/webhook). Its `status` is not read:
/// the payment is queried every time (duplicates and forgeries happen).
#[derive(Deserialize)]
pub(super) struct Webhook {
    imp_uid: Option<String>,
    merchant_uid: Option<String>,
}

#[derive(Serialize)]
struct WebhookAnswer {
    status: OrderStatus,
}

pub(super) async fn webhook(
    State(state): State<MerchantState>,
    Json(body): Json<Webhook>,
) -> Response {
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
