//! The store's scheduled charges (V1 `POST /subscribe/payments/schedule`): a charge of
//! a customer's billing key at a time the merchant chose, listed, revoked, and fired
//! when its time has come. Firing one is one SQLite transaction: the payment (paid,
//! or failed as the card company decides), the schedule marked executed, and the
//! webhook V1 sends for a scheduled charge either way (`paid` or `failed`:
//! `portone-io/developers.portone.io:src/routes/(root)/opi/ko/integration/webhook/readme-v1.mdx`).

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;

use super::billing::{charge_key_on, issued_customer_on};
use super::{
    enqueue_webhook, fail_on, insert_payment, merchant_uid, one_row, text_enum, ApiVersion,
    CustomerUidUsage, NewPayment, Notice, PaymentStatus, Store, StoreError,
};
use crate::webhooks::WebhookFormat;

/// Where a scheduled charge stands (V1's `schedule_status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ScheduleStatus {
    /// Waiting for its time.
    Scheduled,
    /// Fired: its payment was made (paid or failed).
    Executed,
    /// Revoked before its time.
    Revoked,
}

text_enum!(ScheduleStatus as column "schedule status" {
    Scheduled => "scheduled",
    Executed => "executed",
    Revoked => "revoked",
});

/// A charge to schedule (V1's `ScheduleAnnotation`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewSchedule {
    /// The order the charge pays.
    pub merchant_uid: String,
    /// When (Unix seconds).
    pub schedule_at: i64,
    /// How much.
    pub amount: i64,
    /// `KRW`.
    pub currency: String,
    /// The order's name.
    pub name: String,
    /// Buyer's name.
    pub buyer_name: Option<String>,
    /// Buyer's e-mail.
    pub buyer_email: Option<String>,
    /// Buyer's phone.
    pub buyer_tel: Option<String>,
    /// Buyer's address.
    pub buyer_addr: Option<String>,
    /// Buyer's postcode.
    pub buyer_postcode: Option<String>,
    /// The merchant's data.
    pub custom_data: Option<String>,
    /// Where the charge's webhook goes.
    pub notice_url: Option<String>,
}

/// A scheduled charge as the store keeps it, with its payment's status once fired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    /// Its row.
    pub id: i64,
    /// The customer whose key it charges.
    pub customer_uid: String,
    /// The charge as it was scheduled.
    pub charge: NewSchedule,
    /// Where it stands.
    pub status: ScheduleStatus,
    /// Its payment, once fired.
    pub imp_uid: Option<String>,
    /// Its payment's status now (a paid charge cancelled later reads `cancelled`).
    pub payment_status: Option<PaymentStatus>,
    /// Why its charge failed.
    pub fail_reason: Option<String>,
    /// When it fired, 0 before.
    pub executed_at: i64,
    /// When it was revoked, 0 if not.
    pub revoked_at: i64,
    /// The PG of its payment, or of the customer's key.
    pub pg_provider: Option<String>,
}

const SELECT: &str = "SELECT s.id, s.merchant_uid, s.customer_uid, s.schedule_at, s.amount, s.currency, s.name,
        s.buyer_name, s.buyer_email, s.buyer_tel, s.buyer_addr, s.buyer_postcode, s.custom_data, s.notice_url,
        s.status, s.imp_uid, p.status, COALESCE(s.fail_reason, p.fail_reason), s.executed_at, s.revoked_at,
        COALESCE(p.pg_provider, k.pg_provider)
    FROM schedules s
    LEFT JOIN payments p ON p.imp_uid = s.imp_uid
    LEFT JOIN billing_keys k ON k.version = 'V1' AND k.status = 'issued' AND k.customer_uid = s.customer_uid";

fn schedule_row(row: &Row<'_>) -> rusqlite::Result<Schedule> {
    Ok(Schedule {
        id: row.get(0)?,
        customer_uid: row.get(2)?,
        charge: NewSchedule {
            merchant_uid: row.get(1)?,
            schedule_at: row.get(3)?,
            amount: row.get(4)?,
            currency: row.get(5)?,
            name: row.get(6)?,
            buyer_name: row.get(7)?,
            buyer_email: row.get(8)?,
            buyer_tel: row.get(9)?,
            buyer_addr: row.get(10)?,
            buyer_postcode: row.get(11)?,
            custom_data: row.get(12)?,
            notice_url: row.get(13)?,
        },
        status: row.get(14)?,
        imp_uid: row.get(15)?,
        payment_status: row.get(16)?,
        fail_reason: row.get(17)?,
        executed_at: row.get(18)?,
        revoked_at: row.get(19)?,
        pg_provider: row.get(20)?,
    })
}

fn schedule_on(conn: &Connection, id: i64) -> Result<Schedule, StoreError> {
    one_row(
        conn,
        &format!("{SELECT} WHERE s.id = ?1"),
        params![id],
        schedule_row,
    )
}

fn schedules_where(
    conn: &Connection,
    condition: &str,
    values: impl rusqlite::Params,
) -> Result<Vec<Schedule>, StoreError> {
    let mut statement = conn.prepare(&format!("{SELECT} WHERE {condition}"))?;
    let rows = statement
        .query_map(values, schedule_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// The PG of the newest key `customer_uid` had, deleted or not (NICE if none).
fn last_pg_of(conn: &Connection, customer_uid: &str) -> Result<String, StoreError> {
    Ok(conn
        .query_row(
            "SELECT pg_provider FROM billing_keys WHERE version = 'V1' AND customer_uid = ?1
             ORDER BY updated_at DESC, rowid DESC LIMIT 1",
            params![customer_uid],
            |row| row.get(0),
        )
        .optional()?
        .unwrap_or_else(|| "nice".to_owned()))
}

/// Fires the scheduled charge `id` if it is still scheduled: its payment, the
/// schedule executed, the webhook (in `format`). `None` when another sender fired or
/// revoked it.
fn fire_on(
    conn: &Connection,
    id: i64,
    now: i64,
    format: WebhookFormat,
) -> Result<Option<Schedule>, StoreError> {
    let schedule = schedule_on(conn, id)?;
    if schedule.status != ScheduleStatus::Scheduled {
        return Ok(None);
    }
    let asked = &schedule.charge;
    let charge = NewPayment {
        merchant_uid: asked.merchant_uid.clone(),
        name: asked.name.clone(),
        amount: asked.amount,
        buyer_name: asked.buyer_name.clone(),
        buyer_email: asked.buyer_email.clone(),
        buyer_tel: asked.buyer_tel.clone(),
        custom_data: asked.custom_data.clone(),
        channel: "api".to_owned(),
        version: ApiVersion::V1,
        customer_uid: Some(schedule.customer_uid.clone()),
        customer_uid_usage: Some(CustomerUidUsage::PaymentScheduled),
        notice_url: asked.notice_url.clone(),
        ..NewPayment::default()
    };
    // The charge may be refused after its payment row was written: a savepoint
    // drops that row, so a refused charge leaves no `ready` payment behind.
    conn.execute_batch("SAVEPOINT charge")?;
    let charged = match issued_customer_on(conn, &schedule.customer_uid)? {
        Some(key) => charge_key_on(conn, &key, charge, now, format),
        // The key was deleted after the charge was scheduled: the charge fails, at
        // the PG the customer's last key was at.
        None => insert_payment(
            conn,
            &NewPayment {
                pay_method: "card".to_owned(),
                pg_provider: last_pg_of(conn, &schedule.customer_uid)?,
                ..charge
            },
            now,
        )
        .and_then(|imp_uid| {
            fail_on(
                conn,
                &imp_uid,
                "등록되지 않은 구매자입니다. (빌링키가 삭제됨) / the customer's billing key was deleted",
                now,
            )
        }),
    };
    conn.execute_batch(if charged.is_ok() {
        "RELEASE charge"
    } else {
        "ROLLBACK TO charge; RELEASE charge"
    })?;
    let (imp_uid, fail_reason) = match charged {
        Ok(payment) => {
            // A paid charge's webhook went out with its approval (`charge_on`); V1
            // also sends one when a scheduled charge fails.
            if payment.status == PaymentStatus::Failed {
                if let Some(url) = &asked.notice_url {
                    enqueue_webhook(conn, &payment.imp_uid, Notice { url, format }, 0, now)?;
                }
            }
            (Some(payment.imp_uid), None)
        }
        // No payment could be made (its order was paid meanwhile, …): the schedule
        // says why.
        Err(StoreError::Database(err)) => return Err(StoreError::Database(err)),
        Err(refused) => (None, Some(refused.to_string())),
    };
    conn.execute(
        "UPDATE schedules SET status = 'executed', executed_at = ?2, imp_uid = ?3, fail_reason = ?4
         WHERE id = ?1 AND status = 'scheduled'",
        params![id, now, imp_uid, fail_reason],
    )?;
    Ok(Some(schedule_on(conn, id)?))
}

impl Store {
    /// `POST /subscribe/payments/schedule`: `schedules` of the key of
    /// `customer_uid`, all or none.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] when the customer has no key;
    /// [`StoreError::Conflict`] for an order already scheduled;
    /// [`StoreError::AlreadyPaid`] for an order already paid; [`StoreError::Invalid`].
    pub fn schedule(
        &mut self,
        customer_uid: &str,
        schedules: &[NewSchedule],
        now: i64,
    ) -> Result<Vec<Schedule>, StoreError> {
        self.in_transaction(|tx| {
            let customer_uid = customer_uid.trim();
            issued_customer_on(tx, customer_uid)?.ok_or(StoreError::NotFound)?;
            let mut created = Vec::new();
            for new in schedules {
                let merchant_uid = merchant_uid(&new.merchant_uid)?;
                if new.amount <= 0 {
                    return Err(StoreError::Invalid(
                        "amount 는 0보다 커야 합니다 / amount must be positive".to_owned(),
                    ));
                }
                let (scheduled, paid): (bool, bool) = tx.query_row(
                    "SELECT EXISTS (SELECT 1 FROM schedules WHERE merchant_uid = ?1 AND status != 'revoked'),
                            EXISTS (SELECT 1 FROM payments WHERE merchant_uid = ?1 AND status IN ('paid', 'cancelled'))",
                    params![merchant_uid],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )?;
                if scheduled {
                    return Err(StoreError::Conflict(format!(
                        "이미 예약된 merchant_uid 입니다 / `{merchant_uid}` is already scheduled"
                    )));
                }
                if paid {
                    return Err(StoreError::AlreadyPaid(format!(
                        "이미 결제된 merchant_uid 입니다 / `{merchant_uid}` was already paid"
                    )));
                }
                tx.execute(
                    "INSERT INTO schedules (merchant_uid, customer_uid, schedule_at, amount, currency, name,
                         buyer_name, buyer_email, buyer_tel, buyer_addr, buyer_postcode, custom_data, notice_url,
                         created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
                    params![
                        merchant_uid,
                        customer_uid,
                        new.schedule_at,
                        new.amount,
                        new.currency,
                        new.name,
                        new.buyer_name,
                        new.buyer_email,
                        new.buyer_tel,
                        new.buyer_addr,
                        new.buyer_postcode,
                        new.custom_data,
                        new.notice_url,
                        now
                    ],
                )?;
                created.push(schedule_on(tx, tx.last_insert_rowid())?);
            }
            Ok(created)
        })
    }

    /// The newest scheduled charge of `merchant_uid`.
    ///
    /// # Errors
    /// [`StoreError::NotFound`], or SQLite.
    pub fn schedule_of(&self, merchant_uid: &str) -> Result<Schedule, StoreError> {
        one_row(
            &self.conn,
            &format!("{SELECT} WHERE s.merchant_uid = ?1 ORDER BY s.id DESC LIMIT 1"),
            params![merchant_uid.trim()],
            schedule_row,
        )
    }

    /// The charges scheduled from `from` to `to` (Unix seconds, both included),
    /// optionally only those with `status`, by time.
    ///
    /// # Errors
    /// SQLite.
    pub fn schedules_between(
        &self,
        from: i64,
        to: i64,
        status: Option<ScheduleStatus>,
    ) -> Result<Vec<Schedule>, StoreError> {
        schedules_where(
            &self.conn,
            "s.schedule_at BETWEEN ?1 AND ?2 AND (?3 IS NULL OR s.status = ?3) ORDER BY s.schedule_at, s.id",
            params![from, to, status],
        )
    }

    /// `POST /subscribe/payments/unschedule`: revokes the charges still scheduled of
    /// `customer_uid` (all of them without `merchant_uids`), or of `merchant_uids`;
    /// the revoked ones.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] when neither is given; [`StoreError::Conflict`] when
    /// nothing was revoked (iamport: "취소할 예약결제 기록이 존재하지 않습니다.",
    /// `iamport/iamport-rest-client-python:tests/test_pay_unschedule.py`).
    pub fn unschedule(
        &mut self,
        customer_uid: Option<&str>,
        merchant_uids: &[String],
        now: i64,
    ) -> Result<Vec<Schedule>, StoreError> {
        let customer_uid = customer_uid.map(str::trim).filter(|uid| !uid.is_empty());
        if customer_uid.is_none() && merchant_uids.is_empty() {
            return Err(StoreError::Invalid(
                "customer_uid 또는 merchant_uid 가 필요합니다 / customer_uid or merchant_uid is required"
                    .to_owned(),
            ));
        }
        self.in_transaction(|tx| {
            let candidates = schedules_where(
                tx,
                "s.status = 'scheduled' AND (?1 IS NULL OR s.customer_uid = ?1) ORDER BY s.id",
                params![customer_uid],
            )?;
            let mut revoked = Vec::new();
            for schedule in candidates {
                let named = merchant_uids.is_empty()
                    || merchant_uids
                        .iter()
                        .any(|uid| uid.trim() == schedule.charge.merchant_uid);
                if !named {
                    continue;
                }
                tx.execute(
                    "UPDATE schedules SET status = 'revoked', revoked_at = ?2 WHERE id = ?1",
                    params![schedule.id, now],
                )?;
                revoked.push(schedule_on(tx, schedule.id)?);
            }
            if revoked.is_empty() {
                return Err(StoreError::Conflict(
                    "취소할 예약결제 기록이 존재하지 않습니다. / nothing scheduled to revoke"
                        .to_owned(),
                ));
            }
            Ok(revoked)
        })
    }

    /// Fires every charge due at `now` (at most `limit`), each in its own SQLite
    /// transaction; the fired ones.
    ///
    /// # Errors
    /// SQLite (the charges fired before the failure stay fired).
    pub fn fire_due_schedules(
        &mut self,
        now: i64,
        limit: usize,
    ) -> Result<Vec<Schedule>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let due: Vec<i64> = {
            let mut statement = self.conn.prepare(
                "SELECT id FROM schedules WHERE status = 'scheduled' AND schedule_at <= ?1
                 ORDER BY schedule_at, id LIMIT ?2",
            )?;
            let ids = statement
                .query_map(params![now, limit], |row| row.get(0))?
                .collect::<Result<Vec<i64>, _>>()?;
            ids
        };
        let format = self.webhook_format;
        let mut fired = Vec::new();
        for id in due {
            if let Some(schedule) = self.in_transaction(|tx| fire_on(tx, id, now, format))? {
                fired.push(schedule);
            }
        }
        Ok(fired)
    }

    /// When the next scheduled charge is due (Unix seconds), if any.
    ///
    /// # Errors
    /// SQLite.
    pub fn next_schedule_due(&self) -> Result<Option<i64>, StoreError> {
        Ok(self.conn.query_row(
            "SELECT MIN(schedule_at) FROM schedules WHERE status = 'scheduled'",
            [],
            |row| row.get(0),
        )?)
    }
}
