//! Browser helpers for islands: navigation, the URL, history, focus,
//! scrolling, local storage, clock, random keys, and the files a person
//! picks (photos scaled down before they are sent). With the upload in
//! [`crate::client`], the one place in `app` that touches
//! `web_sys`/`js_sys`; on the server every helper is a no-op (or answers
//! "nothing"), so callers need no `cfg`.

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

/// A file the person picked, not yet uploaded.
#[derive(Clone, Debug)]
pub struct Picked {
    pub name: String,
    /// Bytes.
    pub size: u64,
    /// What the browser says it is (the server judges by the bytes).
    pub content_type: String,
    #[cfg(feature = "hydrate")]
    pub blob: web_sys::Blob,
}

/// The files chosen in the `<input type="file">` an event came from. The
/// input is emptied, so choosing the same file again is a new choice.
pub fn picked_files(ev: &leptos::ev::Event) -> Vec<Picked> {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return Vec::new();
        };
        let mut out = Vec::new();
        if let Some(list) = input.files() {
            for i in 0..list.length() {
                if let Some(f) = list.get(i) {
                    out.push(Picked {
                        name: f.name(),
                        size: js_size(f.size()),
                        content_type: f.type_(),
                        blob: f.into(),
                    });
                }
            }
        }
        input.set_value("");
        out
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = ev;
        Vec::new()
    }
}

/// Photos larger than this are re-encoded before upload.
pub const SHRINK_ABOVE_BYTES: u64 = 2 * 1024 * 1024;
/// The longest side a photo is sent with.
pub const MAX_SIDE_PX: u32 = 2000;

/// Whether a picked file is a photo worth re-encoding: any picture the
/// browser may decode (HEIC included, which the server refuses), but not
/// a PDF.
pub fn is_photo(content_type: &str, name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    content_type.starts_with("image/") || lower.ends_with(".heic") || lower.ends_with(".heif")
}

/// The size a picture of `w` × `h` is scaled to: its longest side at most
/// [`MAX_SIDE_PX`], proportions kept, never enlarged.
pub fn scaled_size(w: u32, h: u32) -> (u32, u32) {
    let long = w.max(h);
    if long <= MAX_SIDE_PX || long == 0 {
        return (w, h);
    }
    let f = f64::from(MAX_SIDE_PX) / f64::from(long);
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "scaled down from a u32"
    )]
    let s = |x: u32| ((f64::from(x) * f).round() as u32).max(1);
    (s(w), s(h))
}

/// `IMG_0001.HEIC` → `IMG_0001.jpg`.
pub fn jpeg_name(name: &str) -> String {
    let stem = name.rsplit_once('.').map_or(name, |(s, _)| s);
    let stem = if stem.is_empty() { "photo" } else { stem };
    format!("{stem}.jpg")
}

/// A photo made fit to send: when it is larger than
/// [`SHRINK_ABOVE_BYTES`] or [`MAX_SIDE_PX`], or not JPEG/PNG/WebP (HEIC),
/// it is drawn on a canvas no larger than [`MAX_SIDE_PX`] and re-encoded as
/// JPEG (quality 0.85), which also turns HEIC into JPEG where the browser
/// can decode it. Anything else, or anything that fails, is sent as it is
/// (the server then says what is wrong).
pub async fn shrink(p: Picked) -> Picked {
    #[cfg(feature = "hydrate")]
    {
        if !is_photo(&p.content_type, &p.name) {
            return p;
        }
        match reencode(&p).await {
            Some(better) => better,
            None => p,
        }
    }
    #[cfg(not(feature = "hydrate"))]
    {
        p
    }
}

#[cfg(feature = "hydrate")]
async fn reencode(p: &Picked) -> Option<Picked> {
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;
    let window = web_sys::window()?;
    let bitmap: web_sys::ImageBitmap = JsFuture::from(window.create_image_bitmap_with_blob(&p.blob).ok()?)
        .await
        .ok()?
        .dyn_into()
        .ok()?;
    let (w, h) = (bitmap.width(), bitmap.height());
    let sendable = matches!(p.content_type.as_str(), "image/jpeg" | "image/png" | "image/webp");
    if sendable && p.size <= SHRINK_ABOVE_BYTES && w.max(h) <= MAX_SIDE_PX {
        bitmap.close();
        return None;
    }
    let (tw, th) = scaled_size(w, h);
    let canvas: web_sys::HtmlCanvasElement = window
        .document()?
        .create_element("canvas")
        .ok()?
        .dyn_into()
        .ok()?;
    canvas.set_width(tw);
    canvas.set_height(th);
    let ctx: web_sys::CanvasRenderingContext2d = canvas.get_context("2d").ok()??.dyn_into().ok()?;
    // JPEG has no transparency: a white sheet under a transparent PNG.
    ctx.set_fill_style_str("#fff");
    ctx.fill_rect(0.0, 0.0, f64::from(tw), f64::from(th));
    let drawn =
        ctx.draw_image_with_image_bitmap_and_dw_and_dh(&bitmap, 0.0, 0.0, f64::from(tw), f64::from(th));
    bitmap.close();
    drawn.ok()?;
    let mut err = None;
    let encoded = js_sys::Promise::new(&mut |resolve, _reject| {
        err = canvas
            .to_blob_with_type_and_encoder_options(&resolve, "image/jpeg", &JsValue::from_f64(0.85))
            .err();
    });
    if err.is_some() {
        return None;
    }
    let blob: web_sys::Blob = JsFuture::from(encoded).await.ok()?.dyn_into().ok()?;
    Some(Picked {
        name: jpeg_name(&p.name),
        size: js_size(blob.size()),
        content_type: "image/jpeg".into(),
        blob,
    })
}

/// A size in bytes as JavaScript gives it (a whole, non-negative double).
#[cfg(feature = "hydrate")]
#[expect(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "file sizes are whole and far below 2^53"
)]
fn js_size(n: f64) -> u64 {
    n.max(0.0) as u64
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

    #[test]
    fn photos_are_scaled_to_at_most_2000_px_and_renamed_jpeg() {
        assert_eq!(super::scaled_size(4032, 3024), (2000, 1500));
        assert_eq!(super::scaled_size(3024, 4032), (1500, 2000));
        assert_eq!(super::scaled_size(1200, 900), (1200, 900), "never enlarged");
        assert_eq!(super::scaled_size(2000, 10), (2000, 10));
        assert_eq!(super::scaled_size(40_000, 1), (2000, 1), "at least one pixel");
        assert_eq!(super::jpeg_name("IMG_0001.HEIC"), "IMG_0001.jpg");
        assert_eq!(super::jpeg_name("出生证明.page.png"), "出生证明.page.jpg");
        assert_eq!(super::jpeg_name("scan"), "scan.jpg");
        assert_eq!(super::jpeg_name(".png"), "photo.jpg");
        assert!(super::is_photo("image/heic", "a.heic"));
        assert!(
            super::is_photo("", "IMG_1.HEIC"),
            "some phones send HEIC without a type"
        );
        assert!(!super::is_photo("application/pdf", "a.pdf"));
    }
}
