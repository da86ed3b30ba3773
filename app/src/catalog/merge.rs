//! The merge algorithm (多表合一): from a bundle and the chosen items, one
//! form in which every field is asked once, in the steps of the dictionary,
//! required when any chosen item requires it. Pure: runs on the server for
//! the form API and for re-validating a submission, and in the browser.

use std::collections::BTreeMap;

use super::fields::material_options;
use super::form::{FormDto, FormField, FormItem, FormStep};
use super::{Bundle, Catalog, FieldKind, Item};
use crate::domain::FieldError;

/// The items of `bundle` an applicant chose. Required items are always in;
/// `None` chooses every item. Unknown codes and an empty choice are errors.
pub fn chosen_items<'a>(
    bundle: &'a Bundle,
    chosen: Option<&[String]>,
) -> Result<Vec<&'a Item>, Vec<FieldError>> {
    let Some(chosen) = chosen else {
        return Ok(bundle.items.iter().collect());
    };
    let unknown: Vec<FieldError> = chosen
        .iter()
        .filter(|c| bundle.item(c).is_none())
        .map(|c| {
            FieldError::new(
                "items",
                "unknown_item",
                format!("“{}”没有这个事项：{c}", bundle.name),
            )
        })
        .collect();
    if !unknown.is_empty() {
        return Err(unknown);
    }
    let items: Vec<&Item> = bundle
        .items
        .iter()
        .filter(|i| !i.optional || chosen.iter().any(|c| c == i.code.as_str()))
        .collect();
    if items.is_empty() {
        return Err(vec![FieldError::new(
            "items",
            "no_items",
            "请至少选择一个要办理的事项",
        )]);
    }
    Ok(items)
}

/// Builds the merged form of `bundle` for the chosen items.
pub fn merge(
    catalog: &Catalog,
    bundle: &Bundle,
    chosen: Option<&[String]>,
) -> Result<FormDto, Vec<FieldError>> {
    let items = chosen_items(bundle, chosen)?;
    // key → (required, used_by)
    let mut used: BTreeMap<&str, (bool, Vec<String>)> = BTreeMap::new();
    // key → (required by any item, items using it, working days to supplement
    // when every item using it accepts a promise).
    let mut commit: BTreeMap<&str, Option<u16>> = BTreeMap::new();
    for item in &items {
        for f in &item.fields {
            let e = used.entry(f.key.as_str()).or_insert((false, Vec::new()));
            e.0 |= f.required;
            e.1.push(item.code.to_string());
            let c = commit.entry(f.key.as_str()).or_insert(f.commit_days);
            *c = c.zip(f.commit_days).map(|(a, b)| a.min(b));
        }
    }
    let steps = catalog
        .sections
        .iter()
        .filter_map(|section| {
            let fields: Vec<FormField> = catalog
                .fields
                .iter()
                .filter(|f| f.section == section.key)
                .filter_map(|f| {
                    let (required, used_by) = used.get(f.key.as_str())?;
                    Some(FormField {
                        key: f.key.clone(),
                        label: f.label.clone(),
                        kind: f.kind,
                        required: *required,
                        options: match f.kind {
                            FieldKind::Enum => Some(f.options.clone()),
                            FieldKind::Material => {
                                Some(material_options(commit.get(f.key.as_str()).copied().flatten()))
                            }
                            _ => None,
                        },
                        used_by: used_by.clone(),
                        help: f.help.clone(),
                        pii: f.pii,
                        rules: f.rules.clone(),
                        certificate: None,
                        commit_days: match f.kind {
                            FieldKind::Material => commit.get(f.key.as_str()).copied().flatten(),
                            _ => None,
                        },
                    })
                })
                .collect();
            (!fields.is_empty()).then(|| FormStep {
                key: section.key.clone(),
                title: section.title.clone(),
                fields,
            })
        })
        .collect();
    Ok(FormDto {
        bundle: bundle.code.to_string(),
        catalog_version: catalog.version.clone(),
        items: bundle
            .items
            .iter()
            .map(|i| FormItem {
                code: i.code.to_string(),
                name: i.name.clone(),
                optional: i.optional,
                selected: items.iter().any(|c| c.code == i.code),
                departments: i.departments.iter().map(ToString::to_string).collect(),
                due_days: i.due_days,
            })
            .collect(),
        steps,
        prefill: BTreeMap::new(),
        prefill_sources: BTreeMap::new(),
    })
}
