//! Org pages: the tree, one org with its term, office holders, partnerships
//! and history, the as-of view, term alerts, and the structure forms.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use dangjian_domain::org::OrgKind;
use dangjian_domain::role::Action;
use dangjian_domain::Code;
use dangjian_store::orgs::NewOrg;
use dangjian_store::Scoped;
use serde::Deserialize;
use serde_json::json;

use super::{ctx, opt, opt_id};
use crate::auth::{CsrfForm, CurrentUser};
use crate::error::AppError;
use crate::render::{error_page, page};
use crate::AppState;

#[derive(Deserialize, Default)]
pub struct TreeQuery {
    q: Option<String>,
}

pub async fn tree(State(s): State<AppState>, user: CurrentUser, Query(q): Query<TreeQuery>) -> Response {
    let scoped = s.db.scoped(&user.principal);
    let roots = match scoped.roots().await {
        Ok(r) => r,
        Err(e) => return error_page(&s, user.locale, e.into()),
    };
    let query = opt(&q.q);
    let found = match &query {
        Some(text) => scoped.search_orgs(text, 50).await.unwrap_or_default(),
        None => vec![],
    };
    // One visible root: go straight into it, the common case for staff.
    if roots.len() == 1 && query.is_none() {
        return Redirect::to(&format!("/orgs/{}", roots[0].id)).into_response();
    }
    page(&s, "tree.html", ctx(&user, json!({"roots": roots, "q": query.unwrap_or_default(), "found": found})))
}

/// Asked of the page's own handle, which has the org's lineage by then: no statement.
async fn can(scoped: &Scoped<'_>, action: Action, org_id: i64, below: bool) -> bool {
    if below {
        scoped.require_below(action, org_id).await.is_ok()
    } else {
        scoped.require(action, org_id).await.is_ok()
    }
}

pub async fn org_page(State(s): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> Response {
    match org_context(&s, &user, id).await {
        Ok(v) => page(&s, "org.html", ctx(&user, v)),
        Err(e) => error_page(&s, user.locale, e),
    }
}

async fn org_context(s: &AppState, user: &CurrentUser, id: i64) -> Result<serde_json::Value, AppError> {
    let scoped = s.db.scoped(&user.principal);
    let org = scoped.org(id).await?;
    let crumbs = scoped.breadcrumb(id).await?;
    let children = scoped.children(id).await?;
    let people_count = scoped.people_count(id).await?;
    let kind = org.kind();
    let terms = if kind.has_terms() { scoped.terms(id).await? } else { vec![] };
    let term = terms.into_iter().find(|t| t.ended_on.is_none());
    let settings = &user.settings;
    let today = chrono::Utc::now().date_naive();
    let (alert_state, alert_days) = match &term {
        Some(t) => {
            let due = chrono::NaiveDate::parse_from_str(&t.due_on, "%Y-%m-%d").unwrap_or(today);
            match dangjian_domain::term::TermAlert::of(settings, due, today) {
                dangjian_domain::term::TermAlert::Current { days_left } => ("current", days_left),
                dangjian_domain::term::TermAlert::DueSoon { days_left } => ("due_soon", days_left),
                dangjian_domain::term::TermAlert::Overdue { days_over } => ("overdue", days_over),
            }
        }
        None => ("", 0),
    };
    let holders = scoped.office_holders(id).await?;
    let partnerships = scoped.partnerships(id).await?;
    let events = scoped.events(id).await?;
    let child_kinds: Vec<(&str, &str)> =
        OrgKind::ALL.iter().filter(|k| kind.may_contain(**k)).map(|k| (k.as_str(), k.label(user.locale))).collect();
    Ok(json!({
        "org": org, "crumbs": crumbs, "children": children.iter().map(|c| {
            let mut v = serde_json::to_value(c).unwrap_or_default();
            v["people_count"] = json!(c.people_count);
            v
        }).collect::<Vec<_>>(),
        "people_count": people_count, "has_terms": kind.has_terms(), "term": term,
        "alert_state": alert_state, "alert_days": alert_days,
        "holders": holders, "partnerships": partnerships, "events": events, "child_kinds": child_kinds,
        "can_write_people": can(&scoped, Action::WritePeople, id, false).await,
        "can_write_details": can(&scoped, Action::WriteOrgDetails, id, false).await,
        "can_write_structure_below": can(&scoped, Action::WriteStructure, id, false).await && !child_kinds.is_empty(),
        "can_write_structure_here": can(&scoped, Action::WriteStructure, id, true).await,
    }))
}

#[derive(Deserialize)]
pub struct AsOfQuery {
    date: String,
}

pub async fn as_of(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<AsOfQuery>,
) -> Response {
    let scoped = s.db.scoped(&user.principal);
    let result = async {
        let date = dangjian_domain::date::parse(&q.date).map_err(|c| AppError::field("date", c))?;
        let org = scoped.org(id).await?;
        let items = scoped.tree_as_of(id, date).await?;
        // Indent by depth below `id`, listing each org after its parent.
        let mut ordered = Vec::new();
        fn walk(items: &[dangjian_domain::org::OrgAsOf], parent: i64, level: usize, out: &mut Vec<serde_json::Value>) {
            let mut kids: Vec<&dangjian_domain::org::OrgAsOf> =
                items.iter().filter(|o| o.parent_id == Some(parent)).collect();
            kids.sort_by(|a, b| (a.kind, &a.name).cmp(&(b.kind, &b.name)));
            for k in kids {
                out.push(json!({"id": k.id, "name": k.name, "kind": k.kind.as_str(), "level": level}));
                walk(items, k.id, level + 1, out);
            }
        }
        if let Some(top) = items.iter().find(|o| o.id == id) {
            ordered.push(json!({"id": top.id, "name": top.name, "kind": top.kind.as_str(), "level": 0}));
            walk(&items, id, 1, &mut ordered);
        }
        Ok::<_, AppError>(json!({"org": org, "date": date.to_string(), "items": ordered}))
    }
    .await;
    match result {
        Ok(v) => page(&s, "as_of.html", ctx(&user, v)),
        Err(e) => error_page(&s, user.locale, e.with_locale(user.locale)),
    }
}

pub async fn alerts(State(s): State<AppState>, user: CurrentUser) -> Response {
    let today = chrono::Utc::now().date_naive();
    match s.db.scoped(&user.principal).term_alerts(None, today).await {
        Ok(a) => page(&s, "alerts.html", ctx(&user, json!({"alerts": a}))),
        Err(e) => error_page(&s, user.locale, e.into()),
    }
}

/// Runs a form action: redirect to the org page on success, an error page otherwise.
fn done(s: &AppState, user: &CurrentUser, to: i64, r: Result<(), AppError>) -> Response {
    match r {
        Ok(()) => Redirect::to(&format!("/orgs/{to}")).into_response(),
        Err(e) => error_page(s, user.locale, e.with_locale(user.locale)),
    }
}

fn date(field: &str, v: &str) -> Result<chrono::NaiveDate, AppError> {
    dangjian_domain::date::parse(v).map_err(|c| AppError::field(field, c))
}

#[derive(Deserialize)]
pub struct EstablishForm {
    name: String,
    kind: String,
    effective_on: String,
    #[serde(default)]
    doc_no: String,
    overseas: Option<String>,
}

pub async fn establish(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(user, f): CsrfForm<EstablishForm>,
) -> Response {
    let r = async {
        let kind = OrgKind::parse(&f.kind).map_err(|c| AppError::field("kind", c))?;
        let on = date("effective_on", &f.effective_on)?;
        let org =
            s.db.scoped(&user.principal)
                .establish(NewOrg {
                    parent_id: id,
                    kind,
                    name: f.name,
                    established_on: on,
                    doc_no: f.doc_no,
                    overseas: f.overseas.is_some(),
                })
                .await?;
        Ok::<_, AppError>(org.id)
    }
    .await;
    match r {
        Ok(new_id) => Redirect::to(&format!("/orgs/{new_id}")).into_response(),
        Err(e) => error_page(&s, user.locale, e.with_locale(user.locale)),
    }
}

#[derive(Deserialize)]
pub struct RenameForm {
    name: String,
    effective_on: String,
    #[serde(default)]
    doc_no: String,
}

pub async fn rename(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(user, f): CsrfForm<RenameForm>,
) -> Response {
    let r = async {
        let on = date("effective_on", &f.effective_on)?;
        s.db.scoped(&user.principal).rename(id, &f.name, on, &f.doc_no).await?;
        Ok(())
    }
    .await;
    done(&s, &user, id, r)
}

#[derive(Deserialize)]
pub struct MoveForm {
    parent_id: Option<String>,
    effective_on: String,
    #[serde(default)]
    doc_no: String,
}

pub async fn move_org(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(user, f): CsrfForm<MoveForm>,
) -> Response {
    let r = async {
        let on = date("effective_on", &f.effective_on)?;
        let parent = opt_id("parent_id", &f.parent_id)?.ok_or_else(|| AppError::field("parent_id", Code::Required))?;
        s.db.scoped(&user.principal).move_org(id, parent, on, &f.doc_no).await?;
        Ok(())
    }
    .await;
    done(&s, &user, id, r)
}

#[derive(Deserialize)]
pub struct EndForm {
    merged_into_id: Option<String>,
    effective_on: String,
    #[serde(default)]
    doc_no: String,
}

pub async fn end_org(State(s): State<AppState>, Path(id): Path<i64>, CsrfForm(user, f): CsrfForm<EndForm>) -> Response {
    let r = async {
        let on = date("effective_on", &f.effective_on)?;
        let into = opt_id("merged_into_id", &f.merged_into_id)?;
        s.db.scoped(&user.principal).end_org(id, into, on, &f.doc_no).await?;
        Ok(())
    }
    .await;
    done(&s, &user, id, r)
}

#[derive(Deserialize)]
pub struct TermForm {
    started_on: String,
    #[serde(default)]
    doc_no: String,
}

pub async fn start_term(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(user, f): CsrfForm<TermForm>,
) -> Response {
    let r = async {
        let on = date("started_on", &f.started_on)?;
        s.db.scoped(&user.principal).start_term(id, on, &f.doc_no).await?;
        Ok(())
    }
    .await;
    done(&s, &user, id, r)
}

#[derive(Deserialize)]
pub struct HolderForm {
    person_id: Option<String>,
    position: String,
    started_on: String,
}

pub async fn add_holder(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(user, f): CsrfForm<HolderForm>,
) -> Response {
    let r = async {
        let on = date("started_on", &f.started_on)?;
        let person = opt_id("person_id", &f.person_id)?.ok_or_else(|| AppError::field("person_id", Code::Required))?;
        s.db.scoped(&user.principal).add_office_holder(id, person, &f.position, on).await?;
        Ok(())
    }
    .await;
    done(&s, &user, id, r)
}

#[derive(Deserialize)]
pub struct EndHolderForm {
    ended_on: String,
}

pub async fn end_holder(
    State(s): State<AppState>,
    Path((id, hid)): Path<(i64, i64)>,
    CsrfForm(user, f): CsrfForm<EndHolderForm>,
) -> Response {
    let r = async {
        let on = date("ended_on", &f.ended_on)?;
        s.db.scoped(&user.principal).end_office_holder(id, hid, on).await?;
        Ok(())
    }
    .await;
    done(&s, &user, id, r)
}

#[derive(Deserialize)]
pub struct PartnershipForm {
    partner_name: String,
    partner_kind: String,
    started_on: String,
    #[serde(default)]
    note: String,
}

pub async fn add_partnership(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(user, f): CsrfForm<PartnershipForm>,
) -> Response {
    let r = async {
        let on = date("started_on", &f.started_on)?;
        s.db.scoped(&user.principal).add_partnership(id, None, &f.partner_name, &f.partner_kind, on, &f.note).await?;
        Ok(())
    }
    .await;
    done(&s, &user, id, r)
}
