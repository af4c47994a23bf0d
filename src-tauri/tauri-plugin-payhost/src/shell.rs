//! The glue: acts on payhost-core's decisions, decides nothing about URLs.
//!
//! [`Shell::on_navigation`] runs inside the WebView's navigation hook (the plugin's
//! `on_navigation`, for every payment webview: the GTK main thread on Linux, the UI thread on Android), so it only classifies, records and
//! *spawns*: launching, fallbacks, file writes and navigations happen on a spawned
//! task (a mobile plugin call from the hook deadlocks: on Android it is dispatched to
//! the UI thread the hook occupies, tauri 2.12.5 `plugin/mobile.rs`
//! `run_mobile_plugin`). Everything the glue touches outside itself is
//! behind a trait ([`Launcher`], [`PaymentWebview`], the spawner, the result sink), so
//! the shell tests drive it with recording fakes and the e2e tests with the real
//! WebView.
//!
//! Several payment webviews may exist (the app's UI opens one per payment, a PG page
//! opens popups); each is attached under its label and every action acts on the
//! webview the navigation came from. A return link from the OS names no webview: it
//! continues in the one that last handed the buyer to an app (else the first one).
//! One buyer pays once at a time, so the payment ids and the resume offer are one
//! state for all of them.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use payhost_core::{
    classify, expand_resume_url, host_for_display, parse_return, redact_url, Context, Decision,
    Launch, Opens, PaymentIds, ReturnAction,
};

use crate::flow::{FlowLog, Step};
use crate::launcher::{LaunchError, Launcher, OpenRequest};
use crate::pages;
use crate::pending::{now_ms, PendingPayment, PendingStore, MAX_AGE_MS};
use crate::result::{PaymentResult, ResultKind, ResultSink};
use payhost_core::RejectReason;

/// A payment WebView, as the glue needs it.
pub trait PaymentWebview: Send + Sync + 'static {
    /// Loads `url` (it goes through the navigation hook like any navigation).
    fn navigate(&self, url: &str);
    /// The URL the WebView shows now.
    fn current_url(&self) -> Option<String>;
    /// Shows a short message over the current page without navigating.
    fn show_toast(&self, message: &str);
}

/// Runs a blocking job off the calling thread.
pub type Spawn = Arc<dyn Fn(Box<dyn FnOnce() + Send>) + Send + Sync>;

/// How long an identical deep link is treated as a duplicate (the desktop argv and
/// `get_current()` both report a cold-start link; Android's `currentUrl` is never
/// cleared, `tauri-plugin-deep-link@2.6.3:android/src/main/java/DeepLinkPlugin.kt`).
const DUPLICATE_WINDOW: Duration = Duration::from_secs(30);

/// Static inputs of the glue.
#[derive(Debug, Clone)]
pub struct ShellSettings {
    /// The policy context (platform, our scheme, allowlist).
    pub ctx: Context,
    /// The page payhost opens first.
    pub start_url: String,
    /// The merchant's resume URL template.
    pub resume_url: Option<String>,
}

#[derive(Debug, Default)]
struct FlowState {
    ids: PaymentIds,
    /// The resume target offered after a restart, until the buyer chooses.
    offer: Option<String>,
    recent_links: VecDeque<(String, Instant)>,
    /// The webview that last handed the buyer to an app.
    active: Option<String>,
}

/// The glue between the WebView, the policy, the launcher and the pending record.
pub struct Shell {
    settings: ShellSettings,
    launcher: Arc<dyn Launcher>,
    webviews: Mutex<Vec<(String, Arc<dyn PaymentWebview>)>>,
    pending: PendingStore,
    flow: Arc<FlowLog>,
    state: Mutex<FlowState>,
    spawn: Spawn,
    results: ResultSink,
}

impl std::fmt::Debug for Shell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shell")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl Shell {
    /// The glue; attach each payment WebView with [`Shell::attach`] once it exists.
    pub fn new(
        settings: ShellSettings,
        launcher: Arc<dyn Launcher>,
        pending: PendingStore,
        flow: Arc<FlowLog>,
        spawn: Spawn,
        results: ResultSink,
    ) -> Arc<Self> {
        Arc::new(Self {
            settings,
            launcher,
            webviews: Mutex::new(Vec::new()),
            pending,
            flow,
            state: Mutex::new(FlowState::default()),
            spawn,
            results,
        })
    }

    /// The policy context the glue runs with.
    pub fn context(&self) -> &Context {
        &self.settings.ctx
    }

    /// The start page.
    pub fn start_url(&self) -> &str {
        &self.settings.start_url
    }

    /// Attaches a payment WebView under `label` (built after the glue, because its
    /// hooks call in); a label attached again replaces the old one.
    pub fn attach(&self, label: &str, webview: Arc<dyn PaymentWebview>) {
        if let Ok(mut webviews) = self.webviews.lock() {
            webviews.retain(|(known, _)| known != label);
            webviews.push((label.to_owned(), webview));
        }
    }

    /// True when a payment WebView is attached under `label`.
    pub fn is_attached(&self, label: &str) -> bool {
        self.webviews
            .lock()
            .is_ok_and(|webviews| webviews.iter().any(|(known, _)| known == label))
    }

    /// Forgets a closed payment WebView.
    pub fn detach(&self, label: &str) {
        if let Ok(mut webviews) = self.webviews.lock() {
            webviews.retain(|(known, _)| known != label);
        }
    }

    fn webview(&self, label: &str) -> Option<Arc<dyn PaymentWebview>> {
        let webview = self.webviews.lock().ok().and_then(|webviews| {
            webviews
                .iter()
                .find(|(known, _)| known == label)
                .map(|(_, webview)| Arc::clone(webview))
        });
        if webview.is_none() {
            tracing::warn!("the payment WebView `{label}` is not attached");
        }
        webview
    }

    /// The webview a return link continues in: the one that last handed the buyer
    /// to an app while it is still open, else the first one attached.
    fn return_label(&self) -> Option<String> {
        let active = self
            .state
            .lock()
            .ok()
            .and_then(|state| state.active.clone());
        let webviews = self.webviews.lock().ok()?;
        active
            .filter(|label| webviews.iter().any(|(known, _)| known == label))
            .or_else(|| webviews.first().map(|(label, _)| label.clone()))
    }

    fn report(&self, kind: ResultKind, url: Option<String>, label: &str) {
        let ids = self.ids();
        (self.results)(PaymentResult {
            kind,
            url,
            merchant_uid: ids.merchant_uid,
            imp_uid: ids.imp_uid,
            window: label.to_owned(),
        });
    }

    fn spawn(self: &Arc<Self>, job: impl FnOnce(&Arc<Self>) + Send + 'static) {
        let this = Arc::clone(self);
        (self.spawn)(Box::new(move || job(&this)));
    }

    /// The navigation hook of the payment webview `label`: `true` lets it load `url`.
    pub fn on_navigation(self: &Arc<Self>, label: &str, url: &str) -> bool {
        let decision = classify(url, &self.settings.ctx);
        self.act(label, url, decision)
    }

    /// Acts on the policy's decision for a navigation; `true` lets it load.
    fn act(self: &Arc<Self>, label: &str, url: &str, decision: Decision) -> bool {
        let label = label.to_owned();
        self.flow.record(
            Step::Navigation,
            format!("{} {}", decision.action_name(), redact_url(url)),
        );
        match decision {
            Decision::Load => {
                self.note_loaded(&label, url);
                true
            }
            Decision::Launch(launch) => {
                let ids = self.ids();
                self.spawn(move |shell| shell.run_launch(&label, &launch, ids));
                false
            }
            Decision::External { target } => {
                self.spawn(move |shell| shell.run_external(&label, &target));
                false
            }
            Decision::Return { continue_at } => {
                match continue_at {
                    Some(target) => {
                        self.flow.record(
                            Step::DeepLink,
                            format!("in-page return, continue at {}", redact_url(&target)),
                        );
                        self.spawn(move |shell| shell.navigate(&label, &target));
                    }
                    None => self
                        .flow
                        .record(Step::DeepLink, "in-page return, the page continues"),
                }
                false
            }
            Decision::Block { reason } => {
                // Cancelled and shown over the page the buyer is on, never in its
                // place: every frame's navigation reaches this hook (wry forwards
                // sub-frames on Android, iOS and WebKitGTK alike), and a blocked
                // iframe must not take the checkout around it down with it.
                let message = pages::blocked_notice(&reason.message_ko(), &reason.to_string());
                self.flow.record(Step::Notice, format!("blocked: {reason}"));
                self.spawn(move |shell| shell.toast(&label, &message));
                false
            }
        }
    }

    /// The popup hook (desktop): `true` means "open it as a related child window";
    /// anything that is not a page goes through [`Shell::on_navigation`] (launcher,
    /// notice) and no window opens.
    pub fn on_new_window(self: &Arc<Self>, label: &str, url: &str) -> bool {
        let decision = classify(url, &self.settings.ctx);
        if decision == Decision::Load {
            self.flow
                .record(Step::Popup, format!("open {}", redact_url(url)));
            true
        } else {
            self.flow
                .record(Step::Popup, format!("not a page: {}", redact_url(url)));
            let _ = self.act(label, url, decision);
            false
        }
    }

    fn ids(&self) -> PaymentIds {
        self.state
            .lock()
            .map(|state| state.ids.clone())
            .unwrap_or_default()
    }

    /// A page the WebView is about to load: remember the payment ids it carries,
    /// settle a pending resume offer, clear the record at the merchant's return page.
    fn note_loaded(self: &Arc<Self>, label: &str, url: &str) {
        let is_web = url.starts_with("http://") || url.starts_with("https://");
        let mut resolved_offer = None;
        if let Ok(mut state) = self.state.lock() {
            state.ids.merge(PaymentIds::from_url(url));
            if is_web {
                resolved_offer = state.offer.take();
            }
        }
        let mut resumed = false;
        if let Some(offer) = resolved_offer {
            if offer == url {
                self.flow
                    .record(Step::Resume, format!("resumed at {}", redact_url(url)));
                self.report(ResultKind::Resumed, Some(url.to_owned()), label);
                resumed = true;
            } else {
                self.flow.record(
                    Step::Resume,
                    "the buyer started over; the payment is abandoned",
                );
                self.spawn(|shell| shell.clear_pending("abandoned"));
            }
        }
        if self.settings.ctx.returns().is_merchant_return(url) {
            // The resume page is usually the merchant's: one result, `resumed`.
            if !resumed {
                self.report(ResultKind::Returned, Some(url.to_owned()), label);
            }
            self.spawn(|shell| shell.clear_pending("reached the merchant's return page"));
        }
    }

    fn clear_pending(&self, why: &str) {
        match self.pending.load() {
            Ok(None) => {}
            Ok(Some(_)) | Err(_) => match self.pending.clear() {
                Ok(()) => self.flow.record(Step::Pending, format!("cleared: {why}")),
                Err(err) => tracing::warn!("{err}"),
            },
        }
    }

    fn navigate(&self, label: &str, url: &str) {
        if let Some(webview) = self.webview(label) {
            webview.navigate(url);
        }
    }

    fn toast(&self, label: &str, message: &str) {
        if let Some(webview) = self.webview(label) {
            webview.show_toast(message);
        }
    }

    /// Saves the pending record, opens the app, walks the fallbacks.
    fn run_launch(&self, label: &str, launch: &Launch, ids: PaymentIds) {
        if let Ok(mut state) = self.state.lock() {
            state.active = Some(label.to_owned());
        }
        let left_url = self
            .webview(label)
            .and_then(|webview| webview.current_url())
            .unwrap_or_else(|| self.settings.start_url.clone());
        let app_scheme = launch
            .target
            .split(':')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        let record = PendingPayment {
            left_url,
            merchant_uid: ids.merchant_uid,
            imp_uid: ids.imp_uid,
            app_scheme,
            created_at_ms: now_ms(),
        };
        match self.pending.save(&record) {
            Ok(()) => self.flow.record(
                Step::Pending,
                format!(
                    "saved before the hand-off (merchant_uid {})",
                    record.merchant_uid.as_deref().unwrap_or("unknown")
                ),
            ),
            // The launch still goes ahead: the merchant's server has the payment.
            Err(err) => tracing::warn!("{err}"),
        }
        let name = launch.app.map(payhost_core::schemes::App::display_name);
        self.flow.record(
            Step::Launch,
            format!(
                "{} {}",
                name.as_deref().unwrap_or("unknown app"),
                redact_url(&launch.target)
            ),
        );
        let request = OpenRequest {
            url: launch.target.clone(),
            intent: launch.intent.clone(),
        };
        let Err(err) = self.launcher.open(&request) else {
            return;
        };
        self.flow.record(Step::LaunchFailed, failure_text(&err));
        for fallback in &launch.fallbacks {
            self.flow.record(
                Step::Fallback,
                format!("{} {}", fallback.kind.as_str(), redact_url(&fallback.url)),
            );
            match fallback.opens {
                Opens::InWebView => {
                    self.navigate(label, &fallback.url);
                    return;
                }
                Opens::Externally => {
                    let request = OpenRequest {
                        url: fallback.url.clone(),
                        intent: None,
                    };
                    match self.launcher.open(&request) {
                        Ok(()) => return,
                        Err(err) => self.flow.record(Step::LaunchFailed, failure_text(&err)),
                    }
                }
            }
        }
        // Nothing opened: the buyer never left, so there is nothing to resume.
        self.clear_pending("no app could be opened");
        let retry = launch.intent.as_deref().unwrap_or(&launch.target);
        self.flow.record(
            Step::Notice,
            format!("app missing: {}", name.as_deref().unwrap_or("unknown app")),
        );
        self.report(ResultKind::LaunchFailed, Some(retry.to_owned()), label);
        self.navigate(
            label,
            &pages::data_url(&pages::app_missing(name.as_deref(), retry)),
        );
    }

    fn run_external(&self, label: &str, target: &str) {
        self.flow
            .record(Step::Launch, format!("external {}", redact_url(target)));
        let request = OpenRequest {
            url: target.to_owned(),
            intent: None,
        };
        if let Err(err) = self.launcher.open(&request) {
            self.flow.record(Step::LaunchFailed, failure_text(&err));
            self.flow
                .record(Step::Notice, "store link could not be opened");
            self.report(ResultKind::LaunchFailed, Some(target.to_owned()), label);
            self.navigate(
                label,
                &pages::data_url(&pages::app_missing(Some("스토어 / the app store"), target)),
            );
        }
    }

    /// A return deep link from the OS (warm: single-instance or `onNewIntent`).
    ///
    /// Links of other schemes are the app's own (its tauri-plugin-deep-link
    /// listener gets them too): payhost leaves them alone, with no notice.
    pub fn on_deep_link(self: &Arc<Self>, link: &str) {
        let action = parse_return(link, self.settings.ctx.returns());
        if action == ReturnAction::Reject(RejectReason::NotOurScheme) {
            tracing::debug!("not a payhost link, left to the app: {}", redact_url(link));
            return;
        }
        if self.is_duplicate(link) {
            self.flow.record(
                Step::DeepLink,
                format!("duplicate ignored {}", redact_url(link)),
            );
            return;
        }
        self.flow.record(
            Step::DeepLink,
            format!("{} {}", action.action_name(), redact_url(link)),
        );
        let Some(label) = self.return_label() else {
            tracing::warn!("a return link came while no payment webview is open");
            return;
        };
        match action {
            ReturnAction::Navigate(target) => {
                // A return link that arrives while the resume offer is shown (iOS
                // delivers the cold-start link only after the first page) answers
                // the offer: the buyer is back from the app, nothing was abandoned.
                let answered = self
                    .state
                    .lock()
                    .ok()
                    .and_then(|mut state| state.offer.take());
                if answered.is_some() {
                    self.flow
                        .record(Step::Resume, "the return link answered the resume offer");
                }
                self.spawn(move |shell| shell.navigate(&label, &target));
            }
            ReturnAction::Resume => {}
            ReturnAction::Reject(reason) => {
                tracing::warn!("rejected deep link: {reason}");
                let message = format!(
                    "허용되지 않은 링크를 무시했습니다 / Ignored a link payhost does not trust: {}",
                    reason.message_ko()
                );
                self.report(ResultKind::Rejected, Some(link.to_owned()), &label);
                self.spawn(move |shell| shell.toast(&label, &message));
            }
        }
    }

    fn is_duplicate(&self, link: &str) -> bool {
        let Ok(mut state) = self.state.lock() else {
            return false;
        };
        let now = Instant::now();
        state
            .recent_links
            .retain(|(_, at)| now.duration_since(*at) < DUPLICATE_WINDOW);
        if state.recent_links.iter().any(|(seen, _)| seen == link) {
            return true;
        }
        state.recent_links.push_back((link.to_owned(), now));
        false
    }

    /// The first page: a cold-start deep link's target, else an offer to resume a
    /// pending payment, else the start URL. Called once, before the window is built
    /// (so no navigation can be lost to timing, tauri-apps/tauri#14939).
    pub fn first_page(self: &Arc<Self>, launch_links: &[String]) -> String {
        for link in launch_links {
            if !link.contains(':') || self.is_duplicate(link) {
                continue;
            }
            let action = parse_return(link, self.settings.ctx.returns());
            self.flow.record(
                Step::DeepLink,
                format!("cold start: {} {}", action.action_name(), redact_url(link)),
            );
            if let ReturnAction::Navigate(target) = action {
                return target;
            }
        }
        match self.pending.load() {
            Ok(Some(record)) if now_ms().saturating_sub(record.created_at_ms) <= MAX_AGE_MS => {
                let ids = PaymentIds {
                    merchant_uid: record.merchant_uid.clone(),
                    imp_uid: record.imp_uid.clone(),
                };
                let resume = self
                    .settings
                    .resume_url
                    .as_deref()
                    .and_then(|template| expand_resume_url(template, &ids))
                    .unwrap_or_else(|| record.left_url.clone());
                self.flow.record(
                    Step::Resume,
                    format!(
                        "offer to resume at {} (left {})",
                        redact_url(&resume),
                        host_for_display(&record.left_url)
                    ),
                );
                if let Ok(mut state) = self.state.lock() {
                    state.ids = ids;
                    state.offer = Some(resume.clone());
                }
                return pages::data_url(&pages::resume_offer(
                    &resume,
                    &self.settings.start_url,
                    record.merchant_uid.as_deref(),
                ));
            }
            Ok(Some(_)) => self.clear_pending("older than 24 hours"),
            Ok(None) => {}
            Err(err) => tracing::warn!("{err}"),
        }
        self.settings.start_url.clone()
    }

    /// The HTML for a page that failed to load.
    pub fn load_failed_page(&self, url: &str, error: &str) -> String {
        let host = host_for_display(url);
        self.flow
            .record(Step::LoadError, format!("{host}: {error}"));
        pages::load_error(&host, error)
    }
}

fn failure_text(err: &LaunchError) -> String {
    // The launcher's message can quote the URL (xdg-open does): keep only its kind.
    match err {
        LaunchError::NotFound(_) => "no app handles it".to_owned(),
        LaunchError::Failed(_) => "the launcher failed".to_owned(),
    }
}
