//! Shell-level tests without a display: the glue (`tauri_plugin_payhost::shell::Shell`) driven
//! with a recording launcher and a recording WebView, jobs run inline. What a decision
//! leads to: launches, fallbacks in order, notices, the pending record, deep links.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    unreachable_pub
)]

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use payhost_core::{BlockReason, Context, Platform, ReturnContext};
use tauri_plugin_payhost::flow::{FlowLog, Step};
use tauri_plugin_payhost::pages;
use tauri_plugin_payhost::pending::{PendingPayment, PendingStore};
use tauri_plugin_payhost::shell::{PaymentWebview, Shell, ShellSettings, Spawn};
use tauri_plugin_payhost::{LaunchError, Launcher, OpenRequest, PaymentResult, ResultSink};

mod android_project;
mod conf;
mod platform_xml;
mod results;
mod return_links;

/// The payment webview's label in the fixture.
const MAIN: &str = "main";

/// Records every open; URLs whose scheme is in `installed` open, the rest fail.
#[derive(Default)]
struct RecordingLauncher {
    installed: HashSet<String>,
    opened: Mutex<Vec<OpenRequest>>,
}

impl Launcher for RecordingLauncher {
    fn open(&self, request: &OpenRequest) -> Result<(), LaunchError> {
        self.opened.lock().unwrap().push(request.clone());
        let scheme = request.url.split(':').next().unwrap_or_default();
        if self.installed.contains(scheme) {
            Ok(())
        } else {
            Err(LaunchError::NotFound(scheme.to_owned()))
        }
    }
}

#[derive(Default)]
struct RecordingWebview {
    current: Mutex<Option<String>>,
    navigations: Mutex<Vec<String>>,
    toasts: Mutex<Vec<String>>,
}

impl PaymentWebview for RecordingWebview {
    fn navigate(&self, url: &str) {
        self.navigations.lock().unwrap().push(url.to_owned());
        *self.current.lock().unwrap() = Some(url.to_owned());
    }
    fn current_url(&self) -> Option<String> {
        self.current.lock().unwrap().clone()
    }
    fn show_toast(&self, message: &str) {
        self.toasts.lock().unwrap().push(message.to_owned());
    }
}

/// A shell wired to `launcher`, a recording WebView on a PG page and a pending store
/// in a temporary directory that lives as long as the fixture.
struct Fixture<L = RecordingLauncher> {
    shell: Arc<Shell>,
    launcher: Arc<L>,
    webview: Arc<RecordingWebview>,
    pending: PendingStore,
    flow: Arc<FlowLog>,
    results: Arc<Mutex<Vec<PaymentResult>>>,
    _dir: tempfile::TempDir,
}

/// The shell with a [`RecordingLauncher`] on which the schemes `installed` open.
fn fixture(platform: Platform, installed: &[&str], resume_url: Option<&str>) -> Fixture {
    let launcher = RecordingLauncher {
        installed: installed.iter().map(|s| (*s).to_owned()).collect(),
        ..RecordingLauncher::default()
    };
    fixture_with(platform, launcher, resume_url)
}

fn fixture_with<L: Launcher>(
    platform: Platform,
    launcher: L,
    resume_url: Option<&str>,
) -> Fixture<L> {
    let dir = tempfile::tempdir().unwrap();
    let launcher = Arc::new(launcher);
    let webview = Arc::new(RecordingWebview::default());
    *webview.current.lock().unwrap() =
        Some("https://pg.example/pay?merchant_uid=order_9".to_owned());
    let pending = PendingStore::new(dir.path());
    let inline: Spawn = Arc::new(|job| job());
    let flow = Arc::new(FlowLog::new(None).unwrap());
    let results = Arc::new(Mutex::new(Vec::new()));
    let recorded = Arc::clone(&results);
    let sink: ResultSink = Arc::new(move |result| recorded.lock().unwrap().push(result));
    let shell = Shell::new(
        ShellSettings {
            ctx: Context::new(
                platform,
                ReturnContext::new(&["myapp"], &["shop.example"]).unwrap(),
            ),
            start_url: "https://shop.example/".to_owned(),
            resume_url: resume_url.map(str::to_owned),
        },
        Arc::clone(&launcher) as Arc<dyn Launcher>,
        pending.clone(),
        Arc::clone(&flow),
        inline,
        sink,
    );
    shell.attach(MAIN, Arc::clone(&webview) as Arc<dyn PaymentWebview>);
    Fixture {
        shell,
        launcher,
        webview,
        pending,
        flow,
        results,
        _dir: dir,
    }
}

/// A payment left for ISP a moment ago (order `order_9`).
fn save_pending<L>(f: &Fixture<L>) {
    f.pending
        .save(&PendingPayment {
            left_url: "https://pg.example/pay".to_owned(),
            merchant_uid: Some("order_9".to_owned()),
            imp_uid: None,
            app_scheme: "ispmobile".to_owned(),
            created_at_ms: tauri_plugin_payhost::pending::now_ms(),
        })
        .unwrap();
}

fn opened(f: &Fixture) -> Vec<String> {
    f.launcher
        .opened
        .lock()
        .unwrap()
        .iter()
        .map(|r| r.url.clone())
        .collect()
}

fn navigations<L>(f: &Fixture<L>) -> Vec<String> {
    f.webview.navigations.lock().unwrap().clone()
}

fn toasts<L>(f: &Fixture<L>) -> Vec<String> {
    f.webview.toasts.lock().unwrap().clone()
}

/// The "app missing" page the shell shows for the table's app of `scheme`, whose
/// retry button goes to `retry`.
fn app_missing_notice(scheme: &str, retry: &str) -> String {
    let app = payhost_core::schemes::table().lookup(scheme).unwrap();
    pages::data_url(&pages::app_missing(Some(&app.display_name()), retry))
}

/// The toast the shell shows over the page for a blocked navigation.
fn blocked_toast(reason: &BlockReason) -> String {
    pages::blocked_notice(&reason.message_ko(), &reason.to_string())
}

#[test]
fn a_page_loads_and_nothing_is_launched() {
    let f = fixture(Platform::Android, &[], None);
    assert!(f
        .shell
        .on_navigation(MAIN, "https://mobile.inicis.com/smart/payment/"));
    assert!(opened(&f).is_empty());
    assert!(navigations(&f).is_empty());
}

#[test]
fn an_installed_app_is_launched_with_the_core_target_and_the_intent() {
    let f = fixture(Platform::Android, &["ispmobile"], None);
    // The merchant page carried the order id.
    assert!(f
        .shell
        .on_navigation(MAIN, "https://shop.example/checkout?merchant_uid=order_9"));
    let intent = "intent://TID=1#Intent;scheme=ispmobile;package=kvp.jjy.MispAndroid320;end";
    assert!(
        !f.shell.on_navigation(MAIN, intent),
        "cancelled in the WebView"
    );
    let requests = f.launcher.opened.lock().unwrap().clone();
    assert_eq!(
        requests,
        [OpenRequest {
            url: "ispmobile://TID=1".to_owned(),
            intent: Some(intent.to_owned())
        }]
    );
    assert!(navigations(&f).is_empty(), "the page stays");
    let record = f
        .pending
        .load()
        .unwrap()
        .expect("saved before the hand-off");
    assert_eq!(record.merchant_uid.as_deref(), Some("order_9"));
    assert_eq!(
        record.left_url,
        "https://pg.example/pay?merchant_uid=order_9"
    );
    assert_eq!(record.app_scheme, "ispmobile");
}

#[test]
fn a_missing_app_walks_the_fallbacks_in_order_then_stops_at_the_store() {
    let f = fixture(Platform::Android, &["market"], None);
    assert!(!f.shell.on_navigation(
        MAIN,
        "intent://x#Intent;scheme=kb-acp;package=com.kbcard.kbkookmincard;end"
    ));
    assert_eq!(
        opened(&f),
        ["kb-acp://x", "market://details?id=com.kbcard.kbkookmincard"],
        "the app, then the intent's store page, which opened"
    );
    assert!(
        navigations(&f).is_empty(),
        "the store opened: no notice over the page"
    );
}

#[test]
fn a_browser_fallback_page_is_loaded_in_the_webview() {
    let f = fixture(Platform::Android, &[], None);
    f.shell.on_navigation(MAIN, "intent://pay#Intent;scheme=supertoss;package=viva.republica.toss;S.browser_fallback_url=https%3A%2F%2Fshop.example%2Fno-app;end",
    );
    assert_eq!(opened(&f), ["supertoss://pay"]);
    assert_eq!(navigations(&f), ["https://shop.example/no-app"]);
}

#[test]
fn when_every_fallback_fails_the_notice_names_the_app_and_nothing_is_pending() {
    let f = fixture(Platform::Android, &[], None);
    f.shell.on_navigation(MAIN, "kftc-bankpay://eftpay?x=1");
    assert_eq!(
        opened(&f),
        [
            "kftc-bankpay://eftpay?x=1",
            "market://details?id=com.kftc.bankpay.android"
        ]
    );
    // The one navigation is the notice naming 뱅크페이, whose retry goes to the same URL.
    assert_eq!(
        navigations(&f),
        [app_missing_notice(
            "kftc-bankpay",
            "kftc-bankpay://eftpay?x=1"
        )]
    );
    assert_eq!(f.pending.load().unwrap(), None, "nothing was handed off");
}

/// The intent-scheme attack: a page names another app's private activity.
#[test]
fn an_intent_with_an_explicit_component_never_reaches_the_launcher() {
    // With a data URI, only that URI goes out, as a plain VIEW without the intent.
    // Its app is installed, so this one request is all the launcher sees.
    let f = fixture(Platform::Android, &["ispmobile"], None);
    assert!(!f.shell.on_navigation(
        MAIN,
        "intent://x#Intent;scheme=ispmobile;component=com.victim/.Secret;end"
    ));
    let requests = f.launcher.opened.lock().unwrap().clone();
    assert_eq!(
        requests,
        [OpenRequest {
            url: "ispmobile://x".to_owned(),
            intent: None
        }]
    );
    assert!(toasts(&f).is_empty(), "{:?}", toasts(&f));
    // Without one, the component is the only target: nothing goes out, the page
    // stays, and the notice over it says why.
    let g = fixture(Platform::Android, &[], None);
    assert!(!g
        .shell
        .on_navigation(MAIN, "intent:#Intent;component=com.victim/.Secret;end"));
    assert!(opened(&g).is_empty());
    assert!(navigations(&g).is_empty(), "the page stays");
    assert_eq!(
        toasts(&g),
        [blocked_toast(&BlockReason::IntentExplicitTarget)]
    );
}

#[test]
fn a_blocked_url_shows_a_notice_over_the_page_and_launches_nothing() {
    let f = fixture(Platform::Desktop, &["file"], None);
    assert!(!f.shell.on_navigation(MAIN, "file:///etc/passwd"));
    assert!(opened(&f).is_empty());
    assert!(
        navigations(&f).is_empty(),
        "the page the buyer is on stays (the navigation may be an iframe's)"
    );
    assert_eq!(toasts(&f), [blocked_toast(&BlockReason::LocalFile)]);
}

#[test]
fn a_store_link_goes_outside() {
    let f = fixture(Platform::Ios, &["https"], None);
    assert!(!f
        .shell
        .on_navigation(MAIN, "itmss://itunes.apple.com/app/id369125087"));
    assert_eq!(opened(&f), ["https://itunes.apple.com/app/id369125087"]);
}

#[test]
fn our_scheme_inside_the_webview_continues_there_and_is_never_launched() {
    let f = fixture(Platform::Ios, &["myapp"], None);
    assert!(!f.shell.on_navigation(
        MAIN,
        "myapp://?imp_uid=imp_1&m_redirect_url=https%3A%2F%2Fshop.example%2Fdone"
    ));
    assert!(opened(&f).is_empty());
    assert_eq!(navigations(&f), ["https://shop.example/done?imp_uid=imp_1"]);
}

#[test]
fn deep_links_navigate_resume_or_are_refused_and_duplicates_are_dropped() {
    let f = fixture(Platform::Desktop, &[], None);
    f.shell
        .on_deep_link("myapp://://https://shop.example/done?imp_uid=imp_1");
    f.shell
        .on_deep_link("myapp://://https://shop.example/done?imp_uid=imp_1");
    f.shell.on_deep_link("myapp://");
    f.shell.on_deep_link("myapp://://https://evil.example/");
    assert_eq!(navigations(&f), ["https://shop.example/done?imp_uid=imp_1"]);
    // What became of each link, in order (the flow log's first word).
    let actions: Vec<String> = f
        .flow
        .events()
        .into_iter()
        .filter(|event| event.step == Step::DeepLink)
        .filter_map(|event| event.detail.split(' ').next().map(str::to_owned))
        .collect();
    assert_eq!(actions, ["navigate", "duplicate", "resume", "reject"]);
    let toasts = toasts(&f);
    assert_eq!(toasts.len(), 1, "{toasts:?}");
    assert!(
        toasts[0].contains("evil.example"),
        "the hostile link is shown, not followed: {toasts:?}"
    );
}

#[test]
fn reaching_the_merchant_return_page_clears_the_pending_record() {
    let f = fixture(Platform::Android, &["ispmobile"], None);
    f.shell.on_navigation(MAIN, "ispmobile://TID=1");
    assert!(f.pending.load().unwrap().is_some());
    f.shell
        .on_navigation(MAIN, "https://mobile.inicis.com/smart/result?imp_uid=imp_1");
    assert!(
        f.pending.load().unwrap().is_some(),
        "a PG page is not the merchant's"
    );
    f.shell.on_navigation(
        MAIN,
        "https://shop.example/complete?imp_uid=imp_1&merchant_uid=order_9",
    );
    assert_eq!(f.pending.load().unwrap(), None);
}

#[test]
fn a_start_with_a_pending_record_offers_to_resume_at_the_merchant() {
    let f = fixture(
        Platform::Android,
        &[],
        Some("https://shop.example/resume?merchant_uid={merchant_uid}"),
    );
    save_pending(&f);
    let first = f.shell.first_page(&[]);
    let decoded = percent_encoding::percent_decode_str(&first)
        .decode_utf8_lossy()
        .into_owned();
    assert!(
        decoded.contains("https://shop.example/resume?merchant_uid=order_9"),
        "{decoded}"
    );
    // The buyer starts over instead: the payment is abandoned.
    f.shell.on_navigation(MAIN, &first);
    f.shell.on_navigation(MAIN, "https://shop.example/");
    assert_eq!(f.pending.load().unwrap(), None);
}

#[test]
fn a_cold_start_link_becomes_the_first_page_and_a_hostile_one_does_not() {
    let f = fixture(Platform::Desktop, &[], None);
    assert_eq!(
        f.shell
            .first_page(&["myapp://://https://shop.example/done?imp_uid=1".to_owned()]),
        "https://shop.example/done?imp_uid=1"
    );
    let g = fixture(Platform::Desktop, &[], None);
    assert_eq!(
        g.shell
            .first_page(&["myapp://://https://evil.example/".to_owned()]),
        "https://shop.example/"
    );
}

#[test]
fn a_corrupt_pending_record_is_ignored_at_start() {
    let f = fixture(Platform::Desktop, &[], None);
    std::fs::write(f.pending.path(), "{not json").unwrap();
    assert_eq!(f.shell.first_page(&[]), "https://shop.example/");
}

#[test]
fn command_line_options_parse() {
    use payhost_lib::CliOptions;
    let options = CliOptions::parse([
        "--qa".to_owned(),
        "--qa-log".to_owned(),
        "f.jsonl".to_owned(),
        "myapp://x".to_owned(),
    ])
    .unwrap();
    assert!(options.qa_panel);
    assert_eq!(options.qa_log.unwrap().to_str(), Some("f.jsonl"));
    assert_eq!(options.links, ["myapp://x"]);
    assert!(CliOptions::parse(["--qa-log".to_owned()]).is_err());
    assert!(CliOptions::parse(["--nope".to_owned()]).is_err());
}

#[test]
fn a_popup_page_opens_and_a_custom_scheme_popup_goes_to_the_launcher() {
    let f = fixture(Platform::Desktop, &["ispmobile"], None);
    assert!(f.shell.on_new_window(MAIN, "https://card.example/popup"));
    assert!(opened(&f).is_empty());
    assert!(!f.shell.on_new_window(MAIN, "ispmobile://TID=POPUP"));
    assert_eq!(opened(&f), ["ispmobile://TID=POPUP"]);
}

/// The Rust side of the mobile launcher, with a fake native plugin in place of the
/// Kotlin/Swift one.
mod mobile_launcher {
    use super::*;
    use tauri_plugin_payhost::{
        LaunchArgs, LaunchResponse, LaunchStatus, MobileLauncher, NativeLaunch,
    };

    /// Answers `launched` for installed schemes, `not_found` otherwise, and records calls.
    #[derive(Clone, Default)]
    struct FakeNative {
        installed: Arc<HashSet<String>>,
        calls: Arc<Mutex<Vec<LaunchArgs>>>,
    }

    impl NativeLaunch for FakeNative {
        fn launch(&self, args: &LaunchArgs) -> Result<LaunchResponse, String> {
            self.calls.lock().unwrap().push(args.clone());
            let scheme = args.url.split(':').next().unwrap_or_default();
            let status = if self.installed.contains(scheme) {
                LaunchStatus::Launched
            } else {
                LaunchStatus::NotFound
            };
            Ok(LaunchResponse {
                status,
                message: None,
            })
        }
    }

    /// The shell over the Rust side of the mobile launcher, whose native half is a
    /// [`FakeNative`] on which the schemes `installed` open.
    fn mobile_fixture(installed: &[&str]) -> (Fixture<MobileLauncher<FakeNative>>, FakeNative) {
        let native = FakeNative {
            installed: Arc::new(installed.iter().map(|s| (*s).to_owned()).collect()),
            ..FakeNative::default()
        };
        let f = fixture_with(Platform::Android, MobileLauncher::new(native.clone()), None);
        (f, native)
    }

    fn urls(native: &FakeNative) -> Vec<String> {
        native
            .calls
            .lock()
            .unwrap()
            .iter()
            .map(|a| a.url.clone())
            .collect()
    }

    #[test]
    fn not_found_walks_the_core_fallbacks_in_order() {
        let (f, native) = mobile_fixture(&["market"]);
        let intent = "intent://x#Intent;scheme=kb-acp;package=com.kbcard.kbkookmincard;end";
        f.shell.on_navigation(MAIN, intent);
        assert_eq!(
            urls(&native),
            ["kb-acp://x", "market://details?id=com.kbcard.kbkookmincard"]
        );
        let first = native.calls.lock().unwrap()[0].clone();
        assert_eq!(
            first.intent.as_deref(),
            Some(intent),
            "Android re-parses the original intent"
        );
    }

    #[test]
    fn an_intent_with_a_component_never_reaches_the_native_call() {
        let native = FakeNative::default();
        let launcher = MobileLauncher::new(native.clone());
        for intent in [
            "intent://x#Intent;scheme=ispmobile;component=com.evil/.Steal;end",
            "intent:#Intent;SEL;component=com.victim/.Secret;end",
            "intent://x#component(com.victim/.Secret)",
        ] {
            let result = launcher.open(&OpenRequest {
                url: "ispmobile://x".to_owned(),
                intent: Some(intent.to_owned()),
            });
            assert!(matches!(result, Err(LaunchError::Failed(_))), "{intent}");
        }
        assert!(native.calls.lock().unwrap().is_empty());
        // Through the shell the core already drops the component: the data URI goes out plain.
        let (f, native) = mobile_fixture(&["ispmobile"]);
        f.shell.on_navigation(
            MAIN,
            "intent://x#Intent;scheme=ispmobile;component=com.evil/.Steal;end",
        );
        let calls = native.calls.lock().unwrap().clone();
        assert_eq!(
            calls,
            [LaunchArgs {
                url: "ispmobile://x".to_owned(),
                intent: None
            }]
        );
    }

    #[test]
    fn when_every_fallback_fails_the_shell_shows_its_notice() {
        let (f, native) = mobile_fixture(&[]);
        let intent = "intent://pay#Intent;scheme=supertoss;package=viva.republica.toss;end";
        f.shell.on_navigation(MAIN, intent);
        assert_eq!(
            urls(&native),
            ["supertoss://pay", "market://details?id=viva.republica.toss"]
        );
        // The one navigation is the notice naming Toss; retry sends the intent again.
        assert_eq!(navigations(&f), [app_missing_notice("supertoss", intent)]);
    }
}

/// Platform files derived from the scheme table: regenerated here and compared with
/// the committed ones (rust-analyzer's "stale generated file → failing test").
/// `PAYHOST_UPDATE_GENERATED=1 cargo test --test shell` rewrites them.
mod generated_files {
    use std::collections::BTreeSet;
    use std::path::Path;

    use payhost_core::platform_files;
    use payhost_core::schemes::{self, TablePlatform};
    use serde::Deserialize;

    const ANDROID: &str = "http://schemas.android.com/apk/res/android";

    fn ensure_file_contents(relative: &str, contents: &str) {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        if current == contents {
            return;
        }
        if std::env::var_os("PAYHOST_UPDATE_GENERATED").is_some() {
            std::fs::write(&path, contents).unwrap();
            return;
        }
        panic!("{relative} is stale: run `PAYHOST_UPDATE_GENERATED=1 cargo test --test shell` and commit it");
    }

    /// The keys of `Info.ios.plist` these tests read.
    #[derive(Deserialize)]
    struct InfoPlist {
        #[serde(rename = "LSApplicationQueriesSchemes")]
        queries: Vec<String>,
        #[serde(rename = "CFBundleURLTypes")]
        url_types: Vec<UrlType>,
    }

    #[derive(Deserialize)]
    struct UrlType {
        #[serde(rename = "CFBundleURLName")]
        name: String,
        #[serde(rename = "CFBundleURLSchemes")]
        schemes: Vec<String>,
    }

    #[test]
    fn info_ios_plist_is_up_to_date() {
        let plist = crate::conf::fresh_info_plist();
        let info: InfoPlist = plist::from_bytes(plist.as_bytes()).unwrap();
        // The URL type is tauri.conf.json's identifier with its mobile deep-link schemes.
        assert_eq!(info.url_types.len(), 1);
        assert_eq!(info.url_types[0].name, crate::conf::identifier());
        assert_eq!(info.url_types[0].schemes, crate::conf::mobile_schemes());
        // 50 distinct query schemes (all that iOS reads), each a table scheme that
        // iOS pages send, the core payment flow among them.
        let distinct: BTreeSet<&str> = info.queries.iter().map(String::as_str).collect();
        assert_eq!(
            (info.queries.len(), distinct.len()),
            (50, 50),
            "{:?}",
            info.queries
        );
        for scheme in &info.queries {
            let app = schemes::table()
                .lookup(scheme)
                .unwrap_or_else(|| panic!("{scheme} is not in the table"));
            assert!(
                app.platforms.contains(&TablePlatform::Ios) && !app.legacy,
                "{scheme} is not an iOS scheme"
            );
        }
        for core in ["ispmobile", "kftc-bankpay", "kb-acp", "supertoss"] {
            assert!(distinct.contains(core), "{core} is not queried");
        }
        ensure_file_contents("Info.ios.plist", &plist);
    }

    #[test]
    fn the_android_network_security_config_is_up_to_date() {
        let xml = platform_files::android_network_security_config();
        assert!(xml.contains("<base-config cleartextTrafficPermitted=\"false\" />"));
        ensure_file_contents(
            "src-tauri/tauri-plugin-payhost/android/src/main/res/xml/payhost_network_security.xml",
            &xml,
        );
    }

    #[test]
    fn the_android_queries_block_lists_every_package_once() {
        let xml = platform_files::android_queries_xml(schemes::table());
        let manifest = format!("<manifest xmlns:android=\"{ANDROID}\">{xml}</manifest>");
        let doc = roxmltree::Document::parse(&manifest).unwrap();
        let queries = doc
            .root_element()
            .children()
            .find(|node| node.has_tag_name("queries"))
            .expect("<queries>");
        let listed: Vec<&str> = queries
            .children()
            .filter(|node| node.has_tag_name("package"))
            .map(|node| node.attribute((ANDROID, "name")).expect("android:name"))
            .collect();
        let distinct: BTreeSet<&str> = listed.iter().copied().collect();
        assert_eq!(distinct.len(), listed.len(), "a package twice: {listed:?}");
        // Every package of every row, not only the first one each row launches.
        let rows: BTreeSet<&str> = schemes::table()
            .apps()
            .iter()
            .flat_map(|app| app.android_packages.iter().map(String::as_str))
            .collect();
        assert_eq!(distinct, rows);
        assert!(rows.contains("com.lotte.lpay"), "a second package of a row");
        // And the browser intent, so that a page can be opened outside.
        assert!(queries.descendants().any(|node| node.has_tag_name("data")
            && node.attribute((ANDROID, "scheme")) == Some("https")));
    }
}
