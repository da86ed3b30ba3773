//! The ★ lead department's board of a bundle: loads per department, the
//! overdue submissions, and every submission, newest first.

use std::collections::BTreeMap;

use app::api::{DepartmentLoad, LeadBoard, Page, SubmissionSummary};
use app::catalog::Bundle;
use app::domain::Date;
use app::workflow::{OPEN_STATUSES, RUNNING_STATUSES, WorkStatus};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use super::department_of;
use crate::AppState;
use crate::db::entities::{submission, work_item};
use crate::identity::Actor;
use crate::services::tracking::summaries;
use crate::services::{ServiceError, ServiceResult, paging};

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
    let today = Date::today_china();

    #[derive(Debug, FromQueryResult)]
    struct Load {
        department: String,
        status: WorkStatus,
        n: i64,
    }
    let loads = work_item::Entity::find()
        .select_only()
        .column(work_item::Column::Department)
        .column(work_item::Column::Status)
        .column_as(Expr::col(work_item::Column::Id).count(), "n")
        .filter(work_item::Column::Bundle.eq(b.code.as_str()))
        .filter(work_item::Column::Status.is_in(OPEN_STATUSES))
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
        .filter(work_item::Column::Status.is_in(RUNNING_STATUSES))
        .filter(work_item::Column::DueDate.lt(today))
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
            if l.status == WorkStatus::Returned {
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
        .filter(work_item::Column::Status.is_in(RUNNING_STATUSES))
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

    let (rows, next) = paging::by_id(
        &state.db,
        submission::Entity::find().filter(submission::Column::Bundle.eq(b.code.as_str())),
        (submission::Column::Id, |s| s.id),
        paging::Order::NewestFirst,
        before,
        20,
    )
    .await?;
    Ok(LeadBoard {
        bundle: b.code.to_string(),
        bundle_name: b.name.clone(),
        bundles: led.iter().map(|b| b.code.to_string()).collect(),
        departments,
        overdue,
        submissions: Page {
            items: summaries(state, rows).await?,
            next,
        },
    })
}
