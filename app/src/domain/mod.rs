//! Domain newtypes and validators shared by the browser and the server.
//! Each type is built with `parse`, so an invalid value never exists; the
//! error carries a stable code and a Chinese message for the person typing.
//!
//! The bottom layer of the crate: it imports nothing else from `app`.
//! [`FieldError`] lives here (not in `api`) because validators produce it;
//! the API only carries it.

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

/// One invalid field of a form or request: which field, a stable machine
/// code and a Chinese message. The API sends it as is (`api::FieldError`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(
    feature = "ssr",
    derive(utoipa::ToSchema),
    schema(description = "One invalid field of a request.")
)]
pub struct FieldError {
    pub field: String,
    pub code: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            code: code.into(),
            message: message.into(),
        }
    }

    /// A required field left empty.
    pub fn required(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(field, "required", message)
    }
}

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

    /// The same problem, reported against `field`.
    pub fn for_field(&self, field: &str) -> FieldError {
        FieldError::new(field, self.code, self.message.clone())
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
