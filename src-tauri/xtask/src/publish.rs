//! The publishing check of `cargo xtask test`: the two crates meant for crates.io
//! (payhost-core and tauri-plugin-payhost) package without a warning (their metadata
//! complete, every path dependency versioned) and their documentation builds with
//! rustdoc's warnings as errors. Nothing is uploaded.

use std::process::Command;

use crate::{cargo, step, Result, XtaskError};

/// The crates published together (the plugin depends on the core).
const CRATES: [&str; 2] = ["payhost-core", "tauri-plugin-payhost"];

pub(crate) fn check() -> Result {
    for krate in CRATES {
        let mut list = cargo();
        list.args(["package", "--list", "--allow-dirty", "-p", krate]);
        quiet_step(&format!("cargo package --list -p {krate}"), list)?;
    }
    let mut doc = cargo();
    doc.args(["doc", "--no-deps", "--locked"])
        .env("RUSTDOCFLAGS", "-D warnings");
    for krate in CRATES {
        doc.args(["-p", krate]);
    }
    step(
        "cargo doc --no-deps (payhost-core, tauri-plugin-payhost)",
        doc,
    )
}

/// Runs `command` and fails on a non-zero exit or any `warning:` on its stderr (cargo
/// reports missing metadata as a warning and packages anyway).
fn quiet_step(title: &str, mut command: Command) -> Result {
    println!("\n==> {title}");
    let output = command
        .output()
        .map_err(|err| XtaskError::Io(title.to_owned(), err))?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    let files = String::from_utf8_lossy(&output.stdout).lines().count();
    if !output.status.success() || stderr.contains("warning:") {
        return Err(XtaskError::Failed(format!("{title}:\n{stderr}")));
    }
    println!("{files} files, no warning");
    Ok(())
}
