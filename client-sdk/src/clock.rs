//! The client's clock and its estimated offset from the server's.
//!
//! The local clock is monotonic: a [`tokio::time::Instant`] taken once at start plus the wall
//! clock read at that same moment, so "local microseconds since the Unix epoch" never jumps
//! when the wall clock is adjusted, and tokio's paused test time moves it too. Ping/pong samples
//! are taken on this clock; [`breakroom_protocol::clock::ClockSync`] turns them into an offset and
//! its uncertainty.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use breakroom_protocol::Micros;
use breakroom_protocol::clock::ClockSync;
use tokio::time::Instant;

/// A monotonic clock in microseconds since the Unix epoch.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LocalClock {
    base: Instant,
    base_micros: Micros,
}

impl LocalClock {
    /// Anchors the clock at the current instant and wall-clock time.
    pub(crate) fn start() -> Self {
        let wall = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        LocalClock {
            base: Instant::now(),
            base_micros: micros(wall),
        }
    }

    /// The local time of an instant.
    pub(crate) fn micros_at(&self, instant: Instant) -> Micros {
        self.base_micros
            .saturating_add(micros(instant.saturating_duration_since(self.base)))
    }

    /// The local time now.
    pub(crate) fn now(&self) -> Micros {
        self.micros_at(Instant::now())
    }

    /// The instant of a local time (the anchor, for times before it).
    pub(crate) fn instant_at(&self, local: Micros) -> Instant {
        self.base + Duration::from_micros(local.saturating_sub(self.base_micros))
    }
}

fn micros(d: Duration) -> Micros {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

/// The local clock plus the latest offset estimate, shared by the driver (which writes it) and
/// the client handles (which read it) without locks.
#[derive(Debug)]
pub(crate) struct SharedClock {
    local: LocalClock,
    /// Server minus local, in microseconds.
    offset: AtomicI64,
    /// Round trip of the best sample of the window, in microseconds; `u64::MAX` before any.
    round_trip: AtomicU64,
    /// Half of `round_trip` (the estimate's uncertainty), in microseconds; `u64::MAX` before any.
    uncertainty: AtomicU64,
}

impl SharedClock {
    pub(crate) fn new(local: LocalClock) -> Self {
        SharedClock {
            local,
            offset: AtomicI64::new(0),
            round_trip: AtomicU64::new(u64::MAX),
            uncertainty: AtomicU64::new(u64::MAX),
        }
    }

    pub(crate) fn local(&self) -> &LocalClock {
        &self.local
    }

    /// Publishes the estimate of `sync`.
    pub(crate) fn update(&self, sync: &ClockSync) {
        let (Some(best), Some(uncertainty)) = (sync.best(), sync.uncertainty()) else {
            return;
        };
        self.offset.store(sync.offset(), Ordering::Relaxed);
        self.round_trip.store(best.round_trip(), Ordering::Relaxed);
        self.uncertainty.store(uncertainty, Ordering::Relaxed);
    }

    pub(crate) fn offset(&self) -> i64 {
        self.offset.load(Ordering::Relaxed)
    }

    pub(crate) fn round_trip(&self) -> Option<Duration> {
        match self.round_trip.load(Ordering::Relaxed) {
            u64::MAX => None,
            rtt => Some(Duration::from_micros(rtt)),
        }
    }

    /// Half the best round trip of the window: how far the offset may be off on a path whose
    /// delays are the same both ways.
    pub(crate) fn uncertainty(&self) -> Option<Duration> {
        match self.uncertainty.load(Ordering::Relaxed) {
            u64::MAX => None,
            half => Some(Duration::from_micros(half)),
        }
    }

    pub(crate) fn server_now(&self) -> Micros {
        self.local.now().saturating_add_signed(self.offset())
    }

    pub(crate) fn local_instant(&self, server: Micros) -> Instant {
        self.local
            .instant_at(server.saturating_add_signed(self.offset().saturating_neg()))
    }
}

#[cfg(test)]
mod tests {
    use breakroom_protocol::clock::Sample;

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn server_times_map_onto_local_instants() {
        let local = LocalClock::start();
        let clock = SharedClock::new(local);
        assert_eq!(clock.round_trip(), None);
        assert_eq!(clock.uncertainty(), None);
        let t0 = local.now();
        // The server's clock is 2 s ahead; a 4 ms round trip.
        let mut sync = ClockSync::default();
        sync.add(Sample {
            t0,
            t1: t0 + 2_002_000,
            t2: t0 + 2_002_000,
            t3: t0 + 4_000,
        });
        clock.update(&sync);
        assert_eq!(clock.offset(), 2_000_000);
        assert_eq!(clock.round_trip(), Some(Duration::from_millis(4)));
        assert_eq!(clock.uncertainty(), Some(Duration::from_millis(2)));
        assert_eq!(clock.server_now(), t0 + 2_000_000);

        let start = Instant::now();
        let at = clock.server_now() + 1_500_000;
        assert_eq!(
            clock.local_instant(at),
            start + Duration::from_millis(1_500)
        );
        tokio::time::advance(Duration::from_millis(1_500)).await;
        assert_eq!(clock.server_now(), at);
        // Times before the anchor map onto it rather than panicking.
        assert_eq!(clock.local_instant(0), clock.local().instant_at(0));
    }
}
