//! Accounts and role grants (admins only).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use dangjian_domain::role::Role;
use dangjian_store::users::User;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult, Localize};
use crate::AppState;

#[utoipa::path(get, path = "/api/v1/users", tag = "users", responses((status = 200, body = [User]), (status = 403, description = "Admins only")))]
pub async fn list(State(s): State<AppState>, user: CurrentUser) -> AppResult<Json<Vec<User>>> {
    Ok(Json(s.db.scoped(&user.principal).users().await.loc(user.locale)?))
}

#[derive(Deserialize, ToSchema)]
pub struct NewUser {
    pub username: String,
    /// At least 10 characters.
    pub password: String,
    pub role: String,
    pub org_id: i64,
    /// Links the account to a person (for the `member` role).
    pub person_id: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct Created {
    pub id: i64,
}

#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = NewUser, responses((status = 201, body = Created), (status = 409, description = "Username taken"), (status = 422, description = "Validation failed")))]
pub async fn create(
    State(s): State<AppState>,
    user: CurrentUser,
    Json(r): Json<NewUser>,
) -> AppResult<(StatusCode, Json<Created>)> {
    let role = Role::parse(&r.role).map_err(|c| AppError::field("role", c)).loc(user.locale)?;
    let scoped = s.db.scoped(&user.principal);
    let id = scoped.create_user(&r.username, &r.password, r.person_id).await.loc(user.locale)?;
    scoped.grant(id, role, r.org_id).await.loc(user.locale)?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

#[derive(Deserialize, ToSchema)]
pub struct GrantRequest {
    pub role: String,
    pub org_id: i64,
}

#[utoipa::path(post, path = "/api/v1/users/{id}/grants", tag = "users", params(("id" = i64, Path)), request_body = GrantRequest, responses((status = 201, body = Created)))]
pub async fn grant(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Json(r): Json<GrantRequest>,
) -> AppResult<(StatusCode, Json<Created>)> {
    let role = Role::parse(&r.role).map_err(|c| AppError::field("role", c)).loc(user.locale)?;
    let gid = s.db.scoped(&user.principal).grant(id, role, r.org_id).await.loc(user.locale)?;
    Ok((StatusCode::CREATED, Json(Created { id: gid })))
}

#[utoipa::path(delete, path = "/api/v1/users/{id}/grants/{grant_id}", tag = "users", params(("id" = i64, Path), ("grant_id" = i64, Path)), responses((status = 204, description = "Revoked")))]
pub async fn revoke(
    State(s): State<AppState>,
    user: CurrentUser,
    Path((id, grant_id)): Path<(i64, i64)>,
) -> AppResult<StatusCode> {
    s.db.scoped(&user.principal).revoke(id, grant_id).await.loc(user.locale)?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(put, path = "/api/v1/users/{id}/unlock", tag = "users", params(("id" = i64, Path)), responses((status = 204, description = "Unlocked")))]
pub async fn unlock(State(s): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> AppResult<StatusCode> {
    s.db.scoped(&user.principal).unlock_user(id).await.loc(user.locale)?;
    Ok(StatusCode::NO_CONTENT)
}
