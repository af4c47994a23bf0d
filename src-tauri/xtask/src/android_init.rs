//! `cargo xtask android-init [--force]`: generates `gen/android`, the Android Studio
//! project of `tauri android init`, on a machine with no Android SDK, NDK or Gradle,
//! the same way every time, so the committed project is reproducible and reviewable.
//!
//! - The Tauri CLI comes from npm (`@tauri-apps/cli` ships a prebuilt binary) at
//!   [`TAURI_CLI_VERSION`], installed under `target/tauri-cli` when missing; its minor
//!   version must be the `tauri` crate's in Cargo.lock.
//! - `android init` only looks for the SDK and NDK (tauri-cli `mobile/android/mod.rs`:
//!   `ensure_sdk`, `ensure_ndk`, which reads `ndk/<version>/source.properties`), and
//!   with `--ci --skip-targets-install` downloads nothing: the templates are inside the
//!   CLI. So `target/android-stand-in/sdk` holds one file, that `source.properties`.
//!   `java` (or `JAVA_HOME`) must exist: `ensure_java` checks for it.
//! - The CLI bakes the command Gradle calls back into `BuildTask.kt`, taken from its
//!   own argv[0] (tauri-cli `mobile/init.rs`): started as `node`, it writes `node tauri
//!   android android-studio-script`, which cannot run (tauri-apps/tauri#9536). It is
//!   started with argv[0] `cargo-tauri`, so the project calls `cargo tauri …` as one
//!   made by `cargo tauri android init` does (this repository has no package.json),
//!   and without `npm_execpath` / `PNPM_PACKAGE_NAME`, so how xtask itself was started
//!   does not leak in.
//! - An existing `gen/android` is kept: the developer edits it (signing, versions in
//!   `app/build.gradle.kts`) and `init` would overwrite the template files. `--force`
//!   deletes it first and generates it anew, so nothing stale survives.
//! - After `init`, the plugins' build scripts write the deep-link intent filter and
//!   the `<queries>` block into the manifest ([`build_script_env`]), through the same
//!   `cargo check` as `mobile_checks`, which fails when that check changes the
//!   committed project ([`ProjectSnapshot`]): in a fresh clone that means the
//!   committed manifest was stale.

use std::collections::{BTreeMap, BTreeSet};
use std::env;
use std::fs;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{cargo, root, step, Result, XtaskError};

/// The npm `@tauri-apps/cli` version; same minor as the `tauri` crate in Cargo.lock.
const TAURI_CLI_VERSION: &str = "2.12.5";
/// Any NDK revision ≥ 19 passes `ensure_ndk`; nothing of it reaches the project.
const STAND_IN_NDK_VERSION: &str = "27.0.12077973";
/// The Android target the plugins' build scripts run for.
pub(crate) const ANDROID_TARGET: &str = "aarch64-linux-android";
const PROJECT: &str = "gen/android";
const MANIFEST: &str = "gen/android/app/src/main/AndroidManifest.xml";

pub(crate) fn android_init(args: &[String]) -> Result {
    let force = match args {
        [] => false,
        [flag] if flag == "--force" => true,
        _ => {
            return Err(XtaskError::Usage(format!(
                "android-init takes only --force, not `{}`",
                args.join(" ")
            )))
        }
    };
    let project = root().join(PROJECT);
    if project.exists() {
        if !force {
            println!("{PROJECT} exists and is kept; `cargo xtask android-init --force` generates it anew");
            return Ok(());
        }
        fs::remove_dir_all(&project).map_err(|err| io(&project, err))?;
    }
    let cli = ensure_tauri_cli()?;
    ensure_java()?;
    let sdk = stand_in_sdk()?;
    let mut init = Command::new("node");
    init.arg0("cargo-tauri")
        .arg(&cli)
        .args(["android", "init", "--ci", "--skip-targets-install"])
        .current_dir(root())
        .env("ANDROID_HOME", &sdk)
        .env("NDK_HOME", sdk.join("ndk").join(STAND_IN_NDK_VERSION))
        .env_remove("ANDROID_SDK_ROOT")
        .env_remove("npm_execpath")
        .env_remove("PNPM_PACKAGE_NAME");
    step(
        &format!("tauri android init --ci --skip-targets-install (CLI {TAURI_CLI_VERSION}, stand-in SDK)"),
        init,
    )?;

    ensure_android_target()?;
    force_build_script_reruns()?;
    let mut check = crate::mobile::mobile_check(ANDROID_TARGET);
    build_script_env(&mut check)?;
    step(
        "cargo check --target aarch64-linux-android (the plugins write the manifest)",
        check,
    )?;

    let files = ProjectSnapshot::take()?;
    files.ensure_no_machine_paths(&sdk)?;
    println!(
        "\n{PROJECT}: {} files to commit, {} bytes",
        files.0.len(),
        files.0.values().flatten().map(Vec::len).sum::<usize>()
    );
    Ok(())
}

/// What the Tauri CLI sets for an Android build and the build scripts read
/// (tauri-cli `helpers/config.rs`, `mobile/android/mod.rs`): `TAURI_ANDROID_PROJECT_PATH`
/// makes `tauri_plugin::mobile::update_android_manifest` (tauri-utils `build.rs`) rewrite
/// its marked block of the manifest, `TAURI_DEEP_LINK_PLUGIN_CONFIG` (one
/// `TAURI_<PLUGIN>_PLUGIN_CONFIG` per `plugins` entry) is what the deep-link build script
/// writes its intent filters from, and the `tauri` crate's build script needs
/// `TAURI_ANDROID_PACKAGE_UNESCAPED` once the project path is set.
pub(crate) fn build_script_env(command: &mut Command) -> Result {
    let manifest = root().join(MANIFEST);
    if !manifest.exists() {
        return Err(XtaskError::Failed(format!(
            "{MANIFEST} is missing: run `cargo xtask android-init`"
        )));
    }
    let path = root().join("tauri.conf.json");
    let text = fs::read_to_string(&path).map_err(|err| io(&path, err))?;
    let conf: serde_json::Value = serde_json::from_str(&text)
        .map_err(|err| XtaskError::Failed(format!("{}: {err}", path.display())))?;
    let identifier = conf["identifier"]
        .as_str()
        .ok_or_else(|| XtaskError::Failed(format!("{}: no `identifier`", path.display())))?;
    command
        .env("TAURI_ANDROID_PROJECT_PATH", root().join(PROJECT))
        .env("TAURI_ANDROID_PACKAGE_UNESCAPED", identifier);
    if let Some(plugins) = conf["plugins"].as_object() {
        for (name, config) in plugins {
            let variable = format!(
                "TAURI_{}_PLUGIN_CONFIG",
                name.to_uppercase().replace('-', "_")
            );
            command.env(variable, config.to_string());
        }
    }
    Ok(())
}

/// The plugins' build scripts declare no `rerun-if-env-changed` for the project path
/// and no `rerun-if-changed` for the manifest: with a warm `target/` they run again
/// only when their own inputs change (the scheme table, the deep-link configuration),
/// so a freshly generated manifest would keep its blocks missing. Cleaning the two
/// packages makes them run. It also drops their host build scripts (Cargo cleans a
/// package's build-script directories for every target), so desktop builds rebuild
/// those two crates and payhost once: right for this rare task, too dear for every
/// `cargo xtask test`, whose Android check runs them in a fresh clone's cold
/// `target/` (CI) and otherwise when those inputs change, while `tests/shell`
/// (`android_project`) checks the manifest's contents on every run.
fn force_build_script_reruns() -> Result {
    let mut clean = cargo();
    clean.args([
        "clean",
        "-p",
        "tauri-plugin-payhost",
        "-p",
        "tauri-plugin-deep-link",
        "--target",
        ANDROID_TARGET,
    ]);
    step(
        "cargo clean -p tauri-plugin-payhost -p tauri-plugin-deep-link (their build scripts run again)",
        clean,
    )
}

/// The contents of every file of `gen/android` that git would commit (tracked, or
/// untracked and not ignored): ignored outputs of the build scripts
/// (`tauri.settings.gradle`, `app/tauri.build.gradle.kts`, `app/proguard-tauri.pro`,
/// which hold this machine's paths) are left out. `None`: tracked but deleted.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct ProjectSnapshot(BTreeMap<String, Option<Vec<u8>>>);

impl ProjectSnapshot {
    pub(crate) fn take() -> Result<Self> {
        let output = Command::new("git")
            .current_dir(root())
            .args([
                "ls-files",
                "-z",
                "--cached",
                "--others",
                "--exclude-standard",
                "--",
                PROJECT,
            ])
            .output()
            .map_err(|err| XtaskError::Io("git ls-files".to_owned(), err))?;
        if !output.status.success() {
            return Err(XtaskError::Failed(format!("git ls-files -- {PROJECT}")));
        }
        let names: BTreeSet<String> = output
            .stdout
            .split(|byte| *byte == 0)
            .filter(|name| !name.is_empty())
            .map(|name| String::from_utf8_lossy(name).into_owned())
            .collect();
        Ok(Self(
            names
                .into_iter()
                .map(|name| {
                    let contents = fs::read(root().join(&name)).ok();
                    (name, contents)
                })
                .collect(),
        ))
    }

    /// Fails naming the files that differ from `self` now: in a fresh clone, a
    /// committed project that the build scripts had to rewrite was stale.
    pub(crate) fn ensure_unchanged(&self) -> Result {
        let now = Self::take()?;
        let changed: Vec<&str> = self
            .0
            .keys()
            .chain(now.0.keys())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .filter(|name| self.0.get(*name) != now.0.get(*name))
            .map(String::as_str)
            .collect();
        if changed.is_empty() {
            return Ok(());
        }
        Err(XtaskError::Failed(format!(
            "the Android build scripts changed {}: the committed project was stale; commit the change (`git diff -- {PROJECT}`)",
            changed.join(", ")
        )))
    }

    /// No absolute path of this machine may be committed.
    fn ensure_no_machine_paths(&self, sdk: &Path) -> Result {
        let mut needles = vec![root().display().to_string(), sdk.display().to_string()];
        if let Some(home) = env::var_os("HOME").filter(|home| home.len() > 1) {
            needles.push(format!("{}/", PathBuf::from(home).display()));
        }
        for (name, contents) in &self.0 {
            let text = String::from_utf8_lossy(contents.as_deref().unwrap_or_default());
            if let Some(needle) = needles.iter().find(|needle| text.contains(needle.as_str())) {
                return Err(XtaskError::Failed(format!(
                    "{name} holds this machine's path {needle}"
                )));
            }
        }
        Ok(())
    }
}

/// `target/tauri-cli/node_modules/@tauri-apps/cli/tauri.js`, installed with npm when
/// missing or at another version.
fn ensure_tauri_cli() -> Result<PathBuf> {
    ensure_cli_matches_tauri()?;
    let prefix = root().join("target/tauri-cli");
    let package = prefix.join("node_modules/@tauri-apps/cli");
    let installed = fs::read_to_string(package.join("package.json"))
        .ok()
        .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
        .and_then(|json| json["version"].as_str().map(str::to_owned));
    if installed.as_deref() != Some(TAURI_CLI_VERSION) {
        let mut install = Command::new("npm");
        install
            .arg("install")
            .arg("--prefix")
            .arg(&prefix)
            .args(["--no-audit", "--no-fund", "--save-exact"])
            .arg(format!("@tauri-apps/cli@{TAURI_CLI_VERSION}"));
        step(
            &format!("npm install --prefix target/tauri-cli @tauri-apps/cli@{TAURI_CLI_VERSION}"),
            install,
        )?;
    }
    Ok(package.join("tauri.js"))
}

/// The CLI's templates and checks follow the crates; a CLI of another minor version
/// than the `tauri` crate would generate a project for another Tauri.
fn ensure_cli_matches_tauri() -> Result {
    let path = root().join("Cargo.lock");
    let lock = fs::read_to_string(&path).map_err(|err| io(&path, err))?;
    let mut lines = lock.lines();
    let tauri = lines
        .by_ref()
        .position(|line| line == "name = \"tauri\"")
        .and_then(|_| lines.next())
        .and_then(|line| line.strip_prefix("version = \""))
        .and_then(|rest| rest.strip_suffix('"'))
        .ok_or_else(|| XtaskError::Failed("Cargo.lock has no `tauri` package".to_owned()))?;
    let minor = |version: &str| version.split('.').take(2).collect::<Vec<_>>().join(".");
    if minor(tauri) == minor(TAURI_CLI_VERSION) {
        Ok(())
    } else {
        Err(XtaskError::Failed(format!(
            "Cargo.lock has tauri {tauri} but xtask pins @tauri-apps/cli {TAURI_CLI_VERSION}: update TAURI_CLI_VERSION in src-tauri/xtask/src/android_init.rs"
        )))
    }
}

fn ensure_java() -> Result {
    let java = Command::new("java")
        .arg("-version")
        .output()
        .is_ok_and(|out| out.status.success());
    if java || env::var_os("JAVA_HOME").is_some() {
        Ok(())
    } else {
        Err(XtaskError::Failed(
            "tauri android init needs a JDK (`java` on PATH or JAVA_HOME): apt-get install openjdk-17-jdk-headless".to_owned(),
        ))
    }
}

/// `target/android-stand-in/sdk`: an `ANDROID_HOME` whose only file is the NDK's
/// `source.properties`, which is all `ensure_sdk` / `ensure_ndk` read.
fn stand_in_sdk() -> Result<PathBuf> {
    let sdk = root().join("target/android-stand-in/sdk");
    let ndk = sdk.join("ndk").join(STAND_IN_NDK_VERSION);
    fs::create_dir_all(&ndk).map_err(|err| io(&ndk, err))?;
    let properties = ndk.join("source.properties");
    fs::write(
        &properties,
        format!("Pkg.Revision = {STAND_IN_NDK_VERSION}\n"),
    )
    .map_err(|err| io(&properties, err))?;
    Ok(sdk)
}

fn ensure_android_target() -> Result {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).into_owned())
        .unwrap_or_default();
    if installed.lines().any(|line| line.trim() == ANDROID_TARGET) {
        return Ok(());
    }
    let mut add = Command::new("rustup");
    add.args(["target", "add", ANDROID_TARGET]);
    step(&format!("rustup target add {ANDROID_TARGET}"), add)
}

fn io(path: &Path, err: std::io::Error) -> XtaskError {
    XtaskError::Io(path.display().to_string(), err)
}
