//! `cargo xtask mobile-checks` (also part of `test`): what can be checked of Android and
//! iOS without an SDK, NDK or Xcode.

use std::process::Command;

use crate::{android_init, cargo, ios_shim, native_syntax, root, step, Result};

/// What can be checked of Android and iOS here (no SDK, NDK or Xcode): every
/// `cfg(mobile)` Rust path compiles for both targets, and the plugin's Kotlin and
/// Swift sources parse.
/// `cargo check` of the app and the plugin libraries (what a phone build links) for
/// `target`.
pub(crate) fn mobile_check(target: &str) -> Command {
    let mut check = cargo();
    check.args([
        "check",
        "--locked",
        "--lib",
        "-p",
        "payhost",
        "-p",
        "tauri-plugin-payhost",
        "--target",
        target,
    ]);
    check
}

pub(crate) fn mobile_checks() -> Result {
    const TARGETS: [&str; 2] = ["aarch64-linux-android", "aarch64-apple-ios"];
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).into_owned())
        .unwrap_or_default();
    let missing: Vec<&str> = TARGETS
        .iter()
        .copied()
        .filter(|t| !installed.contains(t))
        .collect();
    if !missing.is_empty() {
        let mut add = Command::new("rustup");
        add.args(["target", "add"]).args(&missing);
        step(&format!("rustup target add {}", missing.join(" ")), add)?;
    }
    let android_project = android_init::ProjectSnapshot::take()?;
    for target in TARGETS {
        let mut check = mobile_check(target);
        if target == android_init::ANDROID_TARGET {
            // With the Tauri CLI's environment the plugins' build scripts write the
            // deep-link intent filter and the `<queries>` block into gen/android.
            android_init::build_script_env(&mut check)?;
        }
        if target.ends_with("apple-ios") {
            // objc2-exception-helper (under tao) compiles one Objective-C file with the
            // iOS SDK's clang, which Linux does not have. `check` never links, so a
            // stand-in compiler that writes an empty object lets every Rust line be
            // type-checked; that one .m file is the only thing not checked here.
            let shim = ios_shim::compiler()?;
            check
                .env("CC_aarch64_apple_ios", &shim)
                .env("AR_aarch64_apple_ios", "ar")
                .env("SDKROOT", root().join("target/ios-check-shim/sdk"));
        }
        step(
            &format!("cargo check --target {target} (payhost + tauri-plugin-payhost)"),
            check,
        )?;
    }
    android_project.ensure_unchanged()?;
    native_syntax::check()
}
