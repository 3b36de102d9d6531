//! Rules as settings. Each has the default from DOMAIN_RULES.md and can be
//! overridden per tenant (stored as JSON); nothing here is a hard-coded law.

use serde::{Deserialize, Serialize};

use crate::activity::{default_requirements, Requirement};
use crate::org::OrgKind;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Term length in years for a grassroots committee (基层党委): 5.
    pub term_years_committee: i32,
    /// Term length for a general branch: 3 per the 2018 opinion (the 2022
    /// constitution may have made it 5: unconfirmed, hence a setting).
    pub term_years_general_branch: i32,
    /// Term length for a branch: 3 (same caveat).
    pub term_years_branch: i32,
    /// Alert when a term is due within this many days.
    pub term_alert_days: i64,
    /// Failed logins before an account is locked.
    pub lockout_attempts: i64,
    /// How long a locked account stays locked, in minutes.
    pub lockout_minutes: i64,
    /// A session unused for this many minutes ends.
    pub idle_timeout_minutes: i64,
    /// Largest upload accepted for a roster import, in bytes.
    pub import_max_bytes: u64,
    /// Days overdue after which a task escalates one more level up the tree
    /// (branch → general branch → committee …).
    pub escalation_days: Vec<i64>,
    /// Days a supervision notice (督办单) gives for its response.
    pub notice_response_days: i64,
    /// Largest recording (video, photo, document) accepted, in bytes: 2 GiB.
    pub upload_max_bytes: u64,
    /// How often each kind of org must hold each kind of activity
    /// (支部工作条例: committee and cell meetings and theme days monthly, general
    /// meetings and lectures quarterly, org-life meetings yearly).
    pub activity_requirements: Vec<Requirement>,
    /// Warn this many days before a period ends when a required activity
    /// has not been held yet.
    pub compliance_alert_days: i64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            term_years_committee: 5,
            term_years_general_branch: 3,
            term_years_branch: 3,
            term_alert_days: 90,
            lockout_attempts: 5,
            lockout_minutes: 15,
            idle_timeout_minutes: 30,
            import_max_bytes: 50 * 1024 * 1024,
            escalation_days: vec![3, 10, 20],
            notice_response_days: 5,
            upload_max_bytes: 2 * 1024 * 1024 * 1024,
            activity_requirements: default_requirements(),
            compliance_alert_days: 7,
        }
    }
}

impl Settings {
    /// Term length for an org kind, or `None` for kinds without elections.
    pub fn term_years(&self, kind: OrgKind) -> Option<i32> {
        match kind {
            OrgKind::Committee => Some(self.term_years_committee),
            OrgKind::GeneralBranch => Some(self.term_years_general_branch),
            OrgKind::Branch => Some(self.term_years_branch),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_json_keeps_other_defaults() {
        let s: Settings = serde_json::from_str(r#"{"term_years_branch": 5}"#).unwrap();
        assert_eq!(s.term_years(OrgKind::Branch), Some(5));
        assert_eq!(s.term_years(OrgKind::Committee), Some(5));
        assert_eq!(s.term_years(OrgKind::GeneralBranch), Some(3));
        assert_eq!(s.term_years(OrgKind::Cell), None);
        assert_eq!(s.lockout_attempts, 5);
    }
}
