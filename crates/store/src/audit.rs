//! Appending to and reading the audit trail.
//!
//! Every write calls [`append`] inside its own transaction, so the change and
//! its record commit or roll back together. Appends take the chain head row
//! with an UPDATE, which serializes them on both backends; each entry's hash
//! covers the previous one (see `dangjian_domain::audit`).

use dangjian_domain::audit::{chain_hash, Break, EntryContent, Verifier};
use serde::Serialize;
use sqlx::Row as _;

use crate::db::WriteTx;
use crate::error::StoreResult;
use crate::scope::{OrgFilter, Principal, Scoped};

/// What a write changed: `before`/`after` are JSON snapshots (null when absent).
pub struct Change<'a> {
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: String,
    pub org_id: Option<i64>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

pub async fn append(tx: &mut WriteTx, actor: &Principal, change: Change<'_>) -> StoreResult<i64> {
    append_many(tx, actor, vec![change]).await
}

/// Appends several entries with one head update (used by bulk imports).
pub async fn append_many(tx: &mut WriteTx, actor: &Principal, changes: Vec<Change<'_>>) -> StoreResult<i64> {
    if changes.is_empty() {
        return Ok(0);
    }
    let t = actor.tenant_id;
    let n = changes.len() as i64;
    let head = sqlx::query("UPDATE audit_head SET seq = seq + $2 WHERE tenant_id = $1 RETURNING seq, hash")
        .bind(t)
        .bind(n)
        .fetch_one(tx.conn())
        .await?;
    let last_seq: i64 = head.try_get(0)?;
    let mut prev: String = head.try_get(1)?;
    let at = crate::now_text();
    let mut seq = last_seq - n;
    let mut rows = Vec::with_capacity(changes.len());
    for c in changes {
        seq += 1;
        let before = c.before.map(|v| v.to_string()).unwrap_or_default();
        let after = c.after.map(|v| v.to_string()).unwrap_or_default();
        let hash = chain_hash(
            &prev,
            &EntryContent {
                seq,
                at: &at,
                actor: &actor.username,
                action: c.action,
                entity_type: c.entity_type,
                entity_id: &c.entity_id,
                before: &before,
                after: &after,
            },
        );
        rows.push((
            seq,
            c.action.to_string(),
            c.entity_type.to_string(),
            c.entity_id,
            c.org_id,
            before,
            after,
            prev,
            hash.clone(),
        ));
        prev = hash;
    }
    for chunk in rows.chunks(500) {
        let sql = format!(
            "INSERT INTO audit_log (tenant_id, seq, at, actor_id, actor, action, entity_type, entity_id, org_id, before_json, after_json, prev_hash, hash) VALUES {}",
            tx.values_placeholders(chunk.len(), 13)
        );
        let mut q = sqlx::query(&sql);
        for (seq, action, et, eid, org, before, after, prevh, hash) in chunk {
            q = q
                .bind(t)
                .bind(*seq)
                .bind(at.clone())
                .bind(actor.user_id)
                .bind(actor.username.clone())
                .bind(action.clone())
                .bind(et.clone())
                .bind(eid.clone())
                .bind(*org)
                .bind(before.clone())
                .bind(after.clone())
                .bind(prevh.clone())
                .bind(hash.clone());
        }
        q.execute(tx.conn()).await?;
    }
    sqlx::query("UPDATE audit_head SET hash = $2 WHERE tenant_id = $1").bind(t).bind(prev).execute(tx.conn()).await?;
    Ok(last_seq)
}

#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: String,
    pub actor_id: Option<i64>,
    pub actor: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub org_id: Option<i64>,
    pub before: String,
    pub after: String,
    pub hash: String,
}

#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub actor: Option<String>,
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub action: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    /// Entries with `seq` below this (for paging back through the trail).
    pub before_seq: Option<i64>,
    pub limit: i64,
}

/// Result of checking the whole chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainStatus {
    pub entries: i64,
    pub intact: bool,
    pub broken_at: Option<i64>,
    pub reason: Option<String>,
}

impl Scoped<'_> {
    /// Entries about orgs in the caller's `ReadAudit` scope (admins see all,
    /// including entries with no org such as user management).
    pub async fn audit_entries(&self, q: &AuditQuery) -> StoreResult<Vec<AuditEntry>> {
        use dangjian_domain::role::Action;
        let scope = match self.org_filter(Action::ReadAudit, "org_id", false) {
            OrgFilter::Nothing => return Err(crate::StoreError::Forbidden),
            OrgFilter::All => String::new(),
            OrgFilter::Sql(s) => format!(" AND {s}"),
        };
        let mut sql = format!(
            "SELECT seq, at, actor_id, actor, action, entity_type, entity_id, org_id, before_json, after_json, hash \
             FROM audit_log WHERE tenant_id = $1{scope}"
        );
        let mut binds: Vec<String> = Vec::new();
        let mut push = |sql: &mut String, cond: &str, v: &str| {
            binds.push(v.to_string());
            sql.push_str(&format!(" AND {cond} ${}", binds.len() + 1));
        };
        if let Some(v) = q.actor.as_deref().filter(|s| !s.is_empty()) {
            push(&mut sql, "actor =", v);
        }
        if let Some(v) = q.entity_type.as_deref().filter(|s| !s.is_empty()) {
            push(&mut sql, "entity_type =", v);
        }
        if let Some(v) = q.entity_id.as_deref().filter(|s| !s.is_empty()) {
            push(&mut sql, "entity_id =", v);
        }
        if let Some(v) = q.action.as_deref().filter(|s| !s.is_empty()) {
            push(&mut sql, "action =", v);
        }
        if let Some(v) = q.from.as_deref().filter(|s| !s.is_empty()) {
            push(&mut sql, "at >=", v);
        }
        if let Some(v) = q.to.as_deref().filter(|s| !s.is_empty()) {
            // An inclusive day: everything before the next day starts.
            let next = format!("{v}\u{ffff}");
            push(&mut sql, "at <=", &next);
        }
        if let Some(s) = q.before_seq {
            sql.push_str(&format!(" AND seq < {s}"));
        }
        sql.push_str(&format!(" ORDER BY seq DESC LIMIT {}", q.limit.clamp(1, 500)));
        let mut args = vec![crate::read::Arg::from(self.p.tenant_id)];
        args.extend(binds.into_iter().map(crate::read::Arg::from));
        let rows = self.db.read(&sql, &args).await?;
        rows.iter()
            .map(|r| {
                Ok(AuditEntry {
                    seq: r.try_get(0)?,
                    at: r.try_get(1)?,
                    actor_id: r.try_get(2)?,
                    actor: r.try_get(3)?,
                    action: r.try_get(4)?,
                    entity_type: r.try_get(5)?,
                    entity_id: r.try_get(6)?,
                    org_id: r.try_get(7)?,
                    before: r.try_get(8)?,
                    after: r.try_get(9)?,
                    hash: r.try_get(10)?,
                })
            })
            .collect()
    }

    /// Re-hashes the tenant's whole chain (admins only).
    pub async fn audit_verify(&self) -> StoreResult<ChainStatus> {
        self.require_global(dangjian_domain::role::Action::ManageUsers)?;
        verify_tenant(self.db, self.p.tenant_id).await
    }
}

pub(crate) async fn verify_tenant(db: &crate::Db, tenant_id: i64) -> StoreResult<ChainStatus> {
    const PAGE: i64 = 10_000;
    let mut verifier = Verifier::default();
    loop {
        let rows = db
            .read(
                "SELECT seq, at, actor, action, entity_type, entity_id, before_json, after_json, prev_hash, hash \
             FROM audit_log WHERE tenant_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
                crate::args![tenant_id, verifier.count(), PAGE],
            )
            .await?;
        for r in &rows {
            let (seq, at, actor, action, et, eid, before, after, prev, hash): (
                i64,
                String,
                String,
                String,
                String,
                String,
                String,
                String,
                String,
                String,
            ) = (
                r.try_get(0)?,
                r.try_get(1)?,
                r.try_get(2)?,
                r.try_get(3)?,
                r.try_get(4)?,
                r.try_get(5)?,
                r.try_get(6)?,
                r.try_get(7)?,
                r.try_get(8)?,
                r.try_get(9)?,
            );
            let content = EntryContent {
                seq,
                at: &at,
                actor: &actor,
                action: &action,
                entity_type: &et,
                entity_id: &eid,
                before: &before,
                after: &after,
            };
            if let Err(Break { seq, reason }) = verifier.push(&content, &prev, &hash) {
                let total: i64 = db
                    .read_one("SELECT COUNT(*) FROM audit_log WHERE tenant_id = $1", crate::args![tenant_id])
                    .await?
                    .try_get(0)?;
                return Ok(ChainStatus {
                    entries: total,
                    intact: false,
                    broken_at: Some(seq),
                    reason: Some(reason.to_string()),
                });
            }
        }
        if (rows.len() as i64) < PAGE {
            break;
        }
    }
    // Entries removed from the end leave the head pointing past them.
    let head: i64 =
        db.read_one("SELECT seq FROM audit_head WHERE tenant_id = $1", crate::args![tenant_id]).await?.try_get(0)?;
    if head != verifier.count() {
        return Ok(ChainStatus {
            entries: verifier.count(),
            intact: false,
            broken_at: Some(verifier.count() + 1),
            reason: Some("missing".into()),
        });
    }
    Ok(ChainStatus { entries: verifier.count(), intact: true, broken_at: None, reason: None })
}

impl crate::db::System<'_> {
    pub async fn audit_verify(&self) -> StoreResult<ChainStatus> {
        verify_tenant(self.db, self.tenant_id).await
    }
}
