//! The all-or-nothing roster import.
//!
//! `dangjian_excel::parse` has already checked every cell; here each row's
//! branch and cell are resolved inside the target org's subtree and each ID
//! number is checked against the tenant. Rows whose person already exists in
//! the subtree update that person (so an exported roster, edited, imports
//! back); a number registered elsewhere in the tenant is a duplicate. If any
//! row is bad, every bad row is reported and nothing is written. Otherwise
//! all rows are written in one transaction, with one audit entry per person.

use std::collections::HashMap;

use dangjian_domain::org::OrgKind;
use dangjian_domain::role::Action;
use dangjian_domain::Code;
use dangjian_excel::{RosterRow, RowError};
use serde::Serialize;
use sqlx::Row;
use utoipa::ToSchema;

use crate::audit::{append_many, Change};
use crate::db::next_ids;
use crate::error::{StoreError, StoreResult};
use crate::orgs::add_people;
use crate::people::{audit_json, bind_person, ValidPerson, INSERT_ARITY, INSERT_COLS};
use crate::scope::Scoped;

#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct ImportSummary {
    pub rows: usize,
    pub created: usize,
    pub updated: usize,
}

const COL_BRANCH: &str = "所在党支部";
const COL_CELL: &str = "所在党小组";
const COL_ID: &str = "身份证号码";

/// Names the active orgs (branches, for rosters) of a subtree by their path: `支部`, or
/// `上级/支部`, `上上级/上级/支部` … when a shorter form is ambiguous. The
/// import resolves what people wrote; the export writes each branch's
/// shortest unambiguous form, so an exported file imports back.
pub(crate) struct OrgPaths {
    by_suffix: HashMap<String, Vec<i64>>,
    labels: HashMap<i64, String>,
}

impl OrgPaths {
    /// Active branches of the subtree of `root` (`orgs` as `Scoped::subtree` returns it).
    pub(crate) fn branches(orgs: &[crate::orgs::Org], root: i64) -> OrgPaths {
        OrgPaths::new(orgs, root, |o| o.kind() == OrgKind::Branch)
    }

    /// Every active org of the subtree that `keep` accepts.
    pub(crate) fn new(orgs: &[crate::orgs::Org], root: i64, keep: impl Fn(&crate::orgs::Org) -> bool) -> OrgPaths {
        let nodes: HashMap<i64, (&str, Option<i64>)> =
            orgs.iter().map(|o| (o.id, (o.name.as_str(), o.parent_id))).collect();
        let mut chains: Vec<(i64, Vec<&str>)> = Vec::new();
        for o in orgs.iter().filter(|o| o.dissolved_on.is_none() && keep(o)) {
            // Names from the branch up to `root`, nearest first.
            let mut chain = vec![o.name.as_str()];
            let mut cur = if o.id == root { None } else { o.parent_id };
            while let Some(id) = cur {
                let Some((name, parent)) = nodes.get(&id) else { break };
                chain.push(name);
                cur = if id == root { None } else { *parent };
            }
            chains.push((o.id, chain));
        }
        let mut by_suffix: HashMap<String, Vec<i64>> = HashMap::new();
        for (id, chain) in &chains {
            for k in 1..=chain.len() {
                by_suffix.entry(suffix(chain, k)).or_default().push(*id);
            }
        }
        let labels = chains
            .iter()
            .map(|(id, chain)| {
                let label = (1..=chain.len())
                    .map(|k| suffix(chain, k))
                    .find(|s| by_suffix.get(s).is_some_and(|ids| ids.len() == 1))
                    .unwrap_or_else(|| suffix(chain, chain.len()));
                (*id, label)
            })
            .collect();
        OrgPaths { by_suffix, labels }
    }

    /// Exactly one match, or the reason there is none: an ambiguous name is
    /// reported, never guessed.
    pub(crate) fn resolve(&self, text: &str) -> Result<i64, Code> {
        let t: String = text.trim().replace('／', "/").split('/').map(str::trim).collect::<Vec<_>>().join("/");
        match self.by_suffix.get(&t).map(Vec::as_slice) {
            Some([one]) => Ok(*one),
            Some([_, _, ..]) => Err(Code::AmbiguousOrg),
            _ => Err(Code::UnknownOrg),
        }
    }

    /// The shortest form that names only this branch.
    pub(crate) fn label(&self, id: i64) -> Option<&str> {
        self.labels.get(&id).map(String::as_str)
    }
}

/// The last `k` names of a nearest-first chain, written top-down with `/`.
fn suffix(chain: &[&str], k: usize) -> String {
    chain[..k].iter().rev().copied().collect::<Vec<_>>().join("/")
}

/// Cells by (branch, name).
fn cells_of(orgs: &[crate::orgs::Org]) -> HashMap<(i64, String), i64> {
    orgs.iter()
        .filter(|o| o.dissolved_on.is_none() && o.kind() == OrgKind::Cell)
        .filter_map(|o| Some(((o.parent_id?, o.name.clone()), o.id)))
        .collect()
}

fn err(row: usize, column: &str, code: Code, value: &str) -> RowError {
    RowError { row, column: column.to_string(), code, value: value.chars().take(60).collect() }
}

impl Scoped<'_> {
    /// Imports parsed rows into `org_id`'s subtree. See the module docs.
    pub async fn import_roster(&self, org_id: i64, rows: Vec<RosterRow>) -> StoreResult<ImportSummary> {
        self.require(Action::WritePeople, org_id).await?;
        let started = std::time::Instant::now();
        let t = self.p.tenant_id;
        let subtree = self.subtree(org_id).await?;
        let paths = OrgPaths::branches(&subtree, org_id);
        let cells = cells_of(&subtree);
        let in_subtree: std::collections::HashSet<i64> = subtree.iter().map(|o| o.id).collect();
        let mut errors = Vec::new();
        let mut placed = Vec::with_capacity(rows.len());
        for r in &rows {
            let branch = match paths.resolve(&r.branch) {
                Ok(b) => b,
                Err(code) => {
                    errors.push(err(r.row, COL_BRANCH, code, &r.branch));
                    continue;
                }
            };
            let cell = match r.cell.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
                None => None,
                Some(c) => match cells.get(&(branch, c.to_string())) {
                    Some(id) => Some(*id),
                    None => {
                        errors.push(err(r.row, COL_CELL, Code::UnknownOrg, c));
                        continue;
                    }
                },
            };
            placed.push((branch, cell));
        }
        // Existing people with these numbers: hash → (person id, org id).
        let hashes: Vec<String> = rows.iter().map(|r| self.db.crypto.blind_index(r.id_number.as_str())).collect();
        let mut existing: HashMap<String, (i64, i64)> = HashMap::new();
        for chunk in hashes.chunks(500) {
            let list = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect::<Vec<_>>().join(",");
            let sql = format!(
                "SELECT id_number_hash, id, org_id FROM people WHERE tenant_id = $1 AND id_number_hash IN ({list})"
            );
            let mut q = sqlx::query(&sql).bind(t);
            for h in chunk {
                q = q.bind(h.clone());
            }
            for row in q.fetch_all(&self.db.pool).await? {
                existing.insert(row.try_get(0)?, (row.try_get(1)?, row.try_get(2)?));
            }
        }
        for (r, h) in rows.iter().zip(&hashes) {
            if let Some((_, org)) = existing.get(h) {
                if !in_subtree.contains(org) {
                    errors.push(err(r.row, COL_ID, Code::IdNumberDuplicate, &r.id_number.masked()));
                }
            }
        }
        tracing::debug!(elapsed = ?started.elapsed(), rows = rows.len(), "import: rows resolved and checked");
        if !errors.is_empty() {
            errors.sort_by_key(|e| e.row);
            return Err(StoreError::ImportRows(errors));
        }

        let valid: Vec<(ValidPerson, Option<i64>)> = rows
            .into_iter()
            .zip(placed)
            .zip(&hashes)
            .map(|((r, (branch, cell)), h)| {
                (
                    ValidPerson {
                        org_id: branch,
                        cell_id: cell,
                        name: r.name,
                        gender: r.gender,
                        id_number: r.id_number,
                        phone: r.phone,
                        status: r.status,
                        dates: r.dates,
                        work_unit: r.work_unit.unwrap_or_default(),
                        position: r.position.unwrap_or_default(),
                        talent_pool: r.talent_pool,
                        workers_representative: r.workers_representative,
                    },
                    existing.get(h).map(|(id, _)| *id),
                )
            })
            .collect();
        let new_count = valid.iter().filter(|(_, e)| e.is_none()).count();
        let mut tx = self.db.begin_write().await?;
        let mut next = if new_count > 0 { next_ids(&mut tx, t, "people", new_count as i64).await? } else { 0 };
        let now = crate::now_text();
        let mut changes = Vec::with_capacity(valid.len());
        let mut created = 0;
        let mut updated = 0;
        let new_rows: Vec<(i64, &ValidPerson)> = valid
            .iter()
            .filter(|(_, e)| e.is_none())
            .map(|(v, _)| {
                let id = next;
                next += 1;
                (id, v)
            })
            .collect();
        const CHUNK: usize = 400;
        for chunk in new_rows.chunks(CHUNK) {
            let sql = format!(
                "INSERT INTO people ({INSERT_COLS}) VALUES {}",
                tx.values_placeholders(chunk.len(), INSERT_ARITY)
            );
            let mut q = sqlx::query(&sql);
            for (id, v) in chunk {
                q = bind_person(q, &self.db.crypto, t, *id, v, &now);
            }
            q.execute(tx.conn()).await.map_err(|e| crate::error::on_unique(e, Code::IdNumberDuplicate))?;
            for (id, v) in chunk {
                created += 1;
                changes.push(Change {
                    action: "import",
                    entity_type: "person",
                    entity_id: id.to_string(),
                    org_id: Some(v.org_id),
                    before: None,
                    after: Some(audit_json(v)),
                });
            }
        }
        tracing::debug!(elapsed = ?started.elapsed(), created, "import: new people inserted");
        // Stored people counts: new people count where they are registered; an
        // updated person moves from where the database has them now (read in
        // this transaction, locked on PostgreSQL) to the last row naming them.
        let mut deltas: HashMap<(i64, Option<i64>), i64> = HashMap::new();
        for (_, v) in &new_rows {
            *deltas.entry((v.org_id, v.cell_id)).or_default() += 1;
        }
        let to: HashMap<i64, (i64, Option<i64>)> =
            valid.iter().filter_map(|(v, e)| e.map(|id| (id, (v.org_id, v.cell_id)))).collect();
        let ids: Vec<i64> = to.keys().copied().collect();
        let lock = if tx.backend == crate::Backend::Postgres { " FOR UPDATE" } else { "" };
        for chunk in ids.chunks(500) {
            let list = chunk.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
            let sql = format!("SELECT id, org_id, cell_id FROM people WHERE tenant_id = $1 AND id IN ({list}){lock}");
            for r in sqlx::query(&sql).bind(t).fetch_all(tx.conn()).await? {
                let (id, from): (i64, (i64, Option<i64>)) = (r.try_get(0)?, (r.try_get(1)?, r.try_get(2)?));
                if from != to[&id] {
                    *deltas.entry(from).or_default() -= 1;
                    *deltas.entry(to[&id]).or_default() += 1;
                }
            }
        }
        add_people(&mut tx, t, &deltas).await?;
        for (v, id) in valid.iter().filter_map(|(v, e)| e.map(|id| (v, id))) {
            let c = &self.db.crypto;
            sqlx::query(
                "UPDATE people SET org_id = $3, cell_id = $4, name = $5, gender = $6, phone_enc = $7, phone_masked = $8, status = $9, \
                 applied_on = $10, activist_on = $11, candidate_on = $12, probationary_on = $13, full_on = $14, work_unit = $15, \
                 position = $16, talent_pool = $17, workers_representative = $18, version = version + 1, updated_at = $19 \
                 WHERE tenant_id = $1 AND id = $2",
            )
            .bind(t)
            .bind(id)
            .bind(v.org_id)
            .bind(v.cell_id)
            .bind(&v.name)
            .bind(v.gender.as_str())
            .bind(v.phone.as_deref().map(|p| c.encrypt(p)))
            .bind(v.phone.as_deref().map(dangjian_domain::phone::mask))
            .bind(v.status.as_str())
            .bind(v.dates.applied_on.map(|d| d.to_string()))
            .bind(v.dates.activist_on.map(|d| d.to_string()))
            .bind(v.dates.candidate_on.map(|d| d.to_string()))
            .bind(v.dates.probationary_on.map(|d| d.to_string()))
            .bind(v.dates.full_on.map(|d| d.to_string()))
            .bind(&v.work_unit)
            .bind(&v.position)
            .bind(v.talent_pool.map(|p| p.as_str()))
            .bind(i64::from(v.workers_representative))
            .bind(&now)
            .execute(tx.conn())
            .await?;
            updated += 1;
            changes.push(Change {
                action: "import_update",
                entity_type: "person",
                entity_id: id.to_string(),
                org_id: Some(v.org_id),
                before: None,
                after: Some(audit_json(v)),
            });
        }
        tracing::debug!(elapsed = ?started.elapsed(), updated, "import: existing people updated");
        append_many(&mut tx, self.p, changes).await?;
        tracing::debug!(elapsed = ?started.elapsed(), "import: audit entries appended");
        tx.commit().await?;
        // The memoized lineages carry people counts.
        self.forget_ancestry();
        tracing::debug!(elapsed = ?started.elapsed(), "import: committed");
        Ok(ImportSummary { rows: created + updated, created, updated })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::orgs::Org;

    fn org(id: i64, parent: Option<i64>, kind: OrgKind, name: &str) -> Org {
        Org {
            id,
            parent_id: parent,
            kind: kind.as_str().into(),
            name: name.into(),
            overseas: false,
            established_on: "2000-01-01".into(),
            dissolved_on: None,
            depth: 0,
        }
    }

    #[test]
    fn shortest_unique_paths_resolve_and_label() {
        use OrgKind::*;
        // Two enterprises each with a plant of the same name, each with a branch of the same name.
        let orgs = vec![
            org(1, None, Committee, "股份"),
            org(2, Some(1), Committee, "包头"),
            org(3, Some(1), Committee, "云铝"),
            org(4, Some(2), Committee, "电解一厂"),
            org(5, Some(3), Committee, "电解一厂"),
            org(6, Some(4), Branch, "综合党支部"),
            org(7, Some(5), Branch, "综合党支部"),
            org(8, Some(4), Branch, "运行党支部"),
            org(9, Some(2), Branch, "机关党支部"),
        ];
        let p = OrgPaths::branches(&orgs, 1);
        assert_eq!(p.resolve("运行党支部"), Ok(8));
        assert_eq!(p.resolve("综合党支部"), Err(Code::AmbiguousOrg));
        assert_eq!(p.resolve("电解一厂/综合党支部"), Err(Code::AmbiguousOrg));
        assert_eq!(p.resolve("包头/电解一厂/综合党支部"), Ok(6));
        assert_eq!(p.resolve(" 云铝 ／ 电解一厂/综合党支部 "), Ok(7));
        assert_eq!(p.resolve("股份/云铝/电解一厂/综合党支部"), Ok(7));
        assert_eq!(p.resolve("包头/综合党支部"), Err(Code::UnknownOrg), "a path is consecutive names");
        assert_eq!(p.resolve("不存在"), Err(Code::UnknownOrg));
        assert_eq!(p.label(6), Some("包头/电解一厂/综合党支部"));
        assert_eq!(p.label(8), Some("运行党支部"));
        // Every label resolves back to its branch.
        for id in [6, 7, 8, 9] {
            assert_eq!(p.resolve(p.label(id).unwrap()), Ok(id));
        }
        // Paths stop at the import's target: from 包头 down, 综合党支部 is unique.
        let sub: Vec<Org> = orgs.iter().filter(|o| [2, 4, 6, 8, 9].contains(&o.id)).cloned().collect();
        assert_eq!(OrgPaths::branches(&sub, 2).resolve("综合党支部"), Ok(6));
    }
}
