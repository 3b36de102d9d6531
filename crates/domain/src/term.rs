//! Terms of office (换届): when a term falls due, and the alert it raises.

use chrono::NaiveDate;
use serde::Serialize;

use crate::date::add_years;
use crate::error::Locale;
use crate::org::OrgKind;
use crate::settings::Settings;

/// The due date of a term started on `start` for an org of `kind`.
pub fn due_date(settings: &Settings, kind: OrgKind, start: NaiveDate) -> Option<NaiveDate> {
    settings.term_years(kind).map(|y| add_years(start, y))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum TermAlert {
    /// Nothing to do yet.
    Current { days_left: i64 },
    /// Due within the alert window: prepare the re-election.
    DueSoon { days_left: i64 },
    /// Past its due date.
    Overdue { days_over: i64 },
}

impl TermAlert {
    pub fn of(settings: &Settings, due: NaiveDate, today: NaiveDate) -> TermAlert {
        let days = (due - today).num_days();
        if days < 0 {
            TermAlert::Overdue { days_over: -days }
        } else if days <= settings.term_alert_days {
            TermAlert::DueSoon { days_left: days }
        } else {
            TermAlert::Current { days_left: days }
        }
    }

    pub fn is_alert(self) -> bool {
        !matches!(self, TermAlert::Current { .. })
    }

    pub fn describe(self, locale: Locale) -> String {
        match (self, locale) {
            (TermAlert::Current { days_left }, Locale::ZhCn) => format!("任期内，距届满还有{days_left}天"),
            (TermAlert::DueSoon { days_left }, Locale::ZhCn) => format!("即将届满：还有{days_left}天，请及时筹备换届"),
            (TermAlert::Overdue { days_over }, Locale::ZhCn) => format!("已超期{days_over}天未换届"),
            (TermAlert::Current { days_left }, Locale::En) => format!("in term, {days_left} days left"),
            (TermAlert::DueSoon { days_left }, Locale::En) => {
                format!("due in {days_left} days: prepare the re-election")
            }
            (TermAlert::Overdue { days_over }, Locale::En) => format!("overdue by {days_over} days"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn due_dates_follow_settings() {
        let s = Settings::default();
        assert_eq!(due_date(&s, OrgKind::Branch, d("2023-06-30")), Some(d("2026-06-30")));
        assert_eq!(due_date(&s, OrgKind::Committee, d("2023-06-30")), Some(d("2028-06-30")));
        assert_eq!(due_date(&s, OrgKind::Cell, d("2023-06-30")), None);
        let five = Settings { term_years_branch: 5, ..Settings::default() };
        assert_eq!(due_date(&five, OrgKind::Branch, d("2023-06-30")), Some(d("2028-06-30")));
    }

    #[test]
    fn alert_window_edges() {
        let s = Settings::default();
        let due = d("2026-12-31");
        assert_eq!(TermAlert::of(&s, due, d("2026-10-02")), TermAlert::DueSoon { days_left: 90 });
        assert_eq!(TermAlert::of(&s, due, d("2026-10-01")), TermAlert::Current { days_left: 91 });
        assert_eq!(TermAlert::of(&s, due, due), TermAlert::DueSoon { days_left: 0 });
        assert_eq!(TermAlert::of(&s, due, d("2027-01-02")), TermAlert::Overdue { days_over: 2 });
        assert!(!TermAlert::of(&s, due, d("2026-01-01")).is_alert());
    }
}
