//! The server clock: microseconds since the Unix epoch, monotonic within a process.
//!
//! Anchored once to the system clock and advanced by tokio's monotonic clock, so that room
//! timelines never jump with the wall clock and tests can pause time.

use std::time::{SystemTime, UNIX_EPOCH};

use breakroom_protocol::Micros;
use tokio::time::Instant;

/// Converts between tokio instants and server time.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    base_instant: Instant,
    base_micros: Micros,
}

impl Clock {
    /// A clock anchored now.
    pub fn new() -> Clock {
        let base_micros = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX));
        Clock {
            base_instant: Instant::now(),
            base_micros,
        }
    }

    /// Server time now.
    pub fn now(&self) -> Micros {
        self.at(Instant::now())
    }

    /// Server time at an instant.
    pub fn at(&self, instant: Instant) -> Micros {
        let since = instant.saturating_duration_since(self.base_instant);
        self.base_micros + u64::try_from(since.as_micros()).unwrap_or(u64::MAX / 2)
    }

    /// The instant at which the server time will be `micros` (now, if it is past).
    pub fn instant(&self, micros: Micros) -> Instant {
        let ahead = micros.saturating_sub(self.base_micros);
        self.base_instant + std::time::Duration::from_micros(ahead)
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::new()
    }
}
