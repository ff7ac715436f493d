//! SS58 addresses of 32-byte accounts: read with subxt's `AccountId32`, written for a chain's
//! prefix with the `base58` crate and the SS58 checksum (`blake2b-512("SS58PRE" ++ data)`).

use base58::ToBase58;
use causeway_core::B256;
use sp_crypto_hashing::blake2_512;

/// The account an SS58 address names (any prefix; the configuration checked it).
pub fn parse_ss58(address: &str) -> Result<B256, String> {
    address
        .parse::<subxt::utils::AccountId32>()
        .map(|a| B256::from(a.0))
        .map_err(|e| format!("not an SS58 address: {address:?}: {e}"))
}

/// `account` as an SS58 address for `prefix` (0..=16383).
pub fn to_ss58(account: &B256, prefix: u16) -> String {
    let mut data = match prefix {
        0..=63 => vec![prefix as u8],
        _ => {
            let first = ((prefix & 0b0000_0000_1111_1100) as u8) >> 2;
            let second = ((prefix >> 8) as u8) | (((prefix & 0b11) as u8) << 6);
            vec![first | 0b0100_0000, second]
        }
    };
    data.extend_from_slice(account.as_slice());
    let mut preimage = b"SS58PRE".to_vec();
    preimage.extend_from_slice(&data);
    let checksum = blake2_512(&preimage);
    data.extend_from_slice(&checksum[..2]);
    data.to_base58()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_addresses() {
        let alice: B256 =
            "0xd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d".parse().unwrap();
        assert_eq!(to_ss58(&alice, 42), "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY");
        assert_eq!(to_ss58(&alice, 0), "15oF4uVJwmo4TdGW7VfQxNLavjCXviqxT9S1MgbjMNHr6Sp5");
        assert_eq!(parse_ss58("15oF4uVJwmo4TdGW7VfQxNLavjCXviqxT9S1MgbjMNHr6Sp5"), Ok(alice));
        assert_eq!(parse_ss58(&to_ss58(&alice, 5)), Ok(alice));
        assert_eq!(parse_ss58(&to_ss58(&alice, 1284)), Ok(alice), "two-byte prefix");
        assert!(parse_ss58("15oF4uVJwmo4TdGW7VfQxNLavjCXviqxT9S1MgbjMNHr6Sp6").is_err());
    }
}
