//! The JSON API under `/api/v1`. One module per resource; each exposes its
//! routes through [`router`]. Errors are `{"error": {"code", "message", ...}}`.
//!
//! Writes take JSON bodies: a browser cannot send `application/json` across
//! origins without a preflight, which with `SameSite=Lax` cookies is the CSRF
//! defence here. The one non-JSON write (roster upload) requires the
//! `X-CSRF-Token` header.

pub mod activities;
pub mod audit;
pub mod orgs;
pub mod people;
pub mod session;
pub mod users;
pub mod work;
// recordings
pub mod recordings;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post, put};
use axum::Router;

use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", post(session::login))
        .route("/logout", post(session::logout))
        .route("/me", get(session::me))
        .route("/orgs", get(orgs::roots).post(orgs::establish))
        .route("/orgs/{id}", get(orgs::get_org))
        .route("/orgs/{id}/children", get(orgs::children))
        .route("/orgs/{id}/members", get(people::members))
        .route("/orgs/{id}/events", get(orgs::events))
        .route("/orgs/{id}/tree", get(orgs::tree_as_of))
        .route("/orgs/{id}/rename", post(orgs::rename))
        .route("/orgs/{id}/move", post(orgs::move_org))
        .route("/orgs/{id}/dissolve", post(orgs::dissolve))
        .route("/orgs/{id}/merge", post(orgs::merge))
        .route("/orgs/{id}/terms", get(orgs::terms).post(orgs::start_term))
        .route("/orgs/{id}/office-holders", get(orgs::office_holders).post(orgs::add_office_holder))
        .route("/orgs/{id}/partnerships", get(orgs::partnerships).post(orgs::add_partnership))
        .route("/orgs/{id}/import", post(people::import))
        .route("/orgs/{id}/export.xlsx", get(people::export))
        .route("/alerts/terms", get(orgs::term_alerts))
        .route("/people", post(people::create))
        .route("/people/{id}", get(people::get_person).put(people::update))
        .route("/people/{id}/reveal", post(people::reveal))
        .route("/import/template.xlsx", get(people::template))
        .route("/users", get(users::list).post(users::create))
        .route("/users/{id}/grants", post(users::grant))
        .route("/users/{id}/grants/{grant_id}", axum::routing::delete(users::revoke))
        .route("/users/{id}/unlock", put(users::unlock))
        .route("/audit", get(audit::list))
        .route("/audit/verify", get(audit::verify))
        .route("/framework-templates", get(work::templates))
        .route("/frameworks", get(work::frameworks).post(work::create_framework))
        .route("/frameworks/{id}", get(work::framework))
        .route("/frameworks/{id}/copy", post(work::copy_framework))
        .route("/frameworks/{id}/compare/{other}", get(work::compare))
        .route("/frameworks/{id}/elements", post(work::add_element))
        .route("/frameworks/{id}/mechanisms", post(work::add_mechanism))
        .route("/elements/{id}", put(work::update_element))
        .route("/lists", get(work::lists).post(work::create_list))
        .route("/lists/{id}", get(work::list))
        .route("/lists/{id}/tasks", post(work::create_task))
        .route("/lists/{id}/import", post(work::import_ledger))
        .route("/lists/{id}/export.xlsx", get(work::export_ledger))
        .route("/ledger/template.xlsx", get(work::ledger_template))
        .route("/tasks/{id}", get(work::task))
        .route("/tasks/{id}/progress", post(work::progress))
        .route("/tasks/{id}/closeout", post(work::closeout))
        .route("/tasks/{id}/attachments", post(work::upload))
        .route("/tasks/{id}/notices", post(work::issue_notice))
        .route("/attachments/{id}", get(work::download))
        .route("/notices/{id}/respond", post(work::respond))
        .route("/todo", get(work::todo))
        .route("/procedures", get(work::procedures).post(work::create_procedure))
        .route("/orgs/{id}/stats/tasks", get(work::stats))
        .route("/orgs/{id}/board", get(work::board))
        // activities
        .route("/activity-kinds", get(activities::kinds).post(activities::add_kind))
        .route("/orgs/{id}/activities", get(activities::list))
        .route("/orgs/{id}/activity-defaults", get(activities::defaults))
        .route("/activities", post(activities::create))
        .route("/activities/{id}", get(activities::get_one).put(activities::update))
        .route("/activities/{id}/tasks", post(activities::add_task))
        .route("/activities/{id}/follow-up", get(activities::follow_up))
        .route("/campaigns", get(activities::campaigns).post(activities::create_campaign))
        .route("/campaigns/{id}", get(activities::campaign))
        .route("/study-items", post(activities::add_item))
        .route("/orgs/{id}/study-items", get(activities::items))
        .route("/orgs/{id}/compliance", get(activities::compliance))
        .route("/orgs/{id}/stats/activities", get(activities::stats))
        // recordings: uploads stream past the router's body limit (the store enforces upload_max_bytes)
        .route(
            "/activities/{id}/recordings",
            get(recordings::list).post(recordings::upload).layer(DefaultBodyLimit::disable()),
        )
        .route("/recordings", get(recordings::search))
        .route("/recordings/{id}", get(recordings::get_recording).delete(recordings::delete))
        .route("/recordings/{id}/content", get(recordings::content))
        .route("/recordings/{id}/attach", post(recordings::attach))
        .route("/devices", get(recordings::devices).post(recordings::issue_device))
        .route("/devices/{id}/revoke", post(recordings::revoke_device))
        .route("/ingest", post(recordings::ingest).layer(DefaultBodyLimit::disable()))
}

/// Parses an ISO date from a JSON field, reporting the field on failure.
pub(crate) fn date_field(field: &str, v: &str) -> Result<chrono::NaiveDate, crate::error::AppError> {
    dangjian_domain::date::parse(v).map_err(|c| crate::error::AppError::field(field, c))
}
