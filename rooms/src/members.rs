//! The roster: who holds a place in the room, with which role, and whether they are connected.
//!
//! A place is keyed by its [`ParticipantId`], stable across reconnects; the member (connection)
//! attached to it changes on resume and is absent while the place waits out its grace period.

use std::collections::BTreeMap;

use breakroom_protocol::{Micros, Participant, ParticipantId, Presence, Role, Sharing};

use crate::MemberId;

/// One place in the room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Place {
    pub(crate) id: ParticipantId,
    pub(crate) user: String,
    pub(crate) name: String,
    pub(crate) role: Role,
    pub(crate) sharing: Sharing,
    pub(crate) team: Option<String>,
    pub(crate) may_pose: bool,
    pub(crate) may_score: bool,
    /// Seen by nobody else (see [`crate::JoinRequest::hidden`]).
    pub(crate) hidden: bool,
    /// The connection attached, or `None` while reconnecting.
    pub(crate) member: Option<MemberId>,
    /// When the place is given up if nobody resumes it.
    pub(crate) grace_until: Option<Micros>,
}

impl Place {
    /// The place as others see it.
    pub(crate) fn participant(&self) -> Participant {
        Participant {
            id: self.id,
            name: self.name.clone(),
            role: self.role,
            presence: if self.member.is_some() {
                Presence::Present
            } else {
                Presence::Reconnecting
            },
            team: self.team.clone(),
        }
    }
}

/// Everyone holding a place.
#[derive(Debug, Clone, Default)]
pub(crate) struct Roster {
    places: BTreeMap<ParticipantId, Place>,
    by_member: BTreeMap<MemberId, ParticipantId>,
    last_id: u32,
}

impl Roster {
    /// The id the next place will get.
    pub(crate) fn next_id(&self) -> ParticipantId {
        ParticipantId(self.last_id.saturating_add(1))
    }

    /// Adds a place (its id must be [`Self::next_id`]) attached to its member.
    pub(crate) fn add(&mut self, place: Place) {
        self.last_id = place.id.0;
        if let Some(m) = place.member {
            self.by_member.insert(m, place.id);
        }
        self.places.insert(place.id, place);
    }

    pub(crate) fn get(&self, id: ParticipantId) -> Option<&Place> {
        self.places.get(&id)
    }

    /// The place a member is attached to.
    pub(crate) fn of_member(&self, member: MemberId) -> Option<&Place> {
        self.by_member
            .get(&member)
            .and_then(|id| self.places.get(id))
    }

    /// Attaches `member` to a place; returns the member it replaces, if any.
    pub(crate) fn attach(&mut self, id: ParticipantId, member: MemberId) -> Option<MemberId> {
        let place = self.places.get_mut(&id)?;
        let old = place.member.replace(member);
        place.grace_until = None;
        if let Some(old) = old {
            self.by_member.remove(&old);
        }
        self.by_member.insert(member, id);
        old
    }

    /// Detaches a member, keeping its place until `grace_until`.
    pub(crate) fn detach(
        &mut self,
        member: MemberId,
        grace_until: Micros,
    ) -> Option<ParticipantId> {
        let id = self.by_member.remove(&member)?;
        let place = self.places.get_mut(&id)?;
        place.member = None;
        place.grace_until = Some(grace_until);
        Some(id)
    }

    /// Gives up a place.
    pub(crate) fn remove(&mut self, id: ParticipantId) -> Option<Place> {
        let place = self.places.remove(&id)?;
        if let Some(m) = place.member {
            self.by_member.remove(&m);
        }
        Some(place)
    }

    /// Gives up every place.
    pub(crate) fn clear(&mut self) {
        self.places.clear();
        self.by_member.clear();
    }

    pub(crate) fn set_role(&mut self, id: ParticipantId, role: Role) {
        if let Some(p) = self.places.get_mut(&id) {
            p.role = role;
        }
    }

    pub(crate) fn places(&self) -> impl Iterator<Item = &Place> {
        self.places.values()
    }

    /// Everyone `viewer` may see, by id: every place but the hidden ones, and its own.
    pub(crate) fn participants_for(&self, viewer: ParticipantId) -> Vec<Participant> {
        self.places
            .values()
            .filter(|p| !p.hidden || p.id == viewer)
            .map(Place::participant)
            .collect()
    }

    /// Connected members whose place matches `filter`.
    pub(crate) fn members_where(&self, filter: impl Fn(&Place) -> bool) -> Vec<MemberId> {
        self.places
            .values()
            .filter(|p| filter(p))
            .filter_map(|p| p.member)
            .collect()
    }

    /// Every connected member except `except`.
    pub(crate) fn connected_except(&self, except: Option<MemberId>) -> Vec<MemberId> {
        self.members_where(|p| p.member != except)
    }

    /// Every connected member.
    pub(crate) fn connected(&self) -> Vec<MemberId> {
        self.connected_except(None)
    }

    pub(crate) fn connected_count(&self) -> usize {
        self.by_member.len()
    }

    /// Places counted against capacity: everyone but viewers, connected or not.
    pub(crate) fn non_viewers(&self) -> usize {
        self.places
            .values()
            .filter(|p| p.role != Role::Viewer)
            .count()
    }

    pub(crate) fn viewers(&self) -> usize {
        self.places
            .values()
            .filter(|p| p.role == Role::Viewer)
            .count()
    }

    /// The host, connected or not.
    pub(crate) fn facilitator(&self) -> Option<&Place> {
        self.places.values().find(|p| p.role == Role::Facilitator)
    }

    /// The longest-standing connected co-host.
    pub(crate) fn first_connected_cohost(&self) -> Option<ParticipantId> {
        self.places
            .values()
            .find(|p| p.role == Role::Cohost && p.member.is_some())
            .map(|p| p.id)
    }

    pub(crate) fn any_connected_controller(&self) -> bool {
        self.places
            .values()
            .any(|p| p.role.can_control() && p.member.is_some())
    }

    /// The earliest grace period to run out.
    pub(crate) fn next_grace(&self) -> Option<(Micros, ParticipantId)> {
        self.places
            .values()
            .filter_map(|p| p.grace_until.map(|g| (g, p.id)))
            .min()
    }
}
