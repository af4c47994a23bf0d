//! Small string helpers shared by the parsers: where a URL's scheme ends, and
//! percent-decoding with the leniency of Android's `Uri.decode`.
//!
//! Everything here works on `&str` and never panics: indices come from `find` on
//! ASCII delimiters, so every slice boundary is a char boundary.

/// The scheme of `url`: the text before the first `:`, when it is a syntactically
/// valid scheme. Classify by the text before the first `:`, not before `://`
/// (`about:`, `javascript:` and `data:` have no `//`; RN splits on `://` and so has to
/// list `about:blank` and `about:srcdoc` as whole strings).
///
/// Valid means RFC 3986 (`ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )`) plus `_`,
/// because real payment schemes use it (`shinhan-sr-ansimclick_samsungpay`, PRN).
pub(crate) fn scheme_of(url: &str) -> Option<&str> {
    let colon = url.find(':')?;
    let scheme = &url[..colon];
    let mut bytes = scheme.bytes();
    let first = bytes.next()?;
    if !first.is_ascii_alphabetic() {
        return None;
    }
    if bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.' | b'_')) {
        Some(scheme)
    } else {
        None
    }
}

/// Strips what browsers strip before parsing a URL: leading and trailing C0
/// controls and spaces (WHATWG URL "basic URL parser", step 1).
pub(crate) fn trim_c0(url: &str) -> &str {
    url.trim_matches(|c: char| c <= ' ')
}

/// Percent-decodes like Android's `android.net.Uri.decode`: `+` stays `+`, bytes are
/// read as UTF-8 with U+FFFD for malformed sequences, and a malformed escape (`%zz`,
/// a `%` at the end) becomes U+FFFD instead of an error.
///
/// Source: `Uri.decode` calls libcore `UriCodec.decode(s, false, UTF_8, false)`
/// (`throwOnFailure = false`). We do not reproduce the byte that a half-read escape
/// leaves behind in that implementation; both forms are errors nobody relies on.
pub(crate) fn android_decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_owned();
    }
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut pending: Vec<u8> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hi = bytes.get(i + 1).and_then(|b| hex_value(*b));
            let lo = bytes.get(i + 2).and_then(|b| hex_value(*b));
            if let (Some(hi), Some(lo)) = (hi, lo) {
                pending.push(hi * 16 + lo);
                i += 3;
                continue;
            }
            flush_utf8(&mut pending, &mut out);
            out.push('\u{FFFD}');
            // Skip the `%` and whichever hex digit was valid, like UriCodec does.
            i += if hi.is_some() { 2 } else { 1 };
            continue;
        }
        flush_utf8(&mut pending, &mut out);
        // Copy the run up to the next '%' in one go (it is valid UTF-8: it is a slice
        // of `s` between ASCII delimiters).
        let next = s[i..].find('%').map_or(bytes.len(), |offset| i + offset);
        out.push_str(&s[i..next]);
        i = next;
    }
    flush_utf8(&mut pending, &mut out);
    out
}

fn flush_utf8(pending: &mut Vec<u8>, out: &mut String) {
    if !pending.is_empty() {
        out.push_str(&String::from_utf8_lossy(pending));
        pending.clear();
    }
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// ASCII case-insensitive "starts with".
pub(crate) fn starts_with_ignore_case(s: &str, prefix: &str) -> bool {
    s.len() >= prefix.len() && s.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scheme_is_the_text_before_the_first_colon() {
        assert_eq!(scheme_of("about:blank"), Some("about"));
        assert_eq!(scheme_of("ispmobile://TID=1"), Some("ispmobile"));
        assert_eq!(
            scheme_of("shinhan-sr-ansimclick_samsungpay://x"),
            Some("shinhan-sr-ansimclick_samsungpay")
        );
        assert_eq!(scheme_of("//no-scheme"), None);
        assert_eq!(scheme_of(":x"), None);
        assert_eq!(scheme_of("1abc:x"), None);
        assert_eq!(scheme_of("a b:x"), None);
    }

    #[test]
    fn decode_is_lenient_like_android() {
        assert_eq!(android_decode("a%20b+c"), "a b+c");
        assert_eq!(android_decode("%ED%95%9C"), "한");
        assert_eq!(android_decode("%zz"), "\u{FFFD}zz");
        assert_eq!(android_decode("%4"), "\u{FFFD}");
        assert_eq!(android_decode("%ff"), "\u{FFFD}");
        assert_eq!(android_decode("100%"), "100\u{FFFD}");
    }
}
