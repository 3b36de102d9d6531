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
//! Writes are harmless (rename to the same name, move under the current
//! parent, dissolve an org that is not empty, merge into itself) or aimed at
//! throwaway orgs and people that admin2 creates while the table is built, one
//! per case, so the cases do not depend on the order they run in. Failures are
//! collected and reported together at the end.

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
        out
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
        },
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
// Running
// ---------------------------------------------------------------------------

fn xlsx_text(bytes: &[u8]) -> String {
    match dangjian_excel::parse(bytes) {
        Ok(rows) => rows
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
            .join("\n"),
        Err(e) => format!("<{} bytes of xlsx that do not parse as a roster: {e}>", bytes.len()),
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
        Body::Xlsx(bytes, csrf) => {
            rb = rb.header(CONTENT_TYPE, XLSX).body(bytes.clone());
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
    let foreign = w.foreign.get(&c.who).map(Vec::as_slice).unwrap_or_default();
    let mut leaked: Vec<&str> = c
        .secrets
        .iter()
        .chain(foreign)
        .map(String::as_str)
        .filter(|s| !s.is_empty() && !c.exempt.iter().any(|e| e == s) && text.contains(s))
        .collect();
    leaked.sort_unstable();
    leaked.dedup();
    if !leaked.is_empty() {
        problems.push(format!("leaks {leaked:?}"));
    }
    if (200..300).contains(&status) {
        let missing: Vec<&String> = c.contains.iter().filter(|s| !text.contains(s.as_str())).collect();
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
        let mut ctx = Ctx { app: &app, admin: cl.admin.clone(), w: world, n: 1000 };
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
