//! Resident ID numbers (居民身份证号码) per GB 11643-1999.
//!
//! 6-digit area code, 8-digit birth date, 3-digit sequence (odd = male),
//! and an ISO 7064 MOD 11-2 check character. The number is sensitive: callers
//! store it encrypted and show [`mask`] unless a full view is allowed and audited.

use chrono::NaiveDate;

use crate::error::Code;

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// A validated ID number, normalized to uppercase `X`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdNumber(String);

impl IdNumber {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn birth_date(&self) -> NaiveDate {
        birth_date_of(&self.0).expect("validated on construction")
    }

    /// `true` for male (odd sequence digit), per the standard.
    pub fn is_male(&self) -> bool {
        let d = self.0.as_bytes()[16] - b'0';
        d % 2 == 1
    }

    pub fn masked(&self) -> String {
        mask(&self.0)
    }
}

impl std::fmt::Display for IdNumber {
    /// Shows the masked form: a full number never leaks through formatting.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.masked())
    }
}

/// The check character for the first 17 digits.
pub fn check_char(first17: &str) -> Option<char> {
    if first17.len() != 17 || !first17.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let sum: u32 = first17.bytes().zip(WEIGHTS).map(|(b, w)| u32::from(b - b'0') * w).sum();
    Some(CHECK[(sum % 11) as usize])
}

fn birth_date_of(s: &str) -> Option<NaiveDate> {
    let y = s.get(6..10)?.parse().ok()?;
    let m = s.get(10..12)?.parse().ok()?;
    let d = s.get(12..14)?.parse().ok()?;
    NaiveDate::from_ymd_opt(y, m, d)
}

/// Validates and normalizes (trims, uppercases a trailing `x`).
pub fn parse(input: &str) -> Result<IdNumber, Code> {
    let s = input.trim().to_ascii_uppercase();
    if s.is_empty() {
        return Err(Code::Required);
    }
    if s.len() != 18 || !s[..17].bytes().all(|b| b.is_ascii_digit()) || !matches!(s.as_bytes()[17], b'0'..=b'9' | b'X')
    {
        return Err(Code::IdNumberFormat);
    }
    birth_date_of(&s).ok_or(Code::IdNumberBirthDate)?;
    if check_char(&s[..17]) != Some(s.as_bytes()[17] as char) {
        return Err(Code::IdNumberCheckDigit);
    }
    Ok(IdNumber(s))
}

/// `1101**********002X`: the first four and last four characters stay visible.
pub fn mask(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= 8 {
        return "*".repeat(chars.len());
    }
    let mut out: String = chars[..4].iter().collect();
    out.push_str(&"*".repeat(chars.len() - 8));
    out.extend(&chars[chars.len() - 4..]);
    out
}

/// Builds a valid number from its parts: used by demo data and tests so that
/// synthetic people carry numbers that pass the same check real ones do.
pub fn synthesize(area: u32, birth: NaiveDate, sequence: u32) -> IdNumber {
    let first17 = format!("{:06}{}{:03}", area % 1_000_000, birth.format("%Y%m%d"), sequence % 1000);
    let c = check_char(&first17).expect("17 digits");
    IdNumber(format!("{first17}{c}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn official_examples() {
        for ok in ["11010519491231002X", "440524188001010014", "513101198201130014", "370101190102039973"] {
            assert_eq!(parse(ok).map(|id| id.as_str().to_string()), Ok(ok.to_string()));
        }
        assert_eq!(parse("110105194912310021"), Err(Code::IdNumberCheckDigit));
    }

    #[test]
    fn lowercase_x_is_stored_uppercase() {
        assert_eq!(parse(" 11010519491231002x ").unwrap().as_str(), "11010519491231002X");
    }

    #[test]
    fn format_errors() {
        assert_eq!(parse(""), Err(Code::Required));
        assert_eq!(parse("1234"), Err(Code::IdNumberFormat));
        assert_eq!(parse("11010519491331002X"), Err(Code::IdNumberBirthDate));
        assert_eq!(parse("1101051949123100XX"), Err(Code::IdNumberFormat));
    }

    #[test]
    fn masks() {
        assert_eq!(mask("11010519491231002X"), "1101**********002X");
        assert_eq!(parse("11010519491231002X").unwrap().to_string(), "1101**********002X");
    }

    #[test]
    fn sex_and_birth() {
        let id = parse("11010519491231002X").unwrap();
        assert!(!id.is_male());
        assert_eq!(id.birth_date(), NaiveDate::from_ymd_opt(1949, 12, 31).unwrap());
    }

    proptest! {
        #[test]
        fn synthesized_numbers_validate(area in 110000u32..660000, days in 0i64..36500, seq in 0u32..1000) {
            let birth = NaiveDate::from_ymd_opt(1930, 1, 1).unwrap() + chrono::Duration::days(days);
            let id = synthesize(area, birth, seq);
            prop_assert_eq!(parse(id.as_str()), Ok(id.clone()));
            prop_assert_eq!(id.birth_date(), birth);
        }

        #[test]
        fn any_single_digit_change_is_caught(days in 0i64..36500, seq in 0u32..1000, pos in 0usize..17, delta in 1u8..10) {
            let birth = NaiveDate::from_ymd_opt(1930, 1, 1).unwrap() + chrono::Duration::days(days);
            let id = synthesize(110105, birth, seq);
            let mut bytes = id.as_str().as_bytes().to_vec();
            bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
            let changed = String::from_utf8(bytes).unwrap();
            prop_assert!(parse(&changed).is_err());
        }
    }
}
