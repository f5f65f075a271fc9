//! The workload: rooms of participants replaying a movement (a synthesized squat by default),
//! open loop.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use breakroom_protocol::PoseBlock;
use breakroom_rooms::detect::Detector;

use crate::movement::Movement;

/// How the participants of a room fall within the send period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Phases {
    /// Each participant at its own fixed phase, spread over the period.
    #[default]
    Spread,
    /// A room's participants all at the same phase (as people who start together send); each
    /// room at its own.
    InPhase,
}

impl Phases {
    /// The offset of participant `index` of room `room` within the period, µs.
    pub fn offset(self, room: usize, index: usize, period: u64) -> u64 {
        let index = match self {
            Phases::Spread => index,
            Phases::InPhase => 0,
        };
        ((room * 11 + index * 37) % 100) as u64 * period / 100
    }
}

/// What one run puts on a server.
#[derive(Debug, Clone)]
pub struct Workload {
    /// Rooms, each with one facilitator.
    pub rooms: usize,
    /// Participants per room (each sends skeletons).
    pub participants: usize,
    /// Skeletons per second per participant.
    pub hz: u32,
    /// Sending before the measurement window opens.
    pub warmup: Duration,
    /// The measurement window.
    pub window: Duration,
    /// A participant of room 0 that stops reading for this long, from the window's start.
    pub stall: Option<Duration>,
    /// Where the participants of a room send within the period.
    pub phases: Phases,
    /// What the participants replay.
    pub movement: Arc<Movement>,
}

/// The skeletons one participant replays, precomputed at the workload's rate, and the reps the
/// shared detector counts at each of them.
#[derive(Debug)]
pub struct Frames {
    /// One keypoint block per send slot, looping.
    pub blocks: Vec<PoseBlock>,
    /// The detector's cumulative reps after each block.
    pub reps: Vec<u32>,
}

impl Frames {
    /// One pass of `movement` sampled at `hz`, counted by the squat detector.
    pub fn of(movement: &Movement, hz: u32) -> anyhow::Result<Frames> {
        let n = (movement.duration().as_secs_f64() * f64::from(hz))
            .round()
            .max(1.0) as usize;
        let mut detector = Detector::for_exercise("squats")
            .ok_or_else(|| anyhow::anyhow!("no squats detector"))?;
        let model = movement.model();
        let mut blocks = Vec::with_capacity(n);
        let mut reps = Vec::with_capacity(n);
        for i in 0..n {
            let at = Duration::from_secs_f64(i as f64 / f64::from(hz));
            let landmarks = movement.frame_at(at);
            blocks.push(PoseBlock::from_landmarks(model, &landmarks)?);
            reps.push(
                detector
                    .update(at.as_micros() as u64, model, &landmarks)
                    .reps,
            );
        }
        Ok(Frames { blocks, reps })
    }
}

/// The generator's one clock: µs since the first call (plus one second, so never 0).
pub fn local_us() -> u64 {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    let epoch = *EPOCH.get_or_init(Instant::now);
    epoch.elapsed().as_micros() as u64 + 1_000_000
}

/// The `Instant` of a `local_us` time.
pub fn instant_of(us: u64) -> tokio::time::Instant {
    let now = local_us();
    let base = tokio::time::Instant::now();
    if us >= now {
        base + Duration::from_micros(us - now)
    } else {
        base - Duration::from_micros((now - us).min(1_000_000))
    }
}
