//! Fuzzes the `intent:` parser: never panics, and whatever parses reparses to the
//! same structure from `to_uri()` (servo/rust-url's round-trip property).
#![no_main]

use libfuzzer_sys::fuzz_target;
use payhost_core::parse_intent;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Give most inputs the prefix, so the fuzzer spends its time past the first check.
    let input = if text.starts_with("intent:") {
        text.to_owned()
    } else {
        format!("intent:{text}")
    };
    if let Ok(intent) = parse_intent(&input) {
        let rebuilt = intent.to_uri();
        let reparsed = parse_intent(&rebuilt);
        assert_eq!(
            reparsed.as_ref(),
            Ok(&intent),
            "input {input:?} rebuilt {rebuilt:?}"
        );
    }
});
