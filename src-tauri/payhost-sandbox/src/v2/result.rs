//! How a V2 checkout ends in the merchant's page: the object `requestPayment`'s,
//! `requestIssueBillingKey`'s or `requestIdentityVerification`'s Promise resolves
//! with (PC), or the same fields in the query of `redirectUrl` (mobile, or
//! `forceRedirect`: "쿼리 문자열로 전달되는 내용은 브라우저 SDK 응답 형식과
//! 동일합니다", `portone-io/developers.portone.io:src/routes/(root)/opi/ko/extra/identity-verification/readme-v2.mdx`;
//! likewise for a payment, `…/opi/ko/integration/start/v2/checkout.mdx`).
//!
//! `PaymentResponse` is `{ transactionType: "PAYMENT", txId, paymentId, code?,
//! message? }`, `IssueBillingKeyResponse` `{ transactionType: "ISSUE_BILLING_KEY",
//! billingKey, code?, message? }`, `IdentityVerificationResponse` `{ transactionType:
//! "IDENTITY_VERIFICATION", identityVerificationId, identityVerificationTxId, code?,
//! message? }`, `code` present meaning failure
//! (`@portone/browser-sdk@0.1.11:dist/v2/response/*.d.ts`). Success is never decided
//! from them: the merchant asks the API.

use serde::Serialize;

use crate::store::{
    BillingKey, BillingKeyStatus, Certification, CertificationStatus, Payment, PaymentStatus,
};

/// The `code` of a checkout the PG did not complete (declined, or cancelled by the
/// buyer): "결제대행사로부터 오류를 전달받은 경우 `code`는 `FAILURE_TYPE_PG`"
/// (`portone-io/developers.portone.io:src/routes/(root)/opi/ko/quick-guide/payment/index.mdx`).
pub const FAILURE_CODE: &str = "FAILURE_TYPE_PG";

/// `code` and `message` of a response, present together when the checkout failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Failure {
    /// [`FAILURE_CODE`].
    pub code: &'static str,
    /// What failed.
    pub message: String,
}

impl Failure {
    /// The failure of a checkout that did not succeed: the stored `reason`, else
    /// `stopped` (the buyer left it).
    fn unless(succeeded: bool, reason: Option<&str>, stopped: &str) -> Option<Self> {
        (!succeeded).then(|| Self {
            code: FAILURE_CODE,
            message: reason.unwrap_or(stopped).to_owned(),
        })
    }
}

/// `PaymentResponse`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentResponse {
    /// `PAYMENT`.
    pub transaction_type: &'static str,
    /// The attempt (`transactionId` in the API).
    pub tx_id: String,
    /// The merchant's `paymentId`.
    pub payment_id: String,
    /// `code` and `message`, on failure.
    #[serde(flatten)]
    pub failure: Option<Failure>,
}

/// `IssueBillingKeyResponse`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IssueBillingKeyResponse {
    /// `ISSUE_BILLING_KEY`.
    pub transaction_type: &'static str,
    /// The key (also given when its issue failed, as the id of the attempt).
    pub billing_key: String,
    /// `code` and `message`, on failure.
    #[serde(flatten)]
    pub failure: Option<Failure>,
}

/// `IdentityVerificationResponse`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IdentityVerificationResponse {
    /// `IDENTITY_VERIFICATION`.
    pub transaction_type: &'static str,
    /// The merchant's id of the verification.
    pub identity_verification_id: String,
    /// This attempt.
    pub identity_verification_tx_id: String,
    /// `code` and `message`, on failure.
    #[serde(flatten)]
    pub failure: Option<Failure>,
}

/// What a V2 PC checkout posts to the merchant's page: the response of the SDK
/// function that opened it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Response {
    /// `requestPayment`'s.
    Payment(PaymentResponse),
    /// `requestIssueBillingKey`'s.
    IssueBillingKey(IssueBillingKeyResponse),
    /// `requestIdentityVerification`'s.
    IdentityVerification(IdentityVerificationResponse),
}

/// The response for a payment whose buyer has decided.
pub fn payment_response(payment: &Payment) -> PaymentResponse {
    let success = payment.status == PaymentStatus::Paid || payment.vbank_num.is_some();
    PaymentResponse {
        transaction_type: "PAYMENT",
        tx_id: payment.imp_uid.clone(),
        payment_id: payment.merchant_uid.clone(),
        failure: Failure::unless(
            success,
            payment.fail_reason.as_deref(),
            "결제가 중단되었습니다 / payment stopped",
        ),
    }
}

/// The response for a billing key's issue whose buyer has decided.
pub fn issue_response(key: &BillingKey) -> IssueBillingKeyResponse {
    let issued = matches!(
        key.status,
        BillingKeyStatus::Issued | BillingKeyStatus::Deleted
    );
    IssueBillingKeyResponse {
        transaction_type: "ISSUE_BILLING_KEY",
        billing_key: key.billing_key.clone(),
        failure: Failure::unless(
            issued,
            key.fail_reason.as_deref(),
            "빌링키 발급이 중단되었습니다 / issue stopped",
        ),
    }
}

/// The response for a verification whose buyer has decided.
pub fn identity_verification_response(
    certification: &Certification,
) -> IdentityVerificationResponse {
    IdentityVerificationResponse {
        transaction_type: "IDENTITY_VERIFICATION",
        identity_verification_id: certification.merchant_uid.clone(),
        identity_verification_tx_id: certification.imp_uid.clone(),
        failure: Failure::unless(
            certification.status == CertificationStatus::Certified,
            certification.fail_reason.as_deref(),
            "본인인증이 중단되었습니다 / verification stopped",
        ),
    }
}

/// A response as the query of a redirect carries it.
pub trait RedirectQuery {
    /// Its fields but `code` and `message`, named as in the query, in their order there.
    fn ids(&self) -> Vec<(&'static str, &str)>;
    /// `code` and `message`, on failure.
    fn failure(&self) -> Option<&Failure>;
}

impl RedirectQuery for PaymentResponse {
    fn ids(&self) -> Vec<(&'static str, &str)> {
        vec![
            ("paymentId", self.payment_id.as_str()),
            ("transactionType", self.transaction_type),
            ("txId", self.tx_id.as_str()),
        ]
    }

    fn failure(&self) -> Option<&Failure> {
        self.failure.as_ref()
    }
}

impl RedirectQuery for IssueBillingKeyResponse {
    fn ids(&self) -> Vec<(&'static str, &str)> {
        vec![
            ("billingKey", self.billing_key.as_str()),
            ("transactionType", self.transaction_type),
        ]
    }

    fn failure(&self) -> Option<&Failure> {
        self.failure.as_ref()
    }
}

impl RedirectQuery for IdentityVerificationResponse {
    fn ids(&self) -> Vec<(&'static str, &str)> {
        vec![
            (
                "identityVerificationId",
                self.identity_verification_id.as_str(),
            ),
            (
                "identityVerificationTxId",
                self.identity_verification_tx_id.as_str(),
            ),
            ("transactionType", self.transaction_type),
        ]
    }

    fn failure(&self) -> Option<&Failure> {
        self.failure.as_ref()
    }
}

/// `redirect_url` with `response`'s fields appended to its own query (its fragment
/// stays last); `None` when `redirect_url` is not a URL.
pub fn redirect_target(redirect_url: &str, response: &impl RedirectQuery) -> Option<String> {
    let failure = response.failure().map(|failure| {
        [
            ("code", failure.code),
            ("message", failure.message.as_str()),
        ]
    });
    crate::checkout::with_query(
        redirect_url,
        response
            .ids()
            .into_iter()
            .chain(failure.into_iter().flatten()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_identity_redirect_keeps_the_merchants_query_and_fragment() {
        let response = IdentityVerificationResponse {
            transaction_type: "IDENTITY_VERIFICATION",
            identity_verification_id: "iv 1".to_owned(),
            identity_verification_tx_id: "imp_1".to_owned(),
            failure: Some(Failure {
                code: FAILURE_CODE,
                message: "취소 / cancelled".to_owned(),
            }),
        };
        assert_eq!(
            redirect_target("https://shop.example/iv?from=app#top", &response).unwrap(),
            "https://shop.example/iv?from=app&identityVerificationId=iv+1&identityVerificationTxId=imp_1\
             &transactionType=IDENTITY_VERIFICATION&code=FAILURE_TYPE_PG&message=%EC%B7%A8%EC%86%8C+%2F+cancelled#top"
        );
    }

    #[test]
    fn the_redirect_keeps_the_merchants_query_and_fragment() {
        let response = PaymentResponse {
            transaction_type: "PAYMENT",
            tx_id: "imp_1".to_owned(),
            payment_id: "order 1".to_owned(),
            failure: Some(Failure {
                code: FAILURE_CODE,
                message: "한도 초과 / declined".to_owned(),
            }),
        };
        let target = redirect_target("https://shop.example/done?from=app#top", &response).unwrap();
        assert_eq!(
            target,
            "https://shop.example/done?from=app&paymentId=order+1&transactionType=PAYMENT&txId=imp_1\
             &code=FAILURE_TYPE_PG&message=%ED%95%9C%EB%8F%84+%EC%B4%88%EA%B3%BC+%2F+declined#top"
        );
    }

    #[test]
    fn a_response_is_the_same_fields_posted_or_in_the_query() {
        let issued = IssueBillingKeyResponse {
            transaction_type: "ISSUE_BILLING_KEY",
            billing_key: "billing-key-1".to_owned(),
            failure: None,
        };
        assert_eq!(
            serde_json::to_value(Response::IssueBillingKey(issued.clone())).unwrap(),
            serde_json::json!({"transactionType": "ISSUE_BILLING_KEY", "billingKey": "billing-key-1"})
        );
        assert_eq!(
            redirect_target("https://shop.example/key", &issued).unwrap(),
            "https://shop.example/key?billingKey=billing-key-1&transactionType=ISSUE_BILLING_KEY"
        );
        let failed = IssueBillingKeyResponse {
            failure: Some(Failure {
                code: FAILURE_CODE,
                message: "거절 / declined".to_owned(),
            }),
            ..issued
        };
        assert_eq!(
            serde_json::to_value(&failed).unwrap(),
            serde_json::json!({
                "transactionType": "ISSUE_BILLING_KEY",
                "billingKey": "billing-key-1",
                "code": "FAILURE_TYPE_PG",
                "message": "거절 / declined"
            })
        );
        assert_eq!(redirect_target("not a url", &failed), None);
    }
}
