//! Fuzzes the return deep-link parser: never panics, and a `Navigate` target is
//! always http(s), without userinfo, on an allowed host and port.
#![no_main]

use libfuzzer_sys::fuzz_target;
use payhost_core::{parse_return, ReturnAction, ReturnContext};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(ctx) = ReturnContext::new(&["myapp"], &["shop.example"]) else {
        return;
    };
    let input = if text.starts_with("myapp:") {
        text.to_owned()
    } else {
        format!("myapp:{text}")
    };
    if let ReturnAction::Navigate(target) = parse_return(&input, &ctx) {
        let url = url::Url::parse(&target).expect("navigate targets parse");
        assert!(
            matches!(url.scheme(), "http" | "https"),
            "{input:?} -> {target}"
        );
        assert_eq!(url.username(), "", "{input:?} -> {target}");
        assert_eq!(url.password(), None, "{input:?} -> {target}");
        assert!(ctx.hosts().allows(&url), "{input:?} -> {target}");
    }
});
