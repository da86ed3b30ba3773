//! Answers as people read them: option labels, 是/否, material states, and
//! the answers a set of items uses. A leaf over the catalog.

use app::api::FieldValue;
use app::catalog::{Bundle, Catalog, FieldKind, MaterialAnswer};
use serde_json::{Map, Value};

/// An answer for people: option labels, 是/否, the text itself.
pub fn display(catalog: &Catalog, key: &str, v: Option<&Value>) -> String {
    let Some(v) = v.filter(|v| !app::catalog::values::is_empty(Some(v))) else {
        return "未填写".into();
    };
    let def = catalog.field(key);
    match (def.map(|d| d.kind), v) {
        (Some(FieldKind::Boolean), Value::Bool(b)) => if *b { "是" } else { "否" }.into(),
        (Some(FieldKind::Material), v) => match MaterialAnswer::of(v) {
            Some(MaterialAnswer::Files) => {
                format!(
                    "{}（{} 个文件）",
                    MaterialAnswer::Files.recorded(),
                    MaterialAnswer::files(v).len()
                )
            }
            Some(a) => a.recorded().into(),
            None => v.as_str().map_or_else(|| v.to_string(), ToOwned::to_owned),
        },
        (Some(FieldKind::Enum), Value::String(s)) => def
            .and_then(|d| d.options.iter().find(|o| &o.value == s))
            .map_or_else(|| s.clone(), |o| o.label.clone()),
        (_, Value::String(s)) => s.clone(),
        (_, other) => other.to_string(),
    }
}

/// The answers `items` of `bundle` use.
pub fn fields_for(
    catalog: &Catalog,
    bundle: Option<&Bundle>,
    items: &[&str],
    data: &Map<String, Value>,
) -> (Vec<FieldValue>, Vec<FieldValue>) {
    let mut keys: Vec<&str> = Vec::new();
    for code in items {
        if let Some(i) = bundle.and_then(|b| b.item(code)) {
            for f in &i.fields {
                if !keys.contains(&f.key.as_str()) {
                    keys.push(f.key.as_str());
                }
            }
        }
    }
    // Dictionary order, like the form.
    let mut fields = Vec::new();
    let mut materials = Vec::new();
    for def in catalog.fields.iter().filter(|d| keys.contains(&d.key.as_str())) {
        let v = FieldValue {
            key: def.key.clone(),
            label: def.label.clone(),
            kind: def.kind,
            value: data.get(&def.key).cloned(),
            display: display(catalog, &def.key, data.get(&def.key)),
        };
        if def.kind == FieldKind::Material {
            materials.push(v)
        } else {
            fields.push(v)
        }
    }
    (fields, materials)
}

/// One entry of `work_item.corrections`: what a return asks to correct.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Asked {
    pub key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The stored corrections of a work item, as the applicant reads them.
pub fn corrections(catalog: &Catalog, stored: Option<&str>) -> Vec<app::api::Correction> {
    let asked: Vec<Asked> = stored
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or_default();
    asked
        .into_iter()
        .filter_map(|a| {
            let def = catalog.field(&a.key)?;
            Some(app::api::Correction {
                key: a.key,
                label: def.label.clone(),
                kind: def.kind,
                reason: a.reason,
            })
        })
        .collect()
}
