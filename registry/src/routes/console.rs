//! The web console at `/`: the files built into the binary (`kiln-console`), with a strict
//! Content-Security-Policy. Hashed assets are cached for good; the page itself is revalidated,
//! so a new build is picked up at once. Any other path a browser navigates to gets the page
//! (the console routes in the browser); API clients get the usual problem documents.

use axum::http::{HeaderMap, Method, Uri};
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

/// Answers what no API route matched: a console file, the console's page for a browser's
/// navigation, or a `not-found` / `method-not-allowed` problem. Built without the `console`
/// feature (a maker's CLI, which needs no Node.js), only the problems.
pub async fn fallback(method: Method, uri: Uri, headers: HeaderMap) -> Response {
    let path = uri.path();
    if path.starts_with("/v1/") || path == "/v1" {
        return ApiError::not_found(format!("no route for {path}")).into_response();
    }
    #[cfg(feature = "console")]
    if let Some(asset) =
        kiln_console::asset(path).or_else(|| (path == "/" || wants_page(&headers, path)).then(kiln_console::index))
    {
        if method != Method::GET && method != Method::HEAD {
            return ApiError::method_not_allowed(format!("{method} is not allowed on {path}")).into_response();
        }
        return serve(asset, &headers, method == Method::HEAD);
    }
    #[cfg(not(feature = "console"))]
    let _ = (method, headers);
    ApiError::not_found(format!("no route for {path}")).into_response()
}

#[cfg(feature = "console")]
/// A browser navigating to a console route: it asks for HTML, and the last segment has no
/// file extension (a missing `/assets/x.js` stays a 404 rather than turning into a page).
fn wants_page(headers: &HeaderMap, path: &str) -> bool {
    let html =
        headers.get(axum::http::header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("text/html"));
    let file_like = path.rsplit('/').next().is_some_and(|last| last.contains('.'));
    html && !file_like
}

#[cfg(feature = "console")]
fn serve(asset: &'static kiln_console::Asset, headers: &HeaderMap, head: bool) -> Response {
    use axum::body::Body;
    use axum::http::header::{
        CACHE_CONTROL, CONTENT_ENCODING, CONTENT_SECURITY_POLICY, CONTENT_TYPE, ETAG, IF_NONE_MATCH, REFERRER_POLICY,
        VARY, X_CONTENT_TYPE_OPTIONS,
    };
    use axum::http::{HeaderValue, StatusCode};

    let etag = format!("\"{}\"", asset.etag);
    let gzip = asset.gzip.filter(|_| accepts_gzip(headers));
    let mut response = if headers.get(IF_NONE_MATCH).and_then(|v| v.to_str().ok()).is_some_and(|v| v == etag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let body = gzip.unwrap_or(asset.body);
        let mut r = if head { Body::empty() } else { Body::from(body) }.into_response();
        r.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(asset.content_type));
        if gzip.is_some() {
            r.headers_mut().insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        }
        r
    };
    let h = response.headers_mut();
    h.insert(
        CACHE_CONTROL,
        HeaderValue::from_static(if asset.immutable { "public, max-age=31536000, immutable" } else { "no-cache" }),
    );
    h.insert(ETAG, HeaderValue::from_str(&etag).expect("hex is a valid header value"));
    h.insert(VARY, HeaderValue::from_static("accept-encoding"));
    h.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(kiln_console::CONTENT_SECURITY_POLICY));
    h.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    response
}

#[cfg(feature = "console")]
fn accepts_gzip(headers: &HeaderMap) -> bool {
    use axum::http::header::ACCEPT_ENCODING;
    headers.get_all(ACCEPT_ENCODING).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).any(|e| {
        let mut parts = e.split(';');
        let coding = parts.next().unwrap_or("").trim();
        let refused = parts
            .any(|p| matches!(p.trim().strip_prefix("q="), Some(q) if q.trim().parse::<f32>().is_ok_and(|q| q == 0.0)));
        (coding == "gzip" || coding == "*") && !refused
    })
}
