//! The committed Android project (`gen/android`, from `cargo xtask android-init`, its
//! manifest completed by the plugins' build scripts in `cargo xtask test`'s Android
//! check): what the manifest must hold for a payment to come back. The main activity
//! is `singleTask`, so a return link reaches the running WebView (`onNewIntent`)
//! instead of a fresh instance; it opens our scheme (tauri-plugin-deep-link's intent
//! filter, from `tauri.conf.json`); and the `<queries>` block declares every package
//! of the scheme table, without which Android 11+ hides the payment apps from us.

use std::collections::BTreeSet;
use std::path::Path;

use roxmltree::{Document, Node};

const ANDROID: &str = "http://schemas.android.com/apk/res/android";
const MANIFEST: &str = "gen/android/app/src/main/AndroidManifest.xml";

fn manifest_text() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(MANIFEST);
    std::fs::read_to_string(&path).unwrap_or_else(|err| {
        panic!(
            "{}: {err}; generate it with `cargo xtask android-init`",
            path.display()
        )
    })
}

fn android_attr<'a>(node: Node<'a, '_>, name: &str) -> Option<&'a str> {
    node.attribute((ANDROID, name))
}

fn children<'a, 'input>(
    node: Node<'a, 'input>,
    tag: &'static str,
) -> impl Iterator<Item = Node<'a, 'input>> {
    node.children()
        .filter(move |child| child.is_element() && child.has_tag_name(tag))
}

fn names(node: Node<'_, '_>, tag: &'static str) -> BTreeSet<String> {
    children(node, tag)
        .filter_map(|child| android_attr(child, "name"))
        .map(str::to_owned)
        .collect()
}

fn main_activity<'a, 'input>(doc: &'a Document<'input>) -> Node<'a, 'input> {
    let application = children(doc.root_element(), "application")
        .next()
        .expect("<application>");
    children(application, "activity")
        .find(|activity| android_attr(*activity, "name") == Some(".MainActivity"))
        .expect("the .MainActivity <activity>")
}

fn configured_schemes() -> BTreeSet<String> {
    crate::conf::mobile_schemes().into_iter().collect()
}

#[test]
fn the_manifest_parses_as_xml() {
    let text = manifest_text();
    let doc = Document::parse(&text).unwrap_or_else(|err| panic!("{MANIFEST}: {err}"));
    assert!(doc.root_element().has_tag_name("manifest"));
}

#[test]
fn the_main_activity_is_single_task() {
    let text = manifest_text();
    let doc = Document::parse(&text).unwrap();
    assert_eq!(
        android_attr(main_activity(&doc), "launchMode"),
        Some("singleTask")
    );
}

#[test]
fn the_main_activity_opens_our_scheme() {
    let text = manifest_text();
    let doc = Document::parse(&text).unwrap();
    let viewers: Vec<Node<'_, '_>> = children(main_activity(&doc), "intent-filter")
        .filter(|filter| {
            names(*filter, "action").contains("android.intent.action.VIEW")
                && names(*filter, "category").is_superset(&BTreeSet::from([
                    "android.intent.category.DEFAULT".to_owned(),
                    "android.intent.category.BROWSABLE".to_owned(),
                ]))
        })
        .collect();
    let opened: BTreeSet<&str> = viewers
        .iter()
        .flat_map(|filter| children(*filter, "data"))
        .filter_map(|data| android_attr(data, "scheme"))
        .collect();
    for scheme in configured_schemes() {
        assert!(
            opened.contains(scheme.as_str()),
            "no VIEW + DEFAULT + BROWSABLE intent filter of .MainActivity has <data android:scheme=\"{scheme}\" />: \
             the deep-link plugin's build script has not written it (cargo xtask test, Android check)"
        );
    }
}

#[test]
fn the_queries_block_lists_every_package_of_the_scheme_table() {
    let text = manifest_text();
    let doc = Document::parse(&text).unwrap();
    let declared: BTreeSet<String> = children(doc.root_element(), "queries")
        .flat_map(|queries| names(queries, "package"))
        .collect();
    // Every package of every row (not the generator's deduplicated list, which
    // wrote the manifest): the ones a row launches and the older ones beside them.
    let expected: BTreeSet<String> = payhost_core::schemes::table()
        .apps()
        .iter()
        .flat_map(|app| app.android_packages.iter().cloned())
        .collect();
    assert_eq!(
        declared, expected,
        "the <queries> packages of {MANIFEST} are not the scheme table's: \
         tauri-plugin-payhost's build script writes them (cargo xtask test, Android check)"
    );
}
