//! Storage of uploaded documents (申请材料: ID card photos, PDFs).
//!
//! They are personal data, so they are encrypted before they leave the
//! process, whatever the backend: each file under a fresh random 256-bit key
//! in the chunked format of [`sealed`], and that key "wrapped" (encrypted)
//! with the master key by [`PiiCipher`]. The wrapped key goes into the
//! database row that points at the file; the store alone never holds enough
//! to read a file, and a stolen bucket or disk reveals nothing.
//!
//! Backends (through `object_store`): the local filesystem (default,
//! `<data_dir>/files`) or any S3-compatible store (`ONETHING_STORAGE_URL=s3://…`).

pub mod sealed;

use std::path::{Path as FsPath, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures::stream::BoxStream;
use futures::{Stream, StreamExt, TryStreamExt};
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::prefix::PrefixStore;
use object_store::{ObjectStore, ObjectStoreExt, PutPayloadMut, WriteMultipart};

use crate::config::{StorageSettings, StorageUrl};
use crate::crypto::PiiCipher;

/// S3 refuses parts under 5 MiB (but the last).
const S3_PART_SIZE: usize = 5 * 1024 * 1024;
/// Local parts are only write batches of the staging file.
const LOCAL_PART_SIZE: usize = 128 * 1024;
/// Parts being uploaded at once (memory: about this many parts plus one).
const MAX_PARTS_IN_FLIGHT: usize = 2;
/// How long a file waits for its turn to stream in before it is refused as
/// busy ([`PutError::Busy`]).
const STREAM_WAIT: Duration = Duration::from_secs(60);

/// Files streaming in at once when the setting does not say: two per core
/// (the work is encryption and hashing), at least 4.
fn default_streams() -> usize {
    std::thread::available_parallelism()
        .map_or(2, std::num::NonZeroUsize::get)
        .saturating_mul(2)
        .max(4)
}

/// Encrypted file storage. Cheap to clone.
#[derive(Clone)]
pub struct FileStore {
    store: Arc<dyn ObjectStore>,
    backend: Backend,
    /// Objects smaller than this are written with one request; larger ones
    /// as a multipart upload in parts of this size.
    part_size: usize,
    /// Turns to stream a file in: a file's buffers (parts, the sealer's
    /// chunk, the connection's read buffer) exist only while it streams, so
    /// memory is bounded by the turns, not by how many uploads arrive at
    /// once. The rest wait before their body is read (the client's data
    /// waits in its socket), at most [`FileStore::stream_wait`].
    streams: Arc<tokio::sync::Semaphore>,
    stream_wait: Duration,
}

#[derive(Clone, Debug)]
enum Backend {
    /// Canonical root directory (to fsync what `object_store` wrote).
    Local { root: PathBuf },
    S3 {
        bucket: String,
        prefix: String,
        endpoint: Option<String>,
    },
}

impl std::fmt::Debug for FileStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the inner store: its Debug may include credentials.
        f.debug_struct("FileStore")
            .field("backend", &self.describe())
            .finish_non_exhaustive()
    }
}

/// What [`FileStore::put`] wrote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stored {
    /// Plaintext bytes.
    pub size: u64,
}

/// Why [`FileStore::put`] failed.
#[derive(Debug)]
pub enum PutError<E> {
    /// The caller's body stream failed (e.g. it was too large); the partial
    /// object was removed.
    Body(E),
    /// No turn to stream the file in came within the wait (too many files
    /// arriving at once); nothing of the body was read or written.
    Busy,
    /// The store failed (the upload was aborted as far as possible).
    Store(anyhow::Error),
}

impl<E: std::fmt::Display> std::fmt::Display for PutError<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Body(e) => write!(f, "upload body failed: {e}"),
            Self::Busy => f.write_str("too many files streaming in at once"),
            Self::Store(e) => write!(f, "file storage failed: {e:#}"),
        }
    }
}

impl<E: std::fmt::Debug + std::fmt::Display> std::error::Error for PutError<E> {}

/// Whether `err` (from [`FileStore::get`]) means there is no object at the key.
pub fn is_not_found(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        matches!(
            e.downcast_ref::<object_store::Error>(),
            Some(object_store::Error::NotFound { .. })
        )
    })
}

impl FileStore {
    /// From settings: `None` url => local filesystem under `<data_dir>/files`.
    /// Creates the local directory; does not contact S3.
    pub fn open(settings: &StorageSettings, data_dir: &FsPath) -> anyhow::Result<Self> {
        let store = Self::open_backend(settings, data_dir)?;
        Ok(match settings.streams {
            Some(n) => store.with_streams(n, STREAM_WAIT),
            None => store,
        })
    }

    fn open_backend(settings: &StorageSettings, data_dir: &FsPath) -> anyhow::Result<Self> {
        match &settings.url {
            None => Self::local(&data_dir.join("files")),
            Some(StorageUrl::File(dir)) => Self::local(dir),
            Some(StorageUrl::S3 { bucket, prefix }) => {
                let s3 = &settings.s3;
                let mut b = AmazonS3Builder::new()
                    .with_bucket_name(bucket)
                    .with_region(&s3.region)
                    // Path-style (endpoint/bucket/key) for S3-compatible
                    // servers; virtual-hosted (bucket.s3…) on AWS itself.
                    .with_virtual_hosted_style_request(s3.endpoint.is_none());
                if let Some(endpoint) = &s3.endpoint {
                    b = b
                        .with_endpoint(endpoint)
                        .with_allow_http(endpoint.starts_with("http://"));
                }
                if let (Some(id), Some(secret)) = (&s3.access_key_id, &s3.secret_access_key) {
                    b = b.with_access_key_id(id).with_secret_access_key(&secret.0);
                }
                let s3_store = b
                    .build()
                    .with_context(|| format!("cannot configure S3 storage for bucket {bucket}"))?;
                let store: Arc<dyn ObjectStore> = if prefix.is_empty() {
                    Arc::new(s3_store)
                } else {
                    Arc::new(PrefixStore::new(s3_store, prefix.as_str()))
                };
                Ok(Self {
                    store,
                    backend: Backend::S3 {
                        bucket: bucket.clone(),
                        prefix: prefix.clone(),
                        endpoint: s3.endpoint.clone(),
                    },
                    part_size: S3_PART_SIZE,
                    streams: Arc::new(tokio::sync::Semaphore::new(default_streams())),
                    stream_wait: STREAM_WAIT,
                })
            }
        }
    }

    /// The local filesystem under `dir` (created if missing).
    pub fn local(dir: &FsPath) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the file storage directory {}", dir.display()))?;
        let root = std::fs::canonicalize(dir).with_context(|| format!("cannot resolve {}", dir.display()))?;
        let fs = LocalFileSystem::new_with_prefix(&root)
            .with_context(|| format!("cannot use {} for file storage", root.display()))?
            // Sync staged files and the directories they are renamed into
            // (including directories it creates); `put` checks once more.
            .with_fsync(true);
        Ok(Self {
            store: Arc::new(fs),
            backend: Backend::Local { root },
            part_size: LOCAL_PART_SIZE,
            streams: Arc::new(tokio::sync::Semaphore::new(default_streams())),
            stream_wait: STREAM_WAIT,
        })
    }

    /// Objects of at least `bytes` (sealed) go as a multipart upload in parts
    /// of this size (tests; S3 refuses parts under 5 MiB).
    #[doc(hidden)]
    pub fn with_part_size(mut self, bytes: usize) -> Self {
        self.part_size = bytes.max(1);
        self
    }

    /// At most `n` files stream in at once (at least 1); another waits up to
    /// `wait` for its turn, then [`PutError::Busy`].
    pub fn with_streams(mut self, n: usize, wait: Duration) -> Self {
        self.streams = Arc::new(tokio::sync::Semaphore::new(n.max(1)));
        self.stream_wait = wait;
        self
    }

    /// A short description for logs: `local:/path` or `s3://bucket/prefix`
    /// (with the endpoint, when not AWS). Never credentials.
    pub fn describe(&self) -> String {
        match &self.backend {
            Backend::Local { root } => format!("local:{}", root.display()),
            Backend::S3 {
                bucket,
                prefix,
                endpoint,
            } => {
                let mut s = format!("s3://{bucket}");
                if !prefix.is_empty() {
                    s.push('/');
                    s.push_str(prefix);
                }
                if let Some(e) = endpoint {
                    s.push_str(" at ");
                    s.push_str(e);
                }
                s
            }
        }
    }

    /// Encrypts `body` with a fresh random 256-bit per-file key and writes it
    /// under `key` (a path like `uploads/<uuid>`: letters, digits, `-`, `_`,
    /// `.` and `/`-separated segments). Streams: memory stays bounded (about
    /// [`MAX_PARTS_IN_FLIGHT`] + 1 upload parts: 384 KiB locally, 15 MiB on S3,
    /// where parts are at least 5 MiB), never the whole file, and only so many
    /// files stream at once (see [`FileStore::with_streams`]); the body is
    /// not read before the file's turn comes.
    ///
    /// Durable when it returns: on the local filesystem the file and its
    /// directory are fsynced; on S3 the upload is complete (one PUT below the
    /// part size, a multipart upload above it).
    ///
    /// Returns the per-file key wrapped by the master key, to store beside
    /// the key in the database. If `body` yields `Err(e)`, the upload is
    /// aborted, no object is left behind, and the result is
    /// [`PutError::Body`]`(e)`.
    pub async fn put<E, S>(
        &self,
        key: &str,
        body: S,
        pii: &PiiCipher,
    ) -> Result<(Stored, String), PutError<E>>
    where
        S: Stream<Item = Result<Bytes, E>> + Send + Unpin,
        E: Send,
    {
        let path = object_path(key).map_err(PutError::Store)?;
        let _turn = match tokio::time::timeout(self.stream_wait, self.streams.acquire()).await {
            Ok(Ok(turn)) => turn,
            Ok(Err(closed)) => return Err(PutError::Store(closed.into())),
            Err(_elapsed) => return Err(PutError::Busy),
        };
        let file_key = sealed::random_key();
        let wrapped = pii.encrypt(&STANDARD.encode(file_key));
        let size = self.put_sealed(&path, body, &file_key).await?;
        if let Backend::Local { root } = &self.backend {
            sync_local(root, key).await.map_err(PutError::Store)?;
        }
        Ok((Stored { size }, wrapped))
    }

    async fn put_sealed<E, S>(
        &self,
        path: &Path,
        mut body: S,
        file_key: &sealed::FileKey,
    ) -> Result<u64, PutError<E>>
    where
        S: Stream<Item = Result<Bytes, E>> + Send + Unpin,
        E: Send,
    {
        let (mut sealer, header) = sealed::Sealer::new(file_key);
        // Sealed bytes not yet handed to an upload: only until the first part
        // is full (small files are then written with one request).
        let mut pending = PutPayloadMut::new();
        pending.push(header);
        let mut upload: Option<WriteMultipart> = None;
        let mut size = 0u64;
        loop {
            let data = match body.next().await {
                None => break,
                Some(Ok(data)) => data,
                Some(Err(e)) => {
                    if let Some(w) = upload {
                        // Aborting removes the parts (S3) or the staging file (local).
                        if let Err(abort) = w.abort().await {
                            tracing::warn!(error = %abort, path = %path, "cannot abort a failed upload");
                        }
                    }
                    return Err(PutError::Body(e));
                }
            };
            size += data.len() as u64;
            let sealed_chunks = sealer.push(&data).map_err(PutError::Store)?;
            match &mut upload {
                Some(w) => {
                    for c in sealed_chunks {
                        w.put(c);
                    }
                    if let Err(e) = w.wait_for_capacity(MAX_PARTS_IN_FLIGHT).await {
                        return Err(self.abort(upload, path, e).await);
                    }
                }
                None => {
                    for c in sealed_chunks {
                        pending.push(c);
                    }
                    if pending.content_length() >= self.part_size {
                        let multipart = match self.store.put_multipart(path).await {
                            Ok(m) => m,
                            Err(e) => return Err(store_error(e, "cannot start the upload")),
                        };
                        let mut w = WriteMultipart::new_with_chunk_size(multipart, self.part_size);
                        for c in std::mem::take(&mut pending).freeze().iter() {
                            w.put(c.clone());
                        }
                        upload = Some(w);
                    }
                }
            }
        }
        let last = sealer.finish().map_err(PutError::Store)?;
        match upload {
            Some(mut w) => {
                w.put(last);
                w.finish()
                    .await
                    .map_err(|e| store_error(e, "cannot complete the upload"))?;
            }
            None => {
                pending.push(last);
                self.store
                    .put(path, pending.freeze())
                    .await
                    .map_err(|e| store_error(e, "cannot write the file"))?;
            }
        }
        Ok(size)
    }

    async fn abort<E>(
        &self,
        upload: Option<WriteMultipart>,
        path: &Path,
        e: object_store::Error,
    ) -> PutError<E> {
        if let Some(w) = upload
            && let Err(abort) = w.abort().await
        {
            tracing::warn!(error = %abort, path = %path, "cannot abort a failed upload");
        }
        store_error(e, "cannot upload a part")
    }

    /// Streams the decrypted file. Each chunk is authenticated before it is
    /// yielded; truncation, reordering or tampering yields an `Err` item
    /// (never silently short data). A missing object is an error for which
    /// [`is_not_found`] holds.
    pub async fn get(
        &self,
        key: &str,
        wrapped_key: &str,
        pii: &PiiCipher,
    ) -> anyhow::Result<BoxStream<'static, anyhow::Result<Bytes>>> {
        let path = object_path(key)?;
        let file_key = unwrap_key(wrapped_key, pii)?;
        let result = self
            .store
            .get(&path)
            .await
            .with_context(|| format!("cannot read stored file {key}"))?;
        let raw = result.into_stream().map_err(anyhow::Error::from).boxed();
        Ok(sealed::open_stream(&file_key, raw))
    }

    /// Removes the object; a missing object is not an error.
    pub async fn delete(&self, key: &str) -> anyhow::Result<()> {
        let path = object_path(key)?;
        match self.store.delete(&path).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(anyhow::Error::from(e).context(format!("cannot delete stored file {key}"))),
        }
    }

    /// Keys under `prefix` (whole segments: `uploads` finds `uploads/x`, not
    /// `uploadsx`; empty for all) last modified before `before`, for the
    /// housekeeping of objects no row points at.
    pub async fn list_older_than(&self, prefix: &str, before: DateTime<Utc>) -> anyhow::Result<Vec<String>> {
        let prefix = prefix.trim_end_matches('/');
        let prefix = if prefix.is_empty() {
            None
        } else {
            Some(object_path(prefix)?)
        };
        let mut out = Vec::new();
        let mut listing = self.store.list(prefix.as_ref());
        while let Some(meta) = listing.next().await {
            let meta = match meta {
                Ok(m) => m,
                // A file deleted while listing.
                Err(object_store::Error::NotFound { .. }) => continue,
                Err(e) => return Err(anyhow::Error::from(e).context("cannot list stored files")),
            };
            if meta.last_modified < before {
                out.push(meta.location.to_string());
            }
        }
        out.sort_unstable();
        Ok(out)
    }
}

/// The per-file key out of its wrapped form.
fn unwrap_key(wrapped: &str, pii: &PiiCipher) -> anyhow::Result<sealed::FileKey> {
    let b64 = pii
        .decrypt(wrapped)
        .context("cannot unwrap the file key (wrong master key or corrupt row)")?;
    let bytes = STANDARD.decode(b64.trim()).context("file key is not base64")?;
    bytes.try_into().map_err(|_| anyhow!("file key must be 32 bytes"))
}

/// Checks `key` and turns it into an object path. Keys are ours (e.g.
/// `uploads/<uuid>`), never a user's file name.
fn object_path(key: &str) -> anyhow::Result<Path> {
    let valid = !key.is_empty()
        && key.len() <= 512
        && key.split('/').all(|seg| {
            !seg.is_empty()
                && seg != "."
                && seg != ".."
                && seg
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        });
    if !valid {
        bail!("invalid storage key `{key}`: use letters, digits, `-`, `_`, `.` and `/` between segments");
    }
    Path::parse(key).with_context(|| format!("invalid storage key `{key}`"))
}

fn store_error<E>(e: object_store::Error, what: &str) -> PutError<E> {
    PutError::Store(anyhow::Error::from(e).context(what.to_owned()))
}

/// fsyncs the written file and its directory, so that a row committed after
/// `put` returns never points at a file a crash lost.
async fn sync_local(root: &FsPath, key: &str) -> anyhow::Result<()> {
    let file = root.join(key);
    tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
        std::fs::File::open(&file)
            .and_then(|f| f.sync_all())
            .with_context(|| format!("cannot sync {}", file.display()))?;
        if let Some(dir) = file.parent() {
            sync_dir(dir).with_context(|| format!("cannot sync {}", dir.display()))?;
        }
        Ok(())
    })
    .await
    .context("sync task failed")?
}

#[cfg(unix)]
fn sync_dir(dir: &FsPath) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &FsPath) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{S3Settings, Secret};

    /// Handlers (axum) need `Send` futures.
    fn assert_send<T: Send>(_: &T) {}

    fn pii() -> PiiCipher {
        PiiCipher::new(&[9u8; 32])
    }

    #[test]
    fn keys_are_checked() {
        for ok in ["uploads/0190f0a4-7b1c-7d2e-8f00-000000000001", "a", "a/b.c/d_e"] {
            assert!(object_path(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "/a",
            "a/",
            "a//b",
            "../a",
            "a/./b",
            "a b",
            "a#1",
            "a\\b",
            "身份证",
        ] {
            assert!(object_path(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn open_local_default_and_describe() {
        let dir = tempfile::tempdir().expect("tmp");
        let store = FileStore::open(&StorageSettings::default(), dir.path()).expect("open");
        assert!(dir.path().join("files").is_dir());
        assert!(store.describe().starts_with("local:/"), "{}", store.describe());
        assert!(store.describe().ends_with("/files"));
    }

    #[test]
    fn s3_debug_and_describe_hide_credentials() {
        let settings = StorageSettings {
            url: Some(StorageUrl::S3 {
                bucket: "docs".into(),
                prefix: "onething/prod".into(),
            }),
            s3: S3Settings {
                endpoint: Some("http://127.0.0.1:9000".into()),
                region: "cn-north-1".into(),
                access_key_id: Some("AKIDEXAMPLE".into()),
                secret_access_key: Some(Secret("wJalrXUtnFEMI-very-secret".into())),
            },
            streams: None,
        };
        let store = FileStore::open(&settings, FsPath::new("/nonexistent")).expect("open");
        assert_eq!(
            store.describe(),
            "s3://docs/onething/prod at http://127.0.0.1:9000"
        );
        let debug = format!("{store:?}");
        assert!(
            !debug.contains("very-secret") && !debug.contains("AKID"),
            "{debug}"
        );
    }

    #[tokio::test]
    async fn wrapped_key_needs_the_master_key() {
        let dir = tempfile::tempdir().expect("tmp");
        let store = FileStore::local(dir.path()).expect("open");
        let body = futures::stream::iter([Ok::<_, std::io::Error>(Bytes::from_static(b"hello"))]);
        let pii_key = pii();
        let put = store.put("a/b", body, &pii_key);
        assert_send(&put);
        let (stored, wrapped) = put.await.map_err(|_| ()).expect("put");
        assert_eq!(stored.size, 5);
        assert!(wrapped.starts_with("v1:"));
        assert!(
            store
                .get("a/b", &wrapped, &PiiCipher::new(&[1u8; 32]))
                .await
                .is_err()
        );
        let e = store
            .get("a/missing", &wrapped, &pii())
            .await
            .err()
            .expect("missing");
        assert!(is_not_found(&e), "{e:#}");
        let data: Vec<Bytes> = store
            .get("a/b", &wrapped, &pii())
            .await
            .expect("get")
            .try_collect()
            .await
            .expect("reads");
        assert_eq!(data.concat(), b"hello");
    }

    /// A file beyond the turns waits without its body being read, and is
    /// refused as busy when no turn comes in time; a turn is given back when
    /// its file is stored.
    #[tokio::test]
    async fn files_beyond_the_turns_wait_and_then_are_busy() {
        use std::sync::atomic::{AtomicBool, Ordering};
        let dir = tempfile::tempdir().expect("tmp");
        let store = FileStore::local(dir.path())
            .expect("open")
            .with_streams(1, Duration::from_millis(300));

        // The first file takes the only turn and holds it while its body is open.
        let (tx, rx) = futures::channel::mpsc::unbounded::<Result<Bytes, std::io::Error>>();
        let started = Arc::new(AtomicBool::new(false));
        let seen = started.clone();
        let first_body = rx.inspect(move |_| seen.store(true, Ordering::SeqCst));
        tx.unbounded_send(Ok(Bytes::from_static(b"first ")))
            .expect("send");
        let first = tokio::spawn({
            let store = store.clone();
            async move {
                store
                    .put("t/first", first_body, &pii())
                    .await
                    .map(|(s, _)| s.size)
            }
        });
        tokio::time::timeout(Duration::from_secs(5), async {
            while !started.load(Ordering::SeqCst) {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
        .await
        .expect("the first file starts streaming");

        // The second waits for the turn, is refused, and its body is never read.
        let polled = Arc::new(AtomicBool::new(false));
        let touched = polled.clone();
        let second_body = futures::stream::poll_fn(move |_| {
            touched.store(true, Ordering::SeqCst);
            std::task::Poll::Ready(Some(Ok::<_, std::io::Error>(Bytes::from_static(b"x"))))
        });
        let waited = std::time::Instant::now();
        let busy = store.put("t/second", second_body, &pii()).await;
        assert!(matches!(busy, Err(PutError::Busy)), "{:?}", busy.map(|(s, _)| s));
        assert!(
            waited.elapsed() >= Duration::from_millis(250),
            "it waited for a turn"
        );
        assert!(
            !polled.load(Ordering::SeqCst),
            "a waiting file's body is not read"
        );
        assert!(
            store
                .list_older_than("t/second", Utc::now())
                .await
                .expect("list")
                .is_empty()
        );

        // The first finishes; its turn comes back for the next file.
        tx.unbounded_send(Ok(Bytes::from_static(b"file"))).expect("send");
        drop(tx);
        let size = first
            .await
            .expect("join")
            .map_err(|e| e.to_string())
            .expect("first stored");
        assert_eq!(size, 10);
        let third = futures::stream::iter([Ok::<_, std::io::Error>(Bytes::from_static(b"third"))]);
        let (stored, _) = store
            .put("t/third", third, &pii())
            .await
            .map_err(|e| e.to_string())
            .expect("third");
        assert_eq!(stored.size, 5);
    }
}
