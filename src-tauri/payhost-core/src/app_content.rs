//! Which navigations show the app's own bundled UI rather than a payment page.
//!
//! tauri-plugin-payhost's navigation hook runs for every webview of the app; when the
//! app does not list its payment webviews (`plugins.payhost.windows`), a navigation to
//! the app's own content (its local pages, its dev server) is left alone and every
//! other one goes through [`crate::classify`]. The origins are those Tauri serves the
//! app from: `tauri://localhost` (Linux, macOS, iOS) and `http(s)://tauri.localhost`
//! (Windows, Android), with `asset` for the asset protocol
//! (tauri 2.12.5 `src/manager/mod.rs` `AppManager::tauri_protocol_url` and
//! `get_app_url`, which in dev builds is `build.devUrl`).

use url::Url;

/// True when `url` is the app's own content: Tauri's local origins, or the dev
/// server's origin (`dev_url`, from `build.devUrl`, only for dev builds).
pub fn is_app_content(url: &str, dev_url: Option<&str>) -> bool {
    let Ok(parsed) = Url::parse(url) else {
        return false;
    };
    let host = parsed.host_str().unwrap_or_default();
    let local = match parsed.scheme() {
        "tauri" | "asset" => host == "localhost",
        "http" | "https" => matches!(host, "tauri.localhost" | "asset.localhost"),
        _ => false,
    };
    local
        || dev_url
            .and_then(|dev| Url::parse(dev).ok())
            .is_some_and(|dev| {
                matches!(dev.scheme(), "http" | "https") && dev.origin() == parsed.origin()
            })
}

#[cfg(test)]
mod tests {
    use super::is_app_content;

    #[test]
    fn only_tauris_own_origins_and_the_dev_server_are_app_content() {
        let dev = Some("http://localhost:1420/");
        let cases: &[(&str, Option<&str>, bool)] = &[
            ("tauri://localhost/index.html", None, true),
            ("http://tauri.localhost/qa.html", None, true),
            ("https://tauri.localhost/", None, true),
            ("asset://localhost/x.png", None, true),
            ("http://localhost:1420/index.html", dev, true),
            // Not the dev server: another port, another scheme, no dev URL.
            ("http://localhost:1421/", dev, false),
            ("https://localhost:1420/", dev, false),
            ("http://localhost:1420/", None, false),
            // Look-alikes and payment URLs.
            ("tauri://evil.example/", None, false),
            ("https://tauri.localhost.evil.example/", None, false),
            ("https://pg.example/pay", None, false),
            ("ispmobile://TID=1", None, false),
            ("intent://pay#Intent;scheme=kb-acp;end", None, false),
            ("about:blank", None, false),
            ("data:text/html,x", None, false),
            ("not a url", dev, false),
        ];
        for (url, dev_url, expected) in cases {
            assert_eq!(is_app_content(url, *dev_url), *expected, "{url}");
        }
    }
}
