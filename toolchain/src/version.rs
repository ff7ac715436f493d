//! Reading versions out of what the tools print, and comparing them with the pins.

use crate::{MIN_NODE_MAJOR, ToolchainError};

/// Version of a Foundry binary from `<tool> --version`.
///
/// Foundry 1.x prints `forge Version: 1.7.1` on its first line (then commit, build time and
/// profile); 0.2-era releases printed `forge 0.2.0 (abcdef 2024-…)`. Both are read.
pub(crate) fn parse_foundry(output: &str) -> Option<String> {
    let first = output.lines().map(str::trim).find(|l| !l.is_empty())?;
    let token = match first.split_once("Version:") {
        Some((_, rest)) => rest.split_whitespace().next(),
        None => first.split_whitespace().nth(1),
    }?;
    looks_like_version(token).then(|| token.to_owned())
}

/// Full solc version from `solc --version`: the last non-empty line reads
/// `Version: 0.8.37+commit.f401782d.Emscripten.clang` (forge reads the same line).
pub(crate) fn parse_solc(output: &str) -> Option<String> {
    let last = output.lines().map(str::trim).rfind(|l| !l.is_empty())?;
    let token = last.strip_prefix("Version:")?.trim();
    looks_like_version(token).then(|| token.to_owned())
}

/// The release part of a solc version: `0.8.37+commit.f401782d.Emscripten.clang` → `0.8.37`.
pub(crate) fn solc_release(full: &str) -> &str {
    full.split_once('+').map_or(full, |(release, _)| release)
}

/// `version` of a `package.json`.
pub(crate) fn parse_package_json(text: &str) -> Option<String> {
    let json: serde_json::Value = serde_json::from_str(text).ok()?;
    let version = json.get("version")?.as_str()?;
    looks_like_version(version).then(|| version.to_owned())
}

/// Checks `node --version` (`v20.20.2`) against [`MIN_NODE_MAJOR`]; returns `20.20.2`.
pub(crate) fn check_node(output: &str) -> Result<String, ToolchainError> {
    let trimmed = output.trim();
    let version = trimmed.strip_prefix('v').unwrap_or(trimmed);
    let major = version
        .split('.')
        .next()
        .and_then(|m| m.parse::<u32>().ok())
        .filter(|_| looks_like_version(version))
        .ok_or_else(|| ToolchainError::UnparsableVersion {
            tool: "node",
            output: trimmed.to_owned(),
            hint: "check that `node` on PATH is Node.js",
        })?;
    if major < MIN_NODE_MAJOR {
        return Err(ToolchainError::NodeTooOld { found: trimmed.to_owned() });
    }
    Ok(version.to_owned())
}

/// `Ok(())` when `found` is exactly the pinned `expected`.
pub(crate) fn expect_exact(
    tool: &'static str,
    found: &str,
    expected: &str,
) -> Result<(), ToolchainError> {
    if found == expected {
        return Ok(());
    }
    Err(ToolchainError::VersionMismatch {
        tool,
        found: found.to_owned(),
        expected: expected.to_owned(),
        hint: "toolchain/package.json and the pins in causeway-toolchain must agree; if they do, \
               toolchain/node_modules was changed after install: delete toolchain/.installed and \
               run the bootstrap again",
    })
}

/// Digits and dots, starting with a digit, optionally followed by `-pre` or `+build`.
fn looks_like_version(s: &str) -> bool {
    let core = s.split(['-', '+']).next().unwrap_or_default();
    core.starts_with(|c: char| c.is_ascii_digit())
        && core.contains('.')
        && core.chars().all(|c| c.is_ascii_digit() || c == '.')
}

#[cfg(test)]
mod tests {
    use super::*;

    const FORGE_1_7_1: &str = "forge Version: 1.7.1\n\
        Commit SHA: 4072e48705af9d93e3c0f6e29e93b5e9a40caed8\n\
        Build Timestamp: 2026-05-08T07:50:55.527285345Z (1778226655)\n\
        Build Profile: dist\n";

    #[test]
    fn foundry_1x_output() {
        assert_eq!(parse_foundry(FORGE_1_7_1).as_deref(), Some("1.7.1"));
        assert_eq!(parse_foundry("anvil Version: 1.7.1\n").as_deref(), Some("1.7.1"));
        assert_eq!(
            parse_foundry("cast Version: 1.7.2-nightly.20260518.0d3c40e\n").as_deref(),
            Some("1.7.2-nightly.20260518.0d3c40e")
        );
    }

    #[test]
    fn foundry_legacy_output() {
        assert_eq!(
            parse_foundry("forge 0.2.0 (c1d1fd6 2024-05-01T00:17:38.930839000Z)").as_deref(),
            Some("0.2.0")
        );
    }

    #[test]
    fn foundry_garbage() {
        assert_eq!(parse_foundry(""), None);
        assert_eq!(parse_foundry("command not found"), None);
        assert_eq!(parse_foundry("forge Version: unknown"), None);
    }

    #[test]
    fn solc_reads_last_line() {
        let out = "solc, the solidity compiler commandline interface\n\
                   Version: 0.8.37+commit.f401782d.Emscripten.clang\n";
        let full = parse_solc(out).unwrap();
        assert_eq!(full, "0.8.37+commit.f401782d.Emscripten.clang");
        assert_eq!(solc_release(&full), "0.8.37");
        assert_eq!(solc_release("0.8.37"), "0.8.37");
    }

    #[test]
    fn solc_garbage() {
        assert_eq!(parse_solc(""), None);
        assert_eq!(parse_solc("Version: 0.8.37\nsomething else"), None);
        assert_eq!(parse_solc("Error: Cannot find module 'solc'"), None);
    }

    #[test]
    fn package_json_version() {
        assert_eq!(
            parse_package_json(r#"{"name":"@acala-network/chopsticks","version":"1.5.1"}"#)
                .as_deref(),
            Some("1.5.1")
        );
        assert_eq!(parse_package_json(r#"{"name":"x"}"#), None);
        assert_eq!(parse_package_json("not json"), None);
    }

    #[test]
    fn node_versions() {
        assert_eq!(check_node("v20.20.2\n").unwrap(), "20.20.2");
        assert_eq!(check_node("v22.1.0").unwrap(), "22.1.0");
        assert!(matches!(check_node("v18.19.0"), Err(ToolchainError::NodeTooOld { .. })));
        assert!(matches!(check_node("hello"), Err(ToolchainError::UnparsableVersion { .. })));
    }

    #[test]
    fn exact_comparison() {
        assert!(expect_exact("forge", "1.7.1", "1.7.1").is_ok());
        let err = expect_exact("forge", "1.7.2", "1.7.1").unwrap_err();
        assert!(
            err.to_string().starts_with("forge reports version 1.7.2, expected 1.7.1"),
            "{err}"
        );
        assert!(expect_exact("forge", "1.7.1-nightly", "1.7.1").is_err());
    }
}
