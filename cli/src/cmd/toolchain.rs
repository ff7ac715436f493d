//! `causeway toolchain`: bootstrap the pinned local toolchain and print what is installed.

use eyre::WrapErr;

use crate::Failure;

pub(crate) fn run() -> Result<(), Failure> {
    let root = causeway_toolchain::workspace_root()
        .wrap_err("`causeway toolchain` must run inside a Causeway checkout")?;
    let toolchain = causeway_toolchain::ensure(&root)?;
    for tool in &toolchain.tools {
        println!("{:<12} {:<12} {}", tool.name, tool.version, tool.path.display());
    }
    Ok(())
}
