//! The real bootstrap: installs (or finds installed) every pinned tool, runs each, and checks a
//! second call leaves the install alone.

use std::{fs, path::Path};

use causeway_toolchain::{
    CHOPSTICKS_VERSION, FOUNDRY_VERSION, SOLC_VERSION, Toolchain, ensure, workspace_root,
};
use eyre::{WrapErr, ensure as check};

#[test]
fn ensure_installs_verifies_and_is_idempotent() -> eyre::Result<()> {
    let root = workspace_root().wrap_err("finding the workspace root")?;
    let first = ensure(&root).wrap_err("first ensure")?;
    check_toolchain(&first)?;

    let stamp = root.join("toolchain/.installed");
    let stamped_at = fs::metadata(&stamp).wrap_err("stamp after ensure")?.modified()?;
    let stamp_text = fs::read_to_string(&stamp)?;

    let second = ensure(&root).wrap_err("second ensure")?;
    check_toolchain(&second)?;
    check!(
        fs::metadata(&stamp)?.modified()? == stamped_at,
        "the second ensure rewrote {}",
        stamp.display()
    );
    check!(fs::read_to_string(&stamp)? == stamp_text, "the stamp changed");
    Ok(())
}

fn check_toolchain(toolchain: &Toolchain) -> eyre::Result<()> {
    let bin = toolchain.bin_dir();
    for (name, path) in [
        ("anvil", &toolchain.anvil),
        ("forge", &toolchain.forge),
        ("cast", &toolchain.cast),
        ("chopsticks", &toolchain.chopsticks),
    ] {
        check!(path.is_file(), "{name} missing at {}", path.display());
        check!(path.starts_with(&bin), "{name} at {} is outside {}", path.display(), bin.display());
    }
    check!(toolchain.solc.is_file(), "solc script missing at {}", toolchain.solc.display());
    check!(toolchain.solc.is_absolute(), "solc path {} is relative", toolchain.solc.display());

    let expected = [
        ("anvil", FOUNDRY_VERSION),
        ("forge", FOUNDRY_VERSION),
        ("cast", FOUNDRY_VERSION),
        ("solc", SOLC_VERSION),
        ("chopsticks", CHOPSTICKS_VERSION),
    ];
    for (name, version) in expected {
        let tool = toolchain
            .tools
            .iter()
            .find(|t| t.name == name)
            .ok_or_else(|| eyre::eyre!("{name} not in {:?}", toolchain.tools))?;
        check!(tool.version == version, "{name} is {}, expected {version}", tool.version);
        check!(tool.path.is_file(), "{name} path {} does not exist", tool.path.display());
    }
    let node = toolchain.tools.iter().find(|t| t.name == "node");
    check!(node.is_some_and(|n| n.path.is_file()), "node not reported: {:?}", toolchain.tools);

    let path_env = toolchain.path_env();
    check!(
        std::env::split_paths(&path_env).next().as_deref() == Some(Path::new(&bin)),
        "bin dir is not first on {path_env:?}"
    );
    Ok(())
}
