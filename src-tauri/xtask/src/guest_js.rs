//! The guest bindings check of `cargo xtask test`: the committed JavaScript of
//! tauri-plugin-payhost is what its TypeScript sources build to.
//!
//! `src-tauri/tauri-plugin-payhost/dist-js/` (ESM, CJS, type declarations and the IIFE
//! a plain local HTML page loads) is laid out like the official Tauri plugins' output
//! (tauri-apps/plugins-workspace:plugins/opener/package.json `exports`). They publish it
//! to npm and git-ignore it; payhost publishes nothing, so it is committed and the app
//! builds without a Node.js toolchain. A change to `guest-js/` that is not
//! rebuilt, or a hand edit of `dist-js/`, would ship bindings that disagree with their
//! sources. This check installs the locked packages (`npm ci`, `node_modules/` under the
//! plugin directory, git-ignored), type-checks the sources and the typed usage sample
//! (`npm run typecheck`), rebuilds (`npm run build`, deterministic), and fails when
//! `dist-js/` then differs from what git holds for it (the index, so a staged rebuild
//! counts) or holds a file git does not know.

use std::path::Path;
use std::process::Command;

/// The plugin directory, relative to the repository root.
const PLUGIN_DIR: &str = "src-tauri/tauri-plugin-payhost";

/// The build output, relative to the repository root.
const DIST_DIR: &str = "src-tauri/tauri-plugin-payhost/dist-js";

/// npm's program name: a `.cmd` shim on Windows, which `Command` does not resolve alone.
pub(crate) const NPM: &str = if cfg!(windows) { "npm.cmd" } else { "npm" };

/// Installs, type-checks and rebuilds the guest bindings under `root` (the repository
/// root), then fails when the rebuilt `dist-js/` is not the committed one.
///
/// # Errors
/// A message (Korean, then English) when npm or git cannot run, a step fails, or
/// `dist-js/` is stale.
pub(crate) fn check(root: &Path) -> Result<(), String> {
    println!("\n==> guest-js: npm ci, typecheck, build; dist-js up to date");
    let plugin = root.join(PLUGIN_DIR);
    run_npm(&plugin, &["ci", "--no-audit", "--no-fund"])?;
    run_npm(&plugin, &["run", "typecheck"])?;
    run_npm(&plugin, &["run", "build"])?;

    // Both run at the root, so both print paths relative to it.
    let changed = git_lines(root, &["diff", "--name-only", "--", DIST_DIR])?;
    let unknown = git_lines(
        root,
        &["ls-files", "--others", "--exclude-standard", "--", DIST_DIR],
    )?;
    let stale: Vec<String> = changed.into_iter().chain(unknown).collect();
    if stale.is_empty() {
        println!("{DIST_DIR}: 최신입니다 / up to date");
        return Ok(());
    }
    Err(format!(
        "dist-js가 오래되었습니다: {PLUGIN_DIR}에서 npm run build를 실행하고 커밋하세요 / \
         dist-js is stale: run npm run build in {PLUGIN_DIR} and commit\n  {}",
        stale.join("\n  ")
    ))
}

/// Runs `npm ARGS` in `dir` with its output shown, failing unless it succeeds.
fn run_npm(dir: &Path, args: &[&str]) -> Result<(), String> {
    let what = format!("npm {}", args.join(" "));
    println!("$ {what}");
    let status = Command::new(NPM)
        .current_dir(dir)
        .args(args)
        .status()
        .map_err(|err| {
            format!(
                "{what}: npm을 실행할 수 없습니다(Node.js 18 이상과 npm이 필요합니다) / \
                 cannot run npm (Node.js 18 or later with npm is needed): {err}"
            )
        })?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{what}: 실패했습니다 / failed ({status})"))
    }
}

/// Runs `git ARGS` in `dir` and returns its non-empty output lines.
fn git_lines(dir: &Path, args: &[&str]) -> Result<Vec<String>, String> {
    let what = format!("git {}", args.join(" "));
    let output = Command::new("git")
        .current_dir(dir)
        .args(args)
        .output()
        .map_err(|err| format!("{what}: git을 실행할 수 없습니다 / cannot run git: {err}"))?;
    if !output.status.success() {
        return Err(format!(
            "{what}: 실패했습니다 / failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect())
}
