//! The live connections that said a valid hello, with who they act for, so that revoking a
//! credential reaches its sockets: signing out closes that web session's sockets, revoking a
//! token or disabling an embedding app closes theirs.

use std::sync::Arc;

use dashmap::DashMap;

use crate::auth::Principal;
use crate::outbox::Outbox;

/// A connection as the registry lists it.
#[derive(Debug, Clone)]
pub struct LiveConnection {
    /// Who it acts for.
    pub principal: Principal,
    /// Its outbox, through which it is closed.
    pub outbox: Arc<Outbox>,
}

/// Connection id → the connection. The only owner: a connection is listed after its hello and
/// unlisted when it ends.
#[derive(Debug, Default)]
pub struct LiveConnections {
    conns: DashMap<u64, LiveConnection>,
}

impl LiveConnections {
    /// Lists connection `id`, acting for `principal`.
    pub fn insert(&self, id: u64, principal: Principal, outbox: Arc<Outbox>) {
        self.conns.insert(id, LiveConnection { principal, outbox });
    }

    /// Replaces the principal of connection `id` (after an in-band token refresh).
    pub fn update(&self, id: u64, principal: Principal) {
        if let Some(mut c) = self.conns.get_mut(&id) {
            c.principal = principal;
        }
    }

    /// Unlists connection `id`.
    pub fn remove(&self, id: u64) {
        self.conns.remove(&id);
    }

    /// Closes every connection whose principal matches, with a close code and reason. Returns
    /// how many were closed. The outboxes are collected first: no map lock is held while closing.
    pub fn close_where(
        &self,
        matches: impl Fn(&Principal) -> bool,
        code: u16,
        reason: &str,
    ) -> usize {
        let doomed: Vec<Arc<Outbox>> = self
            .conns
            .iter()
            .filter(|c| matches(&c.principal))
            .map(|c| c.outbox.clone())
            .collect();
        for outbox in &doomed {
            outbox.close(code, reason);
        }
        doomed.len()
    }

    /// How many connections are listed for an embedding app.
    pub fn count_where(&self, matches: impl Fn(&Principal) -> bool) -> usize {
        self.conns.iter().filter(|c| matches(&c.principal)).count()
    }
}
