//! 好差评 (ratings) and the 12345 / 办不成事 closed loop (cases): the words,
//! and two pure state machines the server enforces and the pages follow,
//! each with an exhaustive table test (as [`crate::workflow`] does for work
//! items).
//!
//! ```text
//! rating:  valid ──appeal (department)──▶ appealed ──uphold (county office)──▶ upheld
//!                                             └──────void (county office)───▶ voided
//!
//! case:    registered ──assign──▶ assigned ──contact──▶ processing
//!              ▲  │                 │  ▲                  │
//!              │  │close            │  └──escalate────────┤
//!              │  ▼                 ├──answer──▶ answered ◀┘
//!           return◀─────────────────┘               │
//!                                    confirm: satisfied / basically ─▶ closed
//!                                    confirm: dissatisfied (first) ──▶ reopened
//!                                    reopened ──assign / escalate──▶ assigned
//! ```

use serde::{Deserialize, Serialize};

/// Words stored and sent as snake_case text, each with its 中文 label.
macro_rules! words {
    ($(#[$m:meta])* $name:ident, $what:literal { $($(#[$vm:meta])* $v:ident = $word:literal, $label:literal;)+ }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "ssr", derive(sea_orm::DeriveValueType))]
        #[cfg_attr(feature = "ssr", sea_orm(value_type = "String"))]
        #[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $v,)+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v,)+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$v => $word,)+ }
            }

            pub fn parse(s: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|x| x.as_str() == s)
            }

            /// 中文 for people.
            pub fn label(self) -> &'static str {
                match self { $($name::$v => $label,)+ }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = crate::domain::UnknownValue;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s).ok_or_else(|| crate::domain::UnknownValue::new($what, s))
            }
        }
    };
}

// ---------------------------------------------------------------- ratings

/// The national five levels of 好差评, best first: `(score, label)`.
pub const SCORES: [(u8, &str); 5] = [
    (5, "非常满意"),
    (4, "满意"),
    (3, "基本满意"),
    (2, "不满意"),
    (1, "非常不满意"),
];

/// The label of a score 1–5 ("" for anything else).
pub fn score_label(score: u8) -> &'static str {
    SCORES.iter().find(|(s, _)| *s == score).map_or("", |(_, l)| l)
}

/// 差评: 不满意 or 非常不满意. Opens a `bad_rating` case.
pub fn is_bad(score: u8) -> bool {
    (1..=2).contains(&score)
}

/// A comment or follow-up (追评) may have this many characters.
pub const MAX_RATING_COMMENT: usize = 500;

words!(
    /// What the applicant may tick beside a score.
    RatingTag, "rating tag" {
        /// 材料要求不清.
        UnclearMaterials = "unclear_materials", "材料要求不清";
        /// 多次跑动.
        RepeatedVisits = "repeated_visits", "多次跑动";
        /// 超时.
        Overdue = "overdue", "超时办理";
        /// 态度.
        Attitude = "attitude", "服务态度";
        /// 流程繁琐.
        Complicated = "complicated", "流程繁琐";
        /// 办事高效 (praise).
        Efficient = "efficient", "办事高效";
        /// 服务热情 (praise).
        Friendly = "friendly", "服务热情";
    }
);

words!(
    /// Where a rating or a case came in.
    Channel, "channel" {
        /// The applicant, online.
        Online = "online", "网上";
        /// A 12345 hotline seat typed it in (cases only).
        #[serde(rename = "hotline_12345")]
        Hotline12345 = "hotline_12345", "12345热线";
        /// Entered at the service window for the person there (一次一评).
        Window = "window", "窗口";
    }
);

words!(
    /// Where a rating stands. Only `voided` ratings are left out of the
    /// figures; none is ever deleted.
    RatingStatus, "rating status" {
        Valid = "valid", "有效";
        /// 申诉中: the department believes the 差评 mistaken.
        Appealed = "appealed", "申诉中";
        /// 申诉不成立: the county office kept the rating.
        Upheld = "upheld", "申诉不成立，评价有效";
        /// 申诉成立: the county office voided it (still shown, marked).
        Voided = "voided", "申诉成立，评价已作废";
    }
);

words!(
    /// Something that moves a rating.
    RatingAction, "rating action" {
        /// The department: 申诉复核 (a 差评 only, with a reason).
        Appeal = "appeal", "申诉";
        /// The county office keeps the rating.
        Uphold = "uphold", "维持评价";
        /// The county office voids the rating.
        Void = "void", "作废评价";
    }
);

impl RatingStatus {
    /// Whether the rating counts in the figures.
    pub fn counts(self) -> bool {
        self != Self::Voided
    }
}

/// Who takes a rating or case action.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Actor {
    /// The person the case is about (or who rated).
    Applicant,
    /// A clerk of the responsible department.
    Department,
    /// The county office (`dispatcher`).
    Dispatcher,
}

impl RatingAction {
    pub fn actor(self) -> Actor {
        match self {
            Self::Appeal => Actor::Department,
            Self::Uphold | Self::Void => Actor::Dispatcher,
        }
    }
}

/// The state `action` leads a rating of `score` to, or `None`.
pub fn rating_next(from: RatingStatus, score: u8, action: RatingAction) -> Option<RatingStatus> {
    use RatingAction as A;
    use RatingStatus as S;
    match (from, action) {
        (S::Valid, A::Appeal) if is_bad(score) => Some(S::Appealed),
        (S::Appealed, A::Uphold) => Some(S::Upheld),
        (S::Appealed, A::Void) => Some(S::Voided),
        _ => None,
    }
}

// ------------------------------------------------------------------ cases

words!(
    /// What a case is.
    CaseKind, "case kind" {
        /// 投诉.
        Complaint = "complaint", "投诉";
        /// 咨询.
        Consultation = "consultation", "咨询";
        /// 建议.
        Suggestion = "suggestion", "建议";
        /// 办不成事 反映.
        CannotGetDone = "cannot_get_done", "办不成事";
        /// 差评 整改, opened by a rating of 1 or 2.
        BadRating = "bad_rating", "差评整改";
    }
);

words!(
    /// Where a case stands.
    CaseStatus, "case status" {
        /// 已受理, waiting for the county office to assign it.
        Registered = "registered", "已受理，待转办";
        /// 已转办 to a department.
        Assigned = "assigned", "已转办，待签收";
        /// 办理中: the department contacted the person (回访).
        Processing = "processing", "办理中";
        /// 已答复, waiting for the person's confirmation.
        Answered = "answered", "已答复，待评价";
        /// 重新办理: the person was not satisfied (once).
        Reopened = "reopened", "不满意，重新办理";
        /// 已办结.
        Closed = "closed", "已办结";
    }
);

words!(
    /// Something that moves a case.
    CaseAction, "case action" {
        /// County office: 转办 to a department (takes `department`).
        Assign = "assign", "转办";
        /// Department: 签收 and 回访 (the comment records what was verified).
        Contact = "contact", "签收并回访";
        /// Department: 退回 a mis-assigned case with a reason.
        Return = "return", "退回重新派单";
        /// Department: 答复 (整改 for a 差评).
        Answer = "answer", "答复";
        /// The person: 满意 / 基本满意 / 不满意 (takes `satisfaction`).
        Confirm = "confirm", "评价答复";
        /// County office: the answer is not good enough, 重办.
        Reopen = "reopen", "退回重办";
        /// County office: 督办 to the lead department or itself (takes `department`).
        Escalate = "escalate", "提级督办";
        /// County office: 办结 without (further) department work.
        Close = "close", "办结";
    }
);

words!(
    /// The person's verdict on an answer.
    Satisfaction, "satisfaction" {
        Satisfied = "satisfied", "满意";
        BasicallySatisfied = "basically_satisfied", "基本满意";
        Dissatisfied = "dissatisfied", "不满意";
    }
);

pub const MAX_CASE_DESCRIPTION: usize = 2000;

impl CaseStatus {
    /// Nothing is left to do.
    pub fn is_final(self) -> bool {
        self == Self::Closed
    }

    /// The county office has to act (the dispatcher's board).
    pub fn awaits_dispatcher(self) -> bool {
        matches!(self, Self::Registered | Self::Reopened)
    }

    /// A department has to act.
    pub fn awaits_department(self) -> bool {
        matches!(self, Self::Assigned | Self::Processing)
    }
}

impl CaseAction {
    pub fn actor(self) -> Actor {
        match self {
            Self::Assign | Self::Reopen | Self::Escalate | Self::Close => Actor::Dispatcher,
            Self::Contact | Self::Return | Self::Answer => Actor::Department,
            Self::Confirm => Actor::Applicant,
        }
    }

    /// Must say why / what.
    pub fn needs_comment(self) -> bool {
        matches!(
            self,
            Self::Contact | Self::Return | Self::Answer | Self::Reopen | Self::Close
        )
    }

    /// Takes a department.
    pub fn needs_department(self) -> bool {
        matches!(self, Self::Assign | Self::Escalate)
    }
}

/// The state `action` leads a case to, or `None` if it is not allowed.
/// `satisfaction` is the verdict of a `confirm`; `reopened_before` whether
/// the person was already dissatisfied once (a second 不满意 closes it, on
/// record).
pub fn case_next(
    from: CaseStatus,
    action: CaseAction,
    satisfaction: Option<Satisfaction>,
    reopened_before: bool,
) -> Option<CaseStatus> {
    use CaseAction as A;
    use CaseStatus as S;
    match (from, action) {
        (S::Registered | S::Reopened, A::Assign) => Some(S::Assigned),
        (S::Assigned, A::Contact) => Some(S::Processing),
        (S::Assigned | S::Processing, A::Return) => Some(S::Registered),
        (S::Assigned | S::Processing, A::Answer) => Some(S::Answered),
        (S::Answered, A::Confirm) => match satisfaction? {
            Satisfaction::Dissatisfied if !reopened_before => Some(S::Reopened),
            _ => Some(S::Closed),
        },
        (S::Answered, A::Reopen) => Some(S::Reopened),
        (S::Assigned | S::Processing | S::Reopened, A::Escalate) => Some(S::Assigned),
        (S::Registered | S::Answered | S::Reopened, A::Close) => Some(S::Closed),
        _ => None,
    }
}

/// The actions `actor` may take on a case in `status`, in button order.
pub fn case_actions(status: CaseStatus, actor: Actor) -> Vec<CaseAction> {
    CaseAction::ALL
        .iter()
        .copied()
        .filter(|a| a.actor() == actor)
        .filter(|a| case_next(status, *a, Some(Satisfaction::Satisfied), false).is_some())
        .collect()
}

/// Working-day deadlines of cases, per kind and stage: catalog data
/// (`catalog/cases.toml`), with the defaults of 国办发〔2019〕51号 and the
/// 12345 rules when a kind is not listed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseRules {
    /// Days to assign a registered or reopened case (0: the same day).
    pub dispatch_days: u32,
    /// The county office (its department code): escalations may go there
    /// or to the lead department of the bundle.
    pub county_office: String,
    #[serde(default)]
    pub kinds: Vec<KindRule>,
}

/// The deadlines of one kind of case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KindRule {
    pub kind: CaseKind,
    /// 签收 and 回访 within this many working days of assignment.
    pub contact_days: u32,
    /// 答复 (整改 for a 差评) within this many working days of assignment.
    pub answer_days: u32,
}

impl Default for CaseRules {
    fn default() -> Self {
        let rule = |kind, contact_days, answer_days| KindRule {
            kind,
            contact_days,
            answer_days,
        };
        Self {
            dispatch_days: 0,
            county_office: "approval".into(),
            kinds: vec![
                rule(CaseKind::Complaint, 1, 5),
                rule(CaseKind::Consultation, 1, 3),
                rule(CaseKind::Suggestion, 1, 5),
                rule(CaseKind::CannotGetDone, 1, 5),
                rule(CaseKind::BadRating, 1, 15),
            ],
        }
    }
}

impl CaseRules {
    /// The deadlines of `kind`: its own row, else the default row.
    pub fn of(&self, kind: CaseKind) -> KindRule {
        self.kinds
            .iter()
            .chain(Self::default().kinds.iter())
            .find(|r| r.kind == kind)
            .copied()
            .unwrap_or(KindRule {
                kind,
                contact_days: 1,
                answer_days: 5,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rating_state_action_and_score() {
        use RatingAction as A;
        use RatingStatus as S;
        let allowed = [
            (S::Valid, A::Appeal, S::Appealed),
            (S::Appealed, A::Uphold, S::Upheld),
            (S::Appealed, A::Void, S::Voided),
        ];
        let mut checked = 0;
        for score in 0..=6u8 {
            for &from in RatingStatus::ALL {
                for &action in RatingAction::ALL {
                    let expected = allowed
                        .iter()
                        .find(|(f, a, _)| *f == from && *a == action)
                        .map(|(_, _, to)| *to)
                        // Only a 差评 can be appealed.
                        .filter(|_| action != A::Appeal || is_bad(score));
                    assert_eq!(
                        rating_next(from, score, action),
                        expected,
                        "{from:?} × {action:?} × {score}"
                    );
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 7 * 4 * 3);
        assert!(!S::Voided.counts() && S::Upheld.counts() && S::Appealed.counts());
        assert_eq!(score_label(5), "非常满意");
        assert_eq!(score_label(1), "非常不满意");
        assert_eq!(score_label(0), "");
        assert!(is_bad(1) && is_bad(2) && !is_bad(3) && !is_bad(0));
    }

    #[test]
    fn every_case_state_action_and_verdict() {
        use CaseAction as A;
        use CaseStatus as S;
        // (from, action, to) for every verdict and history; confirm is listed
        // separately below.
        let allowed = [
            (S::Registered, A::Assign, S::Assigned),
            (S::Reopened, A::Assign, S::Assigned),
            (S::Assigned, A::Contact, S::Processing),
            (S::Assigned, A::Return, S::Registered),
            (S::Processing, A::Return, S::Registered),
            (S::Assigned, A::Answer, S::Answered),
            (S::Processing, A::Answer, S::Answered),
            (S::Answered, A::Reopen, S::Reopened),
            (S::Assigned, A::Escalate, S::Assigned),
            (S::Processing, A::Escalate, S::Assigned),
            (S::Reopened, A::Escalate, S::Assigned),
            (S::Registered, A::Close, S::Closed),
            (S::Answered, A::Close, S::Closed),
            (S::Reopened, A::Close, S::Closed),
        ];
        let verdicts = [
            None,
            Some(Satisfaction::Satisfied),
            Some(Satisfaction::BasicallySatisfied),
            Some(Satisfaction::Dissatisfied),
        ];
        let mut checked = 0;
        for &from in CaseStatus::ALL {
            for &action in CaseAction::ALL {
                for verdict in verdicts {
                    for reopened_before in [false, true] {
                        let expected = if action == A::Confirm {
                            match (from, verdict) {
                                (S::Answered, Some(Satisfaction::Dissatisfied)) if !reopened_before => {
                                    Some(S::Reopened)
                                }
                                (S::Answered, Some(_)) => Some(S::Closed),
                                _ => None,
                            }
                        } else {
                            allowed
                                .iter()
                                .find(|(f, a, _)| *f == from && *a == action)
                                .map(|(_, _, to)| *to)
                        };
                        assert_eq!(
                            case_next(from, action, verdict, reopened_before),
                            expected,
                            "{from:?} × {action:?} × {verdict:?} × {reopened_before}"
                        );
                        checked += 1;
                    }
                }
            }
        }
        assert_eq!(checked, 6 * 8 * 4 * 2);
        assert!(
            CaseAction::ALL
                .iter()
                .all(|a| case_next(S::Closed, *a, Some(Satisfaction::Satisfied), false).is_none())
        );
    }

    #[test]
    fn buttons_follow_the_machine() {
        use CaseAction as A;
        use CaseStatus as S;
        assert_eq!(
            case_actions(S::Assigned, Actor::Department),
            vec![A::Contact, A::Return, A::Answer]
        );
        assert_eq!(
            case_actions(S::Processing, Actor::Department),
            vec![A::Return, A::Answer]
        );
        assert_eq!(
            case_actions(S::Registered, Actor::Dispatcher),
            vec![A::Assign, A::Close]
        );
        assert_eq!(
            case_actions(S::Reopened, Actor::Dispatcher),
            vec![A::Assign, A::Escalate, A::Close]
        );
        assert_eq!(case_actions(S::Answered, Actor::Applicant), vec![A::Confirm]);
        assert!(case_actions(S::Closed, Actor::Dispatcher).is_empty());
        for a in CaseAction::ALL {
            assert_eq!(CaseAction::parse(a.as_str()), Some(*a));
        }
        for k in CaseKind::ALL {
            assert_eq!(k.as_str().parse::<CaseKind>().ok(), Some(*k));
        }
        assert!("nope".parse::<CaseStatus>().is_err());
        // The wire word is the stored word.
        for c in Channel::ALL {
            assert_eq!(serde_json::to_value(c).ok(), Some(serde_json::json!(c.as_str())));
        }
        for k in CaseKind::ALL {
            assert_eq!(serde_json::to_value(k).ok(), Some(serde_json::json!(k.as_str())));
        }
    }
}
