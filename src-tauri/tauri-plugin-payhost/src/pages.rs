//! The pages payhost shows itself: app missing, navigation blocked, page failed to
//! load, resume after a restart.
//!
//! They are self-contained HTML documents loaded as `data:` URLs (or, for load
//! errors on Linux, with WebKit's `load_alternate_html`), not `ui/` pages of the app:
//! they need no IPC at all, so the main window never has to be granted a capability
//! and a remote page that imitates one gains nothing. Their buttons are plain links
//! (retry = the app URL again, which goes through the policy like any navigation)
//! and `history.back()`. Korean first, English second.

use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};

/// Characters escaped in a `data:` URL body.
const DATA_URL: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'\'');

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A `data:text/html` URL for `html`.
pub fn data_url(html: &str) -> String {
    format!(
        "data:text/html;charset=utf-8,{}",
        utf8_percent_encode(html, DATA_URL)
    )
}

fn page(title: &str, body: &str) -> String {
    format!(
        r##"<!doctype html><html lang="ko"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body{{font-family:system-ui,-apple-system,"Noto Sans KR",sans-serif;margin:0;padding:32px 24px;color:#1b1f24;background:#f6f7f9}}
main{{max-width:520px;margin:0 auto;background:#fff;border-radius:12px;padding:24px;box-shadow:0 1px 4px #0002}}
h1{{font-size:20px;margin:0 0 4px}} h2{{font-size:15px;font-weight:normal;color:#57606a;margin:0 0 16px}}
p{{line-height:1.5}} .en{{color:#57606a;font-size:14px}}
a.button{{display:inline-block;margin:8px 8px 0 0;padding:10px 16px;border-radius:8px;background:#0b6e6e;color:#fff;text-decoration:none}}
a.secondary{{background:#e7eaee;color:#1b1f24}}
code{{word-break:break-all}}
</style></head><body><main id="payhost-page">{body}</main></body></html>"##
    )
}

/// "The app is not installed" with a retry (the same app URL again) and a way back.
pub fn app_missing(app_name: Option<&str>, retry_url: &str) -> String {
    let name = escape_html(app_name.unwrap_or("결제 앱 / the payment app"));
    let retry = escape_html(retry_url);
    page(
        "앱을 열 수 없습니다 / App not available",
        &format!(
            r##"<h1 id="notice-title">{name} 앱을 열 수 없습니다</h1>
<h2>Could not open {name}</h2>
<p>결제를 계속하려면 {name} 앱이 필요합니다. 앱을 설치한 뒤 다시 시도하거나, 이전 화면으로 돌아가 다른 결제 수단을 선택하세요.</p>
<p class="en">This payment needs the {name} app. Install it and try again, or go back and choose another payment method.</p>
<a class="button" id="retry" href="{retry}">다시 시도 / Try again</a>
<a class="button secondary" id="back" href="#" onclick="history.back();return false">돌아가기 / Go back</a>"##
        ),
    )
}

/// No merchant page to open: no `start_url`, and no sandbox (a phone build, or the
/// sandbox could not start), with what to do about it.
pub fn no_start_page(reason: &str) -> String {
    page(
        "시작 페이지 없음 / No start page",
        &format!(
            r##"<h1 id="notice-title">열 가맹점 페이지가 없습니다</h1>
<h2>payhost has no merchant page to open</h2>
<p>payhost.toml 의 <code>start_url</code> (또는 PAYHOST_START_URL) 에 가맹점 결제 페이지를 지정하세요. 샌드박스로 시험하려면 개발 PC 에서 <code>payhost-sandbox serve --port 8717</code> 를 실행하고 그 주소를 지정하세요.</p>
<p class="en">Set <code>start_url</code> in payhost.toml (or PAYHOST_START_URL) to the merchant's payment page. To try the sandbox, run <code>payhost-sandbox serve --port 8717</code> on the development machine and point start_url at it.</p>
<p id="reason">{}</p>"##,
            escape_html(reason)
        ),
    )
}

/// The notice shown over the page when a navigation was blocked (the page itself
/// stays: the navigation may have come from one of its frames).
pub fn blocked_notice(reason_ko: &str, reason_en: &str) -> String {
    format!(
        "이 주소는 열 수 없어 막았습니다: {reason_ko} / payhost blocked an address: {reason_en}"
    )
}

/// "The page failed to load" naming the host, with a retry (reload) and a way back.
pub fn load_error(host: &str, error: &str) -> String {
    let host = escape_html(host);
    page(
        "페이지를 불러오지 못했습니다 / Page failed to load",
        &format!(
            r##"<h1 id="notice-title">페이지를 불러오지 못했습니다</h1>
<h2>The page failed to load</h2>
<p><code id="failing-host">{host}</code>에 연결할 수 없습니다. 인터넷 연결을 확인한 뒤 다시 시도하세요. 결제가 진행 중이었다면 다시 시도해도 이중 결제되지 않습니다: 가맹점이 결제 상태를 확인합니다.</p>
<p class="en">payhost could not reach <code>{host}</code> ({}). Check the connection and try again. If a payment was under way, retrying does not pay twice: the merchant checks the payment's status.</p>
<a class="button" id="retry" href="#" onclick="location.reload();return false">다시 시도 / Try again</a>
<a class="button secondary" id="back" href="#" onclick="history.back();return false">돌아가기 / Go back</a>"##,
            escape_html(error)
        ),
    )
}

/// After a restart with a payment in flight: resume (the merchant's resume URL or
/// the page the buyer left) or start over.
pub fn resume_offer(resume_url: &str, start_url: &str, merchant_uid: Option<&str>) -> String {
    let order = merchant_uid
        .map(|uid| {
            format!(
                " (주문 / order <code id=\"merchant-uid\">{}</code>)",
                escape_html(uid)
            )
        })
        .unwrap_or_default();
    page(
        "결제 이어하기 / Resume payment",
        &format!(
            r##"<h1 id="notice-title">진행 중이던 결제가 있습니다{order}</h1>
<h2>A payment was in progress when payhost closed</h2>
<p>결제 앱에서 돌아오기 전에 앱이 종료되었습니다. 이어서 진행하면 가맹점이 결제 결과를 확인해 보여 줍니다.</p>
<p class="en">payhost was closed before the payment app sent you back. Resume to see the result as the merchant has it.</p>
<a class="button" id="resume" href="{}">결제 이어하기 / Resume payment</a>
<a class="button secondary" id="start-over" href="{}">처음부터 / Start over</a>"##,
            escape_html(resume_url),
            escape_html(start_url)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_escape_what_they_show() {
        let html = app_missing(Some("<script>x</script>"), "ispmobile://a?b=\"c\"");
        assert!(!html.contains("<script>x"));
        assert!(html.contains("ispmobile://a?b=&quot;c&quot;"));
        let url = data_url(&html);
        assert!(url.starts_with("data:text/html;charset=utf-8,"));
        assert!(!url.contains('#') && !url.contains(' '));
    }
}
