//! Web sessions: the cookie of someone who signed in with OpenID Connect, and the Origin check
//! that every cookie-authenticated change of state passes.
//!
//! The session lives in the store; the cookie only points at it. Its value is 32 random bytes
//! (base64url, no padding); the store keeps only the lowercase hex SHA-256 of that string
//! (`web_sessions.id_hash`). A session is valid while `expires_at > now` (the absolute end,
//! `session_max` after sign-in) and `last_seen_at + session_idle > now`; `last_seen_at` is
//! written at most once a minute ([`TOUCH_EVERY_S`]).
//!
//! The cookie is `__Host-breakroom` with `Secure` when the server serves TLS or sits behind a
//! TLS-terminating proxy, else `breakroom` (plain HTTP on loopback: browsers refuse `__Host-`
//! without `Secure`); always `HttpOnly; SameSite=Lax; Path=/`. SameSite=Lax keeps it off
//! cross-site POSTs, and [`check_origin`] refuses them anyway.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use sha2::{Digest as _, Sha256};

use super::{Grants, Principal, Source, TokenRole};
use crate::hub::Hub;
use crate::problem::Problem;

/// The cookie's name over TLS (or behind a TLS-terminating proxy).
pub const SECURE_COOKIE: &str = "__Host-breakroom";
/// The cookie's name over plain HTTP.
pub const PLAIN_COOKIE: &str = "breakroom";
/// `last_seen_at` is written when it is at least this old: one write a minute at most.
pub const TOUCH_EVERY_S: i64 = 60;

/// Whether cookies are sent with `Secure` (and named `__Host-…`).
pub fn secure(hub: &Hub) -> bool {
    hub.config.tls.is_some() || hub.config.behind_proxy
}

/// The name of the session cookie on this server.
pub fn cookie_name(hub: &Hub) -> &'static str {
    if secure(hub) {
        SECURE_COOKIE
    } else {
        PLAIN_COOKIE
    }
}

/// A fresh session id: the cookie's value.
pub fn new_session_id() -> String {
    super::random_token(32)
}

/// What the store keeps of a bearer value: its lowercase hex SHA-256.
pub fn hash(value: &str) -> String {
    hex::encode(Sha256::digest(value.as_bytes()))
}

/// The `Set-Cookie` value that hands out session id `value`.
pub fn issue_cookie(hub: &Hub, value: &str) -> HeaderValue {
    cookie_header(hub, value, hub.config.session_max.as_secs())
}

/// The `Set-Cookie` value that makes the browser forget the session cookie.
pub fn clear_cookie(hub: &Hub) -> HeaderValue {
    cookie_header(hub, "", 0)
}

fn cookie_header(hub: &Hub, value: &str, max_age: u64) -> HeaderValue {
    let secure = if secure(hub) { "; Secure" } else { "" };
    let cookie = format!(
        "{}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}",
        cookie_name(hub)
    );
    // The value is base64url and the rest is fixed ASCII.
    HeaderValue::try_from(cookie).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The session cookie's value in a request, if it carries one.
pub fn cookie_value<'h>(hub: &Hub, headers: &'h HeaderMap) -> Option<&'h str> {
    let name = cookie_name(hub);
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, v)| *k == name && !v.is_empty())
        .map(|(_, v)| v)
}

/// Seconds since the Unix epoch, as the store counts.
pub fn now_s() -> i64 {
    i64::try_from(super::unix_seconds()).unwrap_or(i64::MAX)
}

/// Who the request's session cookie signed in as: `None` without a cookie, or with one whose
/// session has ended (or if the store fails, which is logged). The principal acts in the
/// person's organization; it may host (role facilitator, control grant) when the
/// organization's `facilitators` setting lets their role, else it takes part.
pub async fn principal_from_cookie(hub: &Hub, headers: &HeaderMap) -> Option<Principal> {
    let value = cookie_value(hub, headers)?;
    let session_hash = hash(value);
    let now = now_s();
    let idle = i64::try_from(hub.config.session_idle.as_secs()).unwrap_or(i64::MAX);
    let session = match hub.store.web_session(&session_hash, now, idle).await {
        Ok(Some(session)) => session,
        Ok(None) => return None,
        Err(err) => {
            tracing::error!(%err, "reading a web session failed");
            return None;
        }
    };
    if now - session.last_seen_at >= TOUCH_EVERY_S
        && let Err(err) = hub.store.touch_web_session(&session_hash, now).await
    {
        tracing::warn!(%err, "recording a web session's use failed");
    }
    let role = if session.facilitators.may_host(session.user.role) {
        TokenRole::Facilitator
    } else {
        TokenRole::Participant
    };
    Some(Principal {
        user: session.user.id,
        name: session.user.name,
        org: session.user.org,
        role,
        org_role: Some(session.user.role),
        grants: Grants::for_role(role),
        room: None,
        // The session's absolute end: a socket opened with the cookie closes then (4004).
        expires_at: u64::try_from(session.expires_at).ok(),
        source: Source::Cookie { session_hash },
    })
}

/// The origin (`scheme://host[:port]`, lowercase) of a URL.
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    if scheme.is_empty() || authority.is_empty() {
        return None;
    }
    Some(format!("{scheme}://{authority}").to_ascii_lowercase())
}

/// Checks a cookie-authenticated request that changes state (or opens a WebSocket): its
/// `Origin` must be the server's own (its public URL's origin, or the request's own `Host`
/// under the scheme the server serves) or one listed in `allowed_origins` (`*` does not count:
/// it would let any site act with the cookie). A missing or `null` Origin is refused too:
/// browsers send it with every POST and every WebSocket. The 403 problem is `foreign-origin`.
pub fn check_origin(hub: &Hub, headers: &HeaderMap) -> Result<(), Problem> {
    let refuse = |detail: &str| {
        Err(Problem::new(
            StatusCode::FORBIDDEN,
            "foreign-origin",
            detail.to_owned(),
        ))
    };
    let Some(origin) = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) else {
        return refuse("a request signed in with the session cookie must carry this site's Origin");
    };
    let origin = origin.trim().to_ascii_lowercase();
    if origin_of(&hub.public_url).is_some_and(|own| own == origin) {
        return Ok(());
    }
    let scheme = if hub.config.tls.is_some() || hub.public_url.starts_with("https://") {
        "https"
    } else {
        "http"
    };
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    if host.is_some_and(|h| format!("{scheme}://{}", h.to_ascii_lowercase()) == origin) {
        return Ok(());
    }
    if hub
        .config
        .allowed_origins
        .iter()
        .any(|a| a != "*" && a.eq_ignore_ascii_case(&origin))
    {
        return Ok(());
    }
    refuse("this Origin may not act with the session cookie")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stored_hash_is_the_hex_sha256_of_the_cookie_value() {
        // echo -n abc | sha256sum
        assert_eq!(
            hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let id = new_session_id();
        assert_eq!(id.len(), 43, "32 bytes in base64url without padding");
        assert_ne!(id, new_session_id());
    }

    #[test]
    fn origins_are_scheme_and_authority() {
        assert_eq!(
            origin_of("https://Breakroom.example:8443/x?y").as_deref(),
            Some("https://breakroom.example:8443")
        );
        assert_eq!(
            origin_of("http://127.0.0.1:7878").as_deref(),
            Some("http://127.0.0.1:7878")
        );
        assert_eq!(origin_of("/relative"), None);
    }
}
