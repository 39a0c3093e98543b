//! Kiln's web console: the files Vite built from `web/src`, embedded in the binary so that
//! `kiln serve` needs nothing at run time (bureau and factory networks are often air-gapped).
//! `kiln-registry` serves them at `/` beside the API.
#![deny(missing_docs)]

/// One file of the built console.
#[derive(Debug)]
pub struct Asset {
    /// Its URL path, e.g. `/index.html` or `/assets/index-3f2a9c.js`.
    pub path: &'static str,
    /// Its media type.
    pub content_type: &'static str,
    /// Its bytes.
    pub body: &'static [u8],
    /// The same bytes gzipped, when that is smaller.
    pub gzip: Option<&'static [u8]>,
    /// A strong validator: a prefix of the body's sha256.
    pub etag: &'static str,
    /// Whether the name carries a content hash, so it may be cached forever.
    pub immutable: bool,
}

include!(concat!(env!("OUT_DIR"), "/assets.rs"));

/// The file at `path`, if the console has one.
pub fn asset(path: &str) -> Option<&'static Asset> {
    ASSETS.binary_search_by(|a| a.path.cmp(path)).ok().and_then(|i| ASSETS.get(i))
}

/// The page every console route answers with; the router in the page picks the view.
pub fn index() -> &'static Asset {
    asset("/index.html").expect("Vite always emits index.html")
}

/// The console's Content-Security-Policy. Scripts, styles, images and connections come from the
/// service itself and nowhere else; no inline script can run. Inline *styles* are allowed
/// because ECharts positions its tooltips with `style` attributes.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assets_are_sorted_so_lookup_finds_each() {
        assert!(ASSETS.windows(2).all(|w| w[0].path < w[1].path));
        for a in ASSETS {
            assert_eq!(asset(a.path).map(|found| found.path), Some(a.path));
        }
    }

    #[test]
    fn all_the_javascript_fits_in_400_kb_gzipped() {
        let total: usize =
            ASSETS.iter().filter(|a| a.path.ends_with(".js")).map(|a| a.gzip.unwrap_or(a.body).len()).sum();
        assert!(total <= 400_000, "the console's scripts are {total} bytes gzipped, over the 400 kB budget");
    }

    #[test]
    fn the_page_loads_only_hashed_scripts_from_the_service() {
        let html = std::str::from_utf8(index().body).expect("index.html is UTF-8");
        assert!(!index().immutable, "index.html must be revalidated, it names the current hashes");
        let scripts: Vec<&str> = html.split("<script").skip(1).collect();
        assert!(!scripts.is_empty());
        for script in scripts {
            let src = script.split("src=\"").nth(1).and_then(|s| s.split('"').next()).expect("no inline scripts");
            assert!(src.starts_with("/assets/"), "{src}");
            assert!(asset(src).is_some_and(|a| a.immutable), "{src} is not embedded");
        }
    }
}
