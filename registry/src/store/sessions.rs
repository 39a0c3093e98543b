//! Console sessions and one-time sign-in links. Only hashes of their secrets are stored. A
//! session acts with the token it was made from: it is live while it is unended, unexpired,
//! and its token is too.

use sqlx::{AnyPool, Row};

use super::tokens::{self, TokenRecord};
use super::{StoreError, WriteTx};

/// A stored session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// Its id (for the audit log; never a credential).
    pub id: String,
    /// The token it acts with.
    pub token_id: String,
    /// The token writes must echo in `X-CSRF-Token`.
    pub csrf_token: String,
    /// Created, unix ms.
    pub created_at: i64,
    /// Expires, unix ms.
    pub expires_at: i64,
    /// Ended by sign-out, unix ms.
    pub ended_at: Option<i64>,
}

impl SessionRecord {
    /// Whether it still signs its holder in at `now`.
    pub fn is_live(&self, now: i64) -> bool {
        self.ended_at.is_none() && self.expires_at > now
    }
}

fn record(row: &sqlx::any::AnyRow) -> Result<SessionRecord, StoreError> {
    Ok(SessionRecord {
        id: row.try_get("id")?,
        token_id: row.try_get("token_id")?,
        csrf_token: row.try_get("csrf_token")?,
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
        ended_at: row.try_get("ended_at")?,
    })
}

/// Stores a new session under the hash of its cookie secret.
pub async fn insert(tx: &mut WriteTx, session: &SessionRecord, secret_hash: &str) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO sessions (id, secret_hash, token_id, csrf_token, created_at, expires_at, ended_at) \
         VALUES ($1, $2, $3, $4, $5, $6, NULL)",
    )
    .bind(&session.id)
    .bind(secret_hash)
    .bind(&session.token_id)
    .bind(&session.csrf_token)
    .bind(session.created_at)
    .bind(session.expires_at)
    .execute(&mut *tx.tx)
    .await?;
    Ok(())
}

/// The session whose cookie secret hashes to `secret_hash`, with its token.
pub async fn find_by_hash(
    pool: &AnyPool,
    secret_hash: &str,
) -> Result<Option<(SessionRecord, TokenRecord)>, StoreError> {
    let row = sqlx::query(
        "SELECT id, token_id, csrf_token, created_at, expires_at, ended_at FROM sessions WHERE secret_hash = $1",
    )
    .bind(secret_hash)
    .fetch_optional(pool)
    .await?;
    let Some(session) = row.as_ref().map(record).transpose()? else { return Ok(None) };
    let token = tokens::get(pool, &session.token_id).await?;
    Ok(Some((session, token)))
}

/// Ends a session; false if it had ended already.
pub async fn end(tx: &mut WriteTx, id: &str, at: i64) -> Result<bool, StoreError> {
    let done = sqlx::query("UPDATE sessions SET ended_at = $1 WHERE id = $2 AND ended_at IS NULL")
        .bind(at)
        .bind(id)
        .execute(&mut *tx.tx)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Stores a one-time sign-in link for `token_id` under the hash of its secret.
pub async fn insert_link(
    tx: &mut WriteTx,
    secret_hash: &str,
    token_id: &str,
    created_at: i64,
    expires_at: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO sign_in_links (secret_hash, token_id, created_at, expires_at, used_at) VALUES ($1, $2, $3, $4, NULL)",
    )
    .bind(secret_hash)
    .bind(token_id)
    .bind(created_at)
    .bind(expires_at)
    .execute(&mut *tx.tx)
    .await?;
    Ok(())
}

/// Uses up a link: the token it signs in as, if it was unused and unexpired at `now`. One
/// statement marks and answers, so two racing redemptions cannot both succeed.
pub async fn redeem_link(tx: &mut WriteTx, secret_hash: &str, now: i64) -> Result<Option<String>, StoreError> {
    let row = sqlx::query(
        "UPDATE sign_in_links SET used_at = $1 WHERE secret_hash = $2 AND used_at IS NULL AND expires_at > $1 \
         RETURNING token_id",
    )
    .bind(now)
    .bind(secret_hash)
    .fetch_optional(&mut *tx.tx)
    .await?;
    Ok(row.map(|r| r.try_get("token_id")).transpose()?)
}
