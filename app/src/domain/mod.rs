//! Domain newtypes and validators shared by the browser and the server.
//! Each type is built with `parse`, so an invalid value never exists; the
//! error carries a stable code and a Chinese message for the person typing.

pub mod calendar;
pub mod credit_code;
pub mod date;
pub mod id_number;
pub mod name;
pub mod password;
pub mod phone;
pub mod unknown;

pub use credit_code::CreditCode;
pub use date::Date;
pub use id_number::IdNumber;
pub use phone::Phone;
pub use unknown::UnknownValue;

/// Why a value was refused: a stable machine code and a Chinese message.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Invalid {
    pub code: &'static str,
    pub message: String,
}

impl Invalid {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    /// The same problem as a field error of the API.
    pub fn for_field(&self, field: &str) -> crate::api::FieldError {
        crate::api::FieldError {
            field: field.to_owned(),
            code: self.code.to_owned(),
            message: self.message.clone(),
        }
    }
}

/// Replaces every character but the first `head` and last `tail` with `*`.
pub fn mask(s: &str, head: usize, tail: usize) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= head + tail {
        return "*".repeat(chars.len());
    }
    chars
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if i < head || i >= chars.len() - tail {
                *c
            } else {
                '*'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn masks() {
        assert_eq!(super::mask("610326199001011234", 4, 2), "6103************34");
        assert_eq!(super::mask("13800138000", 3, 4), "138****8000");
        assert_eq!(super::mask("ab", 4, 2), "**");
    }
}
