//! Small value parsers used by validation: EVM addresses, URLs, listen addresses, store URLs, SS58
//! addresses, names. Each returns a message that quotes the bad value (passwords in URLs masked)
//! and says what would be right.

use std::net::{Ipv6Addr, SocketAddr};
use std::str::FromStr;

use alloy_primitives::Address;
use blake2::{Blake2b512, Digest};

/// Schemes an EVM RPC endpoint may use in this build: plain HTTP only. The workspace builds alloy
/// without TLS or WebSocket (ADR 0006), so `https://`, `ws://` and `wss://` would fail at runtime.
pub(crate) const EVM_RPC: &[&str] = &["http"];
/// Schemes EVM nodes speak that this build's EVM adapter does not (yet).
const EVM_RPC_NOT_BUILT: &[&str] = &["https", "ws", "wss"];
/// Schemes of some chain kind: for a chain whose kind is missing (already reported), so that its
/// endpoint is not refused for a kind it may not have.
pub(crate) const ANY_RPC: &[&str] = &["http", "https", "ws", "wss"];
/// Schemes a Substrate RPC endpoint may use (subxt speaks WebSocket).
pub(crate) const SUBSTRATE_RPC: &[&str] = &["ws", "wss"];
/// Schemes of an announced public URL.
pub(crate) const HTTP: &[&str] = &["http", "https"];

/// A 20-byte `0x` address. Mixed case must carry a valid EIP-55 checksum; zero is refused.
pub(crate) fn address(s: &str) -> Result<Address, String> {
    let hex = s.strip_prefix("0x").unwrap_or("");
    if hex.len() != 40 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!("not a 20-byte 0x address (0x and 40 hex digits): \"{s}\""));
    }
    let mixed =
        hex.bytes().any(|b| b.is_ascii_lowercase()) && hex.bytes().any(|b| b.is_ascii_uppercase());
    let parsed = if mixed {
        Address::parse_checksummed(s, None).map_err(|_| {
            format!(
                "bad EIP-55 checksum in \"{s}\"; copy the address again or write it in lower case"
            )
        })?
    } else {
        Address::from_str(s).map_err(|e| format!("not an address: \"{s}\": {e}"))?
    };
    if parsed.is_zero() {
        return Err(
            "the zero address is not a deployed contract; leave the key out until it is deployed"
                .into(),
        );
    }
    Ok(parsed)
}

/// The parts of a `scheme://[user[:pass]@]host[:port][/…]` URL that validation looks at.
struct UrlParts<'a> {
    scheme: &'a str,
    userinfo: Option<&'a str>,
}

fn split_url(s: &str) -> Option<Result<UrlParts<'_>, String>> {
    let (scheme, after) = s.split_once("://")?;
    let end = after.find(['/', '?', '#']).unwrap_or(after.len());
    let authority = &after[..end];
    let (userinfo, hostport) = match authority.rsplit_once('@') {
        Some((user, rest)) => (Some(user), rest),
        None => (None, authority),
    };
    Some(host_and_port(hostport).map(|()| UrlParts { scheme, userinfo }))
}

fn host_and_port(hostport: &str) -> Result<(), String> {
    let (host, port) = if let Some(bracketed) = hostport.strip_prefix('[') {
        let (v6, rest) = bracketed.split_once(']').ok_or("unclosed '[' in host")?;
        Ipv6Addr::from_str(v6).map_err(|_| format!("bad IPv6 host [{v6}]"))?;
        match rest {
            "" => (v6, None),
            _ => (v6, Some(rest.strip_prefix(':').ok_or("junk after ']'")?)),
        }
    } else {
        match hostport.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (hostport, None),
        }
    };
    if host.is_empty() {
        return Err("missing host".into());
    }
    if !hostport.starts_with('[')
        && !host.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'))
    {
        return Err(format!("bad host \"{host}\""));
    }
    if let Some(port) = port {
        match port.parse::<u16>() {
            Ok(p) if p > 0 => {}
            _ => return Err(format!("bad port \"{port}\"")),
        }
    }
    Ok(())
}

/// `user:secret@` becomes `user:***@` so that messages never echo a password.
pub(crate) fn redact(s: &str) -> String {
    let Some((scheme, after)) = s.split_once("://") else { return s.to_owned() };
    let end = after.find(['/', '?', '#']).unwrap_or(after.len());
    match after[..end].rsplit_once('@') {
        Some((userinfo, _)) if userinfo.contains(':') => {
            let user = userinfo.split(':').next().unwrap_or("");
            let at = userinfo.len();
            format!("{scheme}://{user}:***{}", &after[at..])
        }
        _ => s.to_owned(),
    }
}

fn scheme_list(schemes: &[&str]) -> String {
    let items: Vec<String> = schemes.iter().map(|s| format!("{s}://")).collect();
    match items.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => items.concat(),
    }
}

/// A URL whose scheme is one of `schemes` and which has a plausible host and port.
pub(crate) fn url(s: &str, schemes: &[&str]) -> Result<(), String> {
    let shown = redact(s);
    let article = if schemes.first().is_some_and(|s| s.starts_with('h')) { "an" } else { "a" };
    let wrong_scheme = || format!("not {article} {} URL: \"{shown}\"", scheme_list(schemes));
    let Some(parts) = split_url(s) else { return Err(wrong_scheme()) };
    let parts = parts.map_err(|why| format!("bad URL \"{shown}\": {why}"))?;
    if !schemes.iter().any(|ok| parts.scheme.eq_ignore_ascii_case(ok)) {
        return Err(wrong_scheme());
    }
    Ok(())
}

/// An EVM RPC endpoint this build can talk to: an `http://` URL. `https://`, `ws://` and `wss://`
/// get a message saying why they are refused rather than a bare "not an http:// URL".
pub(crate) fn evm_rpc(s: &str) -> Result<(), String> {
    let scheme = s.split_once("://").map(|(scheme, _)| scheme);
    if scheme.is_some_and(|scheme| EVM_RPC_NOT_BUILT.iter().any(|n| scheme.eq_ignore_ascii_case(n)))
    {
        return Err(format!(
            "\"{}\": this build's EVM adapter speaks http:// only (no TLS or WebSocket yet, \
             ADR 0006)",
            redact(s)
        ));
    }
    url(s, EVM_RPC)
}

/// An `IP:PORT` to bind to. Any interface is allowed; a name such as `localhost` is not (bind to
/// an address you can see in the config).
pub(crate) fn listen(s: &str) -> Result<SocketAddr, String> {
    SocketAddr::from_str(s).map_err(|_| {
        format!("not an IP:PORT listen address: \"{s}\" (for example 127.0.0.1:9101 or [::1]:9101)")
    })
}

/// `sqlite://PATH`, `sqlite::memory:`, `postgres://` or `postgresql://` with a host and no
/// password. Returns whether a user name is present (needed when a password source is given).
pub(crate) fn store_url(s: &str) -> Result<bool, String> {
    const EXPECTED: &str = "expected sqlite://PATH[?mode=rwc], sqlite::memory: \
         or postgres://USER@HOST[:PORT]/DB";
    if s == "sqlite::memory:" {
        return Ok(false);
    }
    if let Some(path) = s.strip_prefix("sqlite://") {
        return match path.split('?').next() {
            Some(p) if !p.is_empty() => Ok(false),
            _ => Err(format!("sqlite URL without a path: \"{s}\"; {EXPECTED}")),
        };
    }
    let shown = redact(s);
    if !(s.starts_with("postgres://") || s.starts_with("postgresql://")) {
        return Err(format!("unsupported store URL \"{shown}\"; {EXPECTED}"));
    }
    match split_url(s) {
        Some(Ok(parts)) => match parts.userinfo {
            Some(user) if user.contains(':') => Err(format!(
                "a password in the store URL is a secret in TOML (\"{shown}\"); remove it and set \
                 store.password = {{ env = \"CAUSEWAY_STORE_PASSWORD\" }} or {{ file = \"…\" }}"
            )),
            Some(user) => Ok(!user.is_empty()),
            None => Ok(false),
        },
        Some(Err(why)) => Err(format!("bad URL \"{shown}\": {why}")),
        None => Err(format!("unsupported store URL \"{shown}\"; {EXPECTED}")),
    }
}

/// Put `:password@` after the user of a validated postgres URL, percent-encoding the password.
pub(crate) fn with_password(url: &str, password: &str) -> String {
    let Some((scheme, after)) = url.split_once("://") else { return url.to_owned() };
    let end = after.find(['/', '?', '#']).unwrap_or(after.len());
    let Some((user, rest)) = after[..end].rsplit_once('@') else { return url.to_owned() };
    let mut encoded = String::with_capacity(password.len());
    for b in password.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            encoded.push(char::from(b));
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("{scheme}://{user}:{encoded}@{rest}{}", &after[end..])
}

/// An SS58 address of a 32-byte account: base58, prefix, blake2b checksum, and the prefix the
/// chain is configured with (when known).
pub(crate) fn ss58(s: &str, expected_prefix: Option<u16>) -> Result<(), String> {
    let bad = |why: &str| format!("not an SS58 address: \"{s}\": {why}");
    if s.is_empty() || s.len() > 64 {
        return Err(bad("wrong length"));
    }
    let data = base58::FromBase58::from_base58(s)
        .map_err(|_| bad("characters outside the base58 alphabet"))?;
    if !(35..=36).contains(&data.len()) {
        return Err(bad("wrong length for a 32-byte account"));
    }
    let (prefix_len, prefix) = match data.as_slice() {
        [b0 @ 0..=63, ..] => (1, u16::from(*b0)),
        [b0 @ 64..=127, b1, ..] => {
            let lower = (b0 << 2) | (b1 >> 6);
            let upper = b1 & 0b0011_1111;
            (2, u16::from(lower) | (u16::from(upper) << 8))
        }
        _ => return Err(bad("unsupported prefix byte")),
    };
    if data.len() != prefix_len + 32 + 2 {
        return Err(bad("wrong length for a 32-byte account"));
    }
    let (body, checksum) = data.split_at(data.len() - 2);
    let mut hasher = Blake2b512::new();
    hasher.update(b"SS58PRE");
    hasher.update(body);
    if hasher.finalize()[..2] != *checksum {
        return Err(bad("checksum mismatch"));
    }
    match expected_prefix {
        Some(expected) if expected != prefix => Err(format!(
            "\"{s}\" is an SS58 address for prefix {prefix}, but this chain's ss58_prefix is \
             {expected}; re-encode the account for this chain"
        )),
        _ => Ok(()),
    }
}

/// A name usable as an env var (a secret's `{ env = … }`).
pub(crate) fn env_name(s: &str) -> Result<(), String> {
    let mut bytes = s.bytes();
    let ok = bytes.next().is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(format!("not an environment variable name: \"{s}\" (letters, digits and _)"))
    }
}

/// A chain name: lower-case so that `CAUSEWAY_CHAINS__<NAME>__…` env vars can reach it.
pub(crate) fn chain_name(s: &str) -> Result<(), String> {
    let mut bytes = s.bytes();
    let ok = bytes.next().is_some_and(|b| b.is_ascii_lowercase())
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && s.len() <= 64;
    if ok {
        Ok(())
    } else {
        Err(format!(
            "bad chain name \"{s}\": use lower-case letters, digits and _ (starting with a letter), \
             so that CAUSEWAY_CHAINS__<NAME>__… env vars can reach it"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        let a = address("0x5FbDB2315678afecb367f032d93F642f64180aa3").unwrap();
        assert_eq!(address("0x5fbdb2315678afecb367f032d93f642f64180aa3").unwrap(), a);
        assert!(
            address("0x5FbDB2315678afecb367f032d93F642f64180aA3").unwrap_err().contains("EIP-55")
        );
        assert!(address("0x12").unwrap_err().contains("20-byte"));
        assert!(address("5fbdb2315678afecb367f032d93f642f64180aa3").is_err());
        assert!(address("0x5fbdb2315678afecb367f032d93f642f64180aaz").is_err());
        assert!(address(&format!("0x{}", "0".repeat(40))).unwrap_err().contains("zero"));
    }

    #[test]
    fn urls() {
        assert!(url("http://127.0.0.1:8545", EVM_RPC).is_ok());
        assert!(url("wss://rpc.example.org/v3/key", ANY_RPC).is_ok());
        assert!(url("ws://[::1]:9944", SUBSTRATE_RPC).is_ok());
        assert!(url("HTTPS://Example.org", HTTP).is_ok());
        assert_eq!(
            url("http//x", SUBSTRATE_RPC).unwrap_err(),
            "not a ws:// or wss:// URL: \"http//x\""
        );
        assert_eq!(
            url("ftp://x", ANY_RPC).unwrap_err(),
            "not an http://, https://, ws:// or wss:// URL: \"ftp://x\""
        );
        assert_eq!(url("ftp://x", EVM_RPC).unwrap_err(), "not an http:// URL: \"ftp://x\"");
        assert!(url("http://:8545", EVM_RPC).unwrap_err().contains("missing host"));
        assert!(url("http://h:99999", EVM_RPC).unwrap_err().contains("bad port"));
        assert!(url("http://h:", EVM_RPC).unwrap_err().contains("bad port"));
        assert!(url("http://bad host", EVM_RPC).unwrap_err().contains("bad host"));
        assert!(url("http://[::1", EVM_RPC).is_err());
        let err = url("ftp://u:hunter2@h", EVM_RPC).unwrap_err();
        assert!(!err.contains("hunter2") && err.contains("u:***@h"), "{err}");
    }

    #[test]
    fn evm_rpc_is_plain_http_in_this_build() {
        assert_eq!(evm_rpc("http://127.0.0.1:8545"), Ok(()));
        assert_eq!(evm_rpc("HTTP://node.internal"), Ok(()));
        for refused in ["https://rpc.example.org", "ws://127.0.0.1:8546", "WSS://rpc.example.org"] {
            assert_eq!(
                evm_rpc(refused).unwrap_err(),
                format!(
                    "\"{refused}\": this build's EVM adapter speaks http:// only (no TLS or \
                     WebSocket yet, ADR 0006)"
                )
            );
        }
        let err = evm_rpc("wss://u:hunter2@h").unwrap_err();
        assert!(!err.contains("hunter2") && err.contains("u:***@h"), "{err}");
        assert_eq!(evm_rpc("ftp://x").unwrap_err(), "not an http:// URL: \"ftp://x\"");
        assert!(evm_rpc("http://:8545").unwrap_err().contains("missing host"));
    }

    #[test]
    fn listen_addresses() {
        assert!(listen("127.0.0.1:9101").is_ok());
        assert!(listen("0.0.0.0:9101").is_ok());
        assert!(listen("[::1]:9101").is_ok());
        assert!(listen("localhost:9101").is_err());
        assert!(listen("127.0.0.1").is_err());
    }

    #[test]
    fn store_urls() {
        assert_eq!(store_url("sqlite://.causeway/causeway.db?mode=rwc"), Ok(false));
        assert_eq!(store_url("sqlite::memory:"), Ok(false));
        assert_eq!(store_url("postgres://causeway@127.0.0.1:5432/causeway"), Ok(true));
        assert_eq!(store_url("postgresql://localhost/causeway"), Ok(false));
        assert!(store_url("sqlite://").is_err());
        assert!(store_url("mysql://h/db").unwrap_err().contains("unsupported"));
        let err = store_url("postgres://u:hunter2@h/db").unwrap_err();
        assert!(err.contains("store.password") && !err.contains("hunter2"), "{err}");
        assert_eq!(
            with_password("postgres://u@h:5432/db?x=1", "p@ss/w:rd"),
            "postgres://u:p%40ss%2Fw%3Ard@h:5432/db?x=1"
        );
    }

    #[test]
    fn ss58_addresses() {
        // Alice, generic prefix 42, Polkadot prefix 0, and Astar prefix 5.
        let alice42 = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
        assert_eq!(ss58(alice42, Some(42)), Ok(()));
        assert_eq!(ss58("15oF4uVJwmo4TdGW7VfQxNLavjCXviqxT9S1MgbjMNHr6Sp5", Some(0)), Ok(()));
        assert!(ss58(alice42, Some(0)).unwrap_err().contains("for prefix 42"));
        assert!(
            ss58("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQZ", None)
                .unwrap_err()
                .contains("checksum")
        );
        assert!(ss58("5Grwva0F", None).unwrap_err().contains("alphabet"));
        assert!(ss58("5Grwva", None).unwrap_err().contains("length"));
        assert!(ss58("", None).is_err());
    }

    #[test]
    fn names() {
        assert!(env_name("CAUSEWAY_OPERATOR_KEY").is_ok());
        assert!(env_name("1X").is_err());
        assert!(env_name("").is_err());
        assert!(env_name("A-B").is_err());
        assert!(chain_name("astar_evm").is_ok());
        assert!(chain_name("l2").is_ok());
        assert!(chain_name("Astar").is_err());
        assert!(chain_name("a-b").is_err());
        assert!(chain_name("2a").is_err());
    }
}
