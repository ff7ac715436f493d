//! Unit tests of validation, one concern per test.

use super::*;

const BASE: &str = r#"
    [hub]
    chain = "eth"
    [chains.eth]
    kind = "evm"
    domain = 1
    chain_id = 1
    rpc = "http://127.0.0.1:8545"
"#;

/// `path: message` of every problem of `BASE` + `extra` (no structural errors allowed).
fn problems(extra: &str) -> Vec<String> {
    let (raw, structural) = RawConfig::from_table(format!("{BASE}\n{extra}").parse().unwrap());
    assert!(structural.is_empty(), "{structural:?}");
    match validate(&raw) {
        Ok(_) => Vec::new(),
        Err(found) => found.iter().map(ToString::to_string).collect(),
    }
}

fn paths(extra: &str) -> Vec<String> {
    problems(extra).iter().map(|p| p.split(": ").next().unwrap_or("").to_owned()).collect()
}

#[test]
fn base_is_valid() {
    assert_eq!(problems(""), Vec::<String>::new());
}

#[test]
fn missing_chain_fields_are_each_reported() {
    assert_eq!(
        paths("[chains.a]\n[chains.b]\nkind = \"evm\"\n[chains.c]\nkind = \"substrate\""),
        [
            "chains.a.kind",
            "chains.a.domain",
            "chains.a.rpc",
            "chains.b.domain",
            "chains.b.rpc",
            "chains.b.chain_id",
            "chains.c.domain",
            "chains.c.rpc",
            "chains.c.ss58_prefix",
            "chains.c.decimals",
        ]
    );
}

#[test]
fn kind_specific_fields_are_refused_on_the_other_kind() {
    let found = paths(
        r#"
        [chains.evm2]
        kind = "evm"
        domain = 2
        chain_id = 2
        rpc = "http://h:1"
        ss58_prefix = 0
        decimals = 10
        escrow = "x"
        [chains.dot]
        kind = "substrate"
        domain = 3
        rpc = "http://h:1"
        chain_id = 3
        ss58_prefix = 20000
        decimals = 40
        escrow = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"
        [chains.dot.contracts]
        mailbox = "0x5fbdb2315678afecb367f032d93f642f64180aa3"
        "#,
    );
    assert_eq!(
        found,
        [
            "chains.dot.rpc",
            "chains.dot.chain_id",
            "chains.dot.contracts",
            "chains.dot.ss58_prefix",
            "chains.dot.decimals",
            "chains.evm2.ss58_prefix",
            "chains.evm2.decimals",
            "chains.evm2.escrow",
        ]
    );
}

#[test]
fn escrow_prefix_must_match_the_chain() {
    let found = problems(
        r#"
        [chains.dot]
        kind = "substrate"
        domain = 3
        rpc = "ws://h:1"
        ss58_prefix = 0
        decimals = 10
        escrow = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"
        "#,
    );
    assert_eq!(found.len(), 1);
    assert!(found[0].contains("chains.dot.escrow: \"5Grw") && found[0].contains("prefix 42"));
}

#[test]
fn domains_and_chain_ids_are_non_zero_and_unique() {
    let found = problems(
        r#"
        [chains.f]
        kind = "evm"
        domain = 1
        chain_id = 1
        rpc = "http://h:1"
        [chains.g]
        kind = "evm"
        domain = 0
        chain_id = 0
        rpc = "http://h:2"
        "#,
    );
    assert_eq!(
        found,
        [
            "chains.f.domain: domain 1 is already used by chains.eth",
            "chains.f.chain_id: chain_id 1 is already used by chains.eth; signatures bind to \
             the chain id, so each evm chain needs its own",
            "chains.g.domain: domain 0 is reserved; use a non-zero u32",
            "chains.g.chain_id: must be non-zero",
        ]
    );
}

#[test]
fn finality_depth_is_bounded() {
    assert_eq!(
        problems("[chains.eth.finality]\ndepth = 0"),
        ["chains.eth.finality.depth: must be between 1 and 10000, got 0"]
    );
    assert_eq!(problems("[chains.eth.finality]\ndepth = 10000"), Vec::<String>::new());
}

#[test]
fn hub_must_be_a_configured_evm_chain() {
    let substrate = r#"
        [chains.dot]
        kind = "substrate"
        domain = 3
        rpc = "ws://h:1"
        ss58_prefix = 0
        decimals = 10
    "#;
    let (mut raw, _) = RawConfig::from_table(format!("{BASE}\n{substrate}").parse().unwrap());
    raw.hub.chain = Some("dot".into());
    let found = validate(&raw).unwrap_err();
    assert_eq!(found.len(), 1);
    assert!(found[0].message.contains("substrate chain; the hub must be an evm chain"));
    raw.hub.chain = Some("nope".into());
    assert_eq!(
        validate(&raw).unwrap_err()[0].to_string(),
        "hub.chain: unknown chain \"nope\"; configured: dot, eth"
    );
}

#[test]
fn references_routes_and_origins() {
    let found = problems(
        r#"
        [operator]
        origins = ["eth", "eth", "mars"]
        [relayer]
        routes = [
            { from = "eth", to = "eth" },
            { from = "eth", to = "mars" },
            { from = "venus", to = "eth" },
            { from = "venus", to = "eth" },
        ]
        "#,
    );
    assert_eq!(
        found,
        [
            "operator.origins[1]: \"eth\" is listed twice",
            "operator.origins[2]: unknown chain \"mars\"; configured: eth",
            "relayer.routes[0]: a route from \"eth\" to itself",
            "relayer.routes[1].to: unknown chain \"mars\"; configured: eth",
            "relayer.routes[2].from: unknown chain \"venus\"; configured: eth",
            "relayer.routes[3].from: unknown chain \"venus\"; configured: eth",
            "relayer.routes[3]: route venus -> eth is listed twice",
        ]
    );
}

#[test]
fn broken_chains_do_not_cascade() {
    let text = format!(
        "{BASE}\n[chains.dot]\nkind = \"substrate\"\nbogus = 1\n[operator]\norigins = [\"dot\"]"
    );
    let (raw, structural) = RawConfig::from_table(text.parse().unwrap());
    assert_eq!(structural.len(), 1);
    assert!(validate(&raw).is_ok());
}

#[test]
fn numbers_are_range_checked() {
    let found = problems(
        r#"
        [operator]
        poll_interval_ms = 0
        [relayer]
        batch_size = 2000
        max_attempts = 0
        backoff_initial_ms = 60000
        backoff_max_ms = 1000
        gas_escalation_percent = 5
        gas_price_cap_gwei = 0
        signature_timeout_ms = 1
        [indexer]
        max_log_range = 5
        min_log_range = 10
        "#,
    );
    assert_eq!(
        found.iter().map(|p| p.split(": ").next().unwrap_or("")).collect::<Vec<_>>(),
        [
            "operator.poll_interval_ms",
            "relayer.batch_size",
            "relayer.max_attempts",
            "relayer.backoff_max_ms",
            "relayer.gas_escalation_percent",
            "relayer.gas_price_cap_gwei",
            "relayer.signature_timeout_ms",
            "indexer.min_log_range",
        ]
    );
    assert!(found[4].contains("less than 10%"), "{}", found[4]);
    assert_eq!(
        problems("[indexer]\nmin_log_range = 0"),
        ["indexer.min_log_range: must be at least 1, got 0"]
    );
}

#[test]
fn interval_keys_are_range_checked() {
    let found = problems(
        r#"
        [operator]
        epoch_refresh_ms = 99
        [relayer]
        poll_interval_ms = 9
        gas_stuck_after_ms = 999
        receipt_timeout_ms = 86400001
        [indexer]
        poll_interval_ms = 3600001
        operator_sync_ms = 0
        unready_after_ms = 86400001
        give_up_after_ms = 604800001
        [node]
        reload_interval_ms = 99
        "#,
    );
    assert_eq!(
        found,
        [
            "operator.epoch_refresh_ms: must be between 100 and 3600000, got 99",
            "relayer.poll_interval_ms: must be between 10 and 3600000, got 9",
            "relayer.gas_stuck_after_ms: must be between 1000 and 3600000, got 999",
            "relayer.receipt_timeout_ms: must be between 1000 and 86400000, got 86400001",
            "indexer.poll_interval_ms: must be between 10 and 3600000, got 3600001",
            "indexer.operator_sync_ms: must be between 100 and 3600000, got 0",
            "indexer.unready_after_ms: must be between 100 and 86400000, got 86400001",
            "indexer.give_up_after_ms: must be between 100 and 604800000, got 604800001",
            "node.reload_interval_ms: must be between 100 and 3600000, got 99",
        ]
    );
    // The bounds themselves are accepted.
    assert_eq!(
        problems(
            r#"
            [operator]
            epoch_refresh_ms = 3600000
            [relayer]
            poll_interval_ms = 10
            gas_stuck_after_ms = 1000
            receipt_timeout_ms = 1000
            [indexer]
            poll_interval_ms = 10
            operator_sync_ms = 100
            unready_after_ms = 86400000
            give_up_after_ms = 604800000
            [node]
            reload_interval_ms = 100
            "#
        ),
        Vec::<String>::new()
    );
    // Giving up on a chain before /ready would have said so is refused.
    assert_eq!(
        problems("[indexer]\nunready_after_ms = 60000\ngive_up_after_ms = 59999"),
        ["indexer.give_up_after_ms: must be at least unready_after_ms (60000), got 59999"]
    );
    // Giving up on a receipt before a stuck transaction would ever be re-sent is refused.
    assert_eq!(
        problems("[relayer]\ngas_stuck_after_ms = 60000\nreceipt_timeout_ms = 59999"),
        ["relayer.receipt_timeout_ms: must be at least gas_stuck_after_ms (60000), got 59999: \
          the relayer would stop waiting before it ever re-sent a stuck transaction"]
    );
}

#[test]
fn interval_defaults_are_todays_behaviour() {
    let (raw, _) = RawConfig::from_table(BASE.parse().unwrap());
    let config = validate(&raw).unwrap();
    let ms = |d: std::time::Duration| d.as_millis();
    assert_eq!(ms(config.operator.poll_interval()), 1_000);
    assert_eq!(ms(config.operator.epoch_refresh()), 10_000);
    assert_eq!(ms(config.relayer.poll_interval()), 500);
    assert_eq!(ms(config.relayer.gas_stuck_after()), 30_000);
    assert_eq!(ms(config.relayer.receipt_timeout()), 600_000);
    assert_eq!(ms(config.indexer.poll_interval()), 1_000);
    assert_eq!(ms(config.indexer.operator_sync()), 10_000);
    assert_eq!(ms(config.indexer.unready_after()), 30_000);
    assert_eq!(ms(config.node.reload_interval()), 2_000);
}

#[test]
fn evm_rpc_must_be_plain_http_in_this_build() {
    let found = problems(
        r#"
        [chains.l2]
        kind = "evm"
        domain = 2
        chain_id = 2
        rpc = "ws://127.0.0.1:8546"
        [chains.l3]
        kind = "evm"
        domain = 3
        chain_id = 3
        rpc = "https://rpc.example.org"
        [chains.l4]
        kind = "evm"
        domain = 4
        chain_id = 4
        rpc = "wss://rpc.example.org/v3/key"
        "#,
    );
    let refused = |path: &str, url: &str| {
        format!(
            "{path}: \"{url}\": this build's EVM adapter speaks http:// only (no TLS or \
             WebSocket yet, ADR 0006)"
        )
    };
    assert_eq!(
        found,
        [
            refused("chains.l2.rpc", "ws://127.0.0.1:8546"),
            refused("chains.l3.rpc", "https://rpc.example.org"),
            refused("chains.l4.rpc", "wss://rpc.example.org/v3/key"),
        ]
    );
}

#[test]
fn substrate_rpc_keeps_websocket() {
    let substrate = |rpc: &str| {
        format!(
            "[chains.dot]\nkind = \"substrate\"\ndomain = 3\nrpc = \"{rpc}\"\n\
             ss58_prefix = 0\ndecimals = 10"
        )
    };
    assert_eq!(problems(&substrate("ws://127.0.0.1:9944")), Vec::<String>::new());
    assert_eq!(problems(&substrate("wss://rpc.polkadot.example.org")), Vec::<String>::new());
    assert_eq!(
        problems(&substrate("http://127.0.0.1:9944")),
        ["chains.dot.rpc: not a ws:// or wss:// URL: \"http://127.0.0.1:9944\""]
    );
}

#[test]
fn secret_sources_are_checked() {
    assert_eq!(
        paths(
            r#"
            [operator]
            key = { env = "CAUSEWAY_OPERATOR__KEY" }
            [relayer]
            key = { file = "" }
            [store]
            url = "postgres://causeway@db/causeway"
            password = { env = "9LIVES" }
            "#
        ),
        ["operator.key.env", "relayer.key.file", "store.password.env"]
    );
    let found = problems("[relayer]\nkey = \"0xabc\"");
    assert_eq!(
        found,
        ["relayer.key: a secret is never written inline in TOML; use \
          { env = \"CAUSEWAY_RELAYER_KEY\" } or { file = \"path/to/key\" }"]
    );
}

#[test]
fn store_urls_and_passwords() {
    assert_eq!(
        problems("[store]\nurl = \"postgres://causeway@db:5432/causeway\""),
        Vec::<String>::new()
    );
    assert_eq!(paths("[store]\nurl = \"mysql://db/x\""), ["store.url"]);
    assert_eq!(paths("[store]\npassword = { env = \"PGPASS\" }"), ["store.password"],);
    assert_eq!(
        paths("[store]\nurl = \"postgres://db/x\"\npassword = { env = \"PGPASS\" }"),
        ["store.url"],
    );
}

#[test]
fn listen_addresses_parse_and_differ() {
    assert_eq!(
        problems("[relayer]\nlisten = \"nope\""),
        ["relayer.listen: not an IP:PORT listen address: \"nope\" (for example \
          127.0.0.1:9101 or [::1]:9101)"]
    );
    assert_eq!(problems("[operator]\nlisten = \"0.0.0.0:9101\""), Vec::<String>::new());
    assert_eq!(
        problems("[operator]\nlisten = \"127.0.0.1:9100\""),
        ["indexer.listen: 127.0.0.1:9100 is also operator.listen; each role needs its own \
          address"]
    );
}

#[test]
fn chain_names_and_empty_chains() {
    assert_eq!(
        paths("[chains.Moon]\nkind = \"evm\"\ndomain = 9\nchain_id = 9\nrpc = \"http://h:1\""),
        ["chains.Moon"]
    );
    let (raw, _) = RawConfig::from_table(toml::Table::new());
    let found = validate(&raw).unwrap_err();
    assert_eq!(found.iter().map(|p| p.path.as_str()).collect::<Vec<_>>(), ["chains", "hub.chain"]);
}

#[test]
fn substrate_escrow_keys_are_checked() {
    let chain = |extra: &str| {
        format!(
            "[chains.dot]\nkind = \"substrate\"\ndomain = 3\nrpc = \"ws://h:1\"\n\
             ss58_prefix = 0\ndecimals = 10\n{extra}"
        )
    };
    let alice = "15oF4uVJwmo4TdGW7VfQxNLavjCXviqxT9S1MgbjMNHr6Sp5";
    let bob = "14E5nqKAp3oAJcmzgZhUD2RcptBeUBScxKHgJKU4HPNcKVf3";
    let good = format!(
        "signatories = [\"{alice}\", \"{bob}\"]\nthreshold = 2\nruntime = \"polkadot\"\n\
         bridges = {{ eth = \"0x5fbdb2315678afecb367f032d93f642f64180aa3\" }}"
    );
    assert_eq!(problems(&chain(&good)), Vec::<String>::new());
    let found = problems(&chain(&format!(
        "signatories = [\"{alice}\", \"{alice}\", \"5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY\"]\n\
         threshold = 1\nbridges = {{ nowhere = \"0x5fbdb2315678afecb367f032d93f642f64180aa3\", \
         eth = \"0x12\" }}"
    )));
    let joined = found.join("\n");
    assert!(
        joined.contains("chains.dot.signatories[2]") && joined.contains("prefix 42"),
        "{joined}"
    );
    assert!(joined.contains("chains.dot.signatories: an account is listed twice"), "{joined}");
    assert!(joined.contains("chains.dot.threshold: 1 with 3 signatories"), "{joined}");
    assert!(joined.contains("chains.dot.bridges.nowhere: no chain named nowhere"), "{joined}");
    assert!(joined.contains("chains.dot.bridges.eth"), "{joined}");
    let no_threshold = problems(&chain(&format!("signatories = [\"{alice}\", \"{bob}\"]")));
    assert_eq!(
        no_threshold,
        ["chains.dot.threshold: missing: approvals a release needs (2..=number of signatories)"]
    );
    let evm_with_escrow_keys = problems(
        "[chains.e]\nkind = \"evm\"\ndomain = 9\nchain_id = 9\nrpc = \"http://h:1\"\nthreshold = 2",
    );
    assert!(evm_with_escrow_keys[0].starts_with("chains.e.threshold: only substrate chains"));
}

#[test]
fn the_signed_log_is_an_absolute_path() {
    assert_eq!(
        problems("[operator]\nsigned_log = \"/var/lib/causeway/signed.db\""),
        Vec::<String>::new()
    );
    let found = problems("[operator]\nsigned_log = \"signed.db\"");
    assert_eq!(found.len(), 1);
    assert!(found[0].starts_with("operator.signed_log: \"signed.db\" is relative"), "{found:?}");
}

#[test]
fn native_names_the_substrate_side() {
    let dot = "[chains.dot]\nkind = \"substrate\"\ndomain = 3\nrpc = \"ws://h:1\"\nss58_prefix = 0\ndecimals = 10\n";
    let evm = |native: &str| {
        format!(
            "{dot}[chains.x]\nkind = \"evm\"\ndomain = 81\nchain_id = 81\nrpc = \"http://h:2\"\nnative = \"{native}\"\n"
        )
    };
    assert_eq!(problems(&evm("dot")), Vec::<String>::new());
    assert_eq!(
        problems(&evm("eth")),
        [
            "chains.x.native: chains.eth is not a substrate chain; native names the substrate side of this network"
        ]
    );
    assert_eq!(problems(&evm("nope")), ["chains.x.native: no chain named nope in [chains]"]);
    let on_substrate = problems(&format!("{dot}native = \"dot\"\n"));
    assert_eq!(
        on_substrate,
        ["chains.dot.native: only evm chains have native (the substrate side they belong to)"]
    );
}
