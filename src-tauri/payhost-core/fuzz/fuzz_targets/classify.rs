//! Fuzzes `classify` on every platform: never panics, never launches an `intent:`
//! target, never launches an `intent:` that names an explicit component or
//! selector. The property is `payhost_core::invariants::check_classify`, shared
//! with the proptest properties and the replay of committed findings.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| payhost_core::invariants::fuzz_classify(data));
