//! Browser helpers for islands: navigation, the URL, history, focus,
//! scrolling, local storage, clock and random keys. The one place in `app`
//! that touches `web_sys`/`js_sys`; on the server every helper is a no-op
//! (or answers "nothing"), so callers need no `cfg`.

use serde::Serialize;
use serde::de::DeserializeOwned;

/// A safe local redirect target from a `next` parameter: a path on this
/// site, never another origin (`//evil`, `/\evil`, `https://…`).
pub fn safe_next(next: Option<&str>) -> Option<String> {
    let n = next?.trim();
    let ok = n.starts_with('/') && !n.starts_with("//") && !n.starts_with("/\\") && !n.contains(['\r', '\n']);
    ok.then(|| n.to_owned())
}

/// Navigates the page (full load: pages are server-rendered).
pub fn go(url: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(w) = web_sys::window() {
        let _ = w.location().assign(url);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = url;
}

/// Reloads the current page.
pub fn reload() {
    #[cfg(feature = "hydrate")]
    if let Some(w) = web_sys::window() {
        let _ = w.location().reload();
    }
}

/// The `next` query parameter of the current URL, if it stays on the site.
pub fn next_param() -> Option<String> {
    safe_next(query_param("next").as_deref())
}

/// A query parameter of the current URL.
pub fn query_param(name: &str) -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        let search = web_sys::window()?.location().search().ok()?;
        web_sys::UrlSearchParams::new_with_str(&search).ok()?.get(name)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = name;
        None
    }
}

/// Adds `url` to the session history without loading it.
pub fn push_url(url: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(h) = web_sys::window().and_then(|w| w.history().ok()) {
        let _ = h.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(url));
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = url;
}

/// Replaces the current history entry's URL without loading it.
pub fn replace_url(url: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(h) = web_sys::window().and_then(|w| w.history().ok()) {
        let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(url));
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = url;
}

/// Scrolls to the top of the page.
pub fn scroll_top() {
    #[cfg(feature = "hydrate")]
    if let Some(w) = web_sys::window() {
        w.scroll_to_with_x_and_y(0.0, 0.0);
    }
}

/// Moves keyboard focus to the element with `id` (e.g. the error summary).
pub fn focus(selector: &str) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        if let Some(el) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.query_selector(selector).ok().flatten())
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = el.focus();
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = selector;
}

/// Milliseconds since 1970 (0 on the server).
pub fn now_ms() -> f64 {
    #[cfg(feature = "hydrate")]
    {
        js_sys::Date::now()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        0.0
    }
}

/// An RFC 3339 time as milliseconds since 1970: NaN when unreadable (so it
/// is neither newer nor older than anything), 0 on the server.
pub fn time_ms(rfc3339: &str) -> f64 {
    #[cfg(feature = "hydrate")]
    {
        js_sys::Date::parse(rfc3339)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = rfc3339;
        0.0
    }
}

/// A random key (a UUID where the browser has `crypto.randomUUID`).
pub fn random_key() -> String {
    #[cfg(feature = "hydrate")]
    if let Some(c) = web_sys::window().and_then(|w| w.crypto().ok()) {
        return c.random_uuid();
    }
    format!("k{}", now_ms())
}

/// Reads a JSON value from local storage.
pub fn storage_get<T: DeserializeOwned>(key: &str) -> Option<T> {
    #[cfg(feature = "hydrate")]
    {
        let s = web_sys::window()?.local_storage().ok()??;
        serde_json::from_str(&s.get_item(key).ok()??).ok()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = key;
        None
    }
}

/// Writes a JSON value to local storage (quietly: a full or disabled
/// storage only loses the local copy).
pub fn storage_set<T: Serialize>(key: &str, value: &T) {
    #[cfg(feature = "hydrate")]
    if let (Some(s), Ok(text)) = (
        web_sys::window().and_then(|w| w.local_storage().ok().flatten()),
        serde_json::to_string(value),
    ) {
        let _ = s.set_item(key, &text);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (key, serde_json::to_string(value));
}

/// Removes a value from local storage.
pub fn storage_remove(key: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(s) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = s.remove_item(key);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = key;
}

#[cfg(test)]
mod tests {
    #[test]
    fn next_targets_stay_on_the_site() {
        assert_eq!(super::safe_next(Some("/me")), Some("/me".into()));
        assert_eq!(
            super::safe_next(Some("/bundles/newborn?x=1")),
            Some("/bundles/newborn?x=1".into())
        );
        for bad in ["//evil.example", "/\\evil", "https://evil.example", "me", ""] {
            assert_eq!(super::safe_next(Some(bad)), None, "{bad}");
        }
    }
}
