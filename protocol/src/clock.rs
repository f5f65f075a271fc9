//! NTP-style clock sync: the arithmetic a client needs to act on cues at the server's instant.
//!
//! A client sends `ping { t0 }` with its own clock's time; the server answers
//! `pong { t0, t1, t2 }` with its receive and send times; the client notes `t3` on receipt.
//! Each exchange gives an offset estimate `((t1 - t0) + (t2 - t3)) / 2` with error at most half
//! the round trip `(t3 - t0) - (t2 - t1)`. [`ClockSync`] keeps the last few samples and trusts the
//! one with the shortest round trip.

use crate::Micros;

/// How many recent samples [`ClockSync`] keeps.
pub const SAMPLES: usize = 8;

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
    /// Server clock minus client clock, in microseconds.
    pub fn offset(&self) -> i64 {
        let a = i128::from(self.t1) - i128::from(self.t0);
        let b = i128::from(self.t2) - i128::from(self.t3);
        // Saturates (rather than wraps) for clocks more than 2^63 µs apart, which only a broken
        // or hostile peer can produce.
        let offset = (a + b) / 2;
        i64::try_from(offset).unwrap_or(if offset < 0 { i64::MIN } else { i64::MAX })
    }

    /// Network round trip, excluding the server's processing time (never negative).
    pub fn round_trip(&self) -> u64 {
        let total = self.t3.saturating_sub(self.t0);
        total.saturating_sub(self.t2.saturating_sub(self.t1))
    }
}

/// Estimates the server clock's offset from the best of the recent samples.
#[derive(Debug, Clone, Default)]
pub struct ClockSync {
    samples: Vec<Sample>,
}

impl ClockSync {
    /// Adds a sample; the oldest is dropped past [`SAMPLES`].
    pub fn add(&mut self, sample: Sample) {
        if self.samples.len() == SAMPLES {
            self.samples.remove(0);
        }
        self.samples.push(sample);
    }

    /// The shortest-round-trip sample, if any.
    pub fn best(&self) -> Option<Sample> {
        self.samples.iter().min_by_key(|s| s.round_trip()).copied()
    }

    /// Server clock minus client clock, in microseconds (0 before any sample).
    pub fn offset(&self) -> i64 {
        self.best().map_or(0, |s| s.offset())
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

    #[test]
    fn best_round_trip_wins() {
        let mut sync = ClockSync::default();
        // Server is 1_000_000 µs ahead. A slow, asymmetric exchange misleads...
        sync.add(Sample {
            t0: 0,
            t1: 1_090_000,
            t2: 1_090_000,
            t3: 100_000,
        });
        // ...a fast one does not.
        sync.add(Sample {
            t0: 200_000,
            t1: 1_201_000,
            t2: 1_201_500,
            t3: 202_500,
        });
        assert_eq!(sync.best().map(|s| s.round_trip()), Some(2_000));
        assert_eq!(sync.offset(), 1_000_000);
        assert_eq!(sync.to_client(2_000_000), 1_000_000);
        assert_eq!(sync.to_server(5), 1_000_005);
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
