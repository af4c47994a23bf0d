//! The store's queries that only PortOne V2 asks: a payment by its `paymentId`
//! (the newest V2 payment stored under that `merchant_uid`) and a pre-registration,
//! which V2 lets the merchant repeat until the payment is made.

use rusqlite::params;

use super::{one_row, ApiVersion, Payment, Store, StoreError};
use crate::ids::normalize_merchant_uid;

impl Store {
    /// The V2 payment `payment_id`: its newest attempt.
    ///
    /// # Errors
    /// [`StoreError::NotFound`], or SQLite.
    pub fn v2_payment(&self, payment_id: &str) -> Result<Payment, StoreError> {
        let payment_id = normalize_merchant_uid(payment_id).ok_or(StoreError::NotFound)?;
        let imp_uid: String = one_row(
            &self.conn,
            "SELECT imp_uid FROM payments WHERE version = ?1 AND merchant_uid = ?2
             ORDER BY started_at DESC, rowid DESC LIMIT 1",
            params![ApiVersion::V2, payment_id],
            |row| row.get(0),
        )?;
        self.get(&imp_uid)
    }

    /// `POST /payments/{paymentId}/pre-register`: the amount (and tax-free part) a
    /// later payment of `payment_id` must have. Registering again replaces it.
    ///
    /// # Errors
    /// [`StoreError::AlreadyPaid`] when the payment is already paid;
    /// [`StoreError::Invalid`] for an amount that is not positive or a tax-free part
    /// outside it; SQLite.
    pub fn pre_register(
        &self,
        payment_id: &str,
        total_amount: i64,
        tax_free: Option<i64>,
        currency: &str,
    ) -> Result<(), StoreError> {
        let payment_id = normalize_merchant_uid(payment_id)
            .ok_or_else(|| StoreError::Invalid("paymentId is empty".to_owned()))?;
        if total_amount <= 0 {
            return Err(StoreError::Invalid(
                "totalAmount must be positive".to_owned(),
            ));
        }
        if tax_free.is_some_and(|t| !(0..=total_amount).contains(&t)) {
            return Err(StoreError::Invalid(
                "taxFreeAmount must be within totalAmount".to_owned(),
            ));
        }
        let paid: bool = self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM payments WHERE merchant_uid = ?1 AND status IN ('paid', 'cancelled'))",
            params![payment_id],
            |row| row.get(0),
        )?;
        if paid {
            return Err(StoreError::AlreadyPaid(format!(
                "이미 결제된 건입니다 / `{payment_id}` is already paid"
            )));
        }
        self.conn.execute(
            "INSERT INTO prepared (merchant_uid, amount, tax_free, currency) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (merchant_uid) DO UPDATE SET amount = ?2, tax_free = ?3, currency = ?4",
            params![payment_id, total_amount, tax_free, currency],
        )?;
        Ok(())
    }
}
