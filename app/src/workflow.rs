//! The work-item state machine (子件流转) and the submission status derived
//! from it. Pure and shared: the server enforces it, the pages show only the
//! actions it allows.
//!
//! ```text
//! waiting ──release──▶ pending ──accept──▶ accepted ──complete──▶ completed
//!                        │  ▲                 │
//!                        │  └──supplement──┐  │
//!                        ├──return──▶ returned ◀──return──┤
//!                        └──reject──▶ rejected ◀──reject──┘
//! ```

use serde::{Deserialize, Serialize};

// Stored as its `as_str` word; reading any other word from the database is
// an error, never a default.
/// The state of a work item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sea_orm::DeriveValueType))]
#[cfg_attr(feature = "ssr", sea_orm(value_type = "String"))]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum WorkStatus {
    /// 等待前置事项: items it depends on are not completed yet.
    Waiting,
    /// 待受理.
    Pending,
    /// 已受理 / 办理中.
    Accepted,
    /// 待补正: sent back to the applicant; the clock is paused.
    Returned,
    /// 已办结.
    Completed,
    /// 不予受理 / 不予办理.
    Rejected,
}

/// Something that moves a work item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// System: every dependency is completed.
    Release,
    /// Clerk: 受理.
    Accept,
    /// Clerk: 退回补正 (needs a comment).
    Return,
    /// Clerk: 办结.
    Complete,
    /// Clerk: 不予受理 (needs a comment).
    Reject,
    /// Applicant: 补正材料.
    Supplement,
}

/// Who may take an action.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Actor {
    System,
    Clerk,
    Applicant,
}

pub const ALL_STATUSES: [WorkStatus; 6] = [
    WorkStatus::Waiting,
    WorkStatus::Pending,
    WorkStatus::Accepted,
    WorkStatus::Returned,
    WorkStatus::Completed,
    WorkStatus::Rejected,
];

/// Not ended: someone still has to act (the queue's default view).
pub const OPEN_STATUSES: [WorkStatus; 4] = [
    WorkStatus::Waiting,
    WorkStatus::Pending,
    WorkStatus::Accepted,
    WorkStatus::Returned,
];

/// The department's clock runs: these can be overdue.
pub const RUNNING_STATUSES: [WorkStatus; 2] = [WorkStatus::Pending, WorkStatus::Accepted];

pub const ALL_ACTIONS: [Action; 6] = [
    Action::Release,
    Action::Accept,
    Action::Return,
    Action::Complete,
    Action::Reject,
    Action::Supplement,
];

impl WorkStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Waiting => "waiting",
            Self::Pending => "pending",
            Self::Accepted => "accepted",
            Self::Returned => "returned",
            Self::Completed => "completed",
            Self::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        ALL_STATUSES.into_iter().find(|x| x.as_str() == s)
    }

    /// 中文 for people.
    pub fn label(self) -> &'static str {
        match self {
            Self::Waiting => "等待前置事项",
            Self::Pending => "待受理",
            Self::Accepted => "办理中",
            Self::Returned => "待补正",
            Self::Completed => "已办结",
            Self::Rejected => "不予办理",
        }
    }

    /// No action leaves this state.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Completed | Self::Rejected)
    }

    /// The department's clock runs (pending or accepted).
    pub fn clock_runs(self) -> bool {
        matches!(self, Self::Pending | Self::Accepted)
    }
}

impl std::fmt::Display for WorkStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for WorkStatus {
    type Err = crate::domain::UnknownValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s).ok_or_else(|| crate::domain::UnknownValue::new("work status", s))
    }
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Release => "release",
            Self::Accept => "accept",
            Self::Return => "return",
            Self::Complete => "complete",
            Self::Reject => "reject",
            Self::Supplement => "supplement",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        ALL_ACTIONS.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Release => "前置事项办结，开始办理",
            Self::Accept => "受理",
            Self::Return => "退回补正",
            Self::Complete => "办结",
            Self::Reject => "不予办理",
            Self::Supplement => "已补正",
        }
    }

    pub fn actor(self) -> Actor {
        match self {
            Self::Release => Actor::System,
            Self::Accept | Self::Return | Self::Complete | Self::Reject => Actor::Clerk,
            Self::Supplement => Actor::Applicant,
        }
    }

    /// Return and reject must say why.
    pub fn needs_comment(self) -> bool {
        matches!(self, Self::Return | Self::Reject)
    }
}

/// The state `action` leads to from `from`, or `None` if it is not allowed.
pub fn next(from: WorkStatus, action: Action) -> Option<WorkStatus> {
    use Action as A;
    use WorkStatus as S;
    match (from, action) {
        (S::Waiting, A::Release) => Some(S::Pending),
        (S::Pending, A::Accept) => Some(S::Accepted),
        (S::Pending | S::Accepted, A::Return) => Some(S::Returned),
        (S::Pending | S::Accepted, A::Reject) => Some(S::Rejected),
        (S::Accepted, A::Complete) => Some(S::Completed),
        (S::Returned, A::Supplement) => Some(S::Pending),
        _ => None,
    }
}

/// The actions a clerk may take on an item in `status`, in button order.
pub fn clerk_actions(status: WorkStatus) -> Vec<Action> {
    [Action::Accept, Action::Complete, Action::Return, Action::Reject]
        .into_iter()
        .filter(|a| next(status, *a).is_some())
        .collect()
}

/// The status of a submission, derived from its work items; never stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SubmissionStatus {
    /// Nothing accepted yet.
    Submitted,
    InProgress,
    /// Some item was returned for 补正.
    NeedsSupplement,
    /// Every item completed.
    Completed,
    /// Every item ended (or is blocked by a rejected one), some rejected.
    ClosedWithRejections,
}

impl SubmissionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Submitted => "submitted",
            Self::InProgress => "in_progress",
            Self::NeedsSupplement => "needs_supplement",
            Self::Completed => "completed",
            Self::ClosedWithRejections => "closed_with_rejections",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Submitted => "已提交，等待受理",
            Self::InProgress => "办理中",
            Self::NeedsSupplement => "需要补正",
            Self::Completed => "全部办结",
            Self::ClosedWithRejections => "已结束（部分事项不予办理）",
        }
    }
}

/// A work item as the derivation needs it.
#[derive(Clone, Debug)]
pub struct ItemState<'a> {
    pub item: &'a str,
    pub status: WorkStatus,
    /// Items (codes) this one waits for, among those of the submission.
    pub depends_on: Vec<&'a str>,
}

/// Whether a waiting item can never start: something it (transitively)
/// depends on was rejected.
pub fn is_blocked(items: &[ItemState<'_>], index: usize) -> bool {
    fn walk(items: &[ItemState<'_>], i: usize, depth: usize) -> bool {
        if depth > items.len() {
            return false;
        }
        items[i].depends_on.iter().any(|d| {
            items
                .iter()
                .enumerate()
                .filter(|(_, x)| x.item == *d)
                .any(|(j, x)| {
                    x.status == WorkStatus::Rejected
                        || (x.status == WorkStatus::Waiting && walk(items, j, depth + 1))
                })
        })
    }
    items[index].status == WorkStatus::Waiting && walk(items, index, 0)
}

/// Derives the submission's status from its work items.
pub fn submission_status(items: &[ItemState<'_>]) -> SubmissionStatus {
    use WorkStatus as S;
    if items.iter().any(|i| i.status == S::Returned) {
        return SubmissionStatus::NeedsSupplement;
    }
    if !items.is_empty() && items.iter().all(|i| i.status == S::Completed) {
        return SubmissionStatus::Completed;
    }
    let ended = |(n, i): (usize, &ItemState<'_>)| i.status.is_final() || is_blocked(items, n);
    if items.iter().enumerate().all(ended) && items.iter().any(|i| i.status == S::Rejected) {
        return SubmissionStatus::ClosedWithRejections;
    }
    if items.iter().all(|i| matches!(i.status, S::Pending | S::Waiting)) {
        return SubmissionStatus::Submitted;
    }
    SubmissionStatus::InProgress
}

/// Items that become pending once `completed` is done: waiting items every
/// dependency of which (among `items`) is now completed.
pub fn released_by(items: &[ItemState<'_>]) -> Vec<usize> {
    items
        .iter()
        .enumerate()
        .filter(|(_, i)| i.status == WorkStatus::Waiting)
        .filter(|(_, i)| {
            i.depends_on.iter().all(|d| {
                items
                    .iter()
                    .filter(|x| x.item == *d)
                    .all(|x| x.status == WorkStatus::Completed)
            })
        })
        .map(|(n, _)| n)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action as A;
    use WorkStatus as S;

    /// Every state × every action, against the table of the specification.
    #[test]
    fn every_state_and_action() {
        let allowed = [
            (S::Waiting, A::Release, S::Pending),
            (S::Pending, A::Accept, S::Accepted),
            (S::Pending, A::Return, S::Returned),
            (S::Pending, A::Reject, S::Rejected),
            (S::Accepted, A::Complete, S::Completed),
            (S::Accepted, A::Return, S::Returned),
            (S::Accepted, A::Reject, S::Rejected),
            (S::Returned, A::Supplement, S::Pending),
        ];
        let mut checked = 0;
        for from in ALL_STATUSES {
            for action in ALL_ACTIONS {
                let expected = allowed
                    .iter()
                    .find(|(f, a, _)| *f == from && *a == action)
                    .map(|(_, _, to)| *to);
                assert_eq!(next(from, action), expected, "{from:?} × {action:?}");
                checked += 1;
            }
        }
        assert_eq!(checked, 36);
        for s in [S::Completed, S::Rejected] {
            assert!(
                ALL_ACTIONS.iter().all(|a| next(s, *a).is_none()),
                "{s:?} is final"
            );
        }
    }

    #[test]
    fn names_round_trip_and_comments() {
        for s in ALL_STATUSES {
            assert_eq!(WorkStatus::parse(s.as_str()), Some(s));
        }
        for a in ALL_ACTIONS {
            assert_eq!(Action::parse(a.as_str()), Some(a));
        }
        assert!(A::Return.needs_comment() && A::Reject.needs_comment());
        assert!(!A::Accept.needs_comment() && !A::Complete.needs_comment());
        assert_eq!(clerk_actions(S::Pending), vec![A::Accept, A::Return, A::Reject]);
        assert_eq!(
            clerk_actions(S::Accepted),
            vec![A::Complete, A::Return, A::Reject]
        );
        assert!(clerk_actions(S::Waiting).is_empty() && clerk_actions(S::Returned).is_empty());
    }

    fn st<'a>(item: &'a str, status: WorkStatus, deps: &[&'a str]) -> ItemState<'a> {
        ItemState {
            item,
            status,
            depends_on: deps.to_vec(),
        }
    }

    #[test]
    fn submission_status_is_derived() {
        use SubmissionStatus as Sub;
        assert_eq!(
            submission_status(&[st("a", S::Pending, &[]), st("b", S::Waiting, &["a"])]),
            Sub::Submitted
        );
        assert_eq!(
            submission_status(&[st("a", S::Accepted, &[]), st("b", S::Waiting, &["a"])]),
            Sub::InProgress
        );
        assert_eq!(
            submission_status(&[st("a", S::Completed, &[]), st("b", S::Pending, &["a"])]),
            Sub::InProgress
        );
        assert_eq!(
            submission_status(&[st("a", S::Completed, &[]), st("b", S::Returned, &["a"])]),
            Sub::NeedsSupplement
        );
        assert_eq!(
            submission_status(&[st("a", S::Completed, &[]), st("b", S::Completed, &["a"])]),
            Sub::Completed
        );
        assert_eq!(
            submission_status(&[st("a", S::Completed, &[]), st("b", S::Rejected, &[])]),
            Sub::ClosedWithRejections
        );
        // A rejected dependency blocks its dependants: the submission is over.
        let blocked = [
            st("a", S::Rejected, &[]),
            st("b", S::Waiting, &["a"]),
            st("c", S::Waiting, &["b"]),
        ];
        assert!(is_blocked(&blocked, 1) && is_blocked(&blocked, 2));
        assert_eq!(submission_status(&blocked), Sub::ClosedWithRejections);
        // …but not while something else is still running.
        assert_eq!(
            submission_status(&[
                st("a", S::Rejected, &[]),
                st("b", S::Waiting, &["a"]),
                st("c", S::Accepted, &[])
            ]),
            Sub::InProgress
        );
    }

    #[test]
    fn completion_releases_dependants() {
        let items = [
            st("cert", S::Completed, &[]),
            st("reg", S::Waiting, &["cert"]),
            st("card", S::Waiting, &["reg"]),
            st("both", S::Waiting, &["cert", "reg"]),
        ];
        assert_eq!(released_by(&items), vec![1]);
    }
}
