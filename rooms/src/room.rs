//! The room: its state, creation, membership inputs (join, resume, leave, drop) and public
//! read-outs. Other inputs live in `control.rs` and `activity.rs`, time in `timers.rs`.

use breakroom_protocol::{
    Micros, ParticipantId, PhaseState, Program, RequestedRole, Role, Scoreboard, ServerMsg, close,
};
use serde::Serialize;

use crate::MemberId;
use crate::catalogue::Catalogue;
use crate::config::{self, JoinRequest, MAX_VIEWERS, RoomConfig};
use crate::error::RoomError;
use crate::latency::RoundTrips;
use crate::members::{Place, Roster};
use crate::output::{Outbox, Output};
use crate::plausible::Judges;
use crate::relay::Relay;
use crate::scoreboard::{self, Pacer};
use crate::scores::Ledger;
use crate::session::{Session, Stage};

/// One live room: a sans-IO state machine driven by `handle_*` inputs and polled for outputs.
///
/// Every input carries `now`, the host's clock; time never goes backwards for a room (an
/// earlier `now` counts as the latest one seen). Every input first runs whatever timers are
/// due by `now`, so a host that wakes up late loses nothing.
#[derive(Debug)]
pub struct Room {
    pub(crate) config: RoomConfig,
    pub(crate) catalogue: &'static Catalogue,
    pub(crate) roster: Roster,
    pub(crate) session: Session,
    pub(crate) ledger: Ledger,
    pub(crate) relay: Relay,
    /// Each participant's pose stream, for the plausibility check.
    pub(crate) judges: Judges,
    pub(crate) pacer: Pacer,
    pub(crate) out: Outbox,
    pub(crate) locked: bool,
    /// Since when no member is connected.
    pub(crate) empty_since: Option<Micros>,
    /// While a session runs without any connected host: when it is given up.
    pub(crate) host_away_until: Option<Micros>,
    /// The latest time seen.
    pub(crate) now: Micros,
    /// The exercise step whose keypoints the cross-check is following.
    pub(crate) checked_step: Option<(usize, String)>,
    /// When a phase change on the timeline happened that is not announced yet: it is
    /// announced at the next point of the tick grid.
    pub(crate) phase_note: Option<Micros>,
    /// Members' round trips, for the lead of a first cue.
    pub(crate) round_trips: RoundTrips,
}

/// A room's public state, for REST.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoomInfo {
    /// Room code.
    pub code: String,
    /// Session id.
    pub session: String,
    /// Where the session stands.
    pub phase: PhaseState,
    /// The program.
    pub program: Program,
    /// Most members excluding viewers.
    pub capacity: u16,
    /// Places held by participants (connected or reconnecting).
    pub participants: u32,
    /// Places held by the host and co-hosts.
    pub facilitators: u32,
    /// Places held by viewers.
    pub viewers: u32,
    /// Members connected right now.
    pub connected: u32,
    /// Whether new joins are refused.
    pub locked: bool,
}

impl Room {
    /// Creates a room in the lobby. Checks the configuration, and the program against the
    /// built-in catalogue.
    pub fn new(now: Micros, config: RoomConfig) -> Result<Room, RoomError> {
        let catalogue = Catalogue::builtin();
        config::check(&config, catalogue)?;
        let steps = config.program.steps.len();
        Ok(Room {
            config,
            catalogue,
            roster: Roster::default(),
            session: Session::new(now),
            ledger: Ledger::new(steps),
            relay: Relay::default(),
            judges: Judges::default(),
            pacer: Pacer::default(),
            out: Outbox::default(),
            locked: false,
            empty_since: Some(now),
            host_away_until: None,
            now,
            checked_step: None,
            phase_note: None,
            round_trips: RoundTrips::default(),
        })
    }

    /// Takes the input's time: never earlier than the latest seen.
    fn clock(&mut self, now: Micros) -> Micros {
        self.now = now.max(self.now);
        self.now
    }

    /// Takes the input's time and runs the timers due by then.
    pub(crate) fn begin(&mut self, now: Micros) -> Micros {
        let now = self.clock(now);
        self.run_timers(now);
        now
    }

    /// Joins a new member. Sends it a snapshot and tells the others.
    pub fn handle_join(
        &mut self,
        now: Micros,
        member: MemberId,
        req: JoinRequest,
    ) -> Result<ParticipantId, RoomError> {
        let now = self.begin(now);
        if self.is_closed() {
            return Err(RoomError::Closed);
        }
        if self.roster.of_member(member).is_some() {
            return Err(RoomError::AlreadyJoined);
        }
        let host = req.role == RequestedRole::Facilitator;
        if host && req.hidden {
            return Err(RoomError::Forbidden("a hidden member cannot host"));
        }
        if host && !req.may_control {
            return Err(RoomError::Forbidden(
                "joining as facilitator needs the control grant",
            ));
        }
        // Hosts may always come in: they could unlock the room anyway.
        if self.locked && !host {
            return Err(RoomError::RoomLocked);
        }
        let full = match req.role {
            RequestedRole::Viewer => self.roster.viewers() >= MAX_VIEWERS,
            _ => self.roster.non_viewers() >= usize::from(self.config.capacity),
        };
        if full {
            return Err(RoomError::RoomFull);
        }
        let role = match req.role {
            RequestedRole::Participant => Role::Participant,
            RequestedRole::Viewer => Role::Viewer,
            RequestedRole::Facilitator => self.host_role_for_joiner(),
        };
        let id = self.roster.next_id();
        let name = config::clean_name(&req.name, || format!("Guest {}", id.0));
        let team = config::clean_team(req.team.as_deref());
        // A hidden member has no score card: it never shows on the scoreboard or the summary.
        if role != Role::Viewer && !req.hidden {
            let took_part = self.session.is_running();
            let participant = role == Role::Participant;
            self.ledger.open(
                id,
                &req.user,
                &name,
                team.as_deref(),
                participant,
                took_part,
            );
        }
        self.roster.add(Place {
            id,
            user: req.user,
            name,
            role,
            sharing: req.sharing,
            team,
            may_pose: req.may_publish_pose && !req.hidden,
            may_score: req.may_publish_score && !req.hidden,
            hidden: req.hidden,
            member: Some(member),
            grace_until: None,
        });
        let snapshot = self.snapshot(now, id);
        self.out.send(vec![member], snapshot);
        self.announce_place(breakroom_protocol::PresenceChange::Joined, id, Some(member));
        self.membership_changed(now);
        self.run_timers(now);
        Ok(id)
    }

    /// The role of a joiner asking to host: the host if there is none connected (a dropped host
    /// becomes a co-host), a co-host otherwise.
    fn host_role_for_joiner(&mut self) -> Role {
        match self
            .roster
            .facilitator()
            .map(|f| (f.id, f.member.is_some()))
        {
            Some((_, true)) => Role::Cohost,
            Some((old, false)) => {
                self.roster.set_role(old, Role::Cohost);
                self.announce_place(breakroom_protocol::PresenceChange::RoleChanged, old, None);
                Role::Facilitator
            }
            None => Role::Facilitator,
        }
    }

    /// Attaches `member` to a participant's place kept for the grace period (or still attached
    /// to another connection, which is closed as replaced). Allowed when the room is locked.
    ///
    /// The host must check that the member may resume this participant (see [`Self::user_of`]).
    pub fn handle_resume(
        &mut self,
        now: Micros,
        member: MemberId,
        participant: ParticipantId,
    ) -> Result<(), RoomError> {
        let now = self.begin(now);
        if self.is_closed() {
            return Err(RoomError::Closed);
        }
        if let Some(place) = self.roster.of_member(member) {
            if place.id != participant {
                return Err(RoomError::AlreadyJoined);
            }
            let snapshot = self.snapshot(now, participant);
            self.out.send(vec![member], snapshot);
            return Ok(());
        }
        if self.roster.get(participant).is_none() {
            return Err(RoomError::NotFound(
                "no such participant, or its place was given up",
            ));
        }
        if let Some(old) = self.roster.attach(participant, member) {
            self.out
                .close(old, close::REPLACED, "resumed on another connection");
        }
        if self.session.is_running() {
            self.ledger.take_part([participant]);
        }
        let snapshot = self.snapshot(now, participant);
        self.out.send(vec![member], snapshot);
        self.announce_place(
            breakroom_protocol::PresenceChange::Resumed,
            participant,
            Some(member),
        );
        self.membership_changed(now);
        self.run_timers(now);
        Ok(())
    }

    /// The member leaves for good; its place is given up (its scores stay in the summary).
    ///
    /// The member is gone before anything else happens at `now`: no output lists it.
    pub fn handle_leave(&mut self, now: Micros, member: MemberId) {
        let now = self.clock(now);
        let Some(id) = self.roster.of_member(member).map(|p| p.id) else {
            self.run_timers(now);
            return;
        };
        let place = self.roster.remove(id);
        self.run_timers(now);
        if let Some(place) = place {
            self.left(now, place);
            self.run_timers(now);
        }
    }

    /// The member's connection dropped: its place and score are kept for `grace_us`.
    ///
    /// The member is gone before anything else happens at `now`: no output lists it.
    pub fn handle_disconnect(&mut self, now: Micros, member: MemberId) {
        let now = self.clock(now);
        let grace_until = now.saturating_add(self.config.grace_us);
        let detached = self.roster.detach(member, grace_until);
        self.run_timers(now);
        let Some(id) = detached else { return };
        self.relay.forget(id);
        self.announce_place(breakroom_protocol::PresenceChange::Reconnecting, id, None);
        self.membership_changed(now);
        self.run_timers(now);
    }

    /// The full state of the room for one member.
    pub(crate) fn snapshot(&self, now: Micros, you: ParticipantId) -> ServerMsg {
        let controller = self.roster.get(you).is_some_and(|p| p.role.can_control());
        ServerMsg::Snapshot {
            room: self.config.code.clone(),
            session: self.config.session.clone(),
            you,
            locked: self.locked,
            program: self.config.program.clone(),
            phase: self.session.phase_state(),
            timeline: self.session.upcoming(now),
            participants: self.roster.participants_for(you),
            scoreboard: self.scoreboard(),
            flags: if controller {
                self.ledger.all_flags()
            } else {
                Vec::new()
            },
        }
    }

    /// The next output for the host, in order.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.out.pop()
    }

    /// Whether the room is closed: the host drops it then (after polling its last outputs).
    pub fn is_closed(&self) -> bool {
        self.session.stage() == Stage::Closed
    }

    /// The participant a member holds the place of.
    pub fn participant_of(&self, member: MemberId) -> Option<ParticipantId> {
        self.roster.of_member(member).map(|p| p.id)
    }

    /// The user id (from the token) of a participant, to check a resume against.
    pub fn user_of(&self, participant: ParticipantId) -> Option<&str> {
        self.roster.get(participant).map(|p| p.user.as_str())
    }

    /// The scoreboard as it stands (not rate-limited).
    pub fn scoreboard(&self) -> Scoreboard {
        scoreboard::compute(&self.roster, &self.ledger)
    }

    /// Public state, for REST.
    pub fn info(&self) -> RoomInfo {
        // Hidden members are not counted: REST shows what the room's members see.
        let count = |f: &dyn Fn(Role) -> bool| {
            let n = self
                .roster
                .places()
                .filter(|p| !p.hidden && f(p.role))
                .count();
            u32::try_from(n).unwrap_or(u32::MAX)
        };
        RoomInfo {
            code: self.config.code.clone(),
            session: self.config.session.clone(),
            phase: self.session.phase_state(),
            program: self.config.program.clone(),
            capacity: self.config.capacity,
            participants: count(&|r| r == Role::Participant),
            facilitators: count(&|r| r.can_control()),
            viewers: count(&|r| r == Role::Viewer),
            connected: u32::try_from(self.roster.connected_count()).unwrap_or(u32::MAX),
            locked: self.locked,
        }
    }
}
