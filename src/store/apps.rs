//! Embedding apps and revoked token ids (issue 16).

use async_trait::async_trait;

/// Embedding apps and revoked token ids (issue 16).
#[async_trait]
pub trait AppStore: Send + Sync + 'static {}
