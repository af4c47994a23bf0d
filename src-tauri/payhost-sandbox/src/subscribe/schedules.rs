//! Charges scheduled for later (`POST /subscribe/payments/schedule`), read by order
//! or by time, revoked (`unschedule`), and fired now for QA and tests
//! (`POST /sandbox/schedules/run`, the sandbox's own route, behind the API token).
//! At its time a charge is fired by `billing::scheduler`; its payment and webhook
//! are `store::schedules`'.

use axum::extract::{Query, Request, State};
use axum::http::HeaderMap;
use axum::Json;
use serde_json::Value;

use super::model::{text, BetweenQuery, ScheduleResult, SchedulesBody, UnscheduleBody};
use super::{required, unknown_customer, SubscribeError};
use crate::api::{authorize, json_or_form, ok, ApiError, ApiPath, ApiState};
use crate::billing::scheduler::fire_due;
use crate::checkout::http_url;
use crate::custom_data;
use crate::store::{NewSchedule, ScheduleStatus, StoreError};

/// `POST /subscribe/payments/schedule`: every charge of `schedules`, or none.
pub(super) async fn schedule(
    State(state): State<ApiState>,
    headers: HeaderMap,
    request: Request,
) -> Result<Json<Value>, SubscribeError> {
    authorize(&state, &headers)?;
    let body: SchedulesBody = json_or_form(request).await?;
    let customer_uid = required("customer_uid", body.customer_uid)?;
    let schedules = required("schedules", body.schedules.filter(|s| !s.is_empty()))?;
    let mut new = Vec::with_capacity(schedules.len());
    for schedule in schedules {
        let currency = schedule.currency.unwrap_or_else(|| "KRW".to_owned());
        if currency != "KRW" {
            return Err(SubscribeError::Api(ApiError::Rejected(
                "샌드박스는 KRW 만 지원합니다 / currency must be KRW".to_owned(),
            )));
        }
        let notice_url = schedule
            .notice_url
            .filter(|url| !url.trim().is_empty())
            .map(|url| http_url("notice_url", &url))
            .transpose()
            .map_err(|message| SubscribeError::Api(ApiError::Rejected(message)))?;
        new.push(NewSchedule {
            merchant_uid: required("merchant_uid", schedule.merchant_uid)?,
            schedule_at: required("schedule_at", schedule.schedule_at)?,
            amount: required("amount", schedule.amount)?,
            currency,
            name: required("name", schedule.name)?,
            buyer_name: schedule.buyer_name,
            buyer_email: schedule.buyer_email,
            buyer_tel: schedule.buyer_tel,
            buyer_addr: schedule.buyer_addr,
            buyer_postcode: text(schedule.buyer_postcode),
            custom_data: custom_data::as_stored(schedule.custom_data.as_ref()),
            notice_url,
        });
    }
    let now = (state.clock)();
    let scheduled = state.with_store(|store| store.schedule(&customer_uid, &new, now));
    match scheduled {
        Ok(scheduled) => {
            state.schedules.wake();
            Ok(ok(ScheduleResult::all(scheduled))?)
        }
        Err(ApiError::NotFound(_)) => Err(unknown_customer(1, &customer_uid)),
        Err(err) => Err(err.into()),
    }
}

/// `GET /subscribe/payments/schedule/{merchant_uid}`: 404 when nothing was
/// scheduled for the order.
pub(super) async fn get_one(
    State(state): State<ApiState>,
    headers: HeaderMap,
    ApiPath(merchant_uid): ApiPath<String>,
) -> Result<Json<Value>, SubscribeError> {
    authorize(&state, &headers)?;
    match state.with_store(|store| store.schedule_of(&merchant_uid)) {
        Ok(schedule) => Ok(ok(ScheduleResult::of(schedule))?),
        Err(ApiError::NotFound(_)) => Err(SubscribeError::Api(ApiError::NotFound(format!(
            "예약결제 정보가 없습니다 / nothing scheduled for merchant_uid `{merchant_uid}`"
        )))),
        Err(err) => Err(err.into()),
    }
}

/// `GET /subscribe/payments/schedule?schedule_from=&schedule_to=` (Unix seconds,
/// both required; `schedule_status` optional): the charges in that time, by time
/// (an array, as V1's `ScheduleResponse`).
pub(super) async fn between(
    State(state): State<ApiState>,
    headers: HeaderMap,
    query: Result<Query<BetweenQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, SubscribeError> {
    authorize(&state, &headers)?;
    let bad = |message: &str| SubscribeError::Api(ApiError::BadRequest(message.to_owned()));
    let Query(query) = query.map_err(|err| bad(&err.body_text()))?;
    let (Some(from), Some(to)) = (query.schedule_from, query.schedule_to) else {
        return Err(bad(
            "schedule_from, schedule_to 가 필요합니다 / schedule_from and schedule_to are required",
        ));
    };
    let status = match query.schedule_status.as_deref() {
        None | Some("") => None,
        Some(text) => Some(ScheduleStatus::parse(text).ok_or_else(|| {
            bad("schedule_status 는 scheduled, executed, revoked 중 하나입니다 / schedule_status must be scheduled, executed or revoked")
        })?),
    };
    let found = state.with_store(|store| store.schedules_between(from, to, status))?;
    Ok(ok(ScheduleResult::all(found))?)
}

/// `POST /subscribe/payments/unschedule`: the charges revoked.
pub(super) async fn unschedule(
    State(state): State<ApiState>,
    headers: HeaderMap,
    request: Request,
) -> Result<Json<Value>, SubscribeError> {
    authorize(&state, &headers)?;
    let body: UnscheduleBody = json_or_form(request).await?;
    let merchant_uids = body.merchant_uid.map(|m| m.into_vec()).unwrap_or_default();
    let now = (state.clock)();
    let revoked = state
        .with_store(|store| store.unschedule(body.customer_uid.as_deref(), &merchant_uids, now))?;
    Ok(ok(ScheduleResult::all(revoked))?)
}

/// `POST /sandbox/schedules/run`: fires every charge due by the sandbox's clock now,
/// without waiting for the scheduler's next look; the charges fired.
pub(super) async fn run_due(
    State(state): State<ApiState>,
    headers: HeaderMap,
) -> Result<Json<Value>, SubscribeError> {
    authorize(&state, &headers)?;
    let now = (state.clock)();
    let fired = fire_due(state.store(), &state.webhooks, now).map_err(|err| match err {
        StoreError::Database(_) => SubscribeError::from(err),
        other => SubscribeError::Api(ApiError::Internal(other.to_string())),
    })?;
    Ok(ok(ScheduleResult::all(fired))?)
}
