//! The reference relay: the **physical floor** breakroom is compared with.
//!
//! A minimal tokio-tungstenite server that speaks only the subset of `breakroom.v1` the load
//! generator uses, and does nothing else: no tokens checked, no rate limits, no cues, no scores,
//! no detector, no store. `hello` → `welcome` (a resume token and limits); `join` → a minimal
//! `snapshot` (rooms are created on first join); `pose` → kept as the sender's latest (latest
//! wins) and relayed in one aggregated `poses` frame per room per tick (30 Hz by default, as
//! breakroom), holding the skeletons that arrived since the previous tick, encoded once per
//! tick and handed to every member through a latest-wins slot (a mutex-guarded `Option` and a
//! `Notify`); a member whose previous frame is still unsent gets the complete set instead (also
//! encoded once), as breakroom does; written with feed + flush; `ping` → `pong`. Everything
//! else is ignored. Whatever breakroom spends beyond this server is the price of its features.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use breakroom_protocol::{
    ClientMsg, Limits, Participant, ParticipantId, PeerPose, Phase, PhaseState, Presence, Program,
    RequestedRole, Role, Scoreboard, ServerMsg, Step, decode_client, encode_server,
};
use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

/// Poses older than this are left out of a frame (as breakroom does).
const STALE: Duration = Duration::from_secs(1);
/// A room nobody is in for this long stops ticking and is forgotten.
const EMPTY_ROOM_TTL: Duration = Duration::from_secs(5);

/// A member's latest-wins outgoing frame.
#[derive(Default)]
struct Slot {
    frame: Mutex<Option<Bytes>>,
    notify: Notify,
}

/// One room: its members' latest-wins slots and their latest skeletons.
#[derive(Default)]
struct RoomState {
    /// Each member's participant id and latest-wins outgoing frame slot.
    members: Vec<(u32, Arc<Slot>)>,
    /// Each sender's latest skeleton, when it arrived and whether it is new since the last tick.
    latest: BTreeMap<u32, (PeerPose, Instant, bool)>,
    /// Whether a skeleton arrived since the last tick.
    fresh: bool,
    /// The next participant id to hand out.
    next_pid: u32,
}

type Room = Arc<Mutex<RoomState>>;

/// The live rooms by code.
#[derive(Default)]
struct Rooms {
    /// Rooms by code, created on first join.
    by_code: Mutex<HashMap<String, Room>>,
}

/// Server time in µs since the Unix epoch.
fn server_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64)
}

/// Runs the reference relay on `listener` until the process ends.
pub async fn serve(listener: TcpListener, tick_hz: u32) -> anyhow::Result<()> {
    let rooms = Arc::new(Rooms::default());
    let tick = Duration::from_secs(1) / tick_hz.max(1);
    loop {
        let (tcp, _) = listener.accept().await?;
        let rooms = rooms.clone();
        tokio::spawn(async move {
            let _ = connection(tcp, rooms, tick).await;
        });
    }
}

/// Binds `addr` and serves in a background task; returns the bound address.
pub async fn spawn(addr: SocketAddr, tick_hz: u32) -> anyhow::Result<SocketAddr> {
    let listener = TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    tokio::spawn(serve(listener, tick_hz));
    Ok(local)
}

fn lock(room: &Room) -> std::sync::MutexGuard<'_, RoomState> {
    // A poisoned lock means a panic in another connection task; the state is still usable.
    room.lock().unwrap_or_else(|e| e.into_inner())
}

/// The tick task of one room: every tick, one `poses` frame encoded once for all members.
async fn tick_loop(rooms: Arc<Rooms>, code: String, room: Room, tick: Duration) {
    let mut every = tokio::time::interval(tick);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut empty_since: Option<Instant> = None;
    loop {
        every.tick().await;
        let now = Instant::now();
        let mut state = lock(&room);
        if state.members.is_empty() {
            let since = *empty_since.get_or_insert(now);
            if now.duration_since(since) > EMPTY_ROOM_TTL {
                drop(state);
                let mut by_code = rooms.by_code.lock().unwrap_or_else(|e| e.into_inner());
                by_code.remove(&code);
                return;
            }
            continue;
        }
        empty_since = None;
        if !state.fresh {
            continue;
        }
        state.fresh = false;
        state
            .latest
            .retain(|_, (_, at, _)| now.duration_since(*at) <= STALE);
        let fresh: Vec<PeerPose> = state
            .latest
            .values()
            .filter(|(_, _, fresh)| *fresh)
            .map(|(p, _, _)| p.clone())
            .collect();
        if fresh.is_empty() {
            continue;
        }
        let t = server_now();
        let frame = Bytes::from(encode_server(&ServerMsg::Poses { t, poses: fresh }));
        let mut full: Option<Bytes> = None;
        for (_, slot) in &state.members {
            let mut pending = slot.frame.lock().unwrap_or_else(|e| e.into_inner());
            *pending = Some(if pending.is_some() {
                full.get_or_insert_with(|| {
                    let poses = state.latest.values().map(|(p, _, _)| p.clone()).collect();
                    Bytes::from(encode_server(&ServerMsg::Poses { t, poses }))
                })
                .clone()
            } else {
                frame.clone()
            });
            drop(pending);
            slot.notify.notify_one();
        }
        for (_, _, fresh) in state.latest.values_mut() {
            *fresh = false;
        }
    }
}

fn snapshot(code: &str, you: u32, role: Role) -> ServerMsg {
    let now = server_now();
    ServerMsg::Snapshot {
        room: code.into(),
        session: format!("ref-{code}"),
        you: ParticipantId(you),
        locked: false,
        program: Program {
            name: "Reference".into(),
            steps: vec![Step {
                exercise: "squats".into(),
                duration_ms: 60_000,
                rest_ms: 0,
                bpm: None,
            }],
        },
        phase: PhaseState {
            phase: Phase::Lobby,
            step: None,
            since: now,
            until: None,
            paused: false,
        },
        timeline: Vec::new(),
        participants: vec![Participant {
            id: ParticipantId(you),
            name: format!("p{you}"),
            role,
            presence: Presence::Present,
            team: None,
        }],
        scoreboard: Scoreboard {
            ranking: Vec::new(),
            total: 0,
            teams: Vec::new(),
        },
        flags: Vec::new(),
    }
}

/// One connection: read, answer, and write the room's latest frame whenever it changes.
async fn connection(tcp: TcpStream, rooms: Arc<Rooms>, tick: Duration) -> anyhow::Result<()> {
    tcp.set_nodelay(true)?;
    #[allow(clippy::result_large_err)] // the error type is tungstenite's handshake callback's
    let callback = |req: &Request, mut resp: Response| {
        let offered = req
            .headers()
            .get("Sec-WebSocket-Protocol")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.split(',')
                    .any(|p| p.trim() == breakroom_protocol::SUBPROTOCOL)
            });
        if offered {
            resp.headers_mut().insert(
                "Sec-WebSocket-Protocol",
                breakroom_protocol::SUBPROTOCOL
                    .parse()
                    .expect("the subprotocol is a valid header value"),
            );
        }
        Ok(resp)
    };
    // A 4 KiB read buffer (client messages are at most 4096 bytes) instead of tungstenite's
    // 128 KiB default, so an idle connection costs what it needs.
    let config = WebSocketConfig::default()
        .read_buffer_size(4096)
        .max_message_size(Some(4096))
        .max_frame_size(Some(4096));
    let mut ws =
        tokio_tungstenite::accept_hdr_async_with_config(tcp, callback, Some(config)).await?;
    let slot = Arc::new(Slot::default());
    let mut joined: Option<(Room, u32)> = None;
    let result = async {
        loop {
            tokio::select! {
                incoming = ws.next() => {
                    let Some(Ok(Message::Binary(bin))) = incoming else {
                        match incoming {
                            Some(Ok(_)) => continue,
                            _ => return Ok(()),
                        }
                    };
                    let Ok(msg) = decode_client(&bin) else { continue };
                    let reply = match msg {
                        ClientMsg::Hello { .. } => Some(ServerMsg::Welcome {
                            conn: 0,
                            resume: "ref-resume".into(),
                            server_time: server_now(),
                            limits: Limits { max_message_bytes: 4096, pose_hz: 30, score_hz: 5, control_hz: 5 },
                            expires_at: None,
                        }),
                        ClientMsg::Ping { t0 } => {
                            let t1 = server_now();
                            Some(ServerMsg::Pong { t0, t1, t2: server_now() })
                        }
                        ClientMsg::Join { room: code, role, .. } if joined.is_none() => {
                            let room = {
                                let mut by_code = rooms.by_code.lock().unwrap_or_else(|e| e.into_inner());
                                by_code.entry(code.clone()).or_insert_with(|| {
                                    let room = Room::default();
                                    tokio::spawn(tick_loop(rooms.clone(), code.clone(), room.clone(), tick));
                                    room
                                }).clone()
                            };
                            let pid = {
                                let mut state = lock(&room);
                                state.next_pid += 1;
                                let pid = state.next_pid;
                                state.members.push((pid, slot.clone()));
                                pid
                            };
                            joined = Some((room, pid));
                            let role = match role {
                                RequestedRole::Facilitator => Role::Facilitator,
                                RequestedRole::Participant => Role::Participant,
                                RequestedRole::Viewer => Role::Viewer,
                            };
                            Some(snapshot(&code, pid, role))
                        }
                        ClientMsg::Pose { t, kp } => {
                            if let Some((room, pid)) = &joined {
                                let mut state = lock(room);
                                state.latest.insert(*pid, (PeerPose { p: ParticipantId(*pid), t, kp }, Instant::now(), true));
                                state.fresh = true;
                            }
                            None
                        }
                        ClientMsg::Leave { .. } => return Ok(()),
                        _ => None,
                    };
                    if let Some(reply) = reply {
                        ws.feed(Message::Binary(encode_server(&reply).into())).await?;
                        ws.flush().await?;
                    }
                }
                () = slot.notify.notified(), if joined.is_some() => {
                    let frame = slot.frame.lock().unwrap_or_else(|e| e.into_inner()).take();
                    if let Some(frame) = frame {
                        ws.feed(Message::Binary(frame)).await?;
                        ws.flush().await?;
                    }
                }
            }
        }
    }
    .await;
    if let Some((room, pid)) = joined {
        let mut state = lock(&room);
        state.members.retain(|(p, _)| *p != pid);
        state.latest.remove(&pid);
    }
    result
}
