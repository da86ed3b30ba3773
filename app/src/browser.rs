//! Small browser helpers for islands (no-ops on the server).

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

/// The `next` query parameter of the current URL.
pub fn next_param() -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        let search = web_sys::window()?.location().search().ok()?;
        let params = web_sys::UrlSearchParams::new_with_str(&search).ok()?;
        safe_next(params.get("next").as_deref())
    }
    #[cfg(not(feature = "hydrate"))]
    None
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
