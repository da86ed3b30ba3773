//! The department workbench: queues, a work item with the answers it needs,
//! clerk actions through the state machine, dependency release, the clock,
//! the applicant's supplement (补正), and the lead department's board. One
//! module per job; this one holds what they share (who sees an item, its row).

pub mod actions;
pub mod board;
pub mod detail;
pub mod ended_counts;
pub mod queue;
pub mod supplement;
mod transitions;

use app::api::WorkItemRow;
use app::catalog::Catalog;
use app::domain::Date;
use sea_orm::EntityTrait;
use uuid::Uuid;

use super::tracking::deadline_flags;
use super::{ServiceError, ServiceResult};
use crate::AppState;
use crate::db::entities::work_item;
use crate::identity::Actor;

pub use actions::act;
pub use board::board;
pub use detail::{detail, staff_view};
pub use queue::{QueueFilter, queue};
pub use supplement::supplement;

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
    let status = w.status;
    let (overdue, due_soon) = deadline_flags(catalog, status, w.due_date, today);
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
        due_date: w.due_date.map(|d| d.to_string()),
        overdue,
        due_soon,
        submitted_at: w.submitted_at.to_rfc3339(),
        version: w.version,
        commitments_overdue: 0,
    }
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
