//! Recordings over HTTP on both backends: upload and Range playback, the
//! refusals (CSRF, too big, wrong type, mismatched name, a body cut off
//! mid-way) that must leave nothing stored, soft delete kept in the audit
//! trail, and team devices (matched and unmatched ingest, revoked tokens).
#![allow(clippy::disallowed_methods)]

mod common;

use std::time::{Duration, Instant};

use common::TestApp;
use reqwest::header::{ACCEPT_RANGES, CONTENT_RANGE, RANGE, SET_COOKIE};
use serde_json::{json, Value};
use sqlx::Row;
use tokio::io::AsyncWriteExt;

/// A minimal MP4 (an `ftyp` box is what sniffing reads), padded to `len`.
fn mp4(len: usize) -> Vec<u8> {
    let mut v = vec![0, 0, 0, 0x18];
    v.extend_from_slice(b"ftypisom\0\0\x02\0isomiso2");
    let mut i = 0u32;
    while v.len() < len {
        v.push((i.wrapping_mul(2654435761) >> 24) as u8);
        i += 1;
    }
    v
}

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\0\0\0\0IEND\xaeB`\x82";

/// An activity row, as the activities module will write it.
pub async fn activity(
    db: &dangjian_store::Db,
    org: i64,
    kind: &str,
    topic: &str,
    held_on: &str,
    hours: (&str, &str),
) -> i64 {
    let next: i64 = sqlx::query(
        "INSERT INTO id_counters (tenant_id, name, next_id) VALUES (1, 'activities', 2) \
         ON CONFLICT (tenant_id, name) DO UPDATE SET next_id = id_counters.next_id + 1 RETURNING next_id",
    )
    .fetch_one(db.pool())
    .await
    .unwrap()
    .try_get(0)
    .unwrap();
    sqlx::query(
        "INSERT INTO activities (tenant_id, id, org_id, kind, status, topic, held_on, starts_at, ends_at, created_at, updated_at) \
         VALUES (1, $1, $2, $3, 'held', $4, $5, $6, $7, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')",
    )
    .bind(next - 1)
    .bind(org)
    .bind(kind)
    .bind(topic)
    .bind(held_on)
    .bind(hours.0)
    .bind(hours.1)
    .execute(db.pool())
    .await
    .unwrap();
    next - 1
}

async fn upload(
    app: &TestApp,
    c: &reqwest::Client,
    csrf: &str,
    activity: i64,
    name: &str,
    bytes: Vec<u8>,
) -> reqwest::Response {
    c.post(app.url(&format!("/api/v1/activities/{activity}/recordings?name={}", common_urlencode(name))))
        .header("x-csrf-token", csrf)
        .header("content-type", "application/octet-stream")
        .body(bytes)
        .send()
        .await
        .unwrap()
}

fn common_urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

async fn error_code(r: reqwest::Response) -> (u16, String) {
    let status = r.status().as_u16();
    let body: Value = r.json().await.unwrap_or(Value::Null);
    (status, body["error"]["code"].as_str().unwrap_or("").to_string())
}

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

async fn rows(app: &TestApp) -> i64 {
    sqlx::query("SELECT COUNT(*) FROM recordings").fetch_one(app.db().pool()).await.unwrap().try_get(0).unwrap()
}

fn blob_dir(app: &TestApp) -> std::path::PathBuf {
    app.tdb.as_ref().unwrap().data_dir.join("blobs")
}

#[tokio::test]
async fn upload_then_play_back_with_ranges() {
    on_both!(app, {
        let a = activity(app.db(), app.fx.br_a, "theme_day", "主题党日：安全生产", "2026-01-15", ("", "")).await;
        let (c, csrf) = app.login("sec_a").await;
        let video = mp4(1000);
        let r = upload(&app, &c, &csrf, a, "主题党日 录像.mp4", video.clone()).await;
        assert_eq!(r.status(), 201);
        let rec: Value = r.json().await.unwrap();
        let id = rec["id"].as_i64().unwrap();
        assert_eq!(rec["size"], 1000);
        assert_eq!(rec["media"], "video");
        assert_eq!(rec["activity_id"], a);
        use sha2::Digest;
        assert_eq!(rec["sha256"].as_str().unwrap(), hex::encode(sha2::Sha256::digest(&video)));

        let listed: Value =
            c.get(app.url(&format!("/api/v1/activities/{a}/recordings"))).send().await.unwrap().json().await.unwrap();
        assert_eq!(listed.as_array().unwrap().len(), 1);
        let found: Value = c.get(app.url("/api/v1/recordings?q=安全")).send().await.unwrap().json().await.unwrap();
        assert_eq!(found["total"], 1);
        let meta: Value =
            c.get(app.url(&format!("/api/v1/recordings/{id}"))).send().await.unwrap().json().await.unwrap();
        assert_eq!(meta["name"], "主题党日 录像.mp4");

        let content = app.url(&format!("/api/v1/recordings/{id}/content"));
        let full = c.get(&content).send().await.unwrap();
        assert_eq!(full.status(), 200);
        assert_eq!(full.headers()[ACCEPT_RANGES], "bytes");
        assert_eq!(full.headers()["content-type"], "video/mp4");
        assert_eq!(full.bytes().await.unwrap().to_vec(), video);
        for (range, want, span) in [
            ("bytes=0-99", 0..100, "bytes 0-99/1000"),
            ("bytes=100-", 100..1000, "bytes 100-999/1000"),
            ("bytes=-50", 950..1000, "bytes 950-999/1000"),
            ("bytes=990-5000", 990..1000, "bytes 990-999/1000"),
        ] {
            let r = c.get(&content).header(RANGE, range).send().await.unwrap();
            assert_eq!(r.status(), 206, "{range}");
            assert_eq!(r.headers()[CONTENT_RANGE], span, "{range}");
            assert_eq!(r.headers()["content-length"], (want.end - want.start).to_string().as_str());
            assert_eq!(r.bytes().await.unwrap().to_vec(), video[want].to_vec(), "{range}");
        }
        let r = c.get(&content).header(RANGE, "bytes=1000-").send().await.unwrap();
        assert_eq!(r.status(), 416);
        assert_eq!(r.headers()[CONTENT_RANGE], "bytes */1000");
        assert_eq!(error_code(r).await.1, "range_not_satisfiable");
        // Someone outside br_a's subtree sees nothing of it.
        let (other, _) = app.login("member_a").await;
        assert_eq!(other.get(&content).send().await.unwrap().status(), 404);
        assert_eq!(app.anon().get(&content).send().await.unwrap().status(), 401);
    });
}

/// The session cookie and CSRF token of `user`, for hand-written requests.
async fn session(app: &TestApp, user: &str) -> (String, String) {
    let r = reqwest::Client::new()
        .post(app.url("/api/v1/login"))
        .json(&json!({"username": user, "password": common::PASSWORD}))
        .send()
        .await
        .unwrap();
    let cookie = r.headers()[SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_string();
    let body: Value = r.json().await.unwrap();
    (cookie, body["csrf_token"].as_str().unwrap().to_string())
}

#[tokio::test]
async fn refused_and_broken_uploads_leave_nothing() {
    on_both!(app, {
        let a = activity(app.db(), app.fx.br_a, "lecture", "党课", "2026-01-20", ("", "")).await;
        let (c, csrf) = app.login("sec_a").await;
        let dir = blob_dir(&app);
        let no_csrf = c
            .post(app.url(&format!("/api/v1/activities/{a}/recordings?name=x.mp4")))
            .body(mp4(500))
            .send()
            .await
            .unwrap();
        assert_eq!(error_code(no_csrf).await, (403, "csrf_failed".into()));
        app.db().system(1).set_settings_json(r#"{"upload_max_bytes": 2000}"#).await.unwrap();
        assert_eq!(
            error_code(upload(&app, &c, &csrf, a, "big.mp4", mp4(6000)).await).await,
            (413, "file_too_large".into())
        );
        app.db().system(1).set_settings_json("{}").await.unwrap();
        let text = b"plain text pretending to be a video ".repeat(20);
        assert_eq!(
            error_code(upload(&app, &c, &csrf, a, "renamed.mp4", text).await).await,
            (415, "unsupported_media_type".into())
        );
        assert_eq!(
            error_code(upload(&app, &c, &csrf, a, "photo.mp4", PNG.to_vec()).await).await,
            (415, "media_type_mismatch".into())
        );
        // Errors come in the caller's language.
        let en: Value = c
            .post(app.url(&format!("/api/v1/activities/{a}/recordings?name=photo.mp4")))
            .header("x-csrf-token", &csrf)
            .header("accept-language", "en")
            .body(PNG.to_vec())
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(en["error"]["message"], "the file's content does not match its name");

        // A body that stops half-way: the client promises 1 MB, sends 100 KB and goes away.
        let (cookie, token) = session(&app, "sec_a").await;
        let addr = app.base.trim_start_matches("http://").to_string();
        let mut sock = tokio::net::TcpStream::connect(&addr).await.unwrap();
        let head = format!(
            "POST /api/v1/activities/{a}/recordings?name=cut.mp4 HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\n\
             X-CSRF-Token: {token}\r\nContent-Type: application/octet-stream\r\nContent-Length: 1000000\r\n\r\n"
        );
        sock.write_all(head.as_bytes()).await.unwrap();
        sock.write_all(&mp4(100_000)).await.unwrap();
        sock.flush().await.unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
        drop(sock);
        let start = Instant::now();
        while !files_under(&dir.join("tmp")).is_empty() && start.elapsed() < Duration::from_secs(10) {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(files_under(&dir), Vec::<String>::new(), "nothing stored");
        assert_eq!(rows(&app).await, 0);
    });
}

#[tokio::test]
async fn soft_delete_hides_and_audit_keeps() {
    on_both!(app, {
        let a = activity(app.db(), app.fx.br_a, "theme_day", "主题党日", "2026-02-01", ("", "")).await;
        let (c, csrf) = app.login("staff_a").await;
        let rec: Value = upload(&app, &c, &csrf, a, "合影.png", PNG.to_vec()).await.json().await.unwrap();
        let id = rec["id"].as_i64().unwrap();
        // A member may not delete it; the secretary of the branch may.
        let (m, _) = app.login("member_a").await;
        assert_eq!(m.delete(app.url(&format!("/api/v1/recordings/{id}"))).send().await.unwrap().status(), 404);
        let (sec, _) = app.login("sec_a").await;
        assert_eq!(sec.delete(app.url(&format!("/api/v1/recordings/{id}"))).send().await.unwrap().status(), 204);
        assert_eq!(c.get(app.url(&format!("/api/v1/recordings/{id}"))).send().await.unwrap().status(), 404);
        assert_eq!(c.get(app.url(&format!("/api/v1/recordings/{id}/content"))).send().await.unwrap().status(), 404);
        let listed: Value =
            c.get(app.url(&format!("/api/v1/activities/{a}/recordings"))).send().await.unwrap().json().await.unwrap();
        assert_eq!(listed, json!([]));
        let audit: Value = c
            .get(app.url(&format!("/api/v1/audit?entity_type=recording&entity_id={id}")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let mut actions: Vec<&str> = audit.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
        actions.sort();
        assert_eq!(actions, ["delete", "upload"]);
    });
}

#[tokio::test]
async fn devices_ingest_matched_unmatched_and_revoked() {
    on_both!(app, {
        let (admin, _) = app.login("admin2").await;
        let team: Value = admin
            .post(app.url("/api/v1/orgs"))
            .json(&json!({"parent_id": app.fx.br_a, "kind": "work_team", "name": "熔铸甲班", "established_on": "2020-01-01"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let team = team["id"].as_i64().unwrap();
        let (staff, _) = app.login("staff_a").await;
        let r =
            staff.post(app.url("/api/v1/devices")).json(&json!({"org_id": team, "name": "x"})).send().await.unwrap();
        assert_eq!(r.status(), 403);
        let r = admin
            .post(app.url("/api/v1/devices"))
            .json(&json!({"org_id": app.fx.br_a, "name": "x"}))
            .send()
            .await
            .unwrap();
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"]["fields"][0]["code"], "not_work_team");
        let issued: Value = admin
            .post(app.url("/api/v1/devices"))
            .json(&json!({"org_id": team, "name": "甲班活动室摄像机"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = issued["token"].as_str().unwrap().to_string();
        let device = issued["device"]["id"].as_i64().unwrap();
        let listed: Value = admin.get(app.url("/api/v1/devices")).send().await.unwrap().json().await.unwrap();
        assert!(!listed.to_string().contains(&token), "the token is shown once only");

        let meeting = activity(app.db(), team, "team_activity", "班前会", "2026-01-15", ("07:30", "08:30")).await;
        let ingest = |token: String, at: &'static str, name: &'static str, bytes: Vec<u8>| {
            let c = app.anon();
            let url = app.url(&format!("/api/v1/ingest?name={name}"));
            async move { c.post(url).bearer_auth(token).header("x-recorded-at", at).body(bytes).send().await.unwrap() }
        };
        let r = ingest(token.clone(), "2026-01-15T08:00:00+08:00", "cam.mp4", mp4(800)).await;
        assert_eq!(r.status(), 201);
        let rec: Value = r.json().await.unwrap();
        assert_eq!((rec["activity_id"].as_i64(), rec["org_id"].as_i64()), (Some(meeting), Some(team)));
        assert_eq!(rec["device_id"], device);
        let r = ingest(token.clone(), "2026-01-15T14:00:00+08:00", "cam2.mp4", mp4(801)).await;
        let unmatched: Value = r.json().await.unwrap();
        assert_eq!(unmatched["activity_id"], Value::Null);
        let waiting: Value =
            admin.get(app.url("/api/v1/recordings?unmatched=true")).send().await.unwrap().json().await.unwrap();
        assert_eq!(waiting["total"], 1);
        // The branch secretary attaches it to the team's meeting.
        let (sec, _) = app.login("sec_a").await;
        let id = unmatched["id"].as_i64().unwrap();
        let r = sec
            .post(app.url(&format!("/api/v1/recordings/{id}/attach")))
            .json(&json!({"activity_id": meeting}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let listed: Value = sec
            .get(app.url(&format!("/api/v1/activities/{meeting}/recordings")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(listed.as_array().unwrap().len(), 2);

        assert_eq!(
            admin.post(app.url(&format!("/api/v1/devices/{device}/revoke"))).send().await.unwrap().status(),
            200
        );
        let r = ingest(token.clone(), "2026-01-15T08:00:00+08:00", "late.mp4", mp4(802)).await;
        assert_eq!(error_code(r).await, (401, "invalid_device_token".into()));
        let r = app.anon().post(app.url("/api/v1/ingest?name=x.mp4")).body(mp4(803)).send().await.unwrap();
        assert_eq!(error_code(r).await, (401, "invalid_device_token".into()));
        assert_eq!(rows(&app).await, 2);
    });
}
