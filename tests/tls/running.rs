//! What happens to a running server: reloads on SIGHUP and on a file change, broken
//! replacements, bad files at start, the config file, the plain-HTTP warning.

use breakroom_protocol::{ClientMsg, ServerMsg};

use breakroom::tls::TlsFiles;

use crate::pki::{BOUND, Leaf, Pki, install, replace, write_pair};
use crate::process::{Process, serve_command, spawn, strs, tls_args, token};

/// A server running with the certificate `first`, from files in a folder of their own.
struct Serving {
    pki: Pki,
    /// Holds the files while the server runs.
    _certs: tempfile::TempDir,
    first: Leaf,
    files: TlsFiles,
    server: Process,
}

impl Serving {
    async fn start() -> Serving {
        let pki = Pki::new();
        let certs = tempfile::tempdir().unwrap();
        let first = pki.leaf("first");
        let files = write_pair(certs.path(), &first);
        let server = spawn(&strs(&tls_args(&files))).await;
        Serving {
            pki,
            _certs: certs,
            first,
            files,
            server,
        }
    }
}

#[tokio::test]
async fn sighup_reloads_the_certificate_and_open_connections_go_on() {
    let Serving {
        pki,
        _certs,
        first,
        files,
        mut server,
    } = Serving::start().await;
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
    install(&files, &second);
    server.hangup();
    pki.until_served(&addr, &second.der).await;
    // The file watcher may have been first; the SIGHUP reloads all the same.
    server
        .until_logged(
            "TLS certificate reloaded; new connections get it trigger=\"SIGHUP\"",
            1,
        )
        .await;
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
    let Serving {
        pki,
        _certs,
        first,
        files,
        mut server,
    } = Serving::start().await;
    assert_eq!(pki.served_cert(&server.addr).await, first.der);

    let second = pki.leaf("second");
    install(&files, &second);
    // Polled every `WATCH_INTERVAL` (2 s): within the bound, with room to spare.
    pki.until_served(&server.addr, &second.der).await;
    server.still_running();
    server
        .until_logged(
            "TLS certificate reloaded; new connections get it trigger=\"file change\"",
            1,
        )
        .await;
}

#[tokio::test]
async fn a_broken_replacement_keeps_the_previous_certificate() {
    let Serving {
        pki,
        _certs,
        first,
        files,
        mut server,
    } = Serving::start().await;
    let addr = server.addr.clone();

    // A truncated certificate, then a key of another certificate: each reload fails. (The
    // file watcher may see a change before the SIGHUP does: each case waits for its own
    // error, not for a count.)
    let cases = [
        (
            "cert",
            "-----BEGIN CERTIFICATE-----\nMIIB\n".to_owned(),
            "holds no usable certificate",
        ),
        ("key", pki.leaf("other").pkcs8_pem(), "does not belong"),
    ];
    for (which, text, error) in &cases {
        replace(&files.cert, &first.cert_pem);
        replace(&files.key, &first.pkcs8_pem());
        let path = if *which == "cert" {
            &files.cert
        } else {
            &files.key
        };
        replace(path, text);
        server.hangup();
        server.until_logged(error, 1).await;
        assert_eq!(pki.served_cert(&addr).await, first.der, "{which}");
        server.still_running();
    }
    let logs = server.logs();
    assert!(
        logs.contains("TLS certificate reload failed; still serving the previous certificate"),
        "{logs}"
    );
    let key_body = cases[1].1.lines().nth(1).unwrap();
    assert!(!logs.contains(key_body), "key material in the log");

    // Good files again: served.
    let third = pki.leaf("third");
    install(&files, &third);
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
