//! Fuzzes the return deep-link parser: never panics, and a `Navigate` target is
//! always http(s), without userinfo, on an allowed host and port. The property is
//! `payhost_core::invariants::check_parse_return`, shared with the proptest
//! properties and the replay of committed findings.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| payhost_core::invariants::fuzz_parse_return(data));
