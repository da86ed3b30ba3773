//! A department system for tests and benchmarks: it receives outbox
//! deliveries, checks their signatures, applies each idempotency key's
//! effect once, and can be told to fail. (Also compiled into `bench/`.)

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// One delivery as received.
#[derive(Clone, Debug)]
pub struct Delivery {
    pub department: String,
    pub key: String,
    pub event: String,
    pub timestamp: String,
    pub signature: String,
    /// The sending instance, from the user agent.
    pub instance: String,
    pub body: String,
}

#[derive(Default)]
struct Inner {
    deliveries: Mutex<Vec<Delivery>>,
    /// Idempotency keys whose effect was applied (once each).
    applied: Mutex<HashSet<String>>,
    /// Keys being handled right now, to catch a concurrent double delivery.
    in_flight: Mutex<HashSet<String>>,
    overlaps: AtomicU64,
    fail: AtomicBool,
    delay_ms: AtomicU64,
}

/// A running receiver; each department posts to `<url>/<department>`.
#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    inner: Arc<Inner>,
}

impl Receiver {
    pub async fn start() -> Self {
        let inner = Arc::new(Inner::default());
        let app = Router::new()
            .route("/{department}", post(receive))
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind receiver");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { url, inner }
    }

    /// Where `department`'s events go.
    pub fn endpoint(&self, department: &str) -> String {
        format!("{}/{department}", self.url)
    }

    /// Answer 500 to everything (`true`) or accept again (`false`).
    pub fn fail(&self, yes: bool) {
        self.inner.fail.store(yes, Ordering::SeqCst);
    }

    /// Take this long over each delivery (widens race windows).
    pub fn delay(&self, d: Duration) {
        self.inner
            .delay_ms
            .store(u64::try_from(d.as_millis()).unwrap_or(u64::MAX), Ordering::SeqCst);
    }

    pub fn deliveries(&self) -> Vec<Delivery> {
        self.inner.deliveries.lock().expect("lock").clone()
    }

    /// Distinct effects applied (one per idempotency key).
    pub fn applied(&self) -> HashSet<String> {
        self.inner.applied.lock().expect("lock").clone()
    }

    /// How often a key arrived while the same key was still being handled.
    pub fn overlaps(&self) -> u64 {
        self.inner.overlaps.load(Ordering::SeqCst)
    }

    /// Deliveries per idempotency key.
    pub fn counts(&self) -> HashMap<String, usize> {
        let mut m = HashMap::new();
        for d in self.deliveries() {
            *m.entry(d.key).or_insert(0) += 1;
        }
        m
    }
}

/// `true` when `d` carries `v1=HMAC-SHA256(secret, "<timestamp>.<body>")`.
pub fn signature_valid(d: &Delivery, secret: &str) -> bool {
    let Some(hex_sig) = d.signature.strip_prefix("v1=") else {
        return false;
    };
    let Ok(sig) = hex::decode(hex_sig) else {
        return false;
    };
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(format!("{}.{}", d.timestamp, d.body).as_bytes());
    mac.verify_slice(&sig).is_ok()
}

async fn receive(
    State(inner): State<Arc<Inner>>,
    axum::extract::Path(department): axum::extract::Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let h = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let d = Delivery {
        department,
        key: h("idempotency-key"),
        event: h("x-onething-event"),
        timestamp: h("x-onething-timestamp"),
        signature: h("x-onething-signature"),
        instance: h("user-agent"),
        body: String::from_utf8_lossy(&body).into_owned(),
    };
    let key = d.key.clone();
    inner.deliveries.lock().expect("lock").push(d);
    if !inner.in_flight.lock().expect("lock").insert(key.clone()) {
        inner.overlaps.fetch_add(1, Ordering::SeqCst);
    }
    let delay = inner.delay_ms.load(Ordering::SeqCst);
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    let status = if inner.fail.load(Ordering::SeqCst) {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        // The effect: applied once per key, however often it arrives.
        inner.applied.lock().expect("lock").insert(key.clone());
        StatusCode::OK
    };
    inner.in_flight.lock().expect("lock").remove(&key);
    status
}
