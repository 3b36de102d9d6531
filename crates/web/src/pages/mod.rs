//! Server-rendered pages. Each handler reads through the caller's scoped
//! handle, builds a JSON context and renders a template; forms post back with
//! the session's CSRF token ([`crate::auth::CsrfForm`]) and redirect on
//! success (post/redirect/get), or re-render with the errors in place.

mod activities;
mod admin;
mod orgs;
mod people;
mod session;
mod work;
// recordings
mod recordings;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use dangjian_domain::role::Action;
use dangjian_domain::Locale;
use serde_json::{json, Value};

use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::render::{error_page, page};
use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(session::home))
        .route("/login", get(session::login_page).post(session::login_submit))
        .route("/logout", post(session::logout))
        .route("/lang/{code}", get(session::set_lang))
        .route("/orgs", get(orgs::tree))
        .route("/orgs/{id}", get(orgs::org_page))
        .route("/orgs/{id}/as-of", get(orgs::as_of))
        .route("/orgs/{id}/children", post(orgs::establish))
        .route("/orgs/{id}/rename", post(orgs::rename))
        .route("/orgs/{id}/move", post(orgs::move_org))
        .route("/orgs/{id}/end", post(orgs::end_org))
        .route("/orgs/{id}/terms", post(orgs::start_term))
        .route("/orgs/{id}/holders", post(orgs::add_holder))
        .route("/orgs/{id}/holders/{hid}/end", post(orgs::end_holder))
        .route("/orgs/{id}/partnerships", post(orgs::add_partnership))
        .route("/orgs/{id}/roster", get(people::roster))
        .route("/orgs/{id}/import", get(people::import_page).post(people::import_submit))
        .route("/orgs/{id}/export.xlsx", get(people::export))
        .route("/import/template.xlsx", get(people::template))
        .route("/people", post(people::create))
        .route("/people/new", get(people::new_form))
        .route("/people/{id}", get(people::person_page).post(people::update))
        .route("/people/{id}/edit", get(people::edit_form))
        .route("/people/{id}/reveal", post(people::reveal))
        .route("/alerts/terms", get(orgs::alerts))
        .route("/users", get(admin::users).post(admin::create_user))
        .route("/users/{id}/grants", post(admin::grant))
        .route("/users/{id}/grants/{gid}/revoke", post(admin::revoke))
        .route("/users/{id}/unlock", post(admin::unlock))
        .route("/audit", get(admin::audit))
        .route("/todo", get(work::todo))
        .route("/notices/{id}/respond", post(work::respond_notice))
        .route("/orgs/{id}/lists", get(work::lists).post(work::create_list))
        .route("/lists/{id}", get(work::list_page))
        .route("/lists/{id}/tasks", post(work::create_task))
        .route("/lists/{id}/import", post(work::import_ledger))
        .route("/lists/{id}/export.xlsx", get(work::export_ledger))
        .route("/ledger/template.xlsx", get(work::ledger_template))
        .route("/tasks/{id}", get(work::task_page))
        .route("/tasks/{id}/progress", post(work::report_progress))
        .route("/tasks/{id}/closeout", post(work::closeout))
        .route("/tasks/{id}/attachments", post(work::upload_evidence))
        .route("/tasks/{id}/notices", post(work::issue_notice))
        .route("/orgs/{id}/frameworks", get(work::frameworks).post(work::create_framework))
        .route("/frameworks/{id}", get(work::framework_page))
        .route("/frameworks/{id}/elements", post(work::add_element))
        .route("/frameworks/{id}/mechanisms", post(work::add_mechanism))
        .route("/frameworks/{id}/copy", post(work::copy_framework))
        .route("/elements/{id}", post(work::update_element))
        .route("/orgs/{id}/board", get(work::board))
        // activities
        .route("/orgs/{id}/activities", get(activities::calendar).post(activities::create))
        .route("/orgs/{id}/activities/new", get(activities::new_form))
        .route("/activities/{id}", get(activities::record_page).post(activities::update))
        .route("/activities/{id}/edit", get(activities::edit_form))
        .route("/activities/{id}/tasks", post(activities::add_task))
        .route("/orgs/{id}/compliance", get(activities::compliance))
        .route("/orgs/{id}/campaigns", get(activities::campaigns).post(activities::create_campaign))
        .route("/campaigns/{id}", get(activities::campaign_page))
        .route("/campaigns/{id}/items", post(activities::add_item))
        // recordings
        .route("/recordings", get(recordings::search_page))
        .route("/recordings/{id}/delete", post(recordings::delete))
        .route("/recordings/{id}/attach", post(recordings::attach))
        .route("/activities/{id}/recordings", get(recordings::activity_page))
        .route("/admin/devices", get(recordings::devices).post(recordings::issue_device))
        .route("/admin/devices/{id}/revoke", post(recordings::revoke_device))
}

/// What every page's layout needs: the user, language and CSRF token.
pub(crate) fn base(user: &CurrentUser) -> Value {
    let p = &user.principal;
    json!({
        "lang": user.locale.tag(),
        "csrf": user.csrf,
        "user": {
            "username": p.username,
            "person_id": p.person_id,
            "is_admin": p.is_admin(),
            "can_audit": p.can(Action::ReadAudit),
        },
    })
}

/// `base` plus the page's own keys.
pub(crate) fn ctx(user: &CurrentUser, extra: Value) -> Value {
    let mut v = base(user);
    if let (Some(obj), Value::Object(more)) = (v.as_object_mut(), extra) {
        obj.extend(more);
    }
    v
}

/// Empty form fields become `None`.
pub(crate) fn opt(s: &Option<String>) -> Option<String> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
}

/// A form's integer field; empty → None, garbage → a field error.
pub(crate) fn opt_id(field: &str, s: &Option<String>) -> Result<Option<i64>, crate::error::AppError> {
    match opt(s) {
        None => Ok(None),
        Some(t) => {
            t.parse().map(Some).map_err(|_| crate::error::AppError::field(field, dangjian_domain::Code::InvalidValue))
        }
    }
}

/// An error for display above the form that caused it: the message, and each
/// field with its label in the user's language, looked up as `{labels}.{field}`.
/// A field in a list (`attendance[3].reason`) is labelled with its row too,
/// from `{labels}.attendance_row`.
pub(crate) fn problem(locale: Locale, e: &AppError, labels: &str) -> Value {
    let fields: Vec<Value> = e
        .field_errors()
        .into_iter()
        .map(|f| {
            let (base, row) = match f.field.split_once('[').and_then(|(list, rest)| {
                let (n, tail) = rest.split_once("].")?;
                Some((list.to_string(), n.parse::<usize>().ok()?, tail.to_string()))
            }) {
                Some((list, n, tail)) => (tail, Some((list, n))),
                None => (f.field.clone(), None),
            };
            let key = format!("{labels}.{base}");
            let label = crate::i18n::t(locale, &key);
            let label = if label == key { base } else { label };
            let label = match row {
                Some((list, n)) => format!(
                    "{}{}",
                    crate::i18n::t(locale, &format!("{labels}.{list}_row")).replace("{n}", &(n + 1).to_string()),
                    label
                ),
                None => label,
            };
            json!({"label": label, "message": f.message, "field": f.field})
        })
        .collect();
    json!({"message": e.message(), "code": e.code.as_str(), "fields": fields})
}

/// Renders a page with its confirmation or problem; a problem sets the status.
pub(crate) fn show(
    s: &AppState,
    user: &CurrentUser,
    name: &str,
    mut v: Value,
    ok: Option<&'static str>,
    err: Option<AppError>,
    labels: &str,
) -> Response {
    let mut status = StatusCode::OK;
    v["ok"] = json!(ok);
    if let Some(e) = err {
        let e = e.with_locale(user.locale);
        status = e.status;
        v["problem"] = problem(user.locale, &e, labels);
    }
    let mut resp = page(s, name, ctx(user, v));
    if resp.status() == StatusCode::OK {
        *resp.status_mut() = status;
    }
    resp
}

/// The error as a page of its own (the thing asked for could not be shown).
pub(crate) fn fail(s: &AppState, user: &CurrentUser, e: AppError) -> Response {
    error_page(s, user.locale, e.with_locale(user.locale))
}

/// Post/redirect/get.
pub(crate) fn go(path: String) -> Response {
    Redirect::to(&path).into_response()
}
