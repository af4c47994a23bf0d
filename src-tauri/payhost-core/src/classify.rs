//! Classifies a WebView navigation: load it, launch an app, open a store page
//! outside, treat it as our own return link, or block it.
//!
//! This runs synchronously inside the WebView's navigation hook (Android's
//! `shouldOverrideUrlLoading` on the UI thread, via wry) for every main-frame and
//! sub-frame navigation, so it does no I/O and allocates only for the answers that
//! carry a URL. The rules are what the SDKs of `docs/sources.md` do (and the URLs of
//! its URL corpus), with the choices written next to each branch.

use std::fmt;

use url::Url;

use crate::context::{Context, Platform};
use crate::intent::{parse_intent, IntentParseError, IntentUri};
use crate::return_link::{parse_return, RejectReason, ReturnAction};
use crate::schemes::{self, market_url, App};
use crate::text::{scheme_of, starts_with_ignore_case, trim_c0};

/// What payhost does with a navigation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// The WebView loads it.
    Load,
    /// Cancel the navigation and open another app.
    Launch(Launch),
    /// Cancel the navigation and open this store link with the OS, outside the WebView.
    External {
        /// The link to open (`itms:`/`itmss:` already rewritten to `https:`).
        target: String,
    },
    /// Our own scheme inside the WebView (Inicis iOS bank transfer): never
    /// launched; continue at `continue_at` when the link carries a URL.
    Return {
        /// The checked URL to load instead, if any.
        continue_at: Option<String>,
    },
    /// Cancel the navigation and tell the buyer why.
    Block {
        /// Why.
        reason: BlockReason,
    },
}

/// An app launch with its fallbacks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Launch {
    /// The URL to open, byte for byte as the page wrote it, or the data URI Android
    /// rebuilds from an `intent:` URL.
    pub target: String,
    /// The original `intent:` URI (scheme lower-cased), which the Android launcher
    /// re-parses natively; `None` when the page sent a plain scheme or when an
    /// explicit component or selector had to be dropped.
    pub intent: Option<String>,
    /// The Android package: the intent's `package=`, else the table's.
    pub package: Option<String>,
    /// The table row of the target's scheme, if known.
    pub app: Option<&'static App>,
    /// What to try, in order, when the app is missing.
    pub fallbacks: Vec<Fallback>,
    /// Set when the launch differs from what the page asked for.
    pub note: Option<LaunchNote>,
}

/// Why a launch differs from the page's request.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LaunchNote {
    /// The `intent:` named an explicit `component=` or a `SEL` selector; only its
    /// data URI is launched (as a plain VIEW), so the component never reaches Android.
    ExplicitTargetDropped,
}

impl fmt::Display for LaunchNote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ExplicitTargetDropped => f.write_str(
                "the intent's explicit component/selector was dropped; only its data URI is launched",
            ),
        }
    }
}

/// One fallback step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fallback {
    /// Where it comes from.
    pub kind: FallbackKind,
    /// The URL.
    pub url: String,
    /// How to open it.
    pub opens: Opens,
}

/// Where a fallback comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FallbackKind {
    /// The intent's `S.browser_fallback_url` (Chrome's semantics).
    Browser,
    /// The app's store page.
    Store,
}

impl FallbackKind {
    /// `browser` or `store`, as in the JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Browser => "browser",
            Self::Store => "store",
        }
    }
}

/// How a fallback URL is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opens {
    /// Loaded in the payment WebView (a web page).
    InWebView,
    /// Handed to the OS (a store link).
    Externally,
}

/// Why a navigation is blocked.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlockReason {
    /// No scheme could be read.
    Malformed,
    /// An http(s) URL that does not parse.
    MalformedWeb,
    /// `file:`: would expose the device's files to a remote page.
    LocalFile,
    /// `content:`: Android content providers.
    ContentProvider,
    /// `javascript:` / `vbscript:` as a navigation.
    Script,
    /// `chrome:`, `chrome-extension:`, `view-source:`, `filesystem:`: browser internals.
    BrowserInternal,
    /// `android-app:`: names a package directly, no payment page needs it.
    AndroidApp,
    /// An `intent:` that Android's parser refuses, or that is in a format no app handles.
    Intent(IntentParseError),
    /// `intent:` on iOS: Android-only links (URL corpus row 10, `docs/sources.md`).
    IntentOnIos,
    /// The intent's only target is an explicit component or selector (the
    /// intent-scheme attack).
    IntentExplicitTarget,
    /// The intent names nothing to open (no data URI).
    IntentWithoutTarget,
    /// The intent's data is itself an `intent:`.
    NestedIntent,
    /// The intent's data URI is blocked for the reason inside.
    IntentData(Box<BlockReason>),
    /// Our own scheme, carrying a URL that may not be loaded.
    Return(RejectReason),
}

impl BlockReason {
    /// The reason in Korean, for the buyer-facing notice.
    pub fn message_ko(&self) -> String {
        match self {
            Self::Malformed => "형식이 잘못된 주소입니다".to_owned(),
            Self::MalformedWeb => "형식이 잘못된 웹 주소입니다".to_owned(),
            Self::LocalFile => "기기의 파일을 여는 주소는 열 수 없습니다".to_owned(),
            Self::ContentProvider => "기기 내부 콘텐츠 주소는 열 수 없습니다".to_owned(),
            Self::Script => "스크립트 주소는 열 수 없습니다".to_owned(),
            Self::BrowserInternal => "브라우저 내부 주소는 열 수 없습니다".to_owned(),
            Self::AndroidApp => "android-app 주소는 열 수 없습니다".to_owned(),
            Self::Intent(_) => "해석할 수 없는 intent 주소입니다".to_owned(),
            Self::IntentOnIos => "Android 전용 intent 주소입니다".to_owned(),
            Self::IntentExplicitTarget => {
                "특정 앱 화면을 직접 지정한 intent는 열 수 없습니다".to_owned()
            }
            Self::IntentWithoutTarget => "열 대상이 없는 intent 주소입니다".to_owned(),
            Self::NestedIntent => "intent 안에 intent가 들어 있습니다".to_owned(),
            Self::IntentData(inner) => format!("intent의 대상: {}", inner.message_ko()),
            Self::Return(reason) => reason.message_ko(),
        }
    }
}

impl fmt::Display for BlockReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed => f.write_str("not a URL with a scheme"),
            Self::MalformedWeb => f.write_str("malformed http(s) URL"),
            Self::LocalFile => f.write_str("file: URLs are never opened"),
            Self::ContentProvider => f.write_str("content: URLs are never opened"),
            Self::Script => f.write_str("script URLs are never navigated to"),
            Self::BrowserInternal => f.write_str("browser-internal URLs are never opened"),
            Self::AndroidApp => f.write_str("android-app: URLs are never opened"),
            Self::Intent(err) => write!(f, "intent: {err}"),
            Self::IntentOnIos => f.write_str("intent: URLs are Android-only"),
            Self::IntentExplicitTarget => {
                f.write_str("intent: targets only an explicit component or selector")
            }
            Self::IntentWithoutTarget => f.write_str("intent: names no data URI to open"),
            Self::NestedIntent => f.write_str("intent: whose data is another intent:"),
            Self::IntentData(inner) => write!(f, "intent: data URI refused: {inner}"),
            Self::Return(reason) => write!(f, "return link refused: {reason}"),
        }
    }
}

/// Hosts whose http(s) pages are store pages that must leave the WebView, per
/// platform (FL, LEG, TOSS, PAND and PRN open them outside; URL corpus row 38 for
/// GCash's onelink; short names of `docs/sources.md`).
const ANDROID_STORE_HOSTS: &[&str] = &[
    "play.google.com",
    "market.android.com",
    "m.onestore.co.kr",
    "m.onestore.net",
    "onesto.re",
    "gcash.onelink.me",
];
const IOS_STORE_HOSTS: &[&str] = &["apps.apple.com", "itunes.apple.com", "phobos.apple.com"];

/// How a scheme is treated before any host or table lookup.
enum SchemeClass {
    Web,
    Inline,
    Blocked(BlockReason),
    Intent,
    Store,
    StoreToHttps,
    Other,
}

fn scheme_class(scheme: &str) -> SchemeClass {
    let is = |name: &str| scheme.eq_ignore_ascii_case(name);
    if is("http") || is("https") {
        SchemeClass::Web
    } else if is("about") || is("data") || is("blob") {
        SchemeClass::Inline
    } else if is("intent") {
        SchemeClass::Intent
    } else if is("market") || is("itms-apps") {
        SchemeClass::Store
    } else if is("itms") || is("itmss") {
        // Inicis emits `itmss://itunes.apple.com/…` on iOS; RN, LEG's iamport-capacitor
        // and TOSS's ConvertUrl rewrite `itms*` to `https:`.
        SchemeClass::StoreToHttps
    } else if is("file") {
        SchemeClass::Blocked(BlockReason::LocalFile)
    } else if is("content") {
        SchemeClass::Blocked(BlockReason::ContentProvider)
    } else if is("javascript") || is("vbscript") {
        SchemeClass::Blocked(BlockReason::Script)
    } else if is("chrome")
        || is("chrome-extension")
        || is("chrome-native")
        || is("view-source")
        || is("filesystem")
    {
        SchemeClass::Blocked(BlockReason::BrowserInternal)
    } else if is("android-app") {
        SchemeClass::Blocked(BlockReason::AndroidApp)
    } else {
        SchemeClass::Other
    }
}

/// Decides what the WebView does with a navigation to `url`.
///
/// # Examples
/// ```
/// use payhost_core::{classify, Context, Decision, Platform, ReturnContext};
///
/// let ctx = Context::new(Platform::Android, ReturnContext::new(&["myapp"], &[] as &[&str])?);
/// let Decision::Launch(launch) = classify(
///     "intent://TID=X#Intent;scheme=ispmobile;package=kvp.jjy.MispAndroid320;end",
///     &ctx,
/// ) else { panic!("expected a launch") };
/// assert_eq!(launch.target, "ispmobile://TID=X");
/// assert_eq!(launch.fallbacks[0].url, "market://details?id=kvp.jjy.MispAndroid320");
/// assert_eq!(classify("https://shop.example/", &ctx), Decision::Load);
/// Ok::<(), payhost_core::ConfigError>(())
/// ```
pub fn classify(url: &str, ctx: &Context) -> Decision {
    let url = trim_c0(url);
    let Some(scheme) = scheme_of(url) else {
        return block(BlockReason::Malformed);
    };
    match scheme_class(scheme) {
        SchemeClass::Web => classify_web(url, ctx.platform()),
        SchemeClass::Inline => Decision::Load,
        SchemeClass::Blocked(reason) => block(reason),
        SchemeClass::Intent => classify_intent(url, ctx),
        SchemeClass::Store => Decision::External {
            target: url.to_owned(),
        },
        SchemeClass::StoreToHttps => Decision::External {
            target: format!("https{}", &url[scheme.len()..]),
        },
        SchemeClass::Other if ctx.returns().is_app_scheme(scheme) => classify_return(url, ctx),
        SchemeClass::Other => Decision::Launch(launch_scheme(url, scheme, ctx.platform())),
    }
}

fn block(reason: BlockReason) -> Decision {
    Decision::Block { reason }
}

fn classify_web(url: &str, platform: Platform) -> Decision {
    let store_hosts = match platform {
        Platform::Android => ANDROID_STORE_HOSTS,
        Platform::Ios => IOS_STORE_HOSTS,
        Platform::Desktop => &[],
    };
    match Url::parse(url) {
        Ok(parsed) if is_store_page(&parsed, store_hosts) => Decision::External {
            target: url.to_owned(),
        },
        Ok(_) => Decision::Load,
        Err(_) => block(BlockReason::MalformedWeb),
    }
}

fn is_store_page(url: &Url, store_hosts: &[&str]) -> bool {
    url.host_str()
        .is_some_and(|host| store_hosts.contains(&host))
}

fn classify_return(url: &str, ctx: &Context) -> Decision {
    match parse_return(url, ctx.returns()) {
        ReturnAction::Navigate(target) => Decision::Return {
            continue_at: Some(target),
        },
        ReturnAction::Resume => Decision::Return { continue_at: None },
        ReturnAction::Reject(reason) => block(BlockReason::Return(reason)),
    }
}

/// A plain custom scheme: launch it as written; the store from the table if missing.
fn launch_scheme(url: &str, scheme: &str, platform: Platform) -> Launch {
    let app = schemes::table().lookup(scheme);
    Launch {
        target: url.to_owned(),
        intent: None,
        package: app.and_then(App::android_package).map(str::to_owned),
        app,
        fallbacks: app
            .and_then(|app| app.store_url(platform))
            .map(|url| Fallback {
                kind: FallbackKind::Store,
                url,
                opens: Opens::Externally,
            })
            .into_iter()
            .collect(),
        note: None,
    }
}

fn classify_intent(url: &str, ctx: &Context) -> Decision {
    let platform = ctx.platform();
    if platform == Platform::Ios {
        return block(BlockReason::IntentOnIos);
    }
    let intent = match parse_intent(url) {
        Ok(intent) => intent,
        Err(err) => return block(BlockReason::Intent(err)),
    };
    let explicit = intent.has_explicit_target();
    let Some(data) = intent.data() else {
        return block(if explicit {
            BlockReason::IntentExplicitTarget
        } else {
            BlockReason::IntentWithoutTarget
        });
    };
    let Some(data_scheme) = scheme_of(&data) else {
        return block(BlockReason::IntentWithoutTarget);
    };
    match scheme_class(data_scheme) {
        SchemeClass::Web | SchemeClass::Other => {}
        SchemeClass::Inline => {
            return block(BlockReason::IntentData(Box::new(BlockReason::Malformed)))
        }
        SchemeClass::Blocked(reason) => return block(BlockReason::IntentData(Box::new(reason))),
        SchemeClass::Intent => return block(BlockReason::NestedIntent),
        SchemeClass::Store => return Decision::External { target: data },
        SchemeClass::StoreToHttps => {
            return Decision::External {
                target: format!("https{}", &data[data_scheme.len()..]),
            }
        }
    }
    if ctx.returns().is_app_scheme(data_scheme) {
        return classify_return(&data, ctx);
    }
    let app = schemes::table().lookup(data_scheme);
    let intent_package = intent.fields.package.as_deref().filter(|p| !p.is_empty());
    let package = intent_package
        .or_else(|| app.and_then(App::android_package))
        .map(str::to_owned);
    let fallbacks = intent_fallbacks(&intent, intent_package, app, platform);
    let (intent_uri, note) = if explicit {
        (None, Some(LaunchNote::ExplicitTargetDropped))
    } else {
        // Android's parser matches `intent:` case-sensitively; hand it the lower-case form.
        (Some(format!("intent:{}", &url["intent:".len()..])), None)
    };
    Decision::Launch(Launch {
        target: data,
        intent: intent_uri,
        package,
        app,
        fallbacks,
        note,
    })
}

/// `S.browser_fallback_url` first (Chrome's semantics: only http(s) is honoured, a
/// store page goes out, a web page loads), then the store: the intent's package,
/// then the table's when it differs (URL corpus row 19: old packages in PG pages).
fn intent_fallbacks(
    intent: &IntentUri,
    intent_package: Option<&str>,
    app: Option<&'static App>,
    platform: Platform,
) -> Vec<Fallback> {
    let mut fallbacks = Vec::new();
    if let Some(browser) = intent.browser_fallback_url().map(trim_c0) {
        if starts_with_ignore_case(browser, "http://")
            || starts_with_ignore_case(browser, "https://")
        {
            match classify_web(browser, platform) {
                Decision::Load => fallbacks.push(Fallback {
                    kind: FallbackKind::Browser,
                    url: browser.to_owned(),
                    opens: Opens::InWebView,
                }),
                Decision::External { target } => fallbacks.push(Fallback {
                    kind: FallbackKind::Browser,
                    url: target,
                    opens: Opens::Externally,
                }),
                _ => {}
            }
        }
    }
    if platform == Platform::Android {
        let table_package = app.and_then(App::android_package);
        for package in [intent_package, table_package].into_iter().flatten() {
            let url = market_url(package);
            if !fallbacks.iter().any(|f| f.url == url) {
                fallbacks.push(Fallback {
                    kind: FallbackKind::Store,
                    url,
                    opens: Opens::Externally,
                });
            }
        }
    }
    fallbacks
}
