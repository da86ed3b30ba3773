//! Pages. They render on the server only; the interactive parts are islands.

pub mod admin;
pub mod apply;
pub mod auth;
pub mod bundle;
pub mod home;
pub mod me;
pub mod not_found;
pub mod submission;
pub mod workbench;
pub mod zone;

/// Sets the HTTP status of the page being rendered (no-op in the browser).
pub fn set_status(code: u16) {
    #[cfg(feature = "ssr")]
    if let (Some(res), Ok(status)) = (
        leptos::prelude::use_context::<leptos_axum::ResponseOptions>(),
        http::StatusCode::from_u16(code),
    ) {
        res.set_status(status);
    }
    #[cfg(not(feature = "ssr"))]
    let _ = code;
}

/// Sends the visitor to the login page (during SSR: a 302).
pub fn redirect(path: &str) {
    #[cfg(feature = "ssr")]
    leptos_axum::redirect(path);
    #[cfg(not(feature = "ssr"))]
    crate::browser::go(path);
}

/// For a page that needs a login: 401 → redirect to `/login?next=…`;
/// anything else is shown as an error.
pub fn login_or_error(e: crate::client::ApiError, here: &str) -> impl leptos::prelude::IntoView + use<> {
    use leptos::prelude::*;
    if e.status() == Some(401) {
        let to = format!("/login?next={}", url_encode(here));
        redirect(&to);
        view! { <p class="muted">"请先登录。" <a href=to>"登录"</a></p> }.into_any()
    } else if e.is_not_found() {
        view! { <not_found::NotFound/> }.into_any()
    } else {
        view! { <p class="error-box" role="alert">{e.to_string()}</p> }.into_any()
    }
}

/// Percent-encodes a path segment or query value.
pub fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => char::from(b).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn encodes() {
        assert_eq!(super::url_encode("new-born_1"), "new-born_1");
        assert_eq!(super::url_encode("/me?x=1"), "%2Fme%3Fx%3D1");
    }
}
