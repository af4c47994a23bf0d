//! `cargo xtask bench`: the app against MiniBrowser (`bench_app`), the sandbox under
//! load (`bench_sandbox`), the merchant build's size, and the criterion benchmark of the
//! policy, each as a ratio to a reference measured in the same run.

use std::fs;
use std::path::Path;

use crate::{apt, bench_app, bench_sandbox, cargo, root, step, Result, XtaskError};

pub(crate) fn bench() -> Result {
    apt::ensure_system_packages()?;
    let mut release = cargo();
    release.args([
        "build",
        "--release",
        "-p",
        "payhost",
        "-p",
        "payhost-sandbox",
        "--locked",
    ]);
    step(
        "cargo build --release -p payhost -p payhost-sandbox",
        release,
    )?;
    bench_app::bench_app(&root())?;
    bench_sandbox::bench_sandbox(&root())?;
    // What a merchant ships: no sandbox (the size target of the desktop app).
    let mut merchant = cargo();
    merchant.args([
        "build",
        "--release",
        "-p",
        "payhost",
        "--no-default-features",
        "--locked",
    ]);
    step(
        "cargo build --release -p payhost --no-default-features",
        merchant,
    )?;
    let binary = root().join("target/release/payhost");
    let size = fs::metadata(&binary)
        .map_err(|err| XtaskError::Io(binary.display().to_string(), err))?
        .len();
    #[allow(clippy::cast_precision_loss)]
    let mib = size as f64 / 1024.0 / 1024.0;
    println!("merchant release binary (stripped, --no-default-features): {mib:.1} MiB ({size} bytes; target < 15 MB)");

    let mut command = cargo();
    command.args([
        "bench",
        "-p",
        "payhost-core",
        "--bench",
        "classify",
        "--locked",
    ]);
    step("cargo bench -p payhost-core --bench classify", command)?;
    let criterion = root().join("target/criterion");
    println!("\n==> summary (criterion median of one pass over each case table)");
    for (group, subject) in [("navigation", "classify"), ("deep_link", "parse_return")] {
        let measured = median_ns(&criterion, group, subject)?;
        let baseline = median_ns(&criterion, group, "baseline_split")?;
        let count = url_count(group)?;
        #[allow(clippy::cast_precision_loss)]
        let per_url = measured / count as f64;
        #[allow(clippy::cast_precision_loss)]
        let baseline_per_url = baseline / count as f64;
        println!(
            "{subject}: {per_url:.1} ns per URL over {count} URLs (median); baseline split on `://`: {baseline_per_url:.2} ns per URL; ratio {:.1}x",
            measured / baseline
        );
    }
    Ok(())
}

pub(crate) fn median_ns(criterion: &Path, group: &str, function: &str) -> Result<f64> {
    let path = criterion
        .join(group)
        .join(function)
        .join("new/estimates.json");
    let text =
        fs::read_to_string(&path).map_err(|err| XtaskError::Io(path.display().to_string(), err))?;
    let json: serde_json::Value = serde_json::from_str(&text)
        .map_err(|err| XtaskError::Failed(format!("{}: {err}", path.display())))?;
    json["median"]["point_estimate"]
        .as_f64()
        .ok_or_else(|| XtaskError::Failed(format!("{}: no median", path.display())))
}

pub(crate) fn url_count(group: &str) -> Result<usize> {
    let file = match group {
        "navigation" => "navigation.toml",
        _ => "deeplinks.toml",
    };
    let path = root().join("src-tauri/payhost-core/tests/data").join(file);
    let text =
        fs::read_to_string(&path).map_err(|err| XtaskError::Io(path.display().to_string(), err))?;
    Ok(text
        .lines()
        .filter(|line| line.trim() == "[[case]]")
        .count())
}
