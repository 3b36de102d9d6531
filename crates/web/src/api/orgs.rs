//! Orgs over JSON: the tree, history, terms, office holders, partnerships.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use dangjian_domain::org::OrgKind;
use dangjian_domain::Code;
use dangjian_store::orgs::{NewOrg, OfficeHolder, Org, OrgEventRow, OrgSummary, Partnership, Term, TermAlertRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::date_field;
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult, Localize};
use crate::AppState;

/// The roots the caller may see.
#[utoipa::path(get, path = "/api/v1/orgs", tag = "orgs", responses((status = 200, body = [Org]), (status = 401, description = "Not logged in")))]
pub async fn roots(State(s): State<AppState>, user: CurrentUser) -> AppResult<Json<Vec<Org>>> {
    Ok(Json(s.db.scoped(&user.principal).roots().await.loc(user.locale)?))
}

/// One org (404 when it does not exist or is outside the caller's scope).
#[utoipa::path(get, path = "/api/v1/orgs/{id}", tag = "orgs", params(("id" = i64, Path)), responses((status = 200, body = Org), (status = 404, description = "Not found or not visible")))]
pub async fn get_org(State(s): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> AppResult<Json<Org>> {
    Ok(Json(s.db.scoped(&user.principal).org(id).await.loc(user.locale)?))
}

/// Active children, each with its people and child counts.
#[utoipa::path(get, path = "/api/v1/orgs/{id}/children", tag = "orgs", params(("id" = i64, Path)), responses((status = 200, body = [OrgSummary]), (status = 404, description = "Not found or not visible")))]
pub async fn children(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<Vec<OrgSummary>>> {
    Ok(Json(s.db.scoped(&user.principal).children(id).await.loc(user.locale)?))
}

/// Lifecycle history touching the org.
#[utoipa::path(get, path = "/api/v1/orgs/{id}/events", tag = "orgs", params(("id" = i64, Path)), responses((status = 200, body = [OrgEventRow])))]
pub async fn events(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<Vec<OrgEventRow>>> {
    Ok(Json(s.db.scoped(&user.principal).events(id).await.loc(user.locale)?))
}

#[derive(Deserialize, IntoParams)]
pub struct AsOf {
    /// YYYY-MM-DD
    pub as_of: String,
}

#[derive(Serialize, ToSchema)]
pub struct OrgAsOfOut {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub kind: String,
    pub name: String,
}

/// The subtree as it stood on a past date, replayed from history.
#[utoipa::path(get, path = "/api/v1/orgs/{id}/tree", tag = "orgs", params(("id" = i64, Path), AsOf), responses((status = 200, body = [OrgAsOfOut])))]
pub async fn tree_as_of(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<AsOf>,
) -> AppResult<Json<Vec<OrgAsOfOut>>> {
    let date = date_field("as_of", &q.as_of).loc(user.locale)?;
    let items = s.db.scoped(&user.principal).tree_as_of(id, date).await.loc(user.locale)?;
    Ok(Json(
        items
            .into_iter()
            .map(|o| OrgAsOfOut { id: o.id, parent_id: o.parent_id, kind: o.kind.as_str().into(), name: o.name })
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct EstablishRequest {
    pub parent_id: i64,
    /// committee, general_branch, branch, cell or work_team.
    pub kind: String,
    pub name: String,
    /// YYYY-MM-DD
    pub established_on: String,
    #[serde(default)]
    pub doc_no: String,
    #[serde(default)]
    pub overseas: bool,
}

/// 新建: establish an org under a parent.
#[utoipa::path(post, path = "/api/v1/orgs", tag = "orgs", request_body = EstablishRequest, responses((status = 201, body = Org), (status = 403, description = "Forbidden"), (status = 422, description = "Validation failed")))]
pub async fn establish(
    State(s): State<AppState>,
    user: CurrentUser,
    Json(r): Json<EstablishRequest>,
) -> AppResult<(StatusCode, Json<Org>)> {
    let kind = OrgKind::parse(&r.kind).map_err(|c| AppError::field("kind", c)).loc(user.locale)?;
    let on = date_field("established_on", &r.established_on).loc(user.locale)?;
    let org =
        s.db.scoped(&user.principal)
            .establish(NewOrg {
                parent_id: r.parent_id,
                kind,
                name: r.name,
                established_on: on,
                doc_no: r.doc_no,
                overseas: r.overseas,
            })
            .await
            .loc(user.locale)?;
    Ok((StatusCode::CREATED, Json(org)))
}

#[derive(Deserialize, ToSchema)]
pub struct RenameRequest {
    pub name: String,
    pub effective_on: String,
    #[serde(default)]
    pub doc_no: String,
}

/// 更名.
#[utoipa::path(post, path = "/api/v1/orgs/{id}/rename", tag = "orgs", params(("id" = i64, Path)), request_body = RenameRequest, responses((status = 200, body = Org)))]
pub async fn rename(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Json(r): Json<RenameRequest>,
) -> AppResult<Json<Org>> {
    let on = date_field("effective_on", &r.effective_on).loc(user.locale)?;
    Ok(Json(s.db.scoped(&user.principal).rename(id, &r.name, on, &r.doc_no).await.loc(user.locale)?))
}

#[derive(Deserialize, ToSchema)]
pub struct MoveRequest {
    pub parent_id: i64,
    pub effective_on: String,
    #[serde(default)]
    pub doc_no: String,
}

/// Move under a new parent.
#[utoipa::path(post, path = "/api/v1/orgs/{id}/move", tag = "orgs", params(("id" = i64, Path)), request_body = MoveRequest, responses((status = 200, body = Org)))]
pub async fn move_org(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Json(r): Json<MoveRequest>,
) -> AppResult<Json<Org>> {
    let on = date_field("effective_on", &r.effective_on).loc(user.locale)?;
    Ok(Json(s.db.scoped(&user.principal).move_org(id, r.parent_id, on, &r.doc_no).await.loc(user.locale)?))
}

#[derive(Deserialize, ToSchema)]
pub struct EndRequest {
    pub effective_on: String,
    #[serde(default)]
    pub doc_no: String,
    /// For a merge: the org that takes over people and children.
    pub merged_into_id: Option<i64>,
}

/// 撤销: dissolve an empty org.
#[utoipa::path(post, path = "/api/v1/orgs/{id}/dissolve", tag = "orgs", params(("id" = i64, Path)), request_body = EndRequest, responses((status = 200, body = Org)))]
pub async fn dissolve(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Json(r): Json<EndRequest>,
) -> AppResult<Json<Org>> {
    let on = date_field("effective_on", &r.effective_on).loc(user.locale)?;
    Ok(Json(s.db.scoped(&user.principal).end_org(id, None, on, &r.doc_no).await.loc(user.locale)?))
}

/// 合并: merge into another org.
#[utoipa::path(post, path = "/api/v1/orgs/{id}/merge", tag = "orgs", params(("id" = i64, Path)), request_body = EndRequest, responses((status = 200, body = Org)))]
pub async fn merge(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Json(r): Json<EndRequest>,
) -> AppResult<Json<Org>> {
    let on = date_field("effective_on", &r.effective_on).loc(user.locale)?;
    let into = r.merged_into_id.ok_or_else(|| AppError::field("merged_into_id", Code::Required)).loc(user.locale)?;
    Ok(Json(s.db.scoped(&user.principal).end_org(id, Some(into), on, &r.doc_no).await.loc(user.locale)?))
}

/// Terms, newest first.
#[utoipa::path(get, path = "/api/v1/orgs/{id}/terms", tag = "orgs", params(("id" = i64, Path)), responses((status = 200, body = [Term])))]
pub async fn terms(State(s): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> AppResult<Json<Vec<Term>>> {
    Ok(Json(s.db.scoped(&user.principal).terms(id).await.loc(user.locale)?))
}

#[derive(Deserialize, ToSchema)]
pub struct TermRequest {
    pub started_on: String,
    #[serde(default)]
    pub doc_no: String,
}

/// 换届: record a re-election; the due date follows the term-length setting.
#[utoipa::path(post, path = "/api/v1/orgs/{id}/terms", tag = "orgs", params(("id" = i64, Path)), request_body = TermRequest, responses((status = 201, body = Term)))]
pub async fn start_term(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Json(r): Json<TermRequest>,
) -> AppResult<(StatusCode, Json<Term>)> {
    let on = date_field("started_on", &r.started_on).loc(user.locale)?;
    Ok((StatusCode::CREATED, Json(s.db.scoped(&user.principal).start_term(id, on, &r.doc_no).await.loc(user.locale)?)))
}

#[derive(Deserialize, IntoParams)]
pub struct AlertQuery {
    /// Limit to this org's subtree.
    pub under: Option<i64>,
}

/// Terms due within the alert window (90 days by default) or overdue.
#[utoipa::path(get, path = "/api/v1/alerts/terms", tag = "orgs", params(AlertQuery), responses((status = 200, body = [TermAlertRow])))]
pub async fn term_alerts(
    State(s): State<AppState>,
    user: CurrentUser,
    Query(q): Query<AlertQuery>,
) -> AppResult<Json<Vec<TermAlertRow>>> {
    let today = chrono::Utc::now().date_naive();
    Ok(Json(s.db.scoped(&user.principal).term_alerts(q.under, today).await.loc(user.locale)?))
}

#[utoipa::path(get, path = "/api/v1/orgs/{id}/office-holders", tag = "orgs", params(("id" = i64, Path)), responses((status = 200, body = [OfficeHolder])))]
pub async fn office_holders(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<Vec<OfficeHolder>>> {
    Ok(Json(s.db.scoped(&user.principal).office_holders(id).await.loc(user.locale)?))
}

#[derive(Deserialize, ToSchema)]
pub struct HolderRequest {
    pub person_id: i64,
    /// secretary, deputy_secretary or committee_member.
    pub position: String,
    pub started_on: String,
}

#[utoipa::path(post, path = "/api/v1/orgs/{id}/office-holders", tag = "orgs", params(("id" = i64, Path)), request_body = HolderRequest, responses((status = 201, body = OfficeHolder)))]
pub async fn add_office_holder(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Json(r): Json<HolderRequest>,
) -> AppResult<(StatusCode, Json<OfficeHolder>)> {
    let on = date_field("started_on", &r.started_on).loc(user.locale)?;
    Ok((
        StatusCode::CREATED,
        Json(s.db.scoped(&user.principal).add_office_holder(id, r.person_id, &r.position, on).await.loc(user.locale)?),
    ))
}

#[utoipa::path(get, path = "/api/v1/orgs/{id}/partnerships", tag = "orgs", params(("id" = i64, Path)), responses((status = 200, body = [Partnership])))]
pub async fn partnerships(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<Vec<Partnership>>> {
    Ok(Json(s.db.scoped(&user.principal).partnerships(id).await.loc(user.locale)?))
}

#[derive(Deserialize, ToSchema)]
pub struct PartnershipRequest {
    pub partner_org_id: Option<i64>,
    #[serde(default)]
    pub partner_name: String,
    /// org, bank, university, research_institute, enterprise or other.
    pub partner_kind: String,
    pub started_on: String,
    #[serde(default)]
    pub note: String,
}

#[utoipa::path(post, path = "/api/v1/orgs/{id}/partnerships", tag = "orgs", params(("id" = i64, Path)), request_body = PartnershipRequest, responses((status = 201, body = Partnership)))]
pub async fn add_partnership(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Json(r): Json<PartnershipRequest>,
) -> AppResult<(StatusCode, Json<Partnership>)> {
    let on = date_field("started_on", &r.started_on).loc(user.locale)?;
    let p =
        s.db.scoped(&user.principal)
            .add_partnership(id, r.partner_org_id, &r.partner_name, &r.partner_kind, on, &r.note)
            .await
            .loc(user.locale)?;
    Ok((StatusCode::CREATED, Json(p)))
}
