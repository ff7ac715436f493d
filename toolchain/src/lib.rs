//! # causeway-toolchain
//!
//! Owns the offline bootstrap of the tools Causeway's contracts and tests run: anvil, forge and
//! cast (Foundry's npm platform packages), solc (solcjs behind the `toolchain/solc` script, since
//! no native solc can be fetched offline), chopsticks (a Substrate node that executes real
//! runtimes), OpenZeppelin contracts, and the `wasm32v1-none` Rust target for runtimes.
//!
//! Everything comes from `toolchain/package.json` and its committed `package-lock.json`, installed
//! by `npm ci --ignore-scripts` into `toolchain/node_modules` (nothing downloads a binary from
//! anywhere but the npm registry). [`ensure`] installs when the lockfile changed, then checks
//! every tool reports the version pinned here; [`Toolchain`] tells callers where each tool is.
//!
//! It does not start chains, compile contracts or parse `foundry.toml`: callers run the tools
//! from the paths (or the [`Toolchain::path_env`]) it returns. The `causeway toolchain` command
//! and `cargo xtask bootstrap` are thin wrappers around [`ensure`].

use std::{
    env,
    ffi::OsString,
    fs::{self, File},
    path::{Path, PathBuf},
    thread,
    time::Instant,
};

pub mod chopsticks;
mod error;
mod exec;
mod stamp;
mod version;

pub use error::ToolchainError;

/// Version of anvil, forge and cast (`@foundry-rs/*-linux-amd64`).
pub const FOUNDRY_VERSION: &str = "1.7.1";
/// Release of solcjs (`solc`) that `toolchain/solc` runs.
pub const SOLC_VERSION: &str = "0.8.37";
/// Version of `@acala-network/chopsticks`.
pub const CHOPSTICKS_VERSION: &str = "1.5.1";
/// The Rust target Substrate runtimes are built for.
pub const WASM_TARGET: &str = "wasm32v1-none";
/// Oldest Node.js major version that runs the solc script and chopsticks.
pub const MIN_NODE_MAJOR: u32 = 20;

/// The toolchain's directory, relative to the workspace root.
const TOOLCHAIN_DIR: &str = "toolchain";
/// The install stamp inside [`TOOLCHAIN_DIR`] (git-ignored).
const STAMP_FILE: &str = ".installed";
/// The install command, run in [`TOOLCHAIN_DIR`]. No install scripts: nothing the tools need has
/// one, and chopsticks' optional sqlite3 would otherwise compile from C for minutes.
const NPM_CI_ARGS: [&str; 4] = ["ci", "--ignore-scripts", "--no-audit", "--no-fund"];

/// The installed, verified tools.
#[derive(Debug, Clone)]
pub struct Toolchain {
    /// The workspace root (the directory holding `toolchain/`), canonical.
    pub root: PathBuf,
    /// `toolchain/node_modules/.bin/anvil`.
    pub anvil: PathBuf,
    /// `toolchain/node_modules/.bin/forge`.
    pub forge: PathBuf,
    /// `toolchain/node_modules/.bin/cast`.
    pub cast: PathBuf,
    /// `toolchain/solc`, the solcjs script to set as `solc` in `foundry.toml`.
    pub solc: PathBuf,
    /// `toolchain/node_modules/.bin/chopsticks` (a Node.js script).
    pub chopsticks: PathBuf,
    /// Every checked tool with the version it reported: node, anvil, forge, cast, solc,
    /// chopsticks, in that order.
    pub tools: Vec<Tool>,
}

/// One checked tool.
#[derive(Debug, Clone)]
pub struct Tool {
    /// `node`, `anvil`, `forge`, `cast`, `solc` or `chopsticks`.
    pub name: &'static str,
    /// The version the tool reports, as a bare release (`1.7.1`, `0.8.37`, `20.20.2`).
    pub version: String,
    /// The executable.
    pub path: PathBuf,
}

impl Toolchain {
    /// `toolchain/node_modules/.bin`, where npm links anvil, forge, cast and chopsticks.
    pub fn bin_dir(&self) -> PathBuf {
        Layout::new(&self.root).bin
    }

    /// `PATH` with [`Self::bin_dir`] first, for child processes that look the tools up by name
    /// (e.g. `alloy`'s `Anvil`): `Command::new(..).env("PATH", toolchain.path_env())`.
    pub fn path_env(&self) -> OsString {
        let bin = self.bin_dir();
        let current = env::var_os("PATH").unwrap_or_default();
        let dirs = std::iter::once(bin.clone()).chain(env::split_paths(&current));
        env::join_paths(dirs).unwrap_or_else(|_| {
            // `bin` itself holds the separator: join by hand rather than drop it.
            let mut joined = bin.into_os_string();
            if !current.is_empty() {
                joined.push(":");
                joined.push(&current);
            }
            joined
        })
    }
}

/// The workspace root: the first directory, walking up from this crate's source directory (as
/// compiled) and then from the current directory, that holds `toolchain/package.json` and a
/// `Cargo.toml` with a `[workspace]` table.
pub fn workspace_root() -> Result<PathBuf, ToolchainError> {
    let compiled = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut searched = vec![compiled];
    if let Ok(cwd) = env::current_dir() {
        searched.push(cwd);
    }
    searched
        .iter()
        .find_map(|start| start.ancestors().find(|dir| is_workspace_root(dir)))
        .map(Path::to_path_buf)
        .ok_or(ToolchainError::WorkspaceNotFound { searched })
}

/// Installs the toolchain if needed and checks it; idempotent and cheap when nothing changed.
///
/// - When `toolchain/.installed` holds the SHA-256 of the current `package-lock.json` and every
///   tool is present, npm is not run. Otherwise `npm ci --ignore-scripts --no-audit --no-fund`
///   runs in `toolchain/` (under a lock on the lockfile, so concurrent callers install once) and
///   the stamp is written only after it succeeds.
/// - Every tool is then run for its version (in parallel) and compared with the pins above.
/// - The `wasm32v1-none` Rust target is added with rustup if missing.
///
/// Progress goes to stderr only when something is installed.
pub fn ensure(root: &Path) -> Result<Toolchain, ToolchainError> {
    let root = fs::canonicalize(root).map_err(|e| ToolchainError::io("open", root, e))?;
    let layout = Layout::new(&root);
    layout.check_sources()?;

    // npm and the tools are Node.js programs: a missing or old node fails everything after.
    let node = exec::find_on_path("node")
        .ok_or(ToolchainError::NotOnPath { program: "node", hint: "install Node.js ≥ 20" })?;
    let node_version = version::check_node(&exec::run(&node, &["--version"], &root)?)?;

    install_if_needed(&layout)?;

    let mut tools = vec![Tool { name: "node", version: node_version, path: node }];
    tools.extend(verify(&layout)?);
    Ok(Toolchain {
        anvil: layout.anvil,
        forge: layout.forge,
        cast: layout.cast,
        solc: layout.solc,
        chopsticks: layout.chopsticks,
        root,
        tools,
    })
}

/// Where everything lives, from the workspace root.
#[derive(Debug)]
struct Layout {
    dir: PathBuf,
    package_json: PathBuf,
    lock: PathBuf,
    stamp: PathBuf,
    bin: PathBuf,
    anvil: PathBuf,
    forge: PathBuf,
    cast: PathBuf,
    chopsticks: PathBuf,
    solc: PathBuf,
    solcjs_package: PathBuf,
    chopsticks_package: PathBuf,
}

impl Layout {
    fn new(root: &Path) -> Self {
        let dir = root.join(TOOLCHAIN_DIR);
        let modules = dir.join("node_modules");
        let bin = modules.join(".bin");
        Self {
            package_json: dir.join("package.json"),
            lock: dir.join("package-lock.json"),
            stamp: dir.join(STAMP_FILE),
            anvil: bin.join("anvil"),
            forge: bin.join("forge"),
            cast: bin.join("cast"),
            chopsticks: bin.join("chopsticks"),
            solc: dir.join("solc"),
            solcjs_package: modules.join("solc").join("package.json"),
            chopsticks_package: modules.join("@acala-network/chopsticks/package.json"),
            bin,
            dir,
        }
    }

    /// The committed files the install is made from.
    fn check_sources(&self) -> Result<(), ToolchainError> {
        let committed = [
            (&self.package_json, "it is committed in the repository: restore it with git"),
            (
                &self.lock,
                "it is committed: restore it with git, or run `npm install --ignore-scripts` in toolchain/ to regenerate it",
            ),
            (&self.solc, "it is committed in the repository: restore it with git"),
        ];
        for (path, hint) in committed {
            if !path.is_file() {
                return Err(ToolchainError::MissingFile { path: path.clone(), hint });
            }
        }
        Ok(())
    }

    /// What `npm ci` must have produced.
    fn installed_files(&self) -> [&Path; 6] {
        [
            &self.anvil,
            &self.forge,
            &self.cast,
            &self.chopsticks,
            &self.solcjs_package,
            &self.chopsticks_package,
        ]
    }

    fn missing_installed_file(&self) -> Option<&Path> {
        self.installed_files().into_iter().find(|p| !p.is_file())
    }

    fn is_installed(&self, lock_digest: &str) -> bool {
        stamp::stamp_matches(&self.stamp, lock_digest) && self.missing_installed_file().is_none()
    }
}

/// Runs `npm ci` unless the stamp says the current lockfile is installed. Returns whether it ran.
fn install_if_needed(layout: &Layout) -> Result<bool, ToolchainError> {
    if layout.is_installed(&stamp::file_digest(&layout.lock)?) {
        return Ok(false);
    }

    // Serialise concurrent bootstraps (parallel test binaries): an advisory lock on the
    // lockfile itself, so no extra file needs ignoring. Released when `_guard` drops.
    let _guard = File::open(&layout.lock)
        .and_then(|file| file.lock().map(|()| file))
        .map_err(|e| ToolchainError::io("lock", &layout.lock, e))?;
    // Whoever held the lock may have installed this very lockfile meanwhile.
    let digest = stamp::file_digest(&layout.lock)?;
    if layout.is_installed(&digest) {
        return Ok(false);
    }

    let npm = exec::find_on_path("npm").ok_or(ToolchainError::NotOnPath {
        program: "npm",
        hint: "install npm (it ships with Node.js ≥ 20)",
    })?;
    // A half-finished `npm ci` must not leave a stamp that vouches for it.
    stamp::remove_stamp(&layout.stamp)?;
    eprintln!(
        "causeway-toolchain: installing toolchain/package-lock.json: npm {} (in {})",
        NPM_CI_ARGS.join(" "),
        layout.dir.display()
    );
    let started = Instant::now();
    exec::run(&npm, &NPM_CI_ARGS, &layout.dir)?;
    if let Some(missing) = layout.missing_installed_file() {
        return Err(ToolchainError::MissingAfterInstall { path: missing.to_path_buf() });
    }
    stamp::write_stamp(&layout.stamp, &digest)?;
    eprintln!("causeway-toolchain: installed in {:.1} s", started.elapsed().as_secs_f64());
    Ok(true)
}

/// Checks every tool's version and the Rust target, in parallel: each check is a process start
/// (solcjs alone takes about half a second to load), so this keeps a no-op [`ensure`] fast.
fn verify(layout: &Layout) -> Result<Vec<Tool>, ToolchainError> {
    thread::scope(|s| {
        let anvil = s.spawn(|| foundry_tool("anvil", &layout.anvil, &layout.dir));
        let forge = s.spawn(|| foundry_tool("forge", &layout.forge, &layout.dir));
        let cast = s.spawn(|| foundry_tool("cast", &layout.cast, &layout.dir));
        let solc = s.spawn(|| solc_tool(&layout.solc, &layout.dir));
        let wasm = s.spawn(|| ensure_wasm_target(&layout.dir));
        let chopsticks = chopsticks_tool(layout);

        let tools = vec![join(anvil)?, join(forge)?, join(cast)?, join(solc)?, chopsticks?];
        join(wasm)?;
        Ok(tools)
    })
}

fn join<T>(handle: thread::ScopedJoinHandle<'_, T>) -> T {
    handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

fn foundry_tool(name: &'static str, path: &Path, dir: &Path) -> Result<Tool, ToolchainError> {
    let output = exec::run(path, &["--version"], dir)?;
    let found =
        version::parse_foundry(&output).ok_or_else(|| ToolchainError::UnparsableVersion {
            tool: name,
            output: output.trim().to_owned(),
            hint: "toolchain/node_modules is damaged: delete toolchain/.installed and run again",
        })?;
    version::expect_exact(name, &found, FOUNDRY_VERSION)?;
    Ok(Tool { name, version: found, path: path.to_path_buf() })
}

fn solc_tool(path: &Path, dir: &Path) -> Result<Tool, ToolchainError> {
    let output = exec::run(path, &["--version"], dir)?;
    let full = version::parse_solc(&output).ok_or_else(|| ToolchainError::UnparsableVersion {
        tool: "solc",
        output: output.trim().to_owned(),
        hint: "toolchain/solc must print `Version: <version>` as its last line, as forge reads it",
    })?;
    let release = version::solc_release(&full);
    version::expect_exact("solc", release, SOLC_VERSION)?;
    Ok(Tool { name: "solc", version: release.to_owned(), path: path.to_path_buf() })
}

/// Chopsticks' version from its `package.json`: starting its CLI takes seconds.
fn chopsticks_tool(layout: &Layout) -> Result<Tool, ToolchainError> {
    let manifest = &layout.chopsticks_package;
    let text = fs::read_to_string(manifest).map_err(|e| ToolchainError::io("read", manifest, e))?;
    let found =
        version::parse_package_json(&text).ok_or_else(|| ToolchainError::UnparsableVersion {
            tool: "chopsticks",
            output: text.chars().take(200).collect(),
            hint: "toolchain/node_modules is damaged: delete toolchain/.installed and run again",
        })?;
    version::expect_exact("chopsticks", &found, CHOPSTICKS_VERSION)?;
    Ok(Tool { name: "chopsticks", version: found, path: layout.chopsticks.clone() })
}

/// Adds [`WASM_TARGET`] to the workspace's Rust toolchain (the one `rust-toolchain.toml` in
/// `dir`'s ancestors selects) unless it is installed.
fn ensure_wasm_target(dir: &Path) -> Result<(), ToolchainError> {
    let rustup = find_rustup().ok_or(ToolchainError::NotOnPath {
        program: "rustup",
        hint: "install rustup: the workspace pins its Rust toolchain in rust-toolchain.toml and \
               builds runtimes for the wasm32v1-none target",
    })?;
    let installed = exec::run(&rustup, &["target", "list", "--installed"], dir)?;
    if installed.lines().any(|line| line.trim() == WASM_TARGET) {
        return Ok(());
    }
    eprintln!("causeway-toolchain: adding the Rust target: rustup target add {WASM_TARGET}");
    exec::run(&rustup, &["target", "add", WASM_TARGET], dir)?;
    Ok(())
}

/// rustup from `PATH`, else from `$CARGO_HOME/bin` or `~/.cargo/bin` (where rustup puts itself
/// when a shell profile did not add it to `PATH`).
fn find_rustup() -> Option<PathBuf> {
    exec::find_on_path("rustup").or_else(|| {
        let cargo_home = env::var_os("CARGO_HOME")
            .map(PathBuf::from)
            .or_else(|| env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")))?;
        Some(cargo_home.join("bin").join("rustup")).filter(|p| exec::is_executable(p))
    })
}

fn is_workspace_root(dir: &Path) -> bool {
    dir.join(TOOLCHAIN_DIR).join("package.json").is_file()
        && fs::read_to_string(dir.join("Cargo.toml"))
            .is_ok_and(|text| text.lines().any(|line| line.trim() == "[workspace]"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pins in this crate and in `toolchain/package.json` must not drift apart.
    #[test]
    fn pins_match_package_json() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("package.json");
        let json: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
        let deps = &json["dependencies"];
        for platform in ["anvil", "forge", "cast"] {
            assert_eq!(deps[format!("@foundry-rs/{platform}-linux-amd64")], FOUNDRY_VERSION);
        }
        assert_eq!(deps["solc"], SOLC_VERSION);
        assert_eq!(deps["@acala-network/chopsticks"], CHOPSTICKS_VERSION);
        // Exact pins only: a range would let `npm install` drift from the lockfile.
        for (name, version) in deps.as_object().unwrap() {
            let version = version.as_str().unwrap();
            assert!(
                version.chars().all(|c| c.is_ascii_digit() || c == '.'),
                "{name} is pinned as {version:?}, not an exact version"
            );
        }
    }

    #[test]
    fn workspace_root_holds_toolchain_and_workspace_manifest() {
        let root = workspace_root().unwrap();
        assert!(root.join("toolchain/package.json").is_file());
        assert!(is_workspace_root(&root));
        assert!(!is_workspace_root(&root.join(TOOLCHAIN_DIR)));
    }

    #[test]
    fn bin_dir_is_first_on_path_env() {
        let toolchain = Toolchain {
            root: PathBuf::from("/ws"),
            anvil: PathBuf::new(),
            forge: PathBuf::new(),
            cast: PathBuf::new(),
            solc: PathBuf::new(),
            chopsticks: PathBuf::new(),
            tools: Vec::new(),
        };
        assert_eq!(toolchain.bin_dir(), Path::new("/ws/toolchain/node_modules/.bin"));
        let path = toolchain.path_env();
        let first = env::split_paths(&path).next().unwrap();
        assert_eq!(first, toolchain.bin_dir());
    }

    #[test]
    fn missing_sources_are_reported_with_a_fix() {
        let layout = Layout::new(Path::new("/nonexistent-causeway-root"));
        let err = layout.check_sources().unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("toolchain/package.json is missing"), "{msg}");
        assert!(msg.contains("restore it with git"), "{msg}");
    }
}
