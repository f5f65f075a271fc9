//! A simulated participant: joins a room and, while an exercise runs, replays squats as its
//! skeleton (looped, interpolated to 15 Hz), counts them with the shared exercise detector
//! (`Client::track`) and reports what it counts.
//!
//! ```text
//! cargo run -p breakroom-client --example participant -- ROOM-CODE \
//!     [--server http://127.0.0.1:7878] [--token TOKEN] [--name Bob] \
//!     [--recording FILE [--size 720x1280] [--fps 5]]
//! ```
//!
//! The token comes from `--token`, else `$BREAKROOM_TOKEN`, else the server's dev endpoint.
//! The squats are synthesized (`Recording::squats`, two a pass of 6 s) unless `--recording`
//! gives a BlazePose-33 recording, `[frames][33][x, y, z]` in pixels of a `--size` image at
//! `--fps` frames per second; the defaults fit tfjs-models' real squats,
//! `../shared/data/pose/tfjs-models/pose_squats.full.json` (see the README's "Pose
//! recordings"). Whatever the exercise, the replay is squats, and it is counted honestly:
//! squats score, an arm-raise step scores what the arm-raise detector sees in a squat
//! (nothing).

mod common;

use std::time::Duration;

use anyhow::Context;
use breakroom_client::replay::Recording;
use breakroom_client::{
    Client, CueKind, Event, JoinOptions, ParticipantId, Phase, PhaseState, PoseModel, Program,
    Tracker, websocket_url,
};
use tokio::time::{Instant, MissedTickBehavior, interval};

use common::Args;

const USAGE: &str = "usage: participant ROOM-CODE [--server URL] [--token TOKEN] [--name NAME] \
                     [--recording FILE [--size WxH] [--fps N]]";
/// How often a skeleton is offered to the client (the recording is interpolated to this).
const POSE_HZ: u32 = 15;

/// The exercise step being replayed.
struct Running {
    /// When this stretch of exercise began (locally); before then, nothing is sent.
    since: Instant,
}

/// The simulated person: which step they count for and how long they have been at it.
struct Simulation {
    recording: Recording,
    /// Counts and reports the step's exercise; a new one for each step.
    tracker: Option<Tracker>,
    /// The step the tracker counts for.
    step: Option<u16>,
    /// Exercise time of the step before the current stretch (pauses split a step).
    banked: Duration,
    running: Option<Running>,
}

impl Simulation {
    fn new(recording: Recording) -> Self {
        Simulation {
            recording,
            tracker: None,
            step: None,
            banked: Duration::ZERO,
            running: None,
        }
    }

    /// Follows the session's phase: run during an unpaused exercise, else stand still.
    fn follow(&mut self, client: &Client, program: &Program, phase: &PhaseState) {
        match (phase.phase, phase.step) {
            (Phase::Exercise, Some(step)) if !phase.paused => {
                let exercise = program
                    .steps
                    .get(usize::from(step))
                    .map(|s| s.exercise.clone());
                self.start(
                    client,
                    step,
                    &exercise.unwrap_or_default(),
                    client.local_instant(phase.since),
                );
            }
            _ => self.stop(),
        }
    }

    /// Starts (or continues, after a pause or a duplicate notice) exercise step `step`.
    fn start(&mut self, client: &Client, step: u16, exercise: &str, since: Instant) {
        if self.step != Some(step) {
            println!("go: {exercise}");
            self.step = Some(step);
            self.tracker = client.track(exercise).ok();
            self.banked = Duration::ZERO;
        } else if self.running.is_some() {
            return;
        }
        self.running = Some(Running { since });
    }

    fn stop(&mut self) {
        if let Some(running) = self.running.take() {
            self.banked += Instant::now().saturating_duration_since(running.since);
        }
    }

    /// One tick: offer the replayed skeleton, and report the count when it changes.
    async fn tick(&mut self, client: &Client) -> anyhow::Result<()> {
        let Some(running) = &self.running else {
            return Ok(());
        };
        let now = Instant::now();
        if now < running.since {
            return Ok(());
        }
        let active = self.banked + (now - running.since);
        let frame = self.recording.frame_at(active);
        let Some(tracker) = &mut self.tracker else {
            client.send_pose(self.recording.model, &frame)?;
            return Ok(());
        };
        let before = tracker.reading().reps;
        let reading = tracker.pose(self.recording.model, &frame).await?;
        if reading.reps > before {
            println!("{}: {} rep(s)", tracker.exercise(), reading.reps);
        }
        Ok(())
    }
}

/// The skeletons to replay: synthesized squats, or the `--recording` file.
fn recording(args: &Args) -> anyhow::Result<Recording> {
    let Some(file) = args.get("recording") else {
        println!("replaying synthesized squats (--recording FILE replays a real one)");
        return Ok(Recording::squats());
    };
    let size = args.get("size").unwrap_or("720x1280");
    let (width, height) = size
        .split_once('x')
        .and_then(|(w, h)| Some((w.parse::<f32>().ok()?, h.parse::<f32>().ok()?)))
        .with_context(|| format!("--size {size}: expected WIDTHxHEIGHT in pixels"))?;
    let fps: f32 = args
        .get("fps")
        .unwrap_or("5")
        .parse()
        .context("--fps: expected frames per second")?;
    let recording = Recording::from_pixel_file(
        std::path::Path::new(file),
        PoseModel::BlazePose33,
        width,
        height,
        fps,
    )
    .with_context(|| {
        "the real recordings are not in the repository: see the README's \"Pose recordings\" \
         for where they come from and ../shared/data/pose/ for where they go"
    })?;
    println!(
        "replaying {file}: {} frames at {fps} fps",
        recording.frames.len()
    );
    Ok(recording)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse()?;
    if args.help() {
        println!("{USAGE}");
        return Ok(());
    }
    let code = args.positional.first().context(USAGE)?.clone();
    let recording = recording(&args)?;
    let server = args.server();
    let name = args.get("name").unwrap_or("Bob").to_owned();
    let http = reqwest::Client::new();
    let token = common::token(&args, &http, &name, "participant", Some(&code)).await?;

    let mut client = Client::connect(&websocket_url(&server)?, &token).await?;
    let snapshot = client.join(&code, JoinOptions::participant()).await?;
    let mut you: ParticipantId = snapshot.you;
    let mut program = snapshot.program;
    println!(
        "joined {} as {name} ({you:?}); program {}",
        snapshot.room, program.name
    );

    let mut sim = Simulation::new(recording);
    sim.follow(&client, &program, &snapshot.phase);
    let mut ticker = interval(Duration::from_secs(1) / POSE_HZ);
    ticker.set_missed_tick_behavior(MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            _ = ticker.tick() => sim.tick(&client).await?,
            event = client.next_event() => match event {
                Some(Event::Cue(cue)) => {
                    if cue.kind == CueKind::Go {
                        let exercise = cue.exercise.clone().or_else(|| {
                            program.steps.get(usize::from(cue.step)).map(|s| s.exercise.clone())
                        });
                        sim.start(&client, cue.step, &exercise.unwrap_or_default(), client.local_instant(cue.at));
                    } else if matches!(cue.kind, CueKind::Countdown | CueKind::NextUp | CueKind::Done) {
                        println!("cue {:?} {}", cue.kind, cue.n.map(|n| n.to_string()).or(cue.exercise).unwrap_or_default());
                    }
                }
                Some(Event::Phase { phase, .. }) => sim.follow(&client, &program, &phase),
                Some(Event::Snapshot(snapshot)) => {
                    you = snapshot.you;
                    program = snapshot.program.clone();
                    sim.follow(&client, &program, &snapshot.phase);
                }
                Some(Event::Scoreboard(board)) => {
                    if let Some(me) = board.ranking.iter().find(|e| e.p == you) {
                        println!("score: {} points, {} reps", me.points, me.reps);
                    }
                }
                Some(Event::Summary(summary)) => {
                    println!("session over ({:?})", summary.end);
                    if let Some(me) = summary.participants.iter().find(|p| p.p == you) {
                        for r in &me.results {
                            println!("  {:<12} {:>3} reps {:>5} points", r.exercise, r.reps, r.points);
                        }
                    }
                    break;
                }
                Some(Event::Reconnecting { attempt }) => println!("reconnecting (attempt {attempt})…"),
                Some(Event::Resumed) => println!("resumed"),
                Some(Event::Rejoined) => println!("rejoined"),
                Some(Event::Error { code, message, .. }) => println!("error {code:?}: {message}"),
                Some(Event::Closed { code, reason }) => {
                    println!("closed {code}: {reason}");
                    return Ok(());
                }
                None => return Ok(()),
                Some(_) => {}
            },
        }
    }
    client.close().await?;
    Ok(())
}
