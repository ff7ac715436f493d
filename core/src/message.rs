//! Cross-chain messages and their packed encoding.
//!
//! ```text
//! version u8 | nonce u32 | origin u32 | sender bytes32 | destination u32 | recipient bytes32 | body
//!     1           4           4             32                4                  32           ≤ 64 KiB
//! ```
//! All integers are big-endian, as Solidity's `abi.encodePacked` writes them. The message id is
//! `keccak256` of the packed bytes and is the leaf of the origin's outbox tree.

use alloy_primitives::{Address, B256, Bytes, keccak256};
use serde::{Deserialize, Serialize};

/// A chain's or rollup's identifier in Causeway, assigned in the config (or by `RollupRegistry`).
pub type Domain = u32;

/// The only message version this release produces and accepts.
pub const MESSAGE_VERSION: u8 = 1;

/// Length of the fixed header before the body.
pub const HEADER_LEN: usize = 1 + 4 + 4 + 32 + 4 + 32;

/// Largest body a message may carry (64 KiB).
pub const MAX_BODY_LEN: usize = 64 * 1024;

/// Largest packed message.
pub const MAX_MESSAGE_LEN: usize = HEADER_LEN + MAX_BODY_LEN;

/// Why bytes are not a message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MessageError {
    /// Fewer bytes than the fixed header.
    #[error("message is {len} bytes, shorter than the {HEADER_LEN}-byte header")]
    TooShort {
        /// Bytes given.
        len: usize,
    },
    /// More bytes than a header plus the largest body.
    #[error(
        "message is {len} bytes, longer than the maximum {MAX_MESSAGE_LEN} \
         ({HEADER_LEN}-byte header + {MAX_BODY_LEN}-byte body)"
    )]
    TooLong {
        /// Bytes given.
        len: usize,
    },
    /// A body over [`MAX_BODY_LEN`].
    #[error("message body is {len} bytes; the maximum is {MAX_BODY_LEN}")]
    BodyTooLarge {
        /// Body length.
        len: usize,
    },
    /// A version this release does not know.
    #[error("message version {found} is not supported (expected {MESSAGE_VERSION})")]
    UnknownVersion {
        /// Version byte found.
        found: u8,
    },
}

/// A message from `sender` on `origin` to `recipient` on `destination`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Message {
    /// Encoding version, [`MESSAGE_VERSION`].
    pub version: u8,
    /// Position of the message in its origin's outbox, from 0.
    pub nonce: u32,
    /// Domain the message was dispatched on.
    pub origin: Domain,
    /// Dispatching account, left-padded to 32 bytes for EVM addresses.
    pub sender: B256,
    /// Domain the message is for.
    pub destination: Domain,
    /// Receiving account on `destination`, left-padded to 32 bytes for EVM addresses.
    pub recipient: B256,
    /// Application payload.
    pub body: Bytes,
}

impl Message {
    /// A version-[`MESSAGE_VERSION`] message; fails when `body` is over [`MAX_BODY_LEN`].
    pub fn new(
        nonce: u32,
        origin: Domain,
        sender: B256,
        destination: Domain,
        recipient: B256,
        body: impl Into<Bytes>,
    ) -> Result<Self, MessageError> {
        let message = Self {
            version: MESSAGE_VERSION,
            nonce,
            origin,
            sender,
            destination,
            recipient,
            body: body.into(),
        };
        message.validate()?;
        Ok(message)
    }

    /// Checks version and body size, the rules [`Message::decode`] applies.
    pub fn validate(&self) -> Result<(), MessageError> {
        if self.version != MESSAGE_VERSION {
            return Err(MessageError::UnknownVersion { found: self.version });
        }
        if self.body.len() > MAX_BODY_LEN {
            return Err(MessageError::BodyTooLarge { len: self.body.len() });
        }
        Ok(())
    }

    /// The packed bytes (see the module docs). Packs whatever the fields hold; call
    /// [`Message::validate`] first if the message did not come from [`Message::new`].
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_LEN + self.body.len());
        out.push(self.version);
        out.extend_from_slice(&self.nonce.to_be_bytes());
        out.extend_from_slice(&self.origin.to_be_bytes());
        out.extend_from_slice(self.sender.as_slice());
        out.extend_from_slice(&self.destination.to_be_bytes());
        out.extend_from_slice(self.recipient.as_slice());
        out.extend_from_slice(&self.body);
        out
    }

    /// `keccak256` of the packed bytes: the message's id and its outbox leaf.
    pub fn id(&self) -> B256 {
        keccak256(self.encode())
    }

    /// Parses packed bytes, rejecting short, long, oversize-body and unknown-version input.
    pub fn decode(bytes: &[u8]) -> Result<Self, MessageError> {
        if bytes.len() < HEADER_LEN {
            return Err(MessageError::TooShort { len: bytes.len() });
        }
        if bytes.len() > MAX_MESSAGE_LEN {
            return Err(MessageError::TooLong { len: bytes.len() });
        }
        let (header, body) = bytes.split_at(HEADER_LEN);
        let u32_at = |at: usize| {
            let mut word = [0u8; 4];
            word.copy_from_slice(&header[at..at + 4]);
            u32::from_be_bytes(word)
        };
        let message = Self {
            version: header[0],
            nonce: u32_at(1),
            origin: u32_at(5),
            sender: B256::from_slice(&header[9..41]),
            destination: u32_at(41),
            recipient: B256::from_slice(&header[45..77]),
            body: Bytes::copy_from_slice(body),
        };
        message.validate()?;
        Ok(message)
    }
}

/// An EVM address as the 32-byte account form messages carry (left-padded with zeros).
pub fn address_to_bytes32(address: Address) -> B256 {
    address.into_word()
}

/// The EVM address in a 32-byte account, or `None` when the upper 12 bytes are not zero.
pub fn bytes32_to_address(account: B256) -> Option<Address> {
    account[..12].iter().all(|b| *b == 0).then(|| Address::from_word(account))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Message {
        Message::new(
            7,
            1,
            address_to_bytes32(Address::repeat_byte(0x11)),
            2,
            address_to_bytes32(Address::repeat_byte(0x22)),
            b"hello".to_vec(),
        )
        .unwrap()
    }

    #[test]
    fn layout_is_packed_big_endian() {
        let packed = sample().encode();
        assert_eq!(packed.len(), HEADER_LEN + 5);
        assert_eq!(packed[0], MESSAGE_VERSION);
        assert_eq!(&packed[1..5], &7u32.to_be_bytes());
        assert_eq!(&packed[5..9], &1u32.to_be_bytes());
        assert_eq!(&packed[9..21], &[0u8; 12]);
        assert_eq!(&packed[21..41], &[0x11; 20]);
        assert_eq!(&packed[41..45], &2u32.to_be_bytes());
        assert_eq!(&packed[57..77], &[0x22; 20]);
        assert_eq!(&packed[77..], b"hello");
    }

    #[test]
    fn decode_rejects_bad_lengths_and_versions() {
        assert_eq!(Message::decode(&[1u8; 76]), Err(MessageError::TooShort { len: 76 }));
        let long = vec![1u8; MAX_MESSAGE_LEN + 1];
        assert_eq!(Message::decode(&long), Err(MessageError::TooLong { len: MAX_MESSAGE_LEN + 1 }));
        let mut packed = sample().encode();
        packed[0] = 9;
        assert_eq!(Message::decode(&packed), Err(MessageError::UnknownVersion { found: 9 }));
    }

    #[test]
    fn largest_body_round_trips_and_one_more_byte_fails() {
        let mut message = sample();
        message.body = vec![0xab; MAX_BODY_LEN].into();
        assert_eq!(Message::decode(&message.encode()).unwrap(), message);
        let too_big =
            Message::new(0, 1, B256::ZERO, 2, B256::ZERO, vec![0u8; MAX_BODY_LEN + 1]).unwrap_err();
        assert_eq!(too_big, MessageError::BodyTooLarge { len: MAX_BODY_LEN + 1 });
    }

    #[test]
    fn address_padding_round_trips() {
        let address = Address::repeat_byte(0x5a);
        assert_eq!(bytes32_to_address(address_to_bytes32(address)), Some(address));
        assert_eq!(bytes32_to_address(B256::repeat_byte(1)), None);
    }
}
