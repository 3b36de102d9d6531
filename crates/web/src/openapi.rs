//! The OpenAPI document, generated from the handlers' annotations and served
//! at `/api/openapi.json`. A test snapshots its paths so API changes show up
//! in review.

use axum::Json;
use utoipa::OpenApi;

use crate::api;

#[derive(OpenApi)]
#[openapi(
    info(title = "dangjian API", description = "Party-building work platform. Errors: {\"error\": {\"code\", \"message\", \"fields\"?, \"rows\"?}}. Log in with POST /api/v1/login; the session cookie is HttpOnly."),
    paths(
        api::session::login, api::session::logout, api::session::me,
        api::orgs::roots, api::orgs::get_org, api::orgs::children, api::orgs::events, api::orgs::tree_as_of,
        api::orgs::establish, api::orgs::rename, api::orgs::move_org, api::orgs::dissolve, api::orgs::merge,
        api::orgs::terms, api::orgs::start_term, api::orgs::term_alerts,
        api::orgs::office_holders, api::orgs::add_office_holder, api::orgs::partnerships, api::orgs::add_partnership,
        api::people::members, api::people::get_person, api::people::create, api::people::update, api::people::reveal,
        api::people::template, api::people::import, api::people::export,
        api::users::list, api::users::create, api::users::grant, api::users::revoke, api::users::unlock,
        api::audit::list, api::audit::verify,
        api::work::templates, api::work::frameworks, api::work::create_framework, api::work::framework, api::work::copy_framework,
        api::work::compare, api::work::add_element, api::work::update_element, api::work::add_mechanism,
        api::work::lists, api::work::create_list, api::work::list, api::work::create_task, api::work::task, api::work::progress,
        api::work::closeout, api::work::upload, api::work::download, api::work::issue_notice, api::work::respond,
        api::work::todo, api::work::stats, api::work::board, api::work::ledger_template, api::work::import_ledger, api::work::export_ledger, api::work::procedures, api::work::create_procedure,
        // activities
        api::activities::kinds, api::activities::add_kind, api::activities::list, api::activities::defaults,
        api::activities::create, api::activities::get_one, api::activities::update, api::activities::add_task,
        api::activities::follow_up, api::activities::campaigns, api::activities::create_campaign, api::activities::campaign,
        api::activities::add_item, api::activities::items, api::activities::compliance, api::activities::stats,
        // recordings
        api::recordings::upload, api::recordings::list, api::recordings::search, api::recordings::get_recording,
        api::recordings::content, api::recordings::delete, api::recordings::attach, api::recordings::devices,
        api::recordings::issue_device, api::recordings::revoke_device, api::recordings::ingest,
    ),
    tags((name = "session"), (name = "orgs"), (name = "people"), (name = "users"), (name = "audit"), (name = "frameworks"), (name = "tasks"), (name = "activities"),
        (name = "recordings"))
)]
pub struct ApiDoc;

pub async fn serve() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
