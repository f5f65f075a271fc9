//! A certificate authority of the test's own, the certificates it issues, and clients that
//! trust it.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use breakroom::tls::TlsFiles;
use breakroom_protocol::ServerMsg;
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use tokio::net::TcpStream;
use tokio_tungstenite::Connector;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::common::Raw;

/// Every wait for a condition is bounded by this.
pub(crate) const BOUND: Duration = Duration::from_secs(20);

/// A certificate authority made for one test, and the certificates it issues.
pub(crate) struct Pki {
    pub(crate) ca: CertifiedIssuer<'static, KeyPair>,
}

/// A server certificate for 127.0.0.1 and localhost, with its key.
pub(crate) struct Leaf {
    pub(crate) cert_pem: String,
    pub(crate) key: KeyPair,
    pub(crate) der: Vec<u8>,
}

impl Pki {
    pub(crate) fn new() -> Pki {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, "breakroom test CA");
        let ca = CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap();
        Pki { ca }
    }

    /// A new certificate (a new key, serial and common name each time).
    pub(crate) fn leaf(&self, common_name: &str) -> Leaf {
        let mut params =
            CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).unwrap();
        params
            .distinguished_name
            .push(DnType::CommonName, common_name);
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.ca).unwrap();
        Leaf {
            cert_pem: cert.pem(),
            der: cert.der().to_vec(),
            key,
        }
    }

    /// A certificate with an RSA key, and the key as PKCS#1 PEM.
    pub(crate) fn rsa_leaf(&self) -> (Leaf, String) {
        use rsa::pkcs1::EncodeRsaPrivateKey;
        use rsa::pkcs8::EncodePrivateKey;
        let rsa = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).unwrap();
        let pkcs8 = rsa.to_pkcs8_pem(Default::default()).unwrap();
        let key = KeyPair::from_pkcs8_pem_and_sign_algo(&pkcs8, &rcgen::PKCS_RSA_SHA256).unwrap();
        let params = CertificateParams::new(vec!["127.0.0.1".to_owned()]).unwrap();
        let cert = params.signed_by(&key, &self.ca).unwrap();
        let pkcs1 = rsa.to_pkcs1_pem(Default::default()).unwrap().to_string();
        let leaf = Leaf {
            cert_pem: cert.pem(),
            der: cert.der().to_vec(),
            key,
        };
        (leaf, pkcs1)
    }

    /// A client configuration trusting this CA only (the `ring` provider, as the server).
    pub(crate) fn client_config(&self) -> rustls::ClientConfig {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(self.ca.der().clone()).unwrap();
        rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth()
    }

    pub(crate) fn https_client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .use_preconfigured_tls(self.client_config())
            .tls_info(true)
            .build()
            .unwrap()
    }

    /// The leaf certificate a NEW TLS connection to `addr` is shown.
    pub(crate) async fn served_cert(&self, addr: &str) -> Vec<u8> {
        let connector = tokio_rustls::TlsConnector::from(Arc::new(self.client_config()));
        let tcp = TcpStream::connect(addr).await.unwrap();
        let name = rustls::pki_types::ServerName::try_from("127.0.0.1").unwrap();
        let tls = connector.connect(name, tcp).await.unwrap();
        tls.get_ref().1.peer_certificates().unwrap()[0].to_vec()
    }

    /// Waits (bounded) until new connections are shown `want`.
    pub(crate) async fn until_served(&self, addr: &str, want: &[u8]) {
        let deadline = tokio::time::Instant::now() + BOUND;
        while self.served_cert(addr).await != want {
            assert!(
                tokio::time::Instant::now() < deadline,
                "the new certificate was not served within {BOUND:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Opens wss:// and says hello with `token`.
    pub(crate) async fn wss_hello(&self, addr: &str, token: &str) -> Raw {
        let mut req = format!("wss://{addr}/v1/ws").into_client_request().unwrap();
        req.headers_mut()
            .insert("Sec-WebSocket-Protocol", "breakroom.v1".parse().unwrap());
        let connector = Connector::Rustls(Arc::new(self.client_config()));
        let (ws, resp) =
            tokio_tungstenite::connect_async_tls_with_config(req, None, false, Some(connector))
                .await
                .unwrap();
        assert_eq!(resp.headers()["sec-websocket-protocol"], "breakroom.v1");
        let mut raw = Raw::from(ws);
        let welcome = raw.hello(token).await;
        assert!(matches!(welcome, ServerMsg::Welcome { .. }), "{welcome:?}");
        raw
    }
}

impl Leaf {
    /// The key as PKCS#8 PEM (`PRIVATE KEY`).
    pub(crate) fn pkcs8_pem(&self) -> String {
        self.key.serialize_pem()
    }

    /// The key as SEC1 PEM (`EC PRIVATE KEY`): the ECPrivateKey a PKCS#8 document wraps.
    pub(crate) fn sec1_pem(&self) -> String {
        let inner = pkcs8_inner(self.key.serialized_der());
        let b64 = base64::engine::general_purpose::STANDARD.encode(inner);
        let lines: Vec<&str> = b64
            .as_bytes()
            .chunks(64)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        format!(
            "-----BEGIN EC PRIVATE KEY-----\n{}\n-----END EC PRIVATE KEY-----\n",
            lines.join("\n")
        )
    }
}

/// The content of a PKCS#8 PrivateKeyInfo's `privateKey` OCTET STRING (DER, short or long
/// lengths): `SEQUENCE { INTEGER version, SEQUENCE algorithm, OCTET STRING privateKey, .. }`.
pub(crate) fn pkcs8_inner(der: &[u8]) -> Vec<u8> {
    pub(crate) fn header(b: &[u8]) -> (u8, usize, usize) {
        let tag = b[0];
        if b[1] < 0x80 {
            return (tag, 2, b[1] as usize);
        }
        let n = (b[1] & 0x7f) as usize;
        let len = b[2..2 + n].iter().fold(0usize, |l, &x| l << 8 | x as usize);
        (tag, 2 + n, len)
    }
    let (tag, h, _) = header(der);
    assert_eq!(tag, 0x30);
    let mut rest = &der[h..];
    for expected in [0x02, 0x30] {
        let (tag, h, len) = header(rest);
        assert_eq!(tag, expected);
        rest = &rest[h + len..];
    }
    let (tag, h, len) = header(rest);
    assert_eq!(tag, 0x04);
    rest[h..h + len].to_vec()
}

/// Writes a file the way certificate tools do: a temporary file renamed over the old one.
pub(crate) fn replace(path: &Path, text: &str) {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

/// Puts a new certificate in place of the served one: the key first, then the certificate.
pub(crate) fn install(files: &TlsFiles, leaf: &Leaf) {
    replace(&files.key, &leaf.pkcs8_pem());
    replace(&files.cert, &leaf.cert_pem);
}

pub(crate) fn write_pair(dir: &Path, leaf: &Leaf) -> TlsFiles {
    let files = TlsFiles {
        cert: dir.join("cert.pem"),
        key: dir.join("key.pem"),
    };
    replace(&files.cert, &leaf.cert_pem);
    replace(&files.key, &leaf.pkcs8_pem());
    files
}
