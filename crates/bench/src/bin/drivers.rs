//! `dangjian-bench-drivers`: what one read statement costs through each way
//! of running it on SQLite, on a database the bench or `dangjian gen` made.
//!
//! Until session 6 the product ran every statement through sqlx's `Any`
//! driver: a round trip to the connection's worker thread, a copy of every
//! column, a conversion to the `Any` row. This times two of the product's
//! own hot statements (a branch's roster page and an org's lineage, which
//! every request naming an org reads) through that path, through sqlx's
//! SQLite driver, and through rusqlite on the calling thread (the product's
//! read path since, `dangjian_store::read`), one connection each, warm. The
//! row counts must agree or it fails. See docs/PERFORMANCE.md ("A read path
//! of the store's own").
//!
//! ```text
//! target/release/dangjian-bench-drivers target/bench-work/sqlite-M/dangjian.db
//! ```

use std::time::Instant;

use anyhow::{bail, Context};
use dangjian_store::people::PERSON_SELECT;
use dangjian_store::scope::LINEAGE_SELECT;
use sqlx::Row;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let path = args.next().context("usage: dangjian-bench-drivers <sqlite file> [runs]")?;
    let runs: usize = args.next().map(|r| r.parse()).transpose()?.unwrap_or(2000);
    sqlx::any::install_default_drivers();
    let url = format!("sqlite://{path}?mode=ro");
    let any = sqlx::any::AnyPoolOptions::new().max_connections(1).connect(&url).await?;
    let native = sqlx::sqlite::SqlitePoolOptions::new().max_connections(1).connect(&url).await?;
    let direct = rusqlite::Connection::open_with_flags(&path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    // The fullest branch that fits on one roster page: the roster's one-statement case.
    let branch: i64 = sqlx::query(
        "SELECT id FROM orgs WHERE tenant_id = 1 AND kind = 'branch' AND dissolved_on IS NULL AND people_count <= 50 \
         ORDER BY people_count DESC, id LIMIT 1",
    )
    .fetch_one(&any)
    .await
    .context("no branch: generate a group first")?
    .try_get(0)?;
    let roster = format!(
        "{PERSON_SELECT} WHERE p.tenant_id = $1 AND p.org_id IN \
         (SELECT descendant_id FROM org_closure WHERE tenant_id = $1 AND ancestor_id = $2) ORDER BY o.name, p.name, p.id LIMIT 50"
    );
    println!("branch {branch}, {runs} runs each, µs per statement (mean)");
    println!("{:<10} {:>6} {:>12} {:>12} {:>12}", "statement", "rows", "sqlx Any", "sqlx SQLite", "rusqlite");
    for (name, sql) in [("roster", roster.as_str()), ("lineage", LINEAGE_SELECT)] {
        let mut rows = [0usize; 3];
        let mut took = [0f64; 3];
        for pass in 0..2 {
            // The first pass warms the caches; the second is timed.
            let t = Instant::now();
            for _ in 0..runs {
                rows[0] = sqlx::query(sql).bind(1i64).bind(branch).fetch_all(&any).await?.len();
            }
            took[0] = t.elapsed().as_secs_f64();
            let t = Instant::now();
            for _ in 0..runs {
                rows[1] = sqlx::query(sql).bind(1i64).bind(branch).fetch_all(&native).await?.len();
            }
            took[1] = t.elapsed().as_secs_f64();
            let t = Instant::now();
            for _ in 0..runs {
                let mut st = direct.prepare_cached(sql)?;
                let columns = st.column_count();
                let mut out: Vec<Vec<rusqlite::types::Value>> = Vec::new();
                let mut rs = st.query(rusqlite::params![1i64, branch])?;
                while let Some(r) = rs.next()? {
                    out.push((0..columns).map(|i| r.get(i)).collect::<Result<_, _>>()?);
                }
                rows[2] = out.len();
            }
            took[2] = t.elapsed().as_secs_f64();
            if pass == 0 && (rows[0] != rows[1] || rows[1] != rows[2] || rows[0] == 0) {
                bail!("{name}: the drivers disagree on the rows: {rows:?}");
            }
        }
        let us = |s: f64| s * 1e6 / runs as f64;
        println!("{name:<10} {:>6} {:>12.1} {:>12.1} {:>12.1}", rows[0], us(took[0]), us(took[1]), us(took[2]));
    }
    Ok(())
}
