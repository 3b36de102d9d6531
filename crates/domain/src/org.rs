//! Organizations: kinds, which kind may sit under which, lifecycle events,
//! and replaying those events to see the tree as it stood on any day.
//!
//! History is never overwritten: a rename, move, merge or dissolution is a dated
//! event carrying the document number that decided it. The current tree is the
//! result of all events; [`tree_as_of`] is the result of those up to a date.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::{Code, Locale};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    LeadershipGroup,
    Committee,
    GeneralBranch,
    Branch,
    Cell,
    WorkTeam,
}

impl OrgKind {
    pub const ALL: [OrgKind; 6] = [
        OrgKind::LeadershipGroup,
        OrgKind::Committee,
        OrgKind::GeneralBranch,
        OrgKind::Branch,
        OrgKind::Cell,
        OrgKind::WorkTeam,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::LeadershipGroup => "leadership_group",
            OrgKind::Committee => "committee",
            OrgKind::GeneralBranch => "general_branch",
            OrgKind::Branch => "branch",
            OrgKind::Cell => "cell",
            OrgKind::WorkTeam => "work_team",
        }
    }

    pub fn parse(s: &str) -> Result<OrgKind, Code> {
        OrgKind::ALL.into_iter().find(|k| k.as_str() == s || k.label(Locale::ZhCn) == s).ok_or(Code::InvalidValue)
    }

    pub fn label(self, locale: Locale) -> &'static str {
        match (self, locale) {
            (OrgKind::LeadershipGroup, Locale::ZhCn) => "党组",
            (OrgKind::Committee, Locale::ZhCn) => "党委",
            (OrgKind::GeneralBranch, Locale::ZhCn) => "党总支",
            (OrgKind::Branch, Locale::ZhCn) => "党支部",
            (OrgKind::Cell, Locale::ZhCn) => "党小组",
            (OrgKind::WorkTeam, Locale::ZhCn) => "班组",
            (OrgKind::LeadershipGroup, Locale::En) => "Leadership group",
            (OrgKind::Committee, Locale::En) => "Committee",
            (OrgKind::GeneralBranch, Locale::En) => "General branch",
            (OrgKind::Branch, Locale::En) => "Branch",
            (OrgKind::Cell, Locale::En) => "Cell",
            (OrgKind::WorkTeam, Locale::En) => "Work team",
        }
    }

    /// Party bodies that hold elections and therefore have terms (换届).
    pub fn has_terms(self) -> bool {
        matches!(self, OrgKind::Committee | OrgKind::GeneralBranch | OrgKind::Branch)
    }

    /// Where members are registered: a branch, or a cell inside one.
    pub fn registers_members(self) -> bool {
        matches!(self, OrgKind::Branch | OrgKind::Cell)
    }

    /// Which kinds may be established under this one. A committee may hold
    /// committees (a group's enterprise under its group-level committee, a
    /// plant under an enterprise), general branches and branches; a work team
    /// is a production unit recorded under the body that runs its activities.
    pub fn may_contain(self, child: OrgKind) -> bool {
        use OrgKind::*;
        match self {
            LeadershipGroup => matches!(child, Committee | GeneralBranch | Branch),
            Committee => matches!(child, Committee | GeneralBranch | Branch | WorkTeam),
            GeneralBranch => matches!(child, Branch | WorkTeam),
            Branch => matches!(child, Cell | WorkTeam),
            Cell => matches!(child, WorkTeam),
            WorkTeam => false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgEventKind {
    Establish,
    Rename,
    Move,
    Merge,
    Dissolve,
}

impl OrgEventKind {
    pub const ALL: [OrgEventKind; 5] = [
        OrgEventKind::Establish,
        OrgEventKind::Rename,
        OrgEventKind::Move,
        OrgEventKind::Merge,
        OrgEventKind::Dissolve,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrgEventKind::Establish => "establish",
            OrgEventKind::Rename => "rename",
            OrgEventKind::Move => "move",
            OrgEventKind::Merge => "merge",
            OrgEventKind::Dissolve => "dissolve",
        }
    }

    pub fn parse(s: &str) -> Result<OrgEventKind, Code> {
        OrgEventKind::ALL.into_iter().find(|k| k.as_str() == s).ok_or(Code::InvalidValue)
    }

    pub fn label(self, locale: Locale) -> &'static str {
        match (self, locale) {
            (OrgEventKind::Establish, Locale::ZhCn) => "新建",
            (OrgEventKind::Rename, Locale::ZhCn) => "更名",
            (OrgEventKind::Move, Locale::ZhCn) => "调整隶属关系",
            (OrgEventKind::Merge, Locale::ZhCn) => "合并",
            (OrgEventKind::Dissolve, Locale::ZhCn) => "撤销",
            (OrgEventKind::Establish, Locale::En) => "Established",
            (OrgEventKind::Rename, Locale::En) => "Renamed",
            (OrgEventKind::Move, Locale::En) => "Moved",
            (OrgEventKind::Merge, Locale::En) => "Merged",
            (OrgEventKind::Dissolve, Locale::En) => "Dissolved",
        }
    }

    /// After this event the organization no longer exists.
    pub fn ends_org(self) -> bool {
        matches!(self, OrgEventKind::Merge | OrgEventKind::Dissolve)
    }
}

/// One dated lifecycle event, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgEvent {
    /// Ordering among events of the same day: the order they were recorded in.
    pub seq: i64,
    pub org_id: i64,
    pub kind: OrgEventKind,
    pub effective_on: NaiveDate,
    /// The org's kind; set on `Establish`.
    pub org_kind: Option<OrgKind>,
    /// New name on `Establish` and `Rename`.
    pub name: Option<String>,
    /// New parent on `Establish` and `Move`.
    pub parent_id: Option<i64>,
    /// Where a `Merge` sent the organization's members.
    pub merged_into_id: Option<i64>,
}

/// An organization's state on a given day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrgAsOf {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub kind: OrgKind,
    pub name: String,
}

/// Replays events dated on or before `date` (in date, then recording order) and
/// returns the organizations that existed that day. Events about an org whose
/// establishment is not in the history are ignored: the history is the record.
pub fn tree_as_of(events: &[OrgEvent], date: NaiveDate) -> BTreeMap<i64, OrgAsOf> {
    let mut sorted: Vec<&OrgEvent> = events.iter().filter(|e| e.effective_on <= date).collect();
    sorted.sort_by_key(|e| (e.effective_on, e.seq));
    let mut orgs: BTreeMap<i64, OrgAsOf> = BTreeMap::new();
    for e in sorted {
        match e.kind {
            OrgEventKind::Establish => {
                orgs.insert(
                    e.org_id,
                    OrgAsOf {
                        id: e.org_id,
                        parent_id: e.parent_id,
                        kind: e.org_kind.unwrap_or(OrgKind::Branch),
                        name: e.name.clone().unwrap_or_default(),
                    },
                );
            }
            OrgEventKind::Rename => {
                if let (Some(o), Some(n)) = (orgs.get_mut(&e.org_id), &e.name) {
                    o.name = n.clone();
                }
            }
            OrgEventKind::Move => {
                if let Some(o) = orgs.get_mut(&e.org_id) {
                    o.parent_id = e.parent_id;
                }
            }
            OrgEventKind::Merge | OrgEventKind::Dissolve => {
                orgs.remove(&e.org_id);
            }
        }
    }
    // An org whose ancestor was gone that day is unreachable from the roots;
    // the tree shows only what hangs from an existing parent.
    let ids: Vec<i64> = orgs.keys().copied().collect();
    let reachable: Vec<i64> = ids
        .into_iter()
        .filter(|id| {
            let mut cur = orgs.get(id).and_then(|o| o.parent_id);
            let mut hops = 0;
            while let Some(p) = cur {
                match orgs.get(&p) {
                    Some(o) => cur = o.parent_id,
                    None => return false,
                }
                hops += 1;
                if hops > 10_000 {
                    return false;
                }
            }
            true
        })
        .collect();
    orgs.retain(|id, _| reachable.contains(id));
    orgs
}

/// Validates a lifecycle change before it is stored. `name` checks are for
/// establish and rename; duplicate sibling names are checked by storage.
pub fn validate_name(name: &str) -> Result<String, Code> {
    let n = name.trim();
    if n.is_empty() {
        Err(Code::Required)
    } else if n.chars().count() > 100 {
        Err(Code::TooLong)
    } else {
        Ok(n.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn ev(seq: i64, org_id: i64, kind: OrgEventKind, on: &str) -> OrgEvent {
        OrgEvent {
            seq,
            org_id,
            kind,
            effective_on: d(on),
            org_kind: None,
            name: None,
            parent_id: None,
            merged_into_id: None,
        }
    }

    fn establish(seq: i64, id: i64, parent: Option<i64>, name: &str, on: &str) -> OrgEvent {
        OrgEvent {
            org_kind: Some(if parent.is_none() { OrgKind::Committee } else { OrgKind::Branch }),
            name: Some(name.into()),
            parent_id: parent,
            ..ev(seq, id, OrgEventKind::Establish, on)
        }
    }

    #[test]
    fn replays_renames_moves_and_dissolutions() {
        let events = vec![
            establish(1, 1, None, "西南铝党委", "2000-01-01"),
            establish(2, 2, Some(1), "熔铸厂党总支", "2000-01-01"),
            establish(3, 3, Some(1), "锻造厂第一党支部", "2010-05-01"),
            OrgEvent {
                name: Some("锻造厂安全生产党支部".into()), ..ev(4, 3, OrgEventKind::Rename, "2025-03-01")
            },
            OrgEvent { parent_id: Some(2), ..ev(5, 3, OrgEventKind::Move, "2025-06-01") },
            ev(6, 2, OrgEventKind::Dissolve, "2025-09-01"),
        ];
        let before = tree_as_of(&events, d("2009-12-31"));
        assert_eq!(before.keys().copied().collect::<Vec<_>>(), vec![1, 2]);

        let spring = tree_as_of(&events, d("2025-04-01"));
        assert_eq!(spring[&3].name, "锻造厂安全生产党支部");
        assert_eq!(spring[&3].parent_id, Some(1));

        let summer = tree_as_of(&events, d("2025-07-01"));
        assert_eq!(summer[&3].parent_id, Some(2));

        // After its parent was dissolved (without first moving it), the branch is
        // unreachable; the history must record a move before a dissolution.
        let autumn = tree_as_of(&events, d("2025-10-01"));
        assert!(!autumn.contains_key(&2));
        assert!(!autumn.contains_key(&3));
        assert!(autumn.contains_key(&1));
    }

    #[test]
    fn same_day_events_apply_in_recorded_order() {
        let events = vec![
            establish(1, 1, None, "甲", "2020-01-01"),
            OrgEvent { name: Some("乙".into()), ..ev(3, 1, OrgEventKind::Rename, "2021-01-01") },
            OrgEvent { name: Some("丙".into()), ..ev(2, 1, OrgEventKind::Rename, "2021-01-01") },
        ];
        assert_eq!(tree_as_of(&events, d("2021-01-01"))[&1].name, "乙");
    }

    #[test]
    fn containment_rules() {
        assert!(OrgKind::Committee.may_contain(OrgKind::Branch));
        assert!(OrgKind::Branch.may_contain(OrgKind::Cell));
        assert!(!OrgKind::Cell.may_contain(OrgKind::Branch));
        assert!(!OrgKind::Branch.may_contain(OrgKind::Committee));
        for k in OrgKind::ALL {
            assert_eq!(OrgKind::parse(k.as_str()), Ok(k));
            assert_eq!(OrgKind::parse(k.label(Locale::ZhCn)), Ok(k));
        }
    }

    #[test]
    fn names() {
        assert_eq!(validate_name("  党支部 "), Ok("党支部".into()));
        assert_eq!(validate_name(" "), Err(Code::Required));
        assert_eq!(validate_name(&"长".repeat(101)), Err(Code::TooLong));
    }
}
