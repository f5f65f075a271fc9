//! HTTPS and WSS: `serve --tls-cert FILE --tls-key FILE`.
//!
//! - [`Certificates`] reads a PEM certificate chain and its private key (PKCS#8, RSA/PKCS#1 or
//!   SEC1) and hands the current pair to every new TLS handshake (it is rustls's certificate
//!   resolver). [`Certificates::reload`] swaps the pair; connections already open keep the one
//!   they were set up with.
//! - [`watch`] reloads on SIGHUP and when either file changes (its modification time, size or
//!   inode, polled every [`WATCH_INTERVAL`]: no extra crate, and it also sees a file replaced by
//!   a rename, as certificate tools and Kubernetes secrets do). A reload that fails leaves the
//!   previous certificate in place and logs why.
//! - [`TlsListener`] wraps the TCP listener: handshakes run concurrently (bounded, each within
//!   a timeout), so one slow client does not hold up the others, and axum serves what comes out
//!   of them exactly as it serves plain TCP: REST, the web app and the WebSocket upgrade alike.
//!
//! One crypto provider, rustls's `ring`, passed explicitly to the server configuration (never
//! installed process-wide): it is the provider the client SDK's `rustls` feature and reqwest
//! 0.12 use, so aws-lc-rs is never compiled.
//!
//! Invariant: no key material is ever logged or put in an error; errors name the files and
//! what is wrong with them.

mod listener;
mod reload;

use std::path::{Path, PathBuf};
use std::sync::{Arc, PoisonError, RwLock};

use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;

pub use listener::TlsListener;
pub use reload::{WATCH_INTERVAL, watch};

/// Where the certificate chain and its private key are read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// PEM certificate chain: the server's certificate first, then its intermediates.
    pub cert: PathBuf,
    /// PEM private key of the first certificate: PKCS#8, RSA (PKCS#1) or EC (SEC1).
    pub key: PathBuf,
}

/// Why a certificate or key could not be used. The messages name files, never their contents.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A file could not be read.
    #[error("reading the TLS {what} file {}: {source}", path.display())]
    Read {
        /// `certificate` or `key`.
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The certificate file holds no certificate, or broken PEM.
    #[error(
        "the TLS certificate file {} holds no usable certificate ({problem}); expected a PEM \
         chain: `-----BEGIN CERTIFICATE-----` blocks, the server's own certificate first",
        path.display()
    )]
    BadCert {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        problem: String,
    },
    /// The key file holds no private key, broken PEM, or a key rustls cannot sign with.
    #[error(
        "the TLS key file {} holds no usable private key ({problem}); expected one PEM key: \
         `PRIVATE KEY` (PKCS#8), `RSA PRIVATE KEY` or `EC PRIVATE KEY` (SEC1)",
        path.display()
    )]
    BadKey {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        problem: String,
    },
    /// The key is not the certificate's.
    #[error(
        "the TLS key in {} does not belong to the first certificate in {}",
        key.display(),
        cert.display()
    )]
    Mismatch {
        /// The certificate file.
        cert: PathBuf,
        /// The key file.
        key: PathBuf,
    },
    /// rustls refused the configuration.
    #[error("setting up TLS: {0}")]
    Config(#[from] rustls::Error),
}

/// The crypto provider of every TLS configuration of the server.
fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// What went wrong in a PEM file, in words (the parser's own message quotes raw bytes).
fn pem_problem(err: &pem::Error) -> String {
    match err {
        pem::Error::MissingSectionEnd { .. } => "a PEM block has no END line".into(),
        pem::Error::IllegalSectionStart { .. } => "a malformed PEM BEGIN line".into(),
        pem::Error::Base64Decode(_) => "a PEM block is not valid base64".into(),
        pem::Error::NoItemsFound => "no PEM block of that kind".into(),
        pem::Error::SectionTooLarge => "a PEM block is too large".into(),
        other => format!("unreadable PEM: {other}"),
    }
}

fn read(what: &'static str, path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| TlsError::Read {
        what,
        path: path.to_owned(),
        source,
    })
}

/// Reads and checks a certificate chain and its key.
pub fn load(files: &TlsFiles) -> Result<Arc<CertifiedKey>, TlsError> {
    let bad_cert = |problem: String| TlsError::BadCert {
        path: files.cert.clone(),
        problem,
    };
    let bad_key = |problem: String| TlsError::BadKey {
        path: files.key.clone(),
        problem,
    };
    let cert_pem = read("certificate", &files.cert)?;
    let chain = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad_cert(pem_problem(&e)))?;
    if chain.is_empty() {
        return Err(bad_cert("no `BEGIN CERTIFICATE` block".into()));
    }
    let key_pem = read("key", &files.key)?;
    let key = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|e| bad_key(pem_problem(&e)))?;
    let signing = provider()
        .key_provider
        .load_private_key(key)
        .map_err(|e| bad_key(e.to_string()))?;
    let certified = CertifiedKey::new(chain, signing);
    match certified.keys_match() {
        // `Unknown`: the key cannot tell its public half; rustls accepts that too.
        Ok(()) | Err(rustls::Error::InconsistentKeys(rustls::InconsistentKeys::Unknown)) => {}
        Err(rustls::Error::InconsistentKeys(_)) => {
            return Err(TlsError::Mismatch {
                cert: files.cert.clone(),
                key: files.key.clone(),
            });
        }
        Err(other) => return Err(bad_cert(other.to_string())),
    }
    Ok(Arc::new(certified))
}

/// The server's certificate and key: the pair every new handshake gets, swapped by
/// [`Certificates::reload`].
#[derive(Debug)]
pub struct Certificates {
    files: TlsFiles,
    current: RwLock<Arc<CertifiedKey>>,
}

impl Certificates {
    /// Reads the files; fails with what is wrong with them.
    pub fn load(files: TlsFiles) -> Result<Certificates, TlsError> {
        let current = RwLock::new(load(&files)?);
        Ok(Certificates { files, current })
    }

    /// The files this reads.
    pub fn files(&self) -> &TlsFiles {
        &self.files
    }

    /// The pair new handshakes get.
    pub fn current(&self) -> Arc<CertifiedKey> {
        self.current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Reads the files again and, if they are good, hands the new pair to new handshakes. On
    /// an error the previous pair stays.
    pub fn reload(&self) -> Result<(), TlsError> {
        let fresh = load(&self.files)?;
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = fresh;
        Ok(())
    }

    /// The rustls server configuration that takes its certificate from `certs`: TLS 1.2 and
    /// 1.3, HTTP/1.1 by ALPN (the server speaks HTTP/1.1, WebSocket upgrades included).
    pub fn server_config(certs: Arc<Certificates>) -> Result<Arc<rustls::ServerConfig>, TlsError> {
        let mut config = rustls::ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_cert_resolver(certs);
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Arc::new(config))
    }
}

impl ResolvesServerCert for Certificates {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.current())
    }
}
