//! The REST API client used by pages and islands.
//!
//! In the browser it uses `gloo-net`; during server-side rendering it calls
//! the API router in process through a [`ssr::BackendHandle`] the server puts
//! in context, forwarding the visitor's cookies. Either way the page sees the
//! same JSON and the same authorisation as any API client. Files go up with
//! [`upload`], which reports its progress (`fetch` cannot).

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::api::{ErrorEnvelope, FieldError, UploadDto};
use crate::browser::Picked;

/// A failed API call.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ApiError {
    /// The server answered with an error envelope.
    #[error("{message}")]
    Api {
        status: u16,
        code: String,
        message: String,
        fields: Vec<FieldError>,
    },
    /// No usable answer (offline, timeout, unreadable body).
    #[error("网络连接失败，请检查网络后重试")]
    Network,
}

impl ApiError {
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Api { status, .. } => Some(*status),
            Self::Network => None,
        }
    }

    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// The message for one field, if the server reported one.
    pub fn field(&self, key: &str) -> Option<&str> {
        match self {
            Self::Api { fields, .. } => fields.iter().find(|f| f.field == key).map(|f| f.message.as_str()),
            Self::Network => None,
        }
    }

    /// What to tell the person: the first field's message when the server
    /// named one (e.g. why a file was refused), else the error's own.
    pub fn detail(&self) -> String {
        match self {
            Self::Api { fields, message, .. } => fields
                .first()
                .map_or_else(|| message.clone(), |f| f.message.clone()),
            Self::Network => self.to_string(),
        }
    }

    fn from_response(status: u16, body: &[u8]) -> Self {
        match serde_json::from_slice::<ErrorEnvelope>(body) {
            Ok(env) => Self::Api {
                status,
                code: env.error.code,
                message: env.error.message,
                fields: env.error.fields,
            },
            Err(_) => Self::Api {
                status,
                code: "unexpected".into(),
                message: "服务器返回了无法识别的结果".into(),
                fields: Vec::new(),
            },
        }
    }
}

/// HTTP methods the client uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Delete,
}

impl Method {
    #[cfg_attr(all(feature = "hydrate", not(feature = "ssr")), expect(dead_code))]
    fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Delete => "DELETE",
        }
    }
}

/// A handle to the API. Create it synchronously (it captures the request
/// context during SSR), then use it inside async blocks.
#[derive(Clone)]
pub struct Api {
    #[cfg(feature = "ssr")]
    ssr: Option<(ssr::BackendHandle, Option<http::HeaderValue>)>,
}

impl Default for Api {
    fn default() -> Self {
        Self::new()
    }
}

impl Api {
    pub fn new() -> Self {
        #[cfg(feature = "ssr")]
        {
            use leptos::prelude::use_context;
            let backend = use_context::<ssr::BackendHandle>();
            let cookie = use_context::<http::request::Parts>()
                .and_then(|p| p.headers.get(http::header::COOKIE).cloned());
            Self {
                ssr: backend.map(|b| (b, cookie)),
            }
        }
        #[cfg(not(feature = "ssr"))]
        {
            Self {}
        }
    }

    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ApiError> {
        self.request::<(), T>(Method::Get, path, None).await
    }

    pub async fn send<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: &B,
    ) -> Result<T, ApiError> {
        self.request(method, path, Some(body)).await
    }

    async fn request<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<T, ApiError> {
        let (status, bytes) = self.raw(method, path, body).await?;
        if (200..300).contains(&status) {
            // `204 No Content` deserialises as JSON `null` (e.g. into `()`).
            let bytes: &[u8] = if bytes.is_empty() { b"null" } else { &bytes };
            serde_json::from_slice(bytes).map_err(|_| ApiError::Network)
        } else {
            Err(ApiError::from_response(status, &bytes))
        }
    }

    #[cfg(feature = "ssr")]
    async fn raw<B: Serialize>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<(u16, Vec<u8>), ApiError> {
        let Some((backend, cookie)) = &self.ssr else {
            return Err(ApiError::Network);
        };
        let mut req = http::Request::builder()
            .method(method.as_str())
            .uri(path)
            .header(http::header::ACCEPT, "application/json")
            // Marks the call as coming from SSR (same origin by construction).
            .header("sec-fetch-site", "same-origin");
        if let Some(c) = cookie {
            req = req.header(http::header::COOKIE, c.clone());
        }
        let body = match body {
            Some(b) => {
                req = req.header(http::header::CONTENT_TYPE, "application/json");
                serde_json::to_vec(b).map_err(|_| ApiError::Network)?
            }
            None => Vec::new(),
        };
        let req = req.body(body).map_err(|_| ApiError::Network)?;
        let res = backend.0.call(req).await;
        Ok((res.status().as_u16(), res.into_body()))
    }

    #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
    async fn raw<B: Serialize>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<(u16, Vec<u8>), ApiError> {
        use gloo_net::http::RequestBuilder;
        let builder = RequestBuilder::new(path)
            .method(match method {
                Method::Get => gloo_net::http::Method::GET,
                Method::Post => gloo_net::http::Method::POST,
                Method::Put => gloo_net::http::Method::PUT,
                Method::Delete => gloo_net::http::Method::DELETE,
            })
            .header("Accept", "application/json");
        let req = match body {
            Some(b) => builder.json(b).map_err(|_| ApiError::Network)?,
            None => builder.build().map_err(|_| ApiError::Network)?,
        };
        // Browser futures are !Send; the browser is single-threaded, so
        // SendWrapper lets them be used where Leptos asks for Send.
        send_wrapper::SendWrapper::new(async move {
            let res = req.send().await.map_err(|_| ApiError::Network)?;
            let status = res.status();
            let bytes = res.binary().await.map_err(|_| ApiError::Network)?;
            Ok((status, bytes))
        })
        .await
    }

    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    async fn raw<B: Serialize>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<(u16, Vec<u8>), ApiError> {
        let _ = (method.as_str(), path, body.map(serde_json::to_vec));
        Err(ApiError::Network)
    }
}

/// Uploads a picked file (`POST /api/v1/uploads`, multipart part `file`),
/// calling `progress` with the percentage sent so far. Through
/// `XMLHttpRequest`, whose upload reports progress; on the server it never
/// runs (and fails).
pub async fn upload(file: Picked, progress: impl Fn(u32) + 'static) -> Result<UploadDto, ApiError> {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        use wasm_bindgen::closure::Closure;

        let xhr = web_sys::XmlHttpRequest::new().map_err(|_| ApiError::Network)?;
        xhr.open_with_async("POST", crate::paths::UPLOADS, true)
            .map_err(|_| ApiError::Network)?;
        xhr.set_request_header("Accept", "application/json")
            .map_err(|_| ApiError::Network)?;
        let form = web_sys::FormData::new().map_err(|_| ApiError::Network)?;
        form.append_with_blob_and_filename("file", &file.blob, &file.name)
            .map_err(|_| ApiError::Network)?;
        let on_progress =
            Closure::<dyn FnMut(web_sys::ProgressEvent)>::new(move |e: web_sys::ProgressEvent| {
                if e.length_computable() && e.total() > 0.0 {
                    #[expect(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "0..=100")]
                    progress((e.loaded() / e.total() * 100.0).clamp(0.0, 100.0).round() as u32);
                }
            });
        if let Ok(up) = xhr.upload() {
            up.set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
        }
        // `loadend` comes after success, an error status, a network error or an abort.
        let done = js_sys::Promise::new(&mut |resolve, _reject| xhr.set_onloadend(Some(&resolve)));
        xhr.send_with_opt_form_data(Some(&form))
            .map_err(|_| ApiError::Network)?;
        let _ = wasm_bindgen_futures::JsFuture::from(done).await;
        drop(on_progress);
        let status = xhr.status().unwrap_or(0);
        if status == 0 {
            return Err(ApiError::Network);
        }
        let body = xhr.response_text().ok().flatten().unwrap_or_default();
        if (200..300).contains(&status) {
            serde_json::from_str(&body).map_err(|_| ApiError::Network)
        } else {
            Err(ApiError::from_response(status, body.as_bytes()))
        }
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (file, progress);
        Err(ApiError::Network)
    }
}

/// The server side of in-process calls.
#[cfg(feature = "ssr")]
pub mod ssr {
    use std::future::Future;
    use std::pin::Pin;
    use std::sync::Arc;

    pub type BoxFuture = Pin<Box<dyn Future<Output = http::Response<Vec<u8>>> + Send>>;

    /// Answers API requests without a network round trip.
    pub trait Backend: Send + Sync + 'static {
        fn call(&self, req: http::Request<Vec<u8>>) -> BoxFuture;
    }

    /// What the server provides as context to every rendered page.
    #[derive(Clone)]
    pub struct BackendHandle(pub Arc<dyn Backend>);
}
