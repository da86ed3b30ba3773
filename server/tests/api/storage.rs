//! Encrypted file storage (`server::storage::FileStore`) on the local
//! filesystem, and on a real S3-compatible server when
//! `ONETHING_TEST_S3_ENDPOINT` is set (`.ci/test` starts moto for it).

use std::path::{Path, PathBuf};

use bytes::Bytes;
use futures::TryStreamExt;
use rand::RngCore;
use server::config::{S3Settings, Secret, StorageSettings, StorageUrl};
use server::crypto::PiiCipher;
use server::storage::{FileStore, PutError, is_not_found, sealed};

const MARKER: &[u8] = "PLAINTEXT-MARKER 身份证 610326199001011234".as_bytes();
const MIB: usize = 1024 * 1024;

#[derive(Debug, PartialEq, Eq)]
struct TooLarge;

fn pii() -> PiiCipher {
    PiiCipher::new(&[42u8; 32])
}

/// `n` random bytes with `MARKER` at the start, middle and end (when it fits).
fn document(n: usize) -> Vec<u8> {
    let mut v = vec![0u8; n];
    rand::rng().fill_bytes(&mut v);
    if n < 3 * MARKER.len() {
        return v;
    }
    for at in [0, n / 2, n - MARKER.len()] {
        v[at..at + MARKER.len()].copy_from_slice(MARKER);
    }
    v
}

/// `data` as a body stream of uneven pieces, optionally failing after it.
fn body(
    data: &[u8],
    fail: bool,
) -> impl futures::Stream<Item = Result<Bytes, TooLarge>> + Send + Unpin + use<> {
    let mut items: Vec<Result<Bytes, TooLarge>> = data
        .chunks(100_003)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    if fail {
        items.push(Err(TooLarge));
    }
    futures::stream::iter(items)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Where the raw (sealed) objects can be read, to check what is at rest.
enum Raw {
    Local(PathBuf),
    /// The bucket itself (no prefix), and the prefix of the store.
    S3 {
        bucket: object_store::aws::AmazonS3,
        prefix: String,
    },
}

impl Raw {
    async fn read(&self, key: &str) -> Vec<u8> {
        match self {
            Raw::Local(root) => std::fs::read(root.join(key)).expect("raw file"),
            Raw::S3 { bucket, prefix } => {
                use object_store::ObjectStoreExt;
                let path = object_store::path::Path::from(format!("{prefix}/{key}"));
                let object = bucket.get(&path).await.expect("raw GET");
                object.bytes().await.expect("raw body").to_vec()
            }
        }
    }
}

/// Puts, reads back, checks the object at rest, lists and deletes.
async fn round_trip(store: &FileStore, raw: &Raw, size: usize) {
    let pii = pii();
    let key = format!("uploads/{}", uuid::Uuid::now_v7());
    let data = document(size);
    let (stored, wrapped) = store.put(&key, body(&data, false), &pii).await.expect("put");
    assert_eq!(stored.size, size as u64);
    assert!(wrapped.starts_with("v1:"), "wrapped by PiiCipher: {wrapped}");

    let got: Vec<Bytes> = store
        .get(&key, &wrapped, &pii)
        .await
        .expect("get")
        .try_collect()
        .await
        .expect("authentic");
    assert!(got.concat() == data, "read back identical ({size} bytes)");

    let at_rest = raw.read(&key).await;
    assert_eq!(
        at_rest.len() as u64,
        sealed::sealed_len(size as u64, sealed::CHUNK_SIZE)
    );
    assert_eq!(&at_rest[..4], sealed::MAGIC);
    assert!(
        !contains(&at_rest, MARKER),
        "the object at rest is not the plaintext"
    );

    let now = chrono::Utc::now();
    let later = store
        .list_older_than("uploads", now + chrono::Duration::hours(1))
        .await
        .expect("list");
    assert!(later.contains(&key), "{key} in {later:?}");
    let earlier = store
        .list_older_than("uploads/", now - chrono::Duration::hours(1))
        .await
        .expect("list");
    assert!(!earlier.contains(&key), "{key} in {earlier:?}");
    assert!(
        store
            .list_older_than("uploadsx", now + chrono::Duration::hours(1))
            .await
            .expect("list")
            .is_empty()
    );

    store.delete(&key).await.expect("delete");
    let e = store.get(&key, &wrapped, &pii).await.err().expect("gone");
    assert!(is_not_found(&e), "{e:#}");
    store
        .delete(&key)
        .await
        .expect("deleting a missing object is fine");
}

/// A body that fails after `size` bytes leaves no object behind.
async fn failed_body(store: &FileStore, size: usize) {
    let key = format!("failed/{}", uuid::Uuid::now_v7());
    let result = store.put(&key, body(&document(size), true), &pii()).await;
    match result {
        Err(PutError::Body(e)) => assert_eq!(e, TooLarge),
        Err(PutError::Store(e)) => panic!("store error instead of the body's: {e:#}"),
        Err(PutError::Busy) => panic!("busy with one file"),
        Ok(_) => panic!("a failing body must not store"),
    }
    let left = store
        .list_older_than("failed", chrono::Utc::now() + chrono::Duration::hours(1))
        .await
        .expect("list");
    assert!(left.is_empty(), "nothing left after {size} bytes: {left:?}");
}

/// Every file under `dir`, however named (staging files included).
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read_dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[tokio::test]
async fn local_round_trip_encrypted_at_rest() {
    let dir = tempfile::tempdir().expect("tmp");
    let root = dir.path().join("files");
    let store = FileStore::open(&StorageSettings::default(), dir.path()).expect("open");
    let raw = Raw::Local(std::fs::canonicalize(&root).expect("root"));
    for size in [0, 1, 3 * MIB] {
        round_trip(&store, &raw, size).await;
    }
    // Multipart on the local filesystem (staging file, parts, rename).
    let small_parts = store.clone().with_part_size(256 * 1024);
    round_trip(&small_parts, &raw, 3 * MIB + 17).await;
    assert!(files_under(&root).is_empty(), "all deleted");
}

#[tokio::test]
async fn local_failed_body_leaves_nothing() {
    let dir = tempfile::tempdir().expect("tmp");
    let settings = StorageSettings {
        url: Some(StorageUrl::File(dir.path().join("elsewhere"))),
        ..Default::default()
    };
    let store = FileStore::open(&settings, Path::new("/nonexistent")).expect("open");
    assert!(store.describe().ends_with("/elsewhere"), "{}", store.describe());
    // Before the first part (one-request write) and after it (multipart).
    failed_body(&store, 0).await;
    failed_body(&store, 200_000).await;
    failed_body(&store.clone().with_part_size(256 * 1024), 2 * MIB).await;
    failed_body(&store, 3 * MIB).await;
    let left = files_under(&dir.path().join("elsewhere"));
    assert!(left.is_empty(), "no staging or partial files: {left:?}");
}

#[tokio::test]
async fn local_tampering_is_an_error_item() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = FileStore::local(dir.path()).expect("open");
    let data = document(300_000);
    let (_, wrapped) = store.put("a/doc", body(&data, false), &pii()).await.expect("put");
    let path = dir.path().join("a/doc");
    let mut sealed_bytes = std::fs::read(&path).expect("raw");
    let last = sealed_bytes.len() - 1;
    sealed_bytes[last] ^= 1;
    std::fs::write(&path, &sealed_bytes).expect("tamper");
    let items: Vec<anyhow::Result<Bytes>> =
        futures::StreamExt::collect(store.get("a/doc", &wrapped, &pii()).await.expect("get")).await;
    assert!(
        items.last().expect("items").is_err(),
        "tampering ends the stream in an error"
    );
    let authentic: usize = items.iter().filter_map(|r| r.as_ref().ok()).map(Bytes::len).sum();
    assert!(authentic < data.len());
    assert!(
        store
            .get("a/doc", &wrapped, &PiiCipher::new(&[1u8; 32]))
            .await
            .is_err(),
        "another master key cannot unwrap the file key"
    );
}

/// A fresh bucket on the S3-compatible server of `ONETHING_TEST_S3_ENDPOINT`,
/// and a store on it under a prefix.
async fn s3_store() -> Option<(FileStore, Raw, reqwest::Client, String)> {
    let Some(endpoint) = std::env::var("ONETHING_TEST_S3_ENDPOINT")
        .ok()
        .filter(|s| !s.trim().is_empty())
    else {
        eprintln!("skipping S3 storage test: ONETHING_TEST_S3_ENDPOINT is not set");
        return None;
    };
    let endpoint = endpoint.trim().trim_end_matches('/').to_owned();
    let bucket = format!("onething-test-{}", uuid::Uuid::now_v7().simple());
    let client = reqwest::Client::new();
    // object_store cannot create buckets; moto accepts an unsigned PUT.
    let resp = client
        .put(format!("{endpoint}/{bucket}"))
        .send()
        .await
        .expect("create bucket");
    assert!(resp.status().is_success(), "create bucket: {}", resp.status());
    let settings = StorageSettings {
        url: Some(StorageUrl::S3 {
            bucket: bucket.clone(),
            prefix: "onething/test".to_owned(),
        }),
        s3: S3Settings {
            endpoint: Some(endpoint.clone()),
            access_key_id: Some("test".to_owned()),
            secret_access_key: Some(Secret("test".to_owned())),
            ..Default::default()
        },
        streams: None,
    };
    let store = FileStore::open(&settings, Path::new("/nonexistent")).expect("open S3");
    assert_eq!(
        store.describe(),
        format!("s3://{bucket}/onething/test at {endpoint}")
    );
    let raw = Raw::S3 {
        bucket: object_store::aws::AmazonS3Builder::new()
            .with_bucket_name(&bucket)
            .with_endpoint(&endpoint)
            .with_allow_http(true)
            .with_region("us-east-1")
            .with_access_key_id("test")
            .with_secret_access_key("test")
            .build()
            .expect("raw S3 client"),
        prefix: "onething/test".to_owned(),
    };
    Some((store, raw, client, format!("{endpoint}/{bucket}")))
}

#[tokio::test]
async fn s3_round_trip_encrypted_at_rest() {
    let Some((store, raw, _, _)) = s3_store().await else {
        return;
    };
    // 0 and 3 MiB: one PUT; 12 MiB: a multipart upload of three 5 MiB parts.
    for size in [0, 3 * MIB, 12 * MIB] {
        round_trip(&store, &raw, size).await;
    }
}

#[tokio::test]
async fn s3_failed_body_leaves_nothing() {
    let Some((store, _, client, bucket_url)) = s3_store().await else {
        return;
    };
    // Before the first 5 MiB part (nothing sent) and after two (aborted).
    failed_body(&store, MIB).await;
    failed_body(&store, 11 * MIB).await;
    let uploads = client
        .get(format!("{bucket_url}?uploads"))
        .send()
        .await
        .expect("list multipart uploads")
        .text()
        .await
        .expect("body");
    assert!(
        uploads.contains("ListMultipartUploadsResult") && !uploads.contains("<Upload>"),
        "no multipart upload left open: {uploads}"
    );
}
