//! Column types of our own that are not a domain type: stored as text,
//! checked when read (a corrupt value is an error, never a default).

use sea_orm::sea_query::{ArrayType, ColumnType, Nullable, ValueType, ValueTypeErr};
use sea_orm::{ColIdx, DbErr, QueryResult, TryGetError, TryGetable, Value};

/// The item codes a submission chose, stored as a JSON array of strings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ItemCodes(pub Vec<String>);

impl ItemCodes {
    fn to_json(&self) -> String {
        serde_json::to_string(&self.0).unwrap_or_else(|_| "[]".into())
    }

    fn from_json(s: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(s).map(Self)
    }
}

impl std::ops::Deref for ItemCodes {
    type Target = [String];

    fn deref(&self) -> &[String] {
        &self.0
    }
}

impl From<ItemCodes> for Value {
    fn from(v: ItemCodes) -> Self {
        v.to_json().into()
    }
}

impl TryGetable for ItemCodes {
    fn try_get_by<I: ColIdx>(res: &QueryResult, idx: I) -> Result<Self, TryGetError> {
        let text = String::try_get_by(res, idx)?;
        Self::from_json(&text).map_err(|e| {
            TryGetError::DbErr(DbErr::Type(format!(
                "item codes are not a JSON array of strings: {e}"
            )))
        })
    }
}

impl ValueType for ItemCodes {
    fn try_from(v: Value) -> Result<Self, ValueTypeErr> {
        let text = <String as ValueType>::try_from(v)?;
        Self::from_json(&text).map_err(|_| ValueTypeErr)
    }

    fn type_name() -> String {
        "ItemCodes".to_owned()
    }

    fn array_type() -> ArrayType {
        ArrayType::String
    }

    fn column_type() -> ColumnType {
        ColumnType::Text
    }
}

impl Nullable for ItemCodes {
    fn null() -> Value {
        Value::String(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_garbage() {
        let codes = ItemCodes(vec!["a".into(), "b".into()]);
        let v: Value = codes.clone().into();
        assert_eq!(<ItemCodes as ValueType>::try_from(v).ok(), Some(codes));
        assert!(<ItemCodes as ValueType>::try_from(Value::from("a,b")).is_err());
    }
}
