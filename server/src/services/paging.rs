//! Keyset paging, the one way every list of the API pages: fetch one row
//! more than the page holds, keep the page, and hand out the key of its last
//! row as the cursor of the next page. Ids are UUIDv7, so ordering by id is
//! ordering by creation time and needs no extra index.

use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
    Select,
};
use uuid::Uuid;

/// Which way a list runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    /// Newest first; the cursor is the last id seen (`before`).
    NewestFirst,
    /// Oldest first; the cursor is the last id seen (`after`).
    OldestFirst,
}

/// A page of rows and the cursor of the next page, if there is one.
pub type Page<M> = (Vec<M>, Option<String>);

/// A table's id column and how to read it from a row.
pub type IdColumn<E> = (<E as EntityTrait>::Column, fn(&<E as EntityTrait>::Model) -> Uuid);

/// Keeps the first `limit` of the `limit + 1` rows fetched and returns the
/// cursor of the last kept row when there were more.
pub fn cut<T>(rows: &mut Vec<T>, limit: u64, cursor: impl Fn(&T) -> String) -> Option<String> {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    if rows.len() <= limit {
        return None;
    }
    rows.truncate(limit);
    rows.last().map(cursor)
}

/// One page of `query` ordered by its UUIDv7 `id` column, after `cursor`.
pub async fn by_id<E, C>(
    db: &C,
    query: Select<E>,
    (id, id_of): IdColumn<E>,
    order: Order,
    cursor: Option<Uuid>,
    limit: u64,
) -> Result<Page<E::Model>, DbErr>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    let query = match order {
        Order::NewestFirst => query
            .order_by_desc(id)
            .apply_if(cursor, |q, c| q.filter(id.lt(c))),
        Order::OldestFirst => query.order_by_asc(id).apply_if(cursor, |q, c| q.filter(id.gt(c))),
    };
    let mut rows = query.limit(limit + 1).all(db).await?;
    let next = cut(&mut rows, limit, |m| id_of(m).to_string());
    Ok((rows, next))
}

#[cfg(test)]
mod tests {
    use super::cut;

    #[test]
    fn a_page_with_more_behind_it_has_a_cursor() {
        let mut rows = vec![1, 2, 3];
        assert_eq!(cut(&mut rows, 2, |n| n.to_string()), Some("2".into()));
        assert_eq!(rows, [1, 2]);
        let mut rows = vec![1, 2];
        assert_eq!(cut(&mut rows, 2, |n| n.to_string()), None);
        assert_eq!(rows, [1, 2]);
    }
}
