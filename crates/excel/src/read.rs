//! Reading a roster workbook.
//!
//! The sheet is streamed cell by cell (calamine's cell reader) rather than
//! loaded as a whole range: a 100,000-row roster then never exists twice in
//! memory, and shared strings are borrowed instead of copied. Each row's
//! cells land in a fixed array of [`N`] slots, one per roster column, through
//! a column map built once from the header row.

use std::borrow::Cow;
use std::collections::HashSet;
use std::io::Cursor;

use calamine::{DataRef, Reader, Xlsx};
use chrono::NaiveDate;
use dangjian_domain::id_number::{self, IdNumber};
use dangjian_domain::person::{self, Gender, MemberStatus, StageDates, TalentPool};
use dangjian_domain::{date, phone, Code};

use crate::columns::*;
use crate::{ParseError, RosterRow, RowError, MAX_ROWS, SHEET_NAME};

/// How many non-empty rows may come before the header row (a title line,
/// say) before the sheet is judged to have no header at all.
pub(crate) const HEADER_SEARCH_ROWS: usize = 10;

/// Error values are cut to this many characters.
pub(crate) const MAX_VALUE_CHARS: usize = 60;

/// Reads and checks a roster workbook (.xlsx).
///
/// The roster sheet is the one named [`SHEET_NAME`], else the first sheet.
/// Its header row is the first row naming at least one roster column
/// (normally row 1); headers match by name in any order, ignoring spaces and
/// a `*` mark, and unknown columns are ignored. Empty rows are skipped.
///
/// Returns every valid row, or, if any row is wrong, every error of every
/// row ([`ParseError::Rows`]) so the whole file can be fixed at once.
pub fn parse(bytes: &[u8]) -> Result<Vec<RosterRow>, ParseError> {
    parse_with_limit(bytes, MAX_ROWS)
}

pub(crate) fn parse_with_limit(bytes: &[u8], limit: usize) -> Result<Vec<RosterRow>, ParseError> {
    let mut xlsx: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|_| ParseError::Unreadable)?;
    let names = xlsx.sheet_names();
    let sheet = names.iter().find(|n| *n == SHEET_NAME).or(names.first()).ok_or(ParseError::Unreadable)?.clone();
    let mut cells = xlsx.worksheet_cells_reader(&sheet).map_err(|_| ParseError::Unreadable)?;

    // Sheet column -> roster column, once the header row is found.
    let mut map: Option<Vec<Option<u8>>> = None;
    // Cells of the current row while still looking for the header.
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
                Some(_) => state.row(row as usize + 1, &mut slots)?,
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
        match &map {
            Some(map) => {
                if let Some(Some(i)) = map.get(col as usize) {
                    slots[*i as usize] = Val::from_cell(cell.get_value());
                }
            }
            None => pending.push((col, Val::from_cell(cell.get_value()))),
        }
    }
    if map.is_none() {
        return Err(missing(&[false; N]));
    }
    state.finish()
}

/// The column map if `cells` is a header row (names at least one roster
/// column), or the missing required columns if it is one but lacks some.
fn header_map(cells: &[(u32, Val)]) -> Result<Option<Vec<Option<u8>>>, ParseError> {
    let mut present = [false; N];
    let mut map: Vec<Option<u8>> = Vec::new();
    for (col, val) in cells {
        let Some(i) = index_of_header(&val.text()) else { continue };
        if present[i] {
            continue; // a repeated header: the first one counts
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
    if COLUMNS.iter().zip(present).any(|(c, p)| c.required && !p) {
        return Err(missing(&present));
    }
    Ok(Some(map))
}

fn missing(present: &[bool; N]) -> ParseError {
    ParseError::MissingColumns(
        COLUMNS.iter().zip(present).filter(|(c, p)| c.required && !**p).map(|(c, _)| c.header.to_string()).collect(),
    )
}

/// One cell's content, trimmed; blank text is [`Val::Empty`].
pub(crate) enum Val<'a> {
    Empty,
    Text(Cow<'a, str>),
    Date(NaiveDate),
}

impl<'a> Val<'a> {
    pub(crate) fn from_cell(data: &DataRef<'a>) -> Val<'a> {
        match data {
            DataRef::Empty => Val::Empty,
            DataRef::SharedString(s) => Val::trimmed(Cow::Borrowed(s)),
            DataRef::String(s) => Val::trimmed(Cow::Owned(s.clone())),
            DataRef::Int(i) => Val::Text(Cow::Owned(i.to_string())),
            DataRef::Float(f) => Val::Text(Cow::Owned(format_number(*f))),
            DataRef::Bool(b) => Val::Text(Cow::Borrowed(if *b { "true" } else { "false" })),
            DataRef::DateTime(dt) if dt.is_datetime() => {
                let (y, m, d, ..) = dt.to_ymd_hms_milli();
                match NaiveDate::from_ymd_opt(y.into(), m.into(), d.into()) {
                    Some(date) => Val::Date(date),
                    // Excel's fictitious 1900-02-29, for one.
                    None => Val::Text(Cow::Owned(format!("{y:04}-{m:02}-{d:02}"))),
                }
            }
            DataRef::DateTime(dt) => Val::Text(Cow::Owned(format_number(dt.as_f64()))),
            DataRef::DateTimeIso(s) => match s.get(..10).and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()) {
                Some(date) => Val::Date(date),
                None => Val::trimmed(Cow::Owned(s.clone())),
            },
            DataRef::DurationIso(s) => Val::trimmed(Cow::Owned(s.clone())),
            DataRef::Error(e) => Val::Text(Cow::Owned(e.to_string())),
        }
    }

    fn trimmed(s: Cow<'a, str>) -> Val<'a> {
        let trimmed = s.trim();
        if trimmed.is_empty() {
            Val::Empty
        } else if trimmed.len() == s.len() {
            Val::Text(s)
        } else {
            Val::Text(match s {
                Cow::Borrowed(b) => Cow::Borrowed(b.trim()),
                Cow::Owned(o) => Cow::Owned(o.trim().to_string()),
            })
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        matches!(self, Val::Empty)
    }

    /// The cell as text; dates as `2026-01-15`.
    pub(crate) fn text(&self) -> Cow<'_, str> {
        match self {
            Val::Empty => Cow::Borrowed(""),
            Val::Text(t) => Cow::Borrowed(t),
            Val::Date(d) => Cow::Owned(d.format("%Y-%m-%d").to_string()),
        }
    }

    pub(crate) fn date(&self) -> Result<Option<NaiveDate>, Code> {
        match self {
            Val::Empty => Ok(None),
            Val::Date(d) => Ok(Some(*d)),
            Val::Text(t) => date::parse(t).map(Some),
        }
    }

    pub(crate) fn opt_text(&self, max_chars: Option<usize>) -> Result<Option<String>, Code> {
        match self {
            Val::Empty => Ok(None),
            v => {
                let t = v.text();
                if max_chars.is_some_and(|max| t.chars().count() > max) {
                    Err(Code::TooLong)
                } else {
                    Ok(Some(t.into_owned()))
                }
            }
        }
    }
}

/// The current row's errors, by column.
pub(crate) struct Bad<'b>(pub(crate) &'b mut Vec<(usize, Code)>);

impl Bad<'_> {
    fn push(&mut self, col: usize, code: Code) {
        self.0.push((col, code));
    }

    /// The value, or `None` after noting the error against `col`.
    pub(crate) fn ok<T>(&mut self, col: usize, r: Result<T, Code>) -> Option<T> {
        r.map_err(|code| self.push(col, code)).ok()
    }
}

/// A number as people typed it: integral values without exponent or
/// decimals (an ID number or phone typed as a number), others as Rust
/// prints them (shortest form that reads back, never an exponent).
fn format_number(f: f64) -> String {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e21 {
        format!("{f:.0}")
    } else {
        f.to_string()
    }
}

/// What the parse has gathered so far.
struct State {
    limit: usize,
    count: usize,
    rows: Vec<RosterRow>,
    errors: Vec<RowError>,
    /// Valid ID numbers seen so far (an ID number is 18 ASCII bytes).
    seen: HashSet<[u8; 18]>,
    /// The current row's errors by column, reused between rows.
    bad: Vec<(usize, Code)>,
}

impl State {
    fn new(limit: usize) -> State {
        State { limit, count: 0, rows: Vec::new(), errors: Vec::new(), seen: HashSet::new(), bad: Vec::new() }
    }

    /// Checks one data row and clears its slots.
    fn row(&mut self, row: usize, slots: &mut [Val; N]) -> Result<(), ParseError> {
        if slots.iter().all(Val::is_empty) {
            return Ok(());
        }
        self.count += 1;
        if self.count > self.limit {
            return Err(ParseError::TooManyRows { limit: self.limit });
        }
        self.check(row, slots);
        for slot in slots.iter_mut() {
            *slot = Val::Empty;
        }
        Ok(())
    }

    fn check(&mut self, row: usize, v: &[Val; N]) {
        self.bad.clear();
        let mut bad = Bad(&mut self.bad);

        let name = bad.ok(NAME, person::validate_name(&v[NAME].text()));
        let id: Option<IdNumber> = bad.ok(ID_NUMBER, id_number::parse(&v[ID_NUMBER].text()));
        if let Some(id) = &id {
            let key: [u8; 18] = id.as_str().as_bytes().try_into().expect("a valid ID number has 18 bytes");
            if !self.seen.insert(key) {
                bad.push(ID_NUMBER, Code::IdNumberDuplicateInFile);
            }
        }
        let id_gender = id.as_ref().map(|id| if id.is_male() { Gender::Male } else { Gender::Female });
        let gender = match &v[GENDER] {
            Val::Empty => id_gender,
            g => match bad.ok(GENDER, Gender::parse(&g.text())) {
                Some(g) if id_gender.is_some_and(|from_id| from_id != g) => {
                    bad.push(GENDER, Code::GenderMismatch);
                    None
                }
                g => g,
            },
        };
        let phone = match &v[PHONE] {
            Val::Empty => Some(None),
            p => bad.ok(PHONE, phone::parse(&p.text()).map(Some)),
        };
        let status: Option<MemberStatus> = bad.ok(STATUS, MemberStatus::parse(&v[STATUS].text()));
        let branch = match &v[BRANCH] {
            Val::Empty => bad.ok(BRANCH, Err(Code::Required)),
            b => Some(b.text().into_owned()),
        };
        let cell = bad.ok(CELL, v[CELL].opt_text(None));
        let work_unit = bad.ok(WORK_UNIT, v[WORK_UNIT].opt_text(Some(MAX_TEXT)));
        let position = bad.ok(POSITION, v[POSITION].opt_text(Some(MAX_TEXT)));
        let talent_pool: Option<Option<TalentPool>> =
            bad.ok(TALENT_POOL, TalentPool::parse_opt(&v[TALENT_POOL].text()));
        let workers_representative =
            bad.ok(WORKERS_REPRESENTATIVE, person::parse_yes_no(&v[WORKERS_REPRESENTATIVE].text()));
        let [applied_on, activist_on, candidate_on, probationary_on, full_on] =
            DATE_COLUMNS.map(|col| bad.ok(col, v[col].date()));
        let dates = match (applied_on, activist_on, candidate_on, probationary_on, full_on) {
            (Some(applied_on), Some(activist_on), Some(candidate_on), Some(probationary_on), Some(full_on)) => {
                Some(StageDates { applied_on, activist_on, candidate_on, probationary_on, full_on })
            }
            _ => None,
        };
        // The order of stages can only be judged when every date was read.
        if let (Some(status), Some(dates)) = (status, &dates) {
            if let Err((field, code)) = person::validate_stages(status, dates) {
                bad.push(index_of_field(field).unwrap_or(STATUS), code);
            }
        }

        if !self.bad.is_empty() {
            self.rows = Vec::new(); // the import is refused; stop keeping rows
            self.bad.sort_by_key(|(col, _)| *col);
            for &(col, code) in &self.bad {
                self.errors.push(RowError {
                    row,
                    column: COLUMNS[col].header.to_string(),
                    code,
                    value: shown_value(col, &v[col]),
                });
            }
            return;
        }
        if !self.errors.is_empty() {
            return;
        }
        // With no error, every field above was read.
        let (
            Some(name),
            Some(gender),
            Some(id_number),
            Some(phone),
            Some(status),
            Some(dates),
            Some(branch),
            Some(cell),
            Some(work_unit),
            Some(position),
            Some(talent_pool),
            Some(workers_representative),
        ) = (
            name,
            gender,
            id,
            phone,
            status,
            dates,
            branch,
            cell,
            work_unit,
            position,
            talent_pool,
            workers_representative,
        )
        else {
            unreachable!("a row without errors has every field");
        };
        self.rows.push(RosterRow {
            row,
            name,
            gender,
            id_number,
            phone,
            status,
            dates,
            branch,
            cell,
            work_unit,
            position,
            talent_pool,
            workers_representative,
        });
    }

    fn finish(mut self) -> Result<Vec<RosterRow>, ParseError> {
        if self.errors.is_empty() {
            Ok(self.rows)
        } else {
            // Rows arrive in order in any file Excel writes; a stable sort
            // keeps the column order within each row for any other file.
            self.errors.sort_by_key(|e| e.row);
            Err(ParseError::Rows(self.errors))
        }
    }
}

/// The cell text to show with an error: ID numbers masked, at most
/// [`MAX_VALUE_CHARS`] characters.
fn shown_value(col: usize, v: &Val) -> String {
    let text = v.text();
    let text = if col == ID_NUMBER { Cow::Owned(id_number::mask(&text)) } else { text };
    match text.char_indices().nth(MAX_VALUE_CHARS) {
        Some((cut, _)) => text[..cut].to_string(),
        None => text.into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_typed() {
        assert_eq!(format_number(13812345678.0), "13812345678");
        assert_eq!(format_number(110105194912310020.0), "110105194912310016");
        assert_eq!(format_number(20260115.0), "20260115");
        assert_eq!(format_number(1.5), "1.5");
        assert_eq!(format_number(1e22), "10000000000000000000000");
    }

    #[test]
    fn values_are_cut_and_masked() {
        let long = Val::Text(Cow::Owned("长".repeat(80)));
        assert_eq!(shown_value(NAME, &long).chars().count(), 60);
        let id = Val::Text(Cow::Borrowed("11010519491231002X"));
        assert_eq!(shown_value(ID_NUMBER, &id), "1101**********002X");
    }
}
