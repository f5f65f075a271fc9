//! One tokio task per live room: it owns the room engine, feeds it inputs with the current
//! time, sleeps until the engine's next wake-up or the next input, and delivers the engine's
//! outputs to members through their outboxes. Each broadcast is encoded once. Skeletons arrive
//! through the room's [`PoseInbox`], taken in batches, not one wake-up each.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use breakroom_protocol::{
    ControlAction, EndReason, ParticipantId, Reaction, ServerMsg, close, encode_server,
};
use breakroom_rooms::{JoinRequest, MemberId, Output, Room, RoomError, RoomInfo};
use bytes::Bytes;
use tokio::sync::{mpsc, oneshot};

use crate::hub::Hub;
use crate::outbox::{Item, Outbox, Pushed};
use crate::pose_inbox::{Arrived, PoseInbox};
use crate::store::Saved;

/// An input for a room actor.
#[derive(Debug)]
pub enum RoomCmd {
    /// Join with a new member.
    Join {
        /// The member.
        member: MemberId,
        /// Its outbox.
        outbox: Arc<Outbox>,
        /// Who and how.
        req: JoinRequest,
        /// The answer.
        reply: oneshot::Sender<Result<ParticipantId, RoomError>>,
    },
    /// Take back a dropped participant's place.
    Resume {
        /// The new member.
        member: MemberId,
        /// Its outbox.
        outbox: Arc<Outbox>,
        /// The place.
        participant: ParticipantId,
        /// The answer.
        reply: oneshot::Sender<Result<(), RoomError>>,
    },
    /// Leave for good.
    Leave(MemberId),
    /// The connection dropped.
    Disconnect(MemberId),
    /// A score report.
    Score {
        /// Who.
        member: MemberId,
        /// The client's seq.
        seq: u32,
        /// Exercise id.
        exercise: String,
        /// Cumulative reps.
        reps: u32,
        /// Cumulative active ms.
        active_ms: u32,
    },
    /// A facilitator control.
    Control {
        /// Who.
        member: MemberId,
        /// The client's seq.
        seq: u32,
        /// What.
        action: ControlAction,
        /// On whom.
        target: Option<ParticipantId>,
    },
    /// A reaction.
    Reaction {
        /// Who.
        member: MemberId,
        /// The client's seq.
        seq: u32,
        /// Which.
        reaction: Reaction,
    },
    /// A member's current round-trip figure (`crate::round_trip`).
    RoundTrip {
        /// Who.
        member: MemberId,
        /// Round trip, µs.
        round_trip_us: u64,
    },
    /// Public state, for REST.
    Info(oneshot::Sender<RoomInfo>),
}

/// Inputs handled per wake-up beyond the first before the outputs go out.
const DRAIN: usize = 64;

/// Runs a room until it closes or the server shuts down. `creator` is the user id of the
/// room's creator and `org` its organization, both stored with each session's summary.
pub async fn run(
    hub: Arc<Hub>,
    code: String,
    creator: String,
    org: String,
    mut room: Room,
    mut rx: mpsc::Receiver<RoomCmd>,
    poses: Arc<PoseInbox>,
) {
    let mut members: HashMap<MemberId, Arc<Outbox>> = HashMap::new();
    tracing::info!(room = %code, "room opened");
    let mut going_away = false;
    // One timer and one shutdown waiter for the room's life, re-armed only when the engine's
    // next wake-up changes: nothing is registered or unregistered per input.
    let sleep = tokio::time::sleep(Duration::ZERO);
    tokio::pin!(sleep);
    let mut armed: Option<tokio::time::Instant> = None;
    let shutdown = hub.shutdown.clone();
    let shutdown = shutdown.cancelled();
    tokio::pin!(shutdown);
    let mut arrived = Vec::new();
    loop {
        let wake = room.poll_timeout().map(|t| hub.clock.instant(t));
        if wake != armed {
            if let Some(at) = wake {
                sleep.as_mut().reset(at);
            }
            armed = wake;
        }
        // Biased: timers first (cues must not wait behind a burst of inputs), then inputs;
        // shutdown, whose check takes a lock, only when neither is ready. Waiting poses are
        // handed in before anything else: they arrived first.
        tokio::select! {
            biased;
            () = &mut sleep, if armed.is_some() => {
                armed = None;
                take_poses(&mut room, &poses, &mut arrived);
                room.handle_timeout(hub.clock.now());
            }
            cmd = rx.recv() => match cmd {
                Some(cmd) => {
                    // Whatever else is already waiting goes in too before the outputs are
                    // delivered (bounded, so timers are not starved), each command after the
                    // poses that arrived before it.
                    let waiting = std::iter::from_fn(|| rx.try_recv().ok());
                    for cmd in std::iter::once(cmd).chain(waiting).take(1 + DRAIN) {
                        take_poses(&mut room, &poses, &mut arrived);
                        handle(&hub, &mut room, &mut members, cmd);
                    }
                }
                None => {
                    room.end(hub.clock.now(), EndReason::Shutdown);
                    going_away = true;
                }
            },
            () = poses.woken() => take_poses(&mut room, &poses, &mut arrived),
            () = &mut shutdown, if !going_away => {
                room.end(hub.clock.now(), EndReason::Shutdown);
                going_away = true;
            }
        }
        // Poses may wait in the inbox only while a frame is due: the timer then takes them.
        while poses.settle(room.frame_due().is_some()) {
            take_poses(&mut room, &poses, &mut arrived);
        }
        deliver(&hub, (&creator, &org), &mut room, &mut members).await;
        if room.is_closed() {
            break;
        }
    }
    poses.close();
    let (code_close, reason) = if going_away {
        (close::GOING_AWAY, "server shutting down")
    } else {
        (close::ROOM_CLOSED, "room closed")
    };
    for outbox in members.values() {
        outbox.close(code_close, reason);
    }
    hub.rooms.remove(&code);
    hub.resumes.forget_room(&code);
    hub.metrics.rooms.dec();
    tracing::info!(room = %code, "room closed");
}

/// Hands the waiting poses to the engine, in arrival order, each at its arrival time.
fn take_poses(room: &mut Room, poses: &PoseInbox, arrived: &mut Vec<Arrived>) {
    poses.take(arrived);
    for a in arrived.drain(..) {
        // Errors on poses are rare (a viewer sending) and answered by the connection's rate
        // limiter; the engine's refusal is enough here.
        let _ = room.handle_pose(a.received, a.member, a.t, a.kp);
    }
}

fn handle(hub: &Hub, room: &mut Room, members: &mut HashMap<MemberId, Arc<Outbox>>, cmd: RoomCmd) {
    let now = hub.clock.now();
    let answer = |members: &HashMap<MemberId, Arc<Outbox>>, m: MemberId, seq, r| {
        if let (Err(err), Some(outbox)) = (r, members.get(&m)) {
            send_error(hub, outbox, &err, Some(seq));
        }
    };
    match cmd {
        RoomCmd::Join {
            member,
            outbox,
            req,
            reply,
        } => {
            members.insert(member, outbox);
            let result = room.handle_join(now, member, req);
            if result.is_err() {
                members.remove(&member);
            }
            let _ = reply.send(result);
        }
        RoomCmd::Resume {
            member,
            outbox,
            participant,
            reply,
        } => {
            members.insert(member, outbox);
            let result = room.handle_resume(now, member, participant);
            if result.is_err() {
                members.remove(&member);
            }
            let _ = reply.send(result);
        }
        RoomCmd::Leave(member) => {
            room.handle_leave(now, member);
            members.remove(&member);
        }
        RoomCmd::Disconnect(member) => {
            room.handle_disconnect(now, member);
            members.remove(&member);
        }
        RoomCmd::Score {
            member,
            seq,
            exercise,
            reps,
            active_ms,
        } => {
            let r = room.handle_score(now, member, &exercise, reps, active_ms);
            answer(members, member, seq, r);
        }
        RoomCmd::Control {
            member,
            seq,
            action,
            target,
        } => {
            let r = room.handle_control(now, member, action, target);
            answer(members, member, seq, r);
        }
        RoomCmd::Reaction {
            member,
            seq,
            reaction,
        } => {
            let r = room.handle_reaction(now, member, reaction);
            answer(members, member, seq, r);
        }
        RoomCmd::RoundTrip {
            member,
            round_trip_us,
        } => room.handle_round_trip(now, member, round_trip_us),
        RoomCmd::Info(reply) => {
            let _ = reply.send(room.info());
        }
    }
}

/// Sends a refusal to one member.
pub fn send_error(hub: &Hub, outbox: &Outbox, err: &RoomError, seq: Option<u32>) {
    hub.metrics.count_out("error", 1);
    let msg = ServerMsg::Error {
        code: err.code(),
        message: err.to_string(),
        seq,
    };
    outbox.push(Item::Msg {
        bytes: Bytes::from(encode_server(&msg)),
        cue_at: None,
    });
}

async fn deliver(
    hub: &Hub,
    owner: (&str, &str),
    room: &mut Room,
    members: &mut HashMap<MemberId, Arc<Outbox>>,
) {
    while let Some((reason, n)) = room.poll_implausible() {
        hub.metrics.count_implausible(reason, n);
    }
    while let Some(output) = room.poll_output() {
        match output {
            Output::Send { to, msg } => {
                let bytes = Bytes::from(encode_server(&msg));
                let kind = msg.kind();
                let cue_at = match &msg {
                    ServerMsg::Cue { cue } => Some(cue.at),
                    _ => None,
                };
                let mut sent = 0u64;
                for m in &to {
                    let Some(outbox) = members.get(m) else {
                        continue;
                    };
                    sent += 1;
                    if outbox.push(Item::Msg {
                        bytes: bytes.clone(),
                        cue_at,
                    }) == Pushed::Overflow
                    {
                        hub.metrics.slow_consumers_closed.inc();
                        tracing::info!(member = m.0, "closing slow consumer");
                    }
                }
                hub.metrics.count_out(kind, sent);
            }
            Output::Poses { to, fresh, full } => {
                let bytes = Bytes::from(encode_server(&fresh));
                let full_bytes = std::cell::OnceCell::new();
                let mut sent = 0u64;
                for m in &to {
                    let Some(outbox) = members.get(m) else {
                        continue;
                    };
                    sent += 1;
                    let full = || {
                        full_bytes
                            .get_or_init(|| Bytes::from(encode_server(&full)))
                            .clone()
                    };
                    if outbox.push_pose(&bytes, full) {
                        hub.metrics.stale_frames_dropped.inc();
                    }
                }
                hub.metrics.count_out("poses", sent);
            }
            Output::Close {
                member,
                code,
                reason,
            } => {
                if let Some(outbox) = members.remove(&member) {
                    outbox.close(code, reason);
                }
            }
            Output::Summary(summary) => persist(hub, owner, &summary).await,
        }
    }
}

/// Persists a summary with the room's creator and organization, retrying: saving is idempotent
/// on the session id.
async fn persist(
    hub: &Hub,
    (creator, org): (&str, &str),
    summary: &breakroom_protocol::SessionSummary,
) {
    let mut delay = Duration::from_millis(50);
    for attempt in 1..=5 {
        match hub.store.save_summary(summary, creator, org).await {
            Ok(saved) => {
                if saved == Saved::Inserted {
                    hub.metrics.summaries_saved.inc();
                }
                tracing::info!(session = %summary.session, ?saved, "session summary persisted");
                return;
            }
            Err(err) => {
                tracing::warn!(session = %summary.session, attempt, %err, "saving summary failed");
                tokio::time::sleep(delay).await;
                delay *= 2;
            }
        }
    }
    tracing::error!(session = %summary.session, "session summary could not be persisted");
}
