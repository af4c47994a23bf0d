//! Android and iOS: the native plugin behind [`NativeLaunch`] and [`ReturnLinks`].

use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::Serialize;
use tauri::ipc::Channel;
use tauri::plugin::{PluginApi, PluginHandle};
use tauri::{AppHandle, Runtime};

use crate::launcher::{LaunchArgs, LaunchResponse, MobileLauncher, NativeLaunch};
use crate::returns::{return_channel, NativeReturn, ReturnLinks};

/// The Kotlin class's package (android/src/main/java/PayhostPlugin.kt).
const PLUGIN_IDENTIFIER: &str = "app.tauri.payhost";

pub(crate) struct PluginNative<R: Runtime>(PluginHandle<R>);

impl<R: Runtime> NativeLaunch for PluginNative<R> {
    fn launch(&self, args: &LaunchArgs) -> Result<LaunchResponse, String> {
        // Called from the shell's spawned blocking task, never from the navigation hook:
        // the Android command is dispatched on the UI thread, which the hook occupies
        // (`tauri@2.12.5:src/plugin/mobile.rs` `run_mobile_plugin`, "tauri mobile plugin
        // calls" in docs/sources.md). Awaiting the async call on this worker thread is safe.
        tauri::async_runtime::block_on(
            self.0
                .run_mobile_plugin_async::<LaunchResponse>("launch", args.clone()),
        )
        .map_err(|err| err.to_string())
    }
}

/// The arguments of the native `registerReturnListener` command.
#[derive(Serialize)]
struct RegisterReturnListener {
    handler: Channel,
}

/// Registers the native plugin and opens the raw return channel; the cold-start
/// link is asked for later, when the app's setup picks its first page
/// ([`ReturnLinks::take_launch_link`]): on iOS the plugins' setup runs before
/// `UIApplicationMain` (tauri 2.12.5 `app.rs` `Builder::build` initializes the
/// plugins; tao starts UIKit in `EventLoop::run`), so no launch URL exists yet here.
pub(crate) fn register<R: Runtime, C: DeserializeOwned>(
    _app: &AppHandle<R>,
    api: PluginApi<R, C>,
    returns: &Arc<ReturnLinks>,
) -> Result<MobileLauncher<PluginNative<R>>, Box<dyn std::error::Error>> {
    #[cfg(target_os = "android")]
    let handle = api.register_android_plugin(PLUGIN_IDENTIFIER, "PayhostPlugin")?;
    #[cfg(target_os = "ios")]
    let handle = {
        let _ = PLUGIN_IDENTIFIER;
        api.register_ios_plugin(super::init_plugin_payhost)?
    };
    // A blocking call is fine in setup: tauri-plugin-deep-link 2.6.3 calls
    // `run_mobile_plugin("setEventHandler")` at the same point.
    handle.run_mobile_plugin::<()>(
        "registerReturnListener",
        RegisterReturnListener {
            handler: return_channel(Arc::clone(returns)),
        },
    )?;
    let native = handle.clone();
    returns.set_launch_source(move || {
        match native.run_mobile_plugin::<NativeReturn>("launchLink", ()) {
            Ok(answer) => answer.url,
            Err(err) => {
                tracing::warn!("the native launchLink failed: {err}");
                None
            }
        }
    });
    Ok(MobileLauncher::new(PluginNative(handle)))
}
