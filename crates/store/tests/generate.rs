//! The synthetic group generator at scale S, on both backends: counts, valid
//! and unique ID numbers, a consistent closure table and history, an intact
//! audit chain, escalation already up to date, determinism, plausible
//! figures, and refusal of a database that is not empty.
// Tests set up data as the operator would, through the unscoped handle.
#![allow(clippy::disallowed_methods)]

use std::collections::{BTreeSet, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};

use chrono::NaiveDate;
use dangjian_domain::id_number;
use dangjian_domain::Code;
use dangjian_store::generate::Scale;
use dangjian_store::testing::{TestDb, BACKENDS};
use dangjian_store::{Db, StoreError};
use sqlx::Row;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

async fn count(db: &Db, sql: &str) -> i64 {
    sqlx::query(sql).fetch_one(db.pool()).await.unwrap().try_get(0).unwrap()
}

async fn strings(db: &Db, sql: &str) -> Vec<String> {
    sqlx::query(sql).fetch_all(db.pool()).await.unwrap().iter().map(|r| r.try_get(0).unwrap()).collect()
}

/// A digest of every org's and person's name, in id order.
async fn names_digest(db: &Db) -> u64 {
    let mut h = DefaultHasher::new();
    strings(db, "SELECT name FROM orgs WHERE tenant_id = 1 ORDER BY id").await.hash(&mut h);
    strings(db, "SELECT name FROM people WHERE tenant_id = 1 ORDER BY id").await.hash(&mut h);
    h.finish()
}

#[tokio::test]
async fn generates_a_consistent_group_at_scale_s() {
    let today = d("2026-11-20");
    for backend in BACKENDS {
        let Some(t) = TestDb::new(backend).await else { continue };
        let sys = t.db.system(1);
        let s = sys.generate_as_of(Scale::S, 7, today).await.unwrap();
        assert_eq!((s.branches, s.people), (50, 1_000));
        assert!(s.members > 850 && s.members <= 1_000, "mostly members: {}", s.members);
        let table = |name: &str| s.tables.iter().find(|(t, _)| *t == name).map(|(_, n)| *n).unwrap();
        assert_eq!(table("people"), 1_000);
        assert!(table("tasks") > 1_000 && table("task_events") > table("tasks"), "{:?}", s.tables);
        assert!(table("closeout_actions") > 0 && table("supervision_notices") > 0, "{:?}", s.tables);

        // Counts in the database.
        let db = &t.db;
        assert_eq!(
            count(db, "SELECT COUNT(*) FROM orgs WHERE tenant_id = 1 AND kind = 'branch' AND dissolved_on IS NULL")
                .await,
            50
        );
        assert_eq!(count(db, "SELECT COUNT(*) FROM people WHERE tenant_id = 1").await, 1_000);
        // Branch sizes stay within 3–50.
        let sizes = sqlx::query("SELECT COUNT(*) FROM people WHERE tenant_id = 1 GROUP BY org_id")
            .fetch_all(db.pool())
            .await
            .unwrap();
        assert_eq!(sizes.len(), 50);
        assert!(sizes.iter().all(|r| (3..=50).contains(&r.try_get::<i64, _>(0).unwrap())));

        // Every ID number is valid, unique, and agrees with the stored birth date and gender.
        let rows = sqlx::query("SELECT id_number_enc, birth_date, gender FROM people WHERE tenant_id = 1")
            .fetch_all(db.pool())
            .await
            .unwrap();
        let mut seen = HashSet::new();
        for r in &rows {
            let clear = db.crypto().decrypt(&r.try_get::<String, _>(0).unwrap()).unwrap();
            let id = id_number::parse(&clear).unwrap_or_else(|c| panic!("{clear}: {c:?}"));
            assert_eq!(id.birth_date().format("%Y-%m-%d").to_string(), r.try_get::<String, _>(1).unwrap());
            assert_eq!(if id.is_male() { "male" } else { "female" }, r.try_get::<String, _>(2).unwrap());
            assert!(seen.insert(clear), "duplicate ID number");
        }
        assert_eq!(seen.len(), 1_000);

        // The closure table: one row per ancestor pair, depths agreeing with orgs.depth.
        assert_eq!(
            count(db, "SELECT COUNT(*) FROM org_closure WHERE tenant_id = 1").await,
            count(db, "SELECT CAST(SUM(depth + 1) AS BIGINT) FROM orgs WHERE tenant_id = 1").await
        );
        assert_eq!(
            count(
                db,
                "SELECT COUNT(*) FROM orgs o WHERE tenant_id = 1 AND depth <> \
                 (SELECT MAX(c.depth) FROM org_closure c WHERE c.tenant_id = 1 AND c.descendant_id = o.id)"
            )
            .await,
            0
        );
        assert_eq!(
            count(
                db,
                "SELECT COUNT(*) FROM orgs o WHERE tenant_id = 1 AND parent_id IS NOT NULL AND NOT EXISTS \
                 (SELECT 1 FROM org_closure c WHERE c.tenant_id = 1 AND c.ancestor_id = o.parent_id \
                  AND c.descendant_id = o.id AND c.depth = 1)"
            )
            .await,
            0
        );

        // History replays to today's tree, and there is some history to replay.
        let admin = sys.cli_principal();
        let scoped = db.scoped(&admin);
        let root = scoped.roots().await.unwrap()[0].id;
        let replayed: BTreeSet<(i64, Option<i64>, String)> =
            scoped.tree_as_of(root, today).await.unwrap().into_iter().map(|o| (o.id, o.parent_id, o.name)).collect();
        let current: BTreeSet<(i64, Option<i64>, String)> = scoped
            .subtree(root)
            .await
            .unwrap()
            .into_iter()
            .filter(|o| o.dissolved_on.is_none())
            .map(|o| (o.id, o.parent_id, o.name))
            .collect();
        assert_eq!(replayed, current);
        for kind in ["rename", "move", "dissolve"] {
            let n =
                count(db, &format!("SELECT COUNT(*) FROM org_events WHERE tenant_id = 1 AND kind = '{kind}'")).await;
            assert!(n > 0, "no {kind} events");
        }
        assert!(count(db, "SELECT COUNT(*) FROM terms WHERE tenant_id = 1 AND ended_on IS NULL").await > 50);

        // The audit chain verifies and covers what was made.
        let chain = sys.audit_verify().await.unwrap();
        assert!(chain.intact, "{chain:?}");
        assert!(chain.entries > 1_000 + table("tasks"));

        // The escalation job finds nothing left to do: the notices are already there.
        assert_eq!(sys.run_escalation(today).await.unwrap(), 0);

        // Figures for the group root are plausible: most due leaves closed, some late, some overdue.
        let stats = scoped.task_stats(root, d("2026-01-01"), d("2026-12-31"), today).await.unwrap();
        assert!(stats.total > 300, "{stats:?}");
        assert!(stats.closed > stats.total / 2 && stats.closed < stats.total, "{stats:?}");
        assert!(stats.closed_on_time < stats.closed, "some are late: {stats:?}");
        assert!(stats.overdue > 0, "{stats:?}");
        let rate = stats.completion_rate.unwrap();
        assert!((50.0..100.0).contains(&rate), "{rate}");
        assert!(stats.by_element.len() > 3 && stats.by_list.len() == 2, "{stats:?}");

        // The leaf flag the figures use is exactly "has no child task".
        assert_eq!(
            count(
                db,
                "SELECT COUNT(*) FROM tasks t WHERE t.tenant_id = 1 AND t.leaf <> CASE WHEN EXISTS \
                 (SELECT 1 FROM tasks c WHERE c.tenant_id = 1 AND c.parent_id = t.id) THEN 0 ELSE 1 END"
            )
            .await,
            0
        );

        // Organizational life: every active branch held meetings in the last
        // year at the DOMAIN_RULES frequencies, less the few missed.
        let since = "2025-11-20";
        let held = |kind: &str| {
            format!(
                "SELECT COUNT(*) FROM activities WHERE tenant_id = 1 AND status = 'held' AND kind = '{kind}' AND held_on > '{since}'"
            )
        };
        let theme_days = count(db, &held("theme_day")).await;
        assert!((50 * 12 * 75 / 100..=50 * 13).contains(&theme_days), "theme days: {theme_days}");
        let general = count(db, &held("general_meeting")).await;
        assert!((50 * 4 * 75 / 100..=50 * 4).contains(&general), "general meetings: {general}");
        for kind in ["committee_meeting", "lecture", "org_life_meeting", "cell_meeting", "first_topic", "group_study"] {
            assert!(count(db, &held(kind)).await > 0, "no {kind}");
        }
        let planned =
            "SELECT COUNT(*) FROM activities WHERE tenant_id = 1 AND status = 'planned' AND held_on > '2026-11-20'";
        assert!(count(db, planned).await > 0);
        // Activities belong to active branches and cells.
        assert_eq!(
            count(
                db,
                "SELECT COUNT(*) FROM activities a JOIN orgs o ON o.tenant_id = a.tenant_id AND o.id = a.org_id \
                 WHERE a.tenant_id = 1 AND (o.kind NOT IN ('branch', 'cell') OR o.dissolved_on IS NOT NULL)"
            )
            .await,
            0
        );
        // The counts on each row are the tally of its attendance list, where it has one.
        let mismatched = "SELECT COUNT(*) FROM activities a JOIN ( \
               SELECT activity_id, \
                 SUM(CASE WHEN status <> 'sit_in' THEN 1 ELSE 0 END) AS expected, \
                 SUM(CASE WHEN status = 'present' THEN 1 ELSE 0 END) AS present, \
                 SUM(CASE WHEN status = 'absent' THEN 1 ELSE 0 END) AS absent, \
                 SUM(CASE WHEN status = 'leave' THEN 1 ELSE 0 END) AS on_leave, \
                 SUM(CASE WHEN status = 'sit_in' THEN 1 ELSE 0 END) AS sit_ins, \
                 SUM(CASE WHEN status <> 'sit_in' AND voting = 1 THEN 1 ELSE 0 END) AS voting_expected, \
                 SUM(CASE WHEN status = 'present' AND voting = 1 THEN 1 ELSE 0 END) AS voting_present \
               FROM activity_attendance WHERE tenant_id = 1 GROUP BY activity_id) x \
             ON a.tenant_id = 1 AND x.activity_id = a.id \
             WHERE a.expected <> x.expected OR a.present <> x.present OR a.absent <> x.absent \
               OR a.on_leave <> x.on_leave OR a.sit_ins <> x.sit_ins OR a.voting_expected <> x.voting_expected \
               OR a.voting_present <> x.voting_present OR a.status <> 'held'";
        assert_eq!(count(db, mismatched).await, 0);
        // Every held activity of the last year has its list; the counts add up.
        let without_list = "SELECT COUNT(*) FROM activities a WHERE a.tenant_id = 1 AND a.status = 'held' \
             AND a.held_on > '2025-11-21' AND NOT EXISTS \
             (SELECT 1 FROM activity_attendance x WHERE x.tenant_id = 1 AND x.activity_id = a.id)";
        assert_eq!(count(db, without_list).await, 0);
        assert_eq!(
            count(
                db,
                "SELECT COUNT(*) FROM activities WHERE tenant_id = 1 AND present + absent + on_leave <> expected"
            )
            .await,
            0
        );
        // Attendance names people of the activity's branch (or its cell's branch).
        assert_eq!(
            count(
                db,
                "SELECT COUNT(*) FROM activity_attendance x \
                 JOIN activities a ON a.tenant_id = x.tenant_id AND a.id = x.activity_id \
                 JOIN people p ON p.tenant_id = x.tenant_id AND p.id = x.person_id \
                 WHERE x.tenant_id = 1 AND p.org_id <> a.org_id AND (p.cell_id IS NULL OR p.cell_id <> a.org_id)"
            )
            .await,
            0
        );
        // Study items of each kind, recordings' metadata of held activities.
        for kind in ["suggestion", "case_study", "bulletin"] {
            let n =
                count(db, &format!("SELECT COUNT(*) FROM study_items WHERE tenant_id = 1 AND kind = '{kind}'")).await;
            assert!(n > 0, "no {kind}");
        }
        assert!(count(db, "SELECT COUNT(*) FROM campaigns WHERE tenant_id = 1").await >= 3);
        assert_eq!(
            count(
                db,
                "SELECT COUNT(*) FROM recordings r LEFT JOIN activities a ON a.tenant_id = r.tenant_id AND a.id = r.activity_id \
                 WHERE r.tenant_id = 1 AND (a.id IS NULL OR a.status <> 'held' OR a.org_id <> r.org_id \
                   OR LENGTH(r.sha256) <> 64 OR r.size <= 0 OR r.media NOT IN ('photo', 'video'))"
            )
            .await,
            0
        );
        assert!(count(db, "SELECT COUNT(*) FROM recordings WHERE tenant_id = 1 AND media = 'video'").await > 0);

        // A second run on the same database is refused and changes nothing.
        let before = count(db, "SELECT COUNT(*) FROM tasks WHERE tenant_id = 1").await;
        match sys.generate_as_of(Scale::S, 7, today).await {
            Err(StoreError::Conflict(Code::DatabaseNotEmpty)) => {}
            other => panic!("expected a refusal, got {other:?}"),
        }
        assert_eq!(count(db, "SELECT COUNT(*) FROM tasks WHERE tenant_id = 1").await, before);

        // The same seed gives the same group; another seed another one.
        let digest = names_digest(db).await;
        let Some(again) = TestDb::new(backend).await else { continue };
        again.db.system(1).generate_as_of(Scale::S, 7, today).await.unwrap();
        assert_eq!(names_digest(&again.db).await, digest);
        let Some(other) = TestDb::new(backend).await else { continue };
        other.db.system(1).generate_as_of(Scale::S, 8, today).await.unwrap();
        assert_ne!(names_digest(&other.db).await, digest);

        again.cleanup().await;
        other.cleanup().await;
        t.cleanup().await;
    }
}
