//! How a V2 checkout ends in the merchant's page: the object `requestPayment`'s (or
//! `requestIssueBillingKey`'s) Promise resolves with (PC), or the same fields in the
//! query of `redirectUrl` (mobile, or `forceRedirect`).
//!
//! `PaymentResponse` is `{ transactionType: "PAYMENT", txId, paymentId, code?,
//! message? }`, `code` present meaning failure (`@portone/browser-sdk@0.1.11:
//! dist/v2/response/PaymentResponse.d.ts`; the redirect carries the same fields:
//! `portone-io/developers.portone.io:src/routes/(root)/opi/ko/integration/start/v2/checkout.mdx`).
//! `IssueBillingKeyResponse` is `{ transactionType: "ISSUE_BILLING_KEY", billingKey,
//! code?, message? }` (`@portone/browser-sdk@0.1.11:dist/v2/response/IssueBillingKeyResponse.d.ts`).
//! Success is never decided from it: the merchant asks the API.
//!
//! `requestIdentityVerification` ends the same way with
//! `IdentityVerificationResponse`: `{ transactionType: "IDENTITY_VERIFICATION",
//! identityVerificationId, identityVerificationTxId, code?, message? }`
//! (`portone-io/developers.portone.io:src/schema/browser-sdk.yml`; the redirect's
//! query: `…/opi/ko/extra/identity-verification/readme-v2.mdx`, "3-1. redirect 방식의
//! 경우").

use serde::Serialize;

use crate::store::{
    BillingKey, BillingKeyStatus, Certification, CertificationStatus, Payment, PaymentStatus,
};

/// The `code` of a payment the PG did not complete (declined, or cancelled by the
/// buyer), as the checkout service reports a PG failure.
pub const FAILURE_CODE: &str = "FAILURE_TYPE_PG";

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
    /// Present on failure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<&'static str>,
    /// What failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// `IssueBillingKeyResponse`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IssueBillingKeyResponse {
    /// `ISSUE_BILLING_KEY`.
    pub transaction_type: &'static str,
    /// The key (also given when its issue failed, as the id of the attempt).
    pub billing_key: String,
    /// Present on failure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<&'static str>,
    /// What failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
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

/// The response for a billing key's issue whose buyer has decided.
pub fn issue_response(key: &BillingKey) -> IssueBillingKeyResponse {
    let issued = matches!(
        key.status,
        BillingKeyStatus::Issued | BillingKeyStatus::Deleted
    );
    IssueBillingKeyResponse {
        transaction_type: "ISSUE_BILLING_KEY",
        billing_key: key.billing_key.clone(),
        code: (!issued).then_some(FAILURE_CODE),
        message: (!issued).then(|| {
            key.fail_reason
                .clone()
                .unwrap_or_else(|| "빌링키 발급이 중단되었습니다 / issue stopped".to_owned())
        }),
    }
}

/// `redirect_url` with an issue's response appended to its own query (its fragment
/// stays last): `billingKey`, `transactionType=ISSUE_BILLING_KEY`, and `code` and
/// `message` on failure.
pub fn issue_redirect_target(
    redirect_url: &str,
    response: &IssueBillingKeyResponse,
) -> Option<String> {
    let mut url = url::Url::parse(redirect_url).ok()?;
    {
        let mut query = url.query_pairs_mut();
        query.append_pair("billingKey", &response.billing_key);
        query.append_pair("transactionType", response.transaction_type);
        if let Some(code) = response.code {
            query.append_pair("code", code);
        }
        if let Some(message) = &response.message {
            query.append_pair("message", message);
        }
    }
    Some(url.to_string())
}

/// The response for a payment whose buyer has decided.
pub fn payment_response(payment: &Payment) -> PaymentResponse {
    let success = payment.status == PaymentStatus::Paid || payment.vbank_num.is_some();
    PaymentResponse {
        transaction_type: "PAYMENT",
        tx_id: payment.imp_uid.clone(),
        payment_id: payment.merchant_uid.clone(),
        code: (!success).then_some(FAILURE_CODE),
        message: (!success).then(|| {
            payment
                .fail_reason
                .clone()
                .unwrap_or_else(|| "결제가 중단되었습니다 / payment stopped".to_owned())
        }),
    }
}

/// `redirect_url` with the response's fields appended to its own query (its fragment
/// stays last).
pub fn redirect_target(redirect_url: &str, response: &PaymentResponse) -> Option<String> {
    let mut url = url::Url::parse(redirect_url).ok()?;
    {
        let mut query = url.query_pairs_mut();
        query.append_pair("paymentId", &response.payment_id);
        query.append_pair("transactionType", response.transaction_type);
        query.append_pair("txId", &response.tx_id);
        if let Some(code) = response.code {
            query.append_pair("code", code);
        }
        if let Some(message) = &response.message {
            query.append_pair("message", message);
        }
    }
    Some(url.to_string())
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
    /// Present on failure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<&'static str>,
    /// What failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// The response for a verification whose buyer has decided.
pub fn identity_verification_response(
    certification: &Certification,
) -> IdentityVerificationResponse {
    let success = certification.status == CertificationStatus::Certified;
    IdentityVerificationResponse {
        transaction_type: "IDENTITY_VERIFICATION",
        identity_verification_id: certification.merchant_uid.clone(),
        identity_verification_tx_id: certification.imp_uid.clone(),
        code: (!success).then_some(FAILURE_CODE),
        message: (!success).then(|| {
            certification
                .fail_reason
                .clone()
                .unwrap_or_else(|| "본인인증이 중단되었습니다 / verification stopped".to_owned())
        }),
    }
}

/// `redirect_url` with the verification response's fields appended to its own query
/// (its fragment stays last).
pub fn identity_redirect_target(
    redirect_url: &str,
    response: &IdentityVerificationResponse,
) -> Option<String> {
    let mut url = url::Url::parse(redirect_url).ok()?;
    {
        let mut query = url.query_pairs_mut();
        query.append_pair("identityVerificationId", &response.identity_verification_id);
        query.append_pair(
            "identityVerificationTxId",
            &response.identity_verification_tx_id,
        );
        query.append_pair("transactionType", response.transaction_type);
        if let Some(code) = response.code {
            query.append_pair("code", code);
        }
        if let Some(message) = &response.message {
            query.append_pair("message", message);
        }
    }
    Some(url.to_string())
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
            code: Some(FAILURE_CODE),
            message: Some("취소 / cancelled".to_owned()),
        };
        assert_eq!(
            identity_redirect_target("https://shop.example/iv?from=app#top", &response).unwrap(),
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
            code: Some(FAILURE_CODE),
            message: Some("한도 초과 / declined".to_owned()),
        };
        let target = redirect_target("https://shop.example/done?from=app#top", &response).unwrap();
        assert_eq!(
            target,
            "https://shop.example/done?from=app&paymentId=order+1&transactionType=PAYMENT&txId=imp_1\
             &code=FAILURE_TYPE_PG&message=%ED%95%9C%EB%8F%84+%EC%B4%88%EA%B3%BC+%2F+declined#top"
        );
    }
}
