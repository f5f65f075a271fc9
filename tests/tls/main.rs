//! HTTPS and WSS (`serve --tls-cert/--tls-key`): real sockets on 127.0.0.1, certificates made
//! at test time by a CA of the test's own, and the real binary for what happens to a running
//! process (reloads on SIGHUP and on a file change, a bad key at start, the plain-HTTP
//! warning).
#![allow(missing_docs, clippy::unwrap_used)]

#[path = "../common/mod.rs"]
mod common;
mod pki;
mod process;
mod running;

use breakroom::auth::TokenRole;
use breakroom::tls::{TlsError, TlsFiles};
use breakroom_protocol::{ClientMsg, ServerMsg};
use common::{Settings, TestServer};
use pki::{Pki, write_pair};

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
