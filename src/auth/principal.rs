//! Who a request or a connection acts for, however it proved it: an access token signed with
//! the server's API key, an embedding app's join token, the web session cookie of someone who
//! signed in with OpenID Connect, or a guest link.
//!
//! Everything that decides access (REST reads, joining a room, hosting) looks at a
//! [`Principal`], never at the credential itself. Rooms and stored sessions belong to the
//! organization of the principal that created them; nobody outside it sees them.

use serde::{Deserialize, Serialize};

use super::{Claims, Grants, TokenError, TokenRole};
use crate::hub::Hub;

/// The organization of the server's API key (its first embedding app) and of `--dev` guests.
pub const DEFAULT_ORG: &str = "default";

/// A person's role within their organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgRole {
    /// Joins rooms.
    Member,
    /// Hosts sessions (by default every member may: see the organization's setting).
    Facilitator,
    /// Manages the organization: its members, invitations, guest links and embedding apps.
    Admin,
}

impl OrgRole {
    /// The role's name in the store and over REST.
    pub fn as_str(self) -> &'static str {
        match self {
            OrgRole::Member => "member",
            OrgRole::Facilitator => "facilitator",
            OrgRole::Admin => "admin",
        }
    }

    /// A role from its name.
    pub fn parse(s: &str) -> Option<OrgRole> {
        match s {
            "member" => Some(OrgRole::Member),
            "facilitator" => Some(OrgRole::Facilitator),
            "admin" => Some(OrgRole::Admin),
            _ => None,
        }
    }
}

/// How a principal proved who it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// An access token signed with the server's API key (HS256), `--dev` guest tokens included.
    ApiKey,
    /// A join token of an embedding app, with its token id when it has one.
    App {
        /// The app's id (the token's `iss`).
        app: String,
        /// The token's `jti`.
        jti: Option<String>,
    },
    /// The web session cookie of someone signed in with OpenID Connect.
    Cookie {
        /// The SHA-256 of the session id (what the store keeps).
        session_hash: String,
    },
    /// A token given out for a guest link.
    Guest {
        /// The guest link's id.
        link: String,
    },
}

/// Who a request or connection acts for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The user id: stable, never an email. Signed-in people: `u_…`; app users:
    /// `app:{app}:{sub}`; API-key tokens: their `sub`.
    pub user: String,
    /// The display name others in a room see.
    pub name: String,
    /// The organization acted in.
    pub org: String,
    /// The highest role the principal may take in a room.
    pub role: TokenRole,
    /// The role within the organization, for people who signed in.
    pub org_role: Option<OrgRole>,
    /// What the principal may publish or do in a room.
    pub grants: Grants,
    /// The one room the principal may join, when restricted.
    pub room: Option<String>,
    /// When the credential expires (Unix seconds): a token's `exp`, or a web session's absolute
    /// end (its idle expiry is the store's to enforce).
    pub expires_at: Option<u64>,
    /// How it proved who it is.
    pub source: Source,
}

impl Principal {
    /// The principal of an access token signed with the server's API key: a guest token
    /// (with a guest link and its organization, checked by [`super::guest::check`]) acts in
    /// the room's organization, any other in the default organization.
    pub fn from_api_key_claims(claims: Claims) -> Principal {
        let source = match claims.link {
            Some(link) => Source::Guest { link },
            None => Source::ApiKey,
        };
        Principal {
            user: claims.sub,
            name: claims.name,
            org: claims.org.unwrap_or_else(|| DEFAULT_ORG.to_owned()),
            role: claims.role,
            org_role: None,
            grants: claims.grants,
            room: claims.room,
            expires_at: Some(claims.exp),
            source,
        }
    }

    /// Whether the principal signed in with the web session cookie.
    pub fn is_cookie(&self) -> bool {
        matches!(self.source, Source::Cookie { .. })
    }

    /// Whether the principal may create rooms and host sessions.
    pub fn may_host(&self) -> bool {
        self.grants.control
    }
}

/// The principal of an access token presented in `hello` or as a bearer token: one signed
/// with the server's API key, or an embedding app's join token.
///
/// The token's issuer (read before anything is verified) only picks the verifier: the server's
/// API key (the default organization's first app), or the registered app of that id, which
/// checks everything else (see [`super::apps`]).
pub async fn authenticate_token(hub: &Hub, token: &str) -> Result<Principal, TokenError> {
    let iss = super::apps::issuer(token);
    if iss.is_none() || iss.as_deref() == Some(hub.config.api_key.as_str()) {
        return api_key_principal(hub, token).await;
    }
    hub.apps
        .verify(&*hub.store, token, super::unix_seconds())
        .await
}

/// The principal of a token signed with the server's API key; a guest token's link must still
/// hold.
async fn api_key_principal(hub: &Hub, token: &str) -> Result<Principal, TokenError> {
    let claims = hub.keys.verify(token)?;
    super::guest::check(hub, &claims).await?;
    Ok(Principal::from_api_key_claims(claims))
}
