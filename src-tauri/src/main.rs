//! The desktop entry point; everything lives in the library so mobile builds can
//! link it (tauri-apps/tauri:examples/api).
// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() -> std::process::ExitCode {
    payhost_lib::run()
}
