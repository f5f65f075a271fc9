//! When to fetch a provider's signing keys (its JWKS) again: on a schedule (keys older than a
//! maximum age), and when a token names a key id the set does not hold, at most once per minimum
//! interval, so forged key ids cannot make breakroom hammer the provider. Time is an input.

use std::time::Duration;

use tokio::time::Instant;

/// The policy's two durations.
#[derive(Debug, Clone, Copy)]
pub struct KeyRefresh {
    /// Keys older than this are fetched again before use.
    pub max_age: Duration,
    /// After a fetch, an unknown key id causes no new fetch for this long.
    pub min_interval: Duration,
}

impl Default for KeyRefresh {
    fn default() -> Self {
        KeyRefresh {
            max_age: Duration::from_secs(3600),
            min_interval: Duration::from_secs(30),
        }
    }
}

/// Why the keys are fetched now, if they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refetch {
    /// The set is older than the maximum age.
    Scheduled,
    /// The token names a key the set does not hold.
    UnknownKid,
}

impl KeyRefresh {
    /// Whether to fetch before verifying a token, given when the keys were last fetched and
    /// whether the set holds the token's key.
    pub(crate) fn decide(
        &self,
        now: Instant,
        fetched_at: Instant,
        kid_known: bool,
    ) -> Option<Refetch> {
        let age = now.saturating_duration_since(fetched_at);
        if age >= self.max_age {
            Some(Refetch::Scheduled)
        } else if !kid_known && age >= self.min_interval {
            Some(Refetch::UnknownKid)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_kids_refetch_at_most_once_per_interval_and_old_keys_always() {
        let policy = KeyRefresh {
            max_age: Duration::from_secs(3600),
            min_interval: Duration::from_secs(30),
        };
        let t0 = Instant::now();
        let at = |s| t0 + Duration::from_secs(s);
        assert_eq!(policy.decide(at(0), t0, true), None);
        assert_eq!(policy.decide(at(10), t0, false), None, "rate-limited");
        assert_eq!(policy.decide(at(30), t0, false), Some(Refetch::UnknownKid));
        assert_eq!(policy.decide(at(3599), t0, true), None);
        assert_eq!(policy.decide(at(3600), t0, true), Some(Refetch::Scheduled));
    }
}
