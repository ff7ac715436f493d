//! Starting the roles in this process over the devnet's configuration, each with its own chain
//! registry as a separate process would have.

use std::{net::SocketAddr, sync::Arc};

use causeway_node::{
    ChainRegistry, Supervisor,
    roles::{self, Indexer},
    wiring,
};
use causeway_store::{RouteTrees, Store};
use eyre::{Result, WrapErr, eyre};

use crate::Devnet;

impl Devnet {
    /// Connects to the devnet's store (creating and migrating it).
    pub async fn store(&self) -> Result<Store> {
        Store::connect(self.store_url())
            .await
            .wrap_err_with(|| format!("opening the store {}", self.store_url()))
    }

    /// A chain registry of the devnet's current configuration.
    pub async fn registry(&self) -> Result<ChainRegistry> {
        ChainRegistry::build(&self.config).await
    }

    /// Starts the indexer (a follower per chain and the API) under `sup`. Returns what it shares
    /// and the API address.
    pub async fn start_indexer(
        &mut self,
        store: Store,
        sup: &Supervisor,
    ) -> Result<(Indexer, ChainRegistry, SocketAddr)> {
        let listener = match self.indexer_listener.take() {
            Some(l) => l,
            None => roles::bind(self.config.indexer.listen, "indexer").await?,
        };
        let addr = listener.local_addr()?;
        let registry = self.registry().await?;
        let indexer = roles::spawn_indexer(
            &self.config,
            &registry,
            store,
            listener,
            wiring::install_metrics(),
            sup,
        )
        .await?;
        Ok((indexer, registry, addr))
    }

    /// Starts operator `i` (0-based) under `sup`, on the address it announced. Stop it by
    /// shutting `sup` down; it can be started again.
    pub async fn start_operator(&mut self, i: usize, sup: &Supervisor) -> Result<ChainRegistry> {
        let config = self.config.clone();
        let registry = self.registry().await?;
        let op = self.operators.get_mut(i).ok_or_else(|| eyre!("no operator {i}"))?;
        let listener = match op.listener.take() {
            Some(l) => l,
            None => {
                let addr: SocketAddr = op
                    .url
                    .trim_start_matches("http://")
                    .parse()
                    .wrap_err_with(|| format!("operator {} url {}", i + 1, op.url))?;
                roles::bind(addr, &format!("operator {}", i + 1)).await?
            }
        };
        roles::spawn_operator(
            &config,
            &registry,
            op.secret,
            &op.log_path,
            listener,
            wiring::install_metrics(),
            sup,
        )
        .await
        .wrap_err_with(|| format!("starting operator {}", i + 1))?;
        Ok(registry)
    }

    /// Starts the relayer (one loop per destination) under `sup`.
    pub async fn start_relayer(
        &self,
        store: Store,
        trees: Arc<RouteTrees>,
        sup: &Supervisor,
    ) -> Result<ChainRegistry> {
        let registry = self.registry().await?;
        let key = causeway_core::B256::from_slice(self.relayer.to_bytes().as_slice());
        roles::spawn_relayer(&self.config, &registry, key, store, trees, sup).await?;
        Ok(registry)
    }
}
