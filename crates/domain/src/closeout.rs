//! Close-out (销号) as data, and the state machine that runs it.
//!
//! A procedure is an ordered list of review steps; each names who acts (a
//! role at the task's own org, its parent, its grandparent, or a named org)
//! and whether evidence is required. A task under review is at exactly one
//! step; only that step can be approved or returned. Approving the last step
//! closes the task; returning any step sends it back to work in a new round,
//! with the reason kept. A task is never closed without every step of the
//! current round approved in order (property-tested below).

use serde::{Deserialize, Serialize};

use crate::error::Code;
use crate::role::Role;

/// Who acts at a step, relative to the task's responsible org.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "at", rename_all = "snake_case")]
pub enum StepActor {
    TaskOrg { role: Role },
    Parent { role: Role },
    Grandparent { role: Role },
    Org { role: Role, org_id: i64 },
}

impl StepActor {
    pub fn role(&self) -> Role {
        match self {
            StepActor::TaskOrg { role }
            | StepActor::Parent { role }
            | StepActor::Grandparent { role }
            | StepActor::Org { role, .. } => *role,
        }
    }

    /// The org whose grant must cover the actor, given the task org's
    /// ancestors (nearest first: the org itself, its parent, …).
    pub fn org(&self, lineage: &[i64]) -> Option<i64> {
        match self {
            StepActor::TaskOrg { .. } => lineage.first().copied(),
            StepActor::Parent { .. } => lineage.get(1).copied(),
            StepActor::Grandparent { .. } => lineage.get(2).copied(),
            StepActor::Org { org_id, .. } => Some(*org_id),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub name: String,
    pub actor: StepActor,
    pub evidence_required: bool,
    /// What the evidence should show, for the person acting.
    #[serde(default)]
    pub hint: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Procedure {
    pub name: String,
    pub steps: Vec<Step>,
    /// Marks a shipped sample the enterprise is expected to adapt.
    #[serde(default)]
    pub sample: bool,
}

impl Procedure {
    pub fn validate(&self) -> Result<(), (String, Code)> {
        if self.name.trim().is_empty() {
            return Err(("name".into(), Code::Required));
        }
        if self.steps.is_empty() {
            return Err(("steps".into(), Code::Required));
        }
        for (i, s) in self.steps.iter().enumerate() {
            if s.name.trim().is_empty() {
                return Err((format!("steps[{i}].name"), Code::Required));
            }
        }
        Ok(())
    }

    /// A sample seven-step procedure for rectification items, after the
    /// 七步销号法 the seeds name (the seeds do not list the steps: these are
    /// an editable sample, marked as such).
    pub fn seven_step_sample() -> Procedure {
        let step = |name: &str, actor: StepActor, evidence: bool, hint: &str| Step {
            name: name.into(),
            actor,
            evidence_required: evidence,
            hint: hint.into(),
        };
        Procedure {
            name: "七步销号法（示例，可修改）".into(),
            sample: true,
            steps: vec![
                step("责任单位自查", StepActor::TaskOrg { role: Role::BranchSecretary }, false, "对照整改措施逐项自查"),
                step(
                    "提交销号申请及佐证材料",
                    StepActor::TaskOrg { role: Role::BranchSecretary },
                    true,
                    "上传整改完成的佐证材料",
                ),
                step("职能部门审核", StepActor::Parent { role: Role::CommitteeStaff }, false, "审核佐证材料是否充分"),
                step("分管领导审核", StepActor::Parent { role: Role::CommitteeStaff }, false, ""),
                step("整改办复核", StepActor::Grandparent { role: Role::CommitteeStaff }, false, "复核整改成效"),
                step("公示", StepActor::Parent { role: Role::CommitteeStaff }, true, "上传公示截图或文件"),
                step("归档销号", StepActor::Parent { role: Role::CommitteeStaff }, false, "资料归档，正式销号"),
            ],
        }
    }
}

/// Where a task stands in close-out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "stage", rename_all = "snake_case")]
pub enum Stage {
    /// Being worked on (also after a return).
    Working,
    /// Waiting for step `step` (0-based) to approve or return.
    Reviewing {
        step: usize,
    },
    Closed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CloseoutState {
    /// Rounds start at 1 and grow with every return.
    pub round: u32,
    pub stage: Stage,
}

impl Default for CloseoutState {
    fn default() -> Self {
        CloseoutState { round: 1, stage: Stage::Working }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Apply for close-out: starts the review at the first step.
    Submit,
    /// Approve the step the caller saw (`step` guards against acting on a stale view).
    Approve { step: usize, evidence_count: usize },
    /// Send back to work with a reason.
    Return { step: usize, reason: String },
}

/// The next state, or why the action is refused.
pub fn apply(p: &Procedure, s: CloseoutState, a: &Action) -> Result<CloseoutState, Code> {
    match (s.stage, a) {
        (Stage::Closed, _) => Err(Code::AlreadyClosed),
        (Stage::Working, Action::Submit) => Ok(CloseoutState { stage: Stage::Reviewing { step: 0 }, ..s }),
        (Stage::Working, _) => Err(Code::NotUnderReview),
        (Stage::Reviewing { .. }, Action::Submit) => Err(Code::Conflict),
        (Stage::Reviewing { step }, Action::Approve { step: seen, evidence_count }) => {
            if *seen != step {
                return Err(Code::Conflict);
            }
            let def = p.steps.get(step).ok_or(Code::Conflict)?;
            if def.evidence_required && *evidence_count == 0 {
                return Err(Code::EvidenceRequired);
            }
            if step + 1 == p.steps.len() {
                Ok(CloseoutState { stage: Stage::Closed, ..s })
            } else {
                Ok(CloseoutState { stage: Stage::Reviewing { step: step + 1 }, ..s })
            }
        }
        (Stage::Reviewing { step }, Action::Return { step: seen, reason }) => {
            if *seen != step {
                return Err(Code::Conflict);
            }
            if reason.trim().is_empty() {
                return Err(Code::ReasonRequired);
            }
            Ok(CloseoutState { round: s.round + 1, stage: Stage::Working })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn proc(n: usize, evidence_at: Option<usize>) -> Procedure {
        Procedure {
            name: "p".into(),
            sample: false,
            steps: (0..n)
                .map(|i| Step {
                    name: format!("s{i}"),
                    actor: StepActor::Parent { role: Role::CommitteeStaff },
                    evidence_required: Some(i) == evidence_at,
                    hint: String::new(),
                })
                .collect(),
        }
    }

    #[test]
    fn happy_path_and_return() {
        let p = proc(3, Some(1));
        let mut s = CloseoutState::default();
        assert_eq!(apply(&p, s, &Action::Approve { step: 0, evidence_count: 0 }), Err(Code::NotUnderReview));
        s = apply(&p, s, &Action::Submit).unwrap();
        s = apply(&p, s, &Action::Approve { step: 0, evidence_count: 0 }).unwrap();
        assert_eq!(apply(&p, s, &Action::Approve { step: 1, evidence_count: 0 }), Err(Code::EvidenceRequired));
        assert_eq!(apply(&p, s, &Action::Return { step: 1, reason: " ".into() }), Err(Code::ReasonRequired));
        s = apply(&p, s, &Action::Return { step: 1, reason: "材料不全".into() }).unwrap();
        assert_eq!(s, CloseoutState { round: 2, stage: Stage::Working });
        s = apply(&p, s, &Action::Submit).unwrap();
        assert_eq!(s.stage, Stage::Reviewing { step: 0 });
        for step in 0..3 {
            s = apply(&p, s, &Action::Approve { step, evidence_count: 1 }).unwrap();
        }
        assert_eq!(s.stage, Stage::Closed);
        assert_eq!(apply(&p, s, &Action::Submit), Err(Code::AlreadyClosed));
    }

    #[test]
    fn a_stale_step_is_a_conflict() {
        let p = proc(2, None);
        let s = apply(&p, CloseoutState::default(), &Action::Submit).unwrap();
        let s2 = apply(&p, s, &Action::Approve { step: 0, evidence_count: 0 }).unwrap();
        // A second reviewer who also saw step 0 acts after the first.
        assert_eq!(apply(&p, s2, &Action::Approve { step: 0, evidence_count: 0 }), Err(Code::Conflict));
        assert_eq!(apply(&p, s2, &Action::Return { step: 0, reason: "x".into() }), Err(Code::Conflict));
    }

    #[test]
    fn the_sample_has_seven_steps_and_validates() {
        let p = Procedure::seven_step_sample();
        assert_eq!(p.steps.len(), 7);
        assert!(p.sample);
        assert_eq!(p.validate(), Ok(()));
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(serde_json::from_str::<Procedure>(&json).unwrap(), p);
    }

    fn action() -> impl Strategy<Value = Action> {
        prop_oneof![
            Just(Action::Submit),
            (0usize..6, 0usize..2).prop_map(|(step, evidence_count)| Action::Approve { step, evidence_count }),
            (0usize..6, prop_oneof![Just(String::new()), Just("原因".to_string())])
                .prop_map(|(step, reason)| Action::Return { step, reason }),
        ]
    }

    proptest! {
        /// Never closed without every step of the final round approved, in order.
        #[test]
        fn never_closed_without_every_step(n in 1usize..6, evidence_at in proptest::option::of(0usize..6), actions in proptest::collection::vec(action(), 0..60)) {
            let p = proc(n, evidence_at);
            let mut s = CloseoutState::default();
            let mut approved_this_round: Vec<usize> = vec![];
            for a in &actions {
                // Refused actions change nothing.
                if let Ok(next) = apply(&p, s, a) {
                    match a {
                        Action::Submit => approved_this_round.clear(),
                        Action::Approve { step, .. } => approved_this_round.push(*step),
                        Action::Return { .. } => {
                            prop_assert_eq!(next.round, s.round + 1);
                            approved_this_round.clear();
                        }
                    }
                    s = next;
                }
                if s.stage == Stage::Closed {
                    prop_assert_eq!(&approved_this_round, &(0..n).collect::<Vec<_>>());
                }
            }
        }
    }
}
