//! The JSON shape of a decision, fixed by the `payhost-explain` contract and shared
//! by the case tables, so what QA reads and what the tests check are one thing.
//!
//! Navigation: `{"url","action","target","intent","package","app","fallbacks":[{"kind","url"}],"continue","reason"}`;
//! deep link: `{"url","action","target","reason"}`; absent keys are omitted.

use serde::ser::{SerializeMap, SerializeStruct};
use serde::{Serialize, Serializer};

use crate::classify::{Decision, Fallback};
use crate::return_link::ReturnAction;

/// A navigation decision with the URL it is about.
#[derive(Debug, Clone, Copy)]
pub struct NavigationReport<'a> {
    /// The URL as given.
    pub url: &'a str,
    /// What payhost does with it.
    pub decision: &'a Decision,
}

/// A deep-link decision with the link it is about.
#[derive(Debug, Clone, Copy)]
pub struct ReturnReport<'a> {
    /// The link as given.
    pub url: &'a str,
    /// What payhost does with it.
    pub action: &'a ReturnAction,
}

impl Decision {
    /// `load`, `launch`, `external`, `return` or `block`.
    pub fn action_name(&self) -> &'static str {
        match self {
            Self::Load => "load",
            Self::Launch(_) => "launch",
            Self::External { .. } => "external",
            Self::Return { .. } => "return",
            Self::Block { .. } => "block",
        }
    }
}

impl ReturnAction {
    /// `navigate`, `resume` or `reject`.
    pub fn action_name(&self) -> &'static str {
        match self {
            Self::Navigate(_) => "navigate",
            Self::Resume => "resume",
            Self::Reject(_) => "reject",
        }
    }
}

struct Fallbacks<'a>(&'a [Fallback]);

impl Serialize for Fallbacks<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(FallbackJson))
    }
}

struct FallbackJson<'a>(&'a Fallback);

impl Serialize for FallbackJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut object = serializer.serialize_struct("Fallback", 2)?;
        object.serialize_field("kind", self.0.kind.as_str())?;
        object.serialize_field("url", &self.0.url)?;
        object.end()
    }
}

impl Serialize for NavigationReport<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("url", self.url)?;
        map.serialize_entry("action", self.decision.action_name())?;
        match self.decision {
            Decision::Load => {}
            Decision::Launch(launch) => {
                map.serialize_entry("target", &launch.target)?;
                if let Some(intent) = &launch.intent {
                    map.serialize_entry("intent", intent)?;
                }
                if let Some(package) = &launch.package {
                    map.serialize_entry("package", package)?;
                }
                if let Some(app) = launch.app {
                    map.serialize_entry("app", &app.display_name())?;
                }
                map.serialize_entry("fallbacks", &Fallbacks(&launch.fallbacks))?;
                if let Some(note) = launch.note {
                    map.serialize_entry("reason", &note.to_string())?;
                }
            }
            Decision::External { target } => map.serialize_entry("target", target)?,
            Decision::Return { continue_at } => {
                if let Some(target) = continue_at {
                    map.serialize_entry("continue", target)?;
                }
            }
            Decision::Block { reason } => map.serialize_entry("reason", &reason.to_string())?,
        }
        map.end()
    }
}

impl Serialize for ReturnReport<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("url", self.url)?;
        map.serialize_entry("action", self.action.action_name())?;
        match self.action {
            ReturnAction::Navigate(target) => map.serialize_entry("target", target)?,
            ReturnAction::Resume => {}
            ReturnAction::Reject(reason) => map.serialize_entry("reason", &reason.to_string())?,
        }
        map.end()
    }
}
