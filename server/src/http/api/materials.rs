//! The materials API: uploads (申请材料的文件), 告知承诺 commitments and
//! the clerk's review of each material.

use app::api::{
    CommitmentDto, DecideCommitmentRequest, ErrorEnvelope, FulfilRequest, MaterialDocs, ReviewRequest,
    UploadDto,
};
use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::TryStreamExt;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::AppState;
use crate::http::error::{ApiError, ApiJson};
use crate::identity::{Actor, RequestMeta};
use crate::services::materials::{commitments, review};
use crate::services::uploads;

/// The multipart body of an upload (described for the document).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    /// The file: PDF, JPEG, PNG or WebP.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// Upload a file for a material
///
/// `multipart/form-data` with one part named `file`. What the file is comes
/// from its first bytes, never its name or declared type: PDF, JPEG, PNG and
/// WebP are accepted, anything else is 415 `unsupported_type` (HEIC photos
/// too, with advice). Larger than `ONETHING_UPLOAD_MAX_BYTES` (default
/// 10 MiB): 413 `too_large`, refused while it streams. An empty file, a PDF
/// without its trailer or a truncated picture: 422. The file is encrypted
/// with its own key before it is stored. An upload no submission uses
/// within 24 hours is deleted. Applicants only (staff: 403); 60 uploads per
/// account per 10 minutes (429), 200 unused at a time (409 `too_many_uploads`).
#[utoipa::path(
    post,
    path = "/api/v1/uploads",
    operation_id = "upload_file",
    tag = "materials",
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    security(("session" = [])),
    responses(
        (status = 201, description = "Stored.", body = UploadDto),
        (status = 400, description = "`bad_request`: not multipart/form-data.", body = ErrorEnvelope),
        (status = 401, description = "`unauthorized`: not logged in.", body = ErrorEnvelope),
        (status = 403, description = "`applicants_only`: a staff account.", body = ErrorEnvelope),
        (status = 409, description = "`too_many_uploads`: 200 unused uploads already.", body = ErrorEnvelope),
        (status = 413, description = "`too_large`: over the limit.", body = ErrorEnvelope),
        (status = 415, description = "`unsupported_type`: not a PDF, JPEG, PNG or WebP.", body = ErrorEnvelope),
        (status = 422, description = "`validation` on `file`: `file_required` (no part named `file`), `empty_file`, `damaged_file`, `incomplete_upload`.", body = ErrorEnvelope),
        (status = 429, description = "`too_many_requests`: 60 uploads in 10 minutes.", body = ErrorEnvelope),
        (status = 503, description = "`busy`: too many files arriving at once (more than `ONETHING_UPLOAD_STREAMS` streaming and the wait of 60 s over); retry after `Retry-After` seconds. Nothing was stored.", body = ErrorEnvelope),
    ),
)]
pub async fn create(
    State(state): State<AppState>,
    actor: Actor,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<UploadDto>), ApiError> {
    uploads::uploaders_only(&actor)?;
    let boundary = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|ct| multer::parse_boundary(ct).ok())
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad_request",
                "请以 multipart/form-data 上传，文件放在名为 file 的部分",
            )
        })?;
    let mut multipart = multer::Multipart::new(OneChunkAtATime::new(body.into_data_stream()), boundary);
    loop {
        let field = multipart.next_field().await.map_err(multipart_error)?;
        let Some(field) = field else {
            return Err(ApiError::validation(vec![app::api::FieldError::new(
                "file",
                "file_required",
                "请选择要上传的文件",
            )]));
        };
        if field.name() != Some("file") {
            continue;
        }
        let filename = field.file_name().map(ToOwned::to_owned);
        let dto = uploads::create(&state, &actor, filename.as_deref(), field).await?;
        return Ok((StatusCode::CREATED, Json(dto)));
    }
}

fn multipart_error(_: multer::Error) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "bad_request",
        "上传的内容不是有效的 multipart/form-data",
    )
}

/// Hands the multipart parser one chunk per poll. multer reads its input
/// until it would block, so on a fast connection it would buffer a whole
/// file ahead of the encryption and the store; this keeps each upload's
/// memory to a few chunks, however many arrive at once.
struct OneChunkAtATime<S> {
    inner: S,
    rest: bool,
}

impl<S> OneChunkAtATime<S> {
    fn new(inner: S) -> Self {
        Self { inner, rest: false }
    }
}

impl<S: futures::Stream + Unpin> futures::Stream for OneChunkAtATime<S> {
    type Item = S::Item;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        if self.rest {
            self.rest = false;
            cx.waker().wake_by_ref();
            return std::task::Poll::Pending;
        }
        let next = std::pin::Pin::new(&mut self.inner).poll_next(cx);
        if matches!(next, std::task::Poll::Ready(Some(_))) {
            self.rest = true;
        }
        next
    }
}

/// The caller's uploads that no submission uses yet, newest first
#[utoipa::path(
    get,
    path = "/api/v1/uploads",
    operation_id = "list_uploads",
    tag = "materials",
    security(("session" = [])),
    responses(
        (status = 200, description = "Unused uploads (at most 200).", body = Vec<UploadDto>),
        (status = 401, description = "`unauthorized`: not logged in.", body = ErrorEnvelope),
        (status = 403, description = "`applicants_only`: a staff account.", body = ErrorEnvelope),
    ),
)]
pub async fn list(State(state): State<AppState>, actor: Actor) -> Result<Json<Vec<UploadDto>>, ApiError> {
    Ok(Json(uploads::list_unbound(&state, &actor).await?))
}

/// A file's bytes (described for the document).
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)]
pub struct FileBytes(Vec<u8>);

/// A signed link's parameters, and how to answer.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DownloadQuery {
    /// Unix seconds; from the link in a department event.
    pub expires: Option<i64>,
    /// The link's signature; from the link in a department event.
    pub sig: Option<String>,
    /// `1`: as an attachment, even for a picture or PDF.
    pub download: Option<u8>,
}

/// Read an uploaded file
///
/// To its owner; to the applicant of the submission it belongs to; to
/// clerks whose work item needs that material (need-to-know: any other
/// clerk, the lead department and admins get 404); to a department's
/// system with the signed link of an event (valid 15 minutes) and its
/// API token. Every staff read is in the audit log. Pictures and PDFs are
/// shown inline in a sandbox (`Content-Security-Policy: sandbox`),
/// `download=1` makes them an attachment.
#[utoipa::path(
    get,
    path = "/api/v1/uploads/{id}",
    operation_id = "get_upload",
    tag = "materials",
    params(("id" = Uuid, Path, description = "The upload's id"), DownloadQuery),
    security(("session" = []), ("department_token" = [])),
    responses(
        (status = 200, description = "The file, with the type judged when it was uploaded.", content(
            (FileBytes = "application/pdf"),
            (FileBytes = "image/jpeg"),
            (FileBytes = "image/png"),
            (FileBytes = "image/webp"),
        )),
        (status = 401, description = "`unauthorized`: not logged in.", body = ErrorEnvelope),
        (status = 404, description = "`not_found`: no such upload, or not the caller's to read.", body = ErrorEnvelope),
    ),
)]
pub async fn get(
    State(state): State<AppState>,
    actor: Actor,
    meta: RequestMeta,
    Path(id): Path<Uuid>,
    Query(q): Query<DownloadQuery>,
) -> Result<Response, ApiError> {
    let signed = uploads::Signed {
        expires: q.expires,
        sig: q.sig,
    };
    let (dto, stream) = uploads::open(&state, &actor, &meta, id, &signed).await?;
    let inline = q.download != Some(1) && (dto.is_image() || dto.content_type == "application/pdf");
    let disposition = content_disposition(inline, &dto.filename);
    let mut res = Body::from_stream(stream.map_err(std::io::Error::other)).into_response();
    let h = res.headers_mut();
    let put = |h: &mut axum::http::HeaderMap, k, v: String| {
        if let Ok(v) = HeaderValue::from_str(&v) {
            h.insert(k, v);
        }
    };
    put(h, header::CONTENT_TYPE, dto.content_type.clone());
    put(h, header::CONTENT_LENGTH, dto.size.to_string());
    put(h, header::CONTENT_DISPOSITION, disposition);
    put(h, header::ETAG, format!("\"{}\"", dto.sha256));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    Ok(res)
}

/// `inline` or `attachment`, with the name for every browser: an ASCII
/// `filename=` and the UTF-8 `filename*=` (RFC 6266).
pub(crate) fn content_disposition(inline: bool, name: &str) -> String {
    format!(
        "{}; filename=\"{}\"; filename*=UTF-8''{}",
        if inline { "inline" } else { "attachment" },
        ascii_fallback(name),
        percent_encode(name)
    )
}

/// The name for `filename=`: ASCII only, no quotes or backslashes.
fn ascii_fallback(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.trim_matches('_').is_empty() {
        "file".into()
    } else {
        s
    }
}

/// RFC 8187 `attr-char` percent-encoding for `filename*=`.
fn percent_encode(name: &str) -> String {
    let mut out = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Hand in a promised material (告知承诺补交)
///
/// The applicant (or an agent acting for the enterprise) gives the files of
/// a material answered `commit`; every open commitment for it is marked
/// supplied for the clerks to check. Again before a clerk decided: the new
/// files replace the earlier ones (kept as replaced). Late is accepted and
/// shows as late.
#[utoipa::path(
    post,
    path = "/api/v1/submissions/{id}/commitments/{material}",
    operation_id = "fulfil_commitment",
    tag = "materials",
    params(
        ("id" = Uuid, Path, description = "The submission's id"),
        ("material" = String, Path, description = "The material's field key"),
    ),
    request_body = FulfilRequest,
    security(("session" = [])),
    responses(
        (status = 200, description = "The commitments for that material.", body = Vec<CommitmentDto>),
        (status = 404, description = "`not_found`: no such submission or commitment, or not the caller's.", body = ErrorEnvelope),
        (status = 409, description = "`commitment_decided`: already checked; `upload_in_use`: a file was just used elsewhere.", body = ErrorEnvelope),
        (status = 422, description = "`validation` on the material: `files_required`, `unknown_upload`, `upload_in_use`.", body = ErrorEnvelope),
    ),
)]
pub async fn fulfil(
    State(state): State<AppState>,
    actor: Actor,
    Path((id, material)): Path<(Uuid, String)>,
    ApiJson(req): ApiJson<FulfilRequest>,
) -> Result<Json<Vec<CommitmentDto>>, ApiError> {
    Ok(Json(
        commitments::fulfil(&state, &actor, id, &material, &req.files).await?,
    ))
}

/// Record the 事后核查 outcome of a commitment
///
/// The clerk of the work item: `fulfilled` once the files are handed in
/// (else 409 `not_supplied`); `breached` with a `reason`, once handed in or
/// past the due date (else 409 `not_due`). A breach is written to the
/// applicant's credit record (一人一档/一企一档) and they are notified.
#[utoipa::path(
    post,
    path = "/api/v1/work-items/{id}/commitments/{material}",
    operation_id = "decide_commitment",
    tag = "materials",
    params(
        ("id" = Uuid, Path, description = "The work item's id"),
        ("material" = String, Path, description = "The material's field key"),
    ),
    request_body = DecideCommitmentRequest,
    security(("session" = []), ("department_token" = [])),
    responses(
        (status = 200, description = "The commitment, decided.", body = CommitmentDto),
        (status = 404, description = "`not_found`: no such work item or commitment, or not the caller's department's.", body = ErrorEnvelope),
        (status = 409, description = "`commitment_decided`, `not_supplied`, `not_due`.", body = ErrorEnvelope),
        (status = 422, description = "`validation` on `reason`: `required` for a breach, `too_long`.", body = ErrorEnvelope),
    ),
)]
pub async fn decide(
    State(state): State<AppState>,
    actor: Actor,
    meta: RequestMeta,
    Path((id, material)): Path<(Uuid, String)>,
    ApiJson(req): ApiJson<DecideCommitmentRequest>,
) -> Result<Json<CommitmentDto>, ApiError> {
    Ok(Json(
        commitments::decide(&state, &actor, &meta, id, &material, req).await?,
    ))
}

/// Mark a material 合格 or 不合格
///
/// The clerk of a `pending` or `accepted` work item that needs the
/// material; `rejected` needs a `reason`, which the applicant reads. A
/// later `return` asks for every material marked 不合格.
#[utoipa::path(
    put,
    path = "/api/v1/work-items/{id}/materials/{key}",
    operation_id = "review_material",
    tag = "materials",
    params(
        ("id" = Uuid, Path, description = "The work item's id"),
        ("key" = String, Path, description = "The material's field key"),
    ),
    request_body = ReviewRequest,
    security(("session" = []), ("department_token" = [])),
    responses(
        (status = 200, description = "The material with its verdict.", body = MaterialDocs),
        (status = 404, description = "`not_found`: no such work item or material, or not the caller's department's.", body = ErrorEnvelope),
        (status = 409, description = "`invalid_transition`: the item is not pending or accepted.", body = ErrorEnvelope),
        (status = 422, description = "`validation` on `reason`: `required` for 不合格, `too_long`.", body = ErrorEnvelope),
    ),
)]
pub async fn review(
    State(state): State<AppState>,
    actor: Actor,
    meta: RequestMeta,
    Path((id, key)): Path<(Uuid, String)>,
    ApiJson(req): ApiJson<ReviewRequest>,
) -> Result<Json<MaterialDocs>, ApiError> {
    Ok(Json(review::review(&state, &actor, &meta, id, &key, req).await?))
}
