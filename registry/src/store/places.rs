//! The `places` table: names of districts, parks and industries learned from imports.

use sqlx::{AnyPool, Row};

use super::{StoreError, WriteTx, stored_enum};
use crate::places::{Name, Names, Place, PlaceKind};

fn place(row: &sqlx::any::AnyRow) -> Result<Place, StoreError> {
    let kind: String = row.try_get("kind")?;
    Ok(Place {
        kind: stored_enum("place kind", &kind, |k| k.parse().ok())?,
        id: row.try_get("id")?,
        name: Name { zh: row.try_get("name_zh")?, en: row.try_get("name_en")? },
    })
}

/// Stores `places`, replacing the names of ids already known (a later import corrects an
/// earlier one). Returns how many rows were written.
pub async fn upsert(tx: &mut WriteTx, places: &[Place], at: i64) -> Result<u64, StoreError> {
    let mut written = 0;
    for p in places {
        let done = sqlx::query(
            "INSERT INTO places (kind, id, name_zh, name_en, updated_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (kind, id) DO UPDATE SET name_zh = excluded.name_zh, name_en = excluded.name_en, \
             updated_at = excluded.updated_at",
        )
        .bind(p.kind.as_str())
        .bind(&p.id)
        .bind(&p.name.zh)
        .bind(&p.name.en)
        .bind(at)
        .execute(&mut *tx.tx)
        .await?;
        written += done.rows_affected();
    }
    Ok(written)
}

/// Places by kind (in hierarchy order) and id, optionally of one kind, with the total count.
pub async fn list(
    pool: &AnyPool,
    kind: Option<PlaceKind>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Place>, i64), StoreError> {
    let kind = kind.map(PlaceKind::as_str);
    // Hierarchy order, not alphabetical: districts, then parks, then industries.
    let rows = sqlx::query(
        "SELECT * FROM places WHERE ($1 IS NULL OR kind = $1) \
         ORDER BY CASE kind WHEN 'district' THEN 0 WHEN 'park' THEN 1 ELSE 2 END, id LIMIT $2 OFFSET $3",
    )
    .bind(kind)
    .bind(limit)
    .bind(offset)
    .fetch_all(pool)
    .await?;
    let total = sqlx::query("SELECT COUNT(*) AS n FROM places WHERE ($1 IS NULL OR kind = $1)")
        .bind(kind)
        .fetch_one(pool)
        .await?
        .try_get("n")?;
    Ok((rows.iter().map(place).collect::<Result<_, _>>()?, total))
}

/// Every known name, as a lookup.
pub async fn names(pool: &AnyPool) -> Result<Names, StoreError> {
    let rows = sqlx::query("SELECT * FROM places").fetch_all(pool).await?;
    Ok(Names::new(rows.iter().map(place).collect::<Result<Vec<_>, _>>()?))
}
