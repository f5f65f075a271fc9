//! `/v1/rooms` and `/v1/sessions`: creating rooms, and reading rooms, their sessions and
//! session summaries (see [`super::access`] for who may read what).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use breakroom_protocol::{Program, SessionSummary};
use breakroom_rooms::{RoomError, RoomInfo};
use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;
use utoipa::ToSchema;

use super::access::{Caller, actor};
use super::json_body;
use crate::hub::{Hub, display_code, normalize_code};
use crate::problem::Problem;
use crate::room_actor::RoomCmd;
use crate::store::{SessionListing, StoredSummary};

/// `POST /v1/rooms` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct CreateRoom {
    /// What the session runs: 1 to 32 steps of catalogue exercises.
    program: Program,
    /// Most members excluding viewers, the host included (1 to 500) [default: 50].
    #[serde(default)]
    capacity: Option<u16>,
}

/// `POST /v1/rooms` answer.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct RoomCreated {
    /// The room code, `XXXX-XXXX`.
    code: String,
    /// The session id.
    session: String,
    /// The link people open to join.
    join_url: String,
    /// The WebSocket URL clients connect to.
    ws_url: String,
}

/// `GET /v1/rooms/{code}/sessions` answer.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct SessionList {
    /// The room code, `XXXX-XXXX`.
    room: String,
    /// The sessions held in the room that have ended, oldest first.
    sessions: Vec<SessionListing>,
}

/// Creates a live room running a program, in the caller's organization.
///
/// Takes a bearer token with the control grant, or the session cookie of someone who may host
/// (sent from the server's own origin). The caller becomes the room's creator, who may read it
/// while it is live, and its sessions (their list and summaries) after it has closed.
#[utoipa::path(
    post,
    path = "/rooms",
    tag = "rooms",
    request_body(content = CreateRoom, content_type = "application/json"),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 201, description = "The room is live", body = RoomCreated),
        (status = 400, description = "Invalid JSON, or a program the catalogue refuses",
            body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token, and no one signed in",
            body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token lacks the control grant, the person signed in \
            may not host, the cookie came from a foreign origin, or the token's embedding app is \
            at its room limit",
            body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over 2 MB",
            body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The server is shutting down",
            body = Problem, content_type = "application/problem+json"),
    )
)]
pub(super) async fn create_room(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, Problem> {
    let caller = actor(&hub, &headers).await?;
    let Some(principal) = caller.principal().filter(|p| p.may_host()) else {
        return Err(Problem::forbidden(
            "creating rooms needs a token with the control grant, or someone signed in who \
             may host",
        ));
    };
    if !crate::auth::apps::room_allowed(&hub, principal).await {
        return Err(Problem::forbidden("the app is at its room limit"));
    }
    if hub.shutdown.is_cancelled() {
        return Err(Problem::unavailable("the server is shutting down"));
    }
    let req: CreateRoom = json_body(&body)?;
    let (code, session) = hub
        .create_room(req.program, req.capacity, &principal.user, &principal.org)
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

fn no_room() -> Problem {
    Problem::not_found("no live room with that code")
}

/// A live room's state.
///
/// Answers, inside the room's organization only: the API key (the default organization), an
/// admin of the organization, a token for that room, and the room's creator. Anyone else gets
/// the 404 of a room that does not exist.
#[utoipa::path(
    get,
    path = "/rooms/{code}",
    tag = "rooms",
    params(("code" = String, Path, description = "Room code, as typed: case and separators do not matter")),
    security(("bearer" = []), ("api_key" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "The room", body = RoomInfo),
        (status = 404, description = "No live room with that code that the credentials may read",
            body = Problem, content_type = "application/problem+json"),
    )
)]
pub(super) async fn get_room(
    State(hub): State<Arc<Hub>>,
    Path(code): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let code = normalize_code(&code);
    let handle = hub.room(&code).ok_or_else(no_room)?;
    let caller = Caller::of(&hub, &headers).await.ok_or_else(no_room)?;
    if !caller.in_org(&handle.org) || !caller.may_read_room(&code, Some(&handle)) {
        return Err(no_room());
    }
    let (reply, answer) = oneshot::channel();
    handle
        .tx
        .send(RoomCmd::Info(reply))
        .await
        .map_err(|_| no_room())?;
    let info = answer.await.map_err(|_| no_room())?;
    Ok(Json(info).into_response())
}

/// The sessions held in a room that have ended.
///
/// Only sessions of the caller's organization are listed (codes are unique among live rooms
/// only). The API key (the default organization), an admin, a token for that room, and the
/// room's creator while it is live get every session held under that code. After the room
/// has closed, its creator (someone signed in, or a token with the control grant whose `sub`
/// created it) gets the sessions they created there. Anyone else, or a creator with no stored
/// session there, gets a 404.
#[utoipa::path(
    get,
    path = "/rooms/{code}/sessions",
    tag = "rooms",
    params(("code" = String, Path, description = "Room code, as typed: case and separators do not matter")),
    security(("bearer" = []), ("api_key" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "The room's ended sessions, oldest first", body = SessionList),
        (status = 404, description = "The credentials may not read this room",
            body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "The store failed",
            body = Problem, content_type = "application/problem+json"),
    )
)]
pub(super) async fn room_sessions(
    State(hub): State<Arc<Hub>>,
    Path(code): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let missing = || Problem::not_found("no room with that code");
    let normalized = normalize_code(&code);
    let caller = Caller::of(&hub, &headers).await.ok_or_else(missing)?;
    let live = hub
        .room(&normalized)
        .filter(|room| caller.in_org(&room.org));
    // Every session under the code for those who may read the room; only the caller's own
    // for a facilitator whose room has closed.
    let created_by = if caller.may_read_room(&normalized, live.as_ref()) {
        None
    } else {
        Some(caller.facilitator_id().ok_or_else(missing)?)
    };
    let code = display_code(&normalized);
    let sessions = hub
        .store
        .sessions_of_room(caller.org(), &code, created_by)
        .await
        .map_err(|err| {
            tracing::error!(%err, "listing sessions failed");
            Problem::internal()
        })?;
    // Nothing to list and no live room of the caller's organization under the code: for the
    // caller, there is no such room.
    if sessions.is_empty() && (created_by.is_some() || live.is_none()) {
        return Err(missing());
    }
    Ok(Json(SessionList {
        room: code,
        sessions,
    })
    .into_response())
}

/// A session's summary, once it has ended: every participant's results and flags.
///
/// Answers, inside the session's organization only: the API key (the default organization),
/// an admin of the organization, the people who took part in the session, and the
/// facilitators of its room: a token with the control grant for that room, the room's creator
/// while it is live, and afterwards whoever created the room (someone signed in, or a token
/// with the control grant whose `sub` created it, stored with the session). Anyone else gets
/// the 404 of a session that does not exist.
#[utoipa::path(
    get,
    path = "/sessions/{id}",
    tag = "rooms",
    params(("id" = String, Path, description = "Session id")),
    security(("bearer" = []), ("api_key" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "The summary", body = SessionSummary),
        (status = 404, description = "No ended session with that id that the credentials may read",
            body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "The store failed",
            body = Problem, content_type = "application/problem+json"),
    )
)]
pub(super) async fn get_session(
    State(hub): State<Arc<Hub>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let missing = || Problem::not_found("no session with that id");
    let caller = Caller::of(&hub, &headers).await.ok_or_else(missing)?;
    let StoredSummary {
        summary,
        created_by,
        org,
    } = match hub.store.summary(&id).await {
        Ok(Some(stored)) => stored,
        Ok(None) => return Err(missing()),
        Err(err) => {
            tracing::error!(%err, "reading a summary failed");
            return Err(Problem::internal());
        }
    };
    let live = hub.room(&summary.room).filter(|room| room.org == org);
    if !caller.in_org(&org)
        || !caller.may_read_summary(&summary, created_by.as_deref(), live.as_ref())
    {
        return Err(missing());
    }
    Ok(Json(summary).into_response())
}
