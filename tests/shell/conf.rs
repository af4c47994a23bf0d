//! The parts of this repository's `tauri.conf.json` the platform-file tests read,
//! typed, read once for all of them.

use serde::Deserialize;

#[derive(Deserialize)]
struct TauriConf {
    identifier: String,
    plugins: Plugins,
}

#[derive(Deserialize)]
struct Plugins {
    #[serde(rename = "deep-link")]
    deep_link: DeepLinkConf,
}

/// tauri-plugin-deep-link's section, as its build script reads it.
#[derive(Deserialize)]
struct DeepLinkConf {
    mobile: Vec<MobileDeepLink>,
}

#[derive(Deserialize)]
struct MobileDeepLink {
    scheme: Vec<String>,
}

fn conf() -> TauriConf {
    serde_json::from_str(include_str!("../../tauri.conf.json")).expect("tauri.conf.json")
}

/// Every scheme of `plugins.deep-link.mobile` (what the phone builds receive).
pub(crate) fn mobile_schemes() -> Vec<String> {
    let schemes: Vec<String> = conf()
        .plugins
        .deep_link
        .mobile
        .into_iter()
        .flat_map(|link| link.scheme)
        .collect();
    assert!(!schemes.is_empty(), "plugins.deep-link.mobile has a scheme");
    schemes
}

/// The app's bundle identifier.
pub(crate) fn identifier() -> String {
    conf().identifier
}

/// `Info.ios.plist` as the generator writes it for this configuration.
pub(crate) fn fresh_info_plist() -> String {
    let schemes = mobile_schemes();
    let schemes: Vec<&str> = schemes.iter().map(String::as_str).collect();
    payhost_core::platform_files::ios_info_plist(
        payhost_core::schemes::table(),
        &identifier(),
        &schemes,
    )
}
