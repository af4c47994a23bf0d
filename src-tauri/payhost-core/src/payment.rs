//! What a URL says about the payment in flight: the iamport ids it carries, whether
//! it is the merchant's own page, and the merchant's resume URL for a known order.
//!
//! The shell records `merchant_uid` / `imp_uid` before handing the buyer to another
//! app, so that a killed process can still send the buyer to the merchant's result
//! page (no maintained SDK of `docs/sources.md` restores state after a cold start;
//! only LEG's old Android samples read the launch link). These helpers keep that URL
//! reading in the policy crate.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use url::Url;

use crate::context::ReturnContext;

/// Everything but RFC 3986 unreserved characters is escaped in a query value, so
/// `order_1` stays `order_1` (the merchant's server compares it byte for byte).
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The iamport ids found in a URL's query (V1 redirect parameters, PDOC
/// `integration/start/v1/auth.mdx`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PaymentIds {
    /// `merchant_uid`: the merchant's order id.
    pub merchant_uid: Option<String>,
    /// `imp_uid`: iamport's payment id.
    pub imp_uid: Option<String>,
}

impl PaymentIds {
    /// Reads `merchant_uid` and `imp_uid` from an http(s) URL's query; empty values
    /// count as absent (`http://null?imp_uid=&merchant_uid`, URL corpus row 60).
    pub fn from_url(url: &str) -> Self {
        let Ok(parsed) = Url::parse(url) else {
            return Self::default();
        };
        if !matches!(parsed.scheme(), "http" | "https") {
            return Self::default();
        }
        let mut ids = Self::default();
        for (key, value) in parsed.query_pairs() {
            if value.is_empty() {
                continue;
            }
            match key.as_ref() {
                "merchant_uid" => ids.merchant_uid = Some(value.into_owned()),
                "imp_uid" => ids.imp_uid = Some(value.into_owned()),
                _ => {}
            }
        }
        ids
    }

    /// True when neither id is known.
    pub fn is_empty(&self) -> bool {
        self.merchant_uid.is_none() && self.imp_uid.is_none()
    }

    /// Keeps the ids of `newer` where it has them.
    pub fn merge(&mut self, newer: Self) {
        if newer.merchant_uid.is_some() {
            self.merchant_uid = newer.merchant_uid;
        }
        if newer.imp_uid.is_some() {
            self.imp_uid = newer.imp_uid;
        }
    }
}

impl ReturnContext {
    /// True when `url` is a page on one of the merchant's own (configured) hosts that
    /// carries an `imp_uid` or `merchant_uid`: the merchant's return page
    /// (`m_redirect_url`), where a payment flow ends.
    pub fn is_merchant_return(&self, url: &str) -> bool {
        let Ok(parsed) = Url::parse(url) else {
            return false;
        };
        matches!(parsed.scheme(), "http" | "https")
            && self.hosts().allows_merchant(&parsed)
            && !PaymentIds::from_url(url).is_empty()
    }
}

/// Fills a `resume_url` template (`https://shop.example/payments/resume?merchant_uid={merchant_uid}`)
/// with percent-encoded ids. `None` when the template names an id that is not known,
/// or when the result is not an http(s) URL.
pub fn expand_resume_url(template: &str, ids: &PaymentIds) -> Option<String> {
    let mut out = template.to_owned();
    for (placeholder, value) in [
        ("{merchant_uid}", &ids.merchant_uid),
        ("{imp_uid}", &ids.imp_uid),
    ] {
        if out.contains(placeholder) {
            let value = value.as_ref()?;
            let encoded = utf8_percent_encode(value, QUERY_VALUE).to_string();
            out = out.replace(placeholder, &encoded);
        }
    }
    let parsed = Url::parse(&out).ok()?;
    matches!(parsed.scheme(), "http" | "https").then(|| parsed.into())
}

/// The host of an http(s) URL, for messages and logs that must not carry the query
/// (it holds tokens): `https://pay.example:8443/a?t=secret` → `pay.example:8443`.
pub fn host_for_display(url: &str) -> String {
    match Url::parse(url) {
        Ok(parsed) => match (parsed.host_str(), parsed.port()) {
            (Some(host), Some(port)) => format!("{host}:{port}"),
            (Some(host), None) => host.to_owned(),
            (None, _) => parsed.scheme().to_owned(),
        },
        Err(_) => crate::text::scheme_of(url).unwrap_or("?").to_owned(),
    }
}

/// A URL with its query and fragment replaced by `?…` / `#…`, for logs: payment
/// URLs carry tokens (`payToken=`, `P_TID=`) that must never reach a log file.
pub fn redact_url(url: &str) -> String {
    let url = crate::text::trim_c0(url);
    let cut = url.find(['?', '#']).unwrap_or(url.len());
    let mut out = url[..cut].to_owned();
    // `intent://TID=…#Intent;…` and `ispmobile://TID=…` carry the token in the
    // authority; keep the scheme and at most 24 more characters.
    if !url.starts_with("http://") && !url.starts_with("https://") {
        let keep = out.find(':').map_or(0, |colon| colon + 1);
        let visible: String = out[keep..].chars().take(24).collect();
        let truncated = out[keep..].chars().count() > 24;
        out = format!(
            "{}{visible}{}",
            &out[..keep],
            if truncated { "…" } else { "" }
        );
    }
    if cut < url.len() {
        out.push_str(if url[cut..].starts_with('?') {
            "?…"
        } else {
            "#…"
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_read_from_the_query() {
        let ids =
            PaymentIds::from_url("https://shop.example/c?imp_uid=imp_1&merchant_uid=order%201");
        assert_eq!(ids.imp_uid.as_deref(), Some("imp_1"));
        assert_eq!(ids.merchant_uid.as_deref(), Some("order 1"));
        assert!(PaymentIds::from_url("http://null?imp_uid=&merchant_uid").is_empty());
        assert!(PaymentIds::from_url("ispmobile://x?imp_uid=1").is_empty());
    }

    #[test]
    fn resume_url_is_expanded_and_encoded() {
        let ids = PaymentIds {
            merchant_uid: Some("order 1&x".into()),
            imp_uid: None,
        };
        assert_eq!(
            expand_resume_url(
                "https://shop.example/resume?merchant_uid={merchant_uid}",
                &ids
            )
            .as_deref(),
            Some("https://shop.example/resume?merchant_uid=order%201%26x")
        );
        assert_eq!(
            expand_resume_url("https://shop.example/r?i={imp_uid}", &ids),
            None
        );
        assert_eq!(expand_resume_url("javascript:{merchant_uid}", &ids), None);
    }

    #[test]
    fn merchant_return_needs_a_merchant_host_and_an_id() {
        let ctx = ReturnContext::new(&["myapp"], &["shop.example"]).unwrap();
        assert!(ctx.is_merchant_return("https://shop.example/complete?imp_uid=imp_1"));
        assert!(!ctx.is_merchant_return("https://shop.example/cart"));
        assert!(!ctx.is_merchant_return("https://mobile.inicis.com/x?imp_uid=imp_1"));
    }

    #[test]
    fn redaction_drops_queries_and_tokens() {
        assert_eq!(
            redact_url("https://pay.example/a?token=secret#x"),
            "https://pay.example/a?…"
        );
        assert_eq!(
            redact_url("ispmobile://TID=INIMX_ISPtest_0123456789abcdef"),
            "ispmobile://TID=INIMX_ISPtest_0123…"
        );
        assert_eq!(
            redact_url("supertoss://pay?payToken=abc"),
            "supertoss://pay?…"
        );
        assert_eq!(
            host_for_display("https://pay.example:8443/a?t=1"),
            "pay.example:8443"
        );
    }
}
