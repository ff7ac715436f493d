//! Picking up chains added to or removed from the configuration file while a role runs.
//!
//! Every `node.reload_interval_ms` the file's modification time and length are compared with
//! what was last loaded; when they changed, the configuration is loaded again from the same
//! sources (preset, file, env, flags) and validated, and the registry is changed to its chains
//! ([`ChainRegistry::apply`]). A configuration that no longer validates, or that changes the hub
//! chain, is refused with a warning and the running chains stay as they are.

use std::{path::PathBuf, time::SystemTime};

use causeway_config::{Config, Sources};

use crate::{ChainRegistry, Supervisor};

fn stamp(path: &PathBuf) -> Option<(SystemTime, u64)> {
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.modified().ok()?, meta.len()))
}

/// Watches `sources.file` (when there is one; `config` is what it gave at start) and applies
/// its chains to `registry` on change.
pub fn spawn_reload(sources: Sources, config: &Config, registry: &ChainRegistry, sup: &Supervisor) {
    let Some(path) = sources.file.clone() else { return };
    let (every, hub) = (config.node.reload_interval(), config.hub.chain.clone());
    let (registry, cancel) = (registry.clone(), sup.cancel.clone());
    sup.spawn(async move {
        let mut seen = stamp(&path);
        loop {
            tokio::select! {
                () = cancel.cancelled() => break,
                () = tokio::time::sleep(every) => {}
            }
            let now = stamp(&path);
            if now == seen {
                continue;
            }
            seen = now;
            let config = match causeway_config::load(&sources) {
                Ok(config) => config,
                Err(e) => {
                    tracing::warn!(target: "causeway::node::reload", file = %path.display(), error = %e, "configuration changed but does not load; chains unchanged");
                    continue;
                }
            };
            match registry.apply(&config, &hub).await {
                Ok(changes) if changes.is_empty() => {}
                Ok(changes) => tracing::info!(target: "causeway::node::reload", added = ?changes.added, removed = ?changes.removed, changed = ?changes.changed, "chains reloaded"),
                Err(e) => tracing::warn!(target: "causeway::node::reload", error = %e, "configuration changed but was refused; chains unchanged"),
            }
        }
    });
}
