//! The Debian packages the tasks need, installed when missing (`apt-get`, as root or
//! through sudo), Node.js with npm for the guest bindings and the client suites, and
//! Python virtual environments under `target/` for the Python tools and clients.

use std::path::PathBuf;
use std::process::Command;

use crate::{root, step, Result};

/// Debian packages: WebKitGTK to build and run, Xvfb + D-Bus for headless runs,
/// WebKitWebDriver for e2e, xdg-utils for deep-link registration, ImageMagick for
/// screenshots, a Korean font so the pages render ("Tauri Linux prerequisites",
/// "Tauri WebDriver" and "fonts-nanum" in docs/sources.md).
pub(crate) const SYSTEM_PACKAGES: [&str; 11] = [
    "libwebkit2gtk-4.1-dev",
    "xvfb",
    "xauth",
    "webkit2gtk-driver",
    "dbus-x11",
    "xdg-utils",
    "desktop-file-utils",
    "imagemagick",
    "fonts-nanum",
    "pkg-config",
    // The simulated payment apps' dialog (payhost-sandbox app without --auto).
    "zenity",
];

pub(crate) fn ensure_system_packages() -> Result {
    let missing: Vec<&str> = SYSTEM_PACKAGES
        .iter()
        .copied()
        .filter(|package| {
            !Command::new("dpkg-query")
                .args(["-W", "-f=${Status}", package])
                .output()
                .is_ok_and(|out| {
                    String::from_utf8_lossy(&out.stdout).contains("install ok installed")
                })
        })
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    apt_install(&missing)
}

/// `apt-get update` and `apt-get install PACKAGES` (as root, or through sudo).
pub(crate) fn apt_install(packages: &[&str]) -> Result {
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0");
    let apt = |args: &[&str]| {
        let mut command = if is_root {
            Command::new("apt-get")
        } else {
            let mut sudo = Command::new("sudo");
            sudo.arg("apt-get");
            sudo
        };
        command.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        command
    };
    step("apt-get update", apt(&["update", "-q"]))?;
    let mut args = vec!["install", "-y", "-q", "--no-install-recommends"];
    args.extend(packages);
    step(
        &format!("apt-get install {}", packages.join(" ")),
        apt(&args),
    )
}

/// Node.js and npm for the guest bindings' check (`guest_js`) and the npm client suite
/// (`clients`): Debian's packages when the machine has no npm (Debian 12's Node.js 18
/// meets the locked packages' `engines`).
pub(crate) fn ensure_npm() -> Result {
    let has_npm = Command::new("npm")
        .arg("--version")
        .output()
        .is_ok_and(|out| out.status.success());
    if has_npm {
        return Ok(());
    }
    apt_install(&["nodejs", "npm"])
}

/// The Python of the virtual environment `venv` (a path relative to the repository
/// root, under `target/`), created with `python3 -m venv` when it has none (or a broken
/// one). Debian's python3 creates none without its `python3-venv` package (no
/// `ensurepip`), which is then installed and the creation tried again.
pub(crate) fn python_venv(venv: &str) -> Result<PathBuf> {
    let dir = root().join(venv);
    let python = dir.join("bin/python");
    if python.exists() {
        return Ok(python);
    }
    let title = format!("python3 -m venv {venv}");
    let create = || {
        let mut command = Command::new("python3");
        command.args(["-m", "venv", "--clear"]).arg(&dir);
        command
    };
    if step(&title, create()).is_err() {
        println!("python3 -m venv failed: installing python3-venv (Debian's python3 needs it)");
        apt_install(&["python3-venv"])?;
        step(&title, create())?;
    }
    Ok(python)
}
