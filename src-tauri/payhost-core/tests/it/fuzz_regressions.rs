//! Inputs the fuzzers found (`fuzz/artifacts/…`), committed under
//! `tests/fuzz-regressions/<target>-crash-<sha1>` and replayed here with the same
//! property the fuzz target checks (rust-lang/regex's `tests/fuzz`).

use std::fs;
use std::path::Path;

use payhost_core::{
    classify, parse_intent, parse_return, Context, Decision, Platform, ReturnAction, ReturnContext,
};

fn replay_parse_intent(text: &str) {
    let input = if text.starts_with("intent:") {
        text.to_owned()
    } else {
        format!("intent:{text}")
    };
    if let Ok(intent) = parse_intent(&input) {
        let rebuilt = intent.to_uri();
        assert_eq!(
            parse_intent(&rebuilt).as_ref(),
            Ok(&intent),
            "input {input:?} rebuilt {rebuilt:?}"
        );
    }
}

fn replay_parse_return(text: &str) {
    let ctx = ReturnContext::new(&["myapp"], &["shop.example"]).unwrap();
    let input = if text.starts_with("myapp:") {
        text.to_owned()
    } else {
        format!("myapp:{text}")
    };
    if let ReturnAction::Navigate(target) = parse_return(&input, &ctx) {
        let url = url::Url::parse(&target).unwrap();
        assert!(ctx.hosts().allows(&url), "{input:?} -> {target}");
    }
}

fn replay_classify(text: &str) {
    let returns = ReturnContext::new(&["myapp"], &["shop.example"]).unwrap();
    for platform in [Platform::Android, Platform::Ios, Platform::Desktop] {
        if let Decision::Launch(launch) = classify(text, &Context::new(platform, returns.clone())) {
            if let Some(intent) = &launch.intent {
                assert!(
                    !parse_intent(intent).unwrap().has_explicit_target(),
                    "{text:?}"
                );
            }
        }
    }
}

#[test]
fn committed_fuzz_findings_stay_fixed() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions");
    let mut replayed = 0;
    for entry in fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = fs::read(&path).unwrap();
        let Ok(text) = std::str::from_utf8(&bytes) else {
            continue;
        };
        match name.split('-').next() {
            Some("parse_intent") => replay_parse_intent(text),
            Some("parse_return") => replay_parse_return(text),
            Some("classify") => replay_classify(text),
            _ if name == "README.md" => continue,
            _ => panic!("{name}: name it <target>-crash-<sha1>"),
        }
        replayed += 1;
    }
    assert!(
        replayed >= 1,
        "no regression file replayed from {}",
        dir.display()
    );
}
