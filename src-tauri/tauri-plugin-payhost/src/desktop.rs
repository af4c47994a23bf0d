//! The desktop launcher: tauri-plugin-opener, which runs the OS's URL handler
//! (`xdg-open` on Linux, `open` on macOS) and reports a handler that fails
//! (tauri-plugin-shell's `open` is deprecated since 2.1 in favour of the opener).

use tauri::{AppHandle, Runtime};
use tauri_plugin_opener::OpenerExt;

use crate::launcher::{LaunchError, Launcher, OpenRequest};

pub(crate) struct OpenerLauncher<R: Runtime> {
    app: AppHandle<R>,
}

impl<R: Runtime> OpenerLauncher<R> {
    pub(crate) fn new(app: AppHandle<R>) -> Self {
        Self { app }
    }
}

impl<R: Runtime> Launcher for OpenerLauncher<R> {
    fn open(&self, request: &OpenRequest) -> Result<(), LaunchError> {
        self.app
            .opener()
            .open_url(&request.url, None::<&str>)
            .map_err(launch_error)
    }
}

/// Sorts the opener's error into "no app" and "the launcher itself failed". The
/// opener runs `open::that_detached` (tauri-plugin-opener 2.7.2 `src/open.rs`
/// `open`); open 5.4.5 `src/lib.rs` reports a launcher that *exited unsuccessfully*
/// (xdg-open finding no handler for the scheme) as `ErrorKind::Other` ("Launcher …
/// failed with …", `IntoResult::into_result`), and a launcher it could not even run
/// as the spawn's own error (`NotFound` when there is no `xdg-open`).
fn launch_error(err: tauri_plugin_opener::Error) -> LaunchError {
    match &err {
        tauri_plugin_opener::Error::Io(io) if io.kind() == std::io::ErrorKind::Other => {
            LaunchError::NotFound(err.to_string())
        }
        _ => LaunchError::Failed(err.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_launcher_that_exits_unsuccessfully_means_no_app_and_a_missing_launcher_does_not() {
        let no_handler = tauri_plugin_opener::Error::Io(std::io::Error::other(
            "Launcher \"xdg-open\" \"kb-acp://x\" failed with ExitStatus(unix_wait_status(1024))",
        ));
        assert!(matches!(launch_error(no_handler), LaunchError::NotFound(_)));
        let no_launcher =
            tauri_plugin_opener::Error::Io(std::io::Error::from(std::io::ErrorKind::NotFound));
        assert!(matches!(launch_error(no_launcher), LaunchError::Failed(_)));
        assert!(matches!(
            launch_error(tauri_plugin_opener::Error::UnsupportedPlatform),
            LaunchError::Failed(_)
        ));
    }
}
