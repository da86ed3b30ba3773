use app::api::Role;
use sea_orm::ActiveValue::Set;
use sea_orm::entity::prelude::*;

use crate::crypto::PiiCipher;

/// A person who logs in: citizen, clerk or admin. Phone and 身份证号 are
/// stored encrypted with a keyed hash for lookups (see `crate::crypto`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub role: Role,
    pub username: Option<String>,
    pub name: String,
    pub phone_hash: Option<String>,
    pub phone_enc: Option<String>,
    pub id_number_hash: Option<String>,
    pub id_number_enc: Option<String>,
    pub department: Option<String>,
    pub password_hash: String,
    pub password_changed_at: ChronoDateTimeUtc,
    pub disabled: bool,
    pub created_at: ChronoDateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl ActiveModel {
    /// A new, enabled account with nothing but its role, name and password.
    fn account(role: Role, name: String, password_hash: String) -> Self {
        let now = chrono::Utc::now();
        Self {
            id: Set(Uuid::now_v7()),
            role: Set(role),
            username: Set(None),
            name: Set(name),
            phone_hash: Set(None),
            phone_enc: Set(None),
            id_number_hash: Set(None),
            id_number_enc: Set(None),
            department: Set(None),
            password_hash: Set(password_hash),
            password_changed_at: Set(now),
            disabled: Set(false),
            created_at: Set(now),
        }
    }

    /// A staff account (a clerk of `department`, or an admin) that logs in
    /// with its username.
    pub fn staff(
        role: Role,
        username: String,
        name: String,
        department: Option<String>,
        password_hash: String,
    ) -> Self {
        let mut m = Self::account(role, name, password_hash);
        m.username = Set(Some(username));
        m.department = Set(department);
        m
    }

    /// A citizen who logs in with their phone; phone and 身份证号 are stored
    /// encrypted beside their blind indexes.
    pub fn citizen(
        name: String,
        phone: &str,
        id_number: &str,
        pii: &PiiCipher,
        password_hash: String,
    ) -> Self {
        let mut m = Self::account(Role::Citizen, name, password_hash);
        m.phone_hash = Set(Some(pii.blind_index("phone", phone)));
        m.phone_enc = Set(Some(pii.encrypt(phone)));
        m.id_number_hash = Set(Some(pii.blind_index("id_number", id_number)));
        m.id_number_enc = Set(Some(pii.encrypt(id_number)));
        m
    }
}
