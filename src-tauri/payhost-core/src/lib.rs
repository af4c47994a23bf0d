//! payhost's URL policy: every decision payhost makes about a URL, as pure
//! functions.
//!
//! Korean payment pages hand the buyer to card and bank apps by navigating to
//! non-web URLs (`ispmobile://…`, `intent://…#Intent;…;end`, `kb-acp://…`). A plain
//! WebView shows `ERR_UNKNOWN_URL_SCHEME` and the payment dies. This crate answers,
//! for each navigation, what the host should do ([`classify`]), and for each deep
//! link that brings the buyer back, where to continue ([`parse_return`]). The Tauri
//! shell, the mobile plugin and the sandbox only act on these answers.
//!
//! The crate has no I/O, no `unsafe`, no Tauri and no `cfg(target_os)`: the
//! platform is a value in [`Context`], so every rule is testable as data on any
//! machine.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod app_content;
mod classify;
mod context;
mod hosts;
mod intent;
#[doc(hidden)]
pub mod invariants; // test support for tests/it and fuzz/, not public API
mod payment;
pub mod platform_files;
mod report;
mod return_link;
pub mod schemes;
pub mod settings;
mod text;

pub use app_content::is_app_content;
pub use classify::{
    classify, BlockReason, Decision, Fallback, FallbackKind, Launch, LaunchNote, Opens,
};
pub use context::{
    ConfigError, ConfigErrorKind, Context, Platform, ReturnContext, DEFAULT_APP_SCHEME,
};
pub use hosts::HostAllowlist;
pub use intent::{
    parse_intent, Component, Extra, IntentErrorKind, IntentFields, IntentParseError, IntentUri,
    SelectorIntent,
};
pub use payment::{expand_resume_url, host_for_display, redact_url, PaymentIds};
pub use report::{NavigationReport, ReturnReport};
pub use return_link::{parse_return, RejectReason, ReturnAction};
