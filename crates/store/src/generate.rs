//! A deterministic synthetic enterprise group at scale (`dangjian gen`), for
//! benchmarks and tests.
//!
//! Three sizes: S (1,000 people in 50 branches, for tests), M (100,000 in
//! 5,000 branches under 30 enterprises) and L (1,000,000 in 50,000 branches
//! under 100 enterprises, meant for PostgreSQL). The same scale, seed and
//! "as of" day give the same group, row for row: one ChaCha stream per
//! concern, and nothing iterates a hash map.
//!
//! What it makes, with three years of history up to the day it runs:
//! - the tree: a group committee, its enterprises' committees, plant
//!   committees with workshop general branches (or general branches straight
//!   under the enterprise), office and retiree branches, branches of 3–50
//!   people (most 10–30), cells in the larger ones; one establish event per
//!   org plus, each year, a few new, renamed, moved (and renamed) and
//!   dissolved branches, each with its document number; terms (the current
//!   one and the one before), branch office holders;
//! - people with valid, unique GB 11643 ID numbers (area codes where each
//!   enterprise is, some from elsewhere), Chinese names, mostly full members,
//!   stage dates consistent with their age;
//! - per enterprise and year a work system (from the shipped templates, each
//!   year a copy of the last), a task list with its tree (重大事项 → 年度指标 →
//!   具体实施, about eight leaves per branch) and a rectification ledger closed
//!   by the seven-step sample procedure; every task's history: progress
//!   reports, close-out rounds with returns, closed on time or late, some
//!   still open and overdue, with the supervision notices the escalation job
//!   would have issued and some responses;
//! - audit entries for what was created, appended through the chain.
//!
//! - organizational life: three years of activities for every active branch
//!   and cell at the DOMAIN_RULES frequencies (committee and cell meetings and
//!   theme days monthly, general meetings and lectures quarterly, the org-life
//!   meeting yearly, some first-topic and group study), about 7% missed (no
//!   record), a few cancelled and the next month's planned; the attendance
//!   tallies on each row, and attendance lists for the last year
//!   ([`ATTENDANCE_DAYS`]) that tally to exactly those counts; a campaign per
//!   enterprise and year with suggestions, case studies, bulletins; and
//!   recordings' metadata (photos, videos; sizes, SHA-256, storage keys; no
//!   bytes, some soft-deleted).
//!
//! Everything is written in one transaction with multi-row INSERTs, so a
//! failed run leaves the database as empty as it was.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use chrono::{Datelike, NaiveDate};
use dangjian_domain::activity::{Attendance, Mark};
use dangjian_domain::closeout::Procedure;
use dangjian_domain::date::add_years;
use dangjian_domain::framework::{self as dfw, ElementTemplate, IndicatorSource};
use dangjian_domain::id_number::{self, IdNumber};
use dangjian_domain::org::{OrgEventKind, OrgKind};
use dangjian_domain::person::{Gender, MemberStatus, StageDates, TalentPool};
use dangjian_domain::settings::Settings;
use dangjian_domain::task::{ListKind, TaskLevel};
use dangjian_domain::Code;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::json;
use sqlx::Row;

use crate::audit::{append, append_many, Change};
use crate::date_text;
use crate::db::{next_ids, System, WriteTx};
use crate::error::{StoreError, StoreResult};
use crate::people::{audit_json, bind_person, ValidPerson, INSERT_ARITY, INSERT_COLS};
use crate::scope::Principal;

/// How big a group to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// 1,000 people, 50 branches, 3 enterprises: for tests.
    S,
    /// 100,000 people, 5,000 branches, 30 enterprises.
    M,
    /// 1,000,000 people, 50,000 branches, 100 enterprises (PostgreSQL).
    L,
}

impl Scale {
    pub fn as_str(self) -> &'static str {
        match self {
            Scale::S => "S",
            Scale::M => "M",
            Scale::L => "L",
        }
    }

    /// People registered in active branches.
    pub fn people(self) -> usize {
        match self {
            Scale::S => 1_000,
            Scale::M => 100_000,
            Scale::L => 1_000_000,
        }
    }

    /// Active branches.
    pub fn branches(self) -> usize {
        match self {
            Scale::S => 50,
            Scale::M => 5_000,
            Scale::L => 50_000,
        }
    }

    /// Enterprise committees under the group.
    pub fn enterprises(self) -> usize {
        match self {
            Scale::S => 3,
            Scale::M => 30,
            Scale::L => 100,
        }
    }
}

/// What a run made.
#[derive(Debug, Clone)]
pub struct GenSummary {
    pub scale: Scale,
    pub seed: u64,
    /// The day the data is "as of" (today when run from the command line).
    pub as_of: NaiveDate,
    /// Start of the history window (three years before `as_of`).
    pub history_from: NaiveDate,
    pub enterprises: usize,
    /// Active branches.
    pub branches: usize,
    pub people: usize,
    /// Probationary and full members among `people`.
    pub members: usize,
    /// Rows per table after the run, counted in the database.
    pub tables: Vec<(&'static str, i64)>,
    /// What the generator does not make yet, and why.
    pub skipped: Vec<&'static str>,
    pub elapsed: Duration,
}

/// Tables the summary counts, in the order they are written.
const COUNTED: &[&str] = &[
    "orgs",
    "org_closure",
    "org_events",
    "terms",
    "people",
    "office_holders",
    "procedures",
    "frameworks",
    "framework_elements",
    "mechanisms",
    "indicators",
    "task_lists",
    "tasks",
    "task_events",
    "closeout_actions",
    "supervision_notices",
    "activities",
    "activity_attendance",
    "campaigns",
    "study_items",
    "recordings",
    "audit_log",
];

const SKIPPED: &[&str] = &[
    "一年以前的出勤名单：只保留会议记录上的人数 / attendance lists older than a year: counts on the activity row only",
    "组织生活的审计条目：批量历史数据，仅记一条生成条目 / audit entries for organizational life: bulk history, one generate entry",
    "佐证材料文件：销号记录不附文件 / evidence files: close-out history carries no attachments",
];

impl System<'_> {
    /// Fills an empty database with a synthetic group as of today (UTC).
    pub async fn generate(&self, scale: Scale, seed: u64) -> StoreResult<GenSummary> {
        self.generate_as_of(scale, seed, chrono::Utc::now().date_naive()).await
    }

    /// Fills an empty database with a synthetic group as of `today`. Refuses
    /// (`Conflict(DatabaseNotEmpty)`) when the tenant has orgs, people or task lists.
    pub async fn generate_as_of(&self, scale: Scale, seed: u64, today: NaiveDate) -> StoreResult<GenSummary> {
        let started = Instant::now();
        let t = self.tenant_id;
        for table in ["orgs", "people", "task_lists"] {
            let n: i64 = sqlx::query(&format!("SELECT COUNT(*) FROM {table} WHERE tenant_id = $1"))
                .bind(t)
                .fetch_one(&self.db.pool)
                .await?
                .try_get(0)?;
            if n > 0 {
                return Err(StoreError::Conflict(Code::DatabaseNotEmpty));
            }
        }
        let settings = crate::orgs::load_settings(self.db, t).await?;
        let history_from = add_years(today, -3);
        let model = build_model(scale, seed, today, history_from);
        let mut g = Gen {
            t,
            today,
            settings,
            actor: self.cli_principal(),
            now: crate::now_text(),
            rng: stream(seed, 2),
            ids: IdNumbers::default(),
            tables: Tables::new(),
        };
        let mut tx = self.db.begin_write().await?;
        let org_ids = g.write_orgs(&mut tx, &model).await?;
        let (people, members) = g.write_people(&mut tx, &model, &org_ids, self.db.crypto()).await?;
        g.write_work(&mut tx, &model, &org_ids, seed).await?;
        // Tasks with children are not leaves (tasks.leaf, see the perf migration).
        sqlx::query(
            "UPDATE tasks SET leaf = 0 WHERE tenant_id = $1 AND id IN \
             (SELECT parent_id FROM tasks WHERE tenant_id = $1 AND parent_id IS NOT NULL)",
        )
        .bind(t)
        .execute(tx.conn())
        .await?;
        let life = g.write_life(&mut tx, &model, &org_ids, seed).await?;
        crate::rollups::rebuild(&mut tx, t, None).await?;
        let branches = model.orgs.iter().filter(|o| o.kind == OrgKind::Branch && o.dissolved.is_none()).count();
        append(
            &mut tx,
            &g.actor,
            Change {
                action: "generate",
                entity_type: "tenant",
                entity_id: t.to_string(),
                org_id: None,
                before: None,
                after: Some(json!({
                    "scale": scale.as_str(), "seed": seed, "as_of": date_text(today),
                    "orgs": model.orgs.len(), "branches": branches, "people": people,
                    "activities": life.activities, "attendance": life.attendance,
                })),
            },
        )
        .await?;
        tx.commit().await?;
        // Fresh statistics after the bulk load, so the first queries get good plans.
        sqlx::query("ANALYZE").execute(&self.db.pool).await?;
        if self.db.backend() == crate::Backend::Sqlite {
            self.db.forget_stat4().await?;
        }
        // The orgs' stored people counts, once the statistics exist: before
        // ANALYZE, SQLite planned the per-org recount as a scan of all people
        // for every org (5 minutes at M; 0.2 s with statistics).
        let mut tx = self.db.begin_write().await?;
        crate::orgs::rebuild_people_counts(tx.conn(), t).await?;
        tx.commit().await?;
        let mut tables = Vec::with_capacity(COUNTED.len());
        for table in COUNTED {
            let n: i64 = sqlx::query(&format!("SELECT COUNT(*) FROM {table} WHERE tenant_id = $1"))
                .bind(t)
                .fetch_one(&self.db.pool)
                .await?
                .try_get(0)?;
            tables.push((*table, n));
        }
        Ok(GenSummary {
            scale,
            seed,
            as_of: today,
            history_from,
            enterprises: model.ents.len(),
            branches,
            people,
            members,
            tables,
            skipped: SKIPPED.to_vec(),
            elapsed: started.elapsed(),
        })
    }
}

// ---- small helpers -----------------------------------------------------------

fn stream(seed: u64, n: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(n);
    rng
}

fn days(n: i64) -> chrono::Duration {
    chrono::Duration::days(n)
}

/// A timestamp on day `d`; `n` spreads several events of one day over the morning.
fn stamp(d: NaiveDate, n: usize) -> String {
    format!("{}T{:02}:{:02}:00.000Z", d.format("%Y-%m-%d"), 1 + (n / 60) % 9, n % 60)
}

/// A day in `[a, b]` (`a` when the range is empty).
fn between(rng: &mut impl Rng, a: NaiveDate, b: NaiveDate) -> NaiveDate {
    if b <= a {
        return a;
    }
    a + days(rng.gen_range(0..=(b - a).num_days()))
}

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

/// Chinese numerals: 一, 十二, 二十, 一百零五 …
/// Takes `lo..=hi` (at most what is left) off `left`; a remainder smaller
/// than `lo` goes with this take, so no group ends up too small.
fn take(rng: &mut impl Rng, left: &mut usize, lo: usize, hi: usize) -> usize {
    let mut n = rng.gen_range(lo..=hi).min(*left);
    if *left - n < lo {
        n = *left;
    }
    *left -= n;
    n
}

/// The name as is on its first use, then 第二…, 第三… before it.
fn numbered(uses: &mut HashMap<&'static str, usize>, base: &'static str) -> String {
    let n = uses.entry(base).or_insert(0);
    *n += 1;
    if *n == 1 {
        base.to_string()
    } else {
        format!("第{}{base}", cn(*n))
    }
}

fn cn(n: usize) -> String {
    const D: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        0..=9 => D[n].into(),
        10..=19 => format!("十{}", if n == 10 { "" } else { D[n - 10] }),
        20..=99 => format!(
            "{}十{}",
            D[n / 10],
            match n % 10 {
                0 => "",
                r => D[r],
            }
        ),
        100..=999 => {
            let (h, r) = (n / 100, n % 100);
            match r {
                0 => format!("{}百", D[h]),
                1..=9 => format!("{}百零{}", D[h], D[r]),
                10..=19 => format!("{}百一{}", D[h], cn(r)),
                _ => format!("{}百{}", D[h], cn(r)),
            }
        }
        _ => n.to_string(),
    }
}

// ---- bulk writing --------------------------------------------------------------

/// Largest number of bound values in one statement, and of rows.
const MAX_BINDS: usize = 10_000;
const MAX_ROWS: usize = 1_000;

/// One bound value. There is no NULL float: sqlx 0.8's Any driver types it as
/// float4 on PostgreSQL, so float columns that may be NULL are left out instead.
enum V {
    I(i64),
    NullI,
    S(String),
    NullS,
    F(f64),
}

impl From<i64> for V {
    fn from(v: i64) -> V {
        V::I(v)
    }
}
impl From<Option<i64>> for V {
    fn from(v: Option<i64>) -> V {
        v.map_or(V::NullI, V::I)
    }
}
impl From<String> for V {
    fn from(v: String) -> V {
        V::S(v)
    }
}
impl From<&str> for V {
    fn from(v: &str) -> V {
        V::S(v.to_string())
    }
}
impl From<&String> for V {
    fn from(v: &String) -> V {
        V::S(v.clone())
    }
}
impl From<Option<String>> for V {
    fn from(v: Option<String>) -> V {
        v.map_or(V::NullS, V::S)
    }
}
impl From<f64> for V {
    fn from(v: f64) -> V {
        V::F(v)
    }
}

/// Rows waiting to be inserted into one table with multi-row INSERTs.
struct Table {
    head: String,
    arity: usize,
    vals: Vec<V>,
}

macro_rules! row {
    ($table:expr; $($v:expr),+ $(,)?) => {{
        let table = &mut $table;
        $( table.vals.push(V::from($v)); )+
    }};
}

impl Table {
    fn new(table: &str, cols: &str) -> Table {
        Table {
            head: format!("INSERT INTO {table} ({cols}) VALUES "),
            arity: cols.split(',').count(),
            vals: Vec::new(),
        }
    }

    async fn flush(&mut self, tx: &mut WriteTx) -> StoreResult<()> {
        if self.vals.is_empty() {
            return Ok(());
        }
        debug_assert_eq!(self.vals.len() % self.arity, 0, "{}", self.head);
        let per = (MAX_BINDS / self.arity).clamp(1, MAX_ROWS);
        let mut left = self.vals.len() / self.arity;
        let mut vals = std::mem::take(&mut self.vals).into_iter();
        let mut full = String::new();
        while left > 0 {
            let n = left.min(per);
            let sql = if n == per {
                if full.is_empty() {
                    full = format!("{}{}", self.head, tx.values_placeholders(n, self.arity));
                }
                full.clone()
            } else {
                format!("{}{}", self.head, tx.values_placeholders(n, self.arity))
            };
            let mut q = sqlx::query(&sql);
            for v in vals.by_ref().take(n * self.arity) {
                q = match v {
                    V::I(i) => q.bind(i),
                    V::NullI => q.bind(None::<i64>),
                    V::S(s) => q.bind(s),
                    V::NullS => q.bind(None::<String>),
                    V::F(f) => q.bind(f),
                };
            }
            q.execute(tx.conn()).await?;
            left -= n;
        }
        Ok(())
    }
}

struct Tables {
    orgs: Table,
    closure: Table,
    events: Table,
    terms: Table,
    holders: Table,
    frameworks: Table,
    elements: Table,
    mechanisms: Table,
    indicators: Table,
    indicators_target: Table,
    lists: Table,
    tasks: Table,
    task_events: Table,
    task_events_progress: Table,
    actions: Table,
    notices: Table,
}

impl Tables {
    fn new() -> Tables {
        Tables {
            orgs: Table::new(
                "orgs",
                "tenant_id, id, parent_id, kind, name, overseas, established_on, dissolved_on, depth, created_at, updated_at",
            ),
            closure: Table::new("org_closure", "tenant_id, ancestor_id, descendant_id, depth"),
            events: Table::new(
                "org_events",
                "tenant_id, id, org_id, kind, effective_on, doc_no, org_kind, old_name, new_name, old_parent_id, new_parent_id, note, recorded_at",
            ),
            terms: Table::new("terms", "tenant_id, id, org_id, number, started_on, due_on, ended_on, doc_no, created_at"),
            holders: Table::new(
                "office_holders",
                "tenant_id, id, org_id, person_id, position, started_on, created_at",
            ),
            frameworks: Table::new(
                "frameworks",
                "tenant_id, id, org_id, name, year, description, template_key, copied_from, created_at, updated_at",
            ),
            elements: Table::new(
                "framework_elements",
                "tenant_id, id, framework_id, parent_id, position, name, description, weight, to_fill",
            ),
            mechanisms: Table::new("mechanisms", "tenant_id, id, framework_id, element_id, name, description"),
            indicators: Table::new(
                "indicators",
                "tenant_id, id, framework_id, element_id, name, source, metric, unit, weight",
            ),
            indicators_target: Table::new(
                "indicators",
                "tenant_id, id, framework_id, element_id, name, source, metric, unit, weight, target",
            ),
            lists: Table::new(
                "task_lists",
                "tenant_id, id, org_id, kind, name, year, source, procedure_id, framework_id, created_at",
            ),
            tasks: Table::new(
                "tasks",
                "tenant_id, id, list_id, parent_id, level, seq, category, title, measure, target, element_id, org_id, person, \
                 start_on, due_on, weight, progress, status, round, step, closed_on, created_at, updated_at",
            ),
            task_events: Table::new("task_events", "tenant_id, id, task_id, at, actor, kind, round, step, note"),
            task_events_progress: Table::new(
                "task_events",
                "tenant_id, id, task_id, at, actor, kind, round, step, note, progress",
            ),
            actions: Table::new("closeout_actions", "tenant_id, task_id, round, step, action, at"),
            notices: Table::new(
                "supervision_notices",
                "tenant_id, id, task_id, org_id, level, auto, issued_on, response_due, note, response, responded_at",
            ),
        }
    }

    async fn flush(&mut self, tx: &mut WriteTx) -> StoreResult<()> {
        for table in [
            &mut self.orgs,
            &mut self.closure,
            &mut self.events,
            &mut self.terms,
            &mut self.holders,
            &mut self.frameworks,
            &mut self.elements,
            &mut self.mechanisms,
            &mut self.indicators,
            &mut self.indicators_target,
            &mut self.lists,
            &mut self.tasks,
            &mut self.task_events,
            &mut self.task_events_progress,
            &mut self.actions,
            &mut self.notices,
        ] {
            table.flush(tx).await?;
        }
        Ok(())
    }
}

// ---- the org tree, in memory ---------------------------------------------------

const GROUP_NAME: &str = "华夏有色金属集团有限公司";
const GROUP_SHORT: &str = "华夏集团";

/// Where enterprises are, with a district's area code (GB/T 2260).
const REGIONS: &[(&str, u32)] = &[
    ("北京", 110105),
    ("天津", 120104),
    ("河北", 130102),
    ("山西", 140105),
    ("包头", 150203),
    ("辽宁", 210102),
    ("抚顺", 210402),
    ("吉林", 220102),
    ("黑龙江", 230102),
    ("上海", 310104),
    ("江苏", 320102),
    ("浙江", 330106),
    ("安徽", 340102),
    ("福建", 350102),
    ("江西", 360102),
    ("山东", 370102),
    ("淄博", 370303),
    ("河南", 410105),
    ("洛阳", 410302),
    ("焦作", 410802),
    ("湖北", 420102),
    ("湖南", 430102),
    ("广东", 440104),
    ("广西", 450102),
    ("百色", 451002),
    ("海南", 460105),
    ("重庆", 500103),
    ("四川", 510104),
    ("贵州", 520102),
    ("遵义", 520302),
    ("云南", 530102),
    ("陕西", 610102),
    ("甘肃", 620102),
    ("兰州", 620104),
    ("青海", 630102),
    ("宁夏", 640104),
    ("新疆", 650102),
    ("西藏", 540102),
];

const INDUSTRIES: &[&str] = &[
    "铝业",
    "氧化铝",
    "铜业",
    "铅锌",
    "稀土",
    "碳素",
    "铝材",
    "能源",
    "物流",
    "矿业",
    "工程技术",
    "国际贸易",
    "新材料",
    "装备制造",
    "环保科技",
];

const PLANTS: &[&str] = &[
    "电解厂",
    "氧化铝厂",
    "铸造厂",
    "炭素厂",
    "热电厂",
    "动力厂",
    "检修厂",
    "运输部",
    "质检中心",
    "物资供应中心",
    "矿山公司",
    "技术中心",
    "研究院",
    "销售公司",
    "工程公司",
    "焙烧厂",
    "熔铸厂",
    "轧制厂",
    "挤压厂",
    "锻造厂",
    "设备能源部",
    "信息中心",
    "后勤服务中心",
    "物流公司",
    "新材料公司",
    "赤泥综合利用厂",
];

const WORKSHOPS: &[&str] = &[
    "生产车间",
    "电解车间",
    "铸造车间",
    "净化车间",
    "动力车间",
    "检修车间",
    "运行车间",
    "原料车间",
    "成品车间",
    "计量车间",
    "储运车间",
    "综合车间",
];

const DEPTS: &[&str] = &[
    "党委办公室",
    "综合办公室",
    "人力资源部",
    "财务部",
    "生产运营部",
    "安全环保部",
    "企业管理部",
    "纪委办公室",
    "工会",
    "科技发展部",
    "市场营销部",
    "审计部",
];

const SPECIALTIES: &[&str] = &["运行", "检修", "技术", "综合", "生产", "安全环保", "质量", "设备", "工艺", "调度"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cat {
    Office,
    Production,
    Retired,
}

struct GOrg {
    kind: OrgKind,
    name: String,
    founding_name: String,
    parent: Option<usize>,
    founding_parent: Option<usize>,
    est: NaiveDate,
    dissolved: Option<NaiveDate>,
    /// Enterprise index (`usize::MAX` for the group itself).
    ent: usize,
    /// The org annual targets are set for: a plant committee, a general branch
    /// straight under the enterprise, or the enterprise for its office branches.
    unit: usize,
    cat: Cat,
    work_unit: String,
    /// For general branches: branch names are `{prefix}第N党支部`.
    prefix: String,
    next_no: usize,
    /// People registered (branches).
    size: usize,
    cells: Vec<usize>,
    /// Established within the history window.
    fresh: bool,
    /// Renamed or moved within the history window.
    changed: bool,
}

struct GEvent {
    org: usize,
    kind: OrgEventKind,
    on: NaiveDate,
    old_name: Option<String>,
    new_name: Option<String>,
    old_parent: Option<usize>,
    new_parent: Option<usize>,
    note: &'static str,
}

struct Ent {
    org: usize,
    short: String,
    area: u32,
    /// Active branches, in creation order.
    branches: Vec<usize>,
    /// General branches that hold numbered branches.
    gbs: Vec<usize>,
}

struct Model {
    orgs: Vec<GOrg>,
    /// Events within the history window (establishments come from `orgs`).
    events: Vec<GEvent>,
    ents: Vec<Ent>,
    used: HashMap<usize, HashSet<String>>,
}

impl Model {
    fn add(
        &mut self,
        parent: Option<usize>,
        kind: OrgKind,
        name: String,
        est: NaiveDate,
        ent: usize,
        cat: Cat,
    ) -> usize {
        let name = self.unique_name(parent, name);
        let idx = self.orgs.len();
        let unit = parent.map(|p| self.orgs[p].unit).unwrap_or(idx);
        let work_unit = parent.map(|p| self.orgs[p].work_unit.clone()).unwrap_or_default();
        self.orgs.push(GOrg {
            kind,
            founding_name: name.clone(),
            name,
            parent,
            founding_parent: parent,
            est,
            dissolved: None,
            ent,
            unit,
            cat,
            work_unit,
            prefix: String::new(),
            next_no: 1,
            size: 0,
            cells: Vec::new(),
            fresh: false,
            changed: false,
        });
        idx
    }

    /// `name`, or `name（2）` … when a sibling (past or present) already has it.
    fn unique_name(&mut self, parent: Option<usize>, name: String) -> String {
        let set = self.used.entry(parent.unwrap_or(usize::MAX)).or_default();
        if set.insert(name.clone()) {
            return name;
        }
        (2..).map(|k| format!("{name}（{k}）")).find(|n| set.insert(n.clone())).expect("an unused name")
    }

    fn numbered_name(&mut self, gb: usize) -> String {
        let no = self.orgs[gb].next_no;
        self.orgs[gb].next_no += 1;
        format!("{}第{}党支部", self.orgs[gb].prefix, cn(no))
    }

    /// The org and its ancestors, nearest first (today's tree).
    fn lineage(&self, org: usize) -> Vec<usize> {
        let mut out = vec![org];
        let mut cur = self.orgs[org].parent;
        while let Some(p) = cur {
            out.push(p);
            cur = self.orgs[p].parent;
        }
        out
    }

    /// Who decides about an org: the body its documents are numbered by.
    fn issuer(&self, org: usize) -> String {
        match self.orgs[org].ent {
            usize::MAX => "上级党组织".into(),
            e if self.ents[e].org == org => format!("{GROUP_SHORT}党委"),
            e => format!("{}党委", self.ents[e].short),
        }
    }
}

/// Branch sizes, 3–50 (most 10–30), summing exactly to `people`.
fn branch_sizes(rng: &mut impl Rng, branches: usize, people: usize) -> Vec<usize> {
    let mut sizes: Vec<usize> = (0..branches)
        .map(|_| match rng.gen_range(0..100) {
            0..=14 => rng.gen_range(3..=9),
            15..=86 => rng.gen_range(10..=30),
            _ => rng.gen_range(31..=50),
        })
        .collect();
    let mut total: usize = sizes.iter().sum();
    let (lo, hi) = (3 * branches, 50 * branches);
    let target = people.clamp(lo, hi);
    while total != target {
        let i = rng.gen_range(0..branches);
        if total < target && sizes[i] < 50 {
            sizes[i] += 1;
            total += 1;
        } else if total > target && sizes[i] > 3 {
            sizes[i] -= 1;
            total -= 1;
        }
    }
    sizes
}

fn build_model(scale: Scale, seed: u64, today: NaiveDate, history_from: NaiveDate) -> Model {
    let mut rng = stream(seed, 1);
    let mut m = Model { orgs: Vec::new(), events: Vec::new(), ents: Vec::new(), used: HashMap::new() };
    let pre = history_from - days(30);
    let root_est = between(&mut rng, ymd(1998, 3, 1), ymd(1999, 12, 31));
    let root = m.add(None, OrgKind::Committee, format!("{GROUP_NAME}党委"), root_est, usize::MAX, Cat::Office);
    m.orgs[root].work_unit = format!("{GROUP_NAME}总部");

    // Enterprises: distinct (region, industry) pairs.
    let mut combos: Vec<(usize, usize)> =
        (0..REGIONS.len()).flat_map(|r| (0..INDUSTRIES.len()).map(move |i| (r, i))).collect();
    combos.shuffle(&mut rng);
    let n_ent = scale.enterprises();
    let weights: Vec<f64> = (0..n_ent).map(|_| rng.gen_range(0.5..1.5)).collect();
    let sum: f64 = weights.iter().sum();
    let total_branches = scale.branches();
    let mut per_ent: Vec<usize> = weights.iter().map(|w| ((w / sum * total_branches as f64) as usize).max(5)).collect();
    while per_ent.iter().sum::<usize>() < total_branches {
        let i = rng.gen_range(0..n_ent);
        per_ent[i] += 1;
    }
    while per_ent.iter().sum::<usize>() > total_branches {
        let i = rng.gen_range(0..n_ent);
        if per_ent[i] > 5 {
            per_ent[i] -= 1;
        }
    }
    let mut sizes = branch_sizes(&mut rng, total_branches, scale.people());

    for (e, &(r, i)) in combos.iter().take(n_ent).enumerate() {
        let (region, area) = REGIONS[r];
        let short = format!("{region}{}", INDUSTRIES[i]);
        let est = between(&mut rng, root_est + days(30), ymd(2012, 12, 31).min(pre));
        let org = m.add(Some(root), OrgKind::Committee, format!("{short}有限公司党委"), est, e, Cat::Office);
        m.orgs[org].unit = org;
        m.orgs[org].work_unit = format!("{short}有限公司");
        m.ents.push(Ent { org, short, area, branches: Vec::new(), gbs: Vec::new() });
        let b = per_ent[e];
        let n_admin = (b * 6 / 100).max(1);
        let n_retired = if b >= 12 { (b / 80).max(1) } else { 0 };
        let mut branch =
            |m: &mut Model, rng: &mut ChaCha8Rng, parent: usize, name: String, cat: Cat, work_unit: String| {
                let est = between(rng, m.orgs[parent].est + days(1), pre);
                let idx = m.add(Some(parent), OrgKind::Branch, name, est, e, cat);
                let size = sizes.pop().unwrap_or(3);
                m.orgs[idx].size = size;
                m.orgs[idx].work_unit = work_unit;
                let cells = if size >= 25 {
                    2 + (size - 25) / 10
                } else if size >= 15 && rng.gen_bool(0.4) {
                    2
                } else {
                    0
                };
                for c in 0..cells {
                    let cest = between(rng, est, (est + days(60)).min(pre));
                    let cell = m.add(Some(idx), OrgKind::Cell, format!("第{}党小组", cn(c + 1)), cest, e, cat);
                    m.orgs[idx].cells.push(cell);
                }
                m.ents[e].branches.push(idx);
                idx
            };
        for k in 0..n_admin {
            let (name, unit) = match DEPTS.get(k) {
                Some(d) => (format!("{d}党支部"), d.to_string()),
                None => (format!("机关第{}党支部", cn(k - DEPTS.len() + 1)), "机关".to_string()),
            };
            branch(&mut m, &mut rng, org, name, Cat::Office, unit);
        }
        for k in 0..n_retired {
            branch(
                &mut m,
                &mut rng,
                org,
                format!("离退休第{}党支部", cn(k + 1)),
                Cat::Retired,
                "离退休管理中心".into(),
            );
        }
        let mut rest = b - n_admin - n_retired;
        let mut plant_uses: HashMap<&str, usize> = HashMap::new();
        while rest > 0 {
            let u = take(&mut rng, &mut rest, 4, 36);
            let base = numbered(&mut plant_uses, PLANTS[rng.gen_range(0..PLANTS.len())]);
            let uest = between(&mut rng, est + days(1), pre);
            if u >= 14 {
                let plant = m.add(Some(org), OrgKind::Committee, format!("{base}党委"), uest, e, Cat::Production);
                m.orgs[plant].unit = plant;
                m.orgs[plant].work_unit = base.clone();
                let direct = 1 + u / 25;
                for k in 0..direct {
                    let name = if k == 0 {
                        format!("{base}机关党支部")
                    } else {
                        format!("{base}机关第{}党支部", cn(k + 1))
                    };
                    branch(&mut m, &mut rng, plant, name, Cat::Office, format!("{base}机关"));
                }
                let mut left = u - direct;
                let mut ws_uses: HashMap<&str, usize> = HashMap::new();
                while left > 0 {
                    let w = take(&mut rng, &mut left, 3, 8);
                    let ws = numbered(&mut ws_uses, WORKSHOPS[rng.gen_range(0..WORKSHOPS.len())]);
                    let gest = between(&mut rng, uest + days(1), pre);
                    let gb = m.add(
                        Some(plant),
                        OrgKind::GeneralBranch,
                        format!("{base}{ws}党总支"),
                        gest,
                        e,
                        Cat::Production,
                    );
                    m.orgs[gb].prefix = format!("{base}{ws}");
                    m.orgs[gb].work_unit = format!("{base}{ws}");
                    m.ents[e].gbs.push(gb);
                    for _ in 0..w {
                        let name = m.numbered_name(gb);
                        let wu = m.orgs[gb].work_unit.clone();
                        branch(&mut m, &mut rng, gb, name, Cat::Production, wu);
                    }
                }
            } else {
                let gb = m.add(Some(org), OrgKind::GeneralBranch, format!("{base}党总支"), uest, e, Cat::Production);
                m.orgs[gb].unit = gb;
                m.orgs[gb].prefix = base.clone();
                m.orgs[gb].work_unit = base.clone();
                m.ents[e].gbs.push(gb);
                for _ in 0..u {
                    let name = m.numbered_name(gb);
                    branch(&mut m, &mut rng, gb, name, Cat::Production, base.clone());
                }
            }
        }
    }

    // History within the window: each year some branches are new, renamed,
    // moved (and renamed after their new parent) or dissolved.
    let mut candidates: Vec<usize> = m
        .ents
        .iter()
        .flat_map(|e| e.branches.iter().copied())
        .filter(|&b| m.orgs[b].parent.is_some_and(|p| m.orgs[p].kind == OrgKind::GeneralBranch))
        .collect();
    candidates.shuffle(&mut rng);
    let mut candidates = candidates.into_iter();
    let all_gbs: Vec<usize> = m.ents.iter().flat_map(|e| e.gbs.iter().copied()).collect();
    let per_year = |rate: usize| (total_branches / rate).max(1);
    for year in 0..3 {
        let from = add_years(history_from, year) + days(1);
        let to = add_years(history_from, year + 1).min(today);
        for _ in 0..per_year(100) {
            let Some(b) = candidates.next() else { break };
            let on = between(&mut rng, from, to);
            m.orgs[b].fresh = true;
            m.orgs[b].est = on;
            for c in m.orgs[b].cells.clone() {
                m.orgs[c].est = between(&mut rng, on, (on + days(30)).min(today));
                m.orgs[c].fresh = true;
            }
        }
        for _ in 0..per_year(100) {
            let Some(b) = candidates.next() else { break };
            let on = between(&mut rng, from, to);
            let parent = m.orgs[b].parent.expect("a branch has a parent");
            let name = format!("{}{}党支部", m.orgs[parent].prefix, SPECIALTIES[rng.gen_range(0..SPECIALTIES.len())]);
            let name = m.unique_name(Some(parent), name);
            let old = std::mem::replace(&mut m.orgs[b].name, name.clone());
            m.orgs[b].changed = true;
            m.events.push(GEvent {
                org: b,
                kind: OrgEventKind::Rename,
                on,
                old_name: Some(old),
                new_name: Some(name),
                old_parent: None,
                new_parent: None,
                note: "按专业调整更名",
            });
        }
        for _ in 0..per_year(200) {
            let Some(b) = candidates.next() else { break };
            let to_gb = m.orgs[b].parent.expect("a branch has a parent");
            // The former parent must have existed when the branch was founded under it.
            let others: Vec<usize> = m.ents[m.orgs[b].ent]
                .gbs
                .iter()
                .copied()
                .filter(|&g| g != to_gb && m.orgs[g].est <= m.orgs[b].est)
                .collect();
            let Some(&from_gb) = others.choose(&mut rng) else { continue };
            let on = between(&mut rng, from, to);
            let old_name = m.numbered_name(from_gb);
            let old_name = m.unique_name(Some(from_gb), old_name);
            m.orgs[b].founding_parent = Some(from_gb);
            m.orgs[b].founding_name = old_name.clone();
            m.orgs[b].changed = true;
            m.events.push(GEvent {
                org: b,
                kind: OrgEventKind::Move,
                on,
                old_name: None,
                new_name: None,
                old_parent: Some(from_gb),
                new_parent: Some(to_gb),
                note: "调整隶属关系",
            });
            m.events.push(GEvent {
                org: b,
                kind: OrgEventKind::Rename,
                on,
                old_name: Some(old_name),
                new_name: Some(m.orgs[b].name.clone()),
                old_parent: None,
                new_parent: None,
                note: "隶属关系调整后更名",
            });
        }
        for _ in 0..per_year(200) {
            let Some(&gb) = all_gbs.choose(&mut rng) else { break };
            let name = m.numbered_name(gb);
            let est = between(&mut rng, m.orgs[gb].est + days(1), pre);
            let ent = m.orgs[gb].ent;
            let idx = m.add(Some(gb), OrgKind::Branch, name, est, ent, Cat::Production);
            let on = between(&mut rng, from, to);
            m.orgs[idx].dissolved = Some(on);
            m.events.push(GEvent {
                org: idx,
                kind: OrgEventKind::Dissolve,
                on,
                old_name: None,
                new_name: None,
                old_parent: None,
                new_parent: None,
                note: "党员人数不足，撤销后党员转入相邻支部",
            });
        }
    }
    m
}

// ---- ID numbers --------------------------------------------------------------------

/// Hands out unique ID numbers: per (area, birth date, gender) the next free
/// sequence number of the right parity, moving to a neighbouring area code
/// when one day of one area runs out.
#[derive(Default)]
struct IdNumbers {
    next: HashMap<(u32, NaiveDate, bool), u32>,
}

impl IdNumbers {
    fn take(&mut self, rng: &mut impl Rng, mut area: u32, birth: NaiveDate, male: bool) -> IdNumber {
        loop {
            let k = self.next.entry((area, birth, male)).or_insert_with(|| rng.gen_range(0..40));
            if *k < 500 {
                let seq = *k * 2 + u32::from(male);
                *k += 1;
                return id_number::synthesize(area, birth, seq);
            }
            area += 1;
        }
    }
}

// ---- people ---------------------------------------------------------------------

type Jobs = &'static [(&'static str, TalentPool)];
const OFFICE_JOBS: Jobs = &[
    ("科员", TalentPool::Management),
    ("主管", TalentPool::Management),
    ("主管", TalentPool::Management),
    ("专责", TalentPool::Management),
    ("高级主管", TalentPool::Management),
    ("业务经理", TalentPool::Management),
    ("会计", TalentPool::Technical),
    ("经济师", TalentPool::Technical),
    ("工程师", TalentPool::Technical),
    ("副部长", TalentPool::Management),
    ("部长", TalentPool::Management),
];
const PRODUCTION_JOBS: Jobs = &[
    ("操作工", TalentPool::Skilled),
    ("操作工", TalentPool::Skilled),
    ("电解工", TalentPool::Skilled),
    ("铸造工", TalentPool::Skilled),
    ("天车工", TalentPool::Skilled),
    ("检修钳工", TalentPool::Skilled),
    ("维修电工", TalentPool::Skilled),
    ("化验员", TalentPool::Technical),
    ("班长", TalentPool::Skilled),
    ("技术员", TalentPool::Technical),
    ("工程师", TalentPool::Technical),
    ("安全员", TalentPool::Skilled),
    ("工段长", TalentPool::Management),
    ("车间副主任", TalentPool::Management),
];

fn draw_status(rng: &mut impl Rng) -> MemberStatus {
    match rng.gen_range(0..1000) {
        0..=879 => MemberStatus::Full,
        880..=929 => MemberStatus::Probationary,
        930..=949 => MemberStatus::Candidate,
        950..=969 => MemberStatus::Activist,
        970..=984 => MemberStatus::Applicant,
        _ => MemberStatus::None,
    }
}

fn draw_age(rng: &mut impl Rng, status: MemberStatus, cat: Cat, leader: bool) -> i32 {
    if cat == Cat::Retired {
        return rng.gen_range(60..=88);
    }
    if leader {
        return rng.gen_range(32..=56);
    }
    match status {
        MemberStatus::Full => rng.gen_range(23..=59),
        MemberStatus::None => rng.gen_range(20..=58),
        _ if rng.gen_bool(0.15) => rng.gen_range(36..=45),
        _ => rng.gen_range(21..=35),
    }
}

/// Stage dates for `status`, anchored on `today`, none before 18 (earlier
/// stages that would be are left unknown, as in real rosters).
fn stage_dates(rng: &mut impl Rng, status: MemberStatus, birth: NaiveDate, today: NaiveDate) -> StageDates {
    let adult = add_years(birth, 18);
    let keep = |d: NaiveDate| (d >= adult && d <= today).then_some(d);
    let before = |rng: &mut ChaCha8Rng, d: NaiveDate, lo: i64, hi: i64| d - days(rng.gen_range(lo..=hi));
    // A private generator keeps the caller's stream independent of the branch taken.
    let mut r = ChaCha8Rng::seed_from_u64(rng.gen());
    let r = &mut r;
    match status {
        MemberStatus::None => StageDates::default(),
        MemberStatus::Applicant => StageDates { applied_on: keep(before(r, today, 5, 540)), ..Default::default() },
        MemberStatus::Activist => {
            let activist = before(r, today, 15, 720);
            let applied = before(r, activist, 30, 240);
            StageDates { applied_on: keep(applied), activist_on: keep(activist), ..Default::default() }
        }
        MemberStatus::Candidate => {
            let candidate = before(r, today, 15, 300);
            let activist = before(r, candidate, 365, 700);
            let applied = before(r, activist, 30, 240);
            StageDates {
                applied_on: keep(applied),
                activist_on: keep(activist),
                candidate_on: keep(candidate),
                ..Default::default()
            }
        }
        MemberStatus::Probationary => {
            let probationary = before(r, today, 20, 360);
            let candidate = before(r, probationary, 90, 300);
            let activist = before(r, candidate, 365, 700);
            let applied = before(r, activist, 30, 240);
            StageDates {
                applied_on: keep(applied),
                activist_on: keep(activist),
                candidate_on: keep(candidate),
                probationary_on: Some(probationary),
                full_on: None,
            }
        }
        MemberStatus::Full => {
            let lo = add_years(birth, 19);
            let hi = add_years(today, -2).min(add_years(birth, 45)).max(lo);
            let probationary = between(r, lo, hi);
            let mut full = add_years(probationary, 1);
            if r.gen_bool(0.02) {
                full = (full + days(r.gen_range(180..=365))).min(today);
            }
            if probationary.year() < 2000 && r.gen_bool(0.5) {
                return StageDates { probationary_on: Some(probationary), full_on: Some(full), ..Default::default() };
            }
            let candidate = before(r, probationary, 90, 300);
            let activist = before(r, candidate, 365, 700);
            let applied = before(r, activist, 30, 240);
            StageDates {
                applied_on: keep(applied),
                activist_on: keep(activist),
                candidate_on: keep(candidate),
                probationary_on: Some(probationary),
                full_on: Some(full),
            }
        }
    }
}

// ---- tasks -------------------------------------------------------------------------

const ACTOR_STAFF: &str = "党委组织部";
const ACTOR_BRANCH: &str = "支部书记";
const ACTOR_JOB: &str = "督办任务";

const ACTIVITIES: &[&str] = &[
    "开展专题学习研讨",
    "落实“三会一课”制度",
    "组织主题党日活动",
    "开展党员先锋岗创建",
    "推进党建与生产经营深度融合",
    "开展党员责任区评比",
    "完成支部标准化规范化建设自查",
    "开展形势任务教育",
    "组织党员志愿服务",
    "开展谈心谈话全覆盖",
    "落实“第一议题”制度",
    "开展安全生产党员示范行动",
    "推进“一支部一品牌”建设",
    "组建技术攻关党员突击队",
    "完成党费收缴与公示",
    "开展廉洁风险排查",
];
const PROGRESS_NOTES: &[&str] = &[
    "按计划推进",
    "已完成阶段性任务",
    "已召开专题会议部署",
    "正在组织实施",
    "已形成工作台账",
    "已完成主体工作，正在收尾",
];
const RETURN_REASONS: &[&str] = &[
    "佐证材料不充分，请补充",
    "整改措施落实不到位",
    "进度描述与实际不符，请核实",
    "缺少会议记录",
    "请补充整改前后对比材料",
];
const RESPONSES: &[&str] =
    &["已制定整改计划，正加快推进", "已召开专题会议，明确责任人和完成时限", "已完成主体工作，近期申请销号"];
const RECT_CATEGORIES: &[&str] = &["政治建设", "思想建设", "组织建设", "作风建设", "纪律建设", "制度建设"];
const RECT_ISSUES: &[&str] = &[
    "学习贯彻不够深入",
    "制度执行不到位",
    "台账记录不规范",
    "责任落实不够有力",
    "整改跟踪不及时",
    "基础工作存在薄弱环节",
];

struct Ev {
    on: NaiveDate,
    actor: &'static str,
    kind: &'static str,
    round: Option<i64>,
    step: Option<i64>,
    progress: Option<f64>,
    note: String,
}

struct GNotice {
    org: usize,
    level: i64,
    issued: NaiveDate,
    response_due: NaiveDate,
    response: Option<(&'static str, NaiveDate)>,
}

struct GTask {
    list: usize,
    parent: Option<usize>,
    level: Option<TaskLevel>,
    seq: String,
    category: String,
    title: String,
    measure: String,
    target: String,
    element: Option<i64>,
    org: usize,
    person: &'static str,
    start: NaiveDate,
    due: NaiveDate,
    weight: f64,
    status: &'static str,
    progress: f64,
    round: i64,
    step: Option<i64>,
    closed_on: Option<NaiveDate>,
    created: NaiveDate,
    events: Vec<Ev>,
    actions: Vec<(i64, i64, &'static str, NaiveDate)>,
    notices: Vec<GNotice>,
}

impl GTask {
    fn is_open(&self) -> bool {
        matches!(self.status, "open" | "in_progress" | "under_review")
    }
}

enum Outcome {
    Open,
    Working,
    Review(i64),
    Closed(NaiveDate),
    Cancelled,
}

/// Plays a leaf task's life up to `today`: progress reports, close-out
/// rounds (some returned once), closed on time or late, or still open.
fn live(rng: &mut ChaCha8Rng, task: &mut GTask, today: NaiveDate, steps: i64) {
    let (start, due) = (task.start, task.due);
    let outcome = if rng.gen_bool(0.015) {
        Outcome::Cancelled
    } else if due < today {
        let age = (today - due).num_days();
        let p_open = match age {
            181.. => 0.03,
            61..=180 => 0.08,
            15..=60 => 0.15,
            _ => 0.3,
        };
        if rng.gen_bool(p_open) {
            match rng.gen_range(0..20) {
                0..=2 => Outcome::Open,
                3..=14 => Outcome::Working,
                _ => Outcome::Review(rng.gen_range(0..steps)),
            }
        } else if rng.gen_bool(0.12) {
            Outcome::Closed(due + days(rng.gen_range(1..=age.min(60))))
        } else {
            let slack = (due - start).num_days().clamp(0, 20);
            Outcome::Closed((due - days(rng.gen_range(0..=slack))).max(start))
        }
    } else if start >= today {
        Outcome::Open
    } else {
        match rng.gen_range(0..100) {
            0..=5 => Outcome::Closed(between(rng, start + days(1), today)),
            6..=10 => Outcome::Review(rng.gen_range(0..steps)),
            11..=69 => Outcome::Working,
            _ => Outcome::Open,
        }
    };
    if let Outcome::Cancelled = outcome {
        task.status = "cancelled";
        return;
    }
    if let Outcome::Open = outcome {
        return;
    }
    let end = match outcome {
        Outcome::Closed(c) => c,
        _ => today,
    };
    // The close-out chain: (kind, round, step, note).
    let mut chain: Vec<(&'static str, i64, Option<i64>, String)> = Vec::new();
    let mut round = 1;
    if rng.gen_bool(0.1) {
        let k = rng.gen_range(0..steps);
        chain.push(("submit", 1, None, String::new()));
        chain.extend((0..k).map(|s| ("approve", 1, Some(s), String::new())));
        chain.push(("return", 1, Some(k), RETURN_REASONS[rng.gen_range(0..RETURN_REASONS.len())].into()));
        chain.push(("progress", 2, None, "按退回意见完成整改".into()));
        round = 2;
    }
    let final_progress = match outcome {
        Outcome::Working => f64::from(rng.gen_range(1..=19u32) * 5),
        _ => 100.0,
    };
    match outcome {
        Outcome::Closed(_) => {
            chain.push(("submit", round, None, String::new()));
            chain.extend((0..steps).map(|s| ("approve", round, Some(s), String::new())));
        }
        Outcome::Review(j) => {
            chain.push(("submit", round, None, String::new()));
            chain.extend((0..j).map(|s| ("approve", round, Some(s), String::new())));
        }
        _ => {}
    }
    let chain_start =
        if chain.is_empty() { end } else { (end - days(2 * chain.len() as i64 + rng.gen_range(0..10))).max(start) };
    let reports = rng.gen_range(1..=3);
    let mut report_days: Vec<NaiveDate> = (0..reports).map(|_| between(rng, start, chain_start)).collect();
    report_days.sort();
    for (i, on) in report_days.into_iter().enumerate() {
        let value = (final_progress * (i + 1) as f64 / reports as f64 / 5.0).round() * 5.0;
        task.events.push(Ev {
            on,
            actor: ACTOR_BRANCH,
            kind: "progress",
            round: Some(1),
            step: None,
            progress: Some(value),
            note: PROGRESS_NOTES[rng.gen_range(0..PROGRESS_NOTES.len())].into(),
        });
    }
    let mut chain_days: Vec<NaiveDate> = (0..chain.len()).map(|_| between(rng, chain_start, end)).collect();
    chain_days.sort();
    if let (Outcome::Closed(c), Some(last)) = (&outcome, chain_days.last_mut()) {
        *last = *c;
    }
    for ((kind, r, step, note), on) in chain.into_iter().zip(chain_days) {
        // The seven-step procedure's first two steps belong to the branch itself.
        let actor = match kind {
            "submit" | "progress" => ACTOR_BRANCH,
            _ if steps == 7 && step.is_some_and(|s| s < 2) => ACTOR_BRANCH,
            _ => ACTOR_STAFF,
        };
        if let ("approve" | "return", Some(s)) = (kind, step) {
            task.actions.push((r, s, kind, on));
        }
        let progress = (kind == "progress").then_some(final_progress);
        task.events.push(Ev { on, actor, kind, round: Some(r), step, progress, note });
    }
    task.round = round;
    task.progress = final_progress;
    match outcome {
        Outcome::Closed(c) => {
            task.status = "closed";
            task.closed_on = Some(c);
        }
        Outcome::Review(j) => {
            task.status = "under_review";
            task.step = Some(j);
        }
        _ => task.status = "in_progress",
    }
}

/// A parent's state from its children's: closed (reviewed once) when all
/// are, in progress when any has started.
fn settle_parent(tasks: &mut [GTask], parent: usize, children: &[usize]) {
    let kids: Vec<&GTask> = children.iter().map(|&c| &tasks[c]).filter(|k| k.status != "cancelled").collect();
    if kids.is_empty() {
        return;
    }
    let total: f64 = kids.iter().map(|k| k.weight).sum();
    let rolled = kids.iter().map(|k| k.weight * if k.status == "closed" { 100.0 } else { k.progress }).sum::<f64>()
        / total.max(f64::EPSILON);
    let all_closed = kids.iter().all(|k| k.status == "closed");
    let started = kids.iter().any(|k| k.status != "open");
    let closed_on = kids.iter().filter_map(|k| k.closed_on).max();
    let p = &mut tasks[parent];
    if all_closed {
        let on = closed_on.expect("closed children have dates");
        p.status = "closed";
        p.closed_on = Some(on);
        p.progress = 100.0;
        p.events.push(Ev {
            on,
            actor: ACTOR_BRANCH,
            kind: "submit",
            round: Some(1),
            step: None,
            progress: None,
            note: String::new(),
        });
        p.events.push(Ev {
            on,
            actor: ACTOR_STAFF,
            kind: "approve",
            round: Some(1),
            step: Some(0),
            progress: None,
            note: String::new(),
        });
        p.actions.push((1, 0, "approve", on));
    } else if started {
        p.status = "in_progress";
        p.progress = (rolled * 100.0).round() / 100.0;
    }
}

// ---- writing ---------------------------------------------------------------------------

struct Gen {
    t: i64,
    today: NaiveDate,
    settings: Settings,
    actor: Principal,
    now: String,
    rng: ChaCha8Rng,
    ids: IdNumbers,
    tables: Tables,
}

/// One enterprise's framework of one year, flattened parents first.
struct Fw {
    id: i64,
    /// Element ids of each top-level element's subtree, the top first.
    tops: Vec<(String, Vec<i64>)>,
}

impl Gen {
    /// Orgs, closure, history, terms. Returns each org's id.
    async fn write_orgs(&mut self, tx: &mut WriteTx, m: &Model) -> StoreResult<Vec<i64>> {
        let t = self.t;
        let first = next_ids(tx, t, "orgs", m.orgs.len() as i64).await?;
        let ids: Vec<i64> = (0..m.orgs.len() as i64).map(|i| first + i).collect();
        let mut changes = Vec::with_capacity(m.orgs.len());
        for (i, o) in m.orgs.iter().enumerate() {
            let lineage = m.lineage(i);
            let depth = lineage.len() as i64 - 1;
            row!(self.tables.orgs; t, ids[i], o.parent.map(|p| ids[p]), o.kind.as_str(), &o.name, 0i64,
                date_text(o.est), o.dissolved.map(date_text), depth, &self.now, &self.now);
            for (d, a) in lineage.iter().enumerate() {
                row!(self.tables.closure; t, ids[*a], ids[i], d as i64);
            }
            changes.push(Change {
                action: "establish",
                entity_type: "org",
                entity_id: ids[i].to_string(),
                org_id: Some(ids[i]),
                before: None,
                after: Some(json!({"name": o.name, "kind": o.kind.as_str(), "parent_id": o.parent.map(|p| ids[p]),
                    "established_on": date_text(o.est), "dissolved_on": o.dissolved.map(date_text)})),
            });
        }
        // History in date order: establishments first on a day, then changes as recorded.
        let mut order: Vec<(NaiveDate, u8, usize)> = m.orgs.iter().enumerate().map(|(i, o)| (o.est, 0, i)).collect();
        order.extend(m.events.iter().enumerate().map(|(i, e)| (e.on, 1, i)));
        order.sort();
        let first_event = next_ids(tx, t, "org_events", order.len() as i64).await?;
        let mut numbers: HashMap<(String, i32), u32> = HashMap::new();
        let mut doc_nos = vec![String::new(); m.orgs.len()];
        for (k, (on, what, i)) in order.into_iter().enumerate() {
            let org = if what == 0 { i } else { m.events[i].org };
            let issuer = m.issuer(org);
            let n = numbers.entry((issuer.clone(), on.year())).or_insert_with(|| self.rng.gen_range(1..12));
            *n += self.rng.gen_range(1..4);
            let doc_no = format!("{issuer}〔{}〕{}号", on.year(), n);
            let id = first_event + k as i64;
            let recorded = stamp(on, 0);
            if what == 0 {
                let o = &m.orgs[i];
                doc_nos[i] = doc_no.clone();
                row!(self.tables.events; t, id, ids[i], OrgEventKind::Establish.as_str(), date_text(on), doc_no,
                    Some(o.kind.as_str().to_string()), None::<String>, Some(o.founding_name.clone()), None::<i64>,
                    o.founding_parent.map(|p| ids[p]), "", recorded);
            } else {
                let e = &m.events[i];
                row!(self.tables.events; t, id, ids[e.org], e.kind.as_str(), date_text(on), doc_no, None::<String>,
                    e.old_name.clone(), e.new_name.clone(), e.old_parent.map(|p| ids[p]), e.new_parent.map(|p| ids[p]),
                    e.note, recorded);
            }
        }
        // Terms: the current one (some due soon or overdue) and the one before.
        let mut terms = Vec::new();
        for (i, o) in m.orgs.iter().enumerate() {
            let Some(years) = self.settings.term_years(o.kind) else { continue };
            let len = i64::from(years) * 365;
            if let Some(end) = o.dissolved {
                let start = (end - days(self.rng.gen_range(200..len.max(201)))).max(o.est);
                let number: i64 = if start == o.est { 1 } else { self.rng.gen_range(2..=5) };
                terms.push((i, number, start, Some(end)));
                continue;
            }
            let mut start = self.today - days(self.rng.gen_range(0..=len + 100));
            if o.fresh || start <= o.est {
                start = o.est;
                terms.push((i, 1, start, None));
                continue;
            }
            let number: i64 = self.rng.gen_range(2..=9);
            let before = add_years(start, -years);
            if before >= o.est {
                terms.push((i, number - 1, before, Some(start)));
            }
            terms.push((i, number, start, None));
        }
        let first_term = next_ids(tx, t, "terms", terms.len() as i64).await?;
        for (k, (i, number, start, ended)) in terms.into_iter().enumerate() {
            let kind = m.orgs[i].kind;
            let due = dangjian_domain::term::due_date(&self.settings, kind, start).unwrap_or(start);
            let doc_no = format!("{}〔{}〕{}号", m.issuer(i), start.year(), self.rng.gen_range(1..90));
            row!(self.tables.terms; t, first_term + k as i64, ids[i], number, date_text(start), date_text(due),
                ended.map(date_text), doc_no, &self.now);
        }
        self.tables.flush(tx).await?;
        while !changes.is_empty() {
            let rest = changes.split_off(changes.len().min(5_000));
            append_many(tx, &self.actor, changes).await?;
            changes = rest;
        }
        Ok(ids)
    }

    /// People of every active branch, and the branches' office holders.
    async fn write_people(
        &mut self,
        tx: &mut WriteTx,
        m: &Model,
        ids: &[i64],
        crypto: &crate::crypto::Crypto,
    ) -> StoreResult<(usize, usize)> {
        let t = self.t;
        let total: usize = m.ents.iter().flat_map(|e| &e.branches).map(|&b| m.orgs[b].size).sum();
        let first_person = next_ids(tx, t, "people", total as i64).await?;
        let mut next_person = first_person;
        let mut members = 0;
        let mut holders: Vec<(i64, i64, &'static str)> = Vec::new();
        for ent in &m.ents {
            let mut batch: Vec<(i64, ValidPerson)> = Vec::new();
            for &b in &ent.branches {
                let o = &m.orgs[b];
                for i in 0..o.size {
                    let leader = i < 3;
                    let status =
                        if leader || o.cat == Cat::Retired { MemberStatus::Full } else { draw_status(&mut self.rng) };
                    let age = draw_age(&mut self.rng, status, o.cat, leader);
                    let birth = add_years(self.today, -age) - days(self.rng.gen_range(1..=364));
                    let male = self.rng.gen_bool(if o.cat == Cat::Office { 0.55 } else { 0.7 });
                    let area = if self.rng.gen_bool(0.85) {
                        ent.area
                    } else {
                        REGIONS[self.rng.gen_range(0..REGIONS.len())].1
                    };
                    let id_number = self.ids.take(&mut self.rng, area, birth, male);
                    let gender = if male { Gender::Male } else { Gender::Female };
                    let name = dangjian_demo::names::person_name(&mut self.rng, gender, birth.year());
                    let phone = self
                        .rng
                        .gen_bool(if o.cat == Cat::Retired { 0.8 } else { 0.95 })
                        .then(|| dangjian_demo::names::mobile(&mut self.rng));
                    let dates = stage_dates(&mut self.rng, status, birth, self.today);
                    debug_assert_eq!(dangjian_domain::person::validate_stages(status, &dates), Ok(()));
                    let (position, pool) = match o.cat {
                        Cat::Retired => ("退休职工", None),
                        Cat::Office => {
                            let (j, p) = OFFICE_JOBS[self.rng.gen_range(0..OFFICE_JOBS.len())];
                            (j, self.rng.gen_bool(0.8).then_some(p))
                        }
                        Cat::Production => {
                            let (j, p) = PRODUCTION_JOBS[self.rng.gen_range(0..PRODUCTION_JOBS.len())];
                            (j, self.rng.gen_bool(0.8).then_some(p))
                        }
                    };
                    let position = match (i, o.cat) {
                        (0, Cat::Retired) => "党支部书记".to_string(),
                        (0, _) => format!("党支部书记、{position}"),
                        _ => position.to_string(),
                    };
                    let workers_representative = o.cat != Cat::Retired && self.rng.gen_bool(0.04);
                    let cell_id = (!o.cells.is_empty()).then(|| ids[o.cells[i % o.cells.len()]]);
                    if status.is_member() {
                        members += 1;
                    }
                    let pid = next_person;
                    next_person += 1;
                    let role = match i {
                        0 => Some("secretary"),
                        1 if o.size >= 15 => Some("deputy_secretary"),
                        1 | 2 if o.size >= 7 => Some("committee_member"),
                        _ => None,
                    };
                    if let Some(r) = role {
                        holders.push((ids[b], pid, r));
                    }
                    batch.push((
                        pid,
                        ValidPerson {
                            org_id: ids[b],
                            cell_id,
                            name,
                            gender,
                            id_number,
                            phone,
                            status,
                            dates,
                            work_unit: o.work_unit.clone(),
                            position,
                            talent_pool: pool,
                            workers_representative,
                        },
                    ));
                }
            }
            for chunk in batch.chunks(400) {
                let sql = format!(
                    "INSERT INTO people ({INSERT_COLS}) VALUES {}",
                    tx.values_placeholders(chunk.len(), INSERT_ARITY)
                );
                let mut q = sqlx::query(&sql);
                for (pid, v) in chunk {
                    q = bind_person(q, crypto, t, *pid, v, &self.now);
                }
                q.execute(tx.conn()).await?;
            }
            let changes: Vec<Change> = batch
                .iter()
                .map(|(pid, v)| Change {
                    action: "create",
                    entity_type: "person",
                    entity_id: pid.to_string(),
                    org_id: Some(v.org_id),
                    before: None,
                    after: Some(audit_json(v)),
                })
                .collect();
            append_many(tx, &self.actor, changes).await?;
        }
        // Office holders took office when the branch's current term began.
        let term_start: HashMap<i64, String> =
            sqlx::query("SELECT org_id, started_on FROM terms WHERE tenant_id = $1 AND ended_on IS NULL")
                .bind(t)
                .fetch_all(tx.conn())
                .await?
                .iter()
                .map(|r| -> StoreResult<(i64, String)> { Ok((r.try_get(0)?, r.try_get(1)?)) })
                .collect::<StoreResult<_>>()?;
        let first_holder = next_ids(tx, t, "office_holders", holders.len() as i64).await?;
        for (k, (org, person, position)) in holders.into_iter().enumerate() {
            let started = term_start.get(&org).cloned().unwrap_or_else(|| date_text(self.today));
            row!(self.tables.holders; t, first_holder + k as i64, org, person, position, started, &self.now);
        }
        self.tables.flush(tx).await?;
        Ok((total, members))
    }

    /// Work systems, lists, tasks and their histories, enterprise by enterprise.
    async fn write_work(&mut self, tx: &mut WriteTx, m: &Model, ids: &[i64], seed: u64) -> StoreResult<()> {
        let t = self.t;
        let mut rng = stream(seed, 3);
        let sample = Procedure::seven_step_sample();
        let procedure = next_ids(tx, t, "procedures", 1).await?;
        sqlx::query(
            "INSERT INTO procedures (tenant_id, id, org_id, name, steps_json, sample, created_at) VALUES ($1, $2, NULL, $3, $4, 1, $5)",
        )
        .bind(t)
        .bind(procedure)
        .bind(&sample.name)
        .bind(serde_json::to_string(&sample).map_err(|e| StoreError::Internal(e.to_string()))?)
        .bind(&self.now)
        .execute(tx.conn())
        .await?;
        let sample_steps = sample.steps.len() as i64;
        let templates = dfw::templates::all();
        let this_year = self.today.year();
        for (e, ent) in m.ents.iter().enumerate() {
            let tpl = &templates[e % templates.len()];
            let mut previous: Option<i64> = None;
            for year in this_year - 2..=this_year {
                let fw = self.write_framework(tx, tpl, ids[ent.org], year, previous).await?;
                previous = Some(fw.id);
                let plan_day = ymd(year, 1, 5) + days(rng.gen_range(0..20));
                let ledger_day = ymd(year, 3, 1) + days(rng.gen_range(0..60));
                let year_end = ymd(year, 12, 31);
                let eligible: Vec<usize> =
                    ent.branches.iter().copied().filter(|&b| m.orgs[b].est < ymd(year, 1, 1)).collect();
                if plan_day > self.today || eligible.is_empty() {
                    continue;
                }
                let mut tasks: Vec<GTask> = Vec::new();
                let blank = |list: usize, org: usize, start: NaiveDate, due: NaiveDate| GTask {
                    list,
                    parent: None,
                    level: None,
                    seq: String::new(),
                    category: String::new(),
                    title: String::new(),
                    measure: String::new(),
                    target: String::new(),
                    element: None,
                    org,
                    person: "",
                    start,
                    due,
                    weight: 1.0,
                    status: "open",
                    progress: 0.0,
                    round: 1,
                    step: None,
                    closed_on: None,
                    created: start.min(self.today),
                    events: Vec::new(),
                    actions: Vec::new(),
                    notices: Vec::new(),
                };
                // List 0: the year's task list, a tree per top element of the framework.
                let mut units: Vec<(usize, Vec<(usize, usize)>)> = Vec::new();
                for (bi, &b) in eligible.iter().enumerate() {
                    let u = m.orgs[b].unit;
                    match units.iter_mut().find(|(x, _)| *x == u) {
                        Some((_, v)) => v.push((bi, b)),
                        None => units.push((u, vec![(bi, b)])),
                    }
                }
                let n_tops = fw.tops.len().max(1);
                for (ti, (top_name, els)) in fw.tops.iter().enumerate() {
                    let major = tasks.len();
                    tasks.push(GTask {
                        level: Some(TaskLevel::MajorItem),
                        seq: (ti + 1).to_string(),
                        title: format!("{top_name}重点工作"),
                        element: els.first().copied(),
                        person: "党委书记",
                        ..blank(0, ent.org, plan_day, year_end)
                    });
                    let mut targets = Vec::new();
                    for (ui, (unit, branches)) in units.iter().enumerate() {
                        let target = tasks.len();
                        targets.push(target);
                        tasks.push(GTask {
                            parent: Some(major),
                            level: Some(TaskLevel::AnnualTarget),
                            seq: format!("{}.{}", ti + 1, ui + 1),
                            title: format!("{}{top_name}年度指标", m.orgs[*unit].work_unit),
                            target: "完成率100%".into(),
                            element: els.get(1).or(els.first()).copied(),
                            weight: if rng.gen_bool(0.3) { 2.0 } else { 1.0 },
                            person: "分管领导",
                            ..blank(0, *unit, plan_day, year_end)
                        });
                        let mut leaves = Vec::new();
                        for &(bi, b) in branches {
                            let count = 8 / n_tops + usize::from((ti + bi) % n_tops < 8 % n_tops);
                            for j in 0..count {
                                let due = (plan_day + days(rng.gen_range(20..=350))).min(year_end);
                                let start = (due - days(rng.gen_range(30..=120))).max(plan_day);
                                let activity = ACTIVITIES[rng.gen_range(0..ACTIVITIES.len())];
                                let leaf = tasks.len();
                                leaves.push(leaf);
                                let mut task = GTask {
                                    parent: Some(target),
                                    level: Some(TaskLevel::Implementation),
                                    seq: format!("{}.{}.{}", ti + 1, ui + 1, leaves.len()),
                                    title: format!("{activity}（{top_name}）"),
                                    measure: format!("{activity}，形成记录并按期报送（第{}项）", j + 1),
                                    element: Some(els[rng.gen_range(0..els.len())]),
                                    person: ACTOR_BRANCH,
                                    created: plan_day.min(self.today),
                                    ..blank(0, b, start, due)
                                };
                                live(&mut rng, &mut task, self.today, 1);
                                tasks.push(task);
                            }
                        }
                        settle_parent(&mut tasks, target, &leaves);
                    }
                    settle_parent(&mut tasks, major, &targets);
                }
                // List 1: the rectification ledger, closed by the seven-step sample.
                let ledger = ledger_day <= self.today;
                if ledger {
                    for k in 0..(eligible.len() / 2).max(1) {
                        let b = eligible[rng.gen_range(0..eligible.len())];
                        let category = RECT_CATEGORIES[k % RECT_CATEGORIES.len()];
                        let issue = RECT_ISSUES[rng.gen_range(0..RECT_ISSUES.len())];
                        let due = ledger_day + days(rng.gen_range(30..=240));
                        let mut task = GTask {
                            seq: (k + 1).to_string(),
                            category: category.into(),
                            title: format!("巡察反馈问题{}：{category}方面{issue}", k + 1),
                            measure: format!(
                                "制定整改方案，明确责任人和完成时限，{}前完成整改并报送佐证材料",
                                date_text(due)
                            ),
                            element: fw.tops.get(k % n_tops).and_then(|(_, els)| els.first().copied()),
                            person: ACTOR_BRANCH,
                            ..blank(1, b, ledger_day, due)
                        };
                        live(&mut rng, &mut task, self.today, sample_steps);
                        tasks.push(task);
                    }
                }
                // Escalation: the notices the hourly job issued while each task was overdue.
                for task in &mut tasks {
                    let until = if task.is_open() {
                        self.today
                    } else if let Some(c) = task.closed_on {
                        c
                    } else {
                        continue;
                    };
                    let levels =
                        dangjian_domain::escalation::levels_due(task.due, until, &self.settings.escalation_days);
                    let lineage = m.lineage(task.org);
                    for (level, &org) in lineage.iter().enumerate().skip(1).take(levels) {
                        let issued =
                            dangjian_domain::escalation::level_date(task.due, level, &self.settings.escalation_days)
                                .unwrap_or(until);
                        let response_due = issued + days(self.settings.notice_response_days);
                        let answer = (issued + days(rng.gen_range(1..=4))).min(until);
                        // Closed tasks answered every notice; open ones most.
                        let responded = !task.is_open() || rng.gen_bool(0.6);
                        let response = responded.then(|| (RESPONSES[rng.gen_range(0..RESPONSES.len())], answer));
                        task.events.push(Ev {
                            on: issued,
                            actor: ACTOR_JOB,
                            kind: "escalated",
                            round: Some(task.round),
                            step: None,
                            progress: None,
                            note: format!("超期自动督办至第{level}级"),
                        });
                        if let Some((text, on)) = response {
                            task.events.push(Ev {
                                on,
                                actor: ACTOR_BRANCH,
                                kind: "response",
                                round: Some(task.round),
                                step: None,
                                progress: None,
                                note: text.into(),
                            });
                        }
                        task.notices.push(GNotice { org, level: level as i64, issued, response_due, response });
                    }
                }
                self.write_tasks(tx, ids, ent, year, &fw, (plan_day, ledger.then_some(ledger_day)), procedure, tasks)
                    .await?;
            }
        }
        Ok(())
    }

    async fn write_framework(
        &mut self,
        tx: &mut WriteTx,
        tpl: &dfw::FrameworkTemplate,
        org: i64,
        year: i32,
        copied_from: Option<i64>,
    ) -> StoreResult<Fw> {
        let t = self.t;
        fn flatten<'a>(
            els: &'a [ElementTemplate],
            parent: Option<usize>,
            top: Option<usize>,
            out: &mut Vec<(Option<usize>, usize, usize, &'a ElementTemplate)>,
        ) {
            for (i, e) in els.iter().enumerate() {
                let idx = out.len();
                let top = top.unwrap_or(idx);
                out.push((parent, i, top, e));
                flatten(&e.children, Some(idx), Some(top), out);
            }
        }
        let mut flat = Vec::new();
        flatten(&tpl.elements, None, None, &mut flat);
        let id = next_ids(tx, t, "frameworks", 1).await?;
        let first_el = next_ids(tx, t, "framework_elements", flat.len() as i64).await?;
        row!(self.tables.frameworks; t, id, org, &tpl.name, i64::from(year), &tpl.description,
            Some(tpl.key.clone()), copied_from, &self.now, &self.now);
        let mut by_name: HashMap<&str, i64> = HashMap::new();
        let mut tops: Vec<(String, Vec<i64>)> = Vec::new();
        for (k, (parent, position, top, e)) in flat.iter().enumerate() {
            let eid = first_el + k as i64;
            by_name.entry(e.name.as_str()).or_insert(eid);
            row!(self.tables.elements; t, eid, id, parent.map(|p| first_el + p as i64), *position as i64, &e.name,
                &e.description, e.weight, i64::from(e.to_fill));
            if *top == k {
                tops.push((e.name.clone(), vec![eid]));
            } else if let Some(last) = tops.last_mut() {
                last.1.push(eid);
            }
        }
        if !tpl.mechanisms.is_empty() {
            let first = next_ids(tx, t, "mechanisms", tpl.mechanisms.len() as i64).await?;
            for (k, mech) in tpl.mechanisms.iter().enumerate() {
                let el = mech.element.as_deref().and_then(|n| by_name.get(n)).copied();
                row!(self.tables.mechanisms; t, first + k as i64, id, el, &mech.name, &mech.description);
            }
        }
        if !tpl.indicators.is_empty() {
            let first = next_ids(tx, t, "indicators", tpl.indicators.len() as i64).await?;
            for (k, ind) in tpl.indicators.iter().enumerate() {
                let el = ind.element.as_deref().and_then(|n| by_name.get(n)).copied();
                let (source, metric) = match &ind.source {
                    IndicatorSource::Computed { metric } => ("computed", Some(metric.as_str().to_string())),
                    IndicatorSource::Reported => ("reported", None),
                };
                match ind.target {
                    Some(target) => row!(self.tables.indicators_target; t, first + k as i64, id, el, &ind.name,
                        source, metric, &ind.unit, ind.weight, target),
                    None => row!(self.tables.indicators; t, first + k as i64, id, el, &ind.name, source, metric,
                        &ind.unit, ind.weight),
                }
            }
        }
        append(
            tx,
            &self.actor,
            Change {
                action: if copied_from.is_some() { "copy" } else { "create" },
                entity_type: "framework",
                entity_id: id.to_string(),
                org_id: Some(org),
                before: None,
                after: Some(json!({"name": tpl.name, "year": year, "template": tpl.key, "copied_from": copied_from, "elements": flat.len()})),
            },
        )
        .await?;
        Ok(Fw { id, tops })
    }

    #[allow(clippy::too_many_arguments)]
    async fn write_tasks(
        &mut self,
        tx: &mut WriteTx,
        ids: &[i64],
        ent: &Ent,
        year: i32,
        fw: &Fw,
        (plan_day, ledger_day): (NaiveDate, Option<NaiveDate>),
        procedure: i64,
        mut tasks: Vec<GTask>,
    ) -> StoreResult<()> {
        let t = self.t;
        let org = ids[ent.org];
        let n_lists = 1 + i64::from(ledger_day.is_some());
        let first_list = next_ids(tx, t, "task_lists", n_lists).await?;
        let mut changes = Vec::new();
        let plan = (
            first_list,
            ListKind::Task,
            format!("{year}年党建工作任务清单"),
            format!("{}党委", ent.short),
            None::<i64>,
            plan_day,
        );
        let mut lists = vec![plan];
        if let Some(day) = ledger_day {
            lists.push((
                first_list + 1,
                ListKind::Rectification,
                format!("{year}年巡察反馈问题整改台账"),
                format!("{GROUP_SHORT}党委第{}巡察组反馈意见", cn(1 + ent.org % 6)),
                Some(procedure),
                day,
            ));
        }
        for (id, kind, name, source, proc_id, day) in &lists {
            row!(self.tables.lists; t, *id, org, kind.as_str(), name, i64::from(year), source, *proc_id, Some(fw.id),
                stamp(*day, 0));
            changes.push(Change {
                action: "create",
                entity_type: "task_list",
                entity_id: id.to_string(),
                org_id: Some(org),
                before: None,
                after: Some(json!({"name": name, "kind": kind.as_str(), "year": year, "framework_id": fw.id, "procedure_id": proc_id})),
            });
        }
        let first_task = next_ids(tx, t, "tasks", tasks.len() as i64).await?;
        let n_events: usize = tasks.iter().map(|k| k.events.len() + 1).sum();
        let n_notices: usize = tasks.iter().map(|k| k.notices.len()).sum();
        let mut next_event = next_ids(tx, t, "task_events", n_events as i64).await?;
        let mut next_notice = next_ids(tx, t, "supervision_notices", n_notices as i64).await?;
        for (k, task) in tasks.iter_mut().enumerate() {
            let id = first_task + k as i64;
            let list_id = first_list + task.list as i64;
            task.events.sort_by_key(|e| e.on);
            let updated = task.events.last().map(|e| e.on).unwrap_or(task.created);
            row!(self.tables.tasks; t, id, list_id, task.parent.map(|p| first_task + p as i64),
                task.level.map(|l| l.as_str().to_string()), std::mem::take(&mut task.seq),
                std::mem::take(&mut task.category), &task.title, std::mem::take(&mut task.measure),
                std::mem::take(&mut task.target), task.element, ids[task.org], task.person, date_text(task.start),
                date_text(task.due), task.weight, task.progress, task.status, task.round, task.step,
                task.closed_on.map(date_text), stamp(task.created, 0), stamp(updated, task.events.len()));
            row!(self.tables.task_events; t, next_event, id, stamp(task.created, 0), ACTOR_STAFF, "created",
                None::<i64>, None::<i64>, "");
            next_event += 1;
            for (n, e) in task.events.drain(..).enumerate() {
                let at = stamp(e.on, n + 1);
                match e.progress {
                    Some(p) => row!(self.tables.task_events_progress; t, next_event, id, at, e.actor, e.kind, e.round,
                        e.step, e.note, p),
                    None => row!(self.tables.task_events; t, next_event, id, at, e.actor, e.kind, e.round, e.step,
                        e.note),
                }
                next_event += 1;
            }
            for (round, step, action, on) in task.actions.drain(..) {
                row!(self.tables.actions; t, id, round, step, action, stamp(on, 30));
            }
            for nt in task.notices.drain(..) {
                row!(self.tables.notices; t, next_notice, id, ids[nt.org], nt.level, 1i64, date_text(nt.issued),
                    date_text(nt.response_due), format!("超期自动督办（第{}级）", nt.level),
                    nt.response.map(|(r, _)| r.to_string()), nt.response.map(|(_, on)| stamp(on, 45)));
                next_notice += 1;
            }
            changes.push(Change {
                action: "create",
                entity_type: "task",
                entity_id: id.to_string(),
                org_id: Some(ids[task.org]),
                before: None,
                after: Some(json!({"list_id": list_id, "title": task.title, "org_id": ids[task.org],
                    "due_on": date_text(task.due), "parent_id": task.parent.map(|p| first_task + p as i64)})),
            });
        }
        self.tables.flush(tx).await?;
        append_many(tx, &self.actor, changes).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_numerals() {
        let got: Vec<String> = [1, 10, 11, 20, 21, 99, 100, 105, 110, 123].into_iter().map(cn).collect();
        assert_eq!(got, ["一", "十", "十一", "二十", "二十一", "九十九", "一百", "一百零五", "一百一十", "一百二十三"]);
    }

    #[test]
    fn branch_sizes_sum_and_stay_in_range() {
        let mut rng = stream(7, 0);
        let sizes = branch_sizes(&mut rng, 5_000, 100_000);
        assert_eq!(sizes.iter().sum::<usize>(), 100_000);
        assert!(sizes.iter().all(|s| (3..=50).contains(s)));
        let typical = sizes.iter().filter(|s| (10..=30).contains(*s)).count();
        assert!(typical > 3_000, "most branches have 10–30 people: {typical}");
    }

    #[test]
    fn stage_dates_are_valid_and_adult() {
        let today = ymd(2026, 11, 21);
        let mut rng = stream(3, 0);
        for _ in 0..5_000 {
            for status in MemberStatus::ALL {
                for cat in [Cat::Office, Cat::Retired] {
                    let age = draw_age(&mut rng, status, cat, false);
                    let birth = add_years(today, -age) - days(rng.gen_range(1..=364));
                    let dates = stage_dates(&mut rng, status, birth, today);
                    assert_eq!(
                        dangjian_domain::person::validate_stages(status, &dates),
                        Ok(()),
                        "{status:?} {dates:?}"
                    );
                    for stage in MemberStatus::STAGES {
                        if let Some(d) = dates.get(stage) {
                            assert!(d <= today && d >= add_years(birth, 18), "{status:?} born {birth}: {dates:?}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn the_model_is_deterministic_and_consistent() {
        let today = ymd(2026, 11, 21);
        let from = add_years(today, -3);
        let a = build_model(Scale::S, 5, today, from);
        let b = build_model(Scale::S, 5, today, from);
        let names = |m: &Model| m.orgs.iter().map(|o| o.name.clone()).collect::<Vec<_>>();
        assert_eq!(names(&a), names(&b));
        let active: Vec<&GOrg> = a.orgs.iter().filter(|o| o.kind == OrgKind::Branch && o.dissolved.is_none()).collect();
        assert_eq!(active.len(), 50);
        assert_eq!(active.iter().map(|o| o.size).sum::<usize>(), 1_000);
        for o in &a.orgs {
            if let Some(p) = o.parent {
                assert!(a.orgs[p].kind.may_contain(o.kind), "{} under {}", o.name, a.orgs[p].name);
                assert!(a.orgs[p].est <= o.est, "{} founded before its parent", o.name);
            }
            if let Some(p) = o.founding_parent {
                assert!(a.orgs[p].est <= o.est, "{} founded before its founding parent", o.name);
            }
        }
        assert!(a.events.iter().any(|e| e.kind == OrgEventKind::Rename));
        assert!(a.events.iter().any(|e| e.kind == OrgEventKind::Move));
        assert!(a.events.iter().any(|e| e.kind == OrgEventKind::Dissolve));
    }
}

// ---- organizational life ---------------------------------------------------------

/// Attendance rows are written for activities held within this many days of
/// `as_of`; older activities keep their counts on the row only. Three years
/// of rows would be ~10 million at M and triple the generation time, while
/// figures read the counts on the row and nothing reads old attendance lists
/// in bulk.
pub const ATTENDANCE_DAYS: i64 = 365;

/// Share of required meetings that were not held (missed), in percent.
const MISSED_PCT: u32 = 7;

/// Columns of the bulk INSERTs for organizational life.
const ACTIVITY_COLS: &str =
    "tenant_id, id, org_id, kind, status, topic, held_on, place, host, expected, present, absent, \
    on_leave, sit_ins, voting_expected, voting_present, created_at, updated_at";
const ATTEND_COLS: &str = "tenant_id, activity_id, seq, person_id, name, status, reason, voting";
const SIT_IN_COLS: &str = "tenant_id, activity_id, seq, name, status, from_org, voting";
const RECORDING_COLS: &str =
    "tenant_id, id, org_id, activity_id, media, name, content_type, size, sha256, storage_key, \
    recorded_at, uploaded_at, deleted_at";
const STUDY_COLS: &str = "tenant_id, id, org_id, campaign_id, activity_id, kind, title, body, on_date, created_at";
const CAMPAIGN_COLS: &str = "tenant_id, id, org_id, name, starts_on, ends_on, description, created_at";

/// A person as organizational life needs them.
struct LifePerson {
    id: i64,
    name: String,
    cell: Option<i64>,
    member: bool,
    voting: bool,
}

/// What the org-life pass wrote, for the summary.
#[derive(Default)]
struct LifeCounts {
    activities: usize,
    attendance: usize,
}

const TOPICS: &[(&str, &[&str])] = &[
    (
        "committee_meeting",
        &["研究月度党建工作安排", "研究发展党员工作", "研究党费收缴情况", "研究主题党日安排", "研究整改落实情况"],
    ),
    ("cell_meeting", &["学习传达支部会议精神", "交流思想工作情况", "开展批评与自我批评", "讨论党员责任区工作"]),
    ("general_meeting", &["传达学习上级会议精神", "审议支部工作报告", "讨论接收预备党员", "民主评议党员动员"]),
    ("lecture", &["书记讲党课：坚定理想信念", "党课：弘扬劳模精神", "党课：安全生产与责任担当", "党课：党章党规学习"]),
    ("theme_day", &["重温入党誓词", "志愿服务进社区", "参观红色教育基地", "岗位建功主题实践", "安全隐患排查"]),
    ("org_life_meeting", &["年度组织生活会", "专题组织生活会"]),
    ("first_topic", &["学习习近平总书记重要讲话精神", "学习中央全会精神", "学习重要指示批示精神"]),
    ("group_study", &["集中学习党的创新理论", "学习党纪学习教育读本", "学习中国共产党章程"]),
];

fn topic(rng: &mut impl Rng, kind: &str) -> &'static str {
    let list = TOPICS.iter().find(|(k, _)| *k == kind).map(|(_, l)| *l).unwrap_or(&["学习"]);
    list[rng.gen_range(0..list.len())]
}

fn sha_hex(rng: &mut impl Rng) -> String {
    let mut b = [0u8; 32];
    rng.fill(&mut b[..]);
    hex::encode(b)
}

impl Gen {
    /// Three years of meetings, lectures, theme days and study for every
    /// active branch and cell, at the frequencies of DOMAIN_RULES, with some
    /// missed; attendance lists (the last [`ATTENDANCE_DAYS`]) whose tallies
    /// are the counts on each row; campaigns with suggestions, case studies,
    /// bulletins; recordings' metadata (no bytes).
    async fn write_life(&mut self, tx: &mut WriteTx, m: &Model, ids: &[i64], seed: u64) -> StoreResult<LifeCounts> {
        let t = self.t;
        let mut rng = stream(seed, 4);
        let history_from = add_years(self.today, -3);
        let attend_from = self.today - days(ATTENDANCE_DAYS);
        // People by branch (the generator's own rows, in id order).
        let mut by_branch: HashMap<i64, Vec<LifePerson>> = HashMap::new();
        for r in sqlx::query("SELECT id, org_id, cell_id, name, status FROM people WHERE tenant_id = $1 ORDER BY id")
            .bind(t)
            .fetch_all(tx.conn())
            .await?
        {
            let status: String = r.try_get(4)?;
            let member = status == "full" || status == "probationary";
            by_branch.entry(r.try_get(1)?).or_default().push(LifePerson {
                id: r.try_get(0)?,
                name: r.try_get(3)?,
                cell: r.try_get(2)?,
                member,
                voting: status == "full",
            });
        }
        let mut acts = Table::new("activities", ACTIVITY_COLS);
        let mut attend = Table::new("activity_attendance", ATTEND_COLS);
        let mut sit_ins = Table::new("activity_attendance", SIT_IN_COLS);
        let mut recs = Table::new("recordings", RECORDING_COLS);
        let mut study = Table::new("study_items", STUDY_COLS);
        let mut campaigns = Table::new("campaigns", CAMPAIGN_COLS);
        let mut counts = LifeCounts::default();
        let this_year = self.today.year();
        for ent in &m.ents {
            // (org id, kind, day, expected people) for every activity of the enterprise.
            let mut planned: Vec<(i64, &'static str, NaiveDate, Vec<&LifePerson>)> = Vec::new();
            for &b in &ent.branches {
                let o = &m.orgs[b];
                let people: &[LifePerson] = by_branch.get(&ids[b]).map(Vec::as_slice).unwrap_or(&[]);
                let members: Vec<&LifePerson> = people.iter().filter(|p| p.member).collect();
                // The secretary and, in branches of 7 or more, the committee (the first people).
                let committee: Vec<&LifePerson> = people.iter().take(if o.size >= 7 { 3 } else { 0 }).collect();
                let start = o.est.max(history_from);
                let mut month = ymd(start.year(), start.month(), 1);
                while month <= self.today {
                    let next = add_months(month);
                    let day =
                        |rng: &mut ChaCha8Rng, lo: u32, hi: u32| month + days(i64::from(rng.gen_range(lo..=hi)) - 1);
                    let horizon = self.today + days(30);
                    // Within the window and not missed (a missed meeting leaves no record).
                    let keep = |rng: &mut ChaCha8Rng, on: NaiveDate| {
                        on >= start && on <= horizon && rng.gen_range(0..100) >= MISSED_PCT
                    };
                    macro_rules! add {
                        ($rng:expr, $kind:expr, $on:expr, $who:expr) => {
                            // Nobody expected (a branch of non-members only): nothing to hold.
                            if !$who.is_empty() && keep($rng, $on) {
                                planned.push((ids[b], $kind, $on, $who));
                            }
                        };
                    }
                    if !committee.is_empty() {
                        let on = day(&mut rng, 3, 12);
                        add!(&mut rng, "committee_meeting", on, committee.clone());
                    }
                    let on = day(&mut rng, 15, 25);
                    add!(&mut rng, "theme_day", on, members.clone());
                    if month.month().is_multiple_of(3) {
                        let on = day(&mut rng, 1, 20);
                        add!(&mut rng, "general_meeting", on, members.clone());
                        let on = day(&mut rng, 1, 25);
                        add!(&mut rng, "lecture", on, members.clone());
                    }
                    if month.month() == 12 {
                        let on = day(&mut rng, 10, 28);
                        add!(&mut rng, "org_life_meeting", on, members.clone());
                    }
                    if rng.gen_bool(0.3) {
                        let on = day(&mut rng, 1, 28);
                        add!(&mut rng, "group_study", on, members.clone());
                    }
                    if rng.gen_bool(0.15) {
                        let on = day(&mut rng, 1, 28);
                        add!(&mut rng, "first_topic", on, committee.clone());
                    }
                    for &c in &o.cells {
                        if m.orgs[c].dissolved.is_some() {
                            continue;
                        }
                        let cell_people: Vec<&LifePerson> =
                            members.iter().copied().filter(|p| p.cell == Some(ids[c])).collect();
                        if cell_people.is_empty() {
                            continue;
                        }
                        let on = day(&mut rng, 5, 25);
                        if on >= start && on <= self.today && rng.gen_range(0..100) >= MISSED_PCT {
                            planned.push((ids[c], "cell_meeting", on, cell_people));
                        }
                    }
                    month = next;
                }
            }
            planned.sort_by_key(|(org, _, on, _)| (*on, *org));
            let first = next_ids(tx, t, "activities", planned.len() as i64).await?;
            let mut rec_rows: Vec<(i64, i64, NaiveDate, &'static str)> = Vec::new();
            for (k, (org, kind, on, who)) in planned.into_iter().enumerate() {
                let id = first + k as i64;
                let topic = topic(&mut rng, kind);
                let place = if rng.gen_bool(0.7) { "党员活动室" } else { "会议室" };
                let host = who.first().map(|p| p.name.clone()).unwrap_or_default();
                let created = stamp(on.min(self.today), k % 500);
                if on > self.today {
                    row!(acts; t, id, org, kind, "planned", topic, date_text(on), place, host, 0i64, 0i64, 0i64, 0i64,
                        0i64, 0i64, 0i64, &created, &created);
                    counts.activities += 1;
                    continue;
                }
                if rng.gen_range(0..100) < 2 {
                    row!(acts; t, id, org, kind, "cancelled", topic, date_text(on), place, host, 0i64, 0i64, 0i64,
                        0i64, 0i64, 0i64, 0i64, &created, &created);
                    counts.activities += 1;
                    continue;
                }
                let mut marks = Vec::with_capacity(who.len() + 1);
                let with_rows = on >= attend_from;
                for (seq, p) in who.iter().enumerate() {
                    let status = match rng.gen_range(0..100) {
                        0..=88 => Attendance::Present,
                        89..=96 => Attendance::Leave,
                        _ => Attendance::Absent,
                    };
                    marks.push(Mark { status, voting: p.voting });
                    if with_rows {
                        let reason = match status {
                            Attendance::Leave => ["因公出差", "病假", "倒班", "事假"][rng.gen_range(0..4)],
                            Attendance::Absent => "未请假",
                            _ => "",
                        };
                        row!(attend; t, id, seq as i64 + 1, p.id, &p.name, status.as_str(), reason, i64::from(p.voting));
                        counts.attendance += 1;
                    }
                }
                if kind == "general_meeting" && rng.gen_bool(0.1) {
                    marks.push(Mark { status: Attendance::SitIn, voting: false });
                    if with_rows {
                        row!(sit_ins; t, id, who.len() as i64 + 1, "列席人员", Attendance::SitIn.as_str(), "上级党委", 0i64);
                        counts.attendance += 1;
                    }
                }
                let tally = dangjian_domain::activity::tally(&marks);
                row!(acts; t, id, org, kind, "held", topic, date_text(on), place, host, tally.expected, tally.present,
                    tally.absent, tally.on_leave, tally.sit_ins, tally.voting_expected, tally.voting_present,
                    &created, &created);
                counts.activities += 1;
                // Photos of most theme days and lectures, videos of some.
                if matches!(kind, "theme_day" | "lecture" | "general_meeting") && rng.gen_bool(0.4) {
                    rec_rows.push((id, org, on, "photo"));
                    if rng.gen_bool(0.25) {
                        rec_rows.push((id, org, on, "video"));
                    }
                }
            }
            let first_rec = next_ids(tx, t, "recordings", rec_rows.len() as i64).await?;
            for (k, (act, org, on, media)) in rec_rows.into_iter().enumerate() {
                let sha = sha_hex(&mut rng);
                let (name, ctype, size) = if media == "video" {
                    (format!("{}.mp4", date_text(on)), "video/mp4", rng.gen_range(50_000_000..1_500_000_000i64))
                } else {
                    (format!("{}.jpg", date_text(on)), "image/jpeg", rng.gen_range(800_000..6_000_000i64))
                };
                let at = stamp(on, k % 500);
                let deleted = rng.gen_bool(0.01).then(|| at.clone());
                row!(recs; t, first_rec + k as i64, org, act, media, name, ctype, size, &sha,
                    format!("recordings/{}/{}", &sha[..2], sha), Some(at.clone()), &at, deleted);
            }
            // 主题大讨论: one campaign a year per enterprise, with suggestions from
            // its branches; case studies and bulletins through the year.
            let years: Vec<i32> = (this_year - 2..=this_year).collect();
            let first_campaign = next_ids(tx, t, "campaigns", years.len() as i64).await?;
            let mut items: Vec<(i64, Option<i64>, &'static str, String, NaiveDate)> = Vec::new();
            for (k, &year) in years.iter().enumerate() {
                let cid = first_campaign + k as i64;
                let (starts, ends) = (ymd(year, 3, 1), ymd(year, 6, 30));
                row!(campaigns; t, cid, ids[ent.org], format!("{year}年“解放思想、改革创新”主题大讨论"), date_text(starts),
                    date_text(ends), "围绕提质增效征集意见建议", &self.now);
                for &b in &ent.branches {
                    if m.orgs[b].est > starts {
                        continue;
                    }
                    for _ in 0..rng.gen_range(0..=2) {
                        let on = between(&mut rng, starts, ends.min(self.today));
                        if on <= self.today {
                            items.push((
                                ids[b],
                                Some(cid),
                                "suggestion",
                                format!("关于{}的建议", topic(&mut rng, "theme_day")),
                                on,
                            ));
                        }
                    }
                }
                for _ in 0..rng.gen_range(3..=8) {
                    let b = ent.branches[rng.gen_range(0..ent.branches.len())];
                    let on = between(&mut rng, ymd(year, 1, 1), ymd(year, 12, 31).min(self.today));
                    if on <= self.today && on >= history_from {
                        items.push((ids[b], None, "case_study", format!("{}典型案例", m.orgs[b].name), on));
                    }
                }
                for month in 1..=12u32 {
                    let on = ymd(year, month, 1) + days(rng.gen_range(0..27));
                    if on <= self.today && on >= history_from {
                        items.push((ids[ent.org], None, "bulletin", format!("{year}年第{month}期学习动态"), on));
                    }
                }
            }
            let first_item = next_ids(tx, t, "study_items", items.len() as i64).await?;
            for (k, (org, campaign, kind, title, on)) in items.into_iter().enumerate() {
                row!(study; t, first_item + k as i64, org, campaign, None::<i64>, kind, title, "", date_text(on),
                    stamp(on, k % 500));
            }
            for table in [&mut acts, &mut attend, &mut sit_ins, &mut recs, &mut campaigns, &mut study] {
                table.flush(tx).await?;
            }
        }
        Ok(counts)
    }
}

/// The first day of the next month.
fn add_months(first: NaiveDate) -> NaiveDate {
    if first.month() == 12 {
        ymd(first.year() + 1, 1, 1)
    } else {
        ymd(first.year(), first.month() + 1, 1)
    }
}
