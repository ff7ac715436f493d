//! `SignedLog`: the operator's persisted record of every checkpoint it signed and every halt.
//!
//! Invariant: for one (origin, outbox, index, epoch) slot at most one root is ever signed. The
//! slot is the table's unique key, so two handles (or two processes) on the same file cannot
//! both win: the row is inserted with `ON CONFLICT DO NOTHING` and read back, and only the root
//! that is stored gets its signature returned.
//!
//! Halts are persisted in `operator_halted`; a halted route stays halted across restarts until
//! [`SignedLog::resume`] is called (by a person, never by the signer).

use std::{path::Path, time::Duration};

use causeway_core::{
    Address, B256, Checkpoint, Domain, OperatorKey, SignatureBytes, SigningDomain,
};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, QueryResult,
    Statement, TransactionTrait, Value,
    sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous},
};

use crate::error::OperatorError;

const SCHEMA: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS operator_signed (
        origin INTEGER NOT NULL,
        outbox BLOB NOT NULL,
        idx INTEGER NOT NULL,
        epoch INTEGER NOT NULL,
        root BLOB NOT NULL,
        signer BLOB NOT NULL,
        signature BLOB NOT NULL,
        signed_at INTEGER NOT NULL,
        PRIMARY KEY (origin, outbox, idx, epoch)
    )",
    "CREATE TABLE IF NOT EXISTS operator_halted (
        origin INTEGER NOT NULL,
        outbox BLOB NOT NULL,
        reason TEXT NOT NULL,
        halted_at INTEGER NOT NULL,
        resumed_at INTEGER,
        PRIMARY KEY (origin, outbox)
    )",
];

const COLUMNS: &str = "origin, outbox, idx, epoch, root, signer, signature, signed_at";

/// One signature as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignedRecord {
    /// The checkpoint signed.
    pub checkpoint: Checkpoint,
    /// Who signed it.
    pub signer: Address,
    /// The 65-byte signature.
    pub signature: SignatureBytes,
    /// When, in milliseconds since the Unix epoch.
    pub signed_at: i64,
}

/// A halted route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HaltRecord {
    /// Origin domain.
    pub origin: Domain,
    /// Route outbox.
    pub outbox: B256,
    /// Why (evidence: block numbers and hashes seen).
    pub reason: String,
    /// When, in milliseconds since the Unix epoch.
    pub halted_at: i64,
}

/// What [`SignedLog::sign`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignOutcome {
    /// The signature for the checkpoint.
    pub signature: SignatureBytes,
    /// Whether it was signed now (`false`: the same checkpoint was signed before).
    pub fresh: bool,
}

/// The persisted log of what this operator signed. Cheap to clone (a connection pool).
#[derive(Debug, Clone)]
pub struct SignedLog {
    db: DatabaseConnection,
}

impl SignedLog {
    /// Opens (creating if needed) the log in the SQLite file at `path`.
    pub async fn open(path: &Path) -> Result<Self, OperatorError> {
        Self::connect(&format!("sqlite://{}?mode=rwc", path.display())).await
    }

    /// Opens (creating if needed) the log at a `sqlite://` URL.
    pub async fn connect(url: &str) -> Result<Self, OperatorError> {
        if !url.starts_with("sqlite:") {
            return Err(OperatorError::UnsupportedUrl(url.to_owned()));
        }
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        let mut opt = ConnectOptions::new(url.to_owned());
        opt.sqlx_logging(false).max_connections(if in_memory { 1 } else { 4 });
        opt.map_sqlx_sqlite_opts(|o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .busy_timeout(Duration::from_secs(5))
        });
        let open_err = |source| OperatorError::Open { url: url.to_owned(), source };
        let db = Database::connect(opt).await.map_err(open_err)?;
        for sql in SCHEMA {
            db.execute_unprepared(sql).await.map_err(open_err)?;
        }
        Ok(Self { db })
    }

    /// Signs `cp` unless that would conflict with what was signed before; see [`Self::sign`].
    pub async fn sign_once(
        &self,
        key: &OperatorKey,
        domain: &SigningDomain,
        cp: &Checkpoint,
    ) -> Result<SignatureBytes, OperatorError> {
        Ok(self.sign(key, domain, cp).await?.signature)
    }

    /// Signs `cp` at most once per slot:
    /// - the same checkpoint signed before: the stored signature (idempotent);
    /// - another root stored for the slot: [`OperatorError::Conflict`], nothing overwritten;
    /// - the route (origin, outbox) halted: [`OperatorError::Halted`].
    pub async fn sign(
        &self,
        key: &OperatorKey,
        domain: &SigningDomain,
        cp: &Checkpoint,
    ) -> Result<SignOutcome, OperatorError> {
        let epoch = db_int("epoch", cp.epoch)?;
        let signer = key.address();
        let signature = key.sign_checkpoint(cp, domain)?;
        // The INSERT comes first so the transaction takes SQLite's write lock at once (waiting
        // on the busy timeout) instead of failing to upgrade a read lock under contention.
        let tx = self.db.begin().await?;
        let inserted = tx
            .execute_raw(stmt(
                &format!(
                    "INSERT INTO operator_signed ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?) \
                     ON CONFLICT (origin, outbox, idx, epoch) DO NOTHING"
                ),
                vec![
                    i64::from(cp.origin).into(),
                    blob(cp.outbox),
                    i64::from(cp.index).into(),
                    epoch.into(),
                    blob(cp.root),
                    blob(signer),
                    blob(signature),
                    now_ms().into(),
                ],
            ))
            .await?
            .rows_affected()
            == 1;
        if let Some(reason) = halt_reason(&tx, cp.origin, cp.outbox).await? {
            tx.rollback().await?;
            return Err(OperatorError::Halted { origin: cp.origin, outbox: cp.outbox, reason });
        }
        let stored = select_one(
            &tx,
            "WHERE origin = ? AND outbox = ? AND idx = ? AND epoch = ?",
            vec![
                i64::from(cp.origin).into(),
                blob(cp.outbox),
                i64::from(cp.index).into(),
                epoch.into(),
            ],
        )
        .await?
        .ok_or_else(|| {
            OperatorError::Corrupt("signed row vanished inside its transaction".into())
        })?;
        tx.commit().await?;
        if stored.checkpoint.root != cp.root {
            return Err(OperatorError::Conflict {
                origin: cp.origin,
                outbox: cp.outbox,
                index: cp.index,
                epoch: cp.epoch,
                stored_root: stored.checkpoint.root,
                requested_root: cp.root,
            });
        }
        if stored.signer != signer {
            return Err(OperatorError::KeyMismatch {
                origin: cp.origin,
                index: cp.index,
                stored: stored.signer,
                current: signer,
            });
        }
        Ok(SignOutcome { signature: stored.signature, fresh: inserted })
    }

    /// The signature stored for exactly this slot.
    pub async fn get(
        &self,
        origin: Domain,
        outbox: B256,
        index: u32,
        epoch: u64,
    ) -> Result<Option<SignedRecord>, OperatorError> {
        select_one(
            &self.db,
            "WHERE origin = ? AND outbox = ? AND idx = ? AND epoch = ?",
            vec![
                i64::from(origin).into(),
                blob(outbox),
                i64::from(index).into(),
                db_int("epoch", epoch)?.into(),
            ],
        )
        .await
    }

    /// The signature at `index` of the route, in the newest epoch it was signed in.
    pub async fn at_index(
        &self,
        origin: Domain,
        outbox: B256,
        index: u32,
    ) -> Result<Option<SignedRecord>, OperatorError> {
        select_one(
            &self.db,
            "WHERE origin = ? AND outbox = ? AND idx = ? ORDER BY epoch DESC LIMIT 1",
            vec![i64::from(origin).into(), blob(outbox), i64::from(index).into()],
        )
        .await
    }

    /// The highest-index signature of the route (newest epoch first on a tie).
    pub async fn latest(
        &self,
        origin: Domain,
        outbox: B256,
    ) -> Result<Option<SignedRecord>, OperatorError> {
        select_one(
            &self.db,
            "WHERE origin = ? AND outbox = ? ORDER BY idx DESC, epoch DESC LIMIT 1",
            vec![i64::from(origin).into(), blob(outbox)],
        )
        .await
    }

    /// Halts the route: every later signature for it is refused until [`Self::resume`].
    /// Halting a halted route keeps the first reason and time.
    pub async fn halt(
        &self,
        origin: Domain,
        outbox: B256,
        reason: &str,
    ) -> Result<(), OperatorError> {
        tracing::error!(target: "causeway::operator::log", origin, %outbox, reason, "route halted");
        self.db
            .execute_raw(stmt(
                "INSERT INTO operator_halted (origin, outbox, reason, halted_at, resumed_at) \
                 VALUES (?, ?, ?, ?, NULL) ON CONFLICT (origin, outbox) DO UPDATE SET \
                 reason = excluded.reason, halted_at = excluded.halted_at, resumed_at = NULL \
                 WHERE operator_halted.resumed_at IS NOT NULL",
                vec![i64::from(origin).into(), blob(outbox), reason.into(), now_ms().into()],
            ))
            .await?;
        Ok(())
    }

    /// Lifts a halt (a person's decision after checking the chain). Returns whether the route
    /// was halted. The halt row is kept, marked resumed, as a record.
    pub async fn resume(&self, origin: Domain, outbox: B256) -> Result<bool, OperatorError> {
        let done = self
            .db
            .execute_raw(stmt(
                "UPDATE operator_halted SET resumed_at = ? \
                 WHERE origin = ? AND outbox = ? AND resumed_at IS NULL",
                vec![now_ms().into(), i64::from(origin).into(), blob(outbox)],
            ))
            .await?
            .rows_affected()
            > 0;
        if done {
            tracing::warn!(target: "causeway::operator::log", origin, %outbox, "route resumed");
        }
        Ok(done)
    }

    /// Why the route is halted, if it is.
    pub async fn halted(
        &self,
        origin: Domain,
        outbox: B256,
    ) -> Result<Option<String>, OperatorError> {
        halt_reason(&self.db, origin, outbox).await
    }

    /// Every route halted now.
    pub async fn halted_routes(&self) -> Result<Vec<HaltRecord>, OperatorError> {
        let rows = self
            .db
            .query_all_raw(stmt(
                "SELECT origin, outbox, reason, halted_at FROM operator_halted \
                 WHERE resumed_at IS NULL ORDER BY origin, outbox",
                vec![],
            ))
            .await?;
        rows.iter()
            .map(|r| {
                Ok(HaltRecord {
                    origin: domain_of(r.try_get::<i64>("", "origin")?)?,
                    outbox: b256_of(&r.try_get::<Vec<u8>>("", "outbox")?)?,
                    reason: r.try_get("", "reason")?,
                    halted_at: r.try_get("", "halted_at")?,
                })
            })
            .collect()
    }
}

async fn halt_reason(
    db: &impl ConnectionTrait,
    origin: Domain,
    outbox: B256,
) -> Result<Option<String>, OperatorError> {
    let row = db
        .query_one_raw(stmt(
            "SELECT reason FROM operator_halted \
             WHERE origin = ? AND outbox = ? AND resumed_at IS NULL",
            vec![i64::from(origin).into(), blob(outbox)],
        ))
        .await?;
    Ok(row.map(|r| r.try_get::<String>("", "reason")).transpose()?)
}

async fn select_one(
    db: &impl ConnectionTrait,
    filter: &str,
    values: Vec<Value>,
) -> Result<Option<SignedRecord>, OperatorError> {
    let sql = format!("SELECT {COLUMNS} FROM operator_signed {filter}");
    db.query_one_raw(stmt(&sql, values)).await?.as_ref().map(record).transpose()
}

fn record(r: &QueryResult) -> Result<SignedRecord, OperatorError> {
    let index = r.try_get::<i64>("", "idx")?;
    let epoch = r.try_get::<i64>("", "epoch")?;
    let signature = r.try_get::<Vec<u8>>("", "signature")?;
    let signer = r.try_get::<Vec<u8>>("", "signer")?;
    Ok(SignedRecord {
        checkpoint: Checkpoint {
            origin: domain_of(r.try_get::<i64>("", "origin")?)?,
            outbox: b256_of(&r.try_get::<Vec<u8>>("", "outbox")?)?,
            root: b256_of(&r.try_get::<Vec<u8>>("", "root")?)?,
            index: u32::try_from(index)
                .map_err(|_| OperatorError::Corrupt(format!("index {index}")))?,
            epoch: u64::try_from(epoch)
                .map_err(|_| OperatorError::Corrupt(format!("epoch {epoch}")))?,
        },
        signer: Address::try_from(signer.as_slice())
            .map_err(|_| OperatorError::Corrupt(format!("signer of {} bytes", signer.len())))?,
        signature: SignatureBytes::try_from(signature.as_slice()).map_err(|_| {
            OperatorError::Corrupt(format!("signature of {} bytes", signature.len()))
        })?,
        signed_at: r.try_get("", "signed_at")?,
    })
}

fn stmt(sql: &str, values: Vec<Value>) -> Statement {
    Statement::from_sql_and_values(DbBackend::Sqlite, sql, values)
}

fn blob(bytes: impl AsRef<[u8]>) -> Value {
    Value::from(bytes.as_ref().to_vec())
}

fn b256_of(bytes: &[u8]) -> Result<B256, OperatorError> {
    B256::try_from(bytes)
        .map_err(|_| OperatorError::Corrupt(format!("32-byte value of {} bytes", bytes.len())))
}

fn domain_of(v: i64) -> Result<Domain, OperatorError> {
    Domain::try_from(v).map_err(|_| OperatorError::Corrupt(format!("domain {v}")))
}

fn db_int(what: &'static str, value: u64) -> Result<i64, OperatorError> {
    i64::try_from(value).map_err(|_| OperatorError::OutOfRange { what, value })
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

#[cfg(test)]
#[path = "log_tests.rs"]
mod tests;
