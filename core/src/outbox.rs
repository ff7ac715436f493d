//! Route outbox ids (ADR 0003) and the virtual outbox of origins without an on-chain tree.
//!
//! Every route (origin → destination) has its own Merkle tree, named in checkpoints by its
//! **route outbox** id:
//!
//! ```text
//! outbox = bytes32(uint256(destination) << 160 | uint160(base))
//! bytes:   0..8 zero | 8..12 destination (big-endian) | 12..32 base
//! ```
//!
//! `base` is the origin Mailbox's address on an EVM chain, or a 20-byte id chosen by the adapter
//! for a [`VirtualOutbox`].
//!
//! A chain without Causeway contracts (a Substrate chain) has no on-chain tree. Instead every
//! operator derives the same ordered list of messages from the chain's finalized blocks and feeds
//! it to a [`VirtualOutbox`], which builds the same trees off-chain: the outbox is a pure function
//! of that ordered list, so honest operators sign the same roots.

use std::collections::BTreeMap;

use alloy_primitives::{Address, B256, Bytes};

use crate::{
    merkle::{MAX_LEAVES, MerkleTree, TREE_DEPTH, TreeError, ZERO_HASHES, check_capacity},
    message::{Domain, Message, MessageError},
};

/// The route outbox id of the route from the outbox `base` to `destination` (ADR 0003):
/// `base` in the low 160 bits, `destination` in bits 160..192, bits 192..256 zero.
///
/// The same bytes as Solidity's `bytes32(uint256(destination) << 160 | uint160(base))` and
/// `Mailbox.outboxOf(destination)`.
pub fn route_outbox(base: Address, destination: Domain) -> B256 {
    let mut word = base.into_word();
    word[8..12].copy_from_slice(&destination.to_be_bytes());
    word
}

/// The destination of a route outbox id: bits 160..192 (bytes 8..12, big-endian).
///
/// Bytes 0..8 are ignored; `route_outbox(outbox_base(o), outbox_destination(o)) == o` holds
/// exactly when they are zero, as in every id [`route_outbox`] makes.
pub fn outbox_destination(outbox: &B256) -> Domain {
    let mut destination = [0u8; 4];
    destination.copy_from_slice(&outbox[8..12]);
    Domain::from_be_bytes(destination)
}

/// The outbox base of a route outbox id: its low 160 bits (bytes 12..32).
pub fn outbox_base(outbox: &B256) -> Address {
    Address::from_word(*outbox)
}

/// Why a [`VirtualOutbox`] refused a message. Nothing is changed when an error is returned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OutboxError {
    /// The destination is the outbox's own origin: a message must leave its domain.
    #[error(
        "destination {destination} is the outbox's own origin; a message must go to another domain"
    )]
    SelfDestination {
        /// The origin, given as destination.
        destination: Domain,
    },
    /// The message itself is invalid (body over the limit, unknown version).
    #[error("invalid message: {0}")]
    Message(#[from] MessageError),
    /// The route's tree already holds [`MAX_LEAVES`] messages.
    #[error(
        "route {origin} -> {destination} is full: it holds the maximum of {MAX_LEAVES} messages"
    )]
    Full {
        /// Origin of the route.
        origin: Domain,
        /// Destination of the route.
        destination: Domain,
    },
    /// A pushed message was dispatched on another origin.
    #[error("message is from origin {found}, but this outbox is the outbox of origin {expected}")]
    WrongOrigin {
        /// This outbox's origin.
        expected: Domain,
        /// The message's origin.
        found: Domain,
    },
    /// A pushed message's nonce is not the route's next leaf index.
    #[error(
        "message nonce {found} on route {origin} -> {destination} is out of order: \
         the route holds {expected} messages, so the next nonce must be {expected}"
    )]
    WrongNonce {
        /// Origin of the route.
        origin: Domain,
        /// Destination of the route.
        destination: Domain,
        /// The route's next leaf index.
        expected: u64,
        /// The message's nonce.
        found: u32,
    },
}

/// The off-chain outbox of one origin domain: one [`MerkleTree`] per destination route, filled
/// in the order messages were dispatched.
///
/// A message's nonce is its leaf index in its route's tree (ADR 0003), so the messages to one
/// destination are numbered 0, 1, 2, … independently of the other routes. Two outboxes fed the
/// same messages in the same order hold the same trees, whether the messages were
/// [`append`](Self::append)ed as they were found or [`push`](Self::push)ed back from storage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VirtualOutbox {
    origin: Domain,
    base: Address,
    /// Only routes with at least one message; ordered by destination.
    routes: BTreeMap<Domain, MerkleTree>,
}

impl VirtualOutbox {
    /// An empty outbox for messages dispatched on `origin`, whose route outbox ids are built on
    /// the 20-byte id `base` (chosen by the adapter).
    pub fn new(origin: Domain, base: Address) -> Self {
        Self { origin, base, routes: BTreeMap::new() }
    }

    /// The origin domain whose messages this outbox holds.
    pub fn origin(&self) -> Domain {
        self.origin
    }

    /// The 20-byte base of this outbox's route outbox ids.
    pub fn base(&self) -> Address {
        self.base
    }

    /// Builds the version-[`MESSAGE_VERSION`](crate::message::MESSAGE_VERSION) message from
    /// `sender` on this origin to `recipient` on `destination`, numbered with the route's next
    /// leaf index, appends its id to the route's tree and returns it.
    ///
    /// Refuses a destination equal to the origin, a body over
    /// [`MAX_BODY_LEN`](crate::message::MAX_BODY_LEN) and a full route.
    pub fn append(
        &mut self,
        destination: Domain,
        sender: B256,
        recipient: B256,
        body: Bytes,
    ) -> Result<Message, OutboxError> {
        self.check_destination(destination)?;
        let nonce = self.next_nonce(destination)?;
        let message = Message::new(nonce, self.origin, sender, destination, recipient, body)?;
        self.insert(destination, message.id())?;
        Ok(message)
    }

    /// Appends a message numbered already (read back from storage on restart, or from another
    /// operator's list).
    ///
    /// Refuses a message from another origin, to the origin itself, an invalid message, and a
    /// nonce that is not exactly the route's next leaf index.
    pub fn push(&mut self, message: &Message) -> Result<(), OutboxError> {
        if message.origin != self.origin {
            return Err(OutboxError::WrongOrigin { expected: self.origin, found: message.origin });
        }
        self.check_destination(message.destination)?;
        message.validate()?;
        let expected = self.next_nonce(message.destination)?;
        if message.nonce != expected {
            return Err(OutboxError::WrongNonce {
                origin: self.origin,
                destination: message.destination,
                expected: u64::from(expected),
                found: message.nonce,
            });
        }
        self.insert(message.destination, message.id())
    }

    /// The root and leaf count of the route to `destination`; the empty tree's root and 0 for a
    /// route without messages.
    pub fn state(&self, destination: Domain) -> (B256, u64) {
        match self.routes.get(&destination) {
            Some(tree) => (tree.root(), tree.count()),
            None => (ZERO_HASHES[TREE_DEPTH], 0),
        }
    }

    /// The route outbox id of the route to `destination`: `route_outbox(base, destination)`.
    pub fn outbox_id(&self, destination: Domain) -> B256 {
        route_outbox(self.base, destination)
    }

    /// The root the route to `destination` had when it held `count` messages
    /// ([`MerkleTree::root_at`]); fails when the route holds fewer than `count`.
    pub fn root_at(&self, destination: Domain, count: u64) -> Result<B256, TreeError> {
        match self.routes.get(&destination) {
            Some(tree) => tree.root_at(count),
            None if count == 0 => Ok(ZERO_HASHES[TREE_DEPTH]),
            None => Err(TreeError::CountOutOfRange { requested: count, available: 0 }),
        }
    }

    /// The destinations with at least one message and their counts, in ascending destination.
    pub fn routes(&self) -> impl Iterator<Item = (Domain, u64)> + '_ {
        self.routes.iter().map(|(destination, tree)| (*destination, tree.count()))
    }

    /// The tree of the route to `destination`, for proofs; `None` before its first message.
    pub fn tree(&self, destination: Domain) -> Option<&MerkleTree> {
        self.routes.get(&destination)
    }

    fn check_destination(&self, destination: Domain) -> Result<(), OutboxError> {
        if destination == self.origin {
            return Err(OutboxError::SelfDestination { destination });
        }
        Ok(())
    }

    /// The route's next leaf index, which is the next message's nonce.
    fn next_nonce(&self, destination: Domain) -> Result<u32, OutboxError> {
        let count = self.routes.get(&destination).map_or(0, MerkleTree::count);
        nonce_at(self.origin, destination, count)
    }

    fn insert(&mut self, destination: Domain, id: B256) -> Result<(), OutboxError> {
        let full = OutboxError::Full { origin: self.origin, destination };
        self.routes.entry(destination).or_default().insert(id).map_err(|_| full)?;
        Ok(())
    }
}

/// The nonce of the next message on a route holding `count` messages.
fn nonce_at(origin: Domain, destination: Domain, count: u64) -> Result<u32, OutboxError> {
    let full = OutboxError::Full { origin, destination };
    check_capacity(count).map_err(|_| full.clone())?;
    u32::try_from(count).map_err(|_| full)
}

#[cfg(test)]
mod tests {
    use alloy_primitives::U256;
    use proptest::prelude::*;

    use super::*;
    use crate::message::{MAX_BODY_LEN, MESSAGE_VERSION};

    const ORIGIN: Domain = 7;

    fn base() -> Address {
        "0x00112233445566778899aabbccddeeff00112233".parse().unwrap()
    }

    fn body(i: u32) -> Bytes {
        Bytes::from(i.to_be_bytes().to_vec())
    }

    #[test]
    fn route_outbox_matches_adr_layout() {
        let outbox = route_outbox(base(), 0x0a0b_0c0d);
        // Computed by hand: 8 zero bytes | destination big-endian | base.
        let expected: B256 =
            "0x00000000000000000a0b0c0d00112233445566778899aabbccddeeff00112233".parse().unwrap();
        assert_eq!(outbox, expected);
        // Solidity's `uint256(destination) << 160 | uint160(base)`.
        let solidity = U256::from(0x0a0b_0c0du32) << 160 | U256::from_be_slice(base().as_slice());
        assert_eq!(U256::from_be_bytes(outbox.0), solidity);
        assert_eq!(outbox_destination(&outbox), 0x0a0b_0c0d);
        assert_eq!(outbox_base(&outbox), base());
    }

    #[test]
    fn append_numbers_each_route_from_zero() {
        let mut outbox = VirtualOutbox::new(ORIGIN, base());
        let to = [1, 2, 1, 1, 3, 2];
        let nonces: Vec<u32> = to
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let m = outbox.append(*d, B256::ZERO, B256::ZERO, body(i as u32)).unwrap();
                assert_eq!((m.version, m.origin, m.destination), (MESSAGE_VERSION, ORIGIN, *d));
                m.nonce
            })
            .collect();
        assert_eq!(nonces, [0, 0, 1, 2, 0, 1]);
        assert_eq!(outbox.routes().collect::<Vec<_>>(), [(1, 3), (2, 2), (3, 1)]);
        assert_eq!(outbox.state(1).1, 3);
        assert_eq!(outbox.outbox_id(2), route_outbox(base(), 2));
        assert_ne!(outbox.outbox_id(1), outbox.outbox_id(2));
        assert_eq!(outbox.tree(3).map(MerkleTree::count), Some(1));
    }

    #[test]
    fn empty_route_has_empty_root() {
        let outbox = VirtualOutbox::new(ORIGIN, base());
        let empty = MerkleTree::new().root();
        assert_eq!(outbox.state(9), (empty, 0));
        assert_eq!(outbox.root_at(9, 0), Ok(empty));
        assert_eq!(
            outbox.root_at(9, 1),
            Err(TreeError::CountOutOfRange { requested: 1, available: 0 })
        );
        assert!(outbox.tree(9).is_none());
        assert_eq!(outbox.routes().count(), 0);
    }

    #[test]
    fn replay_from_storage_gives_the_same_outbox() {
        let mut live = VirtualOutbox::new(ORIGIN, base());
        let stored: Vec<Message> = (0..40u32)
            .map(|i| live.append(i % 3 + 1, B256::repeat_byte(1), B256::ZERO, body(i)).unwrap())
            .collect();
        let mut restarted = VirtualOutbox::new(ORIGIN, base());
        for m in &stored {
            restarted.push(m).unwrap();
        }
        assert_eq!(restarted, live);
        for destination in 1..=3 {
            assert_eq!(restarted.state(destination), live.state(destination));
            assert_eq!(restarted.root_at(destination, 5), live.root_at(destination, 5));
        }
    }

    #[test]
    fn refusals_say_what_is_wrong_and_change_nothing() {
        let mut outbox = VirtualOutbox::new(ORIGIN, base());
        let first = outbox.append(2, B256::ZERO, B256::ZERO, body(0)).unwrap();
        let before = outbox.clone();

        assert_eq!(
            outbox.append(ORIGIN, B256::ZERO, B256::ZERO, body(0)),
            Err(OutboxError::SelfDestination { destination: ORIGIN })
        );
        let big = Bytes::from(vec![0u8; MAX_BODY_LEN + 1]);
        assert_eq!(
            outbox.append(2, B256::ZERO, B256::ZERO, big),
            Err(OutboxError::Message(MessageError::BodyTooLarge { len: MAX_BODY_LEN + 1 }))
        );

        let mut other_origin = first.clone();
        other_origin.origin = 8;
        assert_eq!(
            outbox.push(&other_origin),
            Err(OutboxError::WrongOrigin { expected: ORIGIN, found: 8 })
        );
        let mut to_self = first.clone();
        to_self.destination = ORIGIN;
        assert_eq!(
            outbox.push(&to_self),
            Err(OutboxError::SelfDestination { destination: ORIGIN })
        );
        let mut bad_version = first.clone();
        bad_version.nonce = 1;
        bad_version.version = 2;
        assert_eq!(
            outbox.push(&bad_version),
            Err(OutboxError::Message(MessageError::UnknownVersion { found: 2 }))
        );
        let replayed = outbox.push(&first).unwrap_err();
        assert_eq!(
            replayed,
            OutboxError::WrongNonce { origin: ORIGIN, destination: 2, expected: 1, found: 0 }
        );
        assert_eq!(
            replayed.to_string(),
            "message nonce 0 on route 7 -> 2 is out of order: the route holds 1 messages, \
             so the next nonce must be 1"
        );
        let mut gap = first;
        gap.nonce = 3;
        assert!(matches!(
            outbox.push(&gap),
            Err(OutboxError::WrongNonce { expected: 1, found: 3, .. })
        ));
        assert_eq!(outbox, before);
    }

    #[test]
    fn full_route_is_an_error() {
        // Filling 2^32 - 1 leaves takes 256 GiB; check the numbering at the limit instead.
        assert_eq!(nonce_at(ORIGIN, 2, MAX_LEAVES - 1), Ok(u32::MAX - 1));
        assert_eq!(
            nonce_at(ORIGIN, 2, MAX_LEAVES),
            Err(OutboxError::Full { origin: ORIGIN, destination: 2 })
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn route_outbox_round_trips(bytes in any::<[u8; 20]>(), destination in any::<u32>()) {
            let base = Address::from(bytes);
            let outbox = route_outbox(base, destination);
            prop_assert_eq!(&outbox[..8], &[0u8; 8]);
            prop_assert_eq!(outbox_destination(&outbox), destination);
            prop_assert_eq!(outbox_base(&outbox), base);
            prop_assert_eq!(route_outbox(outbox_base(&outbox), outbox_destination(&outbox)), outbox);
        }

        #[test]
        fn route_roots_equal_plain_trees(
            sends in proptest::collection::vec((1u32..5, any::<[u8; 32]>(), any::<Vec<u8>>()), 0..80),
        ) {
            let mut a = VirtualOutbox::new(ORIGIN, base());
            let mut b = VirtualOutbox::new(ORIGIN, base());
            let mut ids: BTreeMap<Domain, Vec<B256>> = BTreeMap::new();
            for (destination, recipient, payload) in sends {
                let m = a.append(destination, B256::ZERO, recipient.into(), payload.into()).unwrap();
                b.push(&m).unwrap();
                let route = ids.entry(destination).or_default();
                prop_assert_eq!(u64::from(m.nonce), route.len() as u64);
                route.push(m.id());
            }
            prop_assert_eq!(&a, &b);
            for (destination, route) in &ids {
                let plain = MerkleTree::from_leaves(route.iter().copied()).unwrap();
                prop_assert_eq!(a.state(*destination), (plain.root(), plain.count()));
                prop_assert_eq!(b.state(*destination), (plain.root(), plain.count()));
                for count in 0..=plain.count() {
                    prop_assert_eq!(a.root_at(*destination, count), plain.root_at(count));
                }
            }
            let counts: Vec<(Domain, u64)> =
                ids.iter().map(|(d, route)| (*d, route.len() as u64)).collect();
            prop_assert_eq!(a.routes().collect::<Vec<_>>(), counts);
        }
    }
}
