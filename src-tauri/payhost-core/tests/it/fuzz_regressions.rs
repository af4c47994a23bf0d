//! Inputs the fuzzers found (`fuzz/artifacts/…`), committed under
//! `tests/fuzz-regressions/<target>-crash-<sha1>` and replayed here through the
//! same function the fuzz target runs, `payhost_core::invariants::fuzz_<target>`
//! (rust-lang/regex:tests/fuzz/mod.rs).

use std::fs;
use std::path::Path;

use payhost_core::invariants::{fuzz_classify, fuzz_parse_intent, fuzz_parse_return};

#[test]
fn committed_fuzz_findings_stay_fixed() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions");
    let mut replayed = 0;
    for entry in fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name == "README.md" {
            continue;
        }
        let bytes = fs::read(&path).unwrap();
        match name.split_once("-crash-").map(|(target, _)| target) {
            Some("parse_intent") => fuzz_parse_intent(&bytes),
            Some("parse_return") => fuzz_parse_return(&bytes),
            Some("classify") => fuzz_classify(&bytes),
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
