//! V2's identity verification over REST: `GET /identity-verifications/{identityVerificationId}`
//! (under `/v2` and at the root: see `v2::mod`) and its JSON, the union on `status`
//! (`READY`, `VERIFIED`, `FAILED`) with the fields V2 requires of each
//! (`portone-io/developers.portone.io:src/schema/v2.openapi.json`,
//! `IdentityVerification`, `ReadyIdentityVerification`,
//! `VerifiedIdentityVerification`, `FailedIdentityVerification`); an id the store
//! does not know is `IDENTITY_VERIFICATION_NOT_FOUND`. Optional fields are left out,
//! never `null` (`portone-server-sdk@0.21.0` refuses a `null`).

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::Json;
use serde::Serialize;

use crate::api::{ApiPath, ApiState};
use crate::store::{Certification, CertificationStatus, RequestedPerson};
use crate::v2::auth::{authorize, check_store};
use crate::v2::channels::{self, SelectedChannel};
use crate::v2::error::{V2Error, V2ErrorKind};
use crate::v2::model::rfc3339;
use crate::v2::rest::StoreQuery;

/// `IdentityVerificationRequestedCustomer`: every field optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestedCustomer {
    /// The merchant's id of the customer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Mobile number, digits only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    /// Year of birth.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub birth_year: Option<String>,
    /// Month of birth, two digits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub birth_month: Option<String>,
    /// Day of birth, two digits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub birth_day: Option<String>,
}

/// `IdentityVerificationVerifiedCustomer`: `name` required.
#[derive(Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifiedCustomer {
    /// The merchant's id of the customer, when the request gave one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Name.
    pub name: String,
    /// `SKT`, `KT`, `LGU` (`IdentityVerificationOperator`).
    pub operator: &'static str,
    /// Digits only.
    pub phone_number: String,
    /// `YYYY-MM-DD`.
    pub birth_date: String,
    /// `MALE` or `FEMALE`.
    pub gender: &'static str,
    /// A foreigner.
    pub is_foreigner: bool,
    /// The CI.
    pub ci: String,
    /// The DI.
    pub di: String,
}

/// Never the CI or the DI in a log line.
impl std::fmt::Debug for VerifiedCustomer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifiedCustomer")
            .field("operator", &self.operator)
            .finish_non_exhaustive()
    }
}

/// `IdentityVerificationFailure`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IdentityVerificationFailure {
    /// Why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// What every variant of [`IdentityVerification`] carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IdentityVerificationCommon {
    /// The merchant's `identityVerificationId`.
    pub id: String,
    /// The channel.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<SelectedChannel>,
    /// The merchant's `customData`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_data: Option<String>,
    /// When it was asked for.
    pub requested_at: String,
    /// When it last changed.
    pub updated_at: String,
    /// When its status last changed.
    pub status_changed_at: String,
    /// `V2`.
    pub version: &'static str,
}

/// `IdentityVerification`: a union on `status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(
    tag = "status",
    rename_all = "SCREAMING_SNAKE_CASE",
    rename_all_fields = "camelCase"
)]
pub enum IdentityVerification {
    /// `ReadyIdentityVerification`: the page is open.
    Ready {
        /// The common fields.
        #[serde(flatten)]
        common: IdentityVerificationCommon,
        /// What the request said about the person.
        requested_customer: RequestedCustomer,
    },
    /// `VerifiedIdentityVerification`.
    Verified {
        /// The common fields.
        #[serde(flatten)]
        common: IdentityVerificationCommon,
        /// Who was verified.
        verified_customer: VerifiedCustomer,
        /// When.
        verified_at: String,
        /// The identity provider's id of it.
        pg_tx_id: String,
        /// The identity provider's answer, as text (the sandbox's has no personal data).
        pg_raw_response: String,
    },
    /// `FailedIdentityVerification`.
    Failed {
        /// The common fields.
        #[serde(flatten)]
        common: IdentityVerificationCommon,
        /// What the request said about the person.
        requested_customer: RequestedCustomer,
        /// Why it failed.
        failure: IdentityVerificationFailure,
    },
}

fn requested_customer(requested: &RequestedPerson) -> RequestedCustomer {
    RequestedCustomer {
        id: requested.customer_id.clone(),
        name: requested.name.clone(),
        phone_number: requested.phone.clone(),
        birth_year: requested.birth_date.map(|d| format!("{:04}", d.year())),
        birth_month: requested.birth_date.map(|d| format!("{:02}", d.month())),
        birth_day: requested.birth_date.map(|d| format!("{:02}", d.day())),
    }
}

/// Danal's answer to a confirmation, as text: its result code and transaction id.
#[derive(Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
struct PgRawResponse<'a> {
    returncode: &'static str,
    returnmsg: &'static str,
    tid: &'a str,
}

impl IdentityVerification {
    /// A V2 attempt of the store, as `GET /identity-verifications/{id}` answers it.
    pub fn from_store(certification: &Certification) -> Self {
        let changed_at = certification
            .requested_at
            .max(certification.certified_at)
            .max(certification.failed_at);
        let common = IdentityVerificationCommon {
            id: certification.merchant_uid.clone(),
            channel: channels::selected(certification.channel_key.as_deref()),
            custom_data: certification.custom_data.clone(),
            requested_at: rfc3339(certification.requested_at),
            updated_at: rfc3339(changed_at),
            status_changed_at: rfc3339(changed_at),
            version: "V2",
        };
        let verified = match (
            certification.status,
            certification.certified_person(),
            certification.carrier,
            &certification.unique_key,
            &certification.unique_in_site,
        ) {
            (CertificationStatus::Certified, Some(person), Some(carrier), Some(ci), Some(di)) => {
                Some(VerifiedCustomer {
                    id: certification.requested.customer_id.clone(),
                    name: person.name.clone(),
                    operator: carrier.as_str(),
                    phone_number: person.phone.clone(),
                    birth_date: person.birth_date.to_string(),
                    gender: person.gender.v2(),
                    is_foreigner: certification.foreigner,
                    ci: ci.clone(),
                    di: di.clone(),
                })
            }
            _ => None,
        };
        match (certification.status, verified) {
            (CertificationStatus::Certified, Some(verified_customer)) => {
                let pg_tx_id = certification
                    .pg_tid
                    .clone()
                    .unwrap_or_else(|| certification.imp_uid.clone());
                let pg_raw_response = serde_json::to_string(&PgRawResponse {
                    returncode: "0000",
                    returnmsg: "No information",
                    tid: &pg_tx_id,
                })
                .unwrap_or_default();
                Self::Verified {
                    common,
                    verified_customer,
                    verified_at: rfc3339(certification.certified_at),
                    pg_tx_id,
                    pg_raw_response,
                }
            }
            (CertificationStatus::Ready, _) => Self::Ready {
                common,
                requested_customer: requested_customer(&certification.requested),
            },
            // Failed (a certified row without its person cannot be shown as verified).
            _ => Self::Failed {
                common,
                requested_customer: requested_customer(&certification.requested),
                failure: IdentityVerificationFailure {
                    reason: certification.fail_reason.clone(),
                },
            },
        }
    }
}

/// `GET /identity-verifications/{identityVerificationId}`.
pub(crate) async fn get_identity_verification(
    State(state): State<ApiState>,
    headers: HeaderMap,
    ApiPath(id): ApiPath<String>,
    Query(query): Query<StoreQuery>,
) -> Result<Json<IdentityVerification>, V2Error> {
    authorize(&state, &headers)?;
    check_store(query.store_id.as_deref())?;
    let certification = super::find(
        &state,
        |store| store.identity_verification(&id),
        || {
            V2Error::new(
                V2ErrorKind::IdentityVerificationNotFound,
                format!("본인인증 건이 존재하지 않습니다 / no identity verification `{id}`"),
            )
        },
    )?;
    Ok(Json(IdentityVerification::from_store(&certification)))
}
