//! The allowlist of hosts a return deep link may lead to.
//!
//! Any app or web page can fire our scheme, so a URL carried by a deep link is
//! untrusted input: loading it in the payment WebView would let anyone show a page
//! of their choosing inside the merchant's app. It is loaded only when its host is
//! the merchant's (configuration) or a payment party's (`data/return-hosts.toml`).
//! Matching is exact or by subdomain on a dot boundary, on the default port unless
//! the entry names one; the caller rejects userinfo, `%` in the authority and
//! non-ASCII hosts before asking.

use std::net::IpAddr;
use std::sync::LazyLock;

use serde::Deserialize;
use url::{Host, Url};

use crate::context::{ConfigError, ConfigErrorKind};

const RETURN_HOSTS_TOML: &str = include_str!("../data/return-hosts.toml");

/// Suffixes under which anyone can own a name: allowing one would allow everyone.
/// Single-label names (`com`, `kr`) are refused by rule; these are the multi-label
/// public suffixes and shared hosting domains a merchant might plausibly type.
const PUBLIC_SUFFIXES: &[&str] = &[
    "co.kr",
    "or.kr",
    "go.kr",
    "ac.kr",
    "ne.kr",
    "re.kr",
    "pe.kr",
    "mil.kr",
    "hs.kr",
    "ms.kr",
    "es.kr",
    "sc.kr",
    "kg.kr",
    "seoul.kr",
    "busan.kr",
    "co.jp",
    "ne.jp",
    "or.jp",
    "com.cn",
    "co.uk",
    "com.au",
    "github.io",
    "gitlab.io",
    "herokuapp.com",
    "vercel.app",
    "netlify.app",
    "pages.dev",
    "workers.dev",
    "web.app",
    "firebaseapp.com",
    "appspot.com",
    "cloudfront.net",
    "amazonaws.com",
    "azurewebsites.net",
    "blogspot.com",
    "ngrok.io",
    "ngrok-free.app",
];

#[derive(Debug, Clone, PartialEq, Eq)]
enum RuleHost {
    Domain(String),
    Ip(IpAddr),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct HostRule {
    host: RuleHost,
    port: Option<u16>,
}

/// Hosts a return link may lead to.
#[derive(Debug, Clone, Default)]
pub struct HostAllowlist {
    rules: Vec<HostRule>,
    /// How many of `rules`, from the end, are the merchant's own.
    merchant_rules: usize,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HostsFile {
    pg: HostGroup,
    card: HostGroup,
    bank: HostGroup,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HostGroup {
    hosts: Vec<String>,
}

static BUILTIN: LazyLock<(Vec<HostRule>, Vec<String>)> = LazyLock::new(load_builtin);

fn load_builtin() -> (Vec<HostRule>, Vec<String>) {
    let file: HostsFile = match toml::from_str(RETURN_HOSTS_TOML) {
        Ok(file) => file,
        Err(err) => return (Vec::new(), vec![format!("does not parse: {err}")]),
    };
    let mut rules = Vec::new();
    let mut problems = Vec::new();
    for entry in [file.pg, file.card, file.bank]
        .iter()
        .flat_map(|group| group.hosts.iter())
    {
        match parse_rule(entry) {
            Ok(rule) if rule.port.is_none() && !rules.contains(&rule) => rules.push(rule),
            Ok(_) => problems.push(format!("`{entry}`: duplicate, or names a port")),
            Err(err) => problems.push(err.to_string()),
        }
    }
    (rules, problems)
}

impl HostAllowlist {
    /// The built-in payment hosts plus the merchant's.
    ///
    /// # Errors
    /// See [`ReturnContext::new`](crate::ReturnContext::new).
    pub fn with_merchant_hosts<H: AsRef<str>>(merchant_hosts: &[H]) -> Result<Self, ConfigError> {
        let mut rules = BUILTIN.0.clone();
        let builtin = rules.len();
        for host in merchant_hosts {
            let rule = parse_rule(host.as_ref())?;
            // A merchant host that is also built in stays a merchant host.
            if !rules[builtin..].contains(&rule) {
                rules.push(rule);
            }
        }
        let merchant_rules = rules.len() - builtin;
        Ok(Self {
            rules,
            merchant_rules,
        })
    }

    /// The built-in payment-party domains, in file order.
    pub fn builtin_domains() -> Vec<&'static str> {
        BUILTIN
            .0
            .iter()
            .filter_map(|rule| match &rule.host {
                RuleHost::Domain(domain) => Some(domain.as_str()),
                RuleHost::Ip(_) => None,
            })
            .collect()
    }

    /// Problems in `data/return-hosts.toml`, for its test.
    pub fn builtin_problems() -> &'static [String] {
        &BUILTIN.1
    }

    /// True when `url`'s host and port are allowed. Expects a URL whose scheme is
    /// http(s) and that carries no userinfo (checked by the caller).
    pub fn allows(&self, url: &Url) -> bool {
        self.rules.iter().any(|rule| rule_allows(rule, url))
    }

    /// True when one of the merchant's own hosts (configuration, not the built-in
    /// payment hosts) allows `url`.
    pub fn allows_merchant(&self, url: &Url) -> bool {
        self.rules[self.rules.len() - self.merchant_rules..]
            .iter()
            .any(|rule| rule_allows(rule, url))
    }
}

fn rule_allows(rule: &HostRule, url: &Url) -> bool {
    let port = url.port(); // None for the scheme's default port
    rule.port == port
        && match (&rule.host, url.host()) {
            (RuleHost::Domain(allowed), Some(Host::Domain(host))) => {
                host == allowed
                    || host
                        .strip_suffix(allowed.as_str())
                        .is_some_and(|prefix| prefix.ends_with('.'))
            }
            (RuleHost::Ip(IpAddr::V4(allowed)), Some(Host::Ipv4(host))) => host == *allowed,
            (RuleHost::Ip(IpAddr::V6(allowed)), Some(Host::Ipv6(host))) => host == *allowed,
            _ => false,
        }
}

/// `host`, `host:port`, `1.2.3.4`, `1.2.3.4:port`, `[::1]:port`.
fn parse_rule(entry: &str) -> Result<HostRule, ConfigError> {
    let invalid = || ConfigError::new(ConfigErrorKind::InvalidHost, entry);
    let text = entry.trim().to_ascii_lowercase();
    let (host, port) = if let Some(bracketed) = text.strip_prefix('[') {
        let (ip, after) = bracketed.split_once(']').ok_or_else(invalid)?;
        let port = match after {
            "" => None,
            _ => Some(after.strip_prefix(':').ok_or_else(invalid)?),
        };
        (ip.to_owned(), port.map(str::to_owned))
    } else {
        match text.rsplit_once(':') {
            Some((host, port)) => (host.to_owned(), Some(port.to_owned())),
            None => (text.clone(), None),
        }
    };
    let port = match port {
        Some(port) => Some(port.parse::<u16>().map_err(|_| invalid())?),
        None => None,
    };
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(HostRule {
            host: RuleHost::Ip(ip),
            port,
        });
    }
    let labels: Vec<&str> = host.split('.').collect();
    let label_ok = |label: &&str| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    if host.is_empty() || host.len() > 253 || !labels.iter().all(label_ok) {
        return Err(invalid());
    }
    if (labels.len() < 2 && host != "localhost") || PUBLIC_SUFFIXES.contains(&host.as_str()) {
        return Err(ConfigError::new(ConfigErrorKind::PublicSuffixHost, entry));
    }
    Ok(HostRule {
        host: RuleHost::Domain(host),
        port,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allows(entries: &[&str], url: &str) -> bool {
        let list = HostAllowlist::with_merchant_hosts(entries).expect("valid entries");
        list.allows(&Url::parse(url).expect("valid url"))
    }

    #[test]
    fn subdomains_match_on_a_dot_boundary_only() {
        assert!(allows(&["shop.example"], "https://shop.example/x"));
        assert!(allows(&["shop.example"], "https://m.shop.example/x"));
        assert!(!allows(&["shop.example"], "https://evilshop.example/x"));
        assert!(!allows(
            &["shop.example"],
            "https://shop.example.evil.example/x"
        ));
        assert!(!allows(&["shop.example"], "https://shop.example:8443/x"));
        assert!(allows(
            &["shop.example:8443"],
            "https://shop.example:8443/x"
        ));
        assert!(allows(&["127.0.0.1:8080"], "http://127.0.0.1:8080/done"));
        assert!(!allows(&["127.0.0.1:8080"], "http://127.0.0.1:8081/done"));
        assert!(allows(&["[::1]:9"], "http://[::1]:9/"));
    }

    #[test]
    fn public_suffixes_and_garbage_are_refused() {
        for entry in [
            "co.kr",
            "com",
            "github.io",
            "",
            "a..b",
            "-a.com",
            "a.com:99999",
            "a b.com",
        ] {
            assert!(
                HostAllowlist::with_merchant_hosts(&[entry]).is_err(),
                "{entry}"
            );
        }
    }

    #[test]
    fn builtin_hosts_are_valid() {
        assert_eq!(HostAllowlist::builtin_problems(), &[] as &[String]);
        assert!(allows(&[], "https://mobile.inicis.com/smart/x"));
    }
}
