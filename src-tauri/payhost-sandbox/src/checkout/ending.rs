//! How a checkout ends once the buyer has decided, per API version and kind: where
//! the PG's result page sends the buyer (V1's `m_redirect_url?imp_uid=…`, V2's
//! `redirectUrl?paymentId=…` or `redirectUrl?billingKey=…`) or what it posts to the
//! merchant's page on a PC (V1's callback `rsp`, V2's `requestPayment` or
//! `requestIssueBillingKey` response). One function decides, so the PG pages stay one
//! implementation for every version and kind.

use serde::Serialize;

use super::pg::{redirect_target, rsp, CallbackRsp};
use crate::store::{ApiVersion, Subject, Transaction};
use crate::v2;

/// What the PC result page posts to the page that opened the PG: the key tells the
/// SDK stand-in it is its answer (`iamport.js`, `portone-v2.js`).
#[derive(Debug, Clone, Serialize)]
pub(crate) enum PcMessage {
    /// V1: the callback's `rsp`.
    #[serde(rename = "iamport_sandbox")]
    V1(CallbackRsp),
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
    match (txn.version, subject) {
        (ApiVersion::V1, Subject::Payment(payment)) => {
            let rsp = rsp(payment);
            if pc {
                Ending::Post(Box::new(PcMessage::V1(rsp)))
            } else {
                redirect(return_url.and_then(|url| redirect_target(url, &rsp)))
            }
        }
        (ApiVersion::V2, Subject::Payment(payment)) => {
            let response = v2::result::payment_response(payment);
            if pc {
                Ending::Post(Box::new(PcMessage::V2(v2::result::Response::Payment(
                    response,
                ))))
            } else {
                redirect(return_url.and_then(|url| v2::result::redirect_target(url, &response)))
            }
        }
        (ApiVersion::V2, Subject::BillingKey(key)) => {
            let response = v2::result::issue_response(key);
            if pc {
                Ending::Post(Box::new(PcMessage::V2(
                    v2::result::Response::IssueBillingKey(response),
                )))
            } else {
                redirect(
                    return_url.and_then(|url| v2::result::issue_redirect_target(url, &response)),
                )
            }
        }
        // V1 issues a billing key with a payment (`request_pay` with `customer_uid`):
        // no V1 checkout settles a key alone, so there is nowhere to return to.
        (ApiVersion::V1, Subject::BillingKey(_)) => Ending::NoReturnUrl,
    }
}
