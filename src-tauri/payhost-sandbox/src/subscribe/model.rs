//! The JSON of V1's billing-key API, typed: the bodies it reads (each field optional
//! here, so a missing one is named in the refusal rather than failing to parse) and
//! the `CustomerAnnotation` and `ScheduleResultAnnotation` it answers
//! (`portone-io/developers.portone.io:src/schema/v1.openapi.json`). V1 answers every
//! field, `null` when it has no value, as iamport does.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::billing::card::CardNumber;
use crate::store::{BillingKey, PaymentStatus, Schedule, ScheduleStatus};
use crate::v2::channels::CHANNELS;

/// A text field that clients also send as a number (`iamport-rest-client`'s own
/// tests pass `customer_id: 1000`, `iamport/iamport-rest-client-python:tests/test_billing_key.py`).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(super) enum Text {
    /// As text.
    Text(String),
    /// As a number.
    Number(serde_json::Number),
}

impl Text {
    pub(super) fn into_string(self) -> String {
        match self {
            Self::Text(text) => text,
            Self::Number(number) => number.to_string(),
        }
    }
}

/// `Option<Text>` as an `Option<String>`.
pub(super) fn text(value: Option<Text>) -> Option<String> {
    value.map(Text::into_string)
}

/// One value or a list of them (`pay_unschedule(merchant_uid='x')` sends one).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(super) enum OneOrMany {
    /// One.
    One(String),
    /// Several.
    Many(Vec<String>),
}

impl OneOrMany {
    pub(super) fn into_vec(self) -> Vec<String> {
        match self {
            Self::One(one) => vec![one],
            Self::Many(many) => many,
        }
    }
}

/// `POST /subscribe/customers/{customer_uid}`.
#[derive(Debug, Default, Deserialize)]
pub(super) struct CustomerBody {
    pub(super) card_number: Option<CardNumber>,
    pub(super) expiry: Option<String>,
    pub(super) birth: Option<Text>,
    pub(super) pwd_2digit: Option<Text>,
    pub(super) pg: Option<String>,
    pub(super) channel_key: Option<String>,
    pub(super) customer_id: Option<Text>,
    pub(super) customer_name: Option<String>,
    pub(super) customer_tel: Option<String>,
    pub(super) customer_email: Option<String>,
    pub(super) customer_addr: Option<String>,
    pub(super) customer_postcode: Option<Text>,
}

/// `POST /subscribe/payments/again`.
#[derive(Debug, Default, Deserialize)]
pub(super) struct AgainBody {
    pub(super) customer_uid: Option<String>,
    pub(super) merchant_uid: Option<String>,
    pub(super) amount: Option<i64>,
    pub(super) tax_free: Option<i64>,
    pub(super) currency: Option<String>,
    pub(super) name: Option<String>,
    pub(super) buyer_name: Option<String>,
    pub(super) buyer_email: Option<String>,
    pub(super) buyer_tel: Option<String>,
    pub(super) custom_data: Option<Value>,
    pub(super) notice_url: Option<String>,
}

/// `POST /subscribe/payments/onetime`.
#[derive(Debug, Default, Deserialize)]
pub(super) struct OnetimeBody {
    pub(super) merchant_uid: Option<String>,
    pub(super) amount: Option<i64>,
    pub(super) tax_free: Option<i64>,
    pub(super) currency: Option<String>,
    pub(super) card_number: Option<CardNumber>,
    pub(super) expiry: Option<String>,
    pub(super) birth: Option<Text>,
    pub(super) pwd_2digit: Option<Text>,
    pub(super) customer_uid: Option<String>,
    pub(super) pg: Option<String>,
    pub(super) name: Option<String>,
    pub(super) buyer_name: Option<String>,
    pub(super) buyer_email: Option<String>,
    pub(super) buyer_tel: Option<String>,
    pub(super) buyer_addr: Option<String>,
    pub(super) buyer_postcode: Option<Text>,
    pub(super) custom_data: Option<Value>,
    pub(super) notice_url: Option<String>,
}

/// One of `schedules` (`ScheduleAnnotation`).
#[derive(Debug, Default, Deserialize)]
pub(super) struct ScheduleBody {
    pub(super) merchant_uid: Option<String>,
    pub(super) schedule_at: Option<i64>,
    pub(super) amount: Option<i64>,
    pub(super) currency: Option<String>,
    pub(super) name: Option<String>,
    pub(super) buyer_name: Option<String>,
    pub(super) buyer_email: Option<String>,
    pub(super) buyer_tel: Option<String>,
    pub(super) buyer_addr: Option<String>,
    pub(super) buyer_postcode: Option<Text>,
    pub(super) custom_data: Option<Value>,
    pub(super) notice_url: Option<String>,
}

/// `POST /subscribe/payments/schedule`.
#[derive(Debug, Default, Deserialize)]
pub(super) struct SchedulesBody {
    pub(super) customer_uid: Option<String>,
    pub(super) schedules: Option<Vec<ScheduleBody>>,
}

/// `POST /subscribe/payments/unschedule`.
#[derive(Debug, Default, Deserialize)]
pub(super) struct UnscheduleBody {
    pub(super) customer_uid: Option<String>,
    pub(super) merchant_uid: Option<OneOrMany>,
}

/// The query of `GET /subscribe/payments/schedule`.
#[derive(Debug, Default, Deserialize)]
pub(super) struct BetweenQuery {
    pub(super) schedule_from: Option<i64>,
    pub(super) schedule_to: Option<i64>,
    pub(super) schedule_status: Option<String>,
}

/// The query of `DELETE /subscribe/customers/{customer_uid}`.
#[derive(Debug, Default, Deserialize)]
pub(super) struct DeleteQuery {
    pub(super) reason: Option<String>,
}

/// The PG's id of the merchant (`pg_id`, the MID) for a V1 `pg`: the sandbox
/// channel's of that PG.
fn pg_id(pg_provider: &str) -> &'static str {
    CHANNELS
        .iter()
        .find(|channel| channel.v1_pg == pg_provider)
        .map_or("sandbox", |channel| channel.pg_merchant_id)
}

/// `CustomerAnnotation`: a customer's key.
#[derive(Debug, Serialize)]
pub(super) struct Customer {
    customer_uid: String,
    pg_provider: String,
    pg_id: &'static str,
    sandbox: bool,
    card_name: Option<String>,
    card_code: Option<String>,
    card_number: Option<String>,
    card_type: Option<i64>,
    customer_id: Option<String>,
    customer_name: Option<String>,
    customer_tel: Option<String>,
    customer_email: Option<String>,
    customer_addr: Option<String>,
    customer_postcode: Option<String>,
    inserted: i64,
    updated: i64,
}

impl Customer {
    pub(super) fn of(key: BillingKey) -> Self {
        let (card_name, card_number) = key
            .card
            .map_or((None, None), |card| (Some(card.name), Some(card.number)));
        Self {
            customer_uid: key.customer_uid.unwrap_or_default(),
            pg_id: pg_id(&key.pg_provider),
            pg_provider: key.pg_provider,
            sandbox: true,
            card_name,
            card_code: None,
            card_number,
            // Credit (0) or check (1): the sandbox's card company does not say.
            card_type: None,
            customer_id: key.customer.id,
            customer_name: key.customer.name,
            customer_tel: key.customer.tel,
            customer_email: key.customer.email,
            customer_addr: key.customer.addr,
            customer_postcode: key.customer.postcode,
            inserted: key.requested_at,
            updated: key.updated_at,
        }
    }
}

/// `ScheduleResultAnnotation`: a scheduled charge.
#[derive(Debug, Serialize)]
pub(super) struct ScheduleResult {
    customer_uid: String,
    merchant_uid: String,
    imp_uid: Option<String>,
    pg_provider: Option<String>,
    pg_id: Option<&'static str>,
    schedule_at: i64,
    executed_at: i64,
    revoked_at: i64,
    amount: i64,
    currency: String,
    name: String,
    buyer_name: Option<String>,
    buyer_email: Option<String>,
    buyer_tel: Option<String>,
    buyer_addr: Option<String>,
    buyer_postcode: Option<String>,
    custom_data: Option<String>,
    schedule_status: ScheduleStatus,
    payment_status: Option<PaymentStatus>,
    fail_reason: Option<String>,
}

impl ScheduleResult {
    pub(super) fn of(schedule: Schedule) -> Self {
        let charge = schedule.charge;
        Self {
            pg_id: schedule.pg_provider.as_deref().map(pg_id),
            customer_uid: schedule.customer_uid,
            merchant_uid: charge.merchant_uid,
            imp_uid: schedule.imp_uid,
            pg_provider: schedule.pg_provider,
            schedule_at: charge.schedule_at,
            executed_at: schedule.executed_at,
            revoked_at: schedule.revoked_at,
            amount: charge.amount,
            currency: charge.currency,
            name: charge.name,
            buyer_name: charge.buyer_name,
            buyer_email: charge.buyer_email,
            buyer_tel: charge.buyer_tel,
            buyer_addr: charge.buyer_addr,
            buyer_postcode: charge.buyer_postcode,
            custom_data: charge.custom_data,
            schedule_status: schedule.status,
            payment_status: schedule.payment_status,
            fail_reason: schedule.fail_reason,
        }
    }

    /// Every schedule of `list`.
    pub(super) fn all(list: Vec<Schedule>) -> Vec<Self> {
        list.into_iter().map(Self::of).collect()
    }
}
