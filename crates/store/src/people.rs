//! People: the roster of an org subtree, one person's record, and the
//! sensitive fields.
//!
//! ID and phone numbers are stored three ways: encrypted (the only copy of the
//! full value), masked (for display), and for ID numbers a keyed hash (the
//! blind index) that the unique index stands on. Showing a full value is a
//! separate call that requires `RevealSensitive` and is written to the audit
//! trail every time.

use std::collections::HashMap;

use chrono::NaiveDate;
use dangjian_domain::id_number::{self, IdNumber};
use dangjian_domain::person::{validate_stages, Gender, MemberStatus, StageDates, TalentPool};
use dangjian_domain::role::Action;
use dangjian_domain::{phone, Code};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::audit::{append, Change};
use crate::db::next_ids;
use crate::error::{on_unique, StoreError, StoreResult};
use crate::orgs::add_people;
use crate::read::{Arg, Row};
use crate::scope::Scoped;

#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct Person {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub cell_id: Option<i64>,
    pub cell_name: Option<String>,
    pub name: String,
    /// male or female.
    pub gender: String,
    pub birth_date: String,
    /// Always masked, e.g. 1101**********002X.
    pub id_number: String,
    /// Always masked, e.g. 138****5678.
    pub phone: Option<String>,
    /// none, applicant, activist, candidate, probationary or full.
    pub status: String,
    pub applied_on: Option<String>,
    pub activist_on: Option<String>,
    pub candidate_on: Option<String>,
    pub probationary_on: Option<String>,
    pub full_on: Option<String>,
    pub work_unit: String,
    pub position: String,
    /// management, technical, skilled or overseas.
    pub talent_pool: Option<String>,
    pub workers_representative: bool,
    pub version: i64,
}

/// The columns of a person as rosters and the person page show them (no
/// ciphertexts). Public for the driver comparison in `dangjian-bench-drivers`.
pub const PERSON_SELECT: &str = "SELECT p.id, p.org_id, o.name, p.cell_id, c.name, p.name, p.gender, p.birth_date, \
    p.id_number_masked, p.phone_masked, p.status, p.applied_on, p.activist_on, p.candidate_on, p.probationary_on, p.full_on, \
    p.work_unit, p.position, p.talent_pool, p.workers_representative, p.version \
    FROM people p JOIN orgs o ON o.tenant_id = p.tenant_id AND o.id = p.org_id \
    LEFT JOIN orgs c ON c.tenant_id = p.tenant_id AND c.id = p.cell_id";

pub(crate) fn person_from(r: &Row) -> StoreResult<Person> {
    Ok(Person {
        id: r.try_get(0)?,
        org_id: r.try_get(1)?,
        org_name: r.try_get(2)?,
        cell_id: r.try_get(3)?,
        cell_name: r.try_get(4)?,
        name: r.try_get(5)?,
        gender: r.try_get(6)?,
        birth_date: r.try_get(7)?,
        id_number: r.try_get(8)?,
        phone: r.try_get(9)?,
        status: r.try_get(10)?,
        applied_on: r.try_get(11)?,
        activist_on: r.try_get(12)?,
        candidate_on: r.try_get(13)?,
        probationary_on: r.try_get(14)?,
        full_on: r.try_get(15)?,
        work_unit: r.try_get(16)?,
        position: r.try_get(17)?,
        talent_pool: r.try_get(18)?,
        workers_representative: r.try_get::<i64>(19)? != 0,
        version: r.try_get(20)?,
    })
}

/// Filters for a roster page.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RosterQuery {
    /// Name fragment, or a full ID number (matched exactly through the blind index).
    pub q: Option<String>,
    pub status: Option<String>,
    pub talent_pool: Option<String>,
    pub workers_representative: Option<bool>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RosterPage {
    pub items: Vec<Person>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

/// A person as entered in a form or API call, before validation.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct PersonInput {
    pub org_id: i64,
    pub cell_id: Option<i64>,
    pub name: String,
    /// Optional; derived from the ID number when empty.
    pub gender: Option<String>,
    pub id_number: String,
    pub phone: Option<String>,
    pub status: String,
    pub applied_on: Option<String>,
    pub activist_on: Option<String>,
    pub candidate_on: Option<String>,
    pub probationary_on: Option<String>,
    pub full_on: Option<String>,
    pub work_unit: Option<String>,
    pub position: Option<String>,
    pub talent_pool: Option<String>,
    #[serde(default)]
    pub workers_representative: bool,
}

/// A person after validation, ready to store.
#[derive(Debug, Clone)]
pub struct ValidPerson {
    pub org_id: i64,
    pub cell_id: Option<i64>,
    pub name: String,
    pub gender: Gender,
    pub id_number: IdNumber,
    pub phone: Option<String>,
    pub status: MemberStatus,
    pub dates: StageDates,
    pub work_unit: String,
    pub position: String,
    pub talent_pool: Option<TalentPool>,
    pub workers_representative: bool,
}

fn opt_date(field: &str, v: &Option<String>, errors: &mut Vec<(String, Code)>) -> Option<NaiveDate> {
    match v.as_deref().map(dangjian_domain::date::parse_opt) {
        None => None,
        Some(Ok(d)) => d,
        Some(Err(c)) => {
            errors.push((field.into(), c));
            None
        }
    }
}

fn text(field: &str, v: &Option<String>, max: usize, errors: &mut Vec<(String, Code)>) -> String {
    let t = v.as_deref().unwrap_or("").trim().to_string();
    if t.chars().count() > max {
        errors.push((field.into(), Code::TooLong));
    }
    t
}

impl PersonInput {
    /// Checks every field and reports all problems at once.
    pub fn validate(&self) -> Result<ValidPerson, Vec<(String, Code)>> {
        let mut errors = Vec::new();
        let name = dangjian_domain::person::validate_name(&self.name).map_err(|c| errors.push(("name".into(), c))).ok();
        let id = id_number::parse(&self.id_number).map_err(|c| errors.push(("id_number".into(), c))).ok();
        let gender = match self.gender.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => id.as_ref().map(|i| if i.is_male() { Gender::Male } else { Gender::Female }),
            Some(g) => match Gender::parse(g) {
                Ok(g) => {
                    if id.as_ref().is_some_and(|i| i.is_male() != (g == Gender::Male)) {
                        errors.push(("gender".into(), Code::GenderMismatch));
                    }
                    Some(g)
                }
                Err(c) => {
                    errors.push(("gender".into(), c));
                    None
                }
            },
        };
        let phone = match self.phone.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(p) => phone::parse(p).map_err(|c| errors.push(("phone".into(), c))).ok(),
        };
        let status = MemberStatus::parse(&self.status).map_err(|c| errors.push(("status".into(), c))).ok();
        let dates = StageDates {
            applied_on: opt_date("applied_on", &self.applied_on, &mut errors),
            activist_on: opt_date("activist_on", &self.activist_on, &mut errors),
            candidate_on: opt_date("candidate_on", &self.candidate_on, &mut errors),
            probationary_on: opt_date("probationary_on", &self.probationary_on, &mut errors),
            full_on: opt_date("full_on", &self.full_on, &mut errors),
        };
        if let Some(s) = status {
            if let Err((f, c)) = validate_stages(s, &dates) {
                if !errors.iter().any(|(ef, _)| ef == f) {
                    errors.push((f.into(), c));
                }
            }
        }
        let talent_pool = TalentPool::parse_opt(self.talent_pool.as_deref().unwrap_or(""))
            .map_err(|c| errors.push(("talent_pool".into(), c)))
            .ok()
            .flatten();
        let work_unit = text("work_unit", &self.work_unit, 100, &mut errors);
        let position = text("position", &self.position, 100, &mut errors);
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(ValidPerson {
            org_id: self.org_id,
            cell_id: self.cell_id,
            name: name.expect("no errors"),
            gender: gender.expect("no errors"),
            id_number: id.expect("no errors"),
            phone,
            status: status.expect("no errors"),
            dates,
            work_unit,
            position,
            talent_pool,
            workers_representative: self.workers_representative,
        })
    }
}

/// People registered in `org`'s subtree (`$2` is the org id). People of a
/// cell are registered to its branch and name the cell in `cell_id`.
fn subtree_filter(org: &crate::orgs::Org) -> &'static str {
    if org.kind() == dangjian_domain::org::OrgKind::Cell {
        "p.cell_id = $2"
    } else {
        "p.org_id IN (SELECT descendant_id FROM org_closure WHERE tenant_id = $1 AND ancestor_id = $2)"
    }
}

fn d(v: Option<NaiveDate>) -> Option<String> {
    v.map(|d| d.format("%Y-%m-%d").to_string())
}

/// Column list and bind order for inserting a person (used by single inserts and the bulk import).
pub(crate) const INSERT_COLS: &str = "tenant_id, id, org_id, cell_id, name, gender, birth_date, id_number_enc, id_number_hash, \
    id_number_masked, phone_enc, phone_masked, status, applied_on, activist_on, candidate_on, probationary_on, full_on, \
    work_unit, position, talent_pool, workers_representative, version, created_at, updated_at";
pub(crate) const INSERT_ARITY: usize = 25;

pub(crate) fn bind_person<'q>(
    q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    crypto: &crate::crypto::Crypto,
    tenant_id: i64,
    id: i64,
    v: &ValidPerson,
    now: &str,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    let idn = v.id_number.as_str();
    q.bind(tenant_id)
        .bind(id)
        .bind(v.org_id)
        .bind(v.cell_id)
        .bind(v.name.clone())
        .bind(v.gender.as_str())
        .bind(v.id_number.birth_date().format("%Y-%m-%d").to_string())
        .bind(crypto.encrypt(idn))
        .bind(crypto.blind_index(idn))
        .bind(v.id_number.masked())
        .bind(v.phone.as_deref().map(|p| crypto.encrypt(p)))
        .bind(v.phone.as_deref().map(phone::mask))
        .bind(v.status.as_str())
        .bind(d(v.dates.applied_on))
        .bind(d(v.dates.activist_on))
        .bind(d(v.dates.candidate_on))
        .bind(d(v.dates.probationary_on))
        .bind(d(v.dates.full_on))
        .bind(v.work_unit.clone())
        .bind(v.position.clone())
        .bind(v.talent_pool.map(|t| t.as_str()))
        .bind(i64::from(v.workers_representative))
        .bind(1i64)
        .bind(now.to_string())
        .bind(now.to_string())
}

/// An org of a roster's subtree with its stored people count (its subtree's).
struct CountedOrg {
    id: i64,
    parent_id: Option<i64>,
    name: String,
    people: i64,
}

/// Which orgs' people fill the roster page `[offset, offset + per_page)`,
/// and how many people come before the first of them; `None` past the end.
///
/// `orgs` are the subtree's orgs that register people (no cells: a cell's
/// count is of people registered to its branch), in the roster's order of
/// org names. An org's own people are its count less its children's. People
/// of equally named orgs interleave in the roster (it sorts by org name,
/// then person), so orgs go by name groups: a group the page touches brings
/// all its orgs, and the people before it are those of the groups before.
fn page_orgs(orgs: &[CountedOrg], offset: i64, per_page: i64) -> Option<(Vec<i64>, i64)> {
    let mut below: std::collections::HashMap<i64, i64> = std::collections::HashMap::with_capacity(orgs.len());
    for o in orgs {
        if let Some(p) = o.parent_id {
            *below.entry(p).or_default() += o.people;
        }
    }
    let own = |o: &CountedOrg| o.people - below.get(&o.id).copied().unwrap_or(0);
    let (mut ids, mut first_before, mut before) = (Vec::new(), None, 0i64);
    let mut i = 0;
    while i < orgs.len() && before < offset + per_page {
        let j = i + orgs[i..].iter().take_while(|o| o.name == orgs[i].name).count();
        let group = &orgs[i..j];
        let n: i64 = group.iter().map(own).sum();
        if n > 0 && before + n > offset {
            first_before.get_or_insert(before);
            ids.extend(group.iter().filter(|o| own(o) > 0).map(|o| o.id));
        }
        before += n;
        i = j;
    }
    first_before.map(|b| (ids, b))
}

/// The audit snapshot of a person: masked values only, never the full numbers.
pub(crate) fn audit_json(v: &ValidPerson) -> serde_json::Value {
    json!({
        "org_id": v.org_id, "cell_id": v.cell_id, "name": v.name, "gender": v.gender.as_str(),
        "id_number": v.id_number.masked(), "phone": v.phone.as_deref().map(phone::mask),
        "status": v.status.as_str(), "dates": v.dates, "work_unit": v.work_unit, "position": v.position,
        "talent_pool": v.talent_pool.map(|t| t.as_str()), "workers_representative": v.workers_representative,
    })
}

impl Scoped<'_> {
    /// People registered anywhere in `org_id`'s subtree, filtered and paged.
    pub async fn roster(&self, org_id: i64, q: &RosterQuery) -> StoreResult<RosterPage> {
        let org = self.org(org_id).await?;
        let t = self.p.tenant_id;
        let per_page = q.per_page.unwrap_or(50).clamp(1, 5000);
        let page = q.page.unwrap_or(1).max(1);
        let base_sql = format!(" WHERE p.tenant_id = $1 AND {}", subtree_filter(&org));
        let mut where_sql = base_sql.clone();
        let mut binds: Vec<String> = Vec::new();
        if let Some(text) = q.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            if let Ok(id) = id_number::parse(text) {
                binds.push(self.db.crypto.blind_index(id.as_str()));
                where_sql.push_str(&format!(" AND p.id_number_hash = ${}", binds.len() + 2));
            } else {
                binds.push(format!("%{}%", text.replace(['%', '_'], "")));
                where_sql.push_str(&format!(" AND (p.name LIKE ${n} OR p.work_unit LIKE ${n})", n = binds.len() + 2));
            }
        }
        if let Some(s) = q.status.as_deref().filter(|s| !s.is_empty() && *s != "all") {
            if s == "members" {
                where_sql.push_str(" AND p.status IN ('probationary', 'full')");
            } else {
                let st = MemberStatus::parse(s).map_err(|c| StoreError::field("status", c))?;
                binds.push(st.as_str().into());
                where_sql.push_str(&format!(" AND p.status = ${}", binds.len() + 2));
            }
        }
        if let Some(tp) = q.talent_pool.as_deref().filter(|s| !s.is_empty()) {
            let tp = TalentPool::parse_opt(tp).map_err(|c| StoreError::field("talent_pool", c))?;
            if let Some(tp) = tp {
                binds.push(tp.as_str().into());
                where_sql.push_str(&format!(" AND p.talent_pool = ${}", binds.len() + 2));
            }
        }
        if let Some(w) = q.workers_representative {
            where_sql.push_str(if w {
                " AND p.workers_representative = 1"
            } else {
                " AND p.workers_representative = 0"
            });
        }
        if where_sql == base_sql && org.kind() != dangjian_domain::org::OrgKind::Cell {
            return self.roster_window(&org, page, per_page).await;
        }
        let count_sql = format!("SELECT COUNT(*) FROM people p{where_sql}");
        let mut args: Vec<Arg> = vec![t.into(), org_id.into()];
        args.extend(binds.iter().map(Arg::from));
        let total: i64 = self.db.read_one(&count_sql, &args).await?.try_get(0)?;
        let list_sql = format!(
            "{PERSON_SELECT}{where_sql} ORDER BY o.name, p.name, p.id LIMIT {per_page} OFFSET {}",
            (page - 1) * per_page
        );
        let items = self.db.read(&list_sql, &args).await?.iter().map(person_from).collect::<StoreResult<_>>()?;
        Ok(RosterPage { items, total, page, per_page })
    }

    /// An unfiltered roster page without counting or sorting the whole
    /// subtree (an enterprise's 3,300 people at M, to show 50): the stored
    /// people counts say how many people each org of the subtree registers,
    /// so only the orgs whose people fall on the page are read and sorted.
    /// Same order as the filtered roster: org name, then person name and id;
    /// people of equally named orgs interleave, so such orgs go together.
    async fn roster_window(&self, org: &crate::orgs::Org, page: i64, per_page: i64) -> StoreResult<RosterPage> {
        let t = self.p.tenant_id;
        let org_id = org.id;
        let offset = (page - 1) * per_page;
        let total = self.lineage_of(org_id).await?.first().map_or(0, |l| l.people_count);
        if offset >= total {
            return Ok(RosterPage { items: vec![], total, page, per_page });
        }
        // The whole subtree fits on the first page (every branch of 3–50
        // people): no window to find, one statement.
        if offset == 0 && total <= per_page {
            let items = self
                .db
                .read(
                    &format!(
                        "{PERSON_SELECT} WHERE p.tenant_id = $1 AND {} ORDER BY o.name, p.name, p.id LIMIT $3",
                        subtree_filter(org)
                    ),
                    crate::args![t, org_id, per_page],
                )
                .await?
                .iter()
                .map(person_from)
                .collect::<StoreResult<_>>()?;
            return Ok(RosterPage { items, total, page, per_page });
        }
        // The subtree's orgs that register people, in the roster's order of
        // org names (the database's own collation decides it, as it does for
        // the people query below); the page's orgs are picked from them here.
        let rows = self
            .db
            .read(
                "SELECT o.id, o.parent_id, o.name, o.people_count \
                 FROM org_closure c JOIN orgs o ON o.tenant_id = c.tenant_id AND o.id = c.descendant_id \
                 WHERE c.tenant_id = $1 AND c.ancestor_id = $2 AND o.kind <> 'cell' AND o.people_count > 0 \
                 ORDER BY o.name, o.id",
                crate::args![t, org_id],
            )
            .await?;
        let orgs = rows
            .iter()
            .map(|r| {
                Ok(CountedOrg {
                    id: r.try_get(0)?,
                    parent_id: r.try_get(1)?,
                    name: r.try_get(2)?,
                    people: r.try_get(3)?,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        let Some((ids, before)) = page_orgs(&orgs, offset, per_page) else {
            return Ok(RosterPage { items: vec![], total, page, per_page });
        };
        // One placeholder per org: the statement's text depends only on how
        // many orgs the page spans (nearly always one or two), so it stays
        // in the prepared-statement cache.
        let marks = (0..ids.len()).map(|i| format!("${}", i + 4)).collect::<Vec<_>>().join(", ");
        let sql = format!(
            "{PERSON_SELECT} WHERE p.tenant_id = $1 AND p.org_id IN ({marks}) ORDER BY o.name, p.name, p.id LIMIT $2 OFFSET $3"
        );
        let mut args: Vec<Arg> = vec![t.into(), per_page.into(), (offset - before).into()];
        args.extend(ids.into_iter().map(Arg::from));
        let items = self.db.read(&sql, &args).await?.iter().map(person_from).collect::<StoreResult<_>>()?;
        Ok(RosterPage { items, total, page, per_page })
    }

    /// One person: visible when registered in the caller's read scope, or
    /// when it is the caller's own record.
    pub async fn person(&self, id: i64) -> StoreResult<Person> {
        let scope = match self.org_filter(Action::Read, "p.org_id", false) {
            crate::scope::OrgFilter::Nothing => "FALSE".to_string(),
            crate::scope::OrgFilter::All => "TRUE".to_string(),
            crate::scope::OrgFilter::Sql(s) => s,
        };
        let own = self.p.person_id.map(|pid| format!(" OR p.id = {pid}")).unwrap_or_default();
        let sql = format!("{PERSON_SELECT} WHERE p.tenant_id = $1 AND p.id = $2 AND ({scope}{own})");
        let row = self.db.read_opt(&sql, crate::args![self.p.tenant_id, id]).await?;
        person_from(&row.ok_or(StoreError::NotFound)?)
    }

    /// The full ID or phone number. Allowed to holders of `RevealSensitive`
    /// over the person's org, and to the person themself; always audited.
    pub async fn reveal(&self, person_id: i64, field: &str) -> StoreResult<String> {
        let person = self.person(person_id).await?;
        if self.p.person_id != Some(person_id) {
            self.require(Action::RevealSensitive, person.org_id).await?;
        }
        let column = match field {
            "id_number" => "id_number_enc",
            "phone" => "phone_enc",
            _ => return Err(StoreError::field("field", Code::InvalidValue)),
        };
        let sql = format!("SELECT {column} FROM people WHERE tenant_id = $1 AND id = $2");
        let enc: Option<String> =
            self.db.read_one(&sql, crate::args![self.p.tenant_id, person_id]).await?.try_get(0)?;
        let plain = match enc {
            Some(e) => self.db.crypto.decrypt(&e)?,
            None => String::new(),
        };
        let mut tx = self.db.begin_write().await?;
        append(
            &mut tx,
            self.p,
            Change {
                action: "reveal",
                entity_type: "person",
                entity_id: person_id.to_string(),
                org_id: Some(person.org_id),
                before: None,
                after: Some(json!({ "field": field })),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(plain)
    }

    /// Checks that `org_id` is a branch (or cell) the caller may write people
    /// into and that `cell_id` is a cell of it. Returns the branch id and cell id.
    async fn registration(&self, org_id: i64, cell_id: Option<i64>) -> StoreResult<(i64, Option<i64>)> {
        self.require(Action::WritePeople, org_id).await.map_err(|e| match e {
            StoreError::NotFound => StoreError::field("org_id", Code::UnknownOrg),
            e => e,
        })?;
        let org = self.org(org_id).await?;
        if org.dissolved_on.is_some() {
            return Err(StoreError::field("org_id", Code::OrgDissolved));
        }
        // Registering in a cell means the branch above it plus the cell.
        let (branch, cell) = match org.kind() {
            dangjian_domain::org::OrgKind::Branch => (org_id, cell_id),
            dangjian_domain::org::OrgKind::Cell => {
                (org.parent_id.ok_or(StoreError::field("org_id", Code::OrgNotRegistration))?, Some(org_id))
            }
            _ => return Err(StoreError::field("org_id", Code::OrgNotRegistration)),
        };
        if let Some(c) = cell {
            let cell_org = self.org(c).await.map_err(|_| StoreError::field("cell_id", Code::UnknownOrg))?;
            if cell_org.parent_id != Some(branch) || cell_org.kind() != dangjian_domain::org::OrgKind::Cell {
                return Err(StoreError::field("cell_id", Code::UnknownOrg));
            }
        }
        Ok((branch, cell))
    }

    pub async fn create_person(&self, input: &PersonInput) -> StoreResult<Person> {
        let mut v = input.validate().map_err(StoreError::Validation)?;
        let (branch, cell) = self.registration(v.org_id, v.cell_id).await?;
        v.org_id = branch;
        v.cell_id = cell;
        let t = self.p.tenant_id;
        let mut tx = self.db.begin_write().await?;
        let id = next_ids(&mut tx, t, "people", 1).await?;
        let now = crate::now_text();
        let sql = format!(
            "INSERT INTO people ({INSERT_COLS}) VALUES ({})",
            (1..=INSERT_ARITY).map(|i| format!("${i}")).collect::<Vec<_>>().join(",")
        );
        bind_person(sqlx::query(&sql), &self.db.crypto, t, id, &v, &now)
            .execute(tx.conn())
            .await
            .map_err(|e| on_unique(e, Code::IdNumberDuplicate))?;
        add_people(&mut tx, t, &HashMap::from([((branch, cell), 1)])).await?;
        append(
            &mut tx,
            self.p,
            Change {
                action: "create",
                entity_type: "person",
                entity_id: id.to_string(),
                org_id: Some(branch),
                before: None,
                after: Some(audit_json(&v)),
            },
        )
        .await?;
        tx.commit().await?;
        // The memoized lineages carry people counts.
        self.forget_ancestry();
        self.person(id).await
    }

    /// Updates a person. `version` is the version the editor saw: if someone
    /// saved in between, this answers `Conflict` instead of overwriting.
    pub async fn update_person(&self, id: i64, version: i64, input: &PersonInput) -> StoreResult<Person> {
        let before = self.person(id).await?;
        self.require(Action::WritePeople, before.org_id).await?;
        let mut v = input.validate().map_err(StoreError::Validation)?;
        let (branch, cell) = self.registration(v.org_id, v.cell_id).await?;
        v.org_id = branch;
        v.cell_id = cell;
        let t = self.p.tenant_id;
        let c = &self.db.crypto;
        let mut tx = self.db.begin_write().await?;
        let idn = v.id_number.as_str();
        let res = sqlx::query(
            "UPDATE people SET org_id = $3, cell_id = $4, name = $5, gender = $6, birth_date = $7, id_number_enc = $8, \
             id_number_hash = $9, id_number_masked = $10, phone_enc = $11, phone_masked = $12, status = $13, applied_on = $14, \
             activist_on = $15, candidate_on = $16, probationary_on = $17, full_on = $18, work_unit = $19, position = $20, \
             talent_pool = $21, workers_representative = $22, version = version + 1, updated_at = $23 \
             WHERE tenant_id = $1 AND id = $2 AND version = $24",
        )
        .bind(t)
        .bind(id)
        .bind(v.org_id)
        .bind(v.cell_id)
        .bind(&v.name)
        .bind(v.gender.as_str())
        .bind(v.id_number.birth_date().format("%Y-%m-%d").to_string())
        .bind(c.encrypt(idn))
        .bind(c.blind_index(idn))
        .bind(v.id_number.masked())
        .bind(v.phone.as_deref().map(|p| c.encrypt(p)))
        .bind(v.phone.as_deref().map(phone::mask))
        .bind(v.status.as_str())
        .bind(d(v.dates.applied_on))
        .bind(d(v.dates.activist_on))
        .bind(d(v.dates.candidate_on))
        .bind(d(v.dates.probationary_on))
        .bind(d(v.dates.full_on))
        .bind(&v.work_unit)
        .bind(&v.position)
        .bind(v.talent_pool.map(|t| t.as_str()))
        .bind(i64::from(v.workers_representative))
        .bind(crate::now_text())
        .bind(version)
        .execute(tx.conn())
        .await
        .map_err(|e| on_unique(e, Code::IdNumberDuplicate))?;
        if res.rows_affected() == 0 {
            return Err(StoreError::Conflict(Code::Conflict));
        }
        // The version matched, so the row was still registered where `before` says.
        if (before.org_id, before.cell_id) != (v.org_id, v.cell_id) {
            let moved = HashMap::from([((before.org_id, before.cell_id), -1), ((v.org_id, v.cell_id), 1)]);
            add_people(&mut tx, t, &moved).await?;
        }
        append(
            &mut tx,
            self.p,
            Change {
                action: "update",
                entity_type: "person",
                entity_id: id.to_string(),
                org_id: Some(v.org_id),
                before: Some(serde_json::to_value(&before).unwrap_or_default()),
                after: Some(audit_json(&v)),
            },
        )
        .await?;
        tx.commit().await?;
        // The memoized lineages carry people counts.
        self.forget_ancestry();
        self.person(id).await
    }

    /// The roster of `org_id`'s subtree as export rows: full ID and phone
    /// numbers for those allowed to see them (masked otherwise), and each
    /// branch written in its shortest unambiguous form (`支部`, `上级/支部` …,
    /// see `import::OrgPaths`), so the file imports back. The export is audited once.
    pub async fn roster_for_export(&self, org_id: i64) -> StoreResult<Vec<dangjian_excel::ExportRow>> {
        let subtree = self.subtree(org_id).await?;
        let filter = subtree.iter().find(|o| o.id == org_id).map(subtree_filter).ok_or(StoreError::NotFound)?;
        let full = self.require(Action::RevealSensitive, org_id).await.is_ok();
        let paths = crate::import::OrgPaths::branches(&subtree, org_id);
        let t = self.p.tenant_id;
        let sql = format!("{PERSON_SELECT_ENC} WHERE p.tenant_id = $1 AND {filter} ORDER BY o.name, p.name, p.id");
        let rows = self.db.read_long(&sql, crate::args![t, org_id]).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let mut p = person_from(r)?;
            let (idn, phone) = if full {
                let id_enc: String = r.try_get(21)?;
                let ph_enc: Option<String> = r.try_get(22)?;
                (self.db.crypto.decrypt(&id_enc)?, ph_enc.map(|e| self.db.crypto.decrypt(&e)).transpose()?)
            } else {
                (p.id_number.clone(), p.phone.clone())
            };
            if let Some(label) = paths.label(p.org_id) {
                p.org_name = label.to_string();
            }
            out.push(p.export_row(idn, phone));
        }
        let mut tx = self.db.begin_write().await?;
        append(
            &mut tx,
            self.p,
            Change {
                action: "export",
                entity_type: "roster",
                entity_id: org_id.to_string(),
                org_id: Some(org_id),
                before: None,
                after: Some(json!({"rows": out.len(), "full_numbers": full})),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(out)
    }
}

impl Person {
    /// The export row for this person, with the full (or masked) numbers the caller may see.
    pub fn export_row(self, id_number: String, phone: Option<String>) -> dangjian_excel::ExportRow {
        let d = |s: &Option<String>| s.as_deref().and_then(|s| dangjian_domain::date::parse(s).ok());
        dangjian_excel::ExportRow {
            gender: Gender::parse(&self.gender).unwrap_or(Gender::Male),
            status: MemberStatus::parse(&self.status).unwrap_or(MemberStatus::None),
            dates: StageDates {
                applied_on: d(&self.applied_on),
                activist_on: d(&self.activist_on),
                candidate_on: d(&self.candidate_on),
                probationary_on: d(&self.probationary_on),
                full_on: d(&self.full_on),
            },
            talent_pool: self.talent_pool.as_deref().and_then(|t| TalentPool::parse_opt(t).ok().flatten()),
            name: self.name,
            id_number,
            phone,
            branch: self.org_name,
            cell: self.cell_name,
            work_unit: Some(self.work_unit).filter(|s| !s.is_empty()),
            position: Some(self.position).filter(|s| !s.is_empty()),
            workers_representative: self.workers_representative,
        }
    }
}

const PERSON_SELECT_ENC: &str = "SELECT p.id, p.org_id, o.name, p.cell_id, c.name, p.name, p.gender, p.birth_date, \
    p.id_number_masked, p.phone_masked, p.status, p.applied_on, p.activist_on, p.candidate_on, p.probationary_on, p.full_on, \
    p.work_unit, p.position, p.talent_pool, p.workers_representative, p.version, p.id_number_enc, p.phone_enc \
    FROM people p JOIN orgs o ON o.tenant_id = p.tenant_id AND o.id = p.org_id \
    LEFT JOIN orgs c ON c.tenant_id = p.tenant_id AND c.id = p.cell_id";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_reports_every_field() {
        let input = PersonInput {
            org_id: 1,
            name: " ".into(),
            id_number: "110105194912310021".into(),
            phone: Some("12".into()),
            status: "full".into(),
            ..Default::default()
        };
        let errs = input.validate().unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(fields, vec!["name", "id_number", "phone", "full_on"]);
    }

    #[test]
    fn gender_comes_from_the_id_number() {
        let input = PersonInput {
            org_id: 1,
            name: "张三".into(),
            id_number: "11010519491231002x".into(),
            status: "applicant".into(),
            ..Default::default()
        };
        let v = input.validate().unwrap();
        assert_eq!(v.gender, Gender::Female);
        assert_eq!(v.id_number.as_str(), "11010519491231002X");
        let wrong = PersonInput { gender: Some("男".into()), ..input };
        assert_eq!(wrong.validate().unwrap_err(), vec![("gender".to_string(), Code::GenderMismatch)]);
    }

    fn org(id: i64, parent_id: Option<i64>, name: &str, people: i64) -> CountedOrg {
        CountedOrg { id, parent_id, name: name.into(), people }
    }

    #[test]
    fn roster_pages_pick_the_orgs_their_people_come_from() {
        // An enterprise of 10 registering 3 itself, over A (4 people) and B (3),
        // in the database's name order: A, B, then the enterprise "Z".
        let orgs = [org(2, Some(1), "A", 4), org(3, Some(1), "B", 3), org(1, None, "Z", 10)];
        assert_eq!(page_orgs(&orgs, 0, 4), Some((vec![2], 0)));
        assert_eq!(page_orgs(&orgs, 0, 5), Some((vec![2, 3], 0)));
        assert_eq!(page_orgs(&orgs, 4, 3), Some((vec![3], 4)));
        assert_eq!(page_orgs(&orgs, 6, 3), Some((vec![3, 1], 4)), "a page across B and the enterprise");
        assert_eq!(page_orgs(&orgs, 7, 50), Some((vec![1], 7)));
        assert_eq!(page_orgs(&orgs, 10, 5), None, "past the end");
    }

    #[test]
    fn equally_named_orgs_go_together_and_empty_orgs_stay_out() {
        // Two branches named "一支部" interleave their people; an org whose
        // count is all its children's registers nobody itself.
        let orgs = [
            org(4, Some(1), "一支部", 2),
            org(5, Some(2), "一支部", 3),
            org(2, Some(1), "二总支", 3),
            org(1, None, "企业", 8),
        ];
        assert_eq!(page_orgs(&orgs, 3, 1), Some((vec![4, 5], 0)), "the group's orgs, counted from its start");
        assert_eq!(page_orgs(&orgs, 5, 3), Some((vec![1], 5)), "二总支 registers nobody itself");
        assert_eq!(page_orgs(&orgs, 8, 3), None);
    }
}
