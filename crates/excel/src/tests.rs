//! Tests on real workbooks: every input is .xlsx bytes written by
//! rust_xlsxwriter and read back by calamine, as in production.

use std::collections::HashSet;

use chrono::NaiveDate;
use dangjian_domain::id_number::{self, synthesize};
use dangjian_domain::person::{Gender, MemberStatus, StageDates, TalentPool};
use dangjian_domain::Code;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

use crate::read::parse_with_limit;
use crate::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// A cell to put in a hand-made workbook.
#[derive(Clone, Copy)]
enum C<'a> {
    S(&'a str),
    N(f64),
    Date(u16, u8, u8, &'a str),
    Blank,
}

/// A workbook whose first sheet (named `sheet`) holds `rows` from row 1.
fn book_named(sheet: &str, rows: &[Vec<C>]) -> Vec<u8> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(sheet).unwrap();
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let (r, c) = (r as u32, c as u16);
            match *cell {
                C::S(s) => {
                    ws.write_string(r, c, s).unwrap();
                }
                C::N(n) => {
                    ws.write_number(r, c, n).unwrap();
                }
                C::Date(y, m, day, fmt) => {
                    let f = Format::new().set_num_format(fmt);
                    ws.write_datetime_with_format(r, c, ExcelDateTime::from_ymd(y, m, day).unwrap(), &f).unwrap();
                }
                C::Blank => {}
            }
        }
    }
    wb.save_to_buffer().unwrap()
}

fn book(rows: &[Vec<C>]) -> Vec<u8> {
    book_named("Sheet1", rows)
}

fn header() -> Vec<C<'static>> {
    COLUMNS.iter().map(|c| C::S(c.header)).collect()
}

/// A data row with the required columns filled and the others blank.
fn minimal<'a>(name: &'a str, id: &'a str, status: &'a str, branch: &'a str) -> Vec<C<'a>> {
    let mut row = vec![C::Blank; COLUMNS.len()];
    row[0] = C::S(name);
    row[2] = C::S(id);
    row[4] = C::S(status);
    row[5] = C::S(branch);
    row
}

fn errors(result: Result<Vec<RosterRow>, ParseError>) -> Vec<(usize, String, Code, String)> {
    match result {
        Err(ParseError::Rows(errors)) => errors.into_iter().map(|e| (e.row, e.column, e.code, e.value)).collect(),
        other => panic!("expected row errors, got {other:?}"),
    }
}

fn err(row: usize, column: &str, code: Code, value: &str) -> (usize, String, Code, String) {
    (row, column.to_string(), code, value.to_string())
}

fn to_export(row: &RosterRow) -> ExportRow {
    ExportRow {
        name: row.name.clone(),
        gender: row.gender,
        id_number: row.id_number.as_str().to_string(),
        phone: row.phone.clone(),
        status: row.status,
        dates: row.dates.clone(),
        branch: row.branch.clone(),
        cell: row.cell.clone(),
        work_unit: row.work_unit.clone(),
        position: row.position.clone(),
        talent_pool: row.talent_pool,
        workers_representative: row.workers_representative,
    }
}

// ---------------------------------------------------------------------------
// Generated people for round trips.

/// A small deterministic generator (64-bit LCG): the same seed, the same people.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

const NAMES: &[&str] = &["张三", "李四", "王五", "欧阳明", "阿依古丽·买买提", "赵", "司马相如", "Li Lei", "陈晓东"];
const BRANCHES: &[&str] = &["第一党支部", "机关党支部", "生产运营党总支/第二党支部", "研发中心党支部"];
const TEXTS: &[&str] = &["生产运营部", "技术员", "001", "2024-01-01", "=SUM(A1:A2)", "车间主任（兼）", "A&B <C>"];

fn person(rng: &mut Rng, seen: &mut HashSet<String>) -> ExportRow {
    let id = loop {
        let birth = d(1950, 1, 1) + chrono::Duration::days(rng.below(20_000) as i64);
        let area = *rng.pick(&[110105u32, 310101, 440305, 500103, 510104]);
        let id = synthesize(area, birth, rng.below(1000) as u32);
        if seen.insert(id.as_str().to_string()) {
            break id;
        }
    };
    let status = *rng.pick(&MemberStatus::ALL);
    let mut dates = StageDates::default();
    let mut day = d(1995, 1, 1) + chrono::Duration::days(rng.below(9000) as i64);
    for stage in MemberStatus::STAGES {
        if stage > status {
            break;
        }
        day += chrono::Duration::days(rng.below(400) as i64);
        let needed = stage == status && status.is_member();
        if needed || rng.chance(70) {
            let slot = match stage {
                MemberStatus::Applicant => &mut dates.applied_on,
                MemberStatus::Activist => &mut dates.activist_on,
                MemberStatus::Candidate => &mut dates.candidate_on,
                MemberStatus::Probationary => &mut dates.probationary_on,
                _ => &mut dates.full_on,
            };
            *slot = Some(day);
        }
    }
    let phone = match rng.below(3) {
        0 => None,
        1 => Some(format!("13{:09}", rng.below(1_000_000_000))),
        _ => Some(format!("023-6{:07}", rng.below(10_000_000))),
    };
    let opt_text = |rng: &mut Rng| rng.chance(50).then(|| rng.pick(TEXTS).to_string());
    ExportRow {
        name: rng.pick(NAMES).to_string(),
        gender: if id.is_male() { Gender::Male } else { Gender::Female },
        id_number: id.as_str().to_string(),
        phone,
        status,
        dates,
        branch: rng.pick(BRANCHES).to_string(),
        cell: rng.chance(40).then(|| format!("第{}党小组", rng.below(5) + 1)),
        work_unit: opt_text(rng),
        position: opt_text(rng),
        talent_pool: if rng.chance(50) { Some(*rng.pick(&TalentPool::ALL)) } else { None },
        workers_representative: rng.chance(20),
    }
}

fn people(seed: u64, n: usize) -> Vec<ExportRow> {
    let mut rng = Rng(seed);
    let mut seen = HashSet::new();
    (0..n).map(|_| person(&mut rng, &mut seen)).collect()
}

// ---------------------------------------------------------------------------

#[test]
fn template_parses_to_no_rows() {
    let bytes = template();
    assert_eq!(parse(&bytes), Ok(vec![]));

    use calamine::{Data, Reader, Xlsx};
    let mut xlsx: Xlsx<_> = Xlsx::new(std::io::Cursor::new(&bytes)).unwrap();
    assert_eq!(xlsx.sheet_names(), vec![SHEET_NAME.to_string(), INSTRUCTIONS_SHEET_NAME.to_string()]);
    let range = xlsx.worksheet_range(SHEET_NAME).unwrap();
    let titles: Vec<String> = range.rows().next().unwrap().iter().map(|c| c.to_string()).collect();
    assert_eq!(titles, COLUMNS.iter().map(Column::title).collect::<Vec<_>>());
    assert_eq!(titles[0], "姓名*");
    // The instructions name every column.
    let help = xlsx.worksheet_range(INSTRUCTIONS_SHEET_NAME).unwrap();
    let first_col: Vec<String> =
        help.rows().filter_map(|r| r.first()).filter(|c| **c != Data::Empty).map(|c| c.to_string()).collect();
    for column in COLUMNS {
        assert!(first_col.contains(&column.title()), "{} is not explained", column.header);
    }
}

#[test]
fn export_then_parse_round_trips() {
    for (seed, n) in [(1, 1), (7, 25), (42, 300), (2026, 120)] {
        let input = people(seed, n);
        let bytes = export(&input);
        let parsed = parse(&bytes).unwrap_or_else(|e| panic!("seed {seed}: {e:?}"));
        assert_eq!(parsed.iter().map(|r| r.row).collect::<Vec<_>>(), (2..n + 2).collect::<Vec<_>>());
        let back: Vec<ExportRow> = parsed.iter().map(to_export).collect();
        assert_eq!(back, input, "seed {seed}");
    }
}

#[test]
fn export_writes_labels() {
    let mut row = people(3, 1).remove(0);
    row.status = MemberStatus::Full;
    row.dates = StageDates { probationary_on: Some(d(2020, 7, 1)), full_on: Some(d(2021, 7, 1)), ..Default::default() };
    row.workers_representative = true;
    row.talent_pool = Some(TalentPool::Skilled);
    let bytes = export(&[row]);

    use calamine::{Data, DataType, Reader, Xlsx};
    let mut xlsx: Xlsx<_> = Xlsx::new(std::io::Cursor::new(&bytes)).unwrap();
    assert_eq!(xlsx.sheet_names(), vec![SHEET_NAME.to_string()]);
    let range = xlsx.worksheet_range(SHEET_NAME).unwrap();
    let cell = |c: usize| range.get((1, c)).cloned().unwrap_or(Data::Empty);
    assert_eq!(cell(4), Data::String("正式党员".into()));
    assert_eq!(cell(9), Data::String("技能".into()));
    assert_eq!(cell(10), Data::String("是".into()));
    assert!(cell(14).is_datetime(), "dates are date cells");
}

#[test]
fn reports_exactly_the_bad_cells() {
    let good = synthesize(110105, d(1980, 5, 20), 123); // male
    let dup = synthesize(310101, d(1990, 1, 2), 246); // female
    let other = synthesize(440305, d(1975, 12, 31), 11);
    // One digit changed: the check digit no longer fits.
    let mut bad_check = good.as_str().as_bytes().to_vec();
    bad_check[17] = if bad_check[17] == b'1' { b'2' } else { b'1' };
    let bad_check = String::from_utf8(bad_check).unwrap();
    let bytes = book(&[
        header(),
        minimal("张三", good.as_str(), "群众", "第一党支部"),
        minimal("李四", &bad_check, "群众", "第一党支部"),
        {
            let mut r = minimal("王五", dup.as_str(), "入党申请人", "第一党支部");
            r[11] = C::S("2021-02-30");
            r
        },
        minimal("赵六", dup.as_str(), "群众", "第一党支部"),
        minimal("", other.as_str(), "群众", "第一党支部"),
    ]);
    assert_eq!(
        errors(parse(&bytes)),
        vec![
            err(3, "身份证号码", Code::IdNumberCheckDigit, &id_number::mask(&bad_check)),
            err(4, "申请入党日期", Code::DateFormat, "2021-02-30"),
            err(5, "身份证号码", Code::IdNumberDuplicateInFile, &dup.masked()),
            err(6, "姓名", Code::Required, ""),
        ]
    );
}

#[test]
fn collects_every_error_of_a_row_in_column_order() {
    let female = synthesize(110105, d(1990, 3, 4), 2);
    let long = "很".repeat(101);
    let mut row = vec![C::Blank; COLUMNS.len()];
    row[0] = C::S("   ");
    row[1] = C::S("男");
    row[2] = C::S(female.as_str());
    row[3] = C::S("12345");
    row[4] = C::S("团员");
    row[7] = C::S(&long);
    row[9] = C::S("后勤");
    row[10] = C::S("也许");
    row[12] = C::S("yesterday");
    let (id_full, id_prob) = (synthesize(110105, d(1980, 1, 1), 5), synthesize(110105, d(1981, 1, 1), 7));
    let mut stages = minimal("钱七", id_full.as_str(), "正式党员", "第一党支部");
    stages[14] = C::S("2021-07-01"); // no 转正日期 for a full member
    let mut order = minimal("孙八", id_prob.as_str(), "预备党员", "第一党支部");
    order[11] = C::S("2022-01-01");
    order[14] = C::S("2021-07-01"); // before the application
    let bytes = book(&[header(), row, stages, order]);
    let value_60: String = long.chars().take(60).collect();
    assert_eq!(
        errors(parse(&bytes)),
        vec![
            err(2, "姓名", Code::Required, ""),
            err(2, "性别", Code::GenderMismatch, "男"),
            err(2, "手机号码", Code::PhoneFormat, "12345"),
            err(2, "政治面貌", Code::UnknownStatus, "团员"),
            err(2, "所在党支部", Code::Required, ""),
            err(2, "工作单位", Code::TooLong, &value_60),
            err(2, "人才队伍", Code::UnknownTalentPool, "后勤"),
            err(2, "是否职工代表", Code::InvalidValue, "也许"),
            err(2, "确定积极分子日期", Code::DateFormat, "yesterday"),
            err(3, "转正日期", Code::StatusDateMissing, ""),
            err(4, "入党日期", Code::DateOrder, "2021-07-01"),
        ]
    );
}

#[test]
fn missing_required_columns_are_all_listed() {
    let bytes = book(&[vec![C::S("姓名*"), C::S("性别"), C::S("政治面貌*"), C::S("备注")], vec![C::S("张三")]]);
    assert_eq!(parse(&bytes), Err(ParseError::MissingColumns(vec!["身份证号码".into(), "所在党支部".into()])));

    // No header at all.
    assert_eq!(
        parse(&book(&[vec![C::S("甲"), C::S("乙")], vec![C::S("丙")]])),
        Err(ParseError::MissingColumns(vec![
            "姓名".into(),
            "身份证号码".into(),
            "政治面貌".into(),
            "所在党支部".into()
        ]))
    );
    assert!(matches!(parse(&book(&[])), Err(ParseError::MissingColumns(m)) if m.len() == 4));
}

#[test]
fn headers_in_any_order_with_marks_and_extra_columns() {
    let id = synthesize(500103, d(1988, 8, 8), 321);
    let bytes = book(&[
        vec![C::S("党员名册（2026年）")], // a title line above the header
        vec![
            C::S("序号"),
            C::S(" 所在党支部* "),
            C::S("*身份证号码"),
            C::S("政治面貌＊"),
            C::S("姓名"),
            C::S("备注"),
            C::S("姓名"), // repeated: the first counts
        ],
        vec![C::N(1.0), C::S("第一党支部"), C::S(id.as_str()), C::S("中共党员"), C::S("周九"), C::S("x"), C::S("y")],
    ]);
    // A full member needs 入党日期 and 转正日期, which this file has no column for.
    assert_eq!(errors(parse(&bytes)), vec![err(3, "转正日期", Code::StatusDateMissing, "")]);

    let bytes = book(&[
        vec![C::S("所在党支部"), C::S("身份证号码"), C::S("政治面貌"), C::S("姓名"), C::S("备注")],
        vec![C::S("第一党支部"), C::S(id.as_str()), C::S("入党积极分子"), C::S("周九"), C::S("note")],
    ]);
    let rows = parse(&bytes).unwrap();
    assert_eq!(rows.len(), 1);
    let r = &rows[0];
    assert_eq!((r.row, r.name.as_str(), r.branch.as_str()), (2, "周九", "第一党支部"));
    assert_eq!(r.status, MemberStatus::Activist);
    assert_eq!(r.gender, if id.is_male() { Gender::Male } else { Gender::Female });
    assert_eq!((r.phone.clone(), r.cell.clone(), r.talent_pool, r.workers_representative), (None, None, None, false));
}

#[test]
fn numeric_cells_read_as_typed() {
    let id = synthesize(110105, d(1985, 6, 15), 8);
    let mut row = minimal("吴十", id.as_str(), "入党申请人", "第一党支部");
    row[3] = C::N(13812345678.0); // phone typed as a number
    row[10] = C::N(1.0); // 是否职工代表 as 1
    row[11] = C::N(20260115.0); // a date typed as digits
    row[8] = C::N(3.5);
    let rows = parse(&book(&[header(), row])).unwrap();
    assert_eq!(rows[0].phone.as_deref(), Some("13812345678"));
    assert!(rows[0].workers_representative);
    assert_eq!(rows[0].dates.applied_on, Some(d(2026, 1, 15)));
    assert_eq!(rows[0].position.as_deref(), Some("3.5"));

    // An 18-digit ID typed as a number: Excel keeps 15-16 significant digits,
    // so it reads back without exponent but with its tail changed, and the
    // check digit catches it.
    let (as_float, read_back) = (0..1000)
        .map(|seq| synthesize(110105, d(1985, 6, 15), seq).as_str().to_string())
        .filter(|typed| !typed.ends_with('X'))
        .map(|typed| {
            let as_float: f64 = typed.parse().unwrap();
            (as_float, format!("{as_float:.0}"))
        })
        .find(|(_, read_back)| id_number::parse(read_back) == Err(Code::IdNumberCheckDigit))
        .unwrap();
    assert_eq!(read_back.len(), 18, "no exponent, no decimals");
    let mut row = minimal("郑一", "", "群众", "第一党支部");
    row[2] = C::N(as_float);
    assert_eq!(
        errors(parse(&book(&[header(), row]))),
        vec![err(2, "身份证号码", Code::IdNumberCheckDigit, &id_number::mask(&read_back))]
    );
}

#[test]
fn excel_date_cells() {
    let id = synthesize(110105, d(1970, 2, 3), 55);
    let mut row = minimal("冯二", id.as_str(), "正式党员", "第一党支部");
    row[11] = C::Date(2019, 3, 1, "yyyy-mm-dd");
    row[12] = C::Date(2019, 9, 1, "m/d/yyyy");
    row[13] = C::Date(2020, 2, 29, "yyyy\"年\"m\"月\"d\"日\"");
    row[14] = C::Date(2020, 7, 1, "yyyy/m/d h:mm");
    row[15] = C::S("2021年7月1日");
    let rows = parse(&book(&[header(), row])).unwrap();
    assert_eq!(
        rows[0].dates,
        StageDates {
            applied_on: Some(d(2019, 3, 1)),
            activist_on: Some(d(2019, 9, 1)),
            candidate_on: Some(d(2020, 2, 29)),
            probationary_on: Some(d(2020, 7, 1)),
            full_on: Some(d(2021, 7, 1)),
        }
    );
}

#[test]
fn empty_rows_are_skipped_and_row_numbers_kept() {
    let a = synthesize(110105, d(1980, 1, 1), 1);
    let b = synthesize(110105, d(1980, 1, 1), 2);
    let bytes = book(&[
        header(),
        vec![C::S("  "), C::Blank, C::S("\t")], // whitespace only
        minimal("甲", a.as_str(), "群众", "第一党支部"),
        vec![],
        vec![],
        minimal("乙", b.as_str(), "群众", "第一党支部"),
        vec![C::Blank; 20],
    ]);
    let rows = parse(&bytes).unwrap();
    assert_eq!(rows.iter().map(|r| (r.row, r.name.as_str())).collect::<Vec<_>>(), vec![(3, "甲"), (6, "乙")]);
}

#[test]
fn gender_given_or_derived() {
    let male = synthesize(110105, d(1980, 1, 1), 1);
    let female = synthesize(110105, d(1980, 1, 1), 2);
    let mut given = minimal("甲", female.as_str(), "群众", "第一党支部");
    given[1] = C::S("女");
    let derived = minimal("乙", male.as_str(), "群众", "第一党支部");
    let rows = parse(&book(&[header(), given, derived])).unwrap();
    assert_eq!((rows[0].gender, rows[1].gender), (Gender::Female, Gender::Male));

    let mut unknown = minimal("丙", male.as_str(), "群众", "第一党支部");
    unknown[1] = C::S("未知");
    assert_eq!(errors(parse(&book(&[header(), unknown]))), vec![err(2, "性别", Code::UnknownGender, "未知")]);
}

#[test]
fn prefers_the_roster_sheet() {
    let id = synthesize(110105, d(1980, 1, 1), 1);
    let mut wb = Workbook::new();
    wb.add_worksheet().set_name(INSTRUCTIONS_SHEET_NAME).unwrap().write_string(0, 0, "说明").unwrap();
    let ws = wb.add_worksheet().set_name(SHEET_NAME).unwrap();
    ws.write_row(0, 0, COLUMNS.iter().map(|c| c.header)).unwrap();
    ws.write_row(1, 0, ["甲", "", id.as_str(), "", "群众", "第一党支部"]).unwrap();
    let rows = parse(&wb.save_to_buffer().unwrap()).unwrap();
    assert_eq!(rows.len(), 1);
}

#[test]
fn unreadable_files() {
    assert_eq!(parse(b"this is not a workbook"), Err(ParseError::Unreadable));
    assert_eq!(parse(b""), Err(ParseError::Unreadable));
    assert_eq!(parse(b"PK\x03\x04garbage"), Err(ParseError::Unreadable));
    let csv = "姓名,身份证号码\n张三,11010519491231002X\n";
    assert_eq!(parse(csv.as_bytes()), Err(ParseError::Unreadable));
    assert_eq!(ParseError::Unreadable.code(), Code::FileUnreadable);
}

#[test]
fn too_many_rows() {
    let bytes = export(&people(5, 3));
    assert_eq!(parse_with_limit(&bytes, 3).map(|r| r.len()), Ok(3));
    assert_eq!(parse_with_limit(&bytes, 2), Err(ParseError::TooManyRows { limit: 2 }));
    assert_eq!(ParseError::TooManyRows { limit: 2 }.code(), Code::FileTooLarge);
}

#[test]
fn masked_export_does_not_import() {
    let mut rows = people(9, 2);
    for r in &mut rows {
        r.id_number = id_number::mask(&r.id_number);
    }
    let errs = errors(parse(&export(&rows)));
    assert_eq!(errs.len(), 2);
    assert!(errs.iter().all(|e| e.1 == "身份证号码" && e.2 == Code::IdNumberFormat && e.3.contains('*')));
}

#[test]
fn error_display_and_codes() {
    let e = ParseError::MissingColumns(vec!["姓名".into(), "身份证号码".into()]);
    assert_eq!(e.to_string(), "missing required columns: 姓名, 身份证号码");
    assert_eq!(e.code(), Code::MissingColumn);
    assert_eq!(ParseError::Rows(vec![]).code(), Code::ImportRejected);
    let row_error = RowError { row: 2, column: "姓名".into(), code: Code::Required, value: String::new() };
    assert_eq!(row_error.message(dangjian_domain::Locale::ZhCn), "必填项不能为空");
}
