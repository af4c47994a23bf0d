//! The sandbox's HTML, in one look: every page (shop, PG, web apps, merchant result)
//! is a small server-rendered document with the same style and `escape`d values, so
//! a merchant name or an error message can never inject markup.

use axum::response::Html;

/// HTML-escapes text for element content and quoted attributes.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
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
}
