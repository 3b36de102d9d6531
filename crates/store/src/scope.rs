//! The permission boundary. A [`Principal`] is who asks; [`Scoped`] is the
//! only handle through which the web layer reads or writes, and it builds the
//! org-subtree filter into every query it runs.
//!
//! Rules (see `dangjian_domain::role`): a grant of a role at an org covers the
//! org and everything below it; `admin` covers the tenant; `member` covers
//! only the member's own person record. Structure changes (establish, rename,
//! move, dissolve) need `WriteStructure` on a grant strictly above the org.
//! Anything invisible answers `NotFound`, so probing ids learns nothing;
//! something visible but not writable answers `Forbidden`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use dangjian_domain::role::{Action, Role};

use crate::db::Db;
use crate::error::{StoreError, StoreResult};
use crate::orgs::Org;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Grant {
    pub role: Role,
    pub org_id: i64,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Principal {
    pub tenant_id: i64,
    /// `None` for the command line's built-in system actor.
    pub user_id: Option<i64>,
    pub username: String,
    pub person_id: Option<i64>,
    pub grants: Vec<Grant>,
}

impl Principal {
    /// The command line's actor: tenant-wide admin, recorded as `system` in the audit trail.
    pub fn system(tenant_id: i64) -> Principal {
        Principal {
            tenant_id,
            user_id: None,
            username: "system".into(),
            person_id: None,
            grants: vec![Grant { role: Role::Admin, org_id: 0 }],
        }
    }

    pub fn is_admin(&self) -> bool {
        self.grants.iter().any(|g| g.role.tenant_wide())
    }

    pub fn can(&self, action: Action) -> bool {
        self.grants.iter().any(|g| g.role.allows(action))
    }

    /// Org ids whose subtrees the principal may act on with `action`.
    fn roots_for(&self, action: Action) -> Vec<i64> {
        let mut ids: Vec<i64> = self.grants.iter().filter(|g| g.role.allows(action)).map(|g| g.org_id).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }
}

/// What a filter on an org-id column comes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrgFilter {
    /// Nothing is allowed: the query must not run.
    Nothing,
    /// The whole tenant.
    All,
    /// A SQL predicate over the column.
    Sql(String),
}

/// One org of a lineage: the row, its stored people count, and its distance
/// from the org the lineage is of (itself at 0).
#[derive(Debug, Clone)]
pub(crate) struct Link {
    pub depth: i64,
    pub org: Org,
    pub people_count: i64,
}

/// An org's ancestors, nearest first (itself at 0); empty when it does not exist.
type Lineage = Arc<Vec<Link>>;

/// The scoped handle. See the module docs.
pub struct Scoped<'a> {
    pub(crate) db: &'a Db,
    pub(crate) p: &'a Principal,
    /// Per-handle memo of each org's lineage with the ancestors' rows. A page
    /// asks about the same org many times (read it, its breadcrumb, its people
    /// count, may I write people, may I change structure…); with this, that is
    /// one statement per org, not one per question. A handle lives for one
    /// request; writes through it that change orgs or people clear it.
    ancestry: Mutex<HashMap<i64, Lineage>>,
}

/// An org's lineage (itself and every org above it, nearest first) with the
/// rows and stored people counts: run once per request that names an org.
/// Public for the driver comparison in `dangjian-bench-drivers`.
pub const LINEAGE_SELECT: &str = "SELECT c.depth, o.id, o.parent_id, o.kind, o.name, o.overseas, o.established_on, \
    o.dissolved_on, o.depth, o.people_count FROM org_closure c JOIN orgs o ON o.tenant_id = c.tenant_id AND o.id = c.ancestor_id \
    WHERE c.tenant_id = $1 AND c.descendant_id = $2 ORDER BY c.depth";

impl<'a> Scoped<'a> {
    pub(crate) fn new(db: &'a Db, p: &'a Principal) -> Self {
        Scoped { db, p, ancestry: Mutex::new(HashMap::new()) }
    }

    pub fn principal(&self) -> &Principal {
        self.p
    }

    pub fn tenant_id(&self) -> i64 {
        self.p.tenant_id
    }

    pub fn db(&self) -> &Db {
        self.db
    }

    /// The filter for `column` (an org id) under `action`. `strictly_below`
    /// excludes the granted orgs themselves (used for structure changes).
    pub fn org_filter(&self, action: Action, column: &str, strictly_below: bool) -> OrgFilter {
        if self.p.grants.iter().any(|g| g.role.tenant_wide() && g.role.allows(action)) {
            return OrgFilter::All;
        }
        let roots = self.p.roots_for(action);
        if roots.is_empty() {
            return OrgFilter::Nothing;
        }
        // Ids are integers from our own tables, so formatting them in is safe
        // and keeps the statement's parameter list simple.
        let list = roots.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        let depth = if strictly_below { " AND depth > 0" } else { "" };
        OrgFilter::Sql(format!(
            "{column} IN (SELECT descendant_id FROM org_closure WHERE tenant_id = {} AND ancestor_id IN ({list}){depth})",
            self.p.tenant_id
        ))
    }

    /// `AND <predicate>` for appending to a WHERE clause; `Forbidden` when nothing is allowed.
    pub(crate) fn and_filter(&self, action: Action, column: &str) -> StoreResult<String> {
        match self.org_filter(action, column, false) {
            OrgFilter::Nothing => Err(StoreError::Forbidden),
            OrgFilter::All => Ok(String::new()),
            OrgFilter::Sql(s) => Ok(format!(" AND {s}")),
        }
    }

    /// The org's lineage, from the memo or one statement ([`LINEAGE_SELECT`]).
    pub(crate) async fn lineage_of(&self, org_id: i64) -> StoreResult<Lineage> {
        if let Some(l) = self.ancestry.lock().unwrap_or_else(|e| e.into_inner()).get(&org_id) {
            return Ok(l.clone());
        }
        let rows = self.db.read(LINEAGE_SELECT, crate::args![self.p.tenant_id, org_id]).await?;
        let l = Arc::new(
            rows.iter()
                .map(|r| {
                    Ok(Link { depth: r.try_get(0)?, org: crate::orgs::org_from_at(r, 1)?, people_count: r.try_get(9)? })
                })
                .collect::<StoreResult<Vec<_>>>()?,
        );
        self.ancestry.lock().unwrap_or_else(|e| e.into_inner()).insert(org_id, l.clone());
        Ok(l)
    }

    /// The lineage's orgs the caller may read, nearest first; `NotFound`
    /// when that excludes the org itself.
    pub(crate) async fn readable_lineage(&self, org_id: i64) -> StoreResult<Vec<Link>> {
        let l = self.lineage_of(org_id).await?;
        if !self.lineage_allows(&l, Action::Read, false) {
            return Err(StoreError::NotFound);
        }
        if self.p.grants.iter().any(|g| g.role.tenant_wide() && g.role.allows(Action::Read)) {
            return Ok(l.to_vec());
        }
        // An ancestor is readable when a granted root lies at or above it.
        let roots = self.p.roots_for(Action::Read);
        let top = l.iter().filter(|a| roots.binary_search(&a.org.id).is_ok()).map(|a| a.depth).max().unwrap_or(-1);
        Ok(l.iter().filter(|a| a.depth <= top).cloned().collect())
    }

    /// Forgets the memoized lineages: called after writes that change orgs
    /// (shape, names) or their people counts.
    pub(crate) fn forget_ancestry(&self) {
        self.ancestry.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    /// The same answer as [`Scoped::org_filter`] would give for this one org,
    /// decided on its lineage.
    fn lineage_allows(&self, lineage: &[Link], action: Action, strictly_below: bool) -> bool {
        if lineage.is_empty() {
            return false;
        }
        if self.p.grants.iter().any(|g| g.role.tenant_wide() && g.role.allows(action)) {
            return true;
        }
        let roots = self.p.roots_for(action);
        lineage.iter().any(|a| roots.binary_search(&a.org.id).is_ok() && (!strictly_below || a.depth > 0))
    }

    /// Succeeds when `action` is allowed on `org_id`. Invisible orgs answer
    /// `NotFound`; visible but not allowed answers `Forbidden`.
    pub async fn require(&self, action: Action, org_id: i64) -> StoreResult<()> {
        self.require_inner(action, org_id, false).await
    }

    /// Like [`Scoped::require`], but the org must lie strictly below a grant.
    pub async fn require_below(&self, action: Action, org_id: i64) -> StoreResult<()> {
        self.require_inner(action, org_id, true).await
    }

    async fn require_inner(&self, action: Action, org_id: i64, strictly_below: bool) -> StoreResult<()> {
        let lineage = self.lineage_of(org_id).await?;
        if self.lineage_allows(&lineage, action, strictly_below) {
            return Ok(());
        }
        if action != Action::Read && self.lineage_allows(&lineage, Action::Read, false) {
            return Err(StoreError::Forbidden);
        }
        Err(StoreError::NotFound)
    }

    /// Tenant-wide permission (user management).
    pub fn require_global(&self, action: Action) -> StoreResult<()> {
        if self.p.grants.iter().any(|g| g.role.tenant_wide() && g.role.allows(action)) {
            Ok(())
        } else {
            Err(StoreError::Forbidden)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(grants: Vec<(Role, i64)>) -> Principal {
        Principal {
            tenant_id: 1,
            user_id: Some(9),
            username: "u".into(),
            person_id: None,
            grants: grants.into_iter().map(|(role, org_id)| Grant { role, org_id }).collect(),
        }
    }

    #[test]
    fn members_have_no_org_scope() {
        let m = p(vec![(Role::Member, 5)]);
        assert!(m.roots_for(Action::Read).is_empty());
        assert!(!m.can(Action::Read));
    }

    #[test]
    fn grants_merge_and_dedup() {
        let s = p(vec![(Role::CommitteeStaff, 5), (Role::BranchSecretary, 5), (Role::BranchSecretary, 3)]);
        assert_eq!(s.roots_for(Action::Read), vec![3, 5]);
        assert_eq!(s.roots_for(Action::WriteStructure), vec![5]);
    }
}
