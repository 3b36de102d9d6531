//! Users, role grants and the audit trail (admins; audit also for committee staff).

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use dangjian_domain::role::Role;
use dangjian_domain::Code;
use serde::Deserialize;
use serde_json::json;

use super::{ctx, opt_id};
use crate::api::audit::AuditParams;
use crate::auth::{CsrfForm, CurrentUser};
use crate::error::AppError;
use crate::render::{error_page, page};
use crate::AppState;

fn roles(user: &CurrentUser) -> Vec<(&'static str, &'static str)> {
    Role::ALL.iter().map(|r| (r.as_str(), r.label(user.locale))).collect()
}

async fn users_page(s: &AppState, user: &CurrentUser, errors: Vec<String>) -> Response {
    match s.db.scoped(&user.principal).users().await {
        Ok(users) => page(s, "users.html", ctx(user, json!({"users": users, "roles": roles(user), "errors": errors}))),
        Err(e) => error_page(s, user.locale, e.into()),
    }
}

pub async fn users(State(s): State<AppState>, user: CurrentUser) -> Response {
    users_page(&s, &user, vec![]).await
}

fn messages(e: &AppError) -> Vec<String> {
    let f = e.field_errors();
    if f.is_empty() {
        vec![e.message().to_string()]
    } else {
        f.into_iter().map(|f| format!("{}：{}", f.field, f.message)).collect()
    }
}

#[derive(Deserialize)]
pub struct NewUserForm {
    username: String,
    password: String,
    role: String,
    org_id: Option<String>,
    person_id: Option<String>,
}

pub async fn create_user(State(s): State<AppState>, CsrfForm(user, f): CsrfForm<NewUserForm>) -> Response {
    let r = async {
        let role = Role::parse(&f.role).map_err(|c| AppError::field("role", c))?;
        let org = opt_id("org_id", &f.org_id)?.ok_or_else(|| AppError::field("org_id", Code::Required))?;
        let person = opt_id("person_id", &f.person_id)?;
        let scoped = s.db.scoped(&user.principal);
        // Check the grant's org before creating the account, so a bad org leaves nothing behind.
        scoped.org(org).await.map_err(|_| AppError::field("org_id", Code::UnknownOrg))?;
        let id = scoped.create_user(&f.username, &f.password, person).await?;
        scoped.grant(id, role, org).await?;
        Ok::<_, AppError>(())
    }
    .await;
    match r {
        Ok(()) => Redirect::to("/users").into_response(),
        Err(e) => users_page(&s, &user, messages(&e.with_locale(user.locale))).await,
    }
}

#[derive(Deserialize)]
pub struct GrantForm {
    role: String,
    org_id: Option<String>,
}

pub async fn grant(State(s): State<AppState>, Path(id): Path<i64>, CsrfForm(user, f): CsrfForm<GrantForm>) -> Response {
    let r = async {
        let role = Role::parse(&f.role).map_err(|c| AppError::field("role", c))?;
        let org = opt_id("org_id", &f.org_id)?.ok_or_else(|| AppError::field("org_id", Code::Required))?;
        s.db.scoped(&user.principal).grant(id, role, org).await?;
        Ok::<_, AppError>(())
    }
    .await;
    match r {
        Ok(()) => Redirect::to("/users").into_response(),
        Err(e) => users_page(&s, &user, messages(&e.with_locale(user.locale))).await,
    }
}

#[derive(Deserialize)]
pub struct Empty {}

pub async fn revoke(
    State(s): State<AppState>,
    Path((id, gid)): Path<(i64, i64)>,
    CsrfForm(user, _): CsrfForm<Empty>,
) -> Response {
    match s.db.scoped(&user.principal).revoke(id, gid).await {
        Ok(()) => Redirect::to("/users").into_response(),
        Err(e) => users_page(&s, &user, messages(&AppError::from(e).with_locale(user.locale))).await,
    }
}

pub async fn unlock(State(s): State<AppState>, Path(id): Path<i64>, CsrfForm(user, _): CsrfForm<Empty>) -> Response {
    match s.db.scoped(&user.principal).unlock_user(id).await {
        Ok(()) => Redirect::to("/users").into_response(),
        Err(e) => users_page(&s, &user, messages(&AppError::from(e).with_locale(user.locale))).await,
    }
}

#[derive(Deserialize, Default)]
pub struct VerifyParam {
    verify: Option<String>,
}

pub async fn audit(
    State(s): State<AppState>,
    user: CurrentUser,
    Query(p): Query<AuditParams>,
    Query(v): Query<VerifyParam>,
) -> Response {
    let scoped = s.db.scoped(&user.principal);
    let q = p.query();
    match scoped.audit_entries(&q).await {
        Ok(entries) => {
            // Re-hashing the whole chain reads every entry: only when asked.
            let chain =
                if user.principal.is_admin() && v.verify.is_some() { scoped.audit_verify().await.ok() } else { None };
            let older =
                if entries.len() as i64 >= q.limit.clamp(1, 500) { entries.last().map(|e| e.seq) } else { None };
            let qs = serde_urlencoded::to_string([
                ("actor", p.actor.clone().unwrap_or_default()),
                ("entity_type", p.entity_type.clone().unwrap_or_default()),
                ("action", p.action.clone().unwrap_or_default()),
                ("from", p.from.clone().unwrap_or_default()),
                ("to", p.to.clone().unwrap_or_default()),
            ])
            .unwrap_or_default();
            page(
                &s,
                "audit.html",
                ctx(
                    &user,
                    json!({"entries": entries, "chain": chain, "older": older, "qs": qs,
                    "q": {"actor": p.actor, "entity_type": p.entity_type, "action": p.action, "from": p.from, "to": p.to}}),
                ),
            )
        }
        Err(e) => error_page(&s, user.locale, e.into()),
    }
}
