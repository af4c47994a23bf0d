//! `DELETE /vbanks/{imp_uid}`: the merchant revokes a virtual account nobody paid
//! into yet, so a buyer cannot pay it by mistake
//! (`portone-io/developers.portone.io:src/schema/v1.openapi.json`, "가상계좌
//! 발급취소 API": 200 with the payment, 400 for a payment that is no virtual account
//! or not waiting for its deposit, 404 for an unknown `imp_uid`). By `imp_uid` only:
//! one order may have several accounts waiting. What revoking leaves is the store's
//! (`store::vbank`).

use axum::extract::State;
use axum::http::HeaderMap;
use axum::Json;
use serde_json::Value;

use super::{authorize, ok, ApiError, ApiPath, ApiState};

/// Revokes the account; its `pg_api_key` query (KG Inicis' key) is not needed here.
pub(super) async fn revoke(
    State(state): State<ApiState>,
    headers: HeaderMap,
    ApiPath(imp_uid): ApiPath<String>,
) -> Result<Json<Value>, ApiError> {
    authorize(&state, &headers)?;
    let now = (state.clock)();
    let payment = state
        .with_store(|store| store.revoke_vbank(&imp_uid, now))
        .map_err(|err| match err {
            // Not a virtual account, or not `ready`: iamport's 400, not a 200 refusal.
            ApiError::Rejected(message) => ApiError::BadRequest(message),
            other => other,
        })?;
    ok(payment)
}
