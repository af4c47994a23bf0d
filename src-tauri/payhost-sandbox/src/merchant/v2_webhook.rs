//! The merchant's V2 webhook receiver: PortOne signs V2 webhooks per Standard Webhooks
//! (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<HMAC-SHA256>` over
//! `{id}.{timestamp}.{body}` with the store's `whsec_` secret;
//! <https://developers.portone.io/opi/ko/integration/webhook/readme-v2>), and the
//! official server SDKs verify them the same way (`@portone/server-sdk@0.19.0:
//! dist/webhook.mjs` `verify`, `portone-server-sdk@0.21.0:portone_server_sdk/webhook.py`).
//! Here the maintained `standardwebhooks` crate checks the signature and the timestamp
//! (±5 minutes); a webhook id already processed is a replay (or the sender's retry of
//! one whose answer was lost): answered, never processed twice. The body's `data`
//! only names the payment, which the merchant then asks the API about: a webhook
//! decides nothing by itself.

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use rusqlite::params;
use serde::Deserialize;

use super::{MerchantError, MerchantState};

/// Why a V2 webhook was refused.
#[derive(Debug, thiserror::Error)]
pub(super) enum WebhookRefusal {
    /// No secret to check it with.
    #[error("V2 webhooks are not configured / V2 웹훅 설정이 없습니다")]
    NotConfigured,
    /// A missing or wrong signature, or a timestamp off by more than 5 minutes.
    #[error("웹훅 서명이 올바르지 않습니다 / the webhook's signature is invalid: {0}")]
    Signature(standardwebhooks::WebhookError),
    /// Signed, but not V2's webhook JSON.
    #[error("웹훅 본문을 읽을 수 없습니다 / unreadable webhook body: {0}")]
    Body(serde_json::Error),
}

impl WebhookRefusal {
    /// 401 for a bad signature (so a sender retries nothing forged), 400 for a body.
    pub(super) fn status_code(&self) -> StatusCode {
        match self {
            Self::NotConfigured => StatusCode::SERVICE_UNAVAILABLE,
            Self::Signature(_) => StatusCode::UNAUTHORIZED,
            Self::Body(_) => StatusCode::BAD_REQUEST,
        }
    }
}

/// A V2 webhook's body (version `2024-04-25`): `{type, timestamp, data}`.
#[derive(Debug, Deserialize)]
pub(super) struct V2Webhook {
    /// `Transaction.Paid`, `Transaction.Cancelled`, `BillingKey.Issued`, …
    #[serde(rename = "type")]
    pub(super) kind: String,
    /// What it is about.
    #[serde(default)]
    pub(super) data: V2WebhookData,
}

/// `data` of a V2 webhook: the ids it names.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct V2WebhookData {
    /// The payment, for `Transaction.*`.
    pub(super) payment_id: Option<String>,
}

/// A verified webhook: new, or one already processed.
#[derive(Debug)]
pub(super) enum Received {
    /// Verified and seen for the first time.
    New(V2Webhook),
    /// Verified, with an id already processed.
    Replayed,
}

impl MerchantState {
    /// Verifies a V2 webhook's signature and freshness, and whether its id was seen.
    ///
    /// # Errors
    /// [`WebhookRefusal`] for a webhook not to process; [`MerchantError`] when the
    /// database fails.
    pub(super) fn receive_v2_webhook(
        &self,
        headers: &HeaderMap,
        body: &Bytes,
    ) -> Result<Result<Received, WebhookRefusal>, MerchantError> {
        let Some(secret) = self.webhook_secret.as_deref() else {
            return Ok(Err(WebhookRefusal::NotConfigured));
        };
        let checked = standardwebhooks::Webhook::new(secret)
            .and_then(|webhook| webhook.verify(body, headers));
        if let Err(err) = checked {
            return Ok(Err(WebhookRefusal::Signature(err)));
        }
        let webhook: V2Webhook = match serde_json::from_slice(body) {
            Ok(webhook) => webhook,
            Err(err) => return Ok(Err(WebhookRefusal::Body(err))),
        };
        // Verified above, so the header is there.
        let id = headers
            .get(standardwebhooks::HEADER_WEBHOOK_ID)
            .and_then(|id| id.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let inserted = self.with_db(|conn| {
            conn.execute(
                "INSERT OR IGNORE INTO v2_webhooks (webhook_id, kind) VALUES (?1, ?2)",
                params![id, webhook.kind],
            )
        })?;
        Ok(Ok(if inserted == 1 {
            Received::New(webhook)
        } else {
            Received::Replayed
        }))
    }
}
