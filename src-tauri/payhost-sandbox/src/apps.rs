//! The payment apps the sandbox's PG pages hand off to, and the exact URLs each side
//! emits: the PG's hand-off (Android `intent:` forms, raw schemes on iOS and desktop,
//! URL corpus rows 1, 3, 19–30 in `docs/sources.md`) and the app's way back (NICE ISP
//! `app://://<result URL>`, app cards' bare `app://`, NICE BankPay's
//! `app://?callbackparam1=<url>&…`, rows 50–55). The carriers' PASS apps, which the
//! identity page of a verification hands off to the same way, are apps of this table
//! too. Pure functions, so the PG pages, the simulated apps and their tests agree on
//! one definition.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Query values are encoded like `encodeURIComponent` (unreserved characters kept).
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'!')
    .remove(b'~')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')');

/// `encodeURIComponent`.
pub fn encode_component(text: &str) -> String {
    utf8_percent_encode(text, COMPONENT).to_string()
}

/// How an app sends the buyer back to the merchant's app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReturnStyle {
    /// NICE ISP: `app://://<PG result URL>` (the host loads the URL).
    IspResultUrl,
    /// App cards, KakaoPay, Toss, PASS: a bare `app://`; the PG page polls meanwhile.
    ///
    /// PASS never opens a link back: on iOS the buyer switches back by hand, and on
    /// Android the OS shows the app that started PASS again when PASS closes (its
    /// activity leaves the stack; iamport/iamport-react-native#92). The identity page
    /// goes on by polling either way. The simulated PASS app, a process of its own,
    /// models Android's return with this bare link (payhost brings its window to the
    /// front and loads nothing, as Android does), and iOS's with `--no-return`.
    Bare,
    /// NICE BankPay: `app://?callbackparam1=<PG result URL>&bankpaycode=000`.
    BankPayCallback,
}

/// How the Android hand-off is written (both forms occur in the wild, URL corpus rows
/// 1 and 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum IntentForm {
    /// `intent://REST#Intent;scheme=S;package=P;end`.
    SchemeItem,
    /// `intent:S://REST#Intent;package=P;end`.
    Embedded,
}

/// A payment app the sandbox simulates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SandboxApp {
    /// The key the PG page and the web version use (`isp`, `kb`, …).
    pub key: &'static str,
    /// What the buyer sees, Korean first.
    pub label: &'static str,
    /// The app's URL scheme (a row of payhost-core's table).
    pub scheme: &'static str,
    /// What follows `scheme://` before the sandbox's parameters.
    rest: &'static str,
    /// How it returns.
    pub returns: ReturnStyle,
    /// Which `pay_method` offers it ([`CERTIFICATION`] for the PASS apps: the
    /// identity page offers them).
    pub pay_method: &'static str,
    form: IntentForm,
}

/// What the identity page of a verification offers in place of a `pay_method`.
pub const CERTIFICATION: &str = "certification";

/// Every simulated app, in the order the PG pages list them.
pub const APPS: [SandboxApp; 15] = [
    app(
        "isp",
        "ISP/페이북 (BC·KB 국민)",
        "ispmobile",
        "TID=SANDBOX",
        ReturnStyle::IspResultUrl,
        "card",
        IntentForm::SchemeItem,
    ),
    app(
        "kb",
        "KB국민 앱카드 / KB Pay",
        "kb-acp",
        "pay",
        ReturnStyle::Bare,
        "card",
        IntentForm::SchemeItem,
    ),
    app(
        "shinhan",
        "신한 앱카드 / Shinhan SOL Pay",
        "shinhan-sr-ansimclick",
        "pay",
        ReturnStyle::Bare,
        "card",
        IntentForm::SchemeItem,
    ),
    app(
        "hyundai",
        "현대카드 앱카드 / Hyundai Card",
        "hdcardappcardansimclick",
        "appcard",
        ReturnStyle::Bare,
        "card",
        IntentForm::Embedded,
    ),
    app(
        "samsung",
        "삼성카드 앱카드 / Samsung Card",
        "mpocket.online.ansimclick",
        "pay",
        ReturnStyle::Bare,
        "card",
        IntentForm::SchemeItem,
    ),
    app(
        "lotte",
        "롯데카드 앱카드 / Lotte Card",
        "lotteappcard",
        "pay",
        ReturnStyle::Bare,
        "card",
        IntentForm::SchemeItem,
    ),
    app(
        "hana",
        "하나카드 앱카드 / Hana Card",
        "cloudpay",
        "",
        ReturnStyle::Bare,
        "card",
        IntentForm::SchemeItem,
    ),
    app(
        "nh",
        "NH농협 앱카드 / NH Card",
        "nhappcardansimclick",
        "appcard",
        ReturnStyle::Bare,
        "card",
        IntentForm::SchemeItem,
    ),
    app(
        "woori",
        "우리카드 앱카드 / Woori Card",
        "wooripay",
        "pay",
        ReturnStyle::Bare,
        "card",
        IntentForm::SchemeItem,
    ),
    app(
        "bankpay",
        "뱅크페이 계좌이체 / BankPay",
        "kftc-bankpay",
        "eftpay",
        ReturnStyle::BankPayCallback,
        "trans",
        IntentForm::SchemeItem,
    ),
    app(
        "kakaopay",
        "카카오페이 / KakaoPay",
        "kakaotalk",
        "kakaopay/pg",
        ReturnStyle::Bare,
        "kakaopay",
        IntentForm::SchemeItem,
    ),
    app(
        "toss",
        "토스페이 / Toss",
        "supertoss",
        "pay",
        ReturnStyle::Bare,
        "tosspay",
        IntentForm::SchemeItem,
    ),
    // The carriers' PASS apps: each key is `person::Carrier::pass_app_key`.
    app(
        "pass-skt",
        "PASS (SKT) 본인인증 / PASS by SKT",
        "tauthlink",
        "auth",
        ReturnStyle::Bare,
        CERTIFICATION,
        IntentForm::SchemeItem,
    ),
    app(
        "pass-kt",
        "PASS (KT) 본인인증 / PASS by KT",
        "ktauthexternalcall",
        "auth",
        ReturnStyle::Bare,
        CERTIFICATION,
        IntentForm::SchemeItem,
    ),
    app(
        "pass-lgu",
        "PASS (LG U+) 본인인증 / PASS by LG U+",
        "upluscorporation",
        "auth",
        ReturnStyle::Bare,
        CERTIFICATION,
        IntentForm::SchemeItem,
    ),
];

#[allow(clippy::too_many_arguments)]
const fn app(
    key: &'static str,
    label: &'static str,
    scheme: &'static str,
    rest: &'static str,
    returns: ReturnStyle,
    pay_method: &'static str,
    form: IntentForm,
) -> SandboxApp {
    SandboxApp {
        key,
        label,
        scheme,
        rest,
        returns,
        pay_method,
        form,
    }
}

/// The app with `key`.
pub fn by_key(key: &str) -> Option<&'static SandboxApp> {
    APPS.iter().find(|app| app.key == key)
}

/// The app that answers to `scheme`.
pub fn by_scheme(scheme: &str) -> Option<&'static SandboxApp> {
    APPS.iter()
        .find(|app| app.scheme.eq_ignore_ascii_case(scheme))
}

/// The apps a PG page offers for `pay_method`.
pub fn for_pay_method(pay_method: &str) -> Vec<&'static SandboxApp> {
    APPS.iter()
        .filter(|app| app.pay_method == pay_method)
        .collect()
}

/// The user agent's platform, as a PG decides what to emit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Device {
    /// `intent:` URLs.
    Android,
    /// Raw schemes.
    Ios,
    /// Raw schemes (what the sandbox emits for payhost's desktop build).
    Desktop,
}

impl Device {
    /// From a `User-Agent` header.
    pub fn from_user_agent(user_agent: &str) -> Self {
        if user_agent.contains("Android") {
            Self::Android
        } else if ["iPhone", "iPad", "iPod"]
            .iter()
            .any(|d| user_agent.contains(d))
        {
            Self::Ios
        } else {
            Self::Desktop
        }
    }
}

/// The sandbox parameters every hand-off carries: the one-time transaction token
/// and the sandbox's `host:port`, which the simulated app reports to.
fn sandbox_params(token: &str, sandbox_host: &str) -> String {
    format!(
        "sandbox_txn={}&sandbox={}",
        encode_component(token),
        encode_component(sandbox_host)
    )
}

impl SandboxApp {
    /// What the PG page navigates to for this app.
    ///
    /// `result_url` is the PG's result page (BankPay carries it in the hand-off, as
    /// NICE's `callbackparam1` does).
    pub fn hand_off(
        &self,
        device: Device,
        token: &str,
        sandbox_host: &str,
        result_url: &str,
    ) -> String {
        let sandbox = sandbox_params(token, sandbox_host);
        let after_scheme = match self.returns {
            ReturnStyle::IspResultUrl => {
                format!("{}{}?{sandbox}", self.rest, &token[..token.len().min(12)])
            }
            ReturnStyle::BankPayCallback => format!(
                "{}?user_key={}&callbackparam1={}&{sandbox}",
                self.rest,
                encode_component(token),
                encode_component(result_url)
            ),
            ReturnStyle::Bare if self.key == "kakaopay" => format!(
                "{}?url={}&{sandbox}",
                self.rest,
                encode_component(&format!("http://{sandbox_host}/apps/{token}"))
            ),
            ReturnStyle::Bare => format!("{}?{sandbox}", self.rest),
        };
        match device {
            Device::Ios | Device::Desktop => format!("{}://{after_scheme}", self.scheme),
            Device::Android => {
                let package = payhost_core::schemes::table()
                    .lookup(self.scheme)
                    .and_then(|row| row.android_package())
                    .map(|p| format!("package={p};"))
                    .unwrap_or_default();
                match self.form {
                    IntentForm::SchemeItem => format!(
                        "intent://{after_scheme}#Intent;scheme={};{package}end",
                        self.scheme
                    ),
                    IntentForm::Embedded => {
                        format!(
                            "intent:{}://{after_scheme}#Intent;{package}end",
                            self.scheme
                        )
                    }
                }
            }
        }
    }

    /// The deep link the app opens after the buyer decided, as the real app would;
    /// `approved` matters only to BankPay's result code (000 ok, 091 cancelled).
    pub fn return_link(&self, app_scheme: &str, result_url: &str, approved: bool) -> String {
        let app_scheme = app_scheme.trim_end_matches("://");
        match self.returns {
            ReturnStyle::IspResultUrl => format!("{app_scheme}://://{result_url}"),
            ReturnStyle::Bare => format!("{app_scheme}://"),
            ReturnStyle::BankPayCallback => format!(
                "{app_scheme}://?callbackparam1={}&bankpaycode={}",
                encode_component(result_url),
                if approved { "000" } else { "091" }
            ),
        }
    }

    /// Whether the PG page polls for the outcome (app cards do; ISP and BankPay
    /// come back through their result URL).
    pub fn page_polls(&self) -> bool {
        self.returns == ReturnStyle::Bare
    }
}

/// The token and sandbox address a hand-off carries, read tolerantly from any of
/// the forms above (the raw URL, the `intent:` URL, the launched data URI).
pub fn sandbox_params_of(url: &str) -> Option<(String, String)> {
    let mut token = None;
    let mut host = None;
    for pair in url.split(['?', '&', '#', ';']) {
        if let Some(value) = pair.strip_prefix("sandbox_txn=") {
            token = Some(decode(value));
        } else if let Some(value) = pair.strip_prefix("sandbox=") {
            host = Some(decode(value));
        }
    }
    Some((token?, host?))
}

fn decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

/// The addresses `localhost` is connected to, with the port of the URL (port 0 in a
/// reqwest DNS override means "the URL's", `ClientBuilder::resolve_to_addrs`,
/// https://docs.rs/reqwest/0.12/reqwest/struct.ClientBuilder.html#method.resolve_to_addrs).
/// `localhost` is trusted by its name as loopback (RFC 6761 §6.3,
/// https://www.rfc-editor.org/rfc/rfc6761#section-6.3), so it must not be resolved by
/// the system resolver, whose answer comes from /etc/hosts, NSS or DNS and may name
/// another machine: every client that trusts the name pins it to these.
pub const LOCALHOST: [SocketAddr; 2] = [
    SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0),
    SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), 0),
];

/// True for `127.0.0.1:P`, `localhost:P`, `[::1]:P`: the simulated apps report only
/// to a sandbox on this machine, whatever a link says.
pub fn is_loopback_host(host: &str) -> bool {
    let Some((name, port)) = host.rsplit_once(':') else {
        return false;
    };
    port.parse::<u16>().is_ok_and(|p| p != 0) && matches!(name, "127.0.0.1" | "localhost" | "[::1]")
}

#[cfg(test)]
mod tests {
    use super::*;
    use payhost_core::{classify, Context, Decision, Platform, ReturnContext};

    const HOST: &str = "127.0.0.1:8717";
    const RESULT: &str = "http://127.0.0.1:8717/pg/txn_1/result";

    fn launched(url: &str, platform: Platform) -> String {
        let ctx = Context::new(
            platform,
            ReturnContext::new(&["payhost"], &[] as &[&str]).unwrap(),
        );
        match classify(url, &ctx) {
            Decision::Launch(launch) => launch.target,
            other => panic!("{url} on {platform:?}: {other:?}"),
        }
    }

    #[test]
    fn every_hand_off_is_launched_by_payhost_core_on_every_platform_and_keeps_the_token() {
        for app in APPS {
            let raw = app.hand_off(Device::Desktop, "txn_abc", HOST, RESULT);
            let intent = app.hand_off(Device::Android, "txn_abc", HOST, RESULT);
            assert!(intent.starts_with("intent:"), "{intent}");
            assert!(
                intent.contains("package="),
                "{} has a package: {intent}",
                app.key
            );
            for (url, platform) in [
                (&raw, Platform::Desktop),
                (&raw, Platform::Ios),
                (&intent, Platform::Android),
            ] {
                let target = launched(url, platform);
                assert!(
                    target.starts_with(&format!("{}:", app.scheme)),
                    "{}: {target}",
                    app.key
                );
                assert_eq!(
                    sandbox_params_of(&target),
                    Some(("txn_abc".to_owned(), HOST.to_owned())),
                    "{target}"
                );
            }
            // Android launches what iOS and desktop get raw.
            assert_eq!(launched(&intent, Platform::Android), raw, "{}", app.key);
        }
    }

    /// What payhost-core decides for `url` on `platform`: the launch (target,
    /// Android package, first fallback), or a panic naming the decision.
    fn launch_of(url: &str, platform: Platform) -> (String, Option<String>, String) {
        let ctx = Context::new(
            platform,
            ReturnContext::new(&["payhost"], &[] as &[&str]).unwrap(),
        );
        match classify(url, &ctx) {
            Decision::Launch(launch) => (
                launch.target.clone(),
                launch.package.clone(),
                launch
                    .fallbacks
                    .first()
                    .map(|f| format!("{f:?}"))
                    .unwrap_or_default(),
            ),
            other => panic!("{url} on {platform:?}: {other:?}"),
        }
    }

    #[test]
    fn the_identity_page_hands_off_to_each_carriers_pass_app() {
        let pass: Vec<&SandboxApp> = for_pay_method(CERTIFICATION);
        let keys: Vec<&str> = pass.iter().map(|app| app.key).collect();
        assert_eq!(keys, ["pass-skt", "pass-kt", "pass-lgu"]);
        for (key, scheme, package, store_id) in [
            ("pass-skt", "tauthlink", "com.sktelecom.tauth", "1141258007"),
            (
                "pass-kt",
                "ktauthexternalcall",
                "com.kt.ktauth",
                "1134371550",
            ),
            (
                "pass-lgu",
                "upluscorporation",
                "com.lguplus.smartotp",
                "1147394645",
            ),
        ] {
            let app = by_key(key).unwrap();
            assert_eq!(app.scheme, scheme);
            assert!(
                app.page_polls(),
                "{key}: PASS never links back, the page polls"
            );
            assert_eq!(
                crate::person::Carrier::of_pass_app(key).map(|c| c.pass_app_key()),
                Some(key)
            );
            let intent = app.hand_off(Device::Android, "txn_abc", HOST, RESULT);
            assert_eq!(
                intent,
                format!(
                    "intent://auth?sandbox_txn=txn_abc&sandbox=127.0.0.1%3A8717#Intent;scheme={scheme};package={package};end"
                )
            );
            let raw = app.hand_off(Device::Ios, "txn_abc", HOST, RESULT);
            assert_eq!(
                raw,
                format!("{scheme}://auth?sandbox_txn=txn_abc&sandbox=127.0.0.1%3A8717")
            );
            assert_eq!(app.hand_off(Device::Desktop, "txn_abc", HOST, RESULT), raw);
            // The same PASS app on every platform: its package on Android, its App
            // Store page as the iOS fallback.
            let (target, android_package, fallback) = launch_of(&intent, Platform::Android);
            assert_eq!(target, raw);
            assert_eq!(android_package.as_deref(), Some(package));
            assert!(fallback.contains(package), "{fallback}");
            let (target, ios_package, fallback) = launch_of(&raw, Platform::Ios);
            assert_eq!(target, raw);
            assert_eq!(ios_package.as_deref(), Some(package));
            assert!(fallback.contains(store_id), "{fallback}");
            let (target, _, _) = launch_of(&raw, Platform::Desktop);
            assert_eq!(target, raw);
            assert_eq!(by_scheme(scheme), Some(app));
            // Its way back is the bare return payhost resumes on.
            assert_eq!(app.return_link("payhost", RESULT, true), "payhost://");
        }
        // No payment method offers a PASS app.
        for app in APPS.iter().filter(|app| app.pay_method != CERTIFICATION) {
            assert!(!app.key.starts_with("pass-"), "{}", app.key);
        }
    }

    #[test]
    fn return_links_are_the_forms_payhost_core_accepts() {
        use payhost_core::{parse_return, ReturnAction};
        let ctx = ReturnContext::new(&["payhost"], &[HOST]).unwrap();
        let isp = by_key("isp").unwrap().return_link("payhost", RESULT, true);
        assert_eq!(isp, format!("payhost://://{RESULT}"));
        assert_eq!(
            parse_return(&isp, &ctx),
            ReturnAction::Navigate(RESULT.to_owned())
        );
        let bare = by_key("kb")
            .unwrap()
            .return_link("payhost://", RESULT, true);
        assert_eq!(bare, "payhost://");
        assert_eq!(parse_return(&bare, &ctx), ReturnAction::Resume);
        let bankpay = by_key("bankpay")
            .unwrap()
            .return_link("payhost", RESULT, false);
        assert_eq!(
            parse_return(&bankpay, &ctx),
            ReturnAction::Navigate(format!("{RESULT}?bankpaycode=091"))
        );
    }

    #[test]
    fn only_loopback_sandboxes_are_trusted() {
        assert!(is_loopback_host("127.0.0.1:8717"));
        assert!(is_loopback_host("localhost:1"));
        assert!(is_loopback_host("[::1]:80"));
        for host in [
            "evil.example:80",
            "127.0.0.1",
            "127.0.0.1:0",
            "127.0.0.1.evil:80",
            "",
        ] {
            assert!(!is_loopback_host(host), "{host}");
        }
    }

    #[test]
    fn user_agents() {
        assert_eq!(
            Device::from_user_agent("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36"),
            Device::Android
        );
        assert_eq!(
            Device::from_user_agent("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)"),
            Device::Ios
        );
        assert_eq!(
            Device::from_user_agent("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/605.1.15"),
            Device::Desktop
        );
    }
}
