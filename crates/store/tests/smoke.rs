//! Storage on both backends: the same assertions on SQLite and PostgreSQL.
// Tests set up data as the operator would, through the unscoped handle.
#![allow(clippy::disallowed_methods)]

use chrono::NaiveDate;
use dangjian_domain::org::OrgKind;
use dangjian_domain::role::Role;
use dangjian_store::orgs::NewOrg;
use dangjian_store::people::{PersonInput, RosterQuery};
use dangjian_store::testing::{TestDb, BACKENDS};
use dangjian_store::{Grant, Principal, StoreError};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn staff(org: i64) -> Principal {
    Principal {
        tenant_id: 1,
        user_id: Some(100),
        username: "staff".into(),
        person_id: None,
        grants: vec![Grant { role: Role::CommitteeStaff, org_id: org }],
    }
}

#[tokio::test]
async fn tree_people_and_history_on_both_backends() {
    for backend in BACKENDS {
        let Some(t) = TestDb::new(backend).await else { continue };
        let sys = t.db.system(1);
        let root = sys.create_root(OrgKind::Committee, "西南铝党委", d("2000-01-01")).await.unwrap();
        let admin = sys.cli_principal();
        let s = t.db.scoped(&admin);
        let gb = s
            .establish(NewOrg {
                parent_id: root.id,
                kind: OrgKind::GeneralBranch,
                name: "熔铸厂党总支".into(),
                established_on: d("2001-01-01"),
                doc_no: "文1".into(),
                overseas: false,
            })
            .await
            .unwrap();
        let br = s
            .establish(NewOrg {
                parent_id: gb.id,
                kind: OrgKind::Branch,
                name: "第一党支部".into(),
                established_on: d("2002-01-01"),
                doc_no: "文2".into(),
                overseas: false,
            })
            .await
            .unwrap();
        // Duplicate sibling names are refused.
        let dup = s
            .establish(NewOrg {
                parent_id: gb.id,
                kind: OrgKind::Branch,
                name: "第一党支部".into(),
                established_on: d("2002-01-01"),
                doc_no: "".into(),
                overseas: false,
            })
            .await;
        assert!(matches!(dup, Err(StoreError::Validation(ref v)) if v[0].0 == "name"), "{backend:?}: {dup:?}");

        let p = s
            .create_person(&PersonInput {
                org_id: br.id,
                name: "王小明".into(),
                id_number: "11010519491231002X".into(),
                phone: Some("13812345678".into()),
                status: "full".into(),
                probationary_on: Some("2010-07-01".into()),
                full_on: Some("2011-07-01".into()),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(p.id_number, "1101**********002X");
        assert_eq!(p.phone.as_deref(), Some("138****5678"));
        assert_eq!(p.gender, "female");

        // The same ID number again, in any case, is a duplicate.
        let again = s
            .create_person(&PersonInput {
                org_id: br.id,
                name: "王小明".into(),
                id_number: "11010519491231002x".into(),
                status: "none".into(),
                ..Default::default()
            })
            .await;
        assert!(matches!(again, Err(StoreError::Conflict(dangjian_domain::Code::IdNumberDuplicate))), "{again:?}");

        assert_eq!(s.reveal(p.id, "id_number").await.unwrap(), "11010519491231002X");
        let roster = s.roster(root.id, &RosterQuery::default()).await.unwrap();
        assert_eq!(roster.total, 1);
        let by_id = s
            .roster(root.id, &RosterQuery { q: Some("11010519491231002X".into()), ..Default::default() })
            .await
            .unwrap();
        assert_eq!(by_id.total, 1);

        // Scope: staff of the general branch see it and below, not the root.
        let gstaff = staff(gb.id);
        let g = t.db.scoped(&gstaff);
        assert!(matches!(g.org(root.id).await, Err(StoreError::NotFound)));
        assert_eq!(g.roots().await.unwrap().iter().map(|o| o.id).collect::<Vec<_>>(), vec![gb.id]);
        assert_eq!(g.children(gb.id).await.unwrap()[0].people_count, 1);
        // ...and may restructure below their grant but not the granted org itself.
        assert!(matches!(g.rename(gb.id, "新名", d("2025-01-01"), "x").await, Err(StoreError::Forbidden)));
        g.rename(br.id, "锻造厂安全生产党支部", d("2025-03-01"), "西南铝党委〔2025〕3号").await.unwrap();

        let past = s.tree_as_of(root.id, d("2024-12-31")).await.unwrap();
        assert!(past.iter().any(|o| o.name == "第一党支部"));
        let now = s.tree_as_of(root.id, d("2025-12-31")).await.unwrap();
        assert!(now.iter().any(|o| o.name == "锻造厂安全生产党支部"));
        assert_eq!(s.events(br.id).await.unwrap().len(), 2);

        let chain = s.audit_verify().await.unwrap();
        assert!(chain.intact, "{chain:?}");
        assert!(chain.entries >= 6);
        t.cleanup().await;
    }
}
