//! Work systems (党建工作体系) as data: a framework is a tree of elements
//! (要素/维度) with weights, plus mechanisms (机制) and indicators (指标)
//! linked to elements. Indicators are either computed from records by a
//! named metric or reported by people. [`templates`] ships the seeds'
//! systems with exactly what the seeds say.

pub mod templates;

use serde::{Deserialize, Serialize};

use crate::error::{Code, Locale};

/// Metrics the platform can compute for an indicator over an org subtree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// 任务分解完成率: closed leaf tasks / leaf tasks due, %.
    TaskCompletionRate,
    /// Closed on time / closed, %.
    TaskOnTimeRate,
    /// Open tasks past their due date.
    OverdueTasks,
}

impl Metric {
    pub const ALL: [Metric; 3] = [Metric::TaskCompletionRate, Metric::TaskOnTimeRate, Metric::OverdueTasks];

    pub fn as_str(self) -> &'static str {
        match self {
            Metric::TaskCompletionRate => "task_completion_rate",
            Metric::TaskOnTimeRate => "task_on_time_rate",
            Metric::OverdueTasks => "overdue_tasks",
        }
    }

    pub fn parse(s: &str) -> Result<Metric, Code> {
        Metric::ALL.into_iter().find(|m| m.as_str() == s.trim()).ok_or(Code::InvalidValue)
    }

    pub fn label(self, locale: Locale) -> &'static str {
        match (self, locale) {
            (Metric::TaskCompletionRate, Locale::ZhCn) => "任务分解完成率",
            (Metric::TaskOnTimeRate, Locale::ZhCn) => "按期销号率",
            (Metric::OverdueTasks, Locale::ZhCn) => "超期未完成任务数",
            (Metric::TaskCompletionRate, Locale::En) => "Task completion rate",
            (Metric::TaskOnTimeRate, Locale::En) => "On-time close-out rate",
            (Metric::OverdueTasks, Locale::En) => "Overdue tasks",
        }
    }

    pub fn unit(self) -> &'static str {
        match self {
            Metric::TaskCompletionRate | Metric::TaskOnTimeRate => "%",
            Metric::OverdueTasks => "项",
        }
    }
}

/// An indicator's source: computed by a metric, or reported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum IndicatorSource {
    Computed { metric: Metric },
    Reported,
}

/// One element of a template, with its children.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ElementTemplate {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Relative weight among siblings.
    pub weight: f64,
    /// A part the seeds name only by number or not at all: the enterprise fills it in.
    #[serde(default)]
    pub to_fill: bool,
    #[serde(default)]
    pub children: Vec<ElementTemplate>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MechanismTemplate {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Name of the element it belongs to (`None`: the whole framework).
    pub element: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndicatorTemplate {
    pub name: String,
    pub element: Option<String>,
    #[serde(flatten)]
    pub source: IndicatorSource,
    pub unit: String,
    pub target: Option<f64>,
    pub weight: f64,
}

/// A shipped framework: what a seed says of an enterprise's work system.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrameworkTemplate {
    /// Stable key: `sqiang_liangchuang`, `113344`, `1234n`.
    pub key: String,
    pub name: String,
    pub description: String,
    /// Where the content comes from (seed and the enterprise it describes).
    pub source: String,
    pub elements: Vec<ElementTemplate>,
    pub mechanisms: Vec<MechanismTemplate>,
    pub indicators: Vec<IndicatorTemplate>,
}

/// Validates a framework name and year.
pub fn validate_header(name: &str, year: i32) -> Result<(), (&'static str, Code)> {
    if name.trim().is_empty() {
        return Err(("name", Code::Required));
    }
    if name.chars().count() > 100 {
        return Err(("name", Code::TooLong));
    }
    if !(2000..=2100).contains(&year) {
        return Err(("year", Code::InvalidValue));
    }
    Ok(())
}

/// A weight must be a finite, non-negative number.
pub fn validate_weight(w: f64) -> Result<f64, Code> {
    if w.is_finite() && w >= 0.0 {
        Ok(w)
    } else {
        Err(Code::InvalidValue)
    }
}
