//! Writing roster workbooks: the empty template and the export.
//!
//! Both share one sheet layout so that an exported file imports again. ID
//! and phone columns carry the text format `@`: typed into a General cell,
//! an 18-digit ID number becomes a float in scientific notation and loses
//! its last digits for good. Date columns carry `yyyy-mm-dd`, and the
//! columns with a fixed set of values get a drop-down list whose error style
//! is only a warning, because the parser also accepts common spellings such
//! as 中共党员 that the list does not show.

use chrono::Datelike;
use dangjian_domain::person::{Gender, MemberStatus, TalentPool};
use dangjian_domain::Locale;
use rust_xlsxwriter::{
    Color, DataValidation, DataValidationErrorStyle, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook,
    Worksheet, XlsxError,
};

use crate::columns::*;
use crate::{ExportRow, INSTRUCTIONS_SHEET_NAME, MAX_ROWS, SHEET_NAME};

/// Column widths in Excel character units (a Chinese character takes about two).
const WIDTHS: [f64; N] =
    [10.0, 7.0, 22.0, 15.0, 14.0, 30.0, 16.0, 26.0, 18.0, 10.0, 14.0, 14.0, 18.0, 18.0, 12.0, 12.0];

/// Excel's limit on the characters of one cell.
const MAX_CELL_CHARS: usize = 32_767;

/// An empty roster workbook: the header row (bold, frozen, required columns
/// marked `*` in red), column formats and drop-down lists on sheet
/// [`SHEET_NAME`], and a second sheet [`INSTRUCTIONS_SHEET_NAME`] explaining
/// each column and the values it accepts.
pub fn template() -> Vec<u8> {
    build(&[], true).expect("writing an empty template cannot fail")
}

/// The given people in the template's layout, on sheet [`SHEET_NAME`]:
/// status, gender, talent pool and 是/否 as Chinese labels, dates as date
/// cells. Empty optional fields are left blank.
///
/// # Panics
///
/// If `rows` has more than 1,048,575 entries, Excel's limit for one sheet
/// (far above [`MAX_ROWS`], the most one import takes).
pub fn export(rows: &[ExportRow]) -> Vec<u8> {
    assert!(rows.len() < 1_048_576, "an Excel sheet holds at most 1,048,575 data rows");
    build(rows, false).expect("writing a roster within Excel's limits cannot fail")
}

fn build(rows: &[ExportRow], instructions: bool) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    roster_sheet(workbook.add_worksheet(), rows)?;
    if instructions {
        instructions_sheet(workbook.add_worksheet())?;
    }
    workbook.save_to_buffer()
}

struct Formats {
    text: Format,
    date: Format,
}

fn roster_sheet(ws: &mut Worksheet, rows: &[ExportRow]) -> Result<(), XlsxError> {
    ws.set_name(SHEET_NAME)?;
    let header = Format::new()
        .set_bold()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_background_color(Color::RGB(0xDDEBF7))
        .set_border(FormatBorder::Thin);
    let required = header.clone().set_font_color(Color::RGB(0xC00000));
    let formats = Formats { text: Format::new().set_num_format("@"), date: Format::new().set_num_format("yyyy-mm-dd") };

    for (i, column) in COLUMNS.iter().enumerate() {
        let col = i as u16;
        ws.set_column_width(col, WIDTHS[i])?;
        ws.write_string_with_format(0, col, column.title(), if column.required { &required } else { &header })?;
        if i == ID_NUMBER || i == PHONE {
            ws.set_column_format(col, &formats.text)?;
        } else if DATE_COLUMNS.contains(&i) {
            ws.set_column_format(col, &formats.date)?;
        }
    }
    ws.set_row_height(0, 22)?;
    ws.set_freeze_panes(1, 0)?;

    let lists: [(usize, Vec<&str>); 4] = [
        (GENDER, [Gender::Male, Gender::Female].map(|g| g.label(Locale::ZhCn)).to_vec()),
        (STATUS, MemberStatus::ALL.map(|s| s.label(Locale::ZhCn)).to_vec()),
        (TALENT_POOL, TalentPool::ALL.map(|p| p.label(Locale::ZhCn)).to_vec()),
        (WORKERS_REPRESENTATIVE, vec!["是", "否"]),
    ];
    for (i, values) in lists {
        let validation = DataValidation::new()
            .allow_list_strings(&values)?
            .set_error_style(DataValidationErrorStyle::Warning)
            .set_error_title("请从列表中选择")?
            .set_error_message(format!("{}可填写：{}", COLUMNS[i].header, values.join("、")))?;
        ws.add_data_validation(1, i as u16, MAX_ROWS as u32, i as u16, &validation)?;
    }

    for (r, row) in rows.iter().enumerate() {
        write_row(ws, r as u32 + 1, row, &formats)?;
    }
    Ok(())
}

fn write_row(ws: &mut Worksheet, r: u32, row: &ExportRow, f: &Formats) -> Result<(), XlsxError> {
    let text = |ws: &mut Worksheet, i: usize, s: &str| -> Result<(), XlsxError> {
        if !s.is_empty() {
            ws.write_string(r, i as u16, cap(s))?;
        }
        Ok(())
    };
    text(ws, NAME, &row.name)?;
    text(ws, GENDER, row.gender.label(Locale::ZhCn))?;
    ws.write_string_with_format(r, ID_NUMBER as u16, cap(&row.id_number), &f.text)?;
    if let Some(phone) = row.phone.as_deref().filter(|p| !p.is_empty()) {
        ws.write_string_with_format(r, PHONE as u16, cap(phone), &f.text)?;
    }
    text(ws, STATUS, row.status.label(Locale::ZhCn))?;
    text(ws, BRANCH, &row.branch)?;
    text(ws, CELL, row.cell.as_deref().unwrap_or(""))?;
    text(ws, WORK_UNIT, row.work_unit.as_deref().unwrap_or(""))?;
    text(ws, POSITION, row.position.as_deref().unwrap_or(""))?;
    text(ws, TALENT_POOL, row.talent_pool.map_or("", |p| p.label(Locale::ZhCn)))?;
    text(ws, WORKERS_REPRESENTATIVE, if row.workers_representative { "是" } else { "否" })?;
    let d = &row.dates;
    for (i, date) in
        DATE_COLUMNS.into_iter().zip([d.applied_on, d.activist_on, d.candidate_on, d.probationary_on, d.full_on])
    {
        let Some(date) = date else { continue };
        let (y, m, day) = (date.year(), date.month() as u8, date.day() as u8);
        match u16::try_from(y).ok().and_then(|y| ExcelDateTime::from_ymd(y, m, day).ok()) {
            Some(excel) => ws.write_datetime_with_format(r, i as u16, excel, &f.date)?,
            // Outside Excel's calendar (before 1900): as text, which imports too.
            None => ws.write_string_with_format(r, i as u16, date.format("%Y-%m-%d").to_string(), &f.text)?,
        };
    }
    Ok(())
}

/// At most Excel's characters per cell.
pub(crate) fn cap(s: &str) -> &str {
    match s.char_indices().nth(MAX_CELL_CHARS) {
        Some((cut, _)) => &s[..cut],
        None => s,
    }
}

fn instructions_sheet(ws: &mut Worksheet) -> Result<(), XlsxError> {
    ws.set_name(INSTRUCTIONS_SHEET_NAME)?;
    let wrap = Format::new().set_text_wrap().set_align(FormatAlign::VerticalCenter).set_border(FormatBorder::Thin);
    let header = Format::new().set_bold().set_background_color(Color::RGB(0xDDEBF7)).set_border(FormatBorder::Thin);
    let title = Format::new().set_bold().set_font_size(14);
    ws.set_column_width(0, 18)?;
    ws.set_column_width(1, 10)?;
    ws.set_column_width(2, 70)?;
    ws.set_column_width(3, 24)?;

    ws.write_string_with_format(0, 0, "党员名册导入填写说明", &title)?;
    for (c, h) in ["列名", "是否必填", "填写要求", "示例"].into_iter().enumerate() {
        ws.write_string_with_format(2, c as u16, h, &header)?;
    }
    for (i, column) in COLUMNS.iter().enumerate() {
        let r = 3 + i as u32;
        let (rule, example) = column_help(i);
        ws.write_string_with_format(r, 0, column.title(), &wrap)?;
        ws.write_string_with_format(r, 1, if column.required { "必填" } else { "选填" }, &wrap)?;
        ws.write_string_with_format(r, 2, rule, &wrap)?;
        ws.write_string_with_format(r, 3, example, &wrap)?;
    }

    let mut r = 4 + COLUMNS.len() as u32;
    ws.write_string_with_format(r, 0, "通用说明", &title)?;
    let notes = [
        format!("1. 请在“{SHEET_NAME}”工作表中填写，第一行为表头，请勿修改或删除；列的顺序可以调整，多余的列会被忽略。"),
        "2. 表头带“*”的列为必填列，每一行都必须填写。".to_string(),
        "3. 空行会被自动跳过。".to_string(),
        format!("4. 每个文件最多 {MAX_ROWS} 行数据。"),
        "5. 导入时会检查所有行，并列出每个错误所在的行号和列名。只要有一行出错，整个文件都不会导入，请全部修改后重新上传。"
            .to_string(),
        "6. 日期可写作 2026-01-15、2026/1/15、2026.1.15、20260115 或 2026年1月15日，也可使用 Excel 日期格式。".to_string(),
        "7. 各阶段日期须按先后顺序：申请入党 → 确定积极分子 → 确定发展对象 → 入党 → 转正；不得填写晚于当前政治面貌的阶段日期。"
            .to_string(),
        "8. 身份证号码、手机号码列已设为文本格式，请直接粘贴或输入，避免被 Excel 转成科学计数法而丢失末尾数字。".to_string(),
    ];
    for note in notes {
        r += 1;
        ws.write_string(r, 0, note)?;
    }
    Ok(())
}

/// The rule and an example for the instructions sheet.
fn column_help(i: usize) -> (String, String) {
    let statuses = MemberStatus::ALL.map(|s| s.label(Locale::ZhCn)).join("、");
    let pools = TalentPool::ALL.map(|p| p.label(Locale::ZhCn)).join("、");
    let date_rule = |extra: &str| format!("日期，如 2026-01-15 或 2026年1月15日。{extra}");
    let (rule, example): (String, &str) = match i {
        NAME => ("不超过50个字。".into(), "张三"),
        GENDER => ("男 或 女。不填时按身份证号码自动识别；填写时须与身份证号码一致。".into(), "男"),
        ID_NUMBER => (
            "18位居民身份证号码，最后一位可为 X；系统会核对出生日期和校验位。同一文件中不得重复。".into(),
            "11010519491231002X",
        ),
        PHONE => ("11位手机号码，或带区号的座机号码。".into(), "13812345678"),
        STATUS => (format!("可填写：{statuses}（也可写 中共党员、中共预备党员）。"), "正式党员"),
        BRANCH => {
            ("所在党支部的名称。如有同名支部，请写作“党总支名称/支部名称”。支部须已在系统中建立。".into(), "第一党支部")
        }
        CELL => ("所在党小组的名称，没有可不填。".into(), "第一党小组"),
        WORK_UNIT => (format!("不超过{MAX_TEXT}个字。"), "生产运营部"),
        POSITION => (format!("不超过{MAX_TEXT}个字。"), "技术员"),
        TALENT_POOL => (format!("可填写：{pools}，不属于可不填。"), "技术"),
        WORKERS_REPRESENTATIVE => ("是 或 否，不填视为否。".into(), "否"),
        APPLIED_ON => (date_rule(""), "2019-03-01"),
        ACTIVIST_ON => (date_rule(""), "2019-09-01"),
        CANDIDATE_ON => (date_rule(""), "2020-06-01"),
        PROBATIONARY_ON => (date_rule("预备党员、正式党员必填。"), "2020-07-01"),
        FULL_ON => (date_rule("正式党员必填。"), "2021-07-01"),
        _ => unreachable!("{i} is not a roster column"),
    };
    (rule, example.to_string())
}
