//! Who is calling: sessions, the locale, and CSRF checks on forms.
//!
//! This module (and the command line) may use the store's unscoped
//! `Db::system` handle, because looking up a session has to happen before
//! anyone's scope is known. Everything else goes through `Db::scoped`.
#![allow(clippy::disallowed_methods)]

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use dangjian_domain::{Code, Locale};
use dangjian_store::{Principal, DEFAULT_TENANT};
use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::error::AppError;
use crate::AppState;

pub const SESSION_COOKIE: &str = "dj_session";
pub const LANG_COOKIE: &str = "dj_lang";
pub const PRE_CSRF_COOKIE: &str = "dj_pre_csrf";

/// The caller's language: the `dj_lang` cookie, else `Accept-Language`, else zh-CN.
#[derive(Debug, Clone, Copy)]
pub struct Lang(pub Locale);

pub fn locale_of(parts: &Parts) -> Locale {
    let jar = CookieJar::from_headers(&parts.headers);
    if let Some(l) = jar.get(LANG_COOKIE).and_then(|c| Locale::parse(c.value())) {
        return l;
    }
    parts
        .headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(Locale::from_accept_language)
        .unwrap_or_default()
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Lang(locale_of(parts)))
    }
}

/// A logged-in caller.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub principal: Principal,
    pub csrf: String,
    pub locale: Locale,
    /// The tenant's settings as read with the session, this request.
    pub settings: std::sync::Arc<dangjian_domain::settings::Settings>,
}

impl CurrentUser {
    pub fn check_csrf(&self, token: &str) -> Result<(), AppError> {
        if !token.is_empty() && constant_time_eq(token.as_bytes(), self.csrf.as_bytes()) {
            Ok(())
        } else {
            Err(AppError::new(StatusCode::FORBIDDEN, Code::CsrfFailed).with_locale(self.locale))
        }
    }
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Not logged in: JSON 401 for the API, a redirect to the login page for pages.
pub enum AuthRejection {
    Api(AppError),
    Page(String),
}

impl IntoResponse for AuthRejection {
    fn into_response(self) -> Response {
        match self {
            AuthRejection::Api(e) => e.into_response(),
            AuthRejection::Page(next) => Redirect::to(&format!("/login?next={}", urlencode(&next))).into_response(),
        }
    }
}

pub fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AuthRejection;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let locale = locale_of(parts);
        // Nested routers see their path without the prefix: ask for the original URI.
        let uri = parts
            .extensions
            .get::<axum::extract::OriginalUri>()
            .map(|o| o.0.clone())
            .unwrap_or_else(|| parts.uri.clone());
        let is_api = uri.path().starts_with("/api/");
        let reject = || {
            if is_api {
                AuthRejection::Api(AppError::unauthenticated().with_locale(locale))
            } else {
                let next = uri.path_and_query().map(|p| p.as_str().to_string()).unwrap_or_else(|| "/".into());
                AuthRejection::Page(next)
            }
        };
        let jar = CookieJar::from_headers(&parts.headers);
        let Some(token) = jar.get(SESSION_COOKIE).map(|c| c.value().to_string()) else { return Err(reject()) };
        match state.db.system(DEFAULT_TENANT).session(&token).await {
            Ok(Some(s)) => Ok(CurrentUser { principal: s.principal, csrf: s.csrf_token, locale, settings: s.settings }),
            Ok(None) => Err(reject()),
            Err(e) => Err(AuthRejection::Api(AppError::from(e).with_locale(locale))),
        }
    }
}

/// A urlencoded form whose `csrf` field must match the session's token.
pub struct CsrfForm<T>(pub CurrentUser, pub T);

#[derive(Deserialize)]
struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

impl<T: DeserializeOwned + Send> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = Response;
    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let user = CurrentUser::from_request_parts(&mut parts, state).await.map_err(IntoResponse::into_response)?;
        let bytes = axum::body::to_bytes(body, 1024 * 1024).await.map_err(|_| {
            AppError::new(StatusCode::PAYLOAD_TOO_LARGE, Code::FileTooLarge).with_locale(user.locale).into_response()
        })?;
        let c: CsrfOnly = serde_urlencoded::from_bytes(&bytes).unwrap_or(CsrfOnly { csrf: String::new() });
        user.check_csrf(&c.csrf).map_err(|e| crate::render::error_page(state, user.locale, e))?;
        let form: T = serde_urlencoded::from_bytes(&bytes).map_err(|e| {
            tracing::debug!("form did not parse: {e}");
            crate::render::error_page(
                state,
                user.locale,
                AppError::new(StatusCode::BAD_REQUEST, Code::InvalidValue).with_locale(user.locale),
            )
        })?;
        Ok(CsrfForm(user, form))
    }
}

pub fn session_cookie(state: &AppState, token: String) -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, token))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.secure_cookies)
        .path("/")
        .build()
}

pub fn clear_session_cookie() -> Cookie<'static> {
    let mut c = Cookie::build((SESSION_COOKIE, "")).http_only(true).same_site(SameSite::Lax).path("/").build();
    c.make_removal();
    c
}

/// Checks a username and password and opens a session.
pub async fn login(state: &AppState, username: &str, password: &str) -> Result<String, Code> {
    match state.db.system(DEFAULT_TENANT).login(username, password).await {
        Ok(dangjian_store::users::LoginOutcome::Ok { token }) => Ok(token),
        Ok(dangjian_store::users::LoginOutcome::Failed(code)) => Err(code),
        Err(e) => {
            tracing::error!("login failed with an internal error: {e}");
            Err(Code::Internal)
        }
    }
}

pub async fn logout(state: &AppState, jar: &CookieJar) {
    if let Some(token) = jar.get(SESSION_COOKIE) {
        let _ = state.db.system(DEFAULT_TENANT).logout(token.value()).await;
    }
}

pub fn login_status(code: Code) -> StatusCode {
    match code {
        Code::AccountLocked => StatusCode::LOCKED,
        Code::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::UNAUTHORIZED,
    }
}
