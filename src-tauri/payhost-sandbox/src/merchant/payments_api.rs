//! The payment API a verification asks: iamport's V1 (with the token it fetched once
//! for the whole verification) or PortOne's V2. The verdict (`verdict`) reads payments
//! through this one interface, so both versions are decided by the same rules.

use super::iamport::{ApiPayment, IamportClient};
use super::portone::PortOneClient;
use super::MerchantError;
use crate::store::PaymentStatus;

/// One verification's view of a payment API.
pub(super) enum PaymentApi<'a> {
    /// iamport V1, payments named by `imp_uid`.
    V1 {
        /// The client.
        client: &'a IamportClient,
        /// The access token of this verification.
        token: String,
    },
    /// PortOne V2, payments named by `paymentId`.
    V2(&'a PortOneClient),
}

impl PaymentApi<'_> {
    /// The payment `id` (V1 `imp_uid`, V2 `paymentId`).
    pub(super) async fn payment(&self, id: &str) -> Result<ApiPayment, MerchantError> {
        match self {
            Self::V1 { client, token } => client.payment(token, id).await,
            Self::V2(client) => client.payment(id).await,
        }
    }

    /// The newest payment of the order `merchant_uid` (V2: its one payment).
    pub(super) async fn find(&self, merchant_uid: &str) -> Result<ApiPayment, MerchantError> {
        match self {
            Self::V1 { client, token } => client.find(token, merchant_uid).await,
            Self::V2(client) => client.payment(merchant_uid).await,
        }
    }

    /// The newest paid payment of the order `merchant_uid`, if any.
    pub(super) async fn find_paid(
        &self,
        merchant_uid: &str,
    ) -> Result<Option<ApiPayment>, MerchantError> {
        match self {
            Self::V1 { client, token } => {
                client
                    .find_with_status(token, merchant_uid, PaymentStatus::Paid)
                    .await
            }
            Self::V2(client) => match client.payment(merchant_uid).await {
                Ok(payment) if payment.status == PaymentStatus::Paid => Ok(Some(payment)),
                Ok(_) | Err(MerchantError::NotFound(_)) => Ok(None),
                Err(err) => Err(err),
            },
        }
    }

    /// The newest cancelled payment of the order `merchant_uid`, if any.
    pub(super) async fn find_cancelled(
        &self,
        merchant_uid: &str,
    ) -> Result<Option<ApiPayment>, MerchantError> {
        match self {
            Self::V1 { client, token } => {
                client
                    .find_with_status(token, merchant_uid, PaymentStatus::Cancelled)
                    .await
            }
            Self::V2(client) => match client.payment(merchant_uid).await {
                Ok(payment) if payment.status == PaymentStatus::Cancelled => Ok(Some(payment)),
                Ok(_) | Err(MerchantError::NotFound(_)) => Ok(None),
                Err(err) => Err(err),
            },
        }
    }

    /// Cancels all that is left of the payment `id`, with `reason`.
    pub(super) async fn cancel(&self, id: &str, reason: &str) -> Result<ApiPayment, MerchantError> {
        match self {
            Self::V1 { client, token } => client.cancel(token, id, reason).await,
            Self::V2(client) => client.cancel(id, reason).await,
        }
    }
}
