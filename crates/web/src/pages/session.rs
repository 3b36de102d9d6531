//! Log-in page, log-out, home and the language switch.

use axum::extract::{Form, Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, SameSite};
use axum_extra::extract::CookieJar;
use dangjian_domain::Locale;
use rand::RngCore;
use serde::Deserialize;
use serde_json::json;

use crate::auth::{self, constant_time_eq, CsrfForm, CurrentUser, Lang, LANG_COOKIE, PRE_CSRF_COOKIE};
use crate::render::page;
use crate::AppState;

pub async fn home(user: Result<CurrentUser, auth::AuthRejection>) -> Redirect {
    Redirect::to(if user.is_ok() { "/orgs" } else { "/login" })
}

#[derive(Deserialize, Default)]
pub struct NextQuery {
    next: Option<String>,
}

/// Only same-site paths are followed after login.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.starts_with("/\\") => n.to_string(),
        _ => "/orgs".into(),
    }
}

fn new_token() -> String {
    let mut b = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut b);
    hex::encode(b)
}

fn login_form(
    state: &AppState,
    jar: CookieJar,
    locale: Locale,
    next: &str,
    username: &str,
    error: Option<&str>,
) -> Response {
    // Before a session exists, the login form is protected by a double-submit token.
    let token = new_token();
    let cookie = Cookie::build((PRE_CSRF_COOKIE, token.clone()))
        .http_only(true)
        .same_site(SameSite::Strict)
        .path("/login")
        .build();
    let body = page(
        state,
        "login.html",
        json!({"lang": locale.tag(), "pre_csrf": token, "next": next, "username": username, "error": error}),
    );
    (jar.add(cookie), body).into_response()
}

pub async fn login_page(
    State(state): State<AppState>,
    Lang(locale): Lang,
    jar: CookieJar,
    Query(q): Query<NextQuery>,
) -> Response {
    login_form(&state, jar, locale, &safe_next(q.next.as_deref()), "", None)
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    csrf: String,
    username: String,
    password: String,
    next: Option<String>,
}

pub async fn login_submit(
    State(state): State<AppState>,
    Lang(locale): Lang,
    jar: CookieJar,
    Form(f): Form<LoginForm>,
) -> Response {
    let next = safe_next(f.next.as_deref());
    let pre = jar.get(PRE_CSRF_COOKIE).map(|c| c.value().to_string()).unwrap_or_default();
    if pre.is_empty() || !constant_time_eq(pre.as_bytes(), f.csrf.as_bytes()) {
        let msg = dangjian_domain::Code::CsrfFailed.message(locale);
        return login_form(&state, jar, locale, &next, &f.username, Some(msg));
    }
    match auth::login(&state, &f.username, &f.password).await {
        Ok(token) => (jar.add(auth::session_cookie(&state, token)), Redirect::to(&next)).into_response(),
        Err(code) => {
            let mut resp = login_form(&state, jar, locale, &next, &f.username, Some(code.message(locale)));
            *resp.status_mut() = auth::login_status(code);
            resp
        }
    }
}

#[derive(Deserialize)]
pub struct Empty {}

pub async fn logout(State(state): State<AppState>, jar: CookieJar, CsrfForm(_user, _): CsrfForm<Empty>) -> Response {
    auth::logout(&state, &jar).await;
    (jar.add(auth::clear_session_cookie()), Redirect::to("/login")).into_response()
}

/// Switches the language and goes back where the user was.
pub async fn set_lang(Path(code): Path<String>, headers: HeaderMap, jar: CookieJar) -> Response {
    let locale = Locale::parse(&code).unwrap_or_default();
    let cookie = Cookie::build((LANG_COOKIE, locale.tag())).path("/").same_site(SameSite::Lax).permanent().build();
    let back = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| url::Url::parse(r).ok())
        .map(|u| format!("{}{}", u.path(), u.query().map(|q| format!("?{q}")).unwrap_or_default()))
        .filter(|p| p.starts_with('/') && !p.starts_with("/lang/"))
        .unwrap_or_else(|| "/".into());
    (jar.add(cookie), Redirect::to(&back)).into_response()
}
