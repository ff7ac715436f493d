//! Layering: preset < `--config` file < `CAUSEWAY_…` env vars < `key.path=value` overrides.
//!
//! Each layer is a TOML table; layers are deep-merged in that order (tables merge key by key,
//! every other value — arrays included — replaces what was there). The loader remembers which
//! layer set each key, so a problem can say where its value came from.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use toml::{Table, Value};

use crate::raw::RawConfig;
use crate::validate::{section_rank, validate};
use crate::{Config, ConfigError, Problem, Problems};

/// Prefix of every configuration env var.
pub const ENV_PREFIX: &str = "CAUSEWAY_";

/// Embedded presets, by name.
const PRESETS: [(&str, &str); 1] = [("devnet", include_str!("../presets/devnet.toml"))];
const PRESET_NAMES: [&str; 1] = [PRESETS[0].0];

/// Names of the embedded presets (`devnet`).
pub fn presets() -> &'static [&'static str] {
    &PRESET_NAMES
}

/// The TOML text of an embedded preset.
pub fn preset_toml(name: &str) -> Option<&'static str> {
    PRESETS.iter().find(|(n, _)| *n == name).map(|(_, text)| *text)
}

/// Where configuration comes from, lowest precedence first.
#[derive(Clone, Default)]
pub struct Sources {
    /// Name of an embedded preset (see [`presets`]), the base layer.
    pub preset: Option<String>,
    /// The `--config` file.
    pub file: Option<PathBuf>,
    /// Environment as `(name, value)`. Only `CAUSEWAY_<SECTION>__<KEY>[__<KEY>…]` names (with a
    /// double underscore) are configuration; others (such as the secret `CAUSEWAY_RELAYER_KEY`)
    /// are ignored.
    pub env: Vec<(String, String)>,
    /// `key.path=value` overrides from the command line, applied in order.
    pub overrides: Vec<String>,
}

impl Sources {
    /// Sources with the configuration env vars of this process.
    pub fn from_process_env(
        preset: Option<String>,
        file: Option<PathBuf>,
        overrides: Vec<String>,
    ) -> Self {
        let env = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .filter(|(k, _)| env_path(k).is_some())
            .collect();
        Self { preset, file, env, overrides }
    }
}

/// Names only: env values and override values are never printed.
impl fmt::Debug for Sources {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let env: Vec<&str> = self.env.iter().map(|(k, _)| k.as_str()).collect();
        let overrides: Vec<&str> =
            self.overrides.iter().map(|o| o.split('=').next().unwrap_or("")).collect();
        f.debug_struct("Sources")
            .field("preset", &self.preset)
            .field("file", &self.file)
            .field("env", &env)
            .field("overrides", &overrides)
            .finish()
    }
}

/// Parse every source, merge them, deserialize and validate.
pub fn load(sources: &Sources) -> Result<Config, ConfigError> {
    let mut merged = Merged::default();
    if let Some(name) = &sources.preset {
        let text = preset_toml(name).ok_or_else(|| ConfigError::UnknownPreset {
            name: name.clone(),
            known: PRESET_NAMES.iter().map(|s| (*s).to_owned()).collect(),
        })?;
        merged.apply(parse_document(text, &format!("preset {name}"))?, format!("preset {name}"));
    }
    if let Some(path) = &sources.file {
        let origin = format!("file {}", path.display());
        let text = read_file(path)?;
        merged.apply(parse_document(&text, &origin)?, origin);
    }
    let mut env: Vec<&(String, String)> = sources.env.iter().collect();
    env.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, value) in env {
        let Some(path) = env_path(name) else { continue };
        let origin = format!("env {name}");
        let path = path.map_err(|message| parse_error(&origin, message))?;
        merged.apply(nest(&path, parse_value(value)), origin);
    }
    for item in &sources.overrides {
        let (path, value) = parse_override(item)?;
        merged.apply(nest(&path, parse_value(value)), format!("override {}", path.join(".")));
    }
    build(merged)
}

fn build(merged: Merged) -> Result<Config, ConfigError> {
    let Merged { table, provenance } = merged;
    let (raw, structural) = RawConfig::from_table(table);
    let mut problems: Vec<Problem> =
        structural.into_iter().map(|(path, message)| Problem::new(path, message)).collect();
    let validated = validate(&raw);
    let config = match validated {
        Ok(config) => Some(config),
        Err(found) => {
            problems.extend(found);
            None
        }
    };
    match config {
        Some(config) if problems.is_empty() => Ok(config),
        _ => {
            problems.sort_by_key(|p| section_rank(&p.path));
            for problem in &mut problems {
                problem.origin = provenance.origin_of(&problem.path);
            }
            Err(ConfigError::Invalid(Problems(problems)))
        }
    }
}

fn read_file(path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path)
        .map_err(|source| ConfigError::Io { path: path.to_owned(), source })
}

fn parse_error(origin: &str, message: impl Into<String>) -> ConfigError {
    ConfigError::Parse { origin: origin.to_owned(), path: String::new(), message: message.into() }
}

/// Parse a whole TOML document; a syntax error says line and column.
fn parse_document(text: &str, origin: &str) -> Result<Table, ConfigError> {
    text.parse::<Table>().map_err(|err| {
        let location = err.span().map(|span| {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
            format!("line {line}, column {column}: ")
        });
        parse_error(origin, format!("{}{}", location.unwrap_or_default(), err.message()))
    })
}

/// `CAUSEWAY_RELAYER__BATCH_SIZE` → `["relayer", "batch_size"]`; `None` for names that are not
/// configuration (no prefix, or no double underscore).
fn env_path(name: &str) -> Option<Result<Vec<String>, String>> {
    let rest = name.strip_prefix(ENV_PREFIX)?;
    if !rest.contains("__") {
        return None;
    }
    let path: Vec<String> = rest.split("__").map(str::to_ascii_lowercase).collect();
    if path.iter().any(String::is_empty) {
        return Some(Err(
            "empty path segment; the form is CAUSEWAY_<SECTION>__<KEY>[__<KEY>…]".to_owned()
        ));
    }
    Some(Ok(path))
}

/// `relayer.batch_size=64` → (`["relayer", "batch_size"]`, `"64"`).
fn parse_override(item: &str) -> Result<(Vec<String>, &str), ConfigError> {
    let Some((key, value)) = item.split_once('=') else {
        let origin = format!("override {}", item.trim());
        return Err(parse_error(
            &origin,
            "expected KEY.PATH=VALUE, for example relayer.batch_size=64",
        ));
    };
    let path: Vec<String> = key.trim().split('.').map(|s| s.trim().to_owned()).collect();
    if path.iter().any(String::is_empty) {
        let origin = format!("override {}", key.trim());
        return Err(parse_error(&origin, "empty key segment; expected KEY.PATH=VALUE"));
    }
    Ok((path, value.trim()))
}

/// A TOML value if the text is one (`64`, `true`, `["a"]`, `{ env = "K" }`, `"quoted"`), else the
/// text as a string (`http://…`, `ethereum`).
fn parse_value(text: &str) -> Value {
    match format!("v = {text}").parse::<Table>() {
        Ok(mut table) if table.len() == 1 => {
            table.remove("v").unwrap_or_else(|| Value::String(text.to_owned()))
        }
        _ => Value::String(text.to_owned()),
    }
}

/// `["a", "b"]`, `v` → `{ a = { b = v } }`.
fn nest(path: &[String], value: Value) -> Table {
    let mut value = value;
    for key in path.iter().skip(1).rev() {
        let mut table = Table::new();
        table.insert(key.clone(), value);
        value = Value::Table(table);
    }
    let mut root = Table::new();
    if let Some(first) = path.first() {
        root.insert(first.clone(), value);
    }
    root
}

/// The merged table and which layer set what.
#[derive(Debug, Default)]
struct Merged {
    table: Table,
    provenance: Provenance,
}

impl Merged {
    fn apply(&mut self, layer: Table, origin: String) {
        let rank = self.provenance.origins.len();
        self.provenance.origins.push(origin);
        merge(&mut self.table, layer, &mut Vec::new(), rank, &mut self.provenance);
    }
}

fn merge(dst: &mut Table, src: Table, at: &mut Vec<String>, rank: usize, prov: &mut Provenance) {
    for (key, value) in src {
        at.push(key.clone());
        match (dst.get_mut(&key), value) {
            (Some(Value::Table(existing)), Value::Table(incoming)) => {
                merge(existing, incoming, at, rank, prov);
            }
            (_, Value::Table(incoming)) => {
                prov.replace(at, rank);
                let mut fresh = Table::new();
                merge(&mut fresh, incoming, at, rank, prov);
                dst.insert(key, Value::Table(fresh));
            }
            (_, value) => {
                prov.replace(at, rank);
                dst.insert(key, value);
            }
        }
        at.pop();
    }
}

/// For each key path set by some layer, the index of that layer.
#[derive(Debug, Default)]
struct Provenance {
    origins: Vec<String>,
    set_by: BTreeMap<Vec<String>, usize>,
}

impl Provenance {
    /// `path` (and everything under it) is now set by layer `rank`.
    fn replace(&mut self, path: &[String], rank: usize) {
        self.set_by.retain(|k, _| !k.starts_with(path));
        self.set_by.insert(path.to_vec(), rank);
    }

    /// Which layers set the value at `path` (`relayer.routes[1].to`, `chains.astar`): the layers
    /// of everything at or under it, else the layer of the nearest enclosing value.
    fn origin_of(&self, path: &str) -> Option<String> {
        let segments: Vec<String> = path
            .split('.')
            .map(|s| s.split('[').next().unwrap_or(s).to_owned())
            .filter(|s| !s.is_empty())
            .collect();
        let under: BTreeSet<usize> = self
            .set_by
            .iter()
            .filter(|(k, _)| k.starts_with(&segments))
            .map(|(_, rank)| *rank)
            .collect();
        let ranks: Vec<usize> = if under.is_empty() {
            (0..segments.len())
                .rev()
                .find_map(|n| self.set_by.get(&segments[..n]))
                .copied()
                .into_iter()
                .collect()
        } else {
            under.into_iter().collect()
        };
        let names: Vec<&str> =
            ranks.iter().filter_map(|r| self.origins.get(*r)).map(String::as_str).collect();
        (!names.is_empty()).then(|| names.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn merged(layers: &[(&str, &str)]) -> Merged {
        let mut m = Merged::default();
        for (origin, text) in layers {
            m.apply(text.parse().unwrap(), (*origin).to_owned());
        }
        m
    }

    #[test]
    fn deep_merge_tables_and_replace_arrays() {
        let m = merged(&[
            ("a", "[x]\np = 1\nq = [1, 2]\n[x.y]\nr = 1"),
            ("b", "[x]\nq = [3]\n[x.y]\ns = 2"),
        ]);
        let expected: Table = "[x]\np = 1\nq = [3]\n[x.y]\nr = 1\ns = 2".parse().unwrap();
        assert_eq!(m.table, expected);
        assert_eq!(m.provenance.origin_of("x.p").as_deref(), Some("a"));
        assert_eq!(m.provenance.origin_of("x.q[0]").as_deref(), Some("b"));
        assert_eq!(m.provenance.origin_of("x.y").as_deref(), Some("a, b"));
        assert_eq!(m.provenance.origin_of("x.y.missing").as_deref(), Some("a"));
        assert_eq!(m.provenance.origin_of("z"), None);
    }

    #[test]
    fn value_replaced_by_table_forgets_old_origin() {
        let m = merged(&[("a", "x = 1"), ("b", "[x]\ny = 2")]);
        assert_eq!(m.provenance.origin_of("x").as_deref(), Some("b"));
    }

    #[test]
    fn env_names_map_to_lowercase_paths() {
        assert_eq!(
            env_path("CAUSEWAY_RELAYER__BATCH_SIZE"),
            Some(Ok(vec!["relayer".to_owned(), "batch_size".to_owned()]))
        );
        assert_eq!(env_path("CAUSEWAY_CHAINS__ASTAR_EVM__RPC").unwrap().unwrap()[1], "astar_evm");
        assert_eq!(env_path("CAUSEWAY_RELAYER_KEY"), None);
        assert_eq!(env_path("HOME"), None);
        assert!(env_path("CAUSEWAY_RELAYER____X").unwrap().is_err());
    }

    #[test]
    fn values_parse_as_toml_when_they_can() {
        assert_eq!(parse_value("64"), Value::Integer(64));
        assert_eq!(parse_value("true"), Value::Boolean(true));
        assert_eq!(
            parse_value("http://127.0.0.1:8545"),
            Value::String("http://127.0.0.1:8545".into())
        );
        assert_eq!(parse_value("ethereum"), Value::String("ethereum".into()));
        assert_eq!(parse_value("\"64\""), Value::String("64".into()));
        assert!(matches!(parse_value("[\"a\", \"b\"]"), Value::Array(a) if a.len() == 2));
        assert!(matches!(parse_value("{ env = \"K\" }"), Value::Table(_)));
        assert_eq!(parse_value("1\nw = 2"), Value::String("1\nw = 2".into()));
        assert_eq!(parse_value(""), Value::String(String::new()));
    }

    #[test]
    fn overrides_parse() {
        let (path, value) = parse_override("chains.ethereum.rpc = ws://h:1").unwrap();
        assert_eq!(path, ["chains", "ethereum", "rpc"]);
        assert_eq!(value, "ws://h:1");
        assert!(parse_override("relayer.batch_size").is_err());
        assert!(parse_override("relayer..x=1").is_err());
        assert!(parse_override("=1").is_err());
    }

    #[test]
    fn syntax_errors_say_line_and_column() {
        let err =
            parse_document("[hub]\nchain = \"ethereum\"\nbad line\n", "file x.toml").unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("file x.toml: line 3, column 5: "), "{text}");
    }

    #[test]
    fn sources_debug_hides_values() {
        let sources = Sources {
            env: vec![("CAUSEWAY_X__Y".into(), "secret-ish".into())],
            overrides: vec!["a.b=secret-ish".into()],
            ..Sources::default()
        };
        let text = format!("{sources:?}");
        assert!(text.contains("CAUSEWAY_X__Y") && text.contains("\"a.b\""), "{text}");
        assert!(!text.contains("secret-ish"), "{text}");
    }

    #[test]
    fn presets_parse() {
        for name in presets() {
            assert!(preset_toml(name).is_some());
            load(&Sources { preset: Some((*name).to_owned()), ..Sources::default() })
                .unwrap_or_else(|e| panic!("preset {name}: {e}"));
        }
        assert!(matches!(
            load(&Sources { preset: Some("mainnet".into()), ..Sources::default() }),
            Err(ConfigError::UnknownPreset { .. })
        ));
    }
}
