//! Fuzzes the `intent:` parser: never panics, and whatever parses reparses to the
//! same structure from `to_uri()`. The property is
//! `payhost_core::invariants::check_parse_intent`, shared with the proptest
//! properties and the replay of committed findings.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| payhost_core::invariants::fuzz_parse_intent(data));
