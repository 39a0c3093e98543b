//! The web console at `/`: embedded files, a strict CSP, caching by content hash, and page
//! routes for browsers only.

use axum::body::Body;
use axum::http::{Request, header};

use crate::common::{Resp, TestApp};

crate::both! {
    the_console_is_served_at_the_root_under_a_strict_policy => root;
    hashed_assets_are_cached_for_good_and_the_page_is_revalidated => caching;
    a_browser_gets_the_page_for_console_routes_and_api_clients_get_problems => navigation;
}

async fn get(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> Resp {
    let mut req = Request::get(path);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    app.send(req.body(Body::empty()).unwrap()).await
}

fn script_of(page: &str) -> String {
    let at = page.find("<script type=\"module\" crossorigin src=\"").expect("the page loads a module script");
    let rest = &page[at..];
    rest.split("src=\"").nth(1).unwrap().split('"').next().unwrap().to_string()
}

async fn root(app: TestApp) {
    let page = get(&app, "/", &[]).await;
    page.expect(200);
    assert_eq!(page.content_type(), "text/html; charset=utf-8");
    let csp = page.headers.get(header::CONTENT_SECURITY_POLICY).unwrap().to_str().unwrap();
    assert!(csp.starts_with("default-src 'self'"), "{csp}");
    assert!(csp.contains("script-src 'self';"), "scripts only from the service: {csp}");
    assert!(!csp.contains("unsafe-eval") && !csp.contains("http"), "{csp}");
    assert_eq!(page.headers.get(header::X_CONTENT_TYPE_OPTIONS).unwrap(), "nosniff");
    let html = page.text();
    assert!(!html.contains("http://") && !html.contains("https://"), "the page references another origin: {html}");
    // Every script the page names is served from here.
    let script = get(&app, &script_of(&html), &[]).await;
    script.expect(200);
    assert_eq!(script.content_type(), "text/javascript; charset=utf-8");
    assert!(!script.text().contains("https://cdn"), "the bundle loads from a CDN");
}

async fn caching(app: TestApp) {
    let page = get(&app, "/", &[]).await;
    assert_eq!(page.headers.get(header::CACHE_CONTROL).unwrap(), "no-cache");
    let etag = page.headers.get(header::ETAG).unwrap().to_str().unwrap().to_string();
    get(&app, "/", &[("if-none-match", &etag)]).await.expect(304);

    let script = script_of(&page.text());
    let plain = get(&app, &script, &[]).await;
    assert_eq!(plain.headers.get(header::CACHE_CONTROL).unwrap(), "public, max-age=31536000, immutable");
    let zipped = get(&app, &script, &[("accept-encoding", "br, gzip;q=0.8")]).await;
    assert_eq!(zipped.headers.get(header::CONTENT_ENCODING).unwrap(), "gzip");
    assert!(zipped.body.len() < plain.body.len());
    let refused = get(&app, &script, &[("accept-encoding", "gzip;q=0")]).await;
    assert!(refused.headers.get(header::CONTENT_ENCODING).is_none());
}

async fn navigation(app: TestApp) {
    let html = "text/html,application/xhtml+xml,*/*;q=0.8";
    let page = get(&app, "/t/t1/runs/abc", &[("accept", html)]).await;
    page.expect(200);
    assert_eq!(page.content_type(), "text/html; charset=utf-8");
    // API clients, missing files and the API's own namespace keep their problem documents.
    get(&app, "/t/t1/runs/abc", &[]).await.problem(404, "not-found");
    get(&app, "/assets/missing.js", &[("accept", html)]).await.problem(404, "not-found");
    get(&app, "/v1/nothing", &[("accept", html)]).await.problem(404, "not-found");
    let post = app.send(Request::post("/").body(Body::empty()).unwrap()).await;
    post.problem(405, "method-not-allowed");
}
