//! Whom a submission, a draft, a profile or an e-certificate belongs to: a
//! person, or an enterprise (for which a person acts).

use std::fmt;

use uuid::Uuid;

use super::auth::Actor;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Subject {
    Person(Uuid),
    Enterprise(Uuid),
}

impl Subject {
    /// The actor's current subject: the enterprise they act for, or themselves.
    pub fn of(actor: &Actor) -> Self {
        match &actor.acting {
            Some(a) => Self::Enterprise(a.enterprise_id),
            None => Self::Person(actor.user_id),
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        let (kind, id) = s.split_once(':')?;
        let id = Uuid::parse_str(id).ok()?;
        match kind {
            "person" => Some(Self::Person(id)),
            "enterprise" => Some(Self::Enterprise(id)),
            _ => None,
        }
    }

    pub fn key(self) -> String {
        self.to_string()
    }

    pub fn is_enterprise(self) -> bool {
        matches!(self, Self::Enterprise(_))
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Person(id) => write!(f, "person:{id}"),
            Self::Enterprise(id) => write!(f, "enterprise:{id}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let id = Uuid::now_v7();
        for s in [Subject::Person(id), Subject::Enterprise(id)] {
            assert_eq!(Subject::parse(&s.key()), Some(s));
        }
        assert_eq!(Subject::parse("robot:1"), None);
    }
}
