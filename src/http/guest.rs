//! Guest links: a room's facilitators (and the organization's admins) let people outside the
//! organization join one live room as participants.
//!
//! `POST /v1/rooms/{code}/guest-links` makes a link, `{public_url}/join/{CODE}?guest=TOKEN`,
//! with an expiry (at most [`MAX_LINK_TTL_S`] seconds); only the token's SHA-256 is stored. Whoever
//! opens it trades the token and a name for a short access token (`POST /v1/guest/token`) for
//! that room only, participant role, acting in the room's organization. `DELETE
//! /v1/guest-links/{id}` revokes a link: its tokens are refused from then on (each is checked
//! against its link whenever presented), and its guests' sockets are closed with close code
//! 4006 (`revoked`). A link that is unknown, expired or revoked, or whose room has closed, is
//! a 404 to everyone.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use breakroom_protocol::close;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::access::{Caller, actor};
use super::{json_body, store_failed};
use crate::auth::guest::{MAX_LINK_TTL_S, claims};
use crate::auth::web_session::hash as hash_secret;
use crate::auth::{Source, random_token, unix_seconds};
use crate::hub::{Hub, RoomHandle, display_code, normalize_code};
use crate::problem::Problem;
use crate::store::GuestLink;

/// A link's lifetime when none is asked for: a day.
const DEFAULT_LINK_TTL_S: u64 = 24 * 60 * 60;

/// `POST /v1/rooms/{code}/guest-links` body.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct NewGuestLink {
    /// Seconds until the link stops working, 60 to 604800 (a week) [default: 86400].
    #[serde(default)]
    ttl_s: Option<u64>,
}

/// A new guest link.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct GuestLinkCreated {
    /// The link's id, to revoke it.
    id: String,
    /// The link to hand out. Shown once: only its hash is stored.
    url: String,
    /// When it stops working, in seconds since the Unix epoch.
    expires_at: u64,
}

/// A guest link as listed (without its token, which is not stored).
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct GuestLinkInfo {
    /// The link's id.
    id: String,
    /// The room code, `XXXX-XXXX`.
    room: String,
    /// When it was made, in seconds since the Unix epoch.
    created_at: u64,
    /// When it stops working, in seconds since the Unix epoch.
    expires_at: u64,
}

/// `GET /v1/rooms/{code}/guest-links` answer.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct GuestLinks {
    /// The room's links still working, newest first.
    links: Vec<GuestLinkInfo>,
}

/// `POST /v1/guest/token` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct GuestTokenRequest {
    /// The `guest` token of the link.
    guest: String,
    /// The name others in the room see (1 to 64 printable characters).
    name: String,
}

/// `POST /v1/guest/token` answer.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct GuestToken {
    /// The access token (an HS256 JWT) for the link's room only.
    token: String,
    /// The guest's new user id (the token's subject).
    user: String,
    /// When the token expires, in seconds since the Unix epoch.
    expires_at: u64,
}

fn no_room() -> Problem {
    Problem::not_found("no live room with that code")
}

fn no_link() -> Problem {
    Problem::not_found("no such guest link, or it has expired or was revoked")
}

/// [`super::json_body`], with an empty body meaning every field's default.
fn json_body_or_default<T: serde::de::DeserializeOwned + Default>(
    body: &[u8],
) -> Result<T, Problem> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    json_body(body)
}

/// The live room `code` if the caller may manage it, else the 404 of a missing room.
fn managed_room(hub: &Hub, caller: &Caller, code: &str) -> Result<(String, RoomHandle), Problem> {
    let normalized = normalize_code(code);
    let room = hub.room(&normalized).ok_or_else(no_room)?;
    if !caller.may_manage_room(&normalized, &room) {
        return Err(no_room());
    }
    Ok((normalized, room))
}

/// Makes a guest link for a live room.
///
/// For the room's creator, a token with the control grant for that room, the organization's
/// admins, and the API key (the default organization). Anyone else gets the 404 of a room that
/// does not exist.
#[utoipa::path(
    post,
    path = "/rooms/{code}/guest-links",
    tag = "guests",
    params(("code" = String, Path, description = "Room code, as typed: case and separators do not matter")),
    request_body(content = NewGuestLink, content_type = "application/json"),
    security(("cookie" = []), ("bearer" = [])),
    responses(
        (status = 201, description = "The link", body = GuestLinkCreated),
        (status = 400, description = "Invalid JSON, or a lifetime out of range",
            body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token, and no one signed in",
            body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The cookie came from a foreign origin",
            body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No live room with that code that the caller manages",
            body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over 2 MB",
            body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "The store failed",
            body = Problem, content_type = "application/problem+json"),
    )
)]
pub(super) async fn create_guest_link(
    State(hub): State<Arc<Hub>>,
    Path(code): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, Problem> {
    let caller = actor(&hub, &headers).await?;
    let (normalized, room) = managed_room(&hub, &caller, &code)?;
    let req: NewGuestLink = json_body_or_default(&body)?;
    let ttl = req.ttl_s.unwrap_or(DEFAULT_LINK_TTL_S);
    if !(60..=MAX_LINK_TTL_S).contains(&ttl) {
        return Err(Problem::bad_request(format!(
            "ttl_s must be 60 to {MAX_LINK_TTL_S} seconds"
        )));
    }
    let token = random_token(32);
    let now = unix_seconds();
    let link = GuestLink {
        id: format!("gl_{}", random_token(9)),
        id_hash: hash_secret(&token),
        org: room.org.clone(),
        room: display_code(&normalized),
        created_by: caller.user().unwrap_or("api-key").to_owned(),
        created_at: now,
        expires_at: now + ttl,
        revoked: false,
    };
    hub.store
        .insert_guest_link(&link)
        .await
        .map_err(store_failed)?;
    let base = hub.public_url.trim_end_matches('/');
    let created = GuestLinkCreated {
        url: format!("{base}/join/{}?guest={token}", link.room),
        id: link.id,
        expires_at: link.expires_at,
    };
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

/// The guest links of a live room still working.
///
/// For those who may make them; anyone else gets the 404 of a room that does not exist.
#[utoipa::path(
    get,
    path = "/rooms/{code}/guest-links",
    tag = "guests",
    params(("code" = String, Path, description = "Room code, as typed: case and separators do not matter")),
    security(("cookie" = []), ("bearer" = []), ("api_key" = [])),
    responses(
        (status = 200, description = "The links", body = GuestLinks),
        (status = 404, description = "No live room with that code that the caller manages",
            body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "The store failed",
            body = Problem, content_type = "application/problem+json"),
    )
)]
pub(super) async fn list_guest_links(
    State(hub): State<Arc<Hub>>,
    Path(code): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let caller = Caller::of(&hub, &headers).await.ok_or_else(no_room)?;
    let (normalized, room) = managed_room(&hub, &caller, &code)?;
    let links = hub
        .store
        .guest_links_of_room(&room.org, &display_code(&normalized), unix_seconds())
        .await
        .map_err(store_failed)?
        .into_iter()
        .map(|l| GuestLinkInfo {
            id: l.id,
            room: l.room,
            created_at: l.created_at,
            expires_at: l.expires_at,
        })
        .collect();
    Ok(Json(GuestLinks { links }).into_response())
}

/// Revokes a guest link: its tokens are refused from now on, and its guests' live sockets are
/// closed (close code 4006).
///
/// For whoever made it, the organization's admins, and those who manage its room while it is
/// live. Anyone else gets the 404 of a link that does not exist.
#[utoipa::path(
    delete,
    path = "/guest-links/{id}",
    tag = "guests",
    params(("id" = String, Path, description = "The link's id")),
    security(("cookie" = []), ("bearer" = [])),
    responses(
        (status = 204, description = "Revoked (or it already was)"),
        (status = 401, description = "No valid bearer token, and no one signed in",
            body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The cookie came from a foreign origin",
            body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No guest link with that id that the caller manages",
            body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "The store failed",
            body = Problem, content_type = "application/problem+json"),
    )
)]
pub(super) async fn revoke_guest_link(
    State(hub): State<Arc<Hub>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let missing = || Problem::not_found("no guest link with that id");
    let caller = actor(&hub, &headers).await?;
    let link = hub
        .store
        .guest_link(&id)
        .await
        .map_err(store_failed)?
        .ok_or_else(missing)?;
    let normalized = normalize_code(&link.room);
    let manages_room = hub
        .room(&normalized)
        .is_some_and(|room| room.org == link.org && caller.may_manage_room(&normalized, &room));
    let allowed = caller.in_org(&link.org)
        && (caller.is_org_admin() || caller.user() == Some(&link.created_by) || manages_room);
    if !allowed {
        return Err(missing());
    }
    hub.store
        .revoke_guest_link(&link.id)
        .await
        .map_err(store_failed)?;
    let closed = hub.live.close_where(
        |p| matches!(&p.source, Source::Guest { link: l } if *l == link.id),
        close::REVOKED,
        "revoked",
    );
    tracing::info!(closed, "guest link revoked");
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Trades a guest link's token and a name for an access token to its room.
///
/// The token is for that room only, with the participant role, and acts in the room's
/// organization; it lives the server's token lifetime, or less if the link expires sooner.
/// A link that is unknown, expired or revoked, or whose room has closed, is a 404.
#[utoipa::path(
    post,
    path = "/guest/token",
    tag = "guests",
    request_body(content = GuestTokenRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "The guest's token", body = GuestToken),
        (status = 400, description = "Invalid JSON, or a name that is empty, too long or has control characters",
            body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such guest link, or it has expired or was revoked",
            body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is over 2 MB",
            body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "The store failed",
            body = Problem, content_type = "application/problem+json"),
    )
)]
pub(super) async fn guest_token(
    State(hub): State<Arc<Hub>>,
    body: axum::body::Bytes,
) -> Result<Response, Problem> {
    let req: GuestTokenRequest = json_body(&body)?;
    let name = req.name.trim().to_owned();
    if name.is_empty()
        || name.chars().count() > breakroom_protocol::validate::MAX_NAME
        || name.chars().any(char::is_control)
    {
        return Err(Problem::bad_request(
            "name must be 1 to 64 printable characters",
        ));
    }
    let now = unix_seconds();
    let link = hub
        .store
        .guest_link_by_hash(&hash_secret(req.guest.trim()))
        .await
        .map_err(store_failed)?
        .filter(|l| l.is_active(now))
        .ok_or_else(no_link)?;
    // The code may since name a room of another organization: the link is for its own.
    if hub.room(&link.room).is_none_or(|room| room.org != link.org) {
        return Err(no_link());
    }
    let user = format!("guest-{}", random_token(9));
    let exp = (now + hub.config.token_ttl.as_secs()).min(link.expires_at);
    let token = hub
        .keys
        .sign(&claims(&hub, &link, user.clone(), name, now, exp))
        .map_err(|err| {
            tracing::error!(%err, "minting a guest token failed");
            Problem::internal()
        })?;
    Ok(Json(GuestToken {
        token,
        user,
        expires_at: exp,
    })
    .into_response())
}
