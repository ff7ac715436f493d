//! The devnet scenario: messages between chains, tokens out to a spoke and back, each waited
//! for until the store shows it delivered. Chains are named as in the configuration.

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
use causeway_core::B256;
use causeway_store::{MessageStatus, Store};
use eyre::{Result, bail, eyre};

use crate::{Devnet, HUB};

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

/// The [`Sent`] of a dispatch from its receipt (the Mailbox's `Dispatch` event).
pub fn sent_from_receipt(
    what: String,
    from: &str,
    to: &str,
    receipt: &TransactionReceipt,
) -> Result<Sent> {
    sent(what, from, to, receipt)
}

fn sent(what: String, from: &str, to: &str, receipt: &TransactionReceipt) -> Result<Sent> {
    let dispatch = receipt
        .decoded_log::<Mailbox::Dispatch>()
        .ok_or_else(|| eyre!("{what}: no Dispatch event in {}", receipt.transaction_hash))?;
    Ok(Sent {
        route: format!("{from} -> {to}"),
        what,
        id: dispatch.data.id,
        tx: receipt.transaction_hash,
        dispatch_gas: receipt.gas_used,
        at: Instant::now(),
    })
}

impl Devnet {
    fn user_on(&self, chain: &str) -> Result<DynProvider> {
        self.provider(chain, &self.user)
    }

    /// The user dispatches `body` from chain `from` to chain `to`'s `MessageLog`.
    pub async fn send_message(&self, from: &str, to: &str, body: &[u8]) -> Result<Sent> {
        let p = self.user_on(from)?;
        let mailbox = Mailbox::new(self.mailbox(from)?, &p);
        let call = mailbox.dispatch(
            self.domain(to)?,
            self.message_log(to)?.into_word(),
            Bytes::copy_from_slice(body),
        );
        let what = format!("message \"{}\"", String::from_utf8_lossy(body));
        let receipt = send(&what, call).await?;
        sent(what, from, to, &receipt)
    }

    /// The user bridges `amount` base units of the hub token to itself on spoke `to` (locked
    /// on the hub, minted on the spoke).
    pub async fn bridge_out(&self, to: &str, amount: U256) -> Result<Sent> {
        let p = self.user_on(HUB)?;
        let token = CausewayToken::new(self.hub.token, &p);
        send("approving the hub bridge", token.approve(self.hub.token_bridge, amount)).await?;
        let bridge = TokenBridge::new(self.hub.token_bridge, &p);
        let call = bridge.transferRemote(self.domain(to)?, self.user.address().into_word(), amount);
        let receipt = send("bridging tokens out", call).await?;
        sent("tokens out (lock → mint)".into(), HUB, to, &receipt)
    }

    /// The user bridges `amount` of the synthetic token on spoke `from` back to itself on the
    /// hub (burned on the spoke, released on the hub).
    pub async fn bridge_back(&self, from: &str, amount: U256) -> Result<Sent> {
        let p = self.user_on(from)?;
        let bridge = TokenBridge::new(self.spoke(from)?.token_bridge, &p);
        let call =
            bridge.transferRemote(self.hub_spec().domain, self.user.address().into_word(), amount);
        let receipt = send("bridging tokens back", call).await?;
        sent("tokens back (burn → release)".into(), from, HUB, &receipt)
    }

    /// The user's hub token balance.
    pub async fn hub_balance(&self) -> Result<U256> {
        self.user_tokens().await
    }

    /// The user's synthetic token balance on spoke `name`.
    pub async fn spoke_balance(&self, name: &str) -> Result<U256> {
        let p = self.user_on(name)?;
        Ok(SyntheticToken::new(self.spoke(name)?.synthetic_token, &p)
            .balanceOf(self.user.address())
            .call()
            .await?)
    }

    /// Messages the `MessageLog` on chain `name` has received.
    pub async fn received(&self, name: &str) -> Result<U256> {
        let p = self.user_on(name)?;
        let log = causeway_adapter_evm::bindings::message_log::MessageLog::new(
            self.message_log(name)?,
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
