//! Open connections per user, under a cap.

use dashmap::DashMap;

/// How many connections each user has open. The only owner of the counts: a connection is
/// admitted with [`UserConnections::try_open`] and released with [`UserConnections::close`].
#[derive(Debug)]
pub struct UserConnections {
    /// User id → open connections (absent means none).
    counts: DashMap<String, usize>,
    /// Most open connections per user.
    cap: usize,
}

impl UserConnections {
    /// Counts under a cap of `cap` connections per user.
    pub fn new(cap: usize) -> UserConnections {
        UserConnections {
            counts: DashMap::new(),
            cap,
        }
    }

    /// Counts one more connection for `user`, unless they are at the cap (then `false`).
    pub fn try_open(&self, user: &str) -> bool {
        let mut count = self.counts.entry(user.to_owned()).or_insert(0);
        if *count >= self.cap {
            return false;
        }
        *count += 1;
        true
    }

    /// Releases one of `user`'s connections.
    pub fn close(&self, user: &str) {
        if let Some(mut n) = self.counts.get_mut(user) {
            *n = n.saturating_sub(1);
        }
        self.counts.remove_if(user, |_, n| *n == 0);
    }

    /// How many connections `user` has open.
    pub fn open(&self, user: &str) -> usize {
        self.counts.get(user).map_or(0, |n| *n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_at_the_cap_is_refused_until_one_closes_and_others_are_not_affected() {
        let conns = UserConnections::new(2);
        assert!(conns.try_open("ada") && conns.try_open("ada"));
        assert!(!conns.try_open("ada"), "a third is refused");
        assert_eq!(conns.open("ada"), 2, "a refusal takes no slot");
        assert!(conns.try_open("linus"));
        conns.close("ada");
        assert!(conns.try_open("ada"));
        conns.close("ada");
        conns.close("ada");
        conns.close("ada");
        assert_eq!(conns.open("ada"), 0);
        assert!(
            !conns.counts.contains_key("ada"),
            "no entry is kept at zero"
        );
    }
}
