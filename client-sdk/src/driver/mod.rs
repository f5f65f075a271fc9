//! The background task that owns the socket.
//!
//! One `select!` loop over: socket reads, commands from the API (a bounded channel), the
//! newest outgoing pose, a send timer that paces messages to the server's limits, the
//! clock-sync ping timer, a reconnection attempt in progress, and delivery of events to the
//! application. Nothing in the loop waits on the application except event delivery, and
//! while events are undelivered the loop keeps serving commands and only stops reading.

mod pacing;
mod reconnect;
mod refresh;

use std::collections::VecDeque;
use std::future::{Future, pending};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use breakroom_protocol::clock::{ClockSync, Sample};
use breakroom_protocol::{ClientMsg, ErrorCode, Limits, Micros, PresenceChange, ServerMsg};
use tokio::sync::{mpsc, oneshot};
use tokio::time::{Instant, sleep_until};

use crate::backoff::ABNORMAL;
use crate::client::Shared;
use crate::connect::{Frame, Handshake, Target, Ws, read, send};
use crate::error::Error;
use crate::event::{Event, Incoming, Snapshot, incoming};
use crate::options::{ClientOptions, JoinOptions};

/// Stop reading the socket while this many events wait for the application.
const READ_PAUSE: usize = 64;
/// Most messages queued for sending (controls, reactions, joins, leaves).
const OUTBOX_MAX: usize = 64;
/// Most exercises with a score report waiting.
const SCORES_MAX: usize = 32;
/// Spacing of the pings of a burst: wider than a typical jitter range, so that on one TCP
/// connection a ping is not held behind the one before it (which would make their delays
/// one), yet short enough for a burst of 16 to be over in under a second.
const BURST_SPACING: Duration = Duration::from_millis(50);
/// How long [`crate::Client::close`] waits for the server's close frame.
const CLOSE_WAIT: Duration = Duration::from_secs(2);

/// A request from the API.
#[derive(Debug)]
pub(crate) enum Command {
    /// Join a room; answered by the snapshot or the error.
    Join {
        room: String,
        options: JoinOptions,
        reply: oneshot::Sender<Result<Snapshot, Error>>,
    },
    /// Send a seq'd message; answered with its seq once queued.
    Send {
        request: Request,
        reply: oneshot::Sender<Result<u32, Error>>,
    },
    /// Send `refresh` with a new token; answered with the new expiry or the refusal.
    Refresh {
        token: String,
        reply: oneshot::Sender<Result<u64, Error>>,
    },
    /// Leave (if in a room), close with 1000 and stop.
    Close { reply: oneshot::Sender<()> },
}

/// A fire-and-forget message.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Request {
    Leave,
    Score {
        exercise: String,
        reps: u32,
        active_ms: u32,
    },
    Control {
        action: breakroom_protocol::ControlAction,
        target: Option<breakroom_protocol::ParticipantId>,
    },
    Reaction(breakroom_protocol::Reaction),
}

/// A join sent and not yet answered.
#[derive(Debug)]
struct PendingJoin {
    seq: u32,
    room: String,
    options: JoinOptions,
    reply: oneshot::Sender<Result<Snapshot, Error>>,
}

/// A message waiting for its turn.
#[derive(Debug)]
struct Queued {
    msg: ClientMsg,
    join: Option<PendingJoin>,
}

/// The room this client is in, to resume or rejoin it.
#[derive(Debug, Clone)]
struct Room {
    code: String,
    options: JoinOptions,
}

/// Getting the room back after a reconnection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Restoring {
    /// Nothing to restore.
    No,
    /// The `hello` asked to resume; a snapshot or an error quoting `hello_seq` follows.
    Resume { hello_seq: u32 },
    /// The resume was refused; a snapshot or an error quoting `seq` answers the join.
    Rejoin { seq: u32 },
}

type Attempt = Pin<Box<dyn Future<Output = Result<Handshake, Error>> + Send>>;
type Fetch = Pin<Box<dyn Future<Output = Result<String, Error>> + Send>>;

/// A `refresh` sent and not yet answered.
#[derive(Debug)]
struct PendingRefresh {
    seq: u32,
    token: String,
    /// When it was sent: one unanswered after [`ClientOptions::request_timeout`] is given up.
    sent: Instant,
    /// The caller of [`crate::Client::refresh`]; `None` for an automatic refresh.
    reply: Option<oneshot::Sender<Result<u64, Error>>>,
}

/// The state of the background task.
pub(crate) struct Driver {
    shared: Arc<Shared>,
    options: ClientOptions,
    target: Target,
    commands: mpsc::Receiver<Command>,
    events: mpsc::Sender<Event>,
    /// Events not yet handed to the channel.
    undelivered: VecDeque<Event>,
    ws: Option<Ws>,
    attempt: Option<Attempt>,
    attempts: u32,
    resume_token: Option<String>,
    limits: Limits,
    sync: ClockSync,
    next_seq: u32,
    room: Option<Room>,
    restoring: Restoring,
    /// When to give up waiting for the answer to a resume or a rejoin.
    restore_deadline: Instant,
    outbox: VecDeque<Queued>,
    /// Latest cumulative score per exercise, waiting to be sent: (exercise, msg).
    scores: VecDeque<(String, ClientMsg)>,
    joins: VecDeque<PendingJoin>,
    next_control: Instant,
    next_score: Instant,
    next_pose: Instant,
    pose_waiting: bool,
    next_ping: Instant,
    burst_left: u32,
    last_heard: Instant,
    closed: Option<(u16, String)>,
    /// The latest `welcome`'s arrival and `server_time`: places a token's expiry on the local
    /// clock.
    anchor: (Instant, Micros),
    /// When the current token expires (Unix seconds), if the server said.
    expires_at: Option<u64>,
    /// When to ask the token source for the next token.
    refresh_at: Option<Instant>,
    /// A token being fetched from the token source.
    fetch: Option<Fetch>,
    /// `refresh` messages sent and not yet answered.
    refreshes: Vec<PendingRefresh>,
}

impl Driver {
    /// A driver for a freshly welcomed connection.
    pub(crate) fn new(
        shared: Arc<Shared>,
        options: ClientOptions,
        target: Target,
        commands: mpsc::Receiver<Command>,
        events: mpsc::Sender<Event>,
        first: Handshake,
    ) -> Self {
        let now = Instant::now();
        let mut driver = Driver {
            shared,
            options,
            target,
            commands,
            events,
            undelivered: VecDeque::new(),
            ws: None,
            attempt: None,
            attempts: 0,
            resume_token: None,
            limits: first.welcome.limits.clone(),
            sync: ClockSync::default(),
            next_seq: first.hello_seq.wrapping_add(1),
            room: None,
            restoring: Restoring::No,
            restore_deadline: now,
            outbox: VecDeque::new(),
            scores: VecDeque::new(),
            joins: VecDeque::new(),
            next_control: now,
            next_score: now,
            next_pose: now,
            pose_waiting: false,
            next_ping: now,
            burst_left: 0,
            last_heard: now,
            closed: None,
            anchor: (now, 0),
            expires_at: None,
            refresh_at: None,
            fetch: None,
            refreshes: Vec::new(),
        };
        driver.install(first);
        driver
    }

    /// Runs until the connection is closed for good and every event is delivered, or the
    /// application has dropped the client.
    pub(crate) async fn run(mut self) {
        loop {
            self.publish();
            if self.closed.is_some() && (self.undelivered.is_empty() || self.events.is_closed()) {
                return;
            }
            let delivering = !self.undelivered.is_empty();
            let reading = self.ws.is_some() && self.undelivered.len() < READ_PAUSE;
            let connected = self.ws.is_some();
            let watch_pose = connected && !self.pose_waiting;
            let due = self.next_due();
            let restore_due = (self.restoring != Restoring::No).then_some(self.restore_deadline);
            tokio::select! {
                delivered = deliver(&self.events, &mut self.undelivered), if delivering => {
                    if !delivered {
                        self.shutdown(false).await;
                        return;
                    }
                }
                command = self.commands.recv() => match command {
                    Some(command) => self.command(command).await,
                    None => {
                        self.shutdown(false).await;
                        return;
                    }
                },
                frame = read_opt(&mut self.ws), if reading => self.frame(frame).await,
                result = attempt_opt(&mut self.attempt) => {
                    self.attempt = None;
                    self.attempted(result);
                }
                () = self.shared.outgoing_pose.filled(), if watch_pose => self.pose_waiting = true,
                () = sleep_until_opt(due) => self.flush().await,
                () = sleep_until_opt(restore_due) => self.restore_timed_out().await,
                () = sleep_until(self.next_ping), if connected => self.ping().await,
                () = sleep_until_opt(self.refresh_at) => self.refresh_due(),
                result = fetch_opt(&mut self.fetch) => {
                    self.fetch = None;
                    self.fetched(result).await;
                }
                () = self.events.closed() => {
                    // The application dropped the client.
                    self.shutdown(false).await;
                    return;
                }
            }
        }
    }

    /// Publishes what the API handles read without asking.
    fn publish(&self) {
        let live = self.ws.is_some() && self.restoring == Restoring::No && self.room.is_some();
        self.shared.set_live(live);
    }

    fn seq(&mut self) -> u32 {
        let seq = self.next_seq;
        self.next_seq = self.next_seq.wrapping_add(1);
        seq
    }

    fn emit(&mut self, event: Event) {
        // A skeleton from before a departure must not reach the application after it.
        if let Event::Presence {
            change: PresenceChange::Left,
            participant,
        } = &event
        {
            self.shared.incoming_poses.forget(participant.id);
        }
        if !self.events.is_closed() {
            self.undelivered.push_back(event);
        }
    }

    fn add_sample(&mut self, sample: Sample) {
        self.sync.add(sample);
        self.shared.clock.update(&self.sync);
    }

    async fn command(&mut self, command: Command) {
        if let Some((code, reason)) = &self.closed {
            let err = Error::Closed {
                code: *code,
                reason: reason.clone(),
            };
            match command {
                Command::Join { reply, .. } => {
                    let _ = reply.send(Err(err));
                }
                Command::Send { reply, .. } => {
                    let _ = reply.send(Err(err));
                }
                Command::Refresh { reply, .. } => {
                    let _ = reply.send(Err(err));
                }
                Command::Close { reply } => {
                    let _ = reply.send(());
                }
            }
            return;
        }
        match command {
            Command::Join {
                room,
                options,
                reply,
            } => {
                if self.outbox.len() >= OUTBOX_MAX {
                    let _ = reply.send(Err(Error::Backlog));
                    return;
                }
                let seq = self.seq();
                let msg = ClientMsg::Join {
                    seq,
                    room: room.clone(),
                    role: options.role,
                    sharing: options.sharing,
                };
                let join = PendingJoin {
                    seq,
                    room,
                    options,
                    reply,
                };
                self.outbox.push_back(Queued {
                    msg,
                    join: Some(join),
                });
            }
            Command::Send { request, reply } => {
                let seq = self.seq();
                let _ = reply.send(self.queue(seq, request).map(|()| seq));
            }
            Command::Refresh { token, reply } => self.send_refresh(token, Some(reply)).await,
            Command::Close { reply } => {
                self.shutdown(true).await;
                let _ = reply.send(());
            }
        }
    }

    /// Sends a message now; on failure, handles the lost connection and returns `false`.
    async fn send(&mut self, msg: &ClientMsg) -> bool {
        let Some(ws) = self.ws.as_mut() else {
            return false;
        };
        match send(ws, msg).await {
            Ok(()) => true,
            Err(err) => {
                self.lost(ABNORMAL, err.to_string());
                false
            }
        }
    }

    async fn ping(&mut self) {
        let now = Instant::now();
        let silence = (self.options.ping_interval * 3).max(Duration::from_secs(15));
        if now.duration_since(self.last_heard) > silence {
            self.lost(ABNORMAL, "the server stopped answering".to_owned());
            return;
        }
        if self.burst_left > 1 {
            self.burst_left -= 1;
            self.next_ping = now + BURST_SPACING;
        } else {
            self.burst_left = 0;
            self.next_ping = now + self.options.ping_interval;
        }
        let t0 = self.shared.clock.local().now();
        self.send(&ClientMsg::Ping { t0 }).await;
    }

    async fn frame(&mut self, frame: Frame) {
        match frame {
            Frame::Msg(msg) => {
                self.last_heard = Instant::now();
                self.message(*msg).await;
            }
            Frame::Skip => self.last_heard = Instant::now(),
            Frame::Closed { code, reason } => self.lost(code, reason),
        }
    }

    async fn message(&mut self, msg: ServerMsg) {
        match incoming(msg) {
            Incoming::Welcome => tracing::warn!("ignoring a second `welcome`"),
            Incoming::Pong { t0, t1, t2 } => {
                let t3 = self.shared.clock.local().now();
                self.add_sample(Sample { t0, t1, t2, t3 });
            }
            Incoming::Poses { t, poses } => {
                if !self.events.is_closed() {
                    self.shared.incoming_poses.put_frame((t, poses));
                }
            }
            Incoming::Snapshot(snapshot) => self.snapshot(snapshot),
            Incoming::Error { code, message, seq } => self.error(code, message, seq).await,
            Incoming::Refreshed { seq, expires_at } => self.refreshed(seq, expires_at),
            Incoming::Event(event) => self.emit(event),
        }
    }

    fn snapshot(&mut self, snapshot: Box<Snapshot>) {
        self.shared.set_you(Some(snapshot.you));
        // The application gets the room's state first, then learns how it came back.
        let restored = match self.restoring {
            Restoring::Resume { .. } => Some(Event::Resumed),
            Restoring::Rejoin { .. } => Some(Event::Rejoined),
            Restoring::No => {
                if let Some(join) = self.joins.pop_front() {
                    self.room = Some(Room {
                        code: join.room,
                        options: join.options,
                    });
                    let _ = join.reply.send(Ok((*snapshot).clone()));
                }
                None
            }
        };
        self.restoring = Restoring::No;
        self.emit(Event::Snapshot(snapshot));
        if let Some(event) = restored {
            self.emit(event);
        }
    }

    async fn error(&mut self, code: ErrorCode, message: String, seq: Option<u32>) {
        match self.restoring {
            Restoring::Resume { hello_seq } if seq == Some(hello_seq) => {
                tracing::debug!(%message, "resume refused; joining again");
                self.rejoin().await;
                return;
            }
            Restoring::Rejoin { seq: join_seq } if seq == Some(join_seq) => {
                self.rejoin_failed(code, message, seq);
                return;
            }
            _ => {}
        }
        if self.refresh_refused(code, &message, seq) {
            return;
        }
        if let Some(i) = self.joins.iter().position(|j| Some(j.seq) == seq) {
            if let Some(join) = self.joins.remove(i) {
                let _ = join.reply.send(Err(Error::Server { code, message }));
            }
            return;
        }
        self.emit(Event::Error { code, message, seq });
    }
}

/// Hands the oldest undelivered event to the application once the channel has room; `false`
/// if the application is gone.
async fn deliver(events: &mpsc::Sender<Event>, undelivered: &mut VecDeque<Event>) -> bool {
    let Ok(permit) = events.reserve().await else {
        return false;
    };
    if let Some(event) = undelivered.pop_front() {
        permit.send(event);
    }
    true
}

fn per_second(hz: u16) -> Duration {
    Duration::from_secs(1) / u32::from(hz.max(1))
}

async fn read_opt(ws: &mut Option<Ws>) -> Frame {
    match ws {
        Some(ws) => read(ws).await,
        None => pending().await,
    }
}

async fn attempt_opt(attempt: &mut Option<Attempt>) -> Result<Handshake, Error> {
    match attempt {
        Some(attempt) => attempt.await,
        None => pending().await,
    }
}

async fn fetch_opt(fetch: &mut Option<Fetch>) -> Result<String, Error> {
    match fetch {
        Some(fetch) => fetch.await,
        None => pending().await,
    }
}

async fn sleep_until_opt(due: Option<Instant>) {
    match due {
        Some(due) => sleep_until(due).await,
        None => pending().await,
    }
}
