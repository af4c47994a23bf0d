//! iamport V1's identity verification API: `GET /certifications/{imp_uid}` (the
//! verification as `CertificationAnnotation`) and `DELETE /certifications/{imp_uid}`
//! (removed, answered as it was), both 404 for an id V1 does not know
//! (`portone-io/developers.portone.io:src/schema/v1.openapi.json`, `getCertification`,
//! `deleteCertification`; the clients: `iamport-rest-client@0.9.0:iamport/client.py`
//! `find_certification`, `cancel_certification`). Verifications are made only through
//! the checkout (`IMP.certification`), as the buyer's browser and PASS app do.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use serde_json::Value;

use super::{authorize, ok, ApiError, ApiPath, ApiState};
use crate::store::{Certification, CertificationStatus};

/// What iamport answers for an id it has no verification of.
const NOT_FOUND: &str = "인증결과가 존재하지 않습니다 / no such certification";

/// `CertificationAnnotation`: `imp_uid`, `pg_provider` and `foreigner` always, the
/// person only once certified (V1 answers `null` for what it does not have).
#[derive(Debug, Serialize)]
struct CertificationAnnotation<'a> {
    imp_uid: &'a str,
    merchant_uid: &'a str,
    pg_tid: Option<&'a str>,
    pg_provider: &'a str,
    name: Option<&'a str>,
    /// `male` or `female`.
    gender: Option<&'static str>,
    /// `YYYY-MM-DD`.
    birthday: Option<String>,
    foreigner: bool,
    foreigner_v2: Option<bool>,
    /// Digits only.
    phone: Option<&'a str>,
    /// `SKT`, `KT`, `LGT`.
    carrier: Option<&'static str>,
    certified: bool,
    /// Unix seconds, 0 unless certified.
    certified_at: i64,
    /// The CI.
    unique_key: Option<&'a str>,
    /// The DI.
    unique_in_site: Option<&'a str>,
    /// The page that asked.
    origin: Option<&'a str>,
}

fn annotation(certification: &Certification) -> CertificationAnnotation<'_> {
    let person = certification.certified_person();
    let certified = certification.status == CertificationStatus::Certified;
    CertificationAnnotation {
        imp_uid: &certification.imp_uid,
        merchant_uid: &certification.merchant_uid,
        pg_tid: certification.pg_tid.as_deref(),
        pg_provider: &certification.pg_provider,
        name: person.map(|p| p.name.as_str()),
        gender: person.map(|p| p.gender.v1()),
        birthday: person.map(|p| p.birth_date.to_string()),
        foreigner: certification.foreigner,
        foreigner_v2: certified.then_some(certification.foreigner),
        phone: person.map(|p| p.phone.as_str()),
        carrier: certification
            .carrier
            .filter(|_| certified)
            .map(crate::person::Carrier::v1),
        certified,
        certified_at: certification.certified_at,
        unique_key: certification.unique_key.as_deref(),
        unique_in_site: certification.unique_in_site.as_deref(),
        origin: certification.origin.as_deref(),
    }
}

fn not_found(err: ApiError) -> ApiError {
    match err {
        ApiError::NotFound(_) => ApiError::NotFound(NOT_FOUND.to_owned()),
        other => other,
    }
}

/// `GET /certifications/{imp_uid}`.
async fn get_certification(
    State(state): State<ApiState>,
    headers: HeaderMap,
    ApiPath(imp_uid): ApiPath<String>,
) -> Result<Json<Value>, ApiError> {
    authorize(&state, &headers)?;
    let certification = state
        .with_store(|store| store.v1_certification(&imp_uid))
        .map_err(not_found)?;
    ok(annotation(&certification))
}

/// `DELETE /certifications/{imp_uid}`.
async fn delete_certification(
    State(state): State<ApiState>,
    headers: HeaderMap,
    ApiPath(imp_uid): ApiPath<String>,
) -> Result<Json<Value>, ApiError> {
    authorize(&state, &headers)?;
    let deleted = state
        .with_store(|store| store.delete_certification(&imp_uid))
        .map_err(not_found)?;
    tracing::info!("certification {imp_uid} deleted through the API");
    ok(annotation(&deleted))
}

/// The routes, relative to the API's root.
pub(super) fn routes() -> Router<ApiState> {
    Router::new().route(
        "/certifications/{imp_uid}",
        get(get_certification).delete(delete_certification),
    )
}
