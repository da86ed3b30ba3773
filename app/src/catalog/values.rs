//! Checking the values of a merged form — the same code in the browser (as a
//! field is left) and on the server (before anything is written).

use serde_json::{Map, Value};

use super::form::{FormDto, FormField};
use super::{FieldKind, MaterialAnswer};
use crate::domain::{CreditCode, Date, FieldError, IdNumber, Phone};

fn error(field: &FormField, code: &str, message: impl Into<String>) -> FieldError {
    FieldError::new(field.key.clone(), code, message)
}

/// `true` for a missing answer: absent, null, an empty or blank string.
pub fn is_empty(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.trim().is_empty(),
        _ => false,
    }
}

/// Checks one value and returns it normalised (trimmed text, upper-case X,
/// plain phone digits, numbers as numbers); `Ok(None)` for an empty optional.
pub fn check(field: &FormField, value: Option<&Value>, today: Date) -> Result<Option<Value>, FieldError> {
    if is_empty(value) {
        return if field.required {
            let verb = match field.kind {
                FieldKind::Material => "请上传",
                FieldKind::Enum | FieldKind::Date | FieldKind::Boolean => "请选择",
                _ => "请填写",
            };
            Err(error(field, "required", format!("{verb}{}", field.label)))
        } else {
            Ok(None)
        };
    }
    let Some(value) = value else { return Ok(None) };
    let text = || value.as_str().map(str::trim);
    let not_text = || error(field, "wrong_type", format!("{}的格式不正确", field.label));
    let r = &field.rules;
    let v = match field.kind {
        FieldKind::Text | FieldKind::Textarea => {
            let s = text().ok_or_else(not_text)?;
            let n = u32::try_from(s.chars().count()).unwrap_or(u32::MAX);
            let max = r
                .max_length
                .unwrap_or(if field.kind == FieldKind::Text { 100 } else { 1000 });
            if let Some(min) = r.min_length.filter(|&m| n < m) {
                return Err(error(
                    field,
                    "too_short",
                    format!("{}至少 {min} 个字", field.label),
                ));
            }
            if n > max {
                return Err(error(
                    field,
                    "too_long",
                    format!("{}不能超过 {max} 个字", field.label),
                ));
            }
            if s.chars()
                .any(|c| c.is_control() && !(field.kind == FieldKind::Textarea && c == '\n'))
            {
                return Err(error(
                    field,
                    "invalid_characters",
                    format!("{}含有不可见字符", field.label),
                ));
            }
            Value::String(s.to_owned())
        }
        FieldKind::Number => {
            let n = match value {
                Value::Number(n) => n.as_f64(),
                Value::String(s) => s.trim().parse::<f64>().ok().filter(|f| f.is_finite()),
                _ => None,
            }
            .ok_or_else(|| error(field, "not_a_number", format!("{}请填写数字", field.label)))?;
            if r.integer && n.fract() != 0.0 {
                return Err(error(
                    field,
                    "not_an_integer",
                    format!("{}请填写整数", field.label),
                ));
            }
            #[expect(clippy::cast_precision_loss, reason = "bounds are small whole numbers")]
            let as_f64 = |m: i64| m as f64;
            if let Some(m) = r.min.filter(|&m| n < as_f64(m)) {
                return Err(error(field, "too_small", format!("{}不能小于 {m}", field.label)));
            }
            if let Some(m) = r.max.filter(|&m| n > as_f64(m)) {
                return Err(error(field, "too_large", format!("{}不能大于 {m}", field.label)));
            }
            serde_json::Number::from_f64(n)
                .map(Value::Number)
                .ok_or_else(not_text)?
        }
        FieldKind::Date => {
            let s = text().ok_or_else(not_text)?;
            let d = Date::parse(s)
                .ok_or_else(|| error(field, "date_format", format!("{}不是有效日期", field.label)))?;
            if r.not_after_today && d > today {
                return Err(error(
                    field,
                    "date_in_future",
                    format!("{}不能晚于今天", field.label),
                ));
            }
            if r.not_before_today && d < today {
                return Err(error(
                    field,
                    "date_in_past",
                    format!("{}不能早于今天", field.label),
                ));
            }
            if let Some(days) = r.within_days
                && d < today.add_days(-i64::from(days))
            {
                return Err(error(
                    field,
                    "date_too_old",
                    format!("{}不能早于 {days} 天前", field.label),
                ));
            }
            Value::String(d.to_string())
        }
        FieldKind::Phone => {
            let p =
                Phone::parse(text().ok_or_else(not_text)?).map_err(|e| error(field, e.code, e.message))?;
            Value::String(p.as_str().to_owned())
        }
        FieldKind::IdNumber => {
            let i = IdNumber::parse(text().ok_or_else(not_text)?, today)
                .map_err(|e| error(field, e.code, format!("{}：{}", field.label, e.message)))?;
            Value::String(i.as_str().to_owned())
        }
        FieldKind::CreditCode => {
            let c = CreditCode::parse(text().ok_or_else(not_text)?)
                .map_err(|e| error(field, e.code, e.message))?;
            Value::String(c.as_str().to_owned())
        }
        FieldKind::Material => return check_material(field, value),
        FieldKind::Enum => {
            let s = text().ok_or_else(not_text)?;
            let ok = field
                .options
                .as_ref()
                .is_some_and(|o| o.iter().any(|o| o.value == s));
            if !ok {
                return Err(error(
                    field,
                    "not_an_option",
                    format!("请从列表中选择{}", field.label),
                ));
            }
            Value::String(s.to_owned())
        }
        FieldKind::Boolean => {
            let b = match value {
                Value::Bool(b) => *b,
                Value::String(s) if s == "true" => true,
                Value::String(s) if s == "false" => false,
                _ => return Err(not_text()),
            };
            if r.must_be_true && !b {
                return Err(error(field, "must_be_true", format!("请确认：{}", field.label)));
            }
            Value::Bool(b)
        }
    };
    Ok(Some(v))
}

/// Most files one material takes.
pub const MAX_FILES_PER_MATERIAL: usize = 20;

/// A material answer: uploaded files (1–20 distinct upload ids), a promise
/// where every chosen item accepts one, or an e-certificate the subject
/// holds. Whether the uploads exist and are the applicant's is the
/// server's check when filing. `{"files": []}` is no answer.
fn check_material(field: &FormField, value: &Value) -> Result<Option<Value>, FieldError> {
    match MaterialAnswer::of(value) {
        Some(MaterialAnswer::Files) => {
            let Some(list) = value.get("files").and_then(Value::as_array) else {
                return Err(error(field, "wrong_type", format!("{}的格式不正确", field.label)));
            };
            if list.len() > MAX_FILES_PER_MATERIAL {
                return Err(error(
                    field,
                    "too_many_files",
                    format!("{}最多上传 {MAX_FILES_PER_MATERIAL} 个文件", field.label),
                ));
            }
            let mut ids: Vec<String> = Vec::with_capacity(list.len());
            for v in list {
                let id = v
                    .as_str()
                    .map(|s| s.trim().to_ascii_lowercase())
                    .filter(|s| is_uuid(s))
                    .ok_or_else(|| {
                        error(
                            field,
                            "unknown_upload",
                            format!("{}中有无法识别的文件", field.label),
                        )
                    })?;
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
            if ids.is_empty() {
                return if field.required {
                    Err(error(field, "required", format!("请上传{}", field.label)))
                } else {
                    Ok(None)
                };
            }
            Ok(Some(MaterialAnswer::files_value(&ids)))
        }
        Some(MaterialAnswer::Commit) if field.commit_days.is_some() => Ok(Some(Value::from("commit"))),
        Some(MaterialAnswer::Commit) => Err(error(
            field,
            "not_commitable",
            format!("{}不适用容缺受理，请上传材料", field.label),
        )),
        Some(MaterialAnswer::Certificate) if field.certificate.is_some() => {
            Ok(Some(Value::from("certificate")))
        }
        Some(MaterialAnswer::Certificate) => Err(error(
            field,
            "no_certificate",
            format!("没有找到可代替{}的电子证照，请上传材料", field.label),
        )),
        None => Err(error(field, "files_required", format!("请上传{}", field.label))),
    }
}

/// `8-4-4-4-12` lowercase hex, as upload ids are written.
fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// Checks every answer of `data` against `form`. Keys the form does not
/// ask are refused (they would be silently lost otherwise). Returns the
/// normalised answers, without empty optional ones.
pub fn check_all(
    form: &FormDto,
    data: &Map<String, Value>,
    today: Date,
) -> Result<Map<String, Value>, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut out = Map::new();
    for key in data.keys() {
        if form.field(key).is_none() {
            errors.push(FieldError::new(
                key.clone(),
                "unknown_field",
                format!("表单中没有“{key}”这一项"),
            ));
        }
    }
    for f in form.fields() {
        match check(f, data.get(&f.key), today) {
            Ok(Some(v)) => {
                out.insert(f.key.clone(), v);
            }
            Ok(None) => {}
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() { Ok(out) } else { Err(errors) }
}

/// The upload id [`example_answers`] puts in `{"files": […]}`.
pub const EXAMPLE_UPLOAD: &str = "00000000-0000-4000-8000-000000000000";

/// Valid answers for every field of `form`: what tests, benchmarks and the
/// demo data use to fill a form. `seed` varies the 身份证号 and credit codes.
pub fn example_answers(form: &FormDto, today: Date, seed: u32) -> Map<String, Value> {
    let mut out = Map::new();
    for (n, f) in form.fields().enumerate() {
        let n = u32::try_from(n).unwrap_or(0);
        let r = &f.rules;
        let v = match f.kind {
            FieldKind::Text => {
                let min = usize::try_from(r.min_length.unwrap_or(0)).unwrap_or(0);
                let mut s = format!("示例{}", f.label.chars().take(8).collect::<String>());
                while s.chars().count() < min {
                    s.push('测');
                }
                let max = usize::try_from(r.max_length.unwrap_or(100)).unwrap_or(100);
                Value::String(s.chars().take(max).collect())
            }
            FieldKind::Textarea => Value::String("示例说明：情况属实。".into()),
            FieldKind::Number => Value::from(r.min.unwrap_or(0).max(1).min(r.max.unwrap_or(i64::MAX))),
            FieldKind::Date => {
                let d = if r.not_before_today {
                    today.add_days(1)
                } else if r.not_after_today || r.within_days.is_some() {
                    today.add_days(-1)
                } else {
                    today
                };
                Value::String(d.to_string())
            }
            FieldKind::Phone => Value::String(format!("139{:08}", (seed * 97 + n) % 100_000_000)),
            FieldKind::IdNumber => {
                let first17 = format!(
                    "61032619{:02}0{}{:02}{:03}",
                    70 + seed % 30,
                    1 + n % 9,
                    10 + n % 18,
                    seed % 1000
                );
                let check = crate::domain::id_number::check_char(&first17).unwrap_or('0');
                Value::String(format!("{first17}{check}"))
            }
            FieldKind::CreditCode => {
                let first17 = format!("91610326MA{:07}", (seed * 31 + n) % 10_000_000);
                let check = crate::domain::credit_code::check_char(&first17).unwrap_or('0');
                Value::String(format!("{first17}{check}"))
            }
            FieldKind::Enum => f
                .options
                .as_ref()
                .and_then(|o| o.first())
                .map_or(Value::Null, |o| Value::String(o.value.clone())),
            // A placeholder upload id, which callers filing for real
            // replace with an actual upload.
            FieldKind::Material => MaterialAnswer::files_value(&[EXAMPLE_UPLOAD.into()]),
            FieldKind::Boolean => Value::Bool(true),
        };
        out.insert(f.key.clone(), v);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::form::FormStep;
    use crate::catalog::{PiiClass, Rules};

    fn field(key: &str, kind: FieldKind, required: bool, rules: Rules) -> FormField {
        FormField {
            key: key.into(),
            label: key.into(),
            kind,
            required,
            options: None,
            used_by: vec![],
            help: String::new(),
            pii: PiiClass::None,
            rules,
            certificate: None,
            commit_days: None,
        }
    }

    fn today() -> Date {
        Date::parse("2026-11-30").expect("date")
    }

    #[test]
    fn a_material_is_files_a_promise_where_allowed_or_a_certificate_held() {
        let code = |f: &FormField, v: Value| check(f, Some(&v), today()).map_err(|e| e.code);
        let id = "0193a0c4-5b7e-7000-8000-00000000000A";
        let mut m = field("licence", FieldKind::Material, true, Rules::default());
        // Files: ids normalised, duplicates dropped; an empty list is no answer.
        assert_eq!(
            code(&m, serde_json::json!({"files": [id, id.to_lowercase()]})),
            Ok(Some(serde_json::json!({"files": [id.to_lowercase()]})))
        );
        assert_eq!(code(&m, serde_json::json!({"files": []})), Err("required".into()));
        assert_eq!(
            code(&m, serde_json::json!({"files": ["../x"]})),
            Err("unknown_upload".into())
        );
        let many: Vec<String> = (0..21)
            .map(|n| format!("0193a0c4-5b7e-7000-8000-{n:012}"))
            .collect();
        assert_eq!(
            code(&m, serde_json::json!({"files": many})),
            Err("too_many_files".into())
        );
        assert_eq!(code(&m, Value::from("ready")), Err("files_required".into()));
        // A promise only where every chosen item accepts one.
        assert_eq!(code(&m, Value::from("commit")), Err("not_commitable".into()));
        m.commit_days = Some(5);
        assert_eq!(code(&m, Value::from("commit")), Ok(Some(Value::from("commit"))));
        // An e-certificate only when the applicant holds one.
        assert_eq!(code(&m, Value::from("certificate")), Err("no_certificate".into()));
        m.certificate = Some(crate::catalog::form::CertificateRef {
            id: id.into(),
            name: "营业执照".into(),
            number: "1".into(),
            valid_until: None,
        });
        assert_eq!(
            code(&m, Value::from("certificate")),
            Ok(Some(Value::from("certificate")))
        );
        m.required = false;
        assert_eq!(code(&m, serde_json::json!({"files": []})), Ok(None));
    }

    #[test]
    fn values_are_checked_and_normalised() {
        let f = field(
            "n",
            FieldKind::Number,
            true,
            Rules {
                min: Some(1),
                max: Some(10),
                integer: true,
                ..Rules::default()
            },
        );
        assert_eq!(
            check(&f, Some(&Value::from("7")), today()),
            Ok(Some(Value::from(7.0)))
        );
        assert_eq!(
            check(&f, Some(&Value::from(11)), today()).map_err(|e| e.code),
            Err("too_large".into())
        );
        assert_eq!(
            check(&f, Some(&Value::from(0)), today()).map_err(|e| e.code),
            Err("too_small".into())
        );
        assert_eq!(
            check(&f, Some(&Value::from(2.5)), today()).map_err(|e| e.code),
            Err("not_an_integer".into())
        );
        assert_eq!(
            check(&f, Some(&Value::from("x")), today()).map_err(|e| e.code),
            Err("not_a_number".into())
        );
        assert_eq!(
            check(&f, None, today()).map_err(|e| e.code),
            Err("required".into())
        );

        let t = field(
            "t",
            FieldKind::Text,
            false,
            Rules {
                max_length: Some(3),
                ..Rules::default()
            },
        );
        assert_eq!(
            check(&t, Some(&Value::from("  眉县  ")), today()),
            Ok(Some(Value::from("眉县")))
        );
        assert_eq!(
            check(&t, Some(&Value::from("")), today()),
            Ok(None),
            "empty optional"
        );
        assert_eq!(
            check(&t, Some(&Value::from("眉县县城")), today()).map_err(|e| e.code),
            Err("too_long".into())
        );
        assert_eq!(
            check(&t, Some(&Value::from(5)), today()).map_err(|e| e.code),
            Err("wrong_type".into())
        );

        let p = field("p", FieldKind::Phone, true, Rules::default());
        assert_eq!(
            check(&p, Some(&Value::from("139 1234 5678")), today()),
            Ok(Some(Value::from("13912345678")))
        );
    }

    #[test]
    fn example_answers_satisfy_their_form() {
        let mut enum_field = field("e", FieldKind::Enum, true, Rules::default());
        enum_field.options = Some(vec![crate::catalog::EnumOption {
            value: "a".into(),
            label: "A".into(),
        }]);
        let form = FormDto {
            bundle: "b".into(),
            catalog_version: "v".into(),
            items: vec![],
            steps: vec![FormStep {
                key: "s".into(),
                title: "S".into(),
                fields: vec![
                    field(
                        "name",
                        FieldKind::Text,
                        true,
                        Rules {
                            min_length: Some(12),
                            ..Rules::default()
                        },
                    ),
                    field(
                        "born",
                        FieldKind::Date,
                        true,
                        Rules {
                            not_after_today: true,
                            within_days: Some(365),
                            ..Rules::default()
                        },
                    ),
                    field(
                        "open",
                        FieldKind::Date,
                        true,
                        Rules {
                            not_before_today: true,
                            ..Rules::default()
                        },
                    ),
                    field("id", FieldKind::IdNumber, true, Rules::default()),
                    field("credit", FieldKind::CreditCode, true, Rules::default()),
                    field(
                        "ok",
                        FieldKind::Boolean,
                        true,
                        Rules {
                            must_be_true: true,
                            ..Rules::default()
                        },
                    ),
                    enum_field,
                ],
            }],
            prefill: Default::default(),
            prefill_sources: Default::default(),
        };
        let answers = example_answers(&form, today(), 3);
        assert_eq!(check_all(&form, &answers, today()).map(|m| m.len()), Ok(7));
    }
}
