//! Guest tokens: what a guest link lets someone outside an organization do, as an access
//! token signed with the server's API key.
//!
//! A guest token is an ordinary access token ([`Claims`]) for one room, with the participant
//! role and grants, and two more claims: the organization of the room (`org`) and the id of
//! the guest link it was given out for (`link`). Those two are never trusted on their own:
//! every time the token is presented, [`check`] requires the link to exist, to be neither
//! revoked nor expired, and to name that organization and room. Revoking a link therefore
//! refuses its tokens at once, and closes its guests' sockets (`src/http/guest.rs`).

use super::{Claims, Grants, TokenError, TokenRole};
use crate::hub::{Hub, normalize_code};
use crate::store::GuestLink;

/// The longest a guest link may live: a week.
pub const MAX_LINK_TTL_S: u64 = 7 * 24 * 60 * 60;

/// The claims of a guest token for `link`, for a guest `user` called `name`, issued at `now`
/// and expiring at `exp` (Unix seconds).
pub fn claims(
    hub: &Hub,
    link: &GuestLink,
    user: String,
    name: String,
    now: u64,
    exp: u64,
) -> Claims {
    Claims {
        iss: hub.config.api_key.clone(),
        sub: user,
        name,
        email: None,
        room: Some(link.room.clone()),
        role: TokenRole::Participant,
        grants: Grants::for_role(TokenRole::Participant),
        iat: now,
        exp,
        org: Some(link.org.clone()),
        link: Some(link.id.clone()),
    }
}

/// Checks the organization and guest-link claims of a verified API-key token: a token with
/// neither acts in the default organization; a token with either must be a guest token whose
/// link is active and names its organization and room, with no more than a participant's role.
pub async fn check(hub: &Hub, claims: &Claims) -> Result<(), TokenError> {
    let (org, link) = match (&claims.org, &claims.link) {
        (None, None) => return Ok(()),
        (Some(org), Some(link)) => (org, link),
        _ => return Err(TokenError::Invalid),
    };
    let stored = match hub.store.guest_link(link).await {
        Ok(stored) => stored,
        Err(err) => {
            tracing::error!(%err, "reading a guest link failed");
            return Err(TokenError::Invalid);
        }
    };
    let Some(stored) = stored else {
        return Err(TokenError::Invalid);
    };
    let same_room = claims
        .room
        .as_deref()
        .is_some_and(|r| normalize_code(r) == normalize_code(&stored.room));
    let participant = claims.role != TokenRole::Facilitator && !claims.grants.control;
    if !stored.is_active(super::unix_seconds()) || stored.org != *org || !same_room || !participant
    {
        return Err(TokenError::Invalid);
    }
    Ok(())
}
