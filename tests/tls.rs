//! HTTPS and WSS (`serve --tls-cert/--tls-key`): real sockets on 127.0.0.1, certificates made
//! at test time by a CA of the test's own, and the real binary for what happens to a running
//! process (reloads on SIGHUP and on a file change, a bad key at start, the plain-HTTP
//! warning).
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use breakroom::auth::{TokenKeys, TokenRole, TokenSpec};
use breakroom::tls::{TlsError, TlsFiles};
use breakroom_protocol::{ClientMsg, ServerMsg};
use common::{Raw, SECRET, Settings, TestServer};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use tokio::net::TcpStream;
use tokio_tungstenite::Connector;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// Every wait for a condition is bounded by this.
const BOUND: Duration = Duration::from_secs(20);

/// A certificate authority made for one test, and the certificates it issues.
struct Pki {
    ca: CertifiedIssuer<'static, KeyPair>,
}

/// A server certificate for 127.0.0.1 and localhost, with its key.
struct Leaf {
    cert_pem: String,
    key: KeyPair,
    der: Vec<u8>,
}

impl Pki {
    fn new() -> Pki {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, "breakroom test CA");
        let ca = CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap();
        Pki { ca }
    }

    /// A new certificate (a new key, serial and common name each time).
    fn leaf(&self, common_name: &str) -> Leaf {
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
    fn rsa_leaf(&self) -> (Leaf, String) {
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
    fn client_config(&self) -> rustls::ClientConfig {
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

    fn https_client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .use_preconfigured_tls(self.client_config())
            .tls_info(true)
            .build()
            .unwrap()
    }

    /// The leaf certificate a NEW TLS connection to `addr` is shown.
    async fn served_cert(&self, addr: &str) -> Vec<u8> {
        let connector = tokio_rustls::TlsConnector::from(Arc::new(self.client_config()));
        let tcp = TcpStream::connect(addr).await.unwrap();
        let name = rustls::pki_types::ServerName::try_from("127.0.0.1").unwrap();
        let tls = connector.connect(name, tcp).await.unwrap();
        tls.get_ref().1.peer_certificates().unwrap()[0].to_vec()
    }

    /// Waits (bounded) until new connections are shown `want`.
    async fn until_served(&self, addr: &str, want: &[u8]) {
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
    async fn wss_hello(&self, addr: &str, token: &str) -> Raw {
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
    fn pkcs8_pem(&self) -> String {
        self.key.serialize_pem()
    }

    /// The key as SEC1 PEM (`EC PRIVATE KEY`): the ECPrivateKey a PKCS#8 document wraps.
    fn sec1_pem(&self) -> String {
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
fn pkcs8_inner(der: &[u8]) -> Vec<u8> {
    fn header(b: &[u8]) -> (u8, usize, usize) {
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
fn replace(path: &Path, text: &str) {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

fn write_pair(dir: &Path, leaf: &Leaf) -> TlsFiles {
    let files = TlsFiles {
        cert: dir.join("cert.pem"),
        key: dir.join("key.pem"),
    };
    replace(&files.cert, &leaf.cert_pem);
    replace(&files.key, &leaf.pkcs8_pem());
    files
}

fn token(user: &str) -> String {
    let spec = TokenSpec {
        user: user.into(),
        name: format!("{user} Secretname"),
        email: None,
        room: None,
        role: TokenRole::Participant,
        grants: None,
    };
    TokenKeys::new("test-key", SECRET)
        .mint(spec, Duration::from_secs(600))
        .unwrap()
}

async fn tls_server(files: &TlsFiles, f: impl FnOnce(Settings) -> Settings) -> TestServer {
    let (cert, key) = (files.cert.clone(), files.key.clone());
    TestServer::start_with(move |s| {
        f(Settings {
            tls_cert: Some(cert),
            tls_key: Some(key),
            ..s
        })
    })
    .await
}

#[tokio::test]
async fn https_serves_the_rest_api_and_the_web_app_with_hsts() {
    let pki = Pki::new();
    let leaf = pki.leaf("first");
    let certs = tempfile::tempdir().unwrap();
    let files = write_pair(certs.path(), &leaf);
    let web = tempfile::tempdir().unwrap();
    std::fs::write(
        web.path().join("index.html"),
        "<title>breakroom app</title>",
    )
    .unwrap();
    let web_dir = web.path().to_owned();
    let server = tls_server(&files, |s| Settings {
        web_dir: Some(web_dir),
        ..s
    })
    .await;
    assert_eq!(server.server.scheme(), "https");
    let addr = server.server.addr();
    let client = pki.https_client();

    for (path, body_has) in [
        ("/v1/openapi.json", "\"openapi\""),
        ("/healthz", "ok"),
        ("/", "breakroom app"),
        ("/v1/nothing-here", "no such endpoint"),
    ] {
        let resp = client
            .get(format!("https://{addr}{path}"))
            .send()
            .await
            .unwrap();
        let tls = resp.extensions().get::<reqwest::tls::TlsInfo>().unwrap();
        assert_eq!(tls.peer_certificate(), Some(&leaf.der[..]), "{path}");
        assert_eq!(
            resp.headers()["strict-transport-security"],
            "max-age=31536000",
            "{path}: HSTS on every answer over TLS, errors included"
        );
        let body = resp.text().await.unwrap();
        assert!(body.contains(body_has), "{path}: {body}");
    }

    // Plain HTTP to a TLS port is not served.
    assert!(
        reqwest::get(format!("http://{addr}/healthz"))
            .await
            .is_err()
    );
}

#[tokio::test]
async fn hsts_max_age_is_configurable_and_never_sent_over_plain_http() {
    let pki = Pki::new();
    let certs = tempfile::tempdir().unwrap();
    let files = write_pair(certs.path(), &pki.leaf("first"));
    let server = tls_server(&files, |s| Settings {
        hsts_max_age_s: Some(600),
        ..s
    })
    .await;
    let resp = pki
        .https_client()
        .get(format!("https://{}/healthz", server.server.addr()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["strict-transport-security"], "max-age=600");

    let plain = TestServer::start().await;
    assert_eq!(plain.server.scheme(), "http");
    for path in ["/healthz", "/v1/openapi.json", "/v1/nothing-here"] {
        let resp = reqwest::get(plain.http_url(path)).await.unwrap();
        assert!(
            resp.headers().get("strict-transport-security").is_none(),
            "{path}: no HSTS over plain HTTP"
        );
    }
}

#[tokio::test]
async fn wss_completes_the_hello_and_answers_pings() {
    let pki = Pki::new();
    let certs = tempfile::tempdir().unwrap();
    let files = write_pair(certs.path(), &pki.leaf("first"));
    let server = tls_server(&files, |s| s).await;
    let addr = server.server.addr().to_string();
    let mut raw = pki
        .wss_hello(&addr, &server.token("ada", TokenRole::Participant))
        .await;
    raw.send(&ClientMsg::Ping { t0: 42 }).await;
    let pong = raw.until(|m| matches!(m, ServerMsg::Pong { .. })).await;
    assert!(matches!(pong, ServerMsg::Pong { t0: 42, .. }), "{pong:?}");
}

#[test]
fn keys_load_as_pkcs8_and_sec1_and_a_foreign_key_is_refused() {
    let pki = Pki::new();
    let leaf = pki.leaf("first");
    let dir = tempfile::tempdir().unwrap();
    let files = TlsFiles {
        cert: dir.path().join("cert.pem"),
        key: dir.path().join("key.pem"),
    };
    // A chain: the server's certificate, then the CA's (as an intermediate would be).
    std::fs::write(&files.cert, format!("{}{}", leaf.cert_pem, pki.ca.pem())).unwrap();
    for key in [leaf.pkcs8_pem(), leaf.sec1_pem()] {
        std::fs::write(&files.key, &key).unwrap();
        let loaded = breakroom::tls::load(&files)
            .unwrap_or_else(|e| panic!("{e}: {}", key.lines().next().unwrap()));
        assert_eq!(loaded.cert.len(), 2);
        assert_eq!(loaded.cert[0].as_ref(), &leaf.der[..]);
    }

    // RSA, as PKCS#1 (`RSA PRIVATE KEY`).
    let (leaf, pkcs1) = pki.rsa_leaf();
    std::fs::write(&files.cert, &leaf.cert_pem).unwrap();
    std::fs::write(&files.key, &pkcs1).unwrap();
    let loaded = breakroom::tls::load(&files).unwrap();
    assert_eq!(loaded.cert[0].as_ref(), &leaf.der[..]);

    std::fs::write(&files.key, pki.leaf("other").pkcs8_pem()).unwrap();
    let err = breakroom::tls::load(&files).unwrap_err();
    assert!(matches!(err, TlsError::Mismatch { .. }), "{err}");
    assert!(err.to_string().contains("does not belong"), "{err}");
}

#[tokio::test]
async fn an_rsa_key_serves_handshakes() {
    let pki = Pki::new();
    let (leaf, pkcs1) = pki.rsa_leaf();
    let dir = tempfile::tempdir().unwrap();
    let files = TlsFiles {
        cert: dir.path().join("cert.pem"),
        key: dir.path().join("key.pem"),
    };
    std::fs::write(&files.cert, &leaf.cert_pem).unwrap();
    std::fs::write(&files.key, &pkcs1).unwrap();
    let server = tls_server(&files, |s| s).await;
    let addr = server.server.addr().to_string();
    assert_eq!(pki.served_cert(&addr).await, leaf.der);
}

// ---- The real binary ------------------------------------------------------------------------

/// A running `breakroom serve`, killed when dropped.
struct Process {
    /// `None` once stopped.
    child: Option<std::process::Child>,
    /// `http` or `https`, from the listening line.
    scheme: String,
    addr: String,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Drop for Process {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn serve_command(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_breakroom"));
    cmd.arg("serve")
        .args(args)
        .env("BREAKROOM_DATA_DIR", dir)
        .env("BREAKROOM_API_KEY", "test-key")
        .env("BREAKROOM_API_SECRET", SECRET)
        .env("BREAKROOM_LOG", "info")
        .env_remove("BREAKROOM_LISTEN")
        .env_remove("BREAKROOM_BEHIND_PROXY");
    cmd
}

/// Starts the binary and waits (bounded) for its "listening" line.
async fn spawn(args: &[&str]) -> Process {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("server.log");
    let mut child = serve_command(dir.path(), args)
        .stdout(Stdio::piped())
        .stderr(Stdio::from(std::fs::File::create(&log).unwrap()))
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let line = tokio::time::timeout(
        BOUND,
        tokio::task::spawn_blocking(move || {
            let mut line = String::new();
            BufReader::new(stdout).read_line(&mut line).unwrap();
            line
        }),
    )
    .await
    .expect("the server did not start in time")
    .unwrap();
    assert!(
        line.starts_with("breakroom listening on "),
        "no listening line: {line:?}; log: {}",
        std::fs::read_to_string(&log).unwrap()
    );
    let (scheme, addr) = line.trim()["breakroom listening on ".len()..]
        .split_once("://")
        .unwrap();
    let (scheme, addr) = (scheme.to_owned(), addr.to_owned());
    Process {
        child: Some(child),
        scheme,
        addr,
        log,
        _dir: dir,
    }
}

impl Process {
    fn logs(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap()
    }

    /// Waits (bounded) until the log holds `needle` `times` times.
    async fn until_logged(&self, needle: &str, times: usize) {
        let deadline = tokio::time::Instant::now() + BOUND;
        while self.logs().matches(needle).count() < times {
            assert!(
                tokio::time::Instant::now() < deadline,
                "`{needle}` not logged {times} times within {BOUND:?}: {}",
                self.logs()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn signal(&self, name: &str) {
        let pid = self.child.as_ref().unwrap().id().to_string();
        let status = Command::new("kill").args([name, &pid]).status().unwrap();
        assert!(status.success());
    }

    fn hangup(&self) {
        self.signal("-HUP");
    }

    /// The same process still runs (its pid is the one the signals went to).
    fn still_running(&mut self) {
        let exited = self.child.as_mut().unwrap().try_wait().unwrap();
        assert!(exited.is_none(), "the server exited: {}", self.logs());
    }

    /// Stops the server with SIGTERM and returns its log.
    async fn stop(mut self) -> String {
        self.signal("-TERM");
        let mut child = self.child.take().unwrap();
        let exit = tokio::time::timeout(
            BOUND,
            tokio::task::spawn_blocking(move || child.wait().unwrap()),
        )
        .await
        .expect("the server did not stop in time")
        .unwrap();
        assert!(exit.success(), "{exit:?}");
        self.logs()
    }
}

fn tls_args(files: &TlsFiles) -> Vec<String> {
    vec![
        "--listen".into(),
        "127.0.0.1:0".into(),
        "--tls-cert".into(),
        files.cert.display().to_string(),
        "--tls-key".into(),
        files.key.display().to_string(),
    ]
}

fn strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

#[tokio::test]
async fn sighup_reloads_the_certificate_and_open_connections_go_on() {
    let pki = Pki::new();
    let certs = tempfile::tempdir().unwrap();
    let first = pki.leaf("first");
    let files = write_pair(certs.path(), &first);
    let mut server = spawn(&strs(&tls_args(&files))).await;
    let addr = server.addr.clone();
    assert_eq!(pki.served_cert(&addr).await, first.der);

    // Connections opened before the reload: an HTTPS keep-alive one and a wss one.
    let client = pki.https_client();
    let url = format!("https://{addr}/healthz");
    let seen = |resp: &reqwest::Response| {
        resp.extensions()
            .get::<reqwest::tls::TlsInfo>()
            .unwrap()
            .peer_certificate()
            .unwrap()
            .to_vec()
    };
    let resp = client.get(&url).send().await.unwrap();
    assert_eq!(seen(&resp), first.der);
    resp.text().await.unwrap();
    let ada = token("ada");
    let mut ws = pki.wss_hello(&addr, &ada).await;

    // The reload is silent until asked: the files change only at the next write below, and
    // SIGHUP picks the new pair up at once.
    let second = pki.leaf("second");
    replace(&files.key, &second.pkcs8_pem());
    replace(&files.cert, &second.cert_pem);
    server.hangup();
    pki.until_served(&addr, &second.der).await;
    server.still_running();

    // The keep-alive connection is the same one (it still shows the first certificate), and
    // it still answers; so does the wss one.
    let resp = client.get(&url).send().await.unwrap();
    assert_eq!(seen(&resp), first.der, "the open connection was kept");
    assert_eq!(resp.text().await.unwrap(), "ok");
    ws.send(&ClientMsg::Ping { t0: 7 }).await;
    let pong = ws.until(|m| matches!(m, ServerMsg::Pong { .. })).await;
    assert!(matches!(pong, ServerMsg::Pong { t0: 7, .. }), "{pong:?}");
    // A new client gets the new certificate.
    let resp = pki.https_client().get(&url).send().await.unwrap();
    assert_eq!(seen(&resp), second.der);

    let logs = server.stop().await;
    assert!(logs.contains("TLS certificate reloaded"), "{logs}");
    for secret in [first.pkcs8_pem(), second.pkcs8_pem()] {
        let body = secret.lines().nth(1).unwrap();
        assert!(!logs.contains(body), "key material in the log");
    }
    assert!(!logs.contains(&ada), "a token in the log");
}

#[tokio::test]
async fn a_changed_file_is_reloaded_without_a_signal() {
    let pki = Pki::new();
    let certs = tempfile::tempdir().unwrap();
    let first = pki.leaf("first");
    let files = write_pair(certs.path(), &first);
    let mut server = spawn(&strs(&tls_args(&files))).await;
    assert_eq!(pki.served_cert(&server.addr).await, first.der);

    let second = pki.leaf("second");
    replace(&files.key, &second.pkcs8_pem());
    replace(&files.cert, &second.cert_pem);
    // Polled every `WATCH_INTERVAL` (2 s): within the bound, with room to spare.
    pki.until_served(&server.addr, &second.der).await;
    server.still_running();
    server.until_logged("trigger=\"file change\"", 1).await;
}

#[tokio::test]
async fn a_broken_replacement_keeps_the_previous_certificate() {
    let pki = Pki::new();
    let certs = tempfile::tempdir().unwrap();
    let first = pki.leaf("first");
    let files = write_pair(certs.path(), &first);
    let mut server = spawn(&strs(&tls_args(&files))).await;
    let addr = server.addr.clone();

    // A truncated certificate, then a key of another certificate: each reload fails.
    let cases = [
        ("cert", "-----BEGIN CERTIFICATE-----\nMIIB\n".to_owned()),
        ("key", pki.leaf("other").pkcs8_pem()),
    ];
    for (n, (which, text)) in cases.iter().enumerate() {
        replace(&files.cert, &first.cert_pem);
        replace(&files.key, &first.pkcs8_pem());
        let path = if *which == "cert" {
            &files.cert
        } else {
            &files.key
        };
        replace(path, text);
        server.hangup();
        server
            .until_logged("TLS certificate reload failed", n + 1)
            .await;
        assert_eq!(pki.served_cert(&addr).await, first.der, "{which}");
        server.still_running();
    }
    let logs = server.logs();
    assert!(logs.contains("does not belong"), "{logs}");
    assert!(
        logs.contains("still serving the previous certificate"),
        "{logs}"
    );
    let key_body = cases[1].1.lines().nth(1).unwrap();
    assert!(!logs.contains(key_body), "key material in the log");

    // Good files again: served.
    let third = pki.leaf("third");
    replace(&files.key, &third.pkcs8_pem());
    replace(&files.cert, &third.cert_pem);
    server.hangup();
    pki.until_served(&addr, &third.der).await;
}

#[tokio::test]
async fn a_bad_certificate_or_key_stops_the_start_with_a_clear_message() {
    let pki = Pki::new();
    let certs = tempfile::tempdir().unwrap();
    let files = write_pair(certs.path(), &pki.leaf("first"));
    let garbage = certs.path().join("garbage.pem");
    std::fs::write(&garbage, "not a key\n").unwrap();
    let missing = certs.path().join("missing.pem");
    let other_key = certs.path().join("other-key.pem");
    std::fs::write(&other_key, pki.leaf("other").pkcs8_pem()).unwrap();
    let cert = files.cert.display().to_string();
    let key = files.key.display().to_string();
    let garbage = garbage.display().to_string();
    let missing = missing.display().to_string();
    let other_key = other_key.display().to_string();

    for (cert, key, says) in [
        (&cert, &garbage, "holds no usable private key"),
        (&cert, &missing, "reading the TLS key file"),
        (&garbage, &key, "holds no usable certificate"),
        (&missing, &key, "reading the TLS certificate file"),
        (
            &cert,
            &other_key,
            "does not belong to the first certificate",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let args = [
            "--listen",
            "127.0.0.1:0",
            "--tls-cert",
            cert,
            "--tls-key",
            key,
        ];
        let mut cmd = serve_command(dir.path(), &args);
        let out = tokio::time::timeout(
            BOUND,
            tokio::task::spawn_blocking(move || cmd.output().unwrap()),
        )
        .await
        .expect("the server neither started nor failed in time")
        .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{says}: it started");
        assert!(stderr.contains(says), "{says}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(out.stdout.is_empty(), "{says}: it said it listens");
    }

    // One without the other is refused.
    let dir = tempfile::tempdir().unwrap();
    let out = serve_command(dir.path(), &["--tls-cert", &cert])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("set both the TLS certificate and its key"),
        "{stderr}"
    );
}

#[tokio::test]
async fn the_config_file_sets_tls_and_the_proxy_and_flags_merge_with_it() {
    let pki = Pki::new();
    let certs = tempfile::tempdir().unwrap();
    let leaf = pki.leaf("first");
    let files = write_pair(certs.path(), &leaf);
    let toml = |name: &str, body: String| {
        let path = certs.path().join(format!("{name}.toml"));
        std::fs::write(&path, body).unwrap();
        path.display().to_string()
    };
    let tls_conf = toml(
        "tls",
        format!(
            "listen = \"0.0.0.0:0\"\ntls_cert = {:?}\ntls_key = {:?}\nhsts_max_age_s = 60\n",
            files.cert.display().to_string(),
            files.key.display().to_string(),
        ),
    );
    let server = spawn(&["--config", &tls_conf]).await;
    assert_eq!(server.scheme, "https");
    let addr = server.addr.replace("0.0.0.0", "127.0.0.1");
    assert_eq!(pki.served_cert(&addr).await, leaf.der);
    let resp = pki
        .https_client()
        .get(format!("https://{addr}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["strict-transport-security"], "max-age=60");
    let logs = server.stop().await;
    assert!(!logs.contains("serving PLAIN HTTP"), "{logs}");

    // The certificate from a flag, its key from the file.
    let key_conf = toml(
        "key",
        format!("tls_key = {:?}\n", files.key.display().to_string()),
    );
    let cert = files.cert.display().to_string();
    let server = spawn(&[
        "--config",
        &key_conf,
        "--listen",
        "127.0.0.1:0",
        "--tls-cert",
        &cert,
    ])
    .await;
    assert_eq!(server.scheme, "https");
    assert_eq!(pki.served_cert(&server.addr).await, leaf.der);
    drop(server);

    let proxy_conf = toml(
        "proxy",
        "listen = \"0.0.0.0:0\"\nbehind_proxy = true\n".into(),
    );
    let server = spawn(&["--config", &proxy_conf]).await;
    assert_eq!(server.scheme, "http");
    let logs = server.stop().await;
    assert!(!logs.contains("serving PLAIN HTTP"), "{logs}");
}

#[tokio::test]
async fn plain_http_on_a_non_loopback_address_warns_unless_behind_a_proxy() {
    let pki = Pki::new();
    let certs = tempfile::tempdir().unwrap();
    let files = write_pair(certs.path(), &pki.leaf("first"));
    let mut on_all_with_tls = tls_args(&files);
    on_all_with_tls[1] = "0.0.0.0:0".into();
    let cases: [(&[&str], bool); 5] = [
        (&["--listen", "0.0.0.0:0"], true),
        (&["--listen", "0.0.0.0:0", "--behind-proxy"], false),
        (&["--listen", "127.0.0.1:0"], false),
        (&["--listen", "127.0.0.1:0", "--dev"], false),
        (&strs(&on_all_with_tls), false),
    ];
    for (args, warns) in cases {
        let server = spawn(args).await;
        let logs = server.stop().await;
        assert_eq!(
            logs.contains("serving PLAIN HTTP"),
            warns,
            "{args:?}: {logs}"
        );
        if warns {
            assert!(logs.contains("--behind-proxy"), "{logs}");
            assert!(logs.contains("--tls-cert"), "{logs}");
        }
    }
}
