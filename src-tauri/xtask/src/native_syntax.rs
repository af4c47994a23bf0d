//! The Kotlin and Swift sources of tauri-plugin-payhost parse (tree-sitter, in a
//! Python venv under `target/`): no Gradle or Xcode here, so a syntax error would
//! otherwise reach a device build first.

use std::process::Command;

use crate::{apt, root, step, Result};

pub(crate) fn check() -> Result {
    let python = apt::python_venv("target/native-syntax-venv")?;
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
