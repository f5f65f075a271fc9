//! Who is asking: the credentials a request presents, and what they let it read.
//!
//! Two kinds of credentials: an access token (`Authorization: Bearer <JWT>`), held by people,
//! and the API key itself (`Authorization: Basic base64(key:secret)`), held by a backend. A
//! read that the credentials do not allow is answered exactly like one for a room or session
//! that does not exist (404), so that a room code or session id leaks nothing.

use axum::http::{HeaderMap, header};
use base64::Engine as _;
use breakroom_protocol::SessionSummary;
use subtle::ConstantTimeEq as _;

use crate::auth::{Principal, authenticate_token};
use crate::hub::{Hub, RoomHandle, normalize_code};
use crate::problem::Problem;

/// The OpenAPI name of the bearer-token scheme.
pub(super) const BEARER: &str = "bearer";
/// The OpenAPI name of the API-key scheme (HTTP Basic).
pub(super) const API_KEY: &str = "api_key";

/// The credentials of a request.
#[derive(Debug)]
pub enum Caller {
    /// The API key and its secret: the backend, which may read everything.
    ApiKey,
    /// The holder of a valid access token.
    Token(Principal),
}

/// The `Authorization` header split into its scheme (case-insensitive, RFC 9110 §11.1) and
/// credentials.
fn authorization(headers: &HeaderMap) -> Option<(&str, &str)> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().split_once(' '))
        .map(|(scheme, credentials)| (scheme, credentials.trim()))
}

/// The bearer token's principal, or a 401 problem. Without an `Authorization` header, the
/// session cookie's, for requests from this site's Origin (see
/// [`crate::auth::web_session::check_origin`]).
pub(super) async fn bearer(hub: &Hub, headers: &HeaderMap) -> Result<Principal, Problem> {
    use crate::auth::web_session;
    if !headers.contains_key(header::AUTHORIZATION)
        && web_session::cookie_value(hub, headers).is_some()
    {
        web_session::check_origin(hub, headers)?;
        return web_session::principal_from_cookie(hub, headers)
            .await
            .ok_or_else(|| Problem::unauthorized("the session has ended: sign in again"));
    }
    let token = authorization(headers)
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("Bearer"))
        .map(|(_, token)| token)
        .ok_or_else(|| Problem::unauthorized("send `Authorization: Bearer <access token>`"))?;
    authenticate_token(hub, token)
        .await
        .map_err(|e| Problem::unauthorized(e.to_string()))
}

/// Whether `Basic` credentials are the server's API key and secret. Compared in constant time.
fn is_api_key(hub: &Hub, credentials: &str) -> bool {
    let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(credentials) else {
        return false;
    };
    let Some(colon) = decoded.iter().position(|&b| b == b':') else {
        return false;
    };
    let (key, secret) = (&decoded[..colon], &decoded[colon + 1..]);
    let key_ok = key.ct_eq(hub.config.api_key.as_bytes());
    let secret_ok = secret.ct_eq(hub.config.api_secret.as_bytes());
    bool::from(key_ok & secret_ok)
}

impl Caller {
    /// Who sent the request; `None` without credentials, or with wrong or expired ones.
    pub async fn of(hub: &Hub, headers: &HeaderMap) -> Option<Caller> {
        let (scheme, credentials) = authorization(headers)?;
        if scheme.eq_ignore_ascii_case("Bearer") {
            authenticate_token(hub, credentials)
                .await
                .ok()
                .map(Caller::Token)
        } else if scheme.eq_ignore_ascii_case("Basic") {
            is_api_key(hub, credentials).then_some(Caller::ApiKey)
        } else {
            None
        }
    }

    /// Whether the caller acts in organization `org`. The API key is the default organization's
    /// first embedding app.
    pub fn in_org(&self, org: &str) -> bool {
        match self {
            Caller::ApiKey => org == crate::auth::DEFAULT_ORG,
            Caller::Token(p) => p.org == org,
        }
    }

    /// Whether the caller may read the room `code` (normalized) and its list of sessions: the
    /// API key, a token for that room, or the token that created it while it is live.
    pub fn may_read_room(&self, code: &str, live: Option<&RoomHandle>) -> bool {
        match self {
            Caller::ApiKey => true,
            Caller::Token(p) => {
                p.room.as_deref().is_some_and(|r| normalize_code(r) == code)
                    || live.is_some_and(|room| room.creator == p.user && room.org == p.org)
            }
        }
    }

    /// The user id a caller may have created rooms as: the `sub` of a token with the control
    /// grant (only such tokens create rooms). Matched against the creator stored with each
    /// session, which outlives the room.
    pub fn facilitator_id(&self) -> Option<&str> {
        match self {
            Caller::Token(p) if p.grants.control => Some(&p.user),
            _ => None,
        }
    }

    /// Whether the caller may read a session's summary: the API key, someone who took part in
    /// it, or a facilitator of its room: a token with the control grant that may read the room,
    /// or whose `sub` is the room's creator stored with the session (`created_by`), so that the
    /// creator reads it after the room has closed. `live` is the room, if it is still live.
    pub fn may_read_summary(
        &self,
        summary: &SessionSummary,
        created_by: Option<&str>,
        live: Option<&RoomHandle>,
    ) -> bool {
        match self {
            Caller::ApiKey => true,
            Caller::Token(p) => {
                summary.participants.iter().any(|part| part.user == p.user)
                    || (p.grants.control
                        && self.may_read_room(&normalize_code(&summary.room), live))
                    || created_by.is_some_and(|c| self.facilitator_id() == Some(c))
            }
        }
    }
}
