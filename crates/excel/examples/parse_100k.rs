//! Times [`dangjian_excel::parse`] on a 100,000-row roster.
//!
//! `cargo run --release -p dangjian-excel --example parse_100k [rows]`

use std::time::Instant;

use chrono::{Duration, NaiveDate};
use dangjian_domain::id_number::synthesize;
use dangjian_domain::person::{Gender, MemberStatus, StageDates, TalentPool};
use dangjian_excel::{export, parse, ExportRow, ParseError};

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let day0 = NaiveDate::from_ymd_opt(1960, 1, 1).unwrap();
    let rows: Vec<ExportRow> = (0..n)
        .map(|i| {
            // Distinct (birth date, sequence) pairs give distinct ID numbers.
            let id = synthesize(110105, day0 + Duration::days((i / 1000) as i64), (i % 1000) as u32);
            let status = MemberStatus::ALL[i % 6];
            let joined = NaiveDate::from_ymd_opt(2000 + (i % 20) as i32, 7, 1).unwrap();
            let dates = StageDates {
                applied_on: (status >= MemberStatus::Applicant).then_some(joined - Duration::days(700)),
                activist_on: (status >= MemberStatus::Activist).then_some(joined - Duration::days(400)),
                candidate_on: (status >= MemberStatus::Candidate).then_some(joined - Duration::days(30)),
                probationary_on: (status >= MemberStatus::Probationary).then_some(joined),
                full_on: (status >= MemberStatus::Full).then_some(joined + Duration::days(365)),
            };
            ExportRow {
                name: format!("职工{i}"),
                gender: if id.is_male() { Gender::Male } else { Gender::Female },
                id_number: id.as_str().to_string(),
                phone: Some(format!("138{:08}", i)),
                status,
                dates,
                branch: format!("第{}党支部", i % 300),
                cell: Some(format!("第{}党小组", i % 4 + 1)),
                work_unit: Some(format!("第{}车间", i % 50)),
                position: Some("技术员".to_string()),
                talent_pool: Some(TalentPool::ALL[i % 4]),
                workers_representative: i % 10 == 0,
            }
        })
        .collect();

    let t = Instant::now();
    let bytes = export(&rows);
    println!("export: {n} rows, {} bytes, {:?}", bytes.len(), t.elapsed());

    let t = Instant::now();
    let parsed = parse(&bytes).expect("a valid roster");
    println!("parse (all valid): {} rows in {:?}", parsed.len(), t.elapsed());
    assert_eq!(parsed.len(), n);

    // The error path: every row's ID number is the same, so all but the
    // first row carry an error.
    let same: Vec<ExportRow> =
        rows.iter().map(|r| ExportRow { id_number: rows[0].id_number.clone(), ..r.clone() }).collect();
    let bytes = export(&same);
    let t = Instant::now();
    match parse(&bytes) {
        Err(ParseError::Rows(errors)) => {
            println!("parse (all duplicates): {} errors in {:?}", errors.len(), t.elapsed())
        }
        other => panic!("expected row errors, got {:?}", other.map(|r| r.len())),
    }
}
