//! V2's webhooks, version `2024-04-25`: `{ type, timestamp, data: { storeId,
//! paymentId, transactionId, cancellationId? } }` as JSON
//! (`portone-io/developers.portone.io:src/routes/(root)/opi/ko/integration/webhook/readme-v2.mdx`;
//! the receivers' types: `portone-server-sdk@0.21.0:portone_server_sdk/_generated/webhook/`),
//! signed per Standard Webhooks when sent (`webhook-id`, `webhook-timestamp`,
//! `webhook-signature: v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">` with the
//! key after `whsec_`, as both official SDKs verify it).
//!
//! The body (and its `timestamp`) is written when the change is stored, in the same
//! SQLite transaction, and is resent unchanged on a retry; the `webhook-id` is the
//! row's, unchanged too (a receiver tells a retry by it); the signature and its
//! timestamp are made at each attempt, as a receiver refuses one older than 5 minutes.
//! Unlike V1, V2 also tells the merchant of a failure (`Transaction.Failed`).

use serde::Serialize;

use crate::store::PaymentStatus;
use crate::v2::model::rfc3339;

/// What a V2 webhook says happened to a payment.
pub fn transaction_type(status: PaymentStatus, account_issued: bool, partly: bool) -> &'static str {
    match status {
        PaymentStatus::Ready if account_issued => "Transaction.VirtualAccountIssued",
        PaymentStatus::Ready => "Transaction.Ready",
        PaymentStatus::Paid if partly => "Transaction.PartialCancelled",
        PaymentStatus::Paid => "Transaction.Paid",
        PaymentStatus::Cancelled => "Transaction.Cancelled",
        PaymentStatus::Failed => "Transaction.Failed",
    }
}

/// `data` of a transaction webhook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TransactionData<'a> {
    /// The store.
    pub store_id: &'a str,
    /// The merchant's `paymentId`.
    pub payment_id: &'a str,
    /// The attempt.
    pub transaction_id: &'a str,
    /// The cancellation, for `Transaction.Cancelled` / `PartialCancelled`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancellation_id: Option<&'a str>,
}

/// A V2 webhook's body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WebhookBody<'a> {
    /// `Transaction.Paid`, …
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// When it happened (RFC 3339).
    pub timestamp: String,
    /// What it names.
    pub data: TransactionData<'a>,
}

/// The body of a transaction webhook written at `now` (Unix seconds).
///
/// # Errors
/// When JSON serialisation fails (it cannot for these fields).
pub fn render(
    kind: &'static str,
    now: i64,
    data: TransactionData<'_>,
) -> Result<String, serde_json::Error> {
    serde_json::to_string(&WebhookBody {
        kind,
        timestamp: rfc3339(now),
        data,
    })
}

/// The Standard Webhooks headers of an attempt to send `body` as the webhook `id`
/// at `now` (Unix seconds), signed with `secret` (`whsec_…`).
///
/// # Errors
/// When the secret is not `whsec_` and base64, or the body is not UTF-8.
pub fn signed_headers(
    secret: &str,
    id: &str,
    now: i64,
    body: &str,
) -> Result<[(&'static str, String); 3], standardwebhooks::WebhookError> {
    let signature = standardwebhooks::Webhook::new(secret)?.sign(id, now, body.as_bytes())?;
    Ok([
        (standardwebhooks::HEADER_WEBHOOK_ID, id.to_owned()),
        (standardwebhooks::HEADER_WEBHOOK_TIMESTAMP, now.to_string()),
        (standardwebhooks::HEADER_WEBHOOK_SIGNATURE, signature),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signed_webhook_verifies_and_a_changed_one_does_not() {
        let body = render(
            "Transaction.Paid",
            1_800_000_000,
            TransactionData {
                store_id: "store-sandbox-0000",
                payment_id: "order_1",
                transaction_id: "imp_1",
                cancellation_id: None,
            },
        )
        .unwrap();
        assert_eq!(
            body,
            "{\"type\":\"Transaction.Paid\",\"timestamp\":\"2027-01-15T08:00:00Z\",\
             \"data\":{\"storeId\":\"store-sandbox-0000\",\"paymentId\":\"order_1\",\"transactionId\":\"imp_1\"}}"
        );
        let now = i64::try_from(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs(),
        )
        .unwrap();
        let mut headers = axum::http::HeaderMap::new();
        for (name, value) in
            signed_headers(crate::SANDBOX_WEBHOOK_SECRET, "msg_1", now, &body).unwrap()
        {
            headers.insert(name, value.parse().unwrap());
        }
        let verifier = standardwebhooks::Webhook::new(crate::SANDBOX_WEBHOOK_SECRET).unwrap();
        assert!(verifier.verify(body.as_bytes(), &headers).is_ok());
        assert!(verifier
            .verify(body.replace("Paid", "Failed").as_bytes(), &headers)
            .is_err());
    }
}
