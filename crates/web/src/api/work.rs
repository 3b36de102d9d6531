//! Work systems and task lists over JSON: frameworks, lists, tasks and their
//! close-out, supervision notices, the to-do centre, figures and the board.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::NaiveDate;
use dangjian_domain::closeout::Action as CloseAction;
use dangjian_domain::Code;
use dangjian_store::frameworks::{Element, ElementDiff, ElementInput, Framework, FrameworkDetail, Mechanism};
use dangjian_store::tasks::{
    Attachment, Board, NewList, Notice, Task, TaskDetail, TaskInput, TaskList, TaskStats, Todo,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult, Localize};
use crate::AppState;

fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

#[derive(Serialize, ToSchema)]
pub struct TemplateOut {
    pub key: String,
    pub name: String,
    pub description: String,
    pub source: String,
}

/// The shipped framework templates (四强两创, 113344, 1234N).
#[utoipa::path(get, path = "/api/v1/framework-templates", tag = "frameworks", responses((status = 200, body = [TemplateOut])))]
pub async fn templates(_user: CurrentUser) -> Json<Vec<TemplateOut>> {
    Json(
        dangjian_domain::framework::templates::all()
            .into_iter()
            .map(|t| TemplateOut { key: t.key, name: t.name, description: t.description, source: t.source })
            .collect(),
    )
}

#[derive(Deserialize, IntoParams)]
pub struct OrgParam {
    pub org: i64,
}

/// Frameworks that apply to an org (its own and its ancestors').
#[utoipa::path(get, path = "/api/v1/frameworks", tag = "frameworks", params(OrgParam), responses((status = 200, body = [Framework])))]
pub async fn frameworks(
    State(s): State<AppState>,
    user: CurrentUser,
    Query(q): Query<OrgParam>,
) -> AppResult<Json<Vec<Framework>>> {
    Ok(Json(s.db.scoped(&user.principal).frameworks_for(q.org).await.loc(user.locale)?))
}

#[derive(Deserialize, ToSchema)]
pub struct NewFramework {
    pub org_id: i64,
    pub year: i32,
    /// Start from a template (its key) …
    pub template_key: Option<String>,
    /// … or from scratch with a name.
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: String,
}

#[utoipa::path(post, path = "/api/v1/frameworks", tag = "frameworks", request_body = NewFramework, responses((status = 201, body = Framework), (status = 409, description = "Same name and year exists")))]
pub async fn create_framework(
    State(s): State<AppState>,
    user: CurrentUser,
    Json(r): Json<NewFramework>,
) -> AppResult<(StatusCode, Json<Framework>)> {
    let scoped = s.db.scoped(&user.principal);
    let f = match r.template_key.as_deref().filter(|k| !k.is_empty()) {
        Some(key) => scoped.create_framework_from_template(r.org_id, key, r.year).await,
        None => scoped.create_framework(r.org_id, &r.name, r.year, &r.description).await,
    }
    .loc(user.locale)?;
    Ok((StatusCode::CREATED, Json(f)))
}

#[utoipa::path(get, path = "/api/v1/frameworks/{id}", tag = "frameworks", params(("id" = i64, Path)), responses((status = 200, body = FrameworkDetail)))]
pub async fn framework(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<FrameworkDetail>> {
    Ok(Json(s.db.scoped(&user.principal).framework(id).await.loc(user.locale)?))
}

#[derive(Deserialize, ToSchema)]
pub struct YearRequest {
    pub year: i32,
}

/// Copies a framework into another year.
#[utoipa::path(post, path = "/api/v1/frameworks/{id}/copy", tag = "frameworks", params(("id" = i64, Path)), request_body = YearRequest, responses((status = 201, body = Framework)))]
pub async fn copy_framework(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Json(r): Json<YearRequest>,
) -> AppResult<(StatusCode, Json<Framework>)> {
    Ok((StatusCode::CREATED, Json(s.db.scoped(&user.principal).copy_framework(id, r.year).await.loc(user.locale)?)))
}

/// What changed between two versions.
#[utoipa::path(get, path = "/api/v1/frameworks/{id}/compare/{other}", tag = "frameworks", params(("id" = i64, Path), ("other" = i64, Path)), responses((status = 200, body = [ElementDiff])))]
pub async fn compare(
    State(s): State<AppState>,
    user: CurrentUser,
    Path((a, b)): Path<(i64, i64)>,
) -> AppResult<Json<Vec<ElementDiff>>> {
    Ok(Json(s.db.scoped(&user.principal).compare_frameworks(a, b).await.loc(user.locale)?))
}

#[utoipa::path(post, path = "/api/v1/frameworks/{id}/elements", tag = "frameworks", params(("id" = i64, Path)), request_body = ElementInput, responses((status = 201, body = Element)))]
pub async fn add_element(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Json(r): Json<ElementInput>,
) -> AppResult<(StatusCode, Json<Element>)> {
    Ok((StatusCode::CREATED, Json(s.db.scoped(&user.principal).add_element(id, &r).await.loc(user.locale)?)))
}

#[derive(Deserialize, ToSchema)]
pub struct ElementUpdate {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub weight: f64,
}

#[utoipa::path(put, path = "/api/v1/elements/{id}", tag = "frameworks", params(("id" = i64, Path)), request_body = ElementUpdate, responses((status = 200, body = Element)))]
pub async fn update_element(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Json(r): Json<ElementUpdate>,
) -> AppResult<Json<Element>> {
    Ok(Json(s.db.scoped(&user.principal).update_element(id, &r.name, &r.description, r.weight).await.loc(user.locale)?))
}

#[derive(Deserialize, ToSchema)]
pub struct MechanismRequest {
    pub element_id: Option<i64>,
    pub name: String,
    #[serde(default)]
    pub description: String,
}

#[utoipa::path(post, path = "/api/v1/frameworks/{id}/mechanisms", tag = "frameworks", params(("id" = i64, Path)), request_body = MechanismRequest, responses((status = 201, body = Mechanism)))]
pub async fn add_mechanism(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Json(r): Json<MechanismRequest>,
) -> AppResult<(StatusCode, Json<Mechanism>)> {
    Ok((
        StatusCode::CREATED,
        Json(
            s.db.scoped(&user.principal)
                .add_mechanism(id, r.element_id, &r.name, &r.description)
                .await
                .loc(user.locale)?,
        ),
    ))
}

/// Lists issued in the org's subtree or with tasks assigned into it.
#[utoipa::path(get, path = "/api/v1/lists", tag = "tasks", params(OrgParam), responses((status = 200, body = [TaskList])))]
pub async fn lists(
    State(s): State<AppState>,
    user: CurrentUser,
    Query(q): Query<OrgParam>,
) -> AppResult<Json<Vec<TaskList>>> {
    Ok(Json(s.db.scoped(&user.principal).lists(q.org).await.loc(user.locale)?))
}

/// A new list. For rectification ledgers without a procedure, the sample
/// seven-step close-out procedure is used.
#[utoipa::path(post, path = "/api/v1/lists", tag = "tasks", request_body = NewList, responses((status = 201, body = TaskList)))]
pub async fn create_list(
    State(s): State<AppState>,
    user: CurrentUser,
    Json(r): Json<NewList>,
) -> AppResult<(StatusCode, Json<TaskList>)> {
    Ok((StatusCode::CREATED, Json(s.db.scoped(&user.principal).create_list(&r).await.loc(user.locale)?)))
}

#[derive(Serialize, ToSchema)]
pub struct ListOut {
    pub list: TaskList,
    /// Visible tasks in id order; `parent_id` gives the tree.
    pub tasks: Vec<Task>,
}

#[utoipa::path(get, path = "/api/v1/lists/{id}", tag = "tasks", params(("id" = i64, Path)), responses((status = 200, body = ListOut)))]
pub async fn list(State(s): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> AppResult<Json<ListOut>> {
    let (list, tasks) = s.db.scoped(&user.principal).list(id).await.loc(user.locale)?;
    Ok(Json(ListOut { list, tasks }))
}

#[utoipa::path(post, path = "/api/v1/lists/{id}/tasks", tag = "tasks", params(("id" = i64, Path)), request_body = TaskInput, responses((status = 201, body = Task)))]
pub async fn create_task(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Json(r): Json<TaskInput>,
) -> AppResult<(StatusCode, Json<Task>)> {
    Ok((StatusCode::CREATED, Json(s.db.scoped(&user.principal).create_task(id, &r).await.loc(user.locale)?)))
}

#[utoipa::path(get, path = "/api/v1/tasks/{id}", tag = "tasks", params(("id" = i64, Path)), responses((status = 200, body = TaskDetail)))]
pub async fn task(State(s): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> AppResult<Json<TaskDetail>> {
    Ok(Json(s.db.scoped(&user.principal).task_detail(id, today()).await.loc(user.locale)?))
}

#[derive(Deserialize, ToSchema)]
pub struct ProgressRequest {
    /// 0–100.
    pub progress: f64,
    #[serde(default)]
    pub note: String,
}

#[utoipa::path(post, path = "/api/v1/tasks/{id}/progress", tag = "tasks", params(("id" = i64, Path)), request_body = ProgressRequest, responses((status = 200, body = Task)))]
pub async fn progress(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Json(r): Json<ProgressRequest>,
) -> AppResult<Json<Task>> {
    Ok(Json(s.db.scoped(&user.principal).report_progress(id, r.progress, &r.note).await.loc(user.locale)?))
}

#[derive(Deserialize, ToSchema)]
pub struct CloseoutRequest {
    /// submit, approve or return.
    pub action: String,
    /// The step the caller saw (approve/return): a stale step answers 409 step_taken.
    pub step: Option<usize>,
    /// Required to return.
    #[serde(default)]
    pub reason: String,
}

/// Close-out: apply (submit), approve or return the current step.
#[utoipa::path(post, path = "/api/v1/tasks/{id}/closeout", tag = "tasks", params(("id" = i64, Path)), request_body = CloseoutRequest,
    responses((status = 200, body = Task), (status = 403, description = "Not this caller's step"), (status = 409, description = "step_taken: someone else acted first; already_closed"), (status = 422, description = "evidence_required, reason_required")))]
pub async fn closeout(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Json(r): Json<CloseoutRequest>,
) -> AppResult<Json<Task>> {
    let step = || r.step.ok_or_else(|| AppError::field("step", Code::Required).with_locale(user.locale));
    let action = match r.action.as_str() {
        "submit" => CloseAction::Submit,
        "approve" => CloseAction::Approve { step: step()?, evidence_count: 0 },
        "return" => CloseAction::Return { step: step()?, reason: r.reason.clone() },
        _ => return Err(AppError::field("action", Code::InvalidValue).with_locale(user.locale)),
    };
    Ok(Json(s.db.scoped(&user.principal).closeout(id, &action, today()).await.loc(user.locale)?))
}

#[derive(Deserialize, IntoParams)]
pub struct UploadName {
    /// The file's name as the user knows it.
    pub name: String,
}

/// Adds an evidence file (raw body; `X-CSRF-Token` required) to the task's current round.
#[utoipa::path(post, path = "/api/v1/tasks/{id}/attachments", tag = "tasks", params(("id" = i64, Path), UploadName), request_body(content = Vec<u8>, content_type = "application/octet-stream"), responses((status = 201, body = Attachment)))]
pub async fn upload(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<UploadName>,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<(StatusCode, Json<Attachment>)> {
    user.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok()).unwrap_or(""))?;
    let ct = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("application/octet-stream");
    let a =
        s.db.scoped(&user.principal).add_attachment(id, &q.name, ct, &body, &s.files_dir()).await.loc(user.locale)?;
    Ok((StatusCode::CREATED, Json(a)))
}

/// Downloads an evidence file.
#[utoipa::path(get, path = "/api/v1/attachments/{id}", tag = "tasks", params(("id" = i64, Path)), responses((status = 200, description = "the file")))]
pub async fn download(State(s): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> AppResult<Response> {
    let (a, path) = s.db.scoped(&user.principal).attachment_file(id, &s.files_dir()).await.loc(user.locale)?;
    let bytes = tokio::fs::read(&path).await.map_err(|_| AppError::not_found().with_locale(user.locale))?;
    let disposition = format!(
        "attachment; filename=\"file\"; filename*=UTF-8''{}",
        crate::auth::urlencode(&a.name).replace('+', "%20")
    );
    Ok(([(header::CONTENT_TYPE, a.content_type.clone()), (header::CONTENT_DISPOSITION, disposition)], bytes)
        .into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct NoteRequest {
    #[serde(default)]
    pub note: String,
}

/// A 督办单 issued by hand by a level above the responsible org.
#[utoipa::path(post, path = "/api/v1/tasks/{id}/notices", tag = "tasks", params(("id" = i64, Path)), request_body = NoteRequest, responses((status = 201, body = Notice)))]
pub async fn issue_notice(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Json(r): Json<NoteRequest>,
) -> AppResult<(StatusCode, Json<Notice>)> {
    Ok((
        StatusCode::CREATED,
        Json(s.db.scoped(&user.principal).issue_notice(id, &r.note, today()).await.loc(user.locale)?),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct ResponseRequest {
    pub response: String,
}

#[utoipa::path(post, path = "/api/v1/notices/{id}/respond", tag = "tasks", params(("id" = i64, Path)), request_body = ResponseRequest, responses((status = 200, body = Notice)))]
pub async fn respond(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Json(r): Json<ResponseRequest>,
) -> AppResult<Json<Notice>> {
    Ok(Json(s.db.scoped(&user.principal).respond_notice(id, &r.response).await.loc(user.locale)?))
}

/// What waits for the caller, with counts.
#[utoipa::path(get, path = "/api/v1/todo", tag = "tasks", responses((status = 200, body = Todo)))]
pub async fn todo(State(s): State<AppState>, user: CurrentUser) -> AppResult<Json<Todo>> {
    Ok(Json(s.db.scoped(&user.principal).todo(today()).await.loc(user.locale)?))
}

#[derive(Deserialize, IntoParams)]
pub struct Period {
    /// YYYY-MM-DD (default: 1 January of this year).
    pub from: Option<String>,
    /// YYYY-MM-DD (default: 31 December of this year).
    pub to: Option<String>,
}

impl Period {
    pub fn dates(&self) -> Result<(NaiveDate, NaiveDate), AppError> {
        use chrono::Datelike;
        let y = today().year();
        let from = match self.from.as_deref().filter(|s| !s.is_empty()) {
            Some(f) => super::date_field("from", f)?,
            None => NaiveDate::from_ymd_opt(y, 1, 1).expect("date"),
        };
        let to = match self.to.as_deref().filter(|s| !s.is_empty()) {
            Some(t) => super::date_field("to", t)?,
            None => NaiveDate::from_ymd_opt(y, 12, 31).expect("date"),
        };
        if to < from {
            return Err(AppError::field("to", Code::DateOrder));
        }
        Ok((from, to))
    }
}

/// Task figures for the org's subtree: leaf tasks due in the period.
#[utoipa::path(get, path = "/api/v1/orgs/{id}/stats/tasks", tag = "tasks", params(("id" = i64, Path), Period), responses((status = 200, body = TaskStats)))]
pub async fn stats(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(p): Query<Period>,
) -> AppResult<Json<TaskStats>> {
    let (from, to) = p.dates().loc(user.locale)?;
    Ok(Json(s.db.scoped(&user.principal).task_stats(id, from, to, today()).await.loc(user.locale)?))
}

/// Where the overdue and returned items are, one row per child org.
#[utoipa::path(get, path = "/api/v1/orgs/{id}/board", tag = "tasks", params(("id" = i64, Path)), responses((status = 200, body = Board)))]
pub async fn board(State(s): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> AppResult<Json<Board>> {
    Ok(Json(s.db.scoped(&user.principal).supervision_board(id, today()).await.loc(user.locale)?))
}

/// The rectification ledger template (.xlsx).
#[utoipa::path(get, path = "/api/v1/ledger/template.xlsx", tag = "tasks", responses((status = 200, description = "xlsx file")))]
pub async fn ledger_template(_user: CurrentUser) -> Response {
    super::people::xlsx_response(dangjian_excel::ledger_template(), "整改台账模板.xlsx")
}

/// Imports a rectification ledger into a list (raw .xlsx body, `X-CSRF-Token`): all rows or none.
#[utoipa::path(post, path = "/api/v1/lists/{id}/import", tag = "tasks", params(("id" = i64, Path)), request_body(content = Vec<u8>, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    responses((status = 200, body = dangjian_store::tasks::LedgerSummary), (status = 422, description = "error.rows lists every bad row; nothing stored")))]
pub async fn import_ledger(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<Json<dangjian_store::tasks::LedgerSummary>> {
    user.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok()).unwrap_or(""))?;
    Ok(Json(import_ledger_bytes(&s, &user, id, &body).await?))
}

pub async fn import_ledger_bytes(
    s: &AppState,
    user: &CurrentUser,
    id: i64,
    bytes: &[u8],
) -> AppResult<dangjian_store::tasks::LedgerSummary> {
    let scoped = s.db.scoped(&user.principal);
    scoped.list(id).await.loc(user.locale)?;
    let rows =
        dangjian_excel::parse_ledger(bytes).map_err(|e| super::people::excel_error(e).with_locale(user.locale))?;
    scoped.import_ledger(id, rows).await.loc(user.locale)
}

/// The list as a ledger workbook with each item's status.
#[utoipa::path(get, path = "/api/v1/lists/{id}/export.xlsx", tag = "tasks", params(("id" = i64, Path)), responses((status = 200, description = "xlsx file")))]
pub async fn export_ledger(State(s): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> AppResult<Response> {
    let (list, rows) = s.db.scoped(&user.principal).ledger_rows(id, today()).await.loc(user.locale)?;
    Ok(super::people::xlsx_response(dangjian_excel::export_ledger(&list.name, &rows), &format!("{}.xlsx", list.name)))
}

#[derive(Serialize, ToSchema)]
pub struct ProcedureOut {
    pub id: i64,
    /// The org that defined it (none for the shipped sample).
    pub org_id: Option<i64>,
    pub name: String,
    /// A shipped sample the enterprise is expected to adapt.
    pub sample: bool,
    /// Ordered steps: name, actor {at: task_org|parent|grandparent|org, role, org_id?}, evidence_required, hint.
    #[schema(value_type = Object)]
    pub steps: serde_json::Value,
}

/// Close-out procedures of the tenant (the shipped sample included, once used).
#[utoipa::path(get, path = "/api/v1/procedures", tag = "tasks", responses((status = 200, body = [ProcedureOut])))]
pub async fn procedures(State(s): State<AppState>, user: CurrentUser) -> AppResult<Json<Vec<ProcedureOut>>> {
    let all = s.db.scoped(&user.principal).procedures().await.loc(user.locale)?;
    Ok(Json(
        all.into_iter()
            .map(|(id, org_id, p)| ProcedureOut {
                id,
                org_id,
                name: p.name.clone(),
                sample: p.sample,
                steps: serde_json::to_value(&p.steps).unwrap_or_default(),
            })
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct NewProcedure {
    pub org_id: i64,
    /// {name, steps: [{name, actor: {at, role, org_id?}, evidence_required, hint}]}
    #[schema(value_type = Object)]
    pub procedure: dangjian_domain::closeout::Procedure,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedId {
    pub id: i64,
}

/// An enterprise's own close-out procedure (lists then name it as `procedure_id`).
#[utoipa::path(post, path = "/api/v1/procedures", tag = "tasks", request_body = NewProcedure, responses((status = 201, body = CreatedId), (status = 422, description = "A step without a name, or no steps")))]
pub async fn create_procedure(
    State(s): State<AppState>,
    user: CurrentUser,
    Json(r): Json<NewProcedure>,
) -> AppResult<(StatusCode, Json<CreatedId>)> {
    let id = s.db.scoped(&user.principal).create_procedure(r.org_id, &r.procedure).await.loc(user.locale)?;
    Ok((StatusCode::CREATED, Json(CreatedId { id })))
}
