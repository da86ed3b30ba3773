//! Every `/api/` error is JSON in one envelope; headers on every response.

use crate::both_backends;
use crate::helpers::{TestApp, send};

both_backends!(
    unknown_api_paths_are_json_404,
    wrong_method_is_json_405,
    security_headers_everywhere
);

async fn unknown_api_paths_are_json_404(app: TestApp) {
    for path in [
        "/api",
        "/api/",
        "/api/v1",
        "/api/v1/nothing",
        "/api/v2/bundles",
        "/api/v1/bundles/restaurant/nope",
    ] {
        let res = app.client.get(app.url(path)).send().await.expect("req");
        assert_eq!(res.status(), 404, "{path}");
        assert!(
            res.headers()["content-type"]
                .to_str()
                .expect("ct")
                .starts_with("application/json"),
            "{path}"
        );
        let body: serde_json::Value = res.json().await.expect("json");
        assert_eq!(body["error"]["code"], "not_found", "{path}");
    }
}

async fn wrong_method_is_json_405(app: TestApp) {
    let (status, body) = send(app.client.delete(app.url("/api/v1/bundles"))).await;
    assert_eq!(status, 405);
    assert_eq!(body["error"]["code"], "method_not_allowed");
}

async fn security_headers_everywhere(app: TestApp) {
    for path in ["/", "/api/v1/health", "/api/v1/nothing", "/favicon.svg"] {
        let res = app.client.get(app.url(path)).send().await.expect("req");
        let h = res.headers();
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert!(
            h["content-security-policy"]
                .to_str()
                .expect("csp")
                .contains("frame-ancestors 'none'"),
            "{path}"
        );
        assert!(h.contains_key("referrer-policy"), "{path}");
    }
}
