//! Organizational life and learning (组织生活与学习): the kinds of activity, how
//! attendance is tallied, when a meeting has its quorum, and whether an org
//! held what the rules require in each period (compliance).
//!
//! Kinds are data: the built-in ones below carry the GLOSSARY names, and a
//! tenant can add its own (stored in `activity_kinds`). Quorum and frequency
//! rules come from 《中国共产党支部工作条例（试行）》 via DOMAIN_RULES.md and are
//! settings ([`crate::settings::Settings::activity_requirements`]).

use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::error::{Code, Locale};
use crate::org::OrgKind;

/// Built-in kinds: (key, 中文, English).
pub const BUILTIN_KINDS: &[(&str, &str, &str)] = &[
    ("general_meeting", "支部党员大会", "General meeting"),
    ("committee_meeting", "支部委员会", "Committee meeting"),
    ("cell_meeting", "党小组会", "Cell meeting"),
    ("lecture", "党课", "Party lecture"),
    ("theme_day", "主题党日", "Theme party day"),
    ("first_topic", "第一议题", "First topic"),
    ("study_group_session", "中心组学习", "Study group session"),
    ("democratic_life_meeting", "民主生活会", "Democratic life meeting"),
    ("org_life_meeting", "组织生活会", "Org-life meeting"),
    ("seminar", "专题研讨", "Seminar"),
    ("group_study", "集中学习", "Group study"),
    ("integrity_education", "廉洁教育", "Integrity education"),
    ("team_activity", "班组活动", "Team activity"),
];

/// The label of a built-in kind, or `None` for a tenant's own kind (whose
/// names are stored with it).
pub fn builtin_label(key: &str, locale: Locale) -> Option<&'static str> {
    BUILTIN_KINDS.iter().find(|(k, _, _)| *k == key).map(|(_, zh, en)| match locale {
        Locale::ZhCn => *zh,
        Locale::En => *en,
    })
}

/// A tenant's own kind key: lowercase ASCII letters, digits and underscores,
/// 2–40 characters, not clashing with a built-in key.
pub fn validate_custom_key(key: &str) -> Result<(), Code> {
    let ok_chars = key.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !(2..=40).contains(&key.len()) || !ok_chars || !key.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Err(Code::KindKeyFormat);
    }
    if builtin_label(key, Locale::ZhCn).is_some() {
        return Err(Code::KindDuplicate);
    }
    Ok(())
}

/// Planned ahead, then recorded as held (or called off).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Hash)]
#[serde(rename_all = "snake_case")]
pub enum ActivityStatus {
    Planned,
    Held,
    Cancelled,
}

impl ActivityStatus {
    pub const ALL: [ActivityStatus; 3] = [ActivityStatus::Planned, ActivityStatus::Held, ActivityStatus::Cancelled];

    pub fn as_str(self) -> &'static str {
        match self {
            ActivityStatus::Planned => "planned",
            ActivityStatus::Held => "held",
            ActivityStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Result<Self, Code> {
        Self::ALL.into_iter().find(|x| x.as_str() == s.trim()).ok_or(Code::InvalidValue)
    }

    pub fn label(self, locale: Locale) -> &'static str {
        match (self, locale) {
            (ActivityStatus::Planned, Locale::ZhCn) => "计划",
            (ActivityStatus::Held, Locale::ZhCn) => "已召开",
            (ActivityStatus::Cancelled, Locale::ZhCn) => "已取消",
            (ActivityStatus::Planned, Locale::En) => "Planned",
            (ActivityStatus::Held, Locale::En) => "Held",
            (ActivityStatus::Cancelled, Locale::En) => "Cancelled",
        }
    }
}

/// How one person stood at an activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Attendance {
    Present,
    /// Absent; a reason is required.
    Absent,
    /// On approved leave (请假); a reason is required.
    Leave,
    /// 列席旁听: from outside the expected list; not counted in quorum.
    SitIn,
}

impl Attendance {
    pub const ALL: [Attendance; 4] = [Attendance::Present, Attendance::Absent, Attendance::Leave, Attendance::SitIn];

    pub fn as_str(self) -> &'static str {
        match self {
            Attendance::Present => "present",
            Attendance::Absent => "absent",
            Attendance::Leave => "leave",
            Attendance::SitIn => "sit_in",
        }
    }

    pub fn parse(s: &str) -> Result<Self, Code> {
        Self::ALL.into_iter().find(|x| x.as_str() == s.trim()).ok_or(Code::UnknownAttendance)
    }

    pub fn label(self, locale: Locale) -> &'static str {
        match (self, locale) {
            (Attendance::Present, Locale::ZhCn) => "出席",
            (Attendance::Absent, Locale::ZhCn) => "缺席",
            (Attendance::Leave, Locale::ZhCn) => "请假",
            (Attendance::SitIn, Locale::ZhCn) => "列席",
            (Attendance::Present, Locale::En) => "Present",
            (Attendance::Absent, Locale::En) => "Absent",
            (Attendance::Leave, Locale::En) => "On leave",
            (Attendance::SitIn, Locale::En) => "Sitting in",
        }
    }

    /// Absence and leave need a reason on the record.
    pub fn needs_reason(self) -> bool {
        matches!(self, Attendance::Absent | Attendance::Leave)
    }
}

/// One line of an attendance list, as far as the rules care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mark {
    pub status: Attendance,
    /// Has voting rights (a full member); probationary members do not vote.
    pub voting: bool,
}

/// Counts kept on the activity row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    /// Everyone on the expected list (sit-ins excluded).
    pub expected: i64,
    pub present: i64,
    pub absent: i64,
    pub on_leave: i64,
    pub sit_ins: i64,
    /// Expected people with voting rights, and how many of them came.
    pub voting_expected: i64,
    pub voting_present: i64,
}

pub fn tally(marks: &[Mark]) -> Tally {
    let mut t = Tally::default();
    for m in marks {
        if m.status == Attendance::SitIn {
            t.sit_ins += 1;
            continue;
        }
        t.expected += 1;
        if m.voting {
            t.voting_expected += 1;
        }
        match m.status {
            Attendance::Present => {
                t.present += 1;
                if m.voting {
                    t.voting_present += 1;
                }
            }
            Attendance::Absent => t.absent += 1,
            Attendance::Leave => t.on_leave += 1,
            Attendance::SitIn => unreachable!(),
        }
    }
    t
}

/// Which headcount a kind's quorum is judged on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum QuorumBase {
    /// General meeting: more than half of members with voting rights.
    VotingMembers,
    /// Committee meeting: more than half of the committee.
    Expected,
}

/// The quorum rule of a kind, if it has one.
pub fn quorum_base(kind: &str) -> Option<QuorumBase> {
    match kind {
        "general_meeting" => Some(QuorumBase::VotingMembers),
        "committee_meeting" => Some(QuorumBase::Expected),
        _ => None,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Quorum {
    pub base: QuorumBase,
    /// How many had to be present: the smallest number above half.
    pub required: i64,
    pub present: i64,
    pub met: bool,
}

/// "More than half": of 7, 4; of 8, 5; of 0, nobody can make a quorum.
pub fn more_than_half(of: i64) -> i64 {
    of / 2 + 1
}

/// The quorum check for a kind and tally, or `None` when the kind has none.
pub fn quorum(kind: &str, t: &Tally) -> Option<Quorum> {
    let base = quorum_base(kind)?;
    let (of, present) = match base {
        QuorumBase::VotingMembers => (t.voting_expected, t.voting_present),
        QuorumBase::Expected => (t.expected, t.present),
    };
    let required = more_than_half(of);
    Some(Quorum { base, required, present, met: of > 0 && present >= required })
}

/// A vote at a general meeting passes when the yes-votes exceed half of those
/// *due to attend* with voting rights, not half of those present.
pub fn vote_passes(yes: i64, voting_expected: i64) -> bool {
    voting_expected > 0 && yes >= more_than_half(voting_expected)
}

/// An election needs voters present above 4/5 of those due to attend.
pub fn election_quorum_met(voting_present: i64, voting_expected: i64) -> bool {
    voting_expected > 0 && voting_present * 5 > voting_expected * 4
}

/// Attendance rate in percent with two decimals, `None` when nobody was expected.
pub fn attendance_rate(present: i64, expected: i64) -> Option<f64> {
    (expected > 0).then(|| (present as f64 * 10000.0 / expected as f64).round() / 100.0)
}

/// The length of a compliance period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    Month,
    Quarter,
    Year,
}

impl Period {
    fn months(self) -> u32 {
        match self {
            Period::Month => 1,
            Period::Quarter => 3,
            Period::Year => 12,
        }
    }

    /// The first day of the period containing `d`.
    pub fn start_of(self, d: NaiveDate) -> NaiveDate {
        let m0 = (d.month0() / self.months()) * self.months();
        NaiveDate::from_ymd_opt(d.year(), m0 + 1, 1).expect("first of a month exists")
    }

    /// The last day of the period starting at `start`.
    pub fn end_from(self, start: NaiveDate) -> NaiveDate {
        start.checked_add_months(Months::new(self.months())).expect("date in range").pred_opt().expect("date in range")
    }

    pub fn label(self, locale: Locale) -> &'static str {
        match (self, locale) {
            (Period::Month, Locale::ZhCn) => "每月",
            (Period::Quarter, Locale::ZhCn) => "每季度",
            (Period::Year, Locale::ZhCn) => "每年",
            (Period::Month, Locale::En) => "monthly",
            (Period::Quarter, Locale::En) => "quarterly",
            (Period::Year, Locale::En) => "yearly",
        }
    }
}

/// "Orgs of these kinds hold `times` activities of `activity_kind` per period."
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requirement {
    pub org_kinds: Vec<OrgKind>,
    pub activity_kind: String,
    pub period: Period,
    #[serde(default = "one")]
    pub times: u32,
}

fn one() -> u32 {
    1
}

/// DOMAIN_RULES defaults (支部工作条例, 2018). Lectures quarterly is local
/// practice (the national text says 按期): a setting like the rest.
pub fn default_requirements() -> Vec<Requirement> {
    let branch = || vec![OrgKind::Branch];
    let r = |org_kinds, kind: &str, period| Requirement { org_kinds, activity_kind: kind.into(), period, times: 1 };
    vec![
        r(branch(), "committee_meeting", Period::Month),
        r(branch(), "general_meeting", Period::Quarter),
        r(branch(), "lecture", Period::Quarter),
        r(branch(), "theme_day", Period::Month),
        r(branch(), "org_life_meeting", Period::Year),
        r(vec![OrgKind::Cell], "cell_meeting", Period::Month),
    ]
}

/// Where one required period stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodState {
    /// Held as often as required.
    Met,
    /// The period ended short.
    Missed,
    /// Still running, not yet met, and ending within the alert window.
    DueSoon,
    /// Still running, not yet met, time left.
    Open,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PeriodCheck {
    pub activity_kind: String,
    pub period: Period,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub required: u32,
    pub held: u32,
    pub state: PeriodState,
}

impl PeriodCheck {
    /// Whether the period counts towards the compliance rate yet: ended, or
    /// already met. A running period that is not met yet is neither.
    pub fn counts(&self) -> bool {
        matches!(self.state, PeriodState::Met | PeriodState::Missed)
    }
}

/// Check one org's held activities (kind, date) against the requirements for
/// its kind over the periods that overlap `from..=to`, as of `today`.
pub fn check(
    requirements: &[Requirement],
    org_kind: OrgKind,
    held: &[(&str, NaiveDate)],
    from: NaiveDate,
    to: NaiveDate,
    today: NaiveDate,
    alert_days: i64,
) -> Vec<PeriodCheck> {
    let mut out = Vec::new();
    for req in requirements.iter().filter(|r| r.org_kinds.contains(&org_kind)) {
        let mut start = req.period.start_of(from);
        while start <= to {
            let end = req.period.end_from(start);
            let n = held.iter().filter(|(k, d)| *k == req.activity_kind && *d >= start && *d <= end).count() as u32;
            let state = if n >= req.times {
                PeriodState::Met
            } else if end < today {
                PeriodState::Missed
            } else if (end - today).num_days() <= alert_days {
                PeriodState::DueSoon
            } else {
                PeriodState::Open
            };
            // Periods that have not begun yet say nothing.
            if start <= today {
                out.push(PeriodCheck {
                    activity_kind: req.activity_kind.clone(),
                    period: req.period,
                    start,
                    end,
                    required: req.times,
                    held: n,
                    state,
                });
            }
            start = end.succ_opt().expect("date in range");
        }
    }
    out
}

/// Met periods over counted periods, in percent with two decimals.
pub fn compliance_rate(met: i64, counted: i64) -> Option<f64> {
    attendance_rate(met, counted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn marks(list: &[(Attendance, bool)]) -> Vec<Mark> {
        list.iter().map(|&(status, voting)| Mark { status, voting }).collect()
    }

    #[test]
    fn tally_counts_sit_ins_apart() {
        use Attendance::*;
        let t = tally(&marks(&[(Present, true), (Present, false), (Absent, true), (Leave, true), (SitIn, false)]));
        assert_eq!(
            t,
            Tally {
                expected: 4,
                present: 2,
                absent: 1,
                on_leave: 1,
                sit_ins: 1,
                voting_expected: 3,
                voting_present: 1
            }
        );
    }

    #[test]
    fn general_meeting_quorum_is_over_half_of_voting_members() {
        use Attendance::*;
        // 4 voting members, 1 probationary: 2 voting present is not more than half.
        let two = tally(&marks(&[(Present, true), (Present, true), (Absent, true), (Leave, true), (Present, false)]));
        let q = quorum("general_meeting", &two).unwrap();
        assert_eq!((q.required, q.present, q.met), (3, 2, false));
        let three = tally(&marks(&[(Present, true), (Present, true), (Present, true), (Leave, true)]));
        assert!(quorum("general_meeting", &three).unwrap().met);
    }

    #[test]
    fn committee_quorum_and_kinds_without_one() {
        use Attendance::*;
        let t = tally(&marks(&[(Present, true), (Present, true), (Absent, true), (Absent, false), (Present, false)]));
        let q = quorum("committee_meeting", &t).unwrap();
        assert_eq!((q.required, q.present, q.met), (3, 3, true));
        assert!(quorum("lecture", &t).is_none());
        assert!(!quorum("committee_meeting", &Tally::default()).unwrap().met);
    }

    #[test]
    fn votes_count_against_those_due_to_attend() {
        // 9 due with voting rights, 6 present, 4 yes: 4 > 3 of those present
        // but not more than half of the 9 due.
        assert!(!vote_passes(4, 9));
        assert!(vote_passes(5, 9));
        assert!(!vote_passes(0, 0));
        assert!(election_quorum_met(9, 10));
        assert!(!election_quorum_met(8, 10));
    }

    #[test]
    fn periods() {
        assert_eq!(Period::Quarter.start_of(d("2026-05-20")), d("2026-04-01"));
        assert_eq!(Period::Quarter.end_from(d("2026-04-01")), d("2026-06-30"));
        assert_eq!(Period::Month.end_from(d("2024-02-01")), d("2024-02-29"));
        assert_eq!(Period::Year.start_of(d("2026-11-21")), d("2026-01-01"));
    }

    #[test]
    fn compliance_over_a_year() {
        let reqs = default_requirements();
        // A branch held committee meetings Jan–Oct except March, general meetings in Q1–Q3.
        let mut held: Vec<(&str, NaiveDate)> = (1..=10)
            .filter(|m| *m != 3)
            .map(|m| ("committee_meeting", NaiveDate::from_ymd_opt(2026, m, 10).unwrap()))
            .collect();
        held.extend([("general_meeting", d("2026-02-01")), ("general_meeting", d("2026-05-01"))]);
        held.push(("general_meeting", d("2026-09-30")));
        let checks = check(&reqs, OrgKind::Branch, &held, d("2026-01-01"), d("2026-12-31"), d("2026-11-21"), 14);
        let cm: Vec<_> = checks.iter().filter(|c| c.activity_kind == "committee_meeting").collect();
        // January to November: December has not begun.
        assert_eq!(cm.len(), 11);
        assert_eq!(cm.iter().filter(|c| c.state == PeriodState::Met).count(), 9);
        assert_eq!(cm[2].state, PeriodState::Missed);
        assert_eq!(cm[10].state, PeriodState::DueSoon);
        let gm: Vec<_> = checks.iter().filter(|c| c.activity_kind == "general_meeting").collect();
        assert_eq!(
            gm.iter().map(|c| c.state).collect::<Vec<_>>(),
            vec![PeriodState::Met; 3].into_iter().chain([PeriodState::Open]).collect::<Vec<_>>()
        );
        // Org-life meeting for 2026 is due within 40 days.
        let ol = check(&reqs, OrgKind::Branch, &held, d("2026-01-01"), d("2026-12-31"), d("2026-12-20"), 14);
        assert_eq!(ol.iter().find(|c| c.activity_kind == "org_life_meeting").unwrap().state, PeriodState::DueSoon);
        // Cells have their own rule; committees have none by default.
        assert!(
            check(&reqs, OrgKind::Committee, &held, d("2026-01-01"), d("2026-12-31"), d("2026-11-21"), 14).is_empty()
        );
    }

    #[test]
    fn custom_keys() {
        assert!(validate_custom_key("safety_talk").is_ok());
        assert_eq!(validate_custom_key("lecture"), Err(Code::KindDuplicate));
        assert_eq!(validate_custom_key("Bad Key"), Err(Code::KindKeyFormat));
        assert_eq!(validate_custom_key("1x"), Err(Code::KindKeyFormat));
    }

    proptest! {
        #[test]
        fn quorum_is_exactly_more_than_half(n in 0i64..200, p in 0i64..200) {
            let p = p.min(n);
            let t = Tally { expected: n, present: p, ..Tally::default() };
            let q = quorum("committee_meeting", &t).unwrap();
            prop_assert_eq!(q.met, 2 * p > n);
        }

        #[test]
        fn periods_tile_the_calendar(days in 0i64..3000, which in 0usize..3) {
            let period = [Period::Month, Period::Quarter, Period::Year][which];
            let day = d("2024-01-01") + chrono::Duration::days(days);
            let start = period.start_of(day);
            let end = period.end_from(start);
            prop_assert!(start <= day && day <= end);
            prop_assert_eq!(period.start_of(end.succ_opt().unwrap()), end.succ_opt().unwrap());
        }
    }
}
