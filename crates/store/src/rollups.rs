//! Roll-ups: a subtree's figures without reading the subtree.
//!
//! The figures ask "how many activities, attendances, recordings and met
//! periods under this org in this window". At a group root that was every
//! record of 5,000 branches (1.6 s at scale M). These tables keep the sums per
//! ancestor, as `org_closure` pairs them (an org counts toward itself and
//! every org above it), so the question reads one index range of the org
//! asked about:
//!
//! - `activity_rollups`: per day, kind and status: count, expected, present;
//! - `recording_rollups`: live recordings per day: count and bytes;
//! - `study_item_rollups`: study items per day and kind;
//! - `task_rollups`: leaf tasks per due day and per due month (two grains),
//!   element, list and state (open, closed on time, closed late);
//! - `list_rollups`: per list, how many of its tasks (any, leaf or not) are
//!   assigned into the subtree: which lists an org's lists page shows;
//! - `compliance_rollups`: per activity kind and month, quarter or year, how
//!   many orgs of each kind, alive in that period, held that many activities
//!   (dissolving an org re-counts it: [`org_tallies`]): a histogram, so that
//!   "N times a quarter" is met by the orgs counted at `held >= N` whatever
//!   the requirement settings say today (changing them rebuilds nothing).
//!
//! They are kept exact inside the transaction of each write: the write
//! states the record's facts before and after ([`activity_changed`],
//! [`recording_changed`], [`study_item_added`], [`task_changed`],
//! [`tasks_added`]) and the difference is added to every ancestor, one
//! statement per table. Moving an org changes its ancestors: [`moved`]
//! refills those that gained or lost the subtree. Bulk writers (the
//! generator, the demo) call [`rebuild`], and a migration that adds a table
//! asks for one at the next start through `rollups_pending`. The test
//! `tests/rollups.rs` holds the tables equal to a rebuild after every kind of
//! write, on both databases.

use chrono::NaiveDate;
use dangjian_domain::activity::Period;
use sqlx::Row as _;

use crate::date_text;
use crate::db::{Db, WriteTx};
use crate::error::StoreResult;

/// What an activity contributes to the roll-ups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ActivityFact {
    pub org_id: i64,
    pub kind: String,
    pub status: String,
    pub held_on: String,
    pub expected: i64,
    pub present: i64,
}

/// What a live recording contributes: its org, its day and its size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RecordingFact {
    pub org_id: i64,
    pub day: String,
    pub size: i64,
}

/// The day a recording counts on: its activity's, else the day it was
/// recorded (or uploaded). `r` is the recording, `a` its activity (LEFT JOIN).
pub(crate) const RECORDING_DAY: &str = "COALESCE(a.held_on, SUBSTR(COALESCE(r.recorded_at, r.uploaded_at), 1, 10))";

const PERIODS: [Period; 3] = [Period::Month, Period::Quarter, Period::Year];

/// The stored name of a period length.
pub(crate) fn period_key(p: Period) -> &'static str {
    match p {
        Period::Month => "month",
        Period::Quarter => "quarter",
        Period::Year => "year",
    }
}

/// SQL for the first and the last day (as text) of the period containing the
/// date in column `col`. A month's last day is written `-31`: no date in the
/// month compares higher, and the comparison is all it is used for.
pub(crate) fn period_bounds_sql(p: Period, col: &str) -> (String, String) {
    let quarter = |firsts: [&str; 4]| {
        format!(
            "SUBSTR({col}, 1, 4) || CASE WHEN SUBSTR({col}, 6, 2) <= '03' THEN '{}' WHEN SUBSTR({col}, 6, 2) <= '06' THEN '{}' \
             WHEN SUBSTR({col}, 6, 2) <= '09' THEN '{}' ELSE '{}' END",
            firsts[0], firsts[1], firsts[2], firsts[3]
        )
    };
    match p {
        Period::Month => (format!("SUBSTR({col}, 1, 7) || '-01'"), format!("SUBSTR({col}, 1, 7) || '-31'")),
        Period::Quarter => {
            (quarter(["-01-01", "-04-01", "-07-01", "-10-01"]), quarter(["-03-31", "-06-31", "-09-31", "-12-31"]))
        }
        Period::Year => (format!("SUBSTR({col}, 1, 4) || '-01-01'"), format!("SUBSTR({col}, 1, 4) || '-12-31'")),
    }
}

/// The org and its ancestors.
pub(crate) async fn lineage(tx: &mut WriteTx, tenant: i64, org_id: i64) -> StoreResult<Vec<i64>> {
    let rows = sqlx::query("SELECT ancestor_id FROM org_closure WHERE tenant_id = $1 AND descendant_id = $2")
        .bind(tenant)
        .bind(org_id)
        .fetch_all(tx.conn())
        .await?;
    rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
}

/// An activity's facts as stored (read inside the write's transaction).
pub(crate) async fn activity_fact(tx: &mut WriteTx, tenant: i64, id: i64) -> StoreResult<Option<ActivityFact>> {
    let row = sqlx::query(
        "SELECT org_id, kind, status, held_on, expected, present FROM activities WHERE tenant_id = $1 AND id = $2",
    )
    .bind(tenant)
    .bind(id)
    .fetch_optional(tx.conn())
    .await?;
    row.map(|r| {
        Ok(ActivityFact {
            org_id: r.try_get(0)?,
            kind: r.try_get(1)?,
            status: r.try_get(2)?,
            held_on: r.try_get(3)?,
            expected: r.try_get(4)?,
            present: r.try_get(5)?,
        })
    })
    .transpose()
}

/// Adds `sign` times the activity to the org and all its ancestors.
async fn bump_activity(tx: &mut WriteTx, tenant: i64, f: &ActivityFact, sign: i64) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO activity_rollups (tenant_id, ancestor_id, day, kind, status, n, expected, present) \
         SELECT tenant_id, ancestor_id, $3, $4, $5, $6, $7, $8 FROM org_closure WHERE tenant_id = $1 AND descendant_id = $2 \
         ON CONFLICT (tenant_id, ancestor_id, day, kind, status) DO UPDATE SET n = activity_rollups.n + excluded.n, \
         expected = activity_rollups.expected + excluded.expected, present = activity_rollups.present + excluded.present",
    )
    .bind(tenant)
    .bind(f.org_id)
    .bind(&f.held_on)
    .bind(&f.kind)
    .bind(&f.status)
    .bind(sign)
    .bind(sign * f.expected)
    .bind(sign * f.present)
    .execute(tx.conn())
    .await?;
    Ok(())
}

async fn bump_recordings(tx: &mut WriteTx, tenant: i64, org_id: i64, day: &str, n: i64, bytes: i64) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO recording_rollups (tenant_id, ancestor_id, day, n, bytes) \
         SELECT tenant_id, ancestor_id, $3, $4, $5 FROM org_closure WHERE tenant_id = $1 AND descendant_id = $2 \
         ON CONFLICT (tenant_id, ancestor_id, day) DO UPDATE SET n = recording_rollups.n + excluded.n, \
         bytes = recording_rollups.bytes + excluded.bytes",
    )
    .bind(tenant)
    .bind(org_id)
    .bind(day)
    .bind(n)
    .bind(bytes)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Moves one org from histogram bucket `was` to bucket `now` (0: no bucket).
#[allow(clippy::too_many_arguments)]
async fn shift_tally(
    tx: &mut WriteTx,
    tenant: i64,
    org_id: i64,
    org_kind: &str,
    kind: &str,
    period: Period,
    start: &str,
    was: i64,
    now: i64,
) -> StoreResult<()> {
    for (held, sign) in [(was, -1i64), (now, 1)] {
        if held <= 0 {
            continue;
        }
        sqlx::query(
            "INSERT INTO compliance_rollups (tenant_id, ancestor_id, kind, period, period_start, org_kind, held, orgs) \
             SELECT tenant_id, ancestor_id, $3, $4, $5, $6, $7, $8 FROM org_closure WHERE tenant_id = $1 AND descendant_id = $2 \
             ON CONFLICT (tenant_id, ancestor_id, kind, period, period_start, org_kind, held) \
             DO UPDATE SET orgs = compliance_rollups.orgs + excluded.orgs",
        )
        .bind(tenant)
        .bind(org_id)
        .bind(kind)
        .bind(period_key(period))
        .bind(start)
        .bind(org_kind)
        .bind(held)
        .bind(sign)
        .execute(tx.conn())
        .await?;
    }
    Ok(())
}

/// An activity was created (`before` None) or edited. Call inside the write's
/// transaction, after the row is written: the compliance histogram reads the
/// org's counts as they now stand and works out what they were.
pub(crate) async fn activity_changed(
    tx: &mut WriteTx,
    tenant: i64,
    activity_id: i64,
    before: Option<&ActivityFact>,
    after: Option<&ActivityFact>,
) -> StoreResult<()> {
    if before == after {
        return Ok(());
    }
    if let Some(b) = before {
        bump_activity(tx, tenant, b, -1).await?;
    }
    if let Some(a) = after {
        bump_activity(tx, tenant, a, 1).await?;
    }
    // Its recordings count on its day.
    if let (Some(b), Some(a)) = (before, after) {
        if b.held_on != a.held_on {
            let r = sqlx::query(
                "SELECT COUNT(*), CAST(COALESCE(SUM(size), 0) AS BIGINT) FROM recordings \
                 WHERE tenant_id = $1 AND activity_id = $2 AND deleted_at IS NULL",
            )
            .bind(tenant)
            .bind(activity_id)
            .fetch_one(tx.conn())
            .await?;
            let (n, bytes): (i64, i64) = (r.try_get(0)?, r.try_get(1)?);
            if n > 0 {
                bump_recordings(tx, tenant, b.org_id, &b.held_on, -n, -bytes).await?;
                bump_recordings(tx, tenant, a.org_id, &a.held_on, n, bytes).await?;
            }
        }
    }
    retally(tx, tenant, before, after).await
}

/// Re-buckets the org in every period a held activity left or entered.
async fn retally(
    tx: &mut WriteTx,
    tenant: i64,
    before: Option<&ActivityFact>,
    after: Option<&ActivityFact>,
) -> StoreResult<()> {
    let mut keys: Vec<(i64, String, Period, NaiveDate)> = Vec::new();
    for f in [before, after].into_iter().flatten().filter(|f| f.status == "held") {
        let Ok(d) = NaiveDate::parse_from_str(&f.held_on, "%Y-%m-%d") else { continue };
        for p in PERIODS {
            let key = (f.org_id, f.kind.clone(), p, p.start_of(d));
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
    }
    // (org, kind, founded, dissolved) of the orgs concerned (one, in practice).
    let mut orgs: Vec<(i64, String, String, Option<String>)> = Vec::new();
    for (org_id, kind, period, start) in keys {
        let (ps, pe) = (date_text(start), date_text(period.end_from(start)));
        if !orgs.iter().any(|o| o.0 == org_id) {
            let r = sqlx::query("SELECT kind, established_on, dissolved_on FROM orgs WHERE tenant_id = $1 AND id = $2")
                .bind(tenant)
                .bind(org_id)
                .fetch_one(tx.conn())
                .await?;
            orgs.push((org_id, r.try_get(0)?, r.try_get(1)?, r.try_get(2)?));
        }
        let (_, org_kind, established, dissolved) = orgs.iter().find(|o| o.0 == org_id).expect("just read").clone();
        // An org counts in a period only while alive in it (as on the board).
        if established > pe || dissolved.as_ref().is_some_and(|d| *d < ps) {
            continue;
        }
        let now: i64 = sqlx::query(
            "SELECT COUNT(*) FROM activities WHERE tenant_id = $1 AND org_id = $2 AND status = 'held' AND kind = $3 \
             AND held_on >= $4 AND held_on <= $5",
        )
        .bind(tenant)
        .bind(org_id)
        .bind(&kind)
        .bind(&ps)
        .bind(&pe)
        .fetch_one(tx.conn())
        .await?
        .try_get(0)?;
        let inside = |f: Option<&ActivityFact>| {
            i64::from(f.is_some_and(|f| {
                f.status == "held" && f.org_id == org_id && f.kind == kind && f.held_on >= ps && f.held_on <= pe
            }))
        };
        let was = now - inside(after) + inside(before);
        if was != now {
            shift_tally(tx, tenant, org_id, &org_kind, &kind, period, &ps, was, now).await?;
        }
    }
    Ok(())
}

/// A study item was added (they are never edited or removed).
pub(crate) async fn study_item_added(
    tx: &mut WriteTx,
    tenant: i64,
    org_id: i64,
    day: &str,
    kind: &str,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO study_item_rollups (tenant_id, ancestor_id, day, kind, n) \
         SELECT tenant_id, ancestor_id, $3, $4, 1 FROM org_closure WHERE tenant_id = $1 AND descendant_id = $2 \
         ON CONFLICT (tenant_id, ancestor_id, day, kind) DO UPDATE SET n = study_item_rollups.n + 1",
    )
    .bind(tenant)
    .bind(org_id)
    .bind(day)
    .bind(kind)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// The state a task counts under, in SQL over `t` (NULL: it does not count:
/// not a leaf, cancelled, or without a due date).
const TASK_STATE: &str = "CASE WHEN t.leaf = 0 OR t.status = 'cancelled' OR t.due_on IS NULL THEN NULL \
     WHEN t.status <> 'closed' THEN 'open' WHEN t.closed_on <= t.due_on THEN 'on_time' ELSE 'late' END";

/// What a task contributes to the roll-ups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TaskFact {
    pub org_id: i64,
    pub due_on: String,
    pub element_id: i64,
    pub list_id: i64,
    pub state: String,
}

/// A task's facts as stored, None when it does not count.
pub(crate) async fn task_fact(tx: &mut WriteTx, tenant: i64, id: i64) -> StoreResult<Option<TaskFact>> {
    let row = sqlx::query(&format!(
        "SELECT t.org_id, t.due_on, COALESCE(t.element_id, 0), t.list_id, {TASK_STATE} FROM tasks t \
         WHERE t.tenant_id = $1 AND t.id = $2"
    ))
    .bind(tenant)
    .bind(id)
    .fetch_optional(tx.conn())
    .await?;
    let Some(r) = row else { return Ok(None) };
    let Some(state) = r.try_get::<Option<String>, _>(4)? else { return Ok(None) };
    Ok(Some(TaskFact {
        org_id: r.try_get(0)?,
        due_on: r.try_get(1)?,
        element_id: r.try_get(2)?,
        list_id: r.try_get(3)?,
        state,
    }))
}

/// A task was edited (status, close-out, or it stopped being a leaf).
pub(crate) async fn task_changed(
    tx: &mut WriteTx,
    tenant: i64,
    before: Option<&TaskFact>,
    after: Option<&TaskFact>,
) -> StoreResult<()> {
    if before == after {
        return Ok(());
    }
    for (f, sign) in [(before, -1i64), (after, 1)] {
        let Some(f) = f else { continue };
        // The day row and the month row.
        sqlx::query(
            "INSERT INTO task_rollups (tenant_id, ancestor_id, grain, due, element_id, list_id, state, n) \
             SELECT c.tenant_id, c.ancestor_id, g.grain, CASE WHEN g.grain = 'd' THEN $3 ELSE SUBSTR($3, 1, 7) END, $4, $5, $6, $7 \
             FROM org_closure c CROSS JOIN (SELECT 'd' AS grain UNION ALL SELECT 'm') g \
             WHERE c.tenant_id = $1 AND c.descendant_id = $2 \
             ON CONFLICT (tenant_id, ancestor_id, grain, due, element_id, list_id, state) DO UPDATE SET n = task_rollups.n + excluded.n",
        )
        .bind(tenant)
        .bind(f.org_id)
        .bind(&f.due_on)
        .bind(f.element_id)
        .bind(f.list_id)
        .bind(&f.state)
        .bind(sign)
        .execute(tx.conn())
        .await?;
    }
    Ok(())
}

/// Adds up the counting tasks matching `task_filter` (over `t`) per
/// ancestor matching `closure_filter` (over `c`).
fn task_insert_sql(task_filter: &str, closure_filter: &str) -> String {
    format!(
        "INSERT INTO task_rollups (tenant_id, ancestor_id, grain, due, element_id, list_id, state, n) \
         SELECT c.tenant_id, c.ancestor_id, g.grain, CASE WHEN g.grain = 'd' THEN x.due_on ELSE SUBSTR(x.due_on, 1, 7) END, \
           x.element_id, x.list_id, x.state, COUNT(*) \
         FROM org_closure c JOIN ( \
           SELECT t.tenant_id, t.org_id, t.due_on, COALESCE(t.element_id, 0) AS element_id, t.list_id, {TASK_STATE} AS state \
           FROM tasks t WHERE t.tenant_id = $1{task_filter}) x \
         ON x.tenant_id = c.tenant_id AND x.org_id = c.descendant_id \
         CROSS JOIN (SELECT 'd' AS grain UNION ALL SELECT 'm') g \
         WHERE c.tenant_id = $1{closure_filter} AND x.state IS NOT NULL \
         GROUP BY c.tenant_id, c.ancestor_id, g.grain, CASE WHEN g.grain = 'd' THEN x.due_on ELSE SUBSTR(x.due_on, 1, 7) END, \
           x.element_id, x.list_id, x.state"
    )
}

/// Tasks `first .. first + count` were just inserted (one, or a ledger's
/// rows): they are added in one grouped statement.
pub(crate) async fn tasks_added(tx: &mut WriteTx, tenant: i64, first: i64, count: i64) -> StoreResult<()> {
    let sql = task_insert_sql(" AND t.id >= $2 AND t.id < $3", "")
        + " ON CONFLICT (tenant_id, ancestor_id, grain, due, element_id, list_id, state) DO UPDATE SET n = task_rollups.n + excluded.n";
    sqlx::query(&sql).bind(tenant).bind(first).bind(first + count).execute(tx.conn()).await?;
    let sql = list_insert_sql(" AND t.id >= $2 AND t.id < $3", "")
        + " ON CONFLICT (tenant_id, ancestor_id, list_id) DO UPDATE SET n = list_rollups.n + excluded.n";
    sqlx::query(&sql).bind(tenant).bind(first).bind(first + count).execute(tx.conn()).await?;
    Ok(())
}

/// How `task_rollups` covers the due dates `from..=to`: (grain, first,
/// last) ranges, whole months (but today's, whose overdue tasks change by
/// the day) as month rows, the rest as day rows. No range when `to < from`.
pub(crate) fn due_ranges(from: NaiveDate, to: NaiveDate, today: NaiveDate) -> Vec<(&'static str, String, String)> {
    use chrono::{Datelike, Months};
    if to < from {
        return Vec::new();
    }
    let month = |d: NaiveDate| d.format("%Y-%m").to_string();
    let first_of = |d: NaiveDate| d.with_day(1).expect("day 1 exists");
    let next_month = |d: NaiveDate| first_of(d) + Months::new(1);
    let mut out = Vec::new();
    let mut days_from = from;
    let mut m = if from.day() == 1 { from } else { next_month(from) };
    // Whole months inside the window, in runs broken by today's month.
    let mut run: Option<(NaiveDate, NaiveDate)> = None;
    while next_month(m).pred_opt().expect("date in range") <= to {
        if days_from < m {
            out.push(("d", date_text(days_from), date_text(m.pred_opt().expect("date in range"))));
        }
        let end = next_month(m).pred_opt().expect("date in range");
        if first_of(today) == m {
            if let Some((a, b)) = run.take() {
                out.push(("m", month(a), month(b)));
            }
            out.push(("d", date_text(m), date_text(end)));
        } else {
            run = Some((run.map_or(m, |r| r.0), m));
        }
        days_from = end.succ_opt().expect("date in range");
        m = days_from;
    }
    if let Some((a, b)) = run {
        out.push(("m", month(a), month(b)));
    }
    if days_from <= to {
        out.push(("d", date_text(days_from), date_text(to)));
    }
    out
}

/// A live recording's facts (None once deleted), read as the roll-ups count it.
pub(crate) async fn recording_fact(tx: &mut WriteTx, tenant: i64, id: i64) -> StoreResult<Option<RecordingFact>> {
    let row = sqlx::query(&format!(
        "SELECT r.org_id, {RECORDING_DAY}, r.size FROM recordings r \
         LEFT JOIN activities a ON a.tenant_id = r.tenant_id AND a.id = r.activity_id \
         WHERE r.tenant_id = $1 AND r.id = $2 AND r.deleted_at IS NULL"
    ))
    .bind(tenant)
    .bind(id)
    .fetch_optional(tx.conn())
    .await?;
    row.map(|r| Ok(RecordingFact { org_id: r.try_get(0)?, day: r.try_get(1)?, size: r.try_get(2)? })).transpose()
}

/// A recording was stored, attached or deleted.
pub(crate) async fn recording_changed(
    tx: &mut WriteTx,
    tenant: i64,
    before: Option<&RecordingFact>,
    after: Option<&RecordingFact>,
) -> StoreResult<()> {
    if before == after {
        return Ok(());
    }
    if let Some(b) = before {
        bump_recordings(tx, tenant, b.org_id, &b.day, -1, -b.size).await?;
    }
    if let Some(a) = after {
        bump_recordings(tx, tenant, a.org_id, &a.day, 1, a.size).await?;
    }
    Ok(())
}

/// Counts the tasks matching `task_filter` (over `t`) per list and
/// ancestor matching `closure_filter` (over `c`).
fn list_insert_sql(task_filter: &str, closure_filter: &str) -> String {
    format!(
        "INSERT INTO list_rollups (tenant_id, ancestor_id, list_id, n) \
         SELECT c.tenant_id, c.ancestor_id, t.list_id, COUNT(*) \
         FROM org_closure c JOIN tasks t ON t.tenant_id = c.tenant_id AND t.org_id = c.descendant_id \
         WHERE c.tenant_id = $1{task_filter}{closure_filter} GROUP BY c.tenant_id, c.ancestor_id, t.list_id"
    )
}

/// `org_id`'s subtree was moved (its closure rows already rewritten); `before`
/// is its lineage before the move. Ancestors above both places keep the same
/// subtree; those that lost or gained it are refilled.
pub(crate) async fn moved(tx: &mut WriteTx, tenant: i64, org_id: i64, before: &[i64]) -> StoreResult<()> {
    let after = lineage(tx, tenant, org_id).await?;
    let mut changed: Vec<i64> = before.iter().filter(|a| !after.contains(a)).copied().collect();
    changed.extend(after.iter().filter(|a| !before.contains(a)));
    if changed.is_empty() {
        return Ok(());
    }
    rebuild(tx, tenant, Some(&changed)).await
}

/// Refills the roll-ups of `ancestors` (all orgs of the tenant when None)
/// from the base tables.
pub(crate) async fn rebuild(tx: &mut WriteTx, tenant: i64, ancestors: Option<&[i64]>) -> StoreResult<()> {
    let list = match ancestors {
        Some([]) => return Ok(()),
        Some(ids) => Some(ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")),
        None => None,
    };
    // The rows of the chosen ancestors, and the records under them.
    let own = |col: &str| list.as_ref().map_or(String::new(), |l| format!(" AND {col} IN ({l})"));
    let under = |col: &str| {
        list.as_ref().map_or(String::new(), |l| {
            format!(
                " AND {col} IN (SELECT descendant_id FROM org_closure WHERE tenant_id = $1 AND ancestor_id IN ({l}))"
            )
        })
    };
    for table in [
        "activity_rollups",
        "recording_rollups",
        "study_item_rollups",
        "task_rollups",
        "list_rollups",
        "compliance_rollups",
    ] {
        sqlx::query(&format!("DELETE FROM {table} WHERE tenant_id = $1{}", own("ancestor_id")))
            .bind(tenant)
            .execute(tx.conn())
            .await?;
    }
    let c_own = own("c.ancestor_id");
    sqlx::query(&format!(
        "INSERT INTO activity_rollups (tenant_id, ancestor_id, day, kind, status, n, expected, present) \
         SELECT c.tenant_id, c.ancestor_id, a.held_on, a.kind, a.status, COUNT(*), \
         CAST(SUM(a.expected) AS BIGINT), CAST(SUM(a.present) AS BIGINT) \
         FROM org_closure c JOIN activities a ON a.tenant_id = c.tenant_id AND a.org_id = c.descendant_id \
         WHERE c.tenant_id = $1{c_own} GROUP BY c.tenant_id, c.ancestor_id, a.held_on, a.kind, a.status"
    ))
    .bind(tenant)
    .execute(tx.conn())
    .await?;
    sqlx::query(&format!(
        "INSERT INTO recording_rollups (tenant_id, ancestor_id, day, n, bytes) \
         SELECT c.tenant_id, c.ancestor_id, x.day, COUNT(*), CAST(SUM(x.size) AS BIGINT) FROM org_closure c JOIN ( \
           SELECT r.tenant_id, r.org_id, r.size, {RECORDING_DAY} AS day FROM recordings r \
           LEFT JOIN activities a ON a.tenant_id = r.tenant_id AND a.id = r.activity_id \
           WHERE r.tenant_id = $1 AND r.deleted_at IS NULL{r_under}) x \
         ON x.tenant_id = c.tenant_id AND x.org_id = c.descendant_id \
         WHERE c.tenant_id = $1{c_own} GROUP BY c.tenant_id, c.ancestor_id, x.day",
        r_under = under("r.org_id"),
    ))
    .bind(tenant)
    .execute(tx.conn())
    .await?;
    sqlx::query(&format!(
        "INSERT INTO study_item_rollups (tenant_id, ancestor_id, day, kind, n) \
         SELECT c.tenant_id, c.ancestor_id, s.on_date, s.kind, COUNT(*) \
         FROM org_closure c JOIN study_items s ON s.tenant_id = c.tenant_id AND s.org_id = c.descendant_id \
         WHERE c.tenant_id = $1{c_own} GROUP BY c.tenant_id, c.ancestor_id, s.on_date, s.kind"
    ))
    .bind(tenant)
    .execute(tx.conn())
    .await?;
    sqlx::query(&task_insert_sql(&under("t.org_id"), &c_own)).bind(tenant).execute(tx.conn()).await?;
    sqlx::query(&list_insert_sql(&under("t.org_id"), &c_own)).bind(tenant).execute(tx.conn()).await?;
    sqlx::query(&tally_insert_sql(&under("a.org_id"), &c_own, 1)).bind(tenant).execute(tx.conn()).await?;
    Ok(())
}

/// Adds `sign` times the histogram entries of the orgs matching
/// `org_filter` (over `a`) to the ancestors matching `closure_filter` (over
/// `c`). An org counts in a period only while alive in it, as on the board.
fn tally_insert_sql(org_filter: &str, closure_filter: &str, sign: i64) -> String {
    let per_org = PERIODS
        .iter()
        .map(|&p| {
            let (ps, pe) = period_bounds_sql(p, "a.held_on");
            format!(
                "SELECT a.tenant_id, a.org_id, a.kind, '{key}' AS period, {ps} AS period_start, o.kind AS org_kind, COUNT(*) AS held \
                 FROM activities a JOIN orgs o ON o.tenant_id = a.tenant_id AND o.id = a.org_id \
                 WHERE a.tenant_id = $1 AND a.status = 'held'{org_filter} \
                 AND o.established_on <= {pe} AND (o.dissolved_on IS NULL OR o.dissolved_on >= {ps}) \
                 GROUP BY a.tenant_id, a.org_id, a.kind, o.kind, {ps}",
                key = period_key(p),
            )
        })
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    let upsert = if sign == 1 && org_filter.is_empty() {
        String::new()
    } else {
        " ON CONFLICT (tenant_id, ancestor_id, kind, period, period_start, org_kind, held) \
          DO UPDATE SET orgs = compliance_rollups.orgs + excluded.orgs"
            .to_string()
    };
    format!(
        "INSERT INTO compliance_rollups (tenant_id, ancestor_id, kind, period, period_start, org_kind, held, orgs) \
         SELECT c.tenant_id, c.ancestor_id, x.kind, x.period, x.period_start, x.org_kind, x.held, {sign} * COUNT(*) \
         FROM org_closure c JOIN ({per_org}) x ON x.tenant_id = c.tenant_id AND x.org_id = c.descendant_id \
         WHERE c.tenant_id = $1{closure_filter} GROUP BY c.tenant_id, c.ancestor_id, x.kind, x.period, x.period_start, x.org_kind, x.held{upsert}"
    )
}

/// An org's lifetime is about to change (`sign` -1) or has changed (+1):
/// its histogram entries leave, then come back under the new lifetime.
pub(crate) async fn org_tallies(tx: &mut WriteTx, tenant: i64, org_id: i64, sign: i64) -> StoreResult<()> {
    sqlx::query(&tally_insert_sql(" AND a.org_id = $2", "", sign)).bind(tenant).bind(org_id).execute(tx.conn()).await?;
    Ok(())
}

/// Fills the roll-ups of every tenant when a migration asked for it.
pub(crate) async fn rebuild_if_pending(db: &Db) -> StoreResult<()> {
    let pending = db.read("SELECT name FROM rollups_pending", crate::args![]).await?;
    if pending.is_empty() {
        return Ok(());
    }
    let mut tx = db.begin_write().await?;
    let tenants = sqlx::query("SELECT id FROM tenants").fetch_all(tx.conn()).await?;
    for r in &tenants {
        rebuild(&mut tx, r.try_get(0)?, None).await?;
    }
    sqlx::query("DELETE FROM rollups_pending").execute(tx.conn()).await?;
    tx.commit().await
}

impl Db {
    /// Refills every roll-up of `tenant` from the base tables: after writing
    /// records by hand (tests, repairs); the product's own writes keep them.
    pub async fn rebuild_rollups(&self, tenant: i64) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        rebuild(&mut tx, tenant, None).await?;
        tx.commit().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn ranges(from: &str, to: &str, today: &str) -> Vec<(String, String, String)> {
        due_ranges(d(from), d(to), d(today)).into_iter().map(|(g, a, b)| (g.to_string(), a, b)).collect()
    }

    fn r(g: &str, a: &str, b: &str) -> (String, String, String) {
        (g.into(), a.into(), b.into())
    }

    #[test]
    fn a_year_to_today_reads_whole_months_and_the_ragged_ends_by_day() {
        assert_eq!(
            ranges("2025-11-21", "2026-11-20", "2026-11-20"),
            vec![r("d", "2025-11-21", "2025-11-30"), r("m", "2025-12", "2026-10"), r("d", "2026-11-01", "2026-11-20")]
        );
    }

    #[test]
    fn todays_month_inside_the_window_is_read_by_day() {
        assert_eq!(
            ranges("2026-01-01", "2026-12-31", "2026-11-20"),
            vec![r("m", "2026-01", "2026-10"), r("d", "2026-11-01", "2026-11-30"), r("m", "2026-12", "2026-12")]
        );
        assert_eq!(ranges("2026-11-01", "2026-11-30", "2026-11-05"), vec![r("d", "2026-11-01", "2026-11-30")]);
    }

    #[test]
    fn short_and_empty_windows() {
        assert_eq!(ranges("2026-02-10", "2026-02-20", "2026-11-20"), vec![r("d", "2026-02-10", "2026-02-20")]);
        assert_eq!(
            ranges("2026-01-31", "2026-03-01", "2026-11-20"),
            vec![r("d", "2026-01-31", "2026-01-31"), r("m", "2026-02", "2026-02"), r("d", "2026-03-01", "2026-03-01")]
        );
        assert!(ranges("2026-03-02", "2026-03-01", "2026-11-20").is_empty());
    }

    #[test]
    fn ranges_cover_every_day_once() {
        let today = d("2026-06-15");
        let mut from = d("2025-12-28");
        while from < d("2026-03-05") {
            let to = from + chrono::Days::new(200);
            let mut covered = Vec::new();
            for (g, a, b) in due_ranges(from, to, today) {
                assert!(!(g == "m" && a.as_str() <= "2026-06" && b.as_str() >= "2026-06"), "today's month by day");
                let (a, b) = if g == "m" {
                    let a = d(&format!("{a}-01"));
                    let b = d(&format!("{b}-01")) + chrono::Months::new(1);
                    (a, b.pred_opt().unwrap())
                } else {
                    (d(&a), d(&b))
                };
                let mut x = a;
                while x <= b {
                    covered.push(x);
                    x = x.succ_opt().unwrap();
                }
            }
            let want: Vec<NaiveDate> = from.iter_days().take_while(|x| *x <= to).collect();
            assert_eq!(covered, want, "{from}..{to}");
            from = from + chrono::Days::new(3);
        }
    }
}
