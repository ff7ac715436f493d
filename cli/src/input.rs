//! Parsing of user input (hex, addresses, leaf files) with errors that say what and where.

use std::path::Path;

use causeway_core::{Address, B256, message::address_to_bytes32};
use eyre::{Result, bail, eyre};

/// Bytes from `0x`-prefixed (or bare) hex; `what` names the argument in the error.
pub(crate) fn hex_bytes(what: &str, input: &str) -> Result<Vec<u8>> {
    let trimmed = input.trim();
    let digits =
        trimmed.strip_prefix("0x").or_else(|| trimmed.strip_prefix("0X")).unwrap_or(trimmed);
    if digits.len() % 2 == 1 {
        bail!("{what}: hex has an odd number of digits ({}): {}", digits.len(), shorten(trimmed));
    }
    if let Some((pos, c)) = digits.char_indices().find(|(_, c)| !c.is_ascii_hexdigit()) {
        bail!("{what}: not hex: {c:?} at position {pos} of {}", shorten(trimmed));
    }
    (0..digits.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&digits[i..i + 2], 16).map_err(|e| eyre!("{what}: {e}")))
        .collect()
}

/// Exactly 32 bytes of hex.
pub(crate) fn b256(what: &str, input: &str) -> Result<B256> {
    let bytes = hex_bytes(what, input)?;
    if bytes.len() != 32 {
        bail!("{what}: expected 32 bytes (64 hex digits), got {} bytes", bytes.len());
    }
    Ok(B256::from_slice(&bytes))
}

/// A message account: a 20-byte EVM address (left-padded) or a 32-byte account.
pub(crate) fn account(what: &str, input: &str) -> Result<B256> {
    let bytes = hex_bytes(what, input)?;
    match bytes.len() {
        20 => Ok(address_to_bytes32(Address::from_slice(&bytes))),
        32 => Ok(B256::from_slice(&bytes)),
        n => bail!("{what}: expected a 20-byte EVM address or a 32-byte account, got {n} bytes"),
    }
}

/// Leaves from a file (or `-` for stdin): one 32-byte hex value per line; blank lines and
/// lines starting with `#` are skipped.
pub(crate) fn leaves_file(path: &Path) -> Result<Vec<B256>> {
    let text = if path == Path::new("-") {
        std::io::read_to_string(std::io::stdin())
            .map_err(|e| eyre!("reading leaves from stdin: {e}"))?
    } else {
        std::fs::read_to_string(path)
            .map_err(|e| eyre!("cannot read leaves file {}: {e}", path.display()))?
    };
    let mut leaves = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        leaves.push(b256(&format!("{}:{}", path.display(), n + 1), line)?);
    }
    Ok(leaves)
}

fn shorten(s: &str) -> String {
    if s.chars().count() > 24 {
        format!("{}…", s.chars().take(24).collect::<String>())
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_errors_say_what_and_where() {
        assert_eq!(hex_bytes("x", "0x0a0B").unwrap(), vec![10, 11]);
        let odd = hex_bytes("--body", "0xabc").unwrap_err().to_string();
        assert!(odd.contains("--body") && odd.contains("odd"), "{odd}");
        let bad = hex_bytes("--root", "0xzz").unwrap_err().to_string();
        assert!(bad.contains("'z'") && bad.contains("position 0"), "{bad}");
        let short = b256("--root", "0x00").unwrap_err().to_string();
        assert!(short.contains("expected 32 bytes") && short.contains("got 1"), "{short}");
        let acct = account("--sender", &format!("0x{}", "11".repeat(19))).unwrap_err().to_string();
        assert!(acct.contains("20-byte") && acct.contains("19"), "{acct}");
    }
}
