//! [`super::super::AccessStore`] on SQLite.

use async_trait::async_trait;

use super::SqliteStore;
use crate::store::AccessStore;

#[async_trait]
impl AccessStore for SqliteStore {}
