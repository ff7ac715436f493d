//! Runs the dev FRAME runtime's raw chain specs (`devnet/runtime/out/*.json`, written by
//! `cargo xtask runtime`) in chopsticks and checks what a client sees: the chain id, the
//! runtime's spec_name, the chain-spec properties, Alice's genesis balance, and that a block can
//! be built on top of genesis (an empty one, `dev_newBlock`; nothing is submitted).
//!
//! `cargo xtask test` (what CI runs) builds the runtime first and sets
//! `CAUSEWAY_REQUIRE_RUNTIME=1`: then a missing spec or toolchain fails the test. A plain
//! `cargo test` on a checkout that never built the runtime skips it with a note on stderr.

use std::path::{Path, PathBuf};

use causeway_toolchain::chopsticks::{Chopsticks, ChopsticksOptions};
use serde_json::{Value, json};

/// `System.Account` of Alice (`//Alice`, sr25519): twox128("System") ++ twox128("Account") ++
/// blake2_128_concat(public key).
const ALICE_ACCOUNT_KEY: &str = "0x26aa394eea5630e07c48ae0c9558cef7b99d880ec681799c0cf30e8886371da9\
de1e86a9a8c739864cf3cc5ec2bea59fd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d";

struct Profile {
    name: &'static str,
    spec_name: &'static str,
    ss58: u64,
    decimals: u32,
    symbol: &'static str,
}

const PROFILES: [Profile; 2] = [
    Profile {
        name: "polkadot-dev",
        spec_name: "causeway-polkadot-dev",
        ss58: 0,
        decimals: 10,
        symbol: "DOT",
    },
    Profile {
        name: "astar-dev",
        spec_name: "causeway-astar-dev",
        ss58: 5,
        decimals: 18,
        symbol: "ASTR",
    },
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask has a parent").to_path_buf()
}

#[test]
fn chopsticks_runs_the_dev_runtime_specs() {
    let required = std::env::var_os("CAUSEWAY_REQUIRE_RUNTIME").is_some();
    let chopsticks = root().join("toolchain/node_modules/.bin/chopsticks");
    if !chopsticks.exists() {
        assert!(!required, "no {} although the runtime was built", chopsticks.display());
        eprintln!("skipped: no {} (run `cargo xtask bootstrap`)", chopsticks.display());
        return;
    }
    for profile in &PROFILES {
        let spec = root().join(format!("devnet/runtime/out/{}.json", profile.name));
        if !spec.exists() {
            assert!(!required, "no {} although `cargo xtask runtime` ran", spec.display());
            eprintln!(
                "skipped {}: no {} (run `cargo xtask runtime`)",
                profile.name,
                spec.display()
            );
            continue;
        }
        check(&chopsticks, &spec, profile);
    }
}

fn check(chopsticks: &Path, spec: &Path, profile: &Profile) {
    let node = Chopsticks::start(chopsticks, spec, &ChopsticksOptions::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let rpc = |method: &str, params: Value| {
        node.call(method, &params).unwrap_or_else(|e| panic!("{method}: {e}\n{}", node.log_text()))
    };

    assert_eq!(rpc("system_chain", json!([])), json!(format!("causeway-{}", profile.name)));
    let version = rpc("state_getRuntimeVersion", json!([]));
    assert_eq!(version["specName"], json!(profile.spec_name), "{version}");
    let properties = rpc("system_properties", json!([]));
    assert_eq!(properties["ss58Format"], json!(profile.ss58), "{properties}");
    assert_eq!(properties["tokenDecimals"], json!(profile.decimals), "{properties}");
    assert_eq!(properties["tokenSymbol"], json!(profile.symbol), "{properties}");

    let endowment = 1_000_000 * 10u128.pow(profile.decimals);
    assert_eq!(alice_free(&rpc("state_getStorage", json!([ALICE_ACCOUNT_KEY]))), endowment);

    // Chopsticks builds blocks with the runtime (timestamp inherent, initialize/finalize): it
    // builds #1 on top of a genesis spec at start-up, and one more on `dev_newBlock`.
    let before = block_number(&rpc("chain_getHeader", json!([])));
    rpc("dev_newBlock", json!([]));
    assert_eq!(block_number(&rpc("chain_getHeader", json!([]))), before + 1);
    assert_eq!(alice_free(&rpc("state_getStorage", json!([ALICE_ACCOUNT_KEY]))), endowment);
}

/// A header's number (chopsticks writes it as zero-padded hex, `0x00000002`).
fn block_number(header: &Value) -> u64 {
    let hex = header["number"].as_str().unwrap_or_else(|| panic!("no number in {header}"));
    u64::from_str_radix(hex.trim_start_matches("0x"), 16).expect("hex block number")
}

/// `AccountInfo.data.free` from the SCALE-encoded `AccountInfo<u32, AccountData<u128>>`: four
/// `u32` counters (nonce, consumers, providers, sufficients), then `free: u128`.
fn alice_free(storage: &Value) -> u128 {
    let hex = storage.as_str().unwrap_or_else(|| panic!("Alice has no account: {storage}"));
    let bytes = hex::decode(hex.trim_start_matches("0x")).expect("hex storage value");
    assert!(bytes.len() >= 32, "short AccountInfo {hex}");
    u128::from_le_bytes(bytes[16..32].try_into().expect("16 bytes"))
}
