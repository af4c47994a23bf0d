//! The launcher interface and the mobile launcher's logic, compiled on every
//! platform so that it is tested on the build machine with a fake native side.

use serde::{Deserialize, Serialize};

/// What to open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenRequest {
    /// The URL payhost-core chose.
    pub url: String,
    /// The original `intent:` URI, for Android's `Intent.parseUri`.
    pub intent: Option<String>,
}

/// Why an open failed.
#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    /// No app handles the URL (Android `ActivityNotFoundException`, iOS `open` →
    /// false, desktop: no handler registered).
    #[error("no app handles the URL: {0}")]
    NotFound(String),
    /// The platform refused or failed otherwise.
    #[error("the launcher failed: {0}")]
    Failed(String),
}

/// Opens URLs outside the WebView. Calls block (the OS launcher, a native round
/// trip): callers run them on a spawned task, never in a WebView hook.
pub trait Launcher: Send + Sync + 'static {
    /// Opens `request`, blocking until the platform says whether it worked.
    ///
    /// # Errors
    /// [`LaunchError`] when nothing was opened.
    fn open(&self, request: &OpenRequest) -> Result<(), LaunchError>;
}

/// The arguments of the native `launch` command (Kotlin `LaunchArgs`, Swift
/// `LaunchArgs`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LaunchArgs {
    /// The URL to open (`ACTION_VIEW` / `UIApplication.open`).
    pub url: String,
    /// On Android, the `intent:` URI to hand to `Intent.parseUri` instead.
    pub intent: Option<String>,
}

/// What the native side reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LaunchStatus {
    /// An activity / app took the URL.
    Launched,
    /// No app handles it.
    NotFound,
    /// Something else went wrong (a malformed URI, a `SecurityException`).
    Failed,
}

/// The native `launch` command's answer.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct LaunchResponse {
    /// The outcome.
    pub status: LaunchStatus,
    /// A message for the log, when there is one.
    #[serde(default)]
    pub message: Option<String>,
}

/// The native call, abstracted so the logic around it can be tested anywhere.
pub trait NativeLaunch: Send + Sync + 'static {
    /// Runs the native `launch` command.
    ///
    /// # Errors
    /// The plugin invocation's error, as text.
    fn launch(&self, args: &LaunchArgs) -> Result<LaunchResponse, String>;
}

/// The mobile launcher: validates, calls the native plugin, maps its answer.
#[derive(Debug)]
pub struct MobileLauncher<N: NativeLaunch> {
    native: N,
}

impl<N: NativeLaunch> MobileLauncher<N> {
    /// A launcher over `native`.
    pub fn new(native: N) -> Self {
        Self { native }
    }
}

impl<N: NativeLaunch> Launcher for MobileLauncher<N> {
    fn open(&self, request: &OpenRequest) -> Result<(), LaunchError> {
        // Defence in depth: payhost-core never hands out an intent with an explicit
        // component or selector (it launches the data URI instead), and the Kotlin side
        // clears both anyway; an intent that fails this check never reaches Android.
        if let Some(intent) = &request.intent {
            match payhost_core::parse_intent(intent) {
                Ok(parsed) if !parsed.has_explicit_target() => {}
                Ok(_) => {
                    return Err(LaunchError::Failed(
                        "refused an intent with an explicit component or selector".to_owned(),
                    ))
                }
                Err(err) => return Err(LaunchError::Failed(format!("unparsable intent: {err}"))),
            }
        }
        let args = LaunchArgs {
            url: request.url.clone(),
            intent: request.intent.clone(),
        };
        match self.native.launch(&args) {
            Ok(LaunchResponse {
                status: LaunchStatus::Launched,
                ..
            }) => Ok(()),
            Ok(LaunchResponse {
                status: LaunchStatus::NotFound,
                message,
            }) => Err(LaunchError::NotFound(message.unwrap_or_default())),
            Ok(LaunchResponse {
                status: LaunchStatus::Failed,
                message,
            }) => Err(LaunchError::Failed(message.unwrap_or_default())),
            Err(err) => Err(LaunchError::Failed(err)),
        }
    }
}
