//! The API: [`Client`] (commands and events) and [`ClientHandle`] (commands only, cloneable).

use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use breakroom_protocol::{
    ControlAction, Landmark, Limits, Micros, ParticipantId, PoseBlock, PoseModel, Reaction,
};
use futures_util::{FutureExt, Stream};
use tokio::sync::{mpsc, oneshot};
use tokio::time::{Instant, sleep_until, timeout, timeout_at};

use crate::clock::{LocalClock, SharedClock};
use crate::connect::{Target, check_url, handshake};
use crate::driver::{Command, Driver, Request};
use crate::error::Error;
use crate::event::{Event, Snapshot};
use crate::options::{ClientOptions, JoinOptions};
use crate::slot::{Latest, PoseFrame};

/// Capacity of the command channel from the API to the background task.
const COMMAND_CAPACITY: usize = 64;
/// The `hello` of the first connection carries this seq.
const FIRST_SEQ: u32 = 1;

/// What the background task and the API handles share, without going through a channel.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) clock: SharedClock,
    /// The application's newest skeleton, waiting for the socket.
    pub(crate) outgoing_pose: Latest<(Micros, PoseBlock)>,
    /// The room's frames not yet read by the application, merged into one
    /// ([`Latest::put_frame`], never [`Latest::put`]).
    pub(crate) incoming_poses: Latest<PoseFrame>,
    /// Connected, not restoring, and in a room: poses are worth sending.
    live: AtomicBool,
    /// Own participant id, `u64::MAX` when not in a room.
    you: AtomicU64,
    limits: Mutex<Limits>,
    /// When the connection's token expires (Unix seconds), `0` when unknown.
    expires_at: AtomicU64,
}

impl Shared {
    pub(crate) fn set_live(&self, live: bool) {
        self.live.store(live, Ordering::Relaxed);
    }

    pub(crate) fn set_you(&self, you: Option<ParticipantId>) {
        self.you
            .store(you.map_or(u64::MAX, |p| u64::from(p.0)), Ordering::Relaxed);
    }

    pub(crate) fn set_expires_at(&self, expires_at: Option<u64>) {
        self.expires_at
            .store(expires_at.unwrap_or(0), Ordering::Relaxed);
    }

    pub(crate) fn set_limits(&self, limits: Limits) {
        *self.limits.lock().unwrap_or_else(PoisonError::into_inner) = limits;
    }
}

/// A connection to a breakroom server, with its stream of [`Event`]s.
///
/// Commands (`join`, `send_pose`, controls, …) take `&self`; reading events takes `&mut self`.
/// To send from other tasks, take a [`ClientHandle`] with [`Client::handle`]. Dropping the
/// `Client` closes the connection (with 1000, without `leave`); [`Client::close`] leaves first.
///
/// While the connection is being re-established, poses are dropped, score reports keep only
/// the latest count per exercise, and joins, leaves, controls and reactions are queued (up to
/// 64; beyond that the call fails with [`Error::Backlog`]) and sent once the room is back.
#[derive(Debug)]
pub struct Client {
    handle: ClientHandle,
    events: mpsc::Receiver<Event>,
}

/// The command half of a [`Client`]: cheap to clone and usable from any task.
#[derive(Debug, Clone)]
pub struct ClientHandle {
    commands: mpsc::Sender<Command>,
    shared: Arc<Shared>,
    request_timeout: Duration,
}

impl Client {
    /// Connects to `url` (e.g. `ws://127.0.0.1:7878/v1/ws`) with an access token, using
    /// [`ClientOptions::default`]. Returns once the server has welcomed the client.
    pub async fn connect(url: &str, token: &str) -> Result<Client, Error> {
        Client::connect_with(url, token, ClientOptions::default()).await
    }

    /// Connects with the given options. Returns once the server has welcomed the client.
    pub async fn connect_with(
        url: &str,
        token: &str,
        options: ClientOptions,
    ) -> Result<Client, Error> {
        check_url(url)?;
        let target = Target {
            url: url.to_owned(),
            token: token.to_owned(),
            sdk_name: options.sdk_name.clone(),
            sdk_version: options.sdk_version.clone(),
        };
        let local = LocalClock::start();
        let first = handshake(&target, FIRST_SEQ, None, &local, options.request_timeout).await?;
        let shared = Arc::new(Shared {
            clock: SharedClock::new(local),
            outgoing_pose: Latest::default(),
            incoming_poses: Latest::default(),
            live: AtomicBool::new(false),
            you: AtomicU64::new(u64::MAX),
            limits: Mutex::new(first.welcome.limits.clone()),
            expires_at: AtomicU64::new(0),
        });
        let (command_tx, command_rx) = mpsc::channel(COMMAND_CAPACITY);
        let (event_tx, event_rx) = mpsc::channel(options.event_capacity.max(1));
        let handle = ClientHandle {
            commands: command_tx,
            shared: Arc::clone(&shared),
            request_timeout: options.request_timeout,
        };
        let driver = Driver::new(shared, options, target, command_rx, event_tx, first);
        tokio::spawn(driver.run());
        Ok(Client {
            handle,
            events: event_rx,
        })
    }

    /// A cloneable handle for sending from other tasks.
    pub fn handle(&self) -> ClientHandle {
        self.handle.clone()
    }

    /// See [`ClientHandle::join`].
    pub async fn join(&self, room: &str, options: JoinOptions) -> Result<Snapshot, Error> {
        self.handle.join(room, options).await
    }

    /// See [`ClientHandle::send_pose`].
    pub fn send_pose(&self, model: PoseModel, landmarks: &[Landmark]) -> Result<(), Error> {
        self.handle.send_pose(model, landmarks)
    }

    /// Tracks an exercise step with the shared detector: feed it landmarks, and it sends the
    /// skeleton and reports the reps it counts (see [`crate::track`]).
    pub fn track(&self, exercise: &str) -> Result<crate::track::Tracker, Error> {
        crate::track::Tracker::new(self.handle.clone(), exercise)
    }

    /// See [`ClientHandle::report_score`].
    pub async fn report_score(
        &self,
        exercise: &str,
        reps: u32,
        active_ms: u32,
    ) -> Result<u32, Error> {
        self.handle.report_score(exercise, reps, active_ms).await
    }

    /// See [`ClientHandle::control`].
    pub async fn control(
        &self,
        action: ControlAction,
        target: Option<ParticipantId>,
    ) -> Result<u32, Error> {
        self.handle.control(action, target).await
    }

    /// Starts the program (facilitators). See [`ClientHandle::control`].
    pub async fn start(&self) -> Result<u32, Error> {
        self.handle.control(ControlAction::Start, None).await
    }

    /// Pauses the session (facilitators). See [`ClientHandle::control`].
    pub async fn pause(&self) -> Result<u32, Error> {
        self.handle.control(ControlAction::Pause, None).await
    }

    /// Resumes a paused session (facilitators). See [`ClientHandle::control`].
    pub async fn resume(&self) -> Result<u32, Error> {
        self.handle.control(ControlAction::Resume, None).await
    }

    /// Skips to the next step (facilitators). See [`ClientHandle::control`].
    pub async fn skip(&self) -> Result<u32, Error> {
        self.handle.control(ControlAction::Skip, None).await
    }

    /// Ends the session now (facilitators). See [`ClientHandle::control`].
    pub async fn end(&self) -> Result<u32, Error> {
        self.handle.control(ControlAction::End, None).await
    }

    /// Refuses new joins (facilitators). See [`ClientHandle::control`].
    pub async fn lock(&self) -> Result<u32, Error> {
        self.handle.control(ControlAction::Lock, None).await
    }

    /// Accepts new joins again (facilitators). See [`ClientHandle::control`].
    pub async fn unlock(&self) -> Result<u32, Error> {
        self.handle.control(ControlAction::Unlock, None).await
    }

    /// Removes a participant (facilitators). See [`ClientHandle::control`].
    pub async fn kick(&self, participant: ParticipantId) -> Result<u32, Error> {
        self.handle
            .control(ControlAction::Kick, Some(participant))
            .await
    }

    /// Makes a participant co-host (facilitators). See [`ClientHandle::control`].
    pub async fn make_cohost(&self, participant: ParticipantId) -> Result<u32, Error> {
        self.handle
            .control(ControlAction::MakeCohost, Some(participant))
            .await
    }

    /// See [`ClientHandle::react`].
    pub async fn react(&self, reaction: Reaction) -> Result<u32, Error> {
        self.handle.react(reaction).await
    }

    /// See [`ClientHandle::refresh`].
    pub async fn refresh(&self, token: &str) -> Result<u64, Error> {
        self.handle.refresh(token).await
    }

    /// See [`ClientHandle::token_expires_at`].
    pub fn token_expires_at(&self) -> Option<u64> {
        self.handle.token_expires_at()
    }

    /// See [`ClientHandle::leave`].
    pub async fn leave(&self) -> Result<u32, Error> {
        self.handle.leave().await
    }

    /// See [`ClientHandle::close`]. Events already received stay readable, then
    /// [`Event::Closed`] and the end of the stream.
    pub async fn close(&self) -> Result<(), Error> {
        self.handle.close().await
    }

    /// See [`ClientHandle::server_now`].
    pub fn server_now(&self) -> Micros {
        self.handle.server_now()
    }

    /// See [`ClientHandle::local_instant`].
    pub fn local_instant(&self, server_time: Micros) -> Instant {
        self.handle.local_instant(server_time)
    }

    /// See [`ClientHandle::clock_offset`].
    pub fn clock_offset(&self) -> i64 {
        self.handle.clock_offset()
    }

    /// See [`ClientHandle::round_trip`].
    pub fn round_trip(&self) -> Option<Duration> {
        self.handle.round_trip()
    }

    /// See [`ClientHandle::sync_uncertainty`].
    pub fn sync_uncertainty(&self) -> Option<Duration> {
        self.handle.sync_uncertainty()
    }

    /// See [`ClientHandle::sleep_until_server`].
    pub async fn sleep_until_server(&self, at: Micros) {
        self.handle.sleep_until_server(at).await;
    }

    /// See [`ClientHandle::limits`].
    pub fn limits(&self) -> Limits {
        self.handle.limits()
    }

    /// See [`ClientHandle::participant_id`].
    pub fn participant_id(&self) -> Option<ParticipantId> {
        self.handle.participant_id()
    }

    /// The next event; `None` once the client is closed and every event was read.
    pub async fn next_event(&mut self) -> Option<Event> {
        std::future::poll_fn(|cx| self.poll_event(cx)).await
    }

    /// The next event if one is ready now.
    pub fn try_next_event(&mut self) -> Option<Event> {
        self.next_event().now_or_never().flatten()
    }

    /// The next event, waiting at most `limit`: [`Error::Timeout`] when none came,
    /// [`Error::Disconnected`] when the stream has ended.
    pub async fn next_event_timeout(&mut self, limit: Duration) -> Result<Event, Error> {
        match timeout(limit, self.next_event()).await {
            Ok(Some(event)) => Ok(event),
            Ok(None) => Err(Error::Disconnected),
            Err(_) => Err(Error::Timeout),
        }
    }

    /// Skips events until one satisfies `matches`, and returns it. Fails with
    /// [`Error::Timeout`] if none comes within `limit`, with [`Error::Closed`] if an
    /// [`Event::Closed`] is skipped, and with [`Error::Disconnected`] if the stream ends.
    ///
    /// ```no_run
    /// # async fn f(client: &mut breakroom_client::Client) -> Result<(), breakroom_client::Error> {
    /// use std::time::Duration;
    /// use breakroom_client::Event;
    /// let cue = client.wait_for(Duration::from_secs(5), |e| matches!(e, Event::Cue(_))).await?;
    /// # Ok(()) }
    /// ```
    pub async fn wait_for<F>(&mut self, limit: Duration, mut matches: F) -> Result<Event, Error>
    where
        F: FnMut(&Event) -> bool,
    {
        let deadline = Instant::now() + limit;
        loop {
            let event = match timeout_at(deadline, self.next_event()).await {
                Ok(Some(event)) => event,
                Ok(None) => return Err(Error::Disconnected),
                Err(_) => return Err(Error::Timeout),
            };
            if matches(&event) {
                return Ok(event);
            }
            if let Event::Closed { code, reason } = event {
                return Err(Error::Closed { code, reason });
            }
        }
    }

    /// Ordered events first; then the pose frame (merged, if several arrived), if one is waiting.
    fn poll_event(&mut self, cx: &mut Context<'_>) -> Poll<Option<Event>> {
        match self.events.poll_recv(cx) {
            Poll::Ready(Some(event)) => return Poll::Ready(Some(event)),
            Poll::Ready(None) => return Poll::Ready(None),
            Poll::Pending => {}
        }
        self.handle
            .shared
            .incoming_poses
            .poll_take(cx)
            .map(|(t, poses)| Some(Event::Poses { t, poses }))
    }
}

impl Stream for Client {
    type Item = Event;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Event>> {
        self.get_mut().poll_event(cx)
    }
}

impl ClientHandle {
    async fn command(&self, command: Command) -> Result<(), Error> {
        self.commands
            .send(command)
            .await
            .map_err(|_| Error::Disconnected)
    }

    async fn request(&self, request: Request) -> Result<u32, Error> {
        let (reply, answer) = oneshot::channel();
        self.command(Command::Send { request, reply }).await?;
        answer.await.map_err(|_| Error::Disconnected)?
    }

    /// Joins the room with this code and returns its snapshot (also sent as
    /// [`Event::Snapshot`]). Fails with [`Error::Server`] if the server refuses (unknown
    /// room, full, locked, role not granted), or [`Error::Timeout`] after
    /// [`ClientOptions::request_timeout`].
    pub async fn join(&self, room: &str, options: JoinOptions) -> Result<Snapshot, Error> {
        let (reply, answer) = oneshot::channel();
        self.command(Command::Join {
            room: room.to_owned(),
            options,
            reply,
        })
        .await?;
        match timeout(self.request_timeout, answer).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(Error::Disconnected),
            Err(_) => Err(Error::Timeout),
        }
    }

    /// Offers the latest skeleton. Never blocks: the frame is quantized, stamped with
    /// [`ClientHandle::server_now`] as its capture time, and replaces any frame not yet sent.
    /// Frames go out at most at `min(ClientOptions::max_pose_hz, limits.pose_hz)` per second.
    /// Dropped silently while not in a room or while reconnecting. Fails only for landmarks
    /// that do not fit the model ([`Error::Pose`]) or a closed client.
    pub fn send_pose(&self, model: PoseModel, landmarks: &[Landmark]) -> Result<(), Error> {
        let kp = PoseBlock::from_landmarks(model, landmarks)?;
        if self.commands.is_closed() {
            return Err(Error::Disconnected);
        }
        if self.shared.live.load(Ordering::Relaxed) {
            self.shared.outgoing_pose.put((self.server_now(), kp));
        }
        Ok(())
    }

    /// Reports cumulative counters for an exercise (the count since the step began). Paced to
    /// `limits.score_hz`; an unsent report is replaced by a newer one for the same exercise.
    /// Returns the report's `seq`; a refusal arrives as [`Event::Error`] quoting it.
    pub async fn report_score(
        &self,
        exercise: &str,
        reps: u32,
        active_ms: u32,
    ) -> Result<u32, Error> {
        self.request(Request::Score {
            exercise: exercise.to_owned(),
            reps,
            active_ms,
        })
        .await
    }

    /// A facilitator control (`target` for `Kick` and `MakeCohost`). Paced to
    /// `limits.control_hz`. Returns the message's `seq` once queued; the effect arrives as
    /// events ([`Event::Phase`], [`Event::Presence`], …), a refusal as [`Event::Error`]
    /// quoting the seq.
    pub async fn control(
        &self,
        action: ControlAction,
        target: Option<ParticipantId>,
    ) -> Result<u32, Error> {
        self.request(Request::Control { action, target }).await
    }

    /// Sends a reaction to the room. Returns its `seq`.
    pub async fn react(&self, reaction: Reaction) -> Result<u32, Error> {
        self.request(Request::Reaction(reaction)).await
    }

    /// Replaces the connection's access token in-band, without reconnecting: sends `refresh`
    /// and returns the new token's expiry (Unix seconds) once the server accepted it (also
    /// sent as [`Event::Refreshed`]). The token must name the same user (subject and issuer)
    /// as the connection's. From then on, reconnections present it.
    ///
    /// Fails with [`Error::Server`] if the server refuses it (`unauthorized`: invalid,
    /// expired or another user's; `unsupported`: a session-cookie connection, or a server
    /// without refresh), with [`Error::Invalid`] for a token no server would read (empty,
    /// over 3072 bytes, not printable ASCII), with [`Error::ConnectionLost`] while the
    /// connection is down (the token is then kept for the reconnection), and with
    /// [`Error::Timeout`] after [`ClientOptions::request_timeout`].
    ///
    /// With [`ClientOptions::token_source`] set, the client refreshes by itself; this is for
    /// applications that hold their tokens themselves.
    pub async fn refresh(&self, token: &str) -> Result<u64, Error> {
        let check = breakroom_protocol::ClientMsg::Refresh {
            seq: 0,
            token: token.to_owned(),
        };
        breakroom_protocol::validate::client(&check).map_err(Error::Invalid)?;
        let (reply, answer) = oneshot::channel();
        self.command(Command::Refresh {
            token: token.to_owned(),
            reply,
        })
        .await?;
        match timeout(self.request_timeout, answer).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(Error::Disconnected),
            Err(_) => Err(Error::Timeout),
        }
    }

    /// When the connection's access token expires (Unix seconds), as the server said in the
    /// latest `welcome` or `refreshed`; `None` when it did not say (a server from before
    /// token refresh).
    pub fn token_expires_at(&self) -> Option<u64> {
        match self.shared.expires_at.load(Ordering::Relaxed) {
            0 => None,
            at => Some(at),
        }
    }

    /// Leaves the room for good (no resume after this). Returns the message's `seq`.
    pub async fn leave(&self) -> Result<u32, Error> {
        self.request(Request::Leave).await
    }

    /// Leaves the room (if in one), closes the connection with 1000 and stops reconnecting.
    /// Returns once the server acknowledged the close or after 2 s.
    pub async fn close(&self) -> Result<(), Error> {
        let (reply, answer) = oneshot::channel();
        if self.command(Command::Close { reply }).await.is_err() {
            return Ok(()); // Already closed.
        }
        let _ = answer.await;
        Ok(())
    }

    /// The server's clock now, as estimated from the clock-sync pings (µs since the Unix epoch).
    pub fn server_now(&self) -> Micros {
        self.shared.clock.server_now()
    }

    /// The local instant at which the server's clock reads `server_time`: when to act on a
    /// cue's `at`. Times already past map to instants in the past.
    pub fn local_instant(&self, server_time: Micros) -> Instant {
        self.shared.clock.local_instant(server_time)
    }

    /// Server clock minus local clock, in microseconds (the current best estimate).
    pub fn clock_offset(&self) -> i64 {
        self.shared.clock.offset()
    }

    /// Round trip of the best clock-sync sample of the last minute; `None` before any.
    pub fn round_trip(&self) -> Option<Duration> {
        self.shared.clock.round_trip()
    }

    /// How far [`ClientHandle::clock_offset`] may be off: half the best round trip of the last
    /// minute's clock-sync samples; `None` before any. It assumes the path is as fast one way
    /// as the other: an asymmetric path shifts the offset by half the difference, which no
    /// ping can see (`PROTOCOL.md`, "Clock sync").
    pub fn sync_uncertainty(&self) -> Option<Duration> {
        self.shared.clock.uncertainty()
    }

    /// Sleeps until the server's clock reads `at` (returns at once if it already has).
    pub async fn sleep_until_server(&self, at: Micros) {
        sleep_until(self.local_instant(at)).await;
    }

    /// The limits of the latest `welcome`.
    pub fn limits(&self) -> Limits {
        self.shared
            .limits
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// This client's participant id in its room, if in one.
    pub fn participant_id(&self) -> Option<ParticipantId> {
        match self.shared.you.load(Ordering::Relaxed) {
            u64::MAX => None,
            id => u32::try_from(id).ok().map(ParticipantId),
        }
    }
}
