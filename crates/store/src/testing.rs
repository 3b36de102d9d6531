//! Test databases on both backends, for this crate's and the web crate's tests.
//!
//! SQLite: a fresh file in a temporary directory. PostgreSQL: a fresh database
//! created from the admin URL in `DANGJIAN_TEST_PG_URL` and dropped afterwards.
//! Without that variable PostgreSQL tests are skipped, unless
//! `DANGJIAN_TEST_REQUIRE_PG=1` (as `scripts/test.sh` sets), which fails them.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use sqlx::Connection;

use crate::crypto::Crypto;
use crate::db::{Backend, Db};

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// Keeps a test database alive; dropping it removes the SQLite directory
/// (PostgreSQL databases are dropped by [`TestDb::cleanup`]).
pub struct TestDb {
    pub db: Db,
    pub url: String,
    pub data_dir: PathBuf,
    pg: Option<(String, String)>, // (admin url, database name)
}

fn unique(prefix: &str) -> String {
    format!("{prefix}_{}_{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::SeqCst), rand::random::<u32>())
}

impl TestDb {
    /// A fresh database, or `None` when the backend is unavailable and not required.
    pub async fn new(backend: Backend) -> Option<TestDb> {
        let data_dir = std::env::temp_dir().join(unique("dangjian-test"));
        std::fs::create_dir_all(&data_dir).expect("temp dir");
        let crypto = Crypto::from_master(rand::random());
        match backend {
            Backend::Sqlite => {
                let url = Db::sqlite_url(&data_dir);
                let db = Db::open(&url, crypto).await.expect("open sqlite");
                Some(TestDb { db, url, data_dir, pg: None })
            }
            Backend::Postgres => {
                let required = std::env::var("DANGJIAN_TEST_REQUIRE_PG").is_ok_and(|v| v == "1");
                let Ok(admin) = std::env::var("DANGJIAN_TEST_PG_URL") else {
                    assert!(!required, "DANGJIAN_TEST_REQUIRE_PG=1 but DANGJIAN_TEST_PG_URL is not set");
                    eprintln!("skipping PostgreSQL test: DANGJIAN_TEST_PG_URL is not set");
                    return None;
                };
                let name = unique("dj");
                let mut conn = sqlx::PgConnection::connect(&admin).await.expect("connect to the PostgreSQL admin URL");
                sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.expect("create test database");
                conn.close().await.ok();
                let url = replace_db(&admin, &name);
                let db = Db::open(&url, crypto).await.expect("open postgres");
                Some(TestDb { db, url, data_dir, pg: Some((admin, name)) })
            }
        }
    }

    /// Closes the pool and drops the PostgreSQL database.
    pub async fn cleanup(self) {
        self.db.close().await;
        if let Some((admin, name)) = &self.pg {
            if let Ok(mut conn) = sqlx::PgConnection::connect(admin).await {
                let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut conn).await;
            }
        }
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

/// `postgres://u@h:p/postgres?x` → `postgres://u@h:p/NAME?x`
pub fn replace_db(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let cut = base.rfind('/').filter(|i| *i > "postgres://".len()).unwrap_or(base.len());
    format!("{}/{name}{query}", &base[..cut])
}

/// Both backends, for tests that run the same body on each.
pub const BACKENDS: [Backend; 2] = [Backend::Sqlite, Backend::Postgres];

#[cfg(test)]
mod tests {
    #[test]
    fn replaces_database_name() {
        assert_eq!(
            super::replace_db("postgres://postgres@127.0.0.1:5/postgres", "x"),
            "postgres://postgres@127.0.0.1:5/x"
        );
        assert_eq!(super::replace_db("postgres://u:p@h/db?sslmode=disable", "x"), "postgres://u:p@h/x?sslmode=disable");
        assert_eq!(super::replace_db("postgres://u@h:5", "x"), "postgres://u@h:5/x");
    }
}
