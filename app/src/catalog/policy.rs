//! 免申即享: policies pushed to the people and enterprises whose profile
//! matches, without an application. Written as data (`policies.toml`):
//! structured conditions over profile facts, held e-certificates and
//! completed bundles — no Rust per policy.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Audience;

/// Facts computed by the platform rather than answered in a form.
pub const DERIVED_FACTS: [&str; 2] = [
    // Days since the enterprise was established.
    "enterprise_age_days",
    // The person's age in full years (from the 身份证号).
    "age_years",
];

/// `policies.toml`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoliciesFile {
    pub policy: Vec<Policy>,
}

/// One policy.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    pub code: String,
    pub name: String,
    /// The department that grants it (its clerks get a work item on confirmation).
    pub department: String,
    pub audience: Audience,
    /// What the beneficiary gets, in Chinese.
    pub benefit: String,
    /// 政策依据.
    #[serde(default)]
    pub basis: String,
    /// Working days the department has once the beneficiary confirms.
    pub due_days: u16,
    /// Every condition must hold.
    pub all: Vec<Condition>,
}

/// One condition: exactly one of `certificate`, `completed_bundle`, `fact`;
/// a `fact` is compared with one of the operators.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// Holds a valid e-certificate of this kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<String>,
    /// Has a completed submission of this bundle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed_bundle: Option<String>,
    /// A profile fact (field key) or a derived fact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fact: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eq: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub any_of: Option<Vec<Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lt: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub le: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gt: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ge: Option<f64>,
    /// The fact is known (true) or unknown (false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub present: Option<bool>,
}

/// What is known about a subject, for matching.
#[derive(Clone, Debug, Default)]
pub struct Facts {
    pub values: BTreeMap<String, Value>,
    /// Kinds of valid e-certificates held.
    pub certificates: BTreeSet<String>,
    /// Bundles with a completed submission.
    pub completed_bundles: BTreeSet<String>,
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn same(a: &Value, b: &Value) -> bool {
    a == b || matches!((number(a), number(b)), (Some(x), Some(y)) if (x - y).abs() < f64::EPSILON)
}

impl Condition {
    /// Checks the shape: what [`Policy::check`] reports when it is wrong.
    fn problem(&self) -> Option<String> {
        let kinds = [
            self.certificate.is_some(),
            self.completed_bundle.is_some(),
            self.fact.is_some(),
        ];
        if kinds.iter().filter(|k| **k).count() != 1 {
            return Some("each condition needs exactly one of certificate, completed_bundle, fact".into());
        }
        let ops = [
            self.eq.is_some(),
            self.any_of.is_some(),
            self.lt.is_some(),
            self.le.is_some(),
            self.gt.is_some(),
            self.ge.is_some(),
            self.present.is_some(),
        ];
        let n = ops.iter().filter(|o| **o).count();
        match (self.fact.is_some(), n) {
            (true, 0) => {
                Some("a fact condition needs an operator (eq, any_of, lt, le, gt, ge, present)".into())
            }
            (false, 1..) => Some("operators are only for fact conditions".into()),
            _ => None,
        }
    }

    pub fn holds(&self, facts: &Facts) -> bool {
        if let Some(c) = &self.certificate {
            return facts.certificates.contains(c);
        }
        if let Some(b) = &self.completed_bundle {
            return facts.completed_bundles.contains(b);
        }
        let Some(key) = &self.fact else { return false };
        let v = facts
            .values
            .get(key)
            .filter(|v| !super::values::is_empty(Some(v)));
        if let Some(p) = self.present {
            return v.is_some() == p;
        }
        let Some(v) = v else { return false };
        let num = number(v);
        let cmp =
            |bound: Option<f64>, f: fn(f64, f64) -> bool| bound.is_none_or(|b| num.is_some_and(|x| f(x, b)));
        self.eq.as_ref().is_none_or(|e| same(v, e))
            && self
                .any_of
                .as_ref()
                .is_none_or(|list| list.iter().any(|e| same(v, e)))
            && cmp(self.lt, |x, b| x < b)
            && cmp(self.le, |x, b| x <= b)
            && cmp(self.gt, |x, b| x > b)
            && cmp(self.ge, |x, b| x >= b)
    }
}

impl Policy {
    pub fn matches(&self, facts: &Facts) -> bool {
        !self.all.is_empty() && self.all.iter().all(|c| c.holds(facts))
    }

    /// Shape checks that do not need the rest of the catalog.
    pub fn check(&self) -> Result<(), String> {
        if self.all.is_empty() {
            return Err(format!("policy `{}` has no conditions", self.code));
        }
        if self.due_days == 0 {
            return Err(format!("policy `{}`: due_days must be at least 1", self.code));
        }
        for c in &self.all {
            if let Some(p) = c.problem() {
                return Err(format!("policy `{}`: {p}", self.code));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn facts() -> Facts {
        Facts {
            values: [
                ("employee_count".to_owned(), json!("12")),
                ("family_hardship_status".to_owned(), json!("dibao")),
                ("enterprise_age_days".to_owned(), json!(200)),
            ]
            .into_iter()
            .collect(),
            certificates: ["food-business-licence".to_owned()].into_iter().collect(),
            completed_bundles: ["restaurant".to_owned()].into_iter().collect(),
        }
    }

    fn fact(key: &str) -> Condition {
        Condition {
            fact: Some(key.into()),
            ..Condition::default()
        }
    }

    #[test]
    fn conditions() {
        let f = facts();
        assert!(
            Condition {
                certificate: Some("food-business-licence".into()),
                ..Condition::default()
            }
            .holds(&f)
        );
        assert!(
            !Condition {
                certificate: Some("disability-certificate".into()),
                ..Condition::default()
            }
            .holds(&f)
        );
        assert!(
            Condition {
                completed_bundle: Some("restaurant".into()),
                ..Condition::default()
            }
            .holds(&f)
        );
        assert!(
            Condition {
                le: Some(100.0),
                ..fact("employee_count")
            }
            .holds(&f),
            "numeric strings compare as numbers"
        );
        assert!(
            !Condition {
                gt: Some(100.0),
                ..fact("employee_count")
            }
            .holds(&f)
        );
        assert!(
            Condition {
                any_of: Some(vec![json!("dibao"), json!("tekun")]),
                ..fact("family_hardship_status")
            }
            .holds(&f)
        );
        assert!(
            Condition {
                eq: Some(json!(12)),
                ..fact("employee_count")
            }
            .holds(&f)
        );
        assert!(
            Condition {
                present: Some(false),
                ..fact("bank_account")
            }
            .holds(&f)
        );
        assert!(
            !Condition {
                le: Some(1.0),
                ..fact("bank_account")
            }
            .holds(&f),
            "an unknown fact never satisfies a comparison"
        );
        assert!(
            Condition {
                ge: Some(30.0),
                le: Some(365.0),
                ..fact("enterprise_age_days")
            }
            .holds(&f),
            "a range"
        );
    }

    #[test]
    fn shapes_are_checked() {
        let p = |all: Vec<Condition>| Policy {
            code: "p".into(),
            name: "p".into(),
            department: "hrss".into(),
            audience: Audience::Citizen,
            benefit: String::new(),
            basis: String::new(),
            due_days: 5,
            all,
        };
        assert!(p(vec![]).check().is_err());
        assert!(p(vec![fact("x")]).check().is_err(), "no operator");
        assert!(
            p(vec![Condition {
                certificate: Some("a".into()),
                le: Some(1.0),
                ..Condition::default()
            }])
            .check()
            .is_err()
        );
        assert!(
            p(vec![Condition {
                certificate: Some("a".into()),
                fact: Some("b".into()),
                ..Condition::default()
            }])
            .check()
            .is_err()
        );
        assert!(
            p(vec![Condition {
                le: Some(1.0),
                ..fact("x")
            }])
            .check()
            .is_ok()
        );
        assert!(!p(vec![]).matches(&facts()), "no conditions never match");
    }
}
