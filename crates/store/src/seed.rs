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

/// What the work-system demo made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadedWork {
    pub frameworks: usize,
    pub lists: usize,
    pub tasks: usize,
    pub notices: usize,
}

impl System<'_> {
    /// Demo work systems on top of the demo group: the seeds' three
    /// frameworks, seed 000's inspection ledger of 161 measures spread over
    /// 中铝股份's branches in every state (closed, returned, under review,
    /// overdue), and an annual task tree for 东轻 linked to 113344's elements.
    /// Deterministic for a given `today`; does nothing if lists exist.
    pub async fn load_demo_work(&self, today: NaiveDate) -> StoreResult<Option<LoadedWork>> {
        use crate::tasks::{NewList, TaskInput};
        use dangjian_domain::task::ListKind;
        use sqlx::Row;
        let t = self.tenant_id;
        let lists: i64 = sqlx::query("SELECT COUNT(*) FROM task_lists WHERE tenant_id = $1")
            .bind(t)
            .fetch_one(&self.db.pool)
            .await?
            .try_get(0)?;
        if lists > 0 {
            return Ok(None);
        }
        let by_name = |name: &'static str| async move {
            sqlx::query(
                "SELECT id FROM orgs WHERE tenant_id = $1 AND name = $2 AND dissolved_on IS NULL ORDER BY id LIMIT 1",
            )
            .bind(t)
            .bind(name)
            .fetch_optional(&self.db.pool)
            .await?
            .map(|r| r.try_get::<i64, _>(0))
            .transpose()
            .map_err(StoreError::from)
        };
        let (Some(chalco), Some(dongqing), Some(xinan)) = (
            by_name("中国铝业股份有限公司党委").await?,
            by_name("东北轻合金有限责任公司党委").await?,
            by_name("西南铝业（集团）有限责任公司党委").await?,
        ) else {
            return Ok(None);
        };
        let admin = self.cli_principal();
        let s = self.db.scoped(&admin);
        let f1 = s.create_framework_from_template(chalco, "sqiang_liangchuang", 2025).await?;
        s.copy_framework(f1.id, 2026).await?;
        let f2 = s.create_framework_from_template(dongqing, "113344", 2025).await?;
        s.create_framework_from_template(xinan, "1234n", 2025).await?;

        // Seed 000: 巡视整改 161条措施, closed by the seven-step method.
        let ledger = s
            .create_list(&NewList {
                org_id: chalco,
                kind: ListKind::Rectification,
                name: "集团党组巡视反馈问题整改台账".into(),
                year: Some(2025),
                source: "集团党组第一巡视组反馈意见".into(),
                procedure_id: None,
                framework_id: Some(f1.id),
            })
            .await?;
        let branches: Vec<i64> = sqlx::query(
            "SELECT o.id FROM orgs o WHERE o.tenant_id = $1 AND o.kind = 'branch' AND o.dissolved_on IS NULL \
             AND o.id IN (SELECT descendant_id FROM org_closure WHERE tenant_id = $1 AND ancestor_id = $2) ORDER BY o.id",
        )
        .bind(t)
        .bind(chalco)
        .fetch_all(&self.db.pool)
        .await?
        .iter()
        .map(|r| r.try_get(0))
        .collect::<Result<_, _>>()?;
        if branches.is_empty() {
            return Ok(None);
        }
        let elements: Vec<(i64, String)> =
            s.framework(f1.id).await?.elements.into_iter().map(|e| (e.id, e.name)).collect();
        let categories = ["政治建设", "思想建设", "组织建设", "作风建设", "纪律建设", "制度建设"];
        let mut ids = Vec::new();
        for i in 0..161usize {
            let due = today - chrono::Duration::days(400) + chrono::Duration::days((i as i64 * 5) % 520);
            let task = s
                .create_task(
                    ledger.id,
                    &TaskInput {
                        seq: (i + 1).to_string(),
                        category: categories[i % categories.len()].into(),
                        title: format!("巡视反馈问题{}：{}方面存在不足", i / 4 + 1, categories[i % categories.len()]),
                        measure: format!("第{}条整改措施：制定方案、明确责任、限期完成", i + 1),
                        element_id: Some(elements[i % elements.len()].0),
                        org_id: branches[(i * 7) % branches.len()],
                        person: ["支部书记", "支部副书记", "组织委员"][i % 3].into(),
                        due_on: Some(due.to_string()),
                        ..Default::default()
                    },
                )
                .await?;
            ids.push((task.id, due));
        }
        // Final states without replaying every step: closed (most, on or before the
        // due date), returned once and in rework, under review, in progress.
        let mut tx = self.db.begin_write().await?;
        for (n, (id, due)) in ids.iter().enumerate() {
            let (status, round, step, progress, closed_on) = match n % 10 {
                0..=5 if *due <= today => {
                    ("closed", 1, None, 100.0, Some((*due - chrono::Duration::days(3)).to_string()))
                }
                6 => ("in_progress", 2, None, 60.0, None),
                7 => ("under_review", 1, Some(2i64), 90.0, None),
                _ => ("in_progress", 1, None, 40.0, None),
            };
            sqlx::query("UPDATE tasks SET status = $3, round = $4, step = $5, progress = $6, closed_on = $7 WHERE tenant_id = $1 AND id = $2")
                .bind(t)
                .bind(id)
                .bind(status)
                .bind(round)
                .bind(step)
                .bind(progress)
                .bind(closed_on)
                .execute(tx.conn())
                .await?;
        }
        tx.commit().await?;

        // 东轻: 重大事项 → 年度指标 → 具体实施, one chain per 113344 element.
        let plan = s
            .create_list(&NewList {
                org_id: dongqing,
                kind: ListKind::Task,
                name: format!("{}年党建工作任务清单", today.format("%Y")),
                year: Some(today.format("%Y").to_string().parse().unwrap_or(2026)),
                source: "东轻党委".into(),
                procedure_id: None,
                framework_id: Some(f2.id),
            })
            .await?;
        let dq_branches: Vec<i64> = sqlx::query(
            "SELECT o.id FROM orgs o WHERE o.tenant_id = $1 AND o.kind = 'branch' AND o.dissolved_on IS NULL \
             AND o.id IN (SELECT descendant_id FROM org_closure WHERE tenant_id = $1 AND ancestor_id = $2) ORDER BY o.id",
        )
        .bind(t)
        .bind(dongqing)
        .fetch_all(&self.db.pool)
        .await?
        .iter()
        .map(|r| r.try_get(0))
        .collect::<Result<_, _>>()?;
        let tops: Vec<(i64, String)> = s
            .framework(f2.id)
            .await?
            .elements
            .into_iter()
            .filter(|e| e.parent_id.is_none())
            .map(|e| (e.id, e.name))
            .collect();
        let mut plan_tasks = 0;
        for (k, (element, name)) in tops.iter().enumerate() {
            let year_end = NaiveDate::from_ymd_opt(today.format("%Y").to_string().parse().unwrap_or(2026), 12, 31)
                .unwrap_or(today);
            let major = s
                .create_task(
                    plan.id,
                    &TaskInput {
                        level: Some("major_item".into()),
                        title: format!("{name}重点工作"),
                        element_id: Some(*element),
                        org_id: dongqing,
                        due_on: Some(year_end.to_string()),
                        ..Default::default()
                    },
                )
                .await?;
            for j in 0..2 {
                let target = s
                    .create_task(
                        plan.id,
                        &TaskInput {
                            parent_id: Some(major.id),
                            level: Some("annual_target".into()),
                            title: format!("{name}年度指标{}", j + 1),
                            element_id: Some(*element),
                            org_id: dongqing,
                            weight: Some(if j == 0 { 2.0 } else { 1.0 }),
                            due_on: Some(year_end.to_string()),
                            ..Default::default()
                        },
                    )
                    .await?;
                for m in 0..2 {
                    let org =
                        dq_branches.get((k * 4 + j * 2 + m) % dq_branches.len().max(1)).copied().unwrap_or(dongqing);
                    let due = today + chrono::Duration::days(((k + j + m) as i64 * 17) % 90 - 30);
                    let leaf = s
                        .create_task(
                            plan.id,
                            &TaskInput {
                                parent_id: Some(target.id),
                                level: Some("implementation".into()),
                                title: format!("{name}具体实施{}-{}", j + 1, m + 1),
                                element_id: Some(*element),
                                org_id: org,
                                due_on: Some(due.to_string()),
                                ..Default::default()
                            },
                        )
                        .await?;
                    s.report_progress(leaf.id, ((k * 13 + j * 29 + m * 41) % 100) as f64, "按计划推进").await?;
                    plan_tasks += 1;
                }
                plan_tasks += 1;
            }
            plan_tasks += 1;
        }
        let notices = self.run_escalation(today).await?;
        Ok(Some(LoadedWork { frameworks: 4, lists: 2, tasks: 161 + plan_tasks, notices }))
    }
}
