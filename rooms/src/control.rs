//! Facilitator controls: start, pause, resume, skip, end, lock, kick, make co-host.
//!
//! Only the host and co-hosts may control; a refused control changes nothing. Making co-hosts
//! and kicking co-hosts is for the host alone, and nobody can kick the host.

use breakroom_protocol::{
    ControlAction, EndReason, Micros, ParticipantId, PresenceChange, Role, ServerMsg, close,
};

use crate::MemberId;
use crate::error::RoomError;
use crate::room::Room;

impl Room {
    /// A control from a facilitator or co-host.
    ///
    /// - `Start`: lobby → countdown; the first countdown cue is at `now + lead_us`, or later
    ///   when a member's round trip needs it (see [`Room::handle_round_trip`]).
    /// - `Pause` / `Resume`: the remaining timeline shifts by the paused time.
    /// - `Skip`: to the countdown of the next step (clears a pause); past the last step the
    ///   program is complete.
    /// - `End`: a session that started ends now with its summary, and the room closes with
    ///   `close::NORMAL` (see `Self::conclude`); in the lobby, the room closes (4003).
    /// - `Lock` / `Unlock`: refuse or accept new joins (resumes and hosts always get in); a
    ///   change of state is sent to everyone connected as a `lock` message.
    /// - `Kick` / `MakeCohost`: need `target`.
    pub fn handle_control(
        &mut self,
        now: Micros,
        member: MemberId,
        action: ControlAction,
        target: Option<ParticipantId>,
    ) -> Result<(), RoomError> {
        let now = self.begin(now);
        if self.is_closed() {
            return Err(RoomError::Closed);
        }
        let me = self.roster.of_member(member).ok_or(RoomError::NotInRoom)?;
        let (me, my_role) = (me.id, me.role);
        if !my_role.can_control() {
            return Err(RoomError::Forbidden(
                "only the host and co-hosts may control the session",
            ));
        }
        match action {
            ControlAction::Start => {
                let lead = self.first_cue_lead();
                self.session.start(now, &self.config, lead)?;
                let present = self.roster.places().map(|p| p.id).collect::<Vec<_>>();
                self.ledger.take_part(present);
                self.broadcast_phase(now);
            }
            ControlAction::Pause => {
                self.session.pause(now, false)?;
                self.broadcast_phase(now);
            }
            ControlAction::Resume => {
                self.session.resume(now, self.first_cue_lead())?;
                self.broadcast_phase(now);
            }
            ControlAction::Skip => {
                let lead = self.first_cue_lead();
                self.session.skip(now, &self.config, lead)?;
                self.broadcast_phase(now);
            }
            // A session that started and has no summary yet (running, or completed and waiting
            // for late reports) ends with its summary; otherwise (the lobby) the room closes.
            ControlAction::End if self.session.owes_summary() => {
                self.conclude(now, EndReason::Facilitator);
            }
            ControlAction::End => self.close_room(
                now,
                EndReason::Facilitator,
                close::ROOM_CLOSED,
                "the facilitator closed the room",
            ),
            ControlAction::Lock | ControlAction::Unlock => {
                let locked = action == ControlAction::Lock;
                // Everyone connected sees the state, and only a change is news.
                if self.locked != locked {
                    self.locked = locked;
                    let to = self.roster.connected();
                    self.out.send(to, ServerMsg::Lock { locked });
                }
            }
            ControlAction::Kick => self.kick(now, me, my_role, target)?,
            ControlAction::MakeCohost => self.make_cohost(now, my_role, target)?,
        }
        self.run_timers(now);
        Ok(())
    }

    /// The session is over: its summary goes to everyone connected, then the room closes and
    /// every connection with it, with `close::NORMAL` ("the session is over": clients do not
    /// reconnect). The summary stays readable over REST.
    pub(crate) fn conclude(&mut self, now: Micros, reason: EndReason) {
        self.finish_session(now, reason);
        self.close_room(now, reason, close::NORMAL, "the session is over");
    }

    fn kick(
        &mut self,
        now: Micros,
        me: ParticipantId,
        my_role: Role,
        target: Option<ParticipantId>,
    ) -> Result<(), RoomError> {
        let target = target.ok_or(RoomError::BadRequest("kick needs a target"))?;
        let place = self
            .roster
            .get(target)
            .ok_or(RoomError::NotFound("no such participant"))?;
        if target == me {
            return Err(RoomError::InvalidState("use leave to leave the room"));
        }
        match place.role {
            Role::Facilitator => return Err(RoomError::Forbidden("the host cannot be kicked")),
            Role::Cohost if my_role != Role::Facilitator => {
                return Err(RoomError::Forbidden("only the host may kick a co-host"));
            }
            _ => {}
        }
        if let Some(m) = place.member {
            self.out
                .close(m, close::KICKED, "removed by the facilitator");
        }
        self.give_up(now, target);
        Ok(())
    }

    fn make_cohost(
        &mut self,
        now: Micros,
        my_role: Role,
        target: Option<ParticipantId>,
    ) -> Result<(), RoomError> {
        let target = target.ok_or(RoomError::BadRequest("make_cohost needs a target"))?;
        if my_role != Role::Facilitator {
            return Err(RoomError::Forbidden("only the host may make co-hosts"));
        }
        let place = self
            .roster
            .get(target)
            .ok_or(RoomError::NotFound("no such participant"))?;
        if place.hidden {
            return Err(RoomError::NotFound("no such participant"));
        }
        match place.role {
            Role::Participant => {}
            Role::Viewer => return Err(RoomError::InvalidState("a viewer cannot be a co-host")),
            Role::Facilitator | Role::Cohost => {
                return Err(RoomError::InvalidState("already the host or a co-host"));
            }
        }
        self.roster.set_role(target, Role::Cohost);
        self.announce_place(PresenceChange::RoleChanged, target, None);
        self.membership_changed(now);
        Ok(())
    }
}
