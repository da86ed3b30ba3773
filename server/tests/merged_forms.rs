//! Snapshots of the merged form of every bundle (all items chosen), so any
//! change to the catalog's forms shows up in review as a diff of
//! `tests/snapshots/`. Update with `INSTA_UPDATE=always cargo test --test merged_forms`
//! (or `cargo insta review`) after checking the change is intended.

use app::catalog::merge::merge;
use app::catalog::values::{check_all, example_answers};

fn catalog() -> app::catalog::Catalog {
    server::catalog_loader::load(&server::config::default_catalog_dir()).expect("catalog")
}

#[test]
fn merged_form_of_every_bundle() {
    let c = catalog();
    for b in &c.bundles {
        let form = merge(&c, b, None).expect("merge");
        insta::assert_json_snapshot!(b.code.as_str(), form, { ".catalog_version" => "[version]" });
    }
}

/// Every bundle, with every item and with only its required items, can be
/// filled in: no field's rules contradict each other.
#[test]
fn every_merged_form_can_be_satisfied() {
    let c = catalog();
    let today = app::domain::Date::today_china();
    for b in &c.bundles {
        for chosen in [
            None,
            Some(vec![
                b.items
                    .iter()
                    .find(|i| i.optional)
                    .map(|i| i.code.to_string())
                    .unwrap_or_default(),
            ]),
        ] {
            let chosen = chosen.map(|v| v.into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>());
            let Ok(form) = merge(&c, b, chosen.as_deref()) else {
                continue;
            };
            let answers = example_answers(&form, today, 1);
            if let Err(e) = check_all(&form, &answers, today) {
                panic!("{}: {e:?}", b.code);
            }
            // Each field once, each used by at least one chosen item.
            let keys: Vec<&str> = form.fields().map(|f| f.key.as_str()).collect();
            let unique: std::collections::HashSet<&&str> = keys.iter().collect();
            assert_eq!(unique.len(), keys.len(), "{}", b.code);
            assert!(form.fields().all(|f| !f.used_by.is_empty()), "{}", b.code);
        }
    }
}

/// Shared facts are asked once: in 开办餐饮店 the credit code serves two
/// items and the premises address three.
#[test]
fn shared_fields_are_merged() {
    let c = catalog();
    let form = merge(&c, c.bundle("restaurant").expect("bundle"), None).expect("merge");
    let used = |k: &str| form.field(k).map(|f| f.used_by.len()).unwrap_or(0);
    assert_eq!(used("credit_code"), 2);
    assert_eq!(used("premises_address"), 3);
    assert_eq!(used("declaration_truthful"), 4);
    assert_eq!(form.steps.last().map(|s| s.key.as_str()), Some("declaration"));
}
