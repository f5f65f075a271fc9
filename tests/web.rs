//! The web app over real sockets: `index.html` at the SPA routes, the app's files with their
//! content types and cache lifetimes, a 503 problem that says how to build the app when it is
//! not built, the security headers, and the API still answering beside it.
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use common::{Settings, TestServer};
use serde_json::Value;

const INDEX: &str = "<!doctype html><title>breakroom test app</title>";

/// A server whose `web_dir` is a built app: `index.html`, a hashed asset, MediaPipe files.
async fn with_app() -> (TestServer, tempfile::TempDir) {
    let web = tempfile::tempdir().unwrap();
    std::fs::write(web.path().join("index.html"), INDEX).unwrap();
    std::fs::create_dir_all(web.path().join("assets")).unwrap();
    std::fs::write(web.path().join("assets/app-1A2B3C4D.js"), "console.log(1)").unwrap();
    std::fs::create_dir_all(web.path().join("mediapipe")).unwrap();
    for f in [
        "pose_solution_simd_wasm_bin.wasm",
        "pose_landmark_lite.tflite",
        "pose_web.binarypb",
        "pose_solution_packed_assets.data",
    ] {
        std::fs::write(web.path().join("mediapipe").join(f), [0u8, 1, 2, 3]).unwrap();
    }
    std::fs::write(web.path().join("manifest.webmanifest"), "{}").unwrap();
    let dir = web.path().to_path_buf();
    let srv = TestServer::start_with(|s| Settings {
        web_dir: Some(dir),
        ..s
    })
    .await;
    (srv, web)
}

async fn get(srv: &TestServer, path: &str) -> reqwest::Response {
    reqwest::get(srv.http_url(path)).await.unwrap()
}

fn header(resp: &reqwest::Response, name: &str) -> String {
    resp.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

#[tokio::test]
async fn index_is_served_at_every_page_of_the_app() {
    let (srv, _web) = with_app().await;
    for path in [
        "/",
        "/host",
        "/host?name=Fia",
        "/join/ABCD-EFGH",
        "/view/ABCD-EFGH",
    ] {
        let resp = get(&srv, path).await;
        assert_eq!(resp.status(), 200, "{path}");
        assert_eq!(
            header(&resp, "content-type"),
            "text/html; charset=utf-8",
            "{path}"
        );
        assert_eq!(header(&resp, "cache-control"), "no-cache", "{path}");
        assert_eq!(resp.text().await.unwrap(), INDEX, "{path}");
    }
}

#[tokio::test]
async fn assets_have_their_content_types_and_cache_lifetimes() {
    let (srv, _web) = with_app().await;
    let resp = get(&srv, "/assets/app-1A2B3C4D.js").await;
    assert_eq!(resp.status(), 200);
    assert!(header(&resp, "content-type").starts_with("text/javascript"));
    assert!(header(&resp, "cache-control").contains("immutable"));
    assert_eq!(resp.text().await.unwrap(), "console.log(1)");

    for (file, kind) in [
        ("pose_solution_simd_wasm_bin.wasm", "application/wasm"),
        ("pose_landmark_lite.tflite", "application/octet-stream"),
        ("pose_web.binarypb", "application/octet-stream"),
        (
            "pose_solution_packed_assets.data",
            "application/octet-stream",
        ),
    ] {
        let resp = get(&srv, &format!("/mediapipe/{file}")).await;
        assert_eq!(resp.status(), 200, "{file}");
        assert_eq!(header(&resp, "content-type"), kind, "{file}");
        assert_eq!(resp.bytes().await.unwrap().as_ref(), [0, 1, 2, 3]);
    }

    let resp = get(&srv, "/manifest.webmanifest").await;
    assert_eq!(header(&resp, "content-type"), "application/manifest+json");
    assert_eq!(header(&resp, "cache-control"), "no-cache");
}

#[tokio::test]
async fn the_pages_carry_a_same_origin_content_security_policy() {
    let (srv, _web) = with_app().await;
    for path in ["/", "/join/ABCD-EFGH", "/assets/app-1A2B3C4D.js"] {
        let resp = get(&srv, path).await;
        let csp = header(&resp, "content-security-policy");
        assert!(csp.contains("default-src 'self'"), "{path}: {csp}");
        assert!(
            csp.contains("script-src 'self' 'wasm-unsafe-eval'"),
            "{csp}"
        );
        let addr = srv.server.addr();
        assert!(csp.contains(&format!("ws://{addr}")), "{csp}");
        assert!(csp.contains("media-src 'self' blob:"), "{csp}");
        assert!(csp.contains("worker-src 'self' blob:"), "{csp}");
        assert!(!csp.contains("http"), "no other origin: {csp}");
        assert!(header(&resp, "permissions-policy").contains("camera=(self)"));
        assert!(header(&resp, "permissions-policy").contains("microphone=(self)"));
    }
}

#[tokio::test]
async fn an_unbuilt_app_answers_a_problem_that_says_how_to_build_it() {
    let empty = tempfile::tempdir().unwrap();
    let dir = empty.path().to_path_buf();
    let srv = TestServer::start_with(|s| Settings {
        web_dir: Some(dir),
        ..s
    })
    .await;
    for path in ["/", "/join/ABCD-EFGH"] {
        let resp = get(&srv, path).await;
        assert_eq!(resp.status(), 503, "{path}");
        assert_eq!(header(&resp, "content-type"), "application/problem+json");
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["status"], 503);
        let detail = body["detail"].as_str().unwrap();
        assert!(
            detail.contains("npm --prefix client-sdk/web run build"),
            "{detail}"
        );
    }
    // The API does not depend on the app.
    assert_eq!(get(&srv, "/healthz").await.status(), 200);
    assert_eq!(get(&srv, "/v1/exercises").await.status(), 200);
}

#[tokio::test]
async fn the_api_and_unknown_paths_are_unchanged_beside_the_app() {
    let (srv, _web) = with_app().await;
    for path in ["/healthz", "/readyz", "/metrics", "/v1/exercises"] {
        assert_eq!(get(&srv, path).await.status(), 200, "{path}");
    }
    for path in [
        "/v1/nothing",
        "/v1/rooms/x/y/z",
        "/v1",
        "/nothing.js",
        "/assets/",
        "/../Cargo.toml",
    ] {
        let resp = get(&srv, path).await;
        assert_eq!(resp.status(), 404, "{path}");
        assert_eq!(
            header(&resp, "content-type"),
            "application/problem+json",
            "{path}"
        );
    }
    // The pages are read-only.
    let resp = reqwest::Client::new()
        .post(srv.http_url("/host"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 405);
    assert_eq!(header(&resp, "content-type"), "application/problem+json");
}
