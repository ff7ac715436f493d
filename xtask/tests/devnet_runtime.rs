//! Runs the dev FRAME runtime's raw chain specs (`devnet/runtime/out/*.json`, written by
//! `cargo xtask runtime`) in chopsticks and checks what a client sees: the chain id, the
//! runtime's spec_name, the chain-spec properties, Alice's genesis balance, and that a block can
//! be built on top of genesis (an empty one, `dev_newBlock`; nothing is submitted).
//!
//! `cargo xtask test` (what CI runs) builds the runtime first and sets
//! `CAUSEWAY_REQUIRE_RUNTIME=1`: then a missing spec or toolchain fails the test. A plain
//! `cargo test` on a checkout that never built the runtime skips it with a note on stderr.

use std::{
    fs::File,
    io::{Read, Write},
    net::{TcpListener, TcpStream},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    thread,
    time::{Duration, Instant},
};

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
    let node = Chopsticks::start(chopsticks, spec);
    let rpc = |method: &str, params: Value| node.call(method, &params);

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

/// A chopsticks process on a free loopback port, killed (by its own handle) on drop.
struct Chopsticks {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Chopsticks {
    fn start(chopsticks: &Path, spec: &Path) -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let log = std::env::temp_dir().join(format!("causeway-chopsticks-{port}.log"));
        let out = File::create(&log).expect("create the chopsticks log");
        let err = out.try_clone().expect("clone the log handle");
        let child = Command::new(chopsticks)
            .arg("--genesis")
            .arg(spec)
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .expect("start chopsticks");
        let mut node = Self { child, port, log };
        node.wait_ready(Duration::from_secs(90));
        node
    }

    fn wait_ready(&mut self, timeout: Duration) {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("poll chopsticks") {
                panic!("chopsticks exited ({status}) before serving:\n{}", self.log_text());
            }
            if self.try_call("system_chain", &json!([])).is_ok() {
                return;
            }
            assert!(
                started.elapsed() < timeout,
                "chopsticks not ready after {timeout:?}:\n{}",
                self.log_text()
            );
            thread::sleep(Duration::from_millis(250));
        }
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn call(&self, method: &str, params: &Value) -> Value {
        self.try_call(method, params)
            .unwrap_or_else(|e| panic!("{method}: {e}\n{}", self.log_text()))
    }

    /// One JSON-RPC call over HTTP (chopsticks serves HTTP POST on its WebSocket port).
    fn try_call(&self, method: &str, params: &Value) -> Result<Value, String> {
        let body = json!({ "jsonrpc": "2.0", "id": 1, "method": method, "params": params });
        let body = body.to_string();
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).map_err(|e| e.to_string())?;
        stream.set_read_timeout(Some(Duration::from_secs(60))).map_err(|e| e.to_string())?;
        write!(
            stream,
            "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .map_err(|e| e.to_string())?;
        let mut response = String::new();
        stream.read_to_string(&mut response).map_err(|e| e.to_string())?;
        let payload = response.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or_default();
        let (start, end) = (payload.find('{'), payload.rfind('}'));
        let json = match (start, end) {
            (Some(s), Some(e)) if s < e => &payload[s..=e],
            _ => return Err(format!("no JSON in the response: {response:?}")),
        };
        let reply: Value = serde_json::from_str(json).map_err(|e| format!("{e}: {json}"))?;
        if let Some(error) = reply.get("error") {
            return Err(format!("error {error}"));
        }
        Ok(reply["result"].clone())
    }
}

impl Drop for Chopsticks {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}
