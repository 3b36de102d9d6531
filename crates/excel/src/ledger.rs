//! # The rectification ledger (整改台账) as an Excel workbook
//!
//! An inspection (巡视/巡察) feeds back problems; each problem gets one or
//! more rectification measures (整改措施), each assigned to a responsible
//! organization and person with a deadline. Ledgers travel in Excel, one
//! measure per row, in the layout [`LEDGER_COLUMNS`]:
//!
//! - [`ledger_template`] is an empty ledger with a 填写说明 sheet, like the
//!   roster's [`crate::template`];
//! - [`parse_ledger`] reads a filled-in ledger with the roster's rules: every
//!   error of every row is collected ([`ParseError::Rows`]) and nothing is
//!   returned if any row is wrong;
//! - [`export_ledger`] writes the layout people print and hand in: a merged
//!   title row, the header, the measures, then three progress columns
//!   (完成情况, 最新进展, 销号日期). An exported ledger, edited, imports
//!   again: the parser finds the header below the title and ignores the
//!   progress columns.
//!
//! Two habits of real ledgers are understood on import:
//!
//! - **Merged cells.** A problem with several measures is usually one merged
//!   序号/问题描述 cell spanning the measures' rows. Every row a merged cell
//!   covers reads the merged cell's value, so each measure gets its problem.
//!   [`export_ledger`] merges the same way.
//! - **Month deadlines.** 完成时限 accepts what [`dangjian_domain::date::parse`]
//!   accepts and Excel date cells, plus `2026年6月`, `2026年6月底`, `2026-06`
//!   (the month's last day), `2026年底` (31 December) and a trailing 前
//!   (`2026年6月30日前`). Anything else, 长期坚持 included, is
//!   [`Code::DateFormat`]; an empty cell is [`Code::Required`].
//!
//! As with the roster, organizations stay text here (a name or an
//! 上级/名称 path); storage resolves them.

use std::collections::HashMap;
use std::io::Cursor;

use calamine::{Dimensions, Reader, Xlsx};
use chrono::{Datelike, NaiveDate};
use dangjian_domain::Code;
use rust_xlsxwriter::{Color, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};

use crate::columns::{Column, MAX_TEXT};
use crate::read::{Bad, Val, HEADER_SEARCH_ROWS, MAX_VALUE_CHARS};
use crate::write::cap;
use crate::{ParseError, RowError, INSTRUCTIONS_SHEET_NAME, MAX_ROWS};

/// One column of the ledger sheet. The same shape as the roster's
/// [`Column`] (and the same type, so [`Column::title`] gives the header as
/// written, with the `*` of required columns).
pub type LedgerColumn = Column;

const fn col(header: &'static str, field: &'static str, required: bool) -> LedgerColumn {
    Column { header, field, required }
}

/// The ledger columns in workbook order. [`export_ledger`] adds
/// [`LEDGER_PROGRESS_HEADERS`] after them.
pub const LEDGER_COLUMNS: &[LedgerColumn] = &[
    col("序号", "seq", false),
    col("问题类别", "category", false),
    col("问题描述", "problem", true),
    col("整改措施", "measure", true),
    col("责任单位", "responsible_org", true),
    col("责任人", "responsible_person", false),
    col("牵头领导", "leading_leader", false),
    col("配合单位", "cooperating_orgs", false),
    col("完成时限", "due_on", true),
    col("整改目标/成效", "target", false),
    col("备注", "note", false),
];

/// The columns [`export_ledger`] writes after [`LEDGER_COLUMNS`]; the parser
/// ignores them.
pub const LEDGER_PROGRESS_HEADERS: [&str; 3] = ["完成情况", "最新进展", "销号日期"];

/// The name of the ledger sheet in [`ledger_template`] and [`export_ledger`].
/// [`parse_ledger`] reads the sheet of this name if there is one, else the
/// first sheet.
pub const LEDGER_SHEET_NAME: &str = "整改台账";

/// Maximum characters of the long text columns (问题描述, 整改措施,
/// 整改目标/成效, 备注); beyond it, [`Code::TooLong`]. The short ones (序号,
/// 问题类别, 责任人, 牵头领导) take the roster's 100.
pub const MAX_LEDGER_TEXT: usize = 2000;

/// Number of ledger columns.
const N: usize = 11;

// Indexes into LEDGER_COLUMNS.
const SEQ: usize = 0;
const CATEGORY: usize = 1;
const PROBLEM: usize = 2;
const MEASURE: usize = 3;
const RESPONSIBLE_ORG: usize = 4;
const RESPONSIBLE_PERSON: usize = 5;
const LEADING_LEADER: usize = 6;
const COOPERATING_ORGS: usize = 7;
const DUE_ON: usize = 8;
const TARGET: usize = 9;
const NOTE: usize = 10;

/// Other headers ledgers in the wild use for the same columns.
const HEADER_ALIASES: &[(&str, usize)] = &[
    ("编号", SEQ),
    ("问题类型", CATEGORY),
    ("问题分类", CATEGORY),
    ("问题", PROBLEM),
    ("存在问题", PROBLEM),
    ("反馈问题", PROBLEM),
    ("问题表现", PROBLEM),
    ("具体问题", PROBLEM),
    ("措施", MEASURE),
    ("具体措施", MEASURE),
    ("整改举措", MEASURE),
    ("责任部门", RESPONSIBLE_ORG),
    ("整改责任单位", RESPONSIBLE_ORG),
    ("具体责任人", RESPONSIBLE_PERSON),
    ("整改责任人", RESPONSIBLE_PERSON),
    ("责任领导", LEADING_LEADER),
    ("分管领导", LEADING_LEADER),
    ("配合部门", COOPERATING_ORGS),
    ("协同单位", COOPERATING_ORGS),
    ("协助单位", COOPERATING_ORGS),
    ("整改时限", DUE_ON),
    ("完成期限", DUE_ON),
    ("整改期限", DUE_ON),
    ("整改目标", TARGET),
    ("整改成效", TARGET),
    ("预期成效", TARGET),
];

/// What separates the organizations of one 配合单位 cell.
const ORG_SEPARATORS: &[char] = &['、', '，', ',', ';', '；', '\n', '\r'];

/// One valid row (one measure) of an imported ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerRow {
    /// 1-based Excel row number.
    pub row: usize,
    /// As written (`1`, `1.2`, `（一）`); a number cell reads as typed.
    pub seq: Option<String>,
    pub category: Option<String>,
    pub problem: String,
    pub measure: String,
    /// An organization name or an 上级/名称 path; resolved by storage.
    pub responsible_org: String,
    pub responsible_person: Option<String>,
    pub leading_leader: Option<String>,
    /// Split by [`split_orgs`]; names or paths, resolved by storage.
    pub cooperating_orgs: Vec<String>,
    pub due_on: NaiveDate,
    pub target: Option<String>,
    pub note: Option<String>,
}

/// One measure to [`export_ledger`]: the fields of [`LedgerRow`] without the
/// row number, plus its progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerExportRow {
    pub seq: Option<String>,
    pub category: Option<String>,
    pub problem: String,
    pub measure: String,
    pub responsible_org: String,
    pub responsible_person: Option<String>,
    pub leading_leader: Option<String>,
    /// Written joined by 、.
    pub cooperating_orgs: Vec<String>,
    pub due_on: NaiveDate,
    pub target: Option<String>,
    pub note: Option<String>,
    /// 完成情况, e.g. 已销号 / 推进中 / 超期 (a status containing 超期 shows in red).
    pub status: String,
    /// 最新进展: the latest progress note.
    pub progress: Option<String>,
    /// 销号日期.
    pub closed_on: Option<NaiveDate>,
}

// ---------------------------------------------------------------------------
// Reading

/// Reads and checks a ledger workbook (.xlsx).
///
/// The ledger sheet is the one named [`LEDGER_SHEET_NAME`], else the first
/// sheet. As in the roster, the header row is the first row naming a ledger
/// column (a title row may come before it), headers match by name in any
/// order ignoring spaces and a `*` mark (common other names such as 整改时限
/// or 责任部门 too), and unknown columns are ignored. Empty rows, and rows
/// with nothing but a 序号, are skipped; a merged cell counts for every row
/// it covers.
///
/// Returns one [`LedgerRow`] per measure, or, if any row is wrong, every
/// error of every row ([`ParseError::Rows`]). At most [`MAX_ROWS`] rows.
pub fn parse_ledger(bytes: &[u8]) -> Result<Vec<LedgerRow>, ParseError> {
    parse_with_limit(bytes, MAX_ROWS)
}

fn parse_with_limit(bytes: &[u8], limit: usize) -> Result<Vec<LedgerRow>, ParseError> {
    let mut xlsx: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|_| ParseError::Unreadable)?;
    let names = xlsx.sheet_names();
    let sheet = names.iter().find(|n| *n == LEDGER_SHEET_NAME).or(names.first()).ok_or(ParseError::Unreadable)?.clone();
    let regions = match xlsx.worksheet_merge_cells(&sheet) {
        Some(regions) => regions.map_err(|_| ParseError::Unreadable)?,
        None => Vec::new(),
    };
    let mut cells = xlsx.worksheet_cells_reader(&sheet).map_err(|_| ParseError::Unreadable)?;

    // The same streaming loop as the roster's parser (see crate::read).
    let mut merges = Merges::new(regions);
    let mut map: Option<Vec<Option<u8>>> = None;
    let mut pending: Vec<(u32, Val)> = Vec::new();
    let mut rows_before_header = 0;
    let mut slots: [Val; N] = std::array::from_fn(|_| Val::Empty);
    let mut current: Option<u32> = None;
    let mut state = State::new(limit);

    loop {
        let next = cells.next_cell().map_err(|_| ParseError::Unreadable)?;
        let next_row = next.as_ref().map(|c| c.get_position().0);
        if let Some(row) = current.filter(|&r| Some(r) != next_row) {
            // The current row is complete.
            match &map {
                Some(map) => {
                    if slots.iter().enumerate().any(|(i, v)| i != SEQ && !v.is_empty()) {
                        merges.fill(row, map, &mut slots);
                        state.row(row as usize + 1, &slots)?;
                    }
                    slots = std::array::from_fn(|_| Val::Empty);
                }
                None => {
                    map = header_map(&pending)?;
                    if map.is_none() && pending.iter().any(|(_, v)| !v.is_empty()) {
                        rows_before_header += 1;
                        if rows_before_header >= HEADER_SEARCH_ROWS {
                            return Err(missing(&[false; N]));
                        }
                    }
                    pending.clear();
                }
            }
        }
        let Some(cell) = next else { break };
        let (row, col) = cell.get_position();
        current = Some(row);
        let val = Val::from_cell(cell.get_value());
        merges.note(row, col, &val);
        match &map {
            Some(map) => {
                if let Some(Some(i)) = map.get(col as usize) {
                    slots[*i as usize] = val;
                }
            }
            None => pending.push((col, val)),
        }
    }
    if map.is_none() {
        return Err(missing(&[false; N]));
    }
    state.finish()
}

/// The ledger column of a header cell's text: whitespace anywhere, a
/// required mark (`*`, `＊`) and a （必填）/（选填） note are ignored.
fn index_of_header(text: &str) -> Option<usize> {
    let is_mark = |c: char| c == '*' || c == '＊';
    let squeezed: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let mut t = squeezed.trim_matches(is_mark);
    for note in ["（必填）", "(必填)", "（选填）", "(选填)"] {
        t = t.strip_suffix(note).unwrap_or(t);
    }
    let t = t.trim_matches(is_mark);
    LEDGER_COLUMNS
        .iter()
        .position(|c| c.header == t)
        .or_else(|| HEADER_ALIASES.iter().find(|(alias, _)| *alias == t).map(|(_, i)| *i))
}

/// As the roster's: the column map if `cells` is a header row, or the
/// missing required columns if it is one but lacks some.
fn header_map(cells: &[(u32, Val)]) -> Result<Option<Vec<Option<u8>>>, ParseError> {
    let mut present = [false; N];
    let mut map: Vec<Option<u8>> = Vec::new();
    for (col, val) in cells {
        let Some(i) = index_of_header(&val.text()) else { continue };
        if present[i] {
            continue; // a repeated header (or a second alias): the first one counts
        }
        present[i] = true;
        let col = *col as usize;
        if map.len() <= col {
            map.resize(col + 1, None);
        }
        map[col] = Some(i as u8);
    }
    if !present.iter().any(|p| *p) {
        return Ok(None);
    }
    if LEDGER_COLUMNS.iter().zip(present).any(|(c, p)| c.required && !p) {
        return Err(missing(&present));
    }
    Ok(Some(map))
}

fn missing(present: &[bool; N]) -> ParseError {
    ParseError::MissingColumns(
        LEDGER_COLUMNS
            .iter()
            .zip(present)
            .filter(|(c, p)| c.required && !**p)
            .map(|(c, _)| c.header.to_string())
            .collect(),
    )
}

/// The sheet's merged regions, so that every row a merged cell covers reads
/// its value. Rows arrive in order, so regions are taken up by first row and
/// dropped after their last.
struct Merges<'a> {
    /// (first row, first col), (last row, last col); sorted by first row.
    regions: Vec<Dimensions>,
    /// How many of `regions` have been taken up.
    next: usize,
    /// The regions covering the current row.
    active: Vec<Dimensions>,
    /// The value of each region's first cell, by position.
    firsts: HashMap<(u32, u32), Val<'a>>,
}

impl<'a> Merges<'a> {
    fn new(mut regions: Vec<Dimensions>) -> Merges<'a> {
        regions.sort_by_key(|d| d.start.0);
        let firsts = regions.iter().map(|d| (d.start, Val::Empty)).collect();
        Merges { regions, next: 0, active: Vec::new(), firsts }
    }

    /// Keeps the cell's value if it is the first cell of a region.
    fn note(&mut self, row: u32, col: u32, val: &Val<'a>) {
        if let Some(first) = self.firsts.get_mut(&(row, col)) {
            *first = copy(val);
        }
    }

    /// Gives the covered cells of `row` their region's value.
    fn fill(&mut self, row: u32, map: &[Option<u8>], slots: &mut [Val<'a>; N]) {
        while let Some(region) = self.regions.get(self.next).filter(|d| d.start.0 <= row) {
            self.active.push(*region);
            self.next += 1;
        }
        self.active.retain(|d| d.end.0 >= row);
        for region in &self.active {
            let first = &self.firsts[&region.start];
            let last_col = region.end.1.min(map.len() as u32 - 1);
            for col in region.start.1..=last_col {
                if (row, col) == region.start {
                    continue;
                }
                if let Some(Some(i)) = map.get(col as usize) {
                    // What Excel shows is the first cell's value, whatever a
                    // covered cell may hide.
                    slots[*i as usize] = copy(first);
                }
            }
        }
    }
}

fn copy<'a>(v: &Val<'a>) -> Val<'a> {
    match v {
        Val::Empty => Val::Empty,
        Val::Text(t) => Val::Text(t.clone()),
        Val::Date(d) => Val::Date(*d),
    }
}

/// What the parse has gathered so far (as the roster's, without ID numbers).
struct State {
    limit: usize,
    count: usize,
    rows: Vec<LedgerRow>,
    errors: Vec<RowError>,
    /// The current row's errors by column, reused between rows.
    bad: Vec<(usize, Code)>,
}

impl State {
    fn new(limit: usize) -> State {
        State { limit, count: 0, rows: Vec::new(), errors: Vec::new(), bad: Vec::new() }
    }

    /// Counts and checks one non-empty data row.
    fn row(&mut self, row: usize, slots: &[Val; N]) -> Result<(), ParseError> {
        self.count += 1;
        if self.count > self.limit {
            return Err(ParseError::TooManyRows { limit: self.limit });
        }
        self.check(row, slots);
        Ok(())
    }

    fn check(&mut self, row: usize, v: &[Val; N]) {
        self.bad.clear();
        let mut bad = Bad(&mut self.bad);

        let seq = bad.ok(SEQ, v[SEQ].opt_text(Some(MAX_TEXT)));
        let category = bad.ok(CATEGORY, v[CATEGORY].opt_text(Some(MAX_TEXT)));
        let problem = bad.ok(PROBLEM, required_text(&v[PROBLEM], Some(MAX_LEDGER_TEXT)));
        let measure = bad.ok(MEASURE, required_text(&v[MEASURE], Some(MAX_LEDGER_TEXT)));
        let responsible_org = bad.ok(RESPONSIBLE_ORG, required_text(&v[RESPONSIBLE_ORG], None));
        let responsible_person = bad.ok(RESPONSIBLE_PERSON, v[RESPONSIBLE_PERSON].opt_text(Some(MAX_TEXT)));
        let leading_leader = bad.ok(LEADING_LEADER, v[LEADING_LEADER].opt_text(Some(MAX_TEXT)));
        let cooperating_orgs = split_orgs(&v[COOPERATING_ORGS].text());
        let due_on = bad.ok(DUE_ON, deadline(&v[DUE_ON]));
        let target = bad.ok(TARGET, v[TARGET].opt_text(Some(MAX_LEDGER_TEXT)));
        let note = bad.ok(NOTE, v[NOTE].opt_text(Some(MAX_LEDGER_TEXT)));

        if !self.bad.is_empty() {
            self.rows = Vec::new(); // the import is refused; stop keeping rows
            self.bad.sort_by_key(|(col, _)| *col);
            for &(col, code) in &self.bad {
                self.errors.push(RowError {
                    row,
                    column: LEDGER_COLUMNS[col].header.to_string(),
                    code,
                    value: shown_value(&v[col]),
                });
            }
            return;
        }
        if !self.errors.is_empty() {
            return;
        }
        // With no error, every field above was read.
        let (
            Some(seq),
            Some(category),
            Some(problem),
            Some(measure),
            Some(responsible_org),
            Some(responsible_person),
            Some(leading_leader),
            Some(due_on),
            Some(target),
            Some(note),
        ) = (
            seq,
            category,
            problem,
            measure,
            responsible_org,
            responsible_person,
            leading_leader,
            due_on,
            target,
            note,
        )
        else {
            unreachable!("a row without errors has every field");
        };
        self.rows.push(LedgerRow {
            row,
            seq,
            category,
            problem,
            measure,
            responsible_org,
            responsible_person,
            leading_leader,
            cooperating_orgs,
            due_on,
            target,
            note,
        });
    }

    fn finish(mut self) -> Result<Vec<LedgerRow>, ParseError> {
        if self.errors.is_empty() {
            Ok(self.rows)
        } else {
            self.errors.sort_by_key(|e| e.row);
            Err(ParseError::Rows(self.errors))
        }
    }
}

fn required_text(v: &Val, max_chars: Option<usize>) -> Result<String, Code> {
    v.opt_text(max_chars)?.ok_or(Code::Required)
}

/// The cell text to show with an error, at most [`MAX_VALUE_CHARS`] characters.
fn shown_value(v: &Val) -> String {
    let text = v.text();
    match text.char_indices().nth(MAX_VALUE_CHARS) {
        Some((cut, _)) => text[..cut].to_string(),
        None => text.into_owned(),
    }
}

/// A 完成时限 cell: a date as [`dangjian_domain::date::parse`] reads it or an
/// Excel date, else one of the deadline forms of [`month_deadline`].
fn deadline(v: &Val) -> Result<NaiveDate, Code> {
    match v.date() {
        Ok(Some(date)) => Ok(date),
        Ok(None) => Err(Code::Required),
        Err(code) => month_deadline(&v.text()).ok_or(code),
    }
}

/// The deadline forms ledgers use besides plain dates: a trailing 前/之前/以前
/// (`2026年6月30日前`), a month (`2026年6月`, `2026年6月底`, `2026-06`, `2026/6`:
/// its last day) and a year's end (`2026年底`, `2026年年底`: 31 December).
fn month_deadline(text: &str) -> Option<NaiveDate> {
    let s = text.trim();
    let s = ["之前", "以前", "前"].iter().find_map(|p| s.strip_suffix(p)).unwrap_or(s).trim_end();
    if let Ok(date) = dangjian_domain::date::parse(s) {
        return Some(date);
    }
    let s = s.strip_suffix(['底', '末']).unwrap_or(s);
    if let Some(y) = s.strip_suffix('年') {
        let y = y.strip_suffix('年').unwrap_or(y);
        return NaiveDate::from_ymd_opt(year(y)?, 12, 31);
    }
    let s = s.strip_suffix('月').unwrap_or(s);
    let (y, m) = s.split_once(['年', '-', '/'])?;
    if !(1..=2).contains(&m.len()) || !m.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (y, m): (i32, u32) = (year(y)?, m.parse().ok()?);
    let next_month = if m == 12 { NaiveDate::from_ymd_opt(y + 1, 1, 1) } else { NaiveDate::from_ymd_opt(y, m + 1, 1) };
    NaiveDate::from_ymd_opt(y, m, 1)?;
    next_month?.pred_opt()
}

fn year(s: &str) -> Option<i32> {
    (s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok()).flatten()
}

/// Splits a 配合单位 cell into organizations: separated by 、 ， , ; ； or
/// line breaks, trimmed, empty pieces and repeats dropped, in order. The
/// `/` of a 上级/名称 path is not a separator.
pub fn split_orgs(text: &str) -> Vec<String> {
    let mut orgs: Vec<String> = Vec::new();
    for org in text.split(ORG_SEPARATORS).map(str::trim).filter(|o| !o.is_empty()) {
        if !orgs.iter().any(|o| o == org) {
            orgs.push(org.to_string());
        }
    }
    orgs
}

// ---------------------------------------------------------------------------
// Writing

/// Column widths in Excel character units (a Chinese character takes about
/// two): the ledger columns, then the progress columns.
const WIDTHS: [f64; N + 3] = [6.0, 12.0, 40.0, 40.0, 16.0, 10.0, 10.0, 18.0, 12.0, 30.0, 14.0, 10.0, 30.0, 12.0];

/// Height in points of one printed line of 11-point text.
const LINE_HEIGHT: f64 = 14.5;

/// Excel's highest row, in points.
const MAX_ROW_HEIGHT: f64 = 409.0;

/// An empty ledger workbook: on sheet [`LEDGER_SHEET_NAME`], the header row
/// (bold, frozen, required columns marked `*` in red) with date and wrapping
/// formats on the columns and print settings as [`export_ledger`]'s; and a
/// second sheet [`INSTRUCTIONS_SHEET_NAME`] explaining each column.
pub fn ledger_template() -> Vec<u8> {
    let mut workbook = Workbook::new();
    template_sheet(workbook.add_worksheet())
        .and_then(|()| instructions_sheet(workbook.add_worksheet()))
        .and_then(|()| workbook.save_to_buffer())
        .expect("writing an empty ledger template cannot fail")
}

/// The measures in the printed ledger layout, on sheet [`LEDGER_SHEET_NAME`]:
/// `title` (e.g. `××巡视反馈问题整改台账`; [`LEDGER_SHEET_NAME`] if blank) merged
/// across the top, the header row (frozen, repeated on every printed page),
/// then one row per measure in the given order, with the columns of
/// [`LEDGER_COLUMNS`] and then [`LEDGER_PROGRESS_HEADERS`]. Consecutive
/// measures of the same problem (same 序号, 问题类别 and 问题描述) share merged
/// cells for those three columns. Landscape A4, fitted to one page wide.
///
/// # Panics
///
/// If `rows` has more than 1,048,574 entries (Excel's rows, less the title
/// and header).
pub fn export_ledger(title: &str, rows: &[LedgerExportRow]) -> Vec<u8> {
    assert!(rows.len() <= 1_048_574, "an Excel sheet holds at most 1,048,574 rows below a title and header");
    let mut workbook = Workbook::new();
    export_sheet(workbook.add_worksheet(), title, rows)
        .and_then(|()| workbook.save_to_buffer())
        .expect("writing a ledger within Excel's limits cannot fail")
}

struct Formats {
    header: Format,
    required: Format,
    text: Format,
    center: Format,
    date: Format,
    overdue: Format,
}

impl Formats {
    fn new() -> Formats {
        let header = Format::new()
            .set_bold()
            .set_text_wrap()
            .set_align(FormatAlign::Center)
            .set_align(FormatAlign::VerticalCenter)
            .set_background_color(Color::RGB(0xDDEBF7))
            .set_border(FormatBorder::Thin);
        let required = header.clone().set_font_color(Color::RGB(0xC00000));
        let text = Format::new().set_text_wrap().set_align(FormatAlign::VerticalCenter).set_border(FormatBorder::Thin);
        let center = text.clone().set_align(FormatAlign::Center);
        let date = center.clone().set_num_format("yyyy-mm-dd");
        let overdue = center.clone().set_bold().set_font_color(Color::RGB(0xC00000));
        Formats { header, required, text, center, date, overdue }
    }
}

/// Column widths, the header row at `r` and the page setup.
fn layout(ws: &mut Worksheet, r: u32, progress: bool, f: &Formats) -> Result<(), XlsxError> {
    ws.set_name(LEDGER_SHEET_NAME)?;
    let columns = if progress { N + LEDGER_PROGRESS_HEADERS.len() } else { N };
    for (c, width) in WIDTHS.iter().take(columns).enumerate() {
        ws.set_column_width(c as u16, *width)?;
    }
    for (c, column) in LEDGER_COLUMNS.iter().enumerate() {
        ws.write_string_with_format(
            r,
            c as u16,
            column.title(),
            if column.required { &f.required } else { &f.header },
        )?;
    }
    if progress {
        for (j, header) in LEDGER_PROGRESS_HEADERS.iter().enumerate() {
            ws.write_string_with_format(r, (N + j) as u16, *header, &f.header)?;
        }
    }
    ws.set_row_height(r, 30)?;
    ws.set_freeze_panes(r + 1, 0)?;
    ws.set_repeat_rows(r, r)?;
    ws.set_landscape()
        .set_paper_size(9) // A4
        .set_print_fit_to_pages(1, 0)
        .set_print_center_horizontally(true)
        .set_margins(0.4, 0.4, 0.6, 0.6, 0.3, 0.3)
        .set_footer("&C第 &P 页，共 &N 页");
    Ok(())
}

fn template_sheet(ws: &mut Worksheet) -> Result<(), XlsxError> {
    let f = Formats::new();
    layout(ws, 0, false, &f)?;
    // For the cells people fill in: no borders on a million rows.
    let wrap = Format::new().set_text_wrap().set_align(FormatAlign::VerticalCenter);
    for c in [PROBLEM, MEASURE, TARGET, NOTE] {
        ws.set_column_format(c as u16, &wrap)?;
    }
    ws.set_column_format(DUE_ON as u16, &Format::new().set_num_format("yyyy-mm-dd"))?;
    Ok(())
}

fn export_sheet(ws: &mut Worksheet, title: &str, rows: &[LedgerExportRow]) -> Result<(), XlsxError> {
    let f = Formats::new();
    let last_col = (N + LEDGER_PROGRESS_HEADERS.len() - 1) as u16;
    let title_format = Format::new()
        .set_bold()
        .set_font_size(16)
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter);
    let title = if title.trim().is_empty() { LEDGER_SHEET_NAME } else { title.trim() };
    ws.merge_range(0, 0, 0, last_col, cap(title), &title_format)?;
    ws.set_row_height(0, 36)?;
    layout(ws, 1, true, &f)?;

    const FIRST: u32 = 2;
    for (i, row) in rows.iter().enumerate() {
        write_row(ws, FIRST + i as u32, row, &f)?;
    }
    let mut start = 0;
    while start < rows.len() {
        let same = |r: &LedgerExportRow| {
            let s = &rows[start];
            r.seq == s.seq && r.category == s.category && r.problem == s.problem
        };
        let len = rows[start..].iter().take_while(|r| same(r)).count();
        if len > 1 {
            merge_problem(ws, FIRST + start as u32, &rows[start..start + len], &f)?;
        }
        start += len;
    }
    Ok(())
}

fn write_row(ws: &mut Worksheet, r: u32, row: &LedgerExportRow, f: &Formats) -> Result<(), XlsxError> {
    let text = |ws: &mut Worksheet, c: usize, s: Option<&str>, format: &Format| -> Result<(), XlsxError> {
        match s.filter(|s| !s.is_empty()) {
            Some(s) => ws.write_string_with_format(r, c as u16, cap(s), format)?,
            None => ws.write_blank(r, c as u16, format)?,
        };
        Ok(())
    };
    write_seq(ws, r, row.seq.as_deref(), f)?;
    text(ws, CATEGORY, row.category.as_deref(), &f.center)?;
    text(ws, PROBLEM, Some(&row.problem), &f.text)?;
    text(ws, MEASURE, Some(&row.measure), &f.text)?;
    text(ws, RESPONSIBLE_ORG, Some(&row.responsible_org), &f.center)?;
    text(ws, RESPONSIBLE_PERSON, row.responsible_person.as_deref(), &f.center)?;
    text(ws, LEADING_LEADER, row.leading_leader.as_deref(), &f.center)?;
    text(ws, COOPERATING_ORGS, Some(&row.cooperating_orgs.join("、")), &f.center)?;
    write_date(ws, r, DUE_ON, Some(row.due_on), f)?;
    text(ws, TARGET, row.target.as_deref(), &f.text)?;
    text(ws, NOTE, row.note.as_deref(), &f.text)?;
    let status_format = if row.status.contains("超期") { &f.overdue } else { &f.center };
    text(ws, N, Some(&row.status), status_format)?;
    text(ws, N + 1, row.progress.as_deref(), &f.text)?;
    write_date(ws, r, N + 2, row.closed_on, f)?;
    Ok(())
}

/// 序号 as a number when it is one (no "number stored as text" flags), else
/// as text (`001`, `1.1`, `（一）` stay as written).
fn write_seq(ws: &mut Worksheet, r: u32, seq: Option<&str>, f: &Formats) -> Result<(), XlsxError> {
    match seq.filter(|s| !s.is_empty()) {
        Some(s) => match s.parse::<u32>() {
            Ok(n) if n.to_string() == s => ws.write_number_with_format(r, SEQ as u16, n, &f.center)?,
            _ => ws.write_string_with_format(r, SEQ as u16, cap(s), &f.center)?,
        },
        None => ws.write_blank(r, SEQ as u16, &f.center)?,
    };
    Ok(())
}

fn write_date(ws: &mut Worksheet, r: u32, c: usize, date: Option<NaiveDate>, f: &Formats) -> Result<(), XlsxError> {
    let Some(date) = date else {
        ws.write_blank(r, c as u16, &f.center)?;
        return Ok(());
    };
    let (y, m, d) = (date.year(), date.month() as u8, date.day() as u8);
    match u16::try_from(y).ok().and_then(|y| ExcelDateTime::from_ymd(y, m, d).ok()) {
        Some(excel) => ws.write_datetime_with_format(r, c as u16, excel, &f.date)?,
        // Outside Excel's calendar (before 1900): as text, which imports too.
        None => ws.write_string_with_format(r, c as u16, date.format("%Y-%m-%d").to_string(), &f.center)?,
    };
    Ok(())
}

/// Merges 序号, 问题类别 and 问题描述 over the rows of one problem, and makes
/// the rows tall enough together for the merged problem text (Excel does not
/// fit rows to merged cells).
fn merge_problem(ws: &mut Worksheet, r0: u32, rows: &[LedgerExportRow], f: &Formats) -> Result<(), XlsxError> {
    let first = &rows[0];
    let r1 = r0 + rows.len() as u32 - 1;
    ws.merge_range(r0, SEQ as u16, r1, SEQ as u16, "", &f.center)?;
    write_seq(ws, r0, first.seq.as_deref(), f)?;
    ws.merge_range(r0, CATEGORY as u16, r1, CATEGORY as u16, cap(first.category.as_deref().unwrap_or("")), &f.center)?;
    ws.merge_range(r0, PROBLEM as u16, r1, PROBLEM as u16, cap(&first.problem), &f.text)?;

    let own: Vec<u32> = rows.iter().map(own_lines).collect();
    let needed = lines(&first.problem, WIDTHS[PROBLEM])
        .max(lines(first.category.as_deref().unwrap_or(""), WIDTHS[CATEGORY]))
        .max(lines(first.seq.as_deref().unwrap_or(""), WIDTHS[SEQ]));
    let have: u32 = own.iter().sum();
    let extra = needed.saturating_sub(have).div_ceil(rows.len() as u32);
    for (i, own) in own.into_iter().enumerate() {
        let height = ((own + extra) as f64 * LINE_HEIGHT + 4.0).min(MAX_ROW_HEIGHT);
        ws.set_row_height(r0 + i as u32, height)?;
    }
    Ok(())
}

/// The printed lines a row needs for its own (unmerged) cells.
fn own_lines(row: &LedgerExportRow) -> u32 {
    let coop = row.cooperating_orgs.join("、");
    [
        (Some(row.measure.as_str()), MEASURE),
        (Some(row.responsible_org.as_str()), RESPONSIBLE_ORG),
        (row.responsible_person.as_deref(), RESPONSIBLE_PERSON),
        (row.leading_leader.as_deref(), LEADING_LEADER),
        (Some(coop.as_str()), COOPERATING_ORGS),
        (row.target.as_deref(), TARGET),
        (row.note.as_deref(), NOTE),
        (Some(row.status.as_str()), N),
        (row.progress.as_deref(), N + 1),
    ]
    .into_iter()
    .map(|(text, c)| lines(text.unwrap_or(""), WIDTHS[c]))
    .max()
    .unwrap_or(1)
}

/// Estimated printed lines of `text` wrapped in a column `width` units wide,
/// a Chinese character taking two units.
fn lines(text: &str, width: f64) -> u32 {
    text.split('\n')
        .map(|line| {
            let units: f64 = line.chars().map(|c| if c.is_ascii() { 1.0 } else { 2.0 }).sum();
            ((units / (width - 1.0)).ceil() as u32).max(1)
        })
        .sum()
}

fn instructions_sheet(ws: &mut Worksheet) -> Result<(), XlsxError> {
    ws.set_name(INSTRUCTIONS_SHEET_NAME)?;
    let wrap = Format::new().set_text_wrap().set_align(FormatAlign::VerticalCenter).set_border(FormatBorder::Thin);
    let header = Format::new().set_bold().set_background_color(Color::RGB(0xDDEBF7)).set_border(FormatBorder::Thin);
    let title = Format::new().set_bold().set_font_size(14);
    ws.set_column_width(0, 18)?;
    ws.set_column_width(1, 10)?;
    ws.set_column_width(2, 70)?;
    ws.set_column_width(3, 28)?;

    ws.write_string_with_format(0, 0, "整改台账导入填写说明", &title)?;
    for (c, h) in ["列名", "是否必填", "填写要求", "示例"].into_iter().enumerate() {
        ws.write_string_with_format(2, c as u16, h, &header)?;
    }
    for (i, column) in LEDGER_COLUMNS.iter().enumerate() {
        let r = 3 + i as u32;
        let (rule, example) = column_help(i);
        ws.write_string_with_format(r, 0, column.title(), &wrap)?;
        ws.write_string_with_format(r, 1, if column.required { "必填" } else { "选填" }, &wrap)?;
        ws.write_string_with_format(r, 2, rule, &wrap)?;
        ws.write_string_with_format(r, 3, example, &wrap)?;
    }

    let mut r = 4 + LEDGER_COLUMNS.len() as u32;
    ws.write_string_with_format(r, 0, "通用说明", &title)?;
    let progress = LEDGER_PROGRESS_HEADERS.map(|h| format!("“{h}”")).join("");
    let notes = [
        format!(
            "1. 请在“{LEDGER_SHEET_NAME}”工作表中填写，一条整改措施占一行。表头请勿修改或删除，表头上方可以有标题行；列的顺序可以调整，多余的列会被忽略。常见的其他列名（如 整改时限、责任部门、存在问题）也能识别。"
        ),
        "2. 表头带“*”的列为必填列，每一行都必须填写。".to_string(),
        "3. 空行会被自动跳过；只填了序号的行也视为空行。".to_string(),
        "4. 一个问题有多条整改措施时，序号、问题类别、问题描述可以合并单元格，合并单元格覆盖的每一行都按其内容导入；也可以每行重复填写。".to_string(),
        format!("5. 每个文件最多 {MAX_ROWS} 行数据。"),
        "6. 导入时会检查所有行，并列出每个错误所在的行号和列名。只要有一行出错，整个文件都不会导入，请全部修改后重新上传。"
            .to_string(),
        format!("7. 从系统导出的整改台账可直接修改后重新导入，{progress}列在导入时会被忽略。"),
    ];
    for note in notes {
        r += 1;
        ws.write_string(r, 0, note)?;
    }
    Ok(())
}

/// The rule and an example for the instructions sheet.
fn column_help(i: usize) -> (String, &'static str) {
    match i {
        SEQ => ("问题或措施的编号，按原样导入。".into(), "1"),
        CATEGORY => (format!("不超过{MAX_TEXT}个字。"), "党的领导方面"),
        PROBLEM => (format!("巡视、巡察反馈的问题，不超过{MAX_LEDGER_TEXT}个字。"), "“三重一大”决策制度执行不到位"),
        MEASURE => (format!("一行填写一条整改措施，不超过{MAX_LEDGER_TEXT}个字。"), "修订“三重一大”决策制度实施办法"),
        RESPONSIBLE_ORG => (
            "负责落实该措施的组织名称，须已在系统中建立。如有同名组织，请写作“上级组织名称/组织名称”。".into(),
            "党委办公室",
        ),
        RESPONSIBLE_PERSON => (format!("不超过{MAX_TEXT}个字。"), "张三"),
        LEADING_LEADER => (format!("不超过{MAX_TEXT}个字。"), "李四"),
        COOPERATING_ORGS => (
            "配合落实的组织名称，多个组织用顿号“、”、逗号或分号分隔，也可每行一个。".into(),
            "纪委办公室、人力资源部",
        ),
        DUE_ON => (
            "日期，如 2026-06-30、2026/6/30 或 2026年6月30日，也可使用 Excel 日期格式；可加“前”字。写作 2026年6月、2026年6月底 或 2026-06 时按该月最后一天，写作 2026年底 时按12月31日。“长期坚持”等不是日期，请填写阶段性完成时限。"
                .into(),
            "2026年6月30日",
        ),
        TARGET => (format!("不超过{MAX_LEDGER_TEXT}个字。"), "制度修订印发并执行"),
        NOTE => (format!("不超过{MAX_LEDGER_TEXT}个字。"), ""),
        _ => unreachable!("{i} is not a ledger column"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use calamine::{Data, DataType};
    use rust_xlsxwriter::ExcelDateTime;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    /// A cell to put in a hand-made workbook.
    #[derive(Clone, Copy)]
    enum C<'a> {
        S(&'a str),
        N(f64),
        Date(u16, u8, u8),
        Blank,
    }

    /// A workbook whose first sheet holds `rows` from row 1, with the given
    /// merged regions (first row, first col, last row, last col), whose value
    /// is the first cell's in `rows`.
    fn book_merged(rows: &[Vec<C>], merges: &[(u32, u16, u32, u16)]) -> Vec<u8> {
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        let date = Format::new().set_num_format("yyyy-mm-dd");
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
                    C::Date(y, m, day) => {
                        ws.write_datetime_with_format(r, c, ExcelDateTime::from_ymd(y, m, day).unwrap(), &date)
                            .unwrap();
                    }
                    C::Blank => {}
                }
            }
        }
        for &(r0, c0, r1, c1) in merges {
            let text = match rows[r0 as usize].get(c0 as usize) {
                Some(C::S(s)) => s.to_string(),
                _ => String::new(),
            };
            ws.merge_range(r0, c0, r1, c1, &text, &Format::new()).unwrap();
            if let Some(C::N(n)) = rows[r0 as usize].get(c0 as usize) {
                ws.write_number(r0, c0, *n).unwrap();
            }
        }
        wb.save_to_buffer().unwrap()
    }

    fn book(rows: &[Vec<C>]) -> Vec<u8> {
        book_merged(rows, &[])
    }

    fn header() -> Vec<C<'static>> {
        LEDGER_COLUMNS.iter().map(|c| C::S(c.header)).collect()
    }

    /// A data row with the required columns filled and the others blank.
    fn minimal<'a>(problem: &'a str, measure: &'a str, org: &'a str, due: C<'a>) -> Vec<C<'a>> {
        let mut row = vec![C::Blank; N];
        row[PROBLEM] = C::S(problem);
        row[MEASURE] = C::S(measure);
        row[RESPONSIBLE_ORG] = C::S(org);
        row[DUE_ON] = due;
        row
    }

    fn errors(result: Result<Vec<LedgerRow>, ParseError>) -> Vec<(usize, String, Code, String)> {
        match result {
            Err(ParseError::Rows(errors)) => errors.into_iter().map(|e| (e.row, e.column, e.code, e.value)).collect(),
            other => panic!("expected row errors, got {other:?}"),
        }
    }

    fn err(row: usize, column: &str, code: Code, value: &str) -> (usize, String, Code, String) {
        (row, column.to_string(), code, value.to_string())
    }

    /// The import columns of an exported row, for comparing with a parsed one.
    fn imported(r: &LedgerExportRow, row: usize) -> LedgerRow {
        LedgerRow {
            row,
            seq: r.seq.clone(),
            category: r.category.clone(),
            problem: r.problem.clone(),
            measure: r.measure.clone(),
            responsible_org: r.responsible_org.clone(),
            responsible_person: r.responsible_person.clone(),
            leading_leader: r.leading_leader.clone(),
            cooperating_orgs: r.cooperating_orgs.clone(),
            due_on: r.due_on,
            target: r.target.clone(),
            note: r.note.clone(),
        }
    }

    // -----------------------------------------------------------------------
    // Generated ledgers.

    /// A small deterministic generator (64-bit LCG), as in the roster tests.
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

    const CATEGORIES: &[&str] = &["党的领导方面", "全面从严治党方面", "干部队伍建设方面", "巡视整改方面"];
    const ORGS: &[&str] =
        &["党委办公室", "纪委办公室", "人力资源部", "财务部", "生产运营党总支/第二党支部", "党委组织部", "审计部"];
    const PEOPLE: &[&str] = &["张三", "李四", "王五", "欧阳明", "阿依古丽·买买提"];
    const TEXTS: &[&str] =
        &["落实“第一议题”制度不够到位", "=SUM(A1:A2)", "A&B <C> \"引号\"", "第一行\n第二行", "2024-01-01", "001"];

    /// `measures` measures over problems of one to six measures each.
    fn ledger(seed: u64, measures: usize) -> Vec<LedgerExportRow> {
        let mut rng = Rng(seed);
        let mut rows = Vec::new();
        let mut problem_no = 0;
        while rows.len() < measures {
            problem_no += 1;
            let seq = match rng.below(4) {
                0 => None,
                1 => Some(format!("（{problem_no}）")),
                _ => Some(problem_no.to_string()),
            };
            let category = rng.chance(60).then(|| rng.pick(CATEGORIES).to_string());
            let problem = if rng.chance(5) {
                let start = format!("问题{problem_no}：");
                let pad = MAX_LEDGER_TEXT - start.chars().count();
                start + &"长".repeat(pad) // at the limit
            } else {
                format!("问题{problem_no}：{}", rng.pick(TEXTS))
            };
            let count = (rng.below(6) as usize + 1).min(measures - rows.len());
            for m in 1..=count {
                let mut cooperating_orgs: Vec<String> = Vec::new();
                for _ in 0..rng.below(4) {
                    let org = rng.pick(ORGS).to_string();
                    if !cooperating_orgs.contains(&org) {
                        cooperating_orgs.push(org);
                    }
                }
                let status = rng.pick(&["推进中", "已销号", "超期", "未开始"]).to_string();
                let due_on = d(2025, 1, 1) + chrono::Duration::days(rng.below(900) as i64);
                let opt = |rng: &mut Rng, percent| rng.chance(percent).then(|| rng.pick(TEXTS).to_string());
                rows.push(LedgerExportRow {
                    seq: seq.clone(),
                    category: category.clone(),
                    problem: problem.clone(),
                    measure: format!("措施{problem_no}.{m}：{}", rng.pick(TEXTS)),
                    responsible_org: rng.pick(ORGS).to_string(),
                    responsible_person: rng.chance(70).then(|| rng.pick(PEOPLE).to_string()),
                    leading_leader: rng.chance(50).then(|| rng.pick(PEOPLE).to_string()),
                    cooperating_orgs,
                    due_on,
                    target: opt(&mut rng, 50),
                    note: opt(&mut rng, 20),
                    closed_on: (status == "已销号").then(|| due_on - chrono::Duration::days(3)),
                    progress: opt(&mut rng, 60),
                    status,
                });
            }
        }
        rows
    }

    // -----------------------------------------------------------------------

    #[test]
    fn template_parses_to_no_rows() {
        let bytes = ledger_template();
        assert_eq!(parse_ledger(&bytes), Ok(vec![]));

        use calamine::Reader;
        let mut xlsx: Xlsx<_> = Xlsx::new(Cursor::new(&bytes)).unwrap();
        assert_eq!(xlsx.sheet_names(), vec![LEDGER_SHEET_NAME.to_string(), INSTRUCTIONS_SHEET_NAME.to_string()]);
        let range = xlsx.worksheet_range(LEDGER_SHEET_NAME).unwrap();
        let titles: Vec<String> = range.rows().next().unwrap().iter().map(|c| c.to_string()).collect();
        assert_eq!(titles, LEDGER_COLUMNS.iter().map(Column::title).collect::<Vec<_>>());
        assert_eq!(titles[PROBLEM], "问题描述*");
        assert_eq!(titles[DUE_ON], "完成时限*");
        let help = xlsx.worksheet_range(INSTRUCTIONS_SHEET_NAME).unwrap();
        let first_col: Vec<String> =
            help.rows().filter_map(|r| r.first()).filter(|c| **c != Data::Empty).map(|c| c.to_string()).collect();
        for column in LEDGER_COLUMNS {
            assert!(first_col.contains(&column.title()), "{} is not explained", column.header);
        }
    }

    #[test]
    fn columns_and_headers() {
        assert_eq!(LEDGER_COLUMNS.len(), N);
        let named = [
            (SEQ, "seq"),
            (CATEGORY, "category"),
            (PROBLEM, "problem"),
            (MEASURE, "measure"),
            (RESPONSIBLE_ORG, "responsible_org"),
            (RESPONSIBLE_PERSON, "responsible_person"),
            (LEADING_LEADER, "leading_leader"),
            (COOPERATING_ORGS, "cooperating_orgs"),
            (DUE_ON, "due_on"),
            (TARGET, "target"),
            (NOTE, "note"),
        ];
        for (i, field) in named {
            assert_eq!(LEDGER_COLUMNS[i].field, field);
        }
        let required: Vec<&str> = LEDGER_COLUMNS.iter().filter(|c| c.required).map(|c| c.header).collect();
        assert_eq!(required, ["问题描述", "整改措施", "责任单位", "完成时限"]);
        assert_eq!(index_of_header(" 问 题 描 述 * "), Some(PROBLEM));
        assert_eq!(index_of_header("完成时限（必填）"), Some(DUE_ON));
        assert_eq!(index_of_header("＊整改时限"), Some(DUE_ON));
        assert_eq!(index_of_header("整改目标/成效"), Some(TARGET));
        assert_eq!(index_of_header("完成情况"), None);
        assert_eq!(index_of_header("整改台账"), None);
        for (alias, i) in HEADER_ALIASES {
            assert_eq!(index_of_header(alias), Some(*i));
            assert!(LEDGER_COLUMNS.iter().all(|c| c.header != *alias), "{alias} is a header itself");
        }
    }

    /// The shape of seed 000's ledger: 161 measures, with a title row, merged
    /// problem cells, the header names people use, and mixed deadline forms.
    #[test]
    fn parses_a_161_measure_ledger() {
        let rows = ledger(161, 161);
        assert_eq!(rows.len(), 161);
        let header: Vec<C> = [
            "序号",
            "问题类别",
            "存在问题",
            "整改措施",
            "责任部门",
            "责任人",
            "责任领导",
            "配合单位",
            "整改时限",
            "整改目标/成效",
            "备注",
            "完成情况",
        ]
        .into_iter()
        .map(C::S)
        .collect();
        let coop: Vec<String> = rows
            .iter()
            .enumerate()
            .map(|(i, r)| r.cooperating_orgs.join(["、", "，", ",", ";", "；", "\n"][i % 6]))
            .collect();
        let due_texts: Vec<String> = rows
            .iter()
            .map(|r| r.due_on)
            .map(|due| match due.day() {
                1..=9 => due.format("%Y/%-m/%-d").to_string(),
                10..=19 => format!("{}年{}月{}日前", due.year(), due.month(), due.day()),
                _ => String::new(), // a date cell
            })
            .collect();
        let mut sheet = vec![vec![C::S("××巡视反馈问题整改台账")], header];
        let mut merges = vec![(0, 0, 0, 11)];
        let mut start = 0;
        for (i, r) in rows.iter().enumerate() {
            let new_problem = i == 0 || rows[i - 1].problem != r.problem || rows[i - 1].seq != r.seq;
            if new_problem {
                start = i;
            }
            fn opt(s: &Option<String>) -> C<'_> {
                s.as_deref().map_or(C::Blank, C::S)
            }
            let mut cells = vec![C::Blank; 12];
            if new_problem {
                cells[SEQ] = match r.seq.as_deref() {
                    Some(s) if s.parse::<f64>().is_ok() => C::N(s.parse().unwrap()),
                    s => s.map_or(C::Blank, C::S),
                };
                cells[CATEGORY] = opt(&r.category);
                cells[PROBLEM] = C::S(&r.problem);
            }
            let last_of_problem = rows.get(i + 1).is_none_or(|n| n.problem != r.problem || n.seq != r.seq);
            if last_of_problem && i > start {
                let (r0, r1) = (start as u32 + 2, i as u32 + 2);
                merges.extend([(r0, 0, r1, 0), (r0, 1, r1, 1), (r0, 2, r1, 2)]);
            }
            cells[MEASURE] = C::S(&r.measure);
            cells[RESPONSIBLE_ORG] = C::S(&r.responsible_org);
            cells[RESPONSIBLE_PERSON] = opt(&r.responsible_person);
            cells[LEADING_LEADER] = opt(&r.leading_leader);
            cells[COOPERATING_ORGS] = C::S(&coop[i]);
            cells[DUE_ON] = if due_texts[i].is_empty() {
                C::Date(r.due_on.year() as u16, r.due_on.month() as u8, r.due_on.day() as u8)
            } else {
                C::S(&due_texts[i])
            };
            cells[TARGET] = opt(&r.target);
            cells[NOTE] = opt(&r.note);
            cells[11] = C::S(&r.status);
            sheet.push(cells);
        }
        assert!(merges.len() > 30, "the generated problems have several measures");
        let parsed = parse_ledger(&book_merged(&sheet, &merges)).unwrap();
        let expected: Vec<LedgerRow> = rows.iter().enumerate().map(|(i, r)| imported(r, i + 3)).collect();
        assert_eq!(parsed.len(), 161);
        assert_eq!(parsed, expected);
    }

    #[test]
    fn reports_every_error_of_every_row() {
        let long = "长".repeat(MAX_LEDGER_TEXT + 1);
        let long_60: String = long.chars().take(60).collect();
        let name_101 = "名".repeat(101);
        let bytes = book(&[
            vec![C::S("××巡察反馈问题整改台账")],
            header(),
            minimal("问题一", "措施一", "党委办公室", C::S("2026-06-30")),
            minimal("问题一", "措施二", "党委办公室", C::Blank), // 4: no deadline
            {
                let mut r = minimal("", "", "", C::S("长期坚持")); // 5: four errors
                r[SEQ] = C::S("3");
                r
            },
            vec![C::S("4")],                                          // 6: only 序号: an empty row
            vec![C::Blank; 3],                                        // 7: empty
            minimal(&long, "措施", "人力资源部", C::S("2026-02-30")), // 8
            minimal("问题五", "措施", "财务部", C::Date(2026, 12, 31)),
            {
                let mut r = minimal("问题六", "措施", "财务部", C::S("2026年6月底"));
                r[RESPONSIBLE_PERSON] = C::S(&name_101); // 10
                r[COOPERATING_ORGS] = C::S("、，;"); // separators only: no orgs, no error
                r
            },
        ]);
        assert_eq!(
            errors(parse_ledger(&bytes)),
            vec![
                err(4, "完成时限", Code::Required, ""),
                err(5, "问题描述", Code::Required, ""),
                err(5, "整改措施", Code::Required, ""),
                err(5, "责任单位", Code::Required, ""),
                err(5, "完成时限", Code::DateFormat, "长期坚持"),
                err(8, "问题描述", Code::TooLong, &long_60),
                err(8, "完成时限", Code::DateFormat, "2026-02-30"),
                err(10, "责任人", Code::TooLong, &name_101[..60 * 3]),
            ]
        );
    }

    #[test]
    fn short_columns_and_errors_keep_column_order() {
        let long = "类".repeat(MAX_TEXT + 1);
        let mut row = minimal("问题", "措施", "党委办公室", C::S("yesterday"));
        row[SEQ] = C::S(&long);
        row[CATEGORY] = C::S(&long);
        row[LEADING_LEADER] = C::S(&long);
        row[TARGET] = C::S(&long); // 101 is fine for the long columns
        let cut: String = long.chars().take(60).collect();
        assert_eq!(
            errors(parse_ledger(&book(&[header(), row]))),
            vec![
                err(2, "序号", Code::TooLong, &cut),
                err(2, "问题类别", Code::TooLong, &cut),
                err(2, "牵头领导", Code::TooLong, &cut),
                err(2, "完成时限", Code::DateFormat, "yesterday"),
            ]
        );
    }

    #[test]
    fn export_then_parse_round_trips() {
        for (seed, n) in [(1, 1), (7, 25), (2026, 161), (42, 400)] {
            let input = ledger(seed, n);
            let bytes = export_ledger("××巡视反馈问题整改台账", &input);
            let parsed = parse_ledger(&bytes).unwrap_or_else(|e| panic!("seed {seed}: {e:?}"));
            let expected: Vec<LedgerRow> = input.iter().enumerate().map(|(i, r)| imported(r, i + 3)).collect();
            assert_eq!(parsed, expected, "seed {seed}");
        }
        assert_eq!(parse_ledger(&export_ledger("", &[])), Ok(vec![]));
    }

    #[test]
    fn export_layout() {
        let mut rows = ledger(3, 3);
        for r in &mut rows {
            r.seq = Some("1".into());
            r.category = None;
            r.problem = "同一问题".into();
        }
        rows[1].status = "超期".into();
        rows[2].closed_on = Some(d(2026, 3, 1));
        let bytes = export_ledger("××巡视反馈问题整改台账", &rows);

        use calamine::Reader;
        let mut xlsx: Xlsx<_> = Xlsx::new(Cursor::new(&bytes)).unwrap();
        assert_eq!(xlsx.sheet_names(), vec![LEDGER_SHEET_NAME.to_string()]);
        let merged = xlsx.worksheet_merge_cells(LEDGER_SHEET_NAME).unwrap().unwrap();
        let mut merged: Vec<_> = merged.iter().map(|m| (m.start, m.end)).collect();
        merged.sort();
        assert_eq!(merged, vec![((0, 0), (0, 13)), ((2, 0), (4, 0)), ((2, 1), (4, 1)), ((2, 2), (4, 2))]);
        let range = xlsx.worksheet_range(LEDGER_SHEET_NAME).unwrap();
        let cell = |r: u32, c: u32| range.get_value((r, c)).cloned().unwrap_or(Data::Empty);
        assert_eq!(cell(0, 0), Data::String("××巡视反馈问题整改台账".into()));
        let headers: Vec<String> = (0..14).map(|c| cell(1, c).to_string()).collect();
        let mut expected: Vec<String> = LEDGER_COLUMNS.iter().map(Column::title).collect();
        expected.extend(LEDGER_PROGRESS_HEADERS.map(String::from));
        assert_eq!(headers, expected);
        assert_eq!(cell(2, 0), Data::Float(1.0), "序号 as a number");
        assert_eq!(cell(3, 2), Data::Empty, "covered by the merged problem");
        assert!(cell(2, DUE_ON as u32).is_datetime());
        assert_eq!(cell(3, N as u32), Data::String("超期".into()));
        assert!(cell(4, N as u32 + 2).is_datetime());
        assert_eq!(cell(2, COOPERATING_ORGS as u32).to_string(), rows[0].cooperating_orgs.join("、"));
    }

    #[test]
    fn edited_export_imports() {
        let rows = ledger(11, 6);
        let bytes = export_ledger("整改台账", &rows);
        // "Edit" the export: read it cell by cell and write it again with a
        // measure changed, a row added at the end and the progress changed.
        use calamine::Reader;
        let mut xlsx: Xlsx<_> = Xlsx::new(Cursor::new(&bytes)).unwrap();
        let merges: Vec<(u32, u16, u32, u16)> = xlsx
            .worksheet_merge_cells(LEDGER_SHEET_NAME)
            .unwrap()
            .unwrap()
            .iter()
            .map(|m| (m.start.0, m.start.1 as u16, m.end.0, m.end.1 as u16))
            .collect();
        let range = xlsx.worksheet_range(LEDGER_SHEET_NAME).unwrap();
        let texts: Vec<Vec<String>> = range
            .rows()
            .map(|r| {
                r.iter()
                    .map(|c| match c {
                        Data::DateTime(dt) => {
                            let (y, m, day, ..) = dt.to_ymd_hms_milli();
                            format!("{y}年{m}月{day}日")
                        }
                        c => c.to_string(),
                    })
                    .collect()
            })
            .collect();
        let mut sheet: Vec<Vec<C>> = texts.iter().map(|r| r.iter().map(|s| C::S(s)).collect()).collect();
        sheet[2][MEASURE] = C::S("改过的措施");
        sheet[3][N] = C::S("已销号");
        let added = minimal("新问题", "新措施", "审计部", C::S("2027年3月"));
        sheet.push(added);
        let parsed = parse_ledger(&book_merged(&sheet, &merges)).unwrap();
        assert_eq!(parsed.len(), 7);
        assert_eq!(parsed[0].measure, "改过的措施");
        assert_eq!(parsed[1..6], rows[1..].iter().enumerate().map(|(i, r)| imported(r, i + 4)).collect::<Vec<_>>());
        assert_eq!((parsed[6].row, parsed[6].due_on), (9, d(2027, 3, 31)));
    }

    #[test]
    fn cooperating_orgs_split() {
        assert_eq!(split_orgs(""), Vec::<String>::new());
        assert_eq!(split_orgs("党委办公室"), ["党委办公室"]);
        assert_eq!(
            split_orgs("党委办公室、纪委办公室，人力资源部,财务部;审计部；党委组织部"),
            ["党委办公室", "纪委办公室", "人力资源部", "财务部", "审计部", "党委组织部"]
        );
        assert_eq!(split_orgs(" 甲 、、 乙\n丙\r\n甲 ;"), ["甲", "乙", "丙"]);
        assert_eq!(
            split_orgs("生产运营党总支/第二党支部、 研发中心党支部"),
            ["生产运营党总支/第二党支部", "研发中心党支部"]
        );

        let mut row = minimal("问题", "措施", "党委办公室", C::S("2026-06-30"));
        row[COOPERATING_ORGS] = C::S("纪委办公室， 人力资源部；财务部");
        let parsed = parse_ledger(&book(&[header(), row])).unwrap();
        assert_eq!(parsed[0].cooperating_orgs, ["纪委办公室", "人力资源部", "财务部"]);
    }

    #[test]
    fn deadline_forms() {
        let ok = [
            ("2026-06-30", d(2026, 6, 30)),
            ("2026/6/30", d(2026, 6, 30)),
            ("20260630", d(2026, 6, 30)),
            ("2026年6月30日", d(2026, 6, 30)),
            ("2026年6月30日前", d(2026, 6, 30)),
            ("2026-06-30之前", d(2026, 6, 30)),
            ("2026年6月", d(2026, 6, 30)),
            ("2026年6月底", d(2026, 6, 30)),
            ("2026年6月底前", d(2026, 6, 30)),
            ("2026年2月末", d(2026, 2, 28)),
            ("2028年2月", d(2028, 2, 29)),
            ("2026-06", d(2026, 6, 30)),
            ("2026/12", d(2026, 12, 31)),
            ("2026年底", d(2026, 12, 31)),
            ("2026年年底前", d(2026, 12, 31)),
        ];
        for (text, date) in ok {
            assert_eq!(deadline(&Val::Text(text.into())), Ok(date), "{text}");
        }
        for text in ["长期坚持", "持续推进", "2026年13月", "2026-6-31", "26年6月", "2026.6", "2026", "6月底", "前"]
        {
            assert_eq!(deadline(&Val::Text(text.into())), Err(Code::DateFormat), "{text}");
        }
        assert_eq!(deadline(&Val::Empty), Err(Code::Required));
        assert_eq!(deadline(&Val::Date(d(2026, 1, 15))), Ok(d(2026, 1, 15)));

        // Excel date cells and digits typed as a number.
        let rows = parse_ledger(&book(&[
            header(),
            minimal("问题", "措施一", "党委办公室", C::Date(2026, 7, 1)),
            minimal("问题", "措施二", "党委办公室", C::N(20260115.0)),
        ]))
        .unwrap();
        assert_eq!((rows[0].due_on, rows[1].due_on), (d(2026, 7, 1), d(2026, 1, 15)));
    }

    #[test]
    fn missing_columns_and_header_search() {
        let bytes = book(&[vec![C::S("序号"), C::S("问题描述*"), C::S("责任人")], vec![C::S("1"), C::S("问题")]]);
        assert_eq!(
            parse_ledger(&bytes),
            Err(ParseError::MissingColumns(vec!["整改措施".into(), "责任单位".into(), "完成时限".into()]))
        );
        assert_eq!(
            parse_ledger(&book(&[vec![C::S("甲")], vec![C::S("乙")]])),
            Err(ParseError::MissingColumns(vec![
                "问题描述".into(),
                "整改措施".into(),
                "责任单位".into(),
                "完成时限".into()
            ]))
        );
        // A roster is not a ledger.
        assert!(matches!(parse_ledger(&crate::template()), Err(ParseError::MissingColumns(m)) if m.len() == 4));
        assert_eq!(parse_ledger(b"not a workbook"), Err(ParseError::Unreadable));

        // Two title lines, columns in another order, unknown columns ignored.
        let bytes = book(&[
            vec![C::S("××巡视反馈问题整改台账")],
            vec![C::Blank, C::S("填报单位：党委办公室")],
            vec![C::S("完成时限"), C::S("备注"), C::S("责任单位"), C::S("整改措施"), C::S("问题"), C::S("其他")],
            vec![C::S("2026-06-30"), C::S("无"), C::S("党委办公室"), C::S("措施"), C::S("问题"), C::S("x")],
        ]);
        let rows = parse_ledger(&bytes).unwrap();
        assert_eq!(
            rows,
            vec![LedgerRow {
                row: 4,
                seq: None,
                category: None,
                problem: "问题".into(),
                measure: "措施".into(),
                responsible_org: "党委办公室".into(),
                responsible_person: None,
                leading_leader: None,
                cooperating_orgs: vec![],
                due_on: d(2026, 6, 30),
                target: None,
                note: Some("无".into()),
            }]
        );
    }

    #[test]
    fn merged_cells_fill_every_covered_row() {
        // One problem merged over three measures, the middle row's own cells
        // empty but inside the merge: skipped, like any row with no content
        // of its own. A horizontal merge of 责任单位 over 责任人 copies too.
        let mut a = minimal("问题甲", "措施1", "党委办公室", C::S("2026-06-30"));
        a[SEQ] = C::N(1.0);
        let mut b = vec![C::Blank; N];
        b[SEQ] = C::Blank;
        let c = {
            let mut c = minimal("", "措施3", "财务部", C::S("2026-07-31"));
            c[RESPONSIBLE_PERSON] = C::S("hidden under the merge");
            c
        };
        let bytes = book_merged(&[header(), a, b, c], &[(1, 0, 3, 0), (1, 2, 3, 2), (3, 4, 3, 5)]);
        let rows = parse_ledger(&bytes).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0].row, rows[0].seq.as_deref(), rows[0].problem.as_str()), (2, Some("1"), "问题甲"));
        assert_eq!((rows[1].row, rows[1].seq.as_deref(), rows[1].problem.as_str()), (4, Some("1"), "问题甲"));
        assert_eq!(rows[1].responsible_person.as_deref(), Some("财务部"));
    }

    #[test]
    fn too_many_rows() {
        let bytes = export_ledger("台账", &ledger(5, 3));
        assert_eq!(parse_with_limit(&bytes, 3).map(|r| r.len()), Ok(3));
        assert_eq!(parse_with_limit(&bytes, 2), Err(ParseError::TooManyRows { limit: 2 }));
    }

    #[test]
    fn line_estimates() {
        assert_eq!(lines("", 40.0), 1);
        assert_eq!(lines(&"字".repeat(19), 40.0), 1);
        assert_eq!(lines(&"字".repeat(20), 40.0), 2);
        assert_eq!(lines("a\nb\nc", 40.0), 3);
    }
}
