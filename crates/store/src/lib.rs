//! # dangjian-store: where data lives, and the one door to it
//!
//! A tour, in the order a request meets it:
//!
//! - [`db::Db`] opens SQLite (the embedded default, a file in the data
//!   directory) or PostgreSQL (by URL) through sqlx's `Any` driver, and runs
//!   the one set of migrations in `migrations/` at start-up. SQL is written
//!   once, with `$1` placeholders and portable types, and runs on both.
//! - [`scope::Principal`] is who is asking: a user and their role grants.
//!   [`db::Db::scoped`] turns it into a [`scope::Scoped`] handle, the only way
//!   the web layer reaches data. Every query through it is filtered to the
//!   org subtrees the grants cover; an operation the grants do not allow
//!   answers `Forbidden` or `NotFound`. A handler that forgets a check has no
//!   unscoped handle to reach for, so it fails closed.
//! - [`db::Db::system`] is the unscoped handle for trusted callers only (the
//!   command line, login, start-up); clippy's `disallowed-methods` keeps it
//!   out of the web handlers.
//! - Each resource has its module: [`orgs`] (tree, history, terms, office
//!   holders, partnerships), [`people`] (roster, encrypted ID and phone
//!   numbers), [`users`] (accounts, grants, sessions), [`import`] (the
//!   all-or-nothing roster import), [`audit`] (the hash-chained trail that
//!   every write appends to in its own transaction).
//! - [`frameworks`] (work systems as data: elements, mechanisms, indicators,
//!   yearly versions) and [`tasks`] (lists, task trees, progress, close-out,
//!   evidence, supervision notices and escalation, the to-do centre, figures).
//! - [`activities`] (组织生活: meetings, study and team activities with their
//!   attendance and quorum, the 第一议题 loop into task lists, campaigns and
//!   their study items, compliance with required frequencies, figures).
//! - [`read`] is the read path: plain reads return the store's own
//!   [`read::Row`]; on SQLite they run through rusqlite on query-only
//!   connections of their own, on the calling thread (see the module for why).
//! - [`crypto`] encrypts sensitive fields at rest (AES-256-GCM) and computes
//!   the blind index that keeps ID numbers unique without storing them in clear.
//! - [`recordings`] (videos, photos and documents of activities, team
//!   recording devices, `verify`) with their bytes in [`blobs`] (the local
//!   data directory or an S3-compatible store).
//! - [`rollups`] keeps per-ancestor sums (activities, recordings, met
//!   periods) exact on every write, so a group root's figures read a few
//!   thousand rows instead of its whole subtree.
//! - [`seed`] loads the demo group; [`generate`] fills an empty database with
//!   a synthetic group at scale S, M or L (`dangjian gen`) for benchmarks.

pub mod activities;
pub mod audit;
pub mod crypto;
pub mod db;
pub mod error;
pub mod frameworks;
pub mod generate;
pub mod import;
pub mod orgs;
pub mod people;
pub mod read;
pub mod rollups;
pub mod scope;
pub mod seed;
pub mod tasks;
pub mod testing;
pub mod users;
// recordings
pub mod blobs;
pub mod recordings;

pub use db::{Backend, Db};
pub use error::{StoreError, StoreResult};
pub use scope::{Grant, Principal, Scoped};

/// The tenant of a single-tenant deployment.
pub const DEFAULT_TENANT: i64 = 1;

/// A date as ISO-8601 text (`2026-01-15`), the stored form of dates: it sorts
/// as text on both databases.
pub(crate) fn date_text(d: chrono::NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// Current time as RFC 3339 UTC text, the stored form of timestamps.
pub fn now_text() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}
