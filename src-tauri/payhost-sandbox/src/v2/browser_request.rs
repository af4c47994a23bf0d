//! What the browser SDK's three calls (`requestPayment`, `requestIssueBillingKey`,
//! `requestIdentityVerification`) share, and V2's checks of it before any window
//! opens: `storeId`, `channelKey`, where the checkout gets back to the merchant
//! (`redirectUrl`, `noticeUrls`, `appScheme`), and the refusal ([`BrowserError`]:
//! the `{ code, message }` the SDK's Promise rejects with). Each call's own fields
//! (its `customer` too) and checks are `payment_request`, `issue` and
//! `identity_request`; written once here, a field reads and is refused alike in all
//! three.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

use crate::checkout::{app_scheme, http_url};
use crate::store::{CheckoutUrls, StoreError, ALREADY_VERIFIED};
use crate::v2::channels::{self, Channel, ChannelRefusal, Offer};

/// The browser SDK's error codes the sandbox refuses with: `CheckoutServiceErrorCode`,
/// `TxServicePayErrorCode` and `TxServiceIdentityVerificationErrorCode`
/// (`@portone/browser-sdk@0.1.11:dist/v2/exception/*.d.ts`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum BrowserErrorCode {
    /// A request V2 refuses as it reads it.
    BadRequest,
    /// A `storeId` other than the sandbox store's.
    StoreNotFound,
    /// A `channelKey` the store does not have.
    ChannelNotFound,
    /// A `paymentId` already paid.
    PaymentAlreadyPaid,
    /// Another amount than the one pre-registered for the `paymentId`.
    AmountNotEqualToPredefined,
    /// An `identityVerificationId` already verified.
    IdentityVerificationAlreadyVerified,
}

/// A refusal before any window opens, in the browser SDK's terms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{code:?}: {message}")]
pub struct BrowserError {
    /// The browser SDK's error code.
    pub code: BrowserErrorCode,
    /// Why, Korean first.
    pub message: String,
}

impl BrowserError {
    /// A refusal with `code`.
    pub(crate) fn new(code: BrowserErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    /// `BadRequest`.
    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(BrowserErrorCode::BadRequest, message)
    }
}

/// How a refusal of the store reads in the browser: the SDK's code where it has one,
/// else `BadRequest` (the sandbox's own failures too).
impl From<StoreError> for BrowserError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::AlreadyPaid(message) => {
                Self::new(BrowserErrorCode::PaymentAlreadyPaid, message)
            }
            StoreError::NotAsPrepared(message) => {
                Self::new(BrowserErrorCode::AmountNotEqualToPredefined, message)
            }
            StoreError::Conflict(message) if message == ALREADY_VERIFIED => Self::new(
                BrowserErrorCode::IdentityVerificationAlreadyVerified,
                message,
            ),
            StoreError::NotFound
            | StoreError::Conflict(_)
            | StoreError::Invalid(_)
            | StoreError::Database(_)
            | StoreError::Encode(_)
            | StoreError::LockPoisoned => Self::bad_request(err.to_string()),
        }
    }
}

/// The answer of `/v2/checkout` that rejects the Promise: 400 with the refusal
/// (`portone-v2.js` reads the body of any status but 2xx).
impl IntoResponse for BrowserError {
    fn into_response(self) -> Response {
        (StatusCode::BAD_REQUEST, Json(self)).into_response()
    }
}

/// `field` of a request, required: present and not blank.
///
/// # Errors
/// `BadRequest` naming `field`.
pub(crate) fn required<'a>(field: &str, value: Option<&'a str>) -> Result<&'a str, BrowserError> {
    value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| {
            BrowserError::bad_request(format!("{field}이(가) 필요합니다 / {field} is required"))
        })
}

/// `storeId`: required, and the sandbox store's.
///
/// # Errors
/// `BadRequest` without it, `StoreNotFound` for another store.
pub(crate) fn store_id(value: Option<&str>) -> Result<&str, BrowserError> {
    let store_id = required("storeId", value)?;
    if store_id == crate::SANDBOX_STORE_ID {
        Ok(store_id)
    } else {
        Err(BrowserError::new(
            BrowserErrorCode::StoreNotFound,
            format!(
                "상점을 찾을 수 없습니다 / no store `{store_id}` (the sandbox's is {})",
                crate::SANDBOX_STORE_ID
            ),
        ))
    }
}

/// `channelKey`: required (the sandbox has no channel groups) and a channel of the
/// store.
///
/// # Errors
/// `BadRequest` without it, `ChannelNotFound` for a key the store does not have.
pub(crate) fn channel(key: Option<&str>) -> Result<&'static Channel, BrowserError> {
    let key = required("channelKey", key)?;
    channels::by_key(key).ok_or_else(|| {
        BrowserError::new(
            BrowserErrorCode::ChannelNotFound,
            ChannelRefusal::NotFound(key.to_owned()).to_string(),
        )
    })
}

/// `channel`, when it offers `offer` (checked apart from [`channel`]: a payment and a
/// billing key's issue check fields of their own in between).
///
/// # Errors
/// `BadRequest` for a channel that does not offer `offer`.
pub(crate) fn serving(
    channel: &'static Channel,
    offer: Offer,
) -> Result<&'static Channel, BrowserError> {
    channel
        .serving(offer)
        .map_err(|refusal| BrowserError::bad_request(refusal.to_string()))
}

/// Where a checkout gets back to the merchant, checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WayBack {
    /// Whether the checkout ends in a redirect (a phone, or `forceRedirect`) rather
    /// than resolving the Promise.
    pub redirect: bool,
    /// Where a redirect ends (`redirectUrl`).
    pub redirect_url: Option<String>,
    /// The merchant's webhook (`noticeUrls`' one URL).
    pub notice_url: Option<String>,
    /// The merchant app's scheme, for the payment apps' way back (`appScheme`).
    pub app_scheme: Option<String>,
}

/// The one webhook URL of V2's `noticeUrls` (the browser SDK's and the REST API's):
/// none for an absent or empty list (V2 ignores an empty one), else an http(s) URL.
///
/// # Errors
/// The refusal's text, naming the field, for a URL that is none or for more than one
/// (the sandbox sends each webhook once).
pub(crate) fn notice_url(notice_urls: Option<&[String]>) -> Result<Option<String>, String> {
    match notice_urls.unwrap_or_default() {
        [] => Ok(None),
        [url] => http_url("noticeUrls", url).map(Some),
        _ => Err(
            "샌드박스는 noticeUrls를 하나만 받습니다 / the sandbox takes one noticeUrls entry"
                .to_owned(),
        ),
    }
}

impl WayBack {
    /// Checks `redirectUrl` (an http(s) URL, required for a redirect), `noticeUrls`
    /// (one at most, http(s)) and `appScheme` (a URL scheme).
    ///
    /// # Errors
    /// `BadRequest` naming the field.
    pub(crate) fn check(
        redirect: bool,
        redirect_url: Option<&str>,
        notice_urls: Option<&[String]>,
        app_scheme_text: Option<&str>,
    ) -> Result<Self, BrowserError> {
        let redirect_url = match redirect_url.filter(|url| !url.trim().is_empty()) {
            Some(url) => Some(http_url("redirectUrl", url).map_err(BrowserError::bad_request)?),
            None if redirect => {
                return Err(BrowserError::bad_request(
                    "모바일(또는 forceRedirect)에는 redirectUrl이 필요합니다 / a redirect needs redirectUrl",
                ))
            }
            None => None,
        };
        Ok(Self {
            redirect,
            redirect_url,
            notice_url: notice_url(notice_urls).map_err(BrowserError::bad_request)?,
            app_scheme: app_scheme("appScheme", app_scheme_text)
                .map_err(BrowserError::bad_request)?,
        })
    }

    /// The checkout's `channel`, as V1's: `mobile` for a redirect, else `pc`.
    pub fn channel(&self) -> &'static str {
        if self.redirect {
            "mobile"
        } else {
            "pc"
        }
    }

    /// The store's checkout transaction's URLs.
    pub(crate) fn urls(&self) -> CheckoutUrls<'_> {
        CheckoutUrls {
            channel: self.channel(),
            m_redirect_url: self.redirect_url.as_deref(),
            notice_url: self.notice_url.as_deref(),
            app_scheme: self.app_scheme.as_deref(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_redirect_needs_its_url_and_a_popup_does_not() {
        assert_eq!(
            WayBack::check(true, None, None, None).map_err(|e| e.code),
            Err(BrowserErrorCode::BadRequest)
        );
        let popup = WayBack::check(false, Some("  "), Some([].as_slice()), None).unwrap();
        assert_eq!(popup, WayBack::default());
        assert_eq!(popup.urls().channel, "pc");
        let redirect = WayBack::check(
            true,
            Some("https://shop.example/done"),
            Some(["https://shop.example/hook".to_owned()].as_slice()),
            Some("Shop://"),
        )
        .unwrap();
        assert_eq!(redirect.urls().channel, "mobile");
        assert_eq!(redirect.app_scheme.as_deref(), Some("shop"));
        let two = [
            "https://a.example".to_owned(),
            "https://b.example".to_owned(),
        ];
        assert!(WayBack::check(false, None, Some(two.as_slice()), None).is_err());
    }

    #[test]
    fn the_store_and_the_channel_are_refused_with_the_sdks_codes() {
        assert_eq!(
            store_id(Some("store-other")).map_err(|e| e.code),
            Err(BrowserErrorCode::StoreNotFound)
        );
        assert_eq!(
            store_id(None).map_err(|e| e.code),
            Err(BrowserErrorCode::BadRequest)
        );
        assert_eq!(
            channel(Some("channel-key-nowhere")).map_err(|e| e.code),
            Err(BrowserErrorCode::ChannelNotFound)
        );
        assert_eq!(
            channel(None).map_err(|e| e.code),
            Err(BrowserErrorCode::BadRequest)
        );
        let danal = channel(Some("channel-key-sandbox-danal")).unwrap();
        assert_eq!(
            serving(danal, Offer::Card).map_err(|e| e.code),
            Err(BrowserErrorCode::BadRequest)
        );
        assert_eq!(
            serving(danal, Offer::IdentityVerification).map(|c| c.key),
            Ok("channel-key-sandbox-danal")
        );
    }
}
