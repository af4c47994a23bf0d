//! How the checkout's pages word what a transaction settles (`store::Subject`: a
//! payment, a billing key's issue or an identity verification): the result page's
//! title, what a page says while the app has not decided, and the summary at the top
//! of every page. The store keeps the subject's data; its wording for the buyer is
//! the checkout's, so it lives here.

use crate::pages::{escape, won};
use crate::store::{Certification, Subject, VERIFICATION};

impl Subject {
    /// The page title of its result, Korean first.
    pub(crate) fn result_title(&self) -> &'static str {
        match self {
            Self::Payment(_) => "결제 결과 / Payment result",
            Self::BillingKey(_) => "카드 등록 결과 / Card registration result",
            Self::Certification(_) => "본인인증 결과 / Verification result",
        }
    }

    /// What a page says while the app has not decided, Korean first.
    pub(crate) fn waiting(&self) -> &'static str {
        match self {
            Self::Payment(_) | Self::BillingKey(_) => {
                "결제 앱에서 승인을 마치지 않았습니다 / the payment app has not approved it."
            }
            Self::Certification(_) => {
                "PASS 앱에서 인증을 마치지 않았습니다 / the PASS app has not approved it."
            }
        }
    }

    /// What a page is about, as HTML: item, amount, order id (a card registration's
    /// name, 0원 and its issue id); or the verification and its request id.
    /// `#order-name` names it either way.
    pub(crate) fn summary(&self) -> String {
        match self {
            Self::Payment(_) | Self::BillingKey(_) => format!(
                "<dl><dt>상품 / Item</dt><dd id=\"order-name\">{}</dd><dt>금액 / Amount</dt><dd id=\"order-amount\">{}</dd>\
                 <dt>주문번호 / Order</dt><dd>{}</dd></dl>",
                escape(self.name()),
                won(self.amount()),
                escape(self.reference())
            ),
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
