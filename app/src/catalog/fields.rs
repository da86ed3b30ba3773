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
/// | `material` | `{"files": [upload ids]}`, `commit` or `certificate` | a document: uploaded, promised later under 告知承诺 (容缺受理, only where the items allow it), or an e-certificate held (免提交) |
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
/// answer is stored and worded. Stored as `{"files": ["<upload id>", …]}`
/// (handed in), `"commit"` (容缺: promised under 告知承诺) or
/// `"certificate"` (an e-certificate stands in, 免提交). The applicant
/// *chooses* a wording ([`Self::choice`]); the department reads what was
/// *recorded* ([`Self::recorded`]). The two differ only for a promise.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MaterialAnswer {
    /// The document is uploaded.
    Files,
    /// Missing now, promised later under 告知承诺 (容缺受理).
    Commit,
    /// The subject holds it as an e-certificate (免提交).
    Certificate,
}

impl MaterialAnswer {
    /// Every answer, in the order the form offers them.
    pub const ALL: [Self; 3] = [Self::Certificate, Self::Files, Self::Commit];

    /// The stored word of the answers that are words (`files` is an object).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Files => "files",
            Self::Commit => "commit",
            Self::Certificate => "certificate",
        }
    }

    /// The answer a stored value is, if any.
    pub fn of(v: &serde_json::Value) -> Option<Self> {
        match v {
            serde_json::Value::String(s) if s == "commit" => Some(Self::Commit),
            serde_json::Value::String(s) if s == "certificate" => Some(Self::Certificate),
            serde_json::Value::Object(o) if o.get("files").is_some_and(|f| f.is_array()) => Some(Self::Files),
            _ => None,
        }
    }

    /// The upload ids of a `{"files": […]}` answer (empty for any other).
    pub fn files(v: &serde_json::Value) -> Vec<String> {
        v.get("files")
            .and_then(|f| f.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(ToOwned::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The stored value of a `files` answer.
    pub fn files_value(ids: &[String]) -> serde_json::Value {
        serde_json::json!({ "files": ids })
    }

    /// The wording of the option the applicant picks.
    pub fn choice(self) -> &'static str {
        match self {
            Self::Files => "上传材料",
            Self::Commit => "暂缺，承诺限期补交（告知承诺）",
            Self::Certificate => "已有电子证照，免提交",
        }
    }

    /// The wording of the recorded answer, for the department.
    pub fn recorded(self) -> &'static str {
        match self {
            Self::Files => "已上传",
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

/// The word answers a `material` field offers besides uploading: a promise
/// when the chosen items accept one. (An e-certificate is offered only when
/// the subject holds one, so it is added per applicant.)
pub fn material_options(commit_days: Option<u16>) -> Vec<EnumOption> {
    commit_days
        .map(|_| MaterialAnswer::Commit.option())
        .into_iter()
        .collect()
}

/// The 告知承诺书 the applicant agrees to when promising `material`: what is
/// promised, by when, and the consequence of a false or broken promise.
pub fn commitment_text(material: &str, days: u16) -> String {
    format!(
        "本人承诺：自提交申请之日起 {days} 个工作日内补交《{material}》，并对所补交材料的真实性负责。\
         如逾期未补交或承诺不实，行政机关可依法终止办理或撤销已作出的决定，\
         失信情况记入本人（本单位）信用档案，并承担相应法律责任。"
    )
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
    use serde_json::json;

    #[test]
    fn material_answers_are_read_back_and_worded() {
        assert_eq!(
            MaterialAnswer::of(&json!({"files": ["a"]})),
            Some(MaterialAnswer::Files)
        );
        assert_eq!(MaterialAnswer::of(&json!("commit")), Some(MaterialAnswer::Commit));
        assert_eq!(
            MaterialAnswer::of(&json!("certificate")),
            Some(MaterialAnswer::Certificate)
        );
        for bad in [json!("ready"), json!("files"), json!({"files": "a"}), json!(1)] {
            assert_eq!(MaterialAnswer::of(&bad), None, "{bad}");
        }
        assert_eq!(
            MaterialAnswer::files(&MaterialAnswer::files_value(&["x".into()])),
            ["x"]
        );
        for a in MaterialAnswer::ALL {
            assert_eq!(
                a.choice() == a.recorded(),
                a == MaterialAnswer::Certificate,
                "{a:?}"
            );
        }
    }
}
