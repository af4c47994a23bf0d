//! Android `intent:` URIs, parsed the way Android itself parses them.
//!
//! Korean PG pages hand off to card and bank apps on Android with
//! `intent://HOST#Intent;scheme=S;package=P;end`. The SDKs split that string by
//! hand and get the edge cases wrong (RN, FL, PRN and TOSS's ConvertUrl in
//! `docs/sources.md`: JSON in the host, pichillilorenzo/flutter_inappwebview#1328;
//! hosts with ports; `%`-escapes; no `scheme=`). This module follows
//! `android.content.Intent.parseUri(uri, URI_INTENT_SCHEME)` from
//! `frameworks/base/core/java/android/content/Intent.java` (`parseUriInternal`) step
//! by step, including its quirks: the *last* `#` starts the intent fragment, items
//! are `name=value;` until an item that starts with `end`, values are
//! `Uri.decode`d, `SEL;` starts a selector intent that is dropped when the base
//! intent names a package, and a missing `;` is a syntax error. Where Java would
//! throw (`URISyntaxException`, `NumberFormatException`,
//! `IndexOutOfBoundsException`), [`parse_intent`] returns an [`IntentParseError`].
//!
//! Known, documented deviations (none changes what is launched):
//! - number extras accept ASCII digits only (Java also accepts other Unicode digits);
//! - `d.`/`f.` extras do not accept Java's hexadecimal floating-point literals;
//! - `c.` keeps the first Unicode scalar (Java keeps the first UTF-16 unit);
//! - `sourceBounds=` is kept as text (Java parses a `Rect` or drops it).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use crate::text::{android_decode, starts_with_ignore_case};

/// `Intent.IMMUTABLE_FLAGS`: the URI-permission grant flags that `parseUri` strips
/// from `launchFlags=` unless `URI_ALLOW_UNSAFE` is given (it never is here).
const IMMUTABLE_FLAGS: i32 = 0x0000_0001 | 0x0000_0002 | 0x0000_0040 | 0x0000_0080;

/// A parsed `intent:` URI in its "new" (`#Intent;…;end`) format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntentUri {
    /// `scheme=` of the base intent, percent-decoded.
    pub scheme: Option<String>,
    /// The text between `intent:` and the last `#`, byte for byte.
    pub rest: String,
    /// Everything else the base intent carries.
    pub fields: IntentFields,
    /// The `SEL;` selector intent, kept only when the base intent names no package
    /// (Android drops it otherwise).
    pub selector: Option<Box<SelectorIntent>>,
}

/// The `name=value` items an intent and its selector share.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IntentFields {
    /// `action=`; Android uses `android.intent.action.VIEW` when absent.
    pub action: Option<String>,
    /// `category=`, a set as in `Intent.addCategory`.
    pub categories: BTreeSet<String>,
    /// `type=` (MIME type).
    pub mime_type: Option<String>,
    /// `identifier=`.
    pub identifier: Option<String>,
    /// `launchFlags=`, already stripped of `IMMUTABLE_FLAGS`.
    pub launch_flags: Option<i32>,
    /// `package=`.
    pub package: Option<String>,
    /// `component=`, when it has the `pkg/cls` form (`ComponentName.unflattenFromString`).
    pub component: Option<Component>,
    /// `sourceBounds=`, as text.
    pub source_bounds: Option<String>,
    /// Typed extras (`S.`, `B.`, `b.`, `c.`, `d.`, `f.`, `i.`, `l.`, `s.`); a repeated
    /// key keeps its last value, as `Bundle.put*` does.
    pub extras: BTreeMap<String, Extra>,
}

/// The selector intent that follows `SEL;`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SelectorIntent {
    /// Items of the selector.
    pub fields: IntentFields,
    /// `scheme=` inside the selector becomes its data `S:`.
    pub scheme: Option<String>,
}

/// An explicit `component=pkg/cls`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Component {
    /// The package part.
    pub package: String,
    /// The class, with a leading `.` expanded to the package as Android does.
    pub class: String,
}

impl Component {
    /// `ComponentName.flattenToShortString`: `pkg/.Cls` when the class starts with
    /// the package and a dot, else `pkg/cls`. Parsing expands a leading `.` again,
    /// so this form (not `pkg/cls`) is the one that round-trips.
    pub fn flatten_to_short_string(&self) -> String {
        match self.class.strip_prefix(self.package.as_str()) {
            Some(rest) if rest.starts_with('.') => format!("{}/{rest}", self.package),
            _ => format!("{}/{}", self.package, self.class),
        }
    }
}

/// A typed intent extra.
#[derive(Debug, Clone)]
pub enum Extra {
    /// `S.key=value`
    String(String),
    /// `B.key=true` (`Boolean.parseBoolean`: anything but `true` is false)
    Bool(bool),
    /// `b.key=n`
    Byte(i8),
    /// `c.key=x`
    Char(char),
    /// `d.key=n`
    Double(f64),
    /// `f.key=n`
    Float(f32),
    /// `i.key=n`
    Int(i32),
    /// `l.key=n`
    Long(i64),
    /// `s.key=n`
    Short(i16),
}

impl PartialEq for Extra {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::String(a), Self::String(b)) => a == b,
            (Self::Bool(a), Self::Bool(b)) => a == b,
            (Self::Byte(a), Self::Byte(b)) => a == b,
            (Self::Char(a), Self::Char(b)) => a == b,
            // Bitwise, so that NaN extras compare equal to themselves after a round trip.
            (Self::Double(a), Self::Double(b)) => a.to_bits() == b.to_bits(),
            (Self::Float(a), Self::Float(b)) => a.to_bits() == b.to_bits(),
            (Self::Int(a), Self::Int(b)) => a == b,
            (Self::Long(a), Self::Long(b)) => a == b,
            (Self::Short(a), Self::Short(b)) => a == b,
            _ => false,
        }
    }
}

impl Eq for Extra {}

/// Why an `intent:` URI could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntentParseError {
    kind: IntentErrorKind,
    at: usize,
}

/// The kinds of [`IntentParseError`].
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntentErrorKind {
    /// The text does not start with `intent:`.
    NotIntent,
    /// No `#` at all: Android makes a VIEW intent of the whole `intent:` text, which
    /// no app handles (URL corpus row 4, `docs/sources.md`).
    NoIntentFragment,
    /// The last `#` is not followed by `Intent;`: Android falls back to the old
    /// `#action(…)component(…)` format, which can name a component.
    OldFormat,
    /// An item has no `;` after it (and no `end` came first).
    MissingSemicolon,
    /// An item is none of the known names and has no known extra type prefix.
    UnknownExtraType,
    /// An extra's key is missing (`S.=x`) or the item has no `=` at all.
    MissingExtraKey,
    /// A number extra or `launchFlags=` is not a number of its type.
    BadNumber,
    /// A `c.` extra is empty.
    EmptyChar,
}

impl IntentParseError {
    /// What went wrong.
    pub fn kind(&self) -> IntentErrorKind {
        self.kind
    }

    /// Byte offset in the input where it went wrong.
    pub fn at(&self) -> usize {
        self.at
    }
}

impl fmt::Display for IntentParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let message = match self.kind {
            IntentErrorKind::NotIntent => "not an `intent:` URI",
            IntentErrorKind::NoIntentFragment => "no `#Intent;…;end` fragment",
            IntentErrorKind::OldFormat => {
                "the last `#` does not start `#Intent;` (old intent format, refused)"
            }
            IntentErrorKind::MissingSemicolon => "an intent item is not closed by `;`",
            IntentErrorKind::UnknownExtraType => "unknown intent extra type",
            IntentErrorKind::MissingExtraKey => "an intent extra has no `key=`",
            IntentErrorKind::BadNumber => "a number in the intent is not valid",
            IntentErrorKind::EmptyChar => "an intent `c.` extra is empty",
        };
        write!(f, "{message} (at byte {})", self.at)
    }
}

impl std::error::Error for IntentParseError {}

fn error(kind: IntentErrorKind, at: usize) -> IntentParseError {
    IntentParseError { kind, at }
}

impl IntentUri {
    /// The data URI Android builds: `scheme:` + [`rest`](Self::rest) when `scheme=` was
    /// given, else `rest` alone; `None` when that is empty.
    pub fn data(&self) -> Option<String> {
        match &self.scheme {
            Some(scheme) => Some(format!("{scheme}:{}", self.rest)),
            None if self.rest.is_empty() => None,
            None => Some(self.rest.clone()),
        }
    }

    /// `S.browser_fallback_url`, Chrome's "open this if no app handles the intent".
    pub fn browser_fallback_url(&self) -> Option<&str> {
        match self.fields.extras.get("browser_fallback_url") {
            Some(Extra::String(url)) => Some(url),
            _ => None,
        }
    }

    /// True when the intent names an explicit component, or a selector survived
    /// (the intent-scheme attack: either can reach a non-exported or unintended
    /// activity).
    pub fn has_explicit_target(&self) -> bool {
        self.fields.component.is_some() || self.selector.is_some()
    }

    /// Serialises back to `intent:…#Intent;…;end`, like
    /// `Intent.toUri(URI_INTENT_SCHEME)`; [`parse_intent`] of the result is equal to
    /// `self`.
    pub fn to_uri(&self) -> String {
        let mut out = String::with_capacity(self.rest.len() + 64);
        out.push_str("intent:");
        out.push_str(&self.rest);
        out.push_str("#Intent;");
        if let Some(scheme) = &self.scheme {
            push_item(&mut out, "scheme=", scheme);
        }
        write_fields(&mut out, &self.fields);
        if let Some(selector) = &self.selector {
            out.push_str("SEL;");
            if let Some(scheme) = &selector.scheme {
                push_item(&mut out, "scheme=", scheme);
            }
            write_fields(&mut out, &selector.fields);
        }
        out.push_str("end");
        out
    }
}

/// `Uri.encode`'s set: everything but letters, digits and `_-!.~'()*`.
const URI_ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'_')
    .remove(b'-')
    .remove(b'!')
    .remove(b'.')
    .remove(b'~')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'*');

fn push_item(out: &mut String, name: &str, value: &str) {
    out.push_str(name);
    out.extend(utf8_percent_encode(value, URI_ENCODE));
    out.push(';');
}

fn write_fields(out: &mut String, fields: &IntentFields) {
    if let Some(action) = &fields.action {
        push_item(out, "action=", action);
    }
    for category in &fields.categories {
        push_item(out, "category=", category);
    }
    if let Some(mime_type) = &fields.mime_type {
        push_item(out, "type=", mime_type);
    }
    if let Some(identifier) = &fields.identifier {
        push_item(out, "identifier=", identifier);
    }
    if let Some(flags) = fields.launch_flags {
        // Signed hex, so that `Integer.decode` reads negative flags back.
        let flags = i64::from(flags);
        let text = if flags < 0 {
            format!("-0x{:x}", -flags)
        } else {
            format!("0x{flags:x}")
        };
        push_item(out, "launchFlags=", &text);
    }
    if let Some(package) = &fields.package {
        push_item(out, "package=", package);
    }
    if let Some(component) = &fields.component {
        push_item(out, "component=", &component.flatten_to_short_string());
    }
    if let Some(bounds) = &fields.source_bounds {
        push_item(out, "sourceBounds=", bounds);
    }
    for (key, extra) in &fields.extras {
        let (prefix, value) = match extra {
            Extra::String(v) => ("S.", v.clone()),
            Extra::Bool(v) => ("B.", v.to_string()),
            Extra::Byte(v) => ("b.", v.to_string()),
            Extra::Char(v) => ("c.", v.to_string()),
            Extra::Double(v) => ("d.", java_float_text(*v)),
            Extra::Float(v) => ("f.", java_float_text(f64::from(*v))),
            Extra::Int(v) => ("i.", v.to_string()),
            Extra::Long(v) => ("l.", v.to_string()),
            Extra::Short(v) => ("s.", v.to_string()),
        };
        out.push_str(prefix);
        out.extend(utf8_percent_encode(key, URI_ENCODE));
        out.push('=');
        out.extend(utf8_percent_encode(&value, URI_ENCODE));
        out.push(';');
    }
}

/// Text that Java's `Double.parseDouble` reads back to the same value.
fn java_float_text(value: f64) -> String {
    if value.is_nan() {
        "NaN".to_owned()
    } else if value.is_infinite() {
        if value > 0.0 { "Infinity" } else { "-Infinity" }.to_owned()
    } else {
        // Rust prints the shortest text that round-trips, never with a suffix.
        format!("{value:?}")
    }
}

/// Parses an `intent:` URI exactly as far as Android's `Intent.parseUri(uri,
/// URI_INTENT_SCHEME)` would, returning the parts payhost needs.
///
/// The `intent:` prefix is matched case-insensitively (browsers lower-case schemes
/// before the WebView reports a navigation); everything else is case-sensitive, as
/// in Android.
///
/// # Examples
/// ```
/// let intent = payhost_core::parse_intent(
///     "intent://TID=INIMX_ISPtest#Intent;scheme=ispmobile;package=kvp.jjy.MispAndroid320;end",
/// )?;
/// assert_eq!(intent.data().as_deref(), Some("ispmobile://TID=INIMX_ISPtest"));
/// assert_eq!(intent.fields.package.as_deref(), Some("kvp.jjy.MispAndroid320"));
/// Ok::<(), payhost_core::IntentParseError>(())
/// ```
pub fn parse_intent(uri: &str) -> Result<IntentUri, IntentParseError> {
    if !starts_with_ignore_case(uri, "intent:") {
        return Err(error(IntentErrorKind::NotIntent, 0));
    }
    // `i = uri.lastIndexOf("#")`
    let Some(hash) = uri.rfind('#') else {
        return Err(error(IntentErrorKind::NoIntentFragment, uri.len()));
    };
    if !uri[hash..].starts_with("#Intent;") {
        return Err(error(IntentErrorKind::OldFormat, hash));
    }
    let rest = uri["intent:".len()..hash].to_owned();
    let mut base = IntentFields::default();
    let mut base_scheme: Option<String> = None;
    let mut selector: Option<SelectorIntent> = None;

    let bytes = uri.as_bytes();
    let mut i = hash + "#Intent;".len();
    // Cache of `uri.indexOf('=', i)`: recomputed only once `i` has passed it, so a long
    // run of items without `=` stays linear.
    let mut next_eq: Option<Option<usize>> = None;
    while !uri[i..].starts_with("end") {
        let eq = match next_eq {
            Some(Some(eq)) if eq >= i => Some(eq),
            Some(None) => None,
            _ => {
                let found = uri[i..].find('=').map(|offset| i + offset);
                next_eq = Some(found);
                found
            }
        };
        let Some(semi) = uri[i..].find(';').map(|offset| i + offset) else {
            // Java: `i = semi + 1` becomes 0 and the next round throws.
            return Err(error(IntentErrorKind::MissingSemicolon, i));
        };
        // `String value = eq < semi ? Uri.decode(uri.substring(eq + 1, semi)) : ""`, where a
        // missing `=` counts as `i - 1` (always before `semi`).
        let value = match eq {
            Some(eq) if eq < semi => android_decode(&uri[eq + 1..semi]),
            Some(_) => String::new(),
            None => android_decode(&uri[i..semi]),
        };
        let item = &uri[i..];
        let target: &mut IntentFields = match selector.as_mut() {
            Some(selector) => &mut selector.fields,
            None => &mut base,
        };
        if item.starts_with("action=") {
            target.action = Some(value);
        } else if item.starts_with("category=") {
            target.categories.insert(value);
        } else if item.starts_with("type=") {
            target.mime_type = Some(value);
        } else if item.starts_with("identifier=") {
            target.identifier = Some(value);
        } else if item.starts_with("launchFlags=") {
            let flags = java_integer_decode(&value).ok_or(error(IntentErrorKind::BadNumber, i))?;
            target.launch_flags = Some(flags & !IMMUTABLE_FLAGS);
        } else if item.starts_with("package=") {
            target.package = Some(value);
        } else if item.starts_with("component=") {
            target.component = unflatten_component(&value);
        } else if item.starts_with("scheme=") {
            match selector.as_mut() {
                Some(selector) => selector.scheme = Some(value),
                None => base_scheme = Some(value),
            }
        } else if item.starts_with("sourceBounds=") {
            target.source_bounds = Some(value);
        } else if semi == i + 3 && item.starts_with("SEL") {
            selector = Some(SelectorIntent::default());
        } else {
            let extra_type = bytes.get(i).copied();
            if bytes.get(i + 1) != Some(&b'.') {
                return Err(error(IntentErrorKind::UnknownExtraType, i));
            }
            // `uri.substring(i + 2, eq)`: throws when there is no `=` or it comes too early.
            let key = match eq {
                Some(eq) if eq >= i + 2 => android_decode(&uri[i + 2..eq]),
                _ => return Err(error(IntentErrorKind::MissingExtraKey, i)),
            };
            let bad_number = || error(IntentErrorKind::BadNumber, i);
            let extra = match extra_type {
                Some(b'S') => Extra::String(value),
                Some(b'B') => Extra::Bool(value.eq_ignore_ascii_case("true")),
                Some(b'b') => Extra::Byte(java_parse_int(&value).ok_or_else(bad_number)?),
                Some(b'c') => Extra::Char(
                    value
                        .chars()
                        .next()
                        .ok_or(error(IntentErrorKind::EmptyChar, i))?,
                ),
                Some(b'd') => Extra::Double(java_parse_double(&value).ok_or_else(bad_number)?),
                Some(b'f') => {
                    // `Float.parseFloat` rounds the decimal value to `float`.
                    #[allow(clippy::cast_possible_truncation)]
                    let float = java_parse_double(&value).ok_or_else(bad_number)? as f32;
                    Extra::Float(float)
                }
                Some(b'i') => Extra::Int(java_parse_int(&value).ok_or_else(bad_number)?),
                Some(b'l') => Extra::Long(java_parse_int(&value).ok_or_else(bad_number)?),
                Some(b's') => Extra::Short(java_parse_int(&value).ok_or_else(bad_number)?),
                _ => return Err(error(IntentErrorKind::UnknownExtraType, i)),
            };
            target.extras.insert(key, extra);
        }
        i = semi + 1;
    }

    // "The Intent had a selector; fix it up": kept only if the base names no package.
    let selector = match selector {
        Some(selector) if base.package.is_none() => Some(Box::new(selector)),
        _ => None,
    };
    Ok(IntentUri {
        scheme: base_scheme,
        rest,
        fields: base,
        selector,
    })
}

/// `ComponentName.unflattenFromString`: `pkg/cls`, `pkg/.cls` → `pkg/pkg.cls`; `None`
/// without a `/` or with nothing after it.
fn unflatten_component(value: &str) -> Option<Component> {
    let (package, class) = value.split_once('/')?;
    if class.is_empty() {
        return None;
    }
    let class = if class.starts_with('.') {
        format!("{package}{class}")
    } else {
        class.to_owned()
    };
    Some(Component {
        package: package.to_owned(),
        class,
    })
}

/// `Integer.parseInt` / `Long.parseLong` / `Byte.parseByte` / `Short.parseShort`:
/// optional sign, decimal ASCII digits, in range of the target type.
fn java_parse_int<T: TryFrom<i64>>(text: &str) -> Option<T> {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let value: i64 = text.parse().ok()?;
    T::try_from(value).ok()
}

/// `Integer.decode`: optional sign, then `0x`/`0X`/`#` hex, `0` octal, or decimal;
/// the result must fit in an `int`.
fn java_integer_decode(text: &str) -> Option<i32> {
    let (negative, unsigned) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let (radix, digits) = if let Some(hex) = unsigned
        .strip_prefix("0x")
        .or_else(|| unsigned.strip_prefix("0X"))
        .or_else(|| unsigned.strip_prefix('#'))
    {
        (16, hex)
    } else if unsigned.len() > 1 && unsigned.starts_with('0') {
        (8, &unsigned[1..])
    } else {
        (10, unsigned)
    };
    if digits.is_empty() || digits.starts_with(['+', '-']) {
        return None;
    }
    let magnitude = i64::from_str_radix(digits, radix).ok()?;
    let value = if negative { -magnitude } else { magnitude };
    i32::try_from(value).ok()
}

/// `Double.parseDouble` for decimal text: surrounding characters `<= ' '` are
/// ignored, `NaN`/`Infinity` are spelled as Java spells them, and one trailing
/// `f`/`F`/`d`/`D` is allowed.
fn java_parse_double(text: &str) -> Option<f64> {
    let trimmed = text.trim_matches(|c: char| c <= ' ');
    let unsigned = trimmed.strip_prefix(['+', '-']).unwrap_or(trimmed);
    let negative = trimmed.starts_with('-');
    match unsigned {
        "NaN" => return Some(f64::NAN),
        "Infinity" => {
            return Some(if negative {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            })
        }
        _ => {}
    }
    let number = trimmed
        .strip_suffix(['f', 'F', 'd', 'D'])
        .unwrap_or(trimmed);
    // Rust also reads `inf`/`nan`, which Java refuses: demand a digit.
    if !number.bytes().any(|b| b.is_ascii_digit())
        || number
            .bytes()
            .any(|b| b.is_ascii_alphabetic() && !matches!(b, b'e' | b'E'))
    {
        return None;
    }
    number.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_decode_follows_java() {
        assert_eq!(java_integer_decode("0x10000000"), Some(0x1000_0000));
        assert_eq!(java_integer_decode("#ff"), Some(255));
        assert_eq!(java_integer_decode("010"), Some(8));
        assert_eq!(java_integer_decode("-5"), Some(-5));
        assert_eq!(java_integer_decode("0"), Some(0));
        assert_eq!(java_integer_decode("0x-1"), None);
        assert_eq!(java_integer_decode(""), None);
        assert_eq!(java_integer_decode("0x80000000"), None);
    }

    #[test]
    fn parse_double_follows_java() {
        assert_eq!(java_parse_double(" 1.5f "), Some(1.5));
        assert_eq!(java_parse_double("-Infinity"), Some(f64::NEG_INFINITY));
        assert!(java_parse_double("NaN").is_some_and(f64::is_nan));
        assert_eq!(java_parse_double("inf"), None);
        assert_eq!(java_parse_double("nan"), None);
        assert_eq!(java_parse_double("1e3"), Some(1000.0));
    }

    #[test]
    fn parse_int_checks_the_range_of_its_type() {
        assert_eq!(java_parse_int::<i8>("127"), Some(127));
        assert_eq!(java_parse_int::<i8>("128"), None);
        assert_eq!(java_parse_int::<i16>("-32768"), Some(-32768));
        assert_eq!(java_parse_int::<i32>("+7"), Some(7));
        assert_eq!(java_parse_int::<i32>("7 "), None);
    }
}
