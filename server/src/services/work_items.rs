//! The department workbench: queues, a work item with the answers it needs,
//! clerk actions through the state machine, dependency release, the clock,
//! the applicant's supplement (补正), and the lead department's board.

use std::collections::{BTreeMap, HashMap};

use app::api::{
    ActionRequest, ActionResult, DepartmentLoad, FieldValue, LeadBoard, Page, SubmissionHead,
    SubmissionSummary, SupplementRequest, WorkItemDetail, WorkItemRow, WorkQueue,
};
use app::catalog::merge::merge;
use app::catalog::values::check;
use app::catalog::{Bundle, Catalog, FieldKind};
use app::domain::Date;
use app::workflow::{Action, WorkStatus, clerk_actions, next, released_by};
use chrono::Utc;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait,
    FromQueryResult, QueryFilter, QueryOrder, QuerySelect, Statement,
};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::audit::{self, Event};
use super::auth::{Actor, RequestMeta};
use super::notifications::{self, Message};
use super::subject::Subject;
use super::submissions::{briefs, deadline_flags, due_date, items_of, status_of, summaries, timeline_entry};
use super::{ServiceError, ServiceResult, outbox, policies, profiles};
use crate::AppState;
use crate::db::WriteTxn;
use crate::db::entities::{submission, work_item, work_item_event};

/// Open = not completed and not rejected.
const OPEN: [&str; 4] = ["waiting", "pending", "accepted", "returned"];
const RUNNING: [&str; 2] = ["pending", "accepted"];

/// The department of a clerk; anyone else sees no workbench (404).
fn department_of(actor: &Actor) -> ServiceResult<&str> {
    actor.clerk_department().ok_or(ServiceError::NotFound)
}

/// Whether `actor`'s department leads `bundle`.
pub fn leads(catalog: &Catalog, actor: &Actor, bundle: &str) -> bool {
    actor.clerk_department().is_some_and(|d| {
        catalog
            .bundle(bundle)
            .is_some_and(|b| b.lead_department.as_str() == d)
    })
}

pub fn row(catalog: &Catalog, w: &work_item::Model, today: Date) -> WorkItemRow {
    let status = WorkStatus::parse(&w.status).unwrap_or(WorkStatus::Pending);
    let (overdue, due_soon) = deadline_flags(catalog, status, w.due_date.as_deref(), today);
    let bundle = catalog.bundle(&w.bundle);
    WorkItemRow {
        id: w.id.to_string(),
        submission_id: w.submission_id.to_string(),
        tracking_no: w.tracking_no.clone(),
        bundle: w.bundle.clone(),
        bundle_name: bundle.map(|b| b.name.clone()).unwrap_or_default(),
        item: w.item.clone(),
        item_name: bundle
            .and_then(|b| b.item(&w.item))
            .map(|i| i.name.clone())
            .unwrap_or_default(),
        department: w.department.clone(),
        status,
        due_date: w.due_date.clone(),
        overdue,
        due_soon,
        submitted_at: w.submitted_at.to_rfc3339(),
        version: w.version,
    }
}

/// Filters of the queue.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct QueueFilter {
    /// One status, `open` (default: everything not ended) or `all`.
    pub status: Option<String>,
    /// Only items past their due date.
    pub overdue: Option<bool>,
    /// A 办件编号 (exact, case-insensitive).
    pub q: Option<String>,
    /// `next` of the previous page.
    pub after: Option<String>,
    pub limit: Option<u64>,
}

/// The department's items, oldest due first (waiting items, which have no
/// due date yet, last); keyset-paged on (due date, id).
pub async fn queue(state: &AppState, actor: &Actor, f: QueueFilter) -> ServiceResult<WorkQueue> {
    let dept = department_of(actor)?.to_owned();
    let today = Date::today_china();
    let limit = f.limit.unwrap_or(30).clamp(1, 100);
    let statuses: Vec<String> = match f.status.as_deref().filter(|s| !s.is_empty()) {
        None | Some("open") => OPEN.iter().map(|s| (*s).to_owned()).collect(),
        Some("all") => app::workflow::ALL_STATUSES
            .iter()
            .map(|s| s.as_str().to_owned())
            .collect(),
        Some(s) => match WorkStatus::parse(s) {
            Some(st) => vec![st.as_str().to_owned()],
            None => {
                return Err(ServiceError::field(
                    "status",
                    "unknown_status",
                    format!("没有“{s}”这种状态"),
                ));
            }
        },
    };
    let overdue_only = f.overdue == Some(true);
    let statuses: Vec<String> = if overdue_only {
        statuses
            .into_iter()
            .filter(|s| RUNNING.contains(&s.as_str()))
            .collect()
    } else {
        statuses
    };
    let due_before = overdue_only.then(|| today.to_string());
    let cursor = f.after.as_deref().map(parse_cursor).transpose()?;
    let n = usize::try_from(limit + 1).unwrap_or(101);
    let mut rows = match f.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => {
            // A 办件编号 has a handful of items: filter and order them here.
            let mut rows: Vec<work_item::Model> = work_item::Entity::find()
                .filter(work_item::Column::TrackingNo.eq(t.to_uppercase()))
                .filter(work_item::Column::Department.eq(dept.clone()))
                .all(&state.db)
                .await?
                .into_iter()
                .filter(|w| statuses.contains(&w.status))
                .filter(|w| {
                    due_before
                        .as_ref()
                        .is_none_or(|d| w.due_date.as_ref().is_some_and(|x| x < d))
                })
                .filter(|w| {
                    cursor.as_ref().is_none_or(|(due, id)| {
                        queue_key(w.due_date.as_deref(), w.id) > queue_key(due.as_deref(), *id)
                    })
                })
                .collect();
            rows.sort_by(queue_order);
            rows.truncate(n);
            rows
        }
        None => {
            queue_page(
                &state.db,
                &dept,
                &statuses,
                due_before.as_deref(),
                cursor.as_ref(),
                n,
            )
            .await?
        }
    };
    let next = (rows.len() > n - 1).then(|| {
        rows.truncate(n - 1);
        rows.last()
            .map(|w| format!("{}~{}", w.due_date.clone().unwrap_or_default(), w.id))
    });
    let (counts, overdue) = tallies(state, &dept, today).await?;
    Ok(WorkQueue {
        items: rows.iter().map(|w| row(&state.catalog, w, today)).collect(),
        next: next.flatten(),
        counts,
        overdue,
    })
}

/// Where an item stands in the queue: due date first (items without one,
/// i.e. waiting for a prerequisite, after every dated item), then id.
fn queue_key(due: Option<&str>, id: Uuid) -> (bool, Option<&str>, Uuid) {
    (due.is_none(), due, id)
}

fn queue_order(a: &work_item::Model, b: &work_item::Model) -> std::cmp::Ordering {
    queue_key(a.due_date.as_deref(), a.id).cmp(&queue_key(b.due_date.as_deref(), b.id))
}

/// The first `n` items of `dept` with one of `statuses`, in queue order,
/// after `cursor`. Each status is one range of the `work_items_queue` index
/// (department, status, due_date, id) read in order and cut at `n`, and the
/// ranges are merged here: a page costs the same with a thousand items in a
/// department's history as with a million.
async fn queue_page(
    db: &DatabaseConnection,
    dept: &str,
    statuses: &[String],
    due_before: Option<&str>,
    cursor: Option<&(Option<String>, Uuid)>,
    n: usize,
) -> Result<Vec<work_item::Model>, sea_orm::DbErr> {
    let limit = u64::try_from(n).unwrap_or(101);
    let base = |status: &str| {
        work_item::Entity::find()
            .filter(work_item::Column::Department.eq(dept))
            .filter(work_item::Column::Status.eq(status))
    };
    let mut rows = Vec::new();
    // Dated items, unless the cursor is already among the undated ones.
    if !matches!(cursor, Some((None, _))) {
        for status in statuses {
            let mut q = base(status)
                .filter(work_item::Column::DueDate.is_not_null())
                .order_by_asc(work_item::Column::DueDate)
                .order_by_asc(work_item::Column::Id)
                .limit(limit);
            if let Some(d) = due_before {
                q = q.filter(work_item::Column::DueDate.lt(d));
            }
            if let Some((Some(due), id)) = cursor {
                q = q.filter(
                    Expr::tuple([
                        Expr::col(work_item::Column::DueDate),
                        Expr::col(work_item::Column::Id),
                    ])
                    .gt(Expr::tuple([Expr::val(due.clone()), Expr::val(*id)])),
                );
            }
            rows.extend(q.all(db).await?);
        }
    }
    // Then undated items (never overdue), if the page has room.
    if rows.len() < n && due_before.is_none() {
        for status in statuses {
            let mut q = base(status)
                .filter(work_item::Column::DueDate.is_null())
                .order_by_asc(work_item::Column::Id)
                .limit(limit);
            if let Some((None, id)) = cursor {
                q = q.filter(work_item::Column::Id.gt(*id));
            }
            rows.extend(q.all(db).await?);
        }
    }
    rows.sort_by(queue_order);
    rows.truncate(n);
    Ok(rows)
}

/// Items per status and the overdue count of a department. The open
/// statuses and the overdue count are read live from one range of the
/// queue index; the ended ones (completed, rejected), which grow with the
/// county's whole history, come from [`EndedCounts`].
async fn tallies(state: &AppState, dept: &str, today: Date) -> ServiceResult<(BTreeMap<String, u64>, u64)> {
    #[derive(Debug, FromQueryResult)]
    struct Tally {
        status: String,
        n: i64,
        overdue: Option<i64>,
    }
    let today = today.to_string();
    let overdue_expr = Expr::case(
        Expr::col(work_item::Column::Status)
            .is_in(RUNNING)
            .and(Expr::col(work_item::Column::DueDate).lt(today)),
        1,
    )
    .finally(0);
    let open: Vec<Tally> = work_item::Entity::find()
        .select_only()
        .column(work_item::Column::Status)
        .column_as(Expr::cust("COUNT(*)"), "n")
        .column_as(overdue_expr.sum(), "overdue")
        .filter(work_item::Column::Department.eq(dept))
        .filter(work_item::Column::Status.is_in(OPEN))
        .group_by(work_item::Column::Status)
        .into_model::<Tally>()
        .all(&state.db)
        .await?;
    let mut counts = state.ended_counts.get(&state.db, dept).await?;
    let mut overdue = 0;
    for t in open {
        overdue += u64::try_from(t.overdue.unwrap_or(0)).unwrap_or(0);
        counts.insert(t.status, u64::try_from(t.n).unwrap_or(0));
    }
    Ok((counts, overdue))
}

/// Counts of ended items per department, kept for a minute by each instance
/// (and dropped when this instance ends an item there): a full count reads
/// the department's whole history, too slow to repeat on every queue view.
#[derive(Debug, Default)]
pub struct EndedCounts {
    inner: std::sync::RwLock<HashMap<String, Counted>>,
}

/// When a department's ended items were counted, and the counts.
type Counted = (std::time::Instant, BTreeMap<String, u64>);

impl EndedCounts {
    const TTL: std::time::Duration = std::time::Duration::from_secs(60);

    async fn get(
        &self,
        db: &DatabaseConnection,
        dept: &str,
    ) -> Result<BTreeMap<String, u64>, sea_orm::DbErr> {
        if let Ok(map) = self.inner.read()
            && let Some((at, counts)) = map.get(dept)
            && at.elapsed() < Self::TTL
        {
            return Ok(counts.clone());
        }
        #[derive(Debug, FromQueryResult)]
        struct Count {
            status: String,
            n: i64,
        }
        let counts: BTreeMap<String, u64> = work_item::Entity::find()
            .select_only()
            .column(work_item::Column::Status)
            .column_as(Expr::cust("COUNT(*)"), "n")
            .filter(work_item::Column::Department.eq(dept))
            .filter(work_item::Column::Status.is_not_in(OPEN))
            .group_by(work_item::Column::Status)
            .into_model::<Count>()
            .all(db)
            .await?
            .into_iter()
            .map(|c| (c.status, u64::try_from(c.n).unwrap_or(0)))
            .collect();
        if let Ok(mut map) = self.inner.write() {
            map.insert(dept.to_owned(), (std::time::Instant::now(), counts.clone()));
        }
        Ok(counts)
    }

    /// Forgets a department's counts (after this instance ended an item there).
    pub fn invalidate(&self, dept: &str) {
        if let Ok(mut map) = self.inner.write() {
            map.remove(dept);
        }
    }
}

fn parse_cursor(c: &str) -> ServiceResult<(Option<String>, Uuid)> {
    let bad = || ServiceError::field("after", "invalid_cursor", "分页参数无效");
    let (due, id) = c.split_once('~').ok_or_else(bad)?;
    let id = Uuid::parse_str(id).map_err(|_| bad())?;
    let due = (!due.is_empty())
        .then(|| Date::parse(due).map(|d| d.to_string()).ok_or_else(bad))
        .transpose()?;
    Ok((due, id))
}

/// Who may see a work item: a clerk of its department, or of the bundle's
/// ★ lead department. Anyone else: 404.
async fn visible_item(state: &AppState, actor: &Actor, id: Uuid) -> ServiceResult<work_item::Model> {
    let dept = department_of(actor)?;
    let w = work_item::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if w.department == dept || leads(&state.catalog, actor, &w.bundle) {
        Ok(w)
    } else {
        Err(ServiceError::NotFound)
    }
}

fn decrypt_data(state: &AppState, s: &submission::Model) -> ServiceResult<Map<String, Value>> {
    Ok(serde_json::from_str(&state.pii.decrypt(&s.data_enc)?).map_err(anyhow::Error::from)?)
}

/// An answer for people: option labels, 是/否, the text itself.
pub fn display(catalog: &Catalog, key: &str, v: Option<&Value>) -> String {
    let Some(v) = v.filter(|v| !app::catalog::values::is_empty(Some(v))) else {
        return "未填写".into();
    };
    let def = catalog.field(key);
    match (def.map(|d| d.kind), v) {
        (Some(FieldKind::Boolean), Value::Bool(b)) => if *b { "是" } else { "否" }.into(),
        (Some(FieldKind::Material), Value::String(s)) => match s.as_str() {
            "commit" => "暂缺，已签署告知承诺",
            "certificate" => "已有电子证照，免提交",
            _ => "已备齐",
        }
        .into(),
        (Some(FieldKind::Enum), Value::String(s)) => def
            .and_then(|d| d.options.iter().find(|o| &o.value == s))
            .map_or_else(|| s.clone(), |o| o.label.clone()),
        (_, Value::String(s)) => s.clone(),
        (_, other) => other.to_string(),
    }
}

/// The answers `items` of `bundle` use.
fn fields_for(
    catalog: &Catalog,
    bundle: Option<&Bundle>,
    items: &[&str],
    data: &Map<String, Value>,
) -> (Vec<FieldValue>, Vec<FieldValue>) {
    let mut keys: Vec<&str> = Vec::new();
    for code in items {
        if let Some(i) = bundle.and_then(|b| b.item(code)) {
            for f in &i.fields {
                if !keys.contains(&f.key.as_str()) {
                    keys.push(f.key.as_str());
                }
            }
        }
    }
    // Dictionary order, like the form.
    let mut fields = Vec::new();
    let mut materials = Vec::new();
    for def in catalog.fields.iter().filter(|d| keys.contains(&d.key.as_str())) {
        let v = FieldValue {
            key: def.key.clone(),
            label: def.label.clone(),
            kind: def.kind,
            value: data.get(&def.key).cloned(),
            display: display(catalog, &def.key, data.get(&def.key)),
        };
        if def.kind == FieldKind::Material {
            materials.push(v)
        } else {
            fields.push(v)
        }
    }
    (fields, materials)
}

/// A work item with what its clerk needs to decide; the view is audited.
pub async fn detail(
    state: &AppState,
    actor: &Actor,
    id: Uuid,
    meta: &RequestMeta,
) -> ServiceResult<WorkItemDetail> {
    let w = visible_item(state, actor, id).await?;
    let s = submission::Entity::find_by_id(w.submission_id)
        .one(&state.db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let data = decrypt_data(state, &s)?;
    let bundle = state.catalog.bundle(&s.bundle);
    let items = items_of(&state.db, s.id).await?;
    let today = Date::today_china();
    let (fields, mut materials) = fields_for(&state.catalog, bundle, &[w.item.as_str()], &data);
    verify_certificates(state, &s, &mut materials).await?;
    let history = work_item_event::Entity::find()
        .filter(work_item_event::Column::WorkItemId.eq(w.id))
        .order_by_asc(work_item_event::Column::At)
        .order_by_asc(work_item_event::Column::Id)
        .all(&state.db)
        .await?
        .into_iter()
        .map(|e| timeline_entry(e, &items))
        .collect();
    let status = WorkStatus::parse(&w.status).unwrap_or(WorkStatus::Pending);
    let own = actor.clerk_department() == Some(w.department.as_str());
    audit::record_or_log(
        &state.db,
        Event {
            who: actor.who(),
            action: "view_submission",
            object: format!("submission:{}", s.id),
            detail: json!({ "work_item": w.id.to_string(), "department": actor.department }),
            ip: meta.ip.clone(),
        },
    )
    .await;
    Ok(WorkItemDetail {
        work_item: row(&state.catalog, &w, today),
        submission: SubmissionHead {
            id: s.id.to_string(),
            tracking_no: s.tracking_no.clone(),
            bundle: s.bundle.clone(),
            bundle_name: bundle.map(|b| b.name.clone()).unwrap_or_default(),
            status: status_of(bundle, &items),
            submitted_at: s.submitted_at.to_rfc3339(),
        },
        fields,
        materials,
        history,
        siblings: briefs(&state.catalog, bundle, &items, today),
        allowed_actions: if own { clerk_actions(status) } else { Vec::new() },
        result: w.result.as_deref().and_then(|r| serde_json::from_str(r).ok()),
        issues_certificate: bundle
            .and_then(|b| b.item(&w.item))
            .and_then(|i| i.result_certificate.clone()),
    })
}

/// Materials answered "e-certificate": look the certificate up now, so the
/// clerk sees it verified (or that it is missing or expired).
async fn verify_certificates(
    state: &AppState,
    s: &submission::Model,
    materials: &mut [FieldValue],
) -> ServiceResult<()> {
    let Some(subject) = Subject::parse(&s.subject) else {
        return Ok(());
    };
    for m in materials
        .iter_mut()
        .filter(|m| m.value.as_ref().and_then(Value::as_str) == Some("certificate"))
    {
        let Some(kind) = state.catalog.field(&m.key).and_then(|f| f.certificate.clone()) else {
            continue;
        };
        m.display = match profiles::valid_certificate(&state.db, subject, &kind).await? {
            Some(c) => format!(
                "电子证照：{} {}（{}，已核验）",
                c.name,
                c.number,
                c.valid_until
                    .map_or_else(|| "长期有效".to_owned(), |u| format!("有效期至 {u}"))
            ),
            None => "电子证照未找到或已失效，请申请人补交".into(),
        };
    }
    Ok(())
}

/// `accept` → `accepted`, … (event names are past tense).
fn past(a: Action) -> &'static str {
    match a {
        Action::Accept => "accepted",
        Action::Return => "returned",
        Action::Complete => "completed",
        Action::Reject => "rejected",
        Action::Release => "released",
        Action::Supplement => "supplemented",
    }
}

/// Serialises actions on one submission: on PostgreSQL a row lock on the
/// submission; on SQLite the first write of the transaction already takes the
/// database's single write lock.
async fn lock_submission(txn: &WriteTxn, id: Uuid) -> Result<(), sea_orm::DbErr> {
    if txn.get_database_backend() == DbBackend::Postgres {
        txn.query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT id FROM submissions WHERE id = $1 FOR UPDATE",
            [id.into()],
        ))
        .await?;
    } else {
        // A no-op write: takes SQLite's write lock before anything is read.
        txn.execute_raw(Statement::from_sql_and_values(
            DbBackend::Sqlite,
            "UPDATE submissions SET id = id WHERE id = ?",
            [id.into()],
        ))
        .await?;
    }
    Ok(())
}

fn event(
    w: &work_item::Model,
    who: (Option<Uuid>, String),
    name: &str,
    from: WorkStatus,
    to: WorkStatus,
    comment: Option<String>,
) -> work_item_event::ActiveModel {
    work_item_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        submission_id: Set(w.submission_id),
        work_item_id: Set(Some(w.id)),
        at: Set(Utc::now()),
        actor_id: Set(who.0),
        actor: Set(who.1),
        department: Set(Some(w.department.clone())),
        event: Set(name.to_owned()),
        from_status: Set(Some(from.as_str().to_owned())),
        to_status: Set(Some(to.as_str().to_owned())),
        comment: Set(comment),
    }
}

/// Moves `w` from `from` to `to` if nobody else did meanwhile (its version
/// is unchanged); `false` when another action won.
async fn transition(
    txn: &WriteTxn,
    w: &work_item::Model,
    to: WorkStatus,
    extra: Vec<(work_item::Column, sea_orm::sea_query::SimpleExpr)>,
) -> Result<bool, sea_orm::DbErr> {
    let mut q = work_item::Entity::update_many()
        .col_expr(work_item::Column::Status, Expr::value(to.as_str()))
        .col_expr(
            work_item::Column::Version,
            Expr::col(work_item::Column::Version).add(1),
        )
        .col_expr(work_item::Column::UpdatedAt, Expr::value(Utc::now()));
    for (c, e) in extra {
        q = q.col_expr(c, e);
    }
    let res = q
        .filter(work_item::Column::Id.eq(w.id))
        .filter(work_item::Column::Version.eq(w.version))
        .filter(work_item::Column::Status.eq(w.status.clone()))
        .exec(txn)
        .await?;
    Ok(res.rows_affected == 1)
}

/// The certificate number (and optional `valid_until`) of a completion's result.
fn issued_certificate(
    spec: app::catalog::ResultCertificate,
    result: Option<&str>,
) -> ServiceResult<(app::catalog::ResultCertificate, String, Option<Date>)> {
    let r: Value = result
        .and_then(|r| serde_json::from_str(r).ok())
        .unwrap_or(Value::Null);
    let number = r
        .get("certificate_no")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|n| !n.is_empty() && n.len() <= 64);
    let Some(number) = number else {
        return Err(ServiceError::field(
            "result",
            "certificate_no_required",
            format!(
                "办结本事项会发放{}，请填写证照编号（result.certificate_no）",
                spec.name
            ),
        ));
    };
    let until = match r.get("valid_until").and_then(Value::as_str) {
        Some(s) => Some(Date::parse(s).ok_or_else(|| {
            ServiceError::field("result", "valid_until_invalid", "有效期至应为 YYYY-MM-DD")
        })?),
        None => None,
    };
    Ok((spec, number.to_owned(), until))
}

fn conflict() -> ServiceError {
    ServiceError::Conflict {
        code: "version_conflict",
        message: "这件事项刚被他人处理过，请刷新后再操作".into(),
    }
}

/// A clerk's action on a work item of their department.
pub async fn act(
    state: &AppState,
    actor: &Actor,
    id: Uuid,
    req: ActionRequest,
) -> ServiceResult<ActionResult> {
    let w = visible_item(state, actor, id).await?;
    if actor.clerk_department() != Some(w.department.as_str()) {
        return Err(ServiceError::Forbidden {
            code: "not_your_department",
            message: "只有承办部门可以办理这件事项".into(),
        });
    }
    let action = Action::parse(&req.action)
        .filter(|a| a.actor() == app::workflow::Actor::Clerk)
        .ok_or_else(|| {
            ServiceError::field(
                "action",
                "unknown_action",
                "操作只能是 accept、return、complete 或 reject",
            )
        })?;
    let comment = req
        .comment
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(ToOwned::to_owned);
    if action.needs_comment() && comment.is_none() {
        return Err(ServiceError::field(
            "comment",
            "required",
            "退回补正或不予办理时，请写明原因",
        ));
    }
    if comment.as_ref().is_some_and(|c| c.chars().count() > 1000) {
        return Err(ServiceError::field("comment", "too_long", "说明不能超过 1000 字"));
    }
    let result = match req.result {
        Some(Value::Object(o)) if action == Action::Complete => Some(Value::Object(o).to_string()),
        Some(Value::Null) | None => None,
        Some(_) => {
            return Err(ServiceError::field(
                "result",
                "invalid",
                "result 应为 JSON 对象，且仅用于办结",
            ));
        }
    };
    if result.as_ref().is_some_and(|r| r.len() > 8 * 1024) {
        return Err(ServiceError::field("result", "too_large", "办理结果过大"));
    }
    if req.version.is_some_and(|v| v != w.version) {
        return Err(conflict());
    }
    // An item that issues an e-certificate needs its number on completion.
    let certificate = match state
        .catalog
        .bundle(&w.bundle)
        .and_then(|b| b.item(&w.item))
        .and_then(|i| i.result_certificate.clone())
    {
        Some(spec) if action == Action::Complete => Some(issued_certificate(spec, result.as_deref())?),
        _ => None,
    };
    let from = WorkStatus::parse(&w.status).unwrap_or(WorkStatus::Pending);
    let Some(to) = next(from, action) else {
        return Err(ServiceError::Conflict {
            code: "invalid_transition",
            message: format!("“{}”状态的事项不能{}", from.label(), action.label()),
        });
    };

    let today = Date::today_china();
    let txn = state.writes.begin(&state.db).await?;
    lock_submission(&txn, w.submission_id).await?;
    let mut extra = Vec::new();
    match action {
        Action::Return => extra.push((work_item::Column::PausedAt, Expr::value(Utc::now()))),
        Action::Complete => extra.push((work_item::Column::Result, Expr::value(result.clone()))),
        _ => {}
    }
    if !transition(&txn, &w, to, extra).await? {
        return Err(conflict());
    }
    let who = {
        let w = actor.who();
        (w.id, w.label)
    };
    work_item_event::Entity::insert(event(&w, who, action.as_str(), from, to, comment.clone()))
        .exec(&txn)
        .await?;

    let s = submission::Entity::find_by_id(w.submission_id)
        .one(&txn)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let bundle = state.catalog.bundle(&w.bundle);
    let subject = Subject::parse(&s.subject);
    if action == Action::Accept {
        // 一企一档/一人一档: remember what this department accepted.
        if let (Some(subject), Some(item)) = (subject, bundle.and_then(|b| b.item(&w.item))) {
            let keys: Vec<&str> = item.fields.iter().map(|f| f.key.as_str()).collect();
            let data = decrypt_data(state, &s)?;
            profiles::record_accepted(state, &txn, subject, s.id, &keys, &data).await?;
        }
    }
    let mut released = Vec::new();
    if action == Action::Complete {
        released = release(state, &txn, bundle, w.submission_id, today).await?;
        if let (Some(subject), Some((spec, number, until))) = (subject, &certificate) {
            profiles::issue_certificate(
                &txn,
                profiles::NewCertificate {
                    subject,
                    kind: &spec.kind,
                    name: &spec.name,
                    number,
                    issued_by: &w.department,
                    valid_from: today,
                    valid_until: until
                        .or_else(|| spec.valid_years.map(|y| today.add_days(i64::from(y) * 365))),
                    submission_id: Some(s.id),
                    work_item_id: Some(w.id),
                },
            )
            .await?;
        }
    }
    notify(state, &txn, &s, &w, action, comment.as_deref()).await?;
    // Department systems hear of the transition and of what it released.
    let now_items = items_of(&txn, s.id).await?;
    let data = if released.is_empty() {
        None
    } else {
        Some(decrypt_data(state, &s)?)
    };
    let events = now_items
        .iter()
        .filter_map(|x| {
            let (name, fields) = if x.id == w.id {
                (format!("work_item.{}", past(action)), None)
            } else if released.contains(&x.id.to_string()) {
                (
                    "work_item.released".to_owned(),
                    data.as_ref()
                        .map(|d| outbox::item_fields(state, &x.bundle, &x.item, d)),
                )
            } else {
                return None;
            };
            Some(outbox::NewEvent {
                event: name,
                work_item: x.clone(),
                submission: (&s).into(),
                fields,
                comment: (x.id == w.id).then(|| comment.clone()).flatten(),
            })
        })
        .collect();
    outbox::enqueue(state, &txn, events).await?;
    txn.commit().await?;
    if matches!(action, Action::Complete | Action::Reject) {
        state.ended_counts.invalidate(&w.department);
    }
    if matches!(action, Action::Accept | Action::Complete) {
        // 免申即享: the profile, the certificates or a completed bundle may
        // now match a policy.
        policies::after_action(state, &w).await;
    }

    let fresh = work_item::Entity::find_by_id(w.id)
        .one(&state.db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let items = items_of(&state.db, w.submission_id).await?;
    let all = briefs(&state.catalog, bundle, &items, today);
    Ok(ActionResult {
        work_item: row(&state.catalog, &fresh, today),
        released: all.into_iter().filter(|b| released.contains(&b.id)).collect(),
    })
}

/// Starts the clocks of waiting items whose dependencies are now all done.
async fn release(
    state: &AppState,
    txn: &WriteTxn,
    bundle: Option<&Bundle>,
    submission: Uuid,
    today: Date,
) -> Result<Vec<String>, sea_orm::DbErr> {
    let items = items_of(txn, submission).await?;
    let st = super::submissions::states(bundle, &items);
    let mut out = Vec::new();
    for n in released_by(&st) {
        let w = &items[n];
        let due = due_date(&state.catalog, today, w.due_days).to_string();
        let ok = transition(
            txn,
            w,
            WorkStatus::Pending,
            vec![
                (work_item::Column::DueDate, Expr::value(Some(due))),
                (
                    work_item::Column::ClockStartedOn,
                    Expr::value(Some(today.to_string())),
                ),
            ],
        )
        .await?;
        if ok {
            let e = event(
                w,
                (None, "system".into()),
                Action::Release.as_str(),
                WorkStatus::Waiting,
                WorkStatus::Pending,
                None,
            );
            work_item_event::Entity::insert(e).exec(txn).await?;
            out.push(w.id.to_string());
        }
    }
    Ok(out)
}

async fn notify(
    state: &AppState,
    txn: &WriteTxn,
    s: &submission::Model,
    w: &work_item::Model,
    action: Action,
    comment: Option<&str>,
) -> Result<(), sea_orm::DbErr> {
    let item = state
        .catalog
        .bundle(&w.bundle)
        .and_then(|b| b.item(&w.item))
        .map(|i| i.name.clone())
        .unwrap_or_default();
    let dept = state
        .catalog
        .department(&w.department)
        .map(|d| d.name.clone())
        .unwrap_or_default();
    let (kind, what, body) = match action {
        Action::Accept => ("accept", "已受理", format!("{dept}已受理，正在办理。")),
        Action::Complete => ("complete", "已办结", format!("{dept}已办结。")),
        Action::Return => (
            "return",
            "需要补正",
            format!(
                "{dept}退回补正：{}。请在“我的办件”中修改后重新提交，补正期间办理时限暂停计算。",
                comment.unwrap_or_default()
            ),
        ),
        Action::Reject => (
            "reject",
            "不予办理",
            format!(
                "{dept}不予办理：{}。如有疑问可拨打 12345。",
                comment.unwrap_or_default()
            ),
        ),
        _ => return Ok(()),
    };
    notifications::write(
        txn,
        Message {
            user_id: s.applicant_id,
            submission_id: Some(s.id),
            work_item_id: Some(w.id),
            kind,
            title: format!("{item} {what}（办件编号 {}）", s.tracking_no),
            body,
        },
    )
    .await
}

/// The applicant corrects a returned item (补正): the answers are updated,
/// the item is pending again and its clock resumes where it stopped (the
/// due date moves by the working days it was paused).
pub async fn supplement(
    state: &AppState,
    actor: &Actor,
    submission_id: Uuid,
    req: SupplementRequest,
) -> ServiceResult<ActionResult> {
    let s = submission::Entity::find_by_id(submission_id)
        .one(&state.db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if !super::submissions::may_act_on(actor, &s) {
        return Err(ServiceError::NotFound);
    }
    let wid = Uuid::parse_str(&req.work_item)
        .map_err(|_| ServiceError::field("work_item", "unknown_work_item", "没有这个事项"))?;
    let w = work_item::Entity::find_by_id(wid)
        .one(&state.db)
        .await?
        .filter(|w| w.submission_id == s.id)
        .ok_or_else(|| ServiceError::field("work_item", "unknown_work_item", "本办件中没有这个事项"))?;
    let from = WorkStatus::parse(&w.status).unwrap_or(WorkStatus::Pending);
    if next(from, Action::Supplement).is_none() {
        return Err(ServiceError::Conflict {
            code: "invalid_transition",
            message: "这个事项不需要补正".into(),
        });
    }
    let bundle = state.catalog.bundle(&s.bundle).ok_or(ServiceError::NotFound)?;
    let chosen: Vec<String> = serde_json::from_str(&s.items).map_err(anyhow::Error::from)?;
    let form = merge(&state.catalog, bundle, Some(&chosen)).map_err(ServiceError::Validation)?;
    let item_keys: Vec<&str> = bundle
        .item(&w.item)
        .map(|i| i.fields.iter().map(|f| f.key.as_str()).collect())
        .unwrap_or_default();
    let today = Date::today_china();
    let mut data = decrypt_data(state, &s)?;
    let mut errors = Vec::new();
    for (k, v) in &req.data {
        match form.field(k).filter(|_| item_keys.contains(&k.as_str())) {
            None => errors.push(app::api::FieldError {
                field: k.clone(),
                code: "unknown_field".into(),
                message: format!("这个事项不使用“{k}”"),
            }),
            Some(f) => match check(f, Some(v), today) {
                Ok(Some(v)) => {
                    data.insert(k.clone(), v);
                }
                Ok(None) => {
                    data.remove(k);
                }
                Err(e) => errors.push(e),
            },
        }
    }
    if !errors.is_empty() {
        return Err(ServiceError::Validation(errors));
    }

    // The clock resumes: the due date moves by the working days it was paused.
    let paused_on = w
        .paused_at
        .map(|t| Date::from_days_since_epoch((t.timestamp() + 8 * 3600).div_euclid(86_400)));
    let paused_days = paused_on.map_or(0, |p| state.catalog.calendar.working_days_between(p, today));
    let due = w.due_date.as_deref().and_then(Date::parse).map(|d| {
        state
            .catalog
            .calendar
            .add_working_days(d, paused_days)
            .to_string()
    });

    let txn = state.writes.begin(&state.db).await?;
    lock_submission(&txn, s.id).await?;
    let ok = transition(
        &txn,
        &w,
        WorkStatus::Pending,
        vec![
            (
                work_item::Column::PausedAt,
                Expr::value(None::<chrono::DateTime<Utc>>),
            ),
            (work_item::Column::DueDate, Expr::value(due)),
        ],
    )
    .await?;
    if !ok {
        return Err(conflict());
    }
    let data_now = data.clone();
    submission::Entity::update_many()
        .col_expr(
            submission::Column::DataEnc,
            Expr::value(state.pii.encrypt(&Value::Object(data).to_string())),
        )
        .filter(submission::Column::Id.eq(s.id))
        .exec(&txn)
        .await?;
    let comment = (paused_days > 0).then(|| format!("补正用时 {paused_days} 个工作日，办结期限相应顺延"));
    let e = event(
        &w,
        (Some(actor.user_id), actor.who().label),
        Action::Supplement.as_str(),
        from,
        WorkStatus::Pending,
        comment,
    );
    work_item_event::Entity::insert(e).exec(&txn).await?;
    if let Some(fresh) = work_item::Entity::find_by_id(w.id).one(&txn).await? {
        let fields = outbox::item_fields(state, &fresh.bundle, &fresh.item, &data_now);
        let e = outbox::NewEvent {
            event: "work_item.supplemented".into(),
            work_item: fresh,
            submission: (&s).into(),
            fields: Some(fields),
            comment: None,
        };
        outbox::enqueue(state, &txn, vec![e]).await?;
    }
    txn.commit().await?;
    let fresh = work_item::Entity::find_by_id(w.id)
        .one(&state.db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    Ok(ActionResult {
        work_item: row(&state.catalog, &fresh, today),
        released: Vec::new(),
    })
}

/// A submission as staff see it: the lead department everything; a clerk of
/// an involved department the answers their items use. Audited.
pub async fn staff_view(
    state: &AppState,
    actor: &Actor,
    s: &submission::Model,
    meta: &RequestMeta,
) -> ServiceResult<app::api::SubmissionDto> {
    let dept = department_of(actor)?;
    let items = items_of(&state.db, s.id).await?;
    let bundle = state.catalog.bundle(&s.bundle);
    let data = decrypt_data(state, s)?;
    let data = if leads(&state.catalog, actor, &s.bundle) {
        data
    } else {
        let mine: Vec<&str> = items
            .iter()
            .filter(|w| w.department == dept)
            .map(|w| w.item.as_str())
            .collect();
        if mine.is_empty() {
            return Err(ServiceError::NotFound);
        }
        let (fields, materials) = fields_for(&state.catalog, bundle, &mine, &data);
        fields
            .into_iter()
            .chain(materials)
            .filter_map(|f| f.value.map(|v| (f.key, v)))
            .collect()
    };
    audit::record_or_log(
        &state.db,
        Event {
            who: actor.who(),
            action: "view_submission",
            object: format!("submission:{}", s.id),
            detail: json!({ "department": dept }),
            ip: meta.ip.clone(),
        },
    )
    .await;
    super::submissions::view(state, s, data).await
}

/// The ★ lead department's board of one of its bundles.
pub async fn board(
    state: &AppState,
    actor: &Actor,
    bundle: Option<&str>,
    before: Option<Uuid>,
) -> ServiceResult<LeadBoard> {
    let dept = department_of(actor)?;
    let led: Vec<&Bundle> = state
        .catalog
        .bundles
        .iter()
        .filter(|b| b.lead_department.as_str() == dept)
        .collect();
    let b = match bundle {
        Some(code) => led
            .iter()
            .find(|b| b.code.as_str() == code)
            .copied()
            .ok_or(ServiceError::NotFound)?,
        None => led.first().copied().ok_or(ServiceError::NotFound)?,
    };
    let today = Date::today_china().to_string();

    #[derive(Debug, FromQueryResult)]
    struct Load {
        department: String,
        status: String,
        n: i64,
    }
    let loads = work_item::Entity::find()
        .select_only()
        .column(work_item::Column::Department)
        .column(work_item::Column::Status)
        .column_as(Expr::col(work_item::Column::Id).count(), "n")
        .filter(work_item::Column::Bundle.eq(b.code.as_str()))
        .filter(work_item::Column::Status.is_in(OPEN))
        .group_by(work_item::Column::Department)
        .group_by(work_item::Column::Status)
        .into_model::<Load>()
        .all(&state.db)
        .await?;
    #[derive(Debug, FromQueryResult)]
    struct Late {
        department: String,
        n: i64,
    }
    let late_by_dept = work_item::Entity::find()
        .select_only()
        .column(work_item::Column::Department)
        .column_as(Expr::col(work_item::Column::Id).count(), "n")
        .filter(work_item::Column::Bundle.eq(b.code.as_str()))
        .filter(work_item::Column::Status.is_in(RUNNING))
        .filter(work_item::Column::DueDate.lt(today.clone()))
        .group_by(work_item::Column::Department)
        .into_model::<Late>()
        .all(&state.db)
        .await?;
    let mut by_dept: BTreeMap<String, DepartmentLoad> = BTreeMap::new();
    for d in b.departments() {
        by_dept.insert(
            d.to_string(),
            DepartmentLoad {
                department: d.to_string(),
                department_name: state
                    .catalog
                    .department(d.as_str())
                    .map(|x| x.name.clone())
                    .unwrap_or_default(),
                open: 0,
                overdue: 0,
                returned: 0,
            },
        );
    }
    for l in loads {
        if let Some(e) = by_dept.get_mut(&l.department) {
            let n = u64::try_from(l.n).unwrap_or(0);
            e.open += n;
            if l.status == "returned" {
                e.returned += n;
            }
        }
    }
    for l in late_by_dept {
        if let Some(e) = by_dept.get_mut(&l.department) {
            e.overdue = u64::try_from(l.n).unwrap_or(0);
        }
    }
    let mut departments: Vec<DepartmentLoad> = by_dept.into_values().collect();
    departments.sort_by(|a, b| b.overdue.cmp(&a.overdue).then(b.open.cmp(&a.open)));

    // Submissions with overdue items, the most overdue first.
    #[derive(Debug, FromQueryResult)]
    struct LateSubmission {
        submission_id: Uuid,
    }
    let late: Vec<Uuid> = work_item::Entity::find()
        .select_only()
        .column(work_item::Column::SubmissionId)
        .expr_as(Expr::col(work_item::Column::DueDate).min(), "first_due")
        .filter(work_item::Column::Bundle.eq(b.code.as_str()))
        .filter(work_item::Column::Status.is_in(RUNNING))
        .filter(work_item::Column::DueDate.lt(today))
        .group_by(work_item::Column::SubmissionId)
        .order_by_asc(Expr::col(work_item::Column::DueDate).min())
        .limit(50)
        .into_model::<LateSubmission>()
        .all(&state.db)
        .await?
        .into_iter()
        .map(|l| l.submission_id)
        .collect();
    let overdue = summaries(
        state,
        submission::Entity::find()
            .filter(submission::Column::Id.is_in(late.clone()))
            .all(&state.db)
            .await?,
    )
    .await?;
    let mut overdue: Vec<SubmissionSummary> = overdue;
    overdue.sort_by_key(|s| late.iter().position(|l| l.to_string() == s.id));

    let limit = 20;
    let mut q = submission::Entity::find()
        .filter(submission::Column::Bundle.eq(b.code.as_str()))
        .order_by_desc(submission::Column::Id)
        .limit(limit + 1);
    if let Some(before) = before {
        q = q.filter(submission::Column::Id.lt(before));
    }
    let mut rows = q.all(&state.db).await?;
    let next = (rows.len() as u64 > limit).then(|| {
        rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        rows.last().map(|s| s.id.to_string())
    });
    Ok(LeadBoard {
        bundle: b.code.to_string(),
        bundle_name: b.name.clone(),
        bundles: led.iter().map(|b| b.code.to_string()).collect(),
        departments,
        overdue,
        submissions: Page {
            items: summaries(state, rows).await?,
            next: next.flatten(),
        },
    })
}
