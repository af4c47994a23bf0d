//! payhost's configuration, in one place. Its base is the `plugins.payhost` section
//! of `tauri.conf.json`, embedded into the binary by `tauri::generate_context!` on
//! every target and checked by the build script (a phone has nothing else: no
//! config dir, no writable file beside its executable, no environment). On desktop,
//! `payhost.toml` (beside the executable, in the app config dir, or where
//! `PAYHOST_CONFIG` points) and then `PAYHOST_*` variables override it field by
//! field, so tests and QA can point the app anywhere.
//!
//! Loaded and validated before any window opens: an invalid value stops the app with
//! a message naming the field (the validation itself is payhost-core's
//! `settings`, so the build script, the shell and `payhost-explain` agree on what a
//! valid scheme or host is).

use std::path::{Path, PathBuf};

use payhost_core::settings::{RawSettings, SettingsError};
use payhost_core::ReturnContext;
use serde::Deserialize;
use url::Url;

/// The file name looked for beside the executable and in the app config dir.
pub const CONFIG_FILE: &str = "payhost.toml";

/// Validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The merchant page to open; `None` means the sandbox's shop (desktop), started
    /// in-process on `127.0.0.1:sandbox_port`, or on a phone a notice naming the key.
    pub start_url: Option<Url>,
    /// The loopback port of the in-process sandbox (fixed, so a return link still
    /// reaches it after payhost was killed and cold-started).
    pub sandbox_port: u16,
    /// Our own scheme, normalised (`myapp`, no `://`).
    pub app_scheme: String,
    /// The merchant's hosts, added to the core's return allowlist.
    pub return_hosts: Vec<String>,
    /// `https://shop.example/payments/resume?merchant_uid={merchant_uid}`.
    pub resume_url: Option<String>,
    /// Where the file came from, if one was read.
    pub source: Option<PathBuf>,
    /// The policy context built from the above.
    pub returns: ReturnContext,
}

/// Why the configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The embedded `plugins.payhost` section is unusable (the build script checks
    /// it, so only a binary built around that check gets here).
    #[error("tauri.conf.json: {0}")]
    Embedded(#[from] SettingsError),
    /// The file exists but cannot be read.
    #[error("cannot read `{path}`: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not valid TOML or has unknown keys.
    #[error("`{path}` is not a valid payhost.toml: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's message.
        message: String,
    },
    /// A field has a value payhost cannot use.
    #[error("configuration field `{field}`: {message}")]
    Invalid {
        /// The field (`start_url`, `app_scheme`, `return_hosts`, `resume_url`,
        /// `sandbox_port`).
        field: &'static str,
        /// What is wrong with it.
        message: String,
    },
}

/// `payhost.toml`: the desktop override of the embedded settings, snake_case.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    start_url: Option<String>,
    app_scheme: Option<String>,
    return_hosts: Option<Vec<String>>,
    resume_url: Option<String>,
    /// Any TOML value, checked by [`file_port`]: as `u16`, serde would refuse
    /// `70000` or `"8717"` with a message that names no key.
    sandbox_port: Option<toml::Value>,
}

/// The in-process sandbox's default port (not one of WebKit's blocked ports).
pub const DEFAULT_SANDBOX_PORT: u16 = 8717;

/// Where to look and what the environment says; a struct so tests need no real
/// environment.
#[derive(Debug, Default)]
pub struct Sources {
    /// The `plugins.payhost` section compiled into the app (the base on every
    /// platform, and the only source on a phone).
    pub embedded: RawSettings,
    /// `PAYHOST_CONFIG`: an explicit file (must exist).
    pub explicit_file: Option<PathBuf>,
    /// The directory of the executable.
    pub exe_dir: Option<PathBuf>,
    /// The app config dir (`$XDG_CONFIG_HOME/<identifier>` on Linux).
    pub config_dir: Option<PathBuf>,
    /// Environment overrides: `PAYHOST_START_URL`, `PAYHOST_APP_SCHEME`,
    /// `PAYHOST_RETURN_HOSTS` (comma-separated), `PAYHOST_RESUME_URL`,
    /// `PAYHOST_SANDBOX_PORT`.
    pub env: Vec<(String, String)>,
}

impl Sources {
    /// The process's real sources: on desktop the embedded section, the files and
    /// the environment; on Android and iOS the embedded section alone (there,
    /// `current_exe()` is `/system/bin/app_process64` or the read-only bundle, there
    /// is no config dir and no `PAYHOST_*`).
    pub fn from_process(embedded: RawSettings, config_dir: Option<PathBuf>) -> Self {
        if cfg!(mobile) {
            return Self {
                embedded,
                ..Self::default()
            };
        }
        Self {
            embedded,
            explicit_file: std::env::var_os("PAYHOST_CONFIG").map(PathBuf::from),
            exe_dir: std::env::current_exe()
                .ok()
                .and_then(|exe| exe.parent().map(Path::to_path_buf)),
            config_dir,
            env: std::env::vars()
                .filter(|(key, _)| key.starts_with("PAYHOST_"))
                .collect(),
        }
    }

    fn env(&self, key: &str) -> Option<&str> {
        self.env
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// Reads and validates the configuration: the embedded section first (its errors
/// name the `tauri.conf.json` key), then the overrides (their errors name the
/// `payhost.toml` field).
///
/// # Errors
/// [`LoadError`] naming the source and the field.
pub fn load(sources: &Sources) -> Result<Config, LoadError> {
    sources.embedded.validate()?;
    let (file, source) = read_file(sources)?;
    let mut raw = sources.embedded.clone();
    let text = |value: Option<String>| value.filter(|v| !v.trim().is_empty());
    if let Some(value) = file.start_url {
        raw.start_url = text(Some(value));
    }
    if let Some(value) = file.app_scheme {
        raw.app_scheme = Some(value);
    }
    if let Some(value) = file.return_hosts {
        raw.return_hosts = value;
    }
    if let Some(value) = file.resume_url {
        raw.resume_url = text(Some(value));
    }
    let mut sandbox_port = file.sandbox_port.as_ref().map(file_port).transpose()?;
    if let Some(value) = sources.env("PAYHOST_START_URL") {
        raw.start_url = text(Some(value.to_owned()));
    }
    if let Some(value) = sources.env("PAYHOST_APP_SCHEME") {
        raw.app_scheme = Some(value.to_owned());
    }
    if let Some(value) = sources.env("PAYHOST_RETURN_HOSTS") {
        raw.return_hosts = value
            .split(',')
            .map(str::trim)
            .filter(|h| !h.is_empty())
            .map(str::to_owned)
            .collect();
    }
    if let Some(value) = sources.env("PAYHOST_RESUME_URL") {
        raw.resume_url = text(Some(value.to_owned()));
    }
    if let Some(value) = sources.env("PAYHOST_SANDBOX_PORT") {
        sandbox_port = Some(value.trim().parse().map_err(|_| LoadError::Invalid {
            field: "sandbox_port",
            message: format!("`{value}` is not a port (1-65535)"),
        })?);
    }
    let settings = raw.validate().map_err(|err| match err {
        SettingsError::Invalid { field, message } => LoadError::Invalid {
            field: field.toml_key(),
            message,
        },
        other => LoadError::Embedded(other),
    })?;
    let sandbox_port = sandbox_port.unwrap_or(DEFAULT_SANDBOX_PORT);
    if sandbox_port == 0 {
        return Err(LoadError::Invalid {
            field: "sandbox_port",
            message: "0 is not a fixed port; a return link must find the sandbox again".to_owned(),
        });
    }
    Ok(Config {
        start_url: settings.start_url,
        sandbox_port,
        app_scheme: settings.app_scheme,
        return_hosts: settings.return_hosts,
        resume_url: settings.resume_url,
        source,
        returns: settings.returns,
    })
}

/// `sandbox_port` from `payhost.toml`: an integer that fits a port, else an error
/// naming the key like every other field (`0` is refused later, as from the
/// environment).
fn file_port(value: &toml::Value) -> Result<u16, LoadError> {
    value
        .as_integer()
        .and_then(|port| u16::try_from(port).ok())
        .ok_or_else(|| LoadError::Invalid {
            field: "sandbox_port",
            message: format!("`{value}` is not a port (1-65535)"),
        })
}

fn read_file(sources: &Sources) -> Result<(FileConfig, Option<PathBuf>), LoadError> {
    let candidates: Vec<PathBuf> = match &sources.explicit_file {
        Some(path) => vec![path.clone()],
        None => [&sources.exe_dir, &sources.config_dir]
            .into_iter()
            .flatten()
            .map(|dir| dir.join(CONFIG_FILE))
            .collect(),
    };
    for path in candidates {
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(err)
                if err.kind() == std::io::ErrorKind::NotFound
                    && sources.explicit_file.is_none() =>
            {
                continue
            }
            Err(source) => return Err(LoadError::Read { path, source }),
        };
        let file = toml::from_str(&text).map_err(|err| LoadError::Parse {
            path: path.clone(),
            message: err.message().to_owned(),
        })?;
        return Ok((file, Some(path)));
    }
    Ok((FileConfig::default(), None))
}

impl Config {
    /// The sandbox's origin, `http://127.0.0.1:PORT`.
    pub fn sandbox_origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.sandbox_port)
    }

    /// This configuration running on the in-process sandbox: its shop is the start
    /// page, its origin is a trusted return host (the PG result page and the
    /// merchant's `m_redirect_url` live there), and an interrupted payment resumes at
    /// its merchant landing unless a `resume_url` is configured.
    ///
    /// # Errors
    /// When the allowlist refuses the loopback host (it does not: ports are allowed
    /// when named).
    pub fn on_sandbox(mut self) -> Result<Self, LoadError> {
        let origin = self.sandbox_origin();
        let host = format!("127.0.0.1:{}", self.sandbox_port);
        if !self.return_hosts.contains(&host) {
            self.return_hosts.push(host);
        }
        self.returns = ReturnContext::new(&[self.app_scheme.as_str()], &self.return_hosts)
            .map_err(|err| LoadError::Invalid {
                field: "return_hosts",
                message: err.to_string(),
            })?;
        self.start_url =
            Some(
                Url::parse(&format!("{origin}/shop")).map_err(|err| LoadError::Invalid {
                    field: "sandbox_port",
                    message: err.to_string(),
                })?,
            );
        if self.resume_url.is_none() {
            self.resume_url = Some(format!(
                "{origin}/shop/payments/complete?merchant_uid={{merchant_uid}}"
            ));
        }
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Sources {
        Sources {
            env: pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            ..Sources::default()
        }
    }

    #[test]
    fn defaults_need_no_file() {
        let config = load(&Sources::default()).unwrap();
        assert_eq!(config.start_url, None);
        assert_eq!(config.app_scheme, "payhost");
        assert!(config.source.is_none());
    }

    #[test]
    fn the_sandbox_is_a_trusted_return_host_and_the_resume_target() {
        let config = load(&env(&[("PAYHOST_SANDBOX_PORT", "18001")]))
            .unwrap()
            .on_sandbox()
            .unwrap();
        assert_eq!(
            config.start_url.as_ref().map(Url::as_str),
            Some("http://127.0.0.1:18001/shop")
        );
        assert_eq!(config.return_hosts, ["127.0.0.1:18001"]);
        let allows = |url: &str| config.returns.hosts().allows(&Url::parse(url).unwrap());
        assert!(allows("http://127.0.0.1:18001/pg/txn_1/result"));
        assert!(!allows("http://127.0.0.1:18002/pg/txn_1/result"));
        assert_eq!(
            config.resume_url.as_deref(),
            Some("http://127.0.0.1:18001/shop/payments/complete?merchant_uid={merchant_uid}")
        );
        assert_eq!(
            load(&Sources::default()).unwrap().sandbox_port,
            DEFAULT_SANDBOX_PORT
        );
    }

    #[test]
    fn the_file_beside_the_executable_wins_over_the_config_dir() {
        let exe = tempfile::tempdir().unwrap();
        let conf = tempfile::tempdir().unwrap();
        std::fs::write(exe.path().join(CONFIG_FILE), "app_scheme = \"exeapp://\"\n").unwrap();
        std::fs::write(conf.path().join(CONFIG_FILE), "app_scheme = \"confapp\"\n").unwrap();
        let sources = Sources {
            exe_dir: Some(exe.path().to_owned()),
            config_dir: Some(conf.path().to_owned()),
            ..Sources::default()
        };
        assert_eq!(load(&sources).unwrap().app_scheme, "exeapp");
        std::fs::remove_file(exe.path().join(CONFIG_FILE)).unwrap();
        assert_eq!(load(&sources).unwrap().app_scheme, "confapp");
    }

    #[test]
    fn environment_overrides_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("x.toml");
        std::fs::write(
            &file,
            "start_url = \"https://shop.example/\"\nreturn_hosts = [\"shop.example\"]\n",
        )
        .unwrap();
        let mut sources = env(&[
            ("PAYHOST_START_URL", "http://127.0.0.1:9/"),
            ("PAYHOST_RETURN_HOSTS", "127.0.0.1:9, shop.example"),
            ("PAYHOST_APP_SCHEME", "myapp"),
        ]);
        sources.explicit_file = Some(file);
        let config = load(&sources).unwrap();
        assert_eq!(config.start_url.unwrap().as_str(), "http://127.0.0.1:9/");
        assert_eq!(config.return_hosts, ["127.0.0.1:9", "shop.example"]);
        assert_eq!(config.app_scheme, "myapp");
    }

    #[test]
    fn each_invalid_field_is_named() {
        for (pairs, field) in [
            (&[("PAYHOST_START_URL", "ftp://x/")][..], "start_url"),
            (&[("PAYHOST_START_URL", "not a url")][..], "start_url"),
            (&[("PAYHOST_APP_SCHEME", "https")][..], "app_scheme"),
            (&[("PAYHOST_APP_SCHEME", "ispmobile")][..], "app_scheme"),
            (&[("PAYHOST_RETURN_HOSTS", "co.kr")][..], "return_hosts"),
            (
                &[("PAYHOST_RESUME_URL", "javascript:{merchant_uid}")][..],
                "resume_url",
            ),
            (&[("PAYHOST_SANDBOX_PORT", "70000")][..], "sandbox_port"),
            (&[("PAYHOST_SANDBOX_PORT", "0")][..], "sandbox_port"),
        ] {
            match load(&env(pairs)) {
                Err(LoadError::Invalid { field: got, .. }) => assert_eq!(got, field, "{pairs:?}"),
                other => panic!("{pairs:?}: expected an invalid `{field}`, got {other:?}"),
            }
        }
    }

    #[test]
    fn a_sandbox_port_in_the_file_that_is_no_port_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("payhost.toml");
        let sources = Sources {
            explicit_file: Some(file.clone()),
            ..Sources::default()
        };
        for value in ["70000", "-1", "0", "\"8717\"", "8717.0", "true", "[8717]"] {
            std::fs::write(&file, format!("sandbox_port = {value}\n")).unwrap();
            match load(&sources) {
                Err(LoadError::Invalid {
                    field: "sandbox_port",
                    message,
                }) => {
                    // `0` fits a port and is refused as the environment's is.
                    let expected = if value == "0" {
                        "0 is not a fixed port; a return link must find the sandbox again"
                            .to_owned()
                    } else {
                        format!("`{value}` is not a port (1-65535)")
                    };
                    assert_eq!(message, expected, "{value}");
                }
                other => panic!("{value}: expected an invalid `sandbox_port`, got {other:?}"),
            }
        }
        std::fs::write(&file, "sandbox_port = 18002\n").unwrap();
        assert_eq!(load(&sources).unwrap().sandbox_port, 18002);
        std::fs::write(&file, "sandbox_port = 65535\n").unwrap();
        assert_eq!(load(&sources).unwrap().sandbox_port, 65535);
    }

    fn embedded(json: &str) -> RawSettings {
        let value: serde_json::Value = serde_json::from_str(json).unwrap();
        RawSettings::from_plugin_value(Some(&value)).unwrap()
    }

    #[test]
    fn with_no_desktop_source_the_embedded_section_is_the_configuration() {
        // What a phone has: the section compiled in, nothing else.
        let sources = Sources {
            embedded: embedded(
                r#"{"startUrl":"https://shop.example/pay","appScheme":"myapp","returnHosts":["shop.example"],"resumeUrl":"https://shop.example/r?m={merchant_uid}"}"#,
            ),
            ..Sources::default()
        };
        let config = load(&sources).unwrap();
        assert_eq!(
            config.start_url.as_ref().map(Url::as_str),
            Some("https://shop.example/pay")
        );
        assert_eq!(config.app_scheme, "myapp");
        assert!(config.returns.is_app_scheme("myapp"));
        assert!(config
            .returns
            .hosts()
            .allows(&Url::parse("https://shop.example/done").unwrap()));
        assert_eq!(
            config.resume_url.as_deref(),
            Some("https://shop.example/r?m={merchant_uid}")
        );
        assert!(config.source.is_none());
    }

    #[test]
    fn the_file_and_the_environment_override_the_embedded_section_field_by_field() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("x.toml");
        std::fs::write(&file, "start_url = \"https://qa.example/\"\n").unwrap();
        let mut sources = env(&[("PAYHOST_RETURN_HOSTS", "qa.example")]);
        sources.embedded = embedded(
            r#"{"startUrl":"https://shop.example/","appScheme":"myapp","returnHosts":["shop.example"]}"#,
        );
        sources.explicit_file = Some(file);
        let config = load(&sources).unwrap();
        assert_eq!(config.start_url.unwrap().as_str(), "https://qa.example/");
        assert_eq!(config.app_scheme, "myapp", "not overridden: embedded");
        assert_eq!(config.return_hosts, ["qa.example"]);
    }

    #[test]
    fn a_bad_embedded_value_names_the_tauri_conf_key() {
        let sources = Sources {
            embedded: embedded(r#"{"startUrl":"ftp://shop.example/"}"#),
            ..env(&[("PAYHOST_START_URL", "https://fine.example/")])
        };
        let err = load(&sources).unwrap_err();
        assert!(matches!(err, LoadError::Embedded(_)), "{err}");
        assert!(
            err.to_string().contains("plugins.payhost.startUrl"),
            "{err}"
        );
    }

    #[test]
    fn a_missing_explicit_file_and_bad_toml_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let sources = Sources {
            explicit_file: Some(dir.path().join("missing.toml")),
            ..Sources::default()
        };
        assert!(matches!(load(&sources), Err(LoadError::Read { .. })));
        let bad = dir.path().join("bad.toml");
        std::fs::write(&bad, "start_ur = \"typo\"\n").unwrap();
        let sources = Sources {
            explicit_file: Some(bad),
            ..Sources::default()
        };
        let err = load(&sources).unwrap_err();
        assert!(matches!(err, LoadError::Parse { .. }), "{err}");
        assert!(err.to_string().contains("start_ur"), "{err}");
    }
}
