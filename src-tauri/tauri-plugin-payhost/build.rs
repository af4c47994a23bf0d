//! Builds the plugin's native parts and writes the Android `<queries>` block.
//!
//! `COMMANDS` is empty on purpose: the plugin's `launch` is called from Rust only
//! (`run_mobile_plugin_async`), so no JS command and no permission exists for the
//! payment page to reach (the deep-link plugin's `setEventHandler` is Rust-only the
//! same way). The `<queries>` list comes from payhost-core's scheme table through
//! `update_android_manifest`, which rewrites a marker-delimited block of the generated
//! `gen/android` manifest when the Tauri CLI builds for Android and does nothing
//! otherwise, so the generated project never needs a hand edit.
const COMMANDS: &[&str] = &[];

fn main() {
    tauri_plugin::Builder::new(COMMANDS)
        .android_path("android")
        .ios_path("ios")
        .build();
    let queries = payhost_core::platform_files::android_queries_xml(payhost_core::schemes::table());
    if let Err(err) =
        tauri_plugin::mobile::update_android_manifest("PAYHOST PLUGIN QUERIES", "manifest", queries)
    {
        println!("cargo:warning=could not write the Android <queries> block: {err}");
    }
    println!("cargo:rerun-if-changed=../payhost-core/data/schemes.toml");
    // The Tauri CLI (and `cargo xtask mobile checks`) name the Android project here;
    // a new path must rewrite its manifest.
    println!("cargo:rerun-if-env-changed=TAURI_ANDROID_PROJECT_PATH");
}
