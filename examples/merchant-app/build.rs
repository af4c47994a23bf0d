//! Runs tauri-build (tauri.conf.json and capabilities/ beside this file).
fn main() {
    tauri_build::build();
}
