//! Loads the demo group (`dangjian serve --demo`) into an empty database.
//!
//! The demo generator describes the group as it stands today plus the
//! history that led there; this writes today's rows and every event, so the
//! as-of view replays to the founding tree.

use chrono::NaiveDate;
use dangjian_demo::DemoGroup;
use dangjian_domain::id_number;
use dangjian_domain::org::OrgEventKind;
use serde_json::json;

use crate::audit::{append, Change};
use crate::db::{next_ids, System};
use crate::error::{StoreError, StoreResult};
use crate::orgs::{insert_event, insert_partnership, insert_term, EventRow, Partnership, Term};
use crate::people::{bind_person, ValidPerson, INSERT_ARITY, INSERT_COLS};

fn date_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// What was loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loaded {
    pub orgs: usize,
    pub people: usize,
    pub events: usize,
}

impl System<'_> {
    /// Loads `group` if the tenant has no orgs yet; returns `None` otherwise.
    pub async fn load_demo(&self, group: &DemoGroup) -> StoreResult<Option<Loaded>> {
        if self.org_count().await? > 0 {
            return Ok(None);
        }
        let t = self.tenant_id;
        let settings = crate::orgs::load_settings(&self.db.pool, t).await?;
        let mut tx = self.db.begin_write().await?;
        let now = crate::now_text();
        let first_org = next_ids(&mut tx, t, "orgs", group.orgs.len() as i64).await?;
        let org_id = |key: usize| first_org + key as i64;
        let mut depth = vec![0i64; group.orgs.len()];
        for o in &group.orgs {
            if let Some(p) = o.parent {
                depth[o.key] = depth[p] + 1;
            }
            sqlx::query(
                "INSERT INTO orgs (tenant_id, id, parent_id, kind, name, overseas, established_on, dissolved_on, depth, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)",
            )
            .bind(t)
            .bind(org_id(o.key))
            .bind(o.parent.map(org_id))
            .bind(o.kind.as_str())
            .bind(&o.name)
            .bind(i64::from(o.overseas))
            .bind(date_text(o.established_on))
            .bind(o.dissolved_on.map(date_text))
            .bind(depth[o.key])
            .bind(&now)
            .execute(tx.conn())
            .await?;
            if let Some(p) = o.parent {
                sqlx::query(
                    "INSERT INTO org_closure (tenant_id, ancestor_id, descendant_id, depth) \
                     SELECT tenant_id, ancestor_id, $2, depth + 1 FROM org_closure WHERE tenant_id = $1 AND descendant_id = $3",
                )
                .bind(t)
                .bind(org_id(o.key))
                .bind(org_id(p))
                .execute(tx.conn())
                .await?;
            }
            sqlx::query(
                "INSERT INTO org_closure (tenant_id, ancestor_id, descendant_id, depth) VALUES ($1, $2, $2, 0)",
            )
            .bind(t)
            .bind(org_id(o.key))
            .execute(tx.conn())
            .await?;
        }
        // History: each org's founding, then the later events in date order.
        let mut events = 0;
        for o in &group.orgs {
            let (name, parent) = group.founding(o.key);
            let ev = next_ids(&mut tx, t, "org_events", 1).await?;
            insert_event(
                &mut tx,
                t,
                ev,
                &EventRow {
                    org_id: org_id(o.key),
                    kind: OrgEventKind::Establish,
                    effective_on: o.established_on,
                    doc_no: &o.establish_doc_no,
                    org_kind: Some(o.kind),
                    old_name: None,
                    new_name: Some(name),
                    old_parent_id: None,
                    new_parent_id: parent.map(org_id),
                    merged_into_id: None,
                    note: "",
                },
                None,
            )
            .await?;
            events += 1;
        }
        let mut later: Vec<_> = group.events.iter().collect();
        later.sort_by_key(|e| e.effective_on);
        for e in later {
            let ev = next_ids(&mut tx, t, "org_events", 1).await?;
            insert_event(
                &mut tx,
                t,
                ev,
                &EventRow {
                    org_id: org_id(e.org),
                    kind: e.kind,
                    effective_on: e.effective_on,
                    doc_no: &e.doc_no,
                    org_kind: None,
                    old_name: e.old_name.as_deref(),
                    new_name: e.name.as_deref(),
                    old_parent_id: e.old_parent.map(org_id),
                    new_parent_id: e.parent.map(org_id),
                    merged_into_id: e.merged_into.map(org_id),
                    note: &e.note,
                },
                None,
            )
            .await?;
            events += 1;
        }
        // People, in bulk.
        let first_person = next_ids(&mut tx, t, "people", group.people.len() as i64).await?;
        let valid: Vec<ValidPerson> = group
            .people
            .iter()
            .map(|p| {
                Ok(ValidPerson {
                    org_id: org_id(p.org),
                    cell_id: p.cell.map(org_id),
                    name: p.name.clone(),
                    gender: p.gender,
                    id_number: id_number::parse(&p.id_number)
                        .map_err(|c| StoreError::Internal(format!("demo id number: {c:?}")))?,
                    phone: Some(p.phone.clone()),
                    status: p.status,
                    dates: p.dates.clone(),
                    work_unit: p.work_unit.clone(),
                    position: p.position.clone(),
                    talent_pool: p.talent_pool,
                    workers_representative: p.workers_representative,
                })
            })
            .collect::<StoreResult<_>>()?;
        for (chunk_no, chunk) in valid.chunks(400).enumerate() {
            let sql = format!(
                "INSERT INTO people ({INSERT_COLS}) VALUES {}",
                tx.values_placeholders(chunk.len(), INSERT_ARITY)
            );
            let mut q = sqlx::query(&sql);
            for (i, v) in chunk.iter().enumerate() {
                q = bind_person(q, &self.db.crypto, t, first_person + (chunk_no * 400 + i) as i64, v, &now);
            }
            q.execute(tx.conn()).await?;
        }
        let first_term = next_ids(&mut tx, t, "terms", group.terms.len() as i64).await?;
        for (i, term) in group.terms.iter().enumerate() {
            let kind = group.orgs[term.org].kind;
            let due = dangjian_domain::term::due_date(&settings, kind, term.started_on).unwrap_or(term.started_on);
            insert_term(
                &mut tx,
                t,
                &Term {
                    id: first_term + i as i64,
                    org_id: org_id(term.org),
                    number: i64::from(term.number),
                    started_on: date_text(term.started_on),
                    due_on: date_text(due),
                    ended_on: None,
                    doc_no: term.doc_no.clone(),
                },
            )
            .await?;
        }
        let first_holder = next_ids(&mut tx, t, "office_holders", group.office_holders.len() as i64).await?;
        for (i, h) in group.office_holders.iter().enumerate() {
            sqlx::query(
                "INSERT INTO office_holders (tenant_id, id, org_id, person_id, position, started_on, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(t)
            .bind(first_holder + i as i64)
            .bind(org_id(h.org))
            .bind(first_person + h.person as i64)
            .bind(h.position)
            .bind(date_text(h.started_on))
            .bind(&now)
            .execute(tx.conn())
            .await?;
        }
        let first_partner = next_ids(&mut tx, t, "partnerships", group.partnerships.len() as i64).await?;
        for (i, p) in group.partnerships.iter().enumerate() {
            insert_partnership(
                &mut tx,
                t,
                &Partnership {
                    id: first_partner + i as i64,
                    org_id: org_id(p.org),
                    partner_org_id: p.partner_org.map(org_id),
                    partner_name: p.partner_name.clone(),
                    partner_kind: p.partner_kind.into(),
                    started_on: date_text(p.started_on),
                    ended_on: None,
                    note: p.note.clone(),
                },
            )
            .await?;
        }
        let loaded = Loaded { orgs: group.orgs.len(), people: group.people.len(), events };
        append(
            &mut tx,
            &self.cli_principal(),
            Change {
                action: "load_demo",
                entity_type: "tenant",
                entity_id: t.to_string(),
                org_id: None,
                before: None,
                after: Some(json!({"orgs": loaded.orgs, "people": loaded.people, "events": loaded.events})),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Some(loaded))
    }
}
