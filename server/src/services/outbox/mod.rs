//! Delivery to department systems through a transactional outbox.
//!
//! The transaction that creates or moves a work item also writes an outbox
//! row for the item's department when that department has an endpoint; a
//! worker delivers rows as signed HTTP POSTs, retrying with exponential
//! backoff and jitter, and parks a row as `dead` after the last attempt
//! (an admin can retry it). Rows carry their own id as idempotency key, so a
//! redelivery after a crash has no second effect at a receiver that honours
//! it. On PostgreSQL any number of instances share the work: rows are claimed
//! with `FOR UPDATE SKIP LOCKED` and leased (`locked_until`), so no row is
//! delivered twice at the same time and a crashed worker's rows come back.
//!
//! Signature: `X-OneThing-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`
//! with `X-OneThing-Timestamp: <unix seconds>`.

use std::collections::HashMap;
use std::time::Duration;

use base64::Engine;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use rand::Rng;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait,
    FromQueryResult, PaginatorTrait, QueryFilter, Statement,
};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;

pub mod endpoints;

use super::{ServiceError, ServiceResult};
use crate::AppState;
pub use crate::config::WorkerConfig;
use crate::db::entities::outbox::OutboxStatus;
use crate::db::entities::{department_endpoint, outbox, submission, work_item};

/// Header names of a delivery.
pub const SIGNATURE: &str = "x-onething-signature";
pub const TIMESTAMP: &str = "x-onething-timestamp";
pub const DELIVERY: &str = "x-onething-delivery";
pub const EVENT: &str = "x-onething-event";
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// An event to enqueue.
#[derive(Clone, Debug)]
pub struct NewEvent {
    pub event: String,
    pub work_item: work_item::Model,
    pub submission: SubmissionRef,
    /// The answers the department needs (created/supplemented events).
    pub fields: Option<Map<String, Value>>,
    pub comment: Option<String>,
}

/// What the payload says about the submission.
#[derive(Clone, Debug)]
pub struct SubmissionRef {
    pub id: Uuid,
    pub tracking_no: String,
    pub bundle: String,
    pub submitted_at: DateTime<Utc>,
}

impl From<&submission::Model> for SubmissionRef {
    fn from(s: &submission::Model) -> Self {
        Self {
            id: s.id,
            tracking_no: s.tracking_no.clone(),
            bundle: s.bundle.clone(),
            submitted_at: s.submitted_at,
        }
    }
}

/// The answers of `data` that `item` of `bundle` uses.
pub fn item_fields(
    state: &AppState,
    bundle: &str,
    item: &str,
    data: &Map<String, Value>,
) -> Map<String, Value> {
    let keys: Vec<&str> = state
        .catalog
        .bundle(bundle)
        .and_then(|b| b.item(item))
        .map(|i| i.fields.iter().map(|f| f.key.as_str()).collect())
        .unwrap_or_default();
    data.iter()
        .filter(|(k, _)| keys.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// Writes outbox rows for the events whose department has an endpoint, in
/// the caller's transaction.
pub async fn enqueue<C: ConnectionTrait>(
    state: &AppState,
    db: &C,
    events: Vec<NewEvent>,
) -> Result<usize, sea_orm::DbErr> {
    if events.is_empty() {
        return Ok(0);
    }
    let targets = state.endpoints.departments(&state.db).await?;
    let now = Utc::now();
    let rows: Vec<outbox::ActiveModel> = events
        .into_iter()
        .filter(|e| targets.contains(&e.work_item.department))
        .map(|e| {
            let id = Uuid::now_v7();
            let w = &e.work_item;
            let bundle = state.catalog.bundle(&w.bundle);
            let mut payload = json!({
                "id": id.to_string(),
                "event": e.event,
                "occurred_at": now.to_rfc3339(),
                "department": w.department,
                "work_item": {
                    "id": w.id.to_string(),
                    "item": w.item,
                    "item_name": bundle.and_then(|b| b.item(&w.item)).map(|i| i.name.clone()).unwrap_or_default(),
                    "status": w.status,
                    "due_date": w.due_date,
                    "version": w.version,
                },
                "submission": {
                    "id": e.submission.id.to_string(),
                    "tracking_no": e.submission.tracking_no,
                    "bundle": e.submission.bundle,
                    "bundle_name": bundle.map(|b| b.name.clone()).unwrap_or_default(),
                    "submitted_at": e.submission.submitted_at.to_rfc3339(),
                },
            });
            if let Some(f) = e.fields {
                payload["fields"] = Value::Object(f);
            }
            if let Some(c) = e.comment {
                payload["comment"] = Value::String(c);
            }
            outbox::ActiveModel {
                id: Set(id),
                department: Set(w.department.clone()),
                event: Set(e.event),
                submission_id: Set(Some(e.submission.id)),
                work_item_id: Set(Some(w.id)),
                payload_enc: Set(state.pii.encrypt(&payload.to_string())),
                status: Set(OutboxStatus::Pending),
                attempts: Set(0),
                next_attempt_at: Set(now),
                locked_until: Set(None),
                last_error: Set(None),
                created_at: Set(now),
                delivered_at: Set(None),
            }
        })
        .collect();
    let n = rows.len();
    if n > 0 {
        outbox::Entity::insert_many(rows)
            .exec_without_returning(db)
            .await?;
    }
    Ok(n)
}

/// `v1=<hex>` for `timestamp` and `body` under `secret`.
pub fn sign(secret: &[u8], timestamp: i64, body: &str) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    format!("v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// Exponential backoff with jitter: a random delay between half and all of
/// `base × 2^(attempt−1)`, capped.
pub fn backoff(cfg: &WorkerConfig, attempt: i32) -> Duration {
    let exp = u32::try_from(attempt.clamp(1, 30) - 1).unwrap_or(0);
    let ceiling = cfg
        .base_delay
        .saturating_mul(2u32.saturating_pow(exp))
        .min(cfg.max_delay);
    let ms = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX).max(1);
    Duration::from_millis(rand::rng().random_range(ms / 2..=ms))
}

/// Claims up to `batch` due rows for this worker, plus up to `batch` rows
/// whose previous worker's lease ran out. On PostgreSQL concurrent workers
/// skip each other's rows; on SQLite the write lock serialises claimers.
/// Each half is one ordered range of the `(status, next_attempt_at)` index:
/// a single `OR` made PostgreSQL sort the whole backlog on every round.
pub async fn claim(state: &AppState, cfg: &WorkerConfig) -> Result<Vec<outbox::Model>, sea_orm::DbErr> {
    let now = Utc::now();
    let lease = now + chrono::Duration::from_std(cfg.lease).unwrap_or_else(|_| chrono::Duration::seconds(30));
    let backend = state.db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            "UPDATE outbox SET status = 'delivering', attempts = attempts + 1, locked_until = $1 \
             WHERE id = ANY(\
                ARRAY(SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= $2 \
                      ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED) || \
                ARRAY(SELECT id FROM outbox WHERE status = 'delivering' AND locked_until < $2 \
                      LIMIT $3 FOR UPDATE SKIP LOCKED)) \
             RETURNING *"
        }
        _ => {
            "UPDATE outbox SET status = 'delivering', attempts = attempts + 1, locked_until = ?1 \
             WHERE id IN (SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= ?2 \
                          ORDER BY next_attempt_at LIMIT ?3) \
                OR id IN (SELECT id FROM outbox WHERE status = 'delivering' AND locked_until < ?2 LIMIT ?3) \
             RETURNING *"
        }
    };
    let values: Vec<sea_orm::Value> = vec![
        lease.into(),
        now.into(),
        i64::try_from(cfg.batch).unwrap_or(32).into(),
    ];
    let txn = state.writes.begin_bookkeeping(&state.db).await?;
    let rows = outbox::Model::find_by_statement(Statement::from_sql_and_values(backend, sql, values))
        .all(&txn)
        .await?;
    txn.commit().await?;
    Ok(rows)
}

/// Posts one claimed row to its department's endpoint (`None` when the
/// department has none or it is disabled).
async fn deliver(
    state: &AppState,
    client: &reqwest::Client,
    cfg: &WorkerConfig,
    endpoint: Option<&department_endpoint::Model>,
    row: &outbox::Model,
) -> Result<(), String> {
    let e = endpoint
        .filter(|e| e.enabled)
        .ok_or("endpoint removed or disabled")?;
    let url = e.url.as_deref().ok_or("endpoint removed")?;
    let secret = state
        .pii
        .decrypt(&e.secret_enc)
        .map_err(|_| "secret unreadable")?;
    let body = state
        .pii
        .decrypt(&row.payload_enc)
        .map_err(|_| "payload unreadable")?;
    let body = with_download_links(state, row, body).await;
    let ts = Utc::now().timestamp();
    let res = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(EVENT, &row.event)
        .header(DELIVERY, row.id.to_string())
        .header(IDEMPOTENCY_KEY, row.id.to_string())
        .header(TIMESTAMP, ts.to_string())
        .header(SIGNATURE, sign(secret.as_bytes(), ts, &body))
        .body(body)
        .timeout(cfg.request_timeout)
        .send()
        .await
        .map_err(|e| format!("request failed: {}", e.without_url()))?;
    if res.status().is_success() {
        Ok(())
    } else {
        Err(format!("HTTP {}", res.status().as_u16()))
    }
}

/// Adds `materials` to an event that carries answers: each material of the
/// item with its files and, per file, a download link signed for the
/// event's department, valid 15 minutes from this delivery attempt (the
/// receiver fetches it with its API token). Made at delivery, not when
/// queued, so a retried event never carries a dead link.
async fn with_download_links(state: &AppState, row: &outbox::Model, body: String) -> String {
    let Some(sid) = row.submission_id else { return body };
    let Ok(mut v) = serde_json::from_str::<Value>(&body) else {
        return body;
    };
    let keys: Vec<String> = v
        .get("fields")
        .and_then(Value::as_object)
        .map(|f| {
            f.keys()
                .filter(|k| {
                    state
                        .catalog
                        .field(k)
                        .is_some_and(|d| d.kind == app::catalog::FieldKind::Material)
                })
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    if keys.is_empty() {
        return body;
    }
    let files = match crate::services::uploads::files_of(&state.db, sid).await {
        Ok(f) => f,
        Err(e) => {
            tracing::warn!(error = %e, "files of an event not read; sent without links");
            return body;
        }
    };
    let now = Utc::now();
    let origin = state.settings.public_origin.clone().unwrap_or_default();
    let materials: Vec<Value> = keys
        .iter()
        .map(|k| {
            let list: Vec<Value> = files
                .get(k)
                .map(|f| f.0.as_slice())
                .unwrap_or_default()
                .iter()
                .filter_map(|f| {
                    let id = Uuid::parse_str(&f.id).ok()?;
                    let (path, expires) =
                        crate::services::uploads::signed_path(state, id, &row.department, now);
                    let mut j = serde_json::to_value(f).ok()?;
                    j["url"] = Value::String(format!("{origin}{path}"));
                    j["expires_at"] = Value::String(expires.to_rfc3339());
                    Some(j)
                })
                .collect();
            json!({
                "key": k,
                "label": state.catalog.field(k).map(|d| d.label.clone()).unwrap_or_default(),
                "answer": v["fields"][k],
                "files": list,
            })
        })
        .collect();
    v["materials"] = Value::Array(materials);
    v.to_string()
}

/// One round: claim, deliver concurrently, and record every outcome in one
/// transaction (one commit per round, not per event). Returns how many rows
/// it handled.
pub async fn run_once(
    state: &AppState,
    client: &reqwest::Client,
    cfg: &WorkerConfig,
) -> Result<usize, sea_orm::DbErr> {
    let rows = claim(state, cfg).await?;
    if rows.is_empty() {
        return Ok(0);
    }
    let mut departments: Vec<&str> = rows.iter().map(|r| r.department.as_str()).collect();
    departments.sort_unstable();
    departments.dedup();
    let endpoints: HashMap<String, department_endpoint::Model> = department_endpoint::Entity::find()
        .filter(department_endpoint::Column::Department.is_in(departments))
        .all(&state.db)
        .await?
        .into_iter()
        .map(|e| (e.department.clone(), e))
        .collect();
    let outcomes = futures::future::join_all(
        rows.iter()
            .map(|r| deliver(state, client, cfg, endpoints.get(&r.department), r)),
    )
    .await;

    let now = Utc::now();
    let claimed = || {
        outbox::Entity::update_many()
            .filter(outbox::Column::Status.eq(OutboxStatus::Delivering))
            .col_expr(outbox::Column::LockedUntil, Expr::value(None::<DateTime<Utc>>))
    };
    let delivered: Vec<Uuid> = rows
        .iter()
        .zip(&outcomes)
        .filter(|(_, o)| o.is_ok())
        .map(|(r, _)| r.id)
        .collect();
    let txn = state.writes.begin_bookkeeping(&state.db).await?;
    if !delivered.is_empty() {
        claimed()
            .filter(outbox::Column::Id.is_in(delivered))
            .col_expr(outbox::Column::Status, Expr::value(OutboxStatus::Delivered))
            .col_expr(outbox::Column::DeliveredAt, Expr::value(now))
            .col_expr(outbox::Column::LastError, Expr::value(None::<String>))
            .exec(&txn)
            .await?;
    }
    for (row, outcome) in rows.iter().zip(outcomes) {
        let Err(error) = outcome else { continue };
        let dead = row.attempts >= cfg.max_attempts;
        let next = now
            + chrono::Duration::from_std(backoff(cfg, row.attempts))
                .unwrap_or_else(|_| chrono::Duration::seconds(60));
        tracing::warn!(event = %row.id, department = %row.department, attempt = row.attempts, dead, error = %error, "delivery failed");
        claimed()
            .filter(outbox::Column::Id.eq(row.id))
            .col_expr(
                outbox::Column::Status,
                Expr::value(if dead {
                    OutboxStatus::Dead
                } else {
                    OutboxStatus::Pending
                }),
            )
            .col_expr(outbox::Column::NextAttemptAt, Expr::value(next))
            .col_expr(outbox::Column::LastError, Expr::value(Some(error)))
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(rows.len())
}

/// Starts the worker in the background.
pub fn spawn_worker(state: AppState, cfg: WorkerConfig) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        // The user agent names this instance, for the department's logs.
        let agent = format!(
            "OneThing-Outbox/{} (instance {:08x})",
            env!("CARGO_PKG_VERSION"),
            rand::random::<u32>()
        );
        let client = match reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(agent)
            .build()
        {
            Ok(c) => c,
            Err(e) => {
                tracing::error!(error = %e, "outbox worker cannot build its HTTP client");
                return;
            }
        };
        tracing::info!("outbox worker started");
        loop {
            match run_once(&state, &client, &cfg).await {
                // More may be waiting: go again at once.
                Ok(n) if u64::try_from(n).unwrap_or(0) >= cfg.batch => continue,
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "outbox round failed"),
            }
            tokio::time::sleep(cfg.poll).await;
        }
    })
}

/// Counts by status, for health and metrics.
#[derive(Clone, Copy, Debug, Default, serde::Serialize)]
pub struct Backlog {
    /// Waiting for (re)delivery.
    pub pending: u64,
    /// Out of attempts; an admin must retry them.
    pub dead: u64,
}

pub async fn backlog(db: &DatabaseConnection) -> Result<Backlog, sea_orm::DbErr> {
    let pending = outbox::Entity::find()
        .filter(outbox::Column::Status.is_in([OutboxStatus::Pending, OutboxStatus::Delivering]))
        .count(db)
        .await?;
    let dead = outbox::Entity::find()
        .filter(outbox::Column::Status.eq(OutboxStatus::Dead))
        .count(db)
        .await?;
    Ok(Backlog { pending, dead })
}

/// A row as admins see it (no payload: it holds personal data).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct OutboxRow {
    pub id: String,
    pub department: String,
    pub event: String,
    pub work_item: Option<String>,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: String,
    pub last_error: Option<String>,
    pub created_at: String,
    pub delivered_at: Option<String>,
}

impl From<outbox::Model> for OutboxRow {
    fn from(r: outbox::Model) -> Self {
        Self {
            id: r.id.to_string(),
            department: r.department,
            event: r.event,
            work_item: r.work_item_id.map(|w| w.to_string()),
            status: r.status.to_string(),
            attempts: r.attempts,
            next_attempt_at: r.next_attempt_at.to_rfc3339(),
            last_error: r.last_error,
            created_at: r.created_at.to_rfc3339(),
            delivered_at: r.delivered_at.map(|d| d.to_rfc3339()),
        }
    }
}

/// Rows of a status (default `dead`), newest first.
pub async fn list(
    db: &DatabaseConnection,
    status: Option<&str>,
    before: Option<Uuid>,
    limit: u64,
) -> ServiceResult<(Vec<OutboxRow>, Option<String>)> {
    let status: OutboxStatus = status.unwrap_or("dead").parse().map_err(|_| {
        let words: Vec<&str> = OutboxStatus::ALL.iter().map(|s| s.as_str()).collect();
        ServiceError::field(
            "status",
            "invalid_status",
            format!("状态只能是 {}", words.join("、")),
        )
    })?;
    let limit = limit.clamp(1, 200);
    let (rows, next) = super::paging::by_id(
        db,
        outbox::Entity::find().filter(outbox::Column::Status.eq(status)),
        (outbox::Column::Id, |r| r.id),
        super::paging::Order::NewestFirst,
        before,
        limit,
    )
    .await?;
    Ok((rows.into_iter().map(OutboxRow::from).collect(), next))
}

/// Puts a dead row back in the queue with fresh attempts.
pub async fn retry(db: &DatabaseConnection, id: Uuid) -> ServiceResult<OutboxRow> {
    let mut row = outbox::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let now = Utc::now();
    let res = outbox::Entity::update_many()
        .col_expr(outbox::Column::Status, Expr::value(OutboxStatus::Pending))
        .col_expr(outbox::Column::Attempts, Expr::value(0))
        .col_expr(outbox::Column::NextAttemptAt, Expr::value(now))
        .filter(outbox::Column::Id.eq(id))
        .filter(outbox::Column::Status.eq(OutboxStatus::Dead))
        .exec(db)
        .await?;
    if res.rows_affected == 0 {
        return Err(ServiceError::Conflict {
            code: "not_dead",
            message: "只有投递失败（dead）的事件可以重试".into(),
        });
    }
    // The row as this retry left it: a worker may claim it the next moment,
    // so reading it again could show a later state.
    row.status = OutboxStatus::Pending;
    row.attempts = 0;
    row.next_attempt_at = now;
    Ok(row.into())
}

/// What configuring an endpoint returns, once: the secret and the token.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct EndpointCredentials {
    pub department: String,
    pub url: Option<String>,
    /// HMAC-SHA256 key for verifying deliveries.
    pub secret: String,
    /// `Authorization: Bearer <token>` for the work-item actions API.
    pub token: String,
}

fn random_secret(prefix: &str) -> String {
    let bytes: [u8; 32] = rand::random();
    format!(
        "{prefix}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Sets (or replaces) a department's endpoint; a new secret and token are
/// generated and shown once.
pub async fn configure(
    state: &AppState,
    department: &str,
    url: Option<String>,
) -> ServiceResult<EndpointCredentials> {
    if state.catalog.department(department).is_none() {
        return Err(ServiceError::NotFound);
    }
    let url = url.map(|u| u.trim().to_owned()).filter(|u| !u.is_empty());
    if let Some(u) = &url {
        let ok = (u.starts_with("https://") || u.starts_with("http://"))
            && u.len() <= 500
            && reqwest::Url::parse(u).is_ok();
        if !ok {
            return Err(ServiceError::field(
                "url",
                "url_invalid",
                "请填写 http:// 或 https:// 开头的地址",
            ));
        }
    }
    let secret = random_secret("whsec_");
    let token = random_secret("ot_");
    let row = department_endpoint::ActiveModel {
        department: Set(department.to_owned()),
        url: Set(url.clone()),
        secret_enc: Set(state.pii.encrypt(&secret)),
        token_hash: Set(Some(token_hash(&token))),
        enabled: Set(true),
        updated_at: Set(Utc::now()),
    };
    department_endpoint::Entity::insert(row)
        .on_conflict(
            sea_orm::sea_query::OnConflict::column(department_endpoint::Column::Department)
                .update_columns([
                    department_endpoint::Column::Url,
                    department_endpoint::Column::SecretEnc,
                    department_endpoint::Column::TokenHash,
                    department_endpoint::Column::Enabled,
                    department_endpoint::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(&state.db)
        .await?;
    state.endpoints.invalidate();
    Ok(EndpointCredentials {
        department: department.to_owned(),
        url,
        secret,
        token,
    })
}

/// The department whose system presents `token`.
pub async fn department_of_token(
    db: &DatabaseConnection,
    token: &str,
) -> Result<Option<String>, sea_orm::DbErr> {
    Ok(department_endpoint::Entity::find()
        .filter(department_endpoint::Column::TokenHash.eq(token_hash(token)))
        .filter(department_endpoint::Column::Enabled.eq(true))
        .one(db)
        .await?
        .map(|e| e.department))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_and_backoff() {
        // HMAC-SHA256("key", "1700000000.{}"), computed independently (Python hmac).
        assert_eq!(
            sign(b"key", 1_700_000_000, "{}"),
            "v1=9d713ed406bb7076d4123f0dc2c39d2df5c654ed4b0cd56b52c8b4c940bd63ae"
        );
        let sig = sign(b"Jefe", 0, "what do ya want for nothing?");
        assert!(sig.starts_with("v1=") && sig.len() == 3 + 64);
        assert_ne!(
            sign(b"Jefe", 1, "x"),
            sign(b"Jefe", 2, "x"),
            "the timestamp is signed"
        );
        let cfg = WorkerConfig::default();
        for attempt in 1..=12 {
            let d = backoff(&cfg, attempt);
            let ceiling = cfg
                .base_delay
                .saturating_mul(2u32.pow(u32::try_from(attempt - 1).unwrap_or(0)))
                .min(cfg.max_delay);
            assert!(
                d <= ceiling && d >= ceiling / 2,
                "attempt {attempt}: {d:?} within ({:?}, {ceiling:?}]",
                ceiling / 2
            );
        }
        assert_eq!(token_hash("a").len(), 64);
    }
}
