//! # dangjian-excel: the member roster as an Excel workbook
//!
//! Enterprises keep their rosters (党员名册) in Excel, so the roster travels in
//! one fixed layout, [`COLUMNS`], in three directions:
//!
//! - [`template`] gives people an empty workbook to fill in, with a second
//!   sheet (填写说明) that explains every column and the values it accepts;
//! - [`parse`] reads a filled-in workbook and checks every row with the same
//!   rules as the web forms ([`dangjian_domain`]), collecting *every* error of
//!   *every* row with its row number and column, so people can fix the whole
//!   file in one pass instead of uploading it again for each mistake;
//! - [`export`] writes people back out in the same layout, so that an
//!   exported file, edited, imports again.
//!
//! An import is all or nothing: if any row is wrong, [`parse`] returns
//! [`ParseError::Rows`] and the caller stores nothing. That is why errors
//! carry the row and column rather than stopping at the first one.
//!
//! What this crate does *not* do: resolve the branch text to an organization,
//! or check ID numbers against people already stored. Both need the database
//! and belong to storage; here a branch only has to be non-empty.
//!
//! ID numbers are sensitive: an error never repeats one in full, only its
//! masked form ([`dangjian_domain::id_number::mask`]).

mod columns;
pub mod ledger;
mod read;
mod write;

use dangjian_domain::id_number::IdNumber;
use dangjian_domain::person::{Gender, MemberStatus, StageDates, TalentPool};
use dangjian_domain::{Code, Locale};
use serde::Serialize;

pub use columns::{Column, COLUMNS};
pub use ledger::{
    export_ledger, ledger_template, parse_ledger, LedgerColumn, LedgerExportRow, LedgerRow, LEDGER_COLUMNS,
    LEDGER_SHEET_NAME,
};
pub use read::parse;
pub use write::{export, template};

/// The most data rows (not counting empty ones) one file may hold. A larger
/// file is refused as a whole with [`ParseError::TooManyRows`], as soon as
/// reading reaches row `MAX_ROWS + 1`, whatever errors came before.
pub const MAX_ROWS: usize = 200_000;

/// The name of the roster sheet in [`template`] and [`export`]. [`parse`]
/// reads the sheet of this name if there is one, else the first sheet.
pub const SHEET_NAME: &str = "党员名册";

/// The name of the instructions sheet in [`template`].
pub const INSTRUCTIONS_SHEET_NAME: &str = "填写说明";

/// One valid row of an imported roster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterRow {
    /// 1-based Excel row number (the header is row 1, the first data row 2).
    pub row: usize,
    pub name: String,
    /// From the 性别 column if given, else derived from the ID number.
    pub gender: Gender,
    pub id_number: IdNumber,
    /// Normalized by [`dangjian_domain::phone::parse`].
    pub phone: Option<String>,
    pub status: MemberStatus,
    pub dates: StageDates,
    /// The branch name, or a path "党总支名/支部名"; resolved by storage.
    pub branch: String,
    pub cell: Option<String>,
    pub work_unit: Option<String>,
    pub position: Option<String>,
    pub talent_pool: Option<TalentPool>,
    pub workers_representative: bool,
}

/// One problem in one cell of an imported roster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    /// 1-based Excel row number.
    pub row: usize,
    /// The Chinese header of the column, without the required mark (e.g. `姓名`).
    pub column: String,
    /// Serialized as its stable string, e.g. `"id_number_check_digit"`.
    #[serde(serialize_with = "serialize_code")]
    pub code: Code,
    /// The offending cell text, at most 60 characters; ID numbers masked.
    pub value: String,
}

impl RowError {
    /// The human message for [`RowError::code`].
    pub fn message(&self, locale: Locale) -> &'static str {
        self.code.message(locale)
    }
}

fn serialize_code<S: serde::Serializer>(code: &Code, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(code.as_str())
}

/// Why a workbook was not imported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// Not an .xlsx workbook (or a damaged one, or one without sheets).
    #[error("the file is not a readable .xlsx workbook")]
    Unreadable,
    /// The header row lacks these required columns (Chinese headers, in column order).
    #[error("missing required columns: {}", .0.join(", "))]
    MissingColumns(Vec<String>),
    /// More than `limit` data rows.
    #[error("the file has more than {limit} data rows")]
    TooManyRows { limit: usize },
    /// Every error of every bad row, sorted by row, then by column order.
    #[error("{} error(s) in the rows of the file", .0.len())]
    Rows(Vec<RowError>),
}

impl ParseError {
    /// The error code to show for the whole file.
    pub fn code(&self) -> Code {
        match self {
            ParseError::Unreadable => Code::FileUnreadable,
            ParseError::MissingColumns(_) => Code::MissingColumn,
            ParseError::TooManyRows { .. } => Code::FileTooLarge,
            ParseError::Rows(_) => Code::ImportRejected,
        }
    }
}

/// One person to [`export`]: the fields of [`RosterRow`] without the row
/// number, and with the ID number as text, full or masked as the caller
/// decides (a masked file will not import again, by design).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportRow {
    pub name: String,
    pub gender: Gender,
    pub id_number: String,
    pub phone: Option<String>,
    pub status: MemberStatus,
    pub dates: StageDates,
    pub branch: String,
    pub cell: Option<String>,
    pub work_unit: Option<String>,
    pub position: Option<String>,
    pub talent_pool: Option<TalentPool>,
    pub workers_representative: bool,
}

#[cfg(test)]
mod tests;
