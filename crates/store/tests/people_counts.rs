//! The stored people counts (`orgs.people_count`) stay equal to a recount from
//! the people rows after every kind of write that adds or moves people or
//! re-hangs orgs, on both backends; and the roster, whose unfiltered pages
//! are cut by those counts, pages through exactly what a full sort gives.
// Tests set up data as the operator would, through the unscoped handle.
#![allow(clippy::disallowed_methods)]

use std::collections::HashMap;

use chrono::NaiveDate;
use dangjian_domain::id_number::synthesize;
use dangjian_domain::org::OrgKind;
use dangjian_domain::person::{Gender, MemberStatus, StageDates};
use dangjian_excel::RosterRow;
use dangjian_store::crypto::Crypto;
use dangjian_store::generate::Scale;
use dangjian_store::orgs::NewOrg;
use dangjian_store::people::{PersonInput, RosterQuery};
use dangjian_store::testing::{TestDb, BACKENDS};
use dangjian_store::{Db, Scoped};
use sqlx::Row;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// Every org's people count from the rows, in Rust: people registered in its
/// subtree (walked by `parent_id`), plus people naming it as their cell.
async fn recount(db: &Db) -> HashMap<i64, i64> {
    let pool = db.pool();
    let orgs: Vec<(i64, Option<i64>)> = sqlx::query("SELECT id, parent_id FROM orgs WHERE tenant_id = 1")
        .fetch_all(pool)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.try_get(0).unwrap(), r.try_get(1).unwrap()))
        .collect();
    let parent: HashMap<i64, Option<i64>> = orgs.iter().copied().collect();
    let mut counts: HashMap<i64, i64> = orgs.iter().map(|(id, _)| (*id, 0)).collect();
    for r in sqlx::query("SELECT org_id, cell_id FROM people WHERE tenant_id = 1").fetch_all(pool).await.unwrap() {
        let mut cur = Some(r.try_get::<i64, _>(0).unwrap());
        while let Some(o) = cur {
            *counts.get_mut(&o).unwrap() += 1;
            cur = parent[&o];
        }
        if let Some(c) = r.try_get::<Option<i64>, _>(1).unwrap() {
            *counts.get_mut(&c).unwrap() += 1;
        }
    }
    counts
}

async fn stored(db: &Db) -> HashMap<i64, i64> {
    sqlx::query("SELECT id, people_count FROM orgs WHERE tenant_id = 1")
        .fetch_all(db.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| (r.try_get(0).unwrap(), r.try_get(1).unwrap()))
        .collect()
}

/// Stored counts equal the recount; what the org page and the child
/// listings show is the stored count; roster totals agree.
async fn check(db: &Db, s: &Scoped<'_>, step: &str) {
    let want = recount(db).await;
    assert_eq!(stored(db).await, want, "{:?} after {step}", db.backend());
    let admin = db.system(1).cli_principal();
    let fresh = db.scoped(&admin);
    for (&id, &n) in &want {
        assert_eq!(fresh.people_count(id).await.unwrap(), n, "{:?} after {step}: org {id}", db.backend());
        for c in fresh.children(id).await.unwrap() {
            assert_eq!(c.people_count, want[&c.org.id], "{:?} after {step}: child {}", db.backend(), c.org.id);
        }
    }
    // The handle that wrote sees its own writes.
    for (&id, &n) in &want {
        assert_eq!(s.people_count(id).await.unwrap(), n, "{:?} after {step}: org {id} (writer's handle)", db.backend());
    }
}

/// Pages of the unfiltered roster, concatenated, are the subtree's people in
/// the database's (org name, person name, id) order, and the totals match.
async fn check_roster(db: &Db, org: i64, per_page: i64, step: &str) {
    let ids: Vec<i64> = sqlx::query(
        "SELECT p.id FROM people p JOIN orgs o ON o.tenant_id = p.tenant_id AND o.id = p.org_id \
         WHERE p.tenant_id = 1 AND (p.org_id IN (SELECT descendant_id FROM org_closure WHERE tenant_id = 1 AND ancestor_id = $1)) \
         ORDER BY o.name, p.name, p.id",
    )
    .bind(org)
    .fetch_all(db.pool())
    .await
    .unwrap()
    .iter()
    .map(|r| r.try_get(0).unwrap())
    .collect();
    let admin = db.system(1).cli_principal();
    let s = db.scoped(&admin);
    // The page size asked for, one page that holds the subtree exactly (read
    // without a window) and one a person too small.
    let n = ids.len() as i64;
    for per_page in [per_page, n.max(1), (n - 1).max(1)] {
        let mut got = Vec::new();
        for page in 1..=(n / per_page + 2) {
            let q = RosterQuery { page: Some(page), per_page: Some(per_page), ..Default::default() };
            let r = s.roster(org, &q).await.unwrap();
            assert_eq!(r.total, n, "{:?} after {step}: roster total of {org}", db.backend());
            assert!(r.items.len() as i64 <= per_page);
            got.extend(r.items.iter().map(|p| p.id));
        }
        assert_eq!(got, ids, "{:?} after {step}: roster pages of {org}, {per_page} a page", db.backend());
    }
    // The filtered path (any status) agrees with the windowed one.
    let q = RosterQuery { status: Some("none".into()), per_page: Some(5000), ..Default::default() };
    let none = s.roster(org, &q).await.unwrap();
    assert!(none.items.iter().all(|p| ids.contains(&p.id)));
}

fn person(org_id: i64, cell_id: Option<i64>, name: &str, seq: u32) -> PersonInput {
    PersonInput {
        org_id,
        cell_id,
        name: name.into(),
        id_number: synthesize(110105, d("1980-01-01"), seq).as_str().to_string(),
        status: "none".into(),
        ..Default::default()
    }
}

fn row(branch: &str, cell: Option<&str>, name: &str, seq: u32) -> RosterRow {
    RosterRow {
        row: seq as usize,
        name: name.into(),
        gender: Gender::Male,
        id_number: synthesize(110105, d("1980-01-01"), seq),
        phone: None,
        status: MemberStatus::None,
        dates: StageDates::default(),
        branch: branch.into(),
        cell: cell.map(str::to_string),
        work_unit: None,
        position: None,
        talent_pool: None,
        workers_representative: false,
    }
}

async fn org(s: &Scoped<'_>, parent: i64, kind: OrgKind, name: &str) -> i64 {
    s.establish(NewOrg {
        parent_id: parent,
        kind,
        name: name.into(),
        established_on: d("2001-01-01"),
        doc_no: String::new(),
        overseas: false,
    })
    .await
    .unwrap()
    .id
}

#[tokio::test]
async fn stored_people_counts_stay_exact_on_both_backends() {
    for backend in BACKENDS {
        let Some(t) = TestDb::new(backend).await else { continue };
        let db = &t.db;
        let sys = db.system(1);
        let root = sys.create_root(OrgKind::Committee, "集团党委", d("2000-01-01")).await.unwrap().id;
        let admin = sys.cli_principal();
        let s = db.scoped(&admin);
        let a = org(&s, root, OrgKind::Committee, "甲公司党委").await;
        let b = org(&s, root, OrgKind::Committee, "乙公司党委").await;
        // Equally named branches under both: their people interleave in a roster.
        let a1 = org(&s, a, OrgKind::Branch, "综合党支部").await;
        let a2 = org(&s, a, OrgKind::Branch, "运行党支部").await;
        let b1 = org(&s, b, OrgKind::Branch, "综合党支部").await;
        let b2 = org(&s, b, OrgKind::Branch, "机关党支部").await;
        let a1c = org(&s, a1, OrgKind::Cell, "第一党小组").await;
        let b1c = org(&s, b1, OrgKind::Cell, "第一党小组").await;
        check(db, &s, "establish").await;

        // Added one by one, in branches and cells.
        let mut ids = Vec::new();
        for (seq, (o, cell, name)) in (1..).zip([
            (a1, None, "张三"),
            (a1, Some(a1c), "李四"),
            (a1c, None, "王五"),
            (a2, None, "赵六"),
            (b1, None, "张三"),
            (b1, Some(b1c), "钱七"),
            (b2, None, "孙八"),
            (b2, None, "周九"),
        ]) {
            ids.push(s.create_person(&person(o, cell, name, seq)).await.unwrap());
        }
        check(db, &s, "create_person").await;
        check_roster(db, root, 3, "create_person").await;

        // Moved between branches, into a cell, out of one, and edited in place.
        let p = &ids[0];
        s.update_person(p.id, 1, &person(b1, Some(b1c), "张三", 1)).await.unwrap();
        let p = &ids[1];
        s.update_person(p.id, 1, &person(a1, None, "李四", 2)).await.unwrap();
        let p = &ids[6];
        s.update_person(p.id, 1, &person(b2, None, "孙八八", 7)).await.unwrap();
        // A stale version changes nothing, counts included.
        assert!(s.update_person(ids[0].id, 1, &person(a2, None, "张三", 1)).await.is_err());
        check(db, &s, "update_person").await;
        check_roster(db, a, 2, "update_person").await;

        // An import into the root: new people, and existing ones moved (one
        // named twice: the last row wins).
        let rows = vec![
            row("甲公司党委/综合党支部", Some("第一党小组"), "吴十", 100),
            row("运行党支部", None, "郑一", 101),
            row("乙公司党委/综合党支部", None, "王二", 102),
            row("机关党支部", None, "冯三", 103),
            row("运行党支部", None, "张三", 1),
            row("甲公司党委/综合党支部", Some("第一党小组"), "钱七", 6),
            row("运行党支部", None, "钱七", 6),
        ];
        s.import_roster(root, rows).await.unwrap();
        check(db, &s, "import_roster").await;
        check_roster(db, root, 4, "import_roster").await;

        // A branch with its people moved to the other company.
        s.move_org(a2, b, d("2020-01-01"), "").await.unwrap();
        check(db, &s, "move_org").await;
        check_roster(db, b, 3, "move_org").await;

        // A cell merged into another keeps naming its people (they stay in
        // the dissolved cell).
        let a1d = org(&s, a1, OrgKind::Cell, "第二党小组").await;
        s.create_person(&person(a1d, None, "陈二", 200)).await.unwrap();
        s.end_org(a1d, Some(a1c), d("2020-06-01"), "").await.unwrap();
        check(db, &s, "end_org (cells merged)").await;

        // A branch with cells and people merged into another: its people go
        // to the target (leaving their cells), its active cell moves along,
        // the dissolved one stays behind.
        s.end_org(a1, Some(b1), d("2021-01-01"), "").await.unwrap();
        check(db, &s, "end_org (merge)").await;
        check_roster(db, root, 5, "end_org (merge)").await;

        // An empty branch dissolved.
        let empty = org(&s, b, OrgKind::Branch, "临时党支部").await;
        s.end_org(empty, None, d("2021-06-01"), "").await.unwrap();
        check(db, &s, "end_org (dissolve)").await;
        t.cleanup().await;
    }
}

/// The generator writes people in bulk; `rebuild_people_counts` (which it is
/// to call) makes the counts exact, opening the database repairs them if a
/// bulk writer did not call it, and writes on top keep them so.
#[tokio::test]
async fn rebuilt_counts_after_generation_on_both_backends() {
    for backend in BACKENDS {
        let Some(t) = TestDb::new(backend).await else { continue };
        let db = &t.db;
        let sys = db.system(1);
        sys.generate(Scale::S, 7).await.unwrap();
        let reopened = Db::open(&t.url, Crypto::from_master([7; 32])).await.unwrap();
        let admin = sys.cli_principal();
        check(&reopened, &reopened.scoped(&admin), "generate, then open").await;
        reopened.close().await;
        sqlx::query("UPDATE orgs SET people_count = 0").execute(db.pool()).await.unwrap();
        sys.rebuild_people_counts().await.unwrap();
        let s = db.scoped(&admin);
        check(db, &s, "rebuild_people_counts").await;
        let root = s.roots().await.unwrap()[0].id;
        check_roster(db, root, 50, "generate").await;
        // A branch of the generated group gains a person; another moves.
        let branch: i64 = sqlx::query(
            "SELECT id FROM orgs WHERE tenant_id = 1 AND kind = 'branch' AND dissolved_on IS NULL ORDER BY id LIMIT 1",
        )
        .fetch_one(db.pool())
        .await
        .unwrap()
        .try_get(0)
        .unwrap();
        s.create_person(&person(branch, None, "新人", 999)).await.unwrap();
        let target: i64 = sqlx::query(
            "SELECT o.id FROM orgs o WHERE o.tenant_id = 1 AND o.kind = 'committee' AND o.dissolved_on IS NULL \
             AND o.parent_id IS NOT NULL AND o.id NOT IN (SELECT ancestor_id FROM org_closure WHERE tenant_id = 1 AND descendant_id = $1) \
             AND NOT EXISTS (SELECT 1 FROM orgs k WHERE k.tenant_id = 1 AND k.parent_id = o.id \
               AND k.name = (SELECT name FROM orgs WHERE tenant_id = 1 AND id = $1)) \
             ORDER BY o.id LIMIT 1",
        )
        .bind(branch)
        .fetch_one(db.pool())
        .await
        .unwrap()
        .try_get(0)
        .unwrap();
        s.move_org(branch, target, d("2024-01-01"), "").await.unwrap();
        check(db, &s, "generate, then writes").await;
        t.cleanup().await;
    }
}
