//! A connection's network round trip, measured by the server with WebSocket pings.
//!
//! The server sends a `Ping` control frame whose payload is its clock's time (8 bytes, big
//! endian); every WebSocket client (browsers, tungstenite) answers with a `Pong` carrying the
//! same payload, without the application's help. The round trip is the time from the ping
//! being queued to its pong being read. Only the answer to the latest probe counts, so an
//! unsolicited or replayed pong measures nothing. The figure handed to the room is the
//! smallest of the last few: what the link can do, not what one stall did.

use std::collections::VecDeque;
use std::time::Duration;

use breakroom_protocol::Micros;

/// Time between probes.
pub const PROBE_EVERY: Duration = Duration::from_secs(2);
/// How many recent round trips the figure is the minimum of (about half a minute of probes).
pub const RECENT: usize = 16;
/// A pong later than this is not a round trip worth knowing.
const MAX_ROUND_TRIP_US: u64 = 30_000_000;

/// The probes and round trips of one connection.
#[derive(Debug, Default)]
pub struct RoundTrip {
    /// The payload of the probe awaiting its pong.
    outstanding: Option<Micros>,
    /// The latest round trips, µs, oldest first.
    recent: VecDeque<u64>,
}

impl RoundTrip {
    /// A new probe sent at `now`: the payload of its `Ping` frame.
    pub fn probe(&mut self, now: Micros) -> [u8; 8] {
        self.outstanding = Some(now);
        now.to_be_bytes()
    }

    /// A `Pong` frame read at `now`. Returns the new figure (the minimum of the recent round
    /// trips, µs) when it answers the latest probe and changes the figure.
    pub fn pong(&mut self, payload: &[u8], now: Micros) -> Option<u64> {
        let sent = Micros::from_be_bytes(payload.try_into().ok()?);
        if self.outstanding != Some(sent) {
            return None;
        }
        self.outstanding = None;
        let round_trip = now.checked_sub(sent).filter(|&r| r <= MAX_ROUND_TRIP_US)?;
        let before = self.figure();
        if self.recent.len() == RECENT {
            self.recent.pop_front();
        }
        self.recent.push_back(round_trip);
        let after = self.figure();
        (after != before).then_some(after).flatten()
    }

    /// The smallest recent round trip, µs; `None` before any.
    pub fn figure(&self) -> Option<u64> {
        self.recent.iter().copied().min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_latest_probe_is_answered_and_the_figure_is_a_recent_minimum() {
        let mut rt = RoundTrip::default();
        // An unsolicited pong, a malformed one: nothing.
        assert_eq!(rt.pong(&5u64.to_be_bytes(), 10), None);
        assert_eq!(rt.pong(b"x", 10), None);
        let p = rt.probe(1_000);
        assert_eq!(rt.pong(&p, 41_000), Some(40_000));
        // Replayed: nothing.
        assert_eq!(rt.pong(&p, 90_000), None);
        // Slower: the figure stays, so nothing new to tell.
        let p = rt.probe(2_000_000);
        assert_eq!(rt.pong(&p, 2_090_000), None);
        assert_eq!(rt.figure(), Some(40_000));
        // A newer probe makes the older one's answer worthless.
        let old = rt.probe(3_000_000);
        let new = rt.probe(3_000_100);
        assert_eq!(rt.pong(&old, 3_010_000), None);
        assert_eq!(rt.pong(&new, 3_020_100), Some(20_000));
        // The fast one ages out after RECENT slower ones.
        for i in 0..RECENT as u64 {
            let p = rt.probe(10_000_000 * (i + 1));
            rt.pong(&p, 10_000_000 * (i + 1) + 50_000);
        }
        assert_eq!(rt.figure(), Some(50_000));
    }
}
