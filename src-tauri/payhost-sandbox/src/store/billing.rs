//! The store's billing keys (정기결제) and the payments made with them without the
//! buyer. A key is a card a customer registered, kept under V1's `customer_uid` or
//! V2's `billingKey`: its name and masked number only (the number never reaches the
//! store, `billing::card` masks it first). It is issued through the checkout (V1
//! `request_pay` with `customer_uid`, settled with its payment; V2
//! `requestIssueBillingKey`, settled by its transaction token) or from card numbers
//! through the API (V1 `POST /subscribe/customers/{customer_uid}`, V2
//! `POST /billing-keys`), and charged by V1 `again`, `onetime` and scheduled charges
//! and V2 `POST /payments/{paymentId}/billing-key`. Each of those is one SQLite
//! transaction with the payment it makes and the webhook it owes.

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;

use super::{
    approve_on, enqueue_webhook, fail_on, insert_payment, insert_transaction, one_row, payment_on,
    random_id, text_enum, ApiVersion, CheckoutUrls, NewPayment, Notice, Outcome, Payment,
    PaymentStatus, Store, StoreError, Transaction, TransactionKind, DECLINED,
};
use crate::billing::card::{self, MaskedCard};
use crate::webhooks::WebhookFormat;

/// Where a billing key stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BillingKeyStatus {
    /// Asked for through the checkout; the buyer has not decided yet.
    Ready,
    /// Issued: it can be charged.
    Issued,
    /// The buyer (or the card company) refused it.
    Failed,
    /// Deleted by the merchant.
    Deleted,
}

text_enum!(BillingKeyStatus as column "billing key status" {
    Ready => "ready",
    Issued => "issued",
    Failed => "failed",
    Deleted => "deleted",
});

/// What a payment did with a customer's billing key: V1's `customer_uid_usage`
/// (`portone-io/developers.portone.io:src/schema/v1.openapi.json`, `PaymentAnnotation`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum CustomerUidUsage {
    /// It only issued the key (a 0원 `request_pay`).
    #[serde(rename = "issue")]
    Issue,
    /// It charged the key (a first charge that also issued it, `again`, `onetime`).
    #[serde(rename = "payment")]
    Payment,
    /// A scheduled charge of the key.
    #[serde(rename = "payment.scheduled")]
    PaymentScheduled,
}

text_enum!(CustomerUidUsage as column "customer_uid_usage" {
    Issue => "issue",
    Payment => "payment",
    PaymentScheduled => "payment.scheduled",
});

/// Who a billing key belongs to, as the merchant described them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyCustomer {
    /// The merchant's id of the customer.
    pub id: Option<String>,
    /// Name.
    pub name: Option<String>,
    /// Phone.
    pub tel: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Address.
    pub addr: Option<String>,
    /// Postcode.
    pub postcode: Option<String>,
}

/// A billing key as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BillingKey {
    /// Its id (V2's `billingKey`; V1 names it by `customer_uid`).
    pub billing_key: String,
    /// The API it was issued through.
    pub version: ApiVersion,
    /// Where it stands.
    pub status: BillingKeyStatus,
    /// V1: the merchant's id of the card.
    pub customer_uid: Option<String>,
    /// V2: the store.
    pub store_id: Option<String>,
    /// V2: the channel it was issued through.
    pub channel_key: Option<String>,
    /// The PG (V1 `pg_provider`).
    pub pg_provider: String,
    /// The card, once issued.
    pub card: Option<MaskedCard>,
    /// Whose card.
    pub customer: KeyCustomer,
    /// V2: the merchant's id of the issue.
    pub issue_id: Option<String>,
    /// V2: what the buyer was shown.
    pub issue_name: Option<String>,
    /// V2: the merchant's data, as text.
    pub custom_data: Option<String>,
    /// Why it was refused.
    pub fail_reason: Option<String>,
    /// Why it was deleted.
    pub delete_reason: Option<String>,
    /// When it was asked for (Unix seconds).
    pub requested_at: i64,
    /// When it was issued, 0 before.
    pub issued_at: i64,
    /// When it last changed (a V1 key registered again changes its card).
    pub updated_at: i64,
    /// When it was deleted, 0 before.
    pub deleted_at: i64,
}

/// A billing key to issue (its card comes with the issue).
#[derive(Debug, Clone, Default)]
pub struct NewBillingKey {
    /// The API.
    pub version: ApiVersion,
    /// V1: the merchant's id of the card.
    pub customer_uid: Option<String>,
    /// V2: the store.
    pub store_id: Option<String>,
    /// V2: the channel.
    pub channel_key: Option<String>,
    /// The PG (V1 `pg`).
    pub pg_provider: String,
    /// Whose card.
    pub customer: KeyCustomer,
    /// V2: the merchant's id of the issue.
    pub issue_id: Option<String>,
    /// V2: what the buyer is shown.
    pub issue_name: Option<String>,
    /// V2: the merchant's data.
    pub custom_data: Option<String>,
}

const KEY_COLUMNS: &str =
    "billing_key, version, status, customer_uid, store_id, channel_key, pg_provider,
    card_name, card_number, customer_id, customer_name, customer_tel, customer_email, customer_addr,
    customer_postcode, issue_id, issue_name, custom_data, fail_reason, delete_reason, requested_at,
    issued_at, updated_at, deleted_at";

fn key_row(row: &Row<'_>) -> rusqlite::Result<BillingKey> {
    let card_name: Option<String> = row.get(7)?;
    let card_number: Option<String> = row.get(8)?;
    Ok(BillingKey {
        billing_key: row.get(0)?,
        version: row.get(1)?,
        status: row.get(2)?,
        customer_uid: row.get(3)?,
        store_id: row.get(4)?,
        channel_key: row.get(5)?,
        pg_provider: row.get(6)?,
        card: card_name
            .zip(card_number)
            .map(|(name, number)| MaskedCard { name, number }),
        customer: KeyCustomer {
            id: row.get(9)?,
            name: row.get(10)?,
            tel: row.get(11)?,
            email: row.get(12)?,
            addr: row.get(13)?,
            postcode: row.get(14)?,
        },
        issue_id: row.get(15)?,
        issue_name: row.get(16)?,
        custom_data: row.get(17)?,
        fail_reason: row.get(18)?,
        delete_reason: row.get(19)?,
        requested_at: row.get(20)?,
        issued_at: row.get(21)?,
        updated_at: row.get(22)?,
        deleted_at: row.get(23)?,
    })
}

/// The key `billing_key`, whatever its status.
fn key_on(conn: &Connection, billing_key: &str) -> Result<BillingKey, StoreError> {
    one_row(
        conn,
        &format!("SELECT {KEY_COLUMNS} FROM billing_keys WHERE billing_key = ?1"),
        params![billing_key],
        key_row,
    )
}

/// The issued V1 key of `customer_uid`, if any.
fn customer_key_on(
    conn: &Connection,
    customer_uid: &str,
) -> Result<Option<BillingKey>, StoreError> {
    Ok(conn
        .query_row(
            &format!(
                "SELECT {KEY_COLUMNS} FROM billing_keys
                 WHERE version = 'V1' AND status = 'issued' AND customer_uid = ?1"
            ),
            params![customer_uid],
            key_row,
        )
        .optional()?)
}

fn customer_uid(raw: Option<&str>) -> Result<&str, StoreError> {
    raw.map(str::trim)
        .filter(|uid| !uid.is_empty())
        .ok_or_else(|| {
            StoreError::Invalid("customer_uid 가 필요합니다 / customer_uid is required".to_owned())
        })
}

/// A key of `new` with `status`, its card when it has one.
fn insert_key_on(
    conn: &Connection,
    new: &NewBillingKey,
    status: BillingKeyStatus,
    card: Option<&MaskedCard>,
    now: i64,
) -> Result<BillingKey, StoreError> {
    let billing_key = random_id("billing-key-");
    let issued_at = if status == BillingKeyStatus::Issued {
        now
    } else {
        0
    };
    conn.execute(
        "INSERT INTO billing_keys (billing_key, version, status, customer_uid, store_id, channel_key, pg_provider,
             card_name, card_number, customer_id, customer_name, customer_tel, customer_email, customer_addr,
             customer_postcode, issue_id, issue_name, custom_data, requested_at, issued_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?19)",
        params![
            billing_key,
            new.version,
            status,
            new.customer_uid.as_deref().map(str::trim),
            new.store_id,
            new.channel_key,
            new.pg_provider,
            card.map(|c| c.name.as_str()),
            card.map(|c| c.number.as_str()),
            new.customer.id,
            new.customer.name,
            new.customer.tel,
            new.customer.email,
            new.customer.addr,
            new.customer.postcode,
            new.issue_id,
            new.issue_name,
            new.custom_data,
            now,
            issued_at,
        ],
    )?;
    key_on(conn, &billing_key)
}

/// Registers `card` as the V1 key of `new.customer_uid`: a customer_uid registered
/// again keeps its id and takes the new card ("가장 마지막 빌링키 발급에 사용된
/// 카드번호의 빌링키로 대체됩니다", `portone-io/developers.portone.io:
/// src/routes/(root)/opi/ko/integration/start/v1/non-auth.mdx`).
fn register_customer_on(
    conn: &Connection,
    new: &NewBillingKey,
    card: &MaskedCard,
    now: i64,
) -> Result<BillingKey, StoreError> {
    let uid = customer_uid(new.customer_uid.as_deref())?;
    let Some(existing) = customer_key_on(conn, uid)? else {
        return insert_key_on(conn, new, BillingKeyStatus::Issued, Some(card), now);
    };
    conn.execute(
        "UPDATE billing_keys SET pg_provider = ?2, card_name = ?3, card_number = ?4, customer_id = ?5,
             customer_name = ?6, customer_tel = ?7, customer_email = ?8, customer_addr = ?9,
             customer_postcode = ?10, issued_at = ?11, updated_at = ?11
         WHERE billing_key = ?1",
        params![
            existing.billing_key,
            new.pg_provider,
            card.name,
            card.number,
            new.customer.id,
            new.customer.name,
            new.customer.tel,
            new.customer.email,
            new.customer.addr,
            new.customer.postcode,
            now,
        ],
    )?;
    key_on(conn, &existing.billing_key)
}

/// After the approval of a checkout payment that named a `customer_uid` (V1
/// `request_pay`): the card the buyer approved with (the app's) becomes the
/// customer's key, and the payment records the card. Other payments are returned as
/// they are.
pub(super) fn keep_card_of_payment_on(
    conn: &Connection,
    transaction: &Transaction,
    payment: Payment,
    now: i64,
) -> Result<Payment, StoreError> {
    let Some(uid) = payment.customer_uid.as_deref() else {
        return Ok(payment);
    };
    let card = card::of_app(transaction.app.as_deref(), &transaction.token);
    let key = register_customer_on(
        conn,
        &NewBillingKey {
            version: ApiVersion::V1,
            customer_uid: Some(uid.to_owned()),
            pg_provider: payment.pg_provider.clone(),
            customer: KeyCustomer {
                name: payment.buyer_name.clone(),
                tel: payment.buyer_tel.clone(),
                email: payment.buyer_email.clone(),
                ..KeyCustomer::default()
            },
            ..NewBillingKey::default()
        },
        &card,
        now,
    )?;
    conn.execute(
        "UPDATE payments SET card_name = ?2, card_number = ?3, billing_key = ?4 WHERE imp_uid = ?1",
        params![payment.imp_uid, card.name, card.number, key.billing_key],
    )?;
    payment_on(conn, &payment.imp_uid)
}

/// The buyer's decision on a billing key's issue through the checkout (V2
/// `requestIssueBillingKey`), inside [`Store::settle_transaction`]'s SQLite
/// transaction `conn` (which has marked the token used): approved in a card app, the
/// key is issued with that app's card; declined or cancelled, it fails.
///
/// # Errors
/// [`StoreError::NotFound`]; [`StoreError::Conflict`] for a key no longer `ready`,
/// and for a virtual account (a card registration has none).
pub(super) fn settle_issue_on(
    conn: &Connection,
    transaction: &Transaction,
    outcome: Outcome,
    reason: Option<&str>,
    now: i64,
) -> Result<BillingKey, StoreError> {
    let billing_key = &transaction.subject;
    let changed = match outcome {
        Outcome::Approve => {
            let card = card::of_app(transaction.app.as_deref(), &transaction.token);
            conn.execute(
                "UPDATE billing_keys SET status = 'issued', card_name = ?2, card_number = ?3, issued_at = ?4,
                     updated_at = ?4
                 WHERE billing_key = ?1 AND status = 'ready'",
                params![billing_key, card.name, card.number, now],
            )?
        }
        Outcome::Deny | Outcome::Cancel => {
            let reason = reason.unwrap_or(if outcome == Outcome::Deny {
                DECLINED
            } else {
                "사용자가 카드 등록을 취소하였습니다 / cancelled by the buyer"
            });
            conn.execute(
                "UPDATE billing_keys SET status = 'failed', fail_reason = ?2, updated_at = ?3
                 WHERE billing_key = ?1 AND status = 'ready'",
                params![billing_key, reason, now],
            )?
        }
        Outcome::Vbank => 0,
    };
    let key = key_on(conn, billing_key)?;
    if changed != 1 {
        return Err(StoreError::Conflict(
            "발급 대기 중인 빌링키가 아닙니다 / the billing key is not waiting to be issued"
                .to_owned(),
        ));
    }
    Ok(key)
}

/// A payment made without the buyer (`new`, its card and key filled in): created
/// and, as the sandbox's card company decides (`billing::card::decline`), paid or
/// failed, with its webhook (in `format`; a V2 one for a failure too) when it names
/// a `notice_url`.
fn charge_on(
    conn: &Connection,
    new: &NewPayment,
    now: i64,
    format: WebhookFormat,
) -> Result<Payment, StoreError> {
    let imp_uid = insert_payment(conn, new, now)?;
    let payment = match card::decline(new.amount) {
        Some(reason) => fail_on(conn, &imp_uid, reason, now)?,
        None => approve_on(conn, &imp_uid, now)?,
    };
    // A payment's approval owes its webhook; at V1 a failure does not (iamport sends
    // none, `portone-io/developers.portone.io:src/routes/(root)/opi/ko/integration/webhook/readme-v1.mdx`;
    // a scheduled charge's failure is the exception, sent by `schedules`), at V2 it
    // does (`noticeUrls` of `BillingKeyPaymentInput`: "결제 승인/실패 시",
    // `portone-io/developers.portone.io:src/schema/v2.openapi.json`).
    let failure_told = new.version == ApiVersion::V2 && payment.status == PaymentStatus::Failed;
    if payment.status == PaymentStatus::Paid || failure_told {
        if let Some(url) = &new.notice_url {
            enqueue_webhook(conn, &imp_uid, Notice { url, format }, 0, now)?;
        }
    }
    Ok(payment)
}

/// `new` charged to `key`: its customer, key, PG and card filled in (its webhook
/// in `format`).
pub(super) fn charge_key_on(
    conn: &Connection,
    key: &BillingKey,
    new: NewPayment,
    now: i64,
    format: WebhookFormat,
) -> Result<Payment, StoreError> {
    let charge = NewPayment {
        pay_method: "card".to_owned(),
        pg_provider: key.pg_provider.clone(),
        customer_uid: key.customer_uid.clone(),
        billing_key: Some(key.billing_key.clone()),
        card_name: key.card.as_ref().map(|c| c.name.clone()),
        card_number: key.card.as_ref().map(|c| c.number.clone()),
        ..new
    };
    charge_on(conn, &charge, now, format)
}

/// The issued V1 key of `customer_uid`, inside a transaction.
pub(super) fn issued_customer_on(
    conn: &Connection,
    customer_uid: &str,
) -> Result<Option<BillingKey>, StoreError> {
    customer_key_on(conn, customer_uid.trim())
}

impl Store {
    /// `POST /subscribe/customers/{customer_uid}`: `card` (already verified and
    /// masked) as the customer's key, replacing the card of a key already registered.
    ///
    /// # Errors
    /// No `customer_uid`, or SQLite.
    pub fn register_customer(
        &mut self,
        new: &NewBillingKey,
        card: &MaskedCard,
        now: i64,
    ) -> Result<BillingKey, StoreError> {
        self.in_transaction(|tx| register_customer_on(tx, new, card, now))
    }

    /// The issued V1 key of `customer_uid`.
    ///
    /// # Errors
    /// [`StoreError::NotFound`], or SQLite.
    pub fn customer(&self, customer_uid: &str) -> Result<BillingKey, StoreError> {
        customer_key_on(&self.conn, customer_uid.trim())?.ok_or(StoreError::NotFound)
    }

    /// The issued V1 keys of `customer_uids` that exist, in the order asked.
    ///
    /// # Errors
    /// SQLite.
    pub fn customers(&self, customer_uids: &[String]) -> Result<Vec<BillingKey>, StoreError> {
        let mut found = Vec::new();
        for uid in customer_uids {
            if let Some(key) = customer_key_on(&self.conn, uid.trim())? {
                found.push(key);
            }
        }
        Ok(found)
    }

    /// `DELETE /subscribe/customers/{customer_uid}`: the key as it was, now deleted.
    ///
    /// # Errors
    /// [`StoreError::NotFound`], or SQLite.
    pub fn delete_customer(
        &mut self,
        customer_uid: &str,
        reason: Option<&str>,
        now: i64,
    ) -> Result<BillingKey, StoreError> {
        self.in_transaction(|tx| {
            let key = customer_key_on(tx, customer_uid.trim())?.ok_or(StoreError::NotFound)?;
            delete_on(tx, &key.billing_key, reason, now)
        })
    }

    /// `POST /subscribe/payments/again`: `new` charged to the key of `customer_uid`
    /// (`customer_uid_usage` "payment").
    ///
    /// # Errors
    /// [`StoreError::NotFound`] when the customer has no key; the payment's own
    /// refusals ([`StoreError::AlreadyPaid`], …).
    pub fn charge_customer(
        &mut self,
        customer_uid: &str,
        new: NewPayment,
        now: i64,
    ) -> Result<Payment, StoreError> {
        let format = self.webhook_format;
        self.in_transaction(|tx| {
            let key = customer_key_on(tx, customer_uid.trim())?.ok_or(StoreError::NotFound)?;
            charge_key_on(tx, &key, new, now, format)
        })
    }

    /// `POST /subscribe/payments/onetime`: `new` charged to `card` (verified and
    /// masked); with `save`, the card also becomes that customer's key, in the same
    /// transaction.
    ///
    /// # Errors
    /// The payment's refusals, or SQLite.
    pub fn charge_card(
        &mut self,
        new: NewPayment,
        card: &MaskedCard,
        save: Option<&NewBillingKey>,
        now: i64,
    ) -> Result<Payment, StoreError> {
        let format = self.webhook_format;
        self.in_transaction(|tx| match save {
            Some(save) => {
                let key = register_customer_on(tx, save, card, now)?;
                charge_key_on(tx, &key, new, now, format)
            }
            None => {
                let charge = NewPayment {
                    pay_method: "card".to_owned(),
                    card_name: Some(card.name.clone()),
                    card_number: Some(card.number.clone()),
                    ..new
                };
                charge_on(tx, &charge, now, format)
            }
        })
    }

    /// V2 `POST /billing-keys`: a key issued at once with `card`.
    ///
    /// # Errors
    /// SQLite.
    pub fn issue_billing_key(
        &mut self,
        new: &NewBillingKey,
        card: &MaskedCard,
        now: i64,
    ) -> Result<BillingKey, StoreError> {
        self.in_transaction(|tx| insert_key_on(tx, new, BillingKeyStatus::Issued, Some(card), now))
    }

    /// V2 `requestIssueBillingKey` through the checkout: a `ready` key and the
    /// transaction whose app settles it, in one SQLite transaction.
    ///
    /// # Errors
    /// SQLite.
    pub fn open_billing_key_issue(
        &mut self,
        new: &NewBillingKey,
        urls: &CheckoutUrls<'_>,
        now: i64,
    ) -> Result<(BillingKey, Transaction), StoreError> {
        let (key, token) = self.in_transaction(|tx| {
            let key = insert_key_on(tx, new, BillingKeyStatus::Ready, None, now)?;
            let token = insert_transaction(
                tx,
                TransactionKind::BillingKey,
                &key.billing_key,
                new.version,
                urls,
            )?;
            Ok((key, token))
        })?;
        Ok((key, self.transaction(&token)?))
    }

    /// The key `billing_key`, whatever its status.
    ///
    /// # Errors
    /// [`StoreError::NotFound`], or SQLite.
    pub fn billing_key(&self, billing_key: &str) -> Result<BillingKey, StoreError> {
        key_on(&self.conn, billing_key)
    }

    /// V2 `DELETE /billing-keys/{billingKey}`: the key, now deleted.
    ///
    /// # Errors
    /// [`StoreError::NotFound`]; [`StoreError::Conflict`] for a key that is not issued.
    pub fn delete_billing_key(
        &mut self,
        billing_key: &str,
        reason: Option<&str>,
        now: i64,
    ) -> Result<BillingKey, StoreError> {
        self.in_transaction(|tx| delete_on(tx, billing_key, reason, now))
    }

    /// V2 `POST /payments/{paymentId}/billing-key`: `new` charged to the issued key
    /// `billing_key`.
    ///
    /// # Errors
    /// [`StoreError::NotFound`]; [`StoreError::Conflict`] for a key that is not
    /// issued; the payment's own refusals ([`StoreError::AlreadyPaid`], …).
    pub fn charge_billing_key(
        &mut self,
        billing_key: &str,
        new: NewPayment,
        now: i64,
    ) -> Result<Payment, StoreError> {
        let format = self.webhook_format;
        self.in_transaction(|tx| {
            let key = key_on(tx, billing_key)?;
            if key.status != BillingKeyStatus::Issued {
                return Err(StoreError::Conflict(
                    "발급된 빌링키가 아닙니다 / the billing key is not issued".to_owned(),
                ));
            }
            charge_key_on(tx, &key, new, now, format)
        })
    }
}

/// Deletes the issued key `billing_key`.
fn delete_on(
    conn: &Connection,
    billing_key: &str,
    reason: Option<&str>,
    now: i64,
) -> Result<BillingKey, StoreError> {
    let changed = conn.execute(
        "UPDATE billing_keys SET status = 'deleted', deleted_at = ?2, updated_at = ?2, delete_reason = ?3
         WHERE billing_key = ?1 AND status = 'issued'",
        params![billing_key, now, reason],
    )?;
    let key = key_on(conn, billing_key)?;
    if changed != 1 {
        return Err(StoreError::Conflict(
            "발급된 빌링키가 아닙니다 / the billing key is not issued".to_owned(),
        ));
    }
    Ok(key)
}
