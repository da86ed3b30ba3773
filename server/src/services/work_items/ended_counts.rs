//! Counts of ended work items per department, cached by each instance.

use std::collections::{BTreeMap, HashMap};

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, FromQueryResult, QueryFilter, QuerySelect};

use crate::db::entities::work_item;
use app::workflow::{OPEN_STATUSES, WorkStatus};

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

    pub async fn get(
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
            status: WorkStatus,
            n: i64,
        }
        let counts: BTreeMap<String, u64> = work_item::Entity::find()
            .select_only()
            .column(work_item::Column::Status)
            .column_as(Expr::cust("COUNT(*)"), "n")
            .filter(work_item::Column::Department.eq(dept))
            .filter(work_item::Column::Status.is_not_in(OPEN_STATUSES))
            .group_by(work_item::Column::Status)
            .into_model::<Count>()
            .all(db)
            .await?
            .into_iter()
            .map(|c| (c.status.to_string(), u64::try_from(c.n).unwrap_or(0)))
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
