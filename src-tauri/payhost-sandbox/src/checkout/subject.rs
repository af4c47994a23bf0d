//! What a checkout transaction settles, loaded: a payment (`request_pay`,
//! `requestPayment`) or an identity verification (`IMP.certification`,
//! `requestIdentityVerification`), and what the shared PG pages, the apps' API and
//! the simulated apps need of either (is it still open, is it decided, its status,
//! its summary). The pages stay one implementation: they ask the subject, and only
//! what a page offers and how settling changes the store differ per kind.

use serde::{Deserialize, Serialize};

use crate::pages::{escape, won};
use crate::store::{
    Certification, CertificationStatus, Payment, PaymentStatus, Store, StoreError, Transaction,
    TransactionKind,
};

/// Where a transaction's subject stands, as the hand-off page polls it and the apps
/// report it: a payment's status, or `certified` (a verification's `ready` and
/// `failed` are the payment words).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TxnStatus {
    /// Nothing decided yet.
    Ready,
    /// A payment approved.
    Paid,
    /// A payment paid, then cancelled.
    Cancelled,
    /// Declined, cancelled by the buyer, or a verification refused.
    Failed,
    /// A verification approved.
    Certified,
}

impl TxnStatus {
    /// Its name, as serialized.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ready => "ready",
            Self::Paid => "paid",
            Self::Cancelled => "cancelled",
            Self::Failed => "failed",
            Self::Certified => "certified",
        }
    }
}

impl std::fmt::Display for TxnStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

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

/// A transaction's subject.
#[derive(Debug, Clone)]
pub(crate) enum Subject {
    /// A payment.
    Payment(Box<Payment>),
    /// An identity verification.
    Certification(Box<Certification>),
}

impl Subject {
    /// The subject of `txn` in `store`.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] (also for a kind the checkout does not settle yet).
    pub(crate) fn of(store: &Store, txn: &Transaction) -> Result<Self, StoreError> {
        match txn.kind {
            TransactionKind::Payment => Ok(Self::Payment(Box::new(store.get(&txn.subject)?))),
            TransactionKind::Certification => Ok(Self::Certification(Box::new(
                store.certification(&txn.subject)?,
            ))),
            TransactionKind::BillingKey => Err(StoreError::NotFound),
        }
    }

    /// Its id: the payment's `imp_uid`, the verification's `imp_uid` (V2 `txId`,
    /// `identityVerificationTxId`).
    pub(crate) fn imp_uid(&self) -> &str {
        match self {
            Self::Payment(payment) => &payment.imp_uid,
            Self::Certification(certification) => &certification.imp_uid,
        }
    }

    /// The merchant's id of it: `merchant_uid` (V2 `paymentId`,
    /// `identityVerificationId`).
    pub(crate) fn merchant_uid(&self) -> &str {
        match self {
            Self::Payment(payment) => &payment.merchant_uid,
            Self::Certification(certification) => &certification.merchant_uid,
        }
    }

    /// Where it stands.
    pub(crate) fn status(&self) -> TxnStatus {
        match self {
            Self::Payment(payment) => payment.status.into(),
            Self::Certification(certification) => certification.status.into(),
        }
    }

    /// True while the buyer may still decide: a `ready` payment or verification.
    pub(crate) fn is_open(&self) -> bool {
        self.status() == TxnStatus::Ready
    }

    /// True once the buyer's decision is in: no longer `ready`, or a virtual
    /// account issued.
    pub(crate) fn settled(&self) -> bool {
        match self {
            Self::Payment(payment) => {
                payment.status != PaymentStatus::Ready || payment.vbank_num.is_some()
            }
            Self::Certification(certification) => {
                certification.status != CertificationStatus::Ready
            }
        }
    }

    /// What the buyer is asked for (a payment's order name), for the apps.
    pub(crate) fn name(&self) -> &str {
        match self {
            Self::Payment(payment) => &payment.name,
            Self::Certification(_) => VERIFICATION,
        }
    }

    /// The amount, 0 for a verification.
    pub(crate) fn amount(&self) -> i64 {
        match self {
            Self::Payment(payment) => payment.amount,
            Self::Certification(_) => 0,
        }
    }

    /// The page title of its result, Korean first.
    pub(crate) fn result_title(&self) -> &'static str {
        match self {
            Self::Payment(_) => "결제 결과 / Payment result",
            Self::Certification(_) => "본인인증 결과 / Verification result",
        }
    }

    /// What a page says while the app has not decided, Korean first.
    pub(crate) fn waiting(&self) -> &'static str {
        match self {
            Self::Payment(_) => {
                "결제 앱에서 승인을 마치지 않았습니다 / the payment app has not approved it."
            }
            Self::Certification(_) => {
                "PASS 앱에서 인증을 마치지 않았습니다 / the PASS app has not approved it."
            }
        }
    }

    /// What a page is about, as HTML: item, amount, order id; or the verification
    /// and its request id. `#order-name` names it either way.
    pub(crate) fn summary(&self) -> String {
        match self {
            Self::Payment(payment) => payment_summary(payment),
            Self::Certification(certification) => certification_summary(certification),
        }
    }
}

/// What a verification's page is about: the request and its id.
pub(crate) fn certification_summary(certification: &Certification) -> String {
    format!(
        "<dl><dt>요청 / Request</dt><dd id=\"order-name\">{}</dd><dt>인증 기관 / Provider</dt><dd>{}</dd>\
         <dt>요청번호 / Request id</dt><dd id=\"request-id\">{}</dd></dl>",
        escape(VERIFICATION),
        escape(&certification.pg_provider),
        escape(&certification.merchant_uid)
    )
}

/// What a verification asks for, as pages and apps name it.
const VERIFICATION: &str = "본인인증 / Identity verification";

/// The order a payment's page is about: item, amount, order id.
pub(crate) fn payment_summary(payment: &Payment) -> String {
    format!(
        "<dl><dt>상품 / Item</dt><dd id=\"order-name\">{}</dd><dt>금액 / Amount</dt><dd id=\"order-amount\">{}</dd>\
         <dt>주문번호 / Order</dt><dd>{}</dd></dl>",
        escape(&payment.name),
        won(payment.amount),
        escape(&payment.merchant_uid)
    )
}
