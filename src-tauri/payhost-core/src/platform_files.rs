//! The platform files derived from the scheme table and the return-host list, as
//! text: the Android `<queries>` block (written into the generated manifest by the
//! mobile plugin's build script), the iOS `Info.ios.plist` (merged by the Tauri CLI)
//! and the Android network security config. Pure functions, so a test can
//! regenerate each committed file and fail when it is stale.
//!
//! The XML comments they carry must stay well-formed: no `--` inside a comment and
//! none ending in `-` (XML 1.0 §2.5), or strict parsers (expat; aapt2, which compiles
//! `res/xml`) refuse the whole file; so they name the regeneration command in words,
//! not as `cargo test` flags.
//! `tests/shell/platform_xml.rs` parses every one of them with strict parsers.

use crate::hosts::HostAllowlist;
use crate::schemes::SchemeTable;

fn escape_xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The `<queries>` element: every package of the table (Android 11+ package
/// visibility, "Android package visibility" in `docs/sources.md`;
/// portone-io/portone_flutter#23) plus the VIEW/BROWSABLE https intent the Toss and
/// PortOne guides add so browsers stay visible (TOSS's WebView guide, PRN README).
pub fn android_queries_xml(table: &SchemeTable) -> String {
    let mut xml = String::from("<queries>\n");
    for package in table.android_query_packages() {
        xml.push_str(&format!(
            "    <package android:name=\"{}\" />\n",
            escape_xml(package)
        ));
    }
    xml.push_str(
        "    <intent>\n        <action android:name=\"android.intent.action.VIEW\" />\n        \
         <category android:name=\"android.intent.category.BROWSABLE\" />\n        \
         <data android:scheme=\"https\" />\n    </intent>\n</queries>\n",
    );
    xml
}

/// `Info.ios.plist`: `LSApplicationQueriesSchemes` (the table's iOS schemes by
/// priority, at most 50), `CFBundleURLTypes` for our scheme(s), mirrored from the
/// deep-link configuration because the deep-link plugin's build script can lose it
/// (tauri-apps/plugins-workspace#3596), and `NSAppTransportSecurity` with
/// `NSAllowsArbitraryLoadsInWebContent`.
pub fn ios_info_plist(table: &SchemeTable, url_name: &str, app_schemes: &[&str]) -> String {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n\
         <!-- Generated from src-tauri/payhost-core/data/schemes.toml and tauri.conf.json by\n     \
         tests/shell/main.rs, mod generated_files: run the shell test target with\n     \
         PAYHOST_UPDATE_GENERATED=1 to rewrite it; do not edit. -->\n\
         <plist version=\"1.0\">\n<dict>\n    <key>LSApplicationQueriesSchemes</key>\n    <array>\n",
    );
    for scheme in table.ios_query_schemes() {
        xml.push_str(&format!(
            "        <string>{}</string>\n",
            escape_xml(scheme)
        ));
    }
    xml.push_str("    </array>\n    <key>CFBundleURLTypes</key>\n    <array>\n        <dict>\n");
    xml.push_str(&format!(
        "            <key>CFBundleURLName</key>\n            <string>{}</string>\n",
        escape_xml(url_name)
    ));
    xml.push_str("            <key>CFBundleURLSchemes</key>\n            <array>\n");
    for scheme in app_schemes {
        xml.push_str(&format!(
            "                <string>{}</string>\n",
            escape_xml(scheme)
        ));
    }
    xml.push_str("            </array>\n        </dict>\n    </array>\n");
    // Some card-company steps inside the payment WebView still load over `http://`
    // (the same pages the Android network security config lets through), and ATS
    // blocks them in WKWebView. `NSAllowsArbitraryLoadsInWebContent` relaxes ATS for
    // web content only (WKWebView), not for the app's own URLSession traffic, which
    // keeps ATS in full:
    // https://developer.apple.com/documentation/bundleresources/information-property-list/nsapptransportsecurity/nsallowsarbitraryloadsinwebcontent
    xml.push_str(
        "    <key>NSAppTransportSecurity</key>\n    <dict>\n        \
         <key>NSAllowsArbitraryLoadsInWebContent</key>\n        <true/>\n    </dict>\n",
    );
    xml.push_str("</dict>\n</plist>\n");
    xml
}

/// An Android network security config that keeps cleartext off except for the
/// payment parties of `data/return-hosts.toml`: some card-company steps still use
/// `http://` (`ERR_CLEARTEXT_NOT_PERMITTED` on API 30, FL README), and a release
/// build must not fall back to a blanket
/// `usesCleartextTraffic="true"`.
pub fn android_network_security_config() -> String {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
         <!-- Generated from src-tauri/payhost-core/data/return-hosts.toml by tests/shell/main.rs,\n     \
         mod generated_files: run the shell test target with PAYHOST_UPDATE_GENERATED=1 to\n     \
         rewrite it; do not edit. -->\n\
         <network-security-config>\n    <base-config cleartextTrafficPermitted=\"false\" />\n    \
         <domain-config cleartextTrafficPermitted=\"true\">\n",
    );
    for domain in HostAllowlist::builtin_domains() {
        xml.push_str(&format!(
            "        <domain includeSubdomains=\"true\">{}</domain>\n",
            escape_xml(domain)
        ));
    }
    // Loopback: the sandbox a QA phone reaches through `adb reverse tcp:8717
    // tcp:8717` is plain http on 127.0.0.1 (docs/qa-mobile.md). Only the device itself
    // answers there, so this opens nothing to the network.
    xml.push_str(
        "        <domain includeSubdomains=\"false\">127.0.0.1</domain>\n        \
         <domain includeSubdomains=\"false\">localhost</domain>\n",
    );
    xml.push_str("    </domain-config>\n</network-security-config>\n");
    xml
}
