//! Roles and what they allow. A role is granted at an organization and covers
//! that organization's whole subtree; nothing beside or above it.
//!
//! Storage turns a user's grants into a scope that every query passes through;
//! this module only says which actions each role may take inside its scope.

use serde::{Deserialize, Serialize};

use crate::error::{Code, Locale};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// System administrator: everything in the tenant, users and grants included.
    Admin,
    /// Party-affairs staff of a committee: read and write the subtree, including
    /// its structure (establish, rename, move, dissolve below the granted org).
    CommitteeStaff,
    /// A branch secretary: read and write the people, terms and office holders of
    /// the branch's subtree, but not its structure.
    BranchSecretary,
    /// A member: sees their own record only.
    Member,
}

/// Things a caller may do to data inside their scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Read orgs, rosters and history in the subtree.
    Read,
    /// Add and edit people; import rosters.
    WritePeople,
    /// Terms, office holders, partnerships of an org in the subtree.
    WriteOrgDetails,
    /// Establish, rename, move, merge, dissolve orgs strictly below the grant.
    WriteStructure,
    /// Read the audit trail of the subtree.
    ReadAudit,
    /// See a full ID or phone number (each view is audited).
    RevealSensitive,
    /// Manage accounts and role grants.
    ManageUsers,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::CommitteeStaff, Role::BranchSecretary, Role::Member];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::CommitteeStaff => "committee_staff",
            Role::BranchSecretary => "branch_secretary",
            Role::Member => "member",
        }
    }

    pub fn parse(s: &str) -> Result<Role, Code> {
        Role::ALL.into_iter().find(|r| r.as_str() == s.trim()).ok_or(Code::UnknownRole)
    }

    pub fn label(self, locale: Locale) -> &'static str {
        match (self, locale) {
            (Role::Admin, Locale::ZhCn) => "系统管理员",
            (Role::CommitteeStaff, Locale::ZhCn) => "党委工作人员",
            (Role::BranchSecretary, Locale::ZhCn) => "支部书记",
            (Role::Member, Locale::ZhCn) => "党员",
            (Role::Admin, Locale::En) => "System administrator",
            (Role::CommitteeStaff, Locale::En) => "Committee staff",
            (Role::BranchSecretary, Locale::En) => "Branch secretary",
            (Role::Member, Locale::En) => "Member",
        }
    }

    /// Whether the role allows `action` on data in its subtree.
    pub fn allows(self, action: Action) -> bool {
        use Action::*;
        match self {
            Role::Admin => true,
            Role::CommitteeStaff => {
                matches!(action, Read | WritePeople | WriteOrgDetails | WriteStructure | ReadAudit | RevealSensitive)
            }
            Role::BranchSecretary => matches!(action, Read | WritePeople | WriteOrgDetails | RevealSensitive),
            Role::Member => false,
        }
    }

    /// Whether the role's scope is the whole tenant rather than a subtree.
    pub fn tenant_wide(self) -> bool {
        self == Role::Admin
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_get_nothing_from_the_tree() {
        for a in [Action::Read, Action::WritePeople, Action::ManageUsers, Action::RevealSensitive] {
            assert!(!Role::Member.allows(a));
        }
    }

    #[test]
    fn only_admins_manage_users() {
        assert!(Role::Admin.allows(Action::ManageUsers));
        assert!(!Role::CommitteeStaff.allows(Action::ManageUsers));
        assert!(!Role::BranchSecretary.allows(Action::ManageUsers));
    }

    #[test]
    fn secretaries_do_not_change_structure() {
        assert!(Role::BranchSecretary.allows(Action::WritePeople));
        assert!(!Role::BranchSecretary.allows(Action::WriteStructure));
        assert!(Role::CommitteeStaff.allows(Action::WriteStructure));
    }

    #[test]
    fn round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Ok(r));
        }
        assert_eq!(Role::parse("root"), Err(Code::UnknownRole));
    }
}
