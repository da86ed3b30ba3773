//! Reads the catalog data files from disk, parses them and hands them to
//! [`app::catalog::Catalog::build`] for validation. Any problem stops start-up
//! with a message naming the file.

use std::path::{Path, PathBuf};

use app::catalog::{BundleSource, Catalog, CatalogMeta, DepartmentsFile, FieldsFile, Sources};
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

/// A catalog that could not be loaded; `Display` names the file and the problem.
#[derive(Debug, thiserror::Error)]
#[error("catalog error in {file}: {message}")]
pub struct LoadError {
    pub file: PathBuf,
    pub message: String,
}

fn err(file: &Path, message: impl Into<String>) -> LoadError {
    LoadError {
        file: file.to_owned(),
        message: message.into(),
    }
}

/// Loads and validates the catalog under `dir`: `catalog.toml`,
/// `departments.toml`, `fields.toml`, `bundles/*.toml` (in file-name order)
/// and the working-day calendars `calendar/<year>.toml`.
///
/// The version is the label of `catalog.toml` plus the first 12 hex digits of
/// a SHA-256 over every file's relative path and bytes, so any edit changes it.
pub fn load(dir: &Path) -> Result<Catalog, LoadError> {
    let mut hasher = Sha256::new();
    let mut read = |rel: &Path| -> Result<String, LoadError> {
        let path = dir.join(rel);
        let text = std::fs::read_to_string(&path).map_err(|e| err(&path, format!("cannot read: {e}")))?;
        hasher.update(rel.to_string_lossy().as_bytes());
        hasher.update([0]);
        hasher.update(text.as_bytes());
        hasher.update([0]);
        Ok(text)
    };

    let meta_path = Path::new("catalog.toml");
    let meta: CatalogMeta = parse(&dir.join(meta_path), &read(meta_path)?)?;
    let deps_path = Path::new("departments.toml");
    let departments: DepartmentsFile = parse(&dir.join(deps_path), &read(deps_path)?)?;
    let fields_path = Path::new("fields.toml");
    let fields: FieldsFile = parse(&dir.join(fields_path), &read(fields_path)?)?;

    let bundles_dir = dir.join("bundles");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&bundles_dir)
        .map_err(|e| err(&bundles_dir, format!("cannot list: {e}")))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(err(&bundles_dir, "no bundle files (*.toml)"));
    }
    let mut bundles = Vec::with_capacity(files.len());
    for path in files {
        let rel = path.strip_prefix(dir).unwrap_or(&path).to_owned();
        let source: BundleSource = parse(&path, &read(&rel)?)?;
        bundles.push((rel.to_string_lossy().into_owned(), source));
    }

    let calendar_dir = dir.join("calendar");
    let mut years: Vec<PathBuf> = std::fs::read_dir(&calendar_dir)
        .map_err(|e| err(&calendar_dir, format!("cannot list: {e}")))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    years.sort();
    let mut calendar = Vec::with_capacity(years.len());
    for path in years {
        let rel = path.strip_prefix(dir).unwrap_or(&path).to_owned();
        let year: app::domain::calendar::YearSource = parse(&path, &read(&rel)?)?;
        calendar.push((rel.to_string_lossy().into_owned(), year));
    }

    let policies_path = Path::new("policies.toml");
    let policies: app::catalog::policy::PoliciesFile =
        parse(&dir.join(policies_path), &read(policies_path)?)?;

    let cases_path = Path::new("cases.toml");
    let cases_text = read(cases_path)?;

    let version = format!("{}-{}", meta.label, &hex::encode(hasher.finalize())[..12]);
    let sources = Sources {
        departments: ("departments.toml".into(), departments),
        fields: ("fields.toml".into(), fields),
        bundles,
        calendar,
        policies: ("policies.toml".into(), policies),
    };
    let cases: app::feedback::CaseRules = parse(&dir.join(cases_path), &cases_text)?;
    Catalog::build(version, sources)
        .and_then(|c| c.with_case_rules("cases.toml", cases))
        .map(|mut c| {
            c.county = meta.county.trim().to_owned();
            c
        })
        .map_err(|e| err(&dir.join(&e.file), e.message))
}

fn parse<T: DeserializeOwned>(path: &Path, text: &str) -> Result<T, LoadError> {
    toml::from_str(text).map_err(|e| err(path, e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn copy_catalog() -> tempfile::TempDir {
        let tmp = tempfile::tempdir().expect("tempdir");
        let src = crate::config::default_catalog_dir();
        std::fs::create_dir_all(tmp.path().join("bundles")).expect("mkdir");
        for rel in [
            "catalog.toml",
            "departments.toml",
            "fields.toml",
            "policies.toml",
            "cases.toml",
        ] {
            std::fs::copy(src.join(rel), tmp.path().join(rel)).expect("copy");
        }
        std::fs::create_dir_all(tmp.path().join("calendar")).expect("mkdir");
        for sub in ["bundles", "calendar"] {
            for e in std::fs::read_dir(src.join(sub)).expect("ls") {
                let p = e.expect("entry").path();
                std::fs::copy(&p, tmp.path().join(sub).join(p.file_name().expect("name"))).expect("copy");
            }
        }
        tmp
    }

    #[test]
    fn policies_and_dictionary_typos_are_refused() {
        let tmp = copy_catalog();
        let f = tmp.path().join("policies.toml");
        let text = std::fs::read_to_string(&f).expect("read");
        std::fs::write(
            &f,
            text.replace(
                "certificate = \"food-business-licence\"",
                "certificate = \"no-such-licence\"",
            ),
        )
        .expect("write");
        let e = load(tmp.path()).expect_err("unknown certificate");
        assert!(
            e.to_string().contains("policies.toml") && e.to_string().contains("no-such-licence"),
            "{e}"
        );
        std::fs::write(
            &f,
            text.replace("fact = \"employee_count\"", "fact = \"employees\""),
        )
        .expect("write");
        let e = load(tmp.path()).expect_err("unknown fact");
        assert!(e.to_string().contains("unknown fact `employees`"), "{e}");
        std::fs::write(&f, text).expect("restore");

        let f = tmp.path().join("fields.toml");
        let text = std::fs::read_to_string(&f).expect("read");
        std::fs::write(&f, text.replacen("max_length = 30", "max_lenght = 30", 1)).expect("write");
        let e = load(tmp.path()).expect_err("typo in a field");
        assert!(
            e.to_string().contains("fields.toml") && e.to_string().contains("max_lenght"),
            "{e}"
        );
    }

    #[test]
    fn a_broken_calendar_names_its_file() {
        let tmp = copy_catalog();
        let f = tmp.path().join("calendar/2025.toml");
        let text = std::fs::read_to_string(&f).expect("read");
        std::fs::write(&f, text.replace("\"2025-01-26\"", "\"2025-01-27\"")).expect("write");
        let e = load(tmp.path()).expect_err("monday as a make-up workday");
        assert!(
            e.to_string().contains("2025.toml") && e.to_string().contains("not a weekend"),
            "{e}"
        );
    }

    #[test]
    fn real_catalog_loads() {
        let c = load(&crate::config::default_catalog_dir()).expect("catalog loads");
        assert_eq!(c.bundles.len(), 13);
        assert_eq!(c.item_count(), 84);
        assert!(c.version.starts_with("2024.1-"));
        for year in [2024, 2025, 2026] {
            assert!(c.calendar.has_year(year), "{year}");
        }
        // 国庆 2025: filed Tuesday 30 Sep, one working day → Thursday 9 Oct.
        let d = |s: &str| app::domain::Date::parse(s).expect("date");
        assert_eq!(c.calendar.add_working_days(d("2025-09-30"), 1), d("2025-10-09"));
        // 春节 2026: the Saturday 14 Feb is worked.
        assert!(c.calendar.is_working_day(d("2026-02-14")));
        assert!(c.policies.len() >= 6);
        assert!(c.bundle("maternity-allowance").is_some() && c.event_bundle("maternity-allowance").is_none());
    }

    #[test]
    fn broken_toml_names_the_file() {
        let tmp = copy_catalog();
        let f = tmp.path().join("bundles/03-restaurant.toml");
        std::fs::write(&f, "code = \"restaurant\"\nname = ").expect("write");
        let e = load(tmp.path()).expect_err("broken");
        assert!(e.to_string().contains("03-restaurant.toml"), "{e}");
    }

    #[test]
    fn unknown_key_and_unknown_department_name_the_file() {
        let tmp = copy_catalog();
        let f = tmp.path().join("bundles/09-newborn.toml");
        let text = std::fs::read_to_string(&f).expect("read");
        std::fs::write(&f, text.replace("due_days = 1\n", "due_dayz = 1\n")).expect("write");
        let e = load(tmp.path()).expect_err("unknown key");
        assert!(
            e.to_string().contains("09-newborn.toml") && e.to_string().contains("due_dayz"),
            "{e}"
        );

        std::fs::write(&f, text.replace("[\"public-security\"]", "[\"county-zoo\"]")).expect("write");
        let e = load(tmp.path()).expect_err("unknown department");
        assert!(
            e.to_string().contains("09-newborn.toml") && e.to_string().contains("county-zoo"),
            "{e}"
        );
    }

    #[test]
    fn a_new_bundle_file_needs_no_code_and_changes_the_version() {
        let before = load(&crate::config::default_catalog_dir()).expect("load").version;
        let tmp = copy_catalog();
        std::fs::write(
            tmp.path().join("bundles/14-test.toml"),
            "code = \"test-bundle\"\nname = \"测试一件事\"\naudience = \"citizen\"\nlead_department = \"县公安局\"\n\n\
             [[items]]\ncode = \"test-item\"\nname = \"测试事项\"\ndepartments = [\"public-security\"]\ndue_days = 2\n",
        )
        .expect("write");
        let c = load(tmp.path()).expect("loads");
        assert_eq!(c.bundles.len(), 14);
        assert_ne!(c.version, before);
    }
}
