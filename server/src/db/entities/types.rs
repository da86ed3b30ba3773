//! Column types of our own that are not a domain type: stored as text,
//! checked when read (a corrupt value is an error, never a default).

use sea_orm::sea_query::{ArrayType, ColumnType, Nullable, ValueType, ValueTypeErr};
use sea_orm::{ColIdx, DbErr, QueryResult, TryGetError, TryGetable, Value};

/// A closed set of words stored as text: the enum, its words, `Display`
/// and `FromStr` (an unknown word is an error naming `what`), and the
/// sea-orm column type.
macro_rules! stored_words {
    ($(#[$meta:meta])* $name:ident, $what:literal, { $($(#[$vmeta:meta])* $variant:ident => $word:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, sea_orm::DeriveValueType)]
        #[sea_orm(value_type = "String")]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $word),+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = app::domain::UnknownValue;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str() == s)
                    .ok_or_else(|| app::domain::UnknownValue::new($what, s))
            }
        }
    };
}

stored_words!(
    /// Where an outbox event stands.
    OutboxStatus, "outbox status", {
        /// Waiting for (re)delivery.
        Pending => "pending",
        /// Claimed by a worker (leased until `locked_until`).
        Delivering => "delivering",
        Delivered => "delivered",
        /// Out of attempts: an admin retries it.
        Dead => "dead",
    }
);

stored_words!(
    /// A 免申即享 offer's state.
    OfferStatus, "offer status", {
        Offered => "offered",
        Confirmed => "confirmed",
        Declined => "declined",
    }
);

stored_words!(
    /// A 告知承诺's stored state (`overdue` is derived when read).
    CommitmentState, "commitment status", {
        Open => "open",
        Fulfilled => "fulfilled",
        Breached => "breached",
    }
);

stored_words!(
    /// The clerk's verdict on a material.
    VerdictWord, "material verdict", {
        Accepted => "accepted",
        Rejected => "rejected",
    }
);

stored_words!(
    /// How a person may act for an enterprise.
    MemberRole, "enterprise member role", {
        /// The legal representative who registered it; manages agents.
        Admin => "admin",
        /// An authorised agent (经办人), with an expiry date.
        Agent => "agent",
    }
);

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
    fn stored_words_round_trip_and_refuse_unknown_words() {
        for s in OutboxStatus::ALL {
            assert_eq!(s.as_str().parse::<OutboxStatus>().ok(), Some(*s));
        }
        assert!("deleted".parse::<OfferStatus>().is_err());
        assert_eq!(MemberRole::Agent.to_string(), "agent");
    }

    #[test]
    fn round_trips_and_refuses_garbage() {
        let codes = ItemCodes(vec!["a".into(), "b".into()]);
        let v: Value = codes.clone().into();
        assert_eq!(<ItemCodes as ValueType>::try_from(v).ok(), Some(codes));
        assert!(<ItemCodes as ValueType>::try_from(Value::from("a,b")).is_err());
    }
}
