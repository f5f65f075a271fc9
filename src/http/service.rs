//! The rest of the surface: the catalogue, dev tokens, health, readiness, metrics, the
//! OpenAPI document, and the WebSocket endpoint's entry in it.

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};

use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use breakroom_rooms::Catalogue;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::json_body;
use crate::auth::{TokenRole, TokenSpec};
use crate::hub::Hub;
use crate::problem::Problem;

/// The exercise catalogue: the exercises a program may use, with their names, units, rates
/// and points.
#[utoipa::path(
    get,
    path = "/exercises",
    tag = "catalogue",
    responses((status = 200, description = "The catalogue", body = Catalogue))
)]
pub(super) async fn exercises() -> Response {
    Json(Catalogue::builtin()).into_response()
}

/// `POST /v1/dev/token` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct DevTokenRequest {
    /// Display name: 1 to 64 printable characters (trimmed).
    name: String,
    /// The role the token allows [default: participant].
    #[serde(default)]
    #[schema(value_type = Option<DevTokenRole>)]
    role: Option<TokenRole>,
    /// The room the token is for; any room when absent.
    #[serde(default)]
    room: Option<String>,
}

/// The role a dev token allows (the roles of access tokens).
#[derive(ToSchema)]
#[schema(as = TokenRole)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)] // A schema only: `TokenRole` (in `auth`) is the type that is parsed.
enum DevTokenRole {
    /// May host and control sessions, and create rooms.
    Facilitator,
    /// May take part.
    Participant,
    /// May watch (a shared screen).
    Viewer,
}

/// `POST /v1/dev/token` answer.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct DevToken {
    /// The access token (an HS256 JWT).
    token: String,
    /// The guest's new user id (the token's subject).
    user: String,
    /// When the token expires, in seconds since the Unix epoch.
    expires_at: u64,
}

/// A guest access token, in development mode only (`serve --dev`) and to clients on
/// loopback only. Outside dev mode this endpoint does not exist (404).
#[utoipa::path(
    post,
    path = "/dev/token",
    tag = "dev",
    request_body(content = DevTokenRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "A new guest's token", body = DevToken),
        (status = 400, description = "Invalid JSON, or a name that is empty, too long or has control characters",
            body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The client is not on loopback",
            body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The server is not in dev mode",
            body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over 2 MB",
            body = Problem, content_type = "application/problem+json"),
    )
)]
pub(super) async fn dev_token(
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
    Ok(Json(DevToken {
        token,
        user,
        expires_at,
    })
    .into_response())
}

/// Liveness: the process answers.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "operations",
    responses((status = 200, description = "`ok`", body = String, content_type = "text/plain"))
)]
pub(super) async fn healthz() -> &'static str {
    "ok"
}

/// Readiness: the store answers and the server is not shutting down.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "operations",
    responses(
        (status = 200, description = "`ready`", body = String, content_type = "text/plain"),
        (status = 503, description = "Shutting down, or the store does not answer",
            body = Problem, content_type = "application/problem+json"),
    )
)]
pub(super) async fn readyz(State(hub): State<Arc<Hub>>) -> Result<&'static str, Problem> {
    if hub.shutdown.is_cancelled() {
        return Err(Problem::unavailable("shutting down"));
    }
    hub.store
        .ping()
        .await
        .map_err(|_| Problem::unavailable("the store does not answer"))?;
    Ok("ready")
}

/// The content type of `/metrics`.
const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Prometheus metrics, in the OpenMetrics text format.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "operations",
    responses((status = 200, description = "The metrics", body = String,
        content_type = "application/openmetrics-text"))
)]
pub(super) async fn metrics(State(hub): State<Arc<Hub>>) -> Response {
    ([(header::CONTENT_TYPE, OPENMETRICS)], hub.metrics.render()).into_response()
}

/// This document: the OpenAPI 3.1 description of the HTTP surface.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "operations",
    responses((status = 200, description = "The OpenAPI document", body = Object))
)]
pub(super) async fn openapi_json() -> Response {
    // Rendered once: the document does not change while the server runs.
    static DOC: OnceLock<String> = OnceLock::new();
    let doc = DOC.get_or_init(|| super::openapi().to_string());
    ([(header::CONTENT_TYPE, "application/json")], doc.as_str()).into_response()
}

/// The live protocol: a WebSocket upgrade with the subprotocol `breakroom.v1`, MessagePack
/// messages as specified in protocol/PROTOCOL.md. The access token goes in the first message
/// (`hello`), not in the upgrade request.
///
/// (The handler is `crate::ws::upgrade`; this entry documents it.)
#[utoipa::path(
    get,
    path = "/v1/ws",
    tag = "live",
    responses(
        (status = 101, description = "Switching to the breakroom.v1 WebSocket protocol"),
        (status = 400, description = "The subprotocol breakroom.v1 was not offered",
            body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "A browser Origin that is not allowed",
            body = Problem, content_type = "application/problem+json"),
        (status = 426, description = "Not a WebSocket upgrade request",
            body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "At the connection limit, or shutting down",
            body = Problem, content_type = "application/problem+json"),
    )
)]
#[allow(dead_code)] // Documentation only: never routed.
pub(super) async fn websocket_doc() {}
