//! [`super::super::IdentityStore`] on SQLite.

use async_trait::async_trait;

use super::SqliteStore;
use crate::store::IdentityStore;

#[async_trait]
impl IdentityStore for SqliteStore {}
