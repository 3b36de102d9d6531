//! Recording pages: the search page (`/recordings`), the devices page for
//! admins (`/admin/devices`), and one activity's recordings
//! (`/activities/{id}/recordings`), which renders the panel
//! (`recordings_panel.html`) that the activity record page includes.
//!
//! Uploads go from the panel's small script straight to the JSON API with
//! `XMLHttpRequest` (for the progress bar); deleting, attaching and the device
//! forms are plain forms with the CSRF token, answered by a redirect.

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Redirect, Response};
use dangjian_domain::activity::BUILTIN_KINDS;
use dangjian_domain::{Code, Locale};
use dangjian_store::recordings::RecordingQuery;
use serde::Deserialize;
use serde_json::json;

use super::{ctx, opt, opt_id};
use crate::auth::{CsrfForm, CurrentUser};
use crate::error::AppError;
use crate::render::{error_page, page};
use crate::AppState;

/// The search form, as typed (empty fields are no filter).
#[derive(Deserialize, Default)]
pub struct SearchForm {
    org_id: Option<String>,
    team_id: Option<String>,
    kind: Option<String>,
    from: Option<String>,
    to: Option<String>,
    q: Option<String>,
    media: Option<String>,
    unmatched: Option<String>,
    page: Option<String>,
}

fn kinds(l: Locale) -> Vec<(&'static str, &'static str)> {
    BUILTIN_KINDS.iter().map(|(k, zh, en)| (*k, if l == Locale::En { *en } else { *zh })).collect()
}

pub async fn search_page(State(s): State<AppState>, user: CurrentUser, Query(f): Query<SearchForm>) -> Response {
    let r = async {
        let q = RecordingQuery {
            org_id: opt_id("org_id", &f.org_id)?,
            team_id: opt_id("team_id", &f.team_id)?,
            kind: opt(&f.kind),
            from: opt(&f.from),
            to: opt(&f.to),
            q: opt(&f.q),
            media: opt(&f.media),
            unmatched: opt(&f.unmatched).map(|v| v == "1"),
            page: opt_id("page", &f.page)?,
        };
        let scoped = s.db.scoped(&user.principal);
        let results = scoped.search_recordings(&q).await?;
        let (orgs, teams) = scoped.recording_filter_orgs().await?;
        // The filters again, for the pager's links.
        let filters: Vec<(&str, String)> = [
            ("org_id", &f.org_id),
            ("team_id", &f.team_id),
            ("kind", &f.kind),
            ("from", &f.from),
            ("to", &f.to),
            ("q", &f.q),
            ("media", &f.media),
            ("unmatched", &f.unmatched),
        ]
        .into_iter()
        .filter_map(|(k, v)| opt(v).map(|v| (k, v)))
        .collect();
        let qs = serde_urlencoded::to_string(&filters).unwrap_or_default();
        let link = |p: i64| if qs.is_empty() { format!("/recordings?page={p}") } else { format!("/recordings?{qs}&page={p}") };
        let prev = (results.page > 1).then(|| link(results.page - 1));
        let next = (results.page < results.pages).then(|| link(results.page + 1));
        Ok::<_, AppError>(page(
            &s,
            "recordings.html",
            ctx(
                &user,
                json!({
                    "results": results, "orgs": orgs, "teams": teams, "kinds": kinds(user.locale),
                    "kind_names": kinds(user.locale).into_iter().collect::<std::collections::HashMap<_, _>>(),
                    "f": {"org_id": opt(&f.org_id), "team_id": opt(&f.team_id), "kind": opt(&f.kind), "from": opt(&f.from),
                          "to": opt(&f.to), "q": opt(&f.q), "media": opt(&f.media), "unmatched": opt(&f.unmatched)},
                    "prev": prev, "next": next, "here": if qs.is_empty() { "/recordings".to_string() } else { format!("/recordings?{qs}") },
                }),
            ),
        ))
    }
    .await;
    r.unwrap_or_else(|e| error_page(&s, user.locale, e.with_locale(user.locale)))
}

/// One activity's recordings: the panel on a page of its own.
pub async fn activity_page(State(s): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> Response {
    let r = async {
        let scoped = s.db.scoped(&user.principal);
        let activity = scoped.activity_brief(id).await?;
        let recordings = scoped.activity_recordings(id).await?;
        let can_write = scoped.can_write_recordings(id).await?;
        let kind_label = dangjian_domain::activity::builtin_label(&activity.kind, user.locale)
            .map(str::to_string)
            .unwrap_or_else(|| activity.kind.clone());
        Ok::<_, AppError>(page(
            &s,
            "activity_recordings.html",
            ctx(
                &user,
                json!({"activity": activity, "kind_label": kind_label, "recordings": recordings, "can_write": can_write}),
            ),
        ))
    }
    .await;
    r.unwrap_or_else(|e| error_page(&s, user.locale, e.with_locale(user.locale)))
}

#[derive(Deserialize)]
pub struct NextForm {
    #[serde(default)]
    next: String,
}

/// Where to go back to: the form's `next`, else the page the form was on
/// (same site only), else `fallback`.
fn back(next: &str, headers: &HeaderMap, fallback: String) -> Redirect {
    let local = |p: &str| p.starts_with('/') && !p.starts_with("//") && !p.contains('\\');
    if local(next) {
        return Redirect::to(next);
    }
    let referer = headers.get(header::REFERER).and_then(|v| v.to_str().ok()).and_then(|r| url::Url::parse(r).ok());
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    if let Some(u) = referer.filter(|u| u.host_str().is_some_and(|h| host.split(':').next() == Some(h))) {
        let path = match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_string(),
        };
        if local(&path) {
            return Redirect::to(&path);
        }
    }
    Redirect::to(&fallback)
}

pub async fn delete(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    CsrfForm(user, f): CsrfForm<NextForm>,
) -> Response {
    let scoped = s.db.scoped(&user.principal);
    let fallback = match scoped.recording(id).await {
        Ok(r) => r.activity_id.map(|a| format!("/activities/{a}/recordings")).unwrap_or_else(|| "/recordings".into()),
        Err(e) => return error_page(&s, user.locale, AppError::from(e).with_locale(user.locale)),
    };
    match scoped.delete_recording(id).await {
        Ok(()) => back(&f.next, &headers, fallback).into_response(),
        Err(e) => error_page(&s, user.locale, AppError::from(e).with_locale(user.locale)),
    }
}

#[derive(Deserialize)]
pub struct AttachForm {
    activity_id: Option<String>,
    #[serde(default)]
    next: String,
}

pub async fn attach(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    CsrfForm(user, f): CsrfForm<AttachForm>,
) -> Response {
    let r = async {
        let activity =
            opt_id("activity_id", &f.activity_id)?.ok_or_else(|| AppError::field("activity_id", Code::Required))?;
        s.db.scoped(&user.principal).attach_recording(id, activity).await?;
        Ok::<_, AppError>(back(&f.next, &headers, format!("/activities/{activity}/recordings")).into_response())
    }
    .await;
    r.unwrap_or_else(|e| error_page(&s, user.locale, e.with_locale(user.locale)))
}

async fn devices_page(
    s: &AppState,
    user: &CurrentUser,
    issued: Option<serde_json::Value>,
    errors: Vec<String>,
) -> Response {
    let scoped = s.db.scoped(&user.principal);
    let r = async {
        let devices = scoped.devices().await?;
        let (_, teams) = scoped.recording_filter_orgs().await?;
        Ok::<_, AppError>(page(
            s,
            "devices.html",
            ctx(user, json!({"devices": devices, "teams": teams, "issued": issued, "errors": errors})),
        ))
    }
    .await;
    r.unwrap_or_else(|e| error_page(s, user.locale, e.with_locale(user.locale)))
}

pub async fn devices(State(s): State<AppState>, user: CurrentUser) -> Response {
    devices_page(&s, &user, None, vec![]).await
}

#[derive(Deserialize)]
pub struct DeviceForm {
    org_id: Option<String>,
    #[serde(default)]
    name: String,
}

/// Issues a device and shows its token on the answer itself: it is never
/// shown again, so this is the one form answered with a page, not a redirect.
pub async fn issue_device(State(s): State<AppState>, CsrfForm(user, f): CsrfForm<DeviceForm>) -> Response {
    let r = async {
        let org = opt_id("org_id", &f.org_id)?.ok_or_else(|| AppError::field("org_id", Code::Required))?;
        Ok::<_, AppError>(s.db.scoped(&user.principal).issue_device(org, &f.name).await?)
    }
    .await;
    match r {
        Ok(d) => devices_page(&s, &user, Some(json!(d)), vec![]).await,
        Err(e) => {
            let e = e.with_locale(user.locale);
            if e.status == axum::http::StatusCode::FORBIDDEN {
                return error_page(&s, user.locale, e);
            }
            let f = e.field_errors();
            let msgs =
                if f.is_empty() { vec![e.message().to_string()] } else { f.into_iter().map(|f| f.message).collect() };
            devices_page(&s, &user, None, msgs).await
        }
    }
}

pub async fn revoke_device(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(user, _f): CsrfForm<NextForm>,
) -> Response {
    match s.db.scoped(&user.principal).revoke_device(id).await {
        Ok(_) => Redirect::to("/admin/devices").into_response(),
        Err(e) => error_page(&s, user.locale, AppError::from(e).with_locale(user.locale)),
    }
}
