//! The merchant's server: orders, the return page `m_redirect_url` lands on
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
        })
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
            "paid" if amount == order.amount => ("paid", format!("{amount}원 결제 완료 / paid")),
            "paid" => {
                self.iamport
                    .cancel(&token, &paid_uid, "결제 금액 위변조 / forged amount")
                    .await?;
                ("forged", format!("주문 금액 {}원과 결제 금액 {amount}원이 다릅니다 / amount mismatch, cancelled", order.amount))
            }
            "ready" if payment["pay_method"] == "vbank" && payment["vbank_num"].is_string() => (
                "vbank_issued",
                format!(
                    "{} {} 계좌로 {}원을 입금하세요 / pay into this virtual account",
                    payment["vbank_name"].as_str().unwrap_or_default(),
                    payment["vbank_num"].as_str().unwrap_or_default(),
                    order.amount
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

#[derive(Deserialize)]
struct NewOrder {
    merchant_uid: Option<String>,
    name: String,
    amount: i64,
}

async fn create_order(State(state): State<MerchantState>, Json(body): Json<NewOrder>) -> Response {
    if body.amount <= 0 {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({ "error": "amount must be positive" })),
        )
            .into_response();
    }
    let merchant_uid = body.merchant_uid.unwrap_or_else(|| random_id("order_"));
    let inserted = state.with_db(|conn| {
        conn.execute(
            "INSERT INTO orders (merchant_uid, name, amount) VALUES (?1, ?2, ?3)",
            params![merchant_uid, body.name, body.amount],
        )
    });
    match inserted {
        Ok(_) => {
            Json(json!({ "merchant_uid": merchant_uid, "amount": body.amount })).into_response()
        }
        Err(err) => (
            StatusCode::CONFLICT,
            Json(json!({ "error": err.to_string() })),
        )
            .into_response(),
    }
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
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

async fn complete(
    State(state): State<MerchantState>,
    Query(query): Query<ReturnQuery>,
) -> Html<String> {
    let (status, title, detail) = match state
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
                order.detail.unwrap_or_default(),
            )
        }
        Err(err) => (
            "error".to_owned(),
            "결제를 확인하지 못했습니다 / Could not verify the payment",
            err.to_string(),
        ),
    };
    Html(format!(
        "<!doctype html><html lang=\"ko\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>결제 결과 / Payment result</title></head><body>\
         <h1 id=\"result\" data-status=\"{}\">{}</h1><p id=\"detail\">{}</p></body></html>",
        escape(&status),
        escape(title),
        escape(&detail)
    ))
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
        .route("/orders", post(create_order))
        .route("/orders/{merchant_uid}", get(get_order))
        .route("/payments/complete", get(complete))
        .route("/payments/webhook", post(webhook))
        .with_state(state)
}
