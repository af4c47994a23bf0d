//! The stand-in C compiler of the iOS type check (see `mobile_checks`).

use std::fs;
use std::path::PathBuf;

use crate::{root, Result, XtaskError};

/// Writes the stand-in compiler (`target/ios-check-shim/cc`) and returns its path.
pub(crate) fn compiler() -> Result<PathBuf> {
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
