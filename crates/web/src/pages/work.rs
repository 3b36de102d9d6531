//! Work-system pages: the to-do centre, an org's lists and a list's ledger,
//! one task with its close-out, frameworks (体系) with their element trees,
//! and the supervision board (督办看板).
//!
//! Every read and write goes through the caller's scoped handle. A form that
//! fails re-renders its page with the localized problem above it and the
//! error's status (a reviewer acting on a step someone else just took sees
//! the 409 `step_taken` message with the task's current state); a form that
//! succeeds redirects back with a short confirmation (post/redirect/get).

use std::collections::{HashMap, HashSet};

use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{Datelike, NaiveDate};
use dangjian_domain::closeout::Action as CloseAction;
use dangjian_domain::role::Action;
use dangjian_domain::task::{ListKind, TaskLevel, TaskStatus};
use dangjian_domain::{Code, Locale};
use dangjian_store::frameworks::ElementInput;
use dangjian_store::tasks::{rolled_progress, NewList, Task, TaskInput};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{fail, go, opt, opt_id};
use crate::auth::{CsrfForm, CurrentUser};
use crate::error::AppError;
use crate::AppState;

fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// The confirmations a redirect may ask for (`?ok=…`); anything else is ignored.
const OK_KEYS: &[&str] = &[
    "list_created",
    "task_created",
    "progress",
    "submitted",
    "approved",
    "returned",
    "evidence",
    "notice",
    "responded",
    "framework_created",
    "copied",
    "element_added",
    "element_saved",
    "mechanism_added",
];

#[derive(Deserialize, Default)]
pub struct OkQuery {
    ok: Option<String>,
}

fn ok_key(q: &Option<String>) -> Option<&'static str> {
    q.as_deref().and_then(|k| OK_KEYS.iter().copied().find(|o| *o == k))
}

/// Renders a page, labelling form errors from `work.field.*`.
fn show(
    s: &AppState,
    user: &CurrentUser,
    name: &str,
    v: Value,
    ok: Option<&'static str>,
    err: Option<AppError>,
) -> Response {
    super::show(s, user, name, v, ok, err, "work.field")
}

fn is_overdue(t: &Task, today: &str) -> bool {
    TaskStatus::parse(&t.status).is_ok_and(|s| s.is_open()) && t.due_on.as_deref().is_some_and(|d| d < today)
}

fn pct(v: f64) -> f64 {
    (v.clamp(0.0, 100.0) * 10.0).round() / 10.0
}

/// A number for people: `100`, `37.5`, no trailing `.0`.
fn num_text(v: f64) -> String {
    let r = (v * 100.0).round() / 100.0;
    if r.fract() == 0.0 {
        format!("{r:.0}")
    } else {
        format!("{r}")
    }
}

/// A rate in percent, or a dash when nothing is due.
fn rate_text(v: Option<f64>) -> String {
    v.map(|r| format!("{}%", num_text(r))).unwrap_or_else(|| "—".into())
}

fn shorten(s: &str, n: usize) -> String {
    if s.chars().count() > n {
        format!("{}…", s.chars().take(n).collect::<String>())
    } else {
        s.to_string()
    }
}

/// A JSON view of a task for tables: the task plus its rolled progress and overdue flag.
fn task_row(t: &Task, rolled: &HashMap<i64, f64>, today: &str) -> Value {
    let mut v = serde_json::to_value(t).unwrap_or_default();
    let p = pct(rolled.get(&t.id).copied().unwrap_or(t.progress));
    v["rolled"] = json!(p);
    v["rolled_text"] = json!(num_text(p));
    v["overdue"] = json!(is_overdue(t, today));
    v["returned"] = json!(t.round > 1 && matches!(t.status.as_str(), "open" | "in_progress"));
    v
}

fn parse_f64(field: &str, s: &Option<String>) -> Result<Option<f64>, AppError> {
    match opt(s) {
        None => Ok(None),
        Some(t) => t
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .map(Some)
            .ok_or_else(|| AppError::field(field, Code::InvalidValue)),
    }
}

fn parse_year(field: &str, s: &Option<String>) -> Result<Option<i32>, AppError> {
    match opt_id(field, s)? {
        None => Ok(None),
        Some(y) if (1900..=2200).contains(&y) => Ok(Some(y as i32)),
        Some(_) => Err(AppError::field(field, Code::InvalidValue)),
    }
}

fn options<T: Copy>(all: &[T], code: fn(T) -> &'static str, label: fn(T, Locale) -> &'static str, l: Locale) -> Value {
    json!(all.iter().map(|k| json!([code(*k), label(*k, l)])).collect::<Vec<_>>())
}

// ------------------------------------------------------------------ to-do

pub async fn todo(State(s): State<AppState>, user: CurrentUser, Query(q): Query<OkQuery>) -> Response {
    todo_view(&s, &user, ok_key(&q.ok), None).await
}

async fn todo_view(s: &AppState, user: &CurrentUser, ok: Option<&'static str>, err: Option<AppError>) -> Response {
    let t = today();
    let today_s = t.to_string();
    match s.db.scoped(&user.principal).todo(t).await {
        Ok(todo) => {
            let none = HashMap::new();
            let items = |list: &[dangjian_store::tasks::TodoItem]| -> Vec<Value> {
                list.iter()
                    .map(|i| {
                        json!({"task": task_row(&i.task, &none, &today_s), "step_name": i.step_name,
                            "notice_id": i.notice_id, "respond_by": i.respond_by})
                    })
                    .collect()
            };
            let v = json!({
                "counts": todo.counts,
                "approvals": items(&todo.approvals),
                "due_soon": items(&todo.due_soon),
                "overdue": items(&todo.overdue),
                "notices": items(&todo.notices),
            });
            show(s, user, "todo.html", v, ok, err)
        }
        Err(e) => fail(s, user, e.into()),
    }
}

#[derive(Deserialize)]
pub struct RespondForm {
    #[serde(default)]
    response: String,
    /// "todo" to come back to the to-do centre; otherwise the task page.
    #[serde(default)]
    back: String,
    task_id: Option<String>,
}

pub async fn respond_notice(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(user, f): CsrfForm<RespondForm>,
) -> Response {
    let r = s.db.scoped(&user.principal).respond_notice(id, &f.response).await;
    let to_todo = f.back == "todo";
    match r {
        Ok(_) if to_todo => go("/todo?ok=responded".into()),
        Ok(n) => go(format!("/tasks/{}?ok=responded", n.task_id)),
        Err(e) => {
            let task_id = opt_id("task_id", &f.task_id).ok().flatten();
            match task_id {
                Some(tid) if !to_todo => task_view(&s, &user, tid, None, Some(e.into())).await,
                _ => todo_view(&s, &user, None, Some(e.into())).await,
            }
        }
    }
}

// ------------------------------------------------------------------ lists

pub async fn lists(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<OkQuery>,
) -> Response {
    lists_view(&s, &user, id, json!({}), ok_key(&q.ok), None).await
}

async fn lists_view(
    s: &AppState,
    user: &CurrentUser,
    id: i64,
    form: Value,
    ok: Option<&'static str>,
    err: Option<AppError>,
) -> Response {
    let scoped = s.db.scoped(&user.principal);
    let r = async {
        let org = scoped.org(id).await?;
        let lists = scoped.lists(id).await?;
        let can_write = scoped.require(Action::WriteOrgDetails, id).await.is_ok();
        let frameworks = if can_write { scoped.frameworks_for(id).await.unwrap_or_default() } else { vec![] };
        Ok::<_, AppError>(json!({
            "org": org, "lists": lists, "can_write": can_write, "frameworks": frameworks,
            "kinds": options(ListKind::ALL, ListKind::as_str, ListKind::label, user.locale),
            "year": today().year(), "form": form,
        }))
    }
    .await;
    match r {
        Ok(v) => show(s, user, "lists.html", v, ok, err),
        Err(e) => fail(s, user, e),
    }
}

#[derive(Deserialize, Default)]
pub struct ListForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
    year: Option<String>,
    #[serde(default)]
    source: String,
    framework_id: Option<String>,
}

pub async fn create_list(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(user, f): CsrfForm<ListForm>,
) -> Response {
    let r = async {
        let kind = ListKind::parse(&f.kind).map_err(|c| AppError::field("kind", c))?;
        let new = NewList {
            org_id: id,
            kind,
            name: f.name.clone(),
            year: parse_year("year", &f.year)?.map(i64::from),
            source: f.source.clone(),
            procedure_id: None,
            framework_id: opt_id("framework_id", &f.framework_id)?,
        };
        Ok::<_, AppError>(s.db.scoped(&user.principal).create_list(&new).await?)
    }
    .await;
    match r {
        Ok(list) => go(format!("/lists/{}?ok=list_created", list.id)),
        Err(e) => {
            let form = json!({"kind": f.kind, "name": f.name, "year": f.year, "source": f.source, "framework_id": f.framework_id});
            lists_view(&s, &user, id, form, None, Some(e)).await
        }
    }
}

// ------------------------------------------------------------------ one list (the ledger)

#[derive(Deserialize, Default, Clone)]
pub struct LedgerQuery {
    status: Option<String>,
    org: Option<String>,
    overdue: Option<String>,
    ok: Option<String>,
}

pub async fn list_page(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<LedgerQuery>,
) -> Response {
    let ok = ok_key(&q.ok);
    list_view(&s, &user, id, &q, ListExtras { ok, ..Default::default() }).await
}

/// What a list page shows besides the ledger: a confirmation, a failed
/// form's problem and values, or an import's outcome.
#[derive(Default)]
struct ListExtras {
    ok: Option<&'static str>,
    err: Option<AppError>,
    form: Option<Value>,
    import: Option<Value>,
    status: Option<StatusCode>,
}

/// Tasks in tree order (parents first, siblings by id) with their depth.
fn tree_order(tasks: &[Task]) -> Vec<(usize, &Task)> {
    let ids: HashSet<i64> = tasks.iter().map(|t| t.id).collect();
    let mut kids: HashMap<Option<i64>, Vec<&Task>> = HashMap::new();
    for t in tasks {
        // A parent the caller cannot see: the task shows at the top level.
        let parent = t.parent_id.filter(|p| ids.contains(p));
        kids.entry(parent).or_default().push(t);
    }
    let mut out = Vec::with_capacity(tasks.len());
    let mut seen = HashSet::new();
    fn walk<'a>(
        kids: &HashMap<Option<i64>, Vec<&'a Task>>,
        parent: Option<i64>,
        depth: usize,
        seen: &mut HashSet<i64>,
        out: &mut Vec<(usize, &'a Task)>,
    ) {
        if let Some(list) = kids.get(&parent) {
            for t in list {
                if seen.insert(t.id) {
                    out.push((depth, t));
                    walk(kids, Some(t.id), depth + 1, seen, out);
                }
            }
        }
    }
    walk(&kids, None, 0, &mut seen, &mut out);
    // Anything left (a cycle cannot happen, but never drop a row).
    for t in tasks {
        if !seen.contains(&t.id) {
            out.push((0, t));
        }
    }
    out
}

async fn list_view(s: &AppState, user: &CurrentUser, id: i64, q: &LedgerQuery, extras: ListExtras) -> Response {
    let scoped = s.db.scoped(&user.principal);
    let r = async {
        let (list, tasks) = scoped.list(id).await?;
        let org_visible = scoped.org(list.org_id).await.is_ok();
        let can_write = scoped.require(Action::WriteOrgDetails, list.org_id).await.is_ok();
        let today_s = today().to_string();
        let rolled = rolled_progress(&tasks);
        let parents: HashSet<i64> = tasks.iter().filter_map(|t| t.parent_id).collect();
        let status = opt(&q.status);
        let org_text = opt(&q.org).map(|s| s.to_lowercase());
        let overdue_only = q.overdue.is_some();
        let ordered = tree_order(&tasks);
        let rows: Vec<Value> = ordered
            .iter()
            .filter(|(_, t)| status.as_deref().is_none_or(|s| t.status == s))
            .filter(|(_, t)| org_text.as_deref().is_none_or(|o| t.org_name.to_lowercase().contains(o)))
            .filter(|(_, t)| !overdue_only || is_overdue(t, &today_s))
            .map(|(depth, t)| {
                let mut v = task_row(t, &rolled, &today_s);
                v["depth"] = json!((*depth).min(6));
                v["is_parent"] = json!(parents.contains(&t.id));
                v
            })
            .collect();
        // The add-task form: orgs of the list's subtree (a select when short), parents, elements.
        let (orgs, elements) = if can_write {
            let subtree = scoped.subtree(list.org_id).await.unwrap_or_default();
            let orgs: Vec<Value> = if subtree.len() <= 300 {
                subtree
                    .iter()
                    .filter(|o| o.dissolved_on.is_none())
                    .map(|o| json!({"id": o.id, "name": o.name, "depth": o.depth}))
                    .collect()
            } else {
                vec![]
            };
            let elements = match list.framework_id {
                Some(f) => scoped.framework(f).await.map(|d| element_options(&d.elements)).unwrap_or_default(),
                None => vec![],
            };
            (orgs, elements)
        } else {
            (vec![], vec![])
        };
        let min_depth = orgs.iter().filter_map(|o| o["depth"].as_i64()).min().unwrap_or(0);
        let orgs: Vec<Value> = orgs
            .into_iter()
            .map(|mut o| {
                o["indent"] = json!((o["depth"].as_i64().unwrap_or(0) - min_depth).clamp(0, 6));
                o
            })
            .collect();
        let parent_options: Vec<Value> = ordered
            .iter()
            .map(|(depth, t)| json!({"id": t.id, "title": shorten(&t.title, 40), "seq": t.seq, "indent": (*depth).min(6)}))
            .collect();
        Ok::<_, AppError>(json!({
            "list": list, "org_visible": org_visible, "can_write": can_write, "rows": rows,
            "total": tasks.len(), "shown": rows.len(),
            "q": {"status": status, "org": opt(&q.org), "overdue": overdue_only},
            "statuses": options(TaskStatus::ALL, TaskStatus::as_str, TaskStatus::label, user.locale),
            "levels": options(TaskLevel::ALL, TaskLevel::as_str, TaskLevel::label, user.locale),
            "orgs": orgs, "parents": parent_options, "elements": elements,
        }))
    }
    .await;
    match r {
        Ok(mut v) => {
            v["form"] = extras.form.unwrap_or_else(|| json!({}));
            v["ledger_import"] = extras.import.unwrap_or(Value::Null);
            let mut resp = show(s, user, "list.html", v, extras.ok, extras.err);
            if let Some(st) = extras.status {
                *resp.status_mut() = st;
            }
            resp
        }
        Err(e) => fail(s, user, e),
    }
}

/// Elements as select options, indented by depth.
fn element_options(els: &[dangjian_store::frameworks::Element]) -> Vec<Value> {
    let depths = element_depths(els);
    els.iter().map(|e| json!({"id": e.id, "name": e.name, "indent": depths.get(&e.id).copied().unwrap_or(0)})).collect()
}

fn element_depths(els: &[dangjian_store::frameworks::Element]) -> HashMap<i64, usize> {
    // Elements come parents first, so a parent's depth is known before its children's.
    let mut depth = HashMap::new();
    for e in els {
        let d = e.parent_id.and_then(|p| depth.get(&p).map(|d| d + 1)).unwrap_or(0);
        depth.insert(e.id, d);
    }
    depth
}

#[derive(Deserialize, Default)]
pub struct TaskForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    measure: String,
    org_id: Option<String>,
    #[serde(default)]
    person: String,
    #[serde(default)]
    leader: String,
    start_on: Option<String>,
    due_on: Option<String>,
    parent_id: Option<String>,
    level: Option<String>,
    element_id: Option<String>,
    weight: Option<String>,
    #[serde(default)]
    seq: String,
    #[serde(default)]
    category: String,
}

impl TaskForm {
    fn input(&self) -> Result<TaskInput, AppError> {
        Ok(TaskInput {
            parent_id: opt_id("parent_id", &self.parent_id)?,
            level: opt(&self.level),
            seq: self.seq.clone(),
            category: self.category.clone(),
            title: self.title.clone(),
            measure: self.measure.clone(),
            element_id: opt_id("element_id", &self.element_id)?,
            org_id: opt_id("org_id", &self.org_id)?.ok_or_else(|| AppError::field("org_id", Code::Required))?,
            person: self.person.clone(),
            leader: self.leader.clone(),
            start_on: opt(&self.start_on),
            due_on: opt(&self.due_on),
            weight: parse_f64("weight", &self.weight)?,
            ..Default::default()
        })
    }

    fn echo(&self) -> Value {
        json!({"title": self.title, "measure": self.measure, "org_id": opt(&self.org_id), "person": self.person,
            "leader": self.leader, "start_on": self.start_on, "due_on": self.due_on, "parent_id": opt(&self.parent_id),
            "level": self.level, "element_id": opt(&self.element_id), "weight": self.weight, "seq": self.seq,
            "category": self.category})
    }
}

pub async fn create_task(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(user, f): CsrfForm<TaskForm>,
) -> Response {
    let r = async {
        let input = f.input()?;
        Ok::<_, AppError>(s.db.scoped(&user.principal).create_task(id, &input).await?)
    }
    .await;
    match r {
        Ok(_) => go(format!("/lists/{id}?ok=task_created#ledger")),
        Err(e) => {
            let extras = ListExtras { err: Some(e), form: Some(f.echo()), ..Default::default() };
            list_view(&s, &user, id, &LedgerQuery::default(), extras).await
        }
    }
}

/// Reads a multipart form: the csrf field and one file (name, content type, bytes).
/// `Err(())` when the body is too large or malformed.
async fn read_upload(mp: &mut Multipart) -> Result<(String, Option<(String, String, Vec<u8>)>), ()> {
    let mut csrf = String::new();
    let mut file = None;
    loop {
        match mp.next_field().await {
            Ok(Some(field)) => match field.name() {
                Some("csrf") => csrf = field.text().await.unwrap_or_default(),
                Some("file") => {
                    let name = field.file_name().unwrap_or_default().to_string();
                    let ct = field.content_type().unwrap_or("application/octet-stream").to_string();
                    let bytes = field.bytes().await.map_err(|_| ())?;
                    file = Some((name, ct, bytes.to_vec()));
                }
                _ => {}
            },
            Ok(None) => break,
            Err(_) => return Err(()),
        }
    }
    Ok((csrf, file))
}

pub async fn import_ledger(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    mut mp: Multipart,
) -> Response {
    let upload = read_upload(&mut mp).await;
    // A body too large to read has no readable csrf field either: say the file is too large.
    if let Ok((csrf, _)) = &upload {
        if let Err(e) = user.check_csrf(csrf) {
            return fail(&s, &user, e);
        }
    }
    let no_filter = LedgerQuery::default();
    let render = |import: Value, status: StatusCode| {
        let extras = ListExtras { import: Some(import), status: Some(status), ..Default::default() };
        list_view(&s, &user, id, &no_filter, extras)
    };
    let bytes = match upload {
        Err(()) => {
            let msg = Code::FileTooLarge.message(user.locale);
            return render(json!({"error": msg}), StatusCode::PAYLOAD_TOO_LARGE).await;
        }
        Ok((_, Some((_, _, b)))) if !b.is_empty() => b,
        Ok(_) => {
            let msg = Code::FileUnreadable.message(user.locale);
            return render(json!({"error": msg}), StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    match crate::api::work::import_ledger_bytes(&s, &user, id, &bytes).await {
        Ok(summary) => render(json!({"summary": summary}), StatusCode::OK).await,
        Err(e) => {
            let body = e.body();
            let rows = body["error"]["rows"].clone();
            if rows.is_array() {
                render(json!({"rows": rows}), e.status).await
            } else {
                let msg =
                    e.field_errors().first().map(|f| f.message.clone()).unwrap_or_else(|| e.message().to_string());
                render(json!({"error": msg}), e.status).await
            }
        }
    }
}

pub async fn export_ledger(State(s): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> Response {
    match s.db.scoped(&user.principal).ledger_rows(id, today()).await {
        Ok((list, rows)) => crate::api::people::xlsx_response(
            dangjian_excel::export_ledger(&list.name, &rows),
            &format!("{}.xlsx", list.name),
        ),
        Err(e) => fail(&s, &user, e.into()),
    }
}

pub async fn ledger_template(_user: CurrentUser) -> Response {
    crate::api::people::xlsx_response(dangjian_excel::ledger_template(), "整改台账模板.xlsx")
}

// ------------------------------------------------------------------ one task

pub async fn task_page(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<OkQuery>,
) -> Response {
    task_view(&s, &user, id, ok_key(&q.ok), None).await
}

async fn task_view(
    s: &AppState,
    user: &CurrentUser,
    id: i64,
    ok: Option<&'static str>,
    err: Option<AppError>,
) -> Response {
    match task_context(s, user, id).await {
        Ok(v) => show(s, user, "task.html", v, ok, err),
        Err(e) => fail(s, user, e),
    }
}

async fn task_context(s: &AppState, user: &CurrentUser, id: i64) -> Result<Value, AppError> {
    let scoped = s.db.scoped(&user.principal);
    let d = scoped.task_detail(id, today()).await?;
    let today_s = today().to_string();
    let status = d.task.status.as_str();
    let steps: Vec<Value> = d
        .steps
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let i = i as i64;
            let state = match (status, d.task.step) {
                ("closed", _) => "done",
                ("under_review", Some(cur)) if i < cur => "done",
                ("under_review", Some(cur)) if i == cur => "current",
                _ => "todo",
            };
            json!({"index": i, "name": name, "state": state})
        })
        .collect();
    let timeline: Vec<Value> = d
        .timeline
        .iter()
        .rev()
        .map(|e| {
            let mut v = serde_json::to_value(e).unwrap_or_default();
            v["step_name"] = json!(e.step.and_then(|s| d.steps.get(s as usize)));
            v["progress_text"] = json!(e.progress.map(num_text));
            v
        })
        .collect();
    // The children's own roll-ups come with the detail (from the task's subtree).
    let children: Vec<Value> = d.children.iter().map(|c| task_row(c, &d.subtree_rolled, &today_s)).collect();
    let attachments: Vec<Value> = d
        .attachments
        .iter()
        .map(|a| {
            let mut v = serde_json::to_value(a).unwrap_or_default();
            v["size_text"] = json!(size_text(a.size));
            v
        })
        .collect();
    let open = TaskStatus::parse(status).is_ok_and(|s| s.is_open());
    let working = matches!(status, "open" | "in_progress");
    let org_visible = scoped.org(d.task.org_id).await.is_ok();
    let current_round_evidence = d.attachments.iter().filter(|a| a.round == d.task.round).count();
    Ok(json!({
        "task": d.task, "list": d.list, "cooperating": d.cooperating, "element_name": d.element_name,
        "rolled": pct(d.rolled_progress), "rolled_text": num_text(pct(d.rolled_progress)), "children": children, "timeline": timeline, "attachments": attachments,
        "notices": d.notices, "procedure_name": d.procedure_name, "steps": steps, "current_step": d.current_step,
        "can_work": d.can_work && working, "can_review": d.can_review && status == "under_review",
        "can_supervise": d.can_supervise && open,
        // The responsible org answers; a level above (which may also write there) is the one asking.
        "can_respond": d.can_work && !d.can_supervise,
        "can_upload": (d.can_work || d.can_review) && open, "overdue": d.overdue, "org_visible": org_visible,
        "returned": d.task.round > 1 && working, "round_evidence": current_round_evidence,
    }))
}

fn size_text(n: i64) -> String {
    if n >= 1024 * 1024 {
        format!("{:.1} MB", n as f64 / (1024.0 * 1024.0))
    } else if n >= 1024 {
        format!("{:.1} KB", n as f64 / 1024.0)
    } else {
        format!("{n} B")
    }
}

#[derive(Deserialize)]
pub struct ProgressForm {
    progress: Option<String>,
    #[serde(default)]
    note: String,
}

pub async fn report_progress(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(user, f): CsrfForm<ProgressForm>,
) -> Response {
    let r = async {
        let p = parse_f64("progress", &f.progress)?.ok_or_else(|| AppError::field("progress", Code::Required))?;
        s.db.scoped(&user.principal).report_progress(id, p, &f.note).await?;
        Ok::<_, AppError>(())
    }
    .await;
    match r {
        Ok(()) => go(format!("/tasks/{id}?ok=progress")),
        Err(e) => task_view(&s, &user, id, None, Some(e)).await,
    }
}

#[derive(Deserialize)]
pub struct CloseoutForm {
    #[serde(default)]
    action: String,
    step: Option<String>,
    #[serde(default)]
    reason: String,
}

pub async fn closeout(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(user, f): CsrfForm<CloseoutForm>,
) -> Response {
    let r = async {
        let step = || -> Result<usize, AppError> {
            let v = opt_id("step", &f.step)?.ok_or_else(|| AppError::field("step", Code::Required))?;
            usize::try_from(v).map_err(|_| AppError::field("step", Code::InvalidValue))
        };
        let (action, ok) = match f.action.as_str() {
            "submit" => (CloseAction::Submit, "submitted"),
            "approve" => (CloseAction::Approve { step: step()?, evidence_count: 0 }, "approved"),
            "return" => (CloseAction::Return { step: step()?, reason: f.reason.clone() }, "returned"),
            _ => return Err(AppError::field("action", Code::InvalidValue)),
        };
        s.db.scoped(&user.principal).closeout(id, &action, today()).await?;
        Ok::<_, AppError>(ok)
    }
    .await;
    match r {
        Ok(ok) => go(format!("/tasks/{id}?ok={ok}")),
        Err(e) => task_view(&s, &user, id, None, Some(e)).await,
    }
}

pub async fn upload_evidence(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    mut mp: Multipart,
) -> Response {
    let (csrf, file) = match read_upload(&mut mp).await {
        Ok(v) => v,
        Err(()) => {
            let e = AppError::new(StatusCode::PAYLOAD_TOO_LARGE, Code::FileTooLarge);
            return task_view(&s, &user, id, None, Some(e)).await;
        }
    };
    if let Err(e) = user.check_csrf(&csrf) {
        return fail(&s, &user, e);
    }
    let r = async {
        let Some((name, ct, bytes)) = file.filter(|(n, _, b)| !n.trim().is_empty() && !b.is_empty()) else {
            return Err(AppError::field("file", Code::Required));
        };
        s.db.scoped(&user.principal).add_attachment(id, &name, &ct, &bytes, &s.files_dir()).await?;
        Ok::<_, AppError>(())
    }
    .await;
    match r {
        Ok(()) => go(format!("/tasks/{id}?ok=evidence#evidence")),
        Err(e) => task_view(&s, &user, id, None, Some(e)).await,
    }
}

#[derive(Deserialize)]
pub struct NoticeForm {
    #[serde(default)]
    note: String,
}

pub async fn issue_notice(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(user, f): CsrfForm<NoticeForm>,
) -> Response {
    match s.db.scoped(&user.principal).issue_notice(id, &f.note, today()).await {
        Ok(_) => go(format!("/tasks/{id}?ok=notice#notices")),
        Err(e) => task_view(&s, &user, id, None, Some(e.into())).await,
    }
}

// ------------------------------------------------------------------ frameworks

pub async fn frameworks(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<OkQuery>,
) -> Response {
    frameworks_view(&s, &user, id, json!({}), ok_key(&q.ok), None).await
}

async fn frameworks_view(
    s: &AppState,
    user: &CurrentUser,
    id: i64,
    form: Value,
    ok: Option<&'static str>,
    err: Option<AppError>,
) -> Response {
    let scoped = s.db.scoped(&user.principal);
    let r = async {
        let org = scoped.org(id).await?;
        let templates = dangjian_domain::framework::templates::all();
        let tpl_names: HashMap<String, String> = templates.iter().map(|t| (t.key.clone(), t.name.clone())).collect();
        // Owner names: the visible ancestors (a framework applies down its subtree).
        let owners: HashMap<i64, String> =
            scoped.breadcrumb(id).await.unwrap_or_default().into_iter().map(|o| (o.id, o.name)).collect();
        let list: Vec<Value> = scoped
            .frameworks_for(id)
            .await?
            .into_iter()
            .map(|f| {
                let mut v = serde_json::to_value(&f).unwrap_or_default();
                v["template_name"] = json!(f.template_key.as_ref().and_then(|k| tpl_names.get(k)));
                v["owner_name"] = json!(owners.get(&f.org_id));
                v["own"] = json!(f.org_id == id);
                v
            })
            .collect();
        let can_write = scoped.require(Action::WriteStructure, id).await.is_ok();
        let templates: Vec<Value> = templates
            .iter()
            .map(|t| json!({"key": t.key, "name": t.name, "description": t.description, "source": t.source}))
            .collect();
        Ok::<_, AppError>(json!({
            "org": org, "frameworks": list, "templates": templates, "can_write": can_write,
            "year": today().year(), "form": form,
        }))
    }
    .await;
    match r {
        Ok(v) => show(s, user, "frameworks.html", v, ok, err),
        Err(e) => fail(s, user, e),
    }
}

#[derive(Deserialize)]
pub struct FrameworkForm {
    template_key: Option<String>,
    #[serde(default)]
    name: String,
    year: Option<String>,
    #[serde(default)]
    description: String,
}

pub async fn create_framework(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(user, f): CsrfForm<FrameworkForm>,
) -> Response {
    let r = async {
        let year = parse_year("year", &f.year)?.ok_or_else(|| AppError::field("year", Code::Required))?;
        let scoped = s.db.scoped(&user.principal);
        let fw = match opt(&f.template_key) {
            Some(key) => scoped.create_framework_from_template(id, &key, year).await?,
            None => scoped.create_framework(id, &f.name, year, &f.description).await?,
        };
        Ok::<_, AppError>(fw.id)
    }
    .await;
    match r {
        Ok(fid) => go(format!("/frameworks/{fid}?ok=framework_created")),
        Err(e) => {
            let form =
                json!({"template_key": f.template_key, "name": f.name, "year": f.year, "description": f.description});
            frameworks_view(&s, &user, id, form, None, Some(e)).await
        }
    }
}

#[derive(Deserialize, Default)]
pub struct FrameworkQuery {
    compare: Option<String>,
    ok: Option<String>,
}

pub async fn framework_page(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<FrameworkQuery>,
) -> Response {
    let compare = match opt_id("compare", &q.compare) {
        Ok(c) => c,
        Err(e) => return framework_view(&s, &user, id, None, None, Some(e)).await,
    };
    framework_view(&s, &user, id, compare, ok_key(&q.ok), None).await
}

async fn framework_view(
    s: &AppState,
    user: &CurrentUser,
    id: i64,
    compare: Option<i64>,
    ok: Option<&'static str>,
    err: Option<AppError>,
) -> Response {
    let scoped = s.db.scoped(&user.principal);
    let r = async {
        let d = scoped.framework(id).await?;
        let fw = &d.framework;
        let can_write = scoped.require(Action::WriteStructure, fw.org_id).await.is_ok();
        // Live state: tasks linked to each element, over all time, in the framework org's subtree.
        let wide = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).expect("date");
        let stats = scoped.task_stats(fw.org_id, wide(2000, 1, 1), wide(2100, 12, 31), today()).await.ok();
        let by_element: HashMap<String, Value> = stats
            .map(|st| {
                st.by_element
                    .into_iter()
                    .map(|g| (g.key.clone(), serde_json::to_value(g).unwrap_or_default()))
                    .collect()
            })
            .unwrap_or_default();
        let depths = element_depths(&d.elements);
        let mechs_of = |e: Option<i64>| -> Vec<Value> {
            d.mechanisms.iter().filter(|m| m.element_id == e).map(|m| json!(m)).collect()
        };
        let inds_of = |e: Option<i64>| -> Vec<Value> {
            d.indicators.iter().filter(|i| i.element_id == e).map(|i| json!(i)).collect()
        };
        let elements: Vec<Value> = d
            .elements
            .iter()
            .map(|e| {
                let mut v = serde_json::to_value(e).unwrap_or_default();
                v["depth"] = json!(depths.get(&e.id).copied().unwrap_or(0).min(6));
                v["weight_text"] = json!(num_text(e.weight));
                v["mechanisms"] = json!(mechs_of(Some(e.id)));
                v["indicators"] = json!(inds_of(Some(e.id)));
                v["live"] = by_element.get(&e.id.to_string()).cloned().unwrap_or(Value::Null);
                v
            })
            .collect();
        let versions: Vec<Value> = scoped
            .frameworks_for(fw.org_id)
            .await
            .unwrap_or_default()
            .into_iter()
            .filter(|f| f.id != id)
            .map(|f| json!({"id": f.id, "name": f.name, "year": f.year}))
            .collect();
        let (diff, other) = match compare {
            Some(other) => {
                let diff = scoped.compare_frameworks(other, id).await?;
                let o = scoped.framework(other).await?.framework;
                (Some(diff), Some(json!({"id": o.id, "name": o.name, "year": o.year})))
            }
            None => (None, None),
        };
        let template_name = fw.template_key.as_ref().and_then(|k| {
            dangjian_domain::framework::templates::all().into_iter().find(|t| &t.key == k).map(|t| t.name)
        });
        let org_name = scoped.org(fw.org_id).await.ok().map(|o| o.name);
        Ok::<_, AppError>(json!({
            "fw": fw, "org_name": org_name, "template_name": template_name, "elements": elements,
            "general_mechanisms": mechs_of(None), "general_indicators": inds_of(None),
            "element_options": element_options(&d.elements), "can_write": can_write,
            "versions": versions, "diff": diff, "other": other, "compare": compare,
            "next_year": fw.year + 1,
        }))
    }
    .await;
    match r {
        Ok(v) => show(s, user, "framework.html", v, ok, err),
        Err(e) => fail(s, user, e),
    }
}

#[derive(Deserialize)]
pub struct ElementForm {
    parent_id: Option<String>,
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    weight: Option<String>,
}

pub async fn add_element(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(user, f): CsrfForm<ElementForm>,
) -> Response {
    let r = async {
        let input = ElementInput {
            parent_id: opt_id("parent_id", &f.parent_id)?,
            name: f.name.clone(),
            description: f.description.clone(),
            weight: parse_f64("weight", &f.weight)?.unwrap_or(1.0),
        };
        Ok::<_, AppError>(s.db.scoped(&user.principal).add_element(id, &input).await?)
    }
    .await;
    match r {
        Ok(e) => go(format!("/frameworks/{id}?ok=element_added#element-{}", e.id)),
        Err(e) => framework_view(&s, &user, id, None, None, Some(e)).await,
    }
}

#[derive(Deserialize)]
pub struct ElementEditForm {
    framework_id: Option<String>,
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    weight: Option<String>,
}

pub async fn update_element(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(user, f): CsrfForm<ElementEditForm>,
) -> Response {
    let r = async {
        let weight = parse_f64("weight", &f.weight)?.ok_or_else(|| AppError::field("weight", Code::Required))?;
        Ok::<_, AppError>(s.db.scoped(&user.principal).update_element(id, &f.name, &f.description, weight).await?)
    }
    .await;
    match r {
        Ok(e) => go(format!("/frameworks/{}?ok=element_saved#element-{}", e.framework_id, e.id)),
        Err(e) => match opt_id("framework_id", &f.framework_id).ok().flatten() {
            Some(fid) => framework_view(&s, &user, fid, None, None, Some(e)).await,
            None => fail(&s, &user, e),
        },
    }
}

#[derive(Deserialize)]
pub struct MechanismForm {
    element_id: Option<String>,
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
}

pub async fn add_mechanism(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(user, f): CsrfForm<MechanismForm>,
) -> Response {
    let r = async {
        let element = opt_id("element_id", &f.element_id)?;
        s.db.scoped(&user.principal).add_mechanism(id, element, &f.name, &f.description).await?;
        Ok::<_, AppError>(())
    }
    .await;
    match r {
        Ok(()) => go(format!("/frameworks/{id}?ok=mechanism_added")),
        Err(e) => framework_view(&s, &user, id, None, None, Some(e)).await,
    }
}

#[derive(Deserialize)]
pub struct CopyForm {
    year: Option<String>,
}

pub async fn copy_framework(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(user, f): CsrfForm<CopyForm>,
) -> Response {
    let r = async {
        let year = parse_year("year", &f.year)?.ok_or_else(|| AppError::field("year", Code::Required))?;
        Ok::<_, AppError>(s.db.scoped(&user.principal).copy_framework(id, year).await?)
    }
    .await;
    match r {
        Ok(fw) => go(format!("/frameworks/{}?ok=copied", fw.id)),
        Err(e) => framework_view(&s, &user, id, None, None, Some(e)).await,
    }
}

// ------------------------------------------------------------------ supervision board

pub async fn board(State(s): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> Response {
    let scoped = s.db.scoped(&user.principal);
    let r = async {
        let t = today();
        let year = t.year();
        let from = NaiveDate::from_ymd_opt(year, 1, 1).expect("date");
        let to = NaiveDate::from_ymd_opt(year, 12, 31).expect("date");
        let stats = scoped.task_stats(id, from, to, t).await?;
        let mut stats_v = serde_json::to_value(&stats).unwrap_or_default();
        stats_v["rate_text"] = json!(rate_text(stats.completion_rate));
        if let Some(groups) = stats_v["by_list"].as_array_mut() {
            for (g, src) in groups.iter_mut().zip(&stats.by_list) {
                g["rate_text"] = json!(rate_text(src.completion_rate));
            }
        }
        let board = scoped.supervision_board(id, t).await?;
        let crumbs = scoped.breadcrumb(id).await.unwrap_or_default();
        let today_s = t.to_string();
        let none = HashMap::new();
        let here: Vec<Value> = board.here.iter().map(|task| task_row(task, &none, &today_s)).collect();
        Ok::<_, AppError>(json!({
            "org": board.org, "crumbs": crumbs, "stats": stats_v, "rows": board.rows, "here": here, "year": year,
        }))
    }
    .await;
    match r {
        Ok(v) => show(&s, &user, "board.html", v, None, None),
        Err(e) => fail(&s, &user, e),
    }
}
