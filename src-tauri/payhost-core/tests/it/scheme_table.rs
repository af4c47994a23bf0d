//! The scheme table: it parses, is self-consistent, every row is reachable through
//! `classify`, and the platform lists derived from it are well-formed.

use payhost_core::schemes::{self, IOS_QUERY_SCHEMES_LIMIT};
use payhost_core::{classify, Context, Decision, Platform, ReturnContext};

fn ctx(platform: Platform) -> Context {
    Context::new(
        platform,
        ReturnContext::new(&["myapp"], &[] as &[&str]).unwrap(),
    )
}

#[test]
fn the_table_parses_and_is_consistent() {
    let table = schemes::table();
    assert_eq!(table.load_error(), None);
    assert_eq!(table.problems(), Vec::<String>::new());
    assert!(
        table.apps().len() >= 80,
        "every row of data/schemes.toml: {}",
        table.apps().len()
    );
}

#[test]
fn every_table_scheme_launches_its_app_on_every_platform() {
    for app in schemes::table().apps() {
        for scheme in &app.schemes {
            for platform in [Platform::Android, Platform::Ios, Platform::Desktop] {
                let url = format!("{scheme}://pay?x=1");
                let Decision::Launch(launch) = classify(&url, &ctx(platform)) else {
                    panic!("{url} on {platform} is not a launch");
                };
                assert_eq!(launch.target, url);
                assert_eq!(launch.app, Some(app), "{url}");
                assert_eq!(launch.package.as_deref(), app.android_package(), "{url}");
                let expected_store = app.store_url(platform);
                assert_eq!(
                    launch.fallbacks.first().map(|f| f.url.clone()),
                    expected_store,
                    "{url} on {platform}"
                );
            }
            // And as Android sends it: `intent://…#Intent;scheme=S;end`.
            let intent = format!("intent://pay?x=1#Intent;scheme={scheme};end");
            let Decision::Launch(launch) = classify(&intent, &ctx(Platform::Android)) else {
                panic!("{intent} is not a launch");
            };
            assert_eq!(launch.target, format!("{scheme}://pay?x=1"));
            assert_eq!(launch.package.as_deref(), app.android_package(), "{intent}");
        }
    }
}

#[test]
fn the_android_queries_list_has_every_package_once() {
    let packages = schemes::table().android_query_packages();
    let mut sorted = packages.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), packages.len());
    for app in schemes::table().apps() {
        for package in &app.android_packages {
            assert!(packages.contains(&package.as_str()), "{package} missing");
        }
    }
    // Where the SDKs disagree, the real packages: Hana's `com.hanaskcard.paycla`, not
    // the `com.hanaskard.paycla` of iamport/iamport-react-native:src/constants/index.ts,
    // and KB's `com.kbstar.kbbank`, not the `com.kbstar.kbkank` of
    // iamport/iamport_flutter:lib/model/url_data.dart.
    assert!(packages.contains(&"com.hanaskcard.paycla"));
    assert!(!packages.contains(&"com.hanaskard.paycla"));
    assert!(packages.contains(&"com.kbstar.kbbank"));
    assert!(!packages.contains(&"com.kbstar.kbkank"));
}

#[test]
fn the_ios_list_is_ordered_by_priority_and_capped_at_50() {
    let list = schemes::table().ios_query_schemes();
    assert_eq!(list.len(), IOS_QUERY_SCHEMES_LIMIT);
    // The core payment flow comes first.
    for must in [
        "ispmobile",
        "kftc-bankpay",
        "kb-acp",
        "shinhan-sr-ansimclick",
        "hdcardappcardansimclick",
        "mpocket.online.ansimclick",
        "lotteappcard",
        "cloudpay",
        "nhallonepayansimclick",
        "kakaotalk",
        "supertoss",
        "payco",
    ] {
        assert!(list.contains(&must), "{must} missing from the iOS list");
    }
    // Android-only schemes never appear.
    for android_only in [
        "wooribank",
        "nidlogin",
        "com.wooricard.smartapp",
        "samsungpay",
        "vguardstart",
    ] {
        assert!(
            !list.contains(&android_only),
            "{android_only} is Android-only"
        );
    }
    let priorities: Vec<u8> = list
        .iter()
        .map(|scheme| schemes::table().lookup(scheme).unwrap().ios_priority)
        .collect();
    assert!(
        priorities.windows(2).all(|w| w[0] <= w[1]),
        "{priorities:?}"
    );
}

/// The canonical (first) scheme of the row `scheme` finds, `None` when it finds none.
fn canonical(scheme: &str) -> Option<&'static str> {
    schemes::table()
        .lookup(scheme)
        .map(|app| app.schemes[0].as_str())
}

#[test]
fn lookups_ignore_case() {
    // Spellings pages send that differ from the table's only in case (iamport's
    // manual writes `NewSmartPib` and `Lpayapp`: iamport/iamport-manual:en/General/README.md);
    // scheme names are case-insensitive (RFC 3986 §3.1).
    for (sent, row) in [
        ("NewSmartPib", "newsmartpib"),
        ("newsmartpib", "newsmartpib"),
        ("Lpayapp", "lpayapp"),
        ("ISPMOBILE", "ispmobile"),
        // A row's other schemes find the same row, in any case.
        ("NhAppVardAnsimclick", "nhappcardansimclick"),
        ("sfg-shb-sbank", "shinhansol"),
    ] {
        assert_eq!(canonical(sent), Some(row), "{sent}");
    }
    assert_eq!(canonical("nosuchscheme"), None);
    assert_eq!(canonical("NoSuchScheme"), None);
}

#[test]
fn a_broken_table_degrades_to_empty_with_an_error() {
    let broken = schemes::SchemeTable::parse("[[app]]\nschemes = 3");
    assert!(broken.load_error().is_some());
    assert!(broken.apps().is_empty());
    assert!(broken.lookup("ispmobile").is_none());
}
