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
    }
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
    let c = Catalog::build(
        "v1".into(),
        deps(),
        vec![bundle(
            "b1",
            vec![
                item("it-a", &["approval"], &[]),
                item("it-b", &["县城管执法局"], &["it-a"]),
            ],
        )],
    )
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
    let err = Catalog::build(
        "v1".into(),
        deps(),
        vec![bundle("b1", vec![item("it-a", &["nobody"], &[])])],
    )
    .expect_err("must fail");
    assert_eq!(err.file, "bundles/b1.toml");
    assert!(err.message.contains("unknown department `nobody`"), "{err}");
}

#[test]
fn rejects_cycles_and_names_them() {
    let err = Catalog::build(
        "v1".into(),
        deps(),
        vec![bundle(
            "b1",
            vec![
                item("it-a", &["approval"], &["it-c"]),
                item("it-b", &["approval"], &["it-a"]),
                item("it-c", &["approval"], &["it-b"]),
            ],
        )],
    )
    .expect_err("cycle");
    assert!(err.message.contains("cycle"), "{err}");
    assert!(err.message.contains("it-a → it-c → it-b → it-a"), "{err}");
}

#[test]
fn rejects_dependency_outside_bundle_and_self_dependency() {
    let err = Catalog::build(
        "v1".into(),
        deps(),
        vec![bundle("b1", vec![item("it-a", &["approval"], &["it-zz"])])],
    )
    .expect_err("outside");
    assert!(err.message.contains("not an item of this bundle"), "{err}");
    let err = Catalog::build(
        "v1".into(),
        deps(),
        vec![bundle("b1", vec![item("it-a", &["approval"], &["it-a"])])],
    )
    .expect_err("self");
    assert!(err.message.contains("depends on itself"), "{err}");
}

#[test]
fn rejects_duplicate_codes_bad_codes_and_a_lead_without_items() {
    let err = Catalog::build(
        "v1".into(),
        deps(),
        vec![
            bundle("b1", vec![item("it-a", &["approval"], &[])]),
            bundle("b2", vec![item("it-a", &["approval"], &[])]),
        ],
    )
    .expect_err("dup item");
    assert!(err.message.contains("already used in bundles/b1.toml"), "{err}");

    let err = Catalog::build(
        "v1".into(),
        deps(),
        vec![bundle("B_1", vec![item("it-a", &["approval"], &[])])],
    )
    .expect_err("bad code");
    assert!(err.message.contains("not a valid code"), "{err}");

    let err = Catalog::build(
        "v1".into(),
        deps(),
        vec![bundle("b1", vec![item("it-a", &["urban-management"], &[])])],
    )
    .expect_err("lead");
    assert!(err.message.contains("handles none"), "{err}");
}

#[test]
fn rejects_a_spelling_shared_by_two_departments() {
    let (f, mut d) = deps();
    d.department[1].aliases.push("县行政审批局".into());
    let err = Catalog::build("v1".into(), (f, d), vec![]).expect_err("dup spelling");
    assert!(err.message.contains("names two departments"), "{err}");
}

#[test]
fn code_rules() {
    assert!(Code::parse("food-business-licence").is_ok());
    for bad in ["", "a", "A", "a_b", "-a", "a-", "a--b", "食品"] {
        assert!(Code::parse(bad).is_err(), "{bad}");
    }
}
