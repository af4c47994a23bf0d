//! The V1 lookups of several payments at once
//! (`portone-io/developers.portone.io:src/schema/v1.openapi.json`):
//! `GET /payments?imp_uid[]=…&merchant_uid[]=…` ("결제내역 복수조회", 200 when
//! every one is found, 207 when some are not, 404 when none is) and
//! `GET /payments/status/{status}` ("결제상태기준 복수조회": a page of the payments of
//! a status, 400 for an unknown status or a page out of range). Apart from the
//! single lookups because their requests are lists and windows, read and checked
//! here before the store is asked.

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde::Deserialize;
use serde_json::Value;

use super::{authorize, envelope, ok, ApiError, ApiPath, ApiQuery, ApiState};
use crate::store::{PageRequest, Payment, PaymentStatus, Sorting, StoreError};

/// At most this many ids in one `GET /payments` ("최대 100개").
const MAX_IDS: usize = 100;

/// `limit`'s default and ceiling for a page ("최대 1000건, 기본값 20건").
const DEFAULT_LIMIT: i64 = 20;
/// See [`DEFAULT_LIMIT`].
const MAX_LIMIT: i64 = 1000;

/// The longest window `from`..`to`, and `from`'s default before `to` ("검색기간은 최대
/// 90일까지 … from파라메터의 기본값은 to파라메터 기준으로 90일 전").
const WINDOW_SECS: i64 = 90 * 24 * 3600;

/// The ids of a `GET /payments` query: repeated `imp_uid[]` and `merchant_uid[]`
/// (as PHP's and axios's brackets write a list; the plain names are read too).
/// axum's `Query` keeps one value of a repeated key, so the query is read here.
fn ids_of(query: &str) -> (Vec<String>, Vec<String>) {
    let (mut imp_uids, mut merchant_uids) = (Vec::new(), Vec::new());
    for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
        match key.as_ref() {
            "imp_uid[]" | "imp_uid" => imp_uids.push(value.into_owned()),
            "merchant_uid[]" | "merchant_uid" => merchant_uids.push(value.into_owned()),
            _ => {}
        }
    }
    (imp_uids, merchant_uids)
}

/// `GET /payments?imp_uid[]=a&merchant_uid[]=b`: the payments named, each once, by
/// `imp_uid` or by order (its newest payment, as `GET /payments/find/{merchant_uid}`).
pub(super) async fn payments_by_ids(
    State(state): State<ApiState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    authorize(&state, &headers)?;
    let (imp_uids, merchant_uids) = ids_of(query.as_deref().unwrap_or_default());
    let asked = imp_uids.len() + merchant_uids.len();
    if asked == 0 {
        return Err(ApiError::BadRequest(
            "imp_uid[] 또는 merchant_uid[] 가 필요합니다 (name payments with imp_uid[] or merchant_uid[])"
                .to_owned(),
        ));
    }
    if asked > MAX_IDS {
        return Err(ApiError::BadRequest(format!(
            "한 번에 {MAX_IDS}개까지 조회할 수 있습니다 (at most {MAX_IDS} ids, got {asked})"
        )));
    }
    let (found, missing) = state.with_store(|store| {
        let mut found: Vec<Payment> = Vec::new();
        let mut missing: Vec<&str> = Vec::new();
        let lookups = imp_uids
            .iter()
            .map(|id| (id, store.get(id)))
            .chain(merchant_uids.iter().map(|id| (id, store.find(id, None))));
        for (id, lookup) in lookups {
            match lookup {
                Ok(payment) if found.iter().any(|p| p.imp_uid == payment.imp_uid) => {}
                Ok(payment) => found.push(payment),
                Err(StoreError::NotFound) => missing.push(id),
                Err(err) => return Err(err),
            }
        }
        Ok((found, missing.join(", ")))
    })?;
    if found.is_empty() {
        return Err(ApiError::NotFound(format!(
            "해당되는 결제건을 찾지 못하였습니다 (no such payments: {missing})"
        )));
    }
    if missing.is_empty() {
        return Ok((StatusCode::OK, ok(found)?));
    }
    // 207: the envelope of a success, the payments found, and which were not.
    let message = format!("일부 결제건을 찾지 못하였습니다 (not found: {missing})");
    Ok((
        StatusCode::MULTI_STATUS,
        envelope(0, Some(&message), found)?,
    ))
}

/// The query of `GET /payments/status/{status}`.
#[derive(Debug, Deserialize)]
pub(super) struct ListQuery {
    page: Option<i64>,
    limit: Option<i64>,
    from: Option<i64>,
    to: Option<i64>,
    sorting: Option<String>,
}

/// `GET /payments/status/{status}`: a page of the payments of `status` (`all`,
/// `ready`, `paid`, `cancelled`, `failed`) whose own status time lies in
/// `from`..=`to` (default: the 90 days up to now), `limit` a page (default 20, at
/// most 1000; more is read as 1000), in `sorting`'s order (default `-started`).
pub(super) async fn payments_by_status(
    State(state): State<ApiState>,
    headers: HeaderMap,
    ApiPath(status): ApiPath<String>,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<Value>, ApiError> {
    authorize(&state, &headers)?;
    let status = match status.as_str() {
        "all" => None,
        other => Some(PaymentStatus::parse(other).ok_or_else(|| {
            ApiError::BadRequest(format!(
                "유효하지 않은 payment_status 입니다: all, ready, paid, cancelled, failed 중 하나 \
                 (unknown payment_status `{other}`)"
            ))
        })?),
    };
    let sorting = match query.sorting.as_deref() {
        None => Sorting::default(),
        Some(text) => Sorting::parse(text).ok_or_else(|| {
            ApiError::BadRequest(format!(
                "유효하지 않은 sorting 입니다: -started, started, -paid, paid, -updated, updated 중 하나 \
                 (unknown sorting `{text}`)"
            ))
        })?,
    };
    let to = query.to.unwrap_or_else(|| (state.clock)());
    let from = query.from.unwrap_or(to.saturating_sub(WINDOW_SECS));
    if from > to || to.saturating_sub(from) > WINDOW_SECS {
        return Err(ApiError::BadRequest(format!(
            "검색기간은 90일까지입니다 (from..to must be at most 90 days, got {from}..{to})"
        )));
    }
    let request = PageRequest {
        status,
        page: query.page.unwrap_or(1),
        limit: query.limit.unwrap_or(DEFAULT_LIMIT).min(MAX_LIMIT),
        from,
        to,
        sorting,
    };
    let page = state
        .with_store(|store| store.payments_by_status(&request))
        .map_err(|err| match err {
            // A page out of range or a limit below 1: iamport's 400.
            ApiError::Rejected(message) => ApiError::BadRequest(message),
            other => other,
        })?;
    ok(page)
}

#[cfg(test)]
mod tests {
    use super::ids_of;

    #[test]
    fn repeated_bracketed_ids_are_all_read() {
        let (imp, merchant) =
            ids_of("imp_uid[]=a&imp_uid%5B%5D=b&merchant_uid[]=o%201&imp_uid=c&other=x");
        assert_eq!(imp, ["a", "b", "c"]);
        assert_eq!(merchant, ["o 1"]);
        assert_eq!(ids_of(""), (Vec::new(), Vec::new()));
    }
}
