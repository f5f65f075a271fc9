//! What organizations see: guest links and the organization's sessions (issue 16).

use async_trait::async_trait;

/// What organizations see: guest links and the organization's sessions (issue 16).
#[async_trait]
pub trait AccessStore: Send + Sync + 'static {}
