//! The tamper-evident audit log: a hash chain appended in the same transaction as the change
//! it records, and the verifier that names the first broken entry.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::{Any, AnyPool, Row, Transaction};

use super::{StoreError, now_ms};

/// The hash the first entry chains from.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One audit entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuditEntry {
    /// Position in the chain, from 1.
    pub seq: i64,
    /// When, in unix milliseconds.
    pub at: i64,
    /// Who: the principal, or `system`.
    pub actor: String,
    /// What, such as `version.publish`.
    pub action: String,
    /// On what, such as `acme/oee@0.1.0`.
    pub subject: String,
    /// Details as JSON text.
    pub details: String,
    /// The previous entry's hash.
    pub prev_hash: String,
    /// sha256 over this entry's fields and `prev_hash`.
    pub hash: String,
}

/// The hash of an entry: sha256 over its length-prefixed fields, so no two field splits
/// collide.
pub fn entry_hash(
    prev_hash: &str,
    seq: i64,
    at: i64,
    actor: &str,
    action: &str,
    subject: &str,
    details: &str,
) -> String {
    let mut h = Sha256::new();
    for field in [prev_hash.as_bytes(), &seq.to_be_bytes(), &at.to_be_bytes(), actor.as_bytes(), action.as_bytes()] {
        h.update((field.len() as u64).to_be_bytes());
        h.update(field);
    }
    for field in [subject.as_bytes(), details.as_bytes()] {
        h.update((field.len() as u64).to_be_bytes());
        h.update(field);
    }
    hex::encode(h.finalize())
}

/// A write transaction that has reserved the next audit sequence number. Dropping it without
/// [`WriteTx::commit`] rolls back the change and the reservation.
pub struct WriteTx {
    /// The transaction, for the change's own statements.
    pub tx: Transaction<'static, Any>,
    seq: i64,
    prev_hash: String,
    recorded: bool,
}

impl WriteTx {
    pub(crate) async fn begin(pool: &AnyPool) -> Result<Self, StoreError> {
        let mut tx = pool.begin().await?;
        // Taking the head's lock first serializes audited writers (and, on SQLite, takes the
        // write lock before any read, so the transaction cannot fail on a stale snapshot).
        let row = sqlx::query("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
            .fetch_one(&mut *tx)
            .await?;
        Ok(WriteTx { tx, seq: row.try_get("seq")?, prev_hash: row.try_get("hash")?, recorded: false })
    }

    /// Appends the audit entry for this transaction's change. Call once.
    pub async fn record(
        &mut self,
        actor: &str,
        action: &str,
        subject: &str,
        details: serde_json::Value,
    ) -> Result<(), StoreError> {
        let at = now_ms();
        let details = details.to_string();
        let hash = entry_hash(&self.prev_hash, self.seq, at, actor, action, subject, &details);
        sqlx::query(
            "INSERT INTO audit_log (seq, at, actor, action, subject, details, prev_hash, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(self.seq)
        .bind(at)
        .bind(actor)
        .bind(action)
        .bind(subject)
        .bind(&details)
        .bind(&self.prev_hash)
        .bind(&hash)
        .execute(&mut *self.tx)
        .await?;
        sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1").bind(&hash).execute(&mut *self.tx).await?;
        self.recorded = true;
        Ok(())
    }

    /// Commits the change with its audit entry.
    pub async fn commit(self) -> Result<(), StoreError> {
        debug_assert!(self.recorded, "an audited transaction committed without an audit entry");
        self.tx.commit().await?;
        Ok(())
    }
}

fn entry(row: &sqlx::any::AnyRow) -> Result<AuditEntry, sqlx::Error> {
    Ok(AuditEntry {
        seq: row.try_get("seq")?,
        at: row.try_get("at")?,
        actor: row.try_get("actor")?,
        action: row.try_get("action")?,
        subject: row.try_get("subject")?,
        details: row.try_get("details")?,
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
    })
}

/// Entries with `seq > after`, oldest first, at most `limit`.
pub async fn list(pool: &AnyPool, after: i64, limit: i64) -> Result<Vec<AuditEntry>, StoreError> {
    let rows = sqlx::query("SELECT * FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2")
        .bind(after)
        .bind(limit)
        .fetch_all(pool)
        .await?;
    Ok(rows.iter().map(entry).collect::<Result<_, _>>()?)
}

/// What verifying the chain found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Verdict {
    /// Every entry's hash is right, each chains from the one before, no entry is missing.
    Intact {
        /// Entries checked.
        entries: i64,
    },
    /// The first entry that is not what was written.
    Broken {
        /// Its sequence number (or the number expected there).
        seq: i64,
        /// `altered`, `removed` or `reordered`.
        problem: String,
        /// A sentence for people.
        detail: String,
    },
}

/// Recomputes the chain from the start and names the first altered, removed or reordered
/// entry, checking the head too so that removing the newest entries is caught.
pub async fn verify(pool: &AnyPool) -> Result<Verdict, StoreError> {
    let rows = sqlx::query("SELECT * FROM audit_log ORDER BY seq").fetch_all(pool).await?;
    let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1").fetch_one(pool).await?;
    let (head_seq, head_hash): (i64, String) = (head.try_get("seq")?, head.try_get("hash")?);
    let broken = |seq: i64, problem: &str, detail: String| Verdict::Broken { seq, problem: problem.into(), detail };
    let mut prev_hash = GENESIS.to_string();
    let mut expected_seq = 1;
    for row in &rows {
        let e = entry(row)?;
        if e.seq != expected_seq {
            return Ok(broken(expected_seq, "removed", format!("entry {expected_seq} is missing (next is {})", e.seq)));
        }
        if e.prev_hash != prev_hash {
            let problem = if rows.iter().filter_map(|r| entry(r).ok()).any(|o| o.hash == e.prev_hash) {
                "reordered"
            } else {
                "altered"
            };
            return Ok(broken(e.seq, problem, format!("entry {} does not chain from entry {}", e.seq, e.seq - 1)));
        }
        let hash = entry_hash(&e.prev_hash, e.seq, e.at, &e.actor, &e.action, &e.subject, &e.details);
        if hash != e.hash {
            return Ok(broken(
                e.seq,
                "altered",
                format!("entry {} ({} on {}) was altered", e.seq, e.action, e.subject),
            ));
        }
        prev_hash = e.hash;
        expected_seq += 1;
    }
    if head_seq != expected_seq - 1 || head_hash != prev_hash {
        return Ok(broken(
            expected_seq,
            "removed",
            format!("the log ends at {} but the head is at {head_seq}", expected_seq - 1),
        ));
    }
    Ok(Verdict::Intact { entries: expected_seq - 1 })
}
