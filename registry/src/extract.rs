//! Extractors whose rejections are problem+json like every other error.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts};
use axum::http::StatusCode;

use crate::error::ApiError;

/// `axum::Json` with problem+json rejections.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct Json<T>(pub T);

/// `axum::extract::Path` with problem+json rejections.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct Path<T>(pub T);

/// `axum::extract::Query` with problem+json rejections.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct Query<T>(pub T);

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

/// The largest page a list route returns (`per_page`); larger asks get this many.
pub const PER_PAGE_MAX: u32 = 1000;

/// `?page=&per_page=` on list routes.
#[derive(Debug, Clone, Copy, serde::Deserialize, utoipa::IntoParams)]
pub struct Page {
    /// 1-based page number (default 1).
    pub page: Option<u32>,
    /// Items per page (default 50, at most 1000).
    pub per_page: Option<u32>,
}

impl Page {
    /// (limit, offset) for SQL.
    pub fn limit_offset(&self) -> (i64, i64) {
        let per_page = i64::from(self.per_page.unwrap_or(50).clamp(1, PER_PAGE_MAX));
        let page = i64::from(self.page.unwrap_or(1).max(1));
        (per_page, (page - 1) * per_page)
    }
}

/// A page of results.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
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
    /// Wraps one page of items.
    pub fn new(items: Vec<T>, page: Page, total: Option<i64>) -> Self {
        let (limit, offset) = page.limit_offset();
        Paged { items, page: (offset / limit + 1) as u32, per_page: limit as u32, total }
    }
}
