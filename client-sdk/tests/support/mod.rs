//! A scripted stand-in for the server, over real sockets on 127.0.0.1:0, shared by the client's
//! integration tests.
//!
//! The stand-in speaks the protocol through `breakroom_protocol`'s codec and answers pings on
//! its own; each test plays the server's side of one conversation.

#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::result_large_err
)] // Each test file uses a part; test code; the handshake callback type is tungstenite's.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use breakroom_client::protocol::{
    ClientMsg, Limits, Program, ServerMsg, Step, decode_client, encode_server,
};
use breakroom_client::{
    Client, ClientOptions, Event, JoinOptions, ParticipantId, Phase, PhaseState, Scoreboard,
};
use futures_util::{SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::time::timeout;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::protocol::CloseFrame;

pub const WAIT: Duration = Duration::from_secs(5);
/// The stand-in's clock runs this far ahead of the test's.
pub const OFFSET: u64 = 5_000_000;

pub fn now() -> u64 {
    u64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_micros(),
    )
    .unwrap()
}

pub fn limits() -> Limits {
    Limits {
        max_message_bytes: 4096,
        pose_hz: 10,
        score_hz: 4,
        control_hz: 20,
    }
}

pub fn options() -> ClientOptions {
    ClientOptions {
        backoff_base: Duration::from_millis(10),
        backoff_max: Duration::from_millis(50),
        ..ClientOptions::default()
    }
}

pub fn snapshot(room: &str, you: u32) -> ServerMsg {
    ServerMsg::Snapshot {
        room: room.to_owned(),
        session: "s1".to_owned(),
        you: ParticipantId(you),
        locked: false,
        program: Program {
            name: "Quick".to_owned(),
            steps: vec![Step {
                exercise: "squats".to_owned(),
                duration_ms: 20_000,
                rest_ms: 0,
                bpm: None,
            }],
        },
        phase: PhaseState {
            phase: Phase::Lobby,
            step: None,
            since: now(),
            until: None,
            paused: false,
        },
        timeline: vec![],
        participants: vec![],
        scoreboard: Scoreboard::default(),
        flags: vec![],
    }
}

/// Accepts connections that ask for the breakroom subprotocol.
pub struct MockServer {
    pub url: String,
    conns: mpsc::Receiver<Conn>,
}

impl MockServer {
    pub async fn start() -> MockServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("ws://{}/v1/ws", listener.local_addr().unwrap());
        let (tx, conns) = mpsc::channel(8);
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let check = |req: &Request, mut res: Response| -> Result<Response, ErrorResponse> {
                    assert_eq!(req.uri().path(), "/v1/ws");
                    let proto = req.headers().get("sec-websocket-protocol").unwrap();
                    assert_eq!(proto, "breakroom.v1");
                    res.headers_mut()
                        .insert("sec-websocket-protocol", proto.clone());
                    Ok(res)
                };
                let ws = tokio_tungstenite::accept_hdr_async(stream, check)
                    .await
                    .unwrap();
                if tx.send(Conn { ws, offset: OFFSET }).await.is_err() {
                    return;
                }
            }
        });
        MockServer { url, conns }
    }

    pub async fn accept(&mut self) -> Conn {
        timeout(WAIT, self.conns.recv())
            .await
            .expect("a connection")
            .unwrap()
    }
}

/// The server's side of one connection.
pub struct Conn {
    pub ws: WebSocketStream<TcpStream>,
    /// How far this stand-in's clock is ahead of the test's (`OFFSET` unless a test moves it).
    pub offset: u64,
}

impl Conn {
    pub async fn send(&mut self, msg: ServerMsg) {
        self.ws
            .send(Message::binary(encode_server(&msg)))
            .await
            .unwrap();
    }

    /// The next client message that is not a ping (pings are answered on the stand-in's
    /// clock), or `Err(close code)` when the client closes.
    pub async fn recv(&mut self) -> Result<ClientMsg, Option<u16>> {
        self.recv_within(WAIT).await
    }

    /// [`Conn::recv`], waiting at most `limit` for each frame.
    pub async fn recv_within(&mut self, limit: Duration) -> Result<ClientMsg, Option<u16>> {
        loop {
            let frame = timeout(limit, self.ws.next())
                .await
                .expect("a client message");
            match frame {
                Some(Ok(Message::Binary(bytes))) => match decode_client(&bytes).unwrap() {
                    ClientMsg::Ping { t0 } => {
                        let t = now() + self.offset;
                        self.send(ServerMsg::Pong { t0, t1: t, t2: t }).await;
                    }
                    msg => return Ok(msg),
                },
                Some(Ok(Message::Close(frame))) => {
                    // Sends the queued reply to the close.
                    let _ = self.ws.flush().await;
                    return Err(frame.map(|f| f.code.into()));
                }
                Some(Ok(_)) => {}
                _ => return Err(None),
            }
        }
    }

    /// The next client message other than pings and poses.
    pub async fn recv_request(&mut self) -> ClientMsg {
        loop {
            match self.recv().await.unwrap() {
                ClientMsg::Pose { .. } => {}
                msg => return msg,
            }
        }
    }

    /// Expects a `hello` with token `tok`; answers `welcome`. Returns the hello's seq and
    /// resume token.
    pub async fn welcome(&mut self, resume: &str) -> (u32, Option<String>) {
        self.welcome_with("tok", resume, None).await
    }

    /// Expects a `hello` with `expected_token`; answers `welcome` with `expires_at`. Returns the
    /// hello's seq and resume token.
    pub async fn welcome_with(
        &mut self,
        expected_token: &str,
        resume: &str,
        expires_at: Option<u64>,
    ) -> (u32, Option<String>) {
        let ClientMsg::Hello {
            seq,
            sdk,
            token,
            resume: asked,
            ..
        } = self.recv().await.unwrap()
        else {
            panic!("expected hello");
        };
        assert_eq!(
            (sdk.as_str(), token.as_str()),
            ("breakroom-client-rs", expected_token)
        );
        let welcome = ServerMsg::Welcome {
            conn: 1,
            resume: resume.to_owned(),
            server_time: now() + self.offset,
            limits: limits(),
            expires_at,
        };
        self.send(welcome).await;
        (seq, asked)
    }

    /// Expects a `join` for `room`; answers with a snapshot.
    pub async fn accept_join(&mut self, room: &str, you: u32) {
        let msg = self.recv_request().await;
        assert!(
            matches!(&msg, ClientMsg::Join { room: r, .. } if r == room),
            "{msg:?}"
        );
        self.send(snapshot(room, you)).await;
    }

    pub async fn close(&mut self, code: u16) {
        let frame = CloseFrame {
            code: code.into(),
            reason: "bye".into(),
        };
        self.ws.close(Some(frame)).await.unwrap();
    }
}

/// Connects and joins `ROOM-1` as participant 7.
pub async fn joined(server: &mut MockServer) -> (Client, Conn) {
    let url = server.url.clone();
    let (client, mut conn) = tokio::join!(Client::connect_with(&url, "tok", options()), async {
        let mut conn = server.accept().await;
        conn.welcome("r1").await;
        conn
    });
    let mut client = client.unwrap();
    let (snapshot, ()) = tokio::join!(
        client.join("ROOM-1", JoinOptions::participant()),
        conn.accept_join("ROOM-1", 7)
    );
    assert_eq!(snapshot.unwrap().you, ParticipantId(7));
    assert!(matches!(
        client.next_event_timeout(WAIT).await.unwrap(),
        Event::Snapshot(_)
    ));
    assert_eq!(client.participant_id(), Some(ParticipantId(7)));
    (client, conn)
}
