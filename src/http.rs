//! The HTTP surface: REST under `/v1`, the WebSocket endpoint, health, readiness, metrics and
//! the web app ([`crate::web`]).
//!
//! Every error is an RFC 9457 problem document. The OpenAPI 3.1 document of the whole surface
//! is generated from the handlers (`#[utoipa::path]` on each, collected by `utoipa-axum` as the
//! routes are registered) and served at `GET /v1/openapi.json`; [`openapi`] builds it.
//!
//! Who may read what (`http/access.rs`): the caller is the API key (HTTP Basic: the default
//! organization's first embedding app, with an admin's reach there), a bearer token (signed
//! with the API key, by an embedding app, or given out for a guest link), or the session
//! cookie of someone signed in; [`Caller`] resolves them. Rooms, sessions and summaries belong
//! to an organization, and outside it they do not exist: every read answers the very 404 of a
//! code or id that names nothing. Inside it, a room and its session list answer the API key,
//! an admin, a token for that room, and the room's creator; a session's summary answers the
//! API key, an admin, the people who took part in it, and the facilitators of its room (a
//! control token for it, or its creator, whose user id is stored with each session so that
//! the creator still reads the summaries, and the room's list of the sessions they created,
//! after the room has closed). Everyone else gets the same 404 as for a code or id that does
//! not exist.
//!
//! `/v1/org/rooms` and `/v1/org/sessions` (`http/org_rooms.rs`) list the live rooms of the
//! caller's organization (for those who may host) and the sessions they may read. Guest links
//! (`http/guest.rs`) let people outside an organization join one of its live rooms as
//! participants until the link expires or is revoked.
//!
//! Sign-in (`http/signin.rs`): the providers, the login redirect and callback, logout and `GET
//! /v1/me`; the organization's settings, members and invitations (`http/org_members.rs`). The
//! session cookie is accepted beside bearer tokens; with it, requests that change state need
//! this site's `Origin` ([`crate::auth::web_session::check_origin`]).

mod access;
mod apps;
mod doc;
mod guest;
mod org_members;
mod org_rooms;
mod rooms;
mod service;
mod signin;

use std::sync::Arc;

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use utoipa::OpenApi as _;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::hub::Hub;
use crate::problem::Problem;

pub use access::Caller;

/// The routes that are documented, with the document they make. `dev` adds the dev-token
/// route; the document describes it either way (it answers 404 outside dev mode).
fn documented(dev: bool) -> (Router<Arc<Hub>>, utoipa::openapi::OpenApi) {
    let v1 = OpenApiRouter::new()
        .route("/ws", axum::routing::get(crate::ws::upgrade))
        .routes(routes!(rooms::create_room))
        .routes(routes!(rooms::get_room))
        .routes(routes!(rooms::room_sessions))
        .routes(routes!(rooms::get_session))
        .routes(routes!(org_rooms::org_rooms))
        .routes(routes!(org_rooms::org_sessions))
        .routes(routes!(guest::create_guest_link, guest::list_guest_links))
        .routes(routes!(guest::revoke_guest_link))
        .routes(routes!(guest::guest_token))
        .routes(routes!(service::exercises))
        // Embedding apps (admins): src/http/apps.rs.
        .routes(routes!(apps::create_app, apps::list_apps))
        .routes(routes!(apps::change_app))
        .routes(routes!(apps::revoke_token))
        .routes(routes!(service::openapi_json))
        .routes(routes!(signin::me))
        .routes(routes!(org_members::get_org, org_members::patch_org))
        .routes(routes!(org_members::members))
        .routes(routes!(org_members::patch_member))
        .routes(routes!(
            org_members::create_invitation,
            org_members::invitations
        ))
        .routes(routes!(org_members::revoke_invitation))
        .fallback(|| async { Problem::not_found("no such endpoint") });
    let (router, mut doc) = OpenApiRouter::with_openapi(doc::ApiDoc::openapi())
        .nest("/v1", v1)
        .routes(routes!(service::healthz))
        .routes(routes!(service::readyz))
        .routes(routes!(service::metrics))
        .routes(routes!(signin::providers))
        .routes(routes!(signin::login))
        .routes(routes!(signin::callback_get, signin::callback_post))
        .routes(routes!(signin::logout))
        .split_for_parts();
    signin::document(&mut doc);
    let (dev_router, dev_doc) = OpenApiRouter::new()
        .nest(
            "/v1",
            OpenApiRouter::new().routes(routes!(service::dev_token)),
        )
        .split_for_parts();
    doc.merge(dev_doc);
    let router = if dev {
        router.merge(dev_router)
    } else {
        router
    };
    (router, doc)
}

/// A request body as JSON, or a 400 problem saying why not.
fn json_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, Problem> {
    serde_json::from_slice(body).map_err(|e| Problem::bad_request(format!("invalid JSON: {e}")))
}

/// A store failure: logged (never with a request's data), answered with a 500 problem.
fn store_failed(err: crate::store::StoreError) -> Problem {
    tracing::error!(%err, "the store failed");
    Problem::internal()
}

/// The OpenAPI 3.1 document of the HTTP surface, as served at `GET /v1/openapi.json`.
pub fn openapi() -> serde_json::Value {
    doc::finish(documented(false).1)
}

/// The router of a server.
pub fn router(hub: Arc<Hub>) -> Router {
    let (api, _) = documented(hub.config.dev);
    api
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
