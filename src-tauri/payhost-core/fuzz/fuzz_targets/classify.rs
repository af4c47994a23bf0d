//! Fuzzes `classify` on every platform: never panics, never launches an `intent:`
//! that names an explicit component or selector, never launches an `intent:` target.
#![no_main]

use libfuzzer_sys::fuzz_target;
use payhost_core::{classify, parse_intent, Context, Decision, Platform, ReturnContext};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(returns) = ReturnContext::new(&["myapp"], &["shop.example"]) else {
        return;
    };
    for platform in [Platform::Android, Platform::Ios, Platform::Desktop] {
        let ctx = Context::new(platform, returns.clone());
        if let Decision::Launch(launch) = classify(text, &ctx) {
            if let Some(intent) = &launch.intent {
                let parsed = parse_intent(intent).expect("a launched intent parses");
                assert!(!parsed.has_explicit_target(), "{text:?}");
            }
            assert!(
                !launch.target.to_ascii_lowercase().starts_with("intent:"),
                "{text:?}"
            );
        }
    }
});
