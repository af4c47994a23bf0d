//! The host's settings (start page, app scheme, merchant hosts, resume URL, payment
//! webviews) and their
//! one validation, shared by the three places that read them: the app's build script
//! (the `plugins.payhost` section of `tauri.conf.json`, checked before anything is
//! compiled, because a phone only ever has what was compiled in), the app at start
//! (the same section embedded by `tauri::generate_context!`, then on desktop
//! `payhost.toml` and `PAYHOST_*` on top), and the tests.
//!
//! Pure: the caller reads the files; this module only parses text it is given and
//! says which field is wrong, in the spelling of the source the value came from.

use std::fmt;

use url::Url;

use crate::context::{ReturnContext, DEFAULT_APP_SCHEME};
use crate::payment::{expand_resume_url, PaymentIds};

/// The settings as written, every key optional: the `plugins.payhost` section of
/// `tauri.conf.json` ([`RawSettings::from_plugin_value`]), or `payhost.toml` and
/// `PAYHOST_*` layered on it by the desktop app.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawSettings {
    /// The merchant page payhost opens first (`https://…`).
    pub start_url: Option<String>,
    /// payhost's own scheme (`myapp`, `myapp:` or `myapp://`).
    pub app_scheme: Option<String>,
    /// The merchant's hosts a return link may lead to, beside the built-in list.
    pub return_hosts: Vec<String>,
    /// Where an interrupted payment resumes, with `{merchant_uid}` / `{imp_uid}`.
    pub resume_url: Option<String>,
    /// The labels of the payment webviews; `None`: every webview showing remote
    /// content.
    pub windows: Option<Vec<String>>,
}

/// Validated settings.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The start page, http(s).
    pub start_url: Option<Url>,
    /// Our scheme, normalised (lower case, no `:` or `//`).
    pub app_scheme: String,
    /// The merchant's hosts as configured.
    pub return_hosts: Vec<String>,
    /// The resume URL template.
    pub resume_url: Option<String>,
    /// The return policy built from the scheme and the hosts.
    pub returns: ReturnContext,
    /// The payment webviews' labels (`None`: every webview showing remote content).
    pub windows: Option<Vec<String>>,
}

/// A settings field, named as each source spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettingsField {
    /// `startUrl` / `start_url`.
    StartUrl,
    /// `appScheme` / `app_scheme`.
    AppScheme,
    /// `returnHosts` / `return_hosts`.
    ReturnHosts,
    /// `resumeUrl` / `resume_url`.
    ResumeUrl,
    /// `windows` (tauri.conf.json only).
    Windows,
}

impl SettingsField {
    /// The key in `payhost.toml` (and, upper-cased with `PAYHOST_`, the variable).
    pub fn toml_key(self) -> &'static str {
        match self {
            Self::StartUrl => "start_url",
            Self::AppScheme => "app_scheme",
            Self::ReturnHosts => "return_hosts",
            Self::ResumeUrl => "resume_url",
            Self::Windows => "windows",
        }
    }

    /// The key in `tauri.conf.json`.
    pub fn conf_key(self) -> &'static str {
        match self {
            Self::StartUrl => "plugins.payhost.startUrl",
            Self::AppScheme => "plugins.payhost.appScheme",
            Self::ReturnHosts => "plugins.payhost.returnHosts",
            Self::ResumeUrl => "plugins.payhost.resumeUrl",
            Self::Windows => "plugins.payhost.windows",
        }
    }
}

/// Why settings cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SettingsError {
    /// The text is not the expected JSON shape (a typo'd key, a number for a string).
    Shape {
        /// Where (`tauri.conf.json`).
        source: String,
        /// The parser's message, which names the key.
        message: String,
    },
    /// A field has a value payhost cannot use.
    Invalid {
        /// The field.
        field: SettingsField,
        /// What is wrong with it.
        message: String,
    },
    /// `appScheme` is not compiled into the phone builds' manifests.
    SchemeNotInMobileDeepLinks {
        /// Our scheme.
        scheme: String,
        /// The schemes of `plugins.deep-link.mobile`.
        mobile: Vec<String>,
    },
}

impl SettingsError {
    /// The field at fault, if one is.
    pub fn field(&self) -> Option<SettingsField> {
        match self {
            Self::Invalid { field, .. } => Some(*field),
            Self::SchemeNotInMobileDeepLinks { .. } => Some(SettingsField::AppScheme),
            Self::Shape { .. } => None,
        }
    }
}

impl fmt::Display for SettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Shape { source, message } => write!(f, "{source}: {message}"),
            Self::Invalid { field, message } => {
                write!(f, "`{}`: {message}", field.conf_key())
            }
            Self::SchemeNotInMobileDeepLinks { scheme, mobile } => write!(
                f,
                "`{}` is `{scheme}`, but `plugins.deep-link.mobile` declares {mobile:?}: a phone only \
                 receives the schemes compiled into its manifest, so add `{scheme}` there or change \
                 appScheme",
                SettingsField::AppScheme.conf_key()
            ),
        }
    }
}

impl std::error::Error for SettingsError {}

/// Every key of the section, with the field it fills.
const KEYS: [(&str, SettingsField); 5] = [
    ("startUrl", SettingsField::StartUrl),
    ("appScheme", SettingsField::AppScheme),
    ("returnHosts", SettingsField::ReturnHosts),
    ("resumeUrl", SettingsField::ResumeUrl),
    ("windows", SettingsField::Windows),
];

/// A webview label Tauri accepts: alphanumerics, `-`, `/`, `:` and `_`
/// (tauri 2.12.5 `src/window/mod.rs` `is_label_valid`).
fn is_valid_label(label: &str) -> bool {
    !label.is_empty()
        && label
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '/' | ':' | '_'))
}

impl RawSettings {
    /// Validates every field through the policy's own validators (the same
    /// `ReturnContext` the app runs with), naming the first field that is wrong.
    ///
    /// # Errors
    /// [`SettingsError::Invalid`] with the field.
    pub fn validate(&self) -> Result<Settings, SettingsError> {
        let invalid = |field, message: String| SettingsError::Invalid { field, message };
        let start_url = match self.start_url.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => {
                let url = Url::parse(text).map_err(|err| {
                    invalid(
                        SettingsField::StartUrl,
                        format!("`{text}` is not a URL ({err})"),
                    )
                })?;
                if !matches!(url.scheme(), "http" | "https") {
                    return Err(invalid(
                        SettingsField::StartUrl,
                        format!("`{text}` must be an http(s) URL"),
                    ));
                }
                Some(url)
            }
        };
        let scheme = self.app_scheme.as_deref().unwrap_or(DEFAULT_APP_SCHEME);
        let app_scheme = ReturnContext::new(&[scheme], &[] as &[&str])
            .map_err(|err| invalid(SettingsField::AppScheme, err.to_string()))?
            .app_schemes()
            .first()
            .cloned()
            .unwrap_or_else(|| DEFAULT_APP_SCHEME.to_owned());
        let returns = ReturnContext::new(&[app_scheme.as_str()], &self.return_hosts)
            .map_err(|err| invalid(SettingsField::ReturnHosts, err.to_string()))?;
        if let Some(template) = &self.resume_url {
            let probe = PaymentIds {
                merchant_uid: Some("probe".to_owned()),
                imp_uid: Some("probe".to_owned()),
            };
            if expand_resume_url(template, &probe).is_none() {
                return Err(invalid(
                    SettingsField::ResumeUrl,
                    format!(
                        "`{template}` must be an http(s) URL; it may contain {{merchant_uid}} and {{imp_uid}}"
                    ),
                ));
            }
        }
        if let Some(label) = self
            .windows
            .iter()
            .flatten()
            .find(|label| !is_valid_label(label))
        {
            return Err(invalid(
                SettingsField::Windows,
                format!("`{label}` is not a webview label (letters, digits, `-`, `/`, `:`, `_`)"),
            ));
        }
        Ok(Settings {
            start_url,
            app_scheme,
            return_hosts: self.return_hosts.clone(),
            resume_url: self.resume_url.clone(),
            returns,
            windows: self.windows.clone(),
        })
    }

    /// Reads the `plugins.payhost` section from a parsed Tauri configuration value
    /// (what `tauri::Config::plugins` holds at run time; absent or `null` means all
    /// defaults). Key by key, so a wrong type names its key (serde_json's own message
    /// does not) and an unknown key is refused rather than silently ignored.
    ///
    /// # Errors
    /// [`SettingsError::Shape`] naming the key.
    pub fn from_plugin_value(value: Option<&serde_json::Value>) -> Result<Self, SettingsError> {
        let shape = |message: String| SettingsError::Shape {
            source: "plugins.payhost".to_owned(),
            message,
        };
        let map = match value {
            None | Some(serde_json::Value::Null) => return Ok(Self::default()),
            Some(serde_json::Value::Object(map)) => map,
            Some(other) => return Err(shape(format!("must be an object, not `{other}`"))),
        };
        let mut raw = Self::default();
        for (key, value) in map {
            let Some((_, field)) = KEYS.iter().find(|(name, _)| name == key) else {
                let known: Vec<&str> = KEYS.iter().map(|(name, _)| *name).collect();
                return Err(shape(format!("unknown key `{key}` (known: {known:?})")));
            };
            let wrong =
                |expected: &str| shape(format!("`{key}` must be {expected}, not `{value}`"));
            let text = || value.as_str().map(str::to_owned);
            match field {
                SettingsField::StartUrl => {
                    raw.start_url = Some(text().ok_or_else(|| wrong("a string"))?)
                }
                SettingsField::AppScheme => {
                    raw.app_scheme = Some(text().ok_or_else(|| wrong("a string"))?)
                }
                SettingsField::ResumeUrl => {
                    raw.resume_url = Some(text().ok_or_else(|| wrong("a string"))?)
                }
                SettingsField::ReturnHosts => {
                    raw.return_hosts =
                        strings(value).ok_or_else(|| wrong("an array of strings"))?;
                }
                SettingsField::Windows => {
                    raw.windows = Some(strings(value).ok_or_else(|| wrong("an array of strings"))?);
                }
            }
        }
        Ok(raw)
    }
}

/// A JSON array of strings.
fn strings(value: &serde_json::Value) -> Option<Vec<String>> {
    value
        .as_array()?
        .iter()
        .map(|item| item.as_str().map(str::to_owned))
        .collect()
}

/// The mobile schemes of tauri-plugin-deep-link's section (plugins-workspace
/// `plugins/deep-link/src/config.rs`: `Config.mobile: Vec<AssociatedDomain>`, each
/// with `scheme: Vec<String>`), read leniently: deep-link validates its own section.
fn mobile_deep_link_schemes(deep_link: Option<&serde_json::Value>) -> Vec<String> {
    deep_link
        .and_then(|section| section.get("mobile"))
        .and_then(serde_json::Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|entry| entry.get("scheme").and_then(serde_json::Value::as_array))
        .flatten()
        .filter_map(|scheme| scheme.as_str().map(str::to_owned))
        .collect()
}

/// Checks that `app_scheme` is one of the schemes `plugins.deep-link.mobile` (the
/// section given) compiles into the Android manifest and the iOS `CFBundleURLTypes`:
/// a phone receives no other (desktop registers its scheme at run time, so it may
/// differ there).
///
/// # Errors
/// [`SettingsError::SchemeNotInMobileDeepLinks`].
pub fn check_mobile_scheme(
    app_scheme: &str,
    deep_link: Option<&serde_json::Value>,
) -> Result<(), SettingsError> {
    let mobile = mobile_deep_link_schemes(deep_link);
    if mobile
        .iter()
        .any(|scheme| scheme.eq_ignore_ascii_case(app_scheme))
    {
        Ok(())
    } else {
        Err(SettingsError::SchemeNotInMobileDeepLinks {
            scheme: app_scheme.to_owned(),
            mobile,
        })
    }
}

/// Checks the `plugins.payhost` and `plugins.deep-link` sections of a
/// `tauri.conf.json`: payhost's section is valid, and its `appScheme` (default
/// `payhost`) is a mobile deep-link scheme ([`check_mobile_scheme`]). The payhost
/// app's build script runs it on the whole file ([`check_tauri_conf`]);
/// tauri-plugin-payhost's build script on the two sections the Tauri CLI hands to
/// plugin build scripts (`TAURI_<NAME>_PLUGIN_CONFIG`, read by
/// `tauri-plugin@2.7.2:src/build/mod.rs` `plugin_config`).
///
/// # Errors
/// [`SettingsError`] naming the field.
pub fn check_plugin_sections(
    payhost: Option<&serde_json::Value>,
    deep_link: Option<&serde_json::Value>,
) -> Result<Settings, SettingsError> {
    let settings = RawSettings::from_plugin_value(payhost)?.validate()?;
    check_mobile_scheme(&settings.app_scheme, deep_link)?;
    Ok(settings)
}

/// [`check_plugin_sections`] on a whole `tauri.conf.json`, so a bad value fails the
/// build naming the key.
///
/// # Errors
/// [`SettingsError`] naming the field.
pub fn check_tauri_conf(json: &str) -> Result<Settings, SettingsError> {
    let conf: serde_json::Value =
        serde_json::from_str(json).map_err(|err| SettingsError::Shape {
            source: "tauri.conf.json".to_owned(),
            message: err.to_string(),
        })?;
    check_plugin_sections(
        conf.pointer("/plugins/payhost"),
        conf.pointer("/plugins/deep-link"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conf(payhost: &str, mobile: &str) -> String {
        format!(
            r#"{{"identifier":"x","plugins":{{"payhost":{payhost},"deep-link":{{"mobile":[{{"scheme":{mobile},"appLink":false}}]}}}}}}"#
        )
    }

    #[test]
    fn a_valid_section_yields_its_settings() {
        let settings = check_tauri_conf(&conf(
            r#"{"startUrl":"https://shop.example/pay","appScheme":"MyApp://","returnHosts":["shop.example"],"resumeUrl":"https://shop.example/r?m={merchant_uid}"}"#,
            r#"["myapp"]"#,
        ))
        .unwrap();
        assert_eq!(
            settings.start_url.as_ref().map(Url::as_str),
            Some("https://shop.example/pay")
        );
        assert_eq!(settings.app_scheme, "myapp");
        assert_eq!(settings.return_hosts, ["shop.example"]);
        assert_eq!(settings.windows, None);
        let listed =
            check_tauri_conf(&conf(r#"{"windows":["main","pay/1"]}"#, r#"["payhost"]"#)).unwrap();
        assert_eq!(
            listed.windows,
            Some(vec!["main".to_owned(), "pay/1".to_owned()])
        );
    }

    #[test]
    fn no_section_means_defaults_and_the_default_scheme_must_be_declared() {
        let json = r#"{"plugins":{"deep-link":{"mobile":[{"scheme":["payhost"]}]}}}"#;
        let settings = check_tauri_conf(json).unwrap();
        assert_eq!(settings.start_url, None);
        assert_eq!(settings.app_scheme, DEFAULT_APP_SCHEME);
        assert_eq!(
            check_tauri_conf(r#"{"plugins":{}}"#).unwrap_err().field(),
            Some(SettingsField::AppScheme)
        );
    }

    #[test]
    fn each_bad_value_names_its_field() {
        let cases: &[(&str, &str, SettingsField)] = &[
            (
                r#"{"startUrl":"ftp://x/"}"#,
                r#"["payhost"]"#,
                SettingsField::StartUrl,
            ),
            (
                r#"{"startUrl":"not a url"}"#,
                r#"["payhost"]"#,
                SettingsField::StartUrl,
            ),
            (
                r#"{"appScheme":"https"}"#,
                r#"["https"]"#,
                SettingsField::AppScheme,
            ),
            (
                r#"{"appScheme":"ispmobile"}"#,
                r#"["ispmobile"]"#,
                SettingsField::AppScheme,
            ),
            (
                r#"{"appScheme":"myapp"}"#,
                r#"["payhost"]"#,
                SettingsField::AppScheme,
            ),
            (
                r#"{"returnHosts":["co.kr"]}"#,
                r#"["payhost"]"#,
                SettingsField::ReturnHosts,
            ),
            (
                r#"{"resumeUrl":"javascript:{merchant_uid}"}"#,
                r#"["payhost"]"#,
                SettingsField::ResumeUrl,
            ),
            (
                r#"{"windows":["pay window"]}"#,
                r#"["payhost"]"#,
                SettingsField::Windows,
            ),
            (
                r#"{"windows":[""]}"#,
                r#"["payhost"]"#,
                SettingsField::Windows,
            ),
        ];
        for (payhost, mobile, field) in cases {
            let err = check_tauri_conf(&conf(payhost, mobile)).unwrap_err();
            assert_eq!(err.field(), Some(*field), "{payhost}: {err}");
            assert!(err.to_string().contains(field.conf_key()), "{err}");
        }
    }

    #[test]
    fn a_typo_or_a_wrong_type_is_refused_with_the_key() {
        for (payhost, key) in [
            (r#"{"startURL":"https://shop.example/"}"#, "startURL"),
            (r#"{"returnHosts":"shop.example"}"#, "returnHosts"),
            (r#"{"windows":"main"}"#, "windows"),
        ] {
            let err = check_tauri_conf(&conf(payhost, r#"["payhost"]"#)).unwrap_err();
            assert!(matches!(err, SettingsError::Shape { .. }), "{err}");
            assert!(err.to_string().contains(key), "{err}");
        }
    }

    #[test]
    fn the_runtime_value_reads_like_the_file() {
        let value: serde_json::Value =
            serde_json::from_str(r#"{"startUrl":"https://shop.example/"}"#).unwrap();
        let raw = RawSettings::from_plugin_value(Some(&value)).unwrap();
        assert_eq!(raw.start_url.as_deref(), Some("https://shop.example/"));
        assert_eq!(
            RawSettings::from_plugin_value(None).unwrap(),
            RawSettings::default()
        );
        assert!(RawSettings::from_plugin_value(Some(&serde_json::json!(3))).is_err());
    }

    #[test]
    fn the_scheme_check_reads_the_deep_link_section_alone() {
        // What the plugin's setup checks on a phone: the scheme it runs with (maybe set
        // in code) against the `plugins.deep-link` section it was compiled with.
        let section = serde_json::json!({"mobile": [{"scheme": ["MerchantApp"]}]});
        assert_eq!(check_mobile_scheme("merchantapp", Some(&section)), Ok(()));
        let err = check_mobile_scheme("payhost", Some(&section)).unwrap_err();
        assert_eq!(err.field(), Some(SettingsField::AppScheme));
        assert!(err.to_string().contains("MerchantApp"), "{err}");
        let none = check_mobile_scheme("payhost", None).unwrap_err();
        assert!(
            none.to_string().contains("plugins.deep-link.mobile"),
            "{none}"
        );
    }
}
