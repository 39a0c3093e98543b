//! Plugins and their versions: immutable bytes (by hash), review status, yank and takedown.

use serde::{Deserialize, Serialize};
use sqlx::{AnyPool, Row};

use super::{StoreError, WriteTx, conflict, stored_enum, stored_json};

/// Where a version is in review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Waiting for an operator.
    Pending,
    /// Enterprises may enable it.
    Approved,
    /// Refused, with a reason.
    Rejected,
}

impl Status {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Approved => "approved",
            Status::Rejected => "rejected",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(s: &str) -> Option<Status> {
        match s {
            "pending" => Some(Status::Pending),
            "approved" => Some(Status::Approved),
            "rejected" => Some(Status::Rejected),
            _ => None,
        }
    }
}

/// A plugin: the name versions are published under.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PluginRecord {
    /// Namespace.
    pub namespace: String,
    /// Name within it.
    pub name: String,
    /// From the latest publish.
    pub description: String,
    /// From the latest publish.
    pub categories: Vec<String>,
    /// First published, unix ms.
    pub created_at: i64,
    /// Taken down by an operator, unix ms.
    pub taken_down_at: Option<i64>,
    /// Why.
    pub takedown_reason: Option<String>,
}

/// A published version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct VersionRecord {
    /// Namespace.
    pub namespace: String,
    /// Plugin name.
    pub name: String,
    /// Semver version.
    pub version: String,
    /// sha256 of the component bytes, hex.
    pub sha256: String,
    /// Size in bytes.
    pub size: i64,
    /// The signed manifest.
    #[schema(value_type = Object)]
    pub manifest: serde_json::Value,
    /// What the component's describe() returned at publish.
    #[schema(value_type = Object)]
    pub describe: serde_json::Value,
    /// The interfaces the component imports (the plugin contract's and WASI's), recorded at
    /// publish; null for versions published before imports were recorded.
    pub imports: Option<Vec<String>>,
    /// The plugin contract the component was built against (`kiln:plugin@<contract>`), as the
    /// host found it at publish: `0.1.0` or `0.2.0`. Versions published before contracts were
    /// recorded are `0.1.0`, the only one there was.
    pub contract: String,
    /// The language it was written in, from its component's producers section: `rust`,
    /// `python`, `javascript`, or `unknown` (also for versions published before this was read).
    pub language: String,
    /// ed25519 signature, hex.
    pub signature: String,
    /// The key that signed it.
    pub key_id: String,
    /// Review status.
    pub status: Status,
    /// Why it was rejected.
    pub status_reason: Option<String>,
    /// Yanked by its owner: skipped by resolution, still downloadable.
    pub yanked: bool,
    /// Taken down (the version or its whole plugin): refuses to resolve or download.
    pub taken_down: bool,
    /// Why it was taken down.
    pub takedown_reason: Option<String>,
    /// Who published it.
    pub published_by: String,
    /// When, unix ms.
    pub published_at: i64,
    /// Who reviewed it.
    pub reviewed_by: Option<String>,
    /// When, unix ms.
    pub reviewed_at: Option<i64>,
}

impl VersionRecord {
    /// `namespace/name@version`, as audit subjects name it.
    pub fn subject(&self) -> String {
        format!("{}/{}@{}", self.namespace, self.name, self.version)
    }
}

const VERSION_SELECT: &str = "SELECT v.*, p.taken_down_at AS plugin_taken_down_at, p.takedown_reason AS plugin_takedown_reason \
     FROM versions v JOIN plugins p ON p.namespace = v.namespace AND p.name = v.name";

fn version(row: &sqlx::any::AnyRow) -> Result<VersionRecord, StoreError> {
    let status: String = row.try_get("status")?;
    let manifest: String = row.try_get("manifest")?;
    let describe: String = row.try_get("describe")?;
    let imports: Option<String> = row.try_get("imports")?;
    let own_takedown: Option<i64> = row.try_get("taken_down_at")?;
    let plugin_takedown: Option<i64> = row.try_get("plugin_taken_down_at")?;
    let own_reason: Option<String> = row.try_get("takedown_reason")?;
    let plugin_reason: Option<String> = row.try_get("plugin_takedown_reason")?;
    Ok(VersionRecord {
        namespace: row.try_get("namespace")?,
        name: row.try_get("name")?,
        version: row.try_get("version")?,
        sha256: row.try_get("sha256")?,
        size: row.try_get("size")?,
        manifest: stored_json("version manifest", &manifest)?,
        describe: stored_json("version describe", &describe)?,
        imports: imports.map(|i| stored_json("version imports", &i)).transpose()?,
        contract: row.try_get("contract")?,
        language: row.try_get("language")?,
        signature: row.try_get("signature")?,
        key_id: row.try_get("key_id")?,
        status: stored_enum("version status", &status, Status::parse)?,
        status_reason: row.try_get("status_reason")?,
        yanked: row.try_get::<i64, _>("yanked")? != 0,
        taken_down: own_takedown.is_some() || plugin_takedown.is_some(),
        takedown_reason: own_reason.or(plugin_reason),
        published_by: row.try_get("published_by")?,
        published_at: row.try_get("published_at")?,
        reviewed_by: row.try_get("reviewed_by")?,
        reviewed_at: row.try_get("reviewed_at")?,
    })
}

fn plugin(row: &sqlx::any::AnyRow) -> Result<PluginRecord, StoreError> {
    let categories: String = row.try_get("categories")?;
    Ok(PluginRecord {
        namespace: row.try_get("namespace")?,
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        categories: categories.split(',').filter(|c| !c.is_empty()).map(String::from).collect(),
        created_at: row.try_get("created_at")?,
        taken_down_at: row.try_get("taken_down_at")?,
        takedown_reason: row.try_get("takedown_reason")?,
    })
}

/// Records a new version (creating its plugin on first publish). A second publish of the same
/// version is a [`StoreError::Conflict`].
pub async fn insert_version(tx: &mut WriteTx, p: &PluginRecord, v: &VersionRecord) -> Result<(), StoreError> {
    // Categories are stored wrapped in commas so `LIKE '%,cat,%'` matches whole names only.
    let categories = format!(",{},", p.categories.join(","));
    sqlx::query(
        "INSERT INTO plugins (namespace, name, description, categories, created_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (namespace, name) DO UPDATE SET description = excluded.description, categories = excluded.categories",
    )
    .bind(&p.namespace)
    .bind(&p.name)
    .bind(&p.description)
    .bind(&categories)
    .bind(p.created_at)
    .execute(&mut *tx.tx)
    .await?;
    sqlx::query(
        "INSERT INTO versions (namespace, name, version, sha256, size, manifest, describe, signature, key_id, status, \
         yanked, published_by, published_at, imports, contract, language) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 0, $11, $12, $13, $14, $15)",
    )
    .bind(&v.namespace)
    .bind(&v.name)
    .bind(&v.version)
    .bind(&v.sha256)
    .bind(v.size)
    .bind(v.manifest.to_string())
    .bind(v.describe.to_string())
    .bind(&v.signature)
    .bind(&v.key_id)
    .bind(v.status.as_str())
    .bind(&v.published_by)
    .bind(v.published_at)
    .bind(v.imports.as_ref().map(|i| serde_json::Value::from(i.clone()).to_string()))
    .bind(&v.contract)
    .bind(&v.language)
    .execute(&mut *tx.tx)
    .await
    .map_err(conflict(format!("version {}", v.subject())))?;
    Ok(())
}

/// One version, on the pool or inside a write (`&mut *tx.tx`).
pub async fn get_version<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    ns: &str,
    name: &str,
    ver: &str,
) -> Result<VersionRecord, StoreError> {
    let sql = format!("{VERSION_SELECT} WHERE v.namespace = $1 AND v.name = $2 AND v.version = $3");
    let row = sqlx::query(&sql).bind(ns).bind(name).bind(ver).fetch_optional(db).await?;
    row.as_ref().map(version).transpose()?.ok_or_else(|| StoreError::NotFound(format!("version {ns}/{name}@{ver}")))
}

/// All versions of a plugin, in publish order.
pub async fn list_versions(pool: &AnyPool, ns: &str, name: &str) -> Result<Vec<VersionRecord>, StoreError> {
    let sql = format!("{VERSION_SELECT} WHERE v.namespace = $1 AND v.name = $2 ORDER BY v.published_at, v.version");
    let rows = sqlx::query(&sql).bind(ns).bind(name).fetch_all(pool).await?;
    rows.iter().map(version).collect()
}

/// Versions in a review status, oldest first.
pub async fn list_by_status(
    pool: &AnyPool,
    status: Status,
    limit: i64,
    offset: i64,
) -> Result<Vec<VersionRecord>, StoreError> {
    let sql =
        format!("{VERSION_SELECT} WHERE v.status = $1 ORDER BY v.published_at, v.namespace, v.name LIMIT $2 OFFSET $3");
    let rows = sqlx::query(&sql).bind(status.as_str()).bind(limit).bind(offset).fetch_all(pool).await?;
    rows.iter().map(version).collect()
}

/// How many versions are in a review status.
pub async fn count_by_status(pool: &AnyPool, status: Status) -> Result<i64, StoreError> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM versions WHERE status = $1")
        .bind(status.as_str())
        .fetch_one(pool)
        .await?;
    Ok(row.try_get("n")?)
}

/// One plugin.
pub async fn get_plugin(pool: &AnyPool, ns: &str, name: &str) -> Result<PluginRecord, StoreError> {
    let row = sqlx::query("SELECT * FROM plugins WHERE namespace = $1 AND name = $2")
        .bind(ns)
        .bind(name)
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(plugin).transpose()?.ok_or_else(|| StoreError::NotFound(format!("plugin {ns}/{name}")))
}

/// Decides a pending version's review status; returns false if it was no longer pending (another
/// decision committed first), changing nothing.
pub async fn review(
    tx: &mut WriteTx,
    v: &VersionRecord,
    status: Status,
    reason: Option<&str>,
    reviewer: &str,
    at: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE versions SET status = $1, status_reason = $2, reviewed_by = $3, reviewed_at = $4 \
         WHERE namespace = $5 AND name = $6 AND version = $7 AND status = 'pending'",
    )
    .bind(status.as_str())
    .bind(reason)
    .bind(reviewer)
    .bind(at)
    .bind(&v.namespace)
    .bind(&v.name)
    .bind(&v.version)
    .execute(&mut *tx.tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Yanks or unyanks a version.
pub async fn set_yanked(tx: &mut WriteTx, v: &VersionRecord, yanked: bool) -> Result<(), StoreError> {
    sqlx::query("UPDATE versions SET yanked = $1 WHERE namespace = $2 AND name = $3 AND version = $4")
        .bind(i64::from(yanked))
        .bind(&v.namespace)
        .bind(&v.name)
        .bind(&v.version)
        .execute(&mut *tx.tx)
        .await?;
    Ok(())
}

/// Takes one version down.
pub async fn take_down_version(tx: &mut WriteTx, v: &VersionRecord, reason: &str, at: i64) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE versions SET taken_down_at = $1, takedown_reason = $2 WHERE namespace = $3 AND name = $4 AND version = $5",
    )
    .bind(at)
    .bind(reason)
    .bind(&v.namespace)
    .bind(&v.name)
    .bind(&v.version)
    .execute(&mut *tx.tx)
    .await?;
    Ok(())
}

/// Takes a whole plugin down: every version of it then refuses to resolve or download.
pub async fn take_down_plugin(tx: &mut WriteTx, ns: &str, name: &str, reason: &str, at: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE plugins SET taken_down_at = $1, takedown_reason = $2 WHERE namespace = $3 AND name = $4")
        .bind(at)
        .bind(reason)
        .bind(ns)
        .bind(name)
        .execute(&mut *tx.tx)
        .await?;
    Ok(())
}

/// The newest approved, non-yanked, available version of `ns/name` matching `req`.
pub async fn resolve(
    pool: &AnyPool,
    ns: &str,
    name: &str,
    req: &semver::VersionReq,
) -> Result<Option<VersionRecord>, StoreError> {
    Ok(list_versions(pool, ns, name)
        .await?
        .into_iter()
        .filter(|v| v.status == Status::Approved && !v.yanked && !v.taken_down)
        .filter_map(|v| semver::Version::parse(&v.version).ok().filter(|s| req.matches(s)).map(|s| (s, v)))
        .max_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, v)| v))
}

/// A plugin with every one of its versions, whatever their review state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PluginVersions {
    /// The plugin (taken down or not).
    pub plugin: PluginRecord,
    /// Its versions in publish order: pending, approved and rejected ones, yanked or taken
    /// down, each with its reviewer and the reason of a rejection or takedown.
    pub versions: Vec<VersionRecord>,
}

/// Every plugin of namespace `ns` by name, each with all its versions, and the total count of
/// its plugins. Two queries whatever the page's size: its plugins, then their versions.
pub async fn in_namespace(
    pool: &AnyPool,
    ns: &str,
    limit: i64,
    offset: i64,
) -> Result<(Vec<PluginVersions>, i64), StoreError> {
    let filter = Search { namespace: Some(ns.to_string()), include_taken_down: true, ..Search::default() };
    let (plugins, total) = search(pool, &filter, limit, offset).await?;
    let (Some(first), Some(last)) = (plugins.first(), plugins.last()) else {
        return Ok((Vec::new(), total));
    };
    // The page's plugins are the namespace's from `first` to `last` in name order.
    let sql = format!(
        "{VERSION_SELECT} WHERE v.namespace = $1 AND v.name >= $2 AND v.name <= $3 \
         ORDER BY v.published_at, v.version"
    );
    let rows = sqlx::query(&sql).bind(ns).bind(&first.name).bind(&last.name).fetch_all(pool).await?;
    let mut by_plugin: std::collections::HashMap<String, Vec<VersionRecord>> = std::collections::HashMap::new();
    for row in &rows {
        let v = version(row)?;
        by_plugin.entry(v.name.clone()).or_default().push(v);
    }
    let items = plugins
        .into_iter()
        .map(|plugin| {
            let versions = by_plugin.remove(&plugin.name).unwrap_or_default();
            PluginVersions { plugin, versions }
        })
        .collect();
    Ok((items, total))
}

/// Filters for [`search`]; `None` matches anything.
#[derive(Debug, Clone, Default)]
pub struct Search {
    /// Substring of the name or description.
    pub q: Option<String>,
    /// A category.
    pub category: Option<String>,
    /// A namespace.
    pub namespace: Option<String>,
    /// Plugins with at least one version in this status.
    pub status: Option<Status>,
    /// Whether taken-down plugins are listed.
    pub include_taken_down: bool,
}

/// Plugins matching `s`, by namespace and name, with the total count.
pub async fn search(
    pool: &AnyPool,
    s: &Search,
    limit: i64,
    offset: i64,
) -> Result<(Vec<PluginRecord>, i64), StoreError> {
    let mut clauses = Vec::new();
    let mut binds: Vec<String> = Vec::new();
    let mut param = |value: String, clause: &dyn Fn(usize) -> String| {
        binds.push(value);
        clauses.push(clause(binds.len()));
    };
    if let Some(q) = &s.q {
        let like = format!("%{}%", q.to_lowercase().replace(['%', '_'], ""));
        param(like, &|n| format!("(LOWER(p.name) LIKE ${n} OR LOWER(p.description) LIKE ${n})"));
    }
    if let Some(c) = &s.category {
        param(format!("%,{c},%"), &|n| format!("p.categories LIKE ${n}"));
    }
    if let Some(ns) = &s.namespace {
        param(ns.clone(), &|n| format!("p.namespace = ${n}"));
    }
    if let Some(st) = s.status {
        param(st.as_str().to_string(), &|n| {
            format!(
                "EXISTS (SELECT 1 FROM versions v WHERE v.namespace = p.namespace AND v.name = p.name AND v.status = ${n})"
            )
        });
    }
    if !s.include_taken_down {
        clauses.push("p.taken_down_at IS NULL".to_string());
    }
    let filter = if clauses.is_empty() { String::new() } else { format!(" WHERE {}", clauses.join(" AND ")) };
    let count_sql = format!("SELECT COUNT(*) AS n FROM plugins p{filter}");
    let mut count = sqlx::query(&count_sql);
    for b in &binds {
        count = count.bind(b);
    }
    let total: i64 = count.fetch_one(pool).await?.try_get("n")?;
    let n = binds.len();
    let list_sql =
        format!("SELECT p.* FROM plugins p{filter} ORDER BY p.namespace, p.name LIMIT ${} OFFSET ${}", n + 1, n + 2);
    let mut list = sqlx::query(&list_sql);
    for b in &binds {
        list = list.bind(b);
    }
    let rows = list.bind(limit).bind(offset).fetch_all(pool).await?;
    Ok((rows.iter().map(plugin).collect::<Result<_, _>>()?, total))
}
