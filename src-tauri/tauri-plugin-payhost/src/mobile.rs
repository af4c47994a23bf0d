//! Android and iOS: the native plugin behind [`NativeLaunch`].

use serde::de::DeserializeOwned;
use tauri::plugin::{PluginApi, PluginHandle};
use tauri::{AppHandle, Runtime};

use crate::launcher::{LaunchArgs, LaunchResponse, MobileLauncher, NativeLaunch};

/// The Kotlin class's package (android/src/main/java/PayhostPlugin.kt).
const PLUGIN_IDENTIFIER: &str = "app.tauri.payhost";

pub(crate) struct PluginNative<R: Runtime>(PluginHandle<R>);

impl<R: Runtime> NativeLaunch for PluginNative<R> {
    fn launch(&self, args: &LaunchArgs) -> Result<LaunchResponse, String> {
        // Called from the shell's spawned blocking task, never from the navigation hook:
        // the Android command is dispatched on the UI thread, which the hook occupies
        // (tauri2.md §1). Awaiting the async call on this worker thread is safe.
        tauri::async_runtime::block_on(
            self.0
                .run_mobile_plugin_async::<LaunchResponse>("launch", args.clone()),
        )
        .map_err(|err| err.to_string())
    }
}

pub(crate) fn register<R: Runtime, C: DeserializeOwned>(
    _app: &AppHandle<R>,
    api: PluginApi<R, C>,
) -> Result<MobileLauncher<PluginNative<R>>, Box<dyn std::error::Error>> {
    #[cfg(target_os = "android")]
    let handle = api.register_android_plugin(PLUGIN_IDENTIFIER, "PayhostPlugin")?;
    #[cfg(target_os = "ios")]
    let handle = {
        let _ = PLUGIN_IDENTIFIER;
        api.register_ios_plugin(super::init_plugin_payhost)?
    };
    Ok(MobileLauncher::new(PluginNative(handle)))
}
