//! When to reconnect: which drops warrant it, and how long to wait before each attempt.

use std::time::Duration;

use breakroom_protocol::close;

/// The close code reported for a connection that ended without a close frame.
pub(crate) const ABNORMAL: u16 = 1006;

/// Whether a connection that ended with this close code should be re-established.
///
/// Only drops the client did not cause and that a new connection can fix: no close frame
/// (1006), the server going away (1001), a server failure (1011) and a slow consumer (4002).
/// Never after a normal close (1000), a policy violation (1008), a kick (4000), a resume
/// elsewhere (4001), a closed room (4003), nor when the credentials ended: signed out (4004),
/// token expired (4005), revoked (4006). Nor after any code this version does not know.
pub(crate) fn reconnectable(code: u16) -> bool {
    matches!(
        code,
        close::GOING_AWAY | ABNORMAL | close::INTERNAL | close::SLOW_CONSUMER
    )
}

/// The longest wait before reconnection attempt `attempt` (counting from 1): `base` doubled
/// for each earlier attempt, capped at `max`.
pub(crate) fn ceiling(attempt: u32, base: Duration, max: Duration) -> Duration {
    let doublings = attempt.saturating_sub(1).min(31);
    base.saturating_mul(1 << doublings).min(max)
}

/// The wait before attempt `attempt` with "full jitter": uniform in `[0, ceiling]`. `unit` is
/// a random number in `[0, 1)`; taking it as an argument keeps this function deterministic.
pub(crate) fn delay(attempt: u32, base: Duration, max: Duration, unit: f64) -> Duration {
    ceiling(attempt, base, max).mul_f64(unit.clamp(0.0, 1.0))
}

/// [`delay`] with a fresh random `unit`.
pub(crate) fn random_delay(attempt: u32, base: Duration, max: Duration) -> Duration {
    delay(attempt, base, max, rand::random::<f64>())
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn ceiling_doubles_up_to_the_cap() {
        let check = |attempt, expected_ms| {
            assert_eq!(
                ceiling(attempt, 250 * MS, 10_000 * MS),
                expected_ms * MS,
                "attempt {attempt}"
            );
        };
        check(0, 250);
        check(1, 250);
        check(2, 500);
        check(3, 1_000);
        check(6, 8_000);
        check(7, 10_000);
        check(1_000, 10_000);
    }

    #[test]
    fn full_jitter_spans_zero_to_the_ceiling() {
        assert_eq!(delay(3, 250 * MS, 10_000 * MS, 0.0), Duration::ZERO);
        assert_eq!(delay(3, 250 * MS, 10_000 * MS, 0.5), 500 * MS);
        assert_eq!(delay(3, 250 * MS, 10_000 * MS, 7.0), 1_000 * MS);
        for attempt in 1..20 {
            let d = random_delay(attempt, 250 * MS, 10_000 * MS);
            assert!(d <= ceiling(attempt, 250 * MS, 10_000 * MS));
        }
    }

    #[test]
    fn only_abnormal_drops_reconnect() {
        let yes = [1001, 1006, 1011, 4002];
        let no = [1000, 1002, 1008, 1009, 4000, 4001, 4003, 4004, 4005, 4006];
        assert!(yes.iter().all(|&c| reconnectable(c)));
        assert!(no.iter().all(|&c| !reconnectable(c)));
    }
}
