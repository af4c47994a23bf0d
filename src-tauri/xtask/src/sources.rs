//! The sources check of `cargo xtask test`: every citation in the repository names a
//! source a reader who cloned it can follow.
//!
//! payhost's comments and data rows say where a quirk comes from. They used to cite
//! documents that lived beside the repository (`../shared/reference/*.md`, their
//! sections and rows), anchor codes defined only there, and our own issue numbers,
//! none of which a reader of a fresh clone has. `docs/sources.md` now holds every
//! source, each with a short name and an upstream location, and this check keeps it
//! that way. It reads the files git tracks (and untracked ones that are not ignored,
//! so work not yet committed is checked too), skipping binary files, `gen/` and
//! `Cargo.lock`, and fails naming `file:line` for:
//!
//! - a path into the old documents (`shared/reference`, `../shared`) or one of their
//!   names (`payment-apps.md`, …);
//! - our own issue numbers (`issue #N`; an upstream issue is `owner/repo#N`);
//! - an anchor code cited as a source that `docs/sources.md` does not define.
//!
//! Anchor codes are upper-case words (`PRN`, `BP-iOS`), and so are many ordinary words
//! (`HTTP`, `URL`, `JSON`, `KRW`, `ISP`), so a code is checked only where it stands in
//! a citation: before `README`, `CHANGELOG`, `§` or `row N`, before `#N` (`PFL#183`),
//! with a `-pre`/`-iOS`/`-Android` suffix, joined by `/` to a known anchor code
//! (`AND/PAND/BP`), or as a bare item of a list (`(RN, FL, IOS)`, `# FL, PRN-pre`) on a
//! line where one such item is a known anchor code.

use std::collections::BTreeSet;
use std::fs;
use std::io::ErrorKind;
use std::process::Command;

use crate::{root, Result, XtaskError};

/// The documents the old citations pointed at; none is in the repository.
const OLD_DOCUMENTS: [&str; 6] = [
    "payment-apps.md",
    "tauri2.md",
    "linux-desktop.md",
    "style-anchors.md",
    "mobile-audit.md",
    "portone-v2.md",
];

/// Paths into the directory those documents lived in.
const OLD_PATHS: [&str; 2] = ["shared/reference", "../shared"];

/// Phrases that pointed at our own planning rather than at a source.
const OLD_PHRASES: [&str; 2] = ["design card", "seed document"];

/// The anchor codes the old documents used for the SDKs and guides. A list item that is
/// one of these marks its line as a citation; `NICE` is left out because it is also
/// the PG's name (the NICE Payments guide is `NICE manual` in `docs/sources.md`).
const KNOWN_CODES: [&str; 13] = [
    "RN", "FL", "PFL", "AND", "IOS", "PRN", "PAND", "PIOS", "PDOC", "TOSS", "BP", "LEG", "MAN",
];

/// Words that make the code before them a citation (`PRN README`, `PFL CHANGELOG`).
const CITED_PARTS: [&str; 3] = ["README", "CHANGELOG", "§"];

/// Suffixes of a code that name a part of its source (`PRN-pre`, `BP-iOS`).
const CODE_SUFFIXES: [&str; 3] = ["pre", "iOS", "Android"];

/// This file spells out every pattern it looks for, in its tests too.
const SELF: &str = "src-tauri/xtask/src/sources.rs";

/// Runs the check over the repository.
pub(crate) fn check() -> Result {
    let title = "citations name a source of docs/sources.md";
    println!("\n==> {title}");
    let root = root();
    let sources_path = root.join("docs/sources.md");
    let sources = fs::read_to_string(&sources_path)
        .map_err(|err| XtaskError::Io(sources_path.display().to_string(), err))?;
    let defined = defined_names(&sources);

    let listing = Command::new("git")
        .current_dir(&root)
        .args([
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ])
        .output()
        .map_err(|err| XtaskError::Io("git ls-files".to_owned(), err))?;
    if !listing.status.success() {
        return Err(XtaskError::Failed("git ls-files".to_owned()));
    }
    let files: BTreeSet<String> = String::from_utf8_lossy(&listing.stdout)
        .split('\0')
        .filter(|path| !path.is_empty() && !is_skipped(path))
        .map(str::to_owned)
        .collect();

    let mut found = Vec::new();
    for path in &files {
        let full = root.join(path);
        let bytes = match fs::read(&full) {
            Ok(bytes) => bytes,
            // Tracked but deleted in the work tree: nothing to read.
            Err(err) if err.kind() == ErrorKind::NotFound => continue,
            Err(err) => return Err(XtaskError::Io(full.display().to_string(), err)),
        };
        if bytes.contains(&0) {
            continue;
        }
        let Ok(text) = String::from_utf8(bytes) else {
            continue;
        };
        for (index, line) in text.lines().enumerate() {
            for problem in problems(line, &defined) {
                found.push(format!("{path}:{}: {problem}", index + 1));
            }
        }
    }
    if found.is_empty() {
        println!("{} files: every citation names a source", files.len());
        return Ok(());
    }
    for line in &found {
        eprintln!("{line}");
    }
    Err(XtaskError::Failed(format!(
        "{title}: {} citation(s) above point outside the repository or at a source \
         docs/sources.md does not define",
        found.len()
    )))
}

fn is_skipped(path: &str) -> bool {
    path == SELF
        || path.starts_with("gen/")
        || path.contains("/gen/")
        || path == "Cargo.lock"
        || path.ends_with("/Cargo.lock")
}

/// The short names of `docs/sources.md`: the first cell of every row of a table whose
/// header's first cell is `short name`.
fn defined_names(sources: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut in_table = false;
    for line in sources.lines() {
        let line = line.trim();
        let Some(row) = line.strip_prefix('|') else {
            in_table = false;
            continue;
        };
        let first = row.split('|').next().unwrap_or_default().trim();
        if first.eq_ignore_ascii_case("short name") {
            in_table = true;
        } else if in_table && !first.starts_with("---") && !first.is_empty() {
            names.insert(first.trim_matches('`').to_owned());
        }
    }
    names
}

/// What is wrong with one line, one message per offending citation.
fn problems(line: &str, defined: &BTreeSet<String>) -> Vec<String> {
    let mut found = Vec::new();
    for path in OLD_PATHS {
        if line.contains(path) {
            found.push(format!(
                "`{path}`: cite the upstream source (docs/sources.md)"
            ));
        }
    }
    for document in OLD_DOCUMENTS {
        if line.contains(document) {
            found.push(format!(
                "`{document}` is not in the repository: cite the upstream source (docs/sources.md)"
            ));
        }
    }
    let lower = line.to_ascii_lowercase();
    for phrase in OLD_PHRASES {
        if lower.contains(phrase) {
            found.push(format!("\"{phrase}\" is not a source a reader has"));
        }
    }
    if cites_own_issue(&lower) {
        found.push("an issue number of ours: cite upstream as `owner/repo#N`".to_owned());
    }
    for code in cited_codes(line) {
        if !is_defined(&code, defined) {
            found.push(format!("`{code}` is not a short name of docs/sources.md"));
        }
    }
    found
}

/// `issue #4`, `issues #2`: our tracker's numbers, which no upstream reader can open.
fn cites_own_issue(lower: &str) -> bool {
    ["issue #", "issues #"].iter().any(|needle| {
        lower.match_indices(needle).any(|(at, _)| {
            lower[at + needle.len()..]
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_digit())
        })
    })
}

fn is_defined(code: &str, defined: &BTreeSet<String>) -> bool {
    defined.contains(code)
        || code
            .split_once('-')
            .is_some_and(|(base, _)| defined.contains(base))
}

/// An anchor-code shape: two to six upper-case letters or digits starting with a
/// letter, optionally `-pre`, `-iOS` or `-Android`.
fn is_code(word: &str) -> bool {
    let (base, suffix) = match word.split_once('-') {
        Some((base, suffix)) => (base, Some(suffix)),
        None => (word, None),
    };
    let shaped = (2..=6).contains(&base.len())
        && base.starts_with(|c: char| c.is_ascii_uppercase())
        && base
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    shaped && suffix.map_or(true, |suffix| CODE_SUFFIXES.contains(&suffix))
}

/// One of the old documents' anchor codes, with or without a suffix.
fn is_known(code: &str) -> bool {
    let base = code.split_once('-').map_or(code, |(base, _)| base);
    KNOWN_CODES.contains(&base)
}

/// `RN`, `AND/PAND/BP`: one code or several joined by `/`.
fn code_run(text: &str) -> Option<Vec<&str>> {
    let codes: Vec<&str> = text.split('/').collect();
    codes.iter().all(|code| is_code(code)).then_some(codes)
}

/// The codes `line` uses as sources.
fn cited_codes(line: &str) -> BTreeSet<String> {
    let mut cited = BTreeSet::new();
    let words: Vec<&str> = line.split_whitespace().collect();
    for (index, raw) in words.iter().enumerate() {
        let word = raw.trim_start_matches(|c: char| "([{\"'`*#/".contains(c));
        // `PFL#183`, `RN#257`: an issue of the code's repository.
        if let Some((code, number)) = word.split_once('#') {
            if is_code(code) && number.starts_with(|c: char| c.is_ascii_digit()) {
                cited.insert(code.to_owned());
            }
        }
        let word = word.trim_end_matches(|c: char| ")]},;:.\"'`".contains(c));
        let Some(codes) = code_run(word) else {
            continue;
        };
        let next = words.get(index + 1).copied().unwrap_or_default();
        let next = next.trim_end_matches(|c: char| ")]},;:.\"'`".contains(c));
        let after_next = words.get(index + 2).copied().unwrap_or_default();
        let cites_part = CITED_PARTS.contains(&next)
            || ((next == "row" || next == "rows")
                && after_next.starts_with(|c: char| c.is_ascii_digit()));
        let has_suffix = codes.iter().any(|code| code.contains('-'));
        let joins_known = codes.len() > 1 && codes.iter().any(|code| is_known(code));
        if cites_part || has_suffix || joins_known {
            cited.extend(codes.iter().map(|code| (*code).to_owned()));
        }
    }
    // Bare list items: `(RN, FL, IOS, BP)`, `# FL, PRN-pre`, `AND/PAND/BP`, each
    // parenthesised group a list of its own, and the rest of the line another.
    for group in groups(line) {
        let items: Vec<Vec<&str>> = group
            .split(|c: char| ",;[]{}|".contains(c))
            .map(|item| {
                item.trim()
                    .trim_matches(|c: char| "#/*!\"'`.: ".contains(c))
            })
            .filter_map(code_run)
            .collect();
        if items.iter().flatten().any(|code| is_known(code)) {
            cited.extend(items.into_iter().flatten().map(str::to_owned));
        }
    }
    cited
}

/// The text inside each pair of parentheses, and the text outside all of them.
fn groups(line: &str) -> Vec<String> {
    let mut open: Vec<String> = vec![String::new()];
    let mut closed = Vec::new();
    for c in line.chars() {
        match c {
            '(' => open.push(String::new()),
            ')' if open.len() > 1 => closed.extend(open.pop()),
            _ => {
                if let Some(current) = open.last_mut() {
                    current.push(c);
                }
            }
        }
    }
    closed.extend(open);
    closed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defined() -> BTreeSet<String> {
        ["RN", "FL", "PRN", "PRN-pre", "BP", "LEG", "NICE manual"]
            .into_iter()
            .map(str::to_owned)
            .collect()
    }

    fn flagged(line: &str) -> bool {
        !problems(line, &defined()).is_empty()
    }

    #[test]
    fn old_documents_and_our_issues_are_flagged() {
        assert!(flagged("# Source: ../shared/reference/x §2"));
        assert!(flagged("/// (payment-apps.md §3 row 10)."));
        assert!(flagged("// once registered (tauri2.md §4)"));
        assert!(flagged("see /work/shared/reference/"));
        assert!(flagged("# when no merchant URL is configured (issue #4)."));
        assert!(flagged("Issues #2 and #3"));
        assert!(flagged("(the seed documents' set)"));
        assert!(!flagged(
            "tauri-apps/tao#1248 and tauri-apps/plugins-workspace#3596"
        ));
        assert!(!flagged("the issue is #-free: issue number unknown"));
    }

    #[test]
    fn undefined_codes_in_citations_are_flagged() {
        assert!(flagged("(FL, IOS, TOSS): store fallback"));
        assert!(flagged(
            "/// (`tosspayments/payment-sdk-ios#48`; PIOS README)."
        ));
        assert!(flagged("iframe intents dropped, PFL#183"));
        assert!(flagged("# id1477 (BP-iOS, TOSS-iOS)"));
        assert!(flagged("# Package only (AND/PAND/BP queries)."));
        assert!(flagged("the NICE sample (MAN)"));
        assert!(flagged("ios_app_store_id = 1 # FL, PAND"));
        assert!(flagged("PDOC row 5 says so"));
    }

    #[test]
    fn defined_codes_and_ordinary_words_pass() {
        assert!(!flagged("(RN, FL; PRN README; PRN-pre, BP-iOS)"));
        assert!(!flagged(
            "# RN; BP links the developer page id1178872626 instead"
        ));
        assert!(!flagged(
            "the NICE manual warns; LEG samples (NICE ISP, KCP, KICC)"
        ));
        assert!(!flagged(
            "HTTP, URL, JSON, KRW, ISP and API (HTTP/JSON) over TCP"
        ));
        assert!(!flagged(
            "(HTTP, URL) the ISP row, KRW amounts, JSON rows of the table"
        ));
        assert!(!flagged(
            "WHERE merchant_uid = ?1 AND (status = 'paid' AND x)"
        ));
        assert!(!flagged(
            "PAYHOST_QA_LOG, `IOS_QUERY_SCHEMES_LIMIT`, UTF-8, X-Forwarded"
        ));
        assert!(!flagged("| ISP/페이북 (BC, KB ISP) | card → BC/KB → ISP |"));
        assert!(!flagged(
            "Every decision, in order; URL queries are redacted."
        ));
        assert!(!flagged(
            "| 51 | `…ISPCancel…` (NICE, iOS) | `iamport/x.m` (LEG) |"
        ));
        assert!(!flagged("| RN `manuals/SETTING.md`; PRN (V1) |"));
    }
}
