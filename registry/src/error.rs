//! API errors as RFC 9457 problem details, each cause with a stable `type`.

use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::store::StoreError;

/// The base of every problem `type` URI; the rest is the cause's slug.
pub const PROBLEM_BASE: &str = "https://kiln.dev/problems/";

/// The media type of every error body (RFC 9457).
pub const PROBLEM_JSON: &str = "application/problem+json";

/// A problem+json body.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Problem {
    /// `https://kiln.dev/problems/<slug>`: stable per cause, for programs.
    #[serde(rename = "type")]
    pub type_: String,
    /// A short summary of the cause, for people.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What happened this time.
    pub detail: String,
}

/// An API error: a status, a stable slug and a detail message.
#[derive(Debug, Clone)]
pub struct ApiError {
    status: StatusCode,
    slug: &'static str,
    title: &'static str,
    detail: String,
}

macro_rules! problems {
    ($($fn:ident => $status:ident, $slug:literal, $title:literal;)*) => {
        impl ApiError {
            $(
                #[doc = concat!("`", $slug, "`: ", $title, ".")]
                pub fn $fn(detail: impl Into<String>) -> Self {
                    ApiError { status: StatusCode::$status, slug: $slug, title: $title, detail: detail.into() }
                }
            )*
        }

        /// Every problem slug the API returns, with its status and title, for documentation.
        pub const PROBLEMS: &[(&str, u16, &str)] = &[$(($slug, StatusCode::$status.as_u16(), $title)),*];
    };
}

problems! {
    unauthenticated => UNAUTHORIZED, "unauthenticated", "No valid API token was given";
    forbidden => FORBIDDEN, "forbidden", "The token's role or scopes do not allow this";
    csrf => FORBIDDEN, "csrf", "A write through the session cookie lacked the session's CSRF token";
    not_found => NOT_FOUND, "not-found", "No such resource";
    method_not_allowed => METHOD_NOT_ALLOWED, "method-not-allowed", "The resource does not accept this method";
    conflict => CONFLICT, "conflict", "It already exists";
    invalid_request => UNPROCESSABLE_ENTITY, "invalid-request", "The request is malformed";
    invalid_name => UNPROCESSABLE_ENTITY, "invalid-name", "A name is not allowed";
    invalid_version => UNPROCESSABLE_ENTITY, "invalid-version", "Not a valid semver version or requirement";
    bad_signature => UNPROCESSABLE_ENTITY, "bad-signature", "The signature does not verify";
    unknown_key => UNPROCESSABLE_ENTITY, "unknown-key", "The signing key is not one of the publisher's";
    invalid_component => UNPROCESSABLE_ENTITY, "invalid-component", "The component is not a valid Kiln plugin";
    manifest_mismatch => UNPROCESSABLE_ENTITY, "manifest-mismatch", "The manifest disagrees with the component";
    too_large => PAYLOAD_TOO_LARGE, "too-large", "The upload is larger than allowed";
    unavailable => GONE, "taken-down", "Taken down by an operator";
    purged => GONE, "purged", "An operator purged data it needs";
    no_match => NOT_FOUND, "no-matching-version", "No approved, available version matches";
    unsupported_format => UNSUPPORTED_MEDIA_TYPE, "unsupported-format", "The upload's Content-Type is not a supported format";
    invalid_data => UNPROCESSABLE_ENTITY, "invalid-data", "The dataset is malformed or lacks a required column";
    invalid_grant => UNPROCESSABLE_ENTITY, "invalid-grant", "A grant names data the tenant does not have";
    invalid_params => UNPROCESSABLE_ENTITY, "invalid-params", "The parameters do not match the plugin's describe()";
    limit_too_high => UNPROCESSABLE_ENTITY, "limit-too-high", "A limit is above the operator's cap";
    invalid_cron => UNPROCESSABLE_ENTITY, "invalid-cron", "Not a usable five-field cron expression";
    unknown_zone => UNPROCESSABLE_ENTITY, "unknown-zone", "Not an IANA time zone";
    quota_exceeded => TOO_MANY_REQUESTS, "quota-exceeded", "The tenant's quota is used up";
    in_use => CONFLICT, "in-use", "Unfinished runs still use it";
    not_runnable => CONFLICT, "not-runnable", "The enablement is suspended or disabled";
    not_finished => CONFLICT, "run-not-finished", "The run has no output (yet)";
    busy => SERVICE_UNAVAILABLE, "busy", "The service is at capacity; retry shortly";
    not_ready => SERVICE_UNAVAILABLE, "not-ready", "The database or the blob store does not answer";
    integrity => INTERNAL_SERVER_ERROR, "integrity", "Stored bytes do not match their hash";
    internal => INTERNAL_SERVER_ERROR, "internal", "Internal error";
}

impl ApiError {
    /// The problem's slug.
    pub fn slug(&self) -> &'static str {
        self.slug
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// What happened this time.
    pub fn detail(&self) -> &str {
        &self.detail
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.slug, self.detail)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(what) => ApiError::conflict(format!("{what} already exists")),
            StoreError::NotFound(what) => ApiError::not_found(format!("{what} not found")),
            other => {
                // Database detail stays in the server log, not in the response.
                tracing::error!(error = %other, "store error");
                ApiError::internal("the database failed; see the server log")
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Problem {
            type_: format!("{PROBLEM_BASE}{}", self.slug),
            title: self.title.to_string(),
            status: self.status.as_u16(),
            detail: self.detail,
        };
        let mut response = (self.status, [(header::CONTENT_TYPE, PROBLEM_JSON)], Json(body)).into_response();
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            // Capacity frees as soon as a run or load ends: about a second.
            response.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
        }
        response
    }
}

impl From<kiln_host::LoadError> for ApiError {
    /// A full host is the host's state, not the component's fault.
    fn from(e: kiln_host::LoadError) -> Self {
        match e {
            kiln_host::LoadError::Busy(_) => ApiError::busy(e.to_string()),
            other => ApiError::invalid_component(other.to_string()),
        }
    }
}

/// Handler results.
pub type ApiResult<T> = Result<T, ApiError>;
