//! [`Payhost`]: what an app asks of the plugin at run time (`app.payhost()`): open the
//! first payment window or one for a given payment, hand over a return link, read
//! the QA flow. The plugin's setup creates it (`builder.rs`); the commands of the
//! app's local UI (`commands.rs`) call the same methods.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use payhost_core::{classify, redact_url, Decision};
use tauri::{AppHandle, Runtime, WebviewWindow};

use crate::flow::{FlowEvent, FlowLog, Step};
use crate::returns::ReturnLinks;
use crate::shell::Shell;
use crate::window::{next_payment_label, WindowFactory, WindowOptions};
use crate::Error;

/// The plugin's state, managed by the app (`app.payhost()`).
pub struct Payhost<R: Runtime> {
    pub(crate) app: AppHandle<R>,
    pub(crate) shell: Arc<Shell>,
    pub(crate) flow: Arc<FlowLog>,
    pub(crate) returns: Arc<ReturnLinks>,
    pub(crate) windows: Arc<WindowFactory<R>>,
    /// `plugins.payhost.windows`: the payment webviews' labels, if the app lists them.
    pub(crate) payment_labels: Option<Vec<String>>,
    /// The dev server's URL in a dev build.
    pub(crate) dev_url: Option<String>,
    /// The launch arguments that may hold a cold-start return link (desktop argv).
    pub(crate) launch_args: Vec<String>,
    /// The first page (cold-start link, resume offer) is chosen once.
    pub(crate) first_page_taken: AtomicBool,
    /// Return links wait until a payment window exists to continue in.
    pub(crate) returns_connected: AtomicBool,
}

impl<R: Runtime> std::fmt::Debug for Payhost<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Payhost").finish_non_exhaustive()
    }
}

impl<R: Runtime> Payhost<R> {
    /// Opens the first payment window: at the target of a cold-start return link if
    /// the app was started by one, else at an offer to resume a payment interrupted
    /// by a restart, else at the start page (`plugins.payhost.startUrl`, or a page
    /// saying it is not configured). Later calls open the start page.
    ///
    /// # Errors
    /// [`Error::Window`] when the window cannot be built.
    pub fn open_start_window(&self, options: &WindowOptions) -> Result<WebviewWindow<R>, Error> {
        let first = if self.first_page_taken.swap(true, Ordering::SeqCst) {
            self.shell.start_url().to_owned()
        } else {
            let mut links = self.launch_args.clone();
            links.extend(self.returns.take_launch_link());
            self.shell.first_page(&links)
        };
        let first = url::Url::parse(&first).map_err(|err| Error::BadUrl(err.to_string()))?;
        self.open(options, first)
    }

    /// Opens `url` (a payment page: the policy must let it load) in a new payment
    /// window; `title` for its title bar. The app's local UI calls this through the
    /// `open_payment` command.
    ///
    /// # Errors
    /// [`Error::NotAPage`] when the policy would not load `url` in a webview,
    /// [`Error::Window`] when the window cannot be built.
    pub fn open_payment(&self, url: &str, title: Option<&str>) -> Result<WebviewWindow<R>, Error> {
        let decision = classify(url, self.shell.context());
        if decision != Decision::Load {
            return Err(Error::NotAPage {
                url: redact_url(url),
                action: decision.action_name().to_owned(),
            });
        }
        let parsed = url::Url::parse(url).map_err(|err| Error::BadUrl(err.to_string()))?;
        let mut options = WindowOptions::new(next_payment_label(&self.app));
        if let Some(title) = title {
            title.clone_into(&mut options.title);
        }
        self.flow.record(
            Step::Start,
            format!("payment window `{}` at {}", options.label, redact_url(url)),
        );
        self.open(&options, parsed)
    }

    fn open(&self, options: &WindowOptions, first: url::Url) -> Result<WebviewWindow<R>, Error> {
        let window = self.windows.open(options, first).map_err(Error::Window)?;
        // Links that came before any payment window existed continue in this one.
        if !self.returns_connected.swap(true, Ordering::SeqCst) {
            let shell = Arc::clone(&self.shell);
            self.returns
                .set_handler(Arc::new(move |link| shell.on_deep_link(link)));
        }
        Ok(window)
    }

    /// Hands over a return link the app received itself (a desktop second
    /// instance's argv through tauri-plugin-single-instance). Links of other
    /// schemes are ignored, so an app can pass everything it gets.
    pub fn deliver_link(&self, link: &str) {
        self.returns.deliver(link);
    }

    /// Records a step in the QA flow log (the app's own start-up facts).
    pub fn record(&self, step: Step, detail: impl Into<String>) {
        self.flow.record(step, detail);
    }

    /// The QA flow so far.
    pub fn flow_events(&self) -> Vec<FlowEvent> {
        self.flow.events()
    }

    /// Whether the plugin-level hook hands this navigation to the glue: not for the
    /// windows the plugin built (they have their own hook), not for the app's own
    /// content, not for a webview the app did not list as a payment webview.
    pub(crate) fn is_payment_navigation(&self, label: &str, url: &str) -> bool {
        !self.windows.built(label)
            && !payhost_core::is_app_content(url, self.dev_url.as_deref())
            && self
                .payment_labels
                .as_ref()
                .map_or(true, |labels| labels.iter().any(|known| known == label))
    }

    /// The policy context the plugin runs with.
    pub fn context(&self) -> &payhost_core::Context {
        self.shell.context()
    }
}
