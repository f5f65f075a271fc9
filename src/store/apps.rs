//! Embedding apps and revoked token ids (issue 16).
//!
//! An app belongs to one organization and proves its join tokens with an HS256 shared secret,
//! a PEM public key or a JWKS URL (ES256 or EdDSA). The shared secret is kept (it is needed to
//! verify) but never served and never logged: [`AppRecord`]'s `Debug` leaves it out. A revoked
//! token id is kept until the token would have expired anyway.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::StoreError;

/// The signature algorithm an app signs its join tokens with. A token is verified with the
/// app's algorithm only, whatever its header says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub enum AppAlg {
    /// HMAC with SHA-256 and a shared secret.
    HS256,
    /// ECDSA on P-256 with SHA-256.
    ES256,
    /// Ed25519.
    EdDSA,
}

impl AppAlg {
    /// The name in the store and over REST.
    pub fn as_str(self) -> &'static str {
        match self {
            AppAlg::HS256 => "HS256",
            AppAlg::ES256 => "ES256",
            AppAlg::EdDSA => "EdDSA",
        }
    }

    /// An algorithm from its name.
    pub fn parse(s: &str) -> Option<AppAlg> {
        match s {
            "HS256" => Some(AppAlg::HS256),
            "ES256" => Some(AppAlg::ES256),
            "EdDSA" => Some(AppAlg::EdDSA),
            _ => None,
        }
    }
}

/// How an app's tokens are verified.
#[derive(Clone, PartialEq, Eq)]
pub enum AppKey {
    /// The HS256 shared secret.
    Secret(String),
    /// A PEM public key (`-----BEGIN PUBLIC KEY-----`).
    PublicKeyPem(String),
    /// The URL of a JSON Web Key Set; a token's `kid` picks the key.
    JwksUrl(String),
}

/// A registered embedding app.
#[derive(Clone, PartialEq, Eq)]
pub struct AppRecord {
    /// The app's id: its tokens' `iss`.
    pub id: String,
    /// The organization it belongs to; its users act in it.
    pub org: String,
    /// A name for people.
    pub name: String,
    /// Browser origins the app's pages are served from.
    pub origins: Vec<String>,
    /// The algorithm its tokens must use.
    pub alg: AppAlg,
    /// How its tokens are verified.
    pub key: AppKey,
    /// A disabled app's tokens are refused and its connections closed.
    pub disabled: bool,
    /// Most live connections at once, if limited.
    pub max_connections: Option<u32>,
    /// Most live rooms created by its tokens at once, if limited.
    pub max_rooms: Option<u32>,
    /// When it was registered, Unix seconds.
    pub created_at: u64,
}

impl std::fmt::Debug for AppRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the secret.
        let key = match &self.key {
            AppKey::Secret(_) => "secret",
            AppKey::PublicKeyPem(_) => "public key",
            AppKey::JwksUrl(_) => "jwks url",
        };
        f.debug_struct("AppRecord")
            .field("id", &self.id)
            .field("org", &self.org)
            .field("alg", &self.alg)
            .field("key", &key)
            .field("disabled", &self.disabled)
            .finish_non_exhaustive()
    }
}

/// Embedding apps and revoked token ids (issue 16).
#[async_trait]
pub trait AppStore: Send + Sync + 'static {
    /// Registers an app (its id is new).
    async fn insert_app(&self, app: &AppRecord) -> Result<(), StoreError>;
    /// An app by id.
    async fn app(&self, id: &str) -> Result<Option<AppRecord>, StoreError>;
    /// An organization's apps, oldest first.
    async fn apps_of_org(&self, org: &str) -> Result<Vec<AppRecord>, StoreError>;
    /// Disables or enables an app; false when there is no such app.
    async fn set_app_disabled(&self, id: &str, disabled: bool) -> Result<bool, StoreError>;
    /// Revokes an app's token id until `expires_at` (Unix seconds), when the token expires
    /// anyway. Revoking twice keeps the later expiry. Rows past their expiry are dropped.
    async fn revoke_token(
        &self,
        app: &str,
        jti: &str,
        expires_at: u64,
        now: u64,
    ) -> Result<(), StoreError>;
    /// Whether an enabled app lists a browser origin.
    async fn origin_listed(&self, origin: &str) -> Result<bool, StoreError>;
    /// Every revocation not past its expiry at `now`: (app, jti, expires_at).
    async fn revocations(&self, now: u64) -> Result<Vec<(String, String, u64)>, StoreError>;
    /// Whether an app's token id is revoked.
    async fn is_revoked(&self, app: &str, jti: &str) -> Result<bool, StoreError>;
}
