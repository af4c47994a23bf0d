//! The payment-app scheme table (`data/schemes.toml`), parsed once.
//!
//! One data file instead of the drifting per-platform copies the SDKs carry
//! (the `# disagreement:` notes of the file record their typos and conflicts). The
//! runtime lookup, the Android `<queries>` list and the iOS
//! `LSApplicationQueriesSchemes` list are all derived from it here, so a scheme
//! added to the file reaches every platform at once.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use serde::Deserialize;

use crate::Platform;

/// iOS 15+ reads only the first 50 `LSApplicationQueriesSchemes` entries
/// (`tosspayments/payment-sdk-ios#48`; PRN README; "canOpenURL limit" in
/// `docs/sources.md`).
pub const IOS_QUERY_SCHEMES_LIMIT: usize = 50;

const SCHEMES_TOML: &str = include_str!("../data/schemes.toml");

/// What kind of app a row describes.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    /// Bank apps and account transfer (BankPay and the bank-pay schemes).
    Bank,
    /// ISP/페이북.
    Isp,
    /// Card companies: app cards, 안심클릭, certificates.
    Card,
    /// Easy-pay apps and portals (KakaoPay, Toss, PAYCO, Naver, …).
    Easypay,
    /// Security (백신) apps some card pages require.
    Security,
    /// Identity verification (PASS).
    Identity,
    /// Overseas wallets.
    Wallet,
    /// Anything else.
    Other,
}

/// One row of the table: an app and the schemes it answers to.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct App {
    /// Every scheme of this row, lower case; the first is canonical.
    pub schemes: Vec<String>,
    /// Korean name.
    pub ko: String,
    /// English name.
    pub en: String,
    /// What kind of app.
    pub category: Category,
    /// Android packages; the first is launched and used for the store fallback.
    #[serde(default)]
    pub android_packages: Vec<String>,
    /// App Store id.
    #[serde(default)]
    pub ios_app_store_id: Option<u64>,
    /// Platforms whose pages emit these schemes.
    #[serde(default = "both_platforms")]
    pub platforms: Vec<TablePlatform>,
    /// Order in the iOS query list (1 first).
    #[serde(default = "lowest_priority")]
    pub ios_priority: u8,
    /// The same app's scheme on the other platform.
    #[serde(default)]
    pub counterpart: Option<String>,
    /// Seen only in old PG snippets.
    #[serde(default)]
    pub legacy: bool,
}

/// A platform as the table names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TablePlatform {
    /// Android pages.
    Android,
    /// iOS pages.
    Ios,
}

fn both_platforms() -> Vec<TablePlatform> {
    vec![TablePlatform::Android, TablePlatform::Ios]
}

fn lowest_priority() -> u8 {
    3
}

impl App {
    /// The package payhost launches and sends the buyer to the store for.
    pub fn android_package(&self) -> Option<&str> {
        self.android_packages.first().map(String::as_str)
    }

    /// "Korean (English)", as payhost shows it.
    pub fn display_name(&self) -> String {
        if self.ko == self.en {
            self.ko.clone()
        } else {
            format!("{} ({})", self.ko, self.en)
        }
    }

    /// The store page to open when the app is missing on `platform`.
    pub fn store_url(&self, platform: Platform) -> Option<String> {
        match platform {
            Platform::Android => self.android_package().map(market_url),
            Platform::Ios => self.ios_app_store_id.map(app_store_url),
            Platform::Desktop => None,
        }
    }

    fn emitted_on(&self, platform: TablePlatform) -> bool {
        self.platforms.contains(&platform)
    }
}

/// `market://details?id=PKG`: Google Play's own scheme, which the Play app (and
/// nothing else) handles.
pub fn market_url(package: &str) -> String {
    format!("market://details?id={package}")
}

/// `itms-apps://itunes.apple.com/app/idNNN`: opens the App Store app directly
/// (FL, IOS and TOSS's iOS SDK open this form; short names of `docs/sources.md`).
pub fn app_store_url(id: u64) -> String {
    format!("itms-apps://itunes.apple.com/app/id{id}")
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TableFile {
    app: Vec<App>,
}

/// The parsed table with its case-insensitive index.
#[derive(Debug)]
pub struct SchemeTable {
    apps: Vec<App>,
    by_scheme: HashMap<String, usize>,
    load_error: Option<String>,
}

static TABLE: LazyLock<SchemeTable> = LazyLock::new(|| SchemeTable::parse(SCHEMES_TOML));

/// The table embedded from `data/schemes.toml`.
pub fn table() -> &'static SchemeTable {
    &TABLE
}

impl SchemeTable {
    /// Parses a table. A table that does not parse yields an empty table plus
    /// [`load_error`](Self::load_error): the embedded one is checked by a test, so
    /// this never happens in a build that passed its tests, and if it did, payhost
    /// would still launch every app (without store fallbacks) instead of crashing.
    pub fn parse(text: &str) -> Self {
        match toml::from_str::<TableFile>(text) {
            Ok(file) => {
                let mut by_scheme = HashMap::new();
                for (index, app) in file.app.iter().enumerate() {
                    for scheme in &app.schemes {
                        // First row wins; `problems` reports the duplicate.
                        by_scheme
                            .entry(scheme.to_ascii_lowercase())
                            .or_insert(index);
                    }
                }
                Self {
                    apps: file.app,
                    by_scheme,
                    load_error: None,
                }
            }
            Err(err) => Self {
                apps: Vec::new(),
                by_scheme: HashMap::new(),
                load_error: Some(err.to_string()),
            },
        }
    }

    /// Why the table failed to parse, if it did.
    pub fn load_error(&self) -> Option<&str> {
        self.load_error.as_deref()
    }

    /// Every row.
    pub fn apps(&self) -> &[App] {
        &self.apps
    }

    /// The row for `scheme`, matched case-insensitively.
    pub fn lookup(&self, scheme: &str) -> Option<&App> {
        let index = if scheme.bytes().any(|b| b.is_ascii_uppercase()) {
            self.by_scheme.get(&scheme.to_ascii_lowercase())
        } else {
            self.by_scheme.get(scheme)
        };
        index.and_then(|&index| self.apps.get(index))
    }

    /// Every Android package of the table, deduplicated, in table order: the
    /// `<package android:name=…/>` entries of the manifest's `<queries>` block, which
    /// Android 11+ needs before it lets payhost see (and so launch or check) an app
    /// ("Android package visibility" in `docs/sources.md`).
    pub fn android_query_packages(&self) -> Vec<&str> {
        let mut seen = HashSet::new();
        self.apps
            .iter()
            .flat_map(|app| app.android_packages.iter())
            .map(String::as_str)
            .filter(|package| seen.insert(*package))
            .collect()
    }

    /// The iOS `LSApplicationQueriesSchemes` list: schemes that iOS pages emit, by
    /// `ios_priority` and then table order, deduplicated, legacy rows left out, at
    /// most [`IOS_QUERY_SCHEMES_LIMIT`]. payhost itself never gates on `canOpenURL`
    /// (its 50-entry limit; TOSS, BP and IOS call `open()` and read its result
    /// instead); the list is for the merchant's other code.
    pub fn ios_query_schemes(&self) -> Vec<&str> {
        let mut rows: Vec<&App> = self
            .apps
            .iter()
            .filter(|app| app.emitted_on(TablePlatform::Ios) && !app.legacy)
            .collect();
        rows.sort_by_key(|app| app.ios_priority); // stable: keeps table order
        let mut seen = HashSet::new();
        rows.iter()
            .flat_map(|app| app.schemes.iter())
            .map(String::as_str)
            .filter(|scheme| seen.insert(*scheme))
            .take(IOS_QUERY_SCHEMES_LIMIT)
            .collect()
    }

    /// Consistency problems of the table, for its tests: duplicate schemes,
    /// schemes that are not lower-case valid schemes, counterparts that do not exist,
    /// rows with neither a scheme nor a package, priorities out of range.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if let Some(err) = &self.load_error {
            problems.push(format!("does not parse: {err}"));
        }
        let mut seen = HashMap::new();
        for (index, app) in self.apps.iter().enumerate() {
            let row = format!("row {} ({})", index + 1, app.en);
            if app.schemes.is_empty() && app.android_packages.is_empty() {
                problems.push(format!("{row}: neither a scheme nor a package"));
            }
            if !(1..=3).contains(&app.ios_priority) {
                problems.push(format!("{row}: ios_priority must be 1, 2 or 3"));
            }
            if app.platforms.is_empty() {
                problems.push(format!("{row}: no platform"));
            }
            for scheme in &app.schemes {
                let valid = crate::text::scheme_of(&format!("{scheme}:")) == Some(scheme);
                if !valid || scheme.bytes().any(|b| b.is_ascii_uppercase()) {
                    problems.push(format!("{row}: `{scheme}` is not a lower-case scheme"));
                }
                if let Some(first) = seen.insert(scheme.clone(), index) {
                    problems.push(format!("{row}: `{scheme}` already in row {}", first + 1));
                }
            }
            for package in &app.android_packages {
                let valid = package.split('.').count() >= 2
                    && package.split('.').all(|part| {
                        part.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
                            && part.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
                    });
                if !valid {
                    problems.push(format!("{row}: `{package}` is not an Android package name"));
                }
            }
        }
        for app in &self.apps {
            if let Some(counterpart) = &app.counterpart {
                if self.lookup(counterpart).is_none() {
                    problems.push(format!(
                        "{}: counterpart `{counterpart}` is missing",
                        app.en
                    ));
                }
            }
        }
        problems
    }
}
