//! The devnet scenario: a message each way, tokens out to the second chain and back, each
//! waited for until the store shows it delivered.

use std::time::{Duration, Instant};

use alloy::{
    primitives::{Bytes, U256},
    providers::DynProvider,
    rpc::types::TransactionReceipt,
};
use causeway_adapter_evm::{
    bindings::{
        causeway_token::CausewayToken, mailbox::Mailbox, synthetic_token::SyntheticToken,
        token_bridge::TokenBridge,
    },
    deploy::send,
};
use causeway_core::{Address, B256, Domain};
use causeway_indexer::{MessageStatus, Store};
use eyre::{Result, bail, eyre};

use crate::devnet::{Devnet, HUB, L2};

/// Which devnet chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The hub, "ethereum".
    Hub,
    /// The second chain, "l2".
    L2,
}

impl Side {
    /// Its domain.
    pub fn domain(self) -> Domain {
        match self {
            Self::Hub => HUB.0,
            Self::L2 => L2.0,
        }
    }

    /// Its configured name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Hub => "ethereum",
            Self::L2 => "l2",
        }
    }

    /// The other chain.
    pub fn other(self) -> Self {
        match self {
            Self::Hub => Self::L2,
            Self::L2 => Self::Hub,
        }
    }
}

/// A message sent, not yet delivered.
#[derive(Debug, Clone)]
pub struct Sent {
    /// `origin → destination`.
    pub route: String,
    /// What was sent.
    pub what: String,
    /// Message id.
    pub id: B256,
    /// Dispatching transaction.
    pub tx: B256,
    /// Gas of the dispatching transaction.
    pub dispatch_gas: u64,
    /// When the dispatch was confirmed.
    pub at: Instant,
}

/// A message delivered.
#[derive(Debug, Clone)]
pub struct Leg {
    /// What was sent, and how.
    pub sent: Sent,
    /// Delivering transaction (`None` if found delivered by someone else).
    pub delivery_tx: Option<B256>,
    /// Dispatch confirmed → delivery seen in the store.
    pub latency: Duration,
    /// Delivery gas attributed to this message (its share of the batch).
    pub delivery_gas: u64,
}

fn sent(what: String, from: Side, receipt: &TransactionReceipt) -> Result<Sent> {
    let dispatch = receipt
        .decoded_log::<Mailbox::Dispatch>()
        .ok_or_else(|| eyre!("{what}: no Dispatch event in {}", receipt.transaction_hash))?;
    Ok(Sent {
        route: format!("{} -> {}", from.name(), from.other().name()),
        what,
        id: dispatch.data.id,
        tx: receipt.transaction_hash,
        dispatch_gas: receipt.gas_used,
        at: Instant::now(),
    })
}

impl Devnet {
    fn user_on(&self, side: Side) -> DynProvider {
        match side {
            Side::Hub => self.hub_provider(&self.user),
            Side::L2 => self.l2_provider(&self.user),
        }
    }

    fn mailbox_of(&self, side: Side) -> Address {
        match side {
            Side::Hub => self.hub.mailbox,
            Side::L2 => self.l2.mailbox,
        }
    }

    fn message_log_of(&self, side: Side) -> Address {
        match side {
            Side::Hub => self.hub.message_log,
            Side::L2 => self.l2.message_log,
        }
    }

    /// The user dispatches `body` from `from` to the other chain's `MessageLog`.
    pub async fn send_message(&self, from: Side, body: &[u8]) -> Result<Sent> {
        let to = from.other();
        let p = self.user_on(from);
        let mailbox = Mailbox::new(self.mailbox_of(from), &p);
        let call = mailbox.dispatch(
            to.domain(),
            self.message_log_of(to).into_word(),
            Bytes::copy_from_slice(body),
        );
        let what = format!("message \"{}\"", String::from_utf8_lossy(body));
        let receipt = send(&what, call).await?;
        sent(what, from, &receipt)
    }

    /// The user bridges `amount` base units of the hub token to itself on l2 (locked on the hub,
    /// minted on l2).
    pub async fn bridge_out(&self, amount: U256) -> Result<Sent> {
        let p = self.user_on(Side::Hub);
        let token = CausewayToken::new(self.hub.token, &p);
        send("approving the hub bridge", token.approve(self.hub.token_bridge, amount)).await?;
        let bridge = TokenBridge::new(self.hub.token_bridge, &p);
        let call = bridge.transferRemote(L2.0, self.user.address().into_word(), amount);
        let receipt = send("bridging tokens out", call).await?;
        sent("tokens out (lock → mint)".into(), Side::Hub, &receipt)
    }

    /// The user bridges `amount` of the synthetic token on l2 back to itself on the hub (burned
    /// on l2, released on the hub).
    pub async fn bridge_back(&self, amount: U256) -> Result<Sent> {
        let p = self.user_on(Side::L2);
        let bridge = TokenBridge::new(self.l2.token_bridge, &p);
        let call = bridge.transferRemote(HUB.0, self.user.address().into_word(), amount);
        let receipt = send("bridging tokens back", call).await?;
        sent("tokens back (burn → release)".into(), Side::L2, &receipt)
    }

    /// The user's hub token balance.
    pub async fn hub_balance(&self) -> Result<U256> {
        let p = self.hub_reader();
        Ok(CausewayToken::new(self.hub.token, &p).balanceOf(self.user.address()).call().await?)
    }

    /// The user's synthetic token balance on l2.
    pub async fn l2_balance(&self) -> Result<U256> {
        let p = self.l2_provider(&self.user);
        Ok(SyntheticToken::new(self.l2.synthetic_token, &p)
            .balanceOf(self.user.address())
            .call()
            .await?)
    }

    /// Messages the `MessageLog` on `side` has received.
    pub async fn received(&self, side: Side) -> Result<U256> {
        let p = self.user_on(side);
        let log = causeway_adapter_evm::bindings::message_log::MessageLog::new(
            self.message_log_of(side),
            &p,
        );
        Ok(log.received().call().await?)
    }
}

/// Waits until the store shows `sent` delivered, at most `timeout`. A message that reaches the
/// final failed state, or is still pending at the deadline, is an error with its last reason.
pub async fn wait_delivered(store: &Store, sent: Sent, timeout: Duration) -> Result<Leg> {
    let deadline = Instant::now() + timeout;
    loop {
        let record = store.message(sent.id).await?;
        match &record {
            Some(r) if r.status == MessageStatus::Delivered => {
                let delivery = store.delivery(sent.id).await?;
                return Ok(Leg {
                    latency: sent.at.elapsed(),
                    delivery_tx: delivery.map(|d| d.tx_hash).or(r.delivered_tx),
                    delivery_gas: delivery.map_or(0, |d| d.gas_used),
                    sent,
                });
            }
            Some(r) if matches!(r.status, MessageStatus::Failed | MessageStatus::Skipped) => {
                bail!(
                    "{} ({}) {}: {}",
                    sent.what,
                    sent.id,
                    r.status,
                    r.status_reason.as_deref().unwrap_or("no reason recorded")
                );
            }
            _ => {}
        }
        if Instant::now() >= deadline {
            let state = record.map_or_else(
                || "not indexed yet".to_owned(),
                |r| {
                    format!(
                        "{} after {} attempts ({})",
                        r.status,
                        r.attempts,
                        r.status_reason.as_deref().unwrap_or("waiting for a quorum")
                    )
                },
            );
            bail!(
                "{} ({}) on {} not delivered within {} s: {state}",
                sent.what,
                sent.id,
                sent.route,
                timeout.as_secs()
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
