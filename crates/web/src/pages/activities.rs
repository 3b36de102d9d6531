//! Organizational-life pages: an org's activity calendar and list, the
//! one-screen record form with its attendance checklist, a record's page
//! (with the 第一议题 follow-up and its recordings), the compliance board,
//! campaigns with their figures.
//!
//! The record form is built to take about a minute on a phone: the kind's
//! expected list comes from the roster with everyone present, place, host,
//! recorder and times come from the last record of the kind, and people absent
//! last time are marked so the secretary checks them first. Only exceptions
//! need a tap.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::{Datelike, NaiveDate};
use dangjian_domain::activity::{Attendance, Period};
use dangjian_domain::role::Action;
use dangjian_domain::Locale;
use dangjian_store::activities::{
    ActivityDetail, ActivityInput, ActivityKind, ActivityQuery, ImplementationInput, MarkInput, NewCampaign,
    NewStudyItem,
};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{fail, go, opt_id};
use crate::auth::{CsrfForm, CurrentUser};
use crate::error::AppError;
use crate::AppState;

fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

const OK_KEYS: &[&str] = &["recorded", "saved", "task_added", "campaign_created", "item_added"];

#[derive(Deserialize, Default)]
pub struct OkQuery {
    ok: Option<String>,
}

fn ok_key(q: &Option<String>) -> Option<&'static str> {
    q.as_deref().and_then(|k| OK_KEYS.iter().copied().find(|o| *o == k))
}

/// Renders a page, labelling form errors from `act.field.*`.
fn show(
    s: &AppState,
    user: &CurrentUser,
    name: &str,
    v: Value,
    ok: Option<&'static str>,
    err: Option<AppError>,
) -> Response {
    super::show(s, user, name, v, ok, err, "act.field")
}

fn kinds_json(kinds: &[ActivityKind], locale: Locale) -> Value {
    json!(kinds.iter().map(|k| json!({"key": k.key, "name": k.label(locale)})).collect::<Vec<_>>())
}

fn kind_names(kinds: &[ActivityKind], locale: Locale) -> HashMap<String, String> {
    kinds.iter().map(|k| (k.key.clone(), k.label(locale).to_string())).collect()
}

fn rate_text(r: Option<f64>) -> String {
    match r {
        Some(v) => format!("{}%", (v * 100.0).round() / 100.0),
        None => "—".into(),
    }
}

// ------------------------------------------------------------------ calendar and list

#[derive(Deserialize, Default)]
pub struct CalendarQuery {
    /// YYYY-MM
    month: Option<String>,
    kind: Option<String>,
    ok: Option<String>,
}

pub async fn calendar(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<CalendarQuery>,
) -> Response {
    let scoped = s.db.scoped(&user.principal);
    let today = today();
    let r = async {
        let org = scoped.org(id).await?;
        let first = q
            .month
            .as_deref()
            .and_then(|m| NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d").ok())
            .unwrap_or_else(|| Period::Month.start_of(today));
        let last = Period::Month.end_from(first);
        let kinds = scoped.activity_kinds().await?;
        let names = kind_names(&kinds, user.locale);
        let kind = q.kind.clone().filter(|k| !k.is_empty());
        let list = scoped
            .activities(id, &ActivityQuery { from: Some(first), to: Some(last), kind: kind.clone(), limit: Some(2000), ..Default::default() })
            .await?;
        // Weeks of the month grid, Monday first; days outside the month are blank.
        let mut by_day: HashMap<u32, Vec<Value>> = HashMap::new();
        for a in &list {
            if let Ok(d) = NaiveDate::parse_from_str(&a.held_on, "%Y-%m-%d") {
                by_day.entry(d.day()).or_default().push(json!({
                    "id": a.id, "topic": a.topic, "status": a.status,
                    "kind": names.get(&a.kind).cloned().unwrap_or(a.kind.clone()),
                }));
            }
        }
        let lead = first.weekday().num_days_from_monday();
        let mut weeks = Vec::new();
        let mut week = vec![json!(null); lead as usize];
        for day in 1..=last.day() {
            let items = by_day.remove(&day).unwrap_or_default();
            let date = first.with_day(day).expect("day of month");
            week.push(json!({"day": day, "items": items, "today": date == today, "date": date.to_string()}));
            if week.len() == 7 {
                weeks.push(std::mem::take(&mut week));
            }
        }
        if !week.is_empty() {
            week.resize(7, json!(null));
            weeks.push(week);
        }
        let rows: Vec<Value> = list
            .iter()
            .map(|a| {
                json!({
                    "id": a.id, "held_on": a.held_on, "starts_at": a.starts_at, "topic": a.topic, "status": a.status,
                    "org_name": a.org_name, "org_id": a.org_id, "kind": names.get(&a.kind).cloned().unwrap_or(a.kind.clone()),
                    "present": a.tally.present, "expected": a.tally.expected, "rate": rate_text(a.attendance_rate),
                    "quorum_missed": a.quorum.is_some_and(|q| !q.met),
                })
            })
            .collect();
        let year_start = Period::Year.start_of(today);
        let comp = scoped.compliance(id, year_start, Period::Year.end_from(year_start), today).await?;
        let own: Vec<Value> = comp
            .own
            .iter()
            .map(|p| {
                json!({"kind": names.get(&p.activity_kind).cloned().unwrap_or(p.activity_kind.clone()),
                       "start": p.start.to_string(), "end": p.end.to_string(), "state": p.state, "held": p.held, "required": p.required,
                       "period": p.period.label(user.locale)})
            })
            .filter(|p| p["state"] != "met" || p["end"].as_str() >= Some(&today.to_string()))
            .collect();
        let prev = first.pred_opt().map(|d| d.format("%Y-%m").to_string());
        let next = last.succ_opt().map(|d| d.format("%Y-%m").to_string());
        let can_write = scoped.require(Action::WriteOrgDetails, id).await.is_ok();
        Ok::<_, AppError>(json!({
            "org": org, "kinds": kinds_json(&kinds, user.locale), "kind": kind, "weeks": weeks, "rows": rows,
            "month": first.format("%Y-%m").to_string(), "month_label": month_label(first, user.locale),
            "prev": prev, "next": next, "can_write": can_write, "today": today.to_string(),
            "weekdays": crate::i18n::t(user.locale, "act.weekdays").split(',').collect::<Vec<_>>(),
            "compliance": {"rate": rate_text(comp.rate), "missed": comp.missed, "due_soon": comp.due_soon, "orgs": comp.orgs, "own": own},
        }))
    }
    .await;
    match r {
        Ok(v) => show(&s, &user, "activities.html", v, ok_key(&q.ok), None),
        Err(e) => fail(&s, &user, e),
    }
}

fn month_label(d: NaiveDate, locale: Locale) -> String {
    match locale {
        Locale::ZhCn => format!("{}年{}月", d.year(), d.month()),
        Locale::En => d.format("%B %Y").to_string(),
    }
}

// ------------------------------------------------------------------ the record form

#[derive(Deserialize, Default)]
pub struct NewQuery {
    kind: Option<String>,
    date: Option<String>,
    campaign: Option<String>,
}

pub async fn new_form(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<NewQuery>,
) -> Response {
    let kind = q.kind.clone().filter(|k| !k.is_empty()).unwrap_or_else(|| "general_meeting".into());
    let form = json!({
        "kind": kind, "held_on": q.date.clone().unwrap_or_else(|| today().to_string()),
        "campaign_id": q.campaign, "status": "",
    });
    form_view(&s, &user, id, None, form, HashMap::new(), None).await
}

/// The form for a new record (`activity` None) or an edit. `marks` are the
/// submitted or stored attendance marks by person id.
async fn form_view(
    s: &AppState,
    user: &CurrentUser,
    org_id: i64,
    activity: Option<&ActivityDetail>,
    mut form: Value,
    marks: HashMap<i64, (String, String)>,
    err: Option<AppError>,
) -> Response {
    let scoped = s.db.scoped(&user.principal);
    let r = async {
        let org = scoped.org(org_id).await?;
        scoped.require(Action::WriteOrgDetails, org_id).await?;
        let kinds = scoped.activity_kinds().await?;
        let kind = form["kind"].as_str().unwrap_or("general_meeting").to_string();
        let defaults = scoped.record_defaults(org_id, &kind).await?;
        // New record: start from the last one of the kind.
        if activity.is_none() {
            for k in ["place", "host", "recorder", "starts_at", "ends_at"] {
                if form[k].as_str().unwrap_or("").is_empty() {
                    form[k] = json!(match k {
                        "place" => &defaults.place,
                        "host" => &defaults.host,
                        "recorder" => &defaults.recorder,
                        "starts_at" => &defaults.starts_at,
                        _ => &defaults.ends_at,
                    });
                }
            }
        }
        // The checklist: the stored list for an edit, else the roster.
        let people: Vec<Value> = match activity {
            Some(a) if marks.is_empty() && !a.attendance.is_empty() => a
                .attendance
                .iter()
                .filter(|l| l.status != "sit_in")
                .map(|l| json!({"id": l.person_id, "name": l.name, "voting": l.voting, "status": l.status, "reason": l.reason, "absent_last": false}))
                .collect(),
            _ => defaults
                .expected
                .iter()
                .map(|e| {
                    let (st, reason) = marks.get(&e.person_id).cloned().unwrap_or(("present".into(), String::new()));
                    json!({"id": e.person_id, "name": e.name, "voting": e.voting, "status": st, "reason": reason,
                           "absent_last": defaults.absent_last_time.contains(&e.person_id)})
                })
                .collect(),
        };
        if activity.is_some() && form["sit_ins"].is_null() {
            let lines: Vec<String> = activity
                .map(|a| {
                    a.attendance
                        .iter()
                        .filter(|l| l.status == "sit_in")
                        .map(|l| if l.from_org.is_empty() { l.name.clone() } else { format!("{} {}", l.name, l.from_org) })
                        .collect()
                })
                .unwrap_or_default();
            form["sit_ins"] = json!(lines.join("\n"));
        }
        let campaigns = scoped.campaigns(org_id).await.unwrap_or_default();
        let frameworks = scoped.frameworks_for(org_id).await.unwrap_or_default();
        let mut elements = Vec::new();
        for f in frameworks.iter().take(3) {
            if let Ok(d) = scoped.framework(f.id).await {
                for e in d.elements.iter().filter(|e| e.parent_id.is_none()) {
                    elements.push(json!({"id": e.id, "name": format!("{} · {}", f.name, e.name)}));
                }
            }
        }
        Ok::<_, AppError>(json!({
            "org": org, "kinds": kinds_json(&kinds, user.locale), "form": form, "people": people,
            "voting_count": people.iter().filter(|p| p["voting"] == true).count(),
            "has_quorum_rule": dangjian_domain::activity::quorum_base(&kind).is_some(),
            "last_held_on": defaults.last_held_on, "activity": activity.map(|a| &a.activity),
            "campaigns": campaigns, "elements": elements, "today": today().to_string(),
            "statuses": [{"key": "held", "name": dangjian_domain::activity::ActivityStatus::Held.label(user.locale)},
                         {"key": "planned", "name": dangjian_domain::activity::ActivityStatus::Planned.label(user.locale)},
                         {"key": "cancelled", "name": dangjian_domain::activity::ActivityStatus::Cancelled.label(user.locale)}],
        }))
    }
    .await;
    match r {
        Ok(v) => show(s, user, "activity_form.html", v, None, err),
        Err(e) => fail(s, user, e),
    }
}

/// The form as posted: fixed fields plus `a_<person id>` (present, absent,
/// leave) and `r_<person id>` (reason) per person on the checklist.
struct RecordForm {
    fields: HashMap<String, String>,
    marks: HashMap<i64, (String, String)>,
}

impl RecordForm {
    fn parse(pairs: Vec<(String, String)>) -> RecordForm {
        let mut fields = HashMap::new();
        let mut marks: HashMap<i64, (String, String)> = HashMap::new();
        for (k, v) in pairs {
            if let Some(id) = k.strip_prefix("a_").and_then(|i| i.parse::<i64>().ok()) {
                marks.entry(id).or_insert_with(|| (String::new(), String::new())).0 = v;
            } else if let Some(id) = k.strip_prefix("r_").and_then(|i| i.parse::<i64>().ok()) {
                marks.entry(id).or_insert_with(|| (String::new(), String::new())).1 = v;
            } else {
                fields.insert(k, v);
            }
        }
        RecordForm { fields, marks }
    }

    fn get(&self, k: &str) -> String {
        self.fields.get(k).cloned().unwrap_or_default()
    }

    fn input(&self, org_id: i64) -> Result<ActivityInput, AppError> {
        let mut attendance: Vec<MarkInput> = self
            .marks
            .iter()
            .filter(|(_, (st, _))| st != "present" && !st.is_empty())
            .map(|(id, (st, reason))| MarkInput {
                person_id: Some(*id),
                status: st.clone(),
                reason: reason.clone(),
                ..Default::default()
            })
            .collect();
        attendance.sort_by_key(|m| m.person_id);
        // Sit-ins, one per line: "name" or "name org" (space or comma between).
        for line in self.get("sit_ins").lines().map(str::trim).filter(|l| !l.is_empty()) {
            let (name, from) = match line.split_once([' ', '，', ',', '\t', '　']) {
                Some((n, f)) => (n.trim(), f.trim()),
                None => (line, ""),
            };
            attendance.push(MarkInput {
                person_id: None,
                name: name.into(),
                status: Attendance::SitIn.as_str().into(),
                from_org: from.into(),
                ..Default::default()
            });
        }
        let status = self.get("status");
        Ok(ActivityInput {
            org_id,
            kind: self.get("kind"),
            status: (!status.is_empty()).then_some(status.clone()),
            topic: self.get("topic"),
            held_on: self.get("held_on"),
            starts_at: self.get("starts_at"),
            ends_at: self.get("ends_at"),
            place: self.get("place"),
            host: self.get("host"),
            recorder: self.get("recorder"),
            minutes: self.get("minutes"),
            resolutions: self.get("resolutions"),
            element_id: opt_id("element_id", &self.fields.get("element_id").cloned())?,
            campaign_id: opt_id("campaign_id", &self.fields.get("campaign_id").cloned())?,
            attendance: if status == "planned" || status == "cancelled" { Vec::new() } else { attendance },
            version: self.fields.get("version").and_then(|v| v.parse().ok()),
        })
    }

    fn echo(&self) -> Value {
        json!(self.fields)
    }
}

pub async fn create(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(user, pairs): CsrfForm<Vec<(String, String)>>,
) -> Response {
    let f = RecordForm::parse(pairs);
    // "Change kind" re-renders the form for the new kind's expected list.
    if f.fields.contains_key("reload") {
        return form_view(&s, &user, id, None, f.echo(), f.marks.clone(), None).await;
    }
    let r = async {
        let input = f.input(id)?;
        Ok::<_, AppError>(s.db.scoped(&user.principal).create_activity(&input, today()).await?)
    }
    .await;
    match r {
        Ok(a) => go(format!("/activities/{}?ok=recorded", a.activity.id)),
        Err(e) => form_view(&s, &user, id, None, f.echo(), f.marks.clone(), Some(e)).await,
    }
}

pub async fn edit_form(State(s): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> Response {
    let detail = match s.db.scoped(&user.principal).activity(id).await {
        Ok(d) => d,
        Err(e) => return fail(&s, &user, e.into()),
    };
    let a = &detail.activity;
    let form = json!({
        "kind": a.kind, "status": a.status, "topic": a.topic, "held_on": a.held_on, "starts_at": a.starts_at, "ends_at": a.ends_at,
        "place": a.place, "host": a.host, "recorder": a.recorder, "minutes": a.minutes, "resolutions": a.resolutions,
        "element_id": a.element_id.map(|v| v.to_string()), "campaign_id": a.campaign_id.map(|v| v.to_string()), "version": a.version,
    });
    form_view(&s, &user, a.org_id, Some(&detail), form, HashMap::new(), None).await
}

pub async fn update(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(user, pairs): CsrfForm<Vec<(String, String)>>,
) -> Response {
    let scoped = s.db.scoped(&user.principal);
    let detail = match scoped.activity(id).await {
        Ok(d) => d,
        Err(e) => return fail(&s, &user, e.into()),
    };
    let f = RecordForm::parse(pairs);
    let org_id = detail.activity.org_id;
    if f.fields.contains_key("reload") {
        return form_view(&s, &user, org_id, Some(&detail), f.echo(), f.marks.clone(), None).await;
    }
    let r = async {
        let input = f.input(org_id)?;
        Ok::<_, AppError>(scoped.update_activity(id, &input, today()).await?)
    }
    .await;
    match r {
        Ok(_) => go(format!("/activities/{id}?ok=saved")),
        Err(e) => form_view(&s, &user, org_id, Some(&detail), f.echo(), f.marks.clone(), Some(e)).await,
    }
}

// ------------------------------------------------------------------ one record

pub async fn record_page(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<OkQuery>,
) -> Response {
    record_view(&s, &user, id, ok_key(&q.ok), None, json!({})).await
}

async fn record_view(
    s: &AppState,
    user: &CurrentUser,
    id: i64,
    ok: Option<&'static str>,
    err: Option<AppError>,
    task_form: Value,
) -> Response {
    let scoped = s.db.scoped(&user.principal);
    let r = async {
        let d = scoped.activity(id).await?;
        let a = &d.activity;
        let can_write = scoped.require(Action::WriteOrgDetails, a.org_id).await.is_ok();
        let kind_name = scoped.kind_name(&a.kind, user.locale).await?;
        let follow = if a.kind == "first_topic" { Some(scoped.follow_up(id, today()).await?) } else { None };
        let recordings = scoped.activity_recordings(id).await?;
        let lines: Vec<Value> = d
            .attendance
            .iter()
            .map(|l| {
                let label = Attendance::parse(&l.status).map(|s| s.label(user.locale)).unwrap_or("");
                json!({"name": l.name, "status": l.status, "label": label, "reason": l.reason, "from_org": l.from_org, "voting": l.voting})
            })
            .collect();
        let status_label = dangjian_domain::activity::ActivityStatus::parse(&a.status).map(|s| s.label(user.locale)).unwrap_or("");
        Ok::<_, AppError>(json!({
            "activity": a, "kind_name": kind_name, "status_label": status_label, "lines": lines,
            "campaign_name": d.campaign_name, "element_name": d.element_name, "can_write": can_write,
            "rate": rate_text(a.attendance_rate), "follow": follow, "recordings": recordings,
            "recordings_next": format!("/activities/{id}"), "task_form": task_form, "today": today().to_string(),
        }))
    }
    .await;
    match r {
        Ok(v) => show(s, user, "activity.html", v, ok, err),
        Err(e) => fail(s, user, e),
    }
}

#[derive(Deserialize, Default)]
pub struct TaskForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    person: String,
    due_on: Option<String>,
    org_id: Option<String>,
}

pub async fn add_task(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(user, f): CsrfForm<TaskForm>,
) -> Response {
    let r = async {
        let input = ImplementationInput {
            title: f.title.clone(),
            measure: String::new(),
            org_id: opt_id("org_id", &f.org_id)?,
            person: f.person.clone(),
            due_on: f.due_on.clone().filter(|d| !d.trim().is_empty()),
            list_id: None,
        };
        Ok::<_, AppError>(s.db.scoped(&user.principal).add_implementation_task(id, &input).await?)
    }
    .await;
    match r {
        Ok(_) => go(format!("/activities/{id}?ok=task_added")),
        Err(e) => {
            let form = json!({"title": f.title, "person": f.person, "due_on": f.due_on});
            record_view(&s, &user, id, None, Some(e), form).await
        }
    }
}

// ------------------------------------------------------------------ compliance board

#[derive(Deserialize, Default)]
pub struct YearQuery {
    year: Option<i32>,
}

pub async fn compliance(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<YearQuery>,
) -> Response {
    let scoped = s.db.scoped(&user.principal);
    let today = today();
    let r = async {
        let org = scoped.org(id).await?;
        let year = q.year.filter(|y| (2000..=2100).contains(y)).unwrap_or(today.year());
        let from = NaiveDate::from_ymd_opt(year, 1, 1).expect("date");
        let to = NaiveDate::from_ymd_opt(year, 12, 31).expect("date");
        let c = scoped.compliance(id, from, to, today).await?;
        let kinds = scoped.activity_kinds().await?;
        let names = kind_names(&kinds, user.locale);
        let period_text = |p: &dangjian_domain::activity::PeriodCheck| -> String {
            match p.period {
                Period::Month => match user.locale {
                    Locale::ZhCn => format!("{}月", p.start.month()),
                    Locale::En => p.start.format("%b").to_string(),
                },
                Period::Quarter => format!("Q{}", p.start.month0() / 3 + 1),
                Period::Year => p.start.year().to_string(),
            }
        };
        let describe = |list: &[dangjian_domain::activity::PeriodCheck]| -> Vec<String> {
            list.iter()
                .map(|p| format!("{} {}", names.get(&p.activity_kind).cloned().unwrap_or(p.activity_kind.clone()), period_text(p)))
                .collect()
        };
        let behind: Vec<Value> = c
            .behind
            .iter()
            .map(|b| json!({"org_id": b.org_id, "name": b.name, "parent_name": b.parent_name,
                            "missed": describe(&b.missed), "due_soon": describe(&b.due_soon)}))
            .collect();
        let groups = |gs: &[dangjian_store::activities::ComplianceGroup], by_kind: bool| -> Vec<Value> {
            gs.iter()
                .map(|g| json!({"org_id": g.org_id, "name": if by_kind { names.get(&g.kind).cloned().unwrap_or(g.name.clone()) } else { g.name.clone() },
                                "met": g.met, "counted": g.counted, "missed": g.missed, "due_soon": g.due_soon, "rate": rate_text(g.rate)}))
                .collect()
        };
        Ok::<_, AppError>(json!({
            "org": org, "year": year, "prev_year": year - 1, "next_year": year + 1,
            "rate": rate_text(c.rate), "met": c.met, "counted": c.counted, "missed": c.missed, "due_soon": c.due_soon, "orgs": c.orgs,
            "by_child": groups(&c.by_child, false), "by_kind": groups(&c.by_kind, true), "behind": behind,
        }))
    }
    .await;
    match r {
        Ok(v) => show(&s, &user, "compliance.html", v, None, None),
        Err(e) => fail(&s, &user, e),
    }
}

// ------------------------------------------------------------------ campaigns

pub async fn campaigns(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<OkQuery>,
) -> Response {
    campaigns_view(&s, &user, id, json!({}), ok_key(&q.ok), None).await
}

async fn campaigns_view(
    s: &AppState,
    user: &CurrentUser,
    id: i64,
    form: Value,
    ok: Option<&'static str>,
    err: Option<AppError>,
) -> Response {
    let scoped = s.db.scoped(&user.principal);
    let r = async {
        let org = scoped.org(id).await?;
        let list = scoped.campaigns(id).await?;
        let can_write = scoped.require(Action::WriteOrgDetails, id).await.is_ok();
        Ok::<_, AppError>(json!({"org": org, "campaigns": list, "can_write": can_write, "form": form}))
    }
    .await;
    match r {
        Ok(v) => show(s, user, "campaigns.html", v, ok, err),
        Err(e) => fail(s, user, e),
    }
}

#[derive(Deserialize, Default)]
pub struct CampaignForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    starts_on: String,
    #[serde(default)]
    ends_on: String,
    #[serde(default)]
    description: String,
}

pub async fn create_campaign(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(user, f): CsrfForm<CampaignForm>,
) -> Response {
    let new = NewCampaign {
        org_id: id,
        name: f.name.clone(),
        starts_on: f.starts_on.clone(),
        ends_on: f.ends_on.clone(),
        description: f.description.clone(),
    };
    match s.db.scoped(&user.principal).create_campaign(&new).await {
        Ok(c) => go(format!("/campaigns/{}?ok=campaign_created", c.id)),
        Err(e) => {
            let form =
                json!({"name": f.name, "starts_on": f.starts_on, "ends_on": f.ends_on, "description": f.description});
            campaigns_view(&s, &user, id, form, None, Some(e.into())).await
        }
    }
}

pub async fn campaign_page(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<OkQuery>,
) -> Response {
    campaign_view(&s, &user, id, json!({}), ok_key(&q.ok), None).await
}

async fn campaign_view(
    s: &AppState,
    user: &CurrentUser,
    id: i64,
    form: Value,
    ok: Option<&'static str>,
    err: Option<AppError>,
) -> Response {
    let scoped = s.db.scoped(&user.principal);
    let r = async {
        let d = scoped.campaign_detail(id).await?;
        let kinds = scoped.activity_kinds().await?;
        let names = kind_names(&kinds, user.locale);
        let by_kind: Vec<Value> = d
            .by_kind
            .iter()
            .map(|(k, n)| json!({"key": k, "name": names.get(k).cloned().unwrap_or(k.clone()), "count": n}))
            .collect();
        let activities = scoped
            .activities(
                d.campaign.org_id,
                &ActivityQuery { campaign_id: Some(id), limit: Some(200), ..Default::default() },
            )
            .await
            .unwrap_or_default();
        let activities: Vec<Value> = activities
            .iter()
            .map(|a| {
                json!({"id": a.id, "held_on": a.held_on, "topic": a.topic, "org_name": a.org_name,
                            "kind": names.get(&a.kind).cloned().unwrap_or(a.kind.clone()), "status": a.status})
            })
            .collect();
        // Study items can be added at any org the caller writes to; offer the campaign's org.
        let can_write = scoped.require(Action::WriteOrgDetails, d.campaign.org_id).await.is_ok();
        Ok::<_, AppError>(json!({
            "c": d.campaign, "by_kind": by_kind, "suggestions": d.suggestions, "case_studies": d.case_studies,
            "bulletins": d.bulletins, "participants": d.participants, "items": d.items, "activities": activities,
            "can_write": can_write, "form": form, "today": today().to_string(),
        }))
    }
    .await;
    match r {
        Ok(v) => show(s, user, "campaign.html", v, ok, err),
        Err(e) => fail(s, user, e),
    }
}

#[derive(Deserialize, Default)]
pub struct ItemForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    on_date: String,
}

pub async fn add_item(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(user, f): CsrfForm<ItemForm>,
) -> Response {
    let scoped = s.db.scoped(&user.principal);
    let r = async {
        let c = scoped.campaign(id).await?;
        let new = NewStudyItem {
            org_id: c.org_id,
            kind: f.kind.clone(),
            title: f.title.clone(),
            body: f.body.clone(),
            on_date: f.on_date.clone(),
            campaign_id: Some(id),
            activity_id: None,
        };
        Ok::<_, AppError>(scoped.add_study_item(&new).await?)
    }
    .await;
    match r {
        Ok(_) => go(format!("/campaigns/{id}?ok=item_added")),
        Err(e) => {
            let form = json!({"kind": f.kind, "title": f.title, "body": f.body, "on_date": f.on_date});
            campaign_view(&s, &user, id, form, None, Some(e)).await
        }
    }
}
