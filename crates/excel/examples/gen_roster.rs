//! Writes a synthetic roster workbook whose rows are spread over given branches,
//! for timing imports into a real tree.
//!
//! `cargo run --release -p dangjian-excel --example gen_roster -- ROWS BRANCHES.txt OUT.xlsx`
//! (BRANCHES.txt: one branch name, or `上级/支部` path, per line.)

use chrono::{Duration, NaiveDate};
use dangjian_domain::id_number::synthesize;
use dangjian_domain::person::{Gender, MemberStatus, StageDates, TalentPool};
use dangjian_excel::{export, ExportRow};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).and_then(|a| a.parse().ok()).expect("ROWS");
    let branches: Vec<String> = std::fs::read_to_string(args.get(2).expect("BRANCHES.txt"))
        .expect("read branches")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect();
    let out = args.get(3).expect("OUT.xlsx");
    let day0 = NaiveDate::from_ymd_opt(1965, 1, 1).unwrap();
    let rows: Vec<ExportRow> = (0..n)
        .map(|i| {
            // Area 990000 is not a real area, so these never collide with demo people.
            let id = synthesize(
                990000 + (i / 1_000_000) as u32,
                day0 + Duration::days((i / 1000) as i64),
                (i % 1000) as u32,
            );
            let status = if i % 10 < 8 { MemberStatus::Full } else { MemberStatus::ALL[i % 5] };
            let joined = NaiveDate::from_ymd_opt(2000 + (i % 20) as i32, 7, 1).unwrap();
            ExportRow {
                name: format!("测试{i}"),
                gender: if id.is_male() { Gender::Male } else { Gender::Female },
                id_number: id.as_str().to_string(),
                phone: Some(format!("139{:08}", i)),
                status,
                dates: StageDates {
                    probationary_on: (status >= MemberStatus::Probationary).then_some(joined),
                    full_on: (status >= MemberStatus::Full).then_some(joined + Duration::days(365)),
                    ..Default::default()
                },
                branch: branches[i % branches.len()].clone(),
                cell: None,
                work_unit: Some(format!("第{}车间", i % 50)),
                position: Some("操作工".to_string()),
                talent_pool: Some(TalentPool::ALL[i % 4]),
                workers_representative: i % 50 == 0,
            }
        })
        .collect();
    std::fs::write(out, export(&rows)).expect("write");
    println!("wrote {n} rows over {} branches to {out}", branches.len());
}
