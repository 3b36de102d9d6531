//! Activity recordings (活动视频记录): videos, photos and documents attached
//! to activities, the recording devices of work teams, and the check that
//! every stored file is still what was stored.
//!
//! A tour:
//!
//! - A person uploads to an activity ([`Scoped::upload_recording`]): they must
//!   be allowed `WriteOrgDetails` on the activity's org, and the recording
//!   takes that org. Reading needs `Read` on the recording's org, like
//!   everything else. The bytes go to the [`BlobStore`] first (streamed,
//!   checked, content-addressed); the row and its audit entry are written in
//!   one transaction only once the bytes are safely stored, so a failed or
//!   broken-off upload leaves no row.
//! - A device in a team's activity area (班组) posts with its own token
//!   ([`Db::authenticate_device`] → [`Scoped::ingest_recording`]). It acts as a
//!   principal granted only at its team, named `device:<id>` in the audit
//!   trail. Its recording is filed under the team and attached to the team's
//!   activity of that day when exactly one fits (and the time falls within
//!   its start and end, when those are filled); otherwise it waits, unmatched,
//!   for a person to attach it ([`Scoped::attach_recording`]).
//! - Deleting is soft: the row stays (with who and when), hidden from lists,
//!   searches and figures; the audit trail keeps the upload and the deletion.
//! - Devices are issued, listed and revoked by admins; a device's token is
//!   shown once and only its SHA-256 is stored.
//! - [`System::verify_blobs`] re-hashes every stored file, recordings and task
//!   evidence alike, and names the records whose files are missing or damaged.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use dangjian_domain::role::{Action, Role};
use dangjian_domain::Code;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

use crate::audit::{append, Change};
use crate::blobs::{BlobState, BlobStore, StoredBlob};
use crate::db::{next_ids, Db, System};
use crate::error::{StoreError, StoreResult};
use crate::read::{Arg, Row};
use crate::rollups;
use crate::scope::{Grant, OrgFilter, Principal, Scoped};

/// Users are in China: a device's clock time without an offset, and the day
/// an activity is held on, are China Standard Time.
fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("valid offset")
}

fn ts_text(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// Parses when a recording was made: RFC 3339 (`2026-01-15T09:30:00+08:00`),
/// or a local date-time without offset (`2026-01-15T09:30[:00]`, China time).
pub fn parse_recorded_at(s: &str) -> Result<DateTime<Utc>, Code> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    for f in ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"] {
        if let Ok(n) = NaiveDateTime::parse_from_str(s, f) {
            return n.and_local_timezone(china()).single().map(|t| t.with_timezone(&Utc)).ok_or(Code::DateFormat);
        }
    }
    Err(Code::DateFormat)
}

/// A recording as the API and pages show it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Recording {
    pub id: i64,
    /// `None` while a device's recording waits to be attached.
    pub activity_id: Option<i64>,
    pub org_id: i64,
    pub org_name: String,
    /// video, photo or document.
    pub media: String,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    /// When it was recorded (RFC 3339 UTC), if known.
    pub recorded_at: Option<String>,
    pub uploaded_at: String,
    pub device_id: Option<i64>,
    pub activity_topic: Option<String>,
    pub activity_kind: Option<String>,
    pub activity_held_on: Option<String>,
    #[serde(skip)]
    pub storage_key: String,
}

const COLS: &str = "r.id, r.activity_id, r.org_id, o.name, r.media, r.name, r.content_type, r.size, r.sha256, \
    r.storage_key, r.recorded_at, r.uploaded_at, r.device_id, a.topic, a.kind, a.held_on";
const FROM: &str = "FROM recordings r JOIN orgs o ON o.tenant_id = r.tenant_id AND o.id = r.org_id \
    LEFT JOIN activities a ON a.tenant_id = r.tenant_id AND a.id = r.activity_id";

fn recording_from(r: &Row) -> StoreResult<Recording> {
    Ok(Recording {
        id: r.try_get(0)?,
        activity_id: r.try_get(1)?,
        org_id: r.try_get(2)?,
        org_name: r.try_get(3)?,
        media: r.try_get(4)?,
        name: r.try_get(5)?,
        content_type: r.try_get(6)?,
        size: r.try_get(7)?,
        sha256: r.try_get(8)?,
        storage_key: r.try_get(9)?,
        recorded_at: r.try_get(10)?,
        uploaded_at: r.try_get(11)?,
        device_id: r.try_get(12)?,
        activity_topic: r.try_get(13)?,
        activity_kind: r.try_get(14)?,
        activity_held_on: r.try_get(15)?,
    })
}

fn audit_json(r: &Recording) -> serde_json::Value {
    json!({"activity_id": r.activity_id, "org_id": r.org_id, "media": r.media, "name": r.name,
           "content_type": r.content_type, "size": r.size, "sha256": r.sha256, "recorded_at": r.recorded_at,
           "device_id": r.device_id})
}

/// A search over recordings; every filter is optional.
#[derive(Debug, Clone, Default, Deserialize, IntoParams, ToSchema)]
#[into_params(parameter_in = Query)]
pub struct RecordingQuery {
    /// Recordings of this org and everything below it.
    pub org_id: Option<i64>,
    /// Recordings filed under exactly this org (a work team).
    pub team_id: Option<i64>,
    /// The activity's kind (e.g. `theme_day`).
    pub kind: Option<String>,
    /// Held (or, unattached, recorded) on or after this date, YYYY-MM-DD.
    pub from: Option<String>,
    /// … on or before this date.
    pub to: Option<String>,
    /// Text in the activity's topic or the file's name.
    pub q: Option<String>,
    /// video, photo or document.
    pub media: Option<String>,
    /// Only recordings waiting to be attached to an activity.
    pub unmatched: Option<bool>,
    /// 1-based.
    pub page: Option<i64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RecordingPage {
    pub items: Vec<Recording>,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
    pub per_page: i64,
}

pub const PER_PAGE: i64 = 20;

#[derive(Debug, Clone, Serialize)]
pub struct OrgChoice {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ActivityBrief {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub kind: String,
    pub topic: String,
    pub held_on: String,
}

/// A recording device of a work team.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Device {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub name: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
    pub last_seen_at: Option<String>,
}

/// A device just issued, with its token (shown this once, never stored).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IssuedDevice {
    pub device: Device,
    pub token: String,
}

/// A device that presented a valid token: who it is and the principal it acts as.
#[derive(Debug, Clone)]
pub struct DeviceAuth {
    pub device_id: i64,
    pub org_id: i64,
    pub principal: Principal,
}

/// One stored file whose bytes are missing or no longer match their hash.
#[derive(Debug, Clone, Serialize)]
pub struct BlobProblem {
    /// recording or attachment.
    pub record: &'static str,
    pub id: i64,
    pub name: String,
    pub sha256: String,
    pub org_id: i64,
    pub org_name: String,
    pub activity_id: Option<i64>,
    pub activity_topic: Option<String>,
    pub task_id: Option<i64>,
    pub deleted: bool,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct VerifyReport {
    pub checked: u64,
    pub bytes: u64,
    pub missing: Vec<BlobProblem>,
    pub corrupted: Vec<BlobProblem>,
    /// Temporary uploads left by a crash (harmless, removable).
    pub temporaries: usize,
}

impl VerifyReport {
    pub fn ok(&self) -> bool {
        self.missing.is_empty() && self.corrupted.is_empty()
    }
}

fn sha256_hex(s: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(s.as_bytes()))
}

/// A user's file name, without any path and bounded in length.
fn clean_name(name: &str) -> StoreResult<String> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("").trim();
    if base.is_empty() {
        return Err(StoreError::field("name", Code::Required));
    }
    Ok(base.chars().take(200).collect())
}

/// An activity as recordings see it.
struct ActivityRef {
    org_id: i64,
}

impl Scoped<'_> {
    /// The activity, if the caller may read its org.
    async fn activity_ref(&self, id: i64) -> StoreResult<ActivityRef> {
        let row = self
            .db
            .read_opt(
                "SELECT org_id FROM activities WHERE tenant_id = $1 AND id = $2",
                crate::args![self.p.tenant_id, id],
            )
            .await?
            .ok_or(StoreError::NotFound)?;
        let org_id: i64 = row.try_get(0)?;
        self.require(Action::Read, org_id).await?;
        Ok(ActivityRef { org_id })
    }

    async fn fetch_recording(&self, id: i64) -> StoreResult<Recording> {
        let filter = self.and_filter(Action::Read, "r.org_id").map_err(|_| StoreError::NotFound)?;
        let sql = format!("SELECT {COLS} {FROM} WHERE r.tenant_id = $1 AND r.id = $2 AND r.deleted_at IS NULL{filter}");
        let row = self.db.read_opt(&sql, crate::args![self.p.tenant_id, id]).await?;
        recording_from(&row.ok_or(StoreError::NotFound)?)
    }

    /// One recording (not deleted, visible to the caller).
    pub async fn recording(&self, id: i64) -> StoreResult<Recording> {
        self.fetch_recording(id).await
    }

    /// The recordings of an activity, oldest first: what the activity's page shows.
    pub async fn activity_recordings(&self, activity_id: i64) -> StoreResult<Vec<Recording>> {
        self.activity_ref(activity_id).await?;
        let sql = format!(
            "SELECT {COLS} {FROM} WHERE r.tenant_id = $1 AND r.activity_id = $2 AND r.deleted_at IS NULL ORDER BY r.id"
        );
        let rows = self.db.read(&sql, crate::args![self.p.tenant_id, activity_id]).await?;
        rows.iter().map(recording_from).collect()
    }

    /// Whether the caller may add or delete recordings of the activity.
    pub async fn can_write_recordings(&self, activity_id: i64) -> StoreResult<bool> {
        let a = self.activity_ref(activity_id).await?;
        Ok(self.require(Action::WriteOrgDetails, a.org_id).await.is_ok())
    }

    /// Stores an upload (streamed) and records it against the activity.
    pub async fn upload_recording<S, E>(
        &self,
        activity_id: i64,
        name: &str,
        body: S,
        blobs: &BlobStore,
    ) -> StoreResult<Recording>
    where
        S: futures_util::Stream<Item = Result<bytes::Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let a = self.activity_ref(activity_id).await?;
        self.require(Action::WriteOrgDetails, a.org_id).await?;
        let name = clean_name(name)?;
        let limit = self.settings().await?.upload_max_bytes;
        let blob = blobs.put(body, &name, limit).await?;
        self.insert_recording(Some(activity_id), a.org_id, &name, &blob, None, None, "upload").await
    }

    #[allow(clippy::too_many_arguments)]
    async fn insert_recording(
        &self,
        activity_id: Option<i64>,
        org_id: i64,
        name: &str,
        blob: &StoredBlob,
        recorded_at: Option<String>,
        device_id: Option<i64>,
        action: &str,
    ) -> StoreResult<Recording> {
        let t = self.p.tenant_id;
        let mut tx = self.db.begin_write().await?;
        let id = next_ids(&mut tx, t, "recordings", 1).await?;
        let now = crate::now_text();
        sqlx::query(
            "INSERT INTO recordings (tenant_id, id, org_id, activity_id, media, name, content_type, size, sha256, \
             storage_key, recorded_at, device_id, uploaded_at, uploaded_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        )
        .bind(t)
        .bind(id)
        .bind(org_id)
        .bind(activity_id)
        .bind(blob.media.as_str())
        .bind(name)
        .bind(blob.content_type)
        .bind(blob.size as i64)
        .bind(&blob.sha256)
        .bind(&blob.key)
        .bind(recorded_at.clone())
        .bind(device_id)
        .bind(&now)
        .bind(self.p.user_id)
        .execute(tx.conn())
        .await?;
        let fact = rollups::recording_fact(&mut tx, t, id).await?;
        rollups::recording_changed(&mut tx, t, None, fact.as_ref()).await?;
        let after = json!({"activity_id": activity_id, "org_id": org_id, "media": blob.media.as_str(), "name": name,
            "content_type": blob.content_type, "size": blob.size, "sha256": blob.sha256, "recorded_at": recorded_at,
            "device_id": device_id});
        append(
            &mut tx,
            self.p,
            Change {
                action,
                entity_type: "recording",
                entity_id: id.to_string(),
                org_id: Some(org_id),
                before: None,
                after: Some(after),
            },
        )
        .await?;
        tx.commit().await?;
        self.fetch_recording(id).await
    }

    /// Soft delete: hidden from now on, kept in the table and the audit trail.
    pub async fn delete_recording(&self, id: i64) -> StoreResult<()> {
        let r = self.fetch_recording(id).await?;
        self.require(Action::WriteOrgDetails, r.org_id).await?;
        let mut tx = self.db.begin_write().await?;
        let fact = rollups::recording_fact(&mut tx, self.p.tenant_id, id).await?;
        let n = sqlx::query(
            "UPDATE recordings SET deleted_at = $3, deleted_by = $4 WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL",
        )
        .bind(self.p.tenant_id)
        .bind(id)
        .bind(crate::now_text())
        .bind(self.p.user_id)
        .execute(tx.conn())
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        rollups::recording_changed(&mut tx, self.p.tenant_id, fact.as_ref(), None).await?;
        append(
            &mut tx,
            self.p,
            Change {
                action: "delete",
                entity_type: "recording",
                entity_id: id.to_string(),
                org_id: Some(r.org_id),
                before: Some(audit_json(&r)),
                after: None,
            },
        )
        .await?;
        tx.commit().await
    }

    /// Attaches a recording (typically a device's unmatched one) to an
    /// activity; the recording then belongs to the activity's org. The caller
    /// must be allowed to write both.
    pub async fn attach_recording(&self, id: i64, activity_id: i64) -> StoreResult<Recording> {
        let r = self.fetch_recording(id).await?;
        self.require(Action::WriteOrgDetails, r.org_id).await?;
        let a = match self.activity_ref(activity_id).await {
            Err(StoreError::NotFound) => return Err(StoreError::field("activity_id", Code::NotFound)),
            other => other?,
        };
        self.require(Action::WriteOrgDetails, a.org_id).await?;
        let mut tx = self.db.begin_write().await?;
        let before = rollups::recording_fact(&mut tx, self.p.tenant_id, id).await?;
        sqlx::query("UPDATE recordings SET activity_id = $3, org_id = $4 WHERE tenant_id = $1 AND id = $2")
            .bind(self.p.tenant_id)
            .bind(id)
            .bind(activity_id)
            .bind(a.org_id)
            .execute(tx.conn())
            .await?;
        let after = rollups::recording_fact(&mut tx, self.p.tenant_id, id).await?;
        rollups::recording_changed(&mut tx, self.p.tenant_id, before.as_ref(), after.as_ref()).await?;
        append(
            &mut tx,
            self.p,
            Change {
                action: "attach",
                entity_type: "recording",
                entity_id: id.to_string(),
                org_id: Some(a.org_id),
                before: Some(json!({"activity_id": r.activity_id, "org_id": r.org_id})),
                after: Some(json!({"activity_id": activity_id, "org_id": a.org_id})),
            },
        )
        .await?;
        tx.commit().await?;
        self.fetch_recording(id).await
    }

    /// Finds recordings by org subtree, team, activity kind, dates and text; paged.
    pub async fn search_recordings(&self, q: &RecordingQuery) -> StoreResult<RecordingPage> {
        let page = q.page.unwrap_or(1).max(1);
        let empty = RecordingPage { items: vec![], total: 0, page, pages: 0, per_page: PER_PAGE };
        let filter = match self.org_filter(Action::Read, "r.org_id", false) {
            OrgFilter::Nothing => return Ok(empty),
            OrgFilter::All => String::new(),
            OrgFilter::Sql(s) => format!(" AND {s}"),
        };
        let mut args = vec![Arg::Int(self.p.tenant_id)];
        let mut wh = format!("WHERE r.tenant_id = $1 AND r.deleted_at IS NULL{filter}");
        let mut push = |cond: &str, a: Arg, args: &mut Vec<Arg>| {
            args.push(a);
            wh.push_str(&format!(" AND {}", cond.replace("$?", &format!("${}", args.len()))));
        };
        if let Some(org) = q.org_id {
            push(
                "r.org_id IN (SELECT descendant_id FROM org_closure WHERE tenant_id = r.tenant_id AND ancestor_id = $?)",
                Arg::Int(org),
                &mut args,
            );
        }
        if let Some(team) = q.team_id {
            push("r.org_id = $?", Arg::Int(team), &mut args);
        }
        if let Some(kind) = q.kind.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
            push("a.kind = $?", Arg::Text(kind.to_string()), &mut args);
        }
        if let Some(m) = q.media.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
            push("r.media = $?", Arg::Text(m.to_string()), &mut args);
        }
        let day = |field: &str, v: &Option<String>| -> StoreResult<Option<NaiveDate>> {
            match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                None => Ok(None),
                Some(s) => dangjian_domain::date::parse(s).map(Some).map_err(|c| StoreError::field(field, c)),
            }
        };
        // A day starts at midnight China time; unattached recordings are placed by when they were made.
        let start_of =
            |d: NaiveDate| ts_text(d.and_time(NaiveTime::MIN).and_local_timezone(china()).unwrap().with_timezone(&Utc));
        if let Some(from) = day("from", &q.from)? {
            let ymd = from.format("%Y-%m-%d").to_string();
            args.push(Arg::Text(ymd));
            args.push(Arg::Text(start_of(from)));
            let (a, b) = (args.len() - 1, args.len());
            wh.push_str(&format!(
                " AND ((r.activity_id IS NOT NULL AND a.held_on >= ${a}) OR (r.activity_id IS NULL AND r.recorded_at >= ${b}))"
            ));
        }
        if let Some(to) = day("to", &q.to)? {
            let ymd = to.format("%Y-%m-%d").to_string();
            args.push(Arg::Text(ymd));
            args.push(Arg::Text(start_of(to + chrono::Duration::days(1))));
            let (a, b) = (args.len() - 1, args.len());
            wh.push_str(&format!(
                " AND ((r.activity_id IS NOT NULL AND a.held_on <= ${a}) OR (r.activity_id IS NULL AND r.recorded_at < ${b}))"
            ));
        }
        if let Some(text) = q.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            args.push(Arg::Text(format!("%{text}%")));
            let n = args.len();
            wh.push_str(&format!(" AND (a.topic LIKE ${n} OR r.name LIKE ${n})"));
        }
        if q.unmatched == Some(true) {
            wh.push_str(" AND r.activity_id IS NULL");
        }
        let count_sql = format!("SELECT COUNT(*) {FROM} {wh}");
        let total: i64 = self.db.read_one(&count_sql, &args).await?.try_get(0)?;
        let sql = format!(
            "SELECT {COLS} {FROM} {wh} ORDER BY COALESCE(a.held_on, r.recorded_at, r.uploaded_at) DESC, r.id DESC \
             LIMIT {PER_PAGE} OFFSET {}",
            (page - 1) * PER_PAGE
        );
        let rows = self.db.read(&sql, &args).await?;
        let items = rows.iter().map(recording_from).collect::<StoreResult<Vec<_>>>()?;
        Ok(RecordingPage { items, total, page, pages: (total + PER_PAGE - 1) / PER_PAGE, per_page: PER_PAGE })
    }

    /// Choices for the search page's filters: visible orgs that are not work
    /// teams (by depth, at most 300) and visible work teams (at most 300).
    pub async fn recording_filter_orgs(&self) -> StoreResult<(Vec<OrgChoice>, Vec<OrgChoice>)> {
        let filter = match self.and_filter(Action::Read, "id") {
            Ok(f) => f,
            Err(_) => return Ok((vec![], vec![])),
        };
        let mut out = (vec![], vec![]);
        for (teams, list) in [(false, &mut out.0), (true, &mut out.1)] {
            let op = if teams { "=" } else { "<>" };
            let sql = format!(
                "SELECT id, name FROM orgs WHERE tenant_id = $1 AND kind {op} 'work_team' AND dissolved_on IS NULL{filter}                  ORDER BY depth, sort_key, name LIMIT 300"
            );
            let rows = self.db.read(&sql, crate::args![self.p.tenant_id]).await?;
            for r in &rows {
                list.push(OrgChoice { id: r.try_get(0)?, name: r.try_get(1)? });
            }
        }
        Ok(out)
    }

    /// What a page about one activity's recordings shows of the activity.
    pub async fn activity_brief(&self, id: i64) -> StoreResult<ActivityBrief> {
        self.activity_ref(id).await?;
        let row = self
            .db
            .read_one(
                "SELECT a.id, a.org_id, o.name, a.kind, a.topic, a.held_on FROM activities a \
             JOIN orgs o ON o.tenant_id = a.tenant_id AND o.id = a.org_id WHERE a.tenant_id = $1 AND a.id = $2",
                crate::args![self.p.tenant_id, id],
            )
            .await?;
        Ok(ActivityBrief {
            id: row.try_get(0)?,
            org_id: row.try_get(1)?,
            org_name: row.try_get(2)?,
            kind: row.try_get(3)?,
            topic: row.try_get(4)?,
            held_on: row.try_get(5)?,
        })
    }

    // ---- devices ---------------------------------------------------------

    /// Issues a device for a work team; the token is returned this once.
    pub async fn issue_device(&self, org_id: i64, name: &str) -> StoreResult<IssuedDevice> {
        self.require_global(Action::ManageUsers)?;
        let name = name.trim();
        if name.is_empty() {
            return Err(StoreError::field("name", Code::Required));
        }
        let row = self
            .db
            .read_opt("SELECT kind FROM orgs WHERE tenant_id = $1 AND id = $2", crate::args![self.p.tenant_id, org_id])
            .await?
            .ok_or_else(|| StoreError::field("org_id", Code::UnknownOrg))?;
        let kind: String = row.try_get(0)?;
        if kind != "work_team" {
            return Err(StoreError::field("org_id", Code::NotWorkTeam));
        }
        let token = format!("djd_{}", hex::encode(rand::random::<[u8; 32]>()));
        let t = self.p.tenant_id;
        let mut tx = self.db.begin_write().await?;
        let id = next_ids(&mut tx, t, "devices", 1).await?;
        sqlx::query(
            "INSERT INTO devices (tenant_id, id, org_id, name, token_hash, created_at, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(t)
        .bind(id)
        .bind(org_id)
        .bind(name)
        .bind(sha256_hex(&token))
        .bind(crate::now_text())
        .bind(self.p.user_id)
        .execute(tx.conn())
        .await?;
        append(
            &mut tx,
            self.p,
            Change {
                action: "issue",
                entity_type: "device",
                entity_id: id.to_string(),
                org_id: Some(org_id),
                before: None,
                after: Some(json!({"org_id": org_id, "name": name})),
            },
        )
        .await?;
        tx.commit().await?;
        let device = self.device(id).await?;
        Ok(IssuedDevice { device, token })
    }

    async fn device(&self, id: i64) -> StoreResult<Device> {
        self.require_global(Action::ManageUsers)?;
        let sql = format!("{DEVICE_SELECT} AND d.id = $2");
        let row = self.db.read_opt(&sql, crate::args![self.p.tenant_id, id]).await?;
        device_from(&row.ok_or(StoreError::NotFound)?)
    }

    /// Every device, newest first.
    pub async fn devices(&self) -> StoreResult<Vec<Device>> {
        self.require_global(Action::ManageUsers)?;
        let sql = format!("{DEVICE_SELECT} ORDER BY d.id DESC");
        let rows = self.db.read(&sql, crate::args![self.p.tenant_id]).await?;
        rows.iter().map(device_from).collect()
    }

    /// Revokes a device's token: it no longer works. Revoking twice is a no-op.
    pub async fn revoke_device(&self, id: i64) -> StoreResult<Device> {
        let d = self.device(id).await?;
        if d.revoked_at.is_some() {
            return Ok(d);
        }
        let mut tx = self.db.begin_write().await?;
        sqlx::query("UPDATE devices SET revoked_at = $3 WHERE tenant_id = $1 AND id = $2")
            .bind(self.p.tenant_id)
            .bind(id)
            .bind(crate::now_text())
            .execute(tx.conn())
            .await?;
        append(
            &mut tx,
            self.p,
            Change {
                action: "revoke",
                entity_type: "device",
                entity_id: id.to_string(),
                org_id: Some(d.org_id),
                before: Some(json!({"revoked_at": null})),
                after: Some(json!({"revoked": true})),
            },
        )
        .await?;
        tx.commit().await?;
        self.device(id).await
    }

    /// A device's upload: filed under its team, attached to the team's
    /// activity of that day when exactly one fits (see the module docs).
    pub async fn ingest_recording<S, E>(
        &self,
        device: &DeviceAuth,
        name: &str,
        recorded_at: Option<DateTime<Utc>>,
        body: S,
        blobs: &BlobStore,
    ) -> StoreResult<Recording>
    where
        S: futures_util::Stream<Item = Result<bytes::Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        self.require(Action::WriteOrgDetails, device.org_id).await?;
        let name = clean_name(name)?;
        let limit = self.settings().await?.upload_max_bytes;
        let at = recorded_at.unwrap_or_else(Utc::now);
        let blob = blobs.put(body, &name, limit).await?;
        let activity = self.matching_activity(device.org_id, at).await?;
        self.insert_recording(
            activity,
            device.org_id,
            &name,
            &blob,
            Some(ts_text(at)),
            Some(device.device_id),
            "ingest",
        )
        .await
    }

    /// The team's one activity on the day of `at` (and within its hours, when filled).
    async fn matching_activity(&self, team: i64, at: DateTime<Utc>) -> StoreResult<Option<i64>> {
        let local = at.with_timezone(&china()).naive_local();
        let rows = self
            .db
            .read(
                "SELECT id, starts_at, ends_at FROM activities \
             WHERE tenant_id = $1 AND org_id = $2 AND held_on = $3 AND status <> 'cancelled'",
                crate::args![self.p.tenant_id, team, local.date().format("%Y-%m-%d").to_string()],
            )
            .await?;
        let mut fits = Vec::new();
        for r in &rows {
            let (id, starts, ends): (i64, String, String) = (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?);
            let after_start = clock(&starts).is_none_or(|s| local.time() >= s);
            let before_end = clock(&ends).is_none_or(|e| local.time() <= e);
            if after_start && before_end {
                fits.push(id);
            }
        }
        Ok(if fits.len() == 1 { fits.pop() } else { None })
    }
}

/// The time of day in a stored start or end (`09:30`, `09:30:00`, or a full
/// local date-time); `None` when empty or unreadable (no bound).
fn clock(s: &str) -> Option<NaiveTime> {
    let s = s.trim();
    let t = s.rsplit(['T', ' ']).next().unwrap_or(s);
    let t = t.get(..8).unwrap_or(t);
    NaiveTime::parse_from_str(t, "%H:%M:%S").or_else(|_| NaiveTime::parse_from_str(t, "%H:%M")).ok()
}

const DEVICE_SELECT: &str = "SELECT d.id, d.org_id, o.name, d.name, d.created_at, d.revoked_at, d.last_seen_at \
    FROM devices d JOIN orgs o ON o.tenant_id = d.tenant_id AND o.id = d.org_id WHERE d.tenant_id = $1";

fn device_from(r: &Row) -> StoreResult<Device> {
    Ok(Device {
        id: r.try_get(0)?,
        org_id: r.try_get(1)?,
        org_name: r.try_get(2)?,
        name: r.try_get(3)?,
        created_at: r.try_get(4)?,
        revoked_at: r.try_get(5)?,
        last_seen_at: r.try_get(6)?,
    })
}

impl Db {
    /// The device holding `token`, and the narrow principal it acts as: a
    /// grant at its team only, named `device:<id>` in the audit trail. An
    /// unknown or revoked token answers `InvalidDeviceToken`.
    pub async fn authenticate_device(&self, token: &str) -> StoreResult<DeviceAuth> {
        let invalid = || StoreError::Conflict(Code::InvalidDeviceToken);
        let token = token.trim();
        if token.is_empty() {
            return Err(invalid());
        }
        let hash = sha256_hex(token);
        let row = self
            .read_opt(
                "SELECT tenant_id, id, org_id, revoked_at FROM devices WHERE token_hash = $1",
                crate::args![&hash],
            )
            .await?
            .ok_or_else(invalid)?;
        let (tenant_id, device_id, org_id): (i64, i64, i64) = (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
        let revoked: Option<String> = row.try_get(3)?;
        if revoked.is_some() {
            return Err(invalid());
        }
        sqlx::query("UPDATE devices SET last_seen_at = $3 WHERE tenant_id = $1 AND id = $2")
            .bind(tenant_id)
            .bind(device_id)
            .bind(crate::now_text())
            .execute(&self.pool)
            .await?;
        let principal = Principal {
            tenant_id,
            user_id: None,
            username: format!("device:{device_id}"),
            person_id: None,
            // Write rights over its own team and nothing else.
            grants: vec![Grant { role: Role::BranchSecretary, org_id }],
        };
        Ok(DeviceAuth { device_id, org_id, principal })
    }
}

impl System<'_> {
    /// Re-hashes every stored file: recordings in `blobs` (deleted ones too:
    /// they are kept) and task evidence under `files_dir`.
    pub async fn verify_blobs(&self, blobs: &BlobStore, files_dir: &std::path::Path) -> StoreResult<VerifyReport> {
        let mut report = VerifyReport::default();
        let rows = self
            .db
            .read(
                "SELECT r.id, r.name, r.sha256, r.storage_key, r.org_id, o.name, r.activity_id, a.topic, r.deleted_at \
             FROM recordings r JOIN orgs o ON o.tenant_id = r.tenant_id AND o.id = r.org_id \
             LEFT JOIN activities a ON a.tenant_id = r.tenant_id AND a.id = r.activity_id \
             WHERE r.tenant_id = $1 ORDER BY r.id",
                crate::args![self.tenant_id],
            )
            .await?;
        for r in &rows {
            let key: String = r.try_get(3)?;
            let deleted: Option<String> = r.try_get(8)?;
            let problem = BlobProblem {
                record: "recording",
                id: r.try_get(0)?,
                name: r.try_get(1)?,
                sha256: r.try_get(2)?,
                org_id: r.try_get(4)?,
                org_name: r.try_get(5)?,
                activity_id: r.try_get(6)?,
                activity_topic: r.try_get(7)?,
                task_id: None,
                deleted: deleted.is_some(),
            };
            let (state, bytes) = blobs.check(&key, &problem.sha256).await?;
            report.note(state, bytes, problem);
        }
        let rows = self
            .db
            .read(
                "SELECT f.id, f.name, f.sha256, t.org_id, o.name, f.task_id \
             FROM attachments f JOIN tasks t ON t.tenant_id = f.tenant_id AND t.id = f.task_id \
             JOIN orgs o ON o.tenant_id = t.tenant_id AND o.id = t.org_id WHERE f.tenant_id = $1 ORDER BY f.id",
                crate::args![self.tenant_id],
            )
            .await?;
        for r in &rows {
            let problem = BlobProblem {
                record: "attachment",
                id: r.try_get(0)?,
                name: r.try_get(1)?,
                sha256: r.try_get(2)?,
                org_id: r.try_get(3)?,
                org_name: r.try_get(4)?,
                activity_id: None,
                activity_topic: None,
                task_id: r.try_get(5)?,
                deleted: false,
            };
            let path = files_dir.join(problem.sha256.get(..2).unwrap_or("")).join(&problem.sha256);
            let (state, bytes) = check_file(&path, &problem.sha256).await?;
            report.note(state, bytes, problem);
        }
        report.temporaries = blobs.temporaries().await?.len();
        Ok(report)
    }
}

impl VerifyReport {
    fn note(&mut self, state: BlobState, bytes: u64, problem: BlobProblem) {
        self.checked += 1;
        self.bytes += bytes;
        match state {
            BlobState::Intact => {}
            BlobState::Missing => self.missing.push(problem),
            BlobState::Corrupted => self.corrupted.push(problem),
        }
    }
}

/// Re-hashes a local file in 1 MiB reads (on the blocking pool: std I/O).
async fn check_file(path: &std::path::Path, sha256: &str) -> StoreResult<(BlobState, u64)> {
    let (path, want) = (path.to_path_buf(), sha256.to_string());
    let job = tokio::task::spawn_blocking(move || -> std::io::Result<(BlobState, u64)> {
        use sha2::Digest;
        use std::io::Read;
        let mut f = match std::fs::File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((BlobState::Missing, 0)),
            Err(e) => return Err(e),
        };
        let mut hasher = sha2::Sha256::new();
        let mut buf = vec![0u8; 1 << 20];
        let mut total = 0u64;
        loop {
            let n = f.read(&mut buf)?;
            if n == 0 {
                break;
            }
            total += n as u64;
            hasher.update(&buf[..n]);
        }
        let ok = hex::encode(hasher.finalize()) == want;
        Ok((if ok { BlobState::Intact } else { BlobState::Corrupted }, total))
    });
    job.await
        .map_err(|e| StoreError::Internal(format!("checking a file: {e}")))?
        .map_err(|e| StoreError::Internal(format!("reading a file: {e}")))
}
