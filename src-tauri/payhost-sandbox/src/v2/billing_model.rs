//! V2's billing-key JSON, typed: the bodies `POST /billing-keys` and
//! `POST /payments/{paymentId}/billing-key` read and the `BillingKeyInfo` union,
//! `IssueBillingKeyResponse`, `DeleteBillingKeyResponse` and
//! `PayWithBillingKeyResponse` they answer
//! (`portone-io/developers.portone.io:src/schema/v2.openapi.json`, at the
//! `components.schemas` named beside each type). Optional fields are left out when
//! they have no value, never `null` (`portone-server-sdk@0.21.0` refuses a `null`).
//! The schemas a key shares with a payment (`Customer`, `Card`, `SelectedChannel`)
//! are `v2::model`'s and `v2::channels`'.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::billing::card::{CardNumber, MaskedCard};
use crate::store::{BillingKey, BillingKeyStatus, KeyCustomer};
use crate::v2::channels::{self, SelectedChannel};
use crate::v2::model::{rfc3339, Card, Customer, SANDBOX_MERCHANT_ID};

/// `CardCredential`: a card's numbers (the number only ever in a [`CardNumber`]).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CardCredential {
    pub(crate) number: Option<CardNumber>,
    pub(crate) expiry_year: Option<String>,
    pub(crate) expiry_month: Option<String>,
    pub(crate) birth_or_business_registration_number: Option<String>,
    pub(crate) password_two_digits: Option<String>,
}

/// `InstantBillingKeyPaymentMethodInputCard`.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct CardMethodInput {
    pub(crate) credential: Option<CardCredential>,
}

/// `InstantBillingKeyPaymentMethodInput`.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct MethodInput {
    pub(crate) card: Option<CardMethodInput>,
}

/// `CustomerNameInput`.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct CustomerNameInput {
    pub(crate) full: Option<String>,
    pub(crate) separated: Option<SeparatedName>,
}

/// `CustomerSeparatedName`.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct SeparatedName {
    pub(crate) first: Option<String>,
    pub(crate) last: Option<String>,
}

/// `CustomerInput` (the fields the sandbox keeps).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CustomerInput {
    pub(crate) id: Option<String>,
    pub(crate) name: Option<CustomerNameInput>,
    pub(crate) email: Option<String>,
    pub(crate) phone_number: Option<String>,
    pub(crate) zipcode: Option<String>,
}

impl CustomerInput {
    /// The customer as a key keeps them (a separated name joined, family name first).
    pub(crate) fn into_key_customer(self) -> KeyCustomer {
        let name = self.name.and_then(|name| {
            name.full.or_else(|| {
                name.separated.map(|separated| {
                    [separated.last, separated.first]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join("")
                })
            })
        });
        KeyCustomer {
            id: self.id,
            name,
            tel: self.phone_number,
            email: self.email,
            postcode: self.zipcode,
            ..KeyCustomer::default()
        }
    }
}

/// `IssueBillingKeyBody`: `method` is the one required field.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct IssueBillingKeyBody {
    pub(crate) store_id: Option<String>,
    pub(crate) method: Option<MethodInput>,
    pub(crate) channel_key: Option<String>,
    pub(crate) customer: Option<CustomerInput>,
    pub(crate) custom_data: Option<Value>,
}

/// `PaymentAmountInput`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AmountInput {
    pub(crate) total: Option<i64>,
    pub(crate) tax_free: Option<i64>,
}

/// `BillingKeyPaymentInput` (with the path's `paymentId`): `billingKey`,
/// `orderName`, `amount` and `currency` required.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PayWithBillingKeyBody {
    pub(crate) store_id: Option<String>,
    pub(crate) billing_key: Option<String>,
    pub(crate) channel_key: Option<String>,
    pub(crate) order_name: Option<String>,
    pub(crate) customer: Option<CustomerInput>,
    pub(crate) custom_data: Option<Value>,
    pub(crate) amount: Option<AmountInput>,
    pub(crate) currency: Option<String>,
    /// The merchant's webhook for this payment (approved or failed); an empty list is
    /// ignored.
    pub(crate) notice_urls: Option<Vec<String>>,
    /// No webhook for this payment.
    pub(crate) skip_webhook: Option<bool>,
}

/// The query of `DELETE /billing-keys/{billingKey}`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DeleteQuery {
    pub(crate) store_id: Option<String>,
    pub(crate) reason: Option<String>,
}

/// `BillingKeyInfoSummary`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct BillingKeyInfoSummary {
    pub(crate) billing_key: String,
    pub(crate) channels: Vec<SelectedChannel>,
    pub(crate) issued_at: String,
}

/// `IssueBillingKeyResponse`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct IssueBillingKeyResponse {
    pub(crate) billing_key_info: BillingKeyInfoSummary,
}

/// `DeleteBillingKeyResponse`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DeleteBillingKeyResponse {
    pub(crate) deleted_at: String,
}

/// `BillingKeyPaymentSummary`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct BillingKeyPaymentSummary {
    pub(crate) pg_tx_id: String,
    pub(crate) paid_at: String,
}

/// `PayWithBillingKeyResponse`.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct PayWithBillingKeyResponse {
    pub(crate) payment: BillingKeyPaymentSummary,
}

/// `BillingKeyPaymentMethod` (a union on `type`; the sandbox's keys are cards).
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type")]
pub(crate) enum BillingKeyPaymentMethod {
    /// `BillingKeyPaymentMethodCard`.
    #[serde(rename = "BillingKeyPaymentMethodCard")]
    Card {
        /// The card.
        card: Card,
    },
}

/// The fields both variants of [`BillingKeyInfo`] carry.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct BillingKeyInfoCommon {
    billing_key: String,
    merchant_id: &'static str,
    store_id: String,
    methods: Vec<BillingKeyPaymentMethod>,
    channels: Vec<SelectedChannel>,
    customer: Customer,
    #[serde(skip_serializing_if = "Option::is_none")]
    custom_data: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    issue_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    issue_name: Option<String>,
    requested_at: String,
    issued_at: String,
}

/// `BillingKeyInfo`: a union on `status`.
#[derive(Debug, Clone, Serialize)]
#[serde(
    tag = "status",
    rename_all = "SCREAMING_SNAKE_CASE",
    rename_all_fields = "camelCase"
)]
pub(crate) enum BillingKeyInfo {
    /// `IssuedBillingKeyInfo`.
    Issued {
        /// The common fields.
        #[serde(flatten)]
        common: BillingKeyInfoCommon,
    },
    /// `DeletedBillingKeyInfo`.
    Deleted {
        /// The common fields.
        #[serde(flatten)]
        common: BillingKeyInfoCommon,
        /// When.
        deleted_at: String,
    },
}

/// A key's card as V2 shows it.
fn card_of(card: &MaskedCard) -> Card {
    Card {
        brand: Some(card.brand().as_v2()),
        bin: Some(card.bin()),
        name: card.name.clone(),
        number: Some(card.number.clone()),
    }
}

impl BillingKeyInfo {
    /// An issued or deleted key as `GET /billing-keys/{billingKey}` answers it;
    /// `None` for one never issued.
    pub(crate) fn of(key: BillingKey) -> Option<Self> {
        let channels = channels::selected(key.channel_key.as_deref())
            .into_iter()
            .collect();
        let common = BillingKeyInfoCommon {
            methods: key
                .card
                .as_ref()
                .map(|card| BillingKeyPaymentMethod::Card {
                    card: card_of(card),
                })
                .into_iter()
                .collect(),
            billing_key: key.billing_key,
            merchant_id: SANDBOX_MERCHANT_ID,
            store_id: key
                .store_id
                .unwrap_or_else(|| crate::SANDBOX_STORE_ID.to_owned()),
            channels,
            customer: Customer {
                id: key.customer.id,
                name: key.customer.name,
                email: key.customer.email,
                phone_number: key.customer.tel,
                zipcode: key.customer.postcode,
            },
            custom_data: key.custom_data,
            issue_id: key.issue_id,
            issue_name: key.issue_name,
            requested_at: rfc3339(key.requested_at),
            issued_at: rfc3339(key.issued_at),
        };
        match key.status {
            BillingKeyStatus::Issued => Some(Self::Issued { common }),
            BillingKeyStatus::Deleted => Some(Self::Deleted {
                common,
                deleted_at: rfc3339(key.deleted_at),
            }),
            BillingKeyStatus::Ready | BillingKeyStatus::Failed => None,
        }
    }
}
