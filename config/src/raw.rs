//! The raw schema: what the merged TOML deserializes into before validation.
//!
//! Addresses, URLs and listen addresses stay strings here, and required chain fields stay
//! `Option`, so that validation can look at every one of them and report every bad or missing one
//! instead of serde stopping at the first. Only structural mistakes (unknown field, wrong type,
//! unknown enum value) fail here, and each section and each chain is deserialized on its own so
//! one such mistake does not hide the others.

use std::collections::{BTreeMap, BTreeSet};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use toml::{Table, Value};

use crate::SecretSource;
use crate::secret::RawSecret;
use crate::types::{Finality, Route};

/// Top-level sections, in schema order.
pub(crate) const SECTIONS: [&str; 7] =
    ["hub", "chains", "operator", "relayer", "indexer", "store", "node"];

/// The whole raw configuration.
#[derive(Debug, Default, Serialize)]
pub(crate) struct RawConfig {
    pub(crate) hub: RawHub,
    pub(crate) chains: BTreeMap<String, RawChain>,
    pub(crate) operator: RawOperator,
    pub(crate) relayer: RawRelayer,
    pub(crate) indexer: RawIndexer,
    pub(crate) store: RawStore,
    pub(crate) node: RawNode,
    /// Paths (`hub`, `chains`, `chains.<name>`) that failed to deserialize; validation does not
    /// pile follow-on problems onto them.
    #[serde(skip)]
    pub(crate) broken: BTreeSet<String>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, expecting = "a [hub] table")]
pub(crate) struct RawHub {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) chain: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum KindTag {
    Evm,
    Substrate,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, expecting = "a [chains.<name>] table")]
pub(crate) struct RawChain {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) kind: Option<KindTag>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) domain: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) rpc: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) chain_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) ss58_prefix: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) decimals: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) escrow: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) signatories: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) threshold: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) runtime: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) bridges: Option<std::collections::BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) native: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) finality: Option<Finality>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) contracts: Option<RawContracts>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) start_block: Option<u64>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, expecting = "a [chains.<name>.contracts] table of 0x addresses")]
pub(crate) struct RawContracts {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) mailbox: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) registry: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) token_bridge: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) quorum_verifier: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) operator_set_mirror: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) rollup_registry: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) state_commitment_chain: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) stake_vault: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) synthetic_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) message_log: Option<String>,
}

impl RawContracts {
    /// `(toml key, value)` for every contract, in schema order.
    pub(crate) fn entries(&self) -> [(&'static str, Option<&str>); 11] {
        [
            ("mailbox", self.mailbox.as_deref()),
            ("registry", self.registry.as_deref()),
            ("token_bridge", self.token_bridge.as_deref()),
            ("quorum_verifier", self.quorum_verifier.as_deref()),
            ("operator_set_mirror", self.operator_set_mirror.as_deref()),
            ("rollup_registry", self.rollup_registry.as_deref()),
            ("state_commitment_chain", self.state_commitment_chain.as_deref()),
            ("stake_vault", self.stake_vault.as_deref()),
            ("token", self.token.as_deref()),
            ("synthetic_token", self.synthetic_token.as_deref()),
            ("message_log", self.message_log.as_deref()),
        ]
    }
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default, expecting = "an [operator] table")]
pub(crate) struct RawOperator {
    pub(crate) listen: String,
    pub(crate) public_url: String,
    pub(crate) origins: Vec<String>,
    pub(crate) poll_interval_ms: u64,
    pub(crate) epoch_refresh_ms: u64,
    pub(crate) key: RawSecret,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) signed_log: Option<String>,
}

impl Default for RawOperator {
    fn default() -> Self {
        Self {
            key: RawSecret::Source(SecretSource::Env("CAUSEWAY_OPERATOR_KEY".into())),
            listen: "127.0.0.1:9101".into(),
            public_url: "http://127.0.0.1:9101".into(),
            origins: Vec::new(),
            poll_interval_ms: 1_000,
            epoch_refresh_ms: 10_000,
            signed_log: None,
        }
    }
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default, expecting = "a [relayer] table")]
pub(crate) struct RawRelayer {
    pub(crate) batch_size: usize,
    pub(crate) max_attempts: u32,
    pub(crate) backoff_initial_ms: u64,
    pub(crate) backoff_max_ms: u64,
    pub(crate) gas_escalation_percent: u32,
    pub(crate) gas_price_cap_gwei: u64,
    pub(crate) listen: String,
    pub(crate) signature_timeout_ms: u64,
    pub(crate) poll_interval_ms: u64,
    pub(crate) gas_stuck_after_ms: u64,
    pub(crate) receipt_timeout_ms: u64,
    pub(crate) key: RawSecret,
    pub(crate) routes: Vec<Route>,
}

impl Default for RawRelayer {
    fn default() -> Self {
        Self {
            key: RawSecret::Source(SecretSource::Env("CAUSEWAY_RELAYER_KEY".into())),
            routes: Vec::new(),
            batch_size: 32,
            max_attempts: 20,
            backoff_initial_ms: 5_000,
            backoff_max_ms: 10_800_000,
            gas_escalation_percent: 10,
            gas_price_cap_gwei: 500,
            listen: "127.0.0.1:9102".into(),
            signature_timeout_ms: 3_000,
            poll_interval_ms: 500,
            gas_stuck_after_ms: 30_000,
            receipt_timeout_ms: 600_000,
        }
    }
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default, expecting = "an [indexer] table")]
pub(crate) struct RawIndexer {
    pub(crate) listen: String,
    pub(crate) max_log_range: u64,
    pub(crate) min_log_range: u64,
    pub(crate) poll_interval_ms: u64,
    pub(crate) operator_sync_ms: u64,
    pub(crate) unready_after_ms: u64,
    pub(crate) give_up_after_ms: u64,
}

impl Default for RawIndexer {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:9100".into(),
            max_log_range: 2_000,
            min_log_range: 10,
            poll_interval_ms: 1_000,
            operator_sync_ms: 10_000,
            unready_after_ms: 30_000,
            give_up_after_ms: 3_600_000,
        }
    }
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default, expecting = "a [store] table")]
pub(crate) struct RawStore {
    pub(crate) url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) password: Option<RawSecret>,
}

impl Default for RawStore {
    fn default() -> Self {
        Self { url: "sqlite://.causeway/causeway.db?mode=rwc".into(), password: None }
    }
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default, expecting = "a [node] table")]
pub(crate) struct RawNode {
    pub(crate) reload_interval_ms: u64,
}

impl Default for RawNode {
    fn default() -> Self {
        Self { reload_interval_ms: 2_000 }
    }
}

/// A structural problem: `(path, message)`.
pub(crate) type Structural = (String, String);

impl RawConfig {
    /// Deserialize section by section (and chain by chain), collecting every structural problem.
    pub(crate) fn from_table(table: Table) -> (Self, Vec<Structural>) {
        let mut raw = Self::default();
        let mut errors = Vec::new();
        for (key, value) in table {
            let ok = match key.as_str() {
                "hub" => put(&mut raw.hub, value, "hub", &mut errors),
                "chains" => raw.put_chains(value, &mut errors),
                "operator" => put(&mut raw.operator, value, "operator", &mut errors),
                "relayer" => put(&mut raw.relayer, value, "relayer", &mut errors),
                "indexer" => put(&mut raw.indexer, value, "indexer", &mut errors),
                "store" => put(&mut raw.store, value, "store", &mut errors),
                "node" => put(&mut raw.node, value, "node", &mut errors),
                _ => {
                    let expected = SECTIONS.map(|s| format!("`{s}`")).join(", ");
                    let message = format!("unknown section `{key}`, expected one of {expected}");
                    errors.push((key.clone(), with_suggestion(&message)));
                    true
                }
            };
            if !ok {
                raw.broken.insert(key);
            }
        }
        (raw, errors)
    }

    fn put_chains(&mut self, value: Value, errors: &mut Vec<Structural>) -> bool {
        let Value::Table(chains) = value else {
            errors.push((
                "chains".into(),
                format!(
                    "expected a table of chains ([chains.<name>] sections), found {}",
                    value.type_str()
                ),
            ));
            return false;
        };
        for (name, value) in chains {
            let path = format!("chains.{name}");
            let mut chain = RawChain::default();
            if put(&mut chain, value, &path, errors) {
                self.chains.insert(name, chain);
            } else {
                self.broken.insert(path);
            }
        }
        true
    }
}

/// Deserialize `value` into `slot`; on failure record the error with its full path. serde stops
/// at the first unknown key, so on one the table holding it is searched for every key serde's
/// expected list lacks; each is reported, removed, and the rest deserialized again: every unknown
/// key of every table is reported in one run, beside the other problems.
fn put<T: DeserializeOwned>(
    slot: &mut T,
    mut value: Value,
    prefix: &str,
    errors: &mut Vec<Structural>,
) -> bool {
    let mut unknown_found = false;
    // Each round removes at least one key, so this ends; the bound is a guard.
    for _ in 0..256 {
        match serde_path_to_error::deserialize::<_, T>(value.clone()) {
            Ok(parsed) => {
                *slot = parsed;
                return !unknown_found;
            }
            Err(err) => {
                let message = err.inner().message();
                let segments: Vec<String> = err
                    .path()
                    .iter()
                    .map(|s| match s {
                        serde_path_to_error::Segment::Map { key } => key.clone(),
                        other => other.to_string(),
                    })
                    .collect();
                let removed = message.starts_with("unknown field")
                    && remove_unknown(&mut value, &segments, message, prefix, errors);
                if !removed {
                    errors.push((join_path(prefix, err.path()), with_suggestion(message)));
                    return false;
                }
                unknown_found = true;
            }
        }
    }
    false
}

/// For serde's "unknown field `x`, expected one of `a`, `b`" at `segments` (the last is `x`):
/// reports every key of that table outside the expected list and removes them. `false` when the
/// table cannot be found (the caller reports the error as it is).
fn remove_unknown(
    value: &mut Value,
    segments: &[String],
    message: &str,
    prefix: &str,
    errors: &mut Vec<Structural>,
) -> bool {
    let Some((last, parents)) = segments.split_last() else { return false };
    // The path must end at the unknown key itself (a hand-written visitor may report one without
    // descending into it: then the error is reported as it is).
    if message.split('`').nth(1) != Some(last.as_str()) {
        return false;
    }
    let mut table = value;
    for key in parents {
        match table.get_mut(key.as_str()) {
            Some(inner) => table = inner,
            None => return false,
        }
    }
    let Value::Table(map) = table else { return false };
    let expected: Vec<&str> = message
        .split_once("expected")
        .map(|(_, list)| list.split('`').skip(1).step_by(2).collect())
        .unwrap_or_default();
    let unknown: Vec<String> =
        map.keys().filter(|k| !expected.contains(&k.as_str())).cloned().collect();
    if unknown.is_empty() {
        return false;
    }
    let list = expected.iter().map(|e| format!("`{e}`")).collect::<Vec<_>>().join(", ");
    let base = parents.iter().fold(prefix.to_owned(), |p, k| format!("{p}.{k}"));
    for key in unknown {
        map.remove(&key);
        let text = format!("unknown field `{key}`, expected one of {list}");
        errors.push((format!("{base}.{key}"), with_suggestion(&text)));
    }
    true
}

/// serde's `unknown field `x`, expected one of `a`, `b`` (or variant) plus `; did you mean `a`?`
/// when one expected name is a likely typo of the unknown one.
fn with_suggestion(message: &str) -> String {
    let mut quoted = message.split('`').skip(1).step_by(2);
    let Some(unknown) = quoted.next() else { return message.to_owned() };
    let is_unknown_name = message.starts_with("unknown field")
        || message.starts_with("unknown variant")
        || message.starts_with("unknown section");
    let best = quoted
        .map(|candidate| (edit_distance(unknown, candidate), candidate))
        .min_by_key(|(distance, _)| *distance)
        .filter(|(distance, _)| *distance <= (unknown.len() / 3).max(1));
    match best {
        Some((_, candidate)) if is_unknown_name => {
            format!("{message}; did you mean `{candidate}`?")
        }
        _ => message.to_owned(),
    }
}

/// Levenshtein distance over bytes (names here are ASCII).
fn edit_distance(a: &str, b: &str) -> usize {
    let b = b.as_bytes();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.bytes().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous[j] + usize::from(ca != *cb);
            current.push(substitute.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

fn join_path(prefix: &str, path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = prefix.to_owned();
    for segment in path {
        match segment {
            Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                out.push('.');
                out.push_str(key);
            }
            Segment::Unknown => out.push_str(".?"),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> (RawConfig, Vec<Structural>) {
        RawConfig::from_table(toml::from_str(text).unwrap())
    }

    #[test]
    fn defaults_fill_missing_sections() {
        let (raw, errors) = parse("");
        assert!(errors.is_empty());
        assert_eq!(raw.relayer.batch_size, 32);
        assert_eq!(raw.indexer.listen, "127.0.0.1:9100");
        assert_eq!(raw.store.url, "sqlite://.causeway/causeway.db?mode=rwc");
    }

    #[test]
    fn structural_errors_carry_full_paths_and_do_not_hide_each_other() {
        let (raw, errors) = parse(
            r#"
            bogus = 1
            [chains.astar]
            kind = "substrate"
            finality = "final"
            [chains.ethereum]
            kind = "evm"
            domain = 1
            rpc = "http://127.0.0.1:8545"
            [chains.base]
            kind = "evm"
            colour = "blue"
            [relayer]
            batch_size = "many"
            routes = [{ from = "ethereum" }]
            [indexer]
            max_log_range = -1
            "#,
        );
        let paths: Vec<&str> = errors.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            paths,
            [
                "bogus",
                "chains.astar.finality",
                "chains.base.colour",
                "indexer.max_log_range",
                "relayer.batch_size"
            ],
            "{errors:#?}"
        );
        assert!(errors[1].1.contains("unknown finality \"final\""), "{}", errors[1].1);
        assert!(errors[2].1.contains("unknown field `colour`"), "{}", errors[2].1);
        assert!(raw.chains.contains_key("ethereum"));
        assert!(raw.broken.contains("chains.astar") && raw.broken.contains("relayer"));
    }

    #[test]
    fn typos_get_a_suggestion() {
        let (_, errors) = parse("[relayer]\nbatch_sise = 1\n[chains.a]\nknd = \"evm\"\n[operater]");
        let messages: Vec<&str> = errors.iter().map(|(_, m)| m.as_str()).collect();
        assert!(messages[0].ends_with("did you mean `kind`?"), "{messages:?}");
        assert!(messages[1].ends_with("did you mean `operator`?"), "{messages:?}");
        assert!(messages[2].ends_with("did you mean `batch_size`?"), "{messages:?}");
        let (_, errors) = parse("[relayer]\nwhatever = 1");
        assert!(!errors[0].1.contains("did you mean"), "{errors:?}");
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "ab"), 2);
    }

    #[test]
    fn sequence_paths_use_brackets() {
        let (_, errors) =
            parse("[relayer]\nroutes = [{ from = \"a\", to = \"b\" }, { from = \"a\" }]");
        assert_eq!(errors[0].0, "relayer.routes[1]");
        assert!(errors[0].1.contains("missing field `to`"), "{}", errors[0].1);
    }

    #[test]
    fn every_unknown_key_of_every_table_is_reported_at_once() {
        let (_, errors) = parse(
            "[relayer]\nbatch_sise = 3\ncolour = \"x\"\npoll_interval_ms = \"fast\"\n\
             [chains.a]\nkind = \"evm\"\nmailbox = \"0x1\"\n[chains.a.contracts]\nmailbx = \"0x2\"\n",
        );
        let paths: Vec<&str> = errors.iter().map(|(p, _)| p.as_str()).collect();
        for expected in [
            "relayer.batch_sise",
            "relayer.colour",
            "relayer.poll_interval_ms",
            "chains.a.mailbox",
            "chains.a.contracts.mailbx",
        ] {
            assert!(paths.contains(&expected), "{expected} missing from {errors:#?}");
        }
        let typo = errors.iter().find(|(p, _)| p == "relayer.batch_sise").unwrap();
        assert!(typo.1.contains("did you mean `batch_size`"), "{}", typo.1);
        let kind = errors.iter().find(|(p, _)| p == "relayer.poll_interval_ms").unwrap();
        assert!(kind.1.contains("invalid type"), "{}", kind.1);
    }

    #[test]
    fn finality_shapes() {
        let (raw, errors) = parse(
            "[chains.a]\nfinality = { depth = 12 }\n[chains.b]\nfinality = \"instant\"\n\
             [chains.c]\nfinality = { blocks = 1 }\n[chains.d]\nfinality = 3",
        );
        assert_eq!(raw.chains["a"].finality, Some(Finality::Depth(12)));
        assert_eq!(raw.chains["b"].finality, Some(Finality::Instant));
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[0].1.contains("unknown field `blocks`"), "{errors:?}");
        assert!(errors[1].1.contains("{ depth = N }"), "{errors:?}");
    }
}
