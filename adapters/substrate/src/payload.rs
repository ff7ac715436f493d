//! The Causeway payload a user puts in `system.remark_with_event`, version 1
//! (`docs/substrate-payload.md`).
//!
//! ```text
//! magic "CWY" | version u8 = 1 | kind u8 | destination u32 BE | recipient bytes32 | body
//!      3              1              1              4                   32          rest
//! ```
//! - kind 0, **message**: `recipient` is the receiving contract on `destination`, `body` the
//!   application payload (at most 64 KiB); the batch carries no transfer, the sender is the
//!   signing account.
//! - kind 1, **transfer**: `recipient` is the beneficiary on `destination` (an EVM address
//!   left-padded to 32 bytes), `body` is empty; the batch carries exactly one
//!   `balances.transfer_keep_alive` to the escrow, whose amount is what is bridged.

use causeway_core::{B256, Domain, message::MAX_BODY_LEN};

/// The three bytes every Causeway remark starts with; a remark without them is not ours.
pub const MAGIC: &[u8; 3] = b"CWY";

/// The only payload version this release reads and writes.
pub const PAYLOAD_VERSION: u8 = 1;

/// Bytes before the body.
pub const PAYLOAD_HEADER_LEN: usize = 3 + 1 + 1 + 4 + 32;

/// What a payload asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayloadKind {
    /// An application message to a contract.
    Message,
    /// A transfer of the native token through the escrow.
    Transfer,
}

/// A decoded version-1 payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payload {
    /// Message or transfer.
    pub kind: PayloadKind,
    /// Domain the message is for.
    pub destination: Domain,
    /// Receiving contract (message) or beneficiary (transfer), 32 bytes.
    pub recipient: B256,
    /// Application payload (empty for a transfer).
    pub body: Vec<u8>,
}

/// Why a remark that starts with [`MAGIC`] is not a payload.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PayloadError {
    /// Shorter than the fixed header.
    #[error("payload is {len} bytes, shorter than the {PAYLOAD_HEADER_LEN}-byte header")]
    TooShort {
        /// Bytes given.
        len: usize,
    },
    /// A version this release does not read.
    #[error("payload version {found} is not supported (expected {PAYLOAD_VERSION})")]
    UnknownVersion {
        /// Version byte found.
        found: u8,
    },
    /// A kind byte other than 0 or 1.
    #[error("payload kind {found} is unknown (0 message, 1 transfer)")]
    UnknownKind {
        /// Kind byte found.
        found: u8,
    },
    /// A transfer with a body.
    #[error("a transfer payload has no body, found {len} bytes")]
    TransferWithBody {
        /// Body length.
        len: usize,
    },
    /// A body over the message limit.
    #[error("payload body is {len} bytes; the maximum is {MAX_BODY_LEN}")]
    BodyTooLarge {
        /// Body length.
        len: usize,
    },
    /// Destination zero (no domain has it).
    #[error("payload destination is domain 0")]
    ZeroDestination,
}

impl Payload {
    /// Whether a remark is meant for Causeway (starts with [`MAGIC`]).
    pub fn is_ours(remark: &[u8]) -> bool {
        remark.starts_with(MAGIC)
    }

    /// Decodes a remark that [`Payload::is_ours`].
    pub fn decode(bytes: &[u8]) -> Result<Self, PayloadError> {
        if bytes.len() < PAYLOAD_HEADER_LEN {
            return Err(PayloadError::TooShort { len: bytes.len() });
        }
        if bytes[3] != PAYLOAD_VERSION {
            return Err(PayloadError::UnknownVersion { found: bytes[3] });
        }
        let kind = match bytes[4] {
            0 => PayloadKind::Message,
            1 => PayloadKind::Transfer,
            found => return Err(PayloadError::UnknownKind { found }),
        };
        let destination = u32::from_be_bytes(bytes[5..9].try_into().expect("4 bytes"));
        if destination == 0 {
            return Err(PayloadError::ZeroDestination);
        }
        let recipient = B256::from_slice(&bytes[9..41]);
        let body = bytes[PAYLOAD_HEADER_LEN..].to_vec();
        match kind {
            PayloadKind::Transfer if !body.is_empty() => {
                Err(PayloadError::TransferWithBody { len: body.len() })
            }
            PayloadKind::Message if body.len() > MAX_BODY_LEN => {
                Err(PayloadError::BodyTooLarge { len: body.len() })
            }
            _ => Ok(Self { kind, destination, recipient, body }),
        }
    }

    /// The remark bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(PAYLOAD_HEADER_LEN + self.body.len());
        out.extend_from_slice(MAGIC);
        out.push(PAYLOAD_VERSION);
        out.push(match self.kind {
            PayloadKind::Message => 0,
            PayloadKind::Transfer => 1,
        });
        out.extend_from_slice(&self.destination.to_be_bytes());
        out.extend_from_slice(self.recipient.as_slice());
        out.extend_from_slice(&self.body);
        out
    }

    /// A transfer of what the batch sends the escrow to `beneficiary` on `destination`.
    pub fn transfer(destination: Domain, beneficiary: B256) -> Self {
        Self { kind: PayloadKind::Transfer, destination, recipient: beneficiary, body: Vec::new() }
    }

    /// A message to `recipient` on `destination`.
    pub fn message(destination: Domain, recipient: B256, body: impl Into<Vec<u8>>) -> Self {
        Self { kind: PayloadKind::Message, destination, recipient, body: body.into() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_layout() {
        let transfer = Payload::transfer(1, B256::repeat_byte(0xab));
        let bytes = transfer.encode();
        assert_eq!(&bytes[..5], b"CWY\x01\x01");
        assert_eq!(&bytes[5..9], &[0, 0, 0, 1]);
        assert_eq!(bytes.len(), PAYLOAD_HEADER_LEN);
        assert!(Payload::is_ours(&bytes));
        assert_eq!(Payload::decode(&bytes), Ok(transfer));

        let message = Payload::message(7, B256::repeat_byte(1), b"hello".to_vec());
        assert_eq!(Payload::decode(&message.encode()), Ok(message));
        assert!(!Payload::is_ours(b"just a remark"));
    }

    #[test]
    fn the_documented_example() {
        // docs/substrate-payload.md, "Example".
        let beneficiary = B256::left_padding_from(
            &"90F79bf6EB2c4f870365E785982E1f101E93b906"
                .as_bytes()
                .chunks(2)
                .map(|c| u8::from_str_radix(std::str::from_utf8(c).unwrap(), 16).unwrap())
                .collect::<Vec<u8>>(),
        );
        let hex: String =
            Payload::transfer(1, beneficiary).encode().iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "43575901010000000100000000000000000000000090f79bf6eb2c4f870365e785982e1f101e93b906"
        );
    }

    #[test]
    fn refuses_malformed() {
        let good = Payload::transfer(1, B256::ZERO).encode();
        assert_eq!(Payload::decode(&good[..10]), Err(PayloadError::TooShort { len: 10 }));
        let mut v2 = good.clone();
        v2[3] = 2;
        assert_eq!(Payload::decode(&v2), Err(PayloadError::UnknownVersion { found: 2 }));
        let mut kind = good.clone();
        kind[4] = 9;
        assert_eq!(Payload::decode(&kind), Err(PayloadError::UnknownKind { found: 9 }));
        let mut body = good;
        body.push(1);
        assert_eq!(Payload::decode(&body), Err(PayloadError::TransferWithBody { len: 1 }));
        let zero = Payload::transfer(0, B256::ZERO).encode();
        assert_eq!(Payload::decode(&zero), Err(PayloadError::ZeroDestination));
        let big = Payload::message(1, B256::ZERO, vec![0; MAX_BODY_LEN + 1]).encode();
        assert_eq!(
            Payload::decode(&big),
            Err(PayloadError::BodyTooLarge { len: MAX_BODY_LEN + 1 })
        );
    }
}
