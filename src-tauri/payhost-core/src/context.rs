//! What the policy needs to know about the app it runs in: the platform, our own
//! app scheme(s) and the hosts a return link may lead to.
//!
//! Built once from configuration (validated here, so that a bad `app_scheme` or
//! host stops the app with a message naming it) and then passed by reference to
//! every `classify` / `parse_return` call.

use std::fmt;
use std::str::FromStr;

use crate::hosts::HostAllowlist;
use crate::schemes;

/// The platform the WebView runs on; store fallbacks and store-link handling
/// depend on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Platform {
    /// Android (WebView; `intent:` URLs arrive here).
    Android,
    /// iOS (WKWebView).
    Ios,
    /// Linux, Windows or macOS desktop (WebKitGTK, WebView2, WKWebView).
    Desktop,
}

impl Platform {
    /// The lower-case name used on the command line and in case tables.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Android => "android",
            Self::Ios => "ios",
            Self::Desktop => "desktop",
        }
    }
}

impl FromStr for Platform {
    type Err = ConfigError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.to_ascii_lowercase().as_str() {
            "android" => Ok(Self::Android),
            "ios" => Ok(Self::Ios),
            "desktop" | "linux" | "windows" | "macos" => Ok(Self::Desktop),
            _ => Err(ConfigError::new(ConfigErrorKind::UnknownPlatform, text)),
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The app scheme payhost uses when configuration names none.
pub const DEFAULT_APP_SCHEME: &str = "payhost";

/// Schemes that can never be ours: the web, the system and the policy's own.
const RESERVED_SCHEMES: &[&str] = &[
    "http",
    "https",
    "about",
    "data",
    "blob",
    "file",
    "content",
    "javascript",
    "vbscript",
    "intent",
    "android-app",
    "market",
    "itms",
    "itmss",
    "itms-apps",
    "chrome",
    "ws",
    "wss",
    "ftp",
    "mailto",
    "tel",
    "sms",
];

/// Context for [`parse_return`](crate::parse_return): our scheme(s) and the host
/// allowlist.
#[derive(Debug, Clone)]
pub struct ReturnContext {
    app_schemes: Vec<String>,
    hosts: HostAllowlist,
}

impl ReturnContext {
    /// Validates and normalises the app schemes (`myapp`, `myapp:` and `myapp://`
    /// are the same scheme: the SDKs disagree on the format,
    /// portone-io/iamport-react-native#257, portone-io/developers.portone.io#483) and
    /// adds the merchant's hosts to the built-in allowlist.
    ///
    /// # Errors
    /// A scheme that is not a valid scheme, is a web/system scheme or a payment
    /// app's scheme; a host that is not a host name, an IP address or `host:port`,
    /// or that is a public suffix (`co.kr`, `github.io`).
    pub fn new<S: AsRef<str>, H: AsRef<str>>(
        app_schemes: &[S],
        merchant_hosts: &[H],
    ) -> Result<Self, ConfigError> {
        let mut normalised = Vec::with_capacity(app_schemes.len());
        for scheme in app_schemes {
            let scheme = normalise_app_scheme(scheme.as_ref())?;
            if !normalised.contains(&scheme) {
                normalised.push(scheme);
            }
        }
        Ok(Self {
            app_schemes: normalised,
            hosts: HostAllowlist::with_merchant_hosts(merchant_hosts)?,
        })
    }

    /// Our schemes, lower case, without `:` or `//`.
    pub fn app_schemes(&self) -> &[String] {
        &self.app_schemes
    }

    /// The hosts a return link may lead to.
    pub fn hosts(&self) -> &HostAllowlist {
        &self.hosts
    }

    /// True when `scheme` (any case) is one of ours.
    pub fn is_app_scheme(&self, scheme: &str) -> bool {
        self.app_schemes
            .iter()
            .any(|ours| ours.eq_ignore_ascii_case(scheme))
    }
}

/// Context for [`classify`](crate::classify).
#[derive(Debug, Clone)]
pub struct Context {
    platform: Platform,
    returns: ReturnContext,
}

impl Context {
    /// A context for `platform` with the given return context.
    pub fn new(platform: Platform, returns: ReturnContext) -> Self {
        Self { platform, returns }
    }

    /// The platform.
    pub fn platform(&self) -> Platform {
        self.platform
    }

    /// Our schemes and allowlist.
    pub fn returns(&self) -> &ReturnContext {
        &self.returns
    }
}

fn normalise_app_scheme(raw: &str) -> Result<String, ConfigError> {
    let trimmed = raw.trim();
    let bare = trimmed
        .strip_suffix("://")
        .or_else(|| trimmed.strip_suffix(':'))
        .unwrap_or(trimmed)
        .to_ascii_lowercase();
    if crate::text::scheme_of(&format!("{bare}:")) != Some(bare.as_str()) {
        return Err(ConfigError::new(ConfigErrorKind::InvalidAppScheme, raw));
    }
    if RESERVED_SCHEMES.contains(&bare.as_str()) {
        return Err(ConfigError::new(ConfigErrorKind::ReservedAppScheme, raw));
    }
    if schemes::table().lookup(&bare).is_some() {
        return Err(ConfigError::new(ConfigErrorKind::PaymentAppScheme, raw));
    }
    Ok(bare)
}

/// A configuration value the policy cannot work with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    kind: ConfigErrorKind,
    value: String,
}

/// The kinds of [`ConfigError`].
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigErrorKind {
    /// Not `android`, `ios` or `desktop`.
    UnknownPlatform,
    /// Not a URL scheme (letters, digits, `+-._`, starting with a letter).
    InvalidAppScheme,
    /// A web or system scheme (`https`, `intent`, `market`, …).
    ReservedAppScheme,
    /// A payment app's scheme from the table (`ispmobile`, …).
    PaymentAppScheme,
    /// Not a host name, IP address or `host:port`.
    InvalidHost,
    /// A public suffix or shared hosting domain, which would allow anyone's site.
    PublicSuffixHost,
}

impl ConfigError {
    pub(crate) fn new(kind: ConfigErrorKind, value: &str) -> Self {
        Self {
            kind,
            value: value.to_owned(),
        }
    }

    /// What is wrong.
    pub fn kind(&self) -> ConfigErrorKind {
        self.kind
    }

    /// The offending value.
    pub fn value(&self) -> &str {
        &self.value
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let value = &self.value;
        match self.kind {
            ConfigErrorKind::UnknownPlatform => {
                write!(f, "unknown platform `{value}` (android, ios or desktop)")
            }
            ConfigErrorKind::InvalidAppScheme => write!(
                f,
                "`{value}` is not a URL scheme (a letter, then letters, digits, `+`, `-`, `.`, `_`)"
            ),
            ConfigErrorKind::ReservedAppScheme => {
                write!(f, "`{value}` is a web or system scheme and cannot be the app scheme")
            }
            ConfigErrorKind::PaymentAppScheme => {
                write!(f, "`{value}` is a payment app's scheme and cannot be the app scheme")
            }
            ConfigErrorKind::InvalidHost => {
                write!(f, "`{value}` is not a host name, IP address or host:port")
            }
            ConfigErrorKind::PublicSuffixHost => write!(
                f,
                "`{value}` is a public suffix or shared hosting domain; name the merchant's own domain"
            ),
        }
    }
}

impl std::error::Error for ConfigError {}
