//! Organizational life over JSON: activity kinds, records with attendance,
//! the 第一议题 loop, campaigns and study items, compliance and figures.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::NaiveDate;
use dangjian_store::activities::{
    Activity, ActivityDetail, ActivityInput, ActivityKind, ActivityQuery, ActivityStats, Campaign, CampaignDetail,
    Compliance, FollowUp, ImplementationInput, NewActivityKind, NewCampaign, NewStudyItem, RecordDefaults, StudyItem,
};
use dangjian_store::tasks::Task;
use serde::Deserialize;
use utoipa::IntoParams;

use super::work::Period;
use crate::auth::CurrentUser;
use crate::error::{AppResult, Localize};
use crate::AppState;

fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// Built-in kinds and the tenant's own.
#[utoipa::path(get, path = "/api/v1/activity-kinds", tag = "activities", responses((status = 200, body = [ActivityKind])))]
pub async fn kinds(State(s): State<AppState>, user: CurrentUser) -> AppResult<Json<Vec<ActivityKind>>> {
    Ok(Json(s.db.scoped(&user.principal).activity_kinds().await.loc(user.locale)?))
}

/// Add a kind of the tenant's own (admins).
#[utoipa::path(post, path = "/api/v1/activity-kinds", tag = "activities", request_body = NewActivityKind, responses((status = 201, body = ActivityKind)))]
pub async fn add_kind(
    State(s): State<AppState>,
    user: CurrentUser,
    Json(r): Json<NewActivityKind>,
) -> AppResult<(StatusCode, Json<ActivityKind>)> {
    Ok((StatusCode::CREATED, Json(s.db.scoped(&user.principal).add_activity_kind(&r).await.loc(user.locale)?)))
}

#[derive(Deserialize, IntoParams)]
pub struct ListParams {
    /// YYYY-MM-DD
    pub from: Option<String>,
    /// YYYY-MM-DD
    pub to: Option<String>,
    pub kind: Option<String>,
    /// planned, held or cancelled.
    pub status: Option<String>,
    pub campaign_id: Option<i64>,
    /// At most 2000 (default 500).
    pub limit: Option<i64>,
}

/// Activities of the org's subtree, newest first.
#[utoipa::path(get, path = "/api/v1/orgs/{id}/activities", tag = "activities", params(("id" = i64, Path), ListParams), responses((status = 200, body = [Activity])))]
pub async fn list(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(p): Query<ListParams>,
) -> AppResult<Json<Vec<Activity>>> {
    let opt = |field: &str, v: &Option<String>| -> AppResult<Option<NaiveDate>> {
        match v.as_deref().filter(|s| !s.trim().is_empty()) {
            Some(v) => Ok(Some(super::date_field(field, v).loc(user.locale)?)),
            None => Ok(None),
        }
    };
    let q = ActivityQuery {
        from: opt("from", &p.from)?,
        to: opt("to", &p.to)?,
        kind: p.kind,
        status: p.status,
        campaign_id: p.campaign_id,
        limit: p.limit,
    };
    Ok(Json(s.db.scoped(&user.principal).activities(id, &q).await.loc(user.locale)?))
}

#[derive(Deserialize, IntoParams)]
pub struct KindParam {
    pub kind: String,
}

/// What the record form starts from: the expected list from the roster, and
/// place, host, recorder and times from the last record of the kind.
#[utoipa::path(get, path = "/api/v1/orgs/{id}/activity-defaults", tag = "activities", params(("id" = i64, Path), KindParam), responses((status = 200, body = RecordDefaults)))]
pub async fn defaults(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(p): Query<KindParam>,
) -> AppResult<Json<RecordDefaults>> {
    Ok(Json(s.db.scoped(&user.principal).record_defaults(id, &p.kind).await.loc(user.locale)?))
}

/// Plan an activity, or record one held. Attendance lists the exceptions
/// (absent, leave) and sit-ins; everyone else expected is recorded present.
#[utoipa::path(post, path = "/api/v1/activities", tag = "activities", request_body = ActivityInput, responses((status = 201, body = ActivityDetail), (status = 422, description = "field errors")))]
pub async fn create(
    State(s): State<AppState>,
    user: CurrentUser,
    Json(r): Json<ActivityInput>,
) -> AppResult<(StatusCode, Json<ActivityDetail>)> {
    Ok((StatusCode::CREATED, Json(s.db.scoped(&user.principal).create_activity(&r, today()).await.loc(user.locale)?)))
}

#[utoipa::path(get, path = "/api/v1/activities/{id}", tag = "activities", params(("id" = i64, Path)), responses((status = 200, body = ActivityDetail)))]
pub async fn get_one(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<ActivityDetail>> {
    Ok(Json(s.db.scoped(&user.principal).activity(id).await.loc(user.locale)?))
}

/// Edit a record (needs `version`; 409 if someone saved in between).
#[utoipa::path(put, path = "/api/v1/activities/{id}", tag = "activities", params(("id" = i64, Path)), request_body = ActivityInput, responses((status = 200, body = ActivityDetail), (status = 409, description = "stale version")))]
pub async fn update(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Json(r): Json<ActivityInput>,
) -> AppResult<Json<ActivityDetail>> {
    Ok(Json(s.db.scoped(&user.principal).update_activity(id, &r, today()).await.loc(user.locale)?))
}

/// 落实: add an implementation task to a first_topic record.
#[utoipa::path(post, path = "/api/v1/activities/{id}/tasks", tag = "activities", params(("id" = i64, Path)), request_body = ImplementationInput, responses((status = 201, body = Task)))]
pub async fn add_task(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Json(r): Json<ImplementationInput>,
) -> AppResult<(StatusCode, Json<Task>)> {
    Ok((
        StatusCode::CREATED,
        Json(s.db.scoped(&user.principal).add_implementation_task(id, &r).await.loc(user.locale)?),
    ))
}

/// 问效: how a first_topic record's implementation tasks stand.
#[utoipa::path(get, path = "/api/v1/activities/{id}/follow-up", tag = "activities", params(("id" = i64, Path)), responses((status = 200, body = FollowUp)))]
pub async fn follow_up(State(s): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> AppResult<Json<FollowUp>> {
    Ok(Json(s.db.scoped(&user.principal).follow_up(id, today()).await.loc(user.locale)?))
}

#[derive(Deserialize, IntoParams)]
pub struct OrgParam {
    pub org: i64,
}

/// Campaigns reaching an org: its own, its ancestors' and its descendants'.
#[utoipa::path(get, path = "/api/v1/campaigns", tag = "activities", params(OrgParam), responses((status = 200, body = [Campaign])))]
pub async fn campaigns(
    State(s): State<AppState>,
    user: CurrentUser,
    Query(q): Query<OrgParam>,
) -> AppResult<Json<Vec<Campaign>>> {
    Ok(Json(s.db.scoped(&user.principal).campaigns(q.org).await.loc(user.locale)?))
}

#[utoipa::path(post, path = "/api/v1/campaigns", tag = "activities", request_body = NewCampaign, responses((status = 201, body = Campaign)))]
pub async fn create_campaign(
    State(s): State<AppState>,
    user: CurrentUser,
    Json(r): Json<NewCampaign>,
) -> AppResult<(StatusCode, Json<Campaign>)> {
    Ok((StatusCode::CREATED, Json(s.db.scoped(&user.principal).create_campaign(&r).await.loc(user.locale)?)))
}

/// A campaign with its figures: activities by kind, suggestions, case studies, bulletins.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}", tag = "activities", params(("id" = i64, Path)), responses((status = 200, body = CampaignDetail)))]
pub async fn campaign(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<CampaignDetail>> {
    Ok(Json(s.db.scoped(&user.principal).campaign_detail(id).await.loc(user.locale)?))
}

/// Record a suggestion, case study or bulletin.
#[utoipa::path(post, path = "/api/v1/study-items", tag = "activities", request_body = NewStudyItem, responses((status = 201, body = StudyItem)))]
pub async fn add_item(
    State(s): State<AppState>,
    user: CurrentUser,
    Json(r): Json<NewStudyItem>,
) -> AppResult<(StatusCode, Json<StudyItem>)> {
    Ok((StatusCode::CREATED, Json(s.db.scoped(&user.principal).add_study_item(&r).await.loc(user.locale)?)))
}

#[utoipa::path(get, path = "/api/v1/orgs/{id}/study-items", tag = "activities", params(("id" = i64, Path)), responses((status = 200, body = [StudyItem])))]
pub async fn items(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<Vec<StudyItem>>> {
    Ok(Json(s.db.scoped(&user.principal).study_items(id).await.loc(user.locale)?))
}

/// Required, held and missing per org and period over the subtree.
#[utoipa::path(get, path = "/api/v1/orgs/{id}/compliance", tag = "activities", params(("id" = i64, Path), Period), responses((status = 200, body = Compliance)))]
pub async fn compliance(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(p): Query<Period>,
) -> AppResult<Json<Compliance>> {
    let (from, to) = p.dates().loc(user.locale)?;
    Ok(Json(s.db.scoped(&user.principal).compliance(id, from, to, today()).await.loc(user.locale)?))
}

/// Activity figures for the subtree: by_kind, attendance_rate, compliance_rate,
/// suggestions, case_studies, bulletins, recordings (count; recordings_bytes).
#[utoipa::path(get, path = "/api/v1/orgs/{id}/stats/activities", tag = "activities", params(("id" = i64, Path), Period), responses((status = 200, body = ActivityStats)))]
pub async fn stats(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(p): Query<Period>,
) -> AppResult<Json<ActivityStats>> {
    let (from, to) = p.dates().loc(user.locale)?;
    Ok(Json(s.db.scoped(&user.principal).activity_stats(id, from, to, today()).await.loc(user.locale)?))
}
