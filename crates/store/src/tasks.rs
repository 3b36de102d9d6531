//! Lists and tasks (清单化), progress, close-out (销号), evidence,
//! supervision (督办) and the to-do centre.
//!
//! Visibility: a task is visible to whoever reads its responsible org, the
//! org that issued its list, or one of its cooperating orgs. Writing
//! progress and applying for close-out belong to the responsible org; each
//! close-out step belongs to the role and org its procedure names (see
//! `dangjian_domain::closeout`). Two people acting on the same step at once:
//! the primary key of `closeout_actions` lets exactly one commit.

use std::collections::HashMap;

use chrono::NaiveDate;
use dangjian_domain::closeout::{self, Action as CloseAction, CloseoutState, Procedure, Stage, Step, StepActor};
use dangjian_domain::role::{Action, Role};
use dangjian_domain::task::{roll_up, DecisionKind, ListKind, TaskLevel, TaskStatus};
use dangjian_domain::Code;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::audit::{append, Change};
use crate::date_text;
use crate::db::{next_ids, WriteTx};
use crate::error::{StoreError, StoreResult};
use crate::read::Row;
use crate::rollups;
use crate::scope::{OrgFilter, Principal, Scoped};

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TaskList {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    /// task, problem, responsibility, major_decision, pre_review, supervision_plan or rectification.
    pub kind: String,
    pub name: String,
    pub year: Option<i64>,
    pub source: String,
    pub procedure_id: Option<i64>,
    pub framework_id: Option<i64>,
}

/// A list to create.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewList {
    pub org_id: i64,
    #[schema(value_type = String)]
    pub kind: ListKind,
    pub name: String,
    pub year: Option<i64>,
    #[serde(default)]
    pub source: String,
    pub procedure_id: Option<i64>,
    pub framework_id: Option<i64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrgRef {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Task {
    pub id: i64,
    pub list_id: i64,
    pub parent_id: Option<i64>,
    pub level: Option<String>,
    pub seq: String,
    pub category: String,
    pub title: String,
    pub measure: String,
    pub target: String,
    pub element_id: Option<i64>,
    pub org_id: i64,
    pub org_name: String,
    pub person: String,
    pub leader: String,
    pub start_on: Option<String>,
    pub due_on: Option<String>,
    pub weight: f64,
    /// Reported progress of a leaf, 0–100 (parents: see `TaskDetail::rolled_progress`).
    pub progress: f64,
    /// open, in_progress, under_review, closed or cancelled.
    pub status: String,
    pub round: i64,
    /// The close-out step waiting for a decision (0-based), when under review.
    pub step: Option<i64>,
    pub closed_on: Option<String>,
    pub decision_kind: Option<String>,
    pub pre_review_on: Option<String>,
    pub pre_review_conclusion: String,
    pub decided_on: Option<String>,
    pub note: String,
    pub version: i64,
}

const TASK_COLS: &str = "t.id, t.list_id, t.parent_id, t.level, t.seq, t.category, t.title, t.measure, t.target, t.element_id, \
    t.org_id, o.name, t.person, t.leader, t.start_on, t.due_on, t.weight, t.progress, t.status, t.round, t.step, t.closed_on, \
    t.decision_kind, t.pre_review_on, t.pre_review_conclusion, t.decided_on, t.note, t.version";
const TASK_FROM: &str = "FROM tasks t JOIN orgs o ON o.tenant_id = t.tenant_id AND o.id = t.org_id \
    JOIN task_lists l ON l.tenant_id = t.tenant_id AND l.id = t.list_id";

fn task_from(r: &Row) -> StoreResult<Task> {
    task_from_offset(r, 0)
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TaskEvent {
    pub id: i64,
    pub at: String,
    pub actor: String,
    /// created, progress, submit, approve, return, notice, response, escalated, evidence.
    pub kind: String,
    pub round: Option<i64>,
    pub step: Option<i64>,
    pub progress: Option<f64>,
    pub note: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Attachment {
    pub id: i64,
    pub task_id: i64,
    pub round: i64,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub uploaded_at: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Notice {
    pub id: i64,
    pub task_id: i64,
    pub task_title: String,
    pub org_id: i64,
    pub org_name: String,
    pub level: i64,
    pub auto: bool,
    pub issued_on: String,
    pub response_due: String,
    pub note: String,
    pub response: Option<String>,
    pub responded_at: Option<String>,
}

/// The step a task waits on, as the task page shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StepView {
    pub index: i64,
    pub name: String,
    /// task_org, parent, grandparent or org.
    pub at: String,
    pub role: String,
    pub org_id: Option<i64>,
    pub evidence_required: bool,
    pub hint: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TaskDetail {
    pub task: Task,
    pub list: TaskList,
    pub children: Vec<Task>,
    /// Weighted mean of the children's (rolled) progress; the task's own for a leaf.
    pub rolled_progress: f64,
    /// The rolled progress of every task in this task's subtree (its children's
    /// for the page's table), so the page need not read the whole list again.
    #[serde(skip)]
    pub subtree_rolled: HashMap<i64, f64>,
    pub cooperating: Vec<OrgRef>,
    pub element_name: Option<String>,
    pub timeline: Vec<TaskEvent>,
    pub attachments: Vec<Attachment>,
    pub notices: Vec<Notice>,
    pub procedure_name: String,
    pub steps: Vec<String>,
    pub current_step: Option<StepView>,
    /// The caller may report progress and apply for close-out.
    pub can_work: bool,
    /// The caller may approve or return the current step.
    pub can_review: bool,
    /// The caller may issue a supervision notice (a level above the responsible org).
    pub can_supervise: bool,
    pub overdue: bool,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct TaskInput {
    pub parent_id: Option<i64>,
    pub level: Option<String>,
    #[serde(default)]
    pub seq: String,
    #[serde(default)]
    pub category: String,
    pub title: String,
    #[serde(default)]
    pub measure: String,
    #[serde(default)]
    pub target: String,
    pub element_id: Option<i64>,
    pub org_id: i64,
    #[serde(default)]
    pub person: String,
    #[serde(default)]
    pub leader: String,
    #[serde(default)]
    pub cooperating_org_ids: Vec<i64>,
    pub start_on: Option<String>,
    pub due_on: Option<String>,
    pub weight: Option<f64>,
    pub decision_kind: Option<String>,
    pub pre_review_on: Option<String>,
    #[serde(default)]
    pub pre_review_conclusion: String,
    pub decided_on: Option<String>,
    #[serde(default)]
    pub note: String,
}

/// Per org subtree and period: the figures of `GET /orgs/{id}/stats/tasks`.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct TaskStats {
    pub total: i64,
    pub closed: i64,
    pub closed_on_time: i64,
    pub overdue: i64,
    /// 任务分解完成率: closed leaf tasks / leaf tasks due in the period, % (null when none are due).
    pub completion_rate: Option<f64>,
    pub by_element: Vec<StatsGroup>,
    pub by_list: Vec<StatsGroup>,
}

#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct StatsGroup {
    /// Element id or list kind.
    pub key: String,
    pub name: String,
    pub total: i64,
    pub closed: i64,
    pub closed_on_time: i64,
    pub overdue: i64,
    pub completion_rate: Option<f64>,
}

/// One row of the supervision board: a child org and what is stuck below it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BoardRow {
    pub org_id: i64,
    pub org_name: String,
    pub open: i64,
    pub overdue: i64,
    pub returned: i64,
    pub notices_open: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Board {
    pub org: OrgRef,
    pub rows: Vec<BoardRow>,
    /// Overdue or returned tasks whose responsible org is this org itself.
    pub here: Vec<Task>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TodoItem {
    pub task: Task,
    /// approve, due_soon, overdue or notice.
    pub reason: String,
    pub step_name: Option<String>,
    pub notice_id: Option<i64>,
    pub respond_by: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Todo {
    pub approvals: Vec<TodoItem>,
    pub due_soon: Vec<TodoItem>,
    pub overdue: Vec<TodoItem>,
    pub notices: Vec<TodoItem>,
    pub counts: TodoCounts,
}

#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct TodoCounts {
    pub approvals: usize,
    pub due_soon: usize,
    pub overdue: usize,
    pub notices: usize,
    pub total: usize,
}

/// Whether `have` can act where a procedure asks for `want`.
fn role_covers(have: Role, want: Role) -> bool {
    match have {
        Role::Admin => true,
        Role::CommitteeStaff => matches!(want, Role::CommitteeStaff | Role::BranchSecretary),
        Role::BranchSecretary => want == Role::BranchSecretary,
        Role::Member => false,
    }
}

/// The procedure used when a list names none: one review by the parent's staff.
pub fn default_procedure() -> Procedure {
    Procedure {
        name: "上级党组织审核销号".into(),
        sample: false,
        steps: vec![Step {
            name: "上级党组织审核".into(),
            actor: StepActor::Parent { role: Role::CommitteeStaff },
            evidence_required: false,
            hint: String::new(),
        }],
    }
}

fn step_view(index: usize, s: &Step, lineage: &[i64]) -> StepView {
    let at = match s.actor {
        StepActor::TaskOrg { .. } => "task_org",
        StepActor::Parent { .. } => "parent",
        StepActor::Grandparent { .. } => "grandparent",
        StepActor::Org { .. } => "org",
    };
    StepView {
        index: index as i64,
        name: s.name.clone(),
        at: at.into(),
        role: s.actor.role().as_str().into(),
        // At the top of the tree a missing parent falls back to the highest ancestor.
        org_id: s.actor.org(lineage).or_else(|| lineage.last().copied()),
        evidence_required: s.evidence_required,
        hint: s.hint.clone(),
    }
}

fn parse_opt_date(field: &str, v: &Option<String>) -> StoreResult<Option<NaiveDate>> {
    match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => dangjian_domain::date::parse(s).map(Some).map_err(|c| StoreError::field(field, c)),
    }
}

impl Scoped<'_> {
    /// `(cond)` that a task row `t` (joined with list `l`) is visible.
    fn task_visible(&self) -> String {
        match self.org_filter(Action::Read, "X", false) {
            OrgFilter::All => "TRUE".into(),
            OrgFilter::Nothing => "FALSE".into(),
            OrgFilter::Sql(s) => format!(
                "({} OR {} OR EXISTS (SELECT 1 FROM task_cooperators tc WHERE tc.tenant_id = t.tenant_id AND tc.task_id = t.id AND {}))",
                s.replacen("X IN", "t.org_id IN", 1),
                s.replacen("X IN", "l.org_id IN", 1),
                s.replacen("X IN", "tc.org_id IN", 1)
            ),
        }
    }

    /// Ancestors of `org_id`, nearest first, the org itself included.
    pub(crate) async fn lineage(&self, org_id: i64) -> StoreResult<Vec<i64>> {
        lineage(self.db, self.p.tenant_id, org_id).await
    }

    /// Whether the caller holds a grant covering `org_id` with a role that can act as `role`.
    async fn acts_as(&self, role: Role, org_id: i64) -> StoreResult<bool> {
        if self.p.is_admin() {
            return Ok(true);
        }
        let lineage = self.lineage(org_id).await?;
        Ok(self.p.grants.iter().any(|g| role_covers(g.role, role) && lineage.contains(&g.org_id)))
    }

    // ---- procedures -----------------------------------------------------

    pub async fn procedure(&self, id: Option<i64>) -> StoreResult<(Option<i64>, Procedure)> {
        let Some(id) = id else { return Ok((None, default_procedure())) };
        let row = self
            .db
            .read_opt(
                "SELECT steps_json FROM procedures WHERE tenant_id = $1 AND id = $2",
                crate::args![self.p.tenant_id, id],
            )
            .await?
            .ok_or(StoreError::NotFound)?;
        let text: String = row.try_get(0)?;
        let p: Procedure =
            serde_json::from_str(&text).map_err(|e| StoreError::Internal(format!("procedure {id}: {e}")))?;
        Ok((Some(id), p))
    }

    /// All procedures of the tenant (they are templates, readable by anyone working on tasks).
    pub async fn procedures(&self) -> StoreResult<Vec<(i64, Option<i64>, Procedure)>> {
        let rows = self
            .db
            .read(
                "SELECT id, org_id, steps_json FROM procedures WHERE tenant_id = $1 ORDER BY id",
                crate::args![self.p.tenant_id],
            )
            .await?;
        rows.iter()
            .map(|r| {
                let text: String = r.try_get(2)?;
                let p = serde_json::from_str(&text).map_err(|e| StoreError::Internal(e.to_string()))?;
                Ok((r.try_get(0)?, r.try_get(1)?, p))
            })
            .collect()
    }

    /// The tenant's copy of the seven-step sample, created on first use.
    pub async fn sample_procedure(&self) -> StoreResult<i64> {
        let t = self.p.tenant_id;
        let found = self
            .db
            .read_opt(
                "SELECT id FROM procedures WHERE tenant_id = $1 AND sample = 1 ORDER BY id LIMIT 1",
                crate::args![t],
            )
            .await?;
        if let Some(r) = found {
            return r.try_get(0);
        }
        let p = Procedure::seven_step_sample();
        let mut tx = self.db.begin_write().await?;
        let id = next_ids(&mut tx, t, "procedures", 1).await?;
        sqlx::query("INSERT INTO procedures (tenant_id, id, org_id, name, steps_json, sample, created_at) VALUES ($1, $2, NULL, $3, $4, 1, $5)")
            .bind(t)
            .bind(id)
            .bind(&p.name)
            .bind(serde_json::to_string(&p).map_err(|e| StoreError::Internal(e.to_string()))?)
            .bind(crate::now_text())
            .execute(tx.conn())
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Stores a procedure for an org (its subtree's lists may use it).
    pub async fn create_procedure(&self, org_id: i64, p: &Procedure) -> StoreResult<i64> {
        self.require(Action::WriteStructure, org_id).await?;
        p.validate().map_err(|(f, c)| StoreError::field(&f, c))?;
        let t = self.p.tenant_id;
        let mut tx = self.db.begin_write().await?;
        let id = next_ids(&mut tx, t, "procedures", 1).await?;
        let text = serde_json::to_string(p).map_err(|e| StoreError::Internal(e.to_string()))?;
        sqlx::query("INSERT INTO procedures (tenant_id, id, org_id, name, steps_json, sample, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(t)
            .bind(id)
            .bind(org_id)
            .bind(&p.name)
            .bind(&text)
            .bind(i64::from(p.sample))
            .bind(crate::now_text())
            .execute(tx.conn())
            .await?;
        append(
            &mut tx,
            self.p,
            Change {
                action: "create",
                entity_type: "procedure",
                entity_id: id.to_string(),
                org_id: Some(org_id),
                before: None,
                after: Some(serde_json::to_value(p).unwrap_or_default()),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    // ---- lists -----------------------------------------------------------

    pub async fn create_list(&self, new: &NewList) -> StoreResult<TaskList> {
        let NewList { org_id, kind, ref name, year, ref source, procedure_id, framework_id } = *new;
        let (name, source) = (name.as_str(), source.as_str());
        self.require(Action::WriteOrgDetails, org_id).await?;
        let org = self.org(org_id).await?;
        let name = dangjian_domain::org::validate_name(name).map_err(|c| StoreError::field("name", c))?;
        if let Some(p) = procedure_id {
            self.procedure(Some(p)).await.map_err(|_| StoreError::field("procedure_id", Code::NotFound))?;
        }
        // A rectification ledger closes items by the seven-step sample unless told otherwise.
        let procedure_id = match (procedure_id, kind) {
            (None, ListKind::Rectification) => Some(self.sample_procedure().await?),
            (p, _) => p,
        };
        if let Some(f) = framework_id {
            self.framework(f).await.map_err(|_| StoreError::field("framework_id", Code::NotFound))?;
        }
        let t = self.p.tenant_id;
        let mut tx = self.db.begin_write().await?;
        let id = next_ids(&mut tx, t, "task_lists", 1).await?;
        sqlx::query(
            "INSERT INTO task_lists (tenant_id, id, org_id, kind, name, year, source, procedure_id, framework_id, created_at, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(t)
        .bind(id)
        .bind(org_id)
        .bind(kind.as_str())
        .bind(&name)
        .bind(year)
        .bind(source.trim())
        .bind(procedure_id)
        .bind(framework_id)
        .bind(crate::now_text())
        .bind(self.p.user_id)
        .execute(tx.conn())
        .await?;
        let list = TaskList {
            id,
            org_id,
            org_name: org.name,
            kind: kind.as_str().into(),
            name,
            year,
            source: source.trim().into(),
            procedure_id,
            framework_id,
        };
        append(
            &mut tx,
            self.p,
            Change {
                action: "create",
                entity_type: "task_list",
                entity_id: id.to_string(),
                org_id: Some(org_id),
                before: None,
                after: Some(serde_json::to_value(&list).unwrap_or_default()),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(list)
    }

    /// Lists issued in the org's subtree or carrying tasks assigned into it.
    pub async fn lists(&self, org_id: i64) -> StoreResult<Vec<TaskList>> {
        self.org(org_id).await?;
        // Both halves are index ranges: the lists issued by each org of the
        // subtree, and the lists the subtree's roll-up row names (reading
        // the subtree's tasks for that was 1.3 ms at an enterprise of M).
        let sql = "SELECT l.id, l.org_id, o.name, l.kind, l.name, l.year, l.source, l.procedure_id, l.framework_id \
             FROM task_lists l JOIN orgs o ON o.tenant_id = l.tenant_id AND o.id = l.org_id WHERE l.tenant_id = $1 AND l.id IN ( \
             SELECT k.id FROM task_lists k WHERE k.tenant_id = $1 AND k.org_id IN \
               (SELECT descendant_id FROM org_closure WHERE tenant_id = $1 AND ancestor_id = $2) \
             UNION SELECT r.list_id FROM list_rollups r WHERE r.tenant_id = $1 AND r.ancestor_id = $2 AND r.n > 0) \
             ORDER BY l.id DESC";
        let rows = self.db.read(sql, crate::args![self.p.tenant_id, org_id]).await?;
        rows.iter().map(list_from).collect()
    }

    async fn fetch_list(&self, id: i64) -> StoreResult<TaskList> {
        let row = self.db.read_opt("SELECT l.id, l.org_id, o.name, l.kind, l.name, l.year, l.source, l.procedure_id, l.framework_id \
             FROM task_lists l JOIN orgs o ON o.tenant_id = l.tenant_id AND o.id = l.org_id WHERE l.tenant_id = $1 AND l.id = $2", crate::args![self.p.tenant_id, id]).await?
        .ok_or(StoreError::NotFound)?;
        list_from(&row)
    }

    /// A list and the tasks of it the caller may see, in tree order.
    pub async fn list(&self, id: i64) -> StoreResult<(TaskList, Vec<Task>)> {
        let list = self.fetch_list(id).await?;
        let visible = self.task_visible();
        let sql = format!(
            "SELECT {TASK_COLS} {TASK_FROM} WHERE t.tenant_id = $1 AND t.list_id = $2 AND {visible} ORDER BY t.id"
        );
        let tasks: Vec<Task> = self
            .db
            .read(&sql, crate::args![self.p.tenant_id, id])
            .await?
            .iter()
            .map(task_from)
            .collect::<StoreResult<_>>()?;
        if tasks.is_empty() && self.org(list.org_id).await.is_err() {
            return Err(StoreError::NotFound);
        }
        Ok((list, tasks))
    }

    // ---- tasks -----------------------------------------------------------

    pub async fn create_task(&self, list_id: i64, input: &TaskInput) -> StoreResult<Task> {
        let checked = self.check_new_task(list_id, input).await?;
        let mut tx = self.db.begin_write().await?;
        let id = self.write_new_task(&mut tx, list_id, input, &checked).await?;
        tx.commit().await?;
        self.task(id).await
    }

    /// Validates a new task (fields, the responsible org inside the list's
    /// subtree, parent, element) without writing anything.
    pub(crate) async fn check_new_task(&self, list_id: i64, input: &TaskInput) -> StoreResult<CheckedTask> {
        let list = self.fetch_list(list_id).await?;
        self.require(Action::WriteOrgDetails, list.org_id).await?;
        let mut errors = Vec::new();
        let title = input.title.trim();
        if title.is_empty() {
            errors.push(("title".to_string(), Code::Required));
        } else if title.chars().count() > 2000 {
            errors.push(("title".to_string(), Code::TooLong));
        }
        let level = match input.level.as_deref().filter(|s| !s.is_empty()) {
            None => None,
            Some(l) => TaskLevel::parse(l).map(Some).unwrap_or_else(|c| {
                errors.push(("level".into(), c));
                None
            }),
        };
        let decision = match input.decision_kind.as_deref().filter(|s| !s.is_empty()) {
            None => None,
            Some(k) => DecisionKind::parse(k).map(Some).unwrap_or_else(|c| {
                errors.push(("decision_kind".into(), c));
                None
            }),
        };
        let mut date = |f: &str, v: &Option<String>| {
            parse_opt_date(f, v).unwrap_or_else(|_| {
                errors.push((f.into(), Code::DateFormat));
                None
            })
        };
        let start = date("start_on", &input.start_on);
        let due = date("due_on", &input.due_on);
        let pre = date("pre_review_on", &input.pre_review_on);
        let decided = date("decided_on", &input.decided_on);
        if let (Some(s), Some(d)) = (start, due) {
            if d < s {
                errors.push(("due_on".into(), Code::DateOrder));
            }
        }
        // 三重一大: the party committee's pre-review comes before the board decides.
        if let (Some(p), Some(d)) = (pre, decided) {
            if d < p {
                errors.push(("decided_on".into(), Code::DateOrder));
            }
        }
        let weight = input.weight.unwrap_or(1.0);
        if !(weight.is_finite() && weight >= 0.0) {
            errors.push(("weight".into(), Code::InvalidValue));
        }
        if !errors.is_empty() {
            return Err(StoreError::Validation(errors));
        }
        // The responsible org must lie in the issuing org's subtree (tasks are pushed down).
        let t = self.p.tenant_id;
        let inside = |org: i64| async move {
            let n: i64 = self
                .db
                .read_one(
                    "SELECT COUNT(*) FROM org_closure WHERE tenant_id = $1 AND ancestor_id = $2 AND descendant_id = $3",
                    crate::args![t, list.org_id, org],
                )
                .await?
                .try_get::<i64>(0)?;
            Ok::<bool, StoreError>(n > 0)
        };
        if !inside(input.org_id).await? {
            return Err(StoreError::field("org_id", Code::UnknownOrg));
        }
        for c in &input.cooperating_org_ids {
            if self.org(*c).await.is_err() {
                return Err(StoreError::field("cooperating_org_ids", Code::UnknownOrg));
            }
        }
        if let Some(p) = input.parent_id {
            let n: i64 = self
                .db
                .read_one(
                    "SELECT COUNT(*) FROM tasks WHERE tenant_id = $1 AND id = $2 AND list_id = $3",
                    crate::args![t, p, list_id],
                )
                .await?
                .try_get(0)?;
            if n == 0 {
                return Err(StoreError::field("parent_id", Code::NotFound));
            }
        }
        if let Some(e) = input.element_id {
            // The element's framework must be one the caller can read: an id
            // from another enterprise's framework is answered like a missing one.
            if !self.element_readable(e).await? {
                return Err(StoreError::field("element_id", Code::NotFound));
            }
        }
        Ok(CheckedTask {
            title: title.to_string(),
            dates: NewTaskDates { level, decision, start, due, pre, decided, weight },
        })
    }

    /// Writes a task [`Scoped::check_new_task`] accepted, with its created
    /// event and audit entry, inside the caller's transaction (so a caller can
    /// write something with it atomically).
    pub(crate) async fn write_new_task(
        &self,
        tx: &mut WriteTx,
        list_id: i64,
        input: &TaskInput,
        checked: &CheckedTask,
    ) -> StoreResult<i64> {
        let t = self.p.tenant_id;
        let (title, due) = (checked.title.as_str(), checked.dates.due);
        let id = next_ids(tx, t, "tasks", 1).await?;
        insert_task(tx, t, id, list_id, input, &checked.dates).await?;
        for c in &input.cooperating_org_ids {
            sqlx::query(
                "INSERT INTO task_cooperators (tenant_id, task_id, org_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            )
            .bind(t)
            .bind(id)
            .bind(c)
            .execute(tx.conn())
            .await?;
        }
        add_event(tx, self.p, id, "created", None, None, None, "").await?;
        append(
            tx,
            self.p,
            Change {
                action: "create",
                entity_type: "task",
                entity_id: id.to_string(),
                org_id: Some(input.org_id),
                before: None,
                after: Some(json!({"list_id": list_id, "title": title, "org_id": input.org_id, "due_on": due.map(date_text), "parent_id": input.parent_id})),
            },
        )
        .await?;
        Ok(id)
    }

    async fn fetch_task(&self, id: i64) -> StoreResult<Task> {
        let sql = format!("SELECT {TASK_COLS} {TASK_FROM} WHERE t.tenant_id = $1 AND t.id = $2");
        let row = self.db.read_opt(&sql, crate::args![self.p.tenant_id, id]).await?;
        task_from(&row.ok_or(StoreError::NotFound)?)
    }

    /// One task, if visible.
    pub async fn task(&self, id: i64) -> StoreResult<Task> {
        let visible = self.task_visible();
        let sql = format!("SELECT {TASK_COLS} {TASK_FROM} WHERE t.tenant_id = $1 AND t.id = $2 AND {visible}");
        let row = self.db.read_opt(&sql, crate::args![self.p.tenant_id, id]).await?;
        task_from(&row.ok_or(StoreError::NotFound)?)
    }

    /// Everything the task page shows.
    pub async fn task_detail(&self, id: i64, today: NaiveDate) -> StoreResult<TaskDetail> {
        let task = self.task(id).await?;
        let list = self.fetch_list(task.list_id).await?;
        let t = self.p.tenant_id;
        // The task's own subtree, for the roll-up: reading the whole list (and
        // again for the children) cost 40-80 ms per task page on an
        // enterprise's list of thousands of tasks.
        let sql = format!(
            "WITH RECURSIVE sub(id) AS (SELECT CAST($2 AS BIGINT) UNION ALL \
               SELECT k.id FROM tasks k JOIN sub ON k.tenant_id = $1 AND k.parent_id = sub.id) \
             SELECT {TASK_COLS} {TASK_FROM} WHERE t.tenant_id = $1 AND t.id IN (SELECT id FROM sub)"
        );
        let subtree: Vec<Task> =
            self.db.read(&sql, crate::args![t, id]).await?.iter().map(task_from).collect::<StoreResult<_>>()?;
        let rolled = rolled_progress(&subtree);
        // Children the caller may see (the roll-up itself counts them all).
        let visible = self.task_visible();
        let sql = format!(
            "SELECT {TASK_COLS} {TASK_FROM} WHERE t.tenant_id = $1 AND t.parent_id = $2 AND {visible} ORDER BY t.id"
        );
        let children: Vec<Task> =
            self.db.read(&sql, crate::args![t, id]).await?.iter().map(task_from).collect::<StoreResult<_>>()?;
        let cooperating = self.db.read("SELECT o.id, o.name FROM task_cooperators c JOIN orgs o ON o.tenant_id = c.tenant_id AND o.id = c.org_id WHERE c.tenant_id = $1 AND c.task_id = $2", crate::args![t, id]).await?
        .iter()
        .map(|r| Ok(OrgRef { id: r.try_get(0)?, name: r.try_get(1)? }))
        .collect::<StoreResult<_>>()?;
        let element_name = match task.element_id {
            Some(e) => self
                .db
                .read_opt("SELECT name FROM framework_elements WHERE tenant_id = $1 AND id = $2", crate::args![t, e])
                .await?
                .map(|r| r.try_get(0))
                .transpose()?,
            None => None,
        };
        let timeline = self.db.read("SELECT id, at, actor, kind, round, step, progress, note FROM task_events WHERE tenant_id = $1 AND task_id = $2 ORDER BY id", crate::args![t, id]).await?
            .iter()
            .map(|r| {
                Ok(TaskEvent {
                    id: r.try_get(0)?,
                    at: r.try_get(1)?,
                    actor: r.try_get(2)?,
                    kind: r.try_get(3)?,
                    round: r.try_get(4)?,
                    step: r.try_get(5)?,
                    progress: r.try_get(6)?,
                    note: r.try_get(7)?,
                })
            })
            .collect::<StoreResult<_>>()?;
        let attachments = self.attachments(id).await?;
        let notices = self.notices_of(id).await?;
        let (_, procedure) = self.procedure(list.procedure_id).await?;
        let lineage = self.lineage(task.org_id).await?;
        let current_step = match (task.status.as_str(), task.step) {
            ("under_review", Some(s)) => procedure.steps.get(s as usize).map(|st| step_view(s as usize, st, &lineage)),
            _ => None,
        };
        let can_work = self.require(Action::WriteOrgDetails, task.org_id).await.is_ok();
        let can_review = match &current_step {
            Some(sv) => match sv.org_id {
                Some(org) => self.acts_as(Role::parse(&sv.role).unwrap_or(Role::Admin), org).await?,
                None => false,
            },
            None => false,
        };
        let can_supervise = self.can_supervise(task.org_id).await?;
        let overdue = TaskStatus::parse(&task.status).is_ok_and(|s| s.is_open())
            && task.due_on.as_deref().is_some_and(|d| d < date_text(today).as_str());
        Ok(TaskDetail {
            rolled_progress: rolled.get(&id).copied().unwrap_or(task.progress),
            subtree_rolled: rolled,
            task,
            list,
            children,
            cooperating,
            element_name,
            timeline,
            attachments,
            notices,
            procedure_name: procedure.name.clone(),
            steps: procedure.steps.iter().map(|s| s.name.clone()).collect(),
            current_step,
            can_work,
            can_review,
            can_supervise,
            overdue,
        })
    }

    /// The responsible org reports progress (0–100) with a note.
    pub async fn report_progress(&self, id: i64, progress: f64, note: &str) -> StoreResult<Task> {
        let task = self.task(id).await?;
        self.require(Action::WriteOrgDetails, task.org_id).await?;
        if !(0.0..=100.0).contains(&progress) || !progress.is_finite() {
            return Err(StoreError::field("progress", Code::InvalidValue));
        }
        let status = TaskStatus::parse(&task.status).map_err(|_| StoreError::Internal("status".into()))?;
        if matches!(status, TaskStatus::Closed | TaskStatus::Cancelled) {
            return Err(StoreError::Conflict(Code::AlreadyClosed));
        }
        let t = self.p.tenant_id;
        let mut tx = self.db.begin_write().await?;
        let new_status = if status == TaskStatus::Open { TaskStatus::InProgress } else { status };
        let before = rollups::task_fact(&mut tx, t, id).await?;
        sqlx::query("UPDATE tasks SET progress = $3, status = $4, version = version + 1, updated_at = $5 WHERE tenant_id = $1 AND id = $2")
            .bind(t)
            .bind(id)
            .bind(progress)
            .bind(new_status.as_str())
            .bind(crate::now_text())
            .execute(tx.conn())
            .await?;
        let after = rollups::task_fact(&mut tx, t, id).await?;
        rollups::task_changed(&mut tx, t, before.as_ref(), after.as_ref()).await?;
        add_event(&mut tx, self.p, id, "progress", Some(task.round), None, Some(progress), note.trim()).await?;
        append(
            &mut tx,
            self.p,
            Change {
                action: "progress",
                entity_type: "task",
                entity_id: id.to_string(),
                org_id: Some(task.org_id),
                before: Some(json!({"progress": task.progress, "status": task.status})),
                after: Some(json!({"progress": progress, "status": new_status.as_str(), "note": note.trim()})),
            },
        )
        .await?;
        tx.commit().await?;
        self.task(id).await
    }

    /// Applies a close-out action. Submit belongs to the responsible org;
    /// approve and return to whoever the current step names.
    pub async fn closeout(&self, id: i64, action: &CloseAction, today: NaiveDate) -> StoreResult<Task> {
        let task = self.task(id).await?;
        let list = self.fetch_list(task.list_id).await?;
        let (_, procedure) = self.procedure(list.procedure_id).await?;
        let t = self.p.tenant_id;
        let state = CloseoutState {
            round: task.round as u32,
            stage: match task.status.as_str() {
                "closed" => Stage::Closed,
                "under_review" => Stage::Reviewing { step: task.step.unwrap_or(0) as usize },
                "cancelled" => Stage::Closed,
                _ => Stage::Working,
            },
        };
        // Who may act.
        match action {
            CloseAction::Submit => {
                self.require(Action::WriteOrgDetails, task.org_id).await?;
                let open_children: i64 = self.db.read_one("SELECT COUNT(*) FROM tasks WHERE tenant_id = $1 AND parent_id = $2 AND status NOT IN ('closed', 'cancelled')", crate::args![t, id]).await?
                    .try_get(0)?;
                if open_children > 0 {
                    return Err(StoreError::field("children", Code::InvalidValue));
                }
            }
            CloseAction::Approve { step, .. } | CloseAction::Return { step, .. } => {
                let lineage = self.lineage(task.org_id).await?;
                let def = procedure.steps.get(*step).ok_or(StoreError::Conflict(Code::StepTaken))?;
                let view = step_view(*step, def, &lineage);
                let allowed = match view.org_id {
                    Some(org) => self.acts_as(def.actor.role(), org).await?,
                    None => false,
                };
                if !allowed {
                    return Err(StoreError::Conflict(Code::StepNotYours).forbidden_if_code());
                }
            }
        }
        let evidence = self.attachments(id).await?.iter().filter(|a| a.round == task.round).count();
        let action = match action {
            CloseAction::Approve { step, .. } => CloseAction::Approve { step: *step, evidence_count: evidence },
            a => a.clone(),
        };
        let reviewing = !matches!(action, CloseAction::Submit);
        let next = closeout::apply(&procedure, state, &action).map_err(|c| match c {
            // A reviewer whose step has moved on (approved, returned or closed by someone else).
            Code::Conflict | Code::AlreadyClosed | Code::NotUnderReview if reviewing => {
                StoreError::Conflict(Code::StepTaken)
            }
            Code::Conflict => StoreError::Conflict(Code::StepTaken),
            Code::AlreadyClosed | Code::NotUnderReview => StoreError::Conflict(c),
            c => StoreError::field(if c == Code::ReasonRequired { "reason" } else { "evidence" }, c),
        })?;
        let (status, step, closed_on) = match next.stage {
            Stage::Working => (TaskStatus::InProgress, None, None),
            Stage::Reviewing { step } => (TaskStatus::UnderReview, Some(step as i64), None),
            Stage::Closed => (TaskStatus::Closed, None, Some(date_text(today))),
        };
        let mut tx = self.db.begin_write().await?;
        let (kind, note, ev_step) = match &action {
            CloseAction::Submit => ("submit", String::new(), None),
            CloseAction::Approve { step, .. } => ("approve", String::new(), Some(*step as i64)),
            CloseAction::Return { step, reason } => ("return", reason.trim().to_string(), Some(*step as i64)),
        };
        if let Some(s) = ev_step {
            // The step's one decision: a concurrent second decision fails here.
            let ins = sqlx::query("INSERT INTO closeout_actions (tenant_id, task_id, round, step, action, actor_id, at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                .bind(t)
                .bind(id)
                .bind(task.round)
                .bind(s)
                .bind(kind)
                .bind(self.p.user_id)
                .bind(crate::now_text())
                .execute(tx.conn())
                .await;
            if let Err(e) = ins {
                return Err(crate::error::on_unique(e, Code::StepTaken));
            }
        }
        let expect_status = task.status.clone();
        let before = rollups::task_fact(&mut tx, t, id).await?;
        let res = sqlx::query(
            "UPDATE tasks SET status = $3, step = $4, round = $5, closed_on = $6, progress = CASE WHEN $3 = 'closed' THEN 100 ELSE progress END, \
             version = version + 1, updated_at = $7 WHERE tenant_id = $1 AND id = $2 AND version = $8 AND status = $9",
        )
        .bind(t)
        .bind(id)
        .bind(status.as_str())
        .bind(step)
        .bind(i64::from(next.round))
        .bind(closed_on.clone())
        .bind(crate::now_text())
        .bind(task.version)
        .bind(&expect_status)
        .execute(tx.conn())
        .await?;
        if res.rows_affected() == 0 {
            return Err(StoreError::Conflict(Code::StepTaken));
        }
        let after = rollups::task_fact(&mut tx, t, id).await?;
        rollups::task_changed(&mut tx, t, before.as_ref(), after.as_ref()).await?;
        add_event(&mut tx, self.p, id, kind, Some(task.round), ev_step, None, &note).await?;
        append(
            &mut tx,
            self.p,
            Change {
                action: kind,
                entity_type: "task",
                entity_id: id.to_string(),
                org_id: Some(task.org_id),
                before: Some(json!({"status": task.status, "round": task.round, "step": task.step})),
                after: Some(json!({"status": status.as_str(), "round": next.round, "step": step, "reason": note})),
            },
        )
        .await?;
        tx.commit().await?;
        self.fetch_task(id).await
    }

    // ---- evidence --------------------------------------------------------

    pub async fn attachments(&self, task_id: i64) -> StoreResult<Vec<Attachment>> {
        let rows = self.db.read("SELECT id, task_id, round, name, content_type, size, sha256, uploaded_at FROM attachments WHERE tenant_id = $1 AND task_id = $2 ORDER BY id", crate::args![self.p.tenant_id, task_id]).await?;
        rows.iter()
            .map(|r| {
                Ok(Attachment {
                    id: r.try_get(0)?,
                    task_id: r.try_get(1)?,
                    round: r.try_get(2)?,
                    name: r.try_get(3)?,
                    content_type: r.try_get(4)?,
                    size: r.try_get(5)?,
                    sha256: r.try_get(6)?,
                    uploaded_at: r.try_get(7)?,
                })
            })
            .collect()
    }

    /// Stores an evidence file under `files_dir` (content-addressed: written to
    /// a temporary name, synced, then renamed, so a crash leaves no half file)
    /// and records it against the task's current round.
    pub async fn add_attachment(
        &self,
        task_id: i64,
        name: &str,
        content_type: &str,
        bytes: &[u8],
        files_dir: &std::path::Path,
    ) -> StoreResult<Attachment> {
        let task = self.task(task_id).await?;
        // The responsible org, or a reviewer who can see the task, may add evidence.
        if self.require(Action::WriteOrgDetails, task.org_id).await.is_err() && !self.p.can(Action::WriteOrgDetails) {
            return Err(StoreError::Forbidden);
        }
        if task.status == "closed" {
            return Err(StoreError::Conflict(Code::AlreadyClosed));
        }
        let name = name.trim();
        if name.is_empty() || bytes.is_empty() {
            return Err(StoreError::field("file", Code::Required));
        }
        use sha2::Digest;
        let sha = hex::encode(sha2::Sha256::digest(bytes));
        let dir = files_dir.join(&sha[..2]);
        let path = dir.join(&sha);
        if !path.exists() {
            let write = || -> std::io::Result<()> {
                std::fs::create_dir_all(&dir)?;
                let tmp = dir.join(format!(".{sha}.{}.tmp", rand::random::<u32>()));
                {
                    use std::io::Write;
                    let mut f = std::fs::File::create(&tmp)?;
                    f.write_all(bytes)?;
                    f.sync_all()?;
                }
                std::fs::rename(&tmp, &path)
            };
            write().map_err(|e| StoreError::Internal(format!("storing evidence: {e}")))?;
        }
        let t = self.p.tenant_id;
        let mut tx = self.db.begin_write().await?;
        let id = next_ids(&mut tx, t, "attachments", 1).await?;
        let now = crate::now_text();
        sqlx::query(
            "INSERT INTO attachments (tenant_id, id, task_id, round, step, name, content_type, size, sha256, uploaded_at, uploaded_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(t)
        .bind(id)
        .bind(task_id)
        .bind(task.round)
        .bind(task.step)
        .bind(name)
        .bind(content_type)
        .bind(bytes.len() as i64)
        .bind(&sha)
        .bind(&now)
        .bind(self.p.user_id)
        .execute(tx.conn())
        .await?;
        add_event(&mut tx, self.p, task_id, "evidence", Some(task.round), task.step, None, name).await?;
        append(
            &mut tx,
            self.p,
            Change {
                action: "evidence",
                entity_type: "task",
                entity_id: task_id.to_string(),
                org_id: Some(task.org_id),
                before: None,
                after: Some(json!({"attachment": id, "name": name, "size": bytes.len(), "sha256": sha})),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Attachment {
            id,
            task_id,
            round: task.round,
            name: name.into(),
            content_type: content_type.into(),
            size: bytes.len() as i64,
            sha256: sha,
            uploaded_at: now,
        })
    }

    /// An attachment's metadata and file path, if the task is visible.
    pub async fn attachment_file(
        &self,
        id: i64,
        files_dir: &std::path::Path,
    ) -> StoreResult<(Attachment, std::path::PathBuf)> {
        let row = self
            .db
            .read_opt(
                "SELECT task_id FROM attachments WHERE tenant_id = $1 AND id = $2",
                crate::args![self.p.tenant_id, id],
            )
            .await?
            .ok_or(StoreError::NotFound)?;
        let task_id: i64 = row.try_get(0)?;
        self.task(task_id).await?;
        let a = self.attachments(task_id).await?.into_iter().find(|a| a.id == id).ok_or(StoreError::NotFound)?;
        let path = files_dir.join(&a.sha256[..2]).join(&a.sha256);
        Ok((a, path))
    }

    // ---- supervision -----------------------------------------------------

    /// A level above the responsible org: a grant strictly above it that may write.
    async fn can_supervise(&self, task_org: i64) -> StoreResult<bool> {
        if self.p.is_admin() {
            return Ok(true);
        }
        let lineage = self.lineage(task_org).await?;
        Ok(self
            .p
            .grants
            .iter()
            .any(|g| g.role.allows(Action::WriteOrgDetails) && lineage.iter().skip(1).any(|a| *a == g.org_id)))
    }

    async fn notices_of(&self, task_id: i64) -> StoreResult<Vec<Notice>> {
        let rows = self
            .db
            .read(
                &format!("{NOTICE_SELECT} WHERE n.tenant_id = $1 AND n.task_id = $2 ORDER BY n.id"),
                crate::args![self.p.tenant_id, task_id],
            )
            .await?;
        rows.iter().map(notice_from).collect()
    }

    /// 督办单 issued by hand by a higher level.
    pub async fn issue_notice(&self, task_id: i64, note: &str, today: NaiveDate) -> StoreResult<Notice> {
        let task = self.task(task_id).await?;
        if !self.can_supervise(task.org_id).await? {
            return Err(StoreError::Forbidden);
        }
        let lineage = self.lineage(task.org_id).await?;
        // The issuing org: the caller's nearest grant above the task's org (the parent for an admin).
        let (level, org) = lineage
            .iter()
            .enumerate()
            .skip(1)
            .find(|(_, a)| self.p.grants.iter().any(|g| g.org_id == **a))
            .map(|(l, a)| (l as i64, *a))
            .or_else(|| lineage.get(1).map(|a| (1, *a)))
            .unwrap_or((0, task.org_id));
        let settings = self.settings().await?;
        let due = today + chrono::Duration::days(settings.notice_response_days);
        let t = self.p.tenant_id;
        let mut tx = self.db.begin_write().await?;
        let id = next_ids(&mut tx, t, "supervision_notices", 1).await?;
        sqlx::query(
            "INSERT INTO supervision_notices (tenant_id, id, task_id, org_id, level, auto, issued_on, response_due, note) VALUES ($1, $2, $3, $4, $5, 0, $6, $7, $8)",
        )
        .bind(t)
        .bind(id)
        .bind(task_id)
        .bind(org)
        .bind(level)
        .bind(date_text(today))
        .bind(date_text(due))
        .bind(note.trim())
        .execute(tx.conn())
        .await?;
        add_event(&mut tx, self.p, task_id, "notice", Some(task.round), None, None, note.trim()).await?;
        append(
            &mut tx,
            self.p,
            Change {
                action: "notice",
                entity_type: "task",
                entity_id: task_id.to_string(),
                org_id: Some(task.org_id),
                before: None,
                after: Some(json!({"notice": id, "org_id": org, "level": level, "response_due": date_text(due), "note": note.trim()})),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(self.notices_of(task_id).await?.into_iter().find(|n| n.id == id).expect("just inserted"))
    }

    /// The responsible org answers a notice.
    pub async fn respond_notice(&self, notice_id: i64, response: &str) -> StoreResult<Notice> {
        let row = self
            .db
            .read_opt(
                "SELECT task_id, responded_at FROM supervision_notices WHERE tenant_id = $1 AND id = $2",
                crate::args![self.p.tenant_id, notice_id],
            )
            .await?
            .ok_or(StoreError::NotFound)?;
        let task_id: i64 = row.try_get(0)?;
        let task = self.task(task_id).await?;
        self.require(Action::WriteOrgDetails, task.org_id).await?;
        if response.trim().is_empty() {
            return Err(StoreError::field("response", Code::Required));
        }
        let t = self.p.tenant_id;
        let mut tx = self.db.begin_write().await?;
        let res = sqlx::query(
            "UPDATE supervision_notices SET response = $3, responded_at = $4, responded_by = $5 WHERE tenant_id = $1 AND id = $2 AND responded_at IS NULL",
        )
        .bind(t)
        .bind(notice_id)
        .bind(response.trim())
        .bind(crate::now_text())
        .bind(self.p.user_id)
        .execute(tx.conn())
        .await?;
        if res.rows_affected() == 0 {
            return Err(StoreError::Conflict(Code::Conflict));
        }
        add_event(&mut tx, self.p, task_id, "response", Some(task.round), None, None, response.trim()).await?;
        append(
            &mut tx,
            self.p,
            Change {
                action: "respond",
                entity_type: "supervision_notice",
                entity_id: notice_id.to_string(),
                org_id: Some(task.org_id),
                before: None,
                after: Some(json!({"response": response.trim()})),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(self.notices_of(task_id).await?.into_iter().find(|n| n.id == notice_id).expect("exists"))
    }

    // ---- figures and board ----------------------------------------------

    /// Task figures for `org_id`'s subtree, over leaf tasks due in `[from, to]`.
    pub async fn task_stats(
        &self,
        org_id: i64,
        from: NaiveDate,
        to: NaiveDate,
        today: NaiveDate,
    ) -> StoreResult<TaskStats> {
        self.org(org_id).await?;
        let t = self.p.tenant_id;
        // The subtree's leaf tasks due in the period, from the per-ancestor
        // roll-up (`rollups`): whole months from its month rows, the ragged
        // ends and the current month from its day rows, one index range each,
        // grouped by element (0: none) and list; totals, per-element and
        // per-list figures are sums of those groups. Counting the tasks
        // themselves read one index range per org of the subtree (60 ms at the
        // root of a 5,000-branch group); the day rows alone, 38,000 rows.
        let parts = rollups::due_ranges(from, to, today)
            .iter()
            .map(|(grain, lo, hi)| {
                format!(
                    "SELECT element_id, list_id, state, due, n FROM task_rollups WHERE tenant_id = $1 AND ancestor_id = $2 \
                     AND grain = '{grain}' AND due >= '{lo}' AND due <= '{hi}'"
                )
            })
            .collect::<Vec<_>>()
            .join(" UNION ALL ");
        // A month row's due ('YYYY-MM') sorts before every day of its month:
        // months before today's are wholly overdue when open, later ones not.
        let rows = self
            .db
            .read(
                &format!(
                    "SELECT g.element_id, COALESCE(e.name, ''), l.kind, g.n, g.closed, g.on_time, g.overdue FROM ( \
               SELECT element_id, list_id, CAST(SUM(n) AS BIGINT) AS n, \
                 CAST(SUM(CASE WHEN state <> 'open' THEN n ELSE 0 END) AS BIGINT) AS closed, \
                 CAST(SUM(CASE WHEN state = 'on_time' THEN n ELSE 0 END) AS BIGINT) AS on_time, \
                 CAST(SUM(CASE WHEN state = 'open' AND due < $3 THEN n ELSE 0 END) AS BIGINT) AS overdue \
               FROM ({parts}) r GROUP BY element_id, list_id HAVING SUM(n) <> 0) g \
             JOIN task_lists l ON l.tenant_id = $1 AND l.id = g.list_id \
             LEFT JOIN framework_elements e ON e.tenant_id = $1 AND e.id = g.element_id"
                ),
                crate::args![t, org_id, date_text(today)],
            )
            .await?;
        // (key, name) → [total, closed, closed_on_time, overdue]
        let mut elements: std::collections::BTreeMap<(Option<i64>, String), [i64; 4]> = Default::default();
        let mut lists: std::collections::BTreeMap<String, [i64; 4]> = Default::default();
        let mut sum = [0i64; 4];
        for r in &rows {
            let element = Some(r.try_get::<i64>(0)?).filter(|e| *e != 0);
            let name: String = r.try_get(1)?;
            let kind: String = r.try_get(2)?;
            let c = [r.try_get::<i64>(3)?, r.try_get(4)?, r.try_get(5)?, r.try_get(6)?];
            for (acc, x) in [&mut sum, elements.entry((element, name)).or_default(), lists.entry(kind).or_default()]
                .into_iter()
                .flat_map(|a| a.iter_mut().zip(c))
            {
                *acc += x;
            }
        }
        let group = |key: String, name: String, c: [i64; 4]| StatsGroup {
            key,
            name,
            total: c[0],
            closed: c[1],
            closed_on_time: c[2],
            overdue: c[3],
            completion_rate: dangjian_domain::task::completion_rate(c[1], c[0]),
        };
        Ok(TaskStats {
            total: sum[0],
            closed: sum[1],
            closed_on_time: sum[2],
            overdue: sum[3],
            completion_rate: dangjian_domain::task::completion_rate(sum[1], sum[0]),
            by_element: elements
                .into_iter()
                .map(|((id, name), c)| group(id.map(|i| i.to_string()).unwrap_or_else(|| "none".into()), name, c))
                .collect(),
            by_list: lists
                .into_iter()
                .map(|(kind, c)| {
                    let name = ListKind::parse(&kind)
                        .map(|k| k.label(dangjian_domain::Locale::ZhCn).to_string())
                        .unwrap_or(kind.clone());
                    group(kind, name, c)
                })
                .collect(),
        })
    }

    /// Where overdue and returned items are, one row per child org.
    pub async fn supervision_board(&self, org_id: i64, today: NaiveDate) -> StoreResult<Board> {
        let org = self.org(org_id).await?;
        let t = self.p.tenant_id;
        let rows = self.db.read("SELECT o.id, o.name, \
               CAST(COALESCE(SUM(CASE WHEN tk.status IN ('open', 'in_progress', 'under_review') THEN 1 ELSE 0 END), 0) AS BIGINT), \
               CAST(COALESCE(SUM(CASE WHEN tk.status IN ('open', 'in_progress', 'under_review') AND tk.due_on < $3 THEN 1 ELSE 0 END), 0) AS BIGINT), \
               CAST(COALESCE(SUM(CASE WHEN tk.status IN ('open', 'in_progress') AND tk.round > 1 THEN 1 ELSE 0 END), 0) AS BIGINT), \
               CAST(COALESCE(SUM((SELECT COUNT(*) FROM supervision_notices n WHERE n.tenant_id = tk.tenant_id AND n.task_id = tk.id AND n.responded_at IS NULL)), 0) AS BIGINT) \
             FROM orgs o \
             JOIN org_closure c ON c.tenant_id = o.tenant_id AND c.ancestor_id = o.id \
             LEFT JOIN tasks tk ON tk.tenant_id = c.tenant_id AND tk.org_id = c.descendant_id \
             WHERE o.tenant_id = $1 AND o.parent_id = $2 AND o.dissolved_on IS NULL \
             GROUP BY o.id, o.name ORDER BY 4 DESC, 5 DESC, o.name", crate::args![t, org_id, date_text(today)]).await?;
        let rows = rows
            .iter()
            .map(|r| {
                Ok(BoardRow {
                    org_id: r.try_get(0)?,
                    org_name: r.try_get(1)?,
                    open: r.try_get(2)?,
                    overdue: r.try_get(3)?,
                    returned: r.try_get(4)?,
                    notices_open: r.try_get(5)?,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        let sql = format!(
            "SELECT {TASK_COLS} {TASK_FROM} WHERE t.tenant_id = $1 AND t.org_id = $2 AND t.status IN ('open', 'in_progress', 'under_review') \
             AND (t.due_on < $3 OR t.round > 1) ORDER BY t.due_on"
        );
        let here = self
            .db
            .read(&sql, crate::args![t, org_id, date_text(today)])
            .await?
            .iter()
            .map(task_from)
            .collect::<StoreResult<_>>()?;
        Ok(Board { org: OrgRef { id: org.id, name: org.name }, rows, here })
    }

    // ---- to-do -----------------------------------------------------------

    /// What waits for the caller: steps to approve, own tasks due within 7
    /// days or overdue, and supervision notices to answer.
    pub async fn todo(&self, today: NaiveDate) -> StoreResult<Todo> {
        let t = self.p.tenant_id;
        let visible = self.task_visible();
        let limit = 500;
        let under_review = self.db.read(&format!(
            "SELECT {TASK_COLS} {TASK_FROM} WHERE t.tenant_id = $1 AND t.status = 'under_review' AND {visible} ORDER BY t.due_on LIMIT {limit}"
        ), crate::args![t]).await?
        .iter()
        .map(task_from)
        .collect::<StoreResult<Vec<_>>>()?;
        let mut procedures: HashMap<Option<i64>, Procedure> = HashMap::new();
        let mut lists: HashMap<i64, Option<i64>> = HashMap::new();
        let mut approvals = Vec::new();
        for task in under_review {
            let proc_id = match lists.get(&task.list_id) {
                Some(p) => *p,
                None => {
                    let p = self.fetch_list(task.list_id).await?.procedure_id;
                    lists.insert(task.list_id, p);
                    p
                }
            };
            if let std::collections::hash_map::Entry::Vacant(slot) = procedures.entry(proc_id) {
                slot.insert(self.procedure(proc_id).await?.1);
            }
            let procedure = &procedures[&proc_id];
            let Some(def) = task.step.and_then(|s| procedure.steps.get(s as usize)) else { continue };
            let lineage = self.lineage(task.org_id).await?;
            let view = step_view(task.step.unwrap_or(0) as usize, def, &lineage);
            if let Some(org) = view.org_id {
                if self.acts_as(def.actor.role(), org).await? {
                    approvals.push(TodoItem {
                        task,
                        reason: "approve".into(),
                        step_name: Some(def.name.clone()),
                        notice_id: None,
                        respond_by: None,
                    });
                }
            }
        }
        let own = match self.org_filter(Action::WriteOrgDetails, "t.org_id", false) {
            OrgFilter::Nothing => "FALSE".to_string(),
            OrgFilter::All => "TRUE".to_string(),
            OrgFilter::Sql(s) => s,
        };
        let soon = date_text(today + chrono::Duration::days(7));
        let due_rows = self.db.read(&format!(
            "SELECT {TASK_COLS} {TASK_FROM} WHERE t.tenant_id = $1 AND t.status IN ('open', 'in_progress') AND t.due_on <= $2 AND {own} \
             AND NOT EXISTS (SELECT 1 FROM tasks c WHERE c.tenant_id = t.tenant_id AND c.parent_id = t.id) ORDER BY t.due_on LIMIT {limit}"
        ), crate::args![t, &soon]).await?;
        let today_s = date_text(today);
        let mut due_soon = Vec::new();
        let mut overdue = Vec::new();
        for r in &due_rows {
            let task = task_from(r)?;
            if task.due_on.as_deref().is_some_and(|d| d < today_s.as_str()) {
                overdue.push(TodoItem {
                    task,
                    reason: "overdue".into(),
                    step_name: None,
                    notice_id: None,
                    respond_by: None,
                });
            } else {
                due_soon.push(TodoItem {
                    task,
                    reason: "due_soon".into(),
                    step_name: None,
                    notice_id: None,
                    respond_by: None,
                });
            }
        }
        let notice_rows = self.db.read(&format!(
            "SELECT n.id, n.response_due, {TASK_COLS} FROM supervision_notices n JOIN tasks t ON t.tenant_id = n.tenant_id AND t.id = n.task_id \
             JOIN orgs o ON o.tenant_id = t.tenant_id AND o.id = t.org_id JOIN task_lists l ON l.tenant_id = t.tenant_id AND l.id = t.list_id \
             WHERE n.tenant_id = $1 AND n.responded_at IS NULL AND {own} ORDER BY n.response_due LIMIT {limit}"
        ), crate::args![t]).await?;
        let mut notices = Vec::new();
        for r in &notice_rows {
            // The task's columns start after the notice's two.
            let task = task_from_offset(r, 2)?;
            notices.push(TodoItem {
                task,
                reason: "notice".into(),
                step_name: None,
                notice_id: Some(r.try_get(0)?),
                respond_by: Some(r.try_get(1)?),
            });
        }
        let counts = TodoCounts {
            approvals: approvals.len(),
            due_soon: due_soon.len(),
            overdue: overdue.len(),
            notices: notices.len(),
            total: approvals.len() + due_soon.len() + overdue.len() + notices.len(),
        };
        Ok(Todo { approvals, due_soon, overdue, notices, counts })
    }
}

impl StoreError {
    /// A step that is not the caller's is a permission problem, not a conflict.
    fn forbidden_if_code(self) -> StoreError {
        match self {
            StoreError::Conflict(Code::StepNotYours) => StoreError::Forbidden,
            e => e,
        }
    }
}

/// A task from the row's columns `off..off + 28` (in `TASK_COLS` order).
fn task_from_offset(r: &Row, off: usize) -> StoreResult<Task> {
    Ok(Task {
        id: r.try_get(off)?,
        list_id: r.try_get(off + 1)?,
        parent_id: r.try_get(off + 2)?,
        level: r.try_get(off + 3)?,
        seq: r.try_get(off + 4)?,
        category: r.try_get(off + 5)?,
        title: r.try_get(off + 6)?,
        measure: r.try_get(off + 7)?,
        target: r.try_get(off + 8)?,
        element_id: r.try_get(off + 9)?,
        org_id: r.try_get(off + 10)?,
        org_name: r.try_get(off + 11)?,
        person: r.try_get(off + 12)?,
        leader: r.try_get(off + 13)?,
        start_on: r.try_get(off + 14)?,
        due_on: r.try_get(off + 15)?,
        weight: r.try_get(off + 16)?,
        progress: r.try_get(off + 17)?,
        status: r.try_get(off + 18)?,
        round: r.try_get(off + 19)?,
        step: r.try_get(off + 20)?,
        closed_on: r.try_get(off + 21)?,
        decision_kind: r.try_get(off + 22)?,
        pre_review_on: r.try_get(off + 23)?,
        pre_review_conclusion: r.try_get(off + 24)?,
        decided_on: r.try_get(off + 25)?,
        note: r.try_get(off + 26)?,
        version: r.try_get(off + 27)?,
    })
}

const NOTICE_SELECT: &str = "SELECT n.id, n.task_id, t.title, n.org_id, o.name, n.level, n.auto, n.issued_on, n.response_due, n.note, n.response, n.responded_at \
    FROM supervision_notices n JOIN tasks t ON t.tenant_id = n.tenant_id AND t.id = n.task_id JOIN orgs o ON o.tenant_id = n.tenant_id AND o.id = n.org_id";

fn notice_from(r: &Row) -> StoreResult<Notice> {
    Ok(Notice {
        id: r.try_get(0)?,
        task_id: r.try_get(1)?,
        task_title: r.try_get(2)?,
        org_id: r.try_get(3)?,
        org_name: r.try_get(4)?,
        level: r.try_get(5)?,
        auto: r.try_get::<i64>(6)? != 0,
        issued_on: r.try_get(7)?,
        response_due: r.try_get(8)?,
        note: r.try_get(9)?,
        response: r.try_get(10)?,
        responded_at: r.try_get(11)?,
    })
}

fn list_from(r: &Row) -> StoreResult<TaskList> {
    Ok(TaskList {
        id: r.try_get(0)?,
        org_id: r.try_get(1)?,
        org_name: r.try_get(2)?,
        kind: r.try_get(3)?,
        name: r.try_get(4)?,
        year: r.try_get(5)?,
        source: r.try_get(6)?,
        procedure_id: r.try_get(7)?,
        framework_id: r.try_get(8)?,
    })
}

/// Each task's progress: its own for a leaf, the weighted mean of its children's otherwise.
pub fn rolled_progress(tasks: &[Task]) -> HashMap<i64, f64> {
    let mut kids: HashMap<i64, Vec<&Task>> = HashMap::new();
    for t in tasks {
        if let Some(p) = t.parent_id {
            kids.entry(p).or_default().push(t);
        }
    }
    fn value(t: &Task, kids: &HashMap<i64, Vec<&Task>>, memo: &mut HashMap<i64, f64>, depth: usize) -> f64 {
        if let Some(v) = memo.get(&t.id) {
            return *v;
        }
        let v = match kids.get(&t.id) {
            Some(children) if depth < 64 => {
                let pairs: Vec<(f64, f64)> =
                    children.iter().map(|c| (c.weight, value(c, kids, memo, depth + 1))).collect();
                roll_up(&pairs).unwrap_or(t.progress)
            }
            _ => {
                if t.status == "closed" {
                    100.0
                } else {
                    t.progress
                }
            }
        };
        memo.insert(t.id, v);
        v
    }
    let mut memo = HashMap::new();
    for t in tasks {
        value(t, &kids, &mut memo, 0);
    }
    memo
}

pub(crate) async fn lineage(db: &crate::Db, tenant_id: i64, org_id: i64) -> StoreResult<Vec<i64>> {
    let rows = db
        .read(
            "SELECT ancestor_id FROM org_closure WHERE tenant_id = $1 AND descendant_id = $2 ORDER BY depth",
            crate::args![tenant_id, org_id],
        )
        .await?;
    rows.iter().map(|r| r.try_get(0)).collect()
}

/// A new task that passed validation: what [`Scoped::write_new_task`] needs.
pub(crate) struct CheckedTask {
    title: String,
    dates: NewTaskDates,
}

struct NewTaskDates {
    level: Option<TaskLevel>,
    decision: Option<DecisionKind>,
    start: Option<NaiveDate>,
    due: Option<NaiveDate>,
    pre: Option<NaiveDate>,
    decided: Option<NaiveDate>,
    weight: f64,
}

async fn insert_task(
    tx: &mut WriteTx,
    t: i64,
    id: i64,
    list_id: i64,
    i: &TaskInput,
    d: &NewTaskDates,
) -> StoreResult<()> {
    let now = crate::now_text();
    sqlx::query(
        "INSERT INTO tasks (tenant_id, id, list_id, parent_id, level, seq, category, title, measure, target, element_id, org_id, person, leader, \
         start_on, due_on, weight, progress, status, round, decision_kind, pre_review_on, pre_review_conclusion, decided_on, note, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, 0, 'open', 1, $18, $19, $20, $21, $22, $23, $23)",
    )
    .bind(t)
    .bind(id)
    .bind(list_id)
    .bind(i.parent_id)
    .bind(d.level.map(|l| l.as_str()))
    .bind(i.seq.trim())
    .bind(i.category.trim())
    .bind(i.title.trim())
    .bind(i.measure.trim())
    .bind(i.target.trim())
    .bind(i.element_id)
    .bind(i.org_id)
    .bind(i.person.trim())
    .bind(i.leader.trim())
    .bind(d.start.map(date_text))
    .bind(d.due.map(date_text))
    .bind(d.weight)
    .bind(d.decision.map(|k| k.as_str()))
    .bind(d.pre.map(date_text))
    .bind(i.pre_review_conclusion.trim())
    .bind(d.decided.map(date_text))
    .bind(i.note.trim())
    .bind(now)
    .execute(tx.conn())
    .await?;
    rollups::tasks_added(tx, t, id, 1).await?;
    // The parent is no longer a leaf (the figures count leaves by this flag).
    if let Some(parent) = i.parent_id {
        let before = rollups::task_fact(tx, t, parent).await?;
        sqlx::query("UPDATE tasks SET leaf = 0 WHERE tenant_id = $1 AND id = $2 AND leaf = 1")
            .bind(t)
            .bind(parent)
            .execute(tx.conn())
            .await?;
        rollups::task_changed(tx, t, before.as_ref(), None).await?;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn add_event(
    tx: &mut WriteTx,
    p: &Principal,
    task_id: i64,
    kind: &str,
    round: Option<i64>,
    step: Option<i64>,
    progress: Option<f64>,
    note: &str,
) -> StoreResult<()> {
    let id = next_ids(tx, p.tenant_id, "task_events", 1).await?;
    // sqlx 0.8's Any driver types a NULL f64 as float4, which a cached
    // PostgreSQL statement then refuses for a real f64: leave the column out instead.
    let sql = if progress.is_some() {
        "INSERT INTO task_events (tenant_id, id, task_id, at, actor_id, actor, kind, round, step, note, progress) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
    } else {
        "INSERT INTO task_events (tenant_id, id, task_id, at, actor_id, actor, kind, round, step, note) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
    };
    let mut q = sqlx::query(sql)
        .bind(p.tenant_id)
        .bind(id)
        .bind(task_id)
        .bind(crate::now_text())
        .bind(p.user_id)
        .bind(&p.username)
        .bind(kind)
        .bind(round)
        .bind(step)
        .bind(note);
    if let Some(v) = progress {
        q = q.bind(v);
    }
    q.execute(tx.conn()).await?;
    Ok(())
}

/// The escalation job (see `dangjian_domain::escalation`): one notice per
/// (task, level) that is due and missing. Safe to run any number of times.
impl crate::db::System<'_> {
    pub async fn run_escalation(&self, today: NaiveDate) -> StoreResult<usize> {
        let t = self.tenant_id;
        let settings = crate::orgs::load_settings(self.db, t).await?;
        let Some(first) = settings.escalation_days.first().copied() else { return Ok(0) };
        let cutoff = date_text(today - chrono::Duration::days(first));
        let rows = self.db.read("SELECT id, org_id, due_on, round FROM tasks WHERE tenant_id = $1 AND status IN ('open', 'in_progress', 'under_review') \
             AND due_on IS NOT NULL AND due_on <= $2", crate::args![t, &cutoff]).await?;
        let actor = Principal { username: "督办任务".into(), ..self.cli_principal() };
        let mut created = 0;
        for r in &rows {
            let task_id: i64 = r.try_get(0)?;
            let org_id: i64 = r.try_get(1)?;
            let due_text: String = r.try_get(2)?;
            let round: i64 = r.try_get(3)?;
            let Ok(due) = NaiveDate::parse_from_str(&due_text, "%Y-%m-%d") else { continue };
            let levels = dangjian_domain::escalation::levels_due(due, today, &settings.escalation_days);
            if levels == 0 {
                continue;
            }
            let lineage = lineage(self.db, t, org_id).await?;
            let mut tx = self.db.begin_write().await?;
            let mut made = Vec::new();
            for (level, &org) in lineage.iter().enumerate().skip(1).take(levels) {
                let issued =
                    dangjian_domain::escalation::level_date(due, level, &settings.escalation_days).unwrap_or(today);
                let response_due = today.max(issued) + chrono::Duration::days(settings.notice_response_days);
                let id = next_ids(&mut tx, t, "supervision_notices", 1).await?;
                let res = sqlx::query(
                    "INSERT INTO supervision_notices (tenant_id, id, task_id, org_id, level, auto, issued_on, response_due, note) \
                     VALUES ($1, $2, $3, $4, $5, 1, $6, $7, $8) ON CONFLICT (tenant_id, task_id, level) WHERE auto = 1 DO NOTHING",
                )
                .bind(t)
                .bind(id)
                .bind(task_id)
                .bind(org)
                .bind(level as i64)
                .bind(date_text(today))
                .bind(date_text(response_due))
                .bind(format!("超期自动督办（第{level}级）"))
                .execute(tx.conn())
                .await?;
                if res.rows_affected() > 0 {
                    made.push(json!({"notice": id, "level": level, "org_id": org}));
                    add_event(
                        &mut tx,
                        &actor,
                        task_id,
                        "escalated",
                        Some(round),
                        None,
                        None,
                        &format!("超期自动督办至第{level}级"),
                    )
                    .await?;
                }
            }
            if made.is_empty() {
                continue;
            }
            created += made.len();
            append(
                &mut tx,
                &actor,
                Change {
                    action: "escalate",
                    entity_type: "task",
                    entity_id: task_id.to_string(),
                    org_id: Some(org_id),
                    before: None,
                    after: Some(json!({"notices": made})),
                },
            )
            .await?;
            tx.commit().await?;
        }
        Ok(created)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(id: i64, parent: Option<i64>, weight: f64, progress: f64, status: &str) -> Task {
        Task {
            id,
            list_id: 1,
            parent_id: parent,
            level: None,
            seq: String::new(),
            category: String::new(),
            title: String::new(),
            measure: String::new(),
            target: String::new(),
            element_id: None,
            org_id: 1,
            org_name: String::new(),
            person: String::new(),
            leader: String::new(),
            start_on: None,
            due_on: None,
            weight,
            progress,
            status: status.into(),
            round: 1,
            step: None,
            closed_on: None,
            decision_kind: None,
            pre_review_on: None,
            pre_review_conclusion: String::new(),
            decided_on: None,
            note: String::new(),
            version: 1,
        }
    }

    #[test]
    fn progress_rolls_up_the_tree() {
        // 重大事项 1 → 年度指标 2 (weight 3) and 3 (weight 1); 2 → 子项 4 (closed), 5 (40%).
        let tasks = vec![
            task(1, None, 1.0, 0.0, "in_progress"),
            task(2, Some(1), 3.0, 0.0, "in_progress"),
            task(3, Some(1), 1.0, 20.0, "in_progress"),
            task(4, Some(2), 1.0, 10.0, "closed"),
            task(5, Some(2), 1.0, 40.0, "in_progress"),
        ];
        let p = rolled_progress(&tasks);
        assert_eq!(p[&4], 100.0, "a closed leaf counts as done");
        assert_eq!(p[&2], 70.0);
        assert_eq!(p[&1], 57.5);
    }

    #[test]
    fn roles_cover_lower_duties() {
        assert!(role_covers(Role::CommitteeStaff, Role::BranchSecretary));
        assert!(!role_covers(Role::BranchSecretary, Role::CommitteeStaff));
        assert!(!role_covers(Role::Member, Role::BranchSecretary));
    }
}

/// What a ledger import did.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct LedgerSummary {
    pub rows: usize,
    pub created: usize,
}

impl Scoped<'_> {
    /// Imports a rectification ledger into a list: each row becomes a task for
    /// the named responsible org (resolved in the list org's subtree, by name
    /// or `上级/名称` path) with its cooperating orgs. Every bad row is
    /// reported and nothing is stored when any row is bad.
    pub async fn import_ledger(
        &self,
        list_id: i64,
        rows: Vec<dangjian_excel::LedgerRow>,
    ) -> StoreResult<LedgerSummary> {
        let list = self.fetch_list(list_id).await?;
        self.require(Action::WriteOrgDetails, list.org_id).await?;
        let subtree = self.subtree(list.org_id).await?;
        let paths = crate::import::OrgPaths::new(&subtree, list.org_id, |_| true);
        let mut errors = Vec::new();
        let mut resolved = Vec::with_capacity(rows.len());
        for r in &rows {
            let err = |column: &str, code: Code, value: &str| dangjian_excel::RowError {
                row: r.row,
                column: column.into(),
                code,
                value: value.chars().take(60).collect(),
            };
            let org = match paths.resolve(&r.responsible_org) {
                Ok(o) => Some(o),
                Err(code) => {
                    errors.push(err("责任单位", code, &r.responsible_org));
                    None
                }
            };
            let mut coop = Vec::new();
            for c in &r.cooperating_orgs {
                match paths.resolve(c) {
                    Ok(o) => coop.push(o),
                    Err(code) => errors.push(err("配合单位", code, c)),
                }
            }
            resolved.push((org, coop));
        }
        if !errors.is_empty() {
            return Err(StoreError::ImportRows(errors));
        }
        let t = self.p.tenant_id;
        let mut tx = self.db.begin_write().await?;
        // In bulk: one multi-row INSERT per chunk for tasks, their timeline's
        // first entry and their cooperating orgs (row-at-a-time took 33 s for
        // 50,000 rows on PostgreSQL).
        let first = next_ids(&mut tx, t, "tasks", rows.len() as i64).await?;
        let first_event = next_ids(&mut tx, t, "task_events", rows.len() as i64).await?;
        let now = crate::now_text();
        const TASK_ARITY: usize = 16;
        for (chunk_no, chunk) in rows.chunks(500).enumerate() {
            let sql = format!(
                "INSERT INTO tasks (tenant_id, id, list_id, seq, category, title, measure, target, org_id, person, leader, due_on, \
                 note, status, created_at, updated_at) VALUES {}",
                tx.values_placeholders(chunk.len(), TASK_ARITY)
            );
            let mut q = sqlx::query(&sql);
            for (k, r) in chunk.iter().enumerate() {
                let i = chunk_no * 500 + k;
                q = q
                    .bind(t)
                    .bind(first + i as i64)
                    .bind(list_id)
                    .bind(r.seq.clone().unwrap_or_default())
                    .bind(r.category.clone().unwrap_or_default())
                    .bind(r.problem.clone())
                    .bind(r.measure.clone())
                    .bind(r.target.clone().unwrap_or_default())
                    .bind(resolved[i].0.expect("checked above"))
                    .bind(r.responsible_person.clone().unwrap_or_default())
                    .bind(r.leading_leader.clone().unwrap_or_default())
                    .bind(date_text(r.due_on))
                    .bind(r.note.clone().unwrap_or_default())
                    .bind("open")
                    .bind(now.clone())
                    .bind(now.clone());
            }
            q.execute(tx.conn()).await?;
            let sql = format!(
                "INSERT INTO task_events (tenant_id, id, task_id, at, actor_id, actor, kind, round, note) VALUES {}",
                tx.values_placeholders(chunk.len(), 9)
            );
            let mut q = sqlx::query(&sql);
            for k in 0..chunk.len() {
                let i = (chunk_no * 500 + k) as i64;
                q = q
                    .bind(t)
                    .bind(first_event + i)
                    .bind(first + i)
                    .bind(now.clone())
                    .bind(self.p.user_id)
                    .bind(self.p.username.clone())
                    .bind("created")
                    .bind(1i64)
                    .bind("台账导入");
            }
            q.execute(tx.conn()).await?;
        }
        let coops: Vec<(i64, i64)> = resolved
            .iter()
            .enumerate()
            .flat_map(|(i, (_, coop))| {
                let mut c = coop.clone();
                c.sort_unstable();
                c.dedup();
                c.into_iter().map(move |org| (first + i as i64, org))
            })
            .collect();
        for chunk in coops.chunks(500) {
            let sql = format!(
                "INSERT INTO task_cooperators (tenant_id, task_id, org_id) VALUES {}",
                tx.values_placeholders(chunk.len(), 3)
            );
            let mut q = sqlx::query(&sql);
            for (task_id, org) in chunk {
                q = q.bind(t).bind(*task_id).bind(*org);
            }
            q.execute(tx.conn()).await?;
        }
        let changes: Vec<Change> = rows
            .iter()
            .zip(&resolved)
            .enumerate()
            .map(|(i, (r, (org, _)))| Change {
                action: "import",
                entity_type: "task",
                entity_id: (first + i as i64).to_string(),
                org_id: *org,
                before: None,
                after: Some(json!({"list_id": list_id, "title": r.problem, "measure": r.measure, "org_id": org, "due_on": date_text(r.due_on)})),
            })
            .collect();
        rollups::tasks_added(&mut tx, t, first, rows.len() as i64).await?;
        crate::audit::append_many(&mut tx, self.p, changes).await?;
        tx.commit().await?;
        Ok(LedgerSummary { rows: rows.len(), created: rows.len() })
    }

    /// The list as ledger rows, in the layout users know, with each item's status.
    pub async fn ledger_rows(
        &self,
        list_id: i64,
        today: NaiveDate,
    ) -> StoreResult<(TaskList, Vec<dangjian_excel::LedgerExportRow>)> {
        let (list, tasks) = self.list(list_id).await?;
        let subtree = self.subtree(list.org_id).await.unwrap_or_default();
        let paths = crate::import::OrgPaths::new(&subtree, list.org_id, |_| true);
        let t = self.p.tenant_id;
        let mut out = Vec::with_capacity(tasks.len());
        let today_s = date_text(today);
        for task in tasks {
            let coop: Vec<String> = self
                .db
                .read(
                    "SELECT org_id FROM task_cooperators WHERE tenant_id = $1 AND task_id = $2 ORDER BY org_id",
                    crate::args![t, task.id],
                )
                .await?
                .iter()
                .filter_map(|r| r.try_get::<i64>(0).ok())
                .map(|id| paths.label(id).map(str::to_string).unwrap_or_else(|| id.to_string()))
                .collect();
            let latest: Option<String> = self.db.read_opt("SELECT note FROM task_events WHERE tenant_id = $1 AND task_id = $2 AND kind = 'progress' AND note <> '' ORDER BY id DESC LIMIT 1", crate::args![t, task.id]).await?
            .map(|r| r.try_get(0))
            .transpose()?;
            let status = TaskStatus::parse(&task.status).unwrap_or(TaskStatus::Open);
            let overdue = status.is_open() && task.due_on.as_deref().is_some_and(|d| d < today_s.as_str());
            let label = if overdue {
                format!("超期（{}）", status.label(dangjian_domain::Locale::ZhCn))
            } else {
                status.label(dangjian_domain::Locale::ZhCn).to_string()
            };
            let parse = |s: &Option<String>| s.as_deref().and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
            out.push(dangjian_excel::LedgerExportRow {
                seq: Some(task.seq.clone()).filter(|s| !s.is_empty()),
                category: Some(task.category.clone()).filter(|s| !s.is_empty()),
                problem: task.title.clone(),
                measure: task.measure.clone(),
                responsible_org: paths.label(task.org_id).map(str::to_string).unwrap_or(task.org_name.clone()),
                responsible_person: Some(task.person.clone()).filter(|s| !s.is_empty()),
                leading_leader: Some(task.leader.clone()).filter(|s| !s.is_empty()),
                cooperating_orgs: coop,
                due_on: parse(&task.due_on).unwrap_or(today),
                target: Some(task.target.clone()).filter(|s| !s.is_empty()),
                note: Some(task.note.clone()).filter(|s| !s.is_empty()),
                status: label,
                progress: latest,
                closed_on: parse(&task.closed_on),
            });
        }
        Ok((list, out))
    }
}
