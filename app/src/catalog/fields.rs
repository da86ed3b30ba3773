//! The field dictionary (字段字典): every fact a form can ask, defined once
//! with its label, kind, validation rules and personal-data class, and the
//! sections (steps) of the merged form. Items list the keys they need.

use serde::{Deserialize, Serialize};

/// What kind of value a field holds, which decides its input and checks.
///
/// | kind | value | checks |
/// |---|---|---|
/// | `text` | string | length (default ≤ 100) |
/// | `textarea` | string | length (default ≤ 1000) |
/// | `number` | number (or numeric string) | `min`, `max`, `integer` |
/// | `date` | `YYYY-MM-DD` | a real day; `not_after_today`, `not_before_today`, `within_days` |
/// | `phone` | string | mainland mobile, `1[3-9]` + 9 digits |
/// | `id_number` | string | 身份证号: GB 11643 check digit, birth date, region |
/// | `credit_code` | string | 统一社会信用代码: GB 32100 check character |
/// | `enum` | string | one of `options` |
/// | `boolean` | bool | `must_be_true` for declarations and consents |
/// | `material` | `ready` or `commit` | a document: ready, or promised later under 告知承诺 (容缺受理) |
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    Text,
    Textarea,
    Number,
    Date,
    Phone,
    IdNumber,
    CreditCode,
    Enum,
    Boolean,
    Material,
}

/// How sensitive a field's value is (PIPL): `sensitive` values (身份证号) are
/// masked wherever they are listed; `personal` ones are shown only to those
/// who need them; neither is ever logged.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum PiiClass {
    #[default]
    None,
    Personal,
    Sensitive,
}

/// Where a value can be prefilled from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Prefill {
    /// The logged-in person's name.
    PersonName,
    /// The logged-in person's 身份证号.
    PersonIdNumber,
    /// The logged-in person's mobile number.
    PersonPhone,
}

/// One choice of an `enum` field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EnumOption {
    pub value: String,
    pub label: String,
}

/// Validation rules beyond the kind's own. All optional.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Rules {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_length: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<i64>,
    /// Numbers must be whole.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub integer: bool,
    /// Dates may not be in the future.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub not_after_today: bool,
    /// Dates may not be in the past.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub not_before_today: bool,
    /// Dates no more than this many days ago (e.g. a newborn: 365).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub within_days: Option<u32>,
    /// Booleans must be ticked (declarations, consents).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub must_be_true: bool,
}

/// A section of the merged form: one wizard step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    pub key: String,
    pub title: String,
}

/// A field of the dictionary. (Parsed through [`FieldSource`], because
/// serde cannot refuse unknown keys next to a flattened struct.)
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "FieldSource")]
pub struct FieldDef {
    pub key: String,
    pub label: String,
    pub kind: FieldKind,
    pub section: String,
    #[serde(default)]
    pub pii: PiiClass,
    #[serde(default)]
    pub help: String,
    #[serde(default)]
    pub options: Vec<EnumOption>,
    #[serde(default, flatten)]
    pub rules: Rules,
    #[serde(default)]
    pub prefill: Option<Prefill>,
    /// `material` fields: the kind of e-certificate (电子证照) that replaces
    /// the document (免提交), e.g. `business-licence`.
    #[serde(default)]
    pub certificate: Option<String>,
}

/// A `[[field]]` as written, every key explicit so typos are refused.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldSource {
    pub key: String,
    pub label: String,
    pub kind: FieldKind,
    pub section: String,
    #[serde(default)]
    pub pii: PiiClass,
    #[serde(default)]
    pub help: String,
    #[serde(default)]
    pub options: Vec<EnumOption>,
    #[serde(default)]
    pub prefill: Option<Prefill>,
    #[serde(default)]
    pub certificate: Option<String>,
    #[serde(default)]
    pub min_length: Option<u32>,
    #[serde(default)]
    pub max_length: Option<u32>,
    #[serde(default)]
    pub min: Option<i64>,
    #[serde(default)]
    pub max: Option<i64>,
    #[serde(default)]
    pub integer: bool,
    #[serde(default)]
    pub not_after_today: bool,
    #[serde(default)]
    pub not_before_today: bool,
    #[serde(default)]
    pub within_days: Option<u32>,
    #[serde(default)]
    pub must_be_true: bool,
}

impl From<FieldSource> for FieldDef {
    fn from(s: FieldSource) -> Self {
        Self {
            key: s.key,
            label: s.label,
            kind: s.kind,
            section: s.section,
            pii: s.pii,
            help: s.help,
            options: s.options,
            rules: Rules {
                min_length: s.min_length,
                max_length: s.max_length,
                min: s.min,
                max: s.max,
                integer: s.integer,
                not_after_today: s.not_after_today,
                not_before_today: s.not_before_today,
                within_days: s.within_days,
                must_be_true: s.must_be_true,
            },
            prefill: s.prefill,
            certificate: s.certificate,
        }
    }
}

/// `fields.toml`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldsFile {
    pub section: Vec<Section>,
    pub field: Vec<FieldDef>,
}

/// An answer to a `material` field, and the one definition of how each
/// answer is worded. The applicant *chooses* a wording ([`Self::choice`]);
/// the department reads what was *recorded* ([`Self::recorded`]). The two
/// differ only for a promise: chosen as a commitment to deliver, recorded
/// as a signed commitment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MaterialAnswer {
    /// The document is ready.
    Ready,
    /// Missing now, promised later under 告知承诺 (容缺受理).
    Commit,
    /// The subject holds it as an e-certificate (免提交).
    Certificate,
}

impl MaterialAnswer {
    /// Every answer, in the order the form offers them.
    pub const ALL: [Self; 3] = [Self::Certificate, Self::Ready, Self::Commit];

    /// The stored value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ready => "ready",
            Self::Commit => "commit",
            Self::Certificate => "certificate",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// The wording of the option the applicant picks.
    pub fn choice(self) -> &'static str {
        match self {
            Self::Ready => "已备齐",
            Self::Commit => "暂缺，承诺限期补交（告知承诺）",
            Self::Certificate => "已有电子证照，免提交",
        }
    }

    /// The wording of the recorded answer, for the department.
    pub fn recorded(self) -> &'static str {
        match self {
            Self::Ready => "已备齐",
            Self::Commit => "暂缺，已签署告知承诺",
            Self::Certificate => "已有电子证照，免提交",
        }
    }

    /// The answer as an option of the merged form.
    pub fn option(self) -> EnumOption {
        EnumOption {
            value: self.as_str().into(),
            label: self.choice().into(),
        }
    }
}

/// The options of a `material` field. (An e-certificate is offered only
/// when the subject holds one, so it is added per applicant.)
pub fn material_options() -> Vec<EnumOption> {
    vec![MaterialAnswer::Ready.option(), MaterialAnswer::Commit.option()]
}

/// `true` for `snake_case` keys: a lowercase letter, then letters, digits, `_`.
pub fn is_field_key(s: &str) -> bool {
    (2..=64).contains(&s.len())
        && s.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::MaterialAnswer;

    #[test]
    fn material_answers_round_trip_and_differ_only_for_a_promise() {
        for a in MaterialAnswer::ALL {
            assert_eq!(MaterialAnswer::parse(a.as_str()), Some(a));
            assert_eq!(a.choice() == a.recorded(), a != MaterialAnswer::Commit, "{a:?}");
        }
        assert_eq!(MaterialAnswer::parse("maybe"), None);
    }
}
