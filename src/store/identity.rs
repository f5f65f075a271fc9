//! People who sign in, their organizations, web sessions and invitations (issue 16).
//!
//! A person is keyed on their provider and its subject (`tid:oid` for Entra), never on an email.
//! What is kept about them: a name, a verified email and a language hint, kept current at each
//! sign-in. Web sessions and invitations are stored by the SHA-256 of their bearer value
//! (`id_hash`) only: the raw value exists only in the cookie or the link.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::StoreError;
use crate::auth::OrgRole;

/// Who may host sessions in an organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Facilitators {
    /// Every member may host.
    All,
    /// Only facilitators and admins.
    Listed,
}

impl Facilitators {
    /// The setting's name in the store and over REST.
    pub fn as_str(self) -> &'static str {
        match self {
            Facilitators::All => "all",
            Facilitators::Listed => "listed",
        }
    }

    /// The setting from its name; anything unknown is the stricter `listed`.
    pub fn parse(s: &str) -> Facilitators {
        if s == "all" {
            Facilitators::All
        } else {
            Facilitators::Listed
        }
    }

    /// Whether someone of `role` may host under this setting.
    pub fn may_host(self, role: OrgRole) -> bool {
        self == Facilitators::All || role >= OrgRole::Facilitator
    }
}

/// An organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organization {
    /// Its id (`default`, or `o_…`).
    pub id: String,
    /// Its display name.
    pub name: String,
    /// Where it came from: `default`, `entra`, `google` or `invitation`.
    pub source: String,
    /// `entra:<tenant id>` or `google:<hosted domain>`, for organizations derived from a
    /// provider.
    pub external_key: Option<String>,
    /// Who may host.
    pub facilitators: Facilitators,
}

/// A person who signed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// The user id, `u_…`.
    pub id: String,
    /// The provider's configured id.
    pub provider: String,
    /// The key within that provider.
    pub subject: String,
    /// Display name.
    pub name: String,
    /// Verified email, if the provider gave one.
    pub email: Option<String>,
    /// Language hint.
    pub language: Option<String>,
    /// The organization.
    pub org: String,
    /// The role in it.
    pub role: OrgRole,
}

/// What a provider says about a person at sign-in (from a verified ID token).
#[derive(Debug, Clone, Copy)]
pub struct Person<'a> {
    /// The provider's configured id.
    pub provider: &'a str,
    /// The key within that provider.
    pub subject: &'a str,
    /// A name, if the provider gave one this time (Apple gives it once).
    pub name: Option<&'a str>,
    /// A verified email.
    pub email: Option<&'a str>,
    /// A language hint.
    pub language: Option<&'a str>,
}

/// The organization a provider derives for a person (an Entra tenant, a Google domain).
#[derive(Debug, Clone, Copy)]
pub struct DerivedOrg<'a> {
    /// `entra:<tid>` or `google:<hd>`.
    pub external_key: &'a str,
    /// `entra` or `google`.
    pub source: &'a str,
    /// The name given to it if it is created now.
    pub name: &'a str,
}

/// How a sign-in ended in the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admission {
    /// A person already known: name, email and language updated; organization and role kept.
    Known(User),
    /// A new person, placed in an organization (by invitation, or derived from the provider).
    New(User),
    /// Unknown, with no valid invitation and no organization derived from the provider.
    NoOrganization,
}

/// A web session, as looked up by its cookie.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebSession {
    /// The signed-in person.
    pub user: User,
    /// Their organization's name.
    pub org_name: String,
    /// Who may host in their organization.
    pub facilitators: Facilitators,
    /// When the session was last used (Unix seconds).
    pub last_seen_at: i64,
    /// When it ends regardless of use (Unix seconds).
    pub expires_at: i64,
}

/// An invitation into an organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Invitation {
    /// Its id (not the token: the token is only in the link).
    pub id: String,
    /// The organization it brings people into.
    #[serde(skip)]
    pub org: String,
    /// The role given.
    #[schema(value_type = String, example = "member")]
    pub role: OrgRole,
    /// The user id of the admin who made it.
    pub created_by: String,
    /// When it was made (Unix seconds).
    pub created_at: i64,
    /// When it stops working (Unix seconds).
    pub expires_at: i64,
}

/// People who sign in, their organizations, web sessions and invitations (issue 16).
#[async_trait]
pub trait IdentityStore: Send + Sync + 'static {
    /// Signs a person in: a known person (by provider and subject) gets their name (when
    /// given), email and language updated and keeps their organization and role. An unknown
    /// one is placed by a valid invitation (consumed: one person per invitation), else in the
    /// organization `derived` names (created if new; its first user becomes its admin), else
    /// refused. One transaction.
    async fn admit(
        &self,
        person: &Person<'_>,
        invitation_hash: Option<&str>,
        derived: Option<&DerivedOrg<'_>>,
        now: i64,
    ) -> Result<Admission, StoreError>;
    /// A user by id.
    async fn user(&self, id: &str) -> Result<Option<User>, StoreError>;
    /// An organization by id.
    async fn organization(&self, id: &str) -> Result<Option<Organization>, StoreError>;
    /// An organization by its external key (`entra:<tid>`, `google:<hd>`).
    async fn organization_by_key(&self, key: &str) -> Result<Option<Organization>, StoreError>;
    /// Creates an organization (its id must be new).
    async fn create_organization(&self, org: &Organization, now: i64) -> Result<(), StoreError>;
    /// Sets who may host in an organization; false when there is no such organization.
    async fn set_facilitators(&self, org: &str, who: Facilitators) -> Result<bool, StoreError>;

    /// Creates a web session for a user.
    async fn create_web_session(
        &self,
        id_hash: &str,
        user: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<(), StoreError>;
    /// The web session of a cookie, if it is valid at `now`: `expires_at > now` and
    /// `last_seen_at + idle_s > now`.
    async fn web_session(
        &self,
        id_hash: &str,
        now: i64,
        idle_s: i64,
    ) -> Result<Option<WebSession>, StoreError>;
    /// Records that a session was used at `now`.
    async fn touch_web_session(&self, id_hash: &str, now: i64) -> Result<(), StoreError>;
    /// Ends a web session; false when there was none.
    async fn revoke_web_session(&self, id_hash: &str) -> Result<bool, StoreError>;
    /// Ends every web session of a user; how many there were.
    async fn revoke_web_sessions_of(&self, user: &str) -> Result<u64, StoreError>;

    /// Stores a new invitation under the hash of its token.
    async fn create_invitation(&self, inv: &Invitation, id_hash: &str) -> Result<(), StoreError>;
    /// The invitation of a token hash, if it still works at `now` (not used, revoked or
    /// expired).
    async fn invitation(&self, id_hash: &str, now: i64) -> Result<Option<Invitation>, StoreError>;
    /// The invitations of an organization that still work at `now`, newest first.
    async fn invitations(&self, org: &str, now: i64) -> Result<Vec<Invitation>, StoreError>;
    /// Revokes an invitation of an organization; false when it has none with that id.
    async fn revoke_invitation(&self, org: &str, id: &str) -> Result<bool, StoreError>;

    /// The members of an organization, by name.
    async fn members(&self, org: &str) -> Result<Vec<User>, StoreError>;
    /// Sets a member's role; false when the organization has no such member.
    async fn set_role(&self, org: &str, user: &str, role: OrgRole) -> Result<bool, StoreError>;
}
