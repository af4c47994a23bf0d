//! `cargo xtask fuzz [SECONDS]`: every cargo-fuzz target of payhost-core.

use std::fs;
use std::process::Command;

use crate::{cargo, root, step, Result, XtaskError};

const FUZZ_TARGETS: [&str; 3] = ["parse_intent", "parse_return", "classify"];

pub(crate) fn fuzz(seconds: Option<&str>) -> Result {
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
