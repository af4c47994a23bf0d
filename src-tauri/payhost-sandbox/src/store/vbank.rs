//! What happens to a virtual account after it was issued: the buyer's deposit (the
//! sandbox's bank, `bank`) pays it, or the merchant revokes it (`DELETE
//! /vbanks/{imp_uid}`) so nothing can be paid into it any more. Apart from the
//! checkout's settling because neither goes through a transaction token: both act
//! on an issued account, by its `imp_uid`.

use rusqlite::{params, Connection};

use super::{
    notify, payment_on, refuse_if_settled_elsewhere, require_changed, Payment, PaymentStatus,
    Store, StoreError,
};

/// The `pay_method` of a virtual account.
const VBANK: &str = "vbank";

/// The payment `imp_uid` if it is an issued virtual account, whatever its status.
///
/// # Errors
/// [`StoreError::NotFound`]; [`StoreError::Invalid`] when it is not a virtual account
/// or no account was issued for it yet.
fn issued_account(conn: &Connection, imp_uid: &str) -> Result<Payment, StoreError> {
    let payment = payment_on(conn, imp_uid)?;
    if payment.pay_method != VBANK {
        return Err(StoreError::Invalid(format!(
            "가상계좌 결제건이 아닙니다 (a `{}` payment is not a virtual account)",
            payment.pay_method
        )));
    }
    if payment.vbank_num.is_none() {
        return Err(StoreError::Invalid(
            "발급된 가상계좌가 없습니다 (no virtual account was issued for this payment)"
                .to_owned(),
        ));
    }
    Ok(payment)
}

impl Store {
    /// The buyer pays the full amount into the virtual account of `imp_uid`: `ready`
    /// → `paid`, and the `paid` webhook to the payment's `notice_url` in the same
    /// transaction (iamport notifies a deposit into a virtual account,
    /// `portone-io/developers.portone.io:src/routes/(root)/opi/ko/integration/webhook/readme-v1.mdx`).
    ///
    /// # Errors
    /// [`StoreError::NotFound`]; [`StoreError::Invalid`] for a payment that is no
    /// issued virtual account; [`StoreError::Conflict`] for an account already paid
    /// into, revoked, past its due date, or of an order another payment settled.
    pub fn deposit(&mut self, imp_uid: &str, now: i64) -> Result<Payment, StoreError> {
        let format = self.webhook_format;
        self.in_transaction(|tx| {
            let account = issued_account(tx, imp_uid)?;
            match account.status {
                PaymentStatus::Ready => {}
                PaymentStatus::Paid => {
                    return Err(StoreError::Conflict(
                        "이미 입금된 가상계좌입니다 (the account was already paid into)".to_owned(),
                    ))
                }
                PaymentStatus::Cancelled | PaymentStatus::Failed => {
                    return Err(StoreError::Conflict(
                        "말소된 가상계좌입니다 (the account was revoked)".to_owned(),
                    ))
                }
            }
            if now > account.vbank_date {
                return Err(StoreError::Conflict(
                    "입금기한이 지났습니다 (the account's due date has passed)".to_owned(),
                ));
            }
            refuse_if_settled_elsewhere(tx, imp_uid)?;
            let changed = tx.execute(
                "UPDATE payments SET status = 'paid', paid_at = ?2,
                     receipt_url = 'http://sandbox.invalid/receipts/' || imp_uid
                 WHERE imp_uid = ?1 AND status = 'ready'",
                params![imp_uid, now],
            )?;
            require_changed(
                tx,
                imp_uid,
                changed,
                "only a ready account can be paid into",
            )?;
            notify(tx, imp_uid, format, now)?;
            payment_on(tx, imp_uid)
        })
    }

    /// `DELETE /vbanks/{imp_uid}`: revokes the unpaid virtual account of `imp_uid`,
    /// so no deposit can pay it any more.
    ///
    /// It leaves the payment `cancelled`, with nothing refunded (`cancel_amount` 0,
    /// no `cancel_history`). V1's API reference does not state the status a revoked
    /// account ends in (`portone-io/developers.portone.io:src/schema/v1.openapi.json`
    /// only says "가상계좌 말소 완료" and returns the payment); `cancelled` because
    /// the reference calls this call "가상계좌 발급취소" (cancelling the issue), a
    /// payment has only `ready`, `paid`, `cancelled` and `failed`, the account is no
    /// longer waiting (`ready`) and nothing was declined (`failed`). The sandbox's
    /// "was paid" checks tell it from a refund by its `cancel_amount` of 0.
    ///
    /// No webhook: iamport's list of what it notifies (a payment, an account issued,
    /// a deposit, a scheduled charge, a cancellation) has no revocation
    /// (`portone-io/developers.portone.io:src/routes/(root)/opi/ko/integration/webhook/readme-v1.mdx`).
    ///
    /// # Errors
    /// [`StoreError::NotFound`]; [`StoreError::Invalid`] for a payment that is no
    /// issued virtual account or is not `ready` (iamport answers both with 400).
    pub fn revoke_vbank(&mut self, imp_uid: &str, now: i64) -> Result<Payment, StoreError> {
        self.in_transaction(|tx| {
            let account = issued_account(tx, imp_uid)?;
            if account.status != PaymentStatus::Ready {
                return Err(StoreError::Invalid(format!(
                    "입금대기 상태의 가상계좌가 아닙니다 (a `{}` account cannot be revoked)",
                    account.status
                )));
            }
            let changed = tx.execute(
                "UPDATE payments SET status = 'cancelled', cancelled_at = ?2
                 WHERE imp_uid = ?1 AND status = 'ready'",
                params![imp_uid, now],
            )?;
            require_changed(tx, imp_uid, changed, "only a ready account can be revoked")?;
            payment_on(tx, imp_uid)
        })
    }
}
