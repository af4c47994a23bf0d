//! `cargo xtask <task>`: payhost's automation in Rust rather than shell scripts
//! (matklad/cargo-xtask), so the same commands work for developers and CI.
//!
//! - `run`: what payhost would do with the reference URLs of payment-apps.md §3
//!   (until the app shell exists, the explain tool is what there is to run);
//! - `test`: formatting, clippy `-D warnings`, every test, and a build check of the
//!   fuzz targets; what `.ci/run` calls;
//! - `bench`: the criterion benchmark, summarised as ns per URL and a ratio to the
//!   in-run baseline;
//! - `fuzz [SECONDS]`: every cargo-fuzz target for SECONDS each (default 600).

use std::env;
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

const FUZZ_TARGETS: [&str; 3] = ["parse_intent", "parse_return", "classify"];

#[derive(Debug)]
enum XtaskError {
    Failed(String),
    Io(String, std::io::Error),
    Usage(String),
}

impl fmt::Display for XtaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Failed(what) => write!(f, "failed: {what}"),
            Self::Io(what, err) => write!(f, "{what}: {err}"),
            Self::Usage(message) => write!(
                f,
                "{message}\nusage: cargo xtask run | test | bench | fuzz [SECONDS]"
            ),
        }
    }
}

type Result<T = ()> = std::result::Result<T, XtaskError>;

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("run") => run(),
        Some("test") => test(),
        Some("bench") => bench(),
        Some("fuzz") => fuzz(args.get(1).map(String::as_str)),
        Some(other) => Err(XtaskError::Usage(format!("unknown task `{other}`"))),
        None => Err(XtaskError::Usage("no task given".to_owned())),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("xtask: {err}");
            ExitCode::FAILURE
        }
    }
}

fn root() -> PathBuf {
    // src-tauri/xtask → repository root.
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

fn cargo() -> Command {
    let mut command = Command::new(env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()));
    command.current_dir(root());
    command
}

fn step(title: &str, mut command: Command) -> Result {
    println!("\n==> {title}");
    let status = command
        .status()
        .map_err(|err| XtaskError::Io(title.to_owned(), err))?;
    if status.success() {
        Ok(())
    } else {
        Err(XtaskError::Failed(title.to_owned()))
    }
}

fn run() -> Result {
    let urls = root().join("src-tauri/payhost-explain/reference-urls.txt");
    for platform in ["android", "ios", "desktop"] {
        let mut command = cargo();
        command.args([
            "run",
            "--quiet",
            "-p",
            "payhost-explain",
            "--",
            "--platform",
            platform,
            "--allow-host",
            "shop.example",
        ]);
        let text = fs::read_to_string(&urls)
            .map_err(|err| XtaskError::Io(urls.display().to_string(), err))?;
        command.args(text.lines().filter(|line| !line.trim().is_empty()));
        step(
            &format!("payhost-explain --platform {platform} (payment-apps.md §3 reference URLs)"),
            command,
        )?;
    }
    println!(
        "\nThe payhost app itself arrives with the shell issue; this run shows its URL policy."
    );
    Ok(())
}

fn test() -> Result {
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

    let mut clippy = cargo();
    clippy.args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--locked",
        "--",
        "-D",
        "warnings",
    ]);
    step("cargo clippy --workspace --all-targets -D warnings", clippy)?;

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
    println!("\nxtask test: all steps passed");
    Ok(())
}

fn bench() -> Result {
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

fn median_ns(criterion: &Path, group: &str, function: &str) -> Result<f64> {
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

fn url_count(group: &str) -> Result<usize> {
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

fn fuzz(seconds: Option<&str>) -> Result {
    let seconds: u64 = match seconds {
        Some(text) => text
            .parse()
            .map_err(|_| XtaskError::Usage(format!("`{text}` is not a number of seconds")))?,
        None => 600,
    };
    let has_cargo_fuzz = Command::new("cargo")
        .args(["fuzz", "--version"])
        .output()
        .is_ok_and(|output| output.status.success());
    if !has_cargo_fuzz {
        let mut install = cargo();
        install.args(["install", "cargo-fuzz", "--locked"]);
        step("cargo install cargo-fuzz", install)?;
    }
    let fuzz_dir = root().join("src-tauri/payhost-core/fuzz");
    for target in FUZZ_TARGETS {
        let corpus = fuzz_dir.join("corpus").join(target);
        fs::create_dir_all(&corpus)
            .map_err(|err| XtaskError::Io(corpus.display().to_string(), err))?;
        let mut command = Command::new("cargo");
        command.current_dir(&fuzz_dir).args([
            "+nightly",
            "fuzz",
            "run",
            "-O",
            target,
            &format!("corpus/{target}"),
            &format!("seeds/{target}"),
            "--",
            &format!("-max_total_time={seconds}"),
            "-max_len=4096",
            "-print_final_stats=1",
        ]);
        step(&format!("cargo fuzz run {target} for {seconds} s"), command)?;
    }
    println!("\nA crash leaves fuzz/artifacts/<target>/crash-*: copy it to tests/fuzz-regressions/<target>-crash-<sha1>.");
    Ok(())
}
