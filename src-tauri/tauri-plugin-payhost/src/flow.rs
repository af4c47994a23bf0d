//! The QA flow log: every decision payhost takes on a payment's way out and back
//! (navigation, launch, fallback, deep link, resume), with its time.
//!
//! Each step goes to `tracing`, to an in-memory list the QA panel shows, and, with
//! `--qa-log FILE`, to a JSON-lines file. URLs are redacted before they get here
//! (`payhost_core::redact_url`): payment URLs carry tokens in their queries.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::Path;
use std::sync::mpsc::{self, Sender};
use std::sync::Mutex;
use std::time::Instant;

use serde::Serialize;

/// What kind of step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Step {
    /// payhost started (with its start page).
    Start,
    /// A navigation and the policy's decision.
    Navigation,
    /// An app or store link handed to the launcher.
    Launch,
    /// The launcher could not open it.
    LaunchFailed,
    /// A fallback tried after a failed launch.
    Fallback,
    /// The buyer was told an app is missing, or a navigation was blocked.
    Notice,
    /// A return deep link and its action.
    DeepLink,
    /// The pending-payment record was written or cleared.
    Pending,
    /// payhost offered to resume, or resumed, a payment after a restart.
    Resume,
    /// A popup window.
    Popup,
    /// A page failed to load.
    LoadError,
    /// A page finished loading.
    PageLoad,
}

/// One step of the flow.
#[derive(Debug, Clone, Serialize)]
pub struct FlowEvent {
    /// Milliseconds since payhost started.
    pub at_ms: u64,
    /// What kind of step.
    pub step: Step,
    /// What happened, with redacted URLs.
    pub detail: String,
}

/// The log. Cheap to call from the navigation hook: a mutex push, a tracing line and,
/// with `--qa-log`, a message to the writer thread (the hook never touches the file).
#[derive(Debug)]
pub struct FlowLog {
    started: Instant,
    events: Mutex<Vec<FlowEvent>>,
    file: Option<Mutex<Sender<String>>>,
}

/// Steps kept in memory for the QA panel (older ones stay in the file and the log).
const KEEP: usize = 2_000;

impl FlowLog {
    /// A log that also appends JSON lines to `file` when given.
    ///
    /// # Errors
    /// When the file cannot be opened for appending.
    pub fn new(file: Option<&Path>) -> std::io::Result<Self> {
        let file = match file {
            Some(path) => {
                let mut file = OpenOptions::new().create(true).append(true).open(path)?;
                let (sender, lines) = mpsc::channel::<String>();
                std::thread::Builder::new()
                    .name("payhost-qa-log".to_owned())
                    .spawn(move || {
                        for line in lines {
                            // A full disk must not stop a payment: the line is lost, the
                            // flow goes on.
                            let _ = writeln!(file, "{line}");
                        }
                    })?;
                Some(Mutex::new(sender))
            }
            None => None,
        };
        Ok(Self {
            started: Instant::now(),
            events: Mutex::new(Vec::new()),
            file,
        })
    }

    /// Records a step.
    pub fn record(&self, step: Step, detail: impl Into<String>) {
        let event = FlowEvent {
            at_ms: u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX),
            step,
            detail: detail.into(),
        };
        tracing::info!(target: "payhost::flow", step = ?event.step, at_ms = event.at_ms, "{}", event.detail);
        if let Some(file) = &self.file {
            if let (Ok(sender), Ok(line)) = (file.lock(), serde_json::to_string(&event)) {
                let _ = sender.send(line);
            }
        }
        if let Ok(mut events) = self.events.lock() {
            if events.len() >= KEEP {
                events.remove(0);
            }
            events.push(event);
        }
    }

    /// Every step so far (the QA panel's view).
    pub fn events(&self) -> Vec<FlowEvent> {
        self.events.lock().map(|e| e.clone()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qa_log_file_gets_one_json_line_per_step() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("qa.jsonl");
        let log = FlowLog::new(Some(&path)).unwrap();
        log.record(Step::Navigation, "launch ispmobile://TID=1");
        log.record(
            Step::DeepLink,
            "navigate myapp://://https://shop.example/done?…",
        );
        // The writer thread appends asynchronously.
        let deadline = Instant::now() + std::time::Duration::from_secs(5);
        let mut text = String::new();
        while text.lines().count() < 2 && Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(10));
            text = std::fs::read_to_string(&path).unwrap_or_default();
        }
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["step"], "navigation");
        assert_eq!(lines[1]["step"], "deep-link");
        assert!(lines[1]["at_ms"].as_u64().unwrap() >= lines[0]["at_ms"].as_u64().unwrap());
        assert_eq!(log.events().len(), 2);
    }
}
