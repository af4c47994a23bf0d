//! The one integration-test binary of payhost-core: one binary, one module per
//! concern (https://matklad.github.io/2021/02/27/delete-cargo-integration-tests.html).
#![allow(clippy::unwrap_used, clippy::expect_used)]

/// Committed fuzzer findings, replayed through the fuzz targets' bodies.
mod fuzz_regressions;
/// The fuzz properties (`payhost_core::invariants`) over generated inputs.
mod properties;
/// The scheme table: it parses, is consistent, and feeds the platform lists.
mod scheme_table;
/// The case tables `tests/data/navigation.toml` and `deeplinks.toml`.
mod tables;
