//! How a V1 webhook is written: the body iamport POSTs to `notice_url`
//! (`imp_uid`, `merchant_uid`, `status`) as JSON or as a form, a choice each
//! merchant makes in iamport's console
//! (`portone-io/developers.portone.io:src/routes/(root)/opi/ko/integration/webhook/readme-v1.mdx`:
//! `application/json` or `application/x-www-form-urlencoded`, e.g.
//! `imp_uid=imp_1234567890&merchant_uid=order_id_8237352&status=paid`).
//!
//! Apart from the sender because the store renders the body when it writes the
//! outbox row, in the same SQLite transaction as the change: a row keeps the format
//! (and the bytes) it was written with, so a retry or a delivery after a restart
//! sends exactly what was queued, whatever the restarted sandbox is configured with.

use serde::Serialize;

use crate::store::{text_enum, PaymentStatus};

/// What iamport POSTs to `notice_url`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WebhookBody<'a> {
    /// The payment.
    pub imp_uid: &'a str,
    /// Its order.
    pub merchant_uid: &'a str,
    /// `paid`, `ready` (a virtual account issued), `cancelled`, or `failed` (a
    /// scheduled charge declined).
    pub status: PaymentStatus,
}

/// The encoding of a webhook's body: the sandbox's setting (`serve --webhook-format`)
/// for new rows, and each outbox row's own (stored as `v1-json`, `v1-form` or `v2`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum WebhookFormat {
    /// `application/json` (iamport's default).
    #[default]
    V1Json,
    /// `application/x-www-form-urlencoded`.
    V1Form,
    /// PortOne V2's JSON, signed when sent (`v2::webhook`): every V2 payment's
    /// webhooks, whatever the setting.
    V2,
}

text_enum!(WebhookFormat as column "webhook format" {
    V1Json => "v1-json",
    V1Form => "v1-form",
    V2 => "v2",
});

impl WebhookFormat {
    /// The `Content-Type` the body is sent with.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::V1Json | Self::V2 => "application/json",
            Self::V1Form => "application/x-www-form-urlencoded",
        }
    }

    /// `body` in this format.
    ///
    /// # Errors
    /// When JSON serialisation fails (it cannot for these fields).
    pub fn render(self, body: &WebhookBody<'_>) -> Result<String, serde_json::Error> {
        match self {
            // A V2 row always has its body (`v2::webhook::render`); V1's JSON is what
            // an older row without one could only have been.
            Self::V1Json | Self::V2 => serde_json::to_string(body),
            Self::V1Form => Ok(url::form_urlencoded::Serializer::new(String::new())
                .append_pair("imp_uid", body.imp_uid)
                .append_pair("merchant_uid", body.merchant_uid)
                .append_pair("status", body.status.as_str())
                .finish()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_formats_carry_the_three_fields() {
        let body = WebhookBody {
            imp_uid: "imp_1",
            merchant_uid: "주문 1&x=y",
            status: PaymentStatus::Paid,
        };
        assert_eq!(
            WebhookFormat::V1Json.render(&body).unwrap(),
            r#"{"imp_uid":"imp_1","merchant_uid":"주문 1&x=y","status":"paid"}"#
        );
        let form = WebhookFormat::V1Form.render(&body).unwrap();
        assert_eq!(
            form,
            "imp_uid=imp_1&merchant_uid=%EC%A3%BC%EB%AC%B8+1%26x%3Dy&status=paid"
        );
        let pairs: Vec<(String, String)> = url::form_urlencoded::parse(form.as_bytes())
            .into_owned()
            .collect();
        assert_eq!(
            pairs[1],
            ("merchant_uid".to_owned(), "주문 1&x=y".to_owned())
        );
        for format in [WebhookFormat::V1Json, WebhookFormat::V1Form] {
            assert_eq!(WebhookFormat::parse(format.as_str()), Some(format));
        }
        assert_eq!(WebhookFormat::parse("json"), None);
    }
}
