//! People over JSON: rosters, person records, the sensitive-field reveal,
//! and the Excel import and export.

use axum::body::Bytes;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use dangjian_domain::Code;
use dangjian_store::import::ImportSummary;
use dangjian_store::people::{Person, PersonInput, RosterQuery};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult, Localize};
use crate::AppState;

#[derive(Deserialize, IntoParams)]
pub struct MembersQuery {
    /// Name or work-unit fragment, or a full ID number.
    pub q: Option<String>,
    /// none, applicant, activist, candidate, probationary, full, or `members` (probationary and full).
    pub status: Option<String>,
    pub talent_pool: Option<String>,
    pub workers_representative: Option<bool>,
    /// 1-based; default 1.
    pub page: Option<i64>,
    /// Default 500, at most 5000.
    pub per_page: Option<i64>,
}

/// People registered anywhere in the org's subtree, as an array; the total
/// count is in the `X-Total-Count` header.
#[utoipa::path(get, path = "/api/v1/orgs/{id}/members", tag = "people", params(("id" = i64, Path), MembersQuery),
    responses((status = 200, body = [Person], headers(("X-Total-Count" = i64, description = "matching people in all pages"))), (status = 404, description = "Not found or not visible")))]
pub async fn members(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<MembersQuery>,
) -> AppResult<Response> {
    let rq = RosterQuery {
        q: q.q,
        status: q.status,
        talent_pool: q.talent_pool,
        workers_representative: q.workers_representative,
        page: q.page,
        per_page: Some(q.per_page.unwrap_or(500)),
    };
    let page = s.db.scoped(&user.principal).roster(id, &rq).await.loc(user.locale)?;
    let mut resp = Json(page.items).into_response();
    resp.headers_mut().insert("x-total-count", HeaderValue::from(page.total));
    Ok(resp)
}

#[utoipa::path(get, path = "/api/v1/people/{id}", tag = "people", params(("id" = i64, Path)), responses((status = 200, body = Person), (status = 404, description = "Not found or not visible")))]
pub async fn get_person(State(s): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> AppResult<Json<Person>> {
    Ok(Json(s.db.scoped(&user.principal).person(id).await.loc(user.locale)?))
}

/// Add a person to a branch (or a cell).
#[utoipa::path(post, path = "/api/v1/people", tag = "people", request_body = PersonInput, responses((status = 201, body = Person), (status = 409, description = "ID number already registered"), (status = 422, description = "Validation failed")))]
pub async fn create(
    State(s): State<AppState>,
    user: CurrentUser,
    Json(input): Json<PersonInput>,
) -> AppResult<(StatusCode, Json<Person>)> {
    Ok((StatusCode::CREATED, Json(s.db.scoped(&user.principal).create_person(&input).await.loc(user.locale)?)))
}

#[derive(Deserialize, ToSchema)]
pub struct PersonUpdate {
    /// The version read before editing; a stale version answers 409.
    pub version: i64,
    #[serde(flatten)]
    pub person: PersonInput,
}

#[utoipa::path(put, path = "/api/v1/people/{id}", tag = "people", params(("id" = i64, Path)), request_body = PersonUpdate, responses((status = 200, body = Person), (status = 409, description = "Changed by someone else, or duplicate ID number")))]
pub async fn update(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Json(u): Json<PersonUpdate>,
) -> AppResult<Json<Person>> {
    Ok(Json(s.db.scoped(&user.principal).update_person(id, u.version, &u.person).await.loc(user.locale)?))
}

#[derive(Deserialize, ToSchema)]
pub struct RevealRequest {
    /// id_number or phone.
    pub field: String,
}

#[derive(Serialize, ToSchema)]
pub struct Revealed {
    pub field: String,
    pub value: String,
}

/// The full ID or phone number. Every call is written to the audit trail.
#[utoipa::path(post, path = "/api/v1/people/{id}/reveal", tag = "people", params(("id" = i64, Path)), request_body = RevealRequest, responses((status = 200, body = Revealed), (status = 403, description = "Not allowed")))]
pub async fn reveal(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Json(r): Json<RevealRequest>,
) -> AppResult<Json<Revealed>> {
    let value = s.db.scoped(&user.principal).reveal(id, &r.field).await.loc(user.locale)?;
    Ok(Json(Revealed { field: r.field, value }))
}

pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

pub fn xlsx_response(bytes: Vec<u8>, filename: &str) -> Response {
    let disposition = format!(
        "attachment; filename=\"roster.xlsx\"; filename*=UTF-8''{}",
        crate::auth::urlencode(filename).replace('+', "%20")
    );
    ([(header::CONTENT_TYPE, XLSX.to_string()), (header::CONTENT_DISPOSITION, disposition)], bytes).into_response()
}

/// The roster import template (Chinese headers, with a sheet of instructions).
#[utoipa::path(get, path = "/api/v1/import/template.xlsx", tag = "people", responses((status = 200, description = "xlsx file")))]
pub async fn template(_user: CurrentUser) -> Response {
    xlsx_response(dangjian_excel::template(), "党员名册导入模板.xlsx")
}

/// Parses uploaded workbook bytes and imports them; errors carry every bad row.
pub async fn import_bytes(s: &AppState, user: &CurrentUser, org_id: i64, bytes: &[u8]) -> AppResult<ImportSummary> {
    // Check the target first, so a caller without access learns nothing from parsing errors.
    s.db.scoped(&user.principal).require(dangjian_domain::role::Action::WritePeople, org_id).await.loc(user.locale)?;
    let rows = match dangjian_excel::parse(bytes) {
        Ok(rows) => rows,
        Err(e) => return Err(excel_error(e).with_locale(user.locale)),
    };
    s.db.scoped(&user.principal).import_roster(org_id, rows).await.loc(user.locale)
}

pub fn excel_error(e: dangjian_excel::ParseError) -> AppError {
    use dangjian_excel::ParseError as P;
    match e {
        P::Unreadable => AppError::field("file", Code::FileUnreadable),
        P::MissingColumns(cols) => AppError {
            rows: cols
                .into_iter()
                .map(|c| dangjian_excel::RowError {
                    row: 1,
                    column: c,
                    code: Code::MissingColumn,
                    value: String::new(),
                })
                .collect(),
            ..AppError::new(StatusCode::UNPROCESSABLE_ENTITY, Code::ImportRejected)
        },
        P::TooManyRows { .. } => AppError::field("file", Code::FileTooLarge),
        P::Rows(rows) => AppError { rows, ..AppError::new(StatusCode::UNPROCESSABLE_ENTITY, Code::ImportRejected) },
    }
}

/// Import a roster workbook into the org's subtree: all rows or none.
/// Send the .xlsx as the raw body, or as the `file` part of a multipart form.
/// Needs the `X-CSRF-Token` header from `/api/v1/me` or the login response.
#[utoipa::path(post, path = "/api/v1/orgs/{id}/import", tag = "people", params(("id" = i64, Path)), request_body(content = Vec<u8>, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    responses((status = 200, body = ImportSummary), (status = 422, description = "Refused: error.rows lists every bad row (row, column, code, message); nothing stored")))]
pub async fn import(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    headers: HeaderMap,
    req: axum::extract::Request,
) -> AppResult<Json<ImportSummary>> {
    let token = headers.get("x-csrf-token").and_then(|v| v.to_str().ok()).unwrap_or("");
    user.check_csrf(token)?;
    let is_multipart = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("multipart/form-data"));
    let bytes = if is_multipart {
        use axum::extract::FromRequest;
        let mut mp = Multipart::from_request(req, &s)
            .await
            .map_err(|_| AppError::field("file", Code::FileUnreadable).with_locale(user.locale))?;
        let mut data = None;
        while let Ok(Some(field)) = mp.next_field().await {
            if field.name() == Some("file") {
                data = Some(field.bytes().await.map_err(|_| {
                    AppError::new(StatusCode::PAYLOAD_TOO_LARGE, Code::FileTooLarge).with_locale(user.locale)
                })?);
            }
        }
        data.ok_or_else(|| AppError::field("file", Code::Required).with_locale(user.locale))?
    } else {
        use axum::extract::FromRequest;
        Bytes::from_request(req, &s)
            .await
            .map_err(|_| AppError::new(StatusCode::PAYLOAD_TOO_LARGE, Code::FileTooLarge).with_locale(user.locale))?
    };
    Ok(Json(import_bytes(&s, &user, id, &bytes).await?))
}

/// Builds the export workbook of a roster (full numbers only for those allowed).
pub async fn export_bytes(s: &AppState, user: &CurrentUser, org_id: i64) -> AppResult<(Vec<u8>, String)> {
    let scoped = s.db.scoped(&user.principal);
    let org = scoped.org(org_id).await.loc(user.locale)?;
    let export = scoped.roster_for_export(org_id).await.loc(user.locale)?;
    Ok((dangjian_excel::export(&export), format!("{}名册.xlsx", org.name)))
}

/// The subtree's roster as .xlsx, in the layout the import reads.
#[utoipa::path(get, path = "/api/v1/orgs/{id}/export.xlsx", tag = "people", params(("id" = i64, Path)), responses((status = 200, description = "xlsx file")))]
pub async fn export(State(s): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> AppResult<Response> {
    let (bytes, name) = export_bytes(&s, &user, id).await?;
    Ok(xlsx_response(bytes, &name))
}
