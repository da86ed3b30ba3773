//! Hydration entry point. The pages are server-rendered; only the islands
//! (`#[island]` components in `app`) hydrate, so the WASM holds just them.

#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    app::hydrate();
}
