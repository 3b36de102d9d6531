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

use crate::audit::{append, append_many, Change};
use crate::date_text;
use crate::db::{next_ids, System};
use crate::error::{StoreError, StoreResult};
use crate::orgs::{insert_event, insert_partnership, insert_term, EventRow, Partnership, Term};
use crate::people::{bind_person, ValidPerson, INSERT_ARITY, INSERT_COLS};

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
        let settings = crate::orgs::load_settings(self.db, t).await?;
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
        // People were written in bulk: their orgs' stored counts are refilled.
        crate::orgs::rebuild_people_counts(tx.conn(), t).await?;
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
        // Statuses written straight to the rows: the roll-ups are refilled.
        crate::rollups::rebuild(&mut tx, t, None).await?;
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
        self.load_demo_activities(today).await?;
        Ok(Some(LoadedWork { frameworks: 4, lists: 2, tasks: 161 + plan_tasks, notices }))
    }
}

/// What the demo's year of organizational life holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadedActivities {
    pub activities: usize,
    pub attendance: usize,
    pub campaigns: usize,
    pub study_items: usize,
}

/// One demo activity before insertion.
struct DemoActivity {
    org_id: i64,
    kind: &'static str,
    status: &'static str,
    topic: String,
    held_on: NaiveDate,
    starts_at: &'static str,
    place: &'static str,
    campaign_id: Option<i64>,
    lines: Vec<DemoLine>,
}

/// (person, name, status, reason, voting)
type DemoLine = (Option<i64>, String, &'static str, &'static str, bool);

const TOPICS: &[(&str, &[&str])] = &[
    (
        "committee_meeting",
        &[
            "研究本月党建重点工作",
            "讨论发展党员工作",
            "研究党费收缴使用情况",
            "研究“三会一课”计划安排",
            "分析安全生产形势",
            "研究困难职工帮扶",
        ],
    ),
    (
        "general_meeting",
        &[
            "学习贯彻党的二十届四中全会精神",
            "通报支部半年工作",
            "讨论预备党员转正",
            "民主评议党员动员",
            "学习新修订的纪律处分条例",
        ],
    ),
    (
        "lecture",
        &["书记讲党课：以一为基 勇争第一", "传承红色基因 争当岗位先锋", "新质生产力与铝加工", "从严治党永远在路上"],
    ),
    (
        "theme_day",
        &[
            "重温入党誓词",
            "党员先锋岗安全巡检",
            "走进红色教育基地",
            "志愿服务进社区",
            "岗位技能比武",
            "节能降耗金点子征集",
        ],
    ),
    ("org_life_meeting", &["年度组织生活会暨民主评议党员"]),
    ("cell_meeting", &["学习上级文件精神", "交流岗位创效经验", "讨论班组安全隐患整改", "学习先进典型事迹"]),
    ("study_group_session", &["学习习近平总书记重要讲话精神", "专题学习国企改革深化提升行动", "学习全会精神专题研讨"]),
    (
        "first_topic",
        &["学习习近平总书记最新重要讲话精神", "学习中央经济工作会议精神", "学习关于国有企业改革发展的重要论述"],
    ),
];

fn topic_for(kind: &str, n: usize) -> String {
    let list = TOPICS.iter().find(|(k, _)| *k == kind).map(|(_, l)| *l).unwrap_or(&["专题学习"]);
    list[n % list.len()].to_string()
}

const ABSENCE_REASONS: &[(&str, &str)] =
    &[("leave", "出差"), ("leave", "病假"), ("leave", "倒班"), ("absent", "外出培训"), ("leave", "年休假")];

impl System<'_> {
    /// A year of organizational life for the demo group, up to `today`:
    /// every branch's 三会一课 and theme days at the required frequencies
    /// (with a few missed, so the compliance board has something to show),
    /// cell meetings, enterprises' 中心组 sessions and 第一议题, next month's
    /// plans, and seed 001's 主题大讨论 at 西南铝 with its 110 group studies,
    /// 79 seminars, 50 suggestions, 12 case studies and 12 bulletins.
    /// Written in bulk with one audit entry per record. Deterministic for a
    /// given `today`; does nothing if activities exist.
    pub async fn load_demo_activities(&self, today: NaiveDate) -> StoreResult<Option<LoadedActivities>> {
        use chrono::{Datelike, Duration};
        use rand::{Rng, SeedableRng};
        use sqlx::Row;
        use std::collections::HashMap;
        let t = self.tenant_id;
        let pool = &self.db.pool;
        let n: i64 = sqlx::query("SELECT COUNT(*) FROM activities WHERE tenant_id = $1")
            .bind(t)
            .fetch_one(pool)
            .await?
            .try_get(0)?;
        if n > 0 {
            return Ok(None);
        }
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2025);
        let orgs = sqlx::query(
            "SELECT id, kind, name, established_on FROM orgs WHERE tenant_id = $1 AND dissolved_on IS NULL ORDER BY id",
        )
        .bind(t)
        .fetch_all(pool)
        .await?;
        let mut people_by_org: HashMap<i64, Vec<(i64, String, bool)>> = HashMap::new();
        let mut people_by_cell: HashMap<i64, Vec<(i64, String, bool)>> = HashMap::new();
        for r in sqlx::query(
            "SELECT id, org_id, cell_id, name, status FROM people WHERE tenant_id = $1 AND status IN ('full', 'probationary') ORDER BY id",
        )
        .bind(t)
        .fetch_all(pool)
        .await?
        {
            let p: (i64, String, bool) = (r.try_get(0)?, r.try_get(3)?, r.try_get::<String, _>(4)? == "full");
            if let Some(c) = r.try_get::<Option<i64>, _>(2)? {
                people_by_cell.entry(c).or_default().push(p.clone());
            }
            people_by_org.entry(r.try_get(1)?).or_default().push(p);
        }
        let mut holders: HashMap<i64, Vec<(i64, String, bool)>> = HashMap::new();
        for r in sqlx::query(
            "SELECT h.org_id, p.id, p.name, p.status FROM office_holders h JOIN people p ON p.tenant_id = h.tenant_id AND p.id = h.person_id \
             WHERE h.tenant_id = $1 AND h.ended_on IS NULL ORDER BY h.org_id, p.name, p.id",
        )
        .bind(t)
        .fetch_all(pool)
        .await?
        {
            holders.entry(r.try_get(0)?).or_default().push((r.try_get(1)?, r.try_get(2)?, r.try_get::<String, _>(3)? == "full"));
        }

        let start = today - Duration::days(365);
        let months: Vec<NaiveDate> = (0..=12)
            .filter_map(|i| {
                let m = start.with_day(1)?.checked_add_months(chrono::Months::new(i))?;
                Some(m)
            })
            .collect();
        let mut acts: Vec<DemoActivity> = Vec::new();
        let mut mk = |rng: &mut rand_chacha::ChaCha8Rng,
                      org_id: i64,
                      kind: &'static str,
                      on: NaiveDate,
                      expected: &[(i64, String, bool)],
                      campaign_id: Option<i64>,
                      topic: Option<String>| {
            let planned = on > today;
            let mut lines = Vec::new();
            if !planned {
                for (id, name, voting) in expected {
                    let (st, reason) = if rng.gen_ratio(1, 12) {
                        ABSENCE_REASONS[rng.gen_range(0..ABSENCE_REASONS.len())]
                    } else {
                        ("present", "")
                    };
                    lines.push((Some(*id), name.clone(), st, reason, *voting));
                }
            }
            let n = rng.gen_range(0..100);
            acts.push(DemoActivity {
                org_id,
                kind,
                status: if planned { "planned" } else { "held" },
                topic: topic.unwrap_or_else(|| topic_for(kind, n)),
                held_on: on,
                starts_at: ["08:30", "14:00", "14:30", "16:00"][n % 4],
                place: ["党员活动室", "三楼会议室", "车间会议室", "党建阵地"][n % 4],
                campaign_id,
                lines,
            });
        };
        let day_in = |rng: &mut rand_chacha::ChaCha8Rng, month: NaiveDate| {
            let last = dangjian_domain::activity::Period::Month.end_from(month).day();
            month.with_day(rng.gen_range(3..=last.min(26))).expect("day in month")
        };
        for r in &orgs {
            let id: i64 = r.try_get(0)?;
            let kind: String = r.try_get(1)?;
            let established: String = r.try_get(3)?;
            let members = people_by_org.get(&id).cloned().unwrap_or_default();
            let committee = holders.get(&id).cloned().unwrap_or_default();
            // A few branches fall behind: they skip more.
            let lax = rng.gen_ratio(1, 8);
            let skip = |rng: &mut rand_chacha::ChaCha8Rng| if lax { rng.gen_ratio(1, 4) } else { rng.gen_ratio(1, 30) };
            for (i, m) in months.iter().enumerate() {
                let last_day = dangjian_domain::activity::Period::Month.end_from(*m);
                if date_text(last_day) < established || *m > today + Duration::days(31) {
                    continue;
                }
                match kind.as_str() {
                    "branch" if !members.is_empty() => {
                        if !skip(&mut rng) {
                            let on = day_in(&mut rng, *m);
                            mk(&mut rng, id, "committee_meeting", on, &committee, None, None);
                        }
                        if !skip(&mut rng) {
                            let on = day_in(&mut rng, *m);
                            mk(&mut rng, id, "theme_day", on, &members, None, None);
                        }
                        if m.month() % 3 == 0 && !skip(&mut rng) {
                            let on = day_in(&mut rng, *m);
                            mk(&mut rng, id, "general_meeting", on, &members, None, None);
                            let on = day_in(&mut rng, *m);
                            mk(&mut rng, id, "lecture", on, &members, None, None);
                        }
                        if m.month() == 1 && i > 0 && !skip(&mut rng) {
                            let on = day_in(&mut rng, *m);
                            mk(&mut rng, id, "org_life_meeting", on, &members, None, None);
                        }
                    }
                    "cell" => {
                        let cell_people = people_by_cell.get(&id).cloned().unwrap_or_default();
                        if !cell_people.is_empty() && !skip(&mut rng) {
                            let on = day_in(&mut rng, *m);
                            mk(&mut rng, id, "cell_meeting", on, &cell_people, None, None);
                        }
                    }
                    "committee" if !committee.is_empty() => {
                        let on = day_in(&mut rng, *m);
                        mk(&mut rng, id, "first_topic", on, &committee, None, None);
                        if i % 2 == 0 {
                            let on = day_in(&mut rng, *m);
                            mk(&mut rng, id, "study_group_session", on, &committee, None, None);
                        }
                    }
                    "work_team" if rng.gen_ratio(1, 2) => {
                        let on = day_in(&mut rng, *m);
                        mk(&mut rng, id, "team_activity", on, &[], None, Some("班前安全讲话与技能交流".into()));
                    }
                    _ => {}
                }
            }
        }

        // Seed 001: 西南铝's 主题大讨论, counted from its records.
        let xinan =
            orgs.iter().find(|r| r.try_get::<String, _>(2).is_ok_and(|n| n == "西南铝业（集团）有限责任公司党委"));
        let mut campaign = None;
        let mut items: Vec<(i64, &'static str, String, NaiveDate)> = Vec::new();
        if let Some(x) = xinan {
            let xid: i64 = x.try_get(0)?;
            let branches: Vec<i64> = sqlx::query(
                "SELECT o.id FROM orgs o WHERE o.tenant_id = $1 AND o.kind = 'branch' AND o.dissolved_on IS NULL \
                 AND o.id IN (SELECT descendant_id FROM org_closure WHERE tenant_id = $1 AND ancestor_id = $2) ORDER BY o.id",
            )
            .bind(t)
            .bind(xid)
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| r.try_get(0))
            .collect::<Result<_, _>>()?;
            if !branches.is_empty() {
                let (c_start, c_end) = (today - Duration::days(300), today - Duration::days(60));
                let span = (c_end - c_start).num_days();
                let cid = {
                    let mut tx = self.db.begin_write().await?;
                    let cid = next_ids(&mut tx, t, "campaigns", 1).await?;
                    sqlx::query(
                        "INSERT INTO campaigns (tenant_id, id, org_id, name, starts_on, ends_on, description, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    )
                    .bind(t)
                    .bind(cid)
                    .bind(xid)
                    .bind("“以一为基谋新局 勇争第一创价值”主题大讨论")
                    .bind(date_text(c_start))
                    .bind(date_text(c_end))
                    .bind("按照集团党组部署开展，引导干部职工将“以一为基 勇争第一”的价值追求转化为思想共识。")
                    .bind(crate::now_text())
                    .execute(tx.conn())
                    .await?;
                    append(
                        &mut tx,
                        &self.cli_principal(),
                        Change {
                            action: "create",
                            entity_type: "campaign",
                            entity_id: cid.to_string(),
                            org_id: Some(xid),
                            before: None,
                            after: Some(json!({"name": "“以一为基谋新局 勇争第一创价值”主题大讨论"})),
                        },
                    )
                    .await?;
                    tx.commit().await?;
                    cid
                };
                campaign = Some(cid);
                let on = |k: usize, n: usize| c_start + Duration::days((k as i64 * span) / n as i64);
                for k in 0..110 {
                    let b = branches[k % branches.len()];
                    let people = people_by_org.get(&b).cloned().unwrap_or_default();
                    mk(&mut rng, b, "group_study", on(k, 110), &people, Some(cid), Some("主题大讨论集中学习".into()));
                }
                for k in 0..79 {
                    let b = branches[(k * 7) % branches.len()];
                    let people = people_by_org.get(&b).cloned().unwrap_or_default();
                    mk(
                        &mut rng,
                        b,
                        "seminar",
                        on(k, 79),
                        &people,
                        Some(cid),
                        Some("“以一为基 勇争第一”专题研讨".into()),
                    );
                }
                for k in 0..50 {
                    items.push((
                        branches[(k * 3) % branches.len()],
                        "suggestion",
                        format!("关于提升工序效率的建议（{}）", k + 1),
                        on(k, 50),
                    ));
                }
                for k in 0..12 {
                    items.push((
                        branches[(k * 5) % branches.len()],
                        "case_study",
                        format!("勇争第一典型案例（{}）", k + 1),
                        on(k, 12),
                    ));
                    items.push((xid, "bulletin", format!("主题大讨论学习动态第{}期", k + 1), on(k, 12)));
                }
            }
        }

        // Write everything in one transaction, in bulk.
        let admin = self.cli_principal();
        let mut tx = self.db.begin_write().await?;
        let first_id = next_ids(&mut tx, t, "activities", acts.len() as i64).await?;
        let now = crate::now_text();
        let mut changes = Vec::with_capacity(acts.len());
        let mut attendance = 0usize;
        for (chunk_no, chunk) in acts.chunks(300).enumerate() {
            let sql = format!(
                "INSERT INTO activities (tenant_id, id, org_id, kind, status, topic, held_on, starts_at, place, campaign_id, expected, present, \
                 absent, on_leave, voting_expected, voting_present, created_at, updated_at) VALUES {}",
                tx.values_placeholders(chunk.len(), 18)
            );
            let mut q = sqlx::query(&sql);
            for (i, a) in chunk.iter().enumerate() {
                let id = first_id + (chunk_no * 300 + i) as i64;
                let marks: Vec<dangjian_domain::activity::Mark> = a
                    .lines
                    .iter()
                    .map(|l| dangjian_domain::activity::Mark {
                        status: dangjian_domain::activity::Attendance::parse(l.2)
                            .unwrap_or(dangjian_domain::activity::Attendance::Present),
                        voting: l.4,
                    })
                    .collect();
                let tally = dangjian_domain::activity::tally(&marks);
                q = q
                    .bind(t)
                    .bind(id)
                    .bind(a.org_id)
                    .bind(a.kind)
                    .bind(a.status)
                    .bind(a.topic.clone())
                    .bind(date_text(a.held_on))
                    .bind(a.starts_at)
                    .bind(a.place)
                    .bind(a.campaign_id)
                    .bind(tally.expected)
                    .bind(tally.present)
                    .bind(tally.absent)
                    .bind(tally.on_leave)
                    .bind(tally.voting_expected)
                    .bind(tally.voting_present)
                    .bind(now.clone())
                    .bind(now.clone());
                changes.push(Change {
                    action: "create",
                    entity_type: "activity",
                    entity_id: id.to_string(),
                    org_id: Some(a.org_id),
                    before: None,
                    after: Some(json!({"kind": a.kind, "status": a.status, "topic": a.topic, "held_on": date_text(a.held_on), "tally": tally})),
                });
            }
            q.execute(tx.conn()).await?;
        }
        let lines: Vec<(i64, usize, &DemoLine)> = acts
            .iter()
            .enumerate()
            .flat_map(|(i, a)| a.lines.iter().enumerate().map(move |(seq, l)| (first_id + i as i64, seq, l)))
            .collect();
        for chunk in lines.chunks(1000) {
            let sql = format!(
                "INSERT INTO activity_attendance (tenant_id, activity_id, seq, person_id, name, status, reason, voting) VALUES {}",
                tx.values_placeholders(chunk.len(), 8)
            );
            let mut q = sqlx::query(&sql);
            for (aid, seq, l) in chunk {
                q = q
                    .bind(t)
                    .bind(*aid)
                    .bind(*seq as i64)
                    .bind(l.0)
                    .bind(l.1.clone())
                    .bind(l.2)
                    .bind(l.3)
                    .bind(l.4 as i64);
            }
            q.execute(tx.conn()).await?;
            attendance += chunk.len();
        }
        if !items.is_empty() {
            let first_item = next_ids(&mut tx, t, "study_items", items.len() as i64).await?;
            let sql = format!(
                "INSERT INTO study_items (tenant_id, id, org_id, campaign_id, kind, title, on_date, created_at) VALUES {}",
                tx.values_placeholders(items.len(), 8)
            );
            let mut q = sqlx::query(&sql);
            for (i, (org, kind, title, on)) in items.iter().enumerate() {
                q = q
                    .bind(t)
                    .bind(first_item + i as i64)
                    .bind(*org)
                    .bind(campaign)
                    .bind(*kind)
                    .bind(title.clone())
                    .bind(date_text(*on))
                    .bind(now.clone());
                changes.push(Change {
                    action: "create",
                    entity_type: "study_item",
                    entity_id: (first_item + i as i64).to_string(),
                    org_id: Some(*org),
                    before: None,
                    after: Some(json!({"kind": kind, "title": title})),
                });
            }
            q.execute(tx.conn()).await?;
        }
        append_many(&mut tx, &admin, changes).await?;
        crate::rollups::rebuild(&mut tx, t, None).await?;
        tx.commit().await?;
        Ok(Some(LoadedActivities {
            activities: acts.len(),
            attendance,
            campaigns: campaign.is_some() as usize,
            study_items: items.len(),
        }))
    }
}
