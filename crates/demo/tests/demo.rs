//! The demo group keeps the domain's rules: what storage loads must be data
//! the product itself would accept.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::OnceLock;
use std::time::Instant;

use chrono::{Datelike, NaiveDate};
use dangjian_demo::{demo_group, DemoGroup, DEFAULT_SEED, REFERENCE_DATE};
use dangjian_domain::id_number;
use dangjian_domain::org::{tree_as_of, OrgEvent, OrgEventKind, OrgKind};
use dangjian_domain::person::{validate_stages, Gender, MemberStatus};
use dangjian_domain::phone;
use dangjian_domain::settings::Settings;
use dangjian_domain::term::{due_date, TermAlert};

/// The seed under test: [`DEFAULT_SEED`], or `DANGJIAN_DEMO_SEED` to check another.
fn seed() -> u64 {
    std::env::var("DANGJIAN_DEMO_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(DEFAULT_SEED)
}

fn group() -> &'static DemoGroup {
    static GROUP: OnceLock<DemoGroup> = OnceLock::new();
    GROUP.get_or_init(|| demo_group(seed()))
}

fn key_of(g: &DemoGroup, name: &str) -> usize {
    let found: Vec<usize> = g.orgs.iter().filter(|o| o.name == name).map(|o| o.key).collect();
    assert_eq!(found.len(), 1, "{name}: {found:?}");
    found[0]
}

fn in_subtree(g: &DemoGroup, mut key: usize, root: usize) -> bool {
    loop {
        if key == root {
            return true;
        }
        match g.orgs[key].parent {
            Some(p) => key = p,
            None => return false,
        }
    }
}

#[test]
fn same_seed_same_group_other_seed_other_people() {
    let started = Instant::now();
    let a = demo_group(seed());
    let elapsed = started.elapsed();
    assert_eq!(&a, group());
    let b = demo_group(seed().wrapping_add(1));
    assert_ne!(a.people, b.people);
    // Same blueprint: the party bodies do not depend on the seed.
    let bodies =
        |g: &DemoGroup| g.orgs.iter().filter(|o| o.kind.has_terms()).map(|o| o.name.clone()).collect::<Vec<_>>();
    assert_eq!(bodies(&a), bodies(&b));
    eprintln!("demo_group took {elapsed:?}");
}

#[test]
fn counts_are_in_the_aimed_ranges() {
    let g = group();
    let mut kinds: BTreeMap<OrgKind, (usize, usize)> = BTreeMap::new();
    for o in &g.orgs {
        let e = kinds.entry(o.kind).or_default();
        if o.is_active() {
            e.0 += 1;
        } else {
            e.1 += 1;
        }
    }
    let mut statuses: BTreeMap<MemberStatus, usize> = BTreeMap::new();
    for p in &g.people {
        *statuses.entry(p.status).or_default() += 1;
    }
    eprintln!("orgs (active, ended) by kind: {kinds:?}");
    eprintln!("people by status: {statuses:?}, total {}", g.people.len());
    eprintln!(
        "events {}, terms {}, office holders {}, partnerships {}",
        g.events.len(),
        g.terms.len(),
        g.office_holders.len(),
        g.partnerships.len()
    );
    let branches = kinds[&OrgKind::Branch].0;
    assert!((250..=350).contains(&branches), "{branches} branches");
    assert!((3_500..=5_000).contains(&g.people.len()), "{} people", g.people.len());
    let full = statuses[&MemberStatus::Full] as f64 / g.people.len() as f64;
    assert!((0.70..=0.80).contains(&full), "{full} full members");
    for s in MemberStatus::ALL {
        assert!(statuses.get(&s).copied().unwrap_or(0) > 20, "{s:?}");
    }
    let teams = kinds[&OrgKind::WorkTeam].0;
    assert!((12..=45).contains(&teams), "{teams} work teams");
    assert!(kinds[&OrgKind::Cell].0 > 100);

    let reps = g.people.iter().filter(|p| p.workers_representative).count() as f64 / g.people.len() as f64;
    assert!((0.02..=0.08).contains(&reps), "{reps} workers' representatives");
    let pools: HashSet<_> = g.people.iter().filter_map(|p| p.talent_pool).collect();
    assert_eq!(pools.len(), 4);
}

#[test]
fn people_have_valid_unique_ids_and_phones() {
    let g = group();
    let mut ids = HashSet::new();
    let mut phones = HashSet::new();
    for p in &g.people {
        let id = id_number::parse(&p.id_number).unwrap_or_else(|e| panic!("{}: {e:?}", p.id_number));
        assert_eq!(id.as_str(), p.id_number);
        assert_eq!(id.is_male(), p.gender == Gender::Male, "{}", p.name);
        let born = id.birth_date().year();
        assert!((1965..=2003).contains(&born), "{born}");
        assert!(ids.insert(p.id_number.clone()), "duplicate {}", p.id_number);
        assert_eq!(phone::parse(&p.phone).as_deref(), Ok(p.phone.as_str()));
        assert_eq!(p.phone.len(), 11);
        assert!(phones.insert(p.phone.clone()), "duplicate {}", p.phone);
        let chars = p.name.chars().count();
        assert!((2..=4).contains(&chars), "{}", p.name);
        assert!(!p.work_unit.is_empty() && !p.position.is_empty());
    }
}

#[test]
fn area_codes_match_the_enterprise() {
    let g = group();
    let checks = [
        ("西南铝业（集团）有限责任公司党委", "50"),
        ("东北轻合金有限责任公司党委", "23"),
        ("云南铝业股份有限公司党委", "53"),
        ("包头铝业有限公司党委", "15"),
        ("兰州铝业有限公司党委", "62"),
        ("中州铝业有限公司党委", "41"),
    ];
    for (name, province) in checks {
        let root = key_of(g, name);
        let people: Vec<_> = g.people.iter().filter(|p| in_subtree(g, p.org, root)).collect();
        let local = people.iter().filter(|p| p.id_number.starts_with(province)).count();
        assert!(local * 10 >= people.len() * 8, "{name}: {local} of {}", people.len());
    }
}

#[test]
fn stage_dates_are_consistent() {
    let g = group();
    for p in &g.people {
        assert_eq!(validate_stages(p.status, &p.dates), Ok(()), "{} {:?} {:?}", p.name, p.status, p.dates);
        let birth = id_number::parse(&p.id_number).unwrap().birth_date();
        for stage in MemberStatus::STAGES {
            if let Some(d) = p.dates.get(stage) {
                assert!(d <= REFERENCE_DATE);
                assert!(d.year() - birth.year() >= 18, "{} {:?}", p.name, p.dates);
            }
        }
        if p.status == MemberStatus::Probationary {
            let on = p.dates.probationary_on.unwrap();
            assert!((REFERENCE_DATE - on).num_days() <= 366, "probation lasts a year");
        }
    }
}

#[test]
fn people_sit_in_active_branches_and_their_cells() {
    let g = group();
    for p in &g.people {
        let org = &g.orgs[p.org];
        assert_eq!(org.kind, OrgKind::Branch, "{}", org.name);
        assert!(org.is_active(), "{} is dissolved", org.name);
        if let Some(c) = p.cell {
            let cell = &g.orgs[c];
            assert_eq!(cell.kind, OrgKind::Cell);
            assert_eq!(cell.parent, Some(p.org));
            assert!(cell.is_active());
            assert!(p.status.is_member());
        }
    }
    // Every active branch has people, at least three of them full members.
    let mut full: HashMap<usize, usize> = HashMap::new();
    for p in g.people.iter().filter(|p| p.status == MemberStatus::Full) {
        *full.entry(p.org).or_default() += 1;
    }
    for b in g.active(OrgKind::Branch) {
        assert!(full.get(&b.key).copied().unwrap_or(0) >= 3, "{}", b.name);
    }
    // Names are unique within a branch.
    let mut seen = HashSet::new();
    for p in &g.people {
        assert!(seen.insert((p.org, p.name.clone())), "{} twice", p.name);
    }
}

#[test]
fn tree_shape_follows_the_containment_rules() {
    let g = group();
    assert_eq!(g.orgs[0].kind, OrgKind::LeadershipGroup);
    assert_eq!(g.orgs[0].name, "中国铝业集团有限公司党组");
    assert_eq!(g.orgs[0].parent, None);
    for (i, o) in g.orgs.iter().enumerate() {
        assert_eq!(o.key, i);
        let (_, founding_parent) = g.founding(i);
        // Under its founding parent from its founding day, under a new one from the move.
        let moved_on = g.events.iter().find(|e| e.org == i && e.kind == OrgEventKind::Move).map(|e| e.effective_on);
        for (p, since) in [(founding_parent, o.established_on), (o.parent, moved_on.unwrap_or(o.established_on))] {
            let Some(p) = p else { continue };
            assert!(p < i, "{} comes before its parent", o.name);
            let parent = &g.orgs[p];
            assert!(parent.kind.may_contain(o.kind), "{:?} {} under {:?} {}", o.kind, o.name, parent.kind, parent.name);
            assert!(parent.established_on <= since, "{} under {} before it existed", o.name, parent.name);
        }
        if i > 0 {
            assert!(o.parent.is_some());
        }
        assert!(o.established_on <= REFERENCE_DATE);
        assert!(!o.establish_doc_no.is_empty());
        assert!(
            o.overseas == (o.name.contains("几内亚") || o.name.contains("香港"))
                || o.parent.is_some_and(|p| g.orgs[p].overseas)
        );
        if o.kind != OrgKind::Cell && o.kind != OrgKind::WorkTeam {
            assert!(o.name.ends_with(o.kind.label(dangjian_domain::Locale::ZhCn)), "{}", o.name);
        }
    }
    // Sibling names are unique among active organizations.
    let mut seen = HashSet::new();
    for o in g.orgs.iter().filter(|o| o.is_active()) {
        assert!(seen.insert((o.parent, o.name.clone())), "two {} under one parent", o.name);
    }
    // Ended organizations have no active children.
    for o in g.orgs.iter().filter(|o| o.is_active()) {
        if let Some(p) = o.parent {
            assert!(g.orgs[p].is_active(), "{} hangs from an ended org", o.name);
        }
    }
    assert!(g.orgs.iter().any(|o| o.overseas));
    assert!(g.orgs.iter().filter(|o| o.kind == OrgKind::WorkTeam).all(|o| in_subtree(
        g,
        o.key,
        key_of(g, "广西华昇新材料有限公司党委")
    )));
}

#[test]
fn replaying_the_history_gives_the_current_tree() {
    let g = group();
    let mut events = Vec::new();
    for o in &g.orgs {
        let (name, parent) = g.founding(o.key);
        events.push(OrgEvent {
            seq: events.len() as i64,
            org_id: o.key as i64,
            kind: OrgEventKind::Establish,
            effective_on: o.established_on,
            org_kind: Some(o.kind),
            name: Some(name.to_string()),
            parent_id: parent.map(|p| p as i64),
            merged_into_id: None,
        });
    }
    let mut last = NaiveDate::MIN;
    for e in &g.events {
        assert!(e.effective_on >= last, "events are in date order");
        last = e.effective_on;
        assert_ne!(e.kind, OrgEventKind::Establish);
        assert!(!e.doc_no.is_empty() && !e.note.is_empty());
        events.push(OrgEvent {
            seq: events.len() as i64,
            org_id: e.org as i64,
            kind: e.kind,
            effective_on: e.effective_on,
            org_kind: None,
            name: e.name.clone(),
            parent_id: e.parent.map(|p| p as i64),
            merged_into_id: e.merged_into.map(|p| p as i64),
        });
    }
    let now = tree_as_of(&events, REFERENCE_DATE);
    let active: Vec<_> = g.orgs.iter().filter(|o| o.is_active()).collect();
    assert_eq!(now.len(), active.len());
    for o in active {
        let t = &now[&(o.key as i64)];
        assert_eq!(t.name, o.name);
        assert_eq!(t.parent_id, o.parent.map(|p| p as i64));
        assert_eq!(t.kind, o.kind);
    }
    // Before 2025 the renamed branch had its old name and the dissolved ones existed.
    let before = tree_as_of(&events, NaiveDate::from_ymd_opt(2024, 12, 31).unwrap());
    let forge = key_of(g, "锻造厂安全生产党支部") as i64;
    assert_eq!(before[&forge].name, "锻造厂第一党支部");
    for o in g.orgs.iter().filter(|o| o.dissolved_on.is_some()) {
        assert!(before.contains_key(&(o.key as i64)), "{}", o.name);
        assert!(!now.contains_key(&(o.key as i64)));
    }
    // Before 2022 西南铝 answered to the group directly.
    let swa = key_of(g, "西南铝业（集团）有限责任公司党委");
    let in_2020 = tree_as_of(&events, NaiveDate::from_ymd_opt(2020, 1, 1).unwrap());
    assert_eq!(in_2020[&(swa as i64)].parent_id, Some(0));
}

#[test]
fn southwest_aluminium_2025_matches_its_report() {
    let g = group();
    let swa = key_of(g, "西南铝业（集团）有限责任公司党委");
    let in_2025 = |d: NaiveDate| d.year() == 2025;
    let ours = |k: usize| in_subtree(g, k, swa) && k != swa;
    let count = |kind: OrgEventKind| {
        g.events.iter().filter(|e| e.kind == kind && ours(e.org) && in_2025(e.effective_on)).count()
    };
    assert_eq!(count(OrgEventKind::Rename), 1);
    assert_eq!(count(OrgEventKind::Dissolve), 5);
    assert_eq!(count(OrgEventKind::Merge) + count(OrgEventKind::Move), 0);
    let founded: Vec<_> = g.orgs.iter().filter(|o| ours(o.key) && in_2025(o.established_on)).collect();
    assert_eq!(founded.len(), 5, "{founded:?}");
    for o in &founded {
        assert!(o.establish_doc_no.starts_with("西南铝党委〔2025〕"), "{}", o.establish_doc_no);
        assert!(o.is_active());
    }
    let dissolved = g.orgs.iter().filter(|o| ours(o.key) && o.dissolved_on.is_some_and(in_2025)).count();
    assert_eq!(dissolved, 5);
    for e in g.events.iter().filter(|e| ours(e.org) && in_2025(e.effective_on)) {
        assert!(e.doc_no.starts_with("西南铝党委〔2025〕") && e.doc_no.ends_with('号'), "{}", e.doc_no);
    }
    let rename = g.events.iter().find(|e| e.kind == OrgEventKind::Rename).unwrap();
    assert_eq!(rename.old_name.as_deref(), Some("锻造厂第一党支部"));
    assert_eq!(rename.name.as_deref(), Some("锻造厂安全生产党支部"));
    assert_eq!(g.orgs[rename.org].name, "锻造厂安全生产党支部");
    // Elsewhere: at least a merge and a couple of moves.
    assert!(g.events.iter().any(|e| e.kind == OrgEventKind::Merge && e.merged_into.is_some()));
    assert!(g.events.iter().filter(|e| e.kind == OrgEventKind::Move).count() >= 2);
    for e in g.events.iter().filter(|e| e.kind == OrgEventKind::Move) {
        assert!(e.parent.is_some() && e.old_parent.is_some() && e.parent != e.old_parent);
    }
}

#[test]
fn document_numbers_increase_with_the_date() {
    let g = group();
    let mut docs: Vec<(String, NaiveDate)> =
        g.orgs.iter().map(|o| (o.establish_doc_no.clone(), o.established_on)).collect();
    docs.extend(g.events.iter().map(|e| (e.doc_no.clone(), e.effective_on)));
    docs.extend(g.terms.iter().map(|t| (t.doc_no.clone(), t.started_on)));
    let mut by_issuer_year: BTreeMap<(String, i32), Vec<(u32, NaiveDate)>> = BTreeMap::new();
    for (doc, on) in docs {
        let (prefix, rest) = doc.split_once('〔').unwrap_or_else(|| panic!("{doc}"));
        let (year, number) = rest.split_once('〕').unwrap();
        let year: i32 = year.parse().unwrap();
        assert_eq!(year, on.year(), "{doc} dated {on}");
        let number: u32 = number.trim_end_matches('号').parse().unwrap();
        by_issuer_year.entry((prefix.to_string(), year)).or_default().push((number, on));
    }
    for (key, mut list) in by_issuer_year {
        list.sort();
        for w in list.windows(2) {
            assert!(w[0].1 <= w[1].1, "{key:?}: {w:?}");
            assert!(w[0].0 < w[1].0 || w[0].1 == w[1].1, "{key:?}: {w:?}");
        }
    }
}

#[test]
fn terms_raise_a_mix_of_alerts() {
    let g = group();
    let settings = Settings::default();
    let with_terms: HashSet<usize> =
        g.orgs.iter().filter(|o| o.is_active() && o.kind.has_terms()).map(|o| o.key).collect();
    let mut seen = HashSet::new();
    let (mut overdue, mut due_soon, mut current) = (0, 0, 0);
    for t in &g.terms {
        assert!(seen.insert(t.org), "one current term per org");
        assert!(with_terms.contains(&t.org));
        let org = &g.orgs[t.org];
        assert!(t.started_on >= org.established_on && t.started_on <= REFERENCE_DATE);
        assert!(t.number >= 1);
        assert!(t.doc_no.contains('〔'));
        let due = due_date(&settings, org.kind, t.started_on).unwrap();
        match TermAlert::of(&settings, due, REFERENCE_DATE) {
            TermAlert::Overdue { .. } => overdue += 1,
            TermAlert::DueSoon { .. } => due_soon += 1,
            TermAlert::Current { .. } => current += 1,
        }
    }
    assert_eq!(seen, with_terms, "every committee, general branch and branch has a term");
    eprintln!("terms: {overdue} overdue, {due_soon} due soon, {current} current");
    assert!(overdue >= 1 && due_soon >= 1);
    assert!(current > overdue + due_soon, "most are current");
    // Both kinds of term length are represented among the alerts.
    let alert_kinds: HashSet<OrgKind> = g
        .terms
        .iter()
        .filter(|t| {
            let due = due_date(&settings, g.orgs[t.org].kind, t.started_on).unwrap();
            TermAlert::of(&settings, due, REFERENCE_DATE).is_alert()
        })
        .map(|t| g.orgs[t.org].kind)
        .collect();
    assert!(alert_kinds.contains(&OrgKind::Branch) && alert_kinds.contains(&OrgKind::Committee), "{alert_kinds:?}");
}

#[test]
fn office_holders_are_full_members_of_the_subtree() {
    let g = group();
    let mut secretaries: HashMap<usize, usize> = HashMap::new();
    let mut seats = HashSet::new();
    for h in &g.office_holders {
        let person = &g.people[h.person];
        let org = &g.orgs[h.org];
        assert!(org.is_active());
        assert!(in_subtree(g, person.org, h.org), "{} holds office in {} outside it", person.name, org.name);
        assert_eq!(person.status, MemberStatus::Full);
        assert!(person.dates.full_on.unwrap() < h.started_on, "{} took office before being a full member", person.name);
        assert!(h.started_on <= REFERENCE_DATE);
        assert!(["secretary", "deputy_secretary", "committee_member"].contains(&h.position));
        assert!(seats.insert((h.org, h.person)), "one seat per person per org");
        if h.position == "secretary" {
            *secretaries.entry(h.org).or_default() += 1;
        }
        if org.kind == OrgKind::Branch {
            assert_eq!(person.org, h.org, "a branch's office holders are registered in it");
        }
    }
    for o in g.orgs.iter().filter(|o| o.is_active()) {
        let expected = match o.kind {
            OrgKind::LeadershipGroup | OrgKind::Committee | OrgKind::GeneralBranch | OrgKind::Branch => 1,
            OrgKind::Cell | OrgKind::WorkTeam => 0,
        };
        assert_eq!(secretaries.get(&o.key).copied().unwrap_or(0), expected, "{}", o.name);
    }
    for o in g.orgs.iter().filter(|o| o.is_active() && matches!(o.kind, OrgKind::Committee | OrgKind::LeadershipGroup))
    {
        assert!(
            g.office_holders.iter().any(|h| h.org == o.key && h.position == "deputy_secretary"),
            "{} has no deputy",
            o.name
        );
    }
    // Larger branches elect a committee.
    assert!(g.office_holders.iter().any(|h| g.orgs[h.org].kind == OrgKind::Branch && h.position == "committee_member"));
    assert!(g.office_holders.iter().any(|h| g.orgs[h.org].kind == OrgKind::Branch && h.position == "deputy_secretary"));
}

#[test]
fn partnerships_follow_the_seeds() {
    let g = group();
    let yunlv = key_of(g, "云南铝业股份有限公司党委");
    assert!(g
        .partnerships
        .iter()
        .any(|p| p.org == yunlv && p.partner_name == "交通银行云南省分行" && p.partner_kind == "bank"));
    let joint: Vec<_> = g.partnerships.iter().filter(|p| p.note.contains("联建共建")).collect();
    assert_eq!(joint.len(), 3);
    for p in &joint {
        assert!(p.partner_org.is_some());
    }
    let kinds: HashSet<&str> = g.partnerships.iter().map(|p| p.partner_kind).collect();
    for k in ["org", "bank", "university", "research_institute", "enterprise", "other"] {
        assert!(kinds.contains(k), "{k}");
    }
    for p in &g.partnerships {
        let org = &g.orgs[p.org];
        assert!(org.is_active() && org.established_on <= p.started_on && p.started_on <= REFERENCE_DATE);
        assert_ne!(Some(p.org), p.partner_org);
        if let Some(k) = p.partner_org {
            assert_eq!(g.orgs[k].name, p.partner_name);
            assert!(g.orgs[k].is_active() && g.orgs[k].established_on <= p.started_on);
            assert_eq!(p.partner_kind, "org");
        } else {
            assert_ne!(p.partner_kind, "org");
        }
    }
}

#[test]
fn no_real_people_from_the_seeds() {
    let real = [
        "习近平",
        "杨磊",
        "汤林志",
        "何文建",
        "张瑞忠",
        "毛世清",
        "许峰",
        "芦东",
        "马征",
        "朱丹",
        "欧小武",
        "姚林",
        "李婧懿",
        "吴士强",
        "任飞",
    ];
    for s in [seed(), 1, 2, 3] {
        let g = if s == seed() { group().clone() } else { demo_group(s) };
        for p in &g.people {
            assert!(!real.contains(&p.name.as_str()), "{}", p.name);
        }
    }
}

#[test]
fn overseas_people_are_in_the_overseas_pool_mostly() {
    let g = group();
    let abroad: Vec<_> = g.people.iter().filter(|p| g.orgs[p.org].overseas).collect();
    assert!(!abroad.is_empty());
    let pool = abroad.iter().filter(|p| p.talent_pool == Some(dangjian_domain::person::TalentPool::Overseas)).count();
    assert!(pool * 2 >= abroad.len(), "{pool} of {}", abroad.len());
}
