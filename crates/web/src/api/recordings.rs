//! Recordings over HTTP: uploads to an activity, search, playback with HTTP
//! Range, soft delete, attaching a device's recording, the devices
//! themselves, and the device ingest endpoint.
//!
//! Uploads are raw bodies (`?name=` gives the file's name), which a browser's
//! `XMLHttpRequest.send(file)` sends with upload progress; they need the
//! `X-CSRF-Token` header like the roster upload. The body is never collected:
//! it is handed to the store as a stream (`Body::into_data_stream`), which
//! hashes it into the blob store chunk by chunk. The router's body limit is
//! lifted on these routes; the store counts bytes against the tenant's
//! `upload_max_bytes` itself and stops reading once it is passed.

use std::ops::Range;

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use dangjian_domain::{Code, Locale};
use dangjian_store::recordings::{Device, IssuedDevice, Recording, RecordingPage, RecordingQuery};
use dangjian_store::StoreError;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::auth::{CurrentUser, Lang};
use crate::error::{AppError, AppResult};
use crate::AppState;

/// Maps the store's upload refusals to their HTTP statuses (413, 415, 400,
/// 401), with the refusal's own code; everything else as usual.
pub(crate) fn upload_error(e: StoreError, locale: Locale) -> AppError {
    let status_of = |c: Code| match c {
        Code::FileTooLarge => Some(StatusCode::PAYLOAD_TOO_LARGE),
        Code::UnsupportedMediaType | Code::MediaTypeMismatch => Some(StatusCode::UNSUPPORTED_MEDIA_TYPE),
        Code::UploadIncomplete => Some(StatusCode::BAD_REQUEST),
        Code::EmptyFile => Some(StatusCode::UNPROCESSABLE_ENTITY),
        _ => None,
    };
    match e {
        StoreError::Validation(ref fields) if fields.len() == 1 && fields[0].0 == "file" => {
            let code = fields[0].1;
            match status_of(code) {
                Some(status) => AppError::new(status, code).with_locale(locale),
                None => AppError::from(e).with_locale(locale),
            }
        }
        StoreError::Conflict(Code::InvalidDeviceToken) => {
            AppError::new(StatusCode::UNAUTHORIZED, Code::InvalidDeviceToken).with_locale(locale)
        }
        e => AppError::from(e).with_locale(locale),
    }
}

trait UploadLoc<T> {
    fn uloc(self, locale: Locale) -> AppResult<T>;
}

impl<T> UploadLoc<T> for Result<T, StoreError> {
    fn uloc(self, locale: Locale) -> AppResult<T> {
        self.map_err(|e| upload_error(e, locale))
    }
}

#[derive(Deserialize, IntoParams)]
pub struct FileName {
    /// The file's name as the user knows it; its extension must agree with the content.
    pub name: String,
}

/// Uploads a video, photo or document to an activity (raw body, streamed;
/// `X-CSRF-Token` required). Refusals: 413 `file_too_large`, 415
/// `unsupported_media_type` / `media_type_mismatch`, 400 `upload_incomplete`.
#[utoipa::path(post, path = "/api/v1/activities/{id}/recordings", tag = "recordings",
    params(("id" = i64, Path), FileName),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = Recording), (status = 413, description = "Over upload_max_bytes"), (status = 415, description = "Not an allowed type, or content and name disagree")))]
pub async fn upload(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<FileName>,
    headers: HeaderMap,
    body: Body,
) -> AppResult<(StatusCode, Json<Recording>)> {
    user.check_csrf(headers.get("x-csrf-token").and_then(|v| v.to_str().ok()).unwrap_or(""))?;
    let blobs = s.blobs().uloc(user.locale)?;
    let r =
        s.db.scoped(&user.principal)
            .upload_recording(id, &q.name, body.into_data_stream(), &blobs)
            .await
            .uloc(user.locale)?;
    Ok((StatusCode::CREATED, Json(r)))
}

/// The recordings of an activity.
#[utoipa::path(get, path = "/api/v1/activities/{id}/recordings", tag = "recordings", params(("id" = i64, Path)), responses((status = 200, body = [Recording])))]
pub async fn list(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<Vec<Recording>>> {
    Ok(Json(s.db.scoped(&user.principal).activity_recordings(id).await.uloc(user.locale)?))
}

/// Finds recordings by org subtree, team, activity kind, dates and topic; 20 per page.
#[utoipa::path(get, path = "/api/v1/recordings", tag = "recordings", params(RecordingQuery), responses((status = 200, body = RecordingPage)))]
pub async fn search(
    State(s): State<AppState>,
    user: CurrentUser,
    Query(q): Query<RecordingQuery>,
) -> AppResult<Json<RecordingPage>> {
    Ok(Json(s.db.scoped(&user.principal).search_recordings(&q).await.uloc(user.locale)?))
}

/// One recording's metadata.
#[utoipa::path(get, path = "/api/v1/recordings/{id}", tag = "recordings", params(("id" = i64, Path)), responses((status = 200, body = Recording)))]
pub async fn get_recording(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<Recording>> {
    Ok(Json(s.db.scoped(&user.principal).recording(id).await.uloc(user.locale)?))
}

/// A single `Range: bytes=…` against a file of `size` bytes: `None` to send
/// the whole file (no header, another unit, several ranges or bad syntax, as
/// RFC 9110 allows), `Some(Err)` when it lies outside the file.
pub(crate) fn parse_range(value: Option<&str>, size: u64) -> Option<Result<Range<u64>, ()>> {
    let spec = value?.trim().strip_prefix("bytes=")?.trim();
    if spec.contains(',') {
        return None;
    }
    let (a, b) = spec.split_once('-')?;
    let (a, b) = (a.trim(), b.trim());
    if a.is_empty() {
        let n: u64 = b.parse().ok()?;
        if n == 0 {
            return Some(Err(()));
        }
        return Some(Ok(size.saturating_sub(n)..size));
    }
    let start: u64 = a.parse().ok()?;
    let end = if b.is_empty() { None } else { Some(b.parse::<u64>().ok()?) };
    if end.is_some_and(|e| e < start) {
        return None;
    }
    if start >= size {
        return Some(Err(()));
    }
    let end = end.map_or(size, |e| (e + 1).min(size));
    Some(Ok(start..end))
}

#[derive(Deserialize, IntoParams)]
pub struct ContentParams {
    /// `1`: as a download (`Content-Disposition: attachment`) rather than inline.
    #[serde(default)]
    pub download: Option<u8>,
}

/// The recording's bytes, streamed from storage, with HTTP Range support
/// (206 with `Content-Range`; 416 `range_not_satisfiable`).
#[utoipa::path(get, path = "/api/v1/recordings/{id}/content", tag = "recordings", params(("id" = i64, Path), ContentParams),
    responses((status = 200, description = "the whole file"), (status = 206, description = "the requested range"), (status = 416, description = "range outside the file")))]
pub async fn content(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(p): Query<ContentParams>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let l = user.locale;
    let r = s.db.scoped(&user.principal).recording(id).await.uloc(l)?;
    let blobs = s.blobs().uloc(l)?;
    let Some(size) = blobs.size(&r.storage_key).await.uloc(l)? else {
        tracing::error!("recording {} has no stored bytes at {} (run `dangjian verify`)", r.id, r.storage_key);
        return Err(AppError::not_found().with_locale(l));
    };
    let range = parse_range(headers.get(header::RANGE).and_then(|v| v.to_str().ok()), size);
    let (status, range) = match range {
        None => (StatusCode::OK, 0..size),
        Some(Ok(r)) => (StatusCode::PARTIAL_CONTENT, r),
        Some(Err(())) => {
            let mut resp = AppError::new(StatusCode::RANGE_NOT_SATISFIABLE, Code::RangeNotSatisfiable)
                .with_locale(l)
                .into_response();
            if let Ok(v) = HeaderValue::from_str(&format!("bytes */{size}")) {
                resp.headers_mut().insert(header::CONTENT_RANGE, v);
            }
            return Ok(resp);
        }
    };
    let stream = blobs.open_range(&r.storage_key, range.clone()).await.uloc(l)?;
    let disposition = format!(
        "{}; filename=\"file\"; filename*=UTF-8''{}",
        if p.download == Some(1) { "attachment" } else { "inline" },
        crate::auth::urlencode(&r.name).replace('+', "%20")
    );
    let mut resp = Response::new(Body::from_stream(stream));
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    let mut set = |name: header::HeaderName, value: String| {
        if let Ok(v) = HeaderValue::from_str(&value) {
            h.insert(name, v);
        }
    };
    set(header::CONTENT_TYPE, r.content_type.clone());
    set(header::CONTENT_LENGTH, (range.end - range.start).to_string());
    set(header::ACCEPT_RANGES, "bytes".into());
    set(header::CONTENT_DISPOSITION, disposition);
    set(header::ETAG, format!("\"{}\"", r.sha256));
    set(header::CACHE_CONTROL, "private, max-age=3600".into());
    if status == StatusCode::PARTIAL_CONTENT {
        set(header::CONTENT_RANGE, format!("bytes {}-{}/{size}", range.start, range.end - 1));
    }
    Ok(resp)
}

/// Deletes a recording (soft: hidden, kept in the audit trail).
#[utoipa::path(delete, path = "/api/v1/recordings/{id}", tag = "recordings", params(("id" = i64, Path)), responses((status = 204)))]
pub async fn delete(State(s): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> AppResult<StatusCode> {
    s.db.scoped(&user.principal).delete_recording(id).await.uloc(user.locale)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct AttachRequest {
    pub activity_id: i64,
}

/// Attaches a recording (a device's unmatched one) to an activity.
#[utoipa::path(post, path = "/api/v1/recordings/{id}/attach", tag = "recordings", params(("id" = i64, Path)), request_body = AttachRequest, responses((status = 200, body = Recording)))]
pub async fn attach(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Json(r): Json<AttachRequest>,
) -> AppResult<Json<Recording>> {
    Ok(Json(s.db.scoped(&user.principal).attach_recording(id, r.activity_id).await.uloc(user.locale)?))
}

/// Recording devices (admins).
#[utoipa::path(get, path = "/api/v1/devices", tag = "recordings", responses((status = 200, body = [Device])))]
pub async fn devices(State(s): State<AppState>, user: CurrentUser) -> AppResult<Json<Vec<Device>>> {
    Ok(Json(s.db.scoped(&user.principal).devices().await.uloc(user.locale)?))
}

#[derive(Deserialize, ToSchema)]
pub struct NewDevice {
    /// A work team (班组).
    pub org_id: i64,
    pub name: String,
}

/// Issues a device for a work team (admins). The token is in this answer only.
#[utoipa::path(post, path = "/api/v1/devices", tag = "recordings", request_body = NewDevice, responses((status = 201, body = IssuedDevice), (status = 422, description = "not_work_team")))]
pub async fn issue_device(
    State(s): State<AppState>,
    user: CurrentUser,
    Json(r): Json<NewDevice>,
) -> AppResult<(StatusCode, Json<IssuedDevice>)> {
    let d = s.db.scoped(&user.principal).issue_device(r.org_id, &r.name).await.uloc(user.locale)?;
    Ok((StatusCode::CREATED, Json(d)))
}

/// Revokes a device's token (admins).
#[utoipa::path(post, path = "/api/v1/devices/{id}/revoke", tag = "recordings", params(("id" = i64, Path)), responses((status = 200, body = Device)))]
pub async fn revoke_device(
    State(s): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> AppResult<Json<Device>> {
    Ok(Json(s.db.scoped(&user.principal).revoke_device(id).await.uloc(user.locale)?))
}

#[derive(Deserialize, IntoParams)]
pub struct IngestParams {
    /// The file's name (or the `X-File-Name` header).
    pub name: Option<String>,
    /// When it was recorded (or the `X-Recorded-At` header): RFC 3339, or a
    /// local date-time in China time; default now.
    pub recorded_at: Option<String>,
}

/// A device's upload, authenticated by `Authorization: Bearer <device token>`
/// (raw body, streamed). Filed under the device's team and attached to that
/// team's activity of the day when exactly one fits; otherwise unmatched.
#[utoipa::path(post, path = "/api/v1/ingest", tag = "recordings", params(IngestParams),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = Recording), (status = 401, description = "invalid_device_token")))]
pub async fn ingest(
    State(s): State<AppState>,
    Lang(l): Lang,
    Query(q): Query<IngestParams>,
    headers: HeaderMap,
    body: Body,
) -> AppResult<(StatusCode, Json<Recording>)> {
    let header_text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    let token =
        header_text("authorization").and_then(|v| v.strip_prefix("Bearer ").map(str::to_string)).unwrap_or_default();
    let device = s.db.authenticate_device(&token).await.uloc(l)?;
    let name = q.name.or_else(|| header_text("x-file-name")).unwrap_or_default();
    let at = match q.recorded_at.or_else(|| header_text("x-recorded-at")).filter(|v| !v.trim().is_empty()) {
        None => None,
        Some(v) => Some(
            dangjian_store::recordings::parse_recorded_at(&v)
                .map_err(|c| AppError::field("recorded_at", c).with_locale(l))?,
        ),
    };
    let blobs = s.blobs().uloc(l)?;
    let r =
        s.db.scoped(&device.principal)
            .ingest_recording(&device, &name, at, body.into_data_stream(), &blobs)
            .await
            .uloc(l)?;
    Ok((StatusCode::CREATED, Json(r)))
}

#[cfg(test)]
mod tests {
    use super::parse_range;

    #[test]
    fn ranges() {
        assert_eq!(parse_range(Some("bytes=0-99"), 1000), Some(Ok(0..100)));
        assert_eq!(parse_range(Some("bytes=100-"), 1000), Some(Ok(100..1000)));
        assert_eq!(parse_range(Some("bytes=-100"), 1000), Some(Ok(900..1000)));
        assert_eq!(parse_range(Some("bytes=-5000"), 1000), Some(Ok(0..1000)));
        assert_eq!(parse_range(Some("bytes=990-5000"), 1000), Some(Ok(990..1000)));
        assert_eq!(parse_range(Some("bytes=1000-"), 1000), Some(Err(())));
        assert_eq!(parse_range(Some("bytes=-0"), 1000), Some(Err(())));
        assert_eq!(parse_range(Some("bytes=5-1"), 1000), None);
        assert_eq!(parse_range(Some("bytes=0-1,5-6"), 1000), None);
        assert_eq!(parse_range(Some("items=0-1"), 1000), None);
        assert_eq!(parse_range(None, 1000), None);
    }
}
