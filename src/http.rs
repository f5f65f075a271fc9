//! The HTTP surface: REST under `/v1`, the WebSocket endpoint, health, readiness, metrics and
//! the web app ([`crate::web`]).
//! Every error is an RFC 9457 problem document.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use breakroom_protocol::Program;
use breakroom_rooms::{Catalogue, RoomError};
use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;

use crate::auth::{Claims, TokenRole, TokenSpec};
use crate::hub::{Hub, display_code, normalize_code};
use crate::problem::Problem;
use crate::room_actor::RoomCmd;

/// The router of a server.
pub fn router(hub: Arc<Hub>) -> Router {
    let mut v1 = Router::new()
        .route("/ws", get(crate::ws::upgrade))
        .route("/rooms", post(create_room))
        .route("/rooms/{code}", get(get_room))
        .route("/rooms/{code}/sessions", get(room_sessions))
        .route("/sessions/{id}", get(get_session))
        .route("/exercises", get(exercises))
        .fallback(|| async { Problem::not_found("no such endpoint") });
    if hub.config.dev {
        v1 = v1.route("/dev/token", post(dev_token));
    }
    Router::new()
        .nest("/v1", v1)
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        // The web app, last: its pages, its files, and a 404 problem for anything else.
        .merge(crate::web::routes(hub.config.web_dir.clone()))
        .layer(axum::middleware::map_response(problem_for_bare_errors))
        .with_state(hub)
}

/// Turns the errors axum answers by itself (405, rejected bodies) into problem documents, so
/// that every HTTP error is one. Other headers, such as `Allow`, are kept.
async fn problem_for_bare_errors(resp: Response) -> Response {
    let status = resp.status();
    let is_problem = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes() == crate::problem::CONTENT_TYPE.as_bytes());
    if is_problem || !(status.is_client_error() || status.is_server_error()) {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    // axum's own error bodies are one short line of text.
    let text = axum::body::to_bytes(body, 1024)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
        .unwrap_or_default();
    let detail = if text.is_empty() {
        match status {
            StatusCode::METHOD_NOT_ALLOWED => "this endpoint does not take that method".to_owned(),
            _ => status.canonical_reason().unwrap_or("error").to_owned(),
        }
    } else {
        text
    };
    let slug = status
        .canonical_reason()
        .unwrap_or("error")
        .to_ascii_lowercase()
        .replace(' ', "-");
    let problem = Problem::new(status, &slug, detail).into_response();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.extend(problem.headers().clone());
    Response::from_parts(parts, problem.into_body())
}

/// The bearer token's claims, or a 401 problem.
fn bearer(hub: &Hub, headers: &HeaderMap) -> Result<Claims, Problem> {
    // The scheme is case-insensitive (RFC 9110 §11.1).
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("Bearer"))
        .map(|(_, token)| token.trim())
        .ok_or_else(|| Problem::unauthorized("send `Authorization: Bearer <access token>`"))?;
    hub.keys
        .verify(token)
        .map_err(|e| Problem::unauthorized(e.to_string()))
}

/// `POST /v1/rooms` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateRoom {
    program: Program,
    #[serde(default)]
    capacity: Option<u16>,
}

/// `POST /v1/rooms` answer.
#[derive(Debug, Serialize)]
struct RoomCreated {
    code: String,
    session: String,
    join_url: String,
    ws_url: String,
}

fn json_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, Problem> {
    serde_json::from_slice(body).map_err(|e| Problem::bad_request(format!("invalid JSON: {e}")))
}

async fn create_room(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, Problem> {
    let claims = bearer(&hub, &headers)?;
    if !claims.grants.control {
        return Err(Problem::forbidden(
            "creating rooms needs a token with the control grant",
        ));
    }
    if hub.shutdown.is_cancelled() {
        return Err(Problem::unavailable("the server is shutting down"));
    }
    let req: CreateRoom = json_body(&body)?;
    let (code, session) = hub
        .create_room(req.program, req.capacity)
        .map_err(|e| match e {
            // The room engine's wording is about a live room's program; here it is the catalogue.
            RoomError::UnknownExercise(id) => Problem::bad_request(format!(
                "exercise `{id}` is not in the catalogue (see GET /v1/exercises)"
            )),
            other => Problem::bad_request(other.to_string()),
        })?;
    // A public URL given with a trailing slash must not make `//` in links.
    let base = hub.public_url.trim_end_matches('/');
    let created = RoomCreated {
        join_url: format!("{base}/join/{code}"),
        ws_url: format!("{}/v1/ws", base.replacen("http", "ws", 1)),
        code,
        session,
    };
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

async fn get_room(
    State(hub): State<Arc<Hub>>,
    Path(code): Path<String>,
) -> Result<Response, Problem> {
    let handle = hub
        .room(&code)
        .ok_or_else(|| Problem::not_found("no live room with that code"))?;
    let (reply, answer) = oneshot::channel();
    let missing = || Problem::not_found("no live room with that code");
    handle
        .tx
        .send(RoomCmd::Info(reply))
        .await
        .map_err(|_| missing())?;
    let info = answer.await.map_err(|_| missing())?;
    Ok(Json(info).into_response())
}

async fn room_sessions(
    State(hub): State<Arc<Hub>>,
    Path(code): Path<String>,
) -> Result<Response, Problem> {
    let code = display_code(&normalize_code(&code));
    let sessions = hub.store.sessions_of_room(&code).await.map_err(|err| {
        tracing::error!(%err, "listing sessions failed");
        Problem::internal()
    })?;
    Ok(Json(serde_json::json!({ "room": code, "sessions": sessions })).into_response())
}

async fn get_session(
    State(hub): State<Arc<Hub>>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    match hub.store.summary(&id).await {
        Ok(Some(summary)) => Ok(Json(summary).into_response()),
        Ok(None) => Err(Problem::not_found("no session with that id")),
        Err(err) => {
            tracing::error!(%err, "reading a summary failed");
            Err(Problem::internal())
        }
    }
}

async fn exercises() -> Response {
    Json(Catalogue::builtin()).into_response()
}

/// `POST /v1/dev/token` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DevTokenRequest {
    name: String,
    #[serde(default)]
    role: Option<TokenRole>,
    #[serde(default)]
    room: Option<String>,
}

async fn dev_token(
    State(hub): State<Arc<Hub>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: axum::body::Bytes,
) -> Result<Response, Problem> {
    if !peer.ip().is_loopback() {
        return Err(Problem::forbidden(
            "dev tokens are only given out on loopback",
        ));
    }
    let req: DevTokenRequest = json_body(&body)?;
    let name = req.name.trim().to_owned();
    if name.is_empty()
        || name.chars().count() > breakroom_protocol::validate::MAX_NAME
        || name.chars().any(char::is_control)
    {
        return Err(Problem::bad_request(
            "name must be 1 to 64 printable characters",
        ));
    }
    let user = format!("guest-{}", crate::auth::random_token(9));
    let spec = TokenSpec {
        user: user.clone(),
        name,
        email: None,
        room: req.room,
        role: req.role.unwrap_or(TokenRole::Participant),
        grants: None,
    };
    let token = hub.keys.mint(spec, hub.config.token_ttl).map_err(|err| {
        tracing::error!(%err, "minting a dev token failed");
        Problem::internal()
    })?;
    let expires_at = crate::auth::unix_seconds() + hub.config.token_ttl.as_secs();
    Ok(
        Json(serde_json::json!({ "token": token, "user": user, "expires_at": expires_at }))
            .into_response(),
    )
}

async fn readyz(State(hub): State<Arc<Hub>>) -> Result<&'static str, Problem> {
    if hub.shutdown.is_cancelled() {
        return Err(Problem::unavailable("shutting down"));
    }
    hub.store
        .ping()
        .await
        .map_err(|_| Problem::unavailable("the store does not answer"))?;
    Ok("ready")
}

async fn metrics(State(hub): State<Arc<Hub>>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        hub.metrics.render(),
    )
        .into_response()
}
