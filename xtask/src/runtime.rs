//! `cargo xtask runtime [--force]`: builds the dev FRAME runtime in `devnet/runtime` (its own
//! cargo workspace and target directory) for both profiles and writes their raw chain specs.
//!
//! Outputs, in `devnet/runtime/out/` (git-ignored):
//! - `polkadot-dev.wasm`, `astar-dev.wasm`: the runtime built straight to `wasm32v1-none`
//!   (no `substrate-wasm-builder`), the second with `--features astar`;
//! - `polkadot-dev.json`, `astar-dev.json`: raw chain specs from `genesis.mjs`, for
//!   `chopsticks --genesis`;
//! - `.stamp`: the SHA-256 of the inputs ([`inputs`]). When it matches and every output is
//!   there, nothing is rebuilt; `--force` rebuilds anyway.

use std::{
    fs,
    path::{Path, PathBuf},
    process::Command,
    time::Instant,
};

use eyre::{Result, WrapErr};
use sha2::{Digest, Sha256};

use crate::{cargo, step};

/// The runtime crate, relative to the workspace root.
const RUNTIME_DIR: &str = "devnet/runtime";
/// The profiles: output name and the cargo features that select it.
const PROFILES: [(&str, &[&str]); 2] = [("polkadot-dev", &[]), ("astar-dev", &["astar"])];
/// The wasm cargo leaves in the runtime's own target directory.
const WASM_ARTIFACT: &str = "target/wasm32v1-none/release/causeway_dev_runtime.wasm";
/// Flags of the straight-to-wasm build: the executor needs the function table exported, and the
/// `substrate_runtime` cfg selects the runtime side of sp-io and friends.
const RUSTFLAGS: &str = "-C link-arg=--export-table --cfg substrate_runtime";

pub(crate) fn run(root: &Path, force: bool) -> Result<()> {
    let dir = root.join(RUNTIME_DIR);
    let out = dir.join("out");
    let stamp = out.join(".stamp");
    let digest = inputs_digest(&dir)?;
    let outputs: Vec<PathBuf> = PROFILES
        .iter()
        .flat_map(|(name, _)| [out.join(format!("{name}.wasm")), out.join(format!("{name}.json"))])
        .collect();
    let up_to_date = fs::read_to_string(&stamp).is_ok_and(|s| s.trim() == digest)
        && outputs.iter().all(|p| p.is_file());
    if up_to_date && !force {
        println!("{RUNTIME_DIR}/out: up to date ({})", &digest[..12]);
        return Ok(());
    }
    let toolchain = causeway_toolchain::ensure(root).wrap_err("bootstrapping the toolchain")?;
    fs::create_dir_all(&out).wrap_err_with(|| format!("creating {}", out.display()))?;
    // A build that fails half-way must not leave a stamp that vouches for old outputs.
    match fs::remove_file(&stamp) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(e).wrap_err_with(|| format!("removing {}", stamp.display()));
        }
        _ => {}
    }
    for (name, features) in PROFILES {
        let started = Instant::now();
        step(&format!("cargo build ({name} runtime)"), || {
            let mut cmd = Command::new(cargo());
            cmd.current_dir(&dir)
                .env("RUSTFLAGS", RUSTFLAGS)
                .env_remove("CARGO_TARGET_DIR")
                .env_remove("CARGO_ENCODED_RUSTFLAGS")
                .args([
                    "build",
                    "--locked",
                    "--release",
                    "--target",
                    causeway_toolchain::WASM_TARGET,
                ])
                .args(["--no-default-features", "--target-dir", "target"]);
            if !features.is_empty() {
                cmd.args(["--features", &features.join(",")]);
            }
            cmd
        })?;
        let wasm = out.join(format!("{name}.wasm"));
        fs::copy(dir.join(WASM_ARTIFACT), &wasm)
            .wrap_err_with(|| format!("copying the wasm to {}", wasm.display()))?;
        step(&format!("node genesis.mjs {name}"), || {
            let mut cmd = Command::new("node");
            cmd.current_dir(root)
                .env("PATH", toolchain.path_env())
                .env("CAUSEWAY_NODE_MODULES", root.join("toolchain/node_modules"))
                .arg(dir.join("genesis.mjs"))
                .arg(name);
            cmd
        })?;
        let size = fs::metadata(&wasm).map(|m| m.len()).unwrap_or_default();
        println!(
            "{RUNTIME_DIR}/out/{name}.wasm: {} KiB, built in {:.1} s",
            size / 1024,
            started.elapsed().as_secs_f64()
        );
    }
    fs::write(&stamp, format!("{digest}\n"))
        .wrap_err_with(|| format!("writing {}", stamp.display()))?;
    Ok(())
}

/// The files whose content decides the outputs: `Cargo.toml`, `Cargo.lock`, `genesis.mjs` and
/// everything under `src/`, in path order.
fn inputs(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = vec![dir.join("Cargo.toml"), dir.join("Cargo.lock"), dir.join("genesis.mjs")];
    let mut pending = vec![dir.join("src")];
    while let Some(d) = pending.pop() {
        for entry in fs::read_dir(&d).wrap_err_with(|| format!("reading {}", d.display()))? {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files[3..].sort();
    Ok(files)
}

/// SHA-256 over each input's path (relative to `dir`) and content, lower-case hex.
fn inputs_digest(dir: &Path) -> Result<String> {
    let mut hasher = Sha256::new();
    for file in inputs(dir)? {
        let bytes = fs::read(&file).wrap_err_with(|| format!("reading {}", file.display()))?;
        let relative = file.strip_prefix(dir).unwrap_or(&file);
        hasher.update(relative.to_string_lossy().as_bytes());
        hasher.update([0]);
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(&bytes);
    }
    Ok(format!("{:x}", hasher.finalize()))
}
