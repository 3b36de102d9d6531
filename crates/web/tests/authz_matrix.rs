//! The authorization matrix (PRODUCT principle 4): every JSON endpoint × every
//! role × the relation of the target to the role's grant, on both backends.
//!
//! Roles: anonymous, `member_a` (member: their own person record only),
//! `sec_a` (branch_secretary at br_a), `staff_a` (committee_staff at ent_a),
//! `admin2` (admin). Relations on the fixture tree of `common::TestApp`: for
//! staff_a own = ent_a, descendant = gb_a/br_a/cell_a/br_a2, sibling =
//! ent_b/br_b, ancestor = root; for sec_a (and member_a, registered in br_a)
//! own = br_a, descendant = cell_a, ancestor = gb_a/ent_a/root, sibling = br_a2
//! (another branch of gb_a, added here) and ent_b/br_b; for admin2 own = root
//! and everything else descendant. Person targets: person_a (张甲, member_a's
//! own record) and person_a2 in br_a, person_c in br_a's cell, person_s in
//! br_a2, person_b (李乙) in br_b.
//!
//! The matrix is a table of [`Case`]s built before anything runs; each names
//! one request and the [`Expect`]ed answer. Expectations come from the rules
//! in [`World`] (the spec, written independently of the store's code). Every
//! response is also checked for leaks: names and ID numbers of fixture orgs
//! and people outside the caller's scope must never appear, and a refused
//! request's answer must not contain the target's name or data.
//!
//! Work systems and task lists (frameworks, lists, tasks, close-out, evidence,
//! supervision notices, the to-do centre, figures and the board) are judged
//! the same way: admin2 builds a framework, a list with one task, an evidence
//! file and a notice at every fixture org, a list of root's with a task at
//! every fixture org, a task of ent_b's that br_a cooperates on (with a
//! sub-task at br_b) and a task under review, and the [`World`] knows who may
//! see and do what with each (its rules are in the `World` methods below).
//! Titles, names, file contents and notes are fresh (`…N号`), and every one
//! the caller may not see is checked for like an org name.
//!
//! Writes are harmless (rename to the same name, move under the current
//! parent, dissolve an org that is not empty, merge into itself) or aimed at
//! throwaway orgs, people, frameworks, lists, tasks and notices that admin2
//! creates while the table is built, one per case, so the cases do not depend
//! on the order they run in. After the run, whatever a refused write aimed at
//! is checked to be as it was. Failures are collected and reported together at
//! the end.

mod common;

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::time::Instant;

use chrono::NaiveDate;
use common::{workbook, Fixture, TestApp};
use reqwest::header::CONTENT_TYPE;
use reqwest::{Client, Method};
use serde_json::{json, Value};

const V1: &str = "/api/v1";
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
/// An id no table holds: it must answer exactly like an invisible one.
const MISSING: i64 = 987_654_321;
/// Every term in this test starts on this day: all terms are then overdue
/// (so they show in the alerts), and a later start on the same day is never
/// "before the current term".
const TERM_START: &str = "2015-06-01";
const PASSWORD_NEW: &str = "matrix-password-1";

// ---------------------------------------------------------------------------
// Who asks, and what must come back
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Who {
    Anon,
    Member,
    Sec,
    Staff,
    Admin,
}

const EVERYONE: [Who; 5] = [Who::Anon, Who::Member, Who::Sec, Who::Staff, Who::Admin];

impl Who {
    fn username(self) -> Option<&'static str> {
        match self {
            Who::Anon => None,
            Who::Member => Some("member_a"),
            Who::Sec => Some("sec_a"),
            Who::Staff => Some("staff_a"),
            Who::Admin => Some("admin2"),
        }
    }
}

impl fmt::Display for Who {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.username().unwrap_or("anonymous"))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// 2xx.
    Allow,
    /// 422 from a domain rule after the permission check passed (the error
    /// does not call a reference unknown). Only where no valid body exists for
    /// the target: a term for a cell, people registered in a committee, an
    /// import into a cell (no branch in it), moving root, dissolving an org
    /// that is not empty, merging an org into itself.
    AllowInvalid,
    /// 403 or 404: the caller sees the target but may not do this, or lacks
    /// a tenant-wide permission.
    Deny,
    /// Exactly 404, the answer for an id that does not exist: the target is
    /// invisible to the caller.
    Hidden,
    /// A reference in the body to something invisible answers like a
    /// reference to nothing: 404, or 422 naming the field unknown.
    HiddenRef,
    /// 401.
    Unauth,
    /// Exactly this status.
    Status(u16),
    /// 404, or 2xx with an empty array (a listing filtered to nothing).
    EmptyOrHidden,
    /// Any status below 500: only the leak checks apply.
    NoLeak,
}

impl Expect {
    fn accepts(self, status: u16, body: Option<&Value>) -> bool {
        let ok = (200..300).contains(&status);
        match self {
            Expect::Allow => ok,
            Expect::AllowInvalid => status == 422 && !names_unknown_reference(body),
            Expect::Deny => status == 403 || status == 404,
            Expect::Hidden => status == 404,
            Expect::HiddenRef => status == 404 || (status == 422 && names_unknown_reference(body)),
            Expect::Unauth => status == 401,
            Expect::Status(s) => status == s,
            Expect::EmptyOrHidden => status == 404 || (ok && body == Some(&json!([]))),
            Expect::NoLeak => status < 500,
        }
    }

    /// Whether the target's own data may appear in the answer.
    fn shows_target(self) -> bool {
        matches!(self, Expect::Allow | Expect::NoLeak)
    }
}

fn names_unknown_reference(body: Option<&Value>) -> bool {
    body.and_then(|b| b["error"]["fields"].as_array())
        .is_some_and(|fs| fs.iter().any(|f| matches!(f["code"].as_str(), Some("unknown_org" | "not_found"))))
}

fn expect_for(who: Who, allowed: bool, visible: bool, valid: bool) -> Expect {
    if who == Who::Anon {
        Expect::Unauth
    } else if allowed {
        if valid {
            Expect::Allow
        } else {
            Expect::AllowInvalid
        }
    } else if visible {
        Expect::Deny
    } else {
        Expect::Hidden
    }
}

#[derive(Debug, Clone, Copy)]
enum Csrf {
    Own,
    Omit,
    Wrong,
}

enum Body {
    Empty,
    Json(Value),
    Xlsx(Vec<u8>, Csrf),
    /// A raw upload (evidence file), sent as text/plain.
    Raw(Vec<u8>, Csrf),
    /// `PUT /people/{id}`: the person's known input with the current version
    /// (read as admin2 just before sending), moved to `org` when given.
    PersonUpdate {
        person: i64,
        org: Option<i64>,
    },
}

struct Case {
    endpoint: &'static str,
    method: Method,
    path: String,
    body: Body,
    who: Who,
    relation: String,
    expect: Expect,
    /// Must not appear in the answer (besides everything outside the caller's scope).
    secrets: Vec<String>,
    /// Exempt from the leak check (the caller's own input echoed back).
    exempt: Vec<String>,
    /// Must appear in a 2xx answer.
    contains: Vec<String>,
    /// A 2xx answer must be exactly this JSON.
    equals: Option<Value>,
}

impl Case {
    fn new(endpoint: &'static str, method: Method, path: String, who: Who, relation: String, expect: Expect) -> Case {
        Case {
            endpoint,
            method,
            path,
            body: Body::Empty,
            who,
            relation,
            expect,
            secrets: vec![],
            exempt: vec![],
            contains: vec![],
            equals: None,
        }
    }

    fn json(mut self, v: Value) -> Case {
        self.body = Body::Json(v);
        self
    }

    fn body(mut self, b: Body) -> Case {
        self.body = b;
        self
    }

    fn secrets(mut self, s: impl IntoIterator<Item = String>) -> Case {
        self.secrets.extend(s);
        self
    }

    /// The target's data: checked unless the target may be shown.
    fn target(mut self, s: impl IntoIterator<Item = String>) -> Case {
        if !self.expect.shows_target() {
            self.secrets.extend(s);
        }
        self
    }

    fn contains(mut self, s: impl IntoIterator<Item = String>) -> Case {
        self.contains.extend(s);
        self
    }

    fn equals(mut self, v: Value) -> Case {
        self.equals = Some(v);
        self
    }

    fn exempt(mut self, s: impl IntoIterator<Item = String>) -> Case {
        self.exempt.extend(s);
        self
    }
}

fn v1(path: impl fmt::Display) -> String {
    format!("{V1}{path}")
}

// ---------------------------------------------------------------------------
// The model of the tree and the rules
// ---------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct PersonRec {
    id: i64,
    label: &'static str,
    org: i64,
    cell: Option<i64>,
    name: String,
    id_number: String,
    phone: String,
}

impl PersonRec {
    fn data(&self) -> Vec<String> {
        vec![
            self.name.clone(),
            self.id_number.clone(),
            dangjian_domain::id_number::mask(&self.id_number),
            self.phone.clone(),
        ]
    }

    /// Name and ID number: unique to this person (phones may repeat).
    fn identity(&self) -> Vec<String> {
        vec![self.name.clone(), self.id_number.clone(), dangjian_domain::id_number::mask(&self.id_number)]
    }
}

struct World {
    fx: Fixture,
    fixture_orgs: Vec<i64>,
    parent: HashMap<i64, i64>,
    kind: HashMap<i64, String>,
    name: HashMap<i64, String>,
    label: HashMap<i64, String>,
    people: Vec<PersonRec>,
    /// Person inputs (`PersonInput` JSON) for update bodies.
    inputs: HashMap<i64, Value>,
    foreign: HashMap<Who, Vec<String>>,
    /// Frameworks, lists and tasks: those admin2 made, and those a case may make
    /// (id 0), whose names must then stay out of sight of whoever may not see them.
    frameworks: Vec<FwRec>,
    lists: Vec<ListRec>,
    tasks: Vec<TaskRec>,
    /// What refused writes aimed at, checked after the run.
    untouched: Vec<Untouched>,
}

impl World {
    fn exists(&self, org: i64) -> bool {
        self.kind.contains_key(&org)
    }

    fn in_subtree(&self, org: i64, top: i64) -> bool {
        let mut cur = Some(org);
        while let Some(c) = cur {
            if c == top {
                return self.exists(org);
            }
            cur = self.parent.get(&c).copied();
        }
        false
    }

    fn name(&self, org: i64) -> String {
        self.name.get(&org).cloned().unwrap_or_default()
    }

    fn label(&self, org: i64) -> String {
        self.label.get(&org).cloned().unwrap_or_else(|| format!("#{org}"))
    }

    fn termable(&self, org: i64) -> bool {
        matches!(self.kind.get(&org).map(String::as_str), Some("committee" | "general_branch" | "branch"))
    }

    /// A branch in the org's subtree (for an import row), if there is one.
    fn branch_under(&self, org: i64) -> Option<i64> {
        let is_branch = |o: i64| self.kind.get(&o).map(String::as_str) == Some("branch");
        if is_branch(org) {
            return Some(org);
        }
        self.fixture_orgs.iter().copied().find(|&o| is_branch(o) && self.in_subtree(o, org))
    }

    fn registers(&self, org: i64) -> bool {
        matches!(self.kind.get(&org).map(String::as_str), Some("branch" | "cell"))
    }

    /// The org a role's relations are judged from (member_a: their branch).
    fn home(&self, who: Who) -> i64 {
        match who {
            Who::Admin => self.fx.root,
            Who::Staff => self.fx.ent_a,
            Who::Anon | Who::Member | Who::Sec => self.fx.br_a,
        }
    }

    /// Read (and, for these roles, write people and org details): the grant's subtree.
    fn reads(&self, who: Who, org: i64) -> bool {
        match who {
            Who::Admin => self.exists(org),
            Who::Staff => self.in_subtree(org, self.fx.ent_a),
            Who::Sec => self.in_subtree(org, self.fx.br_a),
            Who::Member | Who::Anon => false,
        }
    }

    fn writes(&self, who: Who, org: i64) -> bool {
        matches!(who, Who::Admin | Who::Staff | Who::Sec) && self.reads(who, org)
    }

    /// Structure rights over `org` as a parent or merge target: the grant's
    /// subtree, the granted org included (a new org under it lies strictly below).
    fn structure_on(&self, who: Who, org: i64) -> bool {
        match who {
            Who::Admin => self.exists(org),
            Who::Staff => self.in_subtree(org, self.fx.ent_a),
            _ => false,
        }
    }

    /// Rename, move, dissolve or merge `org` itself: strictly below the grant.
    fn restructures(&self, who: Who, org: i64) -> bool {
        self.structure_on(who, org) && !(who == Who::Staff && org == self.fx.ent_a)
    }

    fn person(&self, id: i64) -> Option<&PersonRec> {
        self.people.iter().find(|p| p.id == id)
    }

    fn reads_person(&self, who: Who, id: i64) -> bool {
        let Some(p) = self.person(id) else { return false };
        match who {
            Who::Member => id == self.fx.person_a,
            _ => self.reads(who, p.org),
        }
    }

    fn relation(&self, who: Who, org: i64) -> String {
        if !self.exists(org) {
            return "nonexistent".into();
        }
        let label = self.label(org);
        if who == Who::Anon {
            return label;
        }
        let home = self.home(who);
        let rel = if org == home {
            "own"
        } else if self.in_subtree(org, home) {
            "descendant"
        } else if self.in_subtree(home, org) {
            "ancestor"
        } else {
            "sibling"
        };
        format!("{label}: {rel}")
    }

    fn person_relation(&self, who: Who, id: i64) -> String {
        match self.person(id) {
            None => "nonexistent person".into(),
            Some(p) if who == Who::Member && id == self.fx.person_a => format!("{}: own record", p.label),
            Some(p) => format!("{} in {}", p.label, self.relation(who, p.org)),
        }
    }

    /// People registered in the org's subtree (a person in a cell is registered in its branch).
    fn people_in(&self, org: i64) -> Vec<&PersonRec> {
        self.people.iter().filter(|p| self.in_subtree(p.org, org)).collect()
    }

    /// People with no tie to the org's subtree: neither their branch nor their cell lies in it.
    fn people_outside(&self, org: i64) -> Vec<&PersonRec> {
        let tied = |p: &PersonRec| self.in_subtree(p.org, org) || p.cell.is_some_and(|c| self.in_subtree(c, org));
        self.people.iter().filter(|p| !tied(p)).collect()
    }

    /// The org's name and the identities of the people tied to its subtree.
    fn org_data(&self, org: i64) -> Vec<String> {
        let mut out = vec![self.name(org)];
        let outside: Vec<i64> = self.people_outside(org).iter().map(|p| p.id).collect();
        out.extend(self.people.iter().filter(|p| !outside.contains(&p.id)).flat_map(PersonRec::identity));
        out.retain(|s| !s.is_empty());
        out
    }

    fn fixture_names_where(&self, keep: impl Fn(i64) -> bool) -> Vec<String> {
        self.fixture_orgs.iter().copied().filter(|o| keep(*o)).map(|o| self.name(o)).collect()
    }

    /// Fixture names and ID numbers outside `who`'s scope: never in any answer to `who`.
    fn compute_foreign(&self, who: Who) -> Vec<String> {
        let mut out = self.fixture_names_where(|o| {
            let seen = self.reads(who, o) || (who == Who::Member && o == self.fx.br_a);
            !seen
        });
        for p in &self.people {
            if !self.reads_person(who, p.id) {
                out.extend(p.identity());
            }
        }
        for f in &self.frameworks {
            if !self.reads_fw(who, f.org) {
                out.push(f.name.clone());
                out.extend(f.data.iter().cloned());
            }
        }
        for l in &self.lists {
            if !self.sees_list(who, l) {
                out.push(l.name.clone());
            }
        }
        for t in &self.tasks {
            if !self.sees_task(who, t) {
                out.push(t.title.clone());
                out.extend(t.data.iter().cloned());
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    // ---- work systems and task lists ----------------------------------

    /// A framework applies to its org's subtree: readable by whoever reads
    /// its org or holds a (non-member) grant at or below it.
    fn reads_fw(&self, who: Who, org: i64) -> bool {
        self.reads(who, org)
            || (matches!(who, Who::Sec | Who::Staff | Who::Admin)
                && self.exists(org)
                && self.in_subtree(self.home(who), org))
    }

    fn br_a2(&self) -> i64 {
        self.label.iter().find(|(_, l)| l.as_str() == "br_a2").map(|(id, _)| *id).unwrap()
    }

    fn list(&self, id: i64) -> Option<&ListRec> {
        self.lists.iter().find(|l| l.id == id && id != 0)
    }

    fn task(&self, id: i64) -> Option<&TaskRec> {
        self.tasks.iter().find(|t| t.id == id && id != 0)
    }

    /// A task is seen by whoever reads its responsible org, its list's org or a cooperating org.
    fn sees_task(&self, who: Who, t: &TaskRec) -> bool {
        self.reads(who, t.org)
            || self.list(t.list).is_some_and(|l| self.reads(who, l.org))
            || t.coop.iter().any(|&c| self.reads(who, c))
    }

    fn sees_task_id(&self, who: Who, id: i64) -> bool {
        self.task(id).is_some_and(|t| self.sees_task(who, t))
    }

    /// A list is seen by whoever reads its org or sees one of its tasks.
    fn sees_list(&self, who: Who, l: &ListRec) -> bool {
        self.reads(who, l.org) || (l.id != 0 && self.tasks.iter().any(|t| t.list == l.id && self.sees_task(who, t)))
    }

    fn sees_list_id(&self, who: Who, id: i64) -> bool {
        self.list(id).is_some_and(|l| self.sees_list(who, l))
    }

    /// The default close-out step: committee_staff at the task org's parent
    /// (root's own tasks: at root), or an admin.
    fn approves(&self, who: Who, org: i64) -> bool {
        match who {
            Who::Admin => self.exists(org),
            Who::Staff => self.parent.get(&org).is_some_and(|&p| self.in_subtree(p, self.fx.ent_a)),
            _ => false,
        }
    }

    /// Supervision notices: a grant strictly above the task's org that may write, or an admin.
    fn supervises(&self, who: Who, org: i64) -> bool {
        match who {
            Who::Admin => self.exists(org),
            Who::Sec | Who::Staff => self.reads(who, org) && org != self.home(who),
            _ => false,
        }
    }

    fn names(&self, orgs: impl IntoIterator<Item = i64>) -> Vec<String> {
        orgs.into_iter().map(|o| self.name(o)).filter(|n| !n.is_empty()).collect()
    }

    fn fw_data(&self, id: i64) -> Vec<String> {
        self.frameworks
            .iter()
            .filter(|f| f.id == id && id != 0)
            .flat_map(|f| std::iter::once(f.name.clone()).chain(f.data.iter().cloned()))
            .collect()
    }

    fn fw_name(&self, id: i64) -> String {
        self.frameworks.iter().find(|f| f.id == id && id != 0).map(|f| f.name.clone()).unwrap_or_default()
    }

    fn task_data(&self, id: i64) -> Vec<String> {
        self.task(id)
            .map(|t| std::iter::once(t.title.clone()).chain(t.data.iter().cloned()).collect())
            .unwrap_or_default()
    }

    fn title(&self, id: i64) -> String {
        self.task(id).map(|t| t.title.clone()).unwrap_or_default()
    }

    /// The orgs a task's page names: its own, its list's, its cooperating orgs and the notices' issuers.
    fn shown_names(&self, id: i64) -> Vec<String> {
        self.task(id).map(|t| self.names(t.shown.iter().copied())).unwrap_or_default()
    }

    /// A list's name and its tasks' data.
    fn list_data(&self, id: i64) -> Vec<String> {
        let Some(l) = self.list(id) else { return vec![] };
        let mut out = vec![l.name.clone()];
        for t in self.tasks.iter().filter(|t| t.list == id) {
            out.push(t.title.clone());
            out.extend(t.data.iter().cloned());
        }
        out
    }

    fn task_relation(&self, who: Who, id: i64) -> String {
        let Some(t) = self.task(id) else { return "nonexistent task".into() };
        let mut s = format!("task of {}", self.relation(who, t.org));
        if let Some(l) = self.list(t.list).filter(|l| l.org != t.org) {
            s.push_str(&format!(" in {}'s list", self.label(l.org)));
        }
        if !t.coop.is_empty() {
            let coop: Vec<String> = t.coop.iter().map(|&c| self.label(c)).collect();
            s.push_str(&format!(", cooperating {}", coop.join("/")));
        }
        s
    }

    fn list_relation(&self, who: Who, id: i64) -> String {
        match self.list(id) {
            None => "nonexistent list".into(),
            Some(l) => format!("list of {}", self.relation(who, l.org)),
        }
    }
}

struct FwRec {
    id: i64,
    org: i64,
    name: String,
    /// Element and mechanism names.
    data: Vec<String>,
}

struct ListRec {
    id: i64,
    org: i64,
    name: String,
}

struct TaskRec {
    id: i64,
    list: i64,
    org: i64,
    coop: Vec<i64>,
    title: String,
    /// Evidence contents and names, notice notes and responses.
    data: Vec<String>,
    /// Orgs whose names the task's page may show (see [`World::shown_names`]).
    shown: Vec<i64>,
}

/// What must still hold (read as admin2) after the run.
enum Still {
    Eq(&'static str, Value),
    Len(&'static str, usize),
    Lacks(String),
    Count(String, usize),
}

struct Untouched {
    what: String,
    path: String,
    still: Still,
}

impl World {
    fn untouched(&mut self, what: String, path: String, still: Still) {
        self.untouched.push(Untouched { what, path, still });
    }
}

// ---------------------------------------------------------------------------
// Setup: clients, the world, throwaways
// ---------------------------------------------------------------------------

struct Clients {
    anon: Client,
    admin: Client,
    logged: HashMap<Who, (Client, String)>,
}

impl Clients {
    fn client(&self, who: Who) -> &Client {
        self.logged.get(&who).map(|(c, _)| c).unwrap_or(&self.anon)
    }

    fn csrf(&self, who: Who) -> Option<&str> {
        self.logged.get(&who).map(|(_, t)| t.as_str())
    }
}

struct Ids {
    uid: HashMap<Who, i64>,
    me: HashMap<Who, Value>,
    admin_grant: i64,
    sec_grant: i64,
    tw_user: i64,
    tw_grant_kept: i64,
    tw_grant_revoked: i64,
}

struct Ctx<'a> {
    app: &'a TestApp,
    admin: Client,
    /// admin2's X-CSRF-Token (evidence uploads).
    csrf: String,
    w: World,
    n: u32,
}

impl Ctx<'_> {
    fn next(&mut self) -> u32 {
        self.n += 1;
        self.n
    }

    async fn admin_send(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        let mut rb = self.admin.request(method.clone(), self.app.url(path));
        if let Some(b) = &body {
            rb = rb.json(b);
        }
        let r = rb.send().await.unwrap();
        let status = r.status();
        let text = r.text().await.unwrap();
        assert!(status.is_success(), "setup {method} {path} as admin2: {status} {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    async fn get(&self, path: &str) -> Value {
        self.admin_send(Method::GET, path, None).await
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        self.admin_send(Method::POST, path, Some(body)).await
    }

    /// A fresh empty work team under `parent` (any org kind but a work team may hold one).
    async fn throwaway(&mut self, parent: i64) -> i64 {
        let n = self.next();
        let name = format!("矩阵临时组织{n}");
        let org = self
            .post(
                &v1("/orgs"),
                json!({"parent_id": parent, "kind": "work_team", "name": name, "established_on": "2020-01-01",
                       "doc_no": format!("矩阵〔2020〕{n}号")}),
            )
            .await;
        let id = org["id"].as_i64().unwrap();
        let label = format!("tw{n}@{}", self.w.label(parent));
        self.w.parent.insert(id, parent);
        self.w.kind.insert(id, "work_team".into());
        self.w.name.insert(id, name);
        self.w.label.insert(id, label);
        id
    }

    fn fresh_id_number(&mut self) -> String {
        let n = self.next();
        let birth = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap() + chrono::Duration::days(i64::from(n));
        dangjian_domain::id_number::synthesize(110105, birth, n % 1000).as_str().to_string()
    }

    fn fresh_name(&mut self, prefix: &str) -> String {
        let n = self.next();
        format!("{prefix}{n}")
    }

    fn fresh_person(&mut self, org: i64) -> Value {
        let id = self.fresh_id_number();
        let name = self.fresh_name("矩阵人员");
        json!({"org_id": org, "name": name, "id_number": id, "status": "none"})
    }

    /// A person created by admin2 whose input is known (for update cases).
    async fn throwaway_person(&mut self, org: i64) -> i64 {
        let input = self.fresh_person(org);
        let p = self.post(&v1("/people"), input.clone()).await;
        let id = p["id"].as_i64().unwrap();
        self.w.inputs.insert(id, input);
        id
    }

    async fn reveal(&self, person: i64, field: &str) -> String {
        let r = self.post(&v1(format!("/people/{person}/reveal")), json!({"field": field})).await;
        r["value"].as_str().unwrap_or_default().to_string()
    }

    /// A fixture person as the API shows it, with the full numbers.
    async fn known_person(&mut self, id: i64, label: &'static str) -> PersonRec {
        let p = self.get(&v1(format!("/people/{id}"))).await;
        let id_number = self.reveal(id, "id_number").await;
        let phone = self.reveal(id, "phone").await;
        let mut input = json!({});
        for k in [
            "org_id",
            "cell_id",
            "name",
            "gender",
            "status",
            "applied_on",
            "activist_on",
            "candidate_on",
            "probationary_on",
            "full_on",
            "work_unit",
            "position",
            "talent_pool",
            "workers_representative",
        ] {
            input[k] = p[k].clone();
        }
        input["id_number"] = json!(id_number);
        input["phone"] = json!(phone);
        self.w.inputs.insert(id, input);
        PersonRec {
            id,
            label,
            org: p["org_id"].as_i64().unwrap(),
            cell: p["cell_id"].as_i64(),
            name: p["name"].as_str().unwrap().to_string(),
            id_number,
            phone,
        }
    }

    async fn new_person(&mut self, label: &'static str, input: Value) -> PersonRec {
        let p = self.post(&v1("/people"), input.clone()).await;
        let id = p["id"].as_i64().unwrap();
        self.w.inputs.insert(id, input.clone());
        PersonRec {
            id,
            label,
            org: p["org_id"].as_i64().unwrap(),
            cell: p["cell_id"].as_i64(),
            name: input["name"].as_str().unwrap().to_string(),
            id_number: input["id_number"].as_str().unwrap().to_string(),
            phone: input["phone"].as_str().unwrap_or_default().to_string(),
        }
    }
}

async fn login_all(app: &TestApp) -> Clients {
    let mut logged = HashMap::new();
    for who in [Who::Member, Who::Sec, Who::Staff, Who::Admin] {
        logged.insert(who, app.login(who.username().unwrap()).await);
    }
    Clients { anon: app.anon(), admin: logged[&Who::Admin].0.clone(), logged }
}

async fn setup(app: &TestApp, cl: &Clients) -> (World, Ids) {
    let fx = app.fx;
    let mut ctx = Ctx {
        app,
        admin: cl.admin.clone(),
        w: World {
            fx,
            fixture_orgs: vec![fx.root, fx.ent_a, fx.gb_a, fx.br_a, fx.cell_a, fx.ent_b, fx.br_b],
            parent: HashMap::new(),
            kind: HashMap::new(),
            name: HashMap::new(),
            label: HashMap::new(),
            people: vec![],
            inputs: HashMap::new(),
            foreign: HashMap::new(),
            frameworks: vec![],
            lists: vec![],
            tasks: vec![],
            untouched: vec![],
        },
        csrf: cl.csrf(Who::Admin).unwrap().to_string(),
        n: 0,
    };
    let labels = [("root", fx.root), ("ent_a", fx.ent_a), ("gb_a", fx.gb_a), ("br_a", fx.br_a), ("cell_a", fx.cell_a)]
        .into_iter()
        .chain([("ent_b", fx.ent_b), ("br_b", fx.br_b)]);
    for (label, id) in labels {
        let o = ctx.get(&v1(format!("/orgs/{id}"))).await;
        if let Some(p) = o["parent_id"].as_i64() {
            ctx.w.parent.insert(id, p);
        }
        ctx.w.kind.insert(id, o["kind"].as_str().unwrap().to_string());
        ctx.w.name.insert(id, o["name"].as_str().unwrap().to_string());
        ctx.w.label.insert(id, label.to_string());
    }
    // A second branch of gb_a: sec_a's sibling in the narrow sense.
    let br_a2 = ctx
        .post(
            &v1("/orgs"),
            json!({"parent_id": fx.gb_a, "kind": "branch", "name": "熔铸二车间党支部", "established_on": "2005-01-01"}),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    ctx.w.parent.insert(br_a2, fx.gb_a);
    ctx.w.kind.insert(br_a2, "branch".into());
    ctx.w.name.insert(br_a2, "熔铸二车间党支部".into());
    ctx.w.label.insert(br_a2, "br_a2".into());
    ctx.w.fixture_orgs.insert(5, br_a2);

    let person_a = ctx.known_person(fx.person_a, "person_a").await;
    let person_b = ctx.known_person(fx.person_b, "person_b").await;
    let birth = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let a2 = json!({"org_id": fx.br_a, "name": "王丙", "status": "none", "phone": "13900002222",
        "id_number": dangjian_domain::id_number::synthesize(440524, birth("1985-03-04"), 123).as_str()});
    let c = json!({"org_id": fx.br_a, "cell_id": fx.cell_a, "name": "赵丁", "status": "none", "phone": "13700003333",
        "id_number": dangjian_domain::id_number::synthesize(320102, birth("1988-05-06"), 456).as_str()});
    let person_a2 = ctx.new_person("person_a2", a2).await;
    let person_c = ctx.new_person("person_c", c).await;
    let s = json!({"org_id": br_a2, "name": "孙戊", "status": "none", "phone": "13600004444",
        "id_number": dangjian_domain::id_number::synthesize(510104, birth("1990-07-08"), 789).as_str()});
    let person_s = ctx.new_person("person_s", s).await;
    ctx.w.people = vec![person_a, person_a2, person_c, person_s, person_b];

    // A current term everywhere terms exist, all overdue: every one shows in the alerts.
    for o in ctx.w.fixture_orgs.clone() {
        if ctx.w.termable(o) {
            ctx.post(&v1(format!("/orgs/{o}/terms")), json!({"started_on": TERM_START, "doc_no": "矩阵〔2015〕1号"}))
                .await;
        }
    }

    let mut uid = HashMap::new();
    let mut me = HashMap::new();
    for who in [Who::Member, Who::Sec, Who::Staff, Who::Admin] {
        let m: Value = cl.client(who).get(app.url(&v1("/me"))).send().await.unwrap().json().await.unwrap();
        uid.insert(who, m["user_id"].as_i64().unwrap());
        me.insert(who, m);
    }
    let tw = ctx
        .post(
            &v1("/users"),
            json!({"username": "tw_user", "password": PASSWORD_NEW, "role": "member", "org_id": fx.br_a}),
        )
        .await;
    let tw_user = tw["id"].as_i64().unwrap();
    let g2 = ctx.post(&v1(format!("/users/{tw_user}/grants")), json!({"role": "member", "org_id": fx.gb_a})).await;
    let users = ctx.get(&v1("/users")).await;
    let first_grant = |username: &str| -> i64 {
        let u = users.as_array().unwrap().iter().find(|u| u["username"] == username).unwrap();
        u["grants"][0]["id"].as_i64().unwrap()
    };
    let ids = Ids {
        admin_grant: first_grant("admin2"),
        sec_grant: first_grant("sec_a"),
        tw_grant_kept: first_grant("tw_user"),
        tw_grant_revoked: g2["id"].as_i64().unwrap(),
        tw_user,
        uid,
        me,
    };
    let cases_world = ctx.w;
    (cases_world, ids)
}

// ---------------------------------------------------------------------------
// The table
// ---------------------------------------------------------------------------

const ORG_READS: [(&str, &str); 9] = [
    ("GET /api/v1/orgs/{id}", ""),
    ("GET /api/v1/orgs/{id}/children", "/children"),
    ("GET /api/v1/orgs/{id}/members", "/members"),
    ("GET /api/v1/orgs/{id}/events", "/events"),
    ("GET /api/v1/orgs/{id}/tree", "/tree"),
    ("GET /api/v1/orgs/{id}/terms", "/terms"),
    ("GET /api/v1/orgs/{id}/office-holders", "/office-holders"),
    ("GET /api/v1/orgs/{id}/partnerships", "/partnerships"),
    ("GET /api/v1/orgs/{id}/export.xlsx", "/export.xlsx"),
];

async fn build(ctx: &mut Ctx<'_>, ids: &Ids) -> Vec<Case> {
    let mut cases = Vec::new();
    session_cases(ctx, &mut cases);
    org_read_cases(ctx, &mut cases);
    structure_cases(ctx, &mut cases).await;
    detail_cases(ctx, &mut cases).await;
    people_cases(ctx, &mut cases).await;
    user_cases(ctx, ids, &mut cases);
    audit_and_alert_cases(ctx, &mut cases);
    let wf = work_setup(ctx).await;
    framework_cases(ctx, &wf, &mut cases).await;
    list_cases(ctx, &wf, &mut cases).await;
    task_cases(ctx, &wf, &mut cases).await;
    figure_cases(ctx, &wf, &mut cases);
    activity_cases(ctx, &mut cases).await;
    // recordings
    recording_cases(ctx, &mut cases).await;
    cases
}

fn session_cases(ctx: &mut Ctx<'_>, cases: &mut Vec<Case>) {
    let w = &ctx.w;
    for who in EVERYONE {
        let e = if who == Who::Anon { Expect::Unauth } else { Expect::Allow };
        let me = Case::new("GET /api/v1/me", Method::GET, v1("/me"), who, "-".into(), e);
        cases.push(me.contains(who.username().map(|u| format!("\"{u}\""))));
        cases.push(Case::new(
            "GET /api/v1/import/template.xlsx",
            Method::GET,
            v1("/import/template.xlsx"),
            who,
            "-".into(),
            e,
        ));
        // The roots the caller sees: its granted org, nothing for a member.
        let mut roots = Case::new("GET /api/v1/orgs", Method::GET, v1("/orgs"), who, "-".into(), e);
        roots = match who {
            Who::Anon => roots,
            Who::Member => roots.equals(json!([])),
            _ => roots.contains([w.name(w.home(who))]),
        };
        cases.push(roots);
    }
    let anon =
        |endpoint, method, path: &str, e| Case::new(endpoint, method, path.to_string(), Who::Anon, "-".into(), e);
    cases.push(anon("GET /healthz", Method::GET, "/healthz", Expect::Allow));
    cases.push(anon("GET /api/openapi.json", Method::GET, "/api/openapi.json", Expect::Allow));
    cases.push(
        anon("POST /api/v1/login", Method::POST, &v1("/login"), Expect::Allow)
            .json(json!({"username": "member_a", "password": common::PASSWORD}))
            .contains(["csrf_token".to_string()]),
    );
    cases.push(
        anon("POST /api/v1/login", Method::POST, &v1("/login"), Expect::Status(401))
            .json(json!({"username": "nobody", "password": common::PASSWORD})),
    );
    // Logging out without a session is a harmless no-op.
    cases.push(anon("POST /api/v1/logout", Method::POST, &v1("/logout"), Expect::Status(204)));
}

fn org_read_cases(ctx: &mut Ctx<'_>, cases: &mut Vec<Case>) {
    let w = &ctx.w;
    let fx = w.fx;
    let today = chrono::Utc::now().date_naive().format("%Y-%m-%d").to_string();
    let targets: Vec<i64> = w.fixture_orgs.iter().copied().chain([MISSING]).collect();
    for who in EVERYONE {
        for &t in &targets {
            let visible = w.reads(who, t);
            let e = expect_for(who, visible, visible, true);
            for (endpoint, suffix) in ORG_READS {
                let query = if suffix == "/tree" { format!("?as_of={today}") } else { String::new() };
                let path = v1(format!("/orgs/{t}{suffix}{query}"));
                let mut c = Case::new(endpoint, Method::GET, path, who, w.relation(who, t), e).target(w.org_data(t));
                if e == Expect::Allow {
                    let people_in = w.people_in(t).into_iter().map(|p| p.name.clone());
                    let people_out = w.people_outside(t).into_iter().flat_map(PersonRec::identity);
                    c = match suffix {
                        "" | "/terms" | "/office-holders" | "/partnerships" => {
                            let c = c.secrets(w.fixture_names_where(|o| o != t));
                            if suffix.is_empty() {
                                c.contains([w.name(t)])
                            } else {
                                c
                            }
                        }
                        "/children" => c
                            .contains(w.fixture_names_where(|o| w.parent.get(&o) == Some(&t)))
                            .secrets(w.fixture_names_where(|o| w.parent.get(&o) != Some(&t))),
                        "/events" => c
                            .contains([w.name(t)])
                            .secrets(w.fixture_names_where(|o| o != t && w.parent.get(&o) != Some(&t))),
                        "/tree" => c
                            .contains(w.fixture_names_where(|o| w.in_subtree(o, t)))
                            .secrets(w.fixture_names_where(|o| !w.in_subtree(o, t))),
                        _ => c.contains(people_in).secrets(people_out),
                    };
                }
                cases.push(c);
            }
        }
    }
    // A full ID number or a name finds nobody outside the roster's subtree.
    let b = w.person(fx.person_b).unwrap();
    cases.push(
        Case::new(
            "GET /api/v1/orgs/{id}/members",
            Method::GET,
            v1(format!("/orgs/{}/members?q={}", fx.ent_a, b.id_number)),
            Who::Staff,
            "ent_a: own, searching person_b's ID number".into(),
            Expect::Allow,
        )
        .equals(json!([])),
    );
    cases.push(
        Case::new(
            "GET /api/v1/orgs/{id}/members",
            Method::GET,
            v1(format!("/orgs/{}/members?q={}", fx.br_a, b.name)),
            Who::Sec,
            "br_a: own, searching person_b's name".into(),
            Expect::Allow,
        )
        .equals(json!([])),
    );
}

async fn structure_cases(ctx: &mut Ctx<'_>, cases: &mut Vec<Case>) {
    let fx = ctx.w.fx;
    let fixture = ctx.w.fixture_orgs.clone();
    let targets: Vec<i64> = fixture.iter().copied().chain([MISSING]).collect();
    let on = "2020-06-01";

    // Establish under every org.
    for who in EVERYONE {
        for &t in &targets {
            let name = ctx.fresh_name("矩阵新建组织");
            let w = &ctx.w;
            let e = expect_for(who, w.structure_on(who, t), w.reads(who, t), true);
            let body = json!({"parent_id": t, "kind": "work_team", "name": name, "established_on": "2020-01-01"});
            cases.push(
                Case::new("POST /api/v1/orgs", Method::POST, v1("/orgs"), who, w.relation(who, t), e)
                    .json(body)
                    .target(w.org_data(t)),
            );
        }
    }

    // The fixture orgs themselves, with bodies that change nothing even when allowed:
    // the same name, the current parent, dissolving an org that is not empty
    // (cell_a is empty, so it is left to the throwaways), merging into itself.
    for who in EVERYONE {
        for &t in &targets {
            let w = &ctx.w;
            let rel = w.relation(who, t);
            let visible = w.reads(who, t);
            let may = w.restructures(who, t);
            let name = if w.exists(t) { w.name(t) } else { "矩阵不存在".to_string() };
            let path = |op: &str| v1(format!("/orgs/{t}/{op}"));
            let e = expect_for(who, may, visible, true);
            cases.push(
                Case::new("POST /api/v1/orgs/{id}/rename", Method::POST, path("rename"), who, rel.clone(), e)
                    .json(json!({"name": name, "effective_on": on}))
                    .target(w.org_data(t)),
            );
            // root has no parent: moving it under ent_a must fail as moving into itself.
            let dest = w.parent.get(&t).copied().unwrap_or(if t == fx.root { fx.ent_a } else { fx.br_a });
            let e = expect_for(who, may && w.structure_on(who, dest), visible, t != fx.root);
            cases.push(
                Case::new("POST /api/v1/orgs/{id}/move", Method::POST, path("move"), who, rel.clone(), e)
                    .json(json!({"parent_id": dest, "effective_on": on}))
                    .target(w.org_data(t)),
            );
            if t != fx.cell_a {
                let e = expect_for(who, may, visible, false);
                cases.push(
                    Case::new("POST /api/v1/orgs/{id}/dissolve", Method::POST, path("dissolve"), who, rel.clone(), e)
                        .json(json!({"effective_on": on}))
                        .target(w.org_data(t)),
                );
            }
            let e = expect_for(who, may, visible, false);
            cases.push(
                Case::new("POST /api/v1/orgs/{id}/merge", Method::POST, path("merge"), who, rel.clone(), e)
                    .json(json!({"effective_on": on, "merged_into_id": t}))
                    .target(w.org_data(t)),
            );
        }
    }

    // Throwaway work teams under every fixture org: one per case, so a
    // permitted rename, move, dissolution or merge changes nothing else.
    for who in EVERYONE {
        for &f in &fixture {
            let home = ctx.w.home(who);
            let t_rename = ctx.throwaway(f).await;
            let t_move = ctx.throwaway(f).await;
            let t_dissolve = ctx.throwaway(f).await;
            let t_merge = ctx.throwaway(f).await;
            let t_into = ctx.throwaway(home).await;
            let new_name = ctx.fresh_name("矩阵改名组织");
            let w = &ctx.w;
            let case = |endpoint, op: &str, t: i64, allowed: bool, body: Value| {
                let e = expect_for(who, allowed, w.reads(who, t), true);
                Case::new(endpoint, Method::POST, v1(format!("/orgs/{t}/{op}")), who, w.relation(who, t), e)
                    .json(body)
                    .target([w.name(t)])
            };
            cases.push(case(
                "POST /api/v1/orgs/{id}/rename",
                "rename",
                t_rename,
                w.restructures(who, t_rename),
                json!({"name": new_name, "effective_on": on}),
            ));
            cases.push(case(
                "POST /api/v1/orgs/{id}/move",
                "move",
                t_move,
                w.restructures(who, t_move) && w.structure_on(who, home),
                json!({"parent_id": home, "effective_on": on}),
            ));
            cases.push(case(
                "POST /api/v1/orgs/{id}/dissolve",
                "dissolve",
                t_dissolve,
                w.restructures(who, t_dissolve),
                json!({"effective_on": on}),
            ));
            cases.push(case(
                "POST /api/v1/orgs/{id}/merge",
                "merge",
                t_merge,
                w.restructures(who, t_merge) && w.structure_on(who, t_into),
                json!({"effective_on": on, "merged_into_id": t_into}),
            ));
        }
    }

    // Committee staff may not carry an org out of its subtree, or bring one in.
    let inside = [ctx.throwaway(fx.gb_a).await, ctx.throwaway(fx.gb_a).await, ctx.throwaway(fx.gb_a).await];
    let merge_inside = ctx.throwaway(fx.gb_a).await;
    let into_outside = ctx.throwaway(fx.ent_b).await;
    let outside = ctx.throwaway(fx.ent_b).await;
    let merge_outside = ctx.throwaway(fx.ent_b).await;
    let into_inside = ctx.throwaway(fx.ent_a).await;
    let w = &ctx.w;
    let staff = |endpoint, op: &str, t: i64, body: Value, about: String, secrets: Vec<String>| {
        Case::new(endpoint, Method::POST, v1(format!("/orgs/{t}/{op}")), Who::Staff, about, Expect::Hidden)
            .json(body)
            .secrets(secrets)
    };
    for (t, dest) in inside.into_iter().zip([fx.ent_b, fx.root, fx.br_b]) {
        cases.push(staff(
            "POST /api/v1/orgs/{id}/move",
            "move",
            t,
            json!({"parent_id": dest, "effective_on": on}),
            format!("{} → {}", w.relation(Who::Staff, t), w.relation(Who::Staff, dest)),
            vec![w.name(dest)],
        ));
    }
    cases.push(staff(
        "POST /api/v1/orgs/{id}/merge",
        "merge",
        merge_inside,
        json!({"merged_into_id": into_outside, "effective_on": on}),
        format!("{} → {}", w.relation(Who::Staff, merge_inside), w.relation(Who::Staff, into_outside)),
        vec![w.name(into_outside)],
    ));
    cases.push(staff(
        "POST /api/v1/orgs/{id}/move",
        "move",
        outside,
        json!({"parent_id": fx.ent_a, "effective_on": on}),
        format!("{} → ent_a", w.relation(Who::Staff, outside)),
        vec![w.name(outside)],
    ));
    cases.push(staff(
        "POST /api/v1/orgs/{id}/merge",
        "merge",
        merge_outside,
        json!({"merged_into_id": into_inside, "effective_on": on}),
        format!("{} → {}", w.relation(Who::Staff, merge_outside), w.relation(Who::Staff, into_inside)),
        vec![w.name(merge_outside)],
    ));
}

async fn detail_cases(ctx: &mut Ctx<'_>, cases: &mut Vec<Case>) {
    let fx = ctx.w.fx;
    let targets: Vec<i64> = ctx.w.fixture_orgs.iter().copied().chain([MISSING]).collect();
    for who in EVERYONE {
        for &t in &targets {
            let doc_no = ctx.fresh_name("矩阵换届文号");
            let partner = ctx.fresh_name("矩阵结对单位");
            let row_name = ctx.fresh_name("矩阵导入人员");
            let row_id = ctx.fresh_id_number();
            let w = &ctx.w;
            let (allowed, visible, rel) = (w.writes(who, t), w.reads(who, t), w.relation(who, t));
            let path = |op: &str| v1(format!("/orgs/{t}/{op}"));
            let e = expect_for(who, allowed, visible, w.termable(t));
            cases.push(
                Case::new("POST /api/v1/orgs/{id}/terms", Method::POST, path("terms"), who, rel.clone(), e)
                    .json(json!({"started_on": TERM_START, "doc_no": doc_no}))
                    .target(w.org_data(t)),
            );
            let e = expect_for(who, allowed, visible, true);
            cases.push(
                Case::new(
                    "POST /api/v1/orgs/{id}/office-holders",
                    Method::POST,
                    path("office-holders"),
                    who,
                    rel.clone(),
                    e,
                )
                .json(json!({"person_id": fx.person_a, "position": "committee_member", "started_on": "2020-01-01"}))
                .target(w.org_data(t)),
            );
            cases.push(
                Case::new(
                    "POST /api/v1/orgs/{id}/partnerships",
                    Method::POST,
                    path("partnerships"),
                    who,
                    rel.clone(),
                    e,
                )
                .json(json!({"partner_name": partner, "partner_kind": "enterprise", "started_on": "2020-01-01"}))
                .target(w.org_data(t)),
            );
            // The row names a branch inside the target's subtree (none exists under cell_a).
            let branch = w.name(w.branch_under(t).unwrap_or(fx.br_a));
            let book = workbook(&[vec![
                ("姓名", row_name.as_str()),
                ("身份证号码", &row_id),
                ("政治面貌", "职工"),
                ("所在党支部", &branch),
            ]]);
            let e = expect_for(who, allowed, visible, w.branch_under(t).is_some());
            cases.push(
                Case::new("POST /api/v1/orgs/{id}/import", Method::POST, path("import"), who, rel.clone(), e)
                    .body(Body::Xlsx(book, Csrf::Own))
                    .target(w.org_data(t)),
            );
        }
    }

    // The roster upload needs the session's X-CSRF-Token, whoever asks.
    for (who, t, csrf) in [
        (Who::Admin, fx.br_a, Csrf::Omit),
        (Who::Admin, fx.br_a, Csrf::Wrong),
        (Who::Staff, fx.ent_a, Csrf::Omit),
        (Who::Sec, fx.br_a, Csrf::Omit),
        (Who::Sec, fx.br_b, Csrf::Omit),
        (Who::Member, fx.br_a, Csrf::Omit),
    ] {
        let row_id = ctx.fresh_id_number();
        let w = &ctx.w;
        let branch = if t == fx.br_b { w.name(fx.br_b) } else { w.name(fx.br_a) };
        let book = workbook(&[vec![
            ("姓名", "矩阵令牌测试"),
            ("身份证号码", &row_id),
            ("政治面貌", "职工"),
            ("所在党支部", &branch),
        ]]);
        let rel = format!("{}, X-CSRF-Token {csrf:?}", w.relation(who, t));
        cases.push(
            Case::new(
                "POST /api/v1/orgs/{id}/import",
                Method::POST,
                v1(format!("/orgs/{t}/import")),
                who,
                rel,
                Expect::Status(403),
            )
            .body(Body::Xlsx(book, csrf))
            .secrets(w.org_data(t)),
        );
    }

    // Office holders must be people the caller can see.
    let w = &ctx.w;
    let b = w.person(fx.person_b).unwrap().clone();
    for (who, t, person) in
        [(Who::Sec, fx.br_a, fx.person_b), (Who::Staff, fx.ent_a, fx.person_b), (Who::Sec, fx.br_a, MISSING)]
    {
        let rel = format!("{}, holder {}", w.relation(who, t), w.person_relation(who, person));
        cases.push(
            Case::new(
                "POST /api/v1/orgs/{id}/office-holders",
                Method::POST,
                v1(format!("/orgs/{t}/office-holders")),
                who,
                rel,
                Expect::HiddenRef,
            )
            .json(json!({"person_id": person, "position": "committee_member", "started_on": "2020-01-01"}))
            .secrets(b.data()),
        );
    }

    // A partnership naming an org outside the caller's scope must not tell the caller that org's name
    // (otherwise every org name in the tenant can be read by walking ids).
    let x1 = ctx.throwaway(fx.ent_b).await;
    let x2 = ctx.throwaway(fx.ent_b).await;
    let p1 = ctx.throwaway(fx.br_a).await;
    let p2 = ctx.throwaway(fx.br_a).await;
    let p3 = ctx.throwaway(fx.ent_a).await;
    let w = &ctx.w;
    for (who, on, partner) in [(Who::Sec, p1, x1), (Who::Sec, p2, fx.gb_a), (Who::Staff, p3, x2)] {
        let rel = format!("{}, partner {}", w.relation(who, on), w.relation(who, partner));
        cases.push(
            Case::new(
                "POST /api/v1/orgs/{id}/partnerships",
                Method::POST,
                v1(format!("/orgs/{on}/partnerships")),
                who,
                rel,
                Expect::NoLeak,
            )
            .json(json!({"partner_org_id": partner, "partner_kind": "org", "started_on": "2020-01-01"}))
            .secrets([w.name(partner)]),
        );
    }
}

async fn people_cases(ctx: &mut Ctx<'_>, cases: &mut Vec<Case>) {
    let fx = ctx.w.fx;
    let targets: Vec<i64> = ctx.w.fixture_orgs.iter().copied().chain([MISSING]).collect();
    for who in EVERYONE {
        for &t in &targets {
            let body = ctx.fresh_person(t);
            let w = &ctx.w;
            let (allowed, visible) = (w.writes(who, t), w.reads(who, t));
            let mut e = expect_for(who, allowed, visible, w.registers(t));
            if e == Expect::Hidden {
                e = Expect::HiddenRef; // the org is named in the body
            }
            cases.push(
                Case::new("POST /api/v1/people", Method::POST, v1("/people"), who, w.relation(who, t), e)
                    .json(body)
                    .target(w.org_data(t)),
            );
        }
    }
    let persons: Vec<i64> = ctx.w.people.iter().map(|p| p.id).chain([MISSING]).collect();
    for who in EVERYONE {
        for &pid in &persons {
            let w = &ctx.w;
            let visible = w.reads_person(who, pid);
            let rel = w.person_relation(who, pid);
            let data = w.person(pid).map(PersonRec::data).unwrap_or_default();
            let e = expect_for(who, visible, visible, true);
            let get =
                Case::new("GET /api/v1/people/{id}", Method::GET, v1(format!("/people/{pid}")), who, rel.clone(), e);
            cases.push(get.contains(w.person(pid).map(|p| p.name.clone())).target(data.clone()));
            let e = expect_for(who, visible && who != Who::Member, visible, true);
            cases.push(
                Case::new("PUT /api/v1/people/{id}", Method::PUT, v1(format!("/people/{pid}")), who, rel.clone(), e)
                    .body(Body::PersonUpdate { person: pid, org: None })
                    .target(data.clone()),
            );
            for field in ["id_number", "phone"] {
                let e = expect_for(who, visible, visible, true);
                let full = w.person(pid).map(|p| if field == "phone" { p.phone.clone() } else { p.id_number.clone() });
                cases.push(
                    Case::new(
                        "POST /api/v1/people/{id}/reveal",
                        Method::POST,
                        v1(format!("/people/{pid}/reveal")),
                        who,
                        format!("{rel}, {field}"),
                        e,
                    )
                    .json(json!({"field": field}))
                    .contains(full)
                    .target(data.clone()),
                );
            }
        }
    }

    // Moving a person out of the caller's subtree is refused like moving them nowhere.
    for (who, dest, e) in [
        (Who::Sec, fx.br_b, Expect::HiddenRef),
        (Who::Sec, fx.gb_a, Expect::HiddenRef),
        (Who::Staff, fx.br_b, Expect::HiddenRef),
        (Who::Staff, fx.cell_a, Expect::Allow),
    ] {
        let pid = ctx.throwaway_person(fx.br_a).await;
        let w = &ctx.w;
        let rel = format!("throwaway person in br_a → {}", w.relation(who, dest));
        let c = Case::new("PUT /api/v1/people/{id}", Method::PUT, v1(format!("/people/{pid}")), who, rel, e)
            .body(Body::PersonUpdate { person: pid, org: Some(dest) });
        cases.push(if e == Expect::Allow { c } else { c.secrets(w.org_data(dest)) });
    }

    // A cell outside the caller's subtree is refused like a cell that does not exist.
    let cell_b = ctx
        .post(
            &v1("/orgs"),
            json!({"parent_id": fx.br_b, "kind": "cell", "name": "乙公司机关党小组", "established_on": "2020-01-01"}),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    for who in [Who::Sec, Who::Staff] {
        let mut body = ctx.fresh_person(fx.br_a);
        body["cell_id"] = json!(cell_b);
        let w = &ctx.w;
        let rel = format!("br_a: {}, cell of br_b", if who == Who::Sec { "own" } else { "descendant" });
        cases.push(
            Case::new("POST /api/v1/people", Method::POST, v1("/people"), who, rel, Expect::HiddenRef)
                .json(body)
                .secrets(["乙公司机关党小组".to_string(), w.name(fx.br_b)]),
        );
    }

    // A taken ID number is refused without saying whose it is or where they are registered.
    let w = &ctx.w;
    let b = w.person(fx.person_b).unwrap().clone();
    cases.push(
        Case::new(
            "POST /api/v1/people",
            Method::POST,
            v1("/people"),
            Who::Sec,
            "br_a: own, person_b's ID number".into(),
            Expect::NoLeak,
        )
        .json(json!({"org_id": fx.br_a, "name": "矩阵重号人员", "id_number": b.id_number, "status": "none"}))
        .secrets(b.data().into_iter().chain([w.name(fx.br_b)])),
    );
    let book = workbook(&[vec![
        ("姓名", "矩阵重号导入"),
        ("身份证号码", &b.id_number),
        ("政治面貌", "职工"),
        ("所在党支部", &w.name(fx.br_a)),
    ]]);
    cases.push(
        Case::new(
            "POST /api/v1/orgs/{id}/import",
            Method::POST,
            v1(format!("/orgs/{}/import", fx.br_a)),
            Who::Sec,
            "br_a: own, a row with person_b's ID number".into(),
            Expect::NoLeak,
        )
        .body(Body::Xlsx(book, Csrf::Own))
        .secrets([b.name.clone(), w.name(fx.br_b)])
        // The refused row quotes the caller's own input, masked.
        .exempt([dangjian_domain::id_number::mask(&b.id_number)]),
    );
}

fn user_cases(ctx: &mut Ctx<'_>, ids: &Ids, cases: &mut Vec<Case>) {
    let fx = ctx.w.fx;
    let tw = ids.tw_user;
    for who in EVERYONE {
        let e = match who {
            Who::Anon => Expect::Unauth,
            Who::Admin => Expect::Allow,
            _ => Expect::Deny,
        };
        let rel = || "tenant-wide".to_string();
        let mut list = Case::new("GET /api/v1/users", Method::GET, v1("/users"), who, rel(), e);
        list = if e == Expect::Allow {
            list.contains(["\"staff_a\"".to_string(), "\"tw_user\"".to_string()])
        } else {
            list.secrets(["tw_user".to_string()])
        };
        cases.push(list);
        let username = ctx.fresh_name("matrix_user_");
        cases.push(
            Case::new("POST /api/v1/users", Method::POST, v1("/users"), who, rel(), e)
                .json(json!({"username": username, "password": PASSWORD_NEW, "role": "member", "org_id": fx.br_a})),
        );
        cases.push(
            Case::new("POST /api/v1/users/{id}/grants", Method::POST, v1(format!("/users/{tw}/grants")), who, rel(), e)
                .json(json!({"role": "member", "org_id": fx.cell_a})),
        );
        let grant = if who == Who::Admin { ids.tw_grant_revoked } else { ids.tw_grant_kept };
        cases.push(Case::new(
            "DELETE /api/v1/users/{id}/grants/{grant_id}",
            Method::DELETE,
            v1(format!("/users/{tw}/grants/{grant}")),
            who,
            rel(),
            e,
        ));
        cases.push(Case::new(
            "PUT /api/v1/users/{id}/unlock",
            Method::PUT,
            v1(format!("/users/{tw}/unlock")),
            who,
            rel(),
            e,
        ));
    }

    // No way up: granting oneself more, or touching someone else's account.
    let uid = |who: Who| ids.uid[&who];
    let grant_to = |who: Who, target: i64, role: &str, org: i64, about: &str| {
        Case::new(
            "POST /api/v1/users/{id}/grants",
            Method::POST,
            v1(format!("/users/{target}/grants")),
            who,
            about.to_string(),
            Expect::Deny,
        )
        .json(json!({"role": role, "org_id": org}))
    };
    cases.push(grant_to(Who::Staff, uid(Who::Staff), "admin", fx.root, "self, admin at root"));
    cases.push(grant_to(Who::Staff, uid(Who::Staff), "committee_staff", fx.root, "self, committee_staff at root"));
    cases.push(grant_to(Who::Sec, uid(Who::Sec), "committee_staff", fx.ent_a, "self, committee_staff at ent_a"));
    cases.push(grant_to(Who::Member, uid(Who::Member), "branch_secretary", fx.br_a, "self, branch_secretary at br_a"));
    cases.push(
        Case::new(
            "POST /api/v1/users",
            Method::POST,
            v1("/users"),
            Who::Staff,
            "new admin account".into(),
            Expect::Deny,
        )
        .json(json!({"username": "matrix_escalate", "password": PASSWORD_NEW, "role": "admin", "org_id": fx.root})),
    );
    cases.push(Case::new(
        "DELETE /api/v1/users/{id}/grants/{grant_id}",
        Method::DELETE,
        v1(format!("/users/{}/grants/{}", uid(Who::Sec), ids.sec_grant)),
        Who::Staff,
        "sec_a's grant".into(),
        Expect::Deny,
    ));
    cases.push(Case::new(
        "PUT /api/v1/users/{id}/unlock",
        Method::PUT,
        v1(format!("/users/{}/unlock", uid(Who::Staff))),
        Who::Sec,
        "staff_a's account".into(),
        Expect::Deny,
    ));
    // An admin may not revoke their own admin grant (nobody might be left to manage users).
    cases.push(Case::new(
        "DELETE /api/v1/users/{id}/grants/{grant_id}",
        Method::DELETE,
        v1(format!("/users/{}/grants/{}", uid(Who::Admin), ids.admin_grant)),
        Who::Admin,
        "own admin grant".into(),
        Expect::Status(403),
    ));
    for (endpoint, method, path, body) in [
        (
            "POST /api/v1/users/{id}/grants",
            Method::POST,
            v1(format!("/users/{MISSING}/grants")),
            Some(json!({"role": "member", "org_id": fx.br_a})),
        ),
        ("PUT /api/v1/users/{id}/unlock", Method::PUT, v1(format!("/users/{MISSING}/unlock")), None),
        (
            "DELETE /api/v1/users/{id}/grants/{grant_id}",
            Method::DELETE,
            v1(format!("/users/{tw}/grants/{MISSING}")),
            None,
        ),
    ] {
        let c = Case::new(endpoint, method, path, Who::Admin, "nonexistent".into(), Expect::Hidden);
        cases.push(match body {
            Some(b) => c.json(b),
            None => c,
        });
    }
}

fn audit_and_alert_cases(ctx: &mut Ctx<'_>, cases: &mut Vec<Case>) {
    let w = &ctx.w;
    let fx = w.fx;
    let entity = |kind: &str, id: i64| format!("\"entity_type\":\"{kind}\",\"entity_id\":\"{id}\"");
    for who in EVERYONE {
        let reads_audit = matches!(who, Who::Admin | Who::Staff);
        let e = match who {
            Who::Anon => Expect::Unauth,
            _ if reads_audit => Expect::Allow,
            _ => Expect::Deny,
        };
        cases.push(Case::new("GET /api/v1/audit", Method::GET, v1("/audit"), who, "-".into(), e));
        for (kind, id, label) in
            [("org", fx.ent_b, "ent_b"), ("person", fx.person_b, "person_b"), ("org", fx.gb_a, "gb_a")]
        {
            let path = v1(format!("/audit?entity_type={kind}&entity_id={id}&limit=500"));
            let mut c = Case::new("GET /api/v1/audit", Method::GET, path, who, format!("filtered to {label}"), e);
            let in_scope = who == Who::Admin || (who == Who::Staff && label == "gb_a");
            if e == Expect::Allow {
                c = if in_scope { c.contains([entity(kind, id)]) } else { c.equals(json!([])) };
            }
            cases.push(c);
        }
        let e = match who {
            Who::Anon => Expect::Unauth,
            Who::Admin => Expect::Allow,
            _ => Expect::Deny,
        };
        let verify =
            Case::new("GET /api/v1/audit/verify", Method::GET, v1("/audit/verify"), who, "tenant-wide".into(), e);
        cases.push(if e == Expect::Allow { verify.contains(["\"intact\":true".to_string()]) } else { verify });
    }

    // Term alerts: every fixture org with a term is overdue; each caller sees those in its scope.
    let termed: Vec<i64> = w.fixture_orgs.iter().copied().filter(|o| w.termable(*o)).collect();
    let names = |keep: &dyn Fn(i64) -> bool| -> Vec<String> {
        termed.iter().copied().filter(|o| keep(*o)).map(|o| w.name(o)).collect()
    };
    let targets: Vec<i64> = w.fixture_orgs.iter().copied().chain([MISSING]).collect();
    for who in EVERYONE {
        let c = Case::new(
            "GET /api/v1/alerts/terms",
            Method::GET,
            v1("/alerts/terms"),
            who,
            "-".into(),
            if who == Who::Anon { Expect::Unauth } else { Expect::Allow },
        );
        cases.push(match who {
            Who::Anon => c,
            Who::Member => c.equals(json!([])),
            _ => c.contains(names(&|o| w.reads(who, o))),
        });
        for &t in &targets {
            let visible = w.reads(who, t);
            let e = match who {
                Who::Member => Expect::EmptyOrHidden,
                _ => expect_for(who, visible, visible, true),
            };
            let c = Case::new(
                "GET /api/v1/alerts/terms",
                Method::GET,
                v1(format!("/alerts/terms?under={t}")),
                who,
                w.relation(who, t),
                e,
            )
            .target(w.org_data(t));
            cases.push(if e == Expect::Allow {
                c.contains(names(&|o| w.in_subtree(o, t))).secrets(names(&|o| !w.in_subtree(o, t)))
            } else {
                c
            });
        }
    }
}

// ---------------------------------------------------------------------------
// Work systems, lists and tasks
// ---------------------------------------------------------------------------

fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

fn ymd(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

const MEASURE: &str = "矩阵整改措施";

/// What admin2 builds for the work cases (see the module docs).
struct WorkFx {
    /// Per fixture org: its framework and that framework's one element.
    fw: HashMap<i64, (i64, i64)>,
    /// Per fixture org: its list, holding one task at the org.
    lists: HashMap<i64, i64>,
    tasks: HashMap<i64, i64>,
    /// root's list with one (overdue) task at every fixture org.
    wide: i64,
    wide_tasks: HashMap<i64, i64>,
    /// ent_b's task that br_a cooperates on, and its sub-task at br_b (both in ent_b's list).
    coop: i64,
    coop_child: i64,
    /// A task at br_a waiting for the parent's review.
    review: i64,
    /// (attachment, task, content): one on every fixture task, the cooperation task and its sub-task.
    attachments: Vec<(i64, i64, String)>,
    /// Per fixture org: an open notice on its task.
    notices: HashMap<i64, i64>,
    /// Per fixture org: a list for throwaway tasks.
    scratch: HashMap<i64, i64>,
}

impl Ctx<'_> {
    /// A fresh text ending in 号, so that no one is a prefix of another.
    fn numbered(&mut self, prefix: &str) -> String {
        let n = self.next();
        format!("{prefix}{n}号")
    }

    /// An empty framework at `org`, with one element when asked.
    async fn new_framework(&mut self, org: i64, element: bool) -> (i64, Option<(i64, String)>) {
        let name = self.numbered("矩阵体系");
        let f = self.post(&v1("/frameworks"), json!({"org_id": org, "year": 2024, "name": name})).await;
        let id = f["id"].as_i64().unwrap();
        let mut rec = FwRec { id, org, name, data: vec![] };
        let el = if element {
            let en = self.numbered("矩阵要素");
            let e = self.post(&v1(format!("/frameworks/{id}/elements")), json!({"name": en})).await;
            rec.data.push(en.clone());
            Some((e["id"].as_i64().unwrap(), en))
        } else {
            None
        };
        self.w.frameworks.push(rec);
        (id, el)
    }

    async fn new_list(&mut self, org: i64, prefix: &str) -> i64 {
        let name = self.numbered(prefix);
        let l = self.post(&v1("/lists"), json!({"org_id": org, "kind": "task", "name": name})).await;
        let id = l["id"].as_i64().unwrap();
        self.w.lists.push(ListRec { id, org, name });
        id
    }

    async fn new_task(
        &mut self,
        list: i64,
        org: i64,
        coop: &[i64],
        due: Option<NaiveDate>,
        parent: Option<i64>,
        prefix: &str,
    ) -> i64 {
        let title = self.numbered(prefix);
        let body = json!({"title": title, "measure": MEASURE, "org_id": org, "cooperating_org_ids": coop,
                          "due_on": due.map(ymd), "parent_id": parent});
        let t = self.post(&v1(format!("/lists/{list}/tasks")), body).await;
        let id = t["id"].as_i64().unwrap();
        let list_org = self.w.list(list).unwrap().org;
        let shown = [org, list_org].into_iter().chain(coop.iter().copied()).collect();
        self.w.tasks.push(TaskRec { id, list, org, coop: coop.to_vec(), title, data: vec![], shown });
        id
    }

    fn task_mut(&mut self, id: i64) -> &mut TaskRec {
        self.w.tasks.iter_mut().find(|t| t.id == id).unwrap()
    }

    /// Evidence uploaded by admin2: (attachment id, content).
    async fn new_attachment(&mut self, task: i64) -> (i64, String) {
        let content = self.numbered("矩阵证据内容");
        let file = format!("evidence-{}.txt", self.next());
        let r = self
            .admin
            .post(self.app.url(&v1(format!("/tasks/{task}/attachments?name={file}"))))
            .header("x-csrf-token", &self.csrf)
            .header(CONTENT_TYPE, "text/plain; charset=utf-8")
            .body(content.clone())
            .send()
            .await
            .unwrap();
        let status = r.status();
        let text = r.text().await.unwrap();
        assert!(status.is_success(), "setup upload to task {task} as admin2: {status} {text}");
        let a: Value = serde_json::from_str(&text).unwrap();
        self.task_mut(task).data.extend([content.clone(), file]);
        (a["id"].as_i64().unwrap(), content)
    }

    /// A notice admin2 issues (as root: admin2's grant is there).
    async fn new_notice(&mut self, task: i64) -> i64 {
        let note = self.numbered("矩阵督办说明");
        let n = self.post(&v1(format!("/tasks/{task}/notices")), json!({"note": note})).await;
        let root = self.w.fx.root;
        let t = self.task_mut(task);
        t.data.push(note);
        t.shown.push(root);
        n["id"].as_i64().unwrap()
    }

    async fn submit(&self, task: i64) {
        self.post(&v1(format!("/tasks/{task}/closeout")), json!({"action": "submit"})).await;
    }

    /// Records a task a case may create (its title then counts as the task's data).
    fn intended_task(&mut self, list: i64, org: i64, title: String) {
        if self.w.exists(org) && self.w.list(list).is_some() {
            let list_org = self.w.list(list).unwrap().org;
            self.w.tasks.push(TaskRec {
                id: 0,
                list,
                org,
                coop: vec![],
                title,
                data: vec![],
                shown: vec![org, list_org],
            });
        }
    }
}

/// A one-row rectification ledger naming `org` (a name or a path) responsible.
fn ledger(problem: &str, org: &str, coop: Vec<String>) -> Vec<u8> {
    let row = dangjian_excel::LedgerExportRow {
        seq: Some("1".into()),
        category: Some("矩阵类别".into()),
        problem: problem.into(),
        measure: MEASURE.into(),
        responsible_org: org.into(),
        responsible_person: None,
        leading_leader: None,
        cooperating_orgs: coop,
        due_on: today() + chrono::Duration::days(30),
        target: None,
        note: None,
        status: String::new(),
        progress: None,
        closed_on: None,
    };
    dangjian_excel::export_ledger("矩阵导入台账", &[row])
}

fn refused(e: Expect) -> bool {
    !matches!(e, Expect::Allow | Expect::AllowInvalid | Expect::NoLeak | Expect::Unauth)
}

async fn work_setup(ctx: &mut Ctx<'_>) -> WorkFx {
    let fx = ctx.w.fx;
    let orgs = ctx.w.fixture_orgs.clone();
    let mut wf = WorkFx {
        fw: HashMap::new(),
        lists: HashMap::new(),
        tasks: HashMap::new(),
        wide: 0,
        wide_tasks: HashMap::new(),
        coop: 0,
        coop_child: 0,
        review: 0,
        attachments: vec![],
        notices: HashMap::new(),
        scratch: HashMap::new(),
    };
    let soon = today() + chrono::Duration::days(3);
    let yesterday = today() - chrono::Duration::days(1);
    for &o in &orgs {
        let (f, el) = ctx.new_framework(o, true).await;
        wf.fw.insert(o, (f, el.unwrap().0));
        let l = ctx.new_list(o, "矩阵清单").await;
        let t = ctx.new_task(l, o, &[], Some(soon), None, "矩阵任务").await;
        let (a, content) = ctx.new_attachment(t).await;
        let n = ctx.new_notice(t).await;
        wf.lists.insert(o, l);
        wf.tasks.insert(o, t);
        wf.attachments.push((a, t, content));
        wf.notices.insert(o, n);
        let s = ctx.new_list(o, "矩阵临时清单").await;
        wf.scratch.insert(o, s);
    }
    wf.wide = ctx.new_list(fx.root, "矩阵下发清单").await;
    for &o in &orgs {
        let t = ctx.new_task(wf.wide, o, &[], Some(yesterday), None, "矩阵下发任务").await;
        wf.wide_tasks.insert(o, t);
    }
    // sec_a and staff_a see ent_b's task through br_a's cooperation, but not its sub-task at br_b:
    // the task's page must not show that sub-task among its children.
    let lb = wf.lists[&fx.ent_b];
    wf.coop = ctx.new_task(lb, fx.ent_b, &[fx.br_a], None, None, "矩阵协办任务").await;
    wf.coop_child = ctx.new_task(lb, fx.br_b, &[], None, Some(wf.coop), "矩阵协办子任务").await;
    for t in [wf.coop, wf.coop_child] {
        let (a, content) = ctx.new_attachment(t).await;
        wf.attachments.push((a, t, content));
    }
    wf.review = ctx.new_task(wf.lists[&fx.br_a], fx.br_a, &[], None, None, "矩阵待审任务").await;
    ctx.submit(wf.review).await;

    // The fixture itself must not move: every case that writes aims elsewhere.
    for &o in &orgs {
        let (t, l) = (wf.tasks[&o], ctx.w.label(o));
        let path = v1(format!("/tasks/{t}"));
        ctx.w.untouched(format!("{l}'s task status"), path.clone(), Still::Eq("/task/status", json!("open")));
        ctx.w.untouched(format!("{l}'s task progress"), path.clone(), Still::Eq("/task/progress", json!(0.0)));
        ctx.w.untouched(format!("{l}'s task evidence"), path.clone(), Still::Len("/attachments", 1));
        ctx.w.untouched(format!("{l}'s task notice"), path, Still::Eq("/notices/0/response", Value::Null));
        let path = v1(format!("/frameworks/{}", wf.fw[&o].0));
        ctx.w.untouched(format!("{l}'s framework elements"), path.clone(), Still::Len("/elements", 1));
        ctx.w.untouched(format!("{l}'s framework mechanisms"), path, Still::Len("/mechanisms", 0));
        let path = v1(format!("/lists/{}", wf.lists[&o]));
        let n = if o == fx.br_a {
            2
        } else if o == fx.ent_b {
            3
        } else {
            1
        };
        ctx.w.untouched(format!("{l}'s list"), path, Still::Len("/tasks", n));
    }
    for t in [wf.coop, wf.coop_child] {
        ctx.w.untouched(format!("task {}", ctx.w.title(t)), v1(format!("/tasks/{t}")), Still::Len("/attachments", 1));
    }
    ctx.w.untouched(
        "the task under review".into(),
        v1(format!("/tasks/{}", wf.review)),
        Still::Eq("/task/status", json!("under_review")),
    );
    wf
}

async fn framework_cases(ctx: &mut Ctx<'_>, wf: &WorkFx, cases: &mut Vec<Case>) {
    let fx = ctx.w.fx;
    let orgs = ctx.w.fixture_orgs.clone();
    let targets: Vec<i64> = orgs.iter().copied().chain([MISSING]).collect();

    // Shipped templates and the ledger template: anyone logged in.
    for who in EVERYONE {
        let e = if who == Who::Anon { Expect::Unauth } else { Expect::Allow };
        let c =
            Case::new("GET /api/v1/framework-templates", Method::GET, v1("/framework-templates"), who, "-".into(), e);
        cases.push(if e == Expect::Allow { c.contains(["113344".to_string(), "1234n".to_string()]) } else { c });
        cases.push(Case::new(
            "GET /api/v1/ledger/template.xlsx",
            Method::GET,
            v1("/ledger/template.xlsx"),
            who,
            "-".into(),
            e,
        ));
    }

    // What applies to an org: its own frameworks and its ancestors'.
    for who in EVERYONE {
        for &t in &targets {
            let w = &ctx.w;
            let visible = w.reads(who, t);
            let e = expect_for(who, visible, visible, true);
            let mut c = Case::new(
                "GET /api/v1/frameworks",
                Method::GET,
                v1(format!("/frameworks?org={t}")),
                who,
                w.relation(who, t),
                e,
            )
            .target(w.org_data(t));
            if e == Expect::Allow {
                let applies = |f: &&FwRec| w.in_subtree(t, f.org);
                let made = w.frameworks.iter().filter(|f| f.id != 0);
                c = c
                    .contains(made.filter(applies).map(|f| f.name.clone()))
                    .secrets(w.frameworks.iter().filter(|f| !applies(f)).map(|f| f.name.clone()));
            }
            cases.push(c);
        }
    }

    // Close-out procedures: anyone logged in reads them; defining one needs structure rights at its org.
    for who in EVERYONE {
        let e = if who == Who::Anon { Expect::Unauth } else { Expect::Allow };
        cases.push(Case::new("GET /api/v1/procedures", Method::GET, v1("/procedures"), who, "-".into(), e));
    }
    for who in EVERYONE {
        for &t in &targets {
            let name = ctx.numbered("矩阵销号程序");
            let w = &ctx.w;
            let mut e = expect_for(who, w.structure_on(who, t), w.reads(who, t), true);
            if e == Expect::Hidden {
                e = Expect::HiddenRef; // the org is named in the body
            }
            let body = json!({"org_id": t, "procedure": {"name": name, "steps": [
                {"name": "上级审核", "actor": {"at": "parent", "role": "committee_staff"}, "evidence_required": false}
            ]}});
            cases.push(
                Case::new("POST /api/v1/procedures", Method::POST, v1("/procedures"), who, w.relation(who, t), e)
                    .json(body)
                    .target(w.org_data(t)),
            );
        }
    }

    // A new framework: structure rights at its org.
    for who in EVERYONE {
        for &t in &targets {
            let name = ctx.numbered("矩阵新建体系");
            let w = &ctx.w;
            let mut e = expect_for(who, w.structure_on(who, t), w.reads(who, t), true);
            if e == Expect::Hidden {
                e = Expect::HiddenRef; // the org is named in the body
            }
            cases.push(
                Case::new("POST /api/v1/frameworks", Method::POST, v1("/frameworks"), who, w.relation(who, t), e)
                    .json(json!({"org_id": t, "year": 2024, "name": name}))
                    .target(w.org_data(t)),
            );
            if w.exists(t) {
                if refused(e) {
                    let what = format!("{t}'s frameworks after {who}'s refused POST /frameworks");
                    ctx.w.untouched(what, v1(format!("/frameworks?org={t}")), Still::Lacks(name.clone()));
                }
                ctx.w.frameworks.push(FwRec { id: 0, org: t, name, data: vec![] });
            }
        }
    }
    for (who, org, year) in [
        (Who::Admin, fx.root, 2031),
        (Who::Staff, fx.ent_a, 2031),
        (Who::Staff, fx.br_a, 2032),
        (Who::Staff, fx.ent_b, 2031),
        (Who::Sec, fx.br_a, 2031),
        (Who::Member, fx.br_a, 2031),
    ] {
        let w = &ctx.w;
        let mut e = expect_for(who, w.structure_on(who, org), w.reads(who, org), true);
        if e == Expect::Hidden {
            e = Expect::HiddenRef;
        }
        cases.push(
            Case::new(
                "POST /api/v1/frameworks",
                Method::POST,
                v1("/frameworks"),
                who,
                format!("{}, from template 113344", w.relation(who, org)),
                e,
            )
            .json(json!({"org_id": org, "year": year, "template_key": "113344"}))
            .target(w.org_data(org)),
        );
    }

    // One framework, and two compared: readable where it applies.
    let fw_targets: Vec<(i64, i64)> = orgs.iter().map(|o| (*o, wf.fw[o].0)).chain([(MISSING, MISSING)]).collect();
    for who in EVERYONE {
        let w = &ctx.w;
        let own_fw = wf.fw[&w.home(who)].0;
        for &(o, f) in &fw_targets {
            let visible = w.reads_fw(who, o);
            let e = expect_for(who, visible, visible, true);
            let rel = w.relation(who, o);
            let c = Case::new(
                "GET /api/v1/frameworks/{id}",
                Method::GET,
                v1(format!("/frameworks/{f}")),
                who,
                rel.clone(),
                e,
            )
            .target(w.fw_data(f));
            cases.push(if e == Expect::Allow { c.contains(w.fw_data(f)) } else { c });
            let both = visible && w.reads_fw(who, w.home(who));
            let e = expect_for(who, both, both, true);
            for (a, b) in [(f, own_fw), (own_fw, f)] {
                let c = Case::new(
                    "GET /api/v1/frameworks/{id}/compare/{other}",
                    Method::GET,
                    v1(format!("/frameworks/{a}/compare/{b}")),
                    who,
                    format!("{rel} vs the framework of {}", w.label(w.home(who))),
                    e,
                )
                .target(w.fw_data(f));
                // The diff names the elements of both (none when they are the same).
                let elements = w.frameworks.iter().filter(|x| x.id == f && f != own_fw).flat_map(|x| x.data.clone());
                cases.push(if e == Expect::Allow { c.contains(elements) } else { c });
            }
        }
    }

    // Editing a framework: structure rights at its org. One throwaway framework per case.
    for who in EVERYONE {
        for &o in &targets {
            let fresh = who != Who::Anon && o != MISSING;
            let (fixture, fixture_el) = wf.fw.get(&o).copied().unwrap_or((MISSING, MISSING));
            let mut fws = Vec::new();
            for _ in 0..3 {
                fws.push(if fresh { ctx.new_framework(o, false).await.0 } else { fixture });
            }
            let (f_upd, el_id, el_name) = if fresh {
                let (f, el) = ctx.new_framework(o, true).await;
                let (id, name) = el.unwrap();
                (f, id, name)
            } else {
                (fixture, fixture_el, String::new())
            };
            let new_el = ctx.numbered("矩阵新增要素");
            let new_mech = ctx.numbered("矩阵新增机制");
            let renamed = ctx.numbered("矩阵改名要素");
            let w = &ctx.w;
            let visible = w.reads_fw(who, o);
            let e = expect_for(who, w.structure_on(who, o), visible, true);
            let rel = w.relation(who, o);
            let case = |endpoint, method: Method, path: String, f: i64, body: Value| {
                Case::new(endpoint, method, path, who, rel.clone(), e).json(body).target(w.fw_data(f))
            };
            let (f_copy, f_el, f_mech) = (fws[0], fws[1], fws[2]);
            cases.push(case(
                "POST /api/v1/frameworks/{id}/copy",
                Method::POST,
                v1(format!("/frameworks/{f_copy}/copy")),
                f_copy,
                json!({"year": 2025}),
            ));
            cases.push(case(
                "POST /api/v1/frameworks/{id}/elements",
                Method::POST,
                v1(format!("/frameworks/{f_el}/elements")),
                f_el,
                json!({"name": new_el, "weight": 1.0}),
            ));
            cases.push(case(
                "POST /api/v1/frameworks/{id}/mechanisms",
                Method::POST,
                v1(format!("/frameworks/{f_mech}/mechanisms")),
                f_mech,
                json!({"name": new_mech}),
            ));
            cases.push(case(
                "PUT /api/v1/elements/{id}",
                Method::PUT,
                v1(format!("/elements/{el_id}")),
                f_upd,
                json!({"name": renamed, "weight": 2.0}),
            ));
            if fresh && refused(e) {
                let copy_name = w.fw_name(f_copy);
                let l = w.label(o);
                let after = |what: &str| format!("{l}'s throwaway framework after {who}'s refused {what}");
                ctx.w.untouched(after("copy"), v1(format!("/frameworks?org={o}")), Still::Count(copy_name, 1));
                ctx.w.untouched(after("new element"), v1(format!("/frameworks/{f_el}")), Still::Len("/elements", 0));
                ctx.w.untouched(
                    after("new mechanism"),
                    v1(format!("/frameworks/{f_mech}")),
                    Still::Len("/mechanisms", 0),
                );
                ctx.w.untouched(
                    after("element update"),
                    v1(format!("/frameworks/{f_upd}")),
                    Still::Eq("/elements/0/name", json!(el_name)),
                );
            }
            if fresh {
                for (f, s) in [(f_el, new_el), (f_mech, new_mech), (f_upd, renamed)] {
                    ctx.w.frameworks.iter_mut().find(|x| x.id == f).unwrap().data.push(s);
                }
            }
        }
    }

    // An element of another framework (one the caller cannot see) is no parent, and no mechanism's element.
    let (f_parent, _) = ctx.new_framework(fx.ent_a, false).await;
    let (f_mech, _) = ctx.new_framework(fx.ent_a, false).await;
    let (b_fw, b_el) = wf.fw[&fx.ent_b];
    let new_el = ctx.numbered("矩阵新增要素");
    let new_mech = ctx.numbered("矩阵新增机制");
    let w = &ctx.w;
    cases.push(
        Case::new(
            "POST /api/v1/frameworks/{id}/elements",
            Method::POST,
            v1(format!("/frameworks/{f_parent}/elements")),
            Who::Staff,
            "ent_a: own, parent_id an element of ent_b's framework".into(),
            Expect::HiddenRef,
        )
        .json(json!({"name": new_el, "parent_id": b_el}))
        .secrets(w.fw_data(b_fw)),
    );
    cases.push(
        Case::new(
            "POST /api/v1/frameworks/{id}/mechanisms",
            Method::POST,
            v1(format!("/frameworks/{f_mech}/mechanisms")),
            Who::Staff,
            "ent_a: own, element_id an element of ent_b's framework".into(),
            Expect::HiddenRef,
        )
        .json(json!({"name": new_mech, "element_id": b_el}))
        .secrets(w.fw_data(b_fw)),
    );
    ctx.w.untouched(
        "staff_a's framework after a parent from ent_b's framework".into(),
        v1(format!("/frameworks/{f_parent}")),
        Still::Len("/elements", 0),
    );
    ctx.w.untouched(
        "staff_a's framework after a mechanism on ent_b's element".into(),
        v1(format!("/frameworks/{f_mech}")),
        Still::Len("/mechanisms", 0),
    );
    for (f, s) in [(f_parent, new_el), (f_mech, new_mech)] {
        ctx.w.frameworks.iter_mut().find(|x| x.id == f).unwrap().data.push(s);
    }
}

async fn list_cases(ctx: &mut Ctx<'_>, wf: &WorkFx, cases: &mut Vec<Case>) {
    let fx = ctx.w.fx;
    let br_a2 = ctx.w.br_a2();
    let orgs = ctx.w.fixture_orgs.clone();
    let targets: Vec<i64> = orgs.iter().copied().chain([MISSING]).collect();
    let fixture_lists: Vec<i64> = orgs.iter().map(|o| wf.lists[o]).chain([wf.wide]).collect();

    // The lists of an org's subtree (issued there, or with tasks there).
    for who in EVERYONE {
        for &t in &targets {
            let w = &ctx.w;
            let visible = w.reads(who, t);
            let e = expect_for(who, visible, visible, true);
            let mut c =
                Case::new("GET /api/v1/lists", Method::GET, v1(format!("/lists?org={t}")), who, w.relation(who, t), e)
                    .target(w.org_data(t));
            if e == Expect::Allow {
                let included = |l: &ListRec| {
                    w.in_subtree(l.org, t)
                        || (l.id != 0 && w.tasks.iter().any(|x| x.list == l.id && w.in_subtree(x.org, t)))
                };
                let (inc, exc): (Vec<&ListRec>, Vec<&ListRec>) =
                    fixture_lists.iter().map(|l| w.list(*l).unwrap()).partition(|l| included(l));
                // A list pushed down from above names its issuer.
                let issuers: Vec<i64> = w.lists.iter().filter(|l| included(l)).map(|l| l.org).collect();
                c = c
                    .contains(inc.iter().map(|l| l.name.clone()))
                    .secrets(exc.iter().map(|l| l.name.clone()))
                    .exempt(w.names(issuers));
            }
            cases.push(c);
        }
    }

    // A new list: writing org details at its org; a framework named must be one the caller sees.
    for who in EVERYONE {
        for &t in &targets {
            let name = ctx.numbered("矩阵新建清单");
            let w = &ctx.w;
            let mut e = expect_for(who, w.writes(who, t), w.reads(who, t), true);
            if e == Expect::Hidden {
                e = Expect::HiddenRef;
            }
            cases.push(
                Case::new("POST /api/v1/lists", Method::POST, v1("/lists"), who, w.relation(who, t), e)
                    .json(json!({"org_id": t, "kind": "task", "name": name}))
                    .target(w.org_data(t)),
            );
            if w.exists(t) {
                if refused(e) {
                    let what = format!("{}'s lists after {who}'s refused POST /lists", w.label(t));
                    ctx.w.untouched(what, v1(format!("/lists?org={t}")), Still::Lacks(name.clone()));
                }
                ctx.w.lists.push(ListRec { id: 0, org: t, name });
            }
        }
    }
    for (who, org, fw_org) in [
        (Who::Sec, fx.br_a, fx.ent_b),
        (Who::Sec, fx.br_a, fx.root),
        (Who::Staff, fx.ent_a, fx.br_b),
        (Who::Staff, fx.gb_a, fx.ent_a),
    ] {
        let name = ctx.numbered("矩阵新建清单");
        let w = &ctx.w;
        let f = wf.fw[&fw_org].0;
        let e = if w.reads_fw(who, fw_org) { Expect::Allow } else { Expect::HiddenRef };
        let rel = format!("{}, framework of {}", w.relation(who, org), w.relation(who, fw_org));
        let c = Case::new("POST /api/v1/lists", Method::POST, v1("/lists"), who, rel, e)
            .json(json!({"org_id": org, "kind": "task", "name": name, "framework_id": f}));
        cases.push(if e == Expect::Allow { c } else { c.secrets(w.fw_data(f)) });
        if refused(e) {
            let what = format!("{}'s lists after a list on an unseen framework", w.label(org));
            ctx.w.untouched(what, v1(format!("/lists?org={org}")), Still::Lacks(name.clone()));
        }
        ctx.w.lists.push(ListRec { id: 0, org, name });
    }

    // One list (and its ledger export): the tasks the caller sees, or 404 when none and not the list's org.
    let list_targets: Vec<i64> = fixture_lists.iter().copied().chain([MISSING]).collect();
    for who in EVERYONE {
        for &l in &list_targets {
            let w = &ctx.w;
            let visible = w.sees_list_id(who, l);
            let e = expect_for(who, visible, visible, true);
            let rel = if l == wf.wide {
                format!("root's list with a task at every org, {}", w.relation(who, fx.root))
            } else {
                w.list_relation(who, l)
            };
            let in_list: Vec<&TaskRec> = w.tasks.iter().filter(|t| t.list == l && l != MISSING).collect();
            let (seen, unseen): (Vec<&TaskRec>, Vec<&TaskRec>) = in_list.into_iter().partition(|t| w.sees_task(who, t));
            let exempt: Vec<String> = w
                .list(l)
                .map(|x| w.names([x.org]))
                .unwrap_or_default()
                .into_iter()
                .chain(seen.iter().flat_map(|t| w.names([t.org])))
                .collect();
            for (endpoint, suffix) in
                [("GET /api/v1/lists/{id}", ""), ("GET /api/v1/lists/{id}/export.xlsx", "/export.xlsx")]
            {
                let mut c = Case::new(endpoint, Method::GET, v1(format!("/lists/{l}{suffix}")), who, rel.clone(), e)
                    .target(w.list_data(l));
                if e == Expect::Allow {
                    // The title row of the export is not read back: the list's name is checked in JSON only.
                    let name = w.list(l).map(|x| x.name.clone()).filter(|_| suffix.is_empty());
                    c = c
                        .contains(seen.iter().map(|t| t.title.clone()).chain(name))
                        .secrets(unseen.iter().flat_map(|t| w.task_data(t.id)))
                        .exempt(exempt.clone());
                }
                cases.push(c);
            }
        }
    }

    // A new task: writing org details at the list's org. One throwaway list per case.
    for who in EVERYONE {
        for &o in &targets {
            let fresh = who != Who::Anon && o != MISSING;
            let l = if fresh {
                ctx.new_list(o, "矩阵临时清单").await
            } else {
                wf.lists.get(&o).copied().unwrap_or(MISSING)
            };
            let l_import = if fresh { ctx.new_list(o, "矩阵临时清单").await } else { l };
            let title = ctx.numbered("矩阵新建任务");
            let problem = ctx.numbered("矩阵导入问题");
            let w = &ctx.w;
            let visible = w.sees_list_id(who, l);
            let e = expect_for(who, w.writes(who, o), visible, true);
            let rel = w.list_relation(who, l);
            let task_org = if o == MISSING { fx.br_a } else { o };
            cases.push(
                Case::new(
                    "POST /api/v1/lists/{id}/tasks",
                    Method::POST,
                    v1(format!("/lists/{l}/tasks")),
                    who,
                    rel.clone(),
                    e,
                )
                .json(json!({"title": title, "measure": MEASURE, "org_id": task_org}))
                .target(w.list_data(l)),
            );
            let book = ledger(&problem, &w.name(task_org), vec![]);
            cases.push(
                Case::new(
                    "POST /api/v1/lists/{id}/import",
                    Method::POST,
                    v1(format!("/lists/{l_import}/import")),
                    who,
                    rel,
                    e,
                )
                .body(Body::Xlsx(book, Csrf::Own))
                .target(w.list_data(l_import)),
            );
            if fresh && refused(e) {
                let what = |op: &str| format!("{}'s throwaway list after {who}'s refused {op}", w.label(o));
                let (a, b) = (what("new task"), what("import"));
                ctx.w.untouched(a, v1(format!("/lists/{l}")), Still::Len("/tasks", 0));
                ctx.w.untouched(b, v1(format!("/lists/{l_import}")), Still::Len("/tasks", 0));
            }
            ctx.intended_task(l, o, title);
            ctx.intended_task(l_import, o, problem);
        }
    }

    // The task's org lies in the list org's subtree; what the body names must be visible
    // (an element of a framework the caller cannot read would show its name on the task's page).
    let (_, root_el) = wf.fw[&fx.root];
    let (b_fw, b_el) = wf.fw[&fx.ent_b];
    let b_task = wf.tasks[&fx.ent_b];
    let specials = [
        (
            Who::Staff,
            fx.ent_a,
            "element of ent_b's framework",
            json!({"org_id": fx.ent_a, "element_id": b_el}),
            Expect::HiddenRef,
            ctx.w.fw_data(b_fw),
        ),
        (
            Who::Staff,
            fx.ent_a,
            "element of root's framework",
            json!({"org_id": fx.ent_a, "element_id": root_el}),
            Expect::Allow,
            vec![],
        ),
        (
            Who::Staff,
            fx.ent_a,
            "cooperating ent_b",
            json!({"org_id": fx.ent_a, "cooperating_org_ids": [fx.ent_b]}),
            Expect::HiddenRef,
            ctx.w.names([fx.ent_b]),
        ),
        (
            Who::Sec,
            fx.br_a,
            "cooperating gb_a",
            json!({"org_id": fx.br_a, "cooperating_org_ids": [fx.gb_a]}),
            Expect::HiddenRef,
            ctx.w.names([fx.gb_a]),
        ),
        (
            Who::Sec,
            fx.br_a,
            "parent_id ent_b's task",
            json!({"org_id": fx.br_a, "parent_id": b_task}),
            Expect::HiddenRef,
            ctx.w.task_data(b_task),
        ),
        (Who::Sec, fx.br_a, "task org br_b", json!({"org_id": fx.br_b}), Expect::HiddenRef, ctx.w.names([fx.br_b])),
        (
            Who::Sec,
            fx.br_a,
            "task org gb_a (above the list)",
            json!({"org_id": fx.gb_a}),
            Expect::HiddenRef,
            ctx.w.names([fx.gb_a]),
        ),
        (Who::Sec, fx.br_a, "task org cell_a", json!({"org_id": fx.cell_a}), Expect::Allow, vec![]),
        (
            Who::Staff,
            fx.gb_a,
            "task org ent_a (above the list)",
            json!({"org_id": fx.ent_a}),
            Expect::Status(422),
            vec![],
        ),
        (Who::Staff, fx.gb_a, "task org br_a2", json!({"org_id": br_a2}), Expect::Allow, vec![]),
    ];
    for (who, org, about, mut body, e, secrets) in specials {
        let l = ctx.new_list(org, "矩阵临时清单").await;
        let title = ctx.numbered("矩阵新建任务");
        body["title"] = json!(title);
        body["measure"] = json!(MEASURE);
        let task_org = body["org_id"].as_i64().unwrap();
        let w = &ctx.w;
        let rel = format!("{}, {about}", w.list_relation(who, l));
        cases.push(
            Case::new("POST /api/v1/lists/{id}/tasks", Method::POST, v1(format!("/lists/{l}/tasks")), who, rel, e)
                .json(body)
                .secrets(secrets),
        );
        if refused(e) {
            let what = format!("{}'s throwaway list after a task {about}", w.label(org));
            ctx.w.untouched(what, v1(format!("/lists/{l}")), Still::Len("/tasks", 0));
        }
        ctx.intended_task(l, task_org, title);
    }

    // The ledger upload needs the session's X-CSRF-Token, whoever asks.
    for (who, o, csrf) in [
        (Who::Admin, fx.br_a, Csrf::Omit),
        (Who::Admin, fx.br_a, Csrf::Wrong),
        (Who::Staff, fx.ent_a, Csrf::Omit),
        (Who::Sec, fx.br_a, Csrf::Omit),
        (Who::Sec, fx.br_b, Csrf::Omit),
        (Who::Member, fx.br_a, Csrf::Omit),
    ] {
        let problem = ctx.numbered("矩阵导入问题");
        let w = &ctx.w;
        let l = wf.lists[&o];
        let rel = format!("{}, X-CSRF-Token {csrf:?}", w.list_relation(who, l));
        cases.push(
            Case::new(
                "POST /api/v1/lists/{id}/import",
                Method::POST,
                v1(format!("/lists/{l}/import")),
                who,
                rel,
                Expect::Status(403),
            )
            .body(Body::Xlsx(ledger(&problem, &w.name(o), vec![]), csrf))
            .secrets(w.list_data(l)),
        );
        let what = format!("{}'s list after an import without the token", w.label(o));
        ctx.w.untouched(what, v1(format!("/lists/{l}")), Still::Lacks(problem.clone()));
        ctx.intended_task(l, o, problem);
    }

    // A ledger row naming an org outside the list org's subtree is refused; the answer quotes only the row.
    for (who, org, responsible, coop) in [
        (Who::Sec, fx.br_a, br_a2, vec![]),
        (Who::Sec, fx.br_a, fx.br_a, vec![fx.br_b]),
        (Who::Staff, fx.ent_a, fx.br_b, vec![]),
        (Who::Staff, fx.gb_a, fx.gb_a, vec![fx.ent_b]),
    ] {
        let l = ctx.new_list(org, "矩阵临时清单").await;
        let problem = ctx.numbered("矩阵导入问题");
        let w = &ctx.w;
        let typed: Vec<String> = w.names([responsible].into_iter().chain(coop.iter().copied()));
        let book = ledger(&problem, &w.name(responsible), w.names(coop.iter().copied()));
        let rel = format!("{}, a row naming {}", w.list_relation(who, l), typed.join(" and "));
        cases.push(
            Case::new(
                "POST /api/v1/lists/{id}/import",
                Method::POST,
                v1(format!("/lists/{l}/import")),
                who,
                rel,
                Expect::Status(422),
            )
            .body(Body::Xlsx(book, Csrf::Own))
            .exempt(typed),
        );
        let what = format!("{}'s throwaway list after a row outside its subtree", w.label(org));
        ctx.w.untouched(what, v1(format!("/lists/{l}")), Still::Len("/tasks", 0));
        ctx.intended_task(l, responsible, problem);
    }
}

async fn task_cases(ctx: &mut Ctx<'_>, wf: &WorkFx, cases: &mut Vec<Case>) {
    let fx = ctx.w.fx;
    let orgs = ctx.w.fixture_orgs.clone();

    // One task: seen through its org, its list's org or a cooperating org.
    let task_targets: Vec<i64> = orgs
        .iter()
        .flat_map(|o| [wf.tasks[o], wf.wide_tasks[o]])
        .chain([wf.coop, wf.coop_child, wf.review, MISSING])
        .collect();
    for who in EVERYONE {
        for &t in &task_targets {
            let w = &ctx.w;
            let visible = w.sees_task_id(who, t);
            let e = expect_for(who, visible, visible, true);
            let c = Case::new(
                "GET /api/v1/tasks/{id}",
                Method::GET,
                v1(format!("/tasks/{t}")),
                who,
                w.task_relation(who, t),
                e,
            )
            .target(w.task_data(t));
            cases.push(if e == Expect::Allow { c.contains([w.title(t)]).exempt(w.shown_names(t)) } else { c });
        }
    }

    // Evidence files: seen with their task.
    for who in EVERYONE {
        for (a, t, content) in wf.attachments.iter().cloned().chain([(MISSING, MISSING, String::new())]) {
            let w = &ctx.w;
            let visible = w.sees_task_id(who, t);
            let e = expect_for(who, visible, visible, true);
            let c = Case::new(
                "GET /api/v1/attachments/{id}",
                Method::GET,
                v1(format!("/attachments/{a}")),
                who,
                format!("evidence of the {}", w.task_relation(who, t)),
                e,
            )
            .target(w.task_data(t));
            cases.push(if e == Expect::Allow { c.contains([content]) } else { c });
        }
    }

    // Working a task, one throwaway task per case: at every fixture org, and ent_b's with br_a cooperating.
    let targets: Vec<(i64, bool)> =
        orgs.iter().map(|o| (*o, false)).chain([(fx.ent_b, true), (MISSING, false)]).collect();
    for who in EVERYONE {
        for &(o, coop) in &targets {
            let fresh = who != Who::Anon && o != MISSING;
            let fixture = if coop { wf.coop } else { wf.tasks.get(&o).copied().unwrap_or(MISSING) };
            let coop_orgs: Vec<i64> = if coop { vec![fx.br_a] } else { vec![] };
            let mut ts = Vec::new();
            for _ in 0..7 {
                ts.push(if fresh {
                    ctx.new_task(wf.scratch[&o], o, &coop_orgs, None, None, "矩阵临时任务").await
                } else {
                    fixture
                });
            }
            let [t_progress, t_submit, t_approve, t_return, t_attach, t_notice, t_respond] = ts[..] else {
                unreachable!()
            };
            let notice = if fresh {
                ctx.submit(t_approve).await;
                ctx.submit(t_return).await;
                ctx.new_notice(t_respond).await
            } else {
                wf.notices.get(&o).copied().unwrap_or(MISSING)
            };
            let note = ctx.numbered("矩阵进展说明");
            let content = ctx.numbered("矩阵上传内容");
            let file = format!("matrix-{}.txt", ctx.next());
            let notice_note = ctx.numbered("矩阵督办说明");
            let response = ctx.numbered("矩阵督办答复");
            let reason = ctx.numbered("矩阵退回理由");
            let w = &ctx.w;
            let visible = w.sees_task_id(who, t_progress);
            let writes = w.writes(who, o);
            let rel = w.task_relation(who, t_progress);
            let step_owner = match who {
                Who::Anon => Expect::Unauth,
                _ if visible && w.approves(who, o) => Expect::Allow,
                _ if visible => Expect::Status(403),
                _ => Expect::Hidden,
            };
            let above = match who {
                Who::Anon => Expect::Unauth,
                _ if visible && w.supervises(who, o) => Expect::Allow,
                _ if visible => Expect::Status(403),
                _ => Expect::Hidden,
            };
            let work = expect_for(who, writes, visible, true);
            let evidence = expect_for(who, visible, visible, true);
            let case = |endpoint, path: String, t: i64, e: Expect, body: Body| {
                let c = Case::new(endpoint, Method::POST, path, who, rel.clone(), e).body(body).target(w.task_data(t));
                if e == Expect::Allow {
                    c.exempt(w.shown_names(t))
                } else {
                    c
                }
            };
            let j = Body::Json;
            cases.push(case(
                "POST /api/v1/tasks/{id}/progress",
                v1(format!("/tasks/{t_progress}/progress")),
                t_progress,
                work,
                j(json!({"progress": 50, "note": note})),
            ));
            cases.push(case(
                "POST /api/v1/tasks/{id}/closeout",
                v1(format!("/tasks/{t_submit}/closeout")),
                t_submit,
                work,
                j(json!({"action": "submit"})),
            ));
            cases.push(case(
                "POST /api/v1/tasks/{id}/closeout",
                v1(format!("/tasks/{t_approve}/closeout")),
                t_approve,
                step_owner,
                j(json!({"action": "approve", "step": 0})),
            ));
            cases.push(case(
                "POST /api/v1/tasks/{id}/closeout",
                v1(format!("/tasks/{t_return}/closeout")),
                t_return,
                step_owner,
                j(json!({"action": "return", "step": 0, "reason": reason})),
            ));
            cases.push(case(
                "POST /api/v1/tasks/{id}/attachments",
                v1(format!("/tasks/{t_attach}/attachments?name={file}")),
                t_attach,
                evidence,
                Body::Raw(content.clone().into_bytes(), Csrf::Own),
            ));
            cases.push(case(
                "POST /api/v1/tasks/{id}/notices",
                v1(format!("/tasks/{t_notice}/notices")),
                t_notice,
                above,
                j(json!({"note": notice_note})),
            ));
            cases.push(case(
                "POST /api/v1/notices/{id}/respond",
                v1(format!("/notices/{notice}/respond")),
                t_respond,
                work,
                j(json!({"response": response})),
            ));
            if fresh {
                let what = |op: &str| format!("{}'s throwaway task after {who}'s refused {op}", w.label(o));
                let path = |t: i64| v1(format!("/tasks/{t}"));
                let mut checks = Vec::new();
                if refused(work) {
                    checks.push((what("progress"), path(t_progress), Still::Eq("/task/progress", json!(0.0))));
                    checks.push((what("progress"), path(t_progress), Still::Eq("/task/status", json!("open"))));
                    checks.push((what("submit"), path(t_submit), Still::Eq("/task/status", json!("open"))));
                    checks.push((what("response"), path(t_respond), Still::Eq("/notices/0/response", Value::Null)));
                }
                if refused(step_owner) {
                    checks.push((what("approval"), path(t_approve), Still::Eq("/task/status", json!("under_review"))));
                    checks.push((what("return"), path(t_return), Still::Eq("/task/status", json!("under_review"))));
                }
                if refused(evidence) {
                    checks.push((what("upload"), path(t_attach), Still::Len("/attachments", 0)));
                }
                if refused(above) {
                    checks.push((what("notice"), path(t_notice), Still::Len("/notices", 0)));
                }
                for (a, b, c) in checks {
                    ctx.w.untouched(a, b, c);
                }
                ctx.task_mut(t_progress).data.push(note);
                ctx.task_mut(t_return).data.push(reason);
                ctx.task_mut(t_attach).data.extend([content, file]);
                ctx.task_mut(t_notice).data.push(notice_note);
                ctx.task_mut(t_notice).shown.push(fx.root);
                ctx.task_mut(t_respond).data.push(response);
            }
        }
    }

    // The evidence upload needs the session's X-CSRF-Token, whoever asks.
    for (who, o, csrf) in [
        (Who::Admin, fx.br_a, Csrf::Omit),
        (Who::Admin, fx.br_a, Csrf::Wrong),
        (Who::Staff, fx.gb_a, Csrf::Omit),
        (Who::Sec, fx.br_a, Csrf::Omit),
        (Who::Sec, fx.br_b, Csrf::Omit),
        (Who::Member, fx.br_a, Csrf::Omit),
    ] {
        let content = ctx.numbered("矩阵上传内容");
        let w = &ctx.w;
        let t = wf.tasks[&o];
        let rel = format!("{}, X-CSRF-Token {csrf:?}", w.task_relation(who, t));
        cases.push(
            Case::new(
                "POST /api/v1/tasks/{id}/attachments",
                Method::POST,
                v1(format!("/tasks/{t}/attachments?name=matrix-csrf.txt")),
                who,
                rel,
                Expect::Status(403),
            )
            .body(Body::Raw(content.clone().into_bytes(), csrf))
            .secrets(w.task_data(t)),
        );
        ctx.task_mut(t).data.push(content);
    }
}

fn figure_cases(ctx: &mut Ctx<'_>, wf: &WorkFx, cases: &mut Vec<Case>) {
    let w = &ctx.w;
    let fx = w.fx;
    let orgs = w.fixture_orgs.clone();

    // The to-do centre: what waits for the caller, nothing for a member.
    let nothing = json!({"approvals": [], "due_soon": [], "overdue": [], "notices": [],
        "counts": {"approvals": 0, "due_soon": 0, "overdue": 0, "notices": 0, "total": 0}});
    for who in EVERYONE {
        let e = if who == Who::Anon { Expect::Unauth } else { Expect::Allow };
        let c = Case::new("GET /api/v1/todo", Method::GET, v1("/todo"), who, "-".into(), e);
        cases.push(match who {
            Who::Anon => c,
            Who::Member => c.equals(nothing.clone()),
            _ => {
                // Its own tasks due soon (with a notice each) or overdue, and the steps it reviews.
                let mine = orgs.iter().filter(|o| w.writes(who, **o));
                let c = c.contains(mine.flat_map(|o| [w.title(wf.tasks[o]), w.title(wf.wide_tasks[o])]));
                if w.approves(who, fx.br_a) {
                    c.contains([w.title(wf.review)])
                } else {
                    c.secrets([w.title(wf.review)])
                }
            }
        });
    }

    // Figures and the supervision board: reading the org.
    let targets: Vec<i64> = orgs.iter().copied().chain([MISSING]).collect();
    for who in EVERYONE {
        for &t in &targets {
            let visible = w.reads(who, t);
            let e = expect_for(who, visible, visible, true);
            let rel = w.relation(who, t);
            let c = Case::new(
                "GET /api/v1/orgs/{id}/stats/tasks",
                Method::GET,
                v1(format!("/orgs/{t}/stats/tasks")),
                who,
                rel.clone(),
                e,
            )
            .target(w.org_data(t));
            cases.push(if e == Expect::Allow { c.contains(["\"completion_rate\"".to_string()]) } else { c });
            let mut c =
                Case::new("GET /api/v1/orgs/{id}/board", Method::GET, v1(format!("/orgs/{t}/board")), who, rel, e)
                    .target(w.org_data(t));
            if e == Expect::Allow {
                // A row per child org; the org's own overdue tasks (root's list gave each one).
                let others = orgs.iter().filter(|o| **o != t);
                c = c
                    .contains([w.name(t), w.title(wf.wide_tasks[&t])])
                    .secrets(w.fixture_names_where(|o| o != t && w.parent.get(&o) != Some(&t)))
                    .secrets(others.map(|o| w.title(wf.wide_tasks[o])))
                    .secrets(orgs.iter().map(|o| w.title(wf.tasks[o])));
            }
            cases.push(c);
        }
    }
}

// ---------------------------------------------------------------------------
// Organizational life: activities, 第一议题, campaigns, compliance, figures
// ---------------------------------------------------------------------------

async fn activity_cases(ctx: &mut Ctx<'_>, cases: &mut Vec<Case>) {
    let orgs = ctx.w.fixture_orgs.clone();
    let targets: Vec<i64> = orgs.iter().copied().chain([MISSING]).collect();
    // Per fixture org: a held theme day, a first-topic record, a campaign.
    let mut acts: HashMap<i64, (i64, String)> = HashMap::new();
    let mut firsts: HashMap<i64, i64> = HashMap::new();
    let mut camps: HashMap<i64, (i64, String)> = HashMap::new();
    // Per (caller, org) a fresh record at version 1 for the edit cases.
    let mut fresh: HashMap<(Who, i64), i64> = HashMap::new();
    for &o in &orgs {
        let topic = ctx.numbered("矩阵活动");
        let a = ctx
            .post(
                &v1("/activities"),
                json!({"org_id": o, "kind": "theme_day", "topic": topic, "held_on": "2026-01-10"}),
            )
            .await;
        acts.insert(o, (a["activity"]["id"].as_i64().unwrap(), topic));
        let ft = ctx.numbered("矩阵议题");
        let f = ctx
            .post(&v1("/activities"), json!({"org_id": o, "kind": "first_topic", "topic": ft, "held_on": "2026-01-11"}))
            .await;
        firsts.insert(o, f["activity"]["id"].as_i64().unwrap());
        let name = ctx.numbered("矩阵大讨论");
        let c = ctx
            .post(
                &v1("/campaigns"),
                json!({"org_id": o, "name": name, "starts_on": "2026-01-01", "ends_on": "2026-12-31"}),
            )
            .await;
        camps.insert(o, (c["id"].as_i64().unwrap(), name));
        for who in EVERYONE {
            let lt = ctx.numbered("矩阵党课");
            let x = ctx
                .post(&v1("/activities"), json!({"org_id": o, "kind": "lecture", "topic": lt, "held_on": "2026-01-12"}))
                .await;
            fresh.insert((who, o), x["activity"]["id"].as_i64().unwrap());
        }
    }

    // Kinds: everyone signed in reads them; only admins add one.
    for who in EVERYONE {
        let e = if who == Who::Anon { Expect::Unauth } else { Expect::Allow };
        let c = Case::new("GET /api/v1/activity-kinds", Method::GET, v1("/activity-kinds"), who, "-".into(), e);
        cases.push(if e == Expect::Allow { c.contains(["\"general_meeting\"".to_string()]) } else { c });
        let key = format!("matrix_kind_{}", ctx.next());
        let e = match who {
            Who::Anon => Expect::Unauth,
            Who::Admin => Expect::Allow,
            _ => Expect::Deny,
        };
        cases.push(
            Case::new("POST /api/v1/activity-kinds", Method::POST, v1("/activity-kinds"), who, "-".into(), e)
                .json(json!({"key": key, "name_zh": "矩阵类型"})),
        );
    }

    for who in EVERYONE {
        for &t in &targets {
            let w = &ctx.w;
            let reads = w.reads(who, t);
            let writes = w.writes(who, t);
            let rel = w.relation(who, t);
            let read_e = expect_for(who, reads, reads, true);
            let write_e = expect_for(who, writes, reads, true);
            let act = acts.get(&t).map(|a| a.0).unwrap_or(MISSING);
            let first = firsts.get(&t).copied().unwrap_or(MISSING);
            let camp = camps.get(&t).map(|c| c.0).unwrap_or(MISSING);
            let mine = fresh.get(&(who, t)).copied().unwrap_or(MISSING);
            // Records below `t` show in its list; records elsewhere never do.
            let (inside, outside): (Vec<i64>, Vec<i64>) = orgs.iter().partition(|o| w.in_subtree(**o, t));
            let topics = |os: &[i64]| os.iter().map(|o| acts[o].1.clone()).collect::<Vec<_>>();

            let mut c = Case::new(
                "GET /api/v1/orgs/{id}/activities",
                Method::GET,
                v1(format!("/orgs/{t}/activities")),
                who,
                rel.clone(),
                read_e,
            )
            .target(w.org_data(t));
            if read_e == Expect::Allow {
                c = c.contains(topics(&inside)).secrets(topics(&outside));
            }
            cases.push(c);
            cases.push(
                Case::new(
                    "GET /api/v1/orgs/{id}/activity-defaults",
                    Method::GET,
                    v1(format!("/orgs/{t}/activity-defaults?kind=general_meeting")),
                    who,
                    rel.clone(),
                    read_e,
                )
                .target(w.org_data(t)),
            );
            cases.push(
                Case::new("POST /api/v1/activities", Method::POST, v1("/activities"), who, rel.clone(), write_e)
                    .json(json!({"org_id": t, "kind": "theme_day", "topic": "矩阵新活动", "held_on": "2026-02-01"}))
                    .target(w.org_data(t)),
            );
            let mut c = Case::new(
                "GET /api/v1/activities/{id}",
                Method::GET,
                v1(format!("/activities/{act}")),
                who,
                rel.clone(),
                read_e,
            )
            .target(w.org_data(t));
            if read_e == Expect::Allow {
                c = c.contains([acts[&t].1.clone()]);
            }
            cases.push(c);
            cases.push(
                Case::new("PUT /api/v1/activities/{id}", Method::PUT, v1(format!("/activities/{mine}")), who, rel.clone(), write_e)
                    .json(json!({"org_id": t, "kind": "lecture", "topic": "矩阵改后党课", "held_on": "2026-01-12", "version": 1}))
                    .target(w.org_data(t)),
            );
            cases.push(
                Case::new(
                    "POST /api/v1/activities/{id}/tasks",
                    Method::POST,
                    v1(format!("/activities/{first}/tasks")),
                    who,
                    rel.clone(),
                    write_e,
                )
                .json(json!({"title": "矩阵落实任务", "due_on": "2026-12-31"}))
                .target(w.org_data(t)),
            );
            cases.push(
                Case::new(
                    "GET /api/v1/activities/{id}/follow-up",
                    Method::GET,
                    v1(format!("/activities/{first}/follow-up")),
                    who,
                    rel.clone(),
                    read_e,
                )
                .target(w.org_data(t)),
            );
            let mut c = Case::new(
                "GET /api/v1/campaigns",
                Method::GET,
                v1(format!("/campaigns?org={t}")),
                who,
                rel.clone(),
                read_e,
            )
            .target(w.org_data(t));
            if read_e == Expect::Allow {
                c = c.contains([camps[&t].1.clone()]);
            }
            cases.push(c);
            cases.push(
                Case::new("POST /api/v1/campaigns", Method::POST, v1("/campaigns"), who, rel.clone(), write_e)
                    .json(
                        json!({"org_id": t, "name": "矩阵新讨论", "starts_on": "2026-01-01", "ends_on": "2026-06-30"}),
                    )
                    .target(w.org_data(t)),
            );
            cases.push(
                Case::new(
                    "GET /api/v1/campaigns/{id}",
                    Method::GET,
                    v1(format!("/campaigns/{camp}")),
                    who,
                    rel.clone(),
                    read_e,
                )
                .target(w.org_data(t)),
            );
            cases.push(
                Case::new("POST /api/v1/study-items", Method::POST, v1("/study-items"), who, rel.clone(), write_e)
                    .json(json!({"org_id": t, "kind": "suggestion", "title": "矩阵建议", "on_date": "2026-03-01"}))
                    .target(w.org_data(t)),
            );
            cases.push(
                Case::new(
                    "GET /api/v1/orgs/{id}/study-items",
                    Method::GET,
                    v1(format!("/orgs/{t}/study-items")),
                    who,
                    rel.clone(),
                    read_e,
                )
                .target(w.org_data(t)),
            );
            cases.push(
                Case::new(
                    "GET /api/v1/orgs/{id}/compliance",
                    Method::GET,
                    v1(format!("/orgs/{t}/compliance")),
                    who,
                    rel.clone(),
                    read_e,
                )
                .target(w.org_data(t)),
            );
            let c = Case::new(
                "GET /api/v1/orgs/{id}/stats/activities",
                Method::GET,
                v1(format!("/orgs/{t}/stats/activities?from=2026-01-01&to=2026-12-31")),
                who,
                rel,
                read_e,
            )
            .target(w.org_data(t));
            cases.push(if read_e == Expect::Allow { c.contains(["\"attendance_rate\"".to_string()]) } else { c });
        }
    }
}

// ---------------------------------------------------------------------------
// Running
// ---------------------------------------------------------------------------

/// The text of a roster or a rectification ledger (whichever the workbook is).
fn xlsx_text(bytes: &[u8]) -> String {
    let roster = dangjian_excel::parse(bytes);
    if let Ok(rows) = &roster {
        if !rows.is_empty() {
            return rows
                .iter()
                .map(|r| {
                    format!(
                        "{} {} {} {} {}",
                        r.name,
                        r.id_number.as_str(),
                        r.phone.as_deref().unwrap_or(""),
                        r.branch,
                        r.cell.as_deref().unwrap_or("")
                    )
                })
                .collect::<Vec<_>>()
                .join("\n");
        }
    }
    let opt = |s: &Option<String>| s.clone().unwrap_or_default();
    match (dangjian_excel::parse_ledger(bytes), roster) {
        (Ok(rows), _) if !rows.is_empty() => rows
            .iter()
            .map(|r| {
                format!(
                    "{} {} {} {} {} {} {} {} {} {}",
                    opt(&r.seq),
                    opt(&r.category),
                    r.problem,
                    r.measure,
                    r.responsible_org,
                    opt(&r.responsible_person),
                    opt(&r.leading_leader),
                    r.cooperating_orgs.join("、"),
                    opt(&r.target),
                    opt(&r.note)
                )
            })
            .collect::<Vec<_>>()
            .join("\n"),
        (_, Ok(_)) | (Ok(_), Err(_)) => String::new(),
        (Err(le), Err(e)) => {
            format!("<{} bytes of xlsx that parse neither as a roster ({e}) nor as a ledger ({le})>", bytes.len())
        }
    }
}

async fn update_body(app: &TestApp, cl: &Clients, w: &World, person: i64, org: Option<i64>) -> Value {
    let mut body = w.inputs.get(&person).or_else(|| w.inputs.get(&w.fx.person_a)).cloned().unwrap();
    let version = if w.person(person).is_some() || w.inputs.contains_key(&person) {
        let p: Value =
            cl.admin.get(app.url(&v1(format!("/people/{person}")))).send().await.unwrap().json().await.unwrap();
        p["version"].as_i64().unwrap_or(1)
    } else {
        1
    };
    body["version"] = json!(version);
    body["work_unit"] = json!("矩阵更新单位");
    if let Some(o) = org {
        body["org_id"] = json!(o);
        body["cell_id"] = Value::Null;
    }
    body
}

/// An answer's text, searchable fast for the many fresh `矩阵…N号` strings:
/// each such string starts at a 矩阵 and ends at the first 号 after it, so it
/// occurs in the text exactly when it is one of the text's tokens.
struct Haystack<'a> {
    text: &'a str,
    tokens: HashSet<&'a str>,
}

impl<'a> Haystack<'a> {
    fn new(text: &'a str) -> Haystack<'a> {
        let mut tokens = HashSet::new();
        for (i, _) in text.match_indices("矩阵") {
            let rest = &text[i..];
            if let Some(end) =
                rest.char_indices().take(40).find(|(_, ch)| *ch == '号').map(|(j, _)| j + '号'.len_utf8())
            {
                tokens.insert(&rest[..end]);
            }
        }
        Haystack { text, tokens }
    }

    fn has(&self, s: &str) -> bool {
        let numbered = s.starts_with("矩阵") && s.ends_with('号') && s.matches('号').count() == 1;
        if numbered {
            self.tokens.contains(s)
        } else {
            self.text.contains(s)
        }
    }
}

async fn run_case(app: &TestApp, cl: &Clients, w: &World, c: &Case) -> Result<(), String> {
    // Logging in or out would change a shared client's session: those use a fresh one.
    let fresh;
    let client = if c.endpoint.contains("/login") || c.endpoint.contains("/logout") {
        fresh = app.anon();
        &fresh
    } else {
        cl.client(c.who)
    };
    let mut rb = client.request(c.method.clone(), app.url(&c.path));
    match &c.body {
        Body::Empty => {}
        Body::Json(v) => rb = rb.json(v),
        Body::Xlsx(bytes, csrf) | Body::Raw(bytes, csrf) => {
            let ctype = if matches!(c.body, Body::Xlsx(..)) { XLSX } else { "text/plain; charset=utf-8" };
            rb = rb.header(CONTENT_TYPE, ctype).body(bytes.clone());
            match (csrf, cl.csrf(c.who)) {
                (Csrf::Own, Some(t)) => rb = rb.header("x-csrf-token", t),
                (Csrf::Wrong, _) => rb = rb.header("x-csrf-token", "0".repeat(64)),
                _ => {}
            }
        }
        Body::PersonUpdate { person, org } => rb = rb.json(&update_body(app, cl, w, *person, *org).await),
    }
    let resp = rb.send().await.map_err(|e| format!("request failed: {e}"))?;
    let status = resp.status().as_u16();
    let ctype = resp.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let bytes = resp.bytes().await.map_err(|e| format!("reading the answer failed: {e}"))?;
    let text = if ctype.starts_with(XLSX) { xlsx_text(&bytes) } else { String::from_utf8_lossy(&bytes).into_owned() };
    let json: Option<Value> = serde_json::from_slice(&bytes).ok();

    let mut problems = Vec::new();
    if !c.expect.accepts(status, json.as_ref()) {
        problems.push(format!("expected {:?}, got {status}", c.expect));
    }
    let hay = Haystack::new(&text);
    let foreign = w.foreign.get(&c.who).map(Vec::as_slice).unwrap_or_default();
    let mut leaked: Vec<&str> = c
        .secrets
        .iter()
        .chain(foreign)
        .map(String::as_str)
        .filter(|s| !s.is_empty() && !c.exempt.iter().any(|e| e == s) && hay.has(s))
        .collect();
    leaked.sort_unstable();
    leaked.dedup();
    if !leaked.is_empty() {
        problems.push(format!("leaks {leaked:?}"));
    }
    if (200..300).contains(&status) {
        let missing: Vec<&String> = c.contains.iter().filter(|s| !hay.has(s)).collect();
        if !missing.is_empty() {
            problems.push(format!("lacks {missing:?}"));
        }
        if let Some(eq) = &c.equals {
            if json.as_ref() != Some(eq) {
                problems.push(format!("is not {eq}"));
            }
        }
    }
    if problems.is_empty() {
        return Ok(());
    }
    let snippet: String = text.chars().take(300).collect();
    Err(format!(
        "{} {} as {} [{}; target {}]: {} — answer: {snippet}",
        c.method,
        c.path,
        c.who,
        c.endpoint,
        c.relation,
        problems.join("; ")
    ))
}

/// Checks that need more than one request: the audit trail staff_a reads is
/// confined to its subtree, and nothing in the fixture or the grants moved.
async fn scope_checks(app: &TestApp, cl: &Clients, w: &World, ids: &Ids) -> (usize, Vec<String>) {
    let mut failures = Vec::new();
    let mut checks = 0;
    let get = |who: Who, path: String| {
        let req = cl.client(who).get(app.url(&path));
        async move {
            let r = req.send().await.unwrap();
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };

    // Every audit entry staff_a reads concerns an org staff_a can read.
    let mut readable: HashMap<i64, bool> = HashMap::new();
    let mut seen = 0;
    let mut before = None;
    loop {
        let q = before.map(|b: i64| format!("&before_seq={b}")).unwrap_or_default();
        let (status, page) = get(Who::Staff, v1(format!("/audit?limit=500{q}"))).await;
        assert_eq!(status, 200, "staff_a reads the audit");
        let entries = page.as_array().cloned().unwrap_or_default();
        if entries.is_empty() {
            break;
        }
        for e in &entries {
            seen += 1;
            checks += 1;
            let Some(org) = e["org_id"].as_i64() else {
                failures.push(format!("audit for staff_a includes an entry without an org: {e}"));
                continue;
            };
            let visible = match readable.get(&org) {
                Some(v) => *v,
                None => {
                    let v = get(Who::Staff, v1(format!("/orgs/{org}"))).await.0 == 200;
                    readable.insert(org, v);
                    v
                }
            };
            if !visible {
                failures.push(format!(
                    "audit for staff_a includes seq {} ({} {} {}) about org {} outside ent_a's subtree",
                    e["seq"], e["action"], e["entity_type"], e["entity_id"], org
                ));
            }
        }
        before = entries.last().and_then(|e| e["seq"].as_i64());
    }
    checks += 1;
    if seen == 0 || !readable.get(&w.fx.gb_a).copied().unwrap_or(false) {
        failures.push(format!("audit for staff_a shows nothing about its own subtree ({seen} entries)"));
    }

    // The fixture is as it was: no refused write went through.
    for &o in &w.fixture_orgs {
        checks += 1;
        let (_, org) = get(Who::Admin, v1(format!("/orgs/{o}"))).await;
        let parent = w.parent.get(&o).copied();
        if org["name"].as_str() != Some(w.name(o).as_str())
            || org["parent_id"].as_i64() != parent
            || !org["dissolved_on"].is_null()
        {
            failures.push(format!("fixture org {} changed: {org}", w.label(o)));
        }
    }
    for p in &w.people {
        checks += 1;
        let (_, got) = get(Who::Admin, v1(format!("/people/{}", p.id))).await;
        if got["org_id"].as_i64() != Some(p.org) || got["name"].as_str() != Some(p.name.as_str()) {
            failures.push(format!("fixture person {} changed: {got}", p.label));
        }
    }
    // Whatever a refused write aimed at is as it was.
    for u in &w.untouched {
        checks += 1;
        let r = cl.admin.get(app.url(&u.path)).send().await.unwrap();
        let status = r.status().as_u16();
        let text = r.text().await.unwrap_or_default();
        let json: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        let holds = status == 200
            && match &u.still {
                Still::Eq(p, v) => json.pointer(p) == Some(v),
                Still::Len(p, n) => json.pointer(p).and_then(Value::as_array).map(Vec::len) == Some(*n),
                Still::Lacks(s) => !text.contains(s.as_str()),
                Still::Count(s, n) => text.matches(s.as_str()).count() == *n,
            };
        if !holds {
            let snippet: String = text.chars().take(300).collect();
            failures.push(format!("{} changed: GET {} as admin2 → {status} {snippet}", u.what, u.path));
        }
    }
    for who in [Who::Member, Who::Sec, Who::Staff, Who::Admin] {
        checks += 1;
        let (_, me) = get(who, v1("/me")).await;
        if me["grants"] != ids.me[&who]["grants"] {
            failures.push(format!("{who}'s grants changed: {} → {}", ids.me[&who]["grants"], me["grants"]));
        }
    }
    (checks, failures)
}

/// Every documented `/api/v1` operation has at least one case.
async fn coverage(app: &TestApp, cases: &[Case]) -> Vec<String> {
    let doc: Value = app.anon().get(app.url("/api/openapi.json")).send().await.unwrap().json().await.unwrap();
    let covered: HashSet<&str> = cases.iter().map(|c| c.endpoint).collect();
    let mut missing = Vec::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for method in ops.as_object().unwrap().keys() {
            let endpoint = format!("{} {path}", method.to_uppercase());
            if path.starts_with(V1) && !covered.contains(endpoint.as_str()) {
                missing.push(format!("no case covers {endpoint}"));
            }
        }
    }
    missing
}

#[tokio::test]
async fn authorization_matrix() {
    let mut failures = Vec::new();
    for backend in dangjian_store::testing::BACKENDS {
        let Some(app) = TestApp::spawn(backend).await else { continue };
        let started = Instant::now();
        let cl = login_all(&app).await;
        let (world, ids) = setup(&app, &cl).await;
        let csrf = cl.csrf(Who::Admin).unwrap().to_string();
        let mut ctx = Ctx { app: &app, admin: cl.admin.clone(), csrf, w: world, n: 1000 };
        let mut cases = build(&mut ctx, &ids).await;
        // The cases must not depend on their order: DANGJIAN_AUTHZ_SHUFFLE=<seed> runs them shuffled.
        if let Some(seed) = std::env::var("DANGJIAN_AUTHZ_SHUFFLE").ok().and_then(|s| s.parse::<u64>().ok()) {
            use rand::seq::SliceRandom;
            use rand::SeedableRng;
            cases.shuffle(&mut rand::rngs::StdRng::seed_from_u64(seed));
            println!("authz matrix: cases shuffled with seed {seed}");
        }
        let mut w = ctx.w;
        w.foreign = EVERYONE.into_iter().map(|who| (who, w.compute_foreign(who))).collect();
        let built = started.elapsed();

        let mut failed = coverage(&app, &cases).await;
        for c in &cases {
            if let Err(e) = run_case(&app, &cl, &w, c).await {
                failed.push(e);
            }
        }
        let (checks, scope_failed) = scope_checks(&app, &cl, &w, &ids).await;
        failed.extend(scope_failed);

        let endpoints: HashSet<&str> = cases.iter().map(|c| c.endpoint).collect();
        let mut by_expect: Vec<(String, usize)> = Vec::new();
        for c in &cases {
            let key = match c.expect {
                Expect::Status(_) => "Status".to_string(),
                e => format!("{e:?}"),
            };
            match by_expect.iter_mut().find(|(k, _)| *k == key) {
                Some((_, n)) => *n += 1,
                None => by_expect.push((key, 1)),
            }
        }
        by_expect.sort();
        let breakdown: Vec<String> = by_expect.iter().map(|(k, n)| format!("{k} {n}")).collect();
        println!(
            "authz matrix [{}]: {} cases over {} endpoints × {} roles ({}) + {checks} scope checks; \
             {} failures; setup {:.1?}, total {:.1?}",
            backend.as_str(),
            cases.len(),
            endpoints.len(),
            EVERYONE.len(),
            breakdown.join(", "),
            failed.len(),
            built,
            started.elapsed()
        );
        failures.extend(failed.into_iter().map(|f| format!("[{}] {f}", backend.as_str())));
        app.stop().await;
    }
    assert!(failures.is_empty(), "{} authorization failures:\n{}", failures.len(), failures.join("\n"));
}

// ---------------------------------------------------------------------------
// recordings: activity recordings, search, playback, delete, attach, devices
// ---------------------------------------------------------------------------
//
// admin2 records an activity at every fixture org (a row written the way the
// activities module writes it) with one photo; names and topics are fresh
// `矩阵…N号` texts, and every case lists those its caller may not read as
// secrets. Reading follows `World::reads`, uploading, deleting and attaching
// `World::writes`; devices are admins' only. Throwaway activities and
// recordings (one per writing case) keep the cases independent of their order.

/// A 1×1 PNG: the recordings' payload here.
const REC_PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\0\0\0\0IEND\xaeB`\x82";

struct RecRec {
    id: i64,
    org: i64,
    /// The activity's topic and the file's name (without `.png`).
    data: Vec<String>,
}

impl Ctx<'_> {
    /// An activity at `org`, written straight into the table.
    async fn rec_activity(&mut self, org: i64) -> (i64, String) {
        use sqlx::Row;
        let topic = self.numbered("矩阵活动");
        let pool = self.app.db().pool();
        let next: i64 = sqlx::query(
            "INSERT INTO id_counters (tenant_id, name, next_id) VALUES (1, 'activities', 2) \
             ON CONFLICT (tenant_id, name) DO UPDATE SET next_id = id_counters.next_id + 1 RETURNING next_id",
        )
        .fetch_one(pool)
        .await
        .unwrap()
        .try_get(0)
        .unwrap();
        sqlx::query(
            "INSERT INTO activities (tenant_id, id, org_id, kind, status, topic, held_on, created_at, updated_at) \
             VALUES (1, $1, $2, 'theme_day', 'held', $3, '2026-01-15', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
        )
        .bind(next - 1)
        .bind(org)
        .bind(&topic)
        .execute(pool)
        .await
        .unwrap();
        (next - 1, topic)
    }

    /// A photo admin2 uploads to `activity`: (recording id, its name without `.png`).
    async fn rec_upload(&mut self, activity: i64, prefix: &str) -> (i64, String) {
        let name = self.numbered(prefix);
        let r = self
            .admin
            .post(self.app.url(&v1(format!("/activities/{activity}/recordings?name={name}.png"))))
            .header("x-csrf-token", &self.csrf)
            .body(REC_PNG.to_vec())
            .send()
            .await
            .unwrap();
        let status = r.status();
        let text = r.text().await.unwrap();
        assert!(status.is_success(), "setup upload to activity {activity} as admin2: {status} {text}");
        let v: Value = serde_json::from_str(&text).unwrap();
        (v["id"].as_i64().unwrap(), name)
    }
}

async fn recording_cases(ctx: &mut Ctx<'_>, cases: &mut Vec<Case>) {
    let fx = ctx.w.fx;
    let orgs = ctx.w.fixture_orgs.clone();
    let mut recs: Vec<RecRec> = Vec::new();
    let mut activity_of: HashMap<i64, i64> = HashMap::new();
    for &o in &orgs {
        let (a, topic) = ctx.rec_activity(o).await;
        let (id, name) = ctx.rec_upload(a, "矩阵影像").await;
        activity_of.insert(o, a);
        recs.push(RecRec { id, org: o, data: vec![topic, name] });
    }
    // Whatever `who` may not read, among the fixture recordings and those cases add.
    let hidden_from = |w: &World, recs: &[RecRec], who: Who| -> Vec<String> {
        recs.iter().filter(|r| !w.reads(who, r.org)).flat_map(|r| r.data.clone()).collect()
    };
    let data_of = |recs: &[RecRec], org: i64| -> Vec<String> {
        recs.iter().filter(|r| r.org == org).flat_map(|r| r.data.clone()).collect()
    };

    // Reading: the activity's list, one recording, its bytes.
    for who in EVERYONE {
        for &o in orgs.iter().chain([&MISSING]) {
            let w = &ctx.w;
            let visible = w.reads(who, o);
            let e = expect_for(who, visible, visible, true);
            let rel = w.relation(who, o);
            let a = activity_of.get(&o).copied().unwrap_or(MISSING);
            let rec = recs.iter().find(|r| r.org == o).map(|r| r.id).unwrap_or(MISSING);
            let secrets = hidden_from(w, &recs, who);
            let list = Case::new(
                "GET /api/v1/activities/{id}/recordings",
                Method::GET,
                v1(format!("/activities/{a}/recordings")),
                who,
                format!("activity of {rel}"),
                e,
            )
            .target(data_of(&recs, o))
            .secrets(secrets.clone());
            cases.push(if e == Expect::Allow { list.contains(data_of(&recs, o).into_iter().skip(1)) } else { list });
            for (endpoint, path) in [
                ("GET /api/v1/recordings/{id}", v1(format!("/recordings/{rec}"))),
                ("GET /api/v1/recordings/{id}/content", v1(format!("/recordings/{rec}/content"))),
            ] {
                cases.push(
                    Case::new(endpoint, Method::GET, path, who, format!("recording of {rel}"), e)
                        .target(data_of(&recs, o))
                        .secrets(secrets.clone()),
                );
            }
            // Search within an org: only what the caller reads, nothing else.
            let e_search = if who == Who::Anon { Expect::Unauth } else { Expect::Allow };
            let c = Case::new(
                "GET /api/v1/recordings",
                Method::GET,
                v1(format!("/recordings?org_id={o}&q=%E7%9F%A9%E9%98%B5%E5%BD%B1%E5%83%8F")),
                who,
                format!("search under {rel}"),
                e_search,
            )
            .secrets(secrets);
            cases.push(if visible { c.contains(data_of(&recs, o).into_iter().skip(1)) } else { c });
        }
    }
    for who in EVERYONE {
        let w = &ctx.w;
        let e = if who == Who::Anon { Expect::Unauth } else { Expect::Allow };
        let visible: Vec<String> =
            recs.iter().filter(|r| w.reads(who, r.org)).filter_map(|r| r.data.get(1).cloned()).collect();
        cases.push(
            Case::new(
                "GET /api/v1/recordings",
                Method::GET,
                v1("/recordings?q=%E7%9F%A9%E9%98%B5%E5%BD%B1%E5%83%8F"),
                who,
                "-".into(),
                e,
            )
            .secrets(hidden_from(w, &recs, who))
            .contains(visible),
        );
    }

    // Writing, each case on its own throwaway activity or recording.
    for who in EVERYONE {
        for &o in orgs.iter().chain([&MISSING]) {
            let fresh = o != MISSING;
            let (up_a, up_topic) = if fresh { ctx.rec_activity(o).await } else { (MISSING, String::new()) };
            let (del, del_name) = if fresh {
                ctx.rec_upload(activity_of[&o], "矩阵待删影像").await
            } else {
                (MISSING, String::new())
            };
            let (att, att_name) = if fresh {
                ctx.rec_upload(activity_of[&o], "矩阵待关联影像").await
            } else {
                (MISSING, String::new())
            };
            let up_name = ctx.numbered("矩阵上传影像");
            let w = &ctx.w;
            let visible = w.reads(who, o);
            let writes = w.writes(who, o);
            let e = expect_for(who, writes, visible, true);
            let rel = w.relation(who, o);
            let secrets = hidden_from(w, &recs, who);
            cases.push(
                Case::new(
                    "POST /api/v1/activities/{id}/recordings",
                    Method::POST,
                    v1(format!("/activities/{up_a}/recordings?name={up_name}.png")),
                    who,
                    format!("activity of {rel}"),
                    e,
                )
                .body(Body::Raw(REC_PNG.to_vec(), Csrf::Own))
                .target([up_topic.clone()])
                .secrets(secrets.clone())
                .exempt([up_name.clone()]),
            );
            cases.push(
                Case::new(
                    "DELETE /api/v1/recordings/{id}",
                    Method::DELETE,
                    v1(format!("/recordings/{del}")),
                    who,
                    format!("recording of {rel}"),
                    e,
                )
                .target([del_name.clone()])
                .secrets(secrets.clone()),
            );
            cases.push(
                Case::new(
                    "POST /api/v1/recordings/{id}/attach",
                    Method::POST,
                    v1(format!("/recordings/{att}/attach")),
                    who,
                    format!("recording of {rel} to an activity of the same org"),
                    e,
                )
                .json(json!({"activity_id": activity_of.get(&o).copied().unwrap_or(MISSING)}))
                .target([att_name.clone()])
                .secrets(secrets),
            );
            if fresh && refused(e) {
                let w = &mut ctx.w;
                let path = v1(format!("/activities/{up_a}/recordings"));
                w.untouched(format!("throwaway activity {up_a} at {}", w.label(o)), path, Still::Len("", 0));
                w.untouched(format!("recording {del}"), v1(format!("/recordings/{del}")), Still::Eq("/id", json!(del)));
                let a = activity_of[&o];
                w.untouched(
                    format!("recording {att}"),
                    v1(format!("/recordings/{att}")),
                    Still::Eq("/activity_id", json!(a)),
                );
            }
            if fresh {
                // Recordings this case may add or touch: secret to whoever cannot read the org.
                recs.push(RecRec { id: 0, org: o, data: vec![up_topic, up_name, del_name, att_name] });
            }
        }
    }
    // The upload needs the session's X-CSRF-Token, whoever asks.
    for (who, csrf) in [(Who::Admin, Csrf::Omit), (Who::Admin, Csrf::Wrong), (Who::Sec, Csrf::Omit)] {
        let (a, _) = ctx.rec_activity(fx.br_a).await;
        cases.push(
            Case::new(
                "POST /api/v1/activities/{id}/recordings",
                Method::POST,
                v1(format!("/activities/{a}/recordings?name=matrix-csrf.png")),
                who,
                format!("br_a's activity, X-CSRF-Token {csrf:?}"),
                Expect::Status(403),
            )
            .body(Body::Raw(REC_PNG.to_vec(), csrf)),
        );
        ctx.w.untouched(
            format!("activity {a} after a CSRF refusal"),
            v1(format!("/activities/{a}/recordings")),
            Still::Len("", 0),
        );
    }

    // Devices: admins only, for work teams.
    for who in EVERYONE {
        let e = match who {
            Who::Anon => Expect::Unauth,
            Who::Admin => Expect::Allow,
            _ => Expect::Status(403),
        };
        cases.push(Case::new("GET /api/v1/devices", Method::GET, v1("/devices"), who, "-".into(), e));
        let team = ctx.throwaway(fx.br_a).await;
        let name = ctx.numbered("矩阵设备");
        cases.push(
            Case::new("POST /api/v1/devices", Method::POST, v1("/devices"), who, ctx.w.relation(who, team), e)
                .json(json!({"org_id": team, "name": name}))
                .exempt([name]),
        );
        let dev_name = ctx.numbered("矩阵设备");
        let d = ctx.post(&v1("/devices"), json!({"org_id": team, "name": dev_name})).await;
        let id = d["device"]["id"].as_i64().unwrap();
        let rel = format!("device of {}", ctx.w.relation(who, team));
        cases.push(Case::new(
            "POST /api/v1/devices/{id}/revoke",
            Method::POST,
            v1(format!("/devices/{id}/revoke")),
            who,
            rel,
            e,
        ));
        let missing = match who {
            Who::Admin => Expect::Hidden,
            _ => e,
        };
        cases.push(Case::new(
            "POST /api/v1/devices/{id}/revoke",
            Method::POST,
            v1(format!("/devices/{MISSING}/revoke")),
            who,
            "nonexistent device".into(),
            missing,
        ));
        // A session is no device: ingest answers 401 to every session, and stores nothing.
        cases.push(
            Case::new(
                "POST /api/v1/ingest",
                Method::POST,
                v1("/ingest?name=matrix.png"),
                who,
                "no device token".into(),
                Expect::Status(401),
            )
            .body(Body::Raw(REC_PNG.to_vec(), Csrf::Own)),
        );
    }
}
