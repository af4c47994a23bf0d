//! What `IMP.certification(param, callback)` asks for and whether iamport would take
//! it: the parameters the `iamport.js` stand-in posts to `/checkout/certification`
//! ([`CertificationParams`], those of iamport's V1 JavaScript SDK:
//! `portone-io/developers.portone.io:src/routes/(root)/sdk/ko/v1-sdk/javascript-sdk/cft.mdx`),
//! their validation into a verification to open ([`validate_certification`]),
//! refused before any identity page opens, and the route that opens it.
//!
//! The sandbox's identity provider is Danal (`pg: "danal"` or `danal.{CPID}`, or the
//! Danal channel's `channelKey`), whose page takes `carrier`, `name`, `phone` and
//! `min_age`. `app_scheme` is no parameter of `IMP.certification`, but merchants'
//! apps pass it (iamport/iamport-react-native#92): the sandbox takes it as the app a
//! PASS app's Android-style return brings back (`apps::ReturnStyle::Bare`).

use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use serde_json::Value;

use super::{api_message, app_scheme, http_url, refused, CheckoutAnswer};
use crate::api::ApiState;
use crate::person::{self, Carrier};
use crate::store::{ApiVersion, CheckoutUrls, NewCertification, RequestedPerson};
use crate::v2::channels::{self, Offer};

/// The identity provider of every sandbox verification.
pub(crate) const PG_PROVIDER: &str = "danal";

/// The parameters of `IMP.certification` the sandbox reads.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CertificationParams {
    /// `danal` or `danal.{CPID}` (deprecated by `channelKey`).
    pub pg: Option<String>,
    /// The channel (the Danal channel of the sandbox store).
    #[serde(rename = "channelKey")]
    pub channel_key: Option<String>,
    /// The merchant's id of the verification.
    pub merchant_uid: Option<String>,
    /// The youngest age that may pass: a number, or a numeric string (`""` for none,
    /// as iamport's React Native sample sends).
    pub min_age: Option<Value>,
    /// The name the page fixes.
    pub name: Option<String>,
    /// The phone the page fixes.
    pub phone: Option<String>,
    /// `SKT`, `KTF`, `LGT` or `MVNO`: the carriers the page offers.
    pub carrier: Option<String>,
    /// The service's name or URL (accepted; no effect in the sandbox).
    pub company: Option<String>,
    /// Where a redirect ends.
    pub m_redirect_url: Option<String>,
    /// The merchant app's scheme (see the module doc).
    pub app_scheme: Option<String>,
}

/// What the stand-in posts to `/checkout/certification`.
#[derive(Debug, Deserialize)]
pub(super) struct CertificationRequest {
    /// The `IMP.init` code.
    imp_code: Option<String>,
    /// `mobile` (the checkout ends in a redirect) or `pc` (the callback).
    channel: Option<String>,
    /// The merchant page that asked (`location.href`), V1's `origin`.
    origin: Option<String>,
    /// The `IMP.certification` parameters.
    params: CertificationParams,
}

/// A validated `IMP.certification`.
#[derive(Debug, Clone)]
pub struct CertificationCheckout {
    /// The verification to open.
    pub certification: NewCertification,
    /// Where a redirect ends.
    pub m_redirect_url: Option<String>,
    /// The app a PASS app's return brings back, if the request names one.
    pub app_scheme: Option<String>,
}

fn refuse<T>(message: impl Into<String>) -> Result<T, String> {
    Err(message.into())
}

/// `min_age`: a whole number of years, 0–150; `None` for none.
fn min_age(value: Option<&Value>) -> Result<Option<i64>, String> {
    let age = match value {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(text)) if text.trim().is_empty() => return Ok(None),
        Some(Value::String(text)) => text.trim().parse::<i64>().ok(),
        Some(Value::Number(number)) => number.as_i64(),
        Some(_) => None,
    };
    match age.filter(|age| (0..=150).contains(age)) {
        Some(age) => Ok(Some(age)),
        None => refuse("min_age 는 0~150 의 정수입니다 / min_age must be a whole number of years"),
    }
}

/// Validates `IMP.certification` parameters as iamport does before any identity
/// page opens; `channel` is `mobile` for a checkout that ends in a redirect.
///
/// # Errors
/// The message the callback (or `m_redirect_url`) receives.
pub fn validate_certification(
    imp_code: Option<&str>,
    channel: &str,
    origin: Option<&str>,
    params: &CertificationParams,
) -> Result<CertificationCheckout, String> {
    if !imp_code.is_some_and(|code| !code.trim().is_empty()) {
        return refuse("IMP.init 을 먼저 호출하세요 (call IMP.init with the merchant code first)");
    }
    let Some(merchant_uid) = params
        .merchant_uid
        .as_deref()
        .and_then(crate::ids::normalize_merchant_uid)
    else {
        return refuse("merchant_uid 가 필요합니다 (merchant_uid is required)");
    };
    let channel_key = match params.channel_key.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(key) => match channels::by_key(key) {
            Some(found) if found.offers(Offer::IdentityVerification) => Some(found.key),
            Some(_) => {
                return refuse(format!(
                    "채널 {key} 은 본인인증 채널이 아닙니다 / the channel does not offer identity verification"
                ))
            }
            None => return refuse(format!("채널을 찾을 수 없습니다 / no channel `{key}`")),
        },
    };
    if let Some(pg) = params
        .pg
        .as_deref()
        .map(str::trim)
        .filter(|pg| !pg.is_empty())
    {
        if pg.split('.').next() != Some(PG_PROVIDER) {
            return refuse(format!(
                "샌드박스의 본인인증은 다날(danal)입니다 / the sandbox verifies through danal, not `{pg}`"
            ));
        }
    }
    let carriers = match params.carrier.as_deref().map(str::trim) {
        None | Some("") => Vec::new(),
        Some(code) => Carrier::from_request_code(code).ok_or_else(|| {
            format!("carrier 는 SKT, KTF, LGT, MVNO 중 하나입니다 / carrier must be SKT, KTF, LGT or MVNO, not `{code}`")
        })?,
    };
    let name = match params.name.as_deref().filter(|n| !n.trim().is_empty()) {
        Some(name) => Some(person::name(name)?),
        None => None,
    };
    let phone = match params.phone.as_deref().filter(|p| !p.trim().is_empty()) {
        Some(phone) => Some(person::phone(phone)?),
        None => None,
    };
    let m_redirect_url = match params
        .m_redirect_url
        .as_deref()
        .filter(|u| !u.trim().is_empty())
    {
        Some(url) => Some(http_url("m_redirect_url", url)?),
        None if channel == "mobile" => {
            return refuse(
                "리디렉션 방식(popup: false)에는 m_redirect_url 이 필요합니다 (a redirect needs m_redirect_url)",
            )
        }
        None => None,
    };
    Ok(CertificationCheckout {
        certification: NewCertification {
            merchant_uid: merchant_uid.to_owned(),
            version: ApiVersion::V1,
            channel_key: channel_key.map(str::to_owned),
            pg_provider: PG_PROVIDER.to_owned(),
            channel: channel.to_owned(),
            requested: RequestedPerson {
                name,
                phone,
                ..RequestedPerson::default()
            },
            carriers,
            min_age: min_age(params.min_age.as_ref())?,
            origin: origin.and_then(|o| http_url("origin", o).ok()),
            ..NewCertification::default()
        },
        m_redirect_url,
        app_scheme: app_scheme("app_scheme", params.app_scheme.as_deref())?,
    })
}

/// `POST /checkout/certification`: the identity page of a new verification, or
/// iamport's refusal.
pub(super) async fn checkout(
    State(state): State<ApiState>,
    Json(body): Json<CertificationRequest>,
) -> Json<CheckoutAnswer> {
    let channel = if body.channel.as_deref() == Some("pc") {
        "pc"
    } else {
        "mobile"
    };
    let checked = match validate_certification(
        body.imp_code.as_deref(),
        channel,
        body.origin.as_deref(),
        &body.params,
    ) {
        Ok(checked) => checked,
        Err(message) => return refused(message),
    };
    let urls = CheckoutUrls {
        channel,
        m_redirect_url: checked.m_redirect_url.as_deref(),
        notice_url: None,
        app_scheme: checked
            .app_scheme
            .as_deref()
            .or(state.host_app_scheme.as_deref()),
    };
    let now = (state.clock)();
    // The verification and its transaction in one SQLite transaction.
    match state.with_store(|store| store.open_certification(&checked.certification, &urls, now)) {
        Ok((certification, txn)) => Json(CheckoutAnswer::Opened {
            imp_uid: certification.imp_uid,
            merchant_uid: certification.merchant_uid,
            pg_url: format!("/pg/{}", txn.token),
        }),
        Err(err) => refused(api_message(&err)),
    }
}
