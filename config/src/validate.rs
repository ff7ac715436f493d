//! Validation: turn a [`RawConfig`] into a typed [`Config`], or list every problem at once.
//!
//! Each check records a [`Problem`] and carries on with a placeholder value; a `Config` is only
//! returned when no problem was recorded, so placeholders never escape.

use std::collections::BTreeSet;
use std::fmt::Display;
use std::net::{Ipv4Addr, SocketAddr};

mod chains;
#[cfg(test)]
mod tests;

use crate::check;
use crate::raw::{RawConfig, SECTIONS};
use crate::secret::RawSecret;
use crate::types::{
    Config, IndexerConfig, NodeConfig, OperatorConfig, RelayerConfig, Route, StoreConfig,
};
use crate::{Problem, SecretSource};

/// Validate every section; `Err` lists every problem found (without origins; the loader adds them).
pub(crate) fn validate(raw: &RawConfig) -> Result<Config, Vec<Problem>> {
    let mut v = Validator { problems: Vec::new(), raw };
    let chains = v.chains();
    let hub = v.hub();
    let operator = v.operator();
    let relayer = v.relayer();
    let indexer = v.indexer();
    let store = v.store();
    let node = v.node();
    v.distinct_listeners(&[
        ("operator.listen", operator.listen),
        ("relayer.listen", relayer.listen),
        ("indexer.listen", indexer.listen),
    ]);
    if v.problems.is_empty() {
        Ok(Config { hub, chains, operator, relayer, indexer, store, node })
    } else {
        Err(v.problems)
    }
}

/// Rank of a problem path's section, for ordering problems by schema order.
pub(crate) fn section_rank(path: &str) -> usize {
    let section = path.split(['.', '[']).next().unwrap_or(path);
    SECTIONS.iter().position(|s| *s == section).unwrap_or(SECTIONS.len())
}

struct Validator<'a> {
    problems: Vec<Problem>,
    raw: &'a RawConfig,
}

const PLACEHOLDER_ADDR: SocketAddr = SocketAddr::new(std::net::IpAddr::V4(Ipv4Addr::LOCALHOST), 0);

impl Validator<'_> {
    fn push(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem::new(path, message));
    }

    fn range<T: PartialOrd + Display + Copy>(&mut self, path: &str, value: T, lo: T, hi: T) {
        if value < lo || value > hi {
            self.push(path, format!("must be between {lo} and {hi}, got {value}"));
        }
    }

    fn listen(&mut self, path: &str, value: &str) -> SocketAddr {
        check::listen(value).unwrap_or_else(|e| {
            self.push(path, e);
            PLACEHOLDER_ADDR
        })
    }

    fn url(&mut self, path: &str, value: &str, schemes: &[&str]) -> String {
        if let Err(e) = check::url(value, schemes) {
            self.push(path, e);
        }
        value.to_owned()
    }

    fn secret(&mut self, path: &str, value: &RawSecret, suggested_env: &str) -> SecretSource {
        match value {
            RawSecret::Inline => {
                self.push(
                    path,
                    format!(
                        "a secret is never written inline in TOML; use {{ env = \"{suggested_env}\" }} \
                         or {{ file = \"path/to/key\" }}"
                    ),
                );
                SecretSource::Env(suggested_env.to_owned())
            }
            RawSecret::Source(source) => {
                match source {
                    SecretSource::Env(name) => {
                        if let Err(e) = check::env_name(name) {
                            self.push(format!("{path}.env"), e);
                        } else if name.starts_with("CAUSEWAY_") && name.contains("__") {
                            self.push(
                                format!("{path}.env"),
                                format!(
                                    "\"{name}\" has the form of a configuration env var \
                                     (CAUSEWAY_<SECTION>__<KEY>) and would be read as config; \
                                     pick a name without a double underscore"
                                ),
                            );
                        }
                    }
                    SecretSource::File(file) if file.as_os_str().is_empty() => {
                        self.push(format!("{path}.file"), "empty path");
                    }
                    SecretSource::File(_) => {}
                }
                source.clone()
            }
        }
    }

    /// Is `name` a chain (configured, or present but broken so already reported)?
    fn chain_known(&self, name: &str) -> bool {
        self.raw.chains.contains_key(name)
            || self.raw.broken.contains(&format!("chains.{name}"))
            || self.raw.broken.contains("chains")
    }

    fn chain_ref(&mut self, path: &str, name: &str) {
        if !self.chain_known(name) {
            let message = unknown_chain(name, self.raw.chains.keys());
            self.push(path, message);
        }
    }

    fn operator(&mut self) -> OperatorConfig {
        let raw = &self.raw.operator;
        let key = self.secret("operator.key", &raw.key, "CAUSEWAY_OPERATOR_KEY");
        let listen = self.listen("operator.listen", &raw.listen);
        let public_url = self.url("operator.public_url", &raw.public_url, check::HTTP);
        let mut seen = BTreeSet::new();
        for (i, origin) in raw.origins.iter().enumerate() {
            let path = format!("operator.origins[{i}]");
            self.chain_ref(&path, origin);
            if !seen.insert(origin) {
                self.push(path, format!("\"{origin}\" is listed twice"));
            }
        }
        self.range("operator.poll_interval_ms", raw.poll_interval_ms, 10, 3_600_000);
        self.range("operator.epoch_refresh_ms", raw.epoch_refresh_ms, 100, 3_600_000);
        if let Some(path) = &raw.signed_log
            && !std::path::Path::new(path).is_absolute()
        {
            self.push(
                "operator.signed_log",
                format!(
                    "\"{path}\" is relative; give an absolute path, so the operator finds the same \
                     signed log whatever folder it starts in"
                ),
            );
        }
        OperatorConfig {
            key,
            listen,
            public_url,
            origins: raw.origins.clone(),
            poll_interval_ms: raw.poll_interval_ms,
            epoch_refresh_ms: raw.epoch_refresh_ms,
            signed_log: raw.signed_log.as_ref().map(std::path::PathBuf::from),
        }
    }

    fn relayer(&mut self) -> RelayerConfig {
        let raw = &self.raw.relayer;
        let key = self.secret("relayer.key", &raw.key, "CAUSEWAY_RELAYER_KEY");
        let mut seen: BTreeSet<&Route> = BTreeSet::new();
        for (i, route) in raw.routes.iter().enumerate() {
            let path = format!("relayer.routes[{i}]");
            self.chain_ref(&format!("{path}.from"), &route.from);
            self.chain_ref(&format!("{path}.to"), &route.to);
            if route.from == route.to {
                self.push(&path, format!("a route from \"{}\" to itself", route.from));
            } else if !seen.insert(route) {
                self.push(&path, format!("route {} -> {} is listed twice", route.from, route.to));
            }
        }
        self.range("relayer.batch_size", raw.batch_size, 1, 1024);
        self.range("relayer.max_attempts", raw.max_attempts, 1, 1_000);
        self.range("relayer.backoff_initial_ms", raw.backoff_initial_ms, 100, 3_600_000);
        self.range("relayer.backoff_max_ms", raw.backoff_max_ms, 100, 604_800_000);
        if raw.backoff_max_ms < raw.backoff_initial_ms {
            self.push(
                "relayer.backoff_max_ms",
                format!(
                    "must be at least backoff_initial_ms ({}), got {}",
                    raw.backoff_initial_ms, raw.backoff_max_ms
                ),
            );
        }
        if raw.gas_escalation_percent < 10 {
            self.push(
                "relayer.gas_escalation_percent",
                format!(
                    "must be at least 10, got {}: nodes refuse a replacement transaction whose \
                     price rose by less than 10%",
                    raw.gas_escalation_percent
                ),
            );
        } else {
            self.range("relayer.gas_escalation_percent", raw.gas_escalation_percent, 10, 100);
        }
        self.range("relayer.gas_price_cap_gwei", raw.gas_price_cap_gwei, 1, 1_000_000);
        let listen = self.listen("relayer.listen", &raw.listen);
        self.range("relayer.signature_timeout_ms", raw.signature_timeout_ms, 100, 600_000);
        self.range("relayer.poll_interval_ms", raw.poll_interval_ms, 10, 3_600_000);
        self.range("relayer.gas_stuck_after_ms", raw.gas_stuck_after_ms, 1_000, 3_600_000);
        self.range("relayer.receipt_timeout_ms", raw.receipt_timeout_ms, 1_000, 86_400_000);
        if raw.receipt_timeout_ms < raw.gas_stuck_after_ms {
            self.push(
                "relayer.receipt_timeout_ms",
                format!(
                    "must be at least gas_stuck_after_ms ({}), got {}: the relayer would stop \
                     waiting before it ever re-sent a stuck transaction",
                    raw.gas_stuck_after_ms, raw.receipt_timeout_ms
                ),
            );
        }
        RelayerConfig {
            key,
            routes: raw.routes.clone(),
            batch_size: raw.batch_size,
            max_attempts: raw.max_attempts,
            backoff_initial_ms: raw.backoff_initial_ms,
            backoff_max_ms: raw.backoff_max_ms,
            gas_escalation_percent: raw.gas_escalation_percent,
            gas_price_cap_gwei: raw.gas_price_cap_gwei,
            listen,
            signature_timeout_ms: raw.signature_timeout_ms,
            poll_interval_ms: raw.poll_interval_ms,
            gas_stuck_after_ms: raw.gas_stuck_after_ms,
            receipt_timeout_ms: raw.receipt_timeout_ms,
        }
    }

    fn indexer(&mut self) -> IndexerConfig {
        let raw = &self.raw.indexer;
        let listen = self.listen("indexer.listen", &raw.listen);
        self.range("indexer.max_log_range", raw.max_log_range, 1, 100_000);
        if raw.min_log_range == 0 {
            self.push("indexer.min_log_range", "must be at least 1, got 0");
        } else if raw.min_log_range > raw.max_log_range {
            self.push(
                "indexer.min_log_range",
                format!(
                    "must not exceed max_log_range ({}), got {}",
                    raw.max_log_range, raw.min_log_range
                ),
            );
        }
        self.range("indexer.poll_interval_ms", raw.poll_interval_ms, 10, 3_600_000);
        self.range("indexer.operator_sync_ms", raw.operator_sync_ms, 100, 3_600_000);
        self.range("indexer.unready_after_ms", raw.unready_after_ms, 100, 86_400_000);
        self.range("indexer.give_up_after_ms", raw.give_up_after_ms, 100, 604_800_000);
        if raw.give_up_after_ms < raw.unready_after_ms {
            self.push(
                "indexer.give_up_after_ms",
                format!(
                    "must be at least unready_after_ms ({}), got {}",
                    raw.unready_after_ms, raw.give_up_after_ms
                ),
            );
        }
        IndexerConfig {
            listen,
            max_log_range: raw.max_log_range,
            min_log_range: raw.min_log_range,
            poll_interval_ms: raw.poll_interval_ms,
            operator_sync_ms: raw.operator_sync_ms,
            unready_after_ms: raw.unready_after_ms,
            give_up_after_ms: raw.give_up_after_ms,
        }
    }

    fn node(&mut self) -> NodeConfig {
        let raw = &self.raw.node;
        self.range("node.reload_interval_ms", raw.reload_interval_ms, 100, 3_600_000);
        NodeConfig { reload_interval_ms: raw.reload_interval_ms }
    }

    fn store(&mut self) -> StoreConfig {
        let raw = &self.raw.store;
        let has_user = match check::store_url(&raw.url) {
            Ok(has_user) => has_user,
            Err(e) => {
                self.push("store.url", e);
                true
            }
        };
        let password = raw.password.as_ref().map(|secret| {
            let source = self.secret("store.password", secret, "CAUSEWAY_STORE_PASSWORD");
            if raw.url.starts_with("sqlite:") {
                self.push("store.password", "only a postgres store takes a password");
            } else if !has_user {
                self.push(
                    "store.url",
                    "store.password is set but the URL names no user: postgres://USER@HOST/DB",
                );
            }
            source
        });
        StoreConfig { url: raw.url.clone(), password }
    }

    fn distinct_listeners(&mut self, listeners: &[(&str, SocketAddr)]) {
        for (i, (path, addr)) in listeners.iter().enumerate() {
            if *addr == PLACEHOLDER_ADDR {
                continue;
            }
            if let Some((other, _)) = listeners[..i].iter().find(|(_, a)| a == addr) {
                self.push(
                    *path,
                    format!("{addr} is also {other}; each role needs its own address"),
                );
            }
        }
    }
}

fn unknown_chain<'a>(name: &str, configured: impl Iterator<Item = &'a String>) -> String {
    let configured: Vec<&str> = configured.map(String::as_str).collect();
    if configured.is_empty() {
        format!("unknown chain \"{name}\"; no chains are configured")
    } else {
        format!("unknown chain \"{name}\"; configured: {}", configured.join(", "))
    }
}
