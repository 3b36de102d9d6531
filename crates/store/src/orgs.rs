//! The org tree: reading it, changing it as dated history, terms, office
//! holders and partnerships.
//!
//! The tree is stored three ways that are kept in step inside each write:
//! `orgs.parent_id` (the current shape), `org_closure` (every ancestor pair,
//! for one-join subtree queries at any depth), and `org_events` (the dated,
//! never-overwritten history from which any past day's tree is replayed).

use chrono::NaiveDate;
use dangjian_domain::org::{self as dorg, OrgEvent, OrgEventKind, OrgKind};
use dangjian_domain::role::Action;
use dangjian_domain::settings::Settings;
use dangjian_domain::term::{self, TermAlert};
use dangjian_domain::Code;
use serde::Serialize;
use serde_json::json;
use sqlx::Row as _;
use utoipa::ToSchema;

use crate::audit::{append, Change};
use crate::date_text;
use crate::db::{next_ids, WriteTx};
use crate::error::{StoreError, StoreResult};
use crate::read::Row;
use crate::scope::{OrgFilter, Scoped};

#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct Org {
    pub id: i64,
    pub parent_id: Option<i64>,
    /// leadership_group, committee, general_branch, branch, cell or work_team.
    pub kind: String,
    pub name: String,
    pub overseas: bool,
    pub established_on: String,
    pub dissolved_on: Option<String>,
    pub depth: i64,
}

impl Org {
    pub fn kind(&self) -> OrgKind {
        OrgKind::parse(&self.kind).unwrap_or(OrgKind::Branch)
    }
}

const ORG_COLS: &str = "id, parent_id, kind, name, overseas, established_on, dissolved_on, depth";

fn org_from(r: &Row) -> StoreResult<Org> {
    org_from_at(r, 0)
}

/// An org from the [`ORG_COLS`] columns starting at column `at` of `r`.
pub(crate) fn org_from_at(r: &Row, at: usize) -> StoreResult<Org> {
    Ok(Org {
        id: r.try_get(at)?,
        parent_id: r.try_get(at + 1)?,
        kind: r.try_get(at + 2)?,
        name: r.try_get(at + 3)?,
        overseas: r.try_get::<i64>(at + 4)? != 0,
        established_on: r.try_get(at + 5)?,
        dissolved_on: r.try_get(at + 6)?,
        depth: r.try_get(at + 7)?,
    })
}

/// One child in a listing, with the figures a tree view shows beside it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrgSummary {
    #[serde(flatten)]
    pub org: Org,
    pub child_count: i64,
    pub people_count: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrgEventRow {
    pub id: i64,
    pub org_id: i64,
    pub kind: String,
    pub effective_on: String,
    pub doc_no: String,
    pub old_name: Option<String>,
    pub new_name: Option<String>,
    pub old_parent_id: Option<i64>,
    pub new_parent_id: Option<i64>,
    pub merged_into_id: Option<i64>,
    pub note: String,
    pub recorded_at: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Term {
    pub id: i64,
    pub org_id: i64,
    pub number: i64,
    pub started_on: String,
    pub due_on: String,
    pub ended_on: Option<String>,
    pub doc_no: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TermAlertRow {
    pub org: Org,
    pub term: Term,
    /// current, due_soon or overdue.
    pub state: String,
    pub days: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OfficeHolder {
    pub id: i64,
    pub org_id: i64,
    pub person_id: i64,
    pub person_name: String,
    /// secretary, deputy_secretary or committee_member.
    pub position: String,
    pub started_on: String,
    pub ended_on: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Partnership {
    pub id: i64,
    pub org_id: i64,
    pub partner_org_id: Option<i64>,
    pub partner_name: String,
    pub partner_kind: String,
    pub started_on: String,
    pub ended_on: Option<String>,
    pub note: String,
}

pub const POSITIONS: [&str; 3] = ["secretary", "deputy_secretary", "committee_member"];
pub const PARTNER_KINDS: [&str; 6] = ["org", "bank", "university", "research_institute", "enterprise", "other"];

/// Input for establishing an org.
#[derive(Debug, Clone)]
pub struct NewOrg {
    pub parent_id: i64,
    pub kind: OrgKind,
    pub name: String,
    pub established_on: NaiveDate,
    pub doc_no: String,
    pub overseas: bool,
}

fn parse_date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
}

pub(crate) async fn load_settings(db: &crate::Db, tenant_id: i64) -> StoreResult<Settings> {
    let row = db.read_opt("SELECT settings_json FROM tenants WHERE id = $1", crate::args![tenant_id]).await?;
    let text: String = match row {
        Some(r) => r.try_get(0)?,
        None => "{}".into(),
    };
    serde_json::from_str(&text).map_err(|e| StoreError::Internal(format!("tenant settings: {e}")))
}

/// Writes an org row, its closure rows and its establish event.
pub(crate) async fn insert_org(
    tx: &mut WriteTx,
    tenant_id: i64,
    id: i64,
    parent: Option<(i64, i64)>, // (parent id, parent depth)
    o: &NewOrgRow<'_>,
    recorded_by: Option<i64>,
) -> StoreResult<()> {
    let now = crate::now_text();
    let depth = parent.map(|p| p.1 + 1).unwrap_or(0);
    sqlx::query(
        "INSERT INTO orgs (tenant_id, id, parent_id, kind, name, overseas, established_on, dissolved_on, depth, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)",
    )
    .bind(tenant_id)
    .bind(id)
    .bind(parent.map(|p| p.0))
    .bind(o.kind.as_str())
    .bind(o.name)
    .bind(i64::from(o.overseas))
    .bind(date_text(o.established_on))
    .bind(o.dissolved_on.map(date_text))
    .bind(depth)
    .bind(&now)
    .execute(tx.conn())
    .await?;
    if let Some((pid, _)) = parent {
        {
            sqlx::query(
                "INSERT INTO org_closure (tenant_id, ancestor_id, descendant_id, depth) \
                 SELECT tenant_id, ancestor_id, $2, depth + 1 FROM org_closure WHERE tenant_id = $1 AND descendant_id = $3",
            )
            .bind(tenant_id)
            .bind(id)
            .bind(pid)
            .execute(tx.conn())
            .await?;
        }
    }
    sqlx::query("INSERT INTO org_closure (tenant_id, ancestor_id, descendant_id, depth) VALUES ($1, $2, $2, 0)")
        .bind(tenant_id)
        .bind(id)
        .execute(tx.conn())
        .await?;
    let ev = next_ids(tx, tenant_id, "org_events", 1).await?;
    insert_event(
        tx,
        tenant_id,
        ev,
        &EventRow {
            org_id: id,
            kind: OrgEventKind::Establish,
            effective_on: o.established_on,
            doc_no: o.doc_no,
            org_kind: Some(o.kind),
            old_name: None,
            new_name: Some(o.name),
            old_parent_id: None,
            new_parent_id: parent.map(|p| p.0),
            merged_into_id: None,
            note: "",
        },
        recorded_by,
    )
    .await
}

pub(crate) struct NewOrgRow<'a> {
    pub kind: OrgKind,
    pub name: &'a str,
    pub overseas: bool,
    pub established_on: NaiveDate,
    pub dissolved_on: Option<NaiveDate>,
    pub doc_no: &'a str,
}

pub(crate) struct EventRow<'a> {
    pub org_id: i64,
    pub kind: OrgEventKind,
    pub effective_on: NaiveDate,
    pub doc_no: &'a str,
    pub org_kind: Option<OrgKind>,
    pub old_name: Option<&'a str>,
    pub new_name: Option<&'a str>,
    pub old_parent_id: Option<i64>,
    pub new_parent_id: Option<i64>,
    pub merged_into_id: Option<i64>,
    pub note: &'a str,
}

pub(crate) async fn insert_event(
    tx: &mut WriteTx,
    tenant_id: i64,
    id: i64,
    e: &EventRow<'_>,
    recorded_by: Option<i64>,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO org_events (tenant_id, id, org_id, kind, effective_on, doc_no, org_kind, old_name, new_name, \
         old_parent_id, new_parent_id, merged_into_id, note, recorded_at, recorded_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
    )
    .bind(tenant_id)
    .bind(id)
    .bind(e.org_id)
    .bind(e.kind.as_str())
    .bind(date_text(e.effective_on))
    .bind(e.doc_no)
    .bind(e.org_kind.map(|k| k.as_str()))
    .bind(e.old_name)
    .bind(e.new_name)
    .bind(e.old_parent_id)
    .bind(e.new_parent_id)
    .bind(e.merged_into_id)
    .bind(e.note)
    .bind(crate::now_text())
    .bind(recorded_by)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Re-hangs `id`'s subtree under `new_parent` in the closure table.
pub(crate) async fn move_closure(tx: &mut WriteTx, t: i64, id: i64, new_parent: i64) -> StoreResult<()> {
    let lineage_before = crate::rollups::lineage(tx, t, id).await?;
    sqlx::query(
        "DELETE FROM org_closure WHERE tenant_id = $1 \
         AND descendant_id IN (SELECT descendant_id FROM org_closure WHERE tenant_id = $1 AND ancestor_id = $2) \
         AND ancestor_id NOT IN (SELECT descendant_id FROM org_closure WHERE tenant_id = $1 AND ancestor_id = $2)",
    )
    .bind(t)
    .bind(id)
    .execute(tx.conn())
    .await?;
    sqlx::query(
        "INSERT INTO org_closure (tenant_id, ancestor_id, descendant_id, depth) \
         SELECT a.tenant_id, a.ancestor_id, d.descendant_id, a.depth + d.depth + 1 \
         FROM org_closure a JOIN org_closure d ON d.tenant_id = a.tenant_id \
         WHERE a.tenant_id = $1 AND a.descendant_id = $3 AND d.ancestor_id = $2",
    )
    .bind(t)
    .bind(id)
    .bind(new_parent)
    .execute(tx.conn())
    .await?;
    sqlx::query(
        "UPDATE orgs SET depth = (SELECT MAX(c.depth) FROM org_closure c WHERE c.tenant_id = orgs.tenant_id AND c.descendant_id = orgs.id) \
         WHERE tenant_id = $1 AND id IN (SELECT descendant_id FROM org_closure WHERE tenant_id = $1 AND ancestor_id = $2)",
    )
    .bind(t)
    .bind(id)
    .execute(tx.conn())
    .await?;
    // The subtree's activities now count toward other ancestors.
    crate::rollups::moved(tx, t, id, &lineage_before).await
}

/// An org's exact people count as a correlated SQL expression over `orgs`:
/// the people registered in its subtree, plus, for a cell, those naming it in
/// `cell_id` (they are registered to the branch above it). `orgs.people_count`
/// stores this; the migration and [`rebuild_people_counts`] fill it with it.
const PEOPLE_RECOUNT: &str =
    "(SELECT COUNT(*) FROM org_closure c JOIN people p ON p.tenant_id = c.tenant_id AND p.org_id = c.descendant_id \
     WHERE c.tenant_id = orgs.tenant_id AND c.ancestor_id = orgs.id) \
     + (SELECT COUNT(*) FROM people p WHERE p.tenant_id = orgs.tenant_id AND p.cell_id = orgs.id)";

/// Recomputes every org's stored people count from scratch. For writers that
/// insert people or orgs in bulk without keeping the counts (the generator,
/// the demo loader): call it in their transaction, after the last such insert.
pub async fn rebuild_people_counts(conn: &mut sqlx::AnyConnection, tenant_id: i64) -> StoreResult<()> {
    sqlx::query(&format!("UPDATE orgs SET people_count = {PEOPLE_RECOUNT} WHERE tenant_id = $1"))
        .bind(tenant_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Ids formatted for an `IN (…)` list. They are integers from our own tables,
/// so formatting them in is safe (as `Scoped::org_filter` does).
fn id_list(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

/// Applies people count changes: `deltas[(org, cell)]` people were added
/// (negative: removed) with registration `org_id = org, cell_id = cell`. Each
/// adds to the org and every ancestor, and to the cell. Run it in the
/// transaction that moves the people.
pub(crate) async fn add_people(
    tx: &mut WriteTx,
    t: i64,
    deltas: &std::collections::HashMap<(i64, Option<i64>), i64>,
) -> StoreResult<()> {
    use std::collections::{BTreeMap, HashMap};
    let mut by_org: HashMap<i64, i64> = HashMap::new();
    let mut per_org: HashMap<i64, i64> = HashMap::new();
    for (&(org, cell), &d) in deltas {
        if d == 0 {
            continue;
        }
        *by_org.entry(org).or_default() += d;
        if let Some(c) = cell {
            *per_org.entry(c).or_default() += d;
        }
    }
    let orgs: Vec<i64> = by_org.iter().filter(|(_, d)| **d != 0).map(|(o, _)| *o).collect();
    for chunk in orgs.chunks(500) {
        let sql = format!(
            "SELECT ancestor_id, descendant_id FROM org_closure WHERE tenant_id = $1 AND descendant_id IN ({})",
            id_list(chunk)
        );
        for r in sqlx::query(&sql).bind(t).fetch_all(tx.conn()).await? {
            let (a, d): (i64, i64) = (r.try_get(0)?, r.try_get(1)?);
            *per_org.entry(a).or_default() += by_org[&d];
        }
    }
    // One statement per distinct change (an import changes thousands of orgs
    // by a handful of different amounts).
    let mut by_delta: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for (org, d) in per_org {
        if d != 0 {
            by_delta.entry(d).or_default().push(org);
        }
    }
    for (d, ids) in by_delta {
        for chunk in ids.chunks(500) {
            let sql = format!(
                "UPDATE orgs SET people_count = people_count + $2 WHERE tenant_id = $1 AND id IN ({})",
                id_list(chunk)
            );
            sqlx::query(&sql).bind(t).bind(d).execute(tx.conn()).await?;
        }
    }
    Ok(())
}

/// Recounts, from scratch, the people of every org at or above one of
/// `orgs` (and of `extra` SQL-selected orgs' lineages). Structure changes
/// (move, merge) re-hang whole subtrees, which is simplest to get exactly
/// right by recounting the lineages they touch; they are rare.
pub(crate) async fn recount_people_above(
    tx: &mut WriteTx,
    t: i64,
    orgs: &[i64],
    extra: Option<&str>,
) -> StoreResult<()> {
    if tx.backend == crate::Backend::Postgres {
        // Under READ COMMITTED a person added concurrently under the moved
        // subtree could be counted on the old lineage after this recount:
        // people writes wait for this transaction instead (they are rare
        // beside structure changes, and short).
        sqlx::query("LOCK TABLE people IN SHARE ROW EXCLUSIVE MODE").execute(tx.conn()).await?;
    }
    let mut which = format!("descendant_id IN ({})", id_list(orgs));
    if let Some(e) = extra {
        which.push_str(&format!(" OR descendant_id IN ({e})"));
    }
    let sql = format!(
        "UPDATE orgs SET people_count = {PEOPLE_RECOUNT} WHERE tenant_id = $1 AND id IN \
         (SELECT ancestor_id FROM org_closure WHERE tenant_id = $1 AND ({which}))"
    );
    sqlx::query(&sql).bind(t).execute(tx.conn()).await?;
    Ok(())
}

fn org_json(o: &Org) -> serde_json::Value {
    serde_json::to_value(o).unwrap_or_default()
}

impl Scoped<'_> {
    pub async fn settings(&self) -> StoreResult<Settings> {
        load_settings(self.db, self.p.tenant_id).await
    }

    async fn fetch_org(&self, id: i64) -> StoreResult<Org> {
        let sql = format!("SELECT {ORG_COLS} FROM orgs WHERE tenant_id = $1 AND id = $2");
        let row = self.db.read_opt(&sql, crate::args![self.p.tenant_id, id]).await?;
        org_from(&row.ok_or(StoreError::NotFound)?)
    }

    /// The org, if the caller may read it. Read with its lineage, which the
    /// handle keeps: the permission checks, breadcrumb and people count that
    /// usually follow need no further statement.
    pub async fn org(&self, id: i64) -> StoreResult<Org> {
        let lineage = self.lineage_of(id).await?;
        match lineage.first() {
            Some(own) if self.require(Action::Read, id).await.is_ok() => Ok(own.org.clone()),
            _ => Err(StoreError::NotFound),
        }
    }

    /// The tops of what the caller sees: the tenant's roots for an admin, the
    /// granted orgs (minus those inside another grant) for everyone else.
    pub async fn roots(&self) -> StoreResult<Vec<Org>> {
        let sql = match self.org_filter(Action::Read, "o.id", false) {
            OrgFilter::Nothing => return Ok(vec![]),
            OrgFilter::All => format!(
                "SELECT {ORG_COLS} FROM orgs o WHERE tenant_id = $1 AND parent_id IS NULL AND dissolved_on IS NULL ORDER BY id"
            ),
            OrgFilter::Sql(pred) => format!(
                "SELECT {ORG_COLS} FROM orgs o WHERE tenant_id = $1 AND {pred} \
                 AND (o.parent_id IS NULL OR NOT ({})) ORDER BY id",
                pred.replacen("o.id IN", "o.parent_id IN", 1)
            ),
        };
        let rows = self.db.read(&sql, crate::args![self.p.tenant_id]).await?;
        rows.iter().map(org_from).collect()
    }

    /// Active children of a readable org, each with its subtree's counts: the
    /// stored people count and the active children, in one statement.
    pub async fn children(&self, id: i64) -> StoreResult<Vec<OrgSummary>> {
        self.org(id).await?;
        let rows = self.db.read("SELECT o.id, o.parent_id, o.kind, o.name, o.overseas, o.established_on, o.dissolved_on, o.depth, o.people_count, \
             (SELECT COUNT(*) FROM orgs k WHERE k.tenant_id = o.tenant_id AND k.parent_id = o.id AND k.dissolved_on IS NULL) \
             FROM orgs o WHERE o.tenant_id = $1 AND o.parent_id = $2 AND o.dissolved_on IS NULL ORDER BY o.kind, o.name", crate::args![self.p.tenant_id, id]).await?;
        rows.iter()
            .map(|r| Ok(OrgSummary { org: org_from(r)?, people_count: r.try_get(8)?, child_count: r.try_get(9)? }))
            .collect()
    }

    /// The path from the highest visible ancestor down to the org itself.
    pub async fn breadcrumb(&self, id: i64) -> StoreResult<Vec<Org>> {
        Ok(self.readable_lineage(id).await?.into_iter().rev().map(|l| l.org).collect())
    }

    /// Number of people registered in the org's subtree (for a cell: naming
    /// it), as stored on the org.
    pub async fn people_count(&self, id: i64) -> StoreResult<i64> {
        self.org(id).await?;
        Ok(self.lineage_of(id).await?.first().map_or(0, |l| l.people_count))
    }

    /// Search visible orgs by name (for pickers and the tree's search box).
    pub async fn search_orgs(&self, q: &str, limit: i64) -> StoreResult<Vec<Org>> {
        let filter = match self.and_filter(Action::Read, "id") {
            Ok(f) => f,
            Err(_) => return Ok(vec![]),
        };
        let sql = format!(
            "SELECT {ORG_COLS} FROM orgs WHERE tenant_id = $1 AND name LIKE $2 AND dissolved_on IS NULL{filter} ORDER BY depth, name LIMIT {}",
            limit.clamp(1, 200)
        );
        let pattern = format!("%{}%", q.replace(['%', '_'], ""));
        let rows = self.db.read(&sql, crate::args![self.p.tenant_id, pattern]).await?;
        rows.iter().map(org_from).collect()
    }

    /// Every visible org of the subtree (the import resolves branch names in it).
    pub async fn subtree(&self, id: i64) -> StoreResult<Vec<Org>> {
        self.org(id).await?;
        let sql = "SELECT o.id, o.parent_id, o.kind, o.name, o.overseas, o.established_on, o.dissolved_on, o.depth \
             FROM org_closure c JOIN orgs o ON o.tenant_id = c.tenant_id AND o.id = c.descendant_id \
             WHERE c.tenant_id = $1 AND c.ancestor_id = $2 ORDER BY o.depth, o.name";
        let rows = self.db.read(sql, crate::args![self.p.tenant_id, id]).await?;
        rows.iter().map(org_from).collect()
    }

    pub async fn events(&self, id: i64) -> StoreResult<Vec<OrgEventRow>> {
        self.org(id).await?;
        // One indexed lookup per role the org plays in an event; an OR over
        // the four columns scanned every event (3 ms per org page at M).
        // Merges are rare, so SQLite's statistics (which count NULLs as one
        // value) rate the merged_into index useless and it scanned every event
        // instead (1.3 ms per org page at M): name the index there.
        let merged_index =
            if self.db.backend() == crate::Backend::Sqlite { " INDEXED BY org_events_merged_into" } else { "" };
        let sql = format!(
            "SELECT id, org_id, kind, effective_on, doc_no, old_name, new_name, old_parent_id, new_parent_id, merged_into_id, note, recorded_at \
             FROM org_events WHERE tenant_id = $1 AND id IN ( \
               SELECT id FROM org_events WHERE tenant_id = $1 AND org_id = $2 \
               UNION SELECT id FROM org_events WHERE tenant_id = $1 AND new_parent_id = $2 \
               UNION SELECT id FROM org_events WHERE tenant_id = $1 AND old_parent_id = $2 \
               UNION SELECT id FROM org_events{merged_index} WHERE tenant_id = $1 AND merged_into_id = $2) \
             ORDER BY effective_on DESC, id DESC"
        );
        let rows = self.db.read(&sql, crate::args![self.p.tenant_id, id]).await?;
        rows.iter()
            .map(|r| {
                Ok(OrgEventRow {
                    id: r.try_get(0)?,
                    org_id: r.try_get(1)?,
                    kind: r.try_get(2)?,
                    effective_on: r.try_get(3)?,
                    doc_no: r.try_get(4)?,
                    old_name: r.try_get(5)?,
                    new_name: r.try_get(6)?,
                    old_parent_id: r.try_get(7)?,
                    new_parent_id: r.try_get(8)?,
                    merged_into_id: r.try_get(9)?,
                    note: r.try_get(10)?,
                    recorded_at: r.try_get(11)?,
                })
            })
            .collect()
    }

    /// The tree under `id` as it stood on `date`, replayed from history.
    /// Visibility is judged on today's tree: the caller must read `id` now.
    pub async fn tree_as_of(&self, id: i64, date: NaiveDate) -> StoreResult<Vec<dorg::OrgAsOf>> {
        self.org(id).await?;
        let rows = self
            .db
            .read(
                "SELECT id, org_id, kind, effective_on, org_kind, new_name, new_parent_id, merged_into_id \
             FROM org_events WHERE tenant_id = $1 AND effective_on <= $2",
                crate::args![self.p.tenant_id, date_text(date)],
            )
            .await?;
        let mut events = Vec::with_capacity(rows.len());
        for r in &rows {
            let kind: String = r.try_get(2)?;
            let org_kind: Option<String> = r.try_get(4)?;
            events.push(OrgEvent {
                seq: r.try_get(0)?,
                org_id: r.try_get(1)?,
                kind: OrgEventKind::parse(&kind).map_err(|_| StoreError::Internal(format!("event kind {kind}")))?,
                effective_on: parse_date(&r.try_get::<String>(3)?),
                org_kind: org_kind.and_then(|k| OrgKind::parse(&k).ok()),
                name: r.try_get(5)?,
                parent_id: r.try_get(6)?,
                merged_into_id: r.try_get(7)?,
            });
        }
        let all = dorg::tree_as_of(&events, date);
        if !all.contains_key(&id) {
            return Ok(vec![]);
        }
        // Keep `id` and whatever descended from it that day.
        let mut out = Vec::new();
        for o in all.values() {
            let mut cur = Some(o.id);
            while let Some(c) = cur {
                if c == id {
                    out.push(o.clone());
                    break;
                }
                cur = all.get(&c).and_then(|x| x.parent_id);
            }
        }
        Ok(out)
    }

    async fn check_sibling_name(&self, parent: i64, name: &str, except: Option<i64>) -> StoreResult<()> {
        let n: i64 = self.db.read_one("SELECT COUNT(*) FROM orgs WHERE tenant_id = $1 AND parent_id = $2 AND name = $3 AND dissolved_on IS NULL AND id <> $4", crate::args![self.p.tenant_id, parent, name, except.unwrap_or(-1)]).await?
        .try_get(0)?;
        if n > 0 {
            return Err(StoreError::field("name", Code::NameDuplicate));
        }
        Ok(())
    }

    /// 新建: a new org under `parent_id`.
    pub async fn establish(&self, input: NewOrg) -> StoreResult<Org> {
        self.require(Action::WriteStructure, input.parent_id).await?;
        let parent = self.fetch_org(input.parent_id).await?;
        if parent.dissolved_on.is_some() {
            return Err(StoreError::field("parent_id", Code::OrgDissolved));
        }
        if !parent.kind().may_contain(input.kind) {
            return Err(StoreError::field("kind", Code::ParentKind));
        }
        let name = dorg::validate_name(&input.name).map_err(|c| StoreError::field("name", c))?;
        self.check_sibling_name(parent.id, &name, None).await?;
        let t = self.p.tenant_id;
        let mut tx = self.db.begin_write().await?;
        let id = next_ids(&mut tx, t, "orgs", 1).await?;
        insert_org(
            &mut tx,
            t,
            id,
            Some((parent.id, parent.depth)),
            &NewOrgRow {
                kind: input.kind,
                name: &name,
                overseas: input.overseas || parent.overseas,
                established_on: input.established_on,
                dissolved_on: None,
                doc_no: &input.doc_no,
            },
            self.p.user_id,
        )
        .await?;
        let org = Org {
            id,
            parent_id: Some(parent.id),
            kind: input.kind.as_str().into(),
            name,
            overseas: input.overseas || parent.overseas,
            established_on: date_text(input.established_on),
            dissolved_on: None,
            depth: parent.depth + 1,
        };
        append(
            &mut tx,
            self.p,
            Change {
                action: "establish",
                entity_type: "org",
                entity_id: id.to_string(),
                org_id: Some(id),
                before: None,
                after: Some(json!({"org": org_json(&org), "doc_no": input.doc_no})),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(org)
    }

    async fn structure_target(&self, id: i64) -> StoreResult<Org> {
        self.require_below(Action::WriteStructure, id).await?;
        let org = self.fetch_org(id).await?;
        if org.dissolved_on.is_some() {
            return Err(StoreError::field("id", Code::OrgDissolved));
        }
        Ok(org)
    }

    /// 更名: the old name stays in history.
    pub async fn rename(&self, id: i64, new_name: &str, on: NaiveDate, doc_no: &str) -> StoreResult<Org> {
        let org = self.structure_target(id).await?;
        let name = dorg::validate_name(new_name).map_err(|c| StoreError::field("name", c))?;
        if let Some(p) = org.parent_id {
            self.check_sibling_name(p, &name, Some(id)).await?;
        }
        let t = self.p.tenant_id;
        let mut tx = self.db.begin_write().await?;
        sqlx::query(
            "UPDATE orgs SET name = $3, version = version + 1, updated_at = $4 WHERE tenant_id = $1 AND id = $2",
        )
        .bind(t)
        .bind(id)
        .bind(&name)
        .bind(crate::now_text())
        .execute(tx.conn())
        .await?;
        let ev = next_ids(&mut tx, t, "org_events", 1).await?;
        insert_event(
            &mut tx,
            t,
            ev,
            &EventRow {
                org_id: id,
                kind: OrgEventKind::Rename,
                effective_on: on,
                doc_no,
                org_kind: None,
                old_name: Some(&org.name),
                new_name: Some(&name),
                old_parent_id: None,
                new_parent_id: None,
                merged_into_id: None,
                note: "",
            },
            self.p.user_id,
        )
        .await?;
        let after = Org { name: name.clone(), ..org.clone() };
        append(
            &mut tx,
            self.p,
            Change {
                action: "rename",
                entity_type: "org",
                entity_id: id.to_string(),
                org_id: Some(id),
                before: Some(org_json(&org)),
                after: Some(json!({"org": org_json(&after), "doc_no": doc_no, "effective_on": date_text(on)})),
            },
        )
        .await?;
        tx.commit().await?;
        // The memoized lineages carry names.
        self.forget_ancestry();
        Ok(after)
    }

    /// Moves an org (with its subtree) under a new parent.
    pub async fn move_org(&self, id: i64, new_parent: i64, on: NaiveDate, doc_no: &str) -> StoreResult<Org> {
        let org = self.structure_target(id).await?;
        self.require(Action::WriteStructure, new_parent).await?;
        let parent = self.fetch_org(new_parent).await?;
        if parent.dissolved_on.is_some() {
            return Err(StoreError::field("parent_id", Code::OrgDissolved));
        }
        if !parent.kind().may_contain(org.kind()) {
            return Err(StoreError::field("parent_id", Code::ParentKind));
        }
        let t = self.p.tenant_id;
        let inside: i64 = self
            .db
            .read_one(
                "SELECT COUNT(*) FROM org_closure WHERE tenant_id = $1 AND ancestor_id = $2 AND descendant_id = $3",
                crate::args![t, id, new_parent],
            )
            .await?
            .try_get(0)?;
        if inside > 0 {
            return Err(StoreError::field("parent_id", Code::MoveIntoSelf));
        }
        self.check_sibling_name(new_parent, &org.name, Some(id)).await?;
        let mut tx = self.db.begin_write().await?;
        sqlx::query(
            "UPDATE orgs SET parent_id = $3, version = version + 1, updated_at = $4 WHERE tenant_id = $1 AND id = $2",
        )
        .bind(t)
        .bind(id)
        .bind(new_parent)
        .bind(crate::now_text())
        .execute(tx.conn())
        .await?;
        move_closure(&mut tx, t, id, new_parent).await?;
        let ev = next_ids(&mut tx, t, "org_events", 1).await?;
        insert_event(
            &mut tx,
            t,
            ev,
            &EventRow {
                org_id: id,
                kind: OrgEventKind::Move,
                effective_on: on,
                doc_no,
                org_kind: None,
                old_name: None,
                new_name: None,
                old_parent_id: org.parent_id,
                new_parent_id: Some(new_parent),
                merged_into_id: None,
                note: "",
            },
            self.p.user_id,
        )
        .await?;
        let after = Org { parent_id: Some(new_parent), depth: parent.depth + 1, ..org.clone() };
        append(
            &mut tx,
            self.p,
            Change {
                action: "move",
                entity_type: "org",
                entity_id: id.to_string(),
                org_id: Some(id),
                before: Some(org_json(&org)),
                after: Some(json!({"org": org_json(&after), "doc_no": doc_no, "effective_on": date_text(on)})),
            },
        )
        .await?;
        // The old and new lineages lose and gain the subtree's people.
        let lineages: Vec<i64> = org.parent_id.into_iter().chain([new_parent]).collect();
        recount_people_above(&mut tx, t, &lineages, None).await?;
        tx.commit().await?;
        // Its subtree now has other ancestors: permission answers memoized before the move are stale.
        self.forget_ancestry();
        Ok(after)
    }

    /// 撤销 (`into = None`) or 合并 into another org (`into = Some`). A
    /// dissolution needs an empty org: move its children and people first. A
    /// merge moves its people and child orgs into the target.
    pub async fn end_org(&self, id: i64, into: Option<i64>, on: NaiveDate, doc_no: &str) -> StoreResult<Org> {
        let org = self.structure_target(id).await?;
        let t = self.p.tenant_id;
        let kids: i64 = self
            .db
            .read_one(
                "SELECT COUNT(*) FROM orgs WHERE tenant_id = $1 AND parent_id = $2 AND dissolved_on IS NULL",
                crate::args![t, id],
            )
            .await?
            .try_get(0)?;
        let people: i64 = self
            .db
            .read_one(
                "SELECT COUNT(*) FROM people WHERE tenant_id = $1 AND (org_id = $2 OR cell_id = $2)",
                crate::args![t, id],
            )
            .await?
            .try_get(0)?;
        let target = match into {
            Some(target) => {
                if target == id {
                    return Err(StoreError::field("merged_into_id", Code::MoveIntoSelf));
                }
                self.require(Action::WriteStructure, target).await?;
                let tg = self.fetch_org(target).await?;
                if tg.dissolved_on.is_some() {
                    return Err(StoreError::field("merged_into_id", Code::OrgDissolved));
                }
                if tg.kind() != org.kind() && !(people > 0 && tg.kind().registers_members()) {
                    return Err(StoreError::field("merged_into_id", Code::ParentKind));
                }
                let inside: i64 = self.db.read_one("SELECT COUNT(*) FROM org_closure WHERE tenant_id = $1 AND ancestor_id = $2 AND descendant_id = $3", crate::args![t, id, target]).await?
                .try_get(0)?;
                if inside > 0 {
                    return Err(StoreError::field("merged_into_id", Code::MoveIntoSelf));
                }
                Some(tg)
            }
            None => {
                if kids > 0 || people > 0 {
                    return Err(StoreError::Validation(vec![("id".into(), Code::InvalidValue)]));
                }
                None
            }
        };
        let mut tx = self.db.begin_write().await?;
        let now = crate::now_text();
        if let Some(tg) = &target {
            // Members registered directly in the org go to the target; a cell of the org
            // keeps its people, and cells and other children move under the target.
            sqlx::query("UPDATE people SET org_id = $3, cell_id = NULL, version = version + 1, updated_at = $4 WHERE tenant_id = $1 AND org_id = $2")
                .bind(t)
                .bind(id)
                .bind(tg.id)
                .bind(&now)
                .execute(tx.conn())
                .await?;
            let children: Vec<i64> =
                sqlx::query("SELECT id FROM orgs WHERE tenant_id = $1 AND parent_id = $2 AND dissolved_on IS NULL")
                    .bind(t)
                    .bind(id)
                    .fetch_all(tx.conn())
                    .await?
                    .iter()
                    .map(|r| r.try_get(0))
                    .collect::<Result<_, _>>()?;
            for c in children {
                sqlx::query("UPDATE orgs SET parent_id = $3, version = version + 1, updated_at = $4 WHERE tenant_id = $1 AND id = $2")
                    .bind(t)
                    .bind(c)
                    .bind(tg.id)
                    .bind(&now)
                    .execute(tx.conn())
                    .await?;
                move_closure(&mut tx, t, c, tg.id).await?;
                let ev = next_ids(&mut tx, t, "org_events", 1).await?;
                insert_event(
                    &mut tx,
                    t,
                    ev,
                    &EventRow {
                        org_id: c,
                        kind: OrgEventKind::Move,
                        effective_on: on,
                        doc_no,
                        org_kind: None,
                        old_name: None,
                        new_name: None,
                        old_parent_id: Some(id),
                        new_parent_id: Some(tg.id),
                        merged_into_id: None,
                        note: "",
                    },
                    self.p.user_id,
                )
                .await?;
            }
        }
        // The compliance histogram counts an org only while alive.
        crate::rollups::org_tallies(&mut tx, t, id, -1).await?;
        sqlx::query("UPDATE orgs SET dissolved_on = $3, version = version + 1, updated_at = $4 WHERE tenant_id = $1 AND id = $2")
            .bind(t)
            .bind(id)
            .bind(date_text(on))
            .bind(&now)
            .execute(tx.conn())
            .await?;
        crate::rollups::org_tallies(&mut tx, t, id, 1).await?;
        sqlx::query("UPDATE terms SET ended_on = $3 WHERE tenant_id = $1 AND org_id = $2 AND ended_on IS NULL")
            .bind(t)
            .bind(id)
            .bind(date_text(on))
            .execute(tx.conn())
            .await?;
        let kind = if target.is_some() { OrgEventKind::Merge } else { OrgEventKind::Dissolve };
        let ev = next_ids(&mut tx, t, "org_events", 1).await?;
        insert_event(
            &mut tx,
            t,
            ev,
            &EventRow {
                org_id: id,
                kind,
                effective_on: on,
                doc_no,
                org_kind: None,
                old_name: None,
                new_name: None,
                old_parent_id: None,
                new_parent_id: None,
                merged_into_id: target.as_ref().map(|t| t.id),
                note: "",
            },
            self.p.user_id,
        )
        .await?;
        let after = Org { dissolved_on: Some(date_text(on)), ..org.clone() };
        append(
            &mut tx,
            self.p,
            Change {
                action: kind.as_str(),
                entity_type: "org",
                entity_id: id.to_string(),
                org_id: Some(id),
                before: Some(org_json(&org)),
                after: Some(
                    json!({"org": org_json(&after), "doc_no": doc_no, "merged_into_id": target.as_ref().map(|t| t.id)}),
                ),
            },
        )
        .await?;
        if let Some(tg) = &target {
            // People and children moved to the target; the org's cells (those
            // that came along, and dissolved ones left behind) lost people.
            let moved = format!("SELECT id FROM orgs WHERE tenant_id = $1 AND parent_id IN ({id}, {})", tg.id);
            recount_people_above(&mut tx, t, &[id, tg.id], Some(&moved)).await?;
        }
        tx.commit().await?;
        // A merge moved the org's children: memoized lineages are stale.
        self.forget_ancestry();
        Ok(after)
    }

    // ---- terms -----------------------------------------------------------

    pub async fn terms(&self, org_id: i64) -> StoreResult<Vec<Term>> {
        self.org(org_id).await?;
        let rows = self.db.read("SELECT id, org_id, number, started_on, due_on, ended_on, doc_no FROM terms WHERE tenant_id = $1 AND org_id = $2 ORDER BY number DESC", crate::args![self.p.tenant_id, org_id]).await?;
        rows.iter().map(term_from).collect()
    }

    /// 换届: closes the current term and opens the next, due per settings.
    pub async fn start_term(&self, org_id: i64, started_on: NaiveDate, doc_no: &str) -> StoreResult<Term> {
        self.require(Action::WriteOrgDetails, org_id).await?;
        let org = self.fetch_org(org_id).await?;
        let settings = self.settings().await?;
        let due = term::due_date(&settings, org.kind(), started_on)
            .ok_or_else(|| StoreError::field("org_id", Code::InvalidValue))?;
        let current = self.terms(org_id).await?.into_iter().next();
        if let Some(c) = &current {
            if date_text(started_on) < c.started_on {
                return Err(StoreError::field("started_on", Code::DateOrder));
            }
        }
        let t = self.p.tenant_id;
        let mut tx = self.db.begin_write().await?;
        sqlx::query("UPDATE terms SET ended_on = $3 WHERE tenant_id = $1 AND org_id = $2 AND ended_on IS NULL")
            .bind(t)
            .bind(org_id)
            .bind(date_text(started_on))
            .execute(tx.conn())
            .await?;
        let id = next_ids(&mut tx, t, "terms", 1).await?;
        let term = Term {
            id,
            org_id,
            number: current.as_ref().map(|c| c.number + 1).unwrap_or(1),
            started_on: date_text(started_on),
            due_on: date_text(due),
            ended_on: None,
            doc_no: doc_no.to_string(),
        };
        insert_term(&mut tx, t, &term).await?;
        append(
            &mut tx,
            self.p,
            Change {
                action: "start_term",
                entity_type: "term",
                entity_id: id.to_string(),
                org_id: Some(org_id),
                before: current.map(|c| serde_json::to_value(c).unwrap_or_default()),
                after: Some(serde_json::to_value(&term).unwrap_or_default()),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(term)
    }

    /// Current terms in the caller's subtree that are due within the alert
    /// window or overdue, most urgent first.
    pub async fn term_alerts(&self, under: Option<i64>, today: NaiveDate) -> StoreResult<Vec<TermAlertRow>> {
        let settings = self.settings().await?;
        let filter = match self.and_filter(Action::Read, "o.id") {
            Ok(f) => f,
            Err(_) => return Ok(vec![]),
        };
        let horizon = date_text(today + chrono::Duration::days(settings.term_alert_days));
        let mut sql = format!(
            "SELECT o.id, o.parent_id, o.kind, o.name, o.overseas, o.established_on, o.dissolved_on, o.depth, \
             t.id, t.org_id, t.number, t.started_on, t.due_on, t.ended_on, t.doc_no \
             FROM terms t JOIN orgs o ON o.tenant_id = t.tenant_id AND o.id = t.org_id \
             WHERE t.tenant_id = $1 AND t.ended_on IS NULL AND o.dissolved_on IS NULL AND t.due_on <= $2{filter}"
        );
        if let Some(u) = under {
            self.org(u).await?;
            sql.push_str(&format!(
                " AND o.id IN (SELECT descendant_id FROM org_closure WHERE tenant_id = $1 AND ancestor_id = {u})"
            ));
        }
        sql.push_str(" ORDER BY t.due_on, o.name LIMIT 1000");
        let rows = self.db.read(&sql, crate::args![self.p.tenant_id, horizon]).await?;
        rows.iter()
            .map(|r| {
                let org = org_from(r)?;
                let term = Term {
                    id: r.try_get(8)?,
                    org_id: r.try_get(9)?,
                    number: r.try_get(10)?,
                    started_on: r.try_get(11)?,
                    due_on: r.try_get(12)?,
                    ended_on: r.try_get(13)?,
                    doc_no: r.try_get(14)?,
                };
                let (state, days) = alert_state(&settings, &term, today);
                Ok(TermAlertRow { org, term, state, days })
            })
            .collect()
    }

    // ---- office holders -------------------------------------------------

    pub async fn office_holders(&self, org_id: i64) -> StoreResult<Vec<OfficeHolder>> {
        self.org(org_id).await?;
        let rows = self.db.read("SELECT h.id, h.org_id, h.person_id, p.name, h.position, h.started_on, h.ended_on FROM office_holders h \
             JOIN people p ON p.tenant_id = h.tenant_id AND p.id = h.person_id \
             WHERE h.tenant_id = $1 AND h.org_id = $2 \
             ORDER BY CASE WHEN h.ended_on IS NULL THEN 0 ELSE 1 END, CASE h.position WHEN 'secretary' THEN 0 WHEN 'deputy_secretary' THEN 1 ELSE 2 END, h.started_on", crate::args![self.p.tenant_id, org_id]).await?;
        rows.iter()
            .map(|r| {
                Ok(OfficeHolder {
                    id: r.try_get(0)?,
                    org_id: r.try_get(1)?,
                    person_id: r.try_get(2)?,
                    person_name: r.try_get(3)?,
                    position: r.try_get(4)?,
                    started_on: r.try_get(5)?,
                    ended_on: r.try_get(6)?,
                })
            })
            .collect()
    }

    pub async fn add_office_holder(
        &self,
        org_id: i64,
        person_id: i64,
        position: &str,
        started_on: NaiveDate,
    ) -> StoreResult<OfficeHolder> {
        self.require(Action::WriteOrgDetails, org_id).await?;
        if !POSITIONS.contains(&position) {
            return Err(StoreError::field("position", Code::InvalidValue));
        }
        let person = self.person(person_id).await.map_err(|e| match e {
            StoreError::NotFound => StoreError::field("person_id", Code::NotFound),
            e => e,
        })?;
        let t = self.p.tenant_id;
        let mut tx = self.db.begin_write().await?;
        if position == "secretary" {
            // One secretary at a time: the predecessor's tenure ends the day the new one starts.
            sqlx::query("UPDATE office_holders SET ended_on = $3 WHERE tenant_id = $1 AND org_id = $2 AND position = 'secretary' AND ended_on IS NULL")
                .bind(t)
                .bind(org_id)
                .bind(date_text(started_on))
                .execute(tx.conn())
                .await?;
        }
        let id = next_ids(&mut tx, t, "office_holders", 1).await?;
        sqlx::query(
            "INSERT INTO office_holders (tenant_id, id, org_id, person_id, position, started_on, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(t)
        .bind(id)
        .bind(org_id)
        .bind(person_id)
        .bind(position)
        .bind(date_text(started_on))
        .bind(crate::now_text())
        .execute(tx.conn())
        .await?;
        let h = OfficeHolder {
            id,
            org_id,
            person_id,
            person_name: person.name,
            position: position.into(),
            started_on: date_text(started_on),
            ended_on: None,
        };
        append(
            &mut tx,
            self.p,
            Change {
                action: "appoint",
                entity_type: "office_holder",
                entity_id: id.to_string(),
                org_id: Some(org_id),
                before: None,
                after: Some(serde_json::to_value(&h).unwrap_or_default()),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(h)
    }

    pub async fn end_office_holder(&self, org_id: i64, holder_id: i64, ended_on: NaiveDate) -> StoreResult<()> {
        self.require(Action::WriteOrgDetails, org_id).await?;
        let holders = self.office_holders(org_id).await?;
        let h = holders.into_iter().find(|h| h.id == holder_id).ok_or(StoreError::NotFound)?;
        if date_text(ended_on) < h.started_on {
            return Err(StoreError::field("ended_on", Code::DateOrder));
        }
        let t = self.p.tenant_id;
        let mut tx = self.db.begin_write().await?;
        sqlx::query("UPDATE office_holders SET ended_on = $3 WHERE tenant_id = $1 AND id = $2")
            .bind(t)
            .bind(holder_id)
            .bind(date_text(ended_on))
            .execute(tx.conn())
            .await?;
        let after = OfficeHolder { ended_on: Some(date_text(ended_on)), ..h.clone() };
        append(
            &mut tx,
            self.p,
            Change {
                action: "end_office",
                entity_type: "office_holder",
                entity_id: holder_id.to_string(),
                org_id: Some(org_id),
                before: Some(serde_json::to_value(&h).unwrap_or_default()),
                after: Some(serde_json::to_value(&after).unwrap_or_default()),
            },
        )
        .await?;
        tx.commit().await
    }

    // ---- partnerships ---------------------------------------------------

    /// Partnerships the org takes part in, on either side.
    pub async fn partnerships(&self, org_id: i64) -> StoreResult<Vec<Partnership>> {
        self.org(org_id).await?;
        let rows = self.db.read("SELECT id, org_id, partner_org_id, partner_name, partner_kind, started_on, ended_on, note FROM partnerships \
             WHERE tenant_id = $1 AND (org_id = $2 OR partner_org_id = $2) ORDER BY started_on DESC", crate::args![self.p.tenant_id, org_id]).await?;
        rows.iter().map(partnership_from).collect()
    }

    pub async fn add_partnership(
        &self,
        org_id: i64,
        partner_org_id: Option<i64>,
        partner_name: &str,
        partner_kind: &str,
        started_on: NaiveDate,
        note: &str,
    ) -> StoreResult<Partnership> {
        self.require(Action::WriteOrgDetails, org_id).await?;
        if !PARTNER_KINDS.contains(&partner_kind) {
            return Err(StoreError::field("partner_kind", Code::InvalidValue));
        }
        let name = match partner_org_id {
            // The partner org must be visible to the caller: an unscoped lookup would let
            // anyone learn every org's name by stepping through ids. Pairings across
            // enterprises are made by someone whose scope covers both.
            Some(pid) => self.org(pid).await.map_err(|_| StoreError::field("partner_org_id", Code::UnknownOrg))?.name,
            None => dorg::validate_name(partner_name).map_err(|c| StoreError::field("partner_name", c))?,
        };
        let t = self.p.tenant_id;
        let mut tx = self.db.begin_write().await?;
        let id = next_ids(&mut tx, t, "partnerships", 1).await?;
        let p = Partnership {
            id,
            org_id,
            partner_org_id,
            partner_name: name,
            partner_kind: partner_kind.into(),
            started_on: date_text(started_on),
            ended_on: None,
            note: note.trim().to_string(),
        };
        insert_partnership(&mut tx, t, &p).await?;
        append(
            &mut tx,
            self.p,
            Change {
                action: "create",
                entity_type: "partnership",
                entity_id: id.to_string(),
                org_id: Some(org_id),
                before: None,
                after: Some(serde_json::to_value(&p).unwrap_or_default()),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(p)
    }
}

pub(crate) fn alert_state(settings: &Settings, term: &Term, today: NaiveDate) -> (String, i64) {
    match TermAlert::of(settings, parse_date(&term.due_on), today) {
        TermAlert::Current { days_left } => ("current".into(), days_left),
        TermAlert::DueSoon { days_left } => ("due_soon".into(), days_left),
        TermAlert::Overdue { days_over } => ("overdue".into(), days_over),
    }
}

fn term_from(r: &Row) -> StoreResult<Term> {
    Ok(Term {
        id: r.try_get(0)?,
        org_id: r.try_get(1)?,
        number: r.try_get(2)?,
        started_on: r.try_get(3)?,
        due_on: r.try_get(4)?,
        ended_on: r.try_get(5)?,
        doc_no: r.try_get(6)?,
    })
}

fn partnership_from(r: &Row) -> StoreResult<Partnership> {
    Ok(Partnership {
        id: r.try_get(0)?,
        org_id: r.try_get(1)?,
        partner_org_id: r.try_get(2)?,
        partner_name: r.try_get(3)?,
        partner_kind: r.try_get(4)?,
        started_on: r.try_get(5)?,
        ended_on: r.try_get(6)?,
        note: r.try_get(7)?,
    })
}

pub(crate) async fn insert_term(tx: &mut WriteTx, t: i64, term: &Term) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO terms (tenant_id, id, org_id, number, started_on, due_on, ended_on, doc_no, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(t)
    .bind(term.id)
    .bind(term.org_id)
    .bind(term.number)
    .bind(&term.started_on)
    .bind(&term.due_on)
    .bind(&term.ended_on)
    .bind(&term.doc_no)
    .bind(crate::now_text())
    .execute(tx.conn())
    .await?;
    Ok(())
}

pub(crate) async fn insert_partnership(tx: &mut WriteTx, t: i64, p: &Partnership) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO partnerships (tenant_id, id, org_id, partner_org_id, partner_name, partner_kind, started_on, ended_on, note, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(t)
    .bind(p.id)
    .bind(p.org_id)
    .bind(p.partner_org_id)
    .bind(&p.partner_name)
    .bind(&p.partner_kind)
    .bind(&p.started_on)
    .bind(&p.ended_on)
    .bind(&p.note)
    .bind(crate::now_text())
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Unscoped org reads for the command line.
impl crate::db::System<'_> {
    pub async fn org(&self, id: i64) -> StoreResult<Org> {
        let sql = format!("SELECT {ORG_COLS} FROM orgs WHERE tenant_id = $1 AND id = $2");
        let row = self.db.read_opt(&sql, crate::args![self.tenant_id, id]).await?;
        org_from(&row.ok_or(StoreError::NotFound)?)
    }

    /// Creates a root org (no parent): the first step of a new deployment.
    pub async fn create_root(&self, kind: OrgKind, name: &str, established_on: NaiveDate) -> StoreResult<Org> {
        let name = dorg::validate_name(name).map_err(|c| StoreError::field("name", c))?;
        let mut tx = self.db.begin_write().await?;
        let id = next_ids(&mut tx, self.tenant_id, "orgs", 1).await?;
        insert_org(
            &mut tx,
            self.tenant_id,
            id,
            None,
            &NewOrgRow { kind, name: &name, overseas: false, established_on, dissolved_on: None, doc_no: "" },
            None,
        )
        .await?;
        let p = self.cli_principal();
        let org = Org {
            id,
            parent_id: None,
            kind: kind.as_str().into(),
            name,
            overseas: false,
            established_on: date_text(established_on),
            dissolved_on: None,
            depth: 0,
        };
        append(
            &mut tx,
            &p,
            Change {
                action: "establish",
                entity_type: "org",
                entity_id: id.to_string(),
                org_id: Some(id),
                before: None,
                after: Some(org_json(&org)),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(org)
    }

    /// Recomputes every stored people count (see [`rebuild_people_counts`]).
    pub async fn rebuild_people_counts(&self) -> StoreResult<()> {
        let mut tx = self.db.begin_write().await?;
        rebuild_people_counts(tx.conn(), self.tenant_id).await?;
        tx.commit().await
    }

    pub async fn org_count(&self) -> StoreResult<i64> {
        self.db
            .read_one("SELECT COUNT(*) FROM orgs WHERE tenant_id = $1", crate::args![self.tenant_id])
            .await?
            .try_get(0)
    }
}
