//! One simulated client: a facilitator or a participant, speaking `breakroom.v1` directly over
//! tokio-tungstenite, sending on a fixed schedule (open loop) and measuring what it receives.
//!
//! A participant's skeleton `k` is due at `base + k × period` on the generator's clock; the
//! `pose` it sends carries that *scheduled* instant converted to server time with the client's
//! clock-sync offset (frozen after the initial sync), so a late send still counts from when it
//! was due (no coordinated omission). A recipient maps `t` back with the sender's offset (all
//! clients share one process, see [`RoomShared`]) and records, for every skeleton of the sender
//! due up to that one and not covered yet, `receipt − due`: a skeleton superseded on the server
//! (latest wins) is covered by the first later skeleton that arrives, and its latency says so.
//!
//! The facilitator also records each skeleton's **hold in the server**: the frame's tick time
//! (`poses.t`, server clock) minus the instant the sender wrote that skeleton to its socket
//! (mapped to server time through the sender's clock sync, shared through [`RoomShared`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use breakroom_protocol::clock::{ClockSync, Sample};
use breakroom_protocol::{
    ClientMsg, ControlAction, Cue, RequestedRole, ServerMsg, Sharing, decode_server, encode_client,
};
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, watch};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::stats::{ClientReport, Samples};
use crate::workload::{Frames, Phases, instant_of, local_us};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Clock-sync pings at connect.
const SYNC_PINGS: usize = 4;
/// Bound on any one setup step (connect, hello, sync, join).
const SETUP_TIMEOUT: Duration = Duration::from_secs(20);

/// A sender's schedule as its recipients need it.
#[derive(Debug, Clone, Copy)]
pub struct SenderInfo {
    /// The sender's clock offset (server − local), µs.
    pub offset: i64,
    /// Local instant its skeleton 0 is due.
    pub base: u64,
}

/// What the clients of one room share (they run in one process).
#[derive(Debug, Default)]
pub struct RoomShared {
    /// Senders by participant id.
    pub senders: Mutex<HashMap<u32, SenderInfo>>,
    /// When each skeleton due in the window was written, in server time, by (participant id,
    /// the pose's `t`): the facilitator takes it out when the skeleton reaches it.
    pub sent: Mutex<HashMap<(u32, u64), u64>>,
}

/// The timetable of a run, on the generator's clock (µs).
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    /// When sending begins (before each participant's phase).
    pub start: u64,
    /// The measurement window: skeletons due in `[window_start, window_end)` are measured.
    pub window_start: u64,
    /// End of the window; sending stops here.
    pub window_end: u64,
    /// When clients close.
    pub close_at: u64,
    /// Skeleton period, µs.
    pub period: u64,
}

/// Who a client is.
#[derive(Debug, Clone)]
pub struct ClientSpec {
    /// WebSocket URL.
    pub url: String,
    /// Access token.
    pub token: String,
    /// Room code.
    pub code: String,
    /// Room index.
    pub room: usize,
    /// Index within the room (the facilitator is 0).
    pub index: usize,
    /// Facilitator (sends `start`, no skeletons) or participant.
    pub facilitator: bool,
    /// Stop reading for this long from the window's start.
    pub stall: Option<Duration>,
    /// Where the room's participants send within the period.
    pub phases: Phases,
}

/// Opens a WebSocket offering `breakroom.v1`.
pub async fn connect(url: &str) -> anyhow::Result<Ws> {
    let mut req = url.into_client_request()?;
    req.headers_mut()
        .insert("Sec-WebSocket-Protocol", "breakroom.v1".parse()?);
    // tungstenite zero-fills the free part of its read buffer before every read: with its
    // 128 KiB default that memset was a quarter of the generator's CPU at 64 rooms.
    let config = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
        .read_buffer_size(8 * 1024)
        .max_message_size(Some(breakroom_protocol::MAX_SERVER_MSG_BYTES))
        .max_frame_size(Some(breakroom_protocol::MAX_SERVER_MSG_BYTES));
    let (ws, _) = tokio_tungstenite::connect_async_with_config(req, Some(config), true).await?;
    Ok(ws)
}

async fn send(ws: &mut Ws, msg: &ClientMsg) -> anyhow::Result<()> {
    ws.send(Message::Binary(encode_client(msg).into())).await?;
    Ok(())
}

/// The next decoded server message, within the setup timeout.
async fn next_msg(ws: &mut Ws) -> anyhow::Result<ServerMsg> {
    loop {
        let frame = tokio::time::timeout(SETUP_TIMEOUT, ws.next())
            .await
            .map_err(|_| anyhow::anyhow!("nothing from the server in time"))?;
        match frame {
            Some(Ok(Message::Binary(b))) => return Ok(decode_server(&b)?),
            Some(Ok(Message::Close(f))) => anyhow::bail!("closed: {f:?}"),
            Some(Ok(_)) => continue,
            Some(Err(e)) => return Err(e.into()),
            None => anyhow::bail!("connection ended"),
        }
    }
}

/// Opens a connection and says hello; returns it after `welcome` (used for idle connections).
pub async fn hello(url: &str, token: &str) -> anyhow::Result<Ws> {
    let mut ws = connect(url).await?;
    send(
        &mut ws,
        &ClientMsg::Hello {
            seq: 1,
            sdk: "breakroom-load".into(),
            sdk_version: env!("CARGO_PKG_VERSION").into(),
            token: token.into(),
            resume: None,
        },
    )
    .await?;
    loop {
        match next_msg(&mut ws).await? {
            ServerMsg::Welcome { .. } => return Ok(ws),
            ServerMsg::Error { code, message, .. } => anyhow::bail!("{code:?}: {message}"),
            _ => continue,
        }
    }
}

/// Per-client receive state.
struct Receiver {
    report: ClientReport,
    /// Own clock offset, frozen after sync.
    offset: i64,
    me: u32,
    /// Per sender: the first due instant not covered yet, and the sender's info.
    next_due: HashMap<u32, (u64, SenderInfo)>,
    shared: Arc<RoomShared>,
    plan: Option<Plan>,
    /// Records the hold in the server (one client per room does: the facilitator).
    holds: bool,
}

impl Receiver {
    fn cue(&mut self, cue: &Cue) {
        let act = cue.at.saturating_add_signed(self.offset.saturating_neg());
        let late = local_us() > act;
        self.report.cues.insert(cue.id, (act, late));
    }

    fn handle(&mut self, msg: ServerMsg) {
        let now = local_us();
        match msg {
            ServerMsg::Poses { t, poses } => {
                let Some(plan) = self.plan else { return };
                let in_window = |due: u64| due >= plan.window_start && due < plan.window_end;
                let tick_local = t.saturating_add_signed(self.offset.saturating_neg());
                if in_window(tick_local) {
                    self.report.relay.record(now.saturating_sub(tick_local));
                }
                if self.holds {
                    let mut sent = self.shared.sent.lock().unwrap_or_else(|e| e.into_inner());
                    for pp in &poses {
                        if let Some(at) = sent.remove(&(pp.p.0, pp.t)) {
                            self.report.hold.record(t.saturating_sub(at));
                        }
                    }
                }
                for pp in poses {
                    if pp.p.0 == self.me {
                        continue;
                    }
                    self.report.entries += 1;
                    let entry = match self.next_due.get_mut(&pp.p.0) {
                        Some(e) => e,
                        None => {
                            let info = self
                                .shared
                                .senders
                                .lock()
                                .unwrap_or_else(|e| e.into_inner())
                                .get(&pp.p.0)
                                .copied();
                            let Some(info) = info else { continue };
                            self.next_due.entry(pp.p.0).or_insert((info.base, info))
                        }
                    };
                    let due = pp.t.saturating_add_signed(entry.1.offset.saturating_neg());
                    // Bounded: at most the skeletons due between two receipts.
                    let mut d = entry.0;
                    while d <= due && d <= plan.window_end {
                        if in_window(d) {
                            self.report.latency.record(now.saturating_sub(d));
                            self.report.covered += 1;
                        }
                        d += plan.period;
                    }
                    if due >= entry.0 {
                        entry.0 = d.max(due + plan.period);
                    }
                }
            }
            ServerMsg::Cue { cue } => self.cue(&cue),
            ServerMsg::Phase { timeline, .. } | ServerMsg::Snapshot { timeline, .. } => {
                for cue in &timeline {
                    self.cue(cue);
                }
            }
            ServerMsg::Scoreboard { .. } => self.report.scoreboards += 1,
            ServerMsg::Error { .. } => self.report.errors += 1,
            _ => {}
        }
    }

    /// Skeletons of the room's other senders due in the window.
    fn expected(&self, plan: &Plan) -> u64 {
        let senders = self
            .shared
            .senders
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let count_from = |base: u64, from: u64| -> u64 {
            if from <= base {
                0
            } else {
                (from - base).div_ceil(plan.period)
            }
        };
        senders
            .iter()
            .filter(|(p, _)| **p != self.me)
            .map(|(_, s)| {
                count_from(s.base, plan.window_end) - count_from(s.base, plan.window_start)
            })
            .sum()
    }
}

/// Runs one client to the end of the plan; reports readiness (after join) on `ready`.
pub async fn run(
    spec: ClientSpec,
    frames: Arc<Frames>,
    shared: Arc<RoomShared>,
    ready: mpsc::Sender<bool>,
    mut plan_rx: watch::Receiver<Option<Plan>>,
) -> ClientReport {
    let mut report = ClientReport {
        room: spec.room,
        stalled: spec.stall.is_some(),
        latency: Samples::default(),
        relay: Samples::default(),
        hold: Samples::default(),
        expected: 0,
        covered: 0,
        entries: 0,
        sent: 0,
        cues: HashMap::new(),
        scoreboards: 0,
        errors: 0,
        failure: None,
    };
    let setup = tokio::time::timeout(SETUP_TIMEOUT * 2, setup(&spec)).await;
    let (mut ws, offset, me, snapshot) = match setup {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => {
            report.failure = Some(format!("setup: {e:#}"));
            let _ = ready.send(false).await;
            return report;
        }
        Err(_) => {
            report.failure = Some("setup timed out".into());
            let _ = ready.send(false).await;
            return report;
        }
    };
    let mut rx = Receiver {
        report,
        offset,
        me,
        next_due: HashMap::new(),
        shared: shared.clone(),
        plan: None,
        holds: spec.facilitator,
    };
    rx.handle(snapshot);
    let _ = ready.send(true).await;
    // Wait for the plan, reading meanwhile.
    let plan = loop {
        if let Some(plan) = *plan_rx.borrow_and_update() {
            break plan;
        }
        tokio::select! {
            changed = plan_rx.changed() => if changed.is_err() { rx.report.failure = Some("no plan".into()); return rx.report; },
            frame = tokio::time::timeout(SETUP_TIMEOUT * 3, ws.next()) => match frame {
                Ok(Some(Ok(Message::Binary(b)))) => if let Ok(m) = decode_server(&b) { rx.handle(m) },
                Ok(Some(Ok(_))) => {}
                _ => { rx.report.failure = Some("closed before the plan".into()); return rx.report; }
            }
        }
    };
    rx.plan = Some(plan);
    let base = plan.start + spec.phases.offset(spec.room, spec.index, plan.period);
    if !spec.facilitator {
        shared
            .senders
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(me, SenderInfo { offset, base });
    }
    let stall = spec
        .stall
        .map(|d| (plan.window_start, plan.window_start + d.as_micros() as u64));
    if spec.facilitator {
        let sent = send(
            &mut ws,
            &ClientMsg::Control {
                seq: 3,
                action: ControlAction::Start,
                target: None,
            },
        )
        .await;
        if let Err(e) = sent {
            rx.report.failure = Some(format!("start: {e}"));
        }
    }
    let len = frames.blocks.len();
    let reps_per_pass = frames.reps.last().copied().unwrap_or(0);
    let mut k: u64 = 0;
    let mut last_reps = 0;
    let mut seq = 10;
    let close = tokio::time::sleep_until(instant_of(plan.close_at));
    tokio::pin!(close);
    loop {
        let due = base + k * plan.period;
        let sending = !spec.facilitator && due < plan.window_end;
        let now = local_us();
        let stalled = stall.is_some_and(|(a, b)| now >= a && now < b);
        tokio::select! {
            () = &mut close => break,
            () = tokio::time::sleep_until(instant_of(due)), if sending => {
                let i = (k as usize) % len;
                let t = due.saturating_add_signed(offset);
                if due >= plan.window_start && due < plan.window_end {
                    let at = local_us().saturating_add_signed(offset);
                    shared.sent.lock().unwrap_or_else(|e| e.into_inner()).insert((me, t), at);
                }
                let msg = ClientMsg::Pose { t, kp: frames.blocks[i].clone() };
                if let Err(e) = send(&mut ws, &msg).await {
                    rx.report.failure = Some(format!("send: {e}"));
                    break;
                }
                rx.report.sent += 1;
                let reps = (k as usize / len) as u32 * reps_per_pass + frames.reps[i];
                if reps > last_reps {
                    last_reps = reps;
                    seq += 1;
                    let score = ClientMsg::Score { seq, exercise: "squats".into(), reps, active_ms: 0 };
                    if let Err(e) = send(&mut ws, &score).await {
                        rx.report.failure = Some(format!("send: {e}"));
                        break;
                    }
                }
                k += 1;
            }
            () = tokio::time::sleep_until(instant_of(stall.map_or(0, |s| s.1))), if stalled => {}
            frame = ws.next(), if !stalled => match frame {
                Some(Ok(Message::Binary(b))) => match decode_server(&b) {
                    Ok(m) => rx.handle(m),
                    Err(_) => rx.report.errors += 1,
                },
                Some(Ok(Message::Close(f))) => { rx.report.failure = Some(format!("closed by server: {f:?}")); break; }
                Some(Ok(_)) => {}
                Some(Err(e)) => { rx.report.failure = Some(format!("read: {e}")); break; }
                None => { rx.report.failure = Some("connection ended".into()); break; }
            }
        }
    }
    let _ = tokio::time::timeout(Duration::from_secs(1), ws.close(None)).await;
    rx.report.expected = rx.expected(&plan);
    rx.report
}

/// Connect, hello, clock sync, join. Returns the socket, the offset, own id and the snapshot.
async fn setup(spec: &ClientSpec) -> anyhow::Result<(Ws, i64, u32, ServerMsg)> {
    let mut ws = hello(&spec.url, &spec.token).await?;
    let mut sync = ClockSync::default();
    for _ in 0..SYNC_PINGS {
        let t0 = local_us();
        send(&mut ws, &ClientMsg::Ping { t0 }).await?;
        loop {
            match next_msg(&mut ws).await? {
                ServerMsg::Pong { t0: echo, t1, t2 } if echo == t0 => {
                    sync.add(Sample {
                        t0,
                        t1,
                        t2,
                        t3: local_us(),
                    });
                    break;
                }
                ServerMsg::Error { .. } => break,
                _ => continue,
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    send(
        &mut ws,
        &ClientMsg::Join {
            seq: 2,
            room: spec.code.clone(),
            role: if spec.facilitator {
                RequestedRole::Facilitator
            } else {
                RequestedRole::Participant
            },
            sharing: Sharing::Room,
        },
    )
    .await?;
    loop {
        match next_msg(&mut ws).await? {
            snap @ ServerMsg::Snapshot { you, .. } => return Ok((ws, sync.offset(), you.0, snap)),
            ServerMsg::Error { code, message, .. } => anyhow::bail!("join: {code:?}: {message}"),
            _ => continue,
        }
    }
}
