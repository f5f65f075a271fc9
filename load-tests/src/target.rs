//! The servers under test: how to start one, mint its tokens, create its rooms and read its
//! process's CPU time and memory.
//!
//! Extension point: a new server is a new [`Target`] variant. `colyseus` is driven by its own
//! Node driver (in `load-tests/colyseus/`), which emits a [`crate::stats::StepResult`] as JSON
//! per step; `breakroom-load compare --colyseus-json FILE` folds those into the report.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use breakroom::auth::{TokenKeys, TokenRole, TokenSpec};
use breakroom_protocol::{Program, Step};

/// Which server a run measures. Reports, `results.json` and the Colyseus driver's JSON name it
/// by [`Target::name`] (`breakroom`, `reference`, `colyseus-state`, `colyseus-broadcast`).
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Hash,
    serde::Serialize,
    serde::Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "kebab-case")]
pub enum Target {
    /// The breakroom server (`target/<profile>/breakroom serve`).
    #[default]
    Breakroom,
    /// The reference relay (`reference-relay`): the floor.
    Reference,
    /// Colyseus's state-synchronised room, measured by its own Node driver (results read from
    /// JSON). On the command line `colyseus` names both Colyseus peers.
    #[value(alias = "colyseus")]
    ColyseusState,
    /// Colyseus's broadcast room, measured by the same driver.
    ColyseusBroadcast,
}

impl Target {
    /// Its name in reports.
    pub fn name(self) -> &'static str {
        match self {
            Target::Breakroom => "breakroom",
            Target::Reference => "reference",
            Target::ColyseusState => "colyseus-state",
            Target::ColyseusBroadcast => "colyseus-broadcast",
        }
    }

    /// A peer breakroom is judged against (a Colyseus room), as opposed to breakroom itself or
    /// the reference floor.
    pub fn is_peer(self) -> bool {
        self.colyseus_room().is_some()
    }

    /// The Colyseus room type, as its driver's `--target` takes it.
    pub fn colyseus_room(self) -> Option<&'static str> {
        match self {
            Target::ColyseusState => Some("state"),
            Target::ColyseusBroadcast => Some("broadcast"),
            Target::Breakroom | Target::Reference => None,
        }
    }

    /// Whether it sends cues (the reference relay does not; the Colyseus driver tracks none).
    pub fn sends_cues(self) -> bool {
        self == Target::Breakroom
    }

    /// Whether its frames carry the tick time the fan-out latency and the hold are measured
    /// from (the Colyseus driver measures neither).
    pub fn stamps_ticks(self) -> bool {
        !self.is_peer()
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

const API_KEY: &str = "load-key";
const API_SECRET: &str = "load-secret-load-secret-load-secret!!";

/// A running server to drive.
pub struct Endpoint {
    /// Which server.
    pub target: Target,
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its process id (for /proc), when it runs in its own process.
    pub pid: Option<u32>,
    keys: Option<TokenKeys>,
    child: Option<Child>,
    inproc: Option<breakroom::server::Server>,
    _dir: Option<tempfile::TempDir>,
    rooms_made: usize,
}

fn free_port() -> anyhow::Result<SocketAddr> {
    let l = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(l.local_addr()?)
}

impl Endpoint {
    /// Starts `target`'s binary from `bin_dir` with a `tick_hz` relay tick, pinned to `core`
    /// with taskset when given.
    pub async fn spawn(
        target: Target,
        bin_dir: &Path,
        core: Option<usize>,
        tick_hz: u32,
    ) -> anyhow::Result<Endpoint> {
        let addr = free_port()?;
        let dir = tempfile::tempdir()?;
        let (bin, args): (PathBuf, Vec<String>) = match target {
            Target::Breakroom => (
                bin_dir.join("breakroom"),
                vec![
                    "serve".into(),
                    "--listen".into(),
                    addr.to_string(),
                    "--data-dir".into(),
                    dir.path().display().to_string(),
                    "--max-connections".into(),
                    "20000".into(),
                    "--web-dir".into(),
                    dir.path().display().to_string(),
                    "--tick-hz".into(),
                    tick_hz.to_string(),
                ],
            ),
            Target::Reference => (
                bin_dir.join("reference-relay"),
                vec![
                    "--listen".into(),
                    addr.to_string(),
                    "--tick-hz".into(),
                    tick_hz.to_string(),
                ],
            ),
            Target::ColyseusState | Target::ColyseusBroadcast => {
                anyhow::bail!("colyseus runs from its own Node driver; pass --colyseus-json")
            }
        };
        let mut cmd = match core {
            Some(core) if which("taskset") => {
                let mut c = Command::new("taskset");
                c.arg("-c").arg(core.to_string()).arg(&bin);
                c
            }
            _ => Command::new(&bin),
        };
        cmd.args(&args)
            .env("BREAKROOM_API_KEY", API_KEY)
            .env("BREAKROOM_API_SECRET", API_SECRET)
            .env("BREAKROOM_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let child = cmd
            .spawn()
            .map_err(|e| anyhow::anyhow!("{}: {e}", bin.display()))?;
        let pid = Some(child.id());
        let ep = Endpoint {
            target,
            addr,
            pid,
            keys: (target == Target::Breakroom).then(|| TokenKeys::new(API_KEY, API_SECRET)),
            child: Some(child),
            inproc: None,
            _dir: Some(dir),
            rooms_made: 0,
        };
        for _ in 0..200 {
            if tokio::net::TcpStream::connect(addr).await.is_ok() {
                return Ok(ep);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        anyhow::bail!("{} did not listen on {addr} within 10 s", target.name())
    }

    /// A breakroom server in this process (for the smoke test); no /proc readings.
    pub async fn in_process_breakroom() -> anyhow::Result<Endpoint> {
        let dir = tempfile::tempdir()?;
        let settings = breakroom::config::Settings {
            listen: Some("127.0.0.1:0".parse()?),
            data_dir: Some(dir.path().to_path_buf()),
            api_key: Some(API_KEY.into()),
            api_secret: Some(API_SECRET.into()),
            ..Default::default()
        };
        let config = breakroom::config::Config::resolve(settings, false)?;
        let server = breakroom::server::Server::start(config).await?;
        Ok(Endpoint {
            target: Target::Breakroom,
            addr: server.addr(),
            pid: None,
            keys: Some(TokenKeys::new(API_KEY, API_SECRET)),
            child: None,
            inproc: Some(server),
            _dir: Some(dir),
            rooms_made: 0,
        })
    }

    /// The WebSocket URL.
    pub fn ws_url(&self) -> String {
        format!("ws://{}/v1/ws", self.addr)
    }

    /// A token for a unique user.
    pub fn token(&self, user: &str, facilitator: bool) -> anyhow::Result<String> {
        let Some(keys) = &self.keys else {
            return Ok("reference-ignores-tokens".into());
        };
        keys.mint(
            TokenSpec {
                user: user.into(),
                name: user.into(),
                email: None,
                room: None,
                role: if facilitator {
                    TokenRole::Facilitator
                } else {
                    TokenRole::Participant
                },
                grants: None,
            },
            Duration::from_secs(3600),
        )
    }

    /// Creates a room running `program`; returns its code.
    pub async fn create_room(&mut self, program: &Program) -> anyhow::Result<String> {
        self.rooms_made += 1;
        if self.target != Target::Breakroom {
            return Ok(format!("REF{}", self.rooms_made));
        }
        let token = self.token(&format!("creator-{}", self.rooms_made), true)?;
        let resp = reqwest::Client::new()
            .post(format!("http://{}/v1/rooms", self.addr))
            .bearer_auth(token)
            .json(&serde_json::json!({ "program": program }))
            .send()
            .await?;
        anyhow::ensure!(resp.status() == 201, "POST /v1/rooms: {}", resp.status());
        let body: serde_json::Value = resp.json().await?;
        body["code"]
            .as_str()
            .map(String::from)
            .ok_or_else(|| anyhow::anyhow!("no room code"))
    }

    /// The server process's user + system CPU time, µs.
    pub fn cpu_us(&self) -> Option<u64> {
        process_cpu_us(&self.pid?.to_string())
    }

    /// Whether the server is a process of its own (not in this one).
    pub fn is_external(&self) -> bool {
        self.pid.is_some()
    }

    /// The server process's resident memory, bytes.
    pub fn rss_bytes(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid?)).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
        let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kb * 1024)
    }

    /// Stops the server.
    pub async fn stop(mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        if let Some(server) = self.inproc.take() {
            let _ = tokio::time::timeout(Duration::from_secs(15), server.shutdown()).await;
        }
    }
}

impl Drop for Endpoint {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn clock_ticks() -> u64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100)
}

/// Whether a program is on the PATH.
pub fn which(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

/// The program every room runs: squats with a 60 bpm beat, so cues come every second.
pub fn program(step_ms: u32) -> Program {
    let step = |exercise: &str| Step {
        exercise: exercise.into(),
        duration_ms: step_ms,
        rest_ms: 1000,
        bpm: Some(60),
    };
    Program {
        name: "Load test break".into(),
        steps: vec![step("squats"), step("squats")],
    }
}

/// CPU time (user + system) of a process (`self` or a pid), µs.
pub fn process_cpu_us(pid: &str) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After the command: state is field 3, utime 14, stime 15 (1-based in proc(5)).
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(ticks * 1_000_000 / clock_ticks())
}
