//! Secrets: where a key comes from ([`SecretSource`]) and the loaded value ([`Secret`]).
//!
//! A configuration never holds a secret, only the name of the env var or the path of the file that
//! does. The value is read at start-up by the role that needs it, with [`load_secret`], into a
//! [`Secret`] that never prints itself and is wiped from memory when dropped.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use zeroize::Zeroizing;

use crate::ConfigError;

/// Where a secret lives: `{ env = "NAME" }` or `{ file = "path/to/key" }` in TOML.
///
/// A relative file path is resolved against the working directory of the process.
#[derive(Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SecretSource {
    /// The value of an environment variable.
    Env(String),
    /// The contents of a file (surrounding whitespace trimmed).
    File(PathBuf),
}

impl SecretSource {
    /// Read the secret, looking env vars up with `lookup` (tests pass a map; [`load_secret`]
    /// passes the process environment).
    pub fn load_with(
        &self,
        lookup: impl FnOnce(&str) -> Option<String>,
    ) -> Result<Secret, ConfigError> {
        let fail =
            |reason: &str| ConfigError::Secret { from: self.to_string(), reason: reason.into() };
        let value = match self {
            Self::Env(name) => {
                Zeroizing::new(lookup(name).ok_or_else(|| fail("the variable is not set"))?)
            }
            Self::File(path) => Zeroizing::new(read_key_file(path).map_err(|e| fail(&e))?),
        };
        let trimmed = value.trim();
        if trimmed.is_empty() {
            return Err(fail("it is empty"));
        }
        Ok(Secret(Zeroizing::new(trimmed.to_owned())))
    }
}

fn read_key_file(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| e.to_string())
}

/// `env NAME` or `file PATH`: safe to print, it is only the source.
impl fmt::Display for SecretSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Env(name) => write!(f, "env {name}"),
            Self::File(path) => write!(f, "file {}", path.display()),
        }
    }
}

/// Prints the source only (there is no value in a `SecretSource` to leak).
impl fmt::Debug for SecretSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Env(name) => f.debug_tuple("Env").field(name).finish(),
            Self::File(path) => f.debug_tuple("File").field(path).finish(),
        }
    }
}

impl<'de> Deserialize<'de> for SecretSource {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match deserializer.deserialize_any(SecretVisitor)? {
            RawSecret::Source(source) => Ok(source),
            RawSecret::Inline => Err(de::Error::custom(INLINE_REFUSED)),
        }
    }
}

/// Message for a secret written inline; it never repeats the value.
pub(crate) const INLINE_REFUSED: &str = "a secret is never written inline in TOML; \
     use { env = \"VAR_NAME\" } or { file = \"path/to/key\" }";

/// A secret as found in the raw layer: a proper source, or an inline value that validation
/// refuses. The inline value itself is dropped at once and never stored.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum RawSecret {
    Source(SecretSource),
    Inline,
}

impl fmt::Debug for RawSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Source(source) => source.fmt(f),
            Self::Inline => f.write_str("Inline(<redacted>)"),
        }
    }
}

impl<'de> Deserialize<'de> for RawSecret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(SecretVisitor)
    }
}

impl Serialize for RawSecret {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Source(source) => source.serialize(serializer),
            Self::Inline => Err(serde::ser::Error::custom("an inline secret is never serialized")),
        }
    }
}

/// Accepts `{ env = "…" }` / `{ file = "…" }`, flags a bare string as inline, and never puts the
/// offending value into an error message.
struct SecretVisitor;

const EXPECTED: &str = "{ env = \"VAR_NAME\" } or { file = \"path/to/key\" }";

impl SecretVisitor {
    fn wrong<E: de::Error>(what: &str) -> E {
        E::custom(format!("expected {EXPECTED}, found {what} (value not shown)"))
    }
}

impl<'de> Visitor<'de> for SecretVisitor {
    type Value = RawSecret;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(EXPECTED)
    }

    fn visit_str<E: de::Error>(self, _v: &str) -> Result<RawSecret, E> {
        Ok(RawSecret::Inline)
    }

    fn visit_i64<E: de::Error>(self, _v: i64) -> Result<RawSecret, E> {
        Err(Self::wrong("an integer"))
    }

    fn visit_u64<E: de::Error>(self, _v: u64) -> Result<RawSecret, E> {
        Err(Self::wrong("an integer"))
    }

    fn visit_f64<E: de::Error>(self, _v: f64) -> Result<RawSecret, E> {
        Err(Self::wrong("a float"))
    }

    fn visit_bool<E: de::Error>(self, _v: bool) -> Result<RawSecret, E> {
        Err(Self::wrong("a boolean"))
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, _seq: A) -> Result<RawSecret, A::Error> {
        Err(Self::wrong("an array"))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawSecret, A::Error> {
        let mut found: Vec<SecretSource> = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "env" => found.push(SecretSource::Env(map.next_value()?)),
                "file" => found.push(SecretSource::File(map.next_value()?)),
                _ => return Err(de::Error::unknown_field(&key, &["env", "file"])),
            }
        }
        match found.pop() {
            Some(source) if found.is_empty() => Ok(RawSecret::Source(source)),
            _ => Err(de::Error::custom(format!("give exactly one of `env` or `file`: {EXPECTED}"))),
        }
    }
}

/// Read a secret from its source, looking env vars up in the process environment.
pub fn load_secret(source: &SecretSource) -> Result<Secret, ConfigError> {
    source.load_with(|name| std::env::var(name).ok())
}

/// A loaded secret (a private key, a password). `Debug` prints `Secret(<redacted>)`; there is no
/// `Display`; the memory is zeroed on drop.
pub struct Secret(Zeroizing<String>);

impl Secret {
    /// Wrap a value that is already in memory (for example one built from other secrets).
    pub fn new(value: String) -> Self {
        Self(Zeroizing::new(value))
    }

    /// The value. Call it only where the value is used, never to log or format it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(text: &str) -> Result<RawSecret, String> {
        let table: toml::Table = toml::from_str(text).map_err(|e| e.to_string())?;
        let value = table.get("key").cloned().ok_or("no key")?;
        RawSecret::deserialize(value).map_err(|e| e.message().to_owned())
    }

    #[test]
    fn sources_parse() {
        assert_eq!(
            raw("key = { env = \"K\" }"),
            Ok(RawSecret::Source(SecretSource::Env("K".into())))
        );
        assert_eq!(
            raw("key = { file = \"/k\" }"),
            Ok(RawSecret::Source(SecretSource::File("/k".into())))
        );
        assert_eq!(raw("key = \"0xdeadbeef\""), Ok(RawSecret::Inline));
    }

    #[test]
    fn bad_shapes_never_echo_the_value() {
        let err = raw("key = 123456789").unwrap_err();
        assert!(err.contains("found an integer") && !err.contains("123456789"), "{err}");
        let err = raw("key = { env = \"A\", file = \"b\" }").unwrap_err();
        assert!(err.contains("exactly one"), "{err}");
        let err = raw("key = {}").unwrap_err();
        assert!(err.contains("exactly one"), "{err}");
        let err = raw("key = { path = \"b\" }").unwrap_err();
        assert!(err.contains("unknown field `path`"), "{err}");
    }

    #[test]
    fn debug_never_prints_values() {
        assert_eq!(format!("{:?}", Secret::new("hunter2".into())), "Secret(<redacted>)");
        assert_eq!(format!("{:?}", RawSecret::Inline), "Inline(<redacted>)");
        assert_eq!(format!("{:?}", SecretSource::Env("K".into())), "Env(\"K\")");
        assert_eq!(SecretSource::File("/k".into()).to_string(), "file /k");
    }

    #[test]
    fn load_from_env_and_file() {
        let source = SecretSource::Env("K".into());
        let secret = source.load_with(|n| (n == "K").then(|| " 0xabc\n".to_owned())).unwrap();
        assert_eq!(secret.expose(), "0xabc");
        let err = source.load_with(|_| None).unwrap_err();
        assert_eq!(err.to_string(), "cannot load secret from env K: the variable is not set");
        let err = source.load_with(|_| Some("  ".into())).unwrap_err();
        assert!(err.to_string().ends_with("it is empty"));

        let path = std::env::temp_dir().join(format!("causeway-key-{}", std::process::id()));
        std::fs::write(&path, "0x1234\n").unwrap();
        let secret = load_secret(&SecretSource::File(path.clone())).unwrap();
        assert_eq!(secret.expose(), "0x1234");
        std::fs::remove_file(&path).unwrap();
        let err = load_secret(&SecretSource::File(path)).unwrap_err();
        assert!(err.to_string().contains("cannot load secret from file"), "{err}");
    }
}
