//! `PortOne.requestIdentityVerification` in the browser: what `portone-v2.js` posts to
//! `/v2/checkout` as `{ kind: "identityVerification", … }`, its validation as V2 does
//! before any window opens, and the identity page it opens — the same page, PASS
//! apps and store as V1's `IMP.certification`, stored as a V2 attempt.
//!
//! Parameters (`@portone/browser-sdk@0.1.11:dist/v2/request/IdentityVerificationRequest.d.ts`):
//! `storeId` and `identityVerificationId` are required; the sandbox also needs
//! `channelKey` (it has no channel groups), here the store's Danal channel (the one
//! that offers identity verification); `redirectUrl` is needed for a redirect (a
//! phone, or `forceRedirect`); `customer` fixes the person on the page
//! (`customerId`, `fullName`, `phoneNumber`, `birthYear`/`birthMonth`/`birthDay`);
//! `bypass.danal.AGELIMIT` and `bypass.danal.IsCarrier` are Danal's minimum age and
//! carriers (`dist/v2/entity/bypass/identityVerification/Danal.d.ts`). An id already
//! verified is refused with `IdentityVerificationAlreadyVerified`
//! (`dist/v2/exception/TxServiceIdentityVerificationErrorCode.d.ts`); refusals reject
//! the Promise and never redirect ("본인인증 시작 전 발생하는 에러는 리디렉션하지
//! 않습니다", `forceRedirect` in the request's `.d.ts`). The call has no `noticeUrls`
//! and no `appScheme`: the PASS app brings back the app the checkout pages run in
//! (`ApiState::with_host_app_scheme`). What it shares with the other calls is
//! `browser_request`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::browser::{self, Opened};
use super::browser_request::{channel, required, serving, store_id, BrowserError, WayBack};
use super::channels::Offer;
use crate::api::ApiState;
use crate::custom_data;
use crate::person::{self, BirthDate, Carrier};
use crate::store::{ApiVersion, CheckoutUrls, NewCertification, RequestedPerson};

/// `requestIdentityVerification`'s argument, every field optional here so that a
/// missing one is named in the refusal rather than failing to parse.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdentityVerificationRequest {
    /// The store.
    pub store_id: Option<String>,
    /// The merchant's id of the verification.
    pub identity_verification_id: Option<String>,
    /// The channel.
    pub channel_key: Option<String>,
    /// Who the merchant says the buyer is.
    pub customer: Option<IdentityCustomer>,
    /// Where a redirect ends.
    pub redirect_url: Option<String>,
    /// Redirect on a PC too.
    pub force_redirect: Option<bool>,
    /// Anything (text in this request; an object is kept as its JSON).
    pub custom_data: Option<Value>,
    /// What the PG gets as it is.
    pub bypass: Option<IdentityBypass>,
}

/// `customer` of a verification request (each call reads its own, as
/// `payment_request::CustomerRequest` says).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdentityCustomer {
    /// The merchant's id of the customer.
    pub customer_id: Option<String>,
    /// Name.
    pub full_name: Option<String>,
    /// Mobile number.
    pub phone_number: Option<String>,
    /// Year of birth (text; a number is taken too).
    pub birth_year: Option<Value>,
    /// Month of birth.
    pub birth_month: Option<Value>,
    /// Day of birth.
    pub birth_day: Option<Value>,
}

/// `bypass` of a verification request.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct IdentityBypass {
    /// Danal's.
    pub danal: Option<DanalBypass>,
}

/// `bypass.danal`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DanalBypass {
    /// The youngest age that may pass.
    #[serde(rename = "AGELIMIT")]
    pub age_limit: Option<Value>,
    /// `SKT`, `KTF`, `LGT`, `MVNO`, joined by `;`.
    #[serde(rename = "IsCarrier")]
    pub is_carrier: Option<String>,
    /// The service's name or URL (accepted; no effect in the sandbox).
    #[serde(rename = "CPTITLE")]
    pub cp_title: Option<String>,
}

/// A validated `requestIdentityVerification`.
#[derive(Debug, Clone)]
pub struct IdentityCheckout {
    /// The attempt to open.
    pub certification: NewCertification,
    /// Where the checkout gets back to the merchant (a redirect's URL only).
    pub way_back: WayBack,
}

/// A text value that may come as a number (`birthYear: 1990`).
fn text_of(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(text) if !text.trim().is_empty() => Some(text.trim().to_owned()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

/// The person `customer` fixes on the identity page: each field that is given, checked.
fn requested_person(customer: Option<&IdentityCustomer>) -> Result<RequestedPerson, BrowserError> {
    let Some(customer) = customer else {
        return Ok(RequestedPerson::default());
    };
    fn filled(text: Option<&String>) -> Option<&str> {
        text.map(String::as_str).filter(|t| !t.trim().is_empty())
    }
    let birth = match (
        text_of(customer.birth_year.as_ref()),
        text_of(customer.birth_month.as_ref()),
        text_of(customer.birth_day.as_ref()),
    ) {
        (None, None, None) => None,
        (Some(year), Some(month), Some(day)) => Some(
            BirthDate::from_parts(&year, &month, &day).ok_or_else(|| {
                BrowserError::bad_request(
                    "customer의 생년월일이 올바르지 않습니다 / customer.birthYear, birthMonth, birthDay are not a date",
                )
            })?,
        ),
        _ => {
            return Err(BrowserError::bad_request(
                "birthYear, birthMonth, birthDay는 함께 주어야 합니다 / give birthYear, birthMonth and birthDay together",
            ))
        }
    };
    Ok(RequestedPerson {
        customer_id: filled(customer.customer_id.as_ref()).map(str::to_owned),
        name: filled(customer.full_name.as_ref())
            .map(person::name)
            .transpose()
            .map_err(BrowserError::bad_request)?,
        phone: filled(customer.phone_number.as_ref())
            .map(person::phone)
            .transpose()
            .map_err(BrowserError::bad_request)?,
        birth_date: birth,
    })
}

/// `bypass.danal`'s carriers and minimum age.
fn danal(bypass: Option<&IdentityBypass>) -> Result<(Vec<Carrier>, Option<i64>), BrowserError> {
    let Some(danal) = bypass.and_then(|b| b.danal.as_ref()) else {
        return Ok((Vec::new(), None));
    };
    let mut carriers = Vec::new();
    for code in danal
        .is_carrier
        .as_deref()
        .unwrap_or_default()
        .split(';')
        .filter(|c| !c.trim().is_empty())
    {
        let enabled = Carrier::from_request_code(code).ok_or_else(|| {
            BrowserError::bad_request(format!(
                "bypass.danal.IsCarrier는 SKT, KTF, LGT, MVNO입니다 / unknown carrier `{code}`"
            ))
        })?;
        for carrier in enabled {
            if !carriers.contains(&carrier) {
                carriers.push(carrier);
            }
        }
    }
    let age = match &danal.age_limit {
        None | Some(Value::Null) => None,
        Some(value) => Some(
            text_of(Some(value))
                .and_then(|t| t.parse::<i64>().ok())
                .filter(|age| (0..=150).contains(age))
                .ok_or_else(|| {
                    BrowserError::bad_request(
                        "bypass.danal.AGELIMIT는 0~150의 정수입니다 / AGELIMIT must be a whole number of years",
                    )
                })?,
        ),
    };
    Ok((carriers, age))
}

/// Validates a `requestIdentityVerification` as V2 does before any window opens.
///
/// # Errors
/// The [`BrowserError`] the Promise rejects with.
pub fn validate_identity_verification(
    request: &IdentityVerificationRequest,
    redirect: bool,
) -> Result<IdentityCheckout, BrowserError> {
    let store_id = store_id(request.store_id.as_deref())?;
    let id = required(
        "identityVerificationId",
        request.identity_verification_id.as_deref(),
    )?;
    let channel = serving(
        channel(request.channel_key.as_deref())?,
        Offer::IdentityVerification,
    )?;
    let way_back = WayBack::check(redirect, request.redirect_url.as_deref(), None, None)?;
    let (carriers, min_age) = danal(request.bypass.as_ref())?;
    Ok(IdentityCheckout {
        certification: NewCertification {
            merchant_uid: id.to_owned(),
            version: ApiVersion::V2,
            store_id: Some(store_id.to_owned()),
            channel_key: Some(channel.key.to_owned()),
            pg_provider: channel.v1_pg.to_owned(),
            channel: way_back.channel().to_owned(),
            requested: requested_person(request.customer.as_ref())?,
            carriers,
            min_age,
            origin: None,
            custom_data: custom_data::as_stored(request.custom_data.as_ref()),
        },
        way_back,
    })
}

/// The ids `/v2/checkout` answers a verification with beside its `pgUrl`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct IdentityVerificationIds {
    identity_verification_id: String,
    identity_verification_tx_id: String,
}

/// Opens the checkout of a `requestIdentityVerification`: the attempt and its
/// transaction in one SQLite transaction, as V1's.
///
/// # Errors
/// The [`BrowserError`] the Promise rejects with.
pub(crate) fn open(
    state: &ApiState,
    request: &IdentityVerificationRequest,
    redirect: bool,
) -> Result<Opened<IdentityVerificationIds>, BrowserError> {
    let checked = validate_identity_verification(request, redirect)?;
    browser::open(
        state,
        |store, now| {
            let urls = CheckoutUrls {
                app_scheme: state.host_app_scheme.as_deref(),
                ..checked.way_back.urls()
            };
            store.open_certification(&checked.certification, &urls, now)
        },
        |certification| IdentityVerificationIds {
            identity_verification_id: certification.merchant_uid,
            identity_verification_tx_id: certification.imp_uid,
        },
    )
}
