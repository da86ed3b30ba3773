//! The paths of the REST API v1: the one place in `app` that spells a URL
//! under `/api/v1`. Constants for fixed paths, functions for paths with
//! parameters; every value a person or the server chose (codes, ids, search
//! text, cursors) is percent-encoded, so it can never change the path.
//!
//! The doc comment of each item is the path it yields; the unit test below
//! holds every one of them to it.

/// The prefix of every API path.
const V1: &str = "/api/v1";

/// `/api/v1/me`
pub const ME: &str = "/api/v1/me";
/// `/api/v1/auth/login`
pub const LOGIN: &str = "/api/v1/auth/login";
/// `/api/v1/auth/logout`
pub const LOGOUT: &str = "/api/v1/auth/logout";
/// `/api/v1/auth/register`
pub const REGISTER: &str = "/api/v1/auth/register";
/// `/api/v1/acting`
pub const ACTING: &str = "/api/v1/acting";
/// `/api/v1/bundles`
pub const BUNDLES: &str = "/api/v1/bundles";
/// `/api/v1/departments`
pub const DEPARTMENTS: &str = "/api/v1/departments";
/// `/api/v1/enterprises`
pub const ENTERPRISES: &str = "/api/v1/enterprises";
/// `/api/v1/profile`
pub const PROFILE: &str = "/api/v1/profile";
/// `/api/v1/offers`
pub const OFFERS: &str = "/api/v1/offers";
/// `/api/v1/submissions` (`POST` files one)
pub const SUBMISSIONS: &str = "/api/v1/submissions";
/// `/api/v1/notifications/read-all`
pub const NOTIFICATIONS_READ_ALL: &str = "/api/v1/notifications/read-all";
/// `/api/v1/uploads` (`POST` multipart uploads a file; `GET` lists unused ones)
pub const UPLOADS: &str = "/api/v1/uploads";
/// `/api/v1/ratings`
pub const RATINGS: &str = "/api/v1/ratings";
/// `/api/v1/cases`
pub const CASES: &str = "/api/v1/cases";
/// `/api/v1/people`
pub const PEOPLE: &str = "/api/v1/people";
/// `GET /api/v1/high-frequency`
pub const HIGH_FREQUENCY: &str = "/api/v1/high-frequency";
/// `/api/v1/admin/users` (`POST` creates a staff account)
pub const ADMIN_USERS: &str = "/api/v1/admin/users";
/// `/api/v1/admin/audit/verify`
pub const AUDIT_VERIFY: &str = "/api/v1/admin/audit/verify";
/// `GET /api/v1/admin/calendar`
pub const ADMIN_CALENDAR: &str = "/api/v1/admin/calendar";

/// `/api/v1/bundles/{code}`
pub fn bundle(code: &str) -> String {
    format!("{BUNDLES}/{}", encode(code))
}

/// `/api/v1/bundles/{code}/form?items={a,b}`: the merged form for the chosen
/// items (none: the server's default choice).
pub fn bundle_form(code: &str, items: &[String]) -> String {
    format!("{}/form?items={}", bundle(code), encode(&items.join(",")))
}

/// `/api/v1/drafts/{bundle}`
pub fn draft(bundle: &str) -> String {
    format!("{V1}/drafts/{}", encode(bundle))
}

/// `/api/v1/submissions?limit={limit}[&before={cursor}]`
pub fn submissions(limit: u32, before: Option<&str>) -> String {
    Query::new(SUBMISSIONS)
        .param("limit", &limit.to_string())
        .optional("before", before)
        .finish()
}

/// `/api/v1/submissions/{id}`
pub fn submission(id: &str) -> String {
    format!("{SUBMISSIONS}/{}", encode(id))
}

/// `/api/v1/submissions/{id}/supplement`
pub fn submission_supplement(id: &str) -> String {
    format!("{}/supplement", submission(id))
}

/// `/api/v1/submissions/{id}/commitments/{material}`
pub fn commitment(submission_id: &str, material: &str) -> String {
    format!("{}/commitments/{}", submission(submission_id), encode(material))
}

/// `/api/v1/uploads/{id}`
pub fn upload(id: &str) -> String {
    format!("{UPLOADS}/{}", encode(id))
}

/// `/api/v1/uploads/{id}?download=1`
pub fn upload_download(id: &str) -> String {
    format!("{}?download=1", upload(id))
}

/// `/api/v1/enterprises/{id}`
pub fn enterprise(id: &str) -> String {
    format!("{ENTERPRISES}/{}", encode(id))
}

/// `/api/v1/enterprises/{id}/agents`
pub fn enterprise_agents(id: &str) -> String {
    format!("{}/agents", enterprise(id))
}

/// `/api/v1/enterprises/{id}/agents/{user}`
pub fn enterprise_agent(id: &str, user: &str) -> String {
    format!("{}/{}", enterprise_agents(id), encode(user))
}

/// `/api/v1/profile/{key}`
pub fn profile_fact(key: &str) -> String {
    format!("{PROFILE}/{}", encode(key))
}

/// What the beneficiary decides about a 免申即享 offer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OfferDecision {
    Confirm,
    Decline,
}

/// `/api/v1/offers/{id}/confirm` or `/api/v1/offers/{id}/decline`
pub fn offer_decision(id: &str, decision: OfferDecision) -> String {
    let what = match decision {
        OfferDecision::Confirm => "confirm",
        OfferDecision::Decline => "decline",
    };
    format!("{OFFERS}/{}/{what}", encode(id))
}

/// `/api/v1/notifications?limit={limit}`
pub fn notifications(limit: u32) -> String {
    format!("{V1}/notifications?limit={limit}")
}

/// The filters of a department's queue.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QueueFilter<'a> {
    pub limit: u32,
    /// `open`, a status, or `all`.
    pub status: &'a str,
    pub overdue: bool,
    /// 办件编号 searched for; empty: none.
    pub q: &'a str,
    /// The cursor of the next page.
    pub after: Option<&'a str>,
}

/// `/api/v1/work-items?limit={limit}&status={status}[&overdue=true][&q={q}][&after={cursor}]`
pub fn work_items(f: &QueueFilter<'_>) -> String {
    Query::new(&format!("{V1}/work-items"))
        .param("limit", &f.limit.to_string())
        .param("status", f.status)
        .optional("overdue", f.overdue.then_some("true"))
        .optional("q", Some(f.q).filter(|q| !q.is_empty()))
        .optional("after", f.after)
        .finish()
}

/// `/api/v1/work-items/{id}`
pub fn work_item(id: &str) -> String {
    format!("{V1}/work-items/{}", encode(id))
}

/// `/api/v1/work-items/{id}/actions`
pub fn work_item_actions(id: &str) -> String {
    format!("{}/actions", work_item(id))
}

/// `/api/v1/work-items/{id}/materials/{key}`
pub fn work_item_material(id: &str, key: &str) -> String {
    format!("{}/materials/{}", work_item(id), encode(key))
}

/// `/api/v1/work-items/{id}/commitments/{material}`
pub fn work_item_commitment(id: &str, material: &str) -> String {
    format!("{}/commitments/{}", work_item(id), encode(material))
}

/// `/api/v1/lead/board[?bundle={code}][&before={cursor}]`
pub fn lead_board(bundle: Option<&str>, before: Option<&str>) -> String {
    Query::new(&format!("{V1}/lead/board"))
        .optional("bundle", bundle)
        .optional("before", before)
        .finish()
}

/// `/api/v1/admin/users?role={role}&limit={limit}`
pub fn admin_users(role: &str, limit: u32) -> String {
    Query::new(ADMIN_USERS)
        .param("role", role)
        .param("limit", &limit.to_string())
        .finish()
}

/// `PUT /api/v1/admin/calendar/{year}`
pub fn admin_calendar_year(year: i32) -> String {
    format!("{ADMIN_CALENDAR}/{year}")
}

/// `/api/v1/admin/audit?limit={limit}`
pub fn audit(limit: u32) -> String {
    format!("{V1}/admin/audit?limit={limit}")
}

/// `/api/v1/work-items/{id}/rating`
pub fn work_item_rating(id: &str) -> String {
    format!("{}/rating", work_item(id))
}

/// `/api/v1/submissions/{id}/rating`
pub fn submission_rating(id: &str) -> String {
    format!("{}/rating", submission(id))
}

/// `/api/v1/ratings/{id}/actions`
pub fn rating_actions(id: &str) -> String {
    format!("{RATINGS}/{}/actions", encode(id))
}

/// `/api/v1/ratings?status=appealed`
pub fn ratings(status: Option<&str>) -> String {
    Query::new(RATINGS).optional("status", status).finish()
}

/// `/api/v1/cases?queue=overdue`
pub fn cases(queue: Option<&str>) -> String {
    Query::new(CASES).optional("queue", queue).finish()
}

/// `/api/v1/cases/{id}`
pub fn case(id: &str) -> String {
    format!("{CASES}/{}", encode(id))
}

/// `/api/v1/cases/{id}/actions`
pub fn case_actions(id: &str) -> String {
    format!("{}/actions", case(id))
}

/// `/api/v1/people?q=13800138000`
pub fn people(q: &str) -> String {
    Query::new(PEOPLE).param("q", q).finish()
}

fn with_stats_query(base: &str, q: &crate::api::StatsQuery) -> String {
    Query::new(base)
        .optional("from", q.from.as_deref())
        .optional("to", q.to.as_deref())
        .optional("bundle", q.bundle.as_deref())
        .optional("department", q.department.as_deref())
        .finish()
}

/// `/api/v1/stats/overview?from=&to=&bundle=&department=`
pub fn stats_overview(q: &crate::api::StatsQuery) -> String {
    with_stats_query(&format!("{V1}/stats/overview"), q)
}

/// `/api/v1/stats/bundles/{code}?from=&to=`
pub fn stats_bundle(code: &str, q: &crate::api::StatsQuery) -> String {
    with_stats_query(&format!("{V1}/stats/bundles/{}", encode(code)), q)
}

/// `/api/v1/stats/ranking?from=&to=&bundle=&department=`
pub fn stats_ranking(q: &crate::api::StatsQuery) -> String {
    with_stats_query(&format!("{V1}/stats/ranking"), q)
}

/// `/api/v1/stats/overdue?bundle=&department=`
pub fn stats_overdue(q: &crate::api::StatsQuery) -> String {
    with_stats_query(&format!("{V1}/stats/overdue"), q)
}

/// `/api/v1/stats/report?…[&format=csv&sheet=…]`
pub fn stats_report(q: &crate::api::StatsQuery, csv_sheet: Option<&str>) -> String {
    let base = with_stats_query(&format!("{V1}/stats/report"), q);
    match csv_sheet {
        Some(sheet) => {
            let sep = if base.contains('?') { '&' } else { '?' };
            format!("{base}{sep}format=csv&sheet={}", encode(sheet))
        }
        None => base,
    }
}

/// A dashboard page (`/dashboard…`) with the same query.
pub fn dashboard(base: &str, q: &crate::api::StatsQuery) -> String {
    with_stats_query(base, q)
}

/// Percent-encodes a path segment or query value (everything but the
/// unreserved characters of RFC 3986).
pub fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => char::from(b).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A path with a query string, each value encoded.
struct Query {
    url: String,
    first: bool,
}

impl Query {
    fn new(path: &str) -> Self {
        Self {
            url: path.to_owned(),
            first: true,
        }
    }

    fn param(mut self, name: &str, value: &str) -> Self {
        self.url.push(if self.first { '?' } else { '&' });
        self.first = false;
        self.url.push_str(name);
        self.url.push('=');
        self.url.push_str(&encode(value));
        self
    }

    fn optional(self, name: &str, value: Option<&str>) -> Self {
        match value {
            Some(v) => self.param(name, v),
            None => self,
        }
    }

    fn finish(self) -> String {
        self.url
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_path_is_the_documented_one() {
        let fixed = [
            (ME, "/api/v1/me"),
            (LOGIN, "/api/v1/auth/login"),
            (LOGOUT, "/api/v1/auth/logout"),
            (REGISTER, "/api/v1/auth/register"),
            (ACTING, "/api/v1/acting"),
            (BUNDLES, "/api/v1/bundles"),
            (DEPARTMENTS, "/api/v1/departments"),
            (ENTERPRISES, "/api/v1/enterprises"),
            (PROFILE, "/api/v1/profile"),
            (OFFERS, "/api/v1/offers"),
            (SUBMISSIONS, "/api/v1/submissions"),
            (NOTIFICATIONS_READ_ALL, "/api/v1/notifications/read-all"),
            (ADMIN_USERS, "/api/v1/admin/users"),
            (AUDIT_VERIFY, "/api/v1/admin/audit/verify"),
            (ADMIN_CALENDAR, "/api/v1/admin/calendar"),
            (UPLOADS, "/api/v1/uploads"),
            (RATINGS, "/api/v1/ratings"),
            (CASES, "/api/v1/cases"),
            (PEOPLE, "/api/v1/people"),
        ];
        for (got, want) in fixed {
            assert_eq!(got, want);
        }
        let items = ["birth-certificate".to_owned(), "vaccination".to_owned()];
        let queue = QueueFilter {
            limit: 30,
            status: "open",
            ..QueueFilter::default()
        };
        let search = QueueFilter {
            limit: 30,
            status: "all",
            overdue: true,
            q: "MX20261130-ABC",
            after: Some("2026-11-30|x"),
        };
        let id = "0193a0c4-5b7e-7000-8000-000000000001";
        let cases = [
            (bundle("newborn"), "/api/v1/bundles/newborn"),
            (
                bundle_form("newborn", &items),
                "/api/v1/bundles/newborn/form?items=birth-certificate%2Cvaccination",
            ),
            (bundle_form("newborn", &[]), "/api/v1/bundles/newborn/form?items="),
            (draft("restaurant"), "/api/v1/drafts/restaurant"),
            (submissions(20, None), "/api/v1/submissions?limit=20"),
            (
                submissions(20, Some("2026-11-30T08:00:00Z")),
                "/api/v1/submissions?limit=20&before=2026-11-30T08%3A00%3A00Z",
            ),
            (submission(id), "/api/v1/submissions/{id}"),
            (submission_supplement(id), "/api/v1/submissions/{id}/supplement"),
            (
                commitment(id, "marriage_certificate"),
                "/api/v1/submissions/{id}/commitments/marriage_certificate",
            ),
            (upload(id), "/api/v1/uploads/{id}"),
            (upload_download(id), "/api/v1/uploads/{id}?download=1"),
            (
                work_item_material(id, "birth_record"),
                "/api/v1/work-items/{id}/materials/birth_record",
            ),
            (
                work_item_commitment(id, "birth_record"),
                "/api/v1/work-items/{id}/commitments/birth_record",
            ),
            (enterprise(id), "/api/v1/enterprises/{id}"),
            (enterprise_agents(id), "/api/v1/enterprises/{id}/agents"),
            (enterprise_agent(id, "u1"), "/api/v1/enterprises/{id}/agents/u1"),
            (profile_fact("enterprise_name"), "/api/v1/profile/enterprise_name"),
            (
                offer_decision(id, OfferDecision::Confirm),
                "/api/v1/offers/{id}/confirm",
            ),
            (
                offer_decision(id, OfferDecision::Decline),
                "/api/v1/offers/{id}/decline",
            ),
            (notifications(1), "/api/v1/notifications?limit=1"),
            (work_items(&queue), "/api/v1/work-items?limit=30&status=open"),
            (
                work_items(&search),
                "/api/v1/work-items?limit=30&status=all&overdue=true&q=MX20261130-ABC&after=2026-11-30%7Cx",
            ),
            (work_item(id), "/api/v1/work-items/{id}"),
            (work_item_actions(id), "/api/v1/work-items/{id}/actions"),
            (lead_board(None, None), "/api/v1/lead/board"),
            (
                lead_board(Some("newborn"), None),
                "/api/v1/lead/board?bundle=newborn",
            ),
            (
                lead_board(Some("newborn"), Some("c1")),
                "/api/v1/lead/board?bundle=newborn&before=c1",
            ),
            (lead_board(None, Some("c1")), "/api/v1/lead/board?before=c1"),
            (
                admin_users("clerk", 200),
                "/api/v1/admin/users?role=clerk&limit=200",
            ),
            (audit(20), "/api/v1/admin/audit?limit=20"),
            (admin_calendar_year(2027), "/api/v1/admin/calendar/2027"),
            (work_item_rating(id), "/api/v1/work-items/{id}/rating"),
            (submission_rating(id), "/api/v1/submissions/{id}/rating"),
            (rating_actions(id), "/api/v1/ratings/{id}/actions"),
            (ratings(None), "/api/v1/ratings"),
            (ratings(Some("appealed")), "/api/v1/ratings?status=appealed"),
            (cases(None), "/api/v1/cases"),
            (cases(Some("overdue")), "/api/v1/cases?queue=overdue"),
            (case(id), "/api/v1/cases/{id}"),
            (case_actions(id), "/api/v1/cases/{id}/actions"),
            (people("138 0013"), "/api/v1/people?q=138%200013"),
        ];
        for (got, want) in cases {
            assert_eq!(got, want.replace("{id}", id));
        }
    }

    #[test]
    fn user_input_cannot_leave_its_segment() {
        assert_eq!(bundle("../admin"), "/api/v1/bundles/..%2Fadmin");
        assert_eq!(submission("a/b?c#d"), "/api/v1/submissions/a%2Fb%3Fc%23d");
        assert_eq!(profile_fact("名称"), "/api/v1/profile/%E5%90%8D%E7%A7%B0");
        let q = QueueFilter {
            limit: 1,
            status: "open&x=1",
            q: "a b",
            ..QueueFilter::default()
        };
        assert_eq!(
            work_items(&q),
            "/api/v1/work-items?limit=1&status=open%26x%3D1&q=a%20b"
        );
    }

    #[test]
    fn encodes() {
        assert_eq!(encode("new-born_1.x~"), "new-born_1.x~");
        assert_eq!(encode("/me?x=1"), "%2Fme%3Fx%3D1");
    }
}
