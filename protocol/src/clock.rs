//! NTP-style clock sync: the arithmetic a client needs to act on cues at the server's instant.
//!
//! A client sends `ping { t0 }` with its own clock's time; the server answers
//! `pong { t0, t1, t2 }` with its receive and send times; the client notes `t3` on receipt.
//! One exchange bounds the offset (server minus client) from both sides:
//! `t1 - t0 = offset + up` and `t2 - t3 = offset - down`, where `up` and `down` are the one-way
//! delays, both ≥ 0. So `t1 - t0` overestimates the offset by the way up and `t2 - t3`
//! underestimates it by the way down.
//!
//! [`ClockSync`] keeps every sample of the last [`WINDOW`] of client time (at most
//! [`MAX_SAMPLES`]) and filters each direction on its own: the smallest `t1 - t0` is the
//! fastest way up seen, the largest `t2 - t3` the fastest way down, and
//! `offset = (min(t1 - t0) + max(t2 - t3)) / 2`. On a jittery path this beats trusting the one
//! sample with the best round trip: the best way up and the best way down rarely come in the
//! same exchange.
//!
//! The limit no estimate here can pass: a path slower one way than the other shifts every
//! sample by half the difference, and nothing a client measures can tell. What is known is
//! the bound: the true offset lies within half the best round trip of the estimate
//! ([`ClockSync::uncertainty`]), on a path whose delays do not change.
//!
//! `protocol/vectors/clock.json` holds sample sequences with the expected offset and
//! uncertainty after each sample; every implementation of this estimator (this one, the
//! TypeScript SDK's) is tested against it.

use std::collections::VecDeque;

use crate::Micros;

/// How much client time the window of samples spans, in microseconds: a sample whose `t3` is
/// more than this before the newest `t3` is dropped.
pub const WINDOW: Micros = 60_000_000;

/// Most samples [`ClockSync`] keeps (the oldest goes first).
pub const MAX_SAMPLES: usize = 256;

/// One ping/pong exchange, all times in microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sample {
    /// Client clock when the ping was sent.
    pub t0: Micros,
    /// Server clock when the ping arrived.
    pub t1: Micros,
    /// Server clock when the pong left.
    pub t2: Micros,
    /// Client clock when the pong arrived.
    pub t3: Micros,
}

impl Sample {
    /// This sample alone's offset estimate, server clock minus client clock, in microseconds.
    pub fn offset(&self) -> i64 {
        halve(self.up(), self.down())
    }

    /// Network round trip, excluding the server's processing time (never negative).
    pub fn round_trip(&self) -> u64 {
        let total = self.t3.saturating_sub(self.t0);
        total.saturating_sub(self.t2.saturating_sub(self.t1))
    }

    /// `t1 - t0`: the offset plus the way up.
    fn up(&self) -> i128 {
        i128::from(self.t1) - i128::from(self.t0)
    }

    /// `t2 - t3`: the offset minus the way down.
    fn down(&self) -> i128 {
        i128::from(self.t2) - i128::from(self.t3)
    }
}

/// `(a + b) / 2`, truncated toward zero, saturating (rather than wrapping) for clocks more than
/// 2^63 µs apart, which only a broken or hostile peer can produce.
fn halve(a: i128, b: i128) -> i64 {
    let offset = (a + b) / 2;
    i64::try_from(offset).unwrap_or(if offset < 0 { i64::MIN } else { i64::MAX })
}

/// Estimates the server clock's offset from a window of recent samples, each direction
/// filtered on its own (see the [module docs](self)).
#[derive(Debug, Clone, Default)]
pub struct ClockSync {
    /// The window, oldest first.
    samples: VecDeque<Sample>,
    /// The newest `t3` seen: where the window ends.
    latest: Micros,
}

impl ClockSync {
    /// Adds a sample, then drops the samples older than [`WINDOW`] before the newest `t3` and
    /// the oldest past [`MAX_SAMPLES`].
    pub fn add(&mut self, sample: Sample) {
        self.latest = self.latest.max(sample.t3);
        self.samples.push_back(sample);
        let start = self.latest.saturating_sub(WINDOW);
        self.samples.retain(|s| s.t3 >= start);
        while self.samples.len() > MAX_SAMPLES {
            self.samples.pop_front();
        }
    }

    /// How many samples the window holds.
    pub fn len(&self) -> usize {
        self.samples.len()
    }

    /// Whether no sample has been taken (or every one has left the window).
    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }

    /// The shortest-round-trip sample of the window, if any.
    pub fn best(&self) -> Option<Sample> {
        self.samples.iter().min_by_key(|s| s.round_trip()).copied()
    }

    /// Server clock minus client clock, in microseconds (0 before any sample):
    /// `(min(t1 - t0) + max(t2 - t3)) / 2` over the window, truncated toward zero.
    pub fn offset(&self) -> i64 {
        let up = self.samples.iter().map(Sample::up).min();
        let down = self.samples.iter().map(Sample::down).max();
        match (up, down) {
            (Some(up), Some(down)) => halve(up, down),
            _ => 0,
        }
    }

    /// Half the best network round trip of the window, in microseconds (rounded down);
    /// `None` before any sample. On a path whose one-way delays hold still, the true offset
    /// is within this of [`ClockSync::offset`]; an asymmetric path is invisible to it.
    pub fn uncertainty(&self) -> Option<u64> {
        self.samples.iter().map(|s| s.round_trip() / 2).min()
    }

    /// Whether a sample can share the window's server clock. Every sample bounds the offset to
    /// `[t2 - t3, t1 - t0]`; one whose bounds miss the window's `[max(t2 - t3), min(t1 - t0)]`
    /// altogether comes from another clock (a restarted server, another node). Always true
    /// on an empty window. The TypeScript SDK's `ClockSync.agrees` is the same rule.
    pub fn agrees(&self, sample: &Sample) -> bool {
        let up = self.samples.iter().map(Sample::up).min();
        let down = self.samples.iter().map(Sample::down).max();
        match (up, down) {
            (Some(up), Some(down)) => sample.down() <= up && sample.up() >= down,
            _ => true,
        }
    }

    /// Forgets every sample.
    pub fn clear(&mut self) {
        self.samples.clear();
        self.latest = 0;
    }

    /// The server time corresponding to a client time.
    pub fn to_server(&self, client: Micros) -> Micros {
        client.saturating_add_signed(self.offset())
    }

    /// The client time at which a server time (e.g. a cue's `at`) occurs.
    pub fn to_client(&self, server: Micros) -> Micros {
        server.saturating_add_signed(self.offset().saturating_neg())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sample on a path with the given one-way delays, for a server `offset` µs ahead,
    /// sent at client time `t0`, served in `serve` µs.
    fn exchange(offset: i64, t0: Micros, up: u64, serve: u64, down: u64) -> Sample {
        let t1 = (t0 + up).saturating_add_signed(offset);
        Sample {
            t0,
            t1,
            t2: t1 + serve,
            t3: t0 + up + serve + down,
        }
    }

    #[test]
    fn each_direction_is_filtered_on_its_own() {
        let mut sync = ClockSync::default();
        // Server 1 s ahead. A fast way up with a slow way down, then the reverse: neither
        // sample alone is right, the pair is.
        sync.add(exchange(1_000_000, 0, 1_000, 100, 30_000));
        assert_eq!(sync.offset(), 1_000_000 - 14_500);
        assert_eq!(sync.uncertainty(), Some(15_500));
        sync.add(exchange(1_000_000, 100_000, 30_000, 100, 1_000));
        assert_eq!(sync.offset(), 1_000_000);
        assert_eq!(sync.uncertainty(), Some(15_500));
        assert_eq!(sync.to_client(2_000_000), 1_000_000);
        assert_eq!(sync.to_server(5), 1_000_005);
        // A symmetric fast one tightens the bound, not the (already right) estimate.
        sync.add(exchange(1_000_000, 200_000, 1_000, 100, 1_000));
        assert_eq!(sync.offset(), 1_000_000);
        assert_eq!(sync.uncertainty(), Some(1_000));
        assert_eq!(sync.best().map(|s| s.round_trip()), Some(2_000));
    }

    #[test]
    fn a_sample_from_another_clock_disagrees_with_the_window() {
        let mut sync = ClockSync::default();
        assert!(sync.agrees(&exchange(5_000_000, 0, 1_000, 0, 1_000)));
        sync.add(exchange(0, 0, 1_000, 100, 1_000));
        sync.add(exchange(0, 100_000, 10_000, 100, 10_000));
        // The same clock over a slow path: its bounds still hold the window's.
        assert!(sync.agrees(&exchange(0, 200_000, 40_000, 100, 40_000)));
        // A server 50 ms ahead of the old one (restarted, another node): out of bounds.
        let other = exchange(50_000, 300_000, 1_000, 100, 1_000);
        assert!(!sync.agrees(&other));
        sync.clear();
        assert!(sync.is_empty() && sync.agrees(&other));
        sync.add(other);
        assert_eq!(sync.offset(), 50_000);
    }

    #[test]
    fn samples_leave_the_window_after_a_minute() {
        let mut sync = ClockSync::default();
        // t3 = 2 ms, the best round trip.
        sync.add(exchange(0, 0, 1_000, 0, 1_000));
        sync.add(exchange(0, 1_000_000, 20_000, 0, 20_000));
        assert_eq!(sync.uncertainty(), Some(1_000));
        // A t3 exactly 60 s after the first sample's keeps it in...
        sync.add(exchange(0, WINDOW + 2_000 - 60_000, 30_000, 0, 30_000));
        assert_eq!(sync.len(), 3);
        assert_eq!(sync.uncertainty(), Some(1_000));
        // ...a microsecond later it is gone, and so is its bound.
        sync.add(exchange(0, WINDOW + 2_001 - 60_000, 30_000, 0, 30_000));
        assert_eq!(sync.len(), 3);
        assert_eq!(sync.uncertainty(), Some(20_000));
    }

    #[test]
    fn the_window_holds_at_most_max_samples() {
        let mut sync = ClockSync::default();
        sync.add(exchange(0, 0, 500, 0, 500));
        for i in 1..MAX_SAMPLES as u64 {
            sync.add(exchange(0, i * 1_000, 5_000, 0, 5_000));
        }
        assert_eq!(sync.len(), MAX_SAMPLES);
        assert_eq!(sync.uncertainty(), Some(500));
        sync.add(exchange(0, 1_000_000, 5_000, 0, 5_000));
        assert_eq!(sync.len(), MAX_SAMPLES);
        assert_eq!(sync.uncertainty(), Some(5_000));
    }

    #[test]
    fn nothing_known_before_the_first_sample() {
        let sync = ClockSync::default();
        assert!(sync.is_empty());
        assert_eq!(sync.offset(), 0);
        assert_eq!(sync.uncertainty(), None);
        assert_eq!(sync.to_client(7), 7);
    }

    #[test]
    fn absurd_samples_saturate_instead_of_panicking() {
        let mut sync = ClockSync::default();
        sync.add(Sample {
            t0: 0,
            t1: 1 << 63,
            t2: 1 << 63,
            t3: 0,
        });
        assert_eq!(sync.offset(), i64::MAX);
        assert_eq!(sync.to_client(5), 0);
        let mut sync = ClockSync::default();
        sync.add(Sample {
            t0: u64::MAX,
            t1: 0,
            t2: 0,
            t3: u64::MAX,
        });
        assert_eq!(sync.offset(), i64::MIN);
        assert_eq!(sync.to_client(5), 5 + i64::MAX.unsigned_abs());
        assert_eq!(sync.to_server(5), 0);
    }
}
