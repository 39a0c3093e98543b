//! A small blocking HTTP client for the registry API: bearer auth, JSON in and out, HTTPS
//! with the system's roots (plus a private CA on request), and problem+json errors turned into
//! one line such as `forbidden (403): ...`.

use std::fmt;
use std::path::Path;
use std::time::Duration;

use anyhow::{Context as _, bail};
use kiln_registry::error::{PROBLEM_BASE, Problem};
use kiln_registry::extract::Paged;
use reqwest::Method;
use reqwest::Url;
use reqwest::blocking::Response;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// The header a download carries its sha256 in.
pub const SHA256_HEADER: &str = "x-kiln-sha256";

/// A registry at one base URL, called with one token.
pub struct Client {
    base: Url,
    token: Option<String>,
    http: reqwest::blocking::Client,
}

impl Client {
    /// A client for the registry at `registry`; `token` is needed by every API call.
    pub fn new(registry: &str, token: Option<&str>) -> anyhow::Result<Self> {
        Self::connect(registry, token, None)
    }

    /// A client for the registry at `registry` that also trusts the CA certificates in the PEM
    /// file `ca_cert` (a private CA), on top of the system's roots.
    pub fn connect(registry: &str, token: Option<&str>, ca_cert: Option<&Path>) -> anyhow::Result<Self> {
        let base = Url::parse(registry).with_context(|| format!("`{registry}` is not a registry URL"))?;
        if base.cannot_be_a_base() || !matches!(base.scheme(), "http" | "https") {
            bail!("`{registry}` is not an http:// or https:// URL");
        }
        let mut builder = reqwest::blocking::Client::builder()
            .use_rustls_tls()
            .user_agent(concat!("kiln/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(10))
            // Publishing waits while the registry compiles and validates the component.
            .timeout(Duration::from_secs(300));
        if let Some(path) = ca_cert {
            for cert in ca_certificates(path)? {
                builder = builder.add_root_certificate(cert);
            }
        }
        let http = builder.build().context("starting the HTTP client")?;
        Ok(Client { base, token: token.map(str::trim).filter(|t| !t.is_empty()).map(String::from), http })
    }

    /// The same registry and connection pool, called with another token: cheaper than
    /// [`Client::new`], which starts a pool (and a runtime thread) of its own.
    pub fn with_token(&self, token: &str) -> Self {
        let token = Some(token.trim()).filter(|t| !t.is_empty()).map(String::from);
        Client { base: self.base.clone(), token, http: self.http.clone() }
    }

    /// The token this client sends, if any.
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// The URL of an API path given as segments (each percent-encoded as needed).
    pub fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url
    }

    /// `GET` a JSON resource as `T`.
    pub fn get<T: DeserializeOwned>(&self, segments: &[&str]) -> anyhow::Result<T> {
        self.get_query(segments, &NO_QUERY)
    }

    /// `GET` a JSON resource as `T`, with a query (such as the route's `...Query` type).
    pub fn get_query<T: DeserializeOwned>(&self, segments: &[&str], query: &impl Serialize) -> anyhow::Result<T> {
        json_body(self.send(Method::GET, segments, query, None)?)
    }

    /// `POST` a JSON body (the route's request type) and read the answer as `T`.
    pub fn post<T: DeserializeOwned>(&self, segments: &[&str], body: &impl Serialize) -> anyhow::Result<T> {
        let body = serde_json::to_value(body).context("encoding the request")?;
        json_body(self.send(Method::POST, segments, &NO_QUERY, Some(&body))?)
    }

    /// `POST` without a body (an action such as approve or cancel) and read the answer as `T`.
    pub fn post_empty<T: DeserializeOwned>(&self, segments: &[&str]) -> anyhow::Result<T> {
        json_body(self.send(Method::POST, segments, &NO_QUERY, None)?)
    }

    /// `POST` raw bytes with a content type (a dataset upload) and read the answer as `T`.
    pub fn post_bytes<T: DeserializeOwned>(
        &self,
        segments: &[&str],
        content_type: &str,
        bytes: Vec<u8>,
    ) -> anyhow::Result<T> {
        json_body(self.send_with(Method::POST, segments, &NO_QUERY, None, Some((content_type, bytes)))?)
    }

    /// `GET` a resource as text (such as CSV).
    pub fn get_text(&self, segments: &[&str], query: &impl Serialize) -> anyhow::Result<String> {
        let response = self.send(Method::GET, segments, query, None)?;
        let url = response.url().clone();
        response.text().with_context(|| format!("reading the answer from {url}"))
    }

    /// `DELETE` a resource.
    pub fn delete(&self, segments: &[&str]) -> anyhow::Result<()> {
        self.send(Method::DELETE, segments, &NO_QUERY, None)?;
        Ok(())
    }

    /// `GET` raw bytes, with the sha256 the registry sends alongside them.
    pub fn download(&self, segments: &[&str]) -> anyhow::Result<(Vec<u8>, Option<String>)> {
        let response = self.send(Method::GET, segments, &NO_QUERY, None)?;
        let sha256 = response.headers().get(SHA256_HEADER).and_then(|v| v.to_str().ok()).map(String::from);
        let url = response.url().clone();
        let bytes = response.bytes().with_context(|| format!("reading the download from {url}"))?;
        Ok((bytes.to_vec(), sha256))
    }

    /// `GET` raw bytes into the file `to`, streamed: written beside it and renamed into place
    /// only once complete. Returns how many bytes.
    pub fn download_to(&self, segments: &[&str], to: &Path) -> anyhow::Result<u64> {
        let mut response = self.send(Method::GET, segments, &NO_QUERY, None)?;
        let dir = to.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let mut file =
            tempfile::NamedTempFile::new_in(dir).with_context(|| format!("writing into {}", dir.display()))?;
        let size =
            response.copy_to(&mut file).with_context(|| format!("reading the download from {}", response.url()))?;
        file.persist(to).with_context(|| format!("writing {}", to.display()))?;
        Ok(size)
    }

    /// Every item of a paged list ([`Paged`]), fetching page after page.
    pub fn get_all_pages<T: DeserializeOwned>(
        &self,
        segments: &[&str],
        query: &[(&str, String)],
    ) -> anyhow::Result<Vec<T>> {
        const PER_PAGE: usize = 200;
        let mut items = Vec::new();
        for page in 1..=1000u32 {
            let mut q = query.to_vec();
            q.extend([("page", page.to_string()), ("per_page", PER_PAGE.to_string())]);
            let batch: Paged<T> = self.get_query(segments, &q)?;
            let last = batch.items.len() < PER_PAGE;
            items.extend(batch.items);
            if last {
                break;
            }
        }
        Ok(items)
    }

    fn send(
        &self,
        method: Method,
        segments: &[&str],
        query: &impl Serialize,
        body: Option<&Value>,
    ) -> anyhow::Result<Response> {
        self.send_with(method, segments, query, body, None)
    }

    fn send_with(
        &self,
        method: Method,
        segments: &[&str],
        query: &impl Serialize,
        body: Option<&Value>,
        raw: Option<(&str, Vec<u8>)>,
    ) -> anyhow::Result<Response> {
        let token = self.token.as_deref().with_context(|| {
            format!(
                "no API token for {}: run `kiln login`, pass --token or set KILN_TOKEN (the first operator token comes from `kiln admin bootstrap`)",
                self.base
            )
        })?;
        let url = self.url(segments);
        let mut request = self.http.request(method.clone(), url.clone()).bearer_auth(token).query(query);
        if let Some(body) = body {
            request = request.json(body);
        }
        if let Some((content_type, bytes)) = raw {
            request = request.header(reqwest::header::CONTENT_TYPE, content_type).body(bytes);
        }
        let response = request.send().map_err(|e| {
            let what = if e.is_timeout() { "timed out waiting for" } else { "cannot reach" };
            let hint = match refused_certificate(&e) {
                Some(rustls::CertificateError::UnknownIssuer) => {
                    ": its TLS certificate is not signed by a CA this machine trusts; pass --ca-cert FILE \
                     (or set KILN_CA_CERT) with the registry's CA certificate"
                }
                Some(_) => ": its TLS certificate was refused",
                None => "",
            };
            anyhow::Error::new(e.without_url()).context(format!(
                "{what} the registry at {} ({method} {}){hint}",
                self.base,
                url.path()
            ))
        })?;
        if response.status().is_success() { Ok(response) } else { Err(failure(&method, &url, response)) }
    }
}

/// No query parameters.
const NO_QUERY: [(&str, &str); 0] = [];

/// The certificates of a PEM file, refusing a file that holds none (a key or a DER file given
/// by mistake would otherwise trust nothing, silently).
fn ca_certificates(path: &Path) -> anyhow::Result<Vec<reqwest::Certificate>> {
    let pem = std::fs::read(path).with_context(|| format!("cannot read the CA certificate file {}", path.display()))?;
    let certs = reqwest::Certificate::from_pem_bundle(&pem)
        .with_context(|| format!("{} is not a PEM file of CA certificates", path.display()))?;
    if certs.is_empty() {
        bail!("{} holds no PEM certificate (-----BEGIN CERTIFICATE-----)", path.display());
    }
    Ok(certs)
}

/// Why rustls refused the server's certificate, if that is why the request failed. The reason
/// sits deep in the error's chain, inside `io::Error`s (hyper-rustls wraps tokio-rustls's),
/// whose `source` skips what they wrap: those are opened with `get_ref`.
fn refused_certificate(e: &reqwest::Error) -> Option<rustls::CertificateError> {
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = next {
        if let Some(rustls::Error::InvalidCertificate(why)) = err.downcast_ref::<rustls::Error>() {
            return Some(why.clone());
        }
        next = match err.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref()) {
            Some(inner) => Some(inner as _),
            None => err.source(),
        };
    }
    None
}

/// A call the registry answered with an error status: what the one-line message is made of,
/// kept typed so callers can tell, say, a dead token (401) from anything else.
#[derive(Debug)]
pub struct Failure {
    /// The HTTP status.
    pub status: u16,
    /// The line to show: the problem's slug, status and detail, or the status and body.
    pub message: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}

/// The HTTP status of a failed call, if the registry answered at all.
pub fn status_of(e: &anyhow::Error) -> Option<u16> {
    e.downcast_ref::<Failure>().map(|f| f.status)
}

fn json_body<T: DeserializeOwned>(response: Response) -> anyhow::Result<T> {
    let url = response.url().clone();
    let bytes = response.bytes().with_context(|| format!("reading the answer from {url}"))?;
    serde_json::from_slice(&bytes)
        .with_context(|| format!("the answer from {url} is not what this version of kiln expects"))
}

/// One line for a failed call: the problem's slug, status and detail when the registry sent
/// problem+json, else the status and the start of whatever came back.
fn failure(method: &Method, url: &Url, response: Response) -> anyhow::Error {
    let status = response.status();
    let body = response.bytes().unwrap_or_default();
    if let Ok(problem) = serde_json::from_slice::<Problem>(&body) {
        let slug = problem.type_.strip_prefix(PROBLEM_BASE).unwrap_or(&problem.type_);
        let detail = if problem.detail.is_empty() { problem.title } else { problem.detail };
        let message = format!("{slug} ({}): {detail}", status.as_u16());
        return anyhow::Error::new(Failure { status: status.as_u16(), message });
    }
    let text = String::from_utf8_lossy(&body);
    let text: String = text.trim().lines().next().unwrap_or_default().chars().take(200).collect();
    let message = if text.is_empty() {
        format!("{method} {url}: HTTP {status}")
    } else {
        format!("{method} {url}: HTTP {status}: {text}")
    };
    anyhow::Error::new(Failure { status: status.as_u16(), message })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_joined_onto_the_base_and_encoded() {
        let c = Client::new("http://localhost:8080", Some("t")).unwrap();
        assert_eq!(c.url(&["v1", "keys"]).as_str(), "http://localhost:8080/v1/keys");
        let c = Client::new("https://example.com/registry/", None).unwrap();
        assert_eq!(c.url(&["v1", "a/b?c"]).as_str(), "https://example.com/registry/v1/a%2Fb%3Fc");
        assert!(Client::new("ftp://example.com", None).is_err());
        assert!(Client::new("not a url", None).is_err());
    }

    #[test]
    fn calls_without_a_token_say_how_to_get_one() {
        let c = Client::new("http://127.0.0.1:9", Some("  ")).unwrap();
        let e = c.get::<Value>(&["v1", "keys"]).unwrap_err();
        assert!(e.to_string().contains("no API token"), "{e}");
    }
}
