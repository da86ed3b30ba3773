//! Demo data (`ONETHING_DEMO=1` only): one clerk per department
//! (`clerk-<department code>`), an admin `admin`, the county office's
//! dispatcher `dispatcher`, a 12345 seat `operator-12345`, the 效能评估 reader `evaluator` and a citizen with phone
//! `13800138000`, all with the password `Demo@2024`. Idempotent.

use app::api::Role;
use app::catalog::Catalog;
use app::domain::id_number::check_char;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use super::passwords;
use crate::crypto::PiiCipher;
use crate::db::entities::user;

pub const PASSWORD: &str = "Demo@2024";
pub const CITIZEN_PHONE: &str = "13800138000";
pub const CITIZEN_NAME: &str = "张晓梅";

/// The demo citizen's 身份证号 (a 眉县 region code, born 1990-01-01).
pub fn citizen_id_number() -> String {
    let first17 = "61032619900101122";
    format!("{first17}{}", check_char(first17).unwrap_or('0'))
}

/// Seeds what is missing.
pub async fn seed(db: &DatabaseConnection, catalog: &Catalog, pii: &PiiCipher) -> anyhow::Result<()> {
    // One hash for every demo account: they share a published password anyway,
    // and 30 argon2 hashes would slow every start in demo mode.
    let hash = passwords::hash(PASSWORD.to_owned()).await?;
    let staff = [
        ("admin".to_owned(), "系统管理员".to_owned(), Role::Admin, None),
        (
            "dispatcher".to_owned(),
            "县政务服务中心调度".to_owned(),
            Role::Dispatcher,
            None,
        ),
        (
            "operator-12345".to_owned(),
            "12345热线坐席".to_owned(),
            Role::Operator,
            None,
        ),
        (
            "evaluator".to_owned(),
            "县政务服务中心效能评估".to_owned(),
            Role::Evaluator,
            None,
        ),
    ]
    .into_iter()
    .chain(catalog.departments.iter().map(|d| {
        (
            format!("clerk-{}", d.code),
            format!("{}窗口", d.name),
            Role::Clerk,
            Some(d.code.to_string()),
        )
    }));
    let mut created = 0;
    for (username, name, role, department) in staff {
        if user::Entity::find()
            .filter(user::Column::Username.eq(username.clone()))
            .one(db)
            .await?
            .is_some()
        {
            continue;
        }
        insert(
            db,
            user::ActiveModel::staff(role, username, name, department, hash.clone()),
        )
        .await?;
        created += 1;
    }
    let phone_hash = pii.blind_index("phone", CITIZEN_PHONE);
    if user::Entity::find()
        .filter(user::Column::PhoneHash.eq(phone_hash.clone()))
        .one(db)
        .await?
        .is_none()
    {
        let id = citizen_id_number();
        insert(
            db,
            user::ActiveModel::citizen(CITIZEN_NAME.into(), CITIZEN_PHONE, &id, pii, hash.clone()),
        )
        .await?;
        created += 1;
    }
    if created > 0 {
        tracing::info!(accounts = created, "demo accounts seeded");
    }
    Ok(())
}

async fn insert(db: &DatabaseConnection, m: user::ActiveModel) -> anyhow::Result<()> {
    // Another instance seeding at the same moment wins on the unique index.
    if let Err(e) = user::Entity::insert(m).exec(db).await
        && !matches!(e.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(_)))
    {
        return Err(e.into());
    }
    Ok(())
}
