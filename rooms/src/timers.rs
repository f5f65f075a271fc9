//! Time: what is due when, running it in order, and the ways a session and a room end.
//!
//! Everything the room does on its own (cues, phase changes, the delayed summary of a completed
//! program, grace periods, the host-away limit, idle close, scoreboards, skeleton frames) is a
//! deadline computed from state; [`Room::poll_timeout`] is the earliest, and every input runs
//! whatever is due by its `now` in deadline order. Nothing is scheduled that has nothing to do,
//! so an idle room's `poll_timeout` is its idle-close deadline or `None`.

use breakroom_protocol::{EndReason, Micros, ParticipantId, ServerMsg, close};

use crate::relay;
use crate::room::Room;
use crate::summary::{self, Ending};

/// Cues are due this much before `at - lead`, so that a host whose timer fires a little late
/// (tokio rounds sleeps up to the millisecond) still sends them a full lead time ahead and
/// never has to shift the timeline.
pub(crate) const SEND_EARLY_US: u64 = 20_000;

/// Bounds the work of one call, as a guard against a bug that would never make progress.
const MAX_EVENTS_PER_CALL: usize = 100_000;

/// A kind of deadline. At equal instants, earlier variants run first: a cue is sent before the
/// phase it starts begins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Due {
    Cue,
    Phase,
    PhaseNote,
    Summary,
    HostAway,
    Grace(ParticipantId),
    Idle,
    Scoreboard,
    Poses,
}

impl Room {
    /// Runs everything due by `now`.
    pub fn handle_timeout(&mut self, now: Micros) {
        self.begin(now);
    }

    /// The next instant [`Self::handle_timeout`] must be called at; `None` when nothing is
    /// scheduled (the host then waits for inputs only). Never in the past after an input.
    pub fn poll_timeout(&self) -> Option<Micros> {
        self.next_due().map(|(t, _)| t)
    }

    /// When the next skeleton frame is due, if one is scheduled (a pose arrived since the last
    /// frame). While it is set, a host may hold arriving poses back and hand them to
    /// [`Self::handle_pose`] together, in arrival order and each with its arrival time, at any
    /// instant up to this one: they go out in that same frame. When it is `None`, the next pose
    /// must be handed in at once, for it is what schedules the frame.
    pub fn frame_due(&self) -> Option<Micros> {
        if self.is_closed() {
            return None;
        }
        self.relay.next_tick()
    }

    fn next_due(&self) -> Option<(Micros, Due)> {
        if self.is_closed() {
            return None;
        }
        let lead = self.config.lead_us;
        let host_away = self.host_away_until.filter(|_| self.session.is_running());
        let idle = self
            .empty_since
            .map(|t| t.saturating_add(self.config.idle_close_us));
        [
            // Cues, scoreboards and phase announcements go out on the room's tick grid (cues
            // earlier, the others later), so they leave in the same write as a skeleton frame,
            // and rooms that started together do not all send them at the same instant.
            self.session
                .next_cue_send(lead, SEND_EARLY_US)
                .map(|t| (self.to_grid(t, false), Due::Cue)),
            self.session.phase_end().map(|t| (t, Due::Phase)),
            self.phase_note
                .map(|t| (self.to_grid(t, true), Due::PhaseNote)),
            self.session.summary_due().map(|t| (t, Due::Summary)),
            host_away.map(|t| (t, Due::HostAway)),
            self.roster.next_grace().map(|(t, p)| (t, Due::Grace(p))),
            idle.map(|t| (t, Due::Idle)),
            self.pacer
                .pending()
                .map(|t| (self.to_grid(t, true), Due::Scoreboard)),
            self.relay.next_tick().map(|t| (t, Due::Poses)),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// `t` moved onto the relay's tick grid when the room has a tick phase: `later` to the
    /// first grid point at or after it, else to the last at or before it.
    fn to_grid(&self, t: Micros, later: bool) -> Micros {
        let (period, Some(phase)) = (self.config.tick_us, self.config.tick_phase_us) else {
            return t;
        };
        if later {
            relay::on_grid(t, period, phase)
        } else {
            relay::grid_floor(t, period, phase)
        }
    }

    /// Runs every deadline at or before `now`, earliest first.
    pub(crate) fn run_timers(&mut self, now: Micros) {
        for _ in 0..MAX_EVENTS_PER_CALL {
            match self.next_due() {
                Some((at, due)) if at <= now => self.fire(now, at, due),
                _ => break,
            }
        }
        self.sync_checks(now);
    }

    /// When the exercise step the cross-check follows has ended (the phase moved on, a skip,
    /// an end), checks its claims against the final detected counts and tells facilitators.
    pub(crate) fn sync_checks(&mut self, now: Micros) {
        let open = self.session.open_step().map(|(s, e)| (s, e.to_owned()));
        if open == self.checked_step {
            return;
        }
        if let Some((step, exercise)) = self.checked_step.take()
            && let Some(ex) = self.catalogue.get(&exercise)
        {
            let flags = self.ledger.close_step(step, ex, now);
            if !flags.is_empty() {
                let to = self.roster.members_where(|p| p.role.can_control());
                for flag in flags {
                    self.out.send(to.clone(), ServerMsg::Flag { flag });
                }
            }
        }
        self.checked_step = open;
    }

    fn fire(&mut self, now: Micros, at: Micros, due: Due) {
        match due {
            Due::Cue => {
                if let Some(cue) = self.session.take_cue(now, self.config.lead_us) {
                    let to = self.roster.connected();
                    self.out.send(to, ServerMsg::Cue { cue });
                }
            }
            Due::Phase => {
                // The phase changes at its instant on the timeline (scores and the cross-check
                // follow it from there). With a tick grid, a change the program planned (its
                // cues already told everyone when) is announced at the next grid point, with
                // that tick's frame, so rooms that started together do not all announce it at
                // one instant; the end of the program is announced at once, before its summary.
                self.session.advance(at, &self.config.program);
                match self.config.tick_phase_us {
                    Some(_) if self.session.is_running() => {
                        self.phase_note = Some(now);
                    }
                    _ => self.broadcast_phase(now),
                }
            }
            Due::PhaseNote => self.broadcast_phase(now),
            Due::Summary => self.conclude(now, EndReason::Completed),
            Due::HostAway => {
                self.close_room(
                    now,
                    EndReason::RoomClosed,
                    close::ROOM_CLOSED,
                    "the host did not come back",
                );
            }
            Due::Grace(p) => self.give_up(now, p),
            Due::Idle => self.close_room(
                now,
                EndReason::RoomClosed,
                close::ROOM_CLOSED,
                "the room was empty",
            ),
            Due::Scoreboard => self.flush_scoreboard(now),
            Due::Poses => {
                let frames = self.relay.tick(now, self.config.stale_pose_us);
                let frame = |f: crate::relay::Frame| {
                    (
                        ServerMsg::Poses {
                            t: now,
                            poses: f.fresh,
                        },
                        ServerMsg::Poses {
                            t: now,
                            poses: f.full,
                        },
                    )
                };
                if let Some(f) = frames.controllers {
                    let to = self.roster.members_where(|p| p.role.can_control());
                    let (fresh, full) = frame(f);
                    self.out.poses(to, fresh, full);
                }
                if let Some(f) = frames.everyone {
                    let to = self.roster.members_where(|p| !p.role.can_control());
                    let (fresh, full) = frame(f);
                    self.out.poses(to, fresh, full);
                }
            }
        }
    }

    /// Something that may change the scoreboard happened.
    pub(crate) fn touch_scoreboard(&mut self, now: Micros) {
        // With a tick grid, even a scoreboard that may go at once waits for the next grid
        // point (less than a tick), to leave with that tick's frame.
        let defer = self.config.tick_phase_us.is_some();
        if self
            .pacer
            .touch(now, self.config.scoreboard_interval_us, defer)
        {
            self.flush_scoreboard(now);
        }
    }

    fn flush_scoreboard(&mut self, now: Micros) {
        let board = self.scoreboard();
        if let Some(scoreboard) = self.pacer.offer(now, board) {
            let to = self.roster.connected();
            self.out.send(to, ServerMsg::Scoreboard { scoreboard });
        }
    }

    /// Ends the session if it started and has no summary yet: results phase, then the summary
    /// (persisted and sent to everyone). A completed program ends as completed, whatever
    /// `reason` the caller had.
    pub(crate) fn finish_session(&mut self, now: Micros, reason: EndReason) {
        if !self.session.owes_summary() {
            return;
        }
        if self.session.is_running() {
            self.session.end(now);
            self.broadcast_phase(now);
        }
        self.sync_checks(now);
        let reason = if self.session.completed() {
            EndReason::Completed
        } else {
            reason
        };
        let ending = Ending {
            started_at: self.session.started_at().unwrap_or(now),
            ended_at: self.session.ended_at().unwrap_or(now),
            reason,
        };
        let summary = summary::build(&self.config, &self.ledger, ending);
        self.session.mark_summarized();
        self.host_away_until = None;
        self.out.summary(summary.clone());
        let to = self.roster.connected();
        self.out.send(to, ServerMsg::Summary { summary });
    }

    /// Closes the room for good: the summary if one is owed, then everyone's connection.
    pub(crate) fn close_room(
        &mut self,
        now: Micros,
        reason: EndReason,
        code: u16,
        why: &'static str,
    ) {
        if self.is_closed() {
            return;
        }
        self.finish_session(now, reason);
        self.session.close(now);
        self.broadcast_phase(now);
        for member in self.roster.connected() {
            self.out.close(member, code, why);
        }
        self.roster.clear();
        self.relay.clear();
        self.pacer.cancel();
        self.host_away_until = None;
        self.empty_since = None;
    }

    /// Ends the room from the host's side (shutdown, or the room is no longer wanted): the
    /// summary if a session started and has none yet, then every connection closes (with
    /// `close::GOING_AWAY` for [`EndReason::Shutdown`], `close::ROOM_CLOSED` otherwise) and the
    /// room is closed. Does nothing on a closed room.
    pub fn end(&mut self, now: Micros, reason: EndReason) {
        let now = self.begin(now);
        let (code, why) = match reason {
            EndReason::Shutdown => (close::GOING_AWAY, "server shutting down"),
            _ => (close::ROOM_CLOSED, "room closed"),
        };
        self.close_room(now, reason, code, why);
    }
}
