//! Which departments have a delivery endpoint, as a short-lived cache held
//! in the shared state. A leaf: it reads the table and nothing else.

use std::collections::HashSet;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use crate::db::entities::department_endpoint;

/// Which departments have a delivery endpoint, cached for a few seconds so
/// the submission hot path does not query it every time (a change reaches
/// every instance within `TTL`).
#[derive(Debug, Default)]
pub struct EndpointCache {
    inner: RwLock<Option<(Instant, HashSet<String>)>>,
}

const TTL: Duration = Duration::from_secs(5);

impl EndpointCache {
    pub async fn departments(&self, db: &DatabaseConnection) -> Result<HashSet<String>, sea_orm::DbErr> {
        if let Ok(guard) = self.inner.read()
            && let Some((_, set)) = guard.as_ref().filter(|(at, _)| at.elapsed() < TTL)
        {
            return Ok(set.clone());
        }
        let set: HashSet<String> = department_endpoint::Entity::find()
            .filter(department_endpoint::Column::Enabled.eq(true))
            .filter(department_endpoint::Column::Url.is_not_null())
            .all(db)
            .await?
            .into_iter()
            .map(|e| e.department)
            .collect();
        if let Ok(mut guard) = self.inner.write() {
            *guard = Some((Instant::now(), set.clone()));
        }
        Ok(set)
    }

    /// Forget the cache (after a configuration change on this instance).
    pub fn invalidate(&self) {
        if let Ok(mut guard) = self.inner.write() {
            *guard = None;
        }
    }
}
