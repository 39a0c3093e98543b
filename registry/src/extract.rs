//! Extractors whose rejections are problem+json like every other error, and which check every
//! piece of text a request carries once, at the edge: path segments, query values and JSON
//! bodies. Text the databases cannot hold (PostgreSQL refuses NUL in `text`; SQLite stores it
//! and then never finds it) is refused here with a 4xx, so no handler or store query sees it.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, RawPathParams, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// The longest id or name accepted in a path segment or query value, in bytes. Every name the
/// registry mints or accepts is far shorter (names: 64); this only keeps junk out of queries.
pub const MAX_SEGMENT_BYTES: usize = 256;

/// Checks one piece of request text named `what`: no control characters (NUL above all) and
/// at most [`MAX_SEGMENT_BYTES`]. Shared by every extractor, so every route applies it.
pub fn check_text(what: &str, value: &str) -> Result<(), ApiError> {
    if let Some(c) = value.chars().find(|c| c.is_control()) {
        return Err(ApiError::invalid_request(format!("{what} contains the control character {:?}", c)));
    }
    if value.len() > MAX_SEGMENT_BYTES {
        return Err(ApiError::invalid_request(format!("{what} is longer than {MAX_SEGMENT_BYTES} bytes")));
    }
    Ok(())
}

/// Whether a JSON text holds a string with a NUL (`\u0000`; a raw control byte is not valid
/// JSON and is refused by the parser). A backslash before the `u` escaped by another one is
/// the literal text `\u0000`, which is fine.
pub fn json_has_nul(body: &[u8]) -> bool {
    const NUL: &[u8] = b"u0000";
    body.windows(NUL.len())
        .enumerate()
        .any(|(at, w)| w == NUL && at > 0 && body[..at].iter().rev().take_while(|&&b| b == b'\\').count() % 2 == 1)
}

/// `axum::Json` with problem+json rejections; a body with a NUL in any string is refused.
pub struct Json<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let (parts, body) = req.into_parts();
        // The same rule as `axum::Json`: `application/json` or `application/*+json`.
        let essence = parts
            .headers
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(';').next().unwrap_or_default().trim().to_ascii_lowercase());
        let json_type =
            essence.is_some_and(|e| e == "application/json" || (e.starts_with("application/") && e.ends_with("+json")));
        if !json_type {
            return Err(ApiError::invalid_request("Expected request with `Content-Type: application/json`"));
        }
        let bytes = axum::body::Bytes::from_request(Request::from_parts(parts, body), state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::too_large(e.body_text())
            } else {
                ApiError::invalid_request(e.body_text())
            }
        })?;
        if json_has_nul(&bytes) {
            return Err(ApiError::invalid_request("a string in the body contains a NUL character"));
        }
        let axum::Json(value) = axum::Json::<T>::from_bytes(&bytes)?;
        Ok(Json(value))
    }
}

/// `axum::extract::Path` with problem+json rejections; every segment is checked with
/// [`check_text`] before it is parsed.
pub struct Path<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let raw = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|e| ApiError::invalid_request(e.body_text()))?;
        for (name, value) in &raw {
            check_text(&format!("path segment `{name}`"), value)?;
        }
        let axum::extract::Path(value) = axum::extract::Path::<T>::from_request_parts(parts, state).await?;
        Ok(Path(value))
    }
}

/// `axum::extract::Query` with problem+json rejections; every key and value is checked with
/// [`check_text`] before it is parsed.
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let query = parts.uri.query().unwrap_or_default();
        for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
            check_text("a query parameter name", &key)?;
            check_text(&format!("query parameter `{key}`"), &value)?;
        }
        let axum::extract::Query(value) = axum::extract::Query::<T>::try_from_uri(&parts.uri)?;
        Ok(Query(value))
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::too_large(r.body_text())
        } else {
            ApiError::invalid_request(r.body_text())
        }
    }
}

impl From<PathRejection> for ApiError {
    fn from(r: PathRejection) -> Self {
        ApiError::invalid_request(r.body_text())
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        ApiError::invalid_request(r.body_text())
    }
}

/// `?page=&per_page=` on list routes.
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize, utoipa::IntoParams)]
pub struct Page {
    /// 1-based page number (default 1, at most 1000000).
    pub page: Option<u32>,
    /// Items per page (default 50, 1 to 200).
    pub per_page: Option<u32>,
}

impl Page {
    /// The most items a page holds.
    pub const MAX_PER_PAGE: u32 = 200;
    /// The highest page number: beyond it an offset is only work for the database.
    pub const MAX_PAGE: u32 = 1_000_000;

    /// (limit, offset) for SQL; a page or page size out of range is `invalid-request`, never
    /// silently clamped, so a client learns its paging is wrong.
    pub fn limit_offset(&self) -> Result<(i64, i64), ApiError> {
        let per_page = self.per_page.unwrap_or(50);
        if !(1..=Self::MAX_PER_PAGE).contains(&per_page) {
            return Err(ApiError::invalid_request(format!(
                "per_page must be between 1 and {}, not {per_page}",
                Self::MAX_PER_PAGE
            )));
        }
        let page = self.page.unwrap_or(1);
        if !(1..=Self::MAX_PAGE).contains(&page) {
            return Err(ApiError::invalid_request(format!(
                "page must be between 1 and {}, not {page}",
                Self::MAX_PAGE
            )));
        }
        let per_page = i64::from(per_page);
        Ok((per_page, (i64::from(page) - 1) * per_page))
    }
}

/// A page of results.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Paged<T> {
    /// The items.
    pub items: Vec<T>,
    /// This page's number.
    pub page: u32,
    /// Items per page.
    pub per_page: u32,
    /// Total items, when known.
    pub total: Option<i64>,
}

impl<T> Paged<T> {
    /// Wraps one page of items (`page` already checked by [`Page::limit_offset`]).
    pub fn new(items: Vec<T>, page: Page, total: Option<i64>) -> Self {
        Paged { items, page: page.page.unwrap_or(1), per_page: page.per_page.unwrap_or(50), total }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_escaped_nul_is_a_nul() {
        assert!(json_has_nul(br#"{"a":"x\u0000"}"#));
        assert!(json_has_nul(br#"{"a":"\\\u0000"}"#), "an escaped backslash then a NUL");
        assert!(!json_has_nul(br#"{"a":"\\u0000"}"#), "the literal text \\u0000");
        assert!(!json_has_nul(br#"{"a":"u0000"}"#));
        assert!(!json_has_nul(br#"{"a":"\u0001"}"#));
    }

    #[test]
    fn control_characters_and_long_text_are_refused() {
        for bad in ["a\0b", "tab\there", "\u{7f}", "\u{85}", &"x".repeat(MAX_SEGMENT_BYTES + 1)] {
            assert_eq!(check_text("it", bad).unwrap_err().slug(), "invalid-request", "{bad:?}");
        }
        for good in ["acme", "0.1.0", "^0.1", "能源", &"x".repeat(MAX_SEGMENT_BYTES)] {
            assert!(check_text("it", good).is_ok(), "{good:?}");
        }
    }

    #[test]
    fn paging_out_of_range_is_refused_not_clamped() {
        let page = |page, per_page| Page { page, per_page }.limit_offset().map_err(|e| e.slug());
        assert_eq!(page(None, None), Ok((50, 0)));
        assert_eq!(page(Some(3), Some(200)), Ok((200, 400)));
        for (p, n) in [(None, Some(0)), (None, Some(201)), (None, Some(2_147_483_648u32)), (Some(0), None)] {
            assert_eq!(page(p, n), Err("invalid-request"), "page {p:?} per_page {n:?}");
        }
    }
}
