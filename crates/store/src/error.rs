//! One error type for the storage layer. The web layer maps each variant to an
//! HTTP status once; database errors are logged there and never shown raw.

use dangjian_domain::Code;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    /// Field-level problems: (field, code).
    #[error("validation failed: {0:?}")]
    Validation(Vec<(String, Code)>),
    /// A uniqueness or concurrency conflict.
    #[error("conflict: {0:?}")]
    Conflict(Code),
    /// An import refused because of bad rows; nothing was stored.
    #[error("import refused: {} bad rows", .0.len())]
    ImportRows(Vec<dangjian_excel::RowError>),
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("internal error: {0}")]
    Internal(String),
}

impl StoreError {
    pub fn field(field: &str, code: Code) -> StoreError {
        StoreError::Validation(vec![(field.to_string(), code)])
    }

    /// The stable code clients see.
    pub fn code(&self) -> Code {
        match self {
            StoreError::NotFound => Code::NotFound,
            StoreError::Forbidden => Code::Forbidden,
            StoreError::Validation(_) => Code::ValidationFailed,
            StoreError::Conflict(c) => *c,
            StoreError::ImportRows(_) => Code::ImportRejected,
            StoreError::Db(_) | StoreError::Internal(_) => Code::Internal,
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Maps a unique-index violation to a conflict with a clear code.
pub(crate) fn on_unique(e: sqlx::Error, code: Code) -> StoreError {
    if let sqlx::Error::Database(db) = &e {
        if db.is_unique_violation() {
            return StoreError::Conflict(code);
        }
    }
    StoreError::Db(e)
}
