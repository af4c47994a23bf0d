//! Return links exactly as the OS delivered them, on their way to `parse_return`.
//!
//! Why this exists: Tauri's own deep-link path turns every link into a `url::Url`,
//! which cannot hold the NICE/Inicis ISP return `myapp://://https://…` (rust-url
//! answers `EmptyHost`): tauri-plugin-deep-link 2.6.3 deserializes its event as
//! `Vec<url::Url>` in `DeepLink::on_open_url` (`src/lib.rs`) and drops it without a
//! word on Android; on iOS tao 0.37.2 `platform_impl/ios/view.rs` `handle_deep_link`
//! calls `Url::parse(..).unwrap()` and the app panics. So payhost's native plugin
//! receives its scheme's links itself (Kotlin `onNewIntent` and the launch intent's
//! `dataString`; Swift ahead of tao's app/scene delegate) and hands the raw string
//! here through a [`Channel`]; on desktop the single-instance callback does the same.
//!
//! [`ReturnLinks`] queues what arrives before the app's handler is set (the plugin
//! registers at setup, the handler exists once the shell does) and keeps the cold
//! start link apart, so that it can win over the start page as on desktop.

use std::sync::{Arc, Mutex};

use serde::Deserialize;
use tauri::ipc::{Channel, InvokeResponseBody};

/// What the app does with a return link (the shell's `on_deep_link`).
pub type ReturnHandler = Arc<dyn Fn(&str) + Send + Sync>;

/// The native side's payload, both as a channel message and as the answer of the
/// `launchLink` command: `{"url": "<the link>"}`. `url` may be `null` or absent:
/// Android's `JSONObject.put(key, null)` removes the key (`org.json.JSONObject.put`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct NativeReturn {
    /// The link, as `Intent.getDataString()` / `URL.absoluteString` gave it.
    #[serde(default)]
    pub url: Option<String>,
}

/// A channel message that is not a [`NativeReturn`].
#[derive(Debug, thiserror::Error)]
pub enum ReturnPayloadError {
    /// A raw (binary) message where JSON was expected.
    #[error("the native return message is binary ({0} bytes), not JSON")]
    Binary(usize),
    /// JSON of another shape.
    #[error("the native return message is not {{\"url\": …}}: {0}")]
    Shape(#[from] serde_json::Error),
}

/// Decodes one channel message from the native plugin.
///
/// # Errors
/// [`ReturnPayloadError`] when it is not `{"url": …}` JSON.
pub fn decode_native_return(body: &InvokeResponseBody) -> Result<NativeReturn, ReturnPayloadError> {
    match body {
        InvokeResponseBody::Json(json) => Ok(serde_json::from_str(json)?),
        InvokeResponseBody::Raw(bytes) => Err(ReturnPayloadError::Binary(bytes.len())),
    }
}

/// Asks the native side for the cold-start link (`launchLink`), once.
type LaunchSource = Box<dyn FnOnce() -> Option<String> + Send>;

#[derive(Default)]
struct State {
    handler: Option<ReturnHandler>,
    queued: Vec<String>,
    launch_link: Option<String>,
    launch_source: Option<LaunchSource>,
}

/// The return links of this app run: the cold-start link, then every later one.
#[derive(Default)]
pub struct ReturnLinks {
    state: Mutex<State>,
}

impl std::fmt::Debug for ReturnLinks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReturnLinks").finish_non_exhaustive()
    }
}

impl ReturnLinks {
    /// Records the link the app was started with (the native `launchLink`).
    pub fn set_launch_link(&self, link: Option<String>) {
        if let Ok(mut state) = self.state.lock() {
            state.launch_link = link.filter(|link| !link.is_empty());
        }
    }

    /// Where the cold-start link comes from when it is asked for: the native
    /// `launchLink`, asked only from the app's setup (on iOS the launch URL is known
    /// only once UIKit has started, which is after the plugins' setup).
    pub fn set_launch_source(&self, source: impl FnOnce() -> Option<String> + Send + 'static) {
        if let Ok(mut state) = self.state.lock() {
            state.launch_source = Some(Box::new(source));
        }
    }

    /// The cold-start link, once: the app's first page is chosen from it.
    pub fn take_launch_link(&self) -> Option<String> {
        let (link, source) = match self.state.lock() {
            Ok(mut state) => (state.launch_link.take(), state.launch_source.take()),
            Err(_) => return None,
        };
        // The native call runs outside the lock: it blocks until the native side
        // answers, and a link delivered meanwhile must not wait on us.
        link.or_else(|| source.and_then(|source| source()))
            .filter(|link| !link.is_empty())
    }

    /// Hands `link` to the handler, or queues it until there is one. Runs on the
    /// thread the native side delivers on (Android's UI thread): the handler must
    /// only decide and spawn.
    pub fn deliver(&self, link: &str) {
        let handler = match self.state.lock() {
            Ok(mut state) => match &state.handler {
                Some(handler) => Arc::clone(handler),
                None => {
                    state.queued.push(link.to_owned());
                    return;
                }
            },
            Err(_) => return,
        };
        handler(link);
    }

    /// Sets the handler and hands it every link queued so far, in order.
    pub fn set_handler(&self, handler: ReturnHandler) {
        let queued = match self.state.lock() {
            Ok(mut state) => {
                state.handler = Some(Arc::clone(&handler));
                std::mem::take(&mut state.queued)
            }
            Err(_) => return,
        };
        for link in queued {
            handler(&link);
        }
    }
}

/// The channel the native plugin sends return links on (`registerReturnListener`):
/// each message is decoded and delivered; a malformed one is logged and dropped (it
/// carries no link to act on), never a panic.
pub fn return_channel(links: Arc<ReturnLinks>) -> Channel {
    Channel::new(move |body| {
        match decode_native_return(&body) {
            Ok(NativeReturn { url: Some(link) }) => links.deliver(&link),
            Ok(NativeReturn { url: None }) => {
                tracing::warn!("a native return message without a link was ignored");
            }
            Err(err) => tracing::warn!("{err}"),
        }
        Ok(())
    })
}

/// The callback of tauri-plugin-single-instance (desktop, where a return link starts a
/// second process of the app, which hands its arguments over and exits): every
/// argument that is not an option goes to payhost raw, never through `url::Url`
/// (which refuses `myapp://://https://…`). Links of other schemes are left alone, so
/// the app's own links keep working (with single-instance's `deep-link` feature,
/// tauri-plugin-deep-link gets them first). Registered as in the crate's example.
#[cfg(desktop)]
pub fn on_second_instance<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    argv: Vec<String>,
    _cwd: String,
) {
    use crate::PayhostExt;
    let links = argv.iter().skip(1).filter(|arg| !arg.starts_with("--"));
    match app.try_payhost() {
        Some(payhost) => links.for_each(|link| payhost.deliver_link(link)),
        None => tracing::warn!("a return link came before payhost's plugin was ready"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recording() -> (ReturnHandler, Arc<Mutex<Vec<String>>>) {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&seen);
        let handler: ReturnHandler =
            Arc::new(move |link| sink.lock().unwrap().push(link.to_owned()));
        (handler, seen)
    }

    #[test]
    fn links_before_the_handler_are_queued_and_delivered_in_order() {
        let links = Arc::new(ReturnLinks::default());
        let channel = return_channel(Arc::clone(&links));
        let isp = "myapp://://https://web.nicepay.co.kr/smart/card/isp/ispResult.jsp?tid=T1";
        channel
            .send(InvokeResponseBody::Json(format!(r#"{{"url":"{isp}"}}"#)))
            .unwrap();
        let (handler, seen) = recording();
        links.set_handler(handler);
        channel
            .send(InvokeResponseBody::Json(r#"{"url":"myapp://"}"#.to_owned()))
            .unwrap();
        assert_eq!(*seen.lock().unwrap(), [isp, "myapp://"]);
    }

    #[test]
    fn malformed_messages_are_dropped_without_a_panic() {
        let links = Arc::new(ReturnLinks::default());
        let (handler, seen) = recording();
        links.set_handler(handler);
        let channel = return_channel(Arc::clone(&links));
        for body in [
            InvokeResponseBody::Json("{}".to_owned()),
            InvokeResponseBody::Json(r#"{"url":null}"#.to_owned()),
            InvokeResponseBody::Json(r#"{"url":7}"#.to_owned()),
            InvokeResponseBody::Json("not json".to_owned()),
            InvokeResponseBody::Raw(vec![0xff, 0x00]),
        ] {
            channel.send(body).unwrap();
        }
        assert!(seen.lock().unwrap().is_empty());
    }

    #[test]
    fn the_launch_link_is_taken_once() {
        let links = ReturnLinks::default();
        let response: NativeReturn =
            serde_json::from_str(r#"{"url":"myapp://?callbackparam1=https%3A%2F%2Fx"}"#).unwrap();
        links.set_launch_link(response.url);
        assert_eq!(
            links.take_launch_link().as_deref(),
            Some("myapp://?callbackparam1=https%3A%2F%2Fx")
        );
        assert_eq!(links.take_launch_link(), None);
        let none: NativeReturn = serde_json::from_str("{}").unwrap();
        links.set_launch_link(none.url);
        assert_eq!(links.take_launch_link(), None);
        let asked = Arc::new(Mutex::new(0));
        let count = Arc::clone(&asked);
        links.set_launch_source(move || {
            *count.lock().unwrap() += 1;
            serde_json::from_str::<NativeReturn>(r#"{"url":"myapp:\/\/"}"#)
                .unwrap()
                .url
        });
        assert_eq!(links.take_launch_link().as_deref(), Some("myapp://"));
        assert_eq!(links.take_launch_link(), None);
        assert_eq!(*asked.lock().unwrap(), 1, "the native side is asked once");
    }
}
