//! Password rules of ASVS V2.1: at least 8 characters, at most 128, any
//! characters allowed (no composition rules), and not a commonly used
//! password. The common-password list is checked on the server only.

use super::Invalid;

pub const MIN_CHARS: usize = 8;
pub const MAX_CHARS: usize = 128;

/// Length rules (shared by browser and server).
pub fn check_length(password: &str) -> Result<(), Invalid> {
    let n = password.chars().count();
    if n == 0 {
        Err(Invalid::new("required", "请设置密码"))
    } else if n < MIN_CHARS {
        Err(Invalid::new(
            "password_too_short",
            format!("密码至少 {MIN_CHARS} 位"),
        ))
    } else if n > MAX_CHARS {
        Err(Invalid::new(
            "password_too_long",
            format!("密码不能超过 {MAX_CHARS} 位"),
        ))
    } else {
        Ok(())
    }
}

/// The refusal for a password found in the common-password list.
pub fn too_common() -> Invalid {
    Invalid::new("password_too_common", "这个密码太常见，容易被猜到，请换一个")
}

/// The refusal for a password that contains the person's own phone or ID number.
pub fn contains_personal_data() -> Invalid {
    Invalid::new("password_personal", "密码不能包含手机号或身份证号")
}

#[cfg(test)]
mod tests {
    #[test]
    fn lengths() {
        assert_eq!(super::check_length("").map_err(|e| e.code), Err("required"));
        assert!(
            super::check_length("短密码12345").is_ok(),
            "8 characters, counted as characters not bytes"
        );
        assert_eq!(
            super::check_length("1234567").map_err(|e| e.code),
            Err("password_too_short")
        );
        assert!(super::check_length(&"x".repeat(129)).is_err());
    }
}
