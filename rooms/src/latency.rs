//! Members' network round trips, and the lead of the first cue after a start, a resume or a
//! skip.
//!
//! The first cue after one of those is sent at once, so it must cover the slowest member's
//! way there and a stall besides: its lead is `max(lead_us, slowest round trip +
//! first_cue_margin_us)`, capped at [`MAX_FIRST_CUE_LEAD_US`]. Round trips are inputs: the
//! host measures them (the server with WebSocket pings) and hands them in with
//! [`Room::handle_round_trip`]; the room never measures anything.

use std::collections::BTreeMap;

use breakroom_protocol::Micros;

use crate::MemberId;
use crate::config::MAX_FIRST_CUE_LEAD_US;
use crate::room::Room;

/// The latest round-trip figure of each member, in microseconds.
#[derive(Debug, Clone, Default)]
pub(crate) struct RoundTrips {
    by_member: BTreeMap<MemberId, u64>,
}

impl Room {
    /// A member's network round trip as the host measures it, in microseconds: the host's
    /// current figure for that connection (a recent minimum, say), replacing the previous one.
    /// Only members connected to the room count; the slowest of them sets the lead of the
    /// next first cue (see [`crate::RoomConfig::first_cue_margin_us`]).
    pub fn handle_round_trip(&mut self, now: Micros, member: MemberId, round_trip_us: u64) {
        self.begin(now);
        if self.roster.of_member(member).is_none() {
            return;
        }
        self.round_trips.by_member.insert(member, round_trip_us);
        // Members that left or dropped are forgotten now and then, not on every figure.
        if self.round_trips.by_member.len() > 2 * self.roster.connected_count() + 8 {
            let roster = &self.roster;
            self.round_trips
                .by_member
                .retain(|m, _| roster.of_member(*m).is_some());
        }
    }

    /// The lead of the first cue after a start, a resume or a skip now.
    pub(crate) fn first_cue_lead(&self) -> u64 {
        let lead = self.config.lead_us;
        let slowest = self
            .round_trips
            .by_member
            .iter()
            .filter(|(m, _)| self.roster.of_member(**m).is_some())
            .map(|(_, rtt)| *rtt)
            .max();
        match slowest {
            Some(rtt) => {
                let wanted = rtt.saturating_add(self.config.first_cue_margin_us);
                lead.max(wanted.min(MAX_FIRST_CUE_LEAD_US))
            }
            None => lead,
        }
    }
}
