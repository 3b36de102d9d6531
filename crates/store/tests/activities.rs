//! Organizational life on both backends: recording with attendance and
//! quorum, validation that stores nothing, stale edits, the 第一议题 loop,
//! campaigns, compliance and the figures.
// Tests set up data as the operator would, through the unscoped handle.
#![allow(clippy::disallowed_methods)]

use chrono::NaiveDate;
use dangjian_domain::org::OrgKind;
use dangjian_domain::role::Role;
use dangjian_domain::Code;
use dangjian_store::activities::{
    ActivityInput, ActivityQuery, ImplementationInput, MarkInput, NewCampaign, NewStudyItem,
};
use dangjian_store::orgs::NewOrg;
use dangjian_store::people::PersonInput;
use dangjian_store::testing::{TestDb, BACKENDS};
use dangjian_store::{Db, Grant, Principal, StoreError};

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

struct Fixture {
    ent: i64,
    br: i64,
    br2: i64,
    /// Five full members, two probationary, in `br`.
    people: Vec<i64>,
    /// Three of them hold office (the branch committee).
    committee: Vec<i64>,
}

async fn fixture(db: &Db) -> Fixture {
    let sys = db.system(1);
    let group = sys.create_root(OrgKind::Committee, "中铝集团党组", d("2001-01-01")).await.unwrap().id;
    let admin = sys.cli_principal();
    let s = db.scoped(&admin);
    let mk = |p: i64, kind: OrgKind, name: &str| NewOrg {
        parent_id: p,
        kind,
        name: name.into(),
        established_on: d("2020-01-01"),
        doc_no: String::new(),
        overseas: false,
    };
    let ent = s.establish(mk(group, OrgKind::Committee, "东北轻合金党委")).await.unwrap().id;
    let br = s.establish(mk(ent, OrgKind::Branch, "熔铸厂第一党支部")).await.unwrap().id;
    let br2 = s.establish(mk(ent, OrgKind::Branch, "熔铸厂第二党支部")).await.unwrap().id;
    let mut people = Vec::new();
    for i in 0..7u32 {
        let full = i < 5;
        let id = dangjian_domain::id_number::synthesize(230103, d("1985-03-01"), 10 + i * 2 + 1);
        let p = s
            .create_person(&PersonInput {
                org_id: br,
                cell_id: None,
                name: format!("测试{i}"),
                gender: None,
                id_number: id.as_str().into(),
                phone: None,
                status: if full { "full" } else { "probationary" }.into(),
                applied_on: None,
                activist_on: None,
                candidate_on: None,
                probationary_on: Some("2025-06-01".into()),
                full_on: full.then(|| "2026-06-01".into()),
                work_unit: None,
                position: None,
                talent_pool: None,
                workers_representative: false,
            })
            .await
            .unwrap();
        people.push(p.id);
    }
    let mut committee = Vec::new();
    for (i, pos) in ["secretary", "deputy_secretary", "committee_member"].iter().enumerate() {
        s.add_office_holder(br, people[i], pos, d("2024-01-01")).await.unwrap();
        committee.push(people[i]);
    }
    Fixture { ent, br, br2, people, committee }
}

fn meeting(org: i64, kind: &str, on: &str) -> ActivityInput {
    ActivityInput {
        org_id: org,
        kind: kind.into(),
        topic: "学习贯彻全会精神".into(),
        held_on: on.into(),
        starts_at: "14:30".into(),
        ends_at: "16:00".into(),
        place: "三楼会议室".into(),
        host: "测试0".into(),
        recorder: "测试1".into(),
        ..Default::default()
    }
}

fn mark(person: i64, status: &str, reason: &str) -> MarkInput {
    MarkInput { person_id: Some(person), status: status.into(), reason: reason.into(), ..Default::default() }
}

#[tokio::test]
async fn recording_a_general_meeting_with_attendance_and_quorum() {
    for backend in BACKENDS {
        let Some(t) = TestDb::new(backend).await else { continue };
        let f = fixture(&t.db).await;
        let sec = who("sec", 20, Role::BranchSecretary, f.br);
        let s = t.db.scoped(&sec);
        let today = d("2026-11-21");

        // The form starts from the roster: 7 expected, 5 voting.
        let defaults = s.record_defaults(f.br, "general_meeting").await.unwrap();
        assert_eq!(defaults.expected.len(), 7);
        assert_eq!(defaults.expected.iter().filter(|e| e.voting).count(), 5);
        assert!(defaults.last_held_on.is_none());

        // Three voting members away: 2 of 5 voting present → no quorum.
        let mut input = meeting(f.br, "general_meeting", "2026-10-15");
        input.attendance = vec![
            mark(f.people[0], "absent", "出差"),
            mark(f.people[1], "leave", "病假"),
            mark(f.people[2], "leave", "年休假"),
            MarkInput {
                name: "王列席".into(),
                from_org: "熔铸厂第二党支部".into(),
                status: "sit_in".into(),
                ..Default::default()
            },
        ];
        let rec = s.create_activity(&input, today).await.unwrap();
        let a = &rec.activity;
        assert_eq!(a.status, "held");
        assert_eq!(
            (a.tally.expected, a.tally.present, a.tally.absent, a.tally.on_leave, a.tally.sit_ins),
            (7, 4, 1, 2, 1)
        );
        assert_eq!((a.tally.voting_expected, a.tally.voting_present), (5, 2));
        let q = a.quorum.unwrap();
        assert_eq!((q.required, q.present, q.met), (3, 2, false));
        assert_eq!(a.attendance_rate, Some(57.14));
        assert_eq!(rec.attendance.len(), 8);
        assert_eq!(rec.attendance.iter().find(|l| l.person_id == Some(f.people[1])).unwrap().reason, "病假");

        // Editing with the version it started from fixes the record; a stale version is refused.
        let mut fix = input.clone();
        fix.attendance = vec![mark(f.people[0], "absent", "出差")];
        fix.version = Some(a.version);
        let fixed = s.update_activity(a.id, &fix, today).await.unwrap();
        assert_eq!((fixed.activity.tally.voting_present, fixed.activity.quorum.unwrap().met), (4, true));
        assert!(matches!(s.update_activity(a.id, &fix, today).await, Err(StoreError::Conflict(Code::Conflict))));

        // The next record's defaults come from this one.
        let next = s.record_defaults(f.br, "general_meeting").await.unwrap();
        assert_eq!(next.place, "三楼会议室");
        assert_eq!(next.last_held_on.as_deref(), Some("2026-10-15"));
        assert_eq!(next.absent_last_time, vec![f.people[0]]);

        // A committee meeting expects the committee only.
        let cm = s.create_activity(&meeting(f.br, "committee_meeting", "2026-11-02"), today).await.unwrap();
        assert_eq!(cm.activity.tally.expected, 3);
        assert!(cm.attendance.iter().all(|l| f.committee.contains(&l.person_id.unwrap())));
        assert!(cm.activity.quorum.unwrap().met);

        // Everything was audited.
        let n: i64 = sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM audit_log WHERE entity_type = 'activity'")
            .fetch_one(t.db.pool())
            .await
            .unwrap();
        assert_eq!(n, 3);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn bad_input_is_refused_field_by_field_and_nothing_is_stored() {
    for backend in BACKENDS {
        let Some(t) = TestDb::new(backend).await else { continue };
        let f = fixture(&t.db).await;
        let sec = who("sec", 20, Role::BranchSecretary, f.br);
        let s = t.db.scoped(&sec);
        let today = d("2026-11-21");

        let mut bad = meeting(f.br, "no_such_kind", "2026-02-30");
        bad.topic = " ".into();
        bad.starts_at = "25:00".into();
        let Err(StoreError::Validation(errs)) = s.create_activity(&bad, today).await else { panic!("accepted") };
        let fields: Vec<(&str, Code)> = errs.iter().map(|(f, c)| (f.as_str(), *c)).collect();
        assert!(fields.contains(&("kind", Code::UnknownKind)));
        assert!(fields.contains(&("topic", Code::Required)));
        assert!(fields.contains(&("held_on", Code::DateFormat)));
        assert!(fields.contains(&("starts_at", Code::TimeFormat)));

        let mut att = meeting(f.br, "general_meeting", "2026-10-15");
        att.attendance = vec![
            mark(f.people[0], "absent", ""),
            mark(f.people[1], "present", ""),
            mark(f.people[1], "leave", "病假"),
            mark(999_999, "present", ""),
            mark(f.people[2], "asleep", ""),
        ];
        let Err(StoreError::Validation(errs)) = s.create_activity(&att, today).await else { panic!("accepted") };
        let fields: Vec<(&str, Code)> = errs.iter().map(|(f, c)| (f.as_str(), *c)).collect();
        assert_eq!(
            fields,
            vec![
                ("attendance[0].reason", Code::AbsenceReasonRequired),
                ("attendance[2].person_id", Code::AttendanceDuplicate),
                ("attendance[3].person_id", Code::NotOnRoster),
                ("attendance[4].status", Code::UnknownAttendance),
            ]
        );

        // A held meeting dated tomorrow is refused; without a status it is planned.
        let future = meeting(f.br, "theme_day", "2026-11-25");
        let mut held = future.clone();
        held.status = Some("held".into());
        assert!(
            matches!(s.create_activity(&held, today).await, Err(StoreError::Validation(e)) if e[0] == ("held_on".to_string(), Code::HeldInFuture))
        );
        let planned = s.create_activity(&future, today).await.unwrap();
        assert_eq!((planned.activity.status.as_str(), planned.attendance.len()), ("planned", 0));

        let n: i64 =
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM activities").fetch_one(t.db.pool()).await.unwrap();
        assert_eq!(n, 1, "only the planned one was stored");
        let n: i64 = sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM activity_attendance")
            .fetch_one(t.db.pool())
            .await
            .unwrap();
        assert_eq!(n, 0);

        // Another branch's secretary can neither see nor record here.
        let other = who("sec2", 21, Role::BranchSecretary, f.br2);
        let o = t.db.scoped(&other);
        assert!(matches!(o.activity(planned.activity.id).await, Err(StoreError::NotFound)));
        assert!(matches!(
            o.create_activity(&meeting(f.br, "lecture", "2026-10-01"), today).await,
            Err(StoreError::NotFound)
        ));
        // A member sees nothing of the tree.
        let m = who("m", 22, Role::Member, f.br);
        assert!(t.db.scoped(&m).activities(f.br, &ActivityQuery::default()).await.is_err());
        t.cleanup().await;
    }
}

#[tokio::test]
async fn first_topic_produces_tasks_and_follows_them_up() {
    for backend in BACKENDS {
        let Some(t) = TestDb::new(backend).await else { continue };
        let f = fixture(&t.db).await;
        let staff = who("staff", 20, Role::CommitteeStaff, f.ent);
        let s = t.db.scoped(&staff);
        let today = d("2026-11-21");
        let mut ft = meeting(f.ent, "first_topic", "2026-09-01");
        ft.topic = "学习习近平总书记重要讲话精神".into();
        let rec = s.create_activity(&ft, today).await.unwrap();
        let id = rec.activity.id;

        let t1 = s
            .add_implementation_task(
                id,
                &ImplementationInput {
                    title: "制定落实方案".into(),
                    measure: String::new(),
                    org_id: Some(f.br),
                    person: "测试0".into(),
                    due_on: Some("2026-10-31".into()),
                    list_id: None,
                },
            )
            .await
            .unwrap();
        let t2 = s
            .add_implementation_task(
                id,
                &ImplementationInput {
                    title: "开展专题研讨".into(),
                    measure: String::new(),
                    org_id: None,
                    person: String::new(),
                    due_on: Some("2026-12-31".into()),
                    list_id: None,
                },
            )
            .await
            .unwrap();
        // A task refused for its fields writes nothing: no task, no link, and
        // no year's list for a record whose year has none yet.
        let mut early = meeting(f.ent, "first_topic", "2025-09-01");
        early.topic = "上年度第一议题".into();
        let early = s.create_activity(&early, today).await.unwrap().activity.id;
        let tasks_before = count(&t.db, "tasks").await;
        for (title, due, field) in [("", Some("2025-10-31"), "title"), ("落实", Some("2025-13-40"), "due_on")] {
            let r = s
                .add_implementation_task(
                    early,
                    &ImplementationInput {
                        title: title.into(),
                        measure: String::new(),
                        org_id: None,
                        person: String::new(),
                        due_on: due.map(str::to_string),
                        list_id: None,
                    },
                )
                .await;
            match r {
                Err(StoreError::Validation(errs)) => assert!(errs.iter().any(|(f, _)| f == field), "{errs:?}"),
                other => panic!("expected a field error on {field}, got {other:?}"),
            }
        }
        assert_eq!(count(&t.db, "tasks").await, tasks_before);
        assert!(!s.lists(f.ent).await.unwrap().iter().any(|l| l.name == "第一议题落实清单（2025年）"));
        // An unknown responsible org is refused by the task rules, after the
        // year's list is made: still no task and no link.
        let r = s
            .add_implementation_task(
                early,
                &ImplementationInput {
                    title: "越级落实".into(),
                    measure: String::new(),
                    org_id: Some(999_999),
                    person: String::new(),
                    due_on: None,
                    list_id: None,
                },
            )
            .await;
        assert!(matches!(&r, Err(StoreError::Validation(e)) if e.iter().any(|(f, _)| f == "org_id")), "{r:?}");
        assert_eq!(count(&t.db, "tasks").await, tasks_before);
        assert_eq!(s.activity(early).await.unwrap().task_ids, Vec::<i64>::new());

        // Both went into one 第一议题落实清单 for 2026.
        assert_eq!(t1.list_id, t2.list_id);
        let lists = s.lists(f.ent).await.unwrap();
        assert!(lists.iter().any(|l| l.id == t1.list_id && l.name == "第一议题落实清单（2026年）"));

        s.report_progress(t2.id, 50.0, "研讨已开一次").await.unwrap();
        let fu = s.follow_up(id, today).await.unwrap();
        assert_eq!((fu.total, fu.closed, fu.overdue), (2, 0, 1));
        assert_eq!(fu.progress, Some(25.0));

        // Only first_topic records produce implementation tasks.
        let other = s.create_activity(&meeting(f.ent, "group_study", "2026-09-02"), today).await.unwrap();
        let r = s
            .add_implementation_task(
                other.activity.id,
                &ImplementationInput {
                    title: "x".into(),
                    measure: String::new(),
                    org_id: None,
                    person: String::new(),
                    due_on: None,
                    list_id: None,
                },
            )
            .await;
        assert!(matches!(r, Err(StoreError::Conflict(Code::NotFirstTopic))));
        t.cleanup().await;
    }
}

#[tokio::test]
async fn campaigns_compliance_and_figures() {
    for backend in BACKENDS {
        let Some(t) = TestDb::new(backend).await else { continue };
        let f = fixture(&t.db).await;
        let staff = who("staff", 20, Role::CommitteeStaff, f.ent);
        let s = t.db.scoped(&staff);
        let today = d("2026-11-21");
        let c = s
            .create_campaign(&NewCampaign {
                org_id: f.ent,
                name: "“转观念、勇担当、强管理、创一流”主题大讨论".into(),
                starts_on: "2026-03-01".into(),
                ends_on: "2026-09-30".into(),
                description: String::new(),
            })
            .await
            .unwrap();
        assert!(matches!(
            s.create_campaign(&NewCampaign {
                org_id: f.ent,
                name: "x".into(),
                starts_on: "2026-09-01".into(),
                ends_on: "2026-03-01".into(),
                description: String::new()
            })
            .await,
            Err(StoreError::Validation(e)) if e == vec![("ends_on".to_string(), Code::DateOrder)]
        ));
        // Committee meetings in branch 1 every month Jan–Oct but March; branch 2 none.
        for m in 1..=10 {
            if m == 3 {
                continue;
            }
            s.create_activity(&meeting(f.br, "committee_meeting", &format!("2026-{m:02}-10")), today).await.unwrap();
        }
        for (kind, on) in [("group_study", "2026-04-01"), ("group_study", "2026-05-01"), ("seminar", "2026-06-01")] {
            let mut a = meeting(f.br, kind, on);
            a.campaign_id = Some(c.id);
            s.create_activity(&a, today).await.unwrap();
        }
        for (kind, title) in
            [("suggestion", "建议一"), ("suggestion", "建议二"), ("case_study", "案例"), ("bulletin", "第1期")]
        {
            s.add_study_item(&NewStudyItem {
                org_id: f.br,
                kind: kind.into(),
                title: title.into(),
                body: String::new(),
                on_date: "2026-06-15".into(),
                campaign_id: Some(c.id),
                activity_id: None,
            })
            .await
            .unwrap();
        }
        let cd = s.campaign_detail(c.id).await.unwrap();
        assert_eq!(cd.by_kind.get("group_study"), Some(&2));
        assert_eq!(cd.by_kind.get("seminar"), Some(&1));
        assert_eq!((cd.suggestions, cd.case_studies, cd.bulletins), (2, 1, 1));
        // The branch sees the enterprise's campaign.
        assert!(s.campaigns(f.br).await.unwrap().iter().any(|x| x.id == c.id));

        let comp = s.compliance(f.ent, d("2026-01-01"), d("2026-12-31"), today).await.unwrap();
        assert_eq!(comp.orgs, 2);
        let cm = comp.by_kind.iter().find(|g| g.kind == "committee_meeting").unwrap();
        // Jan–Oct ended (10 per branch), November running: branch 1 met 9, branch 2 none.
        assert_eq!((cm.met, cm.counted, cm.missed), (9, 20, 11));
        let b1 = comp.by_child.iter().find(|g| g.org_id == f.br).unwrap();
        let b2 = comp.by_child.iter().find(|g| g.org_id == f.br2).unwrap();
        assert!(b1.rate > b2.rate);
        assert_eq!(comp.behind.first().map(|b| b.org_id), Some(f.br2), "the branch furthest behind comes first");
        assert!(comp
            .behind
            .iter()
            .find(|b| b.org_id == f.br)
            .unwrap()
            .missed
            .iter()
            .any(|p| p.start == d("2026-03-01")));

        let st = s.activity_stats(f.ent, d("2026-01-01"), d("2026-12-31"), today).await.unwrap();
        assert_eq!(st.by_kind.get("committee_meeting"), Some(&9));
        assert_eq!(st.held, 12);
        assert_eq!((st.suggestions, st.case_studies, st.bulletins, st.recordings), (2, 1, 1, 0));
        assert_eq!(st.compliance_rate, comp.rate);
        // Committee meetings expect 3, group studies 7; everyone present.
        assert_eq!((st.expected, st.present, st.attendance_rate), (9 * 3 + 3 * 7, 9 * 3 + 3 * 7, Some(100.0)));
        // Only branch 2's view: nothing held.
        let st2 = s.activity_stats(f.br2, d("2026-01-01"), d("2026-12-31"), today).await.unwrap();
        assert_eq!((st2.held, st2.attendance_rate), (0, None));
        t.cleanup().await;
    }
}

async fn count(db: &Db, table: &str) -> i64 {
    use sqlx::Row;
    sqlx::query(&format!("SELECT COUNT(*) FROM {table} WHERE tenant_id = 1"))
        .fetch_one(db.pool())
        .await
        .unwrap()
        .try_get(0)
        .unwrap()
}
