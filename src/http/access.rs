//! Who is asking: the credentials a request presents, and what they let it read.
//!
//! Three kinds of credentials: an access token (`Authorization: Bearer <JWT>`: signed with
//! the API key, by an embedding app, or given out for a guest link), the API key itself
//! (`Authorization: Basic base64(key:secret)`, held by a backend: the default organization's
//! first embedding app, with an admin's reach there), and the web session cookie of someone
//! who signed in. An `Authorization` header wins over the cookie; a wrong one is not
//! replaced by the cookie. A request that changes state with the cookie must come from the
//! server's own origin (or a listed one).
//!
//! Every read is scoped to an organization first: a room or session of another organization
//! does not exist for the caller. Inside it, a read that the credentials do not allow is
//! answered exactly like one for a room or session that does not exist (404), so that a room
//! code or session id leaks nothing.

use axum::http::{HeaderMap, header};
use base64::Engine as _;
use breakroom_protocol::SessionSummary;
use subtle::ConstantTimeEq as _;

use crate::auth::{DEFAULT_ORG, OrgRole, Principal, authenticate_token};
use crate::hub::{Hub, RoomHandle, normalize_code};
use crate::problem::Problem;

/// The OpenAPI name of the bearer-token scheme.
pub(super) const BEARER: &str = "bearer";
/// The OpenAPI name of the API-key scheme (HTTP Basic).
pub(super) const API_KEY: &str = "api_key";
/// The OpenAPI name of the web session cookie scheme.
pub(super) const COOKIE: &str = "session_cookie";

/// The credentials of a request.
#[derive(Debug)]
pub enum Caller {
    /// The API key and its secret: the backend, with an admin's reach in the default
    /// organization.
    ApiKey,
    /// The holder of a valid access token.
    Token(Principal),
    /// Someone signed in, by their web session cookie.
    Cookie(Principal),
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

/// The one place the web session cookie is read (see [`crate::auth::web_session`]).
async fn cookie(hub: &Hub, headers: &HeaderMap) -> Option<Principal> {
    crate::auth::web_session::principal_from_cookie(hub, headers).await
}

/// The one place a cookie-authenticated change is checked against its `Origin`.
fn cookie_origin(hub: &Hub, headers: &HeaderMap) -> Result<(), Problem> {
    crate::auth::web_session::check_origin(hub, headers)
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

/// The bearer token's principal, or a 401 problem (the sign-in routes take the cookie
/// themselves).
pub(super) async fn bearer(hub: &Hub, headers: &HeaderMap) -> Result<Principal, Problem> {
    let token = authorization(headers)
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("Bearer"))
        .map(|(_, token)| token)
        .ok_or_else(|| Problem::unauthorized("send `Authorization: Bearer <access token>`"))?;
    authenticate_token(hub, token)
        .await
        .map_err(|e| Problem::unauthorized(e.to_string()))
}

/// Who may change something (create a room, make or revoke a guest link): the holder of a
/// bearer token, or someone signed in whose request comes from an allowed origin. A 401
/// problem without either, a 403 for a cookie sent from a foreign origin. The API key is not
/// taken here: a backend acts through the tokens it mints.
pub(super) async fn actor(hub: &Hub, headers: &HeaderMap) -> Result<Caller, Problem> {
    if let Some((scheme, token)) = authorization(headers) {
        if !scheme.eq_ignore_ascii_case("Bearer") {
            return Err(Problem::unauthorized(
                "send `Authorization: Bearer <access token>`",
            ));
        }
        return authenticate_token(hub, token)
            .await
            .map(Caller::Token)
            .map_err(|e| Problem::unauthorized(e.to_string()));
    }
    let Some(principal) = cookie(hub, headers).await else {
        return Err(Problem::unauthorized(
            "send `Authorization: Bearer <access token>`, or sign in",
        ));
    };
    cookie_origin(hub, headers)?;
    Ok(Caller::Cookie(principal))
}

impl Caller {
    /// Who sent the request; `None` without credentials, or with wrong or expired ones.
    pub async fn of(hub: &Hub, headers: &HeaderMap) -> Option<Caller> {
        let Some((scheme, credentials)) = authorization(headers) else {
            return cookie(hub, headers).await.map(Caller::Cookie);
        };
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

    /// The principal behind a token or cookie; `None` for the API key.
    pub fn principal(&self) -> Option<&Principal> {
        match self {
            Caller::ApiKey => None,
            Caller::Token(p) | Caller::Cookie(p) => Some(p),
        }
    }

    /// The organization the caller acts in. The API key is the default organization's first
    /// embedding app.
    pub fn org(&self) -> &str {
        self.principal().map_or(DEFAULT_ORG, |p| p.org.as_str())
    }

    /// Whether the caller acts in organization `org`.
    pub fn in_org(&self, org: &str) -> bool {
        self.org() == org
    }

    /// The caller's user id; `None` for the API key.
    pub fn user(&self) -> Option<&str> {
        self.principal().map(|p| p.user.as_str())
    }

    /// Whether the caller manages its organization: an admin, or the API key (for the
    /// default organization).
    pub fn is_org_admin(&self) -> bool {
        match self.principal() {
            None => true,
            Some(p) => p.org_role == Some(OrgRole::Admin),
        }
    }

    /// Whether the caller may host: the API key, or a principal with the control grant.
    pub fn may_host(&self) -> bool {
        self.principal().is_none_or(Principal::may_host)
    }

    /// Whether the caller may read the room `code` (normalized) and its list of sessions,
    /// inside the room's organization: the API key, an admin, a token for that room, or
    /// whoever created it while it is live.
    pub fn may_read_room(&self, code: &str, live: Option<&RoomHandle>) -> bool {
        if self.is_org_admin() {
            return true;
        }
        let Some(p) = self.principal() else {
            return true;
        };
        p.room.as_deref().is_some_and(|r| normalize_code(r) == code)
            || live.is_some_and(|room| room.creator == p.user && room.org == p.org)
    }

    /// Whether the caller may make, list and revoke the guest links of the live room `code`
    /// (normalized), of its own organization: the API key, an admin, the room's creator, or a
    /// token with the control grant for that room.
    pub fn may_manage_room(&self, code: &str, live: &RoomHandle) -> bool {
        if !self.in_org(&live.org) {
            return false;
        }
        if self.is_org_admin() {
            return true;
        }
        let Some(p) = self.principal() else {
            return true;
        };
        live.creator == p.user
            || (p.grants.control && p.room.as_deref().is_some_and(|r| normalize_code(r) == code))
    }

    /// The user id a caller may have created rooms as, matched against the creator stored
    /// with each session, which outlives the room: someone signed in (their id is the
    /// server's), or the `sub` of a token with the control grant (only such tokens create
    /// rooms).
    pub fn facilitator_id(&self) -> Option<&str> {
        match self {
            Caller::Cookie(p) => Some(&p.user),
            Caller::Token(p) if p.grants.control => Some(&p.user),
            _ => None,
        }
    }

    /// Whether the caller may read a session's summary, inside its organization: the API key,
    /// an admin, someone who took part in it, or a facilitator of its room: a token with the
    /// control grant that may read the room, or the room's creator stored with the session
    /// (`created_by`), so that the creator reads it after the room has closed. `live` is the
    /// room, if it is still live.
    pub fn may_read_summary(
        &self,
        summary: &SessionSummary,
        created_by: Option<&str>,
        live: Option<&RoomHandle>,
    ) -> bool {
        let Some(p) = self.principal() else {
            return true;
        };
        self.is_org_admin()
            || summary.participants.iter().any(|part| part.user == p.user)
            || (p.grants.control && self.may_read_room(&normalize_code(&summary.room), live))
            || created_by.is_some_and(|c| self.facilitator_id() == Some(c))
    }
}
