//! [`super::super::AppStore`] on SQLite.

use async_trait::async_trait;

use super::SqliteStore;
use crate::store::AppStore;

#[async_trait]
impl AppStore for SqliteStore {}
