//! The sandbox's HTML, in one look: every page (shop, PG, web apps, merchant result)
//! is a small server-rendered document with the same style, and every value that
//! goes into one passes through [`encode`] — as HTML text or a quoted attribute
//! ([`escape`]) or as JSON inside a `<script>` element ([`script_json`]) — so an order
//! name, a merchant_uid or an error message can never inject markup or script.
//!
//! A page's behaviour is a file of its own in `assets/` ([`Script`], served at
//! `/assets/{name}` by [`router`]), never JavaScript written from Rust: the page
//! hands it its values as JSON in a data block ([`Script::with_data`]), so what a
//! script does can be read (and linted) as JavaScript, and no value is ever code.

use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Serialize;

/// Where a value lands in a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    /// Element content or an attribute value in double or single quotes.
    Html,
    /// JSON text inside a `<script>` element (a page's data block).
    ScriptJson,
}

/// The one escaping function: `text` made safe for `context`.
///
/// In [`Context::ScriptJson`], `text` must be JSON (what `serde_json` writes): `<`,
/// `>` and `&` become `\u003c`, `\u003e`, `\u0026`, so no `</script>` or `<!--` can
/// end or alter the script (HTML's script data state ends at `</script`; WHATWG HTML
/// §13.2.5.4, <https://html.spec.whatwg.org/multipage/parsing.html#script-data-state>),
/// and U+2028/U+2029 become `\u2028`/`\u2029`, which JavaScript before ES2019 did not
/// accept inside a string literal. Those characters only occur inside JSON strings,
/// where the escapes mean the same characters.
pub fn encode(text: &str, context: Context) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match (context, c) {
            (Context::Html, '&') => out.push_str("&amp;"),
            (Context::Html, '<') => out.push_str("&lt;"),
            (Context::Html, '>') => out.push_str("&gt;"),
            (Context::Html, '"') => out.push_str("&quot;"),
            (Context::Html, '\'') => out.push_str("&#39;"),
            (Context::ScriptJson, '<') => out.push_str("\\u003c"),
            (Context::ScriptJson, '>') => out.push_str("\\u003e"),
            (Context::ScriptJson, '&') => out.push_str("\\u0026"),
            (Context::ScriptJson, '\u{2028}') => out.push_str("\\u2028"),
            (Context::ScriptJson, '\u{2029}') => out.push_str("\\u2029"),
            (_, c) => out.push(c),
        }
    }
    out
}

/// HTML-escapes text for element content and quoted attributes.
pub fn escape(text: &str) -> String {
    encode(text, Context::Html)
}

/// `value` as JSON to put inside a `<script>` element (a page's data block,
/// [`Script::with_data`]; JSON is also a JavaScript expression). `null` when it cannot
/// be serialised (no sandbox type fails).
pub fn script_json<T: Serialize + ?Sized>(value: &T) -> String {
    match serde_json::to_string(value) {
        Ok(json) => encode(&json, Context::ScriptJson),
        Err(err) => {
            tracing::warn!("a page value could not be serialised: {err}");
            "null".to_owned()
        }
    }
}

/// The id of a page's data block: the JSON its [`Script`] reads with
/// `JSON.parse(document.getElementById('payhost-data').textContent)`.
pub const DATA_ID: &str = "payhost-data";

/// The script of a sandbox page: a file in `assets/`, served at `/assets/{name}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Script {
    /// The PG's hand-off page: into the payment app, then polling for its decision.
    HandOff,
    /// The PG's PC result page: the callback's `rsp` to the merchant's page.
    PcResult,
    /// The payment apps' web version: its buttons report the buyer's decision.
    WebApp,
    /// The merchant's shop: an order, then `IMP.request_pay`.
    Shop,
    /// The shop's identity verification: `IMP.certification` or
    /// `PortOne.requestIdentityVerification`.
    Certify,
    /// The shop's subscription section: a card registered with `IMP.request_pay`.
    Subscribe,
    /// A subscription's page: reloads while a scheduled charge is on its way.
    Subscription,
}

impl Script {
    /// Every page script.
    pub const ALL: [Self; 7] = [
        Self::HandOff,
        Self::PcResult,
        Self::WebApp,
        Self::Shop,
        Self::Certify,
        Self::Subscribe,
        Self::Subscription,
    ];

    /// Its file name, under `assets/` and under `/assets/`.
    pub fn name(self) -> &'static str {
        match self {
            Self::HandOff => "hand-off.js",
            Self::PcResult => "pc-result.js",
            Self::WebApp => "web-app.js",
            Self::Shop => "shop.js",
            Self::Certify => "certify.js",
            Self::Subscribe => "subscribe.js",
            Self::Subscription => "subscription.js",
        }
    }

    /// The script itself (compiled in, so the binary serves it from anywhere).
    pub fn source(self) -> &'static str {
        match self {
            Self::HandOff => include_str!("../assets/hand-off.js"),
            Self::PcResult => include_str!("../assets/pc-result.js"),
            Self::WebApp => include_str!("../assets/web-app.js"),
            Self::Shop => include_str!("../assets/shop.js"),
            Self::Certify => include_str!("../assets/certify.js"),
            Self::Subscribe => include_str!("../assets/subscribe.js"),
            Self::Subscription => include_str!("../assets/subscription.js"),
        }
    }

    /// The markup that runs this script on a page: `data` as JSON in the page's
    /// data block ([`DATA_ID`], written with [`script_json`], so no value can end
    /// the element), then the script, which reads it. Put where the script is to
    /// run (a plain `<script src>` runs where it stands, as an inline one did).
    pub fn with_data<T: Serialize + ?Sized>(self, data: &T) -> String {
        self.with_data_in(DATA_ID, data)
    }

    /// [`Script::with_data`] with the data block under `id` instead of [`DATA_ID`],
    /// for a script that shares its page with another's data block (a section of
    /// the shop); the script reads `id`.
    pub fn with_data_in<T: Serialize + ?Sized>(self, id: &str, data: &T) -> String {
        format!(
            "<script type=\"application/json\" id=\"{}\">{}</script>\
             <script src=\"/assets/{}\"></script>",
            escape(id),
            script_json(data),
            self.name()
        )
    }
}

/// `body` as a JavaScript file.
pub fn javascript(body: &'static str) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/javascript; charset=utf-8",
        )],
        body,
    )
        .into_response()
}

/// `GET /assets/{name}`: a page script by its file name; 404 for any other name.
async fn asset(Path(name): Path<String>) -> Response {
    match Script::ALL.into_iter().find(|script| script.name() == name) {
        Some(script) => javascript(script.source()),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// The pages' scripts: `/assets/{name}`.
pub fn router() -> Router {
    Router::new().route("/assets/{name}", get(asset))
}

/// `12,900원`.
pub fn won(amount: i64) -> String {
    let digits = amount.unsigned_abs().to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{}{grouped}원", if amount < 0 { "-" } else { "" })
}

const STYLE: &str = "body{font:15px/1.5 system-ui,'Noto Sans KR','NanumGothic',sans-serif;margin:0;padding:16px;color:#1b1f24;background:#f5f6f8}\
main{max-width:440px;margin:0 auto;background:#fff;border-radius:12px;padding:16px 20px;box-shadow:0 1px 3px rgba(0,0,0,.12)}\
h1{font-size:20px;margin:4px 0 12px}dl{display:grid;grid-template-columns:auto 1fr;gap:4px 12px}dt{color:#5b6470}dd{margin:0;font-weight:600}\
ul.choices{list-style:none;padding:0}ul.choices li{margin:6px 0}\
a.choice,button{display:block;width:100%;box-sizing:border-box;padding:10px 14px;border-radius:8px;border:0;background:#2451d6;color:#fff;text-decoration:none;font:inherit;text-align:center;cursor:pointer;margin:6px 0}\
a.secondary,button.secondary{display:block;text-align:center;color:#2451d6;background:none;border:1px solid #c9d3f2;padding:8px 12px;border-radius:8px;text-decoration:none;margin:6px 0}\
label{display:block;margin:8px 0 2px;color:#5b6470}input,select{width:100%;box-sizing:border-box;padding:8px;font:inherit;border:1px solid #c9ced6;border-radius:6px}\
label.check{display:flex;gap:8px;align-items:center}label.check input{width:auto}\
.verdict{font-size:18px;font-weight:700}.notice{background:#fff6d6;padding:6px 10px;border-radius:6px;font-size:13px}.tag{font-size:12px;color:#5b6470}";

/// A page titled `title`; `kind` lands in `<main data-page>` for tests and QA.
pub fn page(title: &str, kind: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!doctype html><html lang=\"ko\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><style>{STYLE}</style></head>\
         <body><main data-page=\"{kind}\"><p class=\"tag\">payhost sandbox</p><h1 id=\"title\">{title}</h1>{body}</main></body></html>",
        title = escape(title),
        kind = escape(kind),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn won_groups_thousands() {
        assert_eq!(won(0), "0원");
        assert_eq!(won(900), "900원");
        assert_eq!(won(12_900), "12,900원");
        assert_eq!(won(1_234_567), "1,234,567원");
        assert_eq!(won(-1000), "-1,000원");
    }

    #[test]
    fn escape_neutralises_markup() {
        assert_eq!(
            escape("<a href=\"x\">'&"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;"
        );
    }

    #[test]
    fn script_json_cannot_end_the_script_and_keeps_the_value() {
        let hostile = "</script><script>alert(1)</script><!--'\"&\u{2028}\u{2029}";
        let json = script_json(hostile);
        assert_eq!(
            json,
            "\"\\u003c/script\\u003e\\u003cscript\\u003ealert(1)\\u003c/script\\u003e\\u003c!--'\\\"\\u0026\\u2028\\u2029\""
        );
        assert!(!json.contains(['<', '>', '&', '\u{2028}', '\u{2029}']));
        let back: String = serde_json::from_str(&json).unwrap();
        assert_eq!(back, hostile, "the same value once parsed");
        #[derive(Serialize)]
        struct Rsp<'a> {
            name: &'a str,
            amount: i64,
        }
        let object = script_json(&Rsp {
            name: hostile,
            amount: 1,
        });
        let back: serde_json::Value = serde_json::from_str(&object).unwrap();
        assert_eq!(back["name"], hostile);
        assert_eq!(script_json(&None::<String>), "null");
    }
}
