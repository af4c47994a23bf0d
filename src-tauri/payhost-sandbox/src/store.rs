//! The sandbox's state in SQLite: payments, pre-registered amounts, API tokens,
//! checkout transactions (the one-time token a hand-off carries) and the webhook
//! outbox, with iamport V1's status rules
//! (<https://developers.portone.io/api/rest-v1/payment>).
//!
//! Every change is one transaction, so a killed sandbox (or merchant) restarts with
//! a consistent database: a checkout's subject and transaction are written together,
//! and a change that owes the merchant a webhook writes it to the outbox in the same
//! transaction, its body rendered then in the configured format (`webhooks` sends
//! it). A checkout transaction settles a payment, a billing key's issue or an identity
//! verification, all through one [`Store::settle_transaction`] (`subject` is what it
//! settles). Amounts are integers (KRW has no minor unit).
//!
//! The other jobs have files of their own: billing keys and the payments made with
//! them (`billing`), scheduled charges (`schedules`), identity verifications
//! (`certifications`), what only V2 asks (`v2`), listing payments a page at a time
//! (`listing`), what happens to an issued virtual account (`vbank`), the schema's
//! migrations (`migrations`) and the enums kept as words (`text_enum`).

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use rusqlite::{params, Connection, OptionalExtension, Params, Row, TransactionBehavior};
use serde::{Deserialize, Serialize};

use crate::ids::normalize_merchant_uid;
use crate::webhooks::{WebhookBody, WebhookFormat};

mod billing;
mod certifications;
mod listing;
mod migrations;
mod schedules;
mod subject;
mod text_enum;
mod v2;
mod vbank;

pub(crate) use text_enum::text_enum;

pub use billing::{BillingKey, BillingKeyStatus, CustomerUidUsage, KeyCustomer, NewBillingKey};
pub use certifications::{
    Certification, CertificationStatus, NewCertification, RequestedPerson, ALREADY_VERIFIED,
};
pub use listing::{PageRequest, PaymentPage, Sorting};
pub use schedules::{NewSchedule, Schedule, ScheduleStatus};
pub use subject::{Subject, TxnStatus, VERIFICATION};

/// What went wrong with a store operation.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite failed.
    #[error("database: {0}")]
    Database(#[from] rusqlite::Error),
    /// No such payment.
    #[error("존재하지 않는 결제정보입니다 (no such payment)")]
    NotFound,
    /// The request contradicts the payment's state (cancel before paid, too much, …).
    #[error("{0}")]
    Conflict(String),
    /// The request itself is invalid (missing amount, negative numbers, …).
    #[error("{0}")]
    Invalid(String),
    /// A payment of an order (`merchant_uid`, V2 `paymentId`) that is already paid.
    #[error("{0}")]
    AlreadyPaid(String),
    /// A payment of another amount than the one pre-registered for its order.
    #[error("{0}")]
    NotAsPrepared(String),
    /// A webhook's body could not be written.
    #[error("webhook body: {0}")]
    Encode(#[from] serde_json::Error),
    /// A thread panicked while it held the store: nothing more is read or written.
    #[error("the store lock is poisoned")]
    LockPoisoned,
}

/// The store behind its lock, for the API's handlers and the background tasks alike.
///
/// # Errors
/// [`StoreError::LockPoisoned`] once a thread panicked while it held the store.
pub fn lock(store: &Mutex<Store>) -> Result<MutexGuard<'_, Store>, StoreError> {
    store.lock().map_err(|_| StoreError::LockPoisoned)
}

/// A payment's status at iamport V1: what the API answers, the checkout reports, the
/// simulated apps read, the webhooks carry and the merchant decides from
/// (<https://developers.portone.io/api/rest-v1/payment>). Stored, sent and shown as
/// its lowercase name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PaymentStatus {
    /// Created, not paid yet (also a virtual account issued and not paid into).
    Ready,
    /// Paid (a partial cancellation leaves it `paid`).
    Paid,
    /// Paid, then cancelled in full.
    Cancelled,
    /// Declined, or cancelled by the buyer before paying.
    Failed,
}

text_enum!(PaymentStatus as column "payment status" {
    Ready => "ready",
    Paid => "paid",
    Cancelled => "cancelled",
    Failed => "failed",
});

/// A status equals its name (`payment.status == "paid"`), for code that holds the
/// name as text (tests, a JSON value); the crate itself compares statuses.
impl PartialEq<str> for PaymentStatus {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

/// See `PartialEq<str>`.
impl PartialEq<&str> for PaymentStatus {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// Which PortOne API a payment (and its checkout) belongs to: iamport's V1
/// (`IMP.request_pay`, `api.iamport.kr`) or V2 (`PortOne.requestPayment`,
/// `api.portone.io`). Both are rows of the same tables; the version decides which
/// API shows them and how their checkout ends. Stored as `V1` or `V2`, as V2's
/// `version` field spells them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ApiVersion {
    /// iamport V1.
    #[default]
    V1,
    /// PortOne V2.
    V2,
}

text_enum!(ApiVersion as column "API version" { V1 => "V1", V2 => "V2" });

/// A cancellation, as `cancel_history` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cancellation {
    /// Its id (V1 `cancellation_id`, V2 `PaymentCancellation.id`); `None` for the
    /// cancellations of a database from before ids were kept.
    pub cancellation_id: Option<String>,
    /// Amount cancelled.
    pub amount: i64,
    /// Why.
    pub reason: String,
    /// When (Unix seconds).
    pub cancelled_at: i64,
}

/// A payment in iamport V1's shape (the `response` of `GET /payments/{imp_uid}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Payment {
    /// iamport's id (`imp_…`).
    pub imp_uid: String,
    /// The merchant's order id.
    pub merchant_uid: String,
    /// `card`, `trans`, `vbank`, `kakaopay`, …
    pub pay_method: String,
    /// `html5_inicis`, `nice`, …
    pub pg_provider: String,
    /// Order name.
    pub name: String,
    /// Amount requested.
    pub amount: i64,
    /// Amount cancelled so far.
    pub cancel_amount: i64,
    /// `KRW`.
    pub currency: String,
    /// `ready`, `paid`, `cancelled` or `failed`.
    pub status: PaymentStatus,
    /// Unix seconds; 0 when not applicable (iamport's convention).
    pub started_at: i64,
    /// Unix seconds or 0.
    pub paid_at: i64,
    /// Unix seconds or 0.
    pub failed_at: i64,
    /// Unix seconds or 0.
    pub cancelled_at: i64,
    /// Why it failed.
    pub fail_reason: Option<String>,
    /// Card approval number.
    pub apply_num: Option<String>,
    /// Buyer's name.
    pub buyer_name: Option<String>,
    /// Virtual account number (vbank).
    pub vbank_num: Option<String>,
    /// Virtual account bank (vbank).
    pub vbank_name: Option<String>,
    /// Virtual account due date, Unix seconds (vbank).
    pub vbank_date: i64,
    /// Receipt page.
    pub receipt_url: Option<String>,
    /// The merchant's `custom_data`, as given.
    pub custom_data: Option<String>,
    /// `mobile`, `pc`, or `api` (made by the merchant's server without the buyer).
    pub channel: String,
    /// The customer whose billing key the payment issued or was charged to (V1's
    /// `customer_uid`).
    pub customer_uid: Option<String>,
    /// What the payment did with that key.
    pub customer_uid_usage: Option<CustomerUidUsage>,
    /// The card's name, for a payment that registered or was charged to a card.
    pub card_name: Option<String>,
    /// Its masked number (never the number itself).
    pub card_number: Option<String>,
    /// Cancellations, oldest first.
    pub cancel_history: Vec<Cancellation>,
    /// The API the payment belongs to (not part of V1's payment).
    #[serde(skip)]
    pub version: ApiVersion,
    /// V2: the store (`storeId`).
    #[serde(skip)]
    pub store_id: Option<String>,
    /// V2: the channel the payment went through (`channelKey`).
    #[serde(skip)]
    pub channel_key: Option<String>,
    /// The tax-free part of the amount.
    #[serde(skip)]
    pub tax_free: i64,
    /// Buyer's e-mail.
    #[serde(skip)]
    pub buyer_email: Option<String>,
    /// Buyer's phone.
    #[serde(skip)]
    pub buyer_tel: Option<String>,
    /// The billing key charged (V2's `billingKey`; V1 names the key by `customer_uid`).
    #[serde(skip)]
    pub billing_key: Option<String>,
    /// The merchant's webhook of a payment made through the API (a checkout's is its
    /// transaction's).
    #[serde(skip)]
    pub notice_url: Option<String>,
}

/// What `request_pay` hands the sandbox.
#[derive(Debug, Clone, Default)]
pub struct NewPayment {
    /// The merchant's order id.
    pub merchant_uid: String,
    /// `card`, `trans`, `vbank`, …
    pub pay_method: String,
    /// The PG.
    pub pg_provider: String,
    /// Order name.
    pub name: String,
    /// Amount.
    pub amount: i64,
    /// Buyer's name.
    pub buyer_name: Option<String>,
    /// The merchant's `custom_data`.
    pub custom_data: Option<String>,
    /// `mobile` or `pc`.
    pub channel: String,
    /// The API the payment belongs to.
    pub version: ApiVersion,
    /// V2: the store.
    pub store_id: Option<String>,
    /// V2: the channel.
    pub channel_key: Option<String>,
    /// The tax-free part of the amount.
    pub tax_free: i64,
    /// Buyer's e-mail.
    pub buyer_email: Option<String>,
    /// Buyer's phone.
    pub buyer_tel: Option<String>,
    /// The customer whose billing key it issues or charges (V1 `customer_uid`).
    pub customer_uid: Option<String>,
    /// What it does with that key (`issue` allows an amount of 0).
    pub customer_uid_usage: Option<CustomerUidUsage>,
    /// The billing key it charges.
    pub billing_key: Option<String>,
    /// The card's name, when it is charged to a known card.
    pub card_name: Option<String>,
    /// Its masked number.
    pub card_number: Option<String>,
    /// The merchant's webhook, for a payment made through the API.
    pub notice_url: Option<String>,
}

/// A checkout transaction: what `request_pay` asked for beyond the payment itself,
/// and the one-time token its hand-off carries to the payment app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Transaction {
    /// The one-time token (`txn_…`).
    pub token: String,
    /// What the checkout settles.
    pub kind: TransactionKind,
    /// Its id: the payment's `imp_uid` (a V2 payment's `transactionId`), the billing
    /// key's issue, or the identity verification.
    pub subject: String,
    /// `mobile` (redirect to `m_redirect_url`) or `pc` (callback).
    pub channel: String,
    /// Where a mobile checkout ends.
    pub m_redirect_url: Option<String>,
    /// The merchant's webhook.
    pub notice_url: Option<String>,
    /// The merchant app's scheme the payment app returns to.
    pub app_scheme: Option<String>,
    /// The app the buyer picked on the PG page.
    pub app: Option<String>,
    /// When the payment app used the token (Unix seconds), 0 while unused.
    pub used_at: i64,
    /// The API whose checkout this is: it decides how the checkout ends (V1's
    /// `m_redirect_url` query or callback, V2's `redirectUrl` query or Promise).
    pub version: ApiVersion,
}

/// What a checkout transaction settles.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransactionKind {
    /// A payment (V1 `request_pay`, also with `customer_uid`; V2 `requestPayment`).
    #[default]
    Payment,
    /// A billing key's issue without a payment (V2 `requestIssueBillingKey`).
    BillingKey,
    /// An identity verification (V1 `IMP.certification`, V2
    /// `requestIdentityVerification`).
    Certification,
}

text_enum!(TransactionKind as column "transaction kind" {
    Payment => "payment",
    BillingKey => "billing_key",
    Certification => "certification",
});

/// What the buyer decided in the payment app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Approved: `ready` → `paid`.
    Approve,
    /// Declined by the card company: `ready` → `failed`.
    Deny,
    /// Cancelled by the buyer: `ready` → `failed`.
    Cancel,
    /// A virtual account issued: stays `ready`.
    Vbank,
}

text_enum!(Outcome {
    Approve => "approve",
    Deny => "deny",
    Cancel => "cancel",
    Vbank => "vbank",
});

/// How long a virtual account stays open (iamport's examples use a few days).
pub const VBANK_DAYS: i64 = 3;

/// The sandbox database.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    /// How the webhooks it queues are written.
    webhook_format: WebhookFormat,
}

/// The tables as the first sandbox created them; `migrations` brings them up to date.
pub(crate) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS payments (
    imp_uid TEXT PRIMARY KEY,
    merchant_uid TEXT NOT NULL,
    pay_method TEXT NOT NULL,
    pg_provider TEXT NOT NULL,
    name TEXT NOT NULL,
    amount INTEGER NOT NULL CHECK (amount > 0),
    cancel_amount INTEGER NOT NULL DEFAULT 0 CHECK (cancel_amount >= 0 AND cancel_amount <= amount),
    currency TEXT NOT NULL DEFAULT 'KRW',
    status TEXT NOT NULL CHECK (status IN ('ready', 'paid', 'cancelled', 'failed')),
    started_at INTEGER NOT NULL,
    paid_at INTEGER NOT NULL DEFAULT 0,
    failed_at INTEGER NOT NULL DEFAULT 0,
    cancelled_at INTEGER NOT NULL DEFAULT 0,
    fail_reason TEXT,
    apply_num TEXT,
    buyer_name TEXT,
    vbank_num TEXT,
    vbank_name TEXT,
    vbank_date INTEGER NOT NULL DEFAULT 0,
    receipt_url TEXT,
    custom_data TEXT,
    channel TEXT NOT NULL DEFAULT 'mobile'
);
CREATE INDEX IF NOT EXISTS payments_by_merchant_uid ON payments (merchant_uid, started_at);
CREATE TABLE IF NOT EXISTS cancellations (
    imp_uid TEXT NOT NULL REFERENCES payments (imp_uid),
    amount INTEGER NOT NULL CHECK (amount > 0),
    reason TEXT NOT NULL,
    cancelled_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS prepared (
    merchant_uid TEXT PRIMARY KEY,
    amount INTEGER NOT NULL CHECK (amount > 0)
);
CREATE TABLE IF NOT EXISTS transactions (
    token TEXT PRIMARY KEY,
    imp_uid TEXT NOT NULL REFERENCES payments (imp_uid),
    channel TEXT NOT NULL,
    m_redirect_url TEXT,
    notice_url TEXT,
    app_scheme TEXT,
    app TEXT,
    used_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS transactions_by_imp_uid ON transactions (imp_uid);
CREATE TABLE IF NOT EXISTS tokens (
    access_token TEXT PRIMARY KEY,
    expired_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS webhooks (
    id INTEGER PRIMARY KEY,
    imp_uid TEXT NOT NULL REFERENCES payments (imp_uid),
    merchant_uid TEXT NOT NULL,
    status TEXT NOT NULL,
    url TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'delivered', 'refused', 'abandoned')),
    attempts INTEGER NOT NULL DEFAULT 0,
    due_at_ms INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    merchant_status INTEGER,
    created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS webhooks_pending ON webhooks (state, due_at_ms);
";

/// Where a webhook of the outbox stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WebhookState {
    /// Not sent yet, or to be retried at `due_at_ms`.
    Pending,
    /// The merchant answered 2xx.
    Delivered,
    /// Never sent: the address is not allowed (off loopback).
    Refused,
    /// Every attempt failed.
    Abandoned,
}

text_enum!(WebhookState as column "webhook state" {
    Pending => "pending",
    Delivered => "delivered",
    Refused => "refused",
    Abandoned => "abandoned",
});

/// A webhook in the outbox: the body iamport POSTs to `notice_url`
/// (`imp_uid`, `merchant_uid`, `status`) and how its delivery went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Webhook {
    /// The outbox row.
    pub id: i64,
    /// The payment.
    pub imp_uid: String,
    /// Its order.
    pub merchant_uid: String,
    /// The payment's status the change left (`paid`, `ready`, `cancelled`).
    pub status: PaymentStatus,
    /// The merchant's `notice_url`.
    pub url: String,
    /// How its body is written (chosen when it was queued).
    pub format: WebhookFormat,
    /// The exact body sent, rendered when it was queued.
    pub body: String,
    /// A V2 webhook's `webhook-id` (the same at every attempt).
    pub webhook_id: Option<String>,
    /// Where it stands.
    pub state: WebhookState,
    /// Attempts made.
    pub attempts: i64,
    /// When it is (next) due, Unix milliseconds; 0 = now.
    pub due_at_ms: i64,
    /// Why the last attempt failed, or why it was refused.
    pub last_error: Option<String>,
    /// The merchant's last HTTP status.
    pub merchant_status: Option<i64>,
}

/// How a delivery attempt of a webhook ended, as the outbox records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// The merchant answered 2xx.
    Delivered {
        /// Its status.
        merchant_status: u16,
    },
    /// Failed; try again at `at_ms`.
    Retry {
        /// What went wrong.
        error: String,
        /// The merchant's status, when it answered.
        merchant_status: Option<u16>,
        /// Unix milliseconds.
        at_ms: i64,
    },
    /// Failed for the last time.
    GaveUp {
        /// What went wrong.
        error: String,
        /// The merchant's status, when it answered.
        merchant_status: Option<u16>,
    },
    /// Not sent, for `reason`.
    Refused {
        /// Why.
        reason: String,
    },
}

const WEBHOOK_COLUMNS: &str = "id, imp_uid, merchant_uid, status, url, state, attempts, due_at_ms, last_error, merchant_status, format, body, webhook_id";

fn webhook_row(row: &Row<'_>) -> rusqlite::Result<Webhook> {
    let (imp_uid, merchant_uid, status): (String, String, PaymentStatus) =
        (row.get(1)?, row.get(2)?, row.get(3)?);
    let format: WebhookFormat = row.get(10)?;
    // Rows queued before bodies were stored are rendered now, in their format.
    let body = match row.get::<_, Option<String>>(11)? {
        Some(body) => body,
        None => format
            .render(&WebhookBody {
                imp_uid: &imp_uid,
                merchant_uid: &merchant_uid,
                status,
            })
            .map_err(|err| {
                rusqlite::Error::FromSqlConversionFailure(
                    11,
                    rusqlite::types::Type::Null,
                    Box::new(err),
                )
            })?,
    };
    Ok(Webhook {
        id: row.get(0)?,
        imp_uid,
        merchant_uid,
        status,
        url: row.get(4)?,
        format,
        body,
        webhook_id: row.get(12)?,
        state: row.get(5)?,
        attempts: row.get(6)?,
        due_at_ms: row.get(7)?,
        last_error: row.get(8)?,
        merchant_status: row.get(9)?,
    })
}

/// Where a webhook goes and how it is written.
#[derive(Debug, Clone, Copy)]
struct Notice<'a> {
    /// The merchant's `notice_url`.
    url: &'a str,
    /// The body's encoding.
    format: WebhookFormat,
}

/// Writes a webhook of `imp_uid`'s current state to the outbox, its body rendered now
/// in `notice.format`, due at `due_at_ms`, on `conn` (inside the caller's
/// transaction); its row id.
///
/// # Errors
/// [`StoreError::NotFound`] when no such payment (nothing was written: the
/// connection's last row id is then some other row's, never this webhook's).
fn enqueue_webhook(
    conn: &Connection,
    imp_uid: &str,
    notice: Notice<'_>,
    due_at_ms: i64,
    now: i64,
) -> Result<i64, StoreError> {
    let payment = payment_on(conn, imp_uid)?;
    let (format, body, webhook_id) = match payment.version {
        ApiVersion::V1 => (
            notice.format,
            notice.format.render(&WebhookBody {
                imp_uid,
                merchant_uid: &payment.merchant_uid,
                status: payment.status,
            })?,
            None,
        ),
        // A V2 payment's webhooks are V2's, whatever the V1 setting.
        ApiVersion::V2 => {
            let cancelled = payment.cancel_amount;
            let kind = crate::v2::webhook::transaction_type(
                payment.status,
                payment.vbank_num.is_some(),
                cancelled > 0 && cancelled < payment.amount,
            );
            // The cancellation a refund's webhook tells of: the newest.
            let cancellation_id = payment
                .cancel_history
                .last()
                .filter(|_| cancelled > 0)
                .and_then(|cancellation| cancellation.cancellation_id.as_deref());
            let body = crate::v2::webhook::render(
                kind,
                now,
                crate::v2::webhook::TransactionData {
                    store_id: payment
                        .store_id
                        .as_deref()
                        .unwrap_or(crate::SANDBOX_STORE_ID),
                    payment_id: &payment.merchant_uid,
                    transaction_id: imp_uid,
                    cancellation_id,
                },
            )?;
            (WebhookFormat::V2, body, Some(random_id("msg_")))
        }
    };
    conn.execute(
        "INSERT INTO webhooks (imp_uid, merchant_uid, status, url, format, body, webhook_id, due_at_ms, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            imp_uid,
            payment.merchant_uid,
            payment.status,
            notice.url,
            format,
            body,
            webhook_id,
            due_at_ms,
            now
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Queues a webhook of `imp_uid`'s current state to the `notice_url` of its newest
/// transaction, if it has one, due now (inside the caller's transaction).
fn notify(
    conn: &Connection,
    imp_uid: &str,
    format: WebhookFormat,
    now: i64,
) -> Result<(), StoreError> {
    if let Some(url) = notice_url_of(conn, imp_uid)? {
        enqueue_webhook(conn, imp_uid, Notice { url: &url, format }, 0, now)?;
    }
    Ok(())
}

/// The `notice_url` of a payment: its own (a payment made through the API), else
/// its newest transaction's.
fn notice_url_of(conn: &Connection, imp_uid: &str) -> rusqlite::Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT COALESCE(
                 (SELECT notice_url FROM payments WHERE imp_uid = ?1),
                 (SELECT notice_url FROM transactions WHERE kind = 'payment' AND subject = ?1
                  ORDER BY rowid DESC LIMIT 1))",
            params![imp_uid],
            |row| row.get::<_, Option<String>>(0),
        )
        .optional()?
        .flatten())
}

/// `raw` as every public function of the store keeps and looks up a `merchant_uid`
/// (the shop's normalisation, [`normalize_merchant_uid`]), so a padded id given to
/// one route is the same order for every other.
///
/// # Errors
/// [`StoreError::Invalid`] when nothing is left.
fn merchant_uid(raw: &str) -> Result<&str, StoreError> {
    normalize_merchant_uid(raw)
        .ok_or_else(|| StoreError::Invalid("merchant_uid is required".to_owned()))
}

fn insert_payment(conn: &Connection, new: &NewPayment, now: i64) -> Result<String, StoreError> {
    // 0원 only registers a card (iamport: "0 으로 설정하여 빌링키 발급만 진행").
    let issue_only = new.customer_uid_usage == Some(CustomerUidUsage::Issue);
    if new.amount < 0 || (new.amount == 0 && !issue_only) {
        return Err(StoreError::Invalid(
            "결제금액이 없습니다 (amount is required)".to_owned(),
        ));
    }
    let merchant_uid = merchant_uid(&new.merchant_uid)?;
    let already_paid: bool = conn.query_row(
        &format!("SELECT EXISTS (SELECT 1 FROM payments WHERE merchant_uid = ?1 AND {WAS_PAID})"),
        params![merchant_uid],
        |row| row.get(0),
    )?;
    if already_paid {
        return Err(StoreError::AlreadyPaid(format!(
            "이미 결제된 주문번호입니다 (merchant_uid `{merchant_uid}` was already paid)"
        )));
    }
    let prepared: Option<(i64, Option<i64>)> = conn
        .query_row(
            "SELECT amount, tax_free FROM prepared WHERE merchant_uid = ?1",
            params![merchant_uid],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    if let Some((prepared, prepared_tax_free)) = prepared {
        if prepared != new.amount {
            return Err(StoreError::NotAsPrepared(format!(
                "사전등록된 금액과 다릅니다 (prepared {prepared}, requested {})",
                new.amount
            )));
        }
        if prepared_tax_free.is_some_and(|tax_free| tax_free != new.tax_free) {
            return Err(StoreError::NotAsPrepared(format!(
                "사전등록된 면세금액과 다릅니다 (prepared tax-free {}, requested {})",
                prepared_tax_free.unwrap_or_default(),
                new.tax_free
            )));
        }
    }
    let imp_uid = random_id("imp_");
    conn.execute(
        "INSERT INTO payments (imp_uid, merchant_uid, pay_method, pg_provider, name, amount, status, started_at,
                               buyer_name, custom_data, channel, version, store_id, channel_key, tax_free,
                               buyer_email, buyer_tel, customer_uid, customer_uid_usage, billing_key, card_name,
                               card_number, notice_url)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'ready', ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19,
                 ?20, ?21, ?22)",
        params![
            imp_uid, merchant_uid, new.pay_method, new.pg_provider, new.name, new.amount, now,
            new.buyer_name, new.custom_data, new.channel, new.version, new.store_id, new.channel_key,
            new.tax_free, new.buyer_email, new.buyer_tel, new.customer_uid, new.customer_uid_usage,
            new.billing_key, new.card_name, new.card_number, new.notice_url
        ],
    )?;
    Ok(imp_uid)
}

/// Opens a checkout transaction of `kind` for `subject` (the payment's `imp_uid`, the
/// billing key, the verification's `imp_uid`) in `version`'s checkout; its token.
fn insert_transaction(
    conn: &Connection,
    kind: TransactionKind,
    subject: &str,
    version: ApiVersion,
    urls: &CheckoutUrls<'_>,
) -> Result<String, StoreError> {
    let token = random_id(TOKEN_PREFIX);
    conn.execute(
        "INSERT INTO transactions (token, kind, subject, channel, m_redirect_url, notice_url, app_scheme, version)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            token,
            kind,
            subject,
            urls.channel,
            urls.m_redirect_url,
            urls.notice_url,
            urls.app_scheme,
            version
        ],
    )?;
    Ok(token)
}

/// The one row `sql` selects, read by `read`; [`StoreError::NotFound`] when there is
/// none.
fn one_row<T>(
    conn: &Connection,
    sql: &str,
    params: impl Params,
    read: impl FnOnce(&Row<'_>) -> rusqlite::Result<T>,
) -> Result<T, StoreError> {
    conn.query_row(sql, params, read)
        .optional()?
        .ok_or(StoreError::NotFound)
}

/// The columns [`payment_row`] reads, in its order.
const PAYMENT_COLUMNS: &str = "imp_uid, merchant_uid, pay_method, pg_provider, name, amount, cancel_amount,
    currency, status, started_at, paid_at, failed_at, cancelled_at, fail_reason, apply_num, buyer_name,
    vbank_num, vbank_name, vbank_date, receipt_url, custom_data, channel, customer_uid, customer_uid_usage,
    card_name, card_number, version, store_id, channel_key, tax_free, buyer_email, buyer_tel, billing_key,
    notice_url";

/// A payment of [`PAYMENT_COLUMNS`], without its cancellations.
fn payment_row(row: &Row<'_>) -> rusqlite::Result<Payment> {
    Ok(Payment {
        imp_uid: row.get(0)?,
        merchant_uid: row.get(1)?,
        pay_method: row.get(2)?,
        pg_provider: row.get(3)?,
        name: row.get(4)?,
        amount: row.get(5)?,
        cancel_amount: row.get(6)?,
        currency: row.get(7)?,
        status: row.get(8)?,
        started_at: row.get(9)?,
        paid_at: row.get(10)?,
        failed_at: row.get(11)?,
        cancelled_at: row.get(12)?,
        fail_reason: row.get(13)?,
        apply_num: row.get(14)?,
        buyer_name: row.get(15)?,
        vbank_num: row.get(16)?,
        vbank_name: row.get(17)?,
        vbank_date: row.get(18)?,
        receipt_url: row.get(19)?,
        custom_data: row.get(20)?,
        channel: row.get(21)?,
        customer_uid: row.get(22)?,
        customer_uid_usage: row.get(23)?,
        card_name: row.get(24)?,
        card_number: row.get(25)?,
        cancel_history: Vec::new(),
        version: row.get(26)?,
        store_id: row.get(27)?,
        channel_key: row.get(28)?,
        tax_free: row.get(29)?,
        buyer_email: row.get(30)?,
        buyer_tel: row.get(31)?,
        billing_key: row.get(32)?,
        notice_url: row.get(33)?,
    })
}

/// A payment by `imp_uid`, with its cancellations, on `conn`.
fn payment_on(conn: &Connection, imp_uid: &str) -> Result<Payment, StoreError> {
    let payment = one_row(
        conn,
        &format!("SELECT {PAYMENT_COLUMNS} FROM payments WHERE imp_uid = ?1"),
        params![imp_uid],
        payment_row,
    )?;
    let mut statement = conn.prepare(
        "SELECT id, amount, reason, cancelled_at FROM cancellations WHERE imp_uid = ?1 ORDER BY rowid",
    )?;
    let history = statement
        .query_map(params![imp_uid], |row| {
            Ok(Cancellation {
                cancellation_id: row.get(0)?,
                amount: row.get(1)?,
                reason: row.get(2)?,
                cancelled_at: row.get(3)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Payment {
        cancel_history: history,
        ..payment
    })
}

/// The transaction `token`, on `conn`.
fn transaction_on(conn: &Connection, token: &str) -> Result<Transaction, StoreError> {
    one_row(
        conn,
        "SELECT token, kind, subject, channel, m_redirect_url, notice_url, app_scheme, app, used_at, version
         FROM transactions WHERE token = ?1",
        params![token],
        |row| {
            Ok(Transaction {
                token: row.get(0)?,
                kind: row.get(1)?,
                subject: row.get(2)?,
                channel: row.get(3)?,
                m_redirect_url: row.get(4)?,
                notice_url: row.get(5)?,
                app_scheme: row.get(6)?,
                app: row.get(7)?,
                used_at: row.get(8)?,
                version: row.get(9)?,
            })
        },
    )
}

/// What the store answers for a transaction token that was used already.
const ALREADY_USED: &str = "이미 사용된 거래입니다 (the transaction token was already used)";

/// The transaction `token` after a change meant only for an unused token (`WHERE
/// used_at = 0`) changed `changed` rows: [`StoreError::NotFound`] for no such
/// token, [`StoreError::Conflict`] ([`ALREADY_USED`]) when it was used.
fn unused_transaction_on(
    conn: &Connection,
    token: &str,
    changed: usize,
) -> Result<Transaction, StoreError> {
    let transaction = transaction_on(conn, token)?;
    if changed == 0 {
        return Err(StoreError::Conflict(ALREADY_USED.to_owned()));
    }
    Ok(transaction)
}

/// Marks the transaction `token` used at `now` (once: a token is used by one
/// decision), inside the caller's SQLite transaction.
///
/// # Errors
/// [`StoreError::NotFound`]; [`StoreError::Conflict`] when it was used already.
fn use_transaction_on(conn: &Connection, token: &str, now: i64) -> Result<Transaction, StoreError> {
    // 0 means unused: a clock at 0 still marks the token.
    let changed = conn.execute(
        "UPDATE transactions SET used_at = ?2 WHERE token = ?1 AND used_at = 0",
        params![token, now.max(1)],
    )?;
    unused_transaction_on(conn, token, changed)
}

/// Records `app` as the app the buyer picked for the unused transaction `token`.
///
/// # Errors
/// [`StoreError::NotFound`]; [`StoreError::Conflict`] when the token was used.
fn choose_app_on(conn: &Connection, token: &str, app: &str) -> Result<Transaction, StoreError> {
    let changed = conn.execute(
        "UPDATE transactions SET app = ?2 WHERE token = ?1 AND used_at = 0",
        params![token, app],
    )?;
    unused_transaction_on(conn, token, changed)
}

/// The SQL condition "this payment was paid" (and may have been refunded since) on
/// the `payments` row in scope: `paid`, or `cancelled` with an amount refunded. A
/// virtual account revoked before any deposit is `cancelled` with nothing refunded
/// (`store::vbank`): it never paid its order.
const WAS_PAID: &str = "(status = 'paid' OR (status = 'cancelled' AND cancel_amount > 0))";

/// One order is paid once: a `ready` payment of an order that another payment
/// already settled (paid, or paid and cancelled) is neither approved, given a
/// virtual account nor paid into, as iamport refuses a paid merchant_uid.
fn refuse_if_settled_elsewhere(conn: &Connection, imp_uid: &str) -> Result<(), StoreError> {
    let settled_elsewhere: bool = conn.query_row(
        &format!(
            "SELECT EXISTS (SELECT 1 FROM payments
             WHERE merchant_uid = (SELECT merchant_uid FROM payments WHERE imp_uid = ?1)
               AND imp_uid != ?1 AND {WAS_PAID})"
        ),
        params![imp_uid],
        |row| row.get(0),
    )?;
    if settled_elsewhere {
        return Err(StoreError::Conflict(
            "이미 결제된 주문번호입니다 (the order was already paid)".to_owned(),
        ));
    }
    Ok(())
}

fn approve_on(conn: &Connection, imp_uid: &str, now: i64) -> Result<Payment, StoreError> {
    refuse_if_settled_elsewhere(conn, imp_uid)?;
    let changed = conn.execute(
        "UPDATE payments SET status = 'paid', paid_at = ?2, apply_num = ?3,
             receipt_url = 'http://sandbox.invalid/receipts/' || imp_uid
         WHERE imp_uid = ?1 AND status = 'ready'",
        params![imp_uid, now, format!("{:08}", now.rem_euclid(100_000_000))],
    )?;
    require_changed(
        conn,
        imp_uid,
        changed,
        "only a ready payment can be approved",
    )?;
    payment_on(conn, imp_uid)
}

fn fail_on(
    conn: &Connection,
    imp_uid: &str,
    reason: &str,
    now: i64,
) -> Result<Payment, StoreError> {
    let changed = conn.execute(
        "UPDATE payments SET status = 'failed', failed_at = ?2, fail_reason = ?3
         WHERE imp_uid = ?1 AND status = 'ready'",
        params![imp_uid, now, reason],
    )?;
    require_changed(conn, imp_uid, changed, "only a ready payment can fail")?;
    payment_on(conn, imp_uid)
}

fn issue_vbank_on(conn: &Connection, imp_uid: &str, due: i64) -> Result<Payment, StoreError> {
    refuse_if_settled_elsewhere(conn, imp_uid)?;
    let account = format!("{}", 10_000_000_000_i64 + due.rem_euclid(1_000_000_000));
    let changed = conn.execute(
        "UPDATE payments SET vbank_num = ?2, vbank_name = '샌드박스은행', vbank_date = ?3
         WHERE imp_uid = ?1 AND status = 'ready'",
        params![imp_uid, account, due],
    )?;
    require_changed(
        conn,
        imp_uid,
        changed,
        "only a ready payment can get an account",
    )?;
    payment_on(conn, imp_uid)
}

fn require_changed(
    conn: &Connection,
    imp_uid: &str,
    changed: usize,
    message: &str,
) -> Result<(), StoreError> {
    if changed == 1 {
        return Ok(());
    }
    payment_on(conn, imp_uid)?;
    Err(StoreError::Conflict(message.to_owned()))
}

/// Why a card payment (or a card's registration) the app declined failed, when the
/// app gives no reason of its own.
const DECLINED: &str = "카드사 승인 거절 / declined by the card company";

/// The buyer's decision on the `ready` payment `imp_uid`.
fn apply_on(
    conn: &Connection,
    imp_uid: &str,
    outcome: Outcome,
    reason: Option<&str>,
    now: i64,
) -> Result<Payment, StoreError> {
    match outcome {
        Outcome::Approve => approve_on(conn, imp_uid, now),
        Outcome::Deny => fail_on(conn, imp_uid, reason.unwrap_or(DECLINED), now),
        Outcome::Cancel => fail_on(
            conn,
            imp_uid,
            reason.unwrap_or("사용자가 결제를 취소하였습니다 / cancelled by the buyer"),
            now,
        ),
        Outcome::Vbank => issue_vbank_on(conn, imp_uid, now + VBANK_DAYS * 24 * 3600),
    }
}

/// [`Store::settle_transaction`] inside its SQLite transaction `conn`.
fn settle_on(
    conn: &Connection,
    token: &str,
    outcome: Outcome,
    reason: Option<&str>,
    now: i64,
    format: WebhookFormat,
) -> Result<(Transaction, Subject), StoreError> {
    let transaction = use_transaction_on(conn, token, now)?;
    let subject = match transaction.kind {
        TransactionKind::Payment => {
            let mut payment = apply_on(conn, &transaction.subject, outcome, reason, now)?;
            // A card registered with the payment (`request_pay` with `customer_uid`)
            // is kept as the customer's billing key with the approval itself.
            if outcome == Outcome::Approve {
                payment = billing::keep_card_of_payment_on(conn, &transaction, payment, now)?;
            }
            // iamport calls `notice_url` when a payment is approved (`paid`) and when a
            // virtual account is issued (`ready`), never for a failure
            // (<https://docs.iamport.kr/en-US/tech/webhook>); V2 tells of a failure too
            // (`Transaction.Failed`, `v2::webhook`).
            if matches!(outcome, Outcome::Approve | Outcome::Vbank)
                || payment.version == ApiVersion::V2
            {
                if let Some(url) = &transaction.notice_url {
                    enqueue_webhook(conn, &transaction.subject, Notice { url, format }, 0, now)?;
                }
            }
            Subject::Payment(payment)
        }
        TransactionKind::BillingKey => Subject::BillingKey(billing::settle_issue_on(
            conn,
            &transaction,
            outcome,
            reason,
            now,
        )?),
        TransactionKind::Certification => {
            Subject::Certification(certifications::settle_on(conn, &transaction, outcome, now)?)
        }
    };
    Ok((transaction, subject))
}

/// What a checkout transaction carries beyond the payment.
#[derive(Debug, Clone, Copy, Default)]
pub struct CheckoutUrls<'a> {
    /// `mobile` or `pc`.
    pub channel: &'a str,
    /// Where a mobile checkout ends.
    pub m_redirect_url: Option<&'a str>,
    /// The merchant's webhook.
    pub notice_url: Option<&'a str>,
    /// The merchant app's scheme.
    pub app_scheme: Option<&'a str>,
}

/// How many random bytes an id carries (as twice as many hex digits).
const ID_BYTES: usize = 12;

/// The prefix of a checkout transaction's one-time token.
pub const TOKEN_PREFIX: &str = "txn_";

/// True for a transaction token of the shape this store makes ([`TOKEN_PREFIX`] and
/// [`random_id`]'s lowercase hex digits): nothing else may name one, so a token read
/// from an untrusted URL is one path segment and cannot aim a request elsewhere.
pub fn is_transaction_token(text: &str) -> bool {
    text.strip_prefix(TOKEN_PREFIX).is_some_and(|hex| {
        hex.len() == 2 * ID_BYTES
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

/// A random id: `prefix` + 24 lowercase hex digits.
pub fn random_id(prefix: &str) -> String {
    let mut bytes = [0u8; ID_BYTES];
    // getrandom only fails when the OS has no randomness source; then a time-based id
    // is still unique enough for a sandbox.
    if getrandom::fill(&mut bytes).is_err() {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        bytes.copy_from_slice(&nanos.to_le_bytes()[..ID_BYTES]);
    }
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{prefix}{hex}")
}

impl Store {
    /// Opens (and creates) the database at `path`.
    ///
    /// # Errors
    /// When SQLite cannot open or migrate it.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        Self::with_connection(Connection::open(path)?)
    }

    /// An in-memory database (tests).
    ///
    /// # Errors
    /// When SQLite fails.
    pub fn in_memory() -> Result<Self, StoreError> {
        Self::with_connection(Connection::open_in_memory()?)
    }

    fn with_connection(mut conn: Connection) -> Result<Self, StoreError> {
        conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;")?;
        migrations::migrate(&mut conn)?;
        Ok(Self {
            conn,
            webhook_format: WebhookFormat::default(),
        })
    }

    /// Writes the webhooks it queues from now on in `format` (rows already queued
    /// keep theirs).
    #[must_use]
    pub fn with_webhook_format(mut self, format: WebhookFormat) -> Self {
        self.webhook_format = format;
        self
    }

    /// Stores a new API token.
    ///
    /// # Errors
    /// When SQLite fails.
    pub fn add_token(&self, token: &str, expired_at: i64) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO tokens (access_token, expired_at) VALUES (?1, ?2)",
            params![token, expired_at],
        )?;
        Ok(())
    }

    /// True when `token` exists and expires after `now`.
    ///
    /// # Errors
    /// When SQLite fails.
    pub fn token_valid(&self, token: &str, now: i64) -> Result<bool, StoreError> {
        let expired_at: Option<i64> = self
            .conn
            .query_row(
                "SELECT expired_at FROM tokens WHERE access_token = ?1",
                params![token],
                |row| row.get(0),
            )
            .optional()?;
        Ok(expired_at.is_some_and(|at| at > now))
    }

    /// `POST /payments/prepare`: registers the amount for `merchant_uid`; the id as
    /// stored.
    ///
    /// # Errors
    /// A non-positive amount, an empty id, or an order already prepared.
    pub fn prepare(&self, merchant_uid: &str, amount: i64) -> Result<String, StoreError> {
        if amount <= 0 {
            return Err(StoreError::Invalid("amount must be positive".to_owned()));
        }
        let merchant_uid = self::merchant_uid(merchant_uid)?;
        let inserted = self.conn.execute(
            "INSERT OR IGNORE INTO prepared (merchant_uid, amount) VALUES (?1, ?2)",
            params![merchant_uid, amount],
        )?;
        if inserted == 0 {
            return Err(StoreError::Conflict(format!(
                "이미 사전등록된 주문번호입니다 (merchant_uid `{merchant_uid}` already prepared)"
            )));
        }
        Ok(merchant_uid.to_owned())
    }

    /// `PUT /payments/prepare`: changes the amount registered for `merchant_uid`; the
    /// id as stored.
    ///
    /// # Errors
    /// A non-positive amount, an empty id; [`StoreError::NotFound`] when the order
    /// was never prepared (iamport answers 404,
    /// `portone-io/developers.portone.io:src/schema/v1.openapi.json`).
    pub fn update_prepared(&self, merchant_uid: &str, amount: i64) -> Result<String, StoreError> {
        if amount <= 0 {
            return Err(StoreError::Invalid("amount must be positive".to_owned()));
        }
        let merchant_uid = self::merchant_uid(merchant_uid)?;
        let updated = self.conn.execute(
            "UPDATE prepared SET amount = ?2 WHERE merchant_uid = ?1",
            params![merchant_uid, amount],
        )?;
        if updated == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(merchant_uid.to_owned())
    }

    /// The amount prepared for `merchant_uid`.
    ///
    /// # Errors
    /// When SQLite fails.
    pub fn prepared_amount(&self, merchant_uid: &str) -> Result<Option<i64>, StoreError> {
        let Some(merchant_uid) = normalize_merchant_uid(merchant_uid) else {
            return Ok(None);
        };
        Ok(self
            .conn
            .query_row(
                "SELECT amount FROM prepared WHERE merchant_uid = ?1",
                params![merchant_uid],
                |row| row.get(0),
            )
            .optional()?)
    }

    /// `request_pay`: a `ready` payment. Refused when the order is already paid or
    /// the amount differs from the prepared one (what the real iamport does).
    ///
    /// # Errors
    /// [`StoreError::Invalid`] / [`StoreError::Conflict`].
    pub fn create(&mut self, new: &NewPayment, now: i64) -> Result<Payment, StoreError> {
        let imp_uid = self.in_transaction(|tx| insert_payment(tx, new, now))?;
        self.get(&imp_uid)
    }

    /// `request_pay` through the checkout: the `ready` payment ([`Store::create`]'s
    /// rules) and its transaction, in one SQLite transaction (never a payment
    /// without the transaction that can settle it).
    ///
    /// # Errors
    /// [`StoreError::Invalid`] / [`StoreError::Conflict`], or SQLite.
    pub fn checkout(
        &mut self,
        new: &NewPayment,
        urls: &CheckoutUrls<'_>,
        now: i64,
    ) -> Result<(Payment, Transaction), StoreError> {
        let (imp_uid, token) = self.in_transaction(|tx| {
            let imp_uid = insert_payment(tx, new, now)?;
            let token =
                insert_transaction(tx, TransactionKind::Payment, &imp_uid, new.version, urls)?;
            Ok((imp_uid, token))
        })?;
        Ok((self.get(&imp_uid)?, self.transaction(&token)?))
    }

    /// The approval the payment app reports: `ready` → `paid`.
    ///
    /// # Errors
    /// Unknown payment, not `ready`, or its order settled by another payment.
    pub fn approve(&mut self, imp_uid: &str, now: i64) -> Result<Payment, StoreError> {
        self.in_transaction(|tx| approve_on(tx, imp_uid, now))
    }

    /// A refusal or cancellation in the payment app: `ready` → `failed`.
    ///
    /// # Errors
    /// Unknown payment, or not `ready`.
    pub fn fail(&mut self, imp_uid: &str, reason: &str, now: i64) -> Result<Payment, StoreError> {
        self.in_transaction(|tx| fail_on(tx, imp_uid, reason, now))
    }

    /// `f` in one immediate SQLite transaction: committed when it succeeds, rolled
    /// back when it fails (rusqlite's `Transaction` rolls back when dropped, also
    /// when `f` returns early; https://docs.rs/rusqlite/0.37.0/rusqlite/struct.Transaction.html).
    /// Immediate: the write lock is taken before the first read, so a change that
    /// reads then writes never meets another connection's commit in between
    /// (https://www.sqlite.org/lang_transaction.html, "BEGIN IMMEDIATE").
    fn in_transaction<T>(
        &mut self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let done = f(&tx)?;
        tx.commit()?;
        Ok(done)
    }

    /// `POST /payments/cancel`: cancels `amount` (all that is left when `None`) of a
    /// paid payment; fully cancelled → `cancelled`. With `webhook`, its webhook goes
    /// to the outbox in the same transaction.
    ///
    /// # Errors
    /// Unknown payment, not paid, or more than what is left.
    pub fn cancel(
        &mut self,
        imp_uid: &str,
        amount: Option<i64>,
        reason: &str,
        now: i64,
        webhook: bool,
    ) -> Result<Payment, StoreError> {
        let format = self.webhook_format;
        self.in_transaction(|tx| {
            let (status, total, cancelled): (PaymentStatus, i64, i64) = one_row(
                tx,
                "SELECT status, amount, cancel_amount FROM payments WHERE imp_uid = ?1",
                params![imp_uid],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
            )?;
            if status != PaymentStatus::Paid {
                return Err(StoreError::Conflict(format!(
                    "취소할 수 없는 상태입니다 (a `{status}` payment cannot be cancelled)"
                )));
            }
            let left = total - cancelled;
            let amount = amount.unwrap_or(left);
            if amount <= 0 || amount > left {
                return Err(StoreError::Invalid(format!(
                    "취소 가능 금액을 넘었습니다 (can cancel 1..={left}, asked {amount})"
                )));
            }
            let new_cancelled = cancelled + amount;
            let new_status = if new_cancelled == total {
                PaymentStatus::Cancelled
            } else {
                PaymentStatus::Paid
            };
            tx.execute(
                "UPDATE payments SET cancel_amount = ?2, status = ?3, cancelled_at = ?4 WHERE imp_uid = ?1",
                params![imp_uid, new_cancelled, new_status, now],
            )?;
            tx.execute(
                "INSERT INTO cancellations (imp_uid, amount, reason, cancelled_at, id) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![imp_uid, amount, reason, now, random_id("cancel_")],
            )?;
            // iamport notifies `notice_url` of a refund with `status: cancelled`
            // (<https://docs.iamport.kr/en-US/tech/webhook>, "Refund is processed");
            // the body carries the status the cancellation left (a partial one: `paid`).
            // An API cancel does so only when asked (`enable_webhook`, default false:
            // "본 API를 통한 취소는 기본적으로 고객사로 웹훅을 전송하지 않고",
            // `portone-io/developers.portone.io:src/schema/v1.openapi.json`).
            if webhook {
                notify(tx, imp_uid, format, now)?;
            }
            payment_on(tx, imp_uid)
        })
    }

    /// The transaction `token`.
    ///
    /// # Errors
    /// [`StoreError::NotFound`].
    pub fn transaction(&self, token: &str) -> Result<Transaction, StoreError> {
        transaction_on(&self.conn, token)
    }

    /// The newest transaction of a payment (its webhook address).
    ///
    /// # Errors
    /// [`StoreError::NotFound`].
    pub fn transaction_of(&self, imp_uid: &str) -> Result<Transaction, StoreError> {
        let token: String = one_row(
            &self.conn,
            "SELECT token FROM transactions WHERE kind = 'payment' AND subject = ?1 ORDER BY rowid DESC LIMIT 1",
            params![imp_uid],
            |row| row.get(0),
        )?;
        self.transaction(&token)
    }

    /// Records the app the buyer picked on the PG page (a retry may pick another).
    ///
    /// # Errors
    /// [`StoreError::NotFound`], or a token already used.
    pub fn choose_app(&self, token: &str, app: &str) -> Result<Transaction, StoreError> {
        choose_app_on(&self.conn, token, app)
    }

    /// The payment app's (or the PG page's, or the identity page's) decision, once per
    /// token: marks the token used and settles what it is for (a payment, a billing
    /// key's issue, an identity verification) in one transaction.
    ///
    /// # Errors
    /// [`StoreError::NotFound`]; [`StoreError::Conflict`] for a token already used or
    /// a subject no longer `ready`; [`StoreError::Invalid`] for an outcome the subject
    /// cannot have (a virtual account for a verification).
    pub fn settle_transaction(
        &mut self,
        token: &str,
        outcome: Outcome,
        reason: Option<&str>,
        now: i64,
    ) -> Result<(Transaction, Subject), StoreError> {
        // One SQLite transaction: a sandbox killed in between keeps the token unused
        // and the payment `ready` (never a used token on an unsettled payment). A
        // failure drops it, which rolls it back and returns the failure itself; when
        // SQLite already rolled back on its own (https://www.sqlite.org/lang_transaction.html,
        // "Response To Errors Within A Transaction"), no savepoint is left open for
        // later writes to land in and no rollback error hides the cause.
        let format = self.webhook_format;
        self.in_transaction(|tx| settle_on(tx, token, outcome, reason, now, format))
    }

    /// Writes a webhook of the payment's current state to its `notice_url` (a resend),
    /// due at `due_at_ms`.
    ///
    /// # Errors
    /// [`StoreError::NotFound`]; [`StoreError::Conflict`] when the payment has no
    /// `notice_url`.
    pub fn queue_webhook(
        &self,
        imp_uid: &str,
        due_at_ms: i64,
        now: i64,
    ) -> Result<Webhook, StoreError> {
        self.get(imp_uid)?;
        let url = notice_url_of(&self.conn, imp_uid)?
            .ok_or_else(|| StoreError::Conflict("no notice_url for this payment".to_owned()))?;
        let notice = Notice {
            url: &url,
            format: self.webhook_format,
        };
        let id = enqueue_webhook(&self.conn, imp_uid, notice, due_at_ms, now)?;
        self.webhook(id)
    }

    /// The outbox row `id`.
    ///
    /// # Errors
    /// [`StoreError::NotFound`].
    pub fn webhook(&self, id: i64) -> Result<Webhook, StoreError> {
        one_row(
            &self.conn,
            &format!("SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE id = ?1"),
            params![id],
            webhook_row,
        )
    }

    /// A payment's webhooks, oldest first.
    ///
    /// # Errors
    /// When SQLite fails.
    pub fn webhooks_of(&self, imp_uid: &str) -> Result<Vec<Webhook>, StoreError> {
        let mut statement = self.conn.prepare(&format!(
            "SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE imp_uid = ?1 ORDER BY id"
        ))?;
        let rows = statement
            .query_map(params![imp_uid], webhook_row)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Takes up to `limit` pending webhooks due at `now_ms` for delivery: each is
    /// pushed to `now_ms + lease_ms`, so a second sender leaves it alone and a sender
    /// killed mid-attempt has it retried when the lease ends.
    ///
    /// # Errors
    /// When SQLite fails.
    pub fn claim_due_webhooks(
        &mut self,
        now_ms: i64,
        lease_ms: i64,
        limit: usize,
    ) -> Result<Vec<Webhook>, StoreError> {
        // Immediate: the rows read are leased by the same transaction, and a deferred
        // one that read before another sender's commit could not write its lease
        // (SQLITE_BUSY_SNAPSHOT, https://www.sqlite.org/rescode.html#busy_snapshot).
        self.in_transaction(|tx| {
            let mut statement = tx.prepare(&format!(
                "SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE state = 'pending' AND due_at_ms <= ?1
                 ORDER BY due_at_ms, id LIMIT ?2"
            ))?;
            let limit = i64::try_from(limit).unwrap_or(i64::MAX);
            let due = statement
                .query_map(params![now_ms, limit], webhook_row)?
                .collect::<Result<Vec<_>, _>>()?;
            for webhook in &due {
                tx.execute(
                    "UPDATE webhooks SET due_at_ms = ?2 WHERE id = ?1",
                    params![webhook.id, now_ms.saturating_add(lease_ms)],
                )?;
            }
            Ok(due)
        })
    }

    /// When the next pending webhook is due (Unix milliseconds), if any.
    ///
    /// # Errors
    /// When SQLite fails.
    pub fn next_webhook_due(&self) -> Result<Option<i64>, StoreError> {
        Ok(self.conn.query_row(
            "SELECT MIN(due_at_ms) FROM webhooks WHERE state = 'pending'",
            [],
            |row| row.get(0),
        )?)
    }

    /// Records how an attempt to deliver webhook `id` ended.
    ///
    /// # Errors
    /// [`StoreError::NotFound`], or SQLite.
    pub fn record_delivery(&self, id: i64, delivery: &Delivery) -> Result<Webhook, StoreError> {
        let (state, attempted, due, error, status) = match delivery {
            Delivery::Delivered { merchant_status } => (
                WebhookState::Delivered,
                1,
                None,
                None,
                Some(*merchant_status),
            ),
            Delivery::Retry {
                error,
                merchant_status,
                at_ms,
            } => (
                WebhookState::Pending,
                1,
                Some(*at_ms),
                Some(error.as_str()),
                *merchant_status,
            ),
            Delivery::GaveUp {
                error,
                merchant_status,
            } => (
                WebhookState::Abandoned,
                1,
                None,
                Some(error.as_str()),
                *merchant_status,
            ),
            Delivery::Refused { reason } => {
                (WebhookState::Refused, 0, None, Some(reason.as_str()), None)
            }
        };
        let changed = self.conn.execute(
            "UPDATE webhooks SET state = ?2, attempts = attempts + ?3, due_at_ms = COALESCE(?4, due_at_ms),
                 last_error = COALESCE(?5, last_error), merchant_status = COALESCE(?6, merchant_status)
             WHERE id = ?1",
            params![id, state, attempted, due, error, status],
        )?;
        if changed == 0 {
            return Err(StoreError::NotFound);
        }
        self.webhook(id)
    }

    /// A payment by `imp_uid`.
    ///
    /// # Errors
    /// [`StoreError::NotFound`].
    pub fn get(&self, imp_uid: &str) -> Result<Payment, StoreError> {
        payment_on(&self.conn, imp_uid)
    }

    /// The newest payment for `merchant_uid` (iamport's `sorting=-started`), optionally
    /// with a given status.
    ///
    /// # Errors
    /// [`StoreError::NotFound`].
    pub fn find(
        &self,
        merchant_uid: &str,
        status: Option<PaymentStatus>,
    ) -> Result<Payment, StoreError> {
        let merchant_uid = normalize_merchant_uid(merchant_uid).ok_or(StoreError::NotFound)?;
        let imp_uid: String = one_row(
            &self.conn,
            "SELECT imp_uid FROM payments WHERE merchant_uid = ?1 AND (?2 IS NULL OR status = ?2)
             ORDER BY started_at DESC, rowid DESC LIMIT 1",
            params![merchant_uid, status],
            |row| row.get(0),
        )?;
        self.get(&imp_uid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_webhook_row_is_reported_for_a_payment_that_does_not_exist() {
        let mut store = Store::in_memory().unwrap();
        let new = NewPayment {
            merchant_uid: "order_1".to_owned(),
            amount: 1000,
            channel: "mobile".to_owned(),
            ..NewPayment::default()
        };
        let urls = CheckoutUrls {
            channel: "mobile",
            notice_url: Some("http://127.0.0.1:9/hook"),
            ..CheckoutUrls::default()
        };
        let (payment, _) = store.checkout(&new, &urls, 1).unwrap();
        let queued = store.queue_webhook(&payment.imp_uid, 0, 1).unwrap();
        // Nothing inserted: the last row id on the connection is the row above.
        let notice = Notice {
            url: "http://127.0.0.1:9/hook",
            format: WebhookFormat::V1Json,
        };
        let unknown = enqueue_webhook(&store.conn, "imp_unknown", notice, 0, 1);
        assert!(
            matches!(unknown, Err(StoreError::NotFound)),
            "{unknown:?} (row {})",
            queued.id
        );
    }

    #[test]
    fn an_outbox_from_before_formats_keeps_its_rows_and_sends_them_as_json() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.sqlite3");
        // The database as it was before outbox rows kept a format and a body
        // (migration 3), with a payment and its queued webhook.
        let mut old = Connection::open(&path).unwrap();
        migrations::migrate_to(&mut old, 2).unwrap();
        old.execute_batch(
            "INSERT INTO payments (imp_uid, merchant_uid, pay_method, pg_provider, name, amount, status, started_at)
                 VALUES ('imp_old', 'order_old', 'card', 'nice', 'old', 1000, 'ready', 1);
             INSERT INTO webhooks (imp_uid, merchant_uid, status, url, created_at)
                 VALUES ('imp_old', 'order_old', 'ready', 'http://127.0.0.1:9/hook', 1);",
        )
        .unwrap();
        drop(old);
        let mut store = Store::open(&path)
            .unwrap()
            .with_webhook_format(WebhookFormat::V1Form);
        let due = store.claim_due_webhooks(0, 0, 10).unwrap();
        assert_eq!(due.len(), 1, "{due:?}");
        assert_eq!(due[0].format, WebhookFormat::V1Json);
        assert_eq!(
            due[0].body,
            r#"{"imp_uid":"imp_old","merchant_uid":"order_old","status":"ready"}"#
        );
        // New rows take the store's format.
        store
            .conn
            .execute(
                "INSERT INTO transactions (token, kind, subject, channel, notice_url)
                 VALUES ('txn_old', 'payment', 'imp_old', 'mobile', 'http://127.0.0.1:9/hook')",
                [],
            )
            .unwrap();
        let queued = store.queue_webhook("imp_old", 0, 2).unwrap();
        assert_eq!(queued.format, WebhookFormat::V1Form);
    }

    #[test]
    fn only_the_stores_own_token_shape_is_a_token() {
        assert!(is_transaction_token(&random_id(TOKEN_PREFIX)));
        for text in [
            "txn_x/../sandbox",
            "txn_0123456789ABCDEF01234567",
            "txn_0123456789abcdef0123456",
            "txn_0123456789abcdef012345678",
            "txn_0123456789abcdef0123456/",
            "imp_0123456789abcdef01234567",
            "",
        ] {
            assert!(!is_transaction_token(text), "{text}");
        }
    }
}
