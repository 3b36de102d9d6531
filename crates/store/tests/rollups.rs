//! The roll-ups (per-ancestor sums behind the figures, `rollups.rs`) stay
//! exactly what a rebuild from the base tables gives, after every kind of
//! write the product makes: recording, editing, re-dating and cancelling an
//! activity; adding a study item; creating, splitting, progressing and
//! closing tasks; uploading, ingesting, attaching and deleting recordings; moving
//! a branch to another enterprise and merging one away. On both backends.
// Tests set up data as the operator would, through the unscoped handle.
#![allow(clippy::disallowed_methods)]

use std::collections::BTreeMap;

use bytes::Bytes;
use chrono::NaiveDate;
use dangjian_domain::closeout::Action as CloseAction;
use dangjian_domain::org::OrgKind;
use dangjian_domain::task::ListKind;
use dangjian_store::activities::{ActivityInput, MarkInput, NewStudyItem};
use dangjian_store::blobs::BlobStore;
use dangjian_store::generate::Scale;
use dangjian_store::orgs::NewOrg;
use dangjian_store::recordings::parse_recorded_at;
use dangjian_store::tasks::{NewList, TaskInput};
use dangjian_store::testing::{TestDb, BACKENDS};
use dangjian_store::Db;
use sqlx::Row;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// Every non-empty roll-up row, keyed by table and key columns.
async fn snapshot(db: &Db) -> BTreeMap<String, Vec<i64>> {
    let mut out = BTreeMap::new();
    for (table, keys, sums) in [
        ("activity_rollups", "ancestor_id, day, kind, status", "n, expected, present"),
        ("recording_rollups", "ancestor_id, day", "n, bytes"),
        ("study_item_rollups", "ancestor_id, day, kind", "n"),
        ("task_rollups", "ancestor_id, grain, due, element_id, list_id, state", "n"),
        ("list_rollups", "ancestor_id, list_id", "n"),
        ("compliance_rollups", "ancestor_id, kind, period, period_start, org_kind, held", "orgs, orgs, orgs"),
    ] {
        let key_cols = keys.split(", ").count();
        let rows = sqlx::query(&format!(
            "SELECT CAST(ancestor_id AS TEXT), {}, {sums} FROM {table} WHERE tenant_id = 1",
            keys.split(", ").skip(1).map(|k| format!("CAST({k} AS TEXT)")).collect::<Vec<_>>().join(", ")
        ))
        .fetch_all(db.pool())
        .await
        .unwrap();
        for r in rows {
            let key: Vec<String> = (0..key_cols).map(|i| r.try_get::<String, _>(i).unwrap()).collect();
            let vals: Vec<i64> = (key_cols..r.len()).map(|i| r.try_get::<i64, _>(i).unwrap()).collect();
            if vals.iter().all(|v| *v == 0) {
                continue; // emptied by edits; a rebuild leaves no such row
            }
            out.insert(format!("{table} {}", key.join(" ")), vals);
        }
    }
    out
}

/// The kept roll-ups equal a rebuild from scratch; returns the row count.
async fn exact(db: &Db, step: &str) -> usize {
    let kept = snapshot(db).await;
    db.rebuild_rollups(1).await.unwrap();
    let rebuilt = snapshot(db).await;
    let diff: Vec<_> = kept
        .iter()
        .filter(|(k, v)| rebuilt.get(*k) != Some(v))
        .map(|(k, v)| format!("{k}: kept {v:?}, rebuilt {:?}", rebuilt.get(k)))
        .chain(rebuilt.iter().filter(|(k, _)| !kept.contains_key(*k)).map(|(k, v)| format!("{k}: missing {v:?}")))
        .take(10)
        .collect();
    assert!(diff.is_empty(), "{step}: roll-ups differ from a rebuild:\n{}", diff.join("\n"));
    lists_as_defined(db, step).await;
    kept.len()
}

/// Every org's lists page (read through `list_rollups`) is what its
/// definition says: the lists issued in the subtree and those carrying a
/// task assigned into it, newest first.
async fn lists_as_defined(db: &Db, step: &str) {
    let admin = db.system(1).cli_principal();
    let s = db.scoped(&admin);
    for org in ids(db, "SELECT id FROM orgs WHERE tenant_id = 1 ORDER BY id").await {
        let want = ids(
            db,
            &format!(
                "SELECT l.id FROM task_lists l WHERE l.tenant_id = 1 AND ( \
                 l.org_id IN (SELECT descendant_id FROM org_closure WHERE tenant_id = 1 AND ancestor_id = {org}) \
                 OR EXISTS (SELECT 1 FROM tasks t JOIN org_closure c ON c.tenant_id = t.tenant_id AND c.descendant_id = t.org_id \
                   WHERE t.tenant_id = 1 AND t.list_id = l.id AND c.ancestor_id = {org})) ORDER BY l.id DESC"
            ),
        )
        .await;
        let got: Vec<i64> = s.lists(org).await.unwrap().iter().map(|l| l.id).collect();
        assert_eq!(got, want, "{step}: lists of org {org}");
    }
}

fn mp4(len: usize) -> Vec<u8> {
    let mut v = vec![0, 0, 0, 0x18];
    v.extend_from_slice(b"ftypisom\0\0\x02\0isomiso2");
    v.resize(len, 7);
    v
}

fn body(bytes: Vec<u8>) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> + Unpin {
    futures_util::stream::iter(vec![Ok(Bytes::from(bytes))])
}

async fn ids(db: &Db, sql: &str) -> Vec<i64> {
    sqlx::query(sql).fetch_all(db.pool()).await.unwrap().iter().map(|r| r.try_get(0).unwrap()).collect()
}

#[tokio::test]
async fn rollups_equal_a_rebuild_after_every_kind_of_write() {
    let today = d("2026-11-20");
    for backend in BACKENDS {
        let Some(t) = TestDb::new(backend).await else { continue };
        let db = &t.db;
        let sys = db.system(1);
        sys.generate_as_of(Scale::S, 3, today).await.unwrap();
        let rows = exact(db, "generated").await;
        assert!(rows > 1000, "{backend:?}: the generated group fills the roll-ups ({rows} rows)");
        let admin = sys.cli_principal();
        let s = db.scoped(&admin);
        let root = s.roots().await.unwrap()[0].id;
        let branches = ids(
            db,
            "SELECT o.id FROM orgs o WHERE o.tenant_id = 1 AND o.kind = 'branch' AND o.dissolved_on IS NULL \
             AND EXISTS (SELECT 1 FROM people p WHERE p.tenant_id = 1 AND p.org_id = o.id) ORDER BY o.id LIMIT 3",
        )
        .await;
        let (br, br2, br3) = (branches[0], branches[1], branches[2]);
        let before = s.activity_stats(root, d("2026-01-01"), d("2026-12-31"), today).await.unwrap();

        // A general meeting held, one member away.
        let people = ids(db, &format!("SELECT id FROM people WHERE tenant_id = 1 AND org_id = {br} ORDER BY id")).await;
        let mut input = ActivityInput {
            org_id: br,
            kind: "general_meeting".into(),
            topic: "学习贯彻全会精神".into(),
            held_on: "2026-10-15".into(),
            attendance: vec![MarkInput {
                person_id: Some(people[0]),
                status: "absent".into(),
                reason: "出差".into(),
                ..Default::default()
            }],
            ..Default::default()
        };
        let a = s.create_activity(&input, today).await.unwrap().activity;
        exact(db, "held").await;
        let after = s.activity_stats(root, d("2026-01-01"), d("2026-12-31"), today).await.unwrap();
        assert_eq!(after.held, before.held + 1, "{backend:?}");
        assert_eq!(after.expected - before.expected, people.len() as i64, "{backend:?}");
        assert_eq!(after.present - before.present, people.len() as i64 - 1, "{backend:?}");

        // Recordings on it: uploaded, then one ingested by a team device and attached.
        let blobs = BlobStore::local(&t.data_dir.join("blobs")).unwrap();
        let up = s.upload_recording(a.id, "会议.mp4", body(mp4(3000)), &blobs).await.unwrap();
        exact(db, "uploaded").await;
        let team = s
            .establish(NewOrg {
                parent_id: br,
                kind: OrgKind::WorkTeam,
                name: "检修甲班".into(),
                established_on: d("2020-01-01"),
                doc_no: String::new(),
                overseas: false,
            })
            .await
            .unwrap()
            .id;
        let issued = s.issue_device(team, "班组摄像机").await.unwrap();
        let dev = db.authenticate_device(&issued.token).await.unwrap();
        let at = parse_recorded_at("2026-03-02T09:00:00+08:00").unwrap();
        let loose = db
            .scoped(&dev.principal)
            .ingest_recording(&dev, "摄像机.mp4", Some(at), body(mp4(5000)), &blobs)
            .await
            .unwrap();
        assert_eq!(loose.activity_id, None, "{backend:?}: no activity that day");
        exact(db, "ingested unmatched").await;
        s.attach_recording(loose.id, a.id).await.unwrap();
        exact(db, "attached").await;
        let after = s.activity_stats(root, d("2026-01-01"), d("2026-12-31"), today).await.unwrap();
        assert_eq!(after.recordings, before.recordings + 2, "{backend:?}");
        assert_eq!(after.recordings_bytes, before.recordings_bytes + 8000, "{backend:?}");

        // Edited: another kind, another month (its recordings follow), then cancelled.
        input.version = Some(a.version);
        input.kind = "committee_meeting".into();
        input.held_on = "2026-08-03".into();
        let a = s.update_activity(a.id, &input, today).await.unwrap().activity;
        exact(db, "re-dated and re-kinded").await;
        input.version = Some(a.version);
        input.status = Some("cancelled".into());
        input.attendance.clear();
        s.update_activity(a.id, &input, today).await.unwrap();
        exact(db, "cancelled").await;
        s.delete_recording(up.id).await.unwrap();
        exact(db, "recording deleted").await;

        // Planned, then recorded as held.
        let mut plan = ActivityInput {
            org_id: br2,
            kind: "theme_day".into(),
            topic: "主题党日".into(),
            held_on: "2026-11-19".into(),
            status: Some("planned".into()),
            ..Default::default()
        };
        let p = s.create_activity(&plan, today).await.unwrap().activity;
        exact(db, "planned").await;
        plan.status = Some("held".into());
        plan.version = Some(p.version);
        s.update_activity(p.id, &plan, today).await.unwrap();
        exact(db, "planned then held").await;

        // A suggestion gathered in a discussion.
        let item = NewStudyItem {
            org_id: br2,
            kind: "suggestion".into(),
            title: "关于班前会学习形式的建议".into(),
            body: String::new(),
            on_date: "2026-09-09".into(),
            campaign_id: None,
            activity_id: None,
        };
        s.add_study_item(&item).await.unwrap();
        exact(db, "study item").await;
        let after = s.activity_stats(root, d("2026-01-01"), d("2026-12-31"), today).await.unwrap();
        assert_eq!(after.suggestions, before.suggestions + 1, "{backend:?}");

        // Tasks: a list with a task, split into two (the parent stops
        // counting), progress reported, one closed late through the default
        // close-out (submit, the parent org approves).
        let list = s
            .create_list(&NewList {
                org_id: br2,
                kind: ListKind::Task,
                name: "支部年度任务".into(),
                year: Some(2026),
                source: String::new(),
                procedure_id: None,
                framework_id: None,
            })
            .await
            .unwrap();
        let task = |parent: Option<i64>, title: &str, due: &str| TaskInput {
            parent_id: parent,
            title: title.into(),
            org_id: br2,
            due_on: Some(due.into()),
            ..Default::default()
        };
        let top = s.create_task(list.id, &task(None, "规范开展三会一课", "2026-12-31")).await.unwrap();
        exact(db, "task").await;
        let part = s.create_task(list.id, &task(Some(top.id), "上半年", "2026-06-30")).await.unwrap();
        s.create_task(list.id, &task(Some(top.id), "下半年", "2026-12-31")).await.unwrap();
        exact(db, "split").await;
        s.report_progress(part.id, 80.0, "已开展").await.unwrap();
        exact(db, "progress").await;
        s.closeout(part.id, &CloseAction::Submit, today).await.unwrap();
        let closed = s.closeout(part.id, &CloseAction::Approve { step: 0, evidence_count: 0 }, today).await.unwrap();
        assert_eq!(closed.status, "closed", "{backend:?}");
        exact(db, "closed late").await;
        let stats = s.task_stats(br2, d("2026-01-01"), d("2026-12-31"), today).await.unwrap();
        let mine = stats.by_list.iter().map(|g| g.total).sum::<i64>();
        assert!(mine >= 2 && stats.closed >= 1, "{backend:?}: {stats:?}");

        // The tree changes: a branch moves to another enterprise, one merges away.
        let home = ids(db, &format!("SELECT parent_id FROM orgs WHERE tenant_id = 1 AND id = {br}")).await[0];
        // The first org like its parent, in another enterprise, takes it.
        let like_home = ids(
            db,
            &format!(
                "SELECT o.id FROM orgs o JOIN orgs h ON h.tenant_id = o.tenant_id AND h.id = {home} \
                 WHERE o.tenant_id = 1 AND o.kind = h.kind AND o.id <> h.id AND o.dissolved_on IS NULL \
                 AND NOT EXISTS (SELECT 1 FROM org_closure c WHERE c.tenant_id = 1 AND c.descendant_id = o.id \
                   AND c.ancestor_id IN (SELECT c2.ancestor_id FROM org_closure c2 WHERE c2.tenant_id = 1 \
                   AND c2.descendant_id = {home} AND c2.ancestor_id <> {root})) ORDER BY o.id"
            ),
        )
        .await;
        let mut refusals = Vec::new();
        for e in &like_home {
            match s.move_org(br, *e, d("2026-11-01"), "组〔2026〕8号").await {
                Ok(_) => break,
                Err(e) => refusals.push(format!("{e:?}")),
            }
        }
        assert!(refusals.len() < like_home.len(), "{backend:?}: no org took the branch: {refusals:?}");
        exact(db, "moved").await;
        s.end_org(br3, Some(br2), d("2026-06-30"), "合并〔2026〕2号").await.unwrap();
        exact(db, "merged").await;
        let end = s.activity_stats(root, d("2026-01-01"), d("2026-12-31"), today).await.unwrap();
        assert_eq!(end.held, before.held + 1, "{backend:?}: the cancelled one left, the theme day came");
        t.cleanup().await;
    }
}
