//! Blob storage for recordings: the bytes of videos, photos and documents.
//!
//! A tour:
//!
//! - [`BlobStore`] wraps an [`opendal::Operator`]: the local data directory
//!   (`<data>/blobs`) by default, or any S3-compatible store when
//!   `DANGJIAN_BLOB_URL` says so (`s3://bucket/prefix?endpoint=…&region=…`,
//!   credentials from the usual `AWS_*` variables; the endpoint must be plain
//!   http for now, see the workspace Cargo.toml). The rest of the code does
//!   not know which.
//! - [`BlobStore::put`] takes the upload as a stream and never holds more than
//!   one chunk in memory: it reads the first bytes to learn what the file is
//!   ([`classify`]: the content must be an allowed type and agree with the
//!   name's extension), then writes everything to a temporary object while
//!   hashing it and counting bytes against the size limit. Only when the body
//!   ended cleanly is the temporary object moved to its final key, named by
//!   its SHA-256 (`sha256/ab/abcd…`), so equal files are stored once and a
//!   stored file can be re-checked against its name. Any error, a body that
//!   breaks off, or a request that is dropped half-way removes the temporary
//!   object: nothing half-stored remains.
//! - [`BlobStore::open_range`] streams a byte range back (HTTP Range playback);
//!   [`BlobStore::check`] re-hashes a stored blob for `dangjian verify`.

use std::fmt::Display;
use std::ops::Range;

use bytes::Bytes;
use dangjian_domain::Code;
use futures_util::{Stream, StreamExt};
use opendal::{ErrorKind, Operator, Scheme};
use sha2::{Digest, Sha256};

use crate::error::{StoreError, StoreResult};

/// How many leading bytes are read before deciding what a file is. Office
/// files are zip archives whose first entries name their kind.
const SNIFF_BYTES: usize = 8192;

/// Writes to object stores go in parts of this size (S3 needs ≥ 5 MiB per part).
const PART_BYTES: usize = 8 * 1024 * 1024;

const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// What a recording is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Media {
    Video,
    Photo,
    Document,
}

impl Media {
    pub fn as_str(self) -> &'static str {
        match self {
            Media::Video => "video",
            Media::Photo => "photo",
            Media::Document => "document",
        }
    }

    pub fn parse(s: &str) -> Option<Media> {
        [Media::Video, Media::Photo, Media::Document].into_iter().find(|m| m.as_str() == s)
    }
}

/// The allowed types: extensions, the content type, the kind of media.
const TYPES: &[(&[&str], &str, Media)] = &[
    (&["mp4", "m4v"], "video/mp4", Media::Video),
    (&["mov"], "video/quicktime", Media::Video),
    (&["webm"], "video/webm", Media::Video),
    (&["jpg", "jpeg"], "image/jpeg", Media::Photo),
    (&["png"], "image/png", Media::Photo),
    (&["webp"], "image/webp", Media::Photo),
    (&["pdf"], "application/pdf", Media::Document),
    (&["docx"], DOCX, Media::Document),
    (&["xlsx"], XLSX, Media::Document),
];

/// The file name's extension, lowercased.
fn extension(name: &str) -> String {
    name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default()
}

/// Decides from the first bytes what a file is, and whether its name agrees.
///
/// Unknown or disallowed content → `UnsupportedMediaType`; allowed content
/// under another type's name (a PNG called `.mp4`) → `MediaTypeMismatch`.
/// MP4 and QuickTime are both ISO media files and cameras mix the two
/// extensions, so either name is accepted for either. Office files are zip
/// archives: a zip named `.docx`/`.xlsx` is taken as what its name says.
pub fn classify(head: &[u8], name: &str) -> Result<(Media, &'static str), Code> {
    let ext = extension(name);
    let sniffed = infer::get(head).map(|t| t.mime_type()).unwrap_or("");
    let sniffed = if sniffed == "video/x-m4v" { "video/mp4" } else { sniffed };
    let by_ext = TYPES.iter().find(|(exts, _, _)| exts.contains(&ext.as_str()));
    let Some(&(exts, content_type, media)) = TYPES.iter().find(|(_, ct, _)| *ct == sniffed) else {
        return match by_ext {
            Some(&(_, ct, m)) if sniffed == "application/zip" && (ct == DOCX || ct == XLSX) => Ok((m, ct)),
            _ => Err(Code::UnsupportedMediaType),
        };
    };
    let iso_media = |ct: &str| ct == "video/mp4" || ct == "video/quicktime";
    let agrees =
        exts.contains(&ext.as_str()) || by_ext.is_some_and(|&(_, ct, _)| iso_media(ct) && iso_media(content_type));
    if agrees {
        Ok((media, content_type))
    } else {
        Err(Code::MediaTypeMismatch)
    }
}

/// A blob that was stored: where, what, how big.
#[derive(Debug, Clone)]
pub struct StoredBlob {
    pub key: String,
    pub sha256: String,
    pub size: u64,
    pub media: Media,
    pub content_type: &'static str,
}

/// The result of re-hashing one blob.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlobState {
    Intact,
    Missing,
    Corrupted,
}

/// Where recordings' bytes live. Cheap to clone (the operator is shared).
#[derive(Clone, Debug)]
pub struct BlobStore {
    op: Operator,
    location: String,
}

fn internal(what: &str, e: impl Display) -> StoreError {
    StoreError::Internal(format!("blob store, {what}: {e}"))
}

fn rejected(code: Code) -> StoreError {
    StoreError::field("file", code)
}

/// The final key of a blob with this SHA-256.
pub fn key_for(sha256: &str) -> String {
    format!("sha256/{}/{sha256}", &sha256[..2])
}

/// Deletes the temporary object if the upload ends any way but success, also
/// when the request's future is dropped half-way (the client went away).
struct TempGuard {
    op: Operator,
    key: String,
    armed: bool,
}

impl Drop for TempGuard {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let (op, key) = (self.op.clone(), std::mem::take(&mut self.key));
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            rt.spawn(async move {
                if let Err(e) = op.delete(&key).await {
                    tracing::warn!("could not remove the temporary upload {key}: {e}");
                }
            });
        }
    }
}

impl BlobStore {
    /// The local store: files under `dir`.
    pub fn local(dir: &std::path::Path) -> StoreResult<BlobStore> {
        std::fs::create_dir_all(dir).map_err(|e| internal("creating the directory", e))?;
        let dir = std::fs::canonicalize(dir).map_err(|e| internal("resolving the directory", e))?;
        let root = dir.display().to_string();
        let op =
            Operator::via_iter(Scheme::Fs, [("root".to_string(), root.clone())]).map_err(|e| internal("opening", e))?;
        Ok(BlobStore { op, location: root })
    }

    /// From configuration: `url` when given (`s3://bucket/prefix?key=value…`,
    /// `file:///path`, a plain path, or `memory://` for tests), else
    /// `<data_dir>/blobs`. S3 query keys are opendal's S3 settings
    /// (`endpoint`, `region`, `access_key_id`, `secret_access_key`,
    /// `enable_virtual_host_style`, …); credentials also come from `AWS_*`.
    pub fn from_config(url: Option<&str>, data_dir: &std::path::Path) -> StoreResult<BlobStore> {
        let url = url.map(str::trim).filter(|u| !u.is_empty());
        let Some(url) = url else { return BlobStore::local(&data_dir.join("blobs")) };
        if let Some(path) = url.strip_prefix("file://") {
            return BlobStore::local(std::path::Path::new(path));
        }
        if url.starts_with("memory://") {
            let op = Operator::via_iter(Scheme::Memory, []).map_err(|e| internal("opening", e))?;
            return Ok(BlobStore { op, location: "memory://".into() });
        }
        if let Some(rest) = url.strip_prefix("s3://") {
            let (target, query) = rest.split_once('?').unwrap_or((rest, ""));
            let (bucket, prefix) = target.split_once('/').unwrap_or((target, ""));
            let mut cfg = vec![("bucket".to_string(), bucket.to_string()), ("root".to_string(), format!("/{prefix}"))];
            cfg.extend(url::form_urlencoded::parse(query.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())));
            let op = Operator::via_iter(Scheme::S3, cfg).map_err(|e| internal("opening S3", e))?;
            return Ok(BlobStore { op, location: format!("s3://{target}") });
        }
        if url.contains("://") {
            return Err(internal("configuration", format!("unsupported blob URL {url}")));
        }
        BlobStore::local(std::path::Path::new(url))
    }

    /// Where the blobs are, for logs and reports (no credentials).
    pub fn location(&self) -> &str {
        &self.location
    }

    /// Stores `body` (see the module docs). `name` is the file's name as the
    /// user knows it; `limit` the largest size accepted, in bytes.
    pub async fn put<S, E>(&self, mut body: S, name: &str, limit: u64) -> StoreResult<StoredBlob>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: Display,
    {
        let mut total: u64 = 0;
        let mut head: Vec<u8> = Vec::with_capacity(SNIFF_BYTES);
        let mut ended = false;
        while head.len() < SNIFF_BYTES {
            match body.next().await {
                Some(Ok(chunk)) => {
                    total += chunk.len() as u64;
                    if total > limit {
                        return Err(rejected(Code::FileTooLarge));
                    }
                    head.extend_from_slice(&chunk);
                }
                Some(Err(e)) => {
                    tracing::info!("upload of {name} broke off: {e}");
                    return Err(rejected(Code::UploadIncomplete));
                }
                None => {
                    ended = true;
                    break;
                }
            }
        }
        if total == 0 {
            return Err(rejected(Code::EmptyFile));
        }
        let (media, content_type) = classify(&head, name).map_err(rejected)?;

        let tmp = format!("tmp/{:016x}{:016x}.part", rand::random::<u64>(), rand::random::<u64>());
        let mut guard = TempGuard { op: self.op.clone(), key: tmp.clone(), armed: true };
        let result = self.write_temp(&tmp, head, ended, &mut body, &mut total, limit, name).await;
        let sha = match result {
            Ok(sha) => sha,
            Err(e) => {
                // Removed here rather than by the guard, so the caller sees a clean store on return.
                let _ = self.op.delete(&tmp).await;
                guard.armed = false;
                return Err(e);
            }
        };
        let key = key_for(&sha);
        let finish = async {
            if self.op.exists(&key).await.map_err(|e| internal("checking", e))? {
                // The same bytes are stored already: keep the one copy.
                self.op.delete(&tmp).await.map_err(|e| internal("removing a duplicate", e))?;
            } else if self.op.info().full_capability().rename {
                self.op.rename(&tmp, &key).await.map_err(|e| internal("renaming", e))?;
            } else {
                self.op.copy(&tmp, &key).await.map_err(|e| internal("copying", e))?;
                self.op.delete(&tmp).await.map_err(|e| internal("removing the temporary object", e))?;
            }
            Ok::<(), StoreError>(())
        };
        if let Err(e) = finish.await {
            let _ = self.op.delete(&tmp).await;
            guard.armed = false;
            return Err(e);
        }
        guard.armed = false;
        Ok(StoredBlob { key, sha256: sha, size: total, media, content_type })
    }

    #[allow(clippy::too_many_arguments)]
    async fn write_temp<S, E>(
        &self,
        tmp: &str,
        head: Vec<u8>,
        ended: bool,
        body: &mut S,
        total: &mut u64,
        limit: u64,
        name: &str,
    ) -> StoreResult<String>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: Display,
    {
        let local = self.op.info().scheme() == Scheme::Fs;
        let mut w = if local { self.op.writer(tmp).await } else { self.op.writer_with(tmp).chunk(PART_BYTES).await }
            .map_err(|e| internal("opening a temporary object", e))?;
        let mut hasher = Sha256::new();
        hasher.update(&head);
        let write = async {
            w.write(head).await.map_err(|e| internal("writing", e))?;
            if !ended {
                while let Some(chunk) = body.next().await {
                    let chunk = match chunk {
                        Ok(c) => c,
                        Err(e) => {
                            tracing::info!("upload of {name} broke off after {total} bytes: {e}");
                            return Err(rejected(Code::UploadIncomplete));
                        }
                    };
                    *total += chunk.len() as u64;
                    if *total > limit {
                        return Err(rejected(Code::FileTooLarge));
                    }
                    hasher.update(&chunk);
                    w.write(chunk).await.map_err(|e| internal("writing", e))?;
                }
            }
            Ok::<(), StoreError>(())
        };
        match write.await {
            Ok(()) => {
                // Closing syncs the file to disk (fs) or completes the multipart upload (S3).
                w.close().await.map_err(|e| internal("closing", e))?;
                Ok(hex::encode(hasher.finalize()))
            }
            Err(e) => {
                let _ = w.abort().await;
                Err(e)
            }
        }
    }

    /// The stored size of `key`, or `None` when it is absent.
    pub async fn size(&self, key: &str) -> StoreResult<Option<u64>> {
        match self.op.stat(key).await {
            Ok(m) => Ok(Some(m.content_length())),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(internal("stat", e)),
        }
    }

    /// The bytes `range` of `key`, as a stream.
    pub async fn open_range(
        &self,
        key: &str,
        range: Range<u64>,
    ) -> StoreResult<impl Stream<Item = std::io::Result<Bytes>> + Send + 'static> {
        let reader = self.op.reader_with(key).chunk(PART_BYTES).await.map_err(|e| match e.kind() {
            ErrorKind::NotFound => StoreError::NotFound,
            _ => internal("opening for reading", e),
        })?;
        reader.into_bytes_stream(range).await.map_err(|e| internal("reading", e))
    }

    /// Re-hashes `key` and compares it with `sha256` (streamed, any size).
    pub async fn check(&self, key: &str, sha256: &str) -> StoreResult<(BlobState, u64)> {
        let Some(size) = self.size(key).await? else { return Ok((BlobState::Missing, 0)) };
        let mut stream = self.open_range(key, 0..size).await?;
        let mut hasher = Sha256::new();
        let mut read = 0u64;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| internal("reading", e))?;
            read += chunk.len() as u64;
            hasher.update(&chunk);
        }
        let ok = hex::encode(hasher.finalize()) == sha256;
        Ok((if ok { BlobState::Intact } else { BlobState::Corrupted }, read))
    }

    /// Temporary objects left behind (a crash mid-upload): their keys.
    pub async fn temporaries(&self) -> StoreResult<Vec<String>> {
        match self.op.list("tmp/").await {
            Ok(entries) => {
                Ok(entries.into_iter().filter(|e| e.path().ends_with(".part")).map(|e| e.path().to_string()).collect())
            }
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(vec![]),
            Err(e) => Err(internal("listing temporaries", e)),
        }
    }

    /// Removes `key` (tests, and temporaries left by a crash).
    pub async fn delete(&self, key: &str) -> StoreResult<()> {
        self.op.delete(key).await.map_err(|e| internal("deleting", e))
    }

    /// Writes `bytes` at `key` as they are (tests that damage a blob).
    pub async fn overwrite(&self, key: &str, bytes: Vec<u8>) -> StoreResult<()> {
        self.op.write(key, bytes).await.map(|_| ()).map_err(|e| internal("writing", e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mp4() -> Vec<u8> {
        let mut v = vec![0, 0, 0, 0x18];
        v.extend_from_slice(b"ftypisom\0\0\x02\0isomiso2");
        v.resize(64, 0);
        v
    }

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

    #[test]
    fn content_and_name_must_agree() {
        assert_eq!(classify(&mp4(), "会议.MP4"), Ok((Media::Video, "video/mp4")));
        assert_eq!(classify(&mp4(), "clip.mov"), Ok((Media::Video, "video/mp4")));
        assert_eq!(classify(PNG, "photo.png"), Ok((Media::Photo, "image/png")));
        assert_eq!(classify(PNG, "photo.mp4"), Err(Code::MediaTypeMismatch));
        assert_eq!(classify(PNG, "photo"), Err(Code::MediaTypeMismatch));
        assert_eq!(classify(b"just some text", "video.mp4"), Err(Code::UnsupportedMediaType));
        assert_eq!(classify(b"%PDF-1.7\n", "minutes.pdf"), Ok((Media::Document, "application/pdf")));
        assert_eq!(classify(b"PK\x03\x04\x14\0\0\0", "plan.docx"), Ok((Media::Document, DOCX)));
        assert_eq!(classify(b"PK\x03\x04\x14\0\0\0", "plan.zip"), Err(Code::UnsupportedMediaType));
        assert_eq!(classify(b"GIF89a\x01\0\x01\0", "a.gif"), Err(Code::UnsupportedMediaType));
    }
}
