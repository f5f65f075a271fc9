//! Logins under way: for each `state`, the `nonce` and the PKCE verifier, kept on the server
//! until the callback, for a bounded time, and given out once. Nonces seen in accepted ID tokens
//! are remembered as long, so a token cannot be accepted twice. Time is an input.

use std::collections::HashMap;
use std::time::Duration;

use tokio::time::Instant;

/// What the callback needs from the start of one login.
#[derive(Debug)]
pub struct PendingLogin {
    /// The `nonce` the ID token must carry.
    pub(crate) nonce: String,
    /// The PKCE code verifier, sent with the code exchange.
    pub(crate) pkce_verifier: String,
    /// When this login started.
    created: Instant,
}

impl PendingLogin {
    /// The nonce the ID token must carry.
    pub fn nonce(&self) -> &str {
        &self.nonce
    }
}

/// The pending logins of one provider, and the nonces already used.
#[derive(Debug)]
pub(crate) struct PendingLogins {
    /// How long a login may take, and how long a used nonce is remembered.
    ttl: Duration,
    /// At most this many logins pending: the oldest go first.
    capacity: usize,
    by_state: HashMap<String, PendingLogin>,
    used_nonces: HashMap<String, Instant>,
}

impl PendingLogins {
    pub(crate) fn new(ttl: Duration, capacity: usize) -> Self {
        PendingLogins {
            ttl,
            capacity,
            by_state: HashMap::new(),
            used_nonces: HashMap::new(),
        }
    }

    /// Remembers a new login.
    pub(crate) fn insert(
        &mut self,
        now: Instant,
        state: String,
        nonce: String,
        pkce_verifier: String,
    ) {
        self.expire(now);
        if self.by_state.len() >= self.capacity
            && let Some(oldest) = self
                .by_state
                .iter()
                .min_by_key(|(_, p)| p.created)
                .map(|(s, _)| s.clone())
        {
            self.by_state.remove(&oldest);
        }
        self.by_state.insert(
            state,
            PendingLogin {
                nonce,
                pkce_verifier,
                created: now,
            },
        );
    }

    /// The login of this `state`, removed: a state works once, and not after the ttl.
    pub(crate) fn take(&mut self, now: Instant, state: &str) -> Option<PendingLogin> {
        self.expire(now);
        self.by_state.remove(state)
    }

    /// Marks a nonce used; false when it already was.
    pub(crate) fn use_nonce(&mut self, now: Instant, nonce: &str) -> bool {
        self.expire(now);
        if self.used_nonces.contains_key(nonce) {
            return false;
        }
        self.used_nonces.insert(nonce.to_owned(), now);
        true
    }

    fn expire(&mut self, now: Instant) {
        let ttl = self.ttl;
        self.by_state
            .retain(|_, p| now.saturating_duration_since(p.created) < ttl);
        // A token's nonce is remembered for twice the login time: a token cannot outlive that
        // unnoticed, as its state is gone after one ttl.
        self.used_nonces
            .retain(|_, at| now.saturating_duration_since(*at) < ttl * 2);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_works_once_and_not_after_its_ttl() {
        let t0 = Instant::now();
        let mut p = PendingLogins::new(Duration::from_secs(600), 10);
        p.insert(t0, "s1".into(), "n1".into(), "v1".into());
        p.insert(t0, "s2".into(), "n2".into(), "v2".into());
        assert_eq!(p.take(t0, "s1").map(|l| l.nonce), Some("n1".into()));
        assert!(p.take(t0, "s1").is_none(), "a state is one use");
        assert!(p.take(t0, "nope").is_none());
        assert!(
            p.take(t0 + Duration::from_secs(600), "s2").is_none(),
            "expired"
        );
    }

    #[test]
    fn a_nonce_is_accepted_once() {
        let t0 = Instant::now();
        let mut p = PendingLogins::new(Duration::from_secs(600), 10);
        assert!(p.use_nonce(t0, "n"));
        assert!(!p.use_nonce(t0 + Duration::from_secs(1), "n"));
        assert!(p.use_nonce(t0, "m"));
    }

    #[test]
    fn past_capacity_the_oldest_login_goes() {
        let t0 = Instant::now();
        let mut p = PendingLogins::new(Duration::from_secs(600), 2);
        for (i, s) in ["a", "b", "c"].into_iter().enumerate() {
            p.insert(
                t0 + Duration::from_secs(i as u64),
                s.into(),
                s.into(),
                s.into(),
            );
        }
        let t = t0 + Duration::from_secs(3);
        assert!(p.take(t, "a").is_none());
        assert!(p.take(t, "b").is_some() && p.take(t, "c").is_some());
    }
}
