//! Return deep links: what to do when the OS hands payhost a link to our own
//! scheme after the buyer leaves the card or bank app.
//!
//! The PGs send the buyer back in several shapes (what RN, FL, IOS and the LEG
//! samples handle; URL corpus rows 50-55, `docs/sources.md`): `app://://<url>`
//! (NICE/Inicis ISP), `app://?callbackparam1=<url>&…` (NICE bank transfer), `app://?…
//! m_redirect_url=<url>` (Inicis iOS transfer), `app://?url=<url>`, or a bare
//! `app://` when the PG page goes on by itself. `app://https://<url>` (the LEG Android
//! substring form) is accepted too, and so is `app://https//<url>`, what it becomes
//! once it has gone through `url::Url` (mobile deep links, the navigation hook): the
//! empty port after `https:` is dropped. A link can come from any app or web
//! page, so the URL it carries is loaded only when it is http(s) and its host is on
//! the allowlist; the URL we hand back is the normalised form we checked, never the
//! raw text, so the WebView cannot read it differently from us.

use std::borrow::Cow;
use std::fmt;

use percent_encoding::percent_decode_str;
use url::Url;

use crate::context::ReturnContext;
use crate::text::{scheme_of, starts_with_ignore_case, trim_c0};

/// What to do with a return deep link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReturnAction {
    /// Load this URL (checked, normalised) in the payment WebView.
    Navigate(String),
    /// Bring payhost to the front and change nothing: the PG page continues by
    /// itself (app cards poll; a bare `app://`).
    Resume,
    /// Refuse the link; the WebView stays where it is.
    Reject(RejectReason),
}

/// Why a return link (or the URL it carries) was refused.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RejectReason {
    /// The text is not a URL with a scheme.
    Malformed,
    /// The scheme is not one of ours.
    NotOurScheme,
    /// The carried URL is not http or https.
    TargetNotHttp,
    /// The carried URL cannot be parsed.
    TargetMalformed,
    /// The carried URL has a user name or password (`https://bank.example@evil.example`).
    TargetUserinfo,
    /// The carried URL's authority has `%`-escapes or a backslash.
    TargetEncodedHost,
    /// The carried URL's host is not ASCII (IDN look-alikes).
    TargetNonAsciiHost,
    /// The carried URL's host (or port) is not on the allowlist.
    HostNotAllowed(String),
}

impl RejectReason {
    /// The reason in Korean, for the buyer-facing notice.
    pub fn message_ko(&self) -> String {
        match self {
            Self::Malformed => "형식이 잘못된 링크입니다".to_owned(),
            Self::NotOurScheme => "이 앱의 링크가 아닙니다".to_owned(),
            Self::TargetNotHttp => "링크가 웹 주소(http/https)가 아닌 곳을 가리킵니다".to_owned(),
            Self::TargetMalformed => "링크에 담긴 주소의 형식이 잘못되었습니다".to_owned(),
            Self::TargetUserinfo => "링크에 담긴 주소에 사용자 정보가 들어 있습니다".to_owned(),
            Self::TargetEncodedHost => "링크에 담긴 주소의 호스트가 인코딩되어 있습니다".to_owned(),
            Self::TargetNonAsciiHost => {
                "링크에 담긴 주소의 호스트에 영문 외 문자가 있습니다".to_owned()
            }
            Self::HostNotAllowed(host) => format!("허용되지 않은 주소입니다: {host}"),
        }
    }
}

impl fmt::Display for RejectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed => f.write_str("the link is not a URL"),
            Self::NotOurScheme => f.write_str("the link's scheme is not this app's"),
            Self::TargetNotHttp => f.write_str("the link carries a URL that is not http(s)"),
            Self::TargetMalformed => f.write_str("the link carries a malformed URL"),
            Self::TargetUserinfo => f.write_str("the carried URL has a user name or password"),
            Self::TargetEncodedHost => {
                f.write_str("the carried URL's host is %-encoded or has a backslash")
            }
            Self::TargetNonAsciiHost => f.write_str("the carried URL's host is not ASCII"),
            Self::HostNotAllowed(host) => write!(f, "host `{host}` is not on the allowlist"),
        }
    }
}

/// Query keys that carry the URL to continue at, in order of precedence.
const URL_KEYS: [&str; 3] = ["callbackparam1", "m_redirect_url", "url"];

/// iamport's result parameters, copied onto `m_redirect_url` when the link carries
/// them beside it (V1 redirect query, PDOC `integration/start/v1/auth.mdx`).
const RESULT_KEYS: [&str; 5] = [
    "imp_uid",
    "merchant_uid",
    "imp_success",
    "error_code",
    "error_msg",
];

/// Decides what a deep link to our scheme means.
///
/// # Examples
/// ```
/// use payhost_core::{parse_return, ReturnAction, ReturnContext};
///
/// let ctx = ReturnContext::new(&["myapp"], &["shop.example"])?;
/// assert_eq!(
///     parse_return("myapp://://https://shop.example/done?imp_uid=imp_1", &ctx),
///     ReturnAction::Navigate("https://shop.example/done?imp_uid=imp_1".into()),
/// );
/// // The same link after `url::Url` has dropped the empty port after `https:`.
/// assert_eq!(
///     parse_return("myapp://https//shop.example/done?imp_uid=imp_1", &ctx),
///     ReturnAction::Navigate("https://shop.example/done?imp_uid=imp_1".into()),
/// );
/// assert_eq!(parse_return("myapp://", &ctx), ReturnAction::Resume);
/// assert!(matches!(parse_return("myapp://://https://evil.example/", &ctx), ReturnAction::Reject(_)));
/// Ok::<(), payhost_core::ConfigError>(())
/// ```
pub fn parse_return(link: &str, ctx: &ReturnContext) -> ReturnAction {
    let link = trim_c0(link);
    let Some(scheme) = scheme_of(link) else {
        return ReturnAction::Reject(RejectReason::Malformed);
    };
    if !ctx.is_app_scheme(scheme) {
        return ReturnAction::Reject(RejectReason::NotOurScheme);
    }
    let after_colon = &link[scheme.len() + 1..];
    let after_slashes = after_colon.strip_prefix("//").unwrap_or(after_colon);

    // `app://://https://…` (NICE/Inicis ISP; LEG NICE iOS strips `app://` and `://`).
    if let Some(embedded) = after_slashes.strip_prefix("://") {
        return if trim_c0(embedded).is_empty() {
            ReturnAction::Resume
        } else {
            check_target(embedded, ctx)
        };
    }
    // `app://https://…` (LEG NICE/Inicis Android load `url.substring(len + 3)`).
    if starts_with_ignore_case(after_slashes, "http://")
        || starts_with_ignore_case(after_slashes, "https://")
    {
        return check_target(after_slashes, ctx);
    }
    // `app://https//…`: the same form after `url::Url`. For a non-special scheme
    // `https` is the host and the `:` before `//` an empty port, which rust-url drops
    // (`url@2.5.8` src/parser.rs, `Parser::parse_host_and_port`: `parse_port` finds no
    // digit, so no port and no `:` are serialised; WHATWG URL's port state agrees), so
    // `myapp://https://x/r` reaches us as `myapp://https//x/r`. Only `https` or `http`
    // (any case) followed directly by `//` is rebuilt (`myapp://https/foo` stays a
    // resume), and the rebuilt URL goes through the same checks.
    for scheme in ["https", "http"] {
        if starts_with_ignore_case(after_slashes, scheme)
            && after_slashes[scheme.len()..].starts_with("//")
        {
            let (given, rest) = after_slashes.split_at(scheme.len());
            return check_target(&format!("{given}:{rest}"), ctx);
        }
    }
    let Some((_, query)) = after_slashes.split_once('?') else {
        return ReturnAction::Resume;
    };
    // Everything after `?` is the query, `#` included: a raw embedded URL keeps its
    // fragment (`m_redirect_url=https://www.iamport.kr?orderId=…#result`, URL corpus
    // row 61).
    let pairs: Vec<(&str, &str)> = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| pair.split_once('=').unwrap_or((pair, "")))
        .collect();
    for key in URL_KEYS {
        let Some(value) = pairs
            .iter()
            .find(|(k, v)| *k == key && !v.is_empty())
            .map(|(_, v)| decode(v))
        else {
            continue;
        };
        let target = match key {
            "callbackparam1" => with_query(&value, pairs.iter().filter(|(k, _)| *k != key)),
            "m_redirect_url" => {
                let missing = pairs
                    .iter()
                    .filter(|(k, _)| RESULT_KEYS.contains(k) && !has_query_key(&value, k));
                with_query(&value, missing)
            }
            _ => value.into_owned(),
        };
        return check_target(&target, ctx);
    }
    ReturnAction::Resume
}

fn decode(value: &str) -> Cow<'_, str> {
    percent_decode_str(value).decode_utf8_lossy()
}

/// Appends `key=value` pairs (raw, as they came) to `base`'s query, before its fragment.
fn with_query<'a>(base: &str, pairs: impl Iterator<Item = &'a (&'a str, &'a str)>) -> String {
    let extra: Vec<String> = pairs.map(|(k, v)| format!("{k}={v}")).collect();
    if extra.is_empty() {
        return base.to_owned();
    }
    let (before_fragment, fragment) = match base.find('#') {
        Some(hash) => base.split_at(hash),
        None => (base, ""),
    };
    let separator = if !before_fragment.contains('?') {
        "?"
    } else if before_fragment.ends_with(['?', '&']) {
        ""
    } else {
        "&"
    };
    format!("{before_fragment}{separator}{}{fragment}", extra.join("&"))
}

fn has_query_key(url: &str, key: &str) -> bool {
    let query = url
        .split_once('?')
        .map_or("", |(_, q)| q.split('#').next().unwrap_or(""));
    query
        .split('&')
        .any(|pair| pair.split('=').next() == Some(key))
}

/// Checks a carried URL and returns the normalised form to load.
fn check_target(raw: &str, ctx: &ReturnContext) -> ReturnAction {
    let raw = trim_c0(raw);
    let Some(scheme) = scheme_of(raw) else {
        return ReturnAction::Reject(RejectReason::TargetMalformed);
    };
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return ReturnAction::Reject(RejectReason::TargetNotHttp);
    }
    // The authority as WHATWG finds it for special schemes: skip the run of `/` and
    // `\`, stop at `/`, `\`, `?` or `#`.
    let after_colon = &raw[scheme.len() + 1..];
    let after_scheme = after_colon.trim_start_matches(['/', '\\']);
    let slashes = &after_colon[..after_colon.len() - after_scheme.len()];
    let authority = after_scheme
        .split(['/', '\\', '?', '#'])
        .next()
        .unwrap_or_default();
    if authority.contains('@') {
        return ReturnAction::Reject(RejectReason::TargetUserinfo);
    }
    if authority.contains('%') || slashes.contains('\\') {
        return ReturnAction::Reject(RejectReason::TargetEncodedHost);
    }
    if !authority.is_ascii() {
        return ReturnAction::Reject(RejectReason::TargetNonAsciiHost);
    }
    let Ok(url) = Url::parse(raw) else {
        return ReturnAction::Reject(RejectReason::TargetMalformed);
    };
    if !url.username().is_empty() || url.password().is_some() {
        return ReturnAction::Reject(RejectReason::TargetUserinfo);
    }
    if !ctx.hosts().allows(&url) {
        let host = match url.port() {
            Some(port) => format!("{}:{port}", url.host_str().unwrap_or_default()),
            None => url.host_str().unwrap_or_default().to_owned(),
        };
        return ReturnAction::Reject(RejectReason::HostNotAllowed(host));
    }
    ReturnAction::Navigate(url.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pins the normalisation the `app://https//…` branch exists for: `url::Url`
    /// turns each `app://https://…` link into exactly the `https//` form, and
    /// `parse_return` gives both the same answer.
    #[test]
    fn url_normalised_links_get_the_answer_of_the_raw_ones() {
        let ctx = ReturnContext::new(&["myapp"], &["shop.example"]).unwrap();
        for (raw, normalised) in [
            (
                "myapp://https://shop.example/done?imp_uid=imp_1",
                "myapp://https//shop.example/done?imp_uid=imp_1",
            ),
            (
                "myapp://http://shop.example/done",
                "myapp://http//shop.example/done",
            ),
            (
                "myapp://HTTPS://shop.example/done",
                "myapp://HTTPS//shop.example/done",
            ),
            (
                "myapp://https://evil.example/",
                "myapp://https//evil.example/",
            ),
            (
                "myapp://https://bank.example@evil.example/",
                "myapp://https//bank.example@evil.example/",
            ),
            ("myapp://https://", "myapp://https//"),
        ] {
            assert_eq!(Url::parse(raw).unwrap().as_str(), normalised);
            assert_eq!(
                parse_return(normalised, &ctx),
                parse_return(raw, &ctx),
                "{raw}"
            );
        }
    }
}
