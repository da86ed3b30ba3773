//! A person's name as written on their 身份证: Chinese characters (with the
//! middle dot of minority names) or Latin letters and spaces.

use super::Invalid;

/// Checks a person's name and returns it trimmed.
pub fn parse_person_name(input: &str) -> Result<String, Invalid> {
    let s = input.trim();
    let n = s.chars().count();
    if n == 0 {
        return Err(Invalid::new("required", "请填写姓名"));
    }
    if !(2..=30).contains(&n) {
        return Err(Invalid::new("name_length", "姓名应为 2–30 个字"));
    }
    let ok = s
        .chars()
        .all(|c| c.is_alphabetic() || matches!(c, '·' | '•' | ' '));
    if !ok {
        return Err(Invalid::new(
            "name_format",
            "姓名只能包含汉字、字母、空格或间隔号“·”",
        ));
    }
    Ok(s.to_owned())
}

#[cfg(test)]
mod tests {
    #[test]
    fn names() {
        for ok in ["张晓梅", "阿依古丽·买买提", "Li Lei", " 王五 "] {
            assert!(super::parse_person_name(ok).is_ok(), "{ok}");
        }
        assert_eq!(
            super::parse_person_name("张").map_err(|e| e.code),
            Err("name_length")
        );
        assert_eq!(
            super::parse_person_name("张3").map_err(|e| e.code),
            Err("name_format")
        );
        assert_eq!(
            super::parse_person_name("  ").map_err(|e| e.code),
            Err("required")
        );
    }
}
