//! The merchant's client for PortOne's V2 REST API and the JSON it reads: a payment
//! by its `paymentId` (`GET /payments/{paymentId}`, the union on `status`), a
//! cancellation (`POST /payments/{paymentId}/cancel`) and an identity verification
//! (`GET /identity-verifications/{identityVerificationId}`,
//! `portone-io/developers.portone.io:src/routes/(root)/opi/ko/extra/identity-verification/readme-v2.mdx`,
//! "4. 인증 완료 처리 (서버)"), authenticated with the store's API secret
//! (`Authorization: PortOne <secret>`, <https://developers.portone.io/api/rest-v2/auth>).
//! Its base keeps a path (`http://127.0.0.1:PORT/v2`, as `portone-server-sdk` keeps
//! one); ids reach it as single path segments. A V2 answer becomes the same
//! [`ApiPayment`] the verdict reads for V1, so one set of rules decides both
//! (`verdict`): a V2 payment is named by its `paymentId` (one per order here), which
//! also stands where V1 has `imp_uid`.
//!
//! An answer that is not one of V2's payment variants fails to decode
//! ([`MerchantError::Decode`]), never a verdict.

use serde::{Deserialize, Serialize};
use url::Url;

use super::iamport::{ApiCancellation, ApiPayment};
use super::MerchantError;
use crate::store::PaymentStatus;

/// V2's payment statuses (`portone-io/developers.portone.io:src/schema/v2.openapi.json`,
/// `PaymentStatus`); any other fails to decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
enum V2Status {
    Ready,
    PayPending,
    VirtualAccountIssued,
    Paid,
    Failed,
    PartialCancelled,
    Cancelled,
}

/// `PaymentAmount`: what the verdict reads of it.
#[derive(Debug, Clone, Deserialize)]
struct V2Amount {
    total: i64,
}

/// `PaymentMethod`: only a virtual account's number matters to the verdict.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type")]
enum V2Method {
    #[serde(rename = "PaymentMethodVirtualAccount", rename_all = "camelCase")]
    VirtualAccount {
        account_number: String,
        remittee_name: Option<String>,
    },
    #[serde(other)]
    Other,
}

/// `PaymentFailure`.
#[derive(Debug, Clone, Default, Deserialize)]
struct V2Failure {
    reason: Option<String>,
}

/// `PaymentCancellation`: its reason (the forged-amount decision is read back from it).
#[derive(Debug, Clone, Deserialize)]
struct V2Cancellation {
    reason: String,
}

/// `Payment`, as much as the verdict reads.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct V2Payment {
    status: V2Status,
    id: String,
    amount: V2Amount,
    method: Option<V2Method>,
    failure: Option<V2Failure>,
    #[serde(default)]
    cancellations: Vec<V2Cancellation>,
}

impl From<V2Payment> for ApiPayment {
    /// V2's seven statuses in V1's four: a partial cancellation leaves a payment
    /// paid (as V1 reports it), an issued virtual account is `ready` with its number.
    fn from(payment: V2Payment) -> Self {
        let status = match payment.status {
            V2Status::Ready | V2Status::PayPending | V2Status::VirtualAccountIssued => {
                PaymentStatus::Ready
            }
            V2Status::Paid | V2Status::PartialCancelled => PaymentStatus::Paid,
            V2Status::Cancelled => PaymentStatus::Cancelled,
            V2Status::Failed => PaymentStatus::Failed,
        };
        let (pay_method, vbank_num, vbank_name) = match payment.method {
            Some(V2Method::VirtualAccount {
                account_number,
                remittee_name,
            }) => ("vbank".to_owned(), Some(account_number), remittee_name),
            _ => (String::new(), None, None),
        };
        Self {
            imp_uid: payment.id.clone(),
            merchant_uid: payment.id,
            status,
            amount: payment.amount.total,
            pay_method,
            vbank_num,
            vbank_name,
            fail_reason: payment.failure.and_then(|failure| failure.reason),
            cancel_history: payment
                .cancellations
                .into_iter()
                .map(|cancel| ApiCancellation {
                    reason: cancel.reason,
                })
                .collect(),
        }
    }
}

/// What the merchant reads of an identity verification: the union on `status`
/// (`READY`, `VERIFIED`, `FAILED`). Another status fails to decode
/// ([`MerchantError::Decode`]): never a verdict.
#[derive(Clone, Deserialize)]
#[serde(tag = "status", rename_all = "SCREAMING_SNAKE_CASE")]
pub(super) enum ApiIdentityVerification {
    /// Not decided.
    Ready {},
    /// Verified: who.
    Verified {
        #[serde(rename = "verifiedCustomer")]
        verified_customer: ApiVerifiedCustomer,
    },
    /// Failed: why.
    Failed {
        #[serde(default)]
        failure: ApiFailure,
    },
}

/// Never the CI.
impl std::fmt::Debug for ApiIdentityVerification {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Ready {} => "READY",
            Self::Verified { .. } => "VERIFIED",
            Self::Failed { .. } => "FAILED",
        })
    }
}

/// `verifiedCustomer`: what the merchant keeps.
#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ApiVerifiedCustomer {
    pub(super) name: String,
    /// `YYYY-MM-DD`.
    pub(super) birth_date: Option<String>,
    /// The CI.
    pub(super) ci: Option<String>,
}

/// `failure`.
#[derive(Debug, Clone, Default, Deserialize)]
pub(super) struct ApiFailure {
    pub(super) reason: Option<String>,
}

/// V2's error body (`{type, message}`).
#[derive(Debug, Deserialize)]
struct V2ErrorBody {
    #[serde(rename = "type")]
    kind: String,
    message: Option<String>,
}

#[derive(Debug, Serialize)]
struct CancelRequest<'a> {
    reason: &'a str,
}

/// The merchant's client for the V2 REST API.
#[derive(Clone)]
pub struct PortOneClient {
    api: Result<(Url, reqwest::Client), String>,
    secret: String,
}

impl std::fmt::Debug for PortOneClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the secret.
        f.debug_struct("PortOneClient")
            .field("base", &self.api.as_ref().map(|(base, _)| base.as_str()))
            .finish_non_exhaustive()
    }
}

impl PortOneClient {
    /// A client for the V2 API at `base` (`http://127.0.0.1:PORT/v2`) with the store's
    /// API secret. A base that is not an http(s) URL makes every call fail with
    /// [`MerchantError::Setup`].
    pub fn new(base: &str, secret: &str) -> Self {
        let api = Url::parse(base.trim_end_matches('/'))
            .map_err(|err| format!("`{base}`: {err}"))
            .and_then(|url| {
                if url.cannot_be_a_base() || !matches!(url.scheme(), "http" | "https") {
                    Err(format!("`{base}` is not an http(s) URL"))
                } else {
                    Ok(url)
                }
            })
            .and_then(|base| {
                // As the V1 client: the secret and the answers never go through a proxy.
                reqwest::Client::builder()
                    .no_proxy()
                    .build()
                    .map(|http| (base, http))
                    .map_err(|err| err.to_string())
            });
        Self {
            api,
            secret: secret.to_owned(),
        }
    }

    /// A request to `segments` under the base, each one path segment.
    fn request(
        &self,
        method: reqwest::Method,
        segments: &[&str],
    ) -> Result<reqwest::RequestBuilder, MerchantError> {
        let (base, http) = self
            .api
            .as_ref()
            .map_err(|err| MerchantError::Setup(err.clone()))?;
        if let Some(bad) = segments.iter().find(|s| matches!(**s, "" | "." | "..")) {
            return Err(MerchantError::BadId((*bad).to_owned()));
        }
        let mut url = base.clone();
        url.path_segments_mut()
            .map_err(|()| MerchantError::Setup(format!("`{base}` cannot take a path")))?
            .pop_if_empty()
            .extend(segments);
        Ok(http
            .request(method, url)
            .header("Authorization", format!("PortOne {}", self.secret)))
    }

    /// Sends `request`: the answer as `T`, or V2's error as [`MerchantError`].
    async fn call<T: serde::de::DeserializeOwned>(
        request: reqwest::RequestBuilder,
    ) -> Result<T, MerchantError> {
        let response = request.send().await?;
        let status = response.status();
        let body = response.bytes().await?;
        if status.is_success() {
            return Ok(serde_json::from_slice(&body)?);
        }
        let error: V2ErrorBody = serde_json::from_slice(&body)?;
        let message = error.message.unwrap_or_else(|| status.to_string());
        Err(match error.kind.as_str() {
            "PAYMENT_NOT_FOUND" => MerchantError::NotFound(message),
            "IDENTITY_VERIFICATION_NOT_FOUND" => MerchantError::NoVerification(message),
            _ => MerchantError::PortOne {
                kind: error.kind,
                message,
            },
        })
    }

    /// The payment `payment_id`.
    pub(super) async fn payment(&self, payment_id: &str) -> Result<ApiPayment, MerchantError> {
        let payment: V2Payment =
            Self::call(self.request(reqwest::Method::GET, &["payments", payment_id])?).await?;
        Ok(payment.into())
    }

    /// The identity verification `id`.
    pub(super) async fn identity_verification(
        &self,
        id: &str,
    ) -> Result<ApiIdentityVerification, MerchantError> {
        Self::call(self.request(reqwest::Method::GET, &["identity-verifications", id])?).await
    }

    /// Cancels all that is left of `payment_id`; the payment as it then stands.
    pub(super) async fn cancel(
        &self,
        payment_id: &str,
        reason: &str,
    ) -> Result<ApiPayment, MerchantError> {
        let _: serde::de::IgnoredAny = Self::call(
            self.request(reqwest::Method::POST, &["payments", payment_id, "cancel"])?
                .json(&CancelRequest { reason }),
        )
        .await?;
        self.payment(payment_id).await
    }
}
