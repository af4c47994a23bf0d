//! PortOne V2's JSON, typed: what the REST API answers and reads
//! (`portone-io/developers.portone.io:src/schema/v2.openapi.json`, read at the
//! `components.schemas` named beside each type), built from the store's rows.
//!
//! Optional fields are left out when they have no value, never sent as `null`: the
//! official Python client validates every answer and refuses a `null` where a field
//! is optional (`portone-server-sdk@0.21.0:portone_server_sdk/_generated/payment/`
//! deserializers). A payment's required fields depend on its `status`, so
//! [`Payment`] is one variant per status.

use serde::{Deserialize, Serialize};

use crate::store::{self, PaymentStatus};
use crate::v2::channels::{self, SelectedChannel};

/// The merchant the sandbox store belongs to (`merchantId`).
pub const SANDBOX_MERCHANT_ID: &str = "merchant-sandbox-0000";

/// Unix seconds as RFC 3339 (`2024-04-25T10:00:00Z`), V2's date-time format.
pub fn rfc3339(secs: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(secs)
        .ok()
        .and_then(|at| {
            at.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".to_owned())
}

/// `PaymentAmount`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentAmount {
    /// The whole amount.
    pub total: i64,
    /// Its tax-free part.
    pub tax_free: i64,
    /// Its VAT (the sandbox computes 1/11 of the taxable part).
    pub vat: i64,
    /// Discounts (none in the sandbox).
    pub discount: i64,
    /// What was paid.
    pub paid: i64,
    /// What was cancelled.
    pub cancelled: i64,
    /// The tax-free part cancelled.
    pub cancelled_tax_free: i64,
}

/// `Customer`, a payment's buyer and a billing key's owner alike: every field optional
/// (the sandbox keeps these of it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Customer {
    /// The merchant's id of the customer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// E-mail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Phone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    /// Postcode.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zipcode: Option<String>,
}

/// `PaymentOrigin`: where the payment was asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentOrigin {
    /// `PC`, `MOBILE` or `API`.
    pub platform_type: &'static str,
    /// The buyer's address (the sandbox is on loopback).
    pub ip_address: &'static str,
}

/// `Card`, inside `PaymentMethodCard` and `BillingKeyPaymentMethodCard` alike: every
/// field optional upstream; the sandbox always names the card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Card {
    /// `VISA`, `MASTER`, `LOCAL`, … (`CardBrand`), when the sandbox knows the card.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub brand: Option<&'static str>,
    /// The number's first digits, when the sandbox knows the card.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bin: Option<String>,
    /// The card's name.
    pub name: String,
    /// Its masked number, when the sandbox knows the card (a billing key's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
}

/// `PaymentMethod`: how the buyer paid (a union on `type`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type")]
pub enum PaymentMethod {
    /// `PaymentMethodCard`.
    #[serde(rename = "PaymentMethodCard", rename_all = "camelCase")]
    Card {
        /// The card.
        card: Card,
        /// The approval number.
        #[serde(skip_serializing_if = "Option::is_none")]
        approval_number: Option<String>,
    },
    /// `PaymentMethodEasyPay`.
    #[serde(rename = "PaymentMethodEasyPay")]
    EasyPay {
        /// `KAKAOPAY`, `TOSSPAY`, … (`EasyPayProvider`).
        provider: &'static str,
    },
    /// `PaymentMethodTransfer`.
    #[serde(rename = "PaymentMethodTransfer")]
    Transfer {},
    /// `PaymentMethodVirtualAccount`.
    #[serde(rename = "PaymentMethodVirtualAccount", rename_all = "camelCase")]
    VirtualAccount {
        /// The account to pay into.
        account_number: String,
        /// The account's holder as the buyer sees it.
        #[serde(skip_serializing_if = "Option::is_none")]
        remittee_name: Option<String>,
        /// When it closes.
        #[serde(skip_serializing_if = "Option::is_none")]
        expired_at: Option<String>,
    },
}

/// `PaymentFailure`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentFailure {
    /// Why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// `SucceededPaymentCancellation` (the sandbox's cancellations all succeed at once).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename = "SUCCEEDED", rename_all = "camelCase")]
pub struct PaymentCancellation {
    /// The cancellation's id.
    pub id: String,
    /// Amount cancelled.
    pub total_amount: i64,
    /// Its tax-free part.
    pub tax_free_amount: i64,
    /// Its VAT.
    pub vat_amount: i64,
    /// Why.
    pub reason: String,
    /// When it was asked for.
    pub requested_at: String,
    /// When it was done.
    pub cancelled_at: String,
}

/// `Dispute`: a chargeback, which the sandbox never has (so none can be made).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Dispute {}

/// What every variant of [`Payment`] carries (`BasePayment`'s fields).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentCommon {
    /// The merchant's `paymentId`.
    pub id: String,
    /// This attempt's id (`txId` in the browser).
    pub transaction_id: String,
    /// The merchant.
    pub merchant_id: &'static str,
    /// The store.
    pub store_id: String,
    /// How the buyer pays, once chosen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<PaymentMethod>,
    /// The channel.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<SelectedChannel>,
    /// The billing key charged, for a payment made with one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub billing_key: Option<String>,
    /// `V2`.
    pub version: &'static str,
    /// When it was asked for.
    pub requested_at: String,
    /// When it last changed.
    pub updated_at: String,
    /// When its status last changed.
    pub status_changed_at: String,
    /// `orderName`.
    pub order_name: String,
    /// The amounts.
    pub amount: PaymentAmount,
    /// `KRW`.
    pub currency: String,
    /// The buyer.
    pub customer: Customer,
    /// Where it was asked for.
    pub origin: PaymentOrigin,
    /// The merchant's `customData`, as text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_data: Option<String>,
}

/// `Payment`: a union on `status`, each variant with the fields V2 requires of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(
    tag = "status",
    rename_all = "SCREAMING_SNAKE_CASE",
    rename_all_fields = "camelCase"
)]
pub enum Payment {
    /// `ReadyPayment`: the window is open, nothing paid.
    Ready {
        /// The common fields.
        #[serde(flatten)]
        common: PaymentCommon,
    },
    /// `VirtualAccountIssuedPayment`: an account waits for the deposit.
    VirtualAccountIssued {
        /// The common fields.
        #[serde(flatten)]
        common: PaymentCommon,
        /// The PG's id of the transaction.
        pg_tx_id: String,
    },
    /// `PaidPayment`.
    Paid {
        /// The common fields.
        #[serde(flatten)]
        common: PaymentCommon,
        /// When.
        paid_at: String,
        /// The PG's id of the transaction.
        pg_tx_id: String,
        /// Chargebacks: the sandbox has none, and V2 requires the list.
        disputes: Vec<Dispute>,
        /// The receipt.
        #[serde(skip_serializing_if = "Option::is_none")]
        receipt_url: Option<String>,
    },
    /// `FailedPayment`.
    Failed {
        /// The common fields.
        #[serde(flatten)]
        common: PaymentCommon,
        /// When.
        failed_at: String,
        /// Why.
        failure: PaymentFailure,
    },
    /// `PartialCancelledPayment`: paid, part of it cancelled.
    PartialCancelled {
        /// The common fields.
        #[serde(flatten)]
        common: PaymentCommon,
        /// The cancellations.
        #[serde(flatten)]
        cancelled: CancelledFields,
    },
    /// `CancelledPayment`: paid, then cancelled in full.
    Cancelled {
        /// The common fields.
        #[serde(flatten)]
        common: PaymentCommon,
        /// The cancellations.
        #[serde(flatten)]
        cancelled: CancelledFields,
    },
}

/// What `PartialCancelledPayment` and `CancelledPayment` add to the common fields (the
/// same fields in both).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CancelledFields {
    /// When it was paid.
    pub paid_at: String,
    /// The PG's id of the transaction.
    pub pg_tx_id: String,
    /// The cancellations, oldest first.
    pub cancellations: Vec<PaymentCancellation>,
    /// When the last one was done.
    pub cancelled_at: String,
}

/// The VAT of `amount` with `tax_free` of it exempt: a tenth of the taxable price,
/// which is 1/11 of the taxable part of a VAT-inclusive amount (KRW has no minor unit).
fn vat(amount: i64, tax_free: i64) -> i64 {
    (amount - tax_free).max(0) / 11
}

impl Payment {
    /// A V2 payment of the store, as `GET /payments/{paymentId}` answers it.
    pub fn from_store(payment: &store::Payment) -> Self {
        let changed_at = [
            payment.started_at,
            payment.paid_at,
            payment.failed_at,
            payment.cancelled_at,
        ]
        .into_iter()
        .max()
        .unwrap_or(payment.started_at);
        let paid = if matches!(
            payment.status,
            PaymentStatus::Paid | PaymentStatus::Cancelled
        ) {
            payment.amount
        } else {
            0
        };
        let common = PaymentCommon {
            id: payment.merchant_uid.clone(),
            transaction_id: payment.imp_uid.clone(),
            merchant_id: SANDBOX_MERCHANT_ID,
            store_id: payment
                .store_id
                .clone()
                .unwrap_or_else(|| crate::SANDBOX_STORE_ID.to_owned()),
            method: method_of(payment),
            channel: channels::selected(payment.channel_key.as_deref()),
            billing_key: payment.billing_key.clone(),
            version: "V2",
            requested_at: rfc3339(payment.started_at),
            updated_at: rfc3339(changed_at),
            status_changed_at: rfc3339(changed_at),
            order_name: payment.name.clone(),
            amount: PaymentAmount {
                total: payment.amount,
                tax_free: payment.tax_free,
                vat: vat(payment.amount, payment.tax_free),
                discount: 0,
                paid,
                cancelled: payment.cancel_amount,
                cancelled_tax_free: 0,
            },
            currency: payment.currency.clone(),
            customer: Customer {
                name: payment.buyer_name.clone(),
                email: payment.buyer_email.clone(),
                phone_number: payment.buyer_tel.clone(),
                ..Customer::default()
            },
            origin: PaymentOrigin {
                platform_type: match payment.channel.as_str() {
                    "pc" => "PC",
                    // Made by the merchant's server (a billing key's charge).
                    "api" => "API",
                    _ => "MOBILE",
                },
                ip_address: "127.0.0.1",
            },
            custom_data: payment.custom_data.clone(),
        };
        let pg_tx_id = format!("pgtx_{}", payment.imp_uid);
        let cancelled = |pg_tx_id| CancelledFields {
            paid_at: rfc3339(payment.paid_at),
            pg_tx_id,
            cancellations: payment
                .cancel_history
                .iter()
                .map(|cancel| PaymentCancellation {
                    id: cancel
                        .cancellation_id
                        .clone()
                        .unwrap_or_else(|| format!("cancel_{}", cancel.cancelled_at)),
                    total_amount: cancel.amount,
                    tax_free_amount: 0,
                    vat_amount: vat(cancel.amount, 0),
                    reason: cancel.reason.clone(),
                    requested_at: rfc3339(cancel.cancelled_at),
                    cancelled_at: rfc3339(cancel.cancelled_at),
                })
                .collect(),
            cancelled_at: rfc3339(payment.cancelled_at),
        };
        match payment.status {
            PaymentStatus::Ready if payment.vbank_num.is_some() => {
                Self::VirtualAccountIssued { common, pg_tx_id }
            }
            PaymentStatus::Ready => Self::Ready { common },
            PaymentStatus::Paid if payment.cancel_amount > 0 => Self::PartialCancelled {
                common,
                cancelled: cancelled(pg_tx_id),
            },
            PaymentStatus::Paid => Self::Paid {
                common,
                paid_at: rfc3339(payment.paid_at),
                pg_tx_id,
                disputes: Vec::new(),
                receipt_url: payment.receipt_url.clone(),
            },
            PaymentStatus::Cancelled => Self::Cancelled {
                common,
                cancelled: cancelled(pg_tx_id),
            },
            PaymentStatus::Failed => Self::Failed {
                common,
                failed_at: rfc3339(payment.failed_at),
                failure: PaymentFailure {
                    reason: payment.fail_reason.clone(),
                },
            },
        }
    }
}

/// The method of a payment whose buyer has chosen how to pay.
fn method_of(payment: &store::Payment) -> Option<PaymentMethod> {
    match payment.pay_method.as_str() {
        "card" if payment.status != PaymentStatus::Ready => Some(PaymentMethod::Card {
            card: Card {
                brand: None,
                bin: None,
                name: payment
                    .card_name
                    .clone()
                    .unwrap_or_else(|| "샌드박스카드 / Sandbox card".to_owned()),
                number: payment.card_number.clone(),
            },
            approval_number: payment.apply_num.clone(),
        }),
        "kakaopay" => Some(PaymentMethod::EasyPay {
            provider: "KAKAOPAY",
        }),
        "tosspay" => Some(PaymentMethod::EasyPay {
            provider: "TOSSPAY",
        }),
        "trans" if payment.status != PaymentStatus::Ready => Some(PaymentMethod::Transfer {}),
        "vbank" => payment
            .vbank_num
            .clone()
            .map(|account_number| PaymentMethod::VirtualAccount {
                account_number,
                remittee_name: payment.vbank_name.clone(),
                expired_at: (payment.vbank_date > 0).then(|| rfc3339(payment.vbank_date)),
            }),
        _ => None,
    }
}

/// `CancelPaymentResponse`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CancelPaymentResponse {
    /// The cancellation just made.
    pub cancellation: PaymentCancellation,
}

/// `PreRegisterPaymentResponse`: an empty object.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PreRegisterPaymentResponse {}

/// `LoginViaApiSecretResponse`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginResponse {
    /// The bearer token.
    pub access_token: String,
    /// A token to refresh it (the sandbox accepts it nowhere but here).
    pub refresh_token: String,
}

/// `LoginViaApiSecretBody`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginBody {
    /// The store's API secret.
    pub api_secret: String,
}

/// `PreRegisterPaymentBody`: every field optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PreRegisterBody {
    /// The store (the authenticated one when absent).
    pub store_id: Option<String>,
    /// The amount the payment must have.
    pub total_amount: Option<i64>,
    /// Its tax-free part.
    pub tax_free_amount: Option<i64>,
    /// The currency it must be in.
    pub currency: Option<String>,
}

/// `CancelPaymentBody`: `reason` is the one required field.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CancelBody {
    /// The store (the authenticated one when absent).
    pub store_id: Option<String>,
    /// How much (all that is left when absent).
    pub amount: Option<i64>,
    /// Why.
    pub reason: Option<String>,
    /// No `Transaction.Cancelled` webhook when true.
    #[serde(default)]
    pub skip_webhook: bool,
    /// The amount the caller believes can still be cancelled; refused when it is not.
    pub current_cancellable_amount: Option<i64>,
}
