//! The `dangjian` binary: wires configuration, the database and the web
//! layer together, and offers the administrative commands (`verify` re-hashes
//! every stored file: recordings in the blob store and task evidence).
//!
//! This is one of the two places allowed to use the unscoped
//! `Db::system` handle (the other is the web layer's auth module): the
//! person at the command line is the system's operator.
#![allow(clippy::disallowed_methods)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context};
use clap::{Args, Parser, Subcommand};
use dangjian_domain::role::Role;
use dangjian_domain::Locale;
use dangjian_store::blobs::BlobStore;
use dangjian_store::crypto::Crypto;
use dangjian_store::{Db, StoreError, DEFAULT_TENANT};

/// mimalloc instead of glibc malloc: a page allocates and frees thousands of
/// small values (rows, strings, HTML) across threads, where glibc spent ~17%
/// of the server's CPU under load (docs/PERFORMANCE.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "dangjian", version, about = "党建工作体系平台 / party-building work platform")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
struct DbArgs {
    /// Data directory: the SQLite database and the encryption key live here.
    #[arg(long = "data", default_value = "./dangjian-data", env = "DANGJIAN_DATA")]
    data: PathBuf,
    /// A PostgreSQL URL (postgres://…); without it the embedded SQLite is used.
    #[arg(long = "database-url", env = "DANGJIAN_DATABASE_URL")]
    database_url: Option<String>,
    /// Where recordings' bytes live: `s3://bucket/prefix?endpoint=…&region=…`
    /// (credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY), a
    /// directory, or by default `<data>/blobs`.
    #[arg(long = "blob-url", env = "DANGJIAN_BLOB_URL")]
    blob_url: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server.
    Serve {
        #[arg(long, default_value = "127.0.0.1:8080", env = "DANGJIAN_LISTEN")]
        listen: SocketAddr,
        #[command(flatten)]
        db: DbArgs,
        /// Load the demo group into an empty database.
        #[arg(long)]
        demo: bool,
        /// Mark cookies Secure (serve behind HTTPS).
        #[arg(long)]
        secure_cookies: bool,
    },
    /// Manage accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Import data from Excel.
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// Export data to Excel.
    Export {
        #[command(subcommand)]
        command: ExportCommand,
    },
    /// Check the audit trail's hash chain.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Re-hash every stored file (recordings and task evidence) and report
    /// missing or damaged ones with their records; exits non-zero if any.
    Verify {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Refill the derived sums behind the figures (roll-ups) and the orgs'
    /// people counts from the records.
    /// The product keeps them on every write; this is for after editing the
    /// database by hand or restoring part of it.
    Rebuild {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Fill an empty database with a deterministic synthetic group (for benchmarks).
    Gen {
        /// S: 1,000 people in 50 branches; M: 100,000 in 5,000; L: 1,000,000 in 50,000 (PostgreSQL).
        #[arg(long, value_enum, ignore_case = true)]
        scale: Scale,
        /// The same seed (on the same day) gives the same group.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Scale {
    S,
    M,
    L,
}

impl From<Scale> for dangjian_store::generate::Scale {
    fn from(s: Scale) -> Self {
        match s {
            Scale::S => dangjian_store::generate::Scale::S,
            Scale::M => dangjian_store::generate::Scale::M,
            Scale::L => dangjian_store::generate::Scale::L,
        }
    }
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add an account with one role granted at an org.
    Add {
        username: String,
        /// admin, committee_staff, branch_secretary or member.
        #[arg(long)]
        role: String,
        /// The org the role is granted at (covers its subtree).
        #[arg(long)]
        org: i64,
        /// Name of the environment variable holding the password.
        #[arg(long = "password-env")]
        password_env: String,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Import a member roster (.xlsx): all rows or none.
    Members {
        file: PathBuf,
        #[arg(long)]
        org: i64,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Subcommand)]
enum ExportCommand {
    /// Export the roster of an org's subtree (.xlsx, the import layout).
    Members {
        #[arg(long)]
        org: i64,
        #[arg(short = 'o', long = "output")]
        output: PathBuf,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Re-hash the whole chain and report the first break, if any.
    Verify {
        #[command(flatten)]
        db: DbArgs,
    },
}

async fn open(args: &DbArgs) -> anyhow::Result<Db> {
    std::fs::create_dir_all(&args.data)
        .with_context(|| format!("cannot create the data directory {}", args.data.display()))?;
    let crypto = Crypto::load(&args.data).map_err(|e| anyhow::anyhow!("{e}"))?;
    let url = match &args.database_url {
        Some(u) => u.clone(),
        None => Db::sqlite_url(&args.data),
    };
    Db::open(&url, crypto).await.map_err(|e| anyhow::anyhow!("cannot open the database: {e}"))
}

/// Creates the `admin` account on first start.
async fn ensure_admin(db: &Db) -> anyhow::Result<()> {
    let sys = db.system(DEFAULT_TENANT);
    if sys.user_exists("admin").await? {
        return Ok(());
    }
    let (password, generated) = match std::env::var("DANGJIAN_ADMIN_PASSWORD") {
        Ok(p) if !p.is_empty() => (p, false),
        _ => {
            use rand::Rng;
            const CHARS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
            let mut rng = rand::thread_rng();
            ((0..16).map(|_| CHARS[rng.gen_range(0..CHARS.len())] as char).collect(), true)
        }
    };
    sys.add_admin("admin", &password).await?;
    if generated {
        println!("初始管理员账号 admin 已创建，密码（只显示这一次）/ initial admin password (shown once): {password}");
    } else {
        println!("初始管理员账号 admin 已创建，密码取自 DANGJIAN_ADMIN_PASSWORD / admin created with the password from DANGJIAN_ADMIN_PASSWORD");
    }
    Ok(())
}

fn explain(e: StoreError) -> anyhow::Error {
    match &e {
        StoreError::Validation(fields) => anyhow::anyhow!(
            "{}",
            fields.iter().map(|(f, c)| format!("{f}: {}", c.message(Locale::ZhCn))).collect::<Vec<_>>().join("; ")
        ),
        _ => anyhow::anyhow!("{} ({})", e.code().message(Locale::ZhCn), e),
    }
}

async fn serve(listen: SocketAddr, db: DbArgs, demo: bool, secure_cookies: bool) -> anyhow::Result<()> {
    let started = Instant::now();
    let database = open(&db).await?;
    ensure_admin(&database).await?;
    if demo {
        let t = Instant::now();
        let group = dangjian_demo::demo_group(dangjian_demo::DEFAULT_SEED);
        match database.system(DEFAULT_TENANT).load_demo(&group).await.map_err(explain)? {
            Some(l) => println!(
                "演示数据已载入 / demo loaded: {} orgs, {} people, {} history events in {:.1?}",
                l.orgs,
                l.people,
                l.events,
                t.elapsed()
            ),
            None => println!("数据库已有组织，未载入演示数据 / the database already has orgs; demo not loaded"),
        }
        let today = chrono::Utc::now().date_naive();
        if let Some(w) = database.system(DEFAULT_TENANT).load_demo_work(today).await.map_err(explain)? {
            println!(
                "演示工作体系已载入 / demo work systems: {} frameworks, {} lists, {} tasks, {} supervision notices",
                w.frameworks, w.lists, w.tasks, w.notices
            );
        }
    }
    let mut state = dangjian_web::AppState::new(database.clone());
    state.secure_cookies = secure_cookies;
    state.data_dir = db.data.clone();
    let blobs = blob_store(&db)?;
    println!("影像文件存储 / recordings stored in {}", blobs.location());
    state.blobs = Some(blobs);
    // Escalation (督办): at start and every hour. Each run is idempotent, so a
    // restart or a second server changes nothing that was already done.
    let job_db = database.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            every.tick().await;
            let today = chrono::Utc::now().date_naive();
            match job_db.system(DEFAULT_TENANT).run_escalation(today).await {
                Ok(0) => {}
                Ok(n) => tracing::info!("escalation: {n} supervision notices issued"),
                Err(e) => tracing::error!("escalation job failed: {e}"),
            }
        }
    });
    let app = dangjian_web::router(state);
    let listener = tokio::net::TcpListener::bind(listen).await.with_context(|| format!("cannot listen on {listen}"))?;
    println!(
        "dangjian 已启动 / listening on http://{} ({}, ready in {:.0?})",
        listener.local_addr()?,
        database.backend().as_str(),
        started.elapsed()
    );
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    database.close().await;
    Ok(())
}

async fn generate(scale: Scale, seed: u64, db: DbArgs) -> anyhow::Result<()> {
    let scale = dangjian_store::generate::Scale::from(scale);
    let database = open(&db).await?;
    if scale == dangjian_store::generate::Scale::L && database.backend() == dangjian_store::Backend::Sqlite {
        println!("注意 / note: scale L is meant for PostgreSQL (--database-url); on SQLite it works but takes a while");
    }
    println!(
        "生成中 / generating: scale {}, seed {seed}, {} ({} people, {} branches) …",
        scale.as_str(),
        database.backend().as_str(),
        scale.people(),
        scale.branches()
    );
    let summary = match database.system(DEFAULT_TENANT).generate(scale, seed).await {
        Ok(s) => s,
        Err(StoreError::Conflict(dangjian_domain::Code::DatabaseNotEmpty)) => bail!(
            "{} (use an empty --data directory or a fresh --database-url)",
            dangjian_domain::Code::DatabaseNotEmpty.message(Locale::ZhCn)
        ),
        Err(e) => return Err(explain(e)),
    };
    ensure_admin(&database).await?;
    println!(
        "生成完成 / generated in {:.1?}: {} enterprises, {} active branches, {} people ({} members), history {} – {}",
        summary.elapsed,
        summary.enterprises,
        summary.branches,
        summary.people,
        summary.members,
        summary.history_from,
        summary.as_of
    );
    for (table, n) in &summary.tables {
        println!("  {table:<22}{n:>12}");
    }
    for s in &summary.skipped {
        println!("未生成 / skipped: {s}");
    }
    database.close().await;
    if db.database_url.is_none() {
        let file = db.data.join("dangjian.db");
        let size = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
        println!("数据库文件 / database file: {} ({:.1} MB)", file.display(), size as f64 / 1_048_576.0);
    }
    Ok(())
}

fn blob_store(db: &DbArgs) -> anyhow::Result<BlobStore> {
    BlobStore::from_config(db.blob_url.as_deref(), &db.data)
        .map_err(|e| anyhow::anyhow!("cannot open the blob store: {e}"))
}

/// `dangjian verify`: every stored file against its SHA-256.
async fn rebuild(db: DbArgs) -> anyhow::Result<()> {
    let database = open(&db).await?;
    let t = Instant::now();
    database.rebuild_rollups(DEFAULT_TENANT).await.map_err(explain)?;
    database.system(DEFAULT_TENANT).rebuild_people_counts().await.map_err(explain)?;
    println!("已重算 / rebuilt: figures' roll-ups and people counts in {:.1?}", t.elapsed());
    database.close().await;
    Ok(())
}

async fn verify(db: DbArgs) -> anyhow::Result<()> {
    let database = open(&db).await?;
    let blobs = blob_store(&db)?;
    let t = Instant::now();
    let report = database.system(DEFAULT_TENANT).verify_blobs(&blobs, &db.data.join("files")).await.map_err(explain)?;
    println!(
        "已检查 / checked: {} files, {:.1} MB in {:.1?} ({}; evidence in {})",
        report.checked,
        report.bytes as f64 / 1_048_576.0,
        t.elapsed(),
        blobs.location(),
        db.data.join("files").display()
    );
    println!("缺失 / missing: {}", report.missing.len());
    println!("损坏 / corrupted: {}", report.corrupted.len());
    for (what, list) in [("缺失 / missing", &report.missing), ("损坏 / corrupted", &report.corrupted)] {
        for p in list {
            let owner = match (p.activity_id, p.task_id) {
                (Some(a), _) => format!("activity {a} {}", p.activity_topic.as_deref().unwrap_or("")),
                (None, Some(t)) => format!("task {t}"),
                (None, None) => "unattached".to_string(),
            };
            println!(
                "  {what}: {} {} \"{}\" sha256 {} · {} · org {} {}{}",
                p.record,
                p.id,
                p.name,
                p.sha256,
                owner.trim_end(),
                p.org_id,
                p.org_name,
                if p.deleted { " (deleted)" } else { "" }
            );
        }
    }
    if report.temporaries > 0 {
        println!("未完成的临时上传 / temporary uploads left by interrupted uploads: {}", report.temporaries);
    }
    database.close().await;
    if report.ok() {
        println!("全部完好 / all files intact");
        Ok(())
    } else {
        bail!("{} missing, {} corrupted", report.missing.len(), report.corrupted.len())
    }
}

fn read_file(path: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

#[tokio::main]
async fn main() {
    // Errors are for people at a terminal: the message, not a backtrace.
    if let Err(e) = run().await {
        eprintln!("错误 / error: {e:#}");
        std::process::exit(1);
    }
}

async fn run() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn,tower_http=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match cli.command {
        Command::Serve { listen, db, demo, secure_cookies } => serve(listen, db, demo, secure_cookies).await,
        Command::User { command: UserCommand::Add { username, role, org, password_env, db } } => {
            let role = Role::parse(&role).map_err(|c| anyhow::anyhow!("--role: {}", c.message(Locale::ZhCn)))?;
            let password = std::env::var(&password_env)
                .with_context(|| format!("environment variable {password_env} is not set"))?;
            let database = open(&db).await?;
            ensure_admin(&database).await?;
            let id =
                database.system(DEFAULT_TENANT).add_user(&username, &password, role, org).await.map_err(explain)?;
            println!("用户已创建 / user created: {username} (id {id}), {} @ org {org}", role.as_str());
            Ok(())
        }
        Command::Import { command: ImportCommand::Members { file, org, db } } => {
            let bytes = read_file(&file)?;
            let database = open(&db).await?;
            let t = Instant::now();
            let rows = match dangjian_excel::parse(&bytes) {
                Ok(rows) => rows,
                Err(dangjian_excel::ParseError::Rows(errors)) => return Err(report_rows(&errors)),
                Err(e) => bail!("{}：{e}", e.code().message(Locale::ZhCn)),
            };
            let parsed = t.elapsed();
            let principal = database.system(DEFAULT_TENANT).cli_principal();
            match database.scoped(&principal).import_roster(org, rows).await {
                Ok(s) => {
                    println!(
                        "导入成功 / imported: {} rows ({} new, {} updated) in {:.2?} (parse {:.2?})",
                        s.rows,
                        s.created,
                        s.updated,
                        t.elapsed(),
                        parsed
                    );
                    Ok(())
                }
                Err(StoreError::ImportRows(errors)) => Err(report_rows(&errors)),
                Err(e) => Err(explain(e)),
            }
        }
        Command::Export { command: ExportCommand::Members { org, output, db } } => {
            let database = open(&db).await?;
            let principal = database.system(DEFAULT_TENANT).cli_principal();
            let export = database.scoped(&principal).roster_for_export(org).await.map_err(explain)?;
            let n = export.len();
            std::fs::write(&output, dangjian_excel::export(&export))
                .with_context(|| format!("cannot write {}", output.display()))?;
            println!("已导出 / exported {n} people to {}", output.display());
            Ok(())
        }
        Command::Gen { scale, seed, db } => generate(scale, seed, db).await,
        Command::Verify { db } => verify(db).await,
        Command::Rebuild { db } => rebuild(db).await,
        Command::Audit { command: AuditCommand::Verify { db } } => {
            let database = open(&db).await?;
            let status = database.system(DEFAULT_TENANT).audit_verify().await.map_err(explain)?;
            if status.intact {
                println!("审计日志链完整 / audit chain intact: {} entries", status.entries);
                Ok(())
            } else {
                bail!(
                    "审计日志链在第 {} 条断裂 ({}) / audit chain broken",
                    status.broken_at.unwrap_or(0),
                    status.reason.unwrap_or_default()
                )
            }
        }
    }
}

fn report_rows(errors: &[dangjian_excel::RowError]) -> anyhow::Error {
    eprintln!("导入失败，所有数据均未保存。错误行 / import refused, nothing stored. Bad rows:");
    for e in errors {
        eprintln!(
            "  第{}行 [{}] {}：{} (row {}, {}, {})",
            e.row,
            e.column,
            e.code.message(Locale::ZhCn),
            e.value,
            e.row,
            e.column,
            e.code.as_str()
        );
    }
    anyhow::anyhow!("{} bad rows", errors.len())
}
