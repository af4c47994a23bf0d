//! Runs tauri-build: reads tauri.conf.json and capabilities/ from the repository root
//! (the Tauri app directory) and declares the app's own commands, so the ACL can
//! grant them to local pages only.
fn main() {
    let attributes = tauri_build::Attributes::new()
        .app_manifest(tauri_build::AppManifest::new().commands(&["qa_flow"]));
    if let Err(err) = tauri_build::try_build(attributes) {
        // build scripts report by panicking; this is build time, not a user path
        panic!("tauri-build failed: {err:#}");
    }
}
