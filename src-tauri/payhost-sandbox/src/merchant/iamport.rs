//! The merchant's client for iamport's V1 REST API and the JSON it reads: a token
//! (`POST /users/getToken`), a payment by `imp_uid` or by order
//! (`GET /payments/{imp_uid}`, `GET /payments/find/{merchant_uid}[/paid]`), a
//! cancellation (`POST /payments/cancel`) and an identity verification
//! (`GET /certifications/{imp_uid}`), each answer unwrapped from iamport's
//! envelope; and, the sandbox's iamport being the buyer's bank too, where a virtual
//! account is paid into. Apart from the verdict so the merchant's decisions read
//! typed payments and never HTTP, and so another API (another protocol layer) can get
//! a client of its own beside this one.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use url::Url;

use super::MerchantError;
use crate::store::PaymentStatus;

/// iamport's envelope, `{code, message, response}`
/// (https://developers.portone.io/api/rest-v1/payment): the payment is under
/// `response`, never the body itself (the docs' own Express example reads
/// `payment.amount` from the body, a bug).
#[derive(Debug, Deserialize)]
struct Envelope<T> {
    code: i64,
    message: Option<String>,
    response: Option<T>,
}

#[derive(Debug, Serialize)]
struct TokenRequest<'a> {
    imp_key: &'a str,
    imp_secret: &'a str,
}

#[derive(Debug, Deserialize)]
struct AccessToken {
    access_token: String,
}

#[derive(Debug, Serialize)]
struct CancelRequest<'a> {
    imp_uid: &'a str,
    reason: &'a str,
    /// The cancellation's webhook comes back to the merchant, so a verdict whose save
    /// failed after the cancel is made again from it (iamport sends none for an API
    /// cancel unless asked, `portone-io/developers.portone.io:src/schema/v1.openapi.json`).
    enable_webhook: bool,
}

/// What the verdict reads of a payment (`GET /payments/{imp_uid}`'s `response`). A
/// `status` that is not one of iamport's four fails to decode
/// ([`MerchantError::Decode`]): never a verdict.
#[derive(Debug, Clone, Deserialize)]
pub(super) struct ApiPayment {
    pub(super) imp_uid: String,
    pub(super) merchant_uid: String,
    pub(super) status: PaymentStatus,
    pub(super) amount: i64,
    #[serde(default)]
    pub(super) pay_method: String,
    pub(super) vbank_num: Option<String>,
    pub(super) vbank_name: Option<String>,
    pub(super) fail_reason: Option<String>,
    #[serde(default)]
    pub(super) cancel_history: Vec<ApiCancellation>,
}

/// One entry of a payment's `cancel_history`
/// (https://developers.portone.io/api/rest-v1/payment, `PaymentCancelAnnotation`).
#[derive(Debug, Clone, Deserialize)]
pub(super) struct ApiCancellation {
    pub(super) reason: String,
}

/// What the merchant reads of an identity verification (`GET
/// /certifications/{imp_uid}`'s `response`, `CertificationAnnotation`): `certified`
/// decides; the name, birth date and CI are kept for a certified one.
#[derive(Clone, Deserialize)]
pub(super) struct ApiCertification {
    pub(super) imp_uid: String,
    #[serde(default)]
    pub(super) certified: bool,
    pub(super) name: Option<String>,
    /// `YYYY-MM-DD`.
    pub(super) birthday: Option<String>,
    /// The CI.
    pub(super) unique_key: Option<String>,
}

/// Never the CI.
impl std::fmt::Debug for ApiCertification {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiCertification")
            .field("imp_uid", &self.imp_uid)
            .field("certified", &self.certified)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone)]
struct Api {
    base: Url,
    http: reqwest::Client,
}

/// The merchant's client for the iamport REST API.
#[derive(Clone)]
pub struct IamportClient {
    api: Result<Api, String>,
    imp_key: String,
    imp_secret: String,
}

impl std::fmt::Debug for IamportClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the secret.
        f.debug_struct("IamportClient")
            .field("base", &self.api.as_ref().map(|api| api.base.as_str()))
            .field("imp_key", &self.imp_key)
            .finish_non_exhaustive()
    }
}

impl IamportClient {
    /// A client for the API at `base` (`http://127.0.0.1:PORT`). A base that is not
    /// an http(s) URL makes every call fail with [`MerchantError::Setup`].
    pub fn new(base: &str, imp_key: &str, imp_secret: &str) -> Self {
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
                // The token request carries `imp_secret` and the answers decide orders:
                // never through whatever proxy the environment names (`HTTP_PROXY`).
                reqwest::Client::builder()
                    .no_proxy()
                    .build()
                    .map(|http| Api { base, http })
                    .map_err(|err| err.to_string())
            });
        Self {
            api,
            imp_key: imp_key.to_owned(),
            imp_secret: imp_secret.to_owned(),
        }
    }

    /// The API's client and the URL of `segments` under its base, each segment
    /// percent-encoded as one (a `/` in an id is `%2F`, never a separator).
    pub(super) fn endpoint(
        &self,
        segments: &[&str],
    ) -> Result<(&reqwest::Client, Url), MerchantError> {
        let api = self
            .api
            .as_ref()
            .map_err(|err| MerchantError::Setup(err.clone()))?;
        // Path values are escaped (https://developers.portone.io/api/rest-v2, "URL 경로에
        // 들어갈 수 없는 문자열은 이스케이프"); the URL builder drops `.` and `..`
        // segments, so those are refused.
        if let Some(bad) = segments.iter().find(|s| matches!(**s, "" | "." | "..")) {
            return Err(MerchantError::BadId((*bad).to_owned()));
        }
        let mut url = api.base.clone();
        url.path_segments_mut()
            .map_err(|()| MerchantError::Setup(format!("`{}` cannot take a path", api.base)))?
            .pop_if_empty()
            .extend(segments);
        Ok((&api.http, url))
    }

    pub(super) async fn call<T: DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<T, MerchantError> {
        let response = request.send().await?;
        let status = response.status();
        let body = response.bytes().await?;
        let envelope = serde_json::from_slice::<Envelope<T>>(&body);
        if status == reqwest::StatusCode::NOT_FOUND {
            let message = envelope.ok().and_then(|e| e.message);
            return Err(MerchantError::NotFound(
                message.unwrap_or_else(|| status.to_string()),
            ));
        }
        match envelope? {
            Envelope {
                code: 0,
                response: Some(response),
                ..
            } => Ok(response),
            Envelope { code, message, .. } => Err(MerchantError::Api {
                code,
                message: message.unwrap_or_else(|| "no response".to_owned()),
            }),
        }
    }

    pub(super) async fn token(&self) -> Result<String, MerchantError> {
        let (http, url) = self.endpoint(&["users", "getToken"])?;
        let token: AccessToken = self
            .call(http.post(url).json(&TokenRequest {
                imp_key: &self.imp_key,
                imp_secret: &self.imp_secret,
            }))
            .await?;
        Ok(token.access_token)
    }

    pub(super) async fn payment(
        &self,
        token: &str,
        imp_uid: &str,
    ) -> Result<ApiPayment, MerchantError> {
        let (http, url) = self.endpoint(&["payments", imp_uid])?;
        self.call(http.get(url).header("Authorization", token))
            .await
    }

    /// The newest payment of `merchant_uid`
    /// (https://api.iamport.kr/#!/payments/getPaymentByMerchantUid).
    pub(super) async fn find(
        &self,
        token: &str,
        merchant_uid: &str,
    ) -> Result<ApiPayment, MerchantError> {
        let (http, url) = self.endpoint(&["payments", "find", merchant_uid])?;
        self.call(http.get(url).header("Authorization", token))
            .await
    }

    /// The newest payment of `merchant_uid` with `status`, if any
    /// (`GET /payments/find/{merchant_uid}/{status}`).
    pub(super) async fn find_with_status(
        &self,
        token: &str,
        merchant_uid: &str,
        status: PaymentStatus,
    ) -> Result<Option<ApiPayment>, MerchantError> {
        let (http, url) = self.endpoint(&["payments", "find", merchant_uid, status.as_str()])?;
        match self
            .call(http.get(url).header("Authorization", token))
            .await
        {
            Ok(payment) => Ok(Some(payment)),
            Err(MerchantError::NotFound(_)) => Ok(None),
            Err(err) => Err(err),
        }
    }

    /// The identity verification `imp_uid`
    /// (`portone-io/developers.portone.io:src/schema/v1.openapi.json` `getCertification`).
    pub(super) async fn certification(
        &self,
        token: &str,
        imp_uid: &str,
    ) -> Result<ApiCertification, MerchantError> {
        let (http, url) = self.endpoint(&["certifications", imp_uid])?;
        self.call(http.get(url).header("Authorization", token))
            .await
    }

    pub(super) async fn cancel(
        &self,
        token: &str,
        imp_uid: &str,
        reason: &str,
    ) -> Result<ApiPayment, MerchantError> {
        let (http, url) = self.endpoint(&["payments", "cancel"])?;
        self.call(
            http.post(url)
                .header("Authorization", token)
                .json(&CancelRequest {
                    imp_uid,
                    reason,
                    enable_webhook: true,
                }),
        )
        .await
    }

    /// The sandbox bank's page where the buyer pays into the virtual account of
    /// `imp_uid` (`bank`, on the same server as the API).
    pub(super) fn bank_page(&self, imp_uid: &str) -> Result<Url, MerchantError> {
        Ok(self.endpoint(&["sandbox", "bank", imp_uid])?.1)
    }
}
