//! What a checkout transaction settles, seen the same way whatever it is: a payment
//! (V1 `request_pay`, also one that registers a card; V2 `requestPayment`) or a
//! billing key's issue (V2 `requestIssueBillingKey`). The PG pages, hand-offs,
//! simulated apps and their API are one implementation for every kind: they read a
//! [`Subject`]'s name, amount, method and where it stands, and only the checkout's
//! ending looks inside.

use super::{BillingKey, BillingKeyStatus, Payment, PaymentStatus, Store, StoreError};
use super::{Transaction, TransactionKind};

/// What a checkout transaction settles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// A payment.
    Payment(Payment),
    /// A billing key's issue.
    BillingKey(BillingKey),
}

impl Subject {
    /// Its id: the payment's `imp_uid` (V2 `transactionId`), or the billing key.
    pub fn id(&self) -> &str {
        match self {
            Self::Payment(payment) => &payment.imp_uid,
            Self::BillingKey(key) => &key.billing_key,
        }
    }

    /// The merchant's name for it: the order (`merchant_uid`, V2 `paymentId`), or the
    /// key's `issueId` (the key itself when the merchant gave none).
    pub fn reference(&self) -> &str {
        match self {
            Self::Payment(payment) => &payment.merchant_uid,
            Self::BillingKey(key) => key.issue_id.as_deref().unwrap_or(&key.billing_key),
        }
    }

    /// What the buyer sees it called.
    pub fn name(&self) -> &str {
        match self {
            Self::Payment(payment) => &payment.name,
            Self::BillingKey(key) => key
                .issue_name
                .as_deref()
                .unwrap_or("카드 등록 (빌링키 발급) / Card registration"),
        }
    }

    /// The amount charged now (0 for a card registration).
    pub fn amount(&self) -> i64 {
        match self {
            Self::Payment(payment) => payment.amount,
            Self::BillingKey(_) => 0,
        }
    }

    /// V1's `pay_method`, which decides the apps the PG page offers (a billing key is
    /// a card's).
    pub fn pay_method(&self) -> &str {
        match self {
            Self::Payment(payment) => &payment.pay_method,
            Self::BillingKey(_) => "card",
        }
    }

    /// The PG (V1's `pg_provider`).
    pub fn pg_provider(&self) -> &str {
        match self {
            Self::Payment(payment) => &payment.pg_provider,
            Self::BillingKey(key) => &key.pg_provider,
        }
    }

    /// Where it stands, as the apps' API and the hand-off page read it: a key being
    /// issued is `ready`, issued (or deleted since) `paid`, refused `failed`.
    pub fn status(&self) -> PaymentStatus {
        match self {
            Self::Payment(payment) => payment.status,
            Self::BillingKey(key) => match key.status {
                BillingKeyStatus::Ready => PaymentStatus::Ready,
                BillingKeyStatus::Issued | BillingKeyStatus::Deleted => PaymentStatus::Paid,
                BillingKeyStatus::Failed => PaymentStatus::Failed,
            },
        }
    }

    /// True once the buyer's decision is in: no longer `ready`, or a virtual account
    /// issued.
    pub fn settled(&self) -> bool {
        match self {
            Self::Payment(payment) => {
                payment.status != PaymentStatus::Ready || payment.vbank_num.is_some()
            }
            Self::BillingKey(key) => key.status != BillingKeyStatus::Ready,
        }
    }
}

impl Store {
    /// What the transaction `txn` settles, as it stands now.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] (also for an identity verification, which this store
    /// does not keep).
    pub fn subject(&self, txn: &Transaction) -> Result<Subject, StoreError> {
        match txn.kind {
            TransactionKind::Payment => Ok(Subject::Payment(self.get(&txn.subject)?)),
            TransactionKind::BillingKey => Ok(Subject::BillingKey(self.billing_key(&txn.subject)?)),
            TransactionKind::Certification => Err(StoreError::NotFound),
        }
    }
}
