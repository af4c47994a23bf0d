//! The real WebView behind [`PaymentWebview`]: navigation, the current URL and the
//! notice shown over the page (a blocked frame, an untrusted return link), which
//! must not replace the page the buyer is paying on.

use tauri::{Runtime, Webview};

use crate::shell::PaymentWebview;

/// A Tauri webview as the glue sees it.
pub(crate) struct TauriWebview<R: Runtime> {
    pub(crate) webview: Webview<R>,
}

/// The script that shows `message` as a toast over the current page (`#payhost-toast`,
/// `role=alert`, gone after 6 s); the text goes in as a JSON string literal.
pub(crate) fn toast_script(message: &str) -> String {
    let text = serde_json::to_string(message).unwrap_or_else(|_| "\"\"".to_owned());
    format!(
        "(function(){{var o=document.getElementById('payhost-toast');if(o)o.remove();\
         var d=document.createElement('div');d.id='payhost-toast';d.setAttribute('role','alert');d.textContent={text};\
         d.style.cssText='position:fixed;left:12px;right:12px;bottom:16px;z-index:2147483647;padding:12px 16px;\
         border-radius:8px;background:#1b1f24;color:#fff;font:14px system-ui,sans-serif';\
         (document.body||document.documentElement).appendChild(d);setTimeout(function(){{d.remove()}},6000);}})()"
    )
}

impl<R: Runtime> PaymentWebview for TauriWebview<R> {
    fn navigate(&self, url: &str) {
        match url::Url::parse(url) {
            Ok(url) => {
                if let Err(err) = self.webview.navigate(url) {
                    tracing::warn!("navigate failed: {err}");
                }
            }
            Err(err) => tracing::warn!("not navigating to an unparsable URL: {err}"),
        }
    }

    fn current_url(&self) -> Option<String> {
        self.webview.url().ok().map(String::from)
    }

    fn show_toast(&self, message: &str) {
        if let Err(err) = self.webview.eval(toast_script(message)) {
            tracing::warn!("toast failed: {err}");
        }
    }
}
