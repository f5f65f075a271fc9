//! People who sign in, their organizations, web sessions and invitations (issue 16).

use async_trait::async_trait;

/// People who sign in, their organizations, web sessions and invitations (issue 16).
#[async_trait]
pub trait IdentityStore: Send + Sync + 'static {}
