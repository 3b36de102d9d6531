//! The ceilings: each figures endpoint's aggregates as ONE hand-written SQL
//! query, run straight on the database (no HTTP, no permission check, no
//! JSON), computed from the base tables. The endpoint's numbers must equal
//! these; the bench fails when they do not.

use std::collections::BTreeMap;

use anyhow::{bail, Context};
use serde_json::Value;
use sqlx::{AnyPool, Row};

/// Leaf, non-cancelled tasks of the subtree due in the period, grouped by
/// (element, list kind) in one pass; the totals, per-element and per-list
/// figures are sums over those groups.
const TASKS_SQL: &str = "SELECT t.element_id, l.kind, COUNT(*), \
    COALESCE(CAST(SUM(CASE WHEN t.status = 'closed' THEN 1 ELSE 0 END) AS BIGINT), 0), \
    COALESCE(CAST(SUM(CASE WHEN t.status = 'closed' AND t.closed_on <= t.due_on THEN 1 ELSE 0 END) AS BIGINT), 0), \
    COALESCE(CAST(SUM(CASE WHEN t.status <> 'closed' AND t.due_on < $5 THEN 1 ELSE 0 END) AS BIGINT), 0) \
    FROM org_closure c \
    JOIN tasks t ON t.tenant_id = c.tenant_id AND t.org_id = c.descendant_id \
    JOIN task_lists l ON l.tenant_id = t.tenant_id AND l.id = t.list_id \
    WHERE c.tenant_id = $1 AND c.ancestor_id = $2 AND t.due_on >= $3 AND t.due_on <= $4 AND t.status <> 'cancelled' \
    AND NOT EXISTS (SELECT 1 FROM tasks k WHERE k.tenant_id = t.tenant_id AND k.parent_id = t.id) \
    GROUP BY t.element_id, l.kind";

/// total, closed, closed_on_time, overdue
pub type Counts = [i64; 4];

#[derive(Debug, Default, Clone, PartialEq)]
pub struct TaskFigures {
    pub total: Counts,
    pub by_element: BTreeMap<String, Counts>,
    pub by_list: BTreeMap<String, Counts>,
}

fn add(a: &mut Counts, b: &Counts) {
    for (x, y) in a.iter_mut().zip(b) {
        *x += y;
    }
}

pub async fn tasks(pool: &AnyPool, org: i64, from: &str, to: &str, today: &str) -> anyhow::Result<TaskFigures> {
    let rows = sqlx::query(TASKS_SQL).bind(1i64).bind(org).bind(from).bind(to).bind(today).fetch_all(pool).await?;
    let mut f = TaskFigures::default();
    for r in rows {
        let element: Option<i64> = r.try_get(0)?;
        let kind: String = r.try_get(1)?;
        let c: Counts = [r.try_get(2)?, r.try_get(3)?, r.try_get(4)?, r.try_get(5)?];
        add(&mut f.total, &c);
        add(f.by_element.entry(element.map_or("none".into(), |e| e.to_string())).or_default(), &c);
        add(f.by_list.entry(kind).or_default(), &c);
    }
    Ok(f)
}

fn counts(v: &Value) -> anyhow::Result<Counts> {
    let n = |k: &str| v.get(k).and_then(Value::as_i64).with_context(|| format!("field {k} missing in {v}"));
    Ok([n("total")?, n("closed")?, n("closed_on_time")?, n("overdue")?])
}

fn groups(v: &Value, field: &str) -> anyhow::Result<BTreeMap<String, Counts>> {
    let mut out = BTreeMap::new();
    for g in v.get(field).and_then(Value::as_array).with_context(|| format!("{field} missing"))? {
        let key = g.get("key").and_then(Value::as_str).context("key missing")?.to_string();
        let c = counts(g)?;
        // Groups with no tasks are nothing to compare.
        if c[0] > 0 {
            out.insert(key, c);
        }
    }
    Ok(out)
}

/// The endpoint's body, read into the ceiling's shape.
pub fn tasks_from_json(v: &Value) -> anyhow::Result<TaskFigures> {
    Ok(TaskFigures { total: counts(v)?, by_element: groups(v, "by_element")?, by_list: groups(v, "by_list")? })
}

pub fn check_tasks(endpoint: &Value, ceiling: &TaskFigures) -> anyhow::Result<()> {
    let got = tasks_from_json(endpoint)?;
    if &got != ceiling {
        bail!("task figures differ from the ceiling query: endpoint {got:?}, ceiling {ceiling:?}");
    }
    Ok(())
}

/// Held activities of the subtree in the period by kind (count, present,
/// expected), study items by kind, and the subtree's recordings dated in the
/// period (by their activity's day, else by when they were recorded),
/// as one statement of three branches.
const ACTIVITIES_SQL: &str = "\
    SELECT CAST('kind' AS TEXT), a.kind, COUNT(*), \
      COALESCE(CAST(SUM(a.present) AS BIGINT), 0), COALESCE(CAST(SUM(a.expected) AS BIGINT), 0) \
    FROM org_closure c JOIN activities a ON a.tenant_id = c.tenant_id AND a.org_id = c.descendant_id \
    WHERE c.tenant_id = $1 AND c.ancestor_id = $2 AND a.status = 'held' AND a.held_on >= $3 AND a.held_on <= $4 \
    GROUP BY a.kind \
    UNION ALL \
    SELECT CAST('study' AS TEXT), s.kind, COUNT(*), 0, 0 \
    FROM org_closure c JOIN study_items s ON s.tenant_id = c.tenant_id AND s.org_id = c.descendant_id \
    WHERE c.tenant_id = $1 AND c.ancestor_id = $2 AND s.on_date >= $3 AND s.on_date <= $4 \
    GROUP BY s.kind \
    UNION ALL \
    SELECT CAST('recordings' AS TEXT), CAST('' AS TEXT), COUNT(*), COALESCE(CAST(SUM(r.size) AS BIGINT), 0), 0 \
    FROM org_closure c JOIN recordings r ON r.tenant_id = c.tenant_id AND r.org_id = c.descendant_id \
    LEFT JOIN activities a ON a.tenant_id = r.tenant_id AND a.id = r.activity_id \
    WHERE c.tenant_id = $1 AND c.ancestor_id = $2 AND r.deleted_at IS NULL \
    AND COALESCE(a.held_on, SUBSTR(COALESCE(r.recorded_at, r.uploaded_at), 1, 10)) >= $3 \
    AND COALESCE(a.held_on, SUBSTR(COALESCE(r.recorded_at, r.uploaded_at), 1, 10)) <= $4";

#[derive(Debug, Default, Clone, PartialEq, serde::Serialize)]
pub struct ActivityFigures {
    pub by_kind: BTreeMap<String, i64>,
    pub present: i64,
    pub expected: i64,
    pub study: BTreeMap<String, i64>,
    pub recordings: i64,
    pub recordings_bytes: i64,
}

impl ActivityFigures {
    /// 100·present/expected to two decimals, as the endpoint states it.
    pub fn attendance_rate(&self) -> f64 {
        if self.expected == 0 {
            0.0
        } else {
            (10000.0 * self.present as f64 / self.expected as f64).round() / 100.0
        }
    }
}

pub async fn activities(pool: &AnyPool, org: i64, from: &str, to: &str) -> anyhow::Result<ActivityFigures> {
    let rows = sqlx::query(ACTIVITIES_SQL).bind(1i64).bind(org).bind(from).bind(to).fetch_all(pool).await?;
    let mut f = ActivityFigures::default();
    for r in rows {
        let part: String = r.try_get(0)?;
        let key: String = r.try_get(1)?;
        let (n, a, b): (i64, i64, i64) = (r.try_get(2)?, r.try_get(3)?, r.try_get(4)?);
        match part.as_str() {
            "kind" => {
                f.by_kind.insert(key, n);
                f.present += a;
                f.expected += b;
            }
            "study" => {
                f.study.insert(key, n);
            }
            _ => {
                f.recordings = n;
                f.recordings_bytes = a;
            }
        }
    }
    Ok(f)
}

/// Compares what the endpoint states with the ceiling. The endpoint is being
/// built beside this bench, so its shape is read leniently (a map or a list
/// of `{kind, count}`), but every number found must match.
pub fn check_activities(v: &Value, c: &ActivityFigures) -> anyhow::Result<Vec<&'static str>> {
    let mut checked = Vec::new();
    if let Some(bk) = v.get("by_kind") {
        let mut got = BTreeMap::new();
        match bk {
            Value::Object(m) => {
                for (k, x) in m {
                    let n = x.as_i64().or_else(|| x.get("count").and_then(Value::as_i64)).unwrap_or(0);
                    got.insert(k.clone(), n);
                }
            }
            Value::Array(a) => {
                for x in a {
                    let k = x.get("kind").or_else(|| x.get("key")).and_then(Value::as_str).unwrap_or("");
                    let n = x.get("count").or_else(|| x.get("total")).and_then(Value::as_i64).unwrap_or(0);
                    got.insert(k.to_string(), n);
                }
            }
            _ => bail!("by_kind is neither a map nor a list: {bk}"),
        }
        got.retain(|_, n| *n > 0);
        if got != c.by_kind {
            bail!("activities by_kind differs from the ceiling: endpoint {got:?}, ceiling {:?}", c.by_kind);
        }
        checked.push("by_kind");
    }
    if let Some(r) = v.get("attendance_rate").and_then(Value::as_f64) {
        if (r - c.attendance_rate()).abs() > 0.005 {
            bail!("attendance_rate {r} differs from the ceiling's {}", c.attendance_rate());
        }
        checked.push("attendance_rate");
    }
    for (field, kind) in [("suggestions", "suggestion"), ("case_studies", "case_study"), ("bulletins", "bulletin")] {
        if let Some(n) = v.get(field).and_then(Value::as_i64) {
            let want = c.study.get(kind).copied().unwrap_or(0);
            if n != want {
                bail!("{field} {n} differs from the ceiling's {want}");
            }
            checked.push(field);
        }
    }
    if let Some(rec) = v.get("recordings") {
        let n = rec.as_i64().or_else(|| rec.get("count").and_then(Value::as_i64));
        if let Some(n) = n {
            if n != c.recordings {
                bail!("recordings {n} differs from the ceiling's {}", c.recordings);
            }
            checked.push("recordings");
        }
        // The endpoint gives the total size beside the count as `recordings_bytes`.
        let size = v.get("recordings_bytes").and_then(Value::as_i64).or_else(|| {
            ["size", "total_size", "bytes", "total_bytes"].iter().find_map(|k| rec.get(*k).and_then(Value::as_i64))
        });
        if let Some(s) = size {
            if s != c.recordings_bytes {
                bail!("recordings size {s} differs from the ceiling's {}", c.recordings_bytes);
            }
            checked.push("recordings_size");
        }
    }
    Ok(checked)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn figures() -> TaskFigures {
        TaskFigures {
            total: [3, 2, 1, 1],
            by_element: [("7".to_string(), [3, 2, 1, 1])].into(),
            by_list: [("task".to_string(), [3, 2, 1, 1])].into(),
        }
    }

    fn body(closed: i64) -> Value {
        let g = |key: &str| json!({"key": key, "total": 3, "closed": closed, "closed_on_time": 1, "overdue": 1});
        json!({"total": 3, "closed": closed, "closed_on_time": 1, "overdue": 1,
            "by_element": [g("7"), {"key": "none", "total": 0, "closed": 0, "closed_on_time": 0, "overdue": 0}],
            "by_list": [g("task")]})
    }

    #[test]
    fn task_figures_must_equal_the_ceiling() {
        assert!(check_tasks(&body(2), &figures()).is_ok());
        assert!(check_tasks(&body(1), &figures()).is_err());
        assert!(check_tasks(&json!({"total": 3}), &figures()).is_err());
    }

    #[test]
    fn activity_figures_are_read_in_either_shape_and_compared() {
        let c = ActivityFigures {
            by_kind: [("theme_day".to_string(), 2)].into(),
            present: 9,
            expected: 10,
            study: [("bulletin".to_string(), 4)].into(),
            recordings: 1,
            recordings_bytes: 500,
        };
        let map = json!({"by_kind": {"theme_day": 2}, "attendance_rate": 90.0, "bulletins": 4, "suggestions": 0,
            "recordings": {"count": 1, "total_size": 500}});
        assert_eq!(
            check_activities(&map, &c).unwrap(),
            ["by_kind", "attendance_rate", "suggestions", "bulletins", "recordings", "recordings_size"]
        );
        let flat = json!({"by_kind": {"theme_day": 2}, "recordings": 1, "recordings_bytes": 500});
        assert_eq!(check_activities(&flat, &c).unwrap(), ["by_kind", "recordings", "recordings_size"]);
        assert!(check_activities(&json!({"recordings": 1, "recordings_bytes": 501}), &c).is_err());
        let list = json!({"by_kind": [{"kind": "theme_day", "count": 2}], "attendance_rate": 90.0});
        assert!(check_activities(&list, &c).is_ok());
        assert!(check_activities(&json!({"attendance_rate": 80.0}), &c).is_err());
        assert!(check_activities(&json!({"by_kind": {"theme_day": 3}}), &c).is_err());
    }
}
