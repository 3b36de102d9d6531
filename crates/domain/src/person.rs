//! People: employees and members, the stages of membership, talent pools.
//!
//! A person is registered in a branch (or a cell of it). Membership moves
//! forward through stages, each with its date: applicant → activist →
//! candidate → probationary → full. An employee who is none of these has
//! status `none`.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::{Code, Locale};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemberStatus {
    /// An employee who is not (yet) in the membership pipeline.
    None,
    Applicant,
    Activist,
    Candidate,
    Probationary,
    Full,
}

impl MemberStatus {
    pub const ALL: [MemberStatus; 6] = [
        MemberStatus::None,
        MemberStatus::Applicant,
        MemberStatus::Activist,
        MemberStatus::Candidate,
        MemberStatus::Probationary,
        MemberStatus::Full,
    ];

    /// The stages that carry a date, in order.
    pub const STAGES: [MemberStatus; 5] = [
        MemberStatus::Applicant,
        MemberStatus::Activist,
        MemberStatus::Candidate,
        MemberStatus::Probationary,
        MemberStatus::Full,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MemberStatus::None => "none",
            MemberStatus::Applicant => "applicant",
            MemberStatus::Activist => "activist",
            MemberStatus::Candidate => "candidate",
            MemberStatus::Probationary => "probationary",
            MemberStatus::Full => "full",
        }
    }

    pub fn label(self, locale: Locale) -> &'static str {
        match (self, locale) {
            (MemberStatus::None, Locale::ZhCn) => "群众",
            (MemberStatus::Applicant, Locale::ZhCn) => "入党申请人",
            (MemberStatus::Activist, Locale::ZhCn) => "入党积极分子",
            (MemberStatus::Candidate, Locale::ZhCn) => "发展对象",
            (MemberStatus::Probationary, Locale::ZhCn) => "预备党员",
            (MemberStatus::Full, Locale::ZhCn) => "正式党员",
            (MemberStatus::None, Locale::En) => "Non-member",
            (MemberStatus::Applicant, Locale::En) => "Applicant",
            (MemberStatus::Activist, Locale::En) => "Activist",
            (MemberStatus::Candidate, Locale::En) => "Candidate",
            (MemberStatus::Probationary, Locale::En) => "Probationary member",
            (MemberStatus::Full, Locale::En) => "Full member",
        }
    }

    /// Accepts the code name, either locale's label, and common spreadsheet
    /// spellings (中共党员, 党员, 中共预备党员).
    pub fn parse(s: &str) -> Result<MemberStatus, Code> {
        let t = s.trim();
        if t.is_empty() {
            return Err(Code::Required);
        }
        let alias = match t {
            "中共党员" | "党员" => Some(MemberStatus::Full),
            "中共预备党员" | "预备" => Some(MemberStatus::Probationary),
            "积极分子" => Some(MemberStatus::Activist),
            "申请人" => Some(MemberStatus::Applicant),
            "职工" | "非党员" => Some(MemberStatus::None),
            _ => None,
        };
        alias
            .or_else(|| {
                MemberStatus::ALL.into_iter().find(|m| {
                    m.as_str() == t || m.label(Locale::ZhCn) == t || m.label(Locale::En).eq_ignore_ascii_case(t)
                })
            })
            .ok_or(Code::UnknownStatus)
    }

    pub fn is_member(self) -> bool {
        matches!(self, MemberStatus::Probationary | MemberStatus::Full)
    }
}

/// The dates a person reached each stage (any may be unknown).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageDates {
    pub applied_on: Option<NaiveDate>,
    pub activist_on: Option<NaiveDate>,
    pub candidate_on: Option<NaiveDate>,
    pub probationary_on: Option<NaiveDate>,
    pub full_on: Option<NaiveDate>,
}

impl StageDates {
    pub fn get(&self, stage: MemberStatus) -> Option<NaiveDate> {
        match stage {
            MemberStatus::None => None,
            MemberStatus::Applicant => self.applied_on,
            MemberStatus::Activist => self.activist_on,
            MemberStatus::Candidate => self.candidate_on,
            MemberStatus::Probationary => self.probationary_on,
            MemberStatus::Full => self.full_on,
        }
    }

    pub fn field(stage: MemberStatus) -> &'static str {
        match stage {
            MemberStatus::None => "status",
            MemberStatus::Applicant => "applied_on",
            MemberStatus::Activist => "activist_on",
            MemberStatus::Candidate => "candidate_on",
            MemberStatus::Probationary => "probationary_on",
            MemberStatus::Full => "full_on",
        }
    }
}

/// Checks that dates go forward through the stages and that a member's own
/// admission date is known. Returns the field at fault.
pub fn validate_stages(status: MemberStatus, dates: &StageDates) -> Result<(), (&'static str, Code)> {
    if status.is_member() && dates.get(status).is_none() {
        return Err((StageDates::field(status), Code::StatusDateMissing));
    }
    // A later stage's date must not exceed the current status.
    for stage in MemberStatus::STAGES {
        if stage > status && dates.get(stage).is_some() {
            return Err((StageDates::field(stage), Code::InvalidValue));
        }
    }
    let mut last: Option<NaiveDate> = None;
    for stage in MemberStatus::STAGES {
        if let Some(d) = dates.get(stage) {
            if last.is_some_and(|l| d < l) {
                return Err((StageDates::field(stage), Code::DateOrder));
            }
            last = Some(d);
        }
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    Male,
    Female,
}

impl Gender {
    pub fn as_str(self) -> &'static str {
        match self {
            Gender::Male => "male",
            Gender::Female => "female",
        }
    }

    pub fn label(self, locale: Locale) -> &'static str {
        match (self, locale) {
            (Gender::Male, Locale::ZhCn) => "男",
            (Gender::Female, Locale::ZhCn) => "女",
            (Gender::Male, Locale::En) => "Male",
            (Gender::Female, Locale::En) => "Female",
        }
    }

    pub fn parse(s: &str) -> Result<Gender, Code> {
        match s.trim() {
            "男" | "male" | "Male" | "M" => Ok(Gender::Male),
            "女" | "female" | "Female" | "F" => Ok(Gender::Female),
            _ => Err(Code::UnknownGender),
        }
    }
}

/// The four talent pools (四支队伍).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TalentPool {
    Management,
    Technical,
    Skilled,
    Overseas,
}

impl TalentPool {
    pub const ALL: [TalentPool; 4] =
        [TalentPool::Management, TalentPool::Technical, TalentPool::Skilled, TalentPool::Overseas];

    pub fn as_str(self) -> &'static str {
        match self {
            TalentPool::Management => "management",
            TalentPool::Technical => "technical",
            TalentPool::Skilled => "skilled",
            TalentPool::Overseas => "overseas",
        }
    }

    pub fn label(self, locale: Locale) -> &'static str {
        match (self, locale) {
            (TalentPool::Management, Locale::ZhCn) => "管理",
            (TalentPool::Technical, Locale::ZhCn) => "技术",
            (TalentPool::Skilled, Locale::ZhCn) => "技能",
            (TalentPool::Overseas, Locale::ZhCn) => "海外",
            (TalentPool::Management, Locale::En) => "Management",
            (TalentPool::Technical, Locale::En) => "Technical",
            (TalentPool::Skilled, Locale::En) => "Skilled",
            (TalentPool::Overseas, Locale::En) => "Overseas",
        }
    }

    /// Empty input is no pool; otherwise a code name or label (管理, 管理人才 …).
    pub fn parse_opt(s: &str) -> Result<Option<TalentPool>, Code> {
        let t = s.trim().trim_end_matches("人才").trim_end_matches("队伍");
        if t.is_empty() {
            return Ok(None);
        }
        TalentPool::ALL
            .into_iter()
            .find(|p| p.as_str() == t || p.label(Locale::ZhCn) == t || p.label(Locale::En).eq_ignore_ascii_case(t))
            .map(Some)
            .ok_or(Code::UnknownTalentPool)
    }
}

/// `是`/`否` style booleans from spreadsheets and forms.
pub fn parse_yes_no(s: &str) -> Result<bool, Code> {
    match s.trim() {
        "" | "否" | "no" | "No" | "false" | "0" | "N" => Ok(false),
        "是" | "yes" | "Yes" | "true" | "1" | "Y" => Ok(true),
        _ => Err(Code::InvalidValue),
    }
}

/// A person's name: required, at most 50 characters.
pub fn validate_name(s: &str) -> Result<String, Code> {
    let t = s.trim();
    if t.is_empty() {
        Err(Code::Required)
    } else if t.chars().count() > 50 {
        Err(Code::TooLong)
    } else {
        Ok(t.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Option<NaiveDate> {
        Some(NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap())
    }

    #[test]
    fn parses_spreadsheet_spellings() {
        assert_eq!(MemberStatus::parse("中共党员"), Ok(MemberStatus::Full));
        assert_eq!(MemberStatus::parse("预备党员"), Ok(MemberStatus::Probationary));
        assert_eq!(MemberStatus::parse("full"), Ok(MemberStatus::Full));
        assert_eq!(MemberStatus::parse("群众"), Ok(MemberStatus::None));
        assert_eq!(MemberStatus::parse("团员"), Err(Code::UnknownStatus));
        for s in MemberStatus::ALL {
            assert_eq!(MemberStatus::parse(s.label(Locale::ZhCn)), Ok(s));
            assert_eq!(MemberStatus::parse(s.label(Locale::En)), Ok(s));
        }
        assert_eq!(TalentPool::parse_opt("技能人才"), Ok(Some(TalentPool::Skilled)));
        assert_eq!(TalentPool::parse_opt(""), Ok(None));
        assert_eq!(TalentPool::parse_opt("后勤"), Err(Code::UnknownTalentPool));
    }

    #[test]
    fn stage_dates_go_forward() {
        let ok = StageDates {
            applied_on: d("2019-03-01"),
            probationary_on: d("2021-07-01"),
            full_on: d("2022-07-01"),
            ..Default::default()
        };
        assert_eq!(validate_stages(MemberStatus::Full, &ok), Ok(()));

        let backwards = StageDates { probationary_on: d("2022-07-01"), full_on: d("2021-07-01"), ..Default::default() };
        assert_eq!(validate_stages(MemberStatus::Full, &backwards), Err(("full_on", Code::DateOrder)));

        let missing = StageDates::default();
        assert_eq!(
            validate_stages(MemberStatus::Probationary, &missing),
            Err(("probationary_on", Code::StatusDateMissing))
        );
        assert_eq!(validate_stages(MemberStatus::Applicant, &missing), Ok(()));

        let ahead = StageDates { full_on: d("2022-07-01"), ..Default::default() };
        assert_eq!(validate_stages(MemberStatus::Activist, &ahead), Err(("full_on", Code::InvalidValue)));
    }
}
