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

/// Finds branches by name, or by `上级/支部` when a name repeats.
struct Resolver {
    by_name: HashMap<String, Vec<i64>>,
    by_path: HashMap<String, Vec<i64>>,
    cells: HashMap<(i64, String), i64>,
}

impl Resolver {
    fn new(orgs: &[crate::orgs::Org]) -> Resolver {
        let names: HashMap<i64, &str> = orgs.iter().map(|o| (o.id, o.name.as_str())).collect();
        let mut by_name: HashMap<String, Vec<i64>> = HashMap::new();
        let mut by_path: HashMap<String, Vec<i64>> = HashMap::new();
        let mut cells = HashMap::new();
        for o in orgs.iter().filter(|o| o.dissolved_on.is_none()) {
            match o.kind() {
                OrgKind::Branch => {
                    by_name.entry(o.name.clone()).or_default().push(o.id);
                    if let Some(parent) = o.parent_id.and_then(|p| names.get(&p)) {
                        by_path.entry(format!("{parent}/{}", o.name)).or_default().push(o.id);
                    }
                }
                OrgKind::Cell => {
                    if let Some(p) = o.parent_id {
                        cells.insert((p, o.name.clone()), o.id);
                    }
                }
                _ => {}
            }
        }
        Resolver { by_name, by_path, cells }
    }

    /// Exactly one match, or the reason there is none: an ambiguous name is
    /// reported, never guessed.
    fn branch(&self, text: &str) -> Result<i64, Code> {
        let t = text.trim().replace('／', "/");
        let ids = if t.contains('/') { self.by_path.get(&t) } else { self.by_name.get(&t) };
        match ids.map(Vec::as_slice) {
            Some([one]) => Ok(*one),
            Some([_, _, ..]) => Err(Code::AmbiguousOrg),
            _ => Err(Code::UnknownOrg),
        }
    }
}

fn err(row: usize, column: &str, code: Code, value: &str) -> RowError {
    RowError { row, column: column.to_string(), code, value: value.chars().take(60).collect() }
}

impl Scoped<'_> {
    /// Imports parsed rows into `org_id`'s subtree. See the module docs.
    pub async fn import_roster(&self, org_id: i64, rows: Vec<RosterRow>) -> StoreResult<ImportSummary> {
        self.require(Action::WritePeople, org_id).await?;
        let t = self.p.tenant_id;
        let subtree = self.subtree(org_id).await?;
        let resolver = Resolver::new(&subtree);
        let in_subtree: std::collections::HashSet<i64> = subtree.iter().map(|o| o.id).collect();
        let mut errors = Vec::new();
        let mut placed = Vec::with_capacity(rows.len());
        for r in &rows {
            let branch = match resolver.branch(&r.branch) {
                Ok(b) => b,
                Err(code) => {
                    errors.push(err(r.row, COL_BRANCH, code, &r.branch));
                    continue;
                }
            };
            let cell = match r.cell.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
                None => None,
                Some(c) => match resolver.cells.get(&(branch, c.to_string())) {
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
            let mut sql = format!("INSERT INTO people ({INSERT_COLS}) VALUES ");
            for i in 0..chunk.len() {
                if i > 0 {
                    sql.push(',');
                }
                let base = i * INSERT_ARITY;
                sql.push('(');
                sql.push_str(&(1..=INSERT_ARITY).map(|k| format!("${}", base + k)).collect::<Vec<_>>().join(","));
                sql.push(')');
            }
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
        append_many(&mut tx, self.p, changes).await?;
        tx.commit().await?;
        Ok(ImportSummary { rows: created + updated, created, updated })
    }
}
