//! Organizational life and learning records (三会一课, 主题党日, 第一议题,
//! 中心组学习, 主题大讨论): activities with their attendance, the 第一议题
//! loop into task lists, campaigns and what they produce, compliance with the
//! required frequencies, and the figures.
//!
//! Reading follows the activity's org (Action::Read); recording, editing and
//! adding study items need Action::WriteOrgDetails on it; activity kinds are
//! tenant configuration (admins). The rules themselves (tally, quorum,
//! periods) are pure code in `dangjian_domain::activity`.
//!
//! An activity keeps its attendance counts on its row, written in the same
//! transaction as the attendance lines, so figures over thousands of branches
//! sum a column instead of counting lines. The expected list is a snapshot
//! taken when the record is saved: later roster changes don't rewrite history.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{Datelike, NaiveDate, NaiveTime};
use dangjian_domain::activity::{
    self as rules, ActivityStatus, Attendance, Mark, Period, PeriodCheck, PeriodState, Quorum, Tally,
};
use dangjian_domain::org::OrgKind;
use dangjian_domain::role::Action;
use dangjian_domain::task::ListKind;
use dangjian_domain::{Code, Locale};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::audit::{append, Change};
use crate::date_text;
use crate::db::{next_ids, WriteTx};
use crate::error::{on_unique, StoreError, StoreResult};
use crate::read::{Arg, Row};
use crate::rollups;
use crate::scope::Scoped;
use crate::tasks::{NewList, Task, TaskInput};

/// A period that ended before the org existed, or began after it was
/// dissolved, asks nothing of it (dates as stored text, YYYY-MM-DD).
fn owed_by(p: &PeriodCheck, established: &str, dissolved: Option<&str>) -> bool {
    date_text(p.end).as_str() >= established && dissolved.is_none_or(|d| date_text(p.start).as_str() <= d)
}

/// Whether a requirement's activity kind is a well-formed key (built-in or
/// the tenant's own): the compliance queries put it into SQL as a literal.
fn literal_safe_kind(kind: &str) -> bool {
    matches!(rules::validate_custom_key(kind), Ok(()) | Err(Code::KindDuplicate))
}

fn subtree(param: &str) -> String {
    format!("(SELECT descendant_id FROM org_closure WHERE tenant_id = $1 AND ancestor_id = {param})")
}

// ---- types ---------------------------------------------------------------

#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct ActivityKind {
    pub key: String,
    pub name_zh: String,
    pub name_en: String,
    pub builtin: bool,
}

impl ActivityKind {
    pub fn label(&self, locale: Locale) -> &str {
        match locale {
            Locale::ZhCn => &self.name_zh,
            Locale::En => &self.name_en,
        }
    }
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewActivityKind {
    pub key: String,
    pub name_zh: String,
    #[serde(default)]
    pub name_en: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Activity {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub kind: String,
    /// planned, held or cancelled.
    pub status: String,
    pub topic: String,
    pub held_on: String,
    pub starts_at: String,
    pub ends_at: String,
    pub place: String,
    pub host: String,
    pub recorder: String,
    /// Sanitized HTML.
    pub minutes: String,
    pub resolutions: String,
    pub element_id: Option<i64>,
    pub campaign_id: Option<i64>,
    #[schema(value_type = Object)]
    pub tally: Tally,
    /// present / expected, % (null when nobody was expected).
    pub attendance_rate: Option<f64>,
    #[schema(value_type = Object)]
    pub quorum: Option<Quorum>,
    pub version: i64,
    pub updated_at: String,
}

#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct AttendanceLine {
    pub person_id: Option<i64>,
    pub name: String,
    /// present, absent, leave or sit_in.
    pub status: String,
    pub reason: String,
    /// For sit-ins: where they came from.
    pub from_org: String,
    /// Has voting rights (full member).
    pub voting: bool,
}

/// One line of attendance as submitted. Everyone on the expected list who is
/// not named is recorded as present: the form starts from "all present" and
/// the secretary marks the exceptions.
#[derive(Debug, Clone, Deserialize, ToSchema, Default)]
pub struct MarkInput {
    pub person_id: Option<i64>,
    #[serde(default)]
    pub name: String,
    pub status: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub from_org: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema, Default)]
pub struct ActivityInput {
    pub org_id: i64,
    pub kind: String,
    /// planned (default when the date is in the future) or held.
    pub status: Option<String>,
    pub topic: String,
    pub held_on: String,
    #[serde(default)]
    pub starts_at: String,
    #[serde(default)]
    pub ends_at: String,
    #[serde(default)]
    pub place: String,
    #[serde(default)]
    pub host: String,
    #[serde(default)]
    pub recorder: String,
    #[serde(default)]
    pub minutes: String,
    #[serde(default)]
    pub resolutions: String,
    pub element_id: Option<i64>,
    pub campaign_id: Option<i64>,
    #[serde(default)]
    pub attendance: Vec<MarkInput>,
    /// Required when updating: the version the editor started from.
    pub version: Option<i64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ActivityDetail {
    pub activity: Activity,
    pub kind_name: String,
    pub attendance: Vec<AttendanceLine>,
    pub campaign_name: Option<String>,
    pub element_name: Option<String>,
    /// For first_topic records: the implementation tasks (落实) it produced.
    pub task_ids: Vec<i64>,
}

/// Someone who is expected at an activity of a kind at an org.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct Expected {
    pub person_id: i64,
    pub name: String,
    pub voting: bool,
    /// The person's member status (full, probationary, …).
    pub member_status: String,
}

/// What the one-screen form starts from: the roster and the last record.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RecordDefaults {
    pub org_id: i64,
    pub kind: String,
    pub expected: Vec<Expected>,
    pub place: String,
    pub host: String,
    pub recorder: String,
    pub starts_at: String,
    pub ends_at: String,
    pub last_held_on: Option<String>,
    /// Absent last time, for a quick look before marking.
    pub absent_last_time: Vec<i64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ActivityQuery {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub kind: Option<String>,
    pub status: Option<String>,
    pub campaign_id: Option<i64>,
    pub limit: Option<i64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Campaign {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub name: String,
    pub starts_on: String,
    pub ends_on: String,
    pub description: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewCampaign {
    pub org_id: i64,
    pub name: String,
    pub starts_on: String,
    pub ends_on: String,
    #[serde(default)]
    pub description: String,
}

/// A campaign with the figures seed 001 reports (集中学习110次，专题研讨79次，
/// 收集建议50条，形成典型案例12个，学习动态12期), counted from its records.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CampaignDetail {
    pub campaign: Campaign,
    pub by_kind: BTreeMap<String, i64>,
    pub suggestions: i64,
    pub case_studies: i64,
    pub bulletins: i64,
    pub participants: i64,
    pub items: Vec<StudyItem>,
}

pub const STUDY_ITEM_KINDS: [&str; 3] = ["suggestion", "case_study", "bulletin"];

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StudyItem {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub campaign_id: Option<i64>,
    pub activity_id: Option<i64>,
    /// suggestion, case_study or bulletin.
    pub kind: String,
    pub title: String,
    pub body: String,
    pub on_date: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewStudyItem {
    pub org_id: i64,
    pub kind: String,
    pub title: String,
    #[serde(default)]
    pub body: String,
    pub on_date: String,
    pub campaign_id: Option<i64>,
    pub activity_id: Option<i64>,
}

/// An implementation task (落实) for a 第一议题 record.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ImplementationInput {
    pub title: String,
    #[serde(default)]
    pub measure: String,
    /// Responsible org (defaults to the record's org); must be in its subtree.
    pub org_id: Option<i64>,
    #[serde(default)]
    pub person: String,
    pub due_on: Option<String>,
    /// Put the task in this list; by default the org's 第一议题落实清单 for the year.
    pub list_id: Option<i64>,
}

/// 问效: how a 第一议题's implementation tasks stand.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FollowUp {
    pub activity_id: i64,
    pub total: i64,
    pub closed: i64,
    pub overdue: i64,
    /// Mean progress of the tasks, %.
    pub progress: Option<f64>,
    pub tasks: Vec<Task>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ComplianceGroup {
    pub org_id: i64,
    pub name: String,
    pub kind: String,
    pub met: i64,
    pub counted: i64,
    pub missed: i64,
    pub due_soon: i64,
    pub rate: Option<f64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BehindOrg {
    pub org_id: i64,
    pub name: String,
    pub parent_name: String,
    #[schema(value_type = Vec<Object>)]
    pub missed: Vec<PeriodCheck>,
    #[schema(value_type = Vec<Object>)]
    pub due_soon: Vec<PeriodCheck>,
}

/// Compliance of an org's subtree over a period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Compliance {
    pub org_id: i64,
    pub from: String,
    pub to: String,
    /// Orgs with a requirement (branches, cells by default).
    pub orgs: i64,
    pub met: i64,
    pub counted: i64,
    pub missed: i64,
    pub due_soon: i64,
    /// Met periods / periods that have ended or are already met, %.
    pub rate: Option<f64>,
    /// One row per direct child (and the org itself when it has requirements).
    pub by_child: Vec<ComplianceGroup>,
    /// By activity kind.
    pub by_kind: Vec<ComplianceGroup>,
    /// Orgs with missed or soon-due periods, most missed first (at most 500).
    pub behind: Vec<BehindOrg>,
    /// The org's own periods when it has requirements.
    #[schema(value_type = Vec<Object>)]
    pub own: Vec<PeriodCheck>,
}

#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct ActivityStats {
    /// kind → number of held activities.
    pub by_kind: BTreeMap<String, i64>,
    pub held: i64,
    pub planned: i64,
    pub expected: i64,
    pub present: i64,
    /// present / expected over held activities, %.
    pub attendance_rate: Option<f64>,
    pub compliance_rate: Option<f64>,
    pub suggestions: i64,
    pub case_studies: i64,
    pub bulletins: i64,
    /// Recordings (not deleted) of the period's activities, and their bytes.
    pub recordings: i64,
    pub recordings_bytes: i64,
}

// ---- row readers ---------------------------------------------------------

const ACTIVITY_COLS: &str = "a.id, a.org_id, o.name, a.kind, a.status, a.topic, a.held_on, a.starts_at, a.ends_at, \
    a.place, a.host, a.recorder, a.minutes, a.resolutions, a.element_id, a.campaign_id, a.expected, a.present, \
    a.absent, a.on_leave, a.sit_ins, a.voting_expected, a.voting_present, a.version, a.updated_at";
const ACTIVITY_FROM: &str = "FROM activities a JOIN orgs o ON o.tenant_id = a.tenant_id AND o.id = a.org_id";

fn activity_from(r: &Row) -> StoreResult<Activity> {
    let kind: String = r.try_get(3)?;
    let tally = Tally {
        expected: r.try_get(16)?,
        present: r.try_get(17)?,
        absent: r.try_get(18)?,
        on_leave: r.try_get(19)?,
        sit_ins: r.try_get(20)?,
        voting_expected: r.try_get(21)?,
        voting_present: r.try_get(22)?,
    };
    let status: String = r.try_get(4)?;
    let held = status == "held";
    Ok(Activity {
        id: r.try_get(0)?,
        org_id: r.try_get(1)?,
        org_name: r.try_get(2)?,
        quorum: if held { rules::quorum(&kind, &tally) } else { None },
        attendance_rate: if held { rules::attendance_rate(tally.present, tally.expected) } else { None },
        kind,
        status,
        topic: r.try_get(5)?,
        held_on: r.try_get(6)?,
        starts_at: r.try_get(7)?,
        ends_at: r.try_get(8)?,
        place: r.try_get(9)?,
        host: r.try_get(10)?,
        recorder: r.try_get(11)?,
        minutes: r.try_get(12)?,
        resolutions: r.try_get(13)?,
        element_id: r.try_get(14)?,
        campaign_id: r.try_get(15)?,
        tally,
        version: r.try_get(23)?,
        updated_at: r.try_get(24)?,
    })
}

fn campaign_from(r: &Row) -> StoreResult<Campaign> {
    Ok(Campaign {
        id: r.try_get(0)?,
        org_id: r.try_get(1)?,
        org_name: r.try_get(2)?,
        name: r.try_get(3)?,
        starts_on: r.try_get(4)?,
        ends_on: r.try_get(5)?,
        description: r.try_get(6)?,
    })
}

fn item_from(r: &Row) -> StoreResult<StudyItem> {
    Ok(StudyItem {
        id: r.try_get(0)?,
        org_id: r.try_get(1)?,
        org_name: r.try_get(2)?,
        campaign_id: r.try_get(3)?,
        activity_id: r.try_get(4)?,
        kind: r.try_get(5)?,
        title: r.try_get(6)?,
        body: r.try_get(7)?,
        on_date: r.try_get(8)?,
    })
}

/// Minutes are rich text from a browser: keep formatting, drop scripts and
/// event handlers. Plain text keeps its line breaks.
pub fn sanitize_minutes(input: &str) -> String {
    let input = input.trim();
    if input.is_empty() {
        return String::new();
    }
    if !input.contains('<') {
        let escaped = input.replace('&', "&amp;").replace('>', "&gt;").replace('"', "&quot;");
        return escaped
            .split('\n')
            .map(|l| l.trim_end_matches('\r'))
            .filter(|l| !l.trim().is_empty())
            .map(|l| format!("<p>{l}</p>"))
            .collect();
    }
    ammonia::clean(input)
}

fn check_len(errors: &mut Vec<(String, Code)>, field: &str, value: &str, max: usize) {
    if value.chars().count() > max {
        errors.push((field.into(), Code::TooLong));
    }
}

fn parse_time(errors: &mut Vec<(String, Code)>, field: &str, value: &str) -> Option<NaiveTime> {
    let v = value.trim();
    if v.is_empty() {
        return None;
    }
    match NaiveTime::parse_from_str(v, "%H:%M") {
        Ok(t) => Some(t),
        Err(_) => {
            errors.push((field.into(), Code::TimeFormat));
            None
        }
    }
}

/// A checked input, ready to write.
struct Checked {
    kind: String,
    status: ActivityStatus,
    topic: String,
    held_on: NaiveDate,
    starts_at: String,
    ends_at: String,
    minutes: String,
    lines: Vec<AttendanceLine>,
    tally: Tally,
}

impl<'a> Scoped<'a> {
    // ---- kinds -------------------------------------------------------------

    /// Built-in kinds, then the tenant's own (archived ones left out).
    pub async fn activity_kinds(&self) -> StoreResult<Vec<ActivityKind>> {
        let mut out: Vec<ActivityKind> = rules::BUILTIN_KINDS
            .iter()
            .map(|(k, zh, en)| ActivityKind {
                key: k.to_string(),
                name_zh: zh.to_string(),
                name_en: en.to_string(),
                builtin: true,
            })
            .collect();
        let rows = self.db().read("SELECT key, name_zh, name_en FROM activity_kinds WHERE tenant_id = $1 AND archived = 0 ORDER BY created_at, key", crate::args![self.tenant_id()]).await?;
        for r in rows {
            out.push(ActivityKind {
                key: r.try_get(0)?,
                name_zh: r.try_get(1)?,
                name_en: r.try_get(2)?,
                builtin: false,
            });
        }
        Ok(out)
    }

    pub async fn add_activity_kind(&self, new: &NewActivityKind) -> StoreResult<ActivityKind> {
        self.require_global(Action::ManageUsers)?;
        let key = new.key.trim();
        let mut errors = Vec::new();
        if let Err(c) = rules::validate_custom_key(key) {
            errors.push(("key".to_string(), c));
        }
        let name_zh = new.name_zh.trim();
        if name_zh.is_empty() {
            errors.push(("name_zh".into(), Code::Required));
        }
        check_len(&mut errors, "name_zh", name_zh, 40);
        check_len(&mut errors, "name_en", new.name_en.trim(), 60);
        if !errors.is_empty() {
            return Err(StoreError::Validation(errors));
        }
        let name_en = if new.name_en.trim().is_empty() { key.to_string() } else { new.name_en.trim().to_string() };
        let kind = ActivityKind { key: key.into(), name_zh: name_zh.into(), name_en, builtin: false };
        let mut tx = self.db().begin_write().await?;
        sqlx::query(
            "INSERT INTO activity_kinds (tenant_id, key, name_zh, name_en, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(self.tenant_id())
        .bind(&kind.key)
        .bind(&kind.name_zh)
        .bind(&kind.name_en)
        .bind(crate::now_text())
        .execute(tx.conn())
        .await
        .map_err(|e| on_unique(e, Code::KindDuplicate))?;
        append(
            &mut tx,
            self.principal(),
            Change {
                action: "create",
                entity_type: "activity_kind",
                entity_id: kind.key.clone(),
                org_id: None,
                before: None,
                after: Some(serde_json::to_value(&kind).unwrap_or_default()),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(kind)
    }

    async fn kind_known(&self, key: &str) -> StoreResult<bool> {
        Ok(self.activity_kinds().await?.iter().any(|k| k.key == key))
    }

    /// The name of a kind in `locale` (the key itself if unknown).
    pub async fn kind_name(&self, key: &str, locale: Locale) -> StoreResult<String> {
        Ok(self
            .activity_kinds()
            .await?
            .into_iter()
            .find(|k| k.key == key)
            .map(|k| k.label(locale).to_string())
            .unwrap_or_else(|| key.to_string()))
    }

    // ---- expected list and defaults ---------------------------------------

    /// Who is expected: the committee (current office holders) for committee
    /// meetings, 中心组 sessions and democratic life meetings; the cell's
    /// members for a cell; otherwise the members registered in the org's
    /// subtree. Full members vote; probationary members attend without a vote.
    pub async fn expected_list(&self, org_id: i64, kind: &str) -> StoreResult<Vec<Expected>> {
        let org = self.org(org_id).await?;
        let t = self.tenant_id();
        let rows = if matches!(kind, "committee_meeting" | "study_group_session" | "democratic_life_meeting") {
            self.db().read("SELECT DISTINCT p.id, p.name, p.status FROM office_holders h JOIN people p ON p.tenant_id = h.tenant_id AND p.id = h.person_id \
                 WHERE h.tenant_id = $1 AND h.org_id = $2 AND h.ended_on IS NULL ORDER BY p.name, p.id", crate::args![t, org_id]).await?
        } else if org.kind() == OrgKind::Cell {
            self.db()
                .read(
                    "SELECT p.id, p.name, p.status FROM people p WHERE p.tenant_id = $1 AND p.cell_id = $2 \
                 AND p.status IN ('full', 'probationary') ORDER BY p.name, p.id",
                    crate::args![t, org_id],
                )
                .await?
        } else {
            self.db()
                .read(
                    &format!(
                        "SELECT p.id, p.name, p.status FROM people p WHERE p.tenant_id = $1 AND p.org_id IN {} \
                 AND p.status IN ('full', 'probationary') ORDER BY p.name, p.id",
                        subtree("$2")
                    ),
                    crate::args![t, org_id],
                )
                .await?
        };
        rows.iter()
            .map(|r| {
                let status: String = r.try_get(2)?;
                Ok(Expected {
                    person_id: r.try_get(0)?,
                    name: r.try_get(1)?,
                    voting: status == "full",
                    member_status: status,
                })
            })
            .collect()
    }

    /// The form's starting point: the expected list, and place, host,
    /// recorder and times from the last record of this kind at this org.
    pub async fn record_defaults(&self, org_id: i64, kind: &str) -> StoreResult<RecordDefaults> {
        let expected = self.expected_list(org_id, kind).await?;
        let last = self.db().read_opt("SELECT id, place, host, recorder, starts_at, ends_at, held_on FROM activities \
             WHERE tenant_id = $1 AND org_id = $2 AND kind = $3 AND status = 'held' ORDER BY held_on DESC, id DESC LIMIT 1", crate::args![self.tenant_id(), org_id, kind]).await?;
        let mut d = RecordDefaults {
            org_id,
            kind: kind.into(),
            expected,
            place: String::new(),
            host: String::new(),
            recorder: String::new(),
            starts_at: String::new(),
            ends_at: String::new(),
            last_held_on: None,
            absent_last_time: Vec::new(),
        };
        if let Some(r) = last {
            let id: i64 = r.try_get(0)?;
            d.place = r.try_get(1)?;
            d.host = r.try_get(2)?;
            d.recorder = r.try_get(3)?;
            d.starts_at = r.try_get(4)?;
            d.ends_at = r.try_get(5)?;
            d.last_held_on = Some(r.try_get(6)?);
            let rows = self
                .db()
                .read(
                    "SELECT person_id FROM activity_attendance WHERE tenant_id = $1 AND activity_id = $2 \
                 AND status IN ('absent', 'leave') AND person_id IS NOT NULL",
                    crate::args![self.tenant_id(), id],
                )
                .await?;
            d.absent_last_time = rows.iter().map(|r| r.try_get(0)).collect::<Result<_, _>>()?;
        }
        Ok(d)
    }

    // ---- records -----------------------------------------------------------

    async fn check_input(&self, input: &ActivityInput, today: NaiveDate) -> StoreResult<Checked> {
        let mut errors: Vec<(String, Code)> = Vec::new();
        let kind = input.kind.trim().to_string();
        if kind.is_empty() {
            errors.push(("kind".into(), Code::Required));
        } else if !self.kind_known(&kind).await? {
            errors.push(("kind".into(), Code::UnknownKind));
        }
        let topic = input.topic.trim().to_string();
        if topic.is_empty() {
            errors.push(("topic".into(), Code::Required));
        }
        check_len(&mut errors, "topic", &topic, 200);
        for (field, v, max) in [
            ("place", &input.place, 100),
            ("host", &input.host, 50),
            ("recorder", &input.recorder, 50),
            ("resolutions", &input.resolutions, 20_000),
            ("minutes", &input.minutes, 200_000),
        ] {
            check_len(&mut errors, field, v.trim(), max);
        }
        let held_on = match dangjian_domain::date::parse(&input.held_on) {
            Ok(d) => Some(d),
            Err(c) => {
                errors.push(("held_on".into(), c));
                None
            }
        };
        let status = match input.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => match ActivityStatus::parse(s) {
                Ok(s) => s,
                Err(c) => {
                    errors.push(("status".into(), c));
                    ActivityStatus::Held
                }
            },
            None if held_on.is_some_and(|d| d > today) => ActivityStatus::Planned,
            None => ActivityStatus::Held,
        };
        if status == ActivityStatus::Held && held_on.is_some_and(|d| d > today) {
            errors.push(("held_on".into(), Code::HeldInFuture));
        }
        let starts = parse_time(&mut errors, "starts_at", &input.starts_at);
        let ends = parse_time(&mut errors, "ends_at", &input.ends_at);
        if let (Some(s), Some(e)) = (starts, ends) {
            if e < s {
                errors.push(("ends_at".into(), Code::DateOrder));
            }
        }
        if let Some(e) = input.element_id {
            let n: i64 = self
                .db()
                .read_one(
                    "SELECT COUNT(*) FROM framework_elements WHERE tenant_id = $1 AND id = $2",
                    crate::args![self.tenant_id(), e],
                )
                .await?
                .try_get(0)?;
            if n == 0 {
                errors.push(("element_id".into(), Code::NotFound));
            }
        }
        if let Some(c) = input.campaign_id {
            if self.campaign(c).await.is_err() {
                errors.push(("campaign_id".into(), Code::NotFound));
            }
        }

        // Attendance: the expected list, with the submitted marks applied.
        let mut lines = Vec::new();
        if status == ActivityStatus::Held && !kind.is_empty() {
            let expected = self.expected_list(input.org_id, &kind).await?;
            let by_id: HashMap<i64, &Expected> = expected.iter().map(|e| (e.person_id, e)).collect();
            let mut marks: HashMap<i64, (Attendance, String)> = HashMap::new();
            let mut sit_ins = Vec::new();
            let mut seen_names = HashSet::new();
            for (i, m) in input.attendance.iter().enumerate() {
                let field = |f: &str| format!("attendance[{i}].{f}");
                let status = match Attendance::parse(&m.status) {
                    Ok(s) => s,
                    Err(c) => {
                        errors.push((field("status"), c));
                        continue;
                    }
                };
                let reason = m.reason.trim().to_string();
                check_len(&mut errors, &field("reason"), &reason, 200);
                if status.needs_reason() && reason.is_empty() {
                    errors.push((field("reason"), Code::AbsenceReasonRequired));
                }
                match m.person_id {
                    Some(pid) if status != Attendance::SitIn => {
                        if !by_id.contains_key(&pid) {
                            errors.push((field("person_id"), Code::NotOnRoster));
                        } else if marks.insert(pid, (status, reason)).is_some() {
                            errors.push((field("person_id"), Code::AttendanceDuplicate));
                        }
                    }
                    _ => {
                        // Sit-ins are named: people from other orgs or outside.
                        let name = m.name.trim().to_string();
                        if name.is_empty() {
                            errors.push((field("name"), Code::Required));
                            continue;
                        }
                        check_len(&mut errors, &field("name"), &name, 50);
                        check_len(&mut errors, &field("from_org"), m.from_org.trim(), 100);
                        if status != Attendance::SitIn && status != Attendance::Present {
                            errors.push((field("status"), Code::NotOnRoster));
                        }
                        if !seen_names.insert((name.clone(), m.from_org.trim().to_string())) {
                            errors.push((field("name"), Code::AttendanceDuplicate));
                        }
                        sit_ins.push(AttendanceLine {
                            person_id: m.person_id.filter(|p| !by_id.contains_key(p)),
                            name,
                            status: Attendance::SitIn.as_str().into(),
                            reason: String::new(),
                            from_org: m.from_org.trim().to_string(),
                            voting: false,
                        });
                    }
                }
            }
            for e in &expected {
                let (st, reason) = marks.remove(&e.person_id).unwrap_or((Attendance::Present, String::new()));
                lines.push(AttendanceLine {
                    person_id: Some(e.person_id),
                    name: e.name.clone(),
                    status: st.as_str().into(),
                    reason,
                    from_org: String::new(),
                    voting: e.voting,
                });
            }
            lines.extend(sit_ins);
        } else if !input.attendance.is_empty() {
            errors.push(("attendance".into(), Code::PlannedHasAttendance));
        }
        if !errors.is_empty() {
            return Err(StoreError::Validation(errors));
        }
        let marks: Vec<Mark> = lines
            .iter()
            .map(|l| Mark { status: Attendance::parse(&l.status).unwrap_or(Attendance::SitIn), voting: l.voting })
            .collect();
        Ok(Checked {
            kind,
            status,
            topic,
            held_on: held_on.expect("checked"),
            starts_at: starts.map(|t| t.format("%H:%M").to_string()).unwrap_or_default(),
            ends_at: ends.map(|t| t.format("%H:%M").to_string()).unwrap_or_default(),
            minutes: sanitize_minutes(&input.minutes),
            tally: rules::tally(&marks),
            lines,
        })
    }

    async fn write_attendance(&self, tx: &mut WriteTx, id: i64, lines: &[AttendanceLine]) -> StoreResult<()> {
        let t = self.tenant_id();
        sqlx::query("DELETE FROM activity_attendance WHERE tenant_id = $1 AND activity_id = $2")
            .bind(t)
            .bind(id)
            .execute(tx.conn())
            .await?;
        for (chunk_no, chunk) in lines.chunks(500).enumerate() {
            let sql = format!(
                "INSERT INTO activity_attendance (tenant_id, activity_id, seq, person_id, name, status, reason, from_org, voting) VALUES {}",
                tx.values_placeholders(chunk.len(), 9)
            );
            let mut q = sqlx::query(&sql);
            for (i, l) in chunk.iter().enumerate() {
                q = q
                    .bind(t)
                    .bind(id)
                    .bind((chunk_no * 500 + i) as i64)
                    .bind(l.person_id)
                    .bind(&l.name)
                    .bind(&l.status)
                    .bind(&l.reason)
                    .bind(&l.from_org)
                    .bind(l.voting as i64);
            }
            q.execute(tx.conn()).await?;
        }
        Ok(())
    }

    /// Plan an activity, or record one held (with its attendance).
    pub async fn create_activity(&self, input: &ActivityInput, today: NaiveDate) -> StoreResult<ActivityDetail> {
        self.require(Action::WriteOrgDetails, input.org_id).await?;
        let c = self.check_input(input, today).await?;
        let t = self.tenant_id();
        let now = crate::now_text();
        let mut tx = self.db().begin_write().await?;
        let id = next_ids(&mut tx, t, "activities", 1).await?;
        // $4..$23 are the record's fields, bound in `bind_fields`' order.
        let q = sqlx::query(
            "INSERT INTO activities (tenant_id, id, org_id, kind, status, topic, held_on, starts_at, ends_at, place, host, recorder, \
             minutes, resolutions, element_id, campaign_id, expected, present, absent, on_leave, sit_ins, voting_expected, voting_present, \
             version, created_at, created_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, \
             $17, $18, $19, $20, $21, $22, $23, 1, $24, $25, $24)",
        )
        .bind(t)
        .bind(id)
        .bind(input.org_id);
        bind_fields(q, &c, input).bind(&now).bind(self.principal().user_id).execute(tx.conn()).await?;
        self.write_attendance(&mut tx, id, &c.lines).await?;
        let after = rollups::activity_fact(&mut tx, t, id).await?;
        rollups::activity_changed(&mut tx, t, id, None, after.as_ref()).await?;
        append(
            &mut tx,
            self.principal(),
            Change {
                action: "create",
                entity_type: "activity",
                entity_id: id.to_string(),
                org_id: Some(input.org_id),
                before: None,
                after: Some(audit_view(&c, input)),
            },
        )
        .await?;
        tx.commit().await?;
        self.activity(id).await
    }

    /// Edit a record (or record a planned one as held). `input.version` must
    /// be the version the editor started from, else `Conflict`.
    pub async fn update_activity(
        &self,
        id: i64,
        input: &ActivityInput,
        today: NaiveDate,
    ) -> StoreResult<ActivityDetail> {
        let before = self.activity(id).await?;
        self.require(Action::WriteOrgDetails, before.activity.org_id).await?;
        if input.org_id != before.activity.org_id {
            return Err(StoreError::field("org_id", Code::InvalidValue));
        }
        let version = input.version.ok_or_else(|| StoreError::field("version", Code::Required))?;
        let c = self.check_input(input, today).await?;
        let t = self.tenant_id();
        let mut tx = self.db().begin_write().await?;
        let facts_before = rollups::activity_fact(&mut tx, t, id).await?;
        // $3..$22 are the record's fields, bound in `bind_fields`' order.
        let q = sqlx::query(
            "UPDATE activities SET kind = $3, status = $4, topic = $5, held_on = $6, starts_at = $7, ends_at = $8, place = $9, \
             host = $10, recorder = $11, minutes = $12, resolutions = $13, element_id = $14, campaign_id = $15, expected = $16, \
             present = $17, absent = $18, on_leave = $19, sit_ins = $20, voting_expected = $21, voting_present = $22, \
             version = version + 1, updated_at = $23 WHERE tenant_id = $1 AND id = $2 AND version = $24",
        )
        .bind(t)
        .bind(id);
        let n =
            bind_fields(q, &c, input).bind(crate::now_text()).bind(version).execute(tx.conn()).await?.rows_affected();
        if n == 0 {
            return Err(StoreError::Conflict(Code::Conflict));
        }
        self.write_attendance(&mut tx, id, &c.lines).await?;
        let facts_after = rollups::activity_fact(&mut tx, t, id).await?;
        rollups::activity_changed(&mut tx, t, id, facts_before.as_ref(), facts_after.as_ref()).await?;
        append(
            &mut tx,
            self.principal(),
            Change {
                action: "update",
                entity_type: "activity",
                entity_id: id.to_string(),
                org_id: Some(before.activity.org_id),
                before: Some(serde_json::json!({
                    "kind": before.activity.kind, "status": before.activity.status, "topic": before.activity.topic,
                    "held_on": before.activity.held_on, "tally": before.activity.tally,
                    "attendance": before.attendance,
                })),
                after: Some(audit_view(&c, input)),
            },
        )
        .await?;
        tx.commit().await?;
        self.activity(id).await
    }

    /// A record with its attendance, visible to readers of its org.
    pub async fn activity(&self, id: i64) -> StoreResult<ActivityDetail> {
        let filter = self.and_filter(Action::Read, "a.org_id").map_err(|_| StoreError::NotFound)?;
        let row = self
            .db()
            .read_opt(
                &format!("SELECT {ACTIVITY_COLS} {ACTIVITY_FROM} WHERE a.tenant_id = $1 AND a.id = $2{filter}"),
                crate::args![self.tenant_id(), id],
            )
            .await?
            .ok_or(StoreError::NotFound)?;
        let activity = activity_from(&row)?;
        let t = self.tenant_id();
        let lines = self
            .db()
            .read(
                "SELECT person_id, name, status, reason, from_org, voting FROM activity_attendance \
             WHERE tenant_id = $1 AND activity_id = $2 ORDER BY seq",
                crate::args![t, id],
            )
            .await?;
        let attendance = lines
            .iter()
            .map(|r| {
                Ok(AttendanceLine {
                    person_id: r.try_get(0)?,
                    name: r.try_get(1)?,
                    status: r.try_get(2)?,
                    reason: r.try_get(3)?,
                    from_org: r.try_get(4)?,
                    voting: r.try_get::<i64>(5)? != 0,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        let campaign_name = match activity.campaign_id {
            Some(c) => self
                .db()
                .read_opt("SELECT name FROM campaigns WHERE tenant_id = $1 AND id = $2", crate::args![t, c])
                .await?
                .map(|r| r.try_get(0))
                .transpose()?,
            None => None,
        };
        let element_name = match activity.element_id {
            Some(e) => self
                .db()
                .read_opt("SELECT name FROM framework_elements WHERE tenant_id = $1 AND id = $2", crate::args![t, e])
                .await?
                .map(|r| r.try_get(0))
                .transpose()?,
            None => None,
        };
        let task_ids = self
            .db()
            .read(
                "SELECT task_id FROM activity_tasks WHERE tenant_id = $1 AND activity_id = $2 ORDER BY task_id",
                crate::args![t, id],
            )
            .await?
            .iter()
            .map(|r| r.try_get(0))
            .collect::<Result<_, _>>()?;
        let kind_name = self.kind_name(&activity.kind, Locale::ZhCn).await?;
        Ok(ActivityDetail { activity, kind_name, attendance, campaign_name, element_name, task_ids })
    }

    /// Activities of an org's subtree, newest first.
    pub async fn activities(&self, org_id: i64, q: &ActivityQuery) -> StoreResult<Vec<Activity>> {
        self.org(org_id).await?;
        let mut sql =
            format!("SELECT {ACTIVITY_COLS} {ACTIVITY_FROM} WHERE a.tenant_id = $1 AND a.org_id IN {}", subtree("$2"));
        let mut binds: Vec<String> = Vec::new();
        let mut push = |sql: &mut String, cond: &str, v: String| {
            binds.push(v);
            sql.push_str(&format!(" AND {cond} ${}", binds.len() + 2));
        };
        if let Some(f) = q.from {
            push(&mut sql, "a.held_on >=", date_text(f));
        }
        if let Some(to) = q.to {
            push(&mut sql, "a.held_on <=", date_text(to));
        }
        if let Some(k) = q.kind.as_deref().filter(|k| !k.is_empty()) {
            push(&mut sql, "a.kind =", k.to_string());
        }
        if let Some(s) = q.status.as_deref().filter(|s| !s.is_empty()) {
            push(&mut sql, "a.status =", s.to_string());
        }
        if let Some(c) = q.campaign_id {
            sql.push_str(&format!(" AND a.campaign_id = {c}"));
        }
        let limit = q.limit.unwrap_or(500).clamp(1, 2000);
        sql.push_str(&format!(" ORDER BY a.held_on DESC, a.starts_at DESC, a.id DESC LIMIT {limit}"));
        let mut args: Vec<Arg> = vec![self.tenant_id().into(), org_id.into()];
        args.extend(binds.into_iter().map(Arg::from));
        self.db().read(&sql, &args).await?.iter().map(activity_from).collect()
    }

    // ---- 第一议题: 学习 → 研讨 → 落实 → 问效 ----------------------------------

    /// Add an implementation task (落实) to a first_topic record, in the given
    /// list or the org's 第一议题落实清单 for the record's year.
    pub async fn add_implementation_task(&self, activity_id: i64, input: &ImplementationInput) -> StoreResult<Task> {
        let d = self.activity(activity_id).await?;
        let a = &d.activity;
        if a.kind != "first_topic" {
            return Err(StoreError::Conflict(Code::NotFirstTopic));
        }
        self.require(Action::WriteOrgDetails, a.org_id).await?;
        // The usual mistakes are refused before the year's list is made, so a
        // refused task leaves no empty list behind.
        let mut errors = Vec::new();
        if input.title.trim().is_empty() {
            errors.push(("title".to_string(), Code::Required));
        }
        let due = input.due_on.as_deref().map(str::trim).filter(|d| !d.is_empty());
        if due.is_some_and(|d| dangjian_domain::date::parse(d).is_err()) {
            errors.push(("due_on".to_string(), Code::DateFormat));
        }
        if !errors.is_empty() {
            return Err(StoreError::Validation(errors));
        }
        let year = a.held_on.get(..4).and_then(|y| y.parse::<i64>().ok());
        let list_id = match input.list_id {
            Some(l) => l,
            None => {
                let name = format!("第一议题落实清单（{}年）", year.unwrap_or_default());
                let existing = self
                    .db()
                    .read_opt(
                        "SELECT id FROM task_lists WHERE tenant_id = $1 AND org_id = $2 AND name = $3",
                        crate::args![self.tenant_id(), a.org_id, &name],
                    )
                    .await?;
                match existing {
                    Some(r) => r.try_get(0)?,
                    None => {
                        self.create_list(&NewList {
                            org_id: a.org_id,
                            kind: ListKind::Task,
                            name,
                            year,
                            source: "第一议题".into(),
                            procedure_id: None,
                            framework_id: None,
                        })
                        .await?
                        .id
                    }
                }
            }
        };
        let task_input = TaskInput {
            parent_id: None,
            level: None,
            seq: String::new(),
            category: "第一议题".into(),
            title: input.title.clone(),
            measure: input.measure.clone(),
            target: String::new(),
            element_id: a.element_id,
            org_id: input.org_id.unwrap_or(a.org_id),
            person: input.person.clone(),
            leader: String::new(),
            cooperating_org_ids: Vec::new(),
            start_on: Some(a.held_on.clone()),
            due_on: input.due_on.clone(),
            weight: None,
            decision_kind: None,
            pre_review_on: None,
            pre_review_conclusion: String::new(),
            decided_on: None,
            note: format!("来源：第一议题《{}》（{}）", a.topic, a.held_on),
        };
        // The task and its link to the record are one write: never a task
        // that forgot where it came from.
        let checked = self.check_new_task(list_id, &task_input).await?;
        let mut tx = self.db().begin_write().await?;
        let task_id = self.write_new_task(&mut tx, list_id, &task_input, &checked).await?;
        sqlx::query("INSERT INTO activity_tasks (tenant_id, activity_id, task_id) VALUES ($1, $2, $3)")
            .bind(self.tenant_id())
            .bind(activity_id)
            .bind(task_id)
            .execute(tx.conn())
            .await?;
        append(
            &mut tx,
            self.principal(),
            Change {
                action: "link_task",
                entity_type: "activity",
                entity_id: activity_id.to_string(),
                org_id: Some(a.org_id),
                before: None,
                after: Some(serde_json::json!({"task_id": task_id, "list_id": list_id})),
            },
        )
        .await?;
        tx.commit().await?;
        self.task(task_id).await
    }

    /// 问效: the implementation tasks of a first_topic record and how they stand.
    pub async fn follow_up(&self, activity_id: i64, today: NaiveDate) -> StoreResult<FollowUp> {
        let d = self.activity(activity_id).await?;
        let mut tasks = Vec::new();
        for id in &d.task_ids {
            match self.task(*id).await {
                Ok(t) => tasks.push(t),
                Err(StoreError::NotFound) => {}
                Err(e) => return Err(e),
            }
        }
        let today_s = date_text(today);
        let closed = tasks.iter().filter(|t| t.status == "closed").count() as i64;
        let overdue = tasks
            .iter()
            .filter(|t| {
                t.status != "closed" && t.status != "cancelled" && t.due_on.as_deref().is_some_and(|d| *d < *today_s)
            })
            .count() as i64;
        let progress = (!tasks.is_empty())
            .then(|| (tasks.iter().map(|t| t.progress).sum::<f64>() / tasks.len() as f64 * 100.0).round() / 100.0);
        Ok(FollowUp { activity_id, total: tasks.len() as i64, closed, overdue, progress, tasks })
    }

    // ---- campaigns and study items -----------------------------------------

    pub async fn create_campaign(&self, new: &NewCampaign) -> StoreResult<Campaign> {
        self.require(Action::WriteOrgDetails, new.org_id).await?;
        let mut errors = Vec::new();
        let name = match dangjian_domain::org::validate_name(&new.name) {
            Ok(n) => n,
            Err(c) => {
                errors.push(("name".to_string(), c));
                String::new()
            }
        };
        let starts =
            dangjian_domain::date::parse(&new.starts_on).map_err(|c| errors.push(("starts_on".into(), c))).ok();
        let ends = dangjian_domain::date::parse(&new.ends_on).map_err(|c| errors.push(("ends_on".into(), c))).ok();
        if let (Some(s), Some(e)) = (starts, ends) {
            if e < s {
                errors.push(("ends_on".into(), Code::DateOrder));
            }
        }
        check_len(&mut errors, "description", new.description.trim(), 5000);
        if !errors.is_empty() {
            return Err(StoreError::Validation(errors));
        }
        let t = self.tenant_id();
        let mut tx = self.db().begin_write().await?;
        let id = next_ids(&mut tx, t, "campaigns", 1).await?;
        sqlx::query(
            "INSERT INTO campaigns (tenant_id, id, org_id, name, starts_on, ends_on, description, created_at, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(t)
        .bind(id)
        .bind(new.org_id)
        .bind(&name)
        .bind(date_text(starts.expect("checked")))
        .bind(date_text(ends.expect("checked")))
        .bind(new.description.trim())
        .bind(crate::now_text())
        .bind(self.principal().user_id)
        .execute(tx.conn())
        .await?;
        append(
            &mut tx,
            self.principal(),
            Change {
                action: "create",
                entity_type: "campaign",
                entity_id: id.to_string(),
                org_id: Some(new.org_id),
                before: None,
                after: Some(serde_json::json!({"name": name, "starts_on": new.starts_on, "ends_on": new.ends_on})),
            },
        )
        .await?;
        tx.commit().await?;
        self.campaign(id).await
    }

    pub async fn campaign(&self, id: i64) -> StoreResult<Campaign> {
        let filter = self.and_filter(Action::Read, "c.org_id").map_err(|_| StoreError::NotFound)?;
        let row = self
            .db()
            .read_opt(
                &format!(
                    "SELECT c.id, c.org_id, o.name, c.name, c.starts_on, c.ends_on, c.description FROM campaigns c \
             JOIN orgs o ON o.tenant_id = c.tenant_id AND o.id = c.org_id WHERE c.tenant_id = $1 AND c.id = $2{filter}"
                ),
                crate::args![self.tenant_id(), id],
            )
            .await?
            .ok_or(StoreError::NotFound)?;
        campaign_from(&row)
    }

    /// Campaigns an org's members take part in: run by the org, an ancestor
    /// (a group-wide campaign reaches every branch) or a descendant.
    pub async fn campaigns(&self, org_id: i64) -> StoreResult<Vec<Campaign>> {
        self.org(org_id).await?;
        let filter = self.and_filter(Action::Read, "c.org_id").unwrap_or_default();
        let sql = format!(
            "SELECT c.id, c.org_id, o.name, c.name, c.starts_on, c.ends_on, c.description FROM campaigns c \
             JOIN orgs o ON o.tenant_id = c.tenant_id AND o.id = c.org_id WHERE c.tenant_id = $1 AND (c.org_id IN {} \
             OR c.org_id IN (SELECT ancestor_id FROM org_closure WHERE tenant_id = $1 AND descendant_id = $2)){filter} \
             ORDER BY c.starts_on DESC, c.id DESC",
            subtree("$2")
        );
        let rows = self.db().read(&sql, crate::args![self.tenant_id(), org_id]).await?;
        rows.iter().map(campaign_from).collect()
    }

    /// A campaign with its figures, counted over the caller's visible part.
    pub async fn campaign_detail(&self, id: i64) -> StoreResult<CampaignDetail> {
        let campaign = self.campaign(id).await?;
        let t = self.tenant_id();
        let filter = self.and_filter(Action::Read, "a.org_id").unwrap_or_default();
        let rows = self
            .db()
            .read(
                &format!(
                    "SELECT a.kind, COUNT(*), CAST(COALESCE(SUM(a.present), 0) AS BIGINT) FROM activities a \
             WHERE a.tenant_id = $1 AND a.campaign_id = $2 AND a.status = 'held'{filter} GROUP BY a.kind"
                ),
                crate::args![t, id],
            )
            .await?;
        let mut by_kind = BTreeMap::new();
        let mut participants = 0;
        for r in rows {
            by_kind.insert(r.try_get::<String>(0)?, r.try_get::<i64>(1)?);
            participants += r.try_get::<i64>(2)?;
        }
        let items = self.study_items_where("s.campaign_id = $2", id).await?;
        let count = |k: &str| items.iter().filter(|i| i.kind == k).count() as i64;
        Ok(CampaignDetail {
            suggestions: count("suggestion"),
            case_studies: count("case_study"),
            bulletins: count("bulletin"),
            campaign,
            by_kind,
            participants,
            items,
        })
    }

    async fn study_items_where(&self, cond: &str, param: i64) -> StoreResult<Vec<StudyItem>> {
        let filter = self.and_filter(Action::Read, "s.org_id").unwrap_or_default();
        let rows = self.db().read(&format!(
            "SELECT s.id, s.org_id, o.name, s.campaign_id, s.activity_id, s.kind, s.title, s.body, s.on_date FROM study_items s \
             JOIN orgs o ON o.tenant_id = s.tenant_id AND o.id = s.org_id WHERE s.tenant_id = $1 AND {cond}{filter} \
             ORDER BY s.on_date DESC, s.id DESC LIMIT 1000"
        ), crate::args![self.tenant_id(), param]).await?;
        rows.iter().map(item_from).collect()
    }

    /// Suggestions, case studies and bulletins of an org's subtree.
    pub async fn study_items(&self, org_id: i64) -> StoreResult<Vec<StudyItem>> {
        self.org(org_id).await?;
        self.study_items_where(&format!("s.org_id IN {}", subtree("$2")), org_id).await
    }

    pub async fn add_study_item(&self, new: &NewStudyItem) -> StoreResult<StudyItem> {
        self.require(Action::WriteOrgDetails, new.org_id).await?;
        let mut errors = Vec::new();
        let kind = new.kind.trim();
        if !STUDY_ITEM_KINDS.contains(&kind) {
            errors.push(("kind".to_string(), Code::InvalidValue));
        }
        let title = new.title.trim();
        if title.is_empty() {
            errors.push(("title".into(), Code::Required));
        }
        check_len(&mut errors, "title", title, 200);
        check_len(&mut errors, "body", new.body.trim(), 20_000);
        let on = dangjian_domain::date::parse(&new.on_date).map_err(|c| errors.push(("on_date".into(), c))).ok();
        if let Some(c) = new.campaign_id {
            if self.campaign(c).await.is_err() {
                errors.push(("campaign_id".into(), Code::NotFound));
            }
        }
        if let Some(a) = new.activity_id {
            if self.activity(a).await.is_err() {
                errors.push(("activity_id".into(), Code::NotFound));
            }
        }
        if !errors.is_empty() {
            return Err(StoreError::Validation(errors));
        }
        let t = self.tenant_id();
        let mut tx = self.db().begin_write().await?;
        let id = next_ids(&mut tx, t, "study_items", 1).await?;
        sqlx::query(
            "INSERT INTO study_items (tenant_id, id, org_id, campaign_id, activity_id, kind, title, body, on_date, created_at, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(t)
        .bind(id)
        .bind(new.org_id)
        .bind(new.campaign_id)
        .bind(new.activity_id)
        .bind(kind)
        .bind(title)
        .bind(new.body.trim())
        .bind(date_text(on.expect("checked")))
        .bind(crate::now_text())
        .bind(self.principal().user_id)
        .execute(tx.conn())
        .await?;
        rollups::study_item_added(&mut tx, t, new.org_id, &date_text(on.expect("checked")), kind).await?;
        append(
            &mut tx,
            self.principal(),
            Change {
                action: "create",
                entity_type: "study_item",
                entity_id: id.to_string(),
                org_id: Some(new.org_id),
                before: None,
                after: Some(serde_json::json!({"kind": kind, "title": title, "campaign_id": new.campaign_id})),
            },
        )
        .await?;
        tx.commit().await?;
        let mut items = self.study_items_where("s.id = $2", id).await?;
        items.pop().ok_or(StoreError::NotFound)
    }

    // ---- compliance and figures --------------------------------------------

    /// Required / held / missing per org and period over `org_id`'s subtree.
    pub async fn compliance(
        &self,
        org_id: i64,
        from: NaiveDate,
        to: NaiveDate,
        today: NaiveDate,
    ) -> StoreResult<Compliance> {
        let org = self.org(org_id).await?;
        let settings = self.settings().await?;
        let reqs = &settings.activity_requirements;
        let t = self.tenant_id();
        let kinds: HashSet<&str> =
            reqs.iter().flat_map(|r| r.org_kinds.iter().map(|k| k.as_str())).collect::<HashSet<_>>();
        let kind_list = kinds.iter().map(|k| format!("'{k}'")).collect::<Vec<_>>().join(",");
        let mut c = Compliance {
            org_id,
            from: date_text(from),
            to: date_text(to),
            orgs: 0,
            met: 0,
            counted: 0,
            missed: 0,
            due_soon: 0,
            rate: None,
            by_child: Vec::new(),
            by_kind: Vec::new(),
            behind: Vec::new(),
            own: Vec::new(),
        };
        if kind_list.is_empty() || to < from {
            return Ok(c);
        }
        // Orgs that carry requirements, alive during the period, with the
        // direct child of `org_id` each one sits under.
        let orgs = self.db().read(&format!(
            "SELECT o.id, o.name, o.kind, o.established_on, o.dissolved_on, CASE WHEN o.id = $2 THEN '' ELSE COALESCE(p.name, '') END, \
               (SELECT c.ancestor_id FROM org_closure c JOIN orgs ch ON ch.tenant_id = c.tenant_id AND ch.id = c.ancestor_id \
                WHERE c.tenant_id = $1 AND c.descendant_id = o.id AND ch.parent_id = $2) \
             FROM orgs o LEFT JOIN orgs p ON p.tenant_id = o.tenant_id AND p.id = o.parent_id \
             WHERE o.tenant_id = $1 AND o.id IN {} AND o.kind IN ({kind_list}) \
               AND o.established_on <= $4 AND (o.dissolved_on IS NULL OR o.dissolved_on >= $3)",
            subtree("$2")
        ), crate::args![t, org_id, date_text(from), date_text(to)]).await?;
        // Held activities counted per org, kind and month: every period is
        // whole months, so this is all the rules need. Only the kinds some
        // requirement names, each over the periods it asks about (a monthly
        // kind needs 13 months of a year's window, not two calendar years).
        let spans = reqs
            .iter()
            .filter(|r| literal_safe_kind(&r.activity_kind))
            .map(|r| {
                let f = r.period.start_of(from);
                let tt = r.period.end_from(r.period.start_of(to));
                format!(
                    "(a.kind = '{}' AND a.held_on >= '{}' AND a.held_on <= '{}')",
                    r.activity_kind,
                    date_text(f),
                    date_text(tt)
                )
            })
            .collect::<Vec<_>>();
        // With no span the condition is false, and the statement stays valid.
        let spans = if spans.is_empty() { "1 = 0".to_string() } else { spans.join(" OR ") };
        let held = self
            .db()
            .read(
                &format!(
            "SELECT a.org_id, a.kind, SUBSTR(a.held_on, 1, 7), COUNT(*) FROM activities a WHERE a.tenant_id = $1 \
             AND a.org_id IN {} AND a.status = 'held' AND a.held_on >= $3 AND a.held_on <= $4 AND ({}) \
             GROUP BY a.org_id, a.kind, SUBSTR(a.held_on, 1, 7)",
            subtree("$2"),
            spans
        ),
                crate::args![
                    t,
                    org_id,
                    date_text(Period::Year.start_of(from)),
                    date_text(Period::Year.end_from(Period::Year.start_of(to)))
                ],
            )
            .await?;
        // Kinds are shared, not copied per row: the root reads ~200,000 rows.
        let kind_names: HashMap<&str, std::sync::Arc<str>> =
            reqs.iter().map(|r| (r.activity_kind.as_str(), std::sync::Arc::from(r.activity_kind.as_str()))).collect();
        let mut held_by_org: HashMap<i64, Vec<(std::sync::Arc<str>, NaiveDate)>> = HashMap::new();
        for r in &held {
            let ym: String = r.try_get(2)?;
            let Some(month) = ym
                .get(..4)
                .zip(ym.get(5..7))
                .and_then(|(y, m)| NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, 1))
            else {
                continue;
            };
            let n: i64 = r.try_get(3)?;
            let kind: String = r.try_get(1)?;
            let Some(kind) = kind_names.get(kind.as_str()) else { continue };
            let e = held_by_org.entry(r.try_get(0)?).or_default();
            for _ in 0..n {
                e.push((kind.clone(), month));
            }
        }
        let child_names: HashMap<i64, (String, String)> = self
            .db()
            .read("SELECT id, name, kind FROM orgs WHERE tenant_id = $1 AND parent_id = $2", crate::args![t, org_id])
            .await?
            .iter()
            .map(|r| Ok((r.try_get(0)?, (r.try_get(1)?, r.try_get(2)?))))
            .collect::<StoreResult<_>>()?;
        let mut by_child: BTreeMap<i64, ComplianceGroup> = BTreeMap::new();
        let mut by_kind: BTreeMap<String, ComplianceGroup> = BTreeMap::new();
        for r in &orgs {
            let id: i64 = r.try_get(0)?;
            let name: String = r.try_get(1)?;
            let kind_s: String = r.try_get(2)?;
            let Ok(kind) = OrgKind::parse(&kind_s) else { continue };
            let established: String = r.try_get(3)?;
            let dissolved: Option<String> = r.try_get(4)?;
            let parent_name: String = r.try_get(5)?;
            let child: Option<i64> = r.try_get(6)?;
            let list: Vec<(&str, NaiveDate)> =
                held_by_org.get(&id).map(|v| v.iter().map(|(k, d)| (&**k, *d)).collect()).unwrap_or_default();
            let checks: Vec<PeriodCheck> =
                rules::check(reqs, kind, &list, from, to, today, settings.compliance_alert_days)
                    .into_iter()
                    .filter(|p| owed_by(p, &established, dissolved.as_deref()))
                    .collect();
            c.orgs += 1;
            let group_key = if id == org_id { org_id } else { child.unwrap_or(org_id) };
            let g = by_child.entry(group_key).or_insert_with(|| {
                let (n, k) = child_names.get(&group_key).cloned().unwrap_or((org.name.clone(), org.kind.clone()));
                ComplianceGroup {
                    org_id: group_key,
                    name: n,
                    kind: k,
                    met: 0,
                    counted: 0,
                    missed: 0,
                    due_soon: 0,
                    rate: None,
                }
            });
            let mut missed = Vec::new();
            let mut due = Vec::new();
            for p in &checks {
                let kg = by_kind.entry(p.activity_kind.clone()).or_insert_with(|| ComplianceGroup {
                    org_id,
                    name: p.activity_kind.clone(),
                    kind: p.activity_kind.clone(),
                    met: 0,
                    counted: 0,
                    missed: 0,
                    due_soon: 0,
                    rate: None,
                });
                for grp in [&mut *g, &mut *kg] {
                    grp.counted += p.counts() as i64;
                    grp.met += (p.state == PeriodState::Met) as i64;
                    grp.missed += (p.state == PeriodState::Missed) as i64;
                    grp.due_soon += (p.state == PeriodState::DueSoon) as i64;
                }
                match p.state {
                    PeriodState::Missed => missed.push(p.clone()),
                    PeriodState::DueSoon => due.push(p.clone()),
                    _ => {}
                }
            }
            if id == org_id {
                c.own = checks.clone();
            }
            if !missed.is_empty() || !due.is_empty() {
                c.behind.push(BehindOrg { org_id: id, name, parent_name, missed, due_soon: due });
            }
        }
        for g in by_child.values_mut().chain(by_kind.values_mut()) {
            g.rate = rules::compliance_rate(g.met, g.counted);
        }
        c.met = by_child.values().map(|g| g.met).sum();
        c.counted = by_child.values().map(|g| g.counted).sum();
        c.missed = by_child.values().map(|g| g.missed).sum();
        c.due_soon = by_child.values().map(|g| g.due_soon).sum();
        c.rate = rules::compliance_rate(c.met, c.counted);
        c.by_child = by_child.into_values().collect();
        c.by_child
            .sort_by(|a, b| a.rate.partial_cmp(&b.rate).unwrap_or(std::cmp::Ordering::Equal).then(a.name.cmp(&b.name)));
        c.by_kind = by_kind.into_values().collect();
        c.behind.sort_by(|a, b| {
            b.missed
                .len()
                .cmp(&a.missed.len())
                .then(b.due_soon.len().cmp(&a.due_soon.len()))
                .then(a.org_id.cmp(&b.org_id))
        });
        c.behind.truncate(500);
        Ok(c)
    }

    /// Figures of `GET /orgs/{id}/stats/activities` over `[from, to]`.
    pub async fn activity_stats(
        &self,
        org_id: i64,
        from: NaiveDate,
        to: NaiveDate,
        today: NaiveDate,
    ) -> StoreResult<ActivityStats> {
        self.org(org_id).await?;
        let t = self.tenant_id();
        let (f, tt) = (date_text(from), date_text(to));
        // Per-ancestor sums (see `rollups`): one index range of this org.
        let rows = self.db().read("SELECT kind, status, CAST(SUM(n) AS BIGINT), CAST(SUM(expected) AS BIGINT), CAST(SUM(present) AS BIGINT) \
             FROM activity_rollups WHERE tenant_id = $1 AND ancestor_id = $2 AND day >= $3 AND day <= $4 \
             GROUP BY kind, status", crate::args![t, org_id, &f, &tt]).await?;
        let mut s = ActivityStats {
            by_kind: BTreeMap::new(),
            held: 0,
            planned: 0,
            expected: 0,
            present: 0,
            attendance_rate: None,
            compliance_rate: None,
            suggestions: 0,
            case_studies: 0,
            bulletins: 0,
            recordings: 0,
            recordings_bytes: 0,
        };
        for r in rows {
            let kind: String = r.try_get(0)?;
            let status: String = r.try_get(1)?;
            let n: i64 = r.try_get(2)?;
            if n == 0 {
                continue; // a roll-up row emptied by edits
            }
            match status.as_str() {
                "held" => {
                    *s.by_kind.entry(kind).or_default() += n;
                    s.held += n;
                    s.expected += r.try_get::<i64>(3)?;
                    s.present += r.try_get::<i64>(4)?;
                }
                "planned" => s.planned += n,
                _ => {}
            }
        }
        s.attendance_rate = rules::attendance_rate(s.present, s.expected);
        let items = self
            .db()
            .read(
                "SELECT kind, CAST(SUM(n) AS BIGINT) FROM study_item_rollups \
             WHERE tenant_id = $1 AND ancestor_id = $2 AND day >= $3 AND day <= $4 GROUP BY kind",
                crate::args![t, org_id, &f, &tt],
            )
            .await?;
        for r in items {
            let kind: String = r.try_get(0)?;
            let n: i64 = r.try_get(1)?;
            match kind.as_str() {
                "suggestion" => s.suggestions = n,
                "case_study" => s.case_studies = n,
                "bulletin" => s.bulletins = n,
                _ => {}
            }
        }
        // A recording belongs to the period of its activity; one not yet
        // attached, to the day it was recorded (`rollups::RECORDING_DAY`).
        let rec = self.db().read_one("SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT), CAST(COALESCE(SUM(bytes), 0) AS BIGINT) FROM recording_rollups \
             WHERE tenant_id = $1 AND ancestor_id = $2 AND day >= $3 AND day <= $4", crate::args![t, org_id, &f, &tt]).await?;
        s.recordings = rec.try_get(0)?;
        s.recordings_bytes = rec.try_get(1)?;
        let (met, counted) = self.compliance_counts(org_id, from, to, today).await?;
        s.compliance_rate = rules::compliance_rate(met, counted);
        Ok(s)
    }

    /// Met and counted periods of the subtree: the same numbers as
    /// [`Scoped::compliance`]'s `met` and `counted`, without a row per org and
    /// month. At the group root that board reads ~400,000 (org, kind, month)
    /// groups; here the orgs that met each requirement in each period are
    /// read from the org's `compliance_rollups` histogram (a few hundred
    /// rows), and the periods due come from the orgs' lifetimes alone
    /// (`rules::check` with nothing held: every period it lists is one the
    /// org owed).
    pub async fn compliance_counts(
        &self,
        org_id: i64,
        from: NaiveDate,
        to: NaiveDate,
        today: NaiveDate,
    ) -> StoreResult<(i64, i64)> {
        self.org(org_id).await?;
        let settings = self.settings().await?;
        let reqs = &settings.activity_requirements;
        if reqs.is_empty() || to < from {
            return Ok((0, 0));
        }
        let t = self.tenant_id();
        let kinds: HashSet<&str> = reqs.iter().flat_map(|r| r.org_kinds.iter().map(|k| k.as_str())).collect();
        let kind_list = kinds.iter().map(|k| format!("'{k}'")).collect::<Vec<_>>().join(",");
        let alive = "o.established_on <= $4 AND (o.dissolved_on IS NULL OR o.dissolved_on >= $3)";
        let spans: Vec<(NaiveDate, NaiveDate)> = reqs
            .iter()
            .map(|req| {
                let span_from = req.period.start_of(from);
                (span_from, req.period.end_from(req.period.start_of(to)).min(today.max(span_from)))
            })
            .collect();
        let earliest = date_text(spans.iter().map(|s| s.0).min().unwrap_or(from));
        // The subtree's orgs in one pass. Orgs founded before the earliest
        // period and never dissolved owe every period alike: one group per
        // kind; the others come grouped by their dates. Orgs not alive in the
        // window ("gone": dissolved before it, or founded after it) come one
        // row each, with their id.
        let orgs = self
            .db()
            .read(
                &format!(
                    "SELECT o.kind, CASE WHEN {alive} THEN 0 ELSE o.id END, CASE WHEN {alive} THEN 1 ELSE 0 END, \
             CASE WHEN o.established_on > '{earliest}' THEN o.established_on ELSE '' END, o.dissolved_on, COUNT(*) \
             FROM org_closure c JOIN orgs o ON o.tenant_id = c.tenant_id AND o.id = c.descendant_id \
             WHERE c.tenant_id = $1 AND c.ancestor_id = $2 AND o.kind IN ({kind_list}) GROUP BY 1, 2, 3, 4, 5"
                ),
                crate::args![t, org_id, date_text(from), date_text(to)],
            )
            .await?;
        // Periods owed, per group alive in the window. A requirement of zero
        // times is met by every period it lists.
        let (mut ended_owed, mut met_free) = (0i64, 0i64);
        let mut gone = Vec::new();
        for r in &orgs {
            let Ok(kind) = OrgKind::parse(&r.try_get::<String>(0)?) else { continue };
            let id: i64 = r.try_get(1)?;
            if id != 0 {
                gone.push(id.to_string());
            }
            if r.try_get::<i64>(2)? == 0 {
                continue;
            }
            let established: String = r.try_get(3)?;
            let dissolved: Option<String> = r.try_get(4)?;
            let n: i64 = r.try_get(5)?;
            for p in rules::check(reqs, kind, &[], from, to, today, settings.compliance_alert_days) {
                if !owed_by(&p, &established, dissolved.as_deref()) {
                    continue;
                }
                match p.state {
                    PeriodState::Missed => ended_owed += n,
                    PeriodState::Met => met_free += n,
                    _ => {}
                }
            }
        }
        // Periods met: per requirement, the orgs of its kinds that held
        // enough while alive in the period, from the histogram of
        // `compliance_rollups`. The board also asks that the org be alive in
        // the window: the gone orgs' entries (a period straddling the window's
        // start or end) are counted from their activities and taken off.
        let mut branches = Vec::new();
        for (i, (req, (span_from, span_to))) in reqs.iter().zip(&spans).enumerate() {
            let org_kinds = req.org_kinds.iter().map(|k| format!("'{}'", k.as_str())).collect::<Vec<_>>().join(",");
            if org_kinds.is_empty() || req.times == 0 || !literal_safe_kind(&req.activity_kind) {
                continue;
            }
            let (kind, times) = (&req.activity_kind, req.times);
            let (f, tt) = (date_text(*span_from), date_text(*span_to));
            branches.push(format!(
                "SELECT CAST({i} AS BIGINT) AS req, period_start AS ps, CAST(SUM(orgs) AS BIGINT) AS n FROM compliance_rollups \
                 WHERE tenant_id = $1 AND ancestor_id = $2 AND kind = '{kind}' AND period = '{period}' \
                 AND org_kind IN ({org_kinds}) AND held >= {times} AND period_start >= '{f}' AND period_start <= '{tt}' \
                 GROUP BY period_start",
                period = rollups::period_key(req.period),
            ));
            if gone.is_empty() {
                continue;
            }
            let (ps, pe) = rollups::period_bounds_sql(req.period, "a.held_on");
            branches.push(format!(
                "SELECT CAST({i} AS BIGINT) AS req, m.ps, CAST(-COUNT(*) AS BIGINT) AS n FROM (\
                   SELECT a.org_id, {ps} AS ps FROM activities a JOIN orgs o ON o.tenant_id = a.tenant_id AND o.id = a.org_id \
                   WHERE a.tenant_id = $1 AND a.org_id IN ({ids}) AND a.status = 'held' AND a.kind = '{kind}' \
                     AND a.held_on >= '{f}' AND a.held_on <= '{span_end}' AND o.kind IN ({org_kinds}) \
                     AND o.established_on <= {pe} AND (o.dissolved_on IS NULL OR o.dissolved_on >= {ps}) \
                   GROUP BY a.org_id, {ps} HAVING COUNT(*) >= {times}) m GROUP BY m.ps",
                ids = gone.join(","),
                span_end = date_text(req.period.end_from(req.period.start_of(*span_to))),
            ));
        }
        if branches.is_empty() {
            return Ok((met_free, met_free + ended_owed));
        }
        let met_rows = self.db().read(&branches.join(" UNION ALL "), crate::args![t, org_id]).await?;
        let (mut met, mut met_ended) = (met_free, 0i64);
        for r in &met_rows {
            let i: i64 = r.try_get(0)?;
            let Some(req) = reqs.get(i as usize) else { continue };
            let ps: String = r.try_get(1)?;
            let n: i64 = r.try_get(2)?;
            let Ok(start) = NaiveDate::parse_from_str(&ps, "%Y-%m-%d") else { continue };
            // As in `rules::check`: periods overlapping the window that have begun.
            if start > today || start > to || req.period.end_from(start) < from {
                continue;
            }
            met += n;
            if req.period.end_from(start) < today {
                met_ended += n;
            }
        }
        Ok((met, met + ended_owed - met_ended))
    }

    /// Activities of a month for a calendar: day of month → activities.
    pub async fn calendar(&self, org_id: i64, year: i32, month: u32) -> StoreResult<BTreeMap<u32, Vec<Activity>>> {
        let first =
            NaiveDate::from_ymd_opt(year, month, 1).ok_or_else(|| StoreError::field("month", Code::InvalidValue))?;
        let last = Period::Month.end_from(first);
        let list = self
            .activities(
                org_id,
                &ActivityQuery { from: Some(first), to: Some(last), limit: Some(2000), ..Default::default() },
            )
            .await?;
        let mut out: BTreeMap<u32, Vec<Activity>> = BTreeMap::new();
        for a in list.into_iter().rev() {
            if let Ok(d) = NaiveDate::parse_from_str(&a.held_on, "%Y-%m-%d") {
                out.entry(d.day()).or_default().push(a);
            }
        }
        Ok(out)
    }
}

/// Binds a checked record's 20 stored fields, kind through voting_present,
/// in the column order both the INSERT and the UPDATE use.
fn bind_fields<'q>(
    q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    c: &'q Checked,
    input: &'q ActivityInput,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    q.bind(&c.kind)
        .bind(c.status.as_str())
        .bind(&c.topic)
        .bind(date_text(c.held_on))
        .bind(&c.starts_at)
        .bind(&c.ends_at)
        .bind(input.place.trim())
        .bind(input.host.trim())
        .bind(input.recorder.trim())
        .bind(&c.minutes)
        .bind(input.resolutions.trim())
        .bind(input.element_id)
        .bind(input.campaign_id)
        .bind(c.tally.expected)
        .bind(c.tally.present)
        .bind(c.tally.absent)
        .bind(c.tally.on_leave)
        .bind(c.tally.sit_ins)
        .bind(c.tally.voting_expected)
        .bind(c.tally.voting_present)
}

fn audit_view(c: &Checked, input: &ActivityInput) -> serde_json::Value {
    serde_json::json!({
        "org_id": input.org_id,
        "kind": c.kind,
        "status": c.status.as_str(),
        "topic": c.topic,
        "held_on": date_text(c.held_on),
        "starts_at": c.starts_at,
        "ends_at": c.ends_at,
        "place": input.place.trim(),
        "host": input.host.trim(),
        "recorder": input.recorder.trim(),
        "tally": c.tally,
        "attendance": c.lines,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minutes_keep_text_and_drop_scripts() {
        assert_eq!(sanitize_minutes("第一项\r\n\n第二项 A&B"), "<p>第一项</p><p>第二项 A&amp;B</p>");
        let html = sanitize_minutes("<p onclick=\"x()\">议程</p><script>alert(1)</script><ul><li>一</li></ul>");
        assert_eq!(html, "<p>议程</p><ul><li>一</li></ul>");
        assert_eq!(sanitize_minutes("   "), "");
    }
}
