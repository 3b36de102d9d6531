//! The read path (`Db::read`): what it returns on both backends, that it sees
//! what a write transaction committed the moment it commits, that on SQLite
//! it cannot write, and that a database SQLite has statistics for gets them
//! for an index a later migration adds.
#![allow(clippy::disallowed_methods)]

use dangjian_store::args;
use dangjian_store::crypto::Crypto;
use dangjian_store::testing::{TestDb, BACKENDS};
use dangjian_store::{Backend, Db};
use sqlx::Row;

#[tokio::test]
async fn reads_return_typed_rows_and_see_commits_at_once() {
    for backend in BACKENDS {
        let Some(t) = TestDb::new(backend).await else { continue };
        let db = &t.db;
        let rows = db
            .read(
                "SELECT CAST($2 AS BIGINT), CAST($1 AS TEXT), CAST(NULL AS TEXT), CAST($3 AS DOUBLE PRECISION)",
                args!["名字", 42i64, 2.5f64],
            )
            .await
            .unwrap();
        assert_eq!(rows.len(), 1, "{backend:?}");
        let r = &rows[0];
        assert_eq!(r.try_get::<i64>(0).unwrap(), 42, "{backend:?}: $2 is the second value, wherever it appears");
        assert_eq!(r.try_get::<String>(1).unwrap(), "名字", "{backend:?}");
        assert_eq!(r.try_get::<Option<String>>(2).unwrap(), None, "{backend:?}");
        assert!(r.try_get::<String>(2).is_err(), "{backend:?}: NULL is not a string");
        assert_eq!(r.try_get::<f64>(3).unwrap(), 2.5, "{backend:?}");

        // A NULL keeps its type: compared with a text column, an untyped
        // (integer) NULL is an error on PostgreSQL.
        let all = db
            .read_one("SELECT COUNT(*) FROM tenants WHERE $1 IS NULL OR name = $1", args![None::<&str>])
            .await
            .unwrap()
            .try_get::<i64>(0)
            .unwrap();
        assert!(all >= 1, "{backend:?}: the default tenant at least");

        // A tenant written and committed through a write transaction is there
        // for the very next read, on its own connection.
        let count = |db: &Db| {
            let db = db.clone();
            async move {
                db.read_one("SELECT COUNT(*) FROM tenants WHERE name = $1", args!["读路径"])
                    .await
                    .unwrap()
                    .try_get::<i64>(0)
                    .unwrap()
            }
        };
        assert_eq!(count(db).await, 0);
        let mut tx = db.begin_write().await.unwrap();
        sqlx::query("INSERT INTO tenants (id, name, settings_json, created_at) VALUES (9001, '读路径', '{}', '2026-11-21T00:00:00Z')")
            .execute(tx.conn())
            .await
            .unwrap();
        assert_eq!(count(db).await, 0, "{backend:?}: not before the commit");
        tx.commit().await.unwrap();
        assert_eq!(count(db).await, 1, "{backend:?}: right after the commit");

        if backend == Backend::Sqlite {
            // The read connections are query-only: SQL that writes fails there
            // and changes nothing.
            assert!(db.read("DELETE FROM tenants WHERE id = 9001", args![]).await.is_err());
            assert_eq!(count(db).await, 1);
        }
        t.cleanup().await;
    }
}

#[tokio::test]
async fn an_index_without_statistics_is_analyzed_at_start_on_sqlite() {
    let t = TestDb::new(Backend::Sqlite).await.expect("sqlite");
    let pool = t.db.pool();
    sqlx::query(
        "INSERT INTO tenants (id, name, settings_json, created_at) VALUES (9002, '统计', '{}', '2026-11-21T00:00:00Z')",
    )
    .execute(pool)
    .await
    .unwrap();
    sqlx::query("ANALYZE").execute(pool).await.unwrap();
    // What a later migration does: an index the statistics do not know.
    sqlx::query("CREATE INDEX tenants_by_name_for_test ON tenants (name)").execute(pool).await.unwrap();
    let known = |pool: sqlx::AnyPool| async move {
        sqlx::query("SELECT COUNT(*) FROM sqlite_stat1 WHERE idx = 'tenants_by_name_for_test'")
            .fetch_one(&pool)
            .await
            .unwrap()
            .try_get::<i64, _>(0)
            .unwrap()
    };
    assert_eq!(known(pool.clone()).await, 0);
    let reopened = Db::open(&t.url, Crypto::from_master([3; 32])).await.unwrap();
    assert_eq!(known(reopened.pool().clone()).await, 1, "the new index has its row count after the restart");
    let stat4: i64 = sqlx::query("SELECT COUNT(*) FROM sqlite_master WHERE name = 'sqlite_stat4'")
        .fetch_one(reopened.pool())
        .await
        .unwrap()
        .try_get(0)
        .unwrap();
    if stat4 > 0 {
        let samples: i64 = sqlx::query("SELECT COUNT(*) FROM sqlite_stat4")
            .fetch_one(reopened.pool())
            .await
            .unwrap()
            .try_get(0)
            .unwrap();
        assert_eq!(samples, 0, "no STAT4 samples are kept");
    }
    t.cleanup().await;
}
