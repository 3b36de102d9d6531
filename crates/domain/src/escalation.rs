//! Tiered supervision (分级督办): how far up the tree an overdue task has
//! escalated by a given day. Level 1 is the responsible org's parent (e.g.
//! branch → general branch), level 2 its grandparent (→ committee), and so
//! on. The escalation job creates one notice per (task, level) that is due
//! and missing, so running it twice, or after a restart, changes nothing.

use chrono::NaiveDate;

/// How many levels should have been notified for a task due on `due`:
/// level `i` (1-based) once the task is `after_days[i-1]` days overdue.
pub fn levels_due(due: NaiveDate, today: NaiveDate, after_days: &[i64]) -> usize {
    let overdue = (today - due).num_days();
    if overdue <= 0 {
        return 0;
    }
    after_days.iter().take_while(|d| overdue >= **d).count()
}

/// The day level `level` (1-based) falls due, for display.
pub fn level_date(due: NaiveDate, level: usize, after_days: &[i64]) -> Option<NaiveDate> {
    after_days.get(level.checked_sub(1)?).map(|d| due + chrono::Duration::days(*d))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn escalates_by_days_overdue() {
        let rule = [3, 10, 20];
        let due = d("2026-06-30");
        assert_eq!(levels_due(due, d("2026-06-30"), &rule), 0);
        assert_eq!(levels_due(due, d("2026-07-02"), &rule), 0);
        assert_eq!(levels_due(due, d("2026-07-03"), &rule), 1);
        assert_eq!(levels_due(due, d("2026-07-10"), &rule), 2);
        assert_eq!(levels_due(due, d("2026-07-20"), &rule), 3);
        assert_eq!(levels_due(due, d("2027-01-01"), &rule), 3);
        assert_eq!(level_date(due, 2, &rule), Some(d("2026-07-10")));
        assert_eq!(level_date(due, 0, &rule), None);
    }
}
