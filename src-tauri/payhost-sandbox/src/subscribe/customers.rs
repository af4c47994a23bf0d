//! A customer's card as a billing key, by `customer_uid`: registered from its
//! numbers (`POST /subscribe/customers/{customer_uid}`: the card company verifies
//! them and the store keeps the masked card), read one or several at a time, and
//! deleted.

use axum::extract::{Query, RawQuery, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::Value;

use super::model::{text, Customer, CustomerBody, DeleteQuery};
use super::{pg_provider, rejected, required, SubscribeError};
use crate::api::{authorize, json_or_form, ok, ApiError, ApiPath, ApiState};
use crate::billing::card::{self, CardInput};
use crate::store::{ApiVersion, KeyCustomer, NewBillingKey};
use crate::v2::channels::{self, Offer};

/// The PG a registration names, through `channel_key` or as V1's `pg` (NICE when
/// neither names one).
fn pg_of(pg: Option<&str>, channel_key: Option<&str>) -> Result<String, SubscribeError> {
    if let Some(key) = channel_key.map(str::trim).filter(|k| !k.is_empty()) {
        return channels::by_key(key)
            .filter(|channel| channel.offers(Offer::BillingKey))
            .map(|channel| channel.v1_pg.to_owned())
            .ok_or_else(|| {
                rejected(format!(
                    "빌링키를 발급할 수 없는 채널입니다 / channel `{key}` issues no billing keys"
                ))
            });
    }
    Ok(pg_provider(pg))
}

fn not_found(customer_uid: &str) -> SubscribeError {
    SubscribeError::Api(ApiError::NotFound(format!(
        "등록된 구매자 정보가 없습니다 / no billing key for customer_uid `{customer_uid}`"
    )))
}

/// `POST /subscribe/customers/{customer_uid}`.
pub(super) async fn register(
    State(state): State<ApiState>,
    headers: HeaderMap,
    ApiPath(customer_uid): ApiPath<String>,
    request: Request,
) -> Result<Json<Value>, SubscribeError> {
    authorize(&state, &headers)?;
    let body: CustomerBody = json_or_form(request).await?;
    let number = required("card_number", body.card_number)?;
    let expiry = required("expiry", body.expiry)?;
    let birth = text(body.birth);
    let pwd_2digit = text(body.pwd_2digit);
    let now = (state.clock)();
    let input = CardInput::v1(&number, &expiry, birth.as_deref(), pwd_2digit.as_deref())?;
    let masked = card::verify(&input, now)?;
    let new = NewBillingKey {
        version: ApiVersion::V1,
        customer_uid: Some(customer_uid),
        pg_provider: pg_of(body.pg.as_deref(), body.channel_key.as_deref())?,
        customer: KeyCustomer {
            id: text(body.customer_id),
            name: body.customer_name,
            tel: body.customer_tel,
            email: body.customer_email,
            addr: body.customer_addr,
            postcode: text(body.customer_postcode),
        },
        ..NewBillingKey::default()
    };
    let key = state.with_store(|store| store.register_customer(&new, &masked, now))?;
    Ok(ok(Customer::of(key))?)
}

/// `GET /subscribe/customers/{customer_uid}`.
pub(super) async fn get_one(
    State(state): State<ApiState>,
    headers: HeaderMap,
    ApiPath(customer_uid): ApiPath<String>,
) -> Result<Json<Value>, SubscribeError> {
    authorize(&state, &headers)?;
    match state.with_store(|store| store.customer(&customer_uid)) {
        Ok(key) => Ok(ok(Customer::of(key))?),
        Err(ApiError::NotFound(_)) => Err(not_found(&customer_uid)),
        Err(err) => Err(err.into()),
    }
}

/// `DELETE /subscribe/customers/{customer_uid}`: the key as it was deleted.
pub(super) async fn delete(
    State(state): State<ApiState>,
    headers: HeaderMap,
    ApiPath(customer_uid): ApiPath<String>,
    Query(query): Query<DeleteQuery>,
) -> Result<Json<Value>, SubscribeError> {
    authorize(&state, &headers)?;
    let now = (state.clock)();
    let deleted = state
        .with_store(|store| store.delete_customer(&customer_uid, query.reason.as_deref(), now));
    match deleted {
        Ok(key) => Ok(ok(Customer::of(key))?),
        Err(ApiError::NotFound(_)) => Err(not_found(&customer_uid)),
        Err(err) => Err(err.into()),
    }
}

/// `GET /subscribe/customers?customer_uid[]=a&customer_uid[]=b`: 200 when every one
/// is registered, 207 when some are not, 404 when none is (V1's statuses for its
/// multi-gets).
pub(super) async fn get_many(
    State(state): State<ApiState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, SubscribeError> {
    authorize(&state, &headers)?;
    // A repeated key, which a struct cannot read: the pairs themselves.
    let asked: Vec<String> = url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .filter(|(key, _)| key == "customer_uid[]" || key == "customer_uid")
        .map(|(_, value)| value.into_owned())
        .collect();
    if asked.is_empty() {
        return Err(SubscribeError::Api(ApiError::BadRequest(
            "customer_uid[] 가 필요합니다 / customer_uid[] is required".to_owned(),
        )));
    }
    let found = state.with_store(|store| store.customers(&asked))?;
    if found.is_empty() {
        return Err(SubscribeError::Api(ApiError::NotFound(
            "등록된 구매자 정보가 없습니다 / none of the customer_uid[] has a billing key"
                .to_owned(),
        )));
    }
    let status = if found.len() < asked.len() {
        StatusCode::MULTI_STATUS
    } else {
        StatusCode::OK
    };
    let list: Vec<Customer> = found.into_iter().map(Customer::of).collect();
    Ok((status, ok(list)?).into_response())
}
