//! The workload: rooms of participants replaying the real squat recording, open loop.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use breakroom_client::replay::Recording;
use breakroom_protocol::PoseBlock;
use breakroom_rooms::detect::Detector;

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
    /// The squat recording sampled at `hz` over one pass, counted by the squat detector.
    pub fn squats(hz: u32) -> anyhow::Result<Frames> {
        let rec = Recording::squats();
        let n = (rec.duration().as_secs_f64() * f64::from(hz))
            .round()
            .max(1.0) as usize;
        let mut detector = Detector::for_exercise("squats")
            .ok_or_else(|| anyhow::anyhow!("no squats detector"))?;
        let mut blocks = Vec::with_capacity(n);
        let mut reps = Vec::with_capacity(n);
        for i in 0..n {
            let at = Duration::from_secs_f64(i as f64 / f64::from(hz));
            let landmarks = rec.frame_at(at);
            blocks.push(PoseBlock::from_landmarks(rec.model, &landmarks)?);
            reps.push(
                detector
                    .update(at.as_micros() as u64, rec.model, &landmarks)
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
