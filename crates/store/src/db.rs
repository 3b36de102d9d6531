//! Opening the database, migrating it, and write transactions.
//!
//! Writes on both backends go through sqlx's `Any` driver with the same SQL
//! (plain reads take [`crate::read`]'s path; on SQLite its read connections
//! are opened here, after the migrations). SQLite allows one writer at a
//! time; rather than let concurrent writers collide on lock upgrades
//! (`SQLITE_BUSY`), writes on SQLite queue on an in-process gate.
//! PostgreSQL needs no gate: row locks and constraints do the work there.

use std::sync::Arc;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{Any, AnyPool, Executor, Transaction};
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::crypto::Crypto;
use crate::error::StoreResult;
use crate::read::Readers;
use crate::scope::{Principal, Scoped};
use crate::DEFAULT_TENANT;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

#[derive(Clone, Debug)]
pub struct Db {
    pub(crate) pool: AnyPool,
    backend: Backend,
    pub(crate) crypto: Arc<Crypto>,
    write_gate: Option<Arc<Mutex<()>>>,
    /// SQLite's read connections (see [`crate::read`]); `None` on PostgreSQL.
    pub(crate) readers: Option<Arc<Readers>>,
}

/// A write transaction. On SQLite it also holds the write gate until it ends.
pub struct WriteTx {
    pub(crate) tx: Transaction<'static, Any>,
    pub(crate) backend: Backend,
    _gate: Option<OwnedMutexGuard<()>>,
}

impl WriteTx {
    /// `(…), (…)` placeholders for a multi-row INSERT of `rows` rows of
    /// `arity` values. SQLite gets anonymous `?`: it resolves each named `$N`
    /// by a linear search over the names seen so far, which makes preparing a
    /// statement with thousands of `$N` quadratic (it was 44 s of a 60 s
    /// 100,000-row import). PostgreSQL needs `$N`.
    pub fn values_placeholders(&self, rows: usize, arity: usize) -> String {
        let mut out = String::with_capacity(rows * arity * 6);
        for r in 0..rows {
            if r > 0 {
                out.push(',');
            }
            out.push('(');
            for c in 0..arity {
                if c > 0 {
                    out.push(',');
                }
                match self.backend {
                    Backend::Sqlite => out.push('?'),
                    Backend::Postgres => {
                        out.push('$');
                        out.push_str(&(r * arity + c + 1).to_string());
                    }
                }
            }
            out.push(')');
        }
        out
    }

    /// The transaction's connection, for running statements.
    pub fn conn(&mut self) -> &mut sqlx::AnyConnection {
        &mut self.tx
    }

    pub async fn commit(self) -> StoreResult<()> {
        self.tx.commit().await?;
        Ok(())
    }
}

impl std::ops::Deref for WriteTx {
    type Target = Transaction<'static, Any>;
    fn deref(&self) -> &Self::Target {
        &self.tx
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.tx
    }
}

/// Page cache per SQLite read connection ([`crate::read`]), in KiB:
/// `DANGJIAN_SQLITE_CACHE_MIB`, 16 MiB by default. Plain reads all go
/// through the few read connections, so each sees the whole hot set (the
/// tree, the indexes, the pages being read); three of 16 MiB keep the server
/// near 125 MiB at M under load. The pool's connections (writes, and reads
/// inside write transactions) keep [`WRITE_CACHE_KIB`].
fn sqlite_cache_kib() -> i64 {
    std::env::var("DANGJIAN_SQLITE_CACHE_MIB")
        .ok()
        .and_then(|v| v.parse::<i64>().ok())
        .filter(|n| *n > 0)
        .map_or(16 * 1024, |n| n * 1024)
}

/// Page cache per pooled SQLite connection, in KiB: they write, and a write
/// touches a few pages; eight of them at 16 MiB made the server 220 MiB at M.
const WRITE_CACHE_KIB: i64 = 4 * 1024;

/// Bytes of the file each SQLite connection maps: `DANGJIAN_SQLITE_MMAP`, none by default.
fn sqlite_mmap() -> Option<i64> {
    std::env::var("DANGJIAN_SQLITE_MMAP").ok().and_then(|v| v.parse::<i64>().ok())
}

impl Db {
    /// Opens `url` (`sqlite://path` or `postgres://…`) and runs pending migrations.
    pub async fn open(url: &str, crypto: Crypto) -> StoreResult<Db> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") { Backend::Sqlite } else { Backend::Postgres };
        let options: AnyConnectOptions = url.parse()?;
        // Connections in the pool: `DANGJIAN_DB_POOL`, for tuning to the machine.
        let pool_size = |default: u32| {
            std::env::var("DANGJIAN_DB_POOL").ok().and_then(|v| v.parse().ok()).filter(|n| *n > 0).unwrap_or(default)
        };
        let pool = match backend {
            Backend::Sqlite => {
                AnyPoolOptions::new()
                    .max_connections(pool_size(8))
                    // A pinged connection to a local file proves nothing, and
                    // the ping is a round trip to its worker thread before
                    // every statement (2.6% of the server's CPU under load).
                    .test_before_acquire(false)
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            // WAL lets readers go on while one writer writes; NORMAL
                            // sync is durable across application crashes in WAL mode.
                            conn.execute("PRAGMA journal_mode = WAL").await?;
                            conn.execute("PRAGMA synchronous = NORMAL").await?;
                            conn.execute("PRAGMA busy_timeout = 10000").await?;
                            conn.execute("PRAGMA foreign_keys = ON").await?;
                            conn.execute(format!("PRAGMA cache_size = -{WRITE_CACHE_KIB}").as_str()).await?;
                            conn.execute("PRAGMA temp_store = MEMORY").await?;
                            // `DANGJIAN_SQLITE_MMAP` (bytes) reads the file through a memory
                            // map instead of copying pages in: mixed reads at M went from
                            // 2,100 to 2,700 requests/s, but each connection maps the file
                            // and its touched pages count as resident (RSS 2 GB), so it is
                            // off unless asked for.
                            if let Some(n) = sqlite_mmap() {
                                conn.execute(format!("PRAGMA mmap_size = {n}").as_str()).await?;
                            }
                            Ok(())
                        })
                    })
                    .connect_with(options)
                    .await?
            }
            Backend::Postgres => {
                AnyPoolOptions::new()
                    .max_connections(pool_size(16))
                    .acquire_timeout(Duration::from_secs(30))
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            // sqlx prepares every statement; after five runs PostgreSQL may
                            // switch to a generic plan that cannot see whether `$2` is a
                            // branch or the group root, and the subtree queries then picked
                            // plans taking 27-50 s at 5,000 branches. Plan each execution.
                            conn.execute("SET plan_cache_mode = force_custom_plan").await?;
                            Ok(())
                        })
                    })
                    .connect_with(options)
                    .await?
            }
        };
        let mut db = Db {
            pool,
            backend,
            crypto: Arc::new(crypto),
            write_gate: (backend == Backend::Sqlite).then(|| Arc::new(Mutex::new(()))),
            readers: None,
        };
        MIGRATOR.run(&db.pool).await.map_err(|e| crate::StoreError::Internal(format!("migration failed: {e}")))?;
        if backend == Backend::Sqlite {
            db.complete_statistics().await?;
            // After the migrations: the read connections see the final schema.
            let file = url.parse::<sqlx::sqlite::SqliteConnectOptions>()?.get_filename().to_path_buf();
            // An in-memory database exists only on the pool's connections:
            // there, reads go through the pool too.
            let in_memory = file.as_os_str() == ":memory:" || url.contains("mode=memory");
            if !in_memory {
                // One per runtime worker and one spare: a statement never holds
                // one across an await, so a worker needs at most one at a time.
                let count = std::env::var("DANGJIAN_SQLITE_READERS")
                    .ok()
                    .and_then(|v| v.parse().ok())
                    .filter(|n| *n > 0)
                    .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()) + 1);
                db.readers = Some(Arc::new(Readers::open(&file, count, sqlite_cache_kib(), sqlite_mmap())?));
            }
        }
        crate::rollups::rebuild_if_pending(&db).await?;
        db.ensure_tenant(DEFAULT_TENANT, "默认单位").await?;
        db.check_people_counts().await?;
        Ok(db)
    }

    /// SQLite plans with the statistics ANALYZE left (`sqlite_stat1`). An
    /// index a later migration created has none, and SQLite then guesses it
    /// very selective: a new lineage index with no statistics beside the old
    /// ones with theirs turned the supervision board's subtree join into a
    /// scan of every closure row (0.15 → 21 ms). So when the database has
    /// statistics, every non-empty table with an index missing from them is
    /// analyzed at start. A database never analyzed is left alone: without
    /// any statistics the guesses are at least even-handed.
    async fn complete_statistics(&self) -> StoreResult<()> {
        use sqlx::Row;
        if !self.has_sqlite_table("sqlite_stat1").await? {
            return Ok(());
        }
        let tables: Vec<String> = sqlx::query(
            "SELECT DISTINCT m.tbl_name FROM sqlite_master m WHERE m.type = 'index' AND m.tbl_name NOT LIKE 'sqlite%' \
             AND NOT EXISTS (SELECT 1 FROM sqlite_stat1 s WHERE s.idx = m.name) ORDER BY m.tbl_name",
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| r.try_get(0))
        .collect::<Result<_, _>>()?;
        let mut changed = false;
        for table in tables {
            // Quoted as an identifier: the name comes from the schema itself.
            let quoted = format!("\"{}\"", table.replace('"', "\"\""));
            let rows = sqlx::query(&format!("SELECT 1 FROM {quoted} LIMIT 1")).fetch_optional(&self.pool).await?;
            if rows.is_some() {
                tracing::info!("analyzing {table}: an index has no statistics");
                sqlx::query(&format!("ANALYZE {quoted}")).execute(&self.pool).await?;
                changed = true;
            }
        }
        if changed {
            self.forget_stat4().await?;
        }
        Ok(())
    }

    /// Drops ANALYZE's STAT4 samples on SQLite, keeping the per-index row
    /// counts: with samples, SQLite re-prepares a statement whenever a new
    /// value is bound to a parameter compared with an indexed column, i.e. on
    /// nearly every query (9% of the server's CPU under load, and 30% fewer
    /// requests/s at M).
    pub(crate) async fn forget_stat4(&self) -> StoreResult<()> {
        if self.has_sqlite_table("sqlite_stat4").await? {
            sqlx::query("DELETE FROM sqlite_stat4").execute(&self.pool).await?;
            sqlx::query("ANALYZE sqlite_master").execute(&self.pool).await?;
        }
        Ok(())
    }

    /// Whether the SQLite database has a table of this name (the statistics
    /// tables exist only once ANALYZE has run).
    async fn has_sqlite_table(&self, name: &str) -> StoreResult<bool> {
        use sqlx::Row;
        let n: i64 = sqlx::query("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $1")
            .bind(name)
            .fetch_one(&self.pool)
            .await?
            .try_get(0)?;
        Ok(n > 0)
    }

    /// A safety net for the stored people counts: a bulk writer that inserts
    /// people without keeping them (the generator, the demo loader, rows
    /// loaded by hand) should call `orgs::rebuild_people_counts`; if one did
    /// not, its tenant's roots no longer add up to its people, and the counts
    /// are rebuilt here. Two counts per start (~5 ms at 100,000 people).
    async fn check_people_counts(&self) -> StoreResult<()> {
        use sqlx::Row;
        let stale: Vec<i64> = sqlx::query(
            "SELECT p.tenant_id FROM (SELECT tenant_id, COUNT(*) AS n FROM people GROUP BY tenant_id) p \
             LEFT JOIN (SELECT tenant_id, SUM(people_count) AS s FROM orgs WHERE parent_id IS NULL GROUP BY tenant_id) o \
             ON o.tenant_id = p.tenant_id WHERE o.s IS NULL OR o.s <> p.n",
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| r.try_get(0))
        .collect::<Result<_, _>>()?;
        for t in stale {
            tracing::warn!(tenant = t, "stored people counts disagree with the people rows: rebuilding them");
            let mut tx = self.begin_write().await?;
            crate::orgs::rebuild_people_counts(tx.conn(), t).await?;
            tx.commit().await?;
        }
        Ok(())
    }

    /// The SQLite URL for a data directory: `DIR/dangjian.db`, created if absent.
    pub fn sqlite_url(data_dir: &std::path::Path) -> String {
        format!("sqlite://{}?mode=rwc", data_dir.join("dangjian.db").display())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub fn crypto(&self) -> &Crypto {
        &self.crypto
    }

    pub async fn begin_write(&self) -> StoreResult<WriteTx> {
        let gate = match &self.write_gate {
            Some(g) => Some(g.clone().lock_owned().await),
            None => None,
        };
        let tx = self.pool.begin().await?;
        Ok(WriteTx { tx, backend: self.backend, _gate: gate })
    }

    /// The handle the web layer uses: everything through it is limited to
    /// what `principal`'s grants cover.
    pub fn scoped<'a>(&'a self, principal: &'a Principal) -> Scoped<'a> {
        Scoped::new(self, principal)
    }

    /// Unscoped access for trusted callers: the command line, login and
    /// start-up. Web handlers must not call this (clippy enforces it).
    pub fn system(&self, tenant_id: i64) -> System<'_> {
        System { db: self, tenant_id }
    }

    async fn ensure_tenant(&self, id: i64, name: &str) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("INSERT INTO tenants (id, name, created_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING")
            .bind(id)
            .bind(name)
            .bind(crate::now_text())
            .execute(tx.conn())
            .await?;
        sqlx::query(
            "INSERT INTO audit_head (tenant_id, seq, hash) VALUES ($1, 0, $2) ON CONFLICT (tenant_id) DO NOTHING",
        )
        .bind(id)
        .bind(dangjian_domain::audit::GENESIS)
        .execute(tx.conn())
        .await?;
        tx.commit().await
    }

    /// Whether the database answers: used by `/healthz`.
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Unscoped operations for trusted callers (see [`Db::system`]).
pub struct System<'a> {
    pub(crate) db: &'a Db,
    pub(crate) tenant_id: i64,
}

impl System<'_> {
    pub fn tenant_id(&self) -> i64 {
        self.tenant_id
    }

    /// The principal the command line acts as: a tenant-wide admin named `system`.
    pub fn cli_principal(&self) -> Principal {
        Principal::system(self.tenant_id)
    }
}

/// Allocates `n` consecutive ids for `name` inside a write transaction and
/// returns the first. Per-tenant counters keep ids small and readable.
pub(crate) async fn next_ids(tx: &mut WriteTx, tenant_id: i64, name: &str, n: i64) -> StoreResult<i64> {
    use sqlx::Row;
    let row = sqlx::query(
        "INSERT INTO id_counters (tenant_id, name, next_id) VALUES ($1, $2, 1 + $3) \
         ON CONFLICT (tenant_id, name) DO UPDATE SET next_id = id_counters.next_id + $3 RETURNING next_id",
    )
    .bind(tenant_id)
    .bind(name)
    .bind(n)
    .fetch_one(tx.conn())
    .await?;
    let next: i64 = row.try_get(0)?;
    Ok(next - n)
}
