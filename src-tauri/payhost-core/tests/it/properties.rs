//! Properties over generated inputs (proptest): nothing panics, a parsed `intent:`
//! reparses to the same structure from its rebuilt form, and `classify` never
//! hands Android an intent with an explicit component or selector.

use payhost_core::{
    classify, parse_intent, parse_return, Context, Decision, Platform, ReturnContext,
};
use proptest::prelude::*;

const PLATFORMS: [Platform; 3] = [Platform::Android, Platform::Ios, Platform::Desktop];

fn contexts() -> Vec<Context> {
    let returns = ReturnContext::new(&["myapp"], &["shop.example"]).unwrap();
    PLATFORMS
        .iter()
        .map(|platform| Context::new(*platform, returns.clone()))
        .collect()
}

/// Short values with the characters that matter to the parsers.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9._-]{0,10}",
        "[a-zA-Z0-9%./:=#;?&_ -]{0,12}",
        Just("%".to_owned()),
        Just("%zz".to_owned()),
        Just("%ED%95%9C".to_owned()),
        Just("한글".to_owned()),
        Just("0x10".to_owned()),
        Just("-1".to_owned()),
        Just("NaN".to_owned()),
    ]
}

fn item() -> impl Strategy<Value = String> {
    let named = prop_oneof![
        Just("scheme="),
        Just("package="),
        Just("action="),
        Just("category="),
        Just("component="),
        Just("type="),
        Just("identifier="),
        Just("sourceBounds="),
        Just("launchFlags="),
        Just("S.k="),
        Just("S.browser_fallback_url="),
        Just("B.b="),
        Just("b.n="),
        Just("c.c="),
        Just("d.d="),
        Just("f.f="),
        Just("i.i="),
        Just("l.l="),
        Just("s.s="),
        Just("X.x="),
        Just(""),
    ];
    prop_oneof![
        8 => (named, value()).prop_map(|(name, value)| format!("{name}{value}")),
        1 => Just("SEL".to_owned()),
        1 => Just("component=com.victim/.Secret".to_owned()),
        1 => "[a-zA-Z.=]{0,6}",
    ]
}

/// Strings shaped like `intent:` URIs, valid or not.
fn intent_like() -> impl Strategy<Value = String> {
    (
        prop_oneof![
            Just("intent:"),
            Just("intent://"),
            Just("INTENT://"),
            Just("intent:ispmobile://")
        ],
        value(),
        proptest::collection::vec(item(), 0..7),
        prop_oneof![
            Just(";end"),
            Just(";end;"),
            Just(""),
            Just(";"),
            Just("end")
        ],
        prop_oneof![4 => Just("#Intent;"), 1 => Just("#intent;"), 1 => Just("#"), 1 => Just("")],
    )
        .prop_map(|(prefix, rest, items, end, marker)| {
            format!("{prefix}{rest}{marker}{}{end}", items.join(";"))
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4000, ..ProptestConfig::default() })]

    #[test]
    fn no_string_makes_the_policy_panic(input in "\\PC{0,64}") {
        for ctx in contexts() {
            let _ = classify(&input, &ctx);
            let _ = parse_return(&input, ctx.returns());
        }
        let _ = parse_intent(&input);
    }

    #[test]
    fn no_url_shaped_string_makes_the_policy_panic(
        scheme in prop_oneof![Just("myapp"), Just("https"), Just("intent"), Just("ispmobile"), Just("itmss"), Just("MyApp")],
        rest in "[ -~]{0,40}",
    ) {
        let input = format!("{scheme}:{rest}");
        for ctx in contexts() {
            let _ = classify(&input, &ctx);
            let _ = parse_return(&input, ctx.returns());
        }
    }

    #[test]
    fn a_parsed_intent_reparses_to_the_same_structure(input in intent_like()) {
        if let Ok(intent) = parse_intent(&input) {
            let rebuilt = intent.to_uri();
            let reparsed = parse_intent(&rebuilt);
            prop_assert_eq!(reparsed.as_ref(), Ok(&intent), "rebuilt: {}", rebuilt);
        }
    }

    #[test]
    fn classify_never_launches_an_explicit_component(input in intent_like()) {
        for ctx in contexts() {
            if let Decision::Launch(launch) = classify(&input, &ctx) {
                if let Some(intent) = &launch.intent {
                    let parsed = parse_intent(intent);
                    prop_assert!(parsed.is_ok(), "launch carries an unparseable intent {intent}");
                    let parsed = parsed.unwrap();
                    prop_assert!(!parsed.has_explicit_target(), "launch carries an explicit target: {intent}");
                }
                prop_assert!(!launch.target.to_ascii_lowercase().starts_with("intent:"));
            }
        }
    }

    #[test]
    fn an_accepted_return_target_is_always_on_the_allowlist(
        host in prop_oneof![
            Just("shop.example".to_owned()),
            Just("evil.example".to_owned()),
            Just("shop.example.evil.example".to_owned()),
            Just("m.shop.example".to_owned()),
            "[a-z.%@:\\\\]{1,20}",
        ],
        path in "[a-zA-Z0-9/?=&%#]{0,20}",
        form in 0..3usize,
    ) {
        let ctx = ReturnContext::new(&["myapp"], &["shop.example"]).unwrap();
        let target = format!("https://{host}/{path}");
        let link = match form {
            0 => format!("myapp://://{target}"),
            1 => format!("myapp://?url={}", target.replace('%', "%25").replace('&', "%26").replace('#', "%23")),
            _ => format!("myapp://?m_redirect_url={target}"),
        };
        if let payhost_core::ReturnAction::Navigate(url) = parse_return(&link, &ctx) {
            let parsed = url::Url::parse(&url).unwrap();
            let host = parsed.host_str().unwrap_or_default();
            prop_assert!(host == "shop.example" || host.ends_with(".shop.example"), "navigated to {url}");
            prop_assert_eq!(parsed.port(), None);
            prop_assert_eq!(parsed.username(), "");
        }
    }
}
