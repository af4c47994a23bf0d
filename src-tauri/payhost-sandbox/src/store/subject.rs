//! What a checkout transaction settles, seen the same way whatever it is: a payment
//! (V1 `request_pay`, also one that registers a card; V2 `requestPayment`), a billing
//! key's issue (V2 `requestIssueBillingKey`) or an identity verification (V1
//! `IMP.certification`, V2 `requestIdentityVerification`). The PG pages, hand-offs,
//! simulated apps and their API are one implementation for every kind: they read a
//! [`Subject`]'s name, amount, method and where it stands ([`TxnStatus`]), and only
//! what a page offers, how settling changes the store and the checkout's ending look
//! inside. (How the checkout's pages word a subject is `checkout::subject`.)

use serde::{Deserialize, Serialize};

use super::{text_enum, BillingKey, BillingKeyStatus, Certification, CertificationStatus};
use super::{Payment, PaymentStatus, Store, StoreError, Transaction, TransactionKind};

/// Where a transaction's subject stands, as the hand-off page polls it and the apps
/// report it: a payment's status (a billing key's issue reads as one: issued is
/// `paid`), or `certified` (a verification's `ready` and `failed` are the payment
/// words).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TxnStatus {
    /// Nothing decided yet.
    Ready,
    /// A payment approved, or a billing key issued.
    Paid,
    /// A payment paid, then cancelled.
    Cancelled,
    /// Declined, cancelled by the buyer, or a verification refused.
    Failed,
    /// A verification approved.
    Certified,
}

text_enum!(TxnStatus {
    Ready => "ready",
    Paid => "paid",
    Cancelled => "cancelled",
    Failed => "failed",
    Certified => "certified",
});

impl From<PaymentStatus> for TxnStatus {
    fn from(status: PaymentStatus) -> Self {
        match status {
            PaymentStatus::Ready => Self::Ready,
            PaymentStatus::Paid => Self::Paid,
            PaymentStatus::Cancelled => Self::Cancelled,
            PaymentStatus::Failed => Self::Failed,
        }
    }
}

impl From<CertificationStatus> for TxnStatus {
    fn from(status: CertificationStatus) -> Self {
        match status {
            CertificationStatus::Ready => Self::Ready,
            CertificationStatus::Certified => Self::Certified,
            CertificationStatus::Failed => Self::Failed,
        }
    }
}

impl From<BillingKeyStatus> for TxnStatus {
    /// A key being issued is `ready`, issued (or deleted since) `paid`, refused
    /// `failed`.
    fn from(status: BillingKeyStatus) -> Self {
        match status {
            BillingKeyStatus::Ready => Self::Ready,
            BillingKeyStatus::Issued | BillingKeyStatus::Deleted => Self::Paid,
            BillingKeyStatus::Failed => Self::Failed,
        }
    }
}

/// What a verification asks for, as pages and apps name it.
pub const VERIFICATION: &str = "본인인증 / Identity verification";

/// What a checkout transaction settles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// A payment.
    Payment(Payment),
    /// A billing key's issue.
    BillingKey(BillingKey),
    /// An identity verification.
    Certification(Certification),
}

impl Subject {
    /// Its id: the payment's `imp_uid` (V2 `transactionId`), the billing key, or the
    /// verification's `imp_uid` (V2 `identityVerificationTxId`).
    pub fn id(&self) -> &str {
        match self {
            Self::Payment(payment) => &payment.imp_uid,
            Self::BillingKey(key) => &key.billing_key,
            Self::Certification(certification) => &certification.imp_uid,
        }
    }

    /// The merchant's name for it: the order (`merchant_uid`, V2 `paymentId`), the
    /// key's `issueId` (the key itself when the merchant gave none), or the
    /// verification's `merchant_uid` (V2 `identityVerificationId`).
    pub fn reference(&self) -> &str {
        match self {
            Self::Payment(payment) => &payment.merchant_uid,
            Self::BillingKey(key) => key.issue_id.as_deref().unwrap_or(&key.billing_key),
            Self::Certification(certification) => &certification.merchant_uid,
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
            Self::Certification(_) => VERIFICATION,
        }
    }

    /// The amount charged now (0 for a card registration or a verification).
    pub fn amount(&self) -> i64 {
        match self {
            Self::Payment(payment) => payment.amount,
            Self::BillingKey(_) | Self::Certification(_) => 0,
        }
    }

    /// V1's `pay_method`, which decides the apps the PG page offers (a billing key is
    /// a card's; a verification's page offers the PASS apps, `certification`).
    pub fn pay_method(&self) -> &str {
        match self {
            Self::Payment(payment) => &payment.pay_method,
            Self::BillingKey(_) => "card",
            Self::Certification(_) => "certification",
        }
    }

    /// The PG (V1's `pg_provider`).
    pub fn pg_provider(&self) -> &str {
        match self {
            Self::Payment(payment) => &payment.pg_provider,
            Self::BillingKey(key) => &key.pg_provider,
            Self::Certification(certification) => &certification.pg_provider,
        }
    }

    /// Where it stands, as the apps' API and the hand-off page read it.
    pub fn status(&self) -> TxnStatus {
        match self {
            Self::Payment(payment) => payment.status.into(),
            Self::BillingKey(key) => key.status.into(),
            Self::Certification(certification) => certification.status.into(),
        }
    }

    /// True while the buyer may still decide: nothing decided yet.
    pub fn is_open(&self) -> bool {
        self.status() == TxnStatus::Ready
    }

    /// True once the buyer's decision is in: no longer `ready`, or a virtual account
    /// issued.
    pub fn settled(&self) -> bool {
        match self {
            Self::Payment(payment) => {
                payment.status != PaymentStatus::Ready || payment.vbank_num.is_some()
            }
            Self::BillingKey(_) | Self::Certification(_) => !self.is_open(),
        }
    }
}

impl Store {
    /// What the transaction `txn` settles, as it stands now.
    ///
    /// # Errors
    /// [`StoreError::NotFound`].
    pub fn subject(&self, txn: &Transaction) -> Result<Subject, StoreError> {
        match txn.kind {
            TransactionKind::Payment => Ok(Subject::Payment(self.get(&txn.subject)?)),
            TransactionKind::BillingKey => Ok(Subject::BillingKey(self.billing_key(&txn.subject)?)),
            TransactionKind::Certification => {
                Ok(Subject::Certification(self.certification(&txn.subject)?))
            }
        }
    }
}
