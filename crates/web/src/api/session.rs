//! Log in and out over JSON.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use axum_extra::extract::CookieJar;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::{self, CurrentUser, Lang};
use crate::error::AppError;
use crate::AppState;

#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct GrantOut {
    /// admin, committee_staff, branch_secretary or member.
    pub role: String,
    pub org_id: i64,
}

fn grants_out(p: &dangjian_store::Principal) -> Vec<GrantOut> {
    p.grants.iter().map(|g| GrantOut { role: g.role.as_str().to_string(), org_id: g.org_id }).collect()
}

#[derive(Serialize, ToSchema)]
pub struct Me {
    pub user_id: Option<i64>,
    pub username: String,
    pub person_id: Option<i64>,
    pub grants: Vec<GrantOut>,
    /// Token for `X-CSRF-Token` on non-JSON writes (roster upload).
    pub csrf_token: String,
}

/// Log in; sets the `dj_session` cookie (HttpOnly).
#[utoipa::path(post, path = "/api/v1/login", request_body = LoginRequest, tag = "session",
    responses((status = 200, description = "Logged in", body = Me), (status = 401, description = "Wrong username or password"), (status = 423, description = "Account locked")))]
pub async fn login(
    State(state): State<AppState>,
    Lang(locale): Lang,
    jar: CookieJar,
    Json(req): Json<LoginRequest>,
) -> Response {
    match auth::login(&state, &req.username, &req.password).await {
        Ok(token) => {
            #[allow(clippy::disallowed_methods)]
            let session = state.db.system(dangjian_store::DEFAULT_TENANT).session(&token).await;
            match session {
                Ok(Some(s)) => {
                    let me = Me {
                        user_id: s.principal.user_id,
                        username: s.principal.username.clone(),
                        person_id: s.principal.person_id,
                        grants: grants_out(&s.principal),
                        csrf_token: s.csrf_token,
                    };
                    (jar.add(auth::session_cookie(&state, token)), Json(me)).into_response()
                }
                _ => AppError::new(StatusCode::INTERNAL_SERVER_ERROR, dangjian_domain::Code::Internal)
                    .with_locale(locale)
                    .into_response(),
            }
        }
        Err(code) => AppError::new(auth::login_status(code), code).with_locale(locale).into_response(),
    }
}

/// End the session.
#[utoipa::path(post, path = "/api/v1/logout", tag = "session", responses((status = 204, description = "Logged out")))]
pub async fn logout(State(state): State<AppState>, jar: CookieJar) -> Response {
    auth::logout(&state, &jar).await;
    (StatusCode::NO_CONTENT, jar.add(auth::clear_session_cookie())).into_response()
}

/// Who am I.
#[utoipa::path(get, path = "/api/v1/me", tag = "session", responses((status = 200, body = Me), (status = 401, description = "Not logged in")))]
pub async fn me(user: CurrentUser) -> Json<Me> {
    Json(Me {
        user_id: user.principal.user_id,
        username: user.principal.username.clone(),
        person_id: user.principal.person_id,
        grants: grants_out(&user.principal),
        csrf_token: user.csrf,
    })
}
