//! # dangjian-demo: a realistic enterprise group to try the product on
//!
//! [`demo_group`] describes, in memory and without I/O, a demo tenant shaped
//! like a Chinese state enterprise group: 中国铝业集团有限公司党组 at the top, the
//! group-level committees (中铝股份, 中铝高端, 中铝物流), their enterprises
//! (云铝股份, 包头铝业, 西南铝, 东轻, 中铝几内亚 …), plants with committees or
//! general branches, about three hundred branches with cells and work teams,
//! and about four thousand synthetic people. Storage loads it; nothing here
//! touches a database.
//!
//! ## What is real and what is not
//! Organization names come from public articles (the seeds): they make the demo
//! look like the world its users know. People are synthetic: names are drawn
//! from common surnames and given-name characters, and the real people the
//! articles mention are never generated. ID numbers are valid GB 11643 numbers
//! built with [`dangjian_domain::id_number::synthesize`], with area codes where
//! each enterprise is; phone numbers are random mobiles. Founding dates are
//! plausible, not historical.
//!
//! ## Deterministic
//! The same seed gives the same group, byte for byte: one
//! [`ChaCha8Rng`](rand_chacha::ChaCha8Rng) drives every choice and nothing
//! iterates a hash map. [`DEFAULT_SEED`] is what the CLI and the web demo use.
//!
//! ## History and dates
//! Every date is on or before [`REFERENCE_DATE`] (2026-11-20), the day the
//! demo is "as of". Term start dates are spread so that, on that day, most
//! terms are current, some fall due within the alert window and a few are
//! overdue. Lifecycle history follows 西南铝's 2025 report (one rename, five new
//! and five dissolved branches), plus 西南铝 and 东轻 moving under 中铝高端 in
//! 2022, a branch moved and two branches merged elsewhere in 2025. Every change
//! carries the document number that decided it (西南铝党委〔2025〕8号).
//!
//! ## How storage reads it
//! - [`DemoOrg`]s come parents first: an org's current parent and its founding
//!   parent both have smaller keys. Storage writes one *establish* event per
//!   org from [`DemoGroup::founding`] (the name and parent it was founded with),
//!   [`DemoOrg::established_on`] and [`DemoOrg::establish_doc_no`], then the
//!   [`DemoEvent`]s in order. [`DemoOrg`] itself shows the current state.
//! - Ended organizations (dissolved or merged) stay in [`DemoGroup::orgs`] with
//!   [`DemoOrg::dissolved_on`] set; nobody is registered in them.
//! - Term due dates are left to storage, which computes them from settings.

mod blueprint;
mod builder;
pub mod names;
mod people;

use chrono::NaiveDate;
use dangjian_domain::org::{OrgEventKind, OrgKind};
use dangjian_domain::person::{Gender, MemberStatus, StageDates, TalentPool};

/// The seed the CLI and the web demo use.
pub const DEFAULT_SEED: u64 = 20_260_115;

/// The day the demo is "as of": no date in it is later, and term alerts are
/// spread relative to it.
pub const REFERENCE_DATE: NaiveDate = match NaiveDate::from_ymd_opt(2026, 11, 20) {
    Some(d) => d,
    None => panic!("valid date"),
};

/// The whole demo tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoGroup {
    /// Parents before children; `orgs[i].key == i`.
    pub orgs: Vec<DemoOrg>,
    /// Lifecycle events after founding (rename, move, merge, dissolve), by
    /// date. Establishment is not listed here: see [`DemoGroup::founding`].
    pub events: Vec<DemoEvent>,
    pub people: Vec<DemoPerson>,
    /// Each live committee, general branch and branch's current term.
    pub terms: Vec<DemoTerm>,
    pub office_holders: Vec<DemoOfficeHolder>,
    pub partnerships: Vec<DemoPartnership>,
}

/// An organization as it stands on [`REFERENCE_DATE`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoOrg {
    /// Its index in [`DemoGroup::orgs`].
    pub key: usize,
    /// The current parent (after any move).
    pub parent: Option<usize>,
    pub kind: OrgKind,
    /// The current name (after any rename).
    pub name: String,
    pub established_on: NaiveDate,
    /// The document that established it, e.g. 西南铝党委〔2025〕8号.
    pub establish_doc_no: String,
    /// Abroad (中铝几内亚, 中铝香港 and everything under them).
    pub overseas: bool,
    /// Set when the organization has ended, by dissolution or by a merge.
    pub dissolved_on: Option<NaiveDate>,
}

impl DemoOrg {
    /// Still exists on [`REFERENCE_DATE`].
    pub fn is_active(&self) -> bool {
        self.dissolved_on.is_none()
    }
}

/// A lifecycle event after founding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoEvent {
    pub org: usize,
    /// Rename, Move, Merge or Dissolve; never Establish.
    pub kind: OrgEventKind,
    pub effective_on: NaiveDate,
    /// E.g. 西南铝党委〔2025〕12号. Changes decided together share a number.
    pub doc_no: String,
    /// The new name, for a rename.
    pub name: Option<String>,
    /// The name before a rename.
    pub old_name: Option<String>,
    /// The new parent, for a move.
    pub parent: Option<usize>,
    /// The parent before a move.
    pub old_parent: Option<usize>,
    /// Where a merge sent the organization's members.
    pub merged_into: Option<usize>,
    pub note: String,
}

/// A synthetic employee, member or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoPerson {
    /// The branch they are registered in (kind Branch, active).
    pub org: usize,
    /// Their cell: a Cell child of `org`. Only members are placed in cells.
    pub cell: Option<usize>,
    pub name: String,
    pub gender: Gender,
    /// A valid GB 11643 number, unique in the group; its sex digit and birth
    /// date agree with `gender` and the dates.
    pub id_number: String,
    /// An 11-digit mobile, unique in the group.
    pub phone: String,
    pub status: MemberStatus,
    /// Consistent with `status`: passes [`dangjian_domain::person::validate_stages`].
    pub dates: StageDates,
    /// Company and plant or department, e.g. 西南铝业（集团）有限责任公司锻造厂.
    pub work_unit: String,
    /// Job title; office holders of committees carry their leadership title.
    pub position: String,
    pub talent_pool: Option<TalentPool>,
    pub workers_representative: bool,
}

/// A current term (第几届) of a committee, general branch or branch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoTerm {
    pub org: usize,
    /// 第几届.
    pub number: i32,
    pub started_on: NaiveDate,
    /// The higher body's approval of the election result.
    pub doc_no: String,
}

/// Someone holding an office in an organization's committee.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoOfficeHolder {
    pub org: usize,
    /// Index into [`DemoGroup::people`]; registered in `org` or below it, and a
    /// full member since before `started_on`.
    pub person: usize,
    /// `secretary`, `deputy_secretary` or `committee_member`.
    pub position: &'static str,
    pub started_on: NaiveDate,
}

/// A partnership (结对共建 / 联建共建) between an organization and another one
/// of the group or an outside body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoPartnership {
    pub org: usize,
    /// Set when the partner is an organization of the group.
    pub partner_org: Option<usize>,
    /// The partner's name (for an organization of the group, its name).
    pub partner_name: String,
    /// `org`, `bank`, `university`, `enterprise`, `research_institute` or `other`.
    pub partner_kind: &'static str,
    pub started_on: NaiveDate,
    pub note: String,
}

impl DemoGroup {
    /// The name and parent an organization was founded with: what its
    /// establish event records. Later renames and moves are in [`DemoGroup::events`].
    pub fn founding(&self, key: usize) -> (&str, Option<usize>) {
        let org = &self.orgs[key];
        let mut name = org.name.as_str();
        let mut parent = org.parent;
        // Events are in date order: walking backwards undoes them.
        for e in self.events.iter().rev().filter(|e| e.org == key) {
            match e.kind {
                OrgEventKind::Rename => {
                    if let Some(old) = &e.old_name {
                        name = old;
                    }
                }
                OrgEventKind::Move => parent = e.old_parent,
                _ => {}
            }
        }
        (name, parent)
    }

    /// Active organizations of a kind.
    pub fn active(&self, kind: OrgKind) -> impl Iterator<Item = &DemoOrg> {
        self.orgs.iter().filter(move |o| o.kind == kind && o.is_active())
    }
}

/// Builds the demo group for `seed`. Same seed, same group.
pub fn demo_group(seed: u64) -> DemoGroup {
    builder::Builder::new(seed).build()
}
