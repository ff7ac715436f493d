//! A chopsticks process running a raw chain spec on a loopback port, for the devnet and tests.
//! The process is stopped by its own handle when the value drops.

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

use crate::ToolchainError;

/// How blocks are built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BuildBlockMode {
    /// A block shortly after transactions arrive (chopsticks' default).
    #[default]
    Batch,
    /// A block per transaction, at once.
    Instant,
    /// Only on `dev_newBlock`.
    Manual,
}

/// What to start.
#[derive(Debug, Clone, Default)]
pub struct ChopsticksOptions {
    /// Port; a free one when `None`.
    pub port: Option<u16>,
    /// Block building.
    pub mode: BuildBlockMode,
    /// A YAML storage overlay applied at start (`--import-storage`).
    pub import_storage: Option<PathBuf>,
    /// Where the log goes; a file in the temp dir when `None` (removed on drop).
    pub log: Option<PathBuf>,
}

/// A running chopsticks node.
#[derive(Debug)]
pub struct Chopsticks {
    child: Child,
    port: u16,
    log: PathBuf,
    remove_log: bool,
}

impl Chopsticks {
    /// Starts `chopsticks` (the toolchain's script) on `spec` and waits until it answers.
    pub fn start(
        chopsticks: &Path,
        spec: &Path,
        options: &ChopsticksOptions,
    ) -> Result<Self, ToolchainError> {
        let port = match options.port {
            Some(p) => p,
            None => TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .map_err(|e| chop(format!("no free port: {e}")))?
                .port(),
        };
        let (log, remove_log) = match &options.log {
            Some(path) => (path.clone(), false),
            None => (std::env::temp_dir().join(format!("causeway-chopsticks-{port}.log")), true),
        };
        let io = |what: &'static str| move |e: std::io::Error| chop(format!("{what}: {e}"));
        let out = File::create(&log).map_err(io("create the chopsticks log"))?;
        let err = out.try_clone().map_err(io("clone the chopsticks log handle"))?;
        let mode = match options.mode {
            BuildBlockMode::Batch => "Batch",
            BuildBlockMode::Instant => "Instant",
            BuildBlockMode::Manual => "Manual",
        };
        let mut command = Command::new(chopsticks);
        command.arg("--genesis").arg(spec).args([
            "--host",
            "127.0.0.1",
            "--port",
            &port.to_string(),
            "--build-block-mode",
            mode,
        ]);
        if let Some(storage) = &options.import_storage {
            command.arg("--import-storage").arg(storage);
        }
        let child = command
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .map_err(io("start chopsticks"))?;
        let mut node = Self { child, port, log, remove_log };
        node.wait_ready(Duration::from_secs(90))?;
        Ok(node)
    }

    /// The port it serves on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Its WebSocket endpoint.
    pub fn ws_url(&self) -> String {
        format!("ws://127.0.0.1:{}", self.port)
    }

    /// What it logged so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn wait_ready(&mut self, timeout: Duration) -> Result<(), ToolchainError> {
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(chop(format!(
                    "exited ({status}) before serving:\n{}",
                    self.log_text()
                )));
            }
            if self.call("system_chain", &json!([])).is_ok() {
                return Ok(());
            }
            if started.elapsed() > timeout {
                return Err(chop(format!("not serving after {timeout:?}:\n{}", self.log_text())));
            }
            thread::sleep(Duration::from_millis(200));
        }
    }

    /// One JSON-RPC call over HTTP (chopsticks serves HTTP POST on its WebSocket port); the
    /// `result`, or the error as text.
    pub fn call(&self, method: &str, params: &Value) -> Result<Value, String> {
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
            return Err(format!("{method}: error {error}"));
        }
        Ok(reply["result"].clone())
    }
}

fn chop(detail: String) -> ToolchainError {
    ToolchainError::Chopsticks { detail }
}

impl Drop for Chopsticks {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if self.remove_log {
            let _ = std::fs::remove_file(&self.log);
        }
    }
}

/// `devnet/runtime/out/{profile}.json` under `root` when `cargo xtask runtime` wrote it. When it
/// is missing: an error if `CAUSEWAY_REQUIRE_RUNTIME` is set (CI builds the runtime first),
/// else `None` and a note on stderr, so a plain `cargo test` on a fresh checkout skips.
pub fn dev_spec(root: &Path, profile: &str) -> Result<Option<PathBuf>, ToolchainError> {
    let spec = root.join(format!("devnet/runtime/out/{profile}.json"));
    if spec.exists() {
        return Ok(Some(spec));
    }
    if std::env::var_os("CAUSEWAY_REQUIRE_RUNTIME").is_some() {
        return Err(ToolchainError::MissingFile {
            path: spec,
            hint: "run `cargo xtask runtime` (CAUSEWAY_REQUIRE_RUNTIME is set)",
        });
    }
    eprintln!("skipped: no {} (run `cargo xtask runtime`)", spec.display());
    Ok(None)
}
