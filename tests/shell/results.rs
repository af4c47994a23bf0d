//! The typed results the plugin sends the app's local UI (`payhost://result`), the
//! app's own deep links left alone (coexistence with tauri-plugin-deep-link), and
//! several payment webviews: each action lands in the webview it came from.

use std::sync::Arc;

use payhost_core::Platform;
use tauri_plugin_payhost::shell::PaymentWebview;
use tauri_plugin_payhost::{PaymentResult, ResultKind};

use crate::{fixture, navigations, save_pending, toasts, Fixture, RecordingWebview, MAIN};

fn results<L>(f: &Fixture<L>) -> Vec<PaymentResult> {
    f.results.lock().unwrap().clone()
}

#[test]
fn the_merchant_return_page_is_one_returned_result_with_the_ids() {
    let f = fixture(Platform::Android, &["ispmobile"], None);
    f.shell
        .on_navigation(MAIN, "https://pg.example/pay?merchant_uid=order_9");
    f.shell.on_navigation(MAIN, "ispmobile://TID=1");
    f.shell.on_deep_link(
        "myapp://://https://shop.example/complete?imp_uid=imp_1&merchant_uid=order_9",
    );
    assert!(
        results(&f).is_empty(),
        "a handled return link is no result yet"
    );
    // The shell navigated; the WebView reports that load through the hook.
    let target = navigations(&f).last().cloned().unwrap();
    f.shell.on_navigation(MAIN, &target);
    assert_eq!(
        results(&f),
        [PaymentResult {
            kind: ResultKind::Returned,
            url: Some(target),
            merchant_uid: Some("order_9".to_owned()),
            imp_uid: Some("imp_1".to_owned()),
            window: MAIN.to_owned(),
        }]
    );
}

#[test]
fn a_missing_app_is_a_launch_failed_result_with_the_link() {
    let f = fixture(Platform::Desktop, &[], None);
    f.shell.on_navigation(MAIN, "ispmobile://TID=2");
    let results = results(&f);
    assert_eq!(results.len(), 1, "{results:?}");
    assert_eq!(results[0].kind, ResultKind::LaunchFailed);
    assert_eq!(results[0].url.as_deref(), Some("ispmobile://TID=2"));
}

#[test]
fn an_untrusted_return_link_is_a_rejected_result_and_no_navigation() {
    let f = fixture(Platform::Ios, &[], None);
    f.shell
        .on_deep_link("myapp://://https://evil.example/steal?imp_uid=1");
    assert!(navigations(&f).is_empty());
    let results = results(&f);
    assert_eq!(results.len(), 1, "{results:?}");
    assert_eq!(results[0].kind, ResultKind::Rejected);
}

#[test]
fn accepting_the_resume_offer_is_a_resumed_result() {
    let f = fixture(
        Platform::Android,
        &[],
        Some("https://shop.example/resume?merchant_uid={merchant_uid}"),
    );
    save_pending(&f);
    let offer = f.shell.first_page(&[]);
    f.shell.on_navigation(MAIN, &offer);
    f.shell
        .on_navigation(MAIN, "https://shop.example/resume?merchant_uid=order_9");
    let results = results(&f);
    assert_eq!(results.len(), 1, "{results:?}");
    assert_eq!(results[0].kind, ResultKind::Resumed);
    assert_eq!(results[0].merchant_uid.as_deref(), Some("order_9"));
}

#[test]
fn the_apps_own_links_of_another_scheme_are_left_to_the_app() {
    // An app using tauri-plugin-deep-link for `otherapp://…` gets every such link
    // from that plugin; payhost receives them too (single-instance argv, Android's
    // `onNewIntent`) and must neither navigate, nor warn, nor report.
    let f = fixture(Platform::Android, &[], None);
    for link in [
        "otherapp://settings/profile",
        "https://shop.example/universal-link",
    ] {
        f.shell.on_deep_link(link);
    }
    assert!(navigations(&f).is_empty());
    assert!(toasts(&f).is_empty(), "{:?}", toasts(&f));
    assert!(results(&f).is_empty());
    // Our own scheme still works alongside.
    f.shell
        .on_deep_link("myapp://://https://shop.example/done?imp_uid=imp_5");
    assert_eq!(navigations(&f), ["https://shop.example/done?imp_uid=imp_5"]);
}

#[test]
fn a_return_continues_in_the_payment_window_that_handed_the_buyer_over() {
    let f = fixture(Platform::Android, &["ispmobile"], None);
    let second = Arc::new(RecordingWebview::default());
    *second.current.lock().unwrap() =
        Some("https://pg.example/pay?merchant_uid=order_2".to_owned());
    f.shell
        .attach("payment-1", Arc::clone(&second) as Arc<dyn PaymentWebview>);
    f.shell.on_navigation("payment-1", "ispmobile://TID=3");
    f.shell
        .on_deep_link("myapp://://https://shop.example/done?imp_uid=imp_2");
    assert_eq!(
        *second.navigations.lock().unwrap(),
        ["https://shop.example/done?imp_uid=imp_2"]
    );
    assert!(
        navigations(&f).is_empty(),
        "the other window stays where it is"
    );
    assert_eq!(
        f.pending.load().unwrap().unwrap().left_url,
        "https://pg.example/pay?merchant_uid=order_2"
    );
    // Closed: a later return goes to the remaining window.
    f.shell.detach("payment-1");
    f.shell
        .on_deep_link("myapp://://https://shop.example/done?imp_uid=imp_3");
    assert_eq!(navigations(&f), ["https://shop.example/done?imp_uid=imp_3"]);
}
