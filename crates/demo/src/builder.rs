//! Walks the blueprint and draws everything else: dates, terms, people,
//! office holders, partnerships, and finally the document numbers.
//!
//! The order of the steps is part of the output (one random stream drives all
//! of them), so it is fixed: organizations in blueprint order, then terms,
//! people and office holders in key order, then document numbers.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{Datelike, Days, NaiveDate, Weekday};
use dangjian_domain::date::add_years;
use dangjian_domain::id_number;
use dangjian_domain::org::{OrgEventKind, OrgKind};
use dangjian_domain::person::{Gender, MemberStatus, TalentPool};
use dangjian_domain::settings::Settings;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::blueprint::{Body, Cat, Industry, UnitKind, What, BODIES, CHANGES, ELSEWHERE};
use crate::{
    names, people, DemoEvent, DemoGroup, DemoOfficeHolder, DemoOrg, DemoPartnership, DemoPerson, DemoTerm,
    REFERENCE_DATE,
};

/// Nothing is founded at random after this day; 2025's changes are listed.
const LAST_RANDOM_FOUNDING: NaiveDate = match NaiveDate::from_ymd_opt(2024, 12, 31) {
    Some(d) => d,
    None => panic!("valid date"),
};

const CELL_NAMES: [&str; 3] = ["第一党小组", "第二党小组", "第三党小组"];
const TEAM_NAMES: [&str; 4] = ["甲班", "乙班", "丙班", "丁班"];

fn ymd((y, m, d): (i32, u32, u32)) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid blueprint date")
}

/// Official decisions fall on working days: Saturday moves back, Sunday forward.
fn weekday(d: NaiveDate) -> NaiveDate {
    match d.weekday() {
        Weekday::Sat => d - Days::new(1),
        Weekday::Sun => d + Days::new(1),
        _ => d,
    }
}

/// Document numbers, handed out once every decision is known so that within
/// an issuer and year they increase with the date. Decisions of the same
/// issuer on the same day share one document.
#[derive(Default)]
struct Docs {
    keys: Vec<(String, NaiveDate)>,
    index: HashMap<(String, NaiveDate), usize>,
}

impl Docs {
    fn request(&mut self, prefix: String, on: NaiveDate) -> usize {
        let key = (prefix, on);
        if let Some(&id) = self.index.get(&key) {
            return id;
        }
        let id = self.keys.len();
        self.keys.push(key.clone());
        self.index.insert(key, id);
        id
    }

    fn finalize(&self, rng: &mut impl Rng) -> Vec<String> {
        let mut by_year: BTreeMap<(&str, i32), Vec<(NaiveDate, usize)>> = BTreeMap::new();
        for (id, (prefix, on)) in self.keys.iter().enumerate() {
            by_year.entry((prefix.as_str(), on.year())).or_default().push((*on, id));
        }
        let mut out = vec![String::new(); self.keys.len()];
        for ((prefix, year), mut docs) in by_year {
            docs.sort();
            // Other documents of the year come in between.
            let mut n: u32 = rng.gen_range(1..=12);
            for (_, id) in docs {
                out[id] = format!("{prefix}〔{year}〕{n}号");
                n += rng.gen_range(1..=6);
            }
        }
        out
    }
}

/// Names and head titles already used in the branch being staffed.
#[derive(Default)]
struct Taken {
    names: HashSet<String>,
    heads: HashSet<&'static str>,
}

/// What the builder knows about an org beyond [`DemoOrg`].
struct Meta {
    /// Index into [`BODIES`] of the body it belongs to.
    body: usize,
    /// It is the body's own committee (or the root's leadership group).
    is_body: bool,
    cat: Cat,
    /// The plant or centre it is part of ("" for a body's own departments).
    unit: &'static str,
    /// Planned head count, for branches.
    size: usize,
    founding_parent: Option<usize>,
    /// Moves, in date order: (effective date, new parent).
    moves: Vec<(NaiveDate, usize)>,
}

pub(crate) struct Builder {
    rng: ChaCha8Rng,
    settings: Settings,
    orgs: Vec<DemoOrg>,
    meta: Vec<Meta>,
    org_docs: Vec<usize>,
    events: Vec<DemoEvent>,
    event_docs: Vec<usize>,
    terms: Vec<DemoTerm>,
    term_docs: Vec<usize>,
    people: Vec<DemoPerson>,
    births: Vec<NaiveDate>,
    holders: Vec<DemoOfficeHolder>,
    partnerships: Vec<DemoPartnership>,
    docs: Docs,
    /// (body index, founding name) → key.
    by_name: HashMap<(usize, String), usize>,
    body_keys: HashMap<&'static str, usize>,
    ids: HashSet<String>,
    phones: HashSet<String>,
}

impl Builder {
    pub fn new(seed: u64) -> Builder {
        Builder {
            rng: ChaCha8Rng::seed_from_u64(seed),
            settings: Settings::default(),
            orgs: Vec::new(),
            meta: Vec::new(),
            org_docs: Vec::new(),
            events: Vec::new(),
            event_docs: Vec::new(),
            terms: Vec::new(),
            term_docs: Vec::new(),
            people: Vec::new(),
            births: Vec::new(),
            holders: Vec::new(),
            partnerships: Vec::new(),
            docs: Docs::default(),
            by_name: HashMap::new(),
            body_keys: HashMap::new(),
            ids: HashSet::new(),
            phones: HashSet::new(),
        }
    }

    pub fn build(mut self) -> DemoGroup {
        for (bi, body) in BODIES.iter().enumerate() {
            self.body(bi, body);
        }
        let keys: Vec<usize> = (0..self.orgs.len()).collect();
        for &key in &keys {
            self.term(key);
        }
        for &key in &keys {
            self.staff(key);
        }
        self.office_holders();
        self.partnerships();

        for (key, org) in self.orgs.iter().enumerate() {
            let issuer = self.issuer_at(key, org.established_on);
            self.org_docs[key] = self.docs.request(self.prefix(issuer), org.established_on);
        }
        let numbers = self.docs.finalize(&mut self.rng);
        for (org, &doc) in self.orgs.iter_mut().zip(&self.org_docs) {
            org.establish_doc_no = numbers[doc].clone();
        }
        for (event, &doc) in self.events.iter_mut().zip(&self.event_docs) {
            event.doc_no = numbers[doc].clone();
        }
        for (term, &doc) in self.terms.iter_mut().zip(&self.term_docs) {
            term.doc_no = numbers[doc].clone();
        }
        let mut events: Vec<DemoEvent> = self.events;
        events.sort_by_key(|e| (e.effective_on, e.org));

        DemoGroup {
            orgs: self.orgs,
            events,
            people: self.people,
            terms: self.terms,
            office_holders: self.holders,
            partnerships: self.partnerships,
        }
    }

    // ----- dates and issuers -------------------------------------------------

    /// A working day between `lo` and `hi` inclusive (`lo` if the range is empty).
    fn date_between(&mut self, lo: NaiveDate, hi: NaiveDate) -> NaiveDate {
        if hi <= lo {
            return lo;
        }
        let d = lo + Days::new(self.rng.gen_range(0..=(hi - lo).num_days() as u64));
        let w = weekday(d);
        if w < lo || w > hi {
            d
        } else {
            w
        }
    }

    fn parent_at(&self, key: usize, on: NaiveDate) -> Option<usize> {
        let m = &self.meta[key];
        let mut parent = m.founding_parent;
        for &(d, p) in &m.moves {
            if d <= on {
                parent = Some(p);
            }
        }
        parent
    }

    /// The body that decided about `key` on `on`: its nearest body ancestor then.
    fn issuer_at(&self, key: usize, on: NaiveDate) -> Option<usize> {
        let mut cur = self.parent_at(key, on);
        while let Some(p) = cur {
            if self.meta[p].is_body {
                return Some(p);
            }
            cur = self.parent_at(p, on);
        }
        None
    }

    fn prefix(&self, issuer: Option<usize>) -> String {
        match issuer {
            Some(key) => BODIES[self.meta[key].body].doc_prefix(),
            // The group's leadership group answers to SASAC's party committee.
            None => "国资委党委".to_string(),
        }
    }

    // ----- organizations -----------------------------------------------------

    fn change(abbr: &str, name: &str) -> Option<&'static What> {
        CHANGES.iter().find(|c| c.abbr == abbr && c.org == name).map(|c| &c.what)
    }

    fn change_date(abbr: &str, name: &str) -> Option<NaiveDate> {
        CHANGES.iter().find(|c| c.abbr == abbr && c.org == name).map(|c| ymd(c.on))
    }

    #[allow(clippy::too_many_arguments)]
    fn push_org(
        &mut self,
        parent: Option<usize>,
        kind: OrgKind,
        name: String,
        established_on: NaiveDate,
        body: usize,
        is_body: bool,
        cat: Cat,
        unit: &'static str,
    ) -> usize {
        let key = self.orgs.len();
        let overseas = BODIES[body].overseas;
        if !is_body && kind.has_terms() {
            let clash = self.by_name.insert((body, name.clone()), key);
            assert!(clash.is_none(), "duplicate name {name} in {}", BODIES[body].abbr);
        }
        self.orgs.push(DemoOrg {
            key,
            parent,
            kind,
            name,
            established_on,
            establish_doc_no: String::new(),
            overseas,
            dissolved_on: None,
        });
        self.meta.push(Meta { body, is_body, cat, unit, size: 0, founding_parent: parent, moves: Vec::new() });
        self.org_docs.push(0);
        key
    }

    /// When a child of an org founded on `parent_on` was founded: mostly with
    /// the parent's first batch, sometimes later.
    fn child_founding(&mut self, batch: NaiveDate, parent_on: NaiveDate) -> NaiveDate {
        if self.rng.gen_bool(0.75) || batch >= LAST_RANDOM_FOUNDING {
            batch
        } else {
            let lo = (parent_on + Days::new(60)).max(batch);
            self.date_between(lo, LAST_RANDOM_FOUNDING)
        }
    }

    fn body(&mut self, bi: usize, body: &'static Body) {
        let founding_parent_abbr = body.moved_from.map(|(abbr, _)| abbr).or(body.parent);
        let founding_parent = founding_parent_abbr.map(|a| self.body_keys[a]);
        let kind = if body.parent.is_none() { OrgKind::LeadershipGroup } else { OrgKind::Committee };
        let established = ymd(body.established);
        let key = self.push_org(founding_parent, kind, body.name.to_string(), established, bi, true, Cat::Office, "");
        self.body_keys.insert(body.abbr, key);
        if let (Some((old_abbr, on)), Some(new_abbr)) = (body.moved_from, body.parent) {
            let on = ymd(on);
            let old = self.body_keys[old_abbr];
            let new = self.body_keys[new_abbr];
            let note = format!(
                "隶属关系调整：由{}调整为{}管理",
                BODIES[self.meta[old].body].doc_prefix(),
                BODIES[self.meta[new].body].doc_prefix()
            );
            self.move_org(key, new, on, note);
        }

        let batch = self.date_between(established + Days::new(10), established + Days::new(90));
        for unit in body.units {
            let (container, unit_batch) = match unit.kind {
                UnitKind::Direct => (key, batch),
                UnitKind::Committee | UnitKind::GeneralBranch => {
                    let kind =
                        if unit.kind == UnitKind::Committee { OrgKind::Committee } else { OrgKind::GeneralBranch };
                    // Plants and centres exist from the start; branches get reorganized.
                    let on = batch;
                    let k = self.push_org(Some(key), kind, unit.org_name(), on, bi, false, unit.cat, unit.name);
                    let unit_batch = self.date_between(on + Days::new(7), on + Days::new(60));
                    (k, unit_batch)
                }
            };
            let container_on = self.orgs[container].established_on;
            for entry in unit.branches {
                let name = unit.branch_name(entry);
                let change = Self::change(body.abbr, &name);
                let on = match change {
                    Some(What::Establish) => Self::change_date(body.abbr, &name).expect("listed"),
                    _ => self.child_founding(unit_batch, container_on),
                };
                let branch = self.push_org(Some(container), OrgKind::Branch, name, on, bi, false, unit.cat, unit.name);
                let ends = matches!(change, Some(What::Dissolve { .. } | What::Merge { .. }));
                if ends {
                    continue;
                }
                let size = self.branch_size(body, unit.cat);
                self.meta[branch].size = size;
                // Branches founded in the listed changes have not set up cells yet.
                let cells = if change.is_some() { 0 } else { self.cell_count(size) };
                for cell in CELL_NAMES.iter().take(cells) {
                    let later = on + Days::new(30);
                    let cell_on = if self.rng.gen_bool(0.8) || later > LAST_RANDOM_FOUNDING {
                        on
                    } else {
                        self.date_between(later, LAST_RANDOM_FOUNDING)
                    };
                    self.push_org(
                        Some(branch),
                        OrgKind::Cell,
                        cell.to_string(),
                        cell_on,
                        bi,
                        false,
                        unit.cat,
                        unit.name,
                    );
                }
                let team_prefix = entry.trim_end_matches("党支部");
                for team in TEAM_NAMES.iter().take(unit.teams) {
                    let team_name = format!("{team_prefix}{team}");
                    self.push_org(Some(branch), OrgKind::WorkTeam, team_name, on, bi, false, unit.cat, unit.name);
                }
            }
        }
        self.apply_changes(bi, body);
    }

    fn branch_size(&mut self, body: &Body, cat: Cat) -> usize {
        if body.overseas {
            return self.rng.gen_range(4..=12);
        }
        match cat {
            Cat::Office => self.rng.gen_range(5..=16),
            Cat::Research => self.rng.gen_range(6..=22),
            Cat::Production => {
                let roll = self.rng.gen_range(0..100);
                if roll < 15 {
                    self.rng.gen_range(4..=9)
                } else if roll < 90 {
                    self.rng.gen_range(10..=22)
                } else {
                    self.rng.gen_range(23..=45)
                }
            }
        }
    }

    fn cell_count(&mut self, size: usize) -> usize {
        let roll = self.rng.gen_range(0..100);
        match size {
            0..=11 => 0,
            12..=19 => {
                if roll < 50 {
                    0
                } else {
                    2
                }
            }
            20..=34 => match roll {
                0..=19 => 0,
                20..=69 => 2,
                _ => 3,
            },
            _ => 3,
        }
    }

    fn move_org(&mut self, key: usize, to: usize, on: NaiveDate, note: String) {
        let old = self.parent_at(key, on);
        let issuer = self.issuer_at(key, on);
        self.meta[key].moves.push((on, to));
        self.orgs[key].parent = Some(to);
        let doc = self.docs.request(self.prefix(issuer), on);
        self.events.push(DemoEvent {
            org: key,
            kind: OrgEventKind::Move,
            effective_on: on,
            doc_no: String::new(),
            name: None,
            old_name: None,
            parent: Some(to),
            old_parent: old,
            merged_into: None,
            note,
        });
        self.event_docs.push(doc);
    }

    fn apply_changes(&mut self, bi: usize, body: &Body) {
        for change in CHANGES.iter().filter(|c| c.abbr == body.abbr) {
            let key = self.by_name[&(bi, change.org.to_string())];
            let on = ymd(change.on);
            let issuer = self.issuer_at(key, on);
            let blank = DemoEvent {
                org: key,
                kind: OrgEventKind::Dissolve,
                effective_on: on,
                doc_no: String::new(),
                name: None,
                old_name: None,
                parent: None,
                old_parent: None,
                merged_into: None,
                note: String::new(),
            };
            let event = match &change.what {
                What::Establish => continue,
                What::Dissolve { note } => {
                    self.orgs[key].dissolved_on = Some(on);
                    DemoEvent { note: note.to_string(), ..blank }
                }
                What::Rename { to } => {
                    let old = std::mem::replace(&mut self.orgs[key].name, to.to_string());
                    DemoEvent {
                        kind: OrgEventKind::Rename,
                        name: Some(to.to_string()),
                        note: format!("按照“四定”要求优化党组织设置，{old}更名为{to}"),
                        old_name: Some(old),
                        ..blank
                    }
                }
                What::Merge { into } => {
                    let target = self.by_name[&(bi, into.to_string())];
                    self.orgs[key].dissolved_on = Some(on);
                    DemoEvent {
                        kind: OrgEventKind::Merge,
                        merged_into: Some(target),
                        note: format!("生产工序整合，{}并入{into}，党员组织关系随之转入", change.org),
                        ..blank
                    }
                }
                What::Move { to } => {
                    let target = self.by_name[&(bi, to.to_string())];
                    let from = self.parent_at(key, on).map(|p| self.orgs[p].name.clone()).unwrap_or_default();
                    let note = format!("隶属关系调整：由{from}调整至{to}");
                    self.move_org(key, target, on, note);
                    continue;
                }
            };
            let doc = self.docs.request(self.prefix(issuer), on);
            self.events.push(event);
            self.event_docs.push(doc);
        }
    }

    // ----- terms -------------------------------------------------------------

    fn term(&mut self, key: usize) {
        let org = &self.orgs[key];
        if !org.is_active() || !org.kind.has_terms() {
            return;
        }
        let (kind, established) = (org.kind, org.established_on);
        let years = self.settings.term_years(kind).expect("has terms");
        // The start whose term falls due exactly on the reference date.
        let due_today = add_years(REFERENCE_DATE, -years);
        let alert_days = self.settings.term_alert_days as u64;
        let roll = self.rng.gen_range(0..100);
        let (lo, hi) = match roll {
            0..=6 => (due_today - Days::new(420), due_today - Days::new(1)),
            7..=16 => (due_today, due_today + Days::new(alert_days)),
            _ => (due_today + Days::new(alert_days + 1), REFERENCE_DATE - Days::new(20)),
        };
        let started_on = if established > hi { established } else { self.date_between(lo.max(established), hi) };
        let served = (started_on - established).num_days() as f64 / (365.25 * f64::from(years));
        let mut number = 1 + served.round() as i32;
        if self.meta[key].is_body {
            // Enterprises held elections long before they entered this record.
            number += self.rng.gen_range(3..=9);
        }
        let issuer = self.issuer_at(key, started_on);
        let doc = self.docs.request(self.prefix(issuer), started_on);
        self.terms.push(DemoTerm { org: key, number, started_on, doc_no: String::new() });
        self.term_docs.push(doc);
    }

    // ----- people ------------------------------------------------------------

    fn work_unit(&self, key: usize) -> String {
        let body = &BODIES[self.meta[key].body];
        let unit = self.meta[key].unit;
        if !unit.is_empty() && !unit.contains("机关") {
            return format!("{}{unit}", body.company);
        }
        let dept = self.orgs[key].name.trim_end_matches("党支部");
        let dept = if dept.starts_with("机关") { "机关" } else { dept };
        format!("{}{dept}", body.company)
    }

    fn staff(&mut self, key: usize) {
        let org = &self.orgs[key];
        if org.kind != OrgKind::Branch || !org.is_active() {
            return;
        }
        let cells: Vec<usize> = self
            .orgs
            .iter()
            .filter(|o| o.parent == Some(key) && o.kind == OrgKind::Cell && o.is_active())
            .map(|o| o.key)
            .collect();
        let size = self.meta[key].size;
        let work_unit = self.work_unit(key);
        let mut taken = Taken::default();
        for i in 0..size {
            // The first three are the branch's core of full members: a branch
            // needs at least three, and its secretary comes from them.
            let senior = i < 3;
            let status = if senior { MemberStatus::Full } else { people::status(&mut self.rng) };
            let person = self.person(key, status, senior, &cells, &work_unit, &mut taken);
            self.people.push(person);
        }
    }

    fn person(
        &mut self,
        key: usize,
        status: MemberStatus,
        senior: bool,
        cells: &[usize],
        work_unit: &str,
        taken: &mut Taken,
    ) -> DemoPerson {
        let meta = &self.meta[key];
        let body = &BODIES[meta.body];
        let cat = meta.cat;
        let male_share = match (body.overseas, cat, body.industry) {
            (true, _, _) => 0.85,
            (_, Cat::Production, Industry::Logistics) => 0.8,
            (_, Cat::Production, _) => 0.78,
            (_, Cat::Research, _) => 0.62,
            (_, Cat::Office, _) => 0.5,
        };
        let gender = if self.rng.gen_bool(male_share) { Gender::Male } else { Gender::Female };
        let year = people::birth_year(&mut self.rng, status, senior);
        let birth = people::birth_date(&mut self.rng, year);
        let name = loop {
            let n = names::person_name(&mut self.rng, gender, year);
            if taken.names.insert(n.clone()) {
                break n;
            }
        };
        let areas = if self.rng.gen_bool(0.85) { body.areas } else { ELSEWHERE };
        let area = areas[self.rng.gen_range(0..areas.len())];
        let id_number = loop {
            // The sequence's last digit is odd for men, even for women.
            let seq = self.rng.gen_range(0..500u32) * 2 + u32::from(gender == Gender::Male);
            let id = id_number::synthesize(area, birth, seq).as_str().to_string();
            if self.ids.insert(id.clone()) {
                break id;
            }
        };
        let phone = loop {
            let p = names::mobile(&mut self.rng);
            if self.phones.insert(p.clone()) {
                break p;
            }
        };
        let dates = people::stage_dates(&mut self.rng, status, birth);
        // A branch has one head (部长, 车间主任 …): draw again if it is taken.
        let (job, pool) = loop {
            let (job, pool) = names::job(&mut self.rng, body.industry, cat);
            if !names::is_head(job) || taken.heads.insert(job) {
                break (job, pool);
            }
        };
        let talent_pool = if body.overseas && self.rng.gen_bool(0.75) {
            Some(TalentPool::Overseas)
        } else if self.rng.gen_bool(0.2) {
            None
        } else {
            Some(pool)
        };
        let rep_share = if status.is_member() { 0.05 } else { 0.02 };
        let workers_representative = self.rng.gen_bool(rep_share);
        let cell = if status.is_member() && !cells.is_empty() {
            Some(cells[self.rng.gen_range(0..cells.len())])
        } else {
            None
        };
        self.births.push(birth);
        DemoPerson {
            org: key,
            cell,
            name,
            gender,
            id_number,
            phone,
            status,
            dates,
            work_unit: work_unit.to_string(),
            position: job.to_string(),
            talent_pool,
            workers_representative,
        }
    }

    // ----- office holders ----------------------------------------------------

    fn office_holders(&mut self) {
        let n = self.orgs.len();
        // People registered in each org or below it, and in its direct branches.
        let mut subtree: Vec<Vec<usize>> = vec![Vec::new(); n];
        let mut direct: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (p, person) in self.people.iter().enumerate() {
            if let Some(parent) = self.orgs[person.org].parent {
                direct[parent].push(p);
            }
            let mut cur = Some(person.org);
            while let Some(k) = cur {
                subtree[k].push(p);
                cur = self.orgs[k].parent;
            }
        }
        let term_start: HashMap<usize, NaiveDate> = self.terms.iter().map(|t| (t.org, t.started_on)).collect();
        let mut holds = vec![false; self.people.len()];

        for key in 0..n {
            let org = &self.orgs[key];
            if !org.is_active() {
                continue;
            }
            let kind = org.kind;
            let start = match term_start.get(&key) {
                Some(&d) => d,
                None if kind == OrgKind::LeadershipGroup => {
                    self.date_between(NaiveDate::from_ymd_opt(2020, 3, 1).expect("date"), LAST_RANDOM_FOUNDING)
                }
                None => continue,
            };
            match kind {
                OrgKind::Branch => self.branch_holders(key, start, &subtree[key], &mut holds),
                OrgKind::LeadershipGroup | OrgKind::Committee | OrgKind::GeneralBranch => {
                    // Leaders sit in the body's own departments (机关) when it has them.
                    let home = if self.count_full(&direct[key]) >= 6 {
                        direct[key].clone()
                    } else {
                        let office = self
                            .orgs
                            .iter()
                            .find(|o| o.parent == Some(key) && o.name.contains("机关") && o.kind == OrgKind::Committee);
                        match office {
                            Some(o) if self.count_full(&subtree[o.key]) >= 6 => subtree[o.key].clone(),
                            _ => subtree[key].clone(),
                        }
                    };
                    self.committee_holders(key, start, &home, &mut holds);
                }
                OrgKind::Cell | OrgKind::WorkTeam => {}
            }
        }
    }

    fn count_full(&self, pool: &[usize]) -> usize {
        pool.iter().filter(|&&p| self.people[p].status == MemberStatus::Full).count()
    }

    /// A full member of `pool` not yet in this org's committee, preferring
    /// people who hold no office yet; among them, one of the first few by
    /// `rank` (earliest admission, or oldest).
    fn choose(&mut self, pool: &[usize], taken: &[usize], holds: &[bool], by_birth: bool, top: usize) -> Option<usize> {
        let eligible = |p: &usize| self.people[*p].status == MemberStatus::Full && !taken.contains(p);
        let mut candidates: Vec<usize> = pool.iter().copied().filter(|p| eligible(p) && !holds[*p]).collect();
        if candidates.is_empty() {
            candidates = pool.iter().copied().filter(eligible).collect();
        }
        if candidates.is_empty() {
            return None;
        }
        if by_birth {
            candidates.sort_by_key(|&p| (self.births[p], p));
        } else {
            candidates.sort_by_key(|&p| (self.people[p].dates.full_on, p));
        }
        let top = top.clamp(1, candidates.len());
        Some(candidates[self.rng.gen_range(0..top)])
    }

    /// When `person` took office: with the term, or once they were a full
    /// member if that came later; now and then a mid-term replacement.
    fn holder_start(&mut self, person: usize, term_start: NaiveDate) -> NaiveDate {
        let full_on = self.people[person].dates.full_on.expect("office holders are full members");
        let mut start = term_start;
        if full_on >= start {
            start = full_on + Days::new(self.rng.gen_range(30..=180));
        } else if self.rng.gen_bool(0.12) && (REFERENCE_DATE - start).num_days() > 180 {
            start = self.date_between(start + Days::new(60), REFERENCE_DATE - Days::new(30));
        }
        start.min(REFERENCE_DATE)
    }

    fn add_holder(&mut self, org: usize, person: usize, position: &'static str, term_start: NaiveDate) {
        let started_on = self.holder_start(person, term_start);
        self.holders.push(DemoOfficeHolder { org, person, position, started_on });
    }

    fn branch_holders(&mut self, key: usize, start: NaiveDate, pool: &[usize], holds: &mut [bool]) {
        let full = self.count_full(pool);
        let mut taken: Vec<usize> = Vec::new();
        let Some(secretary) = self.choose(pool, &taken, holds, false, 3) else { return };
        taken.push(secretary);
        let person = &mut self.people[secretary];
        person.position = if names::is_lead(&person.position) {
            format!("党支部书记、{}", person.position)
        } else {
            "党支部书记".to_string()
        };
        self.add_holder(key, secretary, "secretary", start);
        // Seven or more full members elect a committee of three to five;
        // fewer elect a secretary and, if needed, a deputy.
        let (deputy, members) = if full >= 7 {
            let size = if full >= 20 { 5 } else { 3 };
            let deputy = full >= 15 || self.rng.gen_bool(0.4);
            (deputy, size - 1 - usize::from(deputy))
        } else {
            (full >= 5 && self.rng.gen_bool(0.3), 0)
        };
        let roles = std::iter::repeat_n("deputy_secretary", usize::from(deputy))
            .chain(std::iter::repeat_n("committee_member", members));
        for role in roles.collect::<Vec<_>>() {
            if let Some(p) = self.choose(pool, &taken, holds, false, 4) {
                taken.push(p);
                self.add_holder(key, p, role, start);
            }
        }
        for p in taken {
            holds[p] = true;
        }
    }

    fn committee_holders(&mut self, key: usize, start: NaiveDate, pool: &[usize], holds: &mut [bool]) {
        let kind = self.orgs[key].kind;
        let is_body = self.meta[key].is_body;
        let head = names::head_title(self.meta[key].unit);
        let office = self.meta[key].unit.contains("机关");
        // (role, title) for each seat, secretary first.
        let seats: Vec<(&'static str, String)> = match kind {
            OrgKind::LeadershipGroup => vec![
                ("secretary", "党组书记、董事长".into()),
                ("deputy_secretary", "党组副书记、总经理".into()),
                ("committee_member", "党组成员、副总经理".into()),
                ("committee_member", "党组成员、总会计师".into()),
                ("committee_member", "党组成员、副总经理".into()),
            ],
            OrgKind::Committee if is_body => {
                let mut seats = vec![
                    ("secretary", "党委书记、董事长".into()),
                    ("deputy_secretary", "党委副书记、总经理".into()),
                    ("deputy_secretary", "党委副书记、工会主席".into()),
                    ("committee_member", "党委委员、纪委书记".into()),
                    ("committee_member", "党委委员、副总经理".into()),
                    ("committee_member", "党委委员、总会计师".into()),
                ];
                if self.rng.gen_bool(0.5) {
                    seats.push(("committee_member", "党委委员、副总经理".into()));
                }
                seats
            }
            OrgKind::Committee if office => vec![
                ("secretary", "机关党委书记".into()),
                ("deputy_secretary", "机关党委副书记".into()),
                ("committee_member", "机关党委委员".into()),
            ],
            OrgKind::Committee => {
                let mut seats = vec![
                    ("secretary", format!("党委书记、副{head}")),
                    ("deputy_secretary", format!("党委副书记、{head}")),
                ];
                for _ in 0..self.rng.gen_range(1..=3) {
                    seats.push(("committee_member", format!("党委委员、副{head}")));
                }
                seats
            }
            _ => {
                let mut seats = vec![("secretary", format!("党总支书记、副{head}"))];
                if self.rng.gen_bool(0.5) {
                    seats.push(("deputy_secretary", format!("党总支副书记、{head}")));
                }
                for _ in 0..self.rng.gen_range(2..=3) {
                    seats.push(("committee_member", "党总支委员".into()));
                }
                seats
            }
        };
        let mut taken: Vec<usize> = Vec::new();
        for (role, title) in seats {
            // The top seats go to the most senior; members from a wider circle.
            let top = if role == "committee_member" { 8 } else { 4 };
            let Some(p) = self.choose(pool, &taken, holds, true, top) else { break };
            taken.push(p);
            let person = &mut self.people[p];
            if role != "committee_member" || kind != OrgKind::GeneralBranch {
                person.position = title;
                person.talent_pool = Some(TalentPool::Management);
            }
            self.add_holder(key, p, role, start);
        }
        for p in taken {
            holds[p] = true;
        }
    }

    // ----- partnerships ------------------------------------------------------

    fn find(&self, abbr: &str, name: &str) -> usize {
        let bi = BODIES.iter().position(|b| b.abbr == abbr).expect("known body");
        if BODIES[bi].name == name {
            return self.body_keys[abbr];
        }
        let key = self.by_name.get(&(bi, name.to_string())).copied();
        // A renamed org is found by its current name too.
        key.or_else(|| {
            self.orgs.iter().position(|o| o.name == name && self.meta[o.key].body == bi && !self.meta[o.key].is_body)
        })
        .unwrap_or_else(|| panic!("no {name} in {abbr}"))
    }

    fn partnerships(&mut self) {
        struct P {
            org: (&'static str, &'static str),
            partner: Result<(&'static str, &'static str), (&'static str, &'static str)>,
            on: (i32, u32, u32),
            note: &'static str,
        }
        const LIST: &[P] = &[
            P {
                org: ("云铝股份", "云南铝业股份有限公司党委"),
                partner: Err(("交通银行云南省分行", "bank")),
                on: (2021, 9, 10),
                note: "党建共建暨业务交流：以党史学习教育为契机，构建双向促进、共同提高的新模式",
            },
            P {
                org: ("东轻", "技术中心党总支"),
                partner: Ok(("东轻", "制造部党总支")),
                on: (2023, 11, 24),
                note: "技术中心、制造部、中厚板厂联建共建签字仪式",
            },
            P {
                org: ("东轻", "技术中心党总支"),
                partner: Ok(("东轻", "中厚板厂党委")),
                on: (2023, 11, 24),
                note: "技术中心、制造部、中厚板厂联建共建签字仪式",
            },
            P {
                org: ("东轻", "制造部党总支"),
                partner: Ok(("东轻", "中厚板厂党委")),
                on: (2023, 11, 24),
                note: "技术中心、制造部、中厚板厂联建共建签字仪式",
            },
            P {
                org: ("东轻", "技术中心党总支"),
                partner: Err(("哈尔滨工业大学材料科学与工程学院党委", "university")),
                on: (2024, 5, 17),
                note: "校企党建共建，联合培养铝镁合金研发人才",
            },
            P {
                org: ("西南铝", "技术中心党总支"),
                partner: Err(("重庆大学材料科学与工程学院党委", "university")),
                on: (2025, 3, 21),
                note: "党建赋能高端有色金属材料创新联合体：联动高等院校培育顶尖技术人才",
            },
            P {
                org: ("西南铝", "熔铸厂党委"),
                partner: Err(("中国航发北京航空材料研究院", "research_institute")),
                on: (2025, 6, 13),
                note: "党建赋能高端有色金属材料创新联合体：携手科研院所突破关键技术壁垒",
            },
            P {
                org: ("西南铝", "锻造厂安全生产党支部"),
                partner: Err(("中国商飞上海飞机制造有限公司", "enterprise")),
                on: (2025, 5, 9),
                note: "自由锻件优质保供党建共建",
            },
            P {
                org: ("郑州研究院", "郑州轻金属研究院有限公司党委"),
                partner: Err(("中南大学冶金与环境学院党委", "university")),
                on: (2022, 10, 14),
                note: "产学研党建共建，共建联合实验室",
            },
            P {
                org: ("郑州研究院", "电解研究所党总支"),
                partner: Ok(("包头铝业", "电解一厂党委")),
                on: (2023, 4, 21),
                note: "研产结对共建：电解槽节能技术现场攻关",
            },
            P {
                org: ("兰州铝业", "电解二作业区党支部"),
                partner: Ok(("包头铝业", "电解二厂电解一区党支部")),
                on: (2021, 10, 15),
                note: "结对共建：电解槽炉面维护经验交流",
            },
            P {
                org: ("包头铝业", "包头铝业有限公司党委"),
                partner: Err(("东北大学冶金学院党委", "university")),
                on: (2022, 6, 10),
                note: "校企党建共建，共育冶金专业人才",
            },
            P {
                org: ("中州铝业", "第二氧化铝厂党委"),
                partner: Err(("焦作市中站区龙洞街道党工委", "other")),
                on: (2021, 7, 1),
                note: "厂地共建：尾矿库周边环境整治与安全联防",
            },
            P {
                org: ("广西华昇", "港务储运中心党总支"),
                partner: Err(("北部湾港防城港码头有限公司", "enterprise")),
                on: (2024, 3, 15),
                note: "港企党建共建：矿石接卸与储运协同",
            },
            P {
                org: ("中铝物流", "重庆物流公司党总支"),
                partner: Ok(("西南铝", "物流中心党支部")),
                on: (2025, 7, 11),
                note: "供需结对共建：厂内外物流一体化",
            },
            P {
                org: ("中铝股份", "中国铝业股份有限公司党委"),
                partner: Err(("有研科技集团有限公司", "research_institute")),
                on: (2023, 9, 15),
                note: "党建共建：共学互促，推动产学研协同创新",
            },
        ];
        for p in LIST {
            let org = self.find(p.org.0, p.org.1);
            let (partner_org, partner_name, partner_kind) = match p.partner {
                Ok((abbr, name)) => {
                    let k = self.find(abbr, name);
                    (Some(k), self.orgs[k].name.clone(), "org")
                }
                Err((name, kind)) => (None, name.to_string(), kind),
            };
            // Never before either side existed.
            let founded = partner_org.map_or(self.orgs[org].established_on, |k| {
                self.orgs[org].established_on.max(self.orgs[k].established_on)
            });
            let started_on = ymd(p.on).max(weekday(founded + Days::new(30)));
            self.partnerships.push(DemoPartnership {
                org,
                partner_org,
                partner_name,
                partner_kind,
                started_on,
                note: p.note.to_string(),
            });
        }
    }
}
