//! Shared helpers for the server's integration tests: a real server on 127.0.0.1:0 with a real
//! SQLite file, tokens, and a raw WebSocket client.
#![allow(dead_code, unreachable_pub, missing_docs, clippy::unwrap_used)]

pub mod jitter;

use std::time::Duration;

use breakroom::auth::{Grants, TokenRole, TokenSpec};
use breakroom::config::Config;
pub use breakroom::config::Settings;
use breakroom::server::Server;
use breakroom_protocol::{ClientMsg, Program, ServerMsg, Step, decode_server, encode_client};
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// A server under test with its temporary data folder.
pub struct TestServer {
    pub server: Server,
    pub dir: tempfile::TempDir,
}

pub const SECRET: &str = "test-secret-test-secret-test-secret!";

pub fn settings(dir: &std::path::Path) -> Settings {
    Settings {
        listen: Some("127.0.0.1:0".parse().unwrap()),
        data_dir: Some(dir.to_path_buf()),
        api_key: Some("test-key".into()),
        api_secret: Some(SECRET.into()),
        ..Settings::default()
    }
}

impl TestServer {
    pub async fn start() -> TestServer {
        Self::start_with(|s| s).await
    }

    pub async fn start_with(f: impl FnOnce(Settings) -> Settings) -> TestServer {
        // `BREAKROOM_LOG=debug cargo test …` shows the server's logs when debugging a test.
        if let Ok(filter) = tracing_subscriber::EnvFilter::try_from_env("BREAKROOM_LOG") {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(filter)
                .with_test_writer()
                .try_init();
        }
        let dir = tempfile::tempdir().unwrap();
        let config = Config::resolve(f(settings(dir.path())), false).unwrap();
        let server = Server::start(config).await.unwrap();
        TestServer { server, dir }
    }

    pub fn ws_url(&self) -> String {
        format!("ws://{}/v1/ws", self.server.addr())
    }

    pub fn http_url(&self, path: &str) -> String {
        format!("http://{}{}", self.server.addr(), path)
    }

    pub fn token(&self, user: &str, role: TokenRole) -> String {
        self.token_with(user, role, None)
    }

    pub fn token_with(&self, user: &str, role: TokenRole, grants: Option<Grants>) -> String {
        let spec = TokenSpec {
            user: user.into(),
            name: format!("Name of {user}"),
            email: None,
            room: None,
            role,
            grants,
        };
        self.server
            .hub()
            .keys
            .mint(spec, Duration::from_secs(600))
            .unwrap()
    }

    /// Creates a room over REST and returns (code, session).
    pub async fn create_room(&self, program: Program) -> (String, String) {
        let token = self.token("creator", TokenRole::Facilitator);
        let resp = reqwest::Client::new()
            .post(self.http_url("/v1/rooms"))
            .bearer_auth(token)
            .json(&serde_json::json!({ "program": program }))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 201);
        let body: serde_json::Value = resp.json().await.unwrap();
        (
            body["code"].as_str().unwrap().into(),
            body["session"].as_str().unwrap().into(),
        )
    }
}

pub fn program(steps: &[(&str, u32, u32)]) -> Program {
    Program {
        name: "Test program".into(),
        steps: steps
            .iter()
            .map(|&(exercise, duration_ms, rest_ms)| Step {
                exercise: exercise.into(),
                duration_ms,
                rest_ms,
                bpm: None,
            })
            .collect(),
    }
}

pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A raw WebSocket client speaking breakroom.v1.
pub struct Raw {
    pub ws: Ws,
    seq: u32,
}

pub async fn raw_connect(url: &str) -> Raw {
    let mut req = url.into_client_request().unwrap();
    req.headers_mut()
        .insert("Sec-WebSocket-Protocol", "breakroom.v1".parse().unwrap());
    let (ws, resp) = tokio_tungstenite::connect_async(req).await.unwrap();
    assert_eq!(resp.headers()["sec-websocket-protocol"], "breakroom.v1");
    Raw { ws, seq: 0 }
}

/// What a raw client observed next.
#[derive(Debug)]
pub enum Seen {
    Msg(Box<ServerMsg>),
    Closed(Option<(u16, String)>),
}

impl From<Ws> for Raw {
    fn from(ws: Ws) -> Raw {
        Raw { ws, seq: 0 }
    }
}

impl Raw {
    pub fn next_seq(&mut self) -> u32 {
        self.seq += 1;
        self.seq
    }

    pub async fn send(&mut self, msg: &ClientMsg) {
        self.ws
            .send(Message::Binary(encode_client(msg).into()))
            .await
            .unwrap();
    }

    pub async fn send_bytes(&mut self, bytes: Vec<u8>) {
        self.ws.send(Message::Binary(bytes.into())).await.unwrap();
    }

    pub async fn hello(&mut self, token: &str) -> ServerMsg {
        let seq = self.next_seq();
        self.send(&ClientMsg::Hello {
            seq,
            sdk: "raw-test".into(),
            sdk_version: "0".into(),
            token: token.into(),
            resume: None,
        })
        .await;
        match self.next().await {
            Seen::Msg(m) if matches!(*m, ServerMsg::Welcome { .. }) => *m,
            other => panic!("expected welcome, got {other:?}"),
        }
    }

    /// Joins a room and returns the participant id from the snapshot.
    pub async fn join(
        &mut self,
        code: &str,
        role: breakroom_protocol::RequestedRole,
    ) -> breakroom_protocol::ParticipantId {
        let seq = self.next_seq();
        let sharing = breakroom_protocol::Sharing::Room;
        self.send(&ClientMsg::Join {
            seq,
            room: code.into(),
            role,
            sharing,
        })
        .await;
        match self
            .until(|m| matches!(m, ServerMsg::Snapshot { .. }))
            .await
        {
            ServerMsg::Snapshot { you, .. } => you,
            _ => unreachable!("until returned a snapshot"),
        }
    }

    /// The next message or close, within 10 s.
    pub async fn next(&mut self) -> Seen {
        loop {
            let frame = tokio::time::timeout(Duration::from_secs(10), self.ws.next())
                .await
                .expect("nothing from the server within 10 s");
            match frame {
                None | Some(Err(_)) => return Seen::Closed(None),
                Some(Ok(Message::Binary(b))) => {
                    return Seen::Msg(Box::new(decode_server(&b).unwrap()));
                }
                Some(Ok(Message::Close(f))) => {
                    return Seen::Closed(
                        f.map(|CloseFrame { code, reason }| (u16::from(code), reason.to_string())),
                    );
                }
                Some(Ok(_)) => continue,
            }
        }
    }

    /// Skips messages until one matches.
    pub async fn until(&mut self, mut f: impl FnMut(&ServerMsg) -> bool) -> ServerMsg {
        loop {
            match self.next().await {
                Seen::Msg(m) if f(&m) => return *m,
                Seen::Msg(_) => continue,
                Seen::Closed(c) => panic!("closed while waiting: {c:?}"),
            }
        }
    }

    /// Skips messages until the connection closes; returns the close code and reason.
    pub async fn closed(&mut self) -> Option<(u16, String)> {
        loop {
            if let Seen::Closed(c) = self.next().await {
                return c;
            }
        }
    }
}

/// A TCP proxy on 127.0.0.1 that can cut every connection passing through it, to simulate a
/// dropped network without the peers closing anything.
pub struct Proxy {
    pub addr: std::net::SocketAddr,
    pipes: std::sync::Arc<std::sync::Mutex<Vec<tokio::task::AbortHandle>>>,
    accept: tokio::task::JoinHandle<()>,
}

impl Proxy {
    pub async fn start(target: std::net::SocketAddr) -> Proxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let pipes = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let pipes2 = pipes.clone();
        let accept = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let Ok(mut outbound) = TcpStream::connect(target).await else {
                    continue;
                };
                let pipe = tokio::spawn(async move {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                });
                pipes2.lock().unwrap().push(pipe.abort_handle());
            }
        });
        Proxy {
            addr,
            pipes,
            accept,
        }
    }

    pub fn ws_url(&self) -> String {
        format!("ws://{}/v1/ws", self.addr)
    }

    /// Drops every connection open through the proxy, abruptly.
    pub fn cut(&self) {
        for pipe in self.pipes.lock().unwrap().drain(..) {
            pipe.abort();
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.accept.abort();
        self.cut();
    }
}

impl TestServer {
    /// A server in development mode (`POST /v1/dev/token` is served).
    pub async fn start_dev() -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let config = Config::resolve(settings(dir.path()), true).unwrap();
        let server = Server::start(config).await.unwrap();
        TestServer { server, dir }
    }

    /// The `/metrics` exposition.
    pub async fn metrics(&self) -> String {
        let resp = reqwest::get(self.http_url("/metrics")).await.unwrap();
        assert_eq!(resp.status(), 200);
        resp.text().await.unwrap()
    }

    /// The value of one series of `/metrics`, e.g. `breakroom_rooms` or
    /// `breakroom_messages_in_total{kind="hello"}`; `None` when it is not rendered.
    pub async fn metric(&self, series: &str) -> Option<f64> {
        metric_value(&self.metrics().await, series)
    }

    /// Polls `/metrics` until `series` has the value `want` (for effects of a connection's end,
    /// which the client cannot observe), for at most 10 s.
    pub async fn wait_for_metric(&self, series: &str, want: f64) {
        let poll = async {
            let mut every = tokio::time::interval(Duration::from_millis(10));
            loop {
                every.tick().await;
                if self.metric(series).await == Some(want) {
                    return;
                }
            }
        };
        if tokio::time::timeout(Duration::from_secs(10), poll)
            .await
            .is_err()
        {
            panic!(
                "{series} never became {want}; last value {:?}",
                self.metric(series).await
            );
        }
    }
}

/// The value of one series (name and labels exactly as rendered) in a Prometheus exposition.
pub fn metric_value(exposition: &str, series: &str) -> Option<f64> {
    exposition
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.rsplit_once(' '))
        .find(|(name, _)| *name == series)
        .map(|(_, value)| value.parse().unwrap())
}

/// `GET url` with the API key of the test servers (HTTP Basic), which may read every room and
/// session over REST.
pub async fn api_get(url: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(url)
        .basic_auth("test-key", Some(SECRET))
        .send()
        .await
        .unwrap()
}

/// A session that ran to its end: its room code and session id.
pub struct Ended {
    pub code: String,
    pub session: String,
}

impl TestServer {
    /// Runs a whole session: `creator` (a token with the control grant) creates a room, the
    /// `host` joins as facilitator, then the `participants` and `viewers`; the host starts the
    /// program and ends it. Returns once the summary is in the store. Everyone stays connected.
    pub async fn run_session(
        &self,
        creator: &str,
        host: &str,
        participants: &[String],
        viewers: &[String],
    ) -> (Ended, Vec<Raw>) {
        use breakroom_protocol::{ControlAction, RequestedRole};
        let resp = reqwest::Client::new()
            .post(self.http_url("/v1/rooms"))
            .bearer_auth(creator)
            .json(&serde_json::json!({ "program": program(&[("squats", 60_000, 0)]) }))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 201);
        let body: serde_json::Value = resp.json().await.unwrap();
        let code = body["code"].as_str().unwrap().to_owned();
        let session = body["session"].as_str().unwrap().to_owned();
        let saved_before = self.metric("breakroom_summaries_saved_total").await;

        let mut people = Vec::new();
        let mut h = raw_connect(&self.ws_url()).await;
        h.hello(host).await;
        h.join(&code, RequestedRole::Facilitator).await;
        for (tokens, role) in [
            (participants, RequestedRole::Participant),
            (viewers, RequestedRole::Viewer),
        ] {
            for token in tokens {
                let mut c = raw_connect(&self.ws_url()).await;
                c.hello(token).await;
                c.join(&code, role).await;
                people.push(c);
            }
        }
        for action in [ControlAction::Start, ControlAction::End] {
            let seq = h.next_seq();
            h.send(&ClientMsg::Control {
                seq,
                action,
                target: None,
            })
            .await;
        }
        h.until(|m| matches!(m, ServerMsg::Summary { .. })).await;
        let saved = saved_before.unwrap_or(0.0) + 1.0;
        self.wait_for_metric("breakroom_summaries_saved_total", saved)
            .await;
        people.insert(0, h);
        (Ended { code, session }, people)
    }
}

/// A program's run on paused test time (`tokio::time::pause`): tokio's clock stands still while
/// any task of the test's runtime can run, and jumps to the next timer when none can, so the
/// program's seconds pass as fast as the work in them, in the same order. The server runs on
/// the test's runtime (`TestServer` spawns its tasks there), so its room timers, the SDK's
/// clock and the tests' timeouts all read that clock.
///
/// Paused time is only right while everything the test waits on runs on that runtime. SQLite
/// does not: sqlx runs it on a thread of its own, and while the runtime waits on it, paused time
/// jumps through every pending timer (the tests' own timeouts included) in no wall time at
/// all. A session's summary is written to SQLite when it is due (2 s after the program's end,
/// the grace for late score reports, or at once when the host ends it), so time runs for real
/// again from the program's last cue, which the server sends `cue_lead` (300 ms) ahead of the
/// end: the rest of the test waits on the wall clock for those 2.3 s.
pub struct PausedProgram {
    paused: bool,
}

impl PausedProgram {
    /// Pauses time; call it once the setup is done, right before the start. Setting up (the
    /// server's own start opens SQLite) is not paused.
    pub fn pause() -> PausedProgram {
        tokio::time::pause();
        PausedProgram { paused: true }
    }

    /// Looks at each event the test sees: the `Done` cue resumes real time.
    pub fn see(&mut self, event: &breakroom_client::Event) {
        use breakroom_client::{CueKind, Event};
        if matches!(event, Event::Cue(c) if c.kind == CueKind::Done) {
            self.resume();
        }
    }

    /// Real time again, e.g. before ending the session early (which writes its summary).
    pub fn resume(&mut self) {
        if self.paused {
            tokio::time::resume();
            self.paused = false;
        }
    }
}
