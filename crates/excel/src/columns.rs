//! The roster layout: one list of columns shared by the template, the parser
//! and the export, so the three cannot drift apart.

/// One column of the roster sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// The Chinese header, without the `*` that marks required columns in
    /// the workbook (the parser ignores that mark).
    pub header: &'static str,
    /// The field name in code (see the glossary).
    pub field: &'static str,
    /// Whether the column must be present and every data row must fill it.
    pub required: bool,
}

impl Column {
    /// The header as written into a workbook: required columns end in `*`.
    pub fn title(&self) -> String {
        if self.required {
            format!("{}*", self.header)
        } else {
            self.header.to_string()
        }
    }
}

const fn col(header: &'static str, field: &'static str, required: bool) -> Column {
    Column { header, field, required }
}

/// The roster columns in workbook order.
pub const COLUMNS: &[Column] = &[
    col("姓名", "name", true),
    col("性别", "gender", false),
    col("身份证号码", "id_number", true),
    col("手机号码", "phone", false),
    col("政治面貌", "status", true),
    col("所在党支部", "branch", true),
    col("所在党小组", "cell", false),
    col("工作单位", "work_unit", false),
    col("岗位职务", "position", false),
    col("人才队伍", "talent_pool", false),
    col("是否职工代表", "workers_representative", false),
    col("申请入党日期", "applied_on", false),
    col("确定积极分子日期", "activist_on", false),
    col("确定发展对象日期", "candidate_on", false),
    col("入党日期", "probationary_on", false),
    col("转正日期", "full_on", false),
];

/// Number of roster columns.
pub(crate) const N: usize = 16;

// Indexes into COLUMNS.
pub(crate) const NAME: usize = 0;
pub(crate) const GENDER: usize = 1;
pub(crate) const ID_NUMBER: usize = 2;
pub(crate) const PHONE: usize = 3;
pub(crate) const STATUS: usize = 4;
pub(crate) const BRANCH: usize = 5;
pub(crate) const CELL: usize = 6;
pub(crate) const WORK_UNIT: usize = 7;
pub(crate) const POSITION: usize = 8;
pub(crate) const TALENT_POOL: usize = 9;
pub(crate) const WORKERS_REPRESENTATIVE: usize = 10;
pub(crate) const APPLIED_ON: usize = 11;
pub(crate) const ACTIVIST_ON: usize = 12;
pub(crate) const CANDIDATE_ON: usize = 13;
pub(crate) const PROBATIONARY_ON: usize = 14;
pub(crate) const FULL_ON: usize = 15;

/// The stage date columns, in stage order.
pub(crate) const DATE_COLUMNS: [usize; 5] = [APPLIED_ON, ACTIVIST_ON, CANDIDATE_ON, PROBATIONARY_ON, FULL_ON];

/// Maximum length in characters of the free-text columns that have one.
pub(crate) const MAX_TEXT: usize = 100;

/// The column index of a field name.
pub(crate) fn index_of_field(field: &str) -> Option<usize> {
    COLUMNS.iter().position(|c| c.field == field)
}

/// The column index of a header cell's text: surrounding whitespace and a
/// leading or trailing required mark (`*` or full-width `＊`) are ignored.
pub(crate) fn index_of_header(text: &str) -> Option<usize> {
    let is_mark = |c: char| c == '*' || c == '＊';
    let t = text.trim().trim_matches(is_mark).trim();
    COLUMNS.iter().position(|c| c.header == t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexes_match_fields() {
        assert_eq!(COLUMNS.len(), N);
        let named = [
            (NAME, "name"),
            (GENDER, "gender"),
            (ID_NUMBER, "id_number"),
            (PHONE, "phone"),
            (STATUS, "status"),
            (BRANCH, "branch"),
            (CELL, "cell"),
            (WORK_UNIT, "work_unit"),
            (POSITION, "position"),
            (TALENT_POOL, "talent_pool"),
            (WORKERS_REPRESENTATIVE, "workers_representative"),
            (APPLIED_ON, "applied_on"),
            (ACTIVIST_ON, "activist_on"),
            (CANDIDATE_ON, "candidate_on"),
            (PROBATIONARY_ON, "probationary_on"),
            (FULL_ON, "full_on"),
        ];
        for (i, field) in named {
            assert_eq!(COLUMNS[i].field, field);
            assert_eq!(index_of_field(field), Some(i));
        }
        // The stage fields the domain names are all columns.
        for stage in dangjian_domain::person::MemberStatus::STAGES {
            assert!(index_of_field(dangjian_domain::person::StageDates::field(stage)).is_some());
        }
    }

    #[test]
    fn headers_ignore_marks_and_spaces() {
        assert_eq!(index_of_header("姓名"), Some(NAME));
        assert_eq!(index_of_header(" 姓名* "), Some(NAME));
        assert_eq!(index_of_header("*身份证号码"), Some(ID_NUMBER));
        assert_eq!(index_of_header("政治面貌＊"), Some(STATUS));
        assert_eq!(index_of_header("备注"), None);
        assert_eq!(COLUMNS[NAME].title(), "姓名*");
        assert_eq!(COLUMNS[GENDER].title(), "性别");
    }
}
