//! `/v1/org/rooms` and `/v1/org/sessions`: what the host page lists, the live rooms and the
//! recent sessions of the caller's organization, each cut to what the caller may see (see
//! [`super::access`]).

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use futures_util::future::join_all;
use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;
use utoipa::{IntoParams, ToSchema};

use super::access::Caller;
use crate::hub::{Hub, RoomHandle, display_code};
use crate::problem::Problem;
use crate::room_actor::RoomCmd;
use crate::store::{OrgSessionListing, SessionScope};

/// How long the rooms' actors have to describe themselves for the list (all are asked at
/// once); a room that does not answer in time (it is closing, or swamped) is left out.
const ROOM_ANSWER: Duration = Duration::from_secs(1);
/// `limit` of `GET /v1/org/sessions` when not given, and its largest value.
const DEFAULT_LIMIT: u32 = 20;
const MAX_LIMIT: u32 = 100;

/// One live room of the organization.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct OrgRoom {
    /// The room code, `XXXX-XXXX`.
    code: String,
    /// The program's name.
    program: String,
    /// Members connected right now.
    members: u32,
    /// Whether the caller created it.
    mine: bool,
}

/// `GET /v1/org/rooms` answer.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct OrgRooms {
    /// The organization's live rooms, by code.
    rooms: Vec<OrgRoom>,
}

/// `GET /v1/org/sessions` query.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct SessionsQuery {
    /// How many sessions at most, 1 to 100 [default: 20].
    limit: Option<u32>,
}

/// `GET /v1/org/sessions` answer.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct OrgSessions {
    /// The sessions the caller may read, newest first.
    sessions: Vec<OrgSessionListing>,
}

fn signed_out() -> Problem {
    Problem::unauthorized("sign in, or send `Authorization: Bearer <access token>`")
}

/// A live room as listed, or `None` if its actor did not answer in time.
async fn describe(code: &str, room: &RoomHandle, caller: &Caller) -> Option<OrgRoom> {
    let (reply, answer) = oneshot::channel();
    room.tx.send(RoomCmd::Info(reply)).await.ok()?;
    let info = tokio::time::timeout(ROOM_ANSWER, answer).await.ok()?.ok()?;
    Some(OrgRoom {
        code: display_code(code),
        program: info.program.name,
        members: info.connected,
        mine: caller.user().is_some_and(|u| u == room.creator),
    })
}

/// The organization's live rooms.
///
/// For those who may host in it: people signed in who may host (every member, unless the
/// organization lists its facilitators), its admins, and the API key (the default
/// organization). Access tokens get a 403: a token names its own room.
#[utoipa::path(
    get,
    path = "/org/rooms",
    tag = "organization",
    security(("session_cookie" = []), ("api_key" = [])),
    responses(
        (status = 200, description = "The organization's live rooms", body = OrgRooms),
        (status = 401, description = "No one signed in, and no valid credentials",
            body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The caller may not host in the organization",
            body = Problem, content_type = "application/problem+json"),
    )
)]
pub(super) async fn org_rooms(
    State(hub): State<Arc<Hub>>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let caller = Caller::of(&hub, &headers).await.ok_or_else(signed_out)?;
    let may_list = match &caller {
        Caller::ApiKey => true,
        Caller::Cookie(p) => caller.is_org_admin() || p.may_host(),
        Caller::Token(_) => false,
    };
    if !may_list {
        return Err(Problem::forbidden(
            "the organization's rooms are listed to those signed in who may host",
        ));
    }
    let live = hub.rooms.of_org(caller.org());
    let described = join_all(
        live.iter()
            .map(|(code, room)| describe(code, room, &caller)),
    )
    .await;
    let rooms = described.into_iter().flatten().collect();
    Ok(Json(OrgRooms { rooms }).into_response())
}

/// The organization's recent sessions that the caller may read, newest first.
///
/// An admin (and the API key, for the default organization) gets all of them; anyone else the
/// sessions they took part in and those held in rooms they created.
#[utoipa::path(
    get,
    path = "/org/sessions",
    tag = "organization",
    params(SessionsQuery),
    security(("session_cookie" = []), ("bearer" = []), ("api_key" = [])),
    responses(
        (status = 200, description = "The sessions, newest first", body = OrgSessions),
        (status = 400, description = "`limit` is not 1 to 100",
            body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No one signed in, and no valid credentials",
            body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "The store failed",
            body = Problem, content_type = "application/problem+json"),
    )
)]
pub(super) async fn org_sessions(
    State(hub): State<Arc<Hub>>,
    Query(query): Query<SessionsQuery>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let caller = Caller::of(&hub, &headers).await.ok_or_else(signed_out)?;
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(Problem::bad_request(format!(
            "limit must be 1 to {MAX_LIMIT}"
        )));
    }
    let scope = match caller.user() {
        Some(user) if !caller.is_org_admin() => SessionScope::Person {
            joined: user,
            hosted: caller.facilitator_id(),
        },
        _ => SessionScope::Org,
    };
    let sessions = hub
        .store
        .org_sessions(caller.org(), scope, limit)
        .await
        .map_err(|err| {
            tracing::error!(%err, "listing the organization's sessions failed");
            Problem::internal()
        })?;
    Ok(Json(OrgSessions { sessions }).into_response())
}
