//! Roster, person, and import/export pages.

use axum::extract::{Multipart, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use dangjian_domain::person::{MemberStatus, TalentPool};
use dangjian_domain::role::Action;
use dangjian_domain::{Code, Locale};
use dangjian_store::people::{PersonInput, RosterQuery};
use serde::Deserialize;
use serde_json::json;

use super::{ctx, opt, opt_id};
use crate::auth::{CsrfForm, CurrentUser};
use crate::error::AppError;
use crate::render::{error_page, page};
use crate::AppState;

fn statuses(l: Locale) -> Vec<(&'static str, &'static str)> {
    MemberStatus::ALL.iter().map(|s| (s.as_str(), s.label(l))).collect()
}

fn pools(l: Locale) -> Vec<(&'static str, &'static str)> {
    TalentPool::ALL.iter().map(|s| (s.as_str(), s.label(l))).collect()
}

#[derive(Deserialize, Default)]
pub struct RosterParams {
    q: Option<String>,
    status: Option<String>,
    talent_pool: Option<String>,
    page: Option<i64>,
}

pub async fn roster(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(p): Query<RosterParams>,
) -> Response {
    let scoped = s.db.scoped(&user.principal);
    let rq = RosterQuery {
        q: opt(&p.q),
        status: opt(&p.status),
        talent_pool: opt(&p.talent_pool),
        workers_representative: None,
        page: p.page,
        per_page: Some(50),
    };
    let result = async {
        let org = scoped.org(id).await?;
        let page = scoped.roster(id, &rq).await?;
        Ok::<_, AppError>((org, page))
    }
    .await;
    match result {
        Ok((org, rp)) => {
            let pages = ((rp.total + rp.per_page - 1) / rp.per_page).max(1);
            let qs = serde_urlencoded::to_string([
                ("q", rq.q.clone().unwrap_or_default()),
                ("status", rq.status.clone().unwrap_or_default()),
                ("talent_pool", rq.talent_pool.clone().unwrap_or_default()),
            ])
            .unwrap_or_default();
            let can_write = scoped.require(Action::WritePeople, id).await.is_ok();
            page(
                &s,
                "roster.html",
                ctx(
                    &user,
                    json!({"org": org, "page": rp, "pages": pages, "qs": qs, "q": {"q": rq.q, "status": rq.status, "talent_pool": rq.talent_pool},
                    "statuses": statuses(user.locale), "pools": pools(user.locale), "can_write_people": can_write}),
                ),
            )
        }
        Err(e) => error_page(&s, user.locale, e.with_locale(user.locale)),
    }
}

async fn person_view(
    s: &AppState,
    user: &CurrentUser,
    id: i64,
    revealed: Option<(String, String)>,
    saved: bool,
) -> Response {
    let scoped = s.db.scoped(&user.principal);
    match scoped.person(id).await {
        Ok(p) => {
            let own = user.principal.person_id == Some(id);
            let can_reveal = own || scoped.require(Action::RevealSensitive, p.org_id).await.is_ok();
            let can_edit = scoped.require(Action::WritePeople, p.org_id).await.is_ok();
            let (rid, rphone) =
                revealed.map(|(a, b)| (Some(a), Some(b).filter(|s| !s.is_empty()))).unwrap_or((None, None));
            page(
                s,
                "person.html",
                ctx(
                    user,
                    json!({"p": p, "can_reveal": can_reveal, "can_edit": can_edit, "revealed_id": rid, "revealed_phone": rphone, "saved": saved}),
                ),
            )
        }
        Err(e) => error_page(s, user.locale, e.into()),
    }
}

#[derive(Deserialize, Default)]
pub struct SavedQuery {
    saved: Option<String>,
}

pub async fn person_page(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<SavedQuery>,
) -> Response {
    person_view(&s, &user, id, None, q.saved.is_some()).await
}

#[derive(Deserialize)]
pub struct Empty {}

/// Shows the full numbers once, on this response only; each reveal is audited.
pub async fn reveal(State(s): State<AppState>, Path(id): Path<i64>, CsrfForm(user, _): CsrfForm<Empty>) -> Response {
    let scoped = s.db.scoped(&user.principal);
    let r = async {
        let idn = scoped.reveal(id, "id_number").await?;
        let phone = scoped.reveal(id, "phone").await?;
        Ok::<_, dangjian_store::StoreError>((idn, phone))
    }
    .await;
    match r {
        Ok(v) => person_view(&s, &user, id, Some(v), false).await,
        Err(e) => error_page(&s, user.locale, e.into()),
    }
}

#[derive(Deserialize, Default)]
pub struct PersonForm {
    org_id: Option<String>,
    cell_id: Option<String>,
    #[serde(default)]
    name: String,
    gender: Option<String>,
    #[serde(default)]
    id_number: String,
    phone: Option<String>,
    #[serde(default)]
    status: String,
    applied_on: Option<String>,
    activist_on: Option<String>,
    candidate_on: Option<String>,
    probationary_on: Option<String>,
    full_on: Option<String>,
    work_unit: Option<String>,
    position: Option<String>,
    talent_pool: Option<String>,
    workers_representative: Option<String>,
    version: Option<String>,
}

impl PersonForm {
    fn input(&self) -> Result<PersonInput, AppError> {
        Ok(PersonInput {
            org_id: opt_id("org_id", &self.org_id)?.ok_or_else(|| AppError::field("org_id", Code::Required))?,
            cell_id: opt_id("cell_id", &self.cell_id)?,
            name: self.name.clone(),
            gender: opt(&self.gender),
            id_number: self.id_number.clone(),
            phone: opt(&self.phone),
            status: self.status.clone(),
            applied_on: opt(&self.applied_on),
            activist_on: opt(&self.activist_on),
            candidate_on: opt(&self.candidate_on),
            probationary_on: opt(&self.probationary_on),
            full_on: opt(&self.full_on),
            work_unit: opt(&self.work_unit),
            position: opt(&self.position),
            talent_pool: opt(&self.talent_pool),
            workers_representative: self.workers_representative.is_some(),
        })
    }

    /// The form's values for re-display (full numbers only as the user typed them).
    fn echo(&self, id: Option<i64>) -> serde_json::Value {
        json!({
            "id": id, "org_id": self.org_id, "cell_id": self.cell_id, "name": self.name, "gender": self.gender,
            "id_number_input": self.id_number, "phone_input": self.phone, "status": self.status,
            "applied_on": self.applied_on, "activist_on": self.activist_on, "candidate_on": self.candidate_on,
            "probationary_on": self.probationary_on, "full_on": self.full_on, "work_unit": self.work_unit,
            "position": self.position, "talent_pool": self.talent_pool, "workers_representative": self.workers_representative.is_some(),
            "version": self.version,
        })
    }
}

fn form_page(s: &AppState, user: &CurrentUser, p: serde_json::Value, err: Option<AppError>) -> Response {
    let (status, errors) = match &err {
        Some(e) => (e.status, e.field_errors()),
        None => (axum::http::StatusCode::OK, vec![]),
    };
    let mut errors = serde_json::to_value(errors).unwrap_or_default();
    if let (Some(e), Some(list)) = (&err, errors.as_array_mut()) {
        if list.is_empty() {
            list.push(json!({"field": "name", "message": e.message()}));
        }
    }
    let mut resp = page(
        s,
        "person_form.html",
        ctx(user, json!({"p": p, "errors": errors, "statuses": statuses(user.locale), "pools": pools(user.locale)})),
    );
    *resp.status_mut() = status;
    resp
}

#[derive(Deserialize, Default)]
pub struct NewQuery {
    org: Option<i64>,
}

pub async fn new_form(State(s): State<AppState>, user: CurrentUser, Query(q): Query<NewQuery>) -> Response {
    form_page(&s, &user, json!({"org_id": q.org, "status": "full"}), None)
}

pub async fn create(State(s): State<AppState>, CsrfForm(user, f): CsrfForm<PersonForm>) -> Response {
    let r = async {
        let input = f.input()?;
        Ok::<_, AppError>(s.db.scoped(&user.principal).create_person(&input).await?)
    }
    .await;
    match r {
        Ok(p) => Redirect::to(&format!("/people/{}?saved=1", p.id)).into_response(),
        Err(e) => form_page(&s, &user, f.echo(None), Some(e.with_locale(user.locale))),
    }
}

pub async fn edit_form(State(s): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> Response {
    let scoped = s.db.scoped(&user.principal);
    match scoped.person(id).await {
        Ok(p) => {
            // The form needs the full ID number to re-submit it: reading it for an edit is a reveal, and audited.
            let idn = match scoped.reveal(id, "id_number").await {
                Ok(v) => v,
                Err(e) => return error_page(&s, user.locale, e.into()),
            };
            let phone = scoped.reveal(id, "phone").await.unwrap_or_default();
            let mut v = serde_json::to_value(&p).unwrap_or_default();
            v["id_number_input"] = json!(idn);
            v["phone_input"] = json!(phone);
            form_page(&s, &user, v, None)
        }
        Err(e) => error_page(&s, user.locale, e.into()),
    }
}

pub async fn update(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(user, f): CsrfForm<PersonForm>,
) -> Response {
    let r = async {
        let input = f.input()?;
        let version = opt_id("version", &f.version)?.unwrap_or(0);
        Ok::<_, AppError>(s.db.scoped(&user.principal).update_person(id, version, &input).await?)
    }
    .await;
    match r {
        Ok(p) => Redirect::to(&format!("/people/{}?saved=1", p.id)).into_response(),
        Err(e) => form_page(&s, &user, f.echo(Some(id)), Some(e.with_locale(user.locale))),
    }
}

pub async fn import_page(State(s): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> Response {
    match s.db.scoped(&user.principal).org(id).await {
        Ok(org) => page(&s, "import.html", ctx(&user, json!({"org": org}))),
        Err(e) => error_page(&s, user.locale, e.into()),
    }
}

pub async fn import_submit(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    mut mp: Multipart,
) -> Response {
    let org = match s.db.scoped(&user.principal).org(id).await {
        Ok(o) => o,
        Err(e) => return error_page(&s, user.locale, e.into()),
    };
    let mut csrf = String::new();
    let mut file: Option<Vec<u8>> = None;
    let mut too_big = false;
    loop {
        match mp.next_field().await {
            Ok(Some(field)) => match field.name() {
                Some("csrf") => csrf = field.text().await.unwrap_or_default(),
                Some("file") => match field.bytes().await {
                    Ok(b) => file = Some(b.to_vec()),
                    Err(_) => too_big = true,
                },
                _ => {}
            },
            Ok(None) => break,
            Err(_) => {
                too_big = true;
                break;
            }
        }
    }
    if let Err(e) = user.check_csrf(&csrf) {
        return error_page(&s, user.locale, e);
    }
    let render = |summary: Option<dangjian_store::import::ImportSummary>,
                  error: Option<String>,
                  rows: serde_json::Value,
                  status| {
        let mut resp =
            page(&s, "import.html", ctx(&user, json!({"org": org, "summary": summary, "error": error, "rows": rows})));
        *resp.status_mut() = status;
        resp
    };
    if too_big {
        return render(
            None,
            Some(Code::FileTooLarge.message(user.locale).into()),
            json!([]),
            axum::http::StatusCode::PAYLOAD_TOO_LARGE,
        );
    }
    let Some(bytes) = file.filter(|b| !b.is_empty()) else {
        return render(
            None,
            Some(Code::FileUnreadable.message(user.locale).into()),
            json!([]),
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
        );
    };
    match crate::api::people::import_bytes(&s, &user, id, &bytes).await {
        Ok(summary) => render(Some(summary), None, json!([]), axum::http::StatusCode::OK),
        Err(e) => {
            let body = e.body();
            let rows = body["error"]["rows"].clone();
            let message = if rows.is_array() {
                None
            } else {
                Some(e.field_errors().first().map(|f| f.message.clone()).unwrap_or_else(|| e.message().to_string()))
            };
            render(None, message, if rows.is_array() { rows } else { json!([]) }, e.status)
        }
    }
}

pub async fn export(State(s): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> Response {
    match crate::api::people::export_bytes(&s, &user, id).await {
        Ok((bytes, name)) => crate::api::people::xlsx_response(bytes, &name),
        Err(e) => error_page(&s, user.locale, e),
    }
}

pub async fn template(_user: CurrentUser) -> Response {
    crate::api::people::xlsx_response(dangjian_excel::template(), "党员名册导入模板.xlsx")
}
