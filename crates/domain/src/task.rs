//! Lists and tasks (清单化): the kinds of list, task status, the task tree's
//! levels, and the roll-up of progress from children to parents.

use serde::{Deserialize, Serialize};

use crate::error::{Code, Locale};

macro_rules! labelled_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $code:literal, $zh:literal, $en:literal;)* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];
            pub fn as_str(self) -> &'static str { match self { $($name::$variant => $code),* } }
            pub fn label(self, locale: Locale) -> &'static str {
                match (self, locale) { $(($name::$variant, Locale::ZhCn) => $zh, ($name::$variant, Locale::En) => $en,)* }
            }
            pub fn parse(s: &str) -> Result<$name, Code> {
                let t = s.trim();
                Self::ALL.iter().copied().find(|v| v.as_str() == t || v.label(Locale::ZhCn) == t).ok_or(Code::InvalidValue)
            }
        }
    };
}

labelled_enum! {
    /// The typed lists (清单) tasks live in.
    ListKind {
        Task = "task", "任务清单", "Task list";
        Problem = "problem", "问题清单", "Problem list";
        Responsibility = "responsibility", "责任清单", "Responsibility list";
        MajorDecision = "major_decision", "三重一大事项清单", "Major-decision register";
        PreReview = "pre_review", "党委前置研究清单", "Pre-review list";
        SupervisionPlan = "supervision_plan", "监督检查计划", "Supervision plan";
        Rectification = "rectification", "整改台账", "Rectification ledger";
    }
}

labelled_enum! {
    /// Where a task is in its life.
    TaskStatus {
        Open = "open", "未开始", "Not started";
        InProgress = "in_progress", "推进中", "In progress";
        UnderReview = "under_review", "销号审核中", "Under close-out review";
        Closed = "closed", "已销号", "Closed";
        Cancelled = "cancelled", "已撤销", "Cancelled";
    }
}

labelled_enum! {
    /// The levels of the task tree (重大事项 → 年度指标 → 具体实施 → 子项任务).
    TaskLevel {
        MajorItem = "major_item", "重大事项", "Major item";
        AnnualTarget = "annual_target", "年度指标", "Annual target";
        Implementation = "implementation", "具体实施", "Implementation";
        SubTask = "sub_task", "子项任务", "Sub-task";
    }
}

labelled_enum! {
    /// 三重一大: the four kinds of major matter that need collective decision.
    DecisionKind {
        Decision = "decision", "重大决策", "Major decision";
        Appointment = "appointment", "重要人事任免", "Important appointment";
        Project = "project", "重大项目安排", "Major project";
        LargeFunds = "large_funds", "大额度资金运作", "Large fund use";
    }
}

impl TaskStatus {
    /// Counted as still to do (for overdue and escalation).
    pub fn is_open(self) -> bool {
        matches!(self, TaskStatus::Open | TaskStatus::InProgress | TaskStatus::UnderReview)
    }
}

/// A parent's progress (0–100) is the weighted mean of its children's.
/// Children with zero total weight count equally; no children → `None`.
pub fn roll_up(children: &[(f64, f64)]) -> Option<f64> {
    if children.is_empty() {
        return None;
    }
    let total: f64 = children.iter().map(|(w, _)| w.max(0.0)).sum();
    let value = if total > 0.0 {
        children.iter().map(|(w, p)| w.max(0.0) * p.clamp(0.0, 100.0)).sum::<f64>() / total
    } else {
        children.iter().map(|(_, p)| p.clamp(0.0, 100.0)).sum::<f64>() / children.len() as f64
    };
    Some((value * 100.0).round() / 100.0)
}

/// 任务分解完成率: closed leaf tasks over leaf tasks due, as a percentage
/// rounded to two places; `None` when nothing is due.
pub fn completion_rate(closed_due: i64, due: i64) -> Option<f64> {
    (due > 0).then(|| ((closed_due as f64 / due as f64) * 10000.0).round() / 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn weighted_means() {
        assert_eq!(roll_up(&[]), None);
        assert_eq!(roll_up(&[(1.0, 100.0), (3.0, 0.0)]), Some(25.0));
        assert_eq!(roll_up(&[(0.0, 100.0), (0.0, 50.0)]), Some(75.0));
        assert_eq!(roll_up(&[(2.0, 30.0), (1.0, 60.0)]), Some(40.0));
        assert_eq!(completion_rate(161, 161), Some(100.0));
        assert_eq!(completion_rate(1, 3), Some(33.33));
        assert_eq!(completion_rate(0, 0), None);
    }

    proptest! {
        #[test]
        fn roll_up_stays_between_min_and_max(children in proptest::collection::vec((0.0f64..10.0, 0.0f64..100.0), 1..20)) {
            let v = roll_up(&children).unwrap();
            let lo = children.iter().map(|c| c.1).fold(f64::MAX, f64::min);
            let hi = children.iter().map(|c| c.1).fold(f64::MIN, f64::max);
            prop_assert!(v >= lo - 0.01 && v <= hi + 0.01, "{v} not in [{lo}, {hi}]");
        }
    }

    #[test]
    fn labels_round_trip() {
        for k in ListKind::ALL {
            assert_eq!(ListKind::parse(k.label(Locale::ZhCn)), Ok(*k));
            assert_eq!(ListKind::parse(k.as_str()), Ok(*k));
        }
    }
}
