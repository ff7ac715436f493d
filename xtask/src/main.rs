//! Developer tasks for the Causeway workspace, run as `cargo xtask <task>`.
//!
//! - `bootstrap`: install the pinned local toolchain (anvil, forge, cast, solc, chopsticks,
//!   the wasm target) into `toolchain/`; idempotent.
//! - `test`: the project's whole test suite, exactly what CI runs: bootstrap, the dev runtime
//!   (`runtime`), every Rust test, then the Solidity tests with forge.
//! - `vectors [--check]`: (re)write `vectors/*.json` from causeway-core, or check them.
//! - `bench`: run the core benchmarks and write their table into `docs/benchmarks.md`.
//! - `abi [--check]`: regenerate (or check) `adapters/evm/abi/*.json` from a forge build.
//! - `devnet [ARGS…]`: the demo on a fresh clone: bootstrap, the dev runtime, then
//!   `cargo run -p causeway -- devnet ARGS…` (so the Polkadot and Astar chains are there).
//! - `runtime [--force]`: build the dev FRAME runtime (`devnet/runtime`) for both profiles into
//!   `devnet/runtime/out/{polkadot-dev,astar-dev}.{wasm,json}`; skipped when its stamp matches.

mod abi;
mod bench;
mod runtime;

use std::{
    path::{Path, PathBuf},
    process::{Command, ExitCode},
};

use eyre::{Result, WrapErr, bail};

const USAGE: &str = "usage: cargo xtask <bootstrap | test | devnet [ARGS…] | vectors [--check] | abi [--check] | bench | runtime [--force]>";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = causeway_toolchain::workspace_root().wrap_err("finding the workspace root")?;
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["bootstrap"] => bootstrap(&root).map(drop),
        ["test"] => test(&root),
        ["vectors"] => vectors(&root, false),
        ["vectors", "--check"] => vectors(&root, true),
        ["bench"] => bench::run(&root),
        ["devnet", rest @ ..] => devnet(&root, rest),
        ["runtime"] => runtime::run(&root, false),
        ["runtime", "--force"] => runtime::run(&root, true),
        ["abi"] => abi::run(&root, &causeway_toolchain::ensure(&root)?, false),
        ["abi", "--check"] => abi::run(&root, &causeway_toolchain::ensure(&root)?, true),
        _ => bail!("{USAGE}"),
    }
}

fn bootstrap(root: &Path) -> Result<causeway_toolchain::Toolchain> {
    let toolchain = causeway_toolchain::ensure(root).wrap_err("bootstrapping the toolchain")?;
    for tool in &toolchain.tools {
        println!("{:<12} {:<12} {}", tool.name, tool.version, tool.path.display());
    }
    Ok(toolchain)
}

fn test(root: &Path) -> Result<()> {
    let toolchain = bootstrap(root)?;
    let path = toolchain.path_env();
    // The dev FRAME runtime (both profiles) and its raw genesis; cached by stamp.
    eprintln!("==> cargo xtask runtime");
    runtime::run(root, false).wrap_err("building the dev runtime")?;
    step("cargo test --workspace", || {
        let mut cmd = Command::new(cargo());
        cmd.current_dir(root)
            .env("PATH", &path)
            // The runtime was built: its test must run, not skip.
            .env("CAUSEWAY_REQUIRE_RUNTIME", "1")
            .args(["test", "--workspace", "--locked"]);
        cmd
    })?;
    let contracts = root.join("contracts");
    if contracts.join("foundry.toml").exists() {
        step("forge test", || {
            let mut cmd = Command::new(&toolchain.forge);
            cmd.current_dir(&contracts).env("PATH", &path).args(["test"]);
            cmd
        })?;
    }
    Ok(())
}

fn devnet(root: &Path, args: &[&str]) -> Result<()> {
    let toolchain = bootstrap(root)?;
    eprintln!("==> cargo xtask runtime");
    runtime::run(root, false).wrap_err("building the dev runtime")?;
    step("cargo run -p causeway -- devnet", || {
        let mut cmd = Command::new(cargo());
        cmd.current_dir(root)
            .env("PATH", toolchain.path_env())
            .args(["run", "--locked", "-p", "causeway", "--", "devnet"])
            .args(args);
        cmd
    })
}

fn vectors(root: &Path, check: bool) -> Result<()> {
    let dir = root.join("vectors");
    std::fs::create_dir_all(&dir).wrap_err_with(|| format!("creating {}", dir.display()))?;
    let files = causeway_core::vectors::generate()?.files()?;
    let mut stale = Vec::new();
    for (name, content) in files {
        let path = dir.join(name);
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        if current == content {
            println!("vectors/{name}: up to date");
        } else if check {
            stale.push(name);
        } else {
            std::fs::write(&path, content)
                .wrap_err_with(|| format!("writing {}", path.display()))?;
            println!("vectors/{name}: written");
        }
    }
    if !stale.is_empty() {
        bail!("{} differ from causeway-core; run `cargo xtask vectors`", stale.join(", "));
    }
    Ok(())
}

/// Runs one step, printing its name, and fails with the step's name when it fails.
fn step(name: &str, command: impl FnOnce() -> Command) -> Result<()> {
    eprintln!("==> {name}");
    let status = command().status().wrap_err_with(|| format!("starting `{name}`"))?;
    if !status.success() {
        bail!("`{name}` failed ({status})");
    }
    Ok(())
}

fn cargo() -> PathBuf {
    std::env::var_os("CARGO").map_or_else(|| PathBuf::from("cargo"), PathBuf::from)
}
