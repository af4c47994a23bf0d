//! `cargo xtask <task>`: payhost's automation in Rust rather than shell scripts
//! (matklad/cargo-xtask), so the same commands work for developers and CI.
//!
//! - `run`: installs the system packages payhost needs when missing, builds it,
//!   registers the sandbox's simulated payment apps and opens payhost (on the
//!   sandbox's shop unless a start URL is configured); with no display it runs under
//!   Xvfb and saves a screenshot;
//! - `test`: formatting, every citation naming a source (`sources`), clippy
//!   `-D warnings`, every test, a build check of the fuzz targets, and the
//!   end-to-end tests on the real WebView (Xvfb, D-Bus session,
//!   tauri-driver); what `.ci/run` calls;
//! - `bench`: the app against MiniBrowser, the sandbox under 64 concurrent clients,
//!   and the criterion benchmark, each as a ratio to a reference in the same run;
//! - `fuzz [SECONDS]`: every cargo-fuzz target for SECONDS each (default 600);
//! - `android-init [--force]`: generates `gen/android` with the Tauri CLI and no
//!   Android SDK (see `android_init`);
//! - `mobile-checks`: the part of `test` that checks the Android and iOS builds as far
//!   as this machine can (type checks for both targets, `gen/android` up to date, the
//!   Kotlin and Swift sources parse).

mod android_init;
mod bench_app;
mod bench_sandbox;
mod guest_js;
mod publish;
mod sources;

use std::env;
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};

const FUZZ_TARGETS: [&str; 3] = ["parse_intent", "parse_return", "classify"];

#[derive(Debug)]
pub(crate) enum XtaskError {
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
                "{message}\nusage: cargo xtask run | test | bench | fuzz [SECONDS] | android-init [--force] | mobile-checks"
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
        Some("android-init") => android_init::android_init(&args[1..]),
        Some("mobile-checks") => mobile_checks(),
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

/// Debian packages: WebKitGTK to build and run, Xvfb + D-Bus for headless runs,
/// WebKitWebDriver for e2e, xdg-utils for deep-link registration, ImageMagick for
/// screenshots, a Korean font so the pages render ("Tauri Linux prerequisites",
/// "Tauri WebDriver" and "fonts-nanum" in docs/sources.md).
const SYSTEM_PACKAGES: [&str; 11] = [
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

fn ensure_system_packages() -> Result {
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
fn apt_install(packages: &[&str]) -> Result {
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

/// Node.js and npm for the guest bindings' check (`guest_js`): Debian's packages when
/// the machine has no npm (Debian 12's Node.js 18 meets the locked packages' `engines`).
fn ensure_npm() -> Result {
    let has_npm = Command::new("npm")
        .arg("--version")
        .output()
        .is_ok_and(|out| out.status.success());
    if has_npm {
        return Ok(());
    }
    apt_install(&["nodejs", "npm"])
}

fn cargo_bin_dir() -> PathBuf {
    env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")))
        .unwrap_or_else(|| PathBuf::from(".cargo"))
        .join("bin")
}

fn ensure_tauri_driver() -> Result {
    if cargo_bin_dir().join("tauri-driver").exists() {
        return Ok(());
    }
    let mut install = cargo();
    install.args(["install", "tauri-driver", "--locked"]);
    step("cargo install tauri-driver --locked", install)
}

/// A private X server: `-displayfd` makes Xvfb pick a free display and tell us.
pub(crate) struct Xvfb {
    child: Child,
    pub(crate) display: String,
}

impl Xvfb {
    pub(crate) fn start() -> Result<Self> {
        let mut child = Command::new("Xvfb")
            .args([
                "-displayfd",
                "1",
                "-screen",
                "0",
                "1280x1024x24",
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|err| XtaskError::Io("Xvfb".to_owned(), err))?;
        let mut number = String::new();
        if let Some(stdout) = child.stdout.as_mut() {
            use std::io::Read;
            let mut byte = [0u8; 1];
            while stdout.read(&mut byte).is_ok_and(|n| n == 1) && byte[0] != b'\n' {
                number.push(char::from(byte[0]));
            }
        }
        if number.trim().is_empty() {
            let _ = child.kill();
            return Err(XtaskError::Failed(
                "Xvfb did not report a display".to_owned(),
            ));
        }
        Ok(Self {
            child,
            display: format!(":{}", number.trim()),
        })
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn run() -> Result {
    ensure_system_packages()?;
    let mut build = cargo();
    build.args(["build", "-p", "payhost", "-p", "payhost-sandbox"]);
    step("cargo build -p payhost -p payhost-sandbox", build)?;
    let binary = root().join("target/debug/payhost");
    if env::var_os("DISPLAY").is_some() || env::var_os("WAYLAND_DISPLAY").is_some() {
        // The simulated payment apps become this user's handlers of the payment
        // schemes (a dialog asks approve / deny / cancel), so payhost's real launcher
        // path runs; with no start URL configured payhost opens the sandbox's shop.
        let mut install = Command::new(root().join("target/debug/payhost-sandbox"));
        install.arg("install-apps");
        step(
            "payhost-sandbox install-apps (simulated payment apps)",
            install,
        )?;
        let mut app = Command::new(&binary);
        app.arg("--qa");
        return step("payhost --qa", app);
    }
    // No display: run under Xvfb in a D-Bus session, take a screenshot, stop.
    let xvfb = Xvfb::start()?;
    let shot = root().join("target/xtask-run.png");
    let script = format!(
        "'{}' --qa & APP=$!; sleep 8; import -window root '{}'; kill $APP; wait $APP 2>/dev/null; true",
        binary.display(),
        shot.display()
    );
    let mut session = Command::new("dbus-run-session");
    session
        .args(["--", "sh", "-c", &script])
        .env("DISPLAY", &xvfb.display)
        .env("NO_AT_BRIDGE", "1");
    step("payhost under Xvfb (no display)", session)?;
    println!(
        "\nNo display here: payhost ran under Xvfb; screenshot saved to {}",
        shot.display()
    );
    Ok(())
}

fn test() -> Result {
    ensure_system_packages()?;
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
    ensure_npm()?;
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

    mobile_checks()?;
    e2e()?;
    println!("\nxtask test: all steps passed");
    Ok(())
}

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

fn mobile_checks() -> Result {
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
            let shim = ios_check_compiler_shim()?;
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
    let venv = root().join("target/native-syntax-venv");
    let python = venv.join("bin/python");
    if !python.exists() {
        let mut create = Command::new("python3");
        create.args(["-m", "venv"]).arg(&venv);
        step("python3 -m venv target/native-syntax-venv", create)?;
    }
    let mut pip = Command::new(&python);
    pip.args([
        "-m",
        "pip",
        "install",
        "-q",
        "tree-sitter==0.26.*",
        "tree-sitter-kotlin==1.1.*",
        "tree-sitter-swift==0.7.*",
    ]);
    step(
        "pip install tree-sitter tree-sitter-kotlin tree-sitter-swift",
        pip,
    )?;
    let mut parse = Command::new(&python);
    parse
        .current_dir(root())
        .arg("src-tauri/xtask/check_native_syntax.py")
        .arg("src-tauri/tauri-plugin-payhost");
    step("Kotlin and Swift sources parse (tree-sitter)", parse)
}

fn ios_check_compiler_shim() -> Result<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let dir = root().join("target/ios-check-shim");
    let io = |err| XtaskError::Io(dir.display().to_string(), err);
    fs::create_dir_all(dir.join("sdk")).map_err(io)?;
    let shim = dir.join("cc");
    let script = "#!/bin/sh\n# Writes an empty object wherever the output goes (see xtask mobile_checks).\n\
        out=\"\"\nwhile [ $# -gt 0 ]; do\n  case \"$1\" in\n    -o) out=\"$2\"; shift ;;\n    -o*) out=\"${1#-o}\" ;;\n    -Fo*) out=\"${1#-Fo}\" ;;\n  esac\n  shift\ndone\n\
        [ -n \"$out\" ] && : > \"$out\"\nexit 0\n";
    fs::write(&shim, script).map_err(|err| XtaskError::Io(shim.display().to_string(), err))?;
    fs::set_permissions(&shim, fs::Permissions::from_mode(0o755))
        .map_err(|err| XtaskError::Io(shim.display().to_string(), err))?;
    Ok(shim)
}

/// The end-to-end tests: the real payhost binary on WebKitGTK, under a private Xvfb
/// display and a D-Bus session bus (single-instance needs one to find the first
/// instance: `tauri-plugin-single-instance@2.5.5:src/platform_impl/linux.rs`), one
/// test at a time.
fn e2e() -> Result {
    ensure_tauri_driver()?;
    // The sandbox e2e tests register this binary as the simulated payment apps.
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
        "cargo build -p payhost-sandbox (the simulated payment apps)",
        sandbox,
    )?;
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

fn bench() -> Result {
    ensure_system_packages()?;
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
