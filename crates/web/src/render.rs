//! Server-side rendering with minijinja. Templates are compiled into the
//! binary; `t("key")` looks up UI text in the page's locale and the `date`
//! filter shows `2026-01-15` as 2026年1月15日 in zh-CN.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use dangjian_domain::Locale;
use minijinja::value::Value;
use minijinja::{Environment, State};
use serde::Serialize;

use crate::error::AppError;
use crate::AppState;

pub const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../templates/base.html")),
    ("login.html", include_str!("../templates/login.html")),
    ("error.html", include_str!("../templates/error.html")),
    ("tree.html", include_str!("../templates/tree.html")),
    ("org.html", include_str!("../templates/org.html")),
    ("as_of.html", include_str!("../templates/as_of.html")),
    ("roster.html", include_str!("../templates/roster.html")),
    ("person.html", include_str!("../templates/person.html")),
    ("person_form.html", include_str!("../templates/person_form.html")),
    ("import.html", include_str!("../templates/import.html")),
    ("users.html", include_str!("../templates/users.html")),
    ("audit.html", include_str!("../templates/audit.html")),
    ("alerts.html", include_str!("../templates/alerts.html")),
    ("todo.html", include_str!("../templates/todo.html")),
    ("lists.html", include_str!("../templates/lists.html")),
    ("list.html", include_str!("../templates/list.html")),
    ("task.html", include_str!("../templates/task.html")),
    ("frameworks.html", include_str!("../templates/frameworks.html")),
    ("framework.html", include_str!("../templates/framework.html")),
    ("board.html", include_str!("../templates/board.html")),
    // activities
    ("activities.html", include_str!("../templates/activities.html")),
    ("activity_form.html", include_str!("../templates/activity_form.html")),
    ("activity.html", include_str!("../templates/activity.html")),
    ("compliance.html", include_str!("../templates/compliance.html")),
    ("campaigns.html", include_str!("../templates/campaigns.html")),
    ("campaign.html", include_str!("../templates/campaign.html")),
    // recordings
    ("recordings_panel.html", include_str!("../templates/recordings_panel.html")),
    ("recordings.html", include_str!("../templates/recordings.html")),
    ("activity_recordings.html", include_str!("../templates/activity_recordings.html")),
    ("devices.html", include_str!("../templates/devices.html")),
];

pub struct Templates {
    env: Environment<'static>,
}

fn locale_of(state: &State) -> Locale {
    state.lookup("lang").and_then(|v| v.as_str().and_then(Locale::parse)).unwrap_or_default()
}

impl Templates {
    pub fn new() -> Templates {
        let mut env = Environment::new();
        for (name, src) in TEMPLATES {
            env.add_template(name, src).expect("templates compile");
        }
        env.add_function("t", |state: &State, key: &str, args: Option<Value>| -> String {
            let mut s = crate::i18n::t(locale_of(state), key);
            if let Some(args) = args {
                if let Ok(keys) = args.try_iter() {
                    for k in keys {
                        if let (Some(name), Ok(v)) = (k.as_str(), args.get_item(&k)) {
                            s = s.replace(&format!("{{{name}}}"), &v.to_string());
                        }
                    }
                }
            }
            s
        });
        env.add_filter("date", |state: &State, v: Option<String>| -> String {
            match v
                .as_deref()
                .and_then(|s| chrono::NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d").ok())
            {
                Some(d) => dangjian_domain::date::display(d, locale_of(state)),
                None => v.unwrap_or_default(),
            }
        });
        env.add_filter("datetime", |v: Option<String>| -> String {
            // Stored as UTC; shown in China Standard Time, where the users are.
            match v.as_deref().and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok()) {
                Some(t) => (t + chrono::Duration::hours(8)).format("%Y-%m-%d %H:%M:%S").to_string(),
                None => v.unwrap_or_default(),
            }
        });
        env.add_filter("label", |state: &State, v: Option<String>, kind: &str| -> String {
            let l = locale_of(state);
            let v = v.unwrap_or_default();
            let s = v.as_str();
            let out = match kind {
                "org_kind" => dangjian_domain::org::OrgKind::parse(s).map(|k| k.label(l)).ok(),
                "status" => dangjian_domain::person::MemberStatus::parse(s).map(|k| k.label(l)).ok(),
                "gender" => dangjian_domain::person::Gender::parse(s).map(|k| k.label(l)).ok(),
                "talent_pool" => dangjian_domain::person::TalentPool::parse_opt(s).ok().flatten().map(|k| k.label(l)),
                "event" => dangjian_domain::org::OrgEventKind::parse(s).map(|k| k.label(l)).ok(),
                "role" => dangjian_domain::role::Role::parse(s).map(|k| k.label(l)).ok(),
                "list_kind" => dangjian_domain::task::ListKind::parse(s).map(|k| k.label(l)).ok(),
                "task_status" => dangjian_domain::task::TaskStatus::parse(s).map(|k| k.label(l)).ok(),
                "task_level" => dangjian_domain::task::TaskLevel::parse(s).map(|k| k.label(l)).ok(),
                "decision_kind" => dangjian_domain::task::DecisionKind::parse(s).map(|k| k.label(l)).ok(),
                "metric" => dangjian_domain::framework::Metric::parse(s).map(|k| k.label(l)).ok(),
                _ => None,
            };
            out.map(str::to_string).unwrap_or(v)
        });
        Templates { env }
    }

    pub fn render<S: Serialize>(&self, name: &str, ctx: S) -> Result<String, minijinja::Error> {
        self.env.get_template(name)?.render(ctx)
    }
}

impl Default for Templates {
    fn default() -> Self {
        Templates::new()
    }
}

/// Renders a page; a template error is logged and becomes a plain 500.
pub fn page<S: Serialize>(state: &AppState, name: &str, ctx: S) -> Response {
    match state.templates.render(name, ctx) {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!("template {name} failed: {e:#}");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

/// An error as a page in the user's language, with the right status.
pub fn error_page(state: &AppState, locale: Locale, err: AppError) -> Response {
    let status = err.status;
    let fields: Vec<_> = err
        .field_errors()
        .into_iter()
        .map(|f| (crate::i18n::t(locale, &format!("person.{}", f.field)), f.message))
        .collect();
    let mut resp = page(
        state,
        "error.html",
        minijinja::context! { lang => locale.tag(), message => err.code.message(locale), code => err.code.as_str(), fields => fields, status => status.as_u16() },
    );
    *resp.status_mut() = status;
    resp
}
