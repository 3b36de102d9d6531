//! Phone numbers: mainland mobiles (11 digits starting with 1) and landlines
//! with an area code (0xx-xxxxxxx). Stored encrypted, shown masked.

use crate::error::Code;

/// Normalizes separators away and validates. Returns digits with at most one `-`.
pub fn parse(input: &str) -> Result<String, Code> {
    let s: String = input.trim().chars().filter(|c| !matches!(c, ' ' | '(' | ')')).collect();
    let s = s.strip_prefix("+86").unwrap_or(&s).to_string();
    if s.is_empty() {
        return Err(Code::Required);
    }
    let digits: String = s.chars().filter(|c| *c != '-').collect();
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(Code::PhoneFormat);
    }
    let mobile = digits.len() == 11 && digits.starts_with('1');
    let landline = digits.starts_with('0') && (10..=12).contains(&digits.len());
    if mobile {
        Ok(digits)
    } else if landline {
        Ok(s)
    } else {
        Err(Code::PhoneFormat)
    }
}

/// `138****5678`: the first three and last four digits stay visible.
pub fn mask(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= 7 {
        return "*".repeat(chars.len());
    }
    let mut out: String = chars[..3].iter().collect();
    out.push_str(&"*".repeat(chars.len() - 7));
    out.extend(&chars[chars.len() - 4..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobiles_and_landlines() {
        assert_eq!(parse("138 1234 5678").unwrap(), "13812345678");
        assert_eq!(parse("+8613812345678").unwrap(), "13812345678");
        assert_eq!(parse("023-68123456").unwrap(), "023-68123456");
        assert_eq!(parse("2381234567"), Err(Code::PhoneFormat));
        assert_eq!(parse("1381234567a"), Err(Code::PhoneFormat));
        assert_eq!(parse(""), Err(Code::Required));
    }

    #[test]
    fn masking() {
        assert_eq!(mask("13812345678"), "138****5678");
        assert_eq!(mask("023-68123456"), "023*****3456");
    }
}
