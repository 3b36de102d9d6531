//! `dangjian rebuild` refills the figures' roll-ups and the people counts
//! from the records: a roll-up row and a count damaged by hand are put right (embedded database, real binary).

use std::process::Command;

use sqlx::Row;

#[tokio::test]
async fn rebuild_puts_a_damaged_rollup_right() {
    let dir = std::env::temp_dir().join(format!("dangjian-cli-rebuild-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let bin = env!("CARGO_BIN_EXE_dangjian");
    let gen = Command::new(bin).args(["gen", "--scale", "S", "--data"]).arg(&dir).output().unwrap();
    assert!(gen.status.success(), "gen: {}", String::from_utf8_lossy(&gen.stderr));

    sqlx::any::install_default_drivers();
    let url = format!("sqlite://{}?mode=rw", dir.join("dangjian.db").display());
    let pool = sqlx::AnyPool::connect(&url).await.unwrap();
    let held = "SELECT CAST(SUM(n) AS BIGINT) FROM activity_rollups WHERE tenant_id = 1 AND ancestor_id = 1 AND status = 'held'";
    let total = |pool: sqlx::AnyPool| async move {
        sqlx::query(held).fetch_one(&pool).await.unwrap().try_get::<i64, _>(0).unwrap()
    };
    let right = total(pool.clone()).await;
    let counted: i64 = sqlx::query("SELECT COUNT(*) FROM activities WHERE tenant_id = 1 AND status = 'held'")
        .fetch_one(&pool)
        .await
        .unwrap()
        .try_get(0)
        .unwrap();
    assert_eq!(right, counted, "the root's roll-up counts every held activity");
    sqlx::query(
        "UPDATE activity_rollups SET n = n + 1000 WHERE rowid = \
         (SELECT MIN(rowid) FROM activity_rollups WHERE ancestor_id = 1 AND status = 'held')",
    )
    .execute(&pool)
    .await
    .unwrap();
    assert_eq!(total(pool.clone()).await, right + 1000);
    // And a branch's stored people count (the root's is checked at every start).
    let branch =
        "SELECT people_count FROM orgs WHERE tenant_id = 1 AND id = (SELECT MIN(id) FROM orgs WHERE kind = 'branch')";
    let people: i64 = sqlx::query(branch).fetch_one(&pool).await.unwrap().try_get(0).unwrap();
    assert!(people > 0);
    sqlx::query(
        "UPDATE orgs SET people_count = people_count + 7 WHERE id = (SELECT MIN(id) FROM orgs WHERE kind = 'branch')",
    )
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;

    let out = Command::new(bin).args(["rebuild", "--data"]).arg(&dir).output().unwrap();
    assert!(out.status.success(), "rebuild: {}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("rebuilt"));
    let pool = sqlx::AnyPool::connect(&url).await.unwrap();
    assert_eq!(total(pool.clone()).await, right);
    assert_eq!(sqlx::query(branch).fetch_one(&pool).await.unwrap().try_get::<i64, _>(0).unwrap(), people);
    pool.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}
