//! Times the task figures (`Scoped::task_stats`) on a synthetic tree of
//! 30 enterprises and 5,000 branches with 10 tasks per branch, on SQLite or
//! on PostgreSQL (`DANGJIAN_BENCH_PG_URL`, an admin URL; a database is
//! created and dropped). Prints cold and warm timings (p50/p99) for the root,
//! one enterprise and one branch.
//!
//! `cargo run --release -p dangjian-store --example task_stats_bench [sqlite|postgres]`
#![allow(clippy::disallowed_methods)]

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use dangjian_domain::org::OrgKind;
use dangjian_domain::task::ListKind;
use dangjian_store::orgs::NewOrg;
use dangjian_store::tasks::NewList;
use dangjian_store::testing::TestDb;
use dangjian_store::Backend;

fn pct(mut v: Vec<Duration>, p: f64) -> Duration {
    v.sort();
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::main]
async fn main() {
    let backend = match std::env::args().nth(1).as_deref() {
        Some("postgres") => {
            if let Ok(url) = std::env::var("DANGJIAN_BENCH_PG_URL") {
                std::env::set_var("DANGJIAN_TEST_PG_URL", url);
            }
            Backend::Postgres
        }
        _ => Backend::Sqlite,
    };
    let t = TestDb::new(backend).await.expect("database (set DANGJIAN_BENCH_PG_URL for postgres)");
    let db = &t.db;
    let sys = db.system(1);
    let admin = sys.cli_principal();
    let s = db.scoped(&admin);
    let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
    let started = Instant::now();
    let root = sys.create_root(OrgKind::Committee, "集团", d(2000, 1, 1)).await.unwrap().id;
    let mut enterprises = Vec::new();
    let mut branches = Vec::new();
    for e in 0..30 {
        let ent = s
            .establish(NewOrg {
                parent_id: root,
                kind: OrgKind::Committee,
                name: format!("企业{e}"),
                established_on: d(2000, 1, 1),
                doc_no: String::new(),
                overseas: false,
            })
            .await
            .unwrap()
            .id;
        enterprises.push(ent);
        let n = if e < 20 { 167 } else { 166 };
        for b in 0..n {
            let br = s
                .establish(NewOrg {
                    parent_id: ent,
                    kind: OrgKind::Branch,
                    name: format!("企业{e}第{b}党支部"),
                    established_on: d(2000, 1, 1),
                    doc_no: String::new(),
                    overseas: false,
                })
                .await
                .unwrap()
                .id;
            branches.push(br);
        }
    }
    println!("tree: {} enterprises, {} branches in {:.1?}", enterprises.len(), branches.len(), started.elapsed());
    let started = Instant::now();
    let list = s
        .create_list(&NewList {
            org_id: root,
            kind: ListKind::Rectification,
            name: "台账".into(),
            year: Some(2025),
            source: String::new(),
            procedure_id: None,
            framework_id: None,
        })
        .await
        .unwrap();
    // Ten measures per branch, named as users write them.
    let names: Vec<String> =
        (0..30).flat_map(|e| (0..if e < 20 { 167 } else { 166 }).map(move |b| format!("企业{e}第{b}党支部"))).collect();
    let rows: Vec<dangjian_excel::LedgerRow> = (0..names.len() * 10)
        .map(|i| dangjian_excel::LedgerRow {
            row: i + 2,
            seq: None,
            category: None,
            problem: format!("问题{i}"),
            measure: format!("措施{i}"),
            responsible_org: names[i / 10].clone(),
            responsible_person: None,
            leading_leader: None,
            cooperating_orgs: vec![],
            due_on: d(2025, 1 + (i % 12) as u32, 28),
            target: None,
            note: None,
        })
        .collect();
    let n = s.import_ledger(list.id, rows).await.unwrap();
    // Close about 60%, a few on time and late.
    sqlx::query("UPDATE tasks SET status = 'closed', closed_on = due_on WHERE id % 5 < 3")
        .execute(db.pool())
        .await
        .unwrap();
    println!("tasks: {} in {:.1?}", n.created, started.elapsed());
    // Measure the steady state: statistics as autovacuum would have gathered them.
    sqlx::query("ANALYZE").execute(db.pool()).await.unwrap();

    let today = d(2025, 9, 1);
    for (label, org) in [("root", root), ("enterprise", enterprises[0]), ("branch", branches[0])] {
        let cold = Instant::now();
        let st = s.task_stats(org, d(2025, 1, 1), d(2025, 12, 31), today).await.unwrap();
        let cold = cold.elapsed();
        let mut warm = Vec::new();
        for _ in 0..30 {
            let t0 = Instant::now();
            s.task_stats(org, d(2025, 1, 1), d(2025, 12, 31), today).await.unwrap();
            warm.push(t0.elapsed());
        }
        println!(
            "{:?} task_stats {label:<10} total {:>6} closed {:>6} rate {:>6.2}%  first {:>8.1?}  warm p50 {:>8.1?} p99 {:>8.1?}",
            backend,
            st.total,
            st.closed,
            st.completion_rate.unwrap_or(0.0),
            cold,
            pct(warm.clone(), 0.5),
            pct(warm, 0.99)
        );
    }
    t.cleanup().await;
}
