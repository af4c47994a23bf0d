//! The merchant's decision on an identity verification: what the API says about it,
//! and nothing else. V1: a token, then `GET /certifications/{imp_uid}`; `certified:
//! true` verifies. V2: `GET /identity-verifications/{id}`; `VERIFIED` verifies. The
//! return page's query (`success`, `code`) is never read for it: a verified person
//! is recorded (`certifications`, the CI only as its hash) and shown; anything else
//! grants nothing. Kept apart from the pages and the HTTP clients, as the payment
//! verdict is.

use super::certifications::{ci_hash, VerifiedIdentity};
use super::{MerchantError, MerchantState};
use crate::store::ApiVersion;

/// What a verification decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentityVerdict {
    /// Verified and recorded.
    Verified(VerifiedIdentity),
    /// Not verified: why, as the API says.
    NotVerified(String),
    /// Not decided yet (V2 `READY`; V1 only says whether it is certified).
    Pending,
}

/// The time the merchant records a verification at.
fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

fn incomplete() -> IdentityVerdict {
    IdentityVerdict::NotVerified(
        "인증 결과에 이름·생년월일·CI가 없습니다 / the verification lacks the name, birth date or CI"
            .to_owned(),
    )
}

impl MerchantState {
    /// Verifies V1's certification `imp_uid` through the API and records a certified
    /// one. Idempotent: a verification seen again changes nothing.
    ///
    /// # Errors
    /// When the API or the database fails, or the id names nothing.
    pub async fn verify_certification(
        &self,
        imp_uid: &str,
    ) -> Result<IdentityVerdict, MerchantError> {
        let imp_uid = imp_uid.trim();
        if imp_uid.is_empty() {
            return Err(MerchantError::NothingNamed);
        }
        let token = self.iamport.token().await?;
        let certification = match self.iamport.certification(&token, imp_uid).await {
            Err(MerchantError::NotFound(message)) => {
                return Err(MerchantError::NoVerification(message))
            }
            other => other?,
        };
        if !certification.certified {
            return Ok(IdentityVerdict::NotVerified(
                "본인인증이 완료되지 않았습니다 / the API says it is not certified".to_owned(),
            ));
        }
        let (Some(name), Some(birth_date), Some(ci)) = (
            certification.name,
            certification.birthday,
            certification.unique_key,
        ) else {
            return Ok(incomplete());
        };
        let recorded = self.record_identity(&VerifiedIdentity {
            id: certification.imp_uid,
            version: ApiVersion::V1,
            name,
            birth_date,
            ci_hash: ci_hash(&ci),
            verified_at: now(),
        })?;
        Ok(IdentityVerdict::Verified(recorded))
    }

    /// Verifies V2's identity verification `id` through the API and records a
    /// verified one. Idempotent.
    ///
    /// # Errors
    /// When the API or the database fails, the id names nothing, or the merchant has
    /// no V2 client.
    pub async fn verify_identity_verification(
        &self,
        id: &str,
    ) -> Result<IdentityVerdict, MerchantError> {
        use super::portone::ApiIdentityVerification;
        let id = id.trim();
        if id.is_empty() {
            return Err(MerchantError::NothingNamed);
        }
        let portone = self.portone.as_ref().ok_or_else(|| {
            MerchantError::Setup(
                "no PortOne V2 API client (MerchantState::with_portone)".to_owned(),
            )
        })?;
        match portone.identity_verification(id).await? {
            ApiIdentityVerification::Ready {} => Ok(IdentityVerdict::Pending),
            ApiIdentityVerification::Failed { failure } => {
                Ok(IdentityVerdict::NotVerified(failure.reason.unwrap_or_else(
                    || "본인인증에 실패했습니다 / verification failed".to_owned(),
                )))
            }
            ApiIdentityVerification::Verified { verified_customer } => {
                let (Some(birth_date), Some(ci)) =
                    (verified_customer.birth_date, verified_customer.ci)
                else {
                    return Ok(incomplete());
                };
                let recorded = self.record_identity(&VerifiedIdentity {
                    id: id.to_owned(),
                    version: ApiVersion::V2,
                    name: verified_customer.name,
                    birth_date,
                    ci_hash: ci_hash(&ci),
                    verified_at: now(),
                })?;
                Ok(IdentityVerdict::Verified(recorded))
            }
        }
    }
}
