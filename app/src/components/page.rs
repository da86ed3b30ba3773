//! What pages share around their content: loading a page's data for a
//! logged-in visitor ([`RequireLogin`]), the not-found page, and the HTTP
//! status and redirect of the response being rendered.

use std::future::Future;
use std::sync::Arc;

use leptos::prelude::*;
use leptos_meta::Title;

use crate::client::{Api, ApiError};
use crate::paths;

/// Why a page's data could not be shown.
#[derive(Clone, Debug, PartialEq)]
pub enum PageError {
    /// The API refused or failed.
    Api(ApiError),
    /// The page does not exist for this visitor (e.g. the workbench for a
    /// citizen): answered 404, like an unknown path.
    NotFound,
}

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> Self {
        Self::Api(e)
    }
}

/// Loads a page's data through the API, with the visitor's rights, and
/// renders it. A visitor who is not logged in (401) is sent to
/// `/login?next=<here>` — a 302 during server rendering — and meanwhile sees
/// "请先登录"; a 404 (or [`PageError::NotFound`]) shows the not-found page;
/// any other failure its message.
#[component]
pub fn RequireLogin<L, Fut, T, R, V>(
    /// This page's path, to come back to after logging in.
    #[prop(into)]
    here: String,
    /// Fetches what the page shows.
    load: L,
    /// Renders it.
    render: R,
) -> impl IntoView
where
    L: Fn(Api) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<T, PageError>> + Send + 'static,
    T: Send + 'static,
    R: Fn(T) -> V + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let api = Api::new();
    let render = Arc::new(render);
    view! {
        <Suspense fallback=Loading>
            {move || {
                let data = load(api.clone());
                let (render, here) = (Arc::clone(&render), here.clone());
                Suspend::new(async move {
                    match data.await {
                        Ok(d) => render(d).into_any(),
                        Err(e) => failure(e, &here),
                    }
                })
            }}
        </Suspense>
    }
}

/// Shown while a page's data loads (only ever seen without server rendering).
#[component]
pub fn Loading() -> impl IntoView {
    view! { <p class="muted">"正在加载…"</p> }
}

fn failure(e: PageError, here: &str) -> AnyView {
    match e {
        PageError::Api(e) if e.status() == Some(401) => {
            let to = format!("/login?next={}", paths::encode(here));
            redirect(&to);
            view! { <p class="muted">"请先登录。" <a href=to>"登录"</a></p> }.into_any()
        }
        PageError::NotFound => view! { <NotFound/> }.into_any(),
        PageError::Api(e) if e.is_not_found() => view! { <NotFound/> }.into_any(),
        PageError::Api(e) => view! { <p class="error-box" role="alert">{e.to_string()}</p> }.into_any(),
    }
}

/// Unknown paths (and unknown bundle codes) answer 404 with this page.
#[component]
pub fn NotFound() -> impl IntoView {
    set_status(404);
    view! {
        <Title text="页面不存在"/>
        <section class="panel notice">
            <h1>"页面不存在"</h1>
            <p>"您访问的页面不存在或已经调整。"</p>
            <p><a class="button" href="/">"返回首页"</a></p>
        </section>
    }
}

/// Sets the HTTP status of the page being rendered (no-op in the browser).
pub fn set_status(code: u16) {
    #[cfg(feature = "ssr")]
    if let (Some(res), Ok(status)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        http::StatusCode::from_u16(code),
    ) {
        res.set_status(status);
    }
    #[cfg(not(feature = "ssr"))]
    let _ = code;
}

/// Sends the visitor elsewhere (during SSR: a 302).
pub fn redirect(path: &str) {
    #[cfg(feature = "ssr")]
    leptos_axum::redirect(path);
    #[cfg(not(feature = "ssr"))]
    crate::browser::go(path);
}
