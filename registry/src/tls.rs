//! HTTPS for `kiln serve`: a PEM certificate chain and private key become a rustls server
//! configuration (ring, TLS 1.2 and 1.3), and [`TlsListener`] hands axum connections whose
//! handshake is done. Because it is an [`axum::serve::Listener`], `axum::serve` and its graceful
//! shutdown work exactly as over plain TCP: on the signal the listener is dropped and in-flight
//! requests finish.

use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

/// How long a client may take over its handshake before its connection is dropped.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// How many handshakes may be in progress at once: past that, new connections wait in the
/// kernel's backlog, so slow or silent clients cannot pile up tasks.
const MAX_HANDSHAKES: usize = 256;

/// The PEM files `kiln serve --tls-cert --tls-key` names.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    /// The certificate chain, leaf first.
    pub cert: PathBuf,
    /// The private key (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
}

/// Why the certificate or key cannot be served. Each names the file at fault, so a bad
/// deployment stops at start with the path to fix.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// The file cannot be read.
    #[error("cannot read {}", .path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The certificate file holds no PEM `CERTIFICATE`, or a malformed one.
    #[error("{} holds no valid PEM certificate{}", .path.display(), detail(.reason))]
    Certificate {
        /// The file.
        path: PathBuf,
        /// What the PEM reader said, if anything.
        reason: Option<String>,
    },
    /// The key file holds no PEM private key, or a malformed one.
    #[error("{} holds no valid PEM private key{}", .path.display(), detail(.reason))]
    Key {
        /// The file.
        path: PathBuf,
        /// What the PEM reader said, if anything.
        reason: Option<String>,
    },
    /// rustls refused the pair: most often a key that is not the certificate's.
    #[error("cannot serve the certificate in {} with the key in {}", .cert.display(), .key.display())]
    Pair {
        /// The certificate file.
        cert: PathBuf,
        /// The key file.
        key: PathBuf,
        /// rustls's reason.
        source: rustls::Error,
    },
}

fn detail(reason: &Option<String>) -> String {
    reason.as_ref().map(|r| format!(" ({r})")).unwrap_or_default()
}

fn read(path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| TlsError::Read { path: path.to_path_buf(), source })
}

/// Reads the certificate chain and key and builds the server's TLS configuration, offering
/// HTTP/1.1 by ALPN (what `axum::serve` speaks here).
pub fn server_config(files: &TlsFiles) -> Result<Arc<ServerConfig>, TlsError> {
    let cert_pem = read(&files.cert)?;
    let bad_cert = |reason: Option<String>| TlsError::Certificate { path: files.cert.clone(), reason };
    let chain = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad_cert(Some(e.to_string())))?;
    if chain.is_empty() {
        return Err(bad_cert(None));
    }
    let key_pem = read(&files.key)?;
    let key = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|e| TlsError::Key {
        path: files.key.clone(),
        reason: match e {
            rustls::pki_types::pem::Error::NoItemsFound => None,
            other => Some(other.to_string()),
        },
    })?;
    let pair = |source| TlsError::Pair { cert: files.cert.clone(), key: files.key.clone(), source };
    let mut config = ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(pair)?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(pair)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// A TCP listener whose connections come out with their TLS handshake done. Handshakes run
/// in tasks of their own (at most [`MAX_HANDSHAKES`] at once, each within
/// [`HANDSHAKE_TIMEOUT`]), so one slow client does not hold up the others; a failed handshake
/// is logged and dropped, never handed on.
pub struct TlsListener {
    local_addr: SocketAddr,
    ready: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    acceptor: JoinHandle<()>,
}

impl TlsListener {
    /// Serves TLS with `config` on the connections `tcp` accepts. Must be called inside a
    /// tokio runtime.
    pub fn new(tcp: TcpListener, config: Arc<ServerConfig>) -> io::Result<Self> {
        let local_addr = tcp.local_addr()?;
        let (tx, ready) = mpsc::channel(64);
        let acceptor = tokio::spawn(accept_forever(tcp, TlsAcceptor::from(config), tx));
        Ok(TlsListener { local_addr, ready, acceptor })
    }
}

impl Drop for TlsListener {
    /// Stops accepting when axum lets go of the listener (at shutdown); handshakes still in
    /// progress end when they find nobody to hand their connection to.
    fn drop(&mut self) {
        self.acceptor.abort();
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(conn) => conn,
            // The accepting task only ends when aborted, which only our own drop does.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        Ok(self.local_addr)
    }
}

async fn accept_forever(
    tcp: TcpListener,
    acceptor: TlsAcceptor,
    ready: mpsc::Sender<(TlsStream<TcpStream>, SocketAddr)>,
) {
    let slots = Arc::new(Semaphore::new(MAX_HANDSHAKES));
    loop {
        let Ok(slot) = slots.clone().acquire_owned().await else { return };
        let (stream, peer) = match tcp.accept().await {
            Ok(conn) => conn,
            Err(e) => {
                // As axum does for plain TCP: a reset before accept is the client's business;
                // anything else (out of file descriptors) is worth a pause before trying again.
                if !matches!(e.kind(), io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset) {
                    tracing::error!(error = %e, "accept error");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                continue;
            }
        };
        let acceptor = acceptor.clone();
        let ready = ready.clone();
        tokio::spawn(async move {
            let _slot = slot;
            match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                Ok(Ok(tls)) => {
                    let _ = ready.send((tls, peer)).await;
                }
                // Port scanners, plain-HTTP clients and clients that distrust the certificate
                // all end here; one line each at debug level is enough.
                Ok(Err(e)) => tracing::debug!(%peer, error = %e, "TLS handshake failed"),
                Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(dir: &Path, cert: &str, key: &str) -> TlsFiles {
        let (c, k) = (dir.join("cert.pem"), dir.join("key.pem"));
        std::fs::write(&c, cert).unwrap();
        std::fs::write(&k, key).unwrap();
        TlsFiles { cert: c, key: k }
    }

    #[test]
    fn a_missing_or_empty_file_is_named_in_the_error() {
        let dir = tempfile::tempdir().unwrap();
        let missing = TlsFiles { cert: dir.path().join("nope.pem"), key: dir.path().join("key.pem") };
        let e = server_config(&missing).unwrap_err().to_string();
        assert!(e.contains("cannot read") && e.contains("nope.pem"), "{e}");

        let empty = files(dir.path(), "not a certificate\n", "");
        let e = server_config(&empty).unwrap_err().to_string();
        assert!(e.contains("cert.pem holds no valid PEM certificate"), "{e}");
    }

    #[test]
    fn a_key_file_without_a_key_is_named_in_the_error() {
        let dir = tempfile::tempdir().unwrap();
        // Any well-formed PEM certificate block gets past the reader; the key is checked next.
        let cert = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        let e = server_config(&files(dir.path(), cert, "no key here\n")).unwrap_err().to_string();
        assert!(e.contains("key.pem holds no valid PEM private key"), "{e}");
    }
}
