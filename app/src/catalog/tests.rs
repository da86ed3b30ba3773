use super::*;

fn deps() -> (&'static str, DepartmentsFile) {
    let src = |code: &str, name: &str, aliases: &[&str]| DepartmentSource {
        code: code.into(),
        name: name.into(),
        aliases: aliases.iter().map(|s| s.to_string()).collect(),
        kind: DepartmentKind::Government,
        level: Level::County,
    };
    (
        "departments.toml",
        DepartmentsFile {
            department: vec![
                src("approval", "县行政审批局", &[]),
                src("urban-management", "县城市管理执法局", &["县城管执法局"]),
            ],
        },
    )
}

fn item(code: &str, deps: &[&str], depends_on: &[&str]) -> ItemSource {
    ItemSource {
        code: code.into(),
        name: format!("事项 {code}"),
        departments: deps.iter().map(|s| s.to_string()).collect(),
        due_days: 3,
        optional: false,
        depends_on: depends_on.iter().map(|s| s.to_string()).collect(),
        fields: vec![],
        optional_fields: vec![],
        materials: vec![],
        commitable: Default::default(),
        result_certificate: None,
        before: Default::default(),
    }
}

fn fields() -> (String, FieldsFile) {
    let file = FieldsFile {
        section: vec![
            Section {
                key: "applicant".into(),
                title: "申请人".into(),
            },
            Section {
                key: "materials".into(),
                title: "材料".into(),
            },
        ],
        field: vec![
            field("applicant_name", FieldKind::Text, "applicant"),
            field("licence", FieldKind::Material, "materials"),
        ],
    };
    ("fields.toml".into(), file)
}

fn field(key: &str, kind: FieldKind, section: &str) -> FieldDef {
    FieldDef {
        key: key.into(),
        label: key.into(),
        kind,
        section: section.into(),
        pii: PiiClass::None,
        help: String::new(),
        options: vec![],
        rules: Rules::default(),
        prefill: None,
        certificate: None,
    }
}

fn build(bundles: Vec<(String, BundleSource)>) -> Result<Catalog, CatalogError> {
    build_with(deps(), bundles)
}

fn build_with(
    d: (&'static str, DepartmentsFile),
    bundles: Vec<(String, BundleSource)>,
) -> Result<Catalog, CatalogError> {
    Catalog::build(
        "v1".into(),
        Sources {
            departments: (d.0.into(), d.1),
            fields: fields(),
            bundles,
            calendar: vec![],
            policies: no_policies(),
        },
    )
}

fn bundle(code: &str, items: Vec<ItemSource>) -> (String, BundleSource) {
    (
        format!("bundles/{code}.toml"),
        BundleSource {
            code: code.into(),
            name: "测试".into(),
            audience: Audience::Enterprise,
            lead_department: "approval".into(),
            summary: String::new(),
            items,
        },
    )
}

#[test]
fn builds_and_resolves_aliases() {
    let c = build(vec![bundle(
        "b1",
        vec![
            item("it-a", &["approval"], &[]),
            item("it-b", &["县城管执法局"], &["it-a"]),
        ],
    )])
    .expect("valid catalog");
    let b = c.bundle("b1").expect("bundle");
    assert_eq!(b.items[1].departments[0].as_str(), "urban-management");
    assert_eq!(
        c.department_by_spelling("县城管执法局").map(|d| d.code.as_str()),
        Some("urban-management")
    );
    assert_eq!(c.item_count(), 2);
}

#[test]
fn rejects_unknown_department_naming_the_file() {
    let err = build(vec![bundle("b1", vec![item("it-a", &["nobody"], &[])])]).expect_err("must fail");
    assert_eq!(err.file, "bundles/b1.toml");
    assert!(err.message.contains("unknown department `nobody`"), "{err}");
}

#[test]
fn rejects_cycles_and_names_them() {
    let err = build(vec![bundle(
        "b1",
        vec![
            item("it-a", &["approval"], &["it-c"]),
            item("it-b", &["approval"], &["it-a"]),
            item("it-c", &["approval"], &["it-b"]),
        ],
    )])
    .expect_err("cycle");
    assert!(err.message.contains("cycle"), "{err}");
    assert!(err.message.contains("it-a → it-c → it-b → it-a"), "{err}");
}

#[test]
fn rejects_dependency_outside_bundle_and_self_dependency() {
    let err = build(vec![bundle("b1", vec![item("it-a", &["approval"], &["it-zz"])])]).expect_err("outside");
    assert!(err.message.contains("not an item of this bundle"), "{err}");
    let err = build(vec![bundle("b1", vec![item("it-a", &["approval"], &["it-a"])])]).expect_err("self");
    assert!(err.message.contains("depends on itself"), "{err}");
}

#[test]
fn rejects_duplicate_codes_bad_codes_and_a_lead_without_items() {
    let err = build(vec![
        bundle("b1", vec![item("it-a", &["approval"], &[])]),
        bundle("b2", vec![item("it-a", &["approval"], &[])]),
    ])
    .expect_err("dup item");
    assert!(err.message.contains("already used in bundles/b1.toml"), "{err}");

    let err = build(vec![bundle("B_1", vec![item("it-a", &["approval"], &[])])]).expect_err("bad code");
    assert!(err.message.contains("not a valid code"), "{err}");

    let err = build(vec![bundle("b1", vec![item("it-a", &["urban-management"], &[])])]).expect_err("lead");
    assert!(err.message.contains("handles none"), "{err}");
}

#[test]
fn rejects_a_spelling_shared_by_two_departments() {
    let (f, mut d) = deps();
    d.department[1].aliases.push("县行政审批局".into());
    let err = build_with((f, d), vec![]).expect_err("dup spelling");
    assert!(err.message.contains("names two departments"), "{err}");
}

#[test]
fn code_rules() {
    assert!(Code::parse("food-business-licence").is_ok());
    for bad in ["", "a", "A", "a_b", "-a", "a-", "a--b", "食品"] {
        assert!(Code::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn item_fields_must_exist_and_fit_their_list() {
    let mut it = item("it-a", &["approval"], &[]);
    it.fields = vec!["applicant_name".into()];
    it.materials = vec!["licence".into()];
    let c = build(vec![bundle("b1", vec![it.clone()])]).expect("valid");
    assert_eq!(c.bundles[0].items[0].fields.len(), 2);

    let mut bad = it.clone();
    bad.fields.push("nope".into());
    let err = build(vec![bundle("b1", vec![bad])]).expect_err("unknown field");
    assert!(err.message.contains("unknown field `nope`"), "{err}");

    let mut bad = it.clone();
    bad.fields.push("licence".into());
    let err = build(vec![bundle("b1", vec![bad])]).expect_err("material in fields");
    assert!(err.message.contains("cannot be listed in fields"), "{err}");

    let mut bad = it;
    bad.optional_fields.push("applicant_name".into());
    let err = build(vec![bundle("b1", vec![bad])]).expect_err("twice");
    assert!(err.message.contains("twice"), "{err}");
}

#[test]
fn commitable_materials_are_the_items_own_within_60_days() {
    let mut it = item("it-a", &["approval"], &[]);
    it.materials = vec!["licence".into()];
    it.commitable = [("licence".to_owned(), 5)].into();
    let c = build(vec![bundle("b1", vec![it.clone()])]).expect("valid");
    let f = &c.bundles[0].items[0].fields[0];
    assert_eq!((f.key.as_str(), f.commit_days), ("licence", Some(5)));

    let mut bad = it.clone();
    bad.commitable = [("applicant_name".to_owned(), 5)].into();
    let err = build(vec![bundle("b1", vec![bad])]).expect_err("not a material of the item");
    assert!(err.message.contains("not one of its materials"), "{err}");
    for days in [0, 61] {
        let mut bad = it.clone();
        bad.commitable = [("licence".to_owned(), days)].into();
        let err = build(vec![bundle("b1", vec![bad])]).expect_err("days");
        assert!(err.message.contains("1–60 working days"), "{err}");
    }
}

#[test]
fn a_material_may_be_promised_only_if_every_chosen_item_allows_it() {
    let mut a = item("it-a", &["approval"], &[]);
    a.materials = vec!["licence".into()];
    a.commitable = [("licence".to_owned(), 5)].into();
    let mut b = item("it-b", &["approval"], &[]);
    b.materials = vec!["licence".into()];
    b.commitable = [("licence".to_owned(), 3)].into();
    b.optional = true;
    let mut c = item("it-c", &["approval"], &[]);
    c.materials = vec!["licence".into()];
    c.optional = true;
    let cat = build(vec![bundle("b1", vec![a, b, c])]).expect("valid");
    let days = |chosen: &[&str]| {
        let chosen: Vec<String> = chosen.iter().map(|s| s.to_string()).collect();
        let form = crate::catalog::merge::merge(&cat, &cat.bundles[0], Some(&chosen)).expect("form");
        let f = form.field("licence").expect("licence").clone();
        (f.commit_days, f.options.unwrap_or_default().len())
    };
    assert_eq!(days(&["it-a"]), (Some(5), 1), "one promise option");
    assert_eq!(days(&["it-a", "it-b"]), (Some(3), 1), "the shortest time");
    assert_eq!(
        days(&["it-a", "it-b", "it-c"]),
        (None, 0),
        "it-c needs the document"
    );
}

#[test]
fn the_dictionary_is_checked() {
    let (f, mut file) = fields();
    file.field
        .push(field("applicant_name", FieldKind::Text, "applicant"));
    let err = Catalog::build(
        "v1".into(),
        Sources {
            departments: (deps().0.into(), deps().1),
            fields: (f.clone(), file),
            bundles: vec![],
            calendar: vec![],
            policies: no_policies(),
        },
    )
    .expect_err("duplicate");
    assert!(err.message.contains("defined twice"), "{err}");

    let (_, mut file) = fields();
    file.field.push(field("gender", FieldKind::Enum, "applicant"));
    let err = Catalog::build(
        "v1".into(),
        Sources {
            departments: (deps().0.into(), deps().1),
            fields: (f.clone(), file),
            bundles: vec![],
            calendar: vec![],
            policies: no_policies(),
        },
    )
    .expect_err("enum without options");
    assert!(err.message.contains("at least two options"), "{err}");

    let (_, mut file) = fields();
    let mut d = field("born", FieldKind::Text, "applicant");
    d.rules.not_after_today = true;
    file.field.push(d);
    let err = Catalog::build(
        "v1".into(),
        Sources {
            departments: (deps().0.into(), deps().1),
            fields: (f, file),
            bundles: vec![],
            calendar: vec![],
            policies: no_policies(),
        },
    )
    .expect_err("date rule on text");
    assert!(err.message.contains("date rules"), "{err}");
}

fn no_policies() -> (String, policy::PoliciesFile) {
    ("policies.toml".into(), policy::PoliciesFile { policy: vec![] })
}
