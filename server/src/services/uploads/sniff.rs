//! What a file is, judged by its bytes — never by its name or the type the
//! client claimed — and whether it is whole. Streams are inspected as they
//! pass (the first bytes, a rolling tail and the SHA-256), so a file is
//! never held in memory, and nothing is ever decompressed (no bomb can go
//! off here).

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures::Stream;
use sha2::{Digest, Sha256};

/// The accepted kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Pdf,
    Jpeg,
    Png,
    Webp,
}

impl Kind {
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Webp => "image/webp",
        }
    }
}

/// Why a file is refused while it streams in.
#[derive(Debug)]
pub enum Refusal {
    TooLarge,
    Unsupported(&'static str),
    /// The request body broke off or was malformed.
    Body(String),
}

/// Bytes needed to tell the kinds apart (and read a PNG's size).
const HEAD: usize = 32;
/// Bytes kept from the end: a PDF's `startxref … %%EOF` trailer lives there.
const TAIL: usize = 2048;
/// Largest picture side accepted (a decompression bomb declares huge ones).
const MAX_SIDE: u32 = 20_000;

/// The kind of a file from its first bytes.
pub fn sniff(head: &[u8]) -> Result<Kind, Refusal> {
    if head.starts_with(b"%PDF-") {
        return Ok(Kind::Pdf);
    }
    if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Ok(Kind::Jpeg);
    }
    if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        // The IHDR chunk comes first and declares width and height.
        if head.len() < 24 || &head[12..16] != b"IHDR" {
            return Err(Refusal::Unsupported("PNG 图片已损坏"));
        }
        let side = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
        let (w, h) = (side(&head[16..20]), side(&head[20..24]));
        if w == 0 || h == 0 || w > MAX_SIDE || h > MAX_SIDE {
            return Err(Refusal::Unsupported("图片尺寸异常"));
        }
        return Ok(Kind::Png);
    }
    if head.len() >= 12 && head.starts_with(b"RIFF") && &head[8..12] == b"WEBP" {
        return Ok(Kind::Webp);
    }
    if head.len() >= 12 && &head[4..8] == b"ftyp" {
        return Err(Refusal::Unsupported(
            "暂不支持 HEIC 格式的照片，请在手机相机设置中选择“兼容性最佳”，或上传 JPG 图片",
        ));
    }
    Err(Refusal::Unsupported("只能上传 PDF、JPG、PNG 或 WebP 格式的文件"))
}

/// Whether a file of `kind` whose last bytes are `tail` is whole. A PDF
/// must end with its trailer (`startxref`, an offset inside the file,
/// `%%EOF`); a JPEG with its end-of-image marker; a PNG with `IEND`.
pub fn whole(kind: Kind, tail: &[u8], size: u64) -> Result<(), &'static str> {
    let find = |needle: &[u8]| tail.windows(needle.len()).rposition(|w| w == needle);
    match kind {
        Kind::Pdf => {
            let eof = find(b"%%EOF").ok_or("PDF 文件不完整或已损坏，无法打开，请重新导出后上传")?;
            let start = find(b"startxref").ok_or("PDF 文件已损坏，无法打开，请重新导出后上传")?;
            let digits: String = tail[start + 9..eof]
                .iter()
                .map(|&b| b as char)
                .filter(|c| !c.is_ascii_whitespace())
                .collect();
            match digits.parse::<u64>() {
                Ok(offset) if offset > 0 && offset < size => Ok(()),
                _ => Err("PDF 文件已损坏，无法打开，请重新导出后上传"),
            }
        }
        Kind::Jpeg => find(&[0xFF, 0xD9])
            .map(|_| ())
            .ok_or("图片不完整，请重新拍摄或选择"),
        Kind::Png => find(b"IEND").map(|_| ()).ok_or("图片不完整，请重新拍摄或选择"),
        Kind::Webp => Ok(()),
    }
}

/// A body stream that counts, hashes and judges the bytes passing through.
pub struct Inspect<S> {
    inner: S,
    max: u64,
    pub size: u64,
    head: Vec<u8>,
    pub tail: Vec<u8>,
    hasher: Sha256,
    pub kind: Option<Kind>,
    done: bool,
}

impl<S> Inspect<S> {
    pub fn new(inner: S, max: u64) -> Self {
        Self {
            inner,
            max,
            size: 0,
            head: Vec::with_capacity(HEAD),
            tail: Vec::with_capacity(TAIL * 2),
            hasher: Sha256::new(),
            kind: None,
            done: false,
        }
    }

    pub fn sha256(&self) -> String {
        hex::encode(self.hasher.clone().finalize())
    }

    fn take(&mut self, b: &Bytes) -> Result<(), Refusal> {
        self.size += b.len() as u64;
        if self.size > self.max {
            return Err(Refusal::TooLarge);
        }
        self.hasher.update(b);
        if self.head.len() < HEAD {
            let n = (HEAD - self.head.len()).min(b.len());
            self.head.extend_from_slice(&b[..n]);
            if self.head.len() == HEAD {
                self.kind = Some(sniff(&self.head)?);
            }
        }
        self.tail.extend_from_slice(b);
        if self.tail.len() > TAIL * 2 {
            self.tail.drain(..self.tail.len() - TAIL);
        }
        Ok(())
    }
}

impl<S, E> Stream for Inspect<S>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    type Item = Result<Bytes, Refusal>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.done {
            return Poll::Ready(None);
        }
        match Pin::new(&mut self.inner).poll_next(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Some(Ok(b))) => match self.take(&b) {
                Ok(()) => Poll::Ready(Some(Ok(b))),
                Err(r) => {
                    self.done = true;
                    Poll::Ready(Some(Err(r)))
                }
            },
            Poll::Ready(Some(Err(e))) => {
                self.done = true;
                Poll::Ready(Some(Err(Refusal::Body(e.to_string()))))
            }
            Poll::Ready(None) => {
                self.done = true;
                // A file shorter than the sniffed head is judged at its end.
                if self.kind.is_none() && !self.head.is_empty() {
                    match sniff(&self.head) {
                        Ok(k) => self.kind = Some(k),
                        Err(r) => return Poll::Ready(Some(Err(r))),
                    }
                }
                Poll::Ready(None)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_come_from_the_bytes() {
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        png.extend_from_slice(&100u32.to_be_bytes());
        png.extend_from_slice(&80u32.to_be_bytes());
        assert_eq!(sniff(&png).ok(), Some(Kind::Png));
        assert_eq!(sniff(b"%PDF-1.7\n").ok(), Some(Kind::Pdf));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]).ok(), Some(Kind::Jpeg));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 ").ok(), Some(Kind::Webp));
        for bad in [
            &b"<html><script>"[..],
            b"PK\x03\x04",
            b"GIF89a",
            b"\0\0\0\x18ftypheic",
        ] {
            assert!(matches!(sniff(bad), Err(Refusal::Unsupported(_))), "{bad:?}");
        }
        // A PNG that declares a 100000-pixel side is refused before decoding.
        let mut bomb = png[..16].to_vec();
        bomb.extend_from_slice(&100_000u32.to_be_bytes());
        bomb.extend_from_slice(&10u32.to_be_bytes());
        assert!(sniff(&bomb).is_err());
    }

    #[test]
    fn a_pdf_must_end_with_its_trailer() {
        let good = b"...trailer\n<< /Root 1 0 R >>\nstartxref\n1234\n%%EOF\n";
        assert!(whole(Kind::Pdf, good, 5000).is_ok());
        assert!(whole(Kind::Pdf, good, 1000).is_err(), "offset beyond the file");
        assert!(whole(Kind::Pdf, b"%PDF-1.4 1 0 obj", 5000).is_err());
        assert!(whole(Kind::Pdf, b"startxref\nabc\n%%EOF", 5000).is_err());
        assert!(whole(Kind::Jpeg, &[1, 2, 0xFF, 0xD9], 4).is_ok());
        assert!(whole(Kind::Jpeg, &[1, 2, 3], 3).is_err());
    }
}
