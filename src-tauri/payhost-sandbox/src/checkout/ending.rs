//! How a checkout ends once the buyer has decided, per API version and kind: where
//! the PG's result page sends the buyer (V1's `m_redirect_url?imp_uid=…`, V2's
//! `redirectUrl?paymentId=…` or `redirectUrl?billingKey=…`; for a verification V1's
//! `m_redirect_url?imp_uid=…&success=…` and V2's
//! `redirectUrl?identityVerificationId=…`) or what it posts to the merchant's page on
//! a PC (V1's callback `rsp`, V2's `requestPayment`, `requestIssueBillingKey` or
//! `requestIdentityVerification` response). One function decides, so the PG pages
//! stay one implementation for every version and kind; each redirect target is built
//! by one function that appends to the URL's own query and keeps its fragment last.

use serde::Serialize;

use super::pg::{redirect_target, rsp, CallbackRsp};
use crate::store::{ApiVersion, Certification, CertificationStatus, Subject, Transaction};
use crate::v2;

/// V1's callback `rsp` of the checkout's kind.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub(crate) enum V1Callback {
    /// `IMP.request_pay`'s.
    Payment(CallbackRsp),
    /// `IMP.certification`'s.
    Certification(CertificationRsp),
}

/// What the PC result page posts to the page that opened the PG: the key tells the
/// SDK stand-in it is its answer (`iamport.js`, `portone-v2.js`).
#[derive(Debug, Clone, Serialize)]
pub(crate) enum PcMessage {
    /// V1: the callback's `rsp`.
    #[serde(rename = "iamport_sandbox")]
    V1(V1Callback),
    /// V2: the Promise's response.
    #[serde(rename = "portone_sandbox")]
    V2(v2::result::Response),
}

/// The end of a decided checkout.
#[derive(Debug, Clone)]
pub(crate) enum Ending {
    /// Send the buyer to this URL of the merchant.
    Redirect(String),
    /// Post this to the merchant's page (PC).
    Post(Box<PcMessage>),
    /// A redirect checkout whose return URL is missing or broken.
    NoReturnUrl,
}

/// How the checkout `txn` of `subject` ends.
pub(crate) fn of(txn: &Transaction, subject: &Subject) -> Ending {
    let pc = txn.channel == "pc";
    let redirect = |target: Option<String>| target.map_or(Ending::NoReturnUrl, Ending::Redirect);
    let return_url = txn.m_redirect_url.as_deref();
    let post = |message: PcMessage| Ending::Post(Box::new(message));
    match (txn.version, subject) {
        (ApiVersion::V1, Subject::Payment(payment)) => {
            let rsp = rsp(payment);
            if pc {
                post(PcMessage::V1(V1Callback::Payment(rsp)))
            } else {
                redirect(return_url.and_then(|url| redirect_target(url, &rsp)))
            }
        }
        (ApiVersion::V2, Subject::Payment(payment)) => {
            let response = v2::result::payment_response(payment);
            if pc {
                post(PcMessage::V2(v2::result::Response::Payment(response)))
            } else {
                redirect(return_url.and_then(|url| v2::result::redirect_target(url, &response)))
            }
        }
        (ApiVersion::V1, Subject::Certification(certification)) => {
            let rsp = certification_rsp(certification);
            if pc {
                post(PcMessage::V1(V1Callback::Certification(rsp)))
            } else {
                redirect(return_url.and_then(|url| certification_redirect_target(url, &rsp)))
            }
        }
        (ApiVersion::V2, Subject::Certification(certification)) => {
            let response = v2::result::identity_verification_response(certification);
            if pc {
                post(PcMessage::V2(v2::result::Response::IdentityVerification(
                    response,
                )))
            } else {
                redirect(return_url.and_then(|url| v2::result::redirect_target(url, &response)))
            }
        }
        (ApiVersion::V2, Subject::BillingKey(key)) => {
            let response = v2::result::issue_response(key);
            if pc {
                post(PcMessage::V2(v2::result::Response::IssueBillingKey(
                    response,
                )))
            } else {
                redirect(return_url.and_then(|url| v2::result::redirect_target(url, &response)))
            }
        }
        // V1 issues a billing key with a payment (`request_pay` with `customer_uid`):
        // no V1 checkout settles a key alone, so there is nowhere to return to.
        (ApiVersion::V1, Subject::BillingKey(_)) => Ending::NoReturnUrl,
    }
}

/// `IMP.certification`'s callback `rsp`: `success`, `imp_uid`, `merchant_uid`, and
/// on failure `error_code`, `error_msg`
/// (`portone-io/developers.portone.io:src/routes/(root)/sdk/ko/v1-sdk/javascript-sdk/cft-rt.mdx`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertificationRsp {
    /// Certified.
    pub success: bool,
    /// The verification.
    pub imp_uid: String,
    /// The merchant's id of it.
    pub merchant_uid: String,
    /// On failure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// Why it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_msg: Option<String>,
}

fn certification_rsp(certification: &Certification) -> CertificationRsp {
    let success = certification.status == CertificationStatus::Certified;
    CertificationRsp {
        success,
        imp_uid: certification.imp_uid.clone(),
        merchant_uid: certification.merchant_uid.clone(),
        error_code: (!success).then(|| "F0005".to_owned()),
        error_msg: (!success).then(|| {
            certification
                .fail_reason
                .clone()
                .unwrap_or_else(|| "본인인증이 중단되었습니다 / verification stopped".to_owned())
        }),
    }
}

/// `m_redirect_url` with `imp_uid`, `merchant_uid`, `success` and, on failure,
/// `error_msg` appended to its own query, its fragment last
/// (`portone-io/developers.portone.io:src/routes/(root)/opi/ko/extra/identity-verification/v1/phone/3.mdx`,
/// "리디렉션 전달 예제").
pub fn certification_redirect_target(
    m_redirect_url: &str,
    rsp: &CertificationRsp,
) -> Option<String> {
    let success = if rsp.success { "true" } else { "false" };
    let mut pairs = vec![
        ("imp_uid", rsp.imp_uid.as_str()),
        ("merchant_uid", rsp.merchant_uid.as_str()),
        ("success", success),
    ];
    if let Some(message) = &rsp.error_msg {
        pairs.push(("error_msg", message));
    }
    with_query(m_redirect_url, pairs)
}

/// `url` with `pairs` appended to its own query, its fragment last: every way back
/// to the merchant (V1's and V2's, payments, billing keys and verifications alike);
/// `None` when `url` is not a URL.
pub(crate) fn with_query<'a>(
    url: &str,
    pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Option<String> {
    let mut url = url::Url::parse(url).ok()?;
    url.query_pairs_mut().extend_pairs(pairs);
    Some(url.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_certification_redirect_keeps_the_merchants_query_and_fragment() {
        let rsp = CertificationRsp {
            success: false,
            imp_uid: "imp_1".to_owned(),
            merchant_uid: "cert 1".to_owned(),
            error_code: Some("F0005".to_owned()),
            error_msg: Some("취소 / cancelled".to_owned()),
        };
        assert_eq!(
            certification_redirect_target("https://shop.example/cert?from=app#top", &rsp).unwrap(),
            "https://shop.example/cert?from=app&imp_uid=imp_1&merchant_uid=cert+1&success=false\
             &error_msg=%EC%B7%A8%EC%86%8C+%2F+cancelled#top"
        );
        let ok = CertificationRsp {
            success: true,
            error_code: None,
            error_msg: None,
            ..rsp
        };
        assert_eq!(
            certification_redirect_target("https://shop.example/cert", &ok).unwrap(),
            "https://shop.example/cert?imp_uid=imp_1&merchant_uid=cert+1&success=true"
        );
    }
}
