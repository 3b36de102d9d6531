//! # dangjian-web: the HTTP layer
//!
//! How a request flows:
//!
//! 1. [`router`] sends it to a page handler (`pages/`, HTML rendered on the
//!    server with minijinja templates embedded in the binary) or a JSON
//!    handler (`api/`, under `/api/v1`, described by [`openapi`]).
//! 2. The [`auth::CurrentUser`] extractor reads the session cookie, loads the
//!    session from the database (idle timeout applies) and yields the
//!    caller's `Principal` plus their locale. Page forms are checked for the
//!    session's CSRF token by [`auth::CsrfForm`].
//! 3. The handler calls `state.db.scoped(&user.principal)`: the only handle to
//!    data it has. Every read and write through it is limited to the org
//!    subtrees the user's grants cover (see `dangjian_store::scope`).
//! 4. Errors are one type, [`error::AppError`], mapped once to a status and a
//!    JSON body `{"error": {"code", "message", "fields"|"rows"}}` in the
//!    caller's language, or to an error page. Internal errors are logged with
//!    a request id and shown as a generic message.

pub mod api;
pub mod auth;
pub mod error;
pub mod i18n;
pub mod openapi;
pub mod pages;
pub mod render;

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use dangjian_store::Db;
use tower_http::set_header::SetResponseHeaderLayer;

/// Shared by every handler.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub templates: Arc<render::Templates>,
    /// Set the `Secure` flag on cookies (when served over HTTPS).
    pub secure_cookies: bool,
    /// Largest request body accepted, in bytes (roster uploads).
    pub max_upload_bytes: usize,
    /// The data directory: evidence files live in `files/` under it.
    pub data_dir: std::path::PathBuf,
    // recordings
    /// Where recordings' bytes live; `None`: `<data_dir>/blobs`.
    pub blobs: Option<dangjian_store::blobs::BlobStore>,
}

impl AppState {
    pub fn new(db: Db) -> AppState {
        AppState {
            db,
            templates: Arc::new(render::Templates::new()),
            secure_cookies: false,
            max_upload_bytes: dangjian_domain::settings::Settings::default().import_max_bytes as usize,
            data_dir: std::path::PathBuf::from("./dangjian-data"),
            // recordings
            blobs: None,
        }
    }

    pub fn files_dir(&self) -> std::path::PathBuf {
        self.data_dir.join("files")
    }

    // recordings
    /// The blob store for recordings: the configured one, else `<data_dir>/blobs`.
    pub fn blobs(&self) -> dangjian_store::StoreResult<dangjian_store::blobs::BlobStore> {
        match &self.blobs {
            Some(b) => Ok(b.clone()),
            None => dangjian_store::blobs::BlobStore::local(&self.data_dir.join("blobs")),
        }
    }
}

async fn healthz(axum::extract::State(state): axum::extract::State<AppState>) -> impl IntoResponse {
    if state.db.ping().await {
        (axum::http::StatusCode::OK, "ok")
    } else {
        (axum::http::StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
    }
}

async fn stylesheet() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../assets/app.css"),
    )
}

async fn script() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../assets/app.js"),
    )
}

/// The whole application.
pub fn router(state: AppState) -> Router {
    let limit = state.max_upload_bytes + 64 * 1024;
    Router::new()
        .route("/healthz", get(healthz))
        .route("/assets/app.css", get(stylesheet))
        .route("/assets/app.js", get(script))
        .route("/api/openapi.json", get(openapi::serve))
        .nest("/api/v1", api::router())
        .merge(pages::router())
        .layer(DefaultBodyLimit::max(limit))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::if_not_present(header::REFERRER_POLICY, HeaderValue::from_static("same-origin")))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}
