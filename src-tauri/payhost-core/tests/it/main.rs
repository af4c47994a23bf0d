//! The one integration-test binary of payhost-core (matklad: one binary, one module
//! per concern).
#![allow(clippy::unwrap_used, clippy::expect_used)]

/// Committed fuzzer findings, replayed.
mod fuzz_regressions;
/// Properties over generated inputs: no panics, intent round trips, no component launches.
mod properties;
/// The scheme table: it parses, is consistent, and feeds the platform lists.
mod scheme_table;
/// The case tables `tests/data/navigation.toml` and `deeplinks.toml`.
mod tables;
