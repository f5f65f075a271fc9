//! Presence: telling everyone who came and went, host handover, and the host-away rule.
//!
//! Only one host: there is at most one facilitator. If the host's connection is gone and a
//! co-host is connected, the longest-standing co-host becomes the host and the old host a
//! co-host. If no host or co-host is connected while the session runs, the session pauses; it
//! resumes when one comes back, and ends (the room closes) when `grace_us` passes first.

use breakroom_protocol::{Micros, Participant, ParticipantId, PresenceChange, Role, ServerMsg};

use crate::MemberId;
use crate::members::Place;
use crate::room::Room;

impl Room {
    /// Tells every connected member but `except` about a change to `participant`.
    pub(crate) fn announce(
        &mut self,
        change: PresenceChange,
        participant: Participant,
        except: Option<MemberId>,
    ) {
        let to = self.roster.connected_except(except);
        self.out.send(
            to,
            ServerMsg::Presence {
                change,
                participant,
            },
        );
    }

    /// Like [`Self::announce`], for a place still in the roster.
    pub(crate) fn announce_place(
        &mut self,
        change: PresenceChange,
        id: ParticipantId,
        except: Option<MemberId>,
    ) {
        // A hidden member's comings and goings are told to nobody.
        let seen = self.roster.get(id).filter(|p| !p.hidden);
        if let Some(participant) = seen.map(|p| p.participant()) {
            self.announce(change, participant, except);
        }
    }

    /// Tells everyone where the session stands now, with the cues to come.
    pub(crate) fn broadcast_phase(&mut self, now: Micros) {
        self.phase_note = None;
        let msg = ServerMsg::Phase {
            phase: self.session.phase_state(),
            timeline: self.session.upcoming(now),
        };
        let to = self.roster.connected();
        self.out.send(to, msg);
    }

    /// Gives up a place for good: left, kicked, or its grace period ran out.
    pub(crate) fn give_up(&mut self, now: Micros, id: ParticipantId) {
        if let Some(place) = self.roster.remove(id) {
            self.left(now, place);
        }
    }

    /// Follow-ups of a place removed from the roster.
    pub(crate) fn left(&mut self, now: Micros, place: Place) {
        self.relay.forget(place.id);
        if !place.hidden {
            self.announce(PresenceChange::Left, place.participant(), None);
        }
        self.membership_changed(now);
    }

    /// Follow-ups of any change to who is in the room or connected.
    pub(crate) fn membership_changed(&mut self, now: Micros) {
        self.reconcile_host(now);
        if self.roster.connected_count() > 0 {
            self.empty_since = None;
        } else if self.empty_since.is_none() {
            self.empty_since = Some(now);
        }
        self.touch_scoreboard(now);
    }

    /// Hands the host role over if needed, and pauses or resumes a session that lost or found
    /// its host.
    fn reconcile_host(&mut self, now: Micros) {
        let host = self
            .roster
            .facilitator()
            .map(|f| (f.id, f.member.is_some()));
        let takeover = match host {
            Some((_, true)) => None,
            _ => self.roster.first_connected_cohost(),
        };
        if let Some(cohost) = takeover {
            if let Some((old, _)) = host {
                self.roster.set_role(old, Role::Cohost);
                self.announce_place(PresenceChange::RoleChanged, old, None);
            }
            self.roster.set_role(cohost, Role::Facilitator);
            self.announce_place(PresenceChange::RoleChanged, cohost, None);
        }
        let hosted = self.roster.any_connected_controller();
        if self.session.is_running() && !hosted {
            if self.host_away_until.is_none() {
                self.host_away_until = Some(now.saturating_add(self.config.grace_us));
                if self.session.pause(now, true).is_ok() {
                    self.broadcast_phase(now);
                }
            }
        } else if self.host_away_until.take().is_some()
            && self.session.is_auto_paused()
            && self.session.resume(now, self.first_cue_lead()).is_ok()
        {
            self.broadcast_phase(now);
        }
    }
}
