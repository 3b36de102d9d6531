//! The read path: statements that only read, outside any write transaction.
//!
//! Writes, and reads inside a write transaction, go through sqlx (see
//! [`crate::db`]). Plain reads go through [`Db::read`] instead, which returns
//! the store's own [`Row`]:
//!
//! - On PostgreSQL it runs the statement on the sqlx pool and copies the rows
//!   over. Nothing gained, nothing lost: the network dominates there.
//! - On SQLite it runs the statement through rusqlite, on the calling thread,
//!   on one of a few read connections of its own ([`Readers`]). sqlx's SQLite
//!   driver runs every statement on the connection's worker thread and
//!   copies every column twice (into its own row, then into `Any`'s); at M
//!   that was 2–6× the statement itself (docs/PERFORMANCE.md, "A read path
//!   of the store's own").
//!   The statements these pages read are index lookups of well under a
//!   millisecond, so running them inline on the async thread costs less than
//!   the hop to another thread would.
//!
//! The SQL is the same on both: `$N` placeholders, which SQLite treats as
//! names, so [`bind`] binds each by the number in its name rather than by
//! position. The same libsqlite3 is linked once for both drivers.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use sqlx::Row as _;

use crate::db::Db;
use crate::error::{StoreError, StoreResult};

/// One value of a row, owned.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

impl Cell {
    fn kind(&self) -> &'static str {
        match self {
            Cell::Null => "NULL",
            Cell::Int(_) => "integer",
            Cell::Real(_) => "real",
            Cell::Text(_) => "text",
            Cell::Blob(_) => "blob",
        }
    }
}

/// A row as the store reads it, whichever backend it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Row(Vec<Cell>);

impl Row {
    /// The `i`th column as `T`; a wrong type or a NULL where none may be is
    /// an internal error naming the column, never a panic.
    pub fn try_get<T: FromCell>(&self, i: usize) -> StoreResult<T> {
        let cell =
            self.0.get(i).ok_or_else(|| StoreError::Internal(format!("no column {i} in a row of {}", self.0.len())))?;
        T::from_cell(cell).ok_or_else(|| {
            StoreError::Internal(format!("column {i}: cannot read {} as {}", cell.kind(), std::any::type_name::<T>()))
        })
    }

    /// Copies a row sqlx read from PostgreSQL (or from SQLite when the read
    /// connections are busy or the read may run long).
    pub fn from_any(r: &sqlx::any::AnyRow) -> StoreResult<Row> {
        use sqlx::{TypeInfo, Value, ValueRef};
        let mut cells = Vec::with_capacity(r.len());
        for i in 0..r.len() {
            let raw = r.try_get_raw(i)?;
            if raw.is_null() {
                cells.push(Cell::Null);
                continue;
            }
            // sqlx keeps the value's kind to itself; its type name says the same.
            let v = ValueRef::to_owned(&raw);
            let cell = match v.type_info().name() {
                "BOOLEAN" => Cell::Int(i64::from(v.try_decode::<bool>()?)),
                "SMALLINT" => Cell::Int(i64::from(v.try_decode::<i16>()?)),
                "INTEGER" => Cell::Int(i64::from(v.try_decode::<i32>()?)),
                "BIGINT" => Cell::Int(v.try_decode::<i64>()?),
                "REAL" => Cell::Real(f64::from(v.try_decode::<f32>()?)),
                "DOUBLE" => Cell::Real(v.try_decode::<f64>()?),
                "TEXT" => Cell::Text(v.try_decode::<String>()?),
                "BLOB" => Cell::Blob(v.try_decode::<Vec<u8>>()?),
                other => return Err(StoreError::Internal(format!("column {i}: unsupported type {other}"))),
            };
            cells.push(cell);
        }
        Ok(Row(cells))
    }
}

/// A Rust type a [`Cell`] can be read as.
pub trait FromCell: Sized {
    fn from_cell(c: &Cell) -> Option<Self>;
}

impl FromCell for i64 {
    fn from_cell(c: &Cell) -> Option<Self> {
        match c {
            Cell::Int(v) => Some(*v),
            _ => None,
        }
    }
}

impl FromCell for i32 {
    fn from_cell(c: &Cell) -> Option<Self> {
        match c {
            Cell::Int(v) => i32::try_from(*v).ok(),
            _ => None,
        }
    }
}

impl FromCell for bool {
    fn from_cell(c: &Cell) -> Option<Self> {
        match c {
            Cell::Int(v) => Some(*v != 0),
            _ => None,
        }
    }
}

impl FromCell for f64 {
    fn from_cell(c: &Cell) -> Option<Self> {
        match c {
            Cell::Real(v) => Some(*v),
            // SQLite hands back a whole-valued REAL expression as an integer.
            Cell::Int(v) => Some(*v as f64),
            _ => None,
        }
    }
}

impl FromCell for String {
    fn from_cell(c: &Cell) -> Option<Self> {
        match c {
            Cell::Text(v) => Some(v.clone()),
            _ => None,
        }
    }
}

impl FromCell for Vec<u8> {
    fn from_cell(c: &Cell) -> Option<Self> {
        match c {
            Cell::Blob(v) => Some(v.clone()),
            _ => None,
        }
    }
}

impl<T: FromCell> FromCell for Option<T> {
    fn from_cell(c: &Cell) -> Option<Self> {
        match c {
            Cell::Null => Some(None),
            c => T::from_cell(c).map(Some),
        }
    }
}

/// A bound value of a read statement. A NULL keeps its type: PostgreSQL
/// types each parameter, and an integer NULL compared with a text column is
/// an error there.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    NullInt,
    NullReal,
    NullText,
    Int(i64),
    Real(f64),
    Text(String),
}

impl From<i64> for Arg {
    fn from(v: i64) -> Self {
        Arg::Int(v)
    }
}

impl From<i32> for Arg {
    fn from(v: i32) -> Self {
        Arg::Int(v.into())
    }
}

impl From<bool> for Arg {
    fn from(v: bool) -> Self {
        Arg::Int(v.into())
    }
}

impl From<f64> for Arg {
    fn from(v: f64) -> Self {
        Arg::Real(v)
    }
}

impl From<&str> for Arg {
    fn from(v: &str) -> Self {
        Arg::Text(v.to_string())
    }
}

impl From<String> for Arg {
    fn from(v: String) -> Self {
        Arg::Text(v)
    }
}

impl From<&String> for Arg {
    fn from(v: &String) -> Self {
        Arg::Text(v.clone())
    }
}

macro_rules! optional_arg {
    ($($t:ty => $null:ident),*) => {$(
        impl From<Option<$t>> for Arg {
            fn from(v: Option<$t>) -> Self {
                v.map_or(Arg::$null, Into::into)
            }
        }
    )*};
}

optional_arg!(i64 => NullInt, i32 => NullInt, bool => NullInt, f64 => NullReal, &str => NullText, String => NullText, &String => NullText);

/// `args![a, b]`: the bound values of a read statement, `$1` first.
#[macro_export]
macro_rules! args {
    ($($v:expr),* $(,)?) => { &[$($crate::read::Arg::from($v)),*][..] };
}

/// The SQLite read connections. A statement takes a free one (there is one
/// per runtime worker and a spare, so it nearly always finds one) and gives
/// it back when its rows are read; it never holds one across an `.await`,
/// and never waits for one: when all are busy it goes through the pool.
pub(crate) struct Readers {
    conns: Vec<Mutex<rusqlite::Connection>>,
    next: AtomicUsize,
}

impl std::fmt::Debug for Readers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Readers({})", self.conns.len())
    }
}

impl Readers {
    /// Opens `count` read-only connections to the database file at `path`,
    /// each with `cache_kib` of page cache (and `mmap` bytes mapped, if set).
    pub(crate) fn open(
        path: &std::path::Path,
        count: usize,
        cache_kib: i64,
        mmap: Option<i64>,
    ) -> StoreResult<Readers> {
        let mut conns = Vec::with_capacity(count);
        for _ in 0..count.max(1) {
            let c = rusqlite::Connection::open(path).map_err(internal)?;
            // query_only: this path must never write, whatever SQL reaches it.
            c.execute_batch(&format!(
                "PRAGMA query_only = ON; PRAGMA busy_timeout = 10000; PRAGMA cache_size = -{cache_kib}; PRAGMA temp_store = MEMORY;"
            ))
            .map_err(internal)?;
            if let Some(n) = mmap {
                c.execute_batch(&format!("PRAGMA mmap_size = {n};")).map_err(internal)?;
            }
            // Pages are built from a few dozen fixed statements, some with
            // a caller's org filter spelled into them.
            c.set_prepared_statement_cache_capacity(256);
            conns.push(Mutex::new(c));
        }
        Ok(Readers { conns, next: AtomicUsize::new(0) })
    }

    /// Runs the statement on a free read connection; `None` when every one
    /// is busy (the caller then goes through the pool rather than block an
    /// async worker thread waiting for one).
    fn try_run(&self, sql: &str, args: &[Arg]) -> Option<StoreResult<Vec<Row>>> {
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        let n = self.conns.len();
        let guard = (0..n).find_map(|k| match self.conns[(start + k) % n].try_lock() {
            Ok(g) => Some(g),
            // A statement that panicked mid-read leaves nothing half-done on a
            // read-only connection: it can be used again.
            Err(std::sync::TryLockError::Poisoned(e)) => Some(e.into_inner()),
            Err(std::sync::TryLockError::WouldBlock) => None,
        })?;
        Some(Self::run_on(&guard, sql, args))
    }

    fn run_on(conn: &rusqlite::Connection, sql: &str, args: &[Arg]) -> StoreResult<Vec<Row>> {
        let mut st = conn.prepare_cached(sql).map_err(internal)?;
        bind(&mut st, args)?;
        let columns = st.column_count();
        let mut rows = st.raw_query();
        let mut out = Vec::new();
        while let Some(r) = rows.next().map_err(internal)? {
            let mut cells = Vec::with_capacity(columns);
            for i in 0..columns {
                use rusqlite::types::ValueRef as V;
                cells.push(match r.get_ref(i).map_err(internal)? {
                    V::Null => Cell::Null,
                    V::Integer(v) => Cell::Int(v),
                    V::Real(v) => Cell::Real(v),
                    V::Text(t) => Cell::Text(String::from_utf8_lossy(t).into_owned()),
                    V::Blob(b) => Cell::Blob(b.to_vec()),
                });
            }
            out.push(Row(cells));
        }
        Ok(out)
    }
}

/// Binds `args` to `$N` parameters by the number in each name (SQLite numbers
/// named parameters in order of first appearance, so `$2` may be index 1),
/// and to `?` parameters by position.
fn bind(st: &mut rusqlite::Statement<'_>, args: &[Arg]) -> StoreResult<()> {
    for i in 1..=st.parameter_count() {
        let k = match st.parameter_name(i) {
            Some(name) => name
                .strip_prefix('$')
                .and_then(|n| n.parse::<usize>().ok())
                .ok_or_else(|| StoreError::Internal(format!("read parameter {name}: only $N is supported")))?,
            None => i,
        };
        let arg = args
            .get(k - 1)
            .ok_or_else(|| StoreError::Internal(format!("read parameter ${k}: {} values bound", args.len())))?;
        let r = match arg {
            Arg::NullInt | Arg::NullReal | Arg::NullText => st.raw_bind_parameter(i, rusqlite::types::Null),
            Arg::Int(v) => st.raw_bind_parameter(i, v),
            Arg::Real(v) => st.raw_bind_parameter(i, v),
            Arg::Text(v) => st.raw_bind_parameter(i, v.as_str()),
        };
        r.map_err(internal)?;
    }
    Ok(())
}

fn internal(e: rusqlite::Error) -> StoreError {
    StoreError::Internal(format!("sqlite: {e}"))
}

impl Db {
    /// Runs a read-only statement outside any transaction and returns its rows.
    /// For statements of well under a millisecond or so: on SQLite it runs on
    /// the calling thread. A read of thousands of rows takes [`Db::read_long`].
    pub async fn read(&self, sql: &str, args: &[Arg]) -> StoreResult<Vec<Row>> {
        if let Some(result) = self.readers.as_ref().and_then(|r| r.try_run(sql, args)) {
            return result;
        }
        self.read_long(sql, args).await
    }

    /// Like [`Db::read`], for a statement that may run long (an export of a
    /// whole subtree): always through the pool, whose SQLite connections
    /// work on threads of their own, so the async threads stay free for
    /// other requests meanwhile.
    pub async fn read_long(&self, sql: &str, args: &[Arg]) -> StoreResult<Vec<Row>> {
        let mut q = sqlx::query(sql);
        for a in args {
            q = match a {
                Arg::NullInt => q.bind(None::<i64>),
                Arg::NullReal => q.bind(None::<f64>),
                Arg::NullText => q.bind(None::<String>),
                Arg::Int(v) => q.bind(*v),
                Arg::Real(v) => q.bind(*v),
                Arg::Text(v) => q.bind(v.clone()),
            };
        }
        q.fetch_all(&self.pool).await?.iter().map(Row::from_any).collect()
    }

    /// The first row, if any.
    pub async fn read_opt(&self, sql: &str, args: &[Arg]) -> StoreResult<Option<Row>> {
        Ok(self.read(sql, args).await?.into_iter().next())
    }

    /// Exactly one row (an aggregate, a lookup that must exist).
    pub async fn read_one(&self, sql: &str, args: &[Arg]) -> StoreResult<Row> {
        self.read_opt(sql, args)
            .await?
            .ok_or_else(|| StoreError::Internal("a read that returns a row returned none".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_read_as_their_types_and_refuse_others() {
        let r = Row(vec![Cell::Int(7), Cell::Null, Cell::Text("a".into()), Cell::Real(1.5)]);
        assert_eq!(r.try_get::<i64>(0).unwrap(), 7);
        assert!(r.try_get::<bool>(0).unwrap());
        assert_eq!(r.try_get::<Option<i64>>(1).unwrap(), None);
        assert!(r.try_get::<i64>(1).is_err(), "NULL is not an integer");
        assert_eq!(r.try_get::<String>(2).unwrap(), "a");
        assert!(r.try_get::<i64>(2).is_err());
        assert_eq!(r.try_get::<f64>(3).unwrap(), 1.5);
        assert_eq!(r.try_get::<f64>(0).unwrap(), 7.0);
        assert!(r.try_get::<i64>(4).is_err(), "past the end");
    }

    #[test]
    fn named_parameters_bind_by_their_number() {
        let c = rusqlite::Connection::open_in_memory().unwrap();
        // `$2` appears first, so SQLite numbers it 1.
        let mut st = c.prepare("SELECT $2 - $1, $2").unwrap();
        bind(&mut st, args![1i64, 10i64]).unwrap();
        let mut rows = st.raw_query();
        let r = rows.next().unwrap().unwrap();
        assert_eq!(r.get::<_, i64>(0).unwrap(), 9);
        assert_eq!(r.get::<_, i64>(1).unwrap(), 10);
    }

    #[test]
    fn a_missing_value_is_an_error_not_a_null() {
        let c = rusqlite::Connection::open_in_memory().unwrap();
        let mut st = c.prepare("SELECT $1, $2").unwrap();
        assert!(bind(&mut st, args![1i64]).is_err());
    }

    #[test]
    fn busy_readers_hand_the_statement_back_instead_of_waiting() {
        let dir = std::env::temp_dir().join(format!("dangjian-readers-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("r.db");
        rusqlite::Connection::open(&path)
            .unwrap()
            .execute_batch("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (7);")
            .unwrap();
        let readers = Readers::open(&path, 2, 1024, None).unwrap();
        let rows = readers.try_run("SELECT x FROM t", args![]).expect("a free reader").unwrap();
        assert_eq!(rows[0].try_get::<i64>(0).unwrap(), 7);
        let held: Vec<_> = readers.conns.iter().map(|c| c.lock().unwrap()).collect();
        assert!(readers.try_run("SELECT x FROM t", args![]).is_none(), "all busy: no waiting");
        drop(held);
        assert!(readers.try_run("INSERT INTO t VALUES (8)", args![]).expect("a free reader").is_err(), "query-only");
        std::fs::remove_dir_all(&dir).ok();
    }
}
