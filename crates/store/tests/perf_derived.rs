//! Derived data kept for speed (the `tasks.leaf` flag behind the figures)
//! stays exactly what a from-scratch computation gives, after a generated
//! group and a sequence of writes on top of it, on both backends.
// Tests set up data as the operator would, through the unscoped handle.
#![allow(clippy::disallowed_methods)]

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::NaiveDate;
use dangjian_domain::task::ListKind;
use dangjian_store::generate::Scale;
use dangjian_store::tasks::{NewList, TaskInput, TaskStats};
use dangjian_store::testing::{TestDb, BACKENDS};
use dangjian_store::Db;
use sqlx::Row;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// [total, closed, closed_on_time, overdue] from every task row, in Rust.
type Counts = [i64; 4];

struct Scratch {
    total: Counts,
    by_element: BTreeMap<String, Counts>,
    by_list: BTreeMap<String, Counts>,
}

async fn scratch(db: &Db, org: i64, from: &str, to: &str, today: &str) -> Scratch {
    let pool = db.pool();
    let subtree: HashSet<i64> =
        sqlx::query("SELECT descendant_id FROM org_closure WHERE tenant_id = 1 AND ancestor_id = $1")
            .bind(org)
            .fetch_all(pool)
            .await
            .unwrap()
            .iter()
            .map(|r| r.try_get(0).unwrap())
            .collect();
    let kinds: HashMap<i64, String> = sqlx::query("SELECT id, kind FROM task_lists WHERE tenant_id = 1")
        .fetch_all(pool)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.try_get(0).unwrap(), r.try_get(1).unwrap()))
        .collect();
    let rows = sqlx::query(
        "SELECT id, parent_id, org_id, due_on, status, closed_on, element_id, list_id FROM tasks WHERE tenant_id = 1",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let parents: HashSet<i64> = rows.iter().filter_map(|r| r.try_get::<Option<i64>, _>(1).unwrap()).collect();
    let mut s = Scratch { total: [0; 4], by_element: BTreeMap::new(), by_list: BTreeMap::new() };
    for r in &rows {
        let id: i64 = r.try_get(0).unwrap();
        let org: i64 = r.try_get(2).unwrap();
        let Some(due) = r.try_get::<Option<String>, _>(3).unwrap() else { continue };
        let status: String = r.try_get(4).unwrap();
        if parents.contains(&id)
            || !subtree.contains(&org)
            || status == "cancelled"
            || due.as_str() < from
            || due.as_str() > to
        {
            continue;
        }
        let closed_on: Option<String> = r.try_get(5).unwrap();
        let closed = status == "closed";
        let c = [
            1,
            i64::from(closed),
            i64::from(closed && closed_on.is_some_and(|c| c <= due)),
            i64::from(!closed && due.as_str() < today),
        ];
        let element = r.try_get::<Option<i64>, _>(6).unwrap().map_or("none".to_string(), |e| e.to_string());
        let kind = kinds[&r.try_get::<i64, _>(7).unwrap()].clone();
        for acc in [&mut s.total, s.by_element.entry(element).or_default(), s.by_list.entry(kind).or_default()] {
            for (a, x) in acc.iter_mut().zip(c) {
                *a += x;
            }
        }
    }
    s
}

fn assert_same(stats: &TaskStats, s: &Scratch, what: &str) {
    assert_eq!([stats.total, stats.closed, stats.closed_on_time, stats.overdue], s.total, "{what}");
    let groups = |g: &[dangjian_store::tasks::StatsGroup]| -> BTreeMap<String, Counts> {
        g.iter().map(|g| (g.key.clone(), [g.total, g.closed, g.closed_on_time, g.overdue])).collect()
    };
    assert_eq!(groups(&stats.by_element), s.by_element, "{what}: by element");
    assert_eq!(groups(&stats.by_list), s.by_list, "{what}: by list");
}

async fn leaf_mismatches(db: &Db) -> i64 {
    sqlx::query(
        "SELECT COUNT(*) FROM tasks t WHERE t.tenant_id = 1 AND t.leaf <> CASE WHEN EXISTS \
         (SELECT 1 FROM tasks c WHERE c.tenant_id = 1 AND c.parent_id = t.id) THEN 0 ELSE 1 END",
    )
    .fetch_one(db.pool())
    .await
    .unwrap()
    .try_get(0)
    .unwrap()
}

#[tokio::test]
async fn figures_from_the_leaf_flag_match_a_from_scratch_count_after_writes() {
    let today = d("2026-11-20");
    let (from, to, today_s) = ("2026-01-01", "2026-12-31", "2026-11-20");
    for backend in BACKENDS {
        let Some(t) = TestDb::new(backend).await else { continue };
        let db = &t.db;
        let sys = db.system(1);
        sys.generate_as_of(Scale::S, 3, today).await.unwrap();
        assert_eq!(leaf_mismatches(db).await, 0);
        let admin = sys.cli_principal();
        let s = db.scoped(&admin);
        let root = s.roots().await.unwrap()[0].id;

        // Writes: children under leaves due in the period (the leaves stop
        // counting, the children start), grandchildren, a new list with a
        // tree, and a ledger import.
        let leaves = sqlx::query(
            "SELECT id, list_id, org_id FROM tasks WHERE tenant_id = 1 AND leaf = 1 AND due_on >= $1 AND due_on <= $2 \
             AND status <> 'cancelled' ORDER BY id LIMIT 6",
        )
        .bind(from)
        .bind(to)
        .fetch_all(db.pool())
        .await
        .unwrap();
        assert_eq!(leaves.len(), 6);
        let input = |parent: Option<i64>, org: i64, title: &str, due: &str| TaskInput {
            parent_id: parent,
            title: title.into(),
            org_id: org,
            due_on: Some(due.into()),
            ..Default::default()
        };
        let mut children = Vec::new();
        for (k, r) in leaves.iter().enumerate() {
            let (id, list, org): (i64, i64, i64) =
                (r.try_get(0).unwrap(), r.try_get(1).unwrap(), r.try_get(2).unwrap());
            let due = if k % 2 == 0 { "2026-03-31" } else { "2026-12-15" };
            let c = s.create_task(list, &input(Some(id), org, &format!("分解{k}"), due)).await.unwrap();
            children.push((c.id, list, org));
        }
        let (c0, list0, org0) = children[0];
        s.create_task(list0, &input(Some(c0), org0, "再分解", "2026-02-28")).await.unwrap();
        let branch = org0;
        let list = s
            .create_list(&NewList {
                org_id: branch,
                kind: ListKind::Task,
                name: "新清单".into(),
                year: Some(2026),
                source: String::new(),
                procedure_id: None,
                framework_id: None,
            })
            .await
            .unwrap();
        let top = s.create_task(list.id, &input(None, branch, "年度任务", "2026-12-31")).await.unwrap();
        for k in 0..3 {
            s.create_task(list.id, &input(Some(top.id), branch, &format!("子任务{k}"), "2026-06-30")).await.unwrap();
        }
        let ledger = s
            .create_list(&NewList {
                org_id: root,
                kind: ListKind::Rectification,
                name: "整改台账".into(),
                year: Some(2026),
                source: String::new(),
                procedure_id: None,
                framework_id: None,
            })
            .await
            .unwrap();
        let org_name: String = s.org(branch).await.unwrap().name;
        let path: Vec<String> = s.breadcrumb(branch).await.unwrap().iter().skip(1).map(|o| o.name.clone()).collect();
        let rows = (0..4)
            .map(|k| dangjian_excel::LedgerRow {
                row: k + 2,
                seq: Some((k + 1).to_string()),
                category: None,
                problem: format!("问题{k}"),
                measure: "整改".into(),
                responsible_org: if path.is_empty() { org_name.clone() } else { path.join("/") },
                responsible_person: None,
                leading_leader: None,
                cooperating_orgs: vec![],
                due_on: d(if k % 2 == 0 { "2026-05-31" } else { "2026-10-31" }),
                target: None,
                note: None,
            })
            .collect();
        s.import_ledger(ledger.id, rows).await.unwrap();

        assert_eq!(leaf_mismatches(db).await, 0, "{backend:?}");
        let ent = s.children(root).await.unwrap().into_iter().map(|c| c.org.id).next().unwrap();
        // The calendar year, the last year as the figures page asks, ragged
        // ends past today, today's month alone, and a window long past.
        let windows = [
            (from, to),
            ("2025-11-21", today_s),
            ("2026-02-10", "2026-11-25"),
            ("2026-11-01", "2026-11-30"),
            ("2024-03-15", "2025-08-31"),
        ];
        for (org, what) in [(root, "root"), (ent, "enterprise"), (branch, "branch")] {
            for (f, to) in windows {
                let stats = s.task_stats(org, d(f), d(to), today).await.unwrap();
                assert_same(&stats, &scratch(db, org, f, to, today_s).await, &format!("{backend:?} {what} {f}..{to}"));
            }
        }
        t.cleanup().await;
    }
}

/// The activities figures' compliance rate is counted in the database per
/// requirement and period (`compliance_counts`); the board (`compliance`)
/// checks every org in Rust. Both must give the same met and counted periods
/// for any subtree and window: over a generated group, after a branch is
/// merged away mid-year, and under a requirement of twice a quarter.
#[tokio::test]
async fn compliance_counts_match_the_board_org_by_org() {
    let today = d("2026-11-20");
    for backend in BACKENDS {
        let Some(t) = TestDb::new(backend).await else { continue };
        let db = &t.db;
        let sys = db.system(1);
        sys.generate_as_of(Scale::S, 5, today).await.unwrap();
        let admin = sys.cli_principal();
        let s = db.scoped(&admin);
        let root = s.roots().await.unwrap()[0].id;
        let enterprise = s.children(root).await.unwrap()[0].org.id;
        let branches: Vec<i64> = sqlx::query(
            "SELECT id FROM orgs WHERE tenant_id = 1 AND kind = 'branch' AND dissolved_on IS NULL ORDER BY id LIMIT 2",
        )
        .fetch_all(db.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get(0).unwrap())
        .collect();
        let orgs = [root, enterprise, branches[0], branches[1]];
        same_counts(&s, &orgs, today, "generated").await;
        let board = s.compliance(root, d("2025-11-21"), today, today).await.unwrap();
        assert!(board.met > 0 && board.counted > board.met, "the generated group misses some periods: {board:?}");

        // The second branch merges into the first in May: its periods after that ask nothing.
        s.end_org(branches[1], Some(branches[0]), d("2026-05-10"), "合并〔2026〕1号").await.unwrap();
        same_counts(&s, &orgs, today, "after a merge").await;

        // Theme days twice a quarter: counts above one matter.
        let mut settings = s.settings().await.unwrap();
        settings.activity_requirements.push(dangjian_domain::activity::Requirement {
            org_kinds: vec![dangjian_domain::org::OrgKind::Branch],
            activity_kind: "theme_day".into(),
            period: dangjian_domain::activity::Period::Quarter,
            times: 2,
        });
        sys.set_settings_json(&serde_json::to_string(&settings).unwrap()).await.unwrap();
        same_counts(&s, &orgs, today, "twice a quarter").await;
    }
}

async fn same_counts(s: &dangjian_store::Scoped<'_>, orgs: &[i64], today: NaiveDate, label: &str) {
    let windows = [
        ("2025-11-21", "2026-11-20"), // the last year, as the figures page asks
        ("2026-01-01", "2026-12-31"), // a calendar year still running
        ("2026-04-01", "2026-06-30"), // one past quarter
        ("2026-02-10", "2026-11-25"), // ragged ends, past today
        ("2024-01-01", "2026-11-20"), // older than the attendance lists
        ("2026-05-20", "2026-11-20"), // after the merge: the merged branch's May is not counted
    ];
    for &org in orgs {
        for (f, to) in windows {
            let (from, to) = (d(f), d(to));
            let board = s.compliance(org, from, to, today).await.unwrap();
            let fast = s.compliance_counts(org, from, to, today).await.unwrap();
            assert_eq!(fast, (board.met, board.counted), "{label}: org {org}, {f}..{to}");
        }
    }
}
