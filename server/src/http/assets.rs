//! The built site's assets (`/pkg`): compressed once at start-up (Brotli and
//! gzip files next to each CSS/JS/WASM file) and served precompressed with
//! long-lived validators, so a phone downloads the smallest encoding without
//! the server compressing on every request.

use std::io::Write;
use std::path::Path;

/// Writes `<file>.br` and `<file>.gz` for every CSS, JS and WASM file under
/// `dir` that lacks them or changed since. Best effort: a read-only site is
/// served uncompressed.
pub fn precompress(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for path in entries.filter_map(|e| e.ok().map(|e| e.path())) {
        let compressible = path
            .extension()
            .and_then(|x| x.to_str())
            .is_some_and(|x| matches!(x, "css" | "js" | "wasm"));
        if !compressible {
            continue;
        }
        let Ok(meta) = std::fs::metadata(&path) else {
            continue;
        };
        let fresh = |ext: &str| {
            let out = path.with_extension(format!(
                "{}.{ext}",
                path.extension().and_then(|x| x.to_str()).unwrap_or("")
            ));
            std::fs::metadata(&out)
                .and_then(|m| m.modified())
                .ok()
                .zip(meta.modified().ok())
                .is_some_and(|(o, i)| o >= i)
        };
        let Ok(bytes) = std::fs::read(&path) else { continue };
        let name = path.display().to_string();
        if !fresh("br") {
            let mut out = Vec::new();
            let params = brotli::enc::BrotliEncoderParams {
                quality: 11,
                lgwin: 22,
                ..Default::default()
            };
            if brotli::BrotliCompress(&mut bytes.as_slice(), &mut out, &params).is_ok() {
                let _ = std::fs::write(format!("{name}.br"), out);
            }
        }
        if !fresh("gz") {
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            if enc.write_all(&bytes).is_ok()
                && let Ok(out) = enc.finish()
            {
                let _ = std::fs::write(format!("{name}.gz"), out);
            }
        }
    }
}
