//! The catalog (事项目录): departments, bundles (一件事) and their items (具体事项).
//!
//! This module owns the catalog's *model* and its *validation*. The data lives
//! in TOML files that the server reads at start-up (see `server/catalog/`);
//! the server parses them into the `*Source` types and calls
//! [`Catalog::build`], which checks every cross-reference and returns the
//! indexed, immutable catalog or the first error with the file it came from.
//! [`merge`] turns a bundle into the merged [`form`], and [`values`] checks
//! answers against it.
//!
//! Depends only on [`crate::domain`]; the API's wire types are built from
//! these, never the other way round.

pub mod fields;
pub mod form;
pub mod merge;
pub mod policy;
mod source;
pub mod values;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

use serde::{Deserialize, Serialize};

pub use fields::FieldSource;
pub use fields::{
    EnumOption, FieldDef, FieldKind, FieldsFile, MaterialAnswer, PiiClass, Prefill, Rules, Section,
    commitment_text,
};
pub use source::{BundleSource, CatalogMeta, DepartmentSource, DepartmentsFile, ItemSource};

/// Who files a bundle: a person for themselves, or someone acting for an enterprise.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Audience {
    Citizen,
    Enterprise,
}

/// Government bodies versus public-utility companies (供电/供气/供水/通信).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum DepartmentKind {
    Government,
    Utility,
}

/// Administrative level: most departments are county-level; a few (e.g.
/// 人民银行宝鸡市分行) act with city-level powers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Level {
    County,
    City,
}

/// A stable ASCII identifier of a department, bundle or item: lowercase
/// letters, digits and single hyphens, 2–64 characters. Codes are part of the
/// public API, so they are checked when the catalog loads.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Code(String);

impl Code {
    /// Parses a code, explaining what is wrong with it.
    pub fn parse(s: &str) -> Result<Self, String> {
        let ok_len = (2..=64).contains(&s.len());
        let ok_chars = s
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        let ok_hyphens = !s.starts_with('-') && !s.ends_with('-') && !s.contains("--");
        if ok_len && ok_chars && ok_hyphens {
            Ok(Self(s.to_owned()))
        } else {
            Err(format!(
                "`{s}` is not a valid code (2–64 of a-z, 0-9 and single inner hyphens)"
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Code {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s)
    }
}

impl From<Code> for String {
    fn from(c: Code) -> String {
        c.0
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::borrow::Borrow<str> for Code {
    fn borrow(&self) -> &str {
        &self.0
    }
}

/// A department (责任部门).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Department {
    pub code: Code,
    pub name: String,
    pub aliases: Vec<String>,
    pub kind: DepartmentKind,
    pub level: Level,
}

/// One department service inside a bundle (具体事项).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub code: Code,
    pub name: String,
    /// Responsible departments; each gets its own work item on submission.
    pub departments: Vec<Code>,
    /// Time limit (办结时限) in working days (工作日).
    pub due_days: u16,
    /// Whether the applicant may leave this item out of the bundle.
    pub optional: bool,
    /// Items of the same bundle that must be completed first (串联).
    pub depends_on: Vec<Code>,
    /// The fields (and `material` fields) the item uses.
    pub fields: Vec<ItemField>,
    /// The e-certificate completing this item issues, if any.
    pub result_certificate: Option<ResultCertificate>,
    /// 四减一优: what doing this item on its own took.
    pub before: Before,
}

/// A number of the 四减一优 "before", and where it comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Sourced {
    pub value: u16,
    /// The law, guide or survey the number comes from; for a number the
    /// catalog derives, the rule that derived it.
    pub source: String,
    /// Derived by a rule (a lower bound), not taken from a source.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub derived: bool,
}

/// 四减一优 "before": the item applied for on its own, at a counter,
/// outside the bundle. The promised time limit (承诺时限) is `due_days`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Before {
    /// 法定时限 in working days, where a law or regulation sets one.
    pub legal_days: Option<Sourced>,
    /// Steps (环节) the applicant goes through: by default one application.
    pub steps: Sourced,
    /// Materials handed in: by default the item's own materials.
    pub materials: Sourced,
    /// Trips to a counter: by default one (a lower bound).
    pub trips: Sourced,
}

impl Before {
    pub const STEPS_RULE: &'static str = "按规则：逐项办理时每个事项单独申请一次";
    pub const MATERIALS_RULE: &'static str = "按本目录：该事项自身的申请材料，逐项办理时各交一份";
    pub const TRIPS_RULE: &'static str = "按规则：逐项到窗口办理至少跑一次（下限）";

    fn resolve(src: source::BeforeSource, materials: usize) -> Result<Self, String> {
        let derived = |value: usize, rule: &str| Sourced {
            value: u16::try_from(value).unwrap_or(u16::MAX),
            source: rule.to_owned(),
            derived: true,
        };
        for (name, s) in [
            ("legal_days", &src.legal_days),
            ("steps", &src.steps),
            ("materials", &src.materials),
            ("trips", &src.trips),
        ] {
            if let Some(s) = s {
                if s.source.trim().is_empty() {
                    return Err(format!("before.{name} has no source"));
                }
                if s.derived {
                    return Err(format!("before.{name}: a number from a source is not `derived`"));
                }
                if s.value == 0 && name != "materials" {
                    return Err(format!("before.{name} must be at least 1"));
                }
            }
        }
        Ok(Self {
            legal_days: src.legal_days,
            steps: src.steps.unwrap_or_else(|| derived(1, Self::STEPS_RULE)),
            materials: src
                .materials
                .unwrap_or_else(|| derived(materials, Self::MATERIALS_RULE)),
            trips: src.trips.unwrap_or_else(|| derived(1, Self::TRIPS_RULE)),
        })
    }
}

/// An e-certificate (电子证照) an item issues when completed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ResultCertificate {
    /// Stable code of the certificate kind, e.g. `food-business-licence`.
    pub kind: String,
    /// 证照名称, e.g. 食品经营许可证.
    pub name: String,
    /// Validity in years; none: no expiry.
    #[serde(default)]
    pub valid_years: Option<u16>,
}

/// A field an item uses, and whether the item requires it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemField {
    pub key: String,
    pub required: bool,
    /// A material the item accepts as a promise (告知承诺): the working days
    /// the applicant has to supplement it. `None`: it must be handed in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit_days: Option<u16>,
}

/// A life or business event served by one merged form (一件事).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bundle {
    pub code: Code,
    pub name: String,
    pub audience: Audience,
    /// The ★ lead department (牵头部门), which sees every item of the bundle.
    pub lead_department: Code,
    pub summary: String,
    pub items: Vec<Item>,
}

impl Bundle {
    pub fn item(&self, code: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.code.as_str() == code)
    }

    /// Every department involved in the bundle, lead first, each once.
    pub fn departments(&self) -> Vec<&Code> {
        let mut out = vec![&self.lead_department];
        for d in self.items.iter().flat_map(|i| &i.departments) {
            if !out.contains(&d) {
                out.push(d);
            }
        }
        out
    }
}

/// A validation failure of the catalog, naming the file it was found in.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {message}")]
pub struct CatalogError {
    pub file: String,
    pub message: String,
}

impl CatalogError {
    fn new(file: &str, message: impl Into<String>) -> Self {
        Self {
            file: file.to_owned(),
            message: message.into(),
        }
    }
}

/// The validated catalog, immutable but for its working-day calendar,
/// which admins extend at run time. Cheap lookups by code.
#[derive(Clone, Debug)]
pub struct Catalog {
    /// Recorded on every submission; changes whenever any catalog file changes.
    pub version: String,
    /// The county served (`catalog.toml` `county`), e.g. 眉县; may be empty.
    pub county: String,
    pub departments: Vec<Department>,
    pub bundles: Vec<Bundle>,
    /// Steps of merged forms, in order.
    pub sections: Vec<Section>,
    /// The field dictionary, in order (the order of fields within a step).
    pub fields: Vec<FieldDef>,
    /// Working days, for due dates: the files, and the years entered at run
    /// time (a shared handle, see [`crate::domain::calendar::Calendar`]).
    pub calendar: crate::domain::calendar::Calendar,
    /// 免申即享 policies.
    pub policies: Vec<policy::Policy>,
    /// One single-item bundle per policy: confirming an offer files it, so
    /// its department handles it in the same workbench.
    pub policy_bundles: Vec<Bundle>,
    /// Deadlines of 12345 / 办不成事 / 差评 cases (`cases.toml`).
    pub cases: crate::feedback::CaseRules,
    department_index: HashMap<String, usize>,
    bundle_index: HashMap<String, usize>,
    field_index: HashMap<String, usize>,
}

/// The parsed files, each with the path it was read from.
#[derive(Clone, Debug)]
pub struct Sources {
    pub departments: (String, DepartmentsFile),
    pub fields: (String, FieldsFile),
    pub bundles: Vec<(String, BundleSource)>,
    /// `calendar/<year>.toml` files.
    pub calendar: Vec<(String, crate::domain::calendar::YearSource)>,
    /// `policies.toml`.
    pub policies: (String, policy::PoliciesFile),
}

impl Catalog {
    /// Validates parsed catalog files and indexes them.
    ///
    /// `departments` and every bundle come with the path of the file they were
    /// read from, so an error can say where to look. Bundles keep the order
    /// given. Department references may use a code, the name or an alias.
    /// The steps run in this order, so the first error reported is always
    /// the same for the same files.
    pub fn build(version: String, sources: Sources) -> Result<Self, CatalogError> {
        let Sources {
            departments: (dep_file, dep_src),
            fields: (fields_file, fields_src),
            bundles,
            calendar,
            policies: (policies_file, policies_src),
        } = sources;
        let calendar = crate::domain::calendar::Calendar::new(check_calendar(calendar)?);
        let (sections, fields, field_index) = check_fields(&fields_file, fields_src)?;
        let departments = check_departments(&dep_file, dep_src)?;
        let dictionary = Dictionary {
            fields: &fields,
            index: &field_index,
        };
        let bundles = check_bundles(bundles, &departments, &dictionary)?;
        let (policies, policy_bundles) =
            check_policies(&policies_file, policies_src, &departments, &bundles, &fields)?;
        Ok(Self {
            version,
            county: String::new(),
            policies,
            policy_bundles,
            departments: departments.list,
            bundles: bundles.list,
            sections,
            fields,
            calendar,
            cases: crate::feedback::CaseRules::default(),
            department_index: departments.index,
            bundle_index: bundles.index,
            field_index,
        })
    }

    /// Replaces the case deadlines, checking that the county office is a
    /// department of the catalog.
    pub fn with_case_rules(
        mut self,
        file: &str,
        rules: crate::feedback::CaseRules,
    ) -> Result<Self, CatalogError> {
        if self.department(&rules.county_office).is_none() {
            return Err(CatalogError::new(
                file,
                format!("county_office: unknown department {:?}", rules.county_office),
            ));
        }
        let mut seen = std::collections::HashSet::new();
        if let Some(dup) = rules.kinds.iter().find(|k| !seen.insert(k.kind)) {
            return Err(CatalogError::new(
                file,
                format!("kind {} is listed twice", dup.kind),
            ));
        }
        if let Some(k) = rules
            .kinds
            .iter()
            .find(|k| k.contact_days > k.answer_days || k.answer_days > 60)
        {
            return Err(CatalogError::new(
                file,
                format!("kind {}: need contact_days <= answer_days <= 60", k.kind),
            ));
        }
        self.cases = rules;
        Ok(self)
    }

    pub fn field(&self, key: &str) -> Option<&FieldDef> {
        self.field_index.get(key).map(|&i| &self.fields[i])
    }

    pub fn department(&self, code: &str) -> Option<&Department> {
        self.department_index.get(code).map(|&i| &self.departments[i])
    }

    /// A bundle (一件事) of the catalog — what the public API offers.
    pub fn event_bundle(&self, code: &str) -> Option<&Bundle> {
        self.bundle_index.get(code).map(|&i| &self.bundles[i])
    }

    /// A bundle or a policy's single-item bundle: what submissions are of.
    pub fn bundle(&self, code: &str) -> Option<&Bundle> {
        self.event_bundle(code)
            .or_else(|| self.policy_bundles.iter().find(|b| b.code.as_str() == code))
    }

    pub fn policy(&self, code: &str) -> Option<&policy::Policy> {
        self.policies.iter().find(|p| p.code == code)
    }

    /// Resolves a department by code, name or alias (e.g. 县城管执法局).
    pub fn department_by_spelling(&self, s: &str) -> Option<&Department> {
        self.department(s).or_else(|| {
            self.departments
                .iter()
                .find(|d| d.name == s || d.aliases.iter().any(|a| a == s))
        })
    }

    /// Item count over all bundles.
    pub fn item_count(&self) -> usize {
        self.bundles.iter().map(|b| b.items.len()).sum()
    }
}

/// Each calendar file must hold the year it is named after; the years
/// together make the working-day calendar.
fn check_calendar(
    calendar: Vec<(String, crate::domain::calendar::YearSource)>,
) -> Result<crate::domain::calendar::WorkCalendar, CatalogError> {
    for (file, y) in &calendar {
        if !file.ends_with(&format!("{}.toml", y.year)) {
            return Err(CatalogError::new(
                file,
                format!("holds year {}; name the file {}.toml", y.year, y.year),
            ));
        }
    }
    let files: Vec<(i32, String)> = calendar.iter().map(|(f, y)| (y.year, f.clone())).collect();
    crate::domain::calendar::WorkCalendar::build(calendar.into_iter().map(|(_, y)| y).collect()).map_err(
        |(year, m)| {
            let file = files
                .iter()
                .find(|(y, _)| *y == year)
                .map_or("calendar/", |(_, f)| f.as_str());
            CatalogError::new(file, m)
        },
    )
}

/// The checked departments and every way of naming them.
struct Departments {
    list: Vec<Department>,
    /// Every spelling (code, name, alias) → index into `list`.
    spelling: HashMap<String, usize>,
    /// Code → index into `list`.
    index: HashMap<String, usize>,
}

impl Departments {
    /// The department a reference names, by code, name or alias.
    fn resolve(&self, file: &str, what: &str, s: &str) -> Result<Code, CatalogError> {
        self.spelling
            .get(s)
            .map(|&i| self.list[i].code.clone())
            .ok_or_else(|| CatalogError::new(file, format!("{what}: unknown department `{s}`")))
    }
}

/// Codes, names and aliases must each name one department.
fn check_departments(file: &str, src: DepartmentsFile) -> Result<Departments, CatalogError> {
    let mut list = Vec::with_capacity(src.department.len());
    let mut spelling: HashMap<String, usize> = HashMap::new();
    let mut index = HashMap::new();
    for (i, d) in src.department.into_iter().enumerate() {
        let code = Code::parse(&d.code).map_err(|m| CatalogError::new(file, m))?;
        if d.name.trim().is_empty() {
            return Err(CatalogError::new(
                file,
                format!("department `{code}` has no name"),
            ));
        }
        for s in std::iter::once(d.code.as_str())
            .chain(std::iter::once(d.name.as_str()))
            .chain(d.aliases.iter().map(String::as_str))
        {
            if let Some(&j) = spelling.get(s)
                && j != i
            {
                return Err(CatalogError::new(
                    file,
                    format!(
                        "`{s}` names two departments (`{}` and `{code}`)",
                        deps_code(&list, j)
                    ),
                ));
            }
            spelling.insert(s.to_owned(), i);
        }
        index.insert(code.0.clone(), i);
        list.push(Department {
            code,
            name: d.name,
            aliases: d.aliases,
            kind: d.kind,
            level: d.level,
        });
    }
    if list.is_empty() {
        return Err(CatalogError::new(file, "no departments"));
    }
    Ok(Departments {
        list,
        spelling,
        index,
    })
}

/// The field dictionary, for resolving the fields items list.
struct Dictionary<'a> {
    fields: &'a [FieldDef],
    index: &'a HashMap<String, usize>,
}

/// The checked bundles, in the order given.
struct Bundles {
    list: Vec<Bundle>,
    /// Code → index into `list`.
    index: HashMap<String, usize>,
    /// Item code → the file that defines it (item codes are unique across bundles).
    item_codes: HashMap<String, String>,
}

fn check_bundles(
    sources: Vec<(String, BundleSource)>,
    departments: &Departments,
    dictionary: &Dictionary<'_>,
) -> Result<Bundles, CatalogError> {
    let mut out = Bundles {
        list: Vec::with_capacity(sources.len()),
        index: HashMap::new(),
        item_codes: HashMap::new(),
    };
    for (file, b) in sources {
        let bundle = check_bundle(&file, b, departments, dictionary, &out)?;
        for i in &bundle.items {
            out.item_codes.insert(i.code.0.clone(), file.clone());
        }
        out.index.insert(bundle.code.0.clone(), out.list.len());
        out.list.push(bundle);
    }
    Ok(out)
}

/// One bundle file: its code unique, a lead department that handles one
/// of its items, items whose codes are new and whose dependencies hold.
fn check_bundle(
    file: &str,
    b: BundleSource,
    departments: &Departments,
    dictionary: &Dictionary<'_>,
    earlier: &Bundles,
) -> Result<Bundle, CatalogError> {
    let code = Code::parse(&b.code).map_err(|m| CatalogError::new(file, m))?;
    if earlier.index.contains_key(code.as_str()) {
        return Err(CatalogError::new(
            file,
            format!("bundle code `{code}` is used twice"),
        ));
    }
    if b.name.trim().is_empty() {
        return Err(CatalogError::new(file, "bundle has no name"));
    }
    if b.items.is_empty() {
        return Err(CatalogError::new(file, format!("bundle `{code}` has no items")));
    }
    let lead = departments.resolve(file, "lead_department", &b.lead_department)?;
    let mut items: Vec<Item> = Vec::with_capacity(b.items.len());
    for it in b.items {
        // Item codes are unique across the catalog, this bundle included.
        let defined_in = |c: &str| {
            earlier.item_codes.get(c).cloned().or_else(|| {
                items
                    .iter()
                    .any(|i| i.code.as_str() == c)
                    .then(|| file.to_owned())
            })
        };
        let item = check_item(file, it, departments, dictionary, defined_in)?;
        items.push(item);
    }
    if !items.iter().any(|i| i.departments.contains(&lead)) {
        return Err(CatalogError::new(
            file,
            format!("lead department `{lead}` handles none of the bundle's items"),
        ));
    }
    check_dependencies(file, &items)?;
    Ok(Bundle {
        code,
        name: b.name,
        audience: b.audience,
        lead_department: lead,
        summary: b.summary,
        items,
    })
}

/// One item: a new code (`defined_in` says where a code is already used),
/// a name, departments (each once), a time limit, dependencies that are
/// codes, known fields, and a well-formed result certificate.
fn check_item(
    file: &str,
    mut it: ItemSource,
    departments: &Departments,
    dictionary: &Dictionary<'_>,
    defined_in: impl Fn(&str) -> Option<String>,
) -> Result<Item, CatalogError> {
    let icode = Code::parse(&it.code).map_err(|m| CatalogError::new(file, m))?;
    if let Some(other) = defined_in(icode.as_str()) {
        return Err(CatalogError::new(
            file,
            format!("item code `{icode}` is already used in {other}"),
        ));
    }
    if it.name.trim().is_empty() {
        return Err(CatalogError::new(file, format!("item `{icode}` has no name")));
    }
    if it.departments.is_empty() {
        return Err(CatalogError::new(
            file,
            format!("item `{icode}` has no department"),
        ));
    }
    if it.due_days == 0 {
        return Err(CatalogError::new(
            file,
            format!("item `{icode}`: due_days must be at least 1 working day"),
        ));
    }
    let mut item_departments = Vec::with_capacity(it.departments.len());
    for d in &it.departments {
        let c = departments.resolve(file, &format!("item `{icode}`"), d)?;
        if item_departments.contains(&c) {
            return Err(CatalogError::new(
                file,
                format!("item `{icode}` lists `{c}` twice"),
            ));
        }
        item_departments.push(c);
    }
    let depends_on = it
        .depends_on
        .iter()
        .map(|d| {
            Code::parse(d).map_err(|m| CatalogError::new(file, format!("item `{icode}` depends_on: {m}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let fields = item_fields(file, &icode, &it, dictionary.fields, dictionary.index)?;
    let before = Before::resolve(std::mem::take(&mut it.before), it.materials.len())
        .map_err(|m| CatalogError::new(file, format!("item `{icode}`: {m}")))?;
    if let Some(c) = &it.result_certificate {
        Code::parse(&c.kind)
            .map_err(|m| CatalogError::new(file, format!("item `{icode}` result_certificate: {m}")))?;
        if c.name.trim().is_empty() {
            return Err(CatalogError::new(
                file,
                format!("item `{icode}`: result_certificate has no name"),
            ));
        }
    }
    Ok(Item {
        code: icode,
        name: it.name,
        departments: item_departments,
        due_days: it.due_days,
        optional: it.optional,
        depends_on,
        fields,
        result_certificate: it.result_certificate,
        before,
    })
}

type CheckedFields = (Vec<Section>, Vec<FieldDef>, HashMap<String, usize>);

/// Checks the policies against the rest of the catalog and builds their
/// single-item bundles.
fn check_policies(
    file: &str,
    src: policy::PoliciesFile,
    departments: &Departments,
    bundles: &Bundles,
    fields: &[FieldDef],
) -> Result<(Vec<policy::Policy>, Vec<Bundle>), CatalogError> {
    let item_codes = &bundles.item_codes;
    let bundles = bundles.list.as_slice();
    let err = |m: String| CatalogError::new(file, m);
    let issued: HashSet<&str> = bundles
        .iter()
        .flat_map(|b| &b.items)
        .filter_map(|i| i.result_certificate.as_ref().map(|c| c.kind.as_str()))
        .chain(std::iter::once(PLATFORM_CERTIFICATE))
        .collect();
    let mut out = Vec::new();
    let mut out_bundles = Vec::new();
    let mut codes = HashSet::new();
    for mut p in src.policy {
        let code = Code::parse(&p.code).map_err(|m| err(format!("policy: {m}")))?;
        if !codes.insert(p.code.clone())
            || bundles.iter().any(|b| b.code == code)
            || item_codes.contains_key(code.as_str())
        {
            return Err(err(format!("policy code `{code}` is already used")));
        }
        p.check().map_err(err)?;
        let dept = departments.resolve(file, &format!("policy `{code}`"), &p.department)?;
        p.department = dept.to_string();
        for c in &p.all {
            if let Some(k) = &c.certificate
                && !issued.contains(k.as_str())
            {
                return Err(err(format!("policy `{code}`: no item issues certificate `{k}`")));
            }
            if let Some(b) = &c.completed_bundle
                && !bundles.iter().any(|x| x.code.as_str() == b)
            {
                return Err(err(format!("policy `{code}`: unknown bundle `{b}`")));
            }
            if let Some(f) = &c.fact
                && !fields.iter().any(|d| &d.key == f)
                && !policy::DERIVED_FACTS.contains(&f.as_str())
            {
                return Err(err(format!("policy `{code}`: unknown fact `{f}`")));
            }
        }
        out_bundles.push(Bundle {
            code: code.clone(),
            name: p.name.clone(),
            audience: p.audience,
            lead_department: dept.clone(),
            summary: p.benefit.clone(),
            items: vec![Item {
                code,
                name: p.name.clone(),
                departments: vec![dept],
                due_days: p.due_days,
                optional: false,
                depends_on: Vec::new(),
                fields: Vec::new(),
                result_certificate: None,
                before: Before::resolve(source::BeforeSource::default(), 0).map_err(err)?,
            }],
        });
        out.push(p);
    }
    Ok((out, out_bundles))
}

/// The e-certificate the platform itself records when an enterprise
/// registers: its business licence (电子营业执照), numbered by its credit code.
pub const PLATFORM_CERTIFICATE: &str = "business-licence";

/// Checks the field dictionary: keys, sections, kinds against options and
/// rules, prefill sources against kinds.
fn check_fields(file: &str, src: FieldsFile) -> Result<CheckedFields, CatalogError> {
    let err = |m: String| CatalogError::new(file, m);
    let mut section_keys = HashSet::new();
    for s in &src.section {
        if !fields::is_field_key(&s.key) || !section_keys.insert(s.key.as_str()) {
            return Err(err(format!("section `{}` is not a valid or unique key", s.key)));
        }
        if s.title.trim().is_empty() {
            return Err(err(format!("section `{}` has no title", s.key)));
        }
    }
    let mut index = HashMap::new();
    for (i, f) in src.field.iter().enumerate() {
        let k = &f.key;
        if !fields::is_field_key(k) {
            return Err(err(format!("field key `{k}` must be snake_case (a-z, 0-9, _)")));
        }
        if index.insert(k.clone(), i).is_some() {
            return Err(err(format!("field `{k}` is defined twice")));
        }
        if f.label.trim().is_empty() {
            return Err(err(format!("field `{k}` has no label")));
        }
        if !section_keys.contains(f.section.as_str()) {
            return Err(err(format!("field `{k}`: unknown section `{}`", f.section)));
        }
        match f.kind {
            FieldKind::Enum => {
                let mut values = HashSet::new();
                if f.options.len() < 2 || !f.options.iter().all(|o| values.insert(o.value.as_str())) {
                    return Err(err(format!(
                        "enum field `{k}` needs at least two options with distinct values"
                    )));
                }
            }
            _ if !f.options.is_empty() => {
                return Err(err(format!("field `{k}`: only enum fields have options")));
            }
            _ => {}
        }
        let r = &f.rules;
        let is = |kinds: &[FieldKind]| kinds.contains(&f.kind);
        if (r.min_length.is_some() || r.max_length.is_some()) && !is(&[FieldKind::Text, FieldKind::Textarea])
        {
            return Err(err(format!(
                "field `{k}`: min_length/max_length are for text fields"
            )));
        }
        if matches!((r.min_length, r.max_length), (Some(a), Some(b)) if a > b)
            || matches!((r.min, r.max), (Some(a), Some(b)) if a > b)
        {
            return Err(err(format!("field `{k}`: a minimum is above its maximum")));
        }
        if (r.min.is_some() || r.max.is_some() || r.integer) && !is(&[FieldKind::Number]) {
            return Err(err(format!("field `{k}`: min/max/integer are for number fields")));
        }
        if (r.not_after_today || r.not_before_today || r.within_days.is_some()) && !is(&[FieldKind::Date]) {
            return Err(err(format!("field `{k}`: date rules are for date fields")));
        }
        if f.certificate.is_some() && !is(&[FieldKind::Material]) {
            return Err(err(format!(
                "field `{k}`: only material fields can be replaced by a certificate"
            )));
        }
        if let Some(c) = &f.certificate {
            Code::parse(c).map_err(|m| err(format!("field `{k}` certificate: {m}")))?;
        }
        if r.must_be_true && !is(&[FieldKind::Boolean]) {
            return Err(err(format!("field `{k}`: must_be_true is for boolean fields")));
        }
        let prefill_ok = match f.prefill {
            None => true,
            Some(Prefill::PersonName) => is(&[FieldKind::Text]),
            Some(Prefill::PersonIdNumber) => is(&[FieldKind::IdNumber]),
            Some(Prefill::PersonPhone) => is(&[FieldKind::Phone]),
        };
        if !prefill_ok {
            return Err(err(format!(
                "field `{k}`: prefill source does not fit kind {:?}",
                f.kind
            )));
        }
    }
    Ok((src.section, src.field, index))
}

/// Resolves an item's `fields`, `optional_fields` and `materials`.
fn item_fields(
    file: &str,
    item: &Code,
    src: &ItemSource,
    dictionary: &[FieldDef],
    index: &HashMap<String, usize>,
) -> Result<Vec<ItemField>, CatalogError> {
    let mut out: Vec<ItemField> = Vec::new();
    let lists = [
        (&src.fields, true, false),
        (&src.optional_fields, false, false),
        (&src.materials, true, true),
    ];
    for (list, required, material) in lists {
        for key in list {
            let Some(def) = index.get(key).map(|&i| &dictionary[i]) else {
                return Err(CatalogError::new(
                    file,
                    format!("item `{item}`: unknown field `{key}`"),
                ));
            };
            if (def.kind == FieldKind::Material) != material {
                let which = if material { "materials" } else { "fields" };
                return Err(CatalogError::new(
                    file,
                    format!(
                        "item `{item}`: `{key}` is a {:?} field and cannot be listed in {which}",
                        def.kind
                    ),
                ));
            }
            if out.iter().any(|f| &f.key == key) {
                return Err(CatalogError::new(
                    file,
                    format!("item `{item}` lists field `{key}` twice"),
                ));
            }
            out.push(ItemField {
                key: key.clone(),
                required,
                commit_days: src.commitable.get(key).copied(),
            });
        }
    }
    for (key, days) in &src.commitable {
        if !src.materials.contains(key) {
            return Err(CatalogError::new(
                file,
                format!("item `{item}`: commitable `{key}` is not one of its materials"),
            ));
        }
        if !(1..=60).contains(days) {
            return Err(CatalogError::new(
                file,
                format!("item `{item}`: commitable `{key}` needs 1–60 working days, not {days}"),
            ));
        }
    }
    Ok(out)
}

fn deps_code(deps: &[Department], i: usize) -> &str {
    deps.get(i).map(|d| d.code.as_str()).unwrap_or("?")
}

/// Dependencies must name items of the same bundle, not the item itself, and
/// must not form a cycle (a cycle would leave every item in it `waiting`).
fn check_dependencies(file: &str, items: &[Item]) -> Result<(), CatalogError> {
    let codes: HashSet<&str> = items.iter().map(|i| i.code.as_str()).collect();
    for it in items {
        for d in &it.depends_on {
            if d == &it.code {
                return Err(CatalogError::new(
                    file,
                    format!("item `{}` depends on itself", it.code),
                ));
            }
            if !codes.contains(d.as_str()) {
                return Err(CatalogError::new(
                    file,
                    format!(
                        "item `{}` depends on `{d}`, which is not an item of this bundle",
                        it.code
                    ),
                ));
            }
        }
    }
    // Depth-first search with colours; the path gives the cycle for the message.
    let graph: BTreeMap<&str, Vec<&str>> = items
        .iter()
        .map(|i| (i.code.as_str(), i.depends_on.iter().map(Code::as_str).collect()))
        .collect();
    #[derive(Clone, Copy, PartialEq)]
    enum Colour {
        White,
        Grey,
        Black,
    }
    fn visit<'a>(
        n: &'a str,
        graph: &BTreeMap<&'a str, Vec<&'a str>>,
        colour: &mut HashMap<&'a str, Colour>,
        path: &mut Vec<&'a str>,
    ) -> Option<Vec<&'a str>> {
        colour.insert(n, Colour::Grey);
        path.push(n);
        for &m in graph.get(n).map(Vec::as_slice).unwrap_or_default() {
            match colour.get(m).copied().unwrap_or(Colour::White) {
                Colour::Grey => {
                    let start = path.iter().position(|&p| p == m).unwrap_or(0);
                    let mut cycle = path[start..].to_vec();
                    cycle.push(m);
                    return Some(cycle);
                }
                Colour::White => {
                    if let Some(c) = visit(m, graph, colour, path) {
                        return Some(c);
                    }
                }
                Colour::Black => {}
            }
        }
        path.pop();
        colour.insert(n, Colour::Black);
        None
    }
    let mut colour = HashMap::new();
    for &n in graph.keys() {
        if colour.get(n).copied().unwrap_or(Colour::White) == Colour::White
            && let Some(cycle) = visit(n, &graph, &mut colour, &mut Vec::new())
        {
            return Err(CatalogError::new(
                file,
                format!("depends_on forms a cycle: {}", cycle.join(" → ")),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
