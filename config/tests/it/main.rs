//! Integration tests of `causeway-config`: loading real files through the public API.

use std::path::{Path, PathBuf};

use causeway_config::{
    ChainKind, Config, ConfigError, Finality, Problems, SecretSource, Sources, StoreBackend, load,
    presets,
};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

fn reference() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("reference.toml")
}

fn file(path: PathBuf) -> Sources {
    Sources { file: Some(path), ..Sources::default() }
}

fn devnet() -> Sources {
    Sources { preset: Some("devnet".into()), ..Sources::default() }
}

fn problems(result: Result<Config, ConfigError>) -> Problems {
    match result {
        Err(ConfigError::Invalid(problems)) => problems,
        other => panic!("expected Invalid, got {other:?}"),
    }
}

fn tmp_file(name: &str, text: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::write(&path, text).expect("write temp file");
    path
}

#[test]
fn devnet_preset_loads_and_validates() {
    assert_eq!(presets(), ["devnet"]);
    let config = load(&devnet()).expect("devnet preset is valid");
    assert_eq!(config.hub.chain, "ethereum");
    let (hub, evm) = config.hub_chain().expect("hub chain is evm");
    assert_eq!((hub.domain, evm.chain_id), (1, 31337));
    let l2 = config.chain("l2").expect("l2 configured");
    assert_eq!(l2.domain, 2);
    assert_eq!(l2.rpc, "http://127.0.0.1:8546");
    assert_eq!(l2.finality, Finality::Instant);
    assert!(matches!(&l2.kind, ChainKind::Evm(evm) if evm.chain_id == 31338));
    assert_eq!(config.chain_by_domain(2).map(|(name, _)| name), Some("l2"));
    assert_eq!(config.chain_by_domain(7), None);
    assert_eq!(config.operator.key, SecretSource::Env("CAUSEWAY_OPERATOR_KEY".into()));
    assert_eq!(config.relayer.key, SecretSource::Env("CAUSEWAY_RELAYER_KEY".into()));
    assert_eq!(config.store.backend(), StoreBackend::Sqlite);
    assert!(config.store.url.starts_with("sqlite://.causeway/"));
    assert_eq!(config.relayer_routes().len(), 2);
    assert_eq!(config.operator_origins(), ["ethereum", "l2"]);
    // Instant-final dev chains: everything that polls them polls fast.
    let fast = std::time::Duration::from_millis(100);
    assert_eq!(config.indexer.poll_interval(), fast);
    assert_eq!(config.operator.poll_interval(), fast);
    assert_eq!(config.relayer.poll_interval(), fast);
}

#[test]
fn unknown_chain_lookup_names_the_configured_ones() {
    let config = load(&devnet()).expect("devnet preset is valid");
    let err = config.chain("astar").expect_err("not configured");
    assert_eq!(err.to_string(), "unknown chain \"astar\"; configured: ethereum, l2");
}

#[test]
fn reference_file_loads_and_validates() {
    let config = load(&file(reference())).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.chains.len(), 5);
    let polkadot = config.chain("polkadot").expect("configured");
    assert!(
        matches!(&polkadot.kind, ChainKind::Substrate(s) if s.ss58_prefix == 0 && s.escrow.is_some()
            && s.signatories.len() == 3 && s.threshold == 2 && s.bridges.contains_key("ethereum"))
    );
    let ChainKind::Evm(astar_evm) = &config.chain("astar_evm").expect("configured").kind else {
        panic!("astar_evm is evm");
    };
    assert_eq!(astar_evm.native.as_deref(), Some("astar"));
    assert_eq!(config.chain("l2").expect("configured").finality, Finality::Depth(12));
    let ChainKind::Evm(ethereum) = &config.chain("ethereum").expect("configured").kind else {
        panic!("ethereum is evm");
    };
    assert!(ethereum.contracts.entries().iter().all(|(_, address)| address.is_some()));
    assert_eq!(config.relayer.routes.len(), 3);
}

#[test]
fn reference_documents_every_default() {
    // Every default the loader applies appears in the reference with the same value, so a
    // reference without its optional sections is the same configuration.
    let text = std::fs::read_to_string(reference()).expect("reference.toml");
    let full = load(&file(reference())).expect("valid");
    let mut table: toml::Table = text.parse().expect("toml");
    for section in ["operator", "relayer", "indexer", "store", "node"] {
        table.remove(section);
    }
    // The reference's own choices that differ from defaults, put back.
    let kept = tmp_file(
        "reference-minus-defaults.toml",
        &format!(
            "{}\n[operator]\norigins = [\"ethereum\", \"l2\", \"polkadot\"]\n\
             signed_log = \"/var/lib/causeway/operator-signed.db\"\n[relayer]\nroutes = [\
             {{ from = \"ethereum\", to = \"l2\" }}, {{ from = \"l2\", to = \"ethereum\" }}, \
             {{ from = \"polkadot\", to = \"ethereum\" }}]\n",
            toml::to_string(&table).expect("render")
        ),
    );
    assert_eq!(load(&file(kept)).expect("valid"), full);
}

#[test]
fn reference_lists_every_key() {
    // Every key of the effective configuration (all defaults filled in) appears in the
    // reference, so a key cannot be added without being documented there.
    fn keys(table: &toml::Table, prefix: &str, out: &mut Vec<String>) {
        for (key, value) in table {
            let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
            match value {
                toml::Value::Table(inner) if !path.ends_with(".key") => keys(inner, &path, out),
                _ => out.push(path),
            }
        }
    }
    let text = std::fs::read_to_string(reference()).expect("reference.toml");
    let mut documented = Vec::new();
    keys(&text.parse().expect("toml"), "", &mut documented);
    let rendered = load(&file(reference())).expect("valid").to_toml();
    let mut effective = Vec::new();
    keys(&rendered.parse().expect("toml"), "", &mut effective);
    let missing: Vec<&String> = effective.iter().filter(|k| !documented.contains(k)).collect();
    assert!(missing.is_empty(), "keys missing from reference.toml: {missing:?}");
    for key in ["relayer.poll_interval_ms", "indexer.unready_after_ms", "node.reload_interval_ms"] {
        assert!(documented.iter().any(|k| k == key), "{key}");
    }
    assert!(!documented.iter().any(|k| k == "relayer.queue_capacity"));
}

#[test]
fn layering_preset_file_env_override() {
    let key = |c: &Config| c.operator.poll_interval_ms;
    let mut sources = devnet();
    assert_eq!(key(&load(&sources).expect("preset")), 100);

    sources.file = Some(fixture("layering.toml"));
    let with_file = load(&sources).expect("preset + file");
    assert_eq!(key(&with_file), 600);
    // Deep merge: the file's [operator] did not erase the preset's other operator keys.
    assert_eq!(with_file.operator.origins, ["ethereum", "l2"]);
    assert_eq!(with_file.relayer.batch_size, 16);

    sources.env = vec![
        ("HOME".into(), "/root".into()),
        ("CAUSEWAY_RELAYER_KEY".into(), "0xnot-config".into()),
        ("CAUSEWAY_OPERATOR__POLL_INTERVAL_MS".into(), "700".into()),
        ("CAUSEWAY_CHAINS__L2__RPC".into(), "http://127.0.0.1:9546".into()),
    ];
    let with_env = load(&sources).expect("preset + file + env");
    assert_eq!(key(&with_env), 700);
    assert_eq!(with_env.chain("l2").expect("l2").rpc, "http://127.0.0.1:9546");
    assert_eq!(with_env.relayer.batch_size, 16);

    sources.overrides = vec!["operator.poll_interval_ms=800".into()];
    assert_eq!(key(&load(&sources).expect("all four")), 800);
}

#[test]
fn five_problems_reported_at_once() {
    let found = problems(load(&file(fixture("five_problems.toml"))));
    assert_eq!(
        found.paths(),
        [
            "chains.astar.rpc",
            "chains.ethereum.domain",
            "chains.ethereum.contracts.mailbox",
            "operator.origins[1]",
            "relayer.batch_size",
        ],
        "{found}"
    );
    let text = found.to_string();
    assert_eq!(text.lines().count(), 5, "{text}");
    let first = text.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("chains.astar.rpc: not a ws:// or wss:// URL: \"http//x\" (from file "),
        "{first}"
    );
    assert!(text.contains("domain 1 is already used by chains.astar"), "{text}");
    assert!(text.contains("unknown chain \"solana\"; configured: astar, ethereum"), "{text}");
    assert!(
        found
            .iter()
            .all(|p| p.origin.as_deref().is_some_and(|o| o.ends_with("five_problems.toml")))
    );
}

#[test]
fn evm_websocket_rpc_is_refused_with_its_origin() {
    let mut sources = devnet();
    sources.env = vec![("CAUSEWAY_CHAINS__L2__RPC".into(), "ws://127.0.0.1:8546".into())];
    let found = problems(load(&sources));
    assert_eq!(
        found.to_string(),
        "chains.l2.rpc: \"ws://127.0.0.1:8546\": this build's EVM adapter speaks http:// only \
         (no TLS or WebSocket yet, ADR 0006) (from env CAUSEWAY_CHAINS__L2__RPC)"
    );
    sources.env = vec![];
    sources.overrides = vec!["chains.ethereum.rpc=https://rpc.example.org".into()];
    assert_eq!(problems(load(&sources)).paths(), ["chains.ethereum.rpc"]);
}

#[test]
fn removed_queue_capacity_is_an_unknown_field() {
    let mut sources = devnet();
    sources.overrides = vec!["relayer.queue_capacity=10000".into()];
    let found = problems(load(&sources));
    assert_eq!(found.paths(), ["relayer.queue_capacity"], "{found}");
    assert!(found.0[0].message.contains("unknown field `queue_capacity`"), "{found}");
}

#[test]
fn node_section_is_optional_and_layered() {
    assert_eq!(load(&devnet()).expect("valid").node.reload_interval_ms, 2_000);
    let mut sources = devnet();
    sources.env = vec![("CAUSEWAY_NODE__RELOAD_INTERVAL_MS".into(), "250".into())];
    let config = load(&sources).expect("valid");
    assert_eq!(config.node.reload_interval(), std::time::Duration::from_millis(250));
    sources.env = vec![("CAUSEWAY_NODE__RELOAD_INTERVAL_MS".into(), "5".into())];
    let found = problems(load(&sources));
    assert_eq!(
        found.to_string(),
        "node.reload_interval_ms: must be between 100 and 3600000, got 5 \
         (from env CAUSEWAY_NODE__RELOAD_INTERVAL_MS)"
    );
}

#[test]
fn unknown_field_reports_path_and_file() {
    let found = problems(load(&file(fixture("unknown_field.toml"))));
    assert_eq!(found.paths(), ["relayer.batch_sise"], "{found}");
    let problem = &found.0[0];
    assert!(problem.message.contains("unknown field `batch_sise`"), "{}", problem.message);
    assert!(problem.message.contains("`batch_size`"), "{}", problem.message);
    let origin = problem.origin.as_deref().unwrap_or_default();
    assert!(origin.starts_with("file ") && origin.ends_with("unknown_field.toml"), "{origin}");
}

#[test]
fn unknown_field_from_env_names_the_variable() {
    let mut sources = devnet();
    sources.env = vec![("CAUSEWAY_INDEXER__MAX_LOGRANGE".into(), "5".into())];
    let found = problems(load(&sources));
    assert_eq!(found.to_string().lines().count(), 1);
    assert_eq!(found.0[0].path, "indexer.max_logrange");
    assert_eq!(found.0[0].origin.as_deref(), Some("env CAUSEWAY_INDEXER__MAX_LOGRANGE"));
}

#[test]
fn malformed_toml_reports_line_and_column() {
    let err = load(&file(fixture("malformed.toml"))).expect_err("malformed");
    let ConfigError::Parse { origin, message, .. } = &err else {
        panic!("expected Parse, got {err:?}")
    };
    assert!(origin.ends_with("malformed.toml"), "{origin}");
    assert!(message.starts_with("line 6, column 10:"), "{message}");
}

#[test]
fn missing_file_says_which_path() {
    let path = fixture("does-not-exist.toml");
    let err = load(&file(path.clone())).expect_err("missing");
    assert!(matches!(&err, ConfigError::Io { path: p, .. } if *p == path));
    assert!(err.to_string().contains("does-not-exist.toml"), "{err}");
}

#[test]
fn unknown_chain_references_are_reported() {
    let found = problems(load(&file(fixture("unknown_chain.toml"))));
    assert_eq!(found.paths(), ["hub.chain", "relayer.routes[0].to"], "{found}");
    assert!(found.0[0].message.contains("unknown chain \"mainnet\"; configured: ethereum"));
    assert!(found.0[1].message.contains("unknown chain \"polkadot\""));
}

#[test]
fn inline_secret_is_refused_without_echoing_it() {
    let mut sources = devnet();
    sources.file = Some(fixture("inline_secret.toml"));
    let err = load(&sources).expect_err("inline secret");
    let text = err.to_string();
    assert!(text.contains("operator.key: a secret is never written inline"), "{text}");
    assert!(text.contains("{ env = \"CAUSEWAY_OPERATOR_KEY\" }"), "{text}");
    assert!(!text.contains("ac0974bec39a17e36ba4a6b4d238ff944bacb478"), "{text}");
    assert!(!format!("{err:?}").contains("ac0974bec39a17e36ba4a6b4d238ff944bacb478"));

    // The same through an env var: refused, and the value is not shown either.
    let mut sources = devnet();
    sources.env =
        vec![("CAUSEWAY_RELAYER__KEY".into(), "0xac0974bec39a17e36ba4a6b4d238ff94".into())];
    let text = load(&sources).expect_err("inline secret").to_string();
    assert!(text.contains("relayer.key: a secret is never written inline"), "{text}");
    assert!(text.contains("(from env CAUSEWAY_RELAYER__KEY)"), "{text}");
    assert!(!text.contains("ac0974bec"), "{text}");
}

#[test]
fn to_toml_round_trips() {
    for (name, sources) in [
        ("devnet", devnet()),
        ("reference", file(reference())),
        ("minimal", file(fixture("minimal.toml"))),
    ] {
        let config = load(&sources).unwrap_or_else(|e| panic!("{name}: {e}"));
        let text = config.to_toml();
        assert!(
            text.contains("env = \"CAUSEWAY_"),
            "{name}: secrets shown as their source\n{text}"
        );
        let path = tmp_file(&format!("roundtrip-{name}.toml"), &text);
        let again = load(&file(path)).unwrap_or_else(|e| panic!("{name}: {e}\n{text}"));
        assert_eq!(again, config, "{name}\n{text}");
    }
}

#[test]
fn overrides_and_env_reach_nested_tables() {
    let mut sources = devnet();
    sources.overrides = vec![
        "chains.l2.finality={ depth = 6 }".into(),
        "chains.ethereum.contracts.mailbox=0x5fbdb2315678afecb367f032d93f642f64180aa3".into(),
        "relayer.routes=[{ from = \"l2\", to = \"ethereum\" }]".into(),
    ];
    let config = load(&sources).expect("valid");
    assert_eq!(config.chain("l2").expect("l2").finality, Finality::Depth(6));
    let ChainKind::Evm(evm) = &config.chain("ethereum").expect("ethereum").kind else {
        panic!("evm")
    };
    assert!(evm.contracts.mailbox.is_some());
    assert_eq!(config.relayer_routes().len(), 1);
}

#[test]
fn bad_override_is_a_parse_error() {
    let mut sources = devnet();
    sources.overrides = vec!["relayer.batch_size".into()];
    let err = load(&sources).expect_err("no =");
    assert!(matches!(err, ConfigError::Parse { .. }), "{err:?}");
    assert!(err.to_string().contains("KEY.PATH=VALUE"), "{err}");
}

#[test]
fn empty_sources_explain_what_is_missing() {
    let found = problems(load(&Sources::default()));
    assert_eq!(found.paths(), ["hub.chain", "chains"], "{found}");
}
