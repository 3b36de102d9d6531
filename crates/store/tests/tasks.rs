//! Work systems and task lists on both backends: templates, close-out with
//! returns, the concurrent-approval race, escalation, figures and the to-do.
// Tests set up data as the operator would, through the unscoped handle.
#![allow(clippy::disallowed_methods)]

use chrono::NaiveDate;
use dangjian_domain::closeout::{Action, Procedure};
use dangjian_domain::org::OrgKind;
use dangjian_domain::role::Role;
use dangjian_domain::task::ListKind;
use dangjian_domain::Code;
use dangjian_store::orgs::NewOrg;
use dangjian_store::tasks::{NewList, TaskInput};
use dangjian_store::testing::{TestDb, BACKENDS};
use dangjian_store::{Grant, Principal, StoreError};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn who(name: &str, id: i64, role: Role, org: i64) -> Principal {
    Principal {
        tenant_id: 1,
        user_id: Some(id),
        username: name.into(),
        person_id: None,
        grants: vec![Grant { role, org_id: org }],
    }
}

struct Tree {
    group: i64,
    ent: i64,
    gb: i64,
    br: i64,
}

async fn tree(db: &dangjian_store::Db) -> Tree {
    let sys = db.system(1);
    let group = sys.create_root(OrgKind::Committee, "中铝股份党委", d("2001-01-01")).await.unwrap().id;
    let admin = sys.cli_principal();
    let s = db.scoped(&admin);
    let mk = |p: i64, kind: OrgKind, name: &str| NewOrg {
        parent_id: p,
        kind,
        name: name.into(),
        established_on: d("2010-01-01"),
        doc_no: String::new(),
        overseas: false,
    };
    let ent = s.establish(mk(group, OrgKind::Committee, "包头铝业党委")).await.unwrap().id;
    let gb = s.establish(mk(ent, OrgKind::GeneralBranch, "电解一厂党总支")).await.unwrap().id;
    let br = s.establish(mk(gb, OrgKind::Branch, "电解一厂综合党支部")).await.unwrap().id;
    Tree { group, ent, gb, br }
}

#[tokio::test]
async fn frameworks_from_templates_copy_and_compare() {
    for backend in BACKENDS {
        let Some(t) = TestDb::new(backend).await else { continue };
        let tr = tree(&t.db).await;
        let staff = who("staff", 10, Role::CommitteeStaff, tr.ent);
        let s = t.db.scoped(&staff);
        let f = s.create_framework_from_template(tr.ent, "113344", 2025).await.unwrap();
        let detail = s.framework(f.id).await.unwrap();
        let tops: Vec<&str> =
            detail.elements.iter().filter(|e| e.parent_id.is_none()).map(|e| e.name.as_str()).collect();
        assert_eq!(tops, ["精神涵养", "使命引领", "组织保障", "治理穿透", "基础支撑", "成效评价"]);
        assert!(detail
            .indicators
            .iter()
            .any(|i| i.name == "任务分解完成率" && i.metric.as_deref() == Some("task_completion_rate")));
        // A secretary below sees the framework that applies to their branch, but cannot edit it.
        let sec = who("sec", 11, Role::BranchSecretary, tr.br);
        assert_eq!(t.db.scoped(&sec).frameworks_for(tr.br).await.unwrap().len(), 1);
        assert!(t.db.scoped(&sec).framework(f.id).await.is_ok());
        assert!(matches!(
            t.db.scoped(&sec).copy_framework(f.id, 2026).await,
            Err(StoreError::Forbidden | StoreError::NotFound)
        ));
        // Copy into 2026, edit, compare.
        let next = s.copy_framework(f.id, 2026).await.unwrap();
        assert_eq!(next.copied_from, Some(f.id));
        let nd = s.framework(next.id).await.unwrap();
        assert_eq!(nd.elements.len(), detail.elements.len());
        let e = nd.elements.iter().find(|e| e.name == "成效评价").unwrap();
        s.update_element(e.id, "成效评价", "年度考核", 2.0).await.unwrap();
        s.add_element(
            next.id,
            &dangjian_store::frameworks::ElementInput {
                parent_id: None,
                name: "数字党建".into(),
                description: String::new(),
                weight: 1.0,
            },
        )
        .await
        .unwrap();
        let diff = s.compare_frameworks(f.id, next.id).await.unwrap();
        assert_eq!(
            diff.iter().map(|d| (d.path.as_str(), d.change.as_str())).collect::<Vec<_>>(),
            vec![("成效评价", "changed"), ("数字党建", "added")]
        );
        // The same name and year twice is refused.
        assert!(matches!(s.copy_framework(f.id, 2026).await, Err(StoreError::Conflict(Code::NameDuplicate))));
        // 1234N's numbered parts are marked for the enterprise to fill in.
        let n = s.create_framework_from_template(tr.ent, "1234n", 2025).await.unwrap();
        assert!(s.framework(n.id).await.unwrap().elements.iter().all(|e| e.to_fill));
        t.cleanup().await;
    }
}

#[tokio::test]
async fn seven_steps_with_a_return_then_closed_and_counted() {
    for backend in BACKENDS {
        let Some(t) = TestDb::new(backend).await else { continue };
        let tr = tree(&t.db).await;
        let group_staff = who("group_staff", 1, Role::CommitteeStaff, tr.group);
        let ent_staff = who("ent_staff", 2, Role::CommitteeStaff, tr.ent);
        let gb_staff = who("gb_staff", 3, Role::CommitteeStaff, tr.gb);
        let sec = who("sec", 4, Role::BranchSecretary, tr.br);
        let g = t.db.scoped(&group_staff);
        let proc_id = g.create_procedure(tr.group, &Procedure::seven_step_sample()).await.unwrap();
        let list = g
            .create_list(&NewList {
                org_id: tr.group,
                kind: ListKind::Rectification,
                name: "巡视反馈问题整改台账".into(),
                year: Some(2025),
                source: "巡视反馈".into(),
                procedure_id: Some(proc_id),
                framework_id: None,
            })
            .await
            .unwrap();
        let task = g
            .create_task(
                list.id,
                &TaskInput {
                    title: "“三重一大”决策制度执行不到位".into(),
                    measure: "修订议事规则".into(),
                    org_id: tr.br,
                    due_on: Some("2025-06-30".into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let today = d("2025-06-01");
        let s = t.db.scoped(&sec);
        // The secretary's to-do shows the task as due soon? Not yet (due in 29 days); progress first.
        s.report_progress(task.id, 60.0, "已完成初稿").await.unwrap();
        s.closeout(task.id, &Action::Submit, today).await.unwrap();
        // Step 0 (self-check) is the branch's own.
        s.closeout(task.id, &Action::Approve { step: 0, evidence_count: 0 }, today).await.unwrap();
        // Step 1 needs evidence.
        let e = s.closeout(task.id, &Action::Approve { step: 1, evidence_count: 0 }, today).await;
        assert!(matches!(e, Err(StoreError::Validation(ref f)) if f[0].1 == Code::EvidenceRequired), "{e:?}");
        let files = t.data_dir.join("files");
        s.add_attachment(task.id, "议事规则.pdf", "application/pdf", b"%PDF-1.4 evidence", &files).await.unwrap();
        s.closeout(task.id, &Action::Approve { step: 1, evidence_count: 0 }, today).await.unwrap();
        // Step 2 belongs to the parent (the general branch): the secretary cannot act.
        let e = s.closeout(task.id, &Action::Approve { step: 2, evidence_count: 0 }, today).await;
        assert!(matches!(e, Err(StoreError::Forbidden)), "{e:?}");
        let gbs = t.db.scoped(&gb_staff);
        let todo = gbs.todo(today).await.unwrap();
        assert_eq!(todo.counts.approvals, 1);
        assert_eq!(todo.approvals[0].step_name.as_deref(), Some("职能部门审核"));
        // The parent returns it with a reason: back to work, round 2.
        let r = gbs
            .closeout(task.id, &Action::Return { step: 2, reason: "佐证材料缺少党委会纪要".into() }, today)
            .await
            .unwrap();
        assert_eq!((r.status.as_str(), r.round), ("in_progress", 2));
        // Round 2: the old evidence belongs to round 1, so step 1 needs new evidence.
        s.closeout(task.id, &Action::Submit, today).await.unwrap();
        s.closeout(task.id, &Action::Approve { step: 0, evidence_count: 0 }, today).await.unwrap();
        assert!(s.closeout(task.id, &Action::Approve { step: 1, evidence_count: 0 }, today).await.is_err());
        s.add_attachment(task.id, "党委会纪要.pdf", "application/pdf", b"%PDF-1.4 minutes", &files).await.unwrap();
        s.closeout(task.id, &Action::Approve { step: 1, evidence_count: 0 }, today).await.unwrap();
        gbs.closeout(task.id, &Action::Approve { step: 2, evidence_count: 0 }, today).await.unwrap();
        gbs.closeout(task.id, &Action::Approve { step: 3, evidence_count: 0 }, today).await.unwrap();
        // Step 4 is the grandparent's (the enterprise).
        assert!(gbs.closeout(task.id, &Action::Approve { step: 4, evidence_count: 0 }, today).await.is_err());
        let es = t.db.scoped(&ent_staff);
        es.closeout(task.id, &Action::Approve { step: 4, evidence_count: 0 }, today).await.unwrap();
        // Step 5 (public notice) needs evidence again in this round: one exists (the minutes), so it passes.
        gbs.closeout(task.id, &Action::Approve { step: 5, evidence_count: 0 }, today).await.unwrap();
        let closed = gbs.closeout(task.id, &Action::Approve { step: 6, evidence_count: 0 }, today).await.unwrap();
        assert_eq!(closed.status, "closed");
        assert_eq!(closed.closed_on.as_deref(), Some("2025-06-01"));
        let detail = s.task_detail(task.id, today).await.unwrap();
        let kinds: Vec<&str> = detail.timeline.iter().map(|e| e.kind.as_str()).collect();
        assert!(kinds.contains(&"return"));
        assert_eq!(detail.timeline.iter().find(|e| e.kind == "return").unwrap().note, "佐证材料缺少党委会纪要");
        assert_eq!(kinds.iter().filter(|k| **k == "approve").count(), 2 + 2 + 5);
        // Figures: one leaf due in 2025, closed on time.
        let st = g.task_stats(tr.group, d("2025-01-01"), d("2025-12-31"), today).await.unwrap();
        assert_eq!((st.total, st.closed, st.closed_on_time, st.overdue, st.completion_rate), (1, 1, 1, 0, Some(100.0)));
        assert_eq!(st.by_list[0].key, "rectification");
        // A closed task refuses further actions.
        assert!(matches!(
            s.closeout(task.id, &Action::Submit, today).await,
            Err(StoreError::Conflict(Code::AlreadyClosed))
        ));
        // Every step of the chain is in the audit trail.
        assert!(
            g.audit_entries(&dangjian_store::audit::AuditQuery {
                action: Some("approve".into()),
                limit: 100,
                ..Default::default()
            })
            .await
            .unwrap()
            .len()
                >= 9
        );
        t.cleanup().await;
    }
}

#[tokio::test]
async fn two_reviewers_on_one_step_exactly_one_wins() {
    for backend in BACKENDS {
        let Some(t) = TestDb::new(backend).await else { continue };
        let tr = tree(&t.db).await;
        let a = who("a", 1, Role::CommitteeStaff, tr.gb);
        let b = who("b", 2, Role::CommitteeStaff, tr.ent);
        let sec = who("sec", 3, Role::BranchSecretary, tr.br);
        let list =
            t.db.scoped(&a)
                .create_list(&NewList {
                    org_id: tr.gb,
                    kind: ListKind::Task,
                    name: "年度任务清单".into(),
                    year: Some(2025),
                    source: String::new(),
                    procedure_id: None,
                    framework_id: None,
                })
                .await
                .unwrap();
        let today = d("2025-03-01");
        for round in 0..10 {
            let task =
                t.db.scoped(&a)
                    .create_task(
                        list.id,
                        &TaskInput {
                            title: format!("任务{round}"),
                            org_id: tr.br,
                            due_on: Some("2025-12-31".into()),
                            ..Default::default()
                        },
                    )
                    .await
                    .unwrap();
            t.db.scoped(&sec).closeout(task.id, &Action::Submit, today).await.unwrap();
            // The default procedure: one step for the parent's staff. Both a and b (above) may act.
            let sa = t.db.scoped(&a);
            let sb = t.db.scoped(&b);
            let approve = Action::Approve { step: 0, evidence_count: 0 };
            let ret = Action::Return { step: 0, reason: "不同意".into() };
            let (ra, rb) = tokio::join!(sa.closeout(task.id, &approve, today), sb.closeout(task.id, &ret, today));
            let wins = [ra.is_ok(), rb.is_ok()].iter().filter(|x| **x).count();
            assert_eq!(wins, 1, "{backend:?} round {round}: {ra:?} / {rb:?}");
            let loser = if ra.is_ok() { rb } else { ra };
            assert!(matches!(loser, Err(StoreError::Conflict(Code::StepTaken))), "{loser:?}");
            let now = t.db.scoped(&a).task(task.id).await.unwrap();
            assert!(now.status == "closed" || (now.status == "in_progress" && now.round == 2), "{now:?}");
        }
        t.cleanup().await;
    }
}

#[tokio::test]
async fn overdue_tasks_escalate_once_per_level() {
    for backend in BACKENDS {
        let Some(t) = TestDb::new(backend).await else { continue };
        let tr = tree(&t.db).await;
        let top = who("top", 1, Role::CommitteeStaff, tr.group);
        let s = t.db.scoped(&top);
        let list = s
            .create_list(&NewList {
                org_id: tr.group,
                kind: ListKind::Task,
                name: "督办清单".into(),
                year: Some(2025),
                source: "".into(),
                procedure_id: None,
                framework_id: None,
            })
            .await
            .unwrap();
        let task = s
            .create_task(
                list.id,
                &TaskInput {
                    title: "超期任务".into(),
                    org_id: tr.br,
                    due_on: Some("2025-06-30".into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let sys = t.db.system(1);
        // Default rule: 3, 10, 20 days overdue → parent, grandparent, great-grandparent.
        assert_eq!(sys.run_escalation(d("2025-07-02")).await.unwrap(), 0);
        assert_eq!(sys.run_escalation(d("2025-07-03")).await.unwrap(), 1);
        assert_eq!(sys.run_escalation(d("2025-07-03")).await.unwrap(), 0, "idempotent");
        assert_eq!(sys.run_escalation(d("2025-07-25")).await.unwrap(), 2);
        assert_eq!(sys.run_escalation(d("2025-08-30")).await.unwrap(), 0, "no level above the group");
        let detail = s.task_detail(task.id, d("2025-08-30")).await.unwrap();
        let levels: Vec<(i64, i64)> = detail.notices.iter().map(|n| (n.level, n.org_id)).collect();
        assert_eq!(levels, vec![(1, tr.gb), (2, tr.ent), (3, tr.group)]);
        assert!(detail.overdue);
        // The secretary sees the notices to answer, answers one, and it leaves the to-do.
        let sec = who("sec", 3, Role::BranchSecretary, tr.br);
        let ss = t.db.scoped(&sec);
        let todo = ss.todo(d("2025-08-30")).await.unwrap();
        assert_eq!(todo.counts.notices, 3);
        assert_eq!(todo.counts.overdue, 1);
        ss.respond_notice(todo.notices[0].notice_id.unwrap(), "已制定整改计划，9月底前完成").await.unwrap();
        assert_eq!(ss.todo(d("2025-08-30")).await.unwrap().counts.notices, 2);
        // A higher level issues one by hand; the branch cannot supervise itself.
        assert!(matches!(ss.issue_notice(task.id, "请加快", d("2025-08-30")).await, Err(StoreError::Forbidden)));
        let gbs = who("gbs", 4, Role::CommitteeStaff, tr.gb);
        let n = t.db.scoped(&gbs).issue_notice(task.id, "请本周内反馈", d("2025-08-30")).await.unwrap();
        assert_eq!((n.org_id, n.level, n.auto), (tr.gb, 1, false));
        // The board shows where the overdue item sits, drilling down from the group.
        let board = s.supervision_board(tr.group, d("2025-08-30")).await.unwrap();
        assert_eq!(board.rows[0].org_id, tr.ent);
        assert_eq!(board.rows[0].overdue, 1);
        let st = s.task_stats(tr.group, d("2025-01-01"), d("2025-12-31"), d("2025-08-30")).await.unwrap();
        assert_eq!((st.total, st.closed, st.overdue, st.completion_rate), (1, 0, 1, Some(0.0)));
        t.cleanup().await;
    }
}
