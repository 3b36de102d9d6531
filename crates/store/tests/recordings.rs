//! Recordings on both backends: streamed uploads (hash, size, audit), the
//! refusals that must leave nothing behind (too big, wrong type, a name that
//! disagrees, a body that breaks off), soft delete, search, team devices
//! (matched and unmatched ingest, revoked tokens) and `verify`.
// Tests set up data as the operator would, through the unscoped handle.
#![allow(clippy::disallowed_methods)]

use bytes::Bytes;
use chrono::NaiveDate;
use dangjian_domain::org::OrgKind;
use dangjian_domain::role::Role;
use dangjian_domain::Code;
use dangjian_store::blobs::BlobStore;
use dangjian_store::orgs::NewOrg;
use dangjian_store::recordings::{parse_recorded_at, RecordingQuery};
use dangjian_store::testing::{TestDb, BACKENDS};
use dangjian_store::{Db, Grant, Principal, StoreError};
use sha2::Digest;
use sqlx::Row;

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

/// A minimal MP4: an `ftyp` box is all the sniffing needs; padded to `len`.
pub fn mp4(len: usize) -> Vec<u8> {
    let mut v = vec![0, 0, 0, 0x18];
    v.extend_from_slice(b"ftypisom\0\0\x02\0isomiso2");
    let mut i = 0u32;
    while v.len() < len {
        v.push((i.wrapping_mul(2654435761) >> 24) as u8);
        i += 1;
    }
    v
}

/// A 1×1 PNG.
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\0\0\0\0IEND\xaeB`\x82";

type Chunk = Result<Bytes, std::io::Error>;

/// The bytes as a body arriving in 4 KiB chunks.
fn body(bytes: &[u8]) -> impl futures_util::Stream<Item = Chunk> + Unpin {
    let chunks: Vec<Chunk> = bytes.chunks(4096).map(|c| Ok(Bytes::copy_from_slice(c))).collect();
    futures_util::stream::iter(chunks)
}

/// A body that sends `good` bytes, then breaks off.
fn broken(good: &[u8]) -> impl futures_util::Stream<Item = Chunk> + Unpin {
    let mut chunks: Vec<Chunk> = good.chunks(4096).map(|c| Ok(Bytes::copy_from_slice(c))).collect();
    chunks.push(Err(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "client went away")));
    futures_util::stream::iter(chunks)
}

struct Fx {
    ent: i64,
    br: i64,
    br2: i64,
    team: i64,
}

async fn tree(db: &Db) -> Fx {
    let sys = db.system(1);
    let group = sys.create_root(OrgKind::Committee, "广西华昇党委", d("2001-01-01")).await.unwrap().id;
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
    let ent = s.establish(mk(group, OrgKind::Committee, "氧化铝厂党委")).await.unwrap().id;
    let br = s.establish(mk(ent, OrgKind::Branch, "焙烧车间党支部")).await.unwrap().id;
    let br2 = s.establish(mk(ent, OrgKind::Branch, "蒸发车间党支部")).await.unwrap().id;
    let team = s.establish(mk(br, OrgKind::WorkTeam, "焙烧甲班")).await.unwrap().id;
    Fx { ent, br, br2, team }
}

/// An activity row, as the activities module will write it.
pub async fn activity(db: &Db, org: i64, kind: &str, topic: &str, held_on: &str, starts: &str, ends: &str) -> i64 {
    let next: i64 = sqlx::query(
        "INSERT INTO id_counters (tenant_id, name, next_id) VALUES (1, 'activities', 2) \
         ON CONFLICT (tenant_id, name) DO UPDATE SET next_id = id_counters.next_id + 1 RETURNING next_id",
    )
    .fetch_one(db.pool())
    .await
    .unwrap()
    .try_get(0)
    .unwrap();
    let id = next - 1;
    sqlx::query(
        "INSERT INTO activities (tenant_id, id, org_id, kind, status, topic, held_on, starts_at, ends_at, created_at, updated_at) \
         VALUES (1, $1, $2, $3, 'held', $4, $5, $6, $7, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')",
    )
    .bind(id)
    .bind(org)
    .bind(kind)
    .bind(topic)
    .bind(held_on)
    .bind(starts)
    .bind(ends)
    .execute(db.pool())
    .await
    .unwrap();
    id
}

async fn count(db: &Db, sql: &str) -> i64 {
    sqlx::query(sql).fetch_one(db.pool()).await.unwrap().try_get(0).unwrap()
}

/// Files under `dir` (recursively), for "nothing left behind" checks.
fn files_under(dir: &std::path::Path) -> Vec<String> {
    let mut out = vec![];
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(files_under(&p));
            } else {
                out.push(p.display().to_string());
            }
        }
    }
    out
}

fn file_code(r: Result<impl std::fmt::Debug, StoreError>) -> Code {
    match r {
        Err(StoreError::Validation(f)) if f.len() == 1 && f[0].0 == "file" => f[0].1,
        other => panic!("expected a refusal of the file, got {other:?}"),
    }
}

#[tokio::test]
async fn uploads_are_hashed_audited_and_refusals_leave_nothing() {
    for backend in BACKENDS {
        let Some(t) = TestDb::new(backend).await else { continue };
        let fx = tree(&t.db).await;
        let dir = t.data_dir.join("blobs");
        let blobs = BlobStore::local(&dir).unwrap();
        let a = activity(&t.db, fx.br, "theme_day", "主题党日：学习安全生产规程", "2026-01-15", "", "").await;
        let sec = who("sec", 5, Role::BranchSecretary, fx.br);
        let s = t.db.scoped(&sec);

        let video = mp4(100_000);
        let r = s.upload_recording(a, "主题党日.mp4", body(&video), &blobs).await.unwrap();
        assert_eq!((r.media.as_str(), r.content_type.as_str(), r.size), ("video", "video/mp4", 100_000));
        assert_eq!(r.sha256, hex::encode(sha2::Sha256::digest(&video)));
        assert_eq!((r.activity_id, r.org_id), (Some(a), fx.br));
        let stored = std::fs::read(dir.join("sha256").join(&r.sha256[..2]).join(&r.sha256)).unwrap();
        assert_eq!(stored, video, "the blob holds exactly the upload");
        let audit = sqlx::query(
            "SELECT actor, action, after_json FROM audit_log WHERE entity_type = 'recording' AND entity_id = $1",
        )
        .bind(r.id.to_string())
        .fetch_all(t.db.pool())
        .await
        .unwrap();
        assert_eq!(audit.len(), 1);
        assert_eq!(audit[0].try_get::<String, _>(0).unwrap(), "sec");
        assert_eq!(audit[0].try_get::<String, _>(1).unwrap(), "upload");
        assert!(audit[0].try_get::<String, _>(2).unwrap().contains(&r.sha256));
        let photo = s.upload_recording(a, "合影.PNG", body(PNG), &blobs).await.unwrap();
        assert_eq!((photo.media.as_str(), photo.content_type.as_str()), ("photo", "image/png"));
        let listed: Vec<i64> = s.activity_recordings(a).await.unwrap().iter().map(|r| r.id).collect();
        assert_eq!(listed, vec![r.id, photo.id]);
        // The same bytes again: a second row, one stored copy.
        s.upload_recording(a, "again.mp4", body(&video), &blobs).await.unwrap();
        let rows_before = count(&t.db, "SELECT COUNT(*) FROM recordings").await;
        let files_before = files_under(&dir).len();
        assert_eq!(files_before, 2);

        // Refusals: nothing stored, no row, no temporary left.
        t.db.system(1).set_settings_json(r#"{"upload_max_bytes": 50000}"#).await.unwrap();
        assert_eq!(file_code(s.upload_recording(a, "big.mp4", body(&mp4(60_000)), &blobs).await), Code::FileTooLarge);
        // Under the limit is fine.
        s.upload_recording(a, "small.mp4", body(&mp4(5_000)), &blobs).await.unwrap();
        t.db.system(1).set_settings_json("{}").await.unwrap();
        let text = b"this is a text file, not a video at all".repeat(10);
        assert_eq!(
            file_code(s.upload_recording(a, "renamed.mp4", body(&text), &blobs).await),
            Code::UnsupportedMediaType
        );
        assert_eq!(file_code(s.upload_recording(a, "photo.mp4", body(PNG), &blobs).await), Code::MediaTypeMismatch);
        assert_eq!(file_code(s.upload_recording(a, "empty.mp4", body(b""), &blobs).await), Code::EmptyFile);
        assert_eq!(
            file_code(s.upload_recording(a, "cut.mp4", broken(&mp4(40_000)), &blobs).await),
            Code::UploadIncomplete
        );
        assert_eq!(
            file_code(s.upload_recording(a, "cut-early.mp4", broken(&mp4(1_000)), &blobs).await),
            Code::UploadIncomplete
        );
        // One more row and blob: the small upload; none for the refusals.
        assert_eq!(count(&t.db, "SELECT COUNT(*) FROM recordings").await, rows_before + 1);
        assert_eq!(
            files_under(&dir).len(),
            files_before + 1,
            "only the accepted upload's blob: {:?}",
            files_under(&dir)
        );
        assert!(files_under(&dir.join("tmp")).is_empty());

        // Outside the grant: an activity of the sibling branch is invisible.
        let other = activity(&t.db, fx.br2, "theme_day", "蒸发车间主题党日", "2026-01-15", "", "").await;
        assert!(matches!(s.upload_recording(other, "x.mp4", body(&video), &blobs).await, Err(StoreError::NotFound)));
        assert!(matches!(s.activity_recordings(other).await, Err(StoreError::NotFound)));
        let member = who("m", 6, Role::Member, fx.br);
        assert!(t.db.scoped(&member).activity_recordings(a).await.is_err());
        t.cleanup().await;
    }
}

#[tokio::test]
async fn soft_delete_hides_but_the_audit_keeps_it() {
    for backend in BACKENDS {
        let Some(t) = TestDb::new(backend).await else { continue };
        let fx = tree(&t.db).await;
        let blobs = BlobStore::local(&t.data_dir.join("blobs")).unwrap();
        let a = activity(&t.db, fx.br, "lecture", "党课：新时代产业工人", "2026-02-03", "", "").await;
        let staff = who("staff", 7, Role::CommitteeStaff, fx.ent);
        let s = t.db.scoped(&staff);
        let r = s.upload_recording(a, "党课.mp4", body(&mp4(10_000)), &blobs).await.unwrap();
        let all = RecordingQuery::default();
        assert_eq!(s.search_recordings(&all).await.unwrap().total, 1);
        // Read-only callers cannot delete.
        let sec2 = who("sec2", 8, Role::BranchSecretary, fx.br2);
        assert!(matches!(t.db.scoped(&sec2).delete_recording(r.id).await, Err(StoreError::NotFound)));
        s.delete_recording(r.id).await.unwrap();
        assert!(s.activity_recordings(a).await.unwrap().is_empty());
        assert_eq!(s.search_recordings(&all).await.unwrap().total, 0);
        assert!(matches!(s.recording(r.id).await, Err(StoreError::NotFound)));
        assert!(matches!(s.delete_recording(r.id).await, Err(StoreError::NotFound)));
        let kept = sqlx::query("SELECT deleted_at, deleted_by FROM recordings WHERE id = $1")
            .bind(r.id)
            .fetch_one(t.db.pool())
            .await
            .unwrap();
        assert!(kept.try_get::<Option<String>, _>(0).unwrap().is_some());
        assert_eq!(kept.try_get::<Option<i64>, _>(1).unwrap(), Some(7));
        let actions: Vec<String> =
            sqlx::query("SELECT action FROM audit_log WHERE entity_type = 'recording' AND entity_id = $1 ORDER BY seq")
                .bind(r.id.to_string())
                .fetch_all(t.db.pool())
                .await
                .unwrap()
                .iter()
                .map(|row| row.try_get(0).unwrap())
                .collect();
        assert_eq!(actions, ["upload", "delete"]);
        assert!(t.db.system(1).audit_verify().await.unwrap().intact);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn search_by_org_team_kind_dates_and_topic() {
    for backend in BACKENDS {
        let Some(t) = TestDb::new(backend).await else { continue };
        let fx = tree(&t.db).await;
        let blobs = BlobStore::local(&t.data_dir.join("blobs")).unwrap();
        let a1 = activity(&t.db, fx.br, "theme_day", "安全生产主题党日", "2026-01-15", "", "").await;
        let a2 = activity(&t.db, fx.team, "team_activity", "班组安全讲评", "2026-03-02", "", "").await;
        let a3 = activity(&t.db, fx.br2, "lecture", "蒸发车间党课", "2026-01-20", "", "").await;
        let admin = t.db.system(1).cli_principal();
        let s = t.db.scoped(&admin);
        for (a, n) in [(a1, "a1.mp4"), (a2, "a2.png"), (a3, "a3.mp4")] {
            let bytes = if n.ends_with(".png") { PNG.to_vec() } else { mp4(2000) };
            s.upload_recording(a, n, body(&bytes), &blobs).await.unwrap();
        }
        let names = |q: RecordingQuery| {
            let s = t.db.scoped(&admin);
            async move {
                let mut v: Vec<String> =
                    s.search_recordings(&q).await.unwrap().items.into_iter().map(|r| r.name).collect();
                v.sort();
                v
            }
        };
        assert_eq!(names(RecordingQuery::default()).await, ["a1.mp4", "a2.png", "a3.mp4"]);
        assert_eq!(names(RecordingQuery { org_id: Some(fx.br), ..Default::default() }).await, ["a1.mp4", "a2.png"]);
        assert_eq!(names(RecordingQuery { team_id: Some(fx.team), ..Default::default() }).await, ["a2.png"]);
        assert_eq!(names(RecordingQuery { kind: Some("lecture".into()), ..Default::default() }).await, ["a3.mp4"]);
        let jan =
            RecordingQuery { from: Some("2026-01-01".into()), to: Some("2026-01-31".into()), ..Default::default() };
        assert_eq!(names(jan).await, ["a1.mp4", "a3.mp4"]);
        assert_eq!(names(RecordingQuery { q: Some("安全".into()), ..Default::default() }).await, ["a1.mp4", "a2.png"]);
        assert_eq!(names(RecordingQuery { media: Some("photo".into()), ..Default::default() }).await, ["a2.png"]);
        // A secretary sees only their branch's subtree.
        let sec = who("sec", 5, Role::BranchSecretary, fx.br);
        let page = t.db.scoped(&sec).search_recordings(&RecordingQuery::default()).await.unwrap();
        assert_eq!(page.total, 2);
        assert!(page.items.iter().all(|r| r.org_id == fx.br || r.org_id == fx.team));
        t.cleanup().await;
    }
}

#[tokio::test]
async fn devices_ingest_matched_and_unmatched_and_revoked_tokens_fail() {
    for backend in BACKENDS {
        let Some(t) = TestDb::new(backend).await else { continue };
        let fx = tree(&t.db).await;
        let blobs = BlobStore::local(&t.data_dir.join("blobs")).unwrap();
        let admin = t.db.system(1).cli_principal();
        let s = t.db.scoped(&admin);
        // Only admins issue devices, and only for work teams.
        let staff = who("staff", 7, Role::CommitteeStaff, fx.ent);
        assert!(matches!(t.db.scoped(&staff).issue_device(fx.team, "x").await, Err(StoreError::Forbidden)));
        match s.issue_device(fx.br, "支部摄像机").await {
            Err(StoreError::Validation(f)) => assert_eq!(f, vec![("org_id".to_string(), Code::NotWorkTeam)]),
            other => panic!("expected not_work_team, got {other:?}"),
        }
        let issued = s.issue_device(fx.team, "焙烧甲班活动室摄像机").await.unwrap();
        assert!(issued.token.len() > 40);
        let stored: String = sqlx::query("SELECT token_hash FROM devices WHERE id = $1")
            .bind(issued.device.id)
            .fetch_one(t.db.pool())
            .await
            .unwrap()
            .try_get(0)
            .unwrap();
        assert_ne!(stored, issued.token, "only the hash is stored");
        assert_eq!(s.devices().await.unwrap().len(), 1);

        let morning = activity(&t.db, fx.team, "team_activity", "班前会", "2026-01-15", "08:00", "09:00").await;
        let _evening = activity(&t.db, fx.team, "team_activity", "班后会", "2026-01-15", "17:00", "18:00").await;
        let dev = t.db.authenticate_device(&issued.token).await.unwrap();
        assert_eq!(dev.principal.username, format!("device:{}", issued.device.id));
        let ds = t.db.scoped(&dev.principal);
        // 08:30 China time falls in the morning meeting only.
        let at = parse_recorded_at("2026-01-15T08:30:00").unwrap();
        let r = ds.ingest_recording(&dev, "cam1.mp4", Some(at), body(&mp4(3000)), &blobs).await.unwrap();
        assert_eq!((r.activity_id, r.org_id, r.device_id), (Some(morning), fx.team, Some(issued.device.id)));
        assert_eq!(r.recorded_at.as_deref(), Some("2026-01-15T00:30:00.000Z"));
        // 12:00: neither meeting; another day: no activity at all.
        let noon = parse_recorded_at("2026-01-15T12:00:00+08:00").unwrap();
        let u1 = ds.ingest_recording(&dev, "cam2.mp4", Some(noon), body(&mp4(3001)), &blobs).await.unwrap();
        let other_day = parse_recorded_at("2026-01-16T08:30:00+08:00").unwrap();
        let u2 = ds.ingest_recording(&dev, "cam3.mp4", Some(other_day), body(&mp4(3002)), &blobs).await.unwrap();
        assert_eq!((u1.activity_id, u2.activity_id), (None, None));
        let unmatched = RecordingQuery { unmatched: Some(true), ..Default::default() };
        assert_eq!(s.search_recordings(&unmatched).await.unwrap().total, 2);
        // Unattached recordings are placed by their local day.
        let day16 =
            RecordingQuery { from: Some("2026-01-16".into()), to: Some("2026-01-16".into()), ..Default::default() };
        let found: Vec<i64> = s.search_recordings(&day16).await.unwrap().items.iter().map(|r| r.id).collect();
        assert_eq!(found, vec![u2.id]);
        let actor: String =
            sqlx::query("SELECT actor FROM audit_log WHERE entity_type = 'recording' AND entity_id = $1")
                .bind(r.id.to_string())
                .fetch_one(t.db.pool())
                .await
                .unwrap()
                .try_get(0)
                .unwrap();
        assert_eq!(actor, format!("device:{}", issued.device.id));
        // A person attaches the unmatched one to the evening meeting's day… to the branch's activity.
        let sec = who("sec", 5, Role::BranchSecretary, fx.br);
        let br_meeting = activity(&t.db, fx.br, "theme_day", "支部主题党日", "2026-01-15", "", "").await;
        let attached = t.db.scoped(&sec).attach_recording(u1.id, br_meeting).await.unwrap();
        assert_eq!((attached.activity_id, attached.org_id), (Some(br_meeting), fx.br));
        // The device cannot reach beyond its team.
        assert!(matches!(ds.activity_recordings(br_meeting).await, Err(StoreError::NotFound)));

        s.revoke_device(issued.device.id).await.unwrap();
        assert!(matches!(
            t.db.authenticate_device(&issued.token).await,
            Err(StoreError::Conflict(Code::InvalidDeviceToken))
        ));
        assert!(matches!(
            t.db.authenticate_device("djd_not-a-token").await,
            Err(StoreError::Conflict(Code::InvalidDeviceToken))
        ));
        assert!(t.db.system(1).audit_verify().await.unwrap().intact);
        t.cleanup().await;
    }
}

#[tokio::test]
async fn verify_finds_corrupted_and_missing_blobs() {
    for backend in BACKENDS {
        let Some(t) = TestDb::new(backend).await else { continue };
        let fx = tree(&t.db).await;
        let blobs = BlobStore::local(&t.data_dir.join("blobs")).unwrap();
        let files = t.data_dir.join("files");
        let a = activity(&t.db, fx.br, "theme_day", "核查用主题党日", "2026-01-15", "", "").await;
        let admin = t.db.system(1).cli_principal();
        let s = t.db.scoped(&admin);
        let ok = s.upload_recording(a, "ok.mp4", body(&mp4(5000)), &blobs).await.unwrap();
        let bad = s.upload_recording(a, "bad.mp4", body(&mp4(6000)), &blobs).await.unwrap();
        let gone = s.upload_recording(a, "gone.png", body(PNG), &blobs).await.unwrap();
        let report = t.db.system(1).verify_blobs(&blobs, &files).await.unwrap();
        assert!(report.ok(), "{report:?}");
        assert_eq!((report.checked, report.bytes), (3, 5000 + 6000 + PNG.len() as u64));

        let key = |sha: &str| dangjian_store::blobs::key_for(sha);
        blobs.overwrite(&key(&bad.sha256), mp4(6000).into_iter().rev().collect()).await.unwrap();
        blobs.delete(&key(&gone.sha256)).await.unwrap();
        let report = t.db.system(1).verify_blobs(&blobs, &files).await.unwrap();
        assert!(!report.ok());
        let ids = |v: &[dangjian_store::recordings::BlobProblem]| v.iter().map(|p| p.id).collect::<Vec<_>>();
        assert_eq!(ids(&report.corrupted), vec![bad.id]);
        assert_eq!(ids(&report.missing), vec![gone.id]);
        let p = &report.missing[0];
        assert_eq!(
            (p.record, p.activity_id, p.activity_topic.as_deref()),
            ("recording", Some(a), Some("核查用主题党日"))
        );
        assert_eq!(p.org_name, "焙烧车间党支部");
        assert!(!ids(&report.corrupted).contains(&ok.id));
        t.cleanup().await;
    }
}
