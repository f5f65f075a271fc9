//! The web app: the files of the built app (`web_dir`, default `client-sdk/web/dist`) served at
//! `/`, with an SPA fallback (`/`, `/host`, `/join/{code}` and `/view/{code}` all answer
//! `index.html`), content types for MediaPipe's files, long cache lifetimes for hashed assets,
//! and a Content-Security-Policy that allows only this origin.
//!
//! Paths under `/v1` are never the app's: an unknown one stays a 404 problem.

use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tower::ServiceExt;
use tower_http::services::ServeDir;

use crate::problem::Problem;

/// The command that builds the app, quoted when it is missing.
pub const BUILD_COMMAND: &str =
    "npm --prefix client-sdk/web ci && npm --prefix client-sdk/web run build";

/// Where the app's files are.
#[derive(Debug, Clone)]
struct Web {
    dir: PathBuf,
}

/// The app's routes: the SPA pages, and a fallback serving the app's files (which answers a
/// 404 problem for anything else, `/v1/...` included). Merge it into the server's router
/// after every other route.
pub fn routes<S: Clone + Send + Sync + 'static>(dir: PathBuf) -> Router<S> {
    let web = Arc::new(Web { dir });
    Router::new()
        .route("/", get(index))
        .route("/host", get(index))
        .route("/join", get(index))
        .route("/join/{code}", get(index))
        .route("/view", get(index))
        .route("/view/{code}", get(index))
        .fallback(asset)
        .with_state(web)
}

/// `index.html`, or a 503 problem saying how to build the app.
async fn index(State(web): State<Arc<Web>>, headers: HeaderMap) -> Response {
    let path = web.dir.join("index.html");
    match tokio::fs::read(&path).await {
        Ok(html) => {
            let mut resp = (
                [
                    (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                    (header::CACHE_CONTROL, "no-cache"),
                ],
                html,
            )
                .into_response();
            secure(resp.headers_mut(), &headers);
            resp
        }
        Err(_) => Problem::unavailable(format!(
            "the web app is not built: no index.html in {}. Build it with `{BUILD_COMMAND}`, \
             or point --web-dir (BREAKROOM_WEB_DIR) at a built copy",
            web.dir.display()
        ))
        .into_response(),
    }
}

/// One of the app's files, with its content type and cache lifetime; a 404 problem otherwise.
async fn asset(State(web): State<Arc<Web>>, req: Request) -> Response {
    let path = req.uri().path().to_owned();
    if path == "/v1" || path.starts_with("/v1/") {
        return Problem::not_found("no such endpoint").into_response();
    }
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return Problem::not_found("no such endpoint").into_response();
    }
    let request_headers = req.headers().clone();
    // Directories are not listed and `dir/index.html` is not served for `dir/`: the app has
    // one page, at the SPA routes.
    if path.ends_with('/') {
        return Problem::not_found("no such endpoint").into_response();
    }
    let served = ServeDir::new(&web.dir)
        .append_index_html_on_directories(false)
        .oneshot(req)
        .await;
    let resp = match served {
        Ok(resp) => resp.map(Body::new),
        Err(never) => match never {},
    };
    let status = resp.status();
    if status == StatusCode::NOT_FOUND {
        return Problem::not_found("no such endpoint").into_response();
    }
    let mut resp = resp;
    if status.is_success() || status == StatusCode::NOT_MODIFIED {
        if let Some(kind) = content_type(&path) {
            resp.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
        }
        resp.headers_mut().insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(cache_control(&path)),
        );
    }
    secure(resp.headers_mut(), &request_headers);
    resp
}

/// Content types that the extension guess gets wrong or does not know.
fn content_type(path: &str) -> Option<&'static str> {
    let ext = path.rsplit_once('.').map(|(_, e)| e)?;
    Some(match ext {
        "wasm" => "application/wasm",
        "tflite" | "binarypb" | "data" => "application/octet-stream",
        "webmanifest" => "application/manifest+json",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "svg" => "image/svg+xml",
        _ => return None,
    })
}

/// Hashed build outputs (`/assets/name-HASH.ext`) never change; MediaPipe's files change only
/// with its version; everything else (the service worker, the manifest) is revalidated.
fn cache_control(path: &str) -> &'static str {
    if path.starts_with("/assets/") {
        "public, max-age=31536000, immutable"
    } else if path.starts_with("/mediapipe/") {
        "public, max-age=86400"
    } else {
        "no-cache"
    }
}

/// The Content-Security-Policy of the app: this origin only, no CDN. `'wasm-unsafe-eval'` lets
/// MediaPipe compile its WebAssembly; `blob:` workers and media are the camera preview's.
pub fn content_security_policy(host: Option<&str>) -> String {
    // `'self'` covers ws(s) to the same host in current browsers; older ones need it spelled.
    let sockets = host
        .filter(|h| {
            !h.is_empty()
                && h.len() <= 255
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        })
        .map(|h| format!(" ws://{h} wss://{h}"))
        .unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
         connect-src 'self'{sockets}; img-src 'self' data: blob:; media-src 'self' blob:; \
         worker-src 'self' blob:; style-src 'self'; font-src 'self'; manifest-src 'self'; \
         object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// Headers every answer of the app carries.
fn secure(out: &mut HeaderMap, request: &HeaderMap) {
    let host = request.get(header::HOST).and_then(|h| h.to_str().ok());
    if let Ok(csp) = HeaderValue::from_str(&content_security_policy(host)) {
        out.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    // The camera (pose games) and the microphone (the sound exercise, counted on the device),
    // for the app's own pages only.
    out.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(self), microphone=(self), geolocation=()"),
    );
    out.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    out.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mediapipe_files_get_binary_types() {
        assert_eq!(content_type("/mediapipe/x.wasm"), Some("application/wasm"));
        for f in ["a.tflite", "b.binarypb", "c.data"] {
            assert_eq!(content_type(f), Some("application/octet-stream"));
        }
        assert_eq!(content_type("/favicon.ico"), None);
    }

    #[test]
    fn a_forged_host_does_not_reach_the_policy() {
        let csp = content_security_policy(Some("evil; script-src *"));
        assert!(!csp.contains("evil"), "{csp}");
        let csp = content_security_policy(Some("127.0.0.1:7878"));
        assert!(
            csp.contains("ws://127.0.0.1:7878 wss://127.0.0.1:7878"),
            "{csp}"
        );
    }
}
