//! The merchant's client for PortOne V2's REST API and the JSON it reads: here an
//! identity verification (`GET /identity-verifications/{identityVerificationId}`
//! with `Authorization: PortOne <API secret>`,
//! `portone-io/developers.portone.io:src/routes/(root)/opi/ko/extra/identity-verification/readme-v2.mdx`,
//! "4. 인증 완료 처리 (서버)"). Its base keeps a path (`http://127.0.0.1:PORT/v2`, as
//! `portone-server-sdk` keeps one); ids reach it as single path segments. Apart from
//! the decision (`identity`) so that reads typed answers, never HTTP.

use serde::Deserialize;
use url::Url;

use super::MerchantError;

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

/// V2's error body, `{ type, message }`.
#[derive(Debug, Deserialize)]
struct ApiError {
    #[serde(rename = "type")]
    kind: String,
    message: Option<String>,
}

#[derive(Debug, Clone)]
struct Api {
    base: Url,
    http: reqwest::Client,
}

/// The merchant's client for the PortOne V2 REST API.
#[derive(Clone)]
pub struct PortOneClient {
    api: Result<Api, String>,
    secret: String,
}

impl std::fmt::Debug for PortOneClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the secret.
        f.debug_struct("PortOneClient")
            .field("base", &self.api.as_ref().map(|api| api.base.as_str()))
            .finish_non_exhaustive()
    }
}

impl PortOneClient {
    /// A client for the API at `base` (`http://127.0.0.1:PORT/v2`) with the store's
    /// API `secret`. A base that is not an http(s) URL makes every call fail with
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
                // The secret goes with every call: never through a proxy.
                reqwest::Client::builder()
                    .no_proxy()
                    .build()
                    .map(|http| Api { base, http })
                    .map_err(|err| err.to_string())
            });
        Self {
            api,
            secret: secret.to_owned(),
        }
    }

    /// The identity verification `id`.
    pub(super) async fn identity_verification(
        &self,
        id: &str,
    ) -> Result<ApiIdentityVerification, MerchantError> {
        let api = self
            .api
            .as_ref()
            .map_err(|err| MerchantError::Setup(err.clone()))?;
        // The URL builder drops `.` and `..` segments: refused, as by the V1 client.
        if matches!(id, "" | "." | "..") {
            return Err(MerchantError::BadId(id.to_owned()));
        }
        let mut url = api.base.clone();
        url.path_segments_mut()
            .map_err(|()| MerchantError::Setup(format!("`{}` cannot take a path", api.base)))?
            .pop_if_empty()
            .extend(["identity-verifications", id]);
        let response = api
            .http
            .get(url)
            .header("Authorization", format!("PortOne {}", self.secret))
            .send()
            .await?;
        let status = response.status();
        let body = response.bytes().await?;
        if status.is_success() {
            return Ok(serde_json::from_slice(&body)?);
        }
        let error: ApiError = serde_json::from_slice(&body)?;
        let message = error.message.unwrap_or_else(|| status.to_string());
        if error.kind == "IDENTITY_VERIFICATION_NOT_FOUND" {
            return Err(MerchantError::NoVerification(message));
        }
        Err(MerchantError::PortOne {
            kind: error.kind,
            message,
        })
    }
}
