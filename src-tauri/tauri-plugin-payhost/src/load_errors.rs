//! WebKitGTK reports failed loads (offline, DNS, TLS) only through its own signals;
//! payhost replaces WebKit's page with its own, naming the host, with a retry, and
//! records each loaded page's title in the QA flow.
//!
//! The payment window starts blank and loads its first page only once these handlers
//! are connected (`with_webview` runs later on the main thread; a refused connection
//! fails faster than that).

use std::sync::Arc;

use tauri::{Runtime, Webview};
use webkit2gtk::{LoadEvent, NetworkError, PolicyError, WebViewExt};

use crate::flow::{FlowLog, Step};
use crate::shell::Shell;

/// Connects the page-load and load-failed signals of `webview`, then loads `first`
/// (through the navigation hook like any load).
pub(crate) fn attach<R: Runtime>(
    webview: &Webview<R>,
    shell: &Arc<Shell>,
    flow: &Arc<FlowLog>,
    first: String,
) {
    let failed = Arc::clone(shell);
    let tls = Arc::clone(shell);
    let loads = Arc::clone(flow);
    let result = webview.with_webview(move |platform| {
        let webview = platform.inner();
        // Each page's title in the QA flow once it has loaded (QA sees where the
        // buyer ended, e.g. the merchant's verified result, also after a cold
        // start with no WebDriver attached). WebKit may deliver the title after
        // `load-changed: finished`, so both signals report, once per page and
        // title; an untitled page shows only as its navigation (GTK main thread
        // only: `Rc` suffices).
        let last = std::rc::Rc::new(std::cell::RefCell::new(String::new()));
        let record_page = move |webview: &webkit2gtk::WebView| {
            let uri = webview.uri().map(|u| u.to_string()).unwrap_or_default();
            let title = webview.title().map(|t| t.to_string()).unwrap_or_default();
            if title.is_empty() || uri == "about:blank" || uri.starts_with("data:") {
                return;
            }
            let key = format!("{uri}\n{title}");
            if *last.borrow() == key {
                return;
            }
            *last.borrow_mut() = key;
            loads.record(
                Step::PageLoad,
                format!("{} “{title}”", payhost_core::redact_url(&uri)),
            );
        };
        let on_title = record_page.clone();
        webview.connect_load_changed(move |webview, event| {
            if event == LoadEvent::Finished {
                record_page(webview);
            }
        });
        webview.connect_title_notify(move |webview| {
            if !webview.is_loading() {
                on_title(webview);
            }
        });
        webview.connect_load_failed(move |webview, _event, uri, error| {
            tracing::debug!(
                "load-failed {} {:?} {}",
                payhost_core::redact_url(uri),
                error.domain(),
                error.message()
            );
            // A navigation payhost cancelled (an app hand-off) is not a failure:
            // WebKit reports it as cancelled or as a policy change (the "102" error
            // TOSS's iOS SDK ignores, tosspayments/payment-sdk-ios commit f27513a).
            if error.matches(NetworkError::Cancelled) || error.kind::<PolicyError>().is_some() {
                return false;
            }
            let html = failed.load_failed_page(uri, error.message());
            webview.load_alternate_html(&html, uri, None);
            true
        });
        webview.connect_load_failed_with_tls_errors(move |webview, uri, _certificate, flags| {
            let html = tls.load_failed_page(uri, &format!("TLS certificate error ({flags:?})"));
            webview.load_alternate_html(&html, uri, None);
            true
        });
        // Goes through the navigation hook like any load.
        webview.load_uri(&first);
    });
    if let Err(err) = result {
        tracing::warn!("error pages unavailable: {err}");
    }
}
