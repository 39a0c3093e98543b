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

/// Which entries [`list`] returns; `None` matches anything.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only entries with a larger `seq`.
    pub after: Option<i64>,
    /// Only entries with a smaller `seq`.
    pub before: Option<i64>,
    /// The action, exactly, or every action starting with the text before a final `*`.
    pub action: Option<String>,
    /// The actor, exactly.
    pub actor: Option<String>,
    /// The subject, exactly, or every subject starting with the text before a final `*`.
    pub subject: Option<String>,
    /// Only entries at or after this time, unix ms.
    pub since: Option<i64>,
    /// Only entries before this time, unix ms.
    pub until: Option<i64>,
    /// Newest first instead of oldest first.
    pub newest_first: bool,
}

/// `value` as an SQL condition on `column`: equality, or — when it ends in `*` — a prefix
/// match, compared exactly (no wildcard inside the text, the same case rules on both databases).
fn text_match(column: &str, value: &str, n: usize) -> (String, String) {
    match value.strip_suffix('*') {
        Some(prefix) => (format!("SUBSTR({column}, 1, LENGTH(${n})) = ${n}"), prefix.to_string()),
        None => (format!("{column} = ${n}"), value.to_string()),
    }
}

/// Entries matching `f`, in `seq` order (newest first if asked), at most `limit`.
pub async fn list(pool: &AnyPool, f: &Filter, limit: i64) -> Result<Vec<AuditEntry>, StoreError> {
    let mut clauses: Vec<String> = Vec::new();
    // Numbers take the first placeholders, texts the next ones, and they are bound so.
    let mut numbers: Vec<i64> = Vec::new();
    let mut texts: Vec<String> = Vec::new();
    for (column, op, value) in
        [("seq", ">", f.after), ("seq", "<", f.before), ("at", ">=", f.since), ("at", "<", f.until)]
    {
        if let Some(v) = value {
            numbers.push(v);
            clauses.push(format!("{column} {op} ${}", numbers.len()));
        }
    }
    for (column, value, prefixable) in
        [("action", &f.action, true), ("actor", &f.actor, false), ("subject", &f.subject, true)]
    {
        if let Some(v) = value {
            let n = numbers.len() + texts.len() + 1;
            let (clause, bound) =
                if prefixable { text_match(column, v, n) } else { (format!("{column} = ${n}"), v.clone()) };
            clauses.push(clause);
            texts.push(bound);
        }
    }
    let filter = if clauses.is_empty() { String::new() } else { format!(" WHERE {}", clauses.join(" AND ")) };
    let order = if f.newest_first { "DESC" } else { "ASC" };
    let sql =
        format!("SELECT * FROM audit_log{filter} ORDER BY seq {order} LIMIT ${}", numbers.len() + texts.len() + 1);
    let mut query = sqlx::query(&sql);
    for v in numbers {
        query = query.bind(v);
    }
    for v in texts {
        query = query.bind(v);
    }
    let rows = query.bind(limit).fetch_all(pool).await?;
    Ok(rows.iter().map(entry).collect::<Result<_, _>>()?)
}

/// For a `run.finish` entry: whether the run's record still hashes to the provenance the chain
/// holds for it (a record edited since, its inputs or its output, does not).
async fn run_altered(pool: &AnyPool, e: &AuditEntry, run_hash: RunHash) -> Result<Option<String>, StoreError> {
    let chained = serde_json::from_str::<serde_json::Value>(&e.details).ok();
    let Some(chained) = chained.as_ref().and_then(|d| d["provenance"].as_str()) else {
        return Ok(Some(format!("entry {} ({} on {}) holds no provenance", e.seq, e.action, e.subject)));
    };
    let Some((tenant, run)) = e.subject.split_once("/run:") else {
        return Ok(Some(format!("entry {} names no run: {}", e.seq, e.subject)));
    };
    let record = match super::runs::get(pool, tenant, run).await {
        Ok(record) => record,
        Err(StoreError::NotFound(_)) => return Ok(Some(format!("run {run} of entry {} is gone", e.seq))),
        Err(other) => return Err(other),
    };
    let now = run_hash(&record);
    Ok((now != chained)
        .then(|| format!("run {run}'s record hashes to provenance {now}, but entry {} recorded {chained}", e.seq)))
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
        /// `altered`, `removed` or `reordered`; `run-altered` for a run record that no longer
        /// matches the provenance its `run.finish` entry holds.
        problem: String,
        /// A sentence for people.
        detail: String,
    },
}

/// The chain's head: the newest entry's sequence number and hash, as the database records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Head {
    /// Sequence number of the newest entry (0 before the first).
    pub seq: i64,
    /// Its hash (64 zeros before the first).
    pub hash: String,
}

/// What a verification checked and found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// Intact, or the first broken entry.
    pub verdict: Verdict,
    /// Entries found intact, from the first on, before any break.
    pub checked: i64,
    /// The head the chain was checked up to.
    pub head: Head,
}

/// Entries read at a time while verifying, so memory stays bounded however long the log.
const VERIFY_PAGE: i64 = 1000;

async fn head(pool: &AnyPool) -> Result<Head, StoreError> {
    let row = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1").fetch_one(pool).await?;
    Ok(Head { seq: row.try_get("seq")?, hash: row.try_get("hash")? })
}

/// What a finished run's record hashes to (its provenance): the service's rule, which the chain
/// check applies to every `run.finish` entry.
pub type RunHash = fn(&super::runs::RunRecord) -> String;

/// Recomputes the chain from the start and names the first altered, removed or reordered
/// entry, checking the head too so that removing the newest entries is caught; each finished
/// run's record must still hash, by `run_hash`, to the provenance its entry holds.
pub async fn verify(pool: &AnyPool, run_hash: RunHash) -> Result<Verdict, StoreError> {
    Ok(check(pool, run_hash).await?.verdict)
}

/// [`verify`], with how much was checked and the head. Safe on a live database: the head is
/// read first (a committed head implies its entries are committed), the chain is checked up to
/// it a page at a time, and an entry beyond it counts only if the head has not reached it since
/// (an append that committed meanwhile is not a break).
pub async fn check(pool: &AnyPool, run_hash: RunHash) -> Result<Check, StoreError> {
    let head = head(pool).await?;
    let broken = |seq: i64, problem: &str, detail: String| Verdict::Broken { seq, problem: problem.into(), detail };
    let mut prev_hash = GENESIS.to_string();
    let mut expected_seq = 1;
    let done = |verdict: Verdict, expected_seq: i64, head: Head| Check { verdict, checked: expected_seq - 1, head };
    loop {
        let rows = sqlx::query("SELECT * FROM audit_log WHERE seq >= $1 AND seq <= $2 ORDER BY seq LIMIT $3")
            .bind(expected_seq)
            .bind(head.seq)
            .bind(VERIFY_PAGE)
            .fetch_all(pool)
            .await?;
        for row in &rows {
            let e = entry(row)?;
            if e.seq != expected_seq {
                let detail = format!("entry {expected_seq} is missing (next is {})", e.seq);
                return Ok(done(broken(expected_seq, "removed", detail), expected_seq, head));
            }
            if e.prev_hash != prev_hash {
                let elsewhere = sqlx::query("SELECT COUNT(*) AS n FROM audit_log WHERE hash = $1 AND seq <> $2")
                    .bind(&e.prev_hash)
                    .bind(e.seq - 1)
                    .fetch_one(pool)
                    .await?
                    .try_get::<i64, _>("n")?;
                let problem = if elsewhere > 0 { "reordered" } else { "altered" };
                let detail = format!("entry {} does not chain from entry {}", e.seq, e.seq - 1);
                return Ok(done(broken(e.seq, problem, detail), expected_seq, head));
            }
            let hash = entry_hash(&e.prev_hash, e.seq, e.at, &e.actor, &e.action, &e.subject, &e.details);
            if hash != e.hash {
                let detail = format!("entry {} ({} on {}) was altered", e.seq, e.action, e.subject);
                return Ok(done(broken(e.seq, "altered", detail), expected_seq, head));
            }
            if e.action == "run.finish"
                && let Some(detail) = run_altered(pool, &e, run_hash).await?
            {
                return Ok(done(broken(e.seq, "run-altered", detail), expected_seq, head));
            }
            prev_hash = e.hash;
            expected_seq += 1;
        }
        if (rows.len() as i64) < VERIFY_PAGE {
            break;
        }
    }
    if head.seq != expected_seq - 1 || head.hash != prev_hash {
        let detail = format!("the log ends at {} but the head is at {}", expected_seq - 1, head.seq);
        return Ok(done(broken(expected_seq, "removed", detail), expected_seq, head));
    }
    // An entry past the head is an insertion unless an append has moved the head over it since.
    let beyond: Option<i64> = sqlx::query("SELECT MIN(seq) AS s FROM audit_log WHERE seq > $1")
        .bind(head.seq)
        .fetch_one(pool)
        .await?
        .try_get("s")?;
    if let Some(seq) = beyond
        && self::head(pool).await?.seq < seq
    {
        let detail = format!("entry {seq} lies beyond the head at {}", head.seq);
        return Ok(done(broken(seq, "altered", detail), expected_seq, head));
    }
    Ok(done(Verdict::Intact { entries: expected_seq - 1 }, expected_seq, head))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The audit chain's stored hashes are recomputed by every verification: the entry
    /// encoding is pinned to values computed once (and reproduced apart from Kiln, with
    /// Python's `hashlib` over the same length-prefixed fields).
    #[test]
    fn the_entry_hash_is_pinned() {
        let first = entry_hash(GENESIS, 1, 1_764_547_200_000, "op-1", "version.approve", "acme/oee@0.1.0", "{}");
        assert_eq!(first, "a8d4236d7f08cd50a2635cf0c49aecaf7ac0d1e66d07f43af71454ed0596de63");
        let details = r#"{"sha256":"abab","note":"复核通过"}"#;
        assert_eq!(
            entry_hash(&first, 2, 1_764_547_201_000, "system", "run.finish", "t1/r1", details),
            "bd9b52170daa8fdac8d28ee3d371565e75250532af31cda26b64037d78f08044"
        );
    }
}
