//! Properties over generated inputs (proptest). The properties themselves are
//! `payhost_core::invariants::check_*`, the same functions the fuzz targets and the
//! replay of committed findings call; this file only generates the inputs: any
//! string, URL-shaped strings, `intent:`-shaped strings and return links carrying
//! a URL.

use payhost_core::invariants::{
    check_classify, check_parse_intent, check_parse_return, APP_SCHEME, MERCHANT_HOST,
};
use proptest::prelude::*;

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
    fn any_string_keeps_every_property(input in "\\PC{0,64}") {
        check_classify(&input);
        check_parse_return(&input);
        check_parse_intent(&input);
    }

    #[test]
    fn a_url_shaped_string_keeps_every_property(
        scheme in prop_oneof![Just(APP_SCHEME), Just("https"), Just("intent"), Just("ispmobile"), Just("itmss"), Just("MyApp")],
        rest in "[ -~]{0,40}",
    ) {
        let input = format!("{scheme}:{rest}");
        check_classify(&input);
        check_parse_return(&input);
        check_parse_intent(&input);
    }

    #[test]
    fn a_parsed_intent_reparses_to_the_same_structure(input in intent_like()) {
        check_parse_intent(&input);
    }

    #[test]
    fn classify_never_launches_an_intent_target_or_an_explicit_component(input in intent_like()) {
        check_classify(&input);
    }

    #[test]
    fn an_accepted_return_target_is_always_http_and_on_the_allowlist(
        scheme in prop_oneof![Just("https"), Just("http"), Just("HTTPS"), Just("javascript"), Just("ftp")],
        host in prop_oneof![
            Just(MERCHANT_HOST.to_owned()),
            Just("evil.example".to_owned()),
            Just(format!("{MERCHANT_HOST}.evil.example")),
            Just(format!("m.{MERCHANT_HOST}")),
            Just(format!("user@{MERCHANT_HOST}")),
            Just(format!("{MERCHANT_HOST}:8443")),
            "[a-z.%@:\\\\]{1,20}",
        ],
        path in "[a-zA-Z0-9/?=&%#]{0,20}",
        form in 0..3usize,
    ) {
        let target = format!("{scheme}://{host}/{path}");
        let link = match form {
            0 => format!("{APP_SCHEME}://://{target}"),
            1 => format!("{APP_SCHEME}://?url={}", target.replace('%', "%25").replace('&', "%26").replace('#', "%23")),
            _ => format!("{APP_SCHEME}://?m_redirect_url={target}"),
        };
        check_parse_return(&link);
    }
}
