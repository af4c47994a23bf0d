//! The merchant's server: the shop page (`/`, whose checkout calls `IMP.request_pay`),
//! orders priced on the server, the return page `m_redirect_url` lands on
//! (`/payments/complete`) and the webhook (`notice_url`). It never trusts what the
//! browser brings back: it fetches a token and the payment from the iamport API over
//! HTTP and shows success only when `status == paid` and `amount ==` the order's amount
//! (payment-apps.md §5.1 verification rule); a paid amount that differs is cancelled
//! through the API and shown as forged; `ready` + `vbank` shows the account.

use std::path::Path;
use std::sync::{Arc, Mutex};

use axum::extract::{Path as UrlPath, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::pages::{escape, page, won};
use crate::store::random_id;

/// Why verification could not run.
#[derive(Debug, thiserror::Error)]
pub enum MerchantError {
    /// The merchant's database failed.
    #[error("database: {0}")]
    Database(#[from] rusqlite::Error),
    /// The iamport API could not be reached or answered an error.
    #[error("iamport API: {0}")]
    Api(String),
}

impl From<reqwest::Error> for MerchantError {
    fn from(err: reqwest::Error) -> Self {
        Self::Api(err.to_string())
    }
}

/// The merchant's client for the iamport REST API.
#[derive(Debug, Clone)]
pub struct IamportClient {
    base: String,
    imp_key: String,
    imp_secret: String,
    http: reqwest::Client,
}

impl IamportClient {
    /// A client for the API at `base` (`http://127.0.0.1:PORT`).
    pub fn new(base: &str, imp_key: &str, imp_secret: &str) -> Self {
        Self {
            base: base.trim_end_matches('/').to_owned(),
            imp_key: imp_key.to_owned(),
            imp_secret: imp_secret.to_owned(),
            http: reqwest::Client::new(),
        }
    }

    async fn call(&self, request: reqwest::RequestBuilder) -> Result<Value, MerchantError> {
        let body: Value = request.send().await?.json().await?;
        // The envelope: the payment is under `response`, never the body itself (the
        // docs' own Express example reads `payment.amount` from the body, a bug).
        if body["code"].as_i64() == Some(0) {
            Ok(body["response"].clone())
        } else {
            Err(MerchantError::Api(
                body["message"].as_str().unwrap_or("error").to_owned(),
            ))
        }
    }

    async fn token(&self) -> Result<String, MerchantError> {
        let response = self
            .call(
                self.http
                    .post(format!("{}/users/getToken", self.base))
                    .json(&json!({ "imp_key": self.imp_key, "imp_secret": self.imp_secret })),
            )
            .await?;
        response["access_token"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| MerchantError::Api("no access_token".to_owned()))
    }

    async fn payment(&self, token: &str, imp_uid: &str) -> Result<Value, MerchantError> {
        self.call(
            self.http
                .get(format!("{}/payments/{imp_uid}", self.base))
                .header("Authorization", token),
        )
        .await
    }

    async fn find(&self, token: &str, merchant_uid: &str) -> Result<Value, MerchantError> {
        self.call(
            self.http
                .get(format!("{}/payments/find/{merchant_uid}", self.base))
                .header("Authorization", token),
        )
        .await
    }

    async fn cancel(
        &self,
        token: &str,
        imp_uid: &str,
        reason: &str,
    ) -> Result<Value, MerchantError> {
        self.call(
            self.http
                .post(format!("{}/payments/cancel", self.base))
                .header("Authorization", token)
                .json(&json!({ "imp_uid": imp_uid, "reason": reason })),
        )
        .await
    }
}

/// An order as the merchant keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Order {
    /// The order id given to `IMP.request_pay`.
    pub merchant_uid: String,
    /// Order name.
    pub name: String,
    /// The amount the merchant charges: the only amount that counts.
    pub amount: i64,
    /// `pending`, `paid`, `vbank_issued`, `failed`, `forged`.
    pub status: String,
    /// The payment that settled it.
    pub imp_uid: Option<String>,
    /// What the buyer is told.
    pub detail: Option<String>,
}

/// The merchant server's state.
#[derive(Clone)]
pub struct MerchantState {
    db: Arc<Mutex<Connection>>,
    iamport: IamportClient,
    app_scheme: Option<String>,
}

impl std::fmt::Debug for MerchantState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MerchantState")
            .field("iamport", &self.iamport)
            .finish_non_exhaustive()
    }
}

impl MerchantState {
    /// Opens the merchant's database at `path`.
    ///
    /// # Errors
    /// When SQLite fails.
    pub fn open(path: &Path, iamport: IamportClient) -> Result<Self, MerchantError> {
        let conn = Connection::open(path)?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             CREATE TABLE IF NOT EXISTS orders (
                 merchant_uid TEXT PRIMARY KEY,
                 name TEXT NOT NULL,
                 amount INTEGER NOT NULL CHECK (amount > 0),
                 status TEXT NOT NULL DEFAULT 'pending',
                 imp_uid TEXT,
                 detail TEXT
             );",
        )?;
        Ok(Self {
            db: Arc::new(Mutex::new(conn)),
            iamport,
            app_scheme: None,
        })
    }

    /// The app scheme the shop passes to `request_pay` (`app_scheme`), so payment
    /// apps return to the app hosting the shop.
    #[must_use]
    pub fn with_app_scheme(mut self, app_scheme: Option<&str>) -> Self {
        self.app_scheme = app_scheme.map(str::to_owned);
        self
    }

    fn with_db<T>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T, MerchantError> {
        let conn = self
            .db
            .lock()
            .map_err(|_| MerchantError::Api("the database lock is poisoned".to_owned()))?;
        Ok(f(&conn)?)
    }

    /// The order `merchant_uid`.
    ///
    /// # Errors
    /// When SQLite fails.
    pub fn order(&self, merchant_uid: &str) -> Result<Option<Order>, MerchantError> {
        self.with_db(|conn| {
            conn.query_row(
                "SELECT merchant_uid, name, amount, status, imp_uid, detail FROM orders WHERE merchant_uid = ?1",
                params![merchant_uid],
                |row| {
                    Ok(Order {
                        merchant_uid: row.get(0)?,
                        name: row.get(1)?,
                        amount: row.get(2)?,
                        status: row.get(3)?,
                        imp_uid: row.get(4)?,
                        detail: row.get(5)?,
                    })
                },
            )
            .optional()
        })
    }

    fn settle(
        &self,
        merchant_uid: &str,
        status: &str,
        imp_uid: &str,
        detail: &str,
    ) -> Result<(), MerchantError> {
        self.with_db(|conn| {
            conn.execute(
                "UPDATE orders SET status = ?2, imp_uid = ?3, detail = ?4 WHERE merchant_uid = ?1",
                params![merchant_uid, status, imp_uid, detail],
            )
            .map(|_| ())
        })
    }

    /// Verifies a payment against the order and records the outcome. Idempotent: an
    /// order already settled by this payment is reported as it is, nothing is redone.
    ///
    /// # Errors
    /// When the API or the database fails (the order stays as it was).
    pub async fn verify(
        &self,
        imp_uid: Option<&str>,
        merchant_uid: Option<&str>,
    ) -> Result<Order, MerchantError> {
        let token = self.iamport.token().await?;
        let payment = match (imp_uid, merchant_uid) {
            (Some(imp_uid), _) if !imp_uid.is_empty() => {
                self.iamport.payment(&token, imp_uid).await?
            }
            // A cold start may have lost `imp_uid`: find the payment by our order id.
            (_, Some(merchant_uid)) if !merchant_uid.is_empty() => {
                self.iamport.find(&token, merchant_uid).await?
            }
            _ => return Err(MerchantError::Api("no imp_uid or merchant_uid".to_owned())),
        };
        let paid_uid = payment["imp_uid"].as_str().unwrap_or_default().to_owned();
        // The order is the payment's, never the one the browser named.
        let order_uid = payment["merchant_uid"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let Some(order) = self.order(&order_uid)? else {
            return Err(MerchantError::Api(format!("unknown order `{order_uid}`")));
        };
        if order.imp_uid.as_deref() == Some(paid_uid.as_str())
            && order.status != "pending"
            && order.status != "vbank_issued"
        {
            return Ok(order);
        }
        let status = payment["status"].as_str().unwrap_or_default();
        let amount = payment["amount"].as_i64().unwrap_or(-1);
        let (new_status, detail) = match status {
            "paid" if amount == order.amount => {
                ("paid", format!("{} 결제 완료 / paid", won(amount)))
            }
            "paid" => {
                self.iamport
                    .cancel(&token, &paid_uid, "결제 금액 위변조 / forged amount")
                    .await?;
                (
                    "forged",
                    format!(
                        "주문 금액 {}과 결제 금액 {}이 다릅니다 / amount mismatch, cancelled",
                        won(order.amount),
                        won(amount)
                    ),
                )
            }
            "ready" if payment["pay_method"] == "vbank" && payment["vbank_num"].is_string() => (
                "vbank_issued",
                format!(
                    "{} {} 계좌로 {}을 입금하세요 / pay into this virtual account",
                    payment["vbank_name"].as_str().unwrap_or_default(),
                    payment["vbank_num"].as_str().unwrap_or_default(),
                    won(order.amount)
                ),
            ),
            _ => (
                "failed",
                payment["fail_reason"]
                    .as_str()
                    .unwrap_or("결제되지 않았습니다 / not paid")
                    .to_owned(),
            ),
        };
        self.settle(&order_uid, new_status, &paid_uid, &detail)?;
        Ok(self.order(&order_uid)?.unwrap_or(order))
    }
}

/// The shop's items: the server prices an order, never the browser.
pub const ITEMS: [(&str, &str, i64); 3] = [
    ("coffee", "샌드박스 원두 1kg / Sandbox coffee beans", 12_900),
    ("tumbler", "payhost 텀블러 / payhost tumbler", 23_000),
    ("gift", "선물 세트 / Gift set", 51_000),
];

#[derive(Deserialize)]
struct NewOrder {
    merchant_uid: Option<String>,
    /// A shop item (`coffee`, …) and a quantity: priced here.
    item: Option<String>,
    quantity: Option<i64>,
    /// Or a name and amount directly (API clients and tests).
    name: Option<String>,
    amount: Option<i64>,
}

fn bad_request(message: &str) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({ "error": message }))).into_response()
}

async fn create_order(State(state): State<MerchantState>, Json(body): Json<NewOrder>) -> Response {
    let (name, amount) = match (&body.item, &body.name, body.amount) {
        (Some(item), _, _) => {
            let Some((_, name, price)) = ITEMS.iter().find(|(key, _, _)| key == item) else {
                return bad_request("unknown item / 없는 상품입니다");
            };
            let quantity = body.quantity.unwrap_or(1);
            if !(1..=99).contains(&quantity) {
                return bad_request("quantity must be 1..=99 / 수량은 1~99");
            }
            let name = if quantity == 1 {
                (*name).to_owned()
            } else {
                format!("{name} × {quantity}")
            };
            (name, price * quantity)
        }
        (None, Some(name), Some(amount)) => (name.clone(), amount),
        _ => return bad_request("item, or name and amount, are required"),
    };
    if amount <= 0 {
        return bad_request("amount must be positive");
    }
    let merchant_uid = body.merchant_uid.unwrap_or_else(|| random_id("order_"));
    let inserted = state.with_db(|conn| {
        conn.execute(
            "INSERT INTO orders (merchant_uid, name, amount) VALUES (?1, ?2, ?3)",
            params![merchant_uid, name, amount],
        )
    });
    match inserted {
        Ok(_) => Json(json!({ "merchant_uid": merchant_uid, "name": name, "amount": amount }))
            .into_response(),
        Err(err) => (
            StatusCode::CONFLICT,
            Json(json!({ "error": err.to_string() })),
        )
            .into_response(),
    }
}

async fn shop(State(state): State<MerchantState>) -> Html<String> {
    let mut items = String::new();
    for (i, (key, name, price)) in ITEMS.iter().enumerate() {
        items.push_str(&format!(
            "<label class=\"check\"><input type=\"radio\" name=\"item\" id=\"item-{key}\" value=\"{key}\"{}> {} · {}</label>",
            if i == 0 { " checked" } else { "" },
            escape(name),
            won(*price)
        ));
    }
    let app_scheme = serde_json::to_string(&state.app_scheme).unwrap_or_else(|_| "null".to_owned());
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
             <script>\
             var APP_SCHEME = {app_scheme};\
             function value(id) {{ return document.getElementById(id).value; }}\
             function complete(query) {{ location.href = '/shop/payments/complete?' + new URLSearchParams(query).toString(); }}\
             document.getElementById('pay').onclick = function () {{\
               var item = document.querySelector('input[name=item]:checked').value;\
               var quantity = parseInt(value('quantity'), 10) || 1;\
               fetch('/shop/orders', {{ method: 'POST', headers: {{ 'Content-Type': 'application/json' }},\
                 body: JSON.stringify({{ item: item, quantity: quantity }}) }})\
               .then(function (r) {{ return r.json(); }}).then(function (order) {{\
                 if (order.error) {{ document.getElementById('shop-error').textContent = order.error; return; }}\
                 var method = value('method').split(':');\
                 var amount = order.amount;\
                 if (document.getElementById('tamper').checked) {{ amount = Math.max(100, amount - 1000); }}\
                 var params = {{ pg: method[0], pay_method: method[1], merchant_uid: order.merchant_uid, name: order.name,\
                   amount: amount, currency: 'KRW', buyer_name: value('buyer-name'), buyer_tel: value('buyer-tel'),\
                   buyer_email: value('buyer-email'), custom_data: {{ item: item, quantity: quantity }},\
                   notice_url: location.origin + '/shop/payments/webhook',\
                   m_redirect_url: location.origin + '/shop/payments/complete' }};\
                 if (APP_SCHEME) {{ params.app_scheme = APP_SCHEME; }}\
                 if (!document.getElementById('pc-mode').checked) {{ params.popup = false; }}\
                 IMP.init('imp_sandbox');\
                 IMP.request_pay(params, function (rsp) {{\
                   complete({{ imp_uid: rsp.imp_uid || '', merchant_uid: rsp.merchant_uid || order.merchant_uid,\
                     error_msg: rsp.success ? '' : (rsp.error_msg || '') }});\
                 }});\
               }});\
             }};\
             </script>"
        ),
    )
}

async fn get_order(
    State(state): State<MerchantState>,
    UrlPath(merchant_uid): UrlPath<String>,
) -> Response {
    match state.order(&merchant_uid) {
        Ok(Some(order)) => Json(order).into_response(),
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(err) => (StatusCode::INTERNAL_SERVER_ERROR, err.to_string()).into_response(),
    }
}

#[derive(Deserialize)]
struct ReturnQuery {
    imp_uid: Option<String>,
    merchant_uid: Option<String>,
    error_msg: Option<String>,
}

async fn complete(
    State(state): State<MerchantState>,
    Query(query): Query<ReturnQuery>,
) -> Html<String> {
    let no_payment = !query.imp_uid.as_deref().is_some_and(|u| !u.is_empty());
    let (status, title, detail, order) = match (no_payment, query.error_msg.as_deref()) {
        // Refused before a payment existed (iamport sends `imp_uid=` empty): a failure
        // the query may report, since it grants nothing.
        (true, Some(message)) if !message.is_empty() => (
            "failed".to_owned(),
            "결제되지 않았습니다 / Payment failed",
            message.to_owned(),
            None,
        ),
        _ => match state
            .verify(query.imp_uid.as_deref(), query.merchant_uid.as_deref())
            .await
        {
            Ok(order) => {
                let title = match order.status.as_str() {
                    "paid" => "결제가 완료되었습니다 / Payment complete",
                    "vbank_issued" => "가상계좌가 발급되었습니다 / Virtual account issued",
                    "forged" => {
                        "결제 금액이 주문과 달라 취소했습니다 / Forged amount, payment cancelled"
                    }
                    _ => "결제되지 않았습니다 / Payment failed",
                };
                (
                    order.status.clone(),
                    title,
                    order.detail.clone().unwrap_or_default(),
                    Some(order),
                )
            }
            Err(err) => (
                "error".to_owned(),
                "결제를 확인하지 못했습니다 / Could not verify the payment",
                err.to_string(),
                None,
            ),
        },
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
            status = escape(&status),
        ),
    )
}

#[derive(Deserialize)]
struct Webhook {
    imp_uid: Option<String>,
    merchant_uid: Option<String>,
}

async fn webhook(State(state): State<MerchantState>, Json(body): Json<Webhook>) -> Response {
    // Re-queried every time (duplicates happen; never trust the webhook's `status`).
    match state
        .verify(body.imp_uid.as_deref(), body.merchant_uid.as_deref())
        .await
    {
        Ok(order) => Json(json!({ "status": order.status })).into_response(),
        Err(err) => (
            StatusCode::BAD_GATEWAY,
            Json(json!({ "error": err.to_string() })),
        )
            .into_response(),
    }
}

/// The merchant's routes.
pub fn router(state: MerchantState) -> Router {
    Router::new()
        .route("/", get(shop))
        .route("/orders", post(create_order))
        .route("/orders/{merchant_uid}", get(get_order))
        .route("/payments/complete", get(complete))
        .route("/payments/webhook", post(webhook))
        .with_state(state)
}
