//! Persistence behind small traits, so that another backend (PostgreSQL) can be added without
//! touching the rooms. What is stored:
//! - the session summaries: numbers, and beside each participant's results their user id,
//!   display name and team; beside each session the user id of the room's creator (who may
//!   read it) and its organization;
//! - about people who sign in with OpenID Connect ([`IdentityStore`]): the provider's subject,
//!   a name, a verified email and a language, their organization and role; their web sessions;
//! - organizations' invitations and guest links ([`AccessStore`]) and embedding apps
//!   ([`AppStore`]).
//!
//! Bearer secrets (session ids, invitation and guest-link tokens) are stored only as their
//! SHA-256; no ID token, refresh token, raw claim or password is ever stored.

mod access;
mod apps;
mod identity;
mod sqlite;

use async_trait::async_trait;
use breakroom_protocol::{Micros, SessionSummary};
use serde::Serialize;

pub use access::{AccessStore, GuestLink, OrgSessionListing, SessionScope};
pub use apps::{AppAlg, AppKey, AppRecord, AppStore};
pub use identity::{
    Admission, DerivedOrg, Facilitators, IdentityStore, Invitation, Organization, Person, User,
    WebSession,
};
pub use sqlite::SqliteStore;

/// One line of a room's session list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SessionListing {
    /// Session id.
    pub session: String,
    /// Program name.
    pub program: String,
    /// Start, server µs.
    pub started_at: Micros,
    /// End, server µs.
    pub ended_at: Micros,
    /// How many took part.
    pub participants: u32,
}

/// What saving a summary did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Saved {
    /// Written now.
    Inserted,
    /// Already there (a retry): nothing written.
    AlreadyPresent,
}

/// A stored session summary, with who created the room it was held in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSummary {
    /// The summary, as served.
    pub summary: SessionSummary,
    /// The user id (token `sub`) of the room's creator; `None` for sessions stored before it
    /// was recorded. Never served: it only decides who may read.
    pub created_by: Option<String>,
    /// The organization the session was held in. Never served: it only decides who may read.
    pub org: String,
}

/// A storage failure.
#[derive(Debug, thiserror::Error)]
#[error("storage: {0}")]
pub struct StoreError(#[from] pub sqlx::Error);

/// The storage operations breakroom needs: the session summaries here, the rest in one
/// trait per area.
#[async_trait]
pub trait Store: IdentityStore + AccessStore + AppStore + Send + Sync + 'static {
    /// Saves a session summary exactly once, with the user id of the room's creator and the
    /// room's organization: idempotent on the session id, safe to retry.
    async fn save_summary(
        &self,
        summary: &SessionSummary,
        created_by: &str,
        org: &str,
    ) -> Result<Saved, StoreError>;
    /// A session's summary and who created its room.
    async fn summary(&self, session: &str) -> Result<Option<StoredSummary>, StoreError>;
    /// The sessions held in a room of organization `org`, oldest first; with `created_by`,
    /// only those of rooms that user created. Codes are unique among live rooms only, so the
    /// same code may name rooms of other organizations over time: their sessions are not listed.
    async fn sessions_of_room(
        &self,
        org: &str,
        room: &str,
        created_by: Option<&str>,
    ) -> Result<Vec<SessionListing>, StoreError>;
    /// Whether the store answers (for `/readyz`).
    async fn ping(&self) -> Result<(), StoreError>;
}
