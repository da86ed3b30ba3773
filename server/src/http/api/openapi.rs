//! The OpenAPI 3.1 document of the REST API, generated from the wire types
//! (`app::api`, which derive `ToSchema` under `ssr`) and the handlers'
//! `#[utoipa::path]` annotations. The router and the document are built
//! together by utoipa-axum (see [`super::documented`]), so every route is
//! described and every description is routed.
//!
//! What the annotations do not say per handler is added here once, for
//! every operation alike: the security schemes, the error answers the
//! middleware and extractors give (`401 unauthorized`, `403 csrf`, bad JSON,
//! `500 internal`, …), the enumerations of string fields, and the webhook
//! that department systems receive.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::openapi::path::{HttpMethod, Operation, ParameterIn};
use utoipa::openapi::response::{ResponseBuilder, ResponsesBuilder};
use utoipa::openapi::schema::{Schema, SchemaType, Type};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Content, OpenApi as Document, Ref, RefOr, Required};
use utoipa::{Modify, OpenApi, ToSchema};

/// Name of the session-cookie security scheme.
pub const SESSION: &str = "session";
/// Name of the department-token security scheme.
pub const DEPARTMENT_TOKEN: &str = "department_token";

const INTRO: &str = "\
REST API v1 of OneThing (一件事). Paths, JSON field names, status words and \
error codes are a public contract: they are extended, never renamed.

Every error on every `/api/` path is `{\"error\":{\"code\",\"message\",\"fields\"?}}` \
(schema `Error`); `code` is stable and machine-readable, `message` is Chinese \
for people, and a `validation` error (HTTP 422) lists the invalid fields.

Authentication: the session cookie set by login and registration \
(`onething_session`; `__Host-onething_session` when the site is served over \
TLS). State-changing requests from browsers must come from the site's own \
origin (`Sec-Fetch-Site`/`Origin`), else 403 `csrf`. Objects the caller may \
not see answer 404; endpoints that need a login answer 401 without one.

Department systems: an admin configures a department's endpoint \
(`PUT /api/v1/admin/departments/{code}/endpoint`), which returns a signing \
secret and an API token once. The platform then POSTs every event of the \
department's work items to the endpoint (see `webhooks`), and the system \
reports back through `/api/v1/work-items…` with `Authorization: Bearer \
<token>` (401 `invalid_token` for an unknown token, 403 `token_scope` for \
any other path).";

/// The parts of the document that are not per handler.
#[derive(OpenApi)]
#[openapi(
    info(title = "OneThing (一件事) API", version = "1", description = INTRO),
    servers((url = "/")),
    tags(
        (name = "meta", description = "Health and this description."),
        (name = "catalog", description = "The catalog: departments, bundles (一件事) and their merged forms. Public."),
        (name = "applications", description = "Drafts, submissions and supplements (补正): the applicant's side."),
        (name = "workbench", description = "Department queues, work items and actions: the clerks' side, and department systems with an API token."),
        (name = "notifications", description = "In-app notifications."),
        (name = "feedback", description = "好差评 ratings and cases (12345 诉求, 办不成事 反映, 差评整改): every rating and grievance ends with an answer."),
        (name = "stats", description = "效能评估: figures of service efficiency measured from the work itself (volume, time, quality, 四减一优). The county office (admin, evaluator) reads everything, a ★ lead department its bundles, a clerk their department; everyone else gets 403. Counts of 1–4 are sent as `\"<5\"`, and rates and medians of fewer than 5 things as `null`."),
        (name = "enterprises", description = "The enterprise zone: enterprises, agents (经办人) and acting for an enterprise."),
        (name = "profile", description = "Profiles (一人一档/一企一档), e-certificates (电子证照) and 免申即享 offers."),
        (name = "auth", description = "Registration, login, sessions and passwords."),
        (name = "admin", description = "Staff accounts, the audit log, the outbox and department endpoints. Admins only: everyone else gets 404."),
    ),
    components(schemas(app::api::ErrorEnvelope, DepartmentEvent)),
    modifiers(&Security),
)]
pub struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, doc: &mut Document) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            SESSION,
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "onething_session",
                "The session cookie set by `POST /api/v1/auth/login` and `/auth/register` \
                 (HttpOnly, SameSite=Lax; named `__Host-onething_session` and `Secure` when \
                 the site is served over TLS). 30 minutes idle, 12 hours at most.",
            ))),
        );
        components.add_security_scheme(
            DEPARTMENT_TOKEN,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A department system's API token, returned once by \
                         `PUT /api/v1/admin/departments/{code}/endpoint`. It acts as the \
                         department (the audit trail names it `system:<code>`) and opens \
                         only `/api/v1/work-items…`: anywhere else it answers 403 `token_scope`.",
                    ))
                    .build(),
            ),
        );
    }
}

// Described here because the outbox writes the body with `json!`; the test
// `openapi::deliveries_match_the_webhook` checks a real delivery against it.
/// The body of a delivery to a department system (the `departmentEvent` webhook).
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub struct DepartmentEvent {
    /// Equals the `Idempotency-Key` header: apply each id once.
    #[schema(format = Uuid)]
    id: String,
    /// `work_item.created` (with `fields`), `work_item.released` (a waiting
    /// item may start; with `fields`), `work_item.supplemented` (the applicant
    /// supplemented; with `fields`), or
    /// `work_item.<accepted|returned|completed|rejected>` (with the clerk's `comment`).
    #[schema(example = "work_item.created")]
    event: String,
    #[schema(format = DateTime)]
    occurred_at: String,
    /// The department's code.
    department: String,
    work_item: EventWorkItem,
    submission: EventSubmission,
    /// The applicant's answers this item needs, by field key (no other answers).
    fields: Option<BTreeMap<String, serde_json::Value>>,
    /// The clerk's comment, on clerk actions.
    comment: Option<String>,
    /// With `fields`, when the item has materials: each with its files and,
    /// per file, a download `url` signed for this department and valid 15
    /// minutes from this delivery attempt (fetch it with the department's
    /// API token as `Authorization: Bearer`).
    materials: Option<Vec<EventMaterial>>,
}

/// A material of a `DepartmentEvent`.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
struct EventMaterial {
    /// The material's field key.
    key: String,
    label: String,
    /// As in `fields`: `{"files": [...]}`, `"commit"` or `"certificate"`.
    answer: serde_json::Value,
    files: Vec<EventFile>,
}

/// A file of an `EventMaterial`.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
struct EventFile {
    #[schema(format = Uuid)]
    id: String,
    filename: String,
    size: u64,
    content_type: String,
    sha256: String,
    #[schema(format = DateTime)]
    created_at: String,
    /// `<public origin>/api/v1/uploads/{id}?expires=…&sig=…`.
    url: String,
    #[schema(format = DateTime)]
    expires_at: String,
}

/// The work item of a `DepartmentEvent`.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
struct EventWorkItem {
    #[schema(format = Uuid)]
    id: String,
    item: String,
    item_name: String,
    status: app::workflow::WorkStatus,
    /// `YYYY-MM-DD`; null while waiting for an earlier item.
    #[schema(format = Date)]
    due_date: Option<String>,
    version: i32,
}

/// The submission of a `DepartmentEvent`.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
struct EventSubmission {
    #[schema(format = Uuid)]
    id: String,
    #[schema(example = "MX20261130-7K3Q9P")]
    tracking_no: String,
    bundle: String,
    bundle_name: String,
    #[schema(format = DateTime)]
    submitted_at: String,
}

/// Turns the document collected from the handlers into the published one.
pub fn finish(mut doc: Document) -> Document {
    add_common_responses(&mut doc);
    add_string_enums(&mut doc);
    relax_flattened_rules(&mut doc);
    add_webhooks(&mut doc);
    doc
}

/// One error answer in the envelope.
fn error_response(description: &str) -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            Content::new(Some(RefOr::Ref(Ref::from_schema_name("Error")))),
        )
        .build()
}

/// Adds `status` with `codes` to an operation, or appends them to the
/// description of the answer it already documents for that status.
fn add_error(op: &mut Operation, status: &str, codes: &str) {
    match op.responses.responses.get_mut(status) {
        Some(RefOr::T(r)) => {
            if !r.description.contains(codes) {
                r.description = format!("{}; {codes}", r.description.trim_end_matches('.'));
            }
        }
        Some(RefOr::Ref(_)) => {}
        None => {
            op.responses
                .responses
                .insert(status.to_owned(), RefOr::T(error_response(codes)));
        }
    }
}

/// A parameter whose value can fail to parse (anything but a plain string).
fn typed(p: &utoipa::openapi::path::Parameter) -> bool {
    match &p.schema {
        Some(RefOr::T(Schema::Object(o))) => {
            !(matches!(o.schema_type, SchemaType::Type(Type::String)) && o.format.is_none())
        }
        Some(_) => true,
        None => false,
    }
}

/// The answers every operation can give besides its own, from the layers
/// around the handlers (`error.rs`, `auth.rs`) and the extractors.
fn add_common_responses(doc: &mut Document) {
    for (path, item) in doc.paths.paths.iter_mut() {
        for (method, op) in operations(item) {
            let security = op.security.as_deref().unwrap_or_default();
            let anonymous_allowed = security.is_empty() || security.iter().any(|s| s == &Default::default());
            let tokens = path.starts_with("/api/v1/work-items");
            if !anonymous_allowed {
                add_error(
                    op,
                    "401",
                    if tokens {
                        "`unauthorized`: not logged in or the session expired; `invalid_token`: an unknown API token"
                    } else {
                        "`unauthorized`: not logged in or the session expired"
                    },
                );
            }
            if !matches!(method, HttpMethod::Get | HttpMethod::Head | HttpMethod::Options) {
                add_error(
                    op,
                    "403",
                    "`csrf`: a browser request from another site (or with the session cookie but neither `Origin` nor `Sec-Fetch-Site`)",
                );
            }
            if op.request_body.is_some() {
                add_error(op, "400", "`invalid_json`: the body is not JSON");
                add_error(op, "413", "`payload_too_large`: the body is over 256 KiB");
                add_error(
                    op,
                    "415",
                    "`unsupported_media_type`: the body is not `Content-Type: application/json`",
                );
                add_error(
                    op,
                    "422",
                    "`invalid_body`: a field is missing or of the wrong type",
                );
            }
            let params = op.parameters.as_deref().unwrap_or_default();
            // Any query parameter can be repeated or (when required) left
            // out, which the query extractor refuses; a typed path
            // parameter can be malformed.
            if params.iter().any(|p| {
                matches!(p.parameter_in, ParameterIn::Query)
                    || (matches!(p.parameter_in, ParameterIn::Path) && typed(p))
            }) {
                add_error(
                    op,
                    "400",
                    "`bad_request`: a path or query parameter is malformed (e.g. not a UUID or not a number), repeated, or a required one is missing",
                );
            }
            add_error(
                op,
                "500",
                "`internal`: an unexpected error; the message carries an error id to quote (details stay in the server log)",
            );
        }
    }
}

/// Every operation of a path item, with its method.
fn operations(item: &mut utoipa::openapi::PathItem) -> Vec<(HttpMethod, &mut Operation)> {
    [
        (HttpMethod::Get, item.get.as_mut()),
        (HttpMethod::Put, item.put.as_mut()),
        (HttpMethod::Post, item.post.as_mut()),
        (HttpMethod::Delete, item.delete.as_mut()),
        (HttpMethod::Options, item.options.as_mut()),
        (HttpMethod::Head, item.head.as_mut()),
        (HttpMethod::Patch, item.patch.as_mut()),
        (HttpMethod::Trace, item.trace.as_mut()),
    ]
    .into_iter()
    .filter_map(|(m, op)| op.map(|op| (m, op)))
    .collect()
}

/// String fields of the wire types whose values are a closed set. The wire
/// types keep them as `String` (changing their Rust type would touch every
/// user of `app::api`); the set is stated here, and a missing schema or
/// property fails [`finish`] loudly (the snapshot test runs it). Only named
/// components are patched: a type inlined as a generic argument (`Page<T>`)
/// would keep its plain `string`, so none of these is used that way.
const STRING_ENUMS: &[(&str, &str, &[&str])] = &[
    ("Health", "status", &["ok"]),
    ("EnterpriseBrief", "role", &["admin", "agent"]),
    ("Enterprise", "role", &["admin", "agent"]),
    ("Agent", "role", &["admin", "agent"]),
    ("Agent", "state", &["active", "expired", "revoked"]),
    (
        "ProfileFact",
        "source",
        &["user_input", "prefill", "certificate", "clerk"],
    ),
    ("Offer", "status", &["offered", "confirmed", "declined"]),
    ("CreateStaffRequest", "role", &["clerk", "admin"]),
    (
        "ActionRequest",
        "action",
        &["accept", "return", "complete", "reject"],
    ),
];

fn add_string_enums(doc: &mut Document) {
    let schemas = &mut doc.components.get_or_insert_with(Default::default).schemas;
    for (schema, property, values) in STRING_ENUMS {
        let Some(RefOr::T(Schema::Object(object))) = schemas.get_mut(*schema) else {
            panic!("STRING_ENUMS names the schema {schema}, which the document lacks");
        };
        let Some(RefOr::T(Schema::Object(p))) = object.properties.get_mut(*property) else {
            panic!("STRING_ENUMS names {schema}.{property}, which the document lacks");
        };
        p.enum_values = Some(values.iter().map(|v| serde_json::json!(v)).collect());
    }
}

/// `Rules` says `additionalProperties: false` (the catalog files must not
/// carry unknown rules), but on the wire it is flattened into `FormField`
/// through `allOf`, where that would forbid the field's own properties.
fn relax_flattened_rules(doc: &mut Document) {
    if let Some(RefOr::T(Schema::Object(rules))) =
        doc.components.as_mut().and_then(|c| c.schemas.get_mut("Rules"))
    {
        rules.additional_properties = None;
    }
}

/// `webhooks.departmentEvent`: what the outbox POSTs to a department system.
/// utoipa has no webhooks field, so it goes in as an extension key (which is
/// serialised at the top level, where OpenAPI 3.1 expects `webhooks`).
fn add_webhooks(doc: &mut Document) {
    use utoipa::openapi::path::{OperationBuilder, ParameterBuilder, PathItem};
    use utoipa::openapi::request_body::RequestBodyBuilder;
    use utoipa::openapi::schema::ObjectBuilder;
    let header = |name: &str, schema: ObjectBuilder, description: &str| {
        ParameterBuilder::new()
            .name(name)
            .parameter_in(ParameterIn::Header)
            .required(Required::True)
            .description(Some(description))
            .schema(Some(schema))
            .build()
    };
    let string = || ObjectBuilder::new().schema_type(Type::String);
    let operation = OperationBuilder::new()
        .summary(Some("An event of one of the department's work items"))
        .description(Some(
            "Sent by the outbox worker to the department's endpoint, at least once: a \
             redelivery (after a timeout or a crash) carries the same `Idempotency-Key`, so \
             apply each key once. Verify `X-OneThing-Signature: v1=<hex HMAC-SHA256(secret, \
             \"<X-OneThing-Timestamp>.<raw body>\")>` and refuse timestamps far from now. Any \
             2xx acknowledges; anything else (or no answer within 10 s) is retried with \
             exponential backoff and jitter, up to the configured number of attempts, then the \
             event is dead until an admin retries it.",
        ))
        .operation_id(Some("departmentEvent"))
        .tag("workbench")
        .parameters(Some([
            header(
                "Idempotency-Key",
                string().format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                    utoipa::openapi::KnownFormat::Uuid,
                ))),
                "The body's `id`: apply each key once.",
            ),
            header(
                "X-OneThing-Event",
                string().examples(["work_item.created"]),
                "The body's `event`.",
            ),
            header(
                "X-OneThing-Delivery",
                string().format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                    utoipa::openapi::KnownFormat::Uuid,
                ))),
                "The delivery (the event's id).",
            ),
            header(
                "X-OneThing-Timestamp",
                ObjectBuilder::new().schema_type(Type::Integer),
                "Unix seconds, part of the signed text.",
            ),
            header(
                "X-OneThing-Signature",
                string().examples(["v1=5257a869…"]),
                "`v1=` and the hex HMAC-SHA256 of `<timestamp>.<raw body>` with the department's secret.",
            ),
        ]))
        .request_body(Some(
            RequestBodyBuilder::new()
                .content(
                    "application/json",
                    Content::new(Some(RefOr::Ref(Ref::from_schema_name("DepartmentEvent")))),
                )
                .required(Some(Required::True))
                .build(),
        ))
        .responses(
            ResponsesBuilder::new()
                .response(
                    "200",
                    ResponseBuilder::new().description("Acknowledged (any 2xx)."),
                )
                .build(),
        )
        .build();
    let item = PathItem::new(HttpMethod::Post, operation);
    let webhooks = serde_json::json!({ "departmentEvent": item });
    doc.extensions
        .get_or_insert_with(Default::default)
        .insert("webhooks".to_owned(), webhooks);
}

/// The published document: built once, served as JSON and YAML.
struct Published {
    json: String,
    yaml: String,
}

fn published() -> &'static Published {
    static DOC: OnceLock<Published> = OnceLock::new();
    DOC.get_or_init(|| {
        let doc = super::document();
        Published {
            json: doc.to_pretty_json().unwrap_or_else(|e| {
                tracing::error!(error = %e, "OpenAPI document not serialisable as JSON");
                String::from("{}")
            }),
            yaml: doc.to_yaml().unwrap_or_else(|e| {
                tracing::error!(error = %e, "OpenAPI document not serialisable as YAML");
                String::new()
            }),
        }
    })
}

fn serve(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            // Changes only with a new build; clients may revalidate cheaply.
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        body,
    )
        .into_response()
}

/// This description, as JSON
///
/// The OpenAPI 3.1 document of this build, generated from the code.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    operation_id = "openapi_json",
    tag = "meta",
    responses((status = 200, description = "OpenAPI 3.1 JSON.", content_type = "application/json", body = Object)),
)]
pub async fn json() -> Response {
    serve("application/json", &published().json)
}

/// This description, as YAML
///
/// The same document as `/api/v1/openapi.json`, in YAML.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.yaml",
    operation_id = "openapi_yaml",
    tag = "meta",
    responses((status = 200, description = "OpenAPI 3.1 YAML.", content_type = "application/yaml", body = Object)),
)]
pub async fn yaml() -> Response {
    serve("application/yaml", &published().yaml)
}
