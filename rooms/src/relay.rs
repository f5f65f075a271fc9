//! The skeleton relay: each participant's latest pose, sent on the room's tick as one frame per
//! audience.
//!
//! Only the latest pose of each participant is kept, never a history, and poses never leave
//! this module except in a frame. A tick's frame for an audience holds the poses that arrived
//! since the previous tick (the *fresh* frame); beside it the tick offers the *full* frame, every
//! fresh-enough pose the audience may see, for a member whose previous frame is still unsent
//! (the host replaces that frame, latest wins): so a client that drops frames loses nothing but
//! time, and a client that keeps up gets each skeleton once. The relay only wakes up when a new
//! pose arrived since the last tick: an idle room sleeps.

use std::collections::BTreeMap;

use breakroom_protocol::{Micros, ParticipantId, PeerPose, PoseBlock, Sharing};

#[derive(Debug, Clone)]
struct Latest {
    pose: PeerPose,
    received: Micros,
    sharing: Sharing,
    /// Arrived since the last tick.
    fresh: bool,
}

/// One audience's frame at a tick.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Frame {
    /// The poses that arrived since the previous tick; never empty.
    pub(crate) fresh: Vec<PeerPose>,
    /// Every fresh-enough pose the audience may see (a superset of `fresh`).
    pub(crate) full: Vec<PeerPose>,
}

/// One tick's frames, by audience; `None` where nothing new is visible to it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Frames {
    /// For facilitators and co-hosts: poses shared with the room or with facilitators.
    pub(crate) controllers: Option<Frame>,
    /// For participants and viewers: poses shared with the room.
    pub(crate) everyone: Option<Frame>,
}

/// Latest poses and the tick schedule.
#[derive(Debug, Clone, Default)]
pub(crate) struct Relay {
    latest: BTreeMap<ParticipantId, Latest>,
    fresh_for_controllers: bool,
    fresh_for_everyone: bool,
    last_tick: Option<Micros>,
    next_tick: Option<Micros>,
}

impl Relay {
    /// Keeps `kp` as the participant's latest pose and schedules a tick.
    pub(crate) fn accept(
        &mut self,
        now: Micros,
        p: ParticipantId,
        sharing: Sharing,
        t: Micros,
        kp: PoseBlock,
        tick_us: u64,
    ) {
        match sharing {
            Sharing::Nobody => {
                self.latest.remove(&p);
                return;
            }
            Sharing::Room => {
                self.fresh_for_everyone = true;
                self.fresh_for_controllers = true;
            }
            Sharing::Facilitators => self.fresh_for_controllers = true,
        }
        self.latest.insert(
            p,
            Latest {
                pose: PeerPose { p, t, kp },
                received: now,
                sharing,
                fresh: true,
            },
        );
        if self.next_tick.is_none() {
            let due = self
                .last_tick
                .map_or(now, |last| last.saturating_add(tick_us));
            self.next_tick = Some(due.max(now));
        }
    }

    /// Forgets a participant's pose (left, dropped or kicked).
    pub(crate) fn forget(&mut self, p: ParticipantId) {
        self.latest.remove(&p);
    }

    /// Forgets every pose.
    pub(crate) fn clear(&mut self) {
        *self = Relay::default();
    }

    /// When the next frame is due, if anything new arrived.
    pub(crate) fn next_tick(&self) -> Option<Micros> {
        self.next_tick
    }

    /// Builds the frames of a tick at `now`, leaving out poses received over `stale_us` ago.
    pub(crate) fn tick(&mut self, now: Micros, stale_us: u64) -> Frames {
        self.latest
            .retain(|_, l| now.saturating_sub(l.received) <= stale_us);
        let visible = |room_only: bool| -> Option<Frame> {
            let mut fresh = Vec::new();
            let mut full = Vec::new();
            for l in self.latest.values() {
                if room_only && l.sharing != Sharing::Room {
                    continue;
                }
                if l.fresh {
                    fresh.push(l.pose.clone());
                }
                full.push(l.pose.clone());
            }
            (!fresh.is_empty()).then_some(Frame { fresh, full })
        };
        let frames = Frames {
            controllers: if self.fresh_for_controllers {
                visible(false)
            } else {
                None
            },
            everyone: if self.fresh_for_everyone {
                visible(true)
            } else {
                None
            },
        };
        for l in self.latest.values_mut() {
            l.fresh = false;
        }
        self.fresh_for_controllers = false;
        self.fresh_for_everyone = false;
        self.last_tick = Some(now);
        self.next_tick = None;
        frames
    }
}
