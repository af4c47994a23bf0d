//! Test support, not public API: the properties the fuzz targets
//! (`fuzz/fuzz_targets/*.rs`), the proptest properties (`tests/it/properties.rs`)
//! and the replay of committed fuzzer findings (`tests/it/fuzz_regressions.rs`)
//! check, each written once so that the three cannot drift apart.
//!
//! Every `check_*` function asserts, so it panics on an input that breaks the
//! property: that panic is the finding (libFuzzer records a crash, proptest
//! shrinks it, the replay test fails). Nothing in this crate calls this module, so
//! the crate's own promise (no I/O, no panic on any input) holds for everything a
//! host calls; the module is `#[doc(hidden)]` and re-exported nowhere, like
//! serde's private module (serde-rs/serde:serde/src/lib.rs, "Not public API").
//!
//! A module of the core rather than a test-support crate: the properties use
//! nothing but this crate's public API and `url` (already a dependency), and both
//! callers outside `tests/` (the fuzz crate, with its own workspace and
//! `Cargo.lock`) already depend on payhost-core, so a separate crate would only
//! add a workspace member and a path dependency to keep in step in two lock files.
//! A `#[cfg(test)]` module cannot be used: integration tests and the fuzz crate
//! link the crate as built without `cfg(test)`.
//!
//! All three callers run in one fixed context: return scheme [`APP_SCHEME`], merchant
//! host [`MERCHANT_HOST`] beside the built-in payment hosts, every [`Platform`].

use std::sync::LazyLock;

use url::{Host, Url};

use crate::{
    classify, parse_intent, parse_return, Context, Decision, HostAllowlist, Platform, ReturnAction,
    ReturnContext,
};

/// The return scheme of the fixed context.
pub const APP_SCHEME: &str = "myapp";

/// The merchant host of the fixed context (no port).
pub const MERCHANT_HOST: &str = "shop.example";

const PLATFORMS: [Platform; 3] = [Platform::Android, Platform::Ios, Platform::Desktop];

static CONTEXTS: LazyLock<[Context; 3]> = LazyLock::new(|| {
    let returns = match ReturnContext::new(&[APP_SCHEME], &[MERCHANT_HOST]) {
        Ok(returns) => returns,
        Err(err) => panic!("the fixed return context is valid: {err}"),
    };
    PLATFORMS.map(|platform| Context::new(platform, returns.clone()))
});

/// The fixed context on every platform.
pub fn contexts() -> &'static [Context; 3] {
    &CONTEXTS
}

/// The fixed return context.
pub fn return_context() -> &'static ReturnContext {
    CONTEXTS[0].returns()
}

/// `parse_intent`: whatever parses, reparses from its `to_uri()` to the same
/// structure (servo/rust-url:fuzz/fuzz_targets/fuzz_url_parse_roundtrip.rs).
///
/// # Panics
/// When `input` breaks the property.
pub fn check_parse_intent(input: &str) {
    if let Ok(intent) = parse_intent(input) {
        let rebuilt = intent.to_uri();
        let reparsed = parse_intent(&rebuilt);
        assert_eq!(
            reparsed.as_ref(),
            Ok(&intent),
            "input {input:?} rebuilt {rebuilt:?}"
        );
    }
}

/// `parse_return` in the fixed context: a `Navigate` target parses as a URL, is
/// http(s), carries no user name or password, is allowed by the allowlist, and, by
/// a second rule written independently of `HostAllowlist::allows`, its host is the
/// merchant's or a built-in payment domain (exactly, or a subdomain on a dot
/// boundary) on the default port.
///
/// # Panics
/// When `link` breaks the property.
pub fn check_parse_return(link: &str) {
    let ReturnAction::Navigate(target) = parse_return(link, return_context()) else {
        return;
    };
    let url = match Url::parse(&target) {
        Ok(url) => url,
        Err(err) => panic!("{link:?} -> {target:?}: the target does not parse: {err}"),
    };
    assert!(
        matches!(url.scheme(), "http" | "https"),
        "{link:?} -> {target}: not http(s)"
    );
    assert_eq!(url.username(), "", "{link:?} -> {target}: a user name");
    assert_eq!(url.password(), None, "{link:?} -> {target}: a password");
    assert!(
        return_context().hosts().allows(&url),
        "{link:?} -> {target}: not allowed by the allowlist"
    );
    assert_eq!(
        url.port(),
        None,
        "{link:?} -> {target}: not the default port"
    );
    let Some(Host::Domain(host)) = url.host() else {
        panic!("{link:?} -> {target}: the host is not a domain name");
    };
    let dotted = format!(".{host}");
    let on_list = HostAllowlist::builtin_domains()
        .into_iter()
        .chain([MERCHANT_HOST])
        .any(|allowed| dotted.ends_with(&format!(".{allowed}")));
    assert!(
        on_list,
        "{link:?} -> {target}: `{host}` is neither {MERCHANT_HOST} nor a built-in payment domain"
    );
}

/// `classify` in the fixed context on every platform: a `Launch` never targets an
/// `intent:` URL itself (any case), and the `intent:` it carries for the Android
/// launcher parses and names no explicit component or selector (the intent-scheme
/// attack).
///
/// # Panics
/// When `url` breaks the property.
pub fn check_classify(url: &str) {
    for ctx in contexts() {
        let Decision::Launch(launch) = classify(url, ctx) else {
            continue;
        };
        let platform = ctx.platform().as_str();
        assert!(
            !launch.target.to_ascii_lowercase().starts_with("intent:"),
            "{url:?} on {platform}: launches the intent: URL {:?}",
            launch.target
        );
        if let Some(intent) = &launch.intent {
            let parsed = match parse_intent(intent) {
                Ok(parsed) => parsed,
                Err(err) => panic!(
                    "{url:?} on {platform}: launches {intent:?}, which does not parse: {err}"
                ),
            };
            assert!(
                !parsed.has_explicit_target(),
                "{url:?} on {platform}: launches {intent:?}, which names a component or selector"
            );
        }
    }
}

/// The body of the fuzz target `parse_intent`, also used to replay its findings:
/// UTF-8 only, prefixed with `intent:` unless it already is (so the fuzzer spends
/// its time past the first check), then [`check_parse_intent`].
pub fn fuzz_parse_intent(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        check_parse_intent(&with_prefix(text, "intent:"));
    }
}

/// The body of the fuzz target `parse_return`: UTF-8 only, prefixed with
/// `myapp:` unless it already is, then [`check_parse_return`].
pub fn fuzz_parse_return(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        check_parse_return(&with_prefix(text, &format!("{APP_SCHEME}:")));
    }
}

/// The body of the fuzz target `classify`: UTF-8 only, then [`check_classify`].
pub fn fuzz_classify(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        check_classify(text);
    }
}

fn with_prefix(text: &str, prefix: &str) -> String {
    if text.starts_with(prefix) {
        text.to_owned()
    } else {
        format!("{prefix}{text}")
    }
}
