//! What organizations see: the guest links of their rooms, and the lists of their sessions
//! (issue 16). Who may see which is decided over REST (`src/http/access.rs`); the store
//! answers exactly the scope it is given.

use async_trait::async_trait;
use breakroom_protocol::Micros;
use serde::Serialize;

use super::StoreError;

/// A guest link: lets people outside an organization join one of its rooms as participants.
/// The token in the link is stored only as its SHA-256 (`id_hash`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuestLink {
    /// The link's id (not a secret: it names the link in lists and revocations).
    pub id: String,
    /// Lowercase hex SHA-256 of the token in the link.
    pub id_hash: String,
    /// The organization of the room.
    pub org: String,
    /// The room's code, `XXXX-XXXX`.
    pub room: String,
    /// The user id of whoever made it.
    pub created_by: String,
    /// When it was made (Unix seconds).
    pub created_at: u64,
    /// When it stops working (Unix seconds).
    pub expires_at: u64,
    /// Whether it was revoked.
    pub revoked: bool,
}

impl GuestLink {
    /// Whether the link still lets guests in at `now` (Unix seconds).
    pub fn is_active(&self, now: u64) -> bool {
        !self.revoked && self.expires_at > now
    }
}

/// Which of an organization's sessions a list holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionScope<'a> {
    /// All of them (an admin, the API key for the default organization).
    Org,
    /// Those a person took part in (`joined` is their user id), and those held in rooms they
    /// created (`hosted`, when they may have created any).
    Person {
        /// The user id to match against the participants.
        joined: &'a str,
        /// The user id to match against the rooms' creators.
        hosted: Option<&'a str>,
    },
}

/// One line of an organization's session list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct OrgSessionListing {
    /// Session id.
    pub session: String,
    /// The room code it was held under, `XXXX-XXXX`.
    pub room: String,
    /// Program name.
    pub program: String,
    /// Start, server µs.
    pub started_at: Micros,
    /// End, server µs.
    pub ended_at: Micros,
    /// How many took part.
    pub participants: u32,
}

/// What organizations see: the guest links of their rooms, and the lists of their sessions.
#[async_trait]
pub trait AccessStore: Send + Sync + 'static {
    /// Keeps a new guest link.
    async fn insert_guest_link(&self, link: &GuestLink) -> Result<(), StoreError>;
    /// The guest link with an id.
    async fn guest_link(&self, id: &str) -> Result<Option<GuestLink>, StoreError>;
    /// The guest link whose token has this SHA-256 (lowercase hex).
    async fn guest_link_by_hash(&self, id_hash: &str) -> Result<Option<GuestLink>, StoreError>;
    /// The links of a room of an organization still active at `now`, newest first.
    async fn guest_links_of_room(
        &self,
        org: &str,
        room: &str,
        now: u64,
    ) -> Result<Vec<GuestLink>, StoreError>;
    /// Revokes a link; whether it existed and was not revoked already.
    async fn revoke_guest_link(&self, id: &str) -> Result<bool, StoreError>;
    /// An organization's sessions in `scope`, newest first, at most `limit`.
    async fn org_sessions(
        &self,
        org: &str,
        scope: SessionScope<'_>,
        limit: u32,
    ) -> Result<Vec<OrgSessionListing>, StoreError>;
}
