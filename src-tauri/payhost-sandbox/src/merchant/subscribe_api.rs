//! The merchant's calls to iamport's billing-key API and the JSON they read: the
//! payment of a card registration (its `customer_uid` and what it was used for), the
//! registered card (`GET /subscribe/customers/{customer_uid}`), a charge without the
//! buyer (`POST /subscribe/payments/again`) and a scheduled one
//! (`POST /subscribe/payments/schedule`), each unwrapped from the envelope by the
//! same client as the payment calls (`iamport`).

use serde::{Deserialize, Serialize};

use super::iamport::{ApiPayment, IamportClient};
use super::MerchantError;
use crate::store::PaymentStatus;

/// What the merchant reads of a card registration's payment (`GET /payments/{imp_uid}`).
#[derive(Debug, Clone, Deserialize)]
pub(super) struct RegistrationPayment {
    pub(super) imp_uid: String,
    pub(super) merchant_uid: String,
    pub(super) status: PaymentStatus,
    pub(super) amount: i64,
    pub(super) customer_uid: Option<String>,
    pub(super) customer_uid_usage: Option<String>,
    pub(super) fail_reason: Option<String>,
}

/// What the merchant reads of a registered card (`CustomerAnnotation`).
#[derive(Debug, Clone, Deserialize)]
pub(super) struct ApiCustomer {
    pub(super) customer_uid: String,
    pub(super) card_name: Option<String>,
    pub(super) card_number: Option<String>,
}

/// `POST /subscribe/payments/again`'s body.
#[derive(Debug, Serialize)]
pub(super) struct AgainRequest<'a> {
    pub(super) customer_uid: &'a str,
    pub(super) merchant_uid: &'a str,
    pub(super) amount: i64,
    pub(super) name: &'a str,
    pub(super) notice_url: &'a str,
}

/// One charge of `POST /subscribe/payments/schedule`.
#[derive(Debug, Serialize)]
pub(super) struct ScheduleCharge<'a> {
    pub(super) merchant_uid: &'a str,
    pub(super) schedule_at: i64,
    pub(super) amount: i64,
    pub(super) name: &'a str,
    pub(super) notice_url: &'a str,
}

/// `POST /subscribe/payments/schedule`'s body.
#[derive(Debug, Serialize)]
pub(super) struct ScheduleRequest<'a> {
    pub(super) customer_uid: &'a str,
    pub(super) schedules: Vec<ScheduleCharge<'a>>,
}

/// What the merchant reads of a scheduled charge (`ScheduleResultAnnotation`).
#[derive(Debug, Clone, Deserialize)]
pub(super) struct ApiSchedule {
    pub(super) merchant_uid: String,
    pub(super) schedule_at: i64,
}

impl IamportClient {
    /// The payment `imp_uid`, as a registration.
    pub(super) async fn registration(
        &self,
        token: &str,
        imp_uid: &str,
    ) -> Result<RegistrationPayment, MerchantError> {
        let (http, url) = self.endpoint(&["payments", imp_uid])?;
        self.call(http.get(url).header("Authorization", token))
            .await
    }

    /// The newest payment of `merchant_uid`, as a registration (a cold start may
    /// have lost `imp_uid`).
    pub(super) async fn find_registration(
        &self,
        token: &str,
        merchant_uid: &str,
    ) -> Result<RegistrationPayment, MerchantError> {
        let (http, url) = self.endpoint(&["payments", "find", merchant_uid])?;
        self.call(http.get(url).header("Authorization", token))
            .await
    }

    /// The card registered under `customer_uid`.
    pub(super) async fn customer(
        &self,
        token: &str,
        customer_uid: &str,
    ) -> Result<ApiCustomer, MerchantError> {
        let (http, url) = self.endpoint(&["subscribe", "customers", customer_uid])?;
        self.call(http.get(url).header("Authorization", token))
            .await
    }

    /// A charge of the registered card now.
    pub(super) async fn again(
        &self,
        token: &str,
        request: &AgainRequest<'_>,
    ) -> Result<ApiPayment, MerchantError> {
        let (http, url) = self.endpoint(&["subscribe", "payments", "again"])?;
        self.call(http.post(url).header("Authorization", token).json(request))
            .await
    }

    /// Charges of the registered card at their times.
    pub(super) async fn schedule(
        &self,
        token: &str,
        request: &ScheduleRequest<'_>,
    ) -> Result<Vec<ApiSchedule>, MerchantError> {
        let (http, url) = self.endpoint(&["subscribe", "payments", "schedule"])?;
        self.call(http.post(url).header("Authorization", token).json(request))
            .await
    }
}
