//! `dangjian-bench`: the benchmark suite of issue 4, in one command.
//!
//! For each database it generates the synthetic group at the scale into a
//! fresh database, starts the real `dangjian serve` binary, and measures:
//! start time, the figures endpoints (cold and warm) beside the same
//! aggregates as one hand-written SQL query (the ceiling; the numbers must
//! agree or the run fails), a mixed authenticated read workload at 64
//! clients beside an axum hello-world (the framework ceiling), resident
//! memory under that load, the database size, and a roster import from
//! .xlsx. It prints a table and writes JSON.
//!
//! ```text
//! cargo build --release -p dangjian -p dangjian-bench
//! target/release/dangjian-bench --scale M --db both --out bench.json
//! ```
//!
//! The bench is a trusted operator's tool like the command line: it generates
//! data and creates its own admin through the unscoped system handle.
#![allow(clippy::disallowed_methods)]

mod ceiling;
mod load;
mod stats;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use chrono::NaiveDate;
use clap::Parser;
use dangjian_store::crypto::Crypto;
use dangjian_store::generate::Scale;
use dangjian_store::{Db, DEFAULT_TENANT};
use serde_json::{json, Value};
use sqlx::Row;

use crate::stats::{ms, Timings};

#[derive(Parser)]
#[command(name = "dangjian-bench", about = "The dangjian benchmark suite (issue 4)")]
struct Args {
    /// S (1,000 people, for CI), M (100,000) or L (1,000,000; PostgreSQL).
    #[arg(long, default_value = "S")]
    scale: String,
    /// sqlite, postgres or both.
    #[arg(long, default_value = "both")]
    db: String,
    /// Where the JSON report goes.
    #[arg(long, default_value = "bench.json")]
    out: PathBuf,
    /// A PostgreSQL URL whose user may create databases; the bench creates
    /// (and afterwards drops) `dangjian_bench_<scale>_<pid>` there.
    #[arg(long, env = "DANGJIAN_BENCH_PG_URL", default_value = "postgres://postgres@127.0.0.1:55432/postgres")]
    pg_url: String,
    /// Scratch directory for data directories and the roster workbook.
    #[arg(long, default_value = "target/bench-work")]
    work: PathBuf,
    /// The `dangjian` binary; by default the one next to this binary.
    #[arg(long)]
    server_bin: Option<PathBuf>,
    /// The hello-world binary; by default the one next to this binary.
    #[arg(long)]
    hello_bin: Option<PathBuf>,
    /// Warm runs per figures measurement.
    #[arg(long, default_value_t = 50)]
    runs: usize,
    /// Seconds of mixed load (after a fifth of that as warm-up).
    #[arg(long, default_value_t = 10.0)]
    duration: f64,
    #[arg(long, default_value_t = 64)]
    clients: usize,
    /// Roster rows to import (default: 100,000, or 1,000 at scale S).
    #[arg(long)]
    import_rows: Option<usize>,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Keep the PostgreSQL database afterwards.
    #[arg(long)]
    keep: bool,
    /// Reuse the database a previous run left (with --keep on PostgreSQL):
    /// no generation and no import, for profiling the server.
    #[arg(long)]
    reuse: bool,
}

const PASSWORD: &str = "bench-password-1";

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("dangjian-bench: FAILED: {e:#}");
        std::process::exit(1);
    }
}

async fn run() -> anyhow::Result<()> {
    let args = Args::parse();
    sqlx::any::install_default_drivers();
    let scale = match args.scale.to_ascii_uppercase().as_str() {
        "S" => Scale::S,
        "M" => Scale::M,
        "L" => Scale::L,
        s => bail!("unknown scale {s} (S, M or L)"),
    };
    let dbs: Vec<&str> = match args.db.as_str() {
        "sqlite" => vec!["sqlite"],
        "postgres" => vec!["postgres"],
        "both" => vec!["sqlite", "postgres"],
        d => bail!("unknown --db {d} (sqlite, postgres or both)"),
    };
    let exe_dir = std::env::current_exe()?.parent().context("no exe dir")?.to_path_buf();
    let server_bin = args.server_bin.clone().unwrap_or_else(|| exe_dir.join("dangjian"));
    let hello_bin = args.hello_bin.clone().unwrap_or_else(|| exe_dir.join("dangjian-bench-hello"));
    for b in [&server_bin, &hello_bin] {
        if !b.exists() {
            bail!("{} not found: build it first (cargo build --release -p dangjian -p dangjian-bench)", b.display());
        }
    }
    let mut results = Vec::new();
    for backend in dbs {
        println!("== {backend}, scale {} ==", scale.as_str());
        let r = bench_one(&args, scale, backend, &server_bin, &hello_bin).await;
        // The scratch database goes, whether the run passed or failed.
        if backend == "postgres" && !args.keep && !args.reuse {
            if let Ok(admin) = sqlx::AnyPool::connect(&args.pg_url).await {
                let drop = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", pg_name(&args, scale));
                let _ = sqlx::query(&drop).execute(&admin).await;
                admin.close().await;
            }
        }
        results.push(r.with_context(|| backend.to_string())?);
    }
    let report = json!({
        "scale": scale.as_str(),
        "machine": machine(),
        "command": std::env::args().collect::<Vec<_>>().join(" "),
        "results": results,
    });
    std::fs::write(&args.out, serde_json::to_string_pretty(&report)?)?;
    print_table(&report);
    println!("JSON written to {}", args.out.display());
    Ok(())
}

/// `dangjian_bench_<scale>` when kept for reuse; otherwise unique to this
/// process, so runs from several work trees can share one server.
fn pg_name(args: &Args, scale: Scale) -> String {
    let s = scale.as_str().to_ascii_lowercase();
    if args.keep || args.reuse {
        format!("dangjian_bench_{s}")
    } else {
        format!("dangjian_bench_{s}_{}", std::process::id())
    }
}

fn machine() -> Value {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_default();
    let mem_kb = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| s.lines().next().and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok()))
        .unwrap_or(0);
    json!({
        "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        "cpu": cpu,
        "ram_gib": (mem_kb as f64 / 1048576.0 * 10.0).round() / 10.0,
        "profile": if cfg!(debug_assertions) { "debug" } else { "release" },
    })
}

/// A running subprocess that is killed when dropped.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Proc {
    fn pid(&self) -> u32 {
        self.0.id()
    }
}

/// The 1-minute load average: the machine is shared, so a busy neighbour
/// shows up beside the figures.
fn loadavg() -> f64 {
    std::fs::read_to_string("/proc/loadavg").ok().and_then(|s| s.split_whitespace().next()?.parse().ok()).unwrap_or(0.0)
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Polls `url` until it answers 200; returns the time since `since`.
async fn wait_ready(http: &reqwest::Client, url: &str, since: Instant, child: &mut Proc) -> anyhow::Result<Duration> {
    loop {
        if let Ok(r) = http.get(url).send().await {
            if r.status().is_success() {
                return Ok(since.elapsed());
            }
        }
        if let Some(status) = child.0.try_wait()? {
            bail!("server exited before answering: {status}");
        }
        if since.elapsed() > Duration::from_secs(120) {
            bail!("server did not answer {url} within 120 s");
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// VmRSS and VmHWM of a process, in MiB.
fn rss_mib(pid: u32) -> (f64, f64) {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let get = |k: &str| {
        s.lines()
            .find(|l| l.starts_with(k))
            .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
            .map_or(0.0, |kb| (kb / 1024.0 * 10.0).round() / 10.0)
    };
    (get("VmRSS:"), get("VmHWM:"))
}

struct Target {
    label: &'static str,
    id: i64,
    name: String,
}

async fn bench_one(
    args: &Args,
    scale: Scale,
    backend: &str,
    server_bin: &Path,
    hello_bin: &Path,
) -> anyhow::Result<Value> {
    let load_before = loadavg();
    let data = args.work.join(format!("{backend}-{}", scale.as_str()));
    if data.exists() && !args.reuse {
        std::fs::remove_dir_all(&data)?;
    }
    std::fs::create_dir_all(&data)?;
    let data = data.canonicalize()?;
    let pg_name = pg_name(args, scale);
    let database_url = match backend {
        "sqlite" => None,
        _ if args.reuse => Some(replace_db(&args.pg_url, &pg_name)),
        _ => {
            let admin = sqlx::AnyPool::connect(&args.pg_url).await.context("PostgreSQL (--pg-url)")?;
            sqlx::query(&format!("DROP DATABASE IF EXISTS {pg_name} WITH (FORCE)")).execute(&admin).await?;
            sqlx::query(&format!("CREATE DATABASE {pg_name}")).execute(&admin).await?;
            admin.close().await;
            Some(replace_db(&args.pg_url, &pg_name))
        }
    };
    let url = database_url.clone().unwrap_or_else(|| Db::sqlite_url(&data));

    // ---- generate
    let db = Db::open(&url, Crypto::load(&data)?).await?;
    let sys = db.system(DEFAULT_TENANT);
    let (gen_s, people, branches, tables) = if args.reuse {
        (0.0, 0, 0, Vec::new())
    } else {
        let summary = sys.generate(scale, args.seed).await?;
        println!(
            "generated in {:.1} s: {} people, {} branches",
            summary.elapsed.as_secs_f64(),
            summary.people,
            summary.branches
        );
        sys.add_admin("bench", PASSWORD).await?;
        (summary.elapsed.as_secs_f64(), summary.people, summary.branches, summary.tables)
    };
    let today = chrono::Utc::now().date_naive();
    let from = today - chrono::Duration::days(365);
    let (from_s, to_s, today_s) = (iso(from), iso(today), iso(today));
    let targets = pick_targets(&db).await?;
    let urls = mixed_urls(&db, &targets).await?;
    let db_size = db_size(&db, &data).await?;
    db.close().await;

    // ---- start the server
    let http = load::client(args.clients);
    let port = free_port()?;
    let mut cmd = Command::new(server_bin);
    cmd.arg("serve").arg("--listen").arg(format!("127.0.0.1:{port}")).arg("--data").arg(&data);
    if let Some(u) = &database_url {
        cmd.arg("--database-url").arg(u);
    }
    cmd.env_remove("DANGJIAN_DATABASE_URL").env("DANGJIAN_ADMIN_PASSWORD", PASSWORD);
    cmd.stdout(Stdio::from(std::fs::File::create(data.join("serve.out"))?));
    cmd.stderr(Stdio::from(std::fs::File::create(data.join("serve.err"))?));
    let base = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    let mut server = Proc(cmd.spawn().context("starting dangjian serve")?);
    let start = wait_ready(&http, &format!("{base}/healthz"), started, &mut server).await?;
    println!("server answered after {:.0} ms", ms(start));
    let cookie = login(&http, &base).await?;

    // ---- figures, through HTTP and as the ceiling query
    let pool = sqlx::AnyPool::connect(&url).await?;
    let mut figures = Vec::new();
    let mut failures = Vec::new();
    for endpoint in ["tasks", "activities"] {
        for t in &targets {
            let path = format!("/api/v1/orgs/{}/stats/{endpoint}?from={from_s}&to={to_s}", t.id);
            let (status, body, cold) = get(&http, &base, &path, &cookie).await?;
            // The activities figures are being built beside this bench: before
            // they land the route does not exist (an admin sees every org, so
            // a 404 here can only mean that).
            if endpoint == "activities" && status == 404 {
                // The ceiling alone still says what the figures cost at this scale.
                let mut ceil = Vec::with_capacity(args.runs);
                let mut c = None;
                for _ in 0..args.runs.max(1) {
                    let t0 = Instant::now();
                    c = Some(ceiling::activities(&pool, t.id, &from_s, &to_s).await?);
                    ceil.push(t0.elapsed());
                }
                let c = c.expect("ran");
                let ceil = Timings::new(ceil);
                println!(
                    "  {endpoint:<10} {:<10} n/a (404: endpoint not built)  ceiling p50 {:>8.1} p99 {:>8.1}  ({} held)",
                    t.label,
                    ceil.p50_ms(),
                    ceil.p99_ms(),
                    c.by_kind.values().sum::<i64>()
                );
                figures.push(json!({"endpoint": endpoint, "org": t.label, "org_id": t.id, "status": "n/a (404: endpoint not built)",
                    "ceiling_p50_ms": ceil.p50_ms(), "ceiling_p99_ms": ceil.p99_ms(),
                    "ceiling_figures": {"held": c.by_kind.values().sum::<i64>(), "attendance_rate": c.attendance_rate(),
                        "study": c.study, "recordings": c.recordings, "recordings_bytes": c.recordings_bytes}}));
                continue;
            }
            if status != 200 {
                bail!("GET {path}: HTTP {status}: {body}");
            }
            let mut warm = Vec::with_capacity(args.runs);
            for _ in 0..args.runs {
                let (s, _, d) = get(&http, &base, &path, &cookie).await?;
                if s != 200 {
                    bail!("GET {path}: HTTP {s}");
                }
                warm.push(d);
            }
            let warm = Timings::new(warm);
            let v: Value = serde_json::from_str(&body)?;
            let mut ceil = Vec::with_capacity(args.runs);
            let check: anyhow::Result<Value> = if endpoint == "tasks" {
                let mut c = None;
                for _ in 0..args.runs.max(1) {
                    let t0 = Instant::now();
                    c = Some(ceiling::tasks(&pool, t.id, &from_s, &to_s, &today_s).await?);
                    ceil.push(t0.elapsed());
                }
                let c = c.expect("ran");
                ceiling::check_tasks(&v, &c)
                    .map(|()| json!({"total": c.total[0], "closed": c.total[1], "overdue": c.total[3]}))
            } else {
                let mut c = None;
                for _ in 0..args.runs.max(1) {
                    let t0 = Instant::now();
                    c = Some(ceiling::activities(&pool, t.id, &from_s, &to_s).await?);
                    ceil.push(t0.elapsed());
                }
                let c = c.expect("ran");
                ceiling::check_activities(&v, &c)
                    .map(|checked| json!({"held": c.by_kind.values().sum::<i64>(), "attendance_rate": c.attendance_rate(), "checked": checked}))
            };
            let ceil = Timings::new(ceil);
            let agrees = match check {
                Ok(v) => v,
                Err(e) => {
                    failures.push(format!("{endpoint} {} ({}): {e:#}", t.label, t.id));
                    json!({"error": format!("{e:#}")})
                }
            };
            let ratio = if ceil.p50_ms() > 0.0 { (warm.p50_ms() / ceil.p50_ms() * 100.0).round() / 100.0 } else { 0.0 };
            println!(
                "  {endpoint:<10} {:<10} cold {:>8.1} ms  warm p50 {:>8.1} p99 {:>8.1}  ceiling p50 {:>8.1}  ratio {ratio:.2}",
                t.label,
                ms(cold),
                warm.p50_ms(),
                warm.p99_ms(),
                ceil.p50_ms()
            );
            figures.push(json!({
                "endpoint": endpoint, "org": t.label, "org_id": t.id, "org_name": t.name, "status": "ok",
                "cold_ms": ms(cold), "warm_p50_ms": warm.p50_ms(), "warm_p99_ms": warm.p99_ms(),
                "ceiling_p50_ms": ceil.p50_ms(), "ceiling_p99_ms": ceil.p99_ms(), "ratio_p50": ratio,
                "figures": agrees,
            }));
        }
    }
    pool.close().await;

    // ---- mixed reads, sampling the server's memory meanwhile
    let pid = server.pid();
    let sampling = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let sampler = {
        let sampling = sampling.clone();
        tokio::spawn(async move {
            let mut peak: f64 = 0.0;
            while sampling.load(std::sync::atomic::Ordering::Relaxed) {
                peak = peak.max(rss_mib(pid).0);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            peak
        })
    };
    let dur = Duration::from_secs_f64(args.duration);
    let app = load::run(&http, &base, Some(&cookie), &urls, args.clients, dur / 5, dur).await;
    sampling.store(false, std::sync::atomic::Ordering::Relaxed);
    let rss_under_load = sampler.await?;
    let (rss_after, rss_peak) = rss_mib(pid);
    println!(
        "  mixed reads: {:.0} req/s, p50 {:.1} ms, p99 {:.1} ms, {} errors; RSS under load {rss_under_load} MiB (peak {rss_peak})",
        app.requests_per_s, app.p50_ms, app.p99_ms, app.errors
    );
    for (route, n, p50, p99) in app.routes.iter().take(8) {
        println!("    {route:<40} {n:>7} req  p50 {p50:>7.1} ms  p99 {p99:>7.1} ms");
    }
    if app.errors > 0 {
        failures.push(format!(
            "mixed reads: {} failed requests, first: {}",
            app.errors,
            app.first_error.clone().unwrap_or_default()
        ));
    }
    drop(server);

    // ---- the framework ceiling
    let hport = free_port()?;
    let mut hello =
        Proc(Command::new(hello_bin).arg(format!("127.0.0.1:{hport}")).stdout(Stdio::null()).spawn().context("hello")?);
    let hbase = format!("http://127.0.0.1:{hport}");
    wait_ready(&http, &format!("{hbase}/"), Instant::now(), &mut hello).await?;
    let hello_r = load::run(&http, &hbase, None, &["/".to_string()], args.clients, dur / 5, dur).await;
    drop(hello);
    println!(
        "  hello-world: {:.0} req/s, p50 {:.1} ms, p99 {:.1} ms",
        hello_r.requests_per_s, hello_r.p50_ms, hello_r.p99_ms
    );

    // ---- roster import from .xlsx, as `dangjian import members` does it
    let rows = args.import_rows.unwrap_or(if scale == Scale::S { 1_000 } else { 100_000 });
    let import = if args.reuse { json!(null) } else { import(&url, &data, rows).await? };

    if let Some(u) = &database_url {
        if args.keep || args.reuse {
            println!("  kept {u}");
        }
    }
    if !failures.is_empty() {
        for f in &failures {
            eprintln!("MISMATCH/ERROR: {f}");
        }
        bail!("{} check(s) failed", failures.len());
    }
    Ok(json!({
        "db": backend,
        "loadavg_before": load_before,
        "loadavg_after": loadavg(),
        "generate_s": (gen_s * 10.0).round() / 10.0,
        "people": people,
        "branches": branches,
        "tables": tables.iter().map(|(t, n)| json!([t, n])).collect::<Vec<_>>(),
        "db_size_mib": db_size,
        "start_ms": ms(start),
        "figures": figures,
        "mixed": app,
        "hello": hello_r,
        "mixed_vs_hello": if hello_r.requests_per_s > 0.0 { (app.requests_per_s / hello_r.requests_per_s * 1000.0).round() / 1000.0 } else { 0.0 },
        "rss_under_load_mib": rss_under_load,
        "rss_peak_mib": rss_peak,
        "rss_after_load_mib": rss_after,
        "import": import,
        "mixed_urls": urls.len(),
    }))
}

fn iso(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// The same server and credentials, another database name.
fn replace_db(url: &str, name: &str) -> String {
    let (head, query) = match url.split_once('?') {
        Some((h, q)) => (h, Some(q)),
        None => (url, None),
    };
    let base = match head.rfind('/') {
        Some(i) if i > "postgres://".len() => &head[..i],
        _ => head,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

async fn login(http: &reqwest::Client, base: &str) -> anyhow::Result<String> {
    let r = http
        .post(format!("{base}/api/v1/login"))
        .json(&json!({"username": "bench", "password": PASSWORD}))
        .send()
        .await?;
    if !r.status().is_success() {
        bail!("login: HTTP {}", r.status());
    }
    let cookie = r
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("dj_session="))
        .context("no session cookie")?;
    Ok(cookie.split(';').next().unwrap_or("").to_string())
}

async fn get(http: &reqwest::Client, base: &str, path: &str, cookie: &str) -> anyhow::Result<(u16, String, Duration)> {
    let t0 = Instant::now();
    let r = http.get(format!("{base}{path}")).header(reqwest::header::COOKIE, cookie).send().await?;
    let status = r.status().as_u16();
    let body = r.text().await?;
    Ok((status, body, t0.elapsed()))
}

/// The group root, its largest enterprise (by orgs below it) and the branch
/// with the most people.
async fn pick_targets(db: &Db) -> anyhow::Result<Vec<Target>> {
    let pool = db.pool();
    let root: (i64, String) = {
        let r = sqlx::query("SELECT id, name FROM orgs WHERE tenant_id = 1 AND parent_id IS NULL ORDER BY id LIMIT 1")
            .fetch_one(pool)
            .await?;
        (r.try_get(0)?, r.try_get(1)?)
    };
    let ent = sqlx::query(
        "SELECT o.id, o.name, COUNT(*) FROM orgs o JOIN org_closure c ON c.tenant_id = o.tenant_id AND c.ancestor_id = o.id \
         WHERE o.tenant_id = 1 AND o.parent_id = $1 GROUP BY o.id, o.name ORDER BY 3 DESC, 1 LIMIT 1",
    )
    .bind(root.0)
    .fetch_one(pool)
    .await?;
    let branch = sqlx::query(
        "SELECT o.id, o.name, COUNT(*) FROM orgs o JOIN people p ON p.tenant_id = o.tenant_id AND p.org_id = o.id \
         WHERE o.tenant_id = 1 AND o.dissolved_on IS NULL GROUP BY o.id, o.name ORDER BY 3 DESC, 1 LIMIT 1",
    )
    .fetch_one(pool)
    .await?;
    Ok(vec![
        Target { label: "root", id: root.0, name: root.1 },
        Target { label: "enterprise", id: ent.try_get(0)?, name: ent.try_get(1)? },
        Target { label: "branch", id: branch.try_get(0)?, name: branch.try_get(1)? },
    ])
}

/// The mixed read workload: what party-affairs workers open most. Branch-level
/// pages dominate, enterprise-level ones are rarer, the group root rare.
async fn mixed_urls(db: &Db, targets: &[Target]) -> anyhow::Result<Vec<String>> {
    let pool = db.pool();
    let ids = |sql: &'static str| async move {
        sqlx::query(sql).fetch_all(pool).await?.iter().map(|r| r.try_get::<i64, _>(0)).collect::<Result<Vec<i64>, _>>()
    };
    let branches = ids(
        "SELECT id FROM orgs WHERE tenant_id = 1 AND kind = 'branch' AND dissolved_on IS NULL AND id % 7 = 0 ORDER BY id LIMIT 400",
    )
    .await?;
    let ents = ids(
        "SELECT id FROM orgs WHERE tenant_id = 1 AND parent_id = (SELECT MIN(id) FROM orgs WHERE tenant_id = 1 AND parent_id IS NULL) ORDER BY id",
    )
    .await?;
    let tasks = ids("SELECT id FROM tasks WHERE tenant_id = 1 AND id % 13 = 0 ORDER BY id LIMIT 400").await?;
    if branches.is_empty() || ents.is_empty() || tasks.is_empty() {
        bail!("the generated group has no branches, enterprises or tasks to read");
    }
    let today = chrono::Utc::now().date_naive();
    let (from, to) = (iso(today - chrono::Duration::days(365)), iso(today));
    let mut urls = Vec::new();
    for i in 0..400 {
        let b = branches[i % branches.len()];
        let e = ents[i % ents.len()];
        let t = tasks[i % tasks.len()];
        // 20 requests per round: 14 branch-level, 5 enterprise-level, 1 task page.
        urls.push(format!("/orgs/{b}"));
        urls.push(format!("/orgs/{b}/roster"));
        urls.push(format!("/api/v1/orgs/{b}/members?per_page=50"));
        urls.push(format!("/api/v1/orgs/{b}"));
        urls.push(format!("/api/v1/orgs/{b}/stats/tasks?from={from}&to={to}"));
        urls.push(format!("/api/v1/tasks/{t}"));
        urls.push(format!("/tasks/{t}"));
        urls.push(format!("/orgs/{b}/roster?page=1"));
        urls.push(format!("/api/v1/orgs/{b}/children"));
        urls.push(format!("/api/v1/orgs/{b}/terms"));
        urls.push(format!("/api/v1/orgs/{b}/office-holders"));
        urls.push(format!("/orgs/{b}/lists"));
        urls.push(format!("/api/v1/lists?org={b}"));
        urls.push(format!("/api/v1/orgs/{b}/board"));
        urls.push(format!("/orgs/{e}"));
        urls.push(format!("/api/v1/orgs/{e}/children"));
        urls.push(format!("/api/v1/orgs/{e}/members?per_page=50"));
        urls.push(format!("/api/v1/orgs/{e}/stats/tasks?from={from}&to={to}"));
        urls.push(format!("/api/v1/lists?org={e}"));
        if i % 4 == 0 {
            urls.push(format!("/orgs/{}", targets[0].id));
        } else {
            urls.push(format!("/api/v1/orgs/{e}"));
        }
    }
    Ok(urls)
}

async fn db_size(db: &Db, data: &Path) -> anyhow::Result<f64> {
    let bytes = match db.backend() {
        dangjian_store::Backend::Sqlite => ["dangjian.db", "dangjian.db-wal", "dangjian.db-shm"]
            .iter()
            .map(|f| std::fs::metadata(data.join(f)).map(|m| m.len()).unwrap_or(0))
            .sum::<u64>() as i64,
        dangjian_store::Backend::Postgres => sqlx::query("SELECT CAST(pg_database_size(current_database()) AS BIGINT)")
            .fetch_one(db.pool())
            .await?
            .try_get(0)?,
    };
    Ok((bytes as f64 / 1048576.0 * 10.0).round() / 10.0)
}

/// Writes a roster of `rows` new people over every active branch (named by
/// full path, which always resolves), then parses and imports it into the
/// group root the way `dangjian import members` does, timing both.
async fn import(url: &str, data: &Path, rows: usize) -> anyhow::Result<Value> {
    use dangjian_domain::id_number::synthesize;
    use dangjian_domain::person::{Gender, MemberStatus, StageDates, TalentPool};
    let db = Db::open(url, Crypto::load(data)?).await?;
    let sys = db.system(DEFAULT_TENANT);
    let p = sys.cli_principal();
    let s = db.scoped(&p);
    let root = s.roots().await?.first().context("no root")?.id;
    let orgs = s.subtree(root).await?;
    let by_id: std::collections::HashMap<i64, &dangjian_store::orgs::Org> = orgs.iter().map(|o| (o.id, o)).collect();
    let branches: Vec<String> = orgs
        .iter()
        .filter(|o| o.dissolved_on.is_none() && o.kind() == dangjian_domain::org::OrgKind::Branch)
        .map(|o| {
            let mut chain = vec![o.name.clone()];
            let mut cur = o.parent_id;
            while let Some(id) = cur {
                let Some(p) = by_id.get(&id) else { break };
                chain.push(p.name.clone());
                cur = p.parent_id;
            }
            chain.reverse();
            chain.join("/")
        })
        .collect();
    let day0 = NaiveDate::from_ymd_opt(1965, 1, 1).expect("a date");
    let export: Vec<dangjian_excel::ExportRow> = (0..rows)
        .map(|i| {
            // Area 990000 is no real area: these never collide with generated people.
            let id = synthesize(
                990000 + (i / 1_000_000) as u32,
                day0 + chrono::Duration::days((i / 1000) as i64),
                (i % 1000) as u32,
            );
            let status = if i % 10 < 8 { MemberStatus::Full } else { MemberStatus::ALL[i % 5] };
            let joined = NaiveDate::from_ymd_opt(2000 + (i % 20) as i32, 7, 1).expect("a date");
            dangjian_excel::ExportRow {
                name: format!("导入{}", i),
                gender: if id.is_male() { Gender::Male } else { Gender::Female },
                id_number: id.as_str().to_string(),
                phone: Some(format!("139{:08}", i)),
                status,
                dates: StageDates {
                    probationary_on: (status >= MemberStatus::Probationary).then_some(joined),
                    full_on: (status >= MemberStatus::Full).then_some(joined + chrono::Duration::days(365)),
                    ..Default::default()
                },
                branch: branches[i % branches.len()].clone(),
                cell: None,
                work_unit: Some(format!("第{}车间", i % 50)),
                position: Some("操作工".to_string()),
                talent_pool: Some(TalentPool::ALL[i % 4]),
                workers_representative: i % 50 == 0,
            }
        })
        .collect();
    let bytes = dangjian_excel::export(&export);
    let file = data.join("roster.xlsx");
    std::fs::write(&file, &bytes)?;
    let t0 = Instant::now();
    let bytes = std::fs::read(&file)?;
    let parsed = dangjian_excel::parse(&bytes).map_err(|e| anyhow::anyhow!("parse: {e:?}"))?;
    let parse_s = t0.elapsed().as_secs_f64();
    let summary = s.import_roster(root, parsed).await.map_err(|e| anyhow::anyhow!("import: {e:?}"))?;
    let total = t0.elapsed().as_secs_f64();
    if summary.created != rows {
        bail!("import created {} of {rows} rows", summary.created);
    }
    println!("  import of {rows} rows: {total:.2} s (parse {parse_s:.2} s)");
    db.close().await;
    Ok(
        json!({"rows": rows, "seconds": (total * 100.0).round() / 100.0, "parse_seconds": (parse_s * 100.0).round() / 100.0,
        "xlsx_mib": (bytes.len() as f64 / 1048576.0 * 10.0).round() / 10.0}),
    )
}

fn print_table(report: &Value) {
    let f = |v: &Value| v.as_f64().map_or("-".to_string(), |x| format!("{x:.1}"));
    println!();
    println!("scale {}  machine {}", report["scale"].as_str().unwrap_or(""), report["machine"]);
    for r in report["results"].as_array().into_iter().flatten() {
        println!(
            "--- {} --- (load average {} before, {} after)",
            r["db"].as_str().unwrap_or(""),
            r["loadavg_before"],
            r["loadavg_after"]
        );
        println!("{:<34}{:>10}", "generate (s)", f(&r["generate_s"]));
        println!("{:<34}{:>10}", "database size (MiB)", f(&r["db_size_mib"]));
        println!("{:<34}{:>10}", "start to first 200 (ms)", f(&r["start_ms"]));
        println!(
            "{:<34}{:>10}  ({} rows, parse {} s)",
            "import (s)",
            f(&r["import"]["seconds"]),
            r["import"]["rows"],
            f(&r["import"]["parse_seconds"])
        );
        println!(
            "{:<34}{:>10} {:>10} {:>10} {:>10} {:>10} {:>7}",
            "figures (ms)", "cold", "warm p50", "warm p99", "ceil p50", "ceil p99", "ratio"
        );
        for x in r["figures"].as_array().into_iter().flatten() {
            let name = format!("  {} {}", x["endpoint"].as_str().unwrap_or(""), x["org"].as_str().unwrap_or(""));
            if x["status"] != "ok" {
                println!(
                    "{name:<34}{:>10} {:>10} {:>10} {:>10} {:>10}",
                    "n/a",
                    "n/a",
                    "n/a",
                    f(&x["ceiling_p50_ms"]),
                    f(&x["ceiling_p99_ms"])
                );
                continue;
            }
            println!(
                "{name:<34}{:>10} {:>10} {:>10} {:>10} {:>10} {:>7}",
                f(&x["cold_ms"]),
                f(&x["warm_p50_ms"]),
                f(&x["warm_p99_ms"]),
                f(&x["ceiling_p50_ms"]),
                f(&x["ceiling_p99_ms"]),
                x["ratio_p50"].as_f64().map_or("-".into(), |v| format!("{v:.2}"))
            );
        }
        for (label, k) in [("mixed reads", "mixed"), ("axum hello-world", "hello")] {
            println!(
                "{:<34}{:>10} req/s  p50 {} ms  p99 {} ms  ({} clients)",
                label,
                f(&r[k]["requests_per_s"]),
                f(&r[k]["p50_ms"]),
                f(&r[k]["p99_ms"]),
                r[k]["clients"]
            );
        }
        println!("{:<34}{:>10}", "mixed / hello-world", r["mixed_vs_hello"]);
        println!("{:<34}{:>10}  (peak {})", "RSS under load (MiB)", f(&r["rss_under_load_mib"]), f(&r["rss_peak_mib"]));
    }
}
