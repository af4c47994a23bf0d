//! `cargo xtask test`: every check CI runs, in order (what `.ci/run` calls), ending
//! with the official server clients against a served sandbox (`clients`) and the
//! end-to-end tests on the real WebView.

use std::env;
use std::path::PathBuf;
use std::process::Command;

use crate::xvfb::Xvfb;
use crate::{
    apt, cargo, clients, guest_js, mobile, publish, root, sources, step, Result, XtaskError,
};

pub(crate) fn test() -> Result {
    apt::ensure_system_packages()?;
    let mut fmt = cargo();
    fmt.args(["fmt", "--all", "--check"]);
    step("cargo fmt --check", fmt)?;
    let mut fmt_fuzz = cargo();
    fmt_fuzz.args([
        "fmt",
        "--check",
        "--manifest-path",
        "src-tauri/payhost-core/fuzz/Cargo.toml",
    ]);
    step("cargo fmt --check (fuzz crate)", fmt_fuzz)?;
    sources::check()?;
    apt::ensure_npm()?;
    guest_js::check(&root()).map_err(XtaskError::Failed)?;

    let mut clippy = cargo();
    clippy.args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--all-features",
        "--locked",
        "--",
        "-D",
        "warnings",
    ]);
    step(
        "cargo clippy --workspace --all-targets --all-features -D warnings",
        clippy,
    )?;
    // The build a merchant ships (`--no-default-features`: no sandbox) compiles other
    // code paths than the one above; its warnings count too.
    let mut clippy_merchant = cargo();
    clippy_merchant.args([
        "clippy",
        "-p",
        "payhost",
        "--no-default-features",
        "--locked",
        "--",
        "-D",
        "warnings",
    ]);
    step(
        "cargo clippy -p payhost --no-default-features -D warnings (the merchant build)",
        clippy_merchant,
    )?;

    let mut tests = cargo();
    tests.args(["test", "--workspace", "--locked"]);
    step("cargo test --workspace", tests)?;

    // The fuzz crate has its own workspace; compiling it (ripgrep's CI does the same)
    // keeps the targets from rotting without running them.
    let mut fuzz_check = cargo();
    fuzz_check.args([
        "check",
        "--manifest-path",
        "src-tauri/payhost-core/fuzz/Cargo.toml",
        "--bins",
    ]);
    step("cargo check of the fuzz targets", fuzz_check)?;
    publish::check()?;

    mobile::mobile_checks()?;
    clients::clients()?;
    e2e()?;
    println!("\nxtask test: all steps passed");
    Ok(())
}

/// The end-to-end tests: the real payhost binary on WebKitGTK, under a private Xvfb
/// display and a D-Bus session bus (single-instance needs one to find the first
/// instance: `tauri-plugin-single-instance@2.5.5:src/platform_impl/linux.rs`), one
/// test at a time.
pub(crate) fn e2e() -> Result {
    ensure_tauri_driver()?;
    // The sandbox e2e tests register this binary as the simulated payment apps.
    build_sandbox()?;
    // The example merchant app's e2e test runs its binary (tests/e2e/example.rs).
    let mut example = cargo();
    example.args(["build", "-p", "payhost-example-merchant-app", "--locked"]);
    step(
        "cargo build -p payhost-example-merchant-app (the example app)",
        example,
    )?;
    let xvfb = Xvfb::start()?;
    let mut command = Command::new("dbus-run-session");
    command
        .current_dir(root())
        .args([
            "--",
            env::var("CARGO")
                .unwrap_or_else(|_| "cargo".to_owned())
                .as_str(),
        ])
        .args([
            "test",
            "-p",
            "payhost",
            "--features",
            "e2e",
            "--test",
            "e2e",
            "--locked",
            "--",
            "--test-threads=1",
        ])
        .env("DISPLAY", &xvfb.display)
        .env("NO_AT_BRIDGE", "1")
        .env("TAURI_DRIVER", cargo_bin_dir().join("tauri-driver"));
    step(
        &format!("end-to-end tests on WebKitGTK (Xvfb {})", xvfb.display),
        command,
    )
}

/// `target/debug/payhost-sandbox`: the simulated payment apps of the e2e tests, and the
/// server the client suites run against.
pub(crate) fn build_sandbox() -> Result {
    let mut sandbox = cargo();
    sandbox.args([
        "build",
        "-p",
        "payhost-sandbox",
        "--bin",
        "payhost-sandbox",
        "--locked",
    ]);
    step(
        "cargo build -p payhost-sandbox (the simulated payment apps, the clients' server)",
        sandbox,
    )
}

pub(crate) fn ensure_tauri_driver() -> Result {
    if cargo_bin_dir().join("tauri-driver").exists() {
        return Ok(());
    }
    let mut install = cargo();
    install.args(["install", "tauri-driver", "--locked"]);
    step("cargo install tauri-driver --locked", install)
}

pub(crate) fn cargo_bin_dir() -> PathBuf {
    env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")))
        .unwrap_or_else(|| PathBuf::from(".cargo"))
        .join("bin")
}
