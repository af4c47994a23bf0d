//! The merchant's server: the shop page (`/`, whose checkout calls `IMP.request_pay`),
//! orders of a shop item and a quantity priced here (never by the browser), the return
//! page `m_redirect_url` lands on (`/payments/complete`) and the webhook (`notice_url`).
//!
//! It decides only from the iamport API's answer and the order's own amount, as
//! iamport's verification guide asks (https://portone.gitbook.io/docs/auth/guide/5/post):
//! a token, then the payment over HTTP (`GET /payments/{imp_uid}`, or
//! `GET /payments/find/{merchant_uid}` when a cold start lost `imp_uid`); what the
//! browser or a webhook claims is never read. `paid` with the order's amount pays the
//! order; a paid amount that differs is cancelled through the API and shown as forged
//! (a verdict whose save failed after that cancel is made again from the API's
//! `cancel_history`); `ready` is no verdict (a virtual account is shown only when it is
//! for the order's amount and the API knows no paid payment of the order); a paid order
//! changes only through its own payment (cancelled through the API → `cancelled`), and
//! no order is `failed`, `cancelled` or `vbank_issued` while the API knows a paid
//! payment of it. Ids reach the API as single path segments (`Url::path_segments_mut`).

use std::path::Path;
use std::sync::{Arc, Mutex};

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use rusqlite::{params, Connection, OptionalExtension};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use url::Url;

use crate::ids::normalize_merchant_uid;
use crate::pages::{escape, page, script_json, won};
use crate::store::random_id;

/// Why verification (or an order) could not be done.
#[derive(Debug, thiserror::Error)]
pub enum MerchantError {
    /// The merchant's database failed.
    #[error("database: {0}")]
    Database(#[from] rusqlite::Error),
    /// A thread panicked while holding the database.
    #[error("the merchant database lock is poisoned")]
    Poisoned,
    /// The API client could not be built (its base URL, or the HTTP client).
    #[error("the iamport API client cannot be used: {0}")]
    Setup(String),
    /// The iamport API could not be reached.
    #[error("iamport API unreachable: {0}")]
    Http(#[from] reqwest::Error),
    /// The iamport API answered something that is not its envelope.
    #[error("iamport API answered something unreadable: {0}")]
    Decode(#[from] serde_json::Error),
    /// The iamport API answered an error in its envelope.
    #[error("iamport API: {message} (code {code})")]
    Api {
        /// The envelope's `code` (non-zero).
        code: i64,
        /// The envelope's `message`.
        message: String,
    },
    /// The iamport API knows no such payment.
    #[error("iamport API: no such payment ({0})")]
    NotFound(String),
    /// An id that cannot be one path segment (empty, `.` or `..`).
    #[error("`{0}` cannot name a payment or an order")]
    BadId(String),
    /// The request named neither a payment nor an order.
    #[error("no imp_uid or merchant_uid")]
    NothingNamed,
    /// The payment belongs to an order this shop does not have.
    #[error("unknown order `{0}`")]
    UnknownOrder(String),
    /// The order kept changing under concurrent verifications.
    #[error("the order `{0}` kept changing while it was verified")]
    Contended(String),
}

impl MerchantError {
    /// The HTTP status the merchant's routes answer with.
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadId(_) | Self::NothingNamed => StatusCode::BAD_REQUEST,
            Self::NotFound(_) | Self::UnknownOrder(_) => StatusCode::NOT_FOUND,
            Self::Contended(_) => StatusCode::CONFLICT,
            Self::Database(_) | Self::Poisoned | Self::Setup(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
            Self::Http(_) | Self::Decode(_) | Self::Api { .. } => StatusCode::BAD_GATEWAY,
        }
    }
}

/// iamport's envelope, `{code, message, response}`
/// (https://developers.portone.io/api/rest-v1/payment): the payment is under
/// `response`, never the body itself (the docs' own Express example reads
/// `payment.amount` from the body, a bug).
#[derive(Debug, Deserialize)]
struct Envelope<T> {
    code: i64,
    message: Option<String>,
    response: Option<T>,
}

#[derive(Debug, Serialize)]
struct TokenRequest<'a> {
    imp_key: &'a str,
    imp_secret: &'a str,
}

#[derive(Debug, Deserialize)]
struct AccessToken {
    access_token: String,
}

#[derive(Debug, Serialize)]
struct CancelRequest<'a> {
    imp_uid: &'a str,
    reason: &'a str,
}

/// A payment's status at iamport.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum PaymentStatus {
    Ready,
    Paid,
    Cancelled,
    Failed,
}

/// What the verdict reads of a payment (`GET /payments/{imp_uid}`'s `response`).
#[derive(Debug, Clone, Deserialize)]
struct ApiPayment {
    imp_uid: String,
    merchant_uid: String,
    status: PaymentStatus,
    amount: i64,
    #[serde(default)]
    pay_method: String,
    vbank_num: Option<String>,
    vbank_name: Option<String>,
    fail_reason: Option<String>,
    #[serde(default)]
    cancel_history: Vec<ApiCancellation>,
}

/// One entry of a payment's `cancel_history`
/// (https://developers.portone.io/api/rest-v1/payment, `PaymentCancelAnnotation`).
#[derive(Debug, Clone, Deserialize)]
struct ApiCancellation {
    reason: String,
}

impl ApiPayment {
    /// True when this is a payment of another amount than `order`'s that the merchant
    /// itself cancelled as forged: the decision read back from the API, for when
    /// recording it failed after the cancel (a retry then finds it `cancelled`).
    fn cancelled_as_forged(&self, order: &Order) -> bool {
        self.status == PaymentStatus::Cancelled
            && self.amount != order.amount
            && self
                .cancel_history
                .iter()
                .any(|cancel| cancel.reason == FORGED_REASON)
    }
}

#[derive(Debug, Clone)]
struct Api {
    base: Url,
    http: reqwest::Client,
}

/// The merchant's client for the iamport REST API.
#[derive(Clone)]
pub struct IamportClient {
    api: Result<Api, String>,
    imp_key: String,
    imp_secret: String,
}

impl std::fmt::Debug for IamportClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the secret.
        f.debug_struct("IamportClient")
            .field("base", &self.api.as_ref().map(|api| api.base.as_str()))
            .field("imp_key", &self.imp_key)
            .finish_non_exhaustive()
    }
}

impl IamportClient {
    /// A client for the API at `base` (`http://127.0.0.1:PORT`). A base that is not
    /// an http(s) URL makes every call fail with [`MerchantError::Setup`].
    pub fn new(base: &str, imp_key: &str, imp_secret: &str) -> Self {
        let api = Url::parse(base.trim_end_matches('/'))
            .map_err(|err| format!("`{base}`: {err}"))
            .and_then(|url| {
                if url.cannot_be_a_base() || !matches!(url.scheme(), "http" | "https") {
                    Err(format!("`{base}` is not an http(s) URL"))
                } else {
                    Ok(url)
                }
            })
            .and_then(|base| {
                // The token request carries `imp_secret` and the answers decide orders:
                // never through whatever proxy the environment names (`HTTP_PROXY`).
                reqwest::Client::builder()
                    .no_proxy()
                    .build()
                    .map(|http| Api { base, http })
                    .map_err(|err| err.to_string())
            });
        Self {
            api,
            imp_key: imp_key.to_owned(),
            imp_secret: imp_secret.to_owned(),
        }
    }

    /// The API's client and the URL of `segments` under its base, each segment
    /// percent-encoded as one (a `/` in an id is `%2F`, never a separator).
    fn endpoint(&self, segments: &[&str]) -> Result<(&reqwest::Client, Url), MerchantError> {
        let api = self
            .api
            .as_ref()
            .map_err(|err| MerchantError::Setup(err.clone()))?;
        // Path values are escaped (https://developers.portone.io/api/rest-v2, "URL 경로에
        // 들어갈 수 없는 문자열은 이스케이프"); the URL builder drops `.` and `..`
        // segments, so those are refused.
        if let Some(bad) = segments.iter().find(|s| matches!(**s, "" | "." | "..")) {
            return Err(MerchantError::BadId((*bad).to_owned()));
        }
        let mut url = api.base.clone();
        url.path_segments_mut()
            .map_err(|()| MerchantError::Setup(format!("`{}` cannot take a path", api.base)))?
            .pop_if_empty()
            .extend(segments);
        Ok((&api.http, url))
    }

    async fn call<T: DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<T, MerchantError> {
        let response = request.send().await?;
        let status = response.status();
        let body = response.bytes().await?;
        let envelope = serde_json::from_slice::<Envelope<T>>(&body);
        if status == reqwest::StatusCode::NOT_FOUND {
            let message = envelope.ok().and_then(|e| e.message);
            return Err(MerchantError::NotFound(
                message.unwrap_or_else(|| status.to_string()),
            ));
        }
        match envelope? {
            Envelope {
                code: 0,
                response: Some(response),
                ..
            } => Ok(response),
            Envelope { code, message, .. } => Err(MerchantError::Api {
                code,
                message: message.unwrap_or_else(|| "no response".to_owned()),
            }),
        }
    }

    async fn token(&self) -> Result<String, MerchantError> {
        let (http, url) = self.endpoint(&["users", "getToken"])?;
        let token: AccessToken = self
            .call(http.post(url).json(&TokenRequest {
                imp_key: &self.imp_key,
                imp_secret: &self.imp_secret,
            }))
            .await?;
        Ok(token.access_token)
    }

    async fn payment(&self, token: &str, imp_uid: &str) -> Result<ApiPayment, MerchantError> {
        let (http, url) = self.endpoint(&["payments", imp_uid])?;
        self.call(http.get(url).header("Authorization", token))
            .await
    }

    /// The newest payment of `merchant_uid`
    /// (https://api.iamport.kr/#!/payments/getPaymentByMerchantUid).
    async fn find(&self, token: &str, merchant_uid: &str) -> Result<ApiPayment, MerchantError> {
        let (http, url) = self.endpoint(&["payments", "find", merchant_uid])?;
        self.call(http.get(url).header("Authorization", token))
            .await
    }

    /// The newest paid payment of `merchant_uid`, if any
    /// (`GET /payments/find/{merchant_uid}/paid`).
    async fn find_paid(
        &self,
        token: &str,
        merchant_uid: &str,
    ) -> Result<Option<ApiPayment>, MerchantError> {
        let (http, url) = self.endpoint(&["payments", "find", merchant_uid, "paid"])?;
        match self
            .call(http.get(url).header("Authorization", token))
            .await
        {
            Ok(payment) => Ok(Some(payment)),
            Err(MerchantError::NotFound(_)) => Ok(None),
            Err(err) => Err(err),
        }
    }

    async fn cancel(
        &self,
        token: &str,
        imp_uid: &str,
        reason: &str,
    ) -> Result<ApiPayment, MerchantError> {
        let (http, url) = self.endpoint(&["payments", "cancel"])?;
        self.call(
            http.post(url)
                .header("Authorization", token)
                .json(&CancelRequest { imp_uid, reason }),
        )
        .await
    }
}

/// Where an order stands, as the merchant decided it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Nothing decided yet (created, or only `ready` payments so far).
    Pending,
    /// Paid with the order's amount.
    Paid,
    /// A virtual account for the order's amount was issued.
    VbankIssued,
    /// Its payment failed and none of its payments is paid.
    Failed,
    /// A paid amount differed; that payment was cancelled.
    Forged,
    /// Its payment was cancelled through the API after it was paid.
    Cancelled,
}

impl OrderStatus {
    /// The stored and shown name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Paid => "paid",
            Self::VbankIssued => "vbank_issued",
            Self::Failed => "failed",
            Self::Forged => "forged",
            Self::Cancelled => "cancelled",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        [
            Self::Pending,
            Self::Paid,
            Self::VbankIssued,
            Self::Failed,
            Self::Forged,
            Self::Cancelled,
        ]
        .into_iter()
        .find(|status| status.as_str() == text)
    }
}

impl ToSql for OrderStatus {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.as_str()))
    }
}

impl FromSql for OrderStatus {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let text = value.as_str()?;
        Self::parse(text)
            .ok_or_else(|| FromSqlError::Other(format!("unknown order status `{text}`").into()))
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
    /// The shop item (`None` for orders stored before items were recorded).
    pub item: Option<String>,
    /// How many of it.
    pub quantity: Option<i64>,
    /// Where it stands.
    pub status: OrderStatus,
    /// The payment that decided it.
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

/// What a verification decided.
#[derive(Debug)]
enum Verdict {
    /// The order now stands at `status` through the payment `imp_uid`.
    Settle {
        status: OrderStatus,
        imp_uid: String,
        detail: String,
    },
    /// Nothing changes; `note` is what a still pending order's buyer is told.
    Keep { note: String },
}

/// How often a verification is redone when the order changed under it.
const VERIFY_ATTEMPTS: usize = 3;
/// How many paid payments of one order a verification looks at (each forged one it
/// meets is cancelled before the next is looked up).
const PAID_LOOKUPS: usize = 8;
const FORGED_REASON: &str = "결제 금액 위변조 / forged amount";

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
                 detail TEXT,
                 item TEXT,
                 quantity INTEGER
             );",
        )?;
        // Databases from before orders recorded their item.
        let has_item: bool = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM pragma_table_info('orders') WHERE name = 'item')",
            [],
            |row| row.get(0),
        )?;
        if !has_item {
            conn.execute_batch(
                "ALTER TABLE orders ADD COLUMN item TEXT;
                 ALTER TABLE orders ADD COLUMN quantity INTEGER;",
            )?;
        }
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
        let conn = self.db.lock().map_err(|_| MerchantError::Poisoned)?;
        Ok(f(&conn)?)
    }

    /// The order `merchant_uid`.
    ///
    /// # Errors
    /// When SQLite fails.
    pub fn order(&self, merchant_uid: &str) -> Result<Option<Order>, MerchantError> {
        self.with_db(|conn| {
            conn.query_row(
                "SELECT merchant_uid, name, amount, item, quantity, status, imp_uid, detail
                 FROM orders WHERE merchant_uid = ?1",
                params![merchant_uid],
                |row| {
                    Ok(Order {
                        merchant_uid: row.get(0)?,
                        name: row.get(1)?,
                        amount: row.get(2)?,
                        item: row.get(3)?,
                        quantity: row.get(4)?,
                        status: row.get(5)?,
                        imp_uid: row.get(6)?,
                        detail: row.get(7)?,
                    })
                },
            )
            .optional()
        })
    }

    /// Records a verdict on `seen`, only if the order is still as it was seen.
    fn settle(
        &self,
        seen: &Order,
        status: OrderStatus,
        imp_uid: &str,
        detail: &str,
    ) -> Result<(), MerchantError> {
        let changed = self.with_db(|conn| {
            conn.execute(
                "UPDATE orders SET status = ?2, imp_uid = ?3, detail = ?4
                 WHERE merchant_uid = ?1 AND status = ?5 AND imp_uid IS ?6",
                params![
                    seen.merchant_uid,
                    status,
                    imp_uid,
                    detail,
                    seen.status,
                    seen.imp_uid
                ],
            )
        })?;
        if changed == 1 {
            Ok(())
        } else {
            Err(MerchantError::Contended(seen.merchant_uid.clone()))
        }
    }

    /// Verifies the payment `imp_uid` (or, without it, the newest payment of
    /// `merchant_uid`) through the API and records what it means for the payment's
    /// own order. Idempotent: a payment seen again changes nothing.
    ///
    /// # Errors
    /// When the API or the database fails, or the ids name nothing (the order stays
    /// as it was).
    pub async fn verify(
        &self,
        imp_uid: Option<&str>,
        merchant_uid: Option<&str>,
    ) -> Result<Order, MerchantError> {
        let imp_uid = imp_uid.map(str::trim).filter(|id| !id.is_empty());
        let merchant_uid = merchant_uid.and_then(normalize_merchant_uid);
        if imp_uid.is_none() && merchant_uid.is_none() {
            return Err(MerchantError::NothingNamed);
        }
        let token = self.iamport.token().await?;
        let mut contended =
            MerchantError::Contended(merchant_uid.or(imp_uid).unwrap_or_default().to_owned());
        for _ in 0..VERIFY_ATTEMPTS {
            let reported = match (imp_uid, merchant_uid) {
                (Some(imp_uid), _) => self.iamport.payment(&token, imp_uid).await?,
                // A cold start may have lost `imp_uid`: find the payment by our order id.
                (None, Some(merchant_uid)) => self.iamport.find(&token, merchant_uid).await?,
                (None, None) => return Err(MerchantError::NothingNamed),
            };
            match self.verify_once(&token, reported).await {
                Err(err @ MerchantError::Contended(_)) => contended = err,
                other => return other,
            }
        }
        Err(contended)
    }

    async fn verify_once(&self, token: &str, reported: ApiPayment) -> Result<Order, MerchantError> {
        // The order is the payment's, never the one the browser named.
        let Some(order) = self.order(&reported.merchant_uid)? else {
            return Err(MerchantError::UnknownOrder(reported.merchant_uid));
        };
        // A paid order changes only through its own payment: that one decides,
        // whichever payment of the order was reported (another tab's, a stale one).
        let payment = match (order.status, &order.imp_uid) {
            (OrderStatus::Paid, Some(own)) if *own != reported.imp_uid => {
                self.iamport.payment(token, own).await?
            }
            _ => reported,
        };
        match self.verdict(token, &order, payment).await? {
            Verdict::Keep { note } if order.status == OrderStatus::Pending => Ok(Order {
                detail: Some(note),
                ..order
            }),
            Verdict::Keep { .. } => Ok(order),
            Verdict::Settle {
                status,
                imp_uid,
                detail,
            } => {
                let unchanged = status == order.status
                    && order.imp_uid.as_deref() == Some(imp_uid.as_str())
                    && order.detail.as_deref() == Some(detail.as_str());
                if !unchanged {
                    self.settle(&order, status, &imp_uid, &detail)?;
                }
                Ok(Order {
                    status,
                    imp_uid: Some(imp_uid),
                    detail: Some(detail),
                    ..order
                })
            }
        }
    }

    /// What `payment` means for `order`, from the API's answers and the order's
    /// amount only.
    async fn verdict(
        &self,
        token: &str,
        order: &Order,
        first: ApiPayment,
    ) -> Result<Verdict, MerchantError> {
        let mut forged: Option<ApiPayment> = None;
        let mut payment = first.clone();
        for _ in 0..PAID_LOOKUPS {
            match payment.status {
                PaymentStatus::Paid if payment.amount == order.amount => {
                    return Ok(Verdict::Settle {
                        status: OrderStatus::Paid,
                        detail: format!("{} 결제 완료 / paid", won(payment.amount)),
                        imp_uid: payment.imp_uid,
                    });
                }
                PaymentStatus::Paid => {
                    // Cancelled before it is recorded, with our own reason: when the
                    // record then fails, a retry (or the cancellation's webhook) reads
                    // the decision back from `cancel_history` (below).
                    self.iamport
                        .cancel(token, &payment.imp_uid, FORGED_REASON)
                        .await?;
                    forged.get_or_insert_with(|| payment.clone());
                }
                PaymentStatus::Cancelled if payment.cancelled_as_forged(order) => {
                    forged.get_or_insert_with(|| payment.clone());
                }
                PaymentStatus::Ready | PaymentStatus::Failed | PaymentStatus::Cancelled => {}
            }
            // A paid payment of the order decides before a failure, a cancellation or
            // a `ready` one (another tab may be paid while its webhook is on its way).
            match self.iamport.find_paid(token, &order.merchant_uid).await? {
                Some(next) if next.imp_uid != payment.imp_uid => payment = next,
                _ => break,
            }
        }
        if let Some(forged) = forged {
            return Ok(Verdict::Settle {
                status: OrderStatus::Forged,
                detail: format!(
                    "주문 금액 {}과 결제 금액 {}이 다릅니다 / amount mismatch, cancelled",
                    won(order.amount),
                    won(forged.amount)
                ),
                imp_uid: forged.imp_uid,
            });
        }
        let own = order.imp_uid.as_deref() == Some(first.imp_uid.as_str());
        Ok(match first.status {
            PaymentStatus::Failed
                if matches!(order.status, OrderStatus::Pending | OrderStatus::Failed)
                    || (order.status == OrderStatus::VbankIssued && own) =>
            {
                Verdict::Settle {
                    status: OrderStatus::Failed,
                    detail: first
                        .fail_reason
                        .unwrap_or_else(|| "결제되지 않았습니다 / not paid".to_owned()),
                    imp_uid: first.imp_uid,
                }
            }
            PaymentStatus::Cancelled if order.status == OrderStatus::Paid && own => {
                Verdict::Settle {
                    status: OrderStatus::Cancelled,
                    detail: format!("{} 결제 취소 / payment cancelled", won(first.amount)),
                    imp_uid: first.imp_uid,
                }
            }
            PaymentStatus::Cancelled => Verdict::Keep {
                note: "결제가 취소되었습니다 / the payment was cancelled".to_owned(),
            },
            // No paid payment of the order: a virtual account may be shown, unless an
            // earlier payment settled the order (forged, or paid and cancelled).
            PaymentStatus::Ready
                if matches!(
                    order.status,
                    OrderStatus::Pending | OrderStatus::Failed | OrderStatus::VbankIssued
                ) =>
            {
                ready_verdict(order, &first)
            }
            _ => Verdict::Keep {
                note: "결제되지 않았습니다 / not paid".to_owned(),
            },
        })
    }
}

/// A `ready` payment decides nothing, except a virtual account for the order's own
/// amount (iamport sends `ready` when one is issued:
/// https://developers.portone.io/docs/ko/result/webhook).
fn ready_verdict(order: &Order, payment: &ApiPayment) -> Verdict {
    match (&payment.vbank_num, payment.pay_method.as_str()) {
        (Some(account), "vbank") if payment.amount == order.amount => Verdict::Settle {
            status: OrderStatus::VbankIssued,
            detail: format!(
                "{} {account} 계좌로 {}을 입금하세요 / pay into this virtual account",
                payment.vbank_name.as_deref().unwrap_or_default(),
                won(order.amount)
            ),
            imp_uid: payment.imp_uid.clone(),
        },
        (Some(_), "vbank") => Verdict::Keep {
            note: format!(
                "가상계좌 금액 {}이 주문 금액 {}과 달라 계좌를 안내하지 않습니다 / the virtual account is for another amount",
                won(payment.amount),
                won(order.amount)
            ),
        },
        _ => Verdict::Keep {
            note: "아직 결제되지 않았습니다 / not paid yet".to_owned(),
        },
    }
}

/// The shop's items: the server prices an order, never the browser.
pub const ITEMS: [(&str, &str, i64); 3] = [
    ("coffee", "샌드박스 원두 1kg / Sandbox coffee beans", 12_900),
    ("tumbler", "payhost 텀블러 / payhost tumbler", 23_000),
    ("gift", "선물 세트 / Gift set", 51_000),
];

/// What the shop page posts: an item and a quantity, nothing that prices it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewOrder {
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

async fn create_order(
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
    let Some((key, name, price)) = ITEMS.iter().find(|(key, _, _)| *key == body.item) else {
        return bad_request("unknown item / 없는 상품입니다");
    };
    if !(1..=99).contains(&body.quantity) {
        return bad_request("quantity must be 1..=99 / 수량은 1~99");
    }
    let merchant_uid = match body.merchant_uid.as_deref() {
        None => random_id("order_"),
        Some(raw) => match normalize_merchant_uid(raw) {
            Some(uid) => uid.to_owned(),
            None => return bad_request("merchant_uid is empty / 주문번호가 비었습니다"),
        },
    };
    let name = if body.quantity == 1 {
        (*name).to_owned()
    } else {
        format!("{name} × {}", body.quantity)
    };
    let amount = price * body.quantity;
    let inserted = state.with_db(|conn| {
        conn.execute(
            "INSERT INTO orders (merchant_uid, name, amount, item, quantity) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![merchant_uid, name, amount, key, body.quantity],
        )
    });
    match inserted {
        Ok(_) => Json(CreatedOrder {
            merchant_uid: &merchant_uid,
            name: &name,
            amount,
            item: key,
            quantity: body.quantity,
        })
        .into_response(),
        Err(MerchantError::Database(rusqlite::Error::SqliteFailure(err, _)))
            if err.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            error_response(
                StatusCode::CONFLICT,
                &format!("order `{merchant_uid}` exists / 이미 있는 주문번호입니다"),
            )
        }
        Err(err) => error_response(err.status_code(), &err.to_string()),
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
    let app_scheme = script_json(&state.app_scheme);
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
struct Webhook {
    imp_uid: Option<String>,
    merchant_uid: Option<String>,
}

#[derive(Serialize)]
struct WebhookAnswer {
    status: OrderStatus,
}

async fn webhook(State(state): State<MerchantState>, Json(body): Json<Webhook>) -> Response {
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
