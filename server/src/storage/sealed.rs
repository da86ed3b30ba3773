//! The encrypted ("sealed") file format: a chunked AEAD stream.
//!
//! ```text
//! header (16 bytes, also the associated data of every chunk):
//!   magic "OTSF" | version u8 = 1 | chunk size u32 BE | nonce prefix [u8; 7]
//! then chunks: AES-256-GCM(plaintext chunk) ‖ 16-byte tag
//! ```
//!
//! Every chunk but the last holds exactly `chunk size` plaintext bytes; the
//! last holds 0 to `chunk size` (an empty file is one empty last chunk).
//! Chunks are sealed with the STREAM construction (Hoang, Reyhanitabar,
//! Rogaway, Vizár 2015) as implemented by `aead::stream::EncryptorBE32`:
//! nonce = 7-byte random prefix ‖ 32-bit big-endian chunk counter ‖ 1-byte
//! last-chunk flag. So reordering, dropping or duplicating chunks, cutting
//! the file after any chunk, or appending to it all fail authentication,
//! and so does changing the header (it is the associated data).
//!
//! The key is a fresh random 256-bit key per file, so the random nonce
//! prefix is belt and braces rather than what keeps nonces unique.

use std::collections::VecDeque;

use aead::stream::{DecryptorBE32, EncryptorBE32};
use aead::{KeyInit, Payload};
use aes_gcm::Aes256Gcm;
use anyhow::{anyhow, bail};
use bytes::{Bytes, BytesMut};
use futures::StreamExt;
use futures::stream::BoxStream;
use rand::RngCore;

/// "OneThing sealed file".
pub const MAGIC: &[u8; 4] = b"OTSF";
pub const VERSION: u8 = 1;
pub const HEADER_LEN: usize = 16;
/// Plaintext bytes per chunk written by [`Sealer::new`].
pub const CHUNK_SIZE: usize = 64 * 1024;
pub const TAG_LEN: usize = 16;
const NONCE_PREFIX_LEN: usize = 7;
/// Chunk sizes a reader accepts (the header is only authenticated with the
/// first chunk, so a forged size must not make the reader buffer gigabytes).
const MIN_CHUNK: usize = 16;
const MAX_CHUNK: usize = 4 * 1024 * 1024;

/// A per-file key.
pub type FileKey = [u8; 32];

/// A fresh random per-file key.
pub fn random_key() -> FileKey {
    let mut key = [0u8; 32];
    rand::rng().fill_bytes(&mut key);
    key
}

/// Ciphertext length of a sealed file of `plaintext` bytes in `chunk`-byte
/// chunks (header included).
pub fn sealed_len(plaintext: u64, chunk: usize) -> u64 {
    let chunk = chunk as u64;
    let chunks = if plaintext == 0 {
        1
    } else {
        plaintext.div_ceil(chunk)
    };
    HEADER_LEN as u64 + plaintext + chunks * TAG_LEN as u64
}

fn header(chunk: usize, prefix: &[u8; NONCE_PREFIX_LEN]) -> [u8; HEADER_LEN] {
    let mut h = [0u8; HEADER_LEN];
    h[..4].copy_from_slice(MAGIC);
    h[4] = VERSION;
    // Callers keep chunk sizes far below 4 GiB.
    h[5..9].copy_from_slice(&u32::try_from(chunk).unwrap_or(u32::MAX).to_be_bytes());
    h[9..].copy_from_slice(prefix);
    h
}

/// Encrypts a file pushed in pieces of any size.
pub struct Sealer {
    enc: Option<EncryptorBE32<Aes256Gcm>>,
    header: [u8; HEADER_LEN],
    chunk: usize,
    /// Plaintext not yet sealed (less than one chunk, or exactly one chunk
    /// that may turn out to be the last).
    buf: BytesMut,
}

impl Sealer {
    /// A sealer with the default chunk size, and the header to write first.
    pub fn new(key: &FileKey) -> (Self, Bytes) {
        Self::with_chunk_size(key, CHUNK_SIZE)
    }

    pub fn with_chunk_size(key: &FileKey, chunk: usize) -> (Self, Bytes) {
        assert!(
            (MIN_CHUNK..=MAX_CHUNK).contains(&chunk),
            "chunk size out of range"
        );
        let mut prefix = [0u8; NONCE_PREFIX_LEN];
        rand::rng().fill_bytes(&mut prefix);
        let header = header(chunk, &prefix);
        let aead = Aes256Gcm::new(&(*key).into());
        let enc = EncryptorBE32::from_aead(aead, prefix.as_slice().into());
        let sealer = Self {
            enc: Some(enc),
            header,
            chunk,
            buf: BytesMut::with_capacity(chunk),
        };
        (sealer, Bytes::copy_from_slice(&header))
    }

    /// Seals every complete chunk that `data` completes. A full chunk is held
    /// back until more data shows it is not the last.
    pub fn push(&mut self, mut data: &[u8]) -> anyhow::Result<Vec<Bytes>> {
        let mut out = Vec::new();
        while !data.is_empty() {
            if self.buf.len() == self.chunk {
                out.push(self.seal_next()?);
            }
            let take = (self.chunk - self.buf.len()).min(data.len());
            self.buf.extend_from_slice(&data[..take]);
            data = &data[take..];
        }
        Ok(out)
    }

    fn seal_next(&mut self) -> anyhow::Result<Bytes> {
        let enc = self.enc.as_mut().ok_or_else(|| anyhow!("sealer finished"))?;
        let ct = enc
            .encrypt_next(Payload {
                msg: &self.buf,
                aad: &self.header,
            })
            .map_err(|_| anyhow!("file too large to seal"))?;
        self.buf.clear();
        Ok(Bytes::from(ct))
    }

    /// Seals the last chunk (possibly empty).
    pub fn finish(&mut self) -> anyhow::Result<Bytes> {
        let enc = self.enc.take().ok_or_else(|| anyhow!("sealer finished"))?;
        let ct = enc
            .encrypt_last(Payload {
                msg: &self.buf,
                aad: &self.header,
            })
            .map_err(|_| anyhow!("cannot seal the last chunk"))?;
        self.buf.clear();
        Ok(Bytes::from(ct))
    }
}

/// Decrypts a sealed file pushed in pieces of any size; yields only
/// authenticated plaintext.
pub struct Opener {
    key: FileKey,
    state: OpenState,
    buf: BytesMut,
}

enum OpenState {
    Header,
    Body {
        // Boxed: the AES key schedule is large.
        dec: Box<DecryptorBE32<Aes256Gcm>>,
        header: [u8; HEADER_LEN],
        /// Sealed chunk length (plaintext chunk + tag).
        sealed: usize,
    },
    Done,
}

impl Opener {
    pub fn new(key: &FileKey) -> Self {
        Self {
            key: *key,
            state: OpenState::Header,
            buf: BytesMut::new(),
        }
    }

    /// Opens every chunk that is known not to be the last.
    pub fn push(&mut self, data: &[u8]) -> anyhow::Result<Vec<Bytes>> {
        if matches!(self.state, OpenState::Done) {
            bail!("data after the end of the sealed file");
        }
        self.buf.extend_from_slice(data);
        if matches!(self.state, OpenState::Header) {
            if self.buf.len() < HEADER_LEN {
                return Ok(Vec::new());
            }
            self.read_header()?;
        }
        let mut out = Vec::new();
        let mut failed = false;
        if let OpenState::Body { dec, header, sealed } = &mut self.state {
            // Strictly more than one chunk: the first is not the last.
            while self.buf.len() > *sealed {
                let chunk = self.buf.split_to(*sealed);
                match dec.decrypt_next(Payload {
                    msg: &chunk,
                    aad: header.as_slice(),
                }) {
                    Ok(pt) => out.push(Bytes::from(pt)),
                    Err(_) => {
                        failed = true;
                        break;
                    }
                }
            }
        }
        if failed {
            self.state = OpenState::Done;
            self.buf.clear();
            bail!("stored file does not authenticate (tampered, reordered or wrong key)");
        }
        Ok(out)
    }

    fn read_header(&mut self) -> anyhow::Result<()> {
        let h = self.buf.split_to(HEADER_LEN);
        if &h[..4] != MAGIC {
            self.state = OpenState::Done;
            bail!("not a sealed file (bad magic)");
        }
        if h[4] != VERSION {
            self.state = OpenState::Done;
            bail!("unknown sealed file version {}", h[4]);
        }
        let mut size = [0u8; 4];
        size.copy_from_slice(&h[5..9]);
        let chunk = usize::try_from(u32::from_be_bytes(size)).unwrap_or(usize::MAX);
        if !(MIN_CHUNK..=MAX_CHUNK).contains(&chunk) {
            self.state = OpenState::Done;
            bail!("sealed file has an unsupported chunk size {chunk}");
        }
        let mut header = [0u8; HEADER_LEN];
        header.copy_from_slice(&h);
        let aead = Aes256Gcm::new(&self.key.into());
        let dec = Box::new(DecryptorBE32::from_aead(aead, h[9..].into()));
        self.state = OpenState::Body {
            dec,
            header,
            sealed: chunk + TAG_LEN,
        };
        Ok(())
    }

    /// At the end of the data: opens the last chunk. Fails if the file was
    /// cut short (the chunk read last was not sealed as the last one).
    pub fn finish(&mut self) -> anyhow::Result<Bytes> {
        match std::mem::replace(&mut self.state, OpenState::Done) {
            OpenState::Header => bail!("sealed file truncated (incomplete header)"),
            OpenState::Done => bail!("sealed file already finished or failed"),
            OpenState::Body { dec, header, .. } => {
                let last = std::mem::take(&mut self.buf);
                if last.len() < TAG_LEN {
                    bail!("sealed file truncated");
                }
                let pt = dec
                    .decrypt_last(Payload {
                        msg: &last,
                        aad: &header,
                    })
                    .map_err(|_| {
                        anyhow!("stored file does not authenticate (truncated, tampered or wrong key)")
                    })?;
                Ok(Bytes::from(pt))
            }
        }
    }
}

/// Decrypts a stream of sealed bytes. Each item is authenticated before it is
/// yielded; any failure (of `inner` or of authentication) is the last item.
pub fn open_stream(
    key: &FileKey,
    inner: BoxStream<'static, anyhow::Result<Bytes>>,
) -> BoxStream<'static, anyhow::Result<Bytes>> {
    struct St {
        inner: BoxStream<'static, anyhow::Result<Bytes>>,
        opener: Opener,
        ready: VecDeque<Bytes>,
        done: bool,
    }
    let st = St {
        inner,
        opener: Opener::new(key),
        ready: VecDeque::new(),
        done: false,
    };
    futures::stream::unfold(st, |mut st| async move {
        loop {
            if let Some(b) = st.ready.pop_front() {
                return Some((Ok(b), st));
            }
            if st.done {
                return None;
            }
            match st.inner.next().await {
                Some(Ok(data)) => match st.opener.push(&data) {
                    Ok(v) => st.ready.extend(v.into_iter().filter(|b| !b.is_empty())),
                    Err(e) => {
                        st.done = true;
                        return Some((Err(e), st));
                    }
                },
                Some(Err(e)) => {
                    st.done = true;
                    return Some((Err(e.context("cannot read the stored file")), st));
                }
                None => {
                    st.done = true;
                    match st.opener.finish() {
                        Ok(b) if b.is_empty() => return None,
                        Ok(b) => return Some((Ok(b), st)),
                        Err(e) => return Some((Err(e), st)),
                    }
                }
            }
        }
    })
    .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHUNK: usize = 1024;

    fn data(n: usize) -> Vec<u8> {
        (0..n).map(|i| (i * 31 % 251) as u8).collect()
    }

    /// Seals `pt`, pushing it in pieces of `piece` bytes.
    fn seal(key: &FileKey, pt: &[u8], piece: usize) -> Vec<u8> {
        let (mut s, header) = Sealer::with_chunk_size(key, CHUNK);
        let mut out = header.to_vec();
        for p in pt.chunks(piece.max(1)) {
            for c in s.push(p).expect("push") {
                out.extend_from_slice(&c);
            }
        }
        out.extend_from_slice(&s.finish().expect("finish"));
        out
    }

    /// Opens `ct`, pushing it in pieces of `piece` bytes.
    fn open(key: &FileKey, ct: &[u8], piece: usize) -> anyhow::Result<Vec<u8>> {
        let mut o = Opener::new(key);
        let mut out = Vec::new();
        for p in ct.chunks(piece.max(1)) {
            for c in o.push(p)? {
                out.extend_from_slice(&c);
            }
        }
        out.extend_from_slice(&o.finish()?);
        Ok(out)
    }

    #[test]
    fn round_trip_at_chunk_boundaries() {
        let key = random_key();
        for n in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 3 * CHUNK + 5] {
            let pt = data(n);
            for piece in [1, 7, CHUNK, 5000] {
                let ct = seal(&key, &pt, piece);
                assert_eq!(ct.len() as u64, sealed_len(n as u64, CHUNK), "length at {n}");
                for read_piece in [1, 13, CHUNK + TAG_LEN, 100_000] {
                    assert_eq!(
                        open(&key, &ct, read_piece).expect("opens"),
                        pt,
                        "n={n} piece={piece} read_piece={read_piece}"
                    );
                }
            }
        }
    }

    #[test]
    fn header_layout() {
        let (_, h) = Sealer::new(&random_key());
        assert_eq!(h.len(), HEADER_LEN);
        assert_eq!(&h[..4], b"OTSF");
        assert_eq!(h[4], 1);
        assert_eq!(&h[5..9], &(CHUNK_SIZE as u32).to_be_bytes());
    }

    #[test]
    fn ciphertext_is_not_plaintext_and_prefix_is_random() {
        let key = random_key();
        let pt = b"610326199001011234 ID card".repeat(100);
        let a = seal(&key, &pt, 100);
        let b = seal(&key, &pt, 100);
        assert_ne!(a, b, "random nonce prefix");
        assert!(!a.windows(18).any(|w| w == b"610326199001011234"));
    }

    #[test]
    fn wrong_key_fails() {
        let ct = seal(&random_key(), &data(3 * CHUNK), 500);
        assert!(open(&random_key(), &ct, 500).is_err());
        let empty = seal(&random_key(), &[], 1);
        assert!(open(&random_key(), &empty, 1).is_err(), "even an empty file");
    }

    #[test]
    fn any_flipped_byte_fails() {
        let key = random_key();
        let ct = seal(&key, &data(2 * CHUNK + 10), 300);
        // Header, first chunk, chunk boundary, tags, last byte.
        for i in [
            0,
            4,
            5,
            8,
            9,
            15,
            16,
            17,
            500,
            CHUNK + 15,
            CHUNK + 16,
            ct.len() - 1,
        ] {
            let mut bad = ct.clone();
            bad[i] ^= 0x01;
            assert!(open(&key, &bad, 777).is_err(), "flip at {i}");
        }
    }

    #[test]
    fn truncation_fails() {
        let key = random_key();
        let sealed_chunk = CHUNK + TAG_LEN;
        let ct = seal(&key, &data(3 * CHUNK), 300);
        assert_eq!(ct.len(), HEADER_LEN + 3 * sealed_chunk);
        // Dropping the last chunk leaves a well-formed but non-final chunk last.
        let dropped = &ct[..HEADER_LEN + 2 * sealed_chunk];
        assert!(open(&key, dropped, 300).is_err(), "last chunk dropped");
        for cut in [0, 3, HEADER_LEN, HEADER_LEN + 10, ct.len() - 1] {
            assert!(open(&key, &ct[..cut], 300).is_err(), "cut at {cut}");
        }
        // Extra data after the end.
        let mut longer = ct.clone();
        longer.extend_from_slice(&[0u8; TAG_LEN]);
        assert!(open(&key, &longer, 300).is_err(), "appended bytes");
        // The opener yields the first chunks before noticing: nothing it
        // yields is unauthenticated, and the end is an error.
        let mut o = Opener::new(&key);
        let yielded = o.push(dropped).expect("first chunks authenticate");
        assert_eq!(yielded.len(), 1);
        assert!(o.finish().is_err());
    }

    #[test]
    fn swapped_or_duplicated_chunks_fail() {
        let key = random_key();
        let sealed_chunk = CHUNK + TAG_LEN;
        let ct = seal(&key, &data(3 * CHUNK + 1), 300);
        let chunk = |i: usize| &ct[HEADER_LEN + i * sealed_chunk..HEADER_LEN + (i + 1) * sealed_chunk];
        let header = &ct[..HEADER_LEN];
        let tail = &ct[HEADER_LEN + 3 * sealed_chunk..];
        let swapped = [header, chunk(1), chunk(0), chunk(2), tail].concat();
        assert!(open(&key, &swapped, 300).is_err(), "swapped");
        let duplicated = [header, chunk(0), chunk(0), chunk(1), chunk(2), tail].concat();
        assert!(open(&key, &duplicated, 300).is_err(), "duplicated");
        let chunk_from_other_file = {
            let other = seal(&key, &data(3 * CHUNK + 1), 300);
            [header, &other[HEADER_LEN..]].concat()
        };
        assert!(
            open(&key, &chunk_from_other_file, 300).is_err(),
            "other nonce prefix"
        );
    }

    #[test]
    fn forged_headers_are_refused_before_buffering() {
        let key = random_key();
        let mut ct = seal(&key, &data(10), 10);
        ct[5..9].copy_from_slice(&u32::MAX.to_be_bytes());
        let e = open(&key, &ct, 10).expect_err("huge chunk size");
        assert!(e.to_string().contains("chunk size"), "{e}");
        let mut ct = seal(&key, &data(10), 10);
        ct[4] = 2;
        assert!(
            open(&key, &ct, 10)
                .expect_err("version")
                .to_string()
                .contains("version")
        );
    }

    #[tokio::test]
    async fn open_stream_yields_plaintext_then_errors_on_tampering() {
        let key = random_key();
        let pt = data(3 * CHUNK + 7);
        let ct = seal(&key, &pt, 1000);
        let as_stream = |ct: Vec<u8>| {
            let pieces: Vec<anyhow::Result<Bytes>> =
                ct.chunks(333).map(|c| Ok(Bytes::copy_from_slice(c))).collect();
            futures::stream::iter(pieces).boxed()
        };
        let got: Vec<anyhow::Result<Bytes>> = open_stream(&key, as_stream(ct.clone())).collect().await;
        let got: Vec<u8> = got
            .into_iter()
            .map(|r| r.expect("authentic"))
            .flat_map(|b| b.to_vec())
            .collect();
        assert_eq!(got, pt);

        let truncated = ct[..HEADER_LEN + 3 * (CHUNK + TAG_LEN)].to_vec();
        let items: Vec<anyhow::Result<Bytes>> = open_stream(&key, as_stream(truncated)).collect().await;
        assert!(items.last().expect("items").is_err(), "ends in an error");
        let ok_len: usize = items.iter().filter_map(|r| r.as_ref().ok()).map(Bytes::len).sum();
        assert_eq!(ok_len, 2 * CHUNK, "only authenticated chunks before the error");

        let mut bad = ct.clone();
        bad[HEADER_LEN + 3] ^= 0x80;
        let items: Vec<anyhow::Result<Bytes>> = open_stream(&key, as_stream(bad)).collect().await;
        assert_eq!(items.len(), 1, "fails on the first chunk: {items:?}");
        assert!(items[0].is_err());
    }
}
