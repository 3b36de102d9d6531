//! Dates as people type them, and as zh-CN shows them (2026年1月15日).

use chrono::{Datelike, NaiveDate};

use crate::error::{Code, Locale};

/// Accepts `2026-01-15`, `2026/1/15`, `2026.1.15`, `20260115` and `2026年1月15日`.
pub fn parse(input: &str) -> Result<NaiveDate, Code> {
    let s = input.trim();
    if s.is_empty() {
        return Err(Code::Required);
    }
    if s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()) {
        return NaiveDate::parse_from_str(s, "%Y%m%d").map_err(|_| Code::DateFormat);
    }
    let normalized: String = s
        .replace(['年', '月'], "-")
        .replace('日', "")
        .chars()
        .map(|c| if c == '/' || c == '.' { '-' } else { c })
        .collect();
    let parts: Vec<&str> = normalized.trim_end_matches('-').split('-').collect();
    if parts.len() != 3 || parts[0].len() != 4 {
        return Err(Code::DateFormat);
    }
    let nums: Option<Vec<u32>> = parts.iter().map(|p| p.trim().parse().ok()).collect();
    let nums = nums.ok_or(Code::DateFormat)?;
    NaiveDate::from_ymd_opt(nums[0] as i32, nums[1], nums[2]).ok_or(Code::DateFormat)
}

/// Optional date: empty input is `None`, anything else must parse.
pub fn parse_opt(input: &str) -> Result<Option<NaiveDate>, Code> {
    if input.trim().is_empty() {
        Ok(None)
    } else {
        parse(input).map(Some)
    }
}

/// `2026年1月15日` in zh-CN, `2026-01-15` in English.
pub fn display(d: NaiveDate, locale: Locale) -> String {
    match locale {
        Locale::ZhCn => format!("{}年{}月{}日", d.year(), d.month(), d.day()),
        Locale::En => d.format("%Y-%m-%d").to_string(),
    }
}

/// Adds whole years, clamping 29 February to the 28th.
pub fn add_years(d: NaiveDate, years: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(d.year() + years, d.month(), d.day())
        .or_else(|| NaiveDate::from_ymd_opt(d.year() + years, d.month(), 28))
        .expect("valid date")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn accepted_forms() {
        for s in ["2026-01-15", "2026/1/15", "2026.1.15", "20260115", "2026年1月15日", " 2026-1-15 "] {
            assert_eq!(parse(s), Ok(d(2026, 1, 15)), "{s}");
        }
    }

    #[test]
    fn refused_forms() {
        assert_eq!(parse(""), Err(Code::Required));
        for s in ["2026-02-30", "15/01/2026", "2026-13-01", "yesterday", "26-1-15"] {
            assert_eq!(parse(s), Err(Code::DateFormat), "{s}");
        }
    }

    #[test]
    fn shows_chinese_dates() {
        assert_eq!(display(d(2026, 1, 15), Locale::ZhCn), "2026年1月15日");
        assert_eq!(display(d(2026, 1, 15), Locale::En), "2026-01-15");
    }

    #[test]
    fn leap_day_years() {
        assert_eq!(add_years(d(2024, 2, 29), 3), d(2027, 2, 28));
        assert_eq!(add_years(d(2024, 2, 29), 4), d(2028, 2, 29));
    }
}
