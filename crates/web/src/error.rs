//! One error type for handlers, mapped once to HTTP.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use dangjian_domain::{Code, FieldError, Locale};
use dangjian_store::StoreError;
use serde_json::json;

#[derive(Debug)]
pub struct AppError {
    pub status: StatusCode,
    pub code: Code,
    pub fields: Vec<(String, Code)>,
    pub rows: Vec<dangjian_excel::RowError>,
    pub locale: Locale,
}

impl AppError {
    pub fn new(status: StatusCode, code: Code) -> AppError {
        AppError { status, code, fields: vec![], rows: vec![], locale: Locale::default() }
    }

    pub fn with_locale(mut self, locale: Locale) -> AppError {
        self.locale = locale;
        self
    }

    pub fn field(field: &str, code: Code) -> AppError {
        AppError {
            fields: vec![(field.to_string(), code)],
            ..AppError::new(StatusCode::UNPROCESSABLE_ENTITY, Code::ValidationFailed)
        }
    }

    pub fn unauthenticated() -> AppError {
        AppError::new(StatusCode::UNAUTHORIZED, Code::Unauthenticated)
    }

    pub fn not_found() -> AppError {
        AppError::new(StatusCode::NOT_FOUND, Code::NotFound)
    }

    pub fn field_errors(&self) -> Vec<FieldError> {
        self.fields.iter().map(|(f, c)| FieldError::new(f.clone(), *c, self.locale)).collect()
    }

    pub fn message(&self) -> &'static str {
        self.code.message(self.locale)
    }

    pub fn body(&self) -> serde_json::Value {
        let mut err = json!({ "code": self.code.as_str(), "message": self.message() });
        if !self.fields.is_empty() {
            err["fields"] = serde_json::to_value(self.field_errors()).unwrap_or_default();
        }
        if !self.rows.is_empty() {
            err["rows"] = self
                .rows
                .iter()
                .map(|r| {
                    json!({"row": r.row, "column": r.column, "code": r.code.as_str(), "message": r.code.message(self.locale), "value": r.value})
                })
                .collect();
        }
        json!({ "error": err })
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> AppError {
        let code = e.code();
        match e {
            StoreError::NotFound => AppError::not_found(),
            StoreError::Forbidden => AppError::new(StatusCode::FORBIDDEN, Code::Forbidden),
            StoreError::Validation(fields) => {
                AppError { fields, ..AppError::new(StatusCode::UNPROCESSABLE_ENTITY, code) }
            }
            StoreError::Conflict(c) => AppError::new(StatusCode::CONFLICT, c),
            StoreError::ImportRows(rows) => AppError { rows, ..AppError::new(StatusCode::UNPROCESSABLE_ENTITY, code) },
            StoreError::Db(err) => {
                let id = rand::random::<u32>();
                tracing::error!(error_id = format!("{id:08x}"), "database error: {err}");
                AppError::new(StatusCode::INTERNAL_SERVER_ERROR, Code::Internal)
            }
            StoreError::Internal(msg) => {
                let id = rand::random::<u32>();
                tracing::error!(error_id = format!("{id:08x}"), "internal error: {msg}");
                AppError::new(StatusCode::INTERNAL_SERVER_ERROR, Code::Internal)
            }
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body())).into_response()
    }
}

pub type AppResult<T> = Result<T, AppError>;

/// Attaches the caller's locale to an error on the way out.
pub trait Localize<T> {
    fn loc(self, locale: Locale) -> AppResult<T>;
}

impl<T, E: Into<AppError>> Localize<T> for Result<T, E> {
    fn loc(self, locale: Locale) -> AppResult<T> {
        self.map_err(|e| e.into().with_locale(locale))
    }
}
