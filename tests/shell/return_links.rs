//! Return links on a phone, through the entry points the native side calls: the
//! channel `registerReturnListener` receives (each message exactly as Android's
//! `JSObject` / iOS's `JSONSerialization` writes it, `/` escaped as `\/`), and the
//! answer of `launchLink` for a cold start. Each link ends in the shell's action.

use std::sync::Arc;

use payhost_core::Platform;
use tauri::ipc::InvokeResponseBody;
use tauri_plugin_payhost::{return_channel, NativeReturn, ReturnLinks};

use crate::{fixture, navigations, opened, save_pending, Fixture, MAIN};

/// The NICE ISP return of iamport's WebView manual, with our scheme.
const ISP_RETURN: &str =
    "myapp://://https://web.nicepay.co.kr/smart/card/isp/ispResult.jsp?tid=nictest00m01011704201234567890";

/// `{"url": link}` as org.json's `JSONObject.toString()` writes it (it escapes `/`).
fn device_payload(link: &str) -> String {
    let json = serde_json::to_string(&serde_json::json!({ "url": link })).unwrap();
    json.replace('/', "\\/")
}

/// The shell wired the way `payhost_lib::run` wires it on a phone.
fn wired(platform: Platform) -> (Fixture, Arc<ReturnLinks>, tauri::ipc::Channel) {
    let f = fixture(platform, &[], None);
    let links = Arc::new(ReturnLinks::default());
    let shell = Arc::clone(&f.shell);
    links.set_handler(Arc::new(move |link| shell.on_deep_link(link)));
    let channel = return_channel(Arc::clone(&links));
    (f, links, channel)
}

/// What Tauri does with a native channel message before our handler sees it: parse
/// the device's JSON into a `serde_json::Value` and send that, which serializes it
/// again (tauri 2.12.5 `src/plugin/mobile.rs`: `send_channel_data` on Android,
/// `send_channel_data_handler` on iOS, both over `Channel<serde_json::Value>`).
fn send(channel: &tauri::ipc::Channel, link: &str) {
    let value: serde_json::Value = serde_json::from_str(&device_payload(link)).unwrap();
    channel
        .send(InvokeResponseBody::Json(
            serde_json::to_string(&value).unwrap(),
        ))
        .unwrap();
}

#[test]
fn each_return_form_reaches_parse_return_raw_and_ends_in_its_action() {
    for platform in [Platform::Android, Platform::Ios] {
        let (f, _links, channel) = wired(platform);
        send(&channel, ISP_RETURN);
        send(
            &channel,
            "myapp://?callbackparam1=https%3A%2F%2Fshop.example%2Fbank%2Fdone%3Forder%3D7&bankpaycode=000",
        );
        send(&channel, "myapp://");
        // What `url::Url` makes of `myapp://https://…` (in-page links on a phone).
        send(
            &channel,
            "myapp://https//shop.example/card/done?imp_uid=imp_3",
        );
        send(&channel, "myapp://://https://evil.example/steal?token=t");
        assert_eq!(
            navigations(&f),
            [
                "https://web.nicepay.co.kr/smart/card/isp/ispResult.jsp?tid=nictest00m01011704201234567890",
                "https://shop.example/bank/done?order=7&bankpaycode=000",
                "https://shop.example/card/done?imp_uid=imp_3",
            ],
            "{platform:?}"
        );
        let toasts = f.webview.toasts.lock().unwrap().clone();
        assert_eq!(
            toasts.len(),
            1,
            "only the hostile link is shown: {toasts:?}"
        );
        assert!(toasts[0].contains("evil.example"), "{toasts:?}");
        assert!(
            opened(&f).is_empty(),
            "a return link never launches anything"
        );
    }
}

#[test]
fn links_that_arrive_before_the_shell_are_kept_in_order() {
    let f = fixture(Platform::Android, &[], None);
    let links = Arc::new(ReturnLinks::default());
    let channel = return_channel(Arc::clone(&links));
    send(&channel, ISP_RETURN);
    send(&channel, "myapp://https//shop.example/second");
    let shell = Arc::clone(&f.shell);
    links.set_handler(Arc::new(move |link| shell.on_deep_link(link)));
    assert_eq!(
        navigations(&f),
        [
            "https://web.nicepay.co.kr/smart/card/isp/ispResult.jsp?tid=nictest00m01011704201234567890",
            "https://shop.example/second",
        ]
    );
}

#[test]
fn a_cold_start_link_from_launch_link_wins_over_the_resume_offer() {
    let f = fixture(
        Platform::Android,
        &[],
        Some("https://shop.example/resume?merchant_uid={merchant_uid}"),
    );
    save_pending(&f);
    let links = ReturnLinks::default();
    let answer: NativeReturn = serde_json::from_str(&device_payload(ISP_RETURN)).unwrap();
    links.set_launch_link(answer.url);
    let launch: Vec<String> = links.take_launch_link().into_iter().collect();
    assert_eq!(
        f.shell.first_page(&launch),
        "https://web.nicepay.co.kr/smart/card/isp/ispResult.jsp?tid=nictest00m01011704201234567890"
    );
    // No link (`{}`: org.json drops a null value): the resume offer as before.
    let g = fixture(
        Platform::Android,
        &[],
        Some("https://shop.example/resume?merchant_uid={merchant_uid}"),
    );
    save_pending(&g);
    let none: NativeReturn = serde_json::from_str("{}").unwrap();
    links.set_launch_link(none.url);
    let launch: Vec<String> = links.take_launch_link().into_iter().collect();
    assert!(launch.is_empty(), "{launch:?}");
    assert_eq!(
        g.shell.first_page(&launch),
        tauri_plugin_payhost::pages::data_url(&tauri_plugin_payhost::pages::resume_offer(
            "https://shop.example/resume?merchant_uid=order_9",
            "https://shop.example/",
            Some("order_9"),
        ))
    );
}

#[test]
fn a_return_link_while_the_resume_offer_shows_answers_it() {
    // iOS hands over a cold-start link only after the first page was chosen.
    let f = fixture(
        Platform::Ios,
        &[],
        Some("https://shop.example/resume?merchant_uid={merchant_uid}"),
    );
    save_pending(&f);
    let offer = f.shell.first_page(&[]);
    assert!(offer.starts_with("data:text/html"), "{offer}");
    let (links, shell) = (Arc::new(ReturnLinks::default()), Arc::clone(&f.shell));
    links.set_handler(Arc::new(move |link| shell.on_deep_link(link)));
    send(
        &return_channel(links),
        "myapp://://https://shop.example/done?imp_uid=imp_9",
    );
    assert_eq!(navigations(&f), ["https://shop.example/done?imp_uid=imp_9"]);
    // Loading it is a return, not "the buyer started over".
    f.shell
        .on_navigation(MAIN, "https://shop.example/done?imp_uid=imp_9");
    let flow = f.flow.events();
    assert!(
        flow.iter()
            .any(|event| event.detail.contains("answered the resume offer")),
        "{flow:?}"
    );
    assert!(
        !flow.iter().any(|event| event.detail.contains("abandoned")),
        "{flow:?}"
    );
}

/// What a phone starts on: the `plugins.payhost` section of this repository's own
/// `tauri.conf.json`, read the way `payhost_lib::run` reads the embedded context
/// (`embedded_settings` of `tauri::Config`), with no desktop source at all.
#[test]
fn a_phone_starts_on_the_start_url_of_tauri_conf_json() {
    let mut config: tauri::Config =
        serde_json::from_str(include_str!("../../tauri.conf.json")).unwrap();
    let committed = payhost_lib::embedded_settings(&config).unwrap();
    assert_eq!(committed.app_scheme.as_deref(), Some("payhost"));
    // A merchant's build: the same file with its start page filled in.
    config.plugins.0.insert(
        "payhost".to_owned(),
        serde_json::json!({
            "startUrl": "https://shop.example/checkout",
            "appScheme": "payhost",
            "returnHosts": ["shop.example"],
        }),
    );
    let embedded = payhost_lib::embedded_settings(&config).unwrap();
    let loaded = payhost_lib::config::load(&payhost_lib::config::Sources {
        embedded,
        ..payhost_lib::config::Sources::default()
    })
    .unwrap();
    assert_eq!(
        loaded.start_url.as_ref().map(url::Url::as_str),
        Some("https://shop.example/checkout")
    );
    assert_eq!(loaded.app_scheme, "payhost");
    // The committed file itself passes the build script's check.
    payhost_core::settings::check_tauri_conf(include_str!("../../tauri.conf.json")).unwrap();
}
